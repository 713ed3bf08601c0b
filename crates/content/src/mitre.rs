//! A small embedded table of MITRE ATT&CK (Enterprise) techniques: names and tactics for the
//! techniques Kubernetes and cloud detections use.
//!
//! Facts are from ATT&CK Enterprise (techniques' "Tactics" field). Tactics are listed in
//! kill-chain order. A technique not in the table still appears in findings, without a name or
//! tactics.

use serde::Serialize;

/// An ATT&CK tactic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Tactic {
    /// The tactic id, e.g. `TA0007`.
    pub id: &'static str,
    /// The tactic name, e.g. `Discovery`.
    pub name: &'static str,
}

/// An ATT&CK technique or sub-technique.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Technique {
    /// The id, e.g. `T1552.007`.
    pub id: &'static str,
    /// The name; a sub-technique's own name (`Container API`), without its parent's.
    pub name: &'static str,
    /// The tactics it serves.
    pub tactics: &'static [Tactic],
}

impl Technique {
    /// The parent technique of a sub-technique (`T1552` for `T1552.007`), when it is in the table.
    #[must_use]
    pub fn parent(&self) -> Option<&'static Technique> {
        let (parent, _) = self.id.split_once('.')?;
        technique(parent)
    }
}

const RECONNAISSANCE: Tactic = Tactic {
    id: "TA0043",
    name: "Reconnaissance",
};
const INITIAL_ACCESS: Tactic = Tactic {
    id: "TA0001",
    name: "Initial Access",
};
const EXECUTION: Tactic = Tactic {
    id: "TA0002",
    name: "Execution",
};
const PERSISTENCE: Tactic = Tactic {
    id: "TA0003",
    name: "Persistence",
};
const PRIVILEGE_ESCALATION: Tactic = Tactic {
    id: "TA0004",
    name: "Privilege Escalation",
};
const DEFENSE_EVASION: Tactic = Tactic {
    id: "TA0005",
    name: "Defense Evasion",
};
const CREDENTIAL_ACCESS: Tactic = Tactic {
    id: "TA0006",
    name: "Credential Access",
};
const DISCOVERY: Tactic = Tactic {
    id: "TA0007",
    name: "Discovery",
};
const LATERAL_MOVEMENT: Tactic = Tactic {
    id: "TA0008",
    name: "Lateral Movement",
};
const COLLECTION: Tactic = Tactic {
    id: "TA0009",
    name: "Collection",
};
const COMMAND_AND_CONTROL: Tactic = Tactic {
    id: "TA0011",
    name: "Command and Control",
};
const IMPACT: Tactic = Tactic {
    id: "TA0040",
    name: "Impact",
};

const VALID_ACCOUNTS_TACTICS: &[Tactic] = &[INITIAL_ACCESS, PERSISTENCE, PRIVILEGE_ESCALATION, DEFENSE_EVASION];
const SCHEDULED_TASK_TACTICS: &[Tactic] = &[EXECUTION, PERSISTENCE, PRIVILEGE_ESCALATION];

macro_rules! techniques {
    ($($id:literal, $name:literal, $tactics:expr;)*) => {
        /// Every technique in the table, sorted by id.
        pub(crate) const TECHNIQUES: &[Technique] = &[$(Technique { id: $id, name: $name, tactics: $tactics },)*];
    };
}

techniques! {
    "T1018", "Remote System Discovery", &[DISCOVERY];
    "T1021", "Remote Services", &[LATERAL_MOVEMENT];
    "T1040", "Network Sniffing", &[CREDENTIAL_ACCESS, DISCOVERY];
    "T1046", "Network Service Discovery", &[DISCOVERY];
    "T1049", "System Network Connections Discovery", &[DISCOVERY];
    "T1053", "Scheduled Task/Job", SCHEDULED_TASK_TACTICS;
    "T1053.007", "Container Orchestration Job", SCHEDULED_TASK_TACTICS;
    "T1057", "Process Discovery", &[DISCOVERY];
    "T1059", "Command and Scripting Interpreter", &[EXECUTION];
    "T1068", "Exploitation for Privilege Escalation", &[PRIVILEGE_ESCALATION];
    "T1069", "Permission Groups Discovery", &[DISCOVERY];
    "T1069.003", "Cloud Groups", &[DISCOVERY];
    "T1070", "Indicator Removal", &[DEFENSE_EVASION];
    "T1078", "Valid Accounts", VALID_ACCOUNTS_TACTICS;
    "T1078.001", "Default Accounts", VALID_ACCOUNTS_TACTICS;
    "T1078.004", "Cloud Accounts", VALID_ACCOUNTS_TACTICS;
    "T1082", "System Information Discovery", &[DISCOVERY];
    "T1083", "File and Directory Discovery", &[DISCOVERY];
    "T1087", "Account Discovery", &[DISCOVERY];
    "T1087.004", "Cloud Account", &[DISCOVERY];
    "T1090", "Proxy", &[COMMAND_AND_CONTROL];
    "T1098", "Account Manipulation", &[PERSISTENCE, PRIVILEGE_ESCALATION];
    "T1105", "Ingress Tool Transfer", &[COMMAND_AND_CONTROL];
    "T1110", "Brute Force", &[CREDENTIAL_ACCESS];
    "T1133", "External Remote Services", &[INITIAL_ACCESS, PERSISTENCE];
    "T1136", "Create Account", &[PERSISTENCE];
    "T1190", "Exploit Public-Facing Application", &[INITIAL_ACCESS];
    "T1204", "User Execution", &[EXECUTION];
    "T1204.003", "User Execution: Malicious Image", &[EXECUTION];
    "T1212", "Exploitation for Credential Access", &[CREDENTIAL_ACCESS];
    "T1485", "Data Destruction", &[IMPACT];
    "T1486", "Data Encrypted for Impact", &[IMPACT];
    "T1496", "Resource Hijacking", &[IMPACT];
    "T1498", "Network Denial of Service", &[IMPACT];
    "T1499", "Endpoint Denial of Service", &[IMPACT];
    "T1525", "Implant Internal Image", &[PERSISTENCE];
    "T1526", "Cloud Service Discovery", &[DISCOVERY];
    "T1528", "Steal Application Access Token", &[CREDENTIAL_ACCESS];
    "T1530", "Data from Cloud Storage", &[COLLECTION];
    "T1538", "Cloud Service Dashboard", &[DISCOVERY];
    "T1550", "Use Alternate Authentication Material", &[DEFENSE_EVASION, LATERAL_MOVEMENT];
    "T1550.001", "Application Access Token", &[DEFENSE_EVASION, LATERAL_MOVEMENT];
    "T1552", "Unsecured Credentials", &[CREDENTIAL_ACCESS];
    "T1552.001", "Credentials In Files", &[CREDENTIAL_ACCESS];
    "T1552.007", "Container API", &[CREDENTIAL_ACCESS];
    "T1562", "Impair Defenses", &[DEFENSE_EVASION];
    "T1562.001", "Disable or Modify Tools", &[DEFENSE_EVASION];
    "T1580", "Cloud Infrastructure Discovery", &[DISCOVERY];
    "T1590", "Gather Victim Network Information", &[RECONNAISSANCE];
    "T1595", "Active Scanning", &[RECONNAISSANCE];
    "T1595.001", "Scanning IP Blocks", &[RECONNAISSANCE];
    "T1595.002", "Vulnerability Scanning", &[RECONNAISSANCE];
    "T1595.003", "Wordlist Scanning", &[RECONNAISSANCE];
    "T1609", "Container Administration Command", &[EXECUTION];
    "T1610", "Deploy Container", &[EXECUTION, DEFENSE_EVASION];
    "T1611", "Escape to Host", &[PRIVILEGE_ESCALATION];
    "T1612", "Build Image on Host", &[DEFENSE_EVASION];
    "T1613", "Container and Resource Discovery", &[DISCOVERY];
    "T1619", "Cloud Storage Object Discovery", &[DISCOVERY];
}

/// The technique with this id (`T1046`, `T1552.007`), if the table has it.
#[must_use]
pub fn technique(id: &str) -> Option<&'static Technique> {
    TECHNIQUES
        .binary_search_by(|t| t.id.cmp(id))
        .ok()
        .and_then(|i| TECHNIQUES.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for pair in TECHNIQUES.windows(2) {
            assert!(pair[0].id < pair[1].id, "{} then {}", pair[0].id, pair[1].id);
        }
        for t in TECHNIQUES {
            assert!(crate::validate::is_technique_id(t.id), "{}", t.id);
            assert!(!t.tactics.is_empty());
            if let Some((parent, _)) = t.id.split_once('.') {
                // A sub-technique serves its parent's tactics when the parent is listed.
                if let Some(p) = technique(parent) {
                    assert_eq!(p.tactics, t.tactics, "{}", t.id);
                }
            }
        }
    }

    #[test]
    fn lookups() {
        let t = technique("T1552.007").unwrap();
        assert_eq!(t.name, "Container API");
        assert_eq!(t.tactics, &[CREDENTIAL_ACCESS]);
        assert_eq!(t.parent().unwrap().name, "Unsecured Credentials");
        let t = technique("T1053.007").unwrap();
        let names: Vec<_> = t.tactics.iter().map(|t| t.name).collect();
        assert_eq!(names, ["Execution", "Persistence", "Privilege Escalation"]);
        assert_eq!(technique("T1610").unwrap().tactics, &[EXECUTION, DEFENSE_EVASION]);
        assert_eq!(technique("T1595.002").unwrap().tactics, &[RECONNAISSANCE]);
        assert!(technique("T9999").is_none());
    }
}

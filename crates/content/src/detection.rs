//! The detection model: one shape for all three security_content formats.
//!
//! [`Detection`] is what a rule file means, whichever format it was written in
//! ([`Format`]): who carries the risk ([`RiskEntity`]), what the finding is ([`FindingSpec`]),
//! which values are threats ([`ThreatObject`]), and how contentctl would test it ([`RuleTest`]).
//! [`crate::load_detection`] builds it; spl-semantics.md §4.4 fixes the mapping, recorded on each
//! type below.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;
use tripline_spl::Span;

use crate::SearchSource;
use crate::lines::LineCol;
use crate::typed::SpanTable;

/// The security_content format a detection file is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Format {
    /// ESCU ≤ 4.x (contentctl ≤ 4.4, the 2024 corpus): a `tags:` block with `confidence`,
    /// `impact`, `message` and `observable`.
    Tags,
    /// ESCU 5.x (contentctl 5, 2025): a top-level `rba:` block with `message`, `risk_objects`
    /// and `threat_objects`; the classification keys still under `tags:`.
    Rba,
    /// ESCU 6.x (contentctl-ng, 2026): `finding`, `intermediate_findings.entities`, top-level
    /// `threat_objects`, `creation_date`, `category` and the other classification keys, no `tags:`.
    Findings,
}

impl Format {
    /// A short name: `tags`, `rba` or `findings`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Tags => "tags",
            Format::Rba => "rba",
            Format::Findings => "findings",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A detection's `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Tested and shipped enabled; contentctl runs its tests.
    Production,
    /// Shipped but not tested by contentctl.
    Experimental,
    /// Kept for reference; contentctl skips its tests.
    Deprecated,
}

impl Status {
    /// The value as written in YAML.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Production => "production",
            Status::Experimental => "experimental",
            Status::Deprecated => "deprecated",
        }
    }

    /// Parse the YAML value (exactly as contentctl spells it).
    #[must_use]
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "production" => Some(Status::Production),
            "experimental" => Some(Status::Experimental),
            "deprecated" => Some(Status::Deprecated),
            _ => None,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A detection's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum DetectionKind {
    /// Tactics, techniques and procedures: a finding on its own (a notable).
    #[serde(rename = "TTP")]
    Ttp,
    /// Suspicious but not alert-worthy alone: contributes risk only.
    Anomaly,
    /// A search for analysts to run; no alert.
    Hunting,
    /// Combines other detections' risk events.
    Correlation,
}

impl DetectionKind {
    /// The value as written in YAML: `TTP`, `Anomaly`, `Hunting` or `Correlation`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DetectionKind::Ttp => "TTP",
            DetectionKind::Anomaly => "Anomaly",
            DetectionKind::Hunting => "Hunting",
            DetectionKind::Correlation => "Correlation",
        }
    }

    /// Parse the YAML value (exactly as contentctl spells it).
    #[must_use]
    pub fn parse(s: &str) -> Option<DetectionKind> {
        match s {
            "TTP" => Some(DetectionKind::Ttp),
            "Anomaly" => Some(DetectionKind::Anomaly),
            "Hunting" => Some(DetectionKind::Hunting),
            "Correlation" => Some(DetectionKind::Correlation),
            _ => None,
        }
    }
}

impl fmt::Display for DetectionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of thing a risk entity is (Splunk's `risk_object_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A user or account.
    User,
    /// A host, node, address or other machine.
    System,
    /// Anything else (a bucket, a Kubernetes object).
    Other,
}

impl EntityKind {
    /// The value as written in YAML: `user`, `system` or `other`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::System => "system",
            EntityKind::Other => "other",
        }
    }

    /// Parse a v5/2026 entity `type` (exactly as contentctl spells it).
    #[must_use]
    pub fn parse(s: &str) -> Option<EntityKind> {
        match s {
            "user" => Some(EntityKind::User),
            "system" => Some(EntityKind::System),
            "other" => Some(EntityKind::Other),
            _ => None,
        }
    }

    /// The entity kind of a 2024 observable `type`, as contentctl 4.4 maps a `Victim`:
    /// `user`/`username`/`email address` are users, `device`/`endpoint`/`hostname`/`ip address`
    /// are systems, anything else is other (compared ignoring case).
    #[must_use]
    pub fn from_observable_type(observable_type: &str) -> EntityKind {
        match observable_type.to_ascii_lowercase().as_str() {
            "user" | "username" | "email address" => EntityKind::User,
            "device" | "endpoint" | "hostname" | "ip address" => EntityKind::System,
            _ => EntityKind::Other,
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which part of the rule file a risk entity came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EntityOrigin {
    /// A 2024 `tags.observable` with role `Victim`.
    Observable,
    /// A 2025 `rba.risk_objects` entry.
    RiskObject,
    /// A 2026 `intermediate_findings.entities` entry.
    IntermediateFinding,
    /// The 2026 `finding.entity`.
    Finding,
}

/// A field of the search's results that carries risk (Splunk's risk object).
///
/// Each result row gives one risk event per value of `field` (one per value of a multivalue
/// field), scored `score` and described by `message` with `$field$` tokens replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskEntity {
    /// The result field whose value is the entity.
    pub field: String,
    /// What the entity is.
    pub kind: EntityKind,
    /// Risk score, 0–100 when valid (validation reports larger values).
    ///
    /// 2024: `round(confidence × impact / 100)` (Python's rounding, half to even), the same for
    /// every entity. 2025 and 2026: written per entity.
    pub score: u8,
    /// The risk message template with `$field$` tokens.
    ///
    /// 2024: `tags.message`; 2025: `rba.message`; 2026: the entity's own `message`, or
    /// `finding.title` for the finding entity.
    pub message: String,
    /// Where in the file it came from.
    pub origin: EntityOrigin,
}

/// The 2026 `finding` block: what a TTP or Correlation detection raises as a finding (notable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingSpec {
    /// The finding's title template with `$field$` tokens (ES `rule_title`).
    pub title: String,
    /// The one entity the finding is about. It is also among [`Detection::risk_entities`].
    pub entity: RiskEntity,
}

/// A field of the search's results that names a threat (attacker address, process, image).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreatObject {
    /// The result field.
    pub field: String,
    /// The threat object type, e.g. `ip_address`, `process`, `signature`.
    ///
    /// 2024 observables with role `Attacker` map `process` → `process`, `file` → `file_name`,
    /// `ip address` → `ip_address`, `url`/`url string` → `url`, and anything else to its type
    /// lowercased with spaces as underscores (`Process Name` → `process_name`).
    pub kind: String,
}

impl ThreatObject {
    /// The threat object type of a 2024 observable `type`.
    #[must_use]
    pub fn kind_from_observable_type(observable_type: &str) -> String {
        let lower = observable_type.trim().to_ascii_lowercase();
        match lower.as_str() {
            "process" => "process".into(),
            "file" => "file_name".into(),
            "ip address" => "ip_address".into(),
            "url" | "url string" => "url".into(),
            _ => lower.replace(' ', "_"),
        }
    }
}

/// A drilldown search shown with a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Drilldown {
    /// The title, with `$field$` tokens.
    pub name: String,
    /// The search, with `$field$` tokens and possibly `%original_detection_search%`.
    pub search: String,
    /// `earliest_offset`, e.g. `$info_min_time$` or `7d`.
    pub earliest_offset: Option<String>,
    /// `latest_offset`, e.g. `$info_max_time$` or `0`.
    pub latest_offset: Option<String>,
}

/// How contentctl treats a test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestKind {
    /// Run: replay the data, run the search, expect results (`test_type: unit`, and every test of
    /// the older formats).
    Unit,
    /// `test_type: experimental`: described but not run. contentctl-ng makes a production
    /// detection whose tests are all experimental a manual one.
    Experimental,
    /// Skipped because a person must check it: every test of a detection with
    /// `tags.manual_test`, or `test_type: manual`.
    Manual,
}

/// One dataset a test replays (contentctl's `attack_data` entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttackData {
    /// A URL or a file path.
    pub data: String,
    /// The `source` to give the events.
    pub source: String,
    /// The `sourcetype` to give the events.
    pub sourcetype: String,
    /// The index (`index` in 2026, `custom_index` in 2025); contentctl's default is
    /// `contentctl_testing_index`.
    pub index: Option<String>,
    /// The host (contentctl's default is `CONTENTCTL_HOST`).
    pub host: Option<String>,
    /// 2024 `update_timestamp`: shift event times to now on replay.
    pub update_timestamp: bool,
}

/// One entry of a detection's `tests:`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleTest {
    /// The test's name, e.g. `True Positive Test`.
    pub name: String,
    /// Whether and how it runs.
    pub kind: TestKind,
    /// The data to replay.
    pub attack_data: Vec<AttackData>,
    /// `expected_results` (2026). contentctl-ng's runner does not enforce it (§5.2); Tripline
    /// does where it is written: a positive number is the exact number of results, and `Some(0)`
    /// makes a negative test (see [`RuleTest::is_negative`]). `None` means at least one result.
    pub expected_results: Option<u64>,
    /// `description` (required by contentctl-ng for experimental tests).
    pub description: Option<String>,
}

impl RuleTest {
    /// Whether the test expects no results at all (`expected_results: 0`). This is Tripline's
    /// reading of the field; contentctl never runs such a test.
    #[must_use]
    pub fn is_negative(&self) -> bool {
        self.expected_results == Some(0)
    }
}

/// The 2024 scoring inputs, kept to check `tags.risk_score` against them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LegacyScoring {
    /// `tags.confidence` (0–100).
    pub confidence: Option<u32>,
    /// `tags.impact` (0–100).
    pub impact: Option<u32>,
    /// `tags.risk_score` as written; contentctl recomputes it and ignores this value.
    pub declared_risk_score: Option<u32>,
}

impl LegacyScoring {
    /// contentctl 4.4's `round(confidence * impact / 100)`, with Python's rounding (half to even);
    /// a missing input counts as 0.
    #[must_use]
    pub fn computed_score(&self) -> u32 {
        let product = self.confidence.unwrap_or(0).saturating_mul(self.impact.unwrap_or(0));
        let (q, r) = (product / 100, product % 100);
        if r > 50 || (r == 50 && q % 2 == 1) { q + 1 } else { q }
    }
}

/// The severity of a detection's findings, from its risk score (spl-semantics §4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingSeverity {
    /// Score 0–20.
    Informational,
    /// Score 21–40.
    Low,
    /// Score 41–60.
    Medium,
    /// Score 61–80.
    High,
    /// Score 81–100 (and above).
    Critical,
}

impl FindingSeverity {
    /// The band a score falls in: 0–20 informational, 21–40 low, 41–60 medium, 61–80 high,
    /// 81 and up critical.
    #[must_use]
    pub fn from_score(score: u8) -> FindingSeverity {
        match score {
            0..=20 => FindingSeverity::Informational,
            21..=40 => FindingSeverity::Low,
            41..=60 => FindingSeverity::Medium,
            61..=80 => FindingSeverity::High,
            _ => FindingSeverity::Critical,
        }
    }

    /// The lowercase name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSeverity::Informational => "informational",
            FindingSeverity::Low => "low",
            FindingSeverity::Medium => "medium",
            FindingSeverity::High => "high",
            FindingSeverity::Critical => "critical",
        }
    }
}

impl fmt::Display for FindingSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One detection, whichever format it was read from.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Detection {
    /// `id` (a UUID when valid).
    pub id: String,
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: u32,
    /// `status`.
    pub status: Status,
    /// `type`.
    pub kind: DetectionKind,
    /// `author`.
    pub author: Option<String>,
    /// `date` (2024, 2025) or `creation_date` (2026), as written (`YYYY-MM-DD`).
    pub creation_date: Option<String>,
    /// `modification_date` (2026), as written.
    pub modification_date: Option<String>,
    /// `description` (empty when absent).
    pub description: String,
    /// `data_source` entries (a 2026 entry may read `A AND B`).
    pub data_source: Vec<String>,
    /// `how_to_implement` (empty when absent).
    pub how_to_implement: String,
    /// `known_false_positives` (empty when absent).
    pub known_false_positives: String,
    /// `references`.
    pub references: Vec<String>,
    /// The search, with the map from its text to the file.
    pub search: SearchSource,
    /// Every risk entity: 2024 `Victim` observables, 2025 `rba.risk_objects`, 2026
    /// `intermediate_findings.entities` followed by `finding.entity`.
    pub risk_entities: Vec<RiskEntity>,
    /// The 2026 `finding` block.
    pub finding: Option<FindingSpec>,
    /// Threat objects: 2024 `Attacker` observables, 2025 `rba.threat_objects`, 2026
    /// `threat_objects`.
    pub threat_objects: Vec<ThreatObject>,
    /// ATT&CK technique ids (`mitre_attack_id`, top level or under `tags`).
    pub mitre_attack_id: Vec<String>,
    /// Analytic story names.
    pub analytic_story: Vec<String>,
    /// `asset_type`, e.g. `Kubernetes`.
    pub asset_type: Option<String>,
    /// `security_domain`, e.g. `network`.
    pub security_domain: Option<String>,
    /// `category` (2026; older formats imply it by folder).
    pub category: Option<String>,
    /// `product`.
    pub product: Vec<String>,
    /// `cve`.
    pub cve: Vec<String>,
    /// `drilldown_searches`.
    pub drilldown_searches: Vec<Drilldown>,
    /// `tests`.
    pub tests: Vec<RuleTest>,
    /// `tags.manual_test`: why the tests need a person (all tests are then [`TestKind::Manual`]).
    pub manual_test: Option<String>,
    /// Whether the detection names `baselines` (contentctl reports its tests as errors).
    pub has_baselines: bool,
    /// 2024 scoring inputs (`None` in the other formats).
    pub legacy: Option<LegacyScoring>,
    /// The format the file is written in.
    pub format: Format,
    /// The file.
    pub path: PathBuf,
    pub(crate) spans: SpanTable,
    /// Top-level keys present in the file, for format checks.
    pub(crate) keys: Vec<String>,
    pub(crate) key_paths: crate::rule_file::KeyPaths,
}

impl Detection {
    /// The score findings are ranked by: the finding entity's score when there is a finding,
    /// else the highest risk entity score, else `None`.
    #[must_use]
    pub fn risk_score(&self) -> Option<u8> {
        if let Some(f) = &self.finding {
            return Some(f.entity.score);
        }
        self.risk_entities.iter().map(|e| e.score).max()
    }

    /// The severity of the detection's findings (spl-semantics §4.4): the band of
    /// [`Detection::risk_score`]; with no score at all (Hunting and Correlation detections
    /// without entities), `high`, as contentctl and contentctl-ng default it.
    #[must_use]
    pub fn severity(&self) -> FindingSeverity {
        self.risk_score()
            .map_or(FindingSeverity::High, FindingSeverity::from_score)
    }

    /// The risk entities contentctl's unit test requires in the first result row: all but the
    /// 2026 finding entity (contentctl-ng checks only `intermediate_findings.entities`, §5.2).
    pub fn test_risk_entities(&self) -> impl Iterator<Item = &RiskEntity> {
        self.risk_entities.iter().filter(|e| e.origin != EntityOrigin::Finding)
    }

    /// The name of the filter macro contentctl generates and expects at the end of the search:
    /// the name lowercased with spaces, `-`, `.` and `/` made `_`, then `_filter`.
    #[must_use]
    pub fn filter_macro_name(&self) -> String {
        filter_macro_name(&self.name)
    }

    /// Whether contentctl would run this detection's tests at all (spl-semantics §5.1, §5.2):
    /// production, not Correlation, not manual, no baselines, and at least one unit test
    /// (contentctl-ng makes a detection whose tests are all experimental a manual one).
    #[must_use]
    pub fn is_tested_by_contentctl(&self) -> bool {
        self.status == Status::Production
            && self.kind != DetectionKind::Correlation
            && self.manual_test.is_none()
            && !self.has_baselines
            && self.tests.iter().any(|t| t.kind == TestKind::Unit)
    }

    /// The byte span in [`Detection::path`] of the value at a key path such as `name`,
    /// `tags.observable[1].name` or `intermediate_findings.entities[0].score`, or of its nearest
    /// recorded parent. `search` spans the whole search scalar.
    #[must_use]
    pub fn span(&self, key: &str) -> Option<Span> {
        self.spans.get(key)
    }

    /// The whole file the detection was read from.
    #[must_use]
    pub fn file_text(&self) -> &str {
        self.search.file_text()
    }

    /// The 1-based line and column of a byte offset of the file.
    #[must_use]
    pub fn line_col(&self, offset: usize) -> LineCol {
        self.search.line_index().line_col(self.search.file_text(), offset)
    }

    /// Whether the file has this top-level key.
    #[must_use]
    pub fn has_top_level_key(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }
}

/// contentctl's filter macro name for a detection name.
pub(crate) fn filter_macro_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if matches!(c, ' ' | '-' | '.' | '/') { '_' } else { c })
        .collect::<String>()
        .to_lowercase();
    out.push_str("_filter");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_rounding() {
        let s = |c, i| {
            LegacyScoring {
                confidence: Some(c),
                impact: Some(i),
                declared_risk_score: None,
            }
            .computed_score()
        };
        assert_eq!(s(70, 70), 49);
        assert_eq!(s(50, 50), 25);
        assert_eq!(s(90, 90), 81);
        // 12.5 rounds to 12, 13.5 to 14, 12.6 to 13.
        assert_eq!(s(50, 25), 12);
        assert_eq!(s(50, 27), 14);
        assert_eq!(s(60, 21), 13);
        assert_eq!(s(100, 100), 100);
    }

    #[test]
    fn severity_bands() {
        use FindingSeverity::*;
        for (score, want) in [
            (0, Informational),
            (20, Informational),
            (21, Low),
            (40, Low),
            (41, Medium),
            (60, Medium),
            (61, High),
            (80, High),
            (81, Critical),
            (100, Critical),
            (255, Critical),
        ] {
            assert_eq!(FindingSeverity::from_score(score), want, "{score}");
        }
    }

    #[test]
    fn observable_mapping() {
        assert_eq!(EntityKind::from_observable_type("User"), EntityKind::User);
        assert_eq!(EntityKind::from_observable_type("Email Address"), EntityKind::User);
        assert_eq!(EntityKind::from_observable_type("Hostname"), EntityKind::System);
        assert_eq!(EntityKind::from_observable_type("IP Address"), EntityKind::System);
        assert_eq!(EntityKind::from_observable_type("Process"), EntityKind::Other);
        assert_eq!(ThreatObject::kind_from_observable_type("IP Address"), "ip_address");
        assert_eq!(ThreatObject::kind_from_observable_type("File"), "file_name");
        assert_eq!(ThreatObject::kind_from_observable_type("URL String"), "url");
        assert_eq!(ThreatObject::kind_from_observable_type("Process Name"), "process_name");
        assert_eq!(ThreatObject::kind_from_observable_type("User"), "user");
    }

    #[test]
    fn filter_names() {
        assert_eq!(
            filter_macro_name("Kubernetes Node Port Creation"),
            "kubernetes_node_port_creation_filter"
        );
        assert_eq!(
            filter_macro_name("AWS EKS Kubernetes cluster scan-detection"),
            "aws_eks_kubernetes_cluster_scan_detection_filter"
        );
    }
}

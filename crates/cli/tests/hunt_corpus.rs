//! Every runnable Kubernetes detection of the corpus's `splunk/security_content` checkout
//! (spl-semantics §1.7: 15 that need only audit JSON, 1 over Kubernetes object events, 7 over EKS
//! audit logs, 8 over AKS audit logs; plus GCP Kubernetes cluster scan detection, which runs on
//! the add-on's `data.*` names) loads and runs unchanged through `tripline hunt --rules
//! <checkout>`, and its findings carry the rows `tripline search` gives for it.
//!
//! Each detection runs on its own (`--rule <file name>`) over the data its `search` test uses,
//! with the same options, and the findings are checked against that test's expectation (from
//! `common/`): every row, in order, for the audit and object-event detections; the group-by
//! values and counts for the others. Each finding must name the detection's YAML `id`, and carry
//! the risk objects, threat objects and message its `tags` define (2024 format: `observable`
//! with role Victim → risk entity, role Attacker → threat object; score
//! `confidence × impact / 100`; `tags.message` with `$field$` tokens replaced). What those are
//! for each detection was read off its YAML by hand and is written in [`cases`].
//!
//! Then all of them run together, named with repeated `--rule`, in one pass over the union of
//! their data: each raises findings, and exactly the findings it raises alone over the same data.
//! Finally the whole checkout runs with `--status all`, which skips what the engine cannot run
//! (mstats, a missing lookup table) with a warning and runs the rest.

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Expected, OrderedRow, Row, audit, cloud, fixture, geoip, objects, security_content};
use serde_json::{Map, Value};

/// The time every run happens at.
const NOW: &str = "2026-11-22T00:00:00Z";

// ------------------------------------------------------------------------------------------------
// The detections and their data
// ------------------------------------------------------------------------------------------------

/// A risk entity or threat object a detection's YAML defines: the result field, and the kind
/// Tripline gives it (`user`/`system`/`other` for risk entities, the threat object type).
type Entity = (&'static str, &'static str);

/// `user` (type User, role Victim).
const USER: &[Entity] = &[("user", "user")];
/// `user.username` (type User, role Victim).
const USER_USERNAME: &[Entity] = &[("user.username", "user")];
/// `sourceIPs{}` (type IP Address, role Victim).
const SOURCE_IPS: &[Entity] = &[("sourceIPs{}", "system")];
/// `src_ip` (type IP Address, role Attacker).
const SRC_IP_THREAT: &[Entity] = &[("src_ip", "ip_address")];
const NONE: &[Entity] = &[];

/// One detection over one data set.
struct Case {
    /// `cloud` or `deprecated`.
    dir: &'static str,
    /// The file name without `.yml`.
    stem: &'static str,
    inputs: Vec<PathBuf>,
    /// Options the data is read with (as its `search` test reads it).
    args: Vec<String>,
    expected: Expected,
    /// The risk entities, in the YAML's order.
    risk: &'static [Entity],
    /// `round(confidence × impact / 100)`.
    score: u64,
    threat: &'static [Entity],
    /// `tags.message`.
    message: &'static str,
}

/// The options of a GeoIP detection: the audit source and the test database.
fn geoip_args(db: &Path) -> Vec<String> {
    vec![
        "--source".into(),
        "kubernetes".into(),
        "--geoip".into(),
        db.display().to_string(),
    ]
}

/// Every runnable detection with the data that holds its behaviour; fixtures that are written at
/// run time go to `dir`.
fn cases(dir: &Path) -> Vec<Case> {
    let audit_case = |stem, file, rows: fn() -> Vec<Row>, message| Case {
        dir: "cloud",
        stem,
        inputs: vec![fixture("detections", file)],
        args: vec!["--source".into(), "kubernetes".into()],
        expected: Expected::Rows(rows()),
        risk: USER,
        score: 49,
        threat: SRC_IP_THREAT,
        message,
    };
    let db = geoip::database(dir);
    let scanning = geoip::write_events(dir, "scanning.json", &geoip::scanning_events());
    let location = geoip::write_events(dir, "location.json", &geoip::location_events());
    let eks = cloud::eks_fixture(dir);
    let aks = cloud::aks_fixture(dir);
    let gke = cloud::gke_fixture(dir);
    let cloud_case =
        |folder, stem, inputs: Vec<PathBuf>, check: fn(&[Map<String, Value>]), risk: &'static [Entity]| Case {
            dir: folder,
            stem,
            inputs,
            args: Vec::new(),
            expected: Expected::Check(check),
            risk,
            score: 25,
            threat: NONE,
            message: "tbd",
        };

    vec![
        // Audit only (detections.rs).
        audit_case(
            "kubernetes_abuse_of_secret_by_unusual_user_agent",
            "secrets.jsonl",
            audit::abuse_of_secret_by_unusual_user_agent_rows,
            "Access of Kubernetes secret $objectRef.name$ from unusual user agent $userAgent$ by $user$",
        ),
        audit_case(
            "kubernetes_abuse_of_secret_by_unusual_user_group",
            "secrets.jsonl",
            audit::abuse_of_secret_by_unusual_user_group_rows,
            "Access of Kubernetes secret $objectRef.name$ from unusual user group $user.groups{}$ by user name $user$",
        ),
        audit_case(
            "kubernetes_abuse_of_secret_by_unusual_user_name",
            "secrets.jsonl",
            audit::abuse_of_secret_by_unusual_user_name_rows,
            "Access of Kubernetes secret $objectRef.name$ from unusual user name $user$",
        ),
        audit_case(
            "kubernetes_create_or_update_privileged_pod",
            "pods.jsonl",
            audit::create_or_update_privileged_pod_rows,
            "Kubernetes privileged pod created by user $user$.",
        ),
        audit_case(
            "kubernetes_pod_with_host_network_attachment",
            "pods.jsonl",
            audit::pod_with_host_network_attachment_rows,
            "Kubernetes pod with host network attachment from user $user$.",
        ),
        audit_case(
            "kubernetes_pod_created_in_default_namespace",
            "pods.jsonl",
            audit::pod_created_in_default_namespace_rows,
            "Kubernetes Pod Created in Default Namespace by $user$",
        ),
        audit_case(
            "kubernetes_cron_job_creation",
            "cronjobs.jsonl",
            audit::cron_job_creation_rows,
            "Kubernetes cron job creation from user $user$",
        ),
        audit_case(
            "kubernetes_daemonset_deployed",
            "daemonsets.jsonl",
            audit::daemonset_deployed_rows,
            "DaemonSet deployed to Kubernetes by user $user$",
        ),
        audit_case(
            "kubernetes_node_port_creation",
            "services.jsonl",
            audit::node_port_creation_rows,
            "Kubernetes node port creation from user $user$",
        ),
        audit_case(
            "kubernetes_suspicious_image_pulling",
            "image_pulls.jsonl",
            audit::suspicious_image_pulling_rows,
            "Suspicious image $objectRef.name$ pulled in Kubernetes from ip $src_ip$ by user $user$",
        ),
        audit_case(
            "kubernetes_unauthorized_access",
            "forbidden.jsonl",
            audit::unauthorized_access_rows,
            "Unauthorized access to Kubernetes from user $user$",
        ),
        // Experimental: confidence 50, impact 50, no Attacker observable.
        Case {
            score: 25,
            threat: NONE,
            ..audit_case(
                "kubernetes_aws_detect_suspicious_kubectl_calls",
                "anonymous_with_uid.jsonl",
                audit::aws_detect_suspicious_kubectl_calls_rows,
                "tbd",
            )
        },
        // Audit with GeoIP (geoip_detections.rs).
        Case {
            dir: "cloud",
            stem: "kubernetes_abuse_of_secret_by_unusual_location",
            inputs: vec![location],
            args: geoip_args(&db),
            expected: Expected::Check(geoip::expect_location),
            risk: USER,
            score: 49,
            threat: SRC_IP_THREAT,
            message: "Access of Kubernetes secret $objectRef.name$ from unusual location $Country$ by $user$",
        },
        Case {
            dir: "cloud",
            stem: "kubernetes_access_scanning",
            inputs: vec![scanning.clone()],
            args: geoip_args(&db),
            expected: Expected::Check(geoip::expect_scanning),
            risk: USER,
            score: 49,
            threat: SRC_IP_THREAT,
            message: "Kubernetes scanning from ip $src_ip$",
        },
        Case {
            dir: "cloud",
            stem: "kubernetes_scanning_by_unauthenticated_ip_address",
            inputs: vec![scanning],
            args: geoip_args(&db),
            expected: Expected::Check(geoip::expect_scanning),
            risk: USER,
            score: 49,
            threat: SRC_IP_THREAT,
            message: "Kubernetes scanning from ip $src_ip$",
        },
        // Kubernetes object events (objects_detections.rs): TTP, confidence 90, impact 90.
        Case {
            dir: "cloud",
            stem: "kubernetes_scanner_image_pulling",
            inputs: vec![objects::scanner_pulls()],
            args: objects::ARGS.iter().map(|a| (*a).to_string()).collect(),
            expected: Expected::Rows(objects::scanner_pulls_rows()),
            risk: &[("host", "system")],
            score: 81,
            threat: NONE,
            message: "Kubernetes Scanner image pulled on host $host$",
        },
        // EKS (ingest_detections.rs). The two `amazon_eks_*` name `user` as their risk entity,
        // a field their results do not have (they keep `user.username`): no risk object.
        cloud_case(
            "cloud",
            "amazon_eks_kubernetes_cluster_scan_detection",
            cloud::eks_corpus(),
            cloud::amazon_eks_kubernetes_cluster_scan_detection_corpus,
            USER,
        ),
        cloud_case(
            "cloud",
            "amazon_eks_kubernetes_cluster_scan_detection",
            vec![eks.clone()],
            cloud::amazon_eks_kubernetes_cluster_scan_detection_fixture,
            USER,
        ),
        cloud_case(
            "cloud",
            "amazon_eks_kubernetes_pod_scan_detection",
            vec![eks.clone()],
            cloud::amazon_eks_kubernetes_pod_scan_detection,
            USER,
        ),
        cloud_case(
            "deprecated",
            "aws_eks_kubernetes_cluster_sensitive_object_access",
            vec![eks.clone()],
            cloud::aws_eks_kubernetes_cluster_sensitive_object_access,
            USER_USERNAME,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_aws_detect_most_active_service_accounts_by_pod",
            vec![eks.clone()],
            cloud::kubernetes_aws_detect_most_active_service_accounts_by_pod,
            SOURCE_IPS,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_aws_detect_rbac_authorization_by_account",
            cloud::eks_corpus(),
            cloud::kubernetes_aws_detect_rbac_authorization_by_account,
            USER_USERNAME,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_aws_detect_sensitive_role_access",
            vec![eks.clone()],
            cloud::kubernetes_aws_detect_sensitive_role_access,
            USER_USERNAME,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_aws_detect_service_accounts_forbidden_failure_access",
            vec![eks],
            cloud::kubernetes_aws_detect_service_accounts_forbidden_failure_access,
            SOURCE_IPS,
        ),
        // AKS (ingest_detections.rs).
        cloud_case(
            "deprecated",
            "kubernetes_azure_active_service_accounts_by_pod_namespace",
            vec![aks.clone()],
            cloud::kubernetes_azure_active_service_accounts_by_pod_namespace,
            USER_USERNAME,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_azure_detect_rbac_authorization_by_account",
            cloud::aks_corpus(),
            cloud::kubernetes_azure_detect_rbac_authorization_by_account,
            USER_USERNAME,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_azure_detect_sensitive_object_access",
            vec![aks.clone()],
            cloud::kubernetes_azure_detect_sensitive_object_access,
            USER_USERNAME,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_azure_detect_sensitive_role_access",
            vec![aks.clone()],
            cloud::kubernetes_azure_detect_sensitive_role_access,
            USER_USERNAME,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_azure_detect_service_accounts_forbidden_failure_access",
            vec![aks],
            cloud::kubernetes_azure_detect_service_accounts_forbidden_failure_access,
            USER_USERNAME,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_azure_detect_suspicious_kubectl_calls",
            cloud::aks_corpus(),
            cloud::kubernetes_azure_detect_suspicious_kubectl_calls,
            SOURCE_IPS,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_azure_pod_scan_fingerprint",
            cloud::aks_corpus(),
            cloud::kubernetes_azure_pod_scan_fingerprint,
            SOURCE_IPS,
        ),
        cloud_case(
            "deprecated",
            "kubernetes_azure_scan_fingerprint",
            cloud::aks_corpus(),
            cloud::kubernetes_azure_scan_fingerprint,
            SOURCE_IPS,
        ),
        // GKE: not in §1.7's list (it counts the 8 GCP detections as needing the add-on's
        // aliases), but this one reads only `data.*` fields and runs.
        cloud_case(
            "deprecated",
            "gcp_kubernetes_cluster_scan_detection",
            vec![gke],
            cloud::gcp_kubernetes_cluster_scan_detection,
            &[("src_ip", "system")],
        ),
    ]
}

/// spl-semantics §1.7's runnable detections, by file name.
const RUNNABLE: &[&str] = &[
    // 15 that need only audit JSON (3 of them GeoIP).
    "kubernetes_abuse_of_secret_by_unusual_location",
    "kubernetes_abuse_of_secret_by_unusual_user_agent",
    "kubernetes_abuse_of_secret_by_unusual_user_group",
    "kubernetes_abuse_of_secret_by_unusual_user_name",
    "kubernetes_access_scanning",
    "kubernetes_aws_detect_suspicious_kubectl_calls",
    "kubernetes_create_or_update_privileged_pod",
    "kubernetes_cron_job_creation",
    "kubernetes_daemonset_deployed",
    "kubernetes_node_port_creation",
    "kubernetes_pod_created_in_default_namespace",
    "kubernetes_pod_with_host_network_attachment",
    "kubernetes_scanning_by_unauthenticated_ip_address",
    "kubernetes_suspicious_image_pulling",
    "kubernetes_unauthorized_access",
    // 1 over object events.
    "kubernetes_scanner_image_pulling",
    // 7 over EKS audit logs.
    "amazon_eks_kubernetes_cluster_scan_detection",
    "amazon_eks_kubernetes_pod_scan_detection",
    "aws_eks_kubernetes_cluster_sensitive_object_access",
    "kubernetes_aws_detect_most_active_service_accounts_by_pod",
    "kubernetes_aws_detect_rbac_authorization_by_account",
    "kubernetes_aws_detect_sensitive_role_access",
    "kubernetes_aws_detect_service_accounts_forbidden_failure_access",
    // 8 over AKS audit logs.
    "kubernetes_azure_active_service_accounts_by_pod_namespace",
    "kubernetes_azure_detect_rbac_authorization_by_account",
    "kubernetes_azure_detect_sensitive_object_access",
    "kubernetes_azure_detect_sensitive_role_access",
    "kubernetes_azure_detect_service_accounts_forbidden_failure_access",
    "kubernetes_azure_detect_suspicious_kubectl_calls",
    "kubernetes_azure_pod_scan_fingerprint",
    "kubernetes_azure_scan_fingerprint",
];

// ------------------------------------------------------------------------------------------------
// Running hunt
// ------------------------------------------------------------------------------------------------

/// A finding as `--format jsonl` writes it, with the parts this test looks at.
#[derive(serde::Deserialize)]
struct Finding {
    rule: RuleRef,
    risk_score: Option<u64>,
    message: String,
    risk_objects: Vec<Value>,
    threat_objects: Vec<Value>,
    fields: OrderedRow,
}

#[derive(serde::Deserialize)]
struct RuleRef {
    id: String,
    name: String,
}

/// `tripline hunt --rules <checkout> --format jsonl --now NOW <args>`; panics unless it succeeds.
fn hunt(args: &[String]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .arg("hunt")
        .arg("--rules")
        .arg(security_content())
        .args(["--format", "jsonl", "--now", NOW, "--color", "never"])
        .args(args)
        .output()
        .expect("run tripline");
    assert!(
        out.status.success(),
        "tripline hunt {args:?} exited with {}:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The finding lines of a run.
fn lines(out: &Output) -> Vec<String> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn parse(line: &str) -> Finding {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

/// A top-level `key: value` of a detection's YAML, as written (the id, the name).
fn yaml_scalar(dir: &str, stem: &str, key: &str) -> String {
    let path = common::detection_path(dir, stem);
    let text = std::fs::read_to_string(&path).unwrap();
    let prefix = format!("{key}: ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("{}: no {key}", path.display()))
        .trim()
        .trim_matches('\'')
        .to_owned()
}

/// The values a field of a result row gives a risk or threat object: each distinct value, empty
/// values and `null` left out.
fn object_values(fields: &Row, field: &str) -> Vec<String> {
    let values: Vec<String> = match fields.iter().find(|(k, _)| k == field).map(|(_, v)| v) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect(),
        Some(v) => vec![v.to_string()],
    };
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !v.is_empty() && v != "null" && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// `template` with each `$field$` replaced by the row's value (a multivalue joined with `, `, a
/// missing field `unknown`), as docs/findings.md says.
fn fill(template: &str, fields: &Row) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('$') {
            Some(end) if end > 0 && !after[..end].contains(char::is_whitespace) => {
                let name = &after[..end];
                let value = match fields.iter().find(|(k, _)| k == name).map(|(_, v)| v) {
                    None | Some(Value::Null) => "unknown".to_owned(),
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Array(a)) => a
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(", "),
                    Some(v) => v.to_string(),
                };
                out.push_str(&value);
                rest = &after[end + 1..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Check one finding against what the case's YAML defines.
fn check_finding(case: &Case, id: &str, name: &str, f: &Finding) {
    let what = format!("{} finding {:?}", case.stem, f.fields.0);
    assert_eq!(f.rule.id, id, "{what}");
    assert_eq!(f.rule.name, name, "{what}");
    let row = &f.fields.0;
    let message = fill(case.message, row);
    assert_eq!(f.message, message, "{what}");
    assert_eq!(f.risk_score, Some(case.score), "{what}");

    let mut risk = Vec::new();
    for (field, kind) in case.risk {
        for object in object_values(row, field) {
            risk.push(serde_json::json!({
                "object": object, "kind": kind, "field": field, "score": case.score, "message": message,
            }));
        }
    }
    assert_eq!(f.risk_objects, risk, "{what}: risk objects");
    let mut threat = Vec::new();
    for (field, kind) in case.threat {
        for object in object_values(row, field) {
            threat.push(serde_json::json!({"object": object, "kind": kind, "field": field}));
        }
    }
    assert_eq!(f.threat_objects, threat, "{what}: threat objects");
}

/// Run every case of `stem` through hunt on its own and check its findings.
fn hunt_detection(stem: &str) {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<Case> = cases(dir.path()).into_iter().filter(|c| c.stem == stem).collect();
    assert!(!cases.is_empty(), "no case for {stem}");
    for case in &cases {
        let id = yaml_scalar(case.dir, case.stem, "id");
        let name = yaml_scalar(case.dir, case.stem, "name");
        let mut args = vec!["--rule".to_owned(), case.stem.to_owned()];
        args.extend(case.args.iter().cloned());
        args.extend(case.inputs.iter().map(|p| p.display().to_string()));
        let out = hunt(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let findings: Vec<Finding> = lines(&out).iter().map(|l| parse(l)).collect();
        assert!(!findings.is_empty(), "{stem}: no finding\n{stderr}");
        // The findings' fields are the rows the `search` test expects, in order.
        let rows: Vec<Row> = findings.iter().map(|f| f.fields.0.clone()).collect();
        case.expected.assert(&format!("hunt {stem}"), &rows);
        for f in &findings {
            check_finding(case, &id, &name, f);
        }
        // The summary: this rule's count, and nothing skipped.
        assert!(
            stderr.contains(&format!("{:>5}  {name}\n", findings.len())) && stderr.contains("\n1 rule run"),
            "{stem}: summary\n{stderr}"
        );
        assert!(!stderr.contains("skipped"), "{stem}\n{stderr}");
    }
}

// ------------------------------------------------------------------------------------------------
// One detection at a time
// ------------------------------------------------------------------------------------------------

macro_rules! hunt_tests {
    ($($stem:ident),* $(,)?) => {
        $(
            #[test]
            fn $stem() {
                hunt_detection(stringify!($stem));
            }
        )*
        /// The file names the tests above run.
        const TESTED: &[&str] = &[$(stringify!($stem)),*];
    };
}

hunt_tests!(
    kubernetes_abuse_of_secret_by_unusual_location,
    kubernetes_abuse_of_secret_by_unusual_user_agent,
    kubernetes_abuse_of_secret_by_unusual_user_group,
    kubernetes_abuse_of_secret_by_unusual_user_name,
    kubernetes_access_scanning,
    kubernetes_aws_detect_suspicious_kubectl_calls,
    kubernetes_create_or_update_privileged_pod,
    kubernetes_cron_job_creation,
    kubernetes_daemonset_deployed,
    kubernetes_node_port_creation,
    kubernetes_pod_created_in_default_namespace,
    kubernetes_pod_with_host_network_attachment,
    kubernetes_scanning_by_unauthenticated_ip_address,
    kubernetes_suspicious_image_pulling,
    kubernetes_unauthorized_access,
    kubernetes_scanner_image_pulling,
    amazon_eks_kubernetes_cluster_scan_detection,
    amazon_eks_kubernetes_pod_scan_detection,
    aws_eks_kubernetes_cluster_sensitive_object_access,
    kubernetes_aws_detect_most_active_service_accounts_by_pod,
    kubernetes_aws_detect_rbac_authorization_by_account,
    kubernetes_aws_detect_sensitive_role_access,
    kubernetes_aws_detect_service_accounts_forbidden_failure_access,
    kubernetes_azure_active_service_accounts_by_pod_namespace,
    kubernetes_azure_detect_rbac_authorization_by_account,
    kubernetes_azure_detect_sensitive_object_access,
    kubernetes_azure_detect_sensitive_role_access,
    kubernetes_azure_detect_service_accounts_forbidden_failure_access,
    kubernetes_azure_detect_suspicious_kubectl_calls,
    kubernetes_azure_pod_scan_fingerprint,
    kubernetes_azure_scan_fingerprint,
    gcp_kubernetes_cluster_scan_detection,
);

#[test]
fn every_runnable_detection_has_a_test() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases(dir.path());
    for stem in RUNNABLE {
        assert!(TESTED.contains(stem), "{stem} has no test");
        assert!(cases.iter().any(|c| c.stem == *stem), "{stem} has no case");
    }
    for case in &cases {
        assert!(TESTED.contains(&case.stem), "{} has no test", case.stem);
        let path = common::detection_path(case.dir, case.stem);
        assert!(path.is_file(), "{}", path.display());
    }
    assert_eq!(RUNNABLE.len(), 31);
}

// ------------------------------------------------------------------------------------------------
// All of them in one pass
// ------------------------------------------------------------------------------------------------

/// The union of every case's inputs, each once, in order.
fn union_inputs(cases: &[Case]) -> Vec<String> {
    let mut inputs: Vec<String> = Vec::new();
    for case in cases {
        for p in &case.inputs {
            let p = p.display().to_string();
            if !inputs.contains(&p) {
                inputs.push(p);
            }
        }
    }
    inputs
}

#[test]
fn all_runnable_detections_in_one_pass() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases(dir.path());
    let db = geoip::database(dir.path()).display().to_string();
    let inputs = union_inputs(&cases);
    let mut stems: Vec<&str> = Vec::new();
    for case in &cases {
        if !stems.contains(&case.stem) {
            stems.push(case.stem);
        }
    }
    // Source and sourcetype come from Tripline's per-event format detection: the data sets need
    // different ones, so none is forced.
    let common_args = |rules: &[&str]| {
        let mut args: Vec<String> = rules
            .iter()
            .flat_map(|s| ["--rule".to_owned(), (*s).to_owned()])
            .collect();
        args.extend(["--geoip".to_owned(), db.clone()]);
        args.extend(inputs.iter().cloned());
        args
    };
    let out = hunt(&common_args(&stems));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();

    // The findings of each rule, in output order.
    let mut by_rule: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in lines(&out) {
        by_rule.entry(parse(&line).rule.id).or_default().push(line);
    }
    assert_eq!(by_rule.values().map(Vec::len).sum::<usize>(), lines(&out).len());
    for stem in &stems {
        let case = cases.iter().find(|c| c.stem == *stem).unwrap();
        let id = yaml_scalar(case.dir, stem, "id");
        let name = yaml_scalar(case.dir, stem, "name");
        let together = by_rule.get(&id).cloned().unwrap_or_default();
        assert!(
            !together.is_empty(),
            "{stem} raised nothing in the combined run\n{stderr}"
        );
        // The summary counts it.
        assert!(
            stderr.contains(&format!("{:>5}  {name}\n", together.len())),
            "{stem}: {} findings not in the summary\n{stderr}",
            together.len()
        );
        // Alone, over the same data, it raises exactly the same findings: the other rules in the
        // pass (and the fields they make the parser extract) change nothing.
        let alone = lines(&hunt(&common_args(&[*stem])));
        assert_eq!(together, alone, "{stem}: findings differ when run alone");
        for line in &together {
            check_finding(case, &id, &name, &parse(line));
        }
    }
    assert!(stderr.contains(&format!("\n{} rules run\n", stems.len())), "{stderr}");
    assert!(!stderr.contains("could not run"), "{stderr}");
}

// ------------------------------------------------------------------------------------------------
// The whole checkout
// ------------------------------------------------------------------------------------------------

/// What `--status all` over the checkout skips, and why: the 14 metrics detections (`mstats`) and
/// the nginx LFI detection, whose lookup table (`local_file_inclusion_paths`) is not in the
/// checkout's `lookups/`.
const SKIPPED: &[(&str, &str)] = &[
    ("Kubernetes Anomalous Inbound Network Activity from Process", MSTATS),
    ("Kubernetes Anomalous Inbound Outbound Network IO", MSTATS),
    ("Kubernetes Anomalous Inbound to Outbound Network IO Ratio", MSTATS),
    ("Kubernetes Anomalous Outbound Network Activity from Process", MSTATS),
    ("Kubernetes Anomalous Traffic on Network Edge", MSTATS),
    ("Kubernetes newly seen TCP edge", MSTATS),
    ("Kubernetes newly seen UDP edge", MSTATS),
    (
        "Kubernetes Nginx Ingress LFI",
        "there is no lookup table named `local_file_inclusion_paths`",
    ),
    ("Kubernetes Previously Unseen Container Image Name", MSTATS),
    ("Kubernetes Previously Unseen Process", MSTATS),
    ("Kubernetes Process Running From New Path", MSTATS),
    ("Kubernetes Process with Anomalous Resource Utilisation", MSTATS),
    ("Kubernetes Process with Resource Ratio Anomalies", MSTATS),
    ("Kubernetes Shell Running on Worker Node", MSTATS),
    ("Kubernetes Shell Running on Worker Node with CPU Activity", MSTATS),
];
const MSTATS: &str = "the `mstats` command is not supported";

#[test]
fn the_whole_checkout_runs_what_it_can_and_skips_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases(dir.path());
    let db = geoip::database(dir.path()).display().to_string();
    let mut args = vec!["--status".to_owned(), "all".to_owned(), "--geoip".to_owned(), db];
    args.extend(union_inputs(&cases));
    let out = hunt(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();

    // Each skipped detection is named once, with its reason, as a warning.
    let skipped: Vec<&str> = stderr.lines().filter(|l| l.contains("skipped `")).collect();
    assert_eq!(skipped.len(), SKIPPED.len(), "{stderr}");
    for (name, reason) in SKIPPED {
        assert!(
            skipped
                .iter()
                .any(|l| l.starts_with("warning:") && l.contains(&format!("skipped `{name}`: {reason}"))),
            "{name} is not reported as skipped because {reason}\n{stderr}"
        );
    }
    // The 63 detections of the checkout: 48 run, the 15 above do not.
    assert!(stderr.contains("\n48 rules run, 15 could not run\n"), "{stderr}");
    // Every runnable detection runs and raises findings.
    let rules: Vec<String> = lines(&out).iter().map(|l| parse(l).rule.id).collect();
    for case in &cases {
        let id = yaml_scalar(case.dir, case.stem, "id");
        assert!(rules.contains(&id), "{} raised nothing", case.stem);
    }
}

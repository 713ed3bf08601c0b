//! `tripline test`: the built-in pack passes its own tests; altering a test's data makes a clear
//! FAIL; contentctl's judging rules (risk entity fields in the first row, threat objects somewhere)
//! hold; dataset URLs map onto `--data-dir`; non-production detections are skipped; JUnit output.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{fixture, security_content};

fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content")
}

fn tripline_test(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tripline"))
        .arg("test")
        .args(["--color", "never"])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A copy of one built-in rule and its datasets in `dir`, laid out as in `content/`.
fn copy_rule(dir: &Path, stem: &str) -> PathBuf {
    let detections = dir.join("detections");
    std::fs::create_dir_all(&detections).unwrap();
    let rule = detections.join(format!("{stem}.yml"));
    std::fs::copy(content_dir().join("detections").join(format!("{stem}.yml")), &rule).unwrap();
    let data = dir.join("datasets").join(stem);
    std::fs::create_dir_all(&data).unwrap();
    for which in ["attack.jsonl", "benign.jsonl"] {
        std::fs::copy(content_dir().join("datasets").join(stem).join(which), data.join(which)).unwrap();
    }
    let simulated = dir.join("datasets/simulated");
    std::fs::create_dir_all(&simulated).unwrap();
    for entry in std::fs::read_dir(content_dir().join("datasets/simulated")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), simulated.join(entry.file_name())).unwrap();
    }
    rule
}

#[test]
fn the_built_in_pack_passes_its_tests() {
    let out = tripline_test(&[content_dir().to_str().unwrap()]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let rules = std::fs::read_dir(content_dir().join("detections")).unwrap().count();
    assert!(
        text.contains(&format!("{} passed, 0 failed, 0 skipped, 0 errors", 4 * rules)),
        "{text}"
    );
    assert!(text.contains("PASS  Kubernetes Unauthenticated API Sweep › True Positive Test  (2 results)"));
    assert!(text.contains("PASS  Kubernetes Unauthenticated API Sweep › Benign Traffic Test  (0 results)"));
}

#[test]
fn altered_data_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let stem = "kubernetes_unauthenticated_api_sweep";
    copy_rule(dir.path(), stem);
    let data = dir.path().join("datasets").join(stem);
    // The attack's refusals become successes: nothing to find.
    let attack = std::fs::read_to_string(data.join("attack.jsonl")).unwrap();
    std::fs::write(
        data.join("attack.jsonl"),
        attack.replace("\"code\":403", "\"code\":200"),
    )
    .unwrap();
    // The benign traffic gains the original attack.
    let benign = std::fs::read_to_string(data.join("benign.jsonl")).unwrap();
    std::fs::write(data.join("benign.jsonl"), benign + &attack).unwrap();

    let out = tripline_test(&[dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "FAIL  Kubernetes Unauthenticated API Sweep › True Positive Test\n      the search returned no results"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "FAIL  Kubernetes Unauthenticated API Sweep › Benign Traffic Test\n      expected no results, got 2"
        ),
        "{text}"
    );
    // The failure shows the rows that should not be there.
    assert!(text.contains("      row: {\"src_ip\":\"1.1.1.1\""), "{text}");
    // The simulated tests still pass.
    assert!(text.contains("2 passed, 2 failed, 0 skipped, 0 errors"), "{text}");
}

/// A 2026 Anomaly detection over `data.jsonl` beside it, with this search, entity and threat.
fn judged(dir: &Path, search: &str, entity: &str, threat: &str) -> String {
    let yaml = format!(
        "name: Judge Me\nid: 3b0f6c9e-2a41-4d7e-9c55-8e1f0a2b3c4d\nversion: 1\nstatus: production\ntype: Anomaly\n\
         description: test\ndata_source: [Kubernetes Audit]\nsearch: '{search}'\n\
         intermediate_findings:\n  entities:\n  - field: {entity}\n    type: system\n    score: 20\n    message: seen\n\
         threat_objects:\n- field: {threat}\n  type: ip_address\n\
         tests:\n- name: True Positive Test\n  attack_data:\n  - data: data.jsonl\n    source: kubernetes\n    \
         sourcetype: _json\n"
    );
    std::fs::write(dir.join("judge.yml"), yaml).unwrap();
    std::fs::write(
        dir.join("data.jsonl"),
        "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"a1\",\"verb\":\"list\",\
         \"user\":{\"username\":\"alice\"},\"sourceIPs\":[\"10.0.0.1\"],\"requestURI\":\"/api/v1/pods\",\
         \"requestReceivedTimestamp\":\"2026-11-20T10:00:00Z\"}\n\
         {\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"a2\",\"verb\":\"list\",\
         \"user\":{\"username\":\"bob\"},\"requestURI\":\"/api/v1/pods\",\
         \"requestReceivedTimestamp\":\"2026-11-20T10:00:01Z\"}\n",
    )
    .unwrap();
    let out = tripline_test(&[dir.join("judge.yml").to_str().unwrap()]);
    stdout(&out)
}

#[test]
fn contentctl_judging_rules() {
    let dir = tempfile::tempdir().unwrap();
    let base = "`kube_audit` | rename user.username AS user, sourceIPs{} AS src_ip | table user src_ip";
    // Every row has the entity, one has the threat object: pass.
    let text = judged(dir.path(), base, "user", "src_ip");
    assert!(
        text.contains("PASS  Judge Me › True Positive Test  (2 results)"),
        "{text}"
    );
    // The threat object is null in every row: fail.
    let text = judged(dir.path(), base, "user", "dest_ip");
    assert!(
        text.contains("threat object field `dest_ip` null in every result row"),
        "{text}"
    );
    // The first row lacks the risk entity field: fail at once.
    let text = judged(dir.path(), &format!("{base} | sort - user"), "src_ip", "src_ip");
    assert!(
        text.contains("risk entity field `src_ip` is missing or null in result row 1"),
        "{text}"
    );
}

#[test]
fn urls_are_read_from_the_data_dir_and_non_production_is_skipped() {
    let checkout = security_content();
    let checkout = checkout.to_str().unwrap();
    let rule = "kubernetes_unauthorized_access";

    let out = tripline_test(&[checkout, "--rule", rule]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("ERROR Kubernetes Unauthorized Access › True Positive Test"),
        "{text}"
    );
    assert!(text.contains("pass --data-dir"), "{text}");

    let data = tempfile::tempdir().unwrap();
    let path = data
        .path()
        .join("datasets/attack_techniques/T1204/kubernetes_unauthorized_access/kubernetes_unauthorized_access.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::copy(fixture("detections", "forbidden.jsonl"), &path).unwrap();
    let out = tripline_test(&[checkout, "--rule", rule, "--data-dir", data.path().to_str().unwrap()]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("PASS  Kubernetes Unauthorized Access › True Positive Test"),
        "{text}"
    );

    // The corpus's Hunting detections have no tests at all.
    let out = tripline_test(&[checkout, "--rule", "amazon_eks_kubernetes_pod_scan_detection"]);
    assert!(stdout(&out).contains("0 passed, 0 failed, 0 skipped, 0 errors; 1 detection has no tests"));

    // A non-production detection is skipped unless asked for.
    let dir = tempfile::tempdir().unwrap();
    let rule = copy_rule(dir.path(), "kubernetes_forbidden_create_attempt");
    let yaml = std::fs::read_to_string(&rule).unwrap();
    std::fs::write(&rule, yaml.replace("status: production", "status: experimental")).unwrap();
    let out = tripline_test(&[dir.path().to_str().unwrap()]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(
            "SKIP  Kubernetes Forbidden Create Attempt › True Positive Test\n      TEST SKIPPED: Detection is \
             non-production (experimental)"
        ),
        "{text}"
    );
    let out = tripline_test(&[dir.path().to_str().unwrap(), "--include-non-production"]);
    assert!(
        stdout(&out).contains("4 passed, 0 failed, 0 skipped, 0 errors"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn junit_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.xml");
    let out = tripline_test(&[
        content_dir().to_str().unwrap(),
        "--format",
        "junit",
        "--output",
        report.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let xml = std::fs::read_to_string(report).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tripline test\""));
    assert!(xml.contains("failures=\"0\" errors=\"0\" skipped=\"0\""), "{xml}");
    assert!(xml.contains("<testsuite name=\"Kubernetes Unauthenticated API Sweep\" tests=\"4\""));
    assert_eq!(
        xml.matches("<testcase ").count(),
        xml.matches("<testsuite ").count() * 4
    );
}

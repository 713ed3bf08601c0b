//! `tripline hunt` as a user drives it: choosing rules, formats and outputs, exit statuses, and
//! what happens with bad rule files, missing inputs and rules that cannot run.
//!
//! The rule used throughout is the built-in Kubernetes Security Scanner Image Pull (a TTP over
//! object events), over the hand-made watch events of `tests/fixtures/objects/`: kube-hunter
//! pulled twice on node-1, kube-bench once on node-2, and kube-recon once by a kubelet that did
//! not name its node (the event's `host`, `tripline` by default, stands in), so three findings.

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PULL_RULE: &str = "kubernetes_security_scanner_image_pull";
const PULL_RULE_ID: &str = "0b9e2f7c-5d41-4a63-8e0f-2c6a9b3d7e52";

fn pulls() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/objects/scanner_pulls.jsonl")
}

fn hunt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tripline"))
        .arg("hunt")
        .args(["--now", "2026-11-22T00:00:00Z", "--color", "never"])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn json_lines(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A detection file in the 2026 format over object events, with this name, id and status.
fn detection_yaml(name: &str, id: &str, status: &str, search: &str) -> String {
    format!(
        "name: {name}\nid: {id}\nversion: 1\nstatus: {status}\ntype: TTP\ndescription: test\n\
         data_source: [Kubernetes Events]\nsearch: '{search}'\n\
         finding:\n  title: pull on $host$\n  entity:\n    field: host\n    type: system\n    score: 50\n\
         mitre_attack_id: [T1526]\n"
    )
}

const HOST_SEARCH: &str = "`kube_objects_events` object.reason=Pulling | rename object.source.host AS host \
                           | stats count BY host";

#[test]
fn findings_as_json_lines_by_default_off_a_terminal() {
    let out = hunt(&["--rule", PULL_RULE, pulls().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let findings = json_lines(&out);
    assert_eq!(findings.len(), 3);
    for f in &findings {
        assert_eq!(f["rule"]["id"], PULL_RULE_ID);
        assert_eq!(f["rule"]["kind"], "TTP");
        assert_eq!(f["severity"], "high");
        assert_eq!(f["mitre_attack"][0]["id"], "T1526");
    }
    let hosts: Vec<&str> = findings
        .iter()
        .map(|f| f["risk_objects"][0]["object"].as_str().unwrap())
        .collect();
    assert_eq!(hosts, ["node-1", "node-2", "tripline"]);
    assert_eq!(
        findings[0]["message"],
        "Security scanner image aquasec/kube-hunter:0.6.8 pulled on node-1 for pod default/kube-hunter-7c9d"
    );
    let err = stderr(&out);
    assert!(err.contains("3 findings from 6 events"), "{err}");
    assert!(err.contains("kube:objects:events 6"), "{err}");
    assert!(err.contains("3  Kubernetes Security Scanner Image Pull"), "{err}");
    assert!(err.contains("1 rule run"), "{err}");
}

#[test]
fn the_same_run_gives_the_same_finding_ids() {
    let a = json_lines(&hunt(&["--rule", PULL_RULE, pulls().to_str().unwrap()]));
    let b = json_lines(&hunt(&["--rule", PULL_RULE, pulls().to_str().unwrap()]));
    let ids = |v: &[Value]| v.iter().map(|f| f["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert_ne!(a[0]["id"], a[1]["id"]);
}

#[test]
fn rules_are_named_by_id_name_or_file_and_stories_by_name_in_any_case() {
    for name in [PULL_RULE, PULL_RULE_ID, "kubernetes SECURITY scanner image pull"] {
        let out = hunt(&["--rule", name, pulls().to_str().unwrap()]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert_eq!(json_lines(&out).len(), 3, "{name}");
    }
    let out = hunt(&["--story", "kubernetes scanning activity", pulls().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(json_lines(&out).iter().any(|f| f["rule"]["id"] == PULL_RULE_ID));
}

#[test]
fn an_unknown_rule_or_story_is_an_error_with_a_suggestion() {
    let out = hunt(&[
        "--rule",
        "kubernetes_security_scaner_image_pull",
        pulls().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no detection has the id, name or file name"), "{err}");
    assert!(out.stdout.is_empty());

    let out = hunt(&["--story", "Kubernetes Scaning Activity", pulls().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("did you mean `Kubernetes Scanning Activity`?"), "{err}");
}

#[test]
fn fail_on_findings_sets_the_exit_status() {
    let out = hunt(&["--rule", PULL_RULE, "--fail-on-findings", pulls().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(json_lines(&out).len(), 3, "findings are still written");

    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("quiet.jsonl");
    std::fs::write(&quiet, "").unwrap();
    let out = hunt(&["--rule", PULL_RULE, "--fail-on-findings", quiet.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn output_file_and_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("findings.ocsf.jsonl");
    let out = hunt(&[
        "--rule",
        PULL_RULE,
        "--format",
        "ocsf",
        "--output",
        file.to_str().unwrap(),
        pulls().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let text = std::fs::read_to_string(&file).unwrap();
    let ocsf: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(ocsf.len(), 3);
    assert!(ocsf.iter().all(|f| f["class_uid"] == 2004));

    let falco = json_lines(&hunt(&[
        "--rule",
        PULL_RULE,
        "--format",
        "falco",
        pulls().to_str().unwrap(),
    ]));
    assert_eq!(falco.len(), 3);
    assert!(
        falco
            .iter()
            .all(|f| f["rule"] == "Kubernetes Security Scanner Image Pull")
    );

    let table = hunt(&["--rule", PULL_RULE, "--format", "table", pulls().to_str().unwrap()]);
    let text = stdout(&table);
    assert!(text.starts_with("HIGH"), "{text}");
    assert!(text.contains("host=node-1"), "{text}");
    assert!(text.contains("3 findings from 1 rule"), "{text}");
    assert!(!text.contains('\x1b'), "no colour with --color never: {text:?}");

    let unwritable = dir.path().join("missing-dir/findings.jsonl");
    let out = hunt(&[
        "--rule",
        PULL_RULE,
        "--output",
        unwritable.to_str().unwrap(),
        pulls().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--output: cannot create"), "{}", stderr(&out));
}

#[test]
fn a_missing_input_is_reported_and_the_rest_still_hunted() {
    let out = hunt(&["--rule", PULL_RULE, "no/such/file.jsonl", pulls().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_lines(&out).len(), 3);
    assert!(stderr(&out).contains("no/such/file.jsonl"), "{}", stderr(&out));
}

#[test]
fn user_rules_with_a_broken_file_a_deprecated_rule_and_one_that_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("detections");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("good.yml"),
        detection_yaml(
            "Good Pulls",
            "11111111-2222-4333-8444-555555555555",
            "production",
            HOST_SEARCH,
        ),
    )
    .unwrap();
    std::fs::write(
        rules.join("old.yml"),
        detection_yaml(
            "Old Pulls",
            "11111111-2222-4333-8444-666666666666",
            "deprecated",
            HOST_SEARCH,
        ),
    )
    .unwrap();
    std::fs::write(
        rules.join("metrics.yml"),
        detection_yaml(
            "Metric Pulls",
            "11111111-2222-4333-8444-777777777777",
            "production",
            "| mstats avg(cpu) WHERE index=metrics BY host",
        ),
    )
    .unwrap();
    std::fs::write(rules.join("broken.yml"), "name: Broken\nsearch: [unclosed\n").unwrap();
    let rules = rules.to_str().unwrap();

    let out = hunt(&["--rules", rules, pulls().to_str().unwrap()]);
    let err = stderr(&out);
    // The broken file is an error with its location; the rule that cannot run is skipped with
    // why; the deprecated one is left out; the good one runs.
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("broken.yml:"), "{err}");
    assert!(err.contains("skipped `Metric Pulls`"), "{err}");
    assert!(
        err.contains("1 rule run, 1 could not run, 1 left out by status"),
        "{err}"
    );
    let findings = json_lines(&out);
    assert_eq!(findings.len(), 2);
    assert!(findings.iter().all(|f| f["rule"]["name"] == "Good Pulls"));

    // Named, the deprecated rule runs; with --status all, both do.
    let out = hunt(&["--rules", rules, "--rule", "old", pulls().to_str().unwrap()]);
    assert!(json_lines(&out).iter().all(|f| f["rule"]["name"] == "Old Pulls"));
    let out = hunt(&["--rules", rules, "--status", "all", pulls().to_str().unwrap()]);
    assert_eq!(json_lines(&out).len(), 4);

    // Naming the rule that cannot run shows the full diagnostic and fails.
    let out = hunt(&["--rules", rules, "--rule", "Metric Pulls", pulls().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("mstats"), "{}", stderr(&out));
}

#[test]
fn macros_tune_a_rule() {
    let dir = tempfile::tempdir().unwrap();
    let tuning = dir.path().join("tuning.yml");
    std::fs::write(
        &tuning,
        "name: kubernetes_security_scanner_image_pull_filter\ndefinition: search host!=node-2\n",
    )
    .unwrap();
    let out = hunt(&[
        "--rule",
        PULL_RULE,
        "--macros",
        tuning.to_str().unwrap(),
        pulls().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let findings = json_lines(&out);
    let hosts: Vec<&Value> = findings.iter().map(|f| &f["risk_objects"][0]["object"]).collect();
    assert_eq!(hosts, [&Value::from("node-1"), &Value::from("tripline")]);
}

#[test]
fn quiet_prints_no_summary() {
    let out = hunt(&["--rule", PULL_RULE, "--quiet", pulls().to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(stderr(&out), "");
    assert_eq!(json_lines(&out).len(), 3);
}

#[test]
fn threads_do_not_change_findings() {
    // Every input shape, every built-in rule: one thread, then the reader and three workers.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = std::env::var_os("TRIPLINE_CORPUS").map_or_else(|| root.join("../shared/corpus"), PathBuf::from);
    let inputs = [
        root.join("content/datasets"),
        corpus,
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
    ];
    let run = |threads: &str| {
        let mut args = vec!["--threads", threads];
        args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
        let out = hunt(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let summary: Vec<String> = stderr(&out)
            .lines()
            // Everything but the time taken.
            .map(|l| match l.split_once(" in ") {
                Some((before, after)) => format!("{before};{}", after.split_once(';').map_or("", |x| x.1)),
                None => l.to_owned(),
            })
            .collect();
        (stdout(&out), summary)
    };
    let (one, one_summary) = run("1");
    let (many, many_summary) = run("3");
    assert!(one.lines().count() > 20, "{one}");
    assert_eq!(one, many);
    assert_eq!(one_summary, many_summary);
}

#[test]
fn max_groups_caps_a_rule_and_warns_once_even_when_quiet() {
    for threads in ["1", "3"] {
        let out = hunt(&[
            "--rule",
            PULL_RULE,
            "--max-groups",
            "2",
            "--threads",
            threads,
            "--quiet",
            pulls().to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(json_lines(&out).len(), 2, "threads {threads}");
        let err = stderr(&out);
        assert_eq!(err.matches("warning:").count(), 1, "{err}");
        assert!(
            err.contains("`Kubernetes Security Scanner Image Pull`: `stats` (command ")
                && err.contains("reached its limit of 2 groups;")
                && err.contains("that would have started a new group")
                && err.contains("--max-groups N (now 2)"),
            "{err}"
        );
    }
    // At the number of groups there is, nothing changes and nothing is said.
    let out = hunt(&[
        "--rule",
        PULL_RULE,
        "--max-groups",
        "3",
        "--quiet",
        pulls().to_str().unwrap(),
    ]);
    assert_eq!(json_lines(&out).len(), 3);
    assert_eq!(stderr(&out), "");
    let out = hunt(&["--rule", PULL_RULE, "--max-groups", "0", pulls().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

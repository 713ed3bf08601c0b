//! End-to-end tests of `tripline lint`, running the real binary.

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn corpus() -> PathBuf {
    std::env::var_os("TRIPLINE_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    )
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tripline(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run tripline")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn security_content_corpus_has_no_errors() {
    let dir = corpus().join("security_content");
    let out = tripline(&["lint", "--format", "json", dir.to_str().unwrap()], &repo());
    let report = json(&out);
    let errors: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // 60 Kubernetes detections plus three AWS ones that use the EKS macro: every file is read,
    // every detection loads, and so do the Kubernetes stories.
    assert_eq!(report["summary"]["searches"], 63);
    assert_eq!(report["summary"]["detections"], 63);
    assert_eq!(report["summary"]["stories"], 5);
    assert_eq!(report["summary"]["lookups"], 4);
    assert_eq!(report["summary"]["searches_with_errors"], 0);
    assert_eq!(report["summary"]["files_failed"], 0);
    assert!(out.status.success());
    // The warnings: one search that tests a field with `!=*`; the fixed `message: tbd` of the
    // hunting, experimental and deprecated detections; the four baseline lookups, KV store
    // collections Tripline cannot load.
    let mut codes: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for d in report["diagnostics"].as_array().unwrap() {
        *codes.entry(d["code"].as_str().unwrap()).or_default() += 1;
    }
    let expected: std::collections::BTreeMap<&str, usize> =
        [("LOAD", 4), ("RULE0009", 29), ("SPL0202", 1)].into_iter().collect();
    assert_eq!(codes, expected);

    let text = tripline(&["lint", dir.to_str().unwrap()], &repo());
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout
            .trim_end()
            .ends_with("63 detections, 5 stories, 0 with errors, 34 warnings"),
        "{stdout}"
    );
}

#[test]
fn builtin_content_is_clean() {
    let out = tripline(&["lint", "content"], &repo());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains(" 0 with errors"), "{stdout}");
}

/// A small detection tree with one broken search and one good one.
fn broken_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("macros")).unwrap();
    std::fs::create_dir_all(root.join("detections/cloud")).unwrap();
    std::fs::write(
        root.join("macros/kube_audit.yml"),
        "name: kube_audit\ndefinition: source=\"kubernetes\"\ndescription: audit\n",
    )
    .unwrap();
    std::fs::write(
        root.join("detections/cloud/broken.yml"),
        "name: Broken\nid: 1\nsearch: |-\n  `kube_audit` verb=create\n    | stast count BY user\n    | rename a as\n    | `nope`\n",
    )
    .unwrap();
    std::fs::write(
        root.join("detections/cloud/good.spl"),
        "`kube_audit` verb=list | stats count BY user.username\n",
    )
    .unwrap();
    dir
}

#[test]
fn reports_every_error_with_file_positions() {
    let dir = broken_tree();
    let out = tripline(&["lint", "--format", "json", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let diags = report["diagnostics"].as_array().unwrap();
    let found: Vec<(String, u64, u64)> = diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    // `stast` on line 5 column 7, the rename on line 6, the undefined macro on line 7 column 7.
    assert!(found.contains(&("SPL0005".into(), 5, 7)), "{found:?}");
    assert!(found.iter().any(|(c, l, _)| c == "SPL0008" && *l == 6), "{found:?}");
    assert!(found.contains(&("SPL0101".into(), 7, 7)), "{found:?}");
    assert_eq!(report["summary"]["searches"], 2);
    assert_eq!(report["summary"]["searches_with_errors"], 1);

    let text = tripline(&["lint", "."], dir.path());
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("error[SPL0005]: unknown command `stast`"), "{stdout}");
    assert!(stdout.contains("detections/cloud/broken.yml:5:7"), "{stdout}");
    assert!(stdout.contains("did you mean `stats`?"), "{stdout}");
    // `broken.yml` has no `version`, `status` or `type`, so it is no detection; its search is
    // still checked.
    assert!(stdout.contains("error: missing required key `version`"), "{stdout}");
    assert!(
        stdout
            .trim_end()
            .ends_with("2 searches, 1 with errors, 1 file could not be loaded"),
        "{stdout}"
    );
}

#[test]
fn macros_flag_defines_missing_macros() {
    let dir = broken_tree();
    std::fs::write(dir.path().join("extra.conf"), "[nope]\ndefinition = search *\n").unwrap();
    let out = tripline(
        &["lint", "--format", "json", "--macros", "extra.conf", "detections"],
        dir.path(),
    );
    let report = json(&out);
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"SPL0101"), "{codes:?}");
    assert!(codes.contains(&"SPL0005"), "{codes:?}");
}

#[test]
fn unreadable_files_are_reported_and_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yml"), "name: x\nsearch: [unclosed\n").unwrap();
    std::fs::write(dir.path().join("ok.spl"), "index=main | head 5\n").unwrap();
    let out = tripline(&["lint", "."], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("bad.yml:"), "{stdout}");
    assert!(
        stdout.contains("1 search, 0 with errors, 1 file could not be loaded"),
        "{stdout}"
    );
}

#[test]
fn missing_path_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = tripline(&["lint", "does-not-exist"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("does-not-exist"));
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lint")
        .join(name)
}

/// `(code, line, column)` of every diagnostic of a JSON report.
fn positions(report: &Value) -> Vec<(String, u64, u64)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn rule_problems_are_reported_with_positions() {
    // A 2026 TTP detection with an id that is no UUID and no `finding` block.
    let file = fixture("detections/ttp_without_finding.yml");
    let out = tripline(&["lint", file.to_str().unwrap()], &repo());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error[RULE0002]: `not-a-uuid` is not a UUID"),
        "{stdout}"
    );
    assert!(stdout.contains("ttp_without_finding.yml:2:5"), "{stdout}");
    assert!(stdout.contains("2 | id: not-a-uuid"), "{stdout}");
    assert!(stdout.contains("help: use a random (version 4) UUID"), "{stdout}");
    assert!(
        stdout.contains("error[RULE0004]: `type: TTP` requires `finding`"),
        "{stdout}"
    );
    assert!(stdout.contains("ttp_without_finding.yml:8:7"), "{stdout}");
    assert!(stdout.trim_end().ends_with("1 detection, 1 with errors"), "{stdout}");

    let out = tripline(&["lint", "--format", "json", file.to_str().unwrap()], &repo());
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let found = positions(&report);
    assert_eq!(
        found,
        [("RULE0002".into(), 2, 5), ("RULE0004".into(), 8, 7)],
        "{report:#}"
    );
    let first = &report["diagnostics"][0];
    assert_eq!(first["severity"], "error");
    assert_eq!(first["key"], "id");
    assert_eq!(first["search"], "Kubernetes Anonymous Pod Listing");
    assert_eq!(
        (first["end_line"].as_u64(), first["end_column"].as_u64()),
        (Some(2), Some(15))
    );
    assert_eq!(report["summary"]["detections"], 1);
    assert_eq!(report["summary"]["searches_with_errors"], 1);
    assert_eq!(report["summary"]["errors"], 2);
}

#[test]
fn rule_warnings_do_not_fail_the_run_and_quiet_hides_them() {
    let file = fixture("detections/anomaly_warnings_only.yml");
    let out = tripline(&["lint", file.to_str().unwrap()], &repo());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("warning[RULE0009]"), "{stdout}");
    assert!(stdout.contains("anomaly_warnings_only.yml:24:14"), "{stdout}");
    assert!(
        stdout.trim_end().ends_with("1 detection, 0 with errors, 1 warning"),
        "{stdout}"
    );

    let out = tripline(&["lint", "--quiet", file.to_str().unwrap()], &repo());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(stdout.trim_end(), "1 detection, 0 with errors, 1 warning");
}

#[test]
fn story_with_a_yaml_error_is_reported_once_with_its_location() {
    let dir = fixture("stories");
    let out = tripline(&["lint", dir.to_str().unwrap()], &repo());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("error: invalid YAML"), "{stdout}");
    assert!(stdout.contains("broken_story.yml:6:11"), "{stdout}");
    // Both the search walk and the content loader read the file; it is reported once.
    assert_eq!(stdout.matches("invalid YAML").count(), 1, "{stdout}");
    assert!(
        stdout
            .trim_end()
            .ends_with("0 detections, 0 with errors, 1 file could not be loaded"),
        "{stdout}"
    );

    let out = tripline(&["lint", "--format", "json", dir.to_str().unwrap()], &repo());
    let report = json(&out);
    assert_eq!(positions(&report), [("LOAD".into(), 6, 11)], "{report:#}");
    assert!(
        report["diagnostics"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("broken_story.yml")
    );
    assert_eq!(report["summary"]["files_failed"], 1);
}

#[test]
fn a_tree_of_content_is_linted_as_a_whole() {
    let out = tripline(&["lint", "--format", "json", "."], &fixture(""));
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    let mut codes: Vec<String> = positions(&report).into_iter().map(|(c, _, _)| c).collect();
    codes.sort();
    assert_eq!(codes, ["LOAD", "RULE0002", "RULE0004", "RULE0009"], "{report:#}");
    assert_eq!(report["summary"]["detections"], 2);
    assert_eq!(report["summary"]["searches_with_errors"], 1);
    assert_eq!(report["summary"]["files_failed"], 1);
    assert_eq!(report["summary"]["warnings"], 1);
}

#[test]
fn no_path_lints_the_builtin_pack() {
    let dir = tempfile::tempdir().unwrap();
    let builtin = json(&tripline(&["lint", "--format", "json"], dir.path()));
    let on_disk = json(&tripline(&["lint", "--format", "json", "content"], &repo()));
    let files = std::fs::read_dir(repo().join("content/detections"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "yml"))
        .count();
    assert!(files > 0);
    assert_eq!(builtin["summary"]["detections"], files);
    for key in ["detections", "searches", "stories", "errors", "searches_with_errors"] {
        assert_eq!(builtin["summary"][key], on_disk["summary"][key], "{key}");
    }
    for d in builtin["diagnostics"].as_array().unwrap() {
        assert!(d["path"].as_str().unwrap().starts_with("builtin:content/"), "{d:#}");
    }
}

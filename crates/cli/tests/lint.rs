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
    // 60 Kubernetes detections plus three AWS ones that use the EKS macro: every file is read.
    assert_eq!(report["summary"]["searches"], 63);
    assert_eq!(report["summary"]["searches_with_errors"], 0);
    assert_eq!(report["summary"]["files_failed"], 0);
    assert!(out.status.success());

    let text = tripline(&["lint", dir.to_str().unwrap()], &repo());
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.trim_end().ends_with("63 searches, 0 with errors, 1 warning"),
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
    assert!(stdout.trim_end().ends_with("2 searches, 1 with errors"), "{stdout}");
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

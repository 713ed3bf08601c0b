//! `tripline simulate` as a user drives it, checked with Tripline itself: the same seed gives the
//! same bytes, every format is read back with the expected sourcetype and nothing malformed, and
//! `tripline hunt` over the output finds exactly the labelled attacks — every labelled entity by
//! the rule meant for it, nothing else, and nothing at all from background traffic alone.
//!
//! The sizes are chosen so each test runs in well under 20 s in a debug build (the engine is not
//! optimised there): a few hundred thousand records in raw format, fewer where ingest does more
//! per record (AKS's JSON-in-a-string), with `--attacks` so that every scenario still appears.

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

fn tripline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Run `tripline simulate` with `args`, into `dir/name`, with labels beside; return both paths.
fn simulate(dir: &Path, name: &str, args: &[&str]) -> (PathBuf, PathBuf) {
    let out = dir.join(name);
    let labels = dir.join(format!("{name}.labels.jsonl"));
    let mut all = vec![
        "simulate",
        "--output",
        out.to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let run = tripline(&all);
    assert!(run.status.success(), "{}", stderr(&run));
    (out, labels)
}

/// `tripline hunt` over `input`: the findings and the stderr summary.
fn hunt(input: &Path) -> (Vec<Value>, String) {
    let out = tripline(&[
        "hunt",
        "--format",
        "jsonl",
        "--color",
        "never",
        "--now",
        "2026-12-01T00:00:00Z",
        input.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let findings = String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (findings, stderr(&out))
}

fn labels(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// (rule id, entity) pairs the labels promise.
fn expected(labels: &[Value]) -> BTreeSet<(String, String)> {
    let mut set = BTreeSet::new();
    for l in labels {
        for r in l["rules"].as_array().unwrap() {
            set.insert((
                r["id"].as_str().unwrap().to_owned(),
                l["entity"]["value"].as_str().unwrap().to_owned(),
            ));
        }
    }
    set
}

/// (rule id, risk object) pairs of the findings, checking each risk object's field is the one the
/// labels name for that rule.
fn found(findings: &[Value], labels: &[Value]) -> BTreeSet<(String, String)> {
    let mut fields = std::collections::BTreeMap::new();
    for l in labels {
        for r in l["rules"].as_array().unwrap() {
            fields.insert(
                r["id"].as_str().unwrap().to_owned(),
                l["entity"]["field"].as_str().unwrap().to_owned(),
            );
        }
    }
    let mut set = BTreeSet::new();
    for f in findings {
        let rule = f["rule"]["id"].as_str().unwrap().to_owned();
        for ro in f["risk_objects"].as_array().unwrap() {
            if let Some(field) = fields.get(&rule) {
                assert_eq!(ro["field"].as_str().unwrap(), field, "{f}");
            }
            set.insert((rule.clone(), ro["object"].as_str().unwrap().to_owned()));
        }
    }
    set
}

/// The `by sourcetype: a 1, b 2` part of hunt's summary.
fn sourcetypes(summary: &str) -> Vec<(String, u64)> {
    let line = summary.lines().find(|l| l.contains("by sourcetype:")).unwrap();
    let list = line.split("by sourcetype: ").nth(1).unwrap();
    list.split(", ")
        .map(|item| {
            let (name, n) = item.rsplit_once(' ').unwrap();
            (name.to_owned(), n.trim_end_matches(';').parse().unwrap())
        })
        .collect()
}

/// Simulate in `format`, hunt, and check the findings against the labels and the summary.
fn labels_match_findings(format: &str, sourcetype: &str, events: u64, extra: &[&str]) {
    let dir = TempDir::new().unwrap();
    let events_arg = events.to_string();
    let mut args = vec!["--seed", "7", "--format", format, "--events", &events_arg];
    args.extend_from_slice(extra);
    let (out, labels_path) = simulate(dir.path(), &format!("{format}.jsonl"), &args);
    let labels = labels(&labels_path);
    assert!(!labels.is_empty());
    for l in &labels {
        assert_eq!(l["format"], format);
        assert!(l["first_time"].as_str().unwrap() <= l["last_time"].as_str().unwrap());
    }
    let (findings, summary) = hunt(&out);
    assert!(!summary.contains("malformed"), "{summary}");
    assert!(!summary.contains("too large"), "{summary}");
    let types = sourcetypes(&summary);
    let total: u64 = types.iter().map(|(_, n)| n).sum();
    assert_eq!(total, events, "{summary}");
    assert!(types.iter().any(|(t, n)| t == sourcetype && *n > 0), "{summary}");
    for (t, _) in &types {
        assert!(t == sourcetype || t == "kube:objects:events", "{summary}");
    }
    let expected = expected(&labels);
    let found = found(&findings, &labels);
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(missing.is_empty(), "{format}: labelled but not found: {missing:?}");
    assert!(
        unexpected.is_empty(),
        "{format}: found but not labelled: {unexpected:?}"
    );
    assert!(!expected.is_empty());
}

#[test]
fn raw_audit_over_a_quarter_million_events_finds_every_labelled_attack() {
    labels_match_findings("raw", "_json", 250_000, &["--clusters", "3", "--attacks", "2"]);
}

#[test]
fn webhook_eventlists_find_every_labelled_attack() {
    labels_match_findings("eventlist", "_json", 40_000, &["--attacks", "2"]);
}

#[test]
fn eks_cloudwatch_finds_every_labelled_attack() {
    labels_match_findings(
        "eks",
        "aws:cloudwatchlogs:eks",
        40_000,
        &["--clusters", "2", "--attacks", "2"],
    );
}

#[test]
fn gke_cloud_audit_finds_every_labelled_attack() {
    labels_match_findings("gke", "google:gcp:pubsub:message", 40_000, &["--attacks", "2"]);
}

#[test]
fn aks_diagnostics_find_every_labelled_attack() {
    labels_match_findings(
        "aks",
        "mscs:storage:blob:json",
        25_000,
        &["--clusters", "2", "--attacks", "2"],
    );
}

#[test]
fn kubernetes_events_find_every_labelled_pull() {
    labels_match_findings("events", "kube:objects:events", 40_000, &["--attacks", "3"]);
    labels_match_findings("sck", "kube:objects:events", 40_000, &["--attacks", "3"]);
}

#[test]
fn background_alone_gives_no_finding() {
    let dir = TempDir::new().unwrap();
    for (format, events) in [("raw", "80000"), ("eks", "15000"), ("gke", "15000"), ("aks", "10000")] {
        let (out, labels) = simulate(
            dir.path(),
            &format!("{format}.jsonl"),
            &[
                "--seed",
                "3",
                "--format",
                format,
                "--events",
                events,
                "--scenario",
                "none",
            ],
        );
        assert_eq!(std::fs::read_to_string(labels).unwrap(), "");
        let (findings, summary) = hunt(&out);
        assert!(findings.is_empty(), "{format}: {:?}", findings.first());
        assert!(summary.starts_with("0 findings"), "{summary}");
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let dir = TempDir::new().unwrap();
    for format in ["raw", "eventlist", "eks", "gke", "aks", "events", "sck"] {
        let args = [
            "--seed",
            "42",
            "--format",
            format,
            "--events",
            "5000",
            "--clusters",
            "2",
        ];
        let (a, la) = simulate(dir.path(), &format!("{format}-a.jsonl"), &args);
        let (b, lb) = simulate(dir.path(), &format!("{format}-b.jsonl"), &args);
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "{format}");
        assert_eq!(std::fs::read(&la).unwrap(), std::fs::read(&lb).unwrap(), "{format}");
        let other = [
            "--seed",
            "43",
            "--format",
            format,
            "--events",
            "5000",
            "--clusters",
            "2",
        ];
        let (c, _) = simulate(dir.path(), &format!("{format}-c.jsonl"), &other);
        assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap(), "{format}");
    }
}

#[test]
fn stdout_gzip_and_a_separate_objects_file() {
    let dir = TempDir::new().unwrap();
    // Default output is stdout, and identical to --output.
    let piped = tripline(&["simulate", "--events", "3000", "-q"]);
    assert!(piped.status.success());
    let (file, _) = simulate(dir.path(), "plain.jsonl", &["--events", "3000", "-q"]);
    assert_eq!(piped.stdout, std::fs::read(&file).unwrap());
    // .gz is gzip (the magic bytes), and reads back the same events.
    let (gz, _) = simulate(dir.path(), "plain.jsonl.gz", &["--events", "3000", "-q"]);
    let bytes = std::fs::read(&gz).unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    let (_, summary) = hunt(&gz);
    assert!(
        summary.contains("3000 events") || summary.contains("3,000 events"),
        "{summary}"
    );
    // --objects takes the object events out of the main stream.
    let objects = dir.path().join("objects.jsonl");
    let (main, _) = simulate(
        dir.path(),
        "gke.jsonl",
        &[
            "--format",
            "gke",
            "--events",
            "20000",
            "--objects",
            objects.to_str().unwrap(),
        ],
    );
    let main = std::fs::read_to_string(main).unwrap();
    let objects = std::fs::read_to_string(objects).unwrap();
    assert!(main.lines().all(|l| l.contains("\"protoPayload\"")));
    assert!(!objects.is_empty());
    assert!(objects.lines().all(|l| l.contains("\"involvedObject\"")));
    assert_eq!(main.lines().count() + objects.lines().count(), 20_000);
}

#[test]
fn a_size_limit_and_bad_arguments() {
    let dir = TempDir::new().unwrap();
    let (out, _) = simulate(dir.path(), "sized.jsonl", &["--size", "2M", "-q"]);
    let len = std::fs::metadata(&out).unwrap().len();
    assert!((2 << 20..(2 << 20) + (256 << 10)).contains(&len), "{len}");
    for bad in [
        &["simulate", "--events", "10", "--size", "1M"][..],
        &["simulate", "--scenario", "none", "--scenario", "scanner-sweep"],
        &["simulate", "--format", "events", "--objects", "/tmp/x"],
        &["simulate", "--clusters", "0"],
        &["simulate", "--start", "yesterday"],
        &["simulate", "--scenario", "nope"],
    ] {
        let run = tripline(bad);
        assert_eq!(run.status.code(), Some(2), "{bad:?}: {}", stderr(&run));
    }
}

#[test]
fn the_simulator_knows_every_built_in_rule_by_id_and_name() {
    let pack = tripline_content::builtin_content();
    let builtin: BTreeSet<(String, String)> = pack.detections.iter().map(|d| (d.id.clone(), d.name.clone())).collect();
    let known: BTreeSet<(String, String)> = tripline_sim::Rule::ALL
        .iter()
        .map(|r| (r.id().to_owned(), r.name().to_owned()))
        .collect();
    assert_eq!(known, builtin);
}

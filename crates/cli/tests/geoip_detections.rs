//! The three production detections that geolocate (Kubernetes Access Scanning, Kubernetes Scanning
//! by Unauthenticated IP Address, Kubernetes Abuse of Secret by Unusual Location) run verbatim
//! from the corpus through `tripline search`, over hand-made audit events and a tiny GeoIP
//! database the test writes itself (DB-IP Lite's flat layout); both are in `common/geoip.rs`.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

mod common;

use std::path::Path;
use std::process::Command;

use common::geoip::{
    audit, database, expect_location, expect_scanning, location_events, scanning_events, write_events,
};
use common::{corpus, detection_search};
use serde_json::{Map, Value};

/// Run a detection; returns the raw JSON lines and their parsed values.
fn run_raw(detection: &str, events: &[String], dir: &Path) -> (Vec<String>, Vec<Map<String, Value>>) {
    let spl = detection_search("cloud", detection);
    let data = write_events(dir, "events.json", events);
    let db = database(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args([
            "search",
            &spl,
            data.to_str().unwrap(),
            "--format",
            "jsonl",
            "--source",
            "kubernetes",
        ])
        .args(["--macros", corpus().join("security_content/macros").to_str().unwrap()])
        .args(["--geoip", db.to_str().unwrap(), "--now", "2026-11-22T00:00:00Z"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let values = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    (lines, values)
}

fn run(detection: &str, events: &[String], dir: &Path) -> Vec<Map<String, Value>> {
    run_raw(detection, events, dir).1
}

#[test]
fn kubernetes_access_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, got) = run_raw("kubernetes_access_scanning", &scanning_events(), dir.path());
    expect_scanning(&got);
    // Column order: the BY fields (renamed in place), then count and the values in order.
    assert!(
        lines[0].starts_with(
            r#"{"src_ip":"45.155.205.10","Country":"Netherlands","City":"Amsterdam","count":7,"userAgent":"#
        ),
        "{}",
        lines[0]
    );
}

#[test]
fn kubernetes_scanning_by_unauthenticated_ip_address() {
    let dir = tempfile::tempdir().unwrap();
    let got = run(
        "kubernetes_scanning_by_unauthenticated_ip_address",
        &scanning_events(),
        dir.path(),
    );
    expect_scanning(&got);
}

#[test]
fn kubernetes_abuse_of_secret_by_unusual_location() {
    let dir = tempfile::tempdir().unwrap();
    let got = run(
        "kubernetes_abuse_of_secret_by_unusual_location",
        &location_events(),
        dir.path(),
    );
    expect_location(&got);
}

#[test]
fn private_addresses_only_means_no_location_fields_at_all() {
    // If every event is private, City and Country never exist, fillnull cannot create them, and
    // `stats ... BY ... City Country` drops everything (spl-semantics.md §3.6.3).
    let dir = tempfile::tempdir().unwrap();
    let events = vec![audit(
        "10.0.0.7",
        "get",
        "/api/v1/namespaces/default/secrets/x",
        200,
        &["system:authenticated"],
        "bob",
        "secrets",
        1,
    )];
    assert!(run("kubernetes_abuse_of_secret_by_unusual_location", &events, dir.path()).is_empty());
}

#[test]
fn without_a_database_the_search_says_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_events(dir.path(), "events.json", &scanning_events());
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args([
            "search",
            "source=* | iplocation sourceIPs{} | stats count BY Country",
            data.to_str().unwrap(),
        ])
        .args(["--format", "jsonl"])
        // TRIPLINE_GEOIP, when set, is the only place looked at: an empty directory means none.
        .env("TRIPLINE_GEOIP", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("no GeoIP database was found").count(), 1, "{stderr}");
    assert!(stderr.contains("scripts/fetch-geoip"), "{stderr}");
    // No database: no location fields, so stats BY Country has nothing to group.
    assert!(out.stdout.is_empty());
}

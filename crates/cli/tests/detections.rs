//! The production Kubernetes detections of `splunk/security_content` that need only audit JSON
//! (spl-semantics §1.7; the three GeoIP ones are tested elsewhere), run end to end through
//! `tripline search` with their SPL read verbatim from the corpus YAML and the corpus's macros,
//! over hand-made Kubernetes audit events in `tests/fixtures/detections/`.
//!
//! Every expected row set was predicted by hand from Splunk's semantics before Tripline ran it;
//! the reasoning sits above each set in `common/audit.rs`, with the fixtures' events. The rules
//! used throughout (spl-semantics §3):
//!
//! - `search`: `field=value` compares the whole value, case-insensitively; `*` matches any run of
//!   characters (newlines too); a multivalue field matches when any value does; `OR` binds
//!   tighter than the implicit `AND`; `NOT x` keeps events that have no `x` at all.
//! - `fillnull` with no arguments writes `"0"` into every field that is missing from a result but
//!   present in at least one other result of the same set (the set the search kept, not the
//!   file). A field no result has is not created.
//! - `stats ... BY`: an event with a null BY field is dropped; multivalue BY fields split the
//!   event into one row per value (the cross product when there are several; duplicate values
//!   kept, so they count twice). Rows come out sorted by the BY values in BY order, byte-wise
//!   (digits before upper case before lower case). Columns: the BY fields, then the aggregates
//!   in the order written. BY values stay strings (`"201"`); `count` is a number.
//! - `values(x)`: the distinct values sorted byte-wise; one value is a plain string.
//! - `rename a AS b` renames the column where it stands.
//!
//! The fixtures are JSON lines in the shape the API server writes (`audit.k8s.io/v1` `Event`):
//! Metadata-level events for reads and refusals, Request/RequestResponse-level events (with
//! `requestObject`) for creates. Events marked "hand-edited" in the comments carry a value no
//! real API server writes (an upper-case verb, for example), to pin down a rule.
//!
//! Each test compares every row, in order, with every field and value, in order.
//! hunt_corpus.rs checks the same rows through `tripline hunt`.

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

mod common;

use std::process::Command;

use common::audit::*;
use common::{Row, corpus, detection_search, fixture, ordered, show};

/// Run `detection` over `fixture` the way a scheduled search would see it.
fn run(detection: &str, fixture_name: &str) -> Vec<Row> {
    let spl = detection_search("cloud", detection);
    let input = fixture("detections", fixture_name);
    let macros = corpus().join("security_content/macros");
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .arg("search")
        .arg(&spl)
        .arg(&input)
        .arg("--macros")
        .arg(&macros)
        .args([
            "--source",
            "kubernetes",
            "--format",
            "jsonl",
            "--now",
            "2026-11-22T00:00:00Z",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("run tripline");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "tripline search failed for {detection}:\n{stderr}"
    );
    // Every line of the fixture was read as an event (so an empty result is not vacuous).
    let events = std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert!(
        stderr.contains(&format!(" from {events} events")) && !stderr.contains("not JSON"),
        "{detection}: not every event of {fixture_name} was read:\n{stderr}"
    );
    String::from_utf8(out.stdout).unwrap().lines().map(ordered).collect()
}

fn check(detection: &str, fixture_name: &str, expected: &[Row]) {
    let actual = run(detection, fixture_name);
    assert!(
        actual == expected,
        "{detection} over {fixture_name}: {} rows, expected {}\n--- actual\n{}\n--- expected\n{}",
        actual.len(),
        expected.len(),
        show(&actual),
        show(expected)
    );
}

#[test]
fn abuse_of_secret_by_unusual_user_agent() {
    check(
        "kubernetes_abuse_of_secret_by_unusual_user_agent",
        "secrets.jsonl",
        &abuse_of_secret_by_unusual_user_agent_rows(),
    );
}

#[test]
fn abuse_of_secret_by_unusual_user_group() {
    check(
        "kubernetes_abuse_of_secret_by_unusual_user_group",
        "secrets.jsonl",
        &abuse_of_secret_by_unusual_user_group_rows(),
    );
}

#[test]
fn abuse_of_secret_by_unusual_user_name() {
    check(
        "kubernetes_abuse_of_secret_by_unusual_user_name",
        "secrets.jsonl",
        &abuse_of_secret_by_unusual_user_name_rows(),
    );
}

#[test]
fn create_or_update_privileged_pod() {
    check(
        "kubernetes_create_or_update_privileged_pod",
        "pods.jsonl",
        &create_or_update_privileged_pod_rows(),
    );
}

#[test]
fn pod_with_host_network_attachment() {
    check(
        "kubernetes_pod_with_host_network_attachment",
        "pods.jsonl",
        &pod_with_host_network_attachment_rows(),
    );
}

#[test]
fn pod_created_in_default_namespace() {
    check(
        "kubernetes_pod_created_in_default_namespace",
        "pods.jsonl",
        &pod_created_in_default_namespace_rows(),
    );
}

#[test]
fn cron_job_creation() {
    check(
        "kubernetes_cron_job_creation",
        "cronjobs.jsonl",
        &cron_job_creation_rows(),
    );
}

/// A Metadata-level audit policy for cron jobs: two creates match the search, but neither has
/// a `requestObject`, so `requestObject.kind`, `.spec.schedule` and `...containers{}.image`
/// exist in no result; fillnull does not create them (the RequestResponse-level Job in the file
/// has `requestObject.kind`, but the search already dropped it), and stats drops both events.
#[test]
fn cron_job_creation_metadata_level_policy_gives_nothing() {
    check("kubernetes_cron_job_creation", "cronjobs_metadata.jsonl", &[]);
}

#[test]
fn daemonset_deployed() {
    check(
        "kubernetes_daemonset_deployed",
        "daemonsets.jsonl",
        &daemonset_deployed_rows(),
    );
}

/// Every event is Metadata level: `requestObject.kind` is in no result, so nothing is left.
#[test]
fn daemonset_deployed_metadata_level_policy_gives_nothing() {
    check("kubernetes_daemonset_deployed", "daemonsets_metadata.jsonl", &[]);
}

#[test]
fn node_port_creation() {
    check(
        "kubernetes_node_port_creation",
        "services.jsonl",
        &node_port_creation_rows(),
    );
}

#[test]
fn suspicious_image_pulling() {
    check(
        "kubernetes_suspicious_image_pulling",
        "image_pulls.jsonl",
        &suspicious_image_pulling_rows(),
    );
}

#[test]
fn unauthorized_access() {
    check(
        "kubernetes_unauthorized_access",
        "forbidden.jsonl",
        &unauthorized_access_rows(),
    );
}

/// Real anonymous requests: the API server gives `system:anonymous` no uid, so `user.uid` is in
/// none of the three anonymous events the search keeps (alice's event has one, but the search
/// dropped it before fillnull), fillnull cannot create it, and stats drops all three. As
/// written, the detection never fires on real audit logs.
#[test]
fn aws_detect_suspicious_kubectl_calls_gives_nothing_without_a_uid() {
    check("kubernetes_aws_detect_suspicious_kubectl_calls", "anonymous.jsonl", &[]);
}

#[test]
fn aws_detect_suspicious_kubectl_calls() {
    check(
        "kubernetes_aws_detect_suspicious_kubectl_calls",
        "anonymous_with_uid.jsonl",
        &aws_detect_suspicious_kubectl_calls_rows(),
    );
}

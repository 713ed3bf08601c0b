//! The EKS, deprecated GKE and deprecated AKS detections of `splunk/security_content`, run with
//! their SPL read verbatim from the corpus YAML and the corpus's macros, over the corpus files of
//! the matching log shapes, with `source`/`sourcetype` left to Tripline's format detection.
//!
//! For each detection: where the corpus data holds what the search looks for, the rows come back
//! and are checked; where it does not (the fixtures are trimmed, and several searches need fields
//! the corpus events lack), the test says why no row is right, and then runs the detection over
//! hand-written events in the cloud envelopes Splunk's add-ons read (a Firehose batch of gzipped
//! CloudWatch envelopes, Pub/Sub push messages, an Event Hub batch of AKS records) that do hold
//! it, and checks those rows.
//!
//! The data and the expected rows are in `common/cloud.rs` (hunt_corpus.rs checks the same rows
//! through `tripline hunt`).

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::cloud::{self, aks_corpus, aks_fixture, eks_corpus, eks_fixture, gke_corpus, gke_fixture};
use common::{columns, corpus, detection_search, strings};
use serde_json::{Map, Value, json};

/// Run SPL over `inputs`; the result rows, and stderr.
fn search(spl: &str, inputs: &[PathBuf]) -> (Vec<Map<String, Value>>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .arg("search")
        .arg(spl)
        .args(inputs)
        .arg("--macros")
        .arg(corpus().join("security_content/macros"))
        .args(["--format", "jsonl", "--now", "2026-11-22T00:00:00Z"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run tripline");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "tripline search failed:\n{stderr}");
    assert!(!stderr.contains("malformed"), "{stderr}");
    let rows = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| match serde_json::from_str(l) {
            Ok(Value::Object(m)) => m,
            other => panic!("{other:?}: {l}"),
        })
        .collect();
    (rows, stderr)
}

fn run(dir: &str, detection: &str, inputs: &[PathBuf]) -> Vec<Map<String, Value>> {
    search(&detection_search(dir, detection), inputs).0
}

/// The number of events the search's first clause (before the first `|`) selects.
fn selected(dir: &str, detection: &str, inputs: &[PathBuf]) -> u64 {
    let spl = detection_search(dir, detection);
    let base = spl.split(" |").next().unwrap();
    let (rows, _) = search(&format!("{base} | stats count"), inputs);
    rows[0]["count"].as_u64().unwrap()
}

// ------------------------------------------------------------------------------------------------
// EKS (`aws_cloudwatchlogs_eks`)
// ------------------------------------------------------------------------------------------------

#[test]
fn amazon_eks_kubernetes_cluster_scan_detection() {
    let rows = run("cloud", "amazon_eks_kubernetes_cluster_scan_detection", &eks_corpus());
    cloud::amazon_eks_kubernetes_cluster_scan_detection_corpus(&rows);
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "cloud",
        "amazon_eks_kubernetes_cluster_scan_detection",
        &[eks_fixture(dir.path())],
    );
    cloud::amazon_eks_kubernetes_cluster_scan_detection_fixture(&rows);
}

#[test]
fn amazon_eks_kubernetes_pod_scan_detection() {
    // No anonymous `list` in the corpus.
    assert!(run("cloud", "amazon_eks_kubernetes_pod_scan_detection", &eks_corpus()).is_empty());
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "cloud",
        "amazon_eks_kubernetes_pod_scan_detection",
        &[eks_fixture(dir.path())],
    );
    cloud::amazon_eks_kubernetes_pod_scan_detection(&rows);
}

#[test]
fn aws_eks_kubernetes_cluster_sensitive_object_access() {
    // The corpus's secret reads carry no `user.groups`, so `dedup user.username user.groups{}`
    // drops them (dedup keeps only events that have every field).
    assert!(
        run(
            "deprecated",
            "aws_eks_kubernetes_cluster_sensitive_object_access",
            &eks_corpus()
        )
        .is_empty()
    );
    assert!(
        selected(
            "deprecated",
            "aws_eks_kubernetes_cluster_sensitive_object_access",
            &eks_corpus()
        ) > 0
    );
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "deprecated",
        "aws_eks_kubernetes_cluster_sensitive_object_access",
        &[eks_fixture(dir.path())],
    );
    cloud::aws_eks_kubernetes_cluster_sensitive_object_access(&rows);
}

#[test]
fn kubernetes_aws_detect_most_active_service_accounts_by_pod() {
    // The corpus's service-account events are about endpointslices, not pods.
    assert!(
        run(
            "deprecated",
            "kubernetes_aws_detect_most_active_service_accounts_by_pod",
            &eks_corpus()
        )
        .is_empty()
    );
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "deprecated",
        "kubernetes_aws_detect_most_active_service_accounts_by_pod",
        &[eks_fixture(dir.path())],
    );
    cloud::kubernetes_aws_detect_most_active_service_accounts_by_pod(&rows);
}

#[test]
fn kubernetes_aws_detect_rbac_authorization_by_account() {
    let rows = run(
        "deprecated",
        "kubernetes_aws_detect_rbac_authorization_by_account",
        &eks_corpus(),
    );
    cloud::kubernetes_aws_detect_rbac_authorization_by_account(&rows);
}

#[test]
fn kubernetes_aws_detect_sensitive_role_access() {
    // The corpus's cluster-role events carry no `user.groups`: `dedup` drops them.
    assert!(
        run(
            "deprecated",
            "kubernetes_aws_detect_sensitive_role_access",
            &eks_corpus()
        )
        .is_empty()
    );
    assert!(
        selected(
            "deprecated",
            "kubernetes_aws_detect_sensitive_role_access",
            &eks_corpus()
        ) > 0
    );
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "deprecated",
        "kubernetes_aws_detect_sensitive_role_access",
        &[eks_fixture(dir.path())],
    );
    cloud::kubernetes_aws_detect_sensitive_role_access(&rows);
}

#[test]
fn kubernetes_aws_detect_service_accounts_forbidden_failure_access() {
    // No service account of the corpus is refused.
    assert!(
        run(
            "deprecated",
            "kubernetes_aws_detect_service_accounts_forbidden_failure_access",
            &eks_corpus()
        )
        .is_empty()
    );
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "deprecated",
        "kubernetes_aws_detect_service_accounts_forbidden_failure_access",
        &[eks_fixture(dir.path())],
    );
    cloud::kubernetes_aws_detect_service_accounts_forbidden_failure_access(&rows);
}

#[test]
fn aws_detect_searches_find_no_cloudtrail_in_eks_logs() {
    // These four use the EKS macro but look for CloudTrail records (eventName, userIdentity),
    // which EKS control-plane logs never hold (spl-semantics §1.5).
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = eks_corpus();
    inputs.push(eks_fixture(dir.path()));
    for d in [
        "aws_detect_attach_to_role_policy",
        "aws_detect_permanent_key_creation",
        "aws_detect_role_creation",
        "aws_detect_sts_get_session_token_abuse",
    ] {
        assert!(run("cloud", d, &inputs).is_empty(), "{d}");
    }
}

// ------------------------------------------------------------------------------------------------
// GKE (`google_gcp_pubsub_message`)
// ------------------------------------------------------------------------------------------------

#[test]
fn gcp_kubernetes_cluster_scan_detection() {
    // The corpus's anonymous GKE requests are either allowed or, for the HNAP1 probe, refused
    // without the `forbid` label and the PERMISSION_DENIED message the search asks for.
    assert!(run("deprecated", "gcp_kubernetes_cluster_scan_detection", &gke_corpus()).is_empty());
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "deprecated",
        "gcp_kubernetes_cluster_scan_detection",
        &[gke_fixture(dir.path())],
    );
    cloud::gcp_kubernetes_cluster_scan_detection(&rows);
}

/// The six `kubernetes_gcp_detect_*` searches read `src_ip`, `src_user`, `http_user_agent` and
/// `dest`, which Splunk's GCP add-on defines at search time and no log carries; `top`, `rare` and
/// `dedup` drop events without them. So they return nothing, on the corpus and on any data,
/// until those aliases exist (see docs/inputs.md). Where the event selection does not depend on
/// them, it still finds its events through the add-on's `data.*` names.
#[test]
fn kubernetes_gcp_detect_searches_need_the_add_on_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = gke_corpus();
    inputs.push(gke_fixture(dir.path()));
    for d in [
        "kubernetes_gcp_detect_most_active_service_accounts_by_pod",
        "kubernetes_gcp_detect_rbac_authorizations_by_account",
        "kubernetes_gcp_detect_sensitive_object_access",
        "kubernetes_gcp_detect_sensitive_role_access",
        "kubernetes_gcp_detect_service_accounts_forbidden_failure_access",
        "kubernetes_gcp_detect_suspicious_kubectl_calls",
    ] {
        assert!(run("deprecated", d, &inputs).is_empty(), "{d}");
    }
    // `data.labels.authorization.k8s.io/reason=ClusterRoleBinding OR Clusterrole`: the bare term
    // matches the RBAC reasons of the elastic entries.
    assert!(
        selected(
            "deprecated",
            "kubernetes_gcp_detect_rbac_authorizations_by_account",
            &inputs
        ) >= 3
    );
    // `data.protoPayload.authorizationInfo{}.resource=configmaps OR secrets`.
    assert!(selected("deprecated", "kubernetes_gcp_detect_sensitive_object_access", &inputs) >= 3);
}

#[test]
fn gcp_kubernetes_cluster_pod_scan_detection_reads_aks_fields() {
    // This experimental search filters GKE messages on `category=kube-audit` and
    // `properties.log`, fields of AKS records; no GKE message has them.
    let dir = tempfile::tempdir().unwrap();
    let mut inputs = gke_corpus();
    inputs.push(gke_fixture(dir.path()));
    assert!(run("cloud", "gcp_kubernetes_cluster_pod_scan_detection", &inputs).is_empty());
}

// ------------------------------------------------------------------------------------------------
// AKS (`kubernetes_azure`)
// ------------------------------------------------------------------------------------------------

#[test]
fn kubernetes_azure_scan_fingerprint() {
    let rows = run("deprecated", "kubernetes_azure_scan_fingerprint", &aks_corpus());
    cloud::kubernetes_azure_scan_fingerprint(&rows);
}

#[test]
fn kubernetes_azure_pod_scan_fingerprint() {
    let rows = run("deprecated", "kubernetes_azure_pod_scan_fingerprint", &aks_corpus());
    cloud::kubernetes_azure_pod_scan_fingerprint(&rows);
}

#[test]
fn kubernetes_azure_detect_rbac_authorization_by_account() {
    let rows = run(
        "deprecated",
        "kubernetes_azure_detect_rbac_authorization_by_account",
        &aks_corpus(),
    );
    cloud::kubernetes_azure_detect_rbac_authorization_by_account(&rows);
}

#[test]
fn kubernetes_azure_detect_suspicious_kubectl_calls() {
    let rows = run(
        "deprecated",
        "kubernetes_azure_detect_suspicious_kubectl_calls",
        &aks_corpus(),
    );
    cloud::kubernetes_azure_detect_suspicious_kubectl_calls(&rows);
}

#[test]
fn kubernetes_azure_active_service_accounts_by_pod_namespace() {
    // The corpus's service-account records have no `responseStatus.status` and no
    // `properties.pod`, and `top` needs every field.
    assert!(
        run(
            "deprecated",
            "kubernetes_azure_active_service_accounts_by_pod_namespace",
            &aks_corpus()
        )
        .is_empty()
    );
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "deprecated",
        "kubernetes_azure_active_service_accounts_by_pod_namespace",
        &[aks_fixture(dir.path())],
    );
    cloud::kubernetes_azure_active_service_accounts_by_pod_namespace(&rows);
}

#[test]
fn kubernetes_azure_detect_sensitive_object_access() {
    // The corpus's secret reads have no RBAC decision, and the search wants `allow` (or the user
    // `system.anonymous`, spelt with a dot).
    assert!(
        run(
            "deprecated",
            "kubernetes_azure_detect_sensitive_object_access",
            &aks_corpus()
        )
        .is_empty()
    );
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "deprecated",
        "kubernetes_azure_detect_sensitive_object_access",
        &[aks_fixture(dir.path())],
    );
    cloud::kubernetes_azure_detect_sensitive_object_access(&rows);
}

#[test]
fn kubernetes_azure_detect_sensitive_role_access() {
    // The corpus's cluster-role records carry no `user.groups`: `dedup` drops them.
    assert!(
        run(
            "deprecated",
            "kubernetes_azure_detect_sensitive_role_access",
            &aks_corpus()
        )
        .is_empty()
    );
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "deprecated",
        "kubernetes_azure_detect_sensitive_role_access",
        &[aks_fixture(dir.path())],
    );
    cloud::kubernetes_azure_detect_sensitive_role_access(&rows);
}

#[test]
fn kubernetes_azure_detect_service_accounts_forbidden_failure_access() {
    // No service account of the corpus is refused.
    assert!(
        run(
            "deprecated",
            "kubernetes_azure_detect_service_accounts_forbidden_failure_access",
            &aks_corpus()
        )
        .is_empty()
    );
    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "deprecated",
        "kubernetes_azure_detect_service_accounts_forbidden_failure_access",
        &[aks_fixture(dir.path())],
    );
    cloud::kubernetes_azure_detect_service_accounts_forbidden_failure_access(&rows);
}

// ------------------------------------------------------------------------------------------------
// Kubernetes Events (`kube_objects_events`)
// ------------------------------------------------------------------------------------------------

#[test]
fn kubernetes_scanner_image_pulling_over_event_lists() {
    // The corpus's image pulls are of rancher, busybox and alpine images: nothing to report.
    let events = corpus().join("troubleshoot-k8s-events");
    assert!(
        run(
            "cloud",
            "kubernetes_scanner_image_pulling",
            std::slice::from_ref(&events)
        )
        .is_empty()
    );
    // `kubectl get events -o json` output with a kube-hunter pull: a plain core v1 EventList,
    // which Tripline nests under `object` as Splunk Connect for Kubernetes does.
    let list = json!({"kind": "EventList", "apiVersion": "v1", "metadata": {"resourceVersion": "9"}, "items": [{
        "metadata": {"name": "kube-hunter-x1.1", "namespace": "default", "creationTimestamp": "2026-11-21T11:00:00Z"},
        "involvedObject": {"kind": "Pod", "namespace": "default", "name": "kube-hunter-x1", "apiVersion": "v1", "fieldPath": "spec.containers{kube-hunter}"},
        "reason": "Pulling",
        "message": "Pulling image \"aquasec/kube-hunter:0.6.8\"",
        "source": {"component": "kubelet", "host": "worker-3"},
        "firstTimestamp": "2026-11-21T11:00:00Z",
        "lastTimestamp": "2026-11-21T11:00:00Z",
        "count": 1,
        "type": "Normal",
    }]});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.json");
    std::fs::write(&path, serde_json::to_string_pretty(&list).unwrap()).unwrap();
    let rows = run("cloud", "kubernetes_scanner_image_pulling", &[events, path]);
    assert_eq!(
        columns(
            &rows,
            &["host", "name", "namespace", "kind", "reason", "severity", "firstTime"]
        ),
        strings(&[&[
            "worker-3",
            "kube-hunter-x1",
            "default",
            "Pod",
            "Pulling",
            "high",
            "2026-11-21T11:00:00"
        ]])
    );
}

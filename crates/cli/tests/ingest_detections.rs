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

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value, json};

fn corpus() -> PathBuf {
    std::env::var_os("TRIPLINE_CORPUS").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus")),
        PathBuf::from,
    )
}

/// The detection's `search:`, exactly as the YAML holds it (`dir` is `cloud` or `deprecated`).
fn detection_search(dir: &str, detection: &str) -> String {
    let path = corpus()
        .join("security_content/detections")
        .join(dir)
        .join(format!("{detection}.yml"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    tripline_content::searches_from_yaml(&path, &text)
        .unwrap()
        .unwrap_or_else(|| panic!("{} has no search", path.display()))
        .text
}

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

fn field<'a>(row: &'a Map<String, Value>, name: &str) -> &'a Value {
    row.get(name).unwrap_or(&Value::Null)
}

/// The values of `names` in each row, as strings (a multivalue joined with `|`).
fn columns(rows: &[Map<String, Value>], names: &[&str]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            names
                .iter()
                .map(|n| match field(r, n) {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .iter()
                        .map(|v| v.as_str().unwrap_or("?").to_string())
                        .collect::<Vec<_>>()
                        .join("|"),
                    Value::Null => "-".to_string(),
                    v => v.to_string(),
                })
                .collect()
        })
        .collect()
}

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| (*s).to_string()).collect())
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Corpus files per shape
// ------------------------------------------------------------------------------------------------

fn eks_corpus() -> Vec<PathBuf> {
    vec![corpus().join("panther-analysis-k8s/amazon_eks_audit.ndjson")]
}

fn gke_corpus() -> Vec<PathBuf> {
    let elastic = corpus().join("elastic-integrations-k8s-audit");
    vec![
        corpus().join("panther-analysis-k8s/gcp_auditlog.ndjson"),
        elastic.join("gcp_test-audit.k8s-subset.log"),
        elastic.join("gcp_test-k8s-nonmatching-resourcename.log"),
        elastic.join("k8s_test-audit.log"),
    ]
}

fn aks_corpus() -> Vec<PathBuf> {
    let elastic = corpus().join("elastic-integrations-k8s-audit");
    vec![
        corpus().join("panther-analysis-k8s/azure_monitoractivity.ndjson"),
        elastic.join("k8s_test-audit.log"),
        elastic.join("k8s_test-kube-audit.log"),
    ]
}

// ------------------------------------------------------------------------------------------------
// Hand-written events in the cloud envelopes
// ------------------------------------------------------------------------------------------------

/// An audit event as the API server writes it.
fn audit(
    (user, groups): (&str, &[&str]),
    verb: &str,
    uri: &str,
    resource: &str,
    ip: &str,
    status: &Value,
    extra: Value,
) -> Value {
    let mut e = json!({
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "Metadata",
        "auditID": format!("{user}-{verb}-{resource}"),
        "stage": "ResponseComplete",
        "requestURI": uri,
        "verb": verb,
        "user": {"username": user, "groups": groups},
        "sourceIPs": [ip],
        "userAgent": "kubectl/v1.31.0",
        "objectRef": {"resource": resource, "apiVersion": "v1"},
        "responseStatus": status,
        "requestReceivedTimestamp": "2026-11-21T08:00:00.000000Z",
        "stageTimestamp": "2026-11-21T08:00:00.010000Z",
    });
    if let (Value::Object(e), Value::Object(extra)) = (&mut e, extra) {
        e.extend(extra);
    }
    e
}

fn ok() -> Value {
    json!({"metadata": {}, "code": 200})
}

fn forbidden() -> Value {
    json!({"metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403})
}

fn rbac(decision: &str, reason: &str) -> Value {
    json!({"annotations": {"authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": reason}})
}

/// The EKS audit events, as a Firehose transformation batch of two records, each a gzipped
/// CloudWatch Logs subscription envelope from the cluster's log group.
fn eks_fixture(dir: &Path) -> PathBuf {
    let sa = [
        "system:serviceaccounts",
        "system:serviceaccounts:ci",
        "system:authenticated",
    ];
    let events = [
        // An anonymous scanner listing every pod.
        audit(
            ("system:anonymous", &["system:unauthenticated"]),
            "list",
            "/api/v1/pods",
            "pods",
            "198.51.100.23",
            &forbidden(),
            json!({}),
        ),
        // A person reading a secret, and a loopback read the searches leave out.
        audit(
            ("alice", &["devs", "system:authenticated"]),
            "get",
            "/api/v1/namespaces/prod/secrets/db",
            "secrets",
            "198.51.100.30",
            &ok(),
            rbac("allow", "RBAC: allowed by RoleBinding \"readers/prod\""),
        ),
        audit(
            ("alice", &["devs", "system:authenticated"]),
            "get",
            "/api/v1/namespaces/prod/secrets/db",
            "secrets",
            "127.0.0.1",
            &ok(),
            json!({}),
        ),
        // A CI service account: busy with pods, then refused cluster roles.
        audit(
            ("system:serviceaccount:ci:deployer", &sa),
            "list",
            "/api/v1/namespaces/ci/pods",
            "pods",
            "10.0.3.4",
            &ok(),
            rbac("allow", "RBAC: allowed by RoleBinding \"deployer/ci\""),
        ),
        audit(
            ("system:serviceaccount:ci:deployer", &sa),
            "create",
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            "clusterrolebindings",
            "10.0.3.4",
            &forbidden(),
            rbac("forbid", ""),
        ),
    ];
    let envelope = |events: &[Value], first_id: usize| {
        let log_events: Vec<Value> = events
            .iter()
            .enumerate()
            .map(|(i, e)| json!({"id": (first_id + i).to_string(), "timestamp": 1_795_248_000_000_i64 + i as i64, "message": e.to_string()}))
            .collect();
        json!({
            "messageType": "DATA_MESSAGE",
            "owner": "111122223333",
            "logGroup": "/aws/eks/prod-eu/cluster",
            "logStream": "kube-apiserver-audit-5f1d",
            "subscriptionFilters": ["to-firehose"],
            "logEvents": log_events,
        })
        .to_string()
    };
    let record = |body: String, id: &str| json!({"recordId": id, "approximateArrivalTimestamp": 1_795_248_001_000_i64, "data": tripline_ingest::encode_base64(&tripline_ingest::encode_gzip(body.as_bytes()))});
    let batch = json!({
        "invocationId": "b1",
        "deliveryStreamArn": "arn:aws:firehose:eu-west-1:111122223333:deliverystream/eks-audit",
        "region": "eu-west-1",
        "records": [record(envelope(&events[..2], 0), "r1"), record(envelope(&events[2..], 2), "r2")],
    });
    let path = dir.join("eks-firehose.json");
    std::fs::write(&path, serde_json::to_string_pretty(&batch).unwrap()).unwrap();
    path
}

/// GKE audit entries: two Pub/Sub push messages (base64 data) and one bare LogEntry.
fn gke_fixture(dir: &Path) -> PathBuf {
    let entry = |ip: &str, method: &str, resource: &str| {
        json!({
            "insertId": format!("{ip}-{method}"),
            "labels": {"authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": ""},
            "logName": "projects/shop/logs/cloudaudit.googleapis.com%2Fdata_access",
            "operation": {"first": true, "last": true, "id": "op", "producer": "k8s.io"},
            "protoPayload": {
                "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                "authenticationInfo": {"principalEmail": "system:anonymous"},
                "authorizationInfo": [{"granted": false, "permission": format!("io.k8s.{method}"), "resource": resource}],
                "methodName": format!("io.k8s.{method}"),
                "requestMetadata": {"callerIp": ip, "callerSuppliedUserAgent": "python-requests/2.31.0"},
                "resourceName": resource,
                "serviceName": "k8s.io",
                "status": {"code": 7, "message": "PERMISSION_DENIED"},
            },
            "receiveTimestamp": "2026-11-21T09:00:01.000000Z",
            "resource": {"type": "k8s_cluster", "labels": {"cluster_name": "shop-prod", "location": "europe-west1", "project_id": "shop"}},
            "severity": "NOTICE",
            "timestamp": "2026-11-21T09:00:00.000000Z",
        })
    };
    let push = |e: Value, id: &str| {
        json!({
            "message": {"attributes": {"logging.googleapis.com/timestamp": "2026-11-21T09:00:00Z"}, "data": tripline_ingest::encode_base64(e.to_string().as_bytes()), "messageId": id, "publishTime": "2026-11-21T09:00:02Z"},
            "subscription": "projects/shop/subscriptions/gke-audit",
        })
    };
    let lines = [
        push(
            entry("203.0.113.50", "core.v1.namespaces.list", "core/v1/namespaces"),
            "1",
        ),
        push(entry("203.0.113.50", "core.v1.secrets.list", "core/v1/secrets"), "2"),
        // Loopback: left out by the search.
        push(entry("127.0.0.1", "core.v1.pods.list", "core/v1/pods"), "3"),
        entry("203.0.113.51", "get", "version"),
    ];
    let path = dir.join("gke.ndjson");
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&path, text.join("\n")).unwrap();
    path
}

/// AKS kube-audit records as an Event Hub batch, `properties.log` as a string (and one as an
/// object, as some exporters write it).
fn aks_fixture(dir: &Path) -> PathBuf {
    let sa = [
        "system:serviceaccounts",
        "system:serviceaccounts:kube-system",
        "system:authenticated",
    ];
    let logs = [
        audit(
            ("system:serviceaccount:kube-system:scanner", &sa),
            "list",
            "/api/v1/namespaces/kube-system/secrets",
            "secrets",
            "10.244.1.9",
            &forbidden(),
            json!({
                "objectRef": {"resource": "secrets", "namespace": "kube-system", "apiVersion": "v1"},
                "annotations": {"authorization.k8s.io/decision": "forbid", "authorization.k8s.io/reason": ""},
            }),
        ),
        audit(
            ("bob", &["system:authenticated"]),
            "get",
            "/api/v1/namespaces/web/configmaps/site",
            "configmaps",
            "52.160.10.20",
            &ok(),
            rbac("allow", "RBAC: allowed by ClusterRoleBinding \"view\""),
        ),
        audit(
            ("bob", &["system:authenticated"]),
            "get",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin",
            "clusterroles",
            "52.160.10.20",
            &ok(),
            rbac("allow", "RBAC: allowed by ClusterRoleBinding \"view\""),
        ),
    ];
    let record = |log: Value, as_string: bool| {
        json!({
            "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
            "category": "kube-audit",
            "ccpNamespace": "6543",
            "resourceId": "/SUBSCRIPTIONS/0000/RESOURCEGROUPS/SHOP/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/SHOP-AKS",
            "properties": {"log": if as_string { Value::String(log.to_string()) } else { log }, "stream": "stdout", "pod": "kube-apiserver-7d9c"},
            "time": "2026-11-21T10:00:00.0000000Z",
        })
    };
    let [a, b, c] = logs;
    let batch = json!({"records": [record(a, true), record(b, false), record(c, true)]});
    let path = dir.join("aks-eventhub.json");
    std::fs::write(&path, batch.to_string()).unwrap();
    path
}

// ------------------------------------------------------------------------------------------------
// EKS (`aws_cloudwatchlogs_eks`)
// ------------------------------------------------------------------------------------------------

#[test]
fn amazon_eks_kubernetes_cluster_scan_detection() {
    // Panther's EKS fixtures hold 12 anonymous events; the search keeps those with a user agent
    // and groups and splits by source IP: the `python-requests` scanner asking for /version and
    // the phpunit probe that got a 403.
    let rows = run("cloud", "amazon_eks_kubernetes_cluster_scan_detection", &eks_corpus());
    assert_eq!(
        columns(
            &rows,
            &[
                "src_ip",
                "user.username",
                "user.groups{}",
                "http_user_agent",
                "values(requestURI)",
                "values(responseStatus.code)"
            ]
        ),
        strings(&[
            &[
                "44.238.138.237",
                "system:anonymous",
                "system:unauthenticated",
                "python-requests/2.31.0",
                "/version",
                "200"
            ],
            &[
                "8.216.81.10",
                "system:anonymous",
                "system:unauthenticated",
                "Custom-AsyncHttpClient",
                "/vendor/phpunit/src/Util/PHP/eval-stdin.php",
                "403"
            ],
        ])
    );
    // One audit event per line has no log group: the source is the file.
    assert!(
        field(&rows[0], "cluster_name")
            .as_str()
            .unwrap()
            .ends_with("amazon_eks_audit.ndjson")
    );
    assert_eq!(field(&rows[0], "firstTime"), "2024-11-13T18:34:10");

    let dir = tempfile::tempdir().unwrap();
    let rows = run(
        "cloud",
        "amazon_eks_kubernetes_cluster_scan_detection",
        &[eks_fixture(dir.path())],
    );
    assert_eq!(
        columns(&rows, &["src_ip", "cluster_name", "count"]),
        strings(&[&["198.51.100.23", "/aws/eks/prod-eu/cluster", "1"]])
    );
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
    // `cluster_name` is the CloudWatch log group (`rename source as cluster_name`); the time is
    // the CloudWatch timestamp.
    assert_eq!(
        columns(
            &rows,
            &[
                "src_ip",
                "cluster_name",
                "user.username",
                "values(responseStatus.code)",
                "firstTime"
            ]
        ),
        strings(&[&[
            "198.51.100.23",
            "/aws/eks/prod-eu/cluster",
            "system:anonymous",
            "403",
            "2026-11-21T08:00:00"
        ]])
    );
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
    assert_eq!(
        columns(
            &rows,
            &["sourceIPs{}", "user.username", "user.groups{}", "objectRef.resource"]
        ),
        strings(&[&["198.51.100.30", "alice", "devs|system:authenticated", "secrets"]])
    );
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
    assert_eq!(
        columns(
            &rows,
            &[
                "sourceIPs{}",
                "user.username",
                "verb",
                "annotations.authorization.k8s.io/decision",
                "count"
            ]
        ),
        strings(&[&["10.0.3.4", "system:serviceaccount:ci:deployer", "list", "allow", "1"]])
    );
}

#[test]
fn kubernetes_aws_detect_rbac_authorization_by_account() {
    // Every (user, RBAC reason) pair of the corpus, each rare.
    let rows = run(
        "deprecated",
        "kubernetes_aws_detect_rbac_authorization_by_account",
        &eks_corpus(),
    );
    let mut pairs = columns(&rows, &["user.username", "annotations.authorization.k8s.io/reason"]);
    pairs.sort();
    assert_eq!(pairs.len(), 10, "{pairs:?}");
    assert!(pairs.contains(&vec![
        "system:anonymous".to_string(),
        "RBAC: allowed by ClusterRoleBinding system:public-info-viewer".to_string()
    ]));
    assert!(pairs.iter().any(|p| p[0] == "eks:addon-manager"));
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
    assert_eq!(
        columns(&rows, &["sourceIPs{}", "user.username", "requestURI"]),
        strings(&[&[
            "10.0.3.4",
            "system:serviceaccount:ci:deployer",
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
        ]])
    );
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
    assert_eq!(
        columns(
            &rows,
            &["sourceIPs{}", "user.username", "verb", "responseStatus.status"]
        ),
        strings(&[&["10.0.3.4", "system:serviceaccount:ci:deployer", "create", "Failure"]])
    );
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
    assert_eq!(
        columns(
            &rows,
            &[
                "src_ip",
                "cluster_name",
                "count",
                "method_name",
                "http_user_agent",
                "firstTime"
            ]
        ),
        strings(&[
            &[
                "203.0.113.50",
                "shop-prod",
                "2",
                "io.k8s.core.v1.namespaces.list|io.k8s.core.v1.secrets.list",
                "python-requests/2.31.0",
                "2026-11-21T09:00:00"
            ],
            &[
                "203.0.113.51",
                "shop-prod",
                "1",
                "io.k8s.get",
                "python-requests/2.31.0",
                "2026-11-21T09:00:00"
            ],
        ])
    );
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
    // The one 401 of the corpus: a compromised user reading secrets.
    let rows = run("deprecated", "kubernetes_azure_scan_fingerprint", &aks_corpus());
    assert_eq!(
        columns(&rows, &["sourceIPs{}", "verb", "requestURI"]),
        strings(&[&["1.2.3.4", "get", "-"]])
    );
}

#[test]
fn kubernetes_azure_pod_scan_fingerprint() {
    let rows = run("deprecated", "kubernetes_azure_pod_scan_fingerprint", &aks_corpus());
    assert_eq!(
        columns(&rows, &["sourceIPs{}", "verb", "properties.pod"]),
        strings(&[&["1.2.3.4", "get", "-"]])
    );
}

#[test]
fn kubernetes_azure_detect_rbac_authorization_by_account() {
    // Only elastic's kube-audit record carries an RBAC reason (empty); panther's carry none, and
    // the record with one in an object `properties.log` is kube-audit-admin.
    let rows = run(
        "deprecated",
        "kubernetes_azure_detect_rbac_authorization_by_account",
        &aks_corpus(),
    );
    assert_eq!(
        columns(
            &rows,
            &["user.username", "annotations.authorization.k8s.io/reason", "count"]
        ),
        strings(&[&["aksService", "", "1"]])
    );
}

#[test]
fn kubernetes_azure_detect_suspicious_kubectl_calls() {
    // Three kubectl requests; the exec has two source IPs and two groups: four rows for it.
    let rows = run(
        "deprecated",
        "kubernetes_azure_detect_suspicious_kubectl_calls",
        &aks_corpus(),
    );
    let mut got = columns(&rows, &["sourceIPs{}", "verb", "user.groups{}", "objectRef.resource"]);
    got.sort();
    assert_eq!(
        got,
        strings(&[
            &["10.0.0.1", "create", "system:authenticated", "pods"],
            &["10.0.0.1", "get", "system:unauthenticated", "pods"],
            &["172.31.52.37", "get", "system:authenticated", "pods"],
            &["172.31.52.37", "get", "system:masters", "pods"],
            &["20.43.245.209", "get", "system:authenticated", "pods"],
            &["20.43.245.209", "get", "system:masters", "pods"],
        ])
    );
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
    assert_eq!(
        columns(
            &rows,
            &[
                "sourceIPs{}",
                "user.username",
                "verb",
                "responseStatus.status",
                "properties.pod",
                "objectRef.namespace"
            ]
        ),
        strings(&[&[
            "10.244.1.9",
            "system:serviceaccount:kube-system:scanner",
            "list",
            "Failure",
            "kube-apiserver-7d9c",
            "kube-system"
        ]])
    );
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
    // The configmap read is in a record whose `properties.log` was an object.
    let rows = run(
        "deprecated",
        "kubernetes_azure_detect_sensitive_object_access",
        &[aks_fixture(dir.path())],
    );
    assert_eq!(
        columns(&rows, &["user.username", "objectRef.resource", "objectRef.namespace"]),
        strings(&[&["bob", "configmaps", "-"]])
    );
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
    assert_eq!(
        columns(&rows, &["sourceIPs{}", "user.username", "requestURI"]),
        strings(&[&[
            "52.160.10.20",
            "bob",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin"
        ]])
    );
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
    assert_eq!(
        columns(
            &rows,
            &[
                "sourceIPs{}",
                "user.username",
                "responseStatus.reason",
                "properties.pod"
            ]
        ),
        strings(&[&[
            "10.244.1.9",
            "system:serviceaccount:kube-system:scanner",
            "Forbidden",
            "kube-apiserver-7d9c"
        ]])
    );
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

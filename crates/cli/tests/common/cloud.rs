//! The EKS, GKE and AKS detections' data — the corpus files of each log shape, and hand-written
//! events in the cloud envelopes Splunk's add-ons read (a Firehose batch of gzipped CloudWatch
//! envelopes, Pub/Sub push messages, an Event Hub batch of AKS records) — and, for each detection
//! and the data that holds what it looks for, the rows it gives (ingest_detections.rs runs them
//! through `tripline search`, hunt_corpus.rs through `tripline hunt`).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::{columns, corpus, field, strings};

// ------------------------------------------------------------------------------------------------
// Corpus files per shape
// ------------------------------------------------------------------------------------------------

pub(crate) fn eks_corpus() -> Vec<PathBuf> {
    vec![corpus().join("panther-analysis-k8s/amazon_eks_audit.ndjson")]
}

pub(crate) fn gke_corpus() -> Vec<PathBuf> {
    let elastic = corpus().join("elastic-integrations-k8s-audit");
    vec![
        corpus().join("panther-analysis-k8s/gcp_auditlog.ndjson"),
        elastic.join("gcp_test-audit.k8s-subset.log"),
        elastic.join("gcp_test-k8s-nonmatching-resourcename.log"),
        elastic.join("k8s_test-audit.log"),
    ]
}

pub(crate) fn aks_corpus() -> Vec<PathBuf> {
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
pub(crate) fn audit(
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

pub(crate) fn ok() -> Value {
    json!({"metadata": {}, "code": 200})
}

pub(crate) fn forbidden() -> Value {
    json!({"metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403})
}

pub(crate) fn rbac(decision: &str, reason: &str) -> Value {
    json!({"annotations": {"authorization.k8s.io/decision": decision, "authorization.k8s.io/reason": reason}})
}

/// The EKS audit events, as a Firehose transformation batch of two records, each a gzipped
/// CloudWatch Logs subscription envelope from the cluster's log group.
pub(crate) fn eks_fixture(dir: &Path) -> PathBuf {
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
pub(crate) fn gke_fixture(dir: &Path) -> PathBuf {
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
pub(crate) fn aks_fixture(dir: &Path) -> PathBuf {
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
// Expected rows, per detection and data
// ------------------------------------------------------------------------------------------------

/// Result rows, fields looked up by name.
type Rows<'a> = &'a [Map<String, Value>];

/// Amazon EKS Kubernetes Cluster Scan Detection over [`eks_corpus`].
pub(crate) fn amazon_eks_kubernetes_cluster_scan_detection_corpus(rows: Rows<'_>) {
    // Panther's EKS fixtures hold 12 anonymous events; the search keeps those with a user agent
    // and groups and splits by source IP: the `python-requests` scanner asking for /version and
    // the phpunit probe that got a 403.
    assert_eq!(
        columns(
            rows,
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
}

/// Amazon EKS Kubernetes Cluster Scan Detection over [`eks_fixture`].
pub(crate) fn amazon_eks_kubernetes_cluster_scan_detection_fixture(rows: Rows<'_>) {
    assert_eq!(
        columns(rows, &["src_ip", "cluster_name", "count"]),
        strings(&[&["198.51.100.23", "/aws/eks/prod-eu/cluster", "1"]])
    );
}

/// Amazon EKS Kubernetes Pod Scan Detection over [`eks_fixture`].
pub(crate) fn amazon_eks_kubernetes_pod_scan_detection(rows: Rows<'_>) {
    // `cluster_name` is the CloudWatch log group (`rename source as cluster_name`); the time is
    // the CloudWatch timestamp.
    assert_eq!(
        columns(
            rows,
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

/// AWS EKS Kubernetes cluster sensitive object access over [`eks_fixture`].
pub(crate) fn aws_eks_kubernetes_cluster_sensitive_object_access(rows: Rows<'_>) {
    assert_eq!(
        columns(
            rows,
            &["sourceIPs{}", "user.username", "user.groups{}", "objectRef.resource"]
        ),
        strings(&[&["198.51.100.30", "alice", "devs|system:authenticated", "secrets"]])
    );
}

/// Kubernetes AWS detect most active service accounts by pod over [`eks_fixture`].
pub(crate) fn kubernetes_aws_detect_most_active_service_accounts_by_pod(rows: Rows<'_>) {
    assert_eq!(
        columns(
            rows,
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

/// Kubernetes AWS detect RBAC authorization by account over [`eks_corpus`].
pub(crate) fn kubernetes_aws_detect_rbac_authorization_by_account(rows: Rows<'_>) {
    // Every (user, RBAC reason) pair of the corpus, each rare.
    let mut pairs = columns(rows, &["user.username", "annotations.authorization.k8s.io/reason"]);
    pairs.sort();
    assert_eq!(pairs.len(), 10, "{pairs:?}");
    assert!(pairs.contains(&vec![
        "system:anonymous".to_string(),
        "RBAC: allowed by ClusterRoleBinding system:public-info-viewer".to_string()
    ]));
    assert!(pairs.iter().any(|p| p[0] == "eks:addon-manager"));
}

/// Kubernetes AWS detect sensitive role access over [`eks_fixture`].
pub(crate) fn kubernetes_aws_detect_sensitive_role_access(rows: Rows<'_>) {
    assert_eq!(
        columns(rows, &["sourceIPs{}", "user.username", "requestURI"]),
        strings(&[&[
            "10.0.3.4",
            "system:serviceaccount:ci:deployer",
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
        ]])
    );
}

/// Kubernetes AWS detect service accounts forbidden failure access over [`eks_fixture`].
pub(crate) fn kubernetes_aws_detect_service_accounts_forbidden_failure_access(rows: Rows<'_>) {
    assert_eq!(
        columns(rows, &["sourceIPs{}", "user.username", "verb", "responseStatus.status"]),
        strings(&[&["10.0.3.4", "system:serviceaccount:ci:deployer", "create", "Failure"]])
    );
}

/// GCP Kubernetes cluster scan detection over [`gke_fixture`].
pub(crate) fn gcp_kubernetes_cluster_scan_detection(rows: Rows<'_>) {
    assert_eq!(
        columns(
            rows,
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

/// Kubernetes Azure scan fingerprint over [`aks_corpus`].
pub(crate) fn kubernetes_azure_scan_fingerprint(rows: Rows<'_>) {
    // The one 401 of the corpus: a compromised user reading secrets.
    assert_eq!(
        columns(rows, &["sourceIPs{}", "verb", "requestURI"]),
        strings(&[&["1.2.3.4", "get", "-"]])
    );
}

/// Kubernetes Azure pod scan fingerprint over [`aks_corpus`].
pub(crate) fn kubernetes_azure_pod_scan_fingerprint(rows: Rows<'_>) {
    assert_eq!(
        columns(rows, &["sourceIPs{}", "verb", "properties.pod"]),
        strings(&[&["1.2.3.4", "get", "-"]])
    );
}

/// Kubernetes Azure detect RBAC authorization by account over [`aks_corpus`].
pub(crate) fn kubernetes_azure_detect_rbac_authorization_by_account(rows: Rows<'_>) {
    // Only elastic's kube-audit record carries an RBAC reason (empty); panther's carry none, and
    // the record with one in an object `properties.log` is kube-audit-admin.
    assert_eq!(
        columns(
            rows,
            &["user.username", "annotations.authorization.k8s.io/reason", "count"]
        ),
        strings(&[&["aksService", "", "1"]])
    );
}

/// Kubernetes Azure detect suspicious kubectl calls over [`aks_corpus`].
pub(crate) fn kubernetes_azure_detect_suspicious_kubectl_calls(rows: Rows<'_>) {
    // Three kubectl requests; the exec has two source IPs and two groups: four rows for it.
    let mut got = columns(rows, &["sourceIPs{}", "verb", "user.groups{}", "objectRef.resource"]);
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

/// Kubernetes Azure active service accounts by pod namespace over [`aks_fixture`].
pub(crate) fn kubernetes_azure_active_service_accounts_by_pod_namespace(rows: Rows<'_>) {
    assert_eq!(
        columns(
            rows,
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

/// Kubernetes Azure detect sensitive object access over [`aks_fixture`].
pub(crate) fn kubernetes_azure_detect_sensitive_object_access(rows: Rows<'_>) {
    // The configmap read is in a record whose `properties.log` was an object.
    assert_eq!(
        columns(rows, &["user.username", "objectRef.resource", "objectRef.namespace"]),
        strings(&[&["bob", "configmaps", "-"]])
    );
}

/// Kubernetes Azure detect sensitive role access over [`aks_fixture`].
pub(crate) fn kubernetes_azure_detect_sensitive_role_access(rows: Rows<'_>) {
    assert_eq!(
        columns(rows, &["sourceIPs{}", "user.username", "requestURI"]),
        strings(&[&[
            "52.160.10.20",
            "bob",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin"
        ]])
    );
}

/// Kubernetes Azure detect service accounts forbidden failure access over [`aks_fixture`].
pub(crate) fn kubernetes_azure_detect_service_accounts_forbidden_failure_access(rows: Rows<'_>) {
    assert_eq!(
        columns(
            rows,
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

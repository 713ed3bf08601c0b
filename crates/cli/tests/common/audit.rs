//! The hand-made audit events of `tests/fixtures/detections/` and the rows each production
//! audit-only detection gives over them (detections.rs runs them through `tripline search`,
//! hunt_corpus.rs through `tripline hunt`).
//!
//! Every expected row set was predicted by hand from Splunk's semantics before Tripline ran it;
//! the reasoning sits above each set, and the rules it follows are listed at the top of
//! detections.rs.

use serde_json::{Value, json};

use super::{Row, table};

// ------------------------------------------------------------------------------------------------
// Values shared by the fixtures
// ------------------------------------------------------------------------------------------------

const KUBECTL: &str = "kubectl/v1.30.2 (linux/amd64) kubernetes/3968350";
const KUBECTL_MAC: &str = "kubectl/v1.29.4 (darwin/arm64) kubernetes/55c2a19";
const KUBELET: &str = "kubelet/v1.30.4 (linux/amd64) kubernetes/ccea5fd";
const AUTHENTICATED: &str = "system:authenticated";
const DONE: &str = "ResponseComplete";

/// The BY list of Abuse of Secret (×3), Pod Created in Default Namespace, Suspicious Image
/// Pulling and AWS Detect Suspicious Kubectl Calls, then `count`; `rename sourceIPs{} as src_ip,
/// user.username as user` renames two columns in place.
const REQUEST_COLUMNS: &[&str] = &[
    "objectRef.name",
    "objectRef.namespace",
    "objectRef.resource",
    "requestReceivedTimestamp",
    "requestURI",
    "responseStatus.code",
    "src_ip",
    "stage",
    "user.groups{}",
    "user.uid",
    "user",
    "userAgent",
    "verb",
    "count",
];

// ------------------------------------------------------------------------------------------------
// Abuse of Secret by Unusual User Agent / User Group / User Name (secrets.jsonl)
//
// `kube_audit` objectRef.resource=secrets verb=get | search NOT `kube_allowed_...` | fillnull
// | stats count by <REQUEST_COLUMNS> | rename ...
//
// The fixture: eight secret reads (E1-E8, below) and four events the first search drops: a
// `list` of secrets, a `get` of a configmap, a controller's `watch` of secrets and Helm's
// `create` of a release secret. All eight reads are Metadata-level `get`s answered 200.
// ------------------------------------------------------------------------------------------------

/// One `get` of a secret in secrets.jsonl.
struct SecretRead {
    name: &'static str,
    namespace: &'static str,
    received: &'static str,
    uid: &'static str,
    user: &'static str,
    user_agent: &'static str,
    verb: &'static str,
}

/// E1 alice, groups [developers, system:authenticated], one IP 203.0.113.10.
const E1: SecretRead = SecretRead {
    name: "db-credentials",
    namespace: "payments",
    received: "2026-11-21T08:15:02.114520Z",
    uid: "aws-iam-authenticator:111122223333:AIDAEXAMPLEALICE01",
    user: "alice",
    user_agent: KUBECTL,
    verb: "get",
};
/// E2 helm-ci with the allow-listed user agent `Helm/3.13.2`; groups [system:authenticated].
const E2: SecretRead = SecretRead {
    name: "sh.helm.release.v1.storefront.v7",
    namespace: "storefront",
    received: "2026-11-21T08:20:11.402913Z",
    uid: "aws-iam-authenticator:111122223333:AROAEXAMPLEHELMCI01",
    user: "helm-ci",
    user_agent: "Helm/3.13.2",
    verb: "get",
};
/// E3 carol, in the allow-listed group: groups [admin, system:authenticated].
const E3: SecretRead = SecretRead {
    name: "grafana-admin",
    namespace: "monitoring",
    received: "2026-11-21T08:31:45.007731Z",
    uid: "aws-iam-authenticator:111122223333:AIDAEXAMPLECAROL01",
    user: "carol",
    user_agent: KUBECTL,
    verb: "get",
};
/// E4 the allow-listed user name `admin`; groups [system:masters, system:authenticated].
const E4: SecretRead = SecretRead {
    name: "aws-load-balancer-tls",
    namespace: "kube-system",
    received: "2026-11-21T08:42:19.660102Z",
    uid: "aws-iam-authenticator:111122223333:AIDAEXAMPLEADMIN01",
    user: "admin",
    user_agent: KUBECTL_MAC,
    verb: "get",
};
/// E5 deploy-bot: user agent `helm/3.13.2` and group `Admin`, case variants of allow-listed
/// values; groups [Admin, system:authenticated].
const E5: SecretRead = SecretRead {
    name: "sh.helm.release.v1.checkout.v2",
    namespace: "checkout",
    received: "2026-11-21T09:03:57.218444Z",
    uid: "aws-iam-authenticator:111122223333:AROAEXAMPLEDEPLOY01",
    user: "deploy-bot",
    user_agent: "helm/3.13.2",
    verb: "get",
};
/// E6 dave from two IPs [198.51.100.7, 10.0.0.12]; verb hand-edited to `GET`; groups
/// [system:authenticated].
const E6: SecretRead = SecretRead {
    name: "registry-pull-secret",
    namespace: "default",
    received: "2026-11-21T09:17:30.871265Z",
    uid: "aws-iam-authenticator:111122223333:AIDAEXAMPLEDAVE01",
    user: "dave",
    user_agent: KUBECTL,
    verb: "GET",
};
/// E7 svc-backup, a client-certificate user: no `user.uid` and no `userAgent` in the event.
/// Both columns read "0": other results of every set have them, so fillnull fills them.
const E7: SecretRead = SecretRead {
    name: "etcd-backup-key",
    namespace: "kube-system",
    received: "2026-11-21T09:26:08.093377Z",
    uid: "0",
    user: "svc-backup",
    user_agent: "0",
    verb: "get",
};
/// E8 `Admin`, a case variant of the allow-listed user name; groups [system:authenticated].
const E8: SecretRead = SecretRead {
    name: "vault-unseal-keys",
    namespace: "vault",
    received: "2026-11-21T09:38:14.552870Z",
    uid: "static-token-7",
    user: "Admin",
    user_agent: KUBECTL,
    verb: "get",
};

/// The row for one (source IP, group) of a secret read; each is counted once.
fn secret_row(e: &SecretRead, ip: &str, group: &str) -> Value {
    json!([
        e.name,
        e.namespace,
        "secrets",
        e.received,
        format!("/api/v1/namespaces/{}/secrets/{}", e.namespace, e.name),
        "200",
        ip,
        DONE,
        group,
        e.uid,
        e.user,
        e.user_agent,
        e.verb,
        1
    ])
}

/// Unusual User Agent: `NOT userAgent=Helm/3.13.2`.
#[rustfmt::skip] // one expected row per line or two
pub(crate) fn abuse_of_secret_by_unusual_user_agent_rows() -> Vec<Row> {
    // Dropped: E2 (Helm/3.13.2) and E5 (helm/3.13.2: the comparison ignores case).
    // Kept: E7 has no userAgent at all, and NOT keeps events without the field.
    // The rest split into one row per group (and per IP for E6), sorted by objectRef.name, then
    // by IP, then by group: E4 aws-load-balancer-tls < E1 db-credentials < E7 etcd-backup-key
    // < E3 grafana-admin < E6 registry-pull-secret < E8 vault-unseal-keys. E4's groups sort as
    // system:authenticated < system:masters, the reverse of the event; E6's IPs as
    // 10.0.0.12 < 198.51.100.7, also the reverse; E6 keeps its verb GET.
    table(
        REQUEST_COLUMNS,
        vec![
            secret_row(&E4, "198.51.100.2", AUTHENTICATED),
            secret_row(&E4, "198.51.100.2", "system:masters"),
            secret_row(&E1, "203.0.113.10", "developers"),
            secret_row(&E1, "203.0.113.10", AUTHENTICATED),
            secret_row(&E7, "10.0.9.3", AUTHENTICATED),
            secret_row(&E3, "203.0.113.44", "admin"),
            secret_row(&E3, "203.0.113.44", AUTHENTICATED),
            secret_row(&E6, "10.0.0.12", AUTHENTICATED),
            secret_row(&E6, "198.51.100.7", AUTHENTICATED),
            secret_row(&E8, "198.51.100.3", AUTHENTICATED),
        ],
    )
}

/// Unusual User Group: `NOT user.groups{} IN (admin)`.
#[rustfmt::skip] // one expected row per line or two
pub(crate) fn abuse_of_secret_by_unusual_user_group_rows() -> Vec<Row> {
    // Dropped: E3 (one of its groups is admin: a multivalue field matches when any value does)
    // and E5 (Admin, case ignored). E4's system:masters is not admin, so E4 stays.
    // E2's Helm user agent is no reason to drop it here. Sorted by objectRef.name:
    // aws-load-balancer-tls < db-credentials < etcd-backup-key < registry-pull-secret
    // < sh.helm.release.v1.storefront.v7 < vault-unseal-keys.
    table(
        REQUEST_COLUMNS,
        vec![
            secret_row(&E4, "198.51.100.2", AUTHENTICATED),
            secret_row(&E4, "198.51.100.2", "system:masters"),
            secret_row(&E1, "203.0.113.10", "developers"),
            secret_row(&E1, "203.0.113.10", AUTHENTICATED),
            secret_row(&E7, "10.0.9.3", AUTHENTICATED),
            secret_row(&E6, "10.0.0.12", AUTHENTICATED),
            secret_row(&E6, "198.51.100.7", AUTHENTICATED),
            secret_row(&E2, "10.0.4.21", AUTHENTICATED),
            secret_row(&E8, "198.51.100.3", AUTHENTICATED),
        ],
    )
}

/// Unusual User Name: `NOT user.username=admin`.
#[rustfmt::skip] // one expected row per line or two
pub(crate) fn abuse_of_secret_by_unusual_user_name_rows() -> Vec<Row> {
    // Dropped: E4 (admin) and E8 (Admin, case ignored). E3 and E5 (group admin/Admin) stay.
    // E5's groups sort as Admin < system:authenticated (upper case before lower case).
    // Sorted by objectRef.name: db-credentials < etcd-backup-key < grafana-admin
    // < registry-pull-secret < sh.helm.release.v1.checkout.v2 < sh.helm.release.v1.storefront.v7.
    table(
        REQUEST_COLUMNS,
        vec![
            secret_row(&E1, "203.0.113.10", "developers"),
            secret_row(&E1, "203.0.113.10", AUTHENTICATED),
            secret_row(&E7, "10.0.9.3", AUTHENTICATED),
            secret_row(&E3, "203.0.113.44", "admin"),
            secret_row(&E3, "203.0.113.44", AUTHENTICATED),
            secret_row(&E6, "10.0.0.12", AUTHENTICATED),
            secret_row(&E6, "198.51.100.7", AUTHENTICATED),
            secret_row(&E5, "10.0.4.22", "Admin"),
            secret_row(&E5, "10.0.4.22", AUTHENTICATED),
            secret_row(&E2, "10.0.4.21", AUTHENTICATED),
        ],
    )
}

// ------------------------------------------------------------------------------------------------
// Create or Update Privileged Pod, Pod With Host Network Attachment, Pod Created in Default
// Namespace (pods.jsonl)
//
// P1  create pod priv-shell in default, annotation "privileged":true; mallory from 203.0.113.50
// P2  update pod node-debugger in kube-system (kubectl replace --save-config), annotation
//     "privileged":true and "hostNetwork":true; ops-oncall from [192.0.2.15, 10.0.3.7]
// P3  patch of priv-shell (kubectl apply on an existing pod), annotation "privileged":true
// P4  create deployment priv-deploy, annotation "privileged":true
// P5  create pod web-frontend in default, annotation "privileged":false, "hostNetwork":false
// P6  update deployment priv-deploy, annotation "privileged":true
// P7  create pod in default, annotation "privileged":true; objectRef has no name; intern from
//     [198.51.100.23, 10.0.0.5]
// P8  create pod netshoot in kube-public, annotation "hostNetwork":true; verb hand-edited to
//     CREATE; no userAgent
// P9  create pod priv-no-annotation in default (kubectl run --privileged): privileged in
//     requestObject.spec, but no last-applied-configuration annotation
// P10 create pod priv-spaced in team-a, annotation written by hand as "privileged": true
// P11 Metadata level: the ReplicaSet controller creates a pod in default (no requestObject,
//     no objectRef.name)
// P12 create pod cache-warmer in default-backup
// ------------------------------------------------------------------------------------------------

/// The last-applied-configuration annotations, as `kubectl apply` stores them: compact JSON with
/// sorted keys and a trailing newline.
const PRIV_SHELL: &str = concat!(
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"name":"priv-shell","namespace":"default"},"#,
    r#""spec":{"containers":[{"command":["sleep","infinity"],"image":"alpine:3.19","name":"shell","#,
    r#""securityContext":{"privileged":true}}]}}"#,
    "\n"
);
const NODE_DEBUGGER: &str = concat!(
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"name":"node-debugger","namespace":"kube-system"},"#,
    r#""spec":{"containers":[{"image":"nicolaka/netshoot:v0.13","name":"debugger","securityContext":{"privileged":true}}],"#,
    r#""hostNetwork":true,"hostPID":true}}"#,
    "\n"
);
const PRIV_TWO_IPS: &str = concat!(
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"name":"priv-two-ips","namespace":"default"},"#,
    r#""spec":{"containers":[{"image":"ubuntu:24.04","name":"box","securityContext":{"privileged":true}}]}}"#,
    "\n"
);
const NETSHOOT: &str = concat!(
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"name":"netshoot","namespace":"kube-public"},"#,
    r#""spec":{"containers":[{"image":"nicolaka/netshoot:v0.13","name":"netshoot"}],"hostNetwork":true}}"#,
    "\n"
);

/// BY list of the two annotation detections, then `count` and `values(user.groups{}) as
/// user_groups`.
const POD_SPEC_COLUMNS: &[&str] = &[
    "kind",
    "objectRef.name",
    "objectRef.namespace",
    "objectRef.resource",
    "requestObject.kind",
    "responseStatus.code",
    "src_ip",
    "stage",
    "user",
    "userAgent",
    "verb",
    "requestObject.metadata.annotations.kubectl.kubernetes.io/last-applied-configuration",
    "count",
    "user_groups",
];

#[rustfmt::skip] // one expected row per line or two
pub(crate) fn create_or_update_privileged_pod_rows() -> Vec<Row> {
    // `objectRef.resource=pods verb=create OR verb=update <annotation>=*\"privileged\":true*`
    // means pods AND (create OR update) AND annotation: `\"` is a literal quote inside the
    // unquoted value, and the `*`s match across the annotation's trailing newline.
    // Kept: P1 (create), P2 (update), P7 (create). Dropped: P3 (patch), P4 and P6 (deployments),
    // P5 ("privileged":false), P8 and P12 (no "privileged" in the annotation), P9 and P11 (no
    // annotation), P10 ("privileged": true with a space). If AND bound tighter than OR, P5
    // (pods AND create) and P6 (update AND annotation) would have matched.
    // fillnull: P7 has no objectRef.name, P1 and P2 do, so P7's becomes "0".
    // Sorted by objectRef.name: "0" (P7) < node-debugger (P2) < priv-shell (P1); P7 and P2 give
    // one row per IP, 10.x first. user_groups are values(user.groups{}) per row; intern has
    // only system:authenticated, a plain string.
    table(
        POD_SPEC_COLUMNS,
        vec![
            json!(["Event", "0", "default", "pods", "Pod", "201", "10.0.0.5", DONE, "intern", KUBECTL, "create",
                PRIV_TWO_IPS, 1, AUTHENTICATED]),
            json!(["Event", "0", "default", "pods", "Pod", "201", "198.51.100.23", DONE, "intern", KUBECTL, "create",
                PRIV_TWO_IPS, 1, AUTHENTICATED]),
            json!(["Event", "node-debugger", "kube-system", "pods", "Pod", "200", "10.0.3.7", DONE, "ops-oncall",
                KUBECTL, "update", NODE_DEBUGGER, 1, ["sre", AUTHENTICATED]]),
            json!(["Event", "node-debugger", "kube-system", "pods", "Pod", "200", "192.0.2.15", DONE, "ops-oncall",
                KUBECTL, "update", NODE_DEBUGGER, 1, ["sre", AUTHENTICATED]]),
            json!(["Event", "priv-shell", "default", "pods", "Pod", "201", "203.0.113.50", DONE, "mallory", KUBECTL,
                "create", PRIV_SHELL, 1, ["developers", AUTHENTICATED]]),
        ],
    )
}

#[rustfmt::skip] // one expected row per line or two
pub(crate) fn pod_with_host_network_attachment_rows() -> Vec<Row> {
    // Same shape with *\"hostNetwork\":true*. Kept: P2 (update) and P8 (verb CREATE: the search
    // ignores case, stats keeps it as written). Dropped: P5 ("hostNetwork":false) and every
    // annotation without hostNetwork.
    // fillnull: P8 has no userAgent, P2 does, so P8's becomes "0".
    // Sorted by objectRef.name: netshoot (P8) < node-debugger (P2, one row per IP).
    table(
        POD_SPEC_COLUMNS,
        vec![
            json!(["Event", "netshoot", "kube-public", "pods", "Pod", "201", "203.0.113.50", DONE, "mallory", "0",
                "CREATE", NETSHOOT, 1, ["developers", AUTHENTICATED]]),
            json!(["Event", "node-debugger", "kube-system", "pods", "Pod", "200", "10.0.3.7", DONE, "ops-oncall",
                KUBECTL, "update", NODE_DEBUGGER, 1, ["sre", AUTHENTICATED]]),
            json!(["Event", "node-debugger", "kube-system", "pods", "Pod", "200", "192.0.2.15", DONE, "ops-oncall",
                KUBECTL, "update", NODE_DEBUGGER, 1, ["sre", AUTHENTICATED]]),
        ],
    )
}

#[rustfmt::skip] // one expected row per line or two
pub(crate) fn pod_created_in_default_namespace_rows() -> Vec<Row> {
    // `objectRef.resource=pods verb=create objectRef.namespace IN ("default", "kube-system",
    // "kube-public")`. Kept: P1, P5, P7, P9, P11 (default) and P8 (kube-public, verb CREATE).
    // Dropped: P2 (update), P3 (patch), P4 (deployments), P10 (team-a), P12 (default-backup:
    // IN compares whole values).
    // fillnull: P7 and P11 have no objectRef.name -> "0"; P8 has no userAgent -> "0".
    // One row per (IP, group): P7 2 IPs, P11 3 groups, P8/P1/P5 2 groups, P9 1.
    // Sorted by objectRef.name, then namespace, resource, then requestReceivedTimestamp (P7
    // 10:14 before P11 10:22): "0" < netshoot < priv-no-annotation < priv-shell < web-frontend.
    let rs = "kube-controller-manager/v1.30.4 (linux/amd64) kubernetes/ccea5fd/system:serviceaccount:kube-system:replicaset-controller";
    let rs_user = "system:serviceaccount:kube-system:replicaset-controller";
    let rs_uid = "5b0c2c6e-91d4-4f7a-a3e8-2d6b0f1c9e54";
    let p7 = "2026-11-21T10:14:47.032611Z";
    let apply_uri = "/api/v1/namespaces/default/pods?fieldManager=kubectl-client-side-apply&fieldValidation=Strict";
    let p7_uid = "aws-iam-authenticator:111122223333:AIDAEXAMPLEINTERN";
    let p11 = "2026-11-21T10:22:09.771346Z";
    let mallory = "aws-iam-authenticator:111122223333:AIDAEXAMPLEMALLORY";
    let p8 = "2026-11-21T10:16:05.884190Z";
    let p9 = "2026-11-21T10:18:22.167435Z";
    let p9_uri = "/api/v1/namespaces/default/pods?fieldManager=kubectl-run";
    let bob = "aws-iam-authenticator:111122223333:AIDAEXAMPLEBOB01";
    let p1 = "2026-11-21T10:02:13.551208Z";
    let p5 = "2026-11-21T10:11:18.245096Z";
    let ci = "aws-iam-authenticator:111122223333:AROAEXAMPLECIRUNNER";
    let (sa, sa_ks) = ("system:serviceaccounts", "system:serviceaccounts:kube-system");
    table(
        REQUEST_COLUMNS,
        vec![
            json!(["0", "default", "pods", p7, apply_uri, "201", "10.0.0.5", DONE, AUTHENTICATED, p7_uid, "intern",
                KUBECTL, "create", 1]),
            json!(["0", "default", "pods", p7, apply_uri, "201", "198.51.100.23", DONE, AUTHENTICATED, p7_uid,
                "intern", KUBECTL, "create", 1]),
            json!(["0", "default", "pods", p11, "/api/v1/namespaces/default/pods", "201", "172.16.0.10", DONE,
                AUTHENTICATED, rs_uid, rs_user, rs, "create", 1]),
            json!(["0", "default", "pods", p11, "/api/v1/namespaces/default/pods", "201", "172.16.0.10", DONE, sa,
                rs_uid, rs_user, rs, "create", 1]),
            json!(["0", "default", "pods", p11, "/api/v1/namespaces/default/pods", "201", "172.16.0.10", DONE, sa_ks,
                rs_uid, rs_user, rs, "create", 1]),
            json!(["netshoot", "kube-public", "pods", p8, "/api/v1/namespaces/kube-public/pods", "201", "203.0.113.50",
                DONE, "developers", mallory, "mallory", "0", "CREATE", 1]),
            json!(["netshoot", "kube-public", "pods", p8, "/api/v1/namespaces/kube-public/pods", "201", "203.0.113.50",
                DONE, AUTHENTICATED, mallory, "mallory", "0", "CREATE", 1]),
            json!(["priv-no-annotation", "default", "pods", p9, p9_uri, "201", "203.0.113.61", DONE, AUTHENTICATED,
                bob, "bob", KUBECTL, "create", 1]),
            json!(["priv-shell", "default", "pods", p1, apply_uri, "201", "203.0.113.50", DONE, "developers", mallory,
                "mallory", KUBECTL, "create", 1]),
            json!(["priv-shell", "default", "pods", p1, apply_uri, "201", "203.0.113.50", DONE, AUTHENTICATED, mallory,
                "mallory", KUBECTL, "create", 1]),
            json!(["web-frontend", "default", "pods", p5, apply_uri, "201", "10.0.4.30", DONE, "ci", ci, "ci-runner",
                KUBECTL, "create", 1]),
            json!(["web-frontend", "default", "pods", p5, apply_uri, "201", "10.0.4.30", DONE, AUTHENTICATED, ci,
                "ci-runner", KUBECTL, "create", 1]),
        ],
    )
}

// ------------------------------------------------------------------------------------------------
// Cron Job Creation (cronjobs.jsonl, cronjobs_metadata.jsonl)
//
// C1 create crypto-sync in default, schedule */5, container image xmrig/xmrig:6.21.0 and an
//    init container busybox:1.36; mallory
// C2 create log-shipper in logging, objectRef without a name, two containers
//    [fluent/fluent-bit:3.0.4, busybox:1.36]; ci-runner
// C3 create db-backup in data from [198.51.100.9, 10.0.0.8]; dba
// C4 create cleanup in ops, resource hand-edited to CronJobs; ops-oncall
// Dropped by the search: a Job created by the CronJob controller, a patch, a list, a delete.
// ------------------------------------------------------------------------------------------------

const CRON_COLUMNS: &[&str] = &[
    "kind",
    "objectRef.name",
    "objectRef.namespace",
    "objectRef.resource",
    "requestObject.kind",
    "requestObject.spec.schedule",
    "requestObject.spec.jobTemplate.spec.template.spec.containers{}.image",
    "responseStatus.code",
    "src_ip",
    "stage",
    "user",
    "userAgent",
    "verb",
    "count",
    "user_groups",
];

#[rustfmt::skip] // one expected row per line or two
pub(crate) fn cron_job_creation_rows() -> Vec<Row> {
    // `verb=create "objectRef.resource"=cronjobs`: the quoted field name is just the field;
    // C4's CronJobs matches (case ignored) and stays CronJobs in its row.
    // `...containers{}.image` collects the image of each element of `containers` (C1's init
    // container is under initContainers{}, another field); C2's two images give two rows,
    // sorted busybox < fluent; C3's two IPs give two rows.
    // fillnull: C2 has no objectRef.name -> "0".
    // Sorted by objectRef.name: "0" (C2) < cleanup (C4) < crypto-sync (C1) < db-backup (C3).
    table(
        CRON_COLUMNS,
        vec![
            json!(["Event", "0", "logging", "cronjobs", "CronJob", "0 * * * *", "busybox:1.36", "201", "10.0.4.30",
                DONE, "ci-runner", KUBECTL, "create", 1, ["ci", AUTHENTICATED]]),
            json!(["Event", "0", "logging", "cronjobs", "CronJob", "0 * * * *", "fluent/fluent-bit:3.0.4", "201",
                "10.0.4.30", DONE, "ci-runner", KUBECTL, "create", 1, ["ci", AUTHENTICATED]]),
            json!(["Event", "cleanup", "ops", "CronJobs", "CronJob", "@daily", "bitnami/kubectl:1.30", "201",
                "10.0.3.7", DONE, "ops-oncall", KUBECTL, "create", 1, ["sre", AUTHENTICATED]]),
            json!(["Event", "crypto-sync", "default", "cronjobs", "CronJob", "*/5 * * * *", "xmrig/xmrig:6.21.0",
                "201", "203.0.113.50", DONE, "mallory", KUBECTL, "create", 1, ["developers", AUTHENTICATED]]),
            json!(["Event", "db-backup", "data", "cronjobs", "CronJob", "30 2 * * *", "postgres:16.4", "201",
                "10.0.0.8", DONE, "dba", KUBECTL, "create", 1, ["dba", AUTHENTICATED]]),
            json!(["Event", "db-backup", "data", "cronjobs", "CronJob", "30 2 * * *", "postgres:16.4", "201",
                "198.51.100.9", DONE, "dba", KUBECTL, "create", 1, ["dba", AUTHENTICATED]]),
        ],
    )
}

// ------------------------------------------------------------------------------------------------
// DaemonSet Deployed (daemonsets.jsonl, daemonsets_metadata.jsonl)
//
// D1 create kube-proxy-helper in kube-system from [203.0.113.50, 10.0.0.5]; mallory
// D2 create fluent-bit in logging with user agent Helm/3.13.2; helm-ci
// D3 create node-exporter in monitoring by Argo CD, logged at Metadata level (no requestObject)
// D4 create gpu-driver-installer in kube-system, resource hand-edited to DaemonSets; ops-oncall
// Dropped by the search: an update, a status update, a deployment, a delete.
// ------------------------------------------------------------------------------------------------

const DAEMONSET_COLUMNS: &[&str] = &[
    "kind",
    "objectRef.name",
    "objectRef.namespace",
    "objectRef.resource",
    "requestObject.kind",
    "responseStatus.code",
    "src_ip",
    "stage",
    "user",
    "userAgent",
    "verb",
    "count",
    "user_groups",
];

#[rustfmt::skip] // one expected row per line or two
pub(crate) fn daemonset_deployed_rows() -> Vec<Row> {
    // `"objectRef.resource"=daemonsets verb=create`: D1-D4.
    // fillnull: D3 has no requestObject.kind, the others do -> "0" (a policy that logs some
    // creates at Metadata level still reports them).
    // Sorted by objectRef.name: fluent-bit < gpu-driver-installer < kube-proxy-helper (one row
    // per IP, 10.x first) < node-exporter. D3's user_groups sort system:authenticated first.
    let argo = "system:serviceaccount:argocd:argocd-application-controller";
    let argo_ua = "argocd-application-controller/v2.11.3+3f344d5 (linux/amd64)";
    table(
        DAEMONSET_COLUMNS,
        vec![
            json!(["Event", "fluent-bit", "logging", "daemonsets", "DaemonSet", "201", "10.0.4.21", DONE, "helm-ci",
                "Helm/3.13.2", "create", 1, AUTHENTICATED]),
            json!(["Event", "gpu-driver-installer", "kube-system", "DaemonSets", "DaemonSet", "201", "10.0.3.7", DONE,
                "ops-oncall", KUBECTL, "create", 1, ["sre", AUTHENTICATED]]),
            json!(["Event", "kube-proxy-helper", "kube-system", "daemonsets", "DaemonSet", "201", "10.0.0.5", DONE,
                "mallory", KUBECTL, "create", 1, ["developers", AUTHENTICATED]]),
            json!(["Event", "kube-proxy-helper", "kube-system", "daemonsets", "DaemonSet", "201", "203.0.113.50", DONE,
                "mallory", KUBECTL, "create", 1, ["developers", AUTHENTICATED]]),
            json!(["Event", "node-exporter", "monitoring", "daemonsets", "0", "201", "10.244.2.31", DONE, argo,
                argo_ua, "create", 1, [AUTHENTICATED, "system:serviceaccounts", "system:serviceaccounts:argocd"]]),
        ],
    )
}

// ------------------------------------------------------------------------------------------------
// Node Port Creation (services.jsonl)
//
// S1 create NodePort web-debug in default from [203.0.113.50, 10.0.0.5]; mallory
// S2 create backdoor-ssh in kube-system with type "nodeport": the API server refuses it (422
//    Invalid), but the audit event has the request body
// S3 create NodePort metrics-np in monitoring with curl; the body has no kind or apiVersion
// Dropped by the search: a LoadBalancer, a service without a type, a patch to NodePort, a
// configmap whose body has spec.type NodePort.
// ------------------------------------------------------------------------------------------------

const NODE_PORT_COLUMNS: &[&str] = &[
    "kind",
    "objectRef.name",
    "objectRef.namespace",
    "objectRef.resource",
    "requestObject.kind",
    "requestObject.spec.type",
    "responseStatus.code",
    "src_ip",
    "stage",
    "user",
    "userAgent",
    "verb",
    "count",
    "user_groups",
];

#[rustfmt::skip] // one expected row per line or two
pub(crate) fn node_port_creation_rows() -> Vec<Row> {
    // `"objectRef.resource"=services verb=create requestObject.spec.type=NodePort`: S1, S2
    // (nodeport, case ignored; the row keeps nodeport and code 422), S3.
    // fillnull: S3 has no requestObject.kind -> "0".
    // Sorted by objectRef.name: backdoor-ssh < metrics-np < web-debug (one row per IP).
    table(
        NODE_PORT_COLUMNS,
        vec![
            json!(["Event", "backdoor-ssh", "kube-system", "services", "Service", "nodeport", "422", "203.0.113.50",
                DONE, "mallory", KUBECTL, "create", 1, ["developers", AUTHENTICATED]]),
            json!(["Event", "metrics-np", "monitoring", "services", "0", "NodePort", "201", "10.0.5.17", DONE,
                "svc-deployer", "curl/8.5.0", "create", 1, AUTHENTICATED]),
            json!(["Event", "web-debug", "default", "services", "Service", "NodePort", "201", "10.0.0.5", DONE,
                "mallory", KUBECTL, "create", 1, ["developers", AUTHENTICATED]]),
            json!(["Event", "web-debug", "default", "services", "Service", "NodePort", "201", "203.0.113.50", DONE,
                "mallory", KUBECTL, "create", 1, ["developers", AUTHENTICATED]]),
        ],
    )
}

// ------------------------------------------------------------------------------------------------
// Suspicious Image Pulling (image_pulls.jsonl)
//
// Kubelets record "Pulling image ..." as core/v1 Events they create through the API server
// (resource events, Request level, so the Event is in requestObject).
// I1 crypto-sync-...x7k2p.1809a7c3f2b1d4e5 in default, EKS node (uid), groups [system:nodes,
//    system:authenticated]
// I2 web-frontend-...m2x8z.1809a7c40a7e3c11 in shop, node worker-2 with a client certificate
//    (no uid), from [192.168.10.15, 10.0.2.15]
// I3 debug-pod.1809a7c6a1f3b2d4 in default, message hand-edited to "pulling image ..."
// I4 an EKS-node event in default whose objectRef has no name
// I5 security-agent-7fq2n.1809a7c9e6a2b4c3 in security pulls a Falco image
// Dropped: "Successfully pulled image", "Back-off pulling image" (the pattern is anchored at
// the start), and the allow-listed splunk-otel-collector-agent-... and falco-... events.
// ------------------------------------------------------------------------------------------------

#[rustfmt::skip] // one expected row per line or two
pub(crate) fn suspicious_image_pulling_rows() -> Vec<Row> {
    // `requestObject.message="Pulling image*"` keeps I1-I5 (I3 ignoring case), then
    // `search NOT objectRef.name IN (*splunk*, *falco*)` drops the two allow-listed pods and
    // keeps I4 (no objectRef.name at all) and I5 (the allow-list looks at the event's name, not
    // at the image).
    // fillnull: I4's objectRef.name -> "0"; I2's user.uid -> "0".
    // Rows per (IP, group): two groups each, I2 also two IPs.
    // Sorted by objectRef.name: "0" (I4) < crypto-sync-... < debug-pod... < security-agent-...
    // < web-frontend-...; groups system:authenticated < system:nodes.
    let node = "system:node:ip-10-0-1-23.ec2.internal";
    let node_uid = "aws-iam-authenticator:111122223333:AROAEXAMPLENODEROLE";
    let worker = "system:node:worker-2";
    let default_uri = "/api/v1/namespaces/default/events";
    let i1 = "crypto-sync-29012345-x7k2p.1809a7c3f2b1d4e5";
    let i2 = "web-frontend-6d8f7c9b5-m2x8z.1809a7c40a7e3c11";
    let i3 = "debug-pod.1809a7c6a1f3b2d4";
    let i5 = "security-agent-7fq2n.1809a7c9e6a2b4c3";
    let (t1, t2, t3) = (
        "2026-11-21T14:00:05.210384Z",
        "2026-11-21T14:03:31.046512Z",
        "2026-11-21T14:09:20.572614Z",
    );
    let (t4, t5) = ("2026-11-21T14:13:45.660938Z", "2026-11-21T14:16:27.309164Z");
    let nodes = "system:nodes";
    table(
        REQUEST_COLUMNS,
        vec![
            json!(["0", "default", "events", t4, default_uri, "201", "10.0.1.23", DONE, AUTHENTICATED, node_uid, node,
                KUBELET, "create", 1]),
            json!(["0", "default", "events", t4, default_uri, "201", "10.0.1.23", DONE, nodes, node_uid, node, KUBELET,
                "create", 1]),
            json!([i1, "default", "events", t1, default_uri, "201", "10.0.1.23", DONE, AUTHENTICATED, node_uid, node,
                KUBELET, "create", 1]),
            json!([i1, "default", "events", t1, default_uri, "201", "10.0.1.23", DONE, nodes, node_uid, node, KUBELET,
                "create", 1]),
            json!([i3, "default", "events", t3, default_uri, "201", "10.0.1.23", DONE, AUTHENTICATED, node_uid, node,
                KUBELET, "create", 1]),
            json!([i3, "default", "events", t3, default_uri, "201", "10.0.1.23", DONE, nodes, node_uid, node, KUBELET,
                "create", 1]),
            json!([i5, "security", "events", t5, "/api/v1/namespaces/security/events", "201", "10.0.1.23", DONE,
                AUTHENTICATED, node_uid, node, KUBELET, "create", 1]),
            json!([i5, "security", "events", t5, "/api/v1/namespaces/security/events", "201", "10.0.1.23", DONE, nodes,
                node_uid, node, KUBELET, "create", 1]),
            json!([i2, "shop", "events", t2, "/api/v1/namespaces/shop/events", "201", "10.0.2.15", DONE, AUTHENTICATED,
                "0", worker, KUBELET, "create", 1]),
            json!([i2, "shop", "events", t2, "/api/v1/namespaces/shop/events", "201", "10.0.2.15", DONE, nodes, "0",
                worker, KUBELET, "create", 1]),
            json!([i2, "shop", "events", t2, "/api/v1/namespaces/shop/events", "201", "192.168.10.15", DONE,
                AUTHENTICATED, "0", worker, KUBELET, "create", 1]),
            json!([i2, "shop", "events", t2, "/api/v1/namespaces/shop/events", "201", "192.168.10.15", DONE, nodes,
                "0", worker, KUBELET, "create", 1]),
        ],
    )
}

// ------------------------------------------------------------------------------------------------
// Unauthorized Access (forbidden.jsonl)
//
// F1 service account default:webapp may not create pods in kube-system (403 Forbidden);
//    groups [system:serviceaccounts, system:serviceaccounts:default, system:authenticated]
// F2 system:anonymous may not create clusterrolebindings (cluster scope: no namespace; no uid),
//    from [203.0.113.99, 10.0.0.5]
// F3 dave may not create secrets in payments; sourceIPs [198.51.100.77, 198.51.100.77]
// F4 PodSecurity refuses bob's privileged pod in team-a (403), reason hand-edited to forbidden
// Dropped: a refused get, a refused delete, a 409 AlreadyExists create, a successful create.
// ------------------------------------------------------------------------------------------------

const UNAUTHORIZED_COLUMNS: &[&str] = &[
    "objectRef.namespace",
    "objectRef.resource",
    "requestReceivedTimestamp",
    "requestURI",
    "responseStatus.code",
    "responseStatus.message",
    "src_ip",
    "stage",
    "user.groups{}",
    "user.uid",
    "user",
    "userAgent",
    "verb",
    "count",
];

#[rustfmt::skip] // one expected row per line or two
pub(crate) fn unauthorized_access_rows() -> Vec<Row> {
    // `verb=create responseStatus.reason=Forbidden`: F1-F4 (F4 ignoring case).
    // fillnull: F2 has no objectRef.namespace and no user.uid -> "0" for both.
    // F3 lists the same IP twice: the split keeps duplicates, so one row counts the event twice.
    // Sorted by objectRef.namespace: "0" (F2, one row per IP) < kube-system (F1, one row per
    // group) < payments (F3) < team-a (F4).
    let f1_message = r#"pods is forbidden: User "system:serviceaccount:default:webapp" cannot create resource "pods" in API group "" in the namespace "kube-system""#;
    let f2_message = r#"clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "system:anonymous" cannot create resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope"#;
    let f3_message = r#"secrets is forbidden: User "dave" cannot create resource "secrets" in API group "" in the namespace "payments""#;
    let f4_message = r#"pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged (container "shell" must not set securityContext.privileged=true)"#;
    let (f1, f2) = ("2026-11-21T15:02:11.845027Z", "2026-11-21T15:07:44.512930Z");
    let (f3, f4) = ("2026-11-21T15:13:58.730125Z", "2026-11-21T15:18:37.991460Z");
    let crb = "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings";
    let webapp = "system:serviceaccount:default:webapp";
    let webapp_uid = "3f6c2a9e-7b1d-4c8e-9a52-0d4b6e1f8c37";
    let python = "OpenAPI-Generator/29.0.0/python";
    let ks_pods = "/api/v1/namespaces/kube-system/pods";
    table(
        UNAUTHORIZED_COLUMNS,
        vec![
            json!(["0", "clusterrolebindings", f2, crb, "403", f2_message, "10.0.0.5", DONE, "system:unauthenticated",
                "0", "system:anonymous", "curl/8.5.0", "create", 1]),
            json!(["0", "clusterrolebindings", f2, crb, "403", f2_message, "203.0.113.99", DONE,
                "system:unauthenticated", "0", "system:anonymous", "curl/8.5.0", "create", 1]),
            json!(["kube-system", "pods", f1, ks_pods, "403", f1_message, "10.244.1.17", DONE, AUTHENTICATED,
                webapp_uid, webapp, python, "create", 1]),
            json!(["kube-system", "pods", f1, ks_pods, "403", f1_message, "10.244.1.17", DONE,
                "system:serviceaccounts", webapp_uid, webapp, python, "create", 1]),
            json!(["kube-system", "pods", f1, ks_pods, "403", f1_message, "10.244.1.17", DONE,
                "system:serviceaccounts:default", webapp_uid, webapp, python, "create", 1]),
            json!(["payments", "secrets", f3, "/api/v1/namespaces/payments/secrets", "403", f3_message,
                "198.51.100.77", DONE, AUTHENTICATED, "aws-iam-authenticator:111122223333:AIDAEXAMPLEDAVE01", "dave",
                KUBECTL, "create", 2]),
            json!(["team-a", "pods", f4, "/api/v1/namespaces/team-a/pods", "403", f4_message, "203.0.113.61", DONE,
                AUTHENTICATED, "aws-iam-authenticator:111122223333:AIDAEXAMPLEBOB01", "bob", KUBECTL, "create", 1]),
        ],
    )
}

// ------------------------------------------------------------------------------------------------
// AWS Detect Suspicious Kubectl Calls (experimental; anonymous.jsonl, anonymous_with_uid.jsonl)
//
// `kube_audit` user.username="system:anonymous" user.groups{} IN ("system:unauthenticated")
// | fillnull | stats count by <REQUEST_COLUMNS> | rename ...
// ------------------------------------------------------------------------------------------------

// B1 anonymous lists secrets in kube-system (403); uid hand-edited in
// B2 anonymous GET /version (no objectRef) from [203.0.113.201, 10.0.0.5]
// B3 anonymous GET pods/nginx in default (403)
// B4 anonymous GET /healthz, group hand-edited to System:Unauthenticated
// Dropped: alice's get, the scheduler's lease update.
#[rustfmt::skip] // one expected row per line or two
pub(crate) fn aws_detect_suspicious_kubectl_calls_rows() -> Vec<Row> {
    // The search keeps B1-B4 (B4: IN compares without case; its row keeps the group as written).
    // fillnull, from the union of the four: user.uid "0" for B2-B4 (only B1 has one);
    // objectRef.name "0" for B1, B2, B4 (only B3 has one); objectRef.namespace and .resource "0"
    // for B2 and B4 (non-resource URLs).
    // Sorted by objectRef.name: the "0"s first, then by namespace ("0" before kube-system), then
    // by requestReceivedTimestamp (B2 16:00:02 before B4 16:00:09): B2 (one row per IP), B4, B1,
    // then nginx (B3).
    let (b1, b2) = ("2026-11-21T16:00:04.902265Z", "2026-11-21T16:00:02.447813Z");
    let (b3, b4) = ("2026-11-21T16:00:07.118592Z", "2026-11-21T16:00:09.375018Z");
    let anon = "system:anonymous";
    let unauth = "system:unauthenticated";
    table(
        REQUEST_COLUMNS,
        vec![
            json!(["0", "0", "0", b2, "/version", "200", "10.0.0.5", DONE, unauth, "0", anon, "curl/8.5.0", "get", 1]),
            json!(["0", "0", "0", b2, "/version", "200", "203.0.113.201", DONE, unauth, "0", anon, "curl/8.5.0", "get",
                1]),
            json!(["0", "0", "0", b4, "/healthz", "200", "203.0.113.203", DONE, "System:Unauthenticated", "0", anon,
                "python-requests/2.31.0", "get", 1]),
            json!(["0", "kube-system", "secrets", b1, "/api/v1/namespaces/kube-system/secrets", "403", "203.0.113.200",
                DONE, unauth, "hand-edited-uid", anon, "kubectl/v1.29.0 (linux/amd64) kubernetes/3f7a50f", "list", 1]),
            json!(["nginx", "default", "pods", b3, "/api/v1/namespaces/default/pods/nginx", "403", "203.0.113.202",
                DONE, unauth, "0", anon, "Go-http-client/1.1", "get", 1]),
        ],
    )
}

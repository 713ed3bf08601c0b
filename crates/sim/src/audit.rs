//! One API server request ([`Req`]) and how it is written: as a Kubernetes audit event
//! (`audit.k8s.io/v1`, level `Metadata`, stage `ResponseComplete`) and as the Cloud Audit Log
//! `LogEntry` GKE writes for it.
//!
//! A `Req` is filled in place by the background and scenario code and rendered by hand into a
//! reused buffer; its strings are cleared and refilled, never reallocated once grown.

use crate::model::{Cluster, Res, UserKind};
use crate::text::{TimeFmt, push_escaped, push_u64, push_uuid};

/// The authorizer's decision, as the `authorization.k8s.io/decision` annotation gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Allowed; the reason is [`Req::reason`].
    Allow,
    /// Refused.
    Forbid,
    /// No authorization happened (the request failed authentication).
    None,
}

/// One request to the API server and its response.
#[derive(Clone, Debug)]
pub(crate) struct Req {
    pub(crate) cluster: usize,
    pub(crate) audit_id: [u8; 16],
    pub(crate) verb: &'static str,
    pub(crate) uri: String,
    pub(crate) user: usize,
    pub(crate) src_ip: String,
    pub(crate) ua: String,
    /// `objectRef.resource`, empty for a non-resource path.
    pub(crate) resource: &'static str,
    pub(crate) subresource: &'static str,
    pub(crate) group: &'static str,
    pub(crate) version: &'static str,
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) code: u16,
    pub(crate) decision: Decision,
    /// `authorization.k8s.io/reason` (JSON-escaped) when allowed.
    pub(crate) reason: String,
    /// Nanoseconds since the epoch.
    pub(crate) received: i64,
    pub(crate) completed: i64,
}

impl Default for Req {
    fn default() -> Self {
        Req {
            cluster: 0,
            audit_id: [0; 16],
            verb: "get",
            uri: String::with_capacity(256),
            user: 0,
            src_ip: String::with_capacity(16),
            ua: String::with_capacity(96),
            resource: "",
            subresource: "",
            group: "",
            version: "",
            namespace: String::with_capacity(32),
            name: String::with_capacity(64),
            code: 200,
            decision: Decision::Allow,
            reason: String::with_capacity(160),
            received: 0,
            completed: 0,
        }
    }
}

impl Req {
    /// Start a request over: clear every field that varies.
    pub(crate) fn reset(&mut self, cluster: usize, audit_id: [u8; 16], user: usize, verb: &'static str) {
        self.cluster = cluster;
        self.audit_id = audit_id;
        self.user = user;
        self.verb = verb;
        self.uri.clear();
        self.src_ip.clear();
        self.ua.clear();
        self.resource = "";
        self.subresource = "";
        self.group = "";
        self.version = "";
        self.namespace.clear();
        self.name.clear();
        self.code = 200;
        self.decision = Decision::Allow;
        self.reason.clear();
    }

    /// Point the request at a resource: fills `objectRef` and the path (`/api/v1/...` or
    /// `/apis/<group>/<version>/...`), without a query string.
    pub(crate) fn target(&mut self, res: Res, namespace: &str, name: &str, subresource: &'static str) {
        self.resource = res.resource;
        self.group = res.group;
        self.version = res.version;
        self.subresource = subresource;
        self.namespace.clear();
        self.namespace.push_str(namespace);
        self.name.clear();
        self.name.push_str(name);
        self.uri.clear();
        if res.group.is_empty() {
            self.uri.push_str("/api/");
        } else {
            self.uri.push_str("/apis/");
            self.uri.push_str(res.group);
            self.uri.push('/');
        }
        self.uri.push_str(res.version);
        if !namespace.is_empty() {
            self.uri.push_str("/namespaces/");
            self.uri.push_str(namespace);
        }
        self.uri.push('/');
        self.uri.push_str(res.resource);
        if !name.is_empty() {
            self.uri.push('/');
            self.uri.push_str(name);
        }
        if !subresource.is_empty() {
            self.uri.push('/');
            self.uri.push_str(subresource);
        }
    }

    /// Point the request at a non-resource path (`/healthz`, `/version`, `/api`).
    pub(crate) fn path(&mut self, path: &str) {
        self.resource = "";
        self.subresource = "";
        self.group = "";
        self.version = "";
        self.namespace.clear();
        self.name.clear();
        self.uri.clear();
        self.uri.push_str(path);
    }

    /// The outcome: allowed with `code` and the given RBAC reason.
    pub(crate) fn allow(&mut self, code: u16, reason: &str) {
        self.code = code;
        self.decision = Decision::Allow;
        self.reason.clear();
        self.reason.push_str(reason);
    }

    /// The outcome: refused by authorization (403).
    pub(crate) fn forbid(&mut self) {
        self.code = 403;
        self.decision = Decision::Forbid;
        self.reason.clear();
    }

    /// The outcome: the credentials failed authentication (401).
    pub(crate) fn unauthorized(&mut self) {
        self.code = 401;
        self.decision = Decision::None;
        self.reason.clear();
    }

    /// The query-free path.
    pub(crate) fn path_only(&self) -> &str {
        self.uri.split('?').next().unwrap_or("")
    }

    /// Whether a verb only reads (GKE writes these to the `data_access` log).
    pub(crate) fn is_read(&self) -> bool {
        matches!(self.verb, "get" | "list" | "watch")
    }
}

/// Reused state for rendering.
#[derive(Debug, Default)]
pub(crate) struct Render {
    pub(crate) time: TimeFmt,
}

fn push(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(s.as_bytes());
}

/// The resource as the authorizer names it in messages (`pods`, `pods/exec`).
fn push_resource_name(buf: &mut Vec<u8>, r: &Req) {
    push(buf, r.resource);
    if !r.subresource.is_empty() {
        buf.push(b'/');
        push(buf, r.subresource);
    }
}

/// `responseStatus` for a failure code: the message, reason and details the API server gives.
fn push_failure(buf: &mut Vec<u8>, r: &Req, username: &str) {
    match r.code {
        401 => push(
            buf,
            r#","status":"Failure","message":"Unauthorized","reason":"Unauthorized""#,
        ),
        403 => {
            push(buf, r#","status":"Failure","message":""#);
            if r.resource.is_empty() {
                push(buf, r#"forbidden: User \""#);
                push(buf, username);
                push(buf, r#"\" cannot "#);
                push(buf, r.verb);
                push(buf, r#" path \""#);
                push(buf, r.path_only());
                push(buf, r#"\"","reason":"Forbidden","details":{}"#);
                return;
            }
            push(buf, r.resource);
            if !r.name.is_empty() {
                push(buf, r#" \""#);
                push(buf, &r.name);
                push(buf, r#"\""#);
            }
            push(buf, r#" is forbidden: User \""#);
            push(buf, username);
            push(buf, r#"\" cannot "#);
            push(buf, r.verb);
            push(buf, r#" resource \""#);
            push_resource_name(buf, r);
            push(buf, r#"\" in API group \""#);
            push(buf, r.group);
            if r.namespace.is_empty() {
                push(buf, r#"\" at the cluster scope","reason":"Forbidden","details":{"#);
            } else {
                push(buf, r#"\" in the namespace \""#);
                push(buf, &r.namespace);
                push(buf, r#"\"","reason":"Forbidden","details":{"#);
            }
            if !r.name.is_empty() {
                push(buf, r#""name":""#);
                push(buf, &r.name);
                push(buf, r#"","#);
            }
            if !r.group.is_empty() {
                push(buf, r#""group":""#);
                push(buf, r.group);
                push(buf, r#"","#);
            }
            push(buf, r#""kind":""#);
            push(buf, r.resource);
            push(buf, r#""}"#);
        }
        404 => {
            push(buf, r#","status":"Failure","message":""#);
            push(buf, r.resource);
            push(buf, r#" \""#);
            push(buf, &r.name);
            push(buf, r#"\" not found","reason":"NotFound","details":{"name":""#);
            push(buf, &r.name);
            push(buf, r#"","kind":""#);
            push(buf, r.resource);
            push(buf, r#""}"#);
        }
        409 => {
            push(
                buf,
                r#","status":"Failure","message":"Operation cannot be fulfilled on "#,
            );
            push(buf, r.resource);
            if !r.group.is_empty() {
                buf.push(b'.');
                push(buf, r.group);
            }
            push(buf, r#" \""#);
            push(buf, &r.name);
            push(
                buf,
                r#"\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":""#,
            );
            push(buf, &r.name);
            if !r.group.is_empty() {
                push(buf, r#"","group":""#);
                push(buf, r.group);
            }
            push(buf, r#"","kind":""#);
            push(buf, r.resource);
            push(buf, r#""}"#);
        }
        _ => {}
    }
}

/// Write `r` as a Kubernetes audit event (one JSON object, no newline).
pub(crate) fn write_audit(buf: &mut Vec<u8>, r: &Req, c: &Cluster, render: &mut Render) {
    let user = &c.users[r.user];
    push(
        buf,
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":""#,
    );
    push_uuid(buf, &r.audit_id);
    // Failed authentication is audited when the response starts; everything else when it completes.
    push(
        buf,
        if r.code == 401 {
            r#"","stage":"ResponseStarted","requestURI":""#
        } else {
            r#"","stage":"ResponseComplete","requestURI":""#
        },
    );
    push_escaped(buf, r.uri.as_bytes());
    push(buf, r#"","verb":""#);
    push(buf, r.verb);
    push(buf, r#"","user":"#);
    push(buf, &user.json);
    push(buf, r#","sourceIPs":[""#);
    push(buf, &r.src_ip);
    push(buf, r#""]"#);
    if !r.ua.is_empty() {
        push(buf, r#","userAgent":""#);
        push_escaped(buf, r.ua.as_bytes());
        buf.push(b'"');
    }
    if !r.resource.is_empty() {
        push(buf, r#","objectRef":{"resource":""#);
        push(buf, r.resource);
        buf.push(b'"');
        if !r.namespace.is_empty() {
            push(buf, r#","namespace":""#);
            push(buf, &r.namespace);
            buf.push(b'"');
        }
        if !r.name.is_empty() {
            push(buf, r#","name":""#);
            push(buf, &r.name);
            buf.push(b'"');
        }
        if !r.group.is_empty() {
            push(buf, r#","apiGroup":""#);
            push(buf, r.group);
            buf.push(b'"');
        }
        push(buf, r#","apiVersion":""#);
        push(buf, r.version);
        buf.push(b'"');
        if !r.subresource.is_empty() {
            push(buf, r#","subresource":""#);
            push(buf, r.subresource);
            buf.push(b'"');
        }
        buf.push(b'}');
    }
    push(buf, r#","responseStatus":{"metadata":{}"#);
    push_failure(buf, r, &user.name);
    push(buf, r#","code":"#);
    push_u64(buf, u64::from(r.code));
    push(buf, r#"},"requestReceivedTimestamp":""#);
    render.time.micros(buf, r.received);
    push(buf, r#"","stageTimestamp":""#);
    render.time.micros(buf, r.completed);
    buf.push(b'"');
    match r.decision {
        Decision::Allow => {
            push(
                buf,
                r#","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""#,
            );
            push(buf, &r.reason);
            push(buf, r#""}"#);
        }
        Decision::Forbid => push(
            buf,
            r#","annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}"#,
        ),
        Decision::None => {}
    }
    buf.push(b'}');
}

/// GKE's name of an API group in `methodName` (`rbac.authorization.k8s.io` → `authorization.rbac`).
fn gke_group(group: &str) -> &str {
    match group {
        "" => "core",
        "rbac.authorization.k8s.io" => "authorization.rbac",
        "coordination.k8s.io" => "coordination",
        "discovery.k8s.io" => "discovery",
        "networking.k8s.io" => "networking",
        "authorization.k8s.io" => "authorization",
        "authentication.k8s.io" => "authentication",
        "events.k8s.io" => "events",
        "metrics.k8s.io" => "metrics",
        "cert-manager.io" => "io.cert-manager",
        "argoproj.io" => "io.argoproj",
        "monitoring.coreos.com" => "com.coreos.monitoring",
        other => other,
    }
}

/// `methodName` of a request: `io.k8s.core.v1.pods.list`, `io.k8s.get` for a path.
pub(crate) fn push_method(buf: &mut Vec<u8>, r: &Req) {
    if r.resource.is_empty() {
        push(buf, "io.k8s.");
        push(buf, r.verb);
        return;
    }
    push(buf, "io.k8s.");
    push(buf, gke_group(r.group));
    buf.push(b'.');
    push(buf, r.version);
    buf.push(b'.');
    push(buf, r.resource);
    if !r.subresource.is_empty() {
        buf.push(b'.');
        push(buf, r.subresource);
    }
    buf.push(b'.');
    push(buf, r.verb);
}

/// `resourceName` of a request: `core/v1/namespaces/shop/pods/web-1`, or the path without its
/// leading slash for a non-resource request (nothing for `/`).
pub(crate) fn push_resource(buf: &mut Vec<u8>, r: &Req) {
    if r.resource.is_empty() {
        push_escaped(buf, r.path_only().trim_start_matches('/').as_bytes());
        return;
    }
    push(buf, if r.group.is_empty() { "core" } else { r.group });
    buf.push(b'/');
    push(buf, r.version);
    if !r.namespace.is_empty() {
        push(buf, "/namespaces/");
        push(buf, &r.namespace);
    }
    buf.push(b'/');
    push(buf, r.resource);
    if !r.name.is_empty() {
        buf.push(b'/');
        push(buf, &r.name);
    }
    if !r.subresource.is_empty() {
        buf.push(b'/');
        push(buf, r.subresource);
    }
}

/// Write `r` as the Cloud Audit Log `LogEntry` of a GKE cluster (one JSON object, no newline),
/// as a log sink or `gcloud logging read` gives it.
pub(crate) fn write_gke(buf: &mut Vec<u8>, r: &Req, c: &Cluster, insert_id: &[u8; 16], render: &mut Render) {
    let user = &c.users[r.user];
    let has_resource_name = !(r.resource.is_empty() && r.path_only().trim_start_matches('/').is_empty());
    push(buf, r#"{"insertId":""#);
    push_uuid(buf, insert_id);
    buf.push(b'"');
    match r.decision {
        Decision::Allow => {
            push(
                buf,
                r#","labels":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""#,
            );
            push(buf, &r.reason);
            push(buf, r#""}"#);
        }
        Decision::Forbid => push(
            buf,
            r#","labels":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}"#,
        ),
        Decision::None => {}
    }
    push(buf, r#","logName":"projects/"#);
    push(buf, &c.gcp_project);
    push(
        buf,
        if r.is_read() {
            r#"/logs/cloudaudit.googleapis.com%2Fdata_access","#
        } else {
            r#"/logs/cloudaudit.googleapis.com%2Factivity","#
        },
    );
    push(buf, r#""operation":{"first":true,"id":""#);
    push_uuid(buf, &r.audit_id);
    push(
        buf,
        r#"","last":true,"producer":"k8s.io"},"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"#,
    );
    if user.kind != UserKind::Unauthenticated {
        push(buf, r#""principalEmail":""#);
        push(buf, &user.name);
        buf.push(b'"');
    }
    buf.push(b'}');
    if r.decision != Decision::None {
        push(buf, r#","authorizationInfo":[{"granted":"#);
        push(buf, if r.decision == Decision::Allow { "true" } else { "false" });
        push(buf, r#","permission":""#);
        push_method(buf, r);
        buf.push(b'"');
        if has_resource_name {
            push(buf, r#","resource":""#);
            push_resource(buf, r);
            buf.push(b'"');
        }
        push(buf, "}]");
    }
    push(buf, r#","methodName":""#);
    push_method(buf, r);
    push(buf, r#"","requestMetadata":{"callerIp":""#);
    push(buf, &r.src_ip);
    buf.push(b'"');
    if !r.ua.is_empty() {
        push(buf, r#","callerSuppliedUserAgent":""#);
        push_escaped(buf, r.ua.as_bytes());
        buf.push(b'"');
    }
    buf.push(b'}');
    if has_resource_name {
        push(buf, r#","resourceName":""#);
        push_resource(buf, r);
        buf.push(b'"');
    }
    push(buf, r#","serviceName":"k8s.io","status":"#);
    push(
        buf,
        match r.code {
            401 => r#"{"code":16,"message":"UNAUTHENTICATED"}"#,
            403 => r#"{"code":7,"message":"PERMISSION_DENIED"}"#,
            404 => r#"{"code":5,"message":"NOT_FOUND"}"#,
            409 => r#"{"code":10,"message":"ABORTED"}"#,
            _ => "{}",
        },
    );
    push(buf, r#"},"receiveTimestamp":""#);
    render.time.micros(buf, r.completed + 800_000_000);
    push(buf, r#"","resource":{"labels":{"cluster_name":""#);
    push(buf, &c.name);
    push(buf, r#"","location":""#);
    push(buf, c.gke_location);
    push(buf, r#"","project_id":""#);
    push(buf, &c.gcp_project);
    push(buf, r#""},"type":"k8s_cluster"},"severity":""#);
    push(
        buf,
        match (r.code, r.is_read()) {
            (500.., _) => "ERROR",
            (400..=499, _) => "WARNING",
            (_, true) => "INFO",
            (_, false) => "NOTICE",
        },
    );
    push(buf, r#"","timestamp":""#);
    render.time.micros(buf, r.received);
    push(buf, r#""}"#);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Flavor, PODS, ROLES};
    use crate::rng::Rng;
    use serde_json::Value;

    fn cluster(flavor: Flavor) -> Cluster {
        Cluster::build(0, flavor, "acme.io", &mut Rng::new(1))
    }

    fn req(user: usize) -> Req {
        let mut r = Req::default();
        r.reset(0, [7; 16], user, "list");
        r.src_ip.push_str("203.0.113.9");
        r.ua.push_str("python-requests/2.31.0");
        r.received = 1_793_606_400_000_000_000;
        r.completed = r.received + 3_000_000;
        r
    }

    #[test]
    fn a_refused_anonymous_pod_list_reads_like_the_api_server_writes_it() {
        let c = cluster(Flavor::Vanilla);
        let mut r = req(crate::model::ANONYMOUS);
        r.target(PODS, "", "", "");
        r.forbid();
        let mut buf = Vec::new();
        write_audit(&mut buf, &r, &c, &mut Render::default());
        let v: Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["requestURI"], "/api/v1/pods");
        assert_eq!(v["user"]["groups"][0], "system:unauthenticated");
        assert_eq!(v["objectRef"]["resource"], "pods");
        assert_eq!(v["responseStatus"]["code"], 403);
        assert_eq!(
            v["responseStatus"]["message"],
            "pods is forbidden: User \"system:anonymous\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
        );
        assert_eq!(v["annotations"]["authorization.k8s.io/decision"], "forbid");
        assert_eq!(v["requestReceivedTimestamp"], "2026-11-02T08:00:00.000000Z");
        assert_eq!(v["stageTimestamp"], "2026-11-02T08:00:00.003000Z");
    }

    #[test]
    fn gke_entries_name_the_method_and_resource() {
        let c = cluster(Flavor::Gke);
        let mut r = req(crate::model::ANONYMOUS);
        r.target(ROLES, "kube-system", "", "");
        r.forbid();
        let mut buf = Vec::new();
        write_gke(&mut buf, &r, &c, &[9; 16], &mut Render::default());
        let v: Value = serde_json::from_slice(&buf).unwrap();
        let p = &v["protoPayload"];
        assert_eq!(p["methodName"], "io.k8s.authorization.rbac.v1.roles.list");
        assert_eq!(
            p["resourceName"],
            "rbac.authorization.k8s.io/v1/namespaces/kube-system/roles"
        );
        assert_eq!(p["status"]["code"], 7);
        assert_eq!(p["authenticationInfo"]["principalEmail"], "system:anonymous");
        assert_eq!(v["resource"]["labels"]["cluster_name"], c.name.as_str());

        let mut r = req(crate::model::UNAUTHENTICATED);
        r.path("/version");
        r.verb = "get";
        r.unauthorized();
        buf.clear();
        write_gke(&mut buf, &r, &c, &[9; 16], &mut Render::default());
        let v: Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["protoPayload"]["methodName"], "io.k8s.get");
        assert_eq!(v["protoPayload"]["resourceName"], "version");
        assert_eq!(v["protoPayload"]["status"]["code"], 16);
        assert!(v["protoPayload"]["authenticationInfo"].as_object().unwrap().is_empty());
    }
}

//! Kubernetes object Events (core `v1` `Event`): what the kubelet, the scheduler and the
//! controllers report about pods — scheduling, image pulls, container starts, probes, back-offs.
//!
//! The kubelet and controllers write the old form (`source`, `firstTimestamp`/`lastTimestamp`,
//! `count`, no `eventTime`); the scheduler writes through `events.k8s.io` and its events carry an
//! `eventTime` with microseconds and no `source`. Both are rendered as the API server serves
//! them on `/api/v1/events`, which is what `kubectl get events -o json` and the watch stream give.

use crate::text::{TimeFmt, push_escaped, push_hex, push_u64, push_uuid};

/// Who reports an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reporter {
    /// The kubelet of the node in [`ObjEv::host`].
    Kubelet,
    /// The scheduler (events.k8s.io, `eventTime`).
    Scheduler,
    /// A kube-controller-manager controller (`source.component`).
    Controller(&'static str),
}

/// One Event object.
#[derive(Clone, Debug)]
pub(crate) struct ObjEv {
    pub(crate) uid: [u8; 16],
    /// The random 16-hex-digit suffix of the Event's name (`<object>.<suffix>`).
    pub(crate) name_suffix: u64,
    pub(crate) resource_version: u64,
    pub(crate) namespace: String,
    /// `involvedObject`.
    pub(crate) kind: &'static str,
    pub(crate) api_version: &'static str,
    pub(crate) object: String,
    pub(crate) object_uid: [u8; 16],
    /// The container, for `fieldPath: spec.containers{<name>}`; empty for none.
    pub(crate) container: String,
    pub(crate) reason: &'static str,
    pub(crate) message: String,
    pub(crate) warning: bool,
    pub(crate) reporter: Reporter,
    /// The node (kubelet events) or reporting instance (scheduler).
    pub(crate) host: String,
    pub(crate) count: u32,
    /// Nanoseconds since the epoch.
    pub(crate) time: i64,
    /// `type` of the watch event that carries it (`ADDED`, `MODIFIED`).
    pub(crate) watch_type: &'static str,
}

fn push(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(s.as_bytes());
}

/// Write `e` as a core `v1` Event (one JSON object, no newline).
pub(crate) fn write_event(buf: &mut Vec<u8>, e: &ObjEv, time: &mut TimeFmt) {
    push(buf, r#"{"kind":"Event","apiVersion":"v1","metadata":{"name":""#);
    push(buf, &e.object);
    buf.push(b'.');
    push_hex(buf, e.name_suffix, 16);
    push(buf, r#"","namespace":""#);
    push(buf, &e.namespace);
    push(buf, r#"","uid":""#);
    push_uuid(buf, &e.uid);
    push(buf, r#"","resourceVersion":""#);
    push_u64(buf, e.resource_version);
    push(buf, r#"","creationTimestamp":""#);
    time.seconds(buf, e.time);
    push(buf, r#""},"involvedObject":{"kind":""#);
    push(buf, e.kind);
    push(buf, r#"","namespace":""#);
    push(buf, &e.namespace);
    push(buf, r#"","name":""#);
    push(buf, &e.object);
    push(buf, r#"","uid":""#);
    push_uuid(buf, &e.object_uid);
    push(buf, r#"","apiVersion":""#);
    push(buf, e.api_version);
    push(buf, r#"","resourceVersion":""#);
    push_u64(buf, e.resource_version / 7);
    buf.push(b'"');
    if !e.container.is_empty() {
        push(buf, r#","fieldPath":"spec.containers{"#);
        push(buf, &e.container);
        push(buf, r#"}""#);
    }
    push(buf, r#"},"reason":""#);
    push(buf, e.reason);
    push(buf, r#"","message":""#);
    push_escaped(buf, e.message.as_bytes());
    buf.push(b'"');
    match e.reporter {
        Reporter::Scheduler => {
            push(
                buf,
                r#","source":{},"firstTimestamp":null,"lastTimestamp":null,"type":"Normal","eventTime":""#,
            );
            time.micros(buf, e.time);
            push(
                buf,
                r#"","action":"Binding","reportingComponent":"default-scheduler","reportingInstance":""#,
            );
            push(buf, &e.host);
            push(buf, r#""}"#);
        }
        Reporter::Kubelet | Reporter::Controller(_) => {
            let component = match e.reporter {
                Reporter::Controller(c) => c,
                _ => "kubelet",
            };
            push(buf, r#","source":{"component":""#);
            push(buf, component);
            buf.push(b'"');
            if e.reporter == Reporter::Kubelet {
                push(buf, r#","host":""#);
                push(buf, &e.host);
                buf.push(b'"');
            }
            push(buf, r#"},"firstTimestamp":""#);
            // A repeated event keeps its first time; the series spans `count` back-off periods.
            time.seconds(
                buf,
                e.time - i64::from(e.count.saturating_sub(1)) * 30 * crate::text::NANOS,
            );
            push(buf, r#"","lastTimestamp":""#);
            time.seconds(buf, e.time);
            push(buf, r#"","count":"#);
            push_u64(buf, u64::from(e.count));
            push(buf, r#","type":""#);
            push(buf, if e.warning { "Warning" } else { "Normal" });
            push(buf, r#"","eventTime":null,"reportingComponent":""#);
            push(buf, component);
            push(buf, r#"","reportingInstance":""#);
            if e.reporter == Reporter::Kubelet {
                push(buf, &e.host);
            }
            push(buf, r#""}"#);
        }
    }
}

/// Write `e` as the watch event Splunk Connect for Kubernetes indexes:
/// `{"type":"ADDED","object":{...}}`.
pub(crate) fn write_watch(buf: &mut Vec<u8>, e: &ObjEv, time: &mut TimeFmt) {
    push(buf, r#"{"type":""#);
    push(buf, e.watch_type);
    push(buf, r#"","object":"#);
    write_event(buf, e, time);
    buf.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn pull() -> ObjEv {
        ObjEv {
            uid: [1; 16],
            name_suffix: 0x1234,
            resource_version: 7_000_000,
            namespace: "default".into(),
            kind: "Pod",
            api_version: "v1",
            object: "kube-hunter-x2k9q".into(),
            object_uid: [2; 16],
            container: "kube-hunter".into(),
            reason: "Pulling",
            message: "Pulling image \"aquasec/kube-hunter:0.6.8\"".into(),
            warning: false,
            reporter: Reporter::Kubelet,
            host: "node-1".into(),
            count: 1,
            time: 1_793_606_400_000_000_000,
            watch_type: "ADDED",
        }
    }

    #[test]
    fn a_kubelet_pull_event() {
        let mut buf = Vec::new();
        write_event(&mut buf, &pull(), &mut TimeFmt::default());
        let v: Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["metadata"]["name"], "kube-hunter-x2k9q.0000000000001234");
        assert_eq!(v["involvedObject"]["fieldPath"], "spec.containers{kube-hunter}");
        assert_eq!(v["message"], "Pulling image \"aquasec/kube-hunter:0.6.8\"");
        assert_eq!(v["source"]["host"], "node-1");
        assert_eq!(v["lastTimestamp"], "2026-11-02T08:00:00Z");
        assert_eq!(v["eventTime"], Value::Null);
    }

    #[test]
    fn a_scheduler_event_and_the_watch_shape() {
        let mut e = pull();
        e.reporter = Reporter::Scheduler;
        e.reason = "Scheduled";
        e.container.clear();
        e.host = "default-scheduler-abc".into();
        let mut buf = Vec::new();
        write_watch(&mut buf, &e, &mut TimeFmt::default());
        let v: Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["type"], "ADDED");
        assert_eq!(v["object"]["eventTime"], "2026-11-02T08:00:00.000000Z");
        assert_eq!(v["object"]["firstTimestamp"], Value::Null);
        assert_eq!(v["object"]["reportingInstance"], "default-scheduler-abc");
    }
}

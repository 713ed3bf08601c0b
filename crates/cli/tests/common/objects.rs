//! Kubernetes Scanner Image Pulling's data: hand-made Kubernetes Events in the watch shape Splunk
//! Connect for Kubernetes indexes (`{"type":..,"object":{Event}}`), and its result rows.

use std::path::PathBuf;

use super::{Row, fixture, ordered};

/// The events.
pub(crate) fn scanner_pulls() -> PathBuf {
    fixture("objects", "scanner_pulls.jsonl")
}

/// The options the detection's data is read with: its sourcetype and a host.
pub(crate) const ARGS: &[&str] = &["--sourcetype", "kube:objects:events", "--host", "replay-host"];

/// The rows over [`scanner_pulls`], as JSON lines.
///
/// Two pulls of kube-hunter on node-1 group into one row (count 2, first and last times from the
/// events' lastTimestamp); kube-bench on node-2 is its own row. The "Pulled" event and the nginx
/// pull do not match. The kube-recon pull has no `object.source.host`, so `rename source.host AS
/// host` removes the event's `host` and `stats ... BY host` drops it. `kind` is the involved
/// object's (Pod), not the Event's: the second wildcard rename overwrites it. Rows are sorted by
/// the BY fields (host first); columns are the BY fields, then firstTime, lastTime, count;
/// `security_content_ctime` renders the times.
pub(crate) const SCANNER_PULLS_ROWS: &[&str] = &[
    r#"{"host":"node-1","name":"kube-hunter-7c9d","namespace":"default","kind":"Pod","reason":"Pulling","message":"Pulling image \"aquasec/kube-hunter:0.6.8\"","phase":"operate","severity":"high","firstTime":"2026-11-21T10:00:00","lastTime":"2026-11-21T10:05:00","count":2}"#,
    r#"{"host":"node-2","name":"kube-bench-x2","namespace":"default","kind":"Pod","reason":"Pulling","message":"Pulling image \"docker.io/aquasec/kube-bench:v0.9.0\"","phase":"operate","severity":"high","firstTime":"2026-11-21T11:00:00","lastTime":"2026-11-21T11:00:00","count":1}"#,
];

/// [`SCANNER_PULLS_ROWS`] as rows.
pub(crate) fn scanner_pulls_rows() -> Vec<Row> {
    SCANNER_PULLS_ROWS.iter().map(|l| ordered(l)).collect()
}

//! Building events: JSON text (or plain text) plus metadata into a [`Row`].
//!
//! An event carries Splunk's default fields: `_raw` (the original text), `_time`, `source`,
//! `sourcetype`, `host` and `index`, plus the fields extracted from its JSON with Splunk's naming
//! (`a.b.c`, `a{}`, `a{}.b`). Only the fields the loaded plans need are extracted.

use crate::json::{Flattener, JsonError, Projection};
use crate::needs::Needs;
use crate::row::{RAW, Row, TIME};
use crate::time::parse_rfc3339;
use crate::value::{Text, Value, parse_number};

/// Where an event came from, as Splunk's default fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// `source`: a file path, a log group, or a fixed name such as `kubernetes`.
    pub source: Text,
    /// `sourcetype`: the format, e.g. `_json` or `kube:objects:events`.
    pub sourcetype: Text,
    /// `host`.
    pub host: Text,
    /// `index`.
    pub index: Text,
}

impl Default for Metadata {
    fn default() -> Self {
        Self {
            source: Text::from("stdin"),
            sourcetype: Text::from("_json"),
            host: Text::from("tripline"),
            index: Text::from("main"),
        }
    }
}

/// Turns event text into rows, reusing its buffers from one event to the next.
#[derive(Debug)]
pub struct EventBuilder {
    flattener: Flattener,
    projection: Projection,
    keep_raw: bool,
    time_fields: Vec<Text>,
    next_seq: u64,
}

impl EventBuilder {
    /// A builder that extracts what `needs` asks for. `time_fields` name the fields that hold
    /// the event time, in order of preference (RFC 3339 text or epoch seconds); they are
    /// extracted too.
    #[must_use]
    pub fn new(needs: &Needs, time_fields: &[&str]) -> EventBuilder {
        let projection = match needs.projection() {
            Projection::All => Projection::All,
            Projection::Only(mut set) => {
                for f in time_fields {
                    set.insert_name(f);
                }
                Projection::Only(set)
            }
        };
        EventBuilder {
            flattener: Flattener::new(),
            projection,
            keep_raw: needs.wants_raw(),
            time_fields: time_fields.iter().map(|f| Text::from(*f)).collect(),
            next_seq: 0,
        }
    }

    /// A builder that extracts every field.
    #[must_use]
    pub fn all(time_fields: &[&str]) -> EventBuilder {
        EventBuilder::new(&Needs::all(), time_fields)
    }

    /// The projection in use.
    #[must_use]
    pub fn projection(&self) -> &Projection {
        &self.projection
    }

    /// Number the next row `seq` (rows are numbered in the order they are built). A reader
    /// that hands parts of one input to several builders sets each part's first number, so rows
    /// keep one order across them: what order-sensitive commands and merged results rely on.
    pub fn set_next_seq(&mut self, seq: u64) {
        self.next_seq = seq;
    }

    /// Build an event from one JSON document. `fallback_time` is used when no time field
    /// parses (Splunk would use the time it received the event).
    ///
    /// # Errors
    /// The text is not valid JSON (in the parts the projection reads).
    pub fn json(&mut self, text: &str, meta: &Metadata, fallback_time: f64) -> Result<Row, JsonError> {
        let mut row = Row::with_capacity(16);
        self.flattener
            .flatten(text, &self.projection, &mut |name, value| row.push_value(name, value))?;
        let time = self
            .time_fields
            .iter()
            .find_map(|f| row.get(f).and_then(|v| v.values().first().and_then(|s| parse_time(s))))
            .unwrap_or(fallback_time);
        Ok(self.finish(row, text, meta, time))
    }

    /// Build an event from one JSON document whose time is already known: the ingest normalizers
    /// work it out per log shape, so the builder's time fields are not consulted (a builder made
    /// for this use can be given none, and then extracts only what the plan needs).
    ///
    /// # Errors
    /// The text is not valid JSON (in the parts the projection reads).
    pub fn json_at(&mut self, text: &str, meta: &Metadata, time: f64) -> Result<Row, JsonError> {
        let mut row = Row::with_capacity(16);
        self.flattener
            .flatten(text, &self.projection, &mut |name, value| row.push_value(name, value))?;
        Ok(self.finish(row, text, meta, time))
    }

    /// Build an event from text that is not JSON (only the default fields are set).
    pub fn text(&mut self, text: &str, meta: &Metadata, time: f64) -> Row {
        self.finish(Row::with_capacity(6), text, meta, time)
    }

    fn finish(&mut self, mut row: Row, text: &str, meta: &Metadata, time: f64) -> Row {
        // The default fields win over JSON keys of the same name, as Splunk's are indexed.
        row.set("host", Value::Str(meta.host.clone()));
        row.set("source", Value::Str(meta.source.clone()));
        row.set("sourcetype", Value::Str(meta.sourcetype.clone()));
        row.set("index", Value::Str(meta.index.clone()));
        row.set(TIME, Value::Num(time));
        if self.keep_raw {
            row.set(RAW, Value::str(text));
        }
        row.seq = self.next_seq;
        self.next_seq += 1;
        row
    }
}

/// Parse an event time: RFC 3339, or epoch seconds.
#[must_use]
pub fn parse_time(s: &str) -> Option<f64> {
    parse_rfc3339(s).or_else(|| parse_number(s))
}

/// The time fields of Kubernetes audit events and object events, in order of preference.
pub const KUBERNETES_TIME_FIELDS: &[&str] = &[
    "requestReceivedTimestamp",
    "stageTimestamp",
    "timestamp",
    "object.lastTimestamp",
    "object.eventTime",
    "object.firstTimestamp",
    "lastTimestamp",
    "eventTime",
    "firstTimestamp",
    "metadata.creationTimestamp",
];

#[cfg(test)]
mod tests {
    use super::*;

    const AUDIT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{"username":"system:anonymous","groups":["system:unauthenticated"]},"sourceIPs":["203.0.113.9"],"userAgent":"python-requests/2.31.0","objectRef":{"resource":"pods","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","reason":"Forbidden","code":403},"requestReceivedTimestamp":"2026-11-20T10:00:00.000000Z","stageTimestamp":"2026-11-20T10:00:00.002000Z","annotations":{"authorization.k8s.io/decision":"forbid"}}"#;

    #[test]
    fn builds_an_audit_event() {
        let mut b = EventBuilder::all(KUBERNETES_TIME_FIELDS);
        let meta = Metadata {
            source: Text::from("kubernetes"),
            ..Metadata::default()
        };
        let row = b.json(AUDIT, &meta, 0.0).unwrap();
        assert_eq!(row.get("user.groups{}"), Some(&Value::str("system:unauthenticated")));
        assert_eq!(row.get("responseStatus.code"), Some(&Value::str("403")));
        assert_eq!(
            row.get("annotations.authorization.k8s.io/decision"),
            Some(&Value::str("forbid"))
        );
        assert_eq!(row.get("source"), Some(&Value::str("kubernetes")));
        assert_eq!(row.time(), Some(1_795_168_800.0));
        assert_eq!(row.get(RAW).map(Value::to_text).as_deref(), Some(AUDIT));
    }

    #[test]
    fn projection_extracts_only_what_is_needed() {
        let mut needs = Needs::none();
        needs.add("verb");
        let mut b = EventBuilder::new(&needs, KUBERNETES_TIME_FIELDS);
        let row = b.json(AUDIT, &Metadata::default(), 0.0).unwrap();
        assert!(row.contains("verb"));
        assert!(!row.contains("userAgent"));
        assert!(!row.contains(RAW));
        assert_eq!(row.time(), Some(1_795_168_800.0));
    }

    #[test]
    fn given_time_wins() {
        let mut b = EventBuilder::new(&Needs::all(), &[]);
        let row = b.json_at(AUDIT, &Metadata::default(), 5.0).unwrap();
        assert_eq!(row.time(), Some(5.0));
        assert_eq!(row.get("verb"), Some(&Value::str("list")));
        assert!(b.json_at("{\"a\":", &Metadata::default(), 5.0).is_err());
    }

    #[test]
    fn text_events_and_fallback_time() {
        let mut b = EventBuilder::all(&[]);
        let row = b.text("not json", &Metadata::default(), 42.0);
        assert_eq!(row.time(), Some(42.0));
        assert_eq!(row.get(RAW), Some(&Value::str("not json")));
        let row2 = b.json("{\"a\":1}", &Metadata::default(), 7.0).unwrap();
        assert_eq!(row2.time(), Some(7.0));
        assert!(row2.seq > row.seq);
    }
}

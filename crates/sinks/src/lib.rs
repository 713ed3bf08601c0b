//! Tripline's finding outputs (terminal table, JSONL, OCSF, Falco JSON, HTTP webhook, Slack,
//! Splunk HEC) with retries, backoff and a dead-letter file.
//!
//! This crate is being built; the detections and real-time issues define its scope.

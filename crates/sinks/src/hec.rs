//! Splunk HTTP Event Collector: batches of findings to `/services/collector/event`.
//!
//! Each finding is one HEC event ([`event`]):
//!
//! ```json
//! {"time": 1795341900.25, "host": "tripline-0", "source": "tripline",
//!  "sourcetype": "tripline:finding", "index": "k8s", "event": {"id": "…", "rule": {…}, …}}
//! ```
//!
//! `time` is the finding's `last_time` (else `first_time`, else now) in epoch seconds with
//! milliseconds; `index` only when configured. A batch is the events one after the other, one
//! per line, in one request with `Authorization: Splunk <token>` (and
//! `X-Splunk-Request-Channel` when a channel is configured).
//!
//! HEC's answers: 200 is delivered. 400 (bad data: an unknown index, an invalid event) is
//! rejected at once and dead-lettered, since sending it again cannot help. 401 and 403 (a
//! missing, wrong or disabled token) are rejected too, dead-lettered, reported as the sink's
//! last error and logged. 429, 500 and 503 (server busy, queue full) are retried with backoff.
//! The reason in an error is HEC's own `text` and `code`, e.g. `Incorrect index (code 7)`.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName};
use reqwest::{Client, Url};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tripline_content::Finding;

use crate::config::HecConfig;
use crate::delivery::{BuildError, DeliveryError, DeliveryOptions, Sink, Transport, open_dead_letter};
use crate::http;
use crate::{Format, SinkError};

/// The path events are posted to when the configured URL has none.
pub const EVENT_PATH: &str = "/services/collector/event";

/// The request header naming a channel.
pub const CHANNEL_HEADER: &str = "x-splunk-request-channel";

/// The event metadata of a HEC sink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventMeta {
    /// `host`.
    pub host: String,
    /// `source`.
    pub source: String,
    /// `sourcetype`.
    pub sourcetype: String,
    /// `index`, when set.
    pub index: Option<String>,
    /// The format of `event`.
    pub format: Format,
}

/// The HEC event for `finding`.
///
/// # Errors
///
/// When `meta.format` cannot express the finding ([`SinkError::NoTime`] for OCSF or Falco).
pub fn event(finding: &Finding, meta: &EventMeta) -> Result<Box<RawValue>, SinkError> {
    let event = crate::encode(meta.format, finding)?;
    let time = finding
        .last_time
        .or(finding.first_time)
        .filter(|t| t.is_finite())
        .unwrap_or_else(now);
    let record = Event {
        time: (time * 1000.0).round() / 1000.0,
        host: &meta.host,
        source: &meta.source,
        sourcetype: &meta.sourcetype,
        index: meta.index.as_deref(),
        event: &event,
    };
    Ok(serde_json::value::to_raw_value(&record)?)
}

#[derive(Serialize)]
struct Event<'a> {
    time: f64,
    host: &'a str,
    source: &'a str,
    sourcetype: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<&'a str>,
    event: &'a RawValue,
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The Splunk HEC sink's transport.
#[derive(Debug)]
pub struct HecTransport {
    client: Client,
    url: Url,
    headers: HeaderMap,
    meta: EventMeta,
}

impl HecTransport {
    /// The transport `config` describes: the token resolved, the URL completed, the client
    /// built.
    ///
    /// # Errors
    ///
    /// [`BuildError`] for a missing token, an invalid URL or channel, or an unreadable CA file.
    pub fn from_config(config: &HecConfig) -> Result<HecTransport, BuildError> {
        let sink = config.name.as_str();
        let mut url = Url::parse(config.url.trim()).map_err(|e| BuildError::Invalid {
            sink: sink.to_owned(),
            field: "url".to_owned(),
            reason: format!("not a URL ({e})"),
        })?;
        if url.path().is_empty() || url.path() == "/" {
            url.set_path(EVENT_PATH);
        }
        let url = http::check_scheme(sink, "url", url)?;
        let token = config.token.resolve().map_err(|source| BuildError::Secret {
            sink: sink.to_owned(),
            field: "token".to_owned(),
            source,
        })?;
        let mut headers = HeaderMap::new();
        headers.insert(
            AUTHORIZATION,
            http::sensitive(sink, "token", &format!("Splunk {}", token.trim()))?,
        );
        if let Some(channel) = &config.channel {
            headers.insert(
                HeaderName::from_static(CHANNEL_HEADER),
                http::sensitive(sink, "channel", channel)?,
            );
        }
        Ok(HecTransport {
            client: http::client(sink, config.timeout, config.ca_file.as_deref())?,
            url,
            headers,
            meta: EventMeta {
                host: config.host.clone().unwrap_or_else(hostname),
                source: config.source.clone(),
                sourcetype: config.sourcetype.clone(),
                index: config.index.clone(),
                format: config.format.into(),
            },
        })
    }

    /// The endpoint events are posted to.
    #[must_use]
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The metadata every event carries.
    #[must_use]
    pub fn meta(&self) -> &EventMeta {
        &self.meta
    }
}

impl Transport for HecTransport {
    fn kind(&self) -> &'static str {
        "splunk_hec"
    }

    fn encode(&self, finding: &Finding) -> Result<Box<RawValue>, SinkError> {
        event(finding, &self.meta)
    }

    async fn deliver(&self, batch: &[&RawValue]) -> Result<(), DeliveryError> {
        let mut body = Vec::new();
        for payload in batch {
            body.extend_from_slice(payload.get().as_bytes());
            body.push(b'\n');
        }
        http::post(
            &self.client,
            &self.url,
            &self.headers,
            "application/json",
            body,
            hec_reason,
        )
        .await
    }
}

/// HEC's answer body: `{"text": "Incorrect index", "code": 7, "invalid-event-number": 1}`.
#[derive(Deserialize)]
struct HecAnswer {
    text: String,
    code: Option<i64>,
    #[serde(rename = "invalid-event-number")]
    invalid_event: Option<i64>,
}

fn hec_reason(body: &str) -> Option<String> {
    let answer: HecAnswer = serde_json::from_str(body).ok()?;
    let mut reason = http::one_line(&answer.text);
    if let Some(code) = answer.code {
        reason.push_str(&format!(" (code {code})"));
    }
    if let Some(n) = answer.invalid_event {
        reason.push_str(&format!(", invalid event number {n} of the batch"));
    }
    Some(reason)
}

/// This machine's name: `HOSTNAME`, else the kernel's, else `tripline`.
fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "tripline".to_owned())
}

pub(crate) fn start(config: &HecConfig) -> Result<Sink, BuildError> {
    let transport = HecTransport::from_config(config)?;
    let options = DeliveryOptions {
        queue_capacity: config.queue_capacity,
        batch: config.batch,
        retry: config.retry,
        dead_letter: open_dead_letter(&config.name, &config.dead_letter)?,
    };
    Sink::start(&config.name, transport, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hec_answers_become_reasons() {
        assert_eq!(
            hec_reason(r#"{"text":"Incorrect index","code":7,"invalid-event-number":1}"#).as_deref(),
            Some("Incorrect index (code 7), invalid event number 1 of the batch")
        );
        assert_eq!(
            hec_reason(r#"{"text":"Invalid token","code":4}"#).as_deref(),
            Some("Invalid token (code 4)")
        );
        assert_eq!(hec_reason("<html>busy</html>"), None);
    }
}

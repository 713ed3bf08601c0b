//! A generic HTTP webhook: findings POSTed as JSON in the finding's own layout, OCSF or Falco.
//!
//! Without batching, each finding is one request whose body is the JSON object
//! (`Content-Type: application/json`). With batching, each batch is one request whose body is
//! one object per line (`Content-Type: application/x-ndjson`). Configured headers
//! (`Authorization`, ...) go with every request and are never logged.

use reqwest::header::{HeaderMap, HeaderName};
use reqwest::{Client, Url};
use serde_json::value::RawValue;
use tripline_content::Finding;

use crate::config::{Batching, WebhookConfig};
use crate::delivery::{BuildError, DeliveryError, DeliveryOptions, Sink, Transport, open_dead_letter};
use crate::http::{self, plain_reason};
use crate::{Format, SinkError};

/// The webhook sink's transport.
#[derive(Debug)]
pub struct WebhookTransport {
    client: Client,
    url: Url,
    headers: HeaderMap,
    format: Format,
    batched: bool,
}

impl WebhookTransport {
    /// The transport `config` describes: its URL and header secrets resolved, its client built.
    ///
    /// # Errors
    ///
    /// [`BuildError`] for a missing secret, an invalid URL or header, or an unreadable CA file.
    pub fn from_config(config: &WebhookConfig) -> Result<WebhookTransport, BuildError> {
        let sink = config.name.as_str();
        let url = http::secret_url(sink, "url", &config.url)?;
        let mut headers = HeaderMap::new();
        for (name, value) in &config.headers {
            let field = format!("headers.{name}");
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| BuildError::Invalid {
                sink: sink.to_owned(),
                field: field.clone(),
                reason: "not a valid header name".to_owned(),
            })?;
            let value = value.resolve().map_err(|source| BuildError::Secret {
                sink: sink.to_owned(),
                field: field.clone(),
                source,
            })?;
            headers.insert(header, http::sensitive(sink, &field, &value)?);
        }
        Ok(WebhookTransport {
            client: http::client(sink, config.timeout, config.ca_file.as_deref())?,
            url,
            headers,
            format: config.format.into(),
            batched: config.batch.is_some(),
        })
    }
}

impl Transport for WebhookTransport {
    fn kind(&self) -> &'static str {
        "webhook"
    }

    fn encode(&self, finding: &Finding) -> Result<Box<RawValue>, SinkError> {
        crate::encode(self.format, finding)
    }

    async fn deliver(&self, batch: &[&RawValue]) -> Result<(), DeliveryError> {
        if self.batched {
            let mut body = Vec::new();
            for payload in batch {
                body.extend_from_slice(payload.get().as_bytes());
                body.push(b'\n');
            }
            return http::post(
                &self.client,
                &self.url,
                &self.headers,
                "application/x-ndjson",
                body,
                plain_reason,
            )
            .await;
        }
        // Unbatched sinks are given one finding at a time; several are sent in order.
        for payload in batch {
            let body = payload.get().as_bytes().to_vec();
            http::post(
                &self.client,
                &self.url,
                &self.headers,
                "application/json",
                body,
                plain_reason,
            )
            .await?;
        }
        Ok(())
    }
}

pub(crate) fn start(config: &WebhookConfig) -> Result<Sink, BuildError> {
    let transport = WebhookTransport::from_config(config)?;
    let options = DeliveryOptions {
        queue_capacity: config.queue_capacity,
        batch: config.batch.unwrap_or(Batching::SINGLE),
        retry: config.retry,
        dead_letter: open_dead_letter(&config.name, &config.dead_letter)?,
    };
    Sink::start(&config.name, transport, options)
}

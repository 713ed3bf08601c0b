//! What the HTTP sinks share: the client (reqwest over rustls, no redirects), POSTing a body,
//! and turning the outcome into a [`DeliveryError`].

use std::path::Path;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Client, Url};

use crate::config::Secret;
use crate::delivery::{BuildError, DeliveryError};

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("tripline/", env!("CARGO_PKG_VERSION"));

/// The most of an error response body kept in an error message.
const MAX_REASON: usize = 300;

/// A client with `timeout` per request, trusting the system's roots and the PEM certificates
/// in `ca_file`. Redirects are not followed: a webhook that moved is a configuration error,
/// and following one would turn the POST into a GET.
pub(crate) fn client(sink: &str, timeout: Duration, ca_file: Option<&Path>) -> Result<Client, BuildError> {
    let mut builder = Client::builder()
        .user_agent(USER_AGENT)
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).map_err(|source| BuildError::Open {
            sink: sink.to_owned(),
            path: path.to_owned(),
            source,
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| BuildError::Client {
            sink: sink.to_owned(),
            message: format!("{}: {}", path.display(), chain(&e)),
        })?;
        if certificates.is_empty() {
            return Err(BuildError::Client {
                sink: sink.to_owned(),
                message: format!("{}: no PEM certificate", path.display()),
            });
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().map_err(|e| BuildError::Client {
        sink: sink.to_owned(),
        message: chain(&e),
    })
}

/// Resolve `secret` and parse it as an `http` or `https` URL.
pub(crate) fn secret_url(sink: &str, field: &str, secret: &Secret) -> Result<Url, BuildError> {
    let text = secret.resolve().map_err(|source| BuildError::Secret {
        sink: sink.to_owned(),
        field: field.to_owned(),
        source,
    })?;
    // The URL may hold a token: say what is wrong without echoing it.
    let url = Url::parse(text.trim()).map_err(|e| BuildError::Invalid {
        sink: sink.to_owned(),
        field: field.to_owned(),
        reason: format!("not a URL ({e})"),
    })?;
    check_scheme(sink, field, url)
}

/// `url` if its scheme is `http` or `https`.
pub(crate) fn check_scheme(sink: &str, field: &str, url: Url) -> Result<Url, BuildError> {
    if matches!(url.scheme(), "http" | "https") {
        Ok(url)
    } else {
        Err(BuildError::Invalid {
            sink: sink.to_owned(),
            field: field.to_owned(),
            reason: format!("the scheme must be http or https, not {}", url.scheme()),
        })
    }
}

/// A header value that is never printed (`Authorization`, tokens).
pub(crate) fn sensitive(sink: &str, field: &str, value: &str) -> Result<HeaderValue, BuildError> {
    let mut value = HeaderValue::from_str(value).map_err(|_| BuildError::Invalid {
        sink: sink.to_owned(),
        field: field.to_owned(),
        reason: "not a valid header value (control characters?)".to_owned(),
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// POST `body` to `url` and wait for a 2xx. `reason` turns an error response's body into the
/// message of [`DeliveryError::Status`].
pub(crate) async fn post(
    client: &Client,
    url: &Url,
    headers: &HeaderMap,
    content_type: &'static str,
    body: Vec<u8>,
    reason: fn(&str) -> Option<String>,
) -> Result<(), DeliveryError> {
    let response = client
        .post(url.clone())
        .headers(headers.clone())
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .map_err(request_error)?;
    let status = response.status();
    if status.is_success() {
        // Read the body so the connection can be reused; its content does not matter.
        let _ = response.bytes().await;
        return Ok(());
    }
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = response.text().await.unwrap_or_default();
    let message = reason(&body).unwrap_or_else(|| {
        let canonical = status.canonical_reason().unwrap_or("error").to_owned();
        match one_line(&body) {
            text if text.is_empty() => canonical,
            text => format!("{canonical}: {text}"),
        }
    });
    Err(DeliveryError::Status {
        status: status.as_u16(),
        message,
        retry_after,
    })
}

/// A reason from the body that is not worth parsing: none, use the canonical reason and the
/// start of the body.
pub(crate) fn plain_reason(_body: &str) -> Option<String> {
    None
}

/// `text` on one line, at most [`MAX_REASON`] characters.
pub(crate) fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(MAX_REASON) {
        Some((end, _)) => format!("{}…", &joined[..end]),
        None => joined,
    }
}

/// A client error as a [`DeliveryError`], without the URL (it may hold a token, as Slack's
/// does).
fn request_error(error: reqwest::Error) -> DeliveryError {
    let error = error.without_url();
    let message = chain(&error);
    if error.is_timeout() {
        DeliveryError::Timeout { message }
    } else if error.is_connect() {
        DeliveryError::Connect { message }
    } else {
        DeliveryError::Request { message }
    }
}

/// An error and its sources, joined with `: ` (reqwest's own message is terse).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_joins_and_truncates() {
        assert_eq!(one_line(" a\n b\t c "), "a b c");
        let long = "x".repeat(MAX_REASON + 10);
        let short = one_line(&long);
        assert_eq!(short.chars().count(), MAX_REASON + 1);
        assert!(short.ends_with('…'));
    }
}

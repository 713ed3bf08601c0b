//! Slack incoming webhooks: one readable message per finding.
//!
//! The message ([`message`]) has a `text` for notifications and `blocks`: a header with the
//! severity and the rule, the finding's message, the severity and risk score, the rule and its
//! type, the time range and the finding id, the risk and threat objects, and the ATT&CK
//! techniques with their tactics.
//!
//! Much of a finding is written by whoever produced the logs: a user agent, a user name, an
//! image name end up in the message and the entities. Slack's mrkdwn reads `<...>` as links and
//! mentions (`<https://evil|click here>`, `<!channel>`) and `&` as the start of an entity, so
//! every value is escaped ([`escape`]: `&` `&amp;`, `<` `&lt;`, `>` `&gt;`); every mrkdwn text
//! is `verbatim`, so Slack does not turn bare URLs, `#channels` or `@names` into links or
//! mentions either; entity values are set as inline code (a backtick in a value is replaced by
//! `ˋ`, so it cannot close the code span); line breaks in values and in the message become
//! spaces, so a value cannot fake a line of the message; and link and media previews are off, so Slack does not
//! fetch an attacker's URL.

use reqwest::header::HeaderMap;
use reqwest::{Client, Url};
use serde_json::value::RawValue;
use serde_json::{Value as Json, json};
use tripline_content::{Finding, FindingSeverity, rfc3339};

use crate::SinkError;
use crate::config::{Batching, SlackConfig};
use crate::delivery::{BuildError, DeliveryError, DeliveryOptions, Sink, Transport, open_dead_letter};
use crate::http::{self, plain_reason};

/// The most risk or threat objects listed; the rest are counted.
const MAX_OBJECTS: usize = 10;
/// Slack's limit for a header's text.
const MAX_HEADER: usize = 150;
/// Below Slack's 3000-character limit for a section, leaving room for escaping.
const MAX_SECTION: usize = 2000;
/// The most characters of one value.
const MAX_VALUE: usize = 200;

/// Escape Slack's mrkdwn control characters: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`.
///
/// ```
/// assert_eq!(
///     tripline_sinks::slack::escape("<!channel> & <https://evil.example|login>"),
///     "&lt;!channel&gt; &amp; &lt;https://evil.example|login&gt;"
/// );
/// ```
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The Slack message for `finding`: `text`, `blocks`, previews off.
#[must_use]
pub fn message(finding: &Finding) -> Json {
    let severity = severity_name(finding.severity);
    let rule = &finding.rule.name;
    let mut blocks = vec![
        json!({
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": clip(&format!("{} · {}", severity.to_uppercase(), one_line(rule)), MAX_HEADER),
                "emoji": false,
            },
        }),
        mrkdwn_section(&escape(&clip(&one_line(&finding.message), MAX_SECTION))),
    ];

    let score = finding
        .risk_score
        .map_or_else(String::new, |s| format!(" (risk score {s})"));
    let when = match (
        finding.first_time.and_then(rfc3339),
        finding.last_time.and_then(rfc3339),
    ) {
        (Some(first), Some(last)) if first == last => first,
        (Some(first), Some(last)) => format!("{first} – {last}"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => "unknown".to_owned(),
    };
    blocks.push(json!({
        "type": "section",
        "fields": [
            mrkdwn(&format!("*Severity*\n{severity}{score}")),
            mrkdwn(&format!(
                "*Rule*\n{} ({})",
                escape(&clip(&one_line(rule), MAX_VALUE)),
                finding.rule.kind.as_str()
            )),
            mrkdwn(&format!("*When*\n{when}")),
            mrkdwn(&format!("*Finding*\n{}", code(&finding.id))),
        ],
    }));

    if !finding.risk_objects.is_empty() {
        let lines = finding.risk_objects.iter().map(|r| {
            format!(
                "• {} — {} from {}, score {}",
                code(&r.object),
                r.kind.as_str(),
                code(&r.field),
                r.score
            )
        });
        blocks.push(mrkdwn_section(&listing(
            "Risk objects",
            lines,
            finding.risk_objects.len(),
        )));
    }
    if !finding.threat_objects.is_empty() {
        let lines = finding
            .threat_objects
            .iter()
            .map(|t| format!("• {} — {} from {}", code(&t.object), escape(&t.kind), code(&t.field)));
        blocks.push(mrkdwn_section(&listing(
            "Threat objects",
            lines,
            finding.threat_objects.len(),
        )));
    }

    let mut context = Vec::new();
    if !finding.mitre_attack.is_empty() {
        let techniques: Vec<String> = finding
            .mitre_attack
            .iter()
            .map(|t| {
                let mut text = t.id.clone();
                if let Some(name) = &t.name {
                    text.push(' ');
                    text.push_str(name);
                }
                if !t.tactics.is_empty() {
                    let tactics: Vec<&str> = t.tactics.iter().map(|tactic| tactic.name).collect();
                    text.push_str(&format!(" ({})", tactics.join(", ")));
                }
                text
            })
            .collect();
        context.push(mrkdwn(&escape(&clip(
            &format!("ATT&CK: {}", techniques.join(" · ")),
            MAX_SECTION,
        ))));
    }
    if !finding.analytic_stories.is_empty() {
        context.push(mrkdwn(&escape(&clip(
            &format!("Analytic stories: {}", finding.analytic_stories.join(", ")),
            MAX_SECTION,
        ))));
    }
    if !context.is_empty() {
        blocks.push(json!({"type": "context", "elements": context}));
    }

    let text = format!("{severity} · {}: {}", one_line(rule), one_line(&finding.message));
    json!({
        "text": escape(&clip(&text, MAX_SECTION)),
        "blocks": blocks,
        "unfurl_links": false,
        "unfurl_media": false,
    })
}

fn severity_name(severity: FindingSeverity) -> &'static str {
    match severity {
        FindingSeverity::Informational => "Informational",
        FindingSeverity::Low => "Low",
        FindingSeverity::Medium => "Medium",
        FindingSeverity::High => "High",
        FindingSeverity::Critical => "Critical",
    }
}

/// A bold title, then up to [`MAX_OBJECTS`] lines and a count of the rest.
fn listing(title: &str, lines: impl Iterator<Item = String>, total: usize) -> String {
    let mut text = format!("*{title}*");
    for line in lines.take(MAX_OBJECTS) {
        text.push('\n');
        text.push_str(&line);
    }
    if total > MAX_OBJECTS {
        text.push_str(&format!("\n…and {} more", total - MAX_OBJECTS));
    }
    text
}

/// A mrkdwn text object that Slack shows as written: no automatic links or mentions.
fn mrkdwn(text: &str) -> Json {
    json!({"type": "mrkdwn", "text": text, "verbatim": true})
}

fn mrkdwn_section(text: &str) -> Json {
    json!({"type": "section", "text": mrkdwn(text)})
}

/// `value` as escaped inline code on one line.
fn code(value: &str) -> String {
    let value = clip(&one_line(value), MAX_VALUE).replace('`', "ˋ");
    if value.is_empty() {
        return "(empty)".to_owned();
    }
    format!("`{}`", escape(&value))
}

/// `text` with every run of whitespace (line breaks included) made one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters of `text`, ending with `…` when cut.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((end, _)) if text.chars().count() > max => format!("{}…", &text[..end]),
        _ => text.to_owned(),
    }
}

/// The Slack sink's transport: one POST of one message per finding.
#[derive(Debug)]
pub struct SlackTransport {
    client: Client,
    url: Url,
}

impl SlackTransport {
    /// The transport `config` describes.
    ///
    /// # Errors
    ///
    /// [`BuildError`] for a missing secret, an invalid URL, or an unreadable CA file.
    pub fn from_config(config: &SlackConfig) -> Result<SlackTransport, BuildError> {
        Ok(SlackTransport {
            client: http::client(&config.name, config.timeout, config.ca_file.as_deref())?,
            url: http::secret_url(&config.name, "url", &config.url)?,
        })
    }
}

impl Transport for SlackTransport {
    fn kind(&self) -> &'static str {
        "slack"
    }

    fn encode(&self, finding: &Finding) -> Result<Box<RawValue>, SinkError> {
        Ok(serde_json::value::to_raw_value(&message(finding))?)
    }

    async fn deliver(&self, batch: &[&RawValue]) -> Result<(), DeliveryError> {
        let headers = HeaderMap::new();
        for payload in batch {
            let body = payload.get().as_bytes().to_vec();
            http::post(
                &self.client,
                &self.url,
                &headers,
                "application/json",
                body,
                plain_reason,
            )
            .await?;
        }
        Ok(())
    }
}

pub(crate) fn start(config: &SlackConfig) -> Result<Sink, BuildError> {
    let transport = SlackTransport::from_config(config)?;
    let options = DeliveryOptions {
        queue_capacity: config.queue_capacity,
        batch: Batching::SINGLE,
        retry: config.retry,
        dead_letter: open_dead_letter(&config.name, &config.dead_letter)?,
    };
    Sink::start(&config.name, transport, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_cannot_be_closed_or_broken_by_the_value() {
        assert_eq!(code("a`b\nc <@U1>"), "`aˋb c &lt;@U1&gt;`");
        assert_eq!(code(""), "(empty)");
    }

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("héllo", 10), "héllo");
        assert_eq!(clip("héllo", 3), "hé…");
        assert_eq!(clip("abc", 3), "abc");
    }
}

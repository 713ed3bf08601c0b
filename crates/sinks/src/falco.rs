//! falcosidekick-compatible Falco events, so findings can go wherever Falco alerts go.
//!
//! The fields falcosidekick reads: `rule` (the rule name), `priority` (critical → Critical,
//! high → Error, medium → Warning, low → Notice, informational → Informational), `output` (one
//! line: time, rule, message), `output_fields` (the result row's fields, names kept), `time`
//! (RFC 3339, UTC, nanosecond digits), `source` (`k8s_audit`), `tags` (ATT&CK technique ids,
//! `mitre_<tactic>` as Falco's own rules tag them, then the analytic stories) and `hostname`
//! (the row's `hostname`, `host` or `dest` field when it has a single value).

use std::io::Write;

use serde::Serialize;
use tripline_content::{Fields, Finding, FindingSeverity};
use tripline_engine::value::Value;

use crate::{SinkError, event_time, write_line};

/// The Falco `source` findings are reported under.
pub const SOURCE: &str = "k8s_audit";

/// Write `finding` as one Falco event followed by a newline.
///
/// # Errors
///
/// [`SinkError::NoTime`] when the finding has no time (Falco requires `time`),
/// [`SinkError::Io`] when `out` fails.
pub fn write(finding: &Finding, out: &mut dyn Write) -> Result<(), SinkError> {
    write_line(&event(finding)?, out)
}

/// The Falco event for `finding`, as a JSON value.
///
/// # Errors
///
/// [`SinkError::NoTime`] when the finding has no time.
pub fn to_value(finding: &Finding) -> Result<serde_json::Value, SinkError> {
    Ok(serde_json::to_value(event(finding)?)?)
}

/// The Falco priority for a severity.
#[must_use]
pub fn priority(severity: FindingSeverity) -> &'static str {
    match severity {
        FindingSeverity::Critical => "Critical",
        FindingSeverity::High => "Error",
        FindingSeverity::Medium => "Warning",
        FindingSeverity::Low => "Notice",
        FindingSeverity::Informational => "Informational",
    }
}

fn event(finding: &Finding) -> Result<Event<'_>, SinkError> {
    let no_time = || SinkError::NoTime {
        finding_id: finding.id.clone(),
    };
    let time = rfc3339_nanos(event_time(finding)?).ok_or_else(no_time)?;
    let priority = priority(finding.severity);
    let message: String = finding.message.split_whitespace().collect::<Vec<_>>().join(" ");
    let output = format!("{time}: {priority} {}: {message}", finding.rule.name);
    let mut tags: Vec<String> = Vec::new();
    let mut add = |t: String| {
        if !tags.contains(&t) {
            tags.push(t);
        }
    };
    for t in &finding.mitre_attack {
        add(t.id.clone());
        for tactic in &t.tactics {
            add(format!("mitre_{}", tactic.name.to_lowercase().replace([' ', '-'], "_")));
        }
    }
    for story in &finding.analytic_stories {
        add(story.clone());
    }
    Ok(Event {
        uuid: &finding.id,
        rule: &finding.rule.name,
        priority,
        output,
        output_fields: &finding.fields,
        time,
        source: SOURCE,
        tags,
        hostname: hostname(&finding.fields),
    })
}

fn hostname(fields: &Fields) -> Option<&str> {
    ["hostname", "host", "dest"]
        .iter()
        .find_map(|name| match fields.get(name) {
            Some(Value::Str(s)) if !s.is_empty() => Some(s.as_str()),
            _ => None,
        })
}

/// Epoch seconds as RFC 3339 in UTC with nine fraction digits, as Falco writes `time`.
/// The value is rounded to the microsecond first: an f64 of epoch seconds holds no more.
fn rfc3339_nanos(epoch: f64) -> Option<String> {
    let micros = (epoch * 1.0e6).round();
    if !micros.is_finite() || micros.abs() > 1.0e17 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let ts = jiff::Timestamp::from_microsecond(micros as i64).ok()?;
    let base = ts.strftime("%Y-%m-%dT%H:%M:%S");
    Some(format!("{base}.{:09}Z", ts.subsec_nanosecond()))
}

#[derive(Serialize)]
struct Event<'a> {
    uuid: &'a str,
    rule: &'a str,
    priority: &'static str,
    output: String,
    output_fields: &'a Fields,
    time: String,
    source: &'static str,
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_has_nine_fraction_digits() {
        assert_eq!(
            rfc3339_nanos(1_795_341_600.5).as_deref(),
            Some("2026-11-22T10:00:00.500000000Z")
        );
        assert_eq!(rfc3339_nanos(f64::NAN), None);
    }
}

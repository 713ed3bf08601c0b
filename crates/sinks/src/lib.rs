//! Tripline's finding outputs (terminal table, JSONL, OCSF, Falco JSON, HTTP webhook, Slack,
//! Splunk HEC) with retries, backoff and a dead-letter file.
//!
//! This crate is being built; the detections and real-time issues define its scope. What exists
//! now are the serialisations, pure functions that write one [`Finding`] to a
//! [`std::io::Write`]:
//!
//! - [`jsonl::write`]: the finding's own layout (`docs/findings.md`), one object per line;
//! - [`ocsf::write`]: an OCSF 1.3 Detection Finding (class 2004);
//! - [`falco::write`]: a falcosidekick-compatible Falco event.
//!
//! [`Format`] names them and [`write`] dispatches; every error is a [`SinkError`].

use std::io::Write;

use tripline_content::Finding;

pub mod falco;
pub mod jsonl;
pub mod ocsf;

/// An output format for findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The finding's own JSON layout, one object per line ([`jsonl::write`]).
    Jsonl,
    /// OCSF 1.3 Detection Finding, one object per line ([`ocsf::write`]).
    Ocsf,
    /// falcosidekick-compatible Falco event, one object per line ([`falco::write`]).
    Falco,
}

/// Why a finding could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The writer failed.
    #[error("cannot write finding: {0}")]
    Io(#[from] std::io::Error),
    /// Serialising to JSON failed.
    #[error("cannot serialise finding: {0}")]
    Json(#[from] serde_json::Error),
    /// The format needs an event time and the finding has none (neither `first_time` nor
    /// `last_time`), or it is outside the representable range.
    #[error("finding {finding_id} has no usable time")]
    NoTime {
        /// The finding's id.
        finding_id: String,
    },
}

/// Write `finding` to `out` in `format`, followed by a newline.
///
/// # Errors
///
/// [`SinkError::Io`] when `out` fails, [`SinkError::NoTime`] for OCSF and Falco when the
/// finding has no time.
pub fn write(format: Format, finding: &Finding, out: &mut dyn Write) -> Result<(), SinkError> {
    match format {
        Format::Jsonl => jsonl::write(finding, out),
        Format::Ocsf => ocsf::write(finding, out),
        Format::Falco => falco::write(finding, out),
    }
}

/// The time an event-shaped format reports for a finding: the latest event time it covers, else
/// the earliest, in epoch seconds.
fn event_time(finding: &Finding) -> Result<f64, SinkError> {
    finding
        .last_time
        .or(finding.first_time)
        .filter(|t| t.is_finite())
        .ok_or_else(|| SinkError::NoTime {
            finding_id: finding.id.clone(),
        })
}

/// Epoch seconds as whole epoch milliseconds.
fn millis(epoch: f64) -> i64 {
    // f64 to i64 saturates; Tripline's times are far inside the range.
    #[allow(clippy::cast_possible_truncation)]
    let ms = (epoch * 1000.0).round() as i64;
    ms
}

/// Serialise `value` as one JSON line.
fn write_line<T: serde::Serialize + ?Sized>(value: &T, out: &mut dyn Write) -> Result<(), SinkError> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

//! Tripline's finding outputs: the formats (terminal table, JSONL, OCSF, Falco JSON, Slack
//! messages, Splunk HEC events) and the sinks that deliver findings (stdout, a rotating file, an
//! HTTP webhook, Slack, Splunk HEC) with retries, backoff and a dead-letter file.
//!
//! # Formats
//!
//! - [`table`]: the terminal table, findings grouped by rule, one line each, severity coloured
//!   ([`table::TableWriter`]). It buffers: nothing is written before the last finding is in;
//! - [`jsonl::write`]: the finding's own layout (`docs/findings.md`), one object per line;
//! - [`ocsf::write`]: an OCSF 1.3 Detection Finding (class 2004);
//! - [`falco::write`]: a falcosidekick-compatible Falco event;
//! - [`slack::message`]: a Slack message, attacker-written values escaped;
//! - [`hec::event`]: a Splunk HEC event wrapping any of the JSON formats.
//!
//! [`Format`] names the first four. [`FindingWriter`] is the one synchronous interface for them:
//! it writes each finding as it comes in the streaming formats and collects them for the table,
//! which it renders on [`FindingWriter::finish`]. [`write()`] writes one finding. Every error is
//! a [`SinkError`].
//!
//! # Delivery
//!
//! A [`Sink`] ([`delivery`]) runs on Tokio: a bounded queue ([`Sink::try_send`] reports a full
//! queue instead of dropping), a worker that batches, retries transient failures with
//! exponential backoff and jitter ([`RetryPolicy`]), and writes what it cannot deliver to a
//! dead-letter file ([`dead_letter`]), and counters ([`SinkStats`]). Sinks are started from
//! [`SinkConfig`] ([`config`], serde, for the `serve` configuration file) or from any
//! [`Transport`]: [`file::WriterTransport`] (stdout), [`file::FileTransport`] over
//! [`file::RotatingFile`], [`webhook::WebhookTransport`], [`slack::SlackTransport`],
//! [`hec::HecTransport`]. `docs/sinks.md` describes them and their configuration.

use std::io::Write;

use tripline_content::Finding;

pub mod config;
pub mod dead_letter;
pub mod delivery;
pub mod falco;
pub mod file;
pub mod hec;
mod http;
pub mod jsonl;
pub mod ocsf;
pub mod retry;
pub mod slack;
pub mod table;
pub mod webhook;

pub use config::SinkConfig;
pub use dead_letter::{DeadLetter, DeadLetterFile, DeadLetterReason};
pub use delivery::{BuildError, DeliveryError, DeliveryOptions, SendError, Sink, SinkSender, SinkStats, Transport};
pub use http::USER_AGENT;
pub use retry::RetryPolicy;
pub use table::TableWriter;

/// An output format for findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The terminal table, grouped by rule ([`table`]). Buffers until finished.
    Table,
    /// The finding's own JSON layout, one object per line ([`jsonl::write`]).
    Jsonl,
    /// OCSF 1.3 Detection Finding, one object per line ([`ocsf::write`]).
    Ocsf,
    /// falcosidekick-compatible Falco event, one object per line ([`falco::write`]).
    Falco,
}

impl Format {
    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 4] = [Format::Table, Format::Jsonl, Format::Ocsf, Format::Falco];

    /// The name `--format` takes: `table`, `jsonl`, `ocsf` or `falco`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Jsonl => "jsonl",
            Format::Ocsf => "ocsf",
            Format::Falco => "falco",
        }
    }

    /// Whether each finding is written as it comes (every format but [`Format::Table`], which
    /// must see all findings before it can group and order them).
    #[must_use]
    pub fn is_streaming(self) -> bool {
        !matches!(self, Format::Table)
    }
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
/// [`Format::Table`] writes a whole table of this one finding, with default
/// [`WriterOptions`]; to put several findings in one table use [`FindingWriter`] or
/// [`table::write`].
///
/// # Errors
///
/// [`SinkError::Io`] when `out` fails, [`SinkError::NoTime`] for OCSF and Falco when the
/// finding has no time.
pub fn write(format: Format, finding: &Finding, out: &mut dyn Write) -> Result<(), SinkError> {
    match format {
        Format::Table => table::write([finding], WriterOptions::default(), out),
        Format::Jsonl => jsonl::write(finding, out),
        Format::Ocsf => ocsf::write(finding, out),
        Format::Falco => falco::write(finding, out),
    }
}

/// How [`FindingWriter`] renders findings for a person. Only the table uses them; the machine
/// formats ignore them. The default is no colour and no truncation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterOptions {
    /// Truncate every line to this many terminal columns, ending it with `…` (never less than
    /// [`table::MIN_WIDTH`]). `None` leaves lines whole. Give the terminal's width when writing
    /// to one.
    pub width: Option<usize>,
    /// Colour the severities with ANSI escape sequences (critical bold red, high red, medium
    /// yellow, low cyan, informational dim) and set rule names in bold. The caller decides: a
    /// terminal, `NO_COLOR`, `--color`.
    pub color: bool,
}

impl WriterOptions {
    /// These options with lines truncated to `width` columns (`None`: not truncated).
    #[must_use]
    pub fn with_width(mut self, width: Option<usize>) -> WriterOptions {
        self.width = width;
        self
    }

    /// These options with colour on or off.
    #[must_use]
    pub fn with_color(mut self, color: bool) -> WriterOptions {
        self.color = color;
        self
    }
}

/// Writes findings in any [`Format`]: the streaming formats as each finding comes, the table
/// when finished.
///
/// ```
/// use tripline_sinks::{FindingWriter, Format, WriterOptions};
///
/// let options = WriterOptions::default().with_width(Some(100)).with_color(false);
/// let out = FindingWriter::new(Format::Table, options, Vec::new());
/// // out.write(&finding)? for each finding, then:
/// let bytes = out.finish().expect("write to a Vec");
/// assert_eq!(bytes, b"no findings\n");
/// ```
#[derive(Debug)]
pub struct FindingWriter<W: Write> {
    inner: Inner<W>,
    count: usize,
}

#[derive(Debug)]
enum Inner<W: Write> {
    Stream { format: Format, out: W },
    Table(TableWriter<W>),
}

impl<W: Write> FindingWriter<W> {
    /// A writer of `format` to `out`. `options` shape the table and are ignored by the other
    /// formats.
    pub fn new(format: Format, options: WriterOptions, out: W) -> FindingWriter<W> {
        let inner = match format {
            Format::Table => Inner::Table(TableWriter::new(options, out)),
            format => Inner::Stream { format, out },
        };
        FindingWriter { inner, count: 0 }
    }

    /// The format being written.
    #[must_use]
    pub fn format(&self) -> Format {
        match &self.inner {
            Inner::Stream { format, .. } => *format,
            Inner::Table(_) => Format::Table,
        }
    }

    /// Write `finding` (the table keeps it for [`FindingWriter::finish`]). It is not flushed:
    /// give a line-buffered writer, or call [`FindingWriter::flush`], where findings must
    /// leave at once.
    ///
    /// # Errors
    ///
    /// As [`write()`]: [`SinkError::Io`] when the writer fails, [`SinkError::NoTime`] for OCSF and
    /// Falco when the finding has no time. A finding without a time writes nothing, and the
    /// writer can go on with the next one.
    pub fn write(&mut self, finding: &Finding) -> Result<(), SinkError> {
        match &mut self.inner {
            Inner::Stream { format, out } => write(*format, finding, out)?,
            Inner::Table(table) => table.push(finding),
        }
        self.count += 1;
        Ok(())
    }

    /// How many findings have been written (or, for the table, collected).
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }

    /// Flush the writer. The table has nothing to flush before it is finished.
    ///
    /// # Errors
    ///
    /// [`SinkError::Io`] when the writer fails.
    pub fn flush(&mut self) -> Result<(), SinkError> {
        match &mut self.inner {
            Inner::Stream { out, .. } => out.flush()?,
            Inner::Table(_) => {}
        }
        Ok(())
    }

    /// The writer findings go to.
    pub fn get_ref(&self) -> &W {
        match &self.inner {
            Inner::Stream { out, .. } => out,
            Inner::Table(table) => table.get_ref(),
        }
    }

    /// Finish: render the table (a streaming format has written everything already), flush,
    /// and hand back the writer.
    ///
    /// # Errors
    ///
    /// [`SinkError::Io`] when the writer fails.
    pub fn finish(self) -> Result<W, SinkError> {
        match self.inner {
            Inner::Stream { mut out, .. } => {
                out.flush()?;
                Ok(out)
            }
            Inner::Table(table) => table.finish(),
        }
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

/// `finding` in a streaming `format`, as one JSON value: exactly the line [`write()`] writes,
/// without its line break.
pub(crate) fn encode(format: Format, finding: &Finding) -> Result<Box<serde_json::value::RawValue>, SinkError> {
    let mut line = Vec::new();
    match format {
        // The table is not JSON; the sinks' configuration cannot name it.
        Format::Table | Format::Jsonl => jsonl::write(finding, &mut line)?,
        Format::Ocsf => ocsf::write(finding, &mut line)?,
        Format::Falco => falco::write(finding, &mut line)?,
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    let text = String::from_utf8(line).map_err(|e| SinkError::Io(std::io::Error::other(e)))?;
    Ok(serde_json::value::RawValue::from_string(text)?)
}

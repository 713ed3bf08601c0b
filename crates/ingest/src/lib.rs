//! Tripline's sources and normalizers: every log shape the detections read, auto-detected.
//!
//! [`Ingest`] reads an [`Input`] (a file, plain or gzip, or stdin; [`expand`] turns command-line
//! paths, directories and globs into inputs), frames it into JSON documents and text lines
//! whatever the layout (JSON lines, pretty-printed, concatenated, a top-level array), recognises
//! each document's [`Shape`] (raw audit events and webhook `EventList`s, EKS audit from
//! CloudWatch, GKE Cloud Audit entries and Pub/Sub messages, AKS diagnostic records, Kubernetes
//! Events), and hands each event to a [`Sink`] as an [`EventRecord`]: its JSON text in the layout
//! Splunk's add-ons produce, its [`Metadata`] (`source`, `sourcetype`, `host`, `index`) and its
//! time. `docs/inputs.md` documents every shape.
//!
//! Bad input never stops a run: a malformed record is skipped and reported to the sink as a
//! [`Warning`] (rate-limited per input), an event over the size limit is skipped, and a truncated
//! gzip stream keeps what was read; [`InputStats`] counts all of it per input.
//!
//! The write-ahead log of the real-time server will live here too.

mod decode;
mod normalize;
mod raw;
mod reader;
mod shape;
pub mod source;
mod time;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

pub use decode::{DecodeError, encode_base64, encode_gzip};
pub use raw::{RawError, RawErrorKind};
pub use reader::FrameError;
pub use shape::{
    SOURCE_KUBERNETES, SOURCETYPE_AZURE_BLOB, SOURCETYPE_CLOUDWATCH, SOURCETYPE_EKS, SOURCETYPE_GCP_PUBSUB,
    SOURCETYPE_JSON, SOURCETYPE_KUBE_EVENTS, SOURCETYPE_TEXT, Shape,
};
pub use source::{Input, LineReader, SourceError, expand};
pub use time::parse_timestamp;
use tripline_engine::event::Metadata;
use tripline_engine::value::Text;

use crate::normalize::{Item, Normalizer};
use crate::reader::{DocReader, Frame};

/// Default largest event, in bytes: larger events are skipped and counted.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 4 << 20;
/// Default largest document (an `EventList`, a CloudWatch envelope), in bytes.
pub const DEFAULT_MAX_DOCUMENT_SIZE: usize = 64 << 20;
/// Default number of warnings reported per input before the rest are only counted.
pub const DEFAULT_MAX_WARNINGS: usize = 10;

/// Metadata values that replace the detected ones on every event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `source`.
    pub source: Option<String>,
    /// `sourcetype`.
    pub sourcetype: Option<String>,
    /// `host`.
    pub host: Option<String>,
    /// `index`.
    pub index: Option<String>,
}

/// How inputs are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestOptions {
    /// Largest event in bytes; larger ones are skipped and counted as oversized.
    pub max_event_size: usize,
    /// Largest document in bytes (lists and envelopes are split after reading); larger ones are
    /// skipped without being held in memory. Never less than `max_event_size`.
    pub max_document_size: usize,
    /// Warnings delivered per input; further ones are only counted.
    pub max_warnings: usize,
    /// Metadata overrides.
    pub overrides: Overrides,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            max_event_size: DEFAULT_MAX_EVENT_SIZE,
            max_document_size: DEFAULT_MAX_DOCUMENT_SIZE,
            max_warnings: DEFAULT_MAX_WARNINGS,
            overrides: Overrides::default(),
        }
    }
}

/// One event, as handed to a [`Sink`].
#[derive(Clone, Copy, Debug)]
pub struct EventRecord<'a> {
    /// The event's text: JSON when `json` is true, else a text line. Becomes `_raw`.
    pub text: &'a str,
    /// Whether `text` is JSON.
    pub json: bool,
    /// `source`, `sourcetype`, `host`, `index`, after overrides.
    pub meta: &'a Metadata,
    /// The event time in epoch seconds, when the shape carries one that parses.
    pub time: Option<f64>,
    /// The shape it was recognised as.
    pub shape: Shape,
    /// The line of the input where its document starts (1-based).
    pub line: u64,
    /// The input's name.
    pub input: &'a str,
}

/// An event owned, for tests and small tools ([`Ingest::collect`]).
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedEvent {
    /// See [`EventRecord::text`].
    pub text: String,
    /// See [`EventRecord::json`].
    pub json: bool,
    /// See [`EventRecord::meta`].
    pub meta: Metadata,
    /// See [`EventRecord::time`].
    pub time: Option<f64>,
    /// See [`EventRecord::shape`].
    pub shape: Shape,
    /// See [`EventRecord::line`].
    pub line: u64,
}

/// Why a record was skipped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The bytes could not be framed as a JSON document.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The document's structure is not JSON.
    #[error(transparent)]
    Json(#[from] RawError),
    /// A base64 or gzip payload could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A JSON string with an invalid escape.
    #[error("invalid escape sequence in a JSON string")]
    Escape,
    /// Envelopes nested deeper than Tripline unpacks.
    #[error("envelopes nested too deeply")]
    TooDeep,
    /// The sink did not accept the event (e.g. invalid JSON in a part the search reads).
    #[error("{reason}")]
    Rejected {
        /// What the sink reported.
        reason: String,
    },
}

/// What a [`Warning`] is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WarningKind {
    /// A record was skipped.
    #[error("skipped a malformed record: {0}")]
    Malformed(RecordError),
    /// An event or document was larger than the limit.
    #[error("skipped a record of {bytes} bytes (the limit is {limit})")]
    Oversized {
        /// Its size (at least this many bytes).
        bytes: u64,
        /// The limit in force.
        limit: usize,
    },
    /// Reading stopped early (a truncated gzip stream, an I/O error); what was read is kept.
    #[error("input ended early after {bytes} bytes: {message}")]
    Truncated {
        /// Bytes read (decompressed).
        bytes: u64,
        /// The error.
        message: String,
    },
    /// The input could not be opened.
    #[error("cannot read: {message}")]
    Open {
        /// The error.
        message: String,
    },
    /// The per-input warning limit was reached; the rest are only counted.
    #[error("further warnings for this input are not shown")]
    Suppressed,
}

/// A problem with one input, at a line when there is one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct Warning {
    /// The input's name.
    pub input: String,
    /// The line (1-based) of the record, when the warning is about one.
    pub line: Option<u64>,
    /// What happened.
    pub kind: WarningKind,
}

/// Where [`Ingest`] delivers events and warnings.
pub trait Sink {
    /// Why an event was not accepted.
    type Error: fmt::Display;

    /// Take one event. An error counts the event as malformed and produces a warning.
    ///
    /// # Errors
    /// The event could not be used.
    fn event(&mut self, event: EventRecord<'_>) -> Result<(), Self::Error>;

    /// Report a warning (at most [`IngestOptions::max_warnings`] per input, then one
    /// [`WarningKind::Suppressed`]). Ignored by default.
    fn warning(&mut self, warning: &Warning) {
        let _ = warning;
    }
}

impl<F, E> Sink for F
where
    F: FnMut(EventRecord<'_>) -> Result<(), E>,
    E: fmt::Display,
{
    type Error = E;

    fn event(&mut self, event: EventRecord<'_>) -> Result<(), E> {
        self(event)
    }
}

/// What was read from one input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputStats {
    /// The input's name.
    pub input: String,
    /// Events delivered to the sink and accepted.
    pub events: u64,
    /// Accepted events per `sourcetype` (after overrides).
    pub by_sourcetype: BTreeMap<String, u64>,
    /// Accepted events per shape.
    pub by_shape: BTreeMap<Shape, u64>,
    /// Records skipped as malformed (including events the sink rejected).
    pub malformed: u64,
    /// Records skipped for being over the size limit.
    pub oversized: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Why reading stopped early, if it did.
    pub truncated: Option<String>,
    /// Why the input could not be opened, if it could not.
    pub failed: Option<String>,
}

impl InputStats {
    /// Add another input's counts to these (the name is kept).
    pub fn merge(&mut self, other: &InputStats) {
        self.events += other.events;
        for (k, v) in &other.by_sourcetype {
            *self.by_sourcetype.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.by_shape {
            *self.by_shape.entry(*k).or_default() += v;
        }
        self.malformed += other.malformed;
        self.oversized += other.oversized;
        self.bytes += other.bytes;
    }
}

/// Reads inputs into events; reuses its buffers from one input to the next.
#[derive(Debug)]
pub struct Ingest {
    options: IngestOptions,
    normalizer: Normalizer,
    metas: Vec<Metadata>,
}

/// Per-input bookkeeping while reading.
struct Run<'s, S> {
    sink: &'s mut S,
    name: &'s str,
    stats: InputStats,
    warned: usize,
    max_warnings: usize,
}

impl<S: Sink> Run<'_, S> {
    fn warn(&mut self, line: Option<u64>, kind: impl FnOnce() -> WarningKind) {
        if self.warned < self.max_warnings {
            self.sink.warning(&Warning {
                input: self.name.to_owned(),
                line,
                kind: kind(),
            });
        } else if self.warned == self.max_warnings {
            self.sink.warning(&Warning {
                input: self.name.to_owned(),
                line: None,
                kind: WarningKind::Suppressed,
            });
        }
        self.warned = self.warned.saturating_add(1);
    }
}

impl Default for Ingest {
    fn default() -> Self {
        Self::new(IngestOptions::default())
    }
}

impl Ingest {
    /// A reader with these options.
    #[must_use]
    pub fn new(mut options: IngestOptions) -> Self {
        options.max_event_size = options.max_event_size.max(1);
        options.max_document_size = options.max_document_size.max(options.max_event_size);
        let normalizer = Normalizer::new(options.max_document_size);
        Self {
            options,
            normalizer,
            metas: Vec::new(),
        }
    }

    /// The options in force.
    #[must_use]
    pub fn options(&self) -> &IngestOptions {
        &self.options
    }

    /// Read one input (decompressing gzip, decoding UTF-16) and deliver its events.
    pub fn read<S: Sink>(&mut self, input: &Input, sink: &mut S) -> InputStats {
        self.read_counted(input, sink, None)
    }

    /// [`Ingest::read`], adding the bytes read from the input (before decompression) to
    /// `counter` as reading goes, for a progress display.
    pub fn read_counted<S: Sink>(
        &mut self,
        input: &Input,
        sink: &mut S,
        counter: Option<std::sync::Arc<std::sync::atomic::AtomicU64>>,
    ) -> InputStats {
        let name = input.name();
        match input.open_stream_counted(counter) {
            Ok(stream) => self.read_stream(&name, stream, sink),
            Err(e) => {
                let message = e.to_string();
                sink.warning(&Warning {
                    input: name.clone(),
                    line: None,
                    kind: WarningKind::Open {
                        message: message.clone(),
                    },
                });
                InputStats {
                    input: name,
                    failed: Some(message),
                    ..InputStats::default()
                }
            }
        }
    }

    /// Read a byte stream that is already decompressed (a webhook body, a Kafka message).
    pub fn read_stream<S: Sink>(&mut self, name: &str, reader: impl Read, sink: &mut S) -> InputStats {
        let Self {
            options,
            normalizer,
            metas,
        } = self;
        normalizer.reset();
        metas.clear();
        let mut run = Run {
            sink,
            name,
            stats: InputStats {
                input: name.to_owned(),
                ..InputStats::default()
            },
            warned: 0,
            max_warnings: options.max_warnings,
        };
        let mut docs = DocReader::new(reader, options.max_document_size);
        let limits = (options.max_event_size, options.max_document_size);
        let mut handle = |item: Item<'_>| match item {
            Item::Event(out) => {
                if out.text.len() > limits.0 {
                    run.stats.oversized += 1;
                    run.warn(Some(out.line), || WarningKind::Oversized {
                        bytes: out.text.len() as u64,
                        limit: limits.0,
                    });
                    return;
                }
                let meta = metadata(metas, &options.overrides, out.sourcetype, out.source.resolve(name));
                let record = EventRecord {
                    text: out.text,
                    json: out.json,
                    meta,
                    time: out.time,
                    shape: out.shape,
                    line: out.line,
                    input: name,
                };
                match run.sink.event(record) {
                    Ok(()) => {
                        run.stats.events += 1;
                        *run.stats.by_shape.entry(out.shape).or_default() += 1;
                        let st = meta.sourcetype.as_str();
                        match run.stats.by_sourcetype.get_mut(st) {
                            Some(n) => *n += 1,
                            None => {
                                run.stats.by_sourcetype.insert(st.to_owned(), 1);
                            }
                        }
                    }
                    Err(e) => {
                        run.stats.malformed += 1;
                        run.warn(Some(out.line), || {
                            WarningKind::Malformed(RecordError::Rejected { reason: e.to_string() })
                        });
                    }
                }
            }
            Item::Malformed { line, error } => {
                run.stats.malformed += 1;
                run.warn(Some(line), || WarningKind::Malformed(error));
            }
            Item::Oversized { line, bytes } => {
                run.stats.oversized += 1;
                run.warn(Some(line), || WarningKind::Oversized { bytes, limit: limits.1 });
            }
        };
        while let Some(frame) = docs.next_frame() {
            match frame {
                Frame::Json { text, line } => normalizer.json(text, line, &mut handle),
                Frame::Line { text, line } => {
                    if !normalizer.json_line(text, line, &mut handle) {
                        docs.rescan();
                    }
                }
                Frame::Text { text, line } => normalizer.text(text, line, &mut handle),
                Frame::Malformed { line, error } => handle(Item::Malformed {
                    line,
                    error: RecordError::Frame(error),
                }),
                Frame::Oversized { line, bytes } => handle(Item::Oversized { line, bytes }),
            }
        }
        run.stats.bytes = docs.bytes;
        if let Some(e) = docs.error.take() {
            let message = e.to_string();
            let bytes = docs.bytes;
            run.warn(None, || WarningKind::Truncated {
                bytes,
                message: message.clone(),
            });
            run.stats.truncated = Some(message);
        }
        run.stats
    }

    /// Read events from bytes in memory.
    pub fn read_bytes<S: Sink>(&mut self, name: &str, bytes: &[u8], sink: &mut S) -> InputStats {
        self.read_stream(name, bytes, sink)
    }

    /// Read an input into owned events, with its stats and warnings (tests and small tools).
    pub fn collect(&mut self, input: &Input) -> (Vec<OwnedEvent>, InputStats, Vec<Warning>) {
        let mut sink = Collector::default();
        let stats = self.read(input, &mut sink);
        (sink.events, stats, sink.warnings)
    }
}

/// A [`Sink`] that keeps everything.
#[derive(Debug, Default)]
pub struct Collector {
    /// The events.
    pub events: Vec<OwnedEvent>,
    /// The warnings.
    pub warnings: Vec<Warning>,
}

impl Sink for Collector {
    type Error = std::convert::Infallible;

    fn event(&mut self, e: EventRecord<'_>) -> Result<(), Self::Error> {
        self.events.push(OwnedEvent {
            text: e.text.to_owned(),
            json: e.json,
            meta: e.meta.clone(),
            time: e.time,
            shape: e.shape,
            line: e.line,
        });
        Ok(())
    }

    fn warning(&mut self, warning: &Warning) {
        self.warnings.push(warning.clone());
    }
}

/// The metadata for a (sourcetype, source) pair, after overrides, from a small per-input cache.
fn metadata<'m>(metas: &'m mut Vec<Metadata>, overrides: &Overrides, sourcetype: &str, source: &str) -> &'m Metadata {
    let sourcetype = overrides.sourcetype.as_deref().unwrap_or(sourcetype);
    let source = overrides.source.as_deref().unwrap_or(source);
    let found = metas
        .iter()
        .position(|m| m.sourcetype == sourcetype && m.source == source);
    let index = match found {
        Some(i) => i,
        None => {
            // Log groups and subscriptions vary; keep the cache small.
            if metas.len() >= 64 {
                metas.clear();
            }
            let defaults = Metadata::default();
            metas.push(Metadata {
                source: Text::from(source),
                sourcetype: Text::from(sourcetype),
                host: overrides.host.as_deref().map_or(defaults.host, Text::from),
                index: overrides.index.as_deref().map_or(defaults.index, Text::from),
            });
            metas.len() - 1
        }
    };
    // `index` is in bounds: it was found or just pushed.
    &metas[index]
}

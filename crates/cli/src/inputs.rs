//! What `search` and `hunt` share: the input options, reading every input once into rows, the
//! progress bar, and the summary of what was read.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use tripline_engine::event::{EventBuilder, Metadata};
use tripline_engine::json::JsonError;
use tripline_engine::needs::Needs;
use tripline_engine::row::Row;
use tripline_ingest::{EventRecord, Ingest, IngestOptions, Input, InputStats, Overrides, Sink, Warning, expand};

/// The inputs and how to read them.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Log files (any JSON layout or text, plain or gzip), directories (read recursively), glob
    /// patterns (`logs/**/*.json.gz`), or `-` for stdin (the default).
    #[arg(value_name = "INPUT")]
    pub(crate) inputs: Vec<PathBuf>,
    /// Set `sourcetype` on every event [default: detected per event, see docs/inputs.md].
    #[arg(long)]
    pub(crate) sourcetype: Option<String>,
    /// Set `source` on every event [default: detected per event: `kubernetes` for raw audit
    /// events, the log group for CloudWatch, else the file's path or `stdin`].
    #[arg(long)]
    pub(crate) source: Option<String>,
    /// Set `host` on every event [default: tripline].
    #[arg(long)]
    pub(crate) host: Option<String>,
    /// Set `index` on every event [default: main].
    #[arg(long)]
    pub(crate) index: Option<String>,
    /// Skip events larger than this (bytes, or with a K, M or G suffix) [default: 4M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub(crate) max_event_size: Option<usize>,
    /// The time the search runs at, for `now()` and `earliest=`/`latest=` (RFC 3339 or epoch
    /// seconds) [default: the current time].
    #[arg(long, value_name = "TIME")]
    pub(crate) now: Option<String>,
}

impl InputArgs {
    /// The run's time: `--now`, else the clock.
    pub(crate) fn now(&self) -> anyhow::Result<f64> {
        match &self.now {
            Some(t) => tripline_engine::event::parse_time(t).with_context(|| format!("--now: `{t}` is not a time")),
            None => Ok(std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64())),
        }
    }

    pub(crate) fn ingest_options(&self) -> IngestOptions {
        let mut options = IngestOptions {
            overrides: Overrides {
                source: self.source.clone(),
                sourcetype: self.sourcetype.clone(),
                host: self.host.clone(),
                index: self.index.clone(),
            },
            ..IngestOptions::default()
        };
        if let Some(max) = self.max_event_size {
            options.max_event_size = max;
        }
        options
    }
}

/// What reading the inputs gave.
#[derive(Debug, Default)]
pub(crate) struct ReadReport {
    /// Counts over every input.
    pub(crate) total: InputStats,
    /// Counts per input.
    pub(crate) per_input: Vec<InputStats>,
    /// Paths that named no readable input (missing files, globs matching nothing).
    pub(crate) missing: usize,
    /// Whether an input could not be opened.
    pub(crate) failed: bool,
}

impl ReadReport {
    /// Whether every named input was found and opened.
    pub(crate) fn complete(&self) -> bool {
        self.missing == 0 && !self.failed
    }
}

/// Read every input once, turning each event into a row holding the fields in `needs`, and give
/// the rows to `on_row` in input order. Problems with the inputs are printed as they happen; with
/// `progress`, a progress bar is drawn on stderr when it is a terminal and the inputs are large.
pub(crate) fn read_all(
    args: &InputArgs,
    needs: &Needs,
    now: f64,
    progress: bool,
    consumer: impl Consumer,
) -> ReadReport {
    read_paths(&args.inputs, args.ingest_options(), needs, now, progress, consumer)
}

/// What the reader hands events to.
pub(crate) trait Consumer {
    /// Whether to parse the event with this text and time into a row (for [`Consumer::row`]);
    /// an event it does not want is still counted as read. Every event by default.
    fn wants(&mut self, text: &str, meta: &Metadata, time: f64) -> bool {
        let _ = (text, meta, time);
        true
    }

    /// Take the row of an event [`Consumer::wants`].
    fn row(&mut self, row: Row);
}

/// A [`Consumer`] that wants every event and gives its row to a closure.
pub(crate) struct EveryRow<F>(pub(crate) F);

impl<F: FnMut(Row)> Consumer for EveryRow<F> {
    fn row(&mut self, row: Row) {
        (self.0)(row);
    }
}

/// [`read_all`] over `paths` (none: stdin) with these ingest options.
pub(crate) fn read_paths(
    paths: &[PathBuf],
    options: IngestOptions,
    needs: &Needs,
    now: f64,
    progress: bool,
    consumer: impl Consumer,
) -> ReadReport {
    let mut report = ReadReport::default();
    let inputs = open_inputs(paths, &mut report);
    let mut ingest = Ingest::new(options);
    let counter = Arc::new(AtomicU64::new(0));
    let bar = if progress {
        Progress::new(&inputs, Arc::clone(&counter))
    } else {
        None
    };
    let mut sink = RowSink {
        // The normalizers give each event its time, so the builder needs no time fields.
        builder: EventBuilder::new(needs, &[]),
        now,
        consumer,
        bar,
        events: 0,
    };
    for input in &inputs {
        let stats = ingest.read_counted(input, &mut sink, Some(Arc::clone(&counter)));
        report.failed |= stats.failed.is_some();
        report.total.merge(&stats);
        report.per_input.push(stats);
    }
    if let Some(bar) = &mut sink.bar {
        bar.clear();
    }
    report
}

/// The inputs `paths` name (none: stdin), reporting those that name nothing.
pub(crate) fn open_inputs(paths: &[PathBuf], report: &mut ReadReport) -> Vec<Input> {
    let (inputs, errors) = expand(paths);
    for e in &errors {
        eprintln!("error: {}: {e}", e.path());
    }
    report.missing = errors.len();
    if inputs.contains(&Input::Stdin) && paths.is_empty() && std::io::stdin().is_terminal() {
        eprintln!("reading events from the terminal (stdin); end with Ctrl-D, or name files to read");
    }
    inputs
}

/// Feeds normalized events, as rows, to a [`Consumer`].
struct RowSink<C> {
    builder: EventBuilder,
    now: f64,
    consumer: C,
    bar: Option<Progress>,
    events: u64,
}

impl<C: Consumer> Sink for RowSink<C> {
    type Error = JsonError;

    fn event(&mut self, e: EventRecord<'_>) -> Result<(), JsonError> {
        // Without a time of its own, an event takes the time of the search, as Splunk gives an
        // event without a timestamp the time it was received.
        let time = e.time.unwrap_or(self.now);
        self.events += 1;
        if self.consumer.wants(e.text, e.meta, time) {
            let row = if e.json {
                self.builder.json_at(e.text, e.meta, time)?
            } else {
                self.builder.text(e.text, e.meta, time)
            };
            self.consumer.row(row);
        }
        Progress::maybe_tick(&mut self.bar, self.events);
        Ok(())
    }

    fn warning(&mut self, w: &Warning) {
        print_warning(&mut self.bar, w);
    }
}

/// Print an input warning on its own line, clearing the progress bar first.
pub(crate) fn print_warning(bar: &mut Option<Progress>, w: &Warning) {
    if let Some(bar) = bar {
        bar.clear();
    }
    match w.line {
        Some(line) => eprintln!("warning: {}:{line}: {w}", w.input),
        None => eprintln!("warning: {}: {w}", w.input),
    }
}

/// Inputs smaller than this in total finish too fast for a progress bar to help.
const PROGRESS_MIN_BYTES: u64 = 8 << 20;

/// A one-line progress bar on stderr: bytes read of the inputs' total size, rate and time left.
pub(crate) struct Progress {
    total: u64,
    read: Arc<AtomicU64>,
    started: Instant,
    last_draw: Instant,
    drawn: bool,
}

impl Progress {
    /// A bar, when stderr is a terminal and the inputs are files adding up to more than a few
    /// megabytes (stdin has no known size).
    pub(crate) fn new(inputs: &[Input], read: Arc<AtomicU64>) -> Option<Progress> {
        if !std::io::stderr().is_terminal() || inputs.contains(&Input::Stdin) {
            return None;
        }
        let total: u64 = inputs
            .iter()
            .filter_map(|i| match i {
                Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
                Input::Stdin => None,
            })
            .sum();
        (total >= PROGRESS_MIN_BYTES).then(|| {
            let now = Instant::now();
            Progress {
                total,
                read,
                started: now,
                last_draw: now,
                drawn: false,
            }
        })
    }

    /// Redraw every 1024 events, when there is a bar.
    pub(crate) fn maybe_tick(bar: &mut Option<Progress>, events: u64) {
        if let Some(bar) = bar
            && events.is_multiple_of(1024)
        {
            bar.tick(events);
        }
    }

    /// Redraw, at most ten times a second.
    pub(crate) fn tick(&mut self, events: u64) {
        let now = Instant::now();
        if now.duration_since(self.last_draw) < Duration::from_millis(100) {
            return;
        }
        self.last_draw = now;
        let read = self.read.load(Ordering::Relaxed).min(self.total);
        let elapsed = now.duration_since(self.started).as_secs_f64();
        let line = progress_line(read, self.total, elapsed, events);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{line}\x1b[K");
        let _ = err.flush();
        self.drawn = true;
    }

    /// Erase the bar so other messages start on a clean line.
    pub(crate) fn clear(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

/// The text of the progress bar: `[#####.....]  38%  45.2/120.0 MB  12.3 MB/s  ETA 6s  18203 events`.
fn progress_line(read: u64, total: u64, elapsed: f64, events: u64) -> String {
    const WIDTH: usize = 24;
    let fraction = if total == 0 { 1.0 } else { read as f64 / total as f64 };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0 ≤ fraction ≤ 1
    let filled = ((fraction * WIDTH as f64).round() as usize).min(WIDTH);
    let rate = if elapsed > 0.0 { read as f64 / elapsed } else { 0.0 };
    let eta = if rate > 0.0 {
        format_duration((total - read) as f64 / rate)
    } else {
        "?".to_owned()
    };
    format!(
        "[{}{}] {:>3.0}%  {:.1}/{:.1} MB  {:.1} MB/s  ETA {eta}  {events} events",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        fraction * 100.0,
        read as f64 / 1e6,
        total as f64 / 1e6,
        rate / 1e6,
    )
}

/// `6s`, `2m05s`, `1h02m`.
fn format_duration(seconds: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // clamped to ≥ 0
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// What was read: events (and bytes) in total and per sourcetype, then one line per input that
/// had problems. `what` leads the first line (`"5 results"`, `"3 findings"`).
pub(crate) fn summary(what: &str, report: &ReadReport, seconds: f64) -> String {
    use std::fmt::Write as _;
    let total = &report.total;
    let mut out = format!(
        "{what} from {} events ({:.1} MB) in {seconds:.2}s",
        total.events,
        total.bytes as f64 / 1e6
    );
    if !total.by_sourcetype.is_empty() {
        let parts: Vec<String> = total.by_sourcetype.iter().map(|(st, n)| format!("{st} {n}")).collect();
        let _ = write!(out, "; by sourcetype: {}", parts.join(", "));
    }
    if total.malformed > 0 {
        let _ = write!(out, "; {} malformed and skipped", total.malformed);
    }
    if total.oversized > 0 {
        let _ = write!(out, "; {} too large and skipped", total.oversized);
    }
    out.push('\n');
    for stats in &report.per_input {
        let mut problems = Vec::new();
        if stats.malformed > 0 {
            problems.push(format!("{} malformed", stats.malformed));
        }
        if stats.oversized > 0 {
            problems.push(format!("{} too large", stats.oversized));
        }
        if let Some(t) = &stats.truncated {
            problems.push(format!("ended early: {t}"));
        }
        if let Some(f) = &stats.failed {
            problems.push(format!("not read: {f}"));
        }
        if !problems.is_empty() {
            let _ = writeln!(out, "  {}: {}", stats.input, problems.join(", "));
        }
    }
    out
}

/// Parse a size: bytes, or a number with a `K`, `M` or `G` suffix (powers of 1024; `KB`, `KiB`
/// and lower case are accepted too).
fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, suffix) = t.split_at(digits);
    let n: usize = number.parse().map_err(|_| format!("`{text}` is not a size"))?;
    let unit: usize = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("`{text}`: the unit must be K, M or G")),
    };
    n.checked_mul(unit)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`{text}` is not a usable size"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("4M"), Ok(4 << 20));
        assert_eq!(parse_size("16 KiB"), Ok(16 << 10));
        assert!(parse_size("0").is_err());
        assert!(parse_size("4X").is_err());
        assert!(parse_size("M").is_err());
    }

    #[test]
    fn progress_text() {
        assert_eq!(
            progress_line(50_000_000, 100_000_000, 5.0, 1234),
            "[############............]  50%  50.0/100.0 MB  10.0 MB/s  ETA 5s  1234 events"
        );
        assert_eq!(format_duration(125.0), "2m05s");
        assert_eq!(format_duration(3720.0), "1h02m");
        // Nothing read yet: no rate, no estimate, and no division by zero.
        assert!(progress_line(0, 100, 0.0, 0).contains("ETA ?"));
    }
}

//! `tripline search 'SPL' [INPUT...]`: run one ad-hoc search over log files or stdin.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use tripline_content::{builtin_macros, load_macros, search_from_spl_file};
use tripline_engine::event::EventBuilder;
use tripline_engine::expr::EvalContext;
use tripline_engine::json::JsonError;
use tripline_engine::plan::Plan;
use tripline_engine::row::Row;
use tripline_ingest::{EventRecord, Ingest, IngestOptions, InputStats, Overrides, Sink, Warning, expand};
use tripline_spl::{Code, Diagnostic, ExpandOptions, analyze};

use crate::ColorChoice;
use crate::output::{self, ResultFormat};
use crate::render;

/// Arguments of `tripline search`.
#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// The search, in SPL. Macros from Tripline's pack (`kube_audit`, ...) and `--macros` are
    /// expanded.
    #[arg(value_name = "SPL")]
    spl: String,
    /// Log files (any JSON layout or text, plain or gzip), directories (read recursively), glob
    /// patterns (`logs/**/*.json.gz`), or `-` for stdin (the default).
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Result format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    format: Option<ResultFormat>,
    /// Set `sourcetype` on every event [default: detected per event, see docs/inputs.md].
    #[arg(long)]
    sourcetype: Option<String>,
    /// Set `source` on every event [default: detected per event: `kubernetes` for raw audit
    /// events, the log group for CloudWatch, else the file's path or `stdin`].
    #[arg(long)]
    source: Option<String>,
    /// Set `host` on every event [default: tripline].
    #[arg(long)]
    host: Option<String>,
    /// Set `index` on every event [default: main].
    #[arg(long)]
    index: Option<String>,
    /// Skip events larger than this (bytes, or with a K, M or G suffix) [default: 4M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_event_size: Option<usize>,
    /// Extra macro definitions (macro YAML, macros.conf, or a directory of them); they override
    /// Tripline's.
    #[arg(long, value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// GeoIP database for `iplocation`: an `.mmdb` file or a directory of them (repeatable)
    /// [default: $TRIPLINE_GEOIP if set, else the first of ~/.local/share/tripline/geoip, ... that
    /// has one].
    #[arg(long, value_name = "PATH")]
    geoip: Vec<PathBuf>,
    /// The time the search runs at, for `now()` and `earliest=`/`latest=` (RFC 3339 or epoch
    /// seconds) [default: the current time].
    #[arg(long, value_name = "TIME")]
    now: Option<String>,
    /// When to use colour in messages.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// Run `tripline search`.
pub(crate) fn run(args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let color = args.color.enabled_for_stderr();
    let now = match &args.now {
        Some(t) => tripline_engine::event::parse_time(t).with_context(|| format!("--now: `{t}` is not a time"))?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
    };
    let mut ctx = EvalContext {
        now,
        ..EvalContext::default()
    };

    // Macros: Tripline's pack, then the user's on top.
    let mut table = builtin_macros().context("loading the built-in macros")?;
    if !args.macros.is_empty() {
        let load = load_macros(&args.macros);
        for e in &load.errors {
            eprintln!(
                "{}",
                render::plain(
                    tripline_spl::Severity::Error,
                    &e.to_string(),
                    &e.path().display().to_string(),
                    color
                )
            );
        }
        if !load.errors.is_empty() {
            return Ok(ExitCode::from(2));
        }
        table.extend(load.table.iter().cloned());
    }

    let src = search_from_spl_file(Path::new("<search>"), &args.spl);
    let analysis = analyze(&src.text, &table, &ExpandOptions::default());
    for d in &analysis.diagnostics {
        eprintln!("{}\n", render::snippet(d, &src, color));
    }
    if analysis.has_errors() {
        return Ok(ExitCode::from(2));
    }
    let mut plan = match Plan::compile(&analysis.parse.query, &ctx) {
        Ok(p) => p,
        Err(e) => {
            let d = analysis.expansion.map_diagnostic(
                Diagnostic::error(Code::UnsupportedCommand, e.span, e.message.clone())
                    .with_primary_label("Tripline cannot run this"),
            );
            eprintln!("{}\n", render::snippet(&d, &src, color));
            return Ok(ExitCode::from(2));
        }
    };

    if plan.requires_geoip() || !args.geoip.is_empty() {
        match crate::geoip::load(&args.geoip)? {
            Some(geoip) => ctx.geoip = Some(geoip),
            None => eprintln!("{}", crate::geoip::missing_warning()),
        }
    }

    let (inputs, errors) = expand(&args.inputs);
    for e in &errors {
        eprintln!("error: {}: {e}", e.path());
    }
    let mut options = IngestOptions {
        overrides: Overrides {
            source: args.source.clone(),
            sourcetype: args.sourcetype.clone(),
            host: args.host.clone(),
            index: args.index.clone(),
        },
        ..IngestOptions::default()
    };
    if let Some(max) = args.max_event_size {
        options.max_event_size = max;
    }
    let mut ingest = Ingest::new(options);
    let mut sink = SearchSink {
        // The normalizers give each event its time, so the builder needs no time fields.
        builder: EventBuilder::new(plan.needs(), &[]),
        plan: &mut plan,
        ctx: &ctx,
        now,
        results: Vec::new(),
    };
    let mut total = InputStats::default();
    let mut per_input = Vec::new();
    let mut failed = false;
    for input in &inputs {
        let stats = ingest.read(input, &mut sink);
        failed |= stats.failed.is_some();
        total.merge(&stats);
        per_input.push(stats);
    }
    let SearchSink { mut results, .. } = sink;
    plan.finish(&ctx, &mut results);

    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        ResultFormat::Table
    } else {
        ResultFormat::Jsonl
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    output::write(&mut out, &results, format).context("writing results")?;
    out.flush()?;
    eprint!(
        "{}",
        summary(results.len(), &total, &per_input, started.elapsed().as_secs_f64())
    );
    Ok(if errors.is_empty() && !failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Feeds normalized events to the plan.
struct SearchSink<'a> {
    builder: EventBuilder,
    plan: &'a mut Plan,
    ctx: &'a EvalContext,
    now: f64,
    results: Vec<Row>,
}

impl Sink for SearchSink<'_> {
    type Error = JsonError;

    fn event(&mut self, e: EventRecord<'_>) -> Result<(), JsonError> {
        // Without a time of its own, an event takes the time of the search, as Splunk gives an
        // event without a timestamp the time it was received.
        let time = e.time.unwrap_or(self.now);
        let row = if e.json {
            self.builder.json_at(e.text, e.meta, time)?
        } else {
            self.builder.text(e.text, e.meta, time)
        };
        self.plan.push(row, self.ctx, &mut self.results);
        Ok(())
    }

    fn warning(&mut self, w: &Warning) {
        match w.line {
            Some(line) => eprintln!("warning: {}:{line}: {w}", w.input),
            None => eprintln!("warning: {}: {w}", w.input),
        }
    }
}

/// The run summary: results, events per sourcetype, problems per input, time.
fn summary(results: usize, total: &InputStats, per_input: &[InputStats], seconds: f64) -> String {
    use std::fmt::Write as _;
    let mut out = format!(
        "{results} results from {} events ({:.1} MB) in {seconds:.2}s",
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
    for stats in per_input {
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
}

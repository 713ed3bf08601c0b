//! `tripline search 'SPL' [INPUT...]`: run one ad-hoc search over log files or stdin.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use tripline_content::{builtin_macros, load_macros, search_from_spl_file};
use tripline_engine::event::{EventBuilder, KUBERNETES_TIME_FIELDS, Metadata};
use tripline_engine::expr::EvalContext;
use tripline_engine::plan::Plan;
use tripline_engine::value::Text;
use tripline_ingest::{LineReader, expand};
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
    /// JSON-lines files (plain or gzip), directories, or `-` for stdin (the default).
    #[arg(value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Result format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    format: Option<ResultFormat>,
    /// Set `sourcetype` on every event.
    #[arg(long, default_value = "_json")]
    sourcetype: String,
    /// Set `source` on every event [default: the file's path, or `stdin`].
    #[arg(long)]
    source: Option<String>,
    /// Set `host` on every event.
    #[arg(long, default_value = "tripline")]
    host: String,
    /// Set `index` on every event.
    #[arg(long, default_value = "main")]
    index: String,
    /// Extra macro definitions (macro YAML, macros.conf, or a directory of them); they override
    /// Tripline's.
    #[arg(long, value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// GeoIP database for `iplocation`: an `.mmdb` file or a directory of them (repeatable)
    /// [default: the first of $TRIPLINE_GEOIP, ~/.local/share/tripline/geoip, ... that has one].
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
        eprintln!("error: {e}");
    }
    let mut builder = EventBuilder::new(plan.needs(), KUBERNETES_TIME_FIELDS);
    let mut results = Vec::new();
    let (mut events, mut bytes, mut not_json, mut oversized) = (0u64, 0u64, 0u64, 0u64);
    for input in &inputs {
        let meta = Metadata {
            source: Text::from(args.source.clone().unwrap_or_else(|| input.name())),
            sourcetype: Text::from(args.sourcetype.as_str()),
            host: Text::from(args.host.as_str()),
            index: Text::from(args.index.as_str()),
        };
        let reader = match input.open() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {}: {e}", input.name());
                continue;
            }
        };
        let mut lines = LineReader::new(reader);
        loop {
            let (line_no, line) = match lines.next_line() {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(e) => {
                    eprintln!("error: {}: {e} (after {} events)", input.name(), events);
                    break;
                }
            };
            if line.trim().is_empty() {
                continue;
            }
            events += 1;
            let row = match builder.json(line, &meta, now) {
                Ok(row) => row,
                Err(e) => {
                    not_json += 1;
                    if not_json <= 5 && line.trim_start().starts_with(['{', '[']) {
                        eprintln!(
                            "warning: {}:{line_no}: not valid JSON ({e}); kept as a text event",
                            input.name()
                        );
                    }
                    builder.text(line, &meta, now)
                }
            };
            plan.push(row, &ctx, &mut results);
        }
        bytes += lines.bytes;
        oversized += lines.oversized;
    }
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
    let mut summary = format!(
        "{} results from {events} events ({:.1} MB) in {:.2}s",
        results.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    if not_json > 0 {
        summary.push_str(&format!(", {not_json} not JSON"));
    }
    if oversized > 0 {
        summary.push_str(&format!(", {oversized} too long and skipped"));
    }
    eprintln!("{summary}");
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

//! `tripline search 'SPL' [INPUT...]`: run one ad-hoc search over log files or stdin.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use tripline_content::{builtin_macros, load_macros, search_from_spl_file};
use tripline_engine::expr::EvalContext;
use tripline_engine::limits::Limits;
use tripline_engine::plan::Plan;
use tripline_spl::{Code, Diagnostic, ExpandOptions, MacroTable, analyze};

use crate::ColorChoice;
use crate::inputs::{EveryRow, InputArgs, read_all, summary};
use crate::output::{self, ResultFormat};
use crate::render;

/// Arguments of `tripline search`.
#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// The search, in SPL. Macros from Tripline's pack (`kube_audit`, ...) and `--macros` are
    /// expanded.
    #[arg(value_name = "SPL")]
    spl: String,
    #[command(flatten)]
    input: InputArgs,
    /// Result format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    format: Option<ResultFormat>,
    /// Extra macro definitions (macro YAML, macros.conf, or a directory of them); they override
    /// Tripline's.
    #[arg(long, value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// GeoIP database for `iplocation`: an `.mmdb` file or a directory of them (repeatable)
    /// [default: $TRIPLINE_GEOIP if set, else the first of ~/.local/share/tripline/geoip, ... that
    /// has one].
    #[arg(long, value_name = "PATH")]
    geoip: Vec<PathBuf>,
    /// Most groups one `stats` keeps (for `top`/`rare`: value combinations); rows that would
    /// start a group beyond it are left out, with a warning. A group takes up to about 2 KB.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..),
          default_value_t = Limits::DEFAULT_MAX_GROUPS as u64)]
    max_groups: u64,
    /// When to use colour in messages.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// Run `tripline search`.
pub(crate) fn run(args: &SearchArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let color = args.color.enabled_for_stderr();
    let now = args.input.now()?;
    let mut ctx = EvalContext {
        now,
        limits: Limits::default().with_max_groups(usize::try_from(args.max_groups).unwrap_or(usize::MAX)),
        ..EvalContext::default()
    };

    // Macros: Tripline's pack, then the user's on top.
    let mut table = builtin_macros().context("loading the built-in macros")?;
    if !add_user_macros(&mut table, &args.macros, color) {
        return Ok(ExitCode::from(2));
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

    let mut results = Vec::new();
    let needs = plan.needs().clone();
    let report = read_all(
        &args.input,
        &needs,
        now,
        true,
        EveryRow(|row| plan.push(row, &ctx, &mut results)),
    );
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
    for reached in plan.limits_reached() {
        eprintln!("{}", render::limit_reached(&reached, "<search>", color));
    }
    eprint!(
        "{}",
        summary(
            &format!("{} results", results.len()),
            &report,
            started.elapsed().as_secs_f64()
        )
    );
    Ok(if report.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Add the definitions in `paths` (macro YAML, macros.conf, directories) to `table`, over
/// what it has. Files that cannot be read are reported; then the result is `false`.
pub(crate) fn add_user_macros(table: &mut MacroTable, paths: &[PathBuf], color: bool) -> bool {
    if paths.is_empty() {
        return true;
    }
    let load = load_macros(paths);
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
        return false;
    }
    table.extend(load.table.iter().cloned());
    true
}

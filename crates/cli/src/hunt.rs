//! `tripline hunt [INPUT...]`: run detections over log files and report findings.
//!
//! The rules are the built-in pack unless `--rules` names others. Every selected rule runs in
//! one pass over the inputs ([`RuleSet`]); each result row becomes a finding, written to stdout
//! or `--output` in the chosen format. The summary on stderr says what was read, which rules
//! ran, which could not and why, and how many findings each rule raised.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use tripline_content::{
    ContentLoad, Detection, RuleOutcome, RuleSet, Selection, Status, builtin_content, builtin_macros, load_content,
};
use tripline_engine::expr::EvalContext;
use tripline_engine::limits::Limits;
use tripline_sinks::{FindingWriter, Format, WriterOptions};
use tripline_spl::Severity;

use crate::ColorChoice;
use crate::inputs::{Consumer, InputArgs, read_all, summary};
use crate::render;
use crate::search::add_user_macros;

/// Arguments of `tripline hunt`.
#[derive(Debug, Args)]
pub(crate) struct HuntArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Detections to run instead of the built-in pack: a detection file, a directory of them,
    /// or a security_content checkout (its `detections/**`, `stories/`, `macros/` and
    /// `lookups/`). Repeatable.
    #[arg(long, value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Macro definitions (macro YAML, macros.conf, or a directory of them) that override the
    /// rules' own: how to tune a detection (redefine its `_filter` macro) or point a data macro
    /// at your sourcetype. Repeatable.
    #[arg(long, value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// Run only this detection: its id, its name (any case) or its file name without `.yml`.
    /// Repeatable. A rule named here runs whatever its status.
    #[arg(long, value_name = "NAME_OR_ID")]
    rule: Vec<String>,
    /// Run only the detections of this analytic story (its name, any case). Repeatable.
    #[arg(long, value_name = "NAME")]
    story: Vec<String>,
    /// Which detection statuses run, unless a rule is named with `--rule` [default: production,
    /// experimental].
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STATUS")]
    status: Vec<StatusChoice>,
    /// GeoIP database for rules that geolocate addresses: an `.mmdb` file or a directory of
    /// them (repeatable) [default: $TRIPLINE_GEOIP if set, else the first of
    /// ~/.local/share/tripline/geoip, ... that has one].
    #[arg(long, value_name = "PATH")]
    geoip: Vec<PathBuf>,
    /// Finding format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    format: Option<FindingFormat>,
    /// Write findings to this file (created or truncated) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Threads that parse events and run rules (one more reads the inputs); 1 runs everything
    /// on one thread [default: the number of cores].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// Most groups one `stats` of a rule keeps (for `top`/`rare`: value combinations), so that
    /// attacker-chosen values cannot exhaust memory; rows that would start a group beyond it are
    /// left out, with a warning. A group takes up to about 2 KB.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..),
          default_value_t = Limits::DEFAULT_MAX_GROUPS as u64)]
    max_groups: u64,
    /// Exit with status 1 when there is any finding (for CI pipelines).
    #[arg(long)]
    fail_on_findings: bool,
    /// Print no summary and no progress bar on stderr (problems are still reported).
    #[arg(long, short = 'q')]
    quiet: bool,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// Output formats of `tripline hunt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FindingFormat {
    /// One line per finding, grouped by rule, severity coloured (default on a terminal).
    Table,
    /// Tripline's finding JSON, one object per line (docs/findings.md; default otherwise).
    Jsonl,
    /// OCSF 1.3 Detection Finding (class 2004), one object per line.
    Ocsf,
    /// falcosidekick-compatible Falco events, one object per line.
    Falco,
}

impl FindingFormat {
    fn sink_format(self) -> Format {
        match self {
            FindingFormat::Table => Format::Table,
            FindingFormat::Jsonl => Format::Jsonl,
            FindingFormat::Ocsf => Format::Ocsf,
            FindingFormat::Falco => Format::Falco,
        }
    }
}

/// A detection status, for `--status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum StatusChoice {
    /// Tested, shipped enabled.
    Production,
    /// Shipped, not tested.
    Experimental,
    /// Kept for reference; Splunk ships these disabled.
    Deprecated,
    /// Every status.
    All,
}

impl StatusChoice {
    fn admits(self, status: Status) -> bool {
        match self {
            StatusChoice::Production => status == Status::Production,
            StatusChoice::Experimental => status == Status::Experimental,
            StatusChoice::Deprecated => status == Status::Deprecated,
            StatusChoice::All => true,
        }
    }
}

/// Run `tripline hunt`.
pub(crate) fn run(args: &HuntArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let color = args.color.enabled_for_stderr();
    let now = args.input.now()?;
    // Every problem that means something the user asked for was not done: exit status 2.
    let mut incomplete = false;

    // The output first, so a bad path fails before the inputs are read.
    let format = args
        .format
        .unwrap_or(if args.output.is_none() && std::io::stdout().is_terminal() {
            FindingFormat::Table
        } else {
            FindingFormat::Jsonl
        });
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("--output: cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let table_colour = format == FindingFormat::Table
        && match args.output {
            Some(_) => args.color == ColorChoice::Always,
            None => args.color.enabled(),
        };
    let mut writer = FindingWriter::new(
        format.sink_format(),
        WriterOptions::default()
            .with_color(table_colour)
            .with_width(terminal_width().filter(|_| args.output.is_none())),
        out,
    );

    // Rules, and the macros they expand with.
    let Some((mut content, load_failed)) = load_rules(&args.rules, &args.macros, args.quiet, color)? else {
        return Ok(ExitCode::from(2));
    };
    incomplete |= load_failed;
    let Some(selection) = select(&content, args, color) else {
        return Ok(ExitCode::from(2));
    };
    if selection.detections.is_empty() {
        eprintln!("error: no detections to run: {}", selection.why_none);
        return Ok(ExitCode::from(2));
    }

    let mut ctx = EvalContext {
        now,
        lookups: Arc::new(std::mem::take(&mut content.lookups)),
        limits: Limits::default().with_max_groups(usize::try_from(args.max_groups).unwrap_or(usize::MAX)),
        ..EvalContext::default()
    };
    let mut set = RuleSet::compile(selection.detections, &content.macros, &ctx);
    for skipped in set.skipped() {
        let named = selection.named.contains(&skipped.detection.id);
        if named {
            // The user asked for this rule by name: show everything that stops it.
            for d in &skipped.diagnostics {
                eprintln!("{}\n", render::snippet(d, &skipped.detection.search, color));
            }
            incomplete = true;
        } else if !args.quiet {
            eprintln!(
                "{}",
                render::plain(
                    Severity::Warning,
                    &format!("skipped `{}`: {}", skipped.detection.name, skipped.reason()),
                    &skipped.detection.path.display().to_string(),
                    color
                )
            );
        }
    }
    if set.is_empty() {
        eprintln!("error: none of the selected detections can run");
        return Ok(ExitCode::from(2));
    }

    if set.requires_geoip() || !args.geoip.is_empty() {
        match crate::geoip::load(&args.geoip)? {
            Some(geoip) => ctx.geoip = Some(geoip),
            None => {
                let rules: Vec<&str> = set.geolocating().map(|d| d.name.as_str()).collect();
                eprintln!("{}", crate::geoip::missing_warning_for_rules(&rules));
            }
        }
    }

    let threads = args.threads.map_or_else(crate::parallel::default_threads, usize::from);
    let report = if threads > 1 && set.can_fork() {
        crate::parallel::hunt(
            &args.input.inputs,
            args.input.ingest_options(),
            &mut set,
            &ctx,
            now,
            !args.quiet,
            threads,
        )
        .map_err(|e| anyhow::anyhow!("merging the threads' results: {e}"))?
    } else {
        let needs = set.needs().clone();
        read_all(
            &args.input,
            &needs,
            now,
            !args.quiet,
            Hunter {
                set: &mut set,
                ctx: &ctx,
                selection: Selection::default(),
            },
        )
    };
    incomplete |= !report.complete();
    let skipped = set.skipped().len();
    let outcomes = set.finish(&ctx);

    let mut findings = 0;
    for outcome in &outcomes {
        for finding in &outcome.findings {
            writer.write(finding).context("writing findings")?;
            findings += 1;
        }
    }
    writer.finish().context("writing findings")?;

    // Results cut short by the group cap: a problem, so shown even with --quiet.
    for outcome in &outcomes {
        let location = format!("{}: `{}`", outcome.detection.path.display(), outcome.detection.name);
        for reached in &outcome.limits_reached {
            eprintln!("{}", render::limit_reached(reached, &location, color));
        }
    }

    if !args.quiet {
        let what = format!("{findings} {}", if findings == 1 { "finding" } else { "findings" });
        eprint!("{}", summary(&what, &report, started.elapsed().as_secs_f64()));
        eprint!("{}", rule_summary(&outcomes, skipped, selection.left_out));
    }
    Ok(if incomplete {
        ExitCode::from(2)
    } else if args.fail_on_findings && findings > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Load the rules `paths` name (the built-in pack when none) with the macros they expand with:
/// Tripline's data macros underneath rules from elsewhere, the rules' own, then `user_macros` on
/// top. Load errors and (unless `quiet`) warnings are printed; the flag says whether there was an
/// error. `None` when a user macro file cannot be read.
pub(crate) fn load_rules(
    paths: &[PathBuf],
    user_macros: &[PathBuf],
    quiet: bool,
    color: bool,
) -> anyhow::Result<Option<(ContentLoad, bool)>> {
    let mut content = if paths.is_empty() {
        builtin_content()
    } else {
        load_content(paths)
    };
    for e in &content.errors {
        eprintln!("{}", render::load_error(e, Severity::Error, None, color));
    }
    if !quiet {
        for w in &content.warnings {
            eprintln!("{}", render::load_error(w, Severity::Warning, None, color));
        }
    }
    // Rules from elsewhere may use Tripline's data macros (`kube_audit`, ...) without defining
    // them; their own definitions (a security_content checkout's) take precedence.
    if !paths.is_empty() {
        let mut macros = builtin_macros().context("loading the built-in macros")?;
        macros.extend(content.macros.iter().cloned());
        content.macros = macros;
    }
    if !add_user_macros(&mut content.macros, user_macros, color) {
        return Ok(None);
    }
    let failed = !content.errors.is_empty();
    Ok(Some((content, failed)))
}

/// Gives each event to the rules that can match it: the prefilter looks at the event's text
/// first, and an event no rule can match is not parsed.
struct Hunter<'a> {
    set: &'a mut RuleSet,
    ctx: &'a EvalContext,
    selection: Selection,
}

impl Consumer for Hunter<'_> {
    fn wants(&mut self, text: &str, meta: &tripline_engine::event::Metadata, time: f64) -> bool {
        self.set.observe_time(time);
        self.set.select_event(text, meta, &mut self.selection)
    }

    fn row(&mut self, row: tripline_engine::row::Row) {
        self.set.push_selected(row, &self.selection, self.ctx);
    }
}

/// The detections chosen to run.
struct Chosen {
    detections: Vec<Detection>,
    /// Ids of detections named with `--rule`.
    named: BTreeSet<String>,
    /// Detections left out for their status.
    left_out: usize,
    /// When nothing is selected, what was looked at.
    why_none: String,
}

/// Choose the detections to run: those named with `--rule`, those of the `--story` stories, or
/// all; the last two filtered by status. `None` (after saying why) when a name matches nothing.
fn select(content: &ContentLoad, args: &HuntArgs, color: bool) -> Option<Chosen> {
    let statuses: &[StatusChoice] = if args.status.is_empty() {
        &[StatusChoice::Production, StatusChoice::Experimental]
    } else {
        &args.status
    };
    let admitted = |d: &Detection| statuses.iter().any(|s| s.admits(d.status));
    let mut named = BTreeSet::new();
    let mut chosen: Vec<&Detection> = Vec::new();
    let mut ok = true;

    for wanted in &args.rule {
        match content.detections.iter().find(|d| rule_matches(d, wanted)) {
            Some(d) => {
                named.insert(d.id.clone());
            }
            None => {
                ok = false;
                let names: Vec<&str> = content.detections.iter().map(|d| d.name.as_str()).collect();
                eprintln!(
                    "{}",
                    render::plain(
                        Severity::Error,
                        &format!(
                            "no detection has the id, name or file name `{wanted}`{}",
                            suggest(wanted, &names)
                        ),
                        &origin(args),
                        color
                    )
                );
            }
        }
    }
    let mut stories = Vec::new();
    for wanted in &args.story {
        match content.stories.iter().find(|s| s.name.eq_ignore_ascii_case(wanted)) {
            Some(s) => stories.push(s.name.as_str()),
            None => {
                // A story may be named by detections without a story file being loaded.
                let known: BTreeSet<&str> = content
                    .detections
                    .iter()
                    .flat_map(|d| d.analytic_story.iter().map(String::as_str))
                    .chain(content.stories.iter().map(|s| s.name.as_str()))
                    .collect();
                match known.iter().find(|s| s.eq_ignore_ascii_case(wanted)) {
                    Some(s) => stories.push(s),
                    None => {
                        ok = false;
                        let known: Vec<&str> = known.into_iter().collect();
                        eprintln!(
                            "{}",
                            render::plain(
                                Severity::Error,
                                &format!("no analytic story is named `{wanted}`{}", suggest(wanted, &known)),
                                &origin(args),
                                color
                            )
                        );
                    }
                }
            }
        }
    }
    if !ok {
        return None;
    }

    let by_story = |d: &Detection| d.analytic_story.iter().any(|s| stories.contains(&s.as_str()));
    let mut left_out = 0;
    for d in &content.detections {
        let wanted = if named.contains(&d.id) {
            true
        } else if args.rule.is_empty() && args.story.is_empty() || by_story(d) {
            if admitted(d) {
                true
            } else {
                left_out += 1;
                false
            }
        } else {
            false
        };
        if wanted {
            chosen.push(d);
        }
    }
    Some(Chosen {
        detections: chosen.into_iter().cloned().collect(),
        named,
        left_out,
        why_none: format!(
            "{} loaded from {}, {left_out} left out by status (see --status)",
            content.detections.len(),
            origin(args),
        ),
    })
}

/// Whether `wanted` names `d`: its id, its name in any case, or its file name without the
/// extension.
pub(crate) fn rule_matches(d: &Detection, wanted: &str) -> bool {
    d.id.eq_ignore_ascii_case(wanted)
        || d.name.eq_ignore_ascii_case(wanted)
        || Path::new(&d.path).file_stem().is_some_and(|s| s == wanted)
}

/// `; did you mean `X`?` for the closest known name, when one is close.
fn suggest(wanted: &str, known: &[&str]) -> String {
    match tripline_spl::did_you_mean(wanted, known.iter().copied()) {
        Some(best) => format!("; did you mean `{best}`?"),
        None => String::new(),
    }
}

/// Where the rules came from, for messages.
fn origin(args: &HuntArgs) -> String {
    if args.rules.is_empty() {
        "the built-in pack".to_owned()
    } else {
        args.rules
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The rules part of the summary: findings per rule (those with any), rules run and skipped.
fn rule_summary(outcomes: &[RuleOutcome], skipped: usize, left_out: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for o in outcomes.iter().filter(|o| !o.findings.is_empty()) {
        let _ = writeln!(out, "  {:>5}  {}", o.findings.len(), o.detection.name);
    }
    let n = outcomes.len();
    let _ = write!(out, "{n} {} run", if n == 1 { "rule" } else { "rules" });
    if skipped > 0 {
        let _ = write!(out, ", {skipped} could not run");
    }
    if left_out > 0 {
        let _ = write!(out, ", {left_out} left out by status (see --status)");
    }
    out.push('\n');
    out
}

/// The width of the terminal on stdout, in columns, when it is one.
fn terminal_width() -> Option<usize> {
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
}

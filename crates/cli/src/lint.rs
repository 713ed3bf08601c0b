//! `tripline lint`: load and check detections, stories, macros, lookups and SPL searches, and
//! report problems with file positions.
//!
//! Two loaders look at the same paths. [`load_content`] (or [`builtin_content`]) reads the
//! content model — detections, stories, macros, lookups — and each detection it loads is checked
//! by [`validate`] (`RULE` codes). [`discover`] finds every file that may hold a search, and
//! each search is macro-expanded and parsed (`SPL` codes), so `.spl` files and detections too
//! broken to load still have their searches checked. A file both loaders fail on is reported
//! once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Serialize;
use tripline_content::{
    BUILTIN_FILES, Detection, LoadError, MacroLoad, SearchSource, builtin_content, discover, load_content, load_macros,
    macro_dirs_for, validate,
};
use tripline_spl::{Diagnostic, ExpandOptions, MacroTable, Severity, analyze};

use crate::ColorChoice;
use crate::render::{self, JsonDiagnostic};

/// Arguments of `tripline lint`.
#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Detection YAML files, `.spl` files, or directories to search recursively (a
    /// security_content checkout works). With none, the detections built into Tripline.
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Extra macro definitions: a macro YAML file, a `macros.conf`, or a directory of them.
    /// Loaded after the `macros/` directories found beside the inputs, so they override them.
    #[arg(long, value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// When to use colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Do not print warnings (they are still counted).
    #[arg(long)]
    quiet: bool,
}

/// Output format of `tripline lint`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// rustc-style messages with source snippets.
    Text,
    /// One JSON document with every diagnostic and a summary.
    Json,
}

/// The JSON document `--format json` prints.
#[derive(Debug, Serialize)]
struct JsonReport {
    diagnostics: Vec<JsonDiagnostic>,
    summary: Summary,
}

/// Counts for the closing line.
#[derive(Debug, Default, Serialize)]
struct Summary {
    /// Searches checked: every detection's, and those of `.spl` files and of YAML files with a
    /// `search:` that did not load as a detection.
    searches: usize,
    /// Detections loaded and validated (each also counted in `searches`).
    detections: usize,
    /// Analytic stories loaded.
    stories: usize,
    /// Lookup definitions loaded.
    lookups: usize,
    /// Searches (detection or not) with at least one error: in the search, in the rest of the
    /// detection, or in loading the file.
    searches_with_errors: usize,
    /// Errors in all, including files that could not be loaded.
    errors: usize,
    /// Warnings in all.
    warnings: usize,
    /// Files that could not be loaded, in whole or in part (their errors are counted in
    /// `errors`).
    files_failed: usize,
}

/// A load problem as reported: the file, the line and column, and the message.
type Reported = (PathBuf, Option<(usize, usize)>, String);

/// Collects counts and output for one run.
struct Reporter<'a> {
    args: &'a LintArgs,
    color: bool,
    /// Whether the files are the built-in pack's (`builtin:content/...`), read from memory.
    builtin: bool,
    summary: Summary,
    json: Vec<JsonDiagnostic>,
    out: std::io::StdoutLock<'static>,
    /// Load problems already reported: the same file may fail in both loaders.
    reported: HashSet<Reported>,
    /// Files with at least one error.
    with_errors: HashSet<PathBuf>,
    /// Files that could not be loaded.
    failed: HashSet<PathBuf>,
    /// Files whose search was checked.
    searched: Vec<PathBuf>,
}

impl Reporter<'_> {
    fn load_error(&mut self, e: &LoadError, severity: Severity) -> anyhow::Result<()> {
        let file = file_key(e.path());
        if !self.reported.insert((file.clone(), e.line_col(), e.to_string())) {
            return Ok(());
        }
        match severity {
            Severity::Error => {
                self.summary.errors += 1;
                // A bad stanza in a `macros.conf` does not stop the file's other macros loading.
                if !matches!(e, LoadError::MacroDefinition { .. }) {
                    self.failed.insert(file.clone());
                }
                self.with_errors.insert(file);
            }
            Severity::Warning => self.summary.warnings += 1,
        }
        if self.args.format == Format::Json {
            self.json.push(load_error_json(e, severity));
        } else if severity == Severity::Error || !self.args.quiet {
            let text = e.line_col().and_then(|_| read_text(e.path(), self.builtin).ok());
            writeln!(
                self.out,
                "{}\n",
                render::load_error(e, severity, text.as_deref(), self.color)
            )?;
        }
        Ok(())
    }

    fn macro_load(&mut self, load: &MacroLoad) -> anyhow::Result<()> {
        for e in &load.errors {
            self.load_error(e, Severity::Error)?;
        }
        for w in &load.warnings {
            self.load_error(w, Severity::Warning)?;
        }
        Ok(())
    }

    fn count(&mut self, severity: Severity, path: &Path) {
        match severity {
            Severity::Error => {
                self.summary.errors += 1;
                self.with_errors.insert(file_key(path));
            }
            Severity::Warning => self.summary.warnings += 1,
        }
    }

    /// Report every diagnostic of one search.
    fn search(&mut self, src: &SearchSource, diagnostics: &[Diagnostic]) -> anyhow::Result<()> {
        self.summary.searches += 1;
        self.searched.push(file_key(&src.path));
        for d in diagnostics {
            self.count(d.severity, &src.path);
            if self.args.format == Format::Json {
                self.json.push(JsonDiagnostic::from_spl(d, src));
            } else if d.severity == Severity::Error || !self.args.quiet {
                writeln!(self.out, "{}\n", render::snippet(d, src, self.color))?;
            }
        }
        Ok(())
    }

    /// Validate one loaded detection and report its problems.
    fn detection(&mut self, d: &Detection) -> anyhow::Result<()> {
        self.summary.detections += 1;
        for p in validate(d) {
            self.count(p.severity, &d.path);
            if self.args.format == Format::Json {
                self.json.push(JsonDiagnostic::from_rule(&p, d));
            } else if p.is_error() || !self.args.quiet {
                writeln!(self.out, "{}\n", render::rule_problem(&p, d, self.color))?;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<ExitCode> {
        self.summary.files_failed = self.failed.len();
        self.summary.searches_with_errors = self
            .searched
            .iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .filter(|f| self.with_errors.contains(*f))
            .count();
        let failed = self.summary.errors > 0;
        if self.args.format == Format::Json {
            let report = JsonReport {
                diagnostics: self.json,
                summary: self.summary,
            };
            serde_json::to_writer_pretty(&mut self.out, &report).context("writing the report")?;
            writeln!(self.out)?;
        } else {
            writeln!(self.out, "{}", summary_line(&self.summary))?;
        }
        Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
    }
}

/// `63 detections, 5 stories, 0 with errors, 34 warnings`: detections and other searches,
/// stories when there are any, the searches with errors, then failures and warnings when any.
fn summary_line(s: &Summary) -> String {
    let other = s.searches.saturating_sub(s.detections);
    let mut line = String::new();
    if s.detections > 0 || other == 0 {
        let _ = write!(
            line,
            "{} {}, ",
            s.detections,
            plural(s.detections, "detection", "detections")
        );
    }
    if other > 0 {
        let noun = if s.detections > 0 {
            plural(other, "other search", "other searches")
        } else {
            plural(other, "search", "searches")
        };
        let _ = write!(line, "{other} {noun}, ");
    }
    if s.stories > 0 {
        let _ = write!(line, "{} {}, ", s.stories, plural(s.stories, "story", "stories"));
    }
    let _ = write!(line, "{} with errors", s.searches_with_errors);
    if s.files_failed > 0 {
        let _ = write!(
            line,
            ", {} {} could not be loaded",
            s.files_failed,
            plural(s.files_failed, "file", "files")
        );
    }
    if s.warnings > 0 {
        let _ = write!(line, ", {} {}", s.warnings, plural(s.warnings, "warning", "warnings"));
    }
    line
}

/// Run `tripline lint`.
pub(crate) fn run(args: &LintArgs) -> anyhow::Result<ExitCode> {
    let builtin = args.paths.is_empty();
    let mut r = Reporter {
        args,
        color: args.format == Format::Text && args.color.enabled(),
        builtin,
        summary: Summary::default(),
        json: Vec::new(),
        out: std::io::stdout().lock(),
        reported: HashSet::new(),
        with_errors: HashSet::new(),
        failed: HashSet::new(),
        searched: Vec::new(),
    };

    let (load, files, discovery_errors) = if builtin {
        // The built-in pack's files, as `discover` would find them in `content/`.
        let files = BUILTIN_FILES
            .iter()
            .map(|(rel, _)| *rel)
            .filter(|rel| !rel.starts_with("macros/") && has_extension(rel, &["yml", "yaml", "spl"]))
            .map(|rel| PathBuf::from(format!("{BUILTIN_PREFIX}{rel}")))
            .collect();
        (builtin_content(), files, Vec::new())
    } else {
        let found = discover(&args.paths);
        (load_content(&args.paths), found.searches, found.errors)
    };
    r.summary.stories = load.stories.len();
    r.summary.lookups = load.lookup_files.len();

    // Problems of files the walk does not reach (macro files, lookups beside a parent
    // directory, paths that cannot be read) come first; the others come with the rest of their
    // file, in walk order.
    let walked: HashSet<PathBuf> = files.iter().map(|f| file_key(f)).collect();
    let mut by_file: HashMap<PathBuf, Vec<(&LoadError, Severity)>> = HashMap::new();
    for e in &discovery_errors {
        r.load_error(e, Severity::Error)?;
    }
    let problems =
        (load.errors.iter().map(|e| (e, Severity::Error))).chain(load.warnings.iter().map(|e| (e, Severity::Warning)));
    for (e, severity) in problems {
        let file = file_key(e.path());
        if walked.contains(&file) {
            by_file.entry(file).or_default().push((e, severity));
        } else {
            r.load_error(e, severity)?;
        }
    }

    // The user's --macros are loaded once and laid over every set of `macros/` directories.
    let user = (!args.macros.is_empty()).then(|| load_macros(&args.macros));
    if let Some(load) = &user {
        r.macro_load(load)?;
    }
    let mut macros = if builtin {
        let mut table = load.macros.clone();
        if let Some(user) = &user {
            table.extend(user.table.iter().cloned());
        }
        Macros::Fixed(table)
    } else {
        Macros::PerDirectories(BTreeMap::new())
    };

    let detections: HashMap<PathBuf, &Detection> = load.detections.iter().map(|d| (file_key(&d.path), d)).collect();
    let mut checked: HashSet<PathBuf> = HashSet::new();
    for path in &files {
        let file = file_key(path);
        // Two paths may reach one file (`./sc` and `sc/detections`).
        if !checked.insert(file.clone()) {
            continue;
        }
        for (e, severity) in by_file.remove(&file).unwrap_or_default() {
            r.load_error(e, severity)?;
        }
        if let Some(d) = detections.get(&file) {
            check(&mut r, &mut macros, user.as_ref(), &d.search, Some(d))?;
            continue;
        }
        // Not a detection (a `.spl` file, a baseline) or one too broken to load: its search
        // is still worth checking.
        let read = read_text(path, builtin).and_then(|text| search_in(path, &text));
        match read {
            Ok(Some(src)) => check(&mut r, &mut macros, user.as_ref(), &src, None)?,
            Ok(None) => {}
            Err(e) => r.load_error(&e, Severity::Error)?,
        }
    }
    // Both loaders walk the same directories, but no loaded detection should go unchecked.
    for d in &load.detections {
        if checked.insert(file_key(&d.path)) {
            check(&mut r, &mut macros, user.as_ref(), &d.search, Some(d))?;
        }
    }
    r.finish()
}

/// Check one search and, when it is a loaded detection's, the rest of the detection.
fn check(
    r: &mut Reporter<'_>,
    macros: &mut Macros,
    user: Option<&MacroLoad>,
    src: &SearchSource,
    detection: Option<&Detection>,
) -> anyhow::Result<()> {
    let table = macros.table(r, &src.path, user)?;
    let analysis = analyze(&src.text, table, &ExpandOptions::default());
    r.search(src, &analysis.diagnostics)?;
    if let Some(d) = detection {
        r.detection(d)?;
    }
    Ok(())
}

/// The macro definitions searches are expanded with.
enum Macros {
    /// One table per distinct set of `macros/` directories beside the searches (each set
    /// loaded once), with the user's `--macros` over it.
    PerDirectories(BTreeMap<Vec<PathBuf>, MacroTable>),
    /// One table for every search (the built-in pack's).
    Fixed(MacroTable),
}

impl Macros {
    fn table(&mut self, r: &mut Reporter<'_>, path: &Path, user: Option<&MacroLoad>) -> anyhow::Result<&MacroTable> {
        let tables = match self {
            Macros::Fixed(table) => return Ok(table),
            Macros::PerDirectories(tables) => tables,
        };
        let dirs = macro_dirs_for(path);
        if !tables.contains_key(&dirs) {
            let mut table = MacroTable::new();
            if !dirs.is_empty() {
                let load = load_macros(&dirs);
                r.macro_load(&load)?;
                table = load.table;
            }
            if let Some(load) = user {
                table.extend(load.table.iter().cloned());
            }
            tables.insert(dirs.clone(), table);
        }
        Ok(&tables[&dirs])
    }
}

/// How the built-in pack's paths begin.
const BUILTIN_PREFIX: &str = "builtin:content/";

/// A file's text: from disk, or from the binary for the built-in pack. Invalid UTF-8 is
/// replaced rather than rejected: the rest of the file is still worth checking.
fn read_text(path: &Path, builtin: bool) -> Result<String, LoadError> {
    if builtin
        && let Some(rel) = path.to_str().and_then(|p| p.strip_prefix(BUILTIN_PREFIX))
        && let Some((_, text)) = BUILTIN_FILES.iter().find(|(r, _)| *r == rel)
    {
        return Ok((*text).to_owned());
    }
    let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The search a file holds (`None`: a YAML file without `search:`).
fn search_in(path: &Path, text: &str) -> Result<Option<SearchSource>, LoadError> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("spl")) {
        return Ok(Some(tripline_content::search_from_spl_file(path, text)));
    }
    tripline_content::searches_from_yaml(path, text)
}

/// A file's identity, so the same file reached by two loaders is one file.
fn file_key(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn has_extension(name: &str, extensions: &[&str]) -> bool {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn load_error_json(e: &LoadError, severity: Severity) -> JsonDiagnostic {
    let (line, column) = e.line_col().unwrap_or((1, 1));
    let (code, message) = match e {
        LoadError::MacroDefinition { code, message, .. } => (code.as_str().to_string(), message.clone()),
        _ => ("LOAD".to_string(), e.to_string()),
    };
    JsonDiagnostic {
        path: e.path().display().to_string(),
        search: None,
        line,
        column,
        end_line: line,
        end_column: column,
        code,
        severity,
        message,
        label: None,
        help: None,
        notes: Vec::new(),
        key: None,
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

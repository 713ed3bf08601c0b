//! `tripline lint`: parse and check detection searches, report problems with file positions.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Serialize;
use tripline_content::{LoadError, MacroLoad, SearchSource, discover, load_macros, macro_dirs_for};
use tripline_spl::{Diagnostic, ExpandOptions, MacroTable, Severity, analyze};

use crate::ColorChoice;
use crate::render::{self, JsonDiagnostic};

/// Arguments of `tripline lint`.
#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Detection YAML files, `.spl` files, or directories to search recursively.
    #[arg(required = true, value_name = "PATH")]
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
    /// Searches checked.
    searches: usize,
    /// Searches with at least one error.
    searches_with_errors: usize,
    /// Errors in all, including files that could not be loaded.
    errors: usize,
    /// Warnings in all.
    warnings: usize,
    /// Files that could not be loaded (each also counted in `errors`).
    files_failed: usize,
}

/// Collects counts and output for one run.
struct Reporter<'a> {
    args: &'a LintArgs,
    color: bool,
    summary: Summary,
    json: Vec<JsonDiagnostic>,
    out: std::io::StdoutLock<'static>,
}

impl Reporter<'_> {
    fn load_error(&mut self, e: &LoadError, severity: Severity) -> anyhow::Result<()> {
        match severity {
            Severity::Error => self.summary.errors += 1,
            Severity::Warning => self.summary.warnings += 1,
        }
        if self.args.format == Format::Json {
            self.json.push(load_error_json(e, severity));
        } else if severity == Severity::Error || !self.args.quiet {
            writeln!(
                self.out,
                "{}\n",
                render::plain(severity, &e.to_string(), &location(e), self.color)
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

    /// Report every diagnostic of one search; returns whether any was an error.
    fn search(&mut self, src: &SearchSource, diagnostics: &[Diagnostic]) -> anyhow::Result<bool> {
        let mut has_error = false;
        for d in diagnostics {
            match d.severity {
                Severity::Error => {
                    self.summary.errors += 1;
                    has_error = true;
                }
                Severity::Warning => self.summary.warnings += 1,
            }
            if self.args.format == Format::Json {
                self.json.push(JsonDiagnostic::from_spl(d, src));
            } else if d.severity == Severity::Error || !self.args.quiet {
                writeln!(self.out, "{}\n", render::snippet(d, src, self.color))?;
            }
        }
        Ok(has_error)
    }

    fn finish(mut self) -> anyhow::Result<ExitCode> {
        let failed = self.summary.errors > 0;
        if self.args.format == Format::Json {
            let report = JsonReport {
                diagnostics: self.json,
                summary: self.summary,
            };
            serde_json::to_writer_pretty(&mut self.out, &report).context("writing the report")?;
            writeln!(self.out)?;
        } else {
            let s = &self.summary;
            let mut line = format!(
                "{} {}, {} with errors",
                s.searches,
                plural(s.searches, "search", "searches"),
                s.searches_with_errors
            );
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
            writeln!(self.out, "{line}")?;
        }
        Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
    }
}

/// Run `tripline lint`.
pub(crate) fn run(args: &LintArgs) -> anyhow::Result<ExitCode> {
    let mut r = Reporter {
        args,
        color: args.format == Format::Text && args.color.enabled(),
        summary: Summary::default(),
        json: Vec::new(),
        out: std::io::stdout().lock(),
    };
    let found = discover(&args.paths);
    for e in &found.errors {
        r.load_error(e, Severity::Error)?;
        r.summary.files_failed += 1;
    }

    // The user's --macros are loaded once and laid over every set of `macros/` directories.
    let user = (!args.macros.is_empty()).then(|| load_macros(&args.macros));
    if let Some(load) = &user {
        r.macro_load(load)?;
    }
    let mut tables: BTreeMap<Vec<PathBuf>, MacroTable> = BTreeMap::new();
    let options = ExpandOptions::default();

    for path in &found.searches {
        let src = match read_search(path) {
            Ok(Some(src)) => src,
            Ok(None) => continue,
            Err(e) => {
                r.load_error(&e, Severity::Error)?;
                r.summary.files_failed += 1;
                continue;
            }
        };
        // Each distinct set of `macros/` directories is loaded once.
        let dirs = macro_dirs_for(&src.path);
        if !tables.contains_key(&dirs) {
            let mut table = MacroTable::new();
            if !dirs.is_empty() {
                let load = load_macros(&dirs);
                r.macro_load(&load)?;
                table = load.table;
            }
            if let Some(load) = &user {
                table.extend(load.table.iter().cloned());
            }
            tables.insert(dirs.clone(), table);
        }
        let analysis = analyze(&src.text, &tables[&dirs], &options);
        r.summary.searches += 1;
        if r.search(&src, &analysis.diagnostics)? {
            r.summary.searches_with_errors += 1;
        }
    }
    r.finish()
}

/// Read one discovered file as a search (`None`: a YAML file without `search:`).
fn read_search(path: &Path) -> Result<Option<SearchSource>, LoadError> {
    let text = std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // Invalid UTF-8 is replaced rather than rejected: the rest of the file is still worth checking.
    let text = String::from_utf8_lossy(&text);
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("spl")) {
        return Ok(Some(tripline_content::search_from_spl_file(path, &text)));
    }
    tripline_content::searches_from_yaml(path, &text)
}

fn location(e: &LoadError) -> String {
    match e.line_col() {
        Some((l, c)) => format!("{}:{l}:{c}", e.path().display()),
        None => e.path().display().to_string(),
    }
}

fn load_error_json(e: &LoadError, severity: Severity) -> JsonDiagnostic {
    let (line, column) = e.line_col().unwrap_or((1, 1));
    let code = match e {
        LoadError::MacroDefinition { code, .. } => code.as_str().to_string(),
        _ => "LOAD".to_string(),
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
        message: e.to_string(),
        label: None,
        help: None,
        notes: Vec::new(),
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

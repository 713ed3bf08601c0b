//! Loading macro definitions from security_content macro YAML and `macros.conf` files.

use std::fs;
use std::path::{Path, PathBuf};

use tripline_spl::{Diagnostic, MacroDef, MacroTable, Span};

use crate::LoadError;
use crate::discover::{has_extension, walk};
use crate::lines::LineIndex;
use crate::search::{invalid, is_null, parse_yaml, single_entry, string_value};
use crate::yaml::{Root, Value};

/// The macros loaded from some paths, and the files that failed.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct MacroLoad {
    /// Every definition that loaded. When two files define the same name and arity, the one
    /// loaded last wins (see [`load_macros`] for the order).
    pub table: MacroTable,
    /// One entry per file (or `macros.conf` stanza) that could not be loaded.
    pub errors: Vec<LoadError>,
    /// Definitions that loaded but look wrong: declared arguments the definition never uses,
    /// or `$name$` references to undeclared ones ([`LoadError::MacroDefinition`] with code
    /// `SPL0107`).
    pub warnings: Vec<LoadError>,
}

/// Read one security_content macro file: `name`, `definition`, optional `arguments` (a list of
/// argument names) and `description` (ignored).
///
/// # Errors
///
/// [`LoadError::Yaml`] for invalid YAML, [`LoadError::NotAMapping`] when the top level is not a
/// mapping, [`LoadError::MissingField`] without `name` or `definition`,
/// [`LoadError::InvalidField`] when they are not strings or `arguments` is not a list of strings,
/// and [`LoadError::DuplicateKey`] when one of them appears twice.
pub fn load_macro_yaml(path: &Path, text: &str) -> Result<MacroDef, LoadError> {
    read_macro_yaml(path, text).map(|(def, _)| def)
}

/// [`load_macro_yaml`], also returning the byte span of the `definition` value in `text`.
fn read_macro_yaml(path: &Path, text: &str) -> Result<(MacroDef, Span), LoadError> {
    let lines = LineIndex::new(text);
    let doc = parse_yaml(path, text, &lines)?;
    match doc.top.root {
        Root::Mapping => {}
        Root::Empty => {
            return Err(LoadError::NotAMapping {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
            });
        }
        Root::Other(at) => {
            let at = lines.line_col(text, doc.byte(at));
            return Err(LoadError::NotAMapping {
                path: path.to_path_buf(),
                line: at.line,
                column: at.column,
            });
        }
    }

    let required = |field: &'static str| {
        let Some((_, value)) = single_entry(path, &doc, field, text, &lines)? else {
            return Err(LoadError::MissingField {
                path: path.to_path_buf(),
                field,
            });
        };
        string_value(path, field, value, &doc, text, &lines)
    };
    let name = required("name")?.value.clone();
    let definition_node = required("definition")?;
    let definition_span = Span::new(doc.byte(definition_node.span.start), doc.byte(definition_node.span.end));
    let definition = definition_node.value.clone();

    let mut args = Vec::new();
    if let Some((_, value)) = single_entry(path, &doc, "arguments", text, &lines)? {
        const EXPECTED: &str = "a list of argument names";
        match value {
            Value::Scalar(node) if is_null(node) => {}
            Value::Sequence { items, .. } => {
                for item in items {
                    match item {
                        Some(node) if !is_null(node) => args.push(node.value.clone()),
                        _ => {
                            let at = item.as_ref().map_or(value.start(), |n| n.span.start);
                            return Err(invalid(path, "arguments", EXPECTED, doc.byte(at), text, &lines));
                        }
                    }
                }
            }
            _ => {
                return Err(invalid(
                    path,
                    "arguments",
                    EXPECTED,
                    doc.byte(value.start()),
                    text,
                    &lines,
                ));
            }
        }
    }

    let def = MacroDef {
        name,
        args,
        definition,
        origin: Some(path.display().to_string()),
    };
    Ok((def, definition_span))
}

/// Load macro definitions from files and directories.
///
/// Each path is a macro YAML file (`.yml`/`.yaml`), a `macros.conf`-style file (any name
/// ending in `.conf`), or a directory whose macro files (those three extensions, recursively,
/// in name order, hidden entries and links to directories skipped) are all loaded. Paths load
/// in the order given and a later definition of the same name and arity replaces an earlier
/// one, as [`MacroTable::insert`] does: put the paths that should take precedence last (the
/// directories [`crate::macro_dirs_for`] finds, then the user's `--macros`). A bad file is
/// reported in [`MacroLoad::errors`] and the others still load.
#[must_use]
pub fn load_macros(paths: &[PathBuf]) -> MacroLoad {
    let mut load = MacroLoad::default();
    for path in paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let mut files = Vec::new();
                walk(path, is_macro_file, |_| false, &mut files, &mut load.errors);
                for file in files {
                    load_file(&file, &mut load);
                }
            }
            Ok(_) if is_macro_file(path) => load_file(path, &mut load),
            Ok(_) => load.errors.push(LoadError::UnsupportedFile {
                path: path.clone(),
                expected: "`.yml`, `.yaml` or `.conf`",
            }),
            Err(source) => load.errors.push(LoadError::Io {
                path: path.clone(),
                source,
            }),
        }
    }
    load
}

fn is_macro_file(path: &Path) -> bool {
    has_extension(path, &["yml", "yaml", "conf"])
}

/// Load one macro file into `load`.
fn load_file(path: &Path, load: &mut MacroLoad) {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(source) => {
            load.errors.push(LoadError::Io {
                path: path.to_path_buf(),
                source,
            });
            return;
        }
    };
    if has_extension(path, &["conf"]) {
        let origin = path.display().to_string();
        let (defs, diagnostics) = MacroTable::parse_conf(&text, Some(&origin));
        report(path, &text, diagnostics, load);
        load.table.extend(defs);
    } else {
        match read_macro_yaml(path, &text) {
            Ok((def, span)) => {
                report(path, &text, def.check_arguments(span), load);
                load.table.insert(def);
            }
            Err(err) => load.errors.push(err),
        }
    }
}

/// File diagnostics about `text` (the contents of `path`) as errors or warnings.
fn report(path: &Path, text: &str, diagnostics: Vec<Diagnostic>, load: &mut MacroLoad) {
    let lines = LineIndex::new(text);
    for diagnostic in diagnostics {
        let at = lines.line_col(text, diagnostic.span.start);
        let is_error = diagnostic.is_error();
        let err = LoadError::MacroDefinition {
            path: path.to_path_buf(),
            line: at.line,
            column: at.column,
            code: diagnostic.code,
            message: diagnostic.message,
        };
        if is_error {
            load.errors.push(err);
        } else {
            load.warnings.push(err);
        }
    }
}

//! CSV lookup tables, their definitions, and the registry the `lookup` command reads them from.
//!
//! - [`LookupTable`]: the columns and rows of one CSV file, read by a small RFC 4180 reader
//!   ([`LookupTable::from_csv`]).
//! - [`LookupDefinition`]: how a table is matched, as a Splunk lookup definition
//!   (`transforms.conf`, or a security_content `lookups/*.yml`) describes it: `filename`,
//!   `match_type` (`WILDCARD(field)`, `CIDR(field)`, exact otherwise), `case_sensitive_match`,
//!   `min_matches`/`default_match` and `max_matches`.
//! - [`Lookup`]: a definition with its loaded table; [`LookupRegistry`]: the lookups a search may
//!   use, by name. The plan compiler finds it in [`crate::expr::EvalContext::lookups`].
//!
//! The engine does not read files or YAML: the caller (the content crate) loads both and builds
//! the registry.
//!
//! CSV cells are trimmed of surrounding spaces and tabs. security_content writes its lookups as
//! `local_file_inclusion_paths, lfi_path` / `*/etc/passwd*, yes`, and the detection that uses it
//! only passes its test if the cell reads `yes` (spl-semantics §3.6.10, \[INFER\]). Quoted cells
//! keep the spaces inside their quotes.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use crate::value::Text;

/// One CSV lookup file: a header of column names and rows of cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LookupTable {
    columns: Vec<Text>,
    rows: Vec<Vec<Text>>,
}

impl LookupTable {
    /// A table from its columns and rows. Rows shorter than the header are padded with empty
    /// cells; longer rows are cut to the header's width.
    #[must_use]
    pub fn new(columns: Vec<Text>, rows: Vec<Vec<Text>>) -> LookupTable {
        let width = columns.len();
        let rows = rows
            .into_iter()
            .map(|mut r| {
                r.resize(width, Text::default());
                r
            })
            .collect();
        LookupTable { columns, rows }
    }

    /// Read a CSV file: the first record is the header. Records end at LF or CRLF; cells may be
    /// quoted with `"` (a quoted cell may hold commas, line breaks and `""` for a quote); spaces
    /// and tabs around cells are trimmed; blank lines are skipped; a leading byte-order mark is
    /// ignored.
    ///
    /// # Errors
    /// The text has no header, or a quoted cell is never closed.
    pub fn from_csv(text: &str) -> Result<LookupTable, CsvError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut records = read_csv(text)?.into_iter();
        let Some(header) = records.next() else {
            return Err(CsvError {
                line: 1,
                kind: CsvErrorKind::NoHeader,
            });
        };
        Ok(LookupTable::new(header, records.collect()))
    }

    /// The column names, in file order.
    #[must_use]
    pub fn columns(&self) -> &[Text] {
        &self.columns
    }

    /// The rows, in file order; each has one cell per column.
    #[must_use]
    pub fn rows(&self) -> &[Vec<Text>] {
        &self.rows
    }

    /// The index of a column (the first, if the header repeats a name).
    #[must_use]
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// A problem reading a CSV lookup file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid CSV at line {line}: {kind}")]
#[non_exhaustive]
pub struct CsvError {
    /// The line (from 1) where the problem starts.
    pub line: usize,
    /// What is wrong.
    pub kind: CsvErrorKind,
}

/// The kinds of [`CsvError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvErrorKind {
    /// The file holds no record at all, so no column names.
    #[error("the file has no header row")]
    NoHeader,
    /// A quoted cell runs to the end of the file.
    #[error("a quoted cell is never closed")]
    UnterminatedQuote,
}

/// Split CSV text into records of trimmed cells, skipping blank lines.
fn read_csv(text: &str) -> Result<Vec<Vec<Text>>, CsvError> {
    let mut records = Vec::new();
    let mut record: Vec<Text> = Vec::new();
    let mut cell = String::new();
    // Whether the current cell was quoted (its text is then taken as is, untrimmed), and whether
    // anything at all has been read for the current record (a blank line has not).
    let mut quoted = false;
    let mut started = false;
    let mut line = 1;
    let mut chars = text.chars().peekable();
    let finish_cell = |cell: &mut String, quoted: &mut bool, record: &mut Vec<Text>| {
        let value = if *quoted {
            cell.as_str()
        } else {
            cell.trim_matches([' ', '\t'])
        };
        record.push(Text::from(value));
        cell.clear();
        *quoted = false;
    };
    while let Some(c) = chars.next() {
        match c {
            '"' if !quoted && cell.trim_matches([' ', '\t']).is_empty() => {
                // An opening quote (spaces before it are dropped); read to the closing quote.
                started = true;
                quoted = true;
                cell.clear();
                let start_line = line;
                loop {
                    match chars.next() {
                        None => {
                            return Err(CsvError {
                                line: start_line,
                                kind: CsvErrorKind::UnterminatedQuote,
                            });
                        }
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            cell.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            cell.push(c);
                        }
                    }
                }
                // Anything between the closing quote and the next separator other than spaces
                // is kept, as lenient readers do (`"a"b` reads `ab`).
                while let Some(&next) = chars.peek() {
                    if matches!(next, ',' | '\n' | '\r') {
                        break;
                    }
                    chars.next();
                    if !matches!(next, ' ' | '\t') {
                        cell.push(next);
                    }
                }
            }
            ',' => {
                started = true;
                finish_cell(&mut cell, &mut quoted, &mut record);
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if started || !cell.trim_matches([' ', '\t']).is_empty() {
                    finish_cell(&mut cell, &mut quoted, &mut record);
                    records.push(std::mem::take(&mut record));
                }
                cell.clear();
                quoted = false;
                started = false;
                line += 1;
            }
            c => {
                // Spaces alone do not make a record: a line of them is blank.
                started |= !matches!(c, ' ' | '\t');
                cell.push(c);
            }
        }
    }
    if started || !cell.trim_matches([' ', '\t']).is_empty() {
        finish_cell(&mut cell, &mut quoted, &mut record);
        records.push(record);
    }
    Ok(records)
}

/// How a lookup field's cells are compared with event values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchType {
    /// Equal text (the default).
    #[default]
    Exact,
    /// `WILDCARD(field)`: the cell is a pattern where `*` matches any run of characters.
    Wildcard,
    /// `CIDR(field)`: the cell is an IP network (`10.0.0.0/8`) or address; the event value is an
    /// address inside it.
    Cidr,
}

impl MatchType {
    /// Parse a `match_type` setting: a comma- and space-separated list of `WILDCARD(field)`,
    /// `CIDR(field)` and `EXACT(field)` (any case).
    ///
    /// # Errors
    /// An item that is not `TYPE(field)` with one of the three types.
    pub fn parse_spec(spec: &str) -> Result<Vec<(String, MatchType)>, String> {
        let mut out = Vec::new();
        let mut rest = spec.trim();
        while !rest.is_empty() {
            let open = rest
                .find('(')
                .ok_or_else(|| format!("`{rest}` is not TYPE(field) in match_type `{spec}`"))?;
            let close = rest[open..]
                .find(')')
                .map(|i| open + i)
                .ok_or_else(|| format!("unclosed `(` in match_type `{spec}`"))?;
            let kind = rest[..open].trim();
            let field = rest[open + 1..close].trim();
            let match_type = match kind.to_ascii_uppercase().as_str() {
                "WILDCARD" => MatchType::Wildcard,
                "CIDR" => MatchType::Cidr,
                "EXACT" => MatchType::Exact,
                _ => return Err(format!("unknown match type `{kind}` in match_type `{spec}`")),
            };
            if field.is_empty() {
                return Err(format!("`{kind}()` names no field in match_type `{spec}`"));
            }
            out.push((field.to_owned(), match_type));
            rest = rest[close + 1..].trim_start_matches([',', ' ', '\t']);
        }
        Ok(out)
    }
}

/// Default for [`LookupDefinition::max_matches`]: \[DOC\] transforms.conf.spec (9.x) "Default: 100
/// matches if the time_field setting is not specified for the lookup".
pub const DEFAULT_MAX_MATCHES: usize = 100;

/// How a lookup table is matched: a Splunk lookup definition.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LookupDefinition {
    /// The name searches use (`lookup <name> ...`).
    pub name: String,
    /// The CSV file the table was read from; `lookup <filename>` finds the definition too.
    pub filename: String,
    /// Lookup fields matched other than exactly.
    pub match_type: Vec<(String, MatchType)>,
    /// `case_sensitive_match`: when false, every field (exact and wildcard) compares ignoring
    /// case. Default true.
    pub case_sensitive: bool,
    /// `default_match`: the output value for each missing match below `min_matches`.
    pub default_match: Option<String>,
    /// `min_matches`: fewer matches than this for an input value are made up with
    /// `default_match`. Default 0.
    pub min_matches: usize,
    /// `max_matches`: at most this many matching rows, the first in file order, are used for
    /// each input value. Default [`DEFAULT_MAX_MATCHES`].
    pub max_matches: usize,
}

impl LookupDefinition {
    /// A definition with Splunk's defaults: exact, case-sensitive matching, no default match,
    /// up to [`DEFAULT_MAX_MATCHES`] matches.
    #[must_use]
    pub fn new(name: impl Into<String>, filename: impl Into<String>) -> LookupDefinition {
        LookupDefinition {
            name: name.into(),
            filename: filename.into(),
            match_type: Vec::new(),
            case_sensitive: true,
            default_match: None,
            min_matches: 0,
            max_matches: DEFAULT_MAX_MATCHES,
        }
    }

    /// How the lookup field `field` is matched.
    #[must_use]
    pub fn match_type_of(&self, field: &str) -> MatchType {
        self.match_type
            .iter()
            .rev()
            .find(|(f, _)| f == field)
            .map_or(MatchType::Exact, |(_, m)| *m)
    }
}

/// A lookup definition with its table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lookup {
    /// How to match.
    pub definition: LookupDefinition,
    /// What to match against.
    pub table: LookupTable,
}

impl Lookup {
    /// Pair a definition with its table.
    #[must_use]
    pub fn new(definition: LookupDefinition, table: LookupTable) -> Lookup {
        Lookup { definition, table }
    }
}

/// The lookups a search can use, by definition name (and by file name).
#[derive(Clone, Default)]
pub struct LookupRegistry {
    by_name: HashMap<String, Arc<Lookup>>,
}

impl LookupRegistry {
    /// An empty registry.
    #[must_use]
    pub fn new() -> LookupRegistry {
        LookupRegistry::default()
    }

    /// Add a lookup under its definition's name, replacing one of the same name.
    pub fn insert(&mut self, lookup: Lookup) {
        self.by_name.insert(lookup.definition.name.clone(), Arc::new(lookup));
    }

    /// The lookup named `name`: a definition name, or else a definition's file name
    /// (`lookup my_table.csv ...`).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Arc<Lookup>> {
        self.by_name.get(name).or_else(|| {
            let mut by_file: Vec<_> = self
                .by_name
                .values()
                .filter(|l| l.definition.filename == name)
                .collect();
            // Several definitions may share a file: take the first by name, for determinism.
            by_file.sort_by(|a, b| a.definition.name.cmp(&b.definition.name));
            by_file.into_iter().next()
        })
    }

    /// The number of lookups.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

impl fmt::Debug for LookupRegistry {
    /// Names and sizes only: tables can be large.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.by_name.iter().collect();
        names.sort_by(|a, b| a.0.cmp(b.0));
        f.debug_map()
            .entries(names.into_iter().map(|(n, l)| (n, l.table.rows.len())))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(table: &LookupTable) -> Vec<Vec<&str>> {
        table
            .rows()
            .iter()
            .map(|r| r.iter().map(Text::as_str).collect())
            .collect()
    }

    #[test]
    fn trims_cells_like_security_content_expects() {
        let t = LookupTable::from_csv("local_file_inclusion_paths, lfi_path\n*/etc/passwd*, yes\n*/etc/shadow* ,yes\n")
            .unwrap();
        assert_eq!(t.columns(), ["local_file_inclusion_paths", "lfi_path"]);
        assert_eq!(cells(&t), [["*/etc/passwd*", "yes"], ["*/etc/shadow*", "yes"]]);
        assert_eq!(t.column("lfi_path"), Some(1));
    }

    #[test]
    fn quotes_crlf_and_blank_lines() {
        let t = LookupTable::from_csv(
            "\u{feff}a,b,c\r\n\"x, y\", \"say \"\"hi\"\"\" ,\"two\r\nlines\"\r\n\r\n1,,\r\nshort\n  \n",
        )
        .unwrap();
        assert_eq!(t.columns(), ["a", "b", "c"]);
        assert_eq!(
            cells(&t),
            [
                vec!["x, y", "say \"hi\"", "two\r\nlines"],
                vec!["1", "", ""],
                vec!["short", "", ""],
            ]
        );
    }

    #[test]
    fn quoted_spaces_are_kept_and_last_line_needs_no_newline() {
        let t = LookupTable::from_csv("k,v\n\" padded \",x").unwrap();
        assert_eq!(cells(&t), [[" padded ", "x"]]);
    }

    #[test]
    fn errors() {
        assert_eq!(LookupTable::from_csv("").unwrap_err().kind, CsvErrorKind::NoHeader);
        assert_eq!(LookupTable::from_csv("\n \n").unwrap_err().kind, CsvErrorKind::NoHeader);
        let e = LookupTable::from_csv("a\nb\n\"open\n").unwrap_err();
        assert_eq!(
            e,
            CsvError {
                line: 3,
                kind: CsvErrorKind::UnterminatedQuote
            }
        );
    }

    #[test]
    fn match_type_specs() {
        assert_eq!(
            MatchType::parse_spec("WILDCARD(local_file_inclusion_paths)").unwrap(),
            [("local_file_inclusion_paths".to_owned(), MatchType::Wildcard)]
        );
        assert_eq!(
            MatchType::parse_spec("wildcard(a), CIDR(ip) EXACT(b)").unwrap(),
            [
                ("a".to_owned(), MatchType::Wildcard),
                ("ip".to_owned(), MatchType::Cidr),
                ("b".to_owned(), MatchType::Exact)
            ]
        );
        assert!(MatchType::parse_spec("FUZZY(a)").is_err());
        assert!(MatchType::parse_spec("WILDCARD(a").is_err());
        assert!(MatchType::parse_spec("a").is_err());
        assert!(MatchType::parse_spec("").unwrap().is_empty());
    }

    #[test]
    fn registry_finds_by_name_and_file() {
        let mut def = LookupDefinition::new("lfi", "local_file_inclusion_paths.csv");
        def.match_type = MatchType::parse_spec("WILDCARD(local_file_inclusion_paths)").unwrap();
        assert_eq!(def.match_type_of("local_file_inclusion_paths"), MatchType::Wildcard);
        assert_eq!(def.match_type_of("other"), MatchType::Exact);
        let mut reg = LookupRegistry::new();
        assert!(reg.is_empty());
        reg.insert(Lookup::new(def, LookupTable::default()));
        assert_eq!(reg.len(), 1);
        assert!(reg.get("lfi").is_some());
        assert!(reg.get("local_file_inclusion_paths.csv").is_some());
        assert!(reg.get("nope").is_none());
        assert_eq!(format!("{reg:?}"), "{\"lfi\": 0}");
    }
}

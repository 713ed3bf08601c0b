//! SPL searches taken from files, with a map from search offsets to file positions.

use std::path::{Path, PathBuf};

use saphyr_parser::ScalarStyle;
use tripline_spl::Span;

use crate::LoadError;
use crate::lines::{LineCol, LineIndex};
use crate::offsets::OffsetMap;
use crate::scalar::{self, ScalarSite};
use crate::yaml::{Document, Root, ScalarNode, Value};

/// One SPL search read from a file: a detection YAML's `search:` value or a whole `.spl` file.
///
/// Diagnostics from the SPL front end carry byte spans into [`SearchSource::text`];
/// [`SearchSource::file_offset`] and [`SearchSource::line_col`] turn them into positions in the
/// file, and [`SearchSource::file_text`] is the file for drawing snippets.
#[derive(Clone, Debug)]
pub struct SearchSource {
    /// The file the search came from.
    pub path: PathBuf,
    /// The detection's `name:`, when the file has one.
    pub name: Option<String>,
    /// The detection's `id:`, when the file has one.
    pub id: Option<String>,
    /// The search, exactly as the YAML parser resolves the scalar (or the `.spl` file's text
    /// without its trailing line breaks).
    pub text: String,
    file_text: String,
    map: OffsetMap,
    lines: LineIndex,
}

impl SearchSource {
    /// The byte offset in the file of byte `text_offset` of [`SearchSource::text`].
    ///
    /// Offsets at or past the end of the text map to just after the search's last character.
    #[must_use]
    pub fn file_offset(&self, text_offset: usize) -> usize {
        self.map.file_offset(text_offset)
    }

    /// The file range covering a span of the text: from the file offset of its first byte to
    /// just after the file character that produced its last byte.
    #[must_use]
    pub fn file_span(&self, span: Span) -> Span {
        let start = self.file_offset(span.start);
        if span.is_empty() {
            return Span::empty(start);
        }
        let mut last = self.file_offset(span.end - 1).min(self.file_text.len());
        while !self.file_text.is_char_boundary(last) {
            last -= 1;
        }
        let after_last = self
            .file_text
            .get(last..)
            .and_then(|rest| rest.chars().next())
            .map_or(last, |c| last + c.len_utf8());
        Span::new(start, after_last)
    }

    /// The 1-based line and column in the file of byte `text_offset` of the text.
    #[must_use]
    pub fn line_col(&self, text_offset: usize) -> LineCol {
        self.lines.line_col(&self.file_text, self.file_offset(text_offset))
    }

    /// The whole file the search was read from.
    #[must_use]
    pub fn file_text(&self) -> &str {
        &self.file_text
    }

    /// The file's line index.
    #[must_use]
    pub fn line_index(&self) -> &LineIndex {
        &self.lines
    }

    /// The offset map from the text to the file.
    #[must_use]
    pub fn offset_map(&self) -> &OffsetMap {
        &self.map
    }
}

/// Read the top-level `search:` of a detection YAML file.
///
/// Returns `Ok(None)` when the file's top level has no `search` key (a story, macro, data
/// source or lookup file), or is not a mapping at all. Only the first YAML document counts.
/// `name:` and `id:` are taken when they are strings. Like PyYAML (and so contentctl), the
/// loader accepts a multi-line quoted scalar whose continuation lines are not indented past
/// its key, which strict YAML 1.2 rejects.
///
/// # Errors
///
/// [`LoadError::Yaml`] when the file is not valid YAML, [`LoadError::DuplicateKey`] when
/// `search` appears twice, and [`LoadError::InvalidField`] when its value is not a string.
pub fn searches_from_yaml(path: &Path, file_text: &str) -> Result<Option<SearchSource>, LoadError> {
    let lines = LineIndex::new(file_text);
    let doc = parse_yaml(path, file_text, &lines)?;
    if !matches!(doc.top.root, Root::Mapping) {
        return Ok(None);
    }
    let Some((key, value)) = single_entry(path, &doc, "search", file_text, &lines)? else {
        return Ok(None);
    };
    let node = string_value(path, "search", value, &doc, file_text, &lines)?;

    let site = ScalarSite {
        style: node.style,
        value_start: doc.parsed_byte(node.span.start),
        key_end: doc.parsed_byte(key.span.end),
        key_column: key.span.start.col(),
    };
    let map = match scalar::rebuild(doc.parsed_text(), &site) {
        Some((rebuilt, map)) if rebuilt == node.value => {
            if doc.was_reindented() {
                map.map_file_offsets(|b| doc.original_byte(b))
            } else {
                map
            }
        }
        _ => OffsetMap::fallback(doc.byte(node.span.start)),
    };

    let scalar_of = |key: &str| {
        doc.top.all(key).find_map(|e| match &e.value {
            Value::Scalar(s) => Some(s.value.clone()),
            _ => None,
        })
    };
    Ok(Some(SearchSource {
        path: path.to_path_buf(),
        name: scalar_of("name"),
        id: scalar_of("id"),
        text: node.value.clone(),
        file_text: file_text.to_owned(),
        map,
        lines,
    }))
}

/// Take a `.spl` file as one search.
///
/// The text is the file without a leading byte order mark and without trailing line breaks; the
/// offset map is the identity (shifted past the BOM).
#[must_use]
pub fn search_from_spl_file(path: &Path, text: &str) -> SearchSource {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = text.get(start..).unwrap_or("").trim_end_matches(['\n', '\r']);
    SearchSource {
        path: path.to_path_buf(),
        name: None,
        id: None,
        text: body.to_owned(),
        file_text: text.to_owned(),
        map: OffsetMap::shifted(start, body.len()),
        lines: LineIndex::new(text),
    }
}

/// Parse `file_text`, turning a syntax error into [`LoadError::Yaml`].
pub(crate) fn parse_yaml(path: &Path, file_text: &str, lines: &LineIndex) -> Result<Document, LoadError> {
    Document::parse(file_text).map_err(|e| {
        let at = lines.line_col(file_text, e.at);
        LoadError::Yaml {
            path: path.to_path_buf(),
            line: at.line,
            column: at.column,
            message: e.message,
        }
    })
}

/// The one entry for `key`, if any; two or more are a [`LoadError::DuplicateKey`].
pub(crate) fn single_entry<'d>(
    path: &Path,
    doc: &'d Document,
    key: &str,
    file_text: &str,
    lines: &LineIndex,
) -> Result<Option<(&'d ScalarNode, &'d Value)>, LoadError> {
    let mut found = doc.top.all(key);
    let first = found.next();
    if let Some(second) = found.next() {
        let at = lines.line_col(file_text, doc.byte(second.key.span.start));
        return Err(LoadError::DuplicateKey {
            path: path.to_path_buf(),
            key: key.to_owned(),
            line: at.line,
            column: at.column,
        });
    }
    Ok(first.map(|e| (&e.key, &e.value)))
}

/// The value as a string scalar (not null, not a collection).
pub(crate) fn string_value<'v>(
    path: &Path,
    field: &'static str,
    value: &'v Value,
    doc: &Document,
    file_text: &str,
    lines: &LineIndex,
) -> Result<&'v ScalarNode, LoadError> {
    match value {
        Value::Scalar(node) if !is_null(node) => Ok(node),
        _ => Err(invalid(
            path,
            field,
            "a string",
            doc.byte(value.start()),
            file_text,
            lines,
        )),
    }
}

/// A [`LoadError::InvalidField`] located at byte `at` of `file_text`.
pub(crate) fn invalid(
    path: &Path,
    field: &'static str,
    expected: &'static str,
    at: usize,
    file_text: &str,
    lines: &LineIndex,
) -> LoadError {
    let at = lines.line_col(file_text, at);
    LoadError::InvalidField {
        path: path.to_path_buf(),
        field,
        expected,
        line: at.line,
        column: at.column,
    }
}

/// Whether a scalar is YAML's null (an empty or `~`/`null` plain scalar).
pub(crate) fn is_null(node: &ScalarNode) -> bool {
    node.style == ScalarStyle::Plain && matches!(&*node.value, "" | "~" | "null" | "Null" | "NULL")
}

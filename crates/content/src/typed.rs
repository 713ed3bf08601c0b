//! Typed reading of content YAML with serde-saphyr, located in the original file.
//!
//! A file is first read by saphyr-parser ([`Document::parse`]), which reports syntax errors the
//! same way the rest of the crate does and re-indents the quoted scalars PyYAML accepts and YAML
//! 1.2 does not. The text that parsed is then deserialised into `#[derive(Deserialize)]` structs
//! by serde-saphyr; values that diagnostics must point at are wrapped in [`Spanned`], and their
//! byte offsets are mapped back to the original text. Unknown keys are ignored (contentctl-ng adds
//! keys often); a value of the wrong shape is a [`LoadError::InvalidValue`] naming its key path.

use std::collections::BTreeMap;
use std::path::Path;

use saphyr_parser::{Event, Parser};
use serde::de::DeserializeOwned;
use serde_saphyr::{MessageFormatter, Spanned, UserMessageFormatter};
use tripline_spl::Span;

use crate::LoadError;
use crate::lines::{LineCol, LineIndex};
use crate::search::parse_yaml;
use crate::yaml::{Document, Root};

/// A parsed content file whose top level is a mapping.
pub(crate) struct TypedDoc<'a> {
    pub(crate) path: &'a Path,
    pub(crate) text: &'a str,
    pub(crate) doc: Document,
    pub(crate) lines: LineIndex,
}

impl<'a> TypedDoc<'a> {
    /// Parse `text`; the top level must be a mapping.
    pub(crate) fn parse(path: &'a Path, text: &'a str) -> Result<Self, LoadError> {
        let lines = LineIndex::new(text);
        let doc = parse_yaml(path, text, &lines)?;
        let at = match doc.top.root {
            Root::Mapping => None,
            Root::Empty => Some(LineCol { line: 1, column: 1 }),
            Root::Other(marker) => Some(lines.line_col(text, doc.byte(marker))),
        };
        if let Some(at) = at {
            return Err(LoadError::NotAMapping {
                path: path.to_path_buf(),
                line: at.line,
                column: at.column,
            });
        }
        Ok(Self { path, text, doc, lines })
    }

    /// Whether the top-level mapping has `key`.
    pub(crate) fn has_key(&self, key: &str) -> bool {
        self.doc.top.all(key).next().is_some()
    }

    /// Deserialise the document into `T`.
    pub(crate) fn deserialize<T: DeserializeOwned>(&self) -> Result<T, LoadError> {
        serde_saphyr::from_str(self.doc.parsed_text()).map_err(|err| self.serde_error(&err))
    }

    /// The byte span in the original file of a deserialised value.
    pub(crate) fn span<T>(&self, value: &Spanned<T>) -> Span {
        let span = value.referenced.span();
        match (span.byte_offset(), span.byte_len()) {
            (Some(start), Some(len)) => {
                let start = usize::try_from(start).unwrap_or(usize::MAX);
                let end = start.saturating_add(usize::try_from(len).unwrap_or(0));
                let (start, end) = (self.doc.original_byte(start), self.doc.original_byte(end));
                if start < end {
                    return Span::new(start, end);
                }
                // A block collection is reported as an empty span at its first entry: cover the
                // rest of that line instead, so there is something to underline.
                let line = self.text.get(start..).unwrap_or("");
                let len = line.find(['\n', '\r']).unwrap_or(line.len());
                Span::new(start, start + line[..len].trim_end().len())
            }
            // Byte offsets are always known for string input; fall back to the file start.
            _ => Span::empty(0),
        }
    }

    /// A [`LoadError::InvalidValue`] at `span`.
    pub(crate) fn invalid(&self, span: Span, key: impl Into<String>, message: impl Into<String>) -> LoadError {
        let at = self.lines.line_col(self.text, span.start);
        LoadError::InvalidValue {
            path: self.path.to_path_buf(),
            key: key.into(),
            message: message.into(),
            line: at.line,
            column: at.column,
        }
    }

    /// Turn a serde-saphyr error into a located [`LoadError::InvalidValue`].
    fn serde_error(&self, err: &serde_saphyr::Error) -> LoadError {
        let err = err.without_snippet();
        let raw = UserMessageFormatter.format_message(err).into_owned();
        let location = err.location();
        let parsed_offset = location
            .and_then(|l| l.span().byte_offset())
            .and_then(|o| usize::try_from(o).ok());
        let key = parsed_offset.map_or_else(String::new, |o| key_path_at(&self.doc, o));
        let message = friendly_message(&raw, &key);
        let (line, column) = match (parsed_offset, location) {
            (Some(o), _) => {
                let at = self.lines.line_col(self.text, self.doc.original_byte(o));
                (at.line, at.column)
            }
            (None, Some(l)) => (
                usize::try_from(l.line()).unwrap_or(1).max(1),
                usize::try_from(l.column()).unwrap_or(1).max(1),
            ),
            (None, None) => (1, 1),
        };
        LoadError::InvalidValue {
            path: self.path.to_path_buf(),
            key,
            message,
            line,
            column,
        }
    }
}

/// A string or a list of strings (a key that older files write one way and newer ones the other).
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub(crate) fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// Reword serde-saphyr's terse messages for rule authors.
fn friendly_message(raw: &str, key: &str) -> String {
    let leaf = key.rsplit('.').next().unwrap_or(key);
    match raw {
        "invalid u8" if matches!(leaf, "score" | "confidence" | "impact") => "expected an integer from 0 to 100".into(),
        "invalid u8" => "expected a whole number from 0 to 255".into(),
        "invalid u32" | "invalid u64" | "invalid usize" => "expected a whole number".into(),
        "expected string scalar" => "expected a string".into(),
        "expected sequence start" => "expected a list".into(),
        "expected mapping start" => "expected a mapping of `key: value` pairs".into(),
        _ => raw.to_owned(),
    }
}

/// The key path (`tags.observable[1].role`) of the node of `doc` that starts at or last before
/// byte `offset` of the parsed text; empty for the root or when nothing matches.
fn key_path_at(doc: &Document, offset: usize) -> String {
    enum Frame {
        Map { path: String, key: Option<String> },
        Seq { path: String, index: usize },
    }
    fn join(base: &str, key: &str) -> String {
        if base.is_empty() {
            key.to_owned()
        } else {
            format!("{base}.{key}")
        }
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut best = String::new();
    for event in Parser::new_from_str(doc.parsed_text()) {
        let Ok((event, span)) = event else { break };
        let start = doc.parsed_byte(span.start);
        let is_node = matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..) | Event::Alias(_)
        );
        if is_node && start > offset {
            break;
        }
        if !is_node {
            if matches!(event, Event::SequenceEnd | Event::MappingEnd) {
                stack.pop();
            }
            continue;
        }
        let path = match stack.last_mut() {
            None => String::new(),
            Some(Frame::Seq { path, index }) => {
                let p = format!("{path}[{index}]");
                *index += 1;
                p
            }
            Some(Frame::Map { path, key }) => match key.take() {
                Some(k) => join(path, &k),
                None => {
                    let name = match &event {
                        Event::Scalar(value, ..) => value.to_string(),
                        _ => "?".to_owned(),
                    };
                    let p = join(path, &name);
                    *key = Some(name);
                    best = p;
                    // A collection used as a key still opens a frame below.
                    match event {
                        Event::SequenceStart(..) => stack.push(Frame::Seq {
                            path: best.clone(),
                            index: 0,
                        }),
                        Event::MappingStart(..) => stack.push(Frame::Map {
                            path: best.clone(),
                            key: None,
                        }),
                        _ => {}
                    }
                    continue;
                }
            },
        };
        match event {
            Event::SequenceStart(..) => stack.push(Frame::Seq {
                path: path.clone(),
                index: 0,
            }),
            Event::MappingStart(..) => stack.push(Frame::Map {
                path: path.clone(),
                key: None,
            }),
            _ => {}
        }
        best = path;
    }
    best
}

/// Byte spans of the values of a content file, by key path (`intermediate_findings.entities[0].field`).
#[derive(Clone, Debug, Default)]
pub(crate) struct SpanTable(BTreeMap<String, Span>);

impl SpanTable {
    pub(crate) fn insert(&mut self, key: impl Into<String>, span: Span) {
        self.0.insert(key.into(), span);
    }

    /// The span recorded for `key`, or else for its nearest recorded ancestor.
    pub(crate) fn get(&self, key: &str) -> Option<Span> {
        let mut k = key;
        loop {
            if let Some(span) = self.0.get(k) {
                return Some(*span);
            }
            let cut = k.rfind(['.', '['])?;
            k = &k[..cut];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path_at(text: &str, needle: &str) -> String {
        let doc = Document::parse(text).ok().unwrap();
        key_path_at(&doc, text.find(needle).unwrap())
    }

    #[test]
    fn key_paths() {
        let text = "name: a\ntags:\n  observable:\n  - name: user\n    role: [Victim]\n  - name: ip\n    role: x\n";
        assert_eq!(path_at(text, "a\n"), "name");
        assert_eq!(path_at(text, "user"), "tags.observable[0].name");
        assert_eq!(path_at(text, "Victim"), "tags.observable[0].role[0]");
        assert_eq!(path_at(text, "x\n"), "tags.observable[1].role");
        assert_eq!(path_at(text, "tags"), "tags");
    }

    #[test]
    fn span_table_falls_back_to_ancestors() {
        let mut t = SpanTable::default();
        t.insert("rba.risk_objects[0]", Span::new(3, 4));
        t.insert("rba", Span::new(1, 2));
        assert_eq!(t.get("rba.risk_objects[0].score"), Some(Span::new(3, 4)));
        assert_eq!(t.get("rba.message"), Some(Span::new(1, 2)));
        assert_eq!(t.get("tags"), None);
    }

    #[test]
    fn wrong_types_are_located() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            tags: Option<Tags>,
        }
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Tags {
            confidence: Option<u8>,
        }
        let text = "name: a\ntags:\n  confidence: high\n";
        let doc = TypedDoc::parse(Path::new("x.yml"), text).unwrap();
        let err = doc.deserialize::<T>().err().unwrap();
        match err {
            LoadError::InvalidValue {
                key,
                message,
                line,
                column,
                ..
            } => {
                assert_eq!(key, "tags.confidence");
                assert_eq!(message, "expected an integer from 0 to 100");
                assert_eq!((line, column), (3, 15));
            }
            other => panic!("{other:?}"),
        }
    }
}

//! A shallow reading of a YAML document: the top-level keys and their values, with positions.
//!
//! Content files are flat mappings whose interesting values are scalars or lists of scalars, so
//! this reads saphyr's event stream into exactly that shape and no deeper. It never recurses
//! (deeply nested input cannot exhaust the stack) and it parses the whole stream, so a syntax
//! error anywhere in the file is reported.
//!
//! One leniency: PyYAML (which contentctl uses) accepts a multi-line quoted scalar whose
//! continuation lines are not indented past its key, as in security_content's
//! `macros/base64decode.yml`; YAML 1.2 and saphyr do not. [`Document::parse`] retries such a
//! file with the missing spaces inserted, and maps positions back to the original text.

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span};

/// A scalar node: its value as the parser resolved it, its style and where it is.
#[derive(Clone, Debug)]
pub(crate) struct ScalarNode {
    pub(crate) value: String,
    pub(crate) style: ScalarStyle,
    pub(crate) span: Span,
}

/// A top-level value.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    Scalar(ScalarNode),
    /// A sequence; each item is its scalar, or `None` for a nested collection or alias.
    Sequence {
        items: Vec<Option<ScalarNode>>,
        start: Marker,
    },
    Mapping {
        start: Marker,
    },
    Alias {
        start: Marker,
    },
}

impl Value {
    /// Where the value starts.
    pub(crate) fn start(&self) -> Marker {
        match self {
            Value::Scalar(s) => s.span.start,
            Value::Sequence { start, .. } | Value::Mapping { start } | Value::Alias { start } => *start,
        }
    }
}

/// One `key: value` pair of the top-level mapping (pairs whose key is not a scalar are dropped).
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) key: ScalarNode,
    pub(crate) value: Value,
}

/// What the first document's root node is.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Root {
    /// There is no document, or it is empty.
    Empty,
    /// A block or flow mapping.
    Mapping,
    /// A scalar, sequence or alias, starting here.
    Other(Marker),
}

/// The first document of a YAML stream, read one level deep.
#[derive(Clone, Debug)]
pub(crate) struct TopLevel {
    pub(crate) root: Root,
    pub(crate) entries: Vec<Entry>,
}

impl TopLevel {
    /// Every entry whose key is `key`, in file order.
    pub(crate) fn all<'s>(&'s self, key: &str) -> impl Iterator<Item = &'s Entry> {
        self.entries.iter().filter(move |e| e.key.value == key)
    }
}

/// A collection opened directly under the root mapping, being read.
struct Open {
    role: Role,
    /// Items, when it is a sequence.
    items: Option<Vec<Option<ScalarNode>>>,
    start: Marker,
}

/// Whether a collection under the root mapping is a key or a value.
enum Role {
    /// A collection used as a key: the pair is dropped.
    Key,
    /// The value of this key (`None`: the key was not a scalar, the pair is dropped).
    Value(Option<ScalarNode>),
}

/// Which half of a `key: value` pair comes next in the root mapping.
enum Slot {
    Key,
    /// The value of this key; `None` when the key was not a scalar, so the pair is dropped.
    Value(Option<ScalarNode>),
}

/// Read the first document of `text` one level deep.
fn read_top_level(text: &str) -> Result<TopLevel, ScanError> {
    let mut root = Root::Empty;
    let mut entries = Vec::new();
    let mut documents = 0usize;
    // Open collections in the first document (the root mapping counts as one).
    let mut depth = 0usize;
    let mut root_is_mapping = false;
    let mut slot = Slot::Key;
    let mut open: Option<Open> = None;

    for event in Parser::new_from_str(text) {
        let (event, span) = event?;
        if let Event::DocumentStart(_) = event {
            documents += 1;
            continue;
        }
        if documents != 1 {
            continue;
        }
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::DocumentEnd => {}
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_seq = matches!(event, Event::SequenceStart(..));
                if depth == 0 {
                    if is_seq {
                        root = Root::Other(span.start);
                    } else {
                        root = Root::Mapping;
                        root_is_mapping = true;
                    }
                } else if depth == 1 && root_is_mapping {
                    let role = match std::mem::replace(&mut slot, Slot::Key) {
                        Slot::Key => Role::Key,
                        Slot::Value(key) => Role::Value(key),
                    };
                    open = Some(Open {
                        role,
                        items: is_seq.then(Vec::new),
                        start: span.start,
                    });
                } else if depth == 2
                    && let Some(items) = open.as_mut().and_then(|o| o.items.as_mut())
                {
                    items.push(None);
                }
                depth += 1;
            }
            Event::MappingEnd | Event::SequenceEnd => {
                depth = depth.saturating_sub(1);
                if depth == 1
                    && root_is_mapping
                    && let Some(done) = open.take()
                {
                    slot = finish_open(done, &mut entries);
                }
            }
            Event::Scalar(value, style, _, _) => {
                let node = ScalarNode {
                    value: value.into_owned(),
                    style,
                    span,
                };
                match depth {
                    0 => root = Root::Other(span.start),
                    1 if root_is_mapping => {
                        slot = match slot {
                            Slot::Key => Slot::Value(Some(node)),
                            Slot::Value(Some(key)) => {
                                entries.push(Entry {
                                    key,
                                    value: Value::Scalar(node),
                                });
                                Slot::Key
                            }
                            Slot::Value(None) => Slot::Key,
                        };
                    }
                    2 => {
                        if let Some(items) = open.as_mut().and_then(|o| o.items.as_mut()) {
                            items.push(Some(node));
                        }
                    }
                    _ => {}
                }
            }
            Event::Alias(_) => match depth {
                0 => root = Root::Other(span.start),
                1 if root_is_mapping => {
                    slot = match slot {
                        Slot::Key => Slot::Value(None),
                        Slot::Value(None) => Slot::Key,
                        Slot::Value(Some(key)) => {
                            entries.push(Entry {
                                key,
                                value: Value::Alias { start: span.start },
                            });
                            Slot::Key
                        }
                    };
                }
                2 => {
                    if let Some(items) = open.as_mut().and_then(|o| o.items.as_mut()) {
                        items.push(None);
                    }
                }
                _ => {}
            },
        }
    }
    Ok(TopLevel { root, entries })
}

/// Close a collection that sat directly under the root mapping; returns the next slot.
fn finish_open(done: Open, entries: &mut Vec<Entry>) -> Slot {
    match done.role {
        Role::Key => Slot::Value(None),
        Role::Value(Some(key)) => {
            let value = match done.items {
                Some(items) => Value::Sequence {
                    items,
                    start: done.start,
                },
                None => Value::Mapping { start: done.start },
            };
            entries.push(Entry { key, value });
            Slot::Key
        }
        Role::Value(None) => Slot::Key,
    }
}

/// A parsed file: its top level, and how to turn parser positions into byte offsets of the
/// original text.
pub(crate) struct Document {
    pub(crate) top: TopLevel,
    /// The text that parsed: the original, or it with spaces inserted (see the module docs).
    text: String,
    /// Original byte offsets before which one space was inserted, ascending (repeats allowed).
    inserts: Vec<usize>,
    chars: CharOffsets,
}

/// A syntax error, located in the original text.
pub(crate) struct SyntaxError {
    /// Byte offset in the original text.
    pub(crate) at: usize,
    pub(crate) message: String,
}

/// How many times [`Document::parse`] re-indents a quoted scalar before giving up.
const MAX_REINDENTS: usize = 64;

impl Document {
    /// Parse `original`, re-indenting under-indented quoted scalars as PyYAML would accept them.
    pub(crate) fn parse(original: &str) -> Result<Self, SyntaxError> {
        let mut inserts: Vec<usize> = Vec::new();
        let mut text = original.to_owned();
        let mut attempts = 0;
        loop {
            let chars = CharOffsets::new(&text);
            match read_top_level(&text) {
                Ok(top) => {
                    return Ok(Self {
                        top,
                        text,
                        inserts,
                        chars,
                    });
                }
                Err(err) => {
                    let at = chars.byte(*err.marker());
                    let fixes = if err.info() == "invalid indentation in quoted scalar" && attempts < MAX_REINDENTS {
                        underindented_lines(&text, at)
                    } else {
                        Vec::new()
                    };
                    if fixes.is_empty() {
                        return Err(SyntaxError {
                            at: to_original(&inserts, at),
                            message: err.info().to_owned(),
                        });
                    }
                    attempts += 1;
                    // Map every fix to the original text before any of them moves offsets.
                    let fixes: Vec<(usize, usize)> = fixes
                        .into_iter()
                        .map(|(line_start, missing)| (to_original(&inserts, line_start), missing))
                        .collect();
                    for (o, missing) in fixes {
                        let pos = inserts.partition_point(|&i| i <= o);
                        inserts.splice(pos..pos, std::iter::repeat_n(o, missing));
                    }
                    text = with_inserts(original, &inserts);
                }
            }
        }
    }

    /// The text the parser read (the original unless quoted scalars were re-indented).
    pub(crate) fn parsed_text(&self) -> &str {
        &self.text
    }

    /// The byte offset of `marker` in the parsed text.
    pub(crate) fn parsed_byte(&self, marker: Marker) -> usize {
        self.chars.byte(marker)
    }

    /// The byte offset of `marker` in the original text.
    pub(crate) fn byte(&self, marker: Marker) -> usize {
        self.original_byte(self.parsed_byte(marker))
    }

    /// The original byte offset of a parsed-text byte offset.
    pub(crate) fn original_byte(&self, parsed: usize) -> usize {
        to_original(&self.inserts, parsed)
    }

    /// Whether the parsed text differs from the original.
    pub(crate) fn was_reindented(&self) -> bool {
        !self.inserts.is_empty()
    }
}

/// Map a byte offset of the text with `inserts` applied back to the original text. An inserted
/// space maps to the character it was inserted before.
fn to_original(inserts: &[usize], patched: usize) -> usize {
    // The i-th inserted space sits at `inserts[i] + i` in the patched text; count those before
    // `patched`. The positions are increasing, so a binary search finds the count.
    let mut lo = 0;
    let mut hi = inserts.len();
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if inserts[mid] + mid < patched {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    patched - lo
}

/// `original` with one space inserted before each offset in `inserts`.
fn with_inserts(original: &str, inserts: &[usize]) -> String {
    let mut out = String::with_capacity(original.len() + inserts.len());
    let mut last = 0;
    for &at in inserts {
        out.push_str(original.get(last..at).unwrap_or(""));
        out.push(' ');
        last = at;
    }
    out.push_str(original.get(last..).unwrap_or(""));
    out
}

/// For the quoted scalar opening at byte `quote` of `text`, the continuation lines indented
/// less than one column past the line the scalar starts on: `(line start, spaces missing)`.
fn underindented_lines(text: &str, quote: usize) -> Vec<(usize, usize)> {
    let Some(rest) = text.get(quote..) else {
        return Vec::new();
    };
    let single = match rest.chars().next() {
        Some('\'') => true,
        Some('"') => false,
        _ => return Vec::new(),
    };
    let line_start = text
        .get(..quote)
        .and_then(|b| b.rfind(['\n', '\r']))
        .map_or(0, |i| i + 1);
    let key_indent = text
        .get(line_start..)
        .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
    let needed = key_indent + 1;

    let mut fixes = Vec::new();
    let bytes = rest.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' if single && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' if single => break,
            b'"' if !single => break,
            // An escaped line break still starts a line that needs indenting.
            b'\\' if !single => {
                i += if matches!(bytes.get(i + 1), Some(b'\r' | b'\n')) {
                    1
                } else {
                    2
                }
            }
            b'\r' | b'\n' => {
                i += if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                let spaces = bytes
                    .get(i..)
                    .map_or(0, |r| r.iter().take_while(|&&b| b == b' ').count());
                let first = bytes.get(i + spaces).copied();
                let blank_line = matches!(first, None | Some(b'\r' | b'\n'));
                // A document marker ends the document even inside a quoted scalar (PyYAML
                // agrees), so it stays an error rather than becoming content.
                let line = rest.get(i..).unwrap_or("");
                let marker = spaces == 0
                    && (line.starts_with("---") || line.starts_with("..."))
                    && line
                        .get(3..)
                        .and_then(|after| after.chars().next())
                        .is_none_or(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
                if spaces < needed && !blank_line && !marker {
                    fixes.push((quote + i, needed - spaces));
                }
                i += spaces;
            }
            _ => i += 1,
        }
    }
    fixes
}

/// Converts saphyr's character indices into byte offsets of one text.
pub(crate) struct CharOffsets {
    len: usize,
    /// Byte offset of each character, plus the text length; empty when the text is ASCII.
    bytes: Vec<usize>,
}

impl CharOffsets {
    pub(crate) fn new(text: &str) -> Self {
        let bytes = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(text.len()))
                .collect()
        };
        Self { len: text.len(), bytes }
    }

    /// The byte offset of a marker, clamped to the end of the text.
    pub(crate) fn byte(&self, marker: Marker) -> usize {
        let index = marker.index();
        if self.bytes.is_empty() {
            index.min(self.len)
        } else {
            self.bytes.get(index).copied().unwrap_or(self.len)
        }
    }
}

//! Flattening one JSON document into Splunk field names.
//!
//! Splunk's structured JSON extraction (`INDEXED_EXTRACTIONS = json`, and `spath` in auto-extract
//! mode) turns a document into flat `name = value` pairs. [`Flattener`] reproduces those names
//! while walking the text once, and pushes each scalar leaf to a caller-supplied sink:
//!
//! | JSON | field name | value |
//! |---|---|---|
//! | `{"objectRef":{"resource":"pods"}}` | `objectRef.resource` | `pods` |
//! | `{"annotations":{"authorization.k8s.io/decision":"allow"}}` | `annotations.authorization.k8s.io/decision` | `allow` |
//! | `{"sourceIPs":["10.0.0.1","10.0.0.1"]}` | `sourceIPs{}` (twice) | `10.0.0.1` |
//! | `{"containers":[{"image":"nginx"}]}` | `containers{}.image` | `nginx` |
//! | `{"a":[[1]]}` | `a{}{}` | `1` |
//! | `{"code":403}`, `{"x":1.50}` | `code`, `x` | `403`, `1.50` (the number's text as written) |
//! | `{"ok":true}` | `ok` | `true` |
//!
//! The rules, and the choices made where Splunk's behaviour is not documented:
//!
//! - Keys are joined with `.` and never escaped, so two different paths can produce one name (the
//!   key `"a.b"` and the nested `a` → `b`). The sink then simply sees that name twice; the caller
//!   merges the values into one multivalue field.
//! - An array appends `{}` to its name; each element is one value, in order, duplicates kept.
//! - Only scalar leaves produce calls. An object or array has no value of its own, and an empty
//!   object or array produces nothing.
//! - JSON `null` produces no call at all: contentctl treats a field whose value is `"null"` as
//!   missing, so the engine does not create the field (spl-semantics §3.2).
//! - A top-level array is treated as the value of an anonymous key: its scalar elements are named
//!   `{}` and the fields of its object elements `{}.x`. A top-level scalar is validated but
//!   produces nothing, since there is no key to name it by.
//! - A key directly under the top-level object is named by the key alone, even when it is empty;
//!   deeper keys always get the `.` separator (so `{"": {"x": 1}}` gives `.x`).
//!
//! [`Projection`] limits the walk to the names a plan needs (see [`FieldSet`]). Values under
//! which no wanted name can occur (whole subtrees, and unwanted strings) are skipped by a fast
//! scanner without building names for them. That scanner only looks for the end of the skipped
//! value: it honours strings and escapes and counts brackets, but does not check that the skipped
//! content is otherwise valid JSON (bracket kinds, commas, colons, numbers, escape sequences,
//! control characters and the depth limit are not checked there). It never panics, always
//! advances, and finds the right end of any valid value. So a malformed document can be accepted
//! under a projection when the damage sits in a skipped part; everything the walk does not skip is
//! validated strictly, and [`Projection::All`] skips nothing.
//!
//! Cost: one pass over the bytes with an explicit stack (no recursion). Field names are built in
//! one reused buffer, values without escapes are borrowed from the input, and escaped strings are
//! decoded into a reused scratch buffer, so a reused [`Flattener`] allocates nothing per document
//! once its buffers have grown. Strings are scanned a machine word at a time while short and with
//! `memchr` once long.

use memchr::memchr2;

/// Default for [`FlattenOptions::max_depth`].
pub const DEFAULT_MAX_DEPTH: usize = 256;

/// Limits applied while flattening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlattenOptions {
    /// The deepest nesting of objects and arrays the walker descends into; one more level is a
    /// [`JsonErrorKind::TooDeep`] error. The walker keeps its own stack, so a deep document can
    /// never overflow the thread's stack whatever this is set to.
    pub max_depth: usize,
}

impl Default for FlattenOptions {
    fn default() -> Self {
        Self {
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// An error found while reading a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON: {kind}")]
pub struct JsonError {
    /// Byte offset in the input where the problem was found.
    pub offset: usize,
    /// What went wrong.
    pub kind: JsonErrorKind,
}

/// The kinds of [`JsonError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The input ended inside a value, or contained no value at all.
    #[error("unexpected end of input")]
    UnexpectedEnd,
    /// A byte that cannot start or continue the expected token.
    #[error("unexpected byte")]
    UnexpectedByte,
    /// A raw control character (below U+0020) inside a string; JSON requires it to be escaped.
    #[error("unescaped control character in string")]
    ControlCharacter,
    /// A backslash escape that JSON does not define, or a `\u` escape without four hex digits.
    #[error("invalid escape sequence")]
    InvalidEscape,
    /// A number that does not follow JSON's grammar (e.g. `01`, `1.`, `-x`, `1e`).
    #[error("invalid number")]
    InvalidNumber,
    /// Objects and arrays nested deeper than [`FlattenOptions::max_depth`].
    #[error("nesting too deep")]
    TooDeep,
    /// Something other than whitespace after the end of the document.
    #[error("trailing characters after the document")]
    TrailingCharacters,
}

fn error(offset: usize, kind: JsonErrorKind) -> JsonError {
    JsonError { offset, kind }
}

/// Which field names a walk should deliver.
#[derive(Debug, Clone, Default)]
pub enum Projection {
    /// Every scalar leaf.
    #[default]
    All,
    /// Only the names in the set; subtrees that cannot contain one are skipped.
    Only(FieldSet),
}

impl Projection {
    /// Whether a field of this name is delivered.
    #[must_use]
    pub fn wants(&self, name: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(set) => set.matches(name),
        }
    }
}

/// A set of wanted field names: exact names (`user.groups{}`) and prefix patterns (`object.*`,
/// every name that starts with `object.`).
///
/// Stored as a byte trie over the names, so the walker can follow each object key byte by byte
/// from the state of the enclosing object: deciding whether a key is wanted costs one short edge
/// scan per key byte, and a key that leaves the trie is abandoned at its first unknown byte. The
/// trie is kept in flat arrays (the edges of each node contiguous, each edge carrying whether its
/// target ends a prefix pattern), so a step touches one node and a few adjacent bytes.
#[derive(Debug, Clone)]
pub struct FieldSet {
    /// Per node: where its edges start in `labels`/`targets`, how many, and its flags.
    nodes: Vec<FlatNode>,
    /// Edge labels, grouped by source node.
    labels: Vec<u8>,
    /// Edge targets, parallel to `labels`; [`PREFIX_BIT`] marks targets that end a prefix.
    targets: Vec<u32>,
    /// The patterns as inserted, which the flat arrays are rebuilt from on every insertion.
    names: Vec<(String, bool)>,
}

/// Set in a target of [`FieldSet::targets`] when that node ends a prefix pattern.
const PREFIX_BIT: u32 = 1 << 31;

#[derive(Debug, Clone, Copy, Default)]
struct FlatNode {
    first_edge: u32,
    edge_count: u32,
    /// A name ends here.
    exact: bool,
    /// A prefix pattern ends here: every name passing through this node is wanted.
    prefix: bool,
}

impl Default for FieldSet {
    fn default() -> Self {
        Self::new()
    }
}

impl FieldSet {
    /// An empty set (a projection with it delivers nothing).
    #[must_use]
    pub fn new() -> Self {
        Self {
            nodes: vec![FlatNode::default()],
            labels: Vec::new(),
            targets: Vec::new(),
            names: Vec::new(),
        }
    }

    /// Adds one exact field name.
    pub fn insert_name(&mut self, name: &str) {
        self.names.push((name.to_owned(), false));
        self.rebuild();
    }

    /// Adds a prefix: every name starting with `prefix` is wanted (`""` wants everything).
    pub fn insert_prefix(&mut self, prefix: &str) {
        self.names.push((prefix.to_owned(), true));
        self.rebuild();
    }

    /// Adds a pattern: a trailing `*` makes it a prefix pattern (`object.*`, `*`), anything else is
    /// an exact name. Only a trailing `*` is special; a `*` elsewhere is taken literally, so
    /// callers translating SPL wildcards such as `*.image` must widen them to a prefix themselves.
    pub fn insert_pattern(&mut self, pattern: &str) {
        match pattern.strip_suffix('*') {
            Some(prefix) => self.insert_prefix(prefix),
            None => self.insert_name(pattern),
        }
    }

    /// Whether `name` is in the set (equal to an exact name or starting with a prefix).
    #[must_use]
    pub fn matches(&self, name: &str) -> bool {
        match self.root() {
            None => false,
            Some(Match::All) => true,
            Some(Match::Node(node)) => match self.step(node, name.as_bytes()) {
                None => false,
                Some(Match::All) => true,
                Some(Match::Node(node)) => self.is_exact(node),
            },
        }
    }

    /// Whether the set wants nothing at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Rebuilds the flat trie from `names`. Sets are small (the fields one plan references) and
    /// built once, so rebuilding on each insertion is simpler than growing flat arrays in place.
    fn rebuild(&mut self) {
        // A pointer-based trie first: children per node, in first-insertion order.
        let mut children: Vec<Vec<(u8, usize)>> = vec![Vec::new()];
        let mut flags: Vec<(bool, bool)> = vec![(false, false)];
        for (pattern, is_prefix) in &self.names {
            let mut node = 0;
            for &byte in pattern.as_bytes() {
                let existing = children
                    .get(node)
                    .and_then(|edges| edges.iter().find(|&&(label, _)| label == byte));
                node = if let Some(&(_, child)) = existing {
                    child
                } else {
                    let child = children.len();
                    children.push(Vec::new());
                    flags.push((false, false));
                    if let Some(edges) = children.get_mut(node) {
                        edges.push((byte, child));
                    }
                    child
                };
            }
            if let Some((exact, prefix)) = flags.get_mut(node) {
                if *is_prefix {
                    *prefix = true;
                } else {
                    *exact = true;
                }
            }
        }
        // Node ids stay the same; only the edges move into the shared arrays. Ids fit in 31 bits
        // because a set that large would need over two billion pattern bytes; `id` saturates
        // rather than panicking if that were ever violated.
        let id = |n: usize| u32::try_from(n).unwrap_or(u32::MAX) & !PREFIX_BIT;
        self.nodes.clear();
        self.labels.clear();
        self.targets.clear();
        for (edges, &(exact, prefix)) in children.iter().zip(&flags) {
            self.nodes.push(FlatNode {
                first_edge: id(self.labels.len()),
                edge_count: id(edges.len()),
                exact,
                prefix,
            });
            for &(label, child) in edges {
                let child_is_prefix = flags.get(child).is_some_and(|&(_, prefix)| prefix);
                self.labels.push(label);
                self.targets
                    .push(id(child) | if child_is_prefix { PREFIX_BIT } else { 0 });
            }
        }
    }

    /// The state for the empty name, or `None` when the set is empty.
    fn root(&self) -> Option<Match> {
        let root = self.nodes.first()?;
        if root.prefix {
            Some(Match::All)
        } else if root.edge_count == 0 && !root.exact {
            None
        } else {
            Some(Match::Node(0))
        }
    }

    /// Follows `bytes` from `node`: `None` when no wanted name continues that way, `All` once a
    /// prefix pattern has been passed.
    #[inline]
    fn step(&self, mut node: u32, bytes: &[u8]) -> Option<Match> {
        for &byte in bytes {
            let flat = self.nodes.get(node as usize)?;
            let first = flat.first_edge as usize;
            let range = first..first + flat.edge_count as usize;
            let edge = self.labels.get(range)?.iter().position(|&l| l == byte)?;
            let target = *self.targets.get(first + edge)?;
            if target & PREFIX_BIT != 0 {
                return Some(Match::All);
            }
            node = target;
        }
        Some(Match::Node(node))
    }

    fn is_exact(&self, node: u32) -> bool {
        self.nodes.get(node as usize).is_some_and(|n| n.exact)
    }
}

impl<S: AsRef<str>> FromIterator<S> for FieldSet {
    /// Builds a set from patterns, as [`FieldSet::insert_pattern`] reads them.
    fn from_iter<I: IntoIterator<Item = S>>(patterns: I) -> Self {
        let mut set = Self::new();
        for pattern in patterns {
            set.insert_pattern(pattern.as_ref());
        }
        set
    }
}

/// How the names at one point of the walk relate to the projection.
#[derive(Debug, Clone, Copy)]
enum Match {
    /// Every name from here down is wanted.
    All,
    /// The trie node for the current name.
    Node(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Object,
    Array,
}

/// One open object or array on the walker's explicit stack.
#[derive(Debug, Clone, Copy)]
struct Frame {
    container: Container,
    /// Length of the container's own name; the name buffer goes back to it when the container
    /// closes.
    base_len: usize,
    /// Length of the name once the separator is appended (`.` for an object below the top level,
    /// `{}` for an array). Object keys are appended after it; array elements use it as is.
    child_len: usize,
    /// The projection state for `name[..child_len]`.
    child: Match,
}

/// Reusable state for flattening many documents without allocating per document: the name
/// buffer, escape scratch buffers and the container stack keep their capacity between calls.
#[derive(Debug, Default)]
pub struct Flattener {
    options: FlattenOptions,
    name: String,
    key: String,
    value: String,
    stack: Vec<Frame>,
}

impl Flattener {
    /// A flattener with [`FlattenOptions::default`].
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A flattener with the given limits.
    #[must_use]
    pub fn with_options(options: FlattenOptions) -> Self {
        Self {
            options,
            ..Self::default()
        }
    }

    /// Walks `json` and calls `sink(name, value)` once per wanted scalar leaf, in document order.
    ///
    /// Values without escapes are slices of `json`; escaped strings are decoded into a buffer
    /// owned by the flattener.
    ///
    /// # Errors
    ///
    /// A [`JsonError`] with the byte offset of the first problem in the parts of the document that
    /// are walked (see the module docs for what skipped parts are checked for). The sink may
    /// already have received the fields before that point.
    pub fn flatten(
        &mut self,
        json: &str,
        projection: &Projection,
        sink: &mut impl FnMut(&str, &str),
    ) -> Result<(), JsonError> {
        let Self {
            options,
            name,
            key,
            value,
            stack,
        } = self;
        name.clear();
        stack.clear();
        let set = match projection {
            Projection::All => None,
            Projection::Only(set) => Some(set),
        };
        let bytes = json.as_bytes();
        let mut pos = skip_ws(bytes, 0);
        // The projection state of the value about to be read; `None` when nothing under it is
        // wanted.
        let mut slot = match set {
            None => Some(Match::All),
            Some(set) => set.root(),
        };

        'value: loop {
            let Some(&byte) = bytes.get(pos) else {
                return Err(error(pos, JsonErrorKind::UnexpectedEnd));
            };
            match byte {
                b'{' | b'[' => {
                    let (container, close, separator) = match byte {
                        // Keys of the top-level object are names on their own.
                        b'{' if stack.is_empty() => (Container::Object, b'}', ""),
                        b'{' => (Container::Object, b'}', "."),
                        _ => (Container::Array, b']', "{}"),
                    };
                    let child = match (slot, set) {
                        (Some(Match::All), _) => Some(Match::All),
                        (Some(Match::Node(node)), Some(set)) => set.step(node, separator.as_bytes()),
                        (Some(Match::Node(_)) | None, _) => None,
                    };
                    if let Some(child) = child {
                        if stack.len() >= options.max_depth {
                            return Err(error(pos, JsonErrorKind::TooDeep));
                        }
                        let base_len = name.len();
                        name.push_str(separator);
                        stack.push(Frame {
                            container,
                            base_len,
                            child_len: name.len(),
                            child,
                        });
                        pos = skip_ws(bytes, pos + 1);
                        if bytes.get(pos) == Some(&close) {
                            // Empty: no leaves, and the container is complete.
                            pos += 1;
                            stack.pop();
                            name.truncate(base_len);
                        } else {
                            slot = match container {
                                Container::Object => read_key(&mut pos, json, key, name, child, set)?,
                                Container::Array => Some(child),
                            };
                            continue 'value;
                        }
                    } else {
                        pos = skip_container(bytes, pos)?;
                    }
                }
                b'"' => {
                    if wanted(slot, set, stack.is_empty()) {
                        let (end, text) = read_string(json, pos + 1, value)?;
                        sink(name, text);
                        pos = end;
                    } else if let Some(Match::All) = slot {
                        // Only a top-level string gets here: validate it like everything else
                        // that is walked rather than skipped.
                        pos = read_string(json, pos + 1, value)?.0;
                    } else {
                        pos = skip_string(bytes, pos + 1)?;
                    }
                }
                b't' => {
                    pos = read_literal(bytes, pos, b"true")?;
                    if wanted(slot, set, stack.is_empty()) {
                        sink(name, "true");
                    }
                }
                b'f' => {
                    pos = read_literal(bytes, pos, b"false")?;
                    if wanted(slot, set, stack.is_empty()) {
                        sink(name, "false");
                    }
                }
                b'n' => pos = read_literal(bytes, pos, b"null")?,
                b'-' | b'0'..=b'9' => {
                    let end = read_number(bytes, pos)?;
                    if wanted(slot, set, stack.is_empty()) {
                        // Both ends sit on ASCII bytes, so the slice is on char boundaries.
                        let text = json.get(pos..end).ok_or(error(pos, JsonErrorKind::InvalidNumber))?;
                        sink(name, text);
                    }
                    pos = end;
                }
                _ => return Err(error(pos, JsonErrorKind::UnexpectedByte)),
            }

            // A value is complete: close finished containers until the next value starts.
            loop {
                let Some(frame) = stack.last().copied() else {
                    break 'value;
                };
                pos = skip_ws(bytes, pos);
                match (bytes.get(pos), frame.container) {
                    (Some(b','), Container::Object) => {
                        pos = skip_ws(bytes, pos + 1);
                        name.truncate(frame.child_len);
                        slot = read_key(&mut pos, json, key, name, frame.child, set)?;
                        continue 'value;
                    }
                    (Some(b','), Container::Array) => {
                        pos = skip_ws(bytes, pos + 1);
                        slot = Some(frame.child);
                        continue 'value;
                    }
                    (Some(b'}'), Container::Object) | (Some(b']'), Container::Array) => {
                        pos += 1;
                        stack.pop();
                        name.truncate(frame.base_len);
                    }
                    (Some(_), _) => return Err(error(pos, JsonErrorKind::UnexpectedByte)),
                    (None, _) => return Err(error(pos, JsonErrorKind::UnexpectedEnd)),
                }
            }
        }

        pos = skip_ws(bytes, pos);
        if pos < bytes.len() {
            return Err(error(pos, JsonErrorKind::TrailingCharacters));
        }
        Ok(())
    }
}

/// Whether a scalar in the state `slot` goes to the sink.
fn wanted(slot: Option<Match>, set: Option<&FieldSet>, at_root: bool) -> bool {
    if at_root {
        return false;
    }
    match (slot, set) {
        (Some(Match::All), _) => true,
        (Some(Match::Node(node)), Some(set)) => set.is_exact(node),
        (Some(Match::Node(_)) | None, _) => false,
    }
}

/// Reads an object key and its colon at `*pos`, appends the key to `name` when anything under it
/// is wanted, and returns the projection state of the member's value. Leaves `*pos` at the value.
fn read_key(
    pos: &mut usize,
    json: &str,
    scratch: &mut String,
    name: &mut String,
    object: Match,
    set: Option<&FieldSet>,
) -> Result<Option<Match>, JsonError> {
    let bytes = json.as_bytes();
    match bytes.get(*pos) {
        Some(b'"') => {}
        Some(_) => return Err(error(*pos, JsonErrorKind::UnexpectedByte)),
        None => return Err(error(*pos, JsonErrorKind::UnexpectedEnd)),
    }
    let (end, text) = read_string(json, *pos + 1, scratch)?;
    let colon = skip_ws(bytes, end);
    match bytes.get(colon) {
        Some(b':') => {}
        Some(_) => return Err(error(colon, JsonErrorKind::UnexpectedByte)),
        None => return Err(error(colon, JsonErrorKind::UnexpectedEnd)),
    }
    *pos = skip_ws(bytes, colon + 1);
    let state = match (object, set) {
        (Match::All, _) => Some(Match::All),
        (Match::Node(node), Some(set)) => set.step(node, text.as_bytes()),
        (Match::Node(_), None) => None,
    };
    if state.is_some() {
        name.push_str(text);
    }
    Ok(state)
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(&byte) = bytes.get(pos) {
        if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        pos += 1;
    }
    pos
}

/// Checks that `bytes[pos..]` starts with `literal`, and returns the position after it.
fn read_literal(bytes: &[u8], pos: usize, literal: &[u8]) -> Result<usize, JsonError> {
    for (i, &expected) in literal.iter().enumerate() {
        match bytes.get(pos + i) {
            Some(&byte) if byte == expected => {}
            Some(_) => return Err(error(pos + i, JsonErrorKind::UnexpectedByte)),
            None => return Err(error(pos + i, JsonErrorKind::UnexpectedEnd)),
        }
    }
    Ok(pos + literal.len())
}

/// Checks a number against JSON's grammar and returns the position after it:
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn read_number(bytes: &[u8], start: usize) -> Result<usize, JsonError> {
    let mut pos = start;
    if bytes.get(pos) == Some(&b'-') {
        pos += 1;
    }
    match bytes.get(pos) {
        Some(b'0') => {
            pos += 1;
            // A leading zero may not be followed by more digits.
            if bytes.get(pos).is_some_and(u8::is_ascii_digit) {
                return Err(error(pos, JsonErrorKind::InvalidNumber));
            }
        }
        Some(b'1'..=b'9') => pos = skip_digits(bytes, pos + 1),
        Some(_) => return Err(error(pos, JsonErrorKind::InvalidNumber)),
        None => return Err(error(pos, JsonErrorKind::UnexpectedEnd)),
    }
    if bytes.get(pos) == Some(&b'.') {
        pos = require_digits(bytes, pos + 1)?;
    }
    if matches!(bytes.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(bytes.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        pos = require_digits(bytes, pos)?;
    }
    Ok(pos)
}

fn skip_digits(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    pos
}

fn require_digits(bytes: &[u8], pos: usize) -> Result<usize, JsonError> {
    match bytes.get(pos) {
        Some(byte) if byte.is_ascii_digit() => Ok(skip_digits(bytes, pos + 1)),
        Some(_) => Err(error(pos, JsonErrorKind::InvalidNumber)),
        None => Err(error(pos, JsonErrorKind::UnexpectedEnd)),
    }
}

/// Reads the string whose body starts at `start` (just after the opening quote). Returns the
/// position after the closing quote and the decoded text: a slice of `json` when the string has no
/// escapes, else the contents of `scratch`.
fn read_string<'a>(json: &'a str, start: usize, scratch: &'a mut String) -> Result<(usize, &'a str), JsonError> {
    let bytes = json.as_bytes();
    let mut segment = start;
    let mut found = find_string_special(bytes, segment)?;
    if bytes.get(found) == Some(&b'"') {
        // Quote positions are ASCII, so both ends are char boundaries.
        let text = json
            .get(segment..found)
            .ok_or(error(segment, JsonErrorKind::UnexpectedByte))?;
        return Ok((found + 1, text));
    }
    scratch.clear();
    loop {
        scratch.push_str(
            json.get(segment..found)
                .ok_or(error(segment, JsonErrorKind::UnexpectedByte))?,
        );
        let escape = match bytes.get(found) {
            Some(b'"') => return Ok((found + 1, scratch.as_str())),
            Some(b'\\') => *bytes
                .get(found + 1)
                .ok_or(error(found + 1, JsonErrorKind::UnexpectedEnd))?,
            _ => return Err(error(found, JsonErrorKind::ControlCharacter)),
        };
        segment = found + 2;
        let decoded = match escape {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let (decoded, next) = read_unicode_escape(bytes, found)?;
                segment = next;
                decoded
            }
            _ => return Err(error(found, JsonErrorKind::InvalidEscape)),
        };
        scratch.push(decoded);
        found = find_string_special(bytes, segment)?;
    }
}

/// Decodes the `\uXXXX` escape at `backslash`, joining a surrogate pair when a low surrogate
/// escape follows a high one. A surrogate without its partner becomes U+FFFD. Returns the
/// character and the position after the escape(s).
fn read_unicode_escape(bytes: &[u8], backslash: usize) -> Result<(char, usize), JsonError> {
    let first = hex4(bytes, backslash + 2, backslash)?;
    let after = backslash + 6;
    match first {
        0xD800..=0xDBFF => {
            let pair = bytes.get(after..after + 2) == Some(b"\\u".as_slice());
            if pair {
                // An invalid second escape is reported when the string reader reaches it.
                if let Ok(second @ 0xDC00..=0xDFFF) = hex4(bytes, after + 2, after) {
                    let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                    return Ok((char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER), after + 6));
                }
            }
            Ok((char::REPLACEMENT_CHARACTER, after))
        }
        // Not a surrogate (lone low surrogates map to U+FFFD here too).
        code => Ok((char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER), after)),
    }
}

/// Reads four hex digits at `pos`; errors point at the escape's backslash.
fn hex4(bytes: &[u8], pos: usize, backslash: usize) -> Result<u32, JsonError> {
    let mut code = 0;
    for i in 0..4 {
        let Some(&byte) = bytes.get(pos + i) else {
            return Err(error(bytes.len(), JsonErrorKind::UnexpectedEnd));
        };
        let digit = char::from(byte)
            .to_digit(16)
            .ok_or(error(backslash, JsonErrorKind::InvalidEscape))?;
        code = code * 16 + digit;
    }
    Ok(code)
}

/// Byte-wise tests on eight bytes at once ("SWAR"). Each returns a word whose high bit is set in
/// the lowest matching byte; bytes above the first match may be flagged spuriously (a borrow
/// travels upwards), so only the lowest set bit is meaningful, which is all the callers use.
mod swar {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;

    pub(super) fn eq(word: u64, byte: u8) -> u64 {
        let x = word ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x & HIGHS
    }

    /// Bytes below 0x20 (JSON's control characters).
    pub(super) fn control(word: u64) -> u64 {
        word.wrapping_sub(ONES * 0x20) & !word & HIGHS
    }

    /// Index of the flagged byte within the word (words are loaded little-endian).
    pub(super) fn first(mask: u64) -> usize {
        (mask.trailing_zeros() / 8) as usize
    }
}

/// How many bytes the word-at-a-time loops look at before handing over to `memchr`, whose
/// vectorised search has a fixed start-up cost that only pays off on longer strings.
const SHORT_SCAN: usize = 32;

/// Position of the first `"`, `\` or control character at or after `from`. Most keys and
/// values are short, so they are scanned a word at a time; longer strings go to `memchr2` and a
/// vectorised control-character check.
fn find_string_special(bytes: &[u8], from: usize) -> Result<usize, JsonError> {
    let rest = bytes.get(from..).unwrap_or_default();
    let (words, _) = rest.as_chunks::<8>();
    for (i, word) in words.iter().take(SHORT_SCAN / 8).enumerate() {
        let word = u64::from_le_bytes(*word);
        let mask = swar::eq(word, b'"') | swar::eq(word, b'\\') | swar::control(word);
        if mask != 0 {
            return Ok(from + i * 8 + swar::first(mask));
        }
    }
    let scanned = rest.len().min(words.len().min(SHORT_SCAN / 8) * 8);
    let tail = rest.get(scanned..).unwrap_or_default();
    let end = memchr2(b'"', b'\\', tail).unwrap_or(tail.len());
    let searched = tail.get(..end).unwrap_or_default();
    // A branch-free fold vectorises; the position is only looked for once one is known to exist.
    if searched.iter().fold(false, |any, &byte| any | (byte < 0x20)) {
        let control = searched.iter().position(|&byte| byte < 0x20).unwrap_or(0);
        return Ok(from + scanned + control);
    }
    if end == tail.len() {
        return Err(error(bytes.len(), JsonErrorKind::UnexpectedEnd));
    }
    Ok(from + scanned + end)
}

/// Position of the first `"` or `\` at or after `from`, for strings that are skipped.
fn find_quote_or_backslash(bytes: &[u8], from: usize) -> Result<usize, JsonError> {
    let rest = bytes.get(from..).unwrap_or_default();
    let (words, _) = rest.as_chunks::<8>();
    for (i, word) in words.iter().take(SHORT_SCAN / 8).enumerate() {
        let word = u64::from_le_bytes(*word);
        let mask = swar::eq(word, b'"') | swar::eq(word, b'\\');
        if mask != 0 {
            return Ok(from + i * 8 + swar::first(mask));
        }
    }
    let scanned = rest.len().min(words.len().min(SHORT_SCAN / 8) * 8);
    rest.get(scanned..)
        .and_then(|tail| memchr2(b'"', b'\\', tail))
        .map(|offset| from + scanned + offset)
        .ok_or(error(bytes.len(), JsonErrorKind::UnexpectedEnd))
}

/// Skips a string body starting at `start` without decoding or validating it; returns the
/// position after the closing quote.
fn skip_string(bytes: &[u8], start: usize) -> Result<usize, JsonError> {
    let mut pos = start;
    loop {
        let found = find_quote_or_backslash(bytes, pos)?;
        if bytes.get(found) == Some(&b'"') {
            return Ok(found + 1);
        }
        // Whatever follows a backslash is escaped; the byte after it cannot end the string.
        pos = found + 2;
    }
}

/// Skips the object or array opening at `start`, returning the position after its closing
/// bracket. Lenient by design (see the module docs): it tracks strings and counts brackets of
/// either kind, and checks nothing else. Every iteration advances, so it terminates.
fn skip_container(bytes: &[u8], start: usize) -> Result<usize, JsonError> {
    let mut depth = 0usize;
    let mut pos = start;
    while let Some(&byte) = bytes.get(pos) {
        match byte {
            b'"' => {
                pos = skip_string(bytes, pos + 1)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                // `start` holds an opening bracket, so depth is at least 1 here.
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(pos + 1);
                }
            }
            _ => {}
        }
        pos += 1;
    }
    Err(error(bytes.len(), JsonErrorKind::UnexpectedEnd))
}

/// Flattens `json` with a fresh [`Flattener`]; see [`Flattener::flatten`]. Reuse a `Flattener`
/// on hot paths to keep its buffers.
///
/// # Errors
///
/// As [`Flattener::flatten`].
pub fn flatten(json: &str, projection: &Projection, sink: &mut impl FnMut(&str, &str)) -> Result<(), JsonError> {
    Flattener::new().flatten(json, projection, sink)
}

/// Flattens `json` into owned `(name, value)` pairs, in document order. Meant for tests and tools.
///
/// # Errors
///
/// As [`Flattener::flatten`]; the fields read before the error are dropped.
pub fn flatten_to_vec(json: &str, projection: &Projection) -> Result<Vec<(String, String)>, JsonError> {
    let mut fields = Vec::new();
    flatten(json, projection, &mut |name, value| {
        fields.push((name.to_owned(), value.to_owned()));
    })?;
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(json: &str) -> Vec<(String, String)> {
        flatten_to_vec(json, &Projection::All).unwrap()
    }

    fn only(json: &str, patterns: &[&str]) -> Vec<(String, String)> {
        let set: FieldSet = patterns.iter().collect();
        flatten_to_vec(json, &Projection::Only(set)).unwrap()
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|&(name, value)| (name.to_owned(), value.to_owned()))
            .collect()
    }

    fn err(json: &str) -> JsonError {
        flatten_to_vec(json, &Projection::All).unwrap_err()
    }

    /// A hand-written Kubernetes audit event (Metadata level, denied request).
    const AUDIT_EVENT: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5f0e0c4c-7a6e-4d3e-9a38-1f6c1bdb2c11","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/secrets","verb":"list","user":{"username":"system:anonymous","groups":["system:unauthenticated"]},"sourceIPs":["203.0.113.7","203.0.113.7"],"userAgent":"curl/8.5.0","objectRef":{"resource":"secrets","namespace":"kube-system","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","reason":"Forbidden","code":403},"requestReceivedTimestamp":"2026-03-01T10:00:00.000000Z","stageTimestamp":"2026-03-01T10:00:00.001000Z","annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}"#;

    fn values<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
        fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn audit_event_names() {
        let fields = all(AUDIT_EVENT);
        assert_eq!(values(&fields, "sourceIPs{}"), ["203.0.113.7", "203.0.113.7"]);
        assert_eq!(values(&fields, "user.groups{}"), ["system:unauthenticated"]);
        assert_eq!(values(&fields, "objectRef.resource"), ["secrets"]);
        assert_eq!(values(&fields, "responseStatus.code"), ["403"]);
        assert_eq!(values(&fields, "annotations.authorization.k8s.io/decision"), ["forbid"]);
        assert_eq!(values(&fields, "annotations.authorization.k8s.io/reason"), [""]);
        // Object-valued keys and the empty `metadata` object give no field.
        assert!(values(&fields, "user").is_empty());
        assert!(values(&fields, "responseStatus.metadata").is_empty());
        assert_eq!(fields.first(), Some(&("kind".to_owned(), "Event".to_owned())));
        assert_eq!(fields.len(), 22);
    }

    #[test]
    fn nested_objects_join_with_dots() {
        assert_eq!(
            all(r#"{"a":{"b":{"c":"x"}},"d":"y"}"#),
            pairs(&[("a.b.c", "x"), ("d", "y")])
        );
    }

    #[test]
    fn keys_with_dots_and_slashes_are_not_escaped_and_may_collide() {
        assert_eq!(
            all(r#"{"a.b":"1","a":{"b":"2"},"k/x.y":{"z":"3"}}"#),
            pairs(&[("a.b", "1"), ("a.b", "2"), ("k/x.y.z", "3")])
        );
    }

    #[test]
    fn arrays_are_multivalue_in_order_with_duplicates() {
        assert_eq!(
            all(r#"{"ips":["b","a","b"]}"#),
            pairs(&[("ips{}", "b"), ("ips{}", "a"), ("ips{}", "b")])
        );
    }

    #[test]
    fn arrays_of_objects_and_nested_arrays() {
        assert_eq!(
            all(r#"{"containers":[{"image":"nginx","ports":[80]},{"name":"x"},{"image":"redis"}]}"#),
            pairs(&[
                ("containers{}.image", "nginx"),
                ("containers{}.ports{}", "80"),
                ("containers{}.name", "x"),
                ("containers{}.image", "redis"),
            ])
        );
        assert_eq!(
            all(r#"{"a":[[1,2],[],[[3]]]}"#),
            pairs(&[("a{}{}", "1"), ("a{}{}", "2"), ("a{}{}{}", "3")])
        );
    }

    #[test]
    fn top_level_arrays_use_an_anonymous_key() {
        assert_eq!(
            all(r#"[1,{"x":"a","y":[true]},[2]]"#),
            pairs(&[("{}", "1"), ("{}.x", "a"), ("{}.y{}", "true"), ("{}{}", "2")])
        );
    }

    #[test]
    fn top_level_scalars_produce_nothing() {
        assert!(all("42").is_empty());
        assert!(all(r#" "text" "#).is_empty());
        assert!(all("true").is_empty());
        assert!(all("null").is_empty());
    }

    #[test]
    fn empty_containers_produce_nothing() {
        assert!(all("{}").is_empty());
        assert!(all("[]").is_empty());
        assert_eq!(all(r#"{"a":{},"b":[],"c":[{},[]],"d":"x"}"#), pairs(&[("d", "x")]));
    }

    #[test]
    fn empty_keys() {
        assert_eq!(
            all(r#"{"":"r","o":{"":"n"},"e":{"":{"x":"d"}}}"#),
            pairs(&[("", "r"), ("o.", "n"), ("e..x", "d")])
        );
    }

    #[test]
    fn scalars_keep_their_text() {
        assert_eq!(
            all(r#"{"a":403,"b":1.50,"c":-0,"d":1e3,"e":-2.5E-7,"f":true,"g":false,"h":null}"#),
            pairs(&[
                ("a", "403"),
                ("b", "1.50"),
                ("c", "-0"),
                ("d", "1e3"),
                ("e", "-2.5E-7"),
                ("f", "true"),
                ("g", "false"),
            ])
        );
    }

    #[test]
    fn null_produces_nothing_even_in_arrays() {
        assert_eq!(all(r#"{"a":[null,"x",null]}"#), pairs(&[("a{}", "x")]));
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(
            all(r#"{"s":"a\"b\\c\/d\b\f\n\r\t","u":"\u00e9\u4e2d\ud83d\ude00"}"#),
            pairs(&[("s", "a\"b\\c/d\u{8}\u{c}\n\r\t"), ("u", "é中😀"),])
        );
        // Escaped keys are decoded too.
        assert_eq!(all(r#"{"a\u002eb":{"\n":"x"}}"#), pairs(&[("a.b.\n", "x")]));
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(
            all(r#"{"a":"\ud800","b":"\udc00x","c":"\ud800\u0041","d":"\ud83d\ud83d\ude00"}"#),
            pairs(&[
                ("a", "\u{FFFD}"),
                ("b", "\u{FFFD}x"),
                ("c", "\u{FFFD}A"),
                ("d", "\u{FFFD}😀"),
            ])
        );
    }

    #[test]
    fn raw_unicode_passes_through() {
        assert_eq!(
            all("{\"ключ\":\"значение 🚀\u{200b}\u{FEFF}\",\"e\u{301}\":\"\u{10FFFF}\"}"),
            pairs(&[("ключ", "значение 🚀\u{200b}\u{FEFF}"), ("e\u{301}", "\u{10FFFF}"),])
        );
    }

    #[test]
    fn whitespace_around_and_inside_is_allowed() {
        assert_eq!(
            all(" \t\r\n{ \"a\" : [ 1 , { \"b\" :\n\"c\" } ] }\n\n "),
            pairs(&[("a{}", "1"), ("a{}.b", "c")])
        );
    }

    #[test]
    fn projection_exact_names() {
        assert_eq!(
            only(AUDIT_EVENT, &["verb", "objectRef.resource", "user.groups{}"]),
            pairs(&[
                ("verb", "list"),
                ("user.groups{}", "system:unauthenticated"),
                ("objectRef.resource", "secrets"),
            ])
        );
    }

    #[test]
    fn projection_prefix_patterns() {
        assert_eq!(
            only(
                r#"{"object":{"kind":"Pod","spec":{"c":[{"i":"x"}]}},"objectRef":{"r":"p"},"other":1}"#,
                &["object.*"]
            ),
            pairs(&[("object.kind", "Pod"), ("object.spec.c{}.i", "x")])
        );
        // A prefix may end inside a key.
        assert_eq!(
            only(r#"{"objectRef":{"r":"p"},"obj":"o","ob":"n"}"#, &["obj*"]),
            pairs(&[("objectRef.r", "p"), ("obj", "o")])
        );
        assert_eq!(
            only(r#"{"a":{"b":1},"c":[2]}"#, &["*"]),
            pairs(&[("a.b", "1"), ("c{}", "2")])
        );
        // Prefixes that end inside array and object names.
        assert_eq!(
            only(
                r#"{"containers":[{"image":"a"},{"image":"b","ports":[1]}],"containersX":1,"c":[]}"#,
                &["containers{}.*", "containers{}.image"]
            ),
            pairs(&[
                ("containers{}.image", "a"),
                ("containers{}.image", "b"),
                ("containers{}.ports{}", "1")
            ])
        );
        assert_eq!(
            only(r#"{"a":[[1],[[2]]],"a{":3}"#, &["a{}{*"]),
            pairs(&[("a{}{}", "1"), ("a{}{}{}", "2")])
        );
    }

    #[test]
    fn projection_does_not_emit_containers_or_near_misses() {
        assert_eq!(
            only(
                r#"{"user":{"username":"u"},"username":"x","users":"y","user.name":"z"}"#,
                &["user", "user.name"]
            ),
            pairs(&[("user.name", "z")])
        );
        assert_eq!(only(r#"{"a":["x"],"a{}":"y"}"#, &["a"]), pairs(&[]));
    }

    #[test]
    fn projection_finds_fields_after_huge_skipped_subtrees() {
        let mut json = String::from(r#"{"skip":{"deep":["#);
        for i in 0..20_000 {
            json.push_str(&format!(r#"{{"k{i}":"v \" }} ] {{ [ \\","n":[{i},true,null,{{}}]}},"#));
        }
        json.push_str(r#""end"]},"s":"\"}]","want":{"me":"yes"}}"#);
        assert_eq!(only(&json, &["want.me"]), pairs(&[("want.me", "yes")]));
        assert_eq!(all(&json).last(), Some(&("want.me".to_owned(), "yes".to_owned())));
    }

    #[test]
    fn projection_skips_unwanted_content_leniently() {
        // Mismatched bracket kinds and bad escapes inside a skipped subtree are not checked...
        assert_eq!(
            only(r#"{"skip":{"a":[1,2},"b":"\q", 01 x],"w":"v"}"#, &["w"]),
            pairs(&[("w", "v")])
        );
        // ...but they are when the subtree is walked.
        assert!(flatten_to_vec(r#"{"skip":{"a":[1,2}],"w":"v"}"#, &Projection::All).is_err());
        // An unterminated skipped subtree is still an error.
        let set: FieldSet = ["w"].into_iter().collect();
        let result = flatten_to_vec(r#"{"skip":{"a":"}"#, &Projection::Only(set));
        assert_eq!(result.unwrap_err().kind, JsonErrorKind::UnexpectedEnd);
    }

    #[test]
    fn empty_projection_delivers_nothing() {
        assert!(only(AUDIT_EVENT, &[]).is_empty());
        assert!(FieldSet::new().is_empty());
    }

    #[test]
    fn field_set_matching() {
        let set: FieldSet = ["user.groups{}", "object.*", "verb"].into_iter().collect();
        assert!(set.matches("verb"));
        assert!(set.matches("user.groups{}"));
        assert!(set.matches("object.metadata.name"));
        assert!(set.matches("object."));
        assert!(!set.matches("object"));
        assert!(!set.matches("verbs"));
        assert!(!set.matches("user"));
        assert!(!set.matches(""));
        assert!(Projection::All.wants("anything"));
    }

    #[test]
    fn error_kinds_and_offsets() {
        use JsonErrorKind::*;
        let cases: &[(&str, JsonErrorKind, usize)] = &[
            ("", UnexpectedEnd, 0),
            ("   ", UnexpectedEnd, 3),
            (r#"{"a":"#, UnexpectedEnd, 5),
            (r#"{"a":"x"#, UnexpectedEnd, 7),
            (r#"{"a":[1,2"#, UnexpectedEnd, 9),
            (r#"{"a":tru"#, UnexpectedEnd, 8),
            (r#"{"a":"\u12"#, UnexpectedEnd, 10),
            (r#"{"a":x}"#, UnexpectedByte, 5),
            (r#"{"a" 1}"#, UnexpectedByte, 5),
            (r#"{a:1}"#, UnexpectedByte, 1),
            (r#"{"a":1,}"#, UnexpectedByte, 7),
            (r#"[1,]"#, UnexpectedByte, 3),
            (r#"[1 2]"#, UnexpectedByte, 3),
            (r#"{"a":1]"#, UnexpectedByte, 6),
            (r#"{"a":trux}"#, UnexpectedByte, 8),
            (r#"{"a":nul}"#, UnexpectedByte, 8),
            ("{\"a\":\"x\ty\"}", ControlCharacter, 7),
            ("{\"a\u{1}\":1}", ControlCharacter, 3),
            (r#"{"a":"\x"}"#, InvalidEscape, 6),
            (r#"{"a":"\u12g4"}"#, InvalidEscape, 6),
            (r#"{"a":"\ud800\uzzzz"}"#, InvalidEscape, 12),
            (r#"{"a":01}"#, InvalidNumber, 6),
            (r#"{"a":-}"#, InvalidNumber, 6),
            (r#"{"a":1.}"#, InvalidNumber, 7),
            (r#"{"a":1.e5}"#, InvalidNumber, 7),
            (r#"{"a":1e}"#, InvalidNumber, 7),
            (r#"{"a":1e+}"#, InvalidNumber, 8),
            (r#"{"a":+1}"#, UnexpectedByte, 5),
            (r#"{"a":.5}"#, UnexpectedByte, 5),
            (r#"{"a":1} x"#, TrailingCharacters, 8),
            (r#"{}{}"#, TrailingCharacters, 2),
            (r#"1 2"#, TrailingCharacters, 2),
        ];
        for &(json, kind, offset) in cases {
            assert_eq!(err(json), JsonError { offset, kind }, "input {json:?}");
        }
    }

    #[test]
    fn depth_limit() {
        let deep = "[".repeat(100_000);
        assert_eq!(
            err(&deep),
            JsonError {
                offset: 256,
                kind: JsonErrorKind::TooDeep
            }
        );
        let objects = r#"{"a":"#.repeat(100_000);
        assert_eq!(err(&objects).kind, JsonErrorKind::TooDeep);

        // Exactly at the limit is fine.
        let ok = format!("{}1{}", "[".repeat(256), "]".repeat(256));
        let name = "{}".repeat(256);
        assert_eq!(all(&ok), pairs(&[(&name, "1")]));

        let mut shallow = Flattener::with_options(FlattenOptions { max_depth: 2 });
        let mut sink = |_: &str, _: &str| {};
        assert!(shallow.flatten("[[1]]", &Projection::All, &mut sink).is_ok());
        assert_eq!(
            shallow.flatten("[[[1]]]", &Projection::All, &mut sink),
            Err(JsonError {
                offset: 2,
                kind: JsonErrorKind::TooDeep
            })
        );

        // A skipped deep subtree is scanned without a stack at all.
        let set: FieldSet = ["x"].into_iter().collect();
        let skipped = format!(r#"{{"deep":{}{},"x":"y"}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            flatten_to_vec(&skipped, &Projection::Only(set.clone())).unwrap(),
            pairs(&[("x", "y")])
        );
        let unterminated = format!(r#"{{"deep":{}"#, "[".repeat(100_000));
        assert_eq!(
            flatten_to_vec(&unterminated, &Projection::Only(set)).unwrap_err().kind,
            JsonErrorKind::UnexpectedEnd
        );
    }

    #[test]
    fn flattener_is_reusable_after_errors() {
        let mut flattener = Flattener::new();
        let mut fields = Vec::new();
        let mut sink = |name: &str, value: &str| fields.push(format!("{name}={value}"));
        assert!(
            flattener
                .flatten(r#"{"a":{"b":[{"c":"#, &Projection::All, &mut sink)
                .is_err()
        );
        flattener.flatten(r#"{"x":"\n"}"#, &Projection::All, &mut sink).unwrap();
        assert_eq!(fields, ["x=\n"]);
    }

    #[test]
    fn unescaped_values_borrow_the_input() {
        let json = r#"{"a":"plain","b":"esc\n"}"#;
        let range = json.as_bytes().as_ptr_range();
        let mut borrowed = Vec::new();
        flatten(json, &Projection::All, &mut |_, value: &str| {
            borrowed.push(range.contains(&value.as_ptr()));
        })
        .unwrap();
        assert_eq!(borrowed, [true, false]);
    }
}

//! Backtick macro expansion with a source map, as Splunk does it: textual substitution before
//! parsing.
//!
//! [`expand`] replaces every `` `name` `` and `` `name(arg1, arg2)` `` call in a search with the
//! definition found in a [`MacroTable`], substituting `$arg$` references, and expands the result
//! again until no calls are left. The parser then reads [`Expansion::text`]; its diagnostics are
//! carried back to what the user wrote with [`SourceMap::map_diagnostic`].
//!
//! Rules this module follows (see `spl-semantics.md` §3.1):
//!
//! - No parentheses are added around an expansion, so `` NOT `m` `` negates only the first term
//!   of a multi-term definition, exactly as in Splunk.
//! - Backticks inside double-quoted strings are literal (Splunk documents that macros inside quoted
//!   values are not expanded), and ```` ``` ```` comments are copied through untouched.
//! - A call that cannot be expanded (undefined, wrong arity, recursive) stays in the text as
//!   written, so the parser still sees it and nothing is silently dropped.
//! - Expansion is bounded in nesting depth, output size and total work: a definition that calls
//!   itself twice per level must fail fast instead of allocating gigabytes.
//!
//! Definitions come from `macros.conf` ([`MacroTable::parse_conf`]) or from contentctl's
//! `macros/*.yml` files, which the content crate loads into [`MacroDef`]s.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::{Code, Diagnostic, Span};

/// Extra work charged for every macro call, on top of the bytes of its definition, so that a tree
/// of calls to empty macros still exhausts the work budget.
const CALL_COST: usize = 32;

/// The work budget is this many times [`ExpandOptions::max_len`]: generous enough that no real
/// search comes near it, small enough that a runaway definition stops within milliseconds.
const WORK_FACTOR: usize = 4;

/// At most this many diagnostics come out of one expansion; a broken macro called from a loop of
/// nested macros would otherwise report the same problem thousands of times.
const MAX_DIAGNOSTICS: usize = 100;

/// Notes quote at most this many characters of a macro's expansion.
const EXCERPT_CHARS: usize = 80;

/// How to define a macro, shown with every "undefined macro" error.
const DEFINE_HELP: &str = "define it in a YAML file in the `macros/` directory beside the \
                           detections, or in a macros.conf file passed with `--macros FILE`";

/// The definition contentctl generates for every `<detection>_filter` macro.
const FILTER_DEFINITION: &str = "search *";

/// One macro definition: `name`, its declared argument names, and the definition text.
///
/// Splunk stores a macro with arguments under `name(N)`; here the arity is `args.len()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroDef {
    /// The name without the `(N)` arity suffix.
    pub name: String,
    /// Declared argument names, in order (`$arg$` in the definition refers to them).
    pub args: Vec<String>,
    /// The SPL text the call is replaced with.
    pub definition: String,
    /// Where the definition came from (a file path, "built-in", ...), for messages.
    pub origin: Option<String>,
}

impl MacroDef {
    /// A definition with no recorded origin.
    #[must_use]
    pub fn new(
        name: impl Into<String>,
        args: impl IntoIterator<Item = impl Into<String>>,
        definition: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            args: args.into_iter().map(Into::into).collect(),
            definition: definition.into(),
            origin: None,
        }
    }

    /// The number of arguments a call must pass.
    #[must_use]
    pub fn arity(&self) -> usize {
        self.args.len()
    }

    /// Warnings ([`Code::MacroArgumentMismatch`]) for declared arguments the definition never uses
    /// and for `$name$` references that are not declared arguments (they stay literal text).
    ///
    /// `span` is where the definition sits in whatever file it came from; every warning points
    /// there. Loaders call this after reading a definition; [`MacroTable::parse_conf`] already
    /// does.
    #[must_use]
    pub fn check_arguments(&self, span: Span) -> Vec<Diagnostic> {
        let mut used: HashSet<&str> = HashSet::new();
        let mut undeclared: Vec<&str> = Vec::new();
        for (_, reference) in dollar_pairs(&self.definition, &self.args) {
            match reference {
                DollarRef::Arg(index) => {
                    if let Some(arg) = self.args.get(index) {
                        used.insert(arg.as_str());
                    }
                }
                DollarRef::Other(name) => {
                    // Only identifier-like text is flagged: `$` also appears in regexes
                    // (`"^for$"`), and the text between two of those is rarely an identifier.
                    let identifier = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                    if identifier && !undeclared.contains(&name) {
                        undeclared.push(name);
                    }
                }
            }
        }

        let mut out = Vec::new();
        for arg in &self.args {
            if !used.contains(arg.as_str()) {
                out.push(
                    Diagnostic::warning(
                        Code::MacroArgumentMismatch,
                        span,
                        format!(
                            "argument `{arg}` of macro `{}` is never used in its definition",
                            self.name
                        ),
                    )
                    .with_help(format!(
                        "refer to it as `${arg}$` in the definition, or remove it from the arguments"
                    )),
                );
            }
        }
        for name in undeclared {
            out.push(
                Diagnostic::warning(
                    Code::MacroArgumentMismatch,
                    span,
                    format!(
                        "macro `{}` refers to `${name}$`, which is not one of its arguments",
                        self.name
                    ),
                )
                .with_note(format!("`${name}$` is left in the expansion as literal text"))
                .with_help(format!("declare `{name}` as an argument, or remove the reference")),
            );
        }
        out
    }
}

/// A set of macro definitions keyed by name and arity.
///
/// Names are case-sensitive, as in Splunk. The same name may be defined once per arity
/// (`m` and `m(1)` are different macros).
#[derive(Clone, Debug, Default)]
pub struct MacroTable {
    defs: BTreeMap<(String, usize), MacroDef>,
}

impl MacroTable {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a definition. A definition with the same name and arity is replaced and returned, so
    /// definitions loaded later (user tuning with `--macros`) override earlier ones.
    pub fn insert(&mut self, def: MacroDef) -> Option<MacroDef> {
        self.defs.insert((def.name.clone(), def.arity()), def)
    }

    /// The definition of `name` taking `arity` arguments.
    #[must_use]
    pub fn get(&self, name: &str, arity: usize) -> Option<&MacroDef> {
        self.defs.get(&(name.to_owned(), arity))
    }

    /// The arities `name` is defined with, ascending (empty when it is not defined at all).
    #[must_use]
    pub fn arities(&self, name: &str) -> Vec<usize> {
        self.defs
            .range((name.to_owned(), 0)..=(name.to_owned(), usize::MAX))
            .map(|((_, arity), _)| *arity)
            .collect()
    }

    /// Number of definitions.
    #[must_use]
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// Whether the table has no definitions.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// All definitions, ordered by name and then arity.
    pub fn iter(&self) -> impl Iterator<Item = &MacroDef> + '_ {
        self.defs.values()
    }

    /// A defined name that differs from `name` only in letter case, for "did you mean" hints.
    fn case_variant(&self, name: &str) -> Option<&str> {
        self.defs
            .keys()
            .map(|(n, _)| n.as_str())
            .find(|n| *n != name && n.eq_ignore_ascii_case(name))
    }

    /// Parse Splunk `macros.conf` text into definitions.
    ///
    /// Understands `[name]` and `[name(N)]` stanzas with `args`, `definition` and `iseval`; other
    /// keys (`description`, `validation`, `errormsg`, ...) are ignored. A value ending in `\`
    /// continues on the next line (the line break is kept, as Splunk keeps it). Lines starting
    /// with `#` are comments. Repeated stanzas merge, later keys winning, as in Splunk.
    ///
    /// A stanza with an error (arity that does not match `args`, no `definition`, `iseval = 1`,
    /// ...) is skipped with a [`Code::InvalidMacroDefinition`] diagnostic; the others still load.
    /// Diagnostic spans point into `text`. `origin` is recorded in every returned definition.
    #[must_use]
    pub fn parse_conf(text: &str, origin: Option<&str>) -> (Vec<MacroDef>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let stanzas = read_conf(text, &mut diagnostics);
        let defs = stanzas
            .iter()
            .filter_map(|stanza| stanza_to_def(stanza, origin, &mut diagnostics))
            .collect();
        (defs, diagnostics)
    }
}

impl Extend<MacroDef> for MacroTable {
    /// Insert every definition in order; later ones override earlier ones with the same name and
    /// arity.
    fn extend<I: IntoIterator<Item = MacroDef>>(&mut self, defs: I) {
        for def in defs {
            self.insert(def);
        }
    }
}

impl FromIterator<MacroDef> for MacroTable {
    fn from_iter<I: IntoIterator<Item = MacroDef>>(defs: I) -> Self {
        let mut table = Self::new();
        table.extend(defs);
        table
    }
}

/// Knobs for [`expand`].
#[derive(Clone, Debug)]
pub struct ExpandOptions {
    /// Expand an undefined `<name>_filter` macro to `search *`, as contentctl generates it.
    pub synthesize_filter_macros: bool,
    /// Maximum nesting depth of macro calls.
    pub max_depth: usize,
    /// Maximum length in bytes of the expanded text.
    pub max_len: usize,
}

impl Default for ExpandOptions {
    /// Filter macros synthesized, 32 levels of nesting, 1 MiB of expanded text.
    fn default() -> Self {
        Self {
            synthesize_filter_macros: true,
            max_depth: 32,
            max_len: 1 << 20,
        }
    }
}

/// The result of expanding a search.
#[derive(Clone, Debug)]
pub struct Expansion {
    /// The expanded text, ready for the parser.
    pub text: String,
    /// Maps spans in `text` back to the text the user wrote.
    pub map: SourceMap,
    /// Problems found while expanding; spans point into the original text.
    pub diagnostics: Vec<Diagnostic>,
}

impl Expansion {
    /// Map a diagnostic about [`Expansion::text`] (from the parser) back to the original text;
    /// see [`SourceMap::map_diagnostic`].
    #[must_use]
    pub fn map_diagnostic(&self, diagnostic: Diagnostic) -> Diagnostic {
        self.map.map_diagnostic(diagnostic, &self.text)
    }
}

/// Maps byte spans of expanded text back to the original text.
///
/// The expanded text is cut into contiguous segments. A verbatim segment was copied from the
/// original and maps byte for byte; a macro segment is the whole expansion of one top-level call
/// and maps, as a unit, to that call's span. Nested expansions are recorded separately so that
/// notes can show each level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// Contiguous, non-empty, in order, covering `0..expanded_len`.
    segments: Vec<Segment>,
    /// Every expansion, nested ones included, in the order they started (pre-order).
    sites: Vec<Site>,
    original_len: usize,
    expanded_len: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Segment {
    expanded: Span,
    origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Copied from the original text starting at this byte.
    Verbatim { original_start: usize },
    /// The expansion of the top-level call `call`, recorded in `sites[site]`.
    Macro { site: usize, call: Span },
}

/// One macro expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Site {
    name: String,
    /// The outermost call in the original text this expansion belongs to.
    call: Span,
    /// Where the expansion sits in the expanded text.
    expanded: Span,
    /// 1 for a call written in the original text, 2 for a call inside its definition, ...
    depth: usize,
}

impl SourceMap {
    /// The map of a text that expansion left unchanged: every span maps to itself.
    #[must_use]
    pub fn identity(len: usize) -> Self {
        let segments = if len == 0 {
            Vec::new()
        } else {
            vec![Segment {
                expanded: Span::new(0, len),
                origin: Origin::Verbatim { original_start: 0 },
            }]
        };
        Self {
            segments,
            sites: Vec::new(),
            original_len: len,
            expanded_len: len,
        }
    }

    /// Whether the expanded text is the original text (no macro was expanded).
    #[must_use]
    pub fn is_identity(&self) -> bool {
        self.sites.is_empty() && self.original_len == self.expanded_len
    }

    /// Map a span of the expanded text to the original text.
    ///
    /// Verbatim text maps byte for byte. Any position inside a macro expansion maps to the whole
    /// span of the outermost call that produced it (there is nothing finer to point at in what
    /// the user wrote). A span crossing several regions maps to the union of their images.
    /// Offsets past the end of the expanded text are clamped to it.
    #[must_use]
    pub fn to_original(&self, span: Span) -> Span {
        let start = span.start.min(self.expanded_len);
        let end = span.end.clamp(start, self.expanded_len);
        if start == end {
            return self.map_point(start);
        }
        let mapped_start = match self.segment_at(start) {
            Some(seg) => match seg.origin {
                Origin::Verbatim { original_start } => original_start + (start - seg.expanded.start),
                Origin::Macro { call, .. } => call.start,
            },
            None => self.original_len,
        };
        // `end` is exclusive, so the region that decides it is the one holding the last byte.
        let mapped_end = match self.segment_at(end - 1) {
            Some(seg) => match seg.origin {
                Origin::Verbatim { original_start } => original_start + (end - seg.expanded.start),
                Origin::Macro { call, .. } => call.end,
            },
            None => self.original_len,
        };
        Span::new(mapped_start, mapped_end)
    }

    /// The outermost macro whose expansion covers `offset` of the expanded text: its name and the
    /// span of its call in the original text.
    #[must_use]
    pub fn macro_at(&self, offset: usize) -> Option<(&str, Span)> {
        match self.segment_at(offset)?.origin {
            Origin::Macro { site, call } => {
                let name = self.sites.get(site).map_or("", |s| s.name.as_str());
                Some((name, call))
            }
            Origin::Verbatim { .. } => None,
        }
    }

    /// Map a diagnostic about `expanded_text` (the text this map was built for) back to the
    /// original text: the primary span and every label move, and when the primary span starts
    /// inside a macro expansion a note quotes that expansion (one note per nesting level,
    /// outermost first), since the user never saw that text.
    #[must_use]
    pub fn map_diagnostic(&self, mut diagnostic: Diagnostic, expanded_text: &str) -> Diagnostic {
        let notes: Vec<String> = self
            .sites_covering(diagnostic.span.start)
            .map(|site| {
                let body = expanded_text
                    .get(site.expanded.start..site.expanded.end)
                    .map(|text| format!(": `{}`", excerpt(text)))
                    .unwrap_or_default();
                format!("in the expansion of macro `{}`{body}", site.name)
            })
            .collect();
        diagnostic.span = self.to_original(diagnostic.span);
        for label in &mut diagnostic.labels {
            label.span = self.to_original(label.span);
        }
        diagnostic.notes.extend(notes);
        diagnostic
    }

    /// The segment holding byte `offset`, if any.
    fn segment_at(&self, offset: usize) -> Option<&Segment> {
        let index = self.segments.partition_point(|seg| seg.expanded.end <= offset);
        self.segments.get(index).filter(|seg| seg.expanded.start <= offset)
    }

    /// Where an empty span at `offset` maps: to the same place in verbatim text, to the whole call
    /// inside an expansion, and just past the last region at the very end.
    fn map_point(&self, offset: usize) -> Span {
        if let Some(seg) = self.segment_at(offset) {
            return match seg.origin {
                Origin::Verbatim { original_start } => Span::empty(original_start + (offset - seg.expanded.start)),
                Origin::Macro { call, .. } => call,
            };
        }
        match self.segments.last().map(|seg| (seg.expanded, seg.origin)) {
            Some((expanded, Origin::Verbatim { original_start })) => Span::empty(original_start + expanded.len()),
            Some((_, Origin::Macro { call, .. })) => Span::empty(call.end),
            None => Span::empty(self.original_len),
        }
    }

    /// The expansions covering `offset`, outermost first.
    fn sites_covering(&self, offset: usize) -> impl Iterator<Item = &Site> + '_ {
        let top = match self.segment_at(offset).map(|seg| seg.origin) {
            Some(Origin::Macro { site, .. }) => Some(site),
            _ => None,
        };
        let descendants = top.map_or(&[][..], |top| {
            // Sites are in pre-order, so a top-level call's nested expansions follow it until
            // the next top-level one.
            let rest = self.sites.get(top + 1..).unwrap_or(&[]);
            let len = rest
                .iter()
                .position(|site| site.depth <= 1 || site.expanded.start > offset)
                .unwrap_or(rest.len());
            &rest[..len]
        });
        top.and_then(|top| self.sites.get(top))
            .into_iter()
            .chain(descendants.iter())
            .filter(move |site| site.expanded.start <= offset && offset < site.expanded.end)
    }
}

/// Expand every macro call in `text`.
///
/// Never fails: problems become diagnostics whose spans point into `text`, and a call that cannot
/// be expanded is left in place. When a limit is hit, the call that hit it and everything after it
/// are left unexpanded.
#[must_use]
pub fn expand(text: &str, table: &MacroTable, opts: &ExpandOptions) -> Expansion {
    if !text.contains('`') {
        return Expansion {
            text: text.to_owned(),
            map: SourceMap::identity(text.len()),
            diagnostics: Vec::new(),
        };
    }
    Expander {
        original: text,
        table,
        opts,
        out: String::with_capacity(text.len()),
        segments: Vec::new(),
        sites: Vec::new(),
        diagnostics: Vec::new(),
        reported: HashSet::new(),
        work: 0,
        work_limit: opts.max_len.saturating_mul(WORK_FACTOR),
    }
    .run()
}

// ---------------------------------------------------------------------------------------------
// Scanning

/// Something backtick-related found by [`next_token`]. Positions are byte offsets; every one of
/// them sits on a backtick or at the end of the text, so slicing there is always on a char
/// boundary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    /// A ```` ``` ```` comment, `end` past its closing backticks (or the end of the text).
    Comment { start: usize, end: usize },
    /// A macro call `` `...` ``; `end` is past the closing backtick.
    Call { start: usize, end: usize },
    /// A backtick with no partner; text up to `resume` is copied as is.
    Unterminated { start: usize, resume: usize },
}

impl Token {
    fn start(self) -> usize {
        match self {
            Token::Comment { start, .. } | Token::Call { start, .. } | Token::Unterminated { start, .. } => start,
        }
    }
}

/// The next backtick construct at or after `from`, which must not be inside a quoted string.
///
/// Backticks inside double quotes are literal. `\"` and `\\` are escapes inside and outside quotes
/// (an unquoted `\"` does not open a string, spl-semantics §3.1).
fn next_token(text: &str, from: usize) -> Option<Token> {
    let bytes = text.as_bytes();
    let mut i = from;
    let mut in_quotes = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' if matches!(bytes.get(i + 1), Some(b'"' | b'\\')) => {
                i += 2;
                continue;
            }
            b'"' => in_quotes = !in_quotes,
            b'`' if !in_quotes => return Some(classify_backtick(text, i)),
            _ => {}
        }
        i += 1;
    }
    None
}

fn classify_backtick(text: &str, start: usize) -> Token {
    let bytes = text.as_bytes();
    if bytes[start..].starts_with(b"```") {
        let end = find_from(text, start + 3, "```").map_or(text.len(), |at| at + 3);
        return Token::Comment { start, end };
    }
    match find_from(text, start + 1, "`") {
        // A comment opening where the call should close means the call never closes; the
        // comment is then scanned as a comment.
        Some(close) if bytes[close..].starts_with(b"```") => Token::Unterminated { start, resume: close },
        Some(close) => Token::Call { start, end: close + 1 },
        None => Token::Unterminated {
            start,
            resume: text.len(),
        },
    }
}

fn find_from(text: &str, from: usize, needle: &str) -> Option<usize> {
    text.get(from..)?.find(needle).map(|at| from + at)
}

/// A call's text between the backticks, split into name and arguments.
#[derive(Debug, PartialEq, Eq)]
struct ParsedCall<'t> {
    name: &'t str,
    args: Vec<&'t str>,
}

/// Split `content` (the text between the backticks) into `name` and arguments. Anything that is
/// not `name(...)` is taken whole as a name, as Splunk does, and is then simply not defined.
fn parse_call(content: &str) -> ParsedCall<'_> {
    let trimmed = content.trim_end();
    if let Some(open) = content.find('(')
        && let Some(inner) = trimmed.strip_suffix(')').and_then(|body| body.get(open + 1..))
    {
        return ParsedCall {
            name: &content[..open],
            args: split_args(inner),
        };
    }
    ParsedCall {
        name: content,
        args: Vec::new(),
    }
}

/// Split macro arguments on commas that are neither inside double quotes nor inside nested
/// parentheses, trimming each. Blank `inner` means no arguments.
fn split_args(inner: &str) -> Vec<&str> {
    if inner.trim().is_empty() {
        return Vec::new();
    }
    let bytes = inner.as_bytes();
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut in_quotes = false;
    let mut piece_start = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' if matches!(bytes.get(i + 1), Some(b'"' | b'\\')) => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'(' if !in_quotes => depth += 1,
            b')' if !in_quotes => depth = depth.saturating_sub(1),
            b',' if !in_quotes && depth == 0 => {
                args.push(inner[piece_start..i].trim());
                piece_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    args.push(inner[piece_start..].trim());
    args
}

/// A `$...$` pair in a definition.
enum DollarRef<'t> {
    /// `$name$` naming the declared argument at this index.
    Arg(usize),
    /// Any other text between two dollars (left as is).
    Other(&'t str),
}

/// The `$...$` pairs of `definition` with their byte ranges, scanned as substitution does: after
/// an argument reference scanning resumes past its closing `$`; after anything else it resumes at
/// that closing `$`, which may open the next reference (so `x$ $a$` still finds `$a$`).
fn dollar_pairs<'t>(definition: &'t str, args: &'t [String]) -> impl Iterator<Item = (Span, DollarRef<'t>)> + 't {
    let mut from = 0;
    std::iter::from_fn(move || {
        let open = find_from(definition, from, "$")?;
        let close = find_from(definition, open + 1, "$")?;
        let name = &definition[open + 1..close];
        let span = Span::new(open, close + 1);
        if let Some(index) = args.iter().position(|arg| arg == name) {
            from = close + 1;
            Some((span, DollarRef::Arg(index)))
        } else {
            from = close;
            Some((span, DollarRef::Other(name)))
        }
    })
}

/// The definition with every `$arg$` replaced by the call's argument text, or `None` when the
/// result would be longer than `limit` bytes (checked before allocating, so a definition that
/// repeats a huge argument cannot exhaust memory).
fn substitute(definition: &str, params: &[String], args: &[&str], limit: usize) -> Option<String> {
    if params.is_empty() {
        return (definition.len() <= limit).then(|| definition.to_owned());
    }
    let mut out = String::with_capacity(definition.len().min(limit));
    let mut copied = 0;
    for (span, reference) in dollar_pairs(definition, params) {
        if let DollarRef::Arg(index) = reference {
            let literal = &definition[copied..span.start];
            let value = args.get(index).copied().unwrap_or("");
            if out.len() + literal.len() + value.len() > limit {
                return None;
            }
            out.push_str(literal);
            out.push_str(value);
            copied = span.end;
        }
    }
    let tail = &definition[copied..];
    if out.len() + tail.len() > limit {
        return None;
    }
    out.push_str(tail);
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Expansion

/// A limit was hit; expansion stops (the diagnostic has already been reported).
struct LimitHit;

/// One macro being expanded: its substituted definition and how far it has been copied.
struct Frame {
    text: String,
    pos: usize,
    name: String,
    arity: usize,
    site: usize,
}

/// How a call resolves against the table.
enum Resolution<'a> {
    Def(&'a MacroDef),
    SynthesizedFilter,
    Undefined,
    WrongArity(Vec<usize>),
}

struct Expander<'a> {
    original: &'a str,
    table: &'a MacroTable,
    opts: &'a ExpandOptions,
    out: String,
    segments: Vec<Segment>,
    sites: Vec<Site>,
    diagnostics: Vec<Diagnostic>,
    reported: HashSet<(Code, Span, String)>,
    /// Bytes of definitions instantiated so far plus [`CALL_COST`] per call.
    work: usize,
    work_limit: usize,
}

impl<'a> Expander<'a> {
    fn run(mut self) -> Expansion {
        let text = self.original;
        let mut pos = 0;
        while let Some(token) = next_token(text, pos) {
            self.copy_original(pos, token.start());
            match token {
                Token::Comment { start, end } => {
                    self.copy_original(start, end);
                    pos = end;
                }
                Token::Unterminated { start, resume } => {
                    self.report(
                        Diagnostic::error(
                            Code::UnterminatedMacro,
                            Span::new(start, start + 1),
                            "unterminated macro call",
                        )
                        .with_primary_label("this backtick is never closed")
                        .with_help(
                            "close the macro call with a second backtick; a literal backtick \
                             belongs inside double quotes",
                        ),
                    );
                    self.copy_original(start, resume);
                    pos = resume;
                }
                Token::Call { start, end } => {
                    let call = Span::new(start, end);
                    if self.expand_top_level(call).is_err() {
                        // Past a limit nothing more is expanded: the rest stays as written.
                        self.copy_original(start, text.len());
                        pos = text.len();
                        break;
                    }
                    pos = end;
                }
            }
        }
        self.copy_original(pos, text.len());

        let expanded_len = self.out.len();
        Expansion {
            text: self.out,
            map: SourceMap {
                segments: self.segments,
                sites: self.sites,
                original_len: text.len(),
                expanded_len,
            },
            diagnostics: self.diagnostics,
        }
    }

    /// Copy `original[start..end]` to the output as a verbatim region.
    fn copy_original(&mut self, start: usize, end: usize) {
        let Some(piece) = self.original.get(start..end).filter(|p| !p.is_empty()) else {
            return;
        };
        let expanded_start = self.out.len();
        self.out.push_str(piece);
        let expanded = Span::new(expanded_start, self.out.len());
        // Adjacent verbatim pieces (e.g. a call left unexpanded) merge into one region.
        if let Some(last) = self.segments.last_mut()
            && let Origin::Verbatim { original_start } = last.origin
            && last.expanded.end == expanded_start
            && original_start + last.expanded.len() == start
        {
            last.expanded.end = expanded.end;
            return;
        }
        self.segments.push(Segment {
            expanded,
            origin: Origin::Verbatim { original_start: start },
        });
    }

    /// Expand one call written in the original text, with everything nested in it.
    fn expand_top_level(&mut self, call: Span) -> Result<(), LimitHit> {
        let out_start = self.out.len();
        let sites_start = self.sites.len();
        let mut stack: Vec<Frame> = Vec::new();

        let content = inner_of_call(self.original, call);
        let result = match self.enter(&parse_call(content), call, &stack) {
            Ok(Some(frame)) => {
                stack.push(frame);
                self.drain(&mut stack, call)
            }
            Ok(None) => {
                self.copy_original(call.start, call.end);
                return Ok(());
            }
            Err(limit) => Err(limit),
        };
        if result.is_err() {
            // Drop the partial expansion; the caller copies the call through as written.
            self.out.truncate(out_start);
            self.sites.truncate(sites_start);
            return result;
        }
        if self.out.len() > out_start {
            self.segments.push(Segment {
                expanded: Span::new(out_start, self.out.len()),
                origin: Origin::Macro {
                    site: sites_start,
                    call,
                },
            });
        }
        Ok(())
    }

    /// Copy frames to the output until the stack is empty, entering nested calls as they come.
    /// An explicit stack rather than recursion, so no definition can overflow the Rust stack
    /// whatever `max_depth` says.
    fn drain(&mut self, stack: &mut Vec<Frame>, top: Span) -> Result<(), LimitHit> {
        while let Some(frame) = stack.last_mut() {
            let Some(token) = next_token(&frame.text, frame.pos) else {
                let rest = frame.text.get(frame.pos..).unwrap_or("");
                self.push_expanded(rest, top)?;
                let site = frame.site;
                stack.pop();
                if let Some(site) = self.sites.get_mut(site) {
                    site.expanded.end = self.out.len();
                }
                continue;
            };
            let start = token.start();
            self.push_expanded(&frame.text[frame.pos..start], top)?;
            match token {
                Token::Comment { end, .. } => {
                    self.push_expanded(&frame.text[start..end], top)?;
                    frame.pos = end;
                }
                Token::Unterminated { resume, .. } => {
                    let name = frame.name.clone();
                    self.push_expanded(&frame.text[start..resume], top)?;
                    frame.pos = resume;
                    let chain = chain_of(stack, None);
                    self.report(
                        Diagnostic::error(
                            Code::UnterminatedMacro,
                            top,
                            format!("unterminated macro call in the definition of `{name}`"),
                        )
                        .with_primary_label("the expansion of this macro has a stray backtick")
                        .with_note(format!("while expanding {chain}"))
                        .with_help(format!(
                            "fix the definition of `{name}`: close the call, or put a literal \
                             backtick inside double quotes"
                        )),
                    );
                }
                Token::Call { end, .. } => {
                    // Owned, because entering the call pushes onto the stack that holds the text.
                    let call_text = frame.text[start..end].to_owned();
                    frame.pos = end;
                    let parsed = parse_call(&call_text[1..call_text.len() - 1]);
                    match self.enter(&parsed, top, stack)? {
                        Some(next) => stack.push(next),
                        None => self.push_expanded(&call_text, top)?,
                    }
                }
            }
        }
        Ok(())
    }

    /// Resolve a call and, if it can be expanded, instantiate its definition as a new frame.
    /// `Ok(None)` means the call stays as written (its problem has been reported).
    fn enter(&mut self, call: &ParsedCall<'_>, top: Span, stack: &[Frame]) -> Result<Option<Frame>, LimitHit> {
        let name = call.name;
        let arity = call.args.len();
        let (params, definition): (&[String], &str) = match self.resolve(name, arity) {
            Resolution::Def(def) => (&def.args, &def.definition),
            Resolution::SynthesizedFilter => (&[], FILTER_DEFINITION),
            Resolution::Undefined => {
                self.report_undefined(name, top, stack);
                return Ok(None);
            }
            Resolution::WrongArity(arities) => {
                self.report_arity(name, arity, &arities, top, stack);
                return Ok(None);
            }
        };

        if stack.iter().any(|f| f.name == name && f.arity == arity) {
            let chain = chain_of(stack, Some(name));
            self.report(
                Diagnostic::error(Code::RecursiveMacro, top, format!("recursive macro `{name}`: {chain}"))
                    .with_primary_label(if stack.len() == 1 && stack.first().is_some_and(|f| f.name == name) {
                        "this macro's definition calls itself".to_owned()
                    } else {
                        format!("`{name}` ends up calling itself")
                    })
                    .with_help("change one of the definitions so that the chain of calls ends"),
            );
            return Ok(None);
        }

        let depth = stack.len() + 1;
        if depth > self.opts.max_depth {
            let chain = chain_of(stack, Some(name));
            self.report(
                Diagnostic::error(
                    Code::MacroLimit,
                    top,
                    format!("macro expansion nests more than {} levels deep", self.opts.max_depth),
                )
                .with_primary_label("expanding this macro")
                .with_note(format!("while expanding {chain}"))
                .with_help("macros that call macros this deeply are almost certainly a mistake"),
            );
            return Err(LimitHit);
        }

        let remaining = self.work_limit.saturating_sub(self.work).saturating_sub(CALL_COST);
        let Some(text) = substitute(definition, params, &call.args, remaining) else {
            self.report_work_limit(top);
            return Err(LimitHit);
        };
        self.work = self.work.saturating_add(text.len() + CALL_COST);

        self.sites.push(Site {
            name: name.to_owned(),
            call: top,
            expanded: Span::empty(self.out.len()),
            depth,
        });
        Ok(Some(Frame {
            text,
            pos: 0,
            name: name.to_owned(),
            arity,
            site: self.sites.len() - 1,
        }))
    }

    fn resolve(&self, name: &str, arity: usize) -> Resolution<'a> {
        if let Some(def) = self.table.get(name, arity) {
            return Resolution::Def(def);
        }
        let arities = self.table.arities(name);
        if !arities.is_empty() {
            return Resolution::WrongArity(arities);
        }
        // Only a name nobody defined at any arity is synthesized: a user who defined
        // `x_filter(1)` and calls `x_filter` has made an arity mistake worth reporting.
        let plausible_name = !name.is_empty() && !name.contains(char::is_whitespace);
        if self.opts.synthesize_filter_macros && arity == 0 && plausible_name && name.ends_with("_filter") {
            return Resolution::SynthesizedFilter;
        }
        Resolution::Undefined
    }

    /// Append expansion text, enforcing [`ExpandOptions::max_len`].
    fn push_expanded(&mut self, piece: &str, top: Span) -> Result<(), LimitHit> {
        if self.out.len().saturating_add(piece.len()) > self.opts.max_len {
            self.report(
                Diagnostic::error(
                    Code::MacroLimit,
                    top,
                    format!(
                        "macro expansion is longer than the limit of {} bytes",
                        self.opts.max_len
                    ),
                )
                .with_primary_label("expanding this macro")
                .with_help("a macro probably expands other macros many times over; check the definitions"),
            );
            return Err(LimitHit);
        }
        self.out.push_str(piece);
        Ok(())
    }

    fn report_work_limit(&mut self, top: Span) {
        self.report(
            Diagnostic::error(
                Code::MacroLimit,
                top,
                format!(
                    "macro expansion does too much work (more than {} bytes of macro text)",
                    self.work_limit
                ),
            )
            .with_primary_label("expanding this macro")
            .with_help("a macro probably expands other macros many times over; check the definitions"),
        );
    }

    fn report_undefined(&mut self, name: &str, top: Span, stack: &[Frame]) {
        let mut diagnostic = if name.is_empty() {
            Diagnostic::error(Code::UndefinedMacro, top, "empty macro call")
                .with_help("write a macro name between the backticks, or remove them")
        } else if name.contains(char::is_whitespace) {
            Diagnostic::error(
                Code::UndefinedMacro,
                top,
                format!("undefined macro `{}`", excerpt(name)),
            )
            .with_help(
                "macro names cannot contain whitespace; if the backtick is meant literally, put \
                 it inside double quotes",
            )
        } else {
            Diagnostic::error(Code::UndefinedMacro, top, format!("undefined macro `{name}`")).with_help(DEFINE_HELP)
        };
        if let Some(variant) = self.table.case_variant(name) {
            diagnostic = diagnostic.with_note(format!("macro names are case-sensitive; `{variant}` is defined"));
        }
        diagnostic = if stack.is_empty() {
            diagnostic.with_primary_label("no macro by this name")
        } else {
            let chain = chain_of(stack, Some(name));
            diagnostic
                .with_primary_label("the expansion of this macro calls an undefined macro")
                .with_note(format!("while expanding {chain}"))
        };
        self.report(diagnostic);
    }

    fn report_arity(&mut self, name: &str, given: usize, arities: &[usize], top: Span, stack: &[Frame]) {
        let forms: Vec<String> = arities
            .iter()
            .filter_map(|&arity| self.table.get(name, arity))
            .map(|def| {
                if def.args.is_empty() {
                    format!("`{name}`")
                } else {
                    format!("`{name}({})`", def.args.join(", "))
                }
            })
            .collect();
        let mut diagnostic = Diagnostic::error(
            Code::MacroArity,
            top,
            format!(
                "macro `{name}` takes {} but {} given",
                count_phrase(arities, "argument"),
                match given {
                    0 => "none were".to_owned(),
                    1 => "1 was".to_owned(),
                    n => format!("{n} were"),
                }
            ),
        )
        .with_help(format!("call it as {}", join_or(&forms)));
        diagnostic = if stack.is_empty() {
            diagnostic.with_primary_label(format!("called with {}", count_phrase(&[given], "argument")))
        } else {
            let chain = chain_of(stack, Some(name));
            diagnostic
                .with_primary_label("the expansion of this macro calls a macro with the wrong arguments")
                .with_note(format!("while expanding {chain}"))
        };
        self.report(diagnostic);
    }

    /// Record a diagnostic once; repeats (the same broken call reached along many paths) and
    /// anything past [`MAX_DIAGNOSTICS`] are dropped.
    fn report(&mut self, diagnostic: Diagnostic) {
        if self.diagnostics.len() >= MAX_DIAGNOSTICS {
            return;
        }
        let key = (diagnostic.code, diagnostic.span, diagnostic.message.clone());
        if self.reported.insert(key) {
            self.diagnostics.push(diagnostic);
        }
    }
}

/// The text between the backticks of a call the scanner found.
fn inner_of_call(text: &str, call: Span) -> &str {
    // The scanner guarantees `call` starts and ends with a backtick (one byte each); `get` keeps
    // this panic-free should that ever change.
    text.get(call.start + 1..call.end.saturating_sub(1)).unwrap_or("")
}

/// `a -> b -> c` from the frames being expanded, plus `next` if given. Long chains keep their
/// ends: the middle of a 30-level chain says nothing the ends do not.
fn chain_of(stack: &[Frame], next: Option<&str>) -> String {
    let names: Vec<&str> = stack.iter().map(|f| f.name.as_str()).chain(next).collect();
    const KEEP: usize = 4;
    if names.len() <= 2 * KEEP + 1 {
        return names.join(" -> ");
    }
    format!(
        "{} -> ... -> {}",
        names[..KEEP].join(" -> "),
        names[names.len() - KEEP..].join(" -> ")
    )
}

/// "1 argument", "0 or 2 arguments", "0, 1 or 2 arguments".
fn count_phrase(counts: &[usize], noun: &str) -> String {
    let numbers: Vec<String> = counts.iter().map(ToString::to_string).collect();
    let plural = counts.len() > 1 || counts.first() != Some(&1);
    format!("{} {noun}{}", join_or(&numbers), if plural { "s" } else { "" })
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A one-line excerpt for notes and messages: whitespace runs collapsed, long text cut on a
/// char boundary with an ellipsis.
fn excerpt(text: &str) -> String {
    let mut flat = String::new();
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            flat.push(' ');
        }
        flat.push_str(word);
    }
    if flat.chars().count() <= EXCERPT_CHARS {
        return flat;
    }
    let mut cut: String = flat.chars().take(EXCERPT_CHARS - 1).collect();
    cut.push('…');
    cut
}

// ---------------------------------------------------------------------------------------------
// macros.conf

/// A stanza as read, before validation.
struct Stanza {
    /// Text between `[` and `]`, trimmed.
    header: String,
    /// The header line (first occurrence).
    span: Span,
    /// Key -> (value, span of the whole setting including continuation lines).
    settings: HashMap<String, (String, Span)>,
}

/// Split conf text into stanzas, reporting lines that are not part of the format.
fn read_conf(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<Stanza> {
    let mut stanzas: Vec<Stanza> = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    // `None` before the first stanza and after a broken header: settings there are ignored
    // (Splunk files them under `[default]`, which defines no macro).
    let mut current: Option<usize> = None;
    // A setting whose value continues on the next line: (key, value so far, span so far).
    let mut pending: Option<(String, String, Span)> = None;

    let store = |current: Option<usize>, stanzas: &mut Vec<Stanza>, (key, value, span): (String, String, Span)| {
        if let Some(stanza) = current.and_then(|i| stanzas.get_mut(i)) {
            stanza.settings.insert(key, (value.trim().to_owned(), span));
        }
    };

    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line_span = Span::new(line_start, line_start + line.len());

        if let Some((key, mut value, span)) = pending.take() {
            let (piece, continues) = strip_continuation(line);
            value.push('\n');
            value.push_str(piece);
            let setting = (key, value, span.to(line_span));
            if continues {
                pending = Some(setting);
            } else {
                store(current, &mut stanzas, setting);
            }
            continue;
        }

        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let trimmed_span = Span::new(line_start + indent, line_start + indent + trimmed.len());

        if trimmed.starts_with('[') {
            let Some(header) = trimmed.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) else {
                diagnostics.push(
                    Diagnostic::error(
                        Code::InvalidMacroDefinition,
                        trimmed_span,
                        "stanza header without a closing `]`",
                    )
                    .with_primary_label("expected `[name]` or `[name(N)]`")
                    .with_note("the settings that follow are ignored until the next stanza"),
                );
                current = None;
                continue;
            };
            let header = header.trim().to_owned();
            let index = *index_of.entry(header.clone()).or_insert_with(|| {
                stanzas.push(Stanza {
                    header,
                    span: trimmed_span,
                    settings: HashMap::new(),
                });
                stanzas.len() - 1
            });
            current = Some(index);
            continue;
        }

        match line.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                let (piece, continues) = strip_continuation(value.trim_start());
                let setting = (key.trim().to_owned(), piece.to_owned(), trimmed_span);
                if continues {
                    pending = Some(setting);
                } else {
                    store(current, &mut stanzas, setting);
                }
            }
            _ => diagnostics.push(
                Diagnostic::warning(
                    Code::InvalidMacroDefinition,
                    trimmed_span,
                    "line is not a `[stanza]` header, a `key = value` setting or a `#` comment",
                )
                .with_note("the line is ignored"),
            ),
        }
    }
    if let Some(setting) = pending {
        // A continuation backslash on the last line: the value simply ends there.
        store(current, &mut stanzas, setting);
    }
    stanzas
}

/// `(value without the trailing backslash, true)` when `value` ends with a line continuation.
fn strip_continuation(value: &str) -> (&str, bool) {
    match value.trim_end().strip_suffix('\\') {
        Some(head) => (head, true),
        None => (value, false),
    }
}

/// Validate a stanza and turn it into a definition, or report why not.
fn stanza_to_def(stanza: &Stanza, origin: Option<&str>, diagnostics: &mut Vec<Diagnostic>) -> Option<MacroDef> {
    let invalid = |span: Span, message: String| Diagnostic::error(Code::InvalidMacroDefinition, span, message);
    let header = stanza.header.as_str();

    // `[name(N)]`: the arity suffix is the last parenthesised group.
    let (name, declared) = match header.strip_suffix(')').and_then(|body| body.rsplit_once('(')) {
        Some((name, number)) => match number.trim().parse::<usize>() {
            Ok(n) => (name.trim(), Some(n)),
            Err(_) => {
                diagnostics.push(
                    invalid(stanza.span, format!("the arity in `[{header}]` is not a number"))
                        .with_help("a macro with arguments is named `[name(N)]`, N being how many"),
                );
                return None;
            }
        },
        None => (header, None),
    };
    if name.is_empty() {
        diagnostics.push(invalid(stanza.span, "stanza header has no macro name".to_owned()));
        return None;
    }
    if name == "default" && declared.is_none() {
        // Splunk's defaults stanza; it defines no macro.
        return None;
    }
    if name.contains(['`', '$', '(', ')']) || name.contains(char::is_whitespace) {
        diagnostics.push(
            invalid(stanza.span, format!("`{name}` is not a usable macro name"))
                .with_help("macro names cannot contain whitespace, backticks, parentheses or `$`"),
        );
        return None;
    }

    let setting = |key: &str| stanza.settings.get(key);

    if let Some((value, span)) = setting("iseval")
        && is_true(value)
    {
        diagnostics.push(
            invalid(*span, "eval-based macros (iseval = 1) are not supported".to_owned())
                .with_label(stanza.span, format!("macro `{name}` is skipped"))
                .with_help(
                    "Tripline expands macros textually and cannot evaluate a definition; rewrite it \
                 as plain SPL (iseval = 0)",
                ),
        );
        return None;
    }

    let Some((definition, definition_span)) = setting("definition") else {
        diagnostics.push(
            invalid(stanza.span, format!("macro `[{header}]` has no `definition`"))
                .with_help("add `definition = <SPL>` to the stanza"),
        );
        return None;
    };

    let (args, args_span) = match setting("args") {
        Some((value, span)) if !value.is_empty() => (value.split(',').map(str::trim).collect::<Vec<_>>(), Some(*span)),
        _ => (Vec::new(), None),
    };
    let args_location = args_span.unwrap_or(stanza.span);
    for (i, arg) in args.iter().enumerate() {
        let problem = if arg.is_empty() {
            Some("an empty argument name".to_owned())
        } else if arg.contains(['$', '`', '"', '(', ')']) || arg.contains(char::is_whitespace) {
            Some(format!("`{arg}`, which is not a valid argument name"))
        } else if args[..i].contains(arg) {
            Some(format!("`{arg}` twice"))
        } else {
            None
        };
        if let Some(problem) = problem {
            diagnostics.push(invalid(
                args_location,
                format!("`args` of macro `[{header}]` lists {problem}"),
            ));
            return None;
        }
    }

    let arity = declared.unwrap_or(0);
    if arity != args.len() {
        let message = match declared {
            Some(n) => format!(
                "stanza `[{header}]` declares {} but `args` names {}",
                count_phrase(&[n], "argument"),
                args.len()
            ),
            None => format!("stanza `[{header}]` takes no arguments but `args` names {}", args.len()),
        };
        let mut diagnostic = invalid(stanza.span, message).with_help(format!(
            "a macro with N arguments is named `[name(N)]` and lists N names in `args`, e.g. \
             `[{name}({})]`",
            args.len()
        ));
        if let Some(span) = args_span {
            diagnostic = diagnostic.with_label(span, format!("{} names here", args.len()));
        }
        diagnostics.push(diagnostic);
        return None;
    }

    let def = MacroDef {
        name: name.to_owned(),
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        definition: definition.clone(),
        origin: origin.map(str::to_owned),
    };
    diagnostics.extend(def.check_arguments(*definition_span));
    Some(def)
}

/// Splunk's boolean spellings.
fn is_true(value: &str) -> bool {
    ["1", "true", "t", "yes", "y"]
        .iter()
        .any(|t| value.trim().eq_ignore_ascii_case(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(defs: &[(&str, &[&str], &str)]) -> MacroTable {
        defs.iter()
            .map(|(name, args, def)| MacroDef::new(*name, args.iter().copied(), *def))
            .collect()
    }

    #[test]
    fn scanner_classifies_backticks() {
        assert_eq!(next_token("a `m` b", 0), Some(Token::Call { start: 2, end: 5 }));
        assert_eq!(next_token("a ```c``` b", 0), Some(Token::Comment { start: 2, end: 9 }));
        assert_eq!(next_token("a ```c", 0), Some(Token::Comment { start: 2, end: 6 }));
        assert_eq!(next_token("a `m", 0), Some(Token::Unterminated { start: 2, resume: 4 }));
        assert_eq!(
            next_token("`m ```c```", 0),
            Some(Token::Unterminated { start: 0, resume: 3 })
        );
        // Quoted backticks are literal, and an escaped quote does not end the string.
        assert_eq!(next_token(r#"x="a`b`c""#, 0), None);
        assert_eq!(next_token(r#"x="a\"`b`""#, 0), None);
        // An unquoted `\"` does not open a string.
        assert_eq!(next_token(r#"x=\"a `m`"#, 0), Some(Token::Call { start: 6, end: 9 }));
    }

    #[test]
    fn call_parsing() {
        assert_eq!(
            parse_call("m"),
            ParsedCall {
                name: "m",
                args: vec![]
            }
        );
        assert_eq!(
            parse_call("m()"),
            ParsedCall {
                name: "m",
                args: vec![]
            }
        );
        assert_eq!(
            parse_call("m( a , \"b,c\", f(x, y) )"),
            ParsedCall {
                name: "m",
                args: vec!["a", "\"b,c\"", "f(x, y)"]
            }
        );
        assert_eq!(
            parse_call("m(a,)"),
            ParsedCall {
                name: "m",
                args: vec!["a", ""]
            }
        );
        // Not `name(...)`: the whole text is the name.
        assert_eq!(parse_call("m(a").name, "m(a");
        assert_eq!(parse_call("m(a) x").name, "m(a) x");
        assert_eq!(parse_call(r#"m("a\",b", c)"#).args, vec![r#""a\",b""#, "c"]);
    }

    #[test]
    fn substitution_is_single_pass() {
        let params = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(
            substitute("$a$-$b$-$c$-$", &params, &["$b$", "2"], 100).as_deref(),
            Some("$b$-2-$c$-$")
        );
        // A literal `$` before a reference does not hide it.
        assert_eq!(substitute("x$ $a$", &params, &["1", "2"], 100).as_deref(), Some("x$ 1"));
        assert_eq!(substitute("$a$$a$", &params, &["xyz", ""], 5), None);
    }

    #[test]
    fn source_map_identity() {
        let map = SourceMap::identity(10);
        assert!(map.is_identity());
        assert_eq!(map.to_original(Span::new(2, 5)), Span::new(2, 5));
        assert_eq!(map.to_original(Span::empty(10)), Span::empty(10));
        assert_eq!(map.to_original(Span::new(8, 50)), Span::new(8, 10));
        assert_eq!(map.macro_at(3), None);
        let empty = SourceMap::identity(0);
        assert_eq!(empty.to_original(Span::new(0, 3)), Span::empty(0));
    }

    #[test]
    fn sites_are_recorded_in_pre_order() {
        let t = table(&[("a", &[], "x `b` y"), ("b", &[], "z")]);
        let e = expand("`a` `b`", &t, &ExpandOptions::default());
        assert_eq!(e.text, "x z y z");
        let summary: Vec<(&str, Span, Span, usize)> = e
            .map
            .sites
            .iter()
            .map(|s| (s.name.as_str(), s.call, s.expanded, s.depth))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("a", Span::new(0, 3), Span::new(0, 5), 1),
                ("b", Span::new(0, 3), Span::new(2, 3), 2),
                ("b", Span::new(4, 7), Span::new(6, 7), 1),
            ]
        );
    }

    #[test]
    fn chains_are_shortened() {
        let frames: Vec<Frame> = (0..20)
            .map(|i| Frame {
                text: String::new(),
                pos: 0,
                name: format!("m{i}"),
                arity: 0,
                site: 0,
            })
            .collect();
        assert_eq!(
            chain_of(&frames, Some("x")),
            "m0 -> m1 -> m2 -> m3 -> ... -> m17 -> m18 -> m19 -> x"
        );
        assert_eq!(chain_of(&frames[..2], Some("m0")), "m0 -> m1 -> m0");
    }

    #[test]
    fn phrases() {
        assert_eq!(count_phrase(&[1], "argument"), "1 argument");
        assert_eq!(count_phrase(&[0], "argument"), "0 arguments");
        assert_eq!(count_phrase(&[0, 2], "argument"), "0 or 2 arguments");
        assert_eq!(count_phrase(&[0, 1, 2], "argument"), "0, 1 or 2 arguments");
        assert_eq!(excerpt("a\n   b\tc"), "a b c");
        let long = "é".repeat(200);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS);
        assert!(cut.ends_with('…'));
    }
}

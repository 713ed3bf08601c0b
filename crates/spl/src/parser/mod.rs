//! A hand-written, scannerless recursive-descent parser for SPL.
//!
//! SPL has no single token set: the same `"text"` is a phrase in `search`, a field name before
//! `=`, and a string literal in `eval`; bare words contain `*`, `.`, `{}`, `/`, `:` and `-`. So the
//! parser reads characters directly, and each command decides how its arguments are tokenised.
//!
//! Errors never stop the parse: a command that fails is recorded as
//! [`CommandKind::Invalid`](crate::ast::CommandKind::Invalid) and the parser resumes at the next
//! top-level `|` (or `]` inside a subsearch), so one pass reports every broken command.

mod commands;
mod eval;
mod search;

use crate::ast::{Command, CommandKind, Field, Ident, Literal, OptionArg, Pipeline, Query};
use crate::{Code, Diagnostic, Span};

/// What [`parse`] returns: the tree (always present, possibly with `Invalid` commands) and every
/// diagnostic found.
#[derive(Clone, Debug)]
pub struct ParseOutput {
    /// The parsed search.
    pub query: Query,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ParseOutput {
    /// Whether any diagnostic is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        crate::diagnostic::has_errors(&self.diagnostics)
    }
}

/// Parse a search (already macro-expanded) into an AST plus diagnostics.
///
/// As contentctl does, a search that does not start with `|` begins with an implicit `search`
/// command, whether or not the word `search` is written.
#[must_use]
pub fn parse(text: &str) -> ParseOutput {
    let mut p = Parser::new(text);
    let pipeline = p.pipeline(false);
    p.diags.sort_by_key(|d| (d.span.start, d.span.end));
    ParseOutput {
        query: Query { pipeline },
        diagnostics: p.diags,
    }
}

/// Parse an eval expression on its own (as `where` would read it).
#[must_use]
pub fn parse_expression(text: &str) -> (Option<crate::ast::Expr>, Vec<Diagnostic>) {
    let mut p = Parser::new(text);
    p.skip_ws();
    let expr = match p.expr() {
        Ok(e) => {
            p.skip_ws();
            if !p.at_end() {
                let at = p.pos;
                p.diags.push(
                    Diagnostic::error(
                        Code::TrailingInput,
                        Span::new(at, text.len()),
                        "unexpected input after the expression",
                    )
                    .with_primary_label("not part of the expression"),
                );
            }
            Some(e)
        }
        Err(d) => {
            p.diags.push(*d);
            None
        }
    };
    (expr, p.diags)
}

/// Commands that produce results rather than transform them; they must come first.
pub(crate) const GENERATING: &[&str] = &["makeresults", "inputlookup", "mstats", "tstats"];

/// Deepest nesting of parentheses and subsearches accepted; deeper input is an error rather than
/// a stack overflow.
const MAX_DEPTH: usize = 64;

type PResult<T> = Result<T, Box<Diagnostic>>;

pub(crate) struct Parser<'a> {
    src: &'a str,
    pos: usize,
    diags: Vec<Diagnostic>,
    /// Nesting of `[ ]` subsearches: a `]` ends a command only inside one.
    bracket_depth: usize,
    /// Recursion depth across parentheses, subsearches and eval nesting.
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Self {
            src,
            pos: 0,
            diags: Vec::new(),
            bracket_depth: 0,
            depth: 0,
        }
    }

    // -----------------------------------------------------------------------------------------
    // cursor

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.src.get(self.pos + offset..)?.chars().next()
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Skip whitespace and ```` ``` ```` comments.
    fn skip_ws(&mut self) {
        loop {
            let before = self.pos;
            while let Some(c) = self.peek() {
                if c.is_whitespace() {
                    self.pos += c.len_utf8();
                } else {
                    break;
                }
            }
            if self.rest().starts_with("```") {
                let start = self.pos;
                match self.src[start + 3..].find("```") {
                    Some(i) => self.pos = start + 3 + i + 3,
                    None => {
                        // Backtracking can skip the same comment twice; report it once.
                        let reported = self
                            .diags
                            .iter()
                            .any(|d| d.code == Code::UnterminatedComment && d.span.start == start);
                        if !reported {
                            self.diags.push(
                                Diagnostic::error(
                                    Code::UnterminatedComment,
                                    Span::new(start, start + 3),
                                    "comment is never closed",
                                )
                                .with_primary_label("comment starts here")
                                .with_help("close the comment with ``` (three backticks)")
                                .with_note("everything after the opening ``` is part of the comment, so the rest of the search is ignored"),
                            );
                        }
                        self.pos = self.src.len();
                    }
                }
            }
            if self.pos == before {
                break;
            }
        }
    }

    /// Whether the cursor is at something that ends a command: end of input, a top-level `|`, or
    /// a `]` closing the current subsearch.
    fn at_command_end(&self) -> bool {
        match self.peek() {
            None | Some('|') => true,
            Some(']') => self.bracket_depth > 0,
            _ => false,
        }
    }

    /// Whether the next word (after the cursor) is exactly `word`, compared case-insensitively
    /// when `any_case`, and followed by a word boundary.
    fn at_keyword(&self, word: &str, any_case: bool) -> bool {
        let rest = self.rest();
        let Some(head) = rest.get(..word.len()) else {
            return false;
        };
        let same = if any_case {
            head.eq_ignore_ascii_case(word)
        } else {
            head == word
        };
        same && rest[word.len()..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '|' | '[' | ']' | '`'))
    }

    fn eat_keyword(&mut self, word: &str, any_case: bool) -> Option<Span> {
        if self.at_keyword(word, any_case) {
            let start = self.pos;
            self.pos += word.len();
            Some(Span::new(start, self.pos))
        } else {
            None
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            // Callers return at once without `leave`: undo the level here, or every overflow
            // would leak one and later, shallow nesting would be reported too deep.
            self.depth -= 1;
            let at = self.pos;
            return Err(Box::new(
                Diagnostic::error(
                    Code::UnexpectedToken,
                    // The character at the cursor, whatever its width (it need not be ASCII).
                    Span::new(at, at + self.peek().map_or(0, char::len_utf8)),
                    format!("nesting deeper than {MAX_DEPTH} levels"),
                )
                .with_help("simplify the parentheses or subsearches"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn error_here(&self, code: Code, message: impl Into<String>) -> Box<Diagnostic> {
        Box::new(Diagnostic::error(code, self.token_span(), message))
    }

    /// The token at the cursor, quoted for a "found ..." message (`` `src_ip` ``, `` `|` ``, or "the
    /// end of the search"), so the message names what the primary span covers.
    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the search".into(),
            Some(c) if c.is_control() => describe(Some(c)),
            Some(_) => {
                let text = self.token_span().slice(self.src);
                match text.char_indices().nth(40) {
                    Some((i, _)) => format!("`{}…`", &text[..i]),
                    None => format!("`{text}`"),
                }
            }
        }
    }

    /// The span of the "token" at the cursor (up to the next whitespace), for error messages.
    fn token_span(&self) -> Span {
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|&(i, c)| c.is_whitespace() || (i > 0 && matches!(c, '|' | '(' | ')' | '[' | ']')))
            .map_or(rest.len(), |(i, c)| if i == 0 { c.len_utf8() } else { i });
        Span::new(self.pos, self.pos + len.max(usize::from(!rest.is_empty())))
    }

    /// Skip to the end of the current command (next top-level `|`, or the `]` closing the current
    /// subsearch), honouring quotes and nesting.
    fn recover(&mut self) {
        let mut nest: usize = 0;
        while let Some(c) = self.peek() {
            match c {
                '"' => {
                    self.skip_quoted('"');
                    continue;
                }
                '\\' => {
                    self.bump();
                }
                '[' | '(' => nest += 1,
                ')' => nest = nest.saturating_sub(1),
                ']' => {
                    if nest == 0 {
                        if self.bracket_depth > 0 {
                            return;
                        }
                    } else {
                        nest -= 1;
                    }
                }
                '|' if nest == 0 => return,
                _ => {}
            }
            self.bump();
        }
    }

    /// Skip a quoted string starting at the cursor (used by recovery; no diagnostics).
    fn skip_quoted(&mut self, quote: char) {
        self.bump();
        while let Some(c) = self.bump() {
            if c == '\\' {
                self.bump();
            } else if c == quote {
                return;
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // shared token readers

    /// Read a double-quoted string at the cursor. Splunk expands `\"`, `\\` and `\|`; any other
    /// backslash sequence is kept as written (`"\s"` stays `\s`, which regexes rely on).
    fn quoted(&mut self) -> PResult<(String, Span)> {
        let start = self.pos;
        let quote = self.peek().unwrap_or('"');
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::UnterminatedString,
                            Span::new(start, start + 1),
                            "quoted string is never closed",
                        )
                        .with_primary_label("string starts here")
                        .with_help(format!(
                            "add the closing {quote}; a literal {quote} inside is written \\{quote}"
                        ))
                        .with_note(
                            "the string runs to the end of the search, so any `|` after it is part of the string",
                        ),
                    ));
                }
                Some('\\') => match self.peek() {
                    Some(c) if c == quote || c == '\\' || c == '|' => {
                        self.bump();
                        out.push(c);
                    }
                    _ => out.push('\\'),
                },
                Some(c) if c == quote => break,
                Some(c) => out.push(c),
            }
        }
        let span = Span::new(start, self.pos);
        // A string that runs across a line break into the next command usually means an earlier
        // quote was never closed; the parse is still correct, so this is only a warning.
        if let Some(nl) = out.find('\n')
            && out[nl..].trim_start().starts_with('|')
        {
            self.diags.push(
                Diagnostic::warning(
                    Code::Ambiguous,
                    Span::new(start, start + 1),
                    "quoted string runs on past the end of the line into `|`",
                )
                .with_primary_label("this string continues onto the next line")
                .with_help(format!(
                    "if a closing {quote} is missing here, add it; a literal | inside a string is fine"
                )),
            );
        }
        Ok((out, span))
    }

    /// Read a field name in command arguments: quoted (`"Search Name"`, `'a.b'`) or bare. Bare
    /// names may contain anything but whitespace and `, | ( ) [ ] = " '` (so `user.groups{}`,
    /// `annotations.authorization.k8s.io/reason`, `cpu:mem` and `tcp.*` all work).
    fn field(&mut self) -> PResult<Field> {
        self.skip_ws();
        match self.peek() {
            Some(q @ ('"' | '\'')) => {
                let _ = q;
                let (name, span) = self.quoted()?;
                if name.is_empty() {
                    return Err(Box::new(Diagnostic::error(
                        Code::ExpectedField,
                        span,
                        "empty field name",
                    )));
                }
                Ok(Field {
                    name,
                    quoted: true,
                    span,
                })
            }
            _ => {
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if is_field_char(c) {
                        self.pos += c.len_utf8();
                    } else {
                        break;
                    }
                }
                if self.pos == start {
                    let found = describe(self.peek());
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::ExpectedField,
                            self.token_span(),
                            format!("expected a field name, found {found}"),
                        )
                        .with_primary_label("expected a field name here"),
                    ));
                }
                Ok(Field {
                    name: self.src[start..self.pos].to_string(),
                    quoted: false,
                    span: Span::new(start, self.pos),
                })
            }
        }
    }

    /// Whether a field name can start at the cursor.
    fn at_field(&self) -> bool {
        self.peek().is_some_and(|c| c == '"' || c == '\'' || is_field_char(c))
    }

    /// A list of fields separated by spaces and/or commas, ending at the command end, at a
    /// keyword in `stops` (any case), or at a `name=value` option.
    fn field_list(&mut self, stops: &[&str]) -> PResult<Vec<Field>> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(',') {
                continue;
            }
            if self.at_command_end()
                || !self.at_field()
                || stops.iter().any(|k| self.at_keyword(k, true))
                || self.at_option()
            {
                return Ok(out);
            }
            out.push(self.field()?);
        }
    }

    /// Whether the cursor is at `word=` (a command option), not `word==`.
    fn at_option(&self) -> bool {
        let rest = self.rest();
        let n = rest
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(rest.len(), |(i, _)| i);
        n > 0 && rest[n..].starts_with('=') && !rest[n..].starts_with("==")
    }

    /// Read `name=value` at the cursor.
    fn option(&mut self) -> PResult<OptionArg> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        let name = Ident {
            name: self.src[start..self.pos].to_string(),
            span: Span::new(start, self.pos),
        };
        if !self.eat('=') {
            return Err(self.error_here(Code::UnexpectedToken, "expected `=` after option name"));
        }
        let value = self.literal_value().map_err(|d| {
            Box::new(
                Diagnostic::error(
                    Code::ExpectedValue,
                    d.span,
                    format!("option `{}` needs a value", name.name),
                )
                .with_label(name.span, "this option"),
            )
        })?;
        Ok(OptionArg { name, value })
    }

    /// A literal argument: quoted, or a bare run up to whitespace, `|`, `,`, `(`, `)`, `]`.
    fn literal_value(&mut self) -> PResult<Literal> {
        if self.peek() == Some('"') {
            let (value, span) = self.quoted()?;
            return Ok(Literal {
                value,
                quoted: true,
                span,
            });
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, '|' | ',' | '(' | ')' | '[' | ']') {
                break;
            }
            self.pos += c.len_utf8();
        }
        if self.pos == start {
            return Err(Box::new(
                Diagnostic::error(Code::ExpectedValue, Span::empty(start), "expected a value")
                    .with_primary_label("value expected here"),
            ));
        }
        Ok(Literal {
            value: self.src[start..self.pos].to_string(),
            quoted: false,
            span: Span::new(start, self.pos),
        })
    }

    /// A bare identifier (`[A-Za-z_][A-Za-z0-9_]*`), for command and function names.
    fn ident(&mut self) -> Option<Ident> {
        let start = self.pos;
        let first = self.peek()?;
        if !(first.is_ascii_alphabetic() || first == '_') {
            return None;
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.pos += 1;
        }
        Some(Ident {
            name: self.src[start..self.pos].to_string(),
            span: Span::new(start, self.pos),
        })
    }

    // -----------------------------------------------------------------------------------------
    // pipelines

    /// Parse commands separated by `|` until the end of input (or the `]` closing a subsearch).
    fn pipeline(&mut self, in_subsearch: bool) -> Pipeline {
        self.pipeline_with(in_subsearch, true)
    }

    /// Like [`Parser::pipeline`]; `implicit_search` says whether a first command without a name is
    /// a search (true everywhere except `foreach` templates, which are command sequences).
    fn pipeline_with(&mut self, in_subsearch: bool, implicit_search: bool) -> Pipeline {
        self.skip_ws();
        let start = self.pos;
        let leading_pipe = self.eat('|');
        let mut commands: Vec<Command> = Vec::new();
        let mut after_pipe = leading_pipe;
        let mut pipe_at = start;
        loop {
            self.skip_ws();
            if self.at_end() || (in_subsearch && self.peek() == Some(']')) {
                if after_pipe {
                    self.diags.push(
                        Diagnostic::error(
                            Code::EmptyCommand,
                            Span::new(pipe_at, pipe_at + 1),
                            "`|` is not followed by a command",
                        )
                        .with_primary_label("nothing after this pipe")
                        .with_help("remove the `|`, or add the command that should follow it"),
                    );
                } else if commands.is_empty() {
                    let (code, msg) = if in_subsearch {
                        (Code::EmptySubsearch, "subsearch is empty")
                    } else {
                        (Code::EmptySearch, "search is empty")
                    };
                    let help = if in_subsearch {
                        "put a search inside the brackets, e.g. [ search index=main | fields src_ip ], or remove them"
                    } else {
                        "write at least one search term or command, e.g. index=main or | makeresults"
                    };
                    self.diags
                        .push(Diagnostic::error(code, Span::empty(start), msg).with_help(help));
                }
                break;
            }
            if self.peek() == Some('|') {
                self.diags.push(
                    Diagnostic::error(
                        Code::EmptyCommand,
                        Span::new(self.pos, self.pos + 1),
                        "empty command between two pipes",
                    )
                    .with_primary_label("a command is missing before this `|`"),
                );
                pipe_at = self.pos;
                self.bump();
                after_pipe = true;
                continue;
            }
            if !in_subsearch && self.peek() == Some(']') {
                self.diags.push(
                    Diagnostic::error(
                        Code::UnbalancedBracket,
                        Span::new(self.pos, self.pos + 1),
                        "`]` without a matching `[`",
                    )
                    .with_primary_label("unmatched bracket")
                    .with_help("remove it, or add the `[` that should open the subsearch"),
                );
                self.bump();
                self.recover();
                // The `|` that ends the skipped text separates commands; it is not an empty one.
                if self.peek() == Some('|') {
                    pipe_at = self.pos;
                    self.bump();
                    after_pipe = true;
                }
                continue;
            }
            let implicit = implicit_search && commands.is_empty() && !leading_pipe;
            let first = commands.is_empty();
            let cmd = self.command(implicit, first, in_subsearch, leading_pipe);
            commands.push(cmd);
            self.skip_ws();
            if self.peek() == Some('|') {
                pipe_at = self.pos;
                self.bump();
                after_pipe = true;
            } else if self.at_end() || (in_subsearch && self.peek() == Some(']')) {
                after_pipe = false;
            } else {
                // The command parser stopped early; report and resynchronise.
                let at = self.pos;
                let cmd_name = commands.last().map_or(String::new(), |c| c.name.name.clone());
                self.recover();
                let end = trim_end(self.src, at, self.pos);
                self.diags.push(
                    Diagnostic::error(
                        Code::TrailingInput,
                        Span::new(at, end.max(at + 1).min(self.src.len())),
                        format!("unexpected input after the arguments of `{cmd_name}`"),
                    )
                    .with_primary_label("not understood"),
                );
                // Recovery stopped at the `|` that ends this command: consume it as a separator.
                after_pipe = self.peek() == Some('|');
                if after_pipe {
                    pipe_at = self.pos;
                    self.bump();
                }
            }
        }
        Pipeline {
            leading_pipe,
            commands,
            span: Span::new(start, self.pos),
        }
    }

    /// Parse one command at the cursor.
    fn command(&mut self, implicit_search: bool, first: bool, in_subsearch: bool, leading_pipe: bool) -> Command {
        let start = self.pos;
        // The implicit first search, unless the text spells out a command: `search ...` always,
        // and a generating command at the start of a subsearch (`[ inputlookup x ]`).
        if implicit_search {
            let explicit = self.at_keyword("search", false)
                || (in_subsearch && GENERATING.iter().any(|g| self.at_keyword(g, false)));
            if !explicit {
                self.warn_generating_without_pipe();
                let name = Ident {
                    name: "search".into(),
                    span: Span::empty(start),
                };
                let kind = self.run_command_parser(start, Parser::search_command);
                return Command {
                    name,
                    kind,
                    span: Span::new(start, trim_end(self.src, start, self.pos)),
                };
            }
        }
        if self.peek() == Some('`') {
            let d = self.unexpanded_macro(start);
            let end = d.span.end;
            self.diags.push(*d);
            self.recover();
            let raw = self.src[start..self.pos].trim_end().to_string();
            return Command {
                name: Ident {
                    name: String::new(),
                    span: Span::new(start, end),
                },
                kind: CommandKind::Invalid(raw),
                span: Span::new(start, trim_end(self.src, start, self.pos)),
            };
        }
        let Some(name) = self.ident() else {
            let span = self.token_span();
            self.diags.push(
                Diagnostic::error(
                    Code::UnexpectedToken,
                    span,
                    format!("expected a command name, found {}", self.found()),
                )
                .with_primary_label("not a command"),
            );
            self.recover();
            let raw = self.src[start..self.pos].trim_end().to_string();
            return Command {
                name: Ident {
                    name: String::new(),
                    span,
                },
                kind: CommandKind::Invalid(raw),
                span: Span::new(start, trim_end(self.src, start, self.pos)),
            };
        };
        let lname = name.name.to_ascii_lowercase();
        let is_generating = GENERATING.contains(&lname.as_str());
        if first && leading_pipe && !is_generating && commands::is_known(&lname) {
            self.diags.push(
                Diagnostic::error(
                    Code::ExpectedGeneratingCommand,
                    name.span,
                    format!("`{}` cannot start a search that begins with `|`", name.name),
                )
                .with_primary_label("not a generating command")
                .with_help(
                    "remove the leading `|`, or start with a generating command such as makeresults, inputlookup, mstats or tstats",
                ),
            );
        }
        let kind = self.run_command_parser(start, |p| p.command_args(&name, first));
        Command {
            name,
            kind,
            span: Span::new(start, trim_end(self.src, start, self.pos)),
        }
    }

    /// Run a command's argument parser; on error record it, resynchronise at the next `|`, and
    /// produce an `Invalid` command holding the raw text.
    fn run_command_parser(&mut self, start: usize, f: impl FnOnce(&mut Self) -> PResult<CommandKind>) -> CommandKind {
        match f(self) {
            Ok(kind) => kind,
            Err(d) => {
                self.diags.push(*d);
                self.recover();
                CommandKind::Invalid(self.src[start..self.pos].trim_end().to_string())
            }
        }
    }

    fn warn_generating_without_pipe(&mut self) {
        for g in GENERATING {
            if let Some(span) = self
                .at_keyword(g, false)
                .then(|| Span::new(self.pos, self.pos + g.len()))
            {
                self.diags.push(
                    Diagnostic::warning(
                        Code::Ambiguous,
                        span,
                        format!("`{g}` here is a search term, not the `{g}` command"),
                    )
                    .with_help(format!("write `| {g} ...` to run the command")),
                );
            }
        }
    }

    /// The error for a backtick macro call at `start` that reached the parser unexpanded; its span
    /// covers the call up to the closing backtick (or the end of the text).
    fn unexpanded_macro(&self, start: usize) -> Box<Diagnostic> {
        let end = self.src[start + 1..]
            .find('`')
            .map_or(self.src.len(), |i| start + 1 + i + 1);
        Box::new(
            Diagnostic::error(
                Code::UnexpandedMacro,
                Span::new(start, end),
                format!("macro {} was not expanded", &self.src[start..end]),
            )
            .with_help("define the macro (a macros/ YAML file or --macros FILE) so it can be expanded"),
        )
    }

    /// Parse a `[ ... ]` subsearch at the cursor.
    fn subsearch(&mut self) -> PResult<crate::ast::Subsearch> {
        let start = self.pos;
        if !self.eat('[') {
            return Err(Box::new(
                Diagnostic::error(
                    Code::MissingArgument,
                    self.token_span(),
                    format!("expected a subsearch in brackets, found {}", self.found()),
                )
                .with_help("write the subsearch as [ search ... ]"),
            ));
        }
        self.enter()?;
        self.bracket_depth += 1;
        let pipeline = self.pipeline(true);
        self.bracket_depth -= 1;
        self.leave();
        if !self.eat(']') {
            return Err(Box::new(
                Diagnostic::error(
                    Code::UnbalancedBracket,
                    Span::new(start, start + 1),
                    "subsearch `[` is never closed",
                )
                .with_primary_label("opened here")
                .with_help("add the closing `]`"),
            ));
        }
        Ok(crate::ast::Subsearch {
            pipeline,
            span: Span::new(start, self.pos),
        })
    }
}

/// Characters allowed in a bare field name in command arguments.
pub(crate) fn is_field_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, ',' | '|' | '(' | ')' | '[' | ']' | '=' | '"' | '\'' | '`' | '!'))
}

/// A short description of the character at the cursor for messages.
fn describe(c: Option<char>) -> String {
    match c {
        None => "the end of the search".into(),
        Some('|') => "`|`".into(),
        Some(c) if c.is_control() => format!("{c:?}"),
        Some(c) => format!("`{c}`"),
    }
}

/// The end of `src[start..end]` with trailing whitespace removed.
fn trim_end(src: &str, start: usize, end: usize) -> usize {
    let end = end.min(src.len());
    start + src.get(start..end).map_or(0, |s| s.trim_end().len())
}

/// The known name closest to `word`, ignoring ASCII case, for "did you mean" help: within two
/// edits, or a quarter of the name's length for long names, and never a complete rewrite.
#[must_use]
pub fn suggest<'k>(word: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    let word = word.to_ascii_lowercase();
    known
        .into_iter()
        .map(|k| (edit_distance(&word, &k.to_ascii_lowercase()), k))
        .filter(|&(d, k)| d <= 2.max(k.len() / 4) && d < k.len())
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

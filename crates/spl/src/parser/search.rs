//! The `search` expression language.
//!
//! Precedence (spl-semantics.md §3.3, from Splunk's docs): parentheses, then `NOT` (applies to the
//! one term after it), then `OR`, then `AND` — explicit or implied by whitespace. So
//! `resource=pods verb=create OR verb=update` is `resource=pods AND (verb=create OR verb=update)`.
//! Operators must be uppercase; lowercase `and`/`or`/`not` are ordinary search terms.

use super::{PResult, Parser, describe};
use crate::ast::{CommandKind, CompareOp, Directive, Field, Ident, SearchExpr, SearchValue};
use crate::{Code, Diagnostic, Span, timespec};

/// Field names that are time modifiers rather than fields when compared with `=`.
const TIME_MODIFIERS: &[&str] = &["earliest", "latest", "_index_earliest", "_index_latest"];

/// Where a search expression ends besides the end of the command.
#[derive(Clone, Copy, Default)]
pub(crate) struct SearchStop {
    /// Stop at the keyword `BY` (any case): the `WHERE` clause of `mstats`/`tstats`.
    pub(crate) at_by: bool,
}

impl Parser<'_> {
    /// `search <expr>`: the whole argument text of a search command.
    pub(super) fn search_command(&mut self) -> PResult<CommandKind> {
        self.skip_ws();
        if self.at_command_end() {
            return Ok(CommandKind::Search(None));
        }
        let expr = self.search_expr(SearchStop::default())?;
        self.skip_ws();
        if self.peek() == Some(')') {
            return Err(Box::new(
                Diagnostic::error(
                    Code::UnbalancedParen,
                    Span::new(self.pos, self.pos + 1),
                    "`)` without a matching `(`",
                )
                .with_primary_label("unmatched parenthesis")
                .with_help("remove it, or add the `(` that should open the group"),
            ));
        }
        Ok(CommandKind::Search(expr))
    }

    /// A conjunction of terms up to the end of the command, a `)` or a stop keyword.
    pub(crate) fn search_expr(&mut self, stop: SearchStop) -> PResult<Option<SearchExpr>> {
        let start = self.pos;
        let mut items = Vec::new();
        let mut pending_and: Option<Span> = None;
        loop {
            self.skip_ws();
            if self.at_command_end() || self.peek() == Some(')') || (stop.at_by && self.at_keyword("BY", true)) {
                break;
            }
            if let Some(span) = self.eat_keyword("AND", false) {
                if items.is_empty() || pending_and.is_some() {
                    return Err(Box::new(
                        Diagnostic::error(Code::UnexpectedToken, span, "`AND` needs a term on each side")
                            .with_primary_label("nothing to combine here"),
                    ));
                }
                pending_and = Some(span);
                continue;
            }
            items.push(self.search_or()?);
            pending_and = None;
        }
        if let Some(span) = pending_and {
            return Err(Box::new(
                Diagnostic::error(Code::ExpectedValue, span, "`AND` needs a term on each side")
                    .with_primary_label("nothing after this `AND`"),
            ));
        }
        Ok(match items.len() {
            0 => None,
            1 => items.pop(),
            _ => {
                let end = items.last().map_or(start, |e| e.span().end);
                let start = items.first().map_or(start, |e| e.span().start);
                Some(SearchExpr::And {
                    items,
                    span: Span::new(start, end),
                })
            }
        })
    }

    fn search_or(&mut self) -> PResult<SearchExpr> {
        let first = self.search_not()?;
        let mut items = vec![first];
        loop {
            let save = self.pos;
            self.skip_ws();
            let Some(or_span) = self.eat_keyword("OR", false) else {
                self.pos = save;
                break;
            };
            self.skip_ws();
            if self.at_command_end() || self.peek() == Some(')') {
                return Err(Box::new(
                    Diagnostic::error(Code::ExpectedValue, or_span, "`OR` needs a term on each side")
                        .with_primary_label("nothing after this `OR`"),
                ));
            }
            items.push(self.search_not()?);
        }
        if items.len() == 1 {
            return Ok(items.remove(0));
        }
        let span = items[0].span().to(items[items.len() - 1].span());
        Ok(SearchExpr::Or { items, span })
    }

    fn search_not(&mut self) -> PResult<SearchExpr> {
        self.skip_ws();
        if let Some(not_span) = self.eat_keyword("NOT", false) {
            self.skip_ws();
            if self.at_command_end() || self.peek() == Some(')') {
                return Err(Box::new(
                    Diagnostic::error(Code::ExpectedValue, not_span, "`NOT` needs a term after it")
                        .with_primary_label("nothing to negate"),
                ));
            }
            self.enter()?;
            let inner = self.search_not();
            self.leave();
            let inner = inner?;
            let span = not_span.to(inner.span());
            return Ok(SearchExpr::Not {
                expr: Box::new(inner),
                span,
            });
        }
        self.search_primary()
    }

    fn search_primary(&mut self) -> PResult<SearchExpr> {
        let start = self.pos;
        match self.peek() {
            Some('(') => {
                self.bump();
                self.enter()?;
                let inner = self.search_expr(SearchStop::default());
                self.leave();
                let inner = inner?;
                self.skip_ws();
                if !self.eat(')') {
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::UnbalancedParen,
                            Span::new(start, start + 1),
                            "`(` is never closed",
                        )
                        .with_primary_label("opened here")
                        .with_help("add the closing `)`"),
                    ));
                }
                let span = Span::new(start, self.pos);
                let Some(inner) = inner else {
                    return Err(Box::new(Diagnostic::error(
                        Code::ExpectedValue,
                        span,
                        "empty parentheses in a search",
                    )));
                };
                Ok(SearchExpr::Group {
                    expr: Box::new(inner),
                    span,
                })
            }
            Some(')') => Err(Box::new(
                Diagnostic::error(
                    Code::UnbalancedParen,
                    Span::new(start, start + 1),
                    "`)` without a matching `(`",
                )
                .with_primary_label("unmatched parenthesis"),
            )),
            Some(']') if self.bracket_depth == 0 => Err(Box::new(
                Diagnostic::error(
                    Code::UnbalancedBracket,
                    Span::new(start, start + 1),
                    "`]` without a matching `[`",
                )
                .with_primary_label("unmatched bracket")
                .with_help("remove it, or add the `[` that should open the subsearch"),
            )),
            Some('[') => {
                let sub = self.subsearch()?;
                Ok(SearchExpr::Subsearch {
                    pipeline: Box::new(sub.pipeline),
                    span: sub.span,
                })
            }
            Some('`') => Err(self.unexpanded_macro(start)),
            Some('=' | '<' | '>' | '!') if self.op_at_cursor().is_some() => Err(Box::new(
                Diagnostic::error(
                    Code::ExpectedField,
                    self.token_span(),
                    "comparison without a field name",
                )
                .with_primary_label("a field name is expected before this operator"),
            )),
            Some('"') => {
                let (text, span) = self.quoted()?;
                let value = SearchValue {
                    text,
                    quoted: true,
                    span,
                };
                self.after_word(value)
            }
            Some(_) => {
                // `a AND OR b`, `OR a`: an operator where a term should be. Read as a term it would
                // print back as an operator and change the search.
                if let Some(kw) = ["OR", "AND"].into_iter().find(|k| self.at_keyword(k, false)) {
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::UnexpectedToken,
                            Span::new(start, start + kw.len()),
                            format!("`{kw}` needs a term on each side"),
                        )
                        .with_primary_label(format!("no term before this `{kw}`"))
                        .with_help(format!(
                            "remove the extra operator; to search for the word {kw} itself, quote it: \"{kw}\""
                        )),
                    ));
                }
                if let Some(d) = self.directive()? {
                    return Ok(d);
                }
                let word = self.search_word()?;
                self.after_word(word)
            }
            None => Err(Box::new(Diagnostic::error(
                Code::ExpectedValue,
                Span::empty(start),
                "expected a search term",
            ))),
        }
    }

    /// After a word or quoted string: a comparison (`word=value`), an `IN` list, or a bare term.
    fn after_word(&mut self, word: SearchValue) -> PResult<SearchExpr> {
        let save = self.pos;
        self.skip_ws();
        if let Some(op) = self.op_at_cursor() {
            let op_start = self.pos;
            self.pos += op.as_str().len();
            let field = Field {
                name: word.text,
                quoted: word.quoted,
                span: word.span,
            };
            if field.name.is_empty() {
                return Err(Box::new(Diagnostic::error(
                    Code::ExpectedField,
                    field.span,
                    "empty field name",
                )));
            }
            self.skip_ws();
            if self.at_command_end() || self.peek() == Some(')') {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::ExpectedValue,
                        Span::new(op_start, op_start + op.as_str().len()),
                        format!("`{}{}` has no value", field.name, op.as_str()),
                    )
                    .with_primary_label("value expected after this operator")
                    .with_help(format!(
                        "to match an empty value write {}=\"\"; to match any value write {}=*",
                        field.name, field.name
                    )),
                ));
            }
            let value = if self.peek() == Some('"') {
                let (text, span) = self.quoted()?;
                SearchValue {
                    text,
                    quoted: true,
                    span,
                }
            } else {
                self.search_value()?
            };
            let span = field.span.to(value.span);
            return Ok(self.classify_comparison(field, op, value, span));
        }
        if self.at_keyword("IN", false) {
            let after_in = self.pos + 2;
            let rest = self.src[after_in..].trim_start();
            if rest.starts_with('(') {
                self.pos += 2;
                self.skip_ws();
                return self.in_list(word);
            }
        }
        self.pos = save;
        if !word.quoted && matches!(word.text.as_str(), "and" | "or" | "not" | "And" | "Or" | "Not") {
            self.diags.push(
                Diagnostic::warning(
                    Code::LowercaseOperator,
                    word.span,
                    format!(
                        "`{}` is searched for as a word, not used as a boolean operator",
                        word.text
                    ),
                )
                .with_help(format!(
                    "Splunk's search operators are uppercase: write `{}`; to search for the word, quote it",
                    word.text.to_ascii_uppercase()
                )),
            );
        }
        Ok(SearchExpr::Term(word))
    }

    fn classify_comparison(&mut self, field: Field, op: CompareOp, value: SearchValue, span: Span) -> SearchExpr {
        if !field.quoted && op == CompareOp::Eq && TIME_MODIFIERS.contains(&field.name.as_str()) {
            if let Err(msg) = timespec::TimeSpec::parse(&value.text) {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidTimeModifier,
                        value.span,
                        format!("invalid time for `{}`: {msg}", field.name),
                    )
                    .with_help(
                        "use a relative time such as -24h, -7d@d or @w0, an epoch number, `now`, or %m/%d/%Y:%H:%M:%S",
                    ),
                );
            }
            return SearchExpr::TimeModifier {
                name: Ident {
                    name: field.name,
                    span: field.span,
                },
                value,
                span,
            };
        }
        if op == CompareOp::Ne && value.text == "*" && !value.quoted {
            self.diags.push(
                Diagnostic::warning(
                    Code::NeverMatches,
                    span,
                    format!("`{}!=*` never matches any event", field.name),
                )
                .with_help(format!("to find events without the field, write NOT {}=*", field.name)),
            );
        }
        SearchExpr::Compare { field, op, value, span }
    }

    /// `( v1, v2, ... )` after `field IN`.
    fn in_list(&mut self, word: SearchValue) -> PResult<SearchExpr> {
        let open = self.pos;
        self.bump(); // `(`
        let mut values = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(',') {
                continue;
            }
            match self.peek() {
                Some(')') => {
                    self.bump();
                    break;
                }
                None | Some('|') => {
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::UnbalancedParen,
                            Span::new(open, open + 1),
                            "`IN (` list is never closed",
                        )
                        .with_primary_label("opened here")
                        .with_help("close the list with `)`"),
                    ));
                }
                Some('"') => {
                    let (text, span) = self.quoted()?;
                    values.push(SearchValue {
                        text,
                        quoted: true,
                        span,
                    });
                }
                Some(_) => values.push(self.in_word()?),
            }
        }
        let span = word.span.to(Span::new(open, self.pos));
        if values.is_empty() {
            return Err(Box::new(
                Diagnostic::error(Code::ExpectedValue, Span::new(open, self.pos), "empty `IN` list")
                    .with_primary_label("at least one value is needed"),
            ));
        }
        Ok(SearchExpr::In {
            field: Field {
                name: word.text,
                quoted: word.quoted,
                span: word.span,
            },
            values,
            span,
        })
    }

    /// A bare value inside an `IN` list: ends at whitespace, `,` or `)`.
    fn in_word(&mut self) -> PResult<SearchValue> {
        let start = self.pos;
        let text = self.bare_token(|c| c == ',' || c == ')');
        if text.is_empty() {
            return Err(self.error_here(
                Code::UnexpectedToken,
                format!("unexpected {} in `IN` list", describe(self.peek())),
            ));
        }
        Ok(SearchValue {
            text,
            quoted: false,
            span: Span::new(start, self.pos),
        })
    }

    /// A bare search word: ends at whitespace, `(`, `)`, `|`, a comparison operator, or `]` inside
    /// a subsearch. Backslash escapes keep the token going (`*\"privileged\":true*`).
    fn search_word(&mut self) -> PResult<SearchValue> {
        let start = self.pos;
        let in_sub = self.bracket_depth > 0;
        let text = self.bare_token(|c| matches!(c, '(' | ')' | '=' | '<' | '>') || (in_sub && c == ']'));
        if text.is_empty() {
            return Err(self.error_here(Code::UnexpectedToken, format!("unexpected {}", describe(self.peek()))));
        }
        Ok(SearchValue {
            text,
            quoted: false,
            span: Span::new(start, self.pos),
        })
    }

    /// Read an unquoted token, expanding `\"`, `\\` and `\|` and keeping other backslash pairs.
    /// Stops at whitespace, `|`, a `"` that is not escaped, `!=`, or any char for which `stop`
    /// is true.
    fn bare_token(&mut self, stop: impl Fn(char) -> bool) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                self.bump();
                match self.peek() {
                    Some(n @ ('"' | '\\' | '|')) => {
                        self.bump();
                        out.push(n);
                    }
                    Some(n) => {
                        self.bump();
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push('\\'),
                }
                continue;
            }
            if c.is_whitespace() || c == '|' || c == '"' || stop(c) || (c == '!' && self.peek_at(1) == Some('=')) {
                break;
            }
            self.bump();
            out.push(c);
        }
        out
    }

    /// A bare value after a comparison operator: like a word, but `=`, `<` and `>` belong to the
    /// value (`requestURI=/api?watch=1`).
    fn search_value(&mut self) -> PResult<SearchValue> {
        let start = self.pos;
        let in_sub = self.bracket_depth > 0;
        let text = self.bare_token(|c| c == ')' || (in_sub && c == ']'));
        if text.is_empty() {
            return Err(self.error_here(
                Code::ExpectedValue,
                format!("expected a value, found {}", describe(self.peek())),
            ));
        }
        Ok(SearchValue {
            text,
            quoted: false,
            span: Span::new(start, self.pos),
        })
    }

    /// The comparison operator at the cursor, if any.
    fn op_at_cursor(&self) -> Option<CompareOp> {
        let r = self.rest();
        if r.starts_with("!=") {
            Some(CompareOp::Ne)
        } else if r.starts_with("<=") {
            Some(CompareOp::Le)
        } else if r.starts_with(">=") {
            Some(CompareOp::Ge)
        } else if r.starts_with('=') {
            Some(CompareOp::Eq)
        } else if r.starts_with('<') {
            Some(CompareOp::Lt)
        } else if r.starts_with('>') {
            Some(CompareOp::Gt)
        } else {
            None
        }
    }

    /// `CASE(term)` or `TERM(term)`.
    fn directive(&mut self) -> PResult<Option<SearchExpr>> {
        let start = self.pos;
        let kind = if self.rest().starts_with("CASE(") {
            Directive::Case
        } else if self.rest().starts_with("TERM(") {
            Directive::Term
        } else {
            return Ok(None);
        };
        self.pos += 5;
        self.skip_ws();
        let value = if self.peek() == Some('"') {
            let (text, span) = self.quoted()?;
            SearchValue {
                text,
                quoted: true,
                span,
            }
        } else {
            let vstart = self.pos;
            let text = self.bare_token(|c| c == ')');
            SearchValue {
                text,
                quoted: false,
                span: Span::new(vstart, self.pos),
            }
        };
        self.skip_ws();
        if !self.eat(')') {
            return Err(Box::new(
                Diagnostic::error(
                    Code::UnbalancedParen,
                    Span::new(start, start + 5),
                    "directive is never closed",
                )
                .with_primary_label("opened here")
                .with_help("close it with `)`"),
            ));
        }
        if value.text.is_empty() {
            return Err(Box::new(Diagnostic::error(
                Code::ExpectedValue,
                Span::new(start, self.pos),
                "empty directive",
            )));
        }
        Ok(Some(SearchExpr::Directive {
            kind,
            value,
            span: Span::new(start, self.pos),
        }))
    }
}

//! Eval/where expressions: a Pratt parser.
//!
//! Precedence, loosest first: `XOR`, `OR`, `AND`, `NOT`, comparisons and `LIKE`/`IN`,
//! `+ - .`, `* / %`, unary minus. Keywords are accepted in any case (`where count=1 and x="y"`
//! appears in the corpus). Double quotes make string literals; single quotes make field names.

use super::{PResult, Parser, describe, suggest};
use crate::ast::{BinaryOp, Expr, Field, Ident, UnaryOp};
use crate::{Code, Diagnostic, Span, functions};

/// Binding power of prefix `NOT`: tighter than `AND`, looser than comparisons.
const NOT_POWER: u8 = 4;
/// Binding power of unary minus: tightest.
const NEG_POWER: u8 = 8;

impl Parser<'_> {
    /// Parse a full expression.
    pub(crate) fn expr(&mut self) -> PResult<Expr> {
        self.expr_bp(0)
    }

    fn expr_bp(&mut self, min: u8) -> PResult<Expr> {
        self.enter()?;
        let result = self.expr_bp_inner(min);
        self.leave();
        result
    }

    fn expr_bp_inner(&mut self, min: u8) -> PResult<Expr> {
        let mut lhs = self.prefix()?;
        loop {
            self.skip_ws();
            let Some((op, len)) = self.infix_at() else {
                // `x IN (a, b)`
                if self.at_eval_keyword("IN") && min <= 5 {
                    let in_start = self.pos;
                    self.pos += 2;
                    self.skip_ws();
                    if self.peek() != Some('(') {
                        return Err(Box::new(
                            Diagnostic::error(
                                Code::UnexpectedToken,
                                Span::new(in_start, in_start + 2),
                                "`IN` needs a parenthesised list",
                            )
                            .with_help("write x IN (\"a\", \"b\")"),
                        ));
                    }
                    let list = self.call_args()?;
                    let span = lhs.span().to(Span::new(in_start, self.pos));
                    lhs = Expr::In {
                        expr: Box::new(lhs),
                        list,
                        span,
                    };
                    continue;
                }
                break;
            };
            let power = op.precedence();
            // The right operand is parsed with `power + 1`, so an operator of equal power met
            // there returns to us: operators associate to the left.
            if power < min {
                break;
            }
            self.pos += len;
            let rhs = self.expr_bp(power + 1)?;
            let span = lhs.span().to(rhs.span());
            lhs = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                span,
            };
        }
        Ok(lhs)
    }

    /// The infix operator at the cursor and its length in bytes.
    fn infix_at(&self) -> Option<(BinaryOp, usize)> {
        let r = self.rest();
        let sym = [
            ("==", BinaryOp::Eq),
            ("!=", BinaryOp::Ne),
            ("<>", BinaryOp::Ne),
            ("<=", BinaryOp::Le),
            (">=", BinaryOp::Ge),
            ("=", BinaryOp::Eq),
            ("<", BinaryOp::Lt),
            (">", BinaryOp::Gt),
            ("+", BinaryOp::Add),
            ("-", BinaryOp::Sub),
            ("*", BinaryOp::Mul),
            ("/", BinaryOp::Div),
            ("%", BinaryOp::Mod),
        ];
        for (s, op) in sym {
            if r.starts_with(s) {
                return Some((op, s.len()));
            }
        }
        // `.` concatenates, unless it starts a number such as `.5` (which cannot follow an operand).
        if r.starts_with('.') {
            return Some((BinaryOp::Concat, 1));
        }
        for (kw, op) in [
            ("AND", BinaryOp::And),
            ("OR", BinaryOp::Or),
            ("XOR", BinaryOp::Xor),
            ("LIKE", BinaryOp::Like),
        ] {
            if self.at_eval_keyword(kw) {
                return Some((op, kw.len()));
            }
        }
        None
    }

    /// Whether the cursor is at the keyword `word` (any case). Unlike search, where `NOT-x` is one
    /// word, eval names end at any character that cannot continue a name, and so do keywords:
    /// `NOT-x` is `NOT -x`, not the field `NOT` minus `x` (which prints back as `NOT - x`).
    fn at_eval_keyword(&self, word: &str) -> bool {
        let rest = self.rest();
        rest.get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
            && !rest[word.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
    }

    fn prefix(&mut self) -> PResult<Expr> {
        self.skip_ws();
        let start = self.pos;
        if self.at_eval_keyword("NOT") {
            let span = Span::new(start, start + 3);
            self.pos += 3;
            let expr = self.expr_bp(NOT_POWER)?;
            let span = span.to(expr.span());
            return Ok(Expr::Unary {
                op: UnaryOp::Not,
                expr: Box::new(expr),
                span,
            });
        }
        match self.peek() {
            Some('!') if self.peek_at(1) != Some('=') => {
                self.bump();
                let expr = self.expr_bp(NOT_POWER)?;
                let span = Span::new(start, expr.span().end);
                Ok(Expr::Unary {
                    op: UnaryOp::Not,
                    expr: Box::new(expr),
                    span,
                })
            }
            Some(c @ ('-' | '+')) => {
                self.bump();
                let expr = self.expr_bp(NEG_POWER)?;
                let span = Span::new(start, expr.span().end);
                Ok(Expr::Unary {
                    op: if c == '-' { UnaryOp::Neg } else { UnaryOp::Plus },
                    expr: Box::new(expr),
                    span,
                })
            }
            Some('(') => {
                self.bump();
                let inner = self.expr_bp(0)?;
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
                Ok(Expr::Group {
                    expr: Box::new(inner),
                    span: Span::new(start, self.pos),
                })
            }
            Some('"') => {
                let (value, span) = self.quoted()?;
                Ok(Expr::Str { value, span })
            }
            Some('\'') => {
                let (name, span) = self.quoted()?;
                if name.is_empty() {
                    return Err(Box::new(Diagnostic::error(
                        Code::ExpectedField,
                        span,
                        "empty field name",
                    )));
                }
                Ok(Expr::Field(Field {
                    name,
                    quoted: true,
                    span,
                }))
            }
            Some(c) if c.is_ascii_digit() || (c == '.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit())) => {
                self.number()
            }
            Some(c) if c.is_alphabetic() || c == '_' => self.name_or_call(),
            Some('`') => Err(self.unexpanded_macro(start)),
            other => {
                let mut d = Diagnostic::error(
                    Code::ExpectedExpression,
                    self.token_span(),
                    format!("expected an expression, found {}", describe(other)),
                )
                .with_primary_label("expected a value, field or function call");
                if other.is_some_and(|c| matches!(c, '{' | '}' | ':' | '@')) {
                    d = d
                        .with_help("field names with special characters are written in single quotes: 'user.groups{}'");
                }
                Err(Box::new(d))
            }
        }
    }

    fn number(&mut self) -> PResult<Expr> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            } else {
                self.pos = save;
            }
        }
        if self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
            // `3rd`, `10s`: not a number; Splunk would read a field name, which is almost
            // certainly a mistake in an expression.
            while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                self.bump();
            }
            return Err(Box::new(
                Diagnostic::error(
                    Code::InvalidNumber,
                    Span::new(start, self.pos),
                    format!("`{}` is not a number", &self.src[start..self.pos]),
                )
                .with_help("quote it as a string (\"...\") or as a field name ('...')"),
            ));
        }
        Ok(Expr::Number {
            text: self.src[start..self.pos].to_string(),
            span: Span::new(start, self.pos),
        })
    }

    /// A bare name: a function call if `(` follows, else a field reference.
    fn name_or_call(&mut self) -> PResult<Expr> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.bump();
        }
        let name = Ident {
            name: self.src[start..self.pos].to_string(),
            span: Span::new(start, self.pos),
        };
        if self.peek() == Some('(') {
            let args = self.call_args()?;
            let span = Span::new(start, self.pos);
            self.check_call(&name, &args, span);
            return Ok(Expr::Call { name, args, span });
        }
        // `a.b` without quotes is `a` concatenated with `b` in eval, which is rarely what the
        // author meant.
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_alphabetic() || c == '_') {
            let end = self
                .rest()
                .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.')))
                .map_or(self.src.len(), |i| self.pos + i);
            let dotted = &self.src[start..end];
            self.diags.push(
                Diagnostic::warning(
                    Code::Ambiguous,
                    Span::new(start, end),
                    format!("`{dotted}` is read as fields concatenated with `.`, not as the field {dotted}"),
                )
                .with_help(format!("write '{dotted}' in single quotes to refer to the field")),
            );
        }
        Ok(Expr::Field(Field {
            name: name.name,
            quoted: false,
            span: name.span,
        }))
    }

    /// `( arg, arg, ... )` at the cursor.
    pub(super) fn call_args(&mut self) -> PResult<Vec<Expr>> {
        let open = self.pos;
        self.bump();
        let mut args = Vec::new();
        self.skip_ws();
        if self.eat(')') {
            return Ok(args);
        }
        loop {
            let arg = self.expr_bp(0)?;
            args.push(arg);
            self.skip_ws();
            if self.eat(',') {
                continue;
            }
            if self.eat(')') {
                return Ok(args);
            }
            return Err(Box::new(
                Diagnostic::error(
                    Code::UnbalancedParen,
                    self.token_span(),
                    format!("expected `,` or `)` in argument list, found {}", describe(self.peek())),
                )
                .with_label(Span::new(open, open + 1), "argument list opened here"),
            ));
        }
    }

    /// Check a call against the function table: known name, argument count, literal regexes.
    fn check_call(&mut self, name: &Ident, args: &[Expr], span: Span) {
        let lname = name.name.to_ascii_lowercase();
        let Some(f) = functions::lookup(&lname) else {
            let mut d = Diagnostic::error(
                Code::UnknownFunction,
                name.span,
                format!("unknown eval function `{}`", name.name),
            )
            .with_primary_label("not an eval function");
            if let Some(s) = suggest(&lname, functions::EVAL_FUNCTIONS.iter().map(|f| f.name)) {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            self.diags.push(d);
            return;
        };
        let n = args.len();
        if n < f.min_args || f.max_args.is_some_and(|m| n > m) {
            let expected = match f.max_args {
                Some(m) if m == f.min_args => format!("{m}"),
                Some(m) => format!("{} to {m}", f.min_args),
                None => format!("at least {}", f.min_args),
            };
            self.diags.push(
                Diagnostic::error(
                    Code::WrongArity,
                    span,
                    format!("`{}` takes {expected} argument(s), but {n} were given", f.name),
                )
                .with_help(format!("usage: {}", f.usage)),
            );
        }
        if let Some(i) = f.regex_arg
            && let Some(Expr::Str { value, span }) = args.get(i)
            && let Err(d) = functions::check_regex(value, *span)
        {
            self.diags.push(*d);
        }
        if lname == "in" {
            for a in args.iter().skip(1) {
                if let Expr::Str { value, span } = a
                    && value.contains('*')
                {
                    self.diags.push(
                        Diagnostic::warning(
                            Code::LiteralWildcard,
                            *span,
                            "`*` is a literal character in the eval `in` function",
                        )
                        .with_help("only the search command treats `*` as a wildcard; use like() with % in eval"),
                    );
                }
            }
        }
    }
}

impl Expr {
    /// Whether this expression is a bare field reference named `name`.
    #[must_use]
    pub fn is_field(&self, name: &str) -> bool {
        matches!(self, Expr::Field(f) if f.name == name)
    }
}

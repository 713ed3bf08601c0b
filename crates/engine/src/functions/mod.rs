//! Eval functions, one file each. Every function documents itself — usage, summary, and examples
//! that run as tests (see the test at the bottom) and are listed in `docs/spl.md`.
//!
//! A function receives its arguments unevaluated ([`Args`]) so that `if`, `case` and `coalesce`
//! evaluate only what they need and `mvfilter` can evaluate its condition once per value.

use std::sync::Arc;

use regex::Regex;

use crate::expr::{CExpr, Call, EvalContext, compile_regex};
use crate::row::Row;
use crate::value::{Text, Value};

pub(crate) mod case;
pub(crate) mod coalesce;
pub(crate) mod if_;
pub(crate) mod isnotnull;
pub(crate) mod isnull;
pub(crate) mod like;
pub(crate) mod null;

/// One eval function.
#[derive(Debug)]
pub struct Function {
    /// Lowercase name.
    pub name: &'static str,
    /// How to call it.
    pub usage: &'static str,
    /// What it returns, in a sentence.
    pub summary: &'static str,
    /// Fewest arguments.
    pub min_args: usize,
    /// Most arguments (`None`: any number).
    pub max_args: Option<usize>,
    /// Arguments that are regular expressions (compiled once when they are literals).
    pub regex_args: &'static [usize],
    /// Whether the result is a boolean (which `eval` cannot store, but `where` and `if` use).
    pub returns_bool: bool,
    /// Examples, run as tests.
    pub examples: &'static [Example],
    /// The implementation.
    pub call: fn(&Args<'_>) -> Option<Value>,
}

/// A worked example: evaluate `expr` on a row with `fields`, expect `result` (`None`: null).
/// Multivalue results are written as their values joined by `,` inside `[` `]`.
#[derive(Debug)]
pub struct Example {
    /// The expression.
    pub expr: &'static str,
    /// Field values of the row (a value written `[a,b]` is a multivalue).
    pub fields: &'static [(&'static str, &'static str)],
    /// The expected result.
    pub result: Option<&'static str>,
}

/// The arguments of one call, evaluated on demand.
pub struct Args<'a> {
    pub(crate) call: &'a Call,
    pub(crate) row: &'a Row,
    pub(crate) ctx: &'a EvalContext,
}

impl Args<'_> {
    /// Number of arguments.
    #[must_use]
    pub fn len(&self) -> usize {
        self.call.args.len()
    }

    /// Whether there are no arguments.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.call.args.is_empty()
    }

    /// Evaluate argument `i` (null when absent).
    #[must_use]
    pub fn value(&self, i: usize) -> Option<Value> {
        self.call.args.get(i)?.eval(self.row, self.ctx)
    }

    /// Evaluate argument `i` on another row (for `mvfilter`/`mvmap`, which evaluate per value).
    #[must_use]
    pub fn value_on(&self, i: usize, row: &Row) -> Option<Value> {
        self.call.args.get(i)?.eval(row, self.ctx)
    }

    /// Argument `i` as a number.
    #[must_use]
    pub fn number(&self, i: usize) -> Option<f64> {
        self.value(i)?.as_number()
    }

    /// Argument `i` as text; a multivalue gives its first value.
    #[must_use]
    pub fn text(&self, i: usize) -> Option<Text> {
        match self.value(i)? {
            Value::Multi(v) => v.into_iter().next(),
            other => Some(other.to_text()),
        }
    }

    /// Argument `i` as a condition: `Some(true)` only for the boolean true.
    #[must_use]
    pub fn truth(&self, i: usize) -> Option<bool> {
        crate::expr::truth(self.value(i).as_ref())
    }

    /// The compiled expression of argument `i`.
    #[must_use]
    pub fn expr(&self, i: usize) -> Option<&CExpr> {
        self.call.args.get(i)
    }

    /// Argument `i` as a regex: compiled once if it was a literal, otherwise now. An invalid
    /// pattern gives `None` (and so a null result), as an invalid regex in data cannot be fixed
    /// at compile time.
    #[must_use]
    pub fn regex(&self, i: usize) -> Option<Arc<Regex>> {
        if let Some(Some(re)) = self.call.regexes.get(i) {
            return Some(Arc::clone(re));
        }
        let pattern = self.text(i)?;
        compile_regex(&pattern).ok().map(Arc::new)
    }

    /// The row being evaluated.
    #[must_use]
    pub fn row(&self) -> &Row {
        self.row
    }

    /// The evaluation context (clock, time zone).
    #[must_use]
    pub fn ctx(&self) -> &EvalContext {
        self.ctx
    }
}

/// Every implemented function, sorted by name.
pub static FUNCTIONS: &[&Function] = &[
    &case::CASE,
    &coalesce::COALESCE,
    &if_::IF,
    &isnotnull::ISNOTNULL,
    &isnull::ISNULL,
    &like::LIKE,
    &null::NULL,
];

/// The function called `name` (lowercase).
#[must_use]
pub fn lookup(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().copied().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fields: &[(&str, &str)]) -> Row {
        let mut r = Row::new();
        for (k, v) in fields {
            if let Some(inner) = v.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                r.set(k, Value::Multi(inner.split(',').map(Text::from).collect()));
            } else {
                r.set(k, Value::str(v));
            }
        }
        r
    }

    fn render(v: Option<Value>) -> Option<String> {
        v.map(|v| match v {
            Value::Multi(vs) => format!("[{}]", vs.join(",")),
            other => other.to_text().to_string(),
        })
    }

    /// Every documented example holds.
    #[test]
    fn examples() {
        let ctx = EvalContext {
            now: 1_700_000_000.0,
            ..EvalContext::default()
        };
        for f in FUNCTIONS {
            assert!(!f.examples.is_empty(), "{} has no examples", f.name);
            for ex in f.examples {
                let (parsed, diags) = tripline_spl::parse_expression(ex.expr);
                assert!(diags.iter().all(|d| !d.is_error()), "{}: {diags:?}", ex.expr);
                let compiled = CExpr::compile(&parsed.unwrap()).unwrap();
                let got = render(compiled.eval(&row(ex.fields), &ctx));
                assert_eq!(got.as_deref(), ex.result, "{} on {:?}", ex.expr, ex.fields);
            }
        }
    }

    #[test]
    fn sorted_and_known_to_the_parser() {
        for w in FUNCTIONS.windows(2) {
            assert!(w[0].name < w[1].name);
        }
        for f in FUNCTIONS {
            let sig =
                tripline_spl::functions::lookup(f.name).unwrap_or_else(|| panic!("{} unknown to the parser", f.name));
            assert_eq!((sig.min_args, sig.max_args), (f.min_args, f.max_args), "{}", f.name);
        }
    }
}

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

pub(crate) mod abs;
pub(crate) mod case;
pub(crate) mod ceil;
pub(crate) mod ceiling;
pub(crate) mod cidrmatch;
pub(crate) mod coalesce;
pub(crate) mod exp;
pub(crate) mod false_;
pub(crate) mod floor;
pub(crate) mod if_;
pub(crate) mod in_;
pub(crate) mod ipmask;
pub(crate) mod isbool;
pub(crate) mod isint;
pub(crate) mod isnotnull;
pub(crate) mod isnull;
pub(crate) mod isnum;
pub(crate) mod isstr;
pub(crate) mod len;
pub(crate) mod like;
pub(crate) mod ln;
pub(crate) mod log;
pub(crate) mod lower;
pub(crate) mod ltrim;
pub(crate) mod match_;
pub(crate) mod max;
pub(crate) mod md5;
pub(crate) mod min;
pub(crate) mod mvappend;
pub(crate) mod mvcount;
pub(crate) mod mvdedup;
pub(crate) mod mvfilter;
pub(crate) mod mvfind;
pub(crate) mod mvindex;
pub(crate) mod mvjoin;
pub(crate) mod mvmap;
pub(crate) mod mvrange;
pub(crate) mod mvsort;
pub(crate) mod mvzip;
pub(crate) mod now;
pub(crate) mod null;
pub(crate) mod nullif;
pub(crate) mod pi;
pub(crate) mod pow;
pub(crate) mod printf;
pub(crate) mod relative_time;
pub(crate) mod replace;
pub(crate) mod round;
pub(crate) mod rtrim;
pub(crate) mod sha1;
pub(crate) mod sha256;
pub(crate) mod sha512;
pub(crate) mod spath;
pub(crate) mod split;
pub(crate) mod sqrt;
pub(crate) mod strftime;
pub(crate) mod strptime;
pub(crate) mod substr;
mod support;
pub(crate) mod tonumber;
pub(crate) mod tostring;
pub(crate) mod trim;
pub(crate) mod true_;
pub(crate) mod typeof_;
pub(crate) mod upper;
pub(crate) mod urldecode;

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
    &abs::ABS,
    &case::CASE,
    &ceil::CEIL,
    &ceiling::CEILING,
    &cidrmatch::CIDRMATCH,
    &coalesce::COALESCE,
    &exp::EXP,
    &false_::FALSE,
    &floor::FLOOR,
    &if_::IF,
    &in_::IN,
    &ipmask::IPMASK,
    &isbool::ISBOOL,
    &isint::ISINT,
    &isnotnull::ISNOTNULL,
    &isnull::ISNULL,
    &isnum::ISNUM,
    &isstr::ISSTR,
    &len::LEN,
    &like::LIKE,
    &ln::LN,
    &log::LOG,
    &lower::LOWER,
    &ltrim::LTRIM,
    &match_::MATCH,
    &max::MAX,
    &md5::MD5,
    &min::MIN,
    &mvappend::MVAPPEND,
    &mvcount::MVCOUNT,
    &mvdedup::MVDEDUP,
    &mvfilter::MVFILTER,
    &mvfind::MVFIND,
    &mvindex::MVINDEX,
    &mvjoin::MVJOIN,
    &mvmap::MVMAP,
    &mvrange::MVRANGE,
    &mvsort::MVSORT,
    &mvzip::MVZIP,
    &now::NOW,
    &null::NULL,
    &nullif::NULLIF,
    &pi::PI,
    &pow::POW,
    &printf::PRINTF,
    &relative_time::RELATIVE_TIME,
    &replace::REPLACE,
    &round::ROUND,
    &rtrim::RTRIM,
    &sha1::SHA1,
    &sha256::SHA256,
    &sha512::SHA512,
    &spath::SPATH,
    &split::SPLIT,
    &sqrt::SQRT,
    &strftime::STRFTIME,
    &strptime::STRPTIME,
    &substr::SUBSTR,
    &tonumber::TONUMBER,
    &tostring::TOSTRING,
    &trim::TRIM,
    &true_::TRUE,
    &typeof_::TYPEOF,
    &upper::UPPER,
    &urldecode::URLDECODE,
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

//! Compiled eval/where expressions and their evaluation.
//!
//! Evaluation never fails: as in Splunk, a type mismatch or a missing field gives null (`None`),
//! and `where` keeps a row only when its condition is true. Regular expressions given as literals
//! are compiled once, when the expression is compiled.

use std::sync::Arc;

use jiff::tz::TimeZone;
use regex::Regex;
use tripline_spl::ast::{BinaryOp, Expr, UnaryOp};

use crate::CompileError;
use crate::functions::{self, Function};
use crate::geoip::GeoIp;
use crate::row::Row;
use crate::value::{Text, Value, parse_number};

/// What a search runs with besides its rows: the time it started, the time zone, the GeoIP
/// database and lookup tables, and the bounds on its commands' state.
#[derive(Clone, Debug)]
pub struct EvalContext {
    /// `now()`: the time the search started, from the caller's clock; constant for a search.
    pub now: f64,
    /// Zone for `strftime`, `strptime`, `relative_time` and `convert` (UTC unless configured).
    pub tz: TimeZone,
    /// The IP geolocation database for `iplocation`; with none, `iplocation` adds no fields
    /// (see [`Plan::requires_geoip`](crate::plan::Plan::requires_geoip)).
    pub geoip: Option<Arc<dyn GeoIp>>,
    /// The lookup tables the `lookup` command can use (none unless configured).
    pub lookups: Arc<crate::lookup::LookupRegistry>,
    /// Bounds on the state of blocking commands, read when a plan is compiled.
    pub limits: crate::limits::Limits,
}

impl Default for EvalContext {
    fn default() -> Self {
        Self {
            now: 0.0,
            tz: TimeZone::UTC,
            geoip: None,
            lookups: Arc::default(),
            limits: crate::limits::Limits::default(),
        }
    }
}

/// A compiled expression.
#[derive(Clone, Debug)]
pub enum CExpr {
    /// A literal.
    Lit(Value),
    /// A field reference.
    Field(Text),
    /// `NOT x`, `-x`, `+x`.
    Unary(UnaryOp, Box<CExpr>),
    /// `a op b`.
    Binary(BinaryOp, Box<CExpr>, Box<CExpr>),
    /// `x IN (a, b)`.
    In(Box<CExpr>, Vec<CExpr>),
    /// A function call.
    Call(Call),
}

/// A compiled function call.
#[derive(Clone, Debug)]
pub struct Call {
    /// The function.
    pub func: &'static Function,
    /// Its arguments.
    pub args: Vec<CExpr>,
    /// For each argument: the regex it holds, when the function takes a regex there and the
    /// argument is a literal (compiled once).
    pub regexes: Vec<Option<Arc<Regex>>>,
}

impl CExpr {
    /// Compile an AST expression.
    ///
    /// # Errors
    /// An unknown function, a function Tripline does not implement, or an invalid literal regex.
    pub fn compile(e: &Expr) -> Result<CExpr, CompileError> {
        Ok(match e {
            Expr::Str { value, .. } => CExpr::Lit(Value::str(value)),
            Expr::Number { text, span } => {
                CExpr::Lit(Value::Num(parse_number(text).ok_or_else(|| {
                    CompileError::new(*span, format!("`{text}` is not a number"))
                })?))
            }
            Expr::Field(f) => CExpr::Field(Text::from(f.name.as_str())),
            Expr::Unary { op, expr, .. } => CExpr::Unary(*op, Box::new(CExpr::compile(expr)?)),
            Expr::Binary { op, lhs, rhs, span } => {
                if *op == BinaryOp::Like
                    && let Expr::Str { value, .. } = rhs.as_ref()
                {
                    // Compile the LIKE pattern once.
                    let re = like_regex(value).map_err(|m| CompileError::new(*span, m))?;
                    return Ok(CExpr::Call(Call {
                        func: &functions::like::LIKE,
                        args: vec![CExpr::compile(lhs)?, CExpr::compile(rhs)?],
                        regexes: vec![None, Some(Arc::new(re))],
                    }));
                }
                CExpr::Binary(*op, Box::new(CExpr::compile(lhs)?), Box::new(CExpr::compile(rhs)?))
            }
            Expr::In { expr, list, .. } => CExpr::In(
                Box::new(CExpr::compile(expr)?),
                list.iter().map(CExpr::compile).collect::<Result<_, _>>()?,
            ),
            Expr::Group { expr, .. } => CExpr::compile(expr)?,
            Expr::Call { name, args, span } => {
                let lname = name.name.to_ascii_lowercase();
                let func = functions::lookup(&lname).ok_or_else(|| {
                    CompileError::new(
                        name.span,
                        format!("the eval function `{}` is not supported by Tripline", name.name),
                    )
                })?;
                let args: Vec<CExpr> = args.iter().map(CExpr::compile).collect::<Result<_, _>>()?;
                if args.len() < func.min_args || func.max_args.is_some_and(|m| args.len() > m) {
                    return Err(CompileError::new(
                        *span,
                        format!("wrong number of arguments to `{}`", func.name),
                    ));
                }
                let mut regexes = vec![None; args.len()];
                for &i in func.regex_args {
                    if let Some(CExpr::Lit(Value::Str(pattern))) = args.get(i) {
                        let re = compile_regex(pattern).map_err(|m| CompileError::new(*span, m))?;
                        regexes[i] = Some(Arc::new(re));
                    }
                }
                // `like` takes a LIKE pattern, not a regex: a literal one is compiled once too, as
                // for the `LIKE` operator, rather than for every row.
                if std::ptr::eq(func, &functions::like::LIKE)
                    && let Some(CExpr::Lit(Value::Str(pattern))) = args.get(1)
                {
                    let re = like_regex(pattern).map_err(|m| CompileError::new(*span, m))?;
                    regexes[1] = Some(Arc::new(re));
                }
                CExpr::Call(Call { func, args, regexes })
            }
        })
    }

    /// Evaluate against a row. `None` is null.
    #[must_use]
    pub fn eval(&self, row: &Row, ctx: &EvalContext) -> Option<Value> {
        match self {
            CExpr::Lit(v) => Some(v.clone()),
            CExpr::Field(name) => row.get(name).cloned(),
            CExpr::Unary(op, e) => {
                let v = e.eval(row, ctx);
                match op {
                    UnaryOp::Not => truth(v.as_ref()).map(|b| Value::Bool(!b)),
                    UnaryOp::Neg => v?.as_number().map(|n| Value::Num(-n)),
                    UnaryOp::Plus => v?.as_number().map(Value::Num),
                }
            }
            CExpr::Binary(op, a, b) => binary(*op, a, b, row, ctx),
            CExpr::In(e, list) => {
                let v = e.eval(row, ctx)?;
                let mut any_null = false;
                for item in list {
                    match item.eval(row, ctx) {
                        Some(w) if equal(&v, &w) => return Some(Value::Bool(true)),
                        Some(_) => {}
                        None => any_null = true,
                    }
                }
                // Like SQL: not found among non-null values, but a null was present → unknown.
                if any_null { None } else { Some(Value::Bool(false)) }
            }
            CExpr::Call(call) => (call.func.call)(&functions::Args { call, row, ctx }),
        }
    }

    /// Evaluate as a condition: true only when the result is the boolean true.
    #[must_use]
    pub fn is_true(&self, row: &Row, ctx: &EvalContext) -> bool {
        matches!(self.eval(row, ctx), Some(Value::Bool(true)))
    }

    /// Every field name the expression reads.
    pub fn fields(&self, out: &mut Vec<Text>) {
        match self {
            CExpr::Lit(_) => {}
            CExpr::Field(n) => out.push(n.clone()),
            CExpr::Unary(_, e) => e.fields(out),
            CExpr::Binary(_, a, b) => {
                a.fields(out);
                b.fields(out);
            }
            CExpr::In(e, l) => {
                e.fields(out);
                l.iter().for_each(|x| x.fields(out));
            }
            CExpr::Call(c) => c.args.iter().for_each(|x| x.fields(out)),
        }
    }

    /// Whether the expression's value is a boolean (a comparison or a logical operator), which
    /// `eval` cannot store.
    #[must_use]
    pub fn is_boolean(&self) -> bool {
        match self {
            CExpr::Unary(UnaryOp::Not, _) | CExpr::In(..) => true,
            CExpr::Binary(op, ..) => op.is_comparison() || matches!(op, BinaryOp::And | BinaryOp::Or | BinaryOp::Xor),
            CExpr::Call(c) => c.func.returns_bool,
            _ => false,
        }
    }
}

/// The truth of a value in a logical operator: booleans only; anything else is unknown.
#[must_use]
pub fn truth(v: Option<&Value>) -> Option<bool> {
    match v {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    }
}

fn binary(op: BinaryOp, a: &CExpr, b: &CExpr, row: &Row, ctx: &EvalContext) -> Option<Value> {
    match op {
        // Three-valued logic, short-circuiting where the answer is already known.
        BinaryOp::And => {
            let x = truth(a.eval(row, ctx).as_ref());
            if x == Some(false) {
                return Some(Value::Bool(false));
            }
            let y = truth(b.eval(row, ctx).as_ref());
            match (x, y) {
                (_, Some(false)) => Some(Value::Bool(false)),
                (Some(true), Some(true)) => Some(Value::Bool(true)),
                _ => None,
            }
        }
        BinaryOp::Or => {
            let x = truth(a.eval(row, ctx).as_ref());
            if x == Some(true) {
                return Some(Value::Bool(true));
            }
            let y = truth(b.eval(row, ctx).as_ref());
            match (x, y) {
                (_, Some(true)) => Some(Value::Bool(true)),
                (Some(false), Some(false)) => Some(Value::Bool(false)),
                _ => None,
            }
        }
        BinaryOp::Xor => {
            let x = truth(a.eval(row, ctx).as_ref())?;
            let y = truth(b.eval(row, ctx).as_ref())?;
            Some(Value::Bool(x != y))
        }
        _ => {
            let x = a.eval(row, ctx)?;
            let y = b.eval(row, ctx)?;
            match op {
                BinaryOp::Eq => Some(Value::Bool(equal(&x, &y))),
                BinaryOp::Ne => Some(Value::Bool(not_equal(&x, &y))),
                BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => Some(Value::Bool(order_test(op, &x, &y))),
                BinaryOp::Like => {
                    let pattern = y.to_text();
                    let re = like_regex(&pattern).ok()?;
                    Some(Value::Bool(x.any_text(|s| re.is_match(s))))
                }
                BinaryOp::Add => match (x.as_number(), y.as_number()) {
                    (Some(m), Some(n)) => Some(Value::Num(m + n)),
                    _ => Some(concat(&x, &y)),
                },
                BinaryOp::Concat => Some(concat(&x, &y)),
                BinaryOp::Sub => arith(&x, &y, |m, n| Some(m - n)),
                BinaryOp::Mul => arith(&x, &y, |m, n| Some(m * n)),
                // Division and modulo by zero give null ([DOC] eval).
                BinaryOp::Div => arith(&x, &y, |m, n| (n != 0.0).then(|| m / n)),
                BinaryOp::Mod => arith(&x, &y, |m, n| (n != 0.0).then(|| m % n)),
                BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => None,
            }
        }
    }
}

fn arith(x: &Value, y: &Value, f: impl Fn(f64, f64) -> Option<f64>) -> Option<Value> {
    let r = f(x.as_number()?, y.as_number()?)?;
    r.is_finite().then_some(Value::Num(r))
}

fn concat(x: &Value, y: &Value) -> Value {
    let mut s = x.to_text();
    s.push_str(&y.to_text());
    Value::Str(s)
}

/// Scalar equality in eval: numerically when both look like numbers, else exact (case-sensitive)
/// text. A multivalue is equal when any of its values is.
#[must_use]
pub fn equal(x: &Value, y: &Value) -> bool {
    let yt = y.to_text();
    let yn = y.as_number();
    match x {
        Value::Multi(vs) => vs.iter().any(|s| scalar_eq(s, parse_number(s), &yt, yn)),
        _ => scalar_eq(&x.to_text(), x.as_number(), &yt, yn),
    }
}

fn scalar_eq(a: &str, an: Option<f64>, b: &str, bn: Option<f64>) -> bool {
    match (an, bn) {
        (Some(m), Some(n)) => m == n,
        _ => a == b,
    }
}

/// `!=` in eval: for a multivalue, true when any value differs (the reading spl-semantics.md
/// §3.9 item 2 takes for search too).
fn not_equal(x: &Value, y: &Value) -> bool {
    let yt = y.to_text();
    let yn = y.as_number();
    match x {
        Value::Multi(vs) => vs.iter().any(|s| !scalar_eq(s, parse_number(s), &yt, yn)),
        _ => !scalar_eq(&x.to_text(), x.as_number(), &yt, yn),
    }
}

fn order_test(op: BinaryOp, x: &Value, y: &Value) -> bool {
    let yt = y.to_text();
    let yn = y.as_number();
    let test = |s: &str| {
        let ord = match (parse_number(s), yn) {
            (Some(m), Some(n)) => m.partial_cmp(&n),
            _ => Some(s.cmp(yt.as_str())),
        };
        ord.is_some_and(|o| match op {
            BinaryOp::Lt => o.is_lt(),
            BinaryOp::Le => o.is_le(),
            BinaryOp::Gt => o.is_gt(),
            _ => o.is_ge(),
        })
    };
    match x {
        Value::Num(n) => test(&crate::value::format_number(*n)),
        other => other.any_text(test),
    }
}

/// Translate an SQL-style LIKE pattern (`%` any run, `_` one character) into an anchored regex.
///
/// # Errors
/// Never in practice; kept fallible because the regex size limit applies.
pub fn like_regex(pattern: &str) -> Result<Regex, String> {
    let mut re = String::with_capacity(pattern.len() + 8);
    re.push_str("(?s)^");
    for c in pattern.chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    re.push('$');
    Regex::new(&re).map_err(|e| format!("invalid LIKE pattern: {e}"))
}

/// Compile a Splunk (PCRE-style) regex with Rust's linear-time engine: every user regex the
/// engine runs (`rex`, `rex mode=sed`, `match`, `replace`, `mvfind`, literal or computed) goes
/// through here. [`tripline_spl::pcre::compile`] gives `\d`, `\s`, `\w` and `\b` PCRE's ASCII
/// meaning and applies the size limit the parser's check applies.
///
/// # Errors
/// The pattern is invalid, uses look-around/back-references, or compiles too large.
pub fn compile_regex(pattern: &str) -> Result<Regex, String> {
    tripline_spl::pcre::compile(pattern).map_err(|e| format!("invalid regular expression `{pattern}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::CExpr;

    #[test]
    fn literal_like_patterns_are_compiled_once() {
        for text in [r#"like(uri, "/api%")"#, r#"uri LIKE "/api%""#] {
            let (parsed, _) = tripline_spl::parse_expression(text);
            let compiled = CExpr::compile(&parsed.unwrap()).unwrap();
            let CExpr::Call(call) = compiled else {
                panic!("{text}: {compiled:?}")
            };
            assert!(call.regexes[1].is_some(), "{text}");
        }
        // A pattern from a field is compiled when the row is seen.
        let (parsed, _) = tripline_spl::parse_expression("like(uri, pattern)");
        let CExpr::Call(call) = CExpr::compile(&parsed.unwrap()).unwrap() else {
            panic!()
        };
        assert!(call.regexes[1].is_none());
    }
}

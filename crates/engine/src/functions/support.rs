//! Helpers shared by several eval functions.

use crate::value::{Text, Value};

/// A computed number; infinities and NaN (overflow, `0/0`) are null, as Splunk never stores them.
pub(super) fn num(n: f64) -> Option<Value> {
    n.is_finite().then_some(Value::Num(n))
}

/// A list of values as one field value: null when empty, a single value when one.
pub(super) fn collect(values: Vec<Text>) -> Option<Value> {
    (!values.is_empty()).then(|| Value::multi(values))
}

/// Lowercase hexadecimal of a digest.
pub(super) fn hex(bytes: &[u8]) -> Value {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Text::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    Value::Str(out)
}

/// An integral argument (`substr` positions, `round` digits): the number truncated toward zero,
/// or null when it is not a number or does not fit.
pub(super) fn integer(n: f64) -> Option<i64> {
    let t = n.trunc();
    (t.is_finite() && t.abs() < 9.0e15).then_some(t as i64)
}

#[cfg(test)]
pub(super) mod test {
    //! Evaluating expressions in unit tests.

    use crate::expr::{CExpr, EvalContext};
    use crate::row::Row;
    use crate::value::{Text, Value};

    /// A row from `(name, value)` pairs; a value written `[a,b]` is a multivalue.
    pub(crate) fn row(fields: &[(&str, &str)]) -> Row {
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

    /// Evaluate `expr` on a row with `fields` (at `now()` = 1 700 000 000, in UTC).
    pub(crate) fn eval(expr: &str, fields: &[(&str, &str)]) -> Option<Value> {
        let (parsed, diags) = tripline_spl::parse_expression(expr);
        assert!(diags.iter().all(|d| !d.is_error()), "{expr}: {diags:?}");
        let compiled = CExpr::compile(&parsed.expect("parsed")).expect("compiles");
        let ctx = EvalContext {
            now: 1_700_000_000.0,
            ..EvalContext::default()
        };
        compiled.eval(&row(fields), &ctx)
    }

    /// `eval` rendered as the examples are: a multivalue as `[a,b]`.
    pub(crate) fn text(expr: &str, fields: &[(&str, &str)]) -> Option<String> {
        eval(expr, fields).map(|v| match v {
            Value::Multi(vs) => format!("[{}]", vs.join(",")),
            other => other.to_text().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::{CExpr, Call, EvalContext};
    use crate::functions::FUNCTIONS;
    use crate::row::Row;
    use crate::value::{Text, Value};

    /// Every function, at every arity it accepts (up to four arguments), with awkward arguments,
    /// returns without panicking.
    #[test]
    fn no_function_panics_on_odd_input() {
        let pool: Vec<CExpr> = [
            Value::str(""),
            Value::str("%"),
            Value::str("%*.*999999999lld%#'-+ 0g%c%"),
            Value::str("{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\"}"),
            Value::str("a{1}{2}.b{}{0}"),
            Value::str("\\9\\\\$0${1}"),
            Value::str("(?i)["),
            Value::str("-1d@w9"),
            Value::str("::ffff:1.2.3.4/200"),
            Value::str("ü€𝄞\u{0}\t"),
            Value::str("-0x"),
            Value::str("1e308"),
            Value::Num(-0.0),
            Value::Num(1e300),
            Value::Num(-1e300),
            Value::Num(-9.5),
            Value::Num(2.5),
            Value::Num(37.0),
            Value::Bool(true),
            Value::Multi(vec![]),
            Value::Multi(vec![Text::from("10.0.0.1"), Text::from(""), Text::from("x")]),
        ]
        .into_iter()
        .map(CExpr::Lit)
        .chain([CExpr::Field("mv".into()), CExpr::Field("missing".into())])
        .collect();
        let mut row = Row::new();
        row.set("mv", Value::Multi(vec!["b".into(), "a".into(), "b".into()]));
        let ctx = EvalContext::default();
        for f in FUNCTIONS {
            let max = f.max_args.unwrap_or(4).min(4);
            for arity in f.min_args..=max {
                // Every pair for the first two arguments; later ones vary with them.
                let n = pool.len();
                let pick = |seed: usize, k: usize| match k {
                    0 => seed % n,
                    1 => seed / n % n,
                    _ => (seed + k * 7) % n,
                };
                let combos = if arity >= 2 { n * n } else { n };
                for seed in 0..combos {
                    let args: Vec<CExpr> = (0..arity).map(|k| pool[pick(seed, k)].clone()).collect();
                    let call = CExpr::Call(Call {
                        func: f,
                        regexes: vec![None; args.len()],
                        args,
                    });
                    let _ = call.eval(&row, &ctx);
                }
            }
        }
    }
}

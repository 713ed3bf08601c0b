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

//! `tonumber(text[, base])`.

use super::support::integer;
use super::{Args, Example, Function};
use crate::value::{Value, parse_number};

/// `tonumber`.
pub(crate) static TONUMBER: Function = Function {
    name: "tonumber",
    usage: "tonumber(text[, base])",
    summary: "The text read as a number, or null when it is not one. In base 10 (the default) it may have a sign, a fraction and an exponent; in another base (2 to 36) it must be an integer, digits above 9 being letters in either case, with an optional `0x` prefix in base 16. Spaces around the text are ignored; thousands separators are not accepted. A base outside 2 to 36 gives null.",
    min_args: 1,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "tonumber('responseStatus.code') >= 400",
            fields: &[("responseStatus.code", "403")],
            result: Some("true"),
        },
        Example {
            expr: r#"tonumber("0A4", 16)"#,
            fields: &[],
            result: Some("164"),
        },
        Example {
            expr: r#"tonumber(mode, 8)"#,
            fields: &[("mode", "0644")],
            result: Some("420"),
        },
        Example {
            expr: "tonumber(userAgent)",
            fields: &[("userAgent", "kubectl/v1.29.2")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let value = args.value(0)?;
    let base = if args.len() > 1 { integer(args.number(1)?)? } else { 10 };
    if !(2..=36).contains(&base) {
        return None;
    }
    let text = match value {
        Value::Bool(_) => return None,
        Value::Num(n) if base == 10 => return Some(Value::Num(n)),
        Value::Multi(vs) => vs.into_iter().next()?,
        other => other.to_text(),
    };
    let text = text.trim();
    if base == 10 {
        return parse_number(text).map(Value::Num);
    }
    // 2 <= base <= 36.
    radix(text, base as u32).map(Value::Num)
}

fn radix(text: &str, base: u32) -> Option<f64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let digits = if base == 16 {
        digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
            .unwrap_or(digits)
    } else {
        digits
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: u128 = 0;
    for c in digits.chars() {
        n = n
            .checked_mul(u128::from(base))?
            .checked_add(u128::from(c.to_digit(base)?))?;
    }
    let n = n as f64;
    Some(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    #[test]
    fn bases() {
        assert_eq!(text(r#"tonumber("ff", 16)"#, &[]).as_deref(), Some("255"));
        assert_eq!(text(r#"tonumber("0xFF", 16)"#, &[]).as_deref(), Some("255"));
        assert_eq!(text(r#"tonumber("-101", 2)"#, &[]).as_deref(), Some("-5"));
        assert_eq!(text(r#"tonumber("z", 36)"#, &[]).as_deref(), Some("35"));
        assert_eq!(text(r#"tonumber("12", 2)"#, &[]), None);
        assert_eq!(text(r#"tonumber("1.5", 16)"#, &[]), None);
        assert_eq!(text(r#"tonumber("1", 37)"#, &[]), None);
        assert_eq!(text(r#"tonumber("1", 1)"#, &[]), None);
        assert_eq!(text(r#"tonumber("", 16)"#, &[]), None);
        assert_eq!(text(r#"tonumber("-", 16)"#, &[]), None);
        assert_eq!(text(&format!("tonumber(\"{}\", 16)", "f".repeat(40)), &[]), None);
    }

    #[test]
    fn decimal() {
        assert_eq!(text(r#"tonumber(" 1.5e3 ")"#, &[]).as_deref(), Some("1500"));
        assert_eq!(text(r#"tonumber("1,000")"#, &[]), None);
        assert_eq!(text(r#"tonumber("0x10")"#, &[]), None);
        assert_eq!(text("tonumber(10, 16)", &[]).as_deref(), Some("16"));
        assert_eq!(text("tonumber(1 == 1)", &[]), None);
        assert_eq!(text("tonumber(mv)", &[("mv", "[7,8]")]).as_deref(), Some("7"));
    }
}

//! `tostring(value[, "hex"|"commas"|"duration"])`.

use std::fmt::Write;

use super::support::integer;
use super::{Args, Example, Function};
use crate::value::{Text, Value, format_number};

/// `tostring`.
pub(crate) static TOSTRING: Function = Function {
    name: "tostring",
    usage: "tostring(value[, \"hex\"|\"commas\"|\"duration\"])",
    summary: "The value as text. A number is shown as eval displays it (`1.50` computed is `1.5`); a boolean is `True` or `False`; text and multivalues are returned as they are. With a format the value must be a number: `hex` gives the integer part in uppercase hexadecimal with a `0x` prefix (`-0x1F` when negative); `commas` groups thousands and rounds to two decimals unless the number is whole (`12,345.68`, `1,234`); `duration` reads seconds as `HH:MM:SS`, with a `D+` prefix for whole days and six decimal places when there is a fraction (`1+02:03:04`, `00:00:01.500000`). An unknown format, or a format applied to text that is not a number, gives null.",
    min_args: 1,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#""status " . tostring('responseStatus.code')"#,
            fields: &[("responseStatus.code", "403")],
            result: Some("status 403"),
        },
        Example {
            expr: "tostring(requestBytes / 3)",
            fields: &[("requestBytes", "10")],
            result: Some("3.33333333333333"),
        },
        Example {
            expr: r#"tostring(1 == 1) . " " . tostring(15, "hex") . " " . tostring(12345.6789, "commas")"#,
            fields: &[],
            result: Some("True 0xF 12,345.68"),
        },
        Example {
            expr: r#"tostring(latency, "duration")"#,
            fields: &[("latency", "615")],
            result: Some("00:10:15"),
        },
        Example {
            expr: r#"tostring(tokenAge, "duration")"#,
            fields: &[("tokenAge", "93784")],
            result: Some("1+02:03:04"),
        },
        Example {
            expr: r#"tostring(userAgent, "hex")"#,
            fields: &[("userAgent", "kubectl")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let value = args.value(0)?;
    if args.len() < 2 {
        return Some(match value {
            Value::Bool(b) => Value::str(if b { "True" } else { "False" }),
            Value::Num(n) => Value::Str(format_number(n)),
            other => other,
        });
    }
    let format = args.text(1)?;
    let n = value.as_number()?;
    let out = match format.to_ascii_lowercase().as_str() {
        "hex" => hex(n)?,
        "commas" => commas(n),
        "duration" => duration(n)?,
        _ => return None,
    };
    Some(Value::Str(out))
}

fn hex(n: f64) -> Option<Text> {
    let i = integer(n)?;
    let mut out = Text::default();
    let _ = write!(out, "{}0x{:X}", if i < 0 { "-" } else { "" }, i.unsigned_abs());
    Some(out)
}

fn commas(n: f64) -> Text {
    let digits = if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n:.2}")
    };
    let (sign, unsigned) = match digits.strip_prefix('-') {
        // `-0.00`: the sign of a value that rounds to zero is dropped.
        Some(rest) if rest.bytes().any(|b| matches!(b, b'1'..=b'9')) => ("-", rest),
        Some(rest) => ("", rest),
        None => ("", digits.as_str()),
    };
    let (int, frac) = unsigned.split_once('.').map_or((unsigned, None), |(i, f)| (i, Some(f)));
    let mut out = Text::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

fn duration(n: f64) -> Option<Text> {
    let micros = (n.abs() * 1e6).round();
    if !micros.is_finite() || micros > 9.0e18 {
        return None;
    }
    // 0 <= micros <= 9e18 < u64::MAX.
    let micros = micros as u64;
    let (secs, frac) = (micros / 1_000_000, micros % 1_000_000);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let mut out = Text::default();
    if n < 0.0 && micros > 0 {
        out.push('-');
    }
    if days > 0 {
        let _ = write!(out, "{days}+");
    }
    let _ = write!(out, "{:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    if frac > 0 {
        let _ = write!(out, ".{frac:06}");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    fn fmt(n: &str, format: &str) -> Option<String> {
        text(&format!("tostring(n, \"{format}\")"), &[("n", n)])
    }

    #[test]
    fn hex() {
        assert_eq!(fmt("255", "hex").as_deref(), Some("0xFF"));
        assert_eq!(fmt("0", "hex").as_deref(), Some("0x0"));
        assert_eq!(fmt("-31.9", "hex").as_deref(), Some("-0x1F"));
        assert_eq!(fmt("1e300", "hex"), None);
        assert_eq!(fmt("255", "HEX").as_deref(), Some("0xFF"));
    }

    #[test]
    fn commas() {
        assert_eq!(fmt("1234567", "commas").as_deref(), Some("1,234,567"));
        assert_eq!(fmt("-1234567.891", "commas").as_deref(), Some("-1,234,567.89"));
        assert_eq!(fmt("999.999", "commas").as_deref(), Some("1,000.00"));
        assert_eq!(fmt("0.5", "commas").as_deref(), Some("0.50"));
        assert_eq!(fmt("-0.001", "commas").as_deref(), Some("0.00"));
        assert_eq!(fmt("100", "commas").as_deref(), Some("100"));
        assert_eq!(fmt("1e20", "commas").as_deref(), Some("100,000,000,000,000,000,000"));
    }

    #[test]
    fn duration() {
        assert_eq!(fmt("0", "duration").as_deref(), Some("00:00:00"));
        assert_eq!(fmt("86399", "duration").as_deref(), Some("23:59:59"));
        assert_eq!(fmt("86400", "duration").as_deref(), Some("1+00:00:00"));
        assert_eq!(fmt("1.5", "duration").as_deref(), Some("00:00:01.500000"));
        assert_eq!(fmt("-90", "duration").as_deref(), Some("-00:01:30"));
        assert_eq!(fmt("1e300", "duration"), None);
    }

    #[test]
    fn plain() {
        assert_eq!(text("tostring(mv)", &[("mv", "[a,b]")]).as_deref(), Some("[a,b]"));
        assert_eq!(text("tostring(x)", &[("x", "1.50")]).as_deref(), Some("1.50"));
        assert_eq!(text("tostring(1 > 2)", &[]).as_deref(), Some("False"));
        assert_eq!(text("tostring(missing)", &[]), None);
        assert_eq!(fmt("5", "binary"), None);
    }
}

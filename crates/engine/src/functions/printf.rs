//! `printf("format", value, ...)`.

use std::fmt::Write;

use super::{Args, Example, Function};
use crate::value::Value;

/// Widths and precisions above this are clamped, so a format cannot ask for gigabytes.
const MAX_WIDTH: usize = 1000;

/// `printf`.
pub(crate) static PRINTF: Function = Function {
    name: "printf",
    usage: "printf(\"format\", value, ...)",
    summary: "Text built from a C-style format. Conversions: `%d` `%i` `%u` (integers, truncated toward zero), `%o` `%x` `%X` (unsigned, negatives as 64-bit two's complement), `%f` `%F` `%e` `%E` `%g` `%G`, `%s`, `%c` (a character code or the first character of a text) and `%%`; flags `-` `+` space `0` `#` and `'` (thousands separators); width and precision, also as `*` taken from the arguments. Length modifiers (`l`, `ll`, `h`...) are accepted and ignored; any other conversion (`%a`) is copied as written. A null or missing argument prints as empty text; text that is not a number prints as 0 in a numeric conversion. Widths and precisions are capped at 1000.",
    min_args: 1,
    max_args: None,
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"printf("%s %s %s -> %d", 'user.username', verb, 'objectRef.resource', 'responseStatus.code')"#,
            fields: &[
                ("user.username", "alice"),
                ("verb", "delete"),
                ("objectRef.resource", "secrets"),
                ("responseStatus.code", "403"),
            ],
            result: Some("alice delete secrets -> 403"),
        },
        Example {
            expr: r#"printf("%.2f%%", ratio * 100)"#,
            fields: &[("ratio", "0.12345")],
            result: Some("12.35%"),
        },
        Example {
            expr: r#"printf("%-8s|%5d|%05.1f|%#x", verb, code, latency, code)"#,
            fields: &[("verb", "get"), ("code", "255"), ("latency", "3.14159")],
            result: Some("get     |  255|003.1|0xff"),
        },
        Example {
            expr: r#"printf("%'d bytes", size)"#,
            fields: &[("size", "1234567")],
            result: Some("1,234,567 bytes"),
        },
        Example {
            expr: r#"printf("user=%s", 'user.username')"#,
            fields: &[],
            result: Some("user="),
        },
    ],
    call,
};

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    alt: bool,
    group: bool,
    width: usize,
    precision: Option<usize>,
}

fn call(args: &Args<'_>) -> Option<Value> {
    let format = args.text(0)?;
    let mut next = 1;
    let mut take = || {
        let v = args.value(next);
        next += 1;
        v
    };
    let bytes = format.as_bytes();
    let mut out = String::with_capacity(format.len() + 16);
    let mut i = 0;
    while i < bytes.len() {
        let Some(offset) = format[i..].find('%') else {
            out.push_str(&format[i..]);
            break;
        };
        out.push_str(&format[i..i + offset]);
        let start = i + offset;
        i = start + 1;
        let mut spec = Spec::default();
        while let Some(&b) = bytes.get(i) {
            match b {
                b'-' => spec.left = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'0' => spec.zero = true,
                b'#' => spec.alt = true,
                b'\'' => spec.group = true,
                _ => break,
            }
            i += 1;
        }
        if bytes.get(i) == Some(&b'*') {
            i += 1;
            let w = take().and_then(|v| v.as_number()).unwrap_or(0.0);
            spec.left |= w < 0.0;
            spec.width = clamp(w.abs());
        } else {
            spec.width = digits(bytes, &mut i);
        }
        if bytes.get(i) == Some(&b'.') {
            i += 1;
            spec.precision = if bytes.get(i) == Some(&b'*') {
                i += 1;
                // A negative precision from the arguments means none, as in C.
                take().and_then(|v| v.as_number()).filter(|p| *p >= 0.0).map(clamp)
            } else {
                Some(digits(bytes, &mut i))
            };
        }
        while matches!(bytes.get(i), Some(b'h' | b'l' | b'L' | b'q' | b'j' | b'z' | b't')) {
            i += 1;
        }
        // Flags, widths and modifiers are ASCII, so `i` is on a character boundary.
        let Some(conversion) = format[i..].chars().next() else {
            out.push_str(&format[start..]);
            break;
        };
        i += conversion.len_utf8();
        let body = match conversion {
            '%' => {
                out.push('%');
                continue;
            }
            's' => take().map(|v| string(&v, &spec)),
            'c' => take().map(|v| character(&v)),
            'd' | 'i' | 'u' | 'o' | 'x' | 'X' | 'f' | 'F' | 'e' | 'E' | 'g' | 'G' => {
                take().map(|v| number(conversion, v.as_number().unwrap_or(0.0), &spec))
            }
            _ => {
                // Not a conversion Tripline knows (`%a`): copy it as written.
                out.push_str(&format[start..i]);
                continue;
            }
        };
        pad(&mut out, body.as_deref().unwrap_or(""), &spec);
    }
    Some(Value::str(&out))
}

fn clamp(n: f64) -> usize {
    // 0 <= n, and the cap keeps it small.
    n.min(MAX_WIDTH as f64) as usize
}

fn digits(bytes: &[u8], i: &mut usize) -> usize {
    let mut n = 0usize;
    while let Some(d) = bytes.get(*i).filter(|b| b.is_ascii_digit()) {
        n = (n * 10 + usize::from(d - b'0')).min(MAX_WIDTH);
        *i += 1;
    }
    n
}

fn string(v: &Value, spec: &Spec) -> String {
    let text = match v {
        Value::Multi(vs) => vs.first().cloned().unwrap_or_default(),
        other => other.to_text(),
    };
    match spec.precision {
        Some(p) => text.chars().take(p).collect(),
        None => text.to_string(),
    }
}

fn character(v: &Value) -> String {
    match v {
        Value::Num(n) => u32::try_from(n.trunc() as i64)
            .ok()
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_default(),
        other => other.to_text().chars().next().map(String::from).unwrap_or_default(),
    }
}

/// A numeric conversion, without the width padding (but with zero padding, which goes between
/// the sign and the digits and so is applied here).
fn number(conversion: char, n: f64, spec: &Spec) -> String {
    let (mut sign, mut digits) = match conversion {
        'd' | 'i' => {
            let i = n.trunc() as i64;
            (sign(i < 0, spec), integer_digits(i.unsigned_abs().to_string(), spec))
        }
        'u' | 'o' | 'x' | 'X' => {
            // Negative values wrap as C's unsigned conversions do.
            let u = (n.trunc() as i64).cast_unsigned();
            let body = match conversion {
                'u' => u.to_string(),
                'o' => format!("{u:o}"),
                'x' => format!("{u:x}"),
                _ => format!("{u:X}"),
            };
            let mut body = integer_digits(body, spec);
            if spec.alt && u != 0 {
                match conversion {
                    'o' if !body.starts_with('0') => body.insert(0, '0'),
                    'x' => body.insert_str(0, "0x"),
                    'X' => body.insert_str(0, "0X"),
                    _ => {}
                }
            }
            (String::new(), body)
        }
        _ => (sign(n < 0.0, spec), float(conversion, n.abs(), spec)),
    };
    if spec.zero && !spec.left && !(spec.precision.is_some() && matches!(conversion, 'd' | 'i' | 'u' | 'o' | 'x' | 'X'))
    {
        let prefix = if digits.starts_with("0x") || digits.starts_with("0X") {
            2
        } else {
            0
        };
        let len = sign.len() + digits.chars().count();
        if len < spec.width && n.is_finite() {
            digits.insert_str(prefix, &"0".repeat(spec.width - len));
        }
    }
    sign.push_str(&digits);
    sign
}

fn sign(negative: bool, spec: &Spec) -> String {
    String::from(if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    })
}

/// Integer digits with the precision's minimum count and `'` grouping.
fn integer_digits(mut digits: String, spec: &Spec) -> String {
    if let Some(p) = spec.precision {
        if p == 0 && digits == "0" {
            digits.clear();
        } else if digits.len() < p {
            digits.insert_str(0, &"0".repeat(p - digits.len()));
        }
    }
    if spec.group { group(&digits) } else { digits }
}

fn group(int: &str) -> String {
    let mut out = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `%f`, `%e`, `%g` of a non-negative number.
fn float(conversion: char, x: f64, spec: &Spec) -> String {
    if !x.is_finite() {
        let s = if x.is_nan() { "nan" } else { "inf" };
        return if conversion.is_ascii_uppercase() {
            s.to_ascii_uppercase()
        } else {
            s.into()
        };
    }
    let precision = spec.precision.unwrap_or(6);
    let upper = conversion.is_ascii_uppercase();
    match conversion {
        'f' | 'F' => fixed(x, precision, spec),
        'e' | 'E' => scientific(x, precision, spec.alt, upper),
        _ => {
            let p = precision.max(1);
            let exponent = exponent_of(x, p - 1);
            let mut s = if exponent < -4 || exponent >= p as i64 {
                scientific(x, p - 1, spec.alt, upper)
            } else {
                // -4 <= exponent < p.
                fixed(x, (p as i64 - 1 - exponent) as usize, spec)
            };
            if !spec.alt {
                s = strip_zeros(&s);
            }
            s
        }
    }
}

fn fixed(x: f64, precision: usize, spec: &Spec) -> String {
    let s = format!("{x:.precision$}");
    let (int, frac) = s.split_once('.').map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = if spec.group { group(int) } else { int.to_owned() };
    match frac {
        Some(f) => {
            out.push('.');
            out.push_str(f);
        }
        None if spec.alt => out.push('.'),
        None => {}
    }
    out
}

/// The decimal exponent `x` has once rounded to `precision` digits after the first.
fn exponent_of(x: f64, precision: usize) -> i64 {
    let s = format!("{x:.precision$e}");
    s.rsplit_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0)
}

fn scientific(x: f64, precision: usize, alt: bool, upper: bool) -> String {
    let s = format!("{x:.precision$e}");
    let (mantissa, exponent) = s.rsplit_once('e').unwrap_or((s.as_str(), "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let mut out = String::from(mantissa);
    if alt && !out.contains('.') {
        out.push('.');
    }
    let _ = write!(
        out,
        "{}{}{:02}",
        if upper { 'E' } else { 'e' },
        if exponent < 0 { '-' } else { '+' },
        exponent.abs()
    );
    out
}

/// `%g` without `#`: no trailing zeros in the fraction, and no bare `.`.
fn strip_zeros(s: &str) -> String {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(k) => s.split_at(k),
        None => (s, ""),
    };
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    format!("{mantissa}{exponent}")
}

/// Pad to the width with spaces (zero padding of numbers was done with the sign).
fn pad(out: &mut String, body: &str, spec: &Spec) {
    let fill = spec.width.saturating_sub(body.chars().count());
    if spec.left {
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', fill));
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(body);
    }
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    fn printf(format: &str, args: &str) -> String {
        let expr = if args.is_empty() {
            format!("printf(\"{format}\")")
        } else {
            format!("printf(\"{format}\", {args})")
        };
        text(&expr, &[("mv", "[a,b]")]).unwrap_or_default()
    }

    #[test]
    fn integers() {
        assert_eq!(printf("%d,%i,%d", "-2, +4, 30"), "-2,4,30");
        assert_eq!(
            printf("%5d|%-5d|%05d|%+d|% d", "42, 42, -42, 42, 42"),
            "   42|42   |-0042|+42| 42"
        );
        assert_eq!(printf("%.3d|%.0d|%5.3d", "7, 0, -7"), "007|| -007");
        assert_eq!(printf("%d", "3.99"), "3");
        assert_eq!(printf("%d", "\"abc\""), "0");
        assert_eq!(printf("%'d|%'d", "-1234567, 999"), "-1,234,567|999");
        assert_eq!(printf("%ld %lld %hd", "1, 2, 3"), "1 2 3");
    }

    #[test]
    fn unsigned() {
        assert_eq!(printf("%x %X %o %u", "255, 255, 8, 17"), "ff FF 10 17");
        assert_eq!(printf("%#x %#X %#o %#x", "255, 255, 8, 0"), "0xff 0XFF 010 0");
        assert_eq!(printf("%08x|%#08x", "255, 255"), "000000ff|0x0000ff");
        assert_eq!(printf("%x", "-1"), "ffffffffffffffff");
    }

    #[test]
    fn floats() {
        assert_eq!(printf("%f", "3.14159"), "3.141590");
        assert_eq!(
            printf("%.2f|%8.3f|%-8.1f|%+.1f", "2.675, 3.14159, 2.5, 2.5"),
            "2.67|   3.142|2.5     |+2.5"
        );
        assert_eq!(printf("%.0f|%#.0f", "2.5, 3"), "2|3.");
        assert_eq!(printf("%'.2f", "1234567.891"), "1,234,567.89");
        assert_eq!(printf("%e|%.2E", "12345.678, 0.000123"), "1.234568e+04|1.23E-04");
        assert_eq!(
            printf("%g|%g|%g|%g|%G", "100000, 1000000, 0.0001, 0.00001, 1e-10"),
            "100000|1e+06|0.0001|1e-05|1E-10"
        );
        assert_eq!(printf("%g|%.3g|%#g", "3.14159, 3.14159, 2"), "3.14159|3.14|2.00000");
        assert_eq!(
            printf("%010.2f|%-010.2f|", "-3.14159, 3.14159"),
            "-000003.14|3.14      |"
        );
    }

    #[test]
    fn strings_and_chars() {
        assert_eq!(printf("%c,%c", "65, \"Foo\""), "A,F");
        assert_eq!(
            printf("[%5s][%-5s][%.2s]", "\"ab\", \"ab\", \"abc\""),
            "[   ab][ab   ][ab]"
        );
        assert_eq!(printf("%s", "mv"), "a");
        assert_eq!(printf("%s|%s", "\"ü\", 1.50"), "ü|1.5");
        assert_eq!(printf("%*d|%-*d|%.*f", "4, 7, 3, 7, 1, 2.25"), "   7|7  |2.2");
    }

    #[test]
    fn odd_formats() {
        assert_eq!(printf("100%%", ""), "100%");
        assert_eq!(printf("%", ""), "%");
        assert_eq!(printf("%5", ""), "%5");
        assert_eq!(printf("%a|%ü|%k", "1, 2"), "%a|%ü|%k");
        assert_eq!(printf("%s and %s", "\"one\""), "one and ");
        assert_eq!(printf("%99999999d", "1").len(), 1000);
        assert_eq!(printf("%.99999999f", "1").len(), 1002);
        assert_eq!(printf("%c", "1e300"), "");
        assert_eq!(printf("%c", "-5"), "");
    }
}

//! `round(number[, digits])`.

use super::support::{integer, num};
use super::{Args, Example, Function};
use crate::value::Value;

/// `round`.
pub(crate) static ROUND: Function = Function {
    name: "round",
    usage: "round(number[, digits])",
    summary: "The number rounded to `digits` decimal places (0 by default; a negative count rounds to tens, hundreds...), halves away from zero (`round(-2.5)` is -3). Tripline does not track Splunk's display precision, so trailing zeros are not shown: `round(2.5012, 2)` displays `2.5` where Splunk may show `2.50`.",
    min_args: 1,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "round(latency_ms / 1000, 2)",
            fields: &[("latency_ms", "1234.5")],
            result: Some("1.23"),
        },
        Example {
            expr: "round(2.5)",
            fields: &[],
            result: Some("3"),
        },
        Example {
            expr: "round(-2.5)",
            fields: &[],
            result: Some("-3"),
        },
        Example {
            expr: "round(requests, -2)",
            fields: &[("requests", "1250")],
            result: Some("1300"),
        },
        Example {
            expr: "round(userAgent)",
            fields: &[("userAgent", "kubectl")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let x = args.number(0)?;
    let digits = if args.len() > 1 { integer(args.number(1)?)? } else { 0 };
    num(round(x, digits))
}

/// Round half away from zero at `digits` decimal places.
pub(super) fn round(x: f64, digits: i64) -> f64 {
    if digits > 15 {
        return x;
    }
    if digits < -308 {
        return 0.0;
    }
    // -308 <= digits <= 15.
    let scale = 10f64.powi(digits.unsigned_abs() as i32);
    let r = if digits >= 0 {
        (x * scale).round() / scale
    } else {
        (x / scale).round() * scale
    };
    // Scaling a huge number can overflow; it has no fraction to round then. `+ 0.0` turns -0 into 0.
    if r.is_finite() { r + 0.0 } else { x }
}

#[cfg(test)]
mod tests {
    use super::round;

    #[test]
    fn half_away_from_zero() {
        assert_eq!(round(0.5, 0), 1.0);
        assert_eq!(round(-0.5, 0), -1.0);
        assert_eq!(round(1.005, 1), 1.0);
        assert_eq!(round(-1.25, 1), -1.3);
        assert_eq!(round(-0.4, 0).to_string(), "0");
    }

    #[test]
    fn extremes() {
        assert_eq!(round(1e300, 2), 1e300);
        assert_eq!(round(123.456, 20), 123.456);
        assert_eq!(round(123.456, -400), 0.0);
        assert_eq!(round(1234.0, -3), 1000.0);
        assert_eq!(round(1234.5, -1), 1230.0);
    }
}

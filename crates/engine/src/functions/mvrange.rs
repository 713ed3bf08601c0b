//! `mvrange(start, end[, step])`.

use tripline_spl::timespec::TimeSpec;

use super::{Args, Example, Function};
use crate::value::{Text, Value, format_number, parse_number};

/// The most values `mvrange` produces; a longer range gives null rather than exhausting memory.
const MAX_VALUES: usize = 100_000;

/// `mvrange`.
pub(crate) static MVRANGE: Function = Function {
    name: "mvrange",
    usage: "mvrange(start, end[, step])",
    summary: "The numbers from `start` up to but not including `end`, `step` apart (1 by default; a negative step counts down). The step may also be a time span such as `\"7d\"` or `\"1mon\"`, applied to `start` as epoch seconds in the search time zone. Null when the range is empty, the step is 0, or it would hold more than 100000 values.",
    min_args: 2,
    max_args: Some(3),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "mvrange(1, 11, 2)",
            fields: &[],
            result: Some("[1,3,5,7,9]"),
        },
        Example {
            expr: "mvrange(0, 3)",
            fields: &[],
            result: Some("[0,1,2]"),
        },
        Example {
            expr: r#"mvrange(1700000000, 1700259200, "1d")"#,
            fields: &[],
            result: Some("[1700000000,1700086400,1700172800]"),
        },
        Example {
            expr: "mvrange(5, 1)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let start = args.number(0)?;
    let end = args.number(1)?;
    let step = if args.len() > 2 {
        args.value(2)?
    } else {
        Value::Num(1.0)
    };
    let mut out: Vec<Text> = Vec::new();
    match step.as_number() {
        Some(step) => {
            if step == 0.0 || !step.is_finite() {
                return None;
            }
            let count = ((end - start) / step).ceil();
            if count < 1.0 || count > MAX_VALUES as f64 {
                return None;
            }
            // 1 <= count <= MAX_VALUES.
            for i in 0..count as usize {
                out.push(format_number(start + i as f64 * step));
            }
        }
        None => {
            let text = step.to_text();
            let spec = span(&text)?;
            let tz = &args.ctx().tz;
            let mut t = start;
            while t < end {
                if out.len() == MAX_VALUES {
                    return None;
                }
                out.push(format_number(t));
                let next = crate::time::relative_time(t, &spec, tz)?;
                if next <= t {
                    return None;
                }
                t = next;
            }
        }
    }
    super::support::collect(out)
}

/// A time span step (`7d`, `+1mon`) as a relative time modifier without a snap.
fn span(text: &str) -> Option<TimeSpec> {
    let text = text.trim();
    if parse_number(text).is_some() {
        return None;
    }
    let signed = if text.starts_with(['+', '-']) {
        text.to_owned()
    } else {
        format!("+{text}")
    };
    match TimeSpec::parse(&signed).ok()? {
        spec @ TimeSpec::Relative { snap: None, .. } => Some(spec),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    #[test]
    fn steps() {
        assert_eq!(text("mvrange(3, 0, -1)", &[]).as_deref(), Some("[3,2,1]"));
        assert_eq!(text("mvrange(0, 1, 0.25)", &[]).as_deref(), Some("[0,0.25,0.5,0.75]"));
        assert_eq!(text("mvrange(0, 1, 0)", &[]), None);
        assert_eq!(text("mvrange(0, 5, -1)", &[]), None);
        assert_eq!(text("mvrange(0, 1, 5)", &[]).as_deref(), Some("0"));
        assert_eq!(text("mvrange(0, 1e12)", &[]), None);
        assert_eq!(text(r#"mvrange(0, 10, "soon")"#, &[]), None);
        assert_eq!(text(r#"mvrange(0, 10, "-1d")"#, &[]), None);
        assert_eq!(text(r#"mvrange(0, 10, "@d")"#, &[]), None);
    }

    #[test]
    fn calendar_months() {
        // From 2023-01-31 one month at a time: February clamps to the 28th, and each step starts
        // from the previous value, so March is the 28th too.
        let got = text(r#"mvrange(1675123200, 1680000000, "1mon")"#, &[]);
        assert_eq!(got.as_deref(), Some("[1675123200,1677542400,1679961600]"));
    }
}

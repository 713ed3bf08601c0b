//! `mvindex(mv, start[, end])`.

use super::support::integer;
use super::{Args, Example, Function};
use crate::value::Value;

/// `mvindex`.
pub(crate) static MVINDEX: Function = Function {
    name: "mvindex",
    usage: "mvindex(mv, start[, end])",
    summary: "The value at `start`, or the values from `start` to `end` inclusive. Indexes are 0-based; negative ones count from the end (`-1` is the last value). A start outside the values, or an end before the start, gives null; an end past the last value stops at the last value. A single value is a multivalue of one.",
    min_args: 2,
    max_args: Some(3),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "mvindex('sourceIPs{}', 0)",
            fields: &[("sourceIPs{}", "[203.0.113.9,10.0.0.12]")],
            result: Some("203.0.113.9"),
        },
        Example {
            expr: "mvindex('user.groups{}', -1)",
            fields: &[(
                "user.groups{}",
                "[system:serviceaccounts,system:serviceaccounts:kube-system,system:authenticated]",
            )],
            result: Some("system:authenticated"),
        },
        Example {
            expr: "mvindex('user.groups{}', 1, 2)",
            fields: &[(
                "user.groups{}",
                "[system:serviceaccounts,system:serviceaccounts:kube-system,system:authenticated]",
            )],
            result: Some("[system:serviceaccounts:kube-system,system:authenticated]"),
        },
        Example {
            expr: "mvindex('sourceIPs{}', 2)",
            fields: &[("sourceIPs{}", "[203.0.113.9,10.0.0.12]")],
            result: None,
        },
        Example {
            expr: "mvindex(verb, 0)",
            fields: &[("verb", "create")],
            result: Some("create"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let values = args.value(0)?.values();
    let count = i64::try_from(values.len()).ok()?;
    let resolve = |i: i64| if i < 0 { i + count } else { i };
    let start = resolve(integer(args.number(1)?)?);
    if !(0..count).contains(&start) {
        return None;
    }
    let end = if args.len() > 2 {
        resolve(integer(args.number(2)?)?).min(count - 1)
    } else {
        start
    };
    if end < start {
        return None;
    }
    // 0 <= start <= end < count.
    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
    Some(Value::multi(values.get(start..=end)?.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    fn mvindex(args: &str) -> Option<String> {
        text(&format!("mvindex(mv, {args})"), &[("mv", "[a,b,c,d]")])
    }

    #[test]
    fn ranges() {
        assert_eq!(mvindex("0, -1").as_deref(), Some("[a,b,c,d]"));
        assert_eq!(mvindex("-2, -1").as_deref(), Some("[c,d]"));
        assert_eq!(mvindex("1, 1").as_deref(), Some("b"));
        assert_eq!(mvindex("2, 100").as_deref(), Some("[c,d]"));
        assert_eq!(mvindex("2, 1"), None);
        assert_eq!(mvindex("-5"), None);
        assert_eq!(mvindex("4"), None);
        assert_eq!(mvindex("\"x\""), None);
        assert_eq!(mvindex("0, -5"), None);
    }
}

//! `max(x, y, ...)`, and the comparison shared with `min`.

use std::cmp::Ordering;

use super::{Args, Example, Function};
use crate::value::{Value, compare_mixed};

/// `max`.
pub(crate) static MAX: Function = Function {
    name: "max",
    usage: "max(x, y, ...)",
    summary: "The greatest of the values, in Splunk's mixed order: numbers compare numerically and any text that is not a number is greater than every number; texts compare by bytes. Every value of a multivalue argument takes part; null arguments are skipped (null when all are). The winner is returned as it was given.",
    min_args: 1,
    max_args: None,
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "max(requestBytes, responseBytes, 1024)",
            fields: &[("requestBytes", "312"), ("responseBytes", "48213")],
            result: Some("48213"),
        },
        Example {
            expr: r#"max(1, 3, 6, 7, "f" . "oo", missing)"#,
            fields: &[],
            result: Some("foo"),
        },
        Example {
            expr: "max('responseStatus.codes{}')",
            fields: &[("responseStatus.codes{}", "[200,403,1000,404]")],
            result: Some("1000"),
        },
        Example {
            expr: "max(a, b)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    extreme(args, Ordering::Greater)
}

/// The value that compares `wanted` against every other (the first of equal ones).
pub(super) fn extreme(args: &Args<'_>, wanted: Ordering) -> Option<Value> {
    let mut best: Option<Value> = None;
    let mut consider = |candidate: Value| {
        let better = best
            .as_ref()
            .is_none_or(|b| compare_mixed(&candidate.to_text(), &b.to_text()) == wanted);
        if better {
            best = Some(candidate);
        }
    };
    for i in 0..args.len() {
        match args.value(i) {
            Some(Value::Multi(vs)) => vs.into_iter().for_each(|v| consider(Value::Str(v))),
            Some(v) => consider(v),
            None => {}
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    #[test]
    fn mixed_order() {
        assert_eq!(text(r#"max("10", "9")"#, &[]).as_deref(), Some("10"));
        assert_eq!(text(r#"max("b", "B", "a")"#, &[]).as_deref(), Some("b"));
        assert_eq!(text(r#"max(1.50, "1.5")"#, &[]).as_deref(), Some("1.5"));
        assert_eq!(text("max(x)", &[("x", "007")]).as_deref(), Some("007"));
        assert_eq!(text("min(x, 8)", &[("x", "007")]).as_deref(), Some("007"));
        assert_eq!(text(r#"min("z", 100, "a")"#, &[]).as_deref(), Some("100"));
        assert_eq!(text(r#"min("z", "a")"#, &[]).as_deref(), Some("a"));
    }
}

//! `min(x, y, ...)`.

use std::cmp::Ordering;

use super::max::extreme;
use super::{Args, Example, Function};
use crate::value::Value;

/// `min`.
pub(crate) static MIN: Function = Function {
    name: "min",
    usage: "min(x, y, ...)",
    summary: "The least of the values, in the order `max` uses: numbers compare numerically and are less than any text that is not a number. Every value of a multivalue argument takes part; null arguments are skipped (null when all are).",
    min_args: 1,
    max_args: None,
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"min(3, 6, 7, "maxie", latency)"#,
            fields: &[("latency", "0.25")],
            result: Some("0.25"),
        },
        Example {
            expr: "min('responseStatus.codes{}')",
            fields: &[("responseStatus.codes{}", "[403,200,404]")],
            result: Some("200"),
        },
        Example {
            expr: r#"min(verb, "list")"#,
            fields: &[("verb", "get")],
            result: Some("get"),
        },
        Example {
            expr: "min(a, b)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    extreme(args, Ordering::Less)
}

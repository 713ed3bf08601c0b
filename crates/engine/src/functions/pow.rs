//! `pow(x, y)`.

use super::support::num;
use super::{Args, Example, Function};
use crate::value::Value;

/// `pow`.
pub(crate) static POW: Function = Function {
    name: "pow",
    usage: "pow(x, y)",
    summary: "`x` raised to the power `y`. Null when either is not a number or the result is not a finite real number (`pow(-8, 1/3)`, overflow).",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "pow(2, retries)",
            fields: &[("retries", "10")],
            result: Some("1024"),
        },
        Example {
            expr: "pow(stdev, 2)",
            fields: &[("stdev", "1.5")],
            result: Some("2.25"),
        },
        Example {
            expr: "pow(10, 400)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    num(args.number(0)?.powf(args.number(1)?))
}

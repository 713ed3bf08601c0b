//! `abs(number)`.

use super::support::num;
use super::{Args, Example, Function};
use crate::value::Value;

/// `abs`.
pub(crate) static ABS: Function = Function {
    name: "abs",
    usage: "abs(number)",
    summary: "The absolute value; null when the argument is not a number.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "abs(skew)",
            fields: &[("skew", "-42.5")],
            result: Some("42.5"),
        },
        Example {
            expr: "abs(requestReceivedEpoch - stageEpoch)",
            fields: &[("requestReceivedEpoch", "1700000000"), ("stageEpoch", "1700000003")],
            result: Some("3"),
        },
        Example {
            expr: "abs(verb)",
            fields: &[("verb", "get")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    num(args.number(0)?.abs())
}

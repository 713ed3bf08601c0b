//! `exp(x)`.

use super::support::num;
use super::{Args, Example, Function};
use crate::value::Value;

/// `exp`.
pub(crate) static EXP: Function = Function {
    name: "exp",
    usage: "exp(x)",
    summary: "e raised to the power `x`; null when `x` is not a number or the result overflows.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "exp(0)",
            fields: &[],
            result: Some("1"),
        },
        Example {
            expr: "round(exp(score), 4)",
            fields: &[("score", "1")],
            result: Some("2.7183"),
        },
        Example {
            expr: "exp(1000)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    num(args.number(0)?.exp())
}

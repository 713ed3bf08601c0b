//! `ceil(number)`.

use super::support::num;
use super::{Args, Example, Function};
use crate::value::Value;

/// `ceil`.
pub(crate) static CEIL: Function = Function {
    name: "ceil",
    usage: "ceil(number)",
    summary: "The smallest integer not less than the number (`ceil(-1.5)` is -1); null when the argument is not a number. Also called `ceiling`.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "ceil(responseBytes / 1024)",
            fields: &[("responseBytes", "1500")],
            result: Some("2"),
        },
        Example {
            expr: "ceil(-1.5)",
            fields: &[],
            result: Some("-1"),
        },
        Example {
            expr: "ceil(verb)",
            fields: &[("verb", "list")],
            result: None,
        },
    ],
    call,
};

/// Shared with `ceiling`.
pub(super) fn call(args: &Args<'_>) -> Option<Value> {
    // `+ 0.0` turns `ceil(-0.5)`, which is -0, into 0.
    num(args.number(0)?.ceil() + 0.0)
}

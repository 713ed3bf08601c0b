//! `floor(number)`.

use super::support::num;
use super::{Args, Example, Function};
use crate::value::Value;

/// `floor`.
pub(crate) static FLOOR: Function = Function {
    name: "floor",
    usage: "floor(number)",
    summary: "The largest integer not greater than the number (`floor(-1.5)` is -2); null when the argument is not a number.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "floor(_time / 3600) * 3600",
            fields: &[("_time", "1700003599.25")],
            result: Some("1700002800"),
        },
        Example {
            expr: "floor(-1.5)",
            fields: &[],
            result: Some("-2"),
        },
        Example {
            expr: "floor(missing)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    num(args.number(0)?.floor() + 0.0)
}

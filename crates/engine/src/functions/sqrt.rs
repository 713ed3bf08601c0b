//! `sqrt(x)`.

use super::support::num;
use super::{Args, Example, Function};
use crate::value::Value;

/// `sqrt`.
pub(crate) static SQRT: Function = Function {
    name: "sqrt",
    usage: "sqrt(x)",
    summary: "The square root; null for a negative number or a value that is not a number.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "sqrt(variance)",
            fields: &[("variance", "2.25")],
            result: Some("1.5"),
        },
        Example {
            expr: "sqrt(-4)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    num(args.number(0)?.sqrt())
}

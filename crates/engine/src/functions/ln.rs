//! `ln(x)`.

use super::support::num;
use super::{Args, Example, Function};
use crate::value::Value;

/// `ln`.
pub(crate) static LN: Function = Function {
    name: "ln",
    usage: "ln(x)",
    summary: "The natural logarithm; null for zero, a negative number, or a value that is not a number.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "round(ln(requests), 3)",
            fields: &[("requests", "100")],
            result: Some("4.605"),
        },
        Example {
            expr: "ln(1)",
            fields: &[],
            result: Some("0"),
        },
        Example {
            expr: "ln(0)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let x = args.number(0)?;
    if x <= 0.0 {
        return None;
    }
    num(x.ln())
}

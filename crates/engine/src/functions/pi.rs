//! `pi()`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `pi`.
pub(crate) static PI: Function = Function {
    name: "pi",
    usage: "pi()",
    summary: "The constant π, shown with 15 significant digits.",
    min_args: 0,
    max_args: Some(0),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "pi()",
            fields: &[],
            result: Some("3.14159265358979"),
        },
        Example {
            expr: "round(pi() * pow(r, 2), 2)",
            fields: &[("r", "2")],
            result: Some("12.57"),
        },
    ],
    call,
};

fn call(_: &Args<'_>) -> Option<Value> {
    Some(Value::Num(std::f64::consts::PI))
}

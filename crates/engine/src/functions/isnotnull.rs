//! `isnotnull(x)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `isnotnull`.
pub(crate) static ISNOTNULL: Function = Function {
    name: "isnotnull",
    usage: "isnotnull(x)",
    summary: "True when the argument is not null.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: "isnotnull(userAgent)",
            fields: &[("userAgent", "")],
            result: Some("true"),
        },
        Example {
            expr: "isnotnull(userAgent)",
            fields: &[],
            result: Some("false"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::Bool(args.value(0).is_some()))
}

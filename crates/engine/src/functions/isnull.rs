//! `isnull(x)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `isnull`.
pub(crate) static ISNULL: Function = Function {
    name: "isnull",
    usage: "isnull(x)",
    summary: "True when the argument is null (a missing field).",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: "isnull(userAgent)",
            fields: &[],
            result: Some("true"),
        },
        Example {
            expr: "isnull(userAgent)",
            fields: &[("userAgent", "kubectl/v1.29")],
            result: Some("false"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::Bool(args.value(0).is_none()))
}

//! `true()`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `true`.
pub(crate) static TRUE: Function = Function {
    name: "true",
    usage: "true()",
    summary: "The boolean true; mostly used as the last condition of `case` to give a default.",
    min_args: 0,
    max_args: Some(0),
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: r#"case(verb == "delete", "destructive", true(), "other")"#,
            fields: &[("verb", "get")],
            result: Some("other"),
        },
        Example {
            expr: "true()",
            fields: &[],
            result: Some("true"),
        },
    ],
    call,
};

fn call(_: &Args<'_>) -> Option<Value> {
    Some(Value::Bool(true))
}

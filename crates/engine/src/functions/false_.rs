//! `false()`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `false`.
pub(crate) static FALSE: Function = Function {
    name: "false",
    usage: "false()",
    summary: "The boolean false.",
    min_args: 0,
    max_args: Some(0),
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: "false()",
            fields: &[],
            result: Some("false"),
        },
        Example {
            expr: r#"if(false(), "never", "always")"#,
            fields: &[],
            result: Some("always"),
        },
    ],
    call,
};

fn call(_: &Args<'_>) -> Option<Value> {
    Some(Value::Bool(false))
}

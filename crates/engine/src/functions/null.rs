//! `null()`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `null`.
pub(crate) static NULL: Function = Function {
    name: "null",
    usage: "null()",
    summary: "Null: assigning it removes a field; aggregations ignore it.",
    min_args: 0,
    max_args: Some(0),
    regex_args: &[],
    returns_bool: false,
    examples: &[Example {
        expr: "null()",
        fields: &[],
        result: None,
    }],
    call,
};

fn call(_: &Args<'_>) -> Option<Value> {
    None
}

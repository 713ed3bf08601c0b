//! `isstr(x)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `isstr`.
pub(crate) static ISSTR: Function = Function {
    name: "isstr",
    usage: "isstr(x)",
    summary: "True when the value is text that does not look like a number: the values for which `typeof` gives `String`. False for numbers (including numeric text such as `\"403\"`), null, booleans and multivalues.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: "isstr(verb)",
            fields: &[("verb", "delete")],
            result: Some("true"),
        },
        Example {
            expr: "isstr('responseStatus.code')",
            fields: &[("responseStatus.code", "403")],
            result: Some("false"),
        },
        Example {
            expr: "isstr(missing)",
            fields: &[],
            result: Some("false"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::Bool(args.value(0).is_some_and(|v| v.type_name() == "String")))
}

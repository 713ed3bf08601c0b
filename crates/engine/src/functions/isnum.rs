//! `isnum(x)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `isnum`.
pub(crate) static ISNUM: Function = Function {
    name: "isnum",
    usage: "isnum(x)",
    summary: "True when the value is a number, including text that looks like one (`\"403\"`, `\"-1.5e3\"`; not `\"0x1F\"` or `\"1,000\"`): the values for which `typeof` gives `Number`. False for null, booleans and multivalues.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: "isnum('responseStatus.code')",
            fields: &[("responseStatus.code", "403")],
            result: Some("true"),
        },
        Example {
            expr: "isnum(verb)",
            fields: &[("verb", "get")],
            result: Some("false"),
        },
        Example {
            expr: "isnum(missing)",
            fields: &[],
            result: Some("false"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::Bool(args.value(0).is_some_and(|v| v.type_name() == "Number")))
}

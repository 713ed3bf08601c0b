//! `len(text)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `len`.
pub(crate) static LEN: Function = Function {
    name: "len",
    usage: "len(text)",
    summary: "The number of characters (Unicode scalar values, not bytes) in the text. A multivalue gives the length of its first value; a number is measured as displayed.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "len(userAgent)",
            fields: &[("userAgent", "kubectl/v1.29.2")],
            result: Some("15"),
        },
        Example {
            expr: "len('objectRef.name')",
            fields: &[("objectRef.name", "café-ü")],
            result: Some("6"),
        },
        Example {
            expr: "len(userAgent)",
            fields: &[("userAgent", "")],
            result: Some("0"),
        },
        Example {
            expr: "len(userAgent)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::Num(args.text(0)?.chars().count() as f64))
}

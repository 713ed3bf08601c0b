//! `upper(text)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `upper`.
pub(crate) static UPPER: Function = Function {
    name: "upper",
    usage: "upper(text)",
    summary: "The text in uppercase (Unicode-aware). A multivalue gives its first value uppercased; null stays null.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "upper(verb)",
            fields: &[("verb", "create")],
            result: Some("CREATE"),
        },
        Example {
            expr: "upper('user.username')",
            fields: &[("user.username", "straße")],
            result: Some("STRASSE"),
        },
        Example {
            expr: "upper(verb)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::str(&args.text(0)?.to_uppercase()))
}

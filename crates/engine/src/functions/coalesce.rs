//! `coalesce(x, y, ...)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `coalesce`.
pub(crate) static COALESCE: Function = Function {
    name: "coalesce",
    usage: "coalesce(x, y, ...)",
    summary: "The first argument that is not null.",
    min_args: 1,
    max_args: None,
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "coalesce(userAgent, 'user.username', \"unknown\")",
            fields: &[("user.username", "system:anonymous")],
            result: Some("system:anonymous"),
        },
        Example {
            expr: "coalesce(a, b)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    (0..args.len()).find_map(|i| args.value(i))
}

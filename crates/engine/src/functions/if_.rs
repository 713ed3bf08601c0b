//! `if(condition, then, else)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `if`.
pub(crate) static IF: Function = Function {
    name: "if",
    usage: "if(condition, then, else)",
    summary: "`then` when the condition is true, otherwise `else` (a null condition counts as false).",
    min_args: 3,
    max_args: Some(3),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"if(code >= 400, "error", "ok")"#,
            fields: &[("code", "403")],
            result: Some("error"),
        },
        Example {
            expr: r#"if(code >= 400, "error", "ok")"#,
            fields: &[("code", "200")],
            result: Some("ok"),
        },
        Example {
            expr: r#"if(missing > 1, "yes", "no")"#,
            fields: &[],
            result: Some("no"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    if args.truth(0) == Some(true) {
        args.value(1)
    } else {
        args.value(2)
    }
}

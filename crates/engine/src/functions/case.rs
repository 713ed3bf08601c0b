//! `case(condition1, value1, condition2, value2, ...)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `case`.
pub(crate) static CASE: Function = Function {
    name: "case",
    usage: "case(condition1, value1, condition2, value2, ...)",
    summary: "The value after the first true condition; null when none is true (write `true(), default` last for a default).",
    min_args: 2,
    max_args: None,
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"case(code == 401, "unauthenticated", code == 403, "forbidden")"#,
            fields: &[("code", "403")],
            result: Some("forbidden"),
        },
        Example {
            expr: r#"case(code == 401, "unauthenticated", code == 403, "forbidden")"#,
            fields: &[("code", "200")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let mut i = 0;
    while i + 1 < args.len() {
        if args.truth(i) == Some(true) {
            return args.value(i + 1);
        }
        i += 2;
    }
    None
}

//! `nullif(x, y)`.

use super::{Args, Example, Function};
use crate::expr::equal;
use crate::value::Value;

/// `nullif`.
pub(crate) static NULLIF: Function = Function {
    name: "nullif",
    usage: "nullif(x, y)",
    summary: "Null when `x` equals `y` (as `==` compares: numerically when both look like numbers), otherwise `x`. A null `y` never equals, so `x` is returned.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"nullif('impersonatedUser.username', "")"#,
            fields: &[("impersonatedUser.username", "")],
            result: None,
        },
        Example {
            expr: "nullif('user.username', 'impersonatedUser.username')",
            fields: &[
                ("user.username", "alice"),
                ("impersonatedUser.username", "system:admin"),
            ],
            result: Some("alice"),
        },
        Example {
            expr: "nullif(code, 200)",
            fields: &[("code", "200.0")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let x = args.value(0)?;
    match args.value(1) {
        Some(y) if equal(&x, &y) => None,
        _ => Some(x),
    }
}

//! `mvappend(x, y, ...)`.

use super::support::collect;
use super::{Args, Example, Function};
use crate::value::Value;

/// `mvappend`.
pub(crate) static MVAPPEND: Function = Function {
    name: "mvappend",
    usage: "mvappend(x, y, ...)",
    summary: "All values of all arguments, in order, as one multivalue: multivalue arguments are flattened, null arguments skipped, duplicates kept. Null when every argument is null.",
    min_args: 1,
    max_args: None,
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "mvappend('user.username', 'impersonatedUser.username')",
            fields: &[
                ("user.username", "alice"),
                ("impersonatedUser.username", "system:admin"),
            ],
            result: Some("[alice,system:admin]"),
        },
        Example {
            expr: r#"mvappend('sourceIPs{}', "127.0.0.1", missing)"#,
            fields: &[("sourceIPs{}", "[10.0.0.12,10.0.0.13]")],
            result: Some("[10.0.0.12,10.0.0.13,127.0.0.1]"),
        },
        Example {
            expr: "mvappend(a, b)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let mut out = Vec::new();
    for i in 0..args.len() {
        if let Some(v) = args.value(i) {
            match v {
                Value::Multi(vs) => out.extend(vs),
                other => out.push(other.to_text()),
            }
        }
    }
    collect(out)
}

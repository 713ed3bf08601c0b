//! `mvfind(mv, "regex")`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `mvfind`.
pub(crate) static MVFIND: Function = Function {
    name: "mvfind",
    usage: "mvfind(mv, \"regex\")",
    summary: "The 0-based index of the first value the regular expression matches (unanchored), or null when none does.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[1],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"mvfind('user.groups{}', "^system:masters$")"#,
            fields: &[("user.groups{}", "[system:authenticated,system:masters]")],
            result: Some("1"),
        },
        Example {
            expr: r#"mvfind('sourceIPs{}', "^10\.")"#,
            fields: &[("sourceIPs{}", "[203.0.113.9,198.51.100.4]")],
            result: None,
        },
        Example {
            expr: r#"mvfind(userAgent, "kubectl")"#,
            fields: &[("userAgent", "kubectl/v1.29.2")],
            result: Some("0"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let value = args.value(0)?;
    let re = args.regex(1)?;
    let i = value.values().iter().position(|s| re.is_match(s))?;
    Some(Value::Num(i as f64))
}

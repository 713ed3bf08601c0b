//! `mvjoin(mv, "delimiter")`.

use super::{Args, Example, Function};
use crate::value::{Text, Value};

/// `mvjoin`.
pub(crate) static MVJOIN: Function = Function {
    name: "mvjoin",
    usage: "mvjoin(mv, \"delimiter\")",
    summary: "The values joined into one text with the delimiter between them. A single value is returned as it is; null stays null.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"mvjoin('user.groups{}', ";")"#,
            fields: &[("user.groups{}", "[system:masters,system:authenticated]")],
            result: Some("system:masters;system:authenticated"),
        },
        Example {
            expr: r#"mvjoin('sourceIPs{}', " -> ")"#,
            fields: &[("sourceIPs{}", "10.0.0.12")],
            result: Some("10.0.0.12"),
        },
        Example {
            expr: r#"mvjoin('sourceIPs{}', ",")"#,
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let value = args.value(0)?;
    let delimiter = args.text(1)?;
    let mut out = Text::default();
    let mut first = true;
    value.for_each_text(|s| {
        if !first {
            out.push_str(&delimiter);
        }
        first = false;
        out.push_str(s);
    });
    Some(Value::Str(out))
}

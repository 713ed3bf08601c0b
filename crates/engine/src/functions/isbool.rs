//! `isbool(x)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `isbool`.
pub(crate) static ISBOOL: Function = Function {
    name: "isbool",
    usage: "isbool(x)",
    summary: "True when the value is a boolean, which only comparisons and functions such as `cidrmatch` produce: a field never holds one, so the text `\"true\"` is not a boolean.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: r#"isbool(cidrmatch("10.0.0.0/8", 'sourceIPs{}'))"#,
            fields: &[("sourceIPs{}", "10.0.0.12")],
            result: Some("true"),
        },
        Example {
            expr: "isbool(allowed)",
            fields: &[("allowed", "true")],
            result: Some("false"),
        },
        Example {
            expr: "isbool(missing)",
            fields: &[],
            result: Some("false"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::Bool(matches!(args.value(0), Some(Value::Bool(_)))))
}

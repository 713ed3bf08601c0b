//! `mvcount(mv)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `mvcount`.
pub(crate) static MVCOUNT: Function = Function {
    name: "mvcount",
    usage: "mvcount(mv)",
    summary: "The number of values: 1 for a single value, null for a missing field.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "mvcount('sourceIPs{}')",
            fields: &[("sourceIPs{}", "[10.0.0.12,192.168.1.7,10.0.0.12]")],
            result: Some("3"),
        },
        Example {
            expr: "mvcount('user.groups{}')",
            fields: &[("user.groups{}", "system:masters")],
            result: Some("1"),
        },
        Example {
            expr: "mvcount('user.groups{}')",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::Num(args.value(0)?.count() as f64))
}

//! `mvdedup(mv)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `mvdedup`.
pub(crate) static MVDEDUP: Function = Function {
    name: "mvdedup",
    usage: "mvdedup(mv)",
    summary: "The values without duplicates, each kept where it first appears (exact, case-sensitive comparison of the text).",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "mvdedup('sourceIPs{}')",
            fields: &[("sourceIPs{}", "[10.0.0.12,203.0.113.9,10.0.0.12]")],
            result: Some("[10.0.0.12,203.0.113.9]"),
        },
        Example {
            expr: "mvdedup('user.groups{}')",
            fields: &[("user.groups{}", "[system:masters,System:Masters,system:masters]")],
            result: Some("[system:masters,System:Masters]"),
        },
        Example {
            expr: "mvdedup('sourceIPs{}')",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let mut out = args.value(0)?.values();
    let mut seen = std::collections::HashSet::with_capacity(out.len());
    out.retain(|v| seen.insert(v.clone()));
    Some(Value::multi(out))
}

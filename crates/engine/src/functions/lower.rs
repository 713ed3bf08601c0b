//! `lower(text)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `lower`.
pub(crate) static LOWER: Function = Function {
    name: "lower",
    usage: "lower(text)",
    summary: "The text in lowercase (Unicode-aware). A multivalue gives its first value lowercased; null stays null.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "lower('objectRef.resource')",
            fields: &[("objectRef.resource", "ClusterRoleBindings")],
            result: Some("clusterrolebindings"),
        },
        Example {
            expr: "lower(verb)",
            fields: &[("verb", "ÉCRIRE")],
            result: Some("écrire"),
        },
        Example {
            expr: "lower(verb)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::str(&args.text(0)?.to_lowercase()))
}

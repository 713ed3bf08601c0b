//! `like(text, pattern)` and the `LIKE` operator.

use super::{Args, Example, Function};
use crate::value::Value;

/// `like`.
pub(crate) static LIKE: Function = Function {
    name: "like",
    usage: "like(text, \"pattern\")",
    summary: "True when the text matches the pattern, where `%` matches any run of characters and `_` exactly one. Anchored and case-sensitive; a multivalue matches when any value does.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: r#"like(userAgent, "kube-hunter%")"#,
            fields: &[("userAgent", "kube-hunter/0.6.8")],
            result: Some("true"),
        },
        Example {
            expr: r#"like(userAgent, "kube-hunter%")"#,
            fields: &[("userAgent", "Kube-Hunter/0.6.8")],
            result: Some("false"),
        },
        Example {
            expr: r#"requestURI LIKE "/api/v_/pods""#,
            fields: &[("requestURI", "/api/v1/pods")],
            result: Some("true"),
        },
        Example {
            expr: r#"like(groups, "system:unauth%")"#,
            fields: &[("groups", "[system:authenticated,system:unauthenticated]")],
            result: Some("true"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let text = args.value(0)?;
    let re = match args.call.regexes.get(1) {
        Some(Some(re)) => std::sync::Arc::clone(re),
        _ => std::sync::Arc::new(crate::expr::like_regex(&args.text(1)?).ok()?),
    };
    Some(Value::Bool(text.any_text(|s| re.is_match(s))))
}

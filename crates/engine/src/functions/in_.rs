//! `in(x, value1, value2, ...)`.

use super::{Args, Example, Function};
use crate::expr::equal;
use crate::value::Value;

/// `in`.
pub(crate) static IN: Function = Function {
    name: "in",
    usage: "in(x, value1, value2, ...)",
    summary: "True when `x` equals one of the values, as `==` compares (numerically when both look like numbers, otherwise exact case-sensitive text; no wildcards). A multivalue `x` is in the list when any of its values is. Like the `IN` operator: null when `x` is null, or when nothing matched and one of the values is null.",
    min_args: 2,
    max_args: None,
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: r#"in(verb, "create", "update", "patch")"#,
            fields: &[("verb", "patch")],
            result: Some("true"),
        },
        Example {
            expr: r#"in(verb, "create", "update", "patch")"#,
            fields: &[("verb", "PATCH")],
            result: Some("false"),
        },
        Example {
            expr: "in('responseStatus.code', 401, 403)",
            fields: &[("responseStatus.code", "403.0")],
            result: Some("true"),
        },
        Example {
            expr: r#"in('user.groups{}', "system:masters", "cluster-admins")"#,
            fields: &[("user.groups{}", "[system:authenticated,system:masters]")],
            result: Some("true"),
        },
        Example {
            expr: r#"in(verb, "create")"#,
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let x = args.value(0)?;
    let mut any_null = false;
    for i in 1..args.len() {
        match args.value(i) {
            Some(v) if equal(&x, &v) => return Some(Value::Bool(true)),
            Some(_) => {}
            None => any_null = true,
        }
    }
    if any_null { None } else { Some(Value::Bool(false)) }
}

//! `isint(x)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `isint`.
pub(crate) static ISINT: Function = Function {
    name: "isint",
    usage: "isint(x)",
    summary: "True when the value is a number (see `isnum`) with no fractional part: `\"3\"` and `3.0` are integers, `\"3.5\"` is not. False for null, booleans and multivalues.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: r#"if(isint('responseStatus.code'), "int", "not int")"#,
            fields: &[("responseStatus.code", "201")],
            result: Some("int"),
        },
        Example {
            expr: "isint(latency)",
            fields: &[("latency", "0.25")],
            result: Some("false"),
        },
        Example {
            expr: "isint(userAgent)",
            fields: &[("userAgent", "kubectl")],
            result: Some("false"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let v = args.value(0);
    let int = v
        .as_ref()
        .filter(|v| v.type_name() == "Number")
        .and_then(Value::as_number)
        .is_some_and(|n| n.fract() == 0.0);
    Some(Value::Bool(int))
}

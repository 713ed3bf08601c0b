//! `typeof(x)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `typeof`.
pub(crate) static TYPEOF: Function = Function {
    name: "typeof",
    usage: "typeof(x)",
    summary: "The type of the value: `Number`, `String`, `Boolean`, `Multivalue`, or `Invalid` for null (a missing field). Text that looks like a number is a `Number`, since field values are text in Splunk and take part in arithmetic when they look numeric; so `typeof(\"12\")` is `Number` too.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "typeof(12) . typeof(\"string\") . typeof(1 == 2) . typeof(badfield)",
            fields: &[],
            result: Some("NumberStringBooleanInvalid"),
        },
        Example {
            expr: "typeof('responseStatus.code')",
            fields: &[("responseStatus.code", "403")],
            result: Some("Number"),
        },
        Example {
            expr: "typeof('sourceIPs{}')",
            fields: &[("sourceIPs{}", "[10.0.0.12,10.0.0.13]")],
            result: Some("Multivalue"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::str(args.value(0).as_ref().map_or("Invalid", Value::type_name)))
}

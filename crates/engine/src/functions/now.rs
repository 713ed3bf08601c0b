//! `now()`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `now`.
pub(crate) static NOW: Function = Function {
    name: "now",
    usage: "now()",
    summary: "The time the search started, in epoch seconds; the same for every event of a search. It comes from the engine's clock (for a rule test, the test's fixed time), never from the wall clock at evaluation.",
    min_args: 0,
    max_args: Some(0),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "now()",
            fields: &[],
            result: Some("1700000000"),
        },
        Example {
            expr: "now() - _time",
            fields: &[("_time", "1699999940")],
            result: Some("60"),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::Num(args.ctx().now))
}

//! `rtrim(text[, chars])`.

use super::trim::{Ends, trim};
use super::{Args, Example, Function};
use crate::value::Value;

/// `rtrim`.
pub(crate) static RTRIM: Function = Function {
    name: "rtrim",
    usage: "rtrim(text[, chars])",
    summary: "The text without any of `chars` at its end (spaces and tabs by default); see `trim`.",
    min_args: 1,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"rtrim(anomalies, ", ")"#,
            fields: &[("anomalies", "cpu high, mem high, ")],
            result: Some("cpu high, mem high"),
        },
        Example {
            expr: "rtrim(userAgent)",
            fields: &[("userAgent", " kubelet/v1.28 \t")],
            result: Some(" kubelet/v1.28"),
        },
        Example {
            expr: "rtrim(userAgent)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    trim(args, Ends::Right)
}

//! `ltrim(text[, chars])`.

use super::trim::{Ends, trim};
use super::{Args, Example, Function};
use crate::value::Value;

/// `ltrim`.
pub(crate) static LTRIM: Function = Function {
    name: "ltrim",
    usage: "ltrim(text[, chars])",
    summary: "The text without any of `chars` at its start (spaces and tabs by default); see `trim`.",
    min_args: 1,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"ltrim(requestURI, "/")"#,
            fields: &[("requestURI", "//api/v1/pods/")],
            result: Some("api/v1/pods/"),
        },
        Example {
            expr: "ltrim(userAgent)",
            fields: &[("userAgent", "\t kubelet/v1.28 ")],
            result: Some("kubelet/v1.28 "),
        },
        Example {
            expr: "ltrim(userAgent)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    trim(args, Ends::Left)
}

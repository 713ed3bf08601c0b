//! `strftime(time, "format")`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `strftime`.
pub(crate) static STRFTIME: Function = Function {
    name: "strftime",
    usage: "strftime(time, \"format\")",
    summary: "Epoch seconds rendered with a Splunk time format (`%Y-%m-%d %H:%M:%S`, `%3Q` or `%3N` for milliseconds, `%z` for the offset...) in the search's time zone (UTC unless configured). Null when the time is not a number or the format cannot be rendered.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"strftime(_time, "%Y-%m-%dT%H:%M:%S.%3QZ")"#,
            fields: &[("_time", "1700000000.25")],
            result: Some("2023-11-14T22:13:20.250Z"),
        },
        Example {
            expr: r#"strftime(_time, "%a %d %b %Y %H:%M %z")"#,
            fields: &[("_time", "1700000000")],
            result: Some("Tue 14 Nov 2023 22:13 +0000"),
        },
        Example {
            expr: r#"strftime(requestReceivedTimestamp, "%Y-%m-%d")"#,
            fields: &[("requestReceivedTimestamp", "2023-11-14T22:13:20Z")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let time = args.number(0)?;
    let format = args.text(1)?;
    crate::time::strftime(time, &format, &args.ctx().tz).map(Value::Str)
}

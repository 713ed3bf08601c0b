//! `strptime(text, "format")`.

use super::support::num;
use super::{Args, Example, Function};
use crate::value::Value;

/// `strptime`.
pub(crate) static STRPTIME: Function = Function {
    name: "strptime",
    usage: "strptime(text, \"format\")",
    summary: "Text parsed with a Splunk time format, as epoch seconds (with a fraction when the text has one). A time without an offset (`%z`) is read in the search's time zone (UTC unless configured); a date alone is midnight. Null when the text does not match the format.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"strptime(requestReceivedTimestamp, "%Y-%m-%dT%H:%M:%S.%6NZ")"#,
            fields: &[("requestReceivedTimestamp", "2023-11-14T22:13:20.500000Z")],
            result: Some("1700000000.5"),
        },
        Example {
            expr: r#"strptime(lastSeen, "%Y-%m-%d %H:%M:%S %z")"#,
            fields: &[("lastSeen", "2023-11-15 00:13:20 +0200")],
            result: Some("1700000000"),
        },
        Example {
            expr: r#"strptime(day, "%Y-%m-%d")"#,
            fields: &[("day", "2023-11-14")],
            result: Some("1699920000"),
        },
        Example {
            expr: r#"strptime(day, "%Y-%m-%d")"#,
            fields: &[("day", "14/11/2023")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let text = args.text(0)?;
    let format = args.text(1)?;
    num(crate::time::strptime(&text, &format, &args.ctx().tz)?)
}

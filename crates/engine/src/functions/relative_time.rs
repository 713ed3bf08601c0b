//! `relative_time(time, "modifier")`.

use tripline_spl::timespec::TimeSpec;

use super::support::num;
use super::{Args, Example, Function};
use crate::value::Value;

/// `relative_time`.
pub(crate) static RELATIVE_TIME: Function = Function {
    name: "relative_time",
    usage: "relative_time(time, \"modifier\")",
    summary: "Epoch seconds moved by a relative time modifier (`-1d`, `-1d@d`, `@w1+8h`, `+3mon@mon`), snapping in the search's time zone (UTC unless configured). `@w` and `@w0` snap to Sunday. Null when the time is not a number or the modifier is invalid.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"relative_time(now(), "-1d@d")"#,
            fields: &[],
            result: Some("1699833600"),
        },
        Example {
            expr: r#"_time > relative_time(now(), "-15m")"#,
            fields: &[("_time", "1699999500")],
            result: Some("true"),
        },
        Example {
            expr: r#"relative_time(_time, "@h")"#,
            fields: &[("_time", "1700000000")],
            result: Some("1699999200"),
        },
        Example {
            expr: r#"relative_time(_time, "yesterday")"#,
            fields: &[("_time", "1700000000")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let time = args.number(0)?;
    let spec = TimeSpec::parse(&args.text(1)?).ok()?;
    num(crate::time::relative_time(time, &spec, &args.ctx().tz)?)
}

//! `log(x[, base])`.

use super::support::num;
use super::{Args, Example, Function};
use crate::value::Value;

/// `log`.
pub(crate) static LOG: Function = Function {
    name: "log",
    usage: "log(x[, base])",
    summary: "The logarithm of `x` in `base` (10 by default). Null when `x` is not positive, the base is not positive or is 1, or either is not a number.",
    min_args: 1,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "log(responseBytes)",
            fields: &[("responseBytes", "1000")],
            result: Some("3"),
        },
        Example {
            expr: "log(1024, 2)",
            fields: &[],
            result: Some("10"),
        },
        Example {
            expr: "log(8, 1)",
            fields: &[],
            result: None,
        },
        Example {
            expr: "log(-1)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let x = args.number(0)?;
    let base = if args.len() > 1 { args.number(1)? } else { 10.0 };
    if x <= 0.0 || base <= 0.0 || base == 1.0 {
        return None;
    }
    let r = if base == 10.0 {
        x.log10()
    } else if base == 2.0 {
        x.log2()
    } else {
        x.ln() / base.ln()
    };
    num(r)
}

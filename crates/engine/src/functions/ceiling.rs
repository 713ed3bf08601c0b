//! `ceiling(number)`.

use super::{Example, Function};

/// `ceiling`.
pub(crate) static CEILING: Function = Function {
    name: "ceiling",
    usage: "ceiling(number)",
    summary: "The same as `ceil`: the smallest integer not less than the number.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "ceiling(0.2)",
            fields: &[],
            result: Some("1"),
        },
        Example {
            expr: "ceiling(-0.5)",
            fields: &[],
            result: Some("0"),
        },
        Example {
            expr: "ceiling(missing)",
            fields: &[],
            result: None,
        },
    ],
    call: super::ceil::call,
};

//! `trim(text[, chars])`, and the trimming shared with `ltrim` and `rtrim`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `trim`.
pub(crate) static TRIM: Function = Function {
    name: "trim",
    usage: "trim(text[, chars])",
    summary: "The text without any of `chars` at either end (each character of `chars` is removed, in any order, not the string as a whole). Without `chars`, spaces and tabs are removed. A multivalue gives its first value trimmed.",
    min_args: 1,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "trim(userAgent)",
            fields: &[("userAgent", "  kubectl/v1.29.2\t")],
            result: Some("kubectl/v1.29.2"),
        },
        Example {
            expr: r#"trim(requestURI, "/")"#,
            fields: &[("requestURI", "/api/v1/pods/")],
            result: Some("api/v1/pods"),
        },
        Example {
            expr: r#"trim(name, "xyz")"#,
            fields: &[("name", "zyxcorednsxx")],
            result: Some("coredns"),
        },
        Example {
            expr: "trim(userAgent)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

/// Which ends to trim.
#[derive(Clone, Copy)]
pub(super) enum Ends {
    Left,
    Right,
    Both,
}

/// `trim`, `ltrim` and `rtrim`.
pub(super) fn trim(args: &Args<'_>, ends: Ends) -> Option<Value> {
    let text = args.text(0)?;
    let chars = if args.len() > 1 { args.text(1)? } else { " \t".into() };
    let strip = |c: char| chars.contains(c);
    let out = match ends {
        Ends::Left => text.trim_start_matches(strip),
        Ends::Right => text.trim_end_matches(strip),
        Ends::Both => text.trim_matches(strip),
    };
    Some(Value::str(out))
}

fn call(args: &Args<'_>) -> Option<Value> {
    trim(args, Ends::Both)
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    #[test]
    fn default_set_is_space_and_tab() {
        assert_eq!(text("trim(x)", &[("x", " \ta b\n ")]).as_deref(), Some("a b\n"));
        assert_eq!(text(r#"trim(x, "")"#, &[("x", " a ")]).as_deref(), Some(" a "));
        assert_eq!(text(r#"trim(x, "ü")"#, &[("x", "üaü")]).as_deref(), Some("a"));
        assert_eq!(text(r#"trim(x, missing)"#, &[("x", " a ")]), None);
    }
}

//! `replace(text, "regex", "replacement")`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `replace`.
pub(crate) static REPLACE: Function = Function {
    name: "replace",
    usage: "replace(text, \"regex\", \"replacement\")",
    summary: "The text with every match of the regular expression replaced. In the replacement, `\\1` to `\\9` insert capture groups (`\\0` the whole match); every other character, `$` included, is literal. A multivalue gives its first value replaced. Regexes are as in `match`: `\\d`, `\\s`, `\\w` and `\\b` are ASCII. A regex that is invalid at run time gives null.",
    min_args: 3,
    max_args: Some(3),
    regex_args: &[1],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"replace('objectRef.name', "-[a-f0-9]{8,10}-\w{5}$", "")"#,
            fields: &[("objectRef.name", "nginx-7c5ddbdf54-x7k2p")],
            result: Some("nginx"),
        },
        Example {
            expr: r#"replace('user.username', "^system:serviceaccount:([^:]+):(.+)$", "\2 in \1")"#,
            fields: &[("user.username", "system:serviceaccount:kube-system:coredns")],
            result: Some("coredns in kube-system"),
        },
        Example {
            expr: r#"replace(requestURI, "/secrets/[^/?]+", "/secrets/<redacted>")"#,
            fields: &[("requestURI", "/api/v1/namespaces/prod/secrets/db-password?watch=1")],
            result: Some("/api/v1/namespaces/prod/secrets/<redacted>?watch=1"),
        },
        Example {
            expr: r#"replace(image, "^(?::\w{0,127})?$", "")"#,
            fields: &[("image", "nginx:1.27")],
            result: Some("nginx:1.27"),
        },
        Example {
            expr: r#"replace(name, "\w", "x")"#,
            fields: &[("name", "café٣")],
            result: Some("xxxé٣"),
        },
        Example {
            expr: r##"replace(userAgent, "\d", "#")"##,
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let text = args.text(0)?;
    let re = args.regex(1)?;
    let replacement = translate(&args.text(2)?);
    Some(Value::str(&re.replace_all(&text, replacement.as_str())))
}

/// Splunk's replacement syntax (`\1` back-references, everything else literal) in the regex
/// crate's (`${1}`, with `$` escaped as `$$`).
fn translate(replacement: &str) -> String {
    let mut out = String::with_capacity(replacement.len() + 8);
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    chars.next();
                    out.push_str("${");
                    out.push(d);
                    out.push('}');
                }
                _ => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;
    use super::translate;

    #[test]
    fn dollar_is_literal() {
        assert_eq!(translate("$1 \\1 $$"), "$$1 ${1} $$$$");
        let fields = [("price", "cost 10")];
        assert_eq!(
            text(r#"replace(price, "(\d+)", "$\1")"#, &fields).as_deref(),
            Some("cost $10")
        );
        assert_eq!(
            text(r#"replace(price, "(\d+)", "${1}")"#, &fields).as_deref(),
            Some("cost ${1}")
        );
    }

    #[test]
    fn global_and_groups() {
        let fields = [("ip", "10.0.0.1")];
        assert_eq!(text(r#"replace(ip, "\.", "-")"#, &fields).as_deref(), Some("10-0-0-1"));
        assert_eq!(
            text(r#"replace(ip, "(\d+)", "<\1>")"#, &fields).as_deref(),
            Some("<10>.<0>.<0>.<1>")
        );
        assert_eq!(
            text(r#"replace(ip, "^(\d+)", "[\0]")"#, &fields).as_deref(),
            Some("[10].0.0.1")
        );
        // A group that does not exist inserts nothing; a lone backslash stays.
        assert_eq!(
            text(r#"replace(ip, "^10", "\5x\\")"#, &fields).as_deref(),
            Some("x\\.0.0.1")
        );
    }

    #[test]
    fn corpus_pattern_with_double_anchor() {
        // The corpus writes `$$` (two end anchors) in its regexes.
        let fields = [("pod", "coredns-5d78c9869d-x7k2p")];
        let expr = r#"replace(pod, "-\w{5}$$|-[abcdef0-9]{8,10}-\w{5}$$", "")"#;
        assert_eq!(text(expr, &fields).as_deref(), Some("coredns"));
    }

    #[test]
    fn null_and_invalid() {
        assert_eq!(text(r#"replace(x, "a", missing)"#, &[("x", "a")]), None);
        assert_eq!(text("replace(x, re, \"\")", &[("x", "a"), ("re", "(")]), None);
    }
}

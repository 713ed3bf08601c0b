//! `match(text, "regex")`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `match`.
pub(crate) static MATCH: Function = Function {
    name: "match",
    usage: "match(text, \"regex\")",
    summary: "True when the regular expression matches anywhere in the text (unanchored: write `^...$` to match the whole text). Case-sensitive unless the regex starts with `(?i)`; a multivalue matches when any value does. Regexes use Rust's linear-time engine, so look-around and back-references are rejected; as in Splunk's PCRE, `\\d`, `\\s`, `\\w` and `\\b` are ASCII (`\\w` does not match `é`). A regex that is invalid at run time gives null.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[1],
    returns_bool: true,
    examples: &[
        Example {
            expr: r#"match(requestURI, "^/api/v1/namespaces/[^/]+/secrets")"#,
            fields: &[(
                "requestURI",
                "/api/v1/namespaces/kube-system/secrets/bootstrap-token-abcdef",
            )],
            result: Some("true"),
        },
        Example {
            expr: r#"match(userAgent, "kubectl")"#,
            fields: &[("userAgent", "Mozilla/5.0 (kubectl-proxy)")],
            result: Some("true"),
        },
        Example {
            expr: r#"match(userAgent, "(?i)^KUBECTL/")"#,
            fields: &[("userAgent", "kubectl/v1.29.2 (linux/amd64) kubernetes/4b8e819")],
            result: Some("true"),
        },
        Example {
            expr: r#"match(name, "^\w+$")"#,
            fields: &[("name", "café")],
            result: Some("false"),
        },
        Example {
            expr: r#"match('sourceIPs{}', "^10\.")"#,
            fields: &[("sourceIPs{}", "[192.168.1.7,10.0.0.12]")],
            result: Some("true"),
        },
        Example {
            expr: r#"match(userAgent, "kubectl")"#,
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let text = args.value(0)?;
    let re = args.regex(1)?;
    Some(Value::Bool(text.any_text(|s| re.is_match(s))))
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    #[test]
    fn regex_from_a_field() {
        let fields = [("uri", "/apis/apps/v1/deployments"), ("re", "deploy")];
        assert_eq!(text("match(uri, re)", &fields).as_deref(), Some("true"));
        // An invalid pattern found in the data cannot be reported at compile time: null.
        let fields = [("uri", "/apis"), ("re", "(unclosed")];
        assert_eq!(text("match(uri, re)", &fields), None);
    }

    #[test]
    fn case_sensitive() {
        assert_eq!(text(r#"match("Kubectl", "kubectl")"#, &[]).as_deref(), Some("false"));
    }
}

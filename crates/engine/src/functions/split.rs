//! `split(text, "delimiter")`.

use super::{Args, Example, Function};
use crate::value::{Text, Value};

/// `split`.
pub(crate) static SPLIT: Function = Function {
    name: "split",
    usage: "split(text, \"delimiter\")",
    summary: "The text cut at every occurrence of the delimiter, as a multivalue. The delimiter is literal text, not a regex; empty pieces are kept (`a,,b` gives three values); an empty delimiter splits into characters. A single piece is a single value. A multivalue splits its first value.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"split(requestURI, "/")"#,
            fields: &[("requestURI", "/api/v1/pods")],
            result: Some("[,api,v1,pods]"),
        },
        Example {
            expr: r#"split('user.username', ":")"#,
            fields: &[("user.username", "system:serviceaccount:kube-system:coredns")],
            result: Some("[system,serviceaccount,kube-system,coredns]"),
        },
        Example {
            expr: r#"split(anomalies, ", ")"#,
            fields: &[("anomalies", "tcp.bytes high")],
            result: Some("tcp.bytes high"),
        },
        Example {
            expr: r#"split(verb, "")"#,
            fields: &[("verb", "get")],
            result: Some("[g,e,t]"),
        },
        Example {
            expr: r#"split(verb, ",")"#,
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let text = args.text(0)?;
    let delimiter = args.text(1)?;
    let pieces: Vec<Text> = if delimiter.is_empty() {
        text.chars().map(|c| Text::from(&*c.encode_utf8(&mut [0; 4]))).collect()
    } else {
        text.split(delimiter.as_str()).map(Text::from).collect()
    };
    // The empty text split into characters has no pieces; it stays the empty value.
    Some(if pieces.is_empty() {
        Value::str("")
    } else {
        Value::multi(pieces)
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    #[test]
    fn pieces() {
        assert_eq!(text(r#"split(x, ",")"#, &[("x", "a,,b,")]).as_deref(), Some("[a,,b,]"));
        assert_eq!(text(r#"split(x, ".*")"#, &[("x", "a.*b")]).as_deref(), Some("[a,b]"));
        assert_eq!(text(r#"split(x, "")"#, &[("x", "")]).as_deref(), Some(""));
        assert_eq!(text(r#"split(x, "é")"#, &[("x", "caféx")]).as_deref(), Some("[caf,x]"));
        assert_eq!(text(r#"split(x, "")"#, &[("x", "añb")]).as_deref(), Some("[a,ñ,b]"));
    }
}

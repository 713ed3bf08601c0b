//! `urldecode(text)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `urldecode`.
pub(crate) static URLDECODE: Function = Function {
    name: "urldecode",
    usage: "urldecode(text)",
    summary: "The text with `%XX` escapes decoded as UTF-8 bytes. A `+` stays a `+` (it is not read as a space), a `%` not followed by two hexadecimal digits stays as written, and bytes that do not form valid UTF-8 become U+FFFD. A multivalue decodes its first value.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "urldecode(requestURI)",
            fields: &[(
                "requestURI",
                "/api/v1/namespaces/default/pods?labelSelector=app%3Dnginx%2Ctier%3Dweb",
            )],
            result: Some("/api/v1/namespaces/default/pods?labelSelector=app=nginx,tier=web"),
        },
        Example {
            expr: r#"urldecode("http%3A%2F%2Fwww.splunk.com%2Fdownload%3Fr%3Dheader")"#,
            fields: &[],
            result: Some("http://www.splunk.com/download?r=header"),
        },
        Example {
            expr: "urldecode(q)",
            fields: &[("q", "caf%C3%A9+100%")],
            result: Some("café+100%"),
        },
        Example {
            expr: "urldecode(requestURI)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(Value::str(&decode(&args.text(0)?)))
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|&b| char::from(b).to_digit(16)),
                bytes.get(i + 2).and_then(|&b| char::from(b).to_digit(16)),
            )
        {
            // Two hexadecimal digits make one byte: h, l < 16.
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn escapes() {
        assert_eq!(decode("%41%42%4a%4A"), "ABJJ");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%4"), "%4");
        assert_eq!(decode("%zz%"), "%zz%");
        assert_eq!(decode("%FF"), "\u{FFFD}");
        assert_eq!(decode("a+b%20c"), "a+b c");
        assert_eq!(decode("%E2%9C%93 ü"), "✓ ü");
    }
}

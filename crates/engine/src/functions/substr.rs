//! `substr(text, start[, length])`.

use super::support::integer;
use super::{Args, Example, Function};
use crate::value::Value;

/// `substr`.
pub(crate) static SUBSTR: Function = Function {
    name: "substr",
    usage: "substr(text, start[, length])",
    summary: "Part of the text, counted in characters. `start` is 1-based (0 counts as 1); a negative start counts from the end (`-3` is the last three characters), and a start before the beginning is clamped to it. Without `length` the rest of the text is returned. A start past the end gives the empty string; a negative length, or a start or length that is not a number, gives null.",
    min_args: 2,
    max_args: Some(3),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "substr(userAgent, 1, 7)",
            fields: &[("userAgent", "kubectl/v1.29.2 (linux/amd64)")],
            result: Some("kubectl"),
        },
        Example {
            expr: "substr('objectRef.name', -5)",
            fields: &[("objectRef.name", "coredns-5d78c9869d-x7k2p")],
            result: Some("x7k2p"),
        },
        Example {
            expr: "substr('user.username', 8)",
            fields: &[("user.username", "system:serviceaccount:default:builder")],
            result: Some("serviceaccount:default:builder"),
        },
        Example {
            expr: "substr(name, 2, 3)",
            fields: &[("name", "żółw-pod")],
            result: Some("ółw"),
        },
        Example {
            expr: "substr(name, 50)",
            fields: &[("name", "short")],
            result: Some(""),
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let text = args.text(0)?;
    let start = integer(args.number(1)?)?;
    let count = text.chars().count() as i64;
    let begin = match start {
        s if s > 0 => s - 1,
        0 => 0,
        s => (count + s).max(0),
    }
    .min(count);
    let end = if args.len() > 2 {
        let length = integer(args.number(2)?)?;
        if length < 0 {
            return None;
        }
        begin.saturating_add(length).min(count)
    } else {
        count
    };
    // Both bounds are within 0..=count, so they fit usize.
    let (begin, end) = (usize::try_from(begin).ok()?, usize::try_from(end).ok()?);
    let out: String = text.chars().skip(begin).take(end - begin).collect();
    Some(Value::str(&out))
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    fn substr(expr: &str) -> Option<String> {
        text(expr, &[("s", "abcdef")])
    }

    #[test]
    fn positions() {
        assert_eq!(substr("substr(s, 1)").as_deref(), Some("abcdef"));
        assert_eq!(substr("substr(s, 0, 2)").as_deref(), Some("ab"));
        assert_eq!(substr("substr(s, 3, 2)").as_deref(), Some("cd"));
        assert_eq!(substr("substr(s, 5, 100)").as_deref(), Some("ef"));
        assert_eq!(substr("substr(s, 7)").as_deref(), Some(""));
        assert_eq!(substr("substr(s, 2, 0)").as_deref(), Some(""));
    }

    #[test]
    fn negative_start() {
        assert_eq!(substr("substr(s, -2)").as_deref(), Some("ef"));
        assert_eq!(substr("substr(s, -4, 2)").as_deref(), Some("cd"));
        assert_eq!(substr("substr(s, -100, 2)").as_deref(), Some("ab"));
    }

    #[test]
    fn bad_arguments() {
        assert_eq!(substr("substr(s, 1, -1)"), None);
        assert_eq!(substr("substr(s, \"x\")"), None);
        assert_eq!(substr("substr(missing, 1)"), None);
        assert_eq!(substr("substr(s, 1e300, 1e300)").as_deref(), None);
    }

    #[test]
    fn number_and_multivalue() {
        assert_eq!(text("substr(12345, 2, 2)", &[]).as_deref(), Some("23"));
        assert_eq!(
            text("substr(ips, 1, 3)", &[("ips", "[10.0.0.1,192.168.0.1]")]).as_deref(),
            Some("10.")
        );
    }
}

//! `spath(json, "path")`.

use super::support::collect;
use super::{Args, Example, Function};
use crate::json::{FieldSet, Projection, flatten};
use crate::value::{Text, Value};

/// `spath`.
pub(crate) static SPATH: Function = Function {
    name: "spath",
    usage: "spath(json, \"path\")",
    summary: "The value at a path in a JSON text, named as Splunk's JSON extraction names fields: keys joined with `.`, `{}` for every element of an array (`sourceIPs{}`, `spec.containers{}.image`), several values giving a multivalue. A trailing `{N}` picks the N-th element of an array of scalars, counting from 1 as Splunk's spath does (`sourceIPs{1}`); an index anywhere else is not supported and gives null. Only scalar leaves are returned: a path to an object or array (`user`, `sourceIPs` without `{}`) gives null where Splunk returns its JSON text. JSON `null` values are absent. Null when the text is not valid JSON or nothing is at the path.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"spath(_raw, "user.username")"#,
            fields: &[(
                "_raw",
                r#"{"user":{"username":"system:serviceaccount:default:builder","groups":["system:serviceaccounts"]},"verb":"create"}"#,
            )],
            result: Some("system:serviceaccount:default:builder"),
        },
        Example {
            expr: r#"spath(requestObject, "spec.containers{}.image")"#,
            fields: &[(
                "requestObject",
                r#"{"spec":{"containers":[{"name":"app","image":"nginx:1.25"},{"name":"sidecar","image":"busybox"}]}}"#,
            )],
            result: Some("[nginx:1.25,busybox]"),
        },
        Example {
            expr: r#"spath(_raw, "sourceIPs{2}")"#,
            fields: &[("_raw", r#"{"sourceIPs":["203.0.113.9","10.0.0.12"]}"#)],
            result: Some("10.0.0.12"),
        },
        Example {
            expr: r#"spath(_raw, "user")"#,
            fields: &[("_raw", r#"{"user":{"username":"alice"}}"#)],
            result: None,
        },
        Example {
            expr: r#"spath(_raw, "verb")"#,
            fields: &[("_raw", "verb=create")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let json = args.text(0)?;
    let (name, index) = parse_path(args.text(1)?.trim())?;
    let mut wanted = FieldSet::new();
    wanted.insert_name(&name);
    let mut values: Vec<Text> = Vec::new();
    flatten(&json, &Projection::Only(wanted), &mut |_, v| values.push(Text::from(v))).ok()?;
    match index {
        Some(i) => values.into_iter().nth(i).map(Value::Str),
        None => collect(values),
    }
}

/// The field name a path selects, and the 0-based element a trailing `{N}` picks.
fn parse_path(path: &str) -> Option<(String, Option<usize>)> {
    let indexed = path.strip_suffix('}').and_then(|p| {
        let open = p.rfind('{')?;
        let digits = &p[open + 1..];
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| (&p[..open], digits))
    });
    match indexed {
        Some((base, digits)) => {
            // Only the last array step may have an index: earlier arrays would need the element
            // boundaries that a flattened walk does not keep.
            if base.contains('{') {
                return None;
            }
            let n: usize = digits.parse().ok()?;
            Some((format!("{base}{{}}"), Some(n.checked_sub(1)?)))
        }
        None if has_index(path) => None,
        None => Some((path.to_owned(), None)),
    }
}

/// Whether the path has a `{N}` step.
fn has_index(path: &str) -> bool {
    path.split('{').skip(1).any(|rest| {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && rest.as_bytes().get(digits) == Some(&b'}')
    })
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    const EVENT: &str = r#"{"kind":"Event","verb":"get","code":403,"ok":true,"gone":null,"sourceIPs":["203.0.113.9","10.0.0.12"],"annotations":{"authorization.k8s.io/decision":"forbid"},"items":[{"ports":[80,443]},{"ports":[8080]}],"nested":[[1,2],[3]]}"#;

    fn spath(path: &str) -> Option<String> {
        text(&format!("spath(_raw, \"{path}\")"), &[("_raw", EVENT)])
    }

    #[test]
    fn scalars() {
        assert_eq!(spath("verb").as_deref(), Some("get"));
        assert_eq!(spath("code").as_deref(), Some("403"));
        assert_eq!(spath("ok").as_deref(), Some("true"));
        assert_eq!(spath("gone"), None);
        assert_eq!(
            spath("annotations.authorization.k8s.io/decision").as_deref(),
            Some("forbid")
        );
        assert_eq!(spath("Verb"), None);
    }

    #[test]
    fn arrays() {
        assert_eq!(spath("sourceIPs{}").as_deref(), Some("[203.0.113.9,10.0.0.12]"));
        assert_eq!(spath("sourceIPs{1}").as_deref(), Some("203.0.113.9"));
        assert_eq!(spath("sourceIPs{3}"), None);
        assert_eq!(spath("sourceIPs{0}"), None);
        assert_eq!(spath("sourceIPs"), None);
        assert_eq!(spath("items{}.ports{}").as_deref(), Some("[80,443,8080]"));
        assert_eq!(spath("nested{}{}").as_deref(), Some("[1,2,3]"));
        // Unsupported: an index before another array step, or in the middle of the path.
        assert_eq!(spath("items{}.ports{1}"), None);
        assert_eq!(spath("items{1}.ports{}"), None);
        assert_eq!(spath("nested{}{1}"), None);
    }

    #[test]
    fn top_level_array_and_bad_input() {
        // The trailing space keeps the test row from reading `[...]` as a multivalue.
        let fields = [("j", r#"["a","b"] "#)];
        assert_eq!(text(r#"spath(j, "{2}")"#, &fields).as_deref(), Some("b"));
        assert_eq!(text(r#"spath(j, "{}")"#, &fields).as_deref(), Some("[a,b]"));
        assert_eq!(text(r#"spath(j, "x")"#, &[("j", "{not json")]), None);
        assert_eq!(text(r#"spath(j, "x")"#, &[("j", "")]), None);
        assert_eq!(text(r#"spath(j, "x")"#, &[]), None);
        assert_eq!(text(r#"spath(j, "{99999999999999999999999}")"#, &fields), None);
    }
}

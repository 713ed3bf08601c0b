//! `mvfilter(condition)`.

use super::support::collect;
use super::{Args, Example, Function};
use crate::value::{Text, Value};

/// `mvfilter`.
pub(crate) static MVFILTER: Function = Function {
    name: "mvfilter",
    usage: "mvfilter(condition)",
    summary: "The values of a multivalue field for which the condition is true. The condition names the field (Splunk allows exactly one); it is evaluated once per value, with the field holding just that value. Null when the field is missing or no value is kept. If the condition reads several fields, the first one it names is the one filtered and the others keep their whole value (Splunk rejects such a condition).",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"mvfilter(match('sourceIPs{}', "^10\."))"#,
            fields: &[("sourceIPs{}", "[10.0.0.12,203.0.113.9,10.0.0.13]")],
            result: Some("[10.0.0.12,10.0.0.13]"),
        },
        Example {
            expr: r#"mvfilter('user.groups{}' != "system:authenticated")"#,
            fields: &[("user.groups{}", "[system:masters,system:authenticated]")],
            result: Some("system:masters"),
        },
        Example {
            expr: r#"mvfilter(like('user.groups{}', "oidc:%"))"#,
            fields: &[("user.groups{}", "[system:masters,system:authenticated]")],
            result: None,
        },
        Example {
            expr: r#"mvfilter('user.groups{}' = "system:masters")"#,
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let condition = args.expr(0)?;
    let mut names: Vec<Text> = Vec::new();
    condition.fields(&mut names);
    let name = names.into_iter().next()?;
    let values = args.row().get(&name)?.values();
    let mut row = args.row().clone();
    let mut kept = Vec::new();
    for v in values {
        row.set(&name, Value::Str(v.clone()));
        if matches!(args.value_on(0, &row), Some(Value::Bool(true))) {
            kept.push(v);
        }
    }
    collect(kept)
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    #[test]
    fn per_value_and_other_fields() {
        let fields = [("ips", "[1,5,10]"), ("limit", "4")];
        assert_eq!(text("mvfilter(ips > limit)", &fields).as_deref(), Some("[5,10]"));
        assert_eq!(text("mvfilter(ips > 100)", &fields), None);
        // A single value is filtered like a multivalue of one.
        assert_eq!(text("mvfilter(ips > 0)", &[("ips", "3")]).as_deref(), Some("3"));
        // No field named: nothing to filter.
        assert_eq!(text("mvfilter(1 > 0)", &fields), None);
    }

    #[test]
    fn null_condition_drops_the_value() {
        let fields = [("ips", "[a,b]")];
        assert_eq!(text("mvfilter(ips == missing)", &fields), None);
        assert_eq!(
            text(r#"mvfilter(ips == "a" OR isnull(missing))"#, &fields).as_deref(),
            Some("[a,b]")
        );
    }
}

//! `mvmap(mv, expression)`.

use super::support::collect;
use super::{Args, Example, Function};
use crate::expr::CExpr;
use crate::value::Value;

/// `mvmap`.
pub(crate) static MVMAP: Function = Function {
    name: "mvmap",
    usage: "mvmap(mv, expression)",
    summary: "The expression evaluated once per value of the multivalue field `mv`, with the field holding just that value, as a multivalue of the results (null results are dropped; a multivalue result adds all its values). The first argument must be a field name; anything else gives null, as does a missing field or no non-null result.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"mvmap('user.groups{}', replace('user.groups{}', "^system:", ""))"#,
            fields: &[("user.groups{}", "[system:masters,oidc:admins]")],
            result: Some("[masters,oidc:admins]"),
        },
        Example {
            expr: "mvmap(ports, ports + 1)",
            fields: &[("ports", "[80,443]")],
            result: Some("[81,444]"),
        },
        Example {
            expr: r#"mvmap('sourceIPs{}', if(cidrmatch("10.0.0.0/8", 'sourceIPs{}'), "internal", null()))"#,
            fields: &[("sourceIPs{}", "[203.0.113.9,10.0.0.12]")],
            result: Some("internal"),
        },
        Example {
            expr: "mvmap(ports, ports * 2)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let Some(CExpr::Field(name)) = args.expr(0) else {
        return None;
    };
    let values = args.row().get(name)?.values();
    let mut row = args.row().clone();
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        row.set(name, Value::Str(v));
        match args.value_on(1, &row) {
            Some(Value::Multi(vs)) => out.extend(vs),
            Some(other) => out.push(other.to_text()),
            None => {}
        }
    }
    collect(out)
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    #[test]
    fn binds_only_a_field() {
        assert_eq!(text("mvmap(split(\"a,b\", \",\"), 1)", &[]), None);
        let fields = [("mv", "[a,b]"), ("suffix", "!")];
        assert_eq!(text("mvmap(mv, mv . suffix)", &fields).as_deref(), Some("[a!,b!]"));
        assert_eq!(
            text("mvmap(mv, split(mv, \"\"))", &[("mv", "[ab,c]")]).as_deref(),
            Some("[a,b,c]")
        );
        assert_eq!(text("mvmap(mv, mv)", &[("mv", "x")]).as_deref(), Some("x"));
    }
}

//! `mvzip(mv1, mv2[, "delimiter"])`.

use super::{Args, Example, Function};
use crate::value::{Text, Value};

/// `mvzip`.
pub(crate) static MVZIP: Function = Function {
    name: "mvzip",
    usage: "mvzip(mv1, mv2[, \"delimiter\"])",
    summary: "Pairs the values of two multivalues by position, each pair joined with the delimiter (`,` by default), like Python's `zip`: the result is as long as the shorter input. Null when either input is null.",
    min_args: 2,
    max_args: Some(3),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"mvzip('objectRef.names{}', 'responseStatus.codes{}', "=")"#,
            fields: &[
                ("objectRef.names{}", "[web,db]"),
                ("responseStatus.codes{}", "[200,403]"),
            ],
            result: Some("[web=200,db=403]"),
        },
        Example {
            expr: r#"mvzip(hosts, ports, ":")"#,
            fields: &[("hosts", "[node-1,node-2,node-3]"), ("ports", "[10250,10255]")],
            result: Some("[node-1:10250,node-2:10255]"),
        },
        Example {
            expr: "mvzip(hosts, ports)",
            fields: &[("hosts", "[node-1,node-2]")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let left = args.value(0)?.values();
    let right = args.value(1)?.values();
    let delimiter = if args.len() > 2 { args.text(2)? } else { Text::from(",") };
    let out = left
        .iter()
        .zip(&right)
        .map(|(a, b)| {
            let mut s = a.clone();
            s.push_str(&delimiter);
            s.push_str(b);
            s
        })
        .collect();
    super::support::collect(out)
}

#[cfg(test)]
mod tests {
    use super::super::support::test::eval;
    use crate::value::Value;

    #[test]
    fn default_delimiter_and_single_values() {
        let fields = [("a", "[x,y]"), ("b", "[1,2]")];
        assert_eq!(
            eval("mvzip(a, b)", &fields),
            Some(Value::Multi(vec!["x,1".into(), "y,2".into()]))
        );
        assert_eq!(eval("mvzip(\"k\", \"v\", \"=\")", &[]), Some(Value::str("k=v")));
    }
}

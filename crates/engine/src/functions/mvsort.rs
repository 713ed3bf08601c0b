//! `mvsort(mv)`.

use super::{Args, Example, Function};
use crate::value::Value;

/// `mvsort`.
pub(crate) static MVSORT: Function = Function {
    name: "mvsort",
    usage: "mvsort(mv)",
    summary: "The values sorted lexicographically by their bytes, as Splunk documents: numbers sort as text (`10` before `9`) and uppercase before lowercase. Duplicates are kept.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "mvsort('user.groups{}')",
            fields: &[("user.groups{}", "[system:authenticated,oidc:admins,Cluster-Admins]")],
            result: Some("[Cluster-Admins,oidc:admins,system:authenticated]"),
        },
        Example {
            expr: "mvsort(ports)",
            fields: &[("ports", "[9,10,443,10]")],
            result: Some("[10,10,443,9]"),
        },
        Example {
            expr: "mvsort(ports)",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let mut out = args.value(0)?.values();
    out.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    Some(Value::multi(out))
}

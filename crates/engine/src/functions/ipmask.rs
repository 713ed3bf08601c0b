//! `ipmask(mask, ip)`.

use std::net::Ipv4Addr;

use super::{Args, Example, Function};
use crate::value::Value;

/// `ipmask`.
pub(crate) static IPMASK: Function = Function {
    name: "ipmask",
    usage: "ipmask(mask, ip)",
    summary: "The IPv4 address with the mask applied by a bitwise AND (`ipmask(\"255.255.255.0\", \"10.20.30.120\")` is `10.20.30.0`). Both must be dotted-quad IPv4 addresses; anything else (IPv6 included) gives null. A multivalue address uses its first value.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: r#"ipmask("255.255.255.0", 'sourceIPs{}')"#,
            fields: &[("sourceIPs{}", "10.244.1.17")],
            result: Some("10.244.1.0"),
        },
        Example {
            expr: r#"ipmask("0.255.0.224", "10.20.30.120")"#,
            fields: &[],
            result: Some("0.20.0.96"),
        },
        Example {
            expr: r#"ipmask("255.255.0.0", 'sourceIPs{}')"#,
            fields: &[("sourceIPs{}", "fd12::1")],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let mask: Ipv4Addr = args.text(0)?.trim().parse().ok()?;
    let ip: Ipv4Addr = args.text(1)?.trim().parse().ok()?;
    Some(Value::str(
        &Ipv4Addr::from_bits(ip.to_bits() & mask.to_bits()).to_string(),
    ))
}

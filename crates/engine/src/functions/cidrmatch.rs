//! `cidrmatch("cidr", ip)`.

use std::net::IpAddr;

use super::{Args, Example, Function};
use crate::value::Value;

/// `cidrmatch`.
pub(crate) static CIDRMATCH: Function = Function {
    name: "cidrmatch",
    usage: "cidrmatch(\"10.0.0.0/8\", ip)",
    summary: "True when the IP address is inside the CIDR block, for IPv4 and IPv6. A block without `/bits` is a single address; an IPv4 address also matches as its IPv4-mapped IPv6 form (`::ffff:10.0.0.1`) and the other way round. False when the address or the block is not valid (IPv4 with leading zeros is not); a multivalue matches when any value does; a null address gives null.",
    min_args: 2,
    max_args: Some(2),
    regex_args: &[],
    returns_bool: true,
    examples: &[
        Example {
            expr: r#"cidrmatch("10.0.0.0/8", 'sourceIPs{}')"#,
            fields: &[("sourceIPs{}", "10.244.1.17")],
            result: Some("true"),
        },
        Example {
            expr: r#"cidrmatch("192.168.0.0/16", 'sourceIPs{}')"#,
            fields: &[("sourceIPs{}", "[203.0.113.9,192.168.4.2]")],
            result: Some("true"),
        },
        Example {
            expr: r#"cidrmatch("fd00::/8", 'sourceIPs{}')"#,
            fields: &[("sourceIPs{}", "fd12:3456:789a::1")],
            result: Some("true"),
        },
        Example {
            expr: r#"cidrmatch("10.0.0.0/8", 'sourceIPs{}')"#,
            fields: &[("sourceIPs{}", "kube-apiserver")],
            result: Some("false"),
        },
        Example {
            expr: r#"cidrmatch("10.0.0.0/8", 'sourceIPs{}')"#,
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    let ip = args.value(1)?;
    let Some((net, bits)) = args.text(0).as_deref().and_then(parse_cidr) else {
        return Some(Value::Bool(false));
    };
    Some(Value::Bool(
        ip.any_text(|s| s.trim().parse().is_ok_and(|ip| contains(net, bits, ip))),
    ))
}

/// `10.0.0.0/8`, `fd00::/8`, or a bare address (all its bits).
fn parse_cidr(text: &str) -> Option<(IpAddr, u32)> {
    let text = text.trim();
    let (addr, bits) = match text.split_once('/') {
        Some((a, b)) if !b.is_empty() && b.bytes().all(|c| c.is_ascii_digit()) => (a, b.parse().ok()?),
        Some(_) => return None,
        None => (text, u32::MAX),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    match bits {
        u32::MAX => Some((addr, max)),
        b if b <= max => Some((addr, b)),
        _ => None,
    }
}

fn contains(net: IpAddr, bits: u32, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => prefix_eq(u128::from(n.to_bits()), u128::from(i.to_bits()), bits, 32),
        (IpAddr::V6(n), IpAddr::V6(i)) => prefix_eq(n.to_bits(), i.to_bits(), bits, 128),
        (IpAddr::V4(n), IpAddr::V6(i)) => i
            .to_ipv4_mapped()
            .is_some_and(|i| prefix_eq(u128::from(n.to_bits()), u128::from(i.to_bits()), bits, 32)),
        (IpAddr::V6(n), IpAddr::V4(i)) => prefix_eq(n.to_bits(), i.to_ipv6_mapped().to_bits(), bits, 128),
    }
}

/// Whether the first `bits` of two `width`-bit addresses are equal.
fn prefix_eq(a: u128, b: u128, bits: u32, width: u32) -> bool {
    let shift = width - bits.min(width);
    a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::support::test::text;

    fn cidr(block: &str, ip: &str) -> Option<String> {
        text(&format!("cidrmatch(\"{block}\", ip)"), &[("ip", ip)])
    }

    #[test]
    fn ipv4() {
        assert_eq!(cidr("10.0.0.0/8", "10.255.255.255").as_deref(), Some("true"));
        assert_eq!(cidr("10.0.0.0/8", "11.0.0.0").as_deref(), Some("false"));
        assert_eq!(cidr("10.1.2.3/8", "10.9.9.9").as_deref(), Some("true"));
        assert_eq!(cidr("0.0.0.0/0", "203.0.113.9").as_deref(), Some("true"));
        assert_eq!(cidr("192.168.1.7/32", "192.168.1.7").as_deref(), Some("true"));
        assert_eq!(cidr("192.168.1.7", "192.168.1.8").as_deref(), Some("false"));
        assert_eq!(cidr("123.132.32.0/25", "123.132.32.127").as_deref(), Some("true"));
        assert_eq!(cidr("123.132.32.0/25", "123.132.32.128").as_deref(), Some("false"));
    }

    #[test]
    fn ipv6() {
        assert_eq!(cidr("2001:db8::/32", "2001:db8:ffff::1").as_deref(), Some("true"));
        assert_eq!(cidr("2001:db8::/32", "2001:db9::1").as_deref(), Some("false"));
        assert_eq!(cidr("::/0", "::1").as_deref(), Some("true"));
        assert_eq!(cidr("::1/128", "::1").as_deref(), Some("true"));
        assert_eq!(cidr("fe80::/10", "febf::1").as_deref(), Some("true"));
        assert_eq!(cidr("fe80::/10", "fec0::1").as_deref(), Some("false"));
    }

    #[test]
    fn mixed_families() {
        assert_eq!(cidr("10.0.0.0/8", "::ffff:10.1.2.3").as_deref(), Some("true"));
        assert_eq!(cidr("::ffff:10.0.0.0/104", "10.1.2.3").as_deref(), Some("true"));
        assert_eq!(cidr("10.0.0.0/8", "2001:db8::1").as_deref(), Some("false"));
    }

    #[test]
    fn invalid() {
        assert_eq!(cidr("10.0.0.0/33", "10.0.0.1").as_deref(), Some("false"));
        assert_eq!(cidr("10.0.0.0/", "10.0.0.1").as_deref(), Some("false"));
        assert_eq!(cidr("10.0.0.0/-1", "10.0.0.1").as_deref(), Some("false"));
        assert_eq!(cidr("not-a-cidr", "10.0.0.1").as_deref(), Some("false"));
        assert_eq!(cidr("10.0.0.0/8", "010.0.0.1").as_deref(), Some("false"));
        assert_eq!(cidr("10.0.0.0/8", "").as_deref(), Some("false"));
        assert_eq!(cidr("::/129", "::1").as_deref(), Some("false"));
        assert_eq!(text("cidrmatch(missing, \"10.0.0.1\")", &[]).as_deref(), Some("false"));
    }
}

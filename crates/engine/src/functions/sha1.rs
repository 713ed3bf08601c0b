//! `sha1(text)`.

use sha1::{Digest, Sha1};

use super::support::hex;
use super::{Args, Example, Function};
use crate::value::Value;

/// `sha1`.
pub(crate) static SHA1: Function = Function {
    name: "sha1",
    usage: "sha1(text)",
    summary: "The SHA-1 digest of the text's UTF-8 bytes, as lowercase hexadecimal. A number is hashed as displayed; a multivalue hashes its first value.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "sha1('user.username')",
            fields: &[("user.username", "system:serviceaccount:kube-system:default")],
            result: Some("9139a73cc95cf0178f2e62ede8dc056ad327c85a"),
        },
        Example {
            expr: "sha1(\"\")",
            fields: &[],
            result: Some("da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        },
        Example {
            expr: "sha1(name)",
            fields: &[("name", "ü")],
            result: Some("94a759fd37735430753c7b6b80684306d80ea16e"),
        },
        Example {
            expr: "sha1('user.username')",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(hex(&Sha1::digest(args.text(0)?.as_bytes())))
}

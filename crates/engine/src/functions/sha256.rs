//! `sha256(text)`.

use sha2::{Digest, Sha256};

use super::support::hex;
use super::{Args, Example, Function};
use crate::value::Value;

/// `sha256`.
pub(crate) static SHA256: Function = Function {
    name: "sha256",
    usage: "sha256(text)",
    summary: "The SHA-256 digest of the text's UTF-8 bytes, as lowercase hexadecimal. A number is hashed as displayed; a multivalue hashes its first value.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "sha256('user.username')",
            fields: &[("user.username", "system:serviceaccount:kube-system:default")],
            result: Some("417951db799542794c4d23a4d24e3ccb7ad015f79eceabf2c6cc6e260b2307ea"),
        },
        Example {
            expr: "sha256(\"\")",
            fields: &[],
            result: Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        },
        Example {
            expr: "sha256(name)",
            fields: &[("name", "ü")],
            result: Some("607474ca475a9724d7360aba71a56d5df77e61350e3f724cfa1f46e857e2d85f"),
        },
        Example {
            expr: "sha256('user.username')",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(hex(&Sha256::digest(args.text(0)?.as_bytes())))
}

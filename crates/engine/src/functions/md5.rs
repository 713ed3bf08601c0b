//! `md5(text)`.

use md5::{Digest, Md5};

use super::support::hex;
use super::{Args, Example, Function};
use crate::value::Value;

/// `md5`.
pub(crate) static MD5: Function = Function {
    name: "md5",
    usage: "md5(text)",
    summary: "The MD5 digest of the text's UTF-8 bytes, as lowercase hexadecimal. A number is hashed as displayed; a multivalue hashes its first value.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "md5('user.username')",
            fields: &[("user.username", "system:serviceaccount:kube-system:default")],
            result: Some("9a193e2512a0d4568eb9c981a663575b"),
        },
        Example {
            expr: "md5(\"\")",
            fields: &[],
            result: Some("d41d8cd98f00b204e9800998ecf8427e"),
        },
        Example {
            expr: "md5(name)",
            fields: &[("name", "ü")],
            result: Some("c03410a5204b21cd8229ff754688d743"),
        },
        Example {
            expr: "md5('user.username')",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(hex(&Md5::digest(args.text(0)?.as_bytes())))
}

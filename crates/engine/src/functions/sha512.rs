//! `sha512(text)`.

use sha2::{Digest, Sha512};

use super::support::hex;
use super::{Args, Example, Function};
use crate::value::Value;

/// `sha512`.
pub(crate) static SHA512: Function = Function {
    name: "sha512",
    usage: "sha512(text)",
    summary: "The SHA-512 digest of the text's UTF-8 bytes, as lowercase hexadecimal. A number is hashed as displayed; a multivalue hashes its first value.",
    min_args: 1,
    max_args: Some(1),
    regex_args: &[],
    returns_bool: false,
    examples: &[
        Example {
            expr: "sha512('user.username')",
            fields: &[("user.username", "system:serviceaccount:kube-system:default")],
            result: Some(
                "42197276b57b60801e1d28926c6c8d306f92106321482b520f2f4041aa7d807e833dede7109cebccbc05ee0a26a1393dc6f41f9cbbd17ae5b0f81344ebaee886",
            ),
        },
        Example {
            expr: "sha512(\"\")",
            fields: &[],
            result: Some(
                "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            ),
        },
        Example {
            expr: "sha512(name)",
            fields: &[("name", "ü")],
            result: Some(
                "230a068990071d4a606ff63325712a2f12bb1f1f0be551f418127a94e9c26bb2c788711dd5a7d3efb69c5a7441a530c4c212fa90ca907c2e052bca893f1d9185",
            ),
        },
        Example {
            expr: "sha512('user.username')",
            fields: &[],
            result: None,
        },
    ],
    call,
};

fn call(args: &Args<'_>) -> Option<Value> {
    Some(hex(&Sha512::digest(args.text(0)?.as_bytes())))
}

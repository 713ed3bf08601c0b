//! `$field$` tokens in risk messages, finding titles and drilldowns.
//!
//! Splunk ES replaces `$name$` in a risk message or notable title with the value of the result
//! field `name`. A token name is one or more characters other than `$` and whitespace, so field
//! names with dots and braces (`$user.username$`, `$sourceIPs{}$`) are tokens; a `$` that does not
//! open a token is stray text.

use std::ops::Range;

/// One piece of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Text copied as is (including stray `$` characters).
    Text(&'a str),
    /// A `$name$` token: the name, and the byte range of the whole token in the template.
    Token(&'a str, Range<usize>),
}

/// Split a template into text and tokens. Also returns the byte offsets of stray `$`
/// characters (ones that open no token), which make the template unbalanced.
pub(crate) fn parse(template: &str) -> (Vec<Piece<'_>>, Vec<usize>) {
    let mut pieces = Vec::new();
    let mut strays = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while let Some(open) = template[i..].find('$').map(|o| i + o) {
        let after = open + 1;
        let token = template[after..].find('$').map(|c| after + c).and_then(|close| {
            let name = &template[after..close];
            let valid = !name.is_empty() && !name.chars().any(char::is_whitespace);
            valid.then_some((name, close))
        });
        match token {
            Some((name, close)) => {
                if text_start < open {
                    pieces.push(Piece::Text(&template[text_start..open]));
                }
                pieces.push(Piece::Token(name, open..close + 1));
                i = close + 1;
                text_start = i;
            }
            None => {
                strays.push(open);
                i = after;
            }
        }
    }
    if text_start < template.len() {
        pieces.push(Piece::Text(&template[text_start..]));
    }
    (pieces, strays)
}

/// The token names of a template, in order (repeats kept).
pub(crate) fn names(template: &str) -> Vec<&str> {
    parse(template)
        .0
        .into_iter()
        .filter_map(|p| match p {
            Piece::Token(name, _) => Some(name),
            Piece::Text(_) => None,
        })
        .collect()
}

/// Replace every token with `value(name)`.
pub(crate) fn substitute(template: &str, mut value: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len());
    for piece in parse(template).0 {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Token(name, _) => out.push_str(&value(name)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_strays() {
        let (pieces, strays) = parse("from $user$ at $src_ip$");
        assert!(strays.is_empty());
        assert_eq!(
            pieces,
            vec![
                Piece::Text("from "),
                Piece::Token("user", 5..11),
                Piece::Text(" at "),
                Piece::Token("src_ip", 15..23)
            ]
        );
        assert_eq!(
            names("$user.username$ $sourceIPs{}$"),
            vec!["user.username", "sourceIPs{}"]
        );
        let (_, strays) = parse("costs $5 for $user");
        assert_eq!(strays, vec![6, 13]);
        let (_, strays) = parse("$user$ and $");
        assert_eq!(strays, vec![11]);
        // `$$` is not a token: both are stray.
        assert_eq!(parse("a $$ b").1, vec![2, 3]);
    }

    #[test]
    fn substitution() {
        let s = substitute("user $user$ from $ip$ paid $5", str::to_uppercase);
        assert_eq!(s, "user USER from IP paid $5");
    }
}

//! The PCRE → Rust regex translation ([`tripline_spl::pcre`]) as properties.
//!
//! - It never panics, on any text, and refuses exactly what does not parse as a regex.
//! - What it writes parses again: the splices are well-formed wherever they land (inside or
//!   outside brackets, under flags, in extended mode).
//! - On ASCII text, PCRE's ASCII classes and Rust's Unicode classes agree, so a translated pattern
//!   finds exactly the matches the pattern finds when Rust compiles it as written (the patterns
//!   use none of `\v`, `\<`, `\>`, `\b{...}`, whose PCRE meaning differs on ASCII too).

use proptest::prelude::*;
use proptest::sample::select;
use regex::{Regex, RegexBuilder};
use regex_syntax::ast::{ErrorKind, parse::Parser};
use tripline_spl::pcre::{RegexError, SIZE_LIMIT, compile, translate};

/// Pieces of patterns: the classes and boundaries the translation rewrites, and what can surround
/// them (brackets, negation, ranges, groups, flags, repetitions, alternation).
const PIECES: &[&str] = &[
    r"\w",
    r"\W",
    r"\d",
    r"\D",
    r"\s",
    r"\S",
    r"\b",
    r"\B",
    "a",
    "b",
    "Z",
    "k",
    "s",
    "_",
    "0",
    "7",
    " ",
    "-",
    ".",
    ",",
    ":",
    "é",
    r"\.",
    r"\-",
    r"\t",
    r"\n",
    "(",
    ")",
    "(?:",
    "(?i)",
    "(?-i)",
    "(?i:",
    "(?x)",
    "(?s)",
    "(?<g>",
    "|",
    "*",
    "+",
    "?",
    "*?",
    "{0,3}",
    "{2}",
    "{1,}",
    "[",
    "]",
    "[^",
    "^",
    "$",
    "a-z",
    "[:alpha:]",
    "[:word:]",
    "&&",
    "--",
    r"\pL",
    r"\x41",
];

fn pattern() -> impl Strategy<Value = String> {
    prop::collection::vec(select(PIECES), 0..12).prop_map(|p| p.concat())
}

/// Well-formed patterns around the rewritten classes, so that most cases compile.
fn valid_pattern() -> impl Strategy<Value = String> {
    let class = select(&[r"\w", r"\W", r"\d", r"\D", r"\s", r"\S"][..]);
    let atom = prop_oneof![
        class.clone().prop_map(str::to_owned),
        select(&[r"\b", r"\B", "a", "Z", "k", "_", "7", " ", "-", ".", ":", "^", "$"][..]).prop_map(str::to_owned),
        (
            any::<bool>(),
            prop::collection::vec(
                prop_oneof![
                    class.prop_map(str::to_owned),
                    select(&["a-f", "_", "7", ".", "-", " ", r"\t", "[:digit:]"][..]).prop_map(|s| format!("[{s}]"))
                ],
                1..4,
            )
        )
            .prop_map(|(neg, items)| format!("[{}{}]", if neg { "^" } else { "" }, items.concat())),
    ];
    let piece = (atom, select(&["", "*", "+", "?", "{0,3}", "{2}", "+?"][..])).prop_map(|(a, q)| format!("{a}{q}"));
    let seq = prop::collection::vec(piece, 1..6).prop_map(|p| p.concat());
    (
        // Not `(?x)`: it would drop the space atoms and leave repetitions with nothing to repeat.
        select(&["", "(?i)", "(?s)", "(?m)"][..]),
        prop::collection::vec(seq, 1..3),
        any::<bool>(),
    )
        .prop_map(|(flags, alts, group)| {
            let body = alts.join("|");
            if group {
                format!("{flags}(?:{body})")
            } else {
                format!("{flags}{body}")
            }
        })
}

/// ASCII text with the characters the classes distinguish.
fn ascii_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_ \t\n\x0B\x0C\r.,:;<>{}()\\[\\]-]{0,16}"
}

fn as_written(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern).size_limit(SIZE_LIMIT).build().ok()
}

fn matches(re: &Regex, text: &str) -> Vec<(usize, usize)> {
    re.find_iter(text).map(|m| (m.start(), m.end())).collect()
}

fn check_translation(pattern: &str) -> Result<(), TestCaseError> {
    let parsed = Parser::new().parse(pattern);
    let translated = translate(pattern);
    prop_assert_eq!(parsed.is_ok(), translated.is_ok(), "pattern {:?}", pattern);
    let _ = compile(pattern);
    if let Ok(t) = &translated
        && let Err(e) = Parser::new().parse(t)
    {
        prop_assert!(
            *e.kind() == ErrorKind::NestLimitExceeded(250),
            "{:?} translated to {:?}, which does not parse: {}",
            pattern,
            t,
            e
        );
    }
    Ok(())
}

fn check_ascii_agreement(pattern: &str, texts: &[String]) -> Result<(), TestCaseError> {
    let (Some(original), Ok(translated)) = (as_written(pattern), compile(pattern)) else {
        return Ok(());
    };
    for text in texts {
        prop_assert_eq!(
            matches(&original, text),
            matches(&translated, text),
            "pattern {:?} (translated {:?}) on {:?}",
            pattern,
            translate(pattern).unwrap_or_default(),
            text
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        // Failures are turned into named tests below instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn never_panics_on_any_text(pattern in any::<String>()) {
        check_translation(&pattern)?;
    }

    #[test]
    fn pieces_translate_to_patterns_that_parse(pattern in pattern()) {
        check_translation(&pattern)?;
    }

    #[test]
    fn pieces_agree_on_ascii(pattern in pattern(), texts in prop::collection::vec(ascii_text(), 4)) {
        check_ascii_agreement(&pattern, &texts)?;
    }

    #[test]
    fn valid_patterns_agree_on_ascii(
        pattern in valid_pattern(),
        texts in prop::collection::vec(ascii_text(), 6),
    ) {
        prop_assert!(translate(&pattern).is_ok(), "{:?}", pattern);
        check_ascii_agreement(&pattern, &texts)?;
    }
}

/// The patterns of the corpus's detections (Kubernetes scanning and nginx) compile, and mean on
/// ASCII what they meant before.
#[test]
fn corpus_patterns() {
    let cases: &[(&str, &str, bool)] = &[
        (r"-\w{5}$$|-[abcdef0-9]{8,10}-\w{5}$$", "nginx-7c5ddbdf54-x7k2p", true),
        (
            r"^(?<http_method>\S+)?\s(?<url>\S+)\s",
            "GET /etc/passwd HTTP/1.1",
            true,
        ),
        (
            r"^/api/v1/namespaces/[^/]+/secrets",
            "/api/v1/namespaces/kube-system/secrets/x",
            true,
        ),
        (r"[\s\S]*\S[\s\S]*", "  x  ", true),
        (r"[\s\S]*\S[\s\S]*", " \t\n", false),
    ];
    for &(pattern, text, expected) in cases {
        let re = compile(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        assert_eq!(re.is_match(text), expected, "{pattern} on {text}");
        let original = as_written(pattern).unwrap_or_else(|| panic!("{pattern}"));
        assert_eq!(matches(&re, text), matches(&original, text), "{pattern} on {text}");
    }
}

/// The size limit is the translated pattern's: PCRE's ASCII `\w` keeps a long count small, a
/// Unicode class with one does not.
#[test]
fn size_limit_after_translation() {
    assert!(
        as_written(r"^(?::\w{0,127})?$").is_none(),
        "Unicode \\w{{0,127}} was too big"
    );
    assert!(compile(r"^(?::\w{0,127})?$").is_ok());
    assert!(matches!(compile(r"\pL{0,1000}"), Err(RegexError::TooBig { .. })));
}

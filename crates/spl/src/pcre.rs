//! Splunk's regular expressions (PCRE) on Rust's linear-time `regex` crate.
//!
//! Splunk compiles `rex`, `match()`, `replace()` and `mvfind()` patterns with the PCRE library,
//! without Unicode properties (PCRE's `UCP` option is off). There, the character types `\d`, `\s`,
//! `\w` (and `\D`, `\S`, `\W`) are ASCII sets and `\b`/`\B` are defined by the ASCII `\w`; in Rust's
//! `regex` crate they are Unicode classes. [`translate`] rewrites a pattern to Rust syntax with
//! PCRE's meaning, and [`compile`] compiles the result under the one size limit Tripline uses
//! ([`SIZE_LIMIT`]). The engine compiles every user regex with [`compile`], and the parser checks
//! literal patterns with it too, so `tripline lint` and `tripline search` accept the same patterns.
//!
//! The translation parses the pattern with `regex_syntax`'s AST parser and splices replacements
//! into the original text at the spans of the nodes that differ, so everything else (Unicode
//! literals, `.`, flags, groups, named captures) is left exactly as written:
//!
//! | PCRE | Rust | outside `[...]` | inside `[...]` |
//! |---|---|---|---|
//! | `\d` `\D` | ASCII digits | `[0-9]` `[^0-9]` | nested `[0-9]` `[^0-9]` |
//! | `\s` `\S` | HT LF VT FF CR space | `[\t\n\x0B\f\r\x20]` and negation | nested, same |
//! | `\w` `\W` | `[0-9A-Za-z_]` | `(?-i:[0-9A-Za-z_])` and negation | nested, same |
//! | `\b` `\B` | ASCII word boundary | `(?-u:\b)` `(?-u:\B)` | – |
//! | `\v` | vertical space | `[\n\x0B\f\r\x{85}\x{2028}\x{2029}]` | nested, same |
//! | `\<` `\>` | literal `<` `>` | `<` `>` | – |
//!
//! `(?-i:...)` keeps case-insensitive mode from adding the Kelvin sign (U+212A) and the long s
//! (U+017F), which Unicode case folding relates to `k` and `s`; PCRE never folds a character type.
//! A class inside brackets cannot carry flags, so `(?i)[\w]` still matches those two characters.

use std::ops::Range;

use regex::Regex;
use regex_syntax::ast::{self, AssertionKind, Ast, ClassPerlKind, ClassSetItem, LiteralKind};

/// The largest compiled program Tripline builds for one regex, in bytes (the `regex` crate's
/// `size_limit`). A pattern over it is refused: it would cost memory and time on every event.
pub const SIZE_LIMIT: usize = 4 << 20;

/// Why a Splunk regex cannot run in Tripline.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegexError {
    /// The pattern does not parse, or uses syntax Tripline rejects on purpose (look-around and
    /// back-references cannot run in linear time).
    #[error("{kind}")]
    Syntax {
        /// What is wrong.
        kind: ast::ErrorKind,
        /// Byte range of the problem in the pattern.
        span: Range<usize>,
    },
    /// The pattern parses but does not compile (an unknown Unicode class, for example).
    #[error("{message}")]
    Invalid {
        /// The compiler's explanation.
        message: String,
    },
    /// The compiled program would be larger than [`SIZE_LIMIT`].
    #[error("the compiled regular expression is larger than Tripline's limit of {limit} bytes")]
    TooBig {
        /// The limit, in bytes.
        limit: usize,
    },
}

/// Rewrite a Splunk (PCRE) pattern to Rust `regex` syntax with PCRE's ASCII character types and
/// word boundaries (see the module documentation).
///
/// # Errors
/// The pattern does not parse as a regex.
pub fn translate(pattern: &str) -> Result<String, RegexError> {
    let ast = ast::parse::Parser::new()
        .parse(pattern)
        .map_err(|e| RegexError::Syntax {
            kind: e.kind().clone(),
            span: e.span().start.offset..e.span().end.offset,
        })?;
    let mut edits = ast::visit(
        &ast,
        Edits {
            pattern,
            edits: Vec::new(),
        },
    )?;
    if edits.is_empty() {
        return Ok(pattern.to_owned());
    }
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(pattern.len() + 16 * edits.len());
    let mut at = 0;
    for (range, replacement) in edits {
        // Spans come from parsing `pattern`, so they are in bounds and on char boundaries; the
        // nodes rewritten are leaves, so their spans do not overlap.
        out.push_str(pattern.get(at..range.start).unwrap_or_default());
        out.push_str(&replacement);
        at = range.end;
    }
    out.push_str(pattern.get(at..).unwrap_or_default());
    Ok(out)
}

/// Translate a Splunk (PCRE) pattern with [`translate`] and compile it with the `regex` crate
/// under [`SIZE_LIMIT`].
///
/// # Errors
/// The pattern does not parse, does not compile, or compiles to more than [`SIZE_LIMIT`].
pub fn compile(pattern: &str) -> Result<Regex, RegexError> {
    let translated = translate(pattern)?;
    regex::RegexBuilder::new(&translated)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => RegexError::TooBig { limit },
            other => explain(&translated).unwrap_or_else(|| RegexError::Invalid {
                message: other.to_string(),
            }),
        })
}

/// The structured reason `regex_syntax` gives for refusing a translated pattern (the `regex`
/// crate only gives a string that quotes the translated pattern, not what the user wrote).
fn explain(translated: &str) -> Option<RegexError> {
    match regex_syntax::ParserBuilder::new().build().parse(translated) {
        Ok(_) => None,
        Err(regex_syntax::Error::Parse(e)) => Some(RegexError::Syntax {
            kind: e.kind().clone(),
            // A span into the translated text means nothing to the user: point at the start.
            span: 0..0,
        }),
        Err(regex_syntax::Error::Translate(e)) => Some(RegexError::Invalid {
            message: e.kind().to_string(),
        }),
        Err(other) => Some(RegexError::Invalid {
            message: other.to_string(),
        }),
    }
}

const DIGIT: &str = "0-9";
const SPACE: &str = r"\t\n\x0B\f\r\x20";
const WORD: &str = "0-9A-Za-z_";
const VERTICAL: &str = r"\n\x0B\f\r\x{85}\x{2028}\x{2029}";

/// A bracketed class of `items`, negated or not.
fn class(items: &str, negated: bool) -> String {
    format!("[{}{items}]", if negated { "^" } else { "" })
}

/// The replacement for a Perl class written outside brackets.
fn perl_outside(perl: &ast::ClassPerl) -> String {
    match perl.kind {
        ClassPerlKind::Digit => class(DIGIT, perl.negated),
        ClassPerlKind::Space => class(SPACE, perl.negated),
        ClassPerlKind::Word => format!("(?-i:{})", class(WORD, perl.negated)),
    }
}

/// The replacement for a Perl class written inside brackets: a nested class, which is one item
/// whatever surrounds it.
fn perl_inside(perl: &ast::ClassPerl) -> String {
    let items = match perl.kind {
        ClassPerlKind::Digit => DIGIT,
        ClassPerlKind::Space => SPACE,
        ClassPerlKind::Word => WORD,
    };
    class(items, perl.negated)
}

fn is_vertical_tab(lit: &ast::Literal) -> bool {
    lit.kind == LiteralKind::Special(ast::SpecialLiteralKind::VerticalTab)
}

/// Collects `(span, replacement)` for every node whose meaning differs between PCRE and Rust.
struct Edits<'p> {
    pattern: &'p str,
    edits: Vec<(Range<usize>, String)>,
}

impl Edits<'_> {
    fn push(&mut self, span: &ast::Span, replacement: String) {
        self.edits.push((span.start.offset..span.end.offset, replacement));
    }
}

impl ast::Visitor for Edits<'_> {
    type Output = Vec<(Range<usize>, String)>;
    type Err = RegexError;

    fn finish(self) -> Result<Self::Output, RegexError> {
        Ok(self.edits)
    }

    fn visit_pre(&mut self, node: &Ast) -> Result<(), RegexError> {
        match node {
            Ast::ClassPerl(perl) => self.push(&perl.span, perl_outside(perl)),
            Ast::Literal(lit) if is_vertical_tab(lit) => self.push(&lit.span, class(VERTICAL, false)),
            Ast::Assertion(a) => {
                let replacement = match a.kind {
                    AssertionKind::WordBoundary => r"(?-u:\b)".to_owned(),
                    AssertionKind::NotWordBoundary => r"(?-u:\B)".to_owned(),
                    // PCRE has no `\<`/`\>`: an escaped punctuation character is that character.
                    AssertionKind::WordBoundaryStartAngle => "<".to_owned(),
                    AssertionKind::WordBoundaryEndAngle => ">".to_owned(),
                    // `\b{start}` and the like: PCRE reads `\b` followed by a literal `{start}`
                    // (a brace that does not start a count is literal).
                    AssertionKind::WordBoundaryStart
                    | AssertionKind::WordBoundaryEnd
                    | AssertionKind::WordBoundaryStartHalf
                    | AssertionKind::WordBoundaryEndHalf => {
                        // The span's text is `\b{...}`: the two ASCII bytes of `\b`, then the
                        // braces, so `+ 2` is a char boundary.
                        let braces = self
                            .pattern
                            .get(a.span.start.offset + 2..a.span.end.offset)
                            .unwrap_or_default();
                        let mut s = r"(?-u:\b)".to_owned();
                        regex_syntax::escape_into(braces, &mut s);
                        s
                    }
                    _ => return Ok(()),
                };
                self.push(&a.span, replacement);
            }
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), RegexError> {
        match item {
            ClassSetItem::Perl(perl) => self.push(&perl.span, perl_inside(perl)),
            ClassSetItem::Literal(lit) if is_vertical_tab(lit) => {
                self.push(&lit.span, class(VERTICAL, false));
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(pattern: &str) -> Regex {
        match compile(pattern) {
            Ok(r) => r,
            Err(e) => panic!("`{pattern}` does not compile: {e}"),
        }
    }

    #[test]
    fn rewrites_only_what_differs() {
        assert_eq!(translate(r"^a.b$").unwrap(), r"^a.b$");
        assert_eq!(translate(r"é(?i)x").unwrap(), r"é(?i)x");
        assert_eq!(translate(r"\d+").unwrap(), r"[0-9]+");
        assert_eq!(translate(r"\D").unwrap(), r"[^0-9]");
        assert_eq!(translate(r"\w{0,127}").unwrap(), r"(?-i:[0-9A-Za-z_]){0,127}");
        assert_eq!(translate(r"[\w.-]").unwrap(), r"[[0-9A-Za-z_].-]");
        assert_eq!(translate(r"[^\W_]").unwrap(), r"[^[^0-9A-Za-z_]_]");
        assert_eq!(translate(r"\bx\B").unwrap(), r"(?-u:\b)x(?-u:\B)");
        assert_eq!(translate(r"\<a\>").unwrap(), r"<a>");
        assert_eq!(translate(r"\b{start}").unwrap(), r"(?-u:\b)\{start\}");
        assert_eq!(
            translate(r"(?<m>\S+)\s").unwrap(),
            r"(?<m>[^\t\n\x0B\f\r\x20]+)[\t\n\x0B\f\r\x20]"
        );
    }

    #[test]
    fn word_is_ascii() {
        let r = re(r"^\w+$");
        assert!(r.is_match("abc_XYZ_019"));
        assert!(!r.is_match("café"));
        assert!(!r.is_match("日本"));
        assert!(re(r"^\W$").is_match("é"));
        assert!(!re(r"^\W$").is_match("_"));
        // Case-insensitive mode does not widen `\w` with Unicode case folding (k ~ U+212A).
        assert!(!re(r"(?i)^\w$").is_match("\u{212A}"));
        assert!(re(r"(?i)^\W$").is_match("\u{212A}"));
        assert!(re(r"(?i)^\w+$").is_match("AbC"));
    }

    #[test]
    fn digit_is_ascii() {
        let r = re(r"\d");
        assert!(r.is_match("7"));
        // Arabic-Indic and full-width digits are Unicode `Nd`, not PCRE digits.
        assert!(!r.is_match("\u{663}"));
        assert!(!r.is_match("\u{FF17}"));
        assert!(re(r"^\D$").is_match("\u{663}"));
    }

    #[test]
    fn space_is_pcre_set() {
        let r = re(r"^\s$");
        for c in ["\t", "\n", "\u{B}", "\u{C}", "\r", " "] {
            assert!(r.is_match(c), "{c:?}");
        }
        for c in ["\u{85}", "\u{A0}", "\u{2028}", "\u{3000}", "\u{1C}", "x"] {
            assert!(!r.is_match(c), "{c:?}");
            assert!(re(r"^\S$").is_match(c), "{c:?}");
        }
        // In extended mode the space in the class must survive (it is written `\x20`).
        assert!(re(r"(?x)^ \s $").is_match(" "));
        assert!(re(r"(?x)^ [\s] $").is_match(" "));
    }

    #[test]
    fn vertical_space() {
        let r = re(r"^\v$");
        for c in ["\n", "\u{B}", "\u{C}", "\r", "\u{85}", "\u{2028}", "\u{2029}"] {
            assert!(r.is_match(c), "{c:?}");
        }
        assert!(!r.is_match(" "));
        assert!(re(r"^[\v]$").is_match("\n"));
    }

    #[test]
    fn word_boundary_is_ascii() {
        // `é` is not a word character, so there is a boundary between it and `a`.
        let r = re(r"\ba");
        assert!(r.is_match("éa"));
        assert!(!re(r"\Ba").is_match("éa"));
        assert!(re(r"\Ba").is_match("ba"));
        assert_eq!(re(r"\b").replace_all("éa b", "|"), "é|a| |b|");
        // No boundary inside or around a run of non-ASCII letters.
        assert!(!re(r"\bé").is_match("é"));
        assert!(re(r"^\B").is_match("é"));
        assert!(re(r"\bword\b").is_match("préword."));
    }

    #[test]
    fn classes_in_brackets() {
        let r = re(r"^[\w.-]+$");
        assert!(r.is_match("nginx-1.27_a"));
        assert!(!r.is_match("nginx:1"));
        assert!(!r.is_match("é"));
        // `[^\W_]`: word characters except `_`, i.e. ASCII letters and digits.
        let r = re(r"^[^\W_]+$");
        assert!(r.is_match("abc123"));
        assert!(!r.is_match("a_b"));
        assert!(!r.is_match("é"));
        assert!(re(r"^[\d\s]+$").is_match("1 2\t3"));
        assert!(!re(r"^[\d\s]+$").is_match("\u{663}"));
        assert!(re(r"^[^\d]$").is_match("\u{663}"));
        assert!(re(r"^[\w&&[^\d]]+$").is_match("abc"));
        assert!(!re(r"^[\w&&[^\d]]+$").is_match("a1"));
    }

    #[test]
    fn pcre_literal_escapes() {
        assert!(re(r"\<script\>").is_match("<script>"));
        assert!(!re(r"\<script\>").is_match("script"));
        assert!(re(r"\b{start}").is_match("a{start}"));
        assert!(!re(r"\b{start}").is_match("{start}"));
    }

    #[test]
    fn unicode_elsewhere_unchanged() {
        assert!(re(r"^.$").is_match("é"));
        assert!(re(r"^\pL+$").is_match("café"));
        assert!(re(r"(?i)^CAFÉ$").is_match("café"));
        assert!(re(r"^[[:alpha:]]+$").is_match("abc"));
    }

    #[test]
    fn size_limit() {
        // The Unicode `\w` made this exceed the limit; the ASCII class is small.
        let r = re(r"^(?::\w{0,127})?$");
        assert_eq!(r.replace_all("nginx:1.27", ""), "nginx:1.27");
        assert_eq!(r.replace_all(":abc", ""), "");
        assert!(matches!(
            compile(r"\pL{0,1000}"),
            Err(RegexError::TooBig { limit: SIZE_LIMIT })
        ));
    }

    #[test]
    fn errors() {
        assert!(matches!(
            compile(r"a(?=b)"),
            Err(RegexError::Syntax {
                kind: ast::ErrorKind::UnsupportedLookAround,
                ..
            })
        ));
        assert!(matches!(
            compile(r"(a)\1"),
            Err(RegexError::Syntax {
                kind: ast::ErrorKind::UnsupportedBackreference,
                ..
            })
        ));
        let e = compile(r"(a").unwrap_err();
        assert!(
            matches!(&e, RegexError::Syntax { span, .. } if *span == (0..1)),
            "{e:?}"
        );
        let e = compile(r"\p{NotAClass}").unwrap_err();
        assert!(
            matches!(&e, RegexError::Invalid { message } if message.contains("Unicode property")),
            "{e:?}"
        );
    }
}

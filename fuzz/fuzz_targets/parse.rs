//! Arbitrary bytes → (lossy) UTF-8 → parse → print → parse.
//!
//! Checks that the parser never panics, that every diagnostic span lies within the text and on
//! char boundaries, and that when the first parse has no errors the printer round trip holds:
//! the reparsed tree equals the first (spans aside) and printing it again gives the same text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use tripline_spl::{Diagnostic, parse, print};

fn check_spans(text: &str, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        for span in std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span)) {
            assert!(
                span.start <= span.end
                    && span.end <= text.len()
                    && text.is_char_boundary(span.start)
                    && text.is_char_boundary(span.end),
                "{} has span {span:?} outside the {} bytes of {text:?}",
                d.code.as_str(),
                text.len(),
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let a = parse(&text);
    check_spans(&text, &a.diagnostics);
    let printed = print(&a.query);
    let b = parse(&printed);
    check_spans(&printed, &b.diagnostics);
    if a.has_errors() {
        return;
    }
    assert!(
        !b.has_errors(),
        "printed text has errors\n input: {text:?}\nprinted: {printed:?}\n{:#?}",
        b.diagnostics
    );
    assert_eq!(
        a.query.without_spans(),
        b.query.without_spans(),
        "tree changed\n input: {text:?}\nprinted: {printed:?}"
    );
    assert_eq!(print(&b.query), printed, "printing is not idempotent\n input: {text:?}");
});

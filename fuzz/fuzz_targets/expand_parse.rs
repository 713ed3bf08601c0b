//! Arbitrary bytes → text → macro expansion with a small fixed table → parse.
//!
//! Checks that expansion and parsing never panic, that expansion diagnostics point into the
//! original text, and that parser diagnostics mapped back through the source map do too.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use tripline_spl::macros::{ExpandOptions, expand};
use tripline_spl::{MacroDef, MacroTable, Span, parse};

static TABLE: LazyLock<MacroTable> = LazyLock::new(|| {
    [
        MacroDef::new(
            "kube_audit",
            Vec::<String>::new(),
            r#"index=k8s sourcetype="kube:apiserver:audit""#,
        ),
        MacroDef::new(
            "security_content_ctime",
            ["field"],
            r#"convert timeformat="%Y-%m-%dT%H:%M:%S" ctime($field$)"#,
        ),
        MacroDef::new("wrap", ["a", "b"], "search $a$ OR `wrap_inner($b$)`"),
        MacroDef::new("wrap_inner", ["x"], "($x$) `kube_audit`"),
        MacroDef::new("loop", Vec::<String>::new(), "`loop` x"),
    ]
    .into_iter()
    .collect()
});

static OPTIONS: LazyLock<ExpandOptions> = LazyLock::new(|| ExpandOptions {
    max_len: 64 * 1024,
    ..ExpandOptions::default()
});

fn within(text: &str, span: Span) -> bool {
    span.start <= span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let expansion = expand(&text, &TABLE, &OPTIONS);
    for d in &expansion.diagnostics {
        assert!(
            within(&text, d.span),
            "expansion diagnostic {:?} outside {text:?}",
            d.span
        );
    }
    let parsed = parse(&expansion.text);
    for d in parsed.diagnostics {
        assert!(
            within(&expansion.text, d.span),
            "parser diagnostic {:?} outside the expansion",
            d.span
        );
        let mapped = expansion.map_diagnostic(d);
        for span in std::iter::once(mapped.span).chain(mapped.labels.iter().map(|l| l.span)) {
            assert!(within(&text, span), "mapped span {span:?} outside {text:?}");
        }
    }
});

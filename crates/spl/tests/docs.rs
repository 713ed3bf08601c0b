//! `docs/diagnostics.md` lists every diagnostic code; this test keeps it in step with the code.
//! Regenerate with `TRIPLINE_BLESS=1 cargo test -p tripline-spl --test docs`.

use tripline_spl::{Code, Diagnostic, Severity, Span};

fn render() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\n\
         Every problem `tripline lint` reports has a stable code. A code never changes meaning once\n\
         released. `SPL00xx` are syntax errors, `SPL01xx` macro problems, `SPL02xx` warnings about\n\
         searches that parse but probably do not do what their author meant (and a few macro\n\
         definition warnings).\n\n\
         This file is generated from `crates/spl/src/diagnostic.rs` by\n\
         `TRIPLINE_BLESS=1 cargo test -p tripline-spl --test docs`.\n\n\
         | code | severity | meaning |\n|---|---|---|\n",
    );
    for code in Code::ALL {
        let severity = match code.default_severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("| {} | {severity} | {} |\n", code.as_str(), code.summary()));
    }
    out
}

#[test]
fn diagnostics_doc_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/diagnostics.md");
    let expected = render();
    if std::env::var_os("TRIPLINE_BLESS").is_some() {
        std::fs::write(path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "docs/diagnostics.md is stale: run TRIPLINE_BLESS=1 cargo test -p tripline-spl --test docs"
    );
}

#[test]
fn codes_are_unique_and_ordered() {
    for w in Code::ALL.windows(2) {
        assert!(w[0].as_str() < w[1].as_str(), "{} then {}", w[0], w[1]);
    }
    // A warning code is only ever used as a warning (SPL02xx), an error code as an error; spot
    // check the constructor keeps what it is given.
    let d = Diagnostic::warning(Code::LowercaseOperator, Span::default(), "x");
    assert_eq!(d.severity, Severity::Warning);
}

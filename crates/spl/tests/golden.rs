//! Golden tests for the SPL parser.
//!
//! Every `tests/golden/**/*.spl` file is parsed and snapshotted (with `insta`) as one YAML
//! document: the input, the canonical printed SPL, each diagnostic with the exact text under its
//! spans, and the AST without spans. The snapshots in `tests/golden/snapshots/` are the parser's
//! specification: review a changed snapshot as carefully as a changed test.
//!
//! Beyond the snapshots, the harness asserts what must hold for every case:
//! - files under `ok/` have no error (warnings are allowed, and snapshotted);
//! - files under `errors/` have at least one error;
//! - every diagnostic span lies inside the text, on character boundaries;
//! - for files without errors, the printed text parses without errors to the same AST (spans
//!   ignored), and printing is idempotent.

use std::path::Path;

use serde::Serialize;
use tripline_spl::{Diagnostic, Severity, Span, parse, print};

/// One snapshot document.
#[derive(Serialize)]
struct Golden<'a> {
    /// The search as given to the parser.
    input: &'a str,
    /// The canonical printed form of the AST.
    printed: String,
    /// Every diagnostic, in source order.
    diagnostics: Vec<RenderedDiagnostic>,
    /// The AST with spans removed.
    ast: serde_json::Value,
}

/// A diagnostic with its spans replaced by the text they cover.
#[derive(Serialize)]
struct RenderedDiagnostic {
    /// `CODE severity: message`.
    diagnostic: String,
    /// `start..end: "text under the primary span"`.
    at: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    primary_label: String,
    /// `start..end "text": message` for each secondary label.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    labels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `12..20: "the text"`; an empty span shows where it points.
fn span_text(src: &str, span: Span) -> String {
    let text = src.get(span.start..span.end).unwrap_or("<span outside the text>");
    if span.is_empty() {
        let tail: String = src.get(span.start..).unwrap_or("").chars().take(12).collect();
        if tail.is_empty() {
            format!("{}..{}: <end of input>", span.start, span.end)
        } else {
            format!("{}..{}: <empty, before {tail:?}>", span.start, span.end)
        }
    } else {
        format!("{}..{}: {text:?}", span.start, span.end)
    }
}

fn render(src: &str, d: &Diagnostic) -> RenderedDiagnostic {
    RenderedDiagnostic {
        diagnostic: format!("{} {}: {}", d.code, severity(d.severity), d.message),
        at: span_text(src, d.span),
        primary_label: d.primary_label.clone(),
        labels: d
            .labels
            .iter()
            .map(|l| format!("{} — {}", span_text(src, l.span), l.message))
            .collect(),
        help: d.help.clone(),
        notes: d.notes.clone(),
    }
}

/// A span is valid when it lies inside the text on character boundaries.
fn span_ok(src: &str, span: Span) -> bool {
    span.start <= span.end && src.get(span.start..span.end).is_some()
}

/// Check one case; returns the problems found (the snapshot is asserted separately).
fn check(rel: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let out = parse(text);
    let errors = out.diagnostics.iter().filter(|d| d.is_error()).count();
    if out.query.without_spans().is_null() {
        problems.push(format!("{rel}: the AST does not serialize (without_spans() is null)"));
    }

    if rel.starts_with("ok/") && errors > 0 {
        problems.push(format!("{rel}: expected no errors, found {errors}"));
    }
    if rel.starts_with("errors/") && errors == 0 {
        problems.push(format!("{rel}: expected at least one error, found none"));
    }
    for d in &out.diagnostics {
        let spans = std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span));
        for s in spans {
            if !span_ok(text, s) {
                problems.push(format!(
                    "{rel}: {} has a span {s:?} outside the text or inside a character",
                    d.code
                ));
            }
        }
    }
    if errors == 0 {
        let printed = print(&out.query);
        let again = parse(&printed);
        if again.has_errors() {
            let codes: Vec<String> = again
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| format!("{} {} at {}", d.code, d.message, span_text(&printed, d.span)))
                .collect();
            problems.push(format!("{rel}: printed text `{printed}` does not parse: {codes:?}"));
        } else if again.query.without_spans() != out.query.without_spans() {
            problems.push(format!("{rel}: printed text `{printed}` parses to a different AST"));
        } else if print(&again.query) != printed {
            problems.push(format!(
                "{rel}: printing is not idempotent: `{printed}` then `{}`",
                print(&again.query)
            ));
        }
    }
    problems
}

/// The case's text: the file, minus one trailing newline (editors add one).
fn case_text(path: &Path) -> String {
    let raw = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let raw = raw.strip_suffix('\n').unwrap_or(&raw);
    raw.strip_suffix('\r').unwrap_or(raw).to_string()
}

fn relative(path: &Path) -> String {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    path.strip_prefix(&base)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn golden() {
    let mut problems = Vec::new();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("golden/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::glob!("golden", "{ok,errors}/**/*.spl", |path| {
            let text = case_text(path);
            let rel = relative(path);
            let out = parse(&text);
            let doc = Golden {
                input: &text,
                printed: print(&out.query),
                diagnostics: out.diagnostics.iter().map(|d| render(&text, d)).collect(),
                ast: out.query.without_spans(),
            };
            insta::assert_yaml_snapshot!(doc);
            problems.extend(check(&rel, &text));
        });
    });
    assert!(problems.is_empty(), "golden cases failed:\n{}", problems.join("\n"));
}

/// Every case lives under `ok/` or `errors/`, so the checks above apply to all of them.
#[test]
fn every_case_is_classified() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut counts = (0, 0);
    for dir in ["ok", "errors"] {
        let n = std::fs::read_dir(base.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "spl"))
            .count();
        if dir == "ok" {
            counts.0 = n;
        } else {
            counts.1 = n;
        }
    }
    for entry in std::fs::read_dir(&base).expect("golden dir").filter_map(Result::ok) {
        let p = entry.path();
        assert!(
            p.is_dir()
                && matches!(
                    p.file_name().and_then(|n| n.to_str()),
                    Some("ok" | "errors" | "snapshots")
                ),
            "{}: golden cases go under ok/ or errors/",
            p.display()
        );
    }
    assert!(counts.0 >= 60, "only {} ok/ cases", counts.0);
    assert!(counts.1 >= 25, "only {} errors/ cases", counts.1);
}

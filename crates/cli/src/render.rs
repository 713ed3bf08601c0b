//! Rendering diagnostics: rustc-style snippets for people, JSON for machines.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;
use tripline_content::SearchSource;
use tripline_spl::{Diagnostic, Severity, Span};

/// Render one SPL diagnostic against the file its search came from.
pub(crate) fn snippet(d: &Diagnostic, src: &SearchSource, color: bool) -> String {
    let file = src.file_text();
    let path = src.path.display().to_string();
    let level = level(d.severity);
    let primary = src.file_span(d.span);
    let mut snip = Snippet::source(file).path(path.as_str()).line_start(1).annotation(
        AnnotationKind::Primary
            .span(clamp(primary, file))
            .label(non_empty(&d.primary_label)),
    );
    for l in &d.labels {
        let span = src.file_span(l.span);
        snip = snip.annotation(
            AnnotationKind::Context
                .span(clamp(span, file))
                .label(non_empty(&l.message)),
        );
    }
    let mut group = level
        .primary_title(d.message.as_str())
        .id(d.code.as_str())
        .element(snip);
    for note in &d.notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let report: &[Group<'_>] = &[group];
    renderer(color).render(report)
}

/// Render a problem that has a file and maybe a position, but no snippet (load errors).
pub(crate) fn plain(severity: Severity, message: &str, location: &str, color: bool) -> String {
    let title = format!("{location}: {message}");
    let report: &[Group<'_>] = &[Group::with_title(level(severity).primary_title(title.as_str()))];
    renderer(color).render(report)
}

fn renderer(color: bool) -> Renderer {
    if color { Renderer::styled() } else { Renderer::plain() }
}

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    }
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// Keep a span inside the file and on character boundaries, so rendering can never panic.
fn clamp(span: Span, text: &str) -> std::ops::Range<usize> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// A diagnostic as `--format json` prints it.
#[derive(Debug, Serialize)]
pub(crate) struct JsonDiagnostic {
    /// The file.
    pub(crate) path: String,
    /// The detection's name, when the file is a detection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) search: Option<String>,
    /// 1-based line of the start.
    pub(crate) line: usize,
    /// 1-based column (in characters) of the start.
    pub(crate) column: usize,
    /// 1-based line of the end.
    pub(crate) end_line: usize,
    /// 1-based column of the end (exclusive).
    pub(crate) end_column: usize,
    /// `SPL0001`, or `LOAD` for files that could not be read.
    pub(crate) code: String,
    /// `error` or `warning`.
    pub(crate) severity: Severity,
    /// The message.
    pub(crate) message: String,
    /// The text under the primary span.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) label: Option<String>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) help: Option<String>,
    /// Context.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) notes: Vec<String>,
}

impl JsonDiagnostic {
    /// Convert an SPL diagnostic with positions in the file.
    pub(crate) fn from_spl(d: &Diagnostic, src: &SearchSource) -> Self {
        let span = src.file_span(d.span);
        let index = src.line_index();
        let start = index.line_col(src.file_text(), span.start);
        let end = index.line_col(src.file_text(), span.end);
        Self {
            path: src.path.display().to_string(),
            search: src.name.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            code: d.code.as_str().to_string(),
            severity: d.severity,
            message: d.message.clone(),
            label: non_empty(&d.primary_label).map(str::to_string),
            help: d.help.clone(),
            notes: d.notes.clone(),
        }
    }
}

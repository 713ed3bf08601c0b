//! Rendering diagnostics: rustc-style snippets for people, JSON for machines.

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use serde::Serialize;
use tripline_content::{Detection, LineIndex, LoadError, Problem, SearchSource};
use tripline_engine::limits::LimitReached;
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

/// Render one problem the content validator found in a detection: a snippet of the YAML at
/// the key it is about (or the nearest enclosing key the file has), or just the file when the
/// file has neither.
pub(crate) fn rule_problem(p: &Problem, d: &Detection, color: bool) -> String {
    let file = d.file_text();
    let path = d.path.display().to_string();
    let title = level(p.severity).primary_title(p.message.as_str()).id(p.code.as_str());
    let mut group = match p.span {
        Some(span) => title.element(
            Snippet::source(file)
                .path(path.as_str())
                .line_start(1)
                .annotation(AnnotationKind::Primary.span(clamp(span, file))),
        ),
        None => title.element(Origin::path(path.as_str())),
    };
    if let Some(help) = &p.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    let report: &[Group<'_>] = &[group];
    renderer(color).render(report)
}

/// Render a file that could not be loaded (or a warning about one): with a snippet when the
/// error has a position and the file's text is at hand, else with its path and position.
pub(crate) fn load_error(e: &LoadError, severity: Severity, file: Option<&str>, color: bool) -> String {
    let path = e.path().display().to_string();
    let (id, message) = match e {
        LoadError::MacroDefinition { code, message, .. } => (Some(code.as_str()), message.clone()),
        _ => (None, e.to_string()),
    };
    let mut title = level(severity).primary_title(message.as_str());
    if let Some(id) = id {
        title = title.id(id);
    }
    let group = match (e.line_col(), file) {
        (Some((line, column)), Some(file)) => {
            let at = offset_of(file, line, column);
            let end = file[at..]
                .chars()
                .next()
                .filter(|c| *c != '\n' && *c != '\r')
                .map_or(at, |c| at + c.len_utf8());
            title.element(
                Snippet::source(file)
                    .path(path.as_str())
                    .line_start(1)
                    .annotation(AnnotationKind::Primary.span(at..end)),
            )
        }
        (Some((line, column)), None) => title.element(Origin::path(path.as_str()).line(line).char_column(column)),
        (None, _) => title.element(Origin::path(path.as_str())),
    };
    let report: &[Group<'_>] = &[group];
    renderer(color).render(report)
}

/// The byte offset of a 1-based line and column (in characters), clamped to the text.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let Some(start) = LineIndex::new(text).line_start(line) else {
        return text.len();
    };
    let rest = &text[start..];
    let line_len = rest.find(['\n', '\r']).unwrap_or(rest.len());
    rest[..line_len]
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(start + line_len, |(i, _)| start + i)
}

/// Render a command that reached its bound on groups (of the rule or search at `location`), with
/// how to raise it.
pub(crate) fn limit_reached(reached: &LimitReached, location: &str, color: bool) -> String {
    let title = format!("{location}: {reached}");
    let help = format!(
        "raise the limit with --max-groups N (now {}); a group takes up to about 2 KB of memory",
        reached.max_groups
    );
    let report: &[Group<'_>] = &[Level::WARNING
        .primary_title(title.as_str())
        .element(Level::HELP.message(help.as_str()))];
    renderer(color).render(report)
}

/// Render a problem that has a file and maybe a position, but no snippet.
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
    /// `SPL0001` (a search), `RULE0001` (a detection's other keys), or `LOAD` (a file that
    /// could not be read or loaded).
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
    /// The YAML key path a `RULE` problem is about, e.g. `rba.risk_objects[0].score`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) key: Option<String>,
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
            key: None,
        }
    }

    /// Convert a problem the content validator found; one without a span (a missing key the
    /// file has no parent of) is at line 1, column 1.
    pub(crate) fn from_rule(p: &Problem, d: &Detection) -> Self {
        let (start, end) = p.span.map_or(((1, 1), (1, 1)), |span| {
            let start = d.line_col(span.start);
            let end = d.line_col(span.end);
            ((start.line, start.column), (end.line, end.column))
        });
        Self {
            path: d.path.display().to_string(),
            search: Some(d.name.clone()),
            line: start.0,
            column: start.1,
            end_line: end.0,
            end_column: end.1,
            code: p.code.as_str().to_string(),
            severity: p.severity,
            message: p.message.clone(),
            label: None,
            help: p.help.clone(),
            notes: Vec::new(),
            key: p.key.clone(),
        }
    }
}

//! The terminal table: findings grouped by rule, one line per finding, severity coloured.
//!
//! At a width of 100 columns:
//!
//! ```text
//! HIGH      Kubernetes Security Scanner Image Pull · 2 findings · TTP · T1526 Cloud Service Discovery
//!   2026-11-22 10:00:00–10:05:00  host=node-1  Security scanner image pulled on node-1
//!   2026-11-22 11:00:03           host=node-2  Security scanner image pulled on node-2
//!
//! LOW       Kubernetes Unauthenticated API Sweep · 1 finding · Anomaly · T1046 Network Service Discov…
//!   2026-11-22 10:00:00–10:05:00  src_ip=203.0.113.7  203.0.113.7 made 42 refused unauthenticated req…
//!
//! 3 findings from 2 rules (times UTC)
//! ```
//!
//! Each rule gets a header: severity, name, number of findings, detection type and ATT&CK
//! techniques. Under it, each finding gets one line:
//!
//! - its time range in UTC to the second: one time when the range is within a second; the second
//!   date only when it differs, and without its year when that is the same
//!   (`2026-11-22 23:59:00–11-23 00:01:00`, `2026-12-31 23:59:00–2027-01-01 00:01:00`);
//! - its risk objects as `field=value` (its threat objects when it has none), at most
//!   [`MAX_VALUES`] values per field, then `(+N more)`;
//! - its message.
//!
//! Rules are ordered by severity, highest first, then by name; a rule's findings by first time,
//! then last time. The table ends with the total, or `no findings`.
//!
//! Unlike the other formats, which write each finding as it comes, the table **buffers**: a
//! rule's header counts its findings and the rules are ordered by severity, so nothing can be
//! printed before the last finding is in. [`TableWriter`] collects findings with
//! [`TableWriter::push`] and renders them all on [`TableWriter::finish`]; [`write()`] renders
//! a set of findings at once. Only what a line shows is kept, not the whole finding.
//!
//! The values printed come from the logs, so an attacker writes them (user agents, request
//! URIs, object names). Every one is made printable before it reaches the terminal: control
//! characters (C0, DEL, C1 — so `ESC` and `CSI`, and with them every ANSI escape sequence),
//! Unicode bidirectional controls and line or paragraph separators are shown as Rust-style
//! escapes (`\x1b`, `\u{9b}`, `\u{202e}`, `\n`). The only escape sequences in the output are
//! Tripline's own colours, and only when [`WriterOptions::color`] is set.
//!
//! Whether to colour, and how wide the terminal is, is the caller's decision (a TTY, `NO_COLOR`,
//! `--color`): [`WriterOptions`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use tripline_content::{DetectionKind, Finding, FindingSeverity};
use unicode_width::UnicodeWidthChar;

use crate::{SinkError, WriterOptions};

/// The most values of one field a finding line shows; the rest are counted (`(+N more)`).
pub const MAX_VALUES: usize = 3;

/// The narrowest width lines are truncated to; a smaller [`WriterOptions::width`] counts as this.
pub const MIN_WIDTH: usize = 20;

/// The widest the risk-object column is padded to, so one long value does not push every
/// message in its group to the right.
const OBJECTS_COLUMN_MAX: usize = 40;

/// Collects findings and renders them as the table when finished.
///
/// ```
/// use tripline_sinks::WriterOptions;
/// use tripline_sinks::table::TableWriter;
///
/// let table = TableWriter::new(WriterOptions::default(), Vec::new());
/// // table.push(&finding) for each finding, then:
/// let out = table.finish().expect("write to a Vec");
/// assert_eq!(out, b"no findings\n");
/// ```
#[derive(Debug)]
pub struct TableWriter<W: Write> {
    out: W,
    options: WriterOptions,
    /// Keyed by rule id and name; ordered for output only at the end.
    groups: BTreeMap<(String, String), Group>,
    count: usize,
}

/// One rule's findings.
#[derive(Debug)]
struct Group {
    name: String,
    severity: FindingSeverity,
    kind: DetectionKind,
    techniques: String,
    entries: Vec<Entry>,
}

/// What one finding's line shows, already printable.
#[derive(Debug)]
struct Entry {
    first: Option<f64>,
    last: Option<f64>,
    objects: String,
    message: String,
}

impl<W: Write> TableWriter<W> {
    /// A table that will be written to `out`.
    pub fn new(options: WriterOptions, out: W) -> TableWriter<W> {
        TableWriter {
            out,
            options,
            groups: BTreeMap::new(),
            count: 0,
        }
    }

    /// Add a finding. Nothing is written until [`TableWriter::finish`].
    pub fn push(&mut self, finding: &Finding) {
        let rule = &finding.rule;
        let group = self
            .groups
            .entry((rule.id.clone(), rule.name.clone()))
            .or_insert_with(|| Group {
                name: printable(&rule.name).into_owned(),
                severity: finding.severity,
                kind: rule.kind,
                techniques: techniques(finding),
                entries: Vec::new(),
            });
        group.severity = group.severity.max(finding.severity);
        group.entries.push(Entry {
            first: finding.first_time,
            last: finding.last_time,
            objects: objects(finding),
            message: printable(&finding.message).into_owned(),
        });
        self.count += 1;
    }

    /// How many findings have been pushed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no finding has been pushed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The writer the table will go to.
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Write the table, flush, and hand back the writer.
    ///
    /// # Errors
    ///
    /// [`SinkError::Io`] when the writer fails.
    pub fn finish(mut self) -> Result<W, SinkError> {
        render(
            &mut self.out,
            self.groups.into_values().collect(),
            self.count,
            self.options,
        )?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Render `findings` as one table to `out`.
///
/// # Errors
///
/// [`SinkError::Io`] when `out` fails.
pub fn write<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    options: WriterOptions,
    out: &mut dyn Write,
) -> Result<(), SinkError> {
    let mut table = TableWriter::new(options, out);
    for finding in findings {
        table.push(finding);
    }
    table.finish()?;
    Ok(())
}

fn render(out: &mut dyn Write, mut groups: Vec<Group>, count: usize, options: WriterOptions) -> std::io::Result<()> {
    if groups.is_empty() {
        return line(out, &[(Style::Plain, "no findings")], options);
    }
    groups.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.name.cmp(&b.name)));
    for group in &mut groups {
        group.entries.sort_by(|a, b| {
            time_order(a.first, b.first)
                .then_with(|| time_order(a.last, b.last))
                .then_with(|| a.objects.cmp(&b.objects))
                .then_with(|| a.message.cmp(&b.message))
        });
    }
    for group in &groups {
        render_group(out, group, options)?;
        line(out, &[], options)?;
    }
    let total = format!(
        "{} from {} (times UTC)",
        plural(count, "finding", "findings"),
        plural(groups.len(), "rule", "rules")
    );
    line(out, &[(Style::Plain, &total)], options)
}

fn render_group(out: &mut dyn Write, group: &Group, options: WriterOptions) -> std::io::Result<()> {
    let label = severity_label(group.severity);
    let label_pad = " ".repeat(10usize.saturating_sub(label.len()));
    let mut meta = format!(
        " · {} · {}",
        plural(group.entries.len(), "finding", "findings"),
        group.kind.as_str()
    );
    if !group.techniques.is_empty() {
        meta.push_str(" · ");
        meta.push_str(&group.techniques);
    }
    line(
        out,
        &[
            (Style::Severity(group.severity), label),
            (Style::Plain, &label_pad),
            (Style::Bold, &group.name),
            (Style::Plain, &meta),
        ],
        options,
    )?;

    let times: Vec<String> = group.entries.iter().map(|e| time_range(e.first, e.last)).collect();
    let time_width = times.iter().map(|t| width(t)).max().unwrap_or(0);
    let objects_width = group
        .entries
        .iter()
        .map(|e| width(&e.objects))
        .max()
        .unwrap_or(0)
        .min(OBJECTS_COLUMN_MAX);
    for (entry, time) in group.entries.iter().zip(&times) {
        let mut text = String::from("  ");
        text.push_str(&pad(time, time_width));
        if objects_width > 0 {
            text.push_str("  ");
            text.push_str(&pad(&entry.objects, objects_width));
        }
        text.push_str("  ");
        text.push_str(&entry.message);
        line(out, &[(Style::Plain, text.trim_end())], options)?;
    }
    Ok(())
}

/// Earlier first; a finding without a time after every finding with one.
fn time_order(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

fn severity_label(severity: FindingSeverity) -> &'static str {
    match severity {
        FindingSeverity::Critical => "CRITICAL",
        FindingSeverity::High => "HIGH",
        FindingSeverity::Medium => "MEDIUM",
        FindingSeverity::Low => "LOW",
        FindingSeverity::Informational => "INFO",
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `T1526 Cloud Service Discovery, T1046 Network Service Discovery`.
fn techniques(finding: &Finding) -> String {
    let mut text = String::new();
    for t in &finding.mitre_attack {
        if !text.is_empty() {
            text.push_str(", ");
        }
        text.push_str(&printable(&t.id));
        if let Some(name) = &t.name {
            text.push(' ');
            text.push_str(&printable(name));
        }
    }
    text
}

/// The risk objects as `field=value,value field=value`, each field's values in order, at most
/// [`MAX_VALUES`] of them; the threat objects when there are no risk objects.
fn objects(finding: &Finding) -> String {
    let pairs: Vec<(&str, &str)> = if finding.risk_objects.is_empty() {
        finding
            .threat_objects
            .iter()
            .map(|t| (t.field.as_str(), t.object.as_str()))
            .collect()
    } else {
        finding
            .risk_objects
            .iter()
            .map(|r| (r.field.as_str(), r.object.as_str()))
            .collect()
    };
    // Fields in order of first appearance, each with its distinct values.
    let mut fields: Vec<(&str, Vec<&str>)> = Vec::new();
    for (field, value) in pairs {
        match fields.iter_mut().find(|(f, _)| *f == field) {
            Some((_, values)) => {
                if !values.contains(&value) {
                    values.push(value);
                }
            }
            None => fields.push((field, vec![value])),
        }
    }
    let mut text = String::new();
    for (field, values) in fields {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&printable(field));
        text.push('=');
        for (i, value) in values.iter().take(MAX_VALUES).enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&printable(value));
        }
        if values.len() > MAX_VALUES {
            let _ = write!(text, " (+{} more)", values.len() - MAX_VALUES);
        }
    }
    text
}

/// A finding's time range in UTC to the second: `2026-11-22 10:00:00–10:05:00`; the second date
/// only when it differs, without its year when that is the same (`2026-11-22 23:59:00–11-23
/// 00:01:00`); one time when both fall in the same second; `-` when there is none.
fn time_range(first: Option<f64>, last: Option<f64>) -> String {
    let first = first.and_then(utc_second);
    let last = last.and_then(utc_second);
    match (first, last) {
        (Some((fd, ft)), Some((ld, lt))) if fd == ld && ft == lt => format!("{fd} {ft}"),
        (Some((fd, ft)), Some((ld, lt))) if fd == ld => format!("{fd} {ft}–{lt}"),
        // Dates are `YYYY-MM-DD`, ASCII: byte 5 starts the month.
        (Some((fd, ft)), Some((ld, lt))) if fd.get(..5) == ld.get(..5) => format!("{fd} {ft}–{} {lt}", &ld[5..]),
        (Some((fd, ft)), Some((ld, lt))) => format!("{fd} {ft}–{ld} {lt}"),
        (Some((d, t)), None) | (None, Some((d, t))) => format!("{d} {t}"),
        (None, None) => "-".to_owned(),
    }
}

/// Epoch seconds as the UTC date and time of the second they fall in.
fn utc_second(epoch: f64) -> Option<(String, String)> {
    let seconds = epoch.floor();
    // jiff's range is far inside i64; anything outside it is rejected below.
    if !seconds.is_finite() || seconds.abs() > 1.0e15 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let ts = jiff::Timestamp::from_second(seconds as i64).ok()?;
    Some((ts.strftime("%Y-%m-%d").to_string(), ts.strftime("%H:%M:%S").to_string()))
}

/// `s` with everything that could drive a terminal or disguise text shown as an escape instead:
/// control characters (C0, DEL, C1), bidirectional controls, line and paragraph separators.
#[must_use]
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) && c.is_ascii() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Bidirectional marks, embeddings, overrides and isolates ("Trojan Source").
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            // Line and paragraph separators.
            | '\u{2028}' | '\u{2029}'
        )
}

/// Display width in terminal columns. Every character here is printable, so a character without
/// a width (none should be left) counts as zero.
fn width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

fn pad(s: &str, to: usize) -> String {
    let mut out = s.to_owned();
    out.extend(std::iter::repeat_n(' ', to.saturating_sub(width(s))));
    out
}

/// How a piece of a line is shown.
#[derive(Clone, Copy, Debug)]
enum Style {
    Plain,
    Bold,
    Severity(FindingSeverity),
}

impl Style {
    fn ansi(self) -> Option<&'static str> {
        match self {
            Style::Plain => None,
            Style::Severity(FindingSeverity::Critical) => Some("\x1b[1;31m"),
            Style::Severity(FindingSeverity::High) => Some("\x1b[31m"),
            Style::Severity(FindingSeverity::Medium) => Some("\x1b[33m"),
            Style::Severity(FindingSeverity::Low) => Some("\x1b[36m"),
            Style::Severity(FindingSeverity::Informational) => Some("\x1b[2m"),
            Style::Bold => Some("\x1b[1m"),
        }
    }
}

const RESET: &str = "\x1b[0m";

/// Write one line made of styled pieces, truncated to the width with `…` if it is wider.
/// Truncation counts terminal columns and cuts between characters, never inside one, and keeps
/// zero-width characters (combining marks) with the character before them.
fn line(out: &mut dyn Write, pieces: &[(Style, &str)], options: WriterOptions) -> std::io::Result<()> {
    let limit = options.width.map(|w| w.max(MIN_WIDTH));
    let total: usize = pieces.iter().map(|(_, t)| width(t)).sum();
    // Room left for text when the line must be cut; one column is kept for the `…`.
    let mut room = limit.filter(|&w| total > w).map(|w| w - 1);
    let mut text = String::new();
    let mut cut = false;
    for &(style, piece) in pieces {
        if cut {
            break;
        }
        let shown = match room.as_mut() {
            None => piece,
            Some(room) => {
                let mut used = 0;
                let mut end = 0;
                for (i, c) in piece.char_indices() {
                    let w = c.width().unwrap_or(0);
                    if used + w > *room {
                        cut = true;
                        break;
                    }
                    used += w;
                    end = i + c.len_utf8();
                }
                *room -= used;
                &piece[..end]
            }
        };
        if shown.is_empty() {
            continue;
        }
        match style.ansi().filter(|_| options.color) {
            Some(code) => {
                text.push_str(code);
                text.push_str(shown);
                text.push_str(RESET);
            }
            None => text.push_str(shown),
        }
    }
    if room.is_some() {
        text.push('…');
    }
    text.push('\n');
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(pieces: &[(Style, &str)], options: WriterOptions) -> String {
        let mut out = Vec::new();
        line(&mut out, pieces, options).expect("write to a Vec");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn printable_escapes_what_drives_a_terminal() {
        assert!(matches!(printable("kube-hunter/1.0 ü 日本"), Cow::Borrowed(_)));
        assert_eq!(printable("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(printable("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(printable("x\ny\r\tz\x7f"), "x\\ny\\r\\tz\\x7f");
        assert_eq!(printable("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(printable("a\u{2028}b"), "a\\u{2028}b");
    }

    #[test]
    fn time_ranges_are_compact() {
        const T: f64 = 1_795_341_600.0; // 2026-11-22T10:00:00Z
        assert_eq!(time_range(Some(T), Some(T + 300.25)), "2026-11-22 10:00:00–10:05:00");
        assert_eq!(time_range(Some(T + 0.1), Some(T + 0.9)), "2026-11-22 10:00:00");
        assert_eq!(
            time_range(Some(T), Some(T + 86_400.0)),
            "2026-11-22 10:00:00–11-23 10:00:00"
        );
        assert_eq!(
            time_range(Some(T), Some(T + 86_400.0 * 40.0)),
            "2026-11-22 10:00:00–2027-01-01 10:00:00"
        );
        assert_eq!(time_range(None, Some(T)), "2026-11-22 10:00:00");
        assert_eq!(time_range(None, None), "-");
        assert_eq!(time_range(Some(f64::NAN), Some(f64::INFINITY)), "-");
        assert_eq!(time_range(Some(1.0e300), None), "-");
    }

    #[test]
    fn lines_fit_the_width_and_cut_between_characters() {
        let wide = WriterOptions::default().with_width(Some(20));
        assert_eq!(rendered(&[(Style::Plain, "short")], wide), "short\n");
        assert_eq!(
            rendered(&[(Style::Plain, "exactly twenty cols!")], wide),
            "exactly twenty cols!\n"
        );
        assert_eq!(
            rendered(&[(Style::Plain, "twenty-one columns!!!")], wide),
            "twenty-one columns!…\n"
        );
        // Two-column characters: 18 columns fit, the 10th character would make 20 of 19.
        assert_eq!(
            rendered(&[(Style::Plain, "日本語日本語日本語日本語")], wide),
            "日本語日本語日本語…\n"
        );
        // A combining mark stays with its letter.
        let text = format!("{}e\u{301}xyz", "a".repeat(18));
        assert_eq!(
            rendered(&[(Style::Plain, &text)], wide),
            format!("{}e\u{301}…\n", "a".repeat(18))
        );
        // Below the minimum width counts as the minimum.
        let narrow = WriterOptions::default().with_width(Some(0));
        assert_eq!(
            rendered(&[(Style::Plain, &"x".repeat(30))], narrow),
            format!("{}…\n", "x".repeat(19))
        );
    }

    #[test]
    fn colour_only_when_asked_and_closed_before_the_ellipsis() {
        let pieces = [
            (Style::Severity(FindingSeverity::High), "HIGH"),
            (Style::Plain, " rest"),
        ];
        assert_eq!(rendered(&pieces, WriterOptions::default()), "HIGH rest\n");
        let color = WriterOptions::default().with_color(true);
        assert_eq!(rendered(&pieces, color), "\x1b[31mHIGH\x1b[0m rest\n");
        let long = "x".repeat(30);
        let cut = rendered(&[(Style::Bold, &long)], color.with_width(Some(20)));
        assert_eq!(cut, format!("\x1b[1m{}\x1b[0m…\n", "x".repeat(19)));
    }

    #[test]
    fn severity_colours() {
        let code = |s| Style::Severity(s).ansi();
        assert_eq!(code(FindingSeverity::Critical), Some("\x1b[1;31m"));
        assert_eq!(code(FindingSeverity::High), Some("\x1b[31m"));
        assert_eq!(code(FindingSeverity::Medium), Some("\x1b[33m"));
        assert_eq!(code(FindingSeverity::Low), Some("\x1b[36m"));
        assert_eq!(code(FindingSeverity::Informational), Some("\x1b[2m"));
        assert_eq!(Style::Bold.ansi(), Some("\x1b[1m"));
        assert_eq!(Style::Plain.ansi(), None);
    }
}

//! Framing a byte stream into JSON documents and text lines, whatever the layout.
//!
//! Log files arrive as JSON lines, one pretty-printed document, several documents concatenated
//! (`}{`, or separated by whitespace or commas), a top-level array (each element becomes a
//! document), or plain text. [`DocReader`] tells them apart at each line start:
//!
//! - a line whose first non-blank byte is `{` starts a document, which runs to its matching `}`
//!   however many lines that takes;
//! - a `[` followed by `{`, `[`, `]` or `"` opens a top-level array, whose elements are handed
//!   out one by one (the array itself is never buffered whole);
//! - anything else is a text line.
//!
//! The scanner matches brackets and skips strings (honouring escapes); it does not validate
//! scalars, which the event builder does when it reads them. It never holds more than one
//! document in memory: a document longer than the limit is scanned to its end without being kept,
//! then reported as oversized.
//!
//! Recovery is line-based, so one bad record costs only itself:
//! - a raw newline inside a string is impossible in JSON, so it marks a cut-off line: the document
//!   is dropped and reading resumes on the next line;
//! - an unfinished document whose line ends without a continuation (`{`, `[`, `,`, `:`) and is
//!   followed by a line starting with `{` is a cut-off JSON line followed by the next record;
//! - a bracket mismatch drops the document and skips to the next line (when the document was on
//!   one line) or to the next line starting with `{` or `[` (when it spanned lines).

use std::io::{self, Read};

use memchr::{memchr, memchr3};

/// How much is read from the source at a time.
const CHUNK: usize = 1 << 20;
/// Nesting deeper than this is treated as malformed (the event builder stops at 256 anyway).
const MAX_DEPTH: usize = 1024;

/// Why a record was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The input ended inside a document.
    #[error("the input ends inside a JSON document")]
    UnexpectedEnd,
    /// A line ended inside a JSON string, or a document was cut off and a new one started.
    #[error("JSON record cut off at the end of its line")]
    CutOff,
    /// A closing bracket that does not match the opening one.
    #[error("mismatched brackets in a JSON document")]
    Mismatch,
    /// Deeper nesting than the reader accepts.
    #[error("JSON nested too deeply")]
    TooDeep,
    /// Text after a complete document on the same line.
    #[error("unexpected text after a JSON document")]
    Trailing,
}

/// One unit of input.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame<'a> {
    /// A JSON document (or top-level array element), its brackets matched: its bytes and the line
    /// it starts on.
    Json { text: &'a [u8], line: u64 },
    /// A line that starts with `{` and ends with `}`, framed by its newline alone (JSON lines).
    /// If it turns out not to be one whole object, [`DocReader::rescan`] frames it properly.
    Line { text: &'a [u8], line: u64 },
    /// A text line without its line ending.
    Text { text: &'a [u8], line: u64 },
    /// A record that could not be framed.
    Malformed { line: u64, error: FrameError },
    /// A record longer than the limit, skipped.
    Oversized { line: u64, bytes: u64 },
}

/// The first `"`, `\\` or newline in `bytes`: a plain loop for the short strings most JSON
/// holds, `memchr` beyond.
#[inline]
fn string_stop(bytes: &[u8]) -> Option<usize> {
    let head = bytes.len().min(24);
    if let Some(k) = bytes
        .get(..head)?
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c == b'\n')
    {
        return Some(k);
    }
    memchr3(b'"', b'\\', b'\n', bytes.get(head..)?).map(|k| k + head)
}

/// Splits a byte stream into [`Frame`]s.
pub(crate) struct DocReader<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    started: bool,
    /// The line of the byte at `pos` (1-based).
    line: u64,
    /// Only whitespace has been consumed since the last newline.
    line_start: bool,
    in_array: bool,
    max_doc: usize,
    stack: Vec<u8>,
    /// Where the last [`Frame::Line`] started (buffer index and line), for [`DocReader::rescan`].
    last_line: Option<(usize, u64)>,
    /// Frame the next document by matching brackets, not by its line.
    strict_next: bool,
    /// Bytes read from the source.
    pub(crate) bytes: u64,
    /// The error that ended reading early, if any.
    pub(crate) error: Option<io::Error>,
}

enum Scan {
    Done(usize),
    Failed { error: FrameError, resync: Resync },
    Oversized { bytes: u64 },
}

/// Where to resume after a malformed document, relative to the scan start.
enum Resync {
    /// At this offset (a newline or the end of the input).
    At(usize),
    /// Skip the rest of the current line.
    NextLine,
    /// Skip to the next line that starts with `{` or `[`.
    NextDocumentLine,
}

impl<R: Read> DocReader<R> {
    /// A reader that skips documents longer than `max_doc` bytes.
    pub(crate) fn new(reader: R, max_doc: usize) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            eof: false,
            started: false,
            line: 1,
            line_start: true,
            in_array: false,
            max_doc: max_doc.max(1),
            stack: Vec::new(),
            last_line: None,
            strict_next: false,
            bytes: 0,
            error: None,
        }
    }

    /// Read more data after `end`, compacting or growing the buffer. Returns false at the end of
    /// the input.
    fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        if self.pos > 0 && self.pos == self.end {
            self.pos = 0;
            self.end = 0;
        }
        if self.buf.len() - self.end < CHUNK {
            if self.pos > 0 && self.pos >= self.buf.len() / 2 {
                self.buf.copy_within(self.pos..self.end, 0);
                self.end -= self.pos;
                self.pos = 0;
            }
            if self.buf.len() - self.end < CHUNK {
                let want = (self.end + CHUNK).max(self.buf.len() + self.buf.len() / 2);
                self.buf.resize(want, 0);
            }
        }
        loop {
            let Some(spare) = self.buf.get_mut(self.end..) else {
                self.eof = true;
                return false;
            };
            match self.reader.read(spare) {
                Ok(0) => {
                    self.eof = true;
                    return false;
                }
                Ok(n) => {
                    self.end += n;
                    self.bytes += n as u64;
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.error = Some(e);
                    self.eof = true;
                    return false;
                }
            }
        }
    }

    /// The byte at `pos + off`, reading more if needed; `None` at the end of the input.
    fn peek(&mut self, off: usize) -> Option<u8> {
        while self.pos + off >= self.end {
            if !self.fill() {
                return None;
            }
        }
        self.buf.get(self.pos + off).copied()
    }

    /// The next frame, or `None` at the end of the input.
    pub(crate) fn next_frame(&mut self) -> Option<Frame<'_>> {
        if !self.started {
            self.started = true;
            if self.peek(0) == Some(0xEF) && self.peek(1) == Some(0xBB) && self.peek(2) == Some(0xBF) {
                self.pos += 3;
            }
        }
        loop {
            let c = self.peek(0)?;
            match c {
                b'\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = true;
                    continue;
                }
                b' ' | b'\t' | b'\r' => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            if self.in_array {
                match c {
                    b',' => {
                        self.pos += 1;
                        continue;
                    }
                    b']' => {
                        self.pos += 1;
                        self.in_array = false;
                        self.line_start = false;
                        continue;
                    }
                    b'{' | b'[' => return self.document(),
                    b'"' => return self.string_element(),
                    _ => return self.scalar_element(),
                }
            }
            if self.line_start {
                match c {
                    b'{' if !self.strict_next => {
                        if let Some(len) = self.json_line_len() {
                            let (start, line) = (self.pos, self.line);
                            self.last_line = Some((start, line));
                            self.pos += len;
                            self.line_start = false;
                            let text = self.buf.get(start..start + len).unwrap_or_default();
                            return Some(Frame::Line { text, line });
                        }
                        return self.document();
                    }
                    b'{' => {
                        self.strict_next = false;
                        return self.document();
                    }
                    b'[' if self.opens_array() => {
                        self.pos += 1;
                        self.in_array = true;
                        self.line_start = false;
                        continue;
                    }
                    _ => return self.text_line(),
                }
            }
            match c {
                b',' => {
                    self.pos += 1;
                    continue;
                }
                b'{' | b'[' => return self.document(),
                _ => {
                    let line = self.line;
                    self.skip_line();
                    return Some(Frame::Malformed {
                        line,
                        error: FrameError::Trailing,
                    });
                }
            }
        }
    }

    /// Frame the last [`Frame::Line`] again, matching brackets (it held more or less than one
    /// object). Must be called before the next [`DocReader::next_frame`].
    pub(crate) fn rescan(&mut self) {
        if let Some((start, line)) = self.last_line.take() {
            self.pos = start;
            self.line = line;
            self.line_start = true;
            self.strict_next = true;
        }
    }

    /// The length of the line at `pos` without its trailing whitespace, when it ends with `}` and
    /// is within the size limit: JSON lines are framed by `memchr` alone.
    fn json_line_len(&mut self) -> Option<usize> {
        let mut searched = 0;
        let stop = loop {
            let window = self.buf.get(self.pos + searched..self.end).unwrap_or_default();
            if let Some(k) = memchr(b'\n', window) {
                break searched + k;
            }
            searched = self.end - self.pos;
            if searched > self.max_doc {
                return None;
            }
            if !self.fill() {
                break self.end - self.pos;
            }
        };
        let line = self.buf.get(self.pos..self.pos + stop)?;
        let len = line.len()
            - line
                .iter()
                .rev()
                .take_while(|c| matches!(c, b' ' | b'\t' | b'\r'))
                .count();
        (len <= self.max_doc && line.get(len.checked_sub(1)?) == Some(&b'}')).then_some(len)
    }

    /// Whether the `[` at `pos` opens an array of JSON values rather than starting a text line
    /// such as `[INFO] ...`.
    fn opens_array(&mut self) -> bool {
        let mut off = 1;
        while let Some(c) = self.peek(off) {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' => off += 1,
                b'{' | b'[' | b']' | b'"' => return true,
                _ => return false,
            }
        }
        false
    }

    /// Consume up to and including the next newline (or to the end of the input).
    fn skip_line(&mut self) {
        loop {
            if let Some(k) = self.buf.get(self.pos..self.end).and_then(|s| memchr(b'\n', s)) {
                self.pos += k + 1;
                self.line += 1;
                self.line_start = true;
                return;
            }
            self.pos = self.end;
            if !self.fill() {
                return;
            }
        }
    }

    /// Skip lines until one that starts with `{` or `[` in its first column.
    fn skip_to_document_line(&mut self) {
        loop {
            self.skip_line();
            match self.peek(0) {
                None | Some(b'{' | b'[') => return,
                Some(_) => {}
            }
        }
    }

    fn text_line(&mut self) -> Option<Frame<'_>> {
        let line = self.line;
        let mut off = 0;
        let mut discarded = 0u64;
        loop {
            let found = self.buf.get(self.pos + off..self.end).and_then(|s| memchr(b'\n', s));
            if let Some(k) = found {
                let stop = self.pos + off + k;
                let start = self.pos;
                self.pos = stop + 1;
                self.line += 1;
                self.line_start = true;
                if discarded > 0 {
                    return Some(Frame::Oversized {
                        line,
                        bytes: discarded + (stop - start) as u64,
                    });
                }
                if stop - start > self.max_doc {
                    return Some(Frame::Oversized {
                        line,
                        bytes: (stop - start) as u64,
                    });
                }
                let text = self.buf.get(start..stop).unwrap_or_default();
                return Some(Frame::Text {
                    text: text.strip_suffix(b"\r").unwrap_or(text),
                    line,
                });
            }
            off = self.end - self.pos;
            if off > self.max_doc {
                discarded += off as u64;
                self.pos = self.end;
                off = 0;
            }
            if !self.fill() {
                let start = self.pos;
                self.pos = self.end;
                self.line_start = false;
                if discarded > 0 {
                    return Some(Frame::Oversized {
                        line,
                        bytes: discarded + (self.end - start) as u64,
                    });
                }
                let text = self.buf.get(start..self.end).unwrap_or_default();
                return Some(Frame::Text {
                    text: text.strip_suffix(b"\r").unwrap_or(text),
                    line,
                });
            }
        }
    }

    fn document(&mut self) -> Option<Frame<'_>> {
        let line = self.line;
        let (outcome, newlines) = self.scan_document();
        self.line_start = false;
        match outcome {
            Scan::Done(len) => {
                let start = self.pos;
                self.pos += len;
                self.line += newlines;
                let text = self.buf.get(start..start + len).unwrap_or_default();
                Some(Frame::Json { text, line })
            }
            Scan::Oversized { bytes } => {
                self.line += newlines;
                Some(Frame::Oversized { line, bytes })
            }
            Scan::Failed { error, resync } => {
                match resync {
                    Resync::At(off) => {
                        self.pos += off;
                        self.line += newlines;
                    }
                    // These resume from `pos`, whose newlines are not counted yet.
                    Resync::NextLine => self.skip_line(),
                    Resync::NextDocumentLine => self.skip_to_document_line(),
                }
                Some(Frame::Malformed { line, error })
            }
        }
    }

    /// Scan the document starting at `pos`. Returns the outcome and the number of newlines
    /// consumed (up to the end of the document, or the resync point).
    fn scan_document(&mut self) -> (Scan, u64) {
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        let result = self.scan_with(&mut stack);
        self.stack = stack;
        result
    }

    fn scan_with(&mut self, stack: &mut Vec<u8>) -> (Scan, u64) {
        let mut off = 0usize;
        let mut newlines = 0u64;
        let mut in_str = false;
        let mut last_sig = 0u8;
        let mut discarded = 0u64;
        loop {
            if self.pos + off >= self.end {
                if off > self.max_doc {
                    // Too long to keep: drop what is buffered and keep matching brackets.
                    discarded += off as u64;
                    self.pos += off;
                    self.line += newlines;
                    newlines = 0;
                    off = 0;
                }
                if !self.fill() {
                    self.pos = self.end;
                    return (
                        Scan::Failed {
                            error: FrameError::UnexpectedEnd,
                            resync: Resync::At(0),
                        },
                        newlines,
                    );
                }
                continue;
            }
            let i = self.pos + off;
            if in_str {
                let rest = self.buf.get(i..self.end).unwrap_or_default();
                match string_stop(rest) {
                    None => off += rest.len(),
                    Some(k) => {
                        let at = i + k;
                        match self.buf.get(at) {
                            Some(b'"') => {
                                in_str = false;
                                last_sig = b'"';
                                off += k + 1;
                            }
                            Some(b'\\') => {
                                if at + 1 >= self.end {
                                    // The escaped byte is not read yet.
                                    off += k;
                                    if !self.fill() {
                                        self.pos = self.end;
                                        return (
                                            Scan::Failed {
                                                error: FrameError::UnexpectedEnd,
                                                resync: Resync::At(0),
                                            },
                                            newlines,
                                        );
                                    }
                                    continue;
                                }
                                if self.buf.get(at + 1) == Some(&b'\n') {
                                    return self.cut_off(discarded, off + k + 1, newlines);
                                }
                                off += k + 2;
                            }
                            _ => return self.cut_off(discarded, off + k, newlines),
                        }
                    }
                }
                continue;
            }
            let c = self.buf.get(i).copied().unwrap_or(0);
            off += 1;
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => {
                    if stack.len() >= MAX_DEPTH {
                        return self.failed(FrameError::TooDeep, discarded, newlines);
                    }
                    stack.push(c);
                    last_sig = c;
                }
                b'}' | b']' => {
                    let open = if c == b'}' { b'{' } else { b'[' };
                    if stack.pop() != Some(open) {
                        return self.failed(FrameError::Mismatch, discarded, newlines);
                    }
                    if stack.is_empty() {
                        if discarded > 0 || off > self.max_doc {
                            self.pos += off;
                            return (
                                Scan::Oversized {
                                    bytes: discarded + off as u64,
                                },
                                newlines,
                            );
                        }
                        return (Scan::Done(off), newlines);
                    }
                    last_sig = c;
                }
                b'\n' => {
                    // A line that ends without a continuation, followed by a line that starts a
                    // new document, is a cut-off record.
                    if !matches!(last_sig, b'{' | b'[' | b',' | b':') && self.next_line_starts_document(off) {
                        return self.cut_off(discarded, off - 1, newlines);
                    }
                    newlines += 1;
                }
                b' ' | b'\t' | b'\r' => {}
                _ => last_sig = c,
            }
        }
    }

    /// Whether the byte at `pos + off` (the start of a line) is `{`.
    fn next_line_starts_document(&mut self, off: usize) -> bool {
        self.peek(off) == Some(b'{')
    }

    /// Drop a document cut off at the newline at `pos + at`; resume there.
    fn cut_off(&mut self, discarded: u64, at: usize, newlines: u64) -> (Scan, u64) {
        let _ = discarded;
        (
            Scan::Failed {
                error: FrameError::CutOff,
                resync: Resync::At(at),
            },
            newlines,
        )
    }

    fn failed(&mut self, error: FrameError, discarded: u64, newlines: u64) -> (Scan, u64) {
        let resync = if newlines == 0 && discarded == 0 {
            Resync::NextLine
        } else {
            Resync::NextDocumentLine
        };
        (Scan::Failed { error, resync }, newlines)
    }

    /// A string element of a top-level array.
    fn string_element(&mut self) -> Option<Frame<'_>> {
        let line = self.line;
        let mut off = 1;
        loop {
            let rest = self.buf.get(self.pos + off..self.end).unwrap_or_default();
            match memchr3(b'"', b'\\', b'\n', rest) {
                Some(k) => {
                    let at = self.pos + off + k;
                    match self.buf.get(at) {
                        Some(b'"') => {
                            let start = self.pos;
                            self.pos = at + 1;
                            self.line_start = false;
                            return Some(Frame::Json {
                                text: self.buf.get(start..at + 1).unwrap_or_default(),
                                line,
                            });
                        }
                        Some(b'\\') if at + 1 < self.end => {
                            if self.buf.get(at + 1) == Some(&b'\n') {
                                self.pos = at + 1;
                                return Some(Frame::Malformed {
                                    line,
                                    error: FrameError::CutOff,
                                });
                            }
                            off += k + 2;
                            continue;
                        }
                        Some(b'\\') => off += k,
                        _ => {
                            self.pos = at;
                            return Some(Frame::Malformed {
                                line,
                                error: FrameError::CutOff,
                            });
                        }
                    }
                }
                None => off += rest.len(),
            }
            if off > self.max_doc {
                // An absurdly long string element: give up on it and its line.
                self.skip_line();
                return Some(Frame::Oversized {
                    line,
                    bytes: off as u64,
                });
            }
            if !self.fill() {
                self.pos = self.end;
                return Some(Frame::Malformed {
                    line,
                    error: FrameError::UnexpectedEnd,
                });
            }
        }
    }

    /// A number or literal element of a top-level array, up to the next delimiter.
    fn scalar_element(&mut self) -> Option<Frame<'_>> {
        let line = self.line;
        let mut off = 0;
        loop {
            match self.peek(off) {
                None | Some(b',' | b']' | b' ' | b'\t' | b'\r' | b'\n' | b'{' | b'[' | b'"') => break,
                Some(_) => off += 1,
            }
            if off > 64 {
                self.skip_line();
                return Some(Frame::Malformed {
                    line,
                    error: FrameError::Trailing,
                });
            }
        }
        let start = self.pos;
        self.pos += off;
        self.line_start = false;
        Some(Frame::Json {
            text: self.buf.get(start..start + off).unwrap_or_default(),
            line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames as (kind, text or detail, line).
    pub(crate) fn frames(input: &[u8], max: usize) -> Vec<(&'static str, String, u64)> {
        let mut r = DocReader::new(input, max);
        let mut out = Vec::new();
        while let Some(f) = r.next_frame() {
            out.push(match f {
                Frame::Line { text, line } => {
                    // What the normalizer checks: one object and nothing after it.
                    if crate::raw::whole_value(text).is_err() {
                        r.rescan();
                        continue;
                    }
                    ("json", String::from_utf8_lossy(text).into_owned(), line)
                }
                Frame::Json { text, line } => ("json", String::from_utf8_lossy(text).into_owned(), line),
                Frame::Text { text, line } => ("text", String::from_utf8_lossy(text).into_owned(), line),
                Frame::Malformed { line, error } => ("bad", format!("{error:?}"), line),
                Frame::Oversized { line, bytes } => ("big", bytes.to_string(), line),
            });
        }
        out
    }

    fn json(text: &str, line: u64) -> (&'static str, String, u64) {
        ("json", text.to_string(), line)
    }

    #[test]
    fn json_lines_and_text() {
        let got = frames(
            b"\xEF\xBB\xBF{\"a\":1}\r\n\n{\"b\":\"}\"}\nplain text\r\n  {\"c\":[]}",
            1000,
        );
        assert_eq!(
            got,
            vec![
                json("{\"a\":1}", 1),
                json("{\"b\":\"}\"}", 3),
                ("text", "plain text".into(), 4),
                json("{\"c\":[]}", 5),
            ]
        );
    }

    #[test]
    fn pretty_concatenated_and_comma_separated() {
        let input = b"{\n  \"a\": {\n    \"b\": 1\n  }\n}{\"c\":2} {\"d\":3},\n{\"e\":4}\n";
        let got = frames(input, 1000);
        assert_eq!(
            got,
            vec![
                json("{\n  \"a\": {\n    \"b\": 1\n  }\n}", 1),
                json("{\"c\":2}", 5),
                json("{\"d\":3}", 5),
                json("{\"e\":4}", 6),
            ]
        );
    }

    #[test]
    fn top_level_arrays() {
        let got = frames(
            b"[\n  {\"a\":1},\n  {\"b\":[1,2]}, \"s\", 3, null\n]\n[INFO] started\n[]\n",
            1000,
        );
        assert_eq!(
            got,
            vec![
                json("{\"a\":1}", 2),
                json("{\"b\":[1,2]}", 3),
                json("\"s\"", 3),
                json("3", 3),
                json("null", 3),
                ("text", "[INFO] started".into(), 5),
            ]
        );
    }

    #[test]
    fn recovery() {
        // A line cut inside a string, a line cut between members, a mismatch, trailing junk.
        let input = b"{\"a\":\"cut\n{\"ok\":1}\n{\"a\":1\n{\"ok\":2}\n{\"a\":[}\n{\"ok\":3} junk\n{\"ok\":4}\n";
        let got = frames(input, 1000);
        assert_eq!(
            got,
            vec![
                ("bad", "CutOff".into(), 1),
                json("{\"ok\":1}", 2),
                ("bad", "CutOff".into(), 3),
                json("{\"ok\":2}", 4),
                ("bad", "Mismatch".into(), 5),
                json("{\"ok\":3}", 6),
                ("bad", "Trailing".into(), 6),
                json("{\"ok\":4}", 7),
            ]
        );
        // A document that never ends.
        assert_eq!(frames(b"{\"a\":\n[1,\n", 100), vec![("bad", "UnexpectedEnd".into(), 1)]);
        // A multi-line mismatch skips to the next line that starts a document.
        let got = frames(b"{\n \"a\": ]\n \"b\": 1\n}\n{\"ok\":1}\n", 100);
        assert_eq!(got, vec![("bad", "Mismatch".into(), 1), json("{\"ok\":1}", 5)]);
    }

    #[test]
    fn continuation_lines_are_not_cut_off() {
        let input = b"{\"items\":[\n{\"a\":1},\n{\"b\":2}\n]}\n";
        assert_eq!(
            frames(input, 1000),
            vec![json("{\"items\":[\n{\"a\":1},\n{\"b\":2}\n]}", 1)]
        );
    }

    #[test]
    fn oversized_documents_and_lines() {
        let mut input = b"{\"a\":1}\n{\"big\":\"".to_vec();
        input.extend(std::iter::repeat_n(b'x', 5000));
        input.extend(b"\"}\n");
        input.extend(std::iter::repeat_n(b'y', 5000));
        input.extend(b"\n{\"b\":2}\n");
        let got = frames(&input, 100);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0], json("{\"a\":1}", 1));
        assert_eq!((got[1].0, got[1].2), ("big", 2));
        assert_eq!(got[1].1, "5010");
        assert_eq!((got[2].0, got[2].2), ("big", 3));
        assert_eq!(got[3], json("{\"b\":2}", 4));
    }

    #[test]
    fn small_reads_give_the_same_frames() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(out.len()).min(3);
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let input = b"{\"a\":\"x\\\"y\"}\n[ {\"b\":1} ,\n {\"c\":2} ]\ntext\n{\"d\":\n 1}";
        let mut r = DocReader::new(Trickle(input), 1000);
        let mut a = Vec::new();
        while let Some(f) = r.next_frame() {
            a.push(format!("{f:?}"));
        }
        let b: Vec<String> = {
            let mut r = DocReader::new(&input[..], 1000);
            let mut v = Vec::new();
            while let Some(f) = r.next_frame() {
                v.push(format!("{f:?}"));
            }
            v
        };
        assert_eq!(a, b);
        assert_eq!(a.len(), 5);
        assert!(a[0].starts_with("Line"), "{a:?}");
    }
}

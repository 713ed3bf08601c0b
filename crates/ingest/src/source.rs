//! Input sources: files, directories, globs, stdin; plain or gzip (several members read in
//! turn); UTF-8, or UTF-16 with a byte-order mark (as Windows tools write it).
//!
//! [`Input::open_stream`] gives the decoded bytes; the [`crate::Ingest`] reader frames them into
//! documents. [`LineReader`] is the simpler line framer: lines are framed with `memchr` over a
//! large buffer and handed out as `&str`, a UTF-8 byte-order mark at the start of a file and a
//! trailing `\r` are removed, and invalid UTF-8 is replaced (U+FFFD) rather than rejected. A line
//! longer than the configured limit is skipped whole and counted.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

/// Default largest event: longer lines are skipped and counted.
pub const DEFAULT_MAX_LINE: usize = 4 << 20;

/// Where events come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input (`-`).
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Input {
    /// A short name for messages and the default `source` field.
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "stdin".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }

    /// Open the input as decoded bytes: gzip is decompressed (detected by its magic bytes;
    /// several members concatenated are read in turn) and UTF-16 with a byte-order mark is
    /// converted to UTF-8.
    ///
    /// # Errors
    /// The file cannot be opened, or its first bytes cannot be read.
    pub fn open_stream(&self) -> io::Result<Box<dyn Read + Send>> {
        self.open_stream_counted(None)
    }

    /// [`Input::open_stream`], adding the number of bytes read from the file or stdin (before
    /// decompression) to `counter` as reading goes: what a progress bar compares with the
    /// file's size.
    ///
    /// # Errors
    /// As [`Input::open_stream`].
    pub fn open_stream_counted(&self, counter: Option<Arc<AtomicU64>>) -> io::Result<Box<dyn Read + Send>> {
        let mut raw: Box<dyn Read + Send> = match self {
            Input::Stdin => Box::new(io::stdin()),
            Input::File(p) => Box::new(File::open(p)?),
        };
        if let Some(counter) = counter {
            raw = Box::new(Counted { inner: raw, counter });
        }
        // Reads larger than this capacity bypass the buffer, so it costs no copy.
        let mut buffered = BufReader::with_capacity(64 << 10, raw);
        if buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
            utf16_aware(BufReader::with_capacity(64 << 10, MultiGzDecoder::new(buffered)))
        } else {
            utf16_aware(buffered)
        }
    }

    /// Open the input, decompressing gzip (detected by its magic bytes, several members
    /// concatenated are read in turn).
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn open(&self) -> io::Result<Box<dyn BufRead + Send>> {
        let raw: Box<dyn Read + Send> = match self {
            Input::Stdin => Box::new(io::stdin()),
            Input::File(p) => Box::new(File::open(p)?),
        };
        let mut buffered = BufReader::with_capacity(1 << 20, raw);
        let is_gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        if is_gzip {
            Ok(Box::new(BufReader::with_capacity(
                1 << 20,
                MultiGzDecoder::new(buffered),
            )))
        } else {
            Ok(Box::new(buffered))
        }
    }
}

/// A reader that adds the bytes it reads to a shared counter.
struct Counted {
    inner: Box<dyn Read + Send>,
    counter: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Problems finding inputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A path could not be read.
    #[error("cannot read: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A glob pattern is not valid.
    #[error("invalid pattern: {message}")]
    Pattern {
        /// The pattern.
        pattern: String,
        /// Why.
        message: String,
    },
    /// A glob pattern matched nothing.
    #[error("no files match")]
    NoMatch {
        /// The pattern.
        pattern: String,
    },
}

impl SourceError {
    /// The path or pattern the error is about.
    #[must_use]
    pub fn path(&self) -> String {
        match self {
            SourceError::Io { path, .. } => path.display().to_string(),
            SourceError::Pattern { pattern, .. } | SourceError::NoMatch { pattern } => pattern.clone(),
        }
    }
}

/// Expand command-line paths into inputs: `-` is stdin, a directory is walked recursively (sorted,
/// hidden entries and symlinked directories skipped), a file is itself, and a path that does not
/// exist but contains `*`, `?` or `[` is a glob (`**` crosses directories; matches are sorted, and
/// hidden names match only when the pattern spells the dot). No paths means stdin.
#[must_use]
pub fn expand(paths: &[PathBuf]) -> (Vec<Input>, Vec<SourceError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    if paths.is_empty() {
        inputs.push(Input::Stdin);
    }
    for p in paths {
        if p.as_os_str() == "-" {
            inputs.push(Input::Stdin);
        } else if !p.exists() && is_glob(p) {
            expand_glob(p, &mut inputs, &mut errors);
        } else {
            walk(p, &mut inputs, &mut errors);
        }
    }
    (inputs, errors)
}

fn is_glob(path: &Path) -> bool {
    path.to_string_lossy().contains(['*', '?', '['])
}

fn expand_glob(path: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<SourceError>) {
    let pattern = path.to_string_lossy().into_owned();
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let paths = match glob::glob_with(&pattern, options) {
        Ok(paths) => paths,
        Err(e) => {
            errors.push(SourceError::Pattern {
                pattern,
                message: e.msg.to_string(),
            });
            return;
        }
    };
    let mut matched: Vec<PathBuf> = Vec::new();
    for entry in paths {
        match entry {
            Ok(p) => matched.push(p),
            Err(e) => errors.push(SourceError::Io {
                path: e.path().to_path_buf(),
                source: io::Error::new(e.error().kind(), e.error().to_string()),
            }),
        }
    }
    if matched.is_empty() {
        errors.push(SourceError::NoMatch { pattern });
        return;
    }
    matched.sort();
    for p in matched {
        walk(&p, inputs, errors);
    }
}

fn walk(path: &Path, inputs: &mut Vec<Input>, errors: &mut Vec<SourceError>) {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(source) => {
            errors.push(SourceError::Io {
                path: path.to_path_buf(),
                source,
            });
            return;
        }
    };
    if !meta.is_dir() {
        inputs.push(Input::File(path.to_path_buf()));
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(e) => e,
        Err(source) => {
            errors.push(SourceError::Io {
                path: path.to_path_buf(),
                source,
            });
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    children.sort();
    for child in children {
        let hidden = child.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
        let symlinked_dir =
            std::fs::symlink_metadata(&child).is_ok_and(|m| m.file_type().is_symlink()) && child.is_dir();
        if !hidden && !symlinked_dir {
            walk(&child, inputs, errors);
        }
    }
}

/// Decode UTF-16 (little or big endian, recognised by its byte-order mark) to UTF-8; other
/// streams pass through.
fn utf16_aware<R: BufRead + Send + 'static>(mut reader: R) -> io::Result<Box<dyn Read + Send>> {
    let head = reader.fill_buf()?;
    let little = if head.starts_with(&[0xFF, 0xFE]) {
        true
    } else if head.starts_with(&[0xFE, 0xFF]) {
        false
    } else {
        return Ok(Box::new(reader));
    };
    reader.consume(2);
    Ok(Box::new(Utf16Reader {
        inner: reader,
        little,
        carry: None,
        high: None,
        out: Vec::new(),
        out_pos: 0,
        done: false,
    }))
}

/// Converts a UTF-16 byte stream to UTF-8; unpaired surrogates become U+FFFD.
struct Utf16Reader<R> {
    inner: R,
    little: bool,
    /// An odd byte left over from the previous read.
    carry: Option<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    out: Vec<u8>,
    out_pos: usize,
    done: bool,
}

impl<R: Read> Utf16Reader<R> {
    fn push_unit(&mut self, unit: u16) {
        let c = match (self.high.take(), unit) {
            (Some(hi), 0xDC00..=0xDFFF) => {
                char::from_u32(0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(unit) - 0xDC00))
            }
            (Some(_), _) => {
                self.push_char('\u{fffd}');
                return self.push_unit(unit);
            }
            (None, 0xD800..=0xDBFF) => {
                self.high = Some(unit);
                return;
            }
            (None, _) => char::from_u32(u32::from(unit)),
        };
        self.push_char(c.unwrap_or('\u{fffd}'));
    }

    fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        let mut raw = [0u8; 32 << 10];
        while self.out.is_empty() && !self.done {
            let n = match self.inner.read(&mut raw) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                self.done = true;
                if self.carry.take().is_some() || self.high.take().is_some() {
                    self.push_char('\u{fffd}');
                }
                break;
            }
            let mut bytes = raw.get(..n).unwrap_or_default();
            // `bytes` is not empty here (n > 0), so a carried byte always finds its pair.
            if let Some(first) = self.carry.take()
                && let Some((&second, rest)) = bytes.split_first()
            {
                self.push_unit(self.unit(first, second));
                bytes = rest;
            }
            let mut pairs = bytes.chunks_exact(2);
            for pair in &mut pairs {
                if let [a, b] = pair {
                    self.push_unit(self.unit(*a, *b));
                }
            }
            self.carry = pairs.remainder().first().copied();
        }
        Ok(())
    }

    fn unit(&self, a: u8, b: u8) -> u16 {
        if self.little {
            u16::from_le_bytes([a, b])
        } else {
            u16::from_be_bytes([a, b])
        }
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() {
            self.refill()?;
        }
        let available = self.out.get(self.out_pos..).unwrap_or_default();
        let n = available.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), available.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.out_pos += n;
        Ok(n)
    }
}

/// Reads lines from a source with a bounded line length.
pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    text: String,
    max_line: usize,
    line: u64,
    /// Lines skipped because they were longer than the limit.
    pub oversized: u64,
    /// Bytes read so far (compressed inputs count decompressed bytes).
    pub bytes: u64,
}

impl<R: BufRead> LineReader<R> {
    /// A reader with the default line limit.
    pub fn new(reader: R) -> Self {
        Self::with_limit(reader, DEFAULT_MAX_LINE)
    }

    /// A reader that skips lines longer than `max_line` bytes.
    pub fn with_limit(reader: R, max_line: usize) -> Self {
        Self {
            reader,
            buf: Vec::with_capacity(64 << 10),
            text: String::new(),
            max_line,
            line: 0,
            oversized: 0,
            bytes: 0,
        }
    }

    /// The next line (1-based line number and text), or `None` at the end.
    ///
    /// # Errors
    /// An I/O error, or a corrupt/truncated gzip stream (what was read before it is kept).
    pub fn next_line(&mut self) -> io::Result<Option<(u64, &str)>> {
        loop {
            self.buf.clear();
            let mut too_long = false;
            loop {
                let available = match self.reader.fill_buf() {
                    Ok(b) => b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if available.is_empty() {
                    break;
                }
                let (chunk, done) = match memchr::memchr(b'\n', available) {
                    Some(i) => (&available[..=i], true),
                    None => (available, false),
                };
                let n = chunk.len();
                if !too_long && self.buf.len() + n > self.max_line + 1 {
                    too_long = true;
                    self.buf.clear();
                }
                if !too_long {
                    self.buf.extend_from_slice(chunk);
                }
                self.reader.consume(n);
                self.bytes += n as u64;
                if done {
                    break;
                }
            }
            if self.buf.is_empty() && !too_long {
                return Ok(None);
            }
            self.line += 1;
            if too_long {
                self.oversized += 1;
                continue;
            }
            let mut bytes: &[u8] = &self.buf;
            if self.line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
            bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
            self.text.clear();
            match std::str::from_utf8(bytes) {
                Ok(s) => self.text.push_str(s),
                Err(_) => self.text.push_str(&String::from_utf8_lossy(bytes)),
            }
            return Ok(Some((self.line, &self.text)));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn lines(data: &[u8], limit: usize) -> (Vec<(u64, String)>, u64) {
        let mut r = LineReader::with_limit(data, limit);
        let mut out = Vec::new();
        while let Some((n, l)) = r.next_line().unwrap() {
            out.push((n, l.to_string()));
        }
        (out, r.oversized)
    }

    #[test]
    fn framing() {
        let (l, _) = lines(b"\xEF\xBB\xBFa\r\nb\n\nc", 100);
        assert_eq!(
            l,
            vec![(1, "a".into()), (2, "b".into()), (3, String::new()), (4, "c".into())]
        );
        let (l, _) = lines(b"ok\n\xff\xfe bad\n", 100);
        assert_eq!(l[1].1, "\u{fffd}\u{fffd} bad");
    }

    #[test]
    fn oversized_lines_are_skipped() {
        let (l, n) = lines(b"short\nthis line is far too long\nend\n", 10);
        assert_eq!(l, vec![(1, "short".into()), (3, "end".into())]);
        assert_eq!(n, 1);
    }

    #[test]
    fn gzip_multi_member() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json.gz");
        let mut data = Vec::new();
        for part in ["{\"a\":1}\n", "{\"a\":2}\n"] {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(part.as_bytes()).unwrap();
            data.extend(enc.finish().unwrap());
        }
        std::fs::write(&path, data).unwrap();
        let input = Input::File(path);
        let mut r = LineReader::new(input.open().unwrap());
        let mut n = 0;
        while r.next_line().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 2);
    }

    #[test]
    fn utf16_is_converted() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bom, little) in [("le.json", [0xFF, 0xFE], true), ("be.json", [0xFE, 0xFF], false)] {
            let mut data = bom.to_vec();
            for unit in "{\"a\":\"é😀\"}\n".encode_utf16() {
                data.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
            }
            let path = dir.path().join(name);
            std::fs::write(&path, data).unwrap();
            let mut text = String::new();
            Input::File(path)
                .open_stream()
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            assert_eq!(text, "{\"a\":\"é😀\"}\n");
        }
    }

    #[test]
    fn globs() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        for f in ["a/x.json", "a/b/y.json", "a/b/z.log", "a/.h.json"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let names = |pattern: &str| {
            let (inputs, errors) = expand(&[dir.path().join(pattern)]);
            let names: Vec<String> = inputs
                .iter()
                .map(|i| {
                    i.name()
                        .trim_start_matches(&dir.path().display().to_string())
                        .to_string()
                })
                .collect();
            (names, errors.len())
        };
        assert_eq!(
            names("a/**/*.json"),
            (vec!["/a/b/y.json".to_string(), "/a/x.json".to_string()], 0)
        );
        assert_eq!(names("a/*.json"), (vec!["/a/x.json".to_string()], 0));
        assert_eq!(
            names("a/?").0,
            vec!["/a/b/y.json".to_string(), "/a/b/z.log".to_string()]
        );
        assert_eq!(names("nothing*").1, 1);
        assert_eq!(names("a/[").1, 1);
    }

    #[test]
    fn expand_walks_directories() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/b.json"), "").unwrap();
        std::fs::write(dir.path().join("a.json"), "").unwrap();
        std::fs::write(dir.path().join(".hidden"), "").unwrap();
        let (inputs, errors) = expand(&[dir.path().to_path_buf(), PathBuf::from("/does/not/exist")]);
        assert_eq!(inputs.len(), 2);
        assert_eq!(errors.len(), 1);
    }
}

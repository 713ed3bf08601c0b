//! Input sources: files, directories, stdin; plain or gzip; framed into lines.
//!
//! Lines are framed with `memchr` over a large buffer. A line is handed out as `&str`: a UTF-8
//! byte-order mark at the start of a file and a trailing `\r` are removed, and invalid UTF-8 is
//! replaced (U+FFFD) rather than rejected, so one bad byte never stops a run. A line longer than
//! the configured limit is skipped whole and counted, so one giant line cannot exhaust memory.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

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
}

/// Expand command-line paths into inputs: `-` is stdin, a directory is walked recursively (sorted,
/// hidden entries and symlinked directories skipped), a file is itself.
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
        } else {
            walk(p, &mut inputs, &mut errors);
        }
    }
    (inputs, errors)
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

//! Line outputs: standard output (or any writer) and a file rotated by size, one finding per line
//! in JSON lines, OCSF or Falco ([`crate::write()`]'s serialisers).
//!
//! [`RotatingFile`] works on its own, synchronously. [`FileTransport`] and [`WriterTransport`]
//! put it, and any writer, behind a [`Sink`]; they write on Tokio's blocking threads.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::value::RawValue;
use tripline_content::Finding;

use crate::config::{Batching, FileConfig, StdoutConfig};
use crate::delivery::{BuildError, DeliveryError, DeliveryOptions, Sink, Transport, open_dead_letter};
use crate::{Format, SinkError};

/// How many queued lines one write takes at most.
const LINES_PER_WRITE: usize = 512;

/// A file written line by line and rotated by size: before a line would take it past
/// `max_size`, `PATH.<keep>` is removed, `PATH.<n>` becomes `PATH.<n+1>`, `PATH` becomes
/// `PATH.1`, and a new `PATH` is started. A line is never split, so a line longer than
/// `max_size` gets a file to itself. With `keep` 0 the old content is simply removed.
///
/// An existing file is appended to, its size counted. Writes are buffered: call
/// [`RotatingFile::flush`].
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    max_size: u64,
    keep: usize,
    out: BufWriter<File>,
    size: u64,
}

impl RotatingFile {
    /// Open (or create) `path` for appending.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn open(path: impl Into<PathBuf>, max_size: u64, keep: usize) -> io::Result<RotatingFile> {
        let path = path.into();
        let mut file = OpenOptions::new().create(true).append(true).read(true).open(&path)?;
        let mut size = file.metadata()?.len();
        // A process killed mid-write leaves half a line; end it, so the next finding starts a
        // line of its own instead of merging with the fragment.
        if size > 0 {
            use std::io::{Read, Seek, SeekFrom};
            let mut last = [0u8; 1];
            file.seek(SeekFrom::End(-1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
                size += 1;
            }
        }
        Ok(RotatingFile {
            path,
            max_size,
            keep,
            out: BufWriter::new(file),
            size,
        })
    }

    /// The file being written.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of the `n`th rotated file (1 is the newest): `PATH.n`.
    #[must_use]
    pub fn rotated_path(&self, n: usize) -> PathBuf {
        let mut name = OsString::from(self.path.as_os_str());
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// The size of the file being written, counting buffered bytes.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Write `line` and a line break, rotating first if it would not fit.
    ///
    /// # Errors
    ///
    /// When writing or rotating fails.
    pub fn write_line(&mut self, line: &[u8]) -> io::Result<()> {
        let len = u64::try_from(line.len()).unwrap_or(u64::MAX).saturating_add(1);
        if self.size > 0 && self.size.saturating_add(len) > self.max_size {
            self.rotate()?;
        }
        self.out.write_all(line)?;
        self.out.write_all(b"\n")?;
        self.size = self.size.saturating_add(len);
        Ok(())
    }

    /// Flush buffered lines to the file.
    ///
    /// # Errors
    ///
    /// When writing fails.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Rotate now.
    ///
    /// # Errors
    ///
    /// When flushing, renaming, removing or creating a file fails.
    pub fn rotate(&mut self) -> io::Result<()> {
        self.out.flush()?;
        if self.keep == 0 {
            remove_if_present(&self.path)?;
        } else {
            remove_if_present(&self.rotated_path(self.keep))?;
            for n in (1..self.keep).rev() {
                let from = self.rotated_path(n);
                if from.exists() {
                    std::fs::rename(&from, self.rotated_path(n + 1))?;
                }
            }
            std::fs::rename(&self.path, self.rotated_path(1))?;
        }
        let file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        self.out = BufWriter::new(file);
        self.size = 0;
        Ok(())
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The file sink's transport: lines to a [`RotatingFile`].
#[derive(Debug)]
pub struct FileTransport {
    file: Arc<Mutex<RotatingFile>>,
    format: Format,
}

impl FileTransport {
    /// Lines of `format` (a streaming format) to `file`.
    #[must_use]
    pub fn new(file: RotatingFile, format: Format) -> FileTransport {
        FileTransport {
            file: Arc::new(Mutex::new(file)),
            format,
        }
    }
}

impl Transport for FileTransport {
    fn kind(&self) -> &'static str {
        "file"
    }

    fn encode(&self, finding: &Finding) -> Result<Box<RawValue>, SinkError> {
        crate::encode(self.format, finding)
    }

    async fn deliver(&self, batch: &[&RawValue]) -> Result<(), DeliveryError> {
        let lines = owned_lines(batch);
        let file = Arc::clone(&self.file);
        blocking(move || {
            let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
            for line in &lines {
                file.write_line(line.as_bytes())?;
            }
            file.flush()
        })
        .await
    }
}

/// The stdout sink's transport, over any writer: one line per finding, flushed after each
/// batch.
#[derive(Debug)]
pub struct WriterTransport<W> {
    out: Arc<Mutex<W>>,
    format: Format,
}

impl<W: Write + Send + 'static> WriterTransport<W> {
    /// Lines of `format` (a streaming format) to `out`.
    pub fn new(format: Format, out: W) -> WriterTransport<W> {
        WriterTransport {
            out: Arc::new(Mutex::new(out)),
            format,
        }
    }
}

impl<W: Write + Send + 'static> Transport for WriterTransport<W> {
    fn kind(&self) -> &'static str {
        "stdout"
    }

    fn encode(&self, finding: &Finding) -> Result<Box<RawValue>, SinkError> {
        crate::encode(self.format, finding)
    }

    async fn deliver(&self, batch: &[&RawValue]) -> Result<(), DeliveryError> {
        let mut text = Vec::new();
        for payload in batch {
            text.extend_from_slice(payload.get().as_bytes());
            text.push(b'\n');
        }
        let out = Arc::clone(&self.out);
        blocking(move || {
            let mut out = out.lock().unwrap_or_else(PoisonError::into_inner);
            out.write_all(&text)?;
            out.flush()
        })
        .await
    }
}

fn owned_lines(batch: &[&RawValue]) -> Vec<String> {
    batch.iter().map(|payload| payload.get().to_owned()).collect()
}

/// Run blocking I/O off the async threads.
async fn blocking(f: impl FnOnce() -> io::Result<()> + Send + 'static) -> Result<(), DeliveryError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(DeliveryError::Io),
        Err(e) => Err(DeliveryError::Io(io::Error::other(e.to_string()))),
    }
}

pub(crate) fn start_stdout(config: &StdoutConfig) -> Result<Sink, BuildError> {
    let options = DeliveryOptions {
        queue_capacity: config.queue_capacity,
        batch: Batching::immediate(LINES_PER_WRITE),
        retry: config.retry,
        dead_letter: open_dead_letter(&config.name, &config.dead_letter)?,
    };
    Sink::start(
        &config.name,
        WriterTransport::new(config.format.into(), io::stdout()),
        options,
    )
}

pub(crate) fn start_file(config: &FileConfig) -> Result<Sink, BuildError> {
    if config.max_size.0 == 0 {
        return Err(BuildError::Invalid {
            sink: config.name.clone(),
            field: "max_size".to_owned(),
            reason: "must be more than 0 bytes".to_owned(),
        });
    }
    let dead_letter = open_dead_letter(&config.name, &config.dead_letter)?;
    let file = RotatingFile::open(&config.path, config.max_size.0, config.keep).map_err(|source| BuildError::Open {
        sink: config.name.clone(),
        path: config.path.clone(),
        source,
    })?;
    let options = DeliveryOptions {
        queue_capacity: config.queue_capacity,
        batch: Batching::immediate(LINES_PER_WRITE),
        retry: config.retry,
        dead_letter,
    };
    Sink::start(&config.name, FileTransport::new(file, config.format.into()), options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    #[test]
    fn rotates_before_a_line_would_not_fit_and_keeps_n_files() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.jsonl");
        // Each line is 10 bytes with its newline: two fit in 25 bytes.
        let mut f = RotatingFile::open(&path, 25, 2)?;
        for i in 0..7 {
            f.write_line(format!("line-{i:04}").as_bytes())?;
        }
        f.flush()?;
        assert_eq!(lines(&path), ["line-0006"]);
        assert_eq!(lines(&f.rotated_path(1)), ["line-0004", "line-0005"]);
        assert_eq!(lines(&f.rotated_path(2)), ["line-0002", "line-0003"]);
        assert!(!f.rotated_path(3).exists(), "only 2 rotated files are kept");
        Ok(())
    }

    #[test]
    fn an_oversized_line_gets_a_file_to_itself_and_keep_0_discards() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.jsonl");
        let mut f = RotatingFile::open(&path, 8, 0)?;
        f.write_line(b"a-much-longer-line")?;
        f.write_line(b"b")?;
        f.flush()?;
        assert_eq!(lines(&path), ["b"]);
        assert!(!f.rotated_path(1).exists());
        Ok(())
    }

    #[test]
    fn a_line_cut_by_a_crash_is_ended_before_the_next() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "{\"whole\":1}\n{\"cut")?;
        let mut f = RotatingFile::open(&path, 1 << 20, 1)?;
        f.write_line(b"{\"next\":2}")?;
        f.flush()?;
        assert_eq!(lines(&path), ["{\"whole\":1}", "{\"cut", "{\"next\":2}"]);
        Ok(())
    }

    #[test]
    fn an_existing_file_counts_towards_the_size() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.jsonl");
        std::fs::write(&path, "0123456789\n")?;
        let mut f = RotatingFile::open(&path, 16, 1)?;
        assert_eq!(f.size(), 11);
        f.write_line(b"abcdef")?;
        f.flush()?;
        assert_eq!(lines(&path), ["abcdef"]);
        assert_eq!(lines(&f.rotated_path(1)), ["0123456789"]);
        Ok(())
    }
}

//! The dead-letter file: findings a sink could not deliver, one JSON object per line, so nothing
//! is lost.
//!
//! A record ([`DeadLetter`]) holds when and why delivery was given up, the sink's name and type,
//! the finding in its own layout (`docs/findings.md`) and the exact payload the sink sent (the
//! Splunk HEC event, the Slack message, the OCSF object, ...). [`Sink::try_replay`] puts a
//! record back into a sink of the same type; `docs/sinks.md` shows how to replay by hand.
//!
//! Each record is written with one `write` call to a file opened for appending, then synced,
//! so several sinks (and processes) can share one file.
//!
//! [`Sink::try_replay`]: crate::delivery::Sink::try_replay

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// One finding a sink gave up on.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeadLetter {
    /// When it was given up, RFC 3339 in UTC with milliseconds.
    pub time: String,
    /// The sink's name.
    pub sink: String,
    /// The sink's type: `stdout`, `file`, `webhook`, `slack`, `splunk_hec` (or a custom
    /// transport's kind).
    pub sink_type: String,
    /// Why it was given up.
    pub reason: DeadLetterReason,
    /// The last error, e.g. `HTTP 400 Bad Request: Incorrect index (code 7)`.
    pub error: String,
    /// How many delivery attempts were made (0 when the sink shut down before trying).
    pub attempts: u32,
    /// The finding's id.
    pub finding_id: String,
    /// The finding, in its own layout.
    pub finding: Box<RawValue>,
    /// What the sink sends for this finding.
    pub payload: Box<RawValue>,
}

/// Why a finding went to the dead-letter file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeadLetterReason {
    /// The receiver refused it for good (HTTP 4xx other than 408 and 429, e.g. HEC's 400
    /// "bad data", or 401/403 for a wrong token): sending it again would fail again.
    Rejected,
    /// Transient failures went on until `max_attempts` or `max_elapsed`.
    Exhausted,
    /// The sink was shut down and its grace period ended before delivery.
    Shutdown,
}

impl DeadLetterReason {
    /// The name records use: `rejected`, `exhausted` or `shutdown`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DeadLetterReason::Rejected => "rejected",
            DeadLetterReason::Exhausted => "exhausted",
            DeadLetterReason::Shutdown => "shutdown",
        }
    }
}

/// An open dead-letter file, appended to. Share one between sinks with an `Arc`.
#[derive(Debug)]
pub struct DeadLetterFile {
    path: PathBuf,
    file: Mutex<File>,
}

impl DeadLetterFile {
    /// Open `path` for appending, creating it if needed (not its directory).
    ///
    /// # Errors
    ///
    /// When the file cannot be opened.
    pub fn open(path: impl Into<PathBuf>) -> io::Result<DeadLetterFile> {
        let path = path.into();
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(DeadLetterFile {
            path,
            file: Mutex::new(file),
        })
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append `records`, one line each, and sync the file to disk. This blocks: from async
    /// code, call it on a blocking thread.
    ///
    /// # Errors
    ///
    /// When writing or syncing fails; some records may then have been written.
    pub fn append(&self, records: &[DeadLetter]) -> io::Result<()> {
        // A poisoned lock only means another writer panicked mid-record; the file is still
        // the right place for this one.
        let mut file = self.file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for record in records {
            let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
            line.push(b'\n');
            file.write_all(&line)?;
        }
        file.sync_data()
    }
}

/// Why a dead-letter file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: io::Error,
    },
    /// A line is not a dead-letter record.
    #[error("{}:{line}: not a dead-letter record: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong with it.
        source: serde_json::Error,
    },
}

/// Read every record of a dead-letter file, in order. Blank lines are skipped.
///
/// # Errors
///
/// [`ReadError::Io`] when the file cannot be read, [`ReadError::Parse`] for the first line that
/// is not a record.
pub fn read(path: &Path) -> Result<Vec<DeadLetter>, ReadError> {
    let io_error = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let reader = BufReader::new(File::open(path).map_err(io_error)?);
    let mut records = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(io_error)?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line).map_err(|source| ReadError::Parse {
            path: path.to_owned(),
            line: index + 1,
            source,
        })?;
        records.push(record);
    }
    Ok(records)
}

/// The current time as dead-letter records write it.
pub(crate) fn now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_has_milliseconds() {
        let t = now();
        assert_eq!(t.len(), "2026-11-22T10:00:00.000Z".len(), "{t}");
        assert!(t.ends_with('Z'));
    }
}

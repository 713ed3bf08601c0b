//! The write-ahead log: what `serve` has acknowledged is on disk before the `200` goes out, and
//! a restart after a crash (`kill -9`, OOM, power loss with `fsync = "always"`) replays it.
//!
//! The log is the engine's input, in the engine's order: accepted batches and the markers that
//! close windows (an idle cluster, shutdown, a rule reload). The engine is deterministic over
//! that sequence, so replaying it rebuilds the window state exactly as it was; the markers are
//! what makes a wall-clock decision (the idle flush) part of the sequence.
//!
//! **Layout.** A directory with `wal-<first seq>.log` segments and `checkpoint.json`. A segment
//! starts with [`MAGIC`]; each record is `len: u32, crc32: u32, seq: u64, payload` (little
//! endian; the CRC covers `seq` and the payload). A torn record at the end of the last segment —
//! a crash in the middle of a write, never acknowledged — is cut off when the log is opened; a
//! bad record anywhere else ends that segment's replay with a warning.
//!
//! **What a batch record holds.** Every event's time, and the full text only of the events the
//! rules' literal prefilter selects ([`tripline_content::Prefilter`]): an event no rule can
//! match changes nothing but the watermark, for which its time is enough. This keeps the log —
//! which must span the longest open window, 10 minutes by default — a small fraction of the
//! traffic.
//!
//! **Truncation.** A segment is deleted once the engine has processed it, every finding produced
//! by then has been delivered (or dead-lettered) by every sink, and each of its events lies below
//! its cluster's *horizon* ([`tripline_content::window::WindowedRuleSet::horizon`]): no window
//! that could hold it is open or can open again. `checkpoint.json` is written first; it keeps,
//! per cluster, the horizon (replayed events below it belong to windows already closed and
//! delivered, and are skipped) and the latest event time of the deleted segments (so the
//! replayed watermark starts where it was).
//!
//! **Durability.** `fsync = "always"` (default): one `fdatasync` per group of concurrent
//! appends, before any of them is acknowledged (group commit). `"interval"`: at most every
//! `fsync_interval`; acknowledged batches survive a crash of the process, not of the machine,
//! for up to that long. `"never"`: the kernel decides.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tripline_engine::event::Metadata;
use tripline_engine::value::Text;

use super::engine::{Batch, Event, Full};
use super::metrics::Metrics;

/// The first bytes of every segment.
pub(crate) const MAGIC: &[u8; 8] = b"TLWAL\x00\x00\x01";
/// Bytes before a record's payload: length, CRC-32, sequence number.
const HEADER: usize = 16;
/// The largest payload a record may claim; anything larger is damage, not data.
const MAX_RECORD: usize = 1 << 31;

/// When appends reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fsync {
    /// Before every acknowledgement (one sync per group of concurrent appends).
    Always,
    /// At most this often; acknowledged data may sit in the page cache until then.
    Interval(Duration),
    /// Never explicitly.
    Never,
}

/// How the log is kept.
#[derive(Clone, Debug)]
pub(crate) struct WalOptions {
    pub(crate) dir: PathBuf,
    pub(crate) fsync: Fsync,
    /// A segment is closed and a new one started past this size.
    pub(crate) segment_size: u64,
    /// Past this size, requests are refused (429) until truncation frees space.
    pub(crate) max_size: u64,
}

/// One entry of the log: what the engine takes, in order.
#[derive(Debug)]
pub(crate) enum Entry {
    /// An accepted request's events.
    Batch(Batch),
    /// Close the open windows of one cluster (it went idle), or of all (`None`: shutdown or a
    /// rule reload).
    Flush(Option<String>),
}

/// An entry with its place in the log.
#[derive(Debug)]
pub(crate) struct Logged {
    pub(crate) seq: u64,
    pub(crate) entry: Entry,
}

/// `checkpoint.json`: what replay needs from the segments already deleted.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Checkpoint {
    /// The first sequence number still in the log (everything before is deleted).
    pub(crate) first_seq: u64,
    /// Per cluster: events below this time belong to windows closed and delivered.
    pub(crate) horizon: HashMap<String, f64>,
    /// Per cluster: the latest event time in the deleted segments.
    pub(crate) max_time: HashMap<String, f64>,
}

/// A segment's bookkeeping.
#[derive(Debug)]
struct Segment {
    first_seq: u64,
    /// The last record's sequence number; `None` while empty.
    last_seq: Option<u64>,
    path: PathBuf,
    bytes: u64,
    /// Per cluster, the latest event time the segment holds.
    max_time: HashMap<String, f64>,
}

/// The open segment being appended to.
#[derive(Debug)]
struct Current {
    file: File,
    synced: bool,
}

#[derive(Debug)]
struct Inner {
    segments: Vec<Segment>,
    current: Option<Current>,
    next_seq: u64,
    checkpoint: Checkpoint,
    last_sync: Instant,
}

/// The log. Appends come from the writer thread ([`run_writer`]); truncation from the engine.
#[derive(Debug)]
pub(crate) struct Wal {
    options: WalOptions,
    inner: Mutex<Inner>,
    /// Bytes on disk, for the size limit and `/metrics`.
    bytes: AtomicU64,
    /// Held for the process's life: a second `serve` on the same directory would corrupt it.
    _lock: File,
}

/// What opening and replaying found.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ReplayStats {
    pub(crate) entries: u64,
    pub(crate) segments: u64,
    /// A torn record cut from the end of the last segment.
    pub(crate) torn_tail: bool,
    /// Segments whose replay stopped early at a damaged record.
    pub(crate) damaged: u64,
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    // The state is a list of files and counters; after a panic elsewhere it is still usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn segment_name(first_seq: u64) -> String {
    format!("wal-{first_seq:020}.log")
}

fn parse_segment_name(name: &str) -> Option<u64> {
    name.strip_prefix("wal-")?.strip_suffix(".log")?.parse().ok()
}

/// Make a directory entry durable (a created, renamed or deleted file).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

impl Wal {
    /// Open (or create) the log in `options.dir`, take its lock, read the checkpoint and list the
    /// segments; [`Wal::replay`] reads them.
    pub(crate) fn open(options: WalOptions) -> io::Result<Wal> {
        std::fs::create_dir_all(&options.dir)?;
        let lock_file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(options.dir.join("lock"))?;
        match lock_file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    "another tripline serve holds this directory",
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        let checkpoint = match std::fs::read(options.dir.join("checkpoint.json")) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("checkpoint.json is damaged: {e}")))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => Checkpoint::default(),
            Err(e) => return Err(e),
        };
        let mut firsts = Vec::new();
        for entry in std::fs::read_dir(&options.dir)? {
            let entry = entry?;
            if let Some(first) = entry.file_name().to_str().and_then(parse_segment_name) {
                firsts.push((first, entry.path(), entry.metadata()?.len()));
            }
        }
        firsts.sort_by_key(|(first, _, _)| *first);
        // Segments wholly before the checkpoint were being deleted when the process stopped.
        let mut segments = Vec::new();
        for (i, (first, path, bytes)) in firsts.iter().enumerate() {
            let next_first = firsts.get(i + 1).map(|(f, _, _)| *f);
            if next_first.is_some_and(|n| n <= checkpoint.first_seq) {
                std::fs::remove_file(path)?;
                continue;
            }
            segments.push(Segment {
                first_seq: *first,
                last_seq: None,
                path: path.clone(),
                bytes: *bytes,
                max_time: HashMap::new(),
            });
        }
        let bytes = segments.iter().map(|s| s.bytes).sum();
        let next_seq = checkpoint.first_seq.max(segments.first().map_or(0, |s| s.first_seq));
        Ok(Wal {
            inner: Mutex::new(Inner {
                segments,
                current: None,
                next_seq,
                checkpoint,
                last_sync: Instant::now(),
            }),
            bytes: AtomicU64::new(bytes),
            options,
            _lock: lock_file,
        })
    }

    /// The checkpoint read at open (or written since).
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        lock(&self.inner).checkpoint.clone()
    }

    /// Bytes on disk now.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Whether the log has reached `max_size` (new batches must wait).
    pub(crate) fn full(&self) -> bool {
        self.bytes() >= self.options.max_size
    }

    /// Segments on disk now.
    pub(crate) fn segments(&self) -> usize {
        lock(&self.inner).segments.len()
    }

    /// Read every segment in order and hand each entry from the checkpoint on to `f`. Cuts a
    /// torn record off the end of the last segment. Call once, before any append.
    pub(crate) fn replay(&self, mut f: impl FnMut(Logged)) -> io::Result<ReplayStats> {
        let mut inner = lock(&self.inner);
        let first_wanted = inner.checkpoint.first_seq;
        let count = inner.segments.len();
        let mut stats = ReplayStats::default();
        let mut next_seq = inner.next_seq;
        for (i, segment) in inner.segments.iter_mut().enumerate() {
            stats.segments += 1;
            let last = i + 1 == count;
            let file = File::open(&segment.path)?;
            let mut reader = BufReader::with_capacity(1 << 20, file);
            let mut good = 0u64;
            let mut magic = [0u8; 8];
            let damage = match reader.read_exact(&mut magic) {
                Ok(()) if &magic == MAGIC => {
                    good = MAGIC.len() as u64;
                    loop {
                        match read_record(&mut reader) {
                            Ok(Some((seq, payload, len))) => {
                                let entry = match decode(&payload) {
                                    Ok(entry) => entry,
                                    Err(why) => break Some(why),
                                };
                                good += len;
                                segment.last_seq = Some(seq);
                                next_seq = next_seq.max(seq + 1);
                                if let Entry::Batch(batch) = &entry {
                                    note_times(&mut segment.max_time, batch);
                                }
                                if seq >= first_wanted {
                                    stats.entries += 1;
                                    f(Logged { seq, entry });
                                }
                            }
                            Ok(None) => break None,
                            Err(why) => break Some(why),
                        }
                    }
                }
                // A segment created but never written: nothing in it was acknowledged.
                Ok(()) | Err(_) if segment.bytes < MAGIC.len() as u64 => None,
                Ok(()) => Some("the segment does not start with the log's magic bytes"),
                Err(_) => Some("the segment is unreadable"),
            };
            if let Some(why) = damage {
                if last {
                    // A crash mid-write: the record was never acknowledged. Cut it off so appends
                    // do not follow garbage.
                    stats.torn_tail = true;
                    let file = OpenOptions::new().write(true).open(&segment.path)?;
                    file.set_len(good)?;
                    file.sync_all()?;
                    tracing::warn!(
                        "wal: cut {} bytes of an unfinished record off {} ({why})",
                        segment.bytes.saturating_sub(good),
                        segment.path.display()
                    );
                    segment.bytes = good;
                } else {
                    stats.damaged += 1;
                    tracing::error!(
                        "wal: {} is damaged after byte {good} ({why}); the rest of it is \
                         not replayed",
                        segment.path.display()
                    );
                }
            }
        }
        inner.next_seq = next_seq;
        let bytes = inner.segments.iter().map(|s| s.bytes).sum();
        self.bytes.store(bytes, Ordering::Relaxed);
        Ok(stats)
    }

    /// Append encoded entries (payloads from [`encode`]) as one group; returns their sequence
    /// numbers. Synced before returning when the policy says so.
    fn append(&self, group: &[Pending]) -> io::Result<Vec<u64>> {
        let mut inner = lock(&self.inner);
        let inner = &mut *inner;
        let roll = inner
            .segments
            .last()
            .is_none_or(|s| s.bytes >= self.options.segment_size)
            || inner.current.is_none();
        if roll {
            self.start_segment(inner)?;
        }
        let Inner {
            segments,
            current,
            next_seq,
            last_sync,
            ..
        } = inner;
        let (Some(segment), Some(cur)) = (segments.last_mut(), current.as_mut()) else {
            return Err(io::Error::other("no open segment"));
        };
        let mut buf = Vec::with_capacity(group.iter().map(|p| p.payload.len() + HEADER).sum());
        let mut seqs = Vec::with_capacity(group.len());
        for p in group {
            let seq = *next_seq + seqs.len() as u64;
            let len = u32::try_from(p.payload.len()).map_err(|_| io::Error::other("a record over 4 GiB"))?;
            let mut crc = crc32fast::Hasher::new();
            crc.update(&seq.to_le_bytes());
            crc.update(&p.payload);
            buf.extend_from_slice(&len.to_le_bytes());
            buf.extend_from_slice(&crc.finalize().to_le_bytes());
            buf.extend_from_slice(&seq.to_le_bytes());
            buf.extend_from_slice(&p.payload);
            seqs.push(seq);
        }
        if let Err(e) = cur.file.write_all(&buf) {
            // Leave no half record for later appends to follow; if even that fails, the next
            // append starts a new segment.
            if cur.file.set_len(segment.bytes).is_err() {
                *current = None;
            }
            return Err(e);
        }
        cur.synced = false;
        let sync = match self.options.fsync {
            Fsync::Always => true,
            Fsync::Interval(every) => last_sync.elapsed() >= every,
            Fsync::Never => false,
        };
        if sync {
            cur.file.sync_data()?;
            cur.synced = true;
            *last_sync = Instant::now();
        }
        *next_seq += seqs.len() as u64;
        segment.bytes += buf.len() as u64;
        segment.last_seq = seqs.last().copied().or(segment.last_seq);
        for p in group {
            for (cluster, t) in &p.max_time {
                let m = segment.max_time.entry(cluster.clone()).or_insert(*t);
                *m = m.max(*t);
            }
        }
        self.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok(seqs)
    }

    /// Sync the open segment if the interval policy has data waiting.
    fn sync_if_due(&self) -> io::Result<()> {
        let Fsync::Interval(every) = self.options.fsync else {
            return Ok(());
        };
        let mut inner = lock(&self.inner);
        if inner.last_sync.elapsed() < every {
            return Ok(());
        }
        inner.last_sync = Instant::now();
        if let Some(cur) = inner.current.as_mut().filter(|c| !c.synced) {
            cur.file.sync_data()?;
            cur.synced = true;
        }
        Ok(())
    }

    fn start_segment(&self, inner: &mut Inner) -> io::Result<()> {
        if let Some(cur) = inner.current.take()
            && !cur.synced
            && self.options.fsync != Fsync::Never
        {
            cur.file.sync_data()?;
        }
        let path = self.options.dir.join(segment_name(inner.next_seq));
        let mut file = OpenOptions::new().create(true).truncate(true).write(true).open(&path)?;
        file.write_all(MAGIC)?;
        if self.options.fsync != Fsync::Never {
            file.sync_all()?;
            sync_dir(&self.options.dir)?;
        }
        inner.segments.push(Segment {
            first_seq: inner.next_seq,
            last_seq: None,
            path,
            bytes: MAGIC.len() as u64,
            max_time: HashMap::new(),
        });
        inner.current = Some(Current { file, synced: true });
        self.bytes.fetch_add(MAGIC.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// Delete the leading segments that are no longer needed: processed and delivered up to
    /// `delivered_seq`, and every event below its cluster's horizon in `horizon` (a cluster
    /// missing there has had its windows flushed and forgotten). The segment being appended to
    /// stays. Returns the number deleted.
    pub(crate) fn truncate(&self, delivered_seq: Option<u64>, horizon: &HashMap<String, f64>) -> io::Result<usize> {
        let Some(delivered) = delivered_seq else { return Ok(0) };
        let mut inner = lock(&self.inner);
        let open = usize::from(inner.current.is_some());
        let mut n = 0;
        for s in inner.segments.iter().take(inner.segments.len().saturating_sub(open)) {
            let done = s.last_seq.is_none_or(|last| last <= delivered);
            let closed = s
                .max_time
                .iter()
                .all(|(cluster, t)| horizon.get(cluster).is_none_or(|h| t < h));
            if !(done && closed) {
                break;
            }
            n += 1;
        }
        if n == 0 {
            return Ok(0);
        }
        let first_seq = inner.segments.get(n).map_or(inner.next_seq, |s| s.first_seq);
        self.remove_leading(&mut inner, n, first_seq, horizon)?;
        Ok(n)
    }

    /// After a clean shutdown that processed and delivered everything up to `processed_seq`:
    /// delete every segment if nothing came after it; otherwise keep them all for the next start.
    pub(crate) fn finish(&self, processed_seq: Option<u64>, horizon: &HashMap<String, f64>) -> io::Result<bool> {
        let mut inner = lock(&self.inner);
        let everything = match processed_seq {
            Some(p) => p + 1 >= inner.next_seq,
            None => inner.segments.iter().all(|s| s.last_seq.is_none()),
        };
        if !everything {
            return Ok(false);
        }
        if let Some(cur) = inner.current.take()
            && self.options.fsync != Fsync::Never
        {
            cur.file.sync_data()?;
        }
        let n = inner.segments.len();
        let first_seq = inner.next_seq;
        self.remove_leading(&mut inner, n, first_seq, horizon)?;
        Ok(true)
    }

    fn remove_leading(
        &self,
        inner: &mut Inner,
        n: usize,
        first_seq: u64,
        horizon: &HashMap<String, f64>,
    ) -> io::Result<()> {
        let mut checkpoint = inner.checkpoint.clone();
        checkpoint.first_seq = first_seq;
        for s in &inner.segments[..n] {
            for (cluster, t) in &s.max_time {
                let m = checkpoint.max_time.entry(cluster.clone()).or_insert(*t);
                *m = m.max(*t);
            }
        }
        for (cluster, h) in horizon {
            let m = checkpoint.horizon.entry(cluster.clone()).or_insert(*h);
            *m = m.max(*h);
        }
        // The checkpoint first: a crash between the two leaves segments the next open deletes.
        let tmp = self.options.dir.join("checkpoint.json.tmp");
        let mut file = File::create(&tmp)?;
        file.write_all(&serde_json::to_vec(&checkpoint).map_err(io::Error::other)?)?;
        file.sync_all()?;
        std::fs::rename(&tmp, self.options.dir.join("checkpoint.json"))?;
        let removed: Vec<Segment> = inner.segments.drain(..n).collect();
        for s in &removed {
            std::fs::remove_file(&s.path)?;
            self.bytes.fetch_sub(s.bytes, Ordering::Relaxed);
        }
        sync_dir(&self.options.dir)?;
        inner.checkpoint = checkpoint;
        Ok(())
    }
}

fn note_times(max_time: &mut HashMap<String, f64>, batch: &Batch) {
    let t = batch
        .events
        .iter()
        .map(|e| e.time)
        .filter(|t| t.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    if t.is_finite() {
        let m = max_time.entry(batch.cluster.clone()).or_insert(t);
        *m = m.max(t);
    }
}

/// A record read back: sequence number, payload, bytes it took in the file.
type Record = (u64, Vec<u8>, u64);

/// Read one record: `Ok(None)` at a clean end, `Err` at a torn or damaged one.
fn read_record(reader: &mut impl Read) -> Result<Option<Record>, &'static str> {
    let mut header = [0u8; HEADER];
    let mut got = 0;
    while got < HEADER {
        match reader.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err("the file ends inside a record header"),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err("a read failed"),
        }
    }
    let word = |i: usize| u32::from_le_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let len = word(0) as usize;
    let crc = word(4);
    let mut seq_bytes = [0u8; 8];
    seq_bytes.copy_from_slice(&header[8..16]);
    let seq = u64::from_le_bytes(seq_bytes);
    if len > MAX_RECORD {
        return Err("a record claims an impossible length");
    }
    let mut payload = Vec::new();
    reader
        .take(len as u64)
        .read_to_end(&mut payload)
        .map_err(|_| "a read failed")?;
    if payload.len() < len {
        return Err("the file ends inside a record");
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&seq_bytes);
    hasher.update(&payload);
    if hasher.finalize() != crc {
        return Err("a record's checksum does not match");
    }
    Ok(Some((seq, payload, (HEADER + len) as u64)))
}

// Payload encoding: a kind byte, then fields; strings and byte runs are u32-length-prefixed.
const KIND_BATCH: u8 = 1;
const KIND_FLUSH: u8 = 2;
const FLAG_FULL: u8 = 1;
const FLAG_JSON: u8 = 2;

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Lengths fit: a body is far below 4 GiB (limits.max_body is checked first).
    #[allow(clippy::cast_possible_truncation)]
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Encode an entry's payload.
pub(crate) fn encode(entry: &Entry) -> Vec<u8> {
    let mut out = Vec::new();
    match entry {
        Entry::Batch(batch) => {
            let size: usize = batch
                .events
                .iter()
                .map(|e| 9 + e.full.as_ref().map_or(0, |f| f.text.len() + 64))
                .sum();
            out.reserve(size + batch.cluster.len() + 16);
            out.push(KIND_BATCH);
            put_str(&mut out, &batch.cluster);
            #[allow(clippy::cast_possible_truncation)] // a batch holds far fewer than 2^32 events
            out.extend_from_slice(&(batch.events.len() as u32).to_le_bytes());
            for e in &batch.events {
                out.extend_from_slice(&e.time.to_le_bytes());
                match &e.full {
                    None => out.push(0),
                    Some(full) => {
                        out.push(FLAG_FULL | if full.json { FLAG_JSON } else { 0 });
                        put_str(&mut out, &full.meta.source);
                        put_str(&mut out, &full.meta.sourcetype);
                        put_str(&mut out, &full.meta.host);
                        put_str(&mut out, &full.meta.index);
                        put_str(&mut out, &full.text);
                    }
                }
            }
        }
        Entry::Flush(cluster) => {
            out.push(KIND_FLUSH);
            match cluster {
                None => out.push(0),
                Some(c) => {
                    out.push(1);
                    put_str(&mut out, c);
                }
            }
        }
    }
    out
}

struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        if self.0.len() < n {
            return Err("a record is shorter than its fields");
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn u8(&mut self) -> Result<u8, &'static str> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, &'static str> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn f64(&mut self) -> Result<f64, &'static str> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8)?);
        Ok(f64::from_le_bytes(a))
    }
    fn str(&mut self) -> Result<&'a str, &'static str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).map_err(|_| "a record holds text that is not UTF-8")
    }
}

/// Decode a payload written by [`encode`].
pub(crate) fn decode(payload: &[u8]) -> Result<Entry, &'static str> {
    let mut c = Cursor(payload);
    let entry = match c.u8()? {
        KIND_BATCH => {
            let cluster = c.str()?.to_owned();
            let n = c.u32()? as usize;
            // Each event takes at least 9 bytes: a claimed count beyond that is damage.
            if n > c.0.len() / 9 {
                return Err("a batch claims more events than it holds");
            }
            let mut events = Vec::with_capacity(n);
            for _ in 0..n {
                let time = c.f64()?;
                let flags = c.u8()?;
                let full = if flags & FLAG_FULL == 0 {
                    None
                } else {
                    let meta = Metadata {
                        source: Text::from(c.str()?),
                        sourcetype: Text::from(c.str()?),
                        host: Text::from(c.str()?),
                        index: Text::from(c.str()?),
                    };
                    Some(Full {
                        text: c.str()?.to_owned(),
                        json: flags & FLAG_JSON != 0,
                        meta,
                    })
                };
                events.push(Event { time, full });
            }
            Entry::Batch(Batch {
                cluster,
                events,
                received: Instant::now(),
            })
        }
        KIND_FLUSH => match c.u8()? {
            0 => Entry::Flush(None),
            _ => Entry::Flush(Some(c.str()?.to_owned())),
        },
        _ => return Err("a record of an unknown kind"),
    };
    if !c.0.is_empty() {
        return Err("a record has bytes after its fields");
    }
    Ok(entry)
}

/// An append waiting for the writer.
pub(crate) struct Pending {
    payload: Vec<u8>,
    entry: Entry,
    max_time: Vec<(String, f64)>,
    /// Told once the entry is durable (per the fsync policy), or why it could not be written.
    reply: Option<tokio::sync::oneshot::Sender<Result<(), String>>>,
}

impl Pending {
    /// An entry to append (encoded here, so on the caller's thread, when `log`: the log is
    /// on); `reply` hears the outcome.
    pub(crate) fn new(
        entry: Entry,
        reply: Option<tokio::sync::oneshot::Sender<Result<(), String>>>,
        log: bool,
    ) -> Pending {
        let payload = if log { encode(&entry) } else { Vec::new() };
        let mut max_time = HashMap::new();
        if let (true, Entry::Batch(batch)) = (log, &entry) {
            note_times(&mut max_time, batch);
        }
        Pending {
            payload,
            entry,
            max_time: max_time.into_iter().collect(),
            reply,
        }
    }

    /// An entry that goes to the engine without being logged (the log is off).
    fn forward_only(self) -> (Entry, Option<tokio::sync::oneshot::Sender<Result<(), String>>>) {
        (self.entry, self.reply)
    }
}

/// Groups concurrent appends into one write and one sync, then hands the entries to the engine in
/// log order and answers the waiting requests. With no log (`wal` is `None`), entries only get
/// sequence numbers. Runs until every sender is gone.
pub(crate) fn run_writer(
    wal: Option<&Wal>,
    first_seq: u64,
    requests: &Receiver<Pending>,
    engine: &Sender<Logged>,
    metrics: &Metrics,
) {
    let mut next_seq = first_seq;
    let tick = match wal.map(|w| w.options.fsync) {
        Some(Fsync::Interval(every)) => every.max(Duration::from_millis(1)),
        _ => Duration::from_secs(3600),
    };
    loop {
        let first = match requests.recv_timeout(tick) {
            Ok(p) => p,
            Err(RecvTimeoutError::Timeout) => {
                if let Some(wal) = wal
                    && let Err(e) = wal.sync_if_due()
                {
                    tracing::error!("wal: sync failed: {e}");
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut group = vec![first];
        // Whatever else is already waiting joins this write and this sync.
        while group.len() < 1024 {
            match requests.try_recv() {
                Ok(p) => group.push(p),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        let seqs = match wal {
            Some(wal) => match wal.append(&group) {
                Ok(seqs) => {
                    metrics.wal_appended(group.len(), started.elapsed());
                    seqs
                }
                Err(e) => {
                    metrics.wal_error();
                    tracing::error!("wal: cannot append to {}: {e}", wal.options.dir.display());
                    for p in group {
                        if let Some(reply) = p.reply {
                            let _ = reply.send(Err(format!("the write-ahead log cannot be written: {e}")));
                        }
                    }
                    continue;
                }
            },
            None => {
                let seqs = (next_seq..next_seq + group.len() as u64).collect();
                next_seq += group.len() as u64;
                seqs
            }
        };
        if let Some(wal) = wal {
            metrics.set_wal(wal.bytes(), wal.segments());
        }
        for (p, seq) in group.into_iter().zip(seqs) {
            let (entry, reply) = p.forward_only();
            // The engine goes only when shutting down, after the requests; nothing is lost
            // then either: the entry is in the log for the next start.
            let _ = engine.send(Logged { seq, entry });
            if let Some(reply) = reply {
                let _ = reply.send(Ok(()));
            }
        }
    }
}

impl Wal {
    /// The sequence number the next append gets.
    pub(crate) fn next_seq(&self) -> u64 {
        lock(&self.inner).next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(dir: &Path) -> WalOptions {
        WalOptions {
            dir: dir.to_owned(),
            fsync: Fsync::Always,
            segment_size: 1 << 20,
            max_size: 1 << 30,
        }
    }

    fn batch(cluster: &str, times: &[f64]) -> Entry {
        Entry::Batch(Batch {
            cluster: cluster.into(),
            events: times
                .iter()
                .enumerate()
                .map(|(i, &time)| Event {
                    time,
                    full: (i % 2 == 0).then(|| Full {
                        text: format!("{{\"n\":{i},\"s\":\"é\\u0041\"}}"),
                        json: true,
                        meta: Metadata::default(),
                    }),
                })
                .collect(),
            received: Instant::now(),
        })
    }

    fn replayed(wal: &Wal) -> Vec<(u64, String)> {
        let mut out = Vec::new();
        wal.replay(|l| out.push((l.seq, strip(&l.entry)))).expect("replay");
        out
    }

    /// The entry without its receive instant, for comparison.
    fn strip(entry: &Entry) -> String {
        match entry {
            Entry::Batch(b) => format!("{}:{:?}", b.cluster, b.events),
            Entry::Flush(c) => format!("flush {c:?}"),
        }
    }

    #[test]
    fn entries_round_trip_through_the_encoding() {
        for entry in [
            batch("prod", &[1.5, 2.0, 3.25]),
            Entry::Flush(None),
            Entry::Flush(Some("c".into())),
        ] {
            let back = decode(&encode(&entry)).expect("decode");
            assert_eq!(strip(&back), strip(&entry));
        }
        assert!(decode(&[KIND_BATCH, 0, 0, 0]).is_err());
        assert!(decode(&[9]).is_err());
        // A count beyond what the bytes can hold is refused before allocating.
        let mut huge = vec![KIND_BATCH, 0, 0, 0, 0];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&huge).is_err());
    }

    #[test]
    fn appends_replay_in_order_across_segments_and_restarts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut opts = options(dir.path());
        opts.segment_size = 50; // a new segment for every record
        let entries = [
            batch("a", &[10.0, 11.0]),
            Entry::Flush(Some("a".into())),
            batch("b", &[5.0]),
        ];
        let expected: Vec<String> = entries.iter().map(strip).collect();
        {
            let wal = Wal::open(opts.clone()).expect("open");
            assert!(replayed(&wal).is_empty());
            for e in entries {
                wal.append(&[Pending::new(e, None, true)]).expect("append");
            }
            assert!(wal.segments() >= 2);
        }
        let wal = Wal::open(opts.clone()).expect("reopen");
        let got = replayed(&wal);
        assert_eq!(got.iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(got.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>(), expected);
        // Appends after a replay continue the numbering.
        let seqs = wal
            .append(&[Pending::new(Entry::Flush(None), None, true)])
            .expect("append");
        assert_eq!(seqs, vec![3]);
    }

    #[test]
    fn a_second_server_cannot_open_the_same_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let _first = Wal::open(options(dir.path())).expect("open");
        let second = Wal::open(options(dir.path())).expect_err("locked");
        assert!(second.to_string().contains("another tripline serve"), "{second}");
    }

    #[test]
    fn a_torn_last_record_is_cut_off_and_appends_follow_good_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path;
        {
            let wal = Wal::open(options(dir.path())).expect("open");
            wal.append(&[Pending::new(batch("a", &[1.0]), None, true)])
                .expect("append");
            wal.append(&[Pending::new(batch("a", &[2.0, 3.0]), None, true)])
                .expect("append");
            path = lock(&wal.inner).segments[0].path.clone();
        }
        // Cut the second record in half, as a crash mid-write would.
        let len = std::fs::metadata(&path).expect("meta").len();
        OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open")
            .set_len(len - 10)
            .expect("cut");
        let wal = Wal::open(options(dir.path())).expect("reopen");
        let mut seqs = Vec::new();
        let stats = wal.replay(|l| seqs.push(l.seq)).expect("replay");
        assert!(stats.torn_tail);
        assert_eq!(seqs, vec![0]);
        assert_eq!(
            wal.append(&[Pending::new(Entry::Flush(None), None, true)])
                .expect("append"),
            vec![1]
        );
        drop(wal);
        let wal = Wal::open(options(dir.path())).expect("reopen");
        let mut seqs = Vec::new();
        let stats = wal.replay(|l| seqs.push(l.seq)).expect("replay");
        assert!(!stats.torn_tail);
        assert_eq!(seqs, vec![0, 1]);
    }

    #[test]
    fn a_flipped_byte_is_caught_by_the_checksum() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path;
        {
            let wal = Wal::open(options(dir.path())).expect("open");
            wal.append(&[Pending::new(batch("a", &[1.0]), None, true)])
                .expect("append");
            path = lock(&wal.inner).segments[0].path.clone();
        }
        let mut bytes = std::fs::read(&path).expect("read");
        let last = bytes.len() - 3;
        bytes[last] ^= 0x20;
        std::fs::write(&path, bytes).expect("write");
        let wal = Wal::open(options(dir.path())).expect("reopen");
        let mut n = 0;
        wal.replay(|_| n += 1).expect("replay");
        assert_eq!(n, 0);
    }

    #[test]
    fn truncation_waits_for_delivery_and_the_horizon_and_keeps_a_checkpoint() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut opts = options(dir.path());
        opts.segment_size = 10; // one record per segment
        let wal = Wal::open(opts.clone()).expect("open");
        wal.replay(|_| {}).expect("replay");
        for times in [[100.0], [200.0], [300.0]] {
            wal.append(&[Pending::new(batch("a", &times), None, true)])
                .expect("append");
        }
        assert_eq!(wal.segments(), 3);
        let horizon = |h: f64| HashMap::from([("a".to_owned(), h)]);
        // Nothing delivered yet.
        assert_eq!(wal.truncate(None, &horizon(1000.0)).expect("truncate"), 0);
        // Delivered, but the first segment's event is not below the horizon.
        assert_eq!(wal.truncate(Some(2), &horizon(100.0)).expect("truncate"), 0);
        // The first two may go; the open segment stays.
        assert_eq!(wal.truncate(Some(1), &horizon(1000.0)).expect("truncate"), 2);
        assert_eq!(wal.segments(), 1);
        let cp = wal.checkpoint();
        assert_eq!(cp.first_seq, 2);
        assert_eq!(cp.max_time["a"], 200.0);
        assert_eq!(cp.horizon["a"], 1000.0);
        drop(wal);
        let wal = Wal::open(opts.clone()).expect("reopen");
        let mut seqs = Vec::new();
        wal.replay(|l| seqs.push(l.seq)).expect("replay");
        assert_eq!(seqs, vec![2]);
        assert_eq!(wal.checkpoint().max_time["a"], 200.0);
        // A clean finish with everything processed empties the log.
        assert!(wal.finish(Some(2), &horizon(1000.0)).expect("finish"));
        assert_eq!(wal.segments(), 0);
        assert_eq!(wal.bytes(), 0);
        drop(wal);
        let wal = Wal::open(opts).expect("reopen");
        let mut n = 0;
        wal.replay(|_| n += 1).expect("replay");
        assert_eq!(n, 0);
        assert_eq!(wal.next_seq(), 3);
    }
}

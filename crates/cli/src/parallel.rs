//! Hunting on several cores: one thread reads the inputs, the others parse events and run the
//! rules.
//!
//! Reading stays on one thread, in order, so everything that depends on what came before —
//! framing of multi-line documents, decompression, the EKS hint that carries over within an
//! input — is exactly as in a single-threaded run. The reader copies each event's text into
//! batches and hands them round-robin to the workers over bounded channels (memory stays flat:
//! a slow worker stops the reader). Each worker runs its own fork of the rule set
//! ([`RuleSet::fork`]) with its own parser; at the end the forks' states are merged
//! ([`RuleSet::absorb`]). Rows carry their event's position in the whole run, so merged results
//! come out as one pass would give them (the engine's split tests and the CLI's
//! `threads_do_not_change_findings` test check it).

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use tripline_content::{RuleSet, Selection};
use tripline_engine::event::{EventBuilder, Metadata};
use tripline_engine::expr::EvalContext;
use tripline_ingest::{EventRecord, Ingest, IngestOptions, Sink, Warning};

use crate::inputs::{Progress, ReadReport, open_inputs, print_warning};

/// Events per batch, at most.
const BATCH_EVENTS: usize = 1024;
/// Bytes of event text per batch, about.
const BATCH_BYTES: usize = 512 << 10;
/// Batches waiting per worker: with the batch size, what bounds the memory in flight.
const QUEUE: usize = 4;
/// Parse errors reported one by one; the rest are only counted.
const MAX_REPORTED: usize = 20;

/// Events of one input, their text end to end.
struct Batch {
    input: usize,
    /// The run-wide number of the first event.
    first_seq: u64,
    text: String,
    events: Vec<BatchEvent>,
    metas: Vec<Metadata>,
}

struct BatchEvent {
    start: usize,
    end: usize,
    json: bool,
    time: f64,
    meta: usize,
    line: u64,
}

/// What a worker found wrong: events whose JSON did not parse.
#[derive(Default)]
struct Rejected {
    /// Per input: how many.
    counts: Vec<(usize, u64)>,
    /// The first few, as warnings.
    reported: Vec<(usize, u64, String)>,
}

/// Read `paths` and run `set` over them on `threads` worker threads (at least 2; the reading
/// thread is extra). The rule set must be [`RuleSet::can_fork`]; its state at the end is that
/// of one pass over all events.
pub(crate) fn hunt(
    paths: &[std::path::PathBuf],
    options: IngestOptions,
    set: &mut RuleSet,
    ctx: &EvalContext,
    now: f64,
    progress: bool,
    threads: usize,
) -> Result<ReadReport, String> {
    let mut report = ReadReport::default();
    let inputs = open_inputs(paths, &mut report);
    let names: Vec<String> = inputs.iter().map(tripline_ingest::Input::name).collect();
    let counter = Arc::new(AtomicU64::new(0));
    let bar = if progress {
        Progress::new(&inputs, Arc::clone(&counter))
    } else {
        None
    };
    let needs = set.needs().clone();

    let (forks, mut rejected) = std::thread::scope(|scope| {
        let mut senders = Vec::with_capacity(threads);
        let mut handles = Vec::with_capacity(threads);
        for _ in 0..threads {
            let (tx, rx) = sync_channel::<Batch>(QUEUE);
            senders.push(tx);
            let fork = set.fork();
            let needs = &needs;
            handles.push(scope.spawn(move || work(fork, needs, ctx, &rx)));
        }
        let mut ingest = Ingest::new(options);
        let mut sink = BatchSink {
            senders: &senders,
            next_worker: 0,
            batch: None,
            seq: 0,
            now,
            bar,
            input: 0,
        };
        for (i, input) in inputs.iter().enumerate() {
            sink.input = i;
            let stats = ingest.read_counted(input, &mut sink, Some(Arc::clone(&counter)));
            sink.flush();
            report.failed |= stats.failed.is_some();
            report.per_input.push(stats);
        }
        if let Some(bar) = &mut sink.bar {
            bar.clear();
        }
        drop(sink);
        drop(senders);
        let mut forks = Vec::with_capacity(threads);
        let mut rejected = Rejected::default();
        for h in handles {
            match h.join() {
                Ok((fork, r)) => {
                    forks.push(fork);
                    rejected.counts.extend(r.counts);
                    rejected.reported.extend(r.reported);
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        (forks, rejected)
    });

    for fork in forks {
        set.absorb(fork)?;
    }
    // Events a worker could not parse were counted as read; count them as malformed, as a
    // single-threaded run does.
    for (input, n) in rejected.counts {
        if let Some(stats) = report.per_input.get_mut(input) {
            stats.events = stats.events.saturating_sub(n);
            stats.malformed += n;
        }
    }
    rejected.reported.sort_by_key(|(input, line, _)| (*input, *line));
    for (input, line, message) in rejected.reported.iter().take(MAX_REPORTED) {
        eprintln!("warning: {}:{line}: malformed record: {message}", names[*input]);
    }
    for stats in &report.per_input {
        report.total.merge(stats);
    }
    Ok(report)
}

/// A worker: parse the events of each batch it is given and run its fork of the rules.
fn work(
    mut set: RuleSet,
    needs: &tripline_engine::needs::Needs,
    ctx: &EvalContext,
    rx: &Receiver<Batch>,
) -> (RuleSet, Rejected) {
    let mut builder = EventBuilder::new(needs, &[]);
    let mut selection = Selection::default();
    let mut rejected = Rejected::default();
    for batch in rx {
        let mut bad = 0;
        for (k, e) in batch.events.iter().enumerate() {
            let text = &batch.text[e.start..e.end];
            set.observe_time(e.time);
            if !set.select_event(text, &batch.metas[e.meta], &mut selection) {
                continue;
            }
            builder.set_next_seq(batch.first_seq + k as u64);
            let row = if e.json {
                match builder.json_at(text, &batch.metas[e.meta], e.time) {
                    Ok(row) => row,
                    Err(err) => {
                        bad += 1;
                        if rejected.reported.len() < MAX_REPORTED {
                            rejected.reported.push((batch.input, e.line, err.to_string()));
                        }
                        continue;
                    }
                }
            } else {
                builder.text(text, &batch.metas[e.meta], e.time)
            };
            set.push_selected(row, &selection, ctx);
        }
        if bad > 0 {
            rejected.counts.push((batch.input, bad));
        }
    }
    (set, rejected)
}

/// Copies events into batches and sends them to the workers in turn.
struct BatchSink<'a> {
    senders: &'a [SyncSender<Batch>],
    next_worker: usize,
    batch: Option<Batch>,
    seq: u64,
    now: f64,
    bar: Option<Progress>,
    input: usize,
}

impl BatchSink<'_> {
    /// Send the batch being filled, if any.
    fn flush(&mut self) {
        if let Some(batch) = self.batch.take() {
            let worker = self.next_worker;
            self.next_worker = (self.next_worker + 1) % self.senders.len();
            // A worker only stops early by panicking, which the scope re-raises on join.
            let _ = self.senders[worker].send(batch);
        }
    }
}

impl Sink for BatchSink<'_> {
    type Error = std::convert::Infallible;

    fn event(&mut self, e: EventRecord<'_>) -> Result<(), Self::Error> {
        let (seq, input) = (self.seq, self.input);
        let batch = self.batch.get_or_insert_with(|| Batch {
            input,
            first_seq: seq,
            text: String::with_capacity(BATCH_BYTES + 4096),
            events: Vec::with_capacity(BATCH_EVENTS),
            metas: Vec::new(),
        });
        if batch.metas.last() != Some(e.meta) {
            batch.metas.push(e.meta.clone());
        }
        let start = batch.text.len();
        batch.text.push_str(e.text);
        batch.events.push(BatchEvent {
            start,
            end: batch.text.len(),
            json: e.json,
            // Without a time of its own, an event takes the time of the search.
            time: e.time.unwrap_or(self.now),
            meta: batch.metas.len() - 1,
            line: e.line,
        });
        self.seq += 1;
        let full = batch.events.len() >= BATCH_EVENTS || batch.text.len() >= BATCH_BYTES;
        if full {
            self.flush();
        }
        Progress::maybe_tick(&mut self.bar, self.seq);
        Ok(())
    }

    fn warning(&mut self, w: &Warning) {
        print_warning(&mut self.bar, w);
    }
}

/// How many worker threads to use by default: one per core the process may use.
pub(crate) fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_keep_each_events_text_and_position() {
        let (tx, rx) = sync_channel::<Batch>(16);
        let senders = [tx];
        let mut sink = BatchSink {
            senders: &senders,
            next_worker: 0,
            batch: None,
            seq: 0,
            now: 5.0,
            bar: None,
            input: 0,
        };
        let mut ingest = Ingest::default();
        ingest.read_bytes("t", b"{\"a\":1}\nplain text\n{\"b\":2}\n", &mut sink);
        sink.flush();
        drop(sink);
        drop(senders);
        let batches: Vec<Batch> = rx.iter().collect();
        assert_eq!(batches.len(), 1);
        let b = &batches[0];
        let texts: Vec<&str> = b.events.iter().map(|e| &b.text[e.start..e.end]).collect();
        assert_eq!(texts, ["{\"a\":1}", "plain text", "{\"b\":2}"]);
        assert_eq!(b.events.iter().map(|e| e.json).collect::<Vec<_>>(), [true, false, true]);
        assert!(b.events.iter().all(|e| e.time == 5.0));
        assert_eq!(b.first_seq, 0);
    }
}

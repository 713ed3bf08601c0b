//! The engine thread: takes the write-ahead log's entries in order ([`Logged`]: accepted batches
//! and window-closing markers), runs the rules over them in event-time windows (one
//! [`WindowedRuleSet`] per cluster), suppresses repeats, hands findings to the sinks — waiting
//! when a sink's queue is full, which back-pressures up to the request queue (429) — and
//! truncates the log once what it holds is closed and delivered.
//!
//! Everything that changes window state arrives through the log, in the log's order: a batch, or
//! a marker the engine asked the writer to log (an idle cluster, shutdown, a rule reload). So a
//! replay after a crash takes the same steps and reaches the same findings, with the same ids.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tripline_content::window::{Suppressor, WindowOptions, WindowStats, WindowedRuleSet};
use tripline_content::{Finding, Prefilter, RuleSet, Selection};
use tripline_engine::event::{EventBuilder, Metadata};
use tripline_engine::expr::EvalContext;
use tripline_sinks::SinkSender;

use super::metrics::Metrics;
use super::wal::{Entry, Logged, Pending, Wal};

/// One accepted request's events.
#[derive(Debug)]
pub(crate) struct Batch {
    /// The cluster (the `host` of its events), or empty.
    pub(crate) cluster: String,
    pub(crate) events: Vec<Event>,
    /// When the request arrived (for the latency histograms; a replayed batch: when replayed).
    pub(crate) received: Instant,
}

/// One event: its time, and its text when some rule can match it.
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) time: f64,
    /// `None` when the prefilter ruled out every rule: only the time matters (the watermark).
    pub(crate) full: Option<Full>,
}

/// An event's text and metadata, as the normalizer gave them.
#[derive(Debug)]
pub(crate) struct Full {
    pub(crate) text: String,
    pub(crate) json: bool,
    pub(crate) meta: Metadata,
}

/// New rules for [`Engine::run`] to switch to (SIGHUP).
pub(crate) struct Reload {
    pub(crate) rules: RuleSet,
    pub(crate) ctx: EvalContext,
}

struct Cluster {
    rules: WindowedRuleSet,
    selection: Selection,
    /// The sequence number of the cluster's last batch: which cluster is least recent, in log
    /// order (so a replay retires the same one).
    last_seq: u64,
    /// By the wall clock, for the idle flush.
    last_activity: Instant,
    /// A flush marker for this cluster is on its way through the log.
    flush_requested: bool,
}

/// What the engine leaves for [`Wal::finish`] once it stops.
#[derive(Debug, Default)]
pub(crate) struct Stopped {
    pub(crate) processed: Option<u64>,
    pub(crate) horizon: HashMap<String, f64>,
    /// Whether the final flush went through the log (every window closed and delivered).
    pub(crate) flushed: bool,
}

pub(crate) struct Engine {
    template: RuleSet,
    ctx: EvalContext,
    options: WindowOptions,
    max_clusters: usize,
    clusters: HashMap<String, Cluster>,
    builder: EventBuilder,
    suppressor: Suppressor,
    sinks: Vec<SinkSender>,
    metrics: Arc<Metrics>,
    runtime: tokio::runtime::Handle,
    started: Instant,
    /// Counters of clusters dropped (their windows flushed) to stay under `max_clusters`.
    retired: WindowStats,
    findings: Vec<Finding>,
    /// Where markers go to be logged (the writer forwards them back in log order).
    writer: Sender<Pending>,
    wal: Option<Arc<Wal>>,
    /// The prefilter the request handlers use; replaced with the rules.
    prefilter: Arc<RwLock<Arc<Prefilter>>>,
    /// The last entry processed.
    processed: Option<u64>,
    /// (last entry processed, findings each sink had accepted then): once every sink has
    /// finished that many, everything up to the entry is delivered.
    deliveries: VecDeque<(u64, Vec<u64>)>,
    delivered: Option<u64>,
    /// While replaying: per cluster, the checkpoint's horizon (events below it were delivered).
    floor: HashMap<String, f64>,
    replaying: bool,
    pending_reload: Option<Reload>,
}

/// How often the engine looks at the log for segments to delete.
const TRUNCATE_EVERY: Duration = Duration::from_millis(500);

impl Engine {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        template: RuleSet,
        ctx: EvalContext,
        options: WindowOptions,
        max_clusters: usize,
        suppressor: Suppressor,
        sinks: Vec<SinkSender>,
        metrics: Arc<Metrics>,
        runtime: tokio::runtime::Handle,
        writer: Sender<Pending>,
        wal: Option<Arc<Wal>>,
        prefilter: Arc<RwLock<Arc<Prefilter>>>,
    ) -> Engine {
        let builder = EventBuilder::new(template.needs(), &[]);
        Engine {
            template,
            ctx,
            options,
            max_clusters,
            clusters: HashMap::new(),
            builder,
            suppressor,
            sinks,
            metrics,
            runtime,
            started: Instant::now(),
            retired: WindowStats::default(),
            findings: Vec::new(),
            writer,
            wal,
            prefilter,
            processed: None,
            deliveries: VecDeque::new(),
            delivered: None,
            floor: HashMap::new(),
            replaying: false,
            pending_reload: None,
        }
    }

    /// The engine's clock: seconds since it started (only differences matter).
    fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Replay the log (if any), say ready, then run until the writer is gone or `stopping` is
    /// set; then close every window through the log, deliver, and say where the log stands.
    pub(crate) fn run(
        mut self,
        input: &Receiver<Logged>,
        reloads: &Receiver<Reload>,
        stopping: &AtomicBool,
    ) -> Stopped {
        if let Some(wal) = self.wal.clone() {
            self.replay(&wal);
        }
        self.metrics.ready.store(true, Ordering::Relaxed);
        tracing::info!("ready");
        let tick = Duration::from_secs_f64((self.options.idle_timeout / 4.0).clamp(0.01, 0.25));
        let mut final_flush = false;
        let mut last_truncate = Instant::now();
        loop {
            match input.recv_timeout(tick) {
                Ok(logged) => {
                    let last = final_flush && matches!(logged.entry, Entry::Flush(None));
                    self.apply(logged);
                    if last {
                        self.deliver();
                        return self.stopped(true);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if stopping.load(Ordering::Relaxed) && !final_flush {
                // Close every window through the log, so a crash during shutdown replays it.
                final_flush = true;
                if self
                    .writer
                    .send(Pending::new(Entry::Flush(None), None, self.wal.is_some()))
                    .is_err()
                {
                    break;
                }
            }
            if let Ok(reload) = reloads.try_recv()
                && !final_flush
                && self.pending_reload.is_none()
                && self
                    .writer
                    .send(Pending::new(Entry::Flush(None), None, self.wal.is_some()))
                    .is_ok()
            {
                // The old rules close their windows at the marker; the new ones start after it.
                self.pending_reload = Some(reload);
            }
            self.request_idle_flushes();
            self.deliver();
            if last_truncate.elapsed() >= TRUNCATE_EVERY {
                last_truncate = Instant::now();
                self.truncate();
            }
        }
        // The writer is gone (it only goes after the engine asked, or on a failure): close what
        // is open without a marker; the log keeps everything for the next start.
        for cluster in self.clusters.values_mut() {
            cluster.rules.flush(&self.ctx, &mut self.findings);
        }
        self.deliver();
        self.stopped(false)
    }

    fn stopped(&self, flushed: bool) -> Stopped {
        Stopped {
            processed: self.processed,
            horizon: self.horizons(),
            flushed,
        }
    }

    /// Rebuild the state from the log: the checkpoint's watermarks, then every entry.
    fn replay(&mut self, wal: &Arc<Wal>) {
        let checkpoint = wal.checkpoint();
        let now = self.now();
        for (cluster, t) in &checkpoint.max_time {
            // The watermark the deleted segments had reached.
            self.cluster(cluster, 0);
            if let Some(c) = self.clusters.get_mut(cluster) {
                c.rules.observe(*t, now, &self.ctx, &mut self.findings);
            }
        }
        self.floor = checkpoint.horizon;
        self.replaying = true;
        let started = Instant::now();
        let result = wal.replay(|logged| {
            self.apply(logged);
            self.metrics.wal_replayed.fetch_add(1, Ordering::Relaxed);
            self.deliver();
        });
        self.replaying = false;
        self.floor.clear();
        match result {
            Ok(stats) if stats.entries > 0 => tracing::info!(
                "replayed {} entries of the write-ahead log ({} segments) in {:.1} s",
                stats.entries,
                stats.segments,
                started.elapsed().as_secs_f64()
            ),
            Ok(_) => {}
            Err(e) => tracing::error!("wal: replay stopped: {e}"),
        }
        self.metrics.set_wal(wal.bytes(), wal.segments());
    }

    /// Make sure `name` has window state (retiring the least recent cluster to make room).
    fn cluster(&mut self, name: &str, seq: u64) {
        if !self.clusters.contains_key(name) && self.clusters.len() >= self.max_clusters {
            self.retire_one();
        }
        self.clusters.entry(name.to_owned()).or_insert_with(|| Cluster {
            rules: WindowedRuleSet::new(&self.template, self.options),
            selection: Selection::default(),
            last_seq: seq,
            last_activity: Instant::now(),
            flush_requested: false,
        });
    }

    fn apply(&mut self, logged: Logged) {
        match logged.entry {
            Entry::Batch(batch) => {
                if !self.replaying {
                    // Give the request's place in the queue back (taken by the handler).
                    self.metrics.queue_batches.fetch_sub(1, Ordering::Relaxed);
                }
                self.batch(logged.seq, batch);
            }
            Entry::Flush(Some(name)) => {
                if let Some(cluster) = self.clusters.get_mut(&name) {
                    cluster.rules.flush(&self.ctx, &mut self.findings);
                    cluster.flush_requested = false;
                }
            }
            Entry::Flush(None) => {
                for cluster in self.clusters.values_mut() {
                    cluster.rules.flush(&self.ctx, &mut self.findings);
                    cluster.flush_requested = false;
                }
                if let Some(reload) = self.pending_reload.take() {
                    self.switch_rules(reload);
                }
            }
        }
        self.processed = Some(logged.seq);
    }

    fn batch(&mut self, seq: u64, batch: Batch) {
        let now = self.now();
        let floor = if self.replaying {
            self.floor.get(&batch.cluster).copied()
        } else {
            None
        };
        let before = self.findings.len();
        self.cluster(&batch.cluster, seq);
        let Some(cluster) = self.clusters.get_mut(&batch.cluster) else {
            return;
        };
        cluster.last_seq = seq;
        cluster.last_activity = Instant::now();
        let capped = cluster.rules.stats().capped_windows;
        for event in batch.events {
            cluster.rules.observe(event.time, now, &self.ctx, &mut self.findings);
            // Replayed events below the checkpoint's horizon were in windows closed and
            // delivered before the log was truncated.
            if floor.is_some_and(|f| event.time < f) {
                continue;
            }
            let Some(full) = event.full else { continue };
            if !cluster
                .rules
                .select_event(&full.text, &full.meta, &mut cluster.selection)
            {
                continue;
            }
            let row = if full.json {
                match self.builder.json_at(&full.text, &full.meta, event.time) {
                    Ok(row) => row,
                    // The normalizer framed it as JSON; a part the rules read is not.
                    Err(_) => continue,
                }
            } else {
                self.builder.text(&full.text, &full.meta, event.time)
            };
            cluster
                .rules
                .push_selected(&row, &cluster.selection, &self.ctx, &mut self.findings);
        }
        if cluster.rules.stats().capped_windows > capped {
            tracing::warn!(
                "cluster `{}`: a window reached windows.max_rows_per_window ({}); further rows \
                 in it are dropped (tripline_window_capped_rows_total)",
                batch.cluster,
                self.options.max_rows_per_window
            );
        }
        let immediate = self.findings.len() - before;
        self.deliver();
        if !self.replaying {
            let took = batch.received.elapsed();
            for _ in 0..immediate {
                self.metrics.finding_latency.observe(took);
            }
        }
    }

    /// Ask for a flush marker for each cluster that has open windows and has been quiet for the
    /// idle timeout.
    fn request_idle_flushes(&mut self) {
        let idle = Duration::from_secs_f64(self.options.idle_timeout);
        for (name, cluster) in &mut self.clusters {
            if cluster.flush_requested
                || cluster.last_activity.elapsed() < idle
                || cluster.rules.stats().open_windows == 0
            {
                continue;
            }
            if self
                .writer
                .send(Pending::new(Entry::Flush(Some(name.clone())), None, self.wal.is_some()))
                .is_ok()
            {
                cluster.flush_requested = true;
            }
        }
    }

    fn switch_rules(&mut self, reload: Reload) {
        let Reload { rules, ctx } = reload;
        self.builder = EventBuilder::new(rules.needs(), &[]);
        if let Ok(mut p) = self.prefilter.write() {
            *p = Arc::new(rules.prefilter().clone());
        }
        self.template = rules;
        self.ctx = ctx;
        let now = self.now();
        for cluster in self.clusters.values_mut() {
            let watermark = cluster.rules.watermark();
            let mut fresh = WindowedRuleSet::new(&self.template, self.options);
            if let Some(w) = watermark {
                // Keep the cluster's watermark: events late before stay late.
                fresh.observe(w + self.options.allowed_lateness, now, &self.ctx, &mut self.findings);
            }
            // Flushed at the marker: only its counters remain.
            self.retired += std::mem::replace(&mut cluster.rules, fresh).stats();
        }
        tracing::info!("rules reloaded: {} rules", self.template.len());
        self.metrics.reload("ok");
    }

    /// Flush and forget the cluster seen least recently (in log order).
    fn retire_one(&mut self) {
        let oldest = self
            .clusters
            .iter()
            .min_by(|a, b| a.1.last_seq.cmp(&b.1.last_seq).then_with(|| a.0.cmp(b.0)))
            .map(|(k, _)| k.clone());
        if let Some(mut cluster) = oldest.and_then(|k| self.clusters.remove(&k)) {
            cluster.rules.flush(&self.ctx, &mut self.findings);
            self.retired += cluster.rules.stats();
        }
    }

    fn deliver(&mut self) {
        for finding in std::mem::take(&mut self.findings) {
            if !self.suppressor.admit(&finding) {
                continue;
            }
            self.metrics.finding(&finding.rule.name);
            for sink in &self.sinks {
                // Waits while the sink's queue is full: back pressure up to the request queue.
                if let Err(e) = self.runtime.block_on(sink.send(&finding)) {
                    tracing::error!("sink `{}`: {e}", sink.name());
                }
            }
        }
        if let Some(seq) = self.processed
            && self.wal.is_some()
            && self.deliveries.back().is_none_or(|(s, _)| *s != seq)
        {
            let accepted = self.sinks.iter().map(|s| s.stats().accepted).collect();
            self.deliveries.push_back((seq, accepted));
        }
        self.metrics
            .suppressed
            .store(self.suppressor.suppressed(), Ordering::Relaxed);
        let mut total = self.retired;
        for cluster in self.clusters.values() {
            total += cluster.rules.stats();
        }
        self.metrics.set_window(total, self.clusters.len() as u64);
    }

    /// Per cluster, the time below which no event changes a finding any more.
    fn horizons(&self) -> HashMap<String, f64> {
        self.clusters
            .iter()
            .map(|(name, c)| (name.clone(), c.rules.horizon().unwrap_or(f64::NEG_INFINITY)))
            .collect()
    }

    /// Delete the log segments whose windows are closed and whose findings are delivered.
    fn truncate(&mut self) {
        let Some(wal) = self.wal.clone() else { return };
        // Each sink delivers in order, so once it has finished as many findings as it had
        // accepted at an entry, every finding up to that entry is delivered.
        let done: Vec<u64> = self
            .sinks
            .iter()
            .map(|s| {
                let st = s.stats();
                st.delivered + st.dead_lettered + st.lost
            })
            .collect();
        while let Some((seq, accepted)) = self.deliveries.front() {
            if accepted.iter().zip(&done).all(|(a, d)| d >= a) {
                self.delivered = Some(*seq);
                self.deliveries.pop_front();
            } else {
                break;
            }
        }
        match wal.truncate(self.delivered, &self.horizons()) {
            Ok(n) => {
                self.metrics.wal_truncated.fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(e) => tracing::error!("wal: cannot delete old segments: {e}"),
        }
        self.metrics.set_wal(wal.bytes(), wal.segments());
    }
}

//! The engine thread: takes accepted batches off the bounded queue, runs the rules over them in
//! event-time windows (one [`WindowedRuleSet`] per cluster), suppresses repeats, and hands
//! findings to the sinks, waiting when a sink's queue is full (that back pressure fills the
//! request queue, which answers 429).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use tripline_content::window::{Suppressor, WindowOptions, WindowStats, WindowedRuleSet};
use tripline_content::{Finding, RuleSet, Selection};
use tripline_engine::event::{EventBuilder, Metadata};
use tripline_engine::expr::EvalContext;
use tripline_sinks::SinkSender;

use super::metrics::Metrics;

/// One accepted request's events.
#[derive(Debug)]
pub(crate) struct Batch {
    /// The cluster (the `host` of its events), or empty.
    pub(crate) cluster: String,
    pub(crate) events: Vec<Event>,
}

/// One event, as the normalizer gave it.
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) text: String,
    pub(crate) json: bool,
    pub(crate) meta: Metadata,
    pub(crate) time: f64,
}

struct Cluster {
    rules: WindowedRuleSet,
    selection: Selection,
    last_seen: f64,
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
}

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
        }
    }

    /// The engine's clock: seconds since it started (only differences matter).
    fn now(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Run until every sender is gone, then close all windows and deliver what they find.
    /// Also stops once `stopping` is set and the queue is empty (a request still in flight
    /// after the shutdown grace may hold a sender).
    pub(crate) fn run(mut self, queue: &Receiver<Batch>, stopping: &AtomicBool) {
        let tick = Duration::from_secs_f64((self.options.idle_timeout / 4.0).clamp(0.01, 1.0));
        loop {
            match queue.recv_timeout(tick) {
                Ok(batch) => {
                    self.metrics.queue_batches.fetch_sub(1, Ordering::Relaxed);
                    self.batch(batch);
                }
                Err(RecvTimeoutError::Timeout) => {
                    if stopping.load(Ordering::Relaxed) {
                        break;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let now = self.now();
            for cluster in self.clusters.values_mut() {
                cluster.rules.tick(now, &self.ctx, &mut self.findings);
            }
            self.deliver();
        }
        for cluster in self.clusters.values_mut() {
            cluster.rules.flush(&self.ctx, &mut self.findings);
        }
        self.deliver();
    }

    fn batch(&mut self, batch: Batch) {
        let now = self.now();
        if !self.clusters.contains_key(&batch.cluster) && self.clusters.len() >= self.max_clusters {
            self.retire_one();
        }
        let cluster = self.clusters.entry(batch.cluster.clone()).or_insert_with(|| Cluster {
            rules: WindowedRuleSet::new(&self.template, self.options),
            selection: Selection::default(),
            last_seen: now,
        });
        cluster.last_seen = now;
        let capped = cluster.rules.stats().capped_windows;
        for event in batch.events {
            cluster.rules.observe(event.time, now, &self.ctx, &mut self.findings);
            if !cluster.rules.select(&event.text, &mut cluster.selection) {
                continue;
            }
            let row = if event.json {
                match self.builder.json_at(&event.text, &event.meta, event.time) {
                    Ok(row) => row,
                    // The normalizer framed it as JSON; a part the rules read is not.
                    Err(_) => continue,
                }
            } else {
                self.builder.text(&event.text, &event.meta, event.time)
            };
            cluster
                .rules
                .push_selected(&row, &cluster.selection, &self.ctx, &mut self.findings);
        }
        if cluster.rules.stats().capped_windows > capped {
            eprintln!(
                "warning: serve: cluster `{}`: a window reached windows.max_rows_per_window ({}); further rows \
                 in it are dropped (tripline_window_capped_rows_total)",
                batch.cluster, self.options.max_rows_per_window
            );
        }
        self.deliver();
    }

    /// Flush and forget the cluster seen least recently.
    fn retire_one(&mut self) {
        let oldest = self
            .clusters
            .iter()
            .min_by(|a, b| a.1.last_seen.total_cmp(&b.1.last_seen))
            .map(|(k, _)| k.clone());
        if let Some(mut cluster) = oldest.and_then(|k| self.clusters.remove(&k)) {
            cluster.rules.flush(&self.ctx, &mut self.findings);
            let s = cluster.rules.stats();
            self.retired.late_rows += s.late_rows;
            self.retired.capped_rows += s.capped_rows;
            self.retired.capped_windows += s.capped_windows;
            self.retired.windows_closed += s.windows_closed;
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
                    eprintln!("error: serve: sink `{}`: {e}", sink.name());
                }
            }
        }
        self.metrics
            .suppressed
            .store(self.suppressor.suppressed(), Ordering::Relaxed);
        let mut total = self.retired;
        for cluster in self.clusters.values() {
            let s = cluster.rules.stats();
            total.late_rows += s.late_rows;
            total.capped_rows += s.capped_rows;
            total.capped_windows += s.capped_windows;
            total.windows_closed += s.windows_closed;
            total.open_windows += s.open_windows;
            total.rows_held += s.rows_held;
        }
        self.metrics.set_window(total, self.clusters.len() as u64);
    }
}

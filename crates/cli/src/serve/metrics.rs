//! The service's counters, rendered in Prometheus' text format for `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use tripline_content::window::WindowStats;
use tripline_sinks::SinkSender;

/// Why a request was refused (the `reason` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rejection {
    Unauthorized,
    TooLarge,
    BadBody,
    BadCluster,
    UnsupportedEncoding,
    Overloaded,
    WalFull,
    WalError,
    NotReady,
    Tls,
}

impl Rejection {
    fn as_str(self) -> &'static str {
        match self {
            Rejection::Unauthorized => "unauthorized",
            Rejection::TooLarge => "too_large",
            Rejection::BadBody => "bad_body",
            Rejection::BadCluster => "bad_cluster",
            Rejection::UnsupportedEncoding => "unsupported_encoding",
            Rejection::Overloaded => "overloaded",
            Rejection::WalFull => "wal_full",
            Rejection::WalError => "wal_error",
            Rejection::NotReady => "not_ready",
            Rejection::Tls => "tls_handshake",
        }
    }
}

/// Everything `/metrics` shows. Shared by the HTTP handlers and the engine thread.
#[derive(Default)]
pub(crate) struct Metrics {
    pub(crate) ready: AtomicBool,
    requests_accepted: AtomicU64,
    events_in: Mutex<BTreeMap<(String, String), u64>>,
    events_skipped: AtomicU64,
    rejected: Mutex<BTreeMap<Rejection, u64>>,
    findings: Mutex<BTreeMap<String, u64>>,
    pub(crate) suppressed: AtomicU64,
    pub(crate) queue_batches: AtomicU64,
    pub(crate) queue_capacity: AtomicU64,
    window: Mutex<(WindowStats, u64)>,
    pub(crate) sinks: OnceLock<Vec<SinkSender>>,
    wal_bytes: AtomicU64,
    wal_segments: AtomicU64,
    wal_appends: AtomicU64,
    wal_errors: AtomicU64,
    pub(crate) wal_replayed: AtomicU64,
    pub(crate) wal_truncated: AtomicU64,
    reloads: Mutex<BTreeMap<&'static str, u64>>,
    /// Request received → appended to the log (and synced, per policy): the acknowledgement's wait.
    pub(crate) ack_latency: Histogram,
    /// Group commit: one write (and sync) of the log.
    wal_write_latency: Histogram,
    /// Request received → finding handed to the sinks, for rules with no blocking command.
    pub(crate) finding_latency: Histogram,
}

/// A Prometheus histogram of seconds with fixed buckets (1 ms to 10 s).
pub(crate) struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    /// Sum of the observations in microseconds.
    sum_micros: AtomicU64,
    count: AtomicU64,
}

const BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    pub(crate) fn observe(&self, d: std::time::Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.counts[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(u64::try_from(d.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        metric(out, name, "histogram", help);
        let mut cumulative = 0;
        for (b, c) in BUCKETS.iter().zip(&self.counts) {
            cumulative += c.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {cumulative}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        #[allow(clippy::cast_precision_loss)] // a sum of microseconds far below 2^53
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {count}");
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a counter lock leaves plain numbers behind: keep using them.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Metrics {
    pub(crate) fn reject(&self, why: Rejection) {
        *lock(&self.rejected).entry(why).or_default() += 1;
    }

    pub(crate) fn accepted(&self, cluster: &str, by_sourcetype: &BTreeMap<String, u64>, skipped: u64) {
        self.requests_accepted.fetch_add(1, Ordering::Relaxed);
        self.events_skipped.fetch_add(skipped, Ordering::Relaxed);
        let mut events = lock(&self.events_in);
        for (st, n) in by_sourcetype {
            *events.entry((cluster.to_owned(), st.clone())).or_default() += n;
        }
    }

    pub(crate) fn finding(&self, rule: &str) {
        *lock(&self.findings).entry(rule.to_owned()).or_default() += 1;
    }

    pub(crate) fn set_window(&self, stats: WindowStats, clusters: u64) {
        *lock(&self.window) = (stats, clusters);
    }

    pub(crate) fn wal_appended(&self, entries: usize, took: std::time::Duration) {
        self.wal_appends.fetch_add(entries as u64, Ordering::Relaxed);
        self.wal_write_latency.observe(took);
    }

    pub(crate) fn wal_error(&self) {
        self.wal_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn set_wal(&self, bytes: u64, segments: usize) {
        self.wal_bytes.store(bytes, Ordering::Relaxed);
        self.wal_segments.store(segments as u64, Ordering::Relaxed);
    }

    pub(crate) fn reload(&self, result: &'static str) {
        *lock(&self.reloads).entry(result).or_default() += 1;
    }

    /// Total events accepted (for tests and the shutdown summary).
    pub(crate) fn events_total(&self) -> u64 {
        lock(&self.events_in).values().sum()
    }

    /// The Prometheus text exposition.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let ready = u8::from(self.ready.load(Ordering::Relaxed));
        metric(
            &mut out,
            "tripline_ready",
            "gauge",
            "1 once the rules are loaded and the engine runs.",
        );
        let _ = writeln!(out, "tripline_ready {ready}");

        metric(
            &mut out,
            "tripline_requests_accepted_total",
            "counter",
            "Requests accepted.",
        );
        let n = self.requests_accepted.load(Ordering::Relaxed);
        let _ = writeln!(out, "tripline_requests_accepted_total {n}");

        metric(
            &mut out,
            "tripline_events_received_total",
            "counter",
            "Events accepted, by cluster and sourcetype.",
        );
        for ((cluster, st), n) in lock(&self.events_in).iter() {
            let _ = writeln!(
                out,
                "tripline_events_received_total{{cluster=\"{}\",sourcetype=\"{}\"}} {n}",
                escape(cluster),
                escape(st)
            );
        }
        metric(
            &mut out,
            "tripline_events_skipped_total",
            "counter",
            "Malformed or oversized events skipped in accepted requests.",
        );
        let n = self.events_skipped.load(Ordering::Relaxed);
        let _ = writeln!(out, "tripline_events_skipped_total {n}");

        metric(
            &mut out,
            "tripline_requests_rejected_total",
            "counter",
            "Requests refused, by reason.",
        );
        for (why, n) in lock(&self.rejected).iter() {
            let _ = writeln!(
                out,
                "tripline_requests_rejected_total{{reason=\"{}\"}} {n}",
                why.as_str()
            );
        }

        metric(
            &mut out,
            "tripline_findings_total",
            "counter",
            "Findings delivered to the sinks, by rule.",
        );
        for (rule, n) in lock(&self.findings).iter() {
            let _ = writeln!(out, "tripline_findings_total{{rule=\"{}\"}} {n}", escape(rule));
        }
        metric(
            &mut out,
            "tripline_findings_suppressed_total",
            "counter",
            "Findings dropped as repeats of a (rule, entity).",
        );
        let n = self.suppressed.load(Ordering::Relaxed);
        let _ = writeln!(out, "tripline_findings_suppressed_total {n}");

        metric(
            &mut out,
            "tripline_queue_depth",
            "gauge",
            "Accepted requests waiting for the engine.",
        );
        let _ = writeln!(
            out,
            "tripline_queue_depth {}",
            self.queue_batches.load(Ordering::Relaxed)
        );
        metric(
            &mut out,
            "tripline_queue_capacity",
            "gauge",
            "Requests the queue holds before answering 429.",
        );
        let _ = writeln!(
            out,
            "tripline_queue_capacity {}",
            self.queue_capacity.load(Ordering::Relaxed)
        );

        let (w, clusters) = *lock(&self.window);
        for (name, kind, help, v) in [
            (
                "tripline_window_clusters",
                "gauge",
                "Clusters with window state.",
                clusters,
            ),
            (
                "tripline_window_open",
                "gauge",
                "Open windows over all rules and clusters.",
                w.open_windows,
            ),
            (
                "tripline_window_panes",
                "gauge",
                "Panes held (a sliding window is made of size/slide panes).",
                w.open_panes,
            ),
            (
                "tripline_window_unchanged_total",
                "counter",
                "Windows that closed with the same rows as the window before (not run again).",
                w.windows_unchanged,
            ),
            (
                "tripline_window_rows",
                "gauge",
                "Rows held in open windows: the window state's size.",
                w.rows_held,
            ),
            (
                "tripline_window_closed_total",
                "counter",
                "Windows closed.",
                w.windows_closed,
            ),
            (
                "tripline_window_late_rows_total",
                "counter",
                "Rows dropped because their window had closed.",
                w.late_rows,
            ),
            (
                "tripline_window_capped_rows_total",
                "counter",
                "Rows dropped because their window was full.",
                w.capped_rows,
            ),
            (
                "tripline_window_capped_total",
                "counter",
                "Windows that reached the row cap.",
                w.capped_windows,
            ),
        ] {
            metric(&mut out, name, kind, help);
            let _ = writeln!(out, "{name} {v}");
        }

        for (name, kind, help, v) in [
            (
                "tripline_wal_bytes",
                "gauge",
                "Bytes in the write-ahead log.",
                &self.wal_bytes,
            ),
            (
                "tripline_wal_segments",
                "gauge",
                "Segment files of the write-ahead log.",
                &self.wal_segments,
            ),
            (
                "tripline_wal_appends_total",
                "counter",
                "Entries appended to the write-ahead log.",
                &self.wal_appends,
            ),
            (
                "tripline_wal_errors_total",
                "counter",
                "Appends to the write-ahead log that failed (their requests got 503).",
                &self.wal_errors,
            ),
            (
                "tripline_wal_replayed_total",
                "counter",
                "Entries replayed from the write-ahead log at start.",
                &self.wal_replayed,
            ),
            (
                "tripline_wal_segments_deleted_total",
                "counter",
                "Segments deleted once their windows closed and their findings were delivered.",
                &self.wal_truncated,
            ),
        ] {
            metric(&mut out, name, kind, help);
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        }
        metric(
            &mut out,
            "tripline_rule_reloads_total",
            "counter",
            "Rule reloads on SIGHUP, by result.",
        );
        for (result, n) in lock(&self.reloads).iter() {
            let _ = writeln!(out, "tripline_rule_reloads_total{{result=\"{result}\"}} {n}");
        }
        self.ack_latency.render(
            &mut out,
            "tripline_ack_latency_seconds",
            "From a request's arrival to its acknowledgement (events parsed and in the write-ahead log).",
        );
        self.wal_write_latency.render(
            &mut out,
            "tripline_wal_write_seconds",
            "One group write (and sync, per policy) of the write-ahead log.",
        );
        self.finding_latency.render(
            &mut out,
            "tripline_finding_latency_seconds",
            "From a request's arrival to a finding handed to the sinks, for rules with no blocking command.",
        );

        if let Some(sinks) = self.sinks.get() {
            let stats: Vec<_> = sinks.iter().map(|s| (s.name().to_owned(), s.stats())).collect();
            for (name, help, get) in [
                (
                    "tripline_sink_accepted_total",
                    "Findings queued, by sink.",
                    (|s| s.accepted) as fn(&tripline_sinks::SinkStats) -> u64,
                ),
                ("tripline_sink_delivered_total", "Findings delivered, by sink.", |s| {
                    s.delivered
                }),
                (
                    "tripline_sink_retried_total",
                    "Findings sent again after a transient failure, by sink.",
                    |s| s.retried,
                ),
                (
                    "tripline_sink_dead_lettered_total",
                    "Findings written to the dead-letter file, by sink.",
                    |s| s.dead_lettered,
                ),
                (
                    "tripline_sink_lost_total",
                    "Findings neither delivered nor dead-lettered, by sink.",
                    |s| s.lost,
                ),
                ("tripline_sink_pending", "Findings queued or in flight, by sink.", |s| {
                    s.pending
                }),
            ] {
                let kind = if name.ends_with("_total") { "counter" } else { "gauge" };
                metric(&mut out, name, kind, help);
                for (sink, s) in &stats {
                    let _ = writeln!(out, "{name}{{sink=\"{}\"}} {}", escape(sink), get(s));
                }
            }
        }
        out
    }
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value as Prometheus reads it: backslash, quote and line break escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        let m = Metrics::default();
        m.finding("a \"b\"\nc\\");
        m.reject(Rejection::Overloaded);
        let text = m.render();
        assert!(
            text.contains(r#"tripline_findings_total{rule="a \"b\"\nc\\"} 1"#),
            "{text}"
        );
        assert!(text.contains(r#"tripline_requests_rejected_total{reason="overloaded"} 1"#));
    }
}

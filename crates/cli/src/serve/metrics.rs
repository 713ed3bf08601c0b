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

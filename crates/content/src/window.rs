//! Running detections over an endless stream: event-time windows ([`WindowedRuleSet`]) and
//! finding suppression ([`Suppressor`]).
//!
//! `tripline hunt` runs each search over all of its input and finishes once. A service cannot
//! wait for the end, so a rule's pipeline is split where [`RuleSet`] already splits it:
//!
//! - a rule with no blocking command (and nothing that must see events in time order) runs on
//!   one long-lived plan, and each result row becomes a finding at once;
//! - every other rule runs on one fresh copy of its plan per **tumbling event-time window**
//!   (`[k·size, (k+1)·size)` in epoch seconds). A window closes when the **watermark** — the
//!   latest event time seen minus the allowed lateness — passes its end: its plan is finished,
//!   and its rows become findings. An event for a window that has closed is dropped and counted
//!   as late.
//! - when no event has come for the **idle timeout** (by the caller's clock), every open window
//!   closes, so a quiet cluster still gets its findings. An event that comes afterwards for such
//!   a window opens it again; [`Suppressor`] keeps the second finding from repeating the first.
//!
//! State is bounded: a window takes at most [`WindowOptions::max_rows_per_window`] rows per rule;
//! further rows are dropped and counted ([`WindowStats::capped_rows`]).
//!
//! Nothing here reads a clock or does I/O: event time comes from the rows, and "now" (for the
//! idle timeout) is passed in by the caller, so tests are deterministic.

use std::collections::{BTreeMap, HashMap};

use tripline_engine::expr::EvalContext;
use tripline_engine::plan::Plan;
use tripline_engine::row::{Row, TIME};
use tripline_engine::value::Value;

use crate::{Detection, Finding, RuleSet, Selection};

/// How windows are cut and bounded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowOptions {
    /// Window length in seconds of event time (greater than zero).
    pub size: f64,
    /// How far behind the latest event time an event may be and still count, in seconds.
    pub allowed_lateness: f64,
    /// Seconds of the caller's clock without any event after which every open window closes.
    pub idle_timeout: f64,
    /// Rows one rule's window takes; further rows are dropped and counted.
    pub max_rows_per_window: usize,
}

impl Default for WindowOptions {
    fn default() -> Self {
        WindowOptions {
            size: 600.0,
            allowed_lateness: 30.0,
            idle_timeout: 60.0,
            max_rows_per_window: 1_000_000,
        }
    }
}

/// Counters of a [`WindowedRuleSet`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowStats {
    /// Rows dropped because their window had closed.
    pub late_rows: u64,
    /// Rows dropped because their window was full.
    pub capped_rows: u64,
    /// Windows that reached the row cap.
    pub capped_windows: u64,
    /// Windows closed (by the watermark, the idle timeout or a flush).
    pub windows_closed: u64,
    /// Windows open now, over all rules.
    pub open_windows: u64,
    /// Rows held in open windows now, over all rules: the state's size.
    pub rows_held: u64,
}

/// One rule's open window.
#[derive(Debug)]
struct Window {
    plan: Plan,
    rows: usize,
    /// Earliest and latest event time of the rows taken, for findings whose rows carry no time.
    span: Option<(f64, f64)>,
}

/// How one rule runs.
#[derive(Debug)]
enum Mode {
    /// No blocking command: results stream out of the rule's own plan.
    Immediate,
    /// Windows by index (`floor(time / size)`).
    Windowed(BTreeMap<i64, Window>),
}

/// Detections run over an unbounded stream in event-time windows. See the [module](self).
#[derive(Debug)]
pub struct WindowedRuleSet {
    set: RuleSet,
    modes: Vec<Mode>,
    options: WindowOptions,
    max_time: Option<f64>,
    last_activity: Option<f64>,
    stats: WindowStats,
}

impl WindowedRuleSet {
    /// Run `set`'s rules (with empty state) in windows.
    ///
    /// # Panics
    /// Never: a non-positive or non-finite `size` is replaced by the default.
    #[must_use]
    pub fn new(set: &RuleSet, mut options: WindowOptions) -> WindowedRuleSet {
        if !(options.size.is_finite() && options.size > 0.0) {
            options.size = WindowOptions::default().size;
        }
        options.allowed_lateness = options.allowed_lateness.max(0.0);
        options.max_rows_per_window = options.max_rows_per_window.max(1);
        let set = set.fork();
        let modes = set
            .rules
            .iter()
            .map(|r| {
                let immediate = r
                    .plan
                    .operators()
                    .iter()
                    .all(|op| !op.is_blocking() && !op.needs_time_order());
                if immediate {
                    Mode::Immediate
                } else {
                    Mode::Windowed(BTreeMap::new())
                }
            })
            .collect();
        WindowedRuleSet {
            set,
            modes,
            options,
            max_time: None,
            last_activity: None,
            stats: WindowStats::default(),
        }
    }

    /// The options in force.
    #[must_use]
    pub fn options(&self) -> &WindowOptions {
        &self.options
    }

    /// The rules.
    #[must_use]
    pub fn rules(&self) -> &RuleSet {
        &self.set
    }

    /// The detections that run in windows (those with a blocking command).
    pub fn windowed(&self) -> impl Iterator<Item = &Detection> {
        self.set
            .rules
            .iter()
            .zip(&self.modes)
            .filter(|(_, m)| matches!(m, Mode::Windowed(_)))
            .map(|(r, _)| &r.detection)
    }

    /// The counters, with the open windows and rows held counted now.
    #[must_use]
    pub fn stats(&self) -> WindowStats {
        let mut stats = self.stats;
        for mode in &self.modes {
            if let Mode::Windowed(windows) = mode {
                stats.open_windows += windows.len() as u64;
                stats.rows_held += windows.values().map(|w| w.rows as u64).sum::<u64>();
            }
        }
        stats
    }

    /// The watermark: the latest event time seen minus the allowed lateness.
    #[must_use]
    pub fn watermark(&self) -> Option<f64> {
        self.max_time.map(|t| t - self.options.allowed_lateness)
    }

    /// An event time below which no event can change a finding any more: every window that could
    /// hold it has closed by the watermark, so it would be counted late. Non-decreasing; `None`
    /// before any event. (Windows closed by an idle flush or [`WindowedRuleSet::flush`] can open
    /// again, so they do not move it.) The write-ahead log keeps events at or above it.
    #[must_use]
    pub fn horizon(&self) -> Option<f64> {
        let size = self.options.size;
        self.watermark().map(|w| (w / size).floor() * size)
    }

    /// Which rules can match an event with this text (see [`RuleSet::select`]).
    pub fn select(&self, text: &str, selection: &mut Selection) -> bool {
        self.set.select(text, selection)
    }

    /// Note an event's time (every event read, selected or not) at `now` by the caller's clock:
    /// advances the watermark and closes the windows it passes, their findings into `out`.
    pub fn observe(&mut self, time: f64, now: f64, ctx: &EvalContext, out: &mut Vec<Finding>) {
        self.last_activity = Some(now);
        if !time.is_finite() || self.max_time.is_some_and(|m| m >= time) {
            return;
        }
        self.max_time = Some(time);
        let watermark = time - self.options.allowed_lateness;
        self.close_where(ctx, out, |end| end <= watermark);
    }

    /// Give one event's row to the rules `selection` holds. Immediate rules' findings go to
    /// `out` at once; windowed rules keep the row in the window of its time.
    pub fn push_selected(&mut self, row: &Row, selection: &Selection, ctx: &EvalContext, out: &mut Vec<Finding>) {
        let time = match row.get(TIME) {
            Some(Value::Num(t)) if t.is_finite() => *t,
            _ => self.max_time.unwrap_or(0.0),
        };
        let size = self.options.size;
        let watermark = self.watermark();
        #[allow(clippy::cast_possible_truncation)] // event times are far inside i64 range
        let index = (time / size).floor() as i64;
        #[allow(clippy::cast_precision_loss)]
        let end = (index + 1) as f64 * size;
        for (i, (rule, mode)) in self.set.rules.iter_mut().zip(&mut self.modes).enumerate() {
            if !selection.contains(i) {
                continue;
            }
            match mode {
                Mode::Immediate => {
                    rule.plan.push(row.clone(), ctx, &mut rule.results);
                    for r in rule.results.drain(..) {
                        out.push(Finding::new(&rule.detection, &r, Some((time, time))));
                    }
                }
                Mode::Windowed(windows) => {
                    if watermark.is_some_and(|w| end <= w) {
                        self.stats.late_rows += 1;
                        continue;
                    }
                    let window = windows.entry(index).or_insert_with(|| Window {
                        plan: rule.plan.fresh(),
                        rows: 0,
                        span: None,
                    });
                    if window.rows >= self.options.max_rows_per_window {
                        self.stats.capped_rows += 1;
                        if window.rows == self.options.max_rows_per_window {
                            self.stats.capped_windows += 1;
                            // Count the window once: one past the cap marks it as counted.
                            window.rows += 1;
                        }
                        continue;
                    }
                    window.rows += 1;
                    window.span = Some(
                        window
                            .span
                            .map_or((time, time), |(lo, hi)| (lo.min(time), hi.max(time))),
                    );
                    let mut results = Vec::new();
                    window.plan.push(row.clone(), ctx, &mut results);
                    // A windowed plan's streaming prefix ends in a blocking command, so nothing
                    // comes out before the window closes; keep whatever does for the close.
                    for r in results {
                        out.push(Finding::new(&rule.detection, &r, window.span));
                    }
                }
            }
        }
    }

    /// Close every open window when no event has come for the idle timeout by `now`.
    pub fn tick(&mut self, now: f64, ctx: &EvalContext, out: &mut Vec<Finding>) {
        let idle = self
            .last_activity
            .is_some_and(|last| now - last >= self.options.idle_timeout);
        if idle {
            self.flush(ctx, out);
        }
    }

    /// Close every open window (idle, or shutting down).
    pub fn flush(&mut self, ctx: &EvalContext, out: &mut Vec<Finding>) {
        self.close_where(ctx, out, |_| true);
    }

    fn close_where(&mut self, ctx: &EvalContext, out: &mut Vec<Finding>, closes: impl Fn(f64) -> bool) {
        let size = self.options.size;
        for (rule, mode) in self.set.rules.iter().zip(&mut self.modes) {
            let Mode::Windowed(windows) = mode else { continue };
            while let Some(entry) = windows.first_entry() {
                #[allow(clippy::cast_precision_loss)]
                let end = (*entry.key() + 1) as f64 * size;
                if !closes(end) {
                    break;
                }
                let mut window = entry.remove();
                let mut rows = Vec::new();
                window.plan.finish(ctx, &mut rows);
                self.stats.windows_closed += 1;
                for r in &rows {
                    out.push(Finding::new(&rule.detection, r, window.span));
                }
            }
        }
    }
}

/// Drops a finding when the same rule raised one for the same risk objects within a period of
/// event time. Bounded: at most `capacity` keys are remembered, the oldest forgotten first.
#[derive(Debug)]
pub struct Suppressor {
    period: f64,
    capacity: usize,
    last: HashMap<(String, String), f64>,
    suppressed: u64,
}

impl Suppressor {
    /// Suppress repeats within `period` seconds (`0` suppresses nothing), remembering at most
    /// `capacity` (rule, entity) keys.
    #[must_use]
    pub fn new(period: f64, capacity: usize) -> Suppressor {
        Suppressor {
            period: period.max(0.0),
            capacity: capacity.max(1),
            last: HashMap::new(),
            suppressed: 0,
        }
    }

    /// How many findings were suppressed.
    #[must_use]
    pub fn suppressed(&self) -> u64 {
        self.suppressed
    }

    /// How many keys are remembered.
    #[must_use]
    pub fn len(&self) -> usize {
        self.last.len()
    }

    /// Whether no key is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.last.is_empty()
    }

    /// Whether `finding` should be delivered; remembers it when so.
    pub fn admit(&mut self, finding: &Finding) -> bool {
        if self.period <= 0.0 {
            return true;
        }
        let time = finding.last_time.or(finding.first_time).unwrap_or(0.0);
        let mut entities: Vec<&str> = finding.risk_objects.iter().map(|o| o.object.as_str()).collect();
        entities.sort_unstable();
        let key = (finding.rule.id.clone(), entities.join("\u{1f}"));
        if let Some(&seen) = self.last.get(&key)
            && time - seen < self.period
            && time >= seen
        {
            self.suppressed += 1;
            return false;
        }
        if self.last.len() >= self.capacity && !self.last.contains_key(&key) {
            self.evict(time);
        }
        self.last.insert(key, time);
        true
    }

    fn evict(&mut self, now: f64) {
        let period = self.period;
        self.last.retain(|_, t| now - *t < period);
        if self.last.len() >= self.capacity
            && let Some(oldest) = self
                .last
                .iter()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .map(|(k, _)| k.clone())
        {
            self.last.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use tripline_engine::event::EventBuilder;
    use tripline_ingest::{EventRecord, Ingest, IngestOptions};

    use super::*;
    use crate::builtin_content;

    /// (rule name, entities, message) of each finding: what a windowed run must agree on.
    fn keys(findings: &[Finding]) -> BTreeSet<(String, String, String)> {
        findings
            .iter()
            .map(|f| {
                let mut objects: Vec<&str> = f.risk_objects.iter().map(|o| o.object.as_str()).collect();
                objects.sort_unstable();
                (f.rule.name.clone(), objects.join(","), f.message.clone())
            })
            .collect()
    }

    fn datasets() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content/datasets");
        let mut files: Vec<_> = std::fs::read_dir(&root)
            .expect("content/datasets")
            .filter_map(Result::ok)
            .map(|e| e.path().join("attack.jsonl"))
            .filter(|p| p.exists())
            .collect();
        files.sort();
        files
    }

    /// Batch findings and windowed findings (window `size`, flushed at the end) for `path`.
    fn both(path: &std::path::Path, size: f64) -> (Vec<Finding>, Vec<Finding>, WindowStats) {
        let content = builtin_content();
        let ctx = EvalContext::default();
        let set = RuleSet::compile(content.detections.clone(), &content.macros, &ctx);
        let mut windowed = WindowedRuleSet::new(
            &set,
            WindowOptions {
                size,
                ..WindowOptions::default()
            },
        );
        let mut batch = set;
        let bytes = std::fs::read(path).expect("dataset");
        let mut builder = EventBuilder::new(batch.needs(), &[]);
        let mut wbuilder = EventBuilder::new(windowed.rules().needs(), &[]);
        let mut out = Vec::new();
        let mut selection = Selection::default();
        let mut wselection = Selection::default();
        Ingest::new(IngestOptions::default()).read_bytes("test", &bytes, &mut |e: EventRecord<'_>| {
            let time = e.time.unwrap_or(0.0);
            batch.observe_time(time);
            if batch.select(e.text, &mut selection) {
                let row = builder.json_at(e.text, e.meta, time)?;
                batch.push_selected(row, &selection, &ctx);
            }
            windowed.observe(time, 0.0, &ctx, &mut out);
            if windowed.select(e.text, &mut wselection) {
                let row = wbuilder.json_at(e.text, e.meta, time)?;
                windowed.push_selected(&row, &wselection, &ctx, &mut out);
            }
            Ok::<(), tripline_engine::json::JsonError>(())
        });
        windowed.flush(&ctx, &mut out);
        let stats = windowed.stats();
        let expected = batch.finish(&ctx).into_iter().flat_map(|o| o.findings).collect();
        (expected, out, stats)
    }

    #[test]
    fn a_window_covering_the_data_finds_what_hunt_finds() {
        let files = datasets();
        assert!(!files.is_empty());
        let mut total = 0;
        for path in &files {
            // A year-long window covers every dataset.
            let (expected, got, stats) = both(path, 365.0 * 86400.0);
            assert_eq!(keys(&got), keys(&expected), "{}", path.display());
            assert_eq!(stats.late_rows, 0);
            assert_eq!(stats.open_windows, 0);
            total += expected.len();
        }
        assert!(total > 0, "the datasets raise findings");
    }

    #[test]
    fn windows_close_on_the_watermark_and_late_rows_are_dropped() {
        let content = builtin_content();
        let ctx = EvalContext::default();
        let set = RuleSet::compile(content.detections.clone(), &content.macros, &ctx);
        let mut w = WindowedRuleSet::new(
            &set,
            WindowOptions {
                size: 60.0,
                allowed_lateness: 10.0,
                idle_timeout: 5.0,
                max_rows_per_window: 2,
            },
        );
        assert!(w.windowed().count() > 0);
        let needs = w.rules().needs().clone();
        let mut builder = EventBuilder::new(&needs, &[]);
        let mut collector = tripline_ingest::Collector::default();
        let sample = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get","user":{"username":"x"}}"#;
        Ingest::new(IngestOptions::default()).read_bytes("t", sample.as_bytes(), &mut collector);
        let meta = collector.events[0].meta.clone();
        let event = |ip: &str| {
            format!(
                r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"list","user":{{"username":"system:anonymous","groups":["system:unauthenticated"]}},"sourceIPs":["{ip}"],"responseStatus":{{"code":403}},"requestURI":"/api/v1/pods","objectRef":{{"resource":"pods"}}}}"#
            )
        };
        let mut out = Vec::new();
        let mut sel = Selection::default();
        // The clock runs 1000 s ahead of event time.
        let mut push = |w: &mut WindowedRuleSet, t: f64, ip: &str, out: &mut Vec<Finding>| {
            let text = event(ip);
            w.observe(t, t.max(190.0) + 1000.0, &ctx, out);
            if w.select(&text, &mut sel) {
                let row = builder.json_at(&text, &meta, t).expect("json");
                w.push_selected(&row, &sel, &ctx, out);
            }
        };
        for t in [100.0, 101.0, 102.0, 103.0] {
            push(&mut w, t, "10.0.0.1", &mut out);
        }
        let stats = w.stats();
        assert!(stats.open_windows > 0);
        assert!(stats.capped_rows > 0, "{stats:?}");
        assert!(stats.capped_windows > 0);
        assert!(stats.rows_held > 0);
        // 190 − 10 passes the end of [60, 120): the window closes.
        push(&mut w, 190.0, "10.0.0.2", &mut out);
        assert!(w.stats().windows_closed > 0);
        // An event for the closed window is late.
        push(&mut w, 110.0, "10.0.0.3", &mut out);
        assert!(w.stats().late_rows > 0);
        // Quiet for the idle timeout: everything closes.
        w.tick(1190.0 + 1.0, &ctx, &mut out);
        assert!(w.stats().open_windows > 0);
        w.tick(1190.0 + 5.0, &ctx, &mut out);
        assert_eq!(w.stats().open_windows, 0);
        assert_eq!(w.stats().rows_held, 0);
    }

    #[test]
    fn suppression_is_per_rule_and_entity_within_the_period() {
        let path = &datasets()[0];
        let (findings, _, _) = both(path, 600.0);
        let f = findings.first().expect("a finding").clone();
        let mut s = Suppressor::new(300.0, 2);
        assert!(s.admit(&f));
        assert!(!s.admit(&f));
        assert_eq!(s.suppressed(), 1);
        let mut later = f.clone();
        later.last_time = f.last_time.map(|t| t + 301.0);
        assert!(s.admit(&later));
        let mut other = f.clone();
        other.risk_objects.clear();
        assert!(s.admit(&other));
        let mut third = f.clone();
        third.rule.id = "another".into();
        assert!(s.admit(&third));
        assert!(s.len() <= 2, "bounded");
        assert!(Suppressor::new(0.0, 1).admit(&f) && Suppressor::new(0.0, 1).admit(&f));
    }
}

//! Running detections over an endless stream: event-time windows ([`WindowedRuleSet`]) and
//! finding suppression ([`Suppressor`]).
//!
//! `tripline hunt` runs each search over all of its input and finishes once. A service cannot
//! wait for the end, so a rule's pipeline is split where [`RuleSet`] already splits it:
//!
//! - a rule with no blocking command (and nothing that must see events in time order) runs on
//!   one long-lived plan, and each result row becomes a finding at once;
//! - every other rule runs over **event-time windows** of its [`RuleWindow`]: `size` seconds
//!   long, starting every `slide` seconds (`size` a multiple of `slide`; `slide == size` is a
//!   tumbling window). Window `s` covers `[s·slide, s·slide + size)` in epoch seconds. It closes
//!   when the **watermark** — the latest event time seen minus the allowed lateness — passes its
//!   end, and its result rows become findings. A row for which every window that could hold it
//!   has closed is dropped and counted as late.
//! - when no event has come for the **idle timeout** (by the caller's clock), every window
//!   holding rows closes, so a quiet cluster still gets its findings. An event that comes
//!   afterwards for such a window opens it again; [`Suppressor`] keeps the second finding from
//!   repeating the first.
//!
//! **Panes.** Time is cut into panes of `slide` seconds (pane `p` is `[p·slide, (p+1)·slide)`);
//! a window is `size / slide` consecutive panes, and each pane belongs to that many windows.
//! A pane keeps the rows that come out of the rule's *row-local prefix* — its commands before
//! the first one that is blocking or needs time order ([`Plan::row_local_len`]; for a detection,
//! the search, `eval`s, `rename`s ...). When a window closes, a fresh copy of the rest of the
//! plan runs over its panes' rows in arrival order. Merging a partial aggregate per pane was the
//! other way, and was not taken:
//!
//! - only some blocking commands can merge (`stats`, `eventstats`, `dedup`, `fillnull`, `top`,
//!   `rare`); `sort`, `head`, `tail`, `streamstats` and `bin` cannot, and rules use them;
//! - merging consumes the other state, while a pane belongs to `size / slide` windows: its state
//!   would have to be copied that many times, and operators cannot copy their state;
//! - replaying is the batch executor itself — the same plan over the same rows in the same
//!   order — so a window gives exactly what `tripline hunt` gives over the window's events.
//!
//! The price is CPU: the rest of the plan runs over a kept row once per window holding it
//! (`size / slide` times, at most [`MAX_PANES_PER_WINDOW`]), while the prefix, which drops most
//! events, runs once. A window whose panes hold exactly what the window closed before it held
//! (an isolated burst is in `size / slide` windows) is not run again: it would repeat the same
//! findings. Memory is one copy of each kept row, and a pane is dropped as soon as the last
//! window holding it has closed.
//!
//! **Bounds.** A window holds at most [`WindowOptions::max_rows_per_window`] kept rows: an event
//! whose rows would take an open window holding its pane past the cap is dropped and counted
//! ([`WindowStats::capped_rows`]). The panes open at once span at most the window size plus the
//! allowed lateness, so a rule's memory is a few windows' worth whatever the event times.
//!
//! **Horizon.** [`WindowedRuleSet::horizon`] is the event time below which no event can change a
//! finding any more: every window that could hold it has closed by the watermark. Only the
//! watermark moves it: windows the idle timeout closes can open again.
//!
//! Nothing here reads a clock or does I/O: event time comes from the rows, and "now" (for the
//! idle timeout) is passed in by the caller, so tests are deterministic.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tripline_engine::expr::EvalContext;
use tripline_engine::plan::Plan;
use tripline_engine::row::{Row, TIME};
use tripline_engine::value::Value;

use crate::{Detection, Finding, RuleSet, Selection};

/// The most panes a window may have (`size / slide`): a kept row is run once per window holding
/// it, so this bounds the work per row (an hour sliding every second).
pub const MAX_PANES_PER_WINDOW: u64 = 3600;

/// How windows are cut and bounded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowOptions {
    /// Window length in seconds of event time (greater than zero), for rules without a window
    /// of their own ([`RuleSet::set_window`]).
    pub size: f64,
    /// Seconds between the starts of consecutive windows: `size` divided by a whole number of
    /// panes, at most [`MAX_PANES_PER_WINDOW`]. Equal to `size` for tumbling windows.
    pub slide: f64,
    /// How far behind the latest event time an event may be and still count, in seconds.
    pub allowed_lateness: f64,
    /// Seconds of the caller's clock without any event after which every open window closes.
    pub idle_timeout: f64,
    /// Rows (out of the rule's row-local prefix) one rule's window holds; an event whose rows
    /// would go past it is dropped and counted.
    pub max_rows_per_window: usize,
}

impl Default for WindowOptions {
    /// Ten-minute windows sliding every minute, 30 s of allowed lateness, a one-minute idle
    /// timeout, a million rows per window.
    fn default() -> Self {
        WindowOptions {
            size: 600.0,
            slide: 60.0,
            allowed_lateness: 30.0,
            idle_timeout: 60.0,
            max_rows_per_window: 1_000_000,
        }
    }
}

impl WindowOptions {
    /// The window of rules without one of their own.
    #[must_use]
    pub fn window(&self) -> RuleWindow {
        RuleWindow {
            size: self.size,
            slide: self.slide,
        }
    }
}

/// How one rule's windows are cut: length and slide, in seconds of event time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RuleWindow {
    /// Window length.
    pub size: f64,
    /// Seconds between the starts of consecutive windows (`size` for tumbling windows).
    pub slide: f64,
}

impl RuleWindow {
    /// Windows of `size` seconds that do not overlap.
    #[must_use]
    pub fn tumbling(size: f64) -> RuleWindow {
        RuleWindow { size, slide: size }
    }

    /// How many panes a window has (`size / slide`), or what is wrong with the window.
    ///
    /// ```
    /// # use tripline_content::window::{RuleWindow, WindowError};
    /// assert_eq!(RuleWindow { size: 600.0, slide: 60.0 }.panes(), Ok(10));
    /// assert_eq!(RuleWindow::tumbling(300.0).panes(), Ok(1));
    /// assert!(matches!(RuleWindow { size: 90.0, slide: 60.0 }.panes(), Err(WindowError::NotAMultiple { .. })));
    /// ```
    ///
    /// # Errors
    /// A size or slide that is not a positive number of seconds, a slide longer than the size or
    /// that does not divide it, or more than [`MAX_PANES_PER_WINDOW`] panes.
    pub fn panes(&self) -> Result<u64, WindowError> {
        let RuleWindow { size, slide } = *self;
        if !(size.is_finite() && size > 0.0) {
            return Err(WindowError::Size { size });
        }
        if !(slide.is_finite() && slide > 0.0) {
            return Err(WindowError::Slide { slide });
        }
        if slide > size {
            return Err(WindowError::SlideLongerThanSize { size, slide });
        }
        let panes = (size / slide).round();
        // Durations come in milliseconds at the finest: anything off by more than rounding noise
        // is a slide that does not divide the size.
        if (panes * slide - size).abs() > size * 1e-9 {
            return Err(WindowError::NotAMultiple { size, slide });
        }
        #[allow(clippy::cast_precision_loss)] // a small constant
        if panes > MAX_PANES_PER_WINDOW as f64 {
            return Err(WindowError::TooManyPanes { size, slide });
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 1 ..= MAX_PANES_PER_WINDOW
        Ok(panes as u64)
    }
}

/// What is wrong with a [`RuleWindow`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// The size is not a positive number of seconds.
    #[error("the window size must be a positive number of seconds, not {size}")]
    Size {
        /// The size given.
        size: f64,
    },
    /// The slide is not a positive number of seconds.
    #[error("the slide must be a positive number of seconds, not {slide}")]
    Slide {
        /// The slide given.
        slide: f64,
    },
    /// The slide is longer than the window: some events would be in no window.
    #[error("the slide ({slide} s) is longer than the window ({size} s)")]
    SlideLongerThanSize {
        /// The size given.
        size: f64,
        /// The slide given.
        slide: f64,
    },
    /// The size is not a whole number of slides.
    #[error("the window size ({size} s) is not a multiple of the slide ({slide} s)")]
    NotAMultiple {
        /// The size given.
        size: f64,
        /// The slide given.
        slide: f64,
    },
    /// The window has more than [`MAX_PANES_PER_WINDOW`] panes.
    #[error("a window of {size} s sliding by {slide} s has more than {MAX_PANES_PER_WINDOW} panes; use a longer slide")]
    TooManyPanes {
        /// The size given.
        size: f64,
        /// The slide given.
        slide: f64,
    },
}

/// A valid window for `window`: a bad size becomes `fallback`'s, and a slide that does not fit
/// the size makes the window tumbling. With its number of panes.
fn resolve(window: RuleWindow, fallback_size: f64) -> (RuleWindow, u64) {
    let size = if window.size.is_finite() && window.size > 0.0 {
        window.size
    } else {
        fallback_size
    };
    let window = RuleWindow { size, ..window };
    match window.panes() {
        Ok(panes) => (window, panes),
        Err(_) => (RuleWindow::tumbling(size), 1),
    }
}

/// Windows of rules in a [`RuleSet`]; `tripline hunt` ignores them.
impl RuleSet {
    /// Give rule `rule` (in [`RuleSet::detections`] order) its own window in the
    /// [`WindowedRuleSet`]s made from this set (and its forks), or with `None` the one of their
    /// [`WindowOptions`]. Whether there is such a rule.
    pub fn set_window(&mut self, rule: usize, window: Option<RuleWindow>) -> bool {
        match self.rules.get_mut(rule) {
            Some(r) => {
                r.window = window;
                true
            }
            None => false,
        }
    }

    /// Rule `rule`'s own window, if it was given one.
    #[must_use]
    pub fn window(&self, rule: usize) -> Option<RuleWindow> {
        self.rules.get(rule).and_then(|r| r.window)
    }

    /// Whether rule `rule` runs in windows in a [`WindowedRuleSet`]: its search has a blocking
    /// command or one that must see events in time order. Other rules raise findings at once,
    /// and a window given to them does nothing.
    #[must_use]
    pub fn needs_window(&self, rule: usize) -> bool {
        self.rules
            .get(rule)
            .is_some_and(|r| r.plan.row_local_len() < r.plan.operators().len())
    }
}

/// Counters of a [`WindowedRuleSet`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowStats {
    /// Rows dropped because every window that could hold them had closed.
    pub late_rows: u64,
    /// Rows dropped because a window that would hold them was full.
    pub capped_rows: u64,
    /// Windows that reached the row cap (each counted once).
    pub capped_windows: u64,
    /// Windows closed (by the watermark, the idle timeout or a flush), including those not run
    /// again because they held what the window before them held.
    pub windows_closed: u64,
    /// Closed windows that held exactly what the window closed before them held, so were not
    /// run again (their findings would repeat).
    pub windows_unchanged: u64,
    /// Windows open now, over all rules: windows the watermark has not closed that hold a pane.
    pub open_windows: u64,
    /// Panes holding rows now, over all rules.
    pub open_panes: u64,
    /// Rows held in open panes now, over all rules: the state's size.
    pub rows_held: u64,
}

/// Totals over several sets (clusters, and sets already retired, whose gauges are zero).
impl std::ops::AddAssign for WindowStats {
    fn add_assign(&mut self, other: WindowStats) {
        self.late_rows += other.late_rows;
        self.capped_rows += other.capped_rows;
        self.capped_windows += other.capped_windows;
        self.windows_closed += other.windows_closed;
        self.windows_unchanged += other.windows_unchanged;
        self.open_windows += other.open_windows;
        self.open_panes += other.open_panes;
        self.rows_held += other.rows_held;
    }
}

/// One pane of a rule: the rows of its events that came out of the row-local prefix.
#[derive(Debug, Default)]
struct Pane {
    rows: Vec<Row>,
    /// Events taken (rows or not): with the pane indices, what tells two windows' contents apart.
    events: u64,
    /// Earliest and latest time of the events taken, for findings whose rows carry no time.
    span: Option<(f64, f64)>,
}

/// A window's contents as far as its result goes: first and last pane, and events taken. Panes
/// only grow until dropped, so two windows with the same signature hold the same rows.
type Signature = (i64, i64, u64);

/// A window that closed.
#[derive(Debug)]
struct Closed {
    /// Index of the rule.
    rule: usize,
    /// Event-time range `[start, end)` (for tests).
    #[cfg_attr(not(test), allow(dead_code))]
    range: (f64, f64),
    /// What the rule's search returned over the window.
    rows: Vec<Row>,
    /// Earliest and latest event time taken.
    span: Option<(f64, f64)>,
}

/// A windowed rule's state.
#[derive(Debug)]
struct Panes {
    /// The rule's row-local prefix, run once per event.
    prefix: Plan,
    /// The rest of its plan with empty state: a fresh copy runs once per window.
    rest: Plan,
    window: RuleWindow,
    /// Panes per window (`size / slide`).
    per_window: i64,
    panes: BTreeMap<i64, Pane>,
    /// Every window starting at or before this pane index has closed by the watermark (and
    /// every pane at or before it is gone); `None` before the first event.
    closed_through: Option<i64>,
    /// Rows in `panes`.
    held: usize,
    /// Open windows (by start pane) that reached the row cap.
    capped: BTreeSet<i64>,
    /// The last window closed, since the panes were last cleared.
    last: Option<Signature>,
}

impl Panes {
    fn new(plan: &Plan, window: RuleWindow, panes: u64) -> Panes {
        let (prefix, rest) = plan.split_at(plan.row_local_len());
        Panes {
            prefix,
            rest,
            window,
            per_window: i64::try_from(panes).unwrap_or(1),
            panes: BTreeMap::new(),
            closed_through: None,
            held: 0,
            capped: BTreeSet::new(),
            last: None,
        }
    }

    #[allow(clippy::cast_possible_truncation)] // saturates: event times are far inside i64 range
    fn pane_of(&self, time: f64) -> i64 {
        (time / self.window.slide).floor() as i64
    }

    #[allow(clippy::cast_precision_loss)] // pane indices of real event times are far below 2^52
    fn start_of(&self, pane: i64) -> f64 {
        pane as f64 * self.window.slide
    }

    /// The first window start the watermark has not closed.
    fn first_open(&self) -> i64 {
        self.closed_through.map_or(i64::MIN, |c| c.saturating_add(1))
    }

    /// The event time below which every window that could hold an event has closed.
    fn horizon(&self) -> Option<f64> {
        self.closed_through.map(|c| self.start_of(c.saturating_add(1)))
    }

    /// Whether an event at `time` in `pane` is late: in no window still open. (The time test
    /// keeps [`Panes::horizon`] exact whatever the rounding of `pane_of`.)
    fn is_late(&self, time: f64, pane: i64) -> bool {
        self.closed_through
            .is_some_and(|c| pane <= c || self.horizon().is_some_and(|h| time < h))
    }

    /// Take one event's row at `time`.
    fn push(&mut self, row: &Row, time: f64, ctx: &EvalContext, cap: usize, stats: &mut WindowStats) {
        let pane = self.pane_of(time);
        if self.is_late(time, pane) {
            stats.late_rows += 1;
            return;
        }
        let mut kept = Vec::new();
        self.prefix.push(row.clone(), ctx, &mut kept);
        let n = kept.len();
        // No window holds more than all panes together: look closer only past the cap.
        if n > 0 && self.held + n > cap {
            let full = self.full_windows(pane, n, cap);
            if !full.is_empty() {
                stats.capped_rows += n as u64;
                for start in full {
                    if self.capped.insert(start) {
                        stats.capped_windows += 1;
                    }
                }
                return;
            }
        }
        let p = self.panes.entry(pane).or_default();
        p.events += 1;
        p.span = Some(p.span.map_or((time, time), |(lo, hi)| (lo.min(time), hi.max(time))));
        p.rows.extend(kept);
        self.held += n;
    }

    /// Open windows holding `pane` that `n` more rows would take past `cap`, by start pane. A
    /// window's row count only rises where a pane enters it, so only the first open window and
    /// those starting where a pane enters are looked at (an over-full window implies one of them
    /// is): the cost is the number of panes around, not the number of windows.
    fn full_windows(&self, pane: i64, n: usize, cap: usize) -> Vec<i64> {
        let reach = self.per_window - 1;
        let lo = pane.saturating_sub(reach).max(self.first_open());
        let counts: Vec<(i64, usize)> = self
            .panes
            .range(lo..=pane.saturating_add(reach))
            .map(|(&i, p)| (i, p.rows.len()))
            .collect();
        let starts = std::iter::once(lo).chain(
            counts
                .iter()
                .map(|&(i, _)| i.saturating_sub(reach))
                .filter(|&s| s > lo && s <= pane),
        );
        let mut full = Vec::new();
        let (mut first, mut end, mut sum) = (0, 0, 0);
        for start in starts {
            let last = start.saturating_add(reach);
            while end < counts.len() && counts[end].0 <= last {
                sum += counts[end].1;
                end += 1;
            }
            while first < end && counts[first].0 < start {
                sum -= counts[first].1;
                first += 1;
            }
            if sum + n > cap {
                full.push(start);
            }
        }
        full
    }

    /// The watermark moved to `watermark`: close the windows that end at or before it, and drop
    /// the panes no open window holds.
    fn advance(
        &mut self,
        watermark: f64,
        rule: usize,
        ctx: &EvalContext,
        out: &mut Vec<Closed>,
        stats: &mut WindowStats,
    ) {
        #[allow(clippy::cast_possible_truncation)] // saturates
        let through = ((watermark - self.window.size) / self.window.slide).floor() as i64;
        if self.closed_through.is_some_and(|c| through <= c) {
            return;
        }
        self.close(through, rule, ctx, out, stats);
        let keep = through
            .checked_add(1)
            .map_or_else(BTreeMap::new, |next| self.panes.split_off(&next));
        let gone = std::mem::replace(&mut self.panes, keep);
        self.held -= gone.values().map(|p| p.rows.len()).sum::<usize>();
        self.capped.retain(|&s| s > through);
        self.closed_through = Some(through);
    }

    /// Close every window holding a pane, and drop every pane (idle timeout, shutdown). The
    /// watermark does not move: an event for such a window later opens it again.
    fn flush(&mut self, rule: usize, ctx: &EvalContext, out: &mut Vec<Closed>, stats: &mut WindowStats) {
        if let Some(&last) = self.panes.keys().next_back() {
            self.close(last, rule, ctx, out, stats);
        }
        self.panes.clear();
        self.held = 0;
        self.capped.clear();
        self.last = None;
    }

    /// Close, in order, the open windows starting at or before pane `through` that hold a pane.
    fn close(&mut self, through: i64, rule: usize, ctx: &EvalContext, out: &mut Vec<Closed>, stats: &mut WindowStats) {
        let reach = self.per_window - 1;
        let mut start = self.first_open();
        // Windows holding no pane are skipped: on to the first window holding the next pane.
        while let Some(&next) = self.panes.range(start..).next().map(|(i, _)| i) {
            start = start.max(next.saturating_sub(reach));
            if start > through {
                break;
            }
            let mut signature: Signature = (next, next, 0);
            for (&i, pane) in self.panes.range(start..=start.saturating_add(reach)) {
                signature.1 = i;
                signature.2 += pane.events;
            }
            stats.windows_closed += 1;
            if self.last == Some(signature) {
                stats.windows_unchanged += 1;
            } else {
                self.last = Some(signature);
                out.push(self.run(start, rule, ctx));
            }
            let Some(after) = start.checked_add(1) else { break };
            start = after;
        }
    }

    /// Run the rest of the plan over window `start`'s rows.
    fn run(&self, start: i64, rule: usize, ctx: &EvalContext) -> Closed {
        let mut rows = Vec::new();
        let mut span: Option<(f64, f64)> = None;
        for pane in self
            .panes
            .range(start..=start.saturating_add(self.per_window - 1))
            .map(|(_, p)| p)
        {
            rows.extend(pane.rows.iter().cloned());
            if let Some((lo, hi)) = pane.span {
                span = Some(span.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
            }
        }
        // Arrival order, as the batch executor sees them (stable: an event's rows stay in
        // order). The engine's results follow `_time` and `seq` rather than arrival order, but
        // this keeps a window equal to the batch run without relying on it.
        rows.sort_by_key(|r| r.seq);
        let mut plan = self.rest.fresh();
        let mut results = Vec::new();
        for row in rows {
            plan.push(row, ctx, &mut results);
        }
        plan.finish(ctx, &mut results);
        let from = self.start_of(start);
        Closed {
            rule,
            range: (from, from + self.window.size),
            rows: results,
            span,
        }
    }

    /// Windows the watermark has not closed that hold a pane.
    fn open_windows(&self) -> u64 {
        let reach = self.per_window - 1;
        let floor = self.first_open();
        let mut count = 0u64;
        let mut counted: Option<i64> = None;
        for &pane in self.panes.keys() {
            let mut from = pane.saturating_sub(reach).max(floor);
            if let Some(c) = counted {
                from = from.max(c.saturating_add(1));
            }
            if from <= pane {
                count += pane.abs_diff(from) + 1;
            }
            counted = Some(pane);
        }
        count
    }
}

/// How one rule runs.
#[derive(Debug)]
enum Mode {
    /// No blocking command: results stream out of the rule's own plan.
    Immediate,
    /// Windows made of panes.
    Windowed(Box<Panes>),
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
    /// Run `set`'s rules (with empty state) in windows: each rule in its own window when the set
    /// gives it one ([`RuleSet::set_window`]), else in `options`' window.
    ///
    /// # Panics
    /// Never: a non-positive or non-finite `size` is replaced by the default, and a `slide` that
    /// does not divide the size (or makes more than [`MAX_PANES_PER_WINDOW`] panes) by the
    /// size, so those windows tumble; likewise for a rule's own window, whose bad size is
    /// replaced by `options`'. Check windows with [`RuleWindow::panes`] first to report them.
    #[must_use]
    pub fn new(set: &RuleSet, mut options: WindowOptions) -> WindowedRuleSet {
        let (window, _) = resolve(options.window(), WindowOptions::default().size);
        options.size = window.size;
        options.slide = window.slide;
        options.allowed_lateness = options.allowed_lateness.max(0.0);
        options.max_rows_per_window = options.max_rows_per_window.max(1);
        let set = set.fork();
        let modes = set
            .rules
            .iter()
            .map(|r| {
                if r.plan.row_local_len() == r.plan.operators().len() {
                    Mode::Immediate
                } else {
                    let (window, panes) = resolve(r.window.unwrap_or(window), window.size);
                    Mode::Windowed(Box::new(Panes::new(&r.plan, window, panes)))
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

    /// The window rule `rule` (in [`RuleSet::detections`] order) runs in, as in force; `None`
    /// for a rule that raises findings at once.
    #[must_use]
    pub fn window(&self, rule: usize) -> Option<RuleWindow> {
        match self.modes.get(rule) {
            Some(Mode::Windowed(w)) => Some(w.window),
            _ => None,
        }
    }

    /// The counters, with the open windows, panes and rows held counted now.
    #[must_use]
    pub fn stats(&self) -> WindowStats {
        let mut stats = self.stats;
        for w in self.panes() {
            stats.open_windows += w.open_windows();
            stats.open_panes += w.panes.len() as u64;
            stats.rows_held += w.held as u64;
        }
        stats
    }

    /// The watermark: the latest event time seen minus the allowed lateness.
    #[must_use]
    pub fn watermark(&self) -> Option<f64> {
        self.max_time.map(|t| t - self.options.allowed_lateness)
    }

    /// The event time below which no event can change a finding any more: every window, of
    /// every windowed rule, that could hold such an event has closed by the watermark, so the
    /// event would be counted late (rules without a blocking command hold nothing back). With
    /// no windowed rule it is the watermark. `None` before the first event; it never goes down.
    ///
    /// Only the watermark moves it. The idle timeout and [`WindowedRuleSet::flush`] close
    /// windows above it, but an event may still come for them and open them again.
    #[must_use]
    pub fn horizon(&self) -> Option<f64> {
        let watermark = self.watermark()?;
        let mut horizon: Option<f64> = None;
        for w in self.panes() {
            if let Some(h) = w.horizon() {
                horizon = Some(horizon.map_or(h, |m| m.min(h)));
            }
        }
        Some(horizon.unwrap_or(watermark))
    }

    /// Which rules can match an event with this text (see [`RuleSet::select`]).
    pub fn select(&self, text: &str, selection: &mut Selection) -> bool {
        self.set.select(text, selection)
    }

    /// Which rules can match an event with this text and metadata (see
    /// [`RuleSet::select_event`]).
    pub fn select_event(&self, text: &str, meta: &tripline_engine::event::Metadata, selection: &mut Selection) -> bool {
        self.set.select_event(text, meta, selection)
    }

    /// Note an event's time (every event read, selected or not) at `now` by the caller's clock:
    /// advances the watermark and closes the windows it passes, their findings into `out`.
    pub fn observe(&mut self, time: f64, now: f64, ctx: &EvalContext, out: &mut Vec<Finding>) {
        let mut closed = Vec::new();
        self.observe_closing(time, now, ctx, &mut closed);
        self.findings(closed, out);
    }

    fn observe_closing(&mut self, time: f64, now: f64, ctx: &EvalContext, closed: &mut Vec<Closed>) {
        self.last_activity = Some(now);
        if !time.is_finite() || self.max_time.is_some_and(|m| m >= time) {
            return;
        }
        self.max_time = Some(time);
        let watermark = time - self.options.allowed_lateness;
        for (i, mode) in self.modes.iter_mut().enumerate() {
            if let Mode::Windowed(w) = mode {
                w.advance(watermark, i, ctx, closed, &mut self.stats);
            }
        }
    }

    /// Give one event's row to the rules `selection` holds. Immediate rules' findings go to
    /// `out` at once; windowed rules keep what their row-local prefix makes of the row in the
    /// pane of its time.
    pub fn push_selected(&mut self, row: &Row, selection: &Selection, ctx: &EvalContext, out: &mut Vec<Finding>) {
        let time = match row.get(TIME) {
            Some(Value::Num(t)) if t.is_finite() => *t,
            _ => self.max_time.unwrap_or(0.0),
        };
        let cap = self.options.max_rows_per_window;
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
                Mode::Windowed(w) => w.push(row, time, ctx, cap, &mut self.stats),
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

    /// Close every open window (idle, or shutting down). The watermark and the horizon stay:
    /// an event for one of these windows opens it again.
    pub fn flush(&mut self, ctx: &EvalContext, out: &mut Vec<Finding>) {
        let mut closed = Vec::new();
        self.flush_closing(ctx, &mut closed);
        self.findings(closed, out);
    }

    fn flush_closing(&mut self, ctx: &EvalContext, closed: &mut Vec<Closed>) {
        for (i, mode) in self.modes.iter_mut().enumerate() {
            if let Mode::Windowed(w) = mode {
                w.flush(i, ctx, closed, &mut self.stats);
            }
        }
    }

    fn panes(&self) -> impl Iterator<Item = &Panes> {
        self.modes.iter().filter_map(|m| match m {
            Mode::Windowed(w) => Some(w.as_ref()),
            Mode::Immediate => None,
        })
    }

    fn findings(&self, closed: Vec<Closed>, out: &mut Vec<Finding>) {
        for c in closed {
            let detection = &self.set.rules[c.rule].detection;
            for row in &c.rows {
                out.push(Finding::new(detection, row, c.span));
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
                slide: 60.0,
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

    // ---- Sliding windows ----

    use proptest::prelude::*;

    use crate::load_detection;

    /// A detection with this search; its entity is `src_ip`.
    fn detection(i: usize, search: &str) -> Detection {
        let text = format!(
            "name: Rule {i}\n\
             id: 0d5a7e31-6b2c-4f88-9a41-3e7c2b1d9f{i:02}\n\
             version: 1\n\
             status: production\n\
             type: Anomaly\n\
             description: A test rule.\n\
             data_source: [Kubernetes Audit]\n\
             search: '{search}'\n\
             intermediate_findings:\n  entities:\n  - field: src_ip\n    type: system\n    score: 20\n    \
             message: $src_ip$ seen\n\
             mitre_attack_id: [T1046]\n"
        );
        load_detection(std::path::Path::new(&format!("rule_{i}.yml")), &text).expect("test detection loads")
    }

    /// Searches that exercise every way a window's result can depend on its rows: aggregates
    /// that follow time and arrival order, thresholds, a prefix that drops and multiplies rows,
    /// commands that need time order, and a rule that needs no window at all.
    const SEARCHES: &[&str] = &[
        "search kind=a | stats count min(_time) as firstTime max(_time) as lastTime values(n) as ns BY src_ip",
        "search * | eval w=n*2 | where w>4 | stats count first(n) as f last(n) as l list(n) as ln dc(n) as d BY src_ip",
        "search * | stats count BY src_ip | where count > 2",
        "search kind=b | dedup src_ip | table _time src_ip n",
        "search * | mvexpand tags | stats count BY tags src_ip",
        "search * | sort - n | head 3 | table src_ip n _time",
        "search * | streamstats count as c BY src_ip | where c=2 | table src_ip c _time",
        "search * | stats count",
        "search kind=a | table src_ip n",
    ];

    fn rule_set() -> RuleSet {
        let detections = SEARCHES.iter().enumerate().map(|(i, s)| detection(i, s)).collect();
        let set = RuleSet::compile(
            detections,
            &tripline_spl::MacroTable::default(),
            &EvalContext::default(),
        );
        assert!(
            set.skipped().is_empty(),
            "{:?}",
            set.skipped().first().map(Skipped::reason)
        );
        set
    }

    use crate::Skipped;

    /// An event: its text (for the prefilter) and its row.
    fn event(seq: u64, time: f64, ip: u8, n: u8, kind_a: bool) -> (String, Row) {
        let kind = if kind_a { "a" } else { "b" };
        let mut row = Row::new();
        row.set("_time", Value::Num(time));
        row.set("kind", Value::str(kind));
        row.set("src_ip", Value::str(&format!("10.0.0.{ip}")));
        row.set("n", Value::str(&n.to_string()));
        row.push_value("tags", "x");
        row.push_value("tags", &format!("t{}", n % 3));
        row.seq = seq;
        let text = format!(
            r#"{{"kind":"{kind}","src_ip":"10.0.0.{ip}","n":{n},"tags":["x","t{}"]}}"#,
            n % 3
        );
        (text, row)
    }

    fn render(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| format!("{:?}", r.iter().collect::<Vec<_>>()))
            .collect()
    }

    /// What `tripline hunt` gives for rule `rule` over `events` (in arrival order).
    fn batch(set: &RuleSet, events: &[&(String, Row)], rule: usize) -> Vec<String> {
        let ctx = EvalContext::default();
        let mut b = set.fork();
        for (_, row) in events {
            b.push(row.clone(), &ctx);
        }
        render(&b.finish(&ctx).swap_remove(rule).rows)
    }

    /// Feed `events` in order; every window that closed, flushing at the end.
    fn run(w: &mut WindowedRuleSet, events: &[(String, Row)]) -> Vec<Closed> {
        let ctx = EvalContext::default();
        let mut closed = Vec::new();
        let mut sel = Selection::default();
        let mut out = Vec::new();
        for (text, row) in events {
            let Some(Value::Num(t)) = row.get(TIME) else {
                unreachable!()
            };
            w.observe_closing(*t, 0.0, &ctx, &mut closed);
            if w.select(text, &mut sel) {
                w.push_selected(row, &sel, &ctx, &mut out);
            }
        }
        w.flush_closing(&ctx, &mut closed);
        closed
    }

    fn options(size: f64, slide: f64, lateness: f64) -> WindowOptions {
        WindowOptions {
            size,
            slide,
            allowed_lateness: lateness,
            ..WindowOptions::default()
        }
    }

    /// Events at sorted times, arriving up to `lateness` seconds out of order (never late).
    fn arrivals(times: &[(u16, u8, u8, bool, u8)], lateness: f64) -> Vec<(String, Row)> {
        let mut t = 1_000_000.0;
        let mut timed: Vec<(f64, f64, u8, u8, bool)> = times
            .iter()
            .map(|&(gap, ip, n, a, jitter)| {
                t += f64::from(gap) / 4.0;
                (t, t + lateness * f64::from(jitter) / 255.0, ip, n, a)
            })
            .collect();
        timed.sort_by(|x, y| x.1.total_cmp(&y.1));
        timed
            .iter()
            .enumerate()
            .map(|(seq, &(t, _, ip, n, a))| event(seq as u64, t, ip, n, a))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// For every window that closes, the rows are what a batch run of the rule gives over
        /// exactly the window's events; every window holding events closes, and one that is not
        /// run again holds the events of the window run before it.
        #[test]
        fn every_window_gives_the_batch_result_over_its_events(
            times in prop::collection::vec((0u16..400, 0u8..4, 0u8..6, any::<bool>(), any::<u8>()), 0..50),
            slide in prop::sample::select(vec![1.0, 7.5, 10.0, 30.0]),
            panes in 1u32..6,
            lateness in prop::sample::select(vec![0.0, 5.0, 40.0]),
        ) {
            let set = rule_set();
            let size = slide * f64::from(panes);
            let events = arrivals(&times, lateness);
            let mut w = WindowedRuleSet::new(&set, options(size, slide, lateness));
            prop_assert_eq!(w.window(0), Some(RuleWindow { size, slide }));
            prop_assert_eq!(w.window(SEARCHES.len() - 1), None);
            let closed = run(&mut w, &events);
            let stats = w.stats();
            prop_assert_eq!(stats.late_rows, 0);
            prop_assert_eq!((stats.open_panes, stats.open_windows, stats.rows_held), (0, 0, 0));
            prop_assert_eq!(stats.windows_closed - stats.windows_unchanged, closed.len() as u64);

            let mut sel = Selection::default();
            let selected: Vec<Vec<bool>> = events
                .iter()
                .map(|(text, _)| {
                    set.select(text, &mut sel);
                    (0..set.len()).map(|i| sel.contains(i)).collect()
                })
                .collect();
            for rule in 0..set.len() - 1 {
                let mine: Vec<&Closed> = closed.iter().filter(|c| c.rule == rule).collect();
                // Windows close in order.
                prop_assert!(mine.windows(2).all(|p| p[0].range.0 < p[1].range.0));
                for c in &mine {
                    prop_assert!((c.range.1 - c.range.0 - size).abs() < 1e-9);
                    let inside: Vec<&(String, Row)> = events
                        .iter()
                        .filter(|(_, r)| r.time().is_some_and(|t| c.range.0 <= t && t < c.range.1))
                        .collect();
                    prop_assert_eq!(render(&c.rows), batch(&set, &inside, rule), "rule {} window {:?}", rule, c.range);
                }
                // Every window position holding a selected event closed: run, or holding what
                // the window run before it held.
                let held = |from: f64| -> Vec<u64> {
                    events
                        .iter()
                        .zip(&selected)
                        .filter(|((_, r), s)| s[rule] && r.time().is_some_and(|t| from <= t && t < from + size))
                        .map(|((_, r), _)| r.seq)
                        .collect()
                };
                let mut starts: Vec<f64> = events
                    .iter()
                    .zip(&selected)
                    .filter(|(_, s)| s[rule])
                    .filter_map(|((_, r), _)| r.time())
                    .flat_map(|t| {
                        let p = (t / slide).floor();
                        (0..panes).map(move |back| (p - f64::from(back)) * slide)
                    })
                    .collect();
                starts.sort_by(f64::total_cmp);
                starts.dedup();
                for start in starts {
                    let run_before = mine.iter().rev().find(|c| c.range.0 <= start + 1e-9);
                    prop_assert!(run_before.is_some(), "rule {} window at {} never closed", rule, start);
                    if let Some(c) = run_before {
                        prop_assert_eq!(held(start), held(c.range.0), "rule {} window at {}", rule, start);
                    }
                }
            }
        }
    }

    #[test]
    fn panes_are_dropped_once_their_last_window_closes() {
        let set = rule_set();
        let mut w = WindowedRuleSet::new(&set, options(600.0, 60.0, 30.0));
        let ctx = EvalContext::default();
        let mut sel = Selection::default();
        let mut out = Vec::new();
        let windowed = w.windowed().count() as u64;
        let mut most = 0;
        // A steady stream over five hours, one event every 10 s.
        for i in 0..1800u64 {
            #[allow(clippy::cast_precision_loss)]
            let (text, row) = event(
                i,
                1_000_000.0 + i as f64 * 10.0,
                (i % 3) as u8,
                (i % 5) as u8,
                i % 2 == 0,
            );
            w.observe(row.time().unwrap_or(0.0), 0.0, &ctx, &mut out);
            if w.select(&text, &mut sel) {
                w.push_selected(&row, &sel, &ctx, &mut out);
            }
            most = most.max(w.stats().open_panes);
        }
        // The panes of at most one window, plus the lateness, plus the one filling: 10 + 1 + 1.
        assert!(most <= windowed * 12, "{most} panes open for {windowed} rules");
        let stats = w.stats();
        assert!(stats.rows_held < windowed * 12 * 6 * 2, "{stats:?}");
        assert!(stats.windows_closed > windowed * 250, "{stats:?}");
        assert!(!out.is_empty());
        w.flush(&ctx, &mut out);
        assert_eq!((w.stats().open_panes, w.stats().rows_held), (0, 0));
    }

    #[test]
    fn an_isolated_burst_is_run_once_not_once_per_window_holding_it() {
        let set = rule_set();
        let mut w = WindowedRuleSet::new(&set, options(600.0, 60.0, 0.0));
        let events: Vec<(String, Row)> = (0..5).map(|i| event(i, 1_000_030.0, 1, 9, true)).collect();
        let windowed = w.windowed().count();
        let ctx = EvalContext::default();
        let mut sel = Selection::default();
        let mut out = Vec::new();
        w.observe(1_000_030.0, 0.0, &ctx, &mut out);
        w.select(&events[0].0, &mut sel);
        w.push_selected(&events[0].1, &sel, &ctx, &mut out);
        let stats = w.stats();
        // One pane, in ten open windows, per rule.
        assert_eq!(
            (stats.open_panes, stats.open_windows),
            (windowed as u64, 10 * windowed as u64)
        );
        let mut w = WindowedRuleSet::new(&set, options(600.0, 60.0, 0.0));
        let closed = run(&mut w, &events);
        let stats = w.stats();
        // Ten window positions per rule hold the burst; one of each is run.
        assert_eq!(stats.windows_closed, 10 * windowed as u64);
        assert_eq!(closed.len(), windowed);
        assert_eq!(closed[0].range, (999_480.0, 1_000_080.0));
    }

    #[test]
    fn a_rule_window_applies_to_its_rule_only() {
        let mut set = rule_set();
        assert!(set.set_window(2, Some(RuleWindow::tumbling(60.0))));
        assert!(!set.set_window(99, None));
        assert_eq!(set.window(2), Some(RuleWindow::tumbling(60.0)));
        assert_eq!(set.window(0), None);
        assert!(set.needs_window(2) && !set.needs_window(SEARCHES.len() - 1));
        let mut w = WindowedRuleSet::new(&set, options(600.0, 60.0, 0.0));
        assert_eq!(w.window(2), Some(RuleWindow::tumbling(60.0)));
        assert_eq!(
            w.window(0),
            Some(RuleWindow {
                size: 600.0,
                slide: 60.0
            })
        );
        // Forks keep it.
        assert_eq!(set.fork().window(2), Some(RuleWindow::tumbling(60.0)));
        let events: Vec<(String, Row)> = (0..4).map(|i| event(i, 1_000_030.0, 1, 9, true)).collect();
        let closed = run(&mut w, &events);
        let range = |rule: usize| closed.iter().find(|c| c.rule == rule).map(|c| c.range);
        assert_eq!(range(2), Some((1_000_020.0, 1_000_080.0)));
        assert_eq!(range(0), Some((999_480.0, 1_000_080.0)));
        // A bad window falls back: tumbling of its size, or the options' size.
        set.set_window(
            0,
            Some(RuleWindow {
                size: 90.0,
                slide: 60.0,
            }),
        );
        set.set_window(
            1,
            Some(RuleWindow {
                size: -1.0,
                slide: 60.0,
            }),
        );
        let w = WindowedRuleSet::new(&set, options(600.0, 60.0, 0.0));
        assert_eq!(w.window(0), Some(RuleWindow::tumbling(90.0)));
        assert_eq!(
            w.window(1),
            Some(RuleWindow {
                size: 600.0,
                slide: 60.0
            })
        );
    }

    #[test]
    fn a_sliding_window_holds_at_most_the_cap() {
        let set = rule_set();
        let mut w = WindowedRuleSet::new(
            &set,
            WindowOptions {
                max_rows_per_window: 3,
                ..options(30.0, 10.0, 100.0)
            },
        );
        // Rule 8 (`table`) needs no window; rule 0 keeps kind=a rows. Two rows in pane 0, two in
        // pane 2: window [0, 30) would hold four.
        let events: Vec<(String, Row)> = [1.0, 2.0, 21.0, 22.0, 45.0]
            .iter()
            .enumerate()
            .map(|(i, &t)| event(i as u64, 1_000_000.0 + t, 1, 9, true))
            .collect();
        let closed = run(&mut w, &events);
        let stats = w.stats();
        assert!(stats.capped_rows > 0 && stats.capped_windows > 0, "{stats:?}");
        for c in closed.iter().filter(|c| c.rule == 0) {
            let count = c.rows[0].get("count").map(Value::to_string);
            let count: u32 = count.as_deref().unwrap_or("").parse().expect("a count");
            assert!((1..=3).contains(&count), "{count} in {:?}", c.range);
        }
        // Pane 4 (t=45) is in windows that were not full: it is kept.
        assert!(closed.iter().any(|c| c.rule == 0 && c.range.0 > 1_000_020.0));
    }

    #[test]
    fn an_event_for_a_pane_some_of_whose_windows_closed_counts_in_the_others() {
        let set = rule_set();
        // Panes of 10 s, windows of 20 s, 15 s of lateness.
        let mut w = WindowedRuleSet::new(&set, options(20.0, 10.0, 15.0));
        let at = |seq: u64, t: f64| event(seq, 1_000_000.0 + t, 1, 9, true);
        // 38 moves the watermark to 23: window [0, 20) closes with the event at 15. The event at
        // 16 comes after, for pane [10, 20): too late for [0, 20), in time for [10, 30).
        let events = [at(0, 15.0), at(1, 38.0), at(2, 16.0)];
        let closed = run(&mut w, &events);
        let counts: Vec<(f64, String)> = closed
            .iter()
            .filter(|c| c.rule == 0)
            .map(|c| {
                (
                    c.range.0 - 1_000_000.0,
                    c.rows[0].get("count").map(Value::to_string).unwrap_or_default(),
                )
            })
            .collect();
        // [30, 50) holds what [20, 40) held (the event at 38): it is not run again.
        let expected = [(0.0, "1"), (10.0, "2"), (20.0, "1")];
        assert_eq!(counts, expected.map(|(t, c)| (t, c.to_owned())));
        assert_eq!(w.stats().late_rows, 0);
    }

    #[test]
    fn window_checks() {
        assert_eq!(
            RuleWindow {
                size: 600.0,
                slide: 60.0
            }
            .panes(),
            Ok(10)
        );
        assert_eq!(RuleWindow { size: 0.3, slide: 0.1 }.panes(), Ok(3));
        assert!(matches!(
            RuleWindow {
                size: 60.0,
                slide: 600.0
            }
            .panes(),
            Err(WindowError::SlideLongerThanSize { .. })
        ));
        assert!(matches!(
            RuleWindow { size: 0.0, slide: 1.0 }.panes(),
            Err(WindowError::Size { .. })
        ));
        assert!(matches!(
            RuleWindow {
                size: 1.0,
                slide: f64::NAN
            }
            .panes(),
            Err(WindowError::Slide { .. })
        ));
        assert!(matches!(
            RuleWindow {
                size: 86400.0,
                slide: 1.0
            }
            .panes(),
            Err(WindowError::TooManyPanes { .. })
        ));
        // Options whose slide does not fit make tumbling windows.
        let w = WindowedRuleSet::new(&rule_set(), options(365.0 * 86400.0, 60.0, 0.0));
        assert_eq!(w.options().slide, w.options().size);
        assert_eq!(
            WindowOptions::default().window(),
            RuleWindow {
                size: 600.0,
                slide: 60.0
            }
        );
    }
}

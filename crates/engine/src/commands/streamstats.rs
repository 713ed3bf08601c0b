//! `streamstats [current=b] [window=N] [global=b] [reset_on_change=b] agg ... [BY field ...]`:
//! running aggregates, added to each result as it passes.
//!
//! Each result gets the aggregates over the results before it in input order (and itself, unless
//! `current=false`), computed per group of BY values. The aggregations are those of `stats`
//! (`count`, `dc(x)`, `avg(eval(...))`, ... with the same naming: `count`, `avg(bytes)` or the
//! `AS` name).
//!
//! Semantics:
//! - Input order is search order in the streaming prefix (newest first), so `streamstats count`
//!   numbers events from the newest ([DOC] example: `makeresults count=5 | streamstats count`
//!   gives 1 to 5). `first(x)` is the first value seen, `last(x)` the latest seen, `list(x)` in
//!   input order; `earliest`/`latest` still go by `_time`.
//! - `current=false` leaves the current result out: the first result of a group then gets
//!   `count=0` and no value for the other functions (a null aggregate removes the field).
//! - `window=N` (1 to 10000, [DOC] `max_stream_window`) computes over the last N results instead
//!   of all of them. With BY and `global=true` (the default) there is one window of the last N
//!   results, and each result's group is aggregated over the results of the window in that group
//!   ([DOC] "Defines whether to use a single window, global=true, or to use separate windows based
//!   on the by clause"); with `global=false` each group has its own window of N.
//! - A result with a null BY field gets no aggregates and is passed through [INFER]. A multivalue
//!   BY field counts the result in every group it names (as `stats` does) and takes its
//!   aggregates from the first [INFER].
//! - `reset_on_change=true` clears every aggregate when a result's group differs from the group
//!   of the previous result that had one [INFER on which results count].
//! - Not supported (rejected when the search is compiled): `reset_before`, `reset_after`,
//!   `time_window`, `allnum=true`, and wildcard aggregation fields.
//!
//! Examples (run as tests below):
//! - `streamstats count`
//! - `streamstats current=false window=2 avg(bytes) as prev_avg BY host`
//! - `streamstats reset_on_change=true dc(user) as users max(_time) as last_seen BY src`

use std::any::Any;
use std::collections::{HashMap, VecDeque};

use tripline_spl::ast::StatsCommand;

use super::sort::count_option;
use super::stats::{Agg, Input, compile_aggregations};
use super::top::tuples;
use super::{Operator, bool_option, option};
use crate::CompileError;
use crate::aggregate::{AggFn, AggState};
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::{Row, TIME};
use crate::value::{Text, Value};

/// [DOC] limits.conf `max_stream_window`.
const MAX_WINDOW: u64 = 10_000;

type Key = Vec<Text>;

/// What one result contributed: its groups, each aggregation's input, its time and arrival.
#[derive(Clone, Debug)]
struct Entry {
    keys: Vec<Key>,
    inputs: Vec<Option<Value>>,
    time: f64,
    arrival: u64,
}

/// The compiled `streamstats` command and its state.
#[derive(Clone, Debug)]
pub(crate) struct Streamstats {
    aggs: Vec<Agg>,
    by: Vec<Text>,
    current: bool,
    /// 0: no window.
    window: usize,
    global: bool,
    reset_on_change: bool,
    arrival: u64,
    /// Without a window: the running states per group.
    running: HashMap<Key, Vec<AggState>>,
    /// With a window: per group (or `[]` for a single window), the last results.
    windows: HashMap<Key, VecDeque<Entry>>,
    previous_key: Option<Key>,
}

pub(crate) fn compile(s: &StatsCommand) -> Result<Box<dyn Operator>, CompileError> {
    for name in ["reset_before", "reset_after", "time_window"] {
        if let Some(o) = option(&s.options, name) {
            return Err(CompileError::new(
                o.name.span,
                format!("streamstats `{}` is not supported by Tripline", o.name.name),
            ));
        }
    }
    if bool_option(&s.options, "allnum", false)?
        && let Some(o) = option(&s.options, "allnum")
    {
        return Err(CompileError::new(
            o.name.span,
            "streamstats `allnum=true` is not supported by Tripline",
        ));
    }
    let window = count_option(&s.options, "window")?.unwrap_or(0);
    if window > MAX_WINDOW
        && let Some(o) = option(&s.options, "window")
    {
        return Err(CompileError::new(
            o.value.span,
            format!("the streamstats window can be at most {MAX_WINDOW} (max_stream_window)"),
        ));
    }
    let aggs = compile_aggregations(&s.aggregations)?;
    Ok(Box::new(Streamstats {
        aggs,
        by: s.by.iter().map(|f| Text::from(f.name.as_str())).collect(),
        current: bool_option(&s.options, "current", true)?,
        window: usize::try_from(window).unwrap_or(usize::MAX),
        global: bool_option(&s.options, "global", true)?,
        reset_on_change: bool_option(&s.options, "reset_on_change", false)?,
        arrival: 0,
        running: HashMap::new(),
        windows: HashMap::new(),
        previous_key: None,
    }))
}

impl Streamstats {
    fn new_states(&self) -> Vec<AggState> {
        self.aggs.iter().map(|a| AggState::new(a.func)).collect()
    }

    fn apply(&self, states: &mut [AggState], entry: &Entry) {
        for ((agg, state), input) in self.aggs.iter().zip(states.iter_mut()).zip(&entry.inputs) {
            match agg.input {
                Input::Event => state.add_event(),
                _ => {
                    // Order-dependent functions follow arrival, except the ones defined by time.
                    let time = match agg.func {
                        AggFn::Earliest | AggFn::Latest | AggFn::EarliestTime | AggFn::LatestTime => entry.time,
                        _ => 0.0,
                    };
                    state.add(agg.func, input.as_ref(), time, entry.arrival);
                }
            }
        }
    }

    /// The states of `key` over the window entries in that group.
    fn window_states(&self, key: &Key) -> Vec<AggState> {
        let mut states = self.new_states();
        let window_key: &[Text] = if self.global { &[] } else { key };
        if let Some(entries) = self.windows.get(window_key) {
            for e in entries.iter().filter(|e| e.keys.contains(key)) {
                self.apply(&mut states, e);
            }
        }
        states
    }

    fn add_to_window(&mut self, entry: &Entry) {
        let window_keys: Vec<Key> = if self.global {
            vec![Vec::new()]
        } else {
            entry.keys.clone()
        };
        for k in window_keys {
            let w = self.windows.entry(k).or_default();
            if w.len() == self.window {
                w.pop_front();
            }
            w.push_back(entry.clone());
        }
    }

    fn add_running(&mut self, entry: &Entry) {
        for k in &entry.keys {
            let mut states = self.running.remove(k).unwrap_or_else(|| self.new_states());
            self.apply(&mut states, entry);
            self.running.insert(k.clone(), states);
        }
    }

    fn results_for(&self, key: &Key) -> Vec<AggState> {
        if self.window > 0 {
            self.window_states(key)
        } else {
            self.running.get(key).cloned().unwrap_or_else(|| self.new_states())
        }
    }
}

impl Operator for Streamstats {
    fn push(&mut self, mut row: Row, ctx: &EvalContext, out: &mut Vec<Row>) {
        let keys = if self.by.is_empty() {
            vec![Vec::new()]
        } else {
            tuples(&row, &self.by)
        };
        let Some(first) = keys.first().cloned() else {
            out.push(row);
            return;
        };
        if self.reset_on_change {
            if self.previous_key.as_ref().is_some_and(|p| *p != first) {
                self.running.clear();
                self.windows.clear();
            }
            self.previous_key = Some(first.clone());
        }
        let entry = Entry {
            inputs: self
                .aggs
                .iter()
                .map(|a| match &a.input {
                    Input::Event => None,
                    Input::Field(f) => row.get(f).cloned(),
                    Input::Eval(e) => e.eval(&row, ctx),
                })
                .collect(),
            keys,
            time: row.time().unwrap_or(f64::NEG_INFINITY),
            arrival: self.arrival,
        };
        self.arrival += 1;
        if self.current {
            self.record(&entry);
        }
        let states = self.results_for(&first);
        if !self.current {
            self.record(&entry);
        }
        for (agg, state) in self.aggs.iter().zip(&states) {
            row.set_opt(&agg.output, state.result(agg.func));
        }
        out.push(row);
    }

    fn needs_time_order(&self) -> bool {
        true
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        self.aggs.iter().for_each(|a| n.remove(&a.output));
        self.by.iter().for_each(|b| n.add(b));
        self.aggs.iter().for_each(|a| a.add_needs(&mut n));
        n.add(TIME);
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(Streamstats {
            arrival: 0,
            running: HashMap::new(),
            windows: HashMap::new(),
            previous_key: None,
            ..self.clone()
        })
    }
}

impl Streamstats {
    fn record(&mut self, entry: &Entry) {
        if self.window > 0 {
            self.add_to_window(entry);
        } else {
            self.add_running(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{row, rows, run};

    #[test]
    fn running_count_in_search_order() {
        let input = (0..3).map(|i| row(&[("_time", &i.to_string())])).collect();
        let got = run("streamstats count", input);
        assert_eq!(
            got,
            rows(&[
                &[("_time", "2"), ("count", "1")],
                &[("_time", "1"), ("count", "2")],
                &[("_time", "0"), ("count", "3")],
            ])
        );
    }

    #[test]
    fn windows_with_and_without_current() {
        // With BY and global=true (the default), the window is the previous two events of any
        // host; each host averages its own events in it.
        let input = vec![
            row(&[("_time", "6"), ("host", "x"), ("bytes", "100")]),
            row(&[("_time", "5"), ("host", "y"), ("bytes", "200")]),
            row(&[("_time", "4"), ("host", "x"), ("bytes", "400")]),
            row(&[("_time", "3"), ("host", "x"), ("bytes", "50")]),
            row(&[("_time", "2"), ("host", "y"), ("bytes", "150")]),
            row(&[("_time", "1"), ("host", "x"), ("bytes", "100")]),
        ];
        let got = run(
            "streamstats current=false window=2 avg(bytes) as prev_avg BY host | table host prev_avg",
            input.clone(),
        );
        assert_eq!(
            got,
            rows(&[
                &[("host", "x")],
                &[("host", "y")],
                &[("host", "x"), ("prev_avg", "100")],
                &[("host", "x"), ("prev_avg", "400")],
                &[("host", "y")],
                &[("host", "x"), ("prev_avg", "50")],
            ])
        );
        // The Search Reference example: a single moving window of 3 over all events.
        let got = run("streamstats window=3 avg(bytes) as a | table a", input.clone());
        let avgs: Vec<_> = got.iter().map(|r| r[0].1.clone()).collect();
        assert_eq!(
            avgs,
            ["100", "150", "233.333333333333", "216.666666666667", "200", "100"]
        );
        // global=true with BY: one window of 3 events, each host aggregated over its own events in it.
        let got = run("streamstats window=3 count BY host | table count", input.clone());
        let counts: Vec<_> = got.iter().map(|r| r[0].1.clone()).collect();
        assert_eq!(counts, ["1", "1", "2", "2", "1", "2"]);
        let got = run("streamstats window=3 global=false count BY host | table count", input);
        let counts: Vec<_> = got.iter().map(|r| r[0].1.clone()).collect();
        assert_eq!(counts, ["1", "1", "2", "3", "2", "3"]);
    }

    #[test]
    fn reset_on_change_and_null_by() {
        let input = vec![
            row(&[("_time", "5"), ("src", "a"), ("user", "u1")]),
            row(&[("_time", "4"), ("src", "a"), ("user", "u2")]),
            row(&[("_time", "3"), ("user", "u9")]),
            row(&[("_time", "2"), ("src", "b"), ("user", "u1")]),
            row(&[("_time", "1"), ("src", "a"), ("user", "u1")]),
        ];
        let got = run(
            "streamstats reset_on_change=true dc(user) as users max(_time) as last_seen BY src | table src users last_seen",
            input,
        );
        assert_eq!(
            got,
            rows(&[
                &[("src", "a"), ("users", "1"), ("last_seen", "5")],
                &[("src", "a"), ("users", "2"), ("last_seen", "5")],
                &[],
                &[("src", "b"), ("users", "1"), ("last_seen", "2")],
                &[("src", "a"), ("users", "1"), ("last_seen", "1")],
            ])
        );
    }

    #[test]
    fn first_and_last_follow_input_order() {
        let input = ["p", "q", "r"].iter().map(|v| row(&[("x", v)])).collect();
        let got = run("sort - x | streamstats first(x) as f last(x) as l | table f l", input);
        assert_eq!(
            got,
            rows(&[
                &[("f", "r"), ("l", "r")],
                &[("f", "r"), ("l", "q")],
                &[("f", "r"), ("l", "p")],
            ])
        );
    }

    #[test]
    fn unsupported_options_are_rejected() {
        let ctx = crate::expr::EvalContext::default();
        for spl in [
            "search * | streamstats time_window=1h count",
            "search * | streamstats reset_after=\"(x>1)\" count",
            "search * | streamstats window=20000 count",
        ] {
            assert!(crate::plan::Plan::compile_text(spl, &ctx).is_err(), "{spl}");
        }
    }
}

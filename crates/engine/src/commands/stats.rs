//! `stats` and `eventstats`: aggregate over groups.
//!
//! `stats agg ... [BY field ...]` replaces its input with one row per group: the BY fields, then
//! each aggregation, sorted by the BY values. `eventstats` computes the same aggregates and adds
//! them to every input row instead.
//!
//! Grouping follows Splunk: a row whose BY field is null belongs to no group (it is dropped by
//! `stats`, and gets no aggregates from `eventstats`); a multivalue BY field puts the row in one
//! group per value (the cross product for several), duplicates kept unless
//! `dedup_splitvals=true`. Without BY, `stats` returns exactly one row even for no input (`count`
//! is 0). An aggregation without `AS` is named as written: `values(responseStatus.reason)`.
//!
//! Memory is bounded: `stats` keeps at most [`Limits::max_groups`](crate::limits::Limits)
//! groups. Once it has that many, a row that would start a new group is left out and counted
//! (reported by [`Plan::limits_reached`](crate::plan::Plan::limits_reached)), while the groups it
//! has keep updating; partial states merged together keep the same bound. Splunk has no such
//! limit (it spills to disk), so results beyond it differ, and the caller says so. `eventstats`
//! holds every input row, so its groups are bounded by its input and not capped.
//!
//! Examples (run as tests below):
//! - `stats count values(userAgent) as userAgent BY sourceIPs{} Country City`
//! - `eventstats values(current) as current BY source.workload.name`

use std::any::Any;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use tripline_spl::ast::{Aggregation, AggregationArg, StatsCommand};

use super::{Operator, bool_option};
use crate::CompileError;
use crate::aggregate::{AggFn, AggState};
use crate::expr::{CExpr, EvalContext};
use crate::limits::{GroupCap, LimitReached};
use crate::needs::Needs;
use crate::row::{Row, TIME};
use crate::value::{Text, Value, compare_mixed};

/// Whether results replace the input (`stats`) or are added to it (`eventstats`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `stats`.
    Stats,
    /// `eventstats`.
    Eventstats,
}

/// What an aggregation reads from each row.
#[derive(Clone, Debug)]
pub(crate) enum Input {
    /// The row itself (`count`).
    Event,
    /// A field.
    Field(Text),
    /// An `eval(...)` expression.
    Eval(CExpr),
}

/// One compiled aggregation term.
#[derive(Clone, Debug)]
pub(crate) struct Agg {
    pub(crate) func: AggFn,
    pub(crate) input: Input,
    pub(crate) output: Text,
}

impl Agg {
    /// Add the fields this aggregation reads to `needs`.
    pub(crate) fn add_needs(&self, needs: &mut Needs) {
        match &self.input {
            Input::Event => {}
            Input::Field(f) => needs.add(f),
            Input::Eval(e) => {
                let mut fields = Vec::new();
                e.fields(&mut fields);
                fields.iter().for_each(|f| needs.add(f));
            }
        }
    }
}

/// Compile the aggregation terms shared by `stats`, `eventstats` and `streamstats`.
pub(crate) fn compile_aggregations(terms: &[Aggregation]) -> Result<Vec<Agg>, CompileError> {
    let mut aggs = Vec::with_capacity(terms.len());
    for a in terms {
        let func = AggFn::from_name(&a.function.name).ok_or_else(|| {
            CompileError::new(
                a.function.span,
                format!("the stats function `{}` is not supported", a.function.name),
            )
        })?;
        let (input, default_name) = match &a.arg {
            None if func == AggFn::Count => (Input::Event, a.function.name.clone()),
            None => {
                return Err(CompileError::new(
                    a.span,
                    format!("`{}` needs a field", a.function.name),
                ));
            }
            Some(AggregationArg::Field(f)) => {
                if f.name.contains('*') {
                    return Err(CompileError::new(
                        f.span,
                        "wildcard fields in aggregations are not supported",
                    ));
                }
                (
                    Input::Field(Text::from(f.name.as_str())),
                    format!("{}({})", a.function.name, f.name),
                )
            }
            Some(AggregationArg::Eval(e)) => (
                Input::Eval(CExpr::compile(e)?),
                format!("{}(eval({}))", a.function.name, tripline_spl::print_expr(e)),
            ),
        };
        let output = a.alias.as_ref().map_or(default_name, |f| f.name.clone());
        aggs.push(Agg {
            func,
            input,
            output: Text::from(output),
        });
    }
    Ok(aggs)
}

type Key = Vec<Text>;

/// One group's aggregation states, and how many rows went into it (what a merge that has no
/// room for the group leaves out).
#[derive(Clone, Debug)]
struct Group {
    rows: u64,
    states: Vec<AggState>,
}

/// The compiled `stats`/`eventstats` command and its state.
#[derive(Clone, Debug)]
pub(crate) struct Stats {
    mode: Mode,
    aggs: Vec<Agg>,
    by: Vec<Text>,
    dedup_splitvals: bool,
    groups: HashMap<Key, Group>,
    /// The bound on `groups` (none for `eventstats`), with the rows it left out.
    cap: GroupCap,
    /// `eventstats`: the input rows, with the key of the group each belongs to.
    rows: Vec<(Option<Key>, Row)>,
}

pub(crate) fn compile(s: &StatsCommand, mode: Mode, ctx: &EvalContext) -> Result<Box<dyn Operator>, CompileError> {
    let aggs = compile_aggregations(&s.aggregations)?;
    Ok(Box::new(Stats {
        mode,
        aggs,
        by: s.by.iter().map(|f| Text::from(f.name.as_str())).collect(),
        dedup_splitvals: bool_option(&s.options, "dedup_splitvals", false)?,
        groups: HashMap::new(),
        cap: match mode {
            Mode::Stats => GroupCap::new(ctx.limits.max_groups),
            Mode::Eventstats => GroupCap::unlimited(),
        },
        rows: Vec::new(),
    }))
}

impl Stats {
    /// The group keys a row belongs to: the cross product of its BY values; none when a BY
    /// field is null.
    fn keys(&self, row: &Row) -> Vec<Key> {
        let mut keys: Vec<Key> = vec![Vec::with_capacity(self.by.len())];
        for field in &self.by {
            let Some(v) = row.get(field) else {
                return Vec::new();
            };
            let mut values = v.values();
            if self.dedup_splitvals {
                let mut seen = std::collections::HashSet::new();
                values.retain(|x| seen.insert(x.clone()));
            }
            if values.len() == 1 {
                let only = values.pop().unwrap_or_default();
                keys.iter_mut().for_each(|k| k.push(only.clone()));
            } else {
                let mut next = Vec::with_capacity(keys.len() * values.len());
                for k in &keys {
                    for x in &values {
                        let mut k2 = k.clone();
                        k2.push(x.clone());
                        next.push(k2);
                    }
                }
                keys = next;
            }
        }
        keys
    }

    fn update(&mut self, key: Key, row: &Row, ctx: &EvalContext) {
        let time = row.time().unwrap_or(f64::NEG_INFINITY);
        let aggs = &self.aggs;
        let len = self.groups.len();
        let group = match self.groups.entry(key) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                if !self.cap.admit(len, 1) {
                    return;
                }
                e.insert(Group {
                    rows: 0,
                    states: aggs.iter().map(|a| AggState::new(a.func)).collect(),
                })
            }
        };
        group.rows += 1;
        for (agg, state) in aggs.iter().zip(group.states.iter_mut()) {
            match &agg.input {
                Input::Event => state.add_event(),
                Input::Field(f) => state.add(agg.func, row.get(f), time, row.seq),
                Input::Eval(e) => state.add(agg.func, e.eval(row, ctx).as_ref(), time, row.seq),
            }
        }
    }

    fn results(&self, states: &[AggState]) -> Vec<(Text, Option<Value>)> {
        self.aggs
            .iter()
            .zip(states)
            .map(|(a, s)| (a.output.clone(), s.result(a.func)))
            .collect()
    }
}

impl Operator for Stats {
    fn push(&mut self, row: Row, ctx: &EvalContext, _out: &mut Vec<Row>) {
        let keys = self.keys(&row);
        match self.mode {
            Mode::Stats => {
                for key in keys {
                    self.update(key, &row, ctx);
                }
            }
            Mode::Eventstats => {
                // A row with a multivalue BY field contributes to every group it is in, and takes
                // its own aggregates from the first of them.
                let first = keys.first().cloned();
                for key in keys {
                    self.update(key, &row, ctx);
                }
                self.rows.push((first, row));
            }
        }
    }

    fn finish(&mut self, _ctx: &EvalContext, out: &mut Vec<Row>) {
        match self.mode {
            Mode::Stats => {
                if self.groups.is_empty() && self.by.is_empty() {
                    let states = self.aggs.iter().map(|a| AggState::new(a.func)).collect();
                    self.groups.insert(Vec::new(), Group { rows: 0, states });
                }
                let mut groups: Vec<(Key, Group)> = self.groups.drain().collect();
                groups.sort_by(|a, b| {
                    a.0.iter()
                        .zip(&b.0)
                        .map(|(x, y)| compare_mixed(x, y))
                        .find(|o| o.is_ne())
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                for (key, group) in groups {
                    let mut row = Row::with_capacity(self.by.len() + self.aggs.len());
                    for (name, value) in self.by.iter().zip(key) {
                        row.set(name, Value::Str(value));
                    }
                    for (name, value) in self.results(&group.states) {
                        row.set_opt(&name, value);
                    }
                    out.push(row);
                }
            }
            Mode::Eventstats => {
                let mut rows = std::mem::take(&mut self.rows);
                rows.sort_by_key(|(_, r)| r.seq);
                for (key, mut row) in rows {
                    if let Some(group) = key.as_ref().and_then(|k| self.groups.get(k)) {
                        for (name, value) in self.results(&group.states) {
                            row.set_opt(&name, value);
                        }
                    }
                    out.push(row);
                }
                self.groups.clear();
            }
        }
    }

    fn is_blocking(&self) -> bool {
        true
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = match self.mode {
            Mode::Stats => Needs::none(),
            Mode::Eventstats => {
                let mut d = downstream.clone();
                self.aggs.iter().for_each(|a| d.remove(&a.output));
                d
            }
        };
        self.by.iter().for_each(|b| n.add(b));
        self.aggs.iter().for_each(|a| a.add_needs(&mut n));
        n.add(TIME);
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn merge(&mut self, other: &mut dyn Operator) -> Result<(), String> {
        let other = other
            .as_any_mut()
            .downcast_mut::<Stats>()
            .ok_or_else(|| "cannot merge different commands".to_string())?;
        for (key, group) in other.groups.drain() {
            let len = self.groups.len();
            match self.groups.entry(key) {
                Entry::Occupied(e) => {
                    let mine = e.into_mut();
                    mine.rows += group.rows;
                    for ((agg, a), b) in self.aggs.iter().zip(mine.states.iter_mut()).zip(group.states) {
                        a.merge(agg.func, b);
                    }
                }
                Entry::Vacant(e) => {
                    if self.cap.admit(len, group.rows) {
                        e.insert(group);
                    }
                }
            }
        }
        self.cap.absorb(&other.cap);
        self.rows.append(&mut other.rows);
        Ok(())
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(Stats {
            groups: HashMap::new(),
            cap: self.cap.fresh(),
            rows: Vec::new(),
            ..self.clone()
        })
    }

    fn limit_reached(&self) -> Option<LimitReached> {
        self.cap.report("stats")
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{render, row, rows, run};
    use crate::expr::EvalContext;
    use crate::limits::Limits;
    use crate::plan::Plan;
    use crate::row::Row;

    /// `spl` (after `search *`) compiled with a cap of `max_groups`, and its context.
    fn capped(spl: &str, max_groups: usize) -> (Plan, EvalContext) {
        let ctx = EvalContext {
            limits: Limits::default().with_max_groups(max_groups),
            ..EvalContext::default()
        };
        let plan = Plan::compile_text(&format!("search * | {spl}"), &ctx).unwrap();
        (plan, ctx)
    }

    fn feed(plan: &mut Plan, rows: Vec<Row>, first_seq: u64, ctx: &EvalContext) {
        let mut out = Vec::new();
        for (i, mut r) in rows.into_iter().enumerate() {
            r.seq = first_seq + i as u64;
            plan.push(r, ctx, &mut out);
        }
        assert!(out.is_empty());
    }

    fn finish(plan: &mut Plan, ctx: &EvalContext) -> Vec<Vec<(String, String)>> {
        let mut out = Vec::new();
        plan.finish(ctx, &mut out);
        out.iter().map(render).collect()
    }

    fn ips(list: &[&str]) -> Vec<Row> {
        list.iter().map(|ip| row(&[("ip", ip), ("ua", "curl")])).collect()
    }

    #[test]
    fn group_cap_holds_keeps_existing_groups_updating_and_reports_once() {
        let (mut plan, ctx) = capped("stats count values(ua) as ua BY ip", 2);
        let mut input = ips(&["a", "b", "c", "a", "d", "b", "c"]);
        input.push(row(&[("ip", "a|e"), ("ua", "wget")]));
        feed(&mut plan, input, 0, &ctx);
        assert_eq!(
            finish(&mut plan, &ctx),
            rows(&[
                &[("ip", "a"), ("count", "3"), ("ua", "curl|wget")],
                &[("ip", "b"), ("count", "2"), ("ua", "curl")]
            ])
        );
        // c, d, c and the e of the multivalue row: four rows (group memberships) left out, one
        // report, for the command after `search *`.
        let reports = plan.limits_reached();
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert_eq!(
            (
                reports[0].command,
                reports[0].position,
                reports[0].max_groups,
                reports[0].dropped_rows
            ),
            ("stats", 1, 2, 4)
        );
    }

    #[test]
    fn results_below_the_cap_are_unchanged() {
        let input = || ips(&["a", "b", "c", "a", "d", "b", "c"]);
        let spl = "stats count values(ua) as ua min(_time) as first BY ip";
        let uncapped = run(spl, input());
        let (mut plan, ctx) = capped(spl, 4);
        feed(&mut plan, input(), 0, &ctx);
        assert_eq!(finish(&mut plan, &ctx), uncapped);
        assert_eq!(plan.limits_reached(), Vec::new());
        assert_eq!(uncapped.len(), 4);
    }

    #[test]
    fn merged_partial_states_respect_the_cap() {
        let (plan, ctx) = capped("stats count BY ip", 4);
        let mut a = plan.fresh();
        let mut b = plan.fresh();
        // a: three groups; b: five, one of them shared with a, so b leaves one row out itself.
        feed(&mut a, ips(&["x", "y", "z"]), 0, &ctx);
        feed(&mut b, ips(&["z", "p", "q", "r", "s", "p"]), 3, &ctx);
        assert_eq!(b.limits_reached()[0].dropped_rows, 1);
        a.merge(&mut b).unwrap();
        let got = finish(&mut a, &ctx);
        // z merges; of b's three other groups (four rows) only one fits.
        assert_eq!(got.len(), 4, "{got:?}");
        let counted: u64 = got.iter().map(|r| r[1].1.parse::<u64>().unwrap()).sum();
        let dropped = a.limits_reached()[0].dropped_rows;
        assert_eq!(counted + dropped, 9, "{got:?}");
        assert!(got.contains(&vec![("ip".into(), "z".into()), ("count".into(), "2".into())]));
        assert_eq!(a.limits_reached().len(), 1);
    }

    #[test]
    fn eventstats_is_not_capped() {
        let (mut plan, ctx) = capped("eventstats count BY ip", 1);
        feed(&mut plan, ips(&["a", "b"]), 0, &ctx);
        let got = finish(&mut plan, &ctx);
        assert!(
            got.iter().all(|r| r.iter().any(|(k, v)| k == "count" && v == "1")),
            "{got:?}"
        );
        assert_eq!(plan.limits_reached(), Vec::new());
    }

    #[test]
    fn count_values_by_with_multivalue_split() {
        let input = vec![
            row(&[("ip", "1.1.1.1|2.2.2.2"), ("ua", "b")]),
            row(&[("ip", "1.1.1.1"), ("ua", "a")]),
            row(&[("ua", "no ip: dropped")]),
        ];
        let got = run("stats count values(ua) as ua BY ip", input);
        assert_eq!(
            got,
            rows(&[
                &[("ip", "1.1.1.1"), ("count", "2"), ("ua", "a|b")],
                &[("ip", "2.2.2.2"), ("count", "1"), ("ua", "b")]
            ])
        );
    }

    #[test]
    fn duplicate_multivalues_count_twice_unless_dedup_splitvals() {
        let input = vec![row(&[("ip", "1.1.1.1|1.1.1.1")])];
        assert_eq!(
            run("stats count BY ip", input.clone()),
            rows(&[&[("ip", "1.1.1.1"), ("count", "2")]])
        );
        assert_eq!(
            run("stats count BY ip dedup_splitvals=true", input),
            rows(&[&[("ip", "1.1.1.1"), ("count", "1")]])
        );
    }

    #[test]
    fn no_by_gives_one_row_even_without_input() {
        assert_eq!(
            run("stats count dc(x) values(x)", vec![]),
            rows(&[&[("count", "0"), ("dc(x)", "0")]])
        );
    }

    #[test]
    fn values_sort_as_bytes_and_unnamed_aggregations_keep_their_text() {
        let input = ["10", "9", "100", "70", "B", "a"]
            .iter()
            .map(|v| row(&[("x", v)]))
            .collect();
        assert_eq!(
            run("stats values(x)", input),
            rows(&[&[("values(x)", "10|100|70|9|B|a")]])
        );
    }

    #[test]
    fn min_max_mixed_and_time() {
        let input = ["1", "c", "a", "2", "100", "b"]
            .iter()
            .map(|v| row(&[("x", v)]))
            .collect();
        assert_eq!(
            run("stats min(x) as lo max(x) as hi", input),
            rows(&[&[("lo", "1"), ("hi", "c")]])
        );
        let input = vec![row(&[("_time", "20")]), row(&[("_time", "10.5")])];
        assert_eq!(
            run("stats min(_time) as firstTime max(_time) as lastTime count", input),
            rows(&[&[("firstTime", "10.5"), ("lastTime", "20"), ("count", "2")]])
        );
    }

    #[test]
    fn numeric_functions() {
        let input = ["2", "4", "4", "4", "5", "5", "7", "9", "x"]
            .iter()
            .map(|v| row(&[("v", v)]))
            .collect();
        let got = run(
            "stats count(v) as n sum(v) as s avg(v) as a stdevp(v) as sd range(v) as r median(v) as m perc50(v) as p mode(v) as mo",
            input,
        );
        assert_eq!(
            got,
            rows(&[&[
                ("n", "9"),
                ("s", "40"),
                ("a", "5"),
                ("sd", "2"),
                ("r", "7"),
                ("m", "5"),
                ("p", "4.5"),
                ("mo", "4")
            ]])
        );
    }

    #[test]
    fn first_last_follow_search_order() {
        let input = vec![
            row(&[("_time", "1"), ("x", "old")]),
            row(&[("_time", "3"), ("x", "new")]),
            row(&[("_time", "2"), ("x", "mid")]),
        ];
        assert_eq!(
            run("stats first(x) as f last(x) as l list(x) as li", input),
            rows(&[&[("f", "new"), ("l", "old"), ("li", "new|mid|old")]])
        );
    }

    #[test]
    fn eval_argument() {
        let input = vec![
            row(&[("direction", "transmit"), ("io", "10")]),
            row(&[("direction", "receive"), ("io", "99")]),
            row(&[("direction", "transmit"), ("io", "20")]),
        ];
        let got = run("stats avg(eval(if(direction=\"transmit\", io, null()))) as out", input);
        assert_eq!(got, rows(&[&[("out", "15")]]));
    }

    #[test]
    fn eventstats_adds_to_each_row() {
        let input = vec![
            row(&[("edge", "a"), ("current", "True")]),
            row(&[("edge", "a"), ("current", "false")]),
            row(&[("edge", "b"), ("current", "True")]),
            row(&[("current", "x")]),
        ];
        let got = run("eventstats values(current) as current BY edge", input);
        assert_eq!(
            got,
            rows(&[
                &[("edge", "a"), ("current", "True|false")],
                &[("edge", "a"), ("current", "True|false")],
                &[("edge", "b"), ("current", "True")],
                &[("current", "x")],
            ])
        );
    }
}

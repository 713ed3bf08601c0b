//! `top` and `rare`: the most (least) common combinations of values, with counts and percentages.
//!
//! `top [N] [countfield=f] [percentfield=f] [showcount=b] [showperc=b] [useother=b]
//! [otherstr=s] [limit=N] field ... [BY field ...]`; `rare` takes the same arguments.
//!
//! Semantics:
//! - Counts are per combination (tuple) of the fields' values ([DOC] "Finds the most common values
//!   for the fields in the field list"). A result where any listed field is null is not counted.
//!   A multivalue field counts each of its values (with several fields, each combination of
//!   values), as `stats count BY` does [INFER].
//! - With `BY`, counting, percentages and the limit are per group of the BY values; a result
//!   with a null BY field is ignored [INFER].
//! - `percent` is the count divided by the number of counted results in the group, times 100,
//!   rendered with six decimals (`33.333333`) as Splunk displays it. A multivalue field can make
//!   the percentages of a group add up to more than 100.
//! - Order: `top` sorts by count descending, `rare` ascending; equal counts are ordered by the
//!   values, ascending in `stats` BY order (numbers numerically before text) [INFER: `top` behaves
//!   like `stats count BY fields | sort -count`, and stats output is sorted by its BY values].
//!   With `BY`, groups come out in ascending order of their BY values, each group's rows together.
//! - N (or `limit=`) rows per group, default 10; `0` means all ([DOC] "To return all values,
//!   specify zero"). At most 50000 rows in total ([DOC] "By default the top command returns a
//!   maximum of 50,000 results").
//! - `useother=true` adds one row per group for the combinations beyond the limit, with every
//!   listed field set to `otherstr` (default `OTHER`) and their summed count and percentage. It is
//!   accepted by `rare` too.
//! - Output fields: the BY fields, the listed fields, then `count` and `percent` (renamed by
//!   `countfield`/`percentfield`, left out with `showcount=false`/`showperc=false`). `top` is a
//!   transforming command: nothing else survives.
//!
//! Partial states merge (counts add), so `top` can finish a parallel run.
//!
//! Memory is bounded: at most [`Limits::max_groups`](crate::limits::Limits) counters, one per BY
//! group and combination of values. Once full, a combination without a counter is left out and
//! counted (as `stats` does with groups), while existing counters keep counting; the BY group's
//! total (the percentage base) still counts the row when the group exists.
//!
//! Examples (run as tests below):
//! - `top src_ip`
//! - `top 2 user BY cluster useother=true`
//! - `rare limit=0 verb countfield=n showperc=false`

use std::any::Any;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use tripline_spl::ast::TopCommand;

use super::sort::{count_option, parse_count};
use super::{Operator, bool_option, option};
use crate::CompileError;
use crate::expr::EvalContext;
use crate::limits::{GroupCap, LimitReached};
use crate::needs::Needs;
use crate::row::Row;
use crate::value::{Text, Value, compare_mixed};

/// Rows per group when no limit is given.
const DEFAULT_LIMIT: u64 = 10;
/// Most rows `top` returns in total.
const MAX_RESULTS: usize = 50_000;

type Tuple = Vec<Text>;

#[derive(Clone, Debug, Default)]
struct Group {
    /// Results counted in this group (the percentage base).
    total: u64,
    counts: HashMap<Tuple, u64>,
}

/// The compiled `top`/`rare` command and its state.
#[derive(Clone, Debug)]
pub(crate) struct Top {
    rare: bool,
    fields: Vec<Text>,
    by: Vec<Text>,
    limit: Option<usize>,
    countfield: Text,
    percentfield: Text,
    showcount: bool,
    showperc: bool,
    useother: bool,
    otherstr: Text,
    groups: HashMap<Tuple, Group>,
    /// Counters over all groups: what the cap bounds.
    counters: usize,
    cap: GroupCap,
}

/// Compile `top` (`rare = false`) or `rare`.
pub(crate) fn compile(t: &TopCommand, rare: bool, ctx: &EvalContext) -> Result<Box<dyn Operator>, CompileError> {
    let mut limit = match &t.limit {
        None => DEFAULT_LIMIT,
        Some(l) => parse_count(l, "the number of results")?,
    };
    if let Some(l) = count_option(&t.options, "limit")? {
        limit = l;
    }
    for f in t.fields.iter().chain(&t.by) {
        if f.is_wildcard() {
            return Err(CompileError::new(
                f.span,
                "top and rare fields cannot contain wildcards",
            ));
        }
    }
    let text = |name: &str, default: &str| {
        option(&t.options, name).map_or_else(|| Text::from(default), |o| Text::from(o.value.value.as_str()))
    };
    Ok(Box::new(Top {
        rare,
        fields: t.fields.iter().map(|f| Text::from(f.name.as_str())).collect(),
        by: t.by.iter().map(|f| Text::from(f.name.as_str())).collect(),
        limit: (limit > 0).then(|| usize::try_from(limit).unwrap_or(usize::MAX)),
        countfield: text("countfield", "count"),
        percentfield: text("percentfield", "percent"),
        showcount: bool_option(&t.options, "showcount", true)?,
        showperc: bool_option(&t.options, "showperc", true)?,
        useother: bool_option(&t.options, "useother", false)?,
        otherstr: text("otherstr", "OTHER"),
        groups: HashMap::new(),
        counters: 0,
        cap: GroupCap::new(ctx.limits.max_groups),
    }))
}

/// Every combination of the fields' values; empty when a field is null.
pub(crate) fn tuples(row: &Row, fields: &[Text]) -> Vec<Tuple> {
    let mut out: Vec<Tuple> = vec![Vec::with_capacity(fields.len())];
    for f in fields {
        let Some(v) = row.get(f) else {
            return Vec::new();
        };
        let values = v.values();
        let mut next = Vec::with_capacity(out.len() * values.len());
        for t in &out {
            for x in &values {
                let mut t2 = t.clone();
                t2.push(x.clone());
                next.push(t2);
            }
        }
        out = next;
    }
    out
}

fn compare_tuples(a: &Tuple, b: &Tuple) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| compare_mixed(x, y))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

impl Top {
    fn name(&self) -> &'static str {
        if self.rare { "rare" } else { "top" }
    }

    /// Add `count` to the counter of `values` in `group`, making the counter if there is room.
    fn count(group: &mut Group, values: Tuple, count: u64, counters: &mut usize, cap: &mut GroupCap) {
        if let Some(c) = group.counts.get_mut(&values) {
            *c += count;
        } else if cap.admit(*counters, count) {
            group.counts.insert(values, count);
            *counters += 1;
        }
    }

    fn output(&self, by: &Tuple, values: &[Text], count: u64, total: u64) -> Row {
        let mut row = Row::with_capacity(self.by.len() + self.fields.len() + 2);
        for (name, v) in self.by.iter().zip(by) {
            row.set(name, Value::Str(v.clone()));
        }
        for (name, v) in self.fields.iter().zip(values) {
            row.set(name, Value::Str(v.clone()));
        }
        if self.showcount {
            row.set(&self.countfield, Value::Num(count as f64));
        }
        if self.showperc {
            let percent = if total == 0 {
                0.0
            } else {
                count as f64 / total as f64 * 100.0
            };
            row.set(&self.percentfield, Value::Str(Text::from(format!("{percent:.6}"))));
        }
        row
    }
}

impl Operator for Top {
    fn push(&mut self, row: Row, _ctx: &EvalContext, _out: &mut Vec<Row>) {
        let values = tuples(&row, &self.fields);
        if values.is_empty() {
            return;
        }
        for by in tuples(&row, &self.by) {
            // A new group is made only with room for a counter in it.
            let group = match self.groups.entry(by) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(_) if !self.cap.has_room(self.counters) => {
                    self.cap.drop_rows(values.len() as u64);
                    continue;
                }
                Entry::Vacant(e) => e.insert(Group::default()),
            };
            group.total += 1;
            for v in &values {
                Top::count(group, v.clone(), 1, &mut self.counters, &mut self.cap);
            }
        }
    }

    fn finish(&mut self, _ctx: &EvalContext, out: &mut Vec<Row>) {
        let mut groups: Vec<(Tuple, Group)> = self.groups.drain().collect();
        groups.sort_by(|a, b| compare_tuples(&a.0, &b.0));
        let mut emitted = 0;
        for (by, group) in groups {
            let mut counts: Vec<(Tuple, u64)> = group.counts.into_iter().collect();
            counts.sort_by(|a, b| {
                let by_count = if self.rare { a.1.cmp(&b.1) } else { b.1.cmp(&a.1) };
                by_count.then_with(|| compare_tuples(&a.0, &b.0))
            });
            let keep = self.limit.unwrap_or(counts.len()).min(counts.len());
            for (values, count) in &counts[..keep] {
                if emitted == MAX_RESULTS {
                    return;
                }
                out.push(self.output(&by, values, *count, group.total));
                emitted += 1;
            }
            let rest: u64 = counts[keep..].iter().map(|(_, c)| c).sum();
            if self.useother && keep < counts.len() && emitted < MAX_RESULTS {
                let other = vec![self.otherstr.clone(); self.fields.len()];
                out.push(self.output(&by, &other, rest, group.total));
                emitted += 1;
            }
        }
    }

    fn is_blocking(&self) -> bool {
        true
    }

    fn needs(&self, _downstream: &Needs) -> Needs {
        let mut n = Needs::none();
        self.fields.iter().chain(&self.by).for_each(|f| n.add(f));
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn merge(&mut self, other: &mut dyn Operator) -> Result<(), String> {
        let other = other
            .as_any_mut()
            .downcast_mut::<Top>()
            .ok_or_else(|| "cannot merge different commands".to_string())?;
        for (by, group) in other.groups.drain() {
            let mine = match self.groups.entry(by) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(_) if !self.cap.has_room(self.counters) => {
                    self.cap.drop_rows(group.counts.values().sum());
                    continue;
                }
                Entry::Vacant(e) => e.insert(Group::default()),
            };
            mine.total += group.total;
            for (values, count) in group.counts {
                Top::count(mine, values, count, &mut self.counters, &mut self.cap);
            }
        }
        self.cap.absorb(&other.cap);
        Ok(())
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(Top {
            groups: HashMap::new(),
            counters: 0,
            cap: self.cap.fresh(),
            ..self.clone()
        })
    }

    fn limit_reached(&self) -> Option<LimitReached> {
        self.cap.report(self.name())
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{render, row, rows, run};
    use crate::expr::EvalContext;
    use crate::plan::Plan;

    fn ips() -> Vec<crate::row::Row> {
        ["1.1.1.1", "2.2.2.2", "1.1.1.1", "3.3.3.3", "2.2.2.2", "1.1.1.1"]
            .iter()
            .map(|ip| row(&[("src_ip", ip), ("other", "x")]))
            .chain(std::iter::once(row(&[("other", "no ip")])))
            .collect()
    }

    #[test]
    fn most_common_with_percent() {
        let got = run("top src_ip", ips());
        assert_eq!(
            got,
            rows(&[
                &[("src_ip", "1.1.1.1"), ("count", "3"), ("percent", "50.000000")],
                &[("src_ip", "2.2.2.2"), ("count", "2"), ("percent", "33.333333")],
                &[("src_ip", "3.3.3.3"), ("count", "1"), ("percent", "16.666667")],
            ])
        );
    }

    #[test]
    fn by_groups_limit_and_other() {
        let input = vec![
            row(&[("cluster", "b"), ("user", "u1")]),
            row(&[("cluster", "a"), ("user", "u1")]),
            row(&[("cluster", "a"), ("user", "u2")]),
            row(&[("cluster", "a"), ("user", "u2")]),
            row(&[("cluster", "a"), ("user", "u3")]),
            row(&[("cluster", "a"), ("user", "u4")]),
        ];
        let got = run("top 2 user BY cluster useother=true", input);
        assert_eq!(
            got,
            rows(&[
                &[
                    ("cluster", "a"),
                    ("user", "u2"),
                    ("count", "2"),
                    ("percent", "40.000000")
                ],
                &[
                    ("cluster", "a"),
                    ("user", "u1"),
                    ("count", "1"),
                    ("percent", "20.000000")
                ],
                &[
                    ("cluster", "a"),
                    ("user", "OTHER"),
                    ("count", "2"),
                    ("percent", "40.000000")
                ],
                &[
                    ("cluster", "b"),
                    ("user", "u1"),
                    ("count", "1"),
                    ("percent", "100.000000")
                ],
            ])
        );
    }

    #[test]
    fn rare_ascending_with_options() {
        let input = ["get", "list", "get", "create", "get", "list"]
            .iter()
            .map(|v| row(&[("verb", v)]))
            .collect();
        let got = run("rare limit=0 verb countfield=n showperc=false", input);
        assert_eq!(
            got,
            rows(&[
                &[("verb", "create"), ("n", "1")],
                &[("verb", "list"), ("n", "2")],
                &[("verb", "get"), ("n", "3")],
            ])
        );
    }

    #[test]
    fn tuples_and_multivalues() {
        let input = vec![
            row(&[("user", "a"), ("ip", "1|2")]),
            row(&[("user", "a"), ("ip", "1")]),
            row(&[("user", "b")]),
        ];
        let got = run("top user ip", input);
        assert_eq!(
            got,
            rows(&[
                &[("user", "a"), ("ip", "1"), ("count", "2"), ("percent", "100.000000")],
                &[("user", "a"), ("ip", "2"), ("count", "1"), ("percent", "50.000000")],
            ])
        );
    }

    #[test]
    fn partial_counts_merge() {
        let ctx = EvalContext::default();
        let mut a = Plan::compile_text("search * | top src_ip", &ctx).unwrap();
        let mut b = a.fresh();
        let mut out = Vec::new();
        for (i, r) in ips().into_iter().enumerate() {
            if i % 2 == 0 { &mut a } else { &mut b }.push(r, &ctx, &mut out);
        }
        a.merge(&mut b).unwrap();
        a.finish(&ctx, &mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].get("count").unwrap().to_text(), "3");
        assert_eq!(out[2].get("percent").unwrap().to_text(), "16.666667");
    }

    fn capped(spl: &str, max_groups: usize) -> (Plan, EvalContext) {
        let ctx = EvalContext {
            limits: crate::limits::Limits::default().with_max_groups(max_groups),
            ..EvalContext::default()
        };
        (Plan::compile_text(spl, &ctx).unwrap(), ctx)
    }

    #[test]
    fn counter_cap_holds_and_reports_once() {
        let (mut plan, ctx) = capped("search * | top src_ip", 2);
        let mut out = Vec::new();
        for r in ips() {
            plan.push(r, &ctx, &mut out);
        }
        plan.finish(&ctx, &mut out);
        // 3.3.3.3 came third: left out of the counts, still in the percentage base.
        assert_eq!(
            out.iter().map(render).collect::<Vec<_>>(),
            rows(&[
                &[("src_ip", "1.1.1.1"), ("count", "3"), ("percent", "50.000000")],
                &[("src_ip", "2.2.2.2"), ("count", "2"), ("percent", "33.333333")],
            ])
        );
        let reports = plan.limits_reached();
        assert_eq!(reports.len(), 1);
        assert_eq!((reports[0].command, reports[0].dropped_rows), ("top", 1));

        // A BY group is not made without room for a counter in it.
        let (mut plan, ctx) = capped("search * | rare user BY cluster", 2);
        let input = vec![
            row(&[("cluster", "a"), ("user", "u1")]),
            row(&[("cluster", "a"), ("user", "u2")]),
            row(&[("cluster", "b"), ("user", "u1")]),
        ];
        let mut out = Vec::new();
        for r in input {
            plan.push(r, &ctx, &mut out);
        }
        plan.finish(&ctx, &mut out);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|r| r.get("cluster").unwrap().to_text() == "a"));
        assert_eq!(plan.limits_reached()[0].command, "rare");
    }

    #[test]
    fn merged_counts_respect_the_cap() {
        let (mut a, ctx) = capped("search * | top src_ip", 2);
        let mut b = a.fresh();
        let mut out = Vec::new();
        for (i, r) in ips().into_iter().enumerate() {
            if i % 2 == 0 { &mut a } else { &mut b }.push(r, &ctx, &mut out);
        }
        // b saw 2.2.2.2, 3.3.3.3 then 1.1.1.1, which did not fit; a has no room for 3.3.3.3.
        a.merge(&mut b).unwrap();
        a.finish(&ctx, &mut out);
        assert_eq!(
            out.iter().map(render).collect::<Vec<_>>(),
            rows(&[
                &[("src_ip", "1.1.1.1"), ("count", "2"), ("percent", "33.333333")],
                &[("src_ip", "2.2.2.2"), ("count", "2"), ("percent", "33.333333")],
            ])
        );
        assert_eq!(a.limits_reached()[0].dropped_rows, 2);
    }
}

//! `dedup [N] field ... [keepevents=b] [keepempty=b] [consecutive=b] [sortby key ...]`: keep the
//! first N results for each combination of values of the fields (N defaults to 1).
//!
//! Semantics:
//! - "First" is input order ([DOC] "Events returned by dedup are based on search order. For
//!   historical searches, the most recent events are searched first"). `dedup` asks for time
//!   order, so in the streaming prefix it sees events newest first.
//! - Values compare exactly, as text (case-sensitive; `1` and `1.0` differ). A multivalue field
//!   compares as its whole list ([DOC] "the fields must match all values to be deduplicated").
//! - `keepempty=false` (the default) drops every result where any of the fields is null ([DOC]
//!   "All events where any of the selected fields are null are dropped"); `keepempty=true` keeps
//!   all of those results, each one (they are never duplicates of anything).
//! - `keepevents=true` keeps every result, and removes the dedup fields from the ones beyond the
//!   first N of their combination ([DOC] "keep all events, but will remove the selected fields";
//!   [INFER] that the kept first N keep their fields). Results with a null field still follow
//!   `keepempty`.
//! - `consecutive=true` only removes a result when it repeats the combination of the result just
//!   before it (runs longer than N are cut to N). Results with a null field neither extend nor
//!   break a run [INFER]. This mode streams and cannot be merged.
//! - `sortby` sorts the deduplicated results with `sort`'s rules (see `sort.rs`); without it they
//!   keep their input order.
//!
//! Partial states merge ([`Operator::merge`]): per combination the state keeps the best N
//! results by search order (`_time` descending, then arrival number), so splitting events
//! into parts, deduplicating each and merging gives the result of one pass. Inside one instance
//! that order is the input order for as long as the input arrives in search order; when it does
//! not (after `sort` or `stats`, whose results have no meaningful `_time`), plain arrival order
//! is used instead, and a merge treats the other part as arriving after this one.
//!
//! Examples (run as tests below):
//! - `dedup user`
//! - `dedup 2 src, dest`
//! - `dedup host keepempty=true sortby -bytes`
//! - `dedup host consecutive=true`

use std::any::Any;
use std::cmp::Ordering;
use std::collections::HashMap;

use tripline_spl::ast::DedupCommand;

use super::sort::{Key, add_key_needs, compare_rows, compile_keys, parse_count};
use super::{Operator, bool_option};
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::{Row, TIME};
use crate::value::Text;

/// The values of the dedup fields: each field's whole list of values.
type DedupKey = Vec<Vec<Text>>;

#[derive(Clone, Debug)]
struct Held {
    time: f64,
    seq: u64,
    arrival: u64,
    row: Row,
}

/// The compiled `dedup` command and its state.
#[derive(Clone, Debug)]
pub(crate) struct Dedup {
    fields: Vec<Text>,
    count: usize,
    keepevents: bool,
    keepempty: bool,
    consecutive: bool,
    sort_by: Vec<Key>,
    /// Per combination, the best results so far in order (at most `count` unless `keepevents`).
    groups: HashMap<DedupKey, Vec<Held>>,
    /// `keepempty=true`: results with a null field.
    empty: Vec<Held>,
    next_arrival: u64,
    /// Whether every result so far arrived in search order (then search order is input order).
    in_search_order: bool,
    last: Option<(f64, u64)>,
    /// `consecutive=true`: the previous combination and how many results repeated it.
    previous: Option<(DedupKey, usize)>,
    /// `consecutive=true` with `sortby`: the output, held to be sorted.
    held: Vec<Row>,
}

pub(crate) fn compile(d: &DedupCommand) -> Result<Box<dyn Operator>, CompileError> {
    let count = match &d.count {
        None => 1,
        Some(l) => {
            let n = parse_count(l, "the dedup count")?;
            if n == 0 {
                return Err(CompileError::new(l.span, "the dedup count must be at least 1"));
            }
            usize::try_from(n).unwrap_or(usize::MAX)
        }
    };
    for f in &d.fields {
        if f.is_wildcard() {
            return Err(CompileError::new(f.span, "dedup fields cannot contain wildcards"));
        }
    }
    Ok(Box::new(Dedup {
        fields: d.fields.iter().map(|f| Text::from(f.name.as_str())).collect(),
        count,
        keepevents: bool_option(&d.options, "keepevents", false)?,
        keepempty: bool_option(&d.options, "keepempty", false)?,
        consecutive: bool_option(&d.options, "consecutive", false)?,
        sort_by: compile_keys(&d.sort_by, false),
        groups: HashMap::new(),
        empty: Vec::new(),
        next_arrival: 0,
        in_search_order: true,
        last: None,
        previous: None,
        held: Vec::new(),
    }))
}

/// Search order: newer first, then smaller `seq`.
fn search_order(a: (f64, u64), b: (f64, u64)) -> Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// The order results are kept in: search order while the input follows it, else arrival.
fn held_order(in_search_order: bool, a: &Held, b: &Held) -> Ordering {
    if in_search_order {
        search_order((a.time, a.seq), (b.time, b.seq)).then(a.arrival.cmp(&b.arrival))
    } else {
        a.arrival.cmp(&b.arrival)
    }
}

impl Dedup {
    /// The combination of values, or `None` when a field is null.
    fn key(&self, row: &Row) -> Option<DedupKey> {
        self.fields
            .iter()
            .map(|f| row.get(f).map(crate::value::Value::values))
            .collect()
    }

    fn order(&self, a: &Held, b: &Held) -> Ordering {
        held_order(self.in_search_order, a, b)
    }

    fn strip(&self, row: &mut Row) {
        for f in &self.fields {
            row.remove(f);
        }
    }

    fn insert(&mut self, key: DedupKey, held: Held) {
        let (in_search_order, keepevents, count) = (self.in_search_order, self.keepevents, self.count);
        let list = self.groups.entry(key).or_default();
        let pos = list.partition_point(|h| held_order(in_search_order, h, &held) != Ordering::Greater);
        if keepevents || pos < count {
            list.insert(pos, held);
            if !keepevents {
                list.truncate(count);
            }
        }
    }

    fn push_consecutive(&mut self, mut row: Row, out: &mut Vec<Row>) {
        let Some(key) = self.key(&row) else {
            if self.keepempty {
                self.emit(row, out);
            }
            return;
        };
        let repeat = match &mut self.previous {
            Some((prev, run)) if *prev == key => {
                *run += 1;
                *run
            }
            _ => {
                self.previous = Some((key, 1));
                1
            }
        };
        if repeat <= self.count {
            self.emit(row, out);
        } else if self.keepevents {
            self.strip(&mut row);
            self.emit(row, out);
        }
    }

    fn emit(&mut self, row: Row, out: &mut Vec<Row>) {
        if self.sort_by.is_empty() {
            out.push(row);
        } else {
            self.held.push(row);
        }
    }

    /// Number the held results in search order, so that arrival order agrees with it after a
    /// merge.
    fn renumber(&mut self) {
        let mut all: Vec<(f64, u64, u64, Option<DedupKey>, usize)> = Vec::new();
        for (k, list) in &self.groups {
            for (i, h) in list.iter().enumerate() {
                all.push((h.time, h.seq, h.arrival, Some(k.clone()), i));
            }
        }
        for (i, h) in self.empty.iter().enumerate() {
            all.push((h.time, h.seq, h.arrival, None, i));
        }
        all.sort_by(|a, b| search_order((a.0, a.1), (b.0, b.1)).then(a.2.cmp(&b.2)));
        self.next_arrival = all.len() as u64;
        for (n, (.., k, i)) in all.into_iter().enumerate() {
            let slot = match k {
                Some(k) => self.groups.get_mut(&k).and_then(|l| l.get_mut(i)),
                None => self.empty.get_mut(i),
            };
            if let Some(h) = slot {
                h.arrival = n as u64;
            }
        }
    }
}

impl Operator for Dedup {
    fn push(&mut self, row: Row, _ctx: &EvalContext, out: &mut Vec<Row>) {
        if self.consecutive {
            self.push_consecutive(row, out);
            return;
        }
        let (time, seq) = (row.time().unwrap_or(f64::NEG_INFINITY), row.seq);
        if let Some(last) = self.last
            && search_order((time, seq), last) == Ordering::Less
        {
            self.in_search_order = false;
        }
        self.last = Some((time, seq));
        let held = Held {
            time,
            seq,
            arrival: self.next_arrival,
            row,
        };
        self.next_arrival += 1;
        match self.key(&held.row) {
            Some(key) => self.insert(key, held),
            None if self.keepempty => self.empty.push(held),
            None => {}
        }
    }

    fn finish(&mut self, _ctx: &EvalContext, out: &mut Vec<Row>) {
        if self.consecutive {
            let mut rows = std::mem::take(&mut self.held);
            rows.sort_by(|a, b| compare_rows(&self.sort_by, a, b));
            out.extend(rows);
            return;
        }
        let mut all: Vec<(Held, bool)> = Vec::new();
        for (_, list) in self.groups.drain() {
            all.extend(list.into_iter().enumerate().map(|(i, h)| (h, i >= self.count)));
        }
        all.extend(self.empty.drain(..).map(|h| (h, false)));
        all.sort_by(|a, b| self.order(&a.0, &b.0));
        let mut rows: Vec<Row> = all
            .into_iter()
            .map(|(h, duplicate)| {
                let mut row = h.row;
                if duplicate {
                    self.strip(&mut row);
                }
                row
            })
            .collect();
        rows.sort_by(|a, b| compare_rows(&self.sort_by, a, b));
        out.extend(rows);
    }

    fn is_blocking(&self) -> bool {
        !self.consecutive || !self.sort_by.is_empty()
    }

    fn needs_time_order(&self) -> bool {
        true
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        self.fields.iter().for_each(|f| n.add(f));
        add_key_needs(&self.sort_by, &mut n);
        n.add(TIME);
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn merge(&mut self, other: &mut dyn Operator) -> Result<(), String> {
        let other = other
            .as_any_mut()
            .downcast_mut::<Dedup>()
            .ok_or_else(|| "cannot merge different commands".to_string())?;
        if self.consecutive {
            return Err("dedup consecutive=true depends on adjacency and cannot be merged".into());
        }
        let search_order_kept = self.in_search_order && other.in_search_order;
        // The other part's results count as arriving after this part's.
        let offset = self.next_arrival;
        let shift = |h: &mut Held| h.arrival += offset;
        other.groups.values_mut().flatten().for_each(shift);
        other.empty.iter_mut().for_each(shift);
        self.next_arrival += other.next_arrival;
        self.in_search_order = search_order_kept;
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(if search_order(a, b) == Ordering::Less { b } else { a }),
            (a, b) => a.or(b),
        };
        for (key, list) in std::mem::take(&mut other.groups) {
            let mut mine = self.groups.remove(&key).unwrap_or_default();
            mine.extend(list);
            mine.sort_by(|a, b| self.order(a, b));
            if !self.keepevents {
                mine.truncate(self.count);
            }
            self.groups.insert(key, mine);
        }
        self.empty.append(&mut other.empty);
        if self.in_search_order {
            self.renumber();
        }
        Ok(())
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(Dedup {
            groups: HashMap::new(),
            empty: Vec::new(),
            next_arrival: 0,
            in_search_order: true,
            last: None,
            previous: None,
            held: Vec::new(),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::commands::testing::{row, rows, run};
    use crate::expr::EvalContext;
    use crate::plan::Plan;
    use crate::row::{Row, sort_newest_first};

    #[test]
    fn keeps_the_newest_per_value_and_drops_nulls() {
        let input = vec![
            row(&[("_time", "1"), ("user", "alice"), ("n", "old")]),
            row(&[("_time", "3"), ("user", "alice"), ("n", "new")]),
            row(&[("_time", "2"), ("user", "bob"), ("n", "b")]),
            row(&[("_time", "4"), ("n", "no user")]),
        ];
        let got = run("dedup user | table user n", input);
        assert_eq!(
            got,
            rows(&[&[("user", "alice"), ("n", "new")], &[("user", "bob"), ("n", "b")]])
        );
    }

    #[test]
    fn n_per_combination_and_whole_multivalues() {
        let input = vec![
            row(&[("_time", "5"), ("src", "a"), ("dest", "x")]),
            row(&[("_time", "4"), ("src", "a"), ("dest", "x")]),
            row(&[("_time", "3"), ("src", "a"), ("dest", "x")]),
            row(&[("_time", "2"), ("src", "a"), ("dest", "y|z")]),
            row(&[("_time", "1"), ("src", "a"), ("dest", "y")]),
        ];
        let got = run("dedup 2 src, dest | table _time", input);
        // `y|z` and `y` differ: a multivalue compares as its whole list.
        assert_eq!(
            got,
            rows(&[
                &[("_time", "5")],
                &[("_time", "4")],
                &[("_time", "2")],
                &[("_time", "1")]
            ])
        );
    }

    #[test]
    fn keepempty_and_sortby() {
        let input = vec![
            row(&[("_time", "4"), ("host", "a"), ("bytes", "10")]),
            row(&[("_time", "3"), ("bytes", "500")]),
            row(&[("_time", "2"), ("host", "b"), ("bytes", "99")]),
            row(&[("_time", "1"), ("host", "a"), ("bytes", "1000")]),
        ];
        let got = run("dedup host keepempty=true sortby -bytes | table bytes", input);
        assert_eq!(
            got,
            rows(&[&[("bytes", "500")], &[("bytes", "99")], &[("bytes", "10")]])
        );
    }

    #[test]
    fn keepevents_strips_fields_from_duplicates() {
        let input = vec![
            row(&[("_time", "2"), ("host", "a"), ("n", "1")]),
            row(&[("_time", "1"), ("host", "a"), ("n", "2")]),
        ];
        let got = run("dedup host keepevents=true | table host n", input);
        assert_eq!(got, rows(&[&[("host", "a"), ("n", "1")], &[("n", "2")]]));
    }

    #[test]
    fn consecutive_only_removes_repeats_in_a_row() {
        let input = ["a", "a", "b", "a", "a", "a"]
            .iter()
            .enumerate()
            .map(|(i, h)| row(&[("_time", &(10 - i).to_string()), ("host", h)]))
            .collect();
        let got = run("dedup host consecutive=true | table _time", input);
        assert_eq!(got, rows(&[&[("_time", "10")], &[("_time", "8")], &[("_time", "7")]]));
    }

    #[test]
    fn after_a_blocking_command_input_order_rules() {
        // `sort` puts the oldest first; dedup keeps the first in *its* input order.
        let input = vec![
            row(&[("_time", "2"), ("host", "a"), ("bytes", "1")]),
            row(&[("_time", "1"), ("host", "a"), ("bytes", "2")]),
        ];
        let got = run("sort - bytes | dedup host | table bytes", input);
        assert_eq!(got, rows(&[&[("bytes", "2")]]));
    }

    /// Events from (time, key) pairs; key 0 means the field is missing.
    fn events(spec: &[(u8, u8)]) -> Vec<Row> {
        spec.iter()
            .enumerate()
            .map(|(i, (t, k))| {
                let (t, i_text, k_text) = (t.to_string(), i.to_string(), format!("k{k}"));
                let mut fields = vec![("_time", t.as_str()), ("i", i_text.as_str())];
                if *k > 0 {
                    fields.push(("k", k_text.as_str()));
                }
                let mut r = row(&fields);
                r.seq = i as u64;
                r
            })
            .collect()
    }

    /// Run dedup over `parts` separately (each in search order, as the plan feeds it), merge the
    /// partial states, and return the result.
    fn run_parts(spl: &str, parts: Vec<Vec<Row>>) -> Vec<Row> {
        let ctx = EvalContext::default();
        let plan = Plan::compile_text(spl, &ctx).unwrap();
        let mut merged: Option<Box<dyn crate::commands::Operator>> = None;
        for mut part in parts {
            sort_newest_first(&mut part);
            let mut op = plan.operators()[1].fresh();
            let mut sink = Vec::new();
            for r in part {
                op.push(r, &ctx, &mut sink);
            }
            assert!(sink.is_empty(), "dedup holds its results until the end");
            match &mut merged {
                None => merged = Some(op),
                Some(m) => m.merge(op.as_mut()).unwrap(),
            }
        }
        let mut out = Vec::new();
        if let Some(mut m) = merged {
            m.finish(&ctx, &mut out);
        }
        out
    }

    #[test]
    fn merging_parts_equals_one_pass() {
        let all = events(&[(5, 1), (9, 1), (5, 2), (1, 1), (9, 2), (7, 1), (7, 3), (3, 1), (9, 1)]);
        let one = run_parts("search * | dedup 2 k", vec![all.clone()]);
        let split = run_parts(
            "search * | dedup 2 k",
            vec![all[..3].to_vec(), all[3..4].to_vec(), all[4..].to_vec()],
        );
        assert_eq!(one, split);
        let ids: Vec<_> = one.iter().map(|r| r.get("i").unwrap().to_text().to_string()).collect();
        // Newest first, ties in arrival order: k1 keeps 1 and 8 (time 9), k2 keeps 4 and 2, k3 6.
        assert_eq!(ids, ["1", "4", "8", "6", "2"]);
    }

    proptest! {
        #[test]
        fn merge_is_independent_of_the_split(
            spec in proptest::collection::vec((0u8..6, 0u8..4), 0..40),
            cuts in proptest::collection::vec(0usize..40, 0..4),
            n in 1usize..3,
        ) {
            let all = events(&spec);
            let spl = format!("search * | dedup {n} k keepempty=true");
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(all.len())).collect();
            cuts.sort_unstable();
            let mut parts = Vec::new();
            let mut start = 0;
            for c in cuts {
                parts.push(all[start..c].to_vec());
                start = c;
            }
            parts.push(all[start..].to_vec());
            prop_assert_eq!(run_parts(&spl, vec![all.clone()]), run_parts(&spl, parts));
        }
    }
}

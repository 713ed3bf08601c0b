//! `sort [N | limit=N] [+|-]key ... [desc]`: order the results by one or more fields.
//!
//! Keys compare in turn; a `-` sorts that key descending. Each key can name its collation:
//! `auto(x)` (the default), `str(x)`, `num(x)` or `ip(x)`. At most N results are kept after
//! sorting: 10000 when no number is given, every result for `0` ([DOC] "If no number is specified,
//! the default limit of 10000 is used. If the number 0 is specified, all of the results are
//! returned").
//!
//! Semantics:
//! - Missing fields: [DOC] "Results missing a given field are treated as having the smallest or
//!   largest possible value of that field if the order is descending or ascending,
//!   respectively", so a result without the key comes after every result that has it, in either
//!   direction.
//! - `auto` and `num`: numbers compare numerically and come before non-numbers, which compare as
//!   bytes ([INFER] Splunk picks one collation per field from its values; comparing each pair this
//!   way gives the same order when a field is all numbers or all text, and the documented
//!   "numbers before letters" order when it is mixed).
//! - `str`: byte-wise lexicographic ([DOC] "Numbers are sorted before letters ... Uppercase
//!   letters are sorted before lowercase letters"), so `10` sorts before `9`.
//! - `ip`: IPv4 before IPv6 addresses, each numerically; values that are not addresses come after
//!   them, as bytes (before them when descending: a direction reverses the whole collation).
//! - A multivalue field sorts by its first value [INFER].
//! - A trailing `desc` flips the direction of every key ([DOC] "reverses the order of the values
//!   in the fields"); missing fields still come last.
//! - The sort is stable: equal results keep their input order, which in the streaming prefix is
//!   Splunk's search order (newest first), so `sort` asks for time order.
//!
//! Examples (run as tests below):
//! - `sort - count`
//! - `sort 2 str(user) -num(bytes)`
//! - `sort limit=0 ip(src) desc`

use std::any::Any;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::net::IpAddr;

use tripline_spl::ast::{Collation, Literal, OptionArg, SortCommand, SortKey};

use super::Operator;
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::Row;
use crate::value::{Text, Value, format_number, parse_number};

/// Results `sort` keeps when no limit is given.
pub(crate) const DEFAULT_LIMIT: u64 = 10_000;

/// One compiled sort key.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    field: Text,
    descending: bool,
    collation: Collation,
}

/// Compile sort keys; `reverse` (a trailing `desc`) flips every key.
pub(crate) fn compile_keys(keys: &[SortKey], reverse: bool) -> Vec<Key> {
    keys.iter()
        .map(|k| Key {
            field: Text::from(k.field.name.as_str()),
            descending: k.descending != reverse,
            collation: k.collation,
        })
        .collect()
}

/// Add the fields the keys read.
pub(crate) fn add_key_needs(keys: &[Key], needs: &mut Needs) {
    keys.iter().for_each(|k| needs.add(&k.field));
}

/// Compare two rows by the keys, first key first.
pub(crate) fn compare_rows(keys: &[Key], a: &Row, b: &Row) -> Ordering {
    for k in keys {
        let o = match (a.get(&k.field), b.get(&k.field)) {
            (None, None) => Ordering::Equal,
            // Missing sorts last in both directions (smallest when descending, largest ascending).
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => {
                let o = compare_values(x, y, k.collation);
                if k.descending { o.reverse() } else { o }
            }
        };
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// The text a value sorts by: its first value for a multivalue.
fn sort_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::Str(s) => Cow::Borrowed(s.as_str()),
        Value::Multi(vs) => Cow::Borrowed(vs.first().map_or("", |s| s.as_str())),
        Value::Num(n) => Cow::Owned(format_number(*n).to_string()),
        Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
    }
}

fn sort_number(v: &Value) -> Option<f64> {
    match v {
        Value::Num(n) => Some(*n),
        other => parse_number(&sort_text(other)),
    }
}

/// Compare two values with a collation.
pub(crate) fn compare_values(x: &Value, y: &Value, collation: Collation) -> Ordering {
    match collation {
        Collation::Auto | Collation::Num => match (sort_number(x), sort_number(y)) {
            (Some(m), Some(n)) => m.total_cmp(&n),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => sort_text(x).as_bytes().cmp(sort_text(y).as_bytes()),
        },
        Collation::Str => sort_text(x).as_bytes().cmp(sort_text(y).as_bytes()),
        Collation::Ip => {
            let (tx, ty) = (sort_text(x), sort_text(y));
            match (tx.trim().parse::<IpAddr>(), ty.trim().parse::<IpAddr>()) {
                (Ok(a), Ok(b)) => a.cmp(&b),
                (Ok(_), Err(_)) => Ordering::Less,
                (Err(_), Ok(_)) => Ordering::Greater,
                (Err(_), Err(_)) => tx.as_bytes().cmp(ty.as_bytes()),
            }
        }
    }
}

/// A non-negative whole number written as a command's count or a `name=N` option.
pub(crate) fn parse_count(lit: &Literal, what: &str) -> Result<u64, CompileError> {
    lit.value
        .parse::<u64>()
        .map_err(|_| CompileError::new(lit.span, format!("{what} must be a whole number, not `{}`", lit.value)))
}

/// The whole-number option `name`, if given.
pub(crate) fn count_option(options: &[OptionArg], name: &str) -> Result<Option<u64>, CompileError> {
    super::option(options, name)
        .map(|o| parse_count(&o.value, &format!("`{}`", o.name.name)))
        .transpose()
}

/// The compiled `sort` command.
#[derive(Clone, Debug)]
pub(crate) struct Sort {
    keys: Vec<Key>,
    /// `None`: every result.
    limit: Option<usize>,
    held: Vec<Row>,
}

pub(crate) fn compile(s: &SortCommand) -> Result<Box<dyn Operator>, CompileError> {
    let limit = match &s.limit {
        None => DEFAULT_LIMIT,
        Some(l) => parse_count(l, "the sort limit")?,
    };
    Ok(Box::new(Sort {
        keys: compile_keys(&s.keys, s.reverse),
        limit: (limit > 0).then(|| usize::try_from(limit).unwrap_or(usize::MAX)),
        held: Vec::new(),
    }))
}

impl Operator for Sort {
    fn push(&mut self, row: Row, _ctx: &EvalContext, _out: &mut Vec<Row>) {
        self.held.push(row);
    }

    fn finish(&mut self, _ctx: &EvalContext, out: &mut Vec<Row>) {
        let mut rows = std::mem::take(&mut self.held);
        // `sort_by` is stable: ties keep their input order.
        rows.sort_by(|a, b| compare_rows(&self.keys, a, b));
        if let Some(limit) = self.limit {
            rows.truncate(limit);
        }
        out.extend(rows);
    }

    fn is_blocking(&self) -> bool {
        true
    }

    fn needs_time_order(&self) -> bool {
        true
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        add_key_needs(&self.keys, &mut n);
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(Sort {
            held: Vec::new(),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{row, rows, run};

    #[test]
    fn descending_count_with_missing_last() {
        let input = vec![
            row(&[("u", "a"), ("count", "5")]),
            row(&[("u", "b")]),
            row(&[("u", "c"), ("count", "40")]),
            row(&[("u", "d"), ("count", "9")]),
        ];
        let got = run("sort - count | table u", input.clone());
        assert_eq!(got, rows(&[&[("u", "c")], &[("u", "d")], &[("u", "a")], &[("u", "b")]]));
        // Ascending: the missing field is "largest", so it is still last.
        let got = run("sort count | table u", input);
        assert_eq!(got, rows(&[&[("u", "a")], &[("u", "d")], &[("u", "c")], &[("u", "b")]]));
    }

    #[test]
    fn collations_and_limit() {
        let input = vec![
            row(&[("user", "bob"), ("bytes", "10")]),
            row(&[("user", "Bob"), ("bytes", "9")]),
            row(&[("user", "bob"), ("bytes", "100")]),
        ];
        // Uppercase sorts before lowercase; bytes descending numerically; at most 2 results.
        let got = run("sort 2 str(user) -num(bytes) | table user bytes", input.clone());
        assert_eq!(
            got,
            rows(&[&[("user", "Bob"), ("bytes", "9")], &[("user", "bob"), ("bytes", "100")]])
        );
        // str() compares numbers as text: "10" < "100" < "9".
        let got = run("sort str(bytes) | table bytes", input);
        assert_eq!(got, rows(&[&[("bytes", "10")], &[("bytes", "100")], &[("bytes", "9")]]));
    }

    #[test]
    fn auto_puts_numbers_before_text() {
        let input = ["b", "10", "a", "9", "B"].iter().map(|v| row(&[("x", v)])).collect();
        let got = run("sort x", input);
        assert_eq!(
            got,
            rows(&[
                &[("x", "9")],
                &[("x", "10")],
                &[("x", "B")],
                &[("x", "a")],
                &[("x", "b")]
            ])
        );
    }

    #[test]
    fn ip_collation_and_trailing_desc() {
        let input = ["10.0.0.10", "10.0.0.9", "::1", "not-an-ip", "192.168.0.1"]
            .iter()
            .map(|v| row(&[("src", v)]))
            .collect();
        let got = run("sort limit=0 ip(src) desc", input);
        assert_eq!(
            got,
            rows(&[
                &[("src", "not-an-ip")],
                &[("src", "::1")],
                &[("src", "192.168.0.1")],
                &[("src", "10.0.0.10")],
                &[("src", "10.0.0.9")],
            ])
        );
    }

    #[test]
    fn stable_and_default_limit() {
        let input: Vec<_> = (0..10_005)
            .map(|i| row(&[("k", if i % 2 == 0 { "x" } else { "y" }), ("i", &i.to_string())]))
            .collect();
        let got = run("sort k", input);
        assert_eq!(got.len(), 10_000);
        // Ties keep their input order (search order: the plan puts events newest first, and
        // these have no `_time`, so arrival order).
        assert_eq!(got[0][1].1, "0");
        assert_eq!(got[1][1].1, "2");
    }

    #[test]
    fn multivalue_sorts_by_first_value() {
        let input = vec![row(&[("x", "b|a")]), row(&[("x", "a|z")])];
        assert_eq!(run("sort x", input), rows(&[&[("x", "a|z")], &[("x", "b|a")]]));
    }
}

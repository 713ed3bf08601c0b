//! `tail [N]`: the last N results (default 10), last first.
//!
//! Semantics:
//! - [DOC] "Returns the last N number of specified results. The events are returned in reverse
//!   order, starting at the end of the result set." In the streaming prefix the input is in
//!   search order (newest first), so `tail 3` is the three oldest events, oldest first.
//! - `tail 0` returns nothing [INFER].
//! - `tail` must see its whole input, so it is blocking; it holds only N results.
//!
//! Examples (run as tests below):
//! - `tail 3`
//! - `tail`

use std::any::Any;
use std::collections::VecDeque;

use tripline_spl::ast::TailCommand;

use super::Operator;
use super::sort::parse_count;
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::Row;

/// Results `tail` returns when no number is given.
const DEFAULT_COUNT: u64 = 10;

/// The compiled `tail` command and its state.
#[derive(Clone, Debug)]
pub(crate) struct Tail {
    count: usize,
    last: VecDeque<Row>,
}

pub(crate) fn compile(t: &TailCommand) -> Result<Box<dyn Operator>, CompileError> {
    let count = match &t.count {
        None => DEFAULT_COUNT,
        Some(l) => parse_count(l, "the tail count")?,
    };
    Ok(Box::new(Tail {
        count: usize::try_from(count).unwrap_or(usize::MAX),
        last: VecDeque::new(),
    }))
}

impl Operator for Tail {
    fn push(&mut self, row: Row, _ctx: &EvalContext, _out: &mut Vec<Row>) {
        if self.count == 0 {
            return;
        }
        if self.last.len() == self.count {
            self.last.pop_front();
        }
        self.last.push_back(row);
    }

    fn finish(&mut self, _ctx: &EvalContext, out: &mut Vec<Row>) {
        out.extend(self.last.drain(..).rev());
    }

    fn is_blocking(&self) -> bool {
        true
    }

    fn needs_time_order(&self) -> bool {
        true
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        downstream.clone()
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(Tail {
            count: self.count,
            last: VecDeque::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{row, rows, run};

    fn numbered(n: usize) -> Vec<crate::row::Row> {
        (0..n).map(|i| row(&[("_time", &i.to_string())])).collect()
    }

    #[test]
    fn last_n_in_reverse() {
        // Search order is newest first (19 ... 0); the last three are 2, 1, 0, returned 0, 1, 2.
        let got = run("tail 3", numbered(20));
        assert_eq!(got, rows(&[&[("_time", "0")], &[("_time", "1")], &[("_time", "2")]]));
        assert_eq!(run("tail", numbered(20)).len(), 10);
        assert_eq!(run("tail 0", numbered(20)).len(), 0);
        assert_eq!(run("tail 50", numbered(4)).len(), 4);
    }

    #[test]
    fn after_sort() {
        let input = ["3", "1", "2"].iter().map(|v| row(&[("x", v)])).collect();
        assert_eq!(run("sort x | tail 2", input), rows(&[&[("x", "3")], &[("x", "2")]]));
    }
}

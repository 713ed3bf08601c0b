//! `head [N | (condition)] [limit=N] [null=b] [keeplast=b]`: the first results in search order.
//!
//! Semantics:
//! - `head N` (or `limit=N`) keeps the first N results; N defaults to 10 ([DOC] "If no options or
//!   limits are specified, the head command returns the first 10 results"). In the streaming
//!   prefix the input is in search order, so `head 5` is the five newest events.
//! - `head (condition)` keeps results until the first one where the condition is not true, and
//!   drops everything from there on ([DOC] "all results are returned until the expression becomes
//!   false"). The numeric limit still applies, 10 by default ([DOC] SPL2 example: "Returns up to
//!   10 results, which is the default number, or until the time span of the data is >= 100
//!   seconds"); the smaller of the two wins.
//! - A null condition counts as false unless `null=true`; a non-boolean value counts as false
//!   [INFER].
//! - `keeplast=true` also keeps the result that stopped the command ([DOC] "The last result
//!   returned is the result that caused the eval-expression to evaluate to false or NULL").
//! - `head 0` keeps nothing [INFER].
//!
//! `head` streams: once it has stopped it discards the rest of its input.
//!
//! Examples (run as tests below):
//! - `head 5`
//! - `head (count > 10) keeplast=true`
//! - `head (user="x") limit=3 null=true`

use std::any::Any;

use tripline_spl::ast::HeadCommand;

use super::sort::parse_count;
use super::{Operator, bool_option};
use crate::CompileError;
use crate::expr::{CExpr, EvalContext};
use crate::needs::Needs;
use crate::row::Row;
use crate::value::Value;

/// Results `head` keeps when no limit is given.
const DEFAULT_LIMIT: u64 = 10;

/// The compiled `head` command and its state.
#[derive(Clone, Debug)]
pub(crate) struct Head {
    limit: u64,
    condition: Option<CExpr>,
    null_is_true: bool,
    keeplast: bool,
    emitted: u64,
    done: bool,
}

pub(crate) fn compile(h: &HeadCommand) -> Result<Box<dyn Operator>, CompileError> {
    let limit = match &h.count {
        None => DEFAULT_LIMIT,
        Some(l) => parse_count(l, "the head limit")?,
    };
    let condition = h.condition.as_ref().map(CExpr::compile).transpose()?;
    let null_is_true = bool_option(&h.options, "null", false)?;
    let keeplast = bool_option(&h.options, "keeplast", false)?;
    if condition.is_none()
        && let Some(o) = h
            .options
            .iter()
            .find(|o| ["null", "keeplast"].iter().any(|n| o.name.name.eq_ignore_ascii_case(n)))
    {
        return Err(CompileError::new(
            o.name.span,
            format!("`{}` needs a condition: head (x > 5) {}=true", o.name.name, o.name.name),
        ));
    }
    Ok(Box::new(Head {
        limit,
        condition,
        null_is_true,
        keeplast,
        emitted: 0,
        done: false,
    }))
}

impl Operator for Head {
    fn push(&mut self, row: Row, ctx: &EvalContext, out: &mut Vec<Row>) {
        if self.done {
            return;
        }
        if self.emitted >= self.limit {
            self.done = true;
            return;
        }
        if let Some(c) = &self.condition {
            let keep = match c.eval(&row, ctx) {
                Some(Value::Bool(b)) => b,
                None => self.null_is_true,
                Some(_) => false,
            };
            if !keep {
                self.done = true;
                if self.keeplast {
                    out.push(row);
                }
                return;
            }
        }
        self.emitted += 1;
        out.push(row);
    }

    fn needs_time_order(&self) -> bool {
        true
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        if let Some(c) = &self.condition {
            let mut fields = Vec::new();
            c.fields(&mut fields);
            fields.iter().for_each(|f| n.add(f));
        }
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(Head {
            emitted: 0,
            done: false,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{row, rows, run};

    fn numbered(n: usize) -> Vec<crate::row::Row> {
        (0..n)
            .map(|i| row(&[("_time", &i.to_string()), ("count", &(i * 3).to_string())]))
            .collect()
    }

    #[test]
    fn first_n_newest() {
        let got = run("head 5 | table _time", numbered(20));
        assert_eq!(
            got,
            rows(&[
                &[("_time", "19")],
                &[("_time", "18")],
                &[("_time", "17")],
                &[("_time", "16")],
                &[("_time", "15")]
            ])
        );
        assert_eq!(run("head", numbered(20)).len(), 10);
        assert_eq!(run("head 0", numbered(20)).len(), 0);
    }

    #[test]
    fn condition_stops_at_the_first_false() {
        // Newest first: counts 27, 24, 21, 18, 15, 12, 9 ... the first not > 10 is 9.
        let got = run("head (count > 10) keeplast=true | table count", numbered(10));
        let counts: Vec<_> = got.iter().map(|r| r[0].1.clone()).collect();
        assert_eq!(counts, ["27", "24", "21", "18", "15", "12", "9"]);
        let got = run("head (count > 10) | table count", numbered(10));
        assert_eq!(got.len(), 6);
    }

    #[test]
    fn condition_keeps_the_default_limit() {
        assert_eq!(run("head (count >= 0)", numbered(30)).len(), 10);
    }

    #[test]
    fn null_condition() {
        let input = vec![
            row(&[("_time", "3")]),
            row(&[("_time", "2")]),
            row(&[("_time", "1"), ("user", "u")]),
        ];
        // `user = "x"` is null where user is missing: false by default, true with null=true.
        assert_eq!(run("head (user=\"x\")", input.clone()).len(), 0);
        let got = run("head (user=\"x\") limit=3 null=true | table _time", input.clone());
        assert_eq!(got, rows(&[&[("_time", "3")], &[("_time", "2")]]));
        let got = run("head (isnull(user)) limit=3 | table _time", input);
        assert_eq!(got, rows(&[&[("_time", "3")], &[("_time", "2")]]));
    }

    #[test]
    fn keeplast_needs_a_condition() {
        let ctx = crate::expr::EvalContext::default();
        assert!(crate::plan::Plan::compile_text("search * | head 5 keeplast=true", &ctx).is_err());
    }
}

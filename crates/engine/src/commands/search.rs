//! `search <expression>`: keep the events that match.
//!
//! Field values compare case-insensitively as whole values with `*` wildcards; `OR` binds tighter
//! than the implied `AND`; `NOT field=v` keeps events without the field while `field!=v` needs
//! it; bare terms and quoted phrases match `_raw` on segment boundaries; `earliest=`/`latest=`
//! bound `_time`. See `crate::search` and `docs/spl.md`.
//!
//! Examples (run as tests below):
//! - `search verb=create OR verb=update objectRef.resource=pods`
//! - `search NOT "user.groups{}"=system:masters`

use std::any::Any;

use tripline_spl::ast::SearchExpr;

use super::Operator;
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::Row;
use crate::search::Predicate;

/// The compiled `search` command.
#[derive(Clone, Debug)]
pub(crate) struct Search {
    predicate: Predicate,
}

pub(crate) fn compile(e: Option<&SearchExpr>, ctx: &EvalContext) -> Result<Box<dyn Operator>, CompileError> {
    let predicate = match e {
        Some(e) => Predicate::compile(e, ctx)?,
        None => Predicate::Const(true),
    };
    Ok(Box::new(Search { predicate }))
}

impl Operator for Search {
    fn push(&mut self, row: Row, _ctx: &EvalContext, out: &mut Vec<Row>) {
        if self.predicate.matches(&row) {
            out.push(row);
        }
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        let mut fields = Vec::new();
        self.predicate.fields(&mut fields);
        for f in &fields {
            n.add(f);
        }
        n
    }

    fn required_literals(&self) -> Vec<Vec<crate::value::Text>> {
        self.predicate.required_literals()
    }

    fn required_values(&self, field: &str) -> Option<Vec<crate::value::Text>> {
        self.predicate.required_values(field)
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{row, rows, run};

    #[test]
    fn filters_events() {
        let input = vec![
            row(&[("verb", "create"), ("objectRef.resource", "pods")]),
            row(&[("verb", "UPDATE"), ("objectRef.resource", "pods")]),
            row(&[("verb", "update"), ("objectRef.resource", "secrets")]),
        ];
        let got = run("search verb=create OR verb=update objectRef.resource=pods", input);
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn not_keeps_events_without_the_field() {
        let input = vec![row(&[("a", "1")]), row(&[("user.groups{}", "system:masters|x")])];
        let got = run("search NOT \"user.groups{}\"=system:masters", input);
        assert_eq!(got, rows(&[&[("a", "1")]]));
    }
}

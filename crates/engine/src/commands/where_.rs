//! `where <eval-expression>`: keep the results for which the expression is true.
//!
//! Unlike `search`, comparisons are case-sensitive, `AND` binds tighter than `OR`, unquoted words
//! are field names and double-quoted strings are literals; a null condition drops the row.
//!
//! Examples (run as tests below):
//! - `where count > 5`
//! - `where count=1 and current="True"`

use std::any::Any;

use tripline_spl::ast::Expr;

use super::Operator;
use crate::CompileError;
use crate::expr::{CExpr, EvalContext};
use crate::needs::Needs;
use crate::row::Row;

/// The compiled `where` command.
#[derive(Clone, Debug)]
pub(crate) struct Where {
    condition: CExpr,
}

pub(crate) fn compile(e: &Expr) -> Result<Box<dyn Operator>, CompileError> {
    Ok(Box::new(Where {
        condition: CExpr::compile(e)?,
    }))
}

impl Operator for Where {
    fn push(&mut self, row: Row, ctx: &EvalContext, out: &mut Vec<Row>) {
        if self.condition.is_true(&row, ctx) {
            out.push(row);
        }
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        let mut fields = Vec::new();
        self.condition.fields(&mut fields);
        fields.iter().for_each(|f| n.add(f));
        n
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
    fn numeric_comparison() {
        let input = vec![row(&[("count", "6")]), row(&[("count", "5")]), row(&[("count", "10")])];
        assert_eq!(
            run("where count > 5", input),
            rows(&[&[("count", "6")], &[("count", "10")]])
        );
    }

    #[test]
    fn case_sensitive_and_lowercase_and() {
        let input = vec![
            row(&[("count", "1"), ("current", "True")]),
            row(&[("count", "1"), ("current", "true")]),
        ];
        let got = run("where count=1 and current=\"True\"", input);
        assert_eq!(got, rows(&[&[("count", "1"), ("current", "True")]]));
    }

    #[test]
    fn null_drops_the_row() {
        let input = vec![row(&[("other", "1")]), row(&[("anomalies", "")])];
        assert_eq!(run("where anomalies!=\"\"", input), Vec::<Vec<(String, String)>>::new());
    }
}

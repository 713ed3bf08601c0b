//! `eval field=expression [, field=expression ...]`: compute fields.
//!
//! Assignments run left to right, each seeing the fields set before it. A null result removes
//! the field. A boolean result cannot be stored ([DOC] "The result of an eval expression cannot be
//! a Boolean"): such an assignment is rejected when the search is compiled.
//!
//! Examples (run as tests below):
//! - `eval severity="high"`
//! - `eval key='dest.workload.name' + ":" + 'dest.process.name'`

use std::any::Any;

use tripline_spl::ast::Assignment;

use super::Operator;
use crate::CompileError;
use crate::expr::{CExpr, EvalContext};
use crate::needs::Needs;
use crate::row::Row;
use crate::value::Text;

/// The compiled `eval` command.
#[derive(Clone, Debug)]
pub(crate) struct Eval {
    assignments: Vec<(Text, CExpr)>,
}

pub(crate) fn compile(assignments: &[Assignment]) -> Result<Box<dyn Operator>, CompileError> {
    let mut out = Vec::with_capacity(assignments.len());
    for a in assignments {
        let e = CExpr::compile(&a.expr)?;
        if e.is_boolean() {
            return Err(CompileError::new(
                a.expr.span(),
                format!(
                    "`{}` would be assigned a boolean, which eval cannot store; wrap it: if(condition, \"true\", \"false\")",
                    a.field.name
                ),
            ));
        }
        out.push((Text::from(a.field.name.as_str()), e));
    }
    Ok(Box::new(Eval { assignments: out }))
}

impl Operator for Eval {
    fn push(&mut self, mut row: Row, ctx: &EvalContext, out: &mut Vec<Row>) {
        for (name, e) in &self.assignments {
            let v = e.eval(&row, ctx).filter(|v| !matches!(v, crate::value::Value::Bool(_)));
            row.set_opt(name, v);
        }
        out.push(row);
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        for (name, e) in self.assignments.iter().rev() {
            n.remove(name);
            let mut fields = Vec::new();
            e.fields(&mut fields);
            fields.iter().for_each(|f| n.add(f));
        }
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
    fn literal_and_concatenation() {
        let input = vec![row(&[("dest.workload.name", "api"), ("dest.process.name", "nginx")])];
        let got = run(
            "eval severity=\"high\", key='dest.workload.name' + \":\" + 'dest.process.name' | table key severity",
            input,
        );
        assert_eq!(got, rows(&[&[("key", "api:nginx"), ("severity", "high")]]));
    }

    #[test]
    fn later_assignments_see_earlier_ones_and_null_removes() {
        let input = vec![row(&[("a", "2"), ("gone", "x")])];
        let got = run("eval b=a*3, c=b+1, gone=null()", input);
        assert_eq!(got, rows(&[&[("a", "2"), ("b", "6"), ("c", "7")]]));
    }

    #[test]
    fn boolean_assignment_is_rejected() {
        let ctx = crate::expr::EvalContext::default();
        assert!(crate::plan::Plan::compile_text("eval x = a > 1", &ctx).is_err());
    }
}

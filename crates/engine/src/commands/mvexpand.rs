//! `mvexpand field [limit=N]`: one result per value of a multivalue field.
//!
//! Semantics:
//! - Each value becomes its own result, a copy of the original with the field set to that value,
//!   in the order of the values ([DOC] "Expands the values of a multivalue field into separate
//!   events, one event for each value in the multivalue field"). Duplicate values each give a
//!   result. A single value gives one result, unchanged.
//! - `limit=N` expands only the first N values; `0` (the default) means all ([DOC] "Specify the
//!   number of values of <field> to use for each input event. Default: 0, or no limit").
//! - A result without the field is dropped: it has no values to expand into. Splunk does this
//!   too (Splunk Answers 330237, "Why does mvexpand X remove events with X=NULL?", cited in
//!   remg427/misp42splunk#127); `fillnull` the field first to keep such results.
//! - Internal fields (`_raw`, `_time`, ...) cannot be expanded ([DOC] "The mvexpand command
//!   can't be applied to internal fields") and wildcards are rejected.
//!
//! Examples (run as tests below):
//! - `mvexpand user.groups{}`
//! - `mvexpand limit=2 sourceIPs{}`

use std::any::Any;

use tripline_spl::ast::MvexpandCommand;

use super::Operator;
use super::sort::count_option;
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::Row;
use crate::value::{Text, Value};

/// The compiled `mvexpand` command.
#[derive(Clone, Debug)]
pub(crate) struct Mvexpand {
    field: Text,
    /// `None`: every value.
    limit: Option<usize>,
}

pub(crate) fn compile(m: &MvexpandCommand) -> Result<Box<dyn Operator>, CompileError> {
    if m.field.is_wildcard() {
        return Err(CompileError::new(
            m.field.span,
            "mvexpand takes one field, without wildcards",
        ));
    }
    if m.field.name.starts_with('_') {
        return Err(CompileError::new(
            m.field.span,
            format!("mvexpand cannot expand the internal field `{}`", m.field.name),
        ));
    }
    let limit = count_option(&m.options, "limit")?.unwrap_or(0);
    Ok(Box::new(Mvexpand {
        field: Text::from(m.field.name.as_str()),
        limit: (limit > 0).then(|| usize::try_from(limit).unwrap_or(usize::MAX)),
    }))
}

impl Operator for Mvexpand {
    fn push(&mut self, row: Row, _ctx: &EvalContext, out: &mut Vec<Row>) {
        match row.get(&self.field) {
            None => {}
            Some(Value::Multi(values)) => {
                let values: Vec<Text> = values.iter().take(self.limit.unwrap_or(usize::MAX)).cloned().collect();
                for v in values {
                    let mut r = row.clone();
                    r.set(&self.field, Value::Str(v));
                    out.push(r);
                }
            }
            Some(_) => out.push(row),
        }
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        n.add(&self.field);
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
    fn one_result_per_value() {
        let input = vec![
            row(&[("user", "a"), ("user.groups{}", "system:masters|dev|dev")]),
            row(&[("user", "b"), ("user.groups{}", "ops")]),
            row(&[("user", "c")]),
        ];
        let got = run("mvexpand user.groups{}", input);
        assert_eq!(
            got,
            rows(&[
                &[("user", "a"), ("user.groups{}", "system:masters")],
                &[("user", "a"), ("user.groups{}", "dev")],
                &[("user", "a"), ("user.groups{}", "dev")],
                &[("user", "b"), ("user.groups{}", "ops")],
            ])
        );
    }

    #[test]
    fn limit() {
        let input = vec![row(&[("sourceIPs{}", "1.1.1.1|2.2.2.2|3.3.3.3")])];
        let got = run("mvexpand limit=2 sourceIPs{}", input);
        assert_eq!(
            got,
            rows(&[&[("sourceIPs{}", "1.1.1.1")], &[("sourceIPs{}", "2.2.2.2")]])
        );
    }

    #[test]
    fn internal_fields_are_rejected() {
        let ctx = crate::expr::EvalContext::default();
        assert!(crate::plan::Plan::compile_text("search * | mvexpand _raw", &ctx).is_err());
    }
}

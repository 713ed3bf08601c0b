//! `| makeresults [count=N] [annotate=b]`: generate N results (default 1).
//!
//! A generating command: it must start the search (`| makeresults ...`) and ignores any events
//! pushed into it; its results are produced when the input ends ([`Operator::finish`]).
//!
//! Semantics:
//! - Each result has only `_time`, the time the search started (the caller's clock, whole
//!   seconds) ([DOC] "generates one result with only the _time field").
//! - `annotate=true` adds the documented annotation fields. [DOC] lists `_raw`, `host`, `source`,
//!   `sourcetype` and `splunk_server_group` with the value "None", i.e. null, which Tripline
//!   represents by leaving them out; `splunk_server` ("The name of the server that the makeresults
//!   command is run on") is `tripline`.
//! - `splunk_server=` and `splunk_server_group=` are accepted and ignored (there is one server).
//!   `format=` and `data=` (results from inline CSV or JSON) are not supported.
//!
//! Examples (run as tests below):
//! - `| makeresults`
//! - `| makeresults count=3 annotate=true`

use std::any::Any;

use tripline_spl::ast::OptionArg;

use super::sort::count_option;
use super::{Operator, bool_option, option};
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::{Row, TIME};
use crate::value::Value;

/// The server name `annotate=true` reports.
const SERVER: &str = "tripline";

/// The compiled `makeresults` command.
#[derive(Clone, Debug)]
pub(crate) struct Makeresults {
    count: u64,
    annotate: bool,
}

pub(crate) fn compile(options: &[OptionArg]) -> Result<Box<dyn Operator>, CompileError> {
    for name in ["format", "data"] {
        if let Some(o) = option(options, name) {
            return Err(CompileError::new(
                o.name.span,
                format!("makeresults `{}` is not supported by Tripline", o.name.name),
            ));
        }
    }
    Ok(Box::new(Makeresults {
        count: count_option(options, "count")?.unwrap_or(1),
        annotate: bool_option(options, "annotate", false)?,
    }))
}

impl Operator for Makeresults {
    fn push(&mut self, _row: Row, _ctx: &EvalContext, _out: &mut Vec<Row>) {}

    fn finish(&mut self, ctx: &EvalContext, out: &mut Vec<Row>) {
        let now = ctx.now.floor();
        for seq in 0..self.count {
            let mut row = Row::with_capacity(if self.annotate { 2 } else { 1 });
            row.set(TIME, Value::Num(now));
            if self.annotate {
                row.set("splunk_server", Value::str(SERVER));
            }
            row.seq = seq;
            out.push(row);
        }
    }

    fn is_blocking(&self) -> bool {
        true
    }

    fn needs(&self, _downstream: &Needs) -> Needs {
        Needs::none()
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    /// Nothing to merge: the results depend only on the arguments and the clock.
    fn merge(&mut self, _other: &mut dyn Operator) -> Result<(), String> {
        Ok(())
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::EvalContext;
    use crate::plan::Plan;
    use crate::row::Row;
    use crate::value::Value;

    fn run(spl: &str, events: Vec<Row>) -> Vec<Row> {
        let ctx = EvalContext {
            now: 1_700_000_000.75,
            ..EvalContext::default()
        };
        let mut plan = Plan::compile_text(spl, &ctx).unwrap_or_else(|e| panic!("{spl}: {e:?}"));
        let mut out = Vec::new();
        for e in events {
            plan.push(e, &ctx, &mut out);
        }
        plan.finish(&ctx, &mut out);
        out
    }

    #[test]
    fn one_result_with_time_only() {
        let out = run("| makeresults", vec![]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].iter().count(), 1);
        assert_eq!(out[0].get("_time"), Some(&Value::Num(1_700_000_000.0)));
    }

    #[test]
    fn count_and_annotate() {
        let out = run("| makeresults count=3", vec![]);
        assert_eq!(out.len(), 3);
        assert!(out.iter().all(|r| r.names().eq(["_time"])));
        let out = run("| makeresults count=3 annotate=true", vec![]);
        assert_eq!(out.len(), 3);
        for r in &out {
            assert_eq!(r.names().collect::<Vec<_>>(), ["_time", "splunk_server"]);
        }
    }

    #[test]
    fn feeds_the_rest_of_the_pipeline_and_ignores_events() {
        let mut event = Row::new();
        event.set("x", Value::str("ignored"));
        let out = run(
            "| makeresults count=3 | streamstats count | eval y=count*2 | where y > 2",
            vec![event],
        );
        let ys: Vec<_> = out.iter().map(|r| r.get("y").unwrap().to_text().to_string()).collect();
        assert_eq!(ys, ["4", "6"]);
        assert!(out.iter().all(|r| r.get("x").is_none()));
    }

    #[test]
    fn inline_data_is_rejected() {
        let ctx = EvalContext::default();
        assert!(Plan::compile_text("| makeresults format=csv data=\"a\n1\"", &ctx).is_err());
    }
}

//! SPL commands, one file each. Each file documents the command (summary, arguments, examples
//! that run as tests) and provides a `compile` function turning the parsed command into an
//! [`Operator`].
//!
//! Every command is an [`Operator`]: rows go in with [`Operator::push`]; a streaming command emits
//! its output right away, a blocking one (stats, sort, fillnull without fields...) holds rows and
//! emits in [`Operator::finish`]. Operators also answer the backward field analysis
//! ([`Operator::needs`]).

use std::any::Any;
use std::fmt;

use tripline_spl::ast::{Command, CommandKind, OptionArg};

use crate::CompileError;
use crate::expr::EvalContext;
use crate::limits::LimitReached;
use crate::needs::Needs;
use crate::row::Row;

pub(crate) mod bin;
pub(crate) mod convert;
pub(crate) mod dedup;
pub(crate) mod eval;
pub(crate) mod fields;
pub(crate) mod fillnull;
pub(crate) mod head;
pub(crate) mod iplocation;
pub(crate) mod lookup;
pub(crate) mod makeresults;
pub(crate) mod mvexpand;
pub(crate) mod rename;
pub(crate) mod rex;
pub(crate) mod search;
pub(crate) mod sort;
pub(crate) mod spath;
pub(crate) mod stats;
pub(crate) mod streamstats;
pub(crate) mod table;
pub(crate) mod tail;
pub(crate) mod top;
pub(crate) mod where_;

/// A compiled command.
pub trait Operator: Send + fmt::Debug {
    /// Feed one row; streaming commands push their output rows to `out`.
    fn push(&mut self, row: Row, ctx: &EvalContext, out: &mut Vec<Row>);

    /// End of input: blocking commands emit what they hold.
    fn finish(&mut self, _ctx: &EvalContext, _out: &mut Vec<Row>) {}

    /// Whether the command emits only in [`Operator::finish`].
    fn is_blocking(&self) -> bool {
        false
    }

    /// Whether the result depends on the order of the input rows (`head`, `dedup`, ...). Before
    /// such a command, events are put in Splunk's search order: newest first.
    fn needs_time_order(&self) -> bool {
        false
    }

    /// The fields this command reads from its input, given what the commands after it need.
    fn needs(&self, downstream: &Needs) -> Needs;

    /// Literals every row this command passes must contain in its text (see
    /// [`crate::search::Predicate::required_literals`]); only `search` has any.
    fn required_literals(&self) -> Vec<Vec<crate::value::Text>> {
        Vec::new()
    }

    /// The values a metadata field of every row this command passes must have (see
    /// [`crate::search::Predicate::required_values`]); only `search` knows any.
    fn required_values(&self, _field: &str) -> Option<Vec<crate::value::Text>> {
        None
    }

    /// For merging partial states (`stats`, `eventstats`, `dedup`): the state as `Any`.
    fn as_any_mut(&mut self) -> &mut dyn Any;

    /// Fold another instance's state (built from other rows) into this one, so that partial
    /// results over parts of the data combine into the result over all of it.
    ///
    /// # Errors
    /// The command's state cannot be merged.
    fn merge(&mut self, _other: &mut dyn Operator) -> Result<(), String> {
        Err("this command's state cannot be merged".into())
    }

    /// A fresh instance with the same arguments and empty state (for parallel partial runs).
    fn fresh(&self) -> Box<dyn Operator>;

    /// Whether the command reads [`EvalContext::geoip`] (`iplocation`), so a caller without a
    /// database can warn instead of silently adding no fields.
    fn requires_geoip(&self) -> bool {
        false
    }

    /// Whether the command reached its bound on groups ([`crate::limits::Limits`]) and left rows
    /// out, so far (after [`Operator::finish`] too). The position is left for the plan to fill.
    fn limit_reached(&self) -> Option<LimitReached> {
        None
    }
}

/// Compile one parsed command.
///
/// # Errors
/// Commands or arguments Tripline cannot run.
pub fn compile(cmd: &Command, ctx: &EvalContext) -> Result<Box<dyn Operator>, CompileError> {
    match &cmd.kind {
        CommandKind::Search(e) => search::compile(e.as_ref(), ctx),
        CommandKind::Where(e) => where_::compile(e),
        CommandKind::Eval(assignments) => eval::compile(assignments),
        CommandKind::Stats(s) => stats::compile(s, stats::Mode::Stats, ctx),
        CommandKind::Eventstats(s) => stats::compile(s, stats::Mode::Eventstats, ctx),
        CommandKind::Rename(pairs) => rename::compile(pairs),
        CommandKind::Spath(s) => spath::compile(s),
        CommandKind::Rex(r) => rex::compile(r),
        CommandKind::Lookup(l) => lookup::compile(l, ctx),
        CommandKind::Fillnull(f) => fillnull::compile(f),
        CommandKind::Iplocation(c) => iplocation::compile(c),
        CommandKind::Table(fields) => table::compile(fields),
        CommandKind::Fields(f) => fields::compile(f),
        CommandKind::Dedup(d) => dedup::compile(d),
        CommandKind::Sort(s) => sort::compile(s),
        CommandKind::Head(h) => head::compile(h),
        CommandKind::Tail(t) => tail::compile(t),
        CommandKind::Top(t) => top::compile(t, false, ctx),
        CommandKind::Rare(t) => top::compile(t, true, ctx),
        CommandKind::Streamstats(s) => streamstats::compile(s),
        CommandKind::Mvexpand(m) => mvexpand::compile(m),
        CommandKind::Makeresults(options) => makeresults::compile(options),
        CommandKind::Bin(b) => bin::compile(b),
        CommandKind::Convert(c) => convert::compile(c),
        CommandKind::Invalid(_) => Err(CompileError::new(cmd.span, "the command did not parse")),
        _ => Err(CompileError::new(
            cmd.name.span.to(cmd.span),
            format!(
                "the `{}` command is not supported by Tripline's engine yet",
                cmd.name.name
            ),
        )),
    }
}

/// The value of option `name` (case-insensitive), if given.
pub(crate) fn option<'a>(options: &'a [OptionArg], name: &str) -> Option<&'a OptionArg> {
    options.iter().rev().find(|o| o.name.name.eq_ignore_ascii_case(name))
}

/// A boolean option (Splunk accepts true/false, t/f, 1/0, yes/no).
pub(crate) fn bool_option(options: &[OptionArg], name: &str, default: bool) -> Result<bool, CompileError> {
    match option(options, name) {
        None => Ok(default),
        Some(o) => match o.value.value.to_ascii_lowercase().as_str() {
            "true" | "t" | "1" | "yes" | "y" => Ok(true),
            "false" | "f" | "0" | "no" | "n" => Ok(false),
            _ => Err(CompileError::new(
                o.value.span,
                format!("`{}` must be true or false", o.name.name),
            )),
        },
    }
}

/// Test helpers: run a pipeline over rows and compare.
#[cfg(test)]
pub(crate) mod testing {
    use crate::expr::EvalContext;
    use crate::plan::Plan;
    use crate::row::Row;
    use crate::value::Value;

    /// A row from `name=value` pairs; a value `a|b` becomes a multivalue.
    pub(crate) fn row(fields: &[(&str, &str)]) -> Row {
        let mut r = Row::new();
        for (k, v) in fields {
            if *k == "_time" {
                r.set(k, Value::Num(v.parse().unwrap()));
                continue;
            }
            for part in v.split('|') {
                r.push_value(k, part);
            }
        }
        r
    }

    /// Run `spl` (after an implicit `search *`, so it may start with any command) over `rows` and
    /// render each result as `name=value` pairs in field order.
    pub(crate) fn run(spl: &str, rows: Vec<Row>) -> Vec<Vec<(String, String)>> {
        run_in(spl, rows, &EvalContext::default())
    }

    /// [`run`] with a given context (clock, GeoIP database, lookups).
    pub(crate) fn run_in(spl: &str, rows: Vec<Row>, ctx: &EvalContext) -> Vec<Vec<(String, String)>> {
        let spl = if spl.starts_with("search") {
            spl.to_string()
        } else {
            format!("search * | {spl}")
        };
        let mut plan = Plan::compile_text(&spl, ctx).unwrap_or_else(|e| panic!("{spl}: {e:?}"));
        let mut out = Vec::new();
        for (i, mut r) in rows.into_iter().enumerate() {
            r.seq = i as u64;
            plan.push(r, ctx, &mut out);
        }
        plan.finish(ctx, &mut out);
        out.iter().map(render).collect()
    }

    /// A row as `name=value` pairs, multivalues joined with `|`.
    pub(crate) fn render(r: &Row) -> Vec<(String, String)> {
        r.iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::Multi(vs) => vs.join("|"),
                    other => other.to_text().to_string(),
                };
                (k.to_string(), text)
            })
            .collect()
    }

    /// Shorthand for expected rows.
    pub(crate) fn rows(expected: &[&[(&str, &str)]]) -> Vec<Vec<(String, String)>> {
        expected
            .iter()
            .map(|r| r.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect())
            .collect()
    }
}

//! Plans: a compiled search, ready to run over events.
//!
//! A [`Plan`] is the pipeline's operators plus what the compiler learned about it: the fields the
//! first command needs (the event parser's projection), where the streaming prefix ends, and
//! whether events must be put in search order (newest first) before an order-sensitive command.
//! [`Plan::push`] and [`Plan::finish`] make a batch executor: rows flow through the streaming
//! prefix as they arrive; blocking commands emit at the end.

use tripline_spl::ast::Query;

use crate::CompileError;
use crate::commands::{self, Operator};
use crate::expr::EvalContext;
use crate::limits::LimitReached;
use crate::needs::Needs;
use crate::row::{Row, TIME, sort_newest_first};

/// A compiled search.
#[derive(Debug)]
pub struct Plan {
    ops: Vec<Box<dyn Operator>>,
    /// Index of the operator before which rows are buffered and sorted newest first.
    order_at: Option<usize>,
    buffer: Vec<Row>,
    needs: Needs,
}

impl Plan {
    /// Compile a parsed (macro-expanded) search.
    ///
    /// # Errors
    /// Commands or arguments the engine cannot run, with the span of the offending text.
    pub fn compile(query: &Query, ctx: &EvalContext) -> Result<Plan, CompileError> {
        let pipeline = &query.pipeline;
        let mut ops = Vec::with_capacity(pipeline.commands.len());
        for cmd in &pipeline.commands {
            ops.push(commands::compile(cmd, ctx)?);
        }
        Ok(Plan::from_operators(ops))
    }

    /// Parse and compile SPL text that needs no macros (tests, ad-hoc searches).
    ///
    /// # Errors
    /// A parse error (the first one) or a compile error.
    pub fn compile_text(spl: &str, ctx: &EvalContext) -> Result<Plan, CompileError> {
        let out = tripline_spl::parse(spl);
        if let Some(d) = out.diagnostics.iter().find(|d| d.is_error()) {
            return Err(CompileError::new(d.span, d.message.clone()));
        }
        Plan::compile(&out.query, ctx)
    }

    fn from_operators(ops: Vec<Box<dyn Operator>>) -> Plan {
        let mut order_at = None;
        for (i, op) in ops.iter().enumerate() {
            if op.needs_time_order() {
                order_at = Some(i);
                break;
            }
            if op.is_blocking() {
                break;
            }
        }
        let mut needs = Needs::all();
        for op in ops.iter().rev() {
            needs = op.needs(&needs);
        }
        needs.add(TIME);
        Plan {
            ops,
            order_at,
            buffer: Vec::new(),
            needs,
        }
    }

    /// The fields the first command reads: what to extract from each event.
    #[must_use]
    pub fn needs(&self) -> &Needs {
        &self.needs
    }

    /// Literals every event the search can match must contain in its text, from its first
    /// command: clauses that must all hold, each satisfied by any one of its literals, compared
    /// case-insensitively. A prefilter may skip lines that fail them without parsing (but must
    /// parse lines with `\u` escapes, which can spell a literal without containing it).
    #[must_use]
    pub fn required_literals(&self) -> Vec<Vec<crate::value::Text>> {
        self.ops.first().map(|op| op.required_literals()).unwrap_or_default()
    }

    /// The values a metadata field (`source`, `sourcetype`, ...) must have for an event to get
    /// past the first command (lowercased), or `None` when it does not pin the field.
    #[must_use]
    pub fn required_values(&self, field: &str) -> Option<Vec<crate::value::Text>> {
        self.ops.first().and_then(|op| op.required_values(field))
    }

    /// The index of the first blocking command (the end of the streaming prefix), if any.
    #[must_use]
    pub fn streaming_prefix_len(&self) -> usize {
        self.ops
            .iter()
            .position(|op| op.is_blocking())
            .unwrap_or(self.ops.len())
    }

    /// The number of leading commands that take each row on its own: those before the first
    /// command that is blocking or needs its input in time order (all of them when none does).
    ///
    /// What these commands make of a row depends on that row alone, so running them once per
    /// event and the rest of the plan over any subset of their output (in arrival order) gives
    /// what the whole plan gives over that subset's events. Windows that overlap rely on this:
    /// they keep the output of this prefix and run the rest once per window (see
    /// [`Plan::split_at`]).
    #[must_use]
    pub fn row_local_len(&self) -> usize {
        self.ops
            .iter()
            .position(|op| op.is_blocking() || op.needs_time_order())
            .unwrap_or(self.ops.len())
    }

    /// Two plans with empty state: the first `at` commands and the rest (`at` is clamped to the
    /// number of commands). Pushing rows through the first and its output through the second
    /// runs this plan, when `at` is at most [`Plan::row_local_len`].
    #[must_use]
    pub fn split_at(&self, at: usize) -> (Plan, Plan) {
        let at = at.min(self.ops.len());
        let head = self.ops[..at].iter().map(|op| op.fresh()).collect();
        let tail = self.ops[at..].iter().map(|op| op.fresh()).collect();
        (Plan::from_operators(head), Plan::from_operators(tail))
    }

    /// Whether a command reads the GeoIP database (`iplocation`). Without
    /// [`EvalContext::geoip`] such a plan still runs, adding no location fields (as for private
    /// addresses), so callers should warn when this is true and no database is configured.
    #[must_use]
    pub fn requires_geoip(&self) -> bool {
        self.ops.iter().any(|op| op.requires_geoip())
    }

    /// The commands that reached their bound on groups ([`crate::limits::Limits`]) and left rows
    /// out, one report each, in pipeline order. Complete after [`Plan::finish`] (and, for the
    /// first blocking command, after [`Plan::merge`] too).
    #[must_use]
    pub fn limits_reached(&self) -> Vec<LimitReached> {
        self.ops
            .iter()
            .enumerate()
            .filter_map(|(position, op)| {
                op.limit_reached().map(|mut r| {
                    r.position = position;
                    r
                })
            })
            .collect()
    }

    /// The operators, in order.
    #[must_use]
    pub fn operators(&self) -> &[Box<dyn Operator>] {
        &self.ops
    }

    /// Mutable access to the operators (for merging partial states).
    pub fn operators_mut(&mut self) -> &mut [Box<dyn Operator>] {
        &mut self.ops
    }

    /// A copy of this plan with empty state, for running a part of the input elsewhere.
    #[must_use]
    pub fn fresh(&self) -> Plan {
        Plan {
            ops: self.ops.iter().map(|op| op.fresh()).collect(),
            order_at: self.order_at,
            buffer: Vec::new(),
            needs: self.needs.clone(),
        }
    }

    /// Feed one event; results that are final already (a pipeline without blocking commands)
    /// are appended to `out`.
    pub fn push(&mut self, row: Row, ctx: &EvalContext, out: &mut Vec<Row>) {
        self.feed(0, row, ctx, out);
    }

    /// End of input: run the blocking commands and append the remaining results to `out`.
    pub fn finish(&mut self, ctx: &EvalContext, out: &mut Vec<Row>) {
        for i in 0..self.ops.len() {
            if self.order_at == Some(i) {
                let mut rows = std::mem::take(&mut self.buffer);
                sort_newest_first(&mut rows);
                self.order_at = None;
                for r in rows {
                    self.feed(i, r, ctx, out);
                }
            }
            let mut emitted = Vec::new();
            self.ops[i].finish(ctx, &mut emitted);
            for r in emitted {
                self.feed(i + 1, r, ctx, out);
            }
        }
    }

    fn feed(&mut self, start: usize, row: Row, ctx: &EvalContext, out: &mut Vec<Row>) {
        if start == self.ops.len() {
            out.push(row);
            return;
        }
        if self.order_at == Some(start) {
            self.buffer.push(row);
            return;
        }
        let mut emitted = Vec::new();
        self.ops[start].push(row, ctx, &mut emitted);
        for r in emitted {
            self.feed(start + 1, r, ctx, out);
        }
    }

    /// Merge the state of `other` (the same plan run over other events) into this one. Only
    /// valid before [`Plan::finish`], and only for plans whose streaming prefix ends in a
    /// mergeable command (`stats`, `eventstats`, `dedup`) or that have no blocking command.
    ///
    /// # Errors
    /// The first blocking command cannot merge.
    pub fn merge(&mut self, other: &mut Plan) -> Result<(), String> {
        let i = self.streaming_prefix_len();
        if self.order_at.is_some() {
            self.buffer.append(&mut other.buffer);
            return Ok(());
        }
        if i == self.ops.len() {
            return Ok(());
        }
        self.ops[i].merge(other.ops[i].as_mut())
    }
}

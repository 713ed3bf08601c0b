//! Running many detections over one stream of events: [`RuleSet`].
//!
//! `tripline hunt` reads its inputs once whatever the number of rules, so every rule sees the
//! same events in one pass. A `RuleSet` holds each runnable detection's compiled plan and the
//! union of the fields they read (what the event parser must extract); it hands each event's row
//! to every plan and, at the end, turns each plan's results into [`Finding`]s. Detections that
//! cannot run — a search with errors, a command the engine does not implement — are kept aside
//! as [`Skipped`] with the diagnostics that explain why, so the caller can say so rather than
//! silently run fewer rules.

use tripline_engine::expr::EvalContext;
use tripline_engine::needs::Needs;
use tripline_engine::plan::Plan;
use tripline_engine::row::{Row, TIME};
use tripline_engine::value::Value;
use tripline_spl::{Code, Diagnostic, ExpandOptions, MacroTable, analyze};

use crate::{Detection, Finding};

/// A detection that will not run, and why.
#[derive(Debug)]
#[non_exhaustive]
pub struct Skipped {
    /// The detection.
    pub detection: Detection,
    /// The errors (and any warnings) of its search, mapped to the search text as written (so
    /// they can be shown against the detection's file with its [`crate::SearchSource`]).
    pub diagnostics: Vec<Diagnostic>,
}

impl Skipped {
    /// A one-line reason: the first error's message.
    #[must_use]
    pub fn reason(&self) -> &str {
        self.diagnostics
            .iter()
            .find(|d| d.is_error())
            .map_or("the search cannot run", |d| d.message.as_str())
    }
}

/// One compiled detection and the results it has produced so far.
#[derive(Debug)]
struct Compiled {
    detection: Detection,
    plan: Plan,
    /// Warnings from analysing the search (the rule still runs).
    warnings: Vec<Diagnostic>,
    results: Vec<Row>,
}

/// The results of one detection after a run.
#[derive(Debug)]
#[non_exhaustive]
pub struct RuleOutcome {
    /// The detection.
    pub detection: Detection,
    /// Its search's result rows, in the order the search produced them.
    pub rows: Vec<Row>,
    /// One finding per row, in the same order.
    pub findings: Vec<Finding>,
    /// Warnings from analysing the search.
    pub warnings: Vec<Diagnostic>,
}

/// Runnable detections with their compiled plans, fed one event at a time.
///
/// ```
/// # use tripline_content::{RuleSet, builtin_content};
/// # use tripline_engine::expr::EvalContext;
/// let content = builtin_content();
/// let ctx = EvalContext::default();
/// let set = RuleSet::compile(content.detections.clone(), &content.macros, &ctx);
/// assert!(set.skipped().is_empty());
/// assert!(!set.is_empty());
/// ```
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Compiled>,
    skipped: Vec<Skipped>,
    needs: Needs,
    /// Earliest and latest event time pushed, for findings whose rows carry no time.
    span: Option<(f64, f64)>,
}

impl RuleSet {
    /// Expand, parse and compile each detection's search with `macros` (a missing
    /// `<name>_filter` macro is an empty filter, as contentctl generates it). `ctx` provides the
    /// lookups the searches may use; its clock and GeoIP database are those of the run.
    ///
    /// Detections whose search has errors or cannot be compiled are [`RuleSet::skipped`];
    /// the others run in the order given.
    #[must_use]
    pub fn compile(detections: Vec<Detection>, macros: &MacroTable, ctx: &EvalContext) -> RuleSet {
        let mut rules = Vec::new();
        let mut skipped = Vec::new();
        let mut needs = Needs::none();
        for detection in detections {
            let analysis = analyze(&detection.search.text, macros, &ExpandOptions::default());
            if analysis.has_errors() {
                skipped.push(Skipped {
                    detection,
                    diagnostics: analysis.diagnostics,
                });
                continue;
            }
            match Plan::compile(&analysis.parse.query, ctx) {
                Ok(plan) => {
                    needs.extend(plan.needs());
                    rules.push(Compiled {
                        detection,
                        plan,
                        warnings: analysis.diagnostics,
                        results: Vec::new(),
                    });
                }
                Err(e) => {
                    let d = analysis.expansion.map_diagnostic(
                        Diagnostic::error(Code::UnsupportedCommand, e.span, e.message.clone())
                            .with_primary_label("Tripline cannot run this"),
                    );
                    let mut diagnostics = analysis.diagnostics;
                    diagnostics.push(d);
                    skipped.push(Skipped { detection, diagnostics });
                }
            }
        }
        RuleSet {
            rules,
            skipped,
            needs,
            span: None,
        }
    }

    /// The fields any rule reads from an event: what the event parser must extract.
    #[must_use]
    pub fn needs(&self) -> &Needs {
        &self.needs
    }

    /// Whether any rule geolocates addresses (`iplocation`).
    #[must_use]
    pub fn requires_geoip(&self) -> bool {
        self.rules.iter().any(|r| r.plan.requires_geoip())
    }

    /// The detections that geolocate addresses, in order.
    pub fn geolocating(&self) -> impl Iterator<Item = &Detection> {
        self.rules
            .iter()
            .filter(|r| r.plan.requires_geoip())
            .map(|r| &r.detection)
    }

    /// The detections that will run, in order.
    pub fn detections(&self) -> impl Iterator<Item = &Detection> {
        self.rules.iter().map(|r| &r.detection)
    }

    /// How many detections will run.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether no detection will run.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The detections that cannot run, with why.
    #[must_use]
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// Give one event's row to every rule. The row must hold at least [`RuleSet::needs`].
    pub fn push(&mut self, row: Row, ctx: &EvalContext) {
        if let Some(Value::Num(t)) = row.get(TIME) {
            let t = *t;
            self.span = Some(self.span.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
        }
        // Each plan owns the rows it is given; the last one takes the original.
        if let Some((last, rest)) = self.rules.split_last_mut() {
            for rule in rest {
                rule.plan.push(row.clone(), ctx, &mut rule.results);
            }
            last.plan.push(row, ctx, &mut last.results);
        }
    }

    /// The earliest and latest event time seen so far.
    #[must_use]
    pub fn time_span(&self) -> Option<(f64, f64)> {
        self.span
    }

    /// End the run: finish every plan and make the findings, one [`RuleOutcome`] per rule in
    /// order (rules without results included).
    #[must_use]
    pub fn finish(self, ctx: &EvalContext) -> Vec<RuleOutcome> {
        let span = self.span;
        self.rules
            .into_iter()
            .map(|mut rule| {
                rule.plan.finish(ctx, &mut rule.results);
                let findings = rule
                    .results
                    .iter()
                    .map(|row| Finding::new(&rule.detection, row, span))
                    .collect();
                RuleOutcome {
                    detection: rule.detection,
                    rows: rule.results,
                    findings,
                    warnings: rule.warnings,
                }
            })
            .collect()
    }
}

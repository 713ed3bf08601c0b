//! Running many detections over one stream of events: [`RuleSet`].
//!
//! `tripline hunt` reads its inputs once whatever the number of rules, so every rule sees the
//! same events in one pass. A `RuleSet` holds each runnable detection's compiled plan and the
//! union of the fields they read (what the event parser must extract); it hands each event's row
//! to every plan and, at the end, turns each plan's results into [`Finding`]s. Detections that
//! cannot run — a search with errors, a command the engine does not implement — are kept aside
//! as [`Skipped`] with the diagnostics that explain why, so the caller can say so rather than
//! silently run fewer rules.
//!
//! **Prefilter.** Most events of a busy cluster can match no rule: each rule's first command
//! names literals every matching event must contain ([`Plan::required_literals`]). One
//! Aho-Corasick pass over an event's text finds which of all rules' literals occur, and
//! [`RuleSet::select`] says which rules can match before any JSON is parsed; an event no rule can
//! match need not be parsed at all. Matching ignores ASCII case, as `search` does. Text with a
//! `\u` escape selects every rule, since an escape can spell a literal the text does not contain.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use tripline_engine::event::Metadata;
use tripline_engine::expr::EvalContext;
use tripline_engine::limits::LimitReached;
use tripline_engine::needs::Needs;
use tripline_engine::plan::Plan;
use tripline_engine::row::{Row, TIME};
use tripline_engine::value::{Text, Value};
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
pub(crate) struct Compiled {
    pub(crate) detection: Detection,
    pub(crate) plan: Plan,
    /// Warnings from analysing the search (the rule still runs).
    warnings: Vec<Diagnostic>,
    pub(crate) results: Vec<Row>,
    /// The rule's own window in a service ([`crate::window`]); batch runs ignore it.
    pub(crate) window: Option<crate::window::RuleWindow>,
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
    /// The search's commands that reached their bound on groups
    /// ([`EvalContext::limits`](tripline_engine::expr::EvalContext::limits)) and left rows out,
    /// one each: the rule's results are incomplete, and the caller should say so.
    pub limits_reached: Vec<LimitReached>,
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
    pub(crate) rules: Vec<Compiled>,
    skipped: Vec<Skipped>,
    needs: Needs,
    /// Earliest and latest event time pushed, for findings whose rows carry no time.
    span: Option<(f64, f64)>,
    prefilter: Prefilter,
    /// Whether other sets' results were merged in, so results must be put back in event order.
    merged: bool,
}

/// Which rules of a [`RuleSet`] can match an event, from the literals in its text: a cheap,
/// shareable copy of the set's prefilter ([`RuleSet::prefilter`]) for threads that only need to
/// decide what is worth keeping (serve's request handlers, before the write-ahead log).
#[derive(Clone, Debug)]
pub struct Prefilter {
    /// Every distinct literal of every rule, then [`ESCAPE`] as the last pattern, so one pass
    /// finds both; `None` when no rule has a literal.
    matcher: Option<AhoCorasick>,
    /// Per rule: clauses that must all hold, each a list of literal ids any one of which does.
    /// A rule without clauses can match any event.
    clauses: Vec<Vec<Vec<usize>>>,
    /// Per rule: the values `source` and `sourcetype` must have to get past its first command
    /// (lowercased); `None`: any. Checked before the text is scanned.
    gates: Vec<[Option<Vec<Text>>; 2]>,
}

/// A JSON `\u` escape, which can spell a literal the text does not contain: text with one selects
/// every rule. (Matching ignores case, so `\U` counts too, which only selects more.)
const ESCAPE: &str = "\\u";

impl Prefilter {
    /// As [`RuleSet::select`]: which rules can match an event with this text; whether any can.
    pub fn select_into(&self, text: &str, selection: &mut Selection) -> bool {
        self.select(text, None, selection)
    }

    /// As [`RuleSet::select_event`]: which rules can match an event with this text and
    /// metadata; whether any can.
    pub fn select_event(&self, text: &str, meta: &Metadata, selection: &mut Selection) -> bool {
        self.select(text, Some(meta), selection)
    }

    fn new(plans: &[&Plan]) -> Prefilter {
        let mut literals: Vec<String> = Vec::new();
        let mut clauses = Vec::with_capacity(plans.len());
        for plan in plans {
            let rule: Vec<Vec<usize>> = plan
                .required_literals()
                .into_iter()
                .map(|clause| {
                    clause
                        .iter()
                        .map(|lit| {
                            let lit = lit.to_ascii_lowercase().to_string();
                            match literals.iter().position(|l| *l == lit) {
                                Some(i) => i,
                                None => {
                                    literals.push(lit);
                                    literals.len() - 1
                                }
                            }
                        })
                        .collect()
                })
                .collect();
            clauses.push(rule);
        }
        let matcher = if literals.is_empty() {
            None
        } else {
            literals.push(ESCAPE.to_owned());
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                // A DFA: every event is scanned in full (overlapping search), so the cost per
                // byte matters far more than the automaton's size (a few hundred literals).
                .kind(Some(AhoCorasickKind::DFA))
                .build(&literals)
                .ok()
        };
        // Without a matcher (none built), every rule is a candidate for every event.
        if matcher.is_none() {
            clauses.iter_mut().for_each(Vec::clear);
        }
        let gates = plans
            .iter()
            .map(|p| [p.required_values("source"), p.required_values("sourcetype")])
            .collect();
        Prefilter {
            matcher,
            clauses,
            gates,
        }
    }

    /// Set `selected[i]` for each rule that can match an event with this text (and, when given,
    /// this metadata); whether any can.
    fn select(&self, text: &str, meta: Option<&Metadata>, selection: &mut Selection) -> bool {
        let n = self.clauses.len();
        let Selection {
            selected,
            found,
            gate_key,
            gate,
        } = selection;
        selected.clear();
        match meta {
            None => {
                gate.clear();
                gate.resize(n, true);
                *gate_key = None;
            }
            Some(m) => {
                // Consecutive events nearly always share their source and sourcetype.
                let same = gate_key
                    .as_ref()
                    .is_some_and(|(s, t)| *s == m.source && *t == m.sourcetype);
                if !same || gate.len() != n {
                    gate.clear();
                    gate.extend(
                        self.gates
                            .iter()
                            .map(|g| admits(g[0].as_deref(), &m.source) && admits(g[1].as_deref(), &m.sourcetype)),
                    );
                    *gate_key = Some((m.source.clone(), m.sourcetype.clone()));
                }
                if !gate.iter().any(|&g| g) {
                    // No rule takes events from here: not even worth scanning.
                    selected.resize(n, false);
                    return false;
                }
            }
        }
        let everything = |selected: &mut Vec<bool>, gate: &[bool]| {
            selected.extend_from_slice(gate);
            gate.iter().any(|&g| g)
        };
        let Some(matcher) = &self.matcher else {
            return everything(selected, gate);
        };
        let escape = matcher.patterns_len() - 1;
        found.clear();
        found.resize(matcher.patterns_len(), false);
        for m in matcher.find_overlapping_iter(text) {
            found[m.pattern().as_usize()] = true;
        }
        if found[escape] {
            return everything(selected, gate);
        }
        let mut any = false;
        for (rule, &open) in self.clauses.iter().zip(gate.iter()) {
            let ok = open && rule.iter().all(|clause| clause.iter().any(|&i| found[i]));
            any |= ok;
            selected.push(ok);
        }
        any
    }
}

/// Whether a metadata value is one of the values a rule requires (`None`: any value).
fn admits(required: Option<&[Text]>, value: &str) -> bool {
    required.is_none_or(|values| values.iter().any(|v| v.eq_ignore_ascii_case(value)))
}

/// Scratch space for [`RuleSet::select`], reused from one event to the next.
#[derive(Debug, Default)]
pub struct Selection {
    selected: Vec<bool>,
    found: Vec<bool>,
    /// The (source, sourcetype) the metadata gate below was computed for.
    gate_key: Option<(Text, Text)>,
    /// Per rule: whether the event's metadata allows it.
    gate: Vec<bool>,
}

impl Selection {
    /// Whether rule `i` (in [`RuleSet::detections`] order) was selected.
    #[must_use]
    pub fn contains(&self, i: usize) -> bool {
        self.selected.get(i).copied().unwrap_or(false)
    }
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
                        window: None,
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
        let plans: Vec<&Plan> = rules.iter().map(|r| &r.plan).collect();
        let prefilter = Prefilter::new(&plans);
        RuleSet {
            rules,
            skipped,
            needs,
            span: None,
            prefilter,
            merged: false,
        }
    }

    /// Which rules can match an event with this text (its `_raw`), into `selection`; whether
    /// any can. An event no rule can match need not be parsed: [`RuleSet::push_selected`] with
    /// it would change nothing.
    pub fn select(&self, text: &str, selection: &mut Selection) -> bool {
        self.prefilter.select_into(text, selection)
    }

    /// As [`RuleSet::select`], and also by the event's metadata: a rule whose first command
    /// requires a `source` or `sourcetype` the event does not have is left out before the text
    /// is scanned (the metadata is what the row's fields will be: it wins over JSON keys).
    pub fn select_event(&self, text: &str, meta: &Metadata, selection: &mut Selection) -> bool {
        self.prefilter.select_event(text, meta, selection)
    }

    /// The set's prefilter, to decide on another thread which events any rule can match.
    #[must_use]
    pub fn prefilter(&self) -> &Prefilter {
        &self.prefilter
    }

    /// Give one event's row to the rules `selection` holds (from [`RuleSet::select`] over the
    /// same event's text). Rules left out could not have matched it.
    ///
    /// Unlike [`RuleSet::push`], this does not note the event's time: call
    /// [`RuleSet::observe_time`] for every event read, selected or not, so the run's time span
    /// does not depend on the prefilter.
    pub fn push_selected(&mut self, row: Row, selection: &Selection, ctx: &EvalContext) {
        let last = (0..self.rules.len()).rev().find(|&i| selection.contains(i));
        let Some(last) = last else { return };
        for (i, rule) in self.rules.iter_mut().enumerate().take(last) {
            if selection.contains(i) {
                rule.plan.push(row.clone(), ctx, &mut rule.results);
            }
        }
        let rule = &mut self.rules[last];
        rule.plan.push(row, ctx, &mut rule.results);
    }

    /// Count an event's time in the run's time span (what findings without a time of their own
    /// report).
    pub fn observe_time(&mut self, t: f64) {
        self.span = Some(self.span.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
    }

    fn note_time(&mut self, row: &Row) {
        if let Some(Value::Num(t)) = row.get(TIME) {
            self.observe_time(*t);
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
        self.note_time(&row);
        // Each plan owns the rows it is given; the last one takes the original.
        if let Some((last, rest)) = self.rules.split_last_mut() {
            for rule in rest {
                rule.plan.push(row.clone(), ctx, &mut rule.results);
            }
            last.plan.push(row, ctx, &mut last.results);
        }
    }

    /// Whether the set can be split: [`RuleSet::fork`] copies run over other events and
    /// [`RuleSet::absorb`] merges them back, with the result of one pass. True when every rule's
    /// first blocking command can merge partial states (`stats`, `eventstats`, `dedup`,
    /// `fillnull`, `top`, `rare`) or the rule has none.
    #[must_use]
    pub fn can_fork(&self) -> bool {
        self.rules
            .iter()
            .all(|r| r.plan.fresh().merge(&mut r.plan.fresh()).is_ok())
    }

    /// A copy with the same rules (and their [`RuleSet::window`]s) and empty state, to run over
    /// another part of the events (another thread). Rows must be numbered across all parts in event order
    /// (`EventBuilder::set_next_seq`).
    #[must_use]
    pub fn fork(&self) -> RuleSet {
        RuleSet {
            rules: self
                .rules
                .iter()
                .map(|r| Compiled {
                    detection: r.detection.clone(),
                    plan: r.plan.fresh(),
                    warnings: r.warnings.clone(),
                    results: Vec::new(),
                    window: r.window,
                })
                .collect(),
            skipped: Vec::new(),
            needs: self.needs.clone(),
            span: None,
            prefilter: self.prefilter.clone(),
            merged: false,
        }
    }

    /// Merge a [`RuleSet::fork`] that ran over other events into this one.
    ///
    /// # Errors
    /// A rule's state cannot be merged (see [`RuleSet::can_fork`]).
    pub fn absorb(&mut self, mut other: RuleSet) -> Result<(), String> {
        for (mine, theirs) in self.rules.iter_mut().zip(&mut other.rules) {
            mine.plan
                .merge(&mut theirs.plan)
                .map_err(|e| format!("{}: {e}", mine.detection.name))?;
            mine.results.append(&mut theirs.results);
        }
        if let Some((lo, hi)) = other.span {
            self.observe_time(lo);
            self.observe_time(hi);
        }
        self.merged = true;
        Ok(())
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
                if self.merged {
                    // Rows that streamed out of several parts go back to event order.
                    rule.results.sort_by_key(|r| r.seq);
                }
                rule.plan.finish(ctx, &mut rule.results);
                let findings = rule
                    .results
                    .iter()
                    .map(|row| Finding::new(&rule.detection, row, span))
                    .collect();
                RuleOutcome {
                    limits_reached: rule.plan.limits_reached(),
                    detection: rule.detection,
                    rows: rule.results,
                    findings,
                    warnings: rule.warnings,
                }
            })
            .collect()
    }
}

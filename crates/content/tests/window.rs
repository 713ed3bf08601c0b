//! Windows per rule and the horizon of a `WindowedRuleSet`, through its public API: a rule's own
//! window applies to that rule only, and no event below the horizon can change a finding (it is
//! counted late), whatever the order of events, the windows and the idle flushes.

use std::path::Path;

use proptest::prelude::*;
use tripline_content::window::{RuleWindow, WindowOptions, WindowedRuleSet};
use tripline_content::{Detection, Finding, RuleSet, Selection, load_detection};
use tripline_engine::expr::EvalContext;
use tripline_engine::row::Row;
use tripline_engine::value::Value;

/// A detection with this search; its entity is `src_ip`.
fn detection(i: usize, search: &str) -> Detection {
    let text = format!(
        "name: Rule {i}\n\
         id: 7b1f3c52-2a9e-4d61-8c0b-5e4f6a7d8c{i:02}\n\
         version: 1\n\
         status: production\n\
         type: Anomaly\n\
         description: A test rule.\n\
         data_source: [Kubernetes Audit]\n\
         search: '{search}'\n\
         intermediate_findings:\n  entities:\n  - field: src_ip\n    type: system\n    score: 20\n    \
         message: $src_ip$ seen\n\
         mitre_attack_id: [T1046]\n"
    );
    load_detection(Path::new(&format!("rule_{i}.yml")), &text).expect("test detection loads")
}

/// Rule 0 and 1 count per source, 2 keeps the newest event per source, 3 raises at once.
fn rule_set(windows: [Option<RuleWindow>; 3]) -> RuleSet {
    let detections = [
        "search * | stats count BY src_ip",
        "search * | stats count min(_time) as firstTime max(_time) as lastTime BY src_ip",
        "search * | dedup src_ip | table _time src_ip",
        "search * | table _time src_ip",
    ]
    .iter()
    .enumerate()
    .map(|(i, s)| detection(i, s))
    .collect();
    let mut set = RuleSet::compile(
        detections,
        &tripline_spl::MacroTable::default(),
        &EvalContext::default(),
    );
    assert_eq!(set.len(), 4);
    for (i, w) in windows.into_iter().enumerate() {
        assert!(set.set_window(i, w));
    }
    set
}

fn row(time: f64, ip: u8) -> (String, Row) {
    let mut row = Row::new();
    row.set("_time", Value::Num(time));
    row.set("src_ip", Value::str(&format!("10.0.0.{ip}")));
    (format!(r#"{{"src_ip":"10.0.0.{ip}"}}"#), row)
}

/// Observe and push one event; the findings it closed or raised.
fn feed(w: &mut WindowedRuleSet, time: f64, ip: u8, now: f64) -> Vec<Finding> {
    let ctx = EvalContext::default();
    let mut out = Vec::new();
    let mut sel = Selection::default();
    let (text, row) = row(time, ip);
    w.observe(time, now, &ctx, &mut out);
    if w.select(&text, &mut sel) {
        w.push_selected(&row, &sel, &ctx, &mut out);
    }
    out
}

fn options(size: f64, slide: f64, lateness: f64) -> WindowOptions {
    WindowOptions {
        size,
        slide,
        allowed_lateness: lateness,
        idle_timeout: 60.0,
        ..WindowOptions::default()
    }
}

#[test]
fn the_horizon_is_where_the_watermark_closed_every_window() {
    // Tumbling minutes, 10 s of lateness: 190 puts the watermark at 180, which closes [120, 180).
    let set = rule_set([None, None, None]);
    let mut w = WindowedRuleSet::new(&set, options(60.0, 60.0, 10.0));
    assert_eq!(w.horizon(), None);
    feed(&mut w, 190.0, 1, 0.0);
    assert_eq!(w.horizon(), Some(180.0));
    let late = w.stats().late_rows;
    feed(&mut w, 179.9, 1, 0.0);
    assert_eq!(w.stats().late_rows, late + 3, "three windowed rules");
    feed(&mut w, 180.0, 1, 0.0);
    assert_eq!(w.stats().late_rows, late + 3);

    // Ten minutes sliding by one, 30 s of lateness: 1000 puts the watermark at 970. The last
    // window closed is [360, 960), so an event before 420 is in no open window.
    let mut w = WindowedRuleSet::new(&set, options(600.0, 60.0, 30.0));
    feed(&mut w, 1000.0, 1, 0.0);
    assert_eq!(w.horizon(), Some(420.0));
    feed(&mut w, 419.0, 1, 0.0);
    assert_eq!(w.stats().late_rows, 3);
    feed(&mut w, 420.0, 1, 0.0);
    assert_eq!(w.stats().late_rows, 3);

    // The lowest horizon over the rules counts: rule 1 tumbles by the hour, so it holds back
    // the hour that holds the watermark (6970), below the ten-minute rules' 6420.
    let set = rule_set([None, Some(RuleWindow::tumbling(3600.0)), None]);
    let mut w = WindowedRuleSet::new(&set, options(600.0, 60.0, 30.0));
    feed(&mut w, 7000.0, 1, 0.0);
    assert_eq!(w.horizon(), Some(3600.0));
}

#[test]
fn the_idle_timeout_does_not_move_the_horizon() {
    let set = rule_set([None, None, None]);
    let mut w = WindowedRuleSet::new(&set, options(600.0, 60.0, 30.0));
    let ctx = EvalContext::default();
    let first = feed(&mut w, 1000.0, 1, 0.0);
    assert!(
        first.iter().all(|f| f.rule.name == "Rule 3"),
        "only the immediate rule so far"
    );
    let horizon = w.horizon();
    let mut out = Vec::new();
    w.tick(60.0, &ctx, &mut out);
    assert!(
        out.iter().any(|f| f.rule.name == "Rule 0"),
        "the idle timeout closed the windows"
    );
    assert_eq!(w.stats().open_panes, 0);
    assert_eq!(w.horizon(), horizon);
    // An event for a window the timeout closed opens it again, and is not late.
    feed(&mut w, 990.0, 2, 61.0);
    assert_eq!(w.stats().late_rows, 0);
    assert!(w.stats().open_panes > 0);
    let mut out = Vec::new();
    w.flush(&ctx, &mut out);
    assert!(
        out.iter()
            .any(|f| f.rule.name == "Rule 0" && f.risk_objects[0].object == "10.0.0.2")
    );
    assert_eq!(w.horizon(), horizon);
}

#[test]
fn without_windowed_rules_the_horizon_is_the_watermark() {
    let detections = vec![detection(0, "search * | table _time src_ip")];
    let set = RuleSet::compile(
        detections,
        &tripline_spl::MacroTable::default(),
        &EvalContext::default(),
    );
    let mut w = WindowedRuleSet::new(&set, options(600.0, 60.0, 30.0));
    assert_eq!(w.windowed().count(), 0);
    assert_eq!(w.horizon(), None);
    assert_eq!(feed(&mut w, 1000.0, 1, 0.0).len(), 1);
    assert_eq!(w.horizon(), Some(970.0));
}

#[test]
fn a_rule_window_applies_to_that_rule_only() {
    let set = rule_set([Some(RuleWindow::tumbling(60.0)), None, None]);
    let mut w = WindowedRuleSet::new(&set, options(600.0, 600.0, 0.0));
    assert_eq!(w.window(0), Some(RuleWindow::tumbling(60.0)));
    assert_eq!(w.window(1), Some(RuleWindow::tumbling(600.0)));
    assert_eq!(w.window(3), None);
    // Two events a minute apart: rule 0's minute windows see them apart, rule 1's ten-minute
    // window together.
    let mut findings = feed(&mut w, 1210.0, 1, 0.0);
    findings.extend(feed(&mut w, 1270.0, 1, 0.0));
    let ctx = EvalContext::default();
    w.flush(&ctx, &mut findings);
    let count = |rule: &str| -> Vec<String> {
        findings
            .iter()
            .filter(|f| f.rule.name == rule)
            .map(|f| {
                f.fields
                    .0
                    .iter()
                    .find(|(k, _)| k == "count")
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(count("Rule 0"), ["1", "1"]);
    assert_eq!(count("Rule 1"), ["2"]);
}

/// An event: time offset, source, and how far it is held back before it arrives.
fn arrivals() -> impl Strategy<Value = Vec<(u16, u8, u16)>> {
    prop::collection::vec(
        (0u16..3000, 0u8..3, prop::sample::select(vec![0u16, 0, 0, 5, 50, 700])),
        1..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The horizon never goes down, stays at or below the watermark, does not move on an idle
    /// flush, and every event below it is late for every windowed rule and changes nothing.
    #[test]
    fn no_event_below_the_horizon_changes_anything(
        events in arrivals(),
        slide in prop::sample::select(vec![1.0, 10.0, 60.0]),
        panes in 1u32..6,
        own in prop::option::of((prop::sample::select(vec![5.0, 30.0, 120.0]), 1u32..4)),
        lateness in prop::sample::select(vec![0.0, 10.0, 100.0]),
        flushes in prop::collection::vec(any::<bool>(), 60),
    ) {
        let size = slide * f64::from(panes);
        let own = own.map(|(slide, panes)| RuleWindow { size: slide * f64::from(panes), slide });
        let set = rule_set([None, own, Some(RuleWindow::tumbling(size))]);
        let mut w = WindowedRuleSet::new(&set, options(size, slide, lateness));
        let ctx = EvalContext::default();
        // Arrival order: time plus hold-back, so some events come later than the lateness allows.
        let mut order: Vec<(f64, f64, u8)> = events
            .iter()
            .map(|&(t, ip, held)| (1_000_000.0 + f64::from(t), f64::from(t) + f64::from(held), ip))
            .collect();
        order.sort_by(|a, b| a.1.total_cmp(&b.1));
        let mut last: Option<f64> = None;
        for (i, &(time, _, ip)) in order.iter().enumerate() {
            let before = w.horizon();
            let late = w.stats().late_rows;
            let state = (w.stats().open_panes, w.stats().rows_held);
            let found = feed(&mut w, time, ip, 0.0);
            if before.is_some_and(|h| time < h) {
                // Late for the three windowed rules; only the immediate rule finds it.
                prop_assert_eq!(w.stats().late_rows, late + 3);
                prop_assert_eq!((w.stats().open_panes, w.stats().rows_held), state);
                prop_assert!(found.iter().all(|f| f.rule.name == "Rule 3"));
            }
            // Probes just below the horizon and far below it.
            if let Some(h) = w.horizon() {
                for probe in [h - 1e-3, h - slide, h - 10_000.0] {
                    let late = w.stats().late_rows;
                    let state = (w.stats().open_panes, w.stats().rows_held, w.horizon());
                    let found = feed(&mut w, probe, 9, 0.0);
                    prop_assert_eq!(w.stats().late_rows, late + 3, "probe {} below {}", probe, h);
                    prop_assert_eq!((w.stats().open_panes, w.stats().rows_held, w.horizon()), state);
                    prop_assert!(found.iter().all(|f| f.rule.name == "Rule 3"));
                }
            }
            let horizon = w.horizon();
            prop_assert!(horizon.is_some());
            prop_assert!(horizon <= w.watermark());
            prop_assert!(last <= horizon, "{:?} went down to {:?}", last, horizon);
            last = horizon;
            if flushes[i] {
                let mut out = Vec::new();
                w.flush(&ctx, &mut out);
                prop_assert_eq!(w.horizon(), horizon);
                prop_assert_eq!(w.stats().open_panes, 0);
            }
        }
    }
}

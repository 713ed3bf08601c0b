//! Running several detections over one stream of events with a `RuleSet`: which rules run, which
//! are set aside and why, that rules do not see each other's changes to an event, and the
//! findings each produces.

use std::path::Path;

use tripline_content::{Detection, RuleSet, builtin_macros, load_detection};
use tripline_engine::expr::EvalContext;
use tripline_engine::limits::Limits;
use tripline_engine::row::Row;
use tripline_engine::value::Value;
use tripline_spl::Code;

/// A 2026 Anomaly detection with this name and search; its entity is `src_ip`.
fn detection(name: &str, search: &str) -> Detection {
    let id_digit = name.len() % 10;
    let text = format!(
        "name: {name}\n\
         id: 0d5a7e31-6b2c-4f88-9a41-3e7c2b1d9f0{id_digit}\n\
         version: 1\n\
         status: production\n\
         type: Anomaly\n\
         description: A test rule.\n\
         data_source: [Kubernetes Audit]\n\
         search: '{search}'\n\
         intermediate_findings:\n  entities:\n  - field: src_ip\n    type: system\n    score: 20\n    \
         message: $src_ip$ seen $count$ times\n\
         mitre_attack_id: [T1046]\n"
    );
    load_detection(Path::new(&format!("{name}.yml")), &text).expect("test detection loads")
}

/// An audit-like event row.
fn event(time: f64, ip: &str, code: &str) -> Row {
    let mut row = Row::new();
    row.set("_time", Value::Num(time));
    row.set("source", Value::str("kubernetes"));
    row.set("sourceIPs{}", Value::str(ip));
    row.set("responseStatus.code", Value::str(code));
    row
}

fn names(set: &RuleSet) -> Vec<&str> {
    set.detections().map(|d| d.name.as_str()).collect()
}

#[test]
fn rules_that_cannot_run_are_set_aside_with_the_reason() {
    let ctx = EvalContext::default();
    let set = RuleSet::compile(
        vec![
            detection(
                "Good",
                "`kube_audit` | stats count BY sourceIPs{} | rename sourceIPs{} AS src_ip",
            ),
            detection("Broken", "`kube_audit` | stats count BY"),
            detection("Unsupported", "| tstats count from datamodel=Web BY Web.src"),
        ],
        &builtin_macros().expect("built-in macros"),
        &ctx,
    );
    assert_eq!(names(&set), ["Good"]);
    let skipped: Vec<(&str, bool)> = set
        .skipped()
        .iter()
        .map(|s| {
            (
                s.detection.name.as_str(),
                s.diagnostics.iter().any(tripline_spl::Diagnostic::is_error),
            )
        })
        .collect();
    assert_eq!(skipped, [("Broken", true), ("Unsupported", true)]);
    let unsupported = &set.skipped()[1];
    assert!(
        unsupported
            .diagnostics
            .iter()
            .any(|d| matches!(d.code, Code::UnsupportedCommand | Code::UnknownCommand)),
        "{:?}",
        unsupported.diagnostics
    );
    assert!(unsupported.reason().contains("tstats"), "{}", unsupported.reason());
}

#[test]
fn every_rule_sees_every_event_unchanged_by_the_others() {
    let ctx = EvalContext::default();
    let macros = builtin_macros().expect("built-in macros");
    // The first rule renames and overwrites fields; the second must still see the originals.
    let mut set = RuleSet::compile(
        vec![
            detection(
                "Refusals",
                "`kube_audit` responseStatus.code=403 | eval sourceIPs{}=\"x\" | stats count BY sourceIPs{} \
                 | rename sourceIPs{} AS src_ip",
            ),
            detection(
                "Sources",
                "`kube_audit` | stats count BY sourceIPs{} | rename sourceIPs{} AS src_ip | where count > 1",
            ),
        ],
        &macros,
        &ctx,
    );
    assert!(set.skipped().is_empty());
    // The event parser must extract what either rule reads.
    for field in ["source", "sourceIPs{}", "responseStatus.code", "_time"] {
        assert!(set.needs().contains(field), "{field}");
    }
    set.push(event(100.0, "203.0.113.7", "403"), &ctx);
    set.push(event(50.0, "203.0.113.7", "200"), &ctx);
    set.push(event(70.0, "198.51.100.2", "403"), &ctx);
    assert_eq!(set.time_span(), Some((50.0, 100.0)));

    let outcomes = set.finish(&ctx);
    let refusals = &outcomes[0];
    assert_eq!(refusals.rows.len(), 1);
    assert_eq!(refusals.rows[0].get("src_ip"), Some(&Value::str("x")));
    assert_eq!(refusals.rows[0].get("count"), Some(&Value::Num(2.0)));

    let sources = &outcomes[1];
    assert_eq!(sources.rows.len(), 1, "only 203.0.113.7 was seen twice");
    let finding = &sources.findings[0];
    assert_eq!(finding.message, "203.0.113.7 seen 2 times");
    assert_eq!(finding.risk_objects[0].object, "203.0.113.7");
    // The row has no time of its own: the finding spans the run.
    assert_eq!(finding.first_time, Some(50.0));
    assert_eq!(finding.last_time, Some(100.0));
}

#[test]
fn an_empty_set_takes_events_and_finishes_with_nothing() {
    let ctx = EvalContext::default();
    let mut set = RuleSet::compile(Vec::new(), &builtin_macros().expect("built-in macros"), &ctx);
    assert!(set.is_empty());
    set.push(event(1.0, "203.0.113.7", "403"), &ctx);
    assert!(set.finish(&ctx).is_empty());
}

#[test]
fn a_rule_over_its_group_limit_says_so_once_across_forks() {
    let ctx = EvalContext {
        limits: Limits::default().with_max_groups(2),
        ..EvalContext::default()
    };
    let macros = builtin_macros().expect("built-in macros");
    let mut set = RuleSet::compile(
        vec![
            detection(
                "Sources",
                "`kube_audit` | stats count BY sourceIPs{} | rename sourceIPs{} AS src_ip",
            ),
            detection(
                "Refusals",
                "`kube_audit` responseStatus.code=403 | stats count BY sourceIPs{} | rename sourceIPs{} AS src_ip",
            ),
        ],
        &macros,
        &ctx,
    );
    assert!(set.can_fork());
    let mut fork = set.fork();
    // This part has three sources (one left out), the fork two others (none left out there,
    // both when merged); only 203.0.113.7 was refused.
    for (t, ip, code) in [
        (1.0, "203.0.113.7", "403"),
        (2.0, "10.0.0.1", "200"),
        (3.0, "10.0.0.2", "200"),
    ] {
        set.push(event(t, ip, code), &ctx);
    }
    for (t, ip) in [(4.0, "10.0.0.3"), (5.0, "10.0.0.4")] {
        fork.push(event(t, ip, "200"), &ctx);
    }
    set.absorb(fork).expect("stats merges");
    let outcomes = set.finish(&ctx);

    let sources = &outcomes[0];
    assert_eq!(sources.rows.len(), 2);
    assert_eq!(sources.limits_reached.len(), 1, "{:?}", sources.limits_reached);
    let reached = &sources.limits_reached[0];
    assert_eq!(
        (reached.command, reached.max_groups, reached.dropped_rows),
        ("stats", 2, 3)
    );
    assert!(reached.to_string().contains("limit of 2 groups"), "{reached}");

    let refusals = &outcomes[1];
    assert_eq!(refusals.rows.len(), 1);
    assert!(refusals.limits_reached.is_empty());
}

//! The literal prefilter never changes a result: every rule gives the same rows and findings
//! whether each event goes to every rule, or only to the rules [`RuleSet::select`] picks from the
//! event's text (and events no rule can match are never parsed). Checked over the real corpus,
//! the built-in pack's datasets and the CLI's fixtures with every rule there is (the built-in
//! pack and all of security_content), and over generated events that play with case, escapes
//! and near-miss literals.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use tripline_content::{ContentLoad, Detection, RuleSet, Selection, builtin_content, builtin_macros, load_content};
use tripline_engine::event::EventBuilder;
use tripline_engine::expr::EvalContext;
use tripline_ingest::{Collector, Ingest, Input, OwnedEvent};
use tripline_spl::MacroTable;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> PathBuf {
    std::env::var_os("TRIPLINE_CORPUS").map_or_else(|| repo().join("../shared/corpus"), PathBuf::from)
}

/// Every rule: the built-in pack, then security_content with Tripline's macros underneath.
fn rules() -> (Vec<Detection>, MacroTable) {
    let builtin = builtin_content();
    let checkout: ContentLoad = load_content(&[corpus().join("security_content")]);
    let mut macros = builtin_macros().expect("built-in macros");
    macros.extend(builtin.macros.iter().cloned());
    macros.extend(checkout.macros.iter().cloned());
    let mut detections = builtin.detections;
    detections.extend(checkout.detections);
    (detections, macros)
}

/// The events of every file under `dirs`.
fn events(dirs: &[PathBuf]) -> Vec<OwnedEvent> {
    let (inputs, errors) = tripline_ingest::expand(dirs);
    assert!(errors.is_empty(), "{errors:?}");
    let mut ingest = Ingest::default();
    let mut all = Vec::new();
    for input in inputs.iter().filter(|i| matches!(i, Input::File(_))) {
        all.extend(ingest.collect(input).0);
    }
    all
}

/// Run `detections` over `events` with and without the prefilter; the findings as JSON, per rule.
fn both_ways(
    detections: &[Detection],
    macros: &MacroTable,
    events: &[OwnedEvent],
) -> (Vec<String>, Vec<String>, usize) {
    let ctx = EvalContext {
        now: 1_795_300_000.0,
        ..EvalContext::default()
    };
    let mut every = RuleSet::compile(detections.to_vec(), macros, &ctx);
    let mut chosen = RuleSet::compile(detections.to_vec(), macros, &ctx);
    let mut builder = EventBuilder::new(every.needs(), &[]);
    let mut selection = Selection::default();
    let mut skipped = 0;
    for e in events {
        let time = e.time.unwrap_or(ctx.now);
        let row = |b: &mut EventBuilder| {
            if e.json {
                b.json_at(&e.text, &e.meta, time).ok()
            } else {
                Some(b.text(&e.text, &e.meta, time))
            }
        };
        let Some(r) = row(&mut builder) else { continue };
        every.push(r, &ctx);
        chosen.observe_time(time);
        if chosen.select_event(&e.text, &e.meta, &mut selection) {
            let r = row(&mut builder).expect("parsed once already");
            chosen.push_selected(r, &selection, &ctx);
        } else {
            skipped += 1;
        }
    }
    let render = |set: RuleSet| -> Vec<String> {
        set.finish(&ctx)
            .iter()
            .map(|o| {
                let findings: Vec<String> = o
                    .findings
                    .iter()
                    .map(|f| serde_json::to_string(f).expect("finding JSON"))
                    .collect();
                format!("{}: {} rows\n{}", o.detection.name, o.rows.len(), findings.join("\n"))
            })
            .collect()
    };
    (render(every), render(chosen), skipped)
}

#[test]
fn the_prefilter_changes_nothing_on_real_data() {
    let (detections, macros) = rules();
    let events = events(&[
        corpus(),
        repo().join("content/datasets"),
        repo().join("crates/cli/tests/fixtures"),
    ]);
    assert!(events.len() > 1000, "{} events", events.len());
    let (every, chosen, skipped) = both_ways(&detections, &macros, &events);
    assert_eq!(every.len(), chosen.len());
    for (a, b) in every.iter().zip(&chosen) {
        assert_eq!(a, b);
    }
    // The comparison means something: rules found things.
    assert!(every.iter().any(|r| !r.contains(": 0 rows")));
    // Some security_content rules need no literal at all (`kube_audit | ...`), so with them
    // every event is parsed; the built-in pack alone lets the prefilter skip events.
    let builtin = builtin_content();
    let (every, chosen, skipped_builtin) = both_ways(&builtin.detections, &builtin.macros, &events);
    assert_eq!(every, chosen);
    eprintln!(
        "skipped {skipped} of {} events with every rule, {skipped_builtin} with the built-in pack",
        events.len()
    );
    assert!(skipped_builtin > 0, "the prefilter skipped nothing");
}

/// Pieces of audit events, some spelling literals the built-in rules need in other cases or
/// with JSON escapes.
fn fragment() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        r#""user":{"username":"system:anonymous","groups":["system:unauthenticated"]}"#,
        r#""user":{"username":"SYSTEM:ANONYMOUS","groups":["System:Unauthenticated"]}"#,
        r#""user":{"username":"system:\u0061nonymous","groups":["system:\u0075nauthenticated"]}"#,
        r#""user":{"username":"alice","groups":["system:authenticated"]}"#,
        r#""responseStatus":{"code":403}"#,
        r#""responseStatus":{"code":401}"#,
        r#""responseStatus":{"code":200}"#,
        r#""verb":"list""#,
        r#""verb":"LIST""#,
        r#""verb":"create""#,
        r#""requestURI":"/api/v1/pods""#,
        r#""requestURI":"/healthz""#,
        r#""sourceIPs":["203.0.113.9"]"#,
        r#""sourceIPs":["10.0.0.4"]"#,
        r#""userAgent":"kube-hunter""#,
        r#""annotations":{"authorization.k8s.io/decision":"allow"}"#,
        r#""annotations":{"authorization.k8s.io/decision":"forbid"}"#,
        r#""objectRef":{"resource":"pods","namespace":"default"}"#,
        r#""objectRef":{"resource":"secrets","namespace":"kube-system"}"#,
    ])
    .prop_map(str::to_owned)
}

fn audit_event() -> impl Strategy<Value = String> {
    (prop::collection::vec(fragment(), 1..8), 0u32..3600).prop_map(|(parts, second)| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete",{},"requestReceivedTimestamp":"2026-11-20T10:{:02}:{:02}Z"}}"#,
            parts.join(","),
            second / 60,
            second % 60
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_prefilter_changes_nothing_on_generated_events(lines in prop::collection::vec(audit_event(), 1..120)) {
        let builtin = builtin_content();
        let mut ingest = Ingest::default();
        let text = lines.join("\n");
        let mut sink = Collector::default();
        ingest.read_bytes("generated", text.as_bytes(), &mut sink);
        let (every, chosen, _) = both_ways(&builtin.detections, &builtin.macros, &sink.events);
        prop_assert_eq!(every, chosen);
    }
}

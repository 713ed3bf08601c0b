//! The detection model: every corpus detection in the 2024 format, hand-written 2025 and 2026
//! rules, the built-in pack, stories, lookups, and located load errors with partial success.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::corpus;
use tripline_content::{
    DetectionKind, EntityKind, EntityOrigin, FindingSeverity, Format, LoadError, Status, TestKind, builtin_content,
    load_content, load_detection,
};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/model")).join(name)
}

fn load_fixture(name: &str) -> tripline_content::Detection {
    let path = fixture(name);
    let text = fs::read_to_string(&path).expect("fixture");
    load_detection(&path, &text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The value of a `key: value` line with the given indentation, read without a YAML parser.
fn scan(text: &str, indent: &str, key: &str) -> Option<String> {
    let prefix = format!("{indent}{key}: ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim().trim_matches('\'').to_owned())
}

#[test]
fn every_corpus_detection_loads_with_its_status_type_and_risk_score() {
    let root = corpus().join("security_content");
    let load = load_content(std::slice::from_ref(&root));
    assert!(load.errors.is_empty(), "{:#?}", load.errors);
    assert_eq!(load.detections.len(), 63);

    let mut by_status_type: BTreeMap<(Status, DetectionKind), usize> = BTreeMap::new();
    for d in &load.detections {
        let text = fs::read_to_string(&d.path).unwrap();
        let name = d.path.display();
        assert_eq!(d.format, Format::Tags, "{name}");
        assert_eq!(Some(d.status.as_str().to_owned()), scan(&text, "", "status"), "{name}");
        assert_eq!(Some(d.kind.as_str().to_owned()), scan(&text, "", "type"), "{name}");
        assert_eq!(Some(d.id.clone()), scan(&text, "", "id"), "{name}");
        *by_status_type.entry((d.status, d.kind)).or_default() += 1;

        // The 2024 score is round(confidence * impact / 100) and equals the file's risk_score.
        let declared: u8 = scan(&text, "  ", "risk_score").unwrap().parse().unwrap();
        let legacy = d.legacy.expect("2024 scoring");
        assert_eq!(legacy.declared_risk_score, Some(u32::from(declared)), "{name}");
        assert_eq!(legacy.computed_score(), u32::from(declared), "{name}");
        for e in &d.risk_entities {
            assert_eq!(e.score, declared, "{name}: {}", e.field);
            assert_eq!(e.origin, EntityOrigin::Observable);
            // (A message may fold onto further lines; the scan reads the first.)
            assert!(e.message.starts_with(&scan(&text, "  ", "message").unwrap()), "{name}");
        }
        if !d.risk_entities.is_empty() {
            assert_eq!(d.risk_score(), Some(declared), "{name}");
            assert_eq!(d.severity(), FindingSeverity::from_score(declared), "{name}");
        }
        assert!(d.finding.is_none());

        // Production detections carry exactly one unit test with one dataset (spl-semantics §5.1).
        if d.status == Status::Production {
            assert_eq!(d.tests.len(), 1, "{name}");
            let t = &d.tests[0];
            assert_eq!(t.kind, TestKind::Unit, "{name}");
            assert_eq!(t.attack_data.len(), 1, "{name}");
            assert!(
                t.attack_data[0]
                    .data
                    .starts_with("https://media.githubusercontent.com/"),
                "{name}"
            );
            assert!(!t.attack_data[0].sourcetype.is_empty(), "{name}");
            assert!(d.is_tested_by_contentctl(), "{name}");
        }
        assert!(!d.search.text.is_empty());
    }
    let expected = BTreeMap::from([
        ((Status::Production, DetectionKind::Anomaly), 16),
        ((Status::Production, DetectionKind::Ttp), 4),
        ((Status::Experimental, DetectionKind::Anomaly), 15),
        ((Status::Experimental, DetectionKind::Hunting), 8),
        ((Status::Deprecated, DetectionKind::Hunting), 19),
        ((Status::Deprecated, DetectionKind::Ttp), 1),
    ]);
    assert_eq!(by_status_type, expected);
}

#[test]
fn corpus_observables_map_to_entities_and_threat_objects() {
    let path = corpus().join("security_content/detections/cloud/kubernetes_node_port_creation.yml");
    let d = load_detection(&path, &fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(d.name, "Kubernetes Node Port Creation");
    assert_eq!(d.version, 3);
    assert_eq!(d.creation_date.as_deref(), Some("2024-09-30"));
    assert_eq!(d.risk_entities.len(), 1);
    let e = &d.risk_entities[0];
    assert_eq!((e.field.as_str(), e.kind, e.score), ("user", EntityKind::User, 49));
    assert_eq!(e.message, "Kubernetes node port creation from user $user$");
    assert_eq!(d.threat_objects.len(), 1);
    assert_eq!(
        (d.threat_objects[0].field.as_str(), d.threat_objects[0].kind.as_str()),
        ("src_ip", "ip_address")
    );
    assert_eq!(d.severity(), FindingSeverity::Medium);
    assert_eq!(d.analytic_story, ["Kubernetes Security"]);
    assert_eq!(d.mitre_attack_id, ["T1204"]);
    assert_eq!(d.asset_type.as_deref(), Some("Kubernetes"));
    assert_eq!(d.security_domain.as_deref(), Some("network"));
    assert_eq!(d.product.len(), 3);
    assert_eq!(d.drilldown_searches.len(), 2);
    assert_eq!(
        d.drilldown_searches[0].earliest_offset.as_deref(),
        Some("$info_min_time$")
    );
    assert_eq!(d.filter_macro_name(), "kubernetes_node_port_creation_filter");

    // Spans point into the file.
    let text = d.file_text();
    let span = d.span("tags.observable[1].name").unwrap();
    assert_eq!(&text[span.start..span.end], "src_ip");
    let span = d.span("tags.confidence").unwrap();
    assert_eq!(&text[span.start..span.end], "70");
    let at = d.line_col(d.span("status").unwrap().start);
    assert_eq!((at.line, at.column), (6, 9));
    let search = d.span("search").unwrap();
    assert!(text[search.start..search.end].starts_with("`kube_audit` \"objectRef.resource\"=services"));

    // Scanner Image Pulling: hostname victim, 90 × 90 / 100 = 81, critical.
    let path = corpus().join("security_content/detections/cloud/kubernetes_scanner_image_pulling.yml");
    let d = load_detection(&path, &fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(d.risk_entities[0].kind, EntityKind::System);
    assert_eq!(d.risk_score(), Some(81));
    assert_eq!(d.severity(), FindingSeverity::Critical);
}

#[test]
fn corpus_stories_and_lookups() {
    let load = load_content(&[corpus().join("security_content")]);
    assert_eq!(load.stories.len(), 5);
    let story = load.story("Kubernetes Scanning Activity").unwrap();
    assert!(!story.narrative.is_empty());
    assert!(!story.description.is_empty());
    assert_eq!(story.category, ["Cloud Security"]);
    assert_eq!(story.usecase.as_deref(), Some("Security Monitoring"));
    let linked: Vec<_> = load
        .detections
        .iter()
        .filter(|d| d.analytic_story.iter().any(|s| s == "Kubernetes Scanning Activity"))
        .map(|d| d.name.clone())
        .collect();
    assert!(!linked.is_empty());
    assert_eq!(story.detections, linked);
    let deprecated = load.story("Kubernetes Sensitive Role Activity").unwrap();
    assert!(
        deprecated
            .path
            .ends_with("stories/deprecated/kubernetes_sensitive_role_activity.yml")
    );

    // The four k8s baselines are KV store lookups: read, but their tables are warnings.
    assert_eq!(load.lookup_files.len(), 4);
    assert!(load.lookups.is_empty());
    let unavailable: Vec<_> = load
        .warnings
        .iter()
        .filter_map(|w| match w {
            LoadError::LookupUnavailable { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(unavailable.len(), 4, "{:#?}", load.warnings);
    assert!(unavailable.contains(&"k8s_process_resource_baseline"));
    assert!(
        load.lookup_files
            .iter()
            .all(|l| l.collection.is_some() && l.filename.is_none())
    );

    // The macros of the checkout load too.
    assert!(load.macros.get("kube_audit", 0).is_some());
    assert!(load.macros.get("security_content_ctime", 1).is_some());
}

#[test]
fn a_detection_inside_a_checkout_sees_its_macros() {
    let load = load_content(&[corpus().join("security_content/detections/cloud/kubernetes_node_port_creation.yml")]);
    assert!(load.errors.is_empty(), "{:#?}", load.errors);
    assert_eq!(load.detections.len(), 1);
    assert!(load.macros.get("kube_audit", 0).is_some());
    assert_eq!(load.lookup_files.len(), 4);
}

#[test]
fn builtin_pack_loads() {
    let load = builtin_content();
    assert!(load.errors.is_empty(), "{:#?}", load.errors);
    assert!(load.warnings.is_empty(), "{:#?}", load.warnings);
    assert!(load.detections.len() >= 2);
    assert!(load.detections.iter().all(|d| d.format == Format::Findings));
    assert!(
        load.detections
            .iter()
            .all(|d| d.path.starts_with("builtin:content/detections"))
    );
    assert!(load.macros.get("kube_audit", 0).is_some());

    let pull = load.detection("Kubernetes Security Scanner Image Pull").unwrap();
    assert_eq!(pull.kind, DetectionKind::Ttp);
    let f = pull.finding.as_ref().unwrap();
    assert_eq!((f.entity.field.as_str(), f.entity.kind), ("host", EntityKind::System));
    assert_eq!(pull.risk_entities, std::slice::from_ref(&f.entity));
    assert_eq!(pull.severity(), FindingSeverity::from_score(f.entity.score));
    assert_eq!(pull.threat_objects[0].kind, "signature");

    let sweep = load.detection("Kubernetes Unauthenticated API Sweep").unwrap();
    assert_eq!(sweep.kind, DetectionKind::Anomaly);
    assert!(sweep.finding.is_none());
    assert_eq!(sweep.risk_entities[0].origin, EntityOrigin::IntermediateFinding);
    assert!(sweep.risk_entities[0].message.contains("$src_ip$"));
    // The same files load from disk with the same result.
    let disk = load_content(&[PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../content"))]);
    assert!(disk.errors.is_empty(), "{:#?}", disk.errors);
    assert_eq!(disk.detections.len(), load.detections.len());
}

#[test]
fn rba_2025_format() {
    let d = load_fixture("rba_2025.yml");
    assert_eq!(d.format, Format::Rba);
    assert_eq!((d.status, d.kind), (Status::Production, DetectionKind::Anomaly));
    assert_eq!(d.risk_entities.len(), 2);
    let fields: Vec<_> = d
        .risk_entities
        .iter()
        .map(|e| (e.field.as_str(), e.kind, e.score))
        .collect();
    assert_eq!(
        fields,
        [("user", EntityKind::User, 35), ("service", EntityKind::Other, 10)]
    );
    assert!(
        d.risk_entities
            .iter()
            .all(|e| e.message == "NodePort service $service$ created by $user$ from $src_ip$")
    );
    assert!(d.risk_entities.iter().all(|e| e.origin == EntityOrigin::RiskObject));
    assert_eq!(d.threat_objects[0].field, "src_ip");
    assert_eq!(d.severity(), FindingSeverity::Low);
    assert_eq!(d.analytic_story, ["Kubernetes Security"]);
    assert_eq!(d.mitre_attack_id, ["T1204"]);
    assert_eq!(d.product, ["Splunk Enterprise", "Splunk Cloud"]);
    assert!(d.legacy.is_none());
    let a = &d.tests[0].attack_data[0];
    assert_eq!(a.index.as_deref(), Some("kube"));
    assert_eq!(a.host.as_deref(), Some("replay-host"));
    assert_eq!(d.drilldown_searches[1].latest_offset.as_deref(), Some("0"));
    // The multi-line single-quoted search keeps exact positions.
    let span = d.span("rba.risk_objects[1].score").unwrap();
    assert_eq!(&d.file_text()[span.start..span.end], "10");
    assert!(
        tripline_content::validate(&d).is_empty(),
        "{:#?}",
        tripline_content::validate(&d)
    );
}

#[test]
fn findings_2026_format() {
    let d = load_fixture("ttp_2026.yml");
    assert_eq!(d.format, Format::Findings);
    assert_eq!((d.status, d.kind), (Status::Production, DetectionKind::Ttp));
    assert_eq!(d.creation_date.as_deref(), Some("2026-11-01"));
    assert_eq!(d.modification_date.as_deref(), Some("2026-11-20"));
    assert_eq!(d.category.as_deref(), Some("cloud"));
    // Intermediate entities first, then the finding entity.
    let entities: Vec<_> = d
        .risk_entities
        .iter()
        .map(|e| (e.field.as_str(), e.origin, e.score))
        .collect();
    assert_eq!(
        entities,
        [
            ("user", EntityOrigin::IntermediateFinding, 40),
            ("src_ip", EntityOrigin::Finding, 72)
        ]
    );
    assert_eq!(
        d.risk_entities[0].message,
        "$user$ read secrets $secret$ in $namespace$"
    );
    let finding = d.finding.as_ref().unwrap();
    assert_eq!(finding.title, "Anonymous read of secrets in $namespace$ from $src_ip$");
    assert_eq!(finding.entity.message, finding.title);
    // Severity comes from the finding's score, not the highest entity score.
    assert_eq!(d.risk_score(), Some(72));
    assert_eq!(d.severity(), FindingSeverity::High);
    let test_fields: Vec<_> = d.test_risk_entities().map(|e| e.field.as_str()).collect();
    assert_eq!(test_fields, ["user"]);

    assert_eq!(d.tests.len(), 3);
    assert_eq!(d.tests[0].kind, TestKind::Unit);
    assert_eq!(d.tests[0].expected_results, Some(2));
    assert!(!d.tests[0].is_negative());
    assert!(d.tests[1].is_negative());
    assert_eq!(d.tests[1].attack_data[0].index.as_deref(), Some("main"));
    assert_eq!(d.tests[1].attack_data[0].host.as_deref(), Some("cp-1"));
    assert_eq!(d.tests[2].kind, TestKind::Experimental);
    assert_eq!(
        d.tests[2].description.as_deref(),
        Some("CloudWatch export, not replayable yet.")
    );
    assert!(
        tripline_content::validate(&d).is_empty(),
        "{:#?}",
        tripline_content::validate(&d)
    );

    let a = load_fixture("anomaly_2026.yml");
    assert_eq!((a.status, a.kind), (Status::Experimental, DetectionKind::Anomaly));
    assert_eq!(a.risk_entities.len(), 2);
    assert!(a.finding.is_none());
    // No finding: the highest intermediate score decides.
    assert_eq!(a.risk_score(), Some(30));
    assert_eq!(a.severity(), FindingSeverity::Low);
    // Experimental, and its only test is experimental: contentctl runs nothing.
    assert!(!a.is_tested_by_contentctl());
    assert!(
        tripline_content::validate(&a).is_empty(),
        "{:#?}",
        tripline_content::validate(&a)
    );

    let h = load_fixture("hunting_2026.yml");
    assert_eq!(h.kind, DetectionKind::Hunting);
    assert!(h.risk_entities.is_empty() && h.threat_objects.is_empty());
    // No score at all: Hunting defaults to high.
    assert_eq!(h.risk_score(), None);
    assert_eq!(h.severity(), FindingSeverity::High);
    assert!(
        tripline_content::validate(&h).is_empty(),
        "{:#?}",
        tripline_content::validate(&h)
    );
}

#[test]
fn manual_tests_in_the_2024_format() {
    let text = fs::read_to_string(corpus().join("security_content/detections/cloud/kubernetes_node_port_creation.yml"))
        .unwrap()
        .replace(
            "  security_domain: network\n",
            "  security_domain: network\n  manual_test: needs a live cluster\n",
        );
    let d = load_detection(Path::new("x.yml"), &text).unwrap();
    assert_eq!(d.manual_test.as_deref(), Some("needs a live cluster"));
    assert_eq!(d.tests[0].kind, TestKind::Manual);
    assert!(!d.is_tested_by_contentctl());
}

/// The `InvalidValue` fields of an error, or a panic.
fn invalid(err: &LoadError) -> (&str, &str, usize, usize) {
    match err {
        LoadError::InvalidValue {
            key,
            message,
            line,
            column,
            ..
        } => (key, message, *line, *column),
        other => panic!("expected InvalidValue, got {other:?}"),
    }
}

#[test]
fn wrong_types_and_values_are_located_errors() {
    let base = fs::read_to_string(fixture("ttp_2026.yml")).unwrap();
    let load = |from: &str, to: &str| {
        assert!(base.contains(from), "{from}");
        load_detection(Path::new("r.yml"), &base.replacen(from, to, 1)).unwrap_err()
    };

    let e = load("status: production", "status: live");
    assert_eq!(
        invalid(&e),
        (
            "status",
            "`live` is not one of production, experimental, deprecated",
            7,
            9
        )
    );
    let e = load("type: TTP", "type: ttp");
    assert_eq!(invalid(&e).0, "type");

    let e = load("    type: user\n", "    type: device\n");
    assert_eq!(
        invalid(&e),
        (
            "intermediate_findings.entities[0].type",
            "`device` is not one of user, system, other",
            40,
            11
        )
    );

    let e = load("    score: 40", "    score: high");
    assert_eq!(
        invalid(&e),
        (
            "intermediate_findings.entities[0].score",
            "expected an integer from 0 to 100",
            41,
            12
        )
    );

    let e = load(
        "threat_objects:\n- field: src_ip\n  type: ip_address\n",
        "threat_objects: src_ip\n",
    );
    assert_eq!(invalid(&e).0, "threat_objects");
    assert_eq!(invalid(&e).2, 43);

    let e = load("name: Kubernetes Anonymous Secret Read\n", "name: [a, b]\n");
    assert_eq!(invalid(&e).0, "name");
    assert_eq!(invalid(&e).1, "expected a string");

    let e = load("    score: 72\n", "");
    let (key, message, line, _) = invalid(&e);
    assert_eq!(
        (key, message, line),
        ("finding.entity", "missing required key `score`", 34)
    );

    let e = load("  test_type: experimental", "  test_type: smoke");
    assert_eq!(invalid(&e).0, "tests[2].test_type");

    let e = load("version: 2\n", "");
    assert!(matches!(e, LoadError::MissingField { field: "version", .. }), "{e:?}");

    let e = load("search: |-", "query: |-");
    assert!(matches!(e, LoadError::MissingField { field: "search", .. }), "{e:?}");

    let e = load("author: Tripline\n", "author: Tripline\nauthor: Someone\n");
    assert!(e.line_col().is_some(), "{e:?}");

    let e = load("category: cloud", "category: 'cloud");
    assert!(matches!(e, LoadError::Yaml { .. }), "{e:?}");
}

#[test]
fn pyyaml_leniency_keeps_positions() {
    // A double-quoted scalar whose continuation line is not indented past its key: PyYAML
    // accepts it, YAML 1.2 does not. Everything after it must still be located exactly.
    let base = fs::read_to_string(fixture("hunting_2026.yml")).unwrap();
    let text = base.replace(
        "how_to_implement: Audit policy at Metadata level for pods/exec.\n",
        "how_to_implement: \"Audit policy at Metadata level\nfor pods/exec.\"\n",
    );
    let d = load_detection(Path::new("h.yml"), &text).unwrap();
    assert_eq!(d.how_to_implement, "Audit policy at Metadata level for pods/exec.");
    let span = d.span("mitre_attack_id[0]").unwrap();
    assert_eq!(&text[span.start..span.end], "T1609");
}

#[test]
fn partial_success() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let rules = root.join("rules");
    fs::create_dir_all(rules.join("lookups")).unwrap();
    fs::create_dir_all(rules.join("macros")).unwrap();
    fs::copy(fixture("ttp_2026.yml"), rules.join("a_good.yml")).unwrap();
    fs::write(
        rules.join("b_bad.yml"),
        fs::read_to_string(fixture("hunting_2026.yml"))
            .unwrap()
            .replace("status: production", "status: [production]"),
    )
    .unwrap();
    fs::write(rules.join("c_broken.yml"), "name: x\nsearch: 'unterminated\n").unwrap();
    fs::copy(fixture("rba_2025.yml"), rules.join("d_good.yml")).unwrap();
    fs::write(rules.join("notes.yml"), "title: not content\n").unwrap();
    fs::write(
        rules.join("story.yml"),
        "name: Kubernetes Security\nid: s1\nnarrative: n\ndescription: d\n",
    )
    .unwrap();
    fs::write(
        rules.join("lookups/scanners.yml"),
        "name: scanner_images\nfilename: scanner_images.csv\nmatch_type: WILDCARD(image)\ncase_sensitive_match: 'false'\n",
    )
    .unwrap();
    fs::write(
        rules.join("lookups/scanner_images.csv"),
        "image, scanner\n*kube-hunter*, yes\n",
    )
    .unwrap();
    fs::write(rules.join("lookups/missing.yml"), "name: gone\nfilename: gone.csv\n").unwrap();
    fs::write(rules.join("lookups/bad_csv.yml"), "name: bad\nfilename: bad.csv\n").unwrap();
    fs::write(rules.join("lookups/bad.csv"), "a,\"b\n").unwrap();
    fs::write(
        rules.join("macros/kube_audit.yml"),
        "name: kube_audit\ndefinition: source=kubernetes\n",
    )
    .unwrap();

    let load = load_content(&[rules.clone(), root.join("does_not_exist")]);
    let names: Vec<_> = load.detections.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Kubernetes Anonymous Secret Read",
            "Kubernetes Node Port Service Created"
        ]
    );

    let errors: Vec<String> = load
        .errors
        .iter()
        .map(|e| {
            let file = e.path().file_name().unwrap().to_string_lossy().into_owned();
            match e.line_col() {
                Some((l, c)) => format!("{file}:{l}:{c}"),
                None => file,
            }
        })
        .collect();
    assert_eq!(
        errors,
        ["does_not_exist", "b_bad.yml:7:9", "c_broken.yml:2:9", "bad.csv:1:1"]
    );

    assert_eq!(load.stories.len(), 1);
    assert_eq!(load.stories[0].detections, ["Kubernetes Node Port Service Created"]);
    assert!(load.macros.get("kube_audit", 0).is_some());
    assert_eq!(load.lookup_files.len(), 3);
    assert_eq!(load.lookups.len(), 1);
    let lookup = load.lookups.get("scanner_images").unwrap();
    assert!(!lookup.definition.case_sensitive);
    assert_eq!(lookup.table.rows().len(), 1);
    assert!(
        load.warnings
            .iter()
            .any(|w| matches!(w, LoadError::LookupUnavailable { name, .. } if name == "gone"))
    );
    assert!(
        load.warnings
            .iter()
            .any(|w| matches!(w, LoadError::UnrecognizedContent { path } if path.ends_with("notes.yml")))
    );
}

#[test]
fn duplicate_ids_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(fixture("ttp_2026.yml"), dir.path().join("a.yml")).unwrap();
    fs::write(
        dir.path().join("b.yml"),
        fs::read_to_string(fixture("ttp_2026.yml"))
            .unwrap()
            .replace("name: Kubernetes Anonymous Secret Read", "name: Copy"),
    )
    .unwrap();
    let load = load_content(&[dir.path().to_path_buf(), dir.path().join("a.yml")]);
    assert!(load.errors.is_empty());
    // Each file loads once however many paths reach it.
    assert_eq!(load.detections.len(), 2);
    assert!(
        matches!(&load.warnings[..], [LoadError::DuplicateId { id, .. }] if id == "7c1e2a44-9d0b-4c61-a8f3-5b2e9d4c1a07")
    );
}

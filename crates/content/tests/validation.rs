//! `validate`: every code fires on a rule written to trigger it, located where it should be,
//! and valid rules (hand-written and the real corpus) stay quiet.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use tripline_content::{Detection, Problem, RuleCode, load_content, load_detection, validate};
use tripline_spl::Severity;

fn fixture_text(name: &str) -> String {
    fs::read_to_string(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/model")).join(name))
        .expect("fixture")
}

/// Load `text` as if it were at `path`.
fn load_at(path: &str, text: &str) -> Detection {
    load_detection(Path::new(path), text).unwrap_or_else(|e| panic!("{e}"))
}

/// Apply `(from, to)` replacements to a fixture, load it and validate it.
fn problems(fixture: &str, edits: &[(&str, &str)]) -> (Detection, Vec<Problem>) {
    let mut text = fixture_text(fixture);
    for (from, to) in edits {
        assert!(text.contains(from), "{fixture} has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    let d = load_at("rules/detections/cloud/rule.yml", &text);
    let p = validate(&d);
    (d, p)
}

/// The one problem with `code`, checked to sit on `key` and to underline `underlined` (`None`:
/// no span; `Some("*")`: any non-empty span).
fn expect(fixture: &str, edits: &[(&str, &str)], code: RuleCode, key: &str, underlined: Option<&str>) -> Problem {
    let (d, ps) = problems(fixture, edits);
    let found: Vec<_> = ps.iter().filter(|p| p.code == code).collect();
    assert_eq!(found.len(), 1, "{code}: {ps:#?}");
    let p = found[0].clone();
    assert_eq!(p.key.as_deref(), Some(key), "{code}");
    match underlined {
        Some("*") => assert!(p.span.is_some_and(|s| !s.is_empty()), "{code}"),
        Some(text) => {
            let span = p.span.unwrap_or_else(|| panic!("{code}: no span"));
            assert_eq!(&d.file_text()[span.start..span.end], text, "{code}");
        }
        None => assert_eq!(p.span, None, "{code}"),
    }
    assert!(!p.message.is_empty());
    p
}

#[test]
fn valid_rules_have_no_problems() {
    for f in ["ttp_2026.yml", "anomaly_2026.yml", "hunting_2026.yml", "rba_2025.yml"] {
        let (_, ps) = problems(f, &[]);
        assert!(ps.is_empty(), "{f}: {ps:#?}");
    }
}

#[test]
fn every_code() {
    let mut seen = BTreeSet::new();
    let mut check = |p: Problem| {
        seen.insert(p.code);
    };
    use RuleCode::*;
    let ttp = "ttp_2026.yml";

    check(expect(
        ttp,
        &[("how_to_implement: Send", "how_to_implement_: Send")],
        MissingField,
        "how_to_implement",
        None,
    ));
    check(expect(
        ttp,
        &[("id: 7c1e2a44-9d0b-4c61-a8f3-5b2e9d4c1a07", "id: secret-read-1")],
        InvalidId,
        "id",
        Some("secret-read-1"),
    ));
    let p = expect(
        ttp,
        &[(
            "analytic_story:\n",
            "rba:\n  message: x $user$\n  risk_objects: [{field: user, type: user, score: 5}]\nanalytic_story:\n",
        )],
        MixedFormats,
        "rba",
        Some("message: x $user$"),
    );
    assert!(p.message.contains("read as the `findings` format"), "{}", p.message);
    check(p);
    let finding_block = "finding:\n  title: Anonymous read of secrets in $namespace$ from $src_ip$\n  entity:\n    field: src_ip\n    type: system\n    score: 72\n";
    check(expect(
        ttp,
        &[(finding_block, "")],
        AlertBlockRequired,
        "type",
        Some("TTP"),
    ));
    check(expect(
        ttp,
        &[("type: TTP", "type: Anomaly")],
        AlertBlockNotAllowed,
        "finding",
        Some("title: Anonymous read of secrets in $namespace$ from $src_ip$"),
    ));
    check(expect(
        ttp,
        &[("    score: 40", "    score: 140")],
        ScoreOutOfRange,
        "intermediate_findings.entities[0].score",
        Some("140"),
    ));
    let p = expect(
        ttp,
        &[("  - field: user\n", "  - field: dest_user\n")],
        FieldNotInSearch,
        "intermediate_findings.entities[0].field",
        Some("dest_user"),
    );
    assert_eq!(p.severity, Severity::Error);
    check(p);
    check(expect(
        ttp,
        &[(
            "message: $user$ read secrets $secret$ in $namespace$",
            "message: $user$ read secrets $secret in $namespace$",
        )],
        UnbalancedToken,
        "intermediate_findings.entities[0].message",
        Some("$user$ read secrets $secret in $namespace$"),
    ));
    check(expect(
        ttp,
        &[(
            "message: $user$ read secrets $secret$ in $namespace$",
            "message: Someone read secrets",
        )],
        MessageWithoutToken,
        "intermediate_findings.entities[0].message",
        Some("Someone read secrets"),
    ));
    check(expect(
        ttp,
        &[("- T1552.007", "- T1552.07")],
        InvalidTechniqueId,
        "mitre_attack_id[0]",
        Some("T1552.07"),
    ));
    check(expect(
        ttp,
        &[("- T1552.007", "- T1552\n- T1552.007")],
        ParentAndSubTechnique,
        "mitre_attack_id[1]",
        Some("T1552.007"),
    ));
    let p = expect(
        ttp,
        &[("\n  | `kubernetes_anonymous_secret_read_filter`", "")],
        MissingFilterMacro,
        "search",
        Some("*"),
    );
    assert!(p.message.contains("kubernetes_anonymous_secret_read_filter"));
    check(p);
    check(expect(
        ttp,
        &[("  - field: user\n    type: user", "  - field: src_ip\n    type: user")],
        DuplicateEntityField,
        "finding.entity.field",
        Some("src_ip"),
    ));
    check(expect(
        ttp,
        &[("  type: ip_address", "  type: ipv4")],
        UnknownThreatObjectType,
        "threat_objects[0].type",
        Some("ipv4"),
    ));
    check(expect(
        ttp,
        &[(
            "  - data: attack_data/benign.json\n    source: kubernetes\n",
            "  - data: attack_data/benign.json\n",
        )],
        IncompleteTest,
        "tests[1].attack_data[0].source",
        Some("data: attack_data/benign.json"),
    ));
    check(expect(
        ttp,
        &[("category: cloud", "category: galaxy")],
        InvalidClassification,
        "category",
        Some("galaxy"),
    ));
    check(expect(
        ttp,
        &[
            (
                "name: Kubernetes Anonymous Secret Read\n",
                "name: Kubernetes Anonymous Secret Read By A Client Outside Of Every Known Network\n",
            ),
            (
                "kubernetes_anonymous_secret_read_filter",
                "kubernetes_anonymous_secret_read_by_a_client_outside_of_every_known_network_filter",
            ),
        ],
        NameTooLong,
        "name",
        Some("Kubernetes Anonymous Secret Read By A Client Outside Of Every Known Network"),
    ));

    // 2024: a risk_score that disagrees with confidence × impact.
    let corpus_rule = common::corpus().join("security_content/detections/cloud/kubernetes_node_port_creation.yml");
    let text = fs::read_to_string(&corpus_rule)
        .unwrap()
        .replace("risk_score: 49", "risk_score: 50");
    let d = load_at("x.yml", &text);
    let ps = validate(&d);
    let p = ps.iter().find(|p| p.code == RiskScoreMismatch).unwrap();
    assert_eq!(p.severity, Severity::Warning);
    assert_eq!(
        p.help.as_deref(),
        Some("contentctl uses 49; set `risk_score: 49` or remove it")
    );
    let span = p.span.unwrap();
    assert_eq!(&d.file_text()[span.start..span.end], "50");
    check(p.clone());

    let all: BTreeSet<_> = RuleCode::ALL.iter().copied().collect();
    assert_eq!(
        seen,
        all,
        "codes never triggered: {:?}",
        all.difference(&seen).collect::<Vec<_>>()
    );
}

#[test]
fn type_constraints_per_format() {
    use RuleCode::*;
    // 2026 Anomaly needs intermediate findings; Hunting allows no threat objects.
    let p = expect(
        "anomaly_2026.yml",
        &[(
            "intermediate_findings:\n  entities:\n  - field: src_ip\n    type: system\n    score: 15\n    message: $src_ip$ listed service accounts in $namespaces$ namespaces\n  - field: user\n    type: user\n    score: 30\n    message: $user$ listed service accounts in $namespaces$ namespaces\n",
            "",
        )],
        AlertBlockRequired,
        "type",
        Some("Anomaly"),
    );
    assert!(p.message.contains("intermediate_findings"), "{}", p.message);
    expect(
        "hunting_2026.yml",
        &[(
            "analytic_story:",
            "threat_objects:\n- field: user.username\n  type: user\nanalytic_story:",
        )],
        AlertBlockNotAllowed,
        "threat_objects",
        Some("field: user.username"),
    );
    // 2025: a TTP or Anomaly needs `rba`, a Hunting detection must not have it; scores are 1–100.
    let rba_block = "rba:\n  message: NodePort service $service$ created by $user$ from $src_ip$\n  risk_objects:\n  - field: user\n    type: user\n    score: 35\n  - field: service\n    type: other\n    score: 10\n  threat_objects:\n  - field: src_ip\n    type: ip_address\n";
    let p = expect(
        "rba_2025.yml",
        &[(rba_block, "")],
        AlertBlockRequired,
        "type",
        Some("Anomaly"),
    );
    assert_eq!(p.message, "`type: Anomaly` requires `rba`");
    expect(
        "rba_2025.yml",
        &[("type: Anomaly", "type: Hunting")],
        AlertBlockNotAllowed,
        "rba",
        Some("message: NodePort service $service$ created by $user$ from $src_ip$"),
    );
    expect(
        "rba_2025.yml",
        &[("    score: 10", "    score: 0")],
        ScoreOutOfRange,
        "rba.risk_objects[1].score",
        Some("0"),
    );
    // 2024: confidence above 100.
    let text = fs::read_to_string(
        common::corpus().join("security_content/detections/cloud/kubernetes_node_port_creation.yml"),
    )
    .unwrap()
    .replace("confidence: 70", "confidence: 170");
    let d = load_at("x.yml", &text);
    let ps = validate(&d);
    assert!(
        ps.iter()
            .any(|p| p.code == ScoreOutOfRange && p.key.as_deref() == Some("tags.confidence")),
        "{ps:#?}"
    );
}

#[test]
fn severities_depend_on_the_detection() {
    // A field missing from the search is only a warning for experimental detections.
    let (_, ps) = problems("anomaly_2026.yml", &[("  - field: user\n", "  - field: dest_user\n")]);
    let p = ps.iter().find(|p| p.code == RuleCode::FieldNotInSearch).unwrap();
    assert_eq!(p.severity, Severity::Warning);
    // Tokens of messages are checked too.
    let (_, ps) = problems(
        "anomaly_2026.yml",
        &[(
            "in $namespaces$ namespaces\n  - field: user",
            "in $ns_count$ namespaces\n  - field: user",
        )],
    );
    let p = ps.iter().find(|p| p.code == RuleCode::FieldNotInSearch).unwrap();
    assert!(p.message.contains("`ns_count`"), "{}", p.message);
    assert_eq!(p.key.as_deref(), Some("intermediate_findings.entities[0].message"));
    // A category that disagrees with its folder is a warning.
    let text = fixture_text("ttp_2026.yml").replace("category: cloud", "category: network");
    let ps = validate(&load_at("sc/detections/cloud/rule.yml", &text));
    let p = ps.iter().find(|p| p.code == RuleCode::InvalidClassification).unwrap();
    assert_eq!(p.severity, Severity::Warning);
    // A production detection without tests is an error; a Correlation one needs none.
    let (_, ps) = problems("hunting_2026.yml", &[("tests:\n", "old_tests:\n")]);
    assert!(
        ps.iter()
            .any(|p| p.code == RuleCode::MissingField && p.key.as_deref() == Some("tests"))
    );
}

#[test]
fn problems_have_line_and_column() {
    let (d, ps) = problems("ttp_2026.yml", &[("- T1552.007", "- T1552.07")]);
    let at = ps[0].line_col(&d).unwrap();
    assert_eq!((at.line, at.column), (50, 3));
}

#[test]
fn corpus_has_only_the_known_warnings() {
    let load = load_content(&[common::corpus().join("security_content")]);
    for d in &load.detections {
        for p in validate(d) {
            // The older hunting and experimental detections have fixed messages.
            assert_eq!(p.code, RuleCode::MessageWithoutToken, "{}: {p:#?}", d.path.display());
            assert_eq!(p.severity, Severity::Warning);
            assert_ne!(d.status, tripline_content::Status::Production, "{}", d.path.display());
        }
    }
}

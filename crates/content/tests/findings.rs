//! Findings built from a detection and a result row: messages, risk and threat objects,
//! times, severity, ATT&CK, the JSON layout, and the deterministic id.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::json;
use tripline_content::{
    Detection, EntityKind, Finding, FindingSeverity, MISSING_TOKEN_VALUE, builtin_content, load_detection,
};
use tripline_engine::row::Row;
use tripline_engine::value::Value;

fn fixture(name: &str) -> Detection {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/model")).join(name);
    let text = fs::read_to_string(&path).expect("fixture");
    load_detection(&path, &text).expect("fixture loads")
}

fn multi(values: &[&str]) -> Value {
    Value::Multi(values.iter().map(|v| (*v).into()).collect())
}

/// A result row of the TTP fixture: two users, two secrets, one source address.
fn secret_row() -> Row {
    let mut row = Row::new();
    row.set("user", multi(&["system:anonymous", "anon-2"]));
    row.set("src_ip", Value::str("203.0.113.7"));
    row.set("namespace", Value::str("prod"));
    row.set("count", Value::Num(3.0));
    row.set("firstTime", Value::str("2026-11-22T10:00:00"));
    row.set("lastTime", Value::str("2026-11-22T10:05:00"));
    row.set("secret", multi(&["db-pass", "api-key"]));
    row
}

/// 2026-11-22T10:00:00Z.
const T0: f64 = 1_795_341_600.0;

#[test]
fn messages_risk_and_threat_objects() {
    let d = fixture("ttp_2026.yml");
    let f = Finding::new(&d, &secret_row(), None);
    assert_eq!(f.message, "Anonymous read of secrets in prod from 203.0.113.7");
    assert_eq!(f.severity, FindingSeverity::High);
    assert_eq!(f.risk_score, Some(72));
    assert_eq!(f.rule.name, "Kubernetes Anonymous Secret Read");
    assert_eq!(f.rule.version, 2);

    // One risk object per value of the multivalue `user`, then the finding entity.
    let risk: Vec<_> = f
        .risk_objects
        .iter()
        .map(|r| (r.object.as_str(), r.kind, r.score))
        .collect();
    assert_eq!(
        risk,
        [
            ("system:anonymous", EntityKind::User, 40),
            ("anon-2", EntityKind::User, 40),
            ("203.0.113.7", EntityKind::System, 72)
        ]
    );
    // A multivalue token is joined with ", ".
    assert_eq!(
        f.risk_objects[0].message,
        "system:anonymous, anon-2 read secrets db-pass, api-key in prod"
    );
    assert_eq!(f.risk_objects[2].message, f.message);
    assert_eq!(f.threat_objects.len(), 1);
    assert_eq!(
        (f.threat_objects[0].object.as_str(), f.threat_objects[0].kind.as_str()),
        ("203.0.113.7", "ip_address")
    );

    // firstTime/lastTime as rendered by security_content_ctime.
    assert_eq!(f.first_time, Some(T0));
    assert_eq!(f.last_time, Some(T0 + 300.0));

    let m = &f.mitre_attack[0];
    assert_eq!(m.id, "T1552.007");
    assert_eq!(m.name.as_deref(), Some("Container API"));
    assert_eq!(
        m.tactics.iter().map(|t| t.name).collect::<Vec<_>>(),
        ["Credential Access"]
    );
    assert_eq!(f.analytic_stories, ["Kubernetes Sensitive Object Access Activity"]);
}

#[test]
fn missing_tokens_empty_values_and_null() {
    let d = fixture("ttp_2026.yml");
    let mut row = secret_row();
    row.remove("namespace");
    row.set("user", multi(&["", "null", "alice", "alice"]));
    let f = Finding::new(&d, &row, None);
    assert_eq!(
        f.message,
        format!("Anonymous read of secrets in {MISSING_TOKEN_VALUE} from 203.0.113.7")
    );
    // Empty values and "null" give no risk object; repeated values give one.
    let users: Vec<_> = f
        .risk_objects
        .iter()
        .filter(|r| r.field == "user")
        .map(|r| r.object.as_str())
        .collect();
    assert_eq!(users, ["alice"]);

    // A row without the entity field has no risk object for it.
    row.remove("user");
    let f = Finding::new(&d, &row, None);
    assert!(f.risk_objects.iter().all(|r| r.field != "user"));
}

#[test]
fn times_fall_back_to_time_then_the_run() {
    let d = fixture("ttp_2026.yml");
    let mut row = secret_row();
    row.remove("firstTime");
    row.remove("lastTime");
    row.set("_time", multi(&["1795341700", "1795341650.5"]));
    let f = Finding::new(&d, &row, Some((1.0, 2.0)));
    assert_eq!(
        (f.first_time, f.last_time),
        (Some(1_795_341_650.5), Some(1_795_341_700.0))
    );

    row.remove("_time");
    let f = Finding::new(&d, &row, Some((T0, T0 + 60.0)));
    assert_eq!((f.first_time, f.last_time), (Some(T0), Some(T0 + 60.0)));
    let f = Finding::new(&d, &row, None);
    assert_eq!((f.first_time, f.last_time), (None, None));

    // Epoch numbers, RFC 3339 and the 2024 ctime rendering.
    row.set("firstTime", Value::Num(T0));
    row.set("lastTime", Value::str("11/22/2026 10:01:00"));
    let f = Finding::new(&d, &row, None);
    assert_eq!((f.first_time, f.last_time), (Some(T0), Some(T0 + 60.0)));
    row.set("lastTime", Value::str("2026-11-22T11:00:00+01:00"));
    assert_eq!(Finding::new(&d, &row, None).last_time, Some(T0));
}

#[test]
fn severity_bands() {
    let base = fs::read_to_string(PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/model/ttp_2026.yml"
    )))
    .unwrap();
    for (score, severity) in [
        (0, FindingSeverity::Informational),
        (20, FindingSeverity::Informational),
        (21, FindingSeverity::Low),
        (40, FindingSeverity::Low),
        (41, FindingSeverity::Medium),
        (60, FindingSeverity::Medium),
        (61, FindingSeverity::High),
        (80, FindingSeverity::High),
        (81, FindingSeverity::Critical),
        (100, FindingSeverity::Critical),
    ] {
        let text = base.replace("    score: 72", &format!("    score: {score}"));
        let d = load_detection(Path::new("t.yml"), &text).unwrap();
        let f = Finding::new(&d, &secret_row(), None);
        assert_eq!(f.severity, severity, "{score}");
        assert_eq!(f.risk_score, Some(score));
    }
    // Without a finding the highest entity score decides; without any entity, high.
    let a = fixture("anomaly_2026.yml");
    assert_eq!(Finding::new(&a, &Row::new(), None).severity, FindingSeverity::Low);
    let h = fixture("hunting_2026.yml");
    let f = Finding::new(&h, &Row::new(), None);
    assert_eq!(f.severity, FindingSeverity::High);
    assert_eq!(f.risk_score, None);
}

#[test]
fn deterministic_id() {
    let d = fixture("ttp_2026.yml");
    let id = |row: &Row| Finding::new(&d, row, None).id;
    let a = id(&secret_row());
    assert_eq!(a.len(), 32);
    assert!(a.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    // Same input, same id; the order a multivalue was collected in does not matter, nor do
    // fields outside the group key.
    assert_eq!(id(&secret_row()), a);
    let mut row = secret_row();
    row.set("user", multi(&["anon-2", "system:anonymous"]));
    row.set("count", Value::Num(4.0));
    assert_eq!(id(&row), a);
    // A different group or time range, a different id.
    let mut row = secret_row();
    row.set("src_ip", Value::str("203.0.113.8"));
    assert_ne!(id(&row), a);
    let mut row = secret_row();
    row.set("user", multi(&["system:anonymous"]));
    assert_ne!(id(&row), a);
    let mut row = secret_row();
    row.set("lastTime", Value::str("2026-11-22T10:06:00"));
    assert_ne!(id(&row), a);
    // Another rule, another id.
    let other = load_detection(
        Path::new("o.yml"),
        &fs::read_to_string(&d.path).unwrap().replace(
            "7c1e2a44-9d0b-4c61-a8f3-5b2e9d4c1a07",
            "7c1e2a44-9d0b-4c61-a8f3-5b2e9d4c1a08",
        ),
    )
    .unwrap();
    assert_ne!(Finding::new(&other, &secret_row(), None).id, a);

    // A Hunting rule has no entities: every field is the group key.
    let h = fixture("hunting_2026.yml");
    let mut r1 = Row::new();
    r1.set("user.username", Value::str("alice"));
    r1.set("count", Value::str("3"));
    let mut r2 = r1.clone();
    r2.set("count", Value::str("4"));
    assert_eq!(Finding::new(&h, &r1, None).id, Finding::new(&h, &r1, None).id);
    assert_ne!(Finding::new(&h, &r1, None).id, Finding::new(&h, &r2, None).id);
}

#[test]
fn json_layout() {
    let d = fixture("ttp_2026.yml");
    let mut row = secret_row();
    row.set("_raw", Value::str("{\"kind\":\"Event\"}"));
    let f = Finding::new(&d, &row, None);
    let v = serde_json::to_value(&f).unwrap();
    assert_eq!(v["id"], json!(f.id));
    assert_eq!(
        v["rule"],
        json!({"id": "7c1e2a44-9d0b-4c61-a8f3-5b2e9d4c1a07", "name": "Kubernetes Anonymous Secret Read",
               "version": 2, "kind": "TTP", "status": "production"})
    );
    assert_eq!(v["severity"], json!("high"));
    assert_eq!(v["risk_score"], json!(72));
    assert_eq!(v["first_time"], json!("2026-11-22T10:00:00Z"));
    assert_eq!(v["last_time"], json!("2026-11-22T10:05:00Z"));
    assert_eq!(
        v["risk_objects"][2],
        json!({"object": "203.0.113.7", "kind": "system", "field": "src_ip", "score": 72,
               "message": "Anonymous read of secrets in prod from 203.0.113.7"})
    );
    assert_eq!(
        v["threat_objects"],
        json!([{"object": "203.0.113.7", "kind": "ip_address", "field": "src_ip"}])
    );
    assert_eq!(
        v["mitre_attack"],
        json!([{"id": "T1552.007", "name": "Container API", "tactics": [{"id": "TA0006", "name": "Credential Access"}]}])
    );
    // Fields in row order, multivalues as arrays, computed numbers as numbers, no `_raw`.
    let fields_json = serde_json::to_string(&f.fields).unwrap();
    assert_eq!(
        fields_json,
        r#"{"user":["system:anonymous","anon-2"],"src_ip":"203.0.113.7","namespace":"prod","count":3,"#.to_owned()
            + r#""firstTime":"2026-11-22T10:00:00","lastTime":"2026-11-22T10:05:00","secret":["db-pass","api-key"]}"#
    );
    // Every documented top-level key, in this order, and no other.
    let keys = [
        "id",
        "rule",
        "severity",
        "risk_score",
        "message",
        "first_time",
        "last_time",
        "risk_objects",
        "threat_objects",
        "mitre_attack",
        "analytic_stories",
        "fields",
    ];
    assert_eq!(v.as_object().unwrap().len(), keys.len());
    let text = serde_json::to_string(&f).unwrap();
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| text.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    let docs = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/findings.md")).unwrap();
    for key in keys {
        assert!(
            docs.contains(&format!("`{key}`")),
            "docs/findings.md does not describe `{key}`"
        );
    }
}

/// The example in docs/findings.md is this finding (run with `--nocapture` to see it).
#[test]
fn docs_example_is_real() {
    let d = fixture("ttp_2026.yml");
    let mut row = secret_row();
    row.set("user", Value::str("system:anonymous"));
    let f = Finding::new(&d, &row, None);
    println!("{}", serde_json::to_string_pretty(&f).unwrap());
    let docs = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/findings.md")).unwrap();
    assert!(
        docs.contains(&format!("\"id\": \"{}\"", f.id)),
        "update the example id to {}",
        f.id
    );
}

#[test]
fn builtin_rules_make_findings() {
    let load = builtin_content();
    let sweep = load.detection("Kubernetes Unauthenticated API Sweep").unwrap();
    let mut row = Row::new();
    row.set("src_ip", Value::str("198.51.100.23"));
    row.set("count", Value::Num(12.0));
    let f = Finding::new(sweep, &row, Some((T0, T0 + 600.0)));
    assert_eq!(
        f.message,
        "198.51.100.23 made 12 refused unauthenticated requests to the Kubernetes API"
    );
    assert_eq!(f.mitre_attack[0].name.as_deref(), Some("Network Service Discovery"));
    assert_eq!(f.mitre_attack[0].tactics[0].name, "Discovery");
    assert_eq!(f.risk_objects.len(), 1);
    assert_eq!(f.threat_objects.len(), 1);
}

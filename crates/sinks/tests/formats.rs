//! The output formats for a finding of the built-in rule `Kubernetes Unauthenticated API Sweep`.

use std::path::Path;

use serde_json::Value as Json;
use tripline_content::{Finding, load_detection};
use tripline_engine::row::Row;
use tripline_engine::value::{Text, Value};
use tripline_sinks::{Format, SinkError, falco, ocsf, write};

const START: f64 = 1_795_341_600.0; // 2026-11-22T10:00:00Z
const END: f64 = 1_795_341_900.25; // 2026-11-22T10:05:00.25Z

fn multi(values: &[&str]) -> Value {
    Value::multi(values.iter().map(|v| Text::from(*v)).collect())
}

fn finding(run_time: Option<(f64, f64)>) -> Finding {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kubernetes_unauthenticated_api_sweep.yml");
    let text = std::fs::read_to_string(&path).expect("read detection");
    let detection = load_detection(&path, &text).expect("load detection");
    let mut row = Row::new();
    row.set("src_ip", Value::str("203.0.113.7"));
    row.set("Country", Value::str("Netherlands"));
    row.set("City", Value::str("Amsterdam"));
    row.set("count", Value::Num(42.0));
    row.set("userAgent", multi(&["kube-hunter", "curl/8.5.0"]));
    row.set("verb", multi(&["get", "list"]));
    row.set("requestURI", multi(&["/api/v1/secrets", "/version"]));
    row.set("user", Value::str("system:anonymous"));
    Finding::new(&detection, &row, run_time)
}

fn one_line(format: Format, finding: &Finding) -> Json {
    let mut out = Vec::new();
    write(format, finding, &mut out).expect("write");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.ends_with('\n'));
    assert_eq!(text.matches('\n').count(), 1, "one line: {text}");
    serde_json::from_str(&text).expect("valid JSON")
}

fn get<'a>(v: &'a Json, path: &str) -> &'a Json {
    path.split('.')
        .fold(v, |v, key| v.get(key).unwrap_or_else(|| panic!("missing {path}")))
}

#[test]
fn jsonl_is_the_finding_layout() {
    let f = finding(Some((START, END)));
    let line = one_line(Format::Jsonl, &f);
    assert_eq!(line, serde_json::to_value(&f).expect("serialise"));
    assert_eq!(line["id"], f.id.as_str());
}

#[test]
fn ocsf_has_every_required_attribute_of_detection_finding() {
    let f = finding(Some((START, END)));
    let e = one_line(Format::Ocsf, &f);
    assert_eq!(e, ocsf::to_value(&f).expect("event"));

    // Required by OCSF 1.3 for class 2004, with their types.
    assert_eq!(get(&e, "activity_id").as_u64(), Some(1));
    assert_eq!(get(&e, "category_uid").as_u64(), Some(2));
    assert_eq!(get(&e, "class_uid").as_u64(), Some(2004));
    assert_eq!(get(&e, "type_uid").as_u64(), Some(200_401));
    assert_eq!(get(&e, "time").as_i64(), Some(1_795_341_900_250));
    // Score 25 → low → 2.
    assert_eq!(get(&e, "severity_id").as_u64(), Some(2));
    assert_eq!(get(&e, "severity"), "Low");
    assert_eq!(get(&e, "finding_info.uid").as_str(), Some(f.id.as_str()));
    assert_eq!(get(&e, "finding_info.title"), "Kubernetes Unauthenticated API Sweep");
    assert!(get(&e, "metadata.product").is_object());
    assert_eq!(get(&e, "metadata.product.name"), "Tripline");
    assert_eq!(get(&e, "metadata.product.vendor_name"), "Tripline");
    assert_eq!(get(&e, "metadata.version"), "1.3.0");

    // The rest of the mapping.
    assert_eq!(get(&e, "status_id").as_u64(), Some(1));
    assert_eq!(get(&e, "metadata.uid").as_str(), Some(f.id.as_str()));
    assert_eq!(
        get(&e, "finding_info.desc"),
        "203.0.113.7 made 42 refused unauthenticated requests to the Kubernetes API"
    );
    assert_eq!(get(&e, "message"), get(&e, "finding_info.desc"));
    assert_eq!(get(&e, "finding_info.types"), &serde_json::json!(["Anomaly"]));
    assert_eq!(
        get(&e, "finding_info.first_seen_time").as_i64(),
        Some(1_795_341_600_000)
    );
    assert_eq!(get(&e, "finding_info.last_seen_time").as_i64(), Some(1_795_341_900_250));
    assert_eq!(
        get(&e, "finding_info.analytic.uid"),
        "6f0d4a51-3c2b-4e8f-9a57-1d2b7c9e0a11"
    );
    assert_eq!(get(&e, "finding_info.analytic.type_id").as_u64(), Some(1));
    assert_eq!(get(&e, "finding_info.analytic.type"), "Rule");
    let attacks = get(&e, "finding_info.attacks").as_array().expect("attacks");
    assert_eq!(attacks.len(), 1);
    assert_eq!(get(&attacks[0], "technique.uid"), "T1046");
    assert_eq!(get(&attacks[0], "technique.name"), "Network Service Discovery");
    assert_eq!(get(&attacks[0], "tactic.name"), "Discovery");
    assert_eq!(get(&e, "risk_score").as_u64(), Some(25));
    assert_eq!(get(&e, "resources")[0]["name"], "203.0.113.7");
    assert_eq!(get(&e, "evidences")[0]["src_endpoint"]["ip"], "203.0.113.7");
    let observables = get(&e, "observables").as_array().expect("observables");
    assert_eq!(observables.len(), 2);
    for o in observables {
        assert_eq!(o["type_id"].as_u64(), Some(2), "{o}");
        assert_eq!(o["type"], "IP Address");
        assert_eq!(o["value"], "203.0.113.7");
    }
    assert_eq!(get(&e, "unmapped"), &serde_json::to_value(&f.fields).expect("fields"));
    assert_eq!(get(&e, "unmapped.count").as_u64(), Some(42));
}

#[test]
fn falco_has_the_fields_falcosidekick_reads() {
    let f = finding(Some((START, END)));
    let e = one_line(Format::Falco, &f);
    assert_eq!(e, falco::to_value(&f).expect("event"));
    assert_eq!(e["rule"], "Kubernetes Unauthenticated API Sweep");
    assert_eq!(e["priority"], "Notice");
    assert_eq!(e["source"], "k8s_audit");
    assert_eq!(e["time"], "2026-11-22T10:05:00.250000000Z");
    let output = e["output"].as_str().expect("output");
    assert!(!output.contains('\n'));
    assert!(output.starts_with("2026-11-22T10:05:00.250000000Z"), "{output}");
    assert!(output.contains("Kubernetes Unauthenticated API Sweep"), "{output}");
    assert!(
        output.ends_with("203.0.113.7 made 42 refused unauthenticated requests to the Kubernetes API"),
        "{output}"
    );
    let fields = e["output_fields"].as_object().expect("output_fields");
    assert_eq!(fields["src_ip"], "203.0.113.7");
    assert_eq!(fields["count"], 42);
    assert_eq!(fields["verb"], serde_json::json!(["get", "list"]));
    assert_eq!(
        e["tags"],
        serde_json::json!(["T1046", "mitre_discovery", "Kubernetes Scanning Activity"])
    );
    assert!(e.get("hostname").is_none());
}

#[test]
fn falco_priorities() {
    use tripline_content::FindingSeverity as S;
    let got: Vec<_> = [S::Critical, S::High, S::Medium, S::Low, S::Informational]
        .map(falco::priority)
        .into();
    assert_eq!(got, ["Critical", "Error", "Warning", "Notice", "Informational"]);
}

#[test]
fn a_finding_without_time_is_an_error_for_event_formats() {
    let f = finding(None);
    assert_eq!(f.first_time, None);
    for format in [Format::Ocsf, Format::Falco] {
        let mut out = Vec::new();
        let err = write(format, &f, &mut out).expect_err("no time");
        assert!(
            matches!(err, SinkError::NoTime { ref finding_id } if *finding_id == f.id),
            "{err}"
        );
        assert!(out.is_empty());
    }
    let line = one_line(Format::Jsonl, &f);
    assert!(line["first_time"].is_null());
}

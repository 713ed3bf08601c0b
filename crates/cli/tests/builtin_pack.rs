//! The built-in pack (`content/`) end to end through `tripline hunt`: every rule's own tests
//! (`tests:` in its YAML, datasets in `content/datasets/`), then, for each system the seed pages
//! describe, the findings in detail — who is at risk and how much, the threat objects, ATT&CK and
//! the message — and that benign traffic is silent for the whole pack, not only for its own rule.
//!
//! The GeoIP database is one the test writes (1.1.1.0/24 in Sydney), so the results do not depend
//! on what is installed on the machine.

#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

#[allow(dead_code, unreachable_pub)]
#[path = "../../engine/tests/mmdb_writer/mod.rs"]
mod mmdb_writer;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tripline_content::{Detection, load_content};

use mmdb_writer::{Data, Writer, map, s};

fn content_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content")
}

fn pack() -> Vec<Detection> {
    let load = load_content(&[content_dir()]);
    assert!(load.errors.is_empty(), "{:?}", load.errors);
    load.detections
}

/// A DB-IP-style city database placing 1.1.1.0/24 in Sydney.
fn geoip(dir: &Path) -> PathBuf {
    let mut w = Writer::new("dbip-city-lite", 4, 24);
    w.insert(
        "1.1.1.0/24",
        map([
            ("city", s("Sydney")),
            ("country_code", s("AU")),
            ("latitude", Data::Float(-33.87)),
            ("longitude", Data::Float(151.21)),
            ("state1", s("New South Wales")),
            ("timezone", s("")),
        ]),
    );
    let path = dir.join("city.mmdb");
    std::fs::write(&path, w.build()).unwrap();
    path
}

/// `tripline hunt` over `inputs` with extra `args`: the findings, stderr and exit status.
fn hunt(args: &[&str], inputs: &[PathBuf], db: &Path) -> (Vec<Value>, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .arg("hunt")
        .args(["--now", "2026-11-22T00:00:00Z", "--format", "jsonl"])
        .args(["--geoip", db.to_str().unwrap()])
        .args(args)
        .args(inputs)
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let findings = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (findings, stderr, out.status.code())
}

fn dataset(stem: &str, which: &str) -> PathBuf {
    content_dir().join("datasets").join(stem).join(format!("{which}.jsonl"))
}

#[test]
fn every_rule_passes_its_own_tests() {
    let dir = tempfile::tempdir().unwrap();
    let db = geoip(dir.path());
    let detections = pack();
    assert!(detections.len() >= 11, "{} rules", detections.len());
    for d in &detections {
        assert!(
            d.tests.iter().any(|t| !t.is_negative()) && d.tests.iter().any(tripline_content::RuleTest::is_negative),
            "{}: needs a positive and a negative test",
            d.name
        );
        for test in &d.tests {
            let base = d.path.parent().unwrap();
            let inputs: Vec<PathBuf> = test.attack_data.iter().map(|a| base.join(&a.data)).collect();
            let (findings, stderr, status) = hunt(&["--rule", &d.id], &inputs, &db);
            let what = format!("{} / {}", d.name, test.name);
            assert_eq!(status, Some(0), "{what}: {stderr}");
            // The test declares the sourcetype Tripline's ingest gives the data.
            for a in &test.attack_data {
                assert!(
                    stderr.contains(&format!("by sourcetype: {} ", a.sourcetype)),
                    "{what}: declared sourcetype {} but {stderr}",
                    a.sourcetype
                );
            }
            match test.expected_results {
                Some(0) => assert!(findings.is_empty(), "{what}: {findings:#?}"),
                Some(n) => assert_eq!(findings.len() as u64, n, "{what}"),
                None => assert!(!findings.is_empty(), "{what}: no findings"),
            }
            for f in &findings {
                assert_eq!(f["rule"]["id"], d.id.as_str(), "{what}");
                let message = f["message"].as_str().unwrap();
                assert!(!message.contains('$'), "{what}: unfilled token in {message}");
            }
        }
    }
}

/// What one finding of a seed system must say.
struct Expect {
    message: &'static str,
    /// (field, value, score) of each risk object.
    risk: &'static [(&'static str, &'static str, u64)],
    /// (kind, value) of each threat object.
    threats: &'static [(&'static str, &'static str)],
}

/// The findings a rule gives on its attack dataset, in order, with its severity and techniques.
fn check(stem: &str, severity: &str, techniques: &[&str], expected: &[Expect]) {
    let dir = tempfile::tempdir().unwrap();
    let db = geoip(dir.path());
    let (findings, stderr, status) = hunt(&["--rule", stem], &[dataset(stem, "attack")], &db);
    assert_eq!(status, Some(0), "{stem}: {stderr}");
    let messages: Vec<&str> = findings.iter().map(|f| f["message"].as_str().unwrap()).collect();
    let wanted: Vec<&str> = expected.iter().map(|e| e.message).collect();
    assert_eq!(messages, wanted, "{stem}");
    for (f, e) in findings.iter().zip(expected) {
        assert_eq!(f["severity"], severity, "{stem}");
        let ids: Vec<&str> = f["mitre_attack"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, techniques, "{stem}");
        assert!(
            f["mitre_attack"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["name"].is_string()),
            "{stem}: every technique is named"
        );
        let risk: Vec<(&str, &str, u64)> = f["risk_objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["field"].as_str().unwrap(),
                    r["object"].as_str().unwrap(),
                    r["score"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(risk, e.risk, "{stem}: {}", e.message);
        let threats: Vec<(&str, &str)> = f["threat_objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["kind"].as_str().unwrap(), t["object"].as_str().unwrap()))
            .collect();
        assert_eq!(threats, e.threats, "{stem}: {}", e.message);
    }
}

#[test]
fn access_scanning_is_geolocated_and_reported_without_a_location_too() {
    check(
        "kubernetes_unauthenticated_api_sweep",
        "low",
        &["T1046"],
        &[
            Expect {
                message: "1.1.1.1 made 8 refused unauthenticated requests to the Kubernetes API",
                risk: &[("src_ip", "1.1.1.1", 25)],
                threats: &[("ip_address", "1.1.1.1"), ("http_user_agent", "python-requests/2.31.0")],
            },
            Expect {
                message: "203.0.113.45 made 7 refused unauthenticated requests to the Kubernetes API",
                risk: &[("src_ip", "203.0.113.45", 25)],
                threats: &[("ip_address", "203.0.113.45"), ("http_user_agent", "curl/7.88.1")],
            },
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let (findings, _, _) = hunt(
        &["--rule", "kubernetes_unauthenticated_api_sweep"],
        &[dataset("kubernetes_unauthenticated_api_sweep", "attack")],
        &geoip(dir.path()),
    );
    let places: Vec<(&Value, &Value)> = findings
        .iter()
        .map(|f| (&f["fields"]["Country"], &f["fields"]["City"]))
        .collect();
    assert_eq!(
        places,
        [
            (&Value::from("Australia"), &Value::from("Sydney")),
            (&Value::from("unknown"), &Value::from("unknown"))
        ]
    );
}

#[test]
fn anonymous_requests_that_were_allowed() {
    let threats_curl: &[(&str, &str)] = &[("ip_address", "198.51.100.77"), ("http_user_agent", "curl/7.88.1")];
    let threats_py: &[(&str, &str)] = &[
        ("ip_address", "198.51.100.77"),
        ("http_user_agent", "python-requests/2.31.0"),
    ];
    check(
        "kubernetes_anonymous_api_access_allowed",
        "high",
        &["T1613", "T1190"],
        &[
            Expect {
                message: "Kubernetes API server allowed 4 anonymous requests (create, get) from 198.51.100.77 \
                          (curl/7.88.1)",
                risk: &[("src_ip", "198.51.100.77", 64)],
                threats: threats_curl,
            },
            Expect {
                message: "Kubernetes API server allowed 3 anonymous requests (list) from 198.51.100.77 \
                          (python-requests/2.31.0)",
                risk: &[("src_ip", "198.51.100.77", 64)],
                threats: threats_py,
            },
        ],
    );
}

#[test]
fn eks_pod_scan_and_cluster_scan() {
    check(
        "amazon_eks_anonymous_pod_listing",
        "low",
        &["T1613", "T1526"],
        &[Expect {
            message: "198.51.100.23 listed pods of EKS cluster prod-eks without credentials (4 requests, response 403)",
            risk: &[("src_ip", "198.51.100.23", 32)],
            threats: &[
                ("ip_address", "198.51.100.23"),
                ("http_user_agent", "curl/7.88.1"),
                ("http_user_agent", "python-requests/2.31.0"),
            ],
        }],
    );
    let dir = tempfile::tempdir().unwrap();
    let (findings, stderr, _) = hunt(
        &["--rule", "amazon_eks_anonymous_cluster_discovery"],
        &[dataset("amazon_eks_anonymous_cluster_discovery", "attack")],
        &geoip(dir.path()),
    );
    let sources: Vec<&str> = findings
        .iter()
        .map(|f| f["risk_objects"][0]["object"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["198.51.100.200", "203.0.113.80"], "{stderr}");
    assert!(findings.iter().all(|f| f["fields"]["cluster_name"] == "prod-eks"));
}

#[test]
fn gke_and_aks_cluster_and_pod_scans() {
    for (stem, sources, techniques, score) in [
        (
            "kubernetes_gke_unauthenticated_cluster_scan",
            &["198.51.100.23", "203.0.113.77"][..],
            &["T1046", "T1526"][..],
            25,
        ),
        (
            "kubernetes_gke_unauthenticated_pod_enumeration",
            &["198.51.100.23", "203.0.113.50"][..],
            &["T1613", "T1526"][..],
            32,
        ),
        (
            "kubernetes_aks_unauthenticated_cluster_scan",
            &["198.51.100.60", "203.0.113.91"][..],
            &["T1046", "T1526"][..],
            25,
        ),
        (
            "kubernetes_aks_unauthenticated_pod_enumeration",
            &["198.51.100.60", "203.0.113.50", "203.0.113.91"][..],
            &["T1613", "T1526"][..],
            32,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (findings, stderr, status) = hunt(&["--rule", stem], &[dataset(stem, "attack")], &geoip(dir.path()));
        assert_eq!(status, Some(0), "{stem}: {stderr}");
        let mut got: Vec<&str> = findings
            .iter()
            .map(|f| f["risk_objects"][0]["object"].as_str().unwrap())
            .collect();
        got.sort_unstable();
        assert_eq!(got, sources, "{stem}");
        for f in &findings {
            assert_eq!(f["risk_objects"][0]["score"], score, "{stem}");
            assert_eq!(f["severity"], "low", "{stem}");
            let ids: Vec<&str> = f["mitre_attack"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_str().unwrap())
                .collect();
            assert_eq!(ids, techniques, "{stem}");
            let src = f["risk_objects"][0]["object"].as_str().unwrap();
            assert!(
                f["message"].as_str().unwrap().starts_with(src),
                "{stem}: {}",
                f["message"]
            );
            assert_eq!(f["threat_objects"][0]["kind"], "ip_address", "{stem}");
            assert_eq!(f["threat_objects"][0]["object"], src, "{stem}");
        }
    }
}

#[test]
fn scanner_images_and_suspicious_images() {
    let dir = tempfile::tempdir().unwrap();
    let db = geoip(dir.path());
    let stem = "kubernetes_security_scanner_image_pull";
    let (findings, stderr, _) = hunt(&["--rule", stem], &[dataset(stem, "attack")], &db);
    let mut images: Vec<&str> = findings
        .iter()
        .map(|f| f["threat_objects"][0]["object"].as_str().unwrap())
        .collect();
    images.sort_unstable();
    assert_eq!(images.len(), 5, "{stderr}");
    for tool in ["kube-hunter", "kube-bench", "peirates", "kubescape", "kubiscan"] {
        assert!(images.iter().any(|i| i.contains(tool)), "{tool} in {images:?}");
    }
    for f in &findings {
        assert_eq!(f["severity"], "high");
        assert_eq!(f["risk_objects"][0]["field"], "host");
        assert_eq!(f["risk_objects"][0]["score"], 64);
        assert_eq!(f["threat_objects"][0]["kind"], "signature");
        assert!(f["message"].as_str().unwrap().starts_with("Security scanner image "));
    }

    let stem = "kubernetes_suspicious_image_pull";
    let (findings, stderr, _) = hunt(&["--rule", stem], &[dataset(stem, "attack")], &db);
    assert_eq!(findings.len(), 4, "{stderr}");
    let public_registry: Vec<&Value> = findings
        .iter()
        .flat_map(|f| f["threat_objects"].as_array().unwrap())
        .filter(|t| t["kind"] == "ip_address")
        .map(|t| &t["object"])
        .collect();
    assert_eq!(public_registry, [&Value::from("203.0.113.44")]);
}

#[test]
fn forbidden_creates_by_an_authenticated_user() {
    check(
        "kubernetes_forbidden_create_attempt",
        "low",
        &["T1610", "T1098"],
        &[Expect {
            message: "system:serviceaccount:shop:storefront was refused 5 create requests (clusterrolebindings, \
                      cronjobs, pods, pods/exec, serviceaccounts/token) from 10.244.2.15",
            risk: &[("user", "system:serviceaccount:shop:storefront", 40)],
            threats: &[("ip_address", "10.244.2.15")],
        }],
    );
}

#[test]
fn the_story_runs_the_whole_pack_and_benign_traffic_is_silent() {
    let dir = tempfile::tempdir().unwrap();
    let db = geoip(dir.path());
    let detections = pack();
    let stems: Vec<String> = detections
        .iter()
        .map(|d| d.path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();

    let attacks: Vec<PathBuf> = stems.iter().map(|s| dataset(s, "attack")).collect();
    let (findings, stderr, status) = hunt(&["--story", "Kubernetes Scanning Activity"], &attacks, &db);
    assert_eq!(status, Some(0), "{stderr}");
    for d in &detections {
        assert!(
            findings.iter().any(|f| f["rule"]["id"] == d.id.as_str()),
            "{} raised nothing over all the attack data: {stderr}",
            d.name
        );
    }
    assert!(stderr.contains(&format!("{} rules run", detections.len())), "{stderr}");

    let benign: Vec<PathBuf> = stems.iter().map(|s| dataset(s, "benign")).collect();
    let (findings, stderr, status) = hunt(&["--fail-on-findings"], &benign, &db);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(findings.is_empty(), "{findings:#?}");
}

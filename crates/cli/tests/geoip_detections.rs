//! The three production detections that geolocate (Kubernetes Access Scanning, Kubernetes Scanning
//! by Unauthenticated IP Address, Kubernetes Abuse of Secret by Unusual Location) run verbatim
//! from the corpus through `tripline search`, over hand-made audit events and a tiny GeoIP
//! database the test writes itself (DB-IP Lite's flat layout).

#![allow(clippy::unwrap_used, clippy::too_many_arguments)] // test helpers: a failure is a test failure

#[path = "../../engine/tests/mmdb_writer/mod.rs"]
#[allow(dead_code, unreachable_pub)]
mod mmdb_writer;

use std::path::{Path, PathBuf};
use std::process::Command;

use mmdb_writer::{Data, Writer, map, s};
use serde_json::Value;

fn corpus() -> PathBuf {
    std::env::var_os("TRIPLINE_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    )
}

/// A DB-IP-Lite-shaped IPv4 database: one Dutch, one Russian network without a city, one US.
fn geoip(dir: &Path) -> PathBuf {
    let flat = |city: &str, cc: &str, lat: f32, lon: f32| {
        map([
            ("city", s(city)),
            ("country_code", s(cc)),
            ("latitude", Data::Float(lat)),
            ("longitude", Data::Float(lon)),
            ("state1", s("")),
            ("timezone", s("")),
        ])
    };
    let mut w = Writer::new("city ipv4", 4, 24);
    w.insert("45.155.205.0/24", flat("Amsterdam", "NL", 52.37, 4.89));
    w.insert("91.205.188.0/23", flat("", "RU", 55.75, 37.61));
    w.insert("8.8.8.0/24", flat("Mountain View", "US", 37.42, -122.08));
    let path = dir.join("test-city.mmdb");
    std::fs::write(&path, w.build()).unwrap();
    path
}

/// One audit event.
fn audit(ip: &str, verb: &str, uri: &str, code: u16, groups: &[&str], user: &str, resource: &str, n: u32) -> String {
    let reason = match code {
        403 => "Forbidden",
        401 => "Unauthorized",
        _ => "",
    };
    serde_json::json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
        "auditID": format!("00000000-0000-4000-8000-{n:012}"), "stage": "ResponseComplete",
        "requestURI": uri, "verb": verb,
        "user": {"username": user, "uid": format!("uid-{user}"), "groups": groups},
        "sourceIPs": [ip], "userAgent": "python-requests/2.31.0",
        "objectRef": {"resource": resource, "namespace": "default", "name": "db-credentials", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "status": if code >= 400 { "Failure" } else { "Success" }, "reason": reason, "code": code},
        "requestReceivedTimestamp": format!("2026-11-21T10:{:02}:{:02}.000000Z", n / 60, n % 60),
        "stageTimestamp": format!("2026-11-21T10:{:02}:{:02}.004000Z", n / 60, n % 60),
    })
    .to_string()
}

/// Run a detection; returns the raw JSON lines and their parsed values.
fn run_raw(detection: &str, events: &[String], dir: &Path) -> (Vec<String>, Vec<Value>) {
    let yml = corpus()
        .join("security_content/detections/cloud")
        .join(format!("{detection}.yml"));
    let text = std::fs::read_to_string(&yml).unwrap();
    let spl = tripline_content::searches_from_yaml(&yml, &text).unwrap().unwrap().text;
    let data = dir.join("events.json");
    std::fs::write(&data, events.join("\n")).unwrap();
    let db = geoip(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args([
            "search",
            &spl,
            data.to_str().unwrap(),
            "--format",
            "jsonl",
            "--source",
            "kubernetes",
        ])
        .args(["--macros", corpus().join("security_content/macros").to_str().unwrap()])
        .args(["--geoip", db.to_str().unwrap(), "--now", "2026-11-22T00:00:00Z"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let values = lines.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    (lines, values)
}

fn run(detection: &str, events: &[String], dir: &Path) -> Vec<Value> {
    run_raw(detection, events, dir).1
}

const UNAUTH: &[&str] = &["system:unauthenticated"];

fn scanning_events() -> Vec<String> {
    let mut events = Vec::new();
    let mut n = 0;
    let mut add = |ip: &str, count: u32, code: u16, uris: &[&str]| {
        for i in 0..count {
            n += 1;
            events.push(audit(
                ip,
                "get",
                uris[i as usize % uris.len()],
                code,
                UNAUTH,
                "system:anonymous",
                "",
                n,
            ));
        }
    };
    // Seven refused probes from Amsterdam: more than five, reported.
    add(
        "45.155.205.10",
        7,
        403,
        &["/api/v1/pods", "/version", "/api/v1/secrets"],
    );
    // Six from a Russian network whose record has no city: reported with an empty City.
    add("91.205.189.15", 6, 403, &["/api"]);
    // Three from Mountain View: not more than five.
    add("8.8.8.9", 3, 403, &["/api"]);
    // Eight from a private address: iplocation adds no fields, so stats BY Country City drops them.
    add("10.0.0.7", 8, 403, &["/api"]);
    // Six 401s from Amsterdam's neighbour: not 403, not matched.
    add("45.155.205.11", 6, 401, &["/api"]);
    events
}

fn expected_scanning() -> Vec<Value> {
    let row = |ip: &str, country: &str, city: &str, count: u32, uris: &[&str]| {
        serde_json::json!({
            "src_ip": ip, "Country": country, "City": city, "count": count,
            "userAgent": "python-requests/2.31.0", "user": "system:anonymous",
            "user.groups{}": "system:unauthenticated", "verb": "get",
            "requestURI": if uris.len() == 1 { Value::from(uris[0]) } else { Value::from(uris.to_vec()) },
            "responseStatus.code": "403", "responseStatus.reason": "Forbidden", "responseStatus.status": "Failure",
        })
    };
    // Rows come sorted by the BY fields (sourceIPs{} first); `values()` sorts by bytes.
    vec![
        row(
            "45.155.205.10",
            "Netherlands",
            "Amsterdam",
            7,
            &["/api/v1/pods", "/api/v1/secrets", "/version"],
        ),
        row("91.205.189.15", "Russia", "", 6, &["/api"]),
    ]
}

/// Compare ignoring key order inside the objects but keeping row order.
fn assert_rows(got: &[Value], expected: &[Value]) {
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (g, e) in got.iter().zip(expected) {
        assert_eq!(g, e);
    }
}

#[test]
fn kubernetes_access_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, got) = run_raw("kubernetes_access_scanning", &scanning_events(), dir.path());
    assert_rows(&got, &expected_scanning());
    // Column order: the BY fields (renamed in place), then count and the values in order.
    assert!(
        lines[0].starts_with(
            r#"{"src_ip":"45.155.205.10","Country":"Netherlands","City":"Amsterdam","count":7,"userAgent":"#
        ),
        "{}",
        lines[0]
    );
}

#[test]
fn kubernetes_scanning_by_unauthenticated_ip_address() {
    let dir = tempfile::tempdir().unwrap();
    let got = run(
        "kubernetes_scanning_by_unauthenticated_ip_address",
        &scanning_events(),
        dir.path(),
    );
    assert_rows(&got, &expected_scanning());
}

#[test]
fn kubernetes_abuse_of_secret_by_unusual_location() {
    let dir = tempfile::tempdir().unwrap();
    let events = vec![
        // From the United States: the stock allow-list (`Country="United States"`) removes it.
        audit(
            "8.8.8.9",
            "get",
            "/api/v1/namespaces/default/secrets/db-credentials",
            200,
            &["system:authenticated"],
            "alice",
            "secrets",
            1,
        ),
        // From Amsterdam: reported.
        audit(
            "45.155.205.10",
            "get",
            "/api/v1/namespaces/default/secrets/db-credentials",
            200,
            &["system:authenticated"],
            "mallory",
            "secrets",
            2,
        ),
        // From a private address: no location, but fillnull sets City and Country to "0" because
        // other events have them, and NOT Country="United States" keeps it.
        audit(
            "10.0.0.7",
            "get",
            "/api/v1/namespaces/default/secrets/db-credentials",
            200,
            &["system:serviceaccounts"],
            "system:serviceaccount:ci:deployer",
            "secrets",
            3,
        ),
        // Not a secret read.
        audit(
            "45.155.205.10",
            "list",
            "/api/v1/pods",
            200,
            &["system:authenticated"],
            "mallory",
            "pods",
            4,
        ),
    ];
    let got = run("kubernetes_abuse_of_secret_by_unusual_location", &events, dir.path());
    let summary: Vec<(String, String, String, String)> = got
        .iter()
        .map(|r| {
            let f = |k: &str| r[k].as_str().map_or_else(|| r[k].to_string(), str::to_string);
            (f("src_ip"), f("user"), f("Country"), f("City"))
        })
        .collect();
    // Sorted by the BY fields, whose first is objectRef.name (equal), then objectRef.namespace,
    // objectRef.resource, requestReceivedTimestamp (the event time order).
    assert_eq!(
        summary,
        [
            (
                "45.155.205.10".into(),
                "mallory".into(),
                "Netherlands".into(),
                "Amsterdam".into()
            ),
            (
                "10.0.0.7".into(),
                "system:serviceaccount:ci:deployer".into(),
                "0".into(),
                "0".into()
            ),
        ]
    );
    assert_eq!(got[0]["count"], 1);
}

#[test]
fn private_addresses_only_means_no_location_fields_at_all() {
    // If every event is private, City and Country never exist, fillnull cannot create them, and
    // `stats ... BY ... City Country` drops everything (spl-semantics.md §3.6.3).
    let dir = tempfile::tempdir().unwrap();
    let events = vec![audit(
        "10.0.0.7",
        "get",
        "/api/v1/namespaces/default/secrets/x",
        200,
        &["system:authenticated"],
        "bob",
        "secrets",
        1,
    )];
    assert!(run("kubernetes_abuse_of_secret_by_unusual_location", &events, dir.path()).is_empty());
}

#[test]
fn without_a_database_the_search_says_so_once() {
    let dir = tempfile::tempdir().unwrap();
    let events = scanning_events();
    let data = dir.path().join("events.json");
    std::fs::write(&data, events.join("\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args([
            "search",
            "source=* | iplocation sourceIPs{} | stats count BY Country",
            data.to_str().unwrap(),
        ])
        .args(["--format", "jsonl"])
        // TRIPLINE_GEOIP, when set, is the only place looked at: an empty directory means none.
        .env("TRIPLINE_GEOIP", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("no GeoIP database was found").count(), 1, "{stderr}");
    assert!(stderr.contains("scripts/fetch-geoip"), "{stderr}");
    // No database: no location fields, so stats BY Country has nothing to group.
    assert!(out.stdout.is_empty());
}

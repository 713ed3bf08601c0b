//! The GeoIP detections' data: a tiny GeoIP database the tests write themselves (DB-IP Lite's
//! flat layout), hand-made audit events, and the rows Kubernetes Access Scanning, Kubernetes
//! Scanning by Unauthenticated IP Address and Kubernetes Abuse of Secret by Unusual Location
//! give over them.

#![allow(clippy::too_many_arguments)] // `audit` spells out an event

#[path = "../../../engine/tests/mmdb_writer/mod.rs"]
#[allow(dead_code, unreachable_pub)]
mod mmdb_writer;

use std::path::{Path, PathBuf};

use mmdb_writer::{Data, Writer, map, s};
use serde_json::{Map, Value};

/// A DB-IP-Lite-shaped IPv4 database in `dir`: one Dutch, one Russian network without a city,
/// one US.
pub(crate) fn database(dir: &Path) -> PathBuf {
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
pub(crate) fn audit(
    ip: &str,
    verb: &str,
    uri: &str,
    code: u16,
    groups: &[&str],
    user: &str,
    resource: &str,
    n: u32,
) -> String {
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

/// Write `events` as JSON lines to `dir/name`.
pub(crate) fn write_events(dir: &Path, name: &str, events: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, events.join("\n")).unwrap();
    path
}

const UNAUTH: &[&str] = &["system:unauthenticated"];

/// Refused anonymous probes from five addresses (Access Scanning and Scanning by
/// Unauthenticated IP Address).
pub(crate) fn scanning_events() -> Vec<String> {
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

/// The rows of both scanning detections over [`scanning_events`].
pub(crate) fn expected_scanning() -> Vec<Value> {
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
pub(crate) fn assert_rows(got: &[Value], expected: &[Value]) {
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (g, e) in got.iter().zip(expected) {
        assert_eq!(g, e);
    }
}

/// [`expected_scanning`], as an [`super::Expected::Check`].
pub(crate) fn expect_scanning(rows: &[Map<String, Value>]) {
    let got: Vec<Value> = rows.iter().cloned().map(Value::Object).collect();
    assert_rows(&got, &expected_scanning());
}

/// Secret reads from three places, and a list (Abuse of Secret by Unusual Location).
pub(crate) fn location_events() -> Vec<String> {
    vec![
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
    ]
}

/// The rows of Abuse of Secret by Unusual Location over [`location_events`].
pub(crate) fn expect_location(rows: &[Map<String, Value>]) {
    // Sorted by the BY fields, whose first is objectRef.name (equal), then objectRef.namespace,
    // objectRef.resource, requestReceivedTimestamp (the event time order). Each row is one read.
    assert_eq!(
        super::columns(rows, &["src_ip", "user", "Country", "City", "count"]),
        super::strings(&[
            &["45.155.205.10", "mallory", "Netherlands", "Amsterdam", "1"],
            &["10.0.0.7", "system:serviceaccount:ci:deployer", "0", "0", "1"],
        ])
    );
}

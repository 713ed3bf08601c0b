//! `tripline serve` end to end, on 127.0.0.1: the webhook, authentication (tokens and mutual
//! TLS), request errors, health and metrics, and findings equal to `tripline hunt`'s.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

#[path = "support/server.rs"]
mod server;

use server::{Server, TOKEN, client, datasets};

/// The lines of a dataset as an audit.k8s.io/v1 EventList.
fn event_list(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("dataset");
    let items: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{}]}}"#,
        items.join(",")
    )
}

/// (rule, entities, message) of JSON-lines findings.
fn keys(lines: &[String]) -> BTreeSet<(String, String, String)> {
    lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a finding");
            let mut objects: Vec<String> = v["risk_objects"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|o| o["object"].as_str().unwrap_or("").to_owned())
                        .collect()
                })
                .unwrap_or_default();
            objects.sort();
            (
                v["rule"]["name"].as_str().unwrap_or("").to_owned(),
                objects.join(","),
                v["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

const PLAIN: &str = r#"
insecure_plain_http = true
[auth]
token_file = "tokens"
[limits]
max_body = "1MiB"
[windows]
size = "24000h"
slide = "24000h"
idle_timeout = "1h"
[suppression]
period = 0
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_requests_errors_health_metrics_and_the_findings_of_hunt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(PLAIN, &[], dir.path());
    let c = client();
    let base = server.url.clone();

    // Health is open; readiness says ready.
    let r = c.get(format!("{base}/healthz")).send().await.expect("healthz");
    assert_eq!(r.status(), 200);
    let r = c.get(format!("{base}/readyz")).send().await.expect("readyz");
    assert_eq!(r.status(), 200);

    let sweep = datasets().join("kubernetes_unauthenticated_api_sweep/attack.jsonl");
    let body = event_list(&sweep);
    // No token, a wrong token: 401.
    let r = c
        .post(format!("{base}/k8s-audit"))
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = c
        .post(format!("{base}/k8s-audit"))
        .bearer_auth("wrong")
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 401);
    // Malformed: 400 saying why.
    let r = c
        .post(format!("{base}/k8s-audit"))
        .bearer_auth(TOKEN)
        .body("{\"kind\":\"EventList\",\"items\":[{\"verb\":")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("text").contains("no usable event"));
    // Not audit events at /k8s-audit: 400 pointing at /ingest.
    let r = c
        .post(format!("{base}/k8s-audit"))
        .bearer_auth(TOKEN)
        .body("{\"hello\":\"world\"}")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("text").contains("/ingest"));
    // Bad gzip: 400. Too large, plain or once decompressed: 413.
    let r = c
        .post(format!("{base}/k8s-audit"))
        .bearer_auth(TOKEN)
        .header("content-encoding", "gzip")
        .body("not gzip")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let big = format!("{{\"padding\":\"{}\"}}", "x".repeat(2 << 20));
    let r = c
        .post(format!("{base}/k8s-audit"))
        .bearer_auth(TOKEN)
        .body(big.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);
    let r = c
        .post(format!("{base}/k8s-audit"))
        .bearer_auth(TOKEN)
        .header("content-encoding", "gzip")
        .body(gzip(big.as_bytes()))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413);
    // A bad cluster name: 400.
    let r = c
        .post(format!("{base}/k8s-audit"))
        .bearer_auth(TOKEN)
        .header("x-tripline-cluster", "a b")
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);

    // Every dataset, each to its own cluster: the EventList gzipped to /k8s-audit/{cluster}, or
    // the file as it is to /ingest with the cluster in a header.
    let mut expected = BTreeSet::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(datasets())
        .expect("datasets")
        .filter_map(Result::ok)
        .map(|e| e.path())
        // One directory per rule; `simulated/` holds datasets of another layout.
        .filter(|dir| dir.join("attack.jsonl").is_file())
        .collect();
    names.sort();
    for (i, dir) in names.iter().enumerate() {
        let attack = dir.join("attack.jsonl");
        let cluster = format!("c{i}");
        let raw = std::fs::read_to_string(&attack).expect("dataset");
        // Raw audit events can be wrapped in an EventList as the API server sends them.
        let body = if raw.starts_with(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1""#) {
            event_list(&attack)
        } else {
            raw
        };
        let r = if i % 2 == 0 {
            c.post(format!("{base}/k8s-audit/{cluster}"))
                .bearer_auth(TOKEN)
                .header("content-encoding", "gzip")
                .body(gzip(body.as_bytes()))
                .send()
                .await
                .expect("post")
        } else {
            c.post(format!("{base}/ingest"))
                .bearer_auth(TOKEN)
                .header("x-tripline-cluster", cluster.clone())
                .body(std::fs::read(&attack).expect("dataset"))
                .send()
                .await
                .expect("post")
        };
        let status = r.status();
        let text = r.text().await.expect("text");
        // /k8s-audit takes audit events only; Kubernetes Events datasets go to /ingest.
        if status == 400 && text.contains("/ingest") {
            let r = c
                .post(format!("{base}/ingest/{cluster}"))
                .bearer_auth(TOKEN)
                .body(std::fs::read(&attack).expect("dataset"))
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), 200, "{}", dir.display());
        } else {
            assert_eq!(status, 200, "{}: {text}", dir.display());
            assert!(text.contains("\"accepted\":"), "{text}");
        }
        let hunt = Command::new(env!("CARGO_BIN_EXE_tripline"))
            .args(["hunt", "-q", "--format", "jsonl"])
            .arg(&attack)
            .output()
            .expect("hunt");
        let lines: Vec<String> = String::from_utf8_lossy(&hunt.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        expected.extend(keys(&lines));
    }
    assert!(!expected.is_empty());

    let metrics = c
        .get(format!("{base}/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("metrics");
    assert_eq!(metrics.status(), 200);
    let metrics = metrics.text().await.expect("text");
    assert!(
        metrics.contains("tripline_events_received_total{cluster=\"c0\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("tripline_requests_rejected_total{reason=\"unauthorized\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tripline_requests_rejected_total{reason=\"too_large\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("tripline_queue_depth "), "{metrics}");
    assert!(metrics.contains("tripline_window_rows "), "{metrics}");
    assert!(
        metrics.contains("tripline_sink_delivered_total{sink=\"stdout\"}"),
        "{metrics}"
    );
    let r = c.get(format!("{base}/metrics")).send().await.expect("metrics");
    assert_eq!(r.status(), 401, "metrics need the token");

    // Shutdown closes the windows and delivers: the same findings as `hunt`.
    let lines = server.stop();
    assert_eq!(keys(&lines), expected);
}

/// A CA, and a certificate it signs for `name` (a server's or a client's).
fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key")).expect("CA")
}

fn leaf(ca: &CertifiedIssuer<'static, KeyPair>, name: &str) -> (String, String) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec![name.to_owned()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.signed_by(&key, ca).expect("sign");
    (cert.pem(), key.serialize_pem())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_accepts_known_clients_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server_ca = ca("server CA");
    let client_ca = ca("client CA");
    let stranger_ca = ca("stranger CA");
    let (cert, key) = leaf(&server_ca, "localhost");
    std::fs::write(dir.path().join("server.pem"), &cert).expect("write");
    std::fs::write(dir.path().join("server.key"), &key).expect("write");
    std::fs::write(dir.path().join("client-ca.pem"), client_ca.pem()).expect("write");
    let server = Server::start(
        "[tls]\ncert = \"server.pem\"\nkey = \"server.key\"\nclient_ca = \"client-ca.pem\"\n",
        &[],
        dir.path(),
    );
    let url = server.url.replace("127.0.0.1", "localhost");
    let trust = reqwest::Certificate::from_pem(server_ca.pem().as_bytes()).expect("ca");
    let with = |identity: Option<(String, String)>| {
        let mut b = reqwest::Client::builder().tls_certs_only([trust.clone()]);
        if let Some((cert, key)) = identity {
            b = b.identity(reqwest::Identity::from_pem(format!("{cert}{key}").as_bytes()).expect("identity"));
        }
        b.build().expect("client")
    };
    let body = event_list(&datasets().join("kubernetes_unauthenticated_api_sweep/attack.jsonl"));

    let known = with(Some(leaf(&client_ca, "kube-apiserver")));
    let r = known
        .post(format!("{url}/k8s-audit"))
        .body(body.clone())
        .send()
        .await
        .expect("a known client is served");
    assert_eq!(r.status(), 200);
    let stranger = with(Some(leaf(&stranger_ca, "kube-apiserver")));
    assert!(stranger.get(format!("{url}/healthz")).send().await.is_err());
    let anonymous = with(None);
    assert!(anonymous.get(format!("{url}/healthz")).send().await.is_err());
    server.stop();
}

#[test]
fn configuration_errors_name_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.toml"), "[windows]\nsise = \"1m\"\n").expect("write");
    std::fs::write(dir.path().join("b.toml"), "listen = \"127.0.0.1:0\"\n").expect("write");
    let run = |file: &str, flags: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
            .args(["serve", "--config", file])
            .args(flags)
            .current_dir(dir.path())
            .output()
            .expect("run");
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, err) = run("a.toml", &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("sise"), "{err}");
    let (code, err) = run("b.toml", &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("tls.cert") && err.contains("--insecure-plain-http"),
        "{err}"
    );
    let (code, err) = run("b.toml", &["--insecure-plain-http", "--check"]);
    assert_eq!(code, Some(0), "{err}");
    // A rule's own window must name a rule that runs; checked with the rules.
    std::fs::write(
        dir.path().join("c.toml"),
        "[windows.rules.\"Kubernetes Unauthenticated API Swep\"]\nsize = \"1h\"\n",
    )
    .expect("write");
    let (code, err) = run("c.toml", &["--insecure-plain-http", "--check"]);
    assert_ne!(code, Some(0), "{err}");
    assert!(
        err.contains("windows.rules.\"Kubernetes Unauthenticated API Swep\"")
            && err.contains("did you mean `Kubernetes Unauthenticated API Sweep`?"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("d.toml"),
        "[windows.rules.kubernetes_unauthenticated_api_sweep]\nsize = \"1h\"\nslide = \"5m\"\n",
    )
    .expect("write");
    let (code, err) = run("d.toml", &["--insecure-plain-http", "--check"]);
    assert_eq!(code, Some(0), "{err}");
    // Structured logs: one JSON object per line, with the level and the message.
    let (code, err) = run("b.toml", &["--insecure-plain-http", "--check", "--log-format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let valid = err
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .find(|v| v["message"] == "the configuration and the rules are valid")
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(valid["level"], "INFO");
    assert!(valid["timestamp"].is_string());
}

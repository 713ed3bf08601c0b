//! `tripline serve` keeps what it acknowledged: `kill -9` under load, then a restart, gives every
//! finding of an uninterrupted run exactly once after deduplication by id; and a full queue
//! answers 429 with `Retry-After`. On 127.0.0.1, with the service as a child process.

#[path = "support/server.rs"]
mod server;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use server::{Server, TOKEN, client, datasets};

/// A rule with no blocking command: one finding per event, at once (the built-in pack's rules all
/// aggregate, and run in windows).
const STREAMING_RULE: &str = r#"name: Request Refused
id: 5d7c3a4e-8f51-4b0a-9c62-1e3f5a7b9d20
version: 1
status: production
type: Anomaly
description: Every request that the API server refused.
data_source: [Kubernetes Audit]
search: '`kube_audit` responseStatus.code IN (401, 403)
  | rename sourceIPs{} AS src_ip
  | table _time src_ip verb requestURI auditID'
finding:
  title: Request to $requestURI$ refused
  entity:
    field: src_ip
    type: system
    score: 10
"#;

/// Windows that cover all the data, no suppression: an uninterrupted run finds what `hunt` does.
const WHOLE: &str = "size = \"24000h\"\nslide = \"24000h\"\nidle_timeout = \"1h\"";
/// Windows of 20 seconds of event time sliding by 10 (the data spans two minutes): windows close,
/// findings go out and log segments are deleted while the load runs.
const SHORT: &str = "size = \"20s\"\nslide = \"10s\"\nallowed_lateness = \"2s\"\nidle_timeout = \"1h\"";

fn config(windows: &str, extra: &str) -> String {
    format!(
        r#"insecure_plain_http = true
rules = ["{content}", "rules"]
[auth]
token_file = "tokens"
[windows]
{windows}
[suppression]
period = 0
[wal]
dir = "wal"
segment_size = "256KiB"
{extra}
"#,
        content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content").display()
    )
}

const FILE_SINK: &str = r#"[[sinks]]
type = "file"
name = "findings"
path = "findings.jsonl"
dead_letter = "dead-letter.jsonl"
"#;

/// A simulated cluster's audit log (every attack scenario in background traffic), as EventList
/// bodies of `per` events.
fn batches(dir: &Path, events: usize, per: usize) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args([
            "simulate",
            "--seed",
            "11",
            "--events",
            &events.to_string(),
            "--format",
            "raw",
        ])
        .current_dir(dir)
        .output()
        .expect("simulate");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    lines
        .chunks(per)
        .map(|items| {
            format!(
                r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{}]}}"#,
                items.join(",")
            )
        })
        .collect()
}

/// The ids of the findings in a file sink's output, and how many lines held one. A line cut
/// short by `kill -9` is not a finding: its entry was never truncated from the log, so the
/// finding comes again after the restart.
fn finding_ids(path: &Path) -> (BTreeSet<String>, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut ids = BTreeSet::new();
    let mut n = 0;
    for line in text.lines() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
            ids.insert(v["id"].as_str().expect("an id").to_owned());
            n += 1;
        }
    }
    (ids, n)
}

fn prepare(dir: &Path, windows: &str, extra: &str) -> String {
    std::fs::create_dir_all(dir.join("rules")).expect("rules");
    std::fs::write(dir.join("rules/streaming.yml"), STREAMING_RULE).expect("rule");
    config(windows, extra)
}

async fn post(c: &reqwest::Client, url: &str, body: &str) -> Result<reqwest::StatusCode, reqwest::Error> {
    c.post(format!("{url}/k8s-audit/prod"))
        .bearer_auth(TOKEN)
        .body(body.to_owned())
        .send()
        .await
        .map(|r| r.status())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_load_then_restart_gives_every_finding_exactly_once() {
    // Four requests in flight; every window open until the end.
    crash_and_compare(WHOLE, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_while_windows_close_and_the_log_is_truncated() {
    // One request at a time (so windows see the batches in the same order in both runs): the
    // log is truncated as windows close, and the replay starts from the checkpoint.
    crash_and_compare(SHORT, 1).await;
}

async fn crash_and_compare(windows: &str, in_flight: usize) {
    let data = tempfile::tempdir().expect("tempdir");
    let bodies = Arc::new(batches(data.path(), 24_000, 300));
    let c = client();

    // An uninterrupted run: what must come out.
    let clean = tempfile::tempdir().expect("tempdir");
    let text = prepare(clean.path(), windows, FILE_SINK);
    let server = Server::start(&text, &[], clean.path());
    for body in bodies.iter() {
        assert_eq!(post(&c, &server.url, body).await.expect("post"), 200);
    }
    server.stop();
    let (expected, _) = finding_ids(&clean.path().join("findings.jsonl"));
    assert!(expected.len() > 20, "{} findings", expected.len());
    // A clean stop leaves nothing to replay.
    let left: Vec<_> = std::fs::read_dir(clean.path().join("wal"))
        .expect("wal")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("wal-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // The same batches, and `kill -9` a third of the way in.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = prepare(dir.path(), windows, FILE_SINK);
    let server = Server::start(&text, &[], dir.path());
    let next = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let killed = Arc::new(AtomicBool::new(false));
    let (tick, mut ticks) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for _ in 0..in_flight {
        let (c, url, bodies) = (c.clone(), server.url.clone(), Arc::clone(&bodies));
        let (next, acked, killed, tick) = (Arc::clone(&next), Arc::clone(&acked), Arc::clone(&killed), tick.clone());
        tasks.push(tokio::spawn(async move {
            while !killed.load(Ordering::SeqCst) {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= bodies.len() {
                    break;
                }
                if let Ok(status) = post(&c, &url, &bodies[i]).await {
                    assert_eq!(status, 200);
                    acked.lock().expect("lock").insert(i);
                    let _ = tick.send(());
                }
            }
        }));
    }
    drop(tick);
    // With short windows, wait until the log has been truncated at least once, so the replay
    // starts from a checkpoint.
    let mut n = 0;
    loop {
        ticks.recv().await.expect("a request acknowledged");
        n += 1;
        if n >= bodies.len() / 3 && (windows != SHORT || segments_deleted(&c, &server.url).await > 0) {
            break;
        }
        assert!(n + 2 < bodies.len(), "no log segment was deleted during the load");
    }
    killed.store(true, Ordering::SeqCst);
    server.kill();
    for t in tasks {
        t.await.expect("task");
    }
    let acked_before = acked.lock().expect("lock").clone();
    assert!(acked_before.len() < bodies.len());

    // Restart: the log is replayed; the client sends what was not acknowledged (as the API
    // server does), and the service is killed again before any window closes.
    let server = Server::start(&text, &[], dir.path());
    assert!(
        server.startup.iter().any(|l| l.contains("replayed")),
        "{:#?}",
        server.startup
    );
    for (i, body) in bodies.iter().enumerate() {
        if !acked_before.contains(&i) {
            assert_eq!(post(&c, &server.url, body).await.expect("post"), 200);
        }
    }
    server.kill();

    // Third start: replay everything still open, then a clean stop closes the windows.
    let server = Server::start(&text, &[], dir.path());
    assert!(
        server.startup.iter().any(|l| l.contains("replayed")),
        "{:#?}",
        server.startup
    );
    server.stop();
    let (got, lines) = finding_ids(&dir.path().join("findings.jsonl"));
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(missing.is_empty(), "lost findings: {missing:?}");
    if !extra.is_empty() {
        let text = std::fs::read_to_string(dir.path().join("findings.jsonl")).unwrap_or_default();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| extra.iter().any(|id| l.contains(id.as_str())))
            .collect();
        panic!("findings an uninterrupted run does not have: {lines:#?}");
    }
    // Redelivery is expected (that is what deduplication by id is for), loss is not.
    assert!(lines >= got.len());
}

/// `/metrics` now.
async fn metrics(c: &reqwest::Client, url: &str) -> String {
    c.get(format!("{url}/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text")
}

/// `tripline_wal_segments_deleted_total` now.
async fn segments_deleted(c: &reqwest::Client, url: &str) -> u64 {
    metrics(c, url)
        .await
        .lines()
        .find_map(|l| l.strip_prefix("tripline_wal_segments_deleted_total "))
        .and_then(|n| n.parse().ok())
        .expect("the metric")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_429_with_retry_after() {
    // A webhook sink whose receiver accepts connections and never answers: the sink's queue
    // (one place) fills, the engine waits on it, and the request queue (one place) fills.
    let stuck = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = format!(
        r#"[limits]
queue_capacity = 1
retry_after = 3
[[sinks]]
type = "webhook"
name = "stuck"
url = "http://{}/findings"
dead_letter = "dead-letter.jsonl"
queue_capacity = 1
timeout = "60s"
retry = {{ max_attempts = 1 }}
"#,
        stuck.local_addr().expect("addr")
    );
    let text = prepare(dir.path(), WHOLE, "").replace("[windows]", &format!("{sink}[windows]"));
    let server = Server::start(&text, &[], dir.path());
    let c = client();
    // Each request holds several refused anonymous requests: several findings at once.
    let body =
        std::fs::read_to_string(datasets().join("kubernetes_unauthenticated_api_sweep/attack.jsonl")).expect("dataset");
    let mut statuses = BTreeMap::new();
    let mut retry_after = None;
    for _ in 0..20 {
        let r = c
            .post(format!("{}/ingest/prod", server.url))
            .bearer_auth(TOKEN)
            .body(body.clone())
            .send()
            .await
            .expect("post");
        *statuses.entry(r.status().as_u16()).or_insert(0) += 1;
        if r.status() == 429 {
            retry_after = r.headers().get("retry-after").cloned();
            assert!(r.text().await.expect("text").contains("queue is full"));
            break;
        }
    }
    assert!(statuses.contains_key(&200), "{statuses:?}");
    assert_eq!(statuses.get(&429), Some(&1), "{statuses:?}");
    assert_eq!(retry_after.expect("Retry-After"), "3");
    let metrics = metrics(&c, &server.url).await;
    assert!(
        metrics.contains("tripline_requests_rejected_total{reason=\"overloaded\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("tripline_queue_depth 1"), "{metrics}");
    drop(stuck);
    server.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_rules_and_a_broken_rule_keeps_the_old_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = prepare(dir.path(), WHOLE, FILE_SINK);
    let server = Server::start(&text, &[], dir.path());
    let c = client();
    let rules = server
        .startup
        .iter()
        .find_map(|l| {
            l.split_once(" INFO ")
                .and_then(|(_, m)| m.strip_suffix(" rules loaded"))
        })
        .and_then(|n| n.parse::<usize>().ok())
        .expect("the number of rules loaded");
    // A second streaming rule: the reload takes it.
    std::fs::write(
        dir.path().join("rules/second.yml"),
        STREAMING_RULE
            .replace("name: Request Refused", "name: Request Refused Again")
            .replace(
                "5d7c3a4e-8f51-4b0a-9c62-1e3f5a7b9d20",
                "5d7c3a4e-8f51-4b0a-9c62-1e3f5a7b9d21",
            ),
    )
    .expect("rule");
    let lines = server.signal_and_wait("-HUP", "rules reloaded");
    let reloaded = lines.last().expect("a line");
    assert!(
        reloaded.ends_with(&format!("rules reloaded: {} rules", rules + 1)),
        "{lines:#?}"
    );
    // A reload is all or nothing: a rule file that does not parse, or a rules directory that is
    // gone, keeps the old rules (all of them) running.
    std::fs::write(dir.path().join("rules/broken.yml"), "name: Broken\nsearch: [unclosed\n").expect("rule");
    let lines = server.signal_and_wait("-HUP", "were not reloaded");
    assert!(lines.iter().any(|l| l.contains("rules/broken.yml")), "{lines:#?}");
    assert!(lines.last().expect("a line").contains(" ERROR "), "{lines:#?}");
    std::fs::remove_file(dir.path().join("rules/broken.yml")).expect("remove");
    std::fs::rename(dir.path().join("rules"), dir.path().join("rules.off")).expect("rename");
    let lines = server.signal_and_wait("-HUP", "were not reloaded");
    assert!(lines.last().expect("a line").contains(" ERROR "), "{lines:#?}");
    std::fs::rename(dir.path().join("rules.off"), dir.path().join("rules")).expect("rename");
    let text = metrics(&c, &server.url).await;
    assert!(text.contains("tripline_rule_reloads_total{result=\"ok\"} 1"), "{text}");
    assert!(
        text.contains("tripline_rule_reloads_total{result=\"error\"} 2"),
        "{text}"
    );
    // Both streaming rules answer after the reload.
    let body =
        std::fs::read_to_string(datasets().join("kubernetes_unauthenticated_api_sweep/attack.jsonl")).expect("dataset");
    let r = c
        .post(format!("{}/ingest/prod", server.url))
        .bearer_auth(TOKEN)
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    server.stop();
    let findings = std::fs::read_to_string(dir.path().join("findings.jsonl")).expect("findings");
    assert!(findings.contains("\"Request Refused Again\""), "{findings}");
}

//! The delivery sinks against a scripted HTTP server on 127.0.0.1 and temporary files: payload
//! shapes, headers, retries, dead letters, back pressure, rotation, replay.

mod support;

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value as Json;
use support::{END, Reply, Server, finding, finding_with, json, json_stream};
use tempfile::TempDir;
use tripline_sinks::config::SinkConfig;
use tripline_sinks::file::WriterTransport;
use tripline_sinks::{
    DeadLetter, DeadLetterFile, DeadLetterReason, DeliveryOptions, Format, RetryPolicy, SendError, Sink, dead_letter,
    falco, ocsf,
};

/// Long enough for any delivery here to finish; shutdown returns as soon as the queue is empty.
const GRACE: Duration = Duration::from_secs(30);
/// Retries that take milliseconds.
const FAST_RETRY: &str = r#"retry = { max_attempts = 3, initial_backoff = "1ms", max_backoff = "2ms" }"#;

fn start(config: &str) -> Sink {
    let config: SinkConfig = toml::from_str(config).unwrap_or_else(|e| panic!("config: {e}\n{config}"));
    Sink::from_config(&config).expect("start the sink")
}

fn dead_letter_path(dir: &TempDir) -> String {
    dir.path().join("dead.jsonl").display().to_string()
}

fn dead_letters(dir: &TempDir) -> Vec<DeadLetter> {
    let path = dir.path().join("dead.jsonl");
    dead_letter::read(&path).expect("read the dead-letter file")
}

fn raw_json(raw: &serde_json::value::RawValue) -> Json {
    serde_json::from_str(raw.get()).expect("JSON")
}

fn hec_config(server: &Server, dir: &TempDir, extra: &str) -> String {
    format!(
        r#"
        type = "splunk_hec"
        name = "splunk"
        url = "{}"
        token = "test-token"
        host = "tripline-test"
        dead_letter = '{}'
        {extra}
        "#,
        server.base,
        dead_letter_path(dir)
    )
}

// ---------------------------------------------------------------------------------------------
// Splunk HEC

#[tokio::test]
async fn hec_sends_one_batch_of_concatenated_events_with_the_token() {
    let server = Server::start().await;
    let dir = TempDir::new().expect("temp dir");
    let sink = start(&hec_config(
        &server,
        &dir,
        r#"
        index = "k8s_findings"
        channel = "0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba"
        batch = { max_events = 10, max_wait = "0s" }
        "#,
    ));
    let findings: Vec<_> = (1..=3).map(finding).collect();
    for f in &findings {
        sink.try_send(f).expect("queued");
    }
    let stats = sink.shutdown(GRACE).await;
    assert_eq!((stats.delivered, stats.retried, stats.dead_lettered), (3, 0, 0));

    let requests = server.requests();
    assert_eq!(requests.len(), 1, "one batch");
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/services/collector/event");
    assert_eq!(r.header("authorization"), Some("Splunk test-token"));
    assert_eq!(
        r.header("x-splunk-request-channel"),
        Some("0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba")
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    let events = json_stream(r.text());
    assert_eq!(events.len(), 3);
    for (event, f) in events.iter().zip(&findings) {
        assert_eq!(event["time"].as_f64(), Some(END));
        assert_eq!(event["host"], "tripline-test");
        assert_eq!(event["source"], "tripline");
        assert_eq!(event["sourcetype"], "tripline:finding");
        assert_eq!(event["index"], "k8s_findings");
        assert_eq!(event["event"], json(f));
        assert_eq!(event.as_object().map(serde_json::Map::len), Some(6), "{event}");
    }
    assert!(dead_letters(&dir).is_empty());
}

#[tokio::test]
async fn hec_without_index_leaves_it_out_and_takes_a_full_endpoint_as_given() {
    let server = Server::start().await;
    let dir = TempDir::new().expect("temp dir");
    let config = format!(
        r#"
        type = "splunk_hec"
        name = "splunk"
        url = "{}"
        token = "t"
        sourcetype = "k8s:finding"
        format = "ocsf"
        dead_letter = '{}'
        "#,
        server.url("/proxy/collector/event"),
        dead_letter_path(&dir)
    );
    let sink = start(&config);
    let f = finding(1);
    sink.try_send(&f).expect("queued");
    sink.shutdown(GRACE).await;
    let requests = server.requests();
    assert_eq!(requests[0].path, "/proxy/collector/event");
    let event = requests[0].json();
    assert!(event.get("index").is_none());
    assert_eq!(event["sourcetype"], "k8s:finding");
    assert_eq!(event["event"], ocsf::to_value(&f).expect("OCSF"));
}

#[tokio::test]
async fn hec_400_is_dead_lettered_at_once() {
    let server = Server::start().await;
    server.then(Reply::new(
        400,
        r#"{"text":"Incorrect index","code":7,"invalid-event-number":0}"#,
    ));
    let dir = TempDir::new().expect("temp dir");
    let sink = start(&hec_config(&server, &dir, FAST_RETRY));
    let f = finding(1);
    sink.try_send(&f).expect("queued");
    let stats = sink.shutdown(GRACE).await;

    assert_eq!(server.requests().len(), 1, "bad data is not sent again");
    assert_eq!((stats.delivered, stats.retried, stats.dead_lettered), (0, 0, 1));
    let records = dead_letters(&dir);
    assert_eq!(records.len(), 1);
    let d = &records[0];
    assert_eq!(d.sink, "splunk");
    assert_eq!(d.sink_type, "splunk_hec");
    assert_eq!(d.reason, DeadLetterReason::Rejected);
    assert_eq!(d.attempts, 1);
    assert_eq!(d.finding_id, f.id);
    assert!(d.error.contains("HTTP 400"), "{}", d.error);
    assert!(d.error.contains("Incorrect index (code 7)"), "{}", d.error);
    assert_eq!(raw_json(&d.finding), json(&f));
    assert_eq!(raw_json(&d.payload)["event"], json(&f));
    assert!(
        d.time.parse::<jiff::Timestamp>().is_ok() && d.time.ends_with('Z'),
        "{}",
        d.time
    );
}

#[tokio::test]
async fn hec_403_is_reported_and_dead_lettered() {
    let server = Server::start().await;
    server.then(Reply::new(403, r#"{"text":"Invalid token","code":4}"#));
    let dir = TempDir::new().expect("temp dir");
    let sink = start(&hec_config(&server, &dir, FAST_RETRY));
    sink.try_send(&finding(1)).expect("queued");
    let stats = sink.shutdown(GRACE).await;
    assert_eq!(server.requests().len(), 1);
    assert_eq!(stats.dead_lettered, 1);
    let error = stats.last_error.expect("the error is reported");
    assert!(
        error.contains("HTTP 403") && error.contains("Invalid token (code 4)"),
        "{error}"
    );
    assert_eq!(dead_letters(&dir)[0].reason, DeadLetterReason::Rejected);
}

#[tokio::test]
async fn hec_503_and_429_are_retried_until_delivered() {
    let server = Server::start().await;
    server
        .then(Reply::new(503, r#"{"text":"Server is busy","code":9}"#))
        .then(Reply::new(429, "").header("retry-after", "0"));
    let dir = TempDir::new().expect("temp dir");
    let sink = start(&hec_config(&server, &dir, FAST_RETRY));
    let f = finding(1);
    sink.try_send(&f).expect("queued");
    let stats = sink.shutdown(GRACE).await;

    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(
        requests.iter().all(|r| r.body == requests[0].body),
        "the same batch each time"
    );
    assert_eq!((stats.delivered, stats.retried, stats.dead_lettered), (1, 2, 0));
    assert_eq!(stats.pending, 0);
    assert!(stats.last_error.is_some_and(|e| e.contains("HTTP 429")));
    assert!(dead_letters(&dir).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Retries and dead letters

#[tokio::test]
async fn retries_exhausted_go_to_the_dead_letter_file() {
    let server = Server::start().await;
    for _ in 0..3 {
        server.then(Reply::new(500, "database on fire"));
    }
    let dir = TempDir::new().expect("temp dir");
    let config = format!(
        r#"
        type = "webhook"
        name = "hook"
        url = "{}"
        dead_letter = '{}'
        {FAST_RETRY}
        "#,
        server.url("/findings"),
        dead_letter_path(&dir)
    );
    let sink = start(&config);
    let f = finding(1);
    sink.try_send(&f).expect("queued");
    let stats = sink.shutdown(GRACE).await;

    assert_eq!(server.requests().len(), 3, "max_attempts");
    assert_eq!((stats.delivered, stats.retried, stats.dead_lettered), (0, 2, 1));
    let d = &dead_letters(&dir)[0];
    assert_eq!(d.reason, DeadLetterReason::Exhausted);
    assert_eq!(d.attempts, 3);
    assert_eq!(d.sink_type, "webhook");
    assert!(
        d.error.contains("HTTP 500") && d.error.contains("database on fire"),
        "{}",
        d.error
    );
    assert_eq!(raw_json(&d.payload), json(&f));
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_dead_lettered() {
    // A port nothing listens on: bind one, then let it go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = TempDir::new().expect("temp dir");
    let config = format!(
        r#"
        type = "webhook"
        name = "hook"
        url = "http://127.0.0.1:{port}/"
        dead_letter = '{}'
        retry = {{ max_attempts = 2, initial_backoff = "1ms", max_backoff = "1ms" }}
        "#,
        dead_letter_path(&dir)
    );
    let sink = start(&config);
    sink.try_send(&finding(1)).expect("queued");
    let stats = sink.shutdown(GRACE).await;
    assert_eq!((stats.retried, stats.dead_lettered), (1, 1));
    let d = &dead_letters(&dir)[0];
    assert_eq!(d.reason, DeadLetterReason::Exhausted);
    assert!(d.error.starts_with("cannot connect"), "{}", d.error);
}

#[tokio::test]
async fn max_elapsed_ends_retries_before_max_attempts() {
    let server = Server::start().await;
    let dir = TempDir::new().expect("temp dir");
    for _ in 0..10 {
        server.then(Reply::new(502, ""));
    }
    let config = format!(
        r#"
        type = "webhook"
        name = "hook"
        url = "{}"
        dead_letter = '{}'
        retry = {{ max_attempts = 100, initial_backoff = "1s", max_backoff = "1s", max_elapsed = "100ms" }}
        "#,
        server.base,
        dead_letter_path(&dir)
    );
    let sink = start(&config);
    sink.try_send(&finding(1)).expect("queued");
    let stats = sink.shutdown(GRACE).await;
    assert_eq!(server.requests().len(), 1, "the first wait would pass max_elapsed");
    assert_eq!(stats.dead_lettered, 1);
    assert_eq!(dead_letters(&dir)[0].reason, DeadLetterReason::Exhausted);
}

#[tokio::test]
async fn shutdown_dead_letters_what_it_could_not_deliver_in_time() {
    let server = Server::start().await;
    for _ in 0..5 {
        server.then(Reply::new(503, ""));
    }
    let dir = TempDir::new().expect("temp dir");
    let config = format!(
        r#"
        type = "webhook"
        name = "hook"
        url = "{}"
        dead_letter = '{}'
        retry = {{ max_attempts = 5, initial_backoff = "1h", max_backoff = "1h", max_elapsed = "10h" }}
        "#,
        server.base,
        dead_letter_path(&dir)
    );
    let sink = start(&config);
    let sender = sink.sender();
    sink.try_send(&finding(1)).expect("queued");
    sink.try_send(&finding(2)).expect("queued");
    // The first finding has been tried and is waiting an hour to be tried again.
    server.wait_for(1).await;
    let stats = sink.shutdown(Duration::from_millis(50)).await;

    assert_eq!(server.requests().len(), 1, "the first finding was tried once");
    assert_eq!((stats.delivered, stats.dead_lettered, stats.pending), (0, 2, 0));
    let records = dead_letters(&dir);
    assert!(records.iter().all(|d| d.reason == DeadLetterReason::Shutdown));
    assert_eq!(records[0].attempts, 1);
    assert!(records[0].error.contains("HTTP 503"), "{}", records[0].error);
    assert_eq!(records[1].attempts, 0);
    assert!(matches!(sender.try_send(&finding(3)), Err(SendError::Closed { .. })));
}

#[tokio::test]
async fn a_dead_letter_replays_its_payload_into_a_sink_of_the_same_type() {
    let server = Server::start().await;
    server.then(Reply::new(400, r#"{"text":"Incorrect index","code":7}"#));
    let dir = TempDir::new().expect("temp dir");
    let sink = start(&hec_config(&server, &dir, FAST_RETRY));
    sink.try_send(&finding(1)).expect("queued");
    sink.shutdown(GRACE).await;
    let record = dead_letters(&dir).remove(0);
    let payload = record.payload.get().to_owned();

    // The index fixed, the record goes again; the server now says 200.
    let replay_dir = TempDir::new().expect("temp dir");
    let sink = start(&hec_config(&server, &replay_dir, ""));
    let slack_config = format!(
        "type = 'slack'\nname = 'chat'\nurl = '{}'\ndead_letter = '{}'",
        server.base,
        dead_letter_path(&replay_dir)
    );
    let slack = start(&slack_config);
    assert!(matches!(
        slack.try_replay(record.clone()),
        Err(SendError::WrongKind { expected: "slack", .. })
    ));
    slack.shutdown(GRACE).await;
    sink.try_replay(record).expect("queued");
    let stats = sink.shutdown(GRACE).await;
    assert_eq!(stats.delivered, 1);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].text().trim_end(), payload);
}

// ---------------------------------------------------------------------------------------------
// Queue

#[tokio::test]
async fn a_full_queue_is_reported_to_the_caller_not_dropped() {
    let server = Server::start().await;
    let dir = TempDir::new().expect("temp dir");
    let sink = start(&hec_config(&server, &dir, "queue_capacity = 2"));
    // The worker runs on this same thread, so nothing leaves the queue before the next await.
    sink.try_send(&finding(1)).expect("queued");
    sink.try_send(&finding(2)).expect("queued");
    match sink.try_send(&finding(3)) {
        Err(SendError::Full { sink, capacity }) => assert_eq!((sink.as_str(), capacity), ("splunk", 2)),
        other => panic!("expected a full queue, got {other:?}"),
    }
    assert_eq!(sink.stats().refused, 1);
    assert_eq!(sink.stats().pending, 2);
    // Waiting for room works.
    sink.send(&finding(3)).await.expect("queued after waiting");
    let stats = sink.shutdown(GRACE).await;
    assert_eq!((stats.accepted, stats.delivered, stats.refused), (3, 3, 1));
}

#[tokio::test]
async fn a_finding_the_format_cannot_express_is_refused_when_sent() {
    let dir = TempDir::new().expect("temp dir");
    let out = dir.path().join("out.jsonl").display().to_string();
    let config = format!(
        "type = 'file'\nname = 'file'\npath = '{out}'\nformat = 'ocsf'\ndead_letter = '{}'",
        dead_letter_path(&dir)
    );
    let sink = start(&config);
    let timeless = finding_with("203.0.113.9", "system:anonymous", "curl", None);
    assert!(matches!(sink.try_send(&timeless), Err(SendError::Encode { .. })));
    assert_eq!(sink.stats().accepted, 0);
    sink.shutdown(GRACE).await;
}

// ---------------------------------------------------------------------------------------------
// Webhook

#[tokio::test]
async fn webhook_posts_each_finding_with_the_configured_headers() {
    let server = Server::start().await;
    let dir = TempDir::new().expect("temp dir");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "s3cret\n").expect("write token");
    let config = format!(
        r#"
        type = "webhook"
        name = "hook"
        url = "{}"
        format = "falco"
        headers = {{ Authorization = {{ file = '{}' }}, X-Tenant = "blue" }}
        dead_letter = '{}'
        "#,
        server.url("/in"),
        token_file.display(),
        dead_letter_path(&dir)
    );
    let sink = start(&config);
    let findings = [finding(1), finding(2)];
    for f in &findings {
        sink.try_send(f).expect("queued");
    }
    let stats = sink.shutdown(GRACE).await;
    assert_eq!(stats.delivered, 2);
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one request per finding");
    for (r, f) in requests.iter().zip(&findings) {
        assert_eq!(r.path, "/in");
        assert_eq!(r.header("authorization"), Some("s3cret"));
        assert_eq!(r.header("x-tenant"), Some("blue"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("user-agent"), Some(tripline_sinks::USER_AGENT));
        assert_eq!(r.json(), falco::to_value(f).expect("Falco event"));
    }
}

#[tokio::test]
async fn webhook_batches_are_json_lines() {
    let server = Server::start().await;
    let dir = TempDir::new().expect("temp dir");
    let config = format!(
        r#"
        type = "webhook"
        name = "hook"
        url = "{}"
        batch = {{ max_events = 10, max_wait = 0 }}
        dead_letter = '{}'
        "#,
        server.base,
        dead_letter_path(&dir)
    );
    let sink = start(&config);
    let findings: Vec<_> = (1..=3).map(finding).collect();
    for f in &findings {
        sink.try_send(f).expect("queued");
    }
    sink.shutdown(GRACE).await;
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("content-type"), Some("application/x-ndjson"));
    let text = requests[0].text();
    assert_eq!(text.lines().count(), 3);
    let lines: Vec<Json> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines, findings.iter().map(json).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Slack

#[tokio::test]
async fn slack_gets_a_readable_message_with_attacker_values_escaped() {
    let server = Server::start().await;
    let dir = TempDir::new().expect("temp dir");
    let config = format!(
        "type = 'slack'\nname = 'soc'\nurl = '{}'\ndead_letter = '{}'",
        server.url("/services/T000/B000/XXXX"),
        dead_letter_path(&dir)
    );
    let sink = start(&config);
    let agent = "<!channel> <https://evil.example/login|Reset your password> & `rm -rf` *urgent*";
    let user = "mallory`\n*Severity*\nLow <@U024BE7LH>";
    let f = finding_with("198.51.100.7", user, agent, Some((support::START, END)));
    sink.try_send(&f).expect("queued");
    let stats = sink.shutdown(GRACE).await;
    assert_eq!(stats.delivered, 1);

    let requests = server.requests();
    assert_eq!(requests[0].path, "/services/T000/B000/XXXX");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    let message = requests[0].json();
    assert_eq!(message, tripline_sinks::slack::message(&f));
    let all_text = texts(&message).join("\n");

    // Nothing an attacker wrote can open a link or a mention.
    for raw in ["<!channel>", "<https://evil", "<@U024BE7LH>"] {
        assert!(!all_text.contains(raw), "{raw} survived:\n{all_text}");
    }
    assert!(all_text.contains("&lt;!channel&gt;"), "{all_text}");
    assert!(all_text.contains("&lt;https://evil.example/login|Reset your password&gt;"));
    assert!(all_text.contains("&amp; "), "{all_text}");
    // Every mrkdwn text is verbatim: no automatic links or mentions either.
    let mut mrkdwn = Vec::new();
    objects_of_type(&message, "mrkdwn", &mut mrkdwn);
    assert!(!mrkdwn.is_empty());
    assert!(mrkdwn.iter().all(|o| o["verbatim"] == true), "{mrkdwn:?}");
    assert_eq!(message["unfurl_links"], false);
    assert_eq!(message["unfurl_media"], false);
    // The user name is inline code on one line: its backtick cannot close the span, its line
    // breaks cannot fake a "Severity" line.
    assert!(
        all_text.contains("`malloryˋ *Severity* Low &lt;@U024BE7LH&gt;`"),
        "{all_text}"
    );
    assert!(!all_text.contains("\n*Severity*\nLow"), "{all_text}");
}

#[test]
fn a_slack_message_carries_severity_rule_entities_and_attack() {
    let f = finding(7);
    let message = tripline_sinks::slack::message(&f);
    let blocks = message["blocks"].as_array().expect("blocks");
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    assert_eq!(blocks[0]["text"]["text"], "HIGH · Sink Test Anonymous Access");
    let all_text = texts(&message).join("\n");
    for expected in [
        "Anonymous access from 203.0.113.7 as system:anonymous (kube-hunter)",
        "*Severity*\nHigh (risk score 72)",
        "*Rule*\nSink Test Anonymous Access (TTP)",
        "*When*\n2026-11-22T10:00:00Z – 2026-11-22T10:05:00.25Z",
        "*Risk objects*\n• `system:anonymous` — user from `user`, score 40\n• `203.0.113.7` — system from `src_ip`, score 72",
        "*Threat objects*\n• `kube-hunter` — http_user_agent from `http_user_agent`",
        "ATT&amp;CK: T1613 Container and Resource Discovery (Discovery) · T1190 Exploit Public-Facing Application (Initial Access)",
        "Analytic stories: Kubernetes Scanning Activity",
    ] {
        assert!(all_text.contains(expected), "missing {expected:?} in\n{all_text}");
    }
    assert!(all_text.contains(&format!("`{}`", f.id)));
    assert!(
        message["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("High · Sink Test Anonymous Access: Anonymous access from"))
    );
}

/// Every `text` string in a Slack message.
fn texts(value: &Json) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(value: &Json, out: &mut Vec<String>) {
        match value {
            Json::Object(map) => {
                for (key, v) in map {
                    match v {
                        Json::String(s) if key == "text" => out.push(s.clone()),
                        _ => walk(v, out),
                    }
                }
            }
            Json::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    walk(value, &mut out);
    out
}

fn objects_of_type<'a>(value: &'a Json, kind: &str, out: &mut Vec<&'a Json>) {
    match value {
        Json::Object(map) => {
            if map.get("type").and_then(Json::as_str) == Some(kind) {
                out.push(value);
            }
            map.values().for_each(|v| objects_of_type(v, kind, out));
        }
        Json::Array(items) => items.iter().for_each(|v| objects_of_type(v, kind, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Files and writers

#[tokio::test]
async fn the_file_sink_rotates_by_size_and_keeps_n_files() {
    let dir = TempDir::new().expect("temp dir");
    let out = dir.path().join("findings.jsonl");
    let line_len = serde_json::to_string(&finding(1)).expect("JSON").len() as u64 + 1;
    // Two findings per file (the addresses 1–9 make lines of one length).
    let config = format!(
        "type = 'file'\nname = 'file'\npath = '{}'\nmax_size = {}\nkeep = 2\ndead_letter = '{}'",
        out.display(),
        line_len * 2,
        dead_letter_path(&dir)
    );
    let sink = start(&config);
    let findings: Vec<_> = (1..=7).map(finding).collect();
    for f in &findings {
        sink.send(f).await.expect("queued");
    }
    let stats = sink.shutdown(GRACE).await;
    assert_eq!(stats.delivered, 7);

    let ids = |path: &Path| -> Vec<String> {
        std::fs::read_to_string(path)
            .expect("read")
            .lines()
            .map(|l| {
                serde_json::from_str::<Json>(l).expect("JSON line")["id"]
                    .as_str()
                    .expect("id")
                    .to_owned()
            })
            .collect()
    };
    let id = |n: usize| findings[n - 1].id.clone();
    let rotated = |n: usize| dir.path().join(format!("findings.jsonl.{n}"));
    assert_eq!(ids(&out), [id(7)]);
    assert_eq!(ids(&rotated(1)), [id(5), id(6)]);
    assert_eq!(ids(&rotated(2)), [id(3), id(4)]);
    assert!(!rotated(3).exists(), "keep = 2");
}

#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_writer_sink_writes_one_line_per_finding_in_its_format() {
    let dir = TempDir::new().expect("temp dir");
    let dead = Arc::new(DeadLetterFile::open(dir.path().join("dead.jsonl")).expect("open"));
    let buffer = SharedBuffer::default();
    let options = DeliveryOptions {
        retry: RetryPolicy::NEVER,
        ..DeliveryOptions::new(dead)
    };
    let sink = Sink::start("stdout", WriterTransport::new(Format::Ocsf, buffer.clone()), options).expect("start");
    assert_eq!(sink.kind(), "stdout");
    let findings = [finding(1), finding(2)];
    for f in &findings {
        sink.try_send(f).expect("queued");
    }
    sink.shutdown(GRACE).await;
    let text = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("UTF-8");
    let mut expected = Vec::new();
    for f in &findings {
        tripline_sinks::write(Format::Ocsf, f, &mut expected).expect("write");
    }
    assert_eq!(text.as_bytes(), expected, "the same lines as `hunt --format ocsf`");
}

//! Sink configuration: the example in docs/sinks.md, the value syntaxes, and the errors.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use tripline_sinks::config::{ByteSize, EventFormat, Secret, SinkConfig};
use tripline_sinks::{BuildError, RetryPolicy, Sink};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    sinks: Vec<SinkConfig>,
}

fn parse(text: &str) -> Result<Config, toml::de::Error> {
    toml::from_str(text)
}

fn one(text: &str) -> SinkConfig {
    toml::from_str(text).unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> String {
    match toml::from_str::<SinkConfig>(text) {
        Ok(config) => panic!("accepted: {config:?}"),
        Err(e) => e.to_string(),
    }
}

/// The TOML block of docs/sinks.md that follows the marker comment.
fn documented_example() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/sinks.md");
    let text = std::fs::read_to_string(&path).expect("read docs/sinks.md");
    let after = text
        .split("<!-- tests/config.rs parses this block: keep it valid. -->")
        .nth(1)
        .expect("the marker");
    let block = after.split("```toml\n").nth(1).expect("a toml block");
    block.split("```").next().expect("its end").to_owned()
}

#[test]
fn the_documented_example_parses_with_every_value() {
    let config = parse(&documented_example()).unwrap_or_else(|e| panic!("docs/sinks.md: {e}"));
    let kinds: Vec<_> = config.sinks.iter().map(|s| (s.kind(), s.name())).collect();
    assert_eq!(
        kinds,
        [
            ("stdout", "console"),
            ("file", "archive"),
            ("webhook", "soar"),
            ("slack", "soc-channel"),
            ("splunk_hec", "splunk"),
        ]
    );
    for sink in &config.sinks {
        assert_eq!(sink.dead_letter(), Path::new("/var/lib/tripline/dead-letter.jsonl"));
    }
    let SinkConfig::File(file) = &config.sinks[1] else {
        panic!("file")
    };
    assert_eq!(file.format, EventFormat::Ocsf);
    assert_eq!(file.max_size, ByteSize(100 * 1024 * 1024));
    assert_eq!(file.keep, 5);
    assert_eq!(file.retry, RetryPolicy::default());

    let SinkConfig::Webhook(hook) = &config.sinks[2] else {
        panic!("webhook")
    };
    assert_eq!(hook.headers["Authorization"], Secret::Env("SOAR_AUTHORIZATION".into()));
    assert_eq!(hook.headers["X-Source"], Secret::Value("tripline".into()));
    let batch = hook.batch.expect("batch");
    assert_eq!((batch.max_events, batch.max_wait), (50, Duration::from_secs(1)));
    assert_eq!(hook.retry.max_attempts, 8);
    assert_eq!(hook.retry.initial_backoff, Duration::from_secs(1));
    assert_eq!(hook.retry.max_backoff, Duration::from_secs(60));
    assert_eq!(hook.retry.max_elapsed, Duration::from_secs(900));
    assert!((hook.retry.multiplier - 2.0).abs() < f64::EPSILON, "the default");

    let SinkConfig::Slack(slack) = &config.sinks[3] else {
        panic!("slack")
    };
    assert_eq!(slack.url, Secret::Env("SLACK_WEBHOOK_URL".into()));
    assert_eq!(slack.timeout, Duration::from_secs(10));

    let SinkConfig::SplunkHec(hec) = &config.sinks[4] else {
        panic!("hec")
    };
    assert_eq!(hec.token, Secret::File("/run/secrets/hec-token".into()));
    assert_eq!(hec.index.as_deref(), Some("k8s_findings"));
    assert_eq!(hec.source, "tripline");
    assert_eq!(hec.sourcetype, "tripline:finding");
    assert_eq!(hec.queue_capacity, 4096);
    assert_eq!(hec.batch.max_wait, Duration::from_millis(200));
}

#[test]
fn defaults() {
    let SinkConfig::SplunkHec(hec) =
        one("type = 'splunk_hec'\nname = 's'\nurl = 'https://h:8088'\ntoken = 't'\ndead_letter = 'd'")
    else {
        panic!("hec")
    };
    assert_eq!(hec.queue_capacity, 1024);
    assert_eq!(
        (hec.batch.max_events, hec.batch.max_wait),
        (100, Duration::from_millis(200))
    );
    assert_eq!(hec.format, EventFormat::Jsonl);
    assert_eq!((hec.index, hec.host, hec.channel), (None, None, None));
    let SinkConfig::Webhook(hook) = one("type = 'webhook'\nname = 'w'\nurl = 'http://h/'\ndead_letter = 'd'") else {
        panic!("webhook")
    };
    assert!(hook.batch.is_none(), "one request per finding");
    assert!(hook.headers.is_empty());
}

#[test]
fn durations_are_strings_with_units_or_seconds() {
    let retry = |value: &str| {
        let text = format!("type = 'stdout'\nname = 'o'\ndead_letter = 'd'\nretry = {{ max_elapsed = {value} }}");
        match one(&text) {
            SinkConfig::Stdout(s) => s.retry.max_elapsed,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(retry("30"), Duration::from_secs(30));
    assert_eq!(retry("0.25"), Duration::from_millis(250));
    assert_eq!(retry("'90s'"), Duration::from_secs(90));
    assert_eq!(retry("'1h 30m'"), Duration::from_secs(5400));
    assert_eq!(retry("'250ms'"), Duration::from_millis(250));
    let e = error("type = 'stdout'\nname = 'o'\ndead_letter = 'd'\nretry = { max_elapsed = -5 }");
    assert!(e.contains("negative"), "{e}");
    let e = error("type = 'stdout'\nname = 'o'\ndead_letter = 'd'\nretry = { max_elapsed = 'a while' }");
    assert!(e.contains("not a duration"), "{e}");
}

#[test]
fn unknown_keys_and_types_are_errors() {
    let e = error("type = 'stdout'\nname = 'o'\ndead_letter = 'd'\nformt = 'ocsf'");
    assert!(e.contains("unknown field `formt`"), "{e}");
    let e = error("type = 'stdout'\nname = 'o'\ndead_letter = 'd'\nretry = { attempts = 3 }");
    assert!(e.contains("unknown field `attempts`"), "{e}");
    let e = error("type = 'kafka'\nname = 'k'\ndead_letter = 'd'");
    assert!(e.contains("unknown variant `kafka`"), "{e}");
    let e = error("type = 'stdout'\nname = 'o'\ndead_letter = 'd'\nformat = 'table'");
    assert!(e.contains("unknown variant `table`"), "{e}");
    let e = error("type = 'slack'\nname = 's'\nurl = { vault = 'x' }\ndead_letter = 'd'");
    assert!(e.contains("unknown field `vault`"), "{e}");
    let e = error("type = 'stdout'\nname = 'o'");
    assert!(e.contains("missing field `dead_letter`"), "{e}");
}

#[test]
fn secrets_come_from_the_environment_or_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("token");
    std::fs::write(&file, "abc123\n").expect("write");
    assert_eq!(Secret::File(file).resolve().ok().as_deref(), Some("abc123"));
    // PATH is set wherever tests run.
    assert_eq!(Secret::Env("PATH".into()).resolve().ok(), std::env::var("PATH").ok());
}

#[tokio::test]
async fn starting_fails_with_the_setting_at_fault() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dead = dir.path().join("dead.jsonl").display().to_string();
    let start = |text: String| Sink::from_config(&one(&text)).map(|_| ()).expect_err("refused");

    let missing_dir = dir.path().join("no/such/dir/dead.jsonl").display().to_string();
    let e = start(format!("type = 'stdout'\nname = 'o'\ndead_letter = '{missing_dir}'"));
    assert!(matches!(&e, BuildError::Open { sink, .. } if sink == "o"), "{e}");

    let e = start(format!(
        "type = 'splunk_hec'\nname = 'hec'\nurl = 'https://h:8088'\ntoken = {{ env = 'TRIPLINE_SURELY_UNSET' }}\ndead_letter = '{dead}'"
    ));
    assert!(
        matches!(&e, BuildError::Secret { field, .. } if field == "token"),
        "{e}"
    );

    let e = start(format!(
        "type = 'webhook'\nname = 'w'\nurl = 'ftp://h/x'\ndead_letter = '{dead}'"
    ));
    assert!(matches!(&e, BuildError::Invalid { field, .. } if field == "url"), "{e}");

    let e = start(format!(
        "type = 'slack'\nname = 's'\nurl = 'hooks.slack.com/services/T0/B0/SECRETPART'\ndead_letter = '{dead}'"
    ));
    assert!(!e.to_string().contains("SECRETPART"), "a URL is not echoed: {e}");

    let e = start(format!(
        "type = 'webhook'\nname = 'w'\nurl = 'http://h/'\nheaders = {{ 'Bad Header' = 'x' }}\ndead_letter = '{dead}'"
    ));
    assert!(
        matches!(&e, BuildError::Invalid { field, .. } if field == "headers.Bad Header"),
        "{e}"
    );

    let e = start(format!(
        "type = 'webhook'\nname = 'w'\nurl = 'http://h/'\nqueue_capacity = 0\ndead_letter = '{dead}'"
    ));
    assert!(
        matches!(&e, BuildError::Invalid { field, .. } if field == "queue_capacity"),
        "{e}"
    );

    let e = start(format!(
        "type = 'webhook'\nname = 'w'\nurl = 'http://h/'\nretry = {{ max_attempts = 0 }}\ndead_letter = '{dead}'"
    ));
    assert!(
        matches!(&e, BuildError::Invalid { field, .. } if field == "retry"),
        "{e}"
    );

    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, "not a certificate").expect("write");
    let e = start(format!(
        "type = 'splunk_hec'\nname = 'hec'\nurl = 'https://h:8088'\ntoken = 't'\nca_file = '{}'\ndead_letter = '{dead}'",
        ca.display()
    ));
    assert!(matches!(&e, BuildError::Client { .. }), "{e}");
}

#[test]
fn starting_outside_a_runtime_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dead = dir.path().join("dead.jsonl").display().to_string();
    let config = one(&format!("type = 'stdout'\nname = 'o'\ndead_letter = '{dead}'"));
    assert!(matches!(Sink::from_config(&config), Err(BuildError::NoRuntime { .. })));
}

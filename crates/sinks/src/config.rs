//! Sink configuration: serde structures meant to be embedded in a TOML (or JSON, or YAML) file.
//!
//! A list of sinks is a list of [`SinkConfig`], each a table with a `type` (`stdout`, `file`,
//! `webhook`, `slack`, `splunk_hec`), a `name`, the keys of its type, and the keys every sink
//! has: `dead_letter` (required), `queue_capacity` and a `retry` table ([`RetryPolicy`]).
//! Unknown keys are errors everywhere. `docs/sinks.md` documents every key.
//!
//! Values with their own syntax:
//!
//! - durations ([`parse_duration`]): a string with units (`"500ms"`, `"30s"`, `"5m"`, `"1h30m"`,
//!   `"2 hours"`, ISO 8601 `"PT5S"`) or a number of seconds (`30`, `0.25`);
//! - sizes ([`ByteSize`]): a number of bytes or a string with a unit (`"100MiB"`, `"10MB"`);
//! - secrets ([`Secret`]): the value itself, `{ env = "VAR" }` or `{ file = "/path" }`, read when
//!   the sink starts so the configuration file need not hold tokens.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::retry::RetryPolicy;

/// The queue length of a sink when `queue_capacity` is not given.
pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;
/// The request timeout of the HTTP sinks when `timeout` is not given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The size at which the file sink rotates when `max_size` is not given (100 MiB).
pub const DEFAULT_MAX_SIZE: u64 = 100 * 1024 * 1024;
/// How many rotated files the file sink keeps when `keep` is not given.
pub const DEFAULT_KEEP: usize = 5;

/// One sink: where findings go, in which format, and how hard to try.
///
/// ```
/// use tripline_sinks::config::SinkConfig;
///
/// #[derive(serde::Deserialize)]
/// struct Config {
///     sinks: Vec<SinkConfig>,
/// }
///
/// let config: Config = serde_json::from_str(r#"{"sinks": [
///     {"type": "stdout", "name": "console", "dead_letter": "/tmp/dead.jsonl"}
/// ]}"#).unwrap();
/// assert_eq!(config.sinks[0].name(), "console");
/// assert_eq!(config.sinks[0].kind(), "stdout");
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SinkConfig {
    /// Standard output, one finding per line.
    Stdout(StdoutConfig),
    /// A file, one finding per line, rotated by size.
    File(FileConfig),
    /// A generic HTTP endpoint that findings are POSTed to.
    Webhook(WebhookConfig),
    /// A Slack incoming webhook.
    Slack(SlackConfig),
    /// A Splunk HTTP Event Collector.
    SplunkHec(HecConfig),
}

impl SinkConfig {
    /// The sink's name, as dead letters and statistics report it.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            SinkConfig::Stdout(c) => &c.name,
            SinkConfig::File(c) => &c.name,
            SinkConfig::Webhook(c) => &c.name,
            SinkConfig::Slack(c) => &c.name,
            SinkConfig::SplunkHec(c) => &c.name,
        }
    }

    /// The sink's type as the configuration spells it: `stdout`, `file`, `webhook`, `slack` or
    /// `splunk_hec`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            SinkConfig::Stdout(_) => "stdout",
            SinkConfig::File(_) => "file",
            SinkConfig::Webhook(_) => "webhook",
            SinkConfig::Slack(_) => "slack",
            SinkConfig::SplunkHec(_) => "splunk_hec",
        }
    }

    /// The file failed findings are appended to.
    #[must_use]
    pub fn dead_letter(&self) -> &Path {
        match self {
            SinkConfig::Stdout(c) => &c.dead_letter,
            SinkConfig::File(c) => &c.dead_letter,
            SinkConfig::Webhook(c) => &c.dead_letter,
            SinkConfig::Slack(c) => &c.dead_letter,
            SinkConfig::SplunkHec(c) => &c.dead_letter,
        }
    }
}

/// The machine formats a finding can be sent in: the streaming [`crate::Format`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum EventFormat {
    /// The finding's own layout (`docs/findings.md`).
    #[default]
    Jsonl,
    /// OCSF 1.3 Detection Finding.
    Ocsf,
    /// falcosidekick-compatible Falco event.
    Falco,
}

impl From<EventFormat> for crate::Format {
    fn from(format: EventFormat) -> crate::Format {
        match format {
            EventFormat::Jsonl => crate::Format::Jsonl,
            EventFormat::Ocsf => crate::Format::Ocsf,
            EventFormat::Falco => crate::Format::Falco,
        }
    }
}

/// `type = "stdout"`: one finding per line on standard output.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct StdoutConfig {
    /// The sink's name.
    pub name: String,
    /// The line format (default `jsonl`).
    #[serde(default)]
    pub format: EventFormat,
    /// How many findings may wait for delivery before senders are told to slow down.
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
    /// Retries of failed writes.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Where findings that could not be written go.
    pub dead_letter: PathBuf,
}

/// `type = "file"`: one finding per line in a file that is rotated by size.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FileConfig {
    /// The sink's name.
    pub name: String,
    /// The file written to; rotated files are `PATH.1` (newest) to `PATH.<keep>`.
    pub path: PathBuf,
    /// The line format (default `jsonl`).
    #[serde(default)]
    pub format: EventFormat,
    /// Rotate before a line would take the file past this size (default 100 MiB).
    #[serde(default = "default_max_size")]
    pub max_size: ByteSize,
    /// How many rotated files to keep besides the one being written (default 5).
    #[serde(default = "default_keep")]
    pub keep: usize,
    /// How many findings may wait for delivery before senders are told to slow down.
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
    /// Retries of failed writes.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Where findings that could not be written go.
    pub dead_letter: PathBuf,
}

/// `type = "webhook"`: each finding POSTed as JSON, or batches of them as JSON lines.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WebhookConfig {
    /// The sink's name.
    pub name: String,
    /// The endpoint (`http://` or `https://`). A secret, since URLs often carry tokens.
    pub url: Secret,
    /// The body format (default `jsonl`, the finding's own layout).
    #[serde(default)]
    pub format: EventFormat,
    /// Extra request headers, e.g. `Authorization`; the values are secrets.
    #[serde(default)]
    pub headers: BTreeMap<String, Secret>,
    /// Without it, one request per finding with the finding as a JSON object
    /// (`application/json`); with it, one request per batch with one finding per line
    /// (`application/x-ndjson`).
    #[serde(default)]
    pub batch: Option<Batching>,
    /// The time one request may take, connecting included (default 10 s).
    #[serde(default = "default_timeout", deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
    /// PEM certificates to trust besides the system's roots (a private CA).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// How many findings may wait for delivery before senders are told to slow down.
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
    /// Retries of failed requests.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Where findings that could not be delivered go.
    pub dead_letter: PathBuf,
}

/// `type = "slack"`: one message per finding to a Slack incoming webhook.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SlackConfig {
    /// The sink's name.
    pub name: String,
    /// The incoming webhook URL (`https://hooks.slack.com/services/...`), a secret.
    pub url: Secret,
    /// The time one request may take, connecting included (default 10 s).
    #[serde(default = "default_timeout", deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
    /// PEM certificates to trust besides the system's roots (for a proxy or a test server).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// How many findings may wait for delivery before senders are told to slow down.
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
    /// Retries of failed requests.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Where findings that could not be delivered go.
    pub dead_letter: PathBuf,
}

/// `type = "splunk_hec"`: batches of events to a Splunk HTTP Event Collector.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HecConfig {
    /// The sink's name.
    pub name: String,
    /// The collector: `https://splunk.example.com:8088` (the path
    /// `/services/collector/event` is added when the URL has none) or the full endpoint.
    pub url: String,
    /// The HEC token, sent as `Authorization: Splunk <token>`.
    pub token: Secret,
    /// The index events go to; the token's default index when absent.
    #[serde(default)]
    pub index: Option<String>,
    /// The events' `host`; this machine's host name when absent.
    #[serde(default)]
    pub host: Option<String>,
    /// The events' `source` (default `tripline`).
    #[serde(default = "default_hec_source")]
    pub source: String,
    /// The events' `sourcetype` (default `tripline:finding`).
    #[serde(default = "default_hec_sourcetype")]
    pub sourcetype: String,
    /// A channel GUID, sent as `X-Splunk-Request-Channel` (needed when the token has indexer
    /// acknowledgement on; Tripline does not poll acknowledgements).
    #[serde(default)]
    pub channel: Option<String>,
    /// The format of each event's `event` (default `jsonl`, the finding's own layout).
    #[serde(default)]
    pub format: EventFormat,
    /// How events are grouped into requests (default 100 events, 200 ms).
    #[serde(default)]
    pub batch: Batching,
    /// The time one request may take, connecting included (default 10 s).
    #[serde(default = "default_timeout", deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
    /// PEM certificates to trust besides the system's roots (Splunk's own CA, for example).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// How many findings may wait for delivery before senders are told to slow down.
    #[serde(default = "default_queue_capacity")]
    pub queue_capacity: usize,
    /// Retries of failed requests.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Where findings that could not be delivered go.
    pub dead_letter: PathBuf,
}

/// How a sink groups queued findings into one delivery: up to `max_events`, waiting at most
/// `max_wait` after the first for more to arrive. A batch is retried and dead-lettered whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Batching {
    /// The most findings in one delivery (at least 1; default 100).
    pub max_events: usize,
    /// How long to wait for a batch to fill after its first finding (default 200 ms; `0`
    /// sends what is queued at once).
    #[serde(deserialize_with = "deserialize_duration")]
    pub max_wait: Duration,
}

impl Batching {
    /// One finding per delivery, sent at once.
    pub const SINGLE: Batching = Batching {
        max_events: 1,
        max_wait: Duration::ZERO,
    };

    /// Whatever is queued, up to `max_events`, without waiting for more.
    #[must_use]
    pub const fn immediate(max_events: usize) -> Batching {
        Batching {
            max_events,
            max_wait: Duration::ZERO,
        }
    }
}

impl Default for Batching {
    fn default() -> Batching {
        Batching {
            max_events: 100,
            max_wait: Duration::from_millis(200),
        }
    }
}

/// A size in bytes: a number, or a string with a unit: `B`, `KB`/`MB`/`GB` (powers of 1000),
/// `KiB`/`MiB`/`GiB` (powers of 1024), in any case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

impl ByteSize {
    /// Parse `"100MiB"`, `"10 MB"`, `"4096"`.
    ///
    /// # Errors
    ///
    /// A message saying what is wrong with `text`.
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a size (a number with an optional unit such as MiB)"))?;
        let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "k" | "kb" => 1000,
            "m" | "mb" => 1000 * 1000,
            "g" | "gb" => 1000 * 1000 * 1000,
            "ki" | "kib" => 1 << 10,
            "mi" | "mib" => 1 << 20,
            "gi" | "gib" => 1 << 30,
            other => return Err(format!("unknown size unit `{other}` (B, KB, MB, GB, KiB, MiB, GiB)")),
        };
        // Precision: sizes are far below 2^53.
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss
        )]
        let bytes = (number * factor as f64).round() as u64;
        Ok(ByteSize(bytes))
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ByteSize, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of bytes or a size such as \"100MiB\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
                ByteSize::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(SizeVisitor)
    }
}

/// A secret setting: given in the configuration, or read from an environment variable or a
/// file when the sink starts. Its `Debug` output never shows the value.
///
/// In TOML: `token = "abc"`, `token = { env = "HEC_TOKEN" }` or
/// `token = { file = "/run/secrets/hec" }` (the file's content without its trailing newline).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Secret {
    /// The value itself.
    Value(String),
    /// The value of this environment variable.
    Env(String),
    /// The content of this file, trailing line break removed.
    File(PathBuf),
}

impl Secret {
    /// The secret's value.
    ///
    /// # Errors
    ///
    /// [`SecretError`] when the variable is not set (or not Unicode) or the file cannot be read.
    pub fn resolve(&self) -> Result<String, SecretError> {
        match self {
            Secret::Value(v) => Ok(v.clone()),
            Secret::Env(name) => std::env::var(name).map_err(|_| SecretError::Env { name: name.clone() }),
            Secret::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => Ok(text.trim_end_matches(['\n', '\r']).to_owned()),
                Err(source) => Err(SecretError::File {
                    path: path.clone(),
                    source,
                }),
            },
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Value(_) => f.write_str("Secret(<redacted>)"),
            Secret::Env(name) => write!(f, "Secret(env {name})"),
            Secret::File(path) => write!(f, "Secret(file {})", path.display()),
        }
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        struct SecretVisitor;
        impl<'de> Visitor<'de> for SecretVisitor {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, { env = \"VARIABLE\" } or { file = \"PATH\" }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret::Value(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Secret, A::Error> {
                let mut secret = None;
                while let Some(key) = map.next_key::<String>()? {
                    if secret.is_some() {
                        return Err(de::Error::custom("a secret has one key: `env` or `file`"));
                    }
                    secret = Some(match key.as_str() {
                        "env" => Secret::Env(map.next_value()?),
                        "file" => Secret::File(map.next_value()?),
                        other => return Err(de::Error::unknown_field(other, &["env", "file"])),
                    });
                }
                secret.ok_or_else(|| de::Error::custom("a secret table needs `env` or `file`"))
            }
        }
        deserializer.deserialize_any(SecretVisitor)
    }
}

/// Why a [`Secret`] has no value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// The environment variable is not set or not Unicode.
    #[error("environment variable {name} is not set")]
    Env {
        /// The variable.
        name: String,
    },
    /// The file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// Parse a duration: a number with units (`"500ms"`, `"30s"`, `"5m"`, `"1h30m"`, `"1.5s"`,
/// `"2 hours"`), or ISO 8601 (`"PT5S"`), or a plain number of seconds (`"30"`, `"0.25"`).
///
/// ```
/// use std::time::Duration;
/// use tripline_sinks::config::parse_duration;
///
/// assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
/// assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
/// assert_eq!(parse_duration("2.5"), Ok(Duration::from_millis(2500)));
/// assert!(parse_duration("-1s").is_err());
/// ```
///
/// # Errors
///
/// A message saying what is wrong with `text`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<f64>() {
        return seconds_to_duration(seconds);
    }
    let signed: jiff::SignedDuration = text
        .parse()
        .map_err(|e| format!("`{text}` is not a duration such as \"500ms\", \"30s\" or \"5m\": {e}"))?;
    Duration::try_from(signed).map_err(|_| format!("`{text}`: a duration cannot be negative"))
}

fn seconds_to_duration(seconds: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{seconds} is not a duration in seconds"))
}

/// `deserialize_with` for a [`Duration`] written as [`parse_duration`] reads it, or as a number
/// of seconds.
///
/// # Errors
///
/// The deserialiser's error for anything else.
pub fn deserialize_duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    struct DurationVisitor;
    impl Visitor<'_> for DurationVisitor {
        type Value = Duration;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration such as \"500ms\" or \"30s\", or a number of seconds")
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
            Ok(Duration::from_secs(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
            u64::try_from(v)
                .map(Duration::from_secs)
                .map_err(|_| E::custom("a duration cannot be negative"))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
            seconds_to_duration(v).map_err(E::custom)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
            parse_duration(v).map_err(E::custom)
        }
    }
    deserializer.deserialize_any(DurationVisitor)
}

fn default_queue_capacity() -> usize {
    DEFAULT_QUEUE_CAPACITY
}

fn default_timeout() -> Duration {
    DEFAULT_TIMEOUT
}

fn default_max_size() -> ByteSize {
    ByteSize(DEFAULT_MAX_SIZE)
}

fn default_keep() -> usize {
    DEFAULT_KEEP
}

fn default_hec_source() -> String {
    "tripline".to_owned()
}

fn default_hec_sourcetype() -> String {
    "tripline:finding".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(ByteSize::parse("4096"), Ok(ByteSize(4096)));
        assert_eq!(ByteSize::parse("10MB"), Ok(ByteSize(10_000_000)));
        assert_eq!(ByteSize::parse("1 MiB"), Ok(ByteSize(1_048_576)));
        assert_eq!(ByteSize::parse("1.5kib"), Ok(ByteSize(1536)));
        assert!(ByteSize::parse("10 parsecs").is_err());
        assert!(ByteSize::parse("MiB").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("PT5S"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("2 hours"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-3").is_err());
    }

    #[test]
    fn secrets_never_print_their_value() {
        let s = Secret::Value("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.resolve().ok().as_deref(), Some("hunter2"));
        assert!(matches!(
            Secret::Env("TRIPLINE_SURELY_UNSET_VARIABLE".into()).resolve(),
            Err(SecretError::Env { .. })
        ));
    }
}

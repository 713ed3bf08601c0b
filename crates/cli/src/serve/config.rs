//! `tripline serve`'s configuration file (TOML): every option, checked when the service starts.
//! Command-line flags override the file's common keys; docs/serve.md is the reference.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use tripline_content::RuleSet;
use tripline_content::window::RuleWindow;
use tripline_sinks::SinkConfig;
use tripline_sinks::config::{ByteSize, deserialize_duration};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub(crate) listen: SocketAddr,
    /// Serve plain HTTP (no TLS). Must be asked for.
    #[serde(default)]
    pub(crate) insecure_plain_http: bool,
    /// How log lines look on stderr.
    #[serde(default)]
    pub(crate) log_format: LogFormat,
    /// Detection files or directories (none: the built-in pack).
    #[serde(default)]
    pub(crate) rules: Vec<PathBuf>,
    /// Macro overrides.
    #[serde(default)]
    pub(crate) macros: Vec<PathBuf>,
    /// GeoIP databases.
    #[serde(default)]
    pub(crate) geoip: Vec<PathBuf>,
    /// TLS.
    #[serde(default)]
    pub(crate) tls: TlsConfig,
    /// Authentication.
    #[serde(default)]
    pub(crate) auth: AuthConfig,
    /// Request and queue limits.
    #[serde(default)]
    pub(crate) limits: Limits,
    /// Event-time windows.
    #[serde(default)]
    pub(crate) windows: Windows,
    /// Suppression of repeated findings.
    #[serde(default)]
    pub(crate) suppression: Suppression,
    /// The write-ahead log.
    #[serde(default)]
    pub(crate) wal: WalConfig,
    /// How long shutdown waits for requests, windows and sinks to finish.
    #[serde(default = "default_grace", deserialize_with = "deserialize_duration")]
    pub(crate) shutdown_grace: Duration,
    /// Where findings go (none: stdout, JSON lines).
    #[serde(default)]
    pub(crate) sinks: Vec<SinkConfig>,
    /// The dead-letter file of the default stdout sink (used only when `sinks` is empty).
    #[serde(default = "default_dead_letter")]
    pub(crate) dead_letter: PathBuf,
}

/// `[tls]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TlsConfig {
    /// Server certificate chain (PEM).
    pub(crate) cert: Option<PathBuf>,
    /// Server private key (PEM).
    pub(crate) key: Option<PathBuf>,
    /// CA certificates (PEM) client certificates must chain to: requires mTLS.
    pub(crate) client_ca: Option<PathBuf>,
}

/// `[auth]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthConfig {
    /// File of accepted bearer tokens, one per line.
    pub(crate) token_file: Option<PathBuf>,
    /// Whether `/metrics` needs a token too (when tokens are configured).
    #[serde(default = "yes")]
    pub(crate) metrics_require_token: bool,
}

/// `[limits]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Limits {
    /// Largest request body, compressed or not.
    #[serde(default = "default_max_body")]
    pub(crate) max_body: ByteSize,
    /// Largest single event.
    #[serde(default = "default_max_event")]
    pub(crate) max_event_size: ByteSize,
    /// Accepted requests waiting for the engine; more get 429.
    #[serde(default = "default_queue")]
    pub(crate) queue_capacity: usize,
    /// Seconds a client is told to wait after a 429.
    #[serde(default = "default_retry_after")]
    pub(crate) retry_after: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: default_max_body(),
            max_event_size: default_max_event(),
            queue_capacity: default_queue(),
            retry_after: default_retry_after(),
        }
    }
}

/// `[windows]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Windows {
    /// Window length, event time.
    #[serde(default = "default_window", deserialize_with = "deserialize_duration")]
    pub(crate) size: Duration,
    /// Time between the starts of consecutive windows (`size`: tumbling windows).
    #[serde(default = "default_slide", deserialize_with = "deserialize_duration")]
    pub(crate) slide: Duration,
    /// Watermark lag behind the latest event time.
    #[serde(default = "default_lateness", deserialize_with = "deserialize_duration")]
    pub(crate) allowed_lateness: Duration,
    /// Wall-clock quiet time after which a cluster's windows close.
    #[serde(default = "default_idle", deserialize_with = "deserialize_duration")]
    pub(crate) idle_timeout: Duration,
    /// Rows one rule's window holds at most.
    #[serde(default = "default_max_rows")]
    pub(crate) max_rows_per_window: usize,
    /// Clusters tracked at once (each has its own windows).
    #[serde(default = "default_max_clusters")]
    pub(crate) max_clusters: usize,
    /// `[windows.rules."<rule>"]`: a rule's own window, by detection name, id or file stem.
    #[serde(default)]
    pub(crate) rules: BTreeMap<String, RuleWindowConfig>,
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            size: default_window(),
            slide: default_slide(),
            allowed_lateness: default_lateness(),
            idle_timeout: default_idle(),
            max_rows_per_window: default_max_rows(),
            max_clusters: default_max_clusters(),
            rules: BTreeMap::new(),
        }
    }
}

/// `[windows.rules."<rule>"]`: what is not given is `[windows]`'.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleWindowConfig {
    /// Window length.
    #[serde(default, deserialize_with = "deserialize_some_duration")]
    pub(crate) size: Option<Duration>,
    /// Time between the starts of consecutive windows.
    #[serde(default, deserialize_with = "deserialize_some_duration")]
    pub(crate) slide: Option<Duration>,
}

fn deserialize_some_duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    deserialize_duration(deserializer).map(Some)
}

impl Windows {
    /// The window of rules without one of their own.
    pub(crate) fn window(&self) -> RuleWindow {
        RuleWindow {
            size: self.size.as_secs_f64(),
            slide: self.slide.as_secs_f64(),
        }
    }

    /// The window `[windows.rules.<key>]` asks for.
    fn rule_window(&self, rule: &RuleWindowConfig) -> RuleWindow {
        RuleWindow {
            size: rule.size.unwrap_or(self.size).as_secs_f64(),
            slide: rule.slide.unwrap_or(self.slide).as_secs_f64(),
        }
    }

    /// Problems with the windows, each naming its key.
    fn problems(&self, problems: &mut Vec<String>) {
        if self.size.is_zero() {
            problems.push("windows.size must be greater than 0".to_owned());
        } else if self.slide.is_zero() {
            problems.push("windows.slide must be greater than 0".to_owned());
        } else if let Err(e) = self.window().panes() {
            problems.push(format!(
                "windows.size and windows.slide (default 1m): {e} (for tumbling windows, set slide = size)"
            ));
        }
        for (key, rule) in &self.rules {
            if let Err(e) = self.rule_window(rule).panes() {
                let inherited = match (rule.size, rule.slide) {
                    (None, _) => " (the size is windows.size)",
                    (_, None) => " (the slide is windows.slide; set slide here too)",
                    _ => "",
                };
                problems.push(format!("windows.rules.{key:?}: {e}{inherited}"));
            }
        }
    }

    /// Give each rule `[windows.rules]` names its window in `set`. A key names a detection by
    /// id, name or file stem (as `tripline hunt --rule`), and every detection it names. Returns
    /// warnings (a key naming a rule that takes no window).
    ///
    /// # Errors
    /// A key that names no rule that runs (with the closest name), or two keys naming the same
    /// rule; one line each.
    pub(crate) fn apply(&self, set: &mut RuleSet) -> Result<Vec<String>, String> {
        let mut warnings = Vec::new();
        let mut problems = Vec::new();
        let mut named: BTreeMap<usize, &str> = BTreeMap::new();
        for (key, rule) in &self.rules {
            let matches: Vec<(usize, String)> = set
                .detections()
                .enumerate()
                .filter(|(_, d)| crate::hunt::rule_matches(d, key))
                .map(|(i, d)| (i, d.name.clone()))
                .collect();
            if matches.is_empty() {
                if let Some(d) = set
                    .skipped()
                    .iter()
                    .find(|s| crate::hunt::rule_matches(&s.detection, key))
                {
                    warnings.push(format!(
                        "windows.rules.{key:?}: `{}` cannot run ({}); its window does nothing",
                        d.detection.name,
                        d.reason()
                    ));
                    continue;
                }
                let names: Vec<&str> = set.detections().map(|d| d.name.as_str()).collect();
                let hint = tripline_spl::did_you_mean(key, names.iter().copied())
                    .map(|best| format!("; did you mean `{best}`?"))
                    .unwrap_or_default();
                problems.push(format!(
                    "windows.rules.{key:?}: no rule that runs has the id, name or file name `{key}`{hint}"
                ));
                continue;
            }
            for (i, name) in matches {
                if let Some(other) = named.insert(i, key) {
                    problems.push(format!(
                        "windows.rules.{key:?} and windows.rules.{other:?} both name `{name}`"
                    ));
                }
                if !set.needs_window(i) {
                    warnings.push(format!(
                        "windows.rules.{key:?}: `{name}` has no blocking command: it raises its findings at once, \
                         and its window does nothing"
                    ));
                }
                set.set_window(i, Some(self.rule_window(rule)));
            }
        }
        if problems.is_empty() {
            Ok(warnings)
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// `[suppression]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Suppression {
    /// Repeats of a (rule, entity) within this much event time are dropped; `0` keeps all.
    #[serde(default = "default_window", deserialize_with = "deserialize_duration")]
    pub(crate) period: Duration,
    /// (rule, entity) keys remembered.
    #[serde(default = "default_max_keys")]
    pub(crate) max_keys: usize,
}

impl Default for Suppression {
    fn default() -> Self {
        Suppression {
            period: default_window(),
            max_keys: default_max_keys(),
        }
    }
}

/// `[wal]`: the write-ahead log that makes an acknowledged batch survive a crash.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WalConfig {
    /// Off: batches are acknowledged once queued, and a crash loses what is queued and open.
    #[serde(default = "yes")]
    pub(crate) enabled: bool,
    /// The log's directory (one `serve` per directory).
    #[serde(default = "default_wal_dir")]
    pub(crate) dir: PathBuf,
    /// When appends reach the disk: `always` (before each acknowledgement), `interval`, `never`.
    #[serde(default)]
    pub(crate) fsync: FsyncPolicy,
    /// How often `fsync = "interval"` syncs.
    #[serde(default = "default_fsync_interval", deserialize_with = "deserialize_duration")]
    pub(crate) fsync_interval: Duration,
    /// A new segment file starts past this size.
    #[serde(default = "default_segment_size")]
    pub(crate) segment_size: ByteSize,
    /// Past this size, requests get 429 until delivered findings let segments go.
    #[serde(default = "default_wal_max")]
    pub(crate) max_size: ByteSize,
}

/// `log_format`: log lines on stderr.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LogFormat {
    /// A timestamp, the level and the message with its fields, for people.
    #[default]
    Text,
    /// One JSON object per line, for log pipelines.
    Json,
}

/// `wal.fsync`.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FsyncPolicy {
    /// Sync before every acknowledgement (grouped across concurrent requests).
    #[default]
    Always,
    /// Sync at most every `fsync_interval`.
    Interval,
    /// Leave it to the kernel.
    Never,
}

impl Default for WalConfig {
    fn default() -> Self {
        WalConfig {
            enabled: true,
            dir: default_wal_dir(),
            fsync: FsyncPolicy::default(),
            fsync_interval: default_fsync_interval(),
            segment_size: default_segment_size(),
            max_size: default_wal_max(),
        }
    }
}

fn default_wal_dir() -> PathBuf {
    PathBuf::from("tripline-wal")
}
fn default_fsync_interval() -> Duration {
    Duration::from_secs(1)
}
fn default_segment_size() -> ByteSize {
    ByteSize(64 << 20)
}
fn default_wal_max() -> ByteSize {
    // 10-minute windows at 100,000 events/s keep about 10 GB (see docs/serve.md, sizing).
    ByteSize(16 << 30)
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 8443))
}
fn default_dead_letter() -> PathBuf {
    PathBuf::from("tripline-dead-letter.jsonl")
}
fn default_grace() -> Duration {
    Duration::from_secs(10)
}
fn yes() -> bool {
    true
}
fn default_max_body() -> ByteSize {
    ByteSize(64 << 20)
}
fn default_max_event() -> ByteSize {
    ByteSize(tripline_ingest::DEFAULT_MAX_EVENT_SIZE as u64)
}
fn default_queue() -> usize {
    256
}
fn default_retry_after() -> u32 {
    1
}
fn default_window() -> Duration {
    Duration::from_secs(600)
}
fn default_slide() -> Duration {
    Duration::from_secs(60)
}
fn default_lateness() -> Duration {
    Duration::from_secs(30)
}
fn default_idle() -> Duration {
    Duration::from_secs(60)
}
fn default_max_rows() -> usize {
    1_000_000
}
fn default_max_clusters() -> usize {
    1024
}
fn default_max_keys() -> usize {
    100_000
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: default_listen(),
            insecure_plain_http: false,
            log_format: LogFormat::default(),
            rules: Vec::new(),
            macros: Vec::new(),
            geoip: Vec::new(),
            tls: TlsConfig::default(),
            auth: AuthConfig::default(),
            limits: Limits::default(),
            windows: Windows::default(),
            suppression: Suppression::default(),
            wal: WalConfig::default(),
            shutdown_grace: default_grace(),
            sinks: Vec::new(),
            dead_letter: default_dead_letter(),
        }
    }
}

impl Config {
    /// Read and parse `path`. TOML errors name the key and line.
    pub(crate) fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parse TOML text.
    pub(crate) fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())
    }

    /// Check what the types cannot: every problem, each naming its key.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        let tls = self.tls.cert.is_some() || self.tls.key.is_some();
        if self.tls.cert.is_some() != self.tls.key.is_some() {
            problems.push("tls.cert and tls.key (--tls-cert, --tls-key) must be given together".to_owned());
        }
        if self.insecure_plain_http && tls {
            problems.push("insecure_plain_http cannot be combined with tls.cert/tls.key".to_owned());
        }
        if !self.insecure_plain_http && !tls {
            problems.push(
                "no TLS: set tls.cert and tls.key (--tls-cert, --tls-key), or ask for plain HTTP with \
                 insecure_plain_http = true (--insecure-plain-http)"
                    .to_owned(),
            );
        }
        if self.tls.client_ca.is_some() && !tls {
            problems.push("tls.client_ca (--client-ca) needs TLS: set tls.cert and tls.key".to_owned());
        }
        if self.auth.token_file.is_none() && self.tls.client_ca.is_none() && !self.insecure_plain_http {
            problems.push(
                "no authentication: set auth.token_file (--token-file) or tls.client_ca (--client-ca)".to_owned(),
            );
        }
        if self.limits.max_body.0 == 0 {
            problems.push("limits.max_body must be greater than 0".to_owned());
        }
        if self.limits.max_event_size.0 == 0 {
            problems.push("limits.max_event_size must be greater than 0".to_owned());
        }
        if self.limits.queue_capacity == 0 {
            problems.push("limits.queue_capacity must be at least 1".to_owned());
        }
        self.windows.problems(&mut problems);
        if self.windows.idle_timeout.is_zero() {
            problems.push("windows.idle_timeout must be greater than 0".to_owned());
        }
        if self.windows.max_rows_per_window == 0 {
            problems.push("windows.max_rows_per_window must be at least 1".to_owned());
        }
        if self.windows.max_clusters == 0 {
            problems.push("windows.max_clusters must be at least 1".to_owned());
        }
        if self.wal.enabled {
            if self.wal.segment_size.0 < 4096 {
                problems.push("wal.segment_size must be at least 4KiB".to_owned());
            }
            if self.wal.max_size.0 < self.wal.segment_size.0.saturating_mul(2) {
                problems.push("wal.max_size must be at least twice wal.segment_size".to_owned());
            }
            if self.wal.fsync == FsyncPolicy::Interval && self.wal.fsync_interval.is_zero() {
                problems.push("wal.fsync_interval must be greater than 0 (or use fsync = \"always\")".to_owned());
            }
        }
        if self.suppression.max_keys == 0 {
            problems.push("suppression.max_keys must be at least 1".to_owned());
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, sink) in self.sinks.iter().enumerate() {
            if !names.insert(sink.name()) {
                problems.push(format!("sinks[{i}].name: `{}` is used twice", sink.name()));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_parses_and_defaults_hold() {
        let c = Config::parse(
            r#"
listen = "127.0.0.1:9000"
insecure_plain_http = true
log_format = "json"
rules = ["rules/"]
macros = []
geoip = []
shutdown_grace = "5s"
dead_letter = "/tmp/dl.jsonl"
[tls]
[auth]
token_file = "/etc/tripline/tokens"
metrics_require_token = false
[limits]
max_body = "16MiB"
max_event_size = "1MiB"
queue_capacity = 8
retry_after = 2
[windows]
size = "5m"
slide = "30s"
allowed_lateness = "10s"
idle_timeout = "30s"
max_rows_per_window = 1000
max_clusters = 4
[windows.rules."Kubernetes Unauthenticated API Sweep"]
size = "1h"
slide = "5m"
[windows.rules.kubernetes_forbidden_create_attempt]
size = "2m"
[suppression]
period = "1h"
max_keys = 10
[wal]
enabled = true
dir = "/var/lib/tripline/wal"
fsync = "interval"
fsync_interval = "200ms"
segment_size = "16MiB"
max_size = "1GiB"
[[sinks]]
type = "stdout"
name = "console"
dead_letter = "/tmp/dl.jsonl"
"#,
        )
        .expect("valid");
        assert_eq!(c.limits.max_body.0, 16 << 20);
        assert_eq!(c.windows.size, Duration::from_secs(300));
        assert_eq!(c.windows.slide, Duration::from_secs(30));
        let sweep = &c.windows.rules["Kubernetes Unauthenticated API Sweep"];
        assert_eq!(
            (sweep.size, sweep.slide),
            (Some(Duration::from_secs(3600)), Some(Duration::from_secs(300)))
        );
        let create = &c.windows.rules["kubernetes_forbidden_create_attempt"];
        assert_eq!(
            c.windows.rule_window(create),
            RuleWindow {
                size: 120.0,
                slide: 30.0
            }
        );
        assert_eq!(c.sinks.len(), 1);
        assert_eq!(c.wal.fsync, FsyncPolicy::Interval);
        assert_eq!(c.wal.fsync_interval, Duration::from_millis(200));
        assert_eq!(c.wal.segment_size.0, 16 << 20);
        c.validate().expect("valid");
        let d = Config::default();
        assert_eq!(d.limits.max_body.0, 64 << 20);
        assert_eq!(d.windows.size, Duration::from_secs(600));
        assert_eq!(d.windows.slide, Duration::from_secs(60));
        assert_eq!(d.windows.allowed_lateness, Duration::from_secs(30));
        assert!(d.wal.enabled);
        assert_eq!(d.wal.fsync, FsyncPolicy::Always);
        assert!(d.windows.rules.is_empty());
    }

    #[test]
    fn errors_name_the_key() {
        let e = Config::parse("[windows]\nsise = \"5m\"\n").expect_err("unknown key");
        assert!(e.contains("sise"), "{e}");
        let e = Config::parse("[windows]\nsize = \"five\"\n").expect_err("bad duration");
        assert!(e.contains("size"), "{e}");
        let e = Config::default().validate().expect_err("no TLS");
        assert!(e.contains("tls.cert"), "{e}");
        let c = Config::parse("insecure_plain_http = true\n[windows]\nsize = 0\n").expect("parses");
        let e = c.validate().expect_err("zero window");
        assert!(e.contains("windows.size"), "{e}");
        let e = Config::parse("[wal]\nfsync = \"sometimes\"\n").expect_err("bad policy");
        assert!(e.contains("fsync") && e.contains("always"), "{e}");
        let c = Config::parse("insecure_plain_http = true\n[wal]\nsegment_size = \"1MiB\"\nmax_size = \"1MiB\"\n")
            .expect("parses");
        let e = c.validate().expect_err("log smaller than two segments");
        assert!(e.contains("wal.max_size"), "{e}");
        let e = Config::parse("[windows.rules.x]\nslid = \"5m\"\n").expect_err("unknown key");
        assert!(e.contains("slid"), "{e}");
        let e = Config::parse("[windows.rules.x]\nsize = \"soon\"\n").expect_err("bad duration");
        assert!(e.contains("size") && e.contains("soon"), "{e}");
        let c = Config::parse("insecure_plain_http = true\n[windows]\nsize = \"90s\"\n").expect("parses");
        let e = c.validate().expect_err("not a multiple");
        assert!(e.contains("windows.slide") && e.contains("multiple"), "{e}");
        let c = Config::parse("insecure_plain_http = true\n[windows]\nslide = 0\n").expect("parses");
        assert!(c.validate().expect_err("zero slide").contains("windows.slide"));
        let c = Config::parse(
            "insecure_plain_http = true\n[windows.rules.\"Some Rule\"]\nsize = \"90s\"\n[windows.rules.other]\nslide = \"1h\"\n",
        )
        .expect("parses");
        let e = c.validate().expect_err("bad rule windows");
        assert!(
            e.contains("windows.rules.\"Some Rule\": the window size (90 s) is not a multiple of the slide (60 s)"),
            "{e}"
        );
        assert!(
            e.contains("windows.rules.\"other\": the slide (3600 s) is longer"),
            "{e}"
        );
    }

    /// The built-in rules (all of which take windows), and one that raises findings at once.
    fn builtin() -> RuleSet {
        let content = tripline_content::builtin_content();
        let ctx = tripline_engine::expr::EvalContext::default();
        let mut detections = content.detections.clone();
        let mut immediate = detections[0].clone();
        immediate.name = "Immediate Rule".into();
        immediate.id = "00000000-0000-4000-8000-000000000001".into();
        immediate.search.text = "search verb=list | table src_ip".into();
        detections.push(immediate);
        RuleSet::compile(detections, &content.macros, &ctx)
    }

    fn index(set: &RuleSet, name: &str) -> usize {
        set.detections().position(|d| d.name == name).expect("a built-in rule")
    }

    #[test]
    fn rule_windows_name_rules_by_name_id_or_file() {
        let c = Config::parse(
            r#"
[windows.rules."kubernetes unauthenticated api sweep"]
size = "1h"
slide = "5m"
[windows.rules.6d886414-cd1b-45af-8cb8-afd5641eb65d]
slide = "10m"
[windows.rules.kubernetes_forbidden_create_attempt]
size = "2m"
"#,
        )
        .expect("parses");
        let mut set = builtin();
        let warnings = c.windows.apply(&mut set).expect("every key names a rule");
        assert!(warnings.is_empty(), "{warnings:?}");
        let window = |name: &str| set.window(index(&set, name));
        assert_eq!(
            window("Kubernetes Unauthenticated API Sweep"),
            Some(RuleWindow {
                size: 3600.0,
                slide: 300.0
            })
        );
        assert_eq!(
            window("Kubernetes AKS Unauthenticated Cluster Scan"),
            Some(RuleWindow {
                size: 600.0,
                slide: 600.0
            })
        );
        assert_eq!(
            window("Kubernetes Forbidden Create Attempt"),
            Some(RuleWindow {
                size: 120.0,
                slide: 60.0
            })
        );
        assert_eq!(window("Amazon EKS Anonymous Pod Listing"), None);
    }

    #[test]
    fn a_rule_window_naming_no_rule_is_an_error_with_a_suggestion() {
        let c =
            Config::parse("[windows.rules.\"Kubernetes Unauthenticated API Swep\"]\nsize = \"1h\"\n").expect("parses");
        let e = c.windows.apply(&mut builtin()).expect_err("no such rule");
        assert!(
            e.contains("windows.rules.\"Kubernetes Unauthenticated API Swep\": no rule that runs")
                && e.contains("did you mean `Kubernetes Unauthenticated API Sweep`?"),
            "{e}"
        );
        let c = Config::parse(
            "[windows.rules.kubernetes_unauthenticated_api_sweep]\n[windows.rules.6f0d4a51-3c2b-4e8f-9a57-1d2b7c9e0a11]\n",
        )
        .expect("parses");
        let e = c.windows.apply(&mut builtin()).expect_err("named twice");
        assert!(e.contains("both name `Kubernetes Unauthenticated API Sweep`"), "{e}");
        // A rule without a blocking command takes no window: a warning.
        let c = Config::parse("[windows.rules.\"immediate rule\"]\nsize = \"1h\"\n").expect("parses");
        let warnings = c.windows.apply(&mut builtin()).expect("a warning only");
        assert!(
            warnings.len() == 1 && warnings[0].contains("`Immediate Rule` has no blocking command"),
            "{warnings:?}"
        );
    }
}

//! `tripline simulate`: generate realistic Kubernetes traffic with labelled attack scenarios, in
//! any input format Tripline reads. The generator is `tripline_sim`; this module parses the
//! options, opens the outputs (gzip by file name) and prints a summary.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use flate2::Compression;
use flate2::write::GzEncoder;
use tripline_sim::{Format, Limit, Options, Outputs, Scenario, simulate};

/// Arguments of `tripline simulate`.
#[derive(Debug, Args)]
pub(crate) struct SimulateArgs {
    /// Seed of the random generator: the same seed and options give byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SimFormat::Raw)]
    format: SimFormat,
    /// An attack scenario to include; repeatable. `all` includes every one, `none` gives
    /// background traffic only [default: all].
    #[arg(long = "scenario", value_enum, value_name = "NAME")]
    scenarios: Vec<ScenarioChoice>,
    /// Stop after this many records (audit events plus object events) [default: 100000].
    #[arg(long, value_name = "N", conflicts_with = "size")]
    events: Option<u64>,
    /// Stop once the output holds this many bytes, uncompressed (a number with K, M, G or T:
    /// `500M`, `1G`).
    #[arg(long, value_name = "BYTES", value_parser = tripline_sim::parse_size)]
    size: Option<u64>,
    /// Records per second, over all clusters.
    #[arg(long, value_name = "PER_SECOND", default_value_t = tripline_sim::DEFAULT_RATE)]
    rate: f64,
    /// Time of the first record (RFC 3339).
    #[arg(long, value_name = "TIME", default_value = "2026-11-02T08:00:00Z", value_parser = parse_start)]
    start: i64,
    /// Number of clusters, each with its own names and addresses (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 1)]
    clusters: usize,
    /// Instances of each scenario [default: one per 100,000 records, at least 1, at most 50].
    #[arg(long, value_name = "N")]
    attacks: Option<u32>,
    /// Write the records to FILE instead of stdout (gzip when the name ends in `.gz`).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write the object events of an audit format (image pulls, pod starts, ...) to FILE, as
    /// core v1 Events one per line, instead of among the audit records (gzip for `.gz`).
    #[arg(long, value_name = "FILE")]
    objects: Option<PathBuf>,
    /// Write the ground truth to FILE: one JSON line per attack instance with its scenario,
    /// cluster, the entity the detections report, the rules that must find it, and its audit
    /// ids and event uids (docs/simulate.md).
    #[arg(long, value_name = "FILE")]
    labels: Option<PathBuf>,
    /// Print no summary on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// Output formats of `tripline simulate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SimFormat {
    /// Kubernetes audit events, one JSON object per line (the API server's audit log file).
    Raw,
    /// Audit webhook bodies: audit.k8s.io/v1 EventList batches, one per line.
    Eventlist,
    /// Amazon EKS: CloudWatch Logs subscription envelopes of /aws/eks/<cluster>/cluster.
    Eks,
    /// Google GKE: Cloud Audit Log LogEntries (protoPayload), one per line.
    Gke,
    /// Azure AKS: kube-audit diagnostic records (properties.log), one per line.
    Aks,
    /// Kubernetes core v1 Event objects, one per line (object events only).
    Events,
    /// Watch events {"type":"ADDED","object":Event} (Splunk Connect for Kubernetes; object events only).
    Sck,
}

impl SimFormat {
    fn format(self) -> Format {
        match self {
            SimFormat::Raw => Format::Raw,
            SimFormat::Eventlist => Format::EventList,
            SimFormat::Eks => Format::Eks,
            SimFormat::Gke => Format::Gke,
            SimFormat::Aks => Format::Aks,
            SimFormat::Events => Format::Events,
            SimFormat::Sck => Format::Sck,
        }
    }
}

/// `--scenario` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ScenarioChoice {
    /// Every scenario.
    All,
    /// No attack: background traffic only.
    None,
    /// An internet scanner (kube-hunter's requests, or a generic one) sweeps the API server
    /// without credentials and is refused.
    ScannerSweep,
    /// Anonymous cluster-wide pod listing, refused, one to four times.
    AnonymousPodListing,
    /// system:anonymous reads a namespace through a forgotten RoleBinding (200s).
    AnonymousAccessAllowed,
    /// A crawler fingerprints the API server: /version and discovery documents.
    ClusterDiscovery,
    /// A forged or expired token on three to six API paths (401s).
    InvalidTokenProbe,
    /// A compromised pod's service account is refused several creates.
    ForbiddenCreate,
    /// kube-hunter, kube-bench, kubescape, ... pulled and started on a node.
    ScannerImagePull,
    /// An image from a public-IP registry, ttl.sh, a tunnel, or a miner, pulled on a node.
    SuspiciousImagePull,
}

impl ScenarioChoice {
    fn scenario(self) -> Option<Scenario> {
        match self {
            ScenarioChoice::All | ScenarioChoice::None => None,
            ScenarioChoice::ScannerSweep => Some(Scenario::ScannerSweep),
            ScenarioChoice::AnonymousPodListing => Some(Scenario::AnonymousPodListing),
            ScenarioChoice::AnonymousAccessAllowed => Some(Scenario::AnonymousAccessAllowed),
            ScenarioChoice::ClusterDiscovery => Some(Scenario::ClusterDiscovery),
            ScenarioChoice::InvalidTokenProbe => Some(Scenario::InvalidTokenProbe),
            ScenarioChoice::ForbiddenCreate => Some(Scenario::ForbiddenCreate),
            ScenarioChoice::ScannerImagePull => Some(Scenario::ScannerImagePull),
            ScenarioChoice::SuspiciousImagePull => Some(Scenario::SuspiciousImagePull),
        }
    }
}

fn parse_start(text: &str) -> Result<i64, String> {
    tripline_sim::parse_time(text).ok_or_else(|| format!("`{text}` is not an RFC 3339 time (2026-11-02T08:00:00Z)"))
}

/// An output stream: stdout, a file, or a gzip file, buffered.
enum Output {
    Stdout(BufWriter<io::Stdout>),
    File(BufWriter<File>),
    Gzip(Box<BufWriter<GzEncoder<File>>>),
}

const BUFFER: usize = 1 << 20;

impl Output {
    fn open(path: Option<&Path>) -> anyhow::Result<Output> {
        let Some(path) = path else {
            return Ok(Output::Stdout(BufWriter::with_capacity(BUFFER, io::stdout())));
        };
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz")) {
            Ok(Output::Gzip(Box::new(BufWriter::with_capacity(
                BUFFER,
                GzEncoder::new(file, Compression::fast()),
            ))))
        } else {
            Ok(Output::File(BufWriter::with_capacity(BUFFER, file)))
        }
    }

    /// Flush everything and write the gzip trailer.
    fn finish(self) -> io::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush(),
            Output::File(mut w) => w.flush(),
            Output::Gzip(w) => {
                w.into_inner().map_err(io::IntoInnerError::into_error)?.finish()?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::File(w) => w.write(buf),
            Output::Gzip(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::File(w) => w.write_all(buf),
            Output::Gzip(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::File(w) => w.flush(),
            Output::Gzip(w) => w.flush(),
        }
    }
}

fn scenarios(choices: &[ScenarioChoice]) -> anyhow::Result<Vec<Scenario>> {
    if choices.is_empty() || choices.contains(&ScenarioChoice::All) {
        return Ok(Scenario::ALL.to_vec());
    }
    if choices.contains(&ScenarioChoice::None) {
        if choices.len() > 1 {
            bail!("--scenario none cannot be combined with other scenarios");
        }
        return Ok(Vec::new());
    }
    Ok(choices.iter().filter_map(|c| c.scenario()).collect())
}

/// Thousands separators, for the summary.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Run `tripline simulate`.
pub(crate) fn run(args: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let format = args.format.format();
    if args.objects.is_some() && !format.carries_audit() {
        bail!(
            "--objects: the {} format holds object events only; they are its main output",
            format.name()
        );
    }
    let options = Options {
        seed: args.seed,
        format,
        scenarios: scenarios(&args.scenarios)?,
        clusters: args.clusters,
        start: args.start,
        rate: args.rate,
        limit: match (args.events, args.size) {
            (_, Some(bytes)) => Limit::Bytes(bytes),
            (Some(n), None) => Limit::Events(n),
            (None, None) => Limit::Events(100_000),
        },
        attacks: args.attacks,
    };
    let mut main = Output::open(args.output.as_deref())?;
    let mut objects = args.objects.as_deref().map(|p| Output::open(Some(p))).transpose()?;
    let mut labels = args.labels.as_deref().map(|p| Output::open(Some(p))).transpose()?;
    let result = simulate(
        &options,
        Outputs {
            main: &mut main,
            objects: objects.as_mut().map(|o| o as &mut dyn Write),
            labels: labels.as_mut().map(|o| o as &mut dyn Write),
        },
    );
    let summary = match result {
        Ok(summary) => summary,
        // `tripline simulate | head` is a normal way to look at the output.
        Err(tripline_sim::Error::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe && args.output.is_none() => {
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => return Err(e).context("simulate"),
    };
    let finished = main.finish();
    if let Err(e) = finished {
        if e.kind() == io::ErrorKind::BrokenPipe && args.output.is_none() {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(e).context("writing the output");
    }
    if let Some(o) = objects {
        o.finish().context("writing --objects")?;
    }
    if let Some(o) = labels {
        o.finish().context("writing --labels")?;
    }
    if !args.quiet {
        let secs = started.elapsed().as_secs_f64();
        let mb = summary.bytes as f64 / 1e6;
        let mut err = io::stderr().lock();
        let attacks: Vec<String> = summary
            .instances
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{} {n}", s.name()))
            .collect();
        let _ = writeln!(
            err,
            "{} events ({} audit, {} object) in {} format, {:.1} MB in {:.2}s ({:.0} MB/s); {} to {}",
            grouped(summary.audit_events + summary.object_events),
            grouped(summary.audit_events),
            grouped(summary.object_events),
            format.name(),
            mb,
            secs,
            mb / secs.max(1e-9),
            tripline_sim::format_time(summary.first_time),
            tripline_sim::format_time(summary.last_time),
        );
        let _ = writeln!(
            err,
            "attacks: {}",
            if attacks.is_empty() {
                "none".to_owned()
            } else {
                attacks.join(", ")
            }
        );
        if !summary.skipped.is_empty() {
            let names: Vec<&str> = summary.skipped.iter().map(|s| s.name()).collect();
            let _ = writeln!(
                err,
                "not in the {} format (no audit events): {}",
                format.name(),
                names.join(", ")
            );
        }
        if let Some(path) = &args.labels {
            let _ = writeln!(err, "labels: {}", path.display());
        }
        if args.output.is_none() && io::stdout().is_terminal() {
            let _ = writeln!(err, "(use --output FILE to write to a file)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

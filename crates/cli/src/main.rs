//! The `tripline` command-line tool: runs Splunk-style Kubernetes detections natively.
//!
//! Each subcommand lives in its own module; this file only parses arguments and dispatches.

mod geoip;
mod hunt;
mod inputs;
mod lint;
mod output;
mod parallel;
mod render;
mod search;
mod serve;
mod simulate;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// Catch Kubernetes scanning and reconnaissance with Splunk's detections, without Splunk.
#[derive(Debug, Parser)]
#[command(name = "tripline", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run detections over log files and report what they find.
    ///
    /// Runs Tripline's built-in Kubernetes scanning pack, or the detections `--rules` names (a
    /// security_content checkout works unchanged), over Kubernetes audit logs and object events
    /// in any layout `search` reads. All rules run in one pass over the data. Each result row of
    /// a detection is a finding, with its risk score, entities, threat objects, ATT&CK
    /// techniques, message and a stable id (docs/findings.md), written as a table on a terminal
    /// or as JSON lines (or OCSF, Falco) otherwise. A summary goes to stderr.
    ///
    /// Exits with 2 when something asked for was not done (an input or rule file could not be
    /// read, a named rule cannot run, bad arguments), else 1 with `--fail-on-findings` when
    /// there are findings, else 0.
    Hunt(hunt::HuntArgs),
    /// Check detections, stories, macros, lookups and SPL searches, and report problems.
    ///
    /// Accepts detection YAML files (every security_content format), directories (searched
    /// recursively; a security_content checkout works), and `.spl` files. Every search is
    /// macro-expanded and parsed (`SPL` codes), every detection is checked against what
    /// contentctl requires (`RULE` codes), and story, macro and lookup files must load; the codes
    /// are listed in docs/diagnostics.md. Macros are read from `macros/` directories beside or
    /// above the inputs, then from `--macros`. With no PATH, lints the detections built into
    /// Tripline.
    ///
    /// Exits with status 1 when any error is found, 0 otherwise.
    Lint(lint::LintArgs),
    /// Run one SPL search over log files or stdin and print the results.
    ///
    /// Inputs may be files, directories, globs or `-` (stdin), plain or gzip, in any layout
    /// (JSON lines, pretty-printed documents, arrays). Each event's shape is detected — raw
    /// audit events and webhook EventLists, EKS CloudWatch envelopes, GKE Cloud Audit entries and
    /// Pub/Sub messages, AKS diagnostic records, Kubernetes Events — and given the `source` and
    /// `sourcetype` the stock detection macros expect (docs/inputs.md); the options override
    /// them. Tripline's macros (`kube_audit`, ...) are available; `--macros` adds or overrides
    /// definitions.
    ///
    /// Exits with 2 when the search does not parse or cannot run, 1 when an input could not be
    /// read, 0 otherwise.
    Search(search::SearchArgs),
    /// Run detections in real time over events received from the API server's audit webhook.
    ///
    /// Listens over HTTPS (bearer tokens, mutual TLS or both; plain HTTP only with
    /// `--insecure-plain-http`) for audit EventLists, JSON lines or single events at
    /// `/k8s-audit[/CLUSTER]` and for any input shape at `/ingest`, plain or gzip. Rules without
    /// a blocking command report at once; the others run over event-time windows closed by a
    /// watermark or when a cluster goes quiet. Findings go to the configured sinks (stdout JSON
    /// lines by default). `/healthz`, `/readyz` and `/metrics` (Prometheus) are served too.
    /// Stops cleanly on SIGTERM or Ctrl-C. See docs/serve.md.
    Serve(serve::ServeArgs),
    /// Generate realistic Kubernetes traffic with attack scenarios, in any input format.
    ///
    /// Simulates one or more clusters — kubelets, controllers, the scheduler, CoreDNS and
    /// operators, people running kubectl, CI bots, health checks — and mixes in attacks
    /// (`--scenario`, all by default): unauthenticated sweeps such as kube-hunter's, anonymous
    /// pod listing, anonymous access a cluster allows, discovery probes, invalid tokens,
    /// forbidden creates by a compromised service account, scanner and suspicious image pulls.
    /// Writes raw audit logs, webhook EventLists, EKS CloudWatch, GKE Cloud Audit and AKS
    /// diagnostic records, or Kubernetes Events (`--format`), until `--events` or `--size`.
    /// `--labels` writes the ground truth: which detection must report which entity.
    ///
    /// The same `--seed` and options give byte-identical output; `tripline simulate | tripline
    /// hunt -` finds every labelled attack. See docs/simulate.md.
    Simulate(simulate::SimulateArgs),
    /// Run detections' tests over their datasets and judge them as contentctl does.
    ///
    /// For each detection with `tests:`, each test's `attack_data` files are read with the
    /// test's `source` and `sourcetype` on every event, the search runs over all of it, and the
    /// result rows are judged by contentctl's rule: at least one result, the risk entity fields in
    /// the first row, each threat object field non-null in some row. Beyond contentctl, a test
    /// with `expected_results: 0` must give no result, and a positive `expected_results` exactly
    /// that many. Non-production detections, Correlation searches, manual and experimental tests
    /// are skipped with contentctl's reasons. Dataset paths are relative to the detection file;
    /// URLs are read from `--data-dir`.
    ///
    /// Prints PASS, FAIL, SKIP or ERROR per test (the reason and first rows of a failure), or
    /// JUnit XML. Exits with 1 when a test fails or errs or a file could not be loaded, 2 when
    /// `--rule` matches nothing or the arguments are wrong.
    Test(test::TestArgs),
}

/// When to colour terminal output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour output written to stdout.
    pub(crate) fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal(),
        }
    }

    /// Whether to colour messages written to stderr.
    pub(crate) fn enabled_for_stderr(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal(),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Hunt(args) => hunt::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Search(args) => search::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Test(args) => test::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

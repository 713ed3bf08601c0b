//! `tripline serve`: the real-time service. Receives audit events over HTTPS (the API server's
//! audit webhook, or any shipper), runs the detections over them as they come — at once for
//! rules without a blocking command, in event-time windows for the others — and delivers
//! findings to the configured sinks. See docs/serve.md.
//!
//! - [`config`]: the TOML configuration, every option, validated at start;
//! - [`http`]: the routes, authentication, body handling and the bounded queue (429 when full);
//! - [`server`]: TLS/mTLS and the accept loop with graceful shutdown;
//! - [`wal`]: the write-ahead log: a batch is on disk before it is acknowledged, and replayed
//!   after a crash;
//! - [`engine`]: the thread that runs the rules ([`tripline_content::window`]) over the log's
//!   entries, feeds sinks and truncates the log;
//! - [`metrics`]: `/metrics` in Prometheus' text format.
//!
//! Threads: the async runtime serves HTTP; request bodies are parsed on its blocking pool; one
//! writer thread appends to the log (group commit) and hands entries on in log order; one
//! engine thread runs the rules. SIGHUP reloads the rules; SIGTERM drains and stops.

mod config;
mod engine;
mod http;
mod metrics;
mod server;
mod wal;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use anyhow::Context;
use clap::Args;
use tripline_content::window::{Suppressor, WindowOptions};
use tripline_content::{RuleSet, Status};
use tripline_engine::expr::EvalContext;
use tripline_sinks::dead_letter::DeadLetterFile;
use tripline_sinks::delivery::DeliveryOptions;
use tripline_sinks::file::WriterTransport;
use tripline_sinks::{Format, Sink};

use config::Config;

/// Arguments of `tripline serve`. Flags override the configuration file.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The configuration file (TOML; every option, see docs/serve.md).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address and port to listen on [default: 0.0.0.0:8443].
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// Detections to run instead of the built-in pack (as for `hunt`). Repeatable.
    #[arg(long, value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// Macro definitions that override the rules' own (as for `hunt`). Repeatable.
    #[arg(long, value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// GeoIP database(s) for rules that geolocate addresses (as for `hunt`). Repeatable.
    #[arg(long, value_name = "PATH")]
    geoip: Vec<PathBuf>,
    /// File of accepted bearer tokens, one per line.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Server certificate chain (PEM).
    #[arg(long, value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// Server private key (PEM).
    #[arg(long, value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// Require client certificates that chain to these CA certificates (PEM): mutual TLS.
    #[arg(long, value_name = "FILE")]
    client_ca: Option<PathBuf>,
    /// Serve plain HTTP without TLS (for a local test or behind a TLS-terminating proxy).
    #[arg(long)]
    insecure_plain_http: bool,
    /// Directory of the write-ahead log [default: tripline-wal].
    #[arg(long, value_name = "DIR")]
    wal_dir: Option<PathBuf>,
    /// Run without the write-ahead log: a crash loses the batches queued and the open windows.
    #[arg(long, conflicts_with = "wal_dir")]
    no_wal: bool,
    /// Log lines on stderr: `text` (one human-readable line per event) or `json` (one object per
    /// line: timestamp, level, message and fields, for a log pipeline) [default: text].
    #[arg(long, value_name = "FORMAT")]
    log_format: Option<config::LogFormat>,
    /// Check the configuration and the rules, then exit.
    #[arg(long)]
    check: bool,
}

/// Run `tripline serve`.
pub(crate) fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: --config {e}");
                return Ok(ExitCode::from(2));
            }
        },
        None => Config::default(),
    };
    apply_flags(&mut config, args);
    if let Err(e) = config.validate() {
        for line in e.lines() {
            eprintln!("error: configuration: {line}");
        }
        return Ok(ExitCode::from(2));
    }
    init_logs(config.log_format);
    let tokens = match &config.auth.token_file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("auth.token_file: cannot read {}", path.display()))?;
            let tokens = http::load_tokens(&text);
            if tokens.is_empty() {
                anyhow::bail!("auth.token_file: {} holds no token", path.display());
            }
            Some(Arc::new(tokens))
        }
        None => None,
    };
    let tls = match (&config.tls.cert, &config.tls.key) {
        (Some(cert), Some(key)) => Some(server::tls_config(cert, key, config.tls.client_ca.as_deref())?),
        _ => None,
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tripline-serve")
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(config, tokens, tls, args.check))
}

fn apply_flags(config: &mut Config, args: &ServeArgs) {
    if let Some(listen) = args.listen {
        config.listen = listen;
    }
    if !args.rules.is_empty() {
        config.rules.clone_from(&args.rules);
    }
    config.macros.extend(args.macros.iter().cloned());
    if !args.geoip.is_empty() {
        config.geoip.clone_from(&args.geoip);
    }
    if args.token_file.is_some() {
        config.auth.token_file.clone_from(&args.token_file);
    }
    if args.tls_cert.is_some() {
        config.tls.cert.clone_from(&args.tls_cert);
    }
    if args.tls_key.is_some() {
        config.tls.key.clone_from(&args.tls_key);
    }
    if args.client_ca.is_some() {
        config.tls.client_ca.clone_from(&args.client_ca);
    }
    config.insecure_plain_http |= args.insecure_plain_http;
    if let Some(dir) = &args.wal_dir {
        config.wal.dir.clone_from(dir);
        config.wal.enabled = true;
    }
    if args.no_wal {
        config.wal.enabled = false;
    }
    if let Some(format) = args.log_format {
        config.log_format = format;
    }
}

/// Load the rules: the production and experimental detections of the pack, compiled.
/// At start a rule file that fails to load is reported and the others run (one bad rule never
/// stops the others); a reload (`strict`) is all or nothing, so a rules directory caught half
/// written, or gone for a moment, does not silently drop detections from a running service.
fn load(config: &Config, strict: bool) -> anyhow::Result<(RuleSet, EvalContext)> {
    let Some((mut content, failed)) = crate::hunt::load_rules(&config.rules, &config.macros, false, false)? else {
        anyhow::bail!("a macro file cannot be read");
    };
    if strict && failed {
        anyhow::bail!("some rule files or paths could not be loaded (reported above)");
    }
    let detections: Vec<_> = content
        .detections
        .iter()
        .filter(|d| matches!(d.status, Status::Production | Status::Experimental))
        .cloned()
        .collect();
    let mut ctx = EvalContext {
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
        lookups: Arc::new(std::mem::take(&mut content.lookups)),
        ..EvalContext::default()
    };
    let mut set = RuleSet::compile(detections, &content.macros, &ctx);
    for skipped in set.skipped() {
        tracing::warn!("skipped `{}`: {}", skipped.detection.name, skipped.reason());
    }
    for warning in config.windows.apply(&mut set).map_err(anyhow::Error::msg)? {
        tracing::warn!("configuration: {warning}");
    }
    if set.is_empty() {
        anyhow::bail!("none of the detections can run");
    }
    if set.requires_geoip() || !config.geoip.is_empty() {
        match crate::geoip::load(&config.geoip)? {
            Some(geoip) => ctx.geoip = Some(geoip),
            None => {
                let rules: Vec<&str> = set.geolocating().map(|d| d.name.as_str()).collect();
                let text = crate::geoip::missing_warning_for_rules(&rules);
                tracing::warn!("{}", text.strip_prefix("warning: ").unwrap_or(&text));
            }
        }
    }
    Ok((set, ctx))
}

async fn serve(
    config: Config,
    tokens: Option<Arc<Vec<[u8; 32]>>>,
    tls: Option<Arc<rustls::ServerConfig>>,
    check: bool,
) -> anyhow::Result<ExitCode> {
    // Sinks first: a bad sink setting fails before anything listens.
    let mut sinks = Vec::new();
    if config.sinks.is_empty() {
        let dead_letter = DeadLetterFile::open(&config.dead_letter)
            .with_context(|| format!("dead_letter: cannot open {}", config.dead_letter.display()))?;
        let transport = WriterTransport::new(Format::Jsonl, std::io::stdout());
        sinks.push(Sink::start(
            "stdout",
            transport,
            DeliveryOptions::new(Arc::new(dead_letter)),
        )?);
    } else {
        for (i, c) in config.sinks.iter().enumerate() {
            sinks.push(Sink::from_config(c).with_context(|| format!("sinks[{i}] (`{}`)", c.name()))?);
        }
    }

    let metrics = Arc::new(metrics::Metrics::default());
    let _ = metrics.sinks.set(sinks.iter().map(Sink::sender).collect());
    let capacity = config.limits.queue_capacity;
    metrics.queue_capacity.store(capacity as u64, Ordering::Relaxed);

    // The log before the socket: a directory another `serve` holds fails the start.
    let wal = if config.wal.enabled && !check {
        let options = wal::WalOptions {
            dir: config.wal.dir.clone(),
            fsync: match config.wal.fsync {
                config::FsyncPolicy::Always => wal::Fsync::Always,
                config::FsyncPolicy::Interval => wal::Fsync::Interval(config.wal.fsync_interval),
                config::FsyncPolicy::Never => wal::Fsync::Never,
            },
            segment_size: config.wal.segment_size.0,
            max_size: config.wal.max_size.0,
        };
        let wal = wal::Wal::open(options).with_context(|| {
            format!(
                "wal.dir: cannot open the write-ahead log in {}",
                config.wal.dir.display()
            )
        })?;
        Some(Arc::new(wal))
    } else {
        None
    };

    // Until the rules load, the prefilter selects nothing (and requests get 503 anyway).
    let empty = RuleSet::compile(
        Vec::new(),
        &tripline_spl::MacroTable::default(),
        &EvalContext::default(),
    );
    let prefilter = Arc::new(std::sync::RwLock::new(Arc::new(empty.prefilter().clone())));
    let (writer, requests) = std::sync::mpsc::channel::<wal::Pending>();
    let (entries_tx, entries) = std::sync::mpsc::channel::<wal::Logged>();
    let max_body = usize::try_from(config.limits.max_body.0).unwrap_or(usize::MAX);
    let state = http::AppState {
        writer: writer.clone(),
        queue_capacity: capacity as u64,
        wal: wal.clone(),
        prefilter: Arc::clone(&prefilter),
        metrics: Arc::clone(&metrics),
        tokens,
        metrics_require_token: config.auth.metrics_require_token,
        max_body,
        max_event_size: usize::try_from(config.limits.max_event_size.0).unwrap_or(usize::MAX),
        retry_after: config.limits.retry_after,
    };
    let app = http::router(state);

    let listener = if check {
        None
    } else {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("listen: cannot listen on {}", config.listen))?;
        let addr = listener.local_addr().context("listen: the bound address")?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        tracing::info!("listening on {scheme}://{addr}");
        Some(listener)
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = listener.map(|listener| {
        let metrics = Arc::clone(&metrics);
        let grace = config.shutdown_grace;
        let mut stop_rx = stop_rx.clone();
        tokio::spawn(async move {
            let stopped = async move {
                let _ = stop_rx.wait_for(|s| *s).await;
            };
            server::serve(listener, tls, app, metrics, stopped, grace).await;
        })
    });

    // The rules load while /healthz already answers and /readyz says not yet.
    let loaded = load_blocking(&config, false).await?;
    let (set, ctx) = match loaded {
        Ok(l) => l,
        Err(e) => {
            let _ = stop_tx.send(true);
            if let Some(server) = server {
                let _ = server.await;
            }
            return Err(e);
        }
    };
    tracing::info!("{} rules loaded", set.len());
    if check {
        tracing::info!("the configuration and the rules are valid");
        return Ok(ExitCode::SUCCESS);
    }
    *prefilter.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(set.prefilter().clone());

    let options = WindowOptions {
        size: config.windows.size.as_secs_f64(),
        slide: config.windows.slide.as_secs_f64(),
        allowed_lateness: config.windows.allowed_lateness.as_secs_f64(),
        idle_timeout: config.windows.idle_timeout.as_secs_f64(),
        max_rows_per_window: config.windows.max_rows_per_window,
    };
    let suppressor = Suppressor::new(config.suppression.period.as_secs_f64(), config.suppression.max_keys);
    let first_seq = wal.as_ref().map_or(0, |w| w.next_seq());
    let engine = engine::Engine::new(
        set,
        ctx,
        options,
        config.windows.max_clusters,
        suppressor,
        sinks.iter().map(Sink::sender).collect(),
        Arc::clone(&metrics),
        tokio::runtime::Handle::current(),
        writer.clone(),
        wal.clone(),
        Arc::clone(&prefilter),
    );
    drop(writer);
    let stopping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (reload_tx, reloads) = std::sync::mpsc::channel::<engine::Reload>();
    let engine_thread = {
        let stopping = Arc::clone(&stopping);
        std::thread::Builder::new()
            .name("tripline-engine".into())
            .spawn(move || engine.run(&entries, &reloads, &stopping))
            .context("starting the engine thread")?
    };
    // The writer starts once the engine has the log's numbering: the engine replays first, and
    // nothing is appended before it says ready.
    let writer_thread = {
        let metrics = Arc::clone(&metrics);
        let wal = wal.clone();
        std::thread::Builder::new()
            .name("tripline-wal".into())
            .spawn(move || {
                let first = wal.as_ref().map_or(first_seq, |w| w.next_seq().max(first_seq));
                wal::run_writer(wal.as_deref(), first, &requests, &entries_tx, &metrics);
            })
            .context("starting the write-ahead log's thread")?
    };

    loop {
        tokio::select! {
            () = shutdown_signal() => break,
            () = hangup() => {
                tracing::info!("SIGHUP: reloading the rules");
                match load_blocking(&config, true).await {
                    Ok(Ok((rules, ctx))) => {
                        if reload_tx.send(engine::Reload { rules, ctx }).is_err() {
                            break;
                        }
                    }
                    Ok(Err(e)) | Err(e) => {
                        metrics.reload("error");
                        tracing::error!("the rules were not reloaded (the old ones keep running): {e:#}");
                    }
                }
            }
        }
    }
    tracing::info!("shutting down: no new connections; finishing requests, windows and sinks");
    metrics.ready.store(false, Ordering::Relaxed);
    let _ = stop_tx.send(true);
    if let Some(server) = server {
        let _ = server.await;
    }
    // Requests are answered: the engine takes what is logged, closes every window through the
    // log, and delivers.
    stopping.store(true, Ordering::Relaxed);
    let stopped = tokio::task::spawn_blocking(move || engine_thread.join())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let mut delivered = true;
    for sink in sinks {
        let name = sink.name().to_owned();
        let stats = sink.shutdown(config.shutdown_grace).await;
        if stats.dead_lettered > 0 || stats.lost > 0 {
            tracing::warn!(
                "sink `{name}`: {} findings dead-lettered, {} lost",
                stats.dead_lettered,
                stats.lost
            );
        }
        delivered &= stats.pending == 0;
    }
    if let Some(wal) = &wal {
        // Everything processed, closed and delivered: the next start has nothing to replay.
        if stopped.flushed && delivered {
            match wal.finish(stopped.processed, &stopped.horizon) {
                Ok(true) => {}
                Ok(false) => tracing::info!(
                    "requests came in during shutdown; the write-ahead log keeps them for the next start"
                ),
                Err(e) => tracing::error!("wal: {e}"),
            }
        } else {
            tracing::info!("the write-ahead log is kept: the next start replays it");
        }
    }
    drop(writer_thread);
    tracing::info!("stopped after {} events", metrics.events_total());
    Ok(ExitCode::SUCCESS)
}

/// Send the service's log events (and the sinks' delivery errors, which go through `tracing`) to
/// stderr, as text or JSON lines. Only for `serve`: the batch commands print plain diagnostics.
fn init_logs(format: config::LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .with_ansi(false);
    // A second initialisation (tests running `run` twice in one process) keeps the first.
    let _ = match format {
        config::LogFormat::Text => builder.try_init(),
        config::LogFormat::Json => builder.json().flatten_event(true).with_current_span(false).try_init(),
    };
}

/// Load the rules on a blocking thread.
async fn load_blocking(config: &Config, strict: bool) -> anyhow::Result<anyhow::Result<(RuleSet, EvalContext)>> {
    let c = Config {
        rules: config.rules.clone(),
        macros: config.macros.clone(),
        geoip: config.geoip.clone(),
        windows: config.windows.clone(),
        ..Config::default()
    };
    tokio::task::spawn_blocking(move || load(&c, strict))
        .await
        .context("loading the rules")
}

/// SIGHUP (never on other platforms).
async fn hangup() {
    #[cfg(unix)]
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await;
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

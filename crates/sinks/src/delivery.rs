//! Delivering findings: a bounded queue per sink, a worker task that batches, retries with
//! backoff and dead-letters, and counters to watch it by.
//!
//! A [`Sink`] is started from a [`SinkConfig`] ([`Sink::from_config`]) or from any
//! [`Transport`] ([`Sink::start`]) on the current Tokio runtime. Findings go in with
//! [`Sink::try_send`] (which says so at once when the queue is full: the caller decides whether
//! to wait, slow its input or fail) or [`Sink::send`] (which waits for room). A finding is
//! encoded when it is queued, so a finding the format cannot express (OCSF without a time) is
//! refused there and then. The worker takes what is queued, up to the batch size, hands it to
//! the transport, and on failure:
//!
//! - a transient failure (connection refused, timeout, HTTP 408, 429 or 5xx, an I/O error)
//!   is retried with exponential backoff and jitter ([`RetryPolicy`]);
//! - a permanent failure (any other HTTP 4xx) goes to the dead-letter file at once;
//! - when the retries are used up, the batch goes to the dead-letter file.
//!
//! A finding is never dropped: it is delivered, dead-lettered, or — only if the dead-letter file
//! itself cannot be written — counted as lost and logged. Delivery is at least once: a batch that
//! failed half-way is sent again whole; findings carry a stable id to deduplicate by.
//!
//! [`Sink::shutdown`] stops taking findings, delivers what is queued within a grace period and
//! dead-letters the rest. [`Sink::stats`] reads the counters at any time.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::value::RawValue;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tripline_content::Finding;

use crate::SinkError;
use crate::config::{Batching, SinkConfig};
use crate::dead_letter::{self, DeadLetter, DeadLetterFile, DeadLetterReason};
use crate::retry::{Jitter, RetryPolicy};

/// Where a sink's batches go: a file, a terminal, an HTTP endpoint.
///
/// [`Sink::start`] runs any transport; the built-in ones are made by [`Sink::from_config`].
/// `deliver` is called from one task at a time, with batches in queue order.
pub trait Transport: Send + Sync + 'static {
    /// The sink type dead letters record (`splunk_hec`); a dead letter is only replayed into a
    /// sink of the same kind.
    fn kind(&self) -> &'static str;

    /// The payload this transport sends for `finding`: one JSON value.
    ///
    /// # Errors
    ///
    /// When the format cannot express the finding (e.g. [`SinkError::NoTime`]).
    fn encode(&self, finding: &Finding) -> Result<Box<RawValue>, SinkError>;

    /// Deliver one batch of payloads, in order. Succeeds only when all of them were accepted.
    fn deliver(&self, batch: &[&RawValue]) -> impl Future<Output = Result<(), DeliveryError>> + Send;
}

/// Why a delivery attempt failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// No connection could be made (refused, DNS, TLS handshake).
    #[error("cannot connect: {message}")]
    Connect {
        /// What the HTTP client said.
        message: String,
    },
    /// The request did not finish within the timeout.
    #[error("timed out: {message}")]
    Timeout {
        /// What the HTTP client said.
        message: String,
    },
    /// The request failed in some other way (connection reset, body error).
    #[error("request failed: {message}")]
    Request {
        /// What the HTTP client said.
        message: String,
    },
    /// The server answered with a status other than 2xx.
    #[error("HTTP {status}: {message}")]
    Status {
        /// The status code.
        status: u16,
        /// The reason the server gave (the start of the body, or HEC's `text` and `code`).
        message: String,
        /// The server's `Retry-After`, in seconds.
        retry_after: Option<Duration>,
    },
    /// Writing failed.
    #[error("write failed: {0}")]
    Io(#[from] std::io::Error),
}

impl DeliveryError {
    /// Whether trying again may succeed: connection problems, timeouts, I/O errors, and HTTP
    /// 408, 429 and 5xx. Other statuses (400, 401, 403, 404, 413, ...) are permanent.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            DeliveryError::Status { status, .. } => matches!(status, 408 | 429 | 500..=599),
            DeliveryError::Connect { .. }
            | DeliveryError::Timeout { .. }
            | DeliveryError::Request { .. }
            | DeliveryError::Io(_) => true,
        }
    }

    /// The HTTP status, when the server answered.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            DeliveryError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            DeliveryError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// How a sink queues, batches, retries and dead-letters. [`Sink::from_config`] builds these
/// from the configuration; [`Sink::start`] takes them directly.
#[derive(Clone, Debug)]
pub struct DeliveryOptions {
    /// How many findings may wait (at least 1).
    pub queue_capacity: usize,
    /// How queued findings are grouped into deliveries.
    pub batch: Batching,
    /// How failures are retried.
    pub retry: RetryPolicy,
    /// Where undeliverable findings go.
    pub dead_letter: Arc<DeadLetterFile>,
}

impl DeliveryOptions {
    /// Default queue and retries, one finding per delivery, dead letters to `dead_letter`.
    #[must_use]
    pub fn new(dead_letter: Arc<DeadLetterFile>) -> DeliveryOptions {
        DeliveryOptions {
            queue_capacity: crate::config::DEFAULT_QUEUE_CAPACITY,
            batch: Batching::SINGLE,
            retry: RetryPolicy::default(),
            dead_letter,
        }
    }
}

/// Why a finding was not queued. The finding stays with the caller.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The queue is full: back pressure. Wait ([`Sink::send`]), slow down, or give up.
    #[error("sink {sink}: queue full ({capacity} findings waiting)")]
    Full {
        /// The sink's name.
        sink: String,
        /// The queue's capacity.
        capacity: usize,
    },
    /// The sink is shutting down or its worker has stopped.
    #[error("sink {sink} is shut down")]
    Closed {
        /// The sink's name.
        sink: String,
    },
    /// The sink's format cannot express the finding.
    #[error("sink {sink}: {source}")]
    Encode {
        /// The sink's name.
        sink: String,
        /// Why.
        source: SinkError,
    },
    /// A dead letter was written by a sink of another type.
    #[error("sink {sink} ({expected}) cannot replay a dead letter of a {found} sink")]
    WrongKind {
        /// The sink's name.
        sink: String,
        /// The sink's type.
        expected: &'static str,
        /// The dead letter's sink type.
        found: String,
    },
}

/// Why a sink could not be started.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A setting is invalid.
    #[error("sink {sink}: {field}: {reason}")]
    Invalid {
        /// The sink's name.
        sink: String,
        /// The setting.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A secret setting has no value.
    #[error("sink {sink}: {field}: {source}")]
    Secret {
        /// The sink's name.
        sink: String,
        /// The setting.
        field: String,
        /// Why.
        source: crate::config::SecretError,
    },
    /// A file (output, dead-letter, CA) cannot be opened or read.
    #[error("sink {sink}: cannot open {}: {source}", path.display())]
    Open {
        /// The sink's name.
        sink: String,
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The HTTP client cannot be built (e.g. a CA file that holds no certificate).
    #[error("sink {sink}: cannot build the HTTP client: {message}")]
    Client {
        /// The sink's name.
        sink: String,
        /// Why.
        message: String,
    },
    /// There is no Tokio runtime to run the sink's worker on.
    #[error("sink {sink}: not inside a Tokio runtime")]
    NoRuntime {
        /// The sink's name.
        sink: String,
    },
}

/// A snapshot of a sink's counters, for metrics (`/metrics`) and health checks. Counts are of
/// findings, since the sink started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SinkStats {
    /// Findings taken into the queue (including replayed dead letters).
    pub accepted: u64,
    /// Findings delivered.
    pub delivered: u64,
    /// Findings sent again after a transient failure (a batch of 10 retried twice counts 20).
    pub retried: u64,
    /// Findings written to the dead-letter file.
    pub dead_lettered: u64,
    /// Findings refused by [`Sink::try_send`] because the queue was full; the caller kept them.
    /// Nothing is ever dropped silently.
    pub refused: u64,
    /// Findings that could be neither delivered nor dead-lettered (the dead-letter file failed).
    pub lost: u64,
    /// Findings accepted and not yet delivered, dead-lettered or lost (queued or in flight).
    pub pending: u64,
    /// The last delivery error, if any, e.g. `HTTP 403: Invalid token (code 4)`.
    pub last_error: Option<String>,
}

/// A running sink. Dropping it without [`Sink::shutdown`] lets the worker finish the queue on
/// its own, as long as the runtime runs.
pub struct Sink {
    sender: SinkSender,
    control: watch::Sender<Option<Instant>>,
    worker: JoinHandle<()>,
}

/// A cloneable handle that queues findings into a [`Sink`], for many producers.
#[derive(Clone)]
pub struct SinkSender {
    shared: Arc<Shared>,
    encoder: Arc<dyn Encode>,
    tx: mpsc::Sender<Item>,
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sink")
            .field("name", &self.name())
            .field("kind", &self.kind())
            .finish()
    }
}

impl fmt::Debug for SinkSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SinkSender").field("name", &self.shared.name).finish()
    }
}

impl Sink {
    /// Start the sink `config` describes, on the current Tokio runtime: resolve its secrets, open
    /// its files and dead-letter file, build its HTTP client.
    ///
    /// # Errors
    ///
    /// [`BuildError`] for an invalid setting, a missing secret, a file that cannot be opened, or
    /// when called outside a Tokio runtime.
    pub fn from_config(config: &SinkConfig) -> Result<Sink, BuildError> {
        match config {
            SinkConfig::Stdout(c) => crate::file::start_stdout(c),
            SinkConfig::File(c) => crate::file::start_file(c),
            SinkConfig::Webhook(c) => crate::webhook::start(c),
            SinkConfig::Slack(c) => crate::slack::start(c),
            SinkConfig::SplunkHec(c) => crate::hec::start(c),
        }
    }

    /// Start a sink named `name` that delivers through `transport`, on the current Tokio
    /// runtime.
    ///
    /// # Errors
    ///
    /// [`BuildError::Invalid`] for a zero queue capacity or batch size or an invalid retry
    /// policy, [`BuildError::NoRuntime`] outside a Tokio runtime.
    pub fn start<T: Transport>(name: &str, transport: T, options: DeliveryOptions) -> Result<Sink, BuildError> {
        let invalid = |field: &str, reason: &str| BuildError::Invalid {
            sink: name.to_owned(),
            field: field.to_owned(),
            reason: reason.to_owned(),
        };
        if options.queue_capacity == 0 {
            return Err(invalid("queue_capacity", "must be at least 1"));
        }
        if options.batch.max_events == 0 {
            return Err(invalid("batch.max_events", "must be at least 1"));
        }
        if let Some(problem) = options.retry.problem() {
            return Err(invalid("retry", problem));
        }
        let runtime =
            tokio::runtime::Handle::try_current().map_err(|_| BuildError::NoRuntime { sink: name.to_owned() })?;
        let transport = Arc::new(transport);
        let shared = Arc::new(Shared {
            name: name.to_owned(),
            kind: transport.kind(),
            capacity: options.queue_capacity,
            counters: Counters::default(),
            last_error: Mutex::new(None),
        });
        let (tx, rx) = mpsc::channel(options.queue_capacity);
        let (control, control_rx) = watch::channel(None);
        let worker = Worker {
            transport: Arc::clone(&transport),
            rx,
            shared: Arc::clone(&shared),
            batch: options.batch,
            retry: options.retry,
            dead_letter: options.dead_letter,
            control: Control {
                rx: control_rx,
                closing: false,
                deadline: None,
            },
            jitter: Jitter::new(),
        };
        let worker = runtime.spawn(worker.run());
        let encoder: Arc<dyn Encode> = transport;
        Ok(Sink {
            sender: SinkSender { shared, encoder, tx },
            control,
            worker,
        })
    }

    /// The sink's name.
    #[must_use]
    pub fn name(&self) -> &str {
        self.sender.name()
    }

    /// The sink's type (`splunk_hec`).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        self.sender.kind()
    }

    /// A handle for other producers.
    #[must_use]
    pub fn sender(&self) -> SinkSender {
        self.sender.clone()
    }

    /// Queue `finding` if there is room.
    ///
    /// # Errors
    ///
    /// [`SendError::Full`] when the queue is full (back pressure), [`SendError::Closed`] after
    /// shutdown, [`SendError::Encode`] when the format cannot express the finding.
    pub fn try_send(&self, finding: &Finding) -> Result<(), SendError> {
        self.sender.try_send(finding)
    }

    /// Queue `finding`, waiting for room.
    ///
    /// # Errors
    ///
    /// [`SendError::Closed`] after shutdown, [`SendError::Encode`] when the format cannot
    /// express the finding.
    pub async fn send(&self, finding: &Finding) -> Result<(), SendError> {
        self.sender.send(finding).await
    }

    /// Queue a dead letter again, if there is room: its payload is sent as it was.
    ///
    /// # Errors
    ///
    /// [`SendError::WrongKind`] for a dead letter of another sink type, otherwise as
    /// [`Sink::try_send`].
    pub fn try_replay(&self, record: DeadLetter) -> Result<(), SendError> {
        self.sender.try_replay(record)
    }

    /// Queue a dead letter again, waiting for room.
    ///
    /// # Errors
    ///
    /// [`SendError::WrongKind`] for a dead letter of another sink type, [`SendError::Closed`]
    /// after shutdown.
    pub async fn replay(&self, record: DeadLetter) -> Result<(), SendError> {
        self.sender.replay(record).await
    }

    /// The counters now.
    #[must_use]
    pub fn stats(&self) -> SinkStats {
        self.sender.stats()
    }

    /// Stop taking findings, deliver what is queued, and wait for the worker. After `grace`,
    /// whatever is still queued or being retried goes to the dead-letter file without
    /// further attempts (a request in flight finishes first, bounded by its timeout).
    /// Returns the final counters.
    pub async fn shutdown(self, grace: Duration) -> SinkStats {
        let deadline = Instant::now() + grace;
        // The worker may have stopped already; then there is nothing to tell it.
        let _ = self.control.send(Some(deadline));
        if let Err(e) = self.worker.await {
            tracing::error!(sink = %self.sender.shared.name, error = %e, "sink worker failed");
        }
        self.sender.stats()
    }
}

impl SinkSender {
    /// The sink's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The sink's type.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        self.shared.kind
    }

    /// As [`Sink::try_send`].
    ///
    /// # Errors
    ///
    /// As [`Sink::try_send`].
    pub fn try_send(&self, finding: &Finding) -> Result<(), SendError> {
        let item = self.item(finding)?;
        self.try_queue(item)
    }

    /// As [`Sink::send`].
    ///
    /// # Errors
    ///
    /// As [`Sink::send`].
    pub async fn send(&self, finding: &Finding) -> Result<(), SendError> {
        let item = self.item(finding)?;
        self.queue(item).await
    }

    /// As [`Sink::try_replay`].
    ///
    /// # Errors
    ///
    /// As [`Sink::try_replay`].
    pub fn try_replay(&self, record: DeadLetter) -> Result<(), SendError> {
        let item = self.replay_item(record)?;
        self.try_queue(item)
    }

    /// As [`Sink::replay`].
    ///
    /// # Errors
    ///
    /// As [`Sink::replay`].
    pub async fn replay(&self, record: DeadLetter) -> Result<(), SendError> {
        let item = self.replay_item(record)?;
        self.queue(item).await
    }

    /// As [`Sink::stats`].
    #[must_use]
    pub fn stats(&self) -> SinkStats {
        let c = &self.shared.counters;
        let accepted = c.accepted.load(Ordering::Relaxed);
        let delivered = c.delivered.load(Ordering::Relaxed);
        let dead_lettered = c.dead_lettered.load(Ordering::Relaxed);
        let lost = c.lost.load(Ordering::Relaxed);
        SinkStats {
            accepted,
            delivered,
            retried: c.retried.load(Ordering::Relaxed),
            dead_lettered,
            refused: c.refused.load(Ordering::Relaxed),
            lost,
            pending: accepted.saturating_sub(delivered + dead_lettered + lost),
            last_error: self.shared.last_error(),
        }
    }

    fn item(&self, finding: &Finding) -> Result<Item, SendError> {
        let encode_error = |source| SendError::Encode {
            sink: self.shared.name.clone(),
            source,
        };
        let payload = self.encoder.encode_finding(finding).map_err(encode_error)?;
        let own = serde_json::value::to_raw_value(finding).map_err(|e| encode_error(SinkError::Json(e)))?;
        Ok(Item {
            id: finding.id.clone(),
            finding: own,
            payload,
        })
    }

    fn replay_item(&self, record: DeadLetter) -> Result<Item, SendError> {
        if record.sink_type != self.shared.kind {
            return Err(SendError::WrongKind {
                sink: self.shared.name.clone(),
                expected: self.shared.kind,
                found: record.sink_type,
            });
        }
        Ok(Item {
            id: record.finding_id,
            finding: record.finding,
            payload: record.payload,
        })
    }

    fn try_queue(&self, item: Item) -> Result<(), SendError> {
        match self.tx.try_send(item) {
            Ok(()) => {
                self.shared.counters.accepted.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.shared.counters.refused.fetch_add(1, Ordering::Relaxed);
                Err(SendError::Full {
                    sink: self.shared.name.clone(),
                    capacity: self.shared.capacity,
                })
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(SendError::Closed {
                sink: self.shared.name.clone(),
            }),
        }
    }

    async fn queue(&self, item: Item) -> Result<(), SendError> {
        match self.tx.send(item).await {
            Ok(()) => {
                self.shared.counters.accepted.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(_) => Err(SendError::Closed {
                sink: self.shared.name.clone(),
            }),
        }
    }
}

/// Open a sink's dead-letter file.
pub(crate) fn open_dead_letter(sink: &str, path: &std::path::Path) -> Result<Arc<DeadLetterFile>, BuildError> {
    DeadLetterFile::open(path)
        .map(Arc::new)
        .map_err(|source| BuildError::Open {
            sink: sink.to_owned(),
            path: path.to_owned(),
            source,
        })
}

/// The encoding half of a transport, callable without knowing its type.
trait Encode: Send + Sync {
    fn encode_finding(&self, finding: &Finding) -> Result<Box<RawValue>, SinkError>;
}

impl<T: Transport> Encode for T {
    fn encode_finding(&self, finding: &Finding) -> Result<Box<RawValue>, SinkError> {
        self.encode(finding)
    }
}

/// One queued finding: its id, its own layout (for the dead-letter file) and the payload.
#[derive(Debug)]
struct Item {
    id: String,
    finding: Box<RawValue>,
    payload: Box<RawValue>,
}

#[derive(Debug, Default)]
struct Counters {
    accepted: AtomicU64,
    delivered: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    refused: AtomicU64,
    lost: AtomicU64,
}

#[derive(Debug)]
struct Shared {
    name: String,
    kind: &'static str,
    capacity: usize,
    counters: Counters,
    last_error: Mutex<Option<String>>,
}

impl Shared {
    fn set_last_error(&self, error: String) {
        *self
            .last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(error);
    }

    fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn count(counter: &AtomicU64, n: usize) {
        counter.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// The shutdown signal as the worker sees it.
struct Control {
    rx: watch::Receiver<Option<Instant>>,
    /// Shutdown was asked for (or the [`Sink`] was dropped): take no new findings.
    closing: bool,
    /// After this, dead-letter instead of delivering.
    deadline: Option<Instant>,
}

impl Control {
    /// Wait until shutdown is asked for; never returns once it has been.
    async fn changed(&mut self) {
        if self.closing {
            std::future::pending::<()>().await;
        }
        // An error means the Sink was dropped: finish the queue without a deadline.
        if self.rx.changed().await.is_ok() {
            self.deadline = *self.rx.borrow_and_update();
        }
        self.closing = true;
    }

    fn expired(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

struct Worker<T> {
    transport: Arc<T>,
    rx: mpsc::Receiver<Item>,
    shared: Arc<Shared>,
    batch: Batching,
    retry: RetryPolicy,
    dead_letter: Arc<DeadLetterFile>,
    control: Control,
    jitter: Jitter,
}

impl<T: Transport> Worker<T> {
    async fn run(mut self) {
        loop {
            if self.control.closing {
                // Senders now get `Closed`; what is queued is still received.
                self.rx.close();
            }
            let first = tokio::select! {
                item = self.rx.recv() => item,
                () = self.control.changed() => continue,
            };
            let Some(first) = first else { break };
            let batch = self.fill(first).await;
            self.deliver(batch).await;
        }
    }

    /// Up to `max_events` findings: what is queued, then what arrives within `max_wait`.
    async fn fill(&mut self, first: Item) -> Vec<Item> {
        let max = self.batch.max_events;
        let mut batch = vec![first];
        while batch.len() < max {
            match self.rx.try_recv() {
                Ok(item) => batch.push(item),
                Err(_) => break,
            }
        }
        if batch.len() < max && !self.batch.max_wait.is_zero() && !self.control.closing {
            let until = Instant::now() + self.batch.max_wait;
            while batch.len() < max {
                tokio::select! {
                    item = self.rx.recv() => match item {
                        Some(item) => batch.push(item),
                        None => break,
                    },
                    () = tokio::time::sleep_until(until) => break,
                    () = self.control.changed() => break,
                }
            }
        }
        batch
    }

    async fn deliver(&mut self, batch: Vec<Item>) {
        let started = Instant::now();
        let mut attempts = 0u32;
        let mut last_error: Option<String> = None;
        loop {
            if self.control.expired() {
                let error = match last_error {
                    Some(e) => format!("shut down while retrying; last error: {e}"),
                    None => "shut down before delivery".to_owned(),
                };
                self.dead_letter(batch, DeadLetterReason::Shutdown, error, attempts)
                    .await;
                return;
            }
            attempts += 1;
            let payloads: Vec<&RawValue> = batch.iter().map(|item| &*item.payload).collect();
            let result = self.transport.deliver(&payloads).await;
            drop(payloads);
            let error = match result {
                Ok(()) => {
                    Shared::count(&self.shared.counters.delivered, batch.len());
                    return;
                }
                Err(error) => error,
            };
            let message = error.to_string();
            self.shared.set_last_error(message.clone());
            if !error.is_transient() {
                tracing::error!(
                    sink = %self.shared.name, error = %message, findings = batch.len(),
                    "delivery rejected; writing to the dead-letter file"
                );
                self.dead_letter(batch, DeadLetterReason::Rejected, message, attempts)
                    .await;
                return;
            }
            let wait = self
                .retry
                .jittered(attempts, self.jitter.unit())
                .max(error.retry_after().unwrap_or_default().min(self.retry.max_backoff));
            if attempts >= self.retry.max_attempts || started.elapsed() + wait > self.retry.max_elapsed {
                tracing::error!(
                    sink = %self.shared.name, error = %message, attempts, findings = batch.len(),
                    "delivery failed, retries exhausted; writing to the dead-letter file"
                );
                self.dead_letter(batch, DeadLetterReason::Exhausted, message, attempts)
                    .await;
                return;
            }
            tracing::warn!(
                sink = %self.shared.name, error = %message, attempt = attempts, wait_ms = wait.as_millis(),
                "delivery failed; retrying"
            );
            last_error = Some(message);
            self.wait(wait).await;
            if !self.control.expired() {
                Shared::count(&self.shared.counters.retried, batch.len());
            }
        }
    }

    /// Sleep `wait`, cut short by the shutdown deadline.
    async fn wait(&mut self, wait: Duration) {
        let wake = Instant::now() + wait;
        loop {
            let until = self.control.deadline.map_or(wake, |d| d.min(wake));
            tokio::select! {
                () = tokio::time::sleep_until(until) => return,
                () = self.control.changed() => {}
            }
        }
    }

    async fn dead_letter(&self, batch: Vec<Item>, reason: DeadLetterReason, error: String, attempts: u32) {
        let n = batch.len();
        let time = dead_letter::now();
        let records: Vec<DeadLetter> = batch
            .into_iter()
            .map(|item| DeadLetter {
                time: time.clone(),
                sink: self.shared.name.clone(),
                sink_type: self.shared.kind.to_owned(),
                reason,
                error: error.clone(),
                attempts,
                finding_id: item.id,
                finding: item.finding,
                payload: item.payload,
            })
            .collect();
        let file = Arc::clone(&self.dead_letter);
        let result = tokio::task::spawn_blocking(move || file.append(&records)).await;
        let failure = match result {
            Ok(Ok(())) => {
                Shared::count(&self.shared.counters.dead_lettered, n);
                return;
            }
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        Shared::count(&self.shared.counters.lost, n);
        let message = format!(
            "cannot write the dead-letter file {}: {failure}",
            self.dead_letter.path().display()
        );
        tracing::error!(sink = %self.shared.name, findings = n, error = %message, "findings lost");
        self.shared.set_last_error(message);
    }
}

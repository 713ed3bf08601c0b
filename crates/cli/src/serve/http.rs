//! The HTTP API: the audit webhook (`POST /k8s-audit`, `/k8s-audit/{cluster}`), `POST /ingest`
//! for every input shape, `/healthz`, `/readyz` and `/metrics`.
//!
//! A request is authenticated, its body read (up to the limit: 413), gunzipped when it says so,
//! and parsed by the same normalizers as `tripline hunt` — on a blocking thread, not an async
//! worker, since a body can be 64 MiB — all before it is answered: a body without a usable event
//! is a 400 saying what is wrong. The events are then appended to the write-ahead log and handed
//! to the engine; only then is the answer `200`. The engine's queue is bounded: when it (or the
//! log) is full the answer is 429 with `Retry-After`; a log that cannot be written is a 503.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tripline_content::{Prefilter, Selection};
use tripline_ingest::{EventRecord, Ingest, IngestOptions, Overrides, Shape, Warning};

use super::engine::{Batch, Event, Full};
use super::metrics::{Metrics, Rejection};
use super::wal::{Entry, Pending, Wal};

/// The header that names the cluster when the path does not.
pub(crate) const CLUSTER_HEADER: &str = "x-tripline-cluster";

/// What the handlers share.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The write-ahead log's writer, which hands entries on to the engine.
    pub(crate) writer: Sender<Pending>,
    /// Batches accepted and not yet taken by the engine, at most (else 429).
    pub(crate) queue_capacity: u64,
    /// The log, to refuse batches while it is full; `None`: no log.
    pub(crate) wal: Option<Arc<Wal>>,
    /// Which events some rule can match: only those are kept whole (the others' times suffice).
    pub(crate) prefilter: Arc<RwLock<Arc<Prefilter>>>,
    pub(crate) metrics: Arc<Metrics>,
    /// SHA-256 digests of the accepted bearer tokens; `None`: no token needed.
    pub(crate) tokens: Option<Arc<Vec<[u8; 32]>>>,
    pub(crate) metrics_require_token: bool,
    pub(crate) max_body: usize,
    pub(crate) max_event_size: usize,
    pub(crate) retry_after: u32,
}

/// Read a token file: one token per line; blank lines and lines starting with `#` are ignored.
pub(crate) fn load_tokens(text: &str) -> Vec<[u8; 32]> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|t| Sha256::digest(t.as_bytes()).into())
        .collect()
}

/// The router.
pub(crate) fn router(state: AppState) -> Router {
    let max_body = state.max_body;
    let webhook = Router::new()
        .route("/k8s-audit", post(k8s_audit))
        .route("/k8s-audit/{cluster}", post(k8s_audit_cluster))
        .route("/ingest", post(ingest))
        .route("/ingest/{cluster}", post(ingest_cluster))
        .layer(DefaultBodyLimit::max(max_body))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token));
    let metrics = Router::new().route("/metrics", get(metrics));
    let metrics = if state.metrics_require_token {
        metrics.route_layer(middleware::from_fn_with_state(state.clone(), require_token))
    } else {
        metrics
    };
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .merge(webhook)
        .merge(metrics)
        .with_state(state)
}

fn plain(status: StatusCode, message: impl Into<String>) -> Response {
    let mut text = message.into();
    text.push('\n');
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(tokens) = &state.tokens else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| Sha256::digest(t.trim().as_bytes()));
    // Compare against every token, in constant time, whatever matches first.
    let ok = given.is_some_and(|g| {
        tokens
            .iter()
            .fold(subtle::Choice::from(0), |acc, t| acc | t.ct_eq(g.as_slice()))
            .into()
    });
    if ok {
        next.run(request).await
    } else {
        state.metrics.reject(Rejection::Unauthorized);
        let mut response = plain(StatusCode::UNAUTHORIZED, "a valid bearer token is required");
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        response
    }
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.metrics.ready.load(Ordering::Relaxed) {
        plain(StatusCode::OK, "ready")
    } else {
        plain(StatusCode::SERVICE_UNAVAILABLE, "not ready: loading rules")
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
        .into_response()
}

async fn k8s_audit(State(state): State<AppState>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    accept(state, None, headers, body, true).await
}

async fn k8s_audit_cluster(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    accept(state, Some(cluster), headers, body, true).await
}

async fn ingest(State(state): State<AppState>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    accept(state, None, headers, body, false).await
}

async fn ingest_cluster(
    State(state): State<AppState>,
    Path(cluster): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    accept(state, Some(cluster), headers, body, false).await
}

/// Whether `name` is usable as a cluster name: 1–253 of `A-Z a-z 0-9 . _ : -`.
fn valid_cluster(name: &str) -> bool {
    (1..=253).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':'))
}

/// The audit shapes `/k8s-audit` takes.
fn is_audit(shape: Shape) -> bool {
    matches!(shape, Shape::Audit | Shape::EksAudit)
}

/// A refusal: counted, and answered with its reason.
fn refuse(state: &AppState, why: Rejection, status: StatusCode, message: String) -> Response {
    state.metrics.reject(why);
    plain(status, message)
}

/// A 429 with `Retry-After`.
fn overloaded(state: &AppState, why: Rejection, message: &str) -> Response {
    let mut response = refuse(state, why, StatusCode::TOO_MANY_REQUESTS, message.to_owned());
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(state.retry_after));
    response
}

/// A request's events, parsed and ready for the log.
struct Parsed {
    batch: Batch,
    accepted: usize,
    skipped: u64,
    by_sourcetype: BTreeMap<String, u64>,
}

async fn accept(
    state: AppState,
    path_cluster: Option<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
    audit_only: bool,
) -> Response {
    let arrived = Instant::now();
    let body = match body {
        Ok(body) => body,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refuse(
                &state,
                Rejection::TooLarge,
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the body is larger than the limit of {} bytes (limits.max_body)",
                    state.max_body
                ),
            );
        }
        Err(e) => {
            return refuse(
                &state,
                Rejection::BadBody,
                e.status(),
                format!("cannot read the body: {}", e.body_text()),
            );
        }
    };
    if !state.metrics.ready.load(Ordering::Relaxed) {
        return refuse(
            &state,
            Rejection::NotReady,
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: loading the rules or replaying the write-ahead log".into(),
        );
    }
    let cluster = match path_cluster {
        Some(c) => Some(c),
        None => match headers.get(CLUSTER_HEADER).map(|v| v.to_str()) {
            Some(Ok(c)) => Some(c.trim().to_owned()),
            Some(Err(_)) => {
                return refuse(
                    &state,
                    Rejection::BadCluster,
                    StatusCode::BAD_REQUEST,
                    "X-Tripline-Cluster is not valid text".into(),
                );
            }
            None => None,
        },
    };
    if let Some(c) = &cluster
        && !valid_cluster(c)
    {
        return refuse(
            &state,
            Rejection::BadCluster,
            StatusCode::BAD_REQUEST,
            "the cluster name must be 1 to 253 letters, digits, `.`, `_`, `:` or `-`".into(),
        );
    }
    if state.wal.as_ref().is_some_and(|w| w.full()) {
        return overloaded(
            &state,
            Rejection::WalFull,
            "the write-ahead log is full (wal.max_size) until findings are delivered; retry later",
        );
    }
    // Take a place in the engine's queue before the work; the engine gives it back when it
    // takes the batch.
    if state.metrics.queue_batches.fetch_add(1, Ordering::Relaxed) >= state.queue_capacity {
        state.metrics.queue_batches.fetch_sub(1, Ordering::Relaxed);
        return overloaded(&state, Rejection::Overloaded, "the event queue is full; retry later");
    }
    let release = || state.metrics.queue_batches.fetch_sub(1, Ordering::Relaxed);

    let encoding = headers.get(header::CONTENT_ENCODING).cloned();
    let prefilter = Arc::clone(&state.prefilter.read().unwrap_or_else(PoisonError::into_inner));
    let (max_body, max_event_size) = (state.max_body, state.max_event_size);
    let log = state.wal.is_some();
    let (reply, logged) = tokio::sync::oneshot::channel();
    // Parsing and encoding for the log both copy the whole body: on the blocking pool.
    let parsed = tokio::task::spawn_blocking(move || {
        parse(
            &body,
            encoding.as_ref(),
            cluster,
            audit_only,
            &prefilter,
            max_body,
            max_event_size,
        )
        .map(|p| {
            let cluster = p.batch.cluster.clone();
            let pending = Pending::new(Entry::Batch(p.batch), Some(reply), log);
            (pending, cluster, p.accepted, p.skipped, p.by_sourcetype)
        })
    })
    .await;
    let parsed = match parsed {
        Ok(Ok(parsed)) => parsed,
        Ok(Err((why, status, message))) => {
            release();
            return refuse(&state, why, status, message);
        }
        Err(e) => {
            release();
            tracing::error!("parsing a request failed: {e}");
            return refuse(
                &state,
                Rejection::BadBody,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error".into(),
            );
        }
    };

    let (pending, cluster, accepted, skipped, by_sourcetype) = parsed;
    // 503 with Retry-After: the writer is gone (shutting down) or the log cannot be written.
    let unavailable = |why: Rejection, message: String| {
        release();
        let mut response = refuse(&state, why, StatusCode::SERVICE_UNAVAILABLE, message);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(state.retry_after));
        response
    };
    if state.writer.send(pending).is_err() {
        return unavailable(Rejection::NotReady, "shutting down; retry later".into());
    }
    match logged.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return unavailable(Rejection::WalError, format!("{e}; retry later")),
        Err(_) => {
            release();
            return refuse(
                &state,
                Rejection::NotReady,
                StatusCode::SERVICE_UNAVAILABLE,
                "shutting down; retry later".into(),
            );
        }
    }
    state.metrics.accepted(&cluster, &by_sourcetype, skipped);
    state.metrics.ack_latency.observe(arrived.elapsed());
    let body = format!("{{\"accepted\":{accepted},\"skipped\":{skipped}}}\n");
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Gunzip and normalize a body; keep the text of the events some rule can match.
fn parse(
    body: &[u8],
    encoding: Option<&HeaderValue>,
    cluster: Option<String>,
    audit_only: bool,
    prefilter: &Prefilter,
    max_body: usize,
    max_event_size: usize,
) -> Result<Parsed, (Rejection, StatusCode, String)> {
    let decoded;
    let body = match encoding.map(HeaderValue::as_bytes) {
        None | Some(b"identity") => body,
        Some(b"gzip" | b"x-gzip") => {
            let mut out = Vec::new();
            let limit = max_body as u64;
            let read = flate2::read::MultiGzDecoder::new(body)
                .take(limit + 1)
                .read_to_end(&mut out);
            if let Err(e) = read {
                return Err((
                    Rejection::BadBody,
                    StatusCode::BAD_REQUEST,
                    format!("the gzip body cannot be decompressed: {e}"),
                ));
            }
            if out.len() as u64 > limit {
                return Err((
                    Rejection::TooLarge,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the decompressed body is larger than the limit of {limit} bytes (limits.max_body)"),
                ));
            }
            decoded = out;
            &decoded
        }
        Some(other) => {
            return Err((
                Rejection::UnsupportedEncoding,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Content-Encoding `{}` is not supported; send gzip or identity",
                    String::from_utf8_lossy(other)
                ),
            ));
        }
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err((Rejection::BadBody, StatusCode::BAD_REQUEST, "the body is empty".into()));
    }

    let options = IngestOptions {
        max_event_size,
        max_document_size: max_body.max(max_event_size),
        overrides: Overrides {
            host: cluster.clone(),
            ..Overrides::default()
        },
        ..IngestOptions::default()
    };
    let received = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let mut collect = Collect {
        events: Vec::new(),
        received,
        audit_only,
        wrong_shape: None,
        first_warning: None,
        prefilter,
        selection: Selection::default(),
    };
    let name = cluster.as_deref().unwrap_or("webhook");
    let stats = Ingest::new(options).read_bytes(name, body, &mut collect);
    if let Some(shape) = collect.wrong_shape {
        return Err((
            Rejection::BadBody,
            StatusCode::BAD_REQUEST,
            format!(
                "/k8s-audit takes audit.k8s.io events (an EventList, JSON lines or single events), not {}; \
                 POST other shapes to /ingest",
                shape.name()
            ),
        ));
    }
    let skipped = stats.malformed + stats.oversized;
    if collect.events.is_empty() {
        let why = collect.first_warning.map_or_else(
            || "the body holds no event".to_owned(),
            |w| format!("no usable event: {w}"),
        );
        let (why_code, status) = if stats.oversized > 0 && stats.malformed == 0 {
            (Rejection::TooLarge, StatusCode::PAYLOAD_TOO_LARGE)
        } else {
            (Rejection::BadBody, StatusCode::BAD_REQUEST)
        };
        return Err((why_code, status, why));
    }
    Ok(Parsed {
        accepted: collect.events.len(),
        skipped,
        by_sourcetype: stats.by_sourcetype.clone(),
        batch: Batch {
            cluster: cluster.unwrap_or_default(),
            events: collect.events,
            received: Instant::now(),
        },
    })
}

/// Collects a request's events, owned, for the log: the text of those some rule can match, the
/// time of all.
struct Collect<'a> {
    events: Vec<Event>,
    received: f64,
    audit_only: bool,
    wrong_shape: Option<Shape>,
    first_warning: Option<Warning>,
    prefilter: &'a Prefilter,
    selection: Selection,
}

impl tripline_ingest::Sink for Collect<'_> {
    type Error = std::convert::Infallible;

    fn event(&mut self, e: EventRecord<'_>) -> Result<(), Self::Error> {
        if self.audit_only && !is_audit(e.shape) {
            self.wrong_shape.get_or_insert(e.shape);
            return Ok(());
        }
        let full = self
            .prefilter
            .select_event(e.text, e.meta, &mut self.selection)
            .then(|| Full {
                text: e.text.to_owned(),
                json: e.json,
                meta: e.meta.clone(),
            });
        self.events.push(Event {
            // An event without a time takes the time it was received, as in Splunk.
            time: e.time.unwrap_or(self.received),
            full,
        });
        Ok(())
    }

    fn warning(&mut self, w: &Warning) {
        if self.first_warning.is_none() {
            self.first_warning = Some(w.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_names() {
        assert!(valid_cluster("prod-eu-1"));
        assert!(valid_cluster("gke_proj_zone_name"));
        assert!(!valid_cluster(""));
        assert!(!valid_cluster("a b"));
        assert!(!valid_cluster("a\"b"));
        assert!(!valid_cluster(&"a".repeat(254)));
    }

    #[test]
    fn token_file() {
        let tokens = load_tokens("# comment\n\n  secret-one  \nsecret-two\n");
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens[0], <[u8; 32]>::from(Sha256::digest(b"secret-one")));
    }
}

#[cfg(test)]
mod queue_tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_answers_429_with_retry_after() {
        // The writer hands entries on, but no engine takes them: the queue's one place fills
        // with the first request.
        let (writer, requests) = std::sync::mpsc::channel();
        let (engine, _entries) = std::sync::mpsc::channel();
        let metrics = Arc::new(Metrics::default());
        metrics.ready.store(true, Ordering::Relaxed);
        {
            let metrics = Arc::clone(&metrics);
            std::thread::spawn(move || super::super::wal::run_writer(None, 0, &requests, &engine, &metrics));
        }
        let rules = tripline_content::RuleSet::compile(
            Vec::new(),
            &tripline_spl::MacroTable::default(),
            &tripline_engine::expr::EvalContext::default(),
        );
        let state = AppState {
            writer,
            queue_capacity: 1,
            wal: None,
            prefilter: Arc::new(RwLock::new(Arc::new(rules.prefilter().clone()))),
            metrics: Arc::clone(&metrics),
            tokens: None,
            metrics_require_token: false,
            max_body: 1 << 20,
            max_event_size: 1 << 20,
            retry_after: 7,
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(super::super::server::serve(
            listener,
            None,
            router(state),
            Arc::clone(&metrics),
            async {
                let _ = stopped.await;
            },
            std::time::Duration::from_secs(1),
        ));
        let event = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get","user":{"username":"a"}}"#;
        let client = reqwest::Client::new();
        let first = client
            .post(format!("{url}/k8s-audit"))
            .body(event)
            .send()
            .await
            .expect("post");
        assert_eq!(first.status(), 200);
        let second = client
            .post(format!("{url}/k8s-audit"))
            .body(event)
            .send()
            .await
            .expect("post");
        assert_eq!(second.status(), 429);
        assert_eq!(second.headers()["retry-after"], "7");
        let text = metrics.render();
        assert!(text.contains("tripline_queue_depth 1"), "{text}");
        assert!(
            text.contains("tripline_requests_rejected_total{reason=\"overloaded\"} 1"),
            "{text}"
        );
        let _ = stop.send(());
        server.await.expect("server");
    }
}

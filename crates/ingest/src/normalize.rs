//! Format detection and normalizers: from one framed document or text line to the events the
//! detections expect, each with its shape, metadata and time.
//!
//! Detection looks at the top-level keys of each document (one pass that skips nested values),
//! then at a few nested keys where a shape needs them. An event's text is a slice of its
//! document whenever the detections read the document as it is (raw audit events, EventList
//! items, watch events, AKS records with `properties.log` as a string). It is built in a reused
//! buffer where the detections expect another layout: a CloudWatch `message` or a base64 Pub/Sub
//! `data` is decoded, a GKE `LogEntry` is nested under `data` as Splunk's GCP add-on does, a
//! Kubernetes Event is nested under `object` as Splunk Connect for Kubernetes does, and an AKS
//! `properties.log` object is turned into the JSON string `spath input=properties.log` reads.

use std::borrow::Cow;

use crate::RecordError;
use crate::decode::{self, DecodeError};
use crate::raw::{
    self, Span, as_str, elements, get, get_path, is_array, is_null, is_object, members, scalar, text, whole_value,
};
use crate::reader::{DocReader, Frame};
use crate::shape::{
    SOURCE_KUBERNETES, SOURCETYPE_AZURE_BLOB, SOURCETYPE_CLOUDWATCH, SOURCETYPE_EKS, SOURCETYPE_GCP_PUBSUB,
    SOURCETYPE_JSON, SOURCETYPE_KUBE_EVENTS, SOURCETYPE_TEXT, Shape,
};
use crate::time::{parse_datetime, parse_epoch, parse_timestamp};

/// How many envelopes (lists, base64 payloads, nested streams) may be nested in one another.
const MAX_NESTING: u8 = 6;

/// Where an event's `source` comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SourceName<'a> {
    /// `kubernetes`, for raw audit events.
    Kubernetes,
    /// The input's name (its path, or `stdin`).
    Input,
    /// A name found in the data (a CloudWatch log group, a Pub/Sub subscription).
    Named(&'a str),
}

impl SourceName<'_> {
    pub(crate) fn resolve<'a>(&'a self, input: &'a str) -> &'a str {
        match self {
            SourceName::Kubernetes => SOURCE_KUBERNETES,
            SourceName::Input => input,
            SourceName::Named(name) => name,
        }
    }
}

/// One normalized event.
#[derive(Debug)]
pub(crate) struct Out<'a> {
    pub(crate) text: &'a str,
    pub(crate) json: bool,
    pub(crate) shape: Shape,
    pub(crate) sourcetype: &'static str,
    pub(crate) source: SourceName<'a>,
    pub(crate) time: Option<f64>,
    pub(crate) line: u64,
}

/// What the normalizer hands back.
#[derive(Debug)]
pub(crate) enum Item<'a> {
    Event(Out<'a>),
    Malformed { line: u64, error: RecordError },
    Oversized { line: u64, bytes: u64 },
}

type Emit<'e> = dyn FnMut(Item<'_>) + 'e;

/// Recognises shapes and builds events; one per input stream, reused across inputs.
#[derive(Debug)]
pub(crate) struct Normalizer {
    max_doc: usize,
    /// An audit event with EKS hints was seen in this input: later audit events are EKS too.
    eks_seen: bool,
    free: Vec<String>,
}

/// The top-level members detection looks at, as value spans (first occurrence wins).
#[derive(Default, Debug)]
struct Top {
    kind: Option<Span>,
    api_version: Option<Span>,
    items: Option<Span>,
    metadata: Option<Span>,
    // CloudWatch
    message_type: Option<Span>,
    log_group: Option<Span>,
    log_events: Option<Span>,
    events: Option<Span>,
    next_token: Option<Span>,
    awslogs: Option<Span>,
    firehose: Option<Span>,
    records: Option<Span>,
    kinesis_records: Option<Span>,
    // Pub/Sub and GKE
    received_messages: Option<Span>,
    message: Option<Span>,
    data: Option<Span>,
    attributes: Option<Span>,
    message_id: Option<Span>,
    publish_time: Option<Span>,
    at_type: Option<Span>,
    subscription: Option<Span>,
    proto_payload: Option<Span>,
    log_name: Option<Span>,
    receive_timestamp: Option<Span>,
    // Azure
    category: Option<Span>,
    operation_name: Option<Span>,
    properties: Option<Span>,
    resource_id: Option<Span>,
    time: Option<Span>,
    // Kubernetes events
    type_: Option<Span>,
    object: Option<Span>,
    involved_object: Option<Span>,
    regarding: Option<Span>,
    last_timestamp: Option<Span>,
    event_time: Option<Span>,
    first_timestamp: Option<Span>,
    series: Option<Span>,
    // Audit
    audit_id: Option<Span>,
    stage: Option<Span>,
    level: Option<Span>,
    verb: Option<Span>,
    request_uri: Option<Span>,
    object_ref: Option<Span>,
    user: Option<Span>,
    source_ips: Option<Span>,
    request_received: Option<Span>,
    stage_timestamp: Option<Span>,
    timestamp: Option<Span>,
    at_timestamp: Option<Span>,
    p_log_type: Option<Span>,
    p_event_time: Option<Span>,
}

impl Top {
    fn read(doc: &str, obj: &Span) -> Result<Top, raw::RawError> {
        Self::read_at(doc, obj).map(|(t, _)| t)
    }

    /// Read the object starting at `obj.start` (its end need not be known: `obj.end` only bounds
    /// the walk); also returns the index after its closing `}`.
    fn read_at(doc: &str, obj: &Span) -> Result<(Top, usize), raw::RawError> {
        let b = doc.as_bytes();
        let mut t = Top::default();
        let mut walk = members(b, obj.clone());
        for member in walk.by_ref() {
            let (k, v) = member?;
            let slot = match b.get(k).unwrap_or_default() {
                b"kind" => &mut t.kind,
                b"apiVersion" => &mut t.api_version,
                b"items" => &mut t.items,
                b"metadata" => &mut t.metadata,
                b"messageType" => &mut t.message_type,
                b"logGroup" => &mut t.log_group,
                b"logEvents" => &mut t.log_events,
                b"events" => &mut t.events,
                b"nextToken" | b"nextForwardToken" | b"nextBackwardToken" | b"searchedLogStreams" => &mut t.next_token,
                b"awslogs" => &mut t.awslogs,
                b"invocationId" | b"deliveryStreamArn" | b"requestId" => &mut t.firehose,
                b"records" => &mut t.records,
                b"Records" => &mut t.kinesis_records,
                b"receivedMessages" => &mut t.received_messages,
                b"message" => &mut t.message,
                b"data" => &mut t.data,
                b"attributes" => &mut t.attributes,
                b"messageId" | b"message_id" => &mut t.message_id,
                b"publishTime" | b"publish_time" => &mut t.publish_time,
                b"@type" => &mut t.at_type,
                b"subscription" => &mut t.subscription,
                b"protoPayload" => &mut t.proto_payload,
                b"logName" => &mut t.log_name,
                b"receiveTimestamp" => &mut t.receive_timestamp,
                b"category" => &mut t.category,
                b"operationName" => &mut t.operation_name,
                b"properties" => &mut t.properties,
                b"resourceId" => &mut t.resource_id,
                b"time" => &mut t.time,
                b"type" => &mut t.type_,
                b"object" => &mut t.object,
                b"involvedObject" => &mut t.involved_object,
                b"regarding" => &mut t.regarding,
                b"lastTimestamp" | b"deprecatedLastTimestamp" => &mut t.last_timestamp,
                b"eventTime" => &mut t.event_time,
                b"firstTimestamp" | b"deprecatedFirstTimestamp" => &mut t.first_timestamp,
                b"series" => &mut t.series,
                b"auditID" => &mut t.audit_id,
                b"stage" => &mut t.stage,
                b"level" => &mut t.level,
                b"verb" => &mut t.verb,
                b"requestURI" => &mut t.request_uri,
                b"objectRef" => &mut t.object_ref,
                b"user" => &mut t.user,
                b"sourceIPs" => &mut t.source_ips,
                b"requestReceivedTimestamp" => &mut t.request_received,
                b"stageTimestamp" => &mut t.stage_timestamp,
                b"timestamp" => &mut t.timestamp,
                b"@timestamp" => &mut t.at_timestamp,
                b"p_log_type" => &mut t.p_log_type,
                b"p_event_time" => &mut t.p_event_time,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(v);
            }
        }
        Ok((t, walk.close()))
    }
}

/// The decoded string at `span`, if it is one.
fn string<'a>(doc: &'a str, span: Option<&Span>) -> Option<Cow<'a, str>> {
    span.and_then(|s| as_str(doc, s))
}

fn string_is(doc: &str, span: Option<&Span>, want: &str) -> bool {
    string(doc, span).is_some_and(|s| s == want)
}

/// The first of `spans` that holds a parseable time.
fn first_time(doc: &str, spans: &[Option<&Span>]) -> Option<f64> {
    spans
        .iter()
        .flatten()
        .find_map(|s| scalar(doc, s).and_then(|t| parse_timestamp(&t)))
}

/// Epoch milliseconds (CloudWatch) at `span`.
fn millis(doc: &str, span: Option<&Span>) -> Option<f64> {
    let t = scalar(doc, span?)?;
    let n: f64 = t.parse().ok()?;
    n.is_finite().then_some(n / 1000.0)
}

fn newlines(b: &[u8], from: usize, to: usize) -> u64 {
    b.get(from..to)
        .map_or(0, |s| memchr::memchr_iter(b'\n', s).count() as u64)
}

/// Whether a document's top level is a Kubernetes audit event.
fn is_audit(doc: &str, t: &Top) -> bool {
    if t.involved_object.is_some() || t.regarding.is_some() {
        return false;
    }
    let api = string(doc, t.api_version.as_ref());
    if api.as_deref().is_some_and(|a| a.starts_with("audit.k8s.io/")) {
        return true;
    }
    let kind = string(doc, t.kind.as_ref());
    let audit_keys = [
        &t.audit_id,
        &t.stage,
        &t.verb,
        &t.request_uri,
        &t.object_ref,
        &t.user,
        &t.source_ips,
        &t.level,
    ]
    .iter()
    .filter(|s| s.is_some())
    .count();
    match kind.as_deref() {
        Some("Event") => api.is_none_or(|a| a.is_empty()) && audit_keys > 0,
        None => t.kind.is_none() && t.audit_id.is_some() && (t.stage.is_some() || t.verb.is_some()),
        Some(_) => false,
    }
}

fn audit_time(doc: &str, t: &Top) -> Option<f64> {
    first_time(
        doc,
        &[
            t.request_received.as_ref(),
            t.stage_timestamp.as_ref(),
            t.timestamp.as_ref(),
            t.p_event_time.as_ref(),
        ],
    )
    .or_else(|| {
        let meta = t.metadata.as_ref()?;
        first_time(doc, &[get(doc, meta, "creationTimestamp").as_ref()])
    })
}

/// Whether an audit event carries signs of coming from EKS.
fn has_eks_hint(doc: &str, t: &Top) -> bool {
    if string(doc, t.p_log_type.as_ref()).is_some_and(|s| s.starts_with("Amazon.EKS")) {
        return true;
    }
    let Some(user) = &t.user else { return false };
    if let Some(name) = get(doc, user, "username").and_then(|s| as_str(doc, &s).map(Cow::into_owned))
        && (name.starts_with("eks:") || name.starts_with("arn:aws:"))
    {
        return true;
    }
    get(doc, user, "extra").is_some_and(|extra| {
        ["arn", "canonicalArn", "accessKeyId", "sessionName"]
            .iter()
            .any(|k| get(doc, &extra, k).is_some())
    })
}

fn kube_event_time(doc: &str, obj: &Span) -> Option<f64> {
    let t = Top::read(doc, obj).ok()?;
    let series = t.series.as_ref().and_then(|s| get(doc, s, "lastObservedTime"));
    let created = t.metadata.as_ref().and_then(|m| get(doc, m, "creationTimestamp"));
    first_time(
        doc,
        &[
            t.last_timestamp.as_ref(),
            series.as_ref(),
            t.event_time.as_ref(),
            t.first_timestamp.as_ref(),
            created.as_ref(),
        ],
    )
}

/// What the items of a list are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ItemKind {
    Audit,
    KubeEvent,
    KubeEventV1,
    ByContent,
}

/// Field renames from `events.k8s.io/v1` to core `v1` (what the API server serves on
/// `/api/v1/events` for the same object).
const V1_RENAMES: [(&str, &str); 7] = [
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
    ("reportingController", "reportingComponent"),
];

impl Normalizer {
    pub(crate) fn new(max_doc: usize) -> Self {
        Self {
            max_doc,
            eks_seen: false,
            free: Vec::new(),
        }
    }

    /// Forget what was learnt about the previous input.
    pub(crate) fn reset(&mut self) {
        self.eks_seen = false;
    }

    fn take(&mut self) -> String {
        self.free.pop().unwrap_or_default()
    }

    fn give(&mut self, mut s: String) {
        // Keep a few buffers, but not a giant one from a rare huge event.
        if self.free.len() < 8 && s.capacity() <= 16 << 20 {
            s.clear();
            self.free.push(s);
        }
    }

    /// Normalize a framed JSON document.
    pub(crate) fn json(&mut self, bytes: &[u8], line: u64, emit: &mut Emit<'_>) {
        let doc = utf8(bytes);
        self.document(&doc, line, 0, emit);
    }

    /// Normalize a line framed as a whole JSON object without a bracket scan. Returns false,
    /// having emitted nothing, when its top level is not one well-formed object: the line must
    /// then be framed properly.
    pub(crate) fn json_line(&mut self, bytes: &[u8], line: u64, emit: &mut Emit<'_>) -> bool {
        let doc = utf8(bytes);
        let b = doc.as_bytes();
        let start = raw::skip_ws(b, 0);
        match Top::read_at(&doc, &(start..b.len())) {
            Ok((t, end)) if raw::skip_ws(b, end) == b.len() => {
                self.classify(&doc, &(start..end), &t, line, 0, emit);
                true
            }
            _ => false,
        }
    }

    /// Normalize a text line.
    pub(crate) fn text(&mut self, bytes: &[u8], line: u64, emit: &mut Emit<'_>) {
        let text = utf8(bytes);
        self.text_line(&text, line, 0, emit);
    }

    fn document(&mut self, doc: &str, line: u64, depth: u8, emit: &mut Emit<'_>) {
        let b = doc.as_bytes();
        let start = raw::skip_ws(b, 0);
        if b.get(start) == Some(&b'{') {
            // One walk both checks the object and finds its top-level members.
            match Top::read_at(doc, &(start..b.len())) {
                Ok((t, end)) => {
                    let after = raw::skip_ws(b, end);
                    if after == b.len() {
                        self.classify(doc, &(start..end), &t, line, depth, emit);
                    } else {
                        emit(Item::Malformed {
                            line,
                            error: RecordError::Json(raw::RawError {
                                offset: after,
                                kind: raw::RawErrorKind::TrailingCharacters,
                            }),
                        });
                    }
                }
                Err(e) => emit(Item::Malformed {
                    line,
                    error: RecordError::Json(e),
                }),
            }
            return;
        }
        let span = match whole_value(b) {
            Ok(s) => s,
            Err(e) => {
                emit(Item::Malformed {
                    line,
                    error: RecordError::Json(e),
                });
                return;
            }
        };
        match b.get(span.start) {
            Some(b'{') => self.object(doc, &span, line, depth, emit),
            Some(b'"') => {
                // A JSON string holding JSON: double-encoded lines, or `--query 'events[].message'`.
                let decoded = as_str(doc, &span);
                match decoded.as_deref().map(str::trim) {
                    Some(inner) if inner.starts_with('{') || inner.starts_with('[') => {
                        let inner = inner.to_owned();
                        self.stream(inner.as_bytes(), line, depth + 1, emit);
                    }
                    Some(_) => emit(json_event(text(doc, &span), None, line)),
                    None => emit(Item::Malformed {
                        line,
                        error: RecordError::Escape,
                    }),
                }
            }
            _ => emit(json_event(text(doc, &span), None, line)),
        }
    }

    /// Normalize every document and line of a decoded payload.
    fn stream(&mut self, bytes: &[u8], line: u64, depth: u8, emit: &mut Emit<'_>) {
        if depth > MAX_NESTING {
            emit(Item::Malformed {
                line,
                error: RecordError::TooDeep,
            });
            return;
        }
        let mut reader = DocReader::new(bytes, self.max_doc);
        while let Some(frame) = reader.next_frame() {
            match frame {
                Frame::Line { text, .. } => {
                    if !self.json_line(text, line, emit) {
                        reader.rescan();
                    }
                }
                Frame::Json { text, .. } => {
                    let doc = utf8(text);
                    self.document(&doc, line, depth, emit);
                }
                Frame::Text { text, .. } => {
                    let t = utf8(text);
                    self.text_line(&t, line, depth, emit);
                }
                Frame::Malformed { error, .. } => emit(Item::Malformed {
                    line,
                    error: RecordError::Frame(error),
                }),
                Frame::Oversized { bytes, .. } => emit(Item::Oversized { line, bytes }),
            }
        }
    }

    fn decoded_stream(&mut self, doc: &str, data: &Span, line: u64, depth: u8, emit: &mut Emit<'_>) {
        let Some(b64) = as_str(doc, data) else {
            emit(Item::Malformed {
                line,
                error: RecordError::Escape,
            });
            return;
        };
        match decode::base64_maybe_gzip(b64.as_bytes(), self.max_doc) {
            Ok(bytes) => self.stream(&bytes, line, depth + 1, emit),
            Err(DecodeError::TooLarge { .. }) => emit(Item::Oversized {
                line,
                bytes: self.max_doc as u64 + 1,
            }),
            Err(e) => emit(Item::Malformed {
                line,
                error: RecordError::Decode(e),
            }),
        }
    }

    fn text_line(&mut self, line_text: &str, line: u64, depth: u8, emit: &mut Emit<'_>) {
        let trimmed = line_text.trim();
        if trimmed.is_empty() {
            return;
        }
        let bytes = trimmed.as_bytes();
        // A CloudWatch export to S3: `<RFC 3339 time> <message>`.
        if let Some((time, used)) = parse_datetime(bytes) {
            let rest = trimmed.get(used..).unwrap_or("");
            let message = rest.trim_start();
            if rest.starts_with(' ') && message.starts_with('{') {
                let mb = message.as_bytes();
                if let Ok(span) = whole_value(mb)
                    && let Ok(t) = Top::read(message, &span)
                    && is_audit(message, &t)
                {
                    emit(Item::Event(Out {
                        text: text(message, &span),
                        json: true,
                        shape: Shape::CloudWatch,
                        sourcetype: SOURCETYPE_EKS,
                        source: SourceName::Input,
                        time: Some(time),
                        line,
                    }));
                    return;
                }
            }
            emit(Item::Event(Out {
                text: trimmed,
                json: false,
                shape: Shape::Text,
                sourcetype: SOURCETYPE_TEXT,
                source: SourceName::Input,
                time: Some(time),
                line,
            }));
            return;
        }
        // A base64 gzip payload on a line of its own (a Firehose or Lambda record's data).
        if trimmed.starts_with("H4sI")
            && bytes
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=' | b'-' | b'_'))
            && let Ok(decoded) = decode::base64(bytes)
            && decode::is_gzip(&decoded)
        {
            match decode::gunzip(&decoded, self.max_doc) {
                Ok(plain) => self.stream(&plain, line, depth + 1, emit),
                Err(DecodeError::TooLarge { .. }) => emit(Item::Oversized {
                    line,
                    bytes: self.max_doc as u64 + 1,
                }),
                Err(e) => emit(Item::Malformed {
                    line,
                    error: RecordError::Decode(e),
                }),
            }
            return;
        }
        emit(Item::Event(Out {
            text: trimmed,
            json: false,
            shape: Shape::Text,
            sourcetype: SOURCETYPE_TEXT,
            source: SourceName::Input,
            time: None,
            line,
        }));
    }

    fn object(&mut self, doc: &str, obj: &Span, line: u64, depth: u8, emit: &mut Emit<'_>) {
        match Top::read(doc, obj) {
            Ok(t) => self.classify(doc, obj, &t, line, depth, emit),
            Err(e) => emit(Item::Malformed {
                line,
                error: RecordError::Json(e),
            }),
        }
    }

    /// Recognise the object at `obj`, whose top-level members are `t`, and emit its events.
    #[allow(clippy::too_many_lines)] // one dispatch table: reading it in one place is the point
    fn classify(&mut self, doc: &str, obj: &Span, t: &Top, line: u64, depth: u8, emit: &mut Emit<'_>) {
        let kind = string(doc, t.kind.as_ref());

        // Kubernetes lists: `EventList` (audit or core), `List`, or a list without TypeMeta.
        if let Some(items) = &t.items
            && (is_array(doc, items) || is_null(doc, items))
        {
            let listy = match kind.as_deref() {
                Some(k) => k.ends_with("List"),
                None => t.kind.is_none() && t.metadata.is_some(),
            };
            if listy {
                let api = string(doc, t.api_version.as_ref());
                let item_kind = match (kind.as_deref(), api.as_deref()) {
                    (Some("EventList"), Some(a)) if a.starts_with("audit.k8s.io/") => ItemKind::Audit,
                    (Some("EventList"), Some("v1")) => ItemKind::KubeEvent,
                    (Some("EventList"), Some(a)) if a.starts_with("events.k8s.io/") => ItemKind::KubeEventV1,
                    _ => ItemKind::ByContent,
                };
                self.list(doc, obj, items, item_kind, line, depth, emit);
                return;
            }
        }

        // CloudWatch Logs subscription envelope.
        if let Some(log_events) = &t.log_events
            && is_array(doc, log_events)
            && (t.message_type.is_some() || t.log_group.is_some())
        {
            if !string_is(doc, t.message_type.as_ref(), "CONTROL_MESSAGE") {
                let group = string(doc, t.log_group.as_ref());
                self.log_events(doc, obj, log_events, group.as_deref(), line, emit);
            }
            return;
        }
        // `aws logs filter-log-events` / `get-log-events` output.
        if let Some(events) = &t.events
            && is_array(doc, events)
            && (t.next_token.is_some() || first_is_log_event(doc, events))
        {
            self.log_events(doc, obj, events, None, line, emit);
            return;
        }
        // Lambda's CloudWatch Logs trigger: `{"awslogs":{"data":"<base64 gzip>"}}`.
        if let Some(aws) = &t.awslogs
            && let Some(data) = get(doc, aws, "data")
        {
            self.decoded_stream(doc, &data, line, depth, emit);
            return;
        }
        // Firehose records (`data` base64: a transformation or HTTP-endpoint batch) or an Azure
        // Event Hub batch (`records` of diagnostic records).
        if let Some(records) = &t.records
            && is_array(doc, records)
            && let Some(first) = elements(doc.as_bytes(), records.clone()).next().and_then(Result::ok)
            && is_object(doc, &first)
            && (get(doc, &first, "category").is_some()
                || (get(doc, &first, "data").is_some_and(|d| as_str(doc, &d).is_some())
                    && (t.firehose.is_some()
                        || get(doc, &first, "recordId").is_some()
                        || get(doc, &first, "approximateArrivalTimestamp").is_some())))
        {
            self.records(doc, records, line, depth, emit);
            return;
        }
        // Kinesis records delivered to Lambda: `{"Records":[{"kinesis":{"data":...}}]}`.
        if let Some(records) = &t.kinesis_records
            && is_array(doc, records)
            && let Some(first) = elements(doc.as_bytes(), records.clone()).next().and_then(Result::ok)
            && get_path(doc, &first, &["kinesis", "data"]).is_some()
        {
            let b = doc.as_bytes();
            let mut cursor = obj.start;
            let mut item_line = line;
            for el in elements(b, records.clone()).flatten() {
                item_line += newlines(b, cursor, el.start);
                cursor = el.start;
                if let Some(data) = get_path(doc, &el, &["kinesis", "data"]) {
                    self.decoded_stream(doc, &data, item_line, depth, emit);
                }
            }
            return;
        }
        // Pub/Sub: a pull response, a push body or pulled message, a raw message, or the add-on's form.
        if let Some(received) = &t.received_messages
            && is_array(doc, received)
        {
            let b = doc.as_bytes();
            let mut cursor = obj.start;
            let mut item_line = line;
            for el in elements(b, received.clone()).flatten() {
                item_line += newlines(b, cursor, el.start);
                cursor = el.start;
                if let Some(message) = get(doc, &el, "message") {
                    self.pubsub(doc, &el, &message, None, item_line, emit);
                }
            }
            return;
        }
        if let Some(message) = &t.message
            && is_object(doc, message)
            && get(doc, message, "data").is_some()
        {
            let subscription = string(doc, t.subscription.as_ref());
            self.pubsub(doc, obj, message, subscription.as_deref(), line, emit);
            return;
        }
        if let Some(data) = &t.data {
            if is_object(doc, data) && (get(doc, data, "protoPayload").is_some() || get(doc, data, "logName").is_some())
            {
                let entry_time = Top::read(doc, data)
                    .ok()
                    .and_then(|e| first_time(doc, &[e.timestamp.as_ref(), e.receive_timestamp.as_ref()]));
                let time = entry_time.or_else(|| pubsub_time(doc, t));
                emit(Item::Event(Out {
                    text: text(doc, obj),
                    json: true,
                    shape: Shape::GkePubsub,
                    sourcetype: SOURCETYPE_GCP_PUBSUB,
                    source: SourceName::Input,
                    time,
                    line,
                }));
                return;
            }
            let pubsub_hint = t.attributes.is_some()
                || t.message_id.is_some()
                || t.publish_time.is_some()
                || string(doc, t.at_type.as_ref()).is_some_and(|s| s.contains("PubsubMessage"));
            if as_str(doc, data).is_some() && pubsub_hint {
                self.pubsub(doc, obj, obj, None, line, emit);
                return;
            }
        }
        // A Cloud Audit Log LogEntry.
        if t.proto_payload.as_ref().is_some_and(|p| is_object(doc, p))
            || string(doc, t.log_name.as_ref()).is_some_and(|n| n.contains("cloudaudit.googleapis.com"))
        {
            let time = first_time(doc, &[t.timestamp.as_ref(), t.receive_timestamp.as_ref()]);
            let mut buf = self.take();
            buf.push_str("{\"data\":");
            buf.push_str(text(doc, obj));
            buf.push('}');
            emit(Item::Event(Out {
                text: &buf,
                json: true,
                shape: Shape::GkeLogEntry,
                sourcetype: SOURCETYPE_GCP_PUBSUB,
                source: SourceName::Input,
                time,
                line,
            }));
            self.give(buf);
            return;
        }
        // Azure diagnostic and activity records.
        if let Some(category) = string(doc, t.category.as_ref())
            && (t.operation_name.is_some() || t.properties.is_some() || t.resource_id.is_some())
        {
            if category.eq_ignore_ascii_case("kube-audit") || category.eq_ignore_ascii_case("kube-audit-admin") {
                self.aks(doc, obj, t, line, emit);
            } else {
                emit(Item::Event(Out {
                    text: text(doc, obj),
                    json: true,
                    shape: Shape::AzureRecord,
                    sourcetype: SOURCETYPE_AZURE_BLOB,
                    source: SourceName::Input,
                    time: first_time(doc, &[t.time.as_ref()]),
                    line,
                }));
            }
            return;
        }
        // A watch event.
        if let (Some(_), Some(object)) = (string(doc, t.type_.as_ref()), &t.object)
            && is_object(doc, object)
            && let Ok(inner) = Top::read(doc, object)
            && is_kube_event(doc, &inner)
        {
            let time = kube_event_time(doc, object);
            if inner.regarding.is_some() && inner.involved_object.is_none() {
                let mut buf = self.take();
                buf.push_str(doc.get(obj.start..object.start).unwrap_or(""));
                convert_v1(doc, object, &mut buf);
                buf.push_str(doc.get(object.end..obj.end).unwrap_or(""));
                emit(kube_out(&buf, Shape::KubeEventWatch, time, line));
                self.give(buf);
            } else {
                emit(kube_out(text(doc, obj), Shape::KubeEventWatch, time, line));
            }
            return;
        }
        // A Kubernetes Event object.
        if is_kube_event(doc, t) {
            self.kube_event(
                doc,
                obj,
                t.regarding.is_some() && t.involved_object.is_none(),
                line,
                emit,
            );
            return;
        }
        if is_audit(doc, t) {
            self.audit(doc, obj, t, false, line, emit);
            return;
        }
        let time = first_time(
            doc,
            &[
                t.timestamp.as_ref(),
                t.at_timestamp.as_ref(),
                t.time.as_ref(),
                t.event_time.as_ref(),
            ],
        );
        emit(json_event(text(doc, obj), time, line));
    }

    #[allow(clippy::too_many_arguments)] // the list, its item kind and where it sits
    fn list(
        &mut self,
        doc: &str,
        obj: &Span,
        items: &Span,
        item_kind: ItemKind,
        line: u64,
        depth: u8,
        emit: &mut Emit<'_>,
    ) {
        if depth > MAX_NESTING {
            emit(Item::Malformed {
                line,
                error: RecordError::TooDeep,
            });
            return;
        }
        let b = doc.as_bytes();
        let mut cursor = obj.start;
        let mut item_line = line;
        for el in elements(b, items.clone()) {
            let el = match el {
                Ok(el) => el,
                Err(e) => {
                    emit(Item::Malformed {
                        line: item_line,
                        error: RecordError::Json(e),
                    });
                    return;
                }
            };
            item_line += newlines(b, cursor, el.start);
            cursor = el.start;
            if !is_object(doc, &el) {
                emit(json_event(text(doc, &el), None, item_line));
                continue;
            }
            match item_kind {
                ItemKind::Audit => match Top::read(doc, &el) {
                    Ok(t) => self.audit(doc, &el, &t, true, item_line, emit),
                    Err(e) => emit(Item::Malformed {
                        line: item_line,
                        error: RecordError::Json(e),
                    }),
                },
                ItemKind::KubeEvent | ItemKind::KubeEventV1 => {
                    let v1 = item_kind == ItemKind::KubeEventV1
                        || (get(doc, &el, "regarding").is_some() && get(doc, &el, "involvedObject").is_none());
                    self.kube_event(doc, &el, v1, item_line, emit);
                }
                ItemKind::ByContent => self.object(doc, &el, item_line, depth + 1, emit),
            }
        }
    }

    fn audit(&mut self, doc: &str, obj: &Span, t: &Top, from_webhook: bool, line: u64, emit: &mut Emit<'_>) {
        let eks = !from_webhook && (self.eks_seen || has_eks_hint(doc, t));
        self.eks_seen |= eks;
        emit(Item::Event(Out {
            text: text(doc, obj),
            json: true,
            shape: if eks { Shape::EksAudit } else { Shape::Audit },
            sourcetype: if eks { SOURCETYPE_EKS } else { SOURCETYPE_JSON },
            source: if eks { SourceName::Input } else { SourceName::Kubernetes },
            time: audit_time(doc, t),
            line,
        }));
    }

    fn kube_event(&mut self, doc: &str, obj: &Span, v1: bool, line: u64, emit: &mut Emit<'_>) {
        let time = kube_event_time(doc, obj);
        let mut buf = self.take();
        buf.push_str("{\"object\":");
        if v1 {
            convert_v1(doc, obj, &mut buf);
        } else {
            buf.push_str(text(doc, obj));
        }
        buf.push('}');
        let shape = if v1 { Shape::KubeEventV1 } else { Shape::KubeEvent };
        emit(kube_out(&buf, shape, time, line));
        self.give(buf);
    }

    /// CloudWatch log events (`logEvents` of an envelope, or `events` of the CLI's output).
    fn log_events(
        &mut self,
        doc: &str,
        obj: &Span,
        events: &Span,
        group: Option<&str>,
        line: u64,
        emit: &mut Emit<'_>,
    ) {
        let b = doc.as_bytes();
        let mut cursor = obj.start;
        let mut item_line = line;
        for el in elements(b, events.clone()) {
            let Ok(el) = el else {
                emit(Item::Malformed {
                    line: item_line,
                    error: RecordError::Json(raw::RawError {
                        offset: cursor,
                        kind: raw::RawErrorKind::UnexpectedByte,
                    }),
                });
                return;
            };
            item_line += newlines(b, cursor, el.start);
            cursor = el.start;
            let Some(message) = get(doc, &el, "message") else {
                continue;
            };
            let time = millis(doc, get(doc, &el, "timestamp").as_ref());
            let mut buf = self.take();
            let decoded = match b.get(message.start) {
                Some(b'"') => {
                    raw::unescape_into(b.get(message.start + 1..message.end - 1).unwrap_or_default(), &mut buf)
                }
                // A message that is itself JSON (some tools decode it).
                Some(b'{') => {
                    buf.push_str(text(doc, &message));
                    true
                }
                _ => false,
            };
            if !decoded {
                self.give(buf);
                emit(Item::Malformed {
                    line: item_line,
                    error: RecordError::Escape,
                });
                continue;
            }
            let message_text = buf.trim();
            let mut json = false;
            let mut audit = false;
            let mut inner_time = None;
            if message_text.starts_with('{')
                && let Ok(span) = whole_value(message_text.as_bytes())
                && let Ok(t) = Top::read(message_text, &span)
            {
                json = true;
                audit = is_audit(message_text, &t);
                if audit {
                    inner_time = audit_time(message_text, &t);
                }
            }
            let eks = audit || group.is_none_or(|g| g.starts_with("/aws/eks/"));
            emit(Item::Event(Out {
                text: message_text,
                json,
                shape: Shape::CloudWatch,
                sourcetype: if eks { SOURCETYPE_EKS } else { SOURCETYPE_CLOUDWATCH },
                source: group.map_or(SourceName::Input, SourceName::Named),
                time: time.or(inner_time),
                line: item_line,
            }));
            self.give(buf);
        }
    }

    fn records(&mut self, doc: &str, records: &Span, line: u64, depth: u8, emit: &mut Emit<'_>) {
        let b = doc.as_bytes();
        let mut cursor = records.start;
        let mut item_line = line;
        for el in elements(b, records.clone()).flatten() {
            item_line += newlines(b, cursor, el.start);
            cursor = el.start;
            if !is_object(doc, &el) {
                emit(json_event(text(doc, &el), None, item_line));
                continue;
            }
            match get(doc, &el, "data") {
                Some(data) if get(doc, &el, "category").is_none() && as_str(doc, &data).is_some() => {
                    self.decoded_stream(doc, &data, item_line, depth, emit);
                }
                _ => self.object(doc, &el, item_line, depth + 1, emit),
            }
        }
    }

    /// A Pub/Sub message (`data`, `attributes`, `messageId`, `publishTime`) in the add-on's layout.
    ///
    /// A message whose `data` is not base64 was not a Pub/Sub message after all: `whole` (the
    /// document that held it) is kept as plain JSON.
    fn pubsub(
        &mut self,
        doc: &str,
        whole: &Span,
        message: &Span,
        subscription: Option<&str>,
        line: u64,
        emit: &mut Emit<'_>,
    ) {
        let not_pubsub = |emit: &mut Emit<'_>| emit(json_event(text(doc, whole), None, line));
        let Ok(m) = Top::read(doc, message) else {
            not_pubsub(emit);
            return;
        };
        let Some(data) = &m.data else {
            not_pubsub(emit);
            return;
        };
        let mut buf = self.take();
        buf.push_str("{\"data\":");
        let mut entry_time = None;
        if is_object(doc, data) {
            buf.push_str(text(doc, data));
            entry_time = Top::read(doc, data)
                .ok()
                .and_then(|e| first_time(doc, &[e.timestamp.as_ref(), e.receive_timestamp.as_ref()]));
        } else {
            let decoded =
                as_str(doc, data).and_then(|b64| decode::base64_maybe_gzip(b64.as_bytes(), self.max_doc).ok());
            let Some(decoded) = decoded else {
                self.give(buf);
                not_pubsub(emit);
                return;
            };
            let payload = utf8(&decoded);
            let trimmed = payload.trim();
            match whole_value(trimmed.as_bytes()) {
                Ok(span) if trimmed.starts_with('{') => {
                    buf.push_str(trimmed);
                    entry_time = Top::read(trimmed, &span)
                        .ok()
                        .and_then(|e| first_time(trimmed, &[e.timestamp.as_ref(), e.receive_timestamp.as_ref()]));
                }
                _ => {
                    buf.push('"');
                    raw::escape_into(&mut buf, &payload);
                    buf.push('"');
                }
            }
        }
        for (name, span) in [
            ("attributes", &m.attributes),
            ("message_id", &m.message_id),
            ("publish_time", &m.publish_time),
        ] {
            if let Some(span) = span {
                buf.push_str(",\"");
                buf.push_str(name);
                buf.push_str("\":");
                buf.push_str(text(doc, span));
            }
        }
        if let Some(sub) = subscription {
            buf.push_str(",\"subscription\":\"");
            raw::escape_into(&mut buf, sub);
            buf.push('"');
        }
        buf.push('}');
        let time = entry_time.or_else(|| pubsub_time(doc, &m));
        emit(Item::Event(Out {
            text: &buf,
            json: true,
            shape: Shape::GkePubsub,
            sourcetype: SOURCETYPE_GCP_PUBSUB,
            source: subscription.map_or(SourceName::Input, SourceName::Named),
            time,
            line,
        }));
        self.give(buf);
    }

    fn aks(&mut self, doc: &str, obj: &Span, t: &Top, line: u64, emit: &mut Emit<'_>) {
        let log = t.properties.as_ref().and_then(|p| get(doc, p, "log"));
        let mut time = first_time(doc, &[t.time.as_ref()]);
        let mut inner = self.take();
        if time.is_none()
            && let Some(log) = &log
        {
            // The audit event's own time, from the log string or object.
            let (ldoc, lspan): (&str, Span) = if is_object(doc, log) {
                (doc, log.clone())
            } else {
                let raw_inner = doc
                    .as_bytes()
                    .get(log.start + 1..log.end.saturating_sub(1))
                    .unwrap_or_default();
                if raw::unescape_into(raw_inner, &mut inner) {
                    let span = whole_value(inner.as_bytes()).unwrap_or(0..0);
                    (inner.as_str(), span)
                } else {
                    ("", 0..0)
                }
            };
            if is_object(ldoc, &lspan)
                && let Ok(lt) = Top::read(ldoc, &lspan)
            {
                time = audit_time(ldoc, &lt);
            }
        }
        self.give(inner);
        let time = time.or_else(|| first_time(doc, &[t.p_event_time.as_ref()]));
        match log {
            Some(log) if is_object(doc, &log) => {
                // `spath input=properties.log` reads a string: give it one.
                let mut buf = self.take();
                buf.push_str(doc.get(obj.start..log.start).unwrap_or(""));
                buf.push('"');
                raw::escape_into(&mut buf, text(doc, &log));
                buf.push('"');
                buf.push_str(doc.get(log.end..obj.end).unwrap_or(""));
                emit(aks_out(&buf, time, line));
                self.give(buf);
            }
            _ => emit(aks_out(text(doc, obj), time, line)),
        }
    }
}

/// The bytes as text: borrowed when valid UTF-8 (checked with the fast validator), else with
/// invalid sequences replaced by U+FFFD.
fn utf8(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

fn aks_out(text: &str, time: Option<f64>, line: u64) -> Item<'_> {
    Item::Event(Out {
        text,
        json: true,
        shape: Shape::AksAudit,
        sourcetype: SOURCETYPE_AZURE_BLOB,
        source: SourceName::Input,
        time,
        line,
    })
}

fn kube_out(text: &str, shape: Shape, time: Option<f64>, line: u64) -> Item<'_> {
    Item::Event(Out {
        text,
        json: true,
        shape,
        sourcetype: SOURCETYPE_KUBE_EVENTS,
        source: SourceName::Input,
        time,
        line,
    })
}

fn json_event(text: &str, time: Option<f64>, line: u64) -> Item<'_> {
    Item::Event(Out {
        text,
        json: true,
        shape: Shape::Json,
        sourcetype: SOURCETYPE_JSON,
        source: SourceName::Input,
        time,
        line,
    })
}

fn pubsub_time(doc: &str, t: &Top) -> Option<f64> {
    let publish = t.publish_time.as_ref().and_then(|s| scalar(doc, s)).and_then(|p| {
        // The add-on writes epoch seconds as a number or string; the API writes RFC 3339.
        parse_timestamp(&p).or_else(|| parse_epoch(&p))
    });
    publish.or_else(|| {
        let attrs = t.attributes.as_ref()?;
        first_time(doc, &[get(doc, attrs, "logging.googleapis.com/timestamp").as_ref()])
    })
}

/// Whether the first element of `events` looks like a CloudWatch log event.
fn first_is_log_event(doc: &str, events: &Span) -> bool {
    elements(doc.as_bytes(), events.clone())
        .next()
        .and_then(Result::ok)
        .is_some_and(|first| {
            get(doc, &first, "message").is_some()
                && (get(doc, &first, "ingestionTime").is_some()
                    || get(doc, &first, "logStreamName").is_some()
                    || get(doc, &first, "eventId").is_some())
        })
}

/// Whether an object's top level is a Kubernetes Event (core `v1` or `events.k8s.io/v1`).
fn is_kube_event(doc: &str, t: &Top) -> bool {
    let kind_ok = t.kind.is_none() || string_is(doc, t.kind.as_ref(), "Event");
    let api = string(doc, t.api_version.as_ref());
    if api.as_deref().is_some_and(|a| a.starts_with("audit.k8s.io/")) {
        return false;
    }
    kind_ok
        && (t.involved_object.as_ref().is_some_and(|s| is_object(doc, s))
            || t.regarding.as_ref().is_some_and(|s| is_object(doc, s)))
}

/// Write the `events.k8s.io/v1` Event at `obj` with core `v1` field names.
fn convert_v1(doc: &str, obj: &Span, out: &mut String) {
    let b = doc.as_bytes();
    out.push('{');
    let mut first = true;
    for member in members(b, obj.clone()) {
        let Ok((k, v)) = member else { break };
        let key = doc.get(k).unwrap_or("");
        if !first {
            out.push(',');
        }
        first = false;
        out.push('"');
        out.push_str(
            V1_RENAMES
                .iter()
                .find(|(from, _)| *from == key)
                .map_or(key, |(_, to)| to),
        );
        out.push_str("\":");
        if key == "apiVersion" {
            out.push_str("\"v1\"");
        } else {
            out.push_str(text(doc, &v));
        }
    }
    out.push('}');
}

//! One test per log shape: hand-written samples through the public reader, checking the detected
//! shape, the metadata, the time and the text the detections will read.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::Write;

use serde_json::{Value, json};
use tripline_ingest::{
    Collector, Ingest, IngestOptions, Input, InputStats, Overrides, OwnedEvent, Shape, Warning, WarningKind,
    encode_base64,
};

fn ingest_with(options: IngestOptions, input: &[u8]) -> (Vec<OwnedEvent>, InputStats, Vec<Warning>) {
    let mut ingest = Ingest::new(options);
    let mut sink = Collector::default();
    let stats = ingest.read_bytes("sample.log", input, &mut sink);
    (sink.events, stats, sink.warnings)
}

fn ingest(input: &str) -> Vec<OwnedEvent> {
    let (events, stats, warnings) = ingest_with(IngestOptions::default(), input.as_bytes());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(stats.malformed + stats.oversized, 0);
    for e in &events {
        if e.json {
            serde_json::from_str::<Value>(&e.text).unwrap_or_else(|err| panic!("{err}: {}", e.text));
        }
    }
    events
}

fn parsed(e: &OwnedEvent) -> Value {
    serde_json::from_str(&e.text).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-3)
}

/// 2026-11-20T10:00:00Z
const T0: f64 = 1_795_168_800.0;

fn audit_event(user: &str, extra: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"id-{user}","stage":"ResponseComplete","requestURI":"/api/v1/pods","verb":"list","user":{{"username":"{user}","groups":["system:unauthenticated"]{extra}}},"sourceIPs":["203.0.113.7"],"objectRef":{{"resource":"pods","apiVersion":"v1"}},"responseStatus":{{"code":403}},"requestReceivedTimestamp":"2026-11-20T10:00:00.000000Z","stageTimestamp":"2026-11-20T10:00:01.000000Z"}}"#
    )
}

#[test]
fn raw_audit_events_keep_their_text() {
    let v1 = audit_event("system:anonymous", "");
    let v1beta1 = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1beta1","metadata":{"creationTimestamp":"2026-11-20T10:00:00Z"},"level":"Request","timestamp":"2026-11-20T10:00:00Z","auditID":"x","stage":"ResponseComplete","verb":"get"}"#;
    // Falco's trimmed events have no apiVersion.
    let trimmed = r#"{"kind":"Event","auditID":"y","stage":"ResponseComplete","verb":"create","stageTimestamp":"2026-11-20T10:00:00Z"}"#;
    let events = ingest(&format!("{v1}\n{v1beta1}\n{trimmed}\n"));
    assert_eq!(events.len(), 3);
    for (e, line) in events.iter().zip(1..) {
        assert_eq!(e.shape, Shape::Audit);
        assert_eq!(e.meta.source, "kubernetes");
        assert_eq!(e.meta.sourcetype, "_json");
        assert_eq!(e.line, line);
        assert!(close(e.time, T0), "{:?}", e.time);
    }
    assert_eq!(events[0].text, v1);
}

#[test]
fn audit_event_list_from_the_webhook_is_split() {
    let body = r#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[
  {"level":"Metadata","auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"eks:node-manager"},"requestReceivedTimestamp":"2026-11-20T10:00:00Z"},
  {"level":"Metadata","auditID":"b","stage":"ResponseComplete","verb":"list","requestReceivedTimestamp":"2026-11-20T10:00:05Z"}
]}"#;
    let events = ingest(body);
    assert_eq!(events.len(), 2);
    // Webhook bodies are raw audit, whatever their users are called.
    assert!(
        events
            .iter()
            .all(|e| e.shape == Shape::Audit && e.meta.source == "kubernetes")
    );
    assert_eq!(parsed(&events[1])["auditID"], "b");
    assert_eq!((events[0].line, events[1].line), (2, 3));
    assert!(close(events[1].time, T0 + 5.0));
    assert!(ingest(r#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":null}"#).is_empty());
}

#[test]
fn eks_audit_lines_are_recognised_by_their_hints() {
    let plain = audit_event("alice", "");
    let panther = audit_event("bob", "").replacen('{', r#"{"p_log_type":"Amazon.EKS.Audit","#, 1);
    let eks_user = audit_event("eks:addon-manager", "");
    let iam = audit_event(
        "kubernetes-admin",
        r#","extra":{"arn":["arn:aws:sts::1:assumed-role/x"]}"#,
    );
    for hinted in [&panther, &eks_user, &iam] {
        let events = ingest(&format!("{plain}\n{hinted}\n{plain}\n"));
        // Before the hint, an event is raw audit; from the hint on, the input is an EKS export.
        assert_eq!(
            events.iter().map(|e| e.shape).collect::<Vec<_>>(),
            [Shape::Audit, Shape::EksAudit, Shape::EksAudit]
        );
        assert_eq!(events[1].meta.sourcetype, "aws:cloudwatchlogs:eks");
        assert_eq!(events[1].meta.source, "sample.log");
        assert_eq!(events[2].text, plain);
    }
    let panther_time =
        r#"{"kind":"Event","p_log_type":"Amazon.EKS.Audit","verb":"get","p_event_time":"2026-11-20 10:00:00.000"}"#;
    assert!(close(ingest(panther_time)[0].time, T0));
}

fn envelope(group: &str, messages: &[(&str, i64)]) -> String {
    let events: Vec<Value> = messages
        .iter()
        .enumerate()
        .map(|(i, (m, ts))| json!({"id": i.to_string(), "timestamp": ts, "message": m}))
        .collect();
    json!({
        "messageType": "DATA_MESSAGE",
        "owner": "111122223333",
        "logGroup": group,
        "logStream": "kube-apiserver-audit-0123",
        "subscriptionFilters": ["tripline"],
        "logEvents": events,
    })
    .to_string()
}

#[test]
fn cloudwatch_subscription_envelopes() {
    let audit = audit_event("system:anonymous", "");
    let doc = envelope(
        "/aws/eks/prod/cluster",
        &[(&audit, 1_795_168_802_500), ("I1120 klog text line", 1_795_168_803_000)],
    );
    let events = ingest(&doc);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].text, audit);
    assert!(events[0].json && !events[1].json);
    for e in &events {
        assert_eq!(e.shape, Shape::CloudWatch);
        assert_eq!(e.meta.sourcetype, "aws:cloudwatchlogs:eks");
        assert_eq!(e.meta.source, "/aws/eks/prod/cluster");
    }
    // The CloudWatch timestamp wins over the audit event's own.
    assert!(close(events[0].time, T0 + 2.5));

    let other = envelope("/aws/lambda/f", &[("START RequestId", 0)]);
    assert_eq!(ingest(&other)[0].meta.sourcetype, "aws:cloudwatchlogs");
    let control = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#;
    assert!(ingest(control).is_empty());
}

#[test]
fn cloudwatch_envelopes_as_delivered_to_lambda_firehose_and_s3() {
    let audit = audit_event("system:anonymous", "");
    let one = envelope("/aws/eks/prod/cluster", &[(&audit, 1_795_168_800_000)]);
    let two = envelope(
        "/aws/eks/prod/cluster",
        &[(&audit, 1_795_168_800_000), (&audit, 1_795_168_800_000)],
    );
    let lambda = json!({"awslogs": {"data": encode_base64(&gzip(one.as_bytes()))}}).to_string();
    let firehose = json!({
        "invocationId": "inv",
        "deliveryStreamArn": "arn:aws:firehose:eu-west-1:1:deliverystream/eks",
        "region": "eu-west-1",
        "records": [
            {"recordId": "r1", "approximateArrivalTimestamp": 1, "data": encode_base64(&gzip(one.as_bytes()))},
            {"recordId": "r2", "approximateArrivalTimestamp": 1, "data": encode_base64(&gzip(two.as_bytes()))},
        ],
    })
    .to_string();
    let bare = encode_base64(&gzip(one.as_bytes()));
    for (doc, n) in [(lambda, 1), (firehose, 3), (bare, 1)] {
        let events = ingest(&doc);
        assert_eq!(events.len(), n, "{doc}");
        assert!(events.iter().all(|e| e.shape == Shape::CloudWatch && e.text == audit));
    }
    // Firehose to S3 without decompression: concatenated gzip members of `}{`-joined envelopes.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("firehose-object.gz");
    let mut bytes = gzip(format!("{one}{two}").as_bytes());
    bytes.extend(gzip(one.as_bytes()));
    std::fs::write(&path, bytes).unwrap();
    let (events, stats, warnings) = Ingest::default().collect(&Input::File(path));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(events.len(), 4);
    assert_eq!(stats.by_sourcetype.get("aws:cloudwatchlogs:eks"), Some(&4));
}

#[test]
fn cloudwatch_cli_output_and_s3_export_lines() {
    let audit = audit_event("system:anonymous", "");
    let cli = json!({
        "events": [
            {"logStreamName": "kube-apiserver-audit-1", "timestamp": 1_795_168_800_000_i64, "message": audit, "ingestionTime": 1, "eventId": "e1"},
            {"logStreamName": "kube-apiserver-audit-1", "timestamp": 1_795_168_801_000_i64, "message": audit, "ingestionTime": 1, "eventId": "e2"},
        ],
        "searchedLogStreams": [],
    });
    let pretty = serde_json::to_string_pretty(&cli).unwrap();
    let events = ingest(&pretty);
    assert_eq!(events.len(), 2);
    assert!(
        events
            .iter()
            .all(|e| e.shape == Shape::CloudWatch && e.meta.sourcetype == "aws:cloudwatchlogs:eks")
    );
    assert_eq!(events[0].meta.source, "sample.log");
    assert!(close(events[1].time, T0 + 1.0));

    let export = format!("2026-11-20T10:00:03.000Z {audit}\n2026-11-20T10:00:04.000Z not json\n");
    let events = ingest(&export);
    assert_eq!(
        (events[0].shape, events[0].text.as_str()),
        (Shape::CloudWatch, audit.as_str())
    );
    assert!(close(events[0].time, T0 + 3.0));
    assert_eq!(events[1].shape, Shape::Text);
    assert!(close(events[1].time, T0 + 4.0));
}

const LOG_ENTRY: &str = r#"{"insertId":"i1","labels":{"authorization.k8s.io/decision":"forbid"},"logName":"projects/p/logs/cloudaudit.googleapis.com%2Fdata_access","protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"system:anonymous"},"methodName":"io.k8s.core.v1.pods.list","requestMetadata":{"callerIp":"198.51.100.4","callerSuppliedUserAgent":"python-requests/2.31.0"},"serviceName":"k8s.io","status":{"code":7,"message":"PERMISSION_DENIED"}},"resource":{"type":"k8s_cluster","labels":{"cluster_name":"c1"}},"timestamp":"2026-11-20T10:00:00Z","receiveTimestamp":"2026-11-20T10:00:02Z"}"#;

#[test]
fn gke_log_entries_are_nested_under_data() {
    let events = ingest(LOG_ENTRY);
    let e = &events[0];
    assert_eq!(e.shape, Shape::GkeLogEntry);
    assert_eq!(e.meta.sourcetype, "google:gcp:pubsub:message");
    assert_eq!(
        parsed(e)["data"]["protoPayload"]["requestMetadata"]["callerIp"],
        "198.51.100.4"
    );
    assert_eq!(e.text, format!("{{\"data\":{LOG_ENTRY}}}"));
    assert!(close(e.time, T0));
    // A LogEntry without protoPayload is still one when its log is a Cloud Audit log.
    let bare = r#"{"logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity","receiveTimestamp":"2026-11-20T10:00:02Z"}"#;
    let e = &ingest(bare)[0];
    assert_eq!(e.shape, Shape::GkeLogEntry);
    assert!(close(e.time, T0 + 2.0));
}

#[test]
fn pubsub_messages_are_decoded_into_the_add_on_layout() {
    let data = encode_base64(LOG_ENTRY.as_bytes());
    let push = json!({
        "message": {"attributes": {"logging.googleapis.com/timestamp": "2026-11-20T10:00:00Z"}, "data": data, "messageId": "42", "publishTime": "2026-11-20T10:00:09Z"},
        "subscription": "projects/p/subscriptions/gke-audit",
    })
    .to_string();
    let e = &ingest(&push)[0];
    assert_eq!(e.shape, Shape::GkePubsub);
    assert_eq!(e.meta.source, "projects/p/subscriptions/gke-audit");
    let v = parsed(e);
    assert_eq!(
        v["data"]["protoPayload"]["authenticationInfo"]["principalEmail"],
        "system:anonymous"
    );
    assert_eq!(v["message_id"], "42");
    assert_eq!(v["publish_time"], "2026-11-20T10:00:09Z");
    assert!(close(e.time, T0));

    // A pull response, and gcloud's array of pulled messages.
    let pulled =
        json!({"ackId": "a", "message": {"data": data, "messageId": "1", "publishTime": "2026-11-20T10:00:09Z"}});
    let response = json!({"receivedMessages": [pulled, pulled]}).to_string();
    assert_eq!(ingest(&response).len(), 2);
    let array = serde_json::to_string_pretty(&json!([pulled, pulled, pulled])).unwrap();
    assert!(ingest(&array).iter().all(|e| e.shape == Shape::GkePubsub));

    // The add-on's own form passes through; its time comes from the entry.
    let ta = format!(r#"{{"attributes":{{}},"data":{LOG_ENTRY},"publish_time":1795168809.5}}"#);
    let e = &ingest(&ta)[0];
    assert_eq!((e.shape, e.text.as_str()), (Shape::GkePubsub, ta.as_str()));
    assert!(close(e.time, T0));

    // Look-alikes whose `data` is not base64 stay plain JSON, nothing is lost.
    for lookalike in [
        r#"{"message":{"data":"not base64!","id":1}}"#,
        r#"{"data":"hello","attributes":{"a":1}}"#,
        r#"{"records":[{"data":"x","recordId":"1"}],"note":"z"}"#,
    ] {
        let (events, stats, _) = ingest_with(IngestOptions::default(), lookalike.as_bytes());
        if lookalike.contains("recordId") {
            // A Firehose record that does not decode is a broken record.
            assert_eq!((events.len(), stats.malformed), (0, 1));
        } else {
            assert_eq!(
                (events.len(), events[0].shape, events[0].text.as_str()),
                (1, Shape::Json, lookalike)
            );
        }
    }
    assert_eq!(ingest(r#"{"records":[{"data":"x"}]}"#)[0].shape, Shape::Json);

    // A message whose data is not JSON keeps it as a string.
    let text_msg = json!({"message": {"data": encode_base64(b"hello"), "messageId": "2"}}).to_string();
    assert_eq!(parsed(&ingest(&text_msg)[0])["data"], "hello");
}

#[test]
fn aks_records_give_spath_a_string() {
    let inner = audit_event("system:anonymous", "");
    let as_string = json!({
        "category": "kube-audit",
        "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
        "resourceId": "/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/C",
        "properties": {"log": inner, "stream": "stdout", "pod": "kube-apiserver-abc"},
        "time": "2026-11-20T10:00:07.0000000Z",
    })
    .to_string();
    let e = &ingest(&as_string)[0];
    assert_eq!((e.shape, e.text.as_str()), (Shape::AksAudit, as_string.as_str()));
    assert_eq!(e.meta.sourcetype, "mscs:storage:blob:json");
    assert!(close(e.time, T0 + 7.0));

    // `properties.log` as an object becomes the JSON string it is in the real records.
    let as_object = format!(
        "{{\"category\":\"kube-audit-admin\",\"operationName\":\"x\",\"properties\":{{\"log\":{inner},\"pod\":\"p\"}}}}"
    );
    let e = &ingest(&as_object)[0];
    let v = parsed(e);
    let log: Value = serde_json::from_str(v["properties"]["log"].as_str().unwrap()).unwrap();
    assert_eq!(log["user"]["username"], "system:anonymous");
    assert_eq!(v["properties"]["pod"], "p");
    // Without `time`, the audit event's own time.
    assert!(close(e.time, T0));

    // An Event Hub batch, with an activity-log record in it.
    let activity = json!({"time": "2026-11-20T10:00:00Z", "resourceId": "/x", "operationName": "MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE", "category": "Administrative"});
    let batch = format!(r#"{{"records":[{as_string},{activity},{as_object}]}}"#);
    let events = ingest(&batch);
    assert_eq!(
        events.iter().map(|e| e.shape).collect::<Vec<_>>(),
        [Shape::AksAudit, Shape::AzureRecord, Shape::AksAudit]
    );
}

const CORE_EVENT: &str = r#"{"kind":"Event","apiVersion":"v1","metadata":{"name":"p.1","namespace":"default","creationTimestamp":"2026-11-20T09:00:00Z"},"involvedObject":{"kind":"Pod","namespace":"default","name":"scan"},"reason":"Pulling","message":"Pulling image \"aquasec/kube-hunter\"","source":{"component":"kubelet","host":"node-1"},"firstTimestamp":"2026-11-20T09:59:00Z","lastTimestamp":"2026-11-20T10:00:00Z","count":2,"type":"Normal"}"#;

#[test]
fn kubernetes_events_take_the_watch_layout() {
    let e = &ingest(CORE_EVENT)[0];
    assert_eq!(e.shape, Shape::KubeEvent);
    assert_eq!(e.meta.sourcetype, "kube:objects:events");
    assert_eq!(e.text, format!("{{\"object\":{CORE_EVENT}}}"));
    assert!(close(e.time, T0));

    let watch = format!(r#"{{"type":"ADDED","object":{CORE_EVENT}}}"#);
    let e = &ingest(&watch)[0];
    assert_eq!((e.shape, e.text.as_str()), (Shape::KubeEventWatch, watch.as_str()));

    // `kubectl get events -o json`, pretty-printed; and a list without kind/apiVersion.
    let list: Value = json!({"kind": "EventList", "apiVersion": "v1", "metadata": {}, "items": [
        serde_json::from_str::<Value>(CORE_EVENT).unwrap(),
        {"metadata": {"name": "q"}, "involvedObject": {"kind": "Node", "name": "n"}, "reason": "Starting", "eventTime": null, "firstTimestamp": null, "lastTimestamp": null},
    ]});
    let pretty = serde_json::to_string_pretty(&list).unwrap();
    let events = ingest(&pretty);
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.shape == Shape::KubeEvent));
    assert_eq!(events[1].time, None);
    // The second item's `{` is the line before its first key.
    let first_key = pretty.lines().position(|l| l.contains("\"eventTime\"")).unwrap() as u64;
    assert_eq!(events[1].line, first_key);
    let bare =
        json!({"metadata": {"resourceVersion": "1"}, "items": [serde_json::from_str::<Value>(CORE_EVENT).unwrap()]});
    assert_eq!(ingest(&bare.to_string())[0].shape, Shape::KubeEvent);
    assert!(ingest(r#"{"kind":"EventList","apiVersion":"v1","metadata":{},"items":null}"#).is_empty());
}

#[test]
fn events_k8s_io_events_get_core_field_names() {
    let v1 = r#"{"kind":"Event","apiVersion":"events.k8s.io/v1","metadata":{"name":"e"},"eventTime":"2026-11-20T10:00:00.000000Z","reportingController":"kubelet","reportingInstance":"node-1","action":"Pulling","reason":"Pulling","regarding":{"kind":"Pod","name":"scan","namespace":"default"},"note":"Pulling image \"kube-bench\"","type":"Normal","deprecatedSource":{"component":"kubelet","host":"node-1"}}"#;
    let e = &ingest(v1)[0];
    assert_eq!(e.shape, Shape::KubeEventV1);
    let o = &parsed(e)["object"];
    assert_eq!(o["involvedObject"]["name"], "scan");
    assert_eq!(o["message"], "Pulling image \"kube-bench\"");
    assert_eq!(o["source"]["host"], "node-1");
    assert_eq!(o["reportingComponent"], "kubelet");
    assert_eq!(o["apiVersion"], "v1");
    assert!(close(e.time, T0));
    let watch = format!(r#"{{"type":"MODIFIED","object":{v1}}}"#);
    let e = &ingest(&watch)[0];
    assert_eq!(e.shape, Shape::KubeEventWatch);
    assert_eq!(parsed(e)["type"], "MODIFIED");
    assert_eq!(parsed(e)["object"]["involvedObject"]["kind"], "Pod");
    let list = format!(r#"{{"kind":"EventList","apiVersion":"events.k8s.io/v1","items":[{v1}]}}"#);
    assert_eq!(ingest(&list)[0].shape, Shape::KubeEventV1);
}

#[test]
fn other_json_and_text() {
    // A line starting with a quote is text (CSV starts that way), not a JSON string.
    let events = ingest("{\"msg\":\"hello\",\"time\":\"2026-11-20T10:00:00Z\"}\n[INFO] 2026 started\n\"a\",\"b\"\n");
    assert_eq!(
        events
            .iter()
            .map(|e| (e.shape, e.meta.sourcetype.as_str()))
            .collect::<Vec<_>>(),
        [(Shape::Json, "_json"), (Shape::Text, "text"), (Shape::Text, "text")]
    );
    assert!(close(events[0].time, T0));
    assert_eq!(events[1].text, "[INFO] 2026 started");
    assert_eq!(events[0].meta.source, "sample.log");
    // A JSON string holding a JSON document is unpacked (`--query 'events[].message'`).
    let audit = audit_event("u", "");
    let quoted = serde_json::to_string(&vec![audit.clone(), audit.clone()]).unwrap();
    let events = ingest(&quoted);
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.shape == Shape::Audit && e.text == audit));
}

#[test]
fn top_level_arrays_and_pretty_documents() {
    let a = audit_event("a", "");
    let b = audit_event("b", "");
    let array = format!("[\n  {a},\n  {b}\n]\n");
    assert_eq!(ingest(&array).len(), 2);
    let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(&a).unwrap()).unwrap();
    let events = ingest(&format!("{pretty}\n{pretty}"));
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].line, pretty.lines().count() as u64 + 1);
    assert!(events.iter().all(|e| e.shape == Shape::Audit));
}

#[test]
fn bad_records_are_skipped_and_counted() {
    let good = audit_event("a", "");
    let input = format!("{good}\n{{\"a\" 1}}\n{good}\n{{\"cut\":\"off\n{good}\n{{not json}}\n");
    let (events, stats, warnings) = ingest_with(IngestOptions::default(), input.as_bytes());
    assert_eq!(events.len(), 3);
    assert_eq!(stats.malformed, 3);
    assert_eq!(
        warnings.iter().map(|w| w.line).collect::<Vec<_>>(),
        [Some(2), Some(4), Some(6)]
    );
    assert!(
        warnings
            .iter()
            .all(|w| w.input == "sample.log" && matches!(w.kind, WarningKind::Malformed(_)))
    );

    // Oversized events are skipped, also when they come out of a list.
    let list = format!(r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{good},{good}]}}"#);
    let options = IngestOptions {
        max_event_size: good.len() - 1,
        ..IngestOptions::default()
    };
    let (events, stats, warnings) = ingest_with(options, list.as_bytes());
    assert_eq!((events.len(), stats.oversized), (0, 2));
    assert!(matches!(warnings[0].kind, WarningKind::Oversized { .. }));

    // Warnings stop after the limit, counting goes on.
    let many = "{\"a\" 1}\n".repeat(25);
    let (_, stats, warnings) = ingest_with(IngestOptions::default(), many.as_bytes());
    assert_eq!(stats.malformed, 25);
    assert_eq!(warnings.len(), 11);
    assert_eq!(warnings[10].kind, WarningKind::Suppressed);
}

#[test]
fn truncated_gzip_keeps_what_was_read() {
    let line = audit_event("a", "");
    let gz = gzip(format!("{line}\n").repeat(2000).as_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.json.gz");
    std::fs::write(&path, &gz[..gz.len() * 3 / 4]).unwrap();
    let (events, stats, warnings) = Ingest::default().collect(&Input::File(path));
    assert!(!events.is_empty() && events.len() < 2000, "{}", events.len());
    assert!(stats.truncated.is_some());
    assert!(warnings.iter().any(|w| matches!(w.kind, WarningKind::Truncated { .. })));
}

#[test]
fn overrides_replace_detected_metadata() {
    let options = IngestOptions {
        overrides: Overrides {
            source: Some("prod-cluster".into()),
            sourcetype: Some("aws:cloudwatchlogs:eks".into()),
            host: Some("h".into()),
            index: Some("k8s".into()),
        },
        ..IngestOptions::default()
    };
    let (events, stats, _) = ingest_with(options, audit_event("a", "").as_bytes());
    let m = &events[0].meta;
    assert_eq!(
        (
            m.source.as_str(),
            m.sourcetype.as_str(),
            m.host.as_str(),
            m.index.as_str()
        ),
        ("prod-cluster", "aws:cloudwatchlogs:eks", "h", "k8s")
    );
    assert_eq!(events[0].shape, Shape::Audit);
    assert_eq!(stats.by_sourcetype.get("aws:cloudwatchlogs:eks"), Some(&1));
}

#[test]
fn sinks_may_reject_events() {
    let mut ingest = Ingest::default();
    let mut seen = 0;
    let mut sink = |e: tripline_ingest::EventRecord<'_>| {
        seen += 1;
        if e.text.contains("\"b\"") {
            Err("not wanted")
        } else {
            Ok(())
        }
    };
    let stats = ingest.read_bytes("x", b"{\"a\":1}\n{\"b\":2}\n", &mut sink);
    assert_eq!((seen, stats.events, stats.malformed), (2, 1, 1));
}

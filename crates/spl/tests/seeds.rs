//! The SPL of every seed document (`shared/seeds/`), held verbatim, must expand and parse with no
//! error. The story seed names six detections; their searches (security_content, 2024-10) are held
//! here too.

use tripline_spl::{ExpandOptions, MacroDef, MacroTable, analyze, print};

/// The stock macro definitions these searches use (facts from security_content's `macros/`).
fn macros() -> MacroTable {
    [
        MacroDef::new("kube_audit", Vec::<String>::new(), r#"source="kubernetes""#),
        MacroDef::new(
            "kube_objects_events",
            Vec::<String>::new(),
            "sourcetype=kube:objects:events",
        ),
        MacroDef::new(
            "aws_cloudwatchlogs_eks",
            Vec::<String>::new(),
            r#"sourcetype="aws:cloudwatchlogs:eks""#,
        ),
        MacroDef::new(
            "kubernetes_azure",
            Vec::<String>::new(),
            "sourcetype=mscs:storage:blob:json",
        ),
        MacroDef::new(
            "google_gcp_pubsub_message",
            Vec::<String>::new(),
            r#"sourcetype="google:gcp:pubsub:message""#,
        ),
        MacroDef::new(
            "security_content_ctime",
            ["field"],
            r#"convert timeformat="%Y-%m-%dT%H:%M:%S" ctime($field$)"#,
        ),
    ]
    .into_iter()
    .collect()
}

/// Seed 000: Kubernetes Access Scanning (2026 format, `|-` block).
const ACCESS_SCANNING: &str = r#"`kube_audit` "user.groups{}"="system:unauthenticated" "responseStatus.code"=403
| iplocation sourceIPs{}
| stats count values(userAgent) as userAgent values(user.username) as user.username values(user.groups{}) as user.groups{} values(verb) as verb values(requestURI) as requestURI values(responseStatus.code) as responseStatus.code values(responseStatus.message) as responseStatus.message values(responseStatus.reason) as responseStatus.reason values(responseStatus.status) as responseStatus.status
BY sourceIPs{} Country City
| where count > 5
| rename sourceIPs{} as src_ip, user.username as user
| `kubernetes_access_scanning_filter`"#;

/// Seed 002: Amazon EKS Kubernetes Pod scan detection (with the page's trailing spaces).
const EKS_POD_SCAN: &str = "`aws_cloudwatchlogs_eks` \"user.username\"=\"system:anonymous\" verb=list objectRef.resource=pods requestURI=\"/api/v1/pods\" \n| rename source as cluster_name sourceIPs{} as src_ip \n| stats count min(_time) as firstTime max(_time) as lastTime values(responseStatus.reason) values(responseStatus.code) values(userAgent) values(verb) values(requestURI) by src_ip cluster_name user.username user.groups{} \n| `security_content_ctime(lastTime)` \n| `security_content_ctime(firstTime)` \n| `amazon_eks_kubernetes_pod_scan_detection_filter`";

/// Seed 003: Kubernetes Scanner Image Pulling (2026 format, indented `|-` block).
const SCANNER_IMAGE_PULLING: &str = r#"`kube_objects_events` object.message IN ("Pulling image *kube-hunter*", "Pulling image *kube-bench*", "Pulling image *kube-recon*", "Pulling image *kube-recon*")
  | rename object.* AS *
  | rename involvedObject.* AS *
  | rename source.host AS host
  | eval phase="operate"
  | eval severity="high"
  | stats min(_time) as firstTime max(_time) as lastTime count
    BY host, name, namespace,
       kind, reason, message,
       phase, severity
  | `security_content_ctime(firstTime)`
  | `security_content_ctime(lastTime)`
  | `kubernetes_scanner_image_pulling_filter`"#;

/// Seed 004: anonymous and unauthenticated requests (the page shows no filter macro).
const ANONYMOUS_REQUESTS: &str = "`kube_audit` user.username=\"system:anonymous\" user.groups{} IN (\"system:unauthenticated\") \n| fillnull \n| stats count by objectRef.name objectRef.namespace objectRef.resource requestReceivedTimestamp requestURI responseStatus.code sourceIPs{} stage user.groups{} user.uid user.username userAgent verb \n| rename sourceIPs{} as src_ip, user.username as user ";

/// Seed 001 (the "Kubernetes Scanning Activity" story) lists these six detections.
const STORY: &[&str] = &[
    r#"`google_gcp_pubsub_message` data.protoPayload.requestMetadata.callerIp!=127.0.0.1 data.protoPayload.requestMetadata.callerIp!=::1 "data.labels.authorization.k8s.io/decision"=forbid "data.protoPayload.status.message"=PERMISSION_DENIED data.protoPayload.authenticationInfo.principalEmail="system:anonymous" | rename data.protoPayload.requestMetadata.callerIp as src_ip | stats count min(_time) as firstTime max(_time) as lastTime values(data.protoPayload.methodName) as method_name values(data.protoPayload.resourceName) as resource_name values(data.protoPayload.requestMetadata.callerSuppliedUserAgent) as http_user_agent by src_ip data.resource.labels.cluster_name | rename data.resource.labels.cluster_name as cluster_name| `security_content_ctime(lastTime)` | `security_content_ctime(firstTime)`  | `gcp_kubernetes_cluster_scan_detection_filter`"#,
    r#"`kubernetes_azure` category=kube-audit | spath input=properties.log | search responseStatus.code=401 | table  sourceIPs{} userAgent verb requestURI responseStatus.reason properties.pod |`kubernetes_azure_pod_scan_fingerprint_filter`"#,
    r#"`kubernetes_azure` category=kube-audit | spath input=properties.log | search responseStatus.code=401 | table  sourceIPs{} userAgent verb requestURI responseStatus.reason |`kubernetes_azure_scan_fingerprint_filter`"#,
    r#"`aws_cloudwatchlogs_eks` "user.username"="system:anonymous" userAgent!="AWS Security Scanner" | rename sourceIPs{} as src_ip | stats count min(_time) as firstTime max(_time) as lastTime values(responseStatus.reason) values(source) as cluster_name values(responseStatus.code) values(userAgent) as http_user_agent values(verb) values(requestURI) by src_ip user.username user.groups{} | `security_content_ctime(lastTime)` | `security_content_ctime(firstTime)` |`amazon_eks_kubernetes_cluster_scan_detection_filter`"#,
    r#"`aws_cloudwatchlogs_eks` "user.username"="system:anonymous" verb=list objectRef.resource=pods requestURI="/api/v1/pods" | rename source as cluster_name sourceIPs{} as src_ip | stats count min(_time) as firstTime max(_time) as lastTime values(responseStatus.reason) values(responseStatus.code) values(userAgent) values(verb) values(requestURI) by src_ip cluster_name user.username user.groups{} | `security_content_ctime(lastTime)` | `security_content_ctime(firstTime)` | `amazon_eks_kubernetes_pod_scan_detection_filter`"#,
    r#"`google_gcp_pubsub_message` category=kube-audit |spath input=properties.log |search responseStatus.code=401 |table sourceIPs{} userAgent verb requestURI responseStatus.reason properties.pod | `gcp_kubernetes_cluster_pod_scan_detection_filter`"#,
];

fn assert_clean(name: &str, spl: &str) -> tripline_spl::Analysis {
    let analysis = analyze(spl, &macros(), &ExpandOptions::default());
    assert!(analysis.diagnostics.is_empty(), "{name}: {:#?}", analysis.diagnostics);
    // The canonical print of the parse reads back to the same tree.
    let printed = print(&analysis.parse.query);
    let again = tripline_spl::parse(&printed);
    assert!(!again.has_errors(), "{name}: reprint fails to parse: {printed}");
    assert_eq!(
        analysis.parse.query.without_spans(),
        again.query.without_spans(),
        "{name}"
    );
    analysis
}

fn command_names(a: &tripline_spl::Analysis) -> Vec<String> {
    a.parse
        .query
        .pipeline
        .commands
        .iter()
        .map(|c| c.name.name.clone())
        .collect()
}

#[test]
fn access_scanning() {
    let a = assert_clean("access scanning", ACCESS_SCANNING);
    assert_eq!(
        command_names(&a),
        ["search", "iplocation", "stats", "where", "rename", "search"]
    );
}

#[test]
fn eks_pod_scan() {
    let a = assert_clean("eks pod scan", EKS_POD_SCAN);
    assert_eq!(
        command_names(&a),
        ["search", "rename", "stats", "convert", "convert", "search"]
    );
}

#[test]
fn scanner_image_pulling() {
    let a = assert_clean("scanner image pulling", SCANNER_IMAGE_PULLING);
    assert_eq!(
        command_names(&a),
        [
            "search", "rename", "rename", "rename", "eval", "eval", "stats", "convert", "convert", "search"
        ]
    );
    // The BY list spans three lines with commas.
    let tripline_spl::ast::CommandKind::Stats(stats) = &a.parse.query.pipeline.commands[6].kind else {
        panic!("expected stats");
    };
    let by: Vec<&str> = stats.by.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        by,
        [
            "host",
            "name",
            "namespace",
            "kind",
            "reason",
            "message",
            "phase",
            "severity"
        ]
    );
}

#[test]
fn anonymous_requests() {
    let a = assert_clean("anonymous requests", ANONYMOUS_REQUESTS.trim_end());
    assert_eq!(command_names(&a), ["search", "fillnull", "stats", "rename"]);
}

#[test]
fn scanning_activity_story() {
    for (i, spl) in STORY.iter().enumerate() {
        assert_clean(&format!("story detection {i}"), spl);
    }
}

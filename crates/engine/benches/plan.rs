//! Throughput of compiled plans over prepared events: the streaming prefix the built-in pack's
//! detections start with (a `search` filter of `field=value` terms, wildcards, `OR`, `NOT` and
//! `IN`; `eval`, `where`, `rex`), then whole rules with their `stats`. Events are parsed before
//! the clock starts, each plan's rows with that plan's projection (as `tripline hunt` does), so
//! only evaluation is measured. The searches are the pack's (content/detections) with the macros
//! expanded by hand: `kube_audit` is `source="kubernetes"`, the `*_filter` and
//! `kube_allowed_source_ips` macros are `search *`, and `security_content_ctime(x)` is
//! `convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(x)`.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tripline_engine::event::{EventBuilder, Metadata};
use tripline_engine::expr::EvalContext;
use tripline_engine::plan::Plan;
use tripline_engine::row::Row;
use tripline_engine::value::Text;

/// Events per iteration.
const EVENTS: usize = 10_000;

/// Audit events of a busy cluster with some scanning mixed in: most are service accounts at
/// work; one in ten is an unauthenticated request the API server refused, one in ten an
/// anonymous request to a health or discovery path, one in twenty a forbidden create.
fn events(count: usize) -> Vec<String> {
    const VERBS: [&str; 5] = ["get", "list", "watch", "update", "patch"];
    const RESOURCES: [&str; 4] = ["pods", "secrets", "configmaps", "leases"];
    const PROBES: [&str; 8] = [
        "/",
        "/api",
        "/api/v1/pods",
        "/apis/apps/v1",
        "/version",
        "/healthz?verbose",
        "/openapi/v2",
        "/metrics",
    ];
    const AGENTS: [&str; 3] = ["python-requests/2.31.0", "curl/8.5.0", "Go-http-client/1.1"];
    (0..count)
        .map(|i| {
            let t = format!("2026-03-01T10:{:02}:{:02}.{:06}Z", i / 60 % 60, i % 60, i);
            // Fifty scanners, each sending twenty refused requests and a few forbidden creates.
            let attacker = format!("198.51.100.{}", i / 20 % 50);
            let agent = AGENTS[i % AGENTS.len()];
            match i % 20 {
                0 | 1 => format!(
                    concat!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-{i}","#,
                        r#""stage":"ResponseComplete","requestURI":"{uri}","verb":"get","#,
                        r#""user":{{"username":"system:anonymous","groups":["system:unauthenticated"]}},"#,
                        r#""sourceIPs":["{ip}"],"userAgent":"{agent}","#,
                        r#""responseStatus":{{"metadata":{{}},"status":"Failure","reason":"Forbidden","code":403}},"#,
                        r#""requestReceivedTimestamp":"{t}","stageTimestamp":"{t}","#,
                        r#""annotations":{{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}}}"#
                    ),
                    i = i,
                    uri = PROBES[i / 20 % PROBES.len()],
                    ip = attacker,
                    agent = agent,
                    t = t,
                ),
                2 | 3 => format!(
                    concat!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"b-{i}","#,
                        r#""stage":"ResponseComplete","requestURI":"{uri}","verb":"get","#,
                        r#""user":{{"username":"system:anonymous","groups":["system:unauthenticated"]}},"#,
                        r#""sourceIPs":["10.0.{a}.{b}"],"userAgent":"kube-probe/1.31","#,
                        r#""responseStatus":{{"metadata":{{}},"code":200}},"#,
                        r#""requestReceivedTimestamp":"{t}","stageTimestamp":"{t}","#,
                        r#""annotations":{{"authorization.k8s.io/decision":"allow","#,
                        r#""authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:public-info-viewer\""}}}}"#
                    ),
                    i = i,
                    uri = PROBES[(i / 20 + 3) % PROBES.len()],
                    a = i % 7,
                    b = i % 200,
                    t = t,
                ),
                4 => format!(
                    concat!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"c-{i}","#,
                        r#""stage":"ResponseComplete","requestURI":"/api/v1/namespaces/team-{ns}/pods/web-{i}/exec?command=sh","#,
                        r#""verb":"create","user":{{"username":"dev-{u}@example.com","#,
                        r#""groups":["developers","system:authenticated"]}},"sourceIPs":["{ip}"],"#,
                        r#""userAgent":"kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46","#,
                        r#""objectRef":{{"resource":"pods","subresource":"exec","namespace":"team-{ns}","name":"web-{i}","apiVersion":"v1"}},"#,
                        r#""responseStatus":{{"metadata":{{}},"status":"Failure","reason":"Forbidden","code":403}},"#,
                        r#""requestReceivedTimestamp":"{t}","stageTimestamp":"{t}","#,
                        r#""annotations":{{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}}}"#
                    ),
                    i = i,
                    ns = i % 13,
                    u = i % 17,
                    ip = attacker,
                    t = t,
                ),
                _ => format!(
                    concat!(
                        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"d-{i}","#,
                        r#""stage":"ResponseComplete","requestURI":"/api/v1/namespaces/team-{ns}/{resource}?limit=500","#,
                        r#""verb":"{verb}","user":{{"username":"system:serviceaccount:team-{ns}:deployer","#,
                        r#""groups":["system:serviceaccounts","system:serviceaccounts:team-{ns}","system:authenticated"]}},"#,
                        r#""sourceIPs":["10.1.{a}.{b}"],"userAgent":"kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46","#,
                        r#""objectRef":{{"resource":"{resource}","namespace":"team-{ns}","apiVersion":"v1"}},"#,
                        r#""responseStatus":{{"metadata":{{}},"code":200}},"#,
                        r#""requestReceivedTimestamp":"{t}","stageTimestamp":"{t}","#,
                        r#""annotations":{{"authorization.k8s.io/decision":"allow","#,
                        r#""authorization.k8s.io/reason":"RBAC: allowed by RoleBinding \"deployer/team-{ns}\""}}}}"#
                    ),
                    i = i,
                    ns = i % 13,
                    resource = RESOURCES[i % RESOURCES.len()],
                    verb = VERBS[i % VERBS.len()],
                    a = i % 251,
                    b = i / 251 % 251,
                    t = t,
                ),
            }
        })
        .collect()
}

/// What is measured: a name and an expanded search.
const PLANS: &[(&str, &str)] = &[
    (
        "search_field_values",
        r#"search source="kubernetes" "user.groups{}"="system:unauthenticated" "responseStatus.code"=403"#,
    ),
    (
        "search_or_not_wildcards",
        r#"search source="kubernetes" ("user.username"="system:anonymous" OR "user.groups{}"="system:unauthenticated")
            NOT userAgent="AWS Security Scanner" NOT "objectRef.resource"=*
            requestURI IN ("/", "/api", "/api/*", "/apis", "/apis/*", "/version", "/version/", "/version?*",
                "/openapi/*", "/swagger*", "/metrics", "/.well-known/openid-configuration", "/openid/v1/jwks")"#,
    ),
    (
        "eval_where",
        r#"search source="kubernetes"
            | eval resource=coalesce('objectRef.resource' . "/" . 'objectRef.subresource', 'objectRef.resource'),
                outcome=case('responseStatus.code'==401, "unauthenticated", 'responseStatus.code'==403, "denied",
                    'responseStatus.code'>=200 AND 'responseStatus.code'<300, "allowed", true(), "failed")
            | where outcome!="allowed" AND like(requestURI, "/api%")"#,
    ),
    (
        "rex_replace",
        r#"search source="kubernetes"
            | rex field=requestURI "^/api/v1/namespaces/(?<namespace>[^/]+)/(?<resource>[^/?]+)"
            | eval uri_path=replace(requestURI, "\?.*$", ""), user=lower('user.username')
            | where isnotnull(namespace)"#,
    ),
    (
        "rule_unauthenticated_sweep",
        r#"search source="kubernetes" "user.groups{}"="system:unauthenticated" "responseStatus.code"=403
            | fillnull value="unknown" Country City
            | stats count min(_time) as firstTime max(_time) as lastTime
                values(userAgent) as http_user_agent values(verb) as verb values(requestURI) as requestURI
                values(user.username) as user
              BY sourceIPs{} Country City
            | where count > 5
            | rename sourceIPs{} as src_ip
            | search *
            | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime)
            | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(lastTime)
            | search *"#,
    ),
    (
        "rule_forbidden_create",
        r#"search source="kubernetes" verb=create "responseStatus.code"=403 "user.groups{}"="system:authenticated"
                NOT "annotations.authorization.k8s.io/decision"=allow
            | eval resource=coalesce('objectRef.resource' . "/" . 'objectRef.subresource', 'objectRef.resource')
            | stats count min(_time) as firstTime max(_time) as lastTime values(resource) as resource
                values(objectRef.namespace) as namespace values(requestURI) as requestURI
                values(userAgent) as http_user_agent values(user.groups{}) as user_groups
              BY user.username sourceIPs{}
            | rename user.username as user, sourceIPs{} as src_ip
            | search *
            | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime)
            | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(lastTime)
            | search *"#,
    ),
];

/// The events as rows holding what `plan` reads, as the hunt's parser would build them.
fn rows_for(plan: &Plan, events: &[String]) -> Vec<Row> {
    let mut builder = EventBuilder::new(plan.needs(), &[]);
    let meta = Metadata {
        source: Text::from("kubernetes"),
        ..Metadata::default()
    };
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            builder
                .json_at(e, &meta, 1_772_359_200.0 + i as f64)
                .expect("benchmark events are valid JSON")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let events = events(EVENTS);
    let ctx = EvalContext::default();
    let mut group = c.benchmark_group("plan");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(20);
    group.measurement_time(std::time::Duration::from_secs(5));
    for (name, spl) in PLANS {
        let plan = Plan::compile_text(spl, &ctx).unwrap_or_else(|e| panic!("{name}: {e}"));
        let rows = rows_for(&plan, &events);
        // Each search must keep some events and drop others, or it measures nothing useful.
        let mut check = plan.fresh();
        let mut out = Vec::new();
        for row in rows.iter().cloned() {
            check.push(row, &ctx, &mut out);
        }
        check.finish(&ctx, &mut out);
        assert!(!out.is_empty() && out.len() < EVENTS, "{name}: {} results", out.len());
        group.bench_function(*name, |b| {
            b.iter_batched(
                || (plan.fresh(), rows.clone(), Vec::with_capacity(EVENTS)),
                |(mut plan, rows, mut out)| {
                    for row in rows {
                        plan.push(row, &ctx, &mut out);
                    }
                    plan.finish(&ctx, &mut out);
                    out
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

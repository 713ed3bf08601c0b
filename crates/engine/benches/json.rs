//! Throughput of the JSON flattener on ~1 KB Kubernetes audit events: every field, and the three
//! fields a typical rule needs. `serde_json::Value` is measured alongside as a point of reference.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tripline_engine::json::{FieldSet, Flattener, Projection};

/// Synthetic Metadata-level audit events of about 1 KB, varied so no two lines are equal.
fn events(count: usize) -> Vec<String> {
    const VERBS: [&str; 5] = ["get", "list", "watch", "create", "delete"];
    const RESOURCES: [&str; 4] = ["pods", "secrets", "configmaps", "leases"];
    (0..count)
        .map(|i| {
            let verb = VERBS[i % VERBS.len()];
            let resource = RESOURCES[i % RESOURCES.len()];
            let code = if i % 7 == 0 { 403 } else { 200 };
            format!(
                concat!(
                    r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","#,
                    r#""auditID":"2c1f0e4a-6b3d-4c8e-9f1a-{i:012x}","stage":"ResponseComplete","#,
                    r#""requestURI":"/api/v1/namespaces/team-{ns}/{resource}?limit=500&resourceVersion={i}","#,
                    r#""verb":"{verb}","user":{{"username":"system:serviceaccount:team-{ns}:deployer-{i}","#,
                    r#""uid":"8d5e1f3c-{i:08}","groups":["system:serviceaccounts","#,
                    r#""system:serviceaccounts:team-{ns}","system:authenticated"],"#,
                    r#""extra":{{"authentication.kubernetes.io/pod-name":["deployer-7f9c-{i}"],"#,
                    r#""authentication.kubernetes.io/pod-uid":["4b0a9e12-{i:08}"]}}}},"#,
                    r#""sourceIPs":["10.{a}.{b}.17"],"userAgent":"kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46","#,
                    r#""objectRef":{{"resource":"{resource}","namespace":"team-{ns}","apiVersion":"v1"}},"#,
                    r#""responseStatus":{{"metadata":{{}},"code":{code}}},"#,
                    r#""requestReceivedTimestamp":"2026-03-01T10:00:{s:02}.{i:06}Z","#,
                    r#""stageTimestamp":"2026-03-01T10:00:{s:02}.{i:06}Z","#,
                    r#""annotations":{{"authorization.k8s.io/decision":"allow","#,
                    r#""authorization.k8s.io/reason":"RBAC: allowed by RoleBinding \"deployer/team-{ns}\" of Role \"deployer\" to ServiceAccount \"deployer-{i}/team-{ns}\""}}}}"#
                ),
                i = i,
                ns = i % 13,
                resource = resource,
                verb = verb,
                code = code,
                a = i % 251,
                b = i / 251 % 251,
                s = i % 60,
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let events = events(1000);
    let bytes: usize = events.iter().map(String::len).sum();
    let mut group = c.benchmark_group("flatten");
    group.throughput(Throughput::Bytes(bytes as u64));

    let all = Projection::All;
    let three = Projection::Only(
        ["verb", "objectRef.resource", "user.username"]
            .into_iter()
            .collect::<FieldSet>(),
    );
    for (label, projection) in [("all", &all), ("three_fields", &three)] {
        let mut flattener = Flattener::new();
        group.bench_function(label, |b| {
            b.iter(|| {
                let mut total = 0usize;
                for event in &events {
                    flattener
                        .flatten(event, projection, &mut |name, value| {
                            total += name.len() + value.len();
                        })
                        .expect("benchmark events are valid JSON");
                }
                black_box(total)
            });
        });
    }
    group.bench_function("serde_json_value", |b| {
        b.iter(|| {
            for event in &events {
                black_box(serde_json::from_str::<serde_json::Value>(event).expect("valid JSON"));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

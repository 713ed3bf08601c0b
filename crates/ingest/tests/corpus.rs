//! Every file of the shared corpus (except `security_content`): the shape each event is detected
//! as, and how many events each file holds (the counts of `corpus.md` and the folders' READMEs).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tripline_ingest::{Ingest, Input, Shape};

fn corpus() -> PathBuf {
    std::env::var_os("TRIPLINE_CORPUS").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus")),
        PathBuf::from,
    )
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "security_content") {
                files(&p, out);
            }
        } else if dir != corpus() {
            out.push(p);
        }
    }
}

type Counts = BTreeMap<Shape, u64>;

fn counts(pairs: &[(Shape, u64)]) -> Counts {
    pairs.iter().filter(|(_, n)| *n > 0).copied().collect()
}

/// The data files of the corpus: path inside the corpus, and the events of each shape it holds.
const FILES: &[(&str, &[(Shape, u64)])] = {
    use Shape::*;
    &[
        ("audit2rbac-demo/demo.log", &[(Audit, 37)]),
        (
            "elastic-integrations-k8s-audit/k8s_test-audit.log",
            &[(Audit, 3), (GkeLogEntry, 1), (AksAudit, 1)],
        ),
        (
            "elastic-integrations-k8s-audit/k8s_test-kube-audit.log",
            &[(AksAudit, 1)],
        ),
        (
            "elastic-integrations-k8s-audit/gcp_test-k8s-nonmatching-resourcename.log",
            &[(GkeLogEntry, 1)],
        ),
        (
            "elastic-integrations-k8s-audit/gcp_test-audit.k8s-subset.log",
            &[(GkeLogEntry, 5)],
        ),
        (
            "falco-k8s-audit-traces/create_configmap_sensitive_values.json",
            &[(Audit, 6)],
        ),
        // Falco's deliberately malformed trace: valid JSON, but not an audit event.
        ("falco-k8s-audit-traces/fal_01_003.json", &[(Json, 1)]),
        ("k9s-testdata/ev.json", &[(KubeEvent, 1)]),
        // Panther's EKS fixtures: 182 carry `p_log_type: Amazon.EKS.Audit`; the 6 that do not
        // follow one that does, so the whole file is an EKS export.
        ("panther-analysis-k8s/amazon_eks_audit.ndjson", &[(EksAudit, 188)]),
        // 57 LogEntries (k8s.io, and stubs of two other services); 2 stubs hold only `operation`.
        (
            "panther-analysis-k8s/gcp_auditlog.ndjson",
            &[(GkeLogEntry, 57), (Json, 2)],
        ),
        // 34 AKS kube-audit/kube-audit-admin records, 6 Azure activity-log records.
        (
            "panther-analysis-k8s/azure_monitoractivity.ndjson",
            &[(AksAudit, 34), (AzureRecord, 6)],
        ),
        (
            "splunk-fluent-plugin-kubernetes-objects/events.json",
            &[(KubeEventWatch, 1)],
        ),
        (
            "troubleshoot-k8s-events/preflight-v1beta2-baseline/default.json",
            &[(KubeEvent, 11)],
        ),
        (
            "troubleshoot-k8s-events/preflight-v1beta2-baseline/kube-system.json",
            &[(KubeEvent, 85)],
        ),
        (
            "troubleshoot-k8s-events/preflight-v1beta3-baseline/default.json",
            &[(KubeEvent, 11)],
        ),
        (
            "troubleshoot-k8s-events/preflight-v1beta3-baseline/kube-system.json",
            &[(KubeEvent, 86)],
        ),
        (
            "troubleshoot-k8s-events/supportbundle-baseline/default.json",
            &[(KubeEvent, 12)],
        ),
        (
            "troubleshoot-k8s-events/supportbundle-baseline/kube-system.json",
            &[(KubeEvent, 85)],
        ),
        (
            "troubleshoot-k8s-events/supportbundle-baseline/run-example-events.json",
            &[(KubeEvent, 5)],
        ),
        (
            "troubleshoot-k8s-events/supportbundle-baseline/run-pod-example-events.json",
            &[(KubeEvent, 5)],
        ),
        (
            "troubleshoot-k8s-events/testdata-support-bundle/default.json",
            &[(KubeEvent, 5)],
        ),
    ]
};

/// The expected shapes and counts of a data file, by its path inside the corpus.
fn expected(rel: &str) -> Option<Counts> {
    if let Some((_, pairs)) = FILES.iter().find(|(path, _)| *path == rel) {
        return Some(counts(pairs));
    }
    if rel.starts_with("falco-k8s-audit-traces/") && rel.ends_with(".json") {
        // One audit event per trace file.
        return Some(counts(&[(Shape::Audit, 1)]));
    }
    if rel.starts_with("troubleshoot-k8s-events/") && rel.ends_with(".json") {
        // The other lists are empty (`items: null` or `[]`).
        return Some(Counts::new());
    }
    None
}

#[test]
fn every_corpus_file_is_detected_and_counted() {
    let root = corpus();
    let mut all = Vec::new();
    files(&root, &mut all);
    assert!(all.len() > 80, "corpus not found at {}", root.display());
    let mut ingest = Ingest::default();
    let mut failures = Vec::new();
    let mut totals = Counts::new();
    for path in &all {
        let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        let (events, stats, warnings) = ingest.collect(&Input::File(path.clone()));
        let mut got = Counts::new();
        for e in &events {
            *got.entry(e.shape).or_default() += 1;
        }
        let want = expected(&rel).unwrap_or_else(|| {
            // Documentation (README.md, index.tsv): one text event per non-blank line.
            let text = std::fs::read_to_string(path).unwrap();
            counts(&[(
                Shape::Text,
                text.lines().filter(|l| !l.trim().is_empty()).count() as u64,
            )])
        });
        if got != want || !warnings.is_empty() || stats.malformed + stats.oversized > 0 {
            failures.push(format!("{rel}: got {got:?}, want {want:?}, warnings {warnings:?}"));
        }
        if expected(&rel).is_some() {
            for (shape, n) in got {
                *totals.entry(shape).or_default() += n;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // corpus.md: about 695 events, about 390 audit records and about 307 Kubernetes Event objects.
    let audit: u64 = [Shape::Audit, Shape::EksAudit, Shape::GkeLogEntry, Shape::AksAudit]
        .iter()
        .map(|s| totals.get(s).copied().unwrap_or(0))
        .sum();
    let kube: u64 = [Shape::KubeEvent, Shape::KubeEventWatch]
        .iter()
        .map(|s| totals.get(s).copied().unwrap_or(0))
        .sum();
    assert_eq!((audit, kube), (51 + 37 + 188 + 3 + 57 + 7 + 36, 305 + 1 + 1));
    assert_eq!(totals.values().sum::<u64>(), 695);
}

//! Whole-run tests: determinism, every format read back by Tripline's ingest, labels, limits, and
//! the background staying under every detection's threshold.

use std::collections::BTreeMap;

use serde_json::Value;
use tripline_ingest::{Collector, Ingest, Shape};

use super::*;
use crate::model::Flavor;

fn run(options: &Options) -> (Vec<u8>, Vec<u8>, Summary) {
    let mut main = Vec::new();
    let mut labels = Vec::new();
    let summary = simulate(
        options,
        Outputs {
            main: &mut main,
            objects: None,
            labels: Some(&mut labels),
        },
    )
    .unwrap();
    (main, labels, summary)
}

fn opts(format: Format, events: u64) -> Options {
    Options {
        seed: 7,
        format,
        limit: Limit::Events(events),
        attacks: Some(2),
        ..Options::default()
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_other_bytes() {
    for format in Format::ALL {
        let a = run(&opts(format, 3000));
        let b = run(&opts(format, 3000));
        assert!(a.0 == b.0 && a.1 == b.1, "{format:?} is not deterministic");
        let c = run(&Options {
            seed: 8,
            ..opts(format, 3000)
        });
        assert_ne!(a.0, c.0, "{format:?}");
    }
}

#[test]
fn every_format_is_read_back_with_its_shape_and_nothing_malformed() {
    for format in Format::ALL {
        let (main, labels, summary) = run(&Options {
            clusters: 2,
            ..opts(format, 5000)
        });
        let mut ingest = Ingest::default();
        let mut sink = Collector::default();
        let stats = ingest.read_bytes("sim", &main, &mut sink);
        assert_eq!(stats.malformed, 0, "{format:?}: {:?}", sink.warnings.first());
        assert_eq!(stats.oversized, 0, "{format:?}");
        assert_eq!(
            stats.events,
            summary.audit_events + summary.object_events,
            "{format:?}: {:?}",
            stats.by_sourcetype
        );
        assert!(summary.audit_events + summary.object_events >= 5000);
        let audit = stats.by_sourcetype.get(format.sourcetype()).copied().unwrap_or(0);
        if format.carries_audit() {
            assert_eq!(audit, summary.audit_events, "{format:?}: {:?}", stats.by_sourcetype);
            assert_eq!(
                stats.by_sourcetype.get("kube:objects:events").copied().unwrap_or(0),
                summary.object_events,
                "{format:?}"
            );
            assert!(summary.object_events > 0, "{format:?}");
        } else {
            assert_eq!(audit, summary.object_events);
            assert_eq!(summary.audit_events, 0);
        }
        let expected_shape = match format {
            Format::Raw | Format::EventList => Shape::Audit,
            Format::Eks => Shape::CloudWatch,
            Format::Gke => Shape::GkeLogEntry,
            Format::Aks => Shape::AksAudit,
            Format::Events => Shape::KubeEvent,
            Format::Sck => Shape::KubeEventWatch,
        };
        assert!(
            stats.by_shape.contains_key(&expected_shape),
            "{format:?}: {:?}",
            stats.by_shape
        );
        if let Some(source) = format.source() {
            assert!(
                sink.events
                    .iter()
                    .filter(|e| e.meta.sourcetype == format.sourcetype())
                    .all(|e| e.meta.source == source)
            );
        }
        if format == Format::Eks {
            assert!(
                sink.events
                    .iter()
                    .any(|e| e.meta.source.as_str().starts_with("/aws/eks/"))
            );
        }
        // Every event has a time; every label is JSON naming its records.
        assert!(sink.events.iter().all(|e| e.time.is_some()), "{format:?}");
        for line in String::from_utf8(labels).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["format"], format.name());
            let ids = v["audit_ids"].as_array().unwrap().len() + v["event_uids"].as_array().unwrap().len();
            assert!(ids > 0, "{line}");
        }
    }
}

#[test]
fn records_are_plausible_audit_events() {
    let (main, _, _) = run(&opts(Format::Raw, 20_000));
    let text = String::from_utf8(main).unwrap();
    let mut verbs = BTreeMap::new();
    let mut anonymous_paths = BTreeMap::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if v["kind"] != "Event" || v["apiVersion"] != "audit.k8s.io/v1" {
            assert!(v["involvedObject"].is_object(), "{line}");
            continue;
        }
        let id = v["auditID"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        assert!(v["requestReceivedTimestamp"].as_str().unwrap().len() == 27);
        assert!(v["stageTimestamp"].as_str().unwrap() >= v["requestReceivedTimestamp"].as_str().unwrap());
        *verbs.entry(v["verb"].as_str().unwrap().to_owned()).or_insert(0u32) += 1;
        if v["user"]["username"] == "system:anonymous" {
            *anonymous_paths
                .entry((
                    v["requestURI"].as_str().unwrap().to_owned(),
                    v["responseStatus"]["code"].as_u64().unwrap(),
                ))
                .or_insert(0u32) += 1;
        }
    }
    for verb in ["get", "list", "watch", "update", "patch", "create"] {
        assert!(verbs.get(verb).copied().unwrap_or(0) > 50, "{verb}: {verbs:?}");
    }
    assert!(anonymous_paths.contains_key(&("/healthz".to_owned(), 200)));
    assert!(anonymous_paths.contains_key(&("/readyz".to_owned(), 200)));
}

#[test]
fn labels_name_the_rules_each_format_should_fire() {
    let rules_of = |format: Format, scenario: Scenario| -> Vec<Vec<String>> {
        let (_, labels, _) = run(&Options {
            scenarios: vec![scenario],
            attacks: Some(6),
            ..opts(format, 20_000)
        });
        String::from_utf8(labels)
            .unwrap()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                v["rules"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["name"].as_str().unwrap().to_owned())
                    .collect()
            })
            .collect()
    };
    for rules in rules_of(Format::Raw, Scenario::ScannerSweep) {
        assert_eq!(rules, [Rule::UnauthenticatedApiSweep.name()]);
    }
    for rules in rules_of(Format::EventList, Scenario::ForbiddenCreate) {
        assert_eq!(rules, [Rule::ForbiddenCreateAttempt.name()]);
    }
    for rules in rules_of(Format::Raw, Scenario::AnonymousAccessAllowed) {
        assert_eq!(rules, [Rule::AnonymousApiAccessAllowed.name()]);
    }
    for rules in rules_of(Format::Eks, Scenario::ScannerSweep) {
        assert!(
            rules.contains(&Rule::EksAnonymousClusterDiscovery.name().to_owned()),
            "{rules:?}"
        );
    }
    for rules in rules_of(Format::Eks, Scenario::AnonymousPodListing) {
        assert_eq!(rules, [Rule::EksAnonymousPodListing.name()]);
    }
    for rules in rules_of(Format::Gke, Scenario::ClusterDiscovery) {
        assert_eq!(rules, [Rule::GkeUnauthenticatedClusterScan.name()]);
    }
    for rules in rules_of(Format::Aks, Scenario::InvalidTokenProbe) {
        assert!(
            rules.contains(&Rule::AksUnauthenticatedClusterScan.name().to_owned()),
            "{rules:?}"
        );
    }
    for format in [Format::Raw, Format::Events, Format::Sck, Format::Gke] {
        for rules in rules_of(format, Scenario::ScannerImagePull) {
            assert_eq!(rules, [Rule::SecurityScannerImagePull.name()]);
        }
        for rules in rules_of(format, Scenario::SuspiciousImagePull) {
            assert_eq!(rules, [Rule::SuspiciousImagePull.name()]);
        }
    }
    // Below the sweep's threshold in raw audit: labelled, with no rule to find it.
    for rules in rules_of(Format::Raw, Scenario::AnonymousPodListing) {
        assert!(rules.is_empty());
    }
}

#[test]
fn background_stays_below_every_threshold() {
    // The background of every platform, grouped as the detections group it, meets no rule.
    for (flavor, formats) in [
        (Flavor::Vanilla, &[Format::Raw, Format::EventList][..]),
        (Flavor::Eks, &[Format::Eks][..]),
        (Flavor::Gke, &[Format::Gke][..]),
        (Flavor::Aks, &[Format::Aks][..]),
    ] {
        let mut rng = Rng::new(11);
        let clusters: Vec<Cluster> = (0..2).map(|i| Cluster::build(i, flavor, "acme.io", &mut rng)).collect();
        let mut bg = Background::new(false);
        let mut req = Req::default();
        let mut by_source: BTreeMap<(usize, String), AuditTally> = BTreeMap::new();
        let mut by_user: BTreeMap<(usize, String, String), AuditTally> = BTreeMap::new();
        let mut objects = ObjectTally::default();
        let mut t = DEFAULT_START;
        for i in 0..200_000 {
            let ci = i % 2;
            t += 5_000_000;
            match bg.step(&mut rng, &clusters[ci], ci, t, &mut req) {
                Out::Audit => {
                    by_source
                        .entry((ci, req.src_ip.clone()))
                        .or_default()
                        .add(&req, &clusters[ci]);
                    by_user
                        .entry((ci, req.src_ip.clone(), clusters[ci].users[req.user].name.clone()))
                        .or_default()
                        .add(&req, &clusters[ci]);
                }
                Out::Objects => {
                    for e in bg.episode.drain(..) {
                        objects.add(&e);
                    }
                }
            }
        }
        for &format in formats {
            for (key, tally) in &by_source {
                assert!(tally.rules(format).is_empty(), "{format:?} {key:?}: {tally:?}");
            }
            for (key, tally) in &by_user {
                assert!(tally.rules(format).is_empty(), "{format:?} {key:?}: {tally:?}");
            }
        }
        assert!(objects.rules().is_empty(), "{flavor:?}: {objects:?}");
    }
}

#[test]
fn object_events_can_go_to_their_own_output() {
    let mut main = Vec::new();
    let mut objects = Vec::new();
    let summary = simulate(
        &opts(Format::Gke, 20_000),
        Outputs {
            main: &mut main,
            objects: Some(&mut objects),
            labels: None,
        },
    )
    .unwrap();
    let main = String::from_utf8(main).unwrap();
    let objects = String::from_utf8(objects).unwrap();
    assert_eq!(main.lines().count() as u64, summary.audit_events);
    assert_eq!(objects.lines().count() as u64, summary.object_events);
    assert!(main.lines().all(|l| l.contains("\"protoPayload\"")));
    assert!(
        objects
            .lines()
            .all(|l| l.starts_with("{\"kind\":\"Event\",\"apiVersion\":\"v1\""))
    );
    assert!(objects.contains("Pulling image"));
}

#[test]
fn a_size_limit_stops_at_the_size() {
    for format in [Format::Raw, Format::Eks, Format::EventList, Format::Sck] {
        let (main, _, summary) = run(&Options {
            limit: Limit::Bytes(2 << 20),
            ..opts(format, 1)
        });
        assert_eq!(summary.bytes, main.len() as u64);
        assert!(main.len() >= 2 << 20, "{format:?}");
        // At most one batch or record, plus the rest of an attack under way, beyond the size.
        assert!(main.len() < (2 << 20) + (400 << 10), "{format:?}: {}", main.len());
    }
}

#[test]
fn event_limits_are_exact_and_time_follows_the_rate() {
    let (main, _, summary) = run(&Options {
        rate: 50.0,
        scenarios: Vec::new(),
        ..opts(Format::Raw, 10_000)
    });
    assert_eq!(summary.audit_events + summary.object_events, 10_000);
    assert_eq!(main.iter().filter(|&&b| b == b'\n').count(), 10_000);
    let span = (summary.last_time - summary.first_time) / NANOS;
    assert!((180..=220).contains(&span), "{span} s for 10,000 records at 50/s");
    assert!(summary.instances.iter().all(|(_, n)| *n == 0));
}

#[test]
fn audit_scenarios_are_skipped_where_there_is_no_audit() {
    let (_, labels, summary) = run(&opts(Format::Events, 5000));
    assert!(summary.skipped.contains(&Scenario::ScannerSweep));
    let labels = String::from_utf8(labels).unwrap();
    assert!(labels.lines().all(|l| l.contains("image-pull")));
    assert_eq!(labels.lines().count(), 4);
}

#[test]
fn bad_options_are_refused() {
    for o in [
        Options {
            rate: 0.0,
            ..Options::default()
        },
        Options {
            clusters: 0,
            ..Options::default()
        },
        Options {
            limit: Limit::Events(0),
            ..Options::default()
        },
    ] {
        let mut out = Vec::new();
        let r = simulate(
            &o,
            Outputs {
                main: &mut out,
                objects: None,
                labels: None,
            },
        );
        assert!(matches!(r, Err(Error::Option { .. })));
    }
}

#[test]
fn sizes() {
    assert_eq!(parse_size("1G"), Ok(1 << 30));
    assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
    assert_eq!(parse_size("100"), Ok(100));
    assert!(parse_size("0").is_err());
    assert!(parse_size("1X").is_err());
}

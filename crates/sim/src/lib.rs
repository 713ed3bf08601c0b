//! Tripline's traffic generator: realistic Kubernetes API server and object-event traffic for one
//! or more simulated clusters, with labelled attack scenarios, in every input format Tripline
//! reads. `tripline simulate` is its command line; `docs/simulate.md` is the user's guide.
//!
//! [`simulate`] takes [`Options`] (seed, [`Format`], [`Scenario`]s, clusters, start time, rate,
//! a [`Limit`]) and [`Outputs`] (the main stream, optionally a separate stream for object
//! events and one for labels) and writes records until the limit, returning a [`Summary`].
//!
//! How it works:
//!
//! - **The model** (`model`): each cluster gets nodes, namespaces, deployments and pods, service
//!   accounts, people, CI bots, operators, load balancers and monitors, named as on its platform
//!   (the format decides: EKS, GKE, AKS or self-managed), all with private addresses.
//! - **The background** (`background`): each record is drawn by weight from the kinds of traffic
//!   a healthy cluster shows (kubelet leases and status, leader election, controllers, watches,
//!   kubectl, CI, health checks, occasional refused reads), or is a pod's object events. It never
//!   meets the conditions of a built-in detection.
//! - **The attacks** (`scenario`): instances are planned at the start, spread over the expected
//!   duration of the run and over the clusters; when an instance's time comes, all its records
//!   are generated and queued, and they come out among the background as time passes.
//! - **Ground truth** ([`Rule`], `truth`): for each instance, the rules whose conditions its
//!   records meet in the chosen format; one JSON line per instance goes to the labels output.
//! - **Writing** (`format`): records are formatted by hand into reused buffers (no serde, no
//!   allocation per background record), batched where the format batches.
//!
//! Determinism: the only source of randomness is a xoshiro256** generator seeded with
//! [`Options::seed`], time advances in integer nanoseconds, and nothing reads the clock or the
//! environment, so the same options give the same bytes on every machine. Any change of option
//! (the format included) gives different traffic.

mod audit;
mod background;
mod format;
mod model;
mod objects;
mod rng;
mod scenario;
mod text;
mod truth;

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::io::{self, Write};

pub use format::Format;
pub use scenario::Scenario;
pub use text::{format_time, parse_time};
pub use truth::Rule;

use crate::audit::Req;
use crate::background::{Background, Out};
use crate::format::Writer;
use crate::model::Cluster;
use crate::rng::Rng;
use crate::scenario::{Gen, Instance, IpPool, Item};
use crate::text::{NANOS, push_escaped, time_string, uuid_string};
use crate::truth::{AuditTally, ObjectTally};

/// When to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// After this many records (audit events plus object events).
    Events(u64),
    /// Once the main output holds this many bytes (uncompressed).
    Bytes(u64),
}

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Seed of the only random generator: the same options give the same bytes.
    pub seed: u64,
    /// Output format.
    pub format: Format,
    /// Attack scenarios to include (empty: background only). Scenarios without records in the
    /// format (audit scenarios in `events`/`sck`) are skipped.
    pub scenarios: Vec<Scenario>,
    /// Number of clusters, 1 to [`MAX_CLUSTERS`].
    pub clusters: usize,
    /// Time of the first record, nanoseconds since the epoch.
    pub start: i64,
    /// Records per second, over all clusters.
    pub rate: f64,
    /// When to stop.
    pub limit: Limit,
    /// Instances of each scenario; `None` picks one per 100,000 expected records (1 to 50).
    pub attacks: Option<u32>,
}

/// The default start time: 2026-11-02T08:00:00Z, so output is reproducible without options.
pub const DEFAULT_START: i64 = 1_793_606_400 * NANOS;
/// The default rate, records per second.
pub const DEFAULT_RATE: f64 = 200.0;
/// The most clusters one run simulates (each gets its own `10.x.0.0/16`).
pub const MAX_CLUSTERS: usize = 64;

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            format: Format::Raw,
            scenarios: Scenario::ALL.to_vec(),
            clusters: 1,
            start: DEFAULT_START,
            rate: DEFAULT_RATE,
            limit: Limit::Events(100_000),
            attacks: None,
        }
    }
}

/// Where records go.
pub struct Outputs<'a> {
    /// The main stream in the chosen format.
    pub main: &'a mut dyn Write,
    /// Object events of audit formats, as core `v1` Events one per line; when `None` they are
    /// written to `main` among the audit records. Ignored for `events` and `sck`.
    pub objects: Option<&'a mut dyn Write>,
    /// Ground truth, one JSON line per attack instance.
    pub labels: Option<&'a mut dyn Write>,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Audit records written.
    pub audit_events: u64,
    /// Object events written (to `main` or `objects`).
    pub object_events: u64,
    /// Bytes written to `main`.
    pub bytes: u64,
    /// Bytes written to `objects`.
    pub object_bytes: u64,
    /// Attack instances generated, per scenario, in [`Scenario::ALL`] order.
    pub instances: Vec<(Scenario, u64)>,
    /// Requested scenarios that have no records in this format.
    pub skipped: Vec<Scenario>,
    /// Time of the first and the last record, nanoseconds since the epoch.
    pub first_time: i64,
    /// See `first_time`.
    pub last_time: i64,
}

/// Why a simulation could not run or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An option is out of range.
    #[error("{option}: {reason}")]
    Option {
        /// The option.
        option: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Writing failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Parse a size: bytes, or a number with a `K`, `M`, `G` or `T` suffix (powers of 1024; `KB`,
/// `KiB` and lower case are accepted too).
///
/// # Errors
/// Not a size, or zero.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, suffix) = t.split_at(digits);
    let n: u64 = number.parse().map_err(|_| format!("`{text}` is not a size"))?;
    let shift = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("`{text}`: the unit must be K, M, G or T")),
    };
    n.checked_mul(1 << shift)
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("`{text}` is not a usable size"))
}

/// A queued record.
struct Pending {
    time: i64,
    seq: u64,
    attack: bool,
    item: Item,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    // Reversed: `BinaryHeap` is a max-heap and the earliest record must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A planned attack instance.
#[derive(Clone, Copy, Debug)]
struct Planned {
    start: i64,
    scenario: Scenario,
    cluster: usize,
}

fn check(options: &Options) -> Result<(), Error> {
    let bad = |option, reason: &str| {
        Err(Error::Option {
            option,
            reason: reason.to_owned(),
        })
    };
    if !(options.rate.is_finite() && options.rate > 0.0 && options.rate <= 1e9) {
        return bad(
            "--rate",
            "must be a number of records per second above 0 and at most 1e9",
        );
    }
    if options.clusters == 0 || options.clusters > MAX_CLUSTERS {
        return bad("--clusters", &format!("must be 1 to {MAX_CLUSTERS}"));
    }
    match options.limit {
        Limit::Events(0) => bad("--events", "must be at least 1"),
        Limit::Bytes(0) => bad("--size", "must be at least 1 byte"),
        _ => Ok(()),
    }
}

/// Generate traffic as `options` say into `outputs`.
///
/// # Errors
/// An option is out of range, or an output could not be written.
#[allow(clippy::too_many_lines)] // the run loop, kept in one piece so its order is visible
pub fn simulate(options: &Options, outputs: Outputs<'_>) -> Result<Summary, Error> {
    check(options)?;
    let format = options.format;
    let Outputs { main, objects, labels } = outputs;
    let mut labels = labels;

    // Separate streams, so that how much one part draws never shifts another.
    let mut root = Rng::new(options.seed);
    let mut model_rng = root.fork();
    let mut plan_rng = root.fork();
    let mut bg_rng = root.fork();
    let mut attack_rng = root.fork();
    let writer_rng = root.fork();

    let company = model::company(&mut model_rng);
    let clusters: Vec<Cluster> = (0..options.clusters)
        .map(|i| Cluster::build(i, format.flavor(), company, &mut model_rng))
        .collect();

    let mut scenarios: Vec<Scenario> = Scenario::ALL
        .into_iter()
        .filter(|s| options.scenarios.contains(s))
        .collect();
    let skipped: Vec<Scenario> = if format.carries_audit() {
        Vec::new()
    } else {
        scenarios.iter().copied().filter(|s| !s.is_object_scenario()).collect()
    };
    scenarios.retain(|s| !skipped.contains(s));

    // Plan: expected records and duration, then instances spread over 4–88 % of it.
    let expected = match options.limit {
        Limit::Events(n) => n,
        Limit::Bytes(b) => (b / format.record_bytes()).max(1),
    };
    let mean_ns = ((1e9 / options.rate).round() as u64).max(1);
    let duration = expected.saturating_mul(mean_ns).min(i64::MAX as u64 / 4) as i64;
    let pace = (duration / (3 * NANOS)).clamp(1, 1000);
    let per_scenario = options
        .attacks
        .map_or_else(|| (expected / 100_000).clamp(1, 50), u64::from);
    let mut plan: Vec<Planned> = Vec::new();
    for (si, &scenario) in scenarios.iter().enumerate() {
        let offset = plan_rng.index(clusters.len());
        for k in 0..per_scenario as usize {
            plan.push(Planned {
                start: 0,
                scenario,
                cluster: (offset + k + si) % clusters.len(),
            });
        }
    }
    plan_rng.shuffle(&mut plan);
    let slots = plan.len() as i64;
    for (i, p) in plan.iter_mut().enumerate() {
        let permille = plan_rng.below(1000) as i64;
        let at = (i as i64 * 1000 + permille) * 840 / (slots.max(1) * 1000) + 40;
        p.start = options.start + (duration / 1000) * at;
    }
    plan.sort_by_key(|p| p.start);

    let mut writer = Writer::new(format, clusters.len(), main, objects, writer_rng);
    let mut background = Background::new(!format.carries_audit());
    background.resource_version = 40_000_000 + bg_rng.below(20_000_000);
    let mut heap: BinaryHeap<Pending> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut req = Req::default();
    let mut ips = IpPool::default();
    let mut next_plan = 0;
    let mut t = options.start;
    let mut instances = vec![0u64; Scenario::ALL.len()];
    let mut label_no = 0u64;
    let mut label_buf: Vec<u8> = Vec::new();
    let mut first_time = None;
    let mut last_time = options.start;
    let emit = |item: &Item, writer: &mut Writer<'_>| -> io::Result<i64> {
        match item {
            Item::Audit(r) => {
                writer.audit(r, &clusters[r.cluster])?;
                Ok(r.completed)
            }
            Item::Object(e) => {
                writer.object(e)?;
                Ok(e.time)
            }
        }
    };
    let done = |writer: &Writer<'_>| match options.limit {
        Limit::Events(n) => writer.audit_records + writer.object_records >= n,
        Limit::Bytes(b) => writer.bytes() >= b,
    };

    while !done(&writer) {
        if heap.peek().is_some_and(|p| p.time <= t) {
            if let Some(p) = heap.pop() {
                let time = emit(&p.item, &mut writer)?;
                first_time.get_or_insert(time);
                last_time = last_time.max(time);
                t += bg_rng.below(2 * mean_ns + 1) as i64;
            }
            continue;
        }
        if next_plan < plan.len() && plan[next_plan].start <= t {
            let p = plan[next_plan];
            next_plan += 1;
            let generator = Gen::new(
                &mut attack_rng,
                &clusters[p.cluster],
                p.cluster,
                &mut ips,
                t,
                pace,
                format.carries_audit(),
                true,
                &mut background.resource_version,
            );
            let instance = generator.run(p.scenario);
            label_no += 1;
            if let Some(out) = labels.as_mut() {
                label_buf.clear();
                write_label(&mut label_buf, label_no, &instance, &clusters, format);
                out.write_all(&label_buf)?;
            }
            if let Some(n) = Scenario::ALL.iter().position(|s| *s == p.scenario) {
                instances[n] += 1;
            }
            for (time, item) in instance.items {
                seq += 1;
                heap.push(Pending {
                    time,
                    seq,
                    attack: true,
                    item,
                });
            }
            continue;
        }
        let ci = bg_rng.index(clusters.len());
        match background.step(&mut bg_rng, &clusters[ci], ci, t, &mut req) {
            Out::Audit => {
                writer.audit(&req, &clusters[ci])?;
                first_time.get_or_insert(req.completed);
                last_time = last_time.max(req.completed);
                t += bg_rng.below(2 * mean_ns + 1) as i64;
            }
            Out::Objects => {
                for e in background.episode.drain(..) {
                    seq += 1;
                    heap.push(Pending {
                        time: e.time,
                        seq,
                        attack: false,
                        item: Item::Object(Box::new(e)),
                    });
                }
            }
        }
    }
    // Attacks under way are completed; queued background is dropped.
    while let Some(p) = heap.pop() {
        if p.attack {
            let time = emit(&p.item, &mut writer)?;
            last_time = last_time.max(time);
        }
    }
    writer.finish()?;
    if let Some(out) = labels.as_mut() {
        out.flush()?;
    }
    Ok(Summary {
        audit_events: writer.audit_records,
        object_events: writer.object_records,
        bytes: writer.main_bytes,
        object_bytes: writer.object_bytes,
        instances: Scenario::ALL.into_iter().zip(instances).collect(),
        skipped,
        first_time: first_time.unwrap_or(options.start),
        last_time,
    })
}

fn push(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(s.as_bytes());
}

fn push_str(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    push_escaped(buf, s.as_bytes());
    buf.push(b'"');
}

/// One label line: the instance, its entity, the rules that must report it, its records.
fn write_label(buf: &mut Vec<u8>, number: u64, inst: &Instance, clusters: &[Cluster], format: Format) {
    let cluster = &clusters[inst.cluster];
    let mut audit = AuditTally::default();
    let mut objects = ObjectTally::default();
    let mut audit_ids: Vec<String> = Vec::new();
    let mut event_uids: Vec<String> = Vec::new();
    for (_, item) in &inst.items {
        match item {
            Item::Audit(r) => {
                audit.add(r, cluster);
                audit_ids.push(uuid_string(&r.audit_id));
            }
            Item::Object(e) => {
                objects.add(e);
                event_uids.push(uuid_string(&e.uid));
            }
        }
    }
    let mut rules = if format.carries_audit() {
        audit.rules(format)
    } else {
        Vec::new()
    };
    rules.extend(objects.rules());
    push(buf, "{\"instance\":");
    text::push_u64(buf, number);
    push(buf, ",\"scenario\":");
    push_str(buf, inst.scenario.name());
    push(buf, ",\"cluster\":");
    push_str(buf, &cluster.name);
    push(buf, ",\"format\":");
    push_str(buf, format.name());
    push(buf, ",\"entity\":{\"field\":");
    push_str(buf, inst.entity.0);
    push(buf, ",\"value\":");
    push_str(buf, &inst.entity.1);
    push(buf, "},\"rules\":[");
    for (i, rule) in rules.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        push(buf, "{\"id\":");
        push_str(buf, rule.id());
        push(buf, ",\"name\":");
        push_str(buf, rule.name());
        buf.push(b'}');
    }
    push(buf, "],\"tool\":");
    push_str(buf, &inst.tool);
    push(buf, ",\"user_agent\":");
    push_str(buf, &inst.user_agent);
    let first = inst.items.first().map_or(0, |(t, _)| *t);
    let last = inst.items.last().map_or(0, |(t, _)| *t);
    push(buf, ",\"first_time\":");
    push_str(buf, &time_string(first));
    push(buf, ",\"last_time\":");
    push_str(buf, &time_string(last));
    for (key, ids) in [("audit_ids", &audit_ids), ("event_uids", &event_uids)] {
        push(buf, ",\"");
        push(buf, key);
        push(buf, "\":[");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            push_str(buf, id);
        }
        buf.push(b']');
    }
    push(buf, "}\n");
}

#[cfg(test)]
mod tests;

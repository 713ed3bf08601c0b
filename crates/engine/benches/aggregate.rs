//! Throughput of `stats` as the pack's detections use it (a count, distinct values, a distinct
//! count and the time span per group) over prepared rows, with few groups (10) and with many
//! (100,000: one per attacker address, as in a sweep from many sources); then the same rows split
//! into four parts aggregated apart and merged (what `tripline hunt` does on several threads),
//! and the merge of four partial states on its own. Last, many groups with the group cap at a tenth
//! of them, so most rows are counted and left out.

use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use tripline_engine::expr::EvalContext;
use tripline_engine::limits::Limits;
use tripline_engine::plan::Plan;
use tripline_engine::row::{Row, TIME};
use tripline_engine::value::Value;

/// Rows per iteration.
const ROWS: usize = 200_000;
/// Parts of a split run, and rows handed to a part at a time (round robin, as the hunt's reader
/// hands out batches).
const PARTS: usize = 4;
const BATCH: usize = 1_000;

const SEARCH: &str = "search * | stats count values(x) as x dc(y) as y_count min(_time) as firstTime \
                      max(_time) as lastTime BY a b";

/// `ROWS` rows in `groups` groups of (`a`, `b`), each group seeing a few user agents (`x`) and
/// request paths (`y`).
fn rows(groups: usize) -> Vec<Row> {
    const AGENTS: [&str; 4] = [
        "python-requests/2.31.0",
        "curl/8.5.0",
        "Go-http-client/1.1",
        "kube-hunter/0.6.8",
    ];
    (0..ROWS)
        .map(|i| {
            let g = i % groups;
            let mut row = Row::with_capacity(5);
            row.push_value("a", &format!("198.{}.{}.{}", g / 65_536 % 256, g / 256 % 256, g % 256));
            row.push_value("b", &format!("cluster-{}", g % 10));
            row.push_value("x", AGENTS[i / groups % AGENTS.len()]);
            row.push_value("y", &format!("/api/v1/namespaces/ns-{}/pods", i % 37));
            row.set(TIME, Value::Num(1_772_359_200.0 + (i % 86_400) as f64));
            row.seq = i as u64;
            row
        })
        .collect()
}

/// `plan`'s partial states over `rows` split into [`PARTS`] parts.
fn partials(plan: &Plan, rows: &[Row], ctx: &EvalContext) -> Vec<Plan> {
    let mut parts: Vec<Plan> = (0..PARTS).map(|_| plan.fresh()).collect();
    let mut out = Vec::new();
    for (i, batch) in rows.chunks(BATCH).enumerate() {
        let part = &mut parts[i % PARTS];
        for row in batch {
            part.push(row.clone(), ctx, &mut out);
        }
    }
    parts
}

/// Merge every part into the first.
fn merge(mut parts: Vec<Plan>) -> Plan {
    let mut first = parts.remove(0);
    for mut part in parts {
        first.merge(&mut part).expect("stats merges");
    }
    first
}

fn bench(c: &mut Criterion) {
    let ctx = EvalContext::default();
    let plan = Plan::compile_text(SEARCH, &ctx).expect("the search compiles");
    let mut group = c.benchmark_group("stats");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(ROWS as u64));
    for groups in [10, 100_000] {
        let rows = rows(groups);
        group.bench_function(format!("one_pass/{groups}_groups"), |b| {
            b.iter_batched(
                || (plan.fresh(), rows.clone(), Vec::new()),
                |(mut plan, rows, mut out)| {
                    for row in rows {
                        plan.push(row, &ctx, &mut out);
                    }
                    plan.finish(&ctx, &mut out);
                    assert_eq!(out.len(), groups);
                    out
                },
                BatchSize::LargeInput,
            );
        });
        group.bench_function(format!("{PARTS}_parts_merged/{groups}_groups"), |b| {
            b.iter_batched(
                || rows.clone(),
                |rows| {
                    let mut parts: Vec<Plan> = (0..PARTS).map(|_| plan.fresh()).collect();
                    let mut out = Vec::new();
                    for (i, row) in rows.into_iter().enumerate() {
                        parts[i / BATCH % PARTS].push(row, &ctx, &mut out);
                    }
                    let mut merged = merge(parts);
                    merged.finish(&ctx, &mut out);
                    assert_eq!(out.len(), groups);
                    out
                },
                BatchSize::LargeInput,
            );
        });
    }
    let capped_ctx = EvalContext {
        limits: Limits::default().with_max_groups(10_000),
        ..EvalContext::default()
    };
    let capped = Plan::compile_text(SEARCH, &capped_ctx).expect("the search compiles");
    let rows = rows(100_000);
    group.bench_function("one_pass/100000_groups_capped_at_10000", |b| {
        b.iter_batched(
            || (capped.fresh(), rows.clone(), Vec::new()),
            |(mut plan, rows, mut out)| {
                for row in rows {
                    plan.push(row, &capped_ctx, &mut out);
                }
                plan.finish(&capped_ctx, &mut out);
                assert_eq!(out.len(), 10_000);
                out
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();

    // The merge alone, with many groups (with few it takes microseconds). The partial states
    // are rebuilt outside the timed part for every iteration.
    let mut group = c.benchmark_group("stats_merge");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(100_000));
    group.bench_function(format!("{PARTS}_parts/100000_groups"), |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                let parts = partials(&plan, &rows, &ctx);
                let start = Instant::now();
                let merged = merge(parts);
                spent += start.elapsed();
                drop(merged);
            }
            spent
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Aggregation results must not depend on how the input is split: running a plan over parts of
//! the data and merging the partial states gives exactly the result of one pass. This is what
//! multi-core hunts and windowed real-time detection rely on.

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

use proptest::prelude::*;
use tripline_engine::expr::EvalContext;
use tripline_engine::plan::Plan;
use tripline_engine::row::Row;
use tripline_engine::value::Value;

/// A generated event: time, a group, a multivalue field, a number and a user agent.
fn event() -> impl Strategy<Value = (u8, u8, Vec<u8>, Option<u8>, u8)> {
    (
        0u8..20,
        0u8..4,
        prop::collection::vec(0u8..5, 0..3),
        prop::option::of(0u8..50),
        0u8..6,
    )
}

fn to_row(i: usize, e: &(u8, u8, Vec<u8>, Option<u8>, u8)) -> Row {
    let mut r = Row::new();
    r.set("_time", Value::Num(f64::from(e.0)));
    r.set("group", Value::str(&format!("g{}", e.1)));
    for v in &e.2 {
        r.push_value("ips{}", &format!("10.0.0.{v}"));
    }
    if let Some(n) = e.3 {
        r.set("bytes", Value::str(&n.to_string()));
    }
    r.set(
        "userAgent",
        Value::str(["curl", "kubectl", "Helm", "kube-hunter", "a", "B"][usize::from(e.4)]),
    );
    r.seq = i as u64;
    r
}

fn render(rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|r| format!("{:?}", r.iter().collect::<Vec<_>>()))
        .collect()
}

fn whole(spl: &str, rows: &[Row]) -> Vec<String> {
    let ctx = EvalContext::default();
    let mut plan = Plan::compile_text(spl, &ctx).unwrap();
    let mut out = Vec::new();
    for r in rows {
        plan.push(r.clone(), &ctx, &mut out);
    }
    plan.finish(&ctx, &mut out);
    render(&out)
}

fn split(spl: &str, rows: &[Row], assignment: &[usize], parts: usize) -> Vec<String> {
    let ctx = EvalContext::default();
    let first = Plan::compile_text(spl, &ctx).unwrap();
    let mut plans: Vec<Plan> = (0..parts).map(|_| first.fresh()).collect();
    let mut out = Vec::new();
    for (r, &part) in rows.iter().zip(assignment) {
        plans[part % parts].push(r.clone(), &ctx, &mut out);
    }
    let mut merged = plans.remove(0);
    for mut p in plans {
        merged.merge(&mut p).unwrap();
    }
    merged.finish(&ctx, &mut out);
    render(&out)
}

/// The plan cut at [`Plan::row_local_len`]: every row through the first part, the kept output
/// of the rows `keep` selects through the second (what a sliding window replays).
fn prefix_then_rest(spl: &str, rows: &[Row], keep: &[bool]) -> Vec<String> {
    let ctx = EvalContext::default();
    let plan = Plan::compile_text(spl, &ctx).unwrap();
    let (mut prefix, rest) = plan.split_at(plan.row_local_len());
    let mut kept = Vec::new();
    for (r, &k) in rows.iter().zip(keep) {
        let mut out = Vec::new();
        prefix.push(r.clone(), &ctx, &mut out);
        if k {
            kept.extend(out);
        }
    }
    let mut rest = rest.fresh();
    let mut out = Vec::new();
    for r in kept {
        rest.push(r, &ctx, &mut out);
    }
    rest.finish(&ctx, &mut out);
    render(&out)
}

const SEARCHES: &[&str] = &[
    "search * | stats count BY group",
    "search * | stats count dc(userAgent) as dc values(userAgent) as uas list(userAgent) as l BY ips{}",
    "search * | stats min(bytes) max(bytes) sum(bytes) avg(bytes) stdev(bytes) range(bytes) median(bytes) perc90(bytes) mode(userAgent) BY group",
    "search * | stats first(userAgent) as f last(userAgent) as l earliest(bytes) as e latest(bytes) as la count(ips{}) as n",
    "search * | stats count BY group ips{}",
    "search userAgent!=Helm | fillnull | stats count BY group bytes",
    "search * | eventstats count values(userAgent) as uas BY group",
    "search * | eventstats max(bytes) as most",
    "search * | dedup group",
    "search * | dedup 2 ips{} keepempty=true",
    "search * | stats count BY group | dedup count",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn aggregation_does_not_depend_on_the_split(
        events in prop::collection::vec(event(), 0..60),
        assignment in prop::collection::vec(0usize..8, 60),
        parts in 1usize..5,
    ) {
        let rows: Vec<Row> = events.iter().enumerate().map(|(i, e)| to_row(i, e)).collect();
        for spl in SEARCHES {
            prop_assert_eq!(whole(spl, &rows), split(spl, &rows, &assignment, parts), "{}", spl);
        }
    }

    #[test]
    fn the_row_local_prefix_and_the_rest_run_the_plan(
        events in prop::collection::vec(event(), 0..60),
        keep in prop::collection::vec(any::<bool>(), 60),
    ) {
        let rows: Vec<Row> = events.iter().enumerate().map(|(i, e)| to_row(i, e)).collect();
        let kept: Vec<Row> = rows.iter().zip(&keep).filter(|(_, k)| **k).map(|(r, _)| r.clone()).collect();
        let searches = SEARCHES.iter().copied().chain([
            "search * | eval n=bytes*2 | where n>10 | mvexpand ips{} | stats count BY ips{}",
            "search userAgent!=Helm | rename group AS g | head 3",
            "search * | table _time group userAgent | sort - userAgent | tail 2",
            "search * | streamstats count BY group",
            "search * | eval x=1",
        ]);
        for spl in searches {
            prop_assert_eq!(whole(spl, &kept), prefix_then_rest(spl, &rows, &keep), "{}", spl);
        }
    }

    #[test]
    fn aggregation_does_not_depend_on_arrival_order(
        events in prop::collection::vec(event(), 0..40),
        seed in any::<u64>(),
    ) {
        // The same events (same seq numbers) arriving in another order give the same result.
        let rows: Vec<Row> = events.iter().enumerate().map(|(i, e)| to_row(i, e)).collect();
        let mut shuffled = rows.clone();
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        for spl in SEARCHES {
            prop_assert_eq!(whole(spl, &rows), whole(spl, &shuffled), "{}", spl);
        }
    }
}

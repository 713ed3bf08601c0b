//! Aggregation functions of `stats`, `eventstats` and friends, with mergeable state.
//!
//! Every state can absorb another state built from other rows ([`AggState::merge`]), and the
//! result does not depend on how the rows were split or in which order they arrived: `first`,
//! `last` and `list` follow each row's `_time` (newest first, as Splunk's search order) and arrival
//! number, not the order rows happen to reach the state. That is what lets hunts run on several
//! cores and windows combine panes.
//!
//! Memory per state is bounded: distinct-value sets keep at most [`MAX_DISTINCT`] values and
//! exact percentiles at most [`MAX_SAMPLES`] samples, so attacker-chosen values (user agents,
//! URIs) cannot grow one group without limit.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use crate::value::{Text, Value, compare_mixed, parse_number};

/// Most distinct values `values`/`dc`/`mode` keep per group; beyond it new values are ignored
/// (and `dc` becomes a lower bound).
pub const MAX_DISTINCT: usize = 100_000;
/// Most samples `median`/`perc` keep per group.
pub const MAX_SAMPLES: usize = 1_000_000;
/// `list` keeps the first 100 values in search order ([DOC] limits.conf `list_maxsize`).
pub const LIST_MAX: usize = 100;

/// An aggregation function.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AggFn {
    /// `count` (events) or `count(x)` (values of x).
    Count,
    /// `dc(x)` / `distinct_count(x)` / `estdc(x)`.
    DistinctCount,
    /// `values(x)`: distinct values, sorted lexicographically.
    Values,
    /// `list(x)`: values in search order, duplicates kept.
    List,
    /// `min(x)`.
    Min,
    /// `max(x)`.
    Max,
    /// `sum(x)`.
    Sum,
    /// `sumsq(x)`.
    SumSq,
    /// `avg(x)` / `mean(x)`.
    Avg,
    /// `stdev(x)` (sample).
    Stdev,
    /// `stdevp(x)` (population).
    StdevP,
    /// `var(x)` (sample).
    Var,
    /// `varp(x)` (population).
    VarP,
    /// `range(x)`: max minus min.
    Range,
    /// `median(x)`.
    Median,
    /// `perc<N>(x)`, `p<N>(x)`, `exactperc<N>(x)`: interpolated percentile.
    Perc(f64),
    /// `upperperc<N>(x)`: the value at the upper rank.
    UpperPerc(f64),
    /// `mode(x)`: the most frequent value.
    Mode,
    /// `first(x)`: the value of the newest event.
    First,
    /// `last(x)`: the value of the oldest event.
    Last,
    /// `earliest(x)`: the value with the smallest `_time`.
    Earliest,
    /// `latest(x)`: the value with the largest `_time`.
    Latest,
    /// `earliest_time(x)`: the smallest `_time` of events with x.
    EarliestTime,
    /// `latest_time(x)`: the largest `_time` of events with x.
    LatestTime,
}

impl AggFn {
    /// The function for a (case-insensitive) name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<AggFn> {
        let lower = name.to_ascii_lowercase();
        Some(match lower.as_str() {
            "count" | "c" => AggFn::Count,
            "dc" | "distinct_count" | "estdc" => AggFn::DistinctCount,
            "values" => AggFn::Values,
            "list" => AggFn::List,
            "min" => AggFn::Min,
            "max" => AggFn::Max,
            "sum" => AggFn::Sum,
            "sumsq" => AggFn::SumSq,
            "avg" | "mean" => AggFn::Avg,
            "stdev" => AggFn::Stdev,
            "stdevp" => AggFn::StdevP,
            "var" => AggFn::Var,
            "varp" => AggFn::VarP,
            "range" => AggFn::Range,
            "median" => AggFn::Median,
            "mode" => AggFn::Mode,
            "first" => AggFn::First,
            "last" => AggFn::Last,
            "earliest" => AggFn::Earliest,
            "latest" => AggFn::Latest,
            "earliest_time" => AggFn::EarliestTime,
            "latest_time" => AggFn::LatestTime,
            other => {
                let p = tripline_spl::functions::percentile(other)?;
                if other.starts_with("upperperc") {
                    AggFn::UpperPerc(p)
                } else {
                    AggFn::Perc(p)
                }
            }
        })
    }
}

/// Search order: newest first, then earliest arrival.
fn search_order(a: (f64, u64), b: (f64, u64)) -> Ordering {
    b.0.partial_cmp(&a.0).unwrap_or(Ordering::Equal).then(a.1.cmp(&b.1))
}

/// The running state of one aggregation in one group.
#[derive(Clone, Debug, PartialEq)]
pub enum AggState {
    /// Number of events or values.
    Count(u64),
    /// Distinct values (for `dc`, `values`).
    Distinct(BTreeSet<Text>),
    /// Up to [`LIST_MAX`] values in search order.
    List(Vec<(f64, u64, Text)>),
    /// The smallest or largest value in Splunk's mixed order.
    Extreme(Option<Value>),
    /// Count, sum and sum of squares of numeric values, for sum/avg/var/stdev.
    Moments {
        /// Numeric values seen.
        n: u64,
        /// Their sum.
        sum: f64,
        /// Their sum of squares.
        sumsq: f64,
    },
    /// Numeric min and max, for `range`.
    Range(Option<(f64, f64)>),
    /// Numeric samples, for median and percentiles.
    Samples(Vec<f64>),
    /// Value frequencies, for `mode`, with the first arrival of each value to break ties.
    Freq(HashMap<Text, (u64, u64)>),
    /// The best value so far by time (first/last/earliest/latest).
    Pick(Option<Box<(f64, u64, Value)>>),
}

impl AggState {
    /// The empty state for `f`.
    #[must_use]
    pub fn new(f: AggFn) -> AggState {
        match f {
            AggFn::Count => AggState::Count(0),
            AggFn::DistinctCount | AggFn::Values => AggState::Distinct(BTreeSet::new()),
            AggFn::List => AggState::List(Vec::new()),
            AggFn::Min | AggFn::Max => AggState::Extreme(None),
            AggFn::Sum | AggFn::SumSq | AggFn::Avg | AggFn::Stdev | AggFn::StdevP | AggFn::Var | AggFn::VarP => {
                AggState::Moments {
                    n: 0,
                    sum: 0.0,
                    sumsq: 0.0,
                }
            }
            AggFn::Range => AggState::Range(None),
            AggFn::Median | AggFn::Perc(_) | AggFn::UpperPerc(_) => AggState::Samples(Vec::new()),
            AggFn::Mode => AggState::Freq(HashMap::new()),
            AggFn::First | AggFn::Last | AggFn::Earliest | AggFn::Latest | AggFn::EarliestTime | AggFn::LatestTime => {
                AggState::Pick(None)
            }
        }
    }

    /// Absorb one row's input. `input` is the row's value of the aggregated field (`None` when
    /// it is null); `count` without a field passes `Some(Value::Num(1))`-like input via
    /// [`AggState::add_event`] instead.
    pub fn add(&mut self, f: AggFn, input: Option<&Value>, time: f64, seq: u64) {
        let Some(v) = input else { return };
        match self {
            AggState::Count(n) => *n += v.count() as u64,
            AggState::Distinct(set) => v.for_each_text(|s| {
                if set.len() < MAX_DISTINCT && !set.contains(s) {
                    set.insert(Text::from(s));
                }
            }),
            AggState::List(list) => {
                v.for_each_text(|s| list.push((time, seq, Text::from(s))));
                trim_list(list);
            }
            AggState::Extreme(best) => {
                let want = if f == AggFn::Min {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                v.for_each_text(|s| {
                    let better = match best {
                        None => true,
                        Some(b) => compare_mixed(s, &b.to_text()) == want,
                    };
                    if better {
                        *best = Some(match v {
                            Value::Num(n) => Value::Num(*n),
                            _ => Value::str(s),
                        });
                    }
                });
            }
            AggState::Moments { n, sum, sumsq } => v.for_each_text(|s| {
                if let Some(x) = number_of(v, s) {
                    *n += 1;
                    *sum += x;
                    *sumsq += x * x;
                }
            }),
            AggState::Range(r) => v.for_each_text(|s| {
                if let Some(x) = number_of(v, s) {
                    *r = Some(match *r {
                        None => (x, x),
                        Some((lo, hi)) => (lo.min(x), hi.max(x)),
                    });
                }
            }),
            AggState::Samples(samples) => v.for_each_text(|s| {
                if samples.len() < MAX_SAMPLES
                    && let Some(x) = number_of(v, s)
                {
                    samples.push(x);
                }
            }),
            AggState::Freq(map) => v.for_each_text(|s| {
                if let Some(e) = map.get_mut(s) {
                    e.0 += 1;
                    e.1 = e.1.min(seq);
                } else if map.len() < MAX_DISTINCT {
                    map.insert(Text::from(s), (1, seq));
                }
            }),
            AggState::Pick(best) => {
                let value = match f {
                    AggFn::EarliestTime | AggFn::LatestTime => Value::Num(time),
                    _ => v.clone(),
                };
                let candidate = (time, seq);
                let better = match best.as_deref() {
                    None => true,
                    Some(&(t, s, _)) => pick_better(f, candidate, (t, s)),
                };
                if better {
                    *best = Some(Box::new((time, seq, value)));
                }
            }
        }
    }

    /// Count one event (`count` with no field).
    pub fn add_event(&mut self) {
        if let AggState::Count(n) = self {
            *n += 1;
        }
    }

    /// Fold `other` (the same function over other rows) into this state.
    pub fn merge(&mut self, f: AggFn, other: AggState) {
        match (self, other) {
            (AggState::Count(a), AggState::Count(b)) => *a += b,
            (AggState::Distinct(a), AggState::Distinct(b)) => {
                for v in b {
                    if a.len() >= MAX_DISTINCT {
                        break;
                    }
                    a.insert(v);
                }
            }
            (AggState::List(a), AggState::List(b)) => {
                a.extend(b);
                trim_list(a);
            }
            (AggState::Extreme(a), AggState::Extreme(Some(bv))) => {
                let want = if f == AggFn::Min {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
                let better = match a {
                    None => true,
                    Some(av) => compare_mixed(&bv.to_text(), &av.to_text()) == want,
                };
                if better {
                    *a = Some(bv);
                }
            }
            (
                AggState::Moments { n, sum, sumsq },
                AggState::Moments {
                    n: n2,
                    sum: s2,
                    sumsq: q2,
                },
            ) => {
                *n += n2;
                *sum += s2;
                *sumsq += q2;
            }
            (AggState::Range(a), AggState::Range(Some((lo2, hi2)))) => {
                *a = Some(match *a {
                    None => (lo2, hi2),
                    Some((lo, hi)) => (lo.min(lo2), hi.max(hi2)),
                });
            }
            (AggState::Samples(a), AggState::Samples(b)) => {
                let room = MAX_SAMPLES.saturating_sub(a.len());
                a.extend(b.into_iter().take(room));
            }
            (AggState::Freq(a), AggState::Freq(b)) => {
                for (k, (c, first)) in b {
                    if let Some(e) = a.get_mut(&k) {
                        e.0 += c;
                        e.1 = e.1.min(first);
                    } else if a.len() < MAX_DISTINCT {
                        a.insert(k, (c, first));
                    }
                }
            }
            (AggState::Pick(a), AggState::Pick(Some(bv))) => {
                let better = match a.as_deref() {
                    None => true,
                    Some(&(t, s, _)) => pick_better(f, (bv.0, bv.1), (t, s)),
                };
                if better {
                    *a = Some(bv);
                }
            }
            _ => {}
        }
    }

    /// The aggregate's value (`None`: null, e.g. `avg` of no numbers).
    #[must_use]
    pub fn result(&self, f: AggFn) -> Option<Value> {
        match self {
            AggState::Count(n) => Some(Value::Num(*n as f64)),
            AggState::Distinct(set) => match f {
                AggFn::DistinctCount => Some(Value::Num(set.len() as f64)),
                _ if set.is_empty() => None,
                // BTreeSet order is byte order: "10, 100, 70, 9"; uppercase before lowercase.
                _ => Some(Value::multi(set.iter().cloned().collect())),
            },
            AggState::List(list) => {
                (!list.is_empty()).then(|| Value::multi(list.iter().map(|(_, _, s)| s.clone()).collect()))
            }
            AggState::Extreme(v) => v.clone(),
            AggState::Moments { n, sum, sumsq } => {
                let n = *n as f64;
                match f {
                    AggFn::Sum => (n > 0.0).then_some(Value::Num(*sum)),
                    AggFn::SumSq => (n > 0.0).then_some(Value::Num(*sumsq)),
                    AggFn::Avg => (n > 0.0).then(|| Value::Num(sum / n)),
                    AggFn::Var | AggFn::Stdev => (n > 1.0).then(|| {
                        let var = ((sumsq - sum * sum / n) / (n - 1.0)).max(0.0);
                        Value::Num(if f == AggFn::Var { var } else { var.sqrt() })
                    }),
                    AggFn::VarP | AggFn::StdevP => (n > 0.0).then(|| {
                        let var = ((sumsq - sum * sum / n) / n).max(0.0);
                        Value::Num(if f == AggFn::VarP { var } else { var.sqrt() })
                    }),
                    _ => None,
                }
            }
            AggState::Range(r) => r.map(|(lo, hi)| Value::Num(hi - lo)),
            AggState::Samples(samples) => {
                if samples.is_empty() {
                    return None;
                }
                let mut sorted = samples.clone();
                sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
                let n = sorted.len();
                Some(Value::Num(match f {
                    // With an even count, the higher of the two middle values.
                    AggFn::Median => sorted[n / 2],
                    AggFn::UpperPerc(p) => sorted[((p / 100.0 * n as f64).ceil() as usize).clamp(1, n) - 1],
                    AggFn::Perc(p) => {
                        let rank = p / 100.0 * (n - 1) as f64;
                        let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
                        sorted[lo] + (sorted[hi.min(n - 1)] - sorted[lo]) * (rank - rank.floor())
                    }
                    _ => return None,
                }))
            }
            AggState::Freq(map) => map
                .iter()
                .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
                .map(|(k, _)| Value::Str(k.clone())),
            AggState::Pick(best) => best.as_ref().map(|b| b.2.clone()),
        }
    }
}

/// Whether `candidate` (time, seq) should replace `current` for a time-based pick.
fn pick_better(f: AggFn, candidate: (f64, u64), current: (f64, u64)) -> bool {
    match f {
        // first: earliest in search order (newest); latest: largest time.
        AggFn::First | AggFn::Latest | AggFn::LatestTime => search_order(candidate, current) == Ordering::Less,
        // last: latest in search order (oldest); earliest: smallest time.
        _ => search_order(candidate, current) == Ordering::Greater,
    }
}

fn trim_list(list: &mut Vec<(f64, u64, Text)>) {
    list.sort_by(|a, b| search_order((a.0, a.1), (b.0, b.1)));
    list.truncate(LIST_MAX);
}

/// The number in one value's text; a computed number is used directly.
fn number_of(v: &Value, s: &str) -> Option<f64> {
    match v {
        Value::Num(n) => Some(*n),
        _ => parse_number(s),
    }
}

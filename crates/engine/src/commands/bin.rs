//! `bin` (alias `bucket`) `[span=S] [bins=N] [minspan=S] [start=x] [end=x] [aligntime=t] field
//! [AS new]`: put numeric values into discrete bins.
//!
//! Semantics:
//! - Time binning applies to `_time`, and to any field when the span has a time unit (`span=1h`
//!   on `firstTime`). The value becomes the start of its bin, as epoch seconds:
//!   - spans in seconds, minutes, hours and sub-seconds (`ms`, `us`, `cs`, `ds`) are multiples of
//!     the span on the wall clock of the `EvalContext`'s time zone (UTC by default), so `span=1h`
//!     starts bins on the hour [INFER for zones with offsets that are not whole hours];
//!   - `d` floors to local midnight, N days counted from 1970-01-01; `w` is 7 days counted the
//!     same way, so weekly bins start on a Thursday (the epoch's weekday), as in Splunk [INFER];
//!   - `mon`, `q` (3 months) and `y` (12 months) floor to the first of the month at local
//!     midnight, N months counted from January 1970.
//!   - `aligntime=<time>` (a relative time such as `@d+3h`, applied to the search's `now`, or
//!     epoch seconds) aligns sub-day spans to that instant instead ([DOC] "Align the bin times to
//!     something other than base UTC time (epoch 0) ... Ignored if span is in days, months, or
//!     years"). `aligntime=earliest|latest` needs the search's time range and is not supported.
//! - Other fields with a plain number span (`span=10`) bin numerically: the value becomes the
//!   range `lo-hi` of its bin (`20-30`, with `lo` a multiple of the span), as Splunk displays
//!   numeric bins [INFER from Splunk-compatible implementations; the Search Reference shows no
//!   output]. `span=log10` is not supported.
//! - Without `span`, the span is chosen from the data, so `bin` must see every result first:
//!   `bins` (default 100) is the most bins allowed over the range of the values, widened by
//!   `start`/`end` ([DOC] "The start and end arguments are used when a span value is not
//!   specified"). For time the span is the smallest of 1s, 5s, 10s, 30s, 1m, 5m, 10m, 30m, 1h, 1d,
//!   1mon, 1y that is at least `minspan` and gives at most `bins` bins (the thresholds the
//!   Search Reference lists for `minspan`); for numbers it is the smallest power of ten that does
//!   [INFER].
//! - A value that is not a number is left as it is (with `AS`, copied unchanged); a multivalue
//!   bins each value; a result without the field passes through unchanged.
//!
//! Examples (run as tests below):
//! - `bin _time span=1h`
//! - `bucket span=1d _time AS day`
//! - `bin span=100 bytes AS size`
//! - `bin bytes bins=10`
//! - `bin span=2h aligntime=@d+3h _time`

use std::any::Any;

use jiff::tz::TimeZone;
use jiff::{Span as JSpan, Timestamp};
use tripline_spl::ast::{BinCommand, OptionArg};
use tripline_spl::timespec::TimeSpec;

use super::sort::count_option;
use super::{Operator, option};
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::{Row, TIME};
use crate::time::relative_time;
use crate::value::{Text, Value, format_number, parse_number};

/// Bins allowed when neither `span` nor `bins` is given ([DOC] limits.conf `[discretize]`).
const DEFAULT_BINS: u64 = 100;

const DAY: f64 = 86_400.0;

/// A bin width.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Width {
    /// A fixed width: seconds for time, units for numbers.
    Fixed(f64),
    /// Calendar days in the time zone.
    Days(i64),
    /// Calendar months in the time zone.
    Months(i64),
}

impl Width {
    /// Roughly how many seconds, to count bins when choosing a span.
    fn approx_seconds(self) -> f64 {
        match self {
            Width::Fixed(s) => s,
            Width::Days(n) => n as f64 * DAY,
            Width::Months(n) => n as f64 * 30.0 * DAY,
        }
    }
}

/// The automatic time spans, smallest first.
const TIME_SPANS: [Width; 12] = [
    Width::Fixed(1.0),
    Width::Fixed(5.0),
    Width::Fixed(10.0),
    Width::Fixed(30.0),
    Width::Fixed(60.0),
    Width::Fixed(300.0),
    Width::Fixed(600.0),
    Width::Fixed(1800.0),
    Width::Fixed(3600.0),
    Width::Days(1),
    Width::Months(1),
    Width::Months(12),
];

/// A parsed span: its width and whether it named a time unit.
#[derive(Clone, Copy, Debug)]
struct ParsedSpan {
    width: Width,
    time_unit: bool,
}

fn parse_span(text: &str) -> Result<ParsedSpan, String> {
    let digits = text.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
    let (number, unit) = text.split_at(digits);
    let n: f64 = if number.is_empty() {
        1.0
    } else {
        number.parse().map_err(|_| format!("`{text}` is not a valid span"))?
    };
    if n <= 0.0 || !n.is_finite() {
        return Err(format!("the span `{text}` must be positive"));
    }
    let whole = (n.fract() == 0.0).then_some(n as i64);
    let width = match unit {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => Width::Fixed(n),
        "m" | "min" | "mins" | "minute" | "minutes" => Width::Fixed(n * 60.0),
        "h" | "hr" | "hrs" | "hour" | "hours" => Width::Fixed(n * 3600.0),
        "d" | "day" | "days" => whole.map_or(Width::Fixed(n * DAY), Width::Days),
        "w" | "week" | "weeks" => whole.map_or(Width::Fixed(n * 7.0 * DAY), |w| Width::Days(w * 7)),
        "mon" | "month" | "months" => Width::Months(whole.ok_or("a span in months must be whole")?),
        "q" | "qtr" | "qtrs" | "quarter" | "quarters" => {
            Width::Months(whole.ok_or("a span in quarters must be whole")? * 3)
        }
        "y" | "yr" | "yrs" | "year" | "years" => Width::Months(whole.ok_or("a span in years must be whole")? * 12),
        "ms" => Width::Fixed(n / 1e3),
        "us" => Width::Fixed(n / 1e6),
        "cs" => Width::Fixed(n / 1e2),
        "ds" => Width::Fixed(n / 1e1),
        _ => return Err(format!("`{text}` is not a valid span (log spans are not supported)")),
    };
    Ok(ParsedSpan {
        width,
        time_unit: !unit.is_empty(),
    })
}

#[derive(Clone, Debug)]
enum Mode {
    Span(Width),
    Auto {
        bins: u64,
        minspan: Option<Width>,
        start: Option<f64>,
        end: Option<f64>,
    },
}

/// The compiled `bin` command.
#[derive(Clone, Debug)]
pub(crate) struct Bin {
    field: Text,
    output: Text,
    time: bool,
    mode: Mode,
    align: Option<TimeSpec>,
    /// Automatic span: the results, held until the range is known.
    held: Vec<Row>,
}

fn span_option(options: &[OptionArg], name: &str) -> Result<Option<ParsedSpan>, CompileError> {
    option(options, name)
        .map(|o| parse_span(&o.value.value).map_err(|m| CompileError::new(o.value.span, m)))
        .transpose()
}

fn number_option(options: &[OptionArg], name: &str) -> Result<Option<f64>, CompileError> {
    option(options, name)
        .map(|o| {
            parse_number(&o.value.value)
                .ok_or_else(|| CompileError::new(o.value.span, format!("`{}` must be a number", o.name.name)))
        })
        .transpose()
}

pub(crate) fn compile(b: &BinCommand) -> Result<Box<dyn Operator>, CompileError> {
    if b.field.is_wildcard() {
        return Err(CompileError::new(
            b.field.span,
            "bin takes one field, without wildcards",
        ));
    }
    let field = Text::from(b.field.name.as_str());
    let output = b
        .alias
        .as_ref()
        .map_or_else(|| field.clone(), |a| Text::from(a.name.as_str()));
    let span = span_option(&b.options, "span")?;
    let minspan = span_option(&b.options, "minspan")?;
    let is_time_field = field == TIME;
    let (mode, time) = match span {
        Some(s) => (Mode::Span(s.width), is_time_field || s.time_unit),
        None => {
            let bins = count_option(&b.options, "bins")?.unwrap_or(DEFAULT_BINS);
            if bins < 2
                && let Some(o) = option(&b.options, "bins")
            {
                return Err(CompileError::new(o.value.span, "`bins` must be at least 2"));
            }
            (
                Mode::Auto {
                    bins,
                    minspan: minspan.map(|m| m.width),
                    start: number_option(&b.options, "start")?,
                    end: number_option(&b.options, "end")?,
                },
                is_time_field || minspan.is_some_and(|m| m.time_unit),
            )
        }
    };
    let align = match option(&b.options, "aligntime") {
        None => None,
        Some(o) => {
            let v = o.value.value.as_str();
            if v.eq_ignore_ascii_case("earliest") || v.eq_ignore_ascii_case("latest") {
                return Err(CompileError::new(
                    o.value.span,
                    "aligntime=earliest/latest is not supported; give a time such as @d or an epoch",
                ));
            }
            Some(TimeSpec::parse(v).map_err(|m| CompileError::new(o.value.span, m))?)
        }
    };
    Ok(Box::new(Bin {
        field,
        output,
        time,
        mode,
        align,
        held: Vec::new(),
    }))
}

fn offset_at(t: f64, tz: &TimeZone) -> f64 {
    Timestamp::from_second(t.floor() as i64).map_or(0.0, |ts| f64::from(tz.to_offset(ts).seconds()))
}

/// Local midnight starting `day` days after 1970-01-01, as epoch seconds.
fn start_of_day(day: i64, tz: &TimeZone) -> Option<f64> {
    let date = jiff::civil::date(1970, 1, 1)
        .checked_add(JSpan::new().try_days(day).ok()?)
        .ok()?;
    let z = date.to_zoned(tz.clone()).ok()?;
    Some(z.timestamp().as_second() as f64)
}

/// The start of the time bin holding `t`.
fn floor_time(t: f64, width: Width, align: Option<f64>, tz: &TimeZone) -> Option<f64> {
    if !t.is_finite() {
        return None;
    }
    match width {
        Width::Fixed(s) => Some(match align {
            Some(a) => a + ((t - a) / s).floor() * s,
            None => {
                let off = offset_at(t, tz);
                ((t + off) / s).floor() * s - off
            }
        }),
        Width::Days(n) => {
            let day = ((t + offset_at(t, tz)) / DAY).floor() as i64;
            start_of_day(day - day.rem_euclid(n), tz)
        }
        Width::Months(n) => {
            let z = Timestamp::from_second(t.floor() as i64).ok()?.to_zoned(tz.clone());
            let index = (i64::from(z.year()) - 1970) * 12 + i64::from(z.month()) - 1;
            let first = index - index.rem_euclid(n);
            let year = i16::try_from(1970 + first.div_euclid(12)).ok()?;
            let month = i8::try_from(first.rem_euclid(12) + 1).ok()?;
            let start = jiff::civil::date(year, month, 1).to_zoned(tz.clone()).ok()?;
            Some(start.timestamp().as_second() as f64)
        }
    }
}

fn numeric_range(v: f64, width: f64) -> Text {
    let lo = (v / width).floor() * width;
    let mut out = format_number(lo);
    out.push('-');
    out.push_str(&format_number(lo + width));
    out
}

/// Bins needed to cover `[lo, hi]` with `width`.
fn bins_needed(lo: f64, hi: f64, width: f64) -> f64 {
    (hi / width).floor() - (lo / width).floor() + 1.0
}

fn choose_time_span(lo: f64, hi: f64, bins: u64, minspan: Option<Width>) -> Width {
    let min = minspan.map_or(0.0, Width::approx_seconds);
    TIME_SPANS
        .iter()
        .copied()
        .filter(|w| w.approx_seconds() >= min)
        .find(|w| bins_needed(lo, hi, w.approx_seconds()) <= bins as f64)
        .unwrap_or(Width::Months(12))
}

fn choose_numeric_span(lo: f64, hi: f64, bins: u64, minspan: Option<Width>) -> f64 {
    let min = minspan.map_or(0.0, Width::approx_seconds);
    let range = (hi - lo).abs();
    let mut k = if range > 0.0 {
        (range / bins as f64).log10().floor() as i32 - 1
    } else {
        0
    };
    if min > 0.0 {
        k = k.max(min.log10().ceil() as i32);
    }
    for _ in 0..700 {
        let width = 10f64.powi(k);
        if width >= min && bins_needed(lo, hi, width) <= bins as f64 {
            return width;
        }
        k += 1;
    }
    10f64.powi(k)
}

impl Bin {
    fn align_epoch(&self, ctx: &EvalContext) -> Option<f64> {
        self.align
            .as_ref()
            .and_then(|spec| relative_time(ctx.now, spec, &ctx.tz))
    }

    /// Bin one value's text; `None` when it is not a number.
    fn bin_text(&self, text: &str, num: Option<f64>, width: Width, align: Option<f64>, tz: &TimeZone) -> Option<Text> {
        let v = num.or_else(|| parse_number(text))?;
        if self.time {
            floor_time(v, width, align, tz).map(format_number)
        } else {
            Some(numeric_range(v, width.approx_seconds()))
        }
    }

    fn apply(&self, row: &mut Row, width: Width, align: Option<f64>, tz: &TimeZone) {
        let Some(v) = row.get(&self.field) else { return };
        let binned = match v {
            Value::Multi(values) => Value::Multi(
                values
                    .iter()
                    .map(|s| self.bin_text(s, None, width, align, tz).unwrap_or_else(|| s.clone()))
                    .collect(),
            ),
            Value::Num(n) if self.time => match floor_time(*n, width, align, tz) {
                Some(t) => Value::Num(t),
                None => v.clone(),
            },
            other => {
                let text = other.to_text();
                match self.bin_text(&text, other.as_number(), width, align, tz) {
                    Some(b) if self.time => Value::Num(parse_number(&b).unwrap_or_default()),
                    Some(b) => Value::Str(b),
                    None => other.clone(),
                }
            }
        };
        row.set(&self.output, binned);
    }

    /// The automatic width for the held results.
    fn auto_width(&self) -> Option<Width> {
        let Mode::Auto {
            bins,
            minspan,
            start,
            end,
        } = &self.mode
        else {
            return None;
        };
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for r in &self.held {
            if let Some(v) = r.get(&self.field) {
                match v {
                    Value::Num(n) => {
                        lo = lo.min(*n);
                        hi = hi.max(*n);
                    }
                    other => other.for_each_text(|s| {
                        if let Some(n) = parse_number(s) {
                            lo = lo.min(n);
                            hi = hi.max(n);
                        }
                    }),
                }
            }
        }
        if lo > hi {
            return None;
        }
        if let Some(s) = start {
            lo = lo.min(*s);
        }
        if let Some(e) = end {
            hi = hi.max(*e);
        }
        Some(if self.time {
            choose_time_span(lo, hi, *bins, *minspan)
        } else {
            Width::Fixed(choose_numeric_span(lo, hi, *bins, *minspan))
        })
    }
}

impl Operator for Bin {
    fn push(&mut self, mut row: Row, ctx: &EvalContext, out: &mut Vec<Row>) {
        match self.mode {
            Mode::Span(width) => {
                let align = self.align_epoch(ctx);
                self.apply(&mut row, width, align, &ctx.tz);
                out.push(row);
            }
            Mode::Auto { .. } => self.held.push(row),
        }
    }

    fn finish(&mut self, ctx: &EvalContext, out: &mut Vec<Row>) {
        let width = self.auto_width();
        let align = self.align_epoch(ctx);
        for mut row in std::mem::take(&mut self.held) {
            if let Some(width) = width {
                self.apply(&mut row, width, align, &ctx.tz);
            }
            out.push(row);
        }
    }

    fn is_blocking(&self) -> bool {
        matches!(self.mode, Mode::Auto { .. })
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        if self.output != self.field {
            n.remove(&self.output);
        }
        n.add(&self.field);
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(Bin {
            held: Vec::new(),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{row, rows, run};

    // 2023-12-07T14:44:53Z, a Thursday.
    const T: &str = "1701960293";

    #[test]
    fn hour_bins_on_time() {
        let input = vec![row(&[("_time", T)]), row(&[("_time", "1701957600")])];
        let got = run("bin _time span=1h", input);
        assert_eq!(got, rows(&[&[("_time", "1701957600")], &[("_time", "1701957600")]]));
    }

    #[test]
    fn day_bins_with_alias() {
        let got = run("bucket span=1d _time AS day", vec![row(&[("_time", T)])]);
        assert_eq!(got, rows(&[&[("_time", T), ("day", "1701907200")]]));
    }

    #[test]
    fn calendar_spans_in_a_time_zone() {
        let tz = TimeZone::fixed(jiff::tz::offset(-5));
        let t = 1_701_960_293.0; // 09:44:53 EST on 2023-12-07
        let floor = |w| floor_time(t, w, None, &tz).unwrap();
        assert_eq!(floor(Width::Days(1)), 1_701_925_200.0); // 2023-12-07T00:00-05:00
        assert_eq!(floor(Width::Months(1)), 1_701_406_800.0); // 2023-12-01T00:00-05:00
        assert_eq!(floor(Width::Months(12)), 1_672_549_200.0); // 2023-01-01T00:00-05:00
        assert_eq!(floor(Width::Fixed(3600.0)), 1_701_957_600.0);
        let utc = TimeZone::UTC;
        // Weeks count from the epoch, a Thursday.
        assert_eq!(floor_time(t, Width::Days(7), None, &utc), Some(1_701_907_200.0));
        assert_eq!(floor_time(t, Width::Months(3), None, &utc), Some(1_696_118_400.0)); // 2023-10-01
    }

    #[test]
    fn numeric_span_gives_ranges() {
        let input = vec![
            row(&[("bytes", "250")]),
            row(&[("bytes", "-5")]),
            row(&[("bytes", "n/a")]),
        ];
        let got = run("bin span=100 bytes AS size | table size", input);
        assert_eq!(
            got,
            rows(&[&[("size", "200-300")], &[("size", "-100-0")], &[("size", "n/a")]])
        );
    }

    #[test]
    fn automatic_span_from_bins() {
        let input = ["3", "17", "42", "95"].iter().map(|v| row(&[("bytes", v)])).collect();
        let got = run("bin bytes bins=10", input);
        let got: Vec<_> = got.iter().map(|r| r[0].1.clone()).collect();
        assert_eq!(got, ["0-10", "10-20", "40-50", "90-100"]);
        // Three bins are not enough for 3..95 in tens: hundreds.
        let input = ["3", "95"].iter().map(|v| row(&[("bytes", v)])).collect();
        let got = run("bin bytes bins=3", input);
        assert_eq!(got, rows(&[&[("bytes", "0-100")], &[("bytes", "0-100")]]));
    }

    #[test]
    fn automatic_time_span() {
        // Two events 40 minutes apart with at most 10 bins: 5-minute bins.
        let input = vec![row(&[("_time", "1701960293")]), row(&[("_time", "1701957893")])];
        let got = run("bin _time bins=10", input);
        assert_eq!(got, rows(&[&[("_time", "1701960000")], &[("_time", "1701957600")]]));
    }

    #[test]
    fn aligntime() {
        // 2h bins aligned to 03:00: 14:44 falls in 13:00-15:00.
        let got = run("bin span=2h aligntime=@d+3h _time", vec![row(&[("_time", T)])]);
        assert_eq!(got, rows(&[&[("_time", "1701954000")]]));
        let got = run("bin span=2h aligntime=1701950000 _time", vec![row(&[("_time", T)])]);
        assert_eq!(got, rows(&[&[("_time", "1701957200")]]));
    }

    #[test]
    fn spans() {
        assert_eq!(parse_span("10m").unwrap().width, Width::Fixed(600.0));
        assert_eq!(parse_span("2w").unwrap().width, Width::Days(14));
        assert_eq!(parse_span("1q").unwrap().width, Width::Months(3));
        assert_eq!(parse_span("500ms").unwrap().width, Width::Fixed(0.5));
        assert!(!parse_span("30").unwrap().time_unit);
        assert!(parse_span("1.5mon").is_err());
    }
}

//! Time: parsing event timestamps, Splunk's strftime/strptime formats, relative time modifiers,
//! and the [`Clock`] the engine reads "now" from.
//!
//! The engine never reads the wall clock: `now()` and relative times come from a [`Clock`] the
//! caller supplies, so a run is reproducible.

use jiff::fmt::strtime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, Unit, Zoned};
use tripline_spl::timespec::{Snap, TimeSpec, TimeUnit};

use crate::value::Text;

/// Where the engine gets the current time.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> f64;
}

/// A clock stopped at one instant (tests, replays, and `now()` being constant for a search).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FixedClock(pub f64);

impl Clock for FixedClock {
    fn now(&self) -> f64 {
        self.0
    }
}

/// Parse an RFC 3339 timestamp (`2026-11-22T10:00:00.123456Z`, `...+02:00`) to epoch seconds.
#[must_use]
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let ts: Timestamp = s.trim().parse().ok()?;
    Some(seconds(ts))
}

fn seconds(ts: Timestamp) -> f64 {
    ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9
}

fn timestamp(epoch: f64) -> Option<Timestamp> {
    if !epoch.is_finite() {
        return None;
    }
    let secs = epoch.floor();
    let nanos = ((epoch - secs) * 1e9).round() as i32;
    // Splunk's range of valid times is far narrower than i64 seconds; reject what jiff cannot hold.
    if secs.abs() > 2.0e11 {
        return None;
    }
    Timestamp::new(secs as i64, nanos.min(999_999_999)).ok()
}

/// Translate Splunk's format variables to jiff's where they differ.
///
/// Splunk's `%Q` (and `%3Q`, `%6Q`, `%9Q`) are sub-seconds, defaulting to milliseconds; `%N` with
/// a width is sub-seconds of that many digits; `%+` is the `date` command's format. Everything
/// else is passed through.
fn translate(format: &str) -> String {
    let mut out = String::with_capacity(format.len() + 8);
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut width = String::new();
        while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
            width.push(d);
            chars.next();
        }
        match chars.next() {
            Some('Q') => {
                let w = if width.is_empty() { "3" } else { width.as_str() };
                out.push('%');
                out.push_str(w);
                out.push('f');
            }
            Some('N') => {
                let w = if width.is_empty() { "9" } else { width.as_str() };
                out.push('%');
                out.push_str(w);
                out.push('f');
            }
            Some('+') => out.push_str("%a %b %e %H:%M:%S %Z %Y"),
            Some(other) => {
                out.push('%');
                out.push_str(&width);
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Format epoch seconds with a Splunk time format in `tz`.
#[must_use]
pub fn strftime(epoch: f64, format: &str, tz: &TimeZone) -> Option<Text> {
    let zoned = timestamp(epoch)?.to_zoned(tz.clone());
    strtime::format(translate(format), &zoned).ok().map(Text::from)
}

/// Parse `text` with a Splunk time format; times without a zone are read in `tz`.
#[must_use]
pub fn strptime(text: &str, format: &str, tz: &TimeZone) -> Option<f64> {
    let parsed = strtime::parse(translate(format), text).ok()?;
    if let Ok(ts) = parsed.to_timestamp() {
        return Some(seconds(ts));
    }
    // No offset in the text: take the civil time (a date alone is midnight) in `tz`.
    let dt = match parsed.to_datetime() {
        Ok(dt) => dt,
        Err(_) => parsed.to_date().ok()?.to_datetime(jiff::civil::Time::midnight()),
    };
    let zoned = dt.to_zoned(tz.clone()).ok()?;
    Some(seconds(zoned.timestamp()))
}

/// Apply a relative time modifier (`-1d@d`, `@w1+8h`) to `epoch` in `tz`.
#[must_use]
pub fn relative_time(epoch: f64, spec: &TimeSpec, tz: &TimeZone) -> Option<f64> {
    match spec {
        TimeSpec::Now => Some(epoch),
        TimeSpec::Epoch { seconds } => Some(*seconds),
        TimeSpec::Absolute { parts } => {
            let [mo, d, y, h, mi, s] = *parts;
            let dt = jiff::civil::DateTime::new(
                i16::try_from(y).ok()?,
                i8::try_from(mo).ok()?,
                i8::try_from(d).ok()?,
                i8::try_from(h).ok()?,
                i8::try_from(mi).ok()?,
                i8::try_from(s.min(59)).ok()?,
                0,
            )
            .ok()?;
            Some(seconds(dt.to_zoned(tz.clone()).ok()?.timestamp()))
        }
        TimeSpec::Relative {
            offsets,
            snap,
            after_snap,
        } => {
            let mut z = timestamp(epoch)?.to_zoned(tz.clone());
            for &(n, unit) in offsets {
                z = add(&z, n, unit)?;
            }
            if let Some(snap) = snap {
                z = snap_to(&z, *snap)?;
            }
            for &(n, unit) in after_snap {
                z = add(&z, n, unit)?;
            }
            Some(seconds(z.timestamp()))
        }
    }
}

fn add(z: &Zoned, n: i64, unit: TimeUnit) -> Option<Zoned> {
    let span = match unit {
        TimeUnit::Second => jiff::Span::new().try_seconds(n).ok()?,
        TimeUnit::Minute => jiff::Span::new().try_minutes(n).ok()?,
        TimeUnit::Hour => jiff::Span::new().try_hours(n).ok()?,
        TimeUnit::Day => jiff::Span::new().try_days(n).ok()?,
        TimeUnit::Week => jiff::Span::new().try_weeks(n).ok()?,
        TimeUnit::Month => jiff::Span::new().try_months(n).ok()?,
        TimeUnit::Quarter => jiff::Span::new().try_months(n.checked_mul(3)?).ok()?,
        TimeUnit::Year => jiff::Span::new().try_years(n).ok()?,
    };
    z.checked_add(span).ok()
}

fn snap_to(z: &Zoned, snap: Snap) -> Option<Zoned> {
    let start_of_day = |z: &Zoned| z.start_of_day().ok();
    match snap {
        Snap::Unit { unit } => match unit {
            TimeUnit::Second => trunc(z, Unit::Second),
            TimeUnit::Minute => trunc(z, Unit::Minute),
            TimeUnit::Hour => trunc(z, Unit::Hour),
            TimeUnit::Day => start_of_day(z),
            // `@w` snaps to the start of the week, which Splunk takes as Sunday (`@w0`).
            TimeUnit::Week => snap_to(z, Snap::Weekday { day: 0 }),
            TimeUnit::Month => start_of_day(&z.first_of_month().ok()?),
            TimeUnit::Quarter => {
                let month = z.month();
                let first = ((month - 1) / 3) * 3 + 1;
                let d = jiff::civil::date(z.year(), first, 1);
                d.to_zoned(z.time_zone().clone()).ok()
            }
            TimeUnit::Year => start_of_day(&z.first_of_year().ok()?),
        },
        Snap::Weekday { day } => {
            let target = i8::try_from(day % 7).ok()?;
            let today = z.weekday().to_sunday_zero_offset();
            let back = (today - target).rem_euclid(7);
            let moved = z.checked_sub(jiff::Span::new().days(i64::from(back))).ok()?;
            start_of_day(&moved)
        }
    }
}

fn trunc(z: &Zoned, unit: Unit) -> Option<Zoned> {
    let secs = z.timestamp().as_second();
    let step = match unit {
        Unit::Second => 1,
        Unit::Minute => 60,
        _ => 3600,
    };
    // Whole hours and minutes are the same instants in every zone with whole-hour or whole-minute
    // offsets, so truncating the epoch is exact for those; zones with odd offsets go through the
    // civil time.
    let offset = i64::from(z.offset().seconds());
    let local = secs + offset;
    let truncated = local - local.rem_euclid(step) - offset;
    Some(Timestamp::new(truncated, 0).ok()?.to_zoned(z.time_zone().clone()))
}

/// The name jiff gives UTC, for messages.
#[must_use]
pub fn utc() -> TimeZone {
    TimeZone::UTC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339("2023-12-07T14:44:53Z"), Some(1_701_960_293.0));
        assert_eq!(parse_rfc3339("2023-12-07T14:44:53.500000Z"), Some(1_701_960_293.5));
        assert_eq!(parse_rfc3339("2023-12-07T15:44:53+01:00"), Some(1_701_960_293.0));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn ctime_format() {
        let tz = utc();
        assert_eq!(
            strftime(1_701_960_293.9, "%Y-%m-%dT%H:%M:%S", &tz).unwrap(),
            "2023-12-07T14:44:53"
        );
        assert_eq!(strftime(1_701_960_293.25, "%H:%M:%S.%3Q", &tz).unwrap(), "14:44:53.250");
        assert_eq!(
            strftime(1_701_960_293.0, "%m/%d/%Y %H:%M:%S", &tz).unwrap(),
            "12/07/2023 14:44:53"
        );
    }

    #[test]
    fn parse_formats() {
        let tz = utc();
        assert_eq!(
            strptime("2023-12-07T14:44:53", "%Y-%m-%dT%H:%M:%S", &tz),
            Some(1_701_960_293.0)
        );
        assert_eq!(strptime("2023-12-07", "%Y-%m-%d", &tz), Some(1_701_907_200.0));
        assert_eq!(strptime("nonsense", "%Y-%m-%d", &tz), None);
    }

    #[test]
    fn relative() {
        let tz = utc();
        let t = 1_701_960_293.0; // Thursday 2023-12-07 14:44:53 UTC
        let r = |s: &str| relative_time(t, &TimeSpec::parse(s).unwrap(), &tz).unwrap();
        assert_eq!(r("-1h"), t - 3600.0);
        assert_eq!(r("@h"), 1_701_957_600.0);
        assert_eq!(r("-1d@d"), 1_701_820_800.0);
        assert_eq!(r("@d+8h"), 1_701_907_200.0 + 8.0 * 3600.0);
        assert_eq!(r("@w0"), 1_701_561_600.0); // Sunday 2023-12-03
        assert_eq!(r("@mon"), 1_701_388_800.0); // 2023-12-01
        assert_eq!(r("@q"), 1_696_118_400.0); // 2023-10-01
        assert_eq!(r("@y"), 1_672_531_200.0);
        assert_eq!(r("now"), t);
    }
}

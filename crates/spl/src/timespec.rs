//! Splunk time modifiers: `now`, epoch seconds, `-24h`, `-7d@d`, `@w1+8h`, `11/24/2026:00:00:00`.
//!
//! Used by `earliest=`/`latest=` in searches and by `relative_time()`. This module only parses;
//! the engine applies a parsed spec to a clock.

use serde::Serialize;

/// A time unit in a relative time modifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// Seconds (`s`, `sec`, `secs`, `second`, `seconds`).
    Second,
    /// Minutes (`m`, `min`, `mins`, `minute`, `minutes`).
    Minute,
    /// Hours (`h`, `hr`, `hrs`, `hour`, `hours`).
    Hour,
    /// Days (`d`, `day`, `days`).
    Day,
    /// Weeks (`w`, `week`, `weeks`).
    Week,
    /// Months (`mon`, `month`, `months`).
    Month,
    /// Quarters (`q`, `qtr`, `qtrs`, `quarter`, `quarters`).
    Quarter,
    /// Years (`y`, `yr`, `yrs`, `year`, `years`).
    Year,
}

impl TimeUnit {
    fn parse(s: &str) -> Option<TimeUnit> {
        Some(match s {
            "s" | "sec" | "secs" | "second" | "seconds" => TimeUnit::Second,
            "m" | "min" | "mins" | "minute" | "minutes" => TimeUnit::Minute,
            "h" | "hr" | "hrs" | "hour" | "hours" => TimeUnit::Hour,
            "d" | "day" | "days" => TimeUnit::Day,
            "w" | "week" | "weeks" => TimeUnit::Week,
            "mon" | "month" | "months" => TimeUnit::Month,
            "q" | "qtr" | "qtrs" | "quarter" | "quarters" => TimeUnit::Quarter,
            "y" | "yr" | "yrs" | "year" | "years" => TimeUnit::Year,
            _ => return None,
        })
    }
}

/// Where `@` snaps a time to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "snap", rename_all = "lowercase")]
pub enum Snap {
    /// The start of the unit (`@d`, `@h`, `@mon`).
    Unit {
        /// The unit.
        unit: TimeUnit,
    },
    /// The most recent given weekday, `@w0` (Sunday) to `@w7` (Sunday again).
    Weekday {
        /// 0 to 7.
        day: u8,
    },
}

/// A parsed time modifier.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TimeSpec {
    /// `now` (also the empty string and `rt`).
    Now,
    /// Seconds since the epoch (`0` means all time for `earliest`).
    Epoch {
        /// The value.
        seconds: f64,
    },
    /// Offsets, then an optional snap, then offsets applied after snapping.
    Relative {
        /// Offsets before the snap, e.g. `-7d`.
        offsets: Vec<(i64, TimeUnit)>,
        /// `@unit`.
        snap: Option<Snap>,
        /// Offsets after the snap, e.g. the `+8h` of `@d+8h`.
        after_snap: Vec<(i64, TimeUnit)>,
    },
    /// An absolute `%m/%d/%Y:%H:%M:%S` time, as written.
    Absolute {
        /// Month, day, year, hour, minute, second.
        parts: [u32; 6],
    },
}

impl TimeSpec {
    /// Parse a time modifier value.
    ///
    /// # Errors
    /// A short description of what is wrong.
    pub fn parse(text: &str) -> Result<TimeSpec, String> {
        let t = text.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("now") || t == "rt" {
            return Ok(TimeSpec::Now);
        }
        if let Some(abs) = parse_absolute(t) {
            return Ok(abs);
        }
        if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return t
                .parse::<f64>()
                .map(|seconds| TimeSpec::Epoch { seconds })
                .map_err(|_| format!("`{t}` is not a number"));
        }
        let t = t.strip_prefix("rt").unwrap_or(t);
        let (before, snap_part) = match t.find('@') {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        let offsets = parse_offsets(before)?;
        let (snap, after_snap) = match snap_part {
            None => (None, Vec::new()),
            Some(s) => {
                let end = s.find(['+', '-']).unwrap_or(s.len());
                let unit = &s[..end];
                let snap = if let Some(d) = unit
                    .strip_prefix('w')
                    .filter(|d| d.len() == 1 && d.as_bytes()[0].is_ascii_digit())
                {
                    let day = d.as_bytes()[0] - b'0';
                    if day > 7 {
                        return Err(format!("`@w{day}`: weekdays are w0 to w7"));
                    }
                    Snap::Weekday { day }
                } else {
                    Snap::Unit {
                        unit: TimeUnit::parse(unit).ok_or_else(|| format!("`@{unit}` is not a time unit"))?,
                    }
                };
                (Some(snap), parse_offsets(&s[end..])?)
            }
        };
        if offsets.is_empty() && snap.is_none() {
            return Err(format!("`{text}` is not a time"));
        }
        Ok(TimeSpec::Relative {
            offsets,
            snap,
            after_snap,
        })
    }
}

/// `-1d+2h`, `+30m`, `-h` (a missing number means 1).
fn parse_offsets(mut s: &str) -> Result<Vec<(i64, TimeUnit)>, String> {
    let mut out = Vec::new();
    while !s.is_empty() {
        let sign: i64 = match s.as_bytes()[0] {
            b'-' => -1,
            b'+' => 1,
            _ => return Err(format!("`{s}`: an offset starts with + or -")),
        };
        s = &s[1..];
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        let n: i64 = if digits == 0 {
            1
        } else {
            s[..digits]
                .parse()
                .map_err(|_| format!("`{}` is too large", &s[..digits]))?
        };
        s = &s[digits..];
        let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit_text = &s[..letters];
        let unit = TimeUnit::parse(unit_text).ok_or_else(|| {
            if unit_text.is_empty() {
                "a number needs a unit such as s, m, h, d, w, mon, q or y".to_string()
            } else {
                format!("`{unit_text}` is not a time unit")
            }
        })?;
        s = &s[letters..];
        out.push((sign * n, unit));
    }
    Ok(out)
}

/// `%m/%d/%Y:%H:%M:%S`.
fn parse_absolute(t: &str) -> Option<TimeSpec> {
    let (date, time) = t.split_once(':')?;
    let mut d = date.split('/');
    let (mo, da, ye) = (d.next()?, d.next()?, d.next()?);
    let mut tm = time.split(':');
    let (h, mi, se) = (tm.next()?, tm.next()?, tm.next()?);
    if d.next().is_some() || tm.next().is_some() {
        return None;
    }
    let parts = [mo, da, ye, h, mi, se].map(|p| p.parse::<u32>().ok());
    let parts = [parts[0]?, parts[1]?, parts[2]?, parts[3]?, parts[4]?, parts[5]?];
    let valid =
        (1..=12).contains(&parts[0]) && (1..=31).contains(&parts[1]) && parts[3] < 24 && parts[4] < 60 && parts[5] < 61;
    valid.then_some(TimeSpec::Absolute { parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative() {
        assert_eq!(
            TimeSpec::parse("-1h@h").unwrap(),
            TimeSpec::Relative {
                offsets: vec![(-1, TimeUnit::Hour)],
                snap: Some(Snap::Unit { unit: TimeUnit::Hour }),
                after_snap: vec![]
            }
        );
        assert!(TimeSpec::parse("-30d").is_ok());
        assert!(TimeSpec::parse("@w0").is_ok());
        assert!(TimeSpec::parse("@d+8h").is_ok());
        assert!(TimeSpec::parse("-1d@d-2h").is_ok());
        assert!(TimeSpec::parse("now").is_ok());
        assert!(TimeSpec::parse("0").is_ok());
        assert!(TimeSpec::parse("1700000000.5").is_ok());
        assert!(TimeSpec::parse("11/24/2026:00:00:00").is_ok());
    }

    #[test]
    fn invalid() {
        assert!(TimeSpec::parse("-1x").is_err());
        assert!(TimeSpec::parse("-1").is_err());
        assert!(TimeSpec::parse("yesterday").is_err());
        assert!(TimeSpec::parse("@w9").is_err());
        assert!(TimeSpec::parse("-99999999999999999999d").is_err());
    }
}

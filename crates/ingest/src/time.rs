//! Event timestamps as the log shapes write them.
//!
//! Kubernetes and the cloud exports write RFC 3339 (`2024-01-19T13:47:18.279921Z`), but exports
//! and fixtures also use a space for the `T`, leave out the zone (read as UTC), or carry up to nine
//! fractional digits (`2024-01-19 13:47:18.279921000`). CloudWatch and Pub/Sub write epoch
//! milliseconds or seconds. The parser here takes all of these without allocating, and returns
//! `None` for anything else rather than guessing.

/// Parse a timestamp to epoch seconds: `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|±HH:MM|±HHMM]`
/// (no zone means UTC), or a plain number read as epoch seconds, milliseconds, microseconds or
/// nanoseconds by its magnitude.
#[must_use]
pub fn parse_timestamp(text: &str) -> Option<f64> {
    let text = text.trim();
    let first = *text.as_bytes().first()?;
    if first.is_ascii_digit() && text.as_bytes().get(4) == Some(&b'-') {
        parse_datetime(text.as_bytes()).map(|(t, _)| t)
    } else {
        parse_epoch(text)
    }
}

/// Parse a number as epoch time, scaling milliseconds, microseconds and nanoseconds by magnitude:
/// values above 10^11 are not plausible seconds (the year 5138).
#[must_use]
pub(crate) fn parse_epoch(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 32 || !bytes.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        return None;
    }
    let n: f64 = text.parse().ok()?;
    if !n.is_finite() {
        return None;
    }
    Some(if n >= 1e17 {
        n / 1e9
    } else if n >= 1e14 {
        n / 1e6
    } else if n >= 1e11 {
        n / 1e3
    } else {
        n
    })
}

/// Parse a date-time at the start of `bytes`; returns epoch seconds and the number of bytes used.
#[must_use]
pub(crate) fn parse_datetime(bytes: &[u8]) -> Option<(f64, usize)> {
    let year = digits(bytes, 0, 4)?;
    expect(bytes, 4, b'-')?;
    let month = digits(bytes, 5, 2)?;
    expect(bytes, 7, b'-')?;
    let day = digits(bytes, 8, 2)?;
    match bytes.get(10) {
        Some(b'T' | b't' | b' ') => {}
        _ => return None,
    }
    let hour = digits(bytes, 11, 2)?;
    expect(bytes, 13, b':')?;
    let minute = digits(bytes, 14, 2)?;
    let mut i = 16;
    let mut second = 0;
    let mut fraction = 0.0;
    if bytes.get(i) == Some(&b':') {
        second = digits(bytes, i + 1, 2)?;
        i += 3;
        if matches!(bytes.get(i), Some(b'.' | b',')) {
            let start = i + 1;
            let mut end = start;
            let mut scale = 0.1;
            while let Some(d) = bytes.get(end).filter(|b| b.is_ascii_digit()) {
                fraction += f64::from(d - b'0') * scale;
                scale /= 10.0;
                end += 1;
            }
            if end == start {
                return None;
            }
            i = end;
        }
    }
    if month == 0 || month > 12 || day == 0 || day > days_in_month(year, month) || hour > 23 || minute > 59 {
        return None;
    }
    // A leap second (`:60`) is read as the last second of the minute, as most parsers do.
    let second = second.min(59);
    let mut offset = 0i64;
    match bytes.get(i) {
        Some(b'Z' | b'z') => i += 1,
        Some(&sign @ (b'+' | b'-')) => {
            let h = digits(bytes, i + 1, 2)?;
            let (m, used) = if bytes.get(i + 3) == Some(&b':') {
                (digits(bytes, i + 4, 2)?, 6)
            } else if let Some(m) = digits(bytes, i + 3, 2) {
                (m, 5)
            } else {
                (0, 3)
            };
            if h > 23 || m > 59 {
                return None;
            }
            let total = i64::from(h) * 3600 + i64::from(m) * 60;
            offset = if sign == b'+' { total } else { -total };
            i += used;
        }
        _ => {}
    }
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second) - offset;
    Some((secs as f64 + fraction, i))
}

fn expect(bytes: &[u8], at: usize, want: u8) -> Option<()> {
    (bytes.get(at) == Some(&want)).then_some(())
}

fn digits(bytes: &[u8], at: usize, n: usize) -> Option<u32> {
    let slice = bytes.get(at..at + n)?;
    let mut v = 0u32;
    for &b in slice {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    Some(v)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_and_variants() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_timestamp("2026-11-20T10:00:00.000000Z"), Some(1_795_168_800.0));
        assert_eq!(parse_timestamp("2026-11-20 10:00:00"), Some(1_795_168_800.0));
        assert_eq!(parse_timestamp("2026-11-20T12:00:00+02:00"), Some(1_795_168_800.0));
        assert_eq!(parse_timestamp("2026-11-20T05:30:00-0430"), Some(1_795_168_800.0));
        let t = parse_timestamp("2024-01-19 13:47:18.279921000").unwrap();
        assert!((t - 1_705_672_038.279_921).abs() < 1e-6, "{t}");
        assert_eq!(parse_timestamp("2000-02-29T00:00:00Z"), Some(951_782_400.0));
        assert_eq!(parse_timestamp("2001-02-29T00:00:00Z"), None);
        assert_eq!(parse_timestamp("2001-13-01T00:00:00Z"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp(""), None);
        assert_eq!(parse_timestamp("2024-01-19T13:47:18."), None);
    }

    #[test]
    fn epochs_by_magnitude() {
        assert_eq!(parse_timestamp("1700000000"), Some(1_700_000_000.0));
        assert_eq!(parse_timestamp("1700000000123"), Some(1_700_000_000.123));
        assert_eq!(parse_timestamp("1700000000.5"), Some(1_700_000_000.5));
        assert_eq!(parse_timestamp("1700000000000000"), Some(1_700_000_000.0));
        assert_eq!(parse_timestamp("-5"), None);
        assert_eq!(parse_timestamp("1e9"), None);
    }

    #[test]
    fn prefix_length() {
        let (t, used) = parse_datetime(b"2023-06-01T10:00:00.123Z {\"a\":1}").unwrap();
        assert_eq!(used, 24);
        assert!((t - 1_685_613_600.123).abs() < 1e-6);
    }
}

//! Hand formatting into a reused byte buffer: numbers, hex, UUIDs, RFC 3339 times and JSON string
//! escapes. The generator writes every record with these instead of `format!` or serde, so a
//! record costs no allocation once the buffers have grown.

/// Lower-case hex digits.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Append `n` in decimal.
pub(crate) fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Append `n` in decimal, zero-padded to `width` digits.
pub(crate) fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut i = tmp.len();
    let mut n = n;
    while n > 0 && i > 0 {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let start = tmp.len().saturating_sub(width).min(i);
    buf.extend_from_slice(&tmp[start..]);
}

/// Append the low `digits` hex digits of `n`.
pub(crate) fn push_hex(buf: &mut Vec<u8>, n: u64, digits: u32) {
    for k in (0..digits).rev() {
        buf.push(HEX[((n >> (4 * k)) & 0xf) as usize]);
    }
}

/// Append a UUID in its 8-4-4-4-12 form.
pub(crate) fn push_uuid(buf: &mut Vec<u8>, u: &[u8; 16]) {
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            buf.push(b'-');
        }
        buf.push(HEX[usize::from(b >> 4)]);
        buf.push(HEX[usize::from(b & 0xf)]);
    }
}

/// A UUID as a `String` (for the model and labels, built once).
pub(crate) fn uuid_string(u: &[u8; 16]) -> String {
    let mut b = Vec::with_capacity(36);
    push_uuid(&mut b, u);
    String::from_utf8_lossy(&b).into_owned()
}

/// Append `s` as the inside of a JSON string: `"` and `\` escaped, control characters as `\u00XX`.
pub(crate) fn push_escaped(buf: &mut Vec<u8>, s: &[u8]) {
    // Escaped JSON is dense with quotes (one every ten bytes or so), so copying the runs between
    // them costs a call each, and a plain byte loop is slow. Instead, eight bytes at a time:
    // count the quotes and backslashes, size the output once, then copy each group of eight
    // that holds none whole and escape the others byte by byte.
    let mut quotes = 0u32;
    let mut controls = 0u64;
    let groups = s.chunks_exact(8);
    let rest = groups.remainder();
    for g in groups.clone() {
        let w = word(g);
        quotes += (zero_bytes(w ^ (LO * u64::from(b'"'))) | zero_bytes(w ^ (LO * u64::from(b'\\')))).count_ones();
        controls |= zero_bytes(w & (LO * 0xe0));
    }
    for &c in rest {
        quotes += u32::from(c == b'"' || c == b'\\');
        controls |= u64::from(c < 0x20);
    }
    if controls != 0 {
        // Never in generated text: correct and slow.
        push_escaped_plain(buf, s);
        return;
    }
    if quotes == 0 {
        buf.extend_from_slice(s);
        return;
    }
    let start = buf.len();
    buf.resize(start + s.len() + quotes as usize, 0);
    let out = &mut buf[start..];
    let mut j = 0;
    let escape = |out: &mut [u8], j: &mut usize, c: u8| {
        if c == b'"' || c == b'\\' {
            out[*j] = b'\\';
            out[*j + 1] = c;
            *j += 2;
        } else {
            out[*j] = c;
            *j += 1;
        }
    };
    for g in groups {
        let w = word(g);
        if zero_bytes(w ^ (LO * u64::from(b'"'))) | zero_bytes(w ^ (LO * u64::from(b'\\'))) == 0 {
            out[j..j + 8].copy_from_slice(g);
            j += 8;
        } else {
            for &c in g {
                escape(out, &mut j, c);
            }
        }
    }
    for &c in rest {
        escape(out, &mut j, c);
    }
}

/// Every byte 0x01.
const LO: u64 = 0x0101_0101_0101_0101;

/// Eight bytes as a little-endian word.
fn word(g: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(g);
    u64::from_le_bytes(a)
}

/// The high bit of each byte of `t` that is zero (exact: no carry crosses bytes).
fn zero_bytes(t: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((t & LOW7).wrapping_add(LOW7)) | t) & !LOW7
}

/// The byte-at-a-time escaper, for text with control characters (and as the tests' reference).
fn push_escaped_plain(buf: &mut Vec<u8>, s: &[u8]) {
    for &c in s {
        match c {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            0..=0x1f => {
                buf.extend_from_slice(b"\\u00");
                buf.push(HEX[usize::from(c >> 4)]);
                buf.push(HEX[usize::from(c & 0xf)]);
            }
            _ => buf.push(c),
        }
    }
}

/// `s` escaped for a JSON string, as a `String` (for text built once).
pub(crate) fn escaped(s: &str) -> String {
    let mut b = Vec::with_capacity(s.len() + 8);
    push_escaped(&mut b, s.as_bytes());
    String::from_utf8_lossy(&b).into_owned()
}

/// Nanoseconds in a second.
pub(crate) const NANOS: i64 = 1_000_000_000;

/// The civil date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days from 1970-01-01 to a civil date (the inverse of [`civil_from_days`]).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats RFC 3339 UTC times, remembering the `YYYY-MM-DDTHH:MM:SS` of the last second it
/// wrote: consecutive records mostly fall in the same second.
#[derive(Debug)]
pub(crate) struct TimeFmt {
    second: i64,
    prefix: [u8; 19],
}

impl Default for TimeFmt {
    fn default() -> Self {
        let mut t = TimeFmt {
            second: 0,
            prefix: [0; 19],
        };
        t.set(0);
        t
    }
}

impl TimeFmt {
    fn set(&mut self, second: i64) {
        self.second = second;
        let days = second.div_euclid(86_400);
        let sod = second.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let mut b = Vec::with_capacity(19);
        push_padded(&mut b, y.clamp(0, 9999) as u64, 4);
        b.push(b'-');
        push_padded(&mut b, u64::from(m), 2);
        b.push(b'-');
        push_padded(&mut b, u64::from(d), 2);
        b.push(b'T');
        push_padded(&mut b, (sod / 3600) as u64, 2);
        b.push(b':');
        push_padded(&mut b, (sod / 60 % 60) as u64, 2);
        b.push(b':');
        push_padded(&mut b, (sod % 60) as u64, 2);
        self.prefix.copy_from_slice(&b[..19]);
    }

    fn prefix(&mut self, ns: i64) -> &[u8; 19] {
        let second = ns.div_euclid(NANOS);
        if second != self.second {
            self.set(second);
        }
        &self.prefix
    }

    /// `2026-11-02T08:00:00.123456Z`.
    pub(crate) fn micros(&mut self, buf: &mut Vec<u8>, ns: i64) {
        buf.extend_from_slice(self.prefix(ns));
        buf.push(b'.');
        push_padded(buf, (ns.rem_euclid(NANOS) / 1000) as u64, 6);
        buf.push(b'Z');
    }

    /// `2026-11-02T08:00:00Z`.
    pub(crate) fn seconds(&mut self, buf: &mut Vec<u8>, ns: i64) {
        buf.extend_from_slice(self.prefix(ns));
        buf.push(b'Z');
    }
}

/// An RFC 3339 time as a `String` with microseconds (labels, summaries).
pub(crate) fn time_string(ns: i64) -> String {
    let mut b = Vec::with_capacity(27);
    TimeFmt::default().micros(&mut b, ns);
    String::from_utf8_lossy(&b).into_owned()
}

/// An RFC 3339 UTC time to the second (`2026-11-02T08:00:00Z`), from nanoseconds since the epoch.
#[must_use]
pub fn format_time(ns: i64) -> String {
    let mut b = Vec::with_capacity(20);
    TimeFmt::default().seconds(&mut b, ns);
    String::from_utf8_lossy(&b).into_owned()
}

/// Parse an RFC 3339 time (`2026-11-02T08:00:00Z`, with optional fraction and `±HH:MM` offset; a
/// space for the `T` and a missing zone, meaning UTC, are accepted) into nanoseconds since the
/// epoch.
#[must_use]
pub fn parse_time(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = b.get(r)?;
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    let y = num(0..4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let mo = u32::try_from(num(5..7)?).ok()?;
    let d = u32::try_from(num(8..10)?).ok()?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, mo, d) * 86_400;
    let mut i = 10;
    let mut frac_ns = 0i64;
    if matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        let h = num(11..13)?;
        let mi = num(14..16)?;
        let s = num(17..19)?;
        if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + s;
        i = 19;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
            let digits = &b[start..i.min(start + 9)];
            let mut v = 0i64;
            for &c in digits {
                v = v * 10 + i64::from(c - b'0');
            }
            for _ in digits.len()..9 {
                v *= 10;
            }
            frac_ns = v;
        }
    } else if b.len() != 10 {
        return None;
    }
    match b.get(i) {
        None | Some(b'Z' | b'z') if b.len() <= i + 1 => {}
        Some(&sign @ (b'+' | b'-')) => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            if b.get(i + 3) != Some(&b':') || b.len() != i + 6 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            secs -= if sign == b'+' { off } else { -off };
        }
        _ => return None,
    }
    secs.checked_mul(NANOS)?.checked_add(frac_ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(b: &[u8]) -> &str {
        std::str::from_utf8(b).unwrap()
    }

    #[test]
    fn numbers_and_hex() {
        let mut b = Vec::new();
        push_u64(&mut b, 0);
        b.push(b' ');
        push_u64(&mut b, 18_446_744_073_709_551_615);
        b.push(b' ');
        push_padded(&mut b, 42, 6);
        b.push(b' ');
        push_hex(&mut b, 0xbeef, 6);
        assert_eq!(s(&b), "0 18446744073709551615 000042 00beef");
    }

    #[test]
    fn uuids() {
        let mut b = Vec::new();
        push_uuid(&mut b, &[0x12; 16]);
        assert_eq!(s(&b), "12121212-1212-1212-1212-121212121212");
    }

    #[test]
    fn escapes() {
        let mut b = Vec::new();
        push_escaped(&mut b, b"a\"b\\c\nd\x01");
        assert_eq!(s(&b), r#"a\"b\\c\nd\u0001"#);
        // The chunked escaper agrees with the plain one at every length and position.
        let text: Vec<u8> = (0..200u8)
            .map(|i| match i % 37 {
                5 => b'"',
                9 if i > 100 => b'\\',
                11 if i > 150 => 1,
                _ => b'a' + i % 26,
            })
            .collect();
        for len in 0..text.len() {
            for from in [0, 1, 15, 16, 17] {
                let piece = &text[from.min(len)..len];
                let (mut fast, mut slow) = (Vec::new(), Vec::new());
                push_escaped(&mut fast, piece);
                push_escaped_plain(&mut slow, piece);
                assert_eq!(fast, slow);
            }
        }
    }

    #[test]
    fn times_round_trip() {
        let t = parse_time("2026-11-02T08:00:00Z").unwrap();
        assert_eq!(t, 1_793_606_400 * NANOS);
        let mut f = TimeFmt::default();
        let mut b = Vec::new();
        f.micros(&mut b, t + 123_456_789);
        b.push(b' ');
        f.seconds(&mut b, t + 86_400 * NANOS * 60);
        assert_eq!(s(&b), "2026-11-02T08:00:00.123456Z 2027-01-01T08:00:00Z");
        assert_eq!(parse_time("2026-11-02T09:00:00.5+01:00"), Some(t + NANOS / 2));
        assert_eq!(parse_time("2026-11-02 08:00:00"), Some(t));
        assert_eq!(parse_time("2026-11-02"), Some(t - 8 * 3600 * NANOS));
        assert_eq!(parse_time("2024-02-29T00:00:00Z"), Some(1_709_164_800 * NANOS));
        for bad in [
            "",
            "2026-13-01",
            "2026-11-02T25:00:00Z",
            "2026-11-02T08:00:00Q",
            "yesterday",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1, 0, 59, 365, 10_957, 20_000, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}

//! Field values with Splunk's string/number duality.
//!
//! Splunk stores every field value as a string; a value takes part in numeric comparison or
//! arithmetic when it looks like a number. Tripline keeps the text it read (`"403"` stays
//! `"403"`, `"1.0"` stays `"1.0"`) and computed numbers as `f64`, converting only where an
//! operator calls for it. A multivalue field is an ordered list of strings. A missing field is
//! `None` (Splunk's null): there is no null `Value`.

use std::cmp::Ordering;
use std::fmt;

use compact_str::CompactString;

/// Text of a field value; short strings (most Kubernetes values) are stored inline.
pub type Text = CompactString;

/// One field value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string (which may look like a number).
    Str(Text),
    /// A number computed by eval or stats.
    Num(f64),
    /// A boolean: only the result of a comparison inside an expression. Splunk cannot store a
    /// boolean in a field ("The result of an eval expression cannot be a Boolean"), so
    /// assigning one is an error the eval command reports.
    Bool(bool),
    /// A multivalue field: an ordered list of strings, duplicates kept.
    Multi(Vec<Text>),
}

impl Value {
    /// A string value.
    #[must_use]
    pub fn str(s: &str) -> Value {
        Value::Str(Text::from(s))
    }

    /// A multivalue from strings; a single value stays single.
    #[must_use]
    pub fn multi(mut values: Vec<Text>) -> Value {
        if values.len() == 1 {
            Value::Str(values.pop().unwrap_or_default())
        } else {
            Value::Multi(values)
        }
    }

    /// The value as a number, if it is one or looks like one. A multivalue uses its first value.
    #[must_use]
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Str(s) => parse_number(s),
            Value::Multi(v) => v.first().and_then(|s| parse_number(s)),
            Value::Bool(_) => None,
        }
    }

    /// The value as text, as Splunk would display it. A multivalue shows its values joined by a
    /// newline, as Splunk's search results do; callers that need each value use [`Value::values`].
    #[must_use]
    pub fn to_text(&self) -> Text {
        match self {
            Value::Str(s) => s.clone(),
            Value::Num(n) => format_number(*n),
            Value::Bool(b) => Text::from(if *b { "true" } else { "false" }),
            Value::Multi(v) => {
                let mut out = Text::default();
                for (i, s) in v.iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(s);
                }
                out
            }
        }
    }

    /// Every value as text: one for a single value, each for a multivalue.
    #[must_use]
    pub fn values(&self) -> Vec<Text> {
        match self {
            Value::Multi(v) => v.clone(),
            other => vec![other.to_text()],
        }
    }

    /// Call `f` with each value's text without allocating for single strings.
    pub fn for_each_text(&self, mut f: impl FnMut(&str)) {
        match self {
            Value::Str(s) => f(s),
            Value::Multi(v) => v.iter().for_each(|s| f(s)),
            other => f(&other.to_text()),
        }
    }

    /// Whether any value satisfies `f`.
    pub fn any_text(&self, mut f: impl FnMut(&str) -> bool) -> bool {
        match self {
            Value::Str(s) => f(s),
            Value::Multi(v) => v.iter().any(|s| f(s)),
            other => f(&other.to_text()),
        }
    }

    /// The number of values (1 for a single value).
    #[must_use]
    pub fn count(&self) -> usize {
        match self {
            Value::Multi(v) => v.len(),
            _ => 1,
        }
    }

    /// Whether this is a multivalue.
    #[must_use]
    pub fn is_multi(&self) -> bool {
        matches!(self, Value::Multi(_))
    }

    /// Splunk's `typeof()`: `Number`, `String`, `Boolean` or `Multivalue`.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Num(_) => "Number",
            Value::Str(s) if parse_number(s).is_some() => "Number",
            Value::Str(_) => "String",
            Value::Bool(_) => "Boolean",
            Value::Multi(_) => "Multivalue",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::str(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Num(n)
    }
}

/// Parse a string that looks like a decimal number: optional sign, digits with an optional
/// fraction, optional exponent. Surrounding spaces, `inf`, `nan`, hex and thousands separators do
/// not count (Splunk's `"1" != "1.0"` rule for `search` works on the text; this is only for the
/// operators that compare numerically).
#[must_use]
pub fn parse_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Render a number the way Splunk displays eval results: integers without a fraction, other
/// values with up to 15 significant digits and no trailing zeros (so `0.1 + 0.2` shows `0.3`).
#[must_use]
pub fn format_number(n: f64) -> Text {
    use std::fmt::Write;
    let mut out = Text::default();
    if n.is_nan() {
        out.push_str("nan");
    } else if n.is_infinite() {
        out.push_str(if n > 0.0 { "inf" } else { "-inf" });
    } else if n == n.trunc() && n.abs() < 1e15 {
        // An integral value: print without a fraction (and without a sign on zero).
        let _ = write!(out, "{}", n as i64);
    } else {
        let s = format!("{n:.14e}");
        // Re-render through the shortest representation of the value rounded to 15 digits.
        let rounded: f64 = s.parse().unwrap_or(n);
        let _ = write!(out, "{rounded}");
    }
    out
}

/// Splunk's ordering of two strings for `min`/`max`/`sort`: numbers before non-numbers, numbers
/// numerically, others lexicographically by bytes (uppercase before lowercase).
#[must_use]
pub fn compare_mixed(a: &str, b: &str) -> Ordering {
    match (parse_number(a), parse_number(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("403"), Some(403.0));
        assert_eq!(parse_number("-1.5"), Some(-1.5));
        assert_eq!(parse_number(".5"), Some(0.5));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number(" 1"), None);
        assert_eq!(parse_number("1.2.3"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("-"), None);
        assert_eq!(parse_number("1e"), None);
    }

    #[test]
    fn formatting() {
        assert_eq!(format_number(6.0), "6");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(1.0 / 3.0), "0.333333333333333");
        assert_eq!(format_number(1e20), "100000000000000000000");
    }

    #[test]
    fn mixed_order() {
        // The Search Reference example: 1, c, a, 2, 100, b, 4, 9 sorts as 1 2 4 9 100 a b c.
        let mut v = vec!["1", "c", "a", "2", "100", "b", "4", "9"];
        v.sort_by(|a, b| compare_mixed(a, b));
        assert_eq!(v, ["1", "2", "4", "9", "100", "a", "b", "c"]);
    }

    #[test]
    fn duality() {
        assert_eq!(Value::str("5").as_number(), Some(5.0));
        assert_eq!(Value::str("five").as_number(), None);
        assert_eq!(Value::Num(5.0).to_text(), "5");
        assert_eq!(Value::str("5").type_name(), "Number");
        assert_eq!(Value::multi(vec!["a".into()]), Value::str("a"));
    }
}

//! Rows: events and results as ordered lists of named values.
//!
//! An event and a search result are the same thing in SPL: a set of fields. A `Row` keeps its
//! fields in insertion order (so `table` and `stats` output keep their column order) and looks
//! them up by a linear scan, which beats hashing for the ten to thirty fields a row carries.

use crate::value::{Text, Value};

/// A field name.
pub type Name = Text;

/// One event or result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    fields: Vec<(Name, Value)>,
    /// Arrival order of the event the row came from, used to break ties when ordering by time.
    pub seq: u64,
}

/// The time field.
pub const TIME: &str = "_time";
/// The raw event text.
pub const RAW: &str = "_raw";

impl Row {
    /// An empty row.
    #[must_use]
    pub fn new() -> Row {
        Row::default()
    }

    /// An empty row with room for `n` fields.
    #[must_use]
    pub fn with_capacity(n: usize) -> Row {
        Row {
            fields: Vec::with_capacity(n),
            seq: 0,
        }
    }

    /// The value of `name`, if present.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// A mutable reference to the value of `name`, if present.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.fields.iter_mut().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Whether the row has `name`.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Set `name` to `value`, replacing any previous value (keeping its position).
    pub fn set(&mut self, name: &str, value: Value) {
        match self.get_mut(name) {
            Some(slot) => *slot = value,
            None => self.fields.push((Name::from(name), value)),
        }
    }

    /// Set or remove: `None` removes the field (eval of a null result).
    pub fn set_opt(&mut self, name: &str, value: Option<Value>) {
        match value {
            Some(v) => self.set(name, v),
            None => {
                self.remove(name);
            }
        }
    }

    /// Add one value to `name`, turning it into a multivalue when it already has one. This is
    /// how JSON extraction merges repeated names (array elements, colliding paths).
    pub fn push_value(&mut self, name: &str, text: &str) {
        match self.get_mut(name) {
            None => self.fields.push((Name::from(name), Value::str(text))),
            Some(Value::Multi(v)) => v.push(Text::from(text)),
            Some(slot) => {
                let first = std::mem::replace(slot, Value::Multi(Vec::new())).to_text();
                *slot = Value::Multi(vec![first, Text::from(text)]);
            }
        }
    }

    /// Rename `from` to `to` in place (the field keeps its position, as a column keeps its place
    /// in Splunk's results); an existing `to` is replaced. Returns whether `from` existed.
    pub fn rename(&mut self, from: &str, to: &str) -> bool {
        if from == to {
            return self.contains(from);
        }
        let Some(i) = self.fields.iter().position(|(n, _)| n == from) else {
            return false;
        };
        if let Some(j) = self.fields.iter().position(|(n, _)| n == to) {
            self.fields.remove(j);
            let i = if j < i { i - 1 } else { i };
            self.fields[i].0 = Name::from(to);
        } else {
            self.fields[i].0 = Name::from(to);
        }
        true
    }

    /// Remove `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let i = self.fields.iter().position(|(n, _)| n == name)?;
        Some(self.fields.remove(i).1)
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// The field names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(n, _)| n.as_str())
    }

    /// Keep only the fields for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Value) -> bool) {
        self.fields.retain(|(n, v)| keep(n, v));
    }

    /// Number of fields.
    #[must_use]
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the row has no fields.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `_time` as seconds since the epoch, if present and numeric.
    #[must_use]
    pub fn time(&self) -> Option<f64> {
        self.get(TIME).and_then(Value::as_number)
    }

    /// Consume the row into its fields.
    #[must_use]
    pub fn into_fields(self) -> Vec<(Name, Value)> {
        self.fields
    }

    /// Build a row from fields (later duplicates replace earlier ones).
    #[must_use]
    pub fn from_fields(fields: impl IntoIterator<Item = (Name, Value)>) -> Row {
        let mut row = Row::new();
        for (n, v) in fields {
            row.set(&n, v);
        }
        row
    }
}

/// Order rows as Splunk's base search returns events: newest first, ties in arrival order.
pub fn sort_newest_first(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        let (ta, tb) = (
            a.time().unwrap_or(f64::NEG_INFINITY),
            b.time().unwrap_or(f64::NEG_INFINITY),
        );
        tb.partial_cmp(&ta)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.seq.cmp(&b.seq))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_value_builds_multivalues() {
        let mut r = Row::new();
        r.push_value("ips{}", "1.2.3.4");
        assert_eq!(r.get("ips{}"), Some(&Value::str("1.2.3.4")));
        r.push_value("ips{}", "1.2.3.4");
        r.push_value("ips{}", "5.6.7.8");
        assert_eq!(r.get("ips{}").unwrap().values(), ["1.2.3.4", "1.2.3.4", "5.6.7.8"]);
    }

    #[test]
    fn rename_keeps_position_and_replaces_the_target() {
        let mut r = Row::new();
        r.set("a", Value::str("1"));
        r.set("b", Value::str("2"));
        r.set("c", Value::str("3"));
        assert!(r.rename("c", "a"));
        assert_eq!(
            r.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>(),
            ["b=2", "a=3"]
        );
        assert!(!r.rename("zz", "b"));
    }

    #[test]
    fn set_keeps_position() {
        let mut r = Row::new();
        r.set("a", Value::str("1"));
        r.set("b", Value::str("2"));
        r.set("a", Value::str("3"));
        assert_eq!(r.names().collect::<Vec<_>>(), ["a", "b"]);
        r.set_opt("a", None);
        assert_eq!(r.names().collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn newest_first() {
        let mut rows: Vec<Row> = [(1.0, 0), (3.0, 1), (3.0, 2), (2.0, 3)]
            .into_iter()
            .map(|(t, seq)| {
                let mut r = Row::new();
                r.set(TIME, Value::Num(t));
                r.seq = seq;
                r
            })
            .collect();
        sort_newest_first(&mut rows);
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3, 0]);
    }
}

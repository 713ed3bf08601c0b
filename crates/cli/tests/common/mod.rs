//! What the tests of security_content's Kubernetes detections share: where the corpus is, how a
//! result row is read, and for each runnable detection (spl-semantics §1.7) the data it runs over
//! and the rows it must give. The `search` tests (detections.rs, geoip_detections.rs,
//! objects_detections.rs, ingest_detections.rs) and the `hunt` test (hunt_corpus.rs) check the
//! same expectations, so a detection means the same thing whichever command runs it.

// Each test binary uses a part of this module.
#![allow(dead_code)]

pub(crate) mod audit;
pub(crate) mod cloud;
pub(crate) mod geoip;
pub(crate) mod objects;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// The shared corpus: `TRIPLINE_CORPUS`, else `../shared/corpus` beside the repository.
pub(crate) fn corpus() -> PathBuf {
    std::env::var_os("TRIPLINE_CORPUS").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus")),
        PathBuf::from,
    )
}

/// The corpus's security_content checkout.
pub(crate) fn security_content() -> PathBuf {
    corpus().join("security_content")
}

/// A detection's YAML file (`dir` is `cloud` or `deprecated`).
pub(crate) fn detection_path(dir: &str, detection: &str) -> PathBuf {
    security_content()
        .join("detections")
        .join(dir)
        .join(format!("{detection}.yml"))
}

/// The detection's `search:`, exactly as the YAML holds it.
pub(crate) fn detection_search(dir: &str, detection: &str) -> String {
    let path = detection_path(dir, detection);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    tripline_content::searches_from_yaml(&path, &text)
        .unwrap()
        .unwrap_or_else(|| panic!("{} has no search", path.display()))
        .text
}

/// A file of `tests/fixtures/<dir>/`.
pub(crate) fn fixture(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir)
        .join(name)
}

// ------------------------------------------------------------------------------------------------
// Rows
// ------------------------------------------------------------------------------------------------

/// One result row: its fields in output order.
pub(crate) type Row = Vec<(String, Value)>;

/// A JSON object read with its keys in order (serde_json's `Map` sorts them).
pub(crate) struct OrderedRow(pub(crate) Row);

impl<'de> serde::Deserialize<'de> for OrderedRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = OrderedRow;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OrderedRow, A::Error> {
                let mut row = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    row.push(entry);
                }
                Ok(OrderedRow(row))
            }
        }
        d.deserialize_map(Fields)
    }
}

/// A JSON object with its keys in order.
pub(crate) fn ordered(json: &str) -> Row {
    serde_json::from_str::<OrderedRow>(json)
        .unwrap_or_else(|e| panic!("{e}: {json}"))
        .0
}

/// The row as a map, for checks that look fields up by name.
pub(crate) fn to_map(row: &Row) -> Map<String, Value> {
    row.iter().cloned().collect()
}

/// Rows from a column list and one JSON array of values per row.
pub(crate) fn table(columns: &[&str], rows: Vec<Value>) -> Vec<Row> {
    rows.into_iter()
        .map(|r| {
            let Value::Array(values) = r else {
                panic!("an expected row is a JSON array, not {r}")
            };
            assert_eq!(
                values.len(),
                columns.len(),
                "expected row {values:?} does not fit {columns:?}"
            );
            columns.iter().map(|c| (*c).to_string()).zip(values).collect()
        })
        .collect()
}

/// Rows one per line, for a failure message.
pub(crate) fn show(rows: &[Row]) -> String {
    rows.iter()
        .map(|r| {
            let fields: Vec<String> = r.iter().map(|(k, v)| format!("{k:?}: {v}")).collect();
            format!("  {{{}}}", fields.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A field of a row, `null` when the row does not have it.
pub(crate) fn field<'a>(row: &'a Map<String, Value>, name: &str) -> &'a Value {
    row.get(name).unwrap_or(&Value::Null)
}

/// The values of `names` in each row, as strings (a multivalue joined with `|`, a missing field
/// `-`, a number as JSON writes it).
pub(crate) fn columns(rows: &[Map<String, Value>], names: &[&str]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            names
                .iter()
                .map(|n| match field(r, n) {
                    Value::String(s) => s.clone(),
                    Value::Array(a) => a
                        .iter()
                        .map(|v| v.as_str().unwrap_or("?").to_string())
                        .collect::<Vec<_>>()
                        .join("|"),
                    Value::Null => "-".to_string(),
                    v => v.to_string(),
                })
                .collect()
        })
        .collect()
}

/// Expected `columns` output from string literals.
pub(crate) fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|s| (*s).to_string()).collect())
        .collect()
}

/// What a detection must give over its data: checked against `search` result rows and against
/// the `fields` of `hunt` findings alike.
pub(crate) enum Expected {
    /// Every row, in order, with every field and value, in order.
    Rows(Vec<Row>),
    /// A check over the rows, in order (fields looked up by name).
    Check(fn(&[Map<String, Value>])),
}

impl Expected {
    /// Panic unless `rows` are what is expected; `what` names the run in the message.
    pub(crate) fn assert(&self, what: &str, rows: &[Row]) {
        match self {
            Expected::Rows(expected) => assert!(
                rows == expected.as_slice(),
                "{what}: {} rows, expected {}\n--- actual\n{}\n--- expected\n{}",
                rows.len(),
                expected.len(),
                show(rows),
                show(expected)
            ),
            Expected::Check(check) => {
                let maps: Vec<Map<String, Value>> = rows.iter().map(to_map).collect();
                check(&maps);
            }
        }
    }
}

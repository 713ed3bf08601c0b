//! Writing search results: an aligned table for people, JSON, JSON lines or CSV for machines.

use std::io::{self, Write};

use clap::ValueEnum;
use serde_json::Value as Json;
use tripline_engine::row::Row;
use tripline_engine::value::Value;

/// Result formats of `tripline search`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ResultFormat {
    /// An aligned text table (default on a terminal).
    Table,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line (default when not on a terminal).
    Jsonl,
    /// CSV with a header row.
    Csv,
}

/// Fields Splunk attaches to every event; hidden from tables of raw events, where they repeat.
const DEFAULT_FIELDS: &[&str] = &["_raw", "host", "source", "sourcetype", "index"];

/// The columns to show: every field in order of first appearance. For raw events (results with
/// `_raw`), the repeated default fields are left out of the table view.
fn columns(rows: &[Row], table: bool) -> Vec<String> {
    let events = table && rows.iter().any(|r| r.contains("_raw"));
    let mut cols: Vec<String> = Vec::new();
    for r in rows {
        for name in r.names() {
            if events && DEFAULT_FIELDS.contains(&name) {
                continue;
            }
            if !cols.iter().any(|c| c == name) {
                cols.push(name.to_string());
            }
        }
    }
    cols
}

fn json_value(v: &Value) -> Json {
    match v {
        Value::Str(s) => Json::String(s.to_string()),
        // Whole numbers print as integers (`6`, not `6.0`), as Splunk shows them.
        Value::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Json::Number((*n as i64).into()),
        Value::Num(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
        Value::Bool(b) => Json::Bool(*b),
        Value::Multi(vs) => Json::Array(vs.iter().map(|s| Json::String(s.to_string())).collect()),
    }
}

/// A row serialised as a JSON object with its fields in order (serde_json's `Map` would sort
/// them).
pub(crate) struct JsonRow<'a>(pub(crate) &'a Row);

impl serde::Serialize for JsonRow<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            map.serialize_entry(k, &json_value(v))?;
        }
        map.end()
    }
}

/// Write `rows` in `format`.
pub(crate) fn write(out: &mut dyn Write, rows: &[Row], format: ResultFormat) -> io::Result<()> {
    match format {
        ResultFormat::Jsonl => {
            for r in rows {
                serde_json::to_writer(&mut *out, &JsonRow(r))?;
                out.write_all(b"\n")?;
            }
        }
        ResultFormat::Json => {
            let all: Vec<JsonRow<'_>> = rows.iter().map(JsonRow).collect();
            serde_json::to_writer_pretty(&mut *out, &all)?;
            out.write_all(b"\n")?;
        }
        ResultFormat::Csv => {
            let cols = columns(rows, false);
            writeln!(
                out,
                "{}",
                cols.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",")
            )?;
            for r in rows {
                let cells: Vec<String> = cols
                    .iter()
                    .map(|c| r.get(c).map_or_else(String::new, |v| csv_cell(&cell_text(v, "\n"))))
                    .collect();
                writeln!(out, "{}", cells.join(","))?;
            }
        }
        ResultFormat::Table => table(out, rows)?,
    }
    Ok(())
}

fn cell_text(v: &Value, sep: &str) -> String {
    match v {
        Value::Multi(vs) => vs.join(sep),
        other => other.to_text().to_string(),
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Widest a table cell may be before it is cut.
const MAX_CELL: usize = 60;
/// Characters of an event's text shown in the table view.
const MAX_EVENT: usize = 200;

fn table(out: &mut dyn Write, rows: &[Row]) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // Raw events read best as Splunk's event list shows them: time, then the event text.
    if rows.iter().all(|r| r.contains("_raw")) {
        for r in rows {
            let time = r
                .time()
                .and_then(|t| {
                    tripline_engine::time::strftime(t, "%Y-%m-%dT%H:%M:%S%.3fZ", &tripline_engine::time::utc())
                })
                .unwrap_or_default();
            let raw = r.get("_raw").map(|v| cell_text(v, " ")).unwrap_or_default();
            let raw: String = printable(&raw).chars().take(MAX_EVENT).collect();
            writeln!(out, "{time}  {raw}")?;
        }
        return Ok(());
    }
    let cols = columns(rows, true);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            cols.iter()
                .map(|c| {
                    r.get(c)
                        .map_or_else(String::new, |v| shorten(&printable(&cell_text(v, ", "))))
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |out: &mut dyn Write, values: &[String]| -> io::Result<()> {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v}{}", " ".repeat(w.saturating_sub(v.chars().count()))))
            .collect();
        writeln!(out, "{}", padded.join("  ").trim_end())
    };
    line(out, &cols)?;
    line(out, &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>())?;
    for r in &cells {
        line(out, r)?;
    }
    Ok(())
}

/// Replace control characters (attacker-written values may carry escape sequences) so a table
/// cannot drive the terminal.
fn printable(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect()
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_CELL {
        return s.to_string();
    }
    let mut t: String = s.chars().take(MAX_CELL - 1).collect();
    t.push('…');
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, Value)]) -> Row {
        let mut r = Row::new();
        for (k, v) in pairs {
            r.set(k, v.clone());
        }
        r
    }

    #[test]
    fn formats() {
        let rows = vec![
            row(&[("src_ip", Value::str("1.2.3.4")), ("count", Value::Num(6.0))]),
            row(&[
                ("src_ip", Value::str("a,\"b\"")),
                ("ua", Value::Multi(vec!["x".into(), "y".into()])),
            ]),
        ];
        let mut buf = Vec::new();
        write(&mut buf, &rows, ResultFormat::Jsonl).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "{\"src_ip\":\"1.2.3.4\",\"count\":6}\n{\"src_ip\":\"a,\\\"b\\\"\",\"ua\":[\"x\",\"y\"]}\n"
        );
        let mut buf = Vec::new();
        write(&mut buf, &rows, ResultFormat::Csv).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "src_ip,count,ua\n1.2.3.4,6,\n\"a,\"\"b\"\"\",,\"x\ny\"\n"
        );
        let mut buf = Vec::new();
        write(&mut buf, &rows, ResultFormat::Table).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert!(text.starts_with("src_ip   count  ua\n"), "{text}");
        assert!(text.contains("x, y"));
    }

    #[test]
    fn control_characters_are_neutralised() {
        let rows = vec![row(&[("ua", Value::str("evil\u{1b}[2J"))])];
        let mut buf = Vec::new();
        write(&mut buf, &rows, ResultFormat::Table).unwrap();
        assert!(!String::from_utf8(buf).unwrap().contains('\u{1b}'));
    }
}

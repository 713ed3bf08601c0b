//! `fillnull [value=<string>] [field ...]`: give missing fields a value (default `0`).
//!
//! With a field list, each listed field missing from a result is set (and created if no result
//! has it). Without one, only fields that have a value in at least one result of the whole result
//! set are filled ([DOC] "In order for a field to exist in the schema, it must have at least one
//! non-null value in the event set"); so bare `fillnull` must see every result first.
//!
//! Examples (run as tests below):
//! - `fillnull`
//! - `fillnull value="unknown" userAgent`

use std::any::Any;
use std::collections::BTreeSet;

use tripline_spl::ast::FillnullCommand;

use super::Operator;
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::Row;
use crate::value::{Text, Value};

/// The compiled `fillnull` command.
#[derive(Clone, Debug)]
pub(crate) struct Fillnull {
    value: Text,
    fields: Vec<Text>,
    /// Bare form: rows held until the end, and the union of their field names.
    held: Vec<Row>,
    seen: BTreeSet<Text>,
}

pub(crate) fn compile(f: &FillnullCommand) -> Result<Box<dyn Operator>, CompileError> {
    Ok(Box::new(Fillnull {
        value: f
            .value
            .as_ref()
            .map_or_else(|| Text::from("0"), |v| Text::from(v.value.as_str())),
        fields: f.fields.iter().map(|f| Text::from(f.name.as_str())).collect(),
        held: Vec::new(),
        seen: BTreeSet::new(),
    }))
}

impl Operator for Fillnull {
    fn push(&mut self, mut row: Row, _ctx: &EvalContext, out: &mut Vec<Row>) {
        if self.fields.is_empty() {
            for name in row.names() {
                if !self.seen.contains(name) {
                    self.seen.insert(Text::from(name));
                }
            }
            self.held.push(row);
        } else {
            for f in &self.fields {
                if !row.contains(f) {
                    row.set(f, Value::Str(self.value.clone()));
                }
            }
            out.push(row);
        }
    }

    fn finish(&mut self, _ctx: &EvalContext, out: &mut Vec<Row>) {
        for mut row in self.held.drain(..) {
            for name in &self.seen {
                if !row.contains(name) {
                    row.set(name, Value::Str(self.value.clone()));
                }
            }
            out.push(row);
        }
    }

    fn is_blocking(&self) -> bool {
        self.fields.is_empty()
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        // Filling a field nobody reads later changes nothing, so only what is read downstream is
        // needed (plus the listed fields, whose presence is tested).
        let mut n = downstream.clone();
        self.fields.iter().for_each(|f| n.add(f));
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn merge(&mut self, other: &mut dyn Operator) -> Result<(), String> {
        let other = other
            .as_any_mut()
            .downcast_mut::<Fillnull>()
            .ok_or_else(|| "cannot merge different commands".to_string())?;
        self.held.append(&mut other.held);
        // Parts may interleave in time: restore arrival order (stable, so rows that share a
        // sequence number, e.g. results of an earlier stats, keep theirs).
        self.held.sort_by_key(|r| r.seq);
        self.seen.append(&mut other.seen);
        Ok(())
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(Fillnull {
            value: self.value.clone(),
            fields: self.fields.clone(),
            held: Vec::new(),
            seen: BTreeSet::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{row, rows, run};

    #[test]
    fn bare_fills_only_fields_present_somewhere() {
        let input = vec![row(&[("a", "1")]), row(&[("b", "2")])];
        let got = run("fillnull | table a b c", input);
        // `c` exists nowhere, so it is not created: table shows it absent.
        assert_eq!(got, rows(&[&[("a", "1"), ("b", "0")], &[("a", "0"), ("b", "2")]]));
    }

    #[test]
    fn listed_fields_are_created() {
        let input = vec![row(&[("a", "1")])];
        let got = run("fillnull value=\"unknown\" userAgent a", input);
        assert_eq!(got, rows(&[&[("a", "1"), ("userAgent", "unknown")]]));
    }

    #[test]
    fn a_by_field_missing_everywhere_still_drops_every_event() {
        let input = vec![row(&[("a", "1")]), row(&[("a", "2")])];
        let got = run("fillnull | stats count BY a missing", input);
        assert!(got.is_empty());
    }
}

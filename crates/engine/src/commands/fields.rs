//! `fields [+|-] field ...`: keep (`+`, the default) or remove (`-`) fields; `*` wildcards allowed.
//!
//! Keeping retains the internal fields `_time` and `_raw` as Splunk does; removing removes exactly
//! what is listed.
//!
//! Examples (run as tests below):
//! - `fields - *network_io`
//! - `fields src_ip, user`

use std::any::Any;

use tripline_spl::ast::FieldsCommand;

use super::Operator;
use super::table::{Pick, pick};
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::{RAW, Row, TIME};

/// The compiled `fields` command.
#[derive(Clone, Debug)]
pub(crate) struct Fields {
    remove: bool,
    picks: Vec<Pick>,
}

pub(crate) fn compile(f: &FieldsCommand) -> Result<Box<dyn Operator>, CompileError> {
    let picks = f
        .fields
        .iter()
        .map(|x| pick(&x.name).map_err(|m| CompileError::new(x.span, m)))
        .collect::<Result<_, _>>()?;
    Ok(Box::new(Fields {
        remove: f.remove,
        picks,
    }))
}

impl Operator for Fields {
    fn push(&mut self, mut row: Row, _ctx: &EvalContext, out: &mut Vec<Row>) {
        if self.remove {
            row.retain(|name, _| !self.picks.iter().any(|p| p.matches(name)));
        } else {
            row.retain(|name, _| name == TIME || name == RAW || self.picks.iter().any(|p| p.matches(name)));
        }
        out.push(row);
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        if self.remove {
            return downstream.clone();
        }
        let mut n = Needs::none();
        self.picks.iter().for_each(|p| p.add_to(&mut n));
        if downstream.contains(RAW) {
            n.add(RAW);
        }
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::testing::{row, rows, run};

    #[test]
    fn remove_with_wildcard() {
        let input = vec![row(&[
            ("inbound_network_io", "1"),
            ("key", "k"),
            ("outbound_network_io", "2"),
        ])];
        assert_eq!(run("fields - *network_io", input), rows(&[&[("key", "k")]]));
    }

    #[test]
    fn keep() {
        let input = vec![row(&[("a", "1"), ("src_ip", "x"), ("user", "u")])];
        assert_eq!(
            run("fields src_ip, user", input),
            rows(&[&[("src_ip", "x"), ("user", "u")]])
        );
    }
}

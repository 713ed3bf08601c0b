//! `table field ...`: keep only the listed fields, in the listed order (`*` wildcards allowed).
//!
//! A listed field that a result lacks is simply absent from that result (Splunk shows an empty
//! cell). `_raw` is dropped unless listed.
//!
//! Examples (run as tests below):
//! - `table src_ip user verb`
//! - `table responseStatus.*`

use std::any::Any;

use regex::Regex;
use tripline_spl::ast::Field;

use super::Operator;
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::Row;
use crate::value::Text;

#[derive(Clone, Debug)]
pub(crate) enum Pick {
    Name(Text),
    Pattern(Text, Regex),
}

/// A field name or wildcard pattern.
pub(crate) fn pick(name: &str) -> Result<Pick, String> {
    if !name.contains('*') {
        return Ok(Pick::Name(Text::from(name)));
    }
    let mut re = String::from("(?s)^");
    for (i, part) in name.split('*').enumerate() {
        if i > 0 {
            re.push_str(".*");
        }
        re.push_str(&regex::escape(part));
    }
    re.push('$');
    Regex::new(&re)
        .map(|r| Pick::Pattern(Text::from(name), r))
        .map_err(|e| e.to_string())
}

impl Pick {
    pub(crate) fn matches(&self, name: &str) -> bool {
        match self {
            Pick::Name(n) => n == name,
            Pick::Pattern(_, re) => re.is_match(name),
        }
    }

    pub(crate) fn add_to(&self, needs: &mut Needs) {
        match self {
            Pick::Name(n) => needs.add(n),
            Pick::Pattern(p, _) => needs.add_pattern(p),
        }
    }
}

/// The compiled `table` command.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    picks: Vec<Pick>,
}

pub(crate) fn compile(fields: &[Field]) -> Result<Box<dyn Operator>, CompileError> {
    let picks = fields
        .iter()
        .map(|f| pick(&f.name).map_err(|m| CompileError::new(f.span, m)))
        .collect::<Result<_, _>>()?;
    Ok(Box::new(Table { picks }))
}

impl Operator for Table {
    fn push(&mut self, row: Row, _ctx: &EvalContext, out: &mut Vec<Row>) {
        let seq = row.seq;
        let fields = row.into_fields();
        let mut taken = vec![false; fields.len()];
        let mut result = Row::with_capacity(self.picks.len());
        for p in &self.picks {
            for (i, (name, value)) in fields.iter().enumerate() {
                if !taken[i] && p.matches(name) {
                    taken[i] = true;
                    result.set(name, value.clone());
                }
            }
        }
        result.seq = seq;
        out.push(result);
    }

    fn needs(&self, _downstream: &Needs) -> Needs {
        let mut n = Needs::none();
        self.picks.iter().for_each(|p| p.add_to(&mut n));
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
    fn keeps_listed_fields_in_order() {
        let input = vec![row(&[
            ("verb", "get"),
            ("_raw", "{}"),
            ("src_ip", "1.2.3.4"),
            ("user", "u"),
        ])];
        let got = run("table src_ip user verb missing", input);
        assert_eq!(got, rows(&[&[("src_ip", "1.2.3.4"), ("user", "u"), ("verb", "get")]]));
    }

    #[test]
    fn wildcards() {
        let input = vec![row(&[
            ("responseStatus.code", "403"),
            ("verb", "get"),
            ("responseStatus.reason", "Forbidden"),
        ])];
        let got = run("table responseStatus.*", input);
        assert_eq!(
            got,
            rows(&[&[("responseStatus.code", "403"), ("responseStatus.reason", "Forbidden")]])
        );
    }
}

//! `rename old AS new [, old2 AS new2 ...]`: rename fields; `*` renames many (`object.* AS *`).
//!
//! Pairs apply in order. A renamed field keeps its position; renaming onto an existing field
//! replaces it. When the source field is
//! missing from an event, the target is removed from that event ([DOC] "rename pid AS product_id
//! ... overwrites product_id with Null values where pid does not exist for the event"). A
//! wildcard rename only touches the fields it matches in each event.
//!
//! Examples (run as tests below):
//! - `rename sourceIPs{} as src_ip, user.username as user`
//! - `rename object.* AS *`

use std::any::Any;

use regex::Regex;
use tripline_spl::ast::RenamePair;

use super::Operator;
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::Row;
use crate::value::Text;

#[derive(Clone, Debug)]
enum Pair {
    Plain(Text, Text),
    /// Source pattern as a regex with one capture per `*`, and the target split at its `*`s.
    Wild {
        from: Regex,
        from_text: Text,
        to: Vec<Text>,
    },
}

/// The compiled `rename` command.
#[derive(Clone, Debug)]
pub(crate) struct Rename {
    pairs: Vec<Pair>,
}

pub(crate) fn compile(pairs: &[RenamePair]) -> Result<Box<dyn Operator>, CompileError> {
    let mut out = Vec::with_capacity(pairs.len());
    for p in pairs {
        let (from, to) = (p.from.name.as_str(), p.to.name.as_str());
        if !from.contains('*') && !to.contains('*') {
            out.push(Pair::Plain(Text::from(from), Text::from(to)));
            continue;
        }
        if from.matches('*').count() != to.matches('*').count() {
            return Err(CompileError::new(
                p.from.span.to(p.to.span),
                "both sides of a wildcard rename need the same number of `*`",
            ));
        }
        let mut re = String::from("(?s)^");
        for (i, part) in from.split('*').enumerate() {
            if i > 0 {
                re.push_str("(.*)");
            }
            re.push_str(&regex::escape(part));
        }
        re.push('$');
        let from_re = Regex::new(&re).map_err(|e| CompileError::new(p.from.span, e.to_string()))?;
        out.push(Pair::Wild {
            from: from_re,
            from_text: Text::from(from),
            to: to.split('*').map(Text::from).collect(),
        });
    }
    Ok(Box::new(Rename { pairs: out }))
}

impl Operator for Rename {
    fn push(&mut self, mut row: Row, _ctx: &EvalContext, out: &mut Vec<Row>) {
        for pair in &self.pairs {
            match pair {
                Pair::Plain(from, to) => {
                    if !row.rename(from, to) {
                        row.remove(to);
                    }
                }
                Pair::Wild { from, to, .. } => {
                    let mut moves = Vec::new();
                    for name in row.names() {
                        if let Some(caps) = from.captures(name) {
                            let mut target = Text::from(to[0].as_str());
                            for (i, piece) in to.iter().enumerate().skip(1) {
                                target.push_str(caps.get(i).map_or("", |m| m.as_str()));
                                target.push_str(piece);
                            }
                            moves.push((Text::from(name), target));
                        }
                    }
                    for (source, target) in &moves {
                        row.rename(source, target);
                    }
                }
            }
        }
        out.push(row);
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        for pair in self.pairs.iter().rev() {
            match pair {
                Pair::Plain(from, to) => {
                    if n.contains(to) || n.contains(from) {
                        n.remove(to);
                        n.add(from);
                    }
                }
                Pair::Wild { from_text, to, .. } => {
                    if n.all {
                        continue;
                    }
                    // With one `*` (the common case), map each needed name back through the
                    // pattern; with more, read everything the source pattern could match.
                    let single = to.len() == 2;
                    let (to_prefix, to_suffix) = (to[0].as_str(), to.last().map_or("", |t| t.as_str()));
                    let from_prefix = from_text.split('*').next().unwrap_or("");
                    let from_suffix = from_text.rsplit('*').next().unwrap_or("");
                    let mut add = Needs::none();
                    if single {
                        for name in &n.names {
                            if let Some(mid) = name.strip_prefix(to_prefix).and_then(|r| r.strip_suffix(to_suffix)) {
                                add.add(&format!("{from_prefix}{mid}{from_suffix}"));
                            }
                        }
                        for p in &n.prefixes {
                            if to_suffix.is_empty()
                                && let Some(mid) = p.strip_prefix(to_prefix)
                            {
                                add.add_pattern(&format!("{from_prefix}{mid}*"));
                            }
                        }
                    } else {
                        add.add_pattern(&format!("{from_prefix}*"));
                    }
                    n.extend(&add);
                }
            }
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
    use crate::expr::EvalContext;
    use crate::plan::Plan;

    #[test]
    fn pairs_with_and_without_commas() {
        let input = vec![row(&[
            ("sourceIPs{}", "1.2.3.4"),
            ("user.username", "bob"),
            ("source", "c1"),
        ])];
        let got = run(
            "rename sourceIPs{} as src_ip, user.username as user | rename source as cluster_name",
            input,
        );
        assert_eq!(
            got,
            rows(&[&[("src_ip", "1.2.3.4"), ("user", "bob"), ("cluster_name", "c1")]])
        );
    }

    #[test]
    fn overwrites_and_nulls_the_target() {
        // `object.* AS *` then `involvedObject.* AS *` overwrite `kind`; a missing source removes
        // the target (here the built-in `host`).
        let input = vec![
            row(&[
                ("host", "replay"),
                ("object.kind", "Event"),
                ("object.involvedObject.kind", "Pod"),
                ("object.source.host", "node-1"),
            ]),
            row(&[("host", "replay"), ("object.kind", "Event")]),
        ];
        let got = run(
            "rename object.* AS * | rename involvedObject.* AS * | rename source.host AS host",
            input,
        );
        assert_eq!(
            got,
            rows(&[&[("kind", "Pod"), ("host", "node-1")], &[("kind", "Event")]])
        );
    }

    #[test]
    fn needs_map_back_through_renames() {
        let plan = Plan::compile_text(
            "search object.message=x | rename object.* AS * | rename involvedObject.* AS * | rename source.host AS host | stats count BY host name",
            &EvalContext::default(),
        )
        .unwrap();
        let n = plan.needs();
        assert!(!n.all);
        for f in [
            "object.message",
            "object.source.host",
            "object.involvedObject.name",
            "object.name",
        ] {
            assert!(n.contains(f), "{f} not in {n:?}");
        }
        assert!(!n.contains("object.metadata.uid"));
    }
}

//! Field needs: which fields a pipeline reads, computed backwards from its end.
//!
//! Parsing an audit event costs in proportion to the fields extracted, so the compiler works out
//! the fields each command needs from its input, given what the commands after it need: `stats
//! count BY src` needs only `src`, whatever came before; `rename a AS b` turns a need for `b` into
//! a need for `a`. What the first command needs is what the event parser extracts.

use std::collections::BTreeSet;

use crate::json::{FieldSet, Projection};
use crate::row::RAW;
use crate::value::Text;

/// A set of field names and name prefixes, or every field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// Every field is needed.
    pub all: bool,
    /// Exact names.
    pub names: BTreeSet<Text>,
    /// Prefixes: every field starting with one is needed.
    pub prefixes: BTreeSet<Text>,
}

impl Needs {
    /// Nothing needed.
    #[must_use]
    pub fn none() -> Needs {
        Needs::default()
    }

    /// Every field needed.
    #[must_use]
    pub fn all() -> Needs {
        Needs {
            all: true,
            ..Needs::default()
        }
    }

    /// Add an exact name.
    pub fn add(&mut self, name: &str) {
        if !self.all {
            self.names.insert(Text::from(name));
        }
    }

    /// Add a field name that may contain `*` wildcards: `a.*` is a prefix; any other wildcard
    /// needs every field.
    pub fn add_pattern(&mut self, pattern: &str) {
        match pattern.find('*') {
            None => self.add(pattern),
            Some(i) if i == pattern.len() - 1 => {
                if !self.all {
                    self.prefixes.insert(Text::from(&pattern[..i]));
                }
            }
            Some(_) => *self = Needs::all(),
        }
    }

    /// Remove an exact name (a command that sets a field does not need its old value).
    pub fn remove(&mut self, name: &str) {
        self.names.remove(name);
    }

    /// Add everything in `other`.
    pub fn extend(&mut self, other: &Needs) {
        if other.all {
            *self = Needs::all();
        } else if !self.all {
            self.names.extend(other.names.iter().cloned());
            self.prefixes.extend(other.prefixes.iter().cloned());
        }
    }

    /// Whether `name` is needed.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.all || self.names.contains(name) || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
    }

    /// The JSON projection that extracts these fields (`_raw` and metadata are not JSON fields).
    #[must_use]
    pub fn projection(&self) -> Projection {
        if self.all {
            return Projection::All;
        }
        let mut set = FieldSet::new();
        for n in &self.names {
            set.insert_name(n);
        }
        for p in &self.prefixes {
            set.insert_prefix(p);
        }
        Projection::Only(set)
    }

    /// Whether `_raw` must be kept.
    #[must_use]
    pub fn wants_raw(&self) -> bool {
        self.contains(RAW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let mut n = Needs::none();
        n.add_pattern("object.*");
        n.add("verb");
        assert!(n.contains("object.message"));
        assert!(n.contains("verb"));
        assert!(!n.contains("user"));
        n.add_pattern("*.image");
        assert!(n.all && n.contains("user"));
    }
}

//! Backtick macro expansion with a source map, as Splunk does it: textual substitution before
//! parsing.
//!
//! (Skeleton: types are fixed; the implementation is being written.)

use crate::{Diagnostic, Span};

/// One macro definition: `name`, its declared argument names, and the definition text.
///
/// Splunk stores a macro with arguments under `name(N)`; here the arity is `args.len()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MacroDef {
    /// The name without the `(N)` arity suffix.
    pub name: String,
    /// Declared argument names, in order (`$arg$` in the definition refers to them).
    pub args: Vec<String>,
    /// The SPL text the call is replaced with.
    pub definition: String,
    /// Where the definition came from (a file path, "built-in", ...), for messages.
    pub origin: Option<String>,
}

/// A set of macro definitions keyed by name and arity.
#[derive(Clone, Debug, Default)]
pub struct MacroTable {
    defs: std::collections::BTreeMap<(String, usize), MacroDef>,
}

/// Knobs for [`expand`].
#[derive(Clone, Debug)]
pub struct ExpandOptions {
    /// Expand an undefined `<name>_filter` macro to `search *`, as contentctl generates it.
    pub synthesize_filter_macros: bool,
    /// Maximum nesting depth of macro calls.
    pub max_depth: usize,
    /// Maximum length in bytes of the expanded text.
    pub max_len: usize,
}

/// The result of expanding a search.
#[derive(Clone, Debug)]
pub struct Expansion {
    /// The expanded text, ready for the parser.
    pub text: String,
    /// Maps spans in `text` back to the text the user wrote.
    pub map: SourceMap,
    /// Problems found while expanding; spans point into the original text.
    pub diagnostics: Vec<Diagnostic>,
}

/// Maps byte spans of expanded text back to the original text.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    _private: (),
}

#[allow(dead_code)]
fn _uses(_: Span) {}

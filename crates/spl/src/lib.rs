//! Tripline's front end for Splunk's search processing language (SPL).
//!
//! The pipeline is: [`macros::expand`] substitutes backtick macros textually (as Splunk does) and
//! keeps a [`SourceMap`] back to what the user wrote; [`parse`] turns the expanded text into an
//! [`ast::Query`] with byte [`Span`]s plus [`Diagnostic`]s, recovering at `|` and `]` so one pass
//! reports several errors; [`print`] renders an AST back to canonical SPL. [`pcre::compile`]
//! compiles a Splunk regex with PCRE's meaning; the parser checks literal regexes with it and the
//! engine runs them with it.
//!
//! The crate does no I/O: callers hand it text and macro definitions.

mod analyze;
pub mod ast;
pub mod diagnostic;
pub mod functions;
pub mod macros;
mod parser;
pub mod pcre;
mod printer;
mod span;
pub mod timespec;

pub use analyze::{Analysis, analyze};
pub use diagnostic::{Code, Diagnostic, Label, Severity};
pub use macros::{ExpandOptions, Expansion, MacroDef, MacroTable, SourceMap, expand};
pub use parser::{ParseOutput, parse, parse_expression, suggest as did_you_mean};
pub use printer::{print, print_expr, print_search};
pub use span::Span;

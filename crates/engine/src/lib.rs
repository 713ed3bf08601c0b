//! Tripline's evaluation engine: the event and value model with Splunk's field naming, the compiler
//! from an SPL AST to a plan (field projection, literal prefilter, streaming prefix and blocking
//! stages), one module per SPL command and per eval function, and the batch and window executors.
//!
//! This crate is being built; see `docs/spl.md` for what is supported today.

pub mod expr;
pub mod functions;
pub mod geoip;
pub mod json;
pub mod limits;
pub mod lookup;
pub mod row;
pub mod time;
pub mod value;

/// A problem turning a parsed search into something the engine can run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct CompileError {
    /// Where in the (expanded) search text.
    pub span: tripline_spl::Span,
    /// What is wrong.
    pub message: String,
}

impl CompileError {
    /// A new error.
    #[must_use]
    pub fn new(span: tripline_spl::Span, message: impl Into<String>) -> Self {
        Self {
            span,
            message: message.into(),
        }
    }
}
pub mod aggregate;
pub mod commands;
pub mod event;
pub mod needs;
pub mod plan;
pub mod search;

//! Tripline's evaluation engine: the event and value model with Splunk's field naming, the compiler
//! from an SPL AST to a plan (field projection, literal prefilter, streaming prefix and blocking
//! stages), one module per SPL command and per eval function, and the batch and window executors.
//!
//! This crate is being built; see `docs/spl.md` for what is supported today.

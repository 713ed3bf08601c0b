//! Tripline's sources and normalizers: files, directories, gzip and stdin; format detection for raw
//! audit events, webhook `EventList` bodies, EKS CloudWatch, GKE Cloud Audit, AKS diagnostics and
//! Kubernetes object events; and the write-ahead log of the real-time server.
//!
//! This crate is being built; the ingest issue defines its scope.

pub mod source;

pub use source::{Input, LineReader, SourceError, expand};

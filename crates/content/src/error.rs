//! Errors from loading content files.

use std::path::{Path, PathBuf};

/// Something that went wrong while reading or interpreting one content file.
///
/// Every variant carries the file's path, and a 1-based line and column (column counted in
/// characters) where one is known. The `Display` text never repeats the location: a renderer
/// prints `path:line:column` from the fields (see [`LoadError::path`] and
/// [`LoadError::line_col`]) and then the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file or directory could not be read.
    #[error("cannot read: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid YAML.
    #[error("invalid YAML: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column (in characters) of the problem.
        column: usize,
        /// What the YAML parser said.
        message: String,
    },
    /// The document's top level is not a mapping (`key: value` pairs).
    #[error("expected a mapping of `key: value` pairs at the top level")]
    NotAMapping {
        /// The file.
        path: PathBuf,
        /// 1-based line of the document's root node.
        line: usize,
        /// 1-based column of the document's root node.
        column: usize,
    },
    /// A required top-level key is absent.
    #[error("missing required key `{field}`")]
    MissingField {
        /// The file.
        path: PathBuf,
        /// The key that is missing.
        field: &'static str,
    },
    /// A key is present but its value has the wrong shape (e.g. a list where a string belongs).
    #[error("`{field}` must be {expected}")]
    InvalidField {
        /// The file.
        path: PathBuf,
        /// The key whose value is wrong.
        field: &'static str,
        /// What the value should have been, e.g. "a string".
        expected: &'static str,
        /// 1-based line of the offending value.
        line: usize,
        /// 1-based column of the offending value.
        column: usize,
    },
    /// A top-level key appears twice, so it is unclear which value is meant.
    #[error("duplicate key `{key}`")]
    DuplicateKey {
        /// The file.
        path: PathBuf,
        /// The repeated key.
        key: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// 1-based column of the second occurrence.
        column: usize,
    },
    /// A problem with a macro definition found by the SPL front end: a `macros.conf` stanza that
    /// defines no usable macro, or (reported as a warning) arguments that do not match the
    /// definition.
    #[error("{code}: {message}")]
    MacroDefinition {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// The stable diagnostic code (e.g. `SPL0106`).
        code: tripline_spl::Code,
        /// What is wrong.
        message: String,
    },
    /// A file named on the command line that is not a kind Tripline reads here.
    #[error("unsupported file type (expected {expected})")]
    UnsupportedFile {
        /// The file.
        path: PathBuf,
        /// The accepted kinds, e.g. "`.yml`, `.yaml` or `.spl`".
        expected: &'static str,
    },
}

impl LoadError {
    /// The file or directory the error is about.
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            Self::Io { path, .. }
            | Self::Yaml { path, .. }
            | Self::NotAMapping { path, .. }
            | Self::MissingField { path, .. }
            | Self::InvalidField { path, .. }
            | Self::DuplicateKey { path, .. }
            | Self::MacroDefinition { path, .. }
            | Self::UnsupportedFile { path, .. } => path,
        }
    }

    /// The 1-based `(line, column)` of the problem, when one is known.
    #[must_use]
    pub fn line_col(&self) -> Option<(usize, usize)> {
        match self {
            Self::Yaml { line, column, .. }
            | Self::NotAMapping { line, column, .. }
            | Self::InvalidField { line, column, .. }
            | Self::DuplicateKey { line, column, .. }
            | Self::MacroDefinition { line, column, .. } => Some((*line, *column)),
            Self::Io { .. } | Self::MissingField { .. } | Self::UnsupportedFile { .. } => None,
        }
    }
}

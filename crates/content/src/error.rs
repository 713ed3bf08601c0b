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
    /// A value inside the file has the wrong type or an unknown value (a list where a string
    /// belongs, `status: live`, a score of 300), or a nested key that is required is absent.
    #[error("{}{message}", key_prefix(key))]
    InvalidValue {
        /// The file.
        path: PathBuf,
        /// Where in the document, as a key path such as `tags.observable[1].role` (empty when
        /// the position could not be tied to a key).
        key: String,
        /// What is wrong, e.g. "expected one of production, experimental, deprecated".
        message: String,
        /// 1-based line of the offending value.
        line: usize,
        /// 1-based column (in characters) of the offending value.
        column: usize,
    },
    /// A lookup's CSV file exists but cannot be read as CSV.
    #[error("lookup table `{table}`: {source}")]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// The lookup definition's name.
        table: String,
        /// 1-based line of the problem in the CSV file.
        line: usize,
        /// What the CSV reader said.
        #[source]
        source: tripline_engine::lookup::CsvError,
    },
    /// A lookup definition whose table Tripline cannot load: a KV store collection, or a CSV
    /// file that is not beside the YAML. Reported as a warning: only searches that use the
    /// lookup are affected.
    #[error("lookup `{name}` has no loadable table: {reason}")]
    LookupUnavailable {
        /// The lookup YAML file.
        path: PathBuf,
        /// The lookup's name.
        name: String,
        /// Why, e.g. "it is a KV store collection (`k8s_process_resource_baseline`)".
        reason: String,
    },
    /// A YAML file that is neither a detection, a story, a macro nor a lookup definition
    /// (reported as a warning and skipped).
    #[error("not a detection, story, macro or lookup file; skipped")]
    UnrecognizedContent {
        /// The file.
        path: PathBuf,
    },
    /// Two detections share an `id` (reported as a warning; both are loaded, but their
    /// findings' ids may collide).
    #[error("detection id `{id}` is also used by {}", first.display())]
    DuplicateId {
        /// The file of the second detection.
        path: PathBuf,
        /// The shared id.
        id: String,
        /// The file of the first detection with that id.
        first: PathBuf,
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
            | Self::InvalidValue { path, .. }
            | Self::Csv { path, .. }
            | Self::LookupUnavailable { path, .. }
            | Self::UnrecognizedContent { path }
            | Self::DuplicateId { path, .. }
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
            | Self::MacroDefinition { line, column, .. }
            | Self::InvalidValue { line, column, .. } => Some((*line, *column)),
            Self::Csv { line, .. } => Some((*line, 1)),
            Self::Io { .. }
            | Self::MissingField { .. }
            | Self::UnsupportedFile { .. }
            | Self::LookupUnavailable { .. }
            | Self::UnrecognizedContent { .. }
            | Self::DuplicateId { .. } => None,
        }
    }
}

/// "`key`: " before a message, or nothing when the key is unknown.
fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("`{key}`: ")
    }
}

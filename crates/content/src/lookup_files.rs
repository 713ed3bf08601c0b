//! Lookup definitions (`lookups/*.yml`) and the CSV tables beside them.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;
use tripline_engine::lookup::{DEFAULT_MAX_MATCHES, Lookup, LookupDefinition, LookupTable, MatchType};

use crate::LoadError;
use crate::typed::{OneOrMany, TypedDoc};

/// One lookup definition file.
///
/// security_content writes CSV lookups as `name`, `filename`, `description` and the matching
/// options (`match_type: WILDCARD(field)`, `case_sensitive_match`, `default_match`,
/// `min_matches`, `max_matches`), and KV store lookups as `collection` and `fields_list`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LookupFile {
    /// How to match, ready for the engine. Its `filename` is empty for a KV store lookup.
    pub definition: LookupDefinition,
    /// `filename`: the CSV file, relative to the YAML's directory.
    pub filename: Option<String>,
    /// `collection`: the KV store collection (Tripline cannot load these).
    pub collection: Option<String>,
    /// `fields_list` of a KV store lookup.
    pub fields_list: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// The YAML file.
    pub path: PathBuf,
}

impl LookupFile {
    /// The lookup's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.definition.name
    }
}

#[derive(Deserialize)]
struct RawLookup {
    name: Option<String>,
    filename: Option<String>,
    collection: Option<String>,
    fields_list: Option<String>,
    description: Option<String>,
    match_type: Option<Spanned<OneOrMany>>,
    case_sensitive_match: Option<bool>,
    default_match: Option<String>,
    min_matches: Option<usize>,
    max_matches: Option<usize>,
}

/// Read one lookup definition YAML. `case_sensitive_match`, `min_matches` and `max_matches`
/// may be quoted (`case_sensitive_match: 'false'`, as security_content writes them);
/// `match_type` may be one string or a list.
///
/// # Errors
///
/// [`LoadError::Yaml`], [`LoadError::NotAMapping`], [`LoadError::MissingField`] without `name`,
/// and [`LoadError::InvalidValue`] for a value of the wrong type or a `match_type` that is not
/// `WILDCARD(field)`, `CIDR(field)` or `EXACT(field)`.
pub fn load_lookup_yaml(path: &Path, text: &str) -> Result<LookupFile, LoadError> {
    let doc = TypedDoc::parse(path, text)?;
    let raw: RawLookup = doc.deserialize()?;
    let Some(name) = raw.name else {
        return Err(LoadError::MissingField {
            path: path.to_path_buf(),
            field: "name",
        });
    };
    let mut definition = LookupDefinition::new(name, raw.filename.clone().unwrap_or_default());
    if let Some(spec) = raw.match_type {
        let span = doc.span(&spec);
        for item in spec.value.into_vec() {
            let parsed = MatchType::parse_spec(&item).map_err(|e| doc.invalid(span, "match_type", e))?;
            definition.match_type.extend(parsed);
        }
    }
    definition.case_sensitive = raw.case_sensitive_match.unwrap_or(true);
    definition.default_match = raw.default_match;
    definition.min_matches = raw.min_matches.unwrap_or(0);
    definition.max_matches = raw.max_matches.unwrap_or(DEFAULT_MAX_MATCHES);
    Ok(LookupFile {
        definition,
        filename: raw.filename,
        collection: raw.collection,
        fields_list: raw.fields_list,
        description: raw.description,
        path: path.to_path_buf(),
    })
}

/// What became of a lookup definition's table.
pub(crate) enum TableOutcome {
    /// The table loaded.
    Loaded(Lookup),
    /// There is no table to load (a warning).
    Unavailable(LoadError),
    /// The CSV is broken (an error).
    Failed(LoadError),
}

/// Load the table of `file`. `read_csv` reads a file name relative to the YAML's directory:
/// `None` when it does not exist, with its path for messages.
pub(crate) fn load_table(
    file: &LookupFile,
    read_csv: impl FnOnce(&str) -> (PathBuf, Option<Result<String, std::io::Error>>),
) -> TableOutcome {
    let unavailable = |reason: String| {
        TableOutcome::Unavailable(LoadError::LookupUnavailable {
            path: file.path.clone(),
            name: file.name().to_owned(),
            reason,
        })
    };
    let Some(filename) = file.filename.as_deref().filter(|f| !f.is_empty()) else {
        return match &file.collection {
            Some(c) => unavailable(format!(
                "it is a KV store collection (`{c}`); only searches that use it are affected"
            )),
            None => unavailable("it names neither a `filename` nor a `collection`".into()),
        };
    };
    let (csv_path, text) = read_csv(filename);
    match text {
        None => unavailable(format!("`{}` does not exist", csv_path.display())),
        Some(Err(source)) => TableOutcome::Failed(LoadError::Io { path: csv_path, source }),
        Some(Ok(text)) => match LookupTable::from_csv(&text) {
            Ok(table) => TableOutcome::Loaded(Lookup::new(file.definition.clone(), table)),
            Err(source) => TableOutcome::Failed(LoadError::Csv {
                path: csv_path,
                table: file.name().to_owned(),
                line: source.line,
                source,
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_content_lookup() {
        let text = "name: local_file_inclusion_paths\nfilename: local_file_inclusion_paths.csv\n\
                    match_type: WILDCARD(local_file_inclusion_paths)\ncase_sensitive_match: 'false'\n\
                    min_matches: 1\ndefault_match: 'false'\ndescription: paths\n";
        let l = load_lookup_yaml(Path::new("lookups/lfi.yml"), text).unwrap();
        assert_eq!(l.name(), "local_file_inclusion_paths");
        assert_eq!(l.definition.filename, "local_file_inclusion_paths.csv");
        assert_eq!(
            l.definition.match_type_of("local_file_inclusion_paths"),
            MatchType::Wildcard
        );
        assert!(!l.definition.case_sensitive);
        assert_eq!(l.definition.min_matches, 1);
        assert_eq!(l.definition.default_match.as_deref(), Some("false"));
        assert_eq!(l.definition.max_matches, DEFAULT_MAX_MATCHES);

        let TableOutcome::Loaded(lookup) = load_table(&l, |f| {
            (
                PathBuf::from(f),
                Some(Ok("local_file_inclusion_paths, lfi_path\n*/etc/passwd*, yes\n".into())),
            )
        }) else {
            panic!("table did not load")
        };
        assert_eq!(lookup.table.rows().len(), 1);
        assert!(matches!(
            load_table(&l, |f| (PathBuf::from(f), None)),
            TableOutcome::Unavailable(LoadError::LookupUnavailable { .. })
        ));
        assert!(matches!(
            load_table(&l, |f| (PathBuf::from(f), Some(Ok("a,\"b\n".into())))),
            TableOutcome::Failed(LoadError::Csv { .. })
        ));
    }

    #[test]
    fn match_type_list_and_errors() {
        let text = "name: x\nfilename: x.csv\nmatch_type:\n- WILDCARD(a)\n- CIDR(b)\n";
        let l = load_lookup_yaml(Path::new("x.yml"), text).unwrap();
        assert_eq!(l.definition.match_type_of("a"), MatchType::Wildcard);
        assert_eq!(l.definition.match_type_of("b"), MatchType::Cidr);

        let err = load_lookup_yaml(Path::new("x.yml"), "name: x\nmatch_type: FUZZY(a)\n").unwrap_err();
        assert!(
            matches!(&err, LoadError::InvalidValue { key, line: 2, column: 13, .. } if key == "match_type"),
            "{err:?}"
        );
    }

    #[test]
    fn kv_store_lookup_is_unavailable() {
        let text = "name: k8s_baseline\ncollection: k8s_baseline\nfields_list: key, count\n";
        let l = load_lookup_yaml(Path::new("x.yml"), text).unwrap();
        match load_table(&l, |_| unreachable!()) {
            TableOutcome::Unavailable(e) => assert!(e.to_string().contains("KV store"), "{e}"),
            _ => panic!("expected a warning"),
        }
    }
}

//! Analytic stories (`stories/*.yml`): named groups of detections with a narrative.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::Serialize;

use crate::LoadError;
use crate::typed::{OneOrMany, TypedDoc};

/// One analytic story.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Story {
    /// `id`.
    pub id: String,
    /// `name`: what detections list in `analytic_story`.
    pub name: String,
    /// `version`.
    pub version: Option<u32>,
    /// `author`.
    pub author: Option<String>,
    /// `date` or `creation_date`, as written.
    pub date: Option<String>,
    /// `description` (empty when absent).
    pub description: String,
    /// `narrative` (empty when absent).
    pub narrative: String,
    /// `references`.
    pub references: Vec<String>,
    /// `category` (under `tags` in the older layout), e.g. `Cloud Security`.
    pub category: Vec<String>,
    /// `usecase` (under `tags` in the older layout), e.g. `Security Monitoring`.
    pub usecase: Option<String>,
    /// `product`.
    pub product: Vec<String>,
    /// Names of the loaded detections that list this story, in load order (filled in by
    /// [`crate::load_content`]; empty from [`load_story`]).
    pub detections: Vec<String>,
    /// The file.
    pub path: PathBuf,
}

#[derive(Deserialize)]
struct RawStory {
    id: Option<String>,
    name: Option<String>,
    version: Option<u32>,
    author: Option<String>,
    date: Option<String>,
    creation_date: Option<String>,
    description: Option<String>,
    narrative: Option<String>,
    references: Option<Vec<String>>,
    category: Option<OneOrMany>,
    usecase: Option<String>,
    product: Option<OneOrMany>,
    tags: Option<RawStoryTags>,
}

#[derive(Deserialize)]
struct RawStoryTags {
    category: Option<OneOrMany>,
    usecase: Option<String>,
    product: Option<OneOrMany>,
}

/// Read one story file, in the 2024 layout (`category`, `product` and `usecase` under `tags:`)
/// or the flat newer one. Top-level keys win over `tags:`; unknown keys are ignored.
///
/// # Errors
///
/// [`LoadError::Yaml`], [`LoadError::NotAMapping`], [`LoadError::MissingField`] without `name`,
/// and [`LoadError::InvalidValue`] for a value of the wrong type.
pub fn load_story(path: &Path, text: &str) -> Result<Story, LoadError> {
    let doc = TypedDoc::parse(path, text)?;
    let raw: RawStory = doc.deserialize()?;
    let Some(name) = raw.name else {
        return Err(LoadError::MissingField {
            path: path.to_path_buf(),
            field: "name",
        });
    };
    let (tag_category, tag_usecase, tag_product) = match raw.tags {
        Some(t) => (t.category, t.usecase, t.product),
        None => (None, None, None),
    };
    Ok(Story {
        id: raw.id.unwrap_or_default(),
        name,
        version: raw.version,
        author: raw.author,
        date: raw.creation_date.or(raw.date),
        description: raw.description.unwrap_or_default(),
        narrative: raw.narrative.unwrap_or_default(),
        references: raw.references.unwrap_or_default(),
        category: raw
            .category
            .or(tag_category)
            .map(OneOrMany::into_vec)
            .unwrap_or_default(),
        usecase: raw.usecase.or(tag_usecase),
        product: raw.product.or(tag_product).map(OneOrMany::into_vec).unwrap_or_default(),
        detections: Vec::new(),
        path: path.to_path_buf(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_layout() {
        let text = "name: Kubernetes Scanning Activity\nid: 1\ncreation_date: '2026-05-13'\ndescription: d\n\
                    narrative: n\ncategory: Cloud Security\nproduct: [Splunk Cloud]\nusecase: Security Monitoring\n\
                    references: [https://example.com]\nnew_key: {x: 1}\n";
        let s = load_story(Path::new("s.yml"), text).unwrap();
        assert_eq!(s.name, "Kubernetes Scanning Activity");
        assert_eq!(s.id, "1");
        assert_eq!(s.date.as_deref(), Some("2026-05-13"));
        assert_eq!(s.category, vec!["Cloud Security"]);
        assert_eq!(s.product, vec!["Splunk Cloud"]);
        assert_eq!(s.usecase.as_deref(), Some("Security Monitoring"));
    }

    #[test]
    fn missing_name() {
        let err = load_story(Path::new("s.yml"), "id: x\nnarrative: n\n").unwrap_err();
        assert!(matches!(err, LoadError::MissingField { field: "name", .. }));
    }
}

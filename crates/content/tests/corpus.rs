//! The real security_content files: every detection's search loads with an exact offset map,
//! and the macro directory loads without errors.

mod common;

use std::path::PathBuf;

use common::{assert_faithful, corpus};
use tripline_content::{discover, load_macros, macro_dirs_for, searches_from_yaml};

/// The number of detection files in the corpus snapshot (`detections/cloud` and
/// `detections/deprecated`), every one of which has a `search:`.
const DETECTIONS: usize = 63;

/// An independent decoder for single-quoted YAML scalars (YAML 1.2 §7.3.2 and §6.5 line
/// folding), to check the loader's text against something other than saphyr.
fn decode_single_quoted(file: &str, after_key: usize) -> String {
    let rest = &file[after_key..];
    let open = rest.find('\'').expect("opening quote");
    let body = &rest[open + 1..];
    let mut end = 0;
    let bytes = body.as_bytes();
    while end < bytes.len() {
        if bytes[end] == b'\'' {
            if bytes.get(end + 1) == Some(&b'\'') {
                end += 2;
                continue;
            }
            break;
        }
        end += 1;
    }
    let raw = body[..end].replace("\r\n", "\n");
    let lines: Vec<&str> = raw.split('\n').collect();
    let last = lines.len() - 1;
    let mut out = String::new();
    let mut pending_breaks = 0;
    for (i, line) in lines.iter().enumerate() {
        let mut l = *line;
        if i > 0 {
            l = l.trim_start_matches([' ', '\t']);
        }
        if i < last {
            l = l.trim_end_matches([' ', '\t']);
        }
        if i == 0 {
            out.push_str(l);
            continue;
        }
        if l.is_empty() && i < last {
            pending_breaks += 1;
            continue;
        }
        if pending_breaks == 0 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', pending_breaks));
        }
        pending_breaks = 0;
        out.push_str(l);
    }
    out.replace("''", "'")
}

fn detection_files() -> Vec<PathBuf> {
    let dir = corpus().join("security_content/detections");
    let found = discover(&[dir]);
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    found.searches
}

#[test]
fn every_detection_yields_an_exactly_mapped_search() {
    let files = detection_files();
    assert_eq!(files.len(), DETECTIONS);
    let mut searches = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let src = searches_from_yaml(path, &text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .unwrap_or_else(|| panic!("{}: no search", path.display()));
        searches += 1;

        assert_faithful(&src);
        let key = text.find("\nsearch:").expect("search key") + "\nsearch:".len();
        assert_eq!(src.text, decode_single_quoted(&text, key), "{}", path.display());
        assert_eq!(src.text.trim(), src.text, "{}", path.display());
        assert!(src.text.contains("_filter`"), "{}", path.display());
        assert!(src.name.as_deref().is_some_and(|n| !n.is_empty()));
        assert!(src.id.as_deref().is_some_and(|id| id.len() == 36));

        // The first character of the search is the one after the opening quote.
        let open = key + text[key..].find('\'').unwrap();
        assert_eq!(src.file_offset(0), open + 1, "{}", path.display());
    }
    assert_eq!(searches, DETECTIONS);
}

#[test]
fn a_whole_checkout_finds_only_detections() {
    let root = corpus().join("security_content");
    let found = discover(std::slice::from_ref(&root));
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let mut sorted = found.searches.clone();
    sorted.sort();
    assert_eq!(found.searches, sorted, "discovery order is sorted");
    assert!(
        found
            .searches
            .iter()
            .all(|p| !p.components().any(|c| c.as_os_str() == "macros"))
    );
    let searches = found
        .searches
        .iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            searches_from_yaml(p, &text).unwrap().is_some()
        })
        .count();
    assert_eq!(searches, DETECTIONS);
}

#[test]
fn corpus_macros_load_cleanly() {
    let dir = corpus().join("security_content/macros");
    let files = std::fs::read_dir(&dir).unwrap().count();
    let load = load_macros(std::slice::from_ref(&dir));
    assert!(load.errors.is_empty(), "{:?}", load.errors);
    assert_eq!(load.table.len(), files);

    let kube = load.table.get("kube_audit", 0).expect("kube_audit");
    assert_eq!(kube.definition, "source=\"kubernetes\"");
    assert!(kube.origin.as_deref().is_some_and(|o| o.ends_with("kube_audit.yml")));
    let ctime = load
        .table
        .get("security_content_ctime", 1)
        .expect("security_content_ctime(1)");
    assert_eq!(ctime.args, ["field"]);
    assert_eq!(
        ctime.definition,
        "convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime($field$)"
    );
    assert!(load.table.get("security_content_ctime", 0).is_none());
}

#[test]
fn detections_find_the_checkout_macros() {
    let root = corpus().join("security_content");
    let file = root.join("detections/cloud/kubernetes_access_scanning.yml");
    let macros = std::fs::canonicalize(root.join("macros")).unwrap();
    assert_eq!(macro_dirs_for(&file).last(), Some(&macros));
    assert_eq!(macro_dirs_for(&root.join("detections")).last(), Some(&macros));
}

//! Finding content files under the paths a user names.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use crate::LoadError;

/// The files that may hold searches, found under some paths, and what could not be read.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Discovery {
    /// `.yml`, `.yaml` and `.spl` files, in a stable order: the paths in the order given, each
    /// directory walked depth first with entries sorted by name. A file appears once.
    pub searches: Vec<PathBuf>,
    /// Paths that could not be read, and named files of an unsupported type.
    pub errors: Vec<LoadError>,
}

/// Find the files under `paths` that may hold searches.
///
/// A named file is taken if it ends in `.yml`, `.yaml` or `.spl` (otherwise it is an
/// [`LoadError::UnsupportedFile`]). A named directory is walked recursively, skipping
/// directories called `macros` (macro definitions are not detections), hidden entries (names
/// starting with `.`), and symbolic links to directories (so a link cannot make a loop). YAML
/// files found this way may still turn out to have no `search:` (stories, data sources,
/// lookups); [`crate::searches_from_yaml`] returns `None` for those.
#[must_use]
pub fn discover(paths: &[PathBuf]) -> Discovery {
    let mut found = Discovery::default();
    let mut seen = HashSet::new();
    for path in paths {
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(source) => {
                found.errors.push(LoadError::Io {
                    path: path.clone(),
                    source,
                });
                continue;
            }
        };
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(
                path,
                is_search_file,
                |name| name == "macros",
                &mut files,
                &mut found.errors,
            );
            for file in files {
                if seen.insert(file.clone()) {
                    found.searches.push(file);
                }
            }
        } else if is_search_file(path) {
            if seen.insert(path.clone()) {
                found.searches.push(path.clone());
            }
        } else {
            found.errors.push(LoadError::UnsupportedFile {
                path: path.clone(),
                expected: "`.yml`, `.yaml` or `.spl`",
            });
        }
    }
    found
}

/// The `macros/` directories that belong with a detection file or directory: the `macros`
/// subdirectory of the path (when it is a directory) and of each of its ancestors.
///
/// A security_content checkout keeps detections in `detections/<category>/` and macros in
/// `macros/` at its root, so any detection path inside it finds the root's `macros/`. The list
/// is in load order for [`crate::load_macros`], outermost first, so that definitions nearer the
/// detection, loaded later, replace those from further up. A relative
/// `path` is resolved against the current directory (following symbolic links, so `..` means
/// the real parent) to walk above it; directories found under the current directory are
/// returned relative to it.
#[must_use]
pub fn macro_dirs_for(path: &Path) -> Vec<PathBuf> {
    let Ok(resolved) = fs::canonicalize(path) else {
        return Vec::new();
    };
    let cwd = std::env::current_dir().ok().and_then(|cwd| fs::canonicalize(cwd).ok());
    let start = if resolved.is_dir() {
        resolved.as_path()
    } else {
        resolved.parent().unwrap_or(resolved.as_path())
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    for ancestor in start.ancestors() {
        let candidate = ancestor.join("macros");
        if !candidate.is_dir() {
            continue;
        }
        let shown = match &cwd {
            Some(cwd) if path.is_relative() => candidate
                .strip_prefix(cwd)
                .map_or_else(|_| candidate.clone(), Path::to_path_buf),
            _ => candidate,
        };
        if !dirs.contains(&shown) {
            dirs.push(shown);
        }
    }
    dirs.reverse();
    dirs
}

/// Whether `path` names a file that may hold a search.
fn is_search_file(path: &Path) -> bool {
    has_extension(path, &["yml", "yaml", "spl"])
}

/// Whether `path` ends in one of `extensions` (compared case-insensitively).
pub(crate) fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .and_then(OsStr::to_str)
        .is_some_and(|ext| extensions.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

/// Walk `root` depth first in name order, collecting files `accept` takes and skipping hidden
/// entries, directories `skip_dir` names, and symbolic links to directories.
pub(crate) fn walk(
    root: &Path,
    accept: impl Fn(&Path) -> bool,
    skip_dir: impl Fn(&OsStr) -> bool,
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<LoadError>,
) {
    // Paths still to visit, the next one last; an explicit stack so depth costs no recursion.
    let mut stack = vec![root.to_path_buf()];
    let mut is_root = true;
    while let Some(path) = stack.pop() {
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(source) => {
                errors.push(LoadError::Io { path, source });
                continue;
            }
        };
        let is_dir = if is_root {
            // The root was named by the user; follow it even if it is a link.
            is_root = false;
            true
        } else if meta.file_type().is_symlink() {
            // Follow links to files, never links to directories.
            match fs::metadata(&path) {
                Ok(target) if target.is_dir() => continue,
                Ok(_) => false,
                Err(source) => {
                    errors.push(LoadError::Io { path, source });
                    continue;
                }
            }
        } else {
            meta.is_dir()
        };
        if !is_dir {
            if accept(&path) {
                files.push(path);
            }
            continue;
        }
        let entries = match fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(source) => {
                errors.push(LoadError::Io { path, source });
                continue;
            }
        };
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => {
                    let name = entry.file_name();
                    if name.as_encoded_bytes().starts_with(b".") {
                        continue;
                    }
                    let child = entry.path();
                    let child_is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                    if child_is_dir && skip_dir(&name) {
                        continue;
                    }
                    children.push((name, child));
                }
                Err(source) => errors.push(LoadError::Io {
                    path: path.clone(),
                    source,
                }),
            }
        }
        children.sort();
        stack.extend(children.into_iter().rev().map(|(_, child)| child));
    }
}

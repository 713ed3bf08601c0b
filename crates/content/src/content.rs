//! Loading a whole set of content — detections, stories, macros, lookups — with partial success.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use tripline_engine::lookup::LookupRegistry;
use tripline_spl::MacroTable;

use crate::discover::{has_extension, walk};
use crate::lookup_files::{LookupFile, TableOutcome, load_lookup_yaml, load_table};
use crate::macro_files::load_macros;
use crate::story::{Story, load_story};
use crate::typed::TypedDoc;
use crate::{BUILTIN_FILES, Detection, LoadError, load_detection, load_macro_yaml, macro_dirs_for};

/// Everything loaded from some content paths, and what failed.
///
/// Loading never stops at a bad file: each failure is one entry of [`ContentLoad::errors`]
/// with its path and, where known, line and column, and everything else still loads.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ContentLoad {
    /// The detections, in load order (paths in the order given; directories in name order).
    pub detections: Vec<Detection>,
    /// The analytic stories, each with the names of the loaded detections that list it.
    pub stories: Vec<Story>,
    /// Every macro definition (a later definition of the same name and arity wins).
    pub macros: MacroTable,
    /// Every lookup whose table loaded, by name, for the engine.
    pub lookups: LookupRegistry,
    /// Every lookup definition read, including those whose table could not be loaded.
    pub lookup_files: Vec<LookupFile>,
    /// Files (or parts of files) that could not be loaded.
    pub errors: Vec<LoadError>,
    /// Things that loaded but deserve attention: a lookup without a loadable table (a KV store
    /// collection, a missing CSV), a YAML file of no known kind, a detection id used twice,
    /// macro argument mismatches.
    pub warnings: Vec<LoadError>,
}

impl ContentLoad {
    /// The detection with this id or, failing that, this name.
    #[must_use]
    pub fn detection(&self, id_or_name: &str) -> Option<&Detection> {
        self.detections
            .iter()
            .find(|d| d.id == id_or_name)
            .or_else(|| self.detections.iter().find(|d| d.name == id_or_name))
    }

    /// The story with this name.
    #[must_use]
    pub fn story(&self, name: &str) -> Option<&Story> {
        self.stories.iter().find(|s| s.name == name)
    }

    /// Link stories to detections and report duplicate detection ids.
    fn finish(&mut self) {
        for story in &mut self.stories {
            story.detections = self
                .detections
                .iter()
                .filter(|d| d.analytic_story.contains(&story.name))
                .map(|d| d.name.clone())
                .collect();
        }
        let mut first: HashMap<&str, &Path> = HashMap::new();
        for d in &self.detections {
            if let Some(earlier) = first.get(d.id.as_str()) {
                self.warnings.push(LoadError::DuplicateId {
                    path: d.path.clone(),
                    id: d.id.clone(),
                    first: earlier.to_path_buf(),
                });
            } else {
                first.insert(&d.id, &d.path);
            }
        }
    }

    fn add_detection(&mut self, path: &Path, text: &str) {
        match load_detection(path, text) {
            Ok(d) => self.detections.push(d),
            Err(e) => self.errors.push(e),
        }
    }

    fn add_story(&mut self, path: &Path, text: &str) {
        match load_story(path, text) {
            Ok(s) => self.stories.push(s),
            Err(e) => self.errors.push(e),
        }
    }

    fn add_lookup(
        &mut self,
        path: &Path,
        text: &str,
        read_csv: impl FnOnce(&str) -> (PathBuf, Option<Result<String, std::io::Error>>),
    ) {
        let file = match load_lookup_yaml(path, text) {
            Ok(file) => file,
            Err(e) => return self.errors.push(e),
        };
        match load_table(&file, read_csv) {
            TableOutcome::Loaded(lookup) => self.lookups.insert(lookup),
            TableOutcome::Unavailable(w) => self.warnings.push(w),
            TableOutcome::Failed(e) => self.errors.push(e),
        }
        self.lookup_files.push(file);
    }

    /// A file whose kind is known only from its contents: a detection has `search`, a story
    /// `narrative`, a macro `definition`, a lookup `filename` or `collection`.
    fn add_by_content(&mut self, path: &Path, text: &str, read_csv: impl Fn(&Path, &str) -> CsvRead) {
        let doc = match TypedDoc::parse(path, text) {
            Ok(doc) => doc,
            Err(e) => return self.errors.push(e),
        };
        if doc.has_key("search") {
            self.add_detection(path, text);
        } else if doc.has_key("narrative") {
            self.add_story(path, text);
        } else if doc.has_key("definition") {
            match load_macro_yaml(path, text) {
                Ok(def) => {
                    self.macros.insert(def);
                }
                Err(e) => self.errors.push(e),
            }
        } else if doc.has_key("filename") || doc.has_key("collection") {
            self.add_lookup(path, text, |f| read_csv(path, f));
        } else {
            self.warnings.push(LoadError::UnrecognizedContent {
                path: path.to_path_buf(),
            });
        }
    }
}

/// What reading a CSV beside a lookup YAML gave: its path, and its text unless it is absent.
type CsvRead = (PathBuf, Option<Result<String, std::io::Error>>);

/// The CSV `filename` in the directory of the lookup YAML `yaml`.
fn read_csv_beside(yaml: &Path, filename: &str) -> CsvRead {
    let csv = yaml.parent().unwrap_or(Path::new("")).join(filename);
    match fs::read_to_string(&csv) {
        Ok(text) => (csv, Some(Ok(text))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (csv, None),
        Err(e) => (csv, Some(Err(e))),
    }
}

/// What a file is, from the directory it sits in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Detection,
    Story,
    Macro,
    Lookup,
    /// Decided by the file's contents.
    Unknown,
}

/// Load detections, stories, macros and lookups from files and directories.
///
/// Each path is one of:
///
/// - a **security_content checkout** (a directory with a `detections/` subdirectory and a
///   `macros/`, `stories/` or `lookups/` one): `detections/**`, `stories/**`, `macros/` and
///   `lookups/` are loaded, and nothing else (`baselines/`, `data_sources/`, `removed/` ...);
/// - any other **directory**, walked recursively in name order (hidden entries and links to
///   directories skipped): files under a directory named `detections`, `stories`, `macros` or
///   `lookups` are taken as that kind; other `.yml`/`.yaml` files by their contents (a
///   detection has `search`, a story `narrative`, a macro `definition`, a lookup `filename` or
///   `collection`; anything else is a warning);
/// - a **file**, taken by its contents in the same way.
///
/// The `macros/` and `lookups/` directories beside each path and its ancestors are loaded too
/// (outermost first, as [`crate::macro_dirs_for`] finds them), so a single detection inside a
/// checkout sees the checkout's macros and lookups. Macro files nearer the content load later
/// and win. Each lookup YAML's table is the CSV named by its `filename` in the same directory;
/// a KV store lookup or a missing CSV is a warning. Every file is loaded once, however many
/// paths reach it.
#[must_use]
pub fn load_content(paths: &[PathBuf]) -> ContentLoad {
    let mut load = ContentLoad::default();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut files: Vec<(PathBuf, Role)> = Vec::new();
    let mut ancestor_files: Vec<(PathBuf, Role)> = Vec::new();
    let mut macro_paths: Vec<PathBuf> = Vec::new();

    for path in paths {
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(source) => {
                load.errors.push(LoadError::Io {
                    path: path.clone(),
                    source,
                });
                continue;
            }
        };
        macro_paths.extend(macro_dirs_for(path));
        for dir in ancestor_dirs(path, "lookups") {
            collect(&dir, Role::Lookup, &mut ancestor_files, &mut load.errors);
        }
        if !meta.is_dir() {
            files.push((path.clone(), Role::Unknown));
        } else if is_checkout(path) {
            for (sub, role) in [
                ("detections", Role::Detection),
                ("stories", Role::Story),
                ("macros", Role::Macro),
                ("lookups", Role::Lookup),
            ] {
                let dir = path.join(sub);
                if dir.is_dir() {
                    collect(&dir, role, &mut files, &mut load.errors);
                }
            }
        } else {
            collect(path, Role::Unknown, &mut files, &mut load.errors);
        }
    }

    // Lookups beside the ancestors load first (and are shown by the path the user gave when
    // the walk reaches them too).
    let canonical = |f: &Path| fs::canonicalize(f).unwrap_or_else(|_| f.to_path_buf());
    let in_tree: HashSet<PathBuf> = files.iter().map(|(f, _)| canonical(f)).collect();
    ancestor_files.retain(|(f, _)| !in_tree.contains(&canonical(f)));
    ancestor_files.append(&mut files);
    let files = ancestor_files;

    // Macros first, so that the files found beside the content (loaded later) win.
    for (file, role) in &files {
        if *role == Role::Macro {
            macro_paths.push(file.clone());
        }
    }
    let mut macro_files = Vec::new();
    for p in macro_paths {
        if p.is_dir() {
            walk(&p, is_macro_file, |_| false, &mut macro_files, &mut load.errors);
        } else {
            macro_files.push(p);
        }
    }
    let mut macro_seen = HashSet::new();
    macro_files.retain(|f| macro_seen.insert(canonical(f)));
    let macros = load_macros(&macro_files);
    load.macros = macros.table;
    load.errors.extend(macros.errors);
    load.warnings.extend(macros.warnings);

    for (file, role) in files {
        if role == Role::Macro || !seen.insert(canonical(&file)) {
            continue;
        }
        if !has_extension(&file, &["yml", "yaml"]) {
            continue;
        }
        let text = match fs::read_to_string(&file) {
            Ok(text) => text,
            Err(source) => {
                load.errors.push(LoadError::Io { path: file, source });
                continue;
            }
        };
        match role {
            Role::Detection => load.add_detection(&file, &text),
            Role::Story => load.add_story(&file, &text),
            Role::Lookup => load.add_lookup(&file, &text, |f| read_csv_beside(&file, f)),
            Role::Macro => {}
            Role::Unknown => load.add_by_content(&file, &text, read_csv_beside),
        }
    }
    load.finish();
    load
}

/// The built-in rule pack (`content/` in the repository, embedded in the binary): its
/// detections, stories, macros and lookups. Paths read `builtin:content/<file>`.
#[must_use]
pub fn builtin_content() -> ContentLoad {
    let mut load = ContentLoad::default();
    let by_path: HashMap<&str, &str> = BUILTIN_FILES.iter().copied().collect();
    for (rel, text) in BUILTIN_FILES {
        if !(rel.ends_with(".yml") || rel.ends_with(".yaml")) {
            continue;
        }
        let path = PathBuf::from(format!("builtin:content/{rel}"));
        let top = rel.split('/').next().unwrap_or("");
        match top {
            "detections" => load.add_detection(&path, text),
            "stories" => load.add_story(&path, text),
            "macros" => match load_macro_yaml(&path, text) {
                Ok(def) => {
                    load.macros.insert(def);
                }
                Err(e) => load.errors.push(e),
            },
            "lookups" => {
                let dir = rel.rsplit_once('/').map_or("", |(d, _)| d);
                load.add_lookup(&path, text, |f| {
                    let csv_rel = format!("{dir}/{f}");
                    let csv_path = PathBuf::from(format!("builtin:content/{csv_rel}"));
                    (csv_path, by_path.get(csv_rel.as_str()).map(|t| Ok((*t).to_owned())))
                });
            }
            _ => load.add_by_content(&path, text, |_, f| (PathBuf::from(f), None)),
        }
    }
    load.finish();
    load
}

/// Whether `dir` looks like a security_content checkout.
fn is_checkout(dir: &Path) -> bool {
    dir.join("detections").is_dir() && ["macros", "stories", "lookups"].iter().any(|d| dir.join(d).is_dir())
}

fn is_macro_file(path: &Path) -> bool {
    has_extension(path, &["yml", "yaml", "conf"])
}

/// Collect the files under `root` (or `root` itself), each with the role of its nearest
/// directory named `detections`, `stories`, `macros` or `lookups` below `root`, or `default`.
fn collect(root: &Path, default: Role, files: &mut Vec<(PathBuf, Role)>, errors: &mut Vec<LoadError>) {
    let mut found = Vec::new();
    walk(
        root,
        |p| has_extension(p, &["yml", "yaml", "conf"]),
        |_: &OsStr| false,
        &mut found,
        errors,
    );
    for file in found {
        let rel = file.strip_prefix(root).unwrap_or(&file);
        let mut role = default;
        if let Some(parent) = rel.parent() {
            for c in parent.components() {
                role = match c.as_os_str().to_str() {
                    Some("detections") => Role::Detection,
                    Some("stories") => Role::Story,
                    Some("macros") => Role::Macro,
                    Some("lookups") => Role::Lookup,
                    _ => role,
                };
            }
        }
        // `.conf` files are macro definitions, and only inside a macros directory.
        if has_extension(&file, &["conf"]) && role != Role::Macro {
            continue;
        }
        files.push((file, role));
    }
}

/// The directories called `name` in `path` (when it is a directory) and in each of its
/// ancestors, outermost first.
fn ancestor_dirs(path: &Path, name: &str) -> Vec<PathBuf> {
    let Ok(resolved) = fs::canonicalize(path) else {
        return Vec::new();
    };
    let start = if resolved.is_dir() {
        resolved.as_path()
    } else {
        resolved.parent().unwrap_or(resolved.as_path())
    };
    let mut dirs: Vec<PathBuf> = start.ancestors().map(|a| a.join(name)).filter(|d| d.is_dir()).collect();
    dirs.reverse();
    dirs
}

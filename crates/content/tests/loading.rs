//! Discovery and macro loading over small trees made by the tests.

use std::fs;
use std::path::{Path, PathBuf};

use tripline_content::{LoadError, discover, load_macro_yaml, load_macros, macro_dirs_for};

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tripline-content-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        fs::create_dir_all(path.parent().expect("file under the temp dir")).expect("create dir");
        fs::write(&path, text).expect("write file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn macro_yaml_fields() {
    let p = Path::new("m.yml");
    let def = load_macro_yaml(
        p,
        "name: two\narguments:\n- a\n- b\ndefinition: 'x=$a$ y=$b$'\ndescription: d\n",
    )
    .unwrap();
    assert_eq!(def.name, "two");
    assert_eq!(def.args, ["a", "b"]);
    assert_eq!(def.definition, "x=$a$ y=$b$");
    assert_eq!(def.origin.as_deref(), Some("m.yml"));

    let def = load_macro_yaml(p, "name: z\narguments: []\ndefinition: |-\n  search *\n").unwrap();
    assert!(def.args.is_empty());
    assert_eq!(def.definition, "search *");
    let def = load_macro_yaml(p, "name: z\narguments:\ndefinition: ''\n").unwrap();
    assert!(def.args.is_empty());
    assert_eq!(def.definition, "");
}

#[test]
fn macro_yaml_errors() {
    let p = Path::new("m.yml");
    let err = load_macro_yaml(p, "name: x\ndescription: y\n").unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::MissingField {
                field: "definition",
                ..
            }
        ),
        "{err:?}"
    );
    let err = load_macro_yaml(p, "definition: x\n").unwrap_err();
    assert!(matches!(err, LoadError::MissingField { field: "name", .. }), "{err:?}");
    let err = load_macro_yaml(p, "name: x\ndefinition: y\narguments: field\n").unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::InvalidField {
                field: "arguments",
                line: 3,
                column: 12,
                ..
            }
        ),
        "{err:?}"
    );
    let err = load_macro_yaml(p, "name: x\ndefinition: y\narguments:\n- [a]\n").unwrap_err();
    assert!(
        matches!(err, LoadError::InvalidField { field: "arguments", .. }),
        "{err:?}"
    );
    let err = load_macro_yaml(p, "name: [x]\ndefinition: y\n").unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::InvalidField {
                field: "name",
                line: 1,
                ..
            }
        ),
        "{err:?}"
    );
    let err = load_macro_yaml(p, "- name: x\n").unwrap_err();
    assert!(
        matches!(err, LoadError::NotAMapping { line: 1, column: 1, .. }),
        "{err:?}"
    );
    let err = load_macro_yaml(p, "").unwrap_err();
    assert!(matches!(err, LoadError::NotAMapping { .. }), "{err:?}");
    let err = load_macro_yaml(p, "name: x\n definition: 'y\n").unwrap_err();
    assert!(matches!(err, LoadError::Yaml { .. }), "{err:?}");
    let err = load_macro_yaml(p, "name: x\ndefinition: a\ndefinition: b\n").unwrap_err();
    assert!(matches!(err, LoadError::DuplicateKey { line: 3, .. }), "{err:?}");
}

#[test]
fn macros_from_directories_and_conf_files_with_partial_success() {
    let tmp = TempDir::new("macros");
    tmp.write("macros/a.yml", "name: a\ndefinition: index=a\n");
    tmp.write("macros/nested/b.yaml", "name: b\narguments: [x]\ndefinition: f($x$)\n");
    tmp.write("macros/bad.yml", "name: broken\n");
    tmp.write("macros/README.md", "not a macro\n");
    tmp.write("macros/.hidden.yml", "name: hidden\ndefinition: h\n");
    let conf = tmp.write(
        "local/macros.conf",
        "[c]\ndefinition = index=c\n\n[d(1)]\nargs = y\ndefinition = g($y$)\n",
    );
    let load = load_macros(&[tmp.0.join("macros"), conf]);
    assert_eq!(load.errors.len(), 1, "{:?}", load.errors);
    assert_eq!(load.errors[0].path(), tmp.0.join("macros/bad.yml"));
    assert!(matches!(
        load.errors[0],
        LoadError::MissingField {
            field: "definition",
            ..
        }
    ));
    for (name, arity) in [("a", 0), ("b", 1), ("c", 0), ("d", 1)] {
        assert!(load.table.get(name, arity).is_some(), "{name}({arity})");
    }
    assert!(load.table.get("hidden", 0).is_none());
    assert_eq!(load.table.len(), 4);
}

#[test]
fn later_paths_override_earlier_ones() {
    let tmp = TempDir::new("override");
    let first = tmp.write("one.yml", "name: m\ndefinition: first\n");
    let second = tmp.write("two.conf", "[m]\ndefinition = second\n");
    let load = load_macros(&[first.clone(), second.clone()]);
    assert_eq!(load.table.get("m", 0).unwrap().definition, "second");
    let load = load_macros(&[second, first]);
    assert_eq!(load.table.get("m", 0).unwrap().definition, "first");
}

#[test]
fn macro_problems_are_located() {
    let tmp = TempDir::new("conf-errors");
    let conf = tmp.write(
        "macros.conf",
        "[ok]\ndefinition = x\n\n[bad(2)]\nargs = a\ndefinition = $a$\n",
    );
    let yml = tmp.write("unused.yml", "name: u\narguments: [x]\ndefinition: nothing\n");
    let missing = tmp.0.join("missing.conf");
    let other = tmp.write("notes.txt", "x");
    let load = load_macros(&[conf.clone(), yml.clone(), missing.clone(), other.clone()]);
    assert!(load.table.get("ok", 0).is_some());
    assert!(
        load.table.get("u", 1).is_some(),
        "a warning does not stop the definition"
    );

    let conf_err = load.errors.iter().find(|e| e.path() == conf).expect("conf error");
    assert!(matches!(conf_err, LoadError::MacroDefinition { .. }), "{conf_err:?}");
    let (line, _) = conf_err.line_col().unwrap();
    assert!((4..=6).contains(&line), "line {line}");
    assert!(
        load.errors
            .iter()
            .any(|e| matches!(e, LoadError::Io { path, .. } if *path == missing))
    );
    assert!(
        load.errors
            .iter()
            .any(|e| matches!(e, LoadError::UnsupportedFile { path, .. } if *path == other))
    );
    let warning = load.warnings.iter().find(|w| w.path() == yml).expect("unused argument");
    assert_eq!(warning.line_col(), Some((3, 13)));
}

#[test]
fn discovery_walks_in_order_and_skips_macros_hidden_and_links() {
    let tmp = TempDir::new("discover");
    tmp.write("b.yml", "search: b\n");
    tmp.write("a/z.spl", "index=z\n");
    tmp.write("a/y.yaml", "search: y\n");
    tmp.write("c.YML", "search: c\n");
    tmp.write("notes.txt", "x\n");
    tmp.write("macros/m.yml", "name: m\ndefinition: x\n");
    tmp.write("a/macros/m.yml", "name: m\ndefinition: x\n");
    tmp.write(".git/config.yml", "x: 1\n");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&tmp.0, tmp.0.join("a/loop")).unwrap();
        std::os::unix::fs::symlink(tmp.0.join("b.yml"), tmp.0.join("a/link.yml")).unwrap();
    }
    let found = discover(std::slice::from_ref(&tmp.0));
    assert!(found.errors.is_empty(), "{:?}", found.errors);
    let rel: Vec<String> = found
        .searches
        .iter()
        .map(|p| p.strip_prefix(&tmp.0).unwrap().to_string_lossy().into_owned())
        .collect();
    let mut expected = vec!["a/link.yml", "a/y.yaml", "a/z.spl", "b.yml", "c.YML"];
    if cfg!(not(unix)) {
        expected.remove(0);
    }
    assert_eq!(rel, expected);

    // Files named directly are taken once; bad names are errors, not stops.
    let found = discover(&[
        tmp.0.join("b.yml"),
        tmp.0.join("notes.txt"),
        tmp.0.join("nope.yml"),
        tmp.0.join("b.yml"),
        tmp.0.join("macros/m.yml"),
    ]);
    assert_eq!(found.searches, [tmp.0.join("b.yml"), tmp.0.join("macros/m.yml")]);
    assert_eq!(found.errors.len(), 2);
    assert!(matches!(found.errors[0], LoadError::UnsupportedFile { .. }));
    assert!(matches!(&found.errors[1], LoadError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound));
}

#[test]
fn macro_dirs_walk_up_the_ancestors() {
    let tmp = TempDir::new("macro-dirs");
    let det = tmp.write("repo/detections/cloud/x.yml", "search: x\n");
    fs::create_dir_all(tmp.0.join("repo/macros")).unwrap();
    fs::create_dir_all(tmp.0.join("repo/detections/macros")).unwrap();
    fs::create_dir_all(tmp.0.join("macros")).unwrap();
    let root = fs::canonicalize(&tmp.0).unwrap();
    let dirs = macro_dirs_for(&det);
    let tail: Vec<&PathBuf> = dirs.iter().rev().take(3).collect();
    assert_eq!(
        tail,
        [
            &root.join("repo/detections/macros"),
            &root.join("repo/macros"),
            &root.join("macros"),
        ]
    );
    // A directory finds its own `macros/` too.
    let dirs = macro_dirs_for(&tmp.0.join("repo"));
    assert_eq!(dirs.last(), Some(&root.join("repo/macros")));
    assert!(macro_dirs_for(&tmp.0.join("does/not/exist")).is_empty());
}

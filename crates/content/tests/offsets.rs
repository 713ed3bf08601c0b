//! The offset map from a search's text back into its YAML file, for every scalar style.

mod common;

use std::path::Path;

use common::{assert_faithful, assert_points_at};
use tripline_content::{LineCol, LoadError, SearchSource, search_from_spl_file, searches_from_yaml};

fn load(yaml: &str) -> SearchSource {
    searches_from_yaml(Path::new("t.yml"), yaml)
        .expect("valid YAML")
        .expect("has a search")
}

/// Load, check the text, check every character maps faithfully, and probe some substrings.
fn check(yaml: &str, text: &str, probes: &[&str]) -> SearchSource {
    let src = load(yaml);
    assert_eq!(src.text, text);
    assert_faithful(&src);
    for probe in probes {
        assert_points_at(&src, probe, "search:");
    }
    src
}

#[test]
fn plain_scalar_folds_lines() {
    let yaml = "name: Plain\nsearch: index=main verb=create\n  | stats count BY user\n\n  \
                | where count > 5   # trailing comment\nid: abc\n";
    let src = check(
        yaml,
        "index=main verb=create | stats count BY user\n| where count > 5",
        &["verb", "stats", "user", "where", "5"],
    );
    assert_eq!(src.name.as_deref(), Some("Plain"));
    assert_eq!(src.id.as_deref(), Some("abc"));
    // The folded space after `create` points at the line break it replaced.
    let space = src.text.find(" |").unwrap();
    assert_eq!(&yaml[src.file_offset(space)..][..1], "\n");
}

#[test]
fn single_quoted_2024_style() {
    let yaml = "name: Old\nid: 1\nsearch: '`kube_audit` objectRef.resource=pods verb=create\n  \
                | spath input=requestObject.spec\n  | where x=''y'' AND   z=1\n\n  \
                | `old_filter`'\nhow_to_implement: x\n";
    let src = check(
        yaml,
        "`kube_audit` objectRef.resource=pods verb=create | spath input=requestObject.spec \
         | where x='y' AND   z=1\n| `old_filter`",
        &["`kube_audit`", "verb", "spath", "where", "AND", "z=1", "`old_filter`"],
    );
    // `''` becomes one quote that points at the first of the pair.
    let q = src.text.find("'y").unwrap();
    assert_eq!(&yaml[src.file_offset(q)..][..3], "''y");
    // The end of the text maps to the closing quote.
    assert_eq!(&yaml[src.file_offset(src.text.len())..][..1], "'");
}

#[test]
fn double_quoted_with_escapes_and_folding() {
    let yaml = "search: \"index=main \\\"quoted\\\" \\u00e9t\\u00e9 tab\\there\n  \
                | stats count \\\n    BY host\\x21 \\L end\"\n";
    let src = check(
        yaml,
        "index=main \"quoted\" été tab\there | stats count BY host! \u{2028} end",
        &["index", "quoted", "tab", "here", "stats", "BY", "end"],
    );
    // An escape maps to its backslash.
    let e = src.text.find('é').unwrap();
    assert_eq!(&yaml[src.file_offset(e)..][..6], "\\u00e9");
    // So does every byte of a multi-byte character it produced.
    let ls = src.text.find('\u{2028}').unwrap();
    assert_eq!(src.file_offset(ls + 2), src.file_offset(ls));
}

#[test]
fn literal_strip_2026_style() {
    let yaml = "name: New\nsearch: |-\n    `kube_objects_events` object.message IN (\"Pulling image *kube-hunter*\")\n      \
                | rename object.* AS *\n\n      | stats min(_time) as firstTime count\n        \
                BY host, name\n      | `kubernetes_scanner_image_pulling_filter`\nhow_to_implement: x\n";
    let src = check(
        yaml,
        "`kube_objects_events` object.message IN (\"Pulling image *kube-hunter*\")\n  \
         | rename object.* AS *\n\n  | stats min(_time) as firstTime count\n    BY host, name\n  \
         | `kubernetes_scanner_image_pulling_filter`",
        &[
            "`kube_objects_events`",
            "rename",
            "stats",
            "BY host",
            "`kubernetes_scanner",
        ],
    );
    assert_eq!(
        src.line_col(src.text.find("stats").unwrap()),
        LineCol { line: 6, column: 9 }
    );
    assert_eq!(src.line_col(0), LineCol { line: 3, column: 5 });
}

#[test]
fn literal_clip_and_keep() {
    let clip = check("search: |\n  a\n  b\n\n\nnext: 1\n", "a\nb\n", &["a", "b"]);
    assert_eq!(clip.text.len(), 4);
    check("search: |+\n  a\n  b\n\n\nnext: 1\n", "a\nb\n\n\n", &["a", "b"]);
    // A last line without a line break still gets one under clipping.
    check("search: |\n  a\n  b", "a\nb\n", &["b"]);
}

#[test]
fn folded_block() {
    check(
        "search: >\n  index=main\n  | stats count\n\n  | where x\n     more indented\n  \
         | table y\nx: 1\n",
        "index=main | stats count\n| where x\n   more indented\n| table y\n",
        &["index", "stats", "where", "more", "table"],
    );
    check("search: >-\n  a\n  b\n", "a b", &["a", "b"]);
}

#[test]
fn block_header_variants() {
    // Indentation indicator, comment after the header, tag, leading blank lines.
    check("search: |2-\n   a\n  b\n", " a\nb", &["a", "b"]);
    check("search: |- # the query\n  a | b\n", "a | b", &["a", "| b"]);
    check("search: !!str |-\n  a\n  b\n", "a\nb", &["a", "b"]);
    check("search: |-\n\n  a\n", "\na", &["a"]);
    check("search:\n  |-\n    a\n", "a", &["a"]);
}

#[test]
fn indented_root_mapping_and_value_on_next_line() {
    check(
        "  name: x\n  search: |-\n    a\n     b\n  id: 2\n",
        "a\n b",
        &["a", "b"],
    );
    check("search:\n  'foo\n  bar'\n", "foo bar", &["foo", "bar"]);
    check("search:\n  foo\n  bar\n", "foo bar", &["foo", "bar"]);
}

#[test]
fn crlf_files() {
    let src = check(
        "name: c\r\nsearch: 'a\r\n  | b\r\n\r\n  | c'\r\nid: 1\r\n",
        "a | b\n| c",
        &["a", "| b", "| c"],
    );
    assert_eq!(
        src.line_col(src.text.find('c').unwrap()),
        LineCol { line: 5, column: 5 }
    );
    let src = check("search: |-\r\n  a\r\n  b\r\nid: 1\r\n", "a\nb", &["a", "b"]);
    // The newline in the value maps to the `\r` of the `\r\n` it came from.
    assert_eq!(&src.file_text()[src.file_offset(1)..][..2], "\r\n");
    assert_eq!(src.line_col(2), LineCol { line: 3, column: 3 });
}

#[test]
fn byte_order_mark() {
    let yaml = "\u{feff}name: b\nsearch: |-\n  index=x\n  | stats count\n";
    let src = check(yaml, "index=x\n| stats count", &["index", "stats"]);
    assert_eq!(src.line_col(0), LineCol { line: 3, column: 3 });
    let src = check("\u{feff}search: 'a b'\n", "a b", &["a", "b"]);
    // The BOM takes no column.
    assert_eq!(src.line_col(0), LineCol { line: 1, column: 10 });
}

#[test]
fn non_ascii_before_and_inside_the_value() {
    let yaml = "name: Détection 🚀 ünïcode\ndescription: 日本語のテキスト\nsearch: |-\n  \
                user=\"José\" msg=\"日本\" | eval e=\"🚀\"\n  | stats count BY user\n";
    let src = check(
        yaml,
        "user=\"José\" msg=\"日本\" | eval e=\"🚀\"\n| stats count BY user",
        &["José", "日本", "eval", "🚀", "stats", "BY user"],
    );
    assert_eq!(src.name.as_deref(), Some("Détection 🚀 ünïcode"));
    // Columns are counted in characters.
    assert_eq!(
        src.line_col(src.text.find("eval").unwrap()),
        LineCol { line: 4, column: 26 }
    );
    let src = check("name: é\nsearch: 'ü  x\n  ÿ'\n", "ü  x ÿ", &["ü", "x", "ÿ"]);
    assert_eq!(
        src.line_col(src.text.find('ÿ').unwrap()),
        LineCol { line: 3, column: 3 }
    );
}

#[test]
fn tabs() {
    check("search: |-\n  a\tb\n  \tc\n", "a\tb\n\tc", &["a", "b", "c"]);
    check("search: 'a\tb\n  \tc'\n", "a\tb c", &["a", "b", "c"]);
    check("search: \t a b\n", "a b", &["a", "b"]);
    let src = check("search: \"x\\ty\"\n", "x\ty", &["x", "y"]);
    assert_eq!(src.line_col(2), LineCol { line: 1, column: 13 });
}

#[test]
fn file_span_covers_the_source_characters() {
    let src = load("search: |-\n  a | stats é\n");
    let at = src.text.find("stats é").unwrap();
    let span = src.file_span(tripline_spl::Span::new(at, src.text.len()));
    assert_eq!(&src.file_text()[span.start..span.end], "stats é");
    let empty = src.file_span(tripline_spl::Span::empty(at));
    assert_eq!(empty.start, span.start);
    assert!(empty.is_empty());
}

#[test]
fn files_without_a_search() {
    for yaml in [
        "name: story\nnarrative: x\n",
        "",
        "# just a comment\n",
        "- a\n- b\n",
        "plain text\n",
        "nested:\n  search: x\n",
    ] {
        assert!(
            searches_from_yaml(Path::new("s.yml"), yaml).unwrap().is_none(),
            "{yaml:?}"
        );
    }
}

#[test]
fn only_the_first_document_counts() {
    let src = load("search: a\n---\nsearch: b\n");
    assert_eq!(src.text, "a");
}

#[test]
fn yaml_errors_carry_a_location() {
    let err = searches_from_yaml(Path::new("bad.yml"), "name: x\nsearch: 'unterminated\n").unwrap_err();
    assert!(matches!(err, LoadError::Yaml { .. }), "{err:?}");
    assert_eq!(err.path(), Path::new("bad.yml"));
    assert_eq!(err.line_col(), Some((2, 9)));
    assert!(!err.to_string().contains("bad.yml"));

    let err = searches_from_yaml(Path::new("bad.yml"), "a: b\n  c: d\n").unwrap_err();
    let LoadError::Yaml { line, .. } = err else {
        panic!("{err:?}")
    };
    assert_eq!(line, 2);
}

#[test]
fn malformed_search_values() {
    let err = searches_from_yaml(Path::new("d.yml"), "search: a\nname: n\nsearch: b\n").unwrap_err();
    assert!(
        matches!(&err, LoadError::DuplicateKey { key, line: 3, column: 1, .. } if key == "search"),
        "{err:?}"
    );
    let err = searches_from_yaml(Path::new("l.yml"), "name: n\nsearch:\n  - a\n").unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::InvalidField {
                field: "search",
                line: 3,
                column: 3,
                ..
            }
        ),
        "{err:?}"
    );
    let err = searches_from_yaml(Path::new("n.yml"), "search:\nname: n\n").unwrap_err();
    assert!(
        matches!(err, LoadError::InvalidField { field: "search", .. }),
        "{err:?}"
    );
    let err = searches_from_yaml(Path::new("m.yml"), "search: {a: b}\n").unwrap_err();
    assert!(
        matches!(err, LoadError::InvalidField { line: 1, column: 9, .. }),
        "{err:?}"
    );
    // Quoted empty strings are strings.
    assert_eq!(load("search: ''\n").text, "");
}

#[test]
fn spl_files_map_identically() {
    let src = search_from_spl_file(Path::new("q.spl"), "index=main\n| stats count\r\n\n");
    assert_eq!(src.text, "index=main\n| stats count");
    assert_faithful(&src);
    assert_eq!(src.file_offset(13), 13);
    assert_eq!(src.line_col(13), LineCol { line: 2, column: 3 });
    assert!(src.name.is_none());

    let src = search_from_spl_file(Path::new("q.spl"), "\u{feff}index=é | x");
    assert_eq!(src.text, "index=é | x");
    assert_faithful(&src);
    assert_eq!(src.file_offset(0), 3);
    assert_eq!(src.line_col(0), LineCol { line: 1, column: 1 });
}

#[test]
fn underindented_quoted_scalars_are_accepted_like_pyyaml() {
    // security_content's macros/base64decode.yml has this shape: continuation lines at column 0.
    let yaml = "name: x\nsearch: 'index=a \n| eval b=\"é\"\n\n| stats count'\nid: 1\n";
    let src = check(
        yaml,
        "index=a | eval b=\"é\"\n| stats count",
        &["index", "eval", "é", "stats"],
    );
    assert_eq!(
        src.line_col(src.text.find("stats").unwrap()),
        LineCol { line: 5, column: 3 }
    );
    let src = check("search: \"a\n  b\nc\"\n", "a b c", &["a", "b", "c"]);
    assert_eq!(src.line_col(4), LineCol { line: 3, column: 1 });

    // Other errors are still errors, located in the original text.
    let err = searches_from_yaml(Path::new("x.yml"), "search: 'a\nb'\n  bad: indent\n").unwrap_err();
    assert_eq!(err.line_col().map(|(line, _)| line), Some(3), "{err:?}");
}

//! Differential and corpus tests for the JSON flattener: it must agree with a plain recursive
//! flattening of `serde_json::Value`, with and without a projection, and survive every line of the
//! shared corpus.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use tripline_engine::json::{FieldSet, Flattener, JsonErrorKind, Projection, flatten_to_vec};

/// The naming rules, written the obvious way over a parsed tree.
fn reference(document: &Value) -> Vec<(String, String)> {
    fn walk(value: &Value, name: &str, out: &mut Vec<(String, String)>) {
        match value {
            Value::Null => {}
            Value::Bool(b) => out.push((name.to_owned(), b.to_string())),
            Value::Number(n) => out.push((name.to_owned(), n.to_string())),
            Value::String(s) => out.push((name.to_owned(), s.clone())),
            Value::Array(items) => {
                for item in items {
                    walk(item, &format!("{name}{{}}"), out);
                }
            }
            Value::Object(members) => {
                for (key, member) in members {
                    walk(member, &format!("{name}.{key}"), out);
                }
            }
        }
    }
    let mut out = Vec::new();
    match document {
        Value::Object(members) => {
            for (key, member) in members {
                walk(member, key, &mut out);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, "{}", &mut out);
            }
        }
        _ => {}
    }
    out
}

/// Serialises `value` in the order serde_json iterates it, optionally escaping every string
/// character as `\uXXXX` (with surrogate pairs above U+FFFF) and adding whitespace everywhere.
fn serialize(value: &Value, escape_all: bool, spaced: bool, out: &mut String) {
    let ws = if spaced { " \n\t " } else { "" };
    match value {
        Value::String(s) => write_string(s, escape_all, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(ws);
                serialize(item, escape_all, spaced, out);
                out.push_str(ws);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (key, member)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(ws);
                write_string(key, escape_all, out);
                out.push_str(ws);
                out.push(':');
                out.push_str(ws);
                serialize(member, escape_all, spaced, out);
            }
            out.push_str(ws);
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn write_string(s: &str, escape_all: bool, out: &mut String) {
    if !escape_all {
        out.push_str(&Value::String(s.to_owned()).to_string());
        return;
    }
    out.push('"');
    let mut units = [0u16; 2];
    for (i, c) in s.chars().enumerate() {
        for unit in c.encode_utf16(&mut units) {
            if i % 2 == 0 {
                out.push_str(&format!("\\u{unit:04x}"));
            } else {
                out.push_str(&format!("\\u{unit:04X}"));
            }
        }
    }
    out.push('"');
}

fn arb_document() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-c./{}\"\\\\ ]{0,4}".prop_map(Value::String),
    ];
    // Keys from a small alphabet collide and contain dots and braces; arbitrary ones add unicode.
    let key = prop_oneof![
        3 => "[a-c./{}]{0,3}",
        1 => any::<String>(),
    ];
    leaf.prop_recursive(6, 96, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// One wanted-name pick: which reference name, whether to turn it into a prefix pattern, and
/// where to cut it.
type Pick = (Index, bool, Index);

fn build_projection(names: &[&str], picks: &[Pick]) -> (FieldSet, BTreeSet<String>, Vec<String>) {
    let mut set = FieldSet::new();
    let mut exact = BTreeSet::new();
    let mut prefixes = Vec::new();
    // Always want something that is absent.
    set.insert_name("zz.absent{}");
    exact.insert("zz.absent{}".to_owned());
    if names.is_empty() {
        return (set, exact, prefixes);
    }
    for (which, as_prefix, cut) in picks {
        let name = names[which.index(names.len())];
        if *as_prefix {
            let chars: Vec<char> = name.chars().collect();
            let prefix: String = chars[..cut.index(chars.len() + 1)].iter().collect();
            set.insert_prefix(&prefix);
            prefixes.push(prefix);
        } else {
            set.insert_name(name);
            exact.insert(name.to_owned());
        }
    }
    (set, exact, prefixes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn flattening_matches_the_reference(
        document in arb_document(),
        escape_all in any::<bool>(),
        spaced in any::<bool>(),
        picks in prop::collection::vec(any::<Pick>(), 0..4),
    ) {
        let mut json = String::new();
        serialize(&document, escape_all, spaced, &mut json);
        let expected = reference(&document);

        let got = flatten_to_vec(&json, &Projection::All).unwrap();
        prop_assert_eq!(&got, &expected, "document {}", json);

        let names: Vec<&str> = expected.iter().map(|(name, _)| name.as_str()).collect();
        let (set, exact, prefixes) = build_projection(&names, &picks);
        let wanted: Vec<(String, String)> = expected
            .iter()
            .filter(|(name, _)| {
                exact.contains(name) || prefixes.iter().any(|p| name.starts_with(p.as_str()))
            })
            .cloned()
            .collect();
        let got = flatten_to_vec(&json, &Projection::Only(set)).unwrap();
        prop_assert_eq!(got, wanted, "document {} exact {:?} prefixes {:?}", json, exact, prefixes);
    }

    #[test]
    fn mutated_documents_agree_with_serde_json_on_validity(
        document in arb_document(),
        edits in prop::collection::vec(
            (any::<Index>(), prop::sample::select(&[
                '{', '}', '[', ']', '"', ',', ':', '\\', ' ', '0', '1', '-', '.', 'e', 'n', 't',
                '\u{1}', '\n',
            ][..]), any::<bool>()),
            1..4,
        ),
    ) {
        let mut chars: Vec<char> = document.to_string().chars().collect();
        for (at, c, insert) in edits {
            let i = at.index(chars.len() + 1);
            if insert || i == chars.len() {
                chars.insert(i, c);
            } else {
                chars[i] = c;
            }
        }
        let json: String = chars.into_iter().collect();
        let ours = flatten_to_vec(&json, &Projection::All);
        match serde_json::from_str::<Value>(&json) {
            Ok(value) => {
                // Edits can create duplicate keys, which serde_json collapses (keeping the last)
                // and sorts; so only check that every reference field is among ours.
                let ours: BTreeSet<_> = canonical(ours.unwrap()).into_iter().collect();
                for field in canonical(reference(&value)) {
                    prop_assert!(ours.contains(&field), "{:?} missing from {}", field, json);
                }
            }
            // Deliberate differences: lone surrogates decode to U+FFFD, and numbers are kept as
            // text, so ones beyond f64's range are fine.
            Err(e) if e.to_string().contains("surrogate") || e.to_string().contains("out of range") => {}
            Err(e) => prop_assert!(ours.is_err(), "accepted {} (serde_json: {})", json, e),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Whatever the text, the walker returns (an error is fine) and never panics.
    #[test]
    fn arbitrary_text_never_panics(
        text in prop_oneof![
            any::<String>(),
            r#"[\[\]{}",:\\0-9a-z .eE+\-\x01é]{0,64}"#,
            r"[\[{]{0,300}",
        ],
    ) {
        let set: FieldSet = ["a", "b.c", "a{}", "z*"].into_iter().collect();
        let _ = flatten_to_vec(&text, &Projection::All);
        let _ = flatten_to_vec(&text, &Projection::Only(set));
    }
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("TRIPLINE_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    )
}

fn corpus_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "security_content") {
                corpus_files(&path, out);
            }
        } else if path
            .extension()
            .is_some_and(|e| e == "ndjson" || e == "log" || e == "json")
        {
            out.push(path);
        }
    }
}

/// serde_json prints numbers in its own canonical form, and a numeric-looking string cannot be
/// told apart from a number after flattening, so both sides pass values through this and get
/// sorted. (The `float_roundtrip` feature makes serde_json's float parsing exact, so the same
/// text always gives the same number.)
fn canonical(fields: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = fields
        .into_iter()
        .map(
            |(name, value)| match serde_json::from_str::<serde_json::Number>(&value) {
                Ok(number) => (name, number.to_string()),
                Err(_) => (name, value),
            },
        )
        .collect();
    fields.sort();
    fields
}

/// Checks one document against serde_json; returns whether it was valid JSON.
fn check_document(flattener: &mut Flattener, text: &str, origin: &str) -> bool {
    let mut ours = Vec::new();
    let result = flattener.flatten(text, &Projection::All, &mut |name, value| {
        ours.push((name.to_owned(), value.to_owned()));
    });
    match serde_json::from_str::<Value>(text) {
        Ok(value) => {
            assert!(result.is_ok(), "{origin}: {result:?}");
            // serde_json sorts keys and keeps only the last of duplicate keys, so compare sorted.
            assert_eq!(canonical(ours), canonical(reference(&value)), "{origin}");
            true
        }
        Err(_) => {
            assert!(result.is_err(), "{origin}: accepted what serde_json rejects");
            false
        }
    }
}

#[test]
fn corpus_lines_and_files_agree_with_serde_json() {
    let dir = corpus_dir();
    let mut files = Vec::new();
    corpus_files(&dir, &mut files);
    if files.is_empty() {
        eprintln!("corpus not found at {}; set TRIPLINE_CORPUS", dir.display());
        return;
    }
    let mut flattener = Flattener::new();
    let (mut lines, mut valid) = (0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let origin = path.display().to_string();
        // Whole files (pretty-printed `.json` documents) and every single line.
        valid += usize::from(check_document(&mut flattener, &text, &origin));
        for (number, line) in text.lines().enumerate() {
            lines += 1;
            let origin = format!("{origin}:{}", number + 1);
            valid += usize::from(check_document(&mut flattener, line, &origin));
        }
    }
    eprintln!("{} files, {lines} lines, {valid} valid documents", files.len());
    assert!(valid > 100, "only {valid} valid documents in the corpus");
}

#[test]
fn corpus_audit_event_names() {
    let path = corpus_dir().join("panther-analysis-k8s/amazon_eks_audit.ndjson");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("{} not found; set TRIPLINE_CORPUS", path.display());
        return;
    };
    let line = text
        .lines()
        .find(|line| line.contains(r#"decision":"forbid""#) && line.contains(r#""code":403"#))
        .unwrap();
    let fields = flatten_to_vec(line, &Projection::All).unwrap();
    let values = |name: &str| -> Vec<&str> {
        fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(values("sourceIPs{}"), ["8.216.81.10"]);
    assert_eq!(values("user.groups{}"), ["system:unauthenticated"]);
    assert_eq!(values("user.username"), ["system:anonymous"]);
    assert_eq!(values("responseStatus.code"), ["403"]);
    assert_eq!(values("annotations.authorization.k8s.io/decision"), ["forbid"]);
    assert_eq!(
        values("responseStatus.message"),
        [r#"forbidden: User "system:anonymous" cannot get path "/vendor/phpunit/src/Util/PHP/eval-stdin.php""#]
    );

    let demo = corpus_dir().join("audit2rbac-demo/demo.log");
    let text = std::fs::read_to_string(demo).unwrap();
    let first = text.lines().next().unwrap();
    let set: FieldSet = [
        "user.groups{}",
        "objectRef.resource",
        "responseStatus.code",
        "impersonatedUser.*",
    ]
    .into_iter()
    .collect();
    assert_eq!(
        flatten_to_vec(first, &Projection::Only(set)).unwrap(),
        [
            ("user.groups{}", "system:masters"),
            ("user.groups{}", "system:authenticated"),
            ("impersonatedUser.username", "bob"),
            ("impersonatedUser.groups{}", "system:authenticated"),
            ("objectRef.resource", "pods"),
            ("responseStatus.code", "403"),
        ]
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
    );
}

#[test]
fn every_error_kind_is_reachable_through_the_public_api() {
    let cases = [
        ("{", JsonErrorKind::UnexpectedEnd),
        ("{]", JsonErrorKind::UnexpectedByte),
        ("[\"\u{7}\"]", JsonErrorKind::ControlCharacter),
        (r#"["\a"]"#, JsonErrorKind::InvalidEscape),
        ("[1.]", JsonErrorKind::InvalidNumber),
        ("[1] [", JsonErrorKind::TrailingCharacters),
    ];
    for (json, kind) in cases {
        assert_eq!(flatten_to_vec(json, &Projection::All).unwrap_err().kind, kind, "{json}");
    }
    let deep = "[".repeat(100_000);
    assert_eq!(
        flatten_to_vec(&deep, &Projection::All).unwrap_err().kind,
        JsonErrorKind::TooDeep
    );
}

//! Property tests: no input makes the loader panic, and whenever it loads a search, the offset
//! map is exact and points every character at its source.

mod common;

use std::path::Path;

use common::assert_faithful;
use proptest::prelude::*;
use tripline_content::{load_macro_yaml, search_from_spl_file, searches_from_yaml};

/// Pieces that exercise every scalar rule: blanks, breaks, indentation, quotes, escapes,
/// comments, indicators and multi-byte characters.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a", "bc", "x=1", "|", " ", "  ", "\t", "\n", "\n ", "\n  ", "\n    ", "\r\n  ", "\n\n  ", "'", "''", "\"",
        "\\", "\\n", "\\t", "\\x41", "\\u00e9", "\\L", "\\\n", "#", " #c", ":", ": ", "-", "é", "日本", "🚀", "---",
        "\n---", "...", ">", "`m`", "\u{feff}",
    ])
}

/// A value written in some style: an opening (a quote, a block header, or nothing) and a body.
fn value() -> impl Strategy<Value = String> {
    let opening = prop::sample::select(vec![
        "", "'", "\"", "|", "|-", "|+", ">", ">-", ">+", "|2", "|1-", "|- # c", "!!str |-", "&a '", "!!str \"",
        "# c\n  '", "\n  ", "\n  |-", "\n   >",
    ]);
    let closing = prop::sample::select(vec!["", "'", "\""]);
    (opening, prop::collection::vec(piece(), 0..24), closing).prop_map(|(open, body, close)| {
        let mut v = String::from(open);
        if open.trim_start().starts_with(['|', '>']) || open.ends_with("|-") {
            v.push_str("\n  ");
        }
        v.extend(body);
        v.push_str(close);
        v
    })
}

fn document() -> impl Strategy<Value = String> {
    let prefix = prop::sample::select(vec!["", "\u{feff}", "name: é\n", "  ", "id: 1\r\n"]);
    let suffix = prop::sample::select(vec!["", "\n", "\nid: 2\n", "\r\nnext: x\r\n", "\n..."]);
    (prefix, value(), suffix).prop_map(|(p, v, s)| {
        let indent = if p == "  " { "  " } else { "" };
        let after = if s.is_empty() || s == "\n" || s == "\n..." {
            s.to_owned()
        } else {
            s.replace('\n', &format!("\n{indent}"))
        };
        format!("{p}search: {v}{after}")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn loaded_searches_map_exactly(doc in document()) {
        if let Ok(Some(src)) = searches_from_yaml(Path::new("p.yml"), &doc) {
            assert_faithful(&src);
            let _ = src.line_col(src.text.len());
        }
    }

    #[test]
    fn flow_mappings_map_exactly_or_fall_back(v in value()) {
        // Plain scalars follow different rules inside `{}`; the loader may fall back there, but
        // an exact map must still be right.
        let doc = format!("{{name: x, search: {v}}}");
        if let Ok(Some(src)) = searches_from_yaml(Path::new("p.yml"), &doc) {
            if src.offset_map().is_exact() {
                assert_faithful(&src);
            } else {
                let at = src.file_offset(0);
                assert!((0..=src.text.len()).all(|i| src.file_offset(i) == at));
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        if let Ok(Some(src)) = searches_from_yaml(Path::new("p.yml"), &text) {
            for i in 0..=src.text.len() + 1 {
                let _ = src.line_col(i);
            }
        }
        let _ = load_macro_yaml(Path::new("m.yml"), &text);
        let src = search_from_spl_file(Path::new("p.spl"), &text);
        assert_faithful(&src);
    }

    #[test]
    fn yaml_shaped_text_never_panics(pieces in prop::collection::vec(
        prop_oneof![piece(), Just("search: "), Just("name: "), Just("- "), Just("[{"), Just("}]"),
                    Just("&a "), Just("*a"), Just("? "), Just("arguments: ")],
        0..40,
    )) {
        let text: String = pieces.concat();
        let _ = searches_from_yaml(Path::new("p.yml"), &text);
        let _ = load_macro_yaml(Path::new("m.yml"), &text);
    }
}

#[test]
fn the_generator_produces_loadable_documents() {
    // Guard against a generator that only ever produces parse errors.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = document();
    let mut loaded = 0;
    for _ in 0..2000 {
        let doc = strategy.new_tree(&mut runner).unwrap().current();
        if let Ok(Some(src)) = searches_from_yaml(Path::new("p.yml"), &doc) {
            assert_faithful(&src);
            loaded += 1;
        }
    }
    assert!(loaded > 200, "only {loaded} of 2000 generated documents loaded");
}

//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::PathBuf;

use tripline_content::SearchSource;

/// The corpus root: `$TRIPLINE_CORPUS`, or `shared/corpus` beside the repository.
pub(crate) fn corpus() -> PathBuf {
    let root = std::env::var_os("TRIPLINE_CORPUS").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus")),
        PathBuf::from,
    );
    assert!(
        root.is_dir(),
        "corpus not found at {} (set TRIPLINE_CORPUS)",
        root.display()
    );
    root
}

/// Check that every character of the search text maps to the file character that produced it.
///
/// A character copied from the file must map to the same character. A character the YAML
/// syntax produced maps to its source: a folded space or newline to a line break, an escape to
/// its backslash, a `'` from `''` to the first quote, a final newline added at the end of the
/// file to the end.
pub(crate) fn assert_faithful(src: &SearchSource) {
    assert!(src.offset_map().is_exact(), "{}: fallback map", src.path.display());
    let file = src.file_text();
    for (i, c) in src.text.char_indices() {
        let at = src.file_offset(i);
        let found = file.get(at..).and_then(|r| r.chars().next());
        let ok = match found {
            Some(f) if f == c => true,
            Some('\n' | '\r') => c == ' ' || c == '\n',
            Some('\\') => true,
            Some('\'') => c == '\'',
            None => c == '\n' && at == file.len(),
            _ => false,
        };
        assert!(
            ok,
            "{}: text byte {i} ({c:?}) maps to file byte {at} ({found:?})\ntext: {:?}\nfile: {file:?}",
            src.path.display(),
            src.text
        );
    }
    // Offsets never go backwards.
    let offsets: Vec<usize> = (0..=src.text.len()).map(|i| src.file_offset(i)).collect();
    assert!(
        offsets.windows(2).all(|w| w[0] <= w[1]),
        "{}: offsets not monotonic",
        src.path.display()
    );
}

/// Assert that the first occurrence of `needle` in the text maps to the first occurrence of
/// `needle` in the file after `file_after` (the file's `search:` key, say).
pub(crate) fn assert_points_at(src: &SearchSource, needle: &str, file_after: &str) {
    let in_text = src
        .text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text {:?}", src.text));
    let base = src
        .file_text()
        .find(file_after)
        .unwrap_or_else(|| panic!("{file_after:?} not in file"))
        + file_after.len();
    let in_file = base
        + src.file_text()[base..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in file after {file_after:?}"));
    assert_eq!(
        src.file_offset(in_text),
        in_file,
        "{needle:?}: text offset {in_text} should map to file offset {in_file}"
    );
}

//! Keeping a generated block of a document in step with the code. The docs tests of several
//! crates share this file through `#[path]`: each owns one block, between its own markers.

/// Check that the text between `begin` and `end` in the document at `path` is `expected`. With
/// `TRIPLINE_BLESS` set, write it there first (appending the block when the markers are missing).
/// `bless` is the command to tell the reader when the block is stale.
pub(crate) fn check_block(path: &str, begin: &str, end: &str, expected: &str, bless: &str) {
    let block = |doc: &str| {
        let start = doc.find(begin)? + begin.len();
        let len = doc[start..].find(end)?;
        Some(start..start + len)
    };
    if std::env::var_os("TRIPLINE_BLESS").is_some() {
        let doc = std::fs::read_to_string(path).unwrap_or_default();
        let updated = match block(&doc) {
            Some(range) => format!("{}{expected}{}", &doc[..range.start], &doc[range.end..]),
            None => format!("{doc}\n{begin}{expected}{end}"),
        };
        std::fs::write(path, updated).expect("write the document");
    }
    let doc = std::fs::read_to_string(path).unwrap_or_default();
    let actual = block(&doc).map(|range| &doc[range]);
    assert_eq!(actual, Some(expected), "{path} is stale: run {bless}");
}

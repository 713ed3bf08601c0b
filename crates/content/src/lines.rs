//! Byte offsets to 1-based lines and columns.

/// A position in a file as people read it: 1-based line and 1-based column in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters (not bytes) from the start of the line.
    pub column: usize,
}

/// The start of every line of a text, for turning byte offsets into [`LineCol`]s.
///
/// Line breaks are `\n`, `\r\n` and a lone `\r` (the three YAML recognises). A byte order mark
/// at the very start of the text takes no column: editors do not show it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset where each line's content starts; the first entry is 0 (or 3 after a BOM).
    starts: Vec<usize>,
    /// Length of the text in bytes, so offsets past the end can be clamped.
    len: usize,
}

impl LineIndex {
    /// Index the lines of `text`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let first = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let mut starts = vec![first];
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Self {
            starts,
            len: text.len(),
        }
    }

    /// The number of lines (a text with no line break has one).
    #[must_use]
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte offset where 1-based `line` starts, or `None` past the last line.
    #[must_use]
    pub fn line_start(&self, line: usize) -> Option<usize> {
        line.checked_sub(1).and_then(|i| self.starts.get(i).copied())
    }

    /// The line and column of byte `offset` in `text` (the text this index was built from).
    ///
    /// Offsets past the end are clamped to the end; an offset inside a multi-byte character
    /// counts as that character.
    #[must_use]
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = offset.min(self.len).min(text.len());
        // `starts[0]` is 0 or 3, so the partition point is at least 1 unless the offset sits
        // inside a leading BOM, which counts as line 1, column 1.
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1].min(offset);
        let column = text.get(start..).map_or(0, |rest| {
            rest.char_indices().take_while(|&(i, _)| start + i < offset).count()
        });
        LineCol {
            line,
            column: column + 1,
        }
    }
}

//! Mapping byte offsets in a search's text back to byte offsets in the file it came from.

/// Maps each byte offset of a search text to the byte offset in its file where that byte came
/// from.
///
/// A YAML scalar's value differs from its bytes in the file: quotes and indentation are removed,
/// line breaks fold into spaces, `''` and escapes become one character. The map is a sorted list
/// of segments; inside a segment the value and the file advance together (a stretch of
/// copied characters), or the whole segment points at one file offset (a character the YAML
/// syntax produced, such as a folded space, which points at the line break it replaced, or an
/// escape, which points at its backslash).
///
/// When the loader could not rebuild the value from the file, the map is a *fallback*: every
/// offset maps to the start of the scalar. That is imprecise but never points at the wrong
/// place; [`OffsetMap::is_exact`] tells the two apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetMap {
    kind: Kind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Exact {
        /// Sorted by `text_start`; the first starts at 0 when the text is not empty.
        segments: Vec<Segment>,
        /// Length of the mapped text in bytes.
        text_len: usize,
        /// Where offsets at or past the end of the text map to (just after the last source byte).
        end: usize,
    },
    Fallback {
        at: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    text_start: usize,
    file_start: usize,
    /// Whether text and file advance together (`true`) or the segment maps to `file_start`.
    linear: bool,
}

impl OffsetMap {
    /// The map for a text copied unchanged from the file starting at byte `file_start`.
    #[must_use]
    pub fn shifted(file_start: usize, text_len: usize) -> Self {
        let segments = if text_len == 0 {
            Vec::new()
        } else {
            vec![Segment {
                text_start: 0,
                file_start,
                linear: true,
            }]
        };
        Self {
            kind: Kind::Exact {
                segments,
                text_len,
                end: file_start + text_len,
            },
        }
    }

    /// The imprecise map that sends every offset to `at` (the start of the scalar).
    #[must_use]
    pub fn fallback(at: usize) -> Self {
        Self {
            kind: Kind::Fallback { at },
        }
    }

    /// Whether the map is precise (built by re-scanning the file), as opposed to a fallback.
    #[must_use]
    pub fn is_exact(&self) -> bool {
        matches!(self.kind, Kind::Exact { .. })
    }

    /// The file byte offset of text byte `text_offset`. Offsets at or past the end of the text
    /// map to just after the last byte the value was taken from.
    #[must_use]
    pub fn file_offset(&self, text_offset: usize) -> usize {
        match &self.kind {
            Kind::Fallback { at } => *at,
            Kind::Exact {
                segments,
                text_len,
                end,
            } => {
                if text_offset >= *text_len {
                    return *end;
                }
                let idx = segments.partition_point(|s| s.text_start <= text_offset);
                match idx.checked_sub(1).and_then(|i| segments.get(i)) {
                    Some(seg) if seg.linear => seg.file_start + (text_offset - seg.text_start),
                    Some(seg) => seg.file_start,
                    None => *end,
                }
            }
        }
    }
}

impl OffsetMap {
    /// Apply `f` to every file offset the map produces (used when the file was parsed with
    /// spaces inserted: `f` maps offsets of the parsed text back to the original).
    ///
    /// `f` must be increasing and must not move bytes within one copied run apart; inserted
    /// spaces only ever sit at the start of a line, where no copied run continues.
    pub(crate) fn map_file_offsets(self, f: impl Fn(usize) -> usize) -> Self {
        let kind = match self.kind {
            Kind::Exact {
                segments,
                text_len,
                end,
            } => Kind::Exact {
                segments: segments
                    .into_iter()
                    .map(|s| Segment {
                        file_start: f(s.file_start),
                        ..s
                    })
                    .collect(),
                text_len,
                end: f(end),
            },
            Kind::Fallback { at } => Kind::Fallback { at: f(at) },
        };
        Self { kind }
    }
}

/// Builds a text and its [`OffsetMap`] one character at a time.
#[derive(Debug, Default)]
pub(crate) struct MapBuilder {
    text: String,
    segments: Vec<Segment>,
    /// One past the last file byte that produced output, once anything was pushed.
    last_end: Option<usize>,
}

impl MapBuilder {
    /// Append `c`, which is copied verbatim from file offset `at`.
    pub(crate) fn copy(&mut self, c: char, at: usize) {
        let text_start = self.text.len();
        let continues = self
            .segments
            .last()
            .is_some_and(|s| s.linear && s.file_start + (text_start - s.text_start) == at);
        if !continues {
            self.segments.push(Segment {
                text_start,
                file_start: at,
                linear: true,
            });
        }
        self.text.push(c);
        self.last_end = Some(at + c.len_utf8());
    }

    /// Append `c`, which the YAML syntax produced from the `len` file bytes at offset `at`
    /// (a folded line break, an escape sequence, a doubled quote).
    pub(crate) fn produce(&mut self, c: char, at: usize, len: usize) {
        self.segments.push(Segment {
            text_start: self.text.len(),
            file_start: at,
            linear: false,
        });
        self.text.push(c);
        self.last_end = Some(at + len);
    }

    /// Finish; `empty_at` is where an empty text's offsets point.
    pub(crate) fn finish(self, empty_at: usize) -> (String, OffsetMap) {
        let text_len = self.text.len();
        let map = OffsetMap {
            kind: Kind::Exact {
                segments: self.segments,
                text_len,
                end: self.last_end.unwrap_or(empty_at),
            },
        };
        (self.text, map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copied_runs_merge_and_produced_chars_point_at_their_source() {
        let mut b = MapBuilder::default();
        b.copy('a', 10);
        b.copy('é', 11);
        b.copy('b', 13);
        b.produce(' ', 14, 1);
        b.copy('c', 17);
        let (text, map) = b.finish(0);
        assert_eq!(text, "aéb c");
        assert!(map.is_exact());
        let got: Vec<usize> = (0..=text.len()).map(|i| map.file_offset(i)).collect();
        assert_eq!(got, vec![10, 11, 12, 13, 14, 17, 18]);
    }

    #[test]
    fn fallback_points_everything_at_one_place() {
        let map = OffsetMap::fallback(42);
        assert!(!map.is_exact());
        assert_eq!(map.file_offset(0), 42);
        assert_eq!(map.file_offset(1000), 42);
    }

    #[test]
    fn shifted_is_identity_plus_start() {
        let map = OffsetMap::shifted(3, 5);
        assert_eq!(map.file_offset(0), 3);
        assert_eq!(map.file_offset(4), 7);
        assert_eq!(map.file_offset(5), 8);
        assert_eq!(map.file_offset(99), 8);
        assert_eq!(OffsetMap::shifted(3, 0).file_offset(0), 3);
    }
}

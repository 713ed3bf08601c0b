//! Reading a JSON document in place: byte ranges of members, elements and strings.
//!
//! Format detection needs a handful of top-level keys and a few nested ones, never a tree. These
//! helpers walk the text and hand back byte ranges into it, so detecting a shape allocates nothing
//! and an event cut out of a list is a slice of its document. The walk is strict about the
//! structure it steps through (keys, colons, commas) and lenient inside the values it skips:
//! those are only matched for brackets and strings, and the event builder validates whatever it
//! later reads.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

use memchr::memchr2;

/// A byte range in a document.
pub(crate) type Span = Range<usize>;

/// Why a document could not be walked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RawErrorKind {
    /// The text ended inside a value.
    #[error("unexpected end of the document")]
    UnexpectedEnd,
    /// A byte that cannot appear here.
    #[error("unexpected character")]
    UnexpectedByte,
    /// Something other than whitespace after the document.
    #[error("text after the end of the document")]
    TrailingCharacters,
}

/// A structural problem at a byte offset of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON: {kind}")]
pub struct RawError {
    /// Byte offset in the document.
    pub offset: usize,
    /// What was wrong.
    pub kind: RawErrorKind,
}

fn err(offset: usize, kind: RawErrorKind) -> RawError {
    RawError { offset, kind }
}

/// The first byte at or after `i` that is not JSON whitespace.
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
            break;
        }
        i += 1;
    }
    i
}

/// The first `"` or `\\` in `bytes`. Most JSON strings are short: the first 32 bytes are
/// checked eight at a time in a register, longer strings go to `memchr`.
#[inline]
pub(crate) fn quote_or_escape(bytes: &[u8]) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // The high bit of each byte equal to `byte`, exactly: `(x & 0x7f) + 0x7f` cannot carry into
    // the next byte, so no byte's result depends on its neighbours.
    let eq = |word: u64, byte: u8| {
        let x = word ^ (LOW * u64::from(byte));
        !((x & SEVEN).wrapping_add(SEVEN) | x | SEVEN)
    };
    let (words, _) = bytes.as_chunks::<8>();
    for (i, word) in words.iter().take(4).enumerate() {
        let word = u64::from_le_bytes(*word);
        let mask = eq(word, b'"') | eq(word, b'\\');
        if mask != 0 {
            return Some(i * 8 + (mask.trailing_zeros() / 8) as usize);
        }
    }
    let scanned = words.len().min(4) * 8;
    memchr2(b'"', b'\\', bytes.get(scanned..)?).map(|k| k + scanned)
}

/// The end of the string whose opening quote is at `i` (the index after the closing quote).
pub(crate) fn string_end(b: &[u8], i: usize) -> Result<usize, RawError> {
    let mut j = i + 1;
    loop {
        let rest = b.get(j..).ok_or_else(|| err(b.len(), RawErrorKind::UnexpectedEnd))?;
        match quote_or_escape(rest) {
            None => return Err(err(b.len(), RawErrorKind::UnexpectedEnd)),
            Some(k) => {
                j += k;
                if b.get(j) == Some(&b'"') {
                    return Ok(j + 1);
                }
                j += 2;
            }
        }
    }
}

/// The end of the value starting at `i` (which must not be whitespace). Strings and bracket
/// nesting are honoured; the content is not otherwise checked.
pub(crate) fn value_end(b: &[u8], i: usize) -> Result<usize, RawError> {
    match b.get(i) {
        None => Err(err(i, RawErrorKind::UnexpectedEnd)),
        Some(b'"') => string_end(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while let Some(&c) = b.get(j) {
                match c {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            Err(err(b.len(), RawErrorKind::UnexpectedEnd))
        }
        Some(b'}' | b']' | b',' | b':') => Err(err(i, RawErrorKind::UnexpectedByte)),
        Some(_) => {
            let mut j = i;
            while let Some(c) = b.get(j) {
                if matches!(
                    c,
                    b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' | b':' | b'"' | b'{' | b'['
                ) {
                    break;
                }
                j += 1;
            }
            Ok(j)
        }
    }
}

/// The span of the one value in `b`, with surrounding whitespace excluded; anything else after it
/// is an error.
pub(crate) fn whole_value(b: &[u8]) -> Result<Span, RawError> {
    let start = skip_ws(b, 0);
    if start >= b.len() {
        return Err(err(start, RawErrorKind::UnexpectedEnd));
    }
    let end = value_end(b, start)?;
    let after = skip_ws(b, end);
    if after < b.len() {
        return Err(err(after, RawErrorKind::TrailingCharacters));
    }
    Ok(start..end)
}

/// The members of the object at `obj`, as (key span without quotes, value span).
pub(crate) fn members(b: &[u8], obj: Span) -> Members<'_> {
    Members {
        b,
        i: obj.start + 1,
        end: obj.end,
        first: true,
        done: b.get(obj.start) != Some(&b'{'),
    }
}

/// Iterator returned by [`members`].
pub(crate) struct Members<'a> {
    b: &'a [u8],
    i: usize,
    end: usize,
    first: bool,
    done: bool,
}

impl Members<'_> {
    /// Once the iterator has returned `None` without an error: the index after the closing `}`.
    pub(crate) fn close(&self) -> usize {
        self.i
    }
}

impl Iterator for Members<'_> {
    type Item = Result<(Span, Span), RawError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.step();
        match &result {
            Ok(None) | Err(_) => self.done = true,
            Ok(Some(_)) => {}
        }
        result.transpose()
    }
}

impl Members<'_> {
    fn step(&mut self) -> Result<Option<(Span, Span)>, RawError> {
        let b = self.b;
        let mut i = skip_ws(b, self.i);
        if i >= self.end {
            return Err(err(i, RawErrorKind::UnexpectedEnd));
        }
        if self.first {
            self.first = false;
            if b.get(i) == Some(&b'}') {
                self.i = i + 1;
                return Ok(None);
            }
        } else {
            match b.get(i) {
                Some(b'}') => {
                    self.i = i + 1;
                    return Ok(None);
                }
                Some(b',') => i = skip_ws(b, i + 1),
                _ => return Err(err(i, RawErrorKind::UnexpectedByte)),
            }
        }
        if b.get(i) != Some(&b'"') {
            return Err(err(i, RawErrorKind::UnexpectedByte));
        }
        let key_end = string_end(b, i)?;
        let key = i + 1..key_end - 1;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return Err(err(i, RawErrorKind::UnexpectedByte));
        }
        i = skip_ws(b, i + 1);
        let value_start = i;
        let value_stop = value_end(b, i)?;
        if value_stop == value_start || value_stop > self.end {
            return Err(err(value_start, RawErrorKind::UnexpectedByte));
        }
        self.i = value_stop;
        Ok(Some((key, value_start..value_stop)))
    }
}

/// The elements of the array at `arr`.
pub(crate) fn elements(b: &[u8], arr: Span) -> Elements<'_> {
    Elements {
        b,
        i: arr.start + 1,
        end: arr.end,
        first: true,
        done: b.get(arr.start) != Some(&b'['),
    }
}

/// Iterator returned by [`elements`].
pub(crate) struct Elements<'a> {
    b: &'a [u8],
    i: usize,
    end: usize,
    first: bool,
    done: bool,
}

impl Iterator for Elements<'_> {
    type Item = Result<Span, RawError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = self.step();
        match &result {
            Ok(None) | Err(_) => self.done = true,
            Ok(Some(_)) => {}
        }
        result.transpose()
    }
}

impl Elements<'_> {
    fn step(&mut self) -> Result<Option<Span>, RawError> {
        let b = self.b;
        let mut i = skip_ws(b, self.i);
        if i >= self.end {
            return Err(err(i, RawErrorKind::UnexpectedEnd));
        }
        if self.first {
            self.first = false;
            if b.get(i) == Some(&b']') {
                return Ok(None);
            }
        } else {
            match b.get(i) {
                Some(b']') => return Ok(None),
                Some(b',') => i = skip_ws(b, i + 1),
                _ => return Err(err(i, RawErrorKind::UnexpectedByte)),
            }
        }
        let stop = value_end(b, i)?;
        if stop == i || stop > self.end {
            return Err(err(i, RawErrorKind::UnexpectedByte));
        }
        self.i = stop;
        Ok(Some(i..stop))
    }
}

/// Whether the raw key text (between the quotes) equals `name`, decoding escapes if it has any.
pub(crate) fn key_is(raw: &[u8], name: &str) -> bool {
    if memchr::memchr(b'\\', raw).is_none() {
        return raw == name.as_bytes();
    }
    unescape(raw).is_some_and(|k| k == name)
}

/// The value at `span` if it is a JSON string, decoded.
pub(crate) fn as_str<'a>(doc: &'a str, span: &Span) -> Option<Cow<'a, str>> {
    let b = doc.as_bytes();
    if b.get(span.start) != Some(&b'"') || span.end < span.start + 2 {
        return None;
    }
    let inner = b.get(span.start + 1..span.end - 1)?;
    if memchr::memchr(b'\\', inner).is_none() {
        return doc.get(span.start + 1..span.end - 1).map(Cow::Borrowed);
    }
    unescape(inner).map(Cow::Owned)
}

/// The raw text of the value at `span`.
pub(crate) fn text<'a>(doc: &'a str, span: &Span) -> &'a str {
    doc.get(span.clone()).unwrap_or("")
}

/// The value at `span` as text for a time field: a decoded string, or a number's text; `null`
/// and other kinds give `None`.
pub(crate) fn scalar<'a>(doc: &'a str, span: &Span) -> Option<Cow<'a, str>> {
    match doc.as_bytes().get(span.start)? {
        b'"' => as_str(doc, span),
        b'0'..=b'9' | b'-' => Some(Cow::Borrowed(text(doc, span))),
        _ => None,
    }
}

/// Whether the value at `span` is an object.
pub(crate) fn is_object(doc: &str, span: &Span) -> bool {
    doc.as_bytes().get(span.start) == Some(&b'{')
}

/// Whether the value at `span` is an array.
pub(crate) fn is_array(doc: &str, span: &Span) -> bool {
    doc.as_bytes().get(span.start) == Some(&b'[')
}

/// Whether the value at `span` is `null`.
pub(crate) fn is_null(doc: &str, span: &Span) -> bool {
    text(doc, span) == "null"
}

/// The value of `key` in the object at `obj` (the first occurrence), if any.
pub(crate) fn get(doc: &str, obj: &Span, key: &str) -> Option<Span> {
    let b = doc.as_bytes();
    for member in members(b, obj.clone()) {
        let (k, v) = member.ok()?;
        if key_is(b.get(k)?, key) {
            return Some(v);
        }
    }
    None
}

/// The value at a path of keys below the object at `obj`.
pub(crate) fn get_path(doc: &str, obj: &Span, path: &[&str]) -> Option<Span> {
    let mut span = obj.clone();
    for key in path {
        span = get(doc, &span, key)?;
    }
    Some(span)
}

/// Decode the inside of a JSON string (without its quotes). `None` if an escape is invalid.
pub(crate) fn unescape(raw: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    unescape_into(raw, &mut out).then_some(out)
}

/// Append the decoded inside of a JSON string to `out`; false (with `out` partly written) if an
/// escape is invalid. Invalid UTF-8 in the raw text is replaced with U+FFFD.
pub(crate) fn unescape_into(raw: &[u8], out: &mut String) -> bool {
    let mut i = 0;
    while i < raw.len() {
        let Some(rest) = raw.get(i..) else { return false };
        let k = memchr::memchr(b'\\', rest).unwrap_or(rest.len());
        let Some(plain) = rest.get(..k) else { return false };
        out.push_str(&String::from_utf8_lossy(plain));
        i += k;
        if i >= raw.len() {
            break;
        }
        let Some(&esc) = raw.get(i + 1) else { return false };
        i += 2;
        let c = match esc {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let Some(hi) = raw.get(i..i + 4).and_then(hex4) else {
                    return false;
                };
                i += 4;
                if (0xD800..0xDC00).contains(&hi) {
                    // A high surrogate must be followed by an escaped low one; a lone one becomes
                    // U+FFFD, as a lossy decoder would.
                    let lo = if raw.get(i) == Some(&b'\\') && raw.get(i + 1) == Some(&b'u') {
                        raw.get(i + 2..i + 6)
                            .and_then(hex4)
                            .filter(|lo| (0xDC00..0xE000).contains(lo))
                    } else {
                        None
                    };
                    match lo {
                        Some(lo) => {
                            i += 6;
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)).unwrap_or('\u{fffd}')
                        }
                        None => '\u{fffd}',
                    }
                } else {
                    char::from_u32(hi).unwrap_or('\u{fffd}')
                }
            }
            _ => return false,
        };
        out.push(c);
    }
    true
}

fn hex4(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b {
        v = v * 16 + char::from(c).to_digit(16)?;
    }
    Some(v)
}

/// Append `s` to `out` as the inside of a JSON string (quotes, backslashes and control
/// characters escaped).
pub(crate) fn escape_into(out: &mut String, s: &str) {
    let mut last = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(last..i).unwrap_or(""));
        if escaped.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escaped);
        }
        last = i + 1;
    }
    out.push_str(s.get(last..).unwrap_or(""));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(doc: &str) -> Vec<(String, String)> {
        let b = doc.as_bytes();
        let span = whole_value(b).unwrap();
        members(b, span)
            .map(|m| {
                let (k, v) = m.unwrap();
                (doc[k].to_string(), doc[v].to_string())
            })
            .collect()
    }

    #[test]
    fn walks_members() {
        let doc = r#" { "a" : 1 , "b":{"c":[1,"]",{"d":"}"}]}, "e\"":"x\\" ,"f":null} "#;
        assert_eq!(
            keys(doc),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), r#"{"c":[1,"]",{"d":"}"}]}"#.into()),
                (r#"e\""#.into(), r#""x\\""#.into()),
                ("f".into(), "null".into()),
            ]
        );
        assert!(keys("{}").is_empty());
        let span = whole_value(doc.as_bytes()).unwrap();
        assert_eq!(
            get_path(doc, &span, &["b", "c"]).map(|s| &doc[s]),
            Some(r#"[1,"]",{"d":"}"}]"#)
        );
        assert_eq!(get(doc, &span, "e\"").map(|s| &doc[s]), Some(r#""x\\""#));
        assert_eq!(as_str(doc, &get(doc, &span, "e\"").unwrap()).as_deref(), Some("x\\"));
    }

    #[test]
    fn structural_errors() {
        for bad in [
            r#"{"a" 1}"#,
            r#"{"a":1 "b":2}"#,
            r#"{a:1}"#,
            r#"{"a":}"#,
            r#"{"a":1"#,
            r#"{"a":1,}"#,
        ] {
            let b = bad.as_bytes();
            let span = 0..b.len();
            assert!(members(b, span).any(|m| m.is_err()), "{bad}");
        }
        assert!(whole_value(b"{} x").is_err());
        assert!(whole_value(b"  ").is_err());
        assert!(whole_value(b"{\"a\":\"").is_err());
    }

    #[test]
    fn elements_of_arrays() {
        let doc = r#"[ {"a":1}, "x" ,3,[] ]"#;
        let b = doc.as_bytes();
        let got: Vec<&str> = elements(b, 0..b.len()).map(|e| &doc[e.unwrap()]).collect();
        assert_eq!(got, [r#"{"a":1}"#, r#""x""#, "3", "[]"]);
        assert_eq!(elements(b"[]", 0..2).count(), 0);
        assert!(elements(b"[1 2]", 0..5).any(|e| e.is_err()));
    }

    #[test]
    fn finds_quotes_and_escapes() {
        for len in 0..80 {
            for at in 0..len {
                for special in [b'"', b'\\'] {
                    let mut v: Vec<u8> = (0..len).map(|i| [b'a', 0x80, 0xff, 0xa2, 0xdc][i % 5]).collect();
                    v[at] = special;
                    assert_eq!(quote_or_escape(&v), Some(at), "{v:?}");
                }
            }
            let plain: Vec<u8> = (0..len).map(|i| [0x21, 0x80, 0xa2, 0xdc, 0x5b][i % 5]).collect();
            assert_eq!(quote_or_escape(&plain), None);
        }
    }

    #[test]
    fn strings_round_trip() {
        let s = "quote \" back \\ nl \n tab \t ctl \u{1} é 😀";
        let mut out = String::new();
        escape_into(&mut out, s);
        assert_eq!(unescape(out.as_bytes()).as_deref(), Some(s));
        assert_eq!(
            unescape(br"\ud83d\ude00 \u00e9 \ud800x").as_deref(),
            Some("😀 é \u{fffd}x")
        );
        assert_eq!(unescape(br"\q"), None);
        assert_eq!(unescape(br"\u12"), None);
    }
}

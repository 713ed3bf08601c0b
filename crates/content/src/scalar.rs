//! Re-scanning a YAML scalar from the raw file text to learn where each character came from.
//!
//! saphyr gives a scalar's value and a start marker, but not which file byte produced which
//! value byte. These scanners walk the file from the scalar's start following the same rules as
//! saphyr's scanner (YAML 1.2 folding, escapes, block indentation and chomping) and record, for
//! every character they emit, its file offset. They only need to handle input the parser
//! accepted; anything surprising makes them give up (`None`), and the caller compares the result
//! with the parser's value before trusting it.

use saphyr_parser::ScalarStyle;

use crate::offsets::{MapBuilder, OffsetMap};

/// Where a scalar is and what surrounds it, in file byte offsets.
pub(crate) struct ScalarSite {
    /// The scalar's style as the parser reported it.
    pub(crate) style: ScalarStyle,
    /// Byte offset of the parser's start marker for the value.
    pub(crate) value_start: usize,
    /// Byte offset just after the key the scalar is the value of.
    pub(crate) key_end: usize,
    /// Column (in characters) of that key, which is the indentation of the enclosing mapping.
    pub(crate) key_column: usize,
}

/// Rebuild the scalar's value from `file` and map each of its bytes back into `file`.
pub(crate) fn rebuild(file: &str, site: &ScalarSite) -> Option<(String, OffsetMap)> {
    match site.style {
        ScalarStyle::Plain => plain(file, after_properties(file, site.value_start)?, site.key_column + 1),
        ScalarStyle::SingleQuoted => quoted(file, after_properties(file, site.value_start)?, true),
        ScalarStyle::DoubleQuoted => quoted(file, after_properties(file, site.value_start)?, false),
        ScalarStyle::Literal => block(file, site, true),
        ScalarStyle::Folded => block(file, site, false),
    }
}

/// Skip a node's tag and anchor (`!!str &a`), where a scalar's start marker may point.
fn after_properties(file: &str, start: usize) -> Option<usize> {
    let mut cur = Cursor::new(file, start)?;
    skip_properties(&mut cur);
    Some(cur.pos)
}

/// Skip tags and anchors and the separation after each.
fn skip_properties(cur: &mut Cursor<'_>) {
    while matches!(cur.peek(), '!' | '&') {
        while !is_blank_or_breakz(cur.peek()) {
            cur.bump();
        }
        cur.skip_separation();
    }
}

fn is_break(c: char) -> bool {
    c == '\n' || c == '\r'
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// saphyr reads a NUL as the end of input.
fn is_z(c: char) -> bool {
    c == '\0'
}

fn is_breakz(c: char) -> bool {
    is_break(c) || is_z(c)
}

fn is_blank_or_breakz(c: char) -> bool {
    is_blank(c) || is_breakz(c)
}

/// Content characters of a block scalar line: not a break, not the end, not a BOM.
fn is_non_break(c: char) -> bool {
    !is_breakz(c) && c != '\u{feff}'
}

/// A line break: where it starts and how many bytes it takes (`\r\n` is one break of two).
#[derive(Clone, Copy)]
struct Break {
    at: usize,
    len: usize,
}

/// A position in the file with saphyr's notion of the column.
struct Cursor<'a> {
    src: &'a str,
    pos: usize,
    /// Characters since the start of the line (a BOM does not count).
    col: usize,
}

impl<'a> Cursor<'a> {
    fn new(src: &'a str, pos: usize) -> Option<Self> {
        let before = src.get(..pos)?;
        let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let col = before
            .get(line_start..)
            .map_or(0, |l| l.chars().filter(|&c| c != '\u{feff}').count());
        Some(Self { src, pos, col })
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> char {
        self.rest().chars().next().unwrap_or('\0')
    }

    fn peek_nth(&self, n: usize) -> char {
        self.rest().chars().nth(n).unwrap_or('\0')
    }

    fn at_end(&self) -> bool {
        is_z(self.peek())
    }

    /// Step over one character that is not a line break.
    fn bump(&mut self) {
        if let Some(c) = self.rest().chars().next() {
            self.pos += c.len_utf8();
            self.col += 1;
        }
    }

    /// Step over a line break (`\r\n`, `\n` or `\r`), if there is one.
    fn skip_break(&mut self) -> Break {
        let at = self.pos;
        let len = if self.rest().starts_with("\r\n") {
            2
        } else if is_break(self.peek()) {
            1
        } else {
            0
        };
        self.pos += len;
        if len > 0 {
            self.col = 0;
        }
        Break { at, len }
    }

    fn is_document_indicator(&self) -> bool {
        let r = self.rest();
        (r.starts_with("---") || r.starts_with("..."))
            && r.get(3..).and_then(|t| t.chars().next()).is_none_or(is_blank_or_breakz)
    }

    /// Skip spaces, tabs and a `#` comment up to the end of the line.
    fn skip_blanks_and_comment(&mut self) {
        while is_blank(self.peek()) {
            self.bump();
        }
        if self.peek() == '#' {
            while !is_breakz(self.peek()) {
                self.bump();
            }
        }
    }

    /// Skip blanks, comments and line breaks.
    fn skip_separation(&mut self) {
        loop {
            self.skip_blanks_and_comment();
            if is_break(self.peek()) {
                self.skip_break();
            } else {
                break;
            }
        }
    }
}

/// Emit the breaks saved while folding: a lone break becomes a space, more become newlines.
fn fold(out: &mut MapBuilder, leading: Option<Break>, trailing: &mut Vec<Break>) {
    match leading {
        Some(lb) if trailing.is_empty() => out.produce(' ', lb.at, lb.len),
        _ => emit_breaks(out, trailing),
    }
    trailing.clear();
}

fn emit_breaks(out: &mut MapBuilder, breaks: &[Break]) {
    for b in breaks {
        out.produce('\n', b.at, b.len);
    }
}

/// A plain scalar in block context; continuation lines must be indented at least `indent`.
fn plain(file: &str, start: usize, indent: usize) -> Option<(String, OffsetMap)> {
    let mut cur = Cursor::new(file, start)?;
    let mut out = MapBuilder::default();
    let mut whitespace: Vec<(char, usize)> = Vec::new();
    let mut leading_break: Option<Break> = None;
    let mut trailing: Vec<Break> = Vec::new();
    let mut after_break = false;
    let can_continue = |cur: &Cursor<'_>| {
        let c = cur.peek();
        !is_blank_or_breakz(c) && c != '\u{feff}' && !(c == ':' && is_blank_or_breakz(cur.peek_nth(1)))
    };

    loop {
        if (cur.col == 0 && cur.is_document_indicator()) || cur.peek() == '#' {
            break;
        }
        if can_continue(&cur) {
            if after_break {
                fold(&mut out, leading_break.take(), &mut trailing);
                after_break = false;
            } else {
                for (c, at) in whitespace.drain(..) {
                    out.copy(c, at);
                }
            }
            while can_continue(&cur) {
                out.copy(cur.peek(), cur.pos);
                cur.bump();
            }
        }
        if !(is_blank(cur.peek()) || is_break(cur.peek())) {
            break;
        }
        while is_blank(cur.peek()) || is_break(cur.peek()) {
            let c = cur.peek();
            if is_blank(c) {
                if !after_break {
                    whitespace.push((c, cur.pos));
                    cur.bump();
                } else if cur.col < indent && c == '\t' {
                    cur.skip_blanks_and_comment();
                    if !is_breakz(cur.peek()) {
                        return None;
                    }
                } else {
                    cur.bump();
                }
            } else {
                let b = cur.skip_break();
                if after_break {
                    trailing.push(b);
                } else {
                    whitespace.clear();
                    leading_break = Some(b);
                    after_break = true;
                }
            }
        }
        if cur.col < indent {
            break;
        }
    }
    Some(out.finish(start))
}

/// A single- or double-quoted scalar whose opening quote is at `start`.
fn quoted(file: &str, start: usize, single: bool) -> Option<(String, OffsetMap)> {
    let mut cur = Cursor::new(file, start)?;
    let quote = if single { '\'' } else { '"' };
    if cur.peek() != quote {
        return None;
    }
    cur.bump();
    let mut out = MapBuilder::default();
    let mut whitespace: Vec<(char, usize)> = Vec::new();
    let mut leading_break: Option<Break> = None;
    let mut trailing: Vec<Break> = Vec::new();

    loop {
        if (cur.col == 0 && cur.is_document_indicator()) || cur.at_end() {
            return None;
        }
        let mut leading_blanks = false;
        while !is_blank_or_breakz(cur.peek()) {
            let c = cur.peek();
            if single && c == '\'' && cur.peek_nth(1) == '\'' {
                out.produce('\'', cur.pos, 2);
                cur.bump();
                cur.bump();
            } else if c == quote {
                break;
            } else if !single && c == '\\' && is_break(cur.peek_nth(1)) {
                cur.bump();
                cur.skip_break();
                leading_blanks = true;
                break;
            } else if !single && c == '\\' {
                let (ch, len) = escape(cur.rest())?;
                out.produce(ch, cur.pos, len);
                for _ in 0..len {
                    // Escape sequences are ASCII, so bytes and characters agree.
                    cur.bump();
                }
            } else {
                out.copy(c, cur.pos);
                cur.bump();
            }
        }
        if cur.peek() == quote {
            break;
        }
        while is_blank(cur.peek()) || is_break(cur.peek()) {
            let c = cur.peek();
            if is_blank(c) {
                if !leading_blanks {
                    whitespace.push((c, cur.pos));
                }
                cur.bump();
            } else if leading_blanks {
                trailing.push(cur.skip_break());
            } else {
                whitespace.clear();
                leading_break = Some(cur.skip_break());
                leading_blanks = true;
            }
        }
        if leading_blanks {
            fold(&mut out, leading_break.take(), &mut trailing);
        } else {
            for (c, at) in whitespace.drain(..) {
                out.copy(c, at);
            }
        }
    }
    Some(out.finish(start + 1))
}

/// Resolve the double-quoted escape sequence at the start of `s` (which starts with `\`):
/// the character and the sequence's length in bytes.
fn escape(s: &str) -> Option<(char, usize)> {
    let mut chars = s.chars();
    chars.next()?;
    let c = chars.next()?;
    let simple = match c {
        '0' => Some('\0'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        't' | '\t' => Some('\t'),
        'n' => Some('\n'),
        'v' => Some('\x0b'),
        'f' => Some('\x0c'),
        'r' => Some('\r'),
        'e' => Some('\x1b'),
        ' ' => Some(' '),
        '"' => Some('"'),
        '/' => Some('/'),
        '\\' => Some('\\'),
        'N' => Some('\u{85}'),
        '_' => Some('\u{a0}'),
        'L' => Some('\u{2028}'),
        'P' => Some('\u{2029}'),
        _ => None,
    };
    if let Some(ch) = simple {
        return Some((ch, 2));
    }
    let digits = match c {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => return None,
    };
    let hex = s.get(2..2 + digits)?;
    if !hex.chars().all(|h| h.is_ascii_hexdigit()) {
        return None;
    }
    let code = u32::from_str_radix(hex, 16).ok()?;
    Some((char::from_u32(code)?, 2 + digits))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomping {
    Strip,
    Clip,
    Keep,
}

/// A literal (`|`) or folded (`>`) block scalar that is the value of the key ending at
/// `site.key_end`.
fn block(file: &str, site: &ScalarSite, literal: bool) -> Option<(String, OffsetMap)> {
    let parent = site.key_column;
    let mut cur = Cursor::new(file, site.key_end)?;

    // Find the header: `:`, then any tag or anchor, then the indicator.
    cur.skip_separation();
    if cur.peek() != ':' {
        return None;
    }
    cur.bump();
    cur.skip_separation();
    skip_properties(&mut cur);
    if cur.peek() != if literal { '|' } else { '>' } {
        return None;
    }
    let header = cur.pos;
    cur.bump();

    let mut chomping = Chomping::Clip;
    let mut increment = 0usize;
    let chomp_of = |c: char| if c == '+' { Chomping::Keep } else { Chomping::Strip };
    let digit_of = |c: char| c.to_digit(10).and_then(|d| usize::try_from(d).ok());
    if matches!(cur.peek(), '+' | '-') {
        chomping = chomp_of(cur.peek());
        cur.bump();
        if let Some(d) = digit_of(cur.peek()) {
            increment = d;
            cur.bump();
        }
    } else if let Some(d) = digit_of(cur.peek()) {
        increment = d;
        cur.bump();
        if matches!(cur.peek(), '+' | '-') {
            chomping = chomp_of(cur.peek());
            cur.bump();
        }
    }
    cur.skip_blanks_and_comment();
    if !is_breakz(cur.peek()) {
        return None;
    }
    let mut past_header_line = false;
    if is_break(cur.peek()) {
        cur.skip_break();
        past_header_line = true;
    }

    let mut out = MapBuilder::default();
    let mut trailing: Vec<Break> = Vec::new();
    let mut indent = if increment > 0 { parent + increment } else { 0 };
    if indent == 0 {
        let mut max_indent = 0;
        loop {
            while cur.peek() == ' ' {
                cur.bump();
            }
            max_indent = max_indent.max(cur.col);
            if is_break(cur.peek()) {
                trailing.push(cur.skip_break());
            } else {
                break;
            }
        }
        indent = max_indent.max(parent + 1);
    } else {
        skip_block_indent(&mut cur, indent, &mut trailing);
    }

    if cur.at_end() {
        match chomping {
            Chomping::Strip | Chomping::Clip => {}
            Chomping::Keep if trailing.is_empty() && past_header_line && cur.col > 0 => {
                out.produce('\n', cur.pos, 0);
            }
            Chomping::Keep => emit_breaks(&mut out, &trailing),
        }
        return Some(out.finish(header));
    }
    if cur.col < indent && cur.col > parent {
        return None;
    }

    let mut leading_break: Option<Break> = None;
    let mut leading_blank = false;
    while cur.col == indent && is_non_break(cur.peek()) {
        if indent == 0 && cur.is_document_indicator() {
            break;
        }
        let trailing_blank = is_blank(cur.peek());
        if !literal && leading_break.is_some() && !leading_blank && !trailing_blank {
            fold(&mut out, leading_break.take(), &mut trailing);
        } else {
            if let Some(lb) = leading_break.take() {
                out.produce('\n', lb.at, lb.len);
            }
            emit_breaks(&mut out, &trailing);
            trailing.clear();
        }
        leading_blank = is_blank(cur.peek());
        while is_non_break(cur.peek()) {
            out.copy(cur.peek(), cur.pos);
            cur.bump();
        }
        if !is_break(cur.peek()) {
            break;
        }
        leading_break = Some(cur.skip_break());
        skip_block_indent(&mut cur, indent, &mut trailing);
    }

    if chomping != Chomping::Strip {
        if let Some(lb) = leading_break {
            out.produce('\n', lb.at, lb.len);
        }
        if cur.at_end() && cur.col >= indent.max(1) {
            // saphyr adds a line break for a last line that has none; under keep chomping the
            // kept empty lines follow it in the value, so it borrows the first one's position
            // to keep the map in file order.
            match trailing.first() {
                Some(b) if chomping == Chomping::Keep => out.produce('\n', b.at, b.len),
                _ => out.produce('\n', cur.pos, 0),
            }
        }
    }
    if chomping == Chomping::Keep {
        emit_breaks(&mut out, &trailing);
    }
    let empty_at = header;
    Some(out.finish(empty_at))
}

/// Skip the indentation of block scalar lines and the empty lines among them.
fn skip_block_indent(cur: &mut Cursor<'_>, indent: usize, breaks: &mut Vec<Break>) {
    loop {
        while cur.col < indent && cur.peek() == ' ' {
            cur.bump();
        }
        if is_break(cur.peek()) {
            breaks.push(cur.skip_break());
        } else {
            break;
        }
    }
}

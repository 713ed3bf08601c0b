//! `spath [input=<field>] [output=<field>] [path=<datapath> | <datapath>]`: extract fields from
//! JSON held in a field.
//!
//! **Auto-extract** (no path): the input field's text is parsed as JSON and every scalar leaf
//! becomes a field, named exactly as event extraction names it (see [`crate::json`]):
//! `user.groups{}`, `annotations.authorization.k8s.io/decision`, `containers{}.image`. A name
//! seen several times in the document becomes a multivalue, in document order. This is how the
//! AKS detections read the audit event that Azure wraps as a JSON string:
//! `spath input=properties.log`.
//!
//! **Path** (`spath requestParameters.policyArn`, `spath output=x path=a{}.b`): only the values
//! at that location path, into `output` (default: the path text itself as the field name). A
//! path is keys joined by `.`, each optionally followed by `{}` (every element of an array) or
//! `{N}` (element N, from 0: [DOC] "JSON uses zero-based indexing"). A key may itself contain dots
//! (`annotations.authorization.k8s.io/decision` finds the key `authorization.k8s.io/decision`),
//! so a path reaches every value whose auto-extract name it spells.
//!
//! Semantics and choices:
//! - Input defaults to `_raw` [DOC]. A missing input field leaves the row unchanged.
//! - Invalid JSON leaves the row unchanged [DOC "JSON data used with the spath command must be
//!   well-formed"]: nothing is extracted from a document with an error anywhere, even before it.
//!   XML is not supported: it is not JSON, so nothing is extracted.
//! - [DOC] auto-extract reads only "the first 5,000 characters" (`limits.conf` `[spath]
//!   extraction_cutoff`). Tripline deliberately reads the whole value: big audit events carry
//!   their interesting fields past that point, and a detection must not miss them
//!   (spl-semantics §3.2).
//! - An extracted field replaces a field of the same name [INFER]; so `spath` over `_raw` on an
//!   event whose fields were already extracted changes nothing rather than doubling every value.
//!   Fields the document does not contain are left alone.
//! - A path that reaches an object or array gives its JSON text, as written in the input
//!   [INFER: the `spath path=commits{} output=c | mvexpand c | spath input=c` idiom relies on
//!   it]; `{}` after an array of objects gives one JSON text per element. JSON `null` gives no
//!   value, as in auto-extract. A path that finds nothing leaves `output` unchanged [INFER].
//! - A path step needs the right container: `a.b` does not look inside an array `a` (write
//!   `a{}.b`), and `{}`/`{N}` on a non-array find nothing ([DOC] the path "has to refer to an
//!   array"; Splunk reports an error where Tripline finds nothing).
//! - A multivalue input is parsed value by value and the results merged in order [INFER: the
//!   docs are silent; spl-semantics §3.2 "any command that takes a field value applies to each
//!   value"].
//! - XML attribute steps (`{@locale}`) are rejected when the search is compiled.
//!
//! Examples (run as tests below):
//! - `spath input=properties.log | search responseStatus.code=401`
//! - `spath eventName`
//! - `spath output=images path=spec.containers{}.image`
//! - `spath output=first path=items{0}`

use std::any::Any;
use std::borrow::Cow;

use tripline_spl::ast::SpathCommand;

use super::Operator;
use crate::CompileError;
use crate::expr::EvalContext;
use crate::json::{Flattener, Projection};
use crate::needs::Needs;
use crate::row::{RAW, Row};
use crate::value::{Text, Value};

#[derive(Clone, Debug)]
enum Mode {
    /// Extract every field.
    Auto,
    /// Extract one location path into `output`.
    Path { path: Text, output: Text },
}

/// The compiled `spath` command.
#[derive(Debug)]
pub(crate) struct Spath {
    input: Text,
    mode: Mode,
    /// Reused across rows (its buffers keep their capacity).
    flattener: Flattener,
}

pub(crate) fn compile(s: &SpathCommand) -> Result<Box<dyn Operator>, CompileError> {
    let input = s.input.as_ref().map_or(RAW, |f| f.name.as_str());
    let mode = match &s.path {
        None => {
            if let Some(output) = &s.output {
                return Err(CompileError::new(
                    output.span,
                    "`output=` needs a path: without one, spath extracts every field under its own name",
                ));
            }
            Mode::Auto
        }
        Some(path) => {
            check_path(&path.value).map_err(|m| CompileError::new(path.span, m))?;
            let output = s.output.as_ref().map_or(path.value.as_str(), |f| f.name.as_str());
            Mode::Path {
                path: Text::from(path.value.as_str()),
                output: Text::from(output),
            }
        }
    };
    Ok(Box::new(Spath {
        input: Text::from(input),
        mode,
        flattener: Flattener::new(),
    }))
}

/// Check a location path: `{...}` holds nothing or an array index.
fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the spath path is empty".into());
    }
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|i| open + i) else {
            return Err(format!("`{{` without `}}` in the spath path `{path}`"));
        };
        let inner = &rest[open + 1..close];
        if inner.starts_with('@') {
            return Err(format!(
                "`{{{inner}}}` selects an XML attribute; Tripline's spath reads JSON only"
            ));
        }
        if !inner.bytes().all(|b| b.is_ascii_digit()) || inner.len() > 9 {
            return Err(format!(
                "`{{{inner}}}` in the spath path `{path}` is not `{{}}` or an array index like `{{0}}`"
            ));
        }
        rest = &rest[close + 1..];
    }
    Ok(())
}

impl Operator for Spath {
    fn push(&mut self, mut row: Row, _ctx: &EvalContext, out: &mut Vec<Row>) {
        let Some(input) = row.get(&self.input) else {
            out.push(row);
            return;
        };
        let texts = input.values();
        match &self.mode {
            Mode::Auto => {
                let mut extracted = Row::new();
                let mut fields: Vec<(Text, Text)> = Vec::new();
                for text in &texts {
                    fields.clear();
                    let ok = self
                        .flattener
                        .flatten(text, &Projection::All, &mut |name, value| {
                            fields.push((Text::from(name), Text::from(value)));
                        })
                        .is_ok();
                    if ok {
                        for (name, value) in &fields {
                            extracted.push_value(name, value);
                        }
                    }
                }
                for (name, value) in extracted.into_fields() {
                    row.set(&name, value);
                }
            }
            Mode::Path { path, output } => {
                let mut values = Vec::new();
                for text in &texts {
                    if let Some(doc) = parse(text) {
                        select(&doc, path, true, &mut values);
                    }
                }
                if !values.is_empty() {
                    row.set(output, Value::multi(values));
                }
            }
        }
        out.push(row);
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        match &self.mode {
            // Which fields a document holds is only known when it is read, so whatever is needed
            // downstream may come from it or (when it lacks them) from before.
            Mode::Auto => n.add(&self.input),
            Mode::Path { output, .. } => {
                if downstream.contains(output) {
                    n.add(&self.input);
                }
            }
        }
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(Spath {
            input: self.input.clone(),
            mode: self.mode.clone(),
            flattener: Flattener::new(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// A small JSON tree for path mode: values keep their source text so a subtree can be output as
// the JSON it was written as.

/// The deepest nesting read, as in [`crate::json::DEFAULT_MAX_DEPTH`].
const MAX_DEPTH: usize = crate::json::DEFAULT_MAX_DEPTH;

#[derive(Debug)]
enum Node<'a> {
    /// Members in document order, and the object's source text.
    Object(Vec<(Cow<'a, str>, Node<'a>)>, &'a str),
    /// Elements, and the array's source text.
    Array(Vec<Node<'a>>, &'a str),
    /// A decoded string.
    Str(Cow<'a, str>),
    /// A number, `true` or `false`, as written.
    Scalar(&'a str),
    Null,
}

/// Append the values at `rest` under `node`. `top` is true for the document itself, whose keys
/// are not preceded by a `.`.
fn select(node: &Node<'_>, rest: &str, top: bool, out: &mut Vec<Text>) {
    if rest.is_empty() {
        match node {
            Node::Str(s) => out.push(Text::from(s.as_ref())),
            Node::Scalar(s) => out.push(Text::from(*s)),
            Node::Object(_, text) | Node::Array(_, text) => out.push(Text::from(*text)),
            Node::Null => {}
        }
        return;
    }
    if let Some(after_open) = rest.strip_prefix('{') {
        let Node::Array(items, _) = node else { return };
        // `check_path` made sure the brace closes and holds nothing or digits.
        let Some(close) = after_open.find('}') else { return };
        let (inner, after) = (&after_open[..close], &after_open[close + 1..]);
        if inner.is_empty() {
            items.iter().for_each(|item| select(item, after, false, out));
        } else if let Some(item) = inner.parse::<usize>().ok().and_then(|i| items.get(i)) {
            select(item, after, false, out);
        }
        return;
    }
    let keys = if top {
        rest
    } else {
        rest.strip_prefix('.').unwrap_or("")
    };
    let Node::Object(members, _) = node else { return };
    if !top && keys.is_empty() {
        return;
    }
    for (key, child) in members {
        if let Some(after) = keys.strip_prefix(key.as_ref())
            && (after.is_empty() || after.starts_with('.') || after.starts_with('{'))
        {
            select(child, after, false, out);
        }
    }
}

/// Parse a whole document; `None` if it is not valid JSON.
fn parse(text: &str) -> Option<Node<'_>> {
    let mut p = Parser { text, pos: 0 };
    p.ws();
    let node = p.value(0)?;
    p.ws();
    (p.pos == text.len()).then_some(node)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<Node<'a>> {
        let start = self.pos;
        match self.peek()? {
            b'{' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        if !self.eat(b'"') {
                            return None;
                        }
                        let key = self.string()?;
                        self.ws();
                        if !self.eat(b':') {
                            return None;
                        }
                        self.ws();
                        let value = self.value(depth + 1)?;
                        members.push((key, value));
                        self.ws();
                        if self.eat(b'}') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(Node::Object(members, &self.text[start..self.pos]))
            }
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if !self.eat(b']') {
                    loop {
                        self.ws();
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        if self.eat(b']') {
                            break;
                        }
                        if !self.eat(b',') {
                            return None;
                        }
                    }
                }
                Some(Node::Array(items, &self.text[start..self.pos]))
            }
            b'"' => {
                self.pos += 1;
                self.string().map(Node::Str)
            }
            b't' => self.literal("true").map(Node::Scalar),
            b'f' => self.literal("false").map(Node::Scalar),
            b'n' => self.literal("null").map(|_| Node::Null),
            b'-' | b'0'..=b'9' => self.number().map(Node::Scalar),
            _ => None,
        }
    }

    fn literal(&mut self, word: &'static str) -> Option<&'a str> {
        let start = self.pos;
        if self.text[start..].starts_with(word) {
            self.pos += word.len();
            Some(&self.text[start..self.pos])
        } else {
            None
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<&'a str> {
        let start = self.pos;
        self.eat(b'-');
        if self.eat(b'0') {
            if matches!(self.peek(), Some(b'0'..=b'9')) {
                return None;
            }
        } else if self.digits() == 0 {
            return None;
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(&self.text[start..self.pos])
    }

    /// The rest of a string whose opening quote has been read.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        // Fast path: no escapes, borrow the text.
        loop {
            match *bytes.get(self.pos)? {
                b'"' => {
                    let s = &self.text[start..self.pos];
                    self.pos += 1;
                    return Some(Cow::Borrowed(s));
                }
                b'\\' => break,
                b if b < 0x20 => return None,
                _ => self.pos += 1,
            }
        }
        let mut out = String::from(&self.text[start..self.pos]);
        loop {
            let run = self.pos;
            loop {
                match *bytes.get(self.pos)? {
                    b'"' | b'\\' => break,
                    b if b < 0x20 => return None,
                    _ => self.pos += 1,
                }
            }
            out.push_str(&self.text[run..self.pos]);
            if self.eat(b'"') {
                return Some(Cow::Owned(out));
            }
            self.pos += 1; // the backslash
            let escape = self.peek()?;
            self.pos += 1;
            match escape {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let unit = self.hex4()?;
                    let c = if (0xD800..0xDC00).contains(&unit) {
                        // A high surrogate: combine with a following low one, else it is lone.
                        let save = self.pos;
                        let low = if self.text[self.pos..].starts_with("\\u") {
                            self.pos += 2;
                            self.hex4()?
                        } else {
                            0
                        };
                        if (0xDC00..0xE000).contains(&low) {
                            char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                        } else {
                            self.pos = save;
                            None
                        }
                    } else {
                        char::from_u32(unit)
                    };
                    out.push(c.unwrap_or('\u{FFFD}'));
                }
                _ => return None,
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.pos..self.pos + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{row, rows, run};
    use crate::json::{Projection, flatten_to_vec};
    use crate::plan::Plan;

    /// The AKS audit event Azure wraps as a string (from spl-semantics §3.6.11's use case).
    const AZURE: &str = r#"{"category":"kube-audit","properties":{"log":"{\"kind\":\"Event\",\"verb\":\"get\",\"user\":{\"username\":\"system:anonymous\",\"groups\":[\"system:unauthenticated\",\"x\"]},\"sourceIPs\":[\"10.0.0.1\"],\"responseStatus\":{\"code\":401},\"annotations\":{\"authorization.k8s.io/decision\":\"allow\"},\"n\":null}"}}"#;

    /// A row as the ingest would build it from JSON text: `_raw` plus its extracted fields.
    fn event(json: &str) -> Row {
        let mut r = Row::new();
        r.set(RAW, Value::str(json));
        for (name, value) in flatten_to_vec(json, &Projection::All).unwrap() {
            r.push_value(&name, &value);
        }
        r
    }

    #[test]
    fn auto_extract_from_a_string_field() {
        let got = run(
            "spath input=properties.log | table verb user.username user.groups{} sourceIPs{} responseStatus.code annotations.authorization.k8s.io/decision n",
            vec![event(AZURE)],
        );
        assert_eq!(
            got,
            rows(&[&[
                ("verb", "get"),
                ("user.username", "system:anonymous"),
                ("user.groups{}", "system:unauthenticated|x"),
                ("sourceIPs{}", "10.0.0.1"),
                ("responseStatus.code", "401"),
                ("annotations.authorization.k8s.io/decision", "allow"),
            ]])
        );
    }

    #[test]
    fn auto_extract_replaces_rather_than_doubles() {
        // `_raw` was already extracted: spath over it again changes nothing.
        let ev = event(r#"{"a":"1","b":["x","y"]}"#);
        let got = run("spath | table a b{}", vec![ev]);
        assert_eq!(got, rows(&[&[("a", "1"), ("b{}", "x|y")]]));
        // An extracted name replaces an older field of that name; others stay.
        let got = run(
            "spath input=j | table a keep",
            vec![row(&[("j", r#"{"a":"new"}"#), ("a", "old"), ("keep", "k")])],
        );
        assert_eq!(got, rows(&[&[("a", "new"), ("keep", "k")]]));
    }

    #[test]
    fn invalid_json_and_missing_input_leave_the_row_unchanged() {
        let input = vec![
            row(&[("j", r#"{"a":"1","b":tru}"#), ("a", "old")]),
            row(&[("j", "<xml a=\"1\"/>")]),
            row(&[("other", "x")]),
        ];
        let got = run("spath input=j | spath input=j path=a", input.clone());
        assert_eq!(
            got,
            rows(&[
                &[("j", r#"{"a":"1","b":tru}"#), ("a", "old")],
                &[("j", "<xml a=\"1\"/>")],
                &[("other", "x")],
            ])
        );
    }

    #[test]
    fn multivalue_input_reads_every_value() {
        let got = run(
            "spath input=j | table a",
            vec![row(&[("j", r#"{"a":"1"}|not json|{"a":"2"}"#)])],
        );
        assert_eq!(got, rows(&[&[("a", "1|2")]]));
        let got = run(
            "spath input=j output=o path=a | table o",
            vec![row(&[("j", r#"{"a":"1"}|{"a":["x"]}"#)])],
        );
        assert_eq!(got, rows(&[&[("o", r#"1|["x"]"#)]]));
    }

    #[test]
    fn path_mode_names_the_field_after_the_path() {
        let ev = event(
            r#"{"eventName":"CreateAccessKey","requestParameters":{"policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}}"#,
        );
        let got = run(
            "spath eventName | spath requestParameters.policyArn | table eventName requestParameters.policyArn",
            vec![ev],
        );
        assert_eq!(
            got,
            rows(&[&[
                ("eventName", "CreateAccessKey"),
                (
                    "requestParameters.policyArn",
                    "arn:aws:iam::aws:policy/AdministratorAccess"
                ),
            ]])
        );
    }

    #[test]
    fn path_mode_arrays_indexes_and_subtrees() {
        let doc = r#"{"spec":{"containers":[{"image":"nginx","ports":[80,443]},{"name":"x"},{"image":"redis"}]},"items":[ {"k" : "v"} , 2],"o":{"x":null,"y":true},"k.with.dots":{"z":"dz"},"k":{"with":{"dots":{"z":"nested"}}}}"#;
        let cases: &[(&str, &str)] = &[
            ("spath output=r path=spec.containers{}.image", "nginx|redis"),
            ("spath output=r path=spec.containers{0}.ports{}", "80|443"),
            ("spath output=r path=spec.containers{1}.name", "x"),
            ("spath output=r path=items{0}", r#"{"k" : "v"}"#),
            ("spath output=r path=items{1}", "2"),
            ("spath output=r path=items", r#"[ {"k" : "v"} , 2]"#),
            (
                "spath output=r path=spec.containers{}",
                r#"{"image":"nginx","ports":[80,443]}|{"name":"x"}|{"image":"redis"}"#,
            ),
            ("spath output=r path=o.y", "true"),
            // Keys with dots, and a colliding nested path, both found in document order.
            ("spath output=r path=k.with.dots.z", "dz|nested"),
        ];
        for (spl, want) in cases {
            let got = run(&format!("{spl} | table r"), vec![row(&[("_raw", doc)])]);
            assert_eq!(got, rows(&[&[("r", want)]]), "{spl}");
        }
        // Nothing found: null, a missing key, an index past the end, `.` into an array, `{}` on
        // an object. The output field keeps its old value.
        for path in ["o.x", "nope", "items{5}", "spec.containers.image", "spec{}", "o.y.z"] {
            let got = run(
                &format!("spath output=r path={path} | table r"),
                vec![row(&[("_raw", doc), ("r", "old")])],
            );
            assert_eq!(got, rows(&[&[("r", "old")]]), "{path}");
        }
    }

    #[test]
    fn top_level_arrays_and_escapes() {
        let got = run(
            "spath output=r path={}.a | table r",
            vec![row(&[(
                "_raw",
                r#"[{"a":"x\ty\u00e9\ud83d\ude00\ud800"},{"a":"\"q\""}]"#,
            )])],
        );
        assert_eq!(got, rows(&[&[("r", "x\tyé😀\u{FFFD}|\"q\"")]]));
    }

    #[test]
    fn strict_parsing() {
        for bad in [
            "",
            "{",
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":1e}"#,
            "{\"a\":\"x\ny\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":1,}"#,
            r#"[1 2]"#,
            r#"{"a":1} x"#,
            r#"{"a":nul}"#,
            r#"{"a":"\u12"}"#,
        ] {
            assert!(parse(bad).is_none(), "{bad:?}");
        }
        let deep = format!("{}1{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&deep).is_some());
        let too_deep = format!("{}1{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse(&too_deep).is_none());
        assert!(parse(r#" {"a":[-0.5e+3, true, false, null, "s"]} "#).is_some());
    }

    #[test]
    fn compile_errors() {
        let ctx = EvalContext::default();
        for spl in [
            "search * | spath output=x",
            "search * | spath path=a{@locale}",
            "search * | spath path=a{x}",
            "search * | spath path=a{0",
        ] {
            assert!(Plan::compile_text(spl, &ctx).is_err(), "{spl}");
        }
    }

    #[test]
    fn needs() {
        let ctx = EvalContext::default();
        let plan = Plan::compile_text(
            "search category=kube-audit | spath input=properties.log | stats count by verb",
            &ctx,
        )
        .unwrap();
        let n = plan.needs();
        assert!(n.contains("properties.log") && n.contains("verb") && n.contains("category"));
        // A path whose output nothing reads needs nothing.
        let plan = Plan::compile_text("search * | spath output=x path=a | stats count by verb", &ctx).unwrap();
        assert!(!plan.needs().wants_raw());
        let plan = Plan::compile_text("search * | spath output=x path=a | stats count by x", &ctx).unwrap();
        assert!(plan.needs().wants_raw() && plan.needs().contains("x"));
    }

    #[test]
    fn fresh_copies_run_alike() {
        let op = compile(&SpathCommand {
            input: None,
            output: None,
            path: None,
        })
        .unwrap();
        let mut fresh = op.fresh();
        let mut out = Vec::new();
        fresh.push(row(&[("_raw", r#"{"a":"1"}"#)]), &EvalContext::default(), &mut out);
        assert_eq!(out[0].get("a"), Some(&Value::str("1")));
    }

    /// The AKS detections read the audit event from `properties.log` (Kubernetes Azure Pod Scan
    /// Fingerprint and friends); run their shape over Panther's real AKS test events.
    #[test]
    fn aks_events_from_the_corpus() {
        let dir = std::env::var("TRIPLINE_CORPUS")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus").to_owned());
        let path = format!("{dir}/panther-analysis-k8s/azure_monitoractivity.ndjson");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let events: Vec<Row> = text.lines().filter(|l| !l.trim().is_empty()).map(event).collect();
        assert!(events.len() >= 30, "{path} has {} events", events.len());

        let got = run(
            "search category=kube-audit | spath input=properties.log | search responseStatus.code=401 | table sourceIPs{} userAgent verb requestURI responseStatus.reason objectRef.name",
            events.clone(),
        );
        assert_eq!(
            got,
            rows(&[&[
                ("sourceIPs{}", "1.2.3.4"),
                ("verb", "get"),
                ("objectRef.name", "api-token")
            ]])
        );

        let got = run(
            "search category=kube-audit | spath input=properties.log | search user.groups{}=system:unauth* OR annotations.authorization.k8s.io/decision=allow | table user.username verb objectRef.resource user.groups{}",
            events,
        );
        assert_eq!(
            got,
            rows(&[&[
                ("user.username", "system:anonymous"),
                ("verb", "get"),
                ("objectRef.resource", "pods"),
                ("user.groups{}", "system:unauthenticated"),
            ]])
        );
    }
}

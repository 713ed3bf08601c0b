//! Property: however documents are laid out (JSON lines, pretty-printed, concatenated with or
//! without whitespace or commas, a top-level array, mixed with text lines) and however the bytes
//! arrive (in chunks of any size), the reader hands back exactly those documents, in order, with
//! the line each starts on.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::{self, Read};

use proptest::prelude::*;
use serde_json::{Map, Value};
use tripline_ingest::{Collector, Ingest, Shape};

/// JSON values whose keys never trigger a specific shape (they all start with `x`), so every
/// object comes back as a plain JSON event with its text unchanged.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
        "[\\[\\]{}\",:\\\\\n]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("x[a-z{}\\[\\]\"]{0,5}", inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn object() -> impl Strategy<Value = Value> {
    prop::collection::vec(("x[a-zA-Z0-9 ]{0,6}", value()), 0..6)
        .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>()))
}

#[derive(Clone, Debug)]
enum Item {
    Doc {
        value: Value,
        pretty: bool,
    },
    /// A text line (only placed at the start of a line).
    Text(String),
}

#[derive(Clone, Copy, Debug)]
enum Layout {
    Lines,
    Concatenated,
    Spaces,
    Commas,
    Array,
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        Just(Layout::Lines),
        Just(Layout::Concatenated),
        Just(Layout::Spaces),
        Just(Layout::Commas),
        Just(Layout::Array),
    ]
}

fn items() -> impl Strategy<Value = Vec<Item>> {
    prop::collection::vec(
        prop_oneof![
            4 => (object(), any::<bool>()).prop_map(|(value, pretty)| Item::Doc { value, pretty }),
            1 => "[a-zA-Z0-9 =:.\"]{1,20}[a-zA-Z0-9]".prop_map(Item::Text),
        ],
        0..8,
    )
}

/// Reads at most `n` bytes per call.
struct Chunks<'a> {
    data: &'a [u8],
    n: usize,
}

impl Read for Chunks<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.data.len().min(out.len()).min(self.n);
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Lay the items out; returns the bytes and, per item, its text as written and starting line.
fn render(items: &[Item], layout: Layout, crlf: bool) -> (String, Vec<(Item, String, u64)>) {
    let mut out = String::new();
    let mut expected = Vec::new();
    let line = |s: &str| s.matches('\n').count() as u64 + 1;
    let array = matches!(layout, Layout::Array);
    if array {
        out.push_str("[\n");
    }
    let mut first = true;
    for item in items {
        match item {
            Item::Text(t) => {
                // Text only ever sits on a line of its own, outside an array.
                if array {
                    continue;
                }
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                expected.push((item.clone(), t.clone(), line(&out)));
                out.push_str(t);
                out.push('\n');
                first = true;
            }
            Item::Doc { value, pretty } => {
                let text = if *pretty {
                    serde_json::to_string_pretty(value).unwrap()
                } else {
                    serde_json::to_string(value).unwrap()
                };
                if !first {
                    out.push_str(match layout {
                        Layout::Lines => "\n",
                        Layout::Concatenated => "",
                        Layout::Spaces => " \t ",
                        Layout::Commas | Layout::Array => ",\n",
                    });
                }
                first = false;
                let written = if crlf { text.replace('\n', "\r\n") } else { text.clone() };
                expected.push((item.clone(), written, line(&out)));
                out.push_str(&text);
            }
        }
    }
    if array {
        out.push_str("\n]\n");
    }
    if crlf {
        out = out.replace('\n', "\r\n");
    }
    (out, expected)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn documents_come_back_whatever_the_layout(
        items in items(),
        layout in layout(),
        crlf in any::<bool>(),
        bom in any::<bool>(),
        chunk in 1usize..64,
    ) {
        let (text, expected) = render(&items, layout, crlf);
        let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        bytes.extend_from_slice(text.as_bytes());
        let mut sink = Collector::default();
        let stats = Ingest::default().read_stream("p", Chunks { data: &bytes, n: chunk }, &mut sink);
        prop_assert!(sink.warnings.is_empty(), "{:?}\n{}", sink.warnings, text);
        prop_assert_eq!(stats.malformed + stats.oversized, 0);
        prop_assert_eq!(sink.events.len(), expected.len(), "{}", text);
        for (event, (item, written, line)) in sink.events.iter().zip(&expected) {
            prop_assert_eq!(event.line, *line, "{}", text);
            match item {
                Item::Doc { .. } => {
                    prop_assert_eq!(event.shape, Shape::Json);
                    // The event is the document exactly as written.
                    prop_assert_eq!(&event.text, written);
                }
                Item::Text(t) => {
                    prop_assert_eq!(event.shape, Shape::Text);
                    prop_assert_eq!(&event.text, t.trim());
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512), chunk in 1usize..32) {
        let mut sink = Collector::default();
        let stats = Ingest::default().read_stream("p", Chunks { data: &bytes, n: chunk }, &mut sink);
        prop_assert_eq!(stats.events as usize, sink.events.len());
    }
}

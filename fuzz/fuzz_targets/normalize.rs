//! Arbitrary bytes → the ingest reader (framing, format detection, normalizers, envelope
//! decoding) → the event builder.
//!
//! The first byte picks how the bytes arrive (read chunk size) and whether the size limits are
//! tiny, so the refill, discard and oversize paths are reached. Checks that nothing panics, that
//! every delivered event is within the event size limit with a line number and a finite time, and
//! that the stats count what the sink accepted.

#![no_main]

use std::io::{self, Read};

use libfuzzer_sys::fuzz_target;
use tripline_engine::event::EventBuilder;
use tripline_engine::json::JsonError;
use tripline_ingest::{EventRecord, Ingest, IngestOptions, Sink, Warning};

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

struct Check {
    builder: EventBuilder,
    max_event: usize,
    accepted: u64,
}

impl Sink for Check {
    type Error = JsonError;

    fn event(&mut self, e: EventRecord<'_>) -> Result<(), JsonError> {
        assert!(e.text.len() <= self.max_event, "{} > {}", e.text.len(), self.max_event);
        assert!(e.line >= 1);
        assert!(e.time.is_none_or(f64::is_finite));
        if e.json {
            self.builder.json_at(e.text, e.meta, 0.0)?;
        } else {
            self.builder.text(e.text, e.meta, 0.0);
        }
        self.accepted += 1;
        Ok(())
    }

    fn warning(&mut self, w: &Warning) {
        let _ = w.to_string();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, body)) = data.split_first() else {
        return;
    };
    let chunk = if control & 0x3f == 0 {
        usize::MAX
    } else {
        usize::from(control & 0x3f)
    };
    let max_event = if control & 0x40 != 0 { 48 } else { 1 << 20 };
    let max_document_size = if control & 0x80 != 0 { 200 } else { 4 << 20 };
    let mut ingest = Ingest::new(IngestOptions {
        max_event_size: max_event,
        max_document_size,
        ..IngestOptions::default()
    });
    let mut sink = Check {
        builder: EventBuilder::all(&[]),
        max_event,
        accepted: 0,
    };
    let stats = ingest.read_stream("fuzz", Chunks { data: body, n: chunk }, &mut sink);
    assert_eq!(stats.events, sink.accepted);
    assert_eq!(stats.by_shape.values().sum::<u64>(), stats.events);
    assert_eq!(stats.by_sourcetype.values().sum::<u64>(), stats.events);
});

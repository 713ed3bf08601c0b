//! Kubernetes Scanner Image Pulling, the production detection over Kubernetes object events,
//! runs verbatim from the corpus through `tripline search` over hand-made events in the watch
//! shape Splunk Connect for Kubernetes indexes (`{"type":..,"object":{Event}}`); the events and
//! the rows are in `common/objects.rs`.

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

mod common;

use std::process::Command;

use common::objects::{ARGS, SCANNER_PULLS_ROWS, scanner_pulls};
use common::{corpus, detection_search};

#[test]
fn kubernetes_scanner_image_pulling() {
    let spl = detection_search("cloud", "kubernetes_scanner_image_pulling");
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args(["search", &spl, scanner_pulls().to_str().unwrap(), "--format", "jsonl"])
        .args(ARGS)
        .args(["--macros", corpus().join("security_content/macros").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines, SCANNER_PULLS_ROWS);
}

//! Kubernetes Scanner Image Pulling, the production detection over Kubernetes object events,
//! runs verbatim from the corpus through `tripline search` over hand-made events in the watch
//! shape Splunk Connect for Kubernetes indexes (`{"type":..,"object":{Event}}`).

#![allow(clippy::unwrap_used)] // helpers in integration tests may unwrap: a failure is a test failure

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    std::env::var_os("TRIPLINE_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        PathBuf::from,
    )
}

#[test]
fn kubernetes_scanner_image_pulling() {
    let yml = corpus().join("security_content/detections/cloud/kubernetes_scanner_image_pulling.yml");
    let text = std::fs::read_to_string(&yml).unwrap();
    let spl = tripline_content::searches_from_yaml(&yml, &text).unwrap().unwrap().text;
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/objects/scanner_pulls.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args(["search", &spl, fixture.to_str().unwrap(), "--format", "jsonl"])
        .args(["--sourcetype", "kube:objects:events", "--host", "replay-host"])
        .args(["--macros", corpus().join("security_content/macros").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    // Two pulls of kube-hunter on node-1 group into one row (count 2, first and last times from
    // the events' lastTimestamp); kube-bench on node-2 is its own row. The "Pulled" event and the
    // nginx pull do not match. The kube-recon pull has no `object.source.host`, so `rename
    // source.host AS host` removes the event's `host` and `stats ... BY host` drops it. `kind` is
    // the involved object's (Pod), not the Event's: the second wildcard rename overwrites it.
    // Rows are sorted by the BY fields (host first); columns are the BY fields, then firstTime,
    // lastTime, count; `security_content_ctime` renders the times.
    assert_eq!(
        lines,
        [
            r#"{"host":"node-1","name":"kube-hunter-7c9d","namespace":"default","kind":"Pod","reason":"Pulling","message":"Pulling image \"aquasec/kube-hunter:0.6.8\"","phase":"operate","severity":"high","firstTime":"2026-11-21T10:00:00","lastTime":"2026-11-21T10:05:00","count":2}"#,
            r#"{"host":"node-2","name":"kube-bench-x2","namespace":"default","kind":"Pod","reason":"Pulling","message":"Pulling image \"docker.io/aquasec/kube-bench:v0.9.0\"","phase":"operate","severity":"high","firstTime":"2026-11-21T11:00:00","lastTime":"2026-11-21T11:00:00","count":1}"#,
        ]
    );
}

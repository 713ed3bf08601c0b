//! The terminal table, with findings of two rules kept as fixtures (the first versions of two
//! built-in rules, frozen here so the pack can change without changing these tables).

use std::path::Path;

use tripline_content::{Detection, Finding, FindingSeverity, load_detection};
use tripline_engine::row::Row;
use tripline_engine::value::{Text, Value};
use tripline_sinks::table::{self, TableWriter};
use tripline_sinks::{FindingWriter, Format, SinkError, WriterOptions, write};
use unicode_width::UnicodeWidthStr;

const T: f64 = 1_795_341_600.0; // 2026-11-22T10:00:00Z

fn detection(file: &str) -> Detection {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(file);
    let text = std::fs::read_to_string(&path).expect("read detection");
    load_detection(&path, &text).expect("load detection")
}

/// A finding of `Kubernetes Unauthenticated API Sweep` (Anomaly, score 25: low) from `ips`.
fn sweep(ips: &[&str], count: f64, first: f64, last: f64) -> Finding {
    let mut row = Row::new();
    let ip = match ips {
        [one] => Value::str(one),
        many => Value::multi(many.iter().map(|v| Text::from(*v)).collect()),
    };
    row.set("src_ip", ip);
    row.set("count", Value::Num(count));
    row.set("userAgent", Value::str("kube-hunter"));
    Finding::new(
        &detection("kubernetes_unauthenticated_api_sweep.yml"),
        &row,
        Some((first, last)),
    )
}

/// A finding of `Kubernetes Security Scanner Image Pull` (TTP, score 64: high) on `host`.
fn pull(host: &str, first: &str, last: &str) -> Finding {
    let mut row = Row::new();
    row.set("host", Value::str(host));
    row.set("name", Value::str("hunter-7d9f"));
    row.set("namespace", Value::str("default"));
    row.set("kind", Value::str("Pod"));
    row.set("reason", Value::str("Pulling"));
    row.set("message", Value::str("Pulling image \"aquasec/kube-hunter:0.6.8\""));
    row.set("count", Value::Num(1.0));
    row.set("firstTime", Value::str(first));
    row.set("lastTime", Value::str(last));
    Finding::new(&detection("kubernetes_security_scanner_image_pull.yml"), &row, None)
}

fn four() -> Vec<Finding> {
    vec![
        sweep(&["203.0.113.7"], 42.0, T, T + 300.25),
        pull("node-2", "2026-11-22T11:00:03", "2026-11-22T11:00:03"),
        pull("node-1", "2026-11-22T10:00:00", "2026-11-22T10:05:00"),
        sweep(&["198.51.100.23"], 7.0, T + 50_340.0, T + 50_460.0),
    ]
}

fn render(findings: &[Finding], options: WriterOptions) -> String {
    let mut out = Vec::new();
    table::write(findings, options, &mut out).expect("write to a Vec");
    String::from_utf8(out).expect("utf-8")
}

const FOUR: &str = "\
HIGH      Kubernetes Security Scanner Image Pull · 2 findings · TTP · T1526 Cloud Service Discovery
  2026-11-22 10:00:00–10:05:00  host=node-1  Security scanner image pulled on node-1
  2026-11-22 11:00:03           host=node-2  Security scanner image pulled on node-2

LOW       Kubernetes Unauthenticated API Sweep · 2 findings · Anomaly · T1046 Network Service Discovery
  2026-11-22 10:00:00–10:05:00        src_ip=203.0.113.7    203.0.113.7 made 42 refused unauthenticated requests to the Kubernetes API
  2026-11-22 23:59:00–11-23 00:01:00  src_ip=198.51.100.23  198.51.100.23 made 7 refused unauthenticated requests to the Kubernetes API

4 findings from 2 rules (times UTC)
";

#[test]
fn grouped_by_rule_highest_severity_first_findings_by_time() {
    assert_eq!(render(&four(), WriterOptions::default()), FOUR);
}

#[test]
fn the_order_findings_arrive_in_does_not_matter() {
    fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
        if items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let mut all = Vec::new();
        for (i, &first) in items.iter().enumerate() {
            let mut rest = items.to_vec();
            rest.remove(i);
            for mut p in permutations(&rest) {
                p.insert(0, first);
                all.push(p);
            }
        }
        all
    }
    let findings = four();
    let orders = permutations(&[0, 1, 2, 3]);
    assert_eq!(orders.len(), 24);
    for order in orders {
        let shuffled: Vec<Finding> = order.iter().map(|&i| findings[i].clone()).collect();
        assert_eq!(render(&shuffled, WriterOptions::default()), FOUR, "order {order:?}");
    }
}

#[test]
fn empty_and_singular() {
    assert_eq!(render(&[], WriterOptions::default()), "no findings\n");
    let one = render(
        &[pull("node-1", "2026-11-22T10:00:00", "2026-11-22T10:00:00")],
        WriterOptions::default(),
    );
    assert_eq!(
        one,
        "HIGH      Kubernetes Security Scanner Image Pull · 1 finding · TTP · T1526 Cloud Service Discovery\n  \
         2026-11-22 10:00:00  host=node-1  Security scanner image pulled on node-1\n\n1 finding from 1 rule (times UTC)\n"
    );
}

#[test]
fn rules_order_by_severity_then_name() {
    let mut findings = Vec::new();
    for (name, severity) in [
        ("B informational", FindingSeverity::Informational),
        ("C medium", FindingSeverity::Medium),
        ("A medium", FindingSeverity::Medium),
        ("D critical", FindingSeverity::Critical),
    ] {
        let mut f = sweep(&["203.0.113.7"], 6.0, T, T);
        f.rule.name = name.to_owned();
        f.rule.id = format!("id-{name}");
        f.severity = severity;
        findings.push(f);
    }
    let text = render(&findings, WriterOptions::default());
    let headers: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && l.contains('·'))
        .map(|l| l.split(" · ").next().unwrap_or(l))
        .collect();
    assert_eq!(
        headers,
        [
            "CRITICAL  D critical",
            "MEDIUM    A medium",
            "MEDIUM    C medium",
            "INFO      B informational"
        ]
    );
    assert!(text.ends_with("4 findings from 4 rules (times UTC)\n"), "{text}");
}

#[test]
fn colour_only_when_enabled() {
    let plain = render(&four(), WriterOptions::default());
    assert!(!plain.contains('\x1b'));
    let coloured = render(&four(), WriterOptions::default().with_color(true));
    assert!(coloured.contains("\x1b[31mHIGH\x1b[0m"), "{coloured}");
    assert!(coloured.contains("\x1b[36mLOW\x1b[0m"), "{coloured}");
    assert!(coloured.contains("\x1b[1mKubernetes Security Scanner Image Pull\x1b[0m"));
    assert_eq!(strip_own_colours(&coloured), plain);

    let mut findings = four();
    findings[0].severity = FindingSeverity::Critical;
    findings[1].severity = FindingSeverity::Medium;
    findings[2].severity = FindingSeverity::Medium;
    findings[3].severity = FindingSeverity::Informational;
    let coloured = render(&findings, WriterOptions::default().with_color(true));
    assert!(coloured.contains("\x1b[1;31mCRITICAL\x1b[0m"), "{coloured}");
    assert!(coloured.contains("\x1b[33mMEDIUM\x1b[0m"), "{coloured}");
}

/// The output without Tripline's own colour sequences; whatever escapes are left came from
/// somewhere else.
fn strip_own_colours(text: &str) -> String {
    [
        "\x1b[0m",
        "\x1b[1m",
        "\x1b[1;31m",
        "\x1b[31m",
        "\x1b[33m",
        "\x1b[36m",
        "\x1b[2m",
    ]
    .iter()
    .fold(text.to_owned(), |t, code| t.replace(code, ""))
}

#[test]
fn values_from_the_logs_cannot_drive_the_terminal() {
    // Clear the screen, set the window title, a C1 CSI, a fake line, a bidi override.
    let host = "node-1\x1b[2J\x1b]0;owned\x07\u{9b}31m\nHIGH fake finding\r\u{202e}gnp.exe";
    let mut f = pull(host, "2026-11-22T10:00:00", "2026-11-22T10:00:00");
    f.rule.name.push_str("\x1b[5m");
    f.mitre_attack[0].name = Some("Cloud\x1b[8m Service Discovery".to_owned());
    let mut g = sweep(&["203.0.113.7\x1b[1A\x1b[2K"], 6.0, T, T);
    g.message.push_str("\u{2028}\x7f\0");
    let findings = [f, g];

    for options in [
        WriterOptions::default(),
        WriterOptions::default().with_color(true),
        WriterOptions::default().with_width(Some(60)).with_color(true),
    ] {
        let text = render(&findings, options);
        let stripped = strip_own_colours(&text);
        let bad: Vec<char> = stripped
            .chars()
            .filter(|&c| (c.is_control() && c != '\n') || matches!(c, '\u{202e}' | '\u{2028}'))
            .collect();
        assert!(bad.is_empty(), "{bad:?} in {text:?}");
        // Header, line, blank, header, line, blank, total: no injected line.
        assert_eq!(text.lines().count(), 7, "{text}");
    }
    let text = render(&findings, WriterOptions::default());
    assert!(text.contains("host=node-1\\x1b[2J\\x1b]0;owned\\x07\\u{9b}31m\\nHIGH fake finding\\r\\u{202e}gnp.exe"));
    assert!(text.contains("Kubernetes Security Scanner Image Pull\\x1b[5m · 1 finding"));
    assert!(text.contains("T1526 Cloud\\x1b[8m Service Discovery"));
    assert!(text.contains("src_ip=203.0.113.7\\x1b[1A\\x1b[2K"));
    assert!(text.contains("Kubernetes API\\u{2028}\\x7f\\x00\n"));
}

#[test]
fn lines_are_cut_to_the_width() {
    let mut findings = four();
    findings[2].message = "Security scanner image pulled on 節點一 🚨🚨🚨 after the kube-hunter deployment".into();
    let whole = render(&findings, WriterOptions::default());
    assert!(whole.contains("after the kube-hunter deployment\n"));

    for width in [20, 37, 50, 60, 61, 62, 80] {
        for color in [false, true] {
            let text = render(
                &findings,
                WriterOptions::default().with_width(Some(width)).with_color(color),
            );
            let text = strip_own_colours(&text);
            let mut cut = 0;
            for (line, full) in text.lines().zip(whole.lines()) {
                assert!(line.width() <= width, "{width}: {line:?} is {} wide", line.width());
                if full.width() > width {
                    cut += 1;
                    assert!(line.ends_with('…'), "{line:?}");
                    let kept = line.trim_end_matches('…');
                    assert!(full.starts_with(kept), "{line:?} is not a prefix of {full:?}");
                    assert!(line.width() + 2 >= width, "{line:?} wastes room");
                } else {
                    assert_eq!(line, full);
                }
            }
            assert!(cut > 0, "{width}");
            assert_eq!(text.lines().count(), whole.lines().count());
        }
    }
}

#[test]
fn many_values_are_counted_and_threat_objects_stand_in() {
    let ips = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"];
    let f = sweep(&ips, 30.0, T, T + 60.0);
    let text = render(&[f], WriterOptions::default());
    assert!(
        text.contains("  src_ip=192.0.2.1,192.0.2.2,192.0.2.3 (+2 more)  192.0.2.1, 192.0.2.2"),
        "{text}"
    );

    let mut g = pull("node-1", "2026-11-22T10:00:00", "2026-11-22T10:00:00");
    g.risk_objects.clear();
    let text = render(&[g.clone()], WriterOptions::default());
    assert!(
        text.contains("  message=Pulling image \"aquasec/kube-hunter:0.6.8\"  Security scanner"),
        "{text}"
    );
    g.threat_objects.clear();
    let text = render(&[g], WriterOptions::default());
    assert!(
        text.contains("\n  2026-11-22 10:00:00  Security scanner image pulled on node-1\n"),
        "{text}"
    );
}

#[test]
fn finding_without_time() {
    let mut f = sweep(&["203.0.113.7"], 6.0, T, T);
    f.first_time = None;
    f.last_time = None;
    let g = sweep(&["198.51.100.23"], 6.0, T, T);
    let text = render(&[f, g], WriterOptions::default());
    assert!(
        text.contains(
            "\n  2026-11-22 10:00:00  src_ip=198.51.100.23  198.51.100.23 made 6 refused unauthenticated requests to the Kubernetes API\n  \
             -                    src_ip=203.0.113.7    203.0.113.7"
        ),
        "{text}"
    );
}

#[test]
fn table_writer_buffers_until_finished() {
    let mut table = TableWriter::new(WriterOptions::default(), Vec::new());
    assert!(table.is_empty());
    for f in &four() {
        table.push(f);
    }
    assert_eq!(table.len(), 4);
    assert!(table.get_ref().is_empty());
    let out = table.finish().expect("write to a Vec");
    assert_eq!(String::from_utf8(out).expect("utf-8"), FOUR);
}

#[test]
fn finding_writer_streams_or_buffers_by_format() {
    let findings = four();

    let mut jsonl = FindingWriter::new(Format::Jsonl, WriterOptions::default(), Vec::new());
    assert_eq!(jsonl.format(), Format::Jsonl);
    let mut expected = Vec::new();
    for f in &findings {
        jsonl.write(f).expect("write");
        write(Format::Jsonl, f, &mut expected).expect("write");
        // Already out, before finish.
        assert_eq!(jsonl.get_ref(), &expected);
    }
    jsonl.flush().expect("flush");
    assert_eq!(jsonl.count(), 4);
    assert_eq!(jsonl.finish().expect("finish"), expected);

    let mut tab = FindingWriter::new(Format::Table, WriterOptions::default().with_color(true), Vec::new());
    assert_eq!(tab.format(), Format::Table);
    for f in &findings {
        tab.write(f).expect("write");
    }
    assert!(tab.get_ref().is_empty());
    assert_eq!(tab.count(), 4);
    let out = String::from_utf8(tab.finish().expect("finish")).expect("utf-8");
    assert_eq!(out, render(&findings, WriterOptions::default().with_color(true)));
}

#[test]
fn finding_writer_goes_on_after_a_finding_without_time() {
    let mut untimed = sweep(&["203.0.113.7"], 6.0, T, T);
    untimed.first_time = None;
    untimed.last_time = None;
    let timed = sweep(&["198.51.100.23"], 6.0, T, T);
    let mut ocsf = FindingWriter::new(Format::Ocsf, WriterOptions::default(), Vec::new());
    let err = ocsf.write(&untimed).expect_err("no time");
    assert!(matches!(err, SinkError::NoTime { .. }), "{err}");
    ocsf.write(&timed).expect("write");
    assert_eq!(ocsf.count(), 1);
    let out = String::from_utf8(ocsf.finish().expect("finish")).expect("utf-8");
    assert_eq!(out.lines().count(), 1);
    assert!(out.contains("198.51.100.23"));
}

#[test]
fn formats_by_name() {
    let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
    assert_eq!(names, ["table", "jsonl", "ocsf", "falco"]);
    let streaming: Vec<bool> = Format::ALL.iter().map(|f| f.is_streaming()).collect();
    assert_eq!(streaming, [false, true, true, true]);
}

#[test]
fn write_one_finding_as_a_table() {
    let f = pull("node-1", "2026-11-22T10:00:00", "2026-11-22T10:05:00");
    let mut out = Vec::new();
    write(Format::Table, &f, &mut out).expect("write");
    assert_eq!(
        String::from_utf8(out).expect("utf-8"),
        render(std::slice::from_ref(&f), WriterOptions::default())
    );
}

#[test]
fn options_by_literal_or_builder() {
    let literal = WriterOptions {
        color: true,
        width: Some(80),
    };
    assert_eq!(literal, WriterOptions::default().with_width(Some(80)).with_color(true));
    assert_eq!(WriterOptions::default().width, None);
    assert!(!WriterOptions::default().color);
}

//! `tripline test [PATH...]`: run detections' `tests:` over their datasets and judge them as
//! contentctl does, without Splunk.
//!
//! Each runnable test replays its `attack_data` files with the test's `source`, `sourcetype`,
//! `host` and `index` on every event, runs the detection's search over all of it, and hands the
//! rows to [`tripline_content::judge`]. Results are printed as they come (or as JUnit XML);
//! the exit status is 1 when any test fails or errs.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use tripline_content::{
    DEFAULT_TEST_HOST, DEFAULT_TEST_INDEX, Detection, RuleSet, RuleTest, Verdict, judge, resolve_data, test_plan,
};
use tripline_engine::expr::EvalContext;
use tripline_engine::row::Row;
use tripline_ingest::{IngestOptions, Overrides};

use crate::ColorChoice;
use crate::hunt::load_rules;
use crate::inputs::{EveryRow, read_paths};
use crate::output::JsonRow;

/// Arguments of `tripline test`.
#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    /// Detection files, directories of them, or a security_content checkout. Each detection's
    /// relative dataset paths are read from beside its file.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
    /// A local copy of splunk/attack_data: dataset URLs are read from here, by their path from
    /// `datasets/` on (Tripline does not download).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Test only this detection (id, name in any case, or file name without `.yml`). Repeatable.
    #[arg(long, value_name = "NAME_OR_ID")]
    rule: Vec<String>,
    /// Also run the tests of experimental and deprecated detections (contentctl skips them).
    #[arg(long)]
    include_non_production: bool,
    /// Extra macro definitions that override the detections' own. Repeatable.
    #[arg(long, value_name = "PATH")]
    macros: Vec<PathBuf>,
    /// GeoIP database for detections that geolocate (as for `hunt`).
    #[arg(long, value_name = "PATH")]
    geoip: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    format: TestFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

/// Report formats of `tripline test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum TestFormat {
    /// One line per test, with the reason and the first result rows of a failure.
    Text,
    /// JUnit XML, for CI systems: a test suite per detection, a test case per test.
    Junit,
}

/// The rows shown with a failure.
const ROWS_SHOWN: usize = 3;

/// One test's outcome.
struct Outcome {
    detection: String,
    file: String,
    test: String,
    verdict: Verdict,
    results: usize,
    /// The first rows, as JSON, for failures.
    rows: Vec<String>,
    seconds: f64,
}

/// Run `tripline test`.
pub(crate) fn run(args: &TestArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let color = args.color.enabled_for_stderr();
    let Some((mut content, load_failed)) = load_rules(&args.paths, &args.macros, false, color)? else {
        return Ok(ExitCode::from(2));
    };
    let mut ctx = EvalContext {
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
        lookups: std::sync::Arc::new(std::mem::take(&mut content.lookups)),
        ..EvalContext::default()
    };
    let mut detections: Vec<&Detection> = content.detections.iter().collect();
    if !args.rule.is_empty() {
        detections.retain(|d| args.rule.iter().any(|r| crate::hunt::rule_matches(d, r)));
        if detections.is_empty() {
            eprintln!("error: no detection matches --rule {}", args.rule.join(", "));
            return Ok(ExitCode::from(2));
        }
    }
    let geoip_needed =
        RuleSet::compile(detections.iter().map(|d| (*d).clone()).collect(), &content.macros, &ctx).requires_geoip();
    if geoip_needed || !args.geoip.is_empty() {
        match crate::geoip::load(&args.geoip)? {
            Some(geoip) => ctx.geoip = Some(geoip),
            None => eprintln!("{}", crate::geoip::missing_warning()),
        }
    }

    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("--output: cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let stdout_color = args.output.is_none() && args.color.enabled();
    let mut outcomes = Vec::new();
    let untested = detections.iter().filter(|d| d.tests.is_empty()).count();
    for d in detections {
        for (test, planned) in test_plan(d, args.include_non_production) {
            let t0 = Instant::now();
            let (verdict, rows) = match planned {
                Some(v) => (v, Vec::new()),
                None => run_test(d, test, args, &content.macros, &ctx),
            };
            let outcome = Outcome {
                detection: d.name.clone(),
                file: d.path.display().to_string(),
                test: test.name.clone(),
                results: rows.len(),
                rows: if verdict.is_failure() {
                    rows.iter()
                        .take(ROWS_SHOWN)
                        .map(|r| serde_json::to_string(&JsonRow(r)).unwrap_or_default())
                        .collect()
                } else {
                    Vec::new()
                },
                verdict,
                seconds: t0.elapsed().as_secs_f64(),
            };
            if args.format == TestFormat::Text {
                out.write_all(text_line(&outcome, stdout_color).as_bytes())?;
                out.flush()?;
            }
            outcomes.push(outcome);
        }
    }
    let count = |label: &str| outcomes.iter().filter(|o| o.verdict.label() == label).count();
    let (pass, fail, skip, error) = (count("PASS"), count("FAIL"), count("SKIP"), count("ERROR"));
    match args.format {
        TestFormat::Text => {
            let mut line = format!("\n{pass} passed, {fail} failed, {skip} skipped, {error} errors");
            if untested > 0 {
                let _ = write!(
                    line,
                    "; {untested} {} no tests",
                    if untested == 1 {
                        "detection has"
                    } else {
                        "detections have"
                    }
                );
            }
            writeln!(out, "{line} in {:.2}s", started.elapsed().as_secs_f64())?;
        }
        TestFormat::Junit => out.write_all(junit(&outcomes).as_bytes())?,
    }
    out.flush()?;
    Ok(if fail + error > 0 || load_failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Replay one test's data through its detection and judge the rows.
fn run_test(
    d: &Detection,
    test: &RuleTest,
    args: &TestArgs,
    macros: &tripline_spl::MacroTable,
    ctx: &EvalContext,
) -> (Verdict, Vec<Row>) {
    if test.attack_data.is_empty() {
        return (Verdict::Error("the test has no attack_data".to_owned()), Vec::new());
    }
    let mut set = RuleSet::compile(vec![d.clone()], macros, ctx);
    if let Some(skipped) = set.skipped().first() {
        return (
            Verdict::Error(format!("the search cannot run: {}", skipped.reason())),
            Vec::new(),
        );
    }
    let needs = set.needs().clone();
    for data in &test.attack_data {
        let path = match resolve_data(&d.path, &data.data, args.data_dir.as_deref()) {
            Ok(p) => p,
            Err(e) => return (Verdict::Error(e), Vec::new()),
        };
        if !path.is_file() {
            return (
                Verdict::Error(format!("dataset not found: {}", path.display())),
                Vec::new(),
            );
        }
        // contentctl sends the whole file with the test's metadata on every event.
        let options = IngestOptions {
            overrides: Overrides {
                source: Some(data.source.clone()),
                sourcetype: Some(data.sourcetype.clone()),
                host: Some(data.host.clone().unwrap_or_else(|| DEFAULT_TEST_HOST.to_owned())),
                index: Some(data.index.clone().unwrap_or_else(|| DEFAULT_TEST_INDEX.to_owned())),
            },
            ..IngestOptions::default()
        };
        let report = read_paths(
            std::slice::from_ref(&path),
            options,
            &needs,
            ctx.now,
            false,
            EveryRow(|row| set.push(row, ctx)),
        );
        if !report.complete() {
            return (Verdict::Error(format!("could not read {}", path.display())), Vec::new());
        }
    }
    let outcome = set.finish(ctx).into_iter().next();
    let rows = outcome.map(|o| o.rows).unwrap_or_default();
    (judge(d, test, &rows), rows)
}

/// `PASS  Rule › Test  (2 results)`, and for a failure its reason and first rows.
fn text_line(o: &Outcome, color: bool) -> String {
    let label = o.verdict.label();
    let painted = if color {
        let code = match label {
            "PASS" => "32",
            "FAIL" | "ERROR" => "1;31",
            _ => "33",
        };
        format!("\x1b[{code}m{label:<5}\x1b[0m")
    } else {
        format!("{label:<5}")
    };
    let mut line = format!("{painted} {} › {}", o.detection, o.test);
    match &o.verdict {
        Verdict::Pass => {
            let _ = write!(
                line,
                "  ({} result{})",
                o.results,
                if o.results == 1 { "" } else { "s" }
            );
        }
        v => {
            let _ = write!(line, "\n      {}", v.reason().unwrap_or_default());
            if v.is_failure() {
                let _ = write!(line, "\n      file: {}", o.file);
            }
            for row in &o.rows {
                let _ = write!(line, "\n      row: {row}");
            }
        }
    }
    line.push('\n');
    line
}

/// The outcomes as JUnit XML: one `<testsuite>` per detection.
fn junit(outcomes: &[Outcome]) -> String {
    let mut suites: Vec<(&str, Vec<&Outcome>)> = Vec::new();
    for o in outcomes {
        match suites.iter_mut().find(|(name, _)| *name == o.detection) {
            Some((_, list)) => list.push(o),
            None => suites.push((&o.detection, vec![o])),
        }
    }
    let count = |list: &[&Outcome], label: &str| list.iter().filter(|o| o.verdict.label() == label).count();
    let all: Vec<&Outcome> = outcomes.iter().collect();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"tripline test\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        all.len(),
        count(&all, "FAIL"),
        count(&all, "ERROR"),
        count(&all, "SKIP")
    );
    for (name, list) in &suites {
        let seconds: f64 = list.iter().map(|o| o.seconds).sum();
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{seconds:.3}\">",
            escape(name),
            list.len(),
            count(list, "FAIL"),
            count(list, "ERROR"),
            count(list, "SKIP")
        );
        for o in list {
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{:.3}\"",
                escape(name),
                escape(&o.test),
                escape(&o.file),
                o.seconds
            );
            let body = match &o.verdict {
                Verdict::Pass => None,
                Verdict::Fail(r) => Some(("failure", r)),
                Verdict::Error(r) => Some(("error", r)),
                Verdict::Skip(r) => Some(("skipped", r)),
            };
            match body {
                None => xml.push_str("/>\n"),
                Some((tag, reason)) => {
                    let _ = write!(xml, ">\n      <{tag} message=\"{}\"", escape(reason));
                    if o.rows.is_empty() {
                        xml.push_str("/>\n");
                    } else {
                        let _ = writeln!(xml, ">{}</{tag}>", escape(&o.rows.join("\n")));
                    }
                    xml.push_str("    </testcase>\n");
                }
            }
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

/// Text for an XML attribute or element: the five special characters escaped, and characters
/// XML 1.0 cannot carry (most control characters) replaced, since log values reach the report.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping() {
        assert_eq!(escape("a<b>&\"c'\u{1b}"), "a&lt;b&gt;&amp;&quot;c&apos;\u{fffd}");
    }

    #[test]
    fn junit_layout() {
        let o = |name: &str, test: &str, verdict| Outcome {
            detection: name.to_owned(),
            file: "x.yml".to_owned(),
            test: test.to_owned(),
            verdict,
            results: 0,
            rows: vec!["{\"a\":1}".to_owned()],
            seconds: 0.5,
        };
        let xml = junit(&[
            o("R1", "TP", Verdict::Pass),
            o("R1", "Benign", Verdict::Fail("expected no results, got 1".into())),
            o(
                "R2",
                "TP",
                Verdict::Skip("TEST SKIPPED: Detection is non-production (experimental)".into()),
            ),
        ]);
        assert!(
            xml.contains("<testsuites name=\"tripline test\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\">")
        );
        assert!(xml.contains("<testsuite name=\"R1\" tests=\"2\" failures=\"1\""));
        assert!(xml.contains("<failure message=\"expected no results, got 1\">{&quot;a&quot;:1}</failure>"));
        assert!(xml.contains("<skipped message=\"TEST SKIPPED: Detection is non-production (experimental)\">"));
    }
}

//! Judging a detection's `tests:` as contentctl does (spl-semantics §5), without Splunk.
//!
//! The caller replays each test's data through the detection's search and hands the result rows
//! here; this module decides which tests run at all ([`test_plan`]), where their data is
//! ([`resolve_data`]), and whether they pass ([`judge`]). contentctl's rules, kept exactly:
//!
//! - only production detections that are not Correlation searches, have no `manual_test` and no
//!   baselines are tested; experimental tests are described, not run;
//! - a positive test **fails** without results; it fails as soon as a result row lacks a risk
//!   entity field (the string `"null"` counts as missing), and **passes** at the first row that
//!   has every risk entity field and every threat object field; a threat object field that is
//!   null in every row fails it.
//!
//! Beyond contentctl: a test with `expected_results: 0` is a **negative** test that passes only
//! with no result at all, and a test with a positive `expected_results` must give exactly that
//! many rows.

use std::fmt;
use std::path::{Path, PathBuf};

use tripline_engine::row::Row;
use tripline_engine::value::Value;

use crate::{Detection, DetectionKind, RuleTest, Status, TestKind};

/// The host contentctl gives replayed events when the test names none.
pub const DEFAULT_TEST_HOST: &str = "CONTENTCTL_HOST";
/// The index contentctl replays test data into when the test names none.
pub const DEFAULT_TEST_INDEX: &str = "contentctl_testing_index";

/// How a test ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The detection did what the test expects.
    Pass,
    /// It did not; the reason says how.
    Fail(String),
    /// The test was not run; the reason says why (contentctl's wording where it has one).
    Skip(String),
    /// The test could not be run: missing data, a search that cannot run.
    Error(String),
}

impl Verdict {
    /// `PASS`, `FAIL`, `SKIP` or `ERROR`.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail(_) => "FAIL",
            Verdict::Skip(_) => "SKIP",
            Verdict::Error(_) => "ERROR",
        }
    }

    /// The reason, for everything but a pass.
    #[must_use]
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Pass => None,
            Verdict::Fail(r) | Verdict::Skip(r) | Verdict::Error(r) => Some(r),
        }
    }

    /// Whether the run as a whole should fail because of this test.
    #[must_use]
    pub fn is_failure(&self) -> bool {
        matches!(self, Verdict::Fail(_) | Verdict::Error(_))
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason() {
            Some(r) => write!(f, "{}: {r}", self.label()),
            None => f.write_str(self.label()),
        }
    }
}

/// Whether each of a detection's tests runs: `None` for a test to run, or the verdict it gets
/// without running (a skip with contentctl's reason, or an error for baselines).
///
/// `include_non_production` runs the tests of experimental and deprecated detections too, which
/// contentctl skips.
#[must_use]
pub fn test_plan(d: &Detection, include_non_production: bool) -> Vec<(&RuleTest, Option<Verdict>)> {
    let whole = if d.status != Status::Production && !include_non_production {
        Some(Verdict::Skip(format!(
            "TEST SKIPPED: Detection is non-production ({})",
            d.status
        )))
    } else if d.kind == DetectionKind::Correlation {
        Some(Verdict::Skip(
            "TEST SKIPPED: Correlation searches are not unit tested".to_owned(),
        ))
    } else if let Some(why) = &d.manual_test {
        Some(Verdict::Skip(format!("TEST SKIPPED: manual test: {why}")))
    } else if d.has_baselines {
        Some(Verdict::Error(
            "Baseline execution is not currently supported".to_owned(),
        ))
    } else {
        None
    };
    d.tests
        .iter()
        .map(|t| {
            let own = match t.kind {
                TestKind::Unit => None,
                TestKind::Experimental => Some(Verdict::Skip("TEST SKIPPED: experimental test".to_owned())),
                TestKind::Manual => Some(Verdict::Skip("TEST SKIPPED: manual test".to_owned())),
            };
            (t, whole.clone().or(own))
        })
        .collect()
}

/// Where a test's `data` is: a path relative to the detection's file, an absolute path, or a URL
/// mapped onto `data_dir` (a local copy laid out like splunk/attack_data: the URL's path from its
/// `datasets/` component on). A URL without a `data_dir` is an error naming what to pass.
///
/// # Errors
/// A URL with no `data_dir`, or one whose path has no file name.
pub fn resolve_data(detection: &Path, data: &str, data_dir: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(rest) = data.strip_prefix("https://").or_else(|| data.strip_prefix("http://")) {
        let Some(dir) = data_dir else {
            return Err(format!(
                "the dataset is a URL ({data}); Tripline does not download: pass --data-dir with a local copy of \
                 splunk/attack_data"
            ));
        };
        let path = rest.split_once('/').map_or("", |(_, p)| p);
        let path = path.split(['?', '#']).next().unwrap_or("");
        let relative = match path.find("datasets/") {
            Some(i) => &path[i..],
            None => path.rsplit('/').next().unwrap_or(""),
        };
        if relative.is_empty() {
            return Err(format!("the dataset URL {data} names no file"));
        }
        return Ok(dir.join(relative));
    }
    let p = Path::new(data);
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(detection.parent().unwrap_or(Path::new("")).join(p))
    }
}

/// Judge a test from the rows the detection's search returned over its data.
#[must_use]
pub fn judge(d: &Detection, test: &RuleTest, rows: &[Row]) -> Verdict {
    if test.is_negative() {
        return if rows.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail(format!("expected no results, got {}", rows.len()))
        };
    }
    if rows.is_empty() {
        return Verdict::Fail("the search returned no results".to_owned());
    }
    if let Some(n) = test.expected_results
        && usize::try_from(n).ok() != Some(rows.len())
    {
        return Verdict::Fail(format!("expected {n} results (expected_results), got {}", rows.len()));
    }

    let risk: Vec<&str> = d.test_risk_entities().map(|e| e.field.as_str()).collect();
    let threat: Vec<&str> = d.threat_objects.iter().map(|t| t.field.as_str()).collect();
    // Threat fields not yet seen non-null in any row.
    let mut unseen: Vec<&str> = threat.clone();
    for (i, row) in rows.iter().enumerate() {
        if let Some(missing) = risk.iter().find(|f| is_null(row.get(f))) {
            return Verdict::Fail(format!(
                "risk entity field `{missing}` is missing or null in result row {}",
                i + 1
            ));
        }
        unseen.retain(|f| is_null(row.get(f)));
        if threat.iter().all(|f| !is_null(row.get(f))) {
            return Verdict::Pass;
        }
    }
    if unseen.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail(format!(
            "threat object field{} {} null in every result row",
            if unseen.len() == 1 { "" } else { "s" },
            unseen.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        ))
    }
}

/// Missing, or what Splunk's REST output shows as `"null"`.
fn is_null(v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(Value::Str(s)) => s.as_str() == "null",
        Some(Value::Multi(vs)) => vs.is_empty(),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_map_onto_the_data_dir() {
        let dir = Path::new("/data/attack_data");
        let url = "https://media.githubusercontent.com/media/splunk/attack_data/master/datasets/attack_techniques/\
                   T1046/kubernetes_scanning/kubernetes_scanning.json";
        assert_eq!(
            resolve_data(Path::new("d/x.yml"), url, Some(dir)).unwrap(),
            dir.join("datasets/attack_techniques/T1046/kubernetes_scanning/kubernetes_scanning.json")
        );
        assert!(
            resolve_data(Path::new("d/x.yml"), url, None)
                .unwrap_err()
                .contains("--data-dir")
        );
        assert_eq!(
            resolve_data(Path::new("content/detections/x.yml"), "../datasets/x/a.jsonl", None).unwrap(),
            Path::new("content/detections/../datasets/x/a.jsonl")
        );
        assert_eq!(
            resolve_data(Path::new("x.yml"), "https://example.com/a/b.json?raw=1", Some(dir)).unwrap(),
            dir.join("b.json")
        );
    }

    #[test]
    fn nulls() {
        assert!(is_null(None));
        assert!(is_null(Some(&Value::str("null"))));
        assert!(!is_null(Some(&Value::str(""))));
        assert!(!is_null(Some(&Value::Num(0.0))));
    }
}

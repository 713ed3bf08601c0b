//! Findings: what one result row of a detection's search means.
//!
//! A [`Finding`] is built from a [`Detection`] and one result row ([`Finding::new`]): the rule,
//! the time range, the risk objects (one per value of each risk entity's field), the threat
//! objects, the message with `$field$` tokens replaced, severity, ATT&CK techniques with their
//! tactics, and a deterministic [`Finding::id`]. Its JSON form (`serde::Serialize`) is the
//! schema `docs/findings.md` describes; sinks convert it to other formats.
//!
//! Choices (spl-semantics §4.4, where Splunk ES is the model):
//!
//! - A multivalue field gives one risk object (or threat object) per distinct value, as ES creates
//!   one risk event per value \[INFER\]. Empty values and the string `null` (which contentctl
//!   treats as missing) give none.
//! - In a message, a multivalue field is joined with `", "`. A token whose field the row does
//!   not have becomes `unknown`: ES would leave `$field$` in the text, and contentctl's
//!   integration test rejects a message with an unreplaced token, so the token never survives.
//! - The id hashes the rule id, the group key and the time range, so a replay, or a second
//!   replica seeing the same data, produces the same id and sinks can deduplicate.

use std::fmt::Write as _;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use tripline_engine::row::{RAW, Row, TIME};
use tripline_engine::time::{parse_rfc3339, strptime, utc};
use tripline_engine::value::{Value, format_number, parse_number};

use crate::detection::{Detection, DetectionKind, EntityKind, FindingSeverity, Status};
use crate::mitre::{Tactic, technique};
use crate::tokens;

/// Text that replaces a `$field$` token whose field the row does not have.
pub const MISSING_TOKEN_VALUE: &str = "unknown";

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// Deterministic id: SHA-256 over the rule id, the group key and the time range, as 32
    /// lowercase hexadecimal characters.
    pub id: String,
    /// The detection that produced it.
    pub rule: RuleRef,
    /// Severity from the rule's risk score.
    pub severity: FindingSeverity,
    /// The rule's risk score (the finding entity's, else the highest entity score); `None` for
    /// rules without entities.
    pub risk_score: Option<u8>,
    /// The headline: the finding title (2026) or else the risk message, with tokens replaced.
    pub message: String,
    /// Earliest event time covered, in seconds since the epoch (serialised as RFC 3339).
    #[serde(serialize_with = "serialize_time")]
    pub first_time: Option<f64>,
    /// Latest event time covered, in seconds since the epoch (serialised as RFC 3339).
    #[serde(serialize_with = "serialize_time")]
    pub last_time: Option<f64>,
    /// Risk objects, in the rule's entity order, each field's values in row order.
    pub risk_objects: Vec<RiskObject>,
    /// Threat objects, in the rule's order, each field's values in row order.
    pub threat_objects: Vec<ThreatObjectValue>,
    /// ATT&CK techniques, in the rule's order.
    pub mitre_attack: Vec<MitreTechnique>,
    /// The rule's analytic stories.
    pub analytic_stories: Vec<String>,
    /// Every field of the result row except `_raw`, in row order.
    pub fields: Fields,
}

/// The detection a finding came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    /// The detection's `id`.
    pub id: String,
    /// The detection's `name`.
    pub name: String,
    /// The detection's `version`.
    pub version: u32,
    /// The detection's `type`.
    pub kind: DetectionKind,
    /// The detection's `status`.
    pub status: Status,
}

/// One entity at risk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RiskObject {
    /// The value, e.g. a user name or an address.
    pub object: String,
    /// What it is.
    pub kind: EntityKind,
    /// The result field it came from.
    pub field: String,
    /// The entity's risk score.
    pub score: u8,
    /// The entity's message with tokens replaced.
    pub message: String,
}

/// One threat object value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreatObjectValue {
    /// The value, e.g. an attacker address.
    pub object: String,
    /// Its type, e.g. `ip_address`.
    pub kind: String,
    /// The result field it came from.
    pub field: String,
}

/// An ATT&CK technique a finding maps to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MitreTechnique {
    /// The technique id, e.g. `T1046`.
    pub id: String,
    /// The technique name, when Tripline's table knows it.
    pub name: Option<String>,
    /// The tactics it serves (empty when unknown).
    pub tactics: Vec<Tactic>,
}

impl MitreTechnique {
    /// The technique `id` with its name and tactics from the embedded table.
    #[must_use]
    pub fn from_id(id: &str) -> MitreTechnique {
        let known = technique(id);
        MitreTechnique {
            id: id.to_owned(),
            name: known.map(|t| t.name.to_owned()),
            tactics: known.map(|t| t.tactics.to_vec()).unwrap_or_default(),
        }
    }
}

/// The fields of a result row, in order. Serialised as a JSON object: a single value is a
/// string (a computed number is a number), a multivalue an array of strings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields(pub Vec<(String, Value)>);

impl Fields {
    /// The value of a field.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, &JsonValue(value))?;
        }
        map.end()
    }
}

/// A field value in JSON.
struct JsonValue<'a>(&'a Value);

impl Serialize for JsonValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Str(t) => s.serialize_str(t),
            // Whole numbers (counts, epoch seconds) print without a fraction, as Splunk shows them.
            #[allow(clippy::cast_possible_truncation)]
            Value::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => s.serialize_i64(*n as i64),
            Value::Num(n) if n.is_finite() => s.serialize_f64(*n),
            Value::Num(n) => s.serialize_str(&format_number(*n)),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Multi(values) => {
                let mut seq = s.serialize_seq(Some(values.len()))?;
                for v in values {
                    seq.serialize_element(v.as_str())?;
                }
                seq.end()
            }
        }
    }
}

fn serialize_time<S: Serializer>(t: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match t.and_then(rfc3339) {
        Some(text) => s.serialize_str(&text),
        None => s.serialize_none(),
    }
}

/// Epoch seconds as RFC 3339 in UTC, to the millisecond (`2026-11-22T10:00:00.5Z`).
#[must_use]
pub fn rfc3339(epoch: f64) -> Option<String> {
    if !epoch.is_finite() {
        return None;
    }
    // Milliseconds fit an i64 for every time jiff can represent; larger values fail below.
    let millis = (epoch * 1000.0).round();
    if millis.abs() > 1.0e16 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let ts = jiff::Timestamp::from_millisecond(millis as i64).ok()?;
    Some(ts.to_string())
}

impl Finding {
    /// The finding for one result row of `detection`'s search.
    ///
    /// `run_time` is the earliest and latest event time of the run, used when the row has
    /// neither `firstTime`/`lastTime` nor `_time` (see [`Finding::first_time`]).
    ///
    /// Times: `first_time` is the smallest value of `firstTime`, else of `_time`, else the run's
    /// earliest; `last_time` the largest of `lastTime`, else of `_time`, else the run's latest.
    /// A value is epoch seconds, RFC 3339, or the `security_content_ctime` renderings
    /// `%Y-%m-%dT%H:%M:%S` and `%m/%d/%Y %H:%M:%S` (read as UTC). The two are swapped if
    /// they come out reversed.
    #[must_use]
    pub fn new(detection: &Detection, row: &Row, run_time: Option<(f64, f64)>) -> Finding {
        let mut risk_objects = Vec::new();
        for entity in &detection.risk_entities {
            let message = substitute(&entity.message, row);
            for object in field_values(row, &entity.field) {
                risk_objects.push(RiskObject {
                    object,
                    kind: entity.kind,
                    field: entity.field.clone(),
                    score: entity.score,
                    message: message.clone(),
                });
            }
        }
        let mut threat_objects = Vec::new();
        for threat in &detection.threat_objects {
            for object in field_values(row, &threat.field) {
                threat_objects.push(ThreatObjectValue {
                    object,
                    kind: threat.kind.clone(),
                    field: threat.field.clone(),
                });
            }
        }

        let template = detection
            .finding
            .as_ref()
            .map(|f| f.title.as_str())
            .or_else(|| detection.risk_entities.first().map(|e| e.message.as_str()))
            .filter(|t| !t.trim().is_empty())
            .or_else(|| detection.key_paths.messages.first().map(|(_, t)| t.as_str()))
            .unwrap_or(detection.name.as_str());
        let message = substitute(template, row);

        let row_times = times(row.get(TIME));
        let mut first = min(&times(row.get("firstTime")))
            .or_else(|| min(&row_times))
            .or(run_time.map(|r| r.0));
        let mut last = max(&times(row.get("lastTime")))
            .or_else(|| max(&row_times))
            .or(run_time.map(|r| r.1));
        if let (Some(f), Some(l)) = (first, last)
            && l < f
        {
            (first, last) = (Some(l), Some(f));
        }

        let fields = Fields(
            row.iter()
                .filter(|(name, _)| *name != RAW)
                .map(|(name, value)| (name.to_owned(), value.clone()))
                .collect(),
        );
        let id = finding_id(detection, &risk_objects, &threat_objects, &fields, first, last);
        Finding {
            id,
            rule: RuleRef {
                id: detection.id.clone(),
                name: detection.name.clone(),
                version: detection.version,
                kind: detection.kind,
                status: detection.status,
            },
            severity: detection.severity(),
            risk_score: detection.risk_score(),
            message,
            first_time: first,
            last_time: last,
            risk_objects,
            threat_objects,
            mitre_attack: detection
                .mitre_attack_id
                .iter()
                .map(|id| MitreTechnique::from_id(id))
                .collect(),
            analytic_stories: detection.analytic_story.clone(),
            fields,
        }
    }
}

/// Replace every `$field$` in `template` with the row's value.
fn substitute(template: &str, row: &Row) -> String {
    tokens::substitute(template, |name| match row.get(name) {
        None => MISSING_TOKEN_VALUE.to_owned(),
        Some(Value::Multi(values)) => values.join(", "),
        Some(v) => v.to_text().into(),
    })
}

/// The distinct usable values of a field, in row order: not empty, not `null`.
fn field_values(row: &Row, field: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(value) = row.get(field) {
        value.for_each_text(|v| {
            if !v.is_empty() && v != "null" && !out.iter().any(|o| o == v) {
                out.push(v.to_owned());
            }
        });
    }
    out
}

/// Every value of a time field read as epoch seconds.
fn times(value: Option<&Value>) -> Vec<f64> {
    let Some(value) = value else { return Vec::new() };
    if let Value::Num(n) = value {
        return vec![*n];
    }
    let mut out = Vec::new();
    value.for_each_text(|t| {
        let t = t.trim();
        let parsed = parse_number(t)
            .or_else(|| parse_rfc3339(t))
            .or_else(|| strptime(t, "%Y-%m-%dT%H:%M:%S", &utc()))
            .or_else(|| strptime(t, "%m/%d/%Y %H:%M:%S", &utc()));
        if let Some(p) = parsed.filter(|p| p.is_finite()) {
            out.push(p);
        }
    });
    out
}

fn min(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::min)
}

fn max(values: &[f64]) -> Option<f64> {
    values.iter().copied().reduce(f64::max)
}

/// The deterministic id: SHA-256 of a length-prefixed encoding of the rule id, the group key
/// and the time range, hex, first 32 characters.
///
/// The group key is each risk entity's field with its values, then each threat object's field
/// with its values (values sorted, so the order a multivalue was collected in does not
/// matter). A rule with neither entities nor threat objects (Hunting) uses every field of the
/// row instead. Times are rounded to the millisecond.
fn finding_id(
    detection: &Detection,
    risk: &[RiskObject],
    threats: &[ThreatObjectValue],
    fields: &Fields,
    first: Option<f64>,
    last: Option<f64>,
) -> String {
    let mut h = Sha256::new();
    let mut put = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    put("tripline-finding-v1");
    put(&detection.id);
    let mut group = |kind: &str, field: &str, mut values: Vec<&str>| {
        values.sort_unstable();
        put(kind);
        put(field);
        put(&values.len().to_string());
        for v in values {
            put(v);
        }
    };
    if detection.risk_entities.is_empty() && detection.threat_objects.is_empty() {
        for (name, value) in &fields.0 {
            let values = value.values();
            group("field", name, values.iter().map(AsRef::as_ref).collect());
        }
    } else {
        for e in &detection.risk_entities {
            let values = risk
                .iter()
                .filter(|r| r.field == e.field)
                .map(|r| r.object.as_str())
                .collect();
            group("risk", &e.field, values);
        }
        for t in &detection.threat_objects {
            let values = threats
                .iter()
                .filter(|r| r.field == t.field)
                .map(|r| r.object.as_str())
                .collect();
            group("threat", &t.field, values);
        }
    }
    let millis = |t: Option<f64>| t.map_or_else(|| "-".to_owned(), |t| format!("{:.0}", (t * 1000.0).round()));
    put(&millis(first));
    put(&millis(last));
    let digest = h.finalize();
    let mut hex = String::with_capacity(32);
    for b in digest.iter().take(16) {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

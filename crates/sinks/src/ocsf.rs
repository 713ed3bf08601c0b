//! OCSF 1.3 Detection Finding (class 2004, category 2 "Findings").
//!
//! One finding becomes one event with activity 1 "Create". The mapping:
//!
//! - `time`: the finding's `last_time` (else `first_time`) in epoch milliseconds;
//!   `finding_info.first_seen_time`/`last_seen_time` the two times.
//! - `severity_id`: informational 1, low 2, medium 3, high 4, critical 5.
//! - `status_id`: 1 "New" — Tripline does not track triage.
//! - `finding_info`: `uid` the finding id, `title` the rule name, `desc` the message, `types` the
//!   rule type, `analytic` the rule (type 1 "Rule"), `attacks` one entry per technique and
//!   tactic (a sub-technique goes in `sub_technique` with its parent in `technique`).
//! - `resources`: the risk objects; `evidences`: the threat objects; `observables`: both, typed
//!   (2 IP Address, 4 User Name, 1 Hostname, …, 99 Other).
//! - `unmapped`: the result row's fields; `metadata.labels`: the analytic stories.

use std::io::Write;
use std::net::IpAddr;

use serde::Serialize;
use tripline_content::{EntityKind, Fields, Finding, FindingSeverity, Tactic, technique};

use crate::{SinkError, event_time, millis, write_line};

/// The OCSF schema version the events follow.
pub const OCSF_VERSION: &str = "1.3.0";
/// `class_uid` of Detection Finding.
pub const CLASS_UID: u32 = 2004;
/// `category_uid` of Findings.
pub const CATEGORY_UID: u32 = 2;
/// `activity_id` of Create.
pub const ACTIVITY_CREATE: u32 = 1;
/// `type_uid`: `class_uid * 100 + activity_id`.
pub const TYPE_UID: u32 = CLASS_UID * 100 + ACTIVITY_CREATE;

/// Write `finding` as one OCSF Detection Finding object followed by a newline.
///
/// # Errors
///
/// [`SinkError::NoTime`] when the finding has no time (OCSF requires `time`),
/// [`SinkError::Io`] when `out` fails.
pub fn write(finding: &Finding, out: &mut dyn Write) -> Result<(), SinkError> {
    write_line(&event(finding)?, out)
}

/// The OCSF event for `finding`, as a JSON value.
///
/// # Errors
///
/// [`SinkError::NoTime`] when the finding has no time.
pub fn to_value(finding: &Finding) -> Result<serde_json::Value, SinkError> {
    Ok(serde_json::to_value(event(finding)?)?)
}

fn event(finding: &Finding) -> Result<Event<'_>, SinkError> {
    let time = millis(event_time(finding)?);
    let (severity_id, severity) = severity(finding.severity);
    let mut observables = Vec::new();
    let resources = finding
        .risk_objects
        .iter()
        .map(|r| {
            observables.push(Observable {
                name: &r.field,
                value: &r.object,
                type_id: entity_observable(r.kind, &r.object),
            });
            Resource {
                name: &r.object,
                kind: r.kind.as_str(),
                data: ResourceData {
                    field: &r.field,
                    score: r.score,
                    message: &r.message,
                },
            }
        })
        .collect();
    let evidences = finding
        .threat_objects
        .iter()
        .map(|t| {
            let type_id = threat_observable(&t.kind, &t.object);
            observables.push(Observable {
                name: &t.field,
                value: &t.object,
                type_id,
            });
            let ip = (type_id == ObservableType::IpAddress).then_some(t.object.as_str());
            Evidence {
                src_endpoint: ip.map(|ip| Endpoint { ip }),
                data: EvidenceData {
                    field: &t.field,
                    kind: &t.kind,
                    value: &t.object,
                },
            }
        })
        .collect();
    Ok(Event {
        activity_id: ACTIVITY_CREATE,
        activity_name: "Create",
        category_uid: CATEGORY_UID,
        category_name: "Findings",
        class_uid: CLASS_UID,
        class_name: "Detection Finding",
        type_uid: TYPE_UID,
        type_name: "Detection Finding: Create",
        time,
        severity_id,
        severity,
        status_id: 1,
        status: "New",
        message: &finding.message,
        metadata: Metadata {
            uid: &finding.id,
            version: OCSF_VERSION,
            labels: &finding.analytic_stories,
            product: Product {
                name: "Tripline",
                vendor_name: "Tripline",
                version: env!("CARGO_PKG_VERSION"),
            },
        },
        finding_info: FindingInfo {
            uid: &finding.id,
            title: &finding.rule.name,
            desc: &finding.message,
            types: vec![kind_name(finding)],
            first_seen_time: finding.first_time.map(millis),
            last_seen_time: finding.last_time.map(millis),
            analytic: Analytic {
                name: &finding.rule.name,
                uid: &finding.rule.id,
                type_id: 1,
                kind: "Rule",
                version: finding.rule.version.to_string(),
            },
            attacks: attacks(finding),
        },
        risk_score: finding.risk_score,
        resources,
        evidences,
        observables,
        unmapped: &finding.fields,
    })
}

/// OCSF `severity_id` and caption.
fn severity(s: FindingSeverity) -> (u8, &'static str) {
    match s {
        FindingSeverity::Informational => (1, "Informational"),
        FindingSeverity::Low => (2, "Low"),
        FindingSeverity::Medium => (3, "Medium"),
        FindingSeverity::High => (4, "High"),
        FindingSeverity::Critical => (5, "Critical"),
    }
}

/// The rule type as the detection writes it (`TTP`, `Anomaly`, …).
fn kind_name(finding: &Finding) -> String {
    serde_json::to_value(finding.rule.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{:?}", finding.rule.kind))
}

fn attacks(finding: &Finding) -> Vec<Attack<'_>> {
    let mut out = Vec::new();
    for t in &finding.mitre_attack {
        let own = Named {
            uid: t.id.clone(),
            name: t.name.clone(),
        };
        let (tech, sub) = match t.id.split_once('.') {
            Some((parent, _)) => {
                let name = technique(parent).map(|p| p.name.to_owned());
                (
                    Named {
                        uid: parent.to_owned(),
                        name,
                    },
                    Some(own),
                )
            }
            None => (own, None),
        };
        if t.tactics.is_empty() {
            out.push(Attack {
                technique: tech,
                sub_technique: sub,
                tactic: None,
            });
        } else {
            for tactic in &t.tactics {
                out.push(Attack {
                    technique: tech.clone(),
                    sub_technique: sub.clone(),
                    tactic: Some(tactic),
                });
            }
        }
    }
    out
}

/// OCSF observable `type_id`s Tripline produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ObservableType {
    Hostname = 1,
    IpAddress = 2,
    UserName = 4,
    EmailAddress = 5,
    Url = 6,
    FileName = 7,
    Hash = 8,
    ProcessName = 9,
    Other = 99,
}

impl ObservableType {
    fn caption(self) -> &'static str {
        match self {
            ObservableType::Hostname => "Hostname",
            ObservableType::IpAddress => "IP Address",
            ObservableType::UserName => "User Name",
            ObservableType::EmailAddress => "Email Address",
            ObservableType::Url => "URL String",
            ObservableType::FileName => "File Name",
            ObservableType::Hash => "Hash",
            ObservableType::ProcessName => "Process Name",
            ObservableType::Other => "Other",
        }
    }
}

fn is_ip(value: &str) -> bool {
    value.parse::<IpAddr>().is_ok()
}

fn entity_observable(kind: EntityKind, value: &str) -> ObservableType {
    match kind {
        EntityKind::User if value.contains('@') => ObservableType::EmailAddress,
        EntityKind::User => ObservableType::UserName,
        _ if is_ip(value) => ObservableType::IpAddress,
        EntityKind::System => ObservableType::Hostname,
        _ => ObservableType::Other,
    }
}

fn threat_observable(kind: &str, value: &str) -> ObservableType {
    match kind {
        _ if is_ip(value) => ObservableType::IpAddress,
        "url" | "url_domain" => ObservableType::Url,
        "file_name" | "file_path" => ObservableType::FileName,
        "file_hash" | "hash" => ObservableType::Hash,
        "process" | "process_name" | "parent_process" | "parent_process_name" => ObservableType::ProcessName,
        "email_address" => ObservableType::EmailAddress,
        "user" | "user_name" => ObservableType::UserName,
        "hostname" | "domain" => ObservableType::Hostname,
        _ => ObservableType::Other,
    }
}

#[derive(Serialize)]
struct Event<'a> {
    activity_id: u32,
    activity_name: &'static str,
    category_uid: u32,
    category_name: &'static str,
    class_uid: u32,
    class_name: &'static str,
    type_uid: u32,
    type_name: &'static str,
    time: i64,
    severity_id: u8,
    severity: &'static str,
    status_id: u8,
    status: &'static str,
    message: &'a str,
    metadata: Metadata<'a>,
    finding_info: FindingInfo<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    risk_score: Option<u8>,
    resources: Vec<Resource<'a>>,
    evidences: Vec<Evidence<'a>>,
    observables: Vec<Observable<'a>>,
    unmapped: &'a Fields,
}

#[derive(Serialize)]
struct Metadata<'a> {
    uid: &'a str,
    version: &'static str,
    labels: &'a [String],
    product: Product,
}

#[derive(Serialize)]
struct Product {
    name: &'static str,
    vendor_name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct FindingInfo<'a> {
    uid: &'a str,
    title: &'a str,
    desc: &'a str,
    types: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_seen_time: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_seen_time: Option<i64>,
    analytic: Analytic<'a>,
    attacks: Vec<Attack<'a>>,
}

#[derive(Serialize)]
struct Analytic<'a> {
    name: &'a str,
    uid: &'a str,
    type_id: u8,
    #[serde(rename = "type")]
    kind: &'static str,
    version: String,
}

#[derive(Serialize)]
struct Attack<'a> {
    technique: Named,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_technique: Option<Named>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tactic: Option<&'a Tactic>,
}

#[derive(Clone, Serialize)]
struct Named {
    uid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
struct Resource<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    data: ResourceData<'a>,
}

#[derive(Serialize)]
struct ResourceData<'a> {
    field: &'a str,
    score: u8,
    message: &'a str,
}

#[derive(Serialize)]
struct Evidence<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    src_endpoint: Option<Endpoint<'a>>,
    data: EvidenceData<'a>,
}

#[derive(Serialize)]
struct Endpoint<'a> {
    ip: &'a str,
}

#[derive(Serialize)]
struct EvidenceData<'a> {
    field: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    value: &'a str,
}

struct Observable<'a> {
    name: &'a str,
    value: &'a str,
    type_id: ObservableType,
}

impl Serialize for Observable<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Observable", 4)?;
        st.serialize_field("name", self.name)?;
        st.serialize_field("value", self.value)?;
        st.serialize_field("type_id", &(self.type_id as u8))?;
        st.serialize_field("type", self.type_id.caption())?;
        st.end()
    }
}

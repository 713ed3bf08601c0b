//! Checks on a loaded detection beyond what loading requires: what contentctl (v4, v5 and
//! contentctl-ng) would reject, and a few things that make a rule silently useless.
//!
//! [`validate`] returns [`Problem`]s with stable [`RuleCode`]s (`RULE0001`…), the YAML key
//! path they are about and, where the file has that key, its byte span in the file.

use std::collections::HashSet;

use serde::Serialize;
use tripline_spl::{Severity, Span};

use crate::detection::{Detection, DetectionKind, EntityOrigin, Format, Status};
use crate::lines::LineCol;
use crate::tokens;

macro_rules! rule_codes {
    ($($(#[doc = $doc:literal])* $name:ident = $num:literal, $severity:ident, $summary:literal;)*) => {
        /// A stable code for a problem with a detection file, such as `RULE0001`.
        ///
        /// Codes never change meaning once released. Each has a default severity; a few are
        /// reported with a different one depending on the detection (see the variant).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum RuleCode {
            $($(#[doc = $doc])* $name,)*
        }

        impl RuleCode {
            /// Every code, in numeric order (for documentation and tests).
            pub const ALL: &'static [RuleCode] = &[$(RuleCode::$name,)*];

            /// The code as users see it, e.g. `"RULE0001"`.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(RuleCode::$name => $num,)* }
            }

            /// A one-line summary of what the code means.
            #[must_use]
            pub fn summary(self) -> &'static str {
                match self { $(RuleCode::$name => $summary,)* }
            }

            /// How bad the problem usually is.
            #[must_use]
            pub fn default_severity(self) -> Severity {
                match self { $(RuleCode::$name => Severity::$severity,)* }
            }

            /// What the code means in full: its documentation comment as written, line by line
            /// (so each line may start with a space), for generating `docs/diagnostics.md`.
            #[must_use]
            pub fn description(self) -> &'static str {
                match self { $(RuleCode::$name => concat!($($doc, "\n",)*),)* }
            }
        }
    };
}

rule_codes! {
    /// A key the detection's format requires (for its status and type) is missing or empty.
    MissingField = "RULE0001", Error, "required field missing";
    /// `id` is not a UUID.
    InvalidId = "RULE0002", Error, "id is not a UUID";
    /// The file mixes blocks of different formats (`tags` scoring keys, `rba`, and the 2026
    /// `finding`/`intermediate_findings`/`threat_objects`).
    MixedFormats = "RULE0003", Error, "blocks of different detection formats mixed";
    /// The detection's type needs an alerting block it lacks (2026: TTP and Correlation need
    /// `finding`, Anomaly needs `intermediate_findings`; 2025: TTP and Anomaly need `rba`).
    AlertBlockRequired = "RULE0004", Error, "alerting block required by the detection type is missing";
    /// The detection's type forbids an alerting block it has (2026: Anomaly and Hunting have no
    /// `finding`, Correlation and Hunting no `intermediate_findings`, Hunting no
    /// `threat_objects`; 2025: Hunting has no `rba`).
    AlertBlockNotAllowed = "RULE0005", Error, "alerting block not allowed for the detection type";
    /// A risk score, confidence or impact outside 0–100 (a 2025 risk object score must be 1–100).
    ScoreOutOfRange = "RULE0006", Error, "score out of range";
    /// An entity, threat object or `$token$` field does not appear in the search text (an error
    /// for production detections, as contentctl-ng's `validate_fields_present_in_search`; a
    /// warning otherwise).
    FieldNotInSearch = "RULE0007", Error, "field does not appear in the search";
    /// A message or title has a `$` that opens no `$field$` token.
    UnbalancedToken = "RULE0008", Error, "unbalanced `$` in a message";
    /// A message or title has no `$field$` token, so every finding reads the same.
    MessageWithoutToken = "RULE0009", Warning, "message has no `$field$` token";
    /// A `mitre_attack_id` entry is not an ATT&CK technique id (`T1234` or `T1234.567`).
    InvalidTechniqueId = "RULE0010", Error, "invalid ATT&CK technique id";
    /// A technique and one of its sub-techniques are both listed (contentctl-ng rejects it).
    ParentAndSubTechnique = "RULE0011", Warning, "technique listed with its own sub-technique";
    /// The search does not call its filter macro `` `<name>_filter` ``, so users cannot tune it.
    MissingFilterMacro = "RULE0012", Warning, "filter macro not called";
    /// Two risk entities use the same field.
    DuplicateEntityField = "RULE0013", Error, "risk entity field used twice";
    /// A threat object type that contentctl-ng does not know.
    UnknownThreatObjectType = "RULE0014", Warning, "unknown threat object type";
    /// `tags.risk_score` differs from `round(confidence × impact / 100)` (contentctl ignores it).
    RiskScoreMismatch = "RULE0015", Warning, "risk_score disagrees with confidence and impact";
    /// A test without a name or data, an `attack_data` entry without `data`, `source` or
    /// `sourcetype`, or an experimental test without a description.
    IncompleteTest = "RULE0016", Error, "incomplete test definition";
    /// `category` or `security_domain` is not one of the allowed values (an error), or the
    /// category does not match the `detections/<category>/` folder (a warning).
    InvalidClassification = "RULE0017", Error, "invalid category or security domain";
    /// The saved-search stanza `ESCU - <name> - Rule` is longer than contentctl-ng's 81
    /// characters.
    NameTooLong = "RULE0018", Warning, "name too long for a saved search";
}

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One problem with a detection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Problem {
    /// The stable code.
    pub code: RuleCode,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong (no location in the text).
    pub message: String,
    /// The YAML key path the problem is about, e.g. `intermediate_findings.entities[0].field`.
    pub key: Option<String>,
    /// The byte span in the detection's file to underline, when the file has the key (or a
    /// parent of it); missing keys have none.
    pub span: Option<Span>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Problem {
    /// The 1-based line and column of the problem in `detection`'s file, when it has a span.
    #[must_use]
    pub fn line_col(&self, detection: &Detection) -> Option<LineCol> {
        self.span.map(|s| detection.line_col(s.start))
    }

    /// Whether it is an error.
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Check a loaded detection. Problems come in a stable order: by check, then by position.
#[must_use]
pub fn validate(d: &Detection) -> Vec<Problem> {
    let mut v = Validator {
        d,
        problems: Vec::new(),
    };
    v.required_fields();
    v.id();
    v.formats();
    v.alert_blocks();
    v.scores();
    v.fields_in_search();
    v.messages();
    v.techniques();
    v.filter_macro();
    v.duplicate_entities();
    v.threat_types();
    v.risk_score_mismatch();
    v.tests();
    v.classification();
    v.name_length();
    v.problems
}

/// Threat object types contentctl-ng accepts (spl-semantics §4.2).
const THREAT_OBJECT_TYPES: &[&str] = &[
    "bucket_name",
    "certificate_common_name",
    "certificate_organization",
    "certificate_serial",
    "certificate_unit",
    "command",
    "dns_query",
    "domain",
    "email_address",
    "email_subject",
    "file_hash",
    "file_name",
    "file_path",
    "http_user_agent",
    "ip_address",
    "loaded_file",
    "parent_process",
    "parent_process_name",
    "parent_process_path",
    "pipe_name",
    "process",
    "process_hash",
    "process_name",
    "process_path",
    "registry_key_name",
    "registry_path",
    "registry_value_data",
    "registry_value_name",
    "registry_value_text",
    "service",
    "signature",
    "system",
    "tls_hash",
    "uri",
    "url",
    "user",
];

const CATEGORIES: &[&str] = &["application", "cloud", "endpoint", "network", "web", "deprecated"];
const SECURITY_DOMAINS: &[&str] = &["access", "audit", "endpoint", "identity", "network", "threat"];

struct Validator<'d> {
    d: &'d Detection,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn push(&mut self, code: RuleCode, key: impl Into<String>, message: impl Into<String>) -> &mut Problem {
        self.push_with(code, code.default_severity(), key, message)
    }

    fn push_with(
        &mut self,
        code: RuleCode,
        severity: Severity,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Problem {
        let key = key.into();
        let span = self.d.span(&key);
        self.problems.push(Problem {
            code,
            severity,
            message: message.into(),
            key: Some(key),
            span,
            help: None,
        });
        let last = self.problems.len() - 1;
        &mut self.problems[last]
    }

    fn missing(&mut self, key: &str) -> &mut Problem {
        self.push(RuleCode::MissingField, key, format!("missing required field `{key}`"))
    }

    fn required_fields(&mut self) {
        let d = self.d;
        let text_fields = [
            ("description", d.description.as_str()),
            ("how_to_implement", d.how_to_implement.as_str()),
            ("known_false_positives", d.known_false_positives.as_str()),
        ];
        for (key, value) in text_fields {
            if value.trim().is_empty() {
                self.missing(key);
            }
        }
        if d.author.as_deref().is_none_or(|a| a.trim().is_empty()) {
            self.missing("author");
        }
        match d.format {
            Format::Findings => {
                if !d.has_top_level_key("creation_date") {
                    self.missing("creation_date");
                }
                if d.modification_date.is_none() {
                    self.missing("modification_date");
                }
                if d.category.is_none() {
                    self.missing("category");
                }
            }
            Format::Tags | Format::Rba => {
                if d.creation_date.is_none() {
                    self.missing("date");
                }
            }
        }
        let prefix = d.key_paths.classification_prefix;
        if d.analytic_story.is_empty() {
            self.missing(&format!("{prefix}analytic_story"));
        }
        if d.asset_type.is_none() {
            self.missing(&format!("{prefix}asset_type"));
        }
        if d.security_domain.is_none() {
            self.missing(&format!("{prefix}security_domain"));
        }
        if d.format == Format::Tags {
            let legacy = d.legacy.unwrap_or(crate::LegacyScoring {
                confidence: None,
                impact: None,
                declared_risk_score: None,
            });
            if legacy.confidence.is_none() {
                self.missing("tags.confidence");
            }
            if legacy.impact.is_none() {
                self.missing("tags.impact");
            }
            if !d.key_paths.messages.iter().any(|(k, _)| k == "tags.message") {
                self.missing("tags.message");
            }
        }
        if d.format == Format::Rba && d.has_top_level_key("rba") {
            if !d.key_paths.messages.iter().any(|(k, _)| k == "rba.message") {
                self.missing("rba.message");
            }
            if !d.risk_entities.iter().any(|e| e.origin == EntityOrigin::RiskObject) {
                self.missing("rba.risk_objects");
            }
        }
        if d.format == Format::Findings {
            for (i, e) in d.risk_entities.iter().enumerate() {
                if e.origin == EntityOrigin::IntermediateFinding && e.message.trim().is_empty() {
                    let key = d.key_paths.entities.get(i).map_or_else(String::new, |k| {
                        k.field.strip_suffix(".field").unwrap_or(&k.field).to_owned()
                    });
                    self.missing(&format!("{key}.message"));
                }
            }
            if let Some(f) = &d.finding
                && f.title.trim().is_empty()
            {
                self.missing("finding.title");
            }
        }
        let needs_tests = d.status == Status::Production && d.kind != DetectionKind::Correlation;
        if needs_tests && d.tests.is_empty() {
            self.missing("tests").help =
                Some("production detections need at least one test with `attack_data` (contentctl §5)".into());
        }
    }

    fn id(&mut self) {
        if !is_uuid(&self.d.id) {
            let id = self.d.id.clone();
            self.push(RuleCode::InvalidId, "id", format!("`{id}` is not a UUID"))
                .help = Some("use a random (version 4) UUID, e.g. from `uuidgen`".into());
        }
    }

    fn formats(&mut self) {
        let d = self.d;
        let mut found: Vec<(&str, &str)> = Vec::new();
        if d.key_paths.legacy_tags {
            found.push(("tags", "2024 `tags` scoring (confidence, impact, observable, message)"));
        }
        if d.has_top_level_key("rba") {
            found.push(("rba", "2025 `rba`"));
        }
        for key in ["finding", "intermediate_findings", "threat_objects"] {
            if d.has_top_level_key(key) {
                found.push((key, "2026 `finding`/`intermediate_findings`/`threat_objects`"));
                break;
            }
        }
        if found.len() > 1 {
            let names: Vec<&str> = found.iter().map(|(_, n)| *n).collect();
            let ignored: Vec<&str> = found
                .iter()
                .filter(|(k, _)| match d.format {
                    Format::Tags => *k != "tags",
                    Format::Rba => *k != "rba",
                    Format::Findings => *k == "tags" || *k == "rba",
                })
                .map(|(k, _)| *k)
                .collect();
            let key = ignored.first().copied().unwrap_or("tags");
            self.push(
                RuleCode::MixedFormats,
                key,
                format!(
                    "the file mixes {}; it was read as the `{}` format",
                    names.join(" and "),
                    d.format
                ),
            )
            .help = Some(format!(
                "remove {}",
                ignored.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }

    fn alert_blocks(&mut self) {
        let d = self.d;
        let kind = d.kind;
        let required = |s: &mut Self, block: &str| {
            s.push(
                RuleCode::AlertBlockRequired,
                "type",
                format!("`type: {kind}` requires `{block}`"),
            );
        };
        let forbidden = |s: &mut Self, block: &str| {
            s.push(
                RuleCode::AlertBlockNotAllowed,
                block,
                format!("`type: {kind}` does not allow `{block}`"),
            );
        };
        match d.format {
            Format::Findings => {
                let has_inter = d.has_top_level_key("intermediate_findings");
                let inter_entities = d
                    .risk_entities
                    .iter()
                    .any(|e| e.origin == EntityOrigin::IntermediateFinding);
                let has_threats = d.has_top_level_key("threat_objects");
                match kind {
                    DetectionKind::Ttp | DetectionKind::Correlation => {
                        if d.finding.is_none() {
                            required(self, "finding");
                        }
                    }
                    DetectionKind::Anomaly | DetectionKind::Hunting => {
                        if d.finding.is_some() {
                            forbidden(self, "finding");
                        }
                    }
                }
                match kind {
                    DetectionKind::Anomaly if !inter_entities => {
                        required(self, "intermediate_findings.entities");
                    }
                    DetectionKind::Correlation | DetectionKind::Hunting if has_inter => {
                        forbidden(self, "intermediate_findings");
                    }
                    DetectionKind::Ttp if has_inter && !inter_entities => {
                        self.push(
                            RuleCode::AlertBlockRequired,
                            "intermediate_findings",
                            "`intermediate_findings` needs at least one entity",
                        );
                    }
                    _ => {}
                }
                if kind == DetectionKind::Hunting && has_threats {
                    forbidden(self, "threat_objects");
                }
            }
            Format::Rba => {
                let has_rba = d.has_top_level_key("rba");
                match kind {
                    DetectionKind::Ttp | DetectionKind::Anomaly if !has_rba => required(self, "rba"),
                    DetectionKind::Hunting if has_rba => forbidden(self, "rba"),
                    _ => {}
                }
            }
            Format::Tags => {}
        }
    }

    fn scores(&mut self) {
        let d = self.d;
        if let Some(legacy) = d.legacy {
            for (key, value) in [("tags.confidence", legacy.confidence), ("tags.impact", legacy.impact)] {
                if let Some(v) = value
                    && v > 100
                {
                    self.push(
                        RuleCode::ScoreOutOfRange,
                        key,
                        format!("`{key}` is {v}; it must be 0–100"),
                    );
                }
            }
            return;
        }
        for (i, e) in d.risk_entities.iter().enumerate() {
            let Some(keys) = d.key_paths.entities.get(i) else {
                continue;
            };
            let low = if e.origin == EntityOrigin::RiskObject { 1 } else { 0 };
            if e.score > 100 || e.score < low {
                let key = keys.score.clone();
                self.push(
                    RuleCode::ScoreOutOfRange,
                    key,
                    format!("score {} of `{}` must be {low}–100", e.score, e.field),
                );
            }
        }
    }

    fn fields_in_search(&mut self) {
        let d = self.d;
        let search = d.search.text.to_lowercase();
        let severity = if d.status == Status::Production {
            Severity::Error
        } else {
            Severity::Warning
        };
        let mut checked: HashSet<(String, String)> = HashSet::new();
        let mut check = |s: &mut Self, what: &str, field: &str, key: &str| {
            if search.contains(&field.to_lowercase()) || !checked.insert((field.to_owned(), key.to_owned())) {
                return;
            }
            s.push_with(
                RuleCode::FieldNotInSearch,
                severity,
                key,
                format!("{what} `{field}` does not appear in the search"),
            )
            .help = Some(format!(
                "the search must produce a field called `{field}` (for example with `rename ... AS {field}`)"
            ));
        };
        for (i, e) in d.risk_entities.iter().enumerate() {
            if let Some(keys) = d.key_paths.entities.get(i) {
                check(self, "risk entity field", &e.field, &keys.field);
            }
        }
        for (i, t) in d.threat_objects.iter().enumerate() {
            if let Some(key) = d.key_paths.threats.get(i) {
                check(self, "threat object field", &t.field, key);
            }
        }
        for (key, template) in &d.key_paths.messages {
            for name in tokens::names(template) {
                check(self, "message token", name, key);
            }
        }
    }

    fn messages(&mut self) {
        let d = self.d;
        for (key, template) in &d.key_paths.messages {
            let (pieces, strays) = tokens::parse(template);
            if let Some(&at) = strays.first() {
                self.push(
                    RuleCode::UnbalancedToken,
                    key.clone(),
                    format!(
                        "`$` at character {} of `{key}` opens no `$field$` token",
                        template[..at].chars().count() + 1
                    ),
                )
                .help = Some("tokens are `$field$` with no spaces inside; remove the stray `$`".into());
            }
            if !template.trim().is_empty() && !pieces.iter().any(|p| matches!(p, tokens::Piece::Token(..))) {
                self.push(
                    RuleCode::MessageWithoutToken,
                    key.clone(),
                    format!("`{key}` has no `$field$` token"),
                )
                .help = Some("name the entity in the message, e.g. `... from $src_ip$`".into());
            }
        }
    }

    fn techniques(&mut self) {
        let d = self.d;
        for (i, id) in d.mitre_attack_id.iter().enumerate() {
            let key = d
                .key_paths
                .mitre
                .get(i)
                .cloned()
                .unwrap_or_else(|| "mitre_attack_id".into());
            if !is_technique_id(id) {
                self.push(
                    RuleCode::InvalidTechniqueId,
                    key,
                    format!("`{id}` is not an ATT&CK technique id (`T1234` or `T1234.567`)"),
                );
            } else if let Some((parent, _)) = id.split_once('.')
                && d.mitre_attack_id.iter().any(|other| other == parent)
            {
                self.push(
                    RuleCode::ParentAndSubTechnique,
                    key,
                    format!("`{id}` is listed with its parent technique `{parent}`"),
                )
                .help = Some(format!("keep only `{id}`"));
            }
        }
    }

    fn filter_macro(&mut self) {
        let name = self.d.filter_macro_name();
        if !self.d.search.text.contains(&format!("`{name}`")) {
            self.push(
                RuleCode::MissingFilterMacro,
                "search",
                format!("the search does not call `{name}`"),
            )
            .help = Some(format!("end the search with `| `{name}`` so users can tune it"));
        }
    }

    fn duplicate_entities(&mut self) {
        let d = self.d;
        let mut seen: HashSet<&str> = HashSet::new();
        for (i, e) in d.risk_entities.iter().enumerate() {
            if !seen.insert(e.field.as_str()) {
                let key = d
                    .key_paths
                    .entities
                    .get(i)
                    .map_or_else(String::new, |k| k.field.clone());
                self.push(
                    RuleCode::DuplicateEntityField,
                    key,
                    format!("field `{}` is already a risk entity", e.field),
                );
            }
        }
    }

    fn threat_types(&mut self) {
        let d = self.d;
        if d.format == Format::Tags {
            return;
        }
        for (i, t) in d.threat_objects.iter().enumerate() {
            if !THREAT_OBJECT_TYPES.contains(&t.kind.as_str()) {
                let key = d.key_paths.threats.get(i).map_or_else(String::new, |k| {
                    format!("{}.type", k.strip_suffix(".field").unwrap_or(k))
                });
                self.push(
                    RuleCode::UnknownThreatObjectType,
                    key,
                    format!("`{}` is not a threat object type contentctl-ng knows", t.kind),
                );
            }
        }
    }

    fn risk_score_mismatch(&mut self) {
        if let Some(legacy) = self.d.legacy
            && let Some(declared) = legacy.declared_risk_score
        {
            let computed = legacy.computed_score();
            if declared != computed {
                self.push(
                    RuleCode::RiskScoreMismatch,
                    "tags.risk_score",
                    format!("`tags.risk_score` is {declared} but confidence × impact / 100 is {computed}"),
                )
                .help = Some(format!(
                    "contentctl uses {computed}; set `risk_score: {computed}` or remove it"
                ));
            }
        }
    }

    fn tests(&mut self) {
        let d = self.d;
        for (i, t) in d.tests.iter().enumerate() {
            let key = format!("tests[{i}]");
            if t.name.trim().is_empty() {
                self.push(
                    RuleCode::IncompleteTest,
                    format!("{key}.name"),
                    format!("`{key}` has no name"),
                );
            }
            if t.attack_data.is_empty() {
                self.push(
                    RuleCode::IncompleteTest,
                    key.clone(),
                    format!("`{key}` has no `attack_data`"),
                );
            }
            for (j, a) in t.attack_data.iter().enumerate() {
                for (name, value) in [("data", &a.data), ("source", &a.source), ("sourcetype", &a.sourcetype)] {
                    if value.trim().is_empty() {
                        let akey = format!("{key}.attack_data[{j}]");
                        self.push(
                            RuleCode::IncompleteTest,
                            format!("{akey}.{name}"),
                            format!("`{akey}` has no `{name}`"),
                        );
                    }
                }
            }
            if t.kind == crate::TestKind::Experimental && t.description.as_deref().is_none_or(|s| s.trim().is_empty()) {
                self.push(
                    RuleCode::IncompleteTest,
                    format!("{key}.description"),
                    format!("experimental test `{key}` needs a `description`"),
                );
            }
        }
    }

    fn classification(&mut self) {
        let d = self.d;
        if let Some(category) = &d.category {
            if d.format == Format::Findings && !CATEGORIES.contains(&category.as_str()) {
                self.push(
                    RuleCode::InvalidClassification,
                    "category",
                    format!("category `{category}` is not one of {}", CATEGORIES.join(", ")),
                );
            } else if let Some(folder) = detections_folder(&d.path)
                && folder != category
            {
                self.push_with(
                    RuleCode::InvalidClassification,
                    Severity::Warning,
                    "category",
                    format!("category `{category}` does not match the folder `detections/{folder}/`"),
                );
            }
        }
        if let Some(domain) = &d.security_domain
            && !SECURITY_DOMAINS.contains(&domain.as_str())
        {
            let key = format!("{}security_domain", d.key_paths.classification_prefix);
            self.push(
                RuleCode::InvalidClassification,
                key,
                format!(
                    "security domain `{domain}` is not one of {}",
                    SECURITY_DOMAINS.join(", ")
                ),
            );
        }
    }

    fn name_length(&mut self) {
        let d = self.d;
        if d.format != Format::Findings {
            return;
        }
        let stanza = format!("ESCU - {} - Rule", d.name);
        let len = stanza.chars().count();
        if len > 81 {
            self.push(
                RuleCode::NameTooLong,
                "name",
                format!("the saved search `{stanza}` is {len} characters; contentctl-ng allows 81"),
            );
        }
    }
}

/// The folder under `detections/` a file sits in, if any.
fn detections_folder(path: &std::path::Path) -> Option<&str> {
    let parts: Vec<&str> = path.iter().filter_map(|c| c.to_str()).collect();
    let at = parts.iter().rposition(|p| *p == "detections")?;
    // Only a folder between `detections/` and the file counts.
    if at + 2 < parts.len() {
        Some(parts[at + 1])
    } else {
        None
    }
}

/// `8-4-4-4-12` hexadecimal digits.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `T` and four digits, optionally `.` and three digits.
pub(crate) fn is_technique_id(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_uuid("2f4abe6d-5991-464d-8216-f90f42999764"));
        assert!(!is_uuid("2f4abe6d-5991-464d-8216-f90f4299976"));
        assert!(!is_uuid("not-a-uuid"));
        assert!(is_technique_id("T1046"));
        assert!(is_technique_id("T1552.007"));
        assert!(!is_technique_id("T104"));
        assert!(!is_technique_id("t1046"));
        assert!(!is_technique_id("T1552.07"));
        assert!(!is_technique_id("TA0007"));
    }

    #[test]
    fn codes_are_numbered_in_order() {
        for (i, code) in RuleCode::ALL.iter().enumerate() {
            assert_eq!(code.as_str(), format!("RULE{:04}", i + 1));
        }
    }

    #[test]
    fn folders() {
        use std::path::Path;
        assert_eq!(detections_folder(Path::new("sc/detections/cloud/x.yml")), Some("cloud"));
        assert_eq!(detections_folder(Path::new("content/detections/x.yml")), None);
        assert_eq!(detections_folder(Path::new("x.yml")), None);
    }
}

//! Reading a detection YAML file, in any of the three formats, into a [`Detection`].

use std::path::Path;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_saphyr::Spanned;
use tripline_spl::Span;

use crate::detection::{
    AttackData, Detection, DetectionKind, Drilldown, EntityKind, EntityOrigin, FindingSpec, Format, LegacyScoring,
    RiskEntity, RuleTest, Status, TestKind, ThreatObject,
};
use crate::typed::{SpanTable, TypedDoc};
use crate::{LoadError, searches_from_yaml};

type Text = Option<Spanned<String>>;
type TextList = Option<Spanned<Vec<Spanned<String>>>>;

#[derive(Deserialize)]
struct RawDetection {
    name: Text,
    id: Text,
    version: Option<Spanned<u32>>,
    date: Text,
    creation_date: Text,
    modification_date: Text,
    author: Text,
    status: Text,
    #[serde(rename = "type")]
    kind: Text,
    description: Text,
    data_source: TextList,
    how_to_implement: Text,
    known_false_positives: Text,
    references: TextList,
    drilldown_searches: Option<Vec<Spanned<RawDrilldown>>>,
    tags: Option<Spanned<RawTags>>,
    rba: Option<Spanned<RawRba>>,
    finding: Option<Spanned<RawFinding>>,
    intermediate_findings: Option<Spanned<RawIntermediate>>,
    threat_objects: Option<Spanned<Vec<Spanned<RawThreat>>>>,
    analytic_story: TextList,
    asset_type: Text,
    mitre_attack_id: TextList,
    product: TextList,
    security_domain: Text,
    category: Text,
    cve: TextList,
    baselines: Option<Vec<IgnoredAny>>,
    tests: Option<Vec<Spanned<RawTest>>>,
}

#[derive(Default, Deserialize)]
struct RawTags {
    analytic_story: TextList,
    asset_type: Text,
    confidence: Option<Spanned<u32>>,
    impact: Option<Spanned<u32>>,
    risk_score: Option<Spanned<u32>>,
    message: Text,
    mitre_attack_id: TextList,
    observable: Option<Vec<Spanned<RawObservable>>>,
    product: TextList,
    security_domain: Text,
    cve: TextList,
    manual_test: Text,
}

#[derive(Deserialize)]
struct RawObservable {
    name: Text,
    #[serde(rename = "type")]
    kind: Text,
    role: TextList,
}

#[derive(Deserialize)]
struct RawRba {
    message: Text,
    risk_objects: Option<Vec<Spanned<RawEntity>>>,
    threat_objects: Option<Vec<Spanned<RawThreat>>>,
}

#[derive(Deserialize)]
struct RawEntity {
    field: Text,
    #[serde(rename = "type")]
    kind: Text,
    score: Option<Spanned<u8>>,
    message: Text,
}

#[derive(Deserialize)]
struct RawThreat {
    field: Text,
    #[serde(rename = "type")]
    kind: Text,
}

#[derive(Deserialize)]
struct RawFinding {
    title: Text,
    entity: Option<Spanned<RawEntity>>,
}

#[derive(Deserialize)]
struct RawIntermediate {
    entities: Option<Vec<Spanned<RawEntity>>>,
}

#[derive(Deserialize)]
struct RawDrilldown {
    name: Text,
    search: Text,
    earliest_offset: Text,
    latest_offset: Text,
}

#[derive(Deserialize)]
struct RawTest {
    name: Text,
    test_type: Text,
    attack_data: Option<Vec<Spanned<RawAttackData>>>,
    expected_results: Option<Spanned<u64>>,
    description: Text,
}

#[derive(Deserialize)]
struct RawAttackData {
    data: Text,
    source: Text,
    sourcetype: Text,
    index: Text,
    custom_index: Text,
    host: Text,
    update_timestamp: Option<bool>,
}

/// Key paths of the parts of a detection that validation points at.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyPaths {
    /// Per risk entity (same order as `Detection::risk_entities`): the key of its field name and
    /// of its score.
    pub(crate) entities: Vec<EntityKeys>,
    /// Per threat object: the key of its field name.
    pub(crate) threats: Vec<String>,
    /// Per technique id: its key.
    pub(crate) mitre: Vec<String>,
    /// Every message template: its key and text.
    pub(crate) messages: Vec<(String, String)>,
    /// Where `analytic_story`, `asset_type`, `security_domain`, `mitre_attack_id`, `product`
    /// were read from: `""` (top level) or `"tags."`.
    pub(crate) classification_prefix: &'static str,
    /// Whether `tags:` holds 2024 scoring keys (`confidence`, `impact`, `observable`,
    /// `message`, `risk_score`), whatever format was chosen.
    pub(crate) legacy_tags: bool,
}

/// Key paths of one risk entity.
#[derive(Clone, Debug)]
pub(crate) struct EntityKeys {
    pub(crate) field: String,
    pub(crate) score: String,
}

/// Read one detection file.
///
/// The file must be a YAML mapping with `name`, `id`, `version`, `status`, `type` and `search`;
/// everything else is optional here and checked by [`crate::validate`]. The format is decided by
/// the blocks present: `finding` or `intermediate_findings` make it [`Format::Findings`], else
/// `rba` makes it [`Format::Rba`], else a `tags:` block with `confidence`, `impact`,
/// `observable`, `message` or `risk_score` makes it [`Format::Tags`], else a `tags:` block makes
/// it [`Format::Rba`] (a 2025 detection without risk configuration), and a file with neither
/// `tags` nor `rba` is [`Format::Findings`]. Unknown keys are ignored.
///
/// # Errors
///
/// [`LoadError::Yaml`] for invalid YAML, [`LoadError::NotAMapping`], [`LoadError::MissingField`]
/// for a missing required key, [`LoadError::DuplicateKey`], and [`LoadError::InvalidValue`]
/// (with the key path, line and column) for a value of the wrong type, an unknown `status`,
/// `type`, entity `type` or `test_type`, or an entity or threat object without `field`/`type`.
pub fn load_detection(path: &Path, text: &str) -> Result<Detection, LoadError> {
    let doc = TypedDoc::parse(path, text)?;
    let Some(search) = searches_from_yaml(path, text)? else {
        return Err(LoadError::MissingField {
            path: path.to_path_buf(),
            field: "search",
        });
    };
    let raw: RawDetection = doc.deserialize()?;
    let mut b = Builder {
        doc: &doc,
        spans: SpanTable::default(),
        keys: KeyPaths::default(),
    };
    let search_span = search.file_span(Span::new(0, search.text.len()));
    b.spans.insert("search", search_span);

    let name = b.required("name", raw.name.as_ref())?;
    let id = b.required("id", raw.id.as_ref())?;
    let version = match &raw.version {
        Some(v) => {
            b.record("version", v);
            v.value
        }
        None => return Err(b.missing("version")),
    };
    let status = b.enumerated(
        "status",
        raw.status.as_ref(),
        Status::parse,
        "production, experimental, deprecated",
    )?;
    let kind = b.enumerated(
        "type",
        raw.kind.as_ref(),
        DetectionKind::parse,
        "TTP, Anomaly, Hunting, Correlation",
    )?;

    let tags = raw.tags.as_ref().map(|t| &t.value);
    let has_legacy_tags = tags.is_some_and(|t| {
        t.confidence.is_some()
            || t.impact.is_some()
            || t.observable.is_some()
            || t.message.is_some()
            || t.risk_score.is_some()
    });
    let format = if raw.finding.is_some() || raw.intermediate_findings.is_some() {
        Format::Findings
    } else if raw.rba.is_some() {
        Format::Rba
    } else if has_legacy_tags {
        Format::Tags
    } else if raw.tags.is_some() {
        Format::Rba
    } else {
        Format::Findings
    };
    // Record every alerting block, whichever format is chosen, so format problems can point at it.
    if let Some(t) = &raw.tags {
        b.record("tags", t);
    }
    if let Some(r) = &raw.rba {
        b.record("rba", r);
    }
    if let Some(f) = &raw.finding {
        b.record("finding", f);
    }
    if let Some(i) = &raw.intermediate_findings {
        b.record("intermediate_findings", i);
    }
    if let Some(t) = &raw.threat_objects {
        b.record("threat_objects", t);
    }
    b.keys.legacy_tags = has_legacy_tags;

    let mut risk_entities = Vec::new();
    let mut threat_objects = Vec::new();
    let mut finding = None;
    let mut legacy = None;
    match format {
        Format::Tags => {
            let empty = RawTags::default();
            let t = tags.unwrap_or(&empty);
            legacy = Some(b.legacy(t));
            b.legacy_observables(t, &mut risk_entities, &mut threat_objects)?;
        }
        Format::Rba => {
            if let Some(rba) = &raw.rba {
                b.rba(&rba.value, &mut risk_entities, &mut threat_objects)?;
            }
        }
        Format::Findings => {
            if let Some(inter) = &raw.intermediate_findings {
                for (i, e) in inter.value.entities.iter().flatten().enumerate() {
                    let key = format!("intermediate_findings.entities[{i}]");
                    let entity = b.entity(&key, e, EntityOrigin::IntermediateFinding, None)?;
                    risk_entities.push(entity);
                }
            }
            if let Some(f) = &raw.finding {
                let title = b.text("finding.title", f.value.title.as_ref()).unwrap_or_default();
                let Some(e) = &f.value.entity else {
                    return Err(b.doc.invalid(b.doc.span(f), "finding", "missing required key `entity`"));
                };
                let entity = b.entity("finding.entity", e, EntityOrigin::Finding, Some(&title))?;
                b.keys.messages.push(("finding.title".into(), title.clone()));
                risk_entities.push(entity.clone());
                finding = Some(FindingSpec { title, entity });
            }
            if let Some(list) = &raw.threat_objects {
                for (i, t) in list.value.iter().enumerate() {
                    threat_objects.push(b.threat(&format!("threat_objects[{i}]"), t)?);
                }
            }
        }
    }

    // Classification keys: top level (2026) first, then under `tags` (2024, 2025).
    let prefix = if raw.analytic_story.is_some() || tags.is_none() {
        ""
    } else {
        "tags."
    };
    b.keys.classification_prefix = prefix;
    let pick_list = |b: &mut Builder<'_>, key: &str, top: &TextList, tagged: Option<&TextList>| -> Vec<String> {
        if top.is_some() {
            b.list(key, top.as_ref())
        } else if let Some(t) = tagged {
            b.list(&format!("tags.{key}"), t.as_ref())
        } else {
            Vec::new()
        }
    };
    let pick_text = |b: &mut Builder<'_>, key: &str, top: &Text, tagged: Option<&Text>| -> Option<String> {
        if top.is_some() {
            b.text(key, top.as_ref())
        } else {
            tagged.and_then(|t| b.text(&format!("tags.{key}"), t.as_ref()))
        }
    };
    let analytic_story = pick_list(
        &mut b,
        "analytic_story",
        &raw.analytic_story,
        tags.map(|t| &t.analytic_story),
    );
    let mitre_from_tags = raw.mitre_attack_id.is_none() && tags.is_some_and(|t| t.mitre_attack_id.is_some());
    let mitre_attack_id = pick_list(
        &mut b,
        "mitre_attack_id",
        &raw.mitre_attack_id,
        tags.map(|t| &t.mitre_attack_id),
    );
    b.keys.mitre = (0..mitre_attack_id.len())
        .map(|i| {
            if mitre_from_tags {
                format!("tags.mitre_attack_id[{i}]")
            } else {
                format!("mitre_attack_id[{i}]")
            }
        })
        .collect();
    let product = pick_list(&mut b, "product", &raw.product, tags.map(|t| &t.product));
    let cve = pick_list(&mut b, "cve", &raw.cve, tags.map(|t| &t.cve));
    let asset_type = pick_text(&mut b, "asset_type", &raw.asset_type, tags.map(|t| &t.asset_type));
    let security_domain = pick_text(
        &mut b,
        "security_domain",
        &raw.security_domain,
        tags.map(|t| &t.security_domain),
    );
    let manual_test = tags.and_then(|t| b.text("tags.manual_test", t.manual_test.as_ref()));

    let mut tests = Vec::new();
    for (i, t) in raw.tests.iter().flatten().enumerate() {
        tests.push(b.test(&format!("tests[{i}]"), t, manual_test.is_some())?);
    }
    let mut drilldown_searches = Vec::new();
    for (i, d) in raw.drilldown_searches.iter().flatten().enumerate() {
        let key = format!("drilldown_searches[{i}]");
        b.record(&key, d);
        drilldown_searches.push(Drilldown {
            name: b
                .text(&format!("{key}.name"), d.value.name.as_ref())
                .unwrap_or_default(),
            search: b
                .text(&format!("{key}.search"), d.value.search.as_ref())
                .unwrap_or_default(),
            earliest_offset: b.text(&format!("{key}.earliest_offset"), d.value.earliest_offset.as_ref()),
            latest_offset: b.text(&format!("{key}.latest_offset"), d.value.latest_offset.as_ref()),
        });
    }

    let creation_date = if raw.creation_date.is_some() {
        b.text("creation_date", raw.creation_date.as_ref())
    } else {
        b.text("date", raw.date.as_ref())
    };
    let keys = doc.doc.top.entries.iter().map(|e| e.key.value.clone()).collect();
    Ok(Detection {
        id,
        name,
        version,
        status,
        kind,
        author: b.text("author", raw.author.as_ref()),
        creation_date,
        modification_date: b.text("modification_date", raw.modification_date.as_ref()),
        description: b.text("description", raw.description.as_ref()).unwrap_or_default(),
        data_source: b.list("data_source", raw.data_source.as_ref()),
        how_to_implement: b
            .text("how_to_implement", raw.how_to_implement.as_ref())
            .unwrap_or_default(),
        known_false_positives: b
            .text("known_false_positives", raw.known_false_positives.as_ref())
            .unwrap_or_default(),
        references: b.list("references", raw.references.as_ref()),
        search,
        risk_entities,
        finding,
        threat_objects,
        mitre_attack_id,
        analytic_story,
        asset_type,
        security_domain,
        category: b.text("category", raw.category.as_ref()),
        product,
        cve,
        drilldown_searches,
        tests,
        manual_test,
        has_baselines: raw.baselines.is_some_and(|b| !b.is_empty()),
        legacy,
        format,
        path: path.to_path_buf(),
        spans: b.spans,
        keys,
        key_paths: b.keys,
    })
}

/// Builds a [`Detection`] from the raw structs, recording spans and key paths.
struct Builder<'d> {
    doc: &'d TypedDoc<'d>,
    spans: SpanTable,
    keys: KeyPaths,
}

impl Builder<'_> {
    fn record<T>(&mut self, key: &str, value: &Spanned<T>) {
        let span = self.doc.span(value);
        self.spans.insert(key, span);
    }

    fn missing(&self, field: &'static str) -> LoadError {
        LoadError::MissingField {
            path: self.doc.path.to_path_buf(),
            field,
        }
    }

    /// A string value, recording its span.
    fn text(&mut self, key: &str, value: Option<&Spanned<String>>) -> Option<String> {
        let v = value?;
        self.record(key, v);
        Some(v.value.clone())
    }

    /// A required top-level string.
    fn required(&mut self, key: &'static str, value: Option<&Spanned<String>>) -> Result<String, LoadError> {
        self.text(key, value).ok_or_else(|| self.missing(key))
    }

    /// A list of strings, recording the spans of the list and of each item.
    fn list(&mut self, key: &str, value: Option<&Spanned<Vec<Spanned<String>>>>) -> Vec<String> {
        let Some(list) = value else { return Vec::new() };
        self.record(key, list);
        list.value
            .iter()
            .enumerate()
            .map(|(i, item)| {
                self.record(&format!("{key}[{i}]"), item);
                item.value.clone()
            })
            .collect()
    }

    /// A required top-level value that must be one of a fixed set.
    fn enumerated<E>(
        &mut self,
        key: &'static str,
        value: Option<&Spanned<String>>,
        parse: fn(&str) -> Option<E>,
        expected: &str,
    ) -> Result<E, LoadError> {
        let Some(v) = value else { return Err(self.missing(key)) };
        self.record(key, v);
        parse(&v.value).ok_or_else(|| {
            self.doc
                .invalid(self.doc.span(v), key, format!("`{}` is not one of {expected}", v.value))
        })
    }

    /// A string a nested block requires.
    fn nested_required(
        &mut self,
        parent: &str,
        parent_span: Span,
        name: &str,
        value: Option<&Spanned<String>>,
    ) -> Result<String, LoadError> {
        let key = format!("{parent}.{name}");
        self.text(&key, value).ok_or_else(|| {
            self.doc
                .invalid(parent_span, parent, format!("missing required key `{name}`"))
        })
    }

    fn legacy(&mut self, t: &RawTags) -> LegacyScoring {
        let mut num = |key: &str, v: &Option<Spanned<u32>>| {
            v.as_ref().map(|v| {
                self.record(key, v);
                v.value
            })
        };
        LegacyScoring {
            confidence: num("tags.confidence", &t.confidence),
            impact: num("tags.impact", &t.impact),
            declared_risk_score: num("tags.risk_score", &t.risk_score),
        }
    }

    /// 2024: `Victim` observables become risk entities scored `round(confidence × impact / 100)`
    /// with `tags.message`; `Attacker` observables become threat objects.
    fn legacy_observables(
        &mut self,
        t: &RawTags,
        risk: &mut Vec<RiskEntity>,
        threats: &mut Vec<ThreatObject>,
    ) -> Result<(), LoadError> {
        let scoring = LegacyScoring {
            confidence: t.confidence.as_ref().map(|v| v.value),
            impact: t.impact.as_ref().map(|v| v.value),
            declared_risk_score: None,
        };
        let score = u8::try_from(scoring.computed_score()).unwrap_or(u8::MAX);
        let message = self.text("tags.message", t.message.as_ref()).unwrap_or_default();
        if t.message.is_some() {
            self.keys.messages.push(("tags.message".into(), message.clone()));
        }
        for (i, o) in t.observable.iter().flatten().enumerate() {
            let key = format!("tags.observable[{i}]");
            self.record(&key, o);
            let span = self.doc.span(o);
            let field = self.nested_required(&key, span, "name", o.value.name.as_ref())?;
            let kind = self.nested_required(&key, span, "type", o.value.kind.as_ref())?;
            let roles = self.list(&format!("{key}.role"), o.value.role.as_ref());
            if roles.iter().any(|r| r.eq_ignore_ascii_case("victim")) {
                risk.push(RiskEntity {
                    field: field.clone(),
                    kind: EntityKind::from_observable_type(&kind),
                    score,
                    message: message.clone(),
                    origin: EntityOrigin::Observable,
                });
                self.keys.entities.push(EntityKeys {
                    field: format!("{key}.name"),
                    score: "tags.confidence".into(),
                });
            }
            if roles.iter().any(|r| r.eq_ignore_ascii_case("attacker")) {
                threats.push(ThreatObject {
                    field,
                    kind: ThreatObject::kind_from_observable_type(&kind),
                });
                self.keys.threats.push(format!("{key}.name"));
            }
        }
        Ok(())
    }

    /// 2025: `rba.risk_objects` scored each, all with `rba.message`; `rba.threat_objects`.
    fn rba(
        &mut self,
        rba: &RawRba,
        risk: &mut Vec<RiskEntity>,
        threats: &mut Vec<ThreatObject>,
    ) -> Result<(), LoadError> {
        let message = self.text("rba.message", rba.message.as_ref());
        if let Some(m) = &message {
            self.keys.messages.push(("rba.message".into(), m.clone()));
        }
        for (i, e) in rba.risk_objects.iter().flatten().enumerate() {
            let key = format!("rba.risk_objects[{i}]");
            risk.push(self.entity(
                &key,
                e,
                EntityOrigin::RiskObject,
                Some(message.as_deref().unwrap_or("")),
            )?);
        }
        for (i, t) in rba.threat_objects.iter().flatten().enumerate() {
            threats.push(self.threat(&format!("rba.threat_objects[{i}]"), t)?);
        }
        Ok(())
    }

    /// A v5 risk object or 2026 entity. `shared_message` is the message of every entity
    /// (2025 `rba.message`, 2026 `finding.title`); otherwise the entity's own `message`.
    fn entity(
        &mut self,
        key: &str,
        e: &Spanned<RawEntity>,
        origin: EntityOrigin,
        shared_message: Option<&str>,
    ) -> Result<RiskEntity, LoadError> {
        self.record(key, e);
        let span = self.doc.span(e);
        let field = self.nested_required(key, span, "field", e.value.field.as_ref())?;
        let kind_text = self.nested_required(key, span, "type", e.value.kind.as_ref())?;
        let kind_key = format!("{key}.type");
        let kind = EntityKind::parse(&kind_text).ok_or_else(|| {
            let at = self.spans.get(&kind_key).unwrap_or(span);
            self.doc.invalid(
                at,
                kind_key.clone(),
                format!("`{kind_text}` is not one of user, system, other"),
            )
        })?;
        let score_key = format!("{key}.score");
        let Some(score) = &e.value.score else {
            return Err(self.doc.invalid(span, key, "missing required key `score`"));
        };
        self.record(&score_key, score);
        let message = match shared_message {
            Some(m) => m.to_owned(),
            None => {
                let message_key = format!("{key}.message");
                let m = self.text(&message_key, e.value.message.as_ref()).unwrap_or_default();
                if e.value.message.is_some() {
                    self.keys.messages.push((message_key, m.clone()));
                }
                m
            }
        };
        self.keys.entities.push(EntityKeys {
            field: format!("{key}.field"),
            score: score_key,
        });
        Ok(RiskEntity {
            field,
            kind,
            score: score.value,
            message,
            origin,
        })
    }

    fn threat(&mut self, key: &str, t: &Spanned<RawThreat>) -> Result<ThreatObject, LoadError> {
        self.record(key, t);
        let span = self.doc.span(t);
        let field = self.nested_required(key, span, "field", t.value.field.as_ref())?;
        let kind = self.nested_required(key, span, "type", t.value.kind.as_ref())?;
        self.keys.threats.push(format!("{key}.field"));
        Ok(ThreatObject { field, kind })
    }

    fn test(&mut self, key: &str, t: &Spanned<RawTest>, manual: bool) -> Result<RuleTest, LoadError> {
        self.record(key, t);
        let kind_key = format!("{key}.test_type");
        let kind = match self.text(&kind_key, t.value.test_type.as_ref()) {
            None => TestKind::Unit,
            Some(k) => match k.as_str() {
                "unit" => TestKind::Unit,
                "experimental" => TestKind::Experimental,
                "manual" => TestKind::Manual,
                _ => {
                    let at = self.spans.get(&kind_key).unwrap_or_else(|| self.doc.span(t));
                    return Err(self.doc.invalid(
                        at,
                        kind_key,
                        format!("`{k}` is not one of unit, experimental, manual"),
                    ));
                }
            },
        };
        let kind = if manual { TestKind::Manual } else { kind };
        let mut attack_data = Vec::new();
        for (i, a) in t.value.attack_data.iter().flatten().enumerate() {
            let akey = format!("{key}.attack_data[{i}]");
            self.record(&akey, a);
            let r = &a.value;
            let index = if r.index.is_some() {
                self.text(&format!("{akey}.index"), r.index.as_ref())
            } else {
                self.text(&format!("{akey}.custom_index"), r.custom_index.as_ref())
            };
            attack_data.push(AttackData {
                data: self.text(&format!("{akey}.data"), r.data.as_ref()).unwrap_or_default(),
                source: self
                    .text(&format!("{akey}.source"), r.source.as_ref())
                    .unwrap_or_default(),
                sourcetype: self
                    .text(&format!("{akey}.sourcetype"), r.sourcetype.as_ref())
                    .unwrap_or_default(),
                index,
                host: self.text(&format!("{akey}.host"), r.host.as_ref()),
                update_timestamp: r.update_timestamp.unwrap_or(false),
            });
        }
        let expected_results = t.value.expected_results.as_ref().map(|v| {
            self.record(&format!("{key}.expected_results"), v);
            v.value
        });
        Ok(RuleTest {
            name: self
                .text(&format!("{key}.name"), t.value.name.as_ref())
                .unwrap_or_default(),
            kind,
            attack_data,
            expected_results,
            description: self.text(&format!("{key}.description"), t.value.description.as_ref()),
        })
    }
}

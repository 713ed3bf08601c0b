//! Tripline's content model: detections, stories, macros, lookups, and the findings they raise.
//!
//! **Rules.** [`load_detection`] reads one detection YAML file in any of security_content's three
//! formats ([`Format`]: the 2024 `tags:` block, the 2025 `rba:` block, the 2026 `finding` /
//! `intermediate_findings` layout) into one [`Detection`]: its [`RiskEntity`]s, [`FindingSpec`],
//! [`ThreatObject`]s and [`RuleTest`]s, with byte spans of its values ([`Detection::span`]).
//! [`validate`] checks it further and returns [`Problem`]s with stable [`RuleCode`]s
//! (`RULE0001`…). [`load_story`] and [`load_lookup_yaml`] read [`Story`] and [`LookupFile`]
//! definitions.
//!
//! **Sets of rules.** [`load_content`] loads files, directories and security_content checkouts
//! into a [`ContentLoad`] (detections, stories, a macro table, a lookup registry for the engine)
//! with partial success; [`builtin_content`] does the same for the embedded pack
//! ([`BUILTIN_FILES`]).
//!
//! **Findings.** [`Finding::new`] turns a detection and one result row into a [`Finding`]: risk
//! and threat objects, message, severity ([`FindingSeverity`]), ATT&CK techniques from the
//! embedded table ([`technique`]), and a deterministic id. `docs/findings.md` is its JSON schema.
//!
//! **Running.** A [`RuleSet`] compiles many detections and runs them over one stream of events
//! in a single pass, giving a [`RuleOutcome`] (rows and findings) per rule and setting aside
//! the detections that cannot run ([`Skipped`]).
//!
//! **Testing.** [`test_plan`] says which of a detection's `tests:` run (contentctl's rules),
//! [`resolve_data`] where their datasets are, and [`judge`] gives each a [`Verdict`] from the rows
//! its search returned.
//!
//! **Searches and files.** [`discover`] finds the `.yml`/`.yaml`/`.spl` files under the paths a
//! user names, and [`macro_dirs_for`] finds the `macros/` directories that belong with them.
//! [`searches_from_yaml`] reads a detection's top-level `search:` into a [`SearchSource`], and
//! [`search_from_spl_file`] takes a whole `.spl` file as one. A `SearchSource` keeps an
//! [`OffsetMap`] from byte offsets in the search text (where SPL diagnostics point) to byte
//! offsets in the file, for every YAML scalar style, and a [`LineIndex`] to turn those into
//! [`LineCol`]s. [`load_macro_yaml`] reads one security_content macro file, and [`load_macros`]
//! fills a [`MacroTable`](tripline_spl::MacroTable) from macro YAML files, `macros.conf` files and
//! directories, reporting bad files in a [`MacroLoad`] without stopping.
//!
//! Every failure is a [`LoadError`] carrying its path and, where known, line and column.

mod builtin;
mod content;
mod detection;
mod discover;
mod error;
mod finding;
mod lines;
mod lookup_files;
mod macro_files;
mod mitre;
mod offsets;
mod rule_file;
mod run;
mod scalar;
mod search;
mod story;
mod testing;
mod tokens;
mod typed;
mod validate;
pub mod window;
mod yaml;

pub use builtin::{BUILTIN_FILES, builtin_macros};
pub use content::{ContentLoad, builtin_content, load_content};
pub use detection::{
    AttackData, Detection, DetectionKind, Drilldown, EntityKind, EntityOrigin, FindingSeverity, FindingSpec, Format,
    LegacyScoring, RiskEntity, RuleTest, Status, TestKind, ThreatObject,
};
pub use discover::{Discovery, discover, macro_dirs_for};
pub use error::LoadError;
pub use finding::{
    Fields, Finding, MISSING_TOKEN_VALUE, MitreTechnique, RiskObject, RuleRef, ThreatObjectValue, rfc3339,
};
pub use lines::{LineCol, LineIndex};
pub use lookup_files::{LookupFile, load_lookup_yaml};
pub use macro_files::{MacroLoad, load_macro_yaml, load_macros};
pub use mitre::{Tactic, Technique, technique};
pub use offsets::OffsetMap;
pub use rule_file::load_detection;
pub use run::{Prefilter, RuleOutcome, RuleSet, Selection, Skipped};
pub use search::{SearchSource, search_from_spl_file, searches_from_yaml};
pub use story::{Story, load_story};
pub use testing::{DEFAULT_TEST_HOST, DEFAULT_TEST_INDEX, Verdict, judge, resolve_data, test_plan};
pub use validate::{Problem, RuleCode, validate};

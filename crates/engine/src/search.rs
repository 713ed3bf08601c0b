//! The `search` command's predicate, compiled from the AST.
//!
//! Semantics (spl-semantics.md §3.3): field values compare case-insensitively and as whole values
//! (`*` is a wildcard over the whole value); `!=` needs the field to exist; `NOT` keeps events
//! without the field; a multivalue field matches `=` when any value does; bare terms and quoted
//! phrases match `_raw` on segment boundaries.

use std::net::IpAddr;

use regex::Regex;
use tripline_spl::ast::{CompareOp, Directive, SearchExpr, SearchValue};
use tripline_spl::timespec::TimeSpec;

use crate::CompileError;
use crate::expr::EvalContext;
use crate::row::{RAW, Row, TIME};
use crate::value::{Text, parse_number};

/// A compiled search predicate.
#[derive(Clone, Debug)]
pub enum Predicate {
    /// Always this answer (`search *` is `True`).
    Const(bool),
    /// All must hold.
    And(Vec<Predicate>),
    /// Any must hold.
    Or(Vec<Predicate>),
    /// Must not hold.
    Not(Box<Predicate>),
    /// `field=value` (any value of the field matches).
    Eq(Text, ValueMatcher),
    /// `field!=value`: the field exists and some value does not match.
    Ne(Text, ValueMatcher),
    /// `field<value` and friends: numeric when both sides are numbers, else by text.
    Order(Text, CompareOp, Text),
    /// `field IN (...)`.
    In(Text, Vec<ValueMatcher>),
    /// A bare term or phrase matched against `_raw`.
    Raw(RawMatcher),
    /// A time bound from `earliest=`/`latest=`: `_time >= t` (earliest) or `_time < t` (latest).
    Time {
        /// Lower bound (inclusive) when true, upper bound (exclusive) when false.
        lower: bool,
        /// The bound, in epoch seconds.
        at: f64,
    },
}

/// Matches one field value: `*` (any), a CIDR block, or a case-insensitive wildcard pattern.
#[derive(Clone, Debug)]
pub enum ValueMatcher {
    /// `field=*`: any value.
    Any,
    /// A plain value, lowercased: exact case-insensitive equality.
    Exact(Text),
    /// A pattern with `*` wildcards, anchored at both ends, case-insensitive (and the pattern as
    /// written, lowercased).
    Wildcard(Regex, Text),
    /// `ip=10.0.0.0/8`: a CIDR block (values that are not addresses fall back to text equality).
    Cidr(IpAddr, u8, Text),
}

/// Matches a term or phrase against `_raw` on segment boundaries.
#[derive(Clone, Debug)]
pub struct RawMatcher {
    regex: Regex,
    /// The term as written, for messages and the prefilter.
    pub text: Text,
}

impl Predicate {
    /// Compile a search expression. Time modifiers are resolved against `ctx.now`.
    ///
    /// # Errors
    /// Constructs Tripline cannot evaluate (subsearches inside a search).
    pub fn compile(e: &SearchExpr, ctx: &EvalContext) -> Result<Predicate, CompileError> {
        Ok(match e {
            SearchExpr::And { items, .. } => Predicate::And(
                items
                    .iter()
                    .map(|i| Predicate::compile(i, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            SearchExpr::Or { items, .. } => Predicate::Or(
                items
                    .iter()
                    .map(|i| Predicate::compile(i, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            SearchExpr::Not { expr, .. } => Predicate::Not(Box::new(Predicate::compile(expr, ctx)?)),
            SearchExpr::Group { expr, .. } => Predicate::compile(expr, ctx)?,
            SearchExpr::Compare { field, op, value, .. } => {
                let name = Text::from(field.name.as_str());
                match op {
                    CompareOp::Eq => Predicate::Eq(name, ValueMatcher::new(&value.text)),
                    // `field!=*` never matches ([DOC] "fieldA!=* never returns any events").
                    CompareOp::Ne if value.text == "*" => Predicate::Const(false),
                    CompareOp::Ne => Predicate::Ne(name, ValueMatcher::new(&value.text)),
                    other => Predicate::Order(name, *other, Text::from(value.text.as_str())),
                }
            }
            SearchExpr::In { field, values, .. } => Predicate::In(
                Text::from(field.name.as_str()),
                values.iter().map(|v| ValueMatcher::new(&v.text)).collect(),
            ),
            SearchExpr::Term(v) => raw_term(v, false, true),
            SearchExpr::Directive { kind, value, .. } => match kind {
                Directive::Case => raw_term(value, true, true),
                Directive::Term => raw_term(value, false, false),
            },
            SearchExpr::TimeModifier { name, value, span } => {
                let spec = TimeSpec::parse(&value.text).map_err(|m| CompileError::new(*span, m))?;
                let at = crate::time::relative_time(ctx.now, &spec, &ctx.tz)
                    .ok_or_else(|| CompileError::new(*span, "time out of range"))?;
                match name.name.as_str() {
                    "earliest" | "_index_earliest" => Predicate::Time { lower: true, at },
                    _ => Predicate::Time { lower: false, at },
                }
            }
            SearchExpr::Subsearch { span, .. } => {
                return Err(CompileError::new(
                    *span,
                    "subsearches inside a search are not supported by Tripline",
                ));
            }
        })
    }

    /// Whether a row satisfies the predicate.
    #[must_use]
    pub fn matches(&self, row: &Row) -> bool {
        match self {
            Predicate::Const(b) => *b,
            Predicate::And(items) => items.iter().all(|p| p.matches(row)),
            Predicate::Or(items) => items.iter().any(|p| p.matches(row)),
            Predicate::Not(p) => !p.matches(row),
            Predicate::Eq(f, m) => row.get(f).is_some_and(|v| v.any_text(|s| m.matches(s))),
            Predicate::Ne(f, m) => row.get(f).is_some_and(|v| v.any_text(|s| !m.matches(s))),
            Predicate::Order(f, op, rhs) => row.get(f).is_some_and(|v| v.any_text(|s| order(s, *op, rhs))),
            Predicate::In(f, ms) => row
                .get(f)
                .is_some_and(|v| v.any_text(|s| ms.iter().any(|m| m.matches(s)))),
            Predicate::Raw(m) => row.get(RAW).is_some_and(|v| v.any_text(|s| m.regex.is_match(s))),
            Predicate::Time { lower, at } => row.time().is_some_and(|t| if *lower { t >= *at } else { t < *at }),
        }
    }

    /// Literals every matching event's text must contain, as clauses that must all hold, each
    /// satisfied when any one of its literals occurs (compared case-insensitively). An empty list
    /// means no requirement. This is what a prefilter can check on raw lines before parsing.
    ///
    /// Only literals that appear verbatim in JSON text are used: ASCII, at least three
    /// characters, without `"`, `\`, `/` or control characters (which JSON may escape). Default
    /// fields (`source`, `sourcetype`, `host`, `index`) are not in the event text and give none.
    /// A consumer must still pass lines containing `\u` escapes to the full parser: an escaped
    /// character could spell a literal without the literal appearing.
    #[must_use]
    pub fn required_literals(&self) -> Vec<Vec<Text>> {
        match self {
            Predicate::And(items) => items.iter().flat_map(Predicate::required_literals).collect(),
            Predicate::Or(items) => {
                // Each alternative that holds satisfies one of its own clauses, so the first clause
                // of every alternative, together, is a clause the whole OR needs.
                let mut union = Vec::new();
                for item in items {
                    match item.required_literals().into_iter().next() {
                        Some(clause) => union.extend(clause),
                        None => return Vec::new(),
                    }
                }
                vec![union]
            }
            Predicate::Eq(field, m) if !is_default_field(field) => {
                m.literal().map(|l| vec![vec![l]]).unwrap_or_default()
            }
            Predicate::In(field, ms) if !is_default_field(field) => {
                let lits: Option<Vec<Text>> = ms.iter().map(ValueMatcher::literal).collect();
                lits.map(|l| vec![l]).unwrap_or_default()
            }
            Predicate::Raw(m) => literal_of(&m.text).map(|l| vec![vec![l]]).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// The values one of the event's metadata fields (`source`, `sourcetype`, `host`, `index`)
    /// must have for the predicate to hold — lowercased, compared without regard to case — or
    /// `None` when the predicate does not pin it to a list of plain values. Known before an event
    /// is parsed, so an event whose metadata no rule accepts need not even be scanned.
    #[must_use]
    pub fn required_values(&self, field: &str) -> Option<Vec<Text>> {
        match self {
            // Every conjunct must hold: any one that pins the field is a necessary condition.
            Predicate::And(items) => items.iter().find_map(|p| p.required_values(field)),
            // One alternative holds: the union, if every alternative pins the field.
            Predicate::Or(items) => {
                let mut union = Vec::new();
                for item in items {
                    union.extend(item.required_values(field)?);
                }
                Some(union)
            }
            Predicate::Eq(f, ValueMatcher::Exact(v)) if f == field => Some(vec![v.clone()]),
            Predicate::In(f, ms) if f == field => ms
                .iter()
                .map(|m| match m {
                    ValueMatcher::Exact(v) => Some(v.clone()),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    /// Every field the predicate reads (`_raw` for terms, `_time` for time bounds).
    pub fn fields(&self, out: &mut Vec<Text>) {
        match self {
            Predicate::Const(_) => {}
            Predicate::And(items) | Predicate::Or(items) => items.iter().for_each(|p| p.fields(out)),
            Predicate::Not(p) => p.fields(out),
            Predicate::Eq(f, _) | Predicate::Ne(f, _) | Predicate::Order(f, _, _) | Predicate::In(f, _) => {
                out.push(f.clone());
            }
            Predicate::Raw(_) => out.push(Text::from(RAW)),
            Predicate::Time { .. } => out.push(Text::from(TIME)),
        }
    }
}

impl ValueMatcher {
    /// Compile a value as written after `=` (quotes already removed).
    #[must_use]
    pub fn new(text: &str) -> ValueMatcher {
        if text == "*" {
            return ValueMatcher::Any;
        }
        if let Some((ip, bits)) = parse_cidr(text) {
            return ValueMatcher::Cidr(ip, bits, Text::from(text.to_lowercase()));
        }
        if text.contains('*') {
            let mut re = String::from("(?is)^");
            for (i, part) in text.split('*').enumerate() {
                if i > 0 {
                    re.push_str(".*");
                }
                re.push_str(&regex::escape(part));
            }
            re.push('$');
            if let Ok(r) = Regex::new(&re) {
                return ValueMatcher::Wildcard(r, Text::from(text.to_lowercase()));
            }
        }
        ValueMatcher::Exact(Text::from(text.to_lowercase()))
    }

    /// The literal any matching value contains (see [`Predicate::required_literals`]).
    #[must_use]
    pub fn literal(&self) -> Option<Text> {
        match self {
            ValueMatcher::Exact(lower) => literal_of(lower),
            ValueMatcher::Wildcard(_, pattern) => literal_of(pattern),
            ValueMatcher::Any | ValueMatcher::Cidr(..) => None,
        }
    }

    /// Whether one value matches.
    #[must_use]
    pub fn matches(&self, value: &str) -> bool {
        match self {
            ValueMatcher::Any => true,
            ValueMatcher::Exact(lower) => eq_ignore_case(value, lower),
            ValueMatcher::Wildcard(re, _) => re.is_match(value),
            ValueMatcher::Cidr(net, bits, lower) => match value.parse::<IpAddr>() {
                Ok(ip) => in_cidr(ip, *net, *bits),
                Err(_) => eq_ignore_case(value, lower),
            },
        }
    }
}

/// Case-insensitive equality against an already lowercased string.
fn eq_ignore_case(value: &str, lower: &str) -> bool {
    if value.is_ascii() {
        value.eq_ignore_ascii_case(lower)
    } else {
        value.to_lowercase() == lower
    }
}

fn is_default_field(name: &str) -> bool {
    matches!(
        name,
        "source" | "sourcetype" | "host" | "index" | "_time" | "_raw" | "splunk_server" | "linecount"
    )
}

/// The longest `*`-free piece of `text`, lowercased, if it is safe to look for in JSON text.
fn literal_of(text: &str) -> Option<Text> {
    let longest = text.split('*').max_by_key(|p| p.len())?;
    let safe = longest.len() >= 3
        && longest
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_control() && !matches!(b, b'"' | b'\\' | b'/'));
    safe.then(|| Text::from(longest.to_ascii_lowercase()))
}

fn order(s: &str, op: CompareOp, rhs: &str) -> bool {
    // [DOC] search: "< > <= >= numerically compare two numbers and lexicographically compare
    // other values".
    let ord = match (parse_number(s), parse_number(rhs)) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        _ => Some(s.cmp(rhs)),
    };
    ord.is_some_and(|o| match op {
        CompareOp::Lt => o.is_lt(),
        CompareOp::Le => o.is_le(),
        CompareOp::Gt => o.is_gt(),
        CompareOp::Ge => o.is_ge(),
        CompareOp::Eq => o.is_eq(),
        CompareOp::Ne => o.is_ne(),
    })
}

/// Characters that separate segments in `_raw`: Splunk's default major and minor breakers
/// (segmenters.conf).
const BREAKERS: &str = r#" \t\r\n\[\]<>(){}|!;,'"*&?+/:=@.\-$#%\\_"#;

/// Major breakers only, for `TERM()`.
const MAJOR_BREAKERS: &str = r#" \t\r\n\[\]<>(){}|!;,'"*&?+"#;

fn raw_term(v: &SearchValue, case_sensitive: bool, minor: bool) -> Predicate {
    if v.text.trim_matches('*').is_empty() {
        // `*` alone matches every result, with or without `_raw` (the `search *` filter macro).
        return Predicate::Const(true);
    }
    let breakers = if minor { BREAKERS } else { MAJOR_BREAKERS };
    let mut re = String::new();
    if !case_sensitive {
        re.push_str("(?i)");
    }
    re.push_str("(?s)");
    let leading_wild = v.text.starts_with('*');
    let trailing_wild = v.text.ends_with('*');
    if !leading_wild {
        re.push_str(&format!("(?:^|[{breakers}])"));
    }
    let parts: Vec<&str> = v.text.split('*').filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            re.push_str(".*?");
        }
        re.push_str(&regex::escape(part));
    }
    if !trailing_wild {
        re.push_str(&format!("(?:$|[{breakers}])"));
    }
    match Regex::new(&re) {
        Ok(regex) => Predicate::Raw(RawMatcher {
            regex,
            text: Text::from(v.text.as_str()),
        }),
        Err(_) => Predicate::Const(false),
    }
}

fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = s.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

/// Whether `ip` lies in `net/bits`.
#[must_use]
pub fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            (u32::from(a) & mask) == (u32::from(b) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            (u128::from(a) & mask) == (u128::from(b) & mask)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tripline_spl::ast::CommandKind;

    fn pred(spl: &str) -> Predicate {
        let out = tripline_spl::parse(spl);
        assert!(!out.has_errors(), "{:?}", out.diagnostics);
        let CommandKind::Search(Some(e)) = &out.query.pipeline.commands[0].kind else {
            panic!("not a search")
        };
        Predicate::compile(e, &EvalContext::default()).unwrap()
    }

    fn row(fields: &[(&str, &str)]) -> Row {
        let mut r = Row::new();
        for (k, v) in fields {
            for part in v.split('|') {
                r.push_value(k, part);
            }
        }
        r
    }

    #[test]
    fn values_are_case_insensitive_and_whole() {
        let p = pred("verb=create");
        assert!(p.matches(&row(&[("verb", "Create")])));
        assert!(!p.matches(&row(&[("verb", "created")])));
        assert!(!p.matches(&row(&[])));
        // "1" does not match "1.0": = compares strings.
        assert!(!pred("code=1").matches(&row(&[("code", "1.0")])));
    }

    #[test]
    fn or_binds_tighter_than_and() {
        let p = pred("objectRef.resource=pods verb=create OR verb=update");
        assert!(p.matches(&row(&[("objectRef.resource", "pods"), ("verb", "update")])));
        assert!(!p.matches(&row(&[("objectRef.resource", "secrets"), ("verb", "update")])));
    }

    #[test]
    fn not_and_ne_differ_on_missing_fields() {
        assert!(pred("NOT Country=\"United States\"").matches(&row(&[])));
        assert!(!pred("Country!=\"United States\"").matches(&row(&[])));
        assert!(pred("Country!=\"United States\"").matches(&row(&[("Country", "France")])));
        assert!(!pred("a!=*").matches(&row(&[("a", "x")])));
        assert!(pred("NOT a=*").matches(&row(&[])));
    }

    #[test]
    fn multivalue_any_value() {
        let r = row(&[("user.groups{}", "system:authenticated|system:unauthenticated")]);
        assert!(pred("\"user.groups{}\"=\"system:unauthenticated\"").matches(&r));
        assert!(!pred("NOT user.groups{}=system:unauthenticated").matches(&r));
        // != is true when some value differs (spl-semantics.md §3.9 item 2).
        assert!(pred("user.groups{}!=system:unauthenticated").matches(&r));
        assert!(pred("user.groups{} IN (admin, \"system:unauth*\")").matches(&r));
    }

    #[test]
    fn wildcards_and_escapes() {
        let r = row(&[(
            "a",
            r#"{"spec":{"containers":[{"securityContext":{"privileged":true}}]}}"#,
        )]);
        assert!(pred(r#"a=*\"privileged\":true*"#).matches(&r));
        assert!(!pred(r#"a=*\"hostNetwork\":true*"#).matches(&r));
        assert!(pred("m=\"Pulling image*\"").matches(&row(&[("m", "pulling image \"x\"")])));
    }

    #[test]
    fn numeric_order() {
        assert!(pred("count>5").matches(&row(&[("count", "10")])));
        assert!(!pred("count>5").matches(&row(&[("count", "3")])));
        // Non-numbers compare as text.
        assert!(pred("name>b").matches(&row(&[("name", "c")])));
    }

    #[test]
    fn terms_match_segments() {
        let r = row(&[(RAW, r#"{"user":{"username":"system:anonymous"},"eventName":"ASIAXYZ"}"#)]);
        assert!(pred("anonymous").matches(&r));
        assert!(pred("system:anonymous").matches(&r));
        assert!(pred("\"SYSTEM:ANONYMOUS\"").matches(&r));
        assert!(!pred("ASIA").matches(&r));
        assert!(pred("ASIA*").matches(&r));
        assert!(!pred("anon").matches(&r));
        // Without _raw (after stats) a term matches nothing, but `*` matches everything.
        assert!(!pred("anonymous").matches(&row(&[("count", "1")])));
        assert!(pred("*").matches(&row(&[("count", "1")])));
    }

    #[test]
    fn required_values_of_metadata() {
        let vals = |spl: &str, field: &str| -> Option<Vec<String>> {
            pred(spl)
                .required_values(field)
                .map(|v| v.into_iter().map(|t| t.to_string()).collect())
        };
        assert_eq!(
            vals("sourcetype=\"Google:GCP:PubSub:Message\" data.x=1", "sourcetype"),
            Some(vec!["google:gcp:pubsub:message".to_owned()])
        );
        assert_eq!(
            vals("(sourcetype=a x=1) OR sourcetype IN (b, c)", "sourcetype"),
            Some(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()])
        );
        assert_eq!(vals("source=kubernetes verb=get", "sourcetype"), None);
        // Not pinned: a wildcard, a negation, an alternative without it.
        assert_eq!(vals("sourcetype=aws:*", "sourcetype"), None);
        assert_eq!(vals("NOT sourcetype=a", "sourcetype"), None);
        assert_eq!(vals("sourcetype=a OR verb=get", "sourcetype"), None);
    }

    #[test]
    fn required_literals() {
        let lits = |spl: &str| -> Vec<Vec<String>> {
            pred(spl)
                .required_literals()
                .into_iter()
                .map(|c| c.into_iter().map(|t| t.to_string()).collect())
                .collect()
        };
        assert_eq!(
            lits("source=kubernetes \"user.groups{}\"=\"system:unauthenticated\" \"responseStatus.code\"=403"),
            [vec!["system:unauthenticated".to_string()], vec!["403".to_string()]]
        );
        assert_eq!(
            lits("verb=create OR verb=update resource=pods"),
            [
                vec!["create".to_string(), "update".to_string()],
                vec!["pods".to_string()]
            ]
        );
        assert_eq!(
            lits("m IN (\"Pulling image *kube-hunter*\", \"*kube-bench*\")"),
            [vec!["pulling image ".to_string(), "kube-bench".to_string()]]
        );
        // No literal: NOT, !=, wildcards without a long piece, escapes, paths (JSON may write \/).
        assert!(lits("NOT verb=list").is_empty());
        assert!(lits("verb=create OR NOT x=y").is_empty());
        assert!(lits("uri=/api/v1/pods").is_empty());
        assert!(
            lits("a=*\\\"privileged\\\":true*").is_empty() || lits("a=*\\\"privileged\\\":true*")[0][0] == "privileged"
        );
        assert_eq!(lits("ASIA*"), [vec!["asia".to_string()]]);
    }

    #[test]
    fn cidr() {
        assert!(pred("src=10.0.0.0/8").matches(&row(&[("src", "10.1.2.3")])));
        assert!(!pred("src=10.0.0.0/8").matches(&row(&[("src", "11.1.2.3")])));
        assert!(pred("src=2001:db8::/32").matches(&row(&[("src", "2001:db8::1")])));
    }
}

//! `convert [timeformat=f] fn(field) [AS new] ...`: convert field values with one of ten functions.
//!
//! Without `AS` a field is converted in place; `fn(*Time)` converts every matching field, and
//! `fn(*Time) AS *_text` names each output after the part the `*` matched. Conversions run left
//! to right.
//!
//! Functions ([DOC] convert):
//! - `ctime(x)`: epoch seconds to text with `timeformat` (default `%m/%d/%Y %H:%M:%S`, [DOC])
//!   in the `EvalContext`'s time zone (UTC unless configured; [INFER] Splunk uses the search
//!   user's zone). Sub-seconds are dropped unless the format asks for them (`%3Q`).
//! - `mktime(x)`: text in `timeformat` to epoch seconds (times without a zone are read in the
//!   context's zone).
//! - `dur2sec(x)`: `[D+]HH:MM:SS` to seconds (`1+02:00:30` is 93630).
//! - `mstime(x)`: `[MM:]SS.SSS` to seconds (`01:30.5` is 90.5).
//! - `memk(x)`: a positive number with an optional `k`, `m` or `g` suffix to kilobytes ([DOC] "If
//!   no letter is specified, kilobytes is assumed"): `2m` is 2048.
//! - `rmcomma(x)`: removes every comma (`1,000,000.00` becomes `1000000.00`).
//! - `rmunit(x)`: keeps the number at the start of the value (`32k` becomes `32`).
//! - `auto(x)`: the first of these that applies: a plain number, a number with thousands commas,
//!   `dur2sec`, `mstime` [INFER: the order is not documented]. Per [DOC] ("if not all values of a
//!   particular field can be converted ... the field is left untouched") a multivalue field is
//!   converted only when every value can be (judged per result, not across the result set).
//! - `num(x)`: like `auto`, but values that cannot be converted are removed ([DOC]); a field left
//!   with no values is removed.
//! - `none(x)`: the fields it matches are skipped by the wildcard conversions of the same
//!   command ([DOC] "In the presence of other wildcards, indicates that the matching fields
//!   should not be converted").
//!
//! A value a function cannot convert is left unchanged [INFER]: non-numeric input to `ctime`
//! stays as it is, and with `AS` the new field gets the unchanged value. Each value of a
//! multivalue field is converted separately. A missing field is skipped.
//!
//! `security_content_ctime(field)` expands to `convert timeformat="%Y-%m-%dT%H:%M:%S"
//! ctime(field)`, which turns `1701960293.9` into `2023-12-07T14:44:53`.
//!
//! Examples (run as tests below):
//! - `convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime)`
//! - `convert ctime(lastTime) AS last_seen`
//! - `convert dur2sec(duration) memk(mem) rmcomma(total) rmunit(size)`
//! - `convert auto(*) none(id)`
//! - `convert num(code) mktime(when) mstime(lap)`

use std::any::Any;

use regex::Regex;
use tripline_spl::ast::ConvertCommand;

use super::{Operator, option};
use crate::CompileError;
use crate::expr::EvalContext;
use crate::needs::Needs;
use crate::row::Row;
use crate::time::{strftime, strptime};
use crate::value::{Text, Value, format_number, parse_number};

/// [DOC] "Default: %m/%d/%Y %H:%M:%S".
const DEFAULT_TIMEFORMAT: &str = "%m/%d/%Y %H:%M:%S";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Func {
    Auto,
    Ctime,
    Dur2sec,
    Memk,
    Mktime,
    Mstime,
    None,
    Num,
    Rmcomma,
    Rmunit,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        Some(match name.to_ascii_lowercase().as_str() {
            "auto" => Func::Auto,
            "ctime" => Func::Ctime,
            "dur2sec" => Func::Dur2sec,
            "memk" => Func::Memk,
            "mktime" => Func::Mktime,
            "mstime" => Func::Mstime,
            "none" => Func::None,
            "num" => Func::Num,
            "rmcomma" => Func::Rmcomma,
            "rmunit" => Func::Rmunit,
            _ => return None,
        })
    }
}

/// A field name, or a pattern with one capture per `*`.
#[derive(Clone, Debug)]
enum Source {
    Name(Text),
    Pattern(Text, Regex),
}

impl Source {
    fn new(name: &str) -> Result<Source, String> {
        if !name.contains('*') {
            return Ok(Source::Name(Text::from(name)));
        }
        let mut re = String::from("(?s)^");
        for (i, part) in name.split('*').enumerate() {
            if i > 0 {
                re.push_str("(.*)");
            }
            re.push_str(&regex::escape(part));
        }
        re.push('$');
        Regex::new(&re)
            .map(|r| Source::Pattern(Text::from(name), r))
            .map_err(|e| e.to_string())
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Source::Name(n) => n == name,
            Source::Pattern(_, re) => re.is_match(name),
        }
    }
}

/// An output name, split at its `*`s when it has any.
#[derive(Clone, Debug)]
enum Target {
    Name(Text),
    Pattern(Vec<Text>),
}

#[derive(Clone, Debug)]
struct Conversion {
    func: Func,
    source: Source,
    target: Option<Target>,
}

/// The compiled `convert` command.
#[derive(Clone, Debug)]
pub(crate) struct Convert {
    timeformat: Text,
    conversions: Vec<Conversion>,
    /// The `none()` fields.
    excluded: Vec<Source>,
}

pub(crate) fn compile(c: &ConvertCommand) -> Result<Box<dyn Operator>, CompileError> {
    let timeformat = option(&c.options, "timeformat").map_or_else(
        || Text::from(DEFAULT_TIMEFORMAT),
        |o| Text::from(o.value.value.as_str()),
    );
    let mut conversions = Vec::with_capacity(c.conversions.len());
    let mut excluded = Vec::new();
    for conv in &c.conversions {
        let func = Func::from_name(&conv.function.name).ok_or_else(|| {
            CompileError::new(
                conv.function.span,
                format!("unknown convert function `{}`", conv.function.name),
            )
        })?;
        let source = Source::new(&conv.field.name).map_err(|m| CompileError::new(conv.field.span, m))?;
        if func == Func::None {
            excluded.push(source);
            continue;
        }
        let target = match &conv.alias {
            None => None,
            Some(a) if !a.is_wildcard() => Some(Target::Name(Text::from(a.name.as_str()))),
            Some(a) => {
                if a.name.matches('*').count() != conv.field.name.matches('*').count() {
                    return Err(CompileError::new(
                        a.span,
                        "the field and its AS name need the same number of `*`",
                    ));
                }
                Some(Target::Pattern(a.name.split('*').map(Text::from).collect()))
            }
        };
        conversions.push(Conversion { func, source, target });
    }
    Ok(Box::new(Convert {
        timeformat,
        conversions,
        excluded,
    }))
}

/// A converted value.
enum Out {
    Text(Text),
    Num(f64),
}

impl Out {
    fn into_text(self) -> Text {
        match self {
            Out::Text(t) => t,
            Out::Num(n) => format_number(n),
        }
    }

    fn into_value(self) -> Value {
        match self {
            Out::Text(t) => Value::Str(t),
            Out::Num(n) => Value::Num(n),
        }
    }
}

/// `[D+]HH:MM:SS` to seconds.
fn dur2sec(s: &str) -> Option<f64> {
    let (days, clock) = match s.trim().split_once('+') {
        Some((d, rest)) => (d.parse::<u64>().ok()? as f64, rest),
        None => (0.0, s.trim()),
    };
    let mut parts = clock.split(':');
    let (h, m, sec) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let h = h.parse::<u64>().ok()? as f64;
    let m = m.parse::<u64>().ok()? as f64;
    let sec = parse_number(sec).filter(|x| *x >= 0.0)?;
    Some(days * 86_400.0 + h * 3600.0 + m * 60.0 + sec)
}

/// `[MM:]SS.SSS` to seconds.
fn mstime(s: &str) -> Option<f64> {
    let s = s.trim();
    let (minutes, seconds) = match s.split_once(':') {
        Some((m, sec)) => (m.parse::<u64>().ok()? as f64, sec),
        None => (0.0, s),
    };
    let seconds = parse_number(seconds).filter(|x| *x >= 0.0)?;
    Some(minutes * 60.0 + seconds)
}

/// A size with an optional `k`/`m`/`g` suffix, in kilobytes.
fn memk(s: &str) -> Option<f64> {
    let s = s.trim();
    let (number, factor) = match s.chars().last()?.to_ascii_lowercase() {
        'k' => (&s[..s.len() - 1], 1.0),
        'm' => (&s[..s.len() - 1], 1024.0),
        'g' => (&s[..s.len() - 1], 1024.0 * 1024.0),
        _ => (s, 1.0),
    };
    parse_number(number).filter(|x| *x >= 0.0).map(|x| x * factor)
}

/// The number at the start of `s`, as written.
fn leading_number(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - digits_start;
    if i < b.len() && b[i] == b'.' {
        let frac_start = i + 1;
        let mut j = frac_start;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > frac_start || digits > 0 {
            digits += j - frac_start;
            i = j;
        }
    }
    (digits > 0).then(|| &s[..i]).filter(|n| parse_number(n).is_some())
}

/// `auto`: a number, a number with thousands commas, a duration, a minutes:seconds time.
fn auto(s: &str) -> Option<f64> {
    parse_number(s)
        .or_else(|| s.contains(',').then(|| parse_number(&s.replace(',', ""))).flatten())
        .or_else(|| dur2sec(s))
        .or_else(|| s.contains(':').then(|| mstime(s)).flatten())
}

impl Convert {
    fn convert_one(&self, func: Func, text: &str, num: Option<f64>, ctx: &EvalContext) -> Option<Out> {
        match func {
            Func::Ctime => {
                let n = num.or_else(|| parse_number(text))?;
                strftime(n, &self.timeformat, &ctx.tz).map(Out::Text)
            }
            Func::Mktime => strptime(text, &self.timeformat, &ctx.tz).map(Out::Num),
            Func::Dur2sec => dur2sec(text).map(Out::Num),
            Func::Mstime => mstime(text).map(Out::Num),
            Func::Memk => memk(text).map(Out::Num),
            Func::Rmcomma => Some(Out::Text(Text::from(text.replace(',', "")))),
            Func::Rmunit => leading_number(text).map(|n| Out::Text(Text::from(n))),
            Func::Auto | Func::Num => num.or_else(|| auto(text)).map(Out::Num),
            Func::None => None,
        }
    }

    /// The converted value; `None` removes the field (`num` with nothing convertible).
    fn convert(&self, func: Func, v: &Value, ctx: &EvalContext) -> Option<Value> {
        match v {
            Value::Multi(values) => {
                let converted: Vec<Option<Text>> = values
                    .iter()
                    .map(|s| self.convert_one(func, s, None, ctx).map(Out::into_text))
                    .collect();
                match func {
                    Func::Num => {
                        let kept: Vec<Text> = converted.into_iter().flatten().collect();
                        (!kept.is_empty()).then(|| Value::multi(kept))
                    }
                    Func::Auto if converted.iter().any(Option::is_none) => Some(v.clone()),
                    _ => Some(Value::multi(
                        converted
                            .into_iter()
                            .zip(values)
                            .map(|(c, original)| c.unwrap_or_else(|| original.clone()))
                            .collect(),
                    )),
                }
            }
            single => {
                let num = match single {
                    Value::Num(n) => Some(*n),
                    _ => None,
                };
                match self.convert_one(func, &single.to_text(), num, ctx) {
                    Some(out) => Some(out.into_value()),
                    None if func == Func::Num => None,
                    None => Some(single.clone()),
                }
            }
        }
    }

    /// The fields `c` converts in `row`, with their output names.
    fn targets(&self, c: &Conversion, row: &Row) -> Vec<(Text, Text)> {
        match &c.source {
            Source::Name(name) => {
                if !row.contains(name) {
                    return Vec::new();
                }
                let out = match &c.target {
                    Some(Target::Name(t)) => t.clone(),
                    _ => name.clone(),
                };
                vec![(name.clone(), out)]
            }
            Source::Pattern(_, re) => row
                .names()
                .filter(|name| !self.excluded.iter().any(|x| x.matches(name)))
                .filter_map(|name| {
                    let caps = re.captures(name)?;
                    let out = match &c.target {
                        None => Text::from(name),
                        Some(Target::Name(t)) => t.clone(),
                        Some(Target::Pattern(pieces)) => {
                            let mut out = pieces[0].clone();
                            for (i, piece) in pieces.iter().enumerate().skip(1) {
                                out.push_str(caps.get(i).map_or("", |m| m.as_str()));
                                out.push_str(piece);
                            }
                            out
                        }
                    };
                    Some((Text::from(name), out))
                })
                .collect(),
        }
    }
}

impl Operator for Convert {
    fn push(&mut self, mut row: Row, ctx: &EvalContext, out: &mut Vec<Row>) {
        for c in &self.conversions {
            for (from, to) in self.targets(c, &row) {
                let Some(v) = row.get(&from) else { continue };
                let converted = self.convert(c.func, v, ctx);
                row.set_opt(&to, converted);
            }
        }
        out.push(row);
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        for c in self.conversions.iter().rev() {
            match (&c.source, &c.target) {
                (Source::Name(from), Some(Target::Name(to))) if from != to => {
                    n.remove(to);
                    n.add(from);
                }
                (Source::Name(from), _) => n.add(from),
                (Source::Pattern(p, _), _) => n.add_pattern(p),
            }
        }
        n
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn fresh(&self) -> Box<dyn Operator> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing::{row, rows, run};
    use crate::plan::Plan;
    use tripline_spl::macros::{ExpandOptions, MacroDef, MacroTable, expand};

    #[test]
    fn security_content_ctime_expansion() {
        let mut table = MacroTable::new();
        table.insert(MacroDef::new(
            "security_content_ctime",
            ["field"],
            "convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime($field$)",
        ));
        let text = "search * | stats min(_time) as firstTime max(_time) as lastTime count | `security_content_ctime(firstTime)` | `security_content_ctime(lastTime)`";
        let expansion = expand(text, &table, &ExpandOptions::default());
        assert!(
            expansion
                .text
                .contains("convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime(firstTime)")
        );
        let ctx = EvalContext::default();
        let mut plan = Plan::compile_text(&expansion.text, &ctx).unwrap();
        let mut out = Vec::new();
        for t in ["1701960293.9", "1701963000"] {
            let mut r = Row::new();
            r.set("_time", Value::Num(t.parse().unwrap()));
            plan.push(r, &ctx, &mut out);
        }
        plan.finish(&ctx, &mut out);
        assert_eq!(out[0].get("firstTime"), Some(&Value::str("2023-12-07T14:44:53")));
        assert_eq!(out[0].get("lastTime"), Some(&Value::str("2023-12-07T15:30:00")));
    }

    #[test]
    fn ctime_default_format_alias_and_non_numeric() {
        let input = vec![
            row(&[("lastTime", "1701960293")]),
            row(&[("lastTime", "yesterday")]),
            row(&[("other", "x")]),
        ];
        let got = run("convert ctime(lastTime) AS last_seen | table last_seen", input.clone());
        assert_eq!(
            got,
            rows(&[
                &[("last_seen", "12/07/2023 14:44:53")],
                &[("last_seen", "yesterday")],
                &[]
            ])
        );
        let got = run(
            "convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime(firstTime)",
            vec![row(&[("firstTime", "0")])],
        );
        assert_eq!(got, rows(&[&[("firstTime", "1970-01-01T00:00:00")]]));
    }

    #[test]
    fn ctime_uses_the_context_time_zone() {
        let ctx = EvalContext {
            tz: jiff::tz::TimeZone::fixed(jiff::tz::offset(2)),
            ..EvalContext::default()
        };
        let mut plan = Plan::compile_text("| makeresults | eval t=1701960293 | convert ctime(t)", &ctx).unwrap();
        let mut out = Vec::new();
        plan.finish(&ctx, &mut out);
        assert_eq!(out[0].get("t"), Some(&Value::str("12/07/2023 16:44:53")));
    }

    #[test]
    fn numeric_conversions() {
        let input = vec![row(&[
            ("duration", "1+02:00:30"),
            ("mem", "2m"),
            ("total", "1,000,000.00"),
            ("size", "32k"),
        ])];
        let got = run("convert dur2sec(duration) memk(mem) rmcomma(total) rmunit(size)", input);
        assert_eq!(
            got,
            rows(&[&[
                ("duration", "93630"),
                ("mem", "2048"),
                ("total", "1000000.00"),
                ("size", "32")
            ]])
        );
    }

    #[test]
    fn auto_with_none_and_wildcards() {
        let input = vec![row(&[
            ("a", "1,234"),
            ("b", "00:01:30"),
            ("id", "0042"),
            ("c", "abc"),
            ("d", "7|x"),
        ])];
        let got = run("convert auto(*) none(id)", input);
        assert_eq!(
            got,
            rows(&[&[("a", "1234"), ("b", "90"), ("id", "0042"), ("c", "abc"), ("d", "7|x")]])
        );
    }

    #[test]
    fn num_removes_what_it_cannot_convert_and_mktime_mstime() {
        let input = vec![row(&[
            ("code", "403|n/a|200"),
            ("when", "12/07/2023 14:44:53"),
            ("lap", "01:30.5"),
        ])];
        let got = run("convert num(code) mktime(when) mstime(lap)", input);
        assert_eq!(
            got,
            rows(&[&[("code", "403|200"), ("when", "1701960293"), ("lap", "90.5")]])
        );
        let input = vec![row(&[("code", "n/a"), ("other", "1")])];
        assert_eq!(
            run("convert num(code) AS n", input.clone()),
            rows(&[&[("code", "n/a"), ("other", "1")]])
        );
        assert_eq!(run("convert num(code)", input), rows(&[&[("other", "1")]]));
    }

    #[test]
    fn wildcard_alias() {
        let input = vec![row(&[("firstTime", "0"), ("lastTime", "60"), ("user", "u")])];
        let got = run("convert ctime(*Time) AS *_text | table *_text", input);
        assert_eq!(
            got,
            rows(&[&[
                ("first_text", "01/01/1970 00:00:00"),
                ("last_text", "01/01/1970 00:01:00")
            ]])
        );
    }

    #[test]
    fn needs_follow_aliases() {
        let plan = Plan::compile_text(
            "search * | convert ctime(lastTime) AS last_seen | table last_seen",
            &EvalContext::default(),
        )
        .unwrap();
        assert!(plan.needs().contains("lastTime"));
        assert!(!plan.needs().contains("last_seen"));
    }
}

//! `rex [field=<field>] "<regex>" [max_match=<int>] [offset_field=<field>]` and
//! `rex [field=<field>] mode=sed "<sed-expression>"`: extract fields with a regular expression's
//! named groups, or rewrite a field with a sed expression.
//!
//! **Extraction.** The regex is matched, unanchored, against the field (default `_raw` [DOC]).
//! Each named group `(?<name>...)` that takes part in the match sets the field `name` to the text
//! it matched, replacing any older value. Semantics and choices:
//! - A row the regex does not match passes through unchanged: `rex` never filters [DOC "Use the
//!   regex command to remove results that do not match"].
//! - A group that does not take part in the match creates no field and leaves an existing field
//!   of that name alone [INFER, spl-semantics §3.6.9]. So in the RFI detection,
//!   `"^(?<http_method>\S+)?\s(?<url>\S+)\s"` leaves `http_method` unset on a request line that
//!   starts with a space.
//! - A group that matched the empty string sets its field to the empty string [INFER] (the LFI
//!   regex's `\[(?<proxy_alternative_upstream_name>[^\]]*)\]` on `[]`).
//! - `max_match` (default 1 [DOC]) is how many successive matches are taken; 0 means all. With
//!   more than one match a group's values form a multivalue field, in match order [DOC "If
//!   greater than 1, the resulting fields are multivalued fields"]. A group repeated inside one
//!   match gives its last repetition [DOC].
//! - A multivalue field is searched value by value, in order, and `max_match` counts matches
//!   over all of them (so by default the first value that matches supplies the fields) [INFER:
//!   the docs are silent; spl-semantics §3.2 reads "a field value" as each value].
//! - `offset_field=f` sets `f` to where each participating group matched, as `name=start-end`
//!   with zero-based, inclusive byte offsets into the value searched [DOC example
//!   `firstfive=0-4`], several joined by `&` [INFER].
//! - Splunk's PCRE is replaced by Rust's linear-time `regex` (named groups `(?<name>...)` and
//!   `(?P<name>...)` both work; look-around and back-references are rejected when the search is
//!   compiled). Transforms-style `_KEY_n`/`_VAL_n` group pairs are not special.
//!
//! **Sed mode.** `s/<regex>/<replacement>/<flags>` replaces the first match, or every match with
//! the flag `g`, or only the N-th with a number N (`Ng`: the N-th and every later one, as GNU sed
//! does); `\1`..`\9` in the replacement insert groups and `\0` the whole match [DOC "Use \n for
//! back references"]; any other escaped character is itself (`\/` is a `/`). `y/abc/xyz/` maps
//! each character of the first list to the one at the same place in the second [DOC]. The
//! delimiter is the character after `s` or `y`. Each value of a multivalue field is rewritten;
//! a missing field stays missing.
//!
//! Examples (run as tests below):
//! - `rex field=request "^(?<http_method>\S+)\s(?<url>\S+)\s"`
//! - `rex field=test max_match=0 "((?<field>[^$]*)\$(?<value>[^,]*),?)"`
//! - `rex offset_field=off field=list "(?<firstfive>abcde)"`
//! - `rex field=ccnumber mode=sed "s/(\d{4}-){3}/XXXX-XXXX-XXXX-/g"`

use std::any::Any;
use std::fmt::Write as _;

use regex::Regex;
use tripline_spl::ast::RexCommand;

use super::{Operator, option};
use crate::CompileError;
use crate::expr::{EvalContext, compile_regex};
use crate::needs::Needs;
use crate::row::{RAW, Row};
use crate::value::{Text, Value};

/// The compiled `rex` command.
#[derive(Clone, Debug)]
pub(crate) struct Rex {
    field: Text,
    mode: Mode,
}

#[derive(Clone, Debug)]
enum Mode {
    Extract {
        re: Regex,
        /// The named groups: capture index and field name.
        groups: Vec<(usize, Text)>,
        /// 0 = unlimited.
        max_match: usize,
        offset_field: Option<Text>,
    },
    Replace {
        re: Regex,
        replacement: Vec<Piece>,
        /// Replace the `first`-th match (from 1), and every later one when `all`.
        first: usize,
        all: bool,
    },
    Translate(Vec<(char, char)>),
}

/// A part of a sed replacement.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    Text(String),
    Group(usize),
}

pub(crate) fn compile(r: &RexCommand) -> Result<Box<dyn Operator>, CompileError> {
    let field = r.field.as_ref().map_or(RAW, |f| f.name.as_str());
    let sed = match option(&r.options, "mode") {
        None => false,
        Some(o) if o.value.value.eq_ignore_ascii_case("sed") => true,
        Some(o) => {
            return Err(CompileError::new(
                o.value.span,
                format!("`mode={}` is not a rex mode; the only one is `mode=sed`", o.value.value),
            ));
        }
    };
    let err = |m: String| CompileError::new(r.regex.span, m);
    let mode = if sed {
        compile_sed(&r.regex.value).map_err(err)?
    } else {
        let re = compile_regex(&r.regex.value).map_err(err)?;
        let groups = re
            .capture_names()
            .enumerate()
            .filter_map(|(i, name)| name.map(|n| (i, Text::from(n))))
            .collect();
        let max_match =
            match option(&r.options, "max_match") {
                None => 1,
                Some(o) => o.value.value.parse::<usize>().map_err(|_| {
                    CompileError::new(o.value.span, "`max_match` must be a whole number (0 for no limit)")
                })?,
            };
        let offset_field = option(&r.options, "offset_field").map(|o| Text::from(o.value.value.as_str()));
        Mode::Extract {
            re,
            groups,
            max_match,
            offset_field,
        }
    };
    Ok(Box::new(Rex {
        field: Text::from(field),
        mode,
    }))
}

/// Split a sed expression at unescaped delimiters: `s/a/b/g` gives `["a", "b", "g"]`. An escaped
/// delimiter becomes the delimiter alone in the replacement and flag parts, and stays escaped in
/// the regex (where `\/` means `/` and `\|` a literal `|`); other escapes are kept for the next
/// stage.
fn split_sed(body: &str, delim: char) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        let first = parts.len() == 1;
        let Some(part) = parts.last_mut() else { break };
        match c {
            '\\' => match chars.next() {
                Some(d) if d == delim => {
                    if first && !d.is_alphanumeric() {
                        part.push('\\');
                    }
                    part.push(d);
                }
                Some(d) => {
                    part.push('\\');
                    part.push(d);
                }
                None => part.push('\\'),
            },
            c if c == delim => parts.push(String::new()),
            c => part.push(c),
        }
    }
    parts
}

fn compile_sed(expr: &str) -> Result<Mode, String> {
    let mut chars = expr.chars();
    let command = chars.next();
    let delim = chars.next();
    let (Some(command @ ('s' | 'y')), Some(delim)) = (command, delim) else {
        return Err(format!(
            "`{expr}` is not a sed expression: write s/regex/replacement/flags or y/from/to/"
        ));
    };
    if delim.is_alphanumeric() || delim == '\\' || delim.is_whitespace() {
        return Err(format!("`{delim}` cannot delimit a sed expression; use `/`"));
    }
    let parts = split_sed(chars.as_str(), delim);
    if parts.len() != 3 {
        return Err(format!(
            "`{expr}` needs exactly three `{delim}`: {command}{delim}...{delim}...{delim}"
        ));
    }
    if command == 'y' {
        let from: Vec<char> = unescape(&parts[0]).chars().collect();
        let to: Vec<char> = unescape(&parts[1]).chars().collect();
        if from.len() != to.len() {
            return Err(format!(
                "`{expr}`: y needs as many characters to map to as to map from ({} and {})",
                from.len(),
                to.len()
            ));
        }
        if !parts[2].is_empty() {
            return Err(format!("`{expr}`: y takes no flags"));
        }
        return Ok(Mode::Translate(from.into_iter().zip(to).collect()));
    }
    let re = compile_regex(&parts[0])?;
    let replacement = parse_replacement(&parts[1]);
    if let Some(Piece::Group(g)) = replacement
        .iter()
        .find(|p| matches!(p, Piece::Group(g) if *g >= re.captures_len()))
    {
        return Err(format!(
            "`{expr}`: the replacement uses \\{g}, but the regex has no group {g}"
        ));
    }
    let flags = parts[2].as_str();
    let digits = flags.trim_end_matches('g');
    let all = digits.len() < flags.len();
    let first = if digits.is_empty() {
        1
    } else {
        match digits.parse::<usize>() {
            Ok(n) if n > 0 && flags.len() - digits.len() <= 1 => n,
            _ => return Err(format!("`{flags}` are not sed flags: use g, a number N, or Ng")),
        }
    };
    Ok(Mode::Replace {
        re,
        replacement,
        first,
        all,
    })
}

/// `\x` → `x`, for the character lists of `y`. `\n` and `\t` are the control characters.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(d) => out.push(d),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_replacement(s: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some(d) if d.is_ascii_digit() => {
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Group(usize::from(d as u8 - b'0')));
            }
            Some('n') => text.push('\n'),
            Some('t') => text.push('\t'),
            Some(d) => text.push(d),
            None => text.push('\\'),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}

/// Apply `s///` to one value.
fn replace(text: &str, re: &Regex, replacement: &[Piece], first: usize, all: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (n, caps) in re.captures_iter(text).enumerate() {
        let n = n + 1;
        if n < first {
            continue;
        }
        if n > first && !all {
            break;
        }
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(&text[last..whole.start()]);
        for piece in replacement {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Group(g) => out.push_str(caps.get(*g).map_or("", |m| m.as_str())),
            }
        }
        last = whole.end();
    }
    out.push_str(&text[last..]);
    out
}

impl Operator for Rex {
    fn push(&mut self, mut row: Row, _ctx: &EvalContext, out: &mut Vec<Row>) {
        let Some(value) = row.get(&self.field) else {
            out.push(row);
            return;
        };
        match &self.mode {
            Mode::Extract {
                re,
                groups,
                max_match,
                offset_field,
            } => {
                let mut found: Vec<Vec<Text>> = vec![Vec::new(); groups.len()];
                let mut offsets = String::new();
                let mut matches = 0;
                'values: for text in value.values() {
                    for caps in re.captures_iter(&text) {
                        for ((index, name), values) in groups.iter().zip(found.iter_mut()) {
                            if let Some(m) = caps.get(*index) {
                                values.push(Text::from(m.as_str()));
                                if offset_field.is_some() {
                                    if !offsets.is_empty() {
                                        offsets.push('&');
                                    }
                                    let end = m.end().saturating_sub(1).max(m.start());
                                    let _ = write!(offsets, "{name}={}-{end}", m.start());
                                }
                            }
                        }
                        matches += 1;
                        if matches == *max_match {
                            break 'values;
                        }
                    }
                }
                for ((_, name), values) in groups.iter().zip(found) {
                    if !values.is_empty() {
                        row.set(name, Value::multi(values));
                    }
                }
                if let Some(f) = offset_field
                    && matches > 0
                {
                    row.set(f, Value::Str(Text::from(offsets)));
                }
            }
            Mode::Replace {
                re,
                replacement,
                first,
                all,
            } => {
                let values: Vec<Text> = value
                    .values()
                    .iter()
                    .map(|t| Text::from(replace(t, re, replacement, *first, *all)))
                    .collect();
                let new = if value.is_multi() {
                    Value::Multi(values)
                } else {
                    Value::multi(values)
                };
                row.set(&self.field, new);
            }
            Mode::Translate(map) => {
                let translate = |t: &Text| -> Text {
                    t.chars()
                        .map(|c| map.iter().find(|(from, _)| *from == c).map_or(c, |(_, to)| *to))
                        .collect()
                };
                let values: Vec<Text> = value.values().iter().map(translate).collect();
                let new = if value.is_multi() {
                    Value::Multi(values)
                } else {
                    Value::multi(values)
                };
                row.set(&self.field, new);
            }
        }
        out.push(row);
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let mut n = downstream.clone();
        // Outputs keep their old value on rows the regex does not match, so they stay needed;
        // the input is needed only when something downstream reads what rex writes.
        let writes_needed = match &self.mode {
            Mode::Extract {
                groups, offset_field, ..
            } => {
                groups.iter().any(|(_, name)| downstream.contains(name))
                    || offset_field.as_ref().is_some_and(|f| downstream.contains(f))
            }
            Mode::Replace { .. } | Mode::Translate(_) => downstream.contains(&self.field),
        };
        if writes_needed {
            n.add(&self.field);
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

    /// The first `rex` of Kubernetes Nginx Ingress LFI (spl-semantics Appendix A), verbatim.
    const LFI_REX: &str = r#"rex field=_raw "^(?<remote_addr>\S+)\s+-\s+-\s+\[(?<time_local>[^\]]*)\]\s\"(?<request>[^\"]*)\"\s(?<status>\S*)\s(?<body_bytes_sent>\S*)\s\"(?<http_referer>[^\"]*)\"\s\"(?<http_user_agent>[^\"]*)\"\s(?<request_length>\S*)\s(?<request_time>\S*)\s\[(?<proxy_upstream_name>[^\]]*)\]\s\[(?<proxy_alternative_upstream_name>[^\]]*)\]\s(?<upstream_addr>\S*)\s(?<upstream_response_length>\S*)\s(?<upstream_response_time>\S*)\s(?<upstream_status>\S*)\s(?<req_id>\S*)""#;

    /// An ingress-nginx access line in the controller's default `log-format-upstream`.
    const NGINX_LINE: &str = r#"203.0.113.9 - - [12/Mar/2026:10:15:32 +0000] "GET /index.php?page=../../../../etc/passwd HTTP/1.1" 200 612 "-" "Mozilla/5.0 (X11; Linux x86_64) curl/8.5.0" 437 0.002 [default-web-80] [] 10.244.0.12:80 612 0.002 200 4f1c0a8e2b7d9c3e5a6f7b8c9d0e1f2a"#;

    #[test]
    fn lfi_detection_regexes_on_an_ingress_nginx_line() {
        let spl = format!(
            r#"{LFI_REX} | rename remote_addr AS src_ip, upstream_status as status, proxy_upstream_name as proxy | rex field=request "^(?<http_method>\S+)\s(?<url>\S+)\s" | table src_ip time_local request status body_bytes_sent http_referer http_user_agent request_length request_time proxy proxy_alternative_upstream_name upstream_addr upstream_response_length upstream_response_time req_id http_method url"#
        );
        let got = run(&spl, vec![row(&[("_raw", NGINX_LINE)])]);
        assert_eq!(
            got,
            rows(&[&[
                ("src_ip", "203.0.113.9"),
                ("time_local", "12/Mar/2026:10:15:32 +0000"),
                ("request", "GET /index.php?page=../../../../etc/passwd HTTP/1.1"),
                ("status", "200"),
                ("body_bytes_sent", "612"),
                ("http_referer", "-"),
                ("http_user_agent", "Mozilla/5.0 (X11; Linux x86_64) curl/8.5.0"),
                ("request_length", "437"),
                ("request_time", "0.002"),
                ("proxy", "default-web-80"),
                ("proxy_alternative_upstream_name", ""),
                ("upstream_addr", "10.244.0.12:80"),
                ("upstream_response_length", "612"),
                ("upstream_response_time", "0.002"),
                ("req_id", "4f1c0a8e2b7d9c3e5a6f7b8c9d0e1f2a"),
                ("http_method", "GET"),
                ("url", "/index.php?page=../../../../etc/passwd"),
            ]])
        );
    }

    #[test]
    fn no_match_passes_through_and_optional_groups_create_nothing() {
        let input = vec![
            row(&[("_raw", "not an access line"), ("request", " /x HTTP/1.1")]),
            row(&[("_raw", "x"), ("request", "GET /y HTTP/1.1")]),
            row(&[("_raw", "y")]),
        ];
        let got = run(
            &format!(r#"{LFI_REX} | rex field=request "^(?<http_method>\S+)?\s(?<url>\S+)\s""#),
            input,
        );
        assert_eq!(
            got,
            rows(&[
                &[
                    ("_raw", "not an access line"),
                    ("request", " /x HTTP/1.1"),
                    ("url", "/x")
                ],
                &[
                    ("_raw", "x"),
                    ("request", "GET /y HTTP/1.1"),
                    ("http_method", "GET"),
                    ("url", "/y")
                ],
                &[("_raw", "y")],
            ])
        );
        // An existing field survives a group that does not take part.
        let got = run(
            r#"rex field=request "^(?<m>\S+)?\s(?<url>\S+)" | table m url"#,
            vec![row(&[("request", " /x"), ("m", "kept")])],
        );
        assert_eq!(got, rows(&[&[("m", "kept"), ("url", "/x")]]));
    }

    #[test]
    fn max_match_gives_multivalues() {
        // The Search Reference example.
        let input = vec![row(&[("test", "a$1,b$2")])];
        let got = run(
            r#"rex field=test max_match=0 "((?<field>[^$]*)\$(?<value>[^,]*),?)" | table field value"#,
            input.clone(),
        );
        assert_eq!(got, rows(&[&[("field", "a|b"), ("value", "1|2")]]));
        let got = run(r#"rex field=test "(?<d>\d)" | table d"#, input.clone());
        assert_eq!(got, rows(&[&[("d", "1")]]));
        let got = run(r#"rex field=test max_match=5 "(?<d>\d)" | table d"#, input);
        assert_eq!(got, rows(&[&[("d", "1|2")]]));
    }

    #[test]
    fn multivalue_input_is_searched_value_by_value() {
        let input = vec![row(&[("ips", "x|10.0.0.1|10.0.0.2")])];
        let got = run(r#"rex field=ips "(?<ip>\d+\.\d+\.\d+\.\d+)" | table ip"#, input.clone());
        assert_eq!(got, rows(&[&[("ip", "10.0.0.1")]]));
        let got = run(
            r#"rex field=ips max_match=0 "(?<ip>\d+\.\d+\.\d+\.\d+)" | table ip"#,
            input,
        );
        assert_eq!(got, rows(&[&[("ip", "10.0.0.1|10.0.0.2")]]));
    }

    #[test]
    fn offset_field() {
        let input = vec![row(&[("list", "abcdefghijklmnopqrstuvwxyz")])];
        let got = run(
            r#"rex offset_field=off field=list "(?<firstfive>abcde)" | table firstfive off"#,
            input.clone(),
        );
        assert_eq!(got, rows(&[&[("firstfive", "abcde"), ("off", "firstfive=0-4")]]));
        let got = run(
            r#"rex offset_field=off field=list "(?<middle>fgh)(?<x>z)?" | table middle off"#,
            input.clone(),
        );
        assert_eq!(got, rows(&[&[("middle", "fgh"), ("off", "middle=5-7")]]));
        let got = run(r#"rex offset_field=off field=list "(?<a>b)(?<c>c)" | table off"#, input);
        assert_eq!(got, rows(&[&[("off", "a=1-1&c=2-2")]]));
    }

    #[test]
    fn sed_mode() {
        let cases: &[(&str, &str, &str)] = &[
            // The Search Reference examples.
            (
                "1234-5678-9012-3456",
                r#"s/(\d{4}-){3}/XXXX-XXXX-XXXX-/g"#,
                "XXXX-XXXX-XXXX-3456",
            ),
            (
                r#"src_ip=TERM( "10.8.2.33" ) OR src_ip=TERM( "172.17.154.197" )"#,
                r#"s/\s\"(\d+\.\d+\.\d+\.\d+)\"\s/\1/g"#,
                "src_ip=TERM(10.8.2.33) OR src_ip=TERM(172.17.154.197)",
            ),
            ("aaa", "s/a/b/", "baa"),
            ("aaa", "s/a/b/g", "bbb"),
            ("aaaa", "s/a/b/2", "abaa"),
            ("aaaa", "s/a/b/2g", "abbb"),
            ("a/b/c", r#"s/\//-/g"#, "a-b-c"),
            ("a/b#c", r"s#/#\##g", "a#b#c"),
            ("key=v", r#"s/(\w+)=(\w+)/\2=\1 [\0]/"#, "v=key [key=v]"),
            ("x", "s/y/z/", "x"),
            ("hello", "y/el/ip/", "hippo"),
        ];
        for (input, sed, want) in cases {
            let spl = format!(r#"rex mode=sed field=f "{sed}" | table f"#);
            let got = run(&spl, vec![row(&[("f", input)])]);
            assert_eq!(got, rows(&[&[("f", want)]]), "{sed}");
        }
        // Every value of a multivalue; a missing field stays missing.
        let got = run(
            r#"rex mode=sed field=f "s/\./_/g""#,
            vec![row(&[("f", "a.b|c.d")]), row(&[("g", "x.y")])],
        );
        assert_eq!(got, rows(&[&[("f", "a_b|c_d")], &[("g", "x.y")]]));
    }

    #[test]
    fn compile_errors() {
        let ctx = EvalContext::default();
        for spl in [
            r#"rex mode=sed "s/a/b""#,
            r#"rex mode=sed "s/a/b/x""#,
            r#"rex mode=sed "s/a/\1/""#,
            r#"rex mode=sed "y/ab/c/""#,
            r#"rex mode=sed "q/a/b/""#,
            r#"rex mode=sed "sa""#,
            r#"rex mode=perl "(?<a>x)""#,
            r#"rex max_match=-1 "(?<a>x)""#,
            r#"rex "(?<a>x)(?=y)""#,
        ] {
            let spl = format!("search * | {spl}");
            assert!(Plan::compile_text(&spl, &ctx).is_err(), "{spl}");
        }
    }

    #[test]
    fn needs() {
        let ctx = EvalContext::default();
        let plan = Plan::compile_text(
            r#"search * | rex field=request "^(?<http_method>\S+)\s(?<url>\S+)" | stats count by url"#,
            &ctx,
        )
        .unwrap();
        assert!(plan.needs().contains("request") && plan.needs().contains("url"));
        let plan = Plan::compile_text(
            r#"search * | rex field=request "^(?<http_method>\S+)" | stats count by url"#,
            &ctx,
        )
        .unwrap();
        assert!(!plan.needs().contains("request"));
        let plan = Plan::compile_text(r#"search * | rex mode=sed field=f "s/a/b/" | table f"#, &ctx).unwrap();
        assert!(plan.needs().contains("f"));
    }
}

//! `lookup <table> <field> [AS <event_field>] ... [OUTPUT | OUTPUTNEW <column> [AS <field>] ...]`:
//! enrich rows from a CSV lookup table.
//!
//! The table is a lookup definition name (or its CSV file name) from the registry in
//! [`EvalContext::lookups`](crate::expr::EvalContext::lookups); see [`crate::lookup`]. A row
//! matches a table row when every match field's value matches that row's cell: exactly, or as
//! the definition's `match_type` says (`WILDCARD(field)`: `*` matches any run of characters;
//! `CIDR(field)`: the value is an address inside the cell's network), ignoring case everywhere
//! when `case_sensitive_match` is false (default true [DOC]).
//!
//! Semantics ([DOC] props.conf.spec and transforms.conf.spec, quoted in spl-semantics §3.6.10):
//! - `OUTPUT` overwrites the output fields; `OUTPUTNEW` writes only those the row does not have.
//!   Without an output clause every column other than the match columns is output, under its own
//!   name, as with `OUTPUT`.
//! - "Any event that has all of the <match_field> values but no matching entry in the lookup
//!   table clears all of the output fields" (with `OUTPUT`). A row missing a match field is left
//!   unchanged.
//! - `max_matches` (default 100 [DOC]): the first matching rows "in file order" are used, and
//!   their values form multivalue outputs in that order. Wildcard and CIDR rows are taken in file
//!   order too, not by specificity. Empty cells give no value.
//! - `min_matches`/`default_match`: when an input value has fewer matches than `min_matches`,
//!   `default_match` is output "one or more times until the min_matches threshold is reached".
//!   So the LFI lookup (`min_matches: 1`, `default_match: 'false'`) gives `lfi_path=false` on a
//!   miss.
//! - A multivalue match field is looked up value by value (each is "an input lookup value"), and
//!   the outputs of all values are merged in order [INFER]. With several match fields, every
//!   combination of their values is looked up.
//! - An unknown table, or a match or output column the table lacks, is an error when the search
//!   is compiled, rather than a search that silently outputs nothing. Temporal (`time_field`)
//!   and KV-store lookups are not supported.
//!
//! Examples (run as tests below):
//! - `lookup local_file_inclusion_paths local_file_inclusion_paths AS request OUTPUT lfi_path`
//! - `lookup users user OUTPUTNEW dept, level AS lvl`
//! - `lookup networks cidr AS src_ip OUTPUT zone`

use std::any::Any;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use tripline_spl::ast::LookupCommand;

use super::Operator;
use crate::CompileError;
use crate::expr::EvalContext;
use crate::lookup::{Lookup, MatchType};
use crate::needs::Needs;
use crate::row::Row;
use crate::value::{Text, Value};

/// The compiled `lookup` command.
#[derive(Clone, Debug)]
pub(crate) struct LookupCmd {
    inner: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    lookup: Arc<Lookup>,
    /// Event field matched against each match column, in order.
    inputs: Vec<Text>,
    /// Table column and event field of each output.
    outputs: Vec<(usize, Text)>,
    new_only: bool,
    case_sensitive: bool,
    min_matches: usize,
    max_matches: usize,
    default_match: Option<Text>,
    index: Index,
}

/// How matching rows are found.
#[derive(Debug)]
enum Index {
    /// Every match column is exact: key (lowercased when case-insensitive) → rows in file order.
    Exact(HashMap<Vec<Text>, Vec<usize>>),
    /// Per table row, one matcher per match column; rows are scanned in file order.
    Scan(Vec<Vec<Cell>>),
}

#[derive(Debug)]
enum Cell {
    Exact(Text),
    /// The pattern split at `*` (at least two parts).
    Wildcard(Vec<String>),
    /// Network address and prefix length; `None` for a cell that is not a network.
    Cidr(Option<(IpAddr, u8)>),
}

pub(crate) fn compile(l: &LookupCommand, ctx: &EvalContext) -> Result<Box<dyn Operator>, CompileError> {
    let name = l.table.value.as_str();
    let lookup = ctx.lookups.get(name).cloned().ok_or_else(|| {
        CompileError::new(
            l.table.span,
            format!("there is no lookup table named `{name}` (lookup tables come from the content's lookups/)"),
        )
    })?;
    let def = &lookup.definition;
    let table = &lookup.table;
    let column = |f: &tripline_spl::ast::Field, role: &str| {
        table.column(&f.name).ok_or_else(|| {
            CompileError::new(
                f.span,
                format!(
                    "the lookup table `{name}` has no {role} column `{}`; its columns are {}",
                    f.name,
                    table.columns().join(", ")
                ),
            )
        })
    };
    let mut match_columns = Vec::with_capacity(l.inputs.len());
    let mut inputs = Vec::with_capacity(l.inputs.len());
    for input in &l.inputs {
        match_columns.push(column(&input.lookup, "match")?);
        let event = input.event.as_ref().unwrap_or(&input.lookup);
        inputs.push(Text::from(event.name.as_str()));
    }
    let (outputs, new_only) = match &l.output {
        Some(o) if !o.fields.is_empty() => {
            let mut outputs = Vec::with_capacity(o.fields.len());
            for f in &o.fields {
                let event = f.event.as_ref().unwrap_or(&f.lookup);
                outputs.push((column(&f.lookup, "output")?, Text::from(event.name.as_str())));
            }
            (outputs, o.new_only)
        }
        other => {
            let outputs = table
                .columns()
                .iter()
                .enumerate()
                .filter(|(i, _)| !match_columns.contains(i))
                .map(|(i, c)| (i, c.clone()))
                .collect();
            (outputs, other.as_ref().is_some_and(|o| o.new_only))
        }
    };
    let case_sensitive = def.case_sensitive;
    let fold = |s: &str| -> Text {
        if case_sensitive {
            Text::from(s)
        } else {
            Text::from(s.to_lowercase())
        }
    };
    let types: Vec<MatchType> = match_columns
        .iter()
        .map(|&c| def.match_type_of(&table.columns()[c]))
        .collect();
    let index = if types.iter().all(|t| *t == MatchType::Exact) {
        let mut map: HashMap<Vec<Text>, Vec<usize>> = HashMap::new();
        for (r, cells) in table.rows().iter().enumerate() {
            let key = match_columns.iter().map(|&c| fold(&cells[c])).collect();
            map.entry(key).or_default().push(r);
        }
        Index::Exact(map)
    } else {
        let rows = table
            .rows()
            .iter()
            .map(|cells| {
                match_columns
                    .iter()
                    .zip(&types)
                    .map(|(&c, t)| match t {
                        MatchType::Wildcard if cells[c].contains('*') => {
                            Cell::Wildcard(fold(&cells[c]).split('*').map(str::to_owned).collect())
                        }
                        MatchType::Cidr => Cell::Cidr(parse_network(&cells[c])),
                        _ => Cell::Exact(fold(&cells[c])),
                    })
                    .collect()
            })
            .collect();
        Index::Scan(rows)
    };
    let compiled = Compiled {
        inputs,
        outputs,
        new_only,
        case_sensitive,
        min_matches: def.min_matches,
        max_matches: def.max_matches.max(1),
        default_match: def.default_match.as_deref().filter(|d| !d.is_empty()).map(Text::from),
        index,
        lookup,
    };
    Ok(Box::new(LookupCmd {
        inner: Arc::new(compiled),
    }))
}

/// `10.0.0.0/8`, `2001:db8::/32`, or a single address.
fn parse_network(cell: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = match cell.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (cell, None),
    };
    let addr: IpAddr = addr.trim().parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        Some(l) => l.trim().parse::<u8>().ok().filter(|l| *l <= max)?,
        None => max,
    };
    Some((addr, len))
}

fn in_network(value: &str, (net, len): (IpAddr, u8)) -> bool {
    let Ok(addr) = value.parse::<IpAddr>() else {
        return false;
    };
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Whether `text` matches a `*` pattern given as its parts between stars (at least two).
fn glob(parts: &[String], text: &str) -> bool {
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    let Some(mut rest) = text.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some(end) = rest.len().checked_sub(last.len()) else {
        return false;
    };
    if !rest.is_char_boundary(end) || &rest[end..] != last.as_str() {
        return false;
    }
    rest = &rest[..end];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part.as_str()) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

impl Compiled {
    /// The rows matching one combination of input values (already case-folded), in file order,
    /// at most `max_matches`.
    fn find(&self, key: &[Text], out: &mut Vec<usize>) {
        out.clear();
        match &self.index {
            Index::Exact(map) => {
                if let Some(rows) = map.get(key) {
                    out.extend(rows.iter().take(self.max_matches));
                }
            }
            Index::Scan(rows) => {
                for (r, cells) in rows.iter().enumerate() {
                    let hit = cells.iter().zip(key).all(|(cell, value)| match cell {
                        Cell::Exact(t) => t == value,
                        Cell::Wildcard(parts) => glob(parts, value),
                        Cell::Cidr(net) => net.is_some_and(|n| in_network(value, n)),
                    });
                    if hit {
                        out.push(r);
                        if out.len() == self.max_matches {
                            break;
                        }
                    }
                }
            }
        }
    }
}

impl Operator for LookupCmd {
    fn push(&mut self, mut row: Row, _ctx: &EvalContext, out: &mut Vec<Row>) {
        let c = &*self.inner;
        let mut values: Vec<Vec<Text>> = Vec::with_capacity(c.inputs.len());
        for field in &c.inputs {
            let Some(v) = row.get(field).filter(|v| v.count() > 0) else {
                out.push(row);
                return;
            };
            let folded = v
                .values()
                .into_iter()
                .map(|t| {
                    if c.case_sensitive {
                        t
                    } else {
                        Text::from(t.to_lowercase())
                    }
                })
                .collect();
            values.push(folded);
        }
        let rows = c.lookup.table.rows();
        let mut collected: Vec<Vec<Text>> = vec![Vec::new(); c.outputs.len()];
        let mut matched = Vec::new();
        // Every combination of the match fields' values, the first field varying slowest.
        let mut pick = vec![0usize; values.len()];
        let mut key: Vec<Text> = Vec::with_capacity(values.len());
        'combinations: loop {
            key.clear();
            key.extend(pick.iter().zip(&values).map(|(&i, vs)| vs[i].clone()));
            c.find(&key, &mut matched);
            for &r in &matched {
                for ((col, _), acc) in c.outputs.iter().zip(collected.iter_mut()) {
                    let cell = &rows[r][*col];
                    if !cell.is_empty() {
                        acc.push(cell.clone());
                    }
                }
            }
            if let Some(default) = &c.default_match {
                for _ in matched.len()..c.min_matches {
                    collected.iter_mut().for_each(|acc| acc.push(default.clone()));
                }
            }
            for i in (0..pick.len()).rev() {
                pick[i] += 1;
                if pick[i] < values[i].len() {
                    continue 'combinations;
                }
                pick[i] = 0;
            }
            break;
        }
        for ((_, name), acc) in c.outputs.iter().zip(collected) {
            if c.new_only {
                if !acc.is_empty() && !row.contains(name) {
                    row.set(name, Value::multi(acc));
                }
            } else if acc.is_empty() {
                row.remove(name);
            } else {
                row.set(name, Value::multi(acc));
            }
        }
        out.push(row);
    }

    fn needs(&self, downstream: &Needs) -> Needs {
        let c = &*self.inner;
        let mut n = downstream.clone();
        // Outputs pass through unchanged on rows missing a match field, so stay needed.
        if c.outputs.iter().any(|(_, name)| downstream.contains(name)) {
            c.inputs.iter().for_each(|f| n.add(f));
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
    use crate::commands::testing::{row, rows};
    use crate::lookup::{LookupDefinition, LookupRegistry, LookupTable};
    use crate::plan::Plan;

    /// The shape of security_content's `local_file_inclusion_paths` lookup.
    fn lfi() -> Lookup {
        let mut def = LookupDefinition::new("local_file_inclusion_paths", "local_file_inclusion_paths.csv");
        def.match_type = MatchType::parse_spec("WILDCARD(local_file_inclusion_paths)").unwrap();
        def.case_sensitive = false;
        def.min_matches = 1;
        def.default_match = Some("false".into());
        let csv = "local_file_inclusion_paths, lfi_path\n*/etc/passwd*, yes\n*/apache2/logs/access.log*, yes\n*/PROC/self/environ*, yes\n";
        Lookup::new(def, LookupTable::from_csv(csv).unwrap())
    }

    fn users() -> Lookup {
        let csv = "user,dept,level\nalice,eng,1\nbob,ops,2\nbob,sec,3\ncarol,,4\n";
        Lookup::new(
            LookupDefinition::new("users", "users.csv"),
            LookupTable::from_csv(csv).unwrap(),
        )
    }

    fn networks() -> Lookup {
        let mut def = LookupDefinition::new("networks", "networks.csv");
        def.match_type = MatchType::parse_spec("CIDR(cidr)").unwrap();
        def.max_matches = 1;
        let csv = "cidr,zone\n10.1.0.0/16,pods\n10.0.0.0/8,cluster\n2001:db8::/32,v6\n192.0.2.7,host\nnot-a-net,x\n";
        Lookup::new(def, LookupTable::from_csv(csv).unwrap())
    }

    fn ctx() -> EvalContext {
        let mut reg = LookupRegistry::new();
        reg.insert(lfi());
        reg.insert(users());
        reg.insert(networks());
        EvalContext {
            lookups: Arc::new(reg),
            ..EvalContext::default()
        }
    }

    /// `testing::run` with the lookups above.
    fn run(spl: &str, input: Vec<Row>) -> Vec<Vec<(String, String)>> {
        let ctx = ctx();
        let spl = format!("search * | {spl}");
        let mut plan = Plan::compile_text(&spl, &ctx).unwrap_or_else(|e| panic!("{spl}: {e:?}"));
        let mut out = Vec::new();
        for r in input {
            plan.push(r, &ctx, &mut out);
        }
        plan.finish(&ctx, &mut out);
        out.iter()
            .map(|r| r.iter().map(|(k, v)| (k.to_owned(), v.values().join("|"))).collect())
            .collect()
    }

    #[test]
    fn lfi_wildcards_ignore_case_and_default_on_a_miss() {
        let input = vec![
            row(&[("request", "GET /index.php?page=../../../../etc/passwd HTTP/1.1")]),
            row(&[("request", "GET /view?f=/proc/SELF/environ HTTP/1.1")]),
            row(&[("request", "GET /healthz HTTP/1.1")]),
            row(&[("other", "x"), ("lfi_path", "kept")]),
        ];
        let got = run(
            "lookup local_file_inclusion_paths local_file_inclusion_paths AS request OUTPUT lfi_path",
            input,
        );
        assert_eq!(
            got,
            rows(&[
                &[
                    ("request", "GET /index.php?page=../../../../etc/passwd HTTP/1.1"),
                    ("lfi_path", "yes")
                ],
                &[
                    ("request", "GET /view?f=/proc/SELF/environ HTTP/1.1"),
                    ("lfi_path", "yes")
                ],
                &[("request", "GET /healthz HTTP/1.1"), ("lfi_path", "false")],
                &[("other", "x"), ("lfi_path", "kept")],
            ])
        );
    }

    /// Kubernetes Nginx Ingress LFI from `rex` to `search lfi_path=yes` (spl-semantics Appendix A,
    /// without the ctime macros and the filter macro).
    #[test]
    fn lfi_detection_end_to_end() {
        let line = |ip: &str, request: &str| {
            let raw = format!(
                r#"{ip} - - [12/Mar/2026:10:15:32 +0000] "{request}" 200 612 "-" "curl/8.5.0" 437 0.002 [default-web-80] [] 10.244.0.12:80 612 0.002 200 4f1c0a8e2b7d9c3e"#
            );
            let mut r = row(&[("host", "ingress-nginx-controller")]);
            r.set("_raw", Value::str(&raw));
            r.set("_time", Value::Num(1_773_310_532.0));
            r
        };
        let input = vec![
            line("203.0.113.9", "GET /index.php?page=../../../../etc/passwd HTTP/1.1"),
            line("203.0.113.9", "GET /index.php?page=../../../../etc/passwd HTTP/1.1"),
            line("198.51.100.4", "GET /static/app.js HTTP/1.1"),
        ];
        let spl = r#"rex field=_raw "^(?<remote_addr>\S+)\s+-\s+-\s+\[(?<time_local>[^\]]*)\]\s\"(?<request>[^\"]*)\"\s(?<status>\S*)\s(?<body_bytes_sent>\S*)\s\"(?<http_referer>[^\"]*)\"\s\"(?<http_user_agent>[^\"]*)\"\s(?<request_length>\S*)\s(?<request_time>\S*)\s\[(?<proxy_upstream_name>[^\]]*)\]\s\[(?<proxy_alternative_upstream_name>[^\]]*)\]\s(?<upstream_addr>\S*)\s(?<upstream_response_length>\S*)\s(?<upstream_response_time>\S*)\s(?<upstream_status>\S*)\s(?<req_id>\S*)" | rename remote_addr AS src_ip, upstream_status as status, proxy_upstream_name as proxy | rex field=request "^(?<http_method>\S+)\s(?<url>\S+)\s" | eval phase="operate" | eval severity="high" | stats count min(_time) as firstTime max(_time) as lastTime by src_ip, status, url, http_method, host, http_user_agent, proxy, phase, severity, request | lookup local_file_inclusion_paths local_file_inclusion_paths AS request OUTPUT lfi_path | search lfi_path=yes | table src_ip url count lfi_path"#;
        let got = run(spl, input);
        assert_eq!(
            got,
            rows(&[&[
                ("src_ip", "203.0.113.9"),
                ("url", "/index.php?page=../../../../etc/passwd"),
                ("count", "2"),
                ("lfi_path", "yes"),
            ]])
        );
    }

    #[test]
    fn output_clears_on_a_miss_and_outputnew_keeps_existing_fields() {
        let input = || {
            vec![
                row(&[("user", "alice"), ("dept", "old")]),
                row(&[("user", "zed"), ("dept", "old")]),
            ]
        };
        let got = run("lookup users user OUTPUT dept", input());
        assert_eq!(got, rows(&[&[("user", "alice"), ("dept", "eng")], &[("user", "zed")]]));
        let got = run("lookup users user OUTPUTNEW dept, level AS lvl", input());
        assert_eq!(
            got,
            rows(&[
                &[("user", "alice"), ("dept", "old"), ("lvl", "1")],
                &[("user", "zed"), ("dept", "old")],
            ])
        );
    }

    #[test]
    fn no_output_clause_outputs_every_other_column() {
        let got = run("lookup users.csv user AS who", vec![row(&[("who", "alice")])]);
        assert_eq!(got, rows(&[&[("who", "alice"), ("dept", "eng"), ("level", "1")]]));
    }

    #[test]
    fn several_matching_rows_and_multivalue_inputs() {
        // bob is in two rows: both, in file order; an empty cell gives no value.
        let got = run(
            "lookup users user OUTPUT dept level",
            vec![row(&[("user", "bob")]), row(&[("user", "carol")])],
        );
        assert_eq!(
            got,
            rows(&[
                &[("user", "bob"), ("dept", "ops|sec"), ("level", "2|3")],
                &[("user", "carol"), ("level", "4")],
            ])
        );
        // Each value of a multivalue is looked up.
        let got = run(
            "lookup users user OUTPUT level",
            vec![row(&[("user", "alice|zed|bob")])],
        );
        assert_eq!(got, rows(&[&[("user", "alice|zed|bob"), ("level", "1|2|3")]]));
        // Exact matching is case-sensitive by default.
        let got = run("lookup users user OUTPUT level", vec![row(&[("user", "Alice")])]);
        assert_eq!(got, rows(&[&[("user", "Alice")]]));
    }

    #[test]
    fn several_match_fields_must_all_match() {
        let got = run(
            "lookup users user, dept OUTPUT level",
            vec![row(&[("user", "bob"), ("dept", "sec")]), row(&[("user", "bob")])],
        );
        assert_eq!(
            got,
            rows(&[&[("user", "bob"), ("dept", "sec"), ("level", "3")], &[("user", "bob")]])
        );
    }

    #[test]
    fn cidr_matches_in_file_order() {
        let input = vec![
            row(&[("src_ip", "10.1.2.3")]),
            row(&[("src_ip", "10.200.0.1")]),
            row(&[("src_ip", "2001:db8::1")]),
            row(&[("src_ip", "192.0.2.7")]),
            row(&[("src_ip", "192.0.2.8")]),
            row(&[("src_ip", "not an ip")]),
        ];
        let got = run("lookup networks cidr AS src_ip OUTPUT zone", input);
        let zones: Vec<Option<&str>> = got
            .iter()
            .map(|r| r.iter().find(|(k, _)| k == "zone").map(|(_, v)| v.as_str()))
            .collect();
        assert_eq!(
            zones,
            [Some("pods"), Some("cluster"), Some("v6"), Some("host"), None, None]
        );
    }

    #[test]
    fn glob_patterns() {
        let parts = |p: &str| p.split('*').map(str::to_owned).collect::<Vec<_>>();
        assert!(glob(&parts("*/etc/passwd*"), "get /../etc/passwd http/1.1"));
        assert!(glob(&parts("a*"), "a"));
        assert!(glob(&parts("*"), ""));
        assert!(glob(&parts("a*b*c"), "a-b-b-c"));
        assert!(!glob(&parts("a*b*c"), "a-c-b"));
        assert!(!glob(&parts("ab*ba"), "aba"));
        assert!(glob(&parts("é*é"), "éé"));
    }

    #[test]
    fn compile_errors_name_the_problem() {
        let ctx = ctx();
        let err = Plan::compile_text("search * | lookup nope x OUTPUT y", &ctx).unwrap_err();
        assert!(err.message.contains("`nope`"), "{}", err.message);
        let err = Plan::compile_text("search * | lookup users nope OUTPUT dept", &ctx).unwrap_err();
        assert!(err.message.contains("`nope`"), "{}", err.message);
        let err = Plan::compile_text("search * | lookup users user OUTPUT nope", &ctx).unwrap_err();
        assert!(err.message.contains("`nope`"), "{}", err.message);
        assert!(Plan::compile_text("search * | lookup users user", &EvalContext::default()).is_err());
    }

    #[test]
    fn needs() {
        let ctx = ctx();
        let plan = Plan::compile_text(
            "search * | lookup local_file_inclusion_paths local_file_inclusion_paths AS request OUTPUT lfi_path | search lfi_path=yes",
            &ctx,
        )
        .unwrap();
        assert!(plan.needs().contains("request") && plan.needs().contains("lfi_path"));
        let plan = Plan::compile_text("search * | lookup users user OUTPUT dept | stats count by level", &ctx).unwrap();
        assert!(!plan.needs().contains("user"));
    }
}

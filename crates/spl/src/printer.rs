//! The canonical printer: AST back to SPL text.
//!
//! For any tree the parser produced, `parse(print(tree))` gives the same tree (spans aside). The
//! output is normalised: one space between tokens, ` | ` between commands, uppercase operators,
//! the implicit first `search` left implicit.

use std::fmt::Write;

use crate::ast::{
    Aggregation, AggregationArg, BinaryOp, Collation, Command, CommandKind, CompareOp, Directive, Expr, Field, Literal,
    LookupField, OptionArg, Pipeline, Query, SearchExpr, SearchValue, SortKey, UnaryOp,
};
use crate::parser::GENERATING;

/// Print a query in canonical form.
#[must_use]
pub fn print(query: &Query) -> String {
    let mut out = String::new();
    pipeline(&mut out, &query.pipeline, false);
    out
}

/// Print an eval expression in canonical form.
#[must_use]
pub fn print_expr(e: &Expr) -> String {
    let mut out = String::new();
    expr(&mut out, e, 0, 0);
    out
}

/// Print a search expression in canonical form.
#[must_use]
pub fn print_search(e: &SearchExpr) -> String {
    let mut out = String::new();
    search(&mut out, e);
    out
}

fn pipeline(out: &mut String, p: &Pipeline, in_subsearch: bool) {
    if p.leading_pipe {
        out.push_str("| ");
    }
    for (i, c) in p.commands.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        }
        let implicit = i == 0 && !p.leading_pipe;
        command(out, c, implicit, in_subsearch);
    }
}

fn command(out: &mut String, c: &Command, implicit: bool, in_subsearch: bool) {
    let name = if c.name.name.is_empty() {
        "search"
    } else {
        c.name.name.as_str()
    };
    match &c.kind {
        CommandKind::Search(e) => {
            let mut body = String::new();
            if let Some(e) = e {
                search(&mut body, e);
            }
            // The implicit search stays implicit unless its first word would then read as a
            // command name.
            let first_word = body.split_whitespace().next().unwrap_or("");
            let needs_name = !implicit
                || body.is_empty()
                || first_word.eq_ignore_ascii_case("search")
                || (in_subsearch && GENERATING.contains(&first_word));
            if needs_name {
                out.push_str(name);
                if !body.is_empty() {
                    out.push(' ');
                }
            }
            out.push_str(&body);
        }
        CommandKind::Invalid(raw) => out.push_str(raw),
        kind => {
            out.push_str(name);
            let mut args = String::new();
            command_args(&mut args, kind);
            if !args.is_empty() {
                out.push(' ');
                out.push_str(&args);
            }
        }
    }
}

#[allow(clippy::too_many_lines)]
fn command_args(out: &mut String, kind: &CommandKind) {
    let mut w = Words::default();
    match kind {
        CommandKind::Search(_) | CommandKind::Invalid(_) => {}
        CommandKind::Where(e) => w.push(print_expr(e)),
        CommandKind::Eval(assignments) => {
            let parts: Vec<String> = assignments
                .iter()
                .map(|a| format!("{}={}", eval_target(&a.field), print_expr(&a.expr)))
                .collect();
            w.push(parts.join(", "));
        }
        CommandKind::Stats(s) | CommandKind::Eventstats(s) | CommandKind::Streamstats(s) => {
            w.options(&s.options);
            w.aggregations(&s.aggregations);
            if !s.by.is_empty() {
                w.push("BY".into());
                w.fields(&s.by);
            }
        }
        CommandKind::Rename(pairs) => {
            let parts: Vec<String> = pairs
                .iter()
                .map(|p| format!("{} AS {}", field(&p.from), field(&p.to)))
                .collect();
            w.push(parts.join(", "));
        }
        CommandKind::Fillnull(f) => {
            if let Some(v) = &f.value {
                w.push(format!("value={}", literal(v)));
            }
            w.fields(&f.fields);
        }
        CommandKind::Table(fields) => w.fields(fields),
        CommandKind::Fields(f) => {
            if f.remove {
                w.push("-".into());
            } else if f
                .fields
                .first()
                .is_some_and(|f| !f.quoted && (f.name == "-" || f.name == "+"))
            {
                // A first field named `-` or `+` would read as the mode.
                w.push("+".into());
            }
            w.fields(&f.fields);
        }
        CommandKind::Dedup(d) => {
            if let Some(c) = &d.count {
                w.push(literal(c));
            }
            w.fields(&d.fields);
            w.options(&d.options);
            if !d.sort_by.is_empty() {
                w.push("sortby".into());
                w.sort_keys(&d.sort_by);
            }
        }
        CommandKind::Sort(s) => {
            // A quoted count only reads as a count in `limit=` form.
            match &s.limit {
                Some(l) if l.quoted => w.push(format!("limit={}", literal(l))),
                Some(l) => w.push(literal(l)),
                None => {}
            }
            w.sort_keys(&s.keys);
            if s.reverse {
                w.push("desc".into());
            }
        }
        CommandKind::Head(h) => {
            let limit_option = h.options.iter().any(|o| o.name.name.eq_ignore_ascii_case("limit"));
            if let Some(c) = &h.count
                && !limit_option
            {
                w.push(literal(c));
            }
            if let Some(e) = &h.condition {
                w.push(print_expr(e));
            }
            w.options(&h.options);
        }
        CommandKind::Tail(t) => {
            if let Some(c) = &t.count {
                w.push(literal(c));
            }
        }
        CommandKind::Top(t) | CommandKind::Rare(t) => {
            if let Some(l) = &t.limit {
                w.push(literal(l));
            }
            w.options(&t.options);
            w.fields(&t.fields);
            if !t.by.is_empty() {
                w.push("BY".into());
                w.fields(&t.by);
            }
        }
        CommandKind::Spath(s) => {
            if let Some(f) = &s.input {
                w.push(format!("input={}", field(f)));
            }
            if let Some(f) = &s.output {
                w.push(format!("output={}", field(f)));
            }
            if let Some(p) = &s.path {
                w.push(format!("path={}", literal(p)));
            }
        }
        CommandKind::Rex(r) => {
            if let Some(f) = &r.field {
                w.push(format!("field={}", field(f)));
            }
            w.push(quote(&r.regex.value, '"'));
            w.options(&r.options);
        }
        CommandKind::Lookup(l) => {
            w.options(&l.options);
            w.push(literal(&l.table));
            w.push(lookup_fields(&l.inputs));
            if let Some(o) = &l.output {
                w.push(if o.new_only { "OUTPUTNEW" } else { "OUTPUT" }.into());
                if !o.fields.is_empty() {
                    w.push(lookup_fields(&o.fields));
                }
            }
        }
        CommandKind::Inputlookup(i) => {
            w.options(&i.options);
            w.push(literal(&i.table));
            if let Some(c) = &i.condition {
                w.push("WHERE".into());
                w.push(print_search(c));
            }
        }
        CommandKind::Iplocation(i) => {
            w.options(&i.options);
            w.push(field(&i.field));
        }
        CommandKind::Convert(c) => {
            w.options(&c.options);
            for conv in &c.conversions {
                let mut s = format!("{}({})", conv.function.name, field(&conv.field));
                if let Some(a) = &conv.alias {
                    let _ = write!(s, " AS {}", field(a));
                }
                w.push(s);
            }
        }
        CommandKind::Bin(b) => {
            w.options(&b.options);
            w.push(field(&b.field));
            if let Some(a) = &b.alias {
                w.push(format!("AS {}", field(a)));
            }
        }
        CommandKind::Mvexpand(m) => {
            w.push(field(&m.field));
            w.options(&m.options);
        }
        CommandKind::Makeresults(opts) => w.options(opts),
        CommandKind::Append(a) => {
            w.options(&a.options);
            w.push(subsearch(&a.subsearch.pipeline));
        }
        CommandKind::Join(j) => {
            w.options(&j.options);
            if !j.fields.is_empty() {
                w.push(j.fields.iter().map(field).collect::<Vec<_>>().join(", "));
            }
            w.push(subsearch(&j.subsearch.pipeline));
        }
        CommandKind::Foreach(f) => {
            w.options(&f.options);
            w.fields(&f.fields);
            w.push(format!("[{}]", f.template));
        }
        CommandKind::Mstats(m) | CommandKind::Tstats(m) => {
            // Options written after the aggregations (Splunk documents `span=` after `BY`) are
            // printed there too; the parser keeps them after the leading ones, in source order.
            let first_agg = m.aggregations.first().map_or(usize::MAX, |a| a.span.start);
            let (trailing, leading): (Vec<OptionArg>, Vec<OptionArg>) =
                m.options.iter().cloned().partition(|o| o.name.span.start > first_agg);
            w.options(&leading);
            w.aggregations(&m.aggregations);
            if let Some(from) = &m.from {
                w.push(format!("FROM {}", literal(from)));
            }
            if let Some(c) = &m.condition {
                w.push("WHERE".into());
                w.push(print_search(c));
            }
            if !m.by.is_empty() {
                w.push("BY".into());
                w.fields(&m.by);
            }
            w.options(&trailing);
        }
    }
    out.push_str(&w.0.join(" "));
}

/// Space-separated argument words.
#[derive(Default)]
struct Words(Vec<String>);

impl Words {
    fn push(&mut self, s: String) {
        if !s.is_empty() {
            self.0.push(s);
        }
    }

    fn fields(&mut self, fields: &[Field]) {
        for f in fields {
            self.push(list_field(f));
        }
    }

    fn options(&mut self, options: &[OptionArg]) {
        for o in options {
            self.push(format!("{}={}", o.name.name, literal(&o.value)));
        }
    }

    fn aggregations(&mut self, aggs: &[Aggregation]) {
        for a in aggs {
            let mut s = a.function.name.clone();
            match &a.arg {
                Some(AggregationArg::Field(f)) => {
                    let _ = write!(s, "({})", field(f));
                }
                Some(AggregationArg::Eval(e)) => {
                    let _ = write!(s, "(eval({}))", print_expr(e));
                }
                None => {}
            }
            if let Some(alias) = &a.alias {
                let _ = write!(s, " AS {}", field(alias));
            }
            self.push(s);
        }
    }

    fn sort_keys(&mut self, keys: &[SortKey]) {
        for k in keys {
            let name = if k.collation == Collation::Auto && !k.descending {
                list_field(&k.field)
            } else {
                field(&k.field)
            };
            let body = match k.collation {
                Collation::Auto => name,
                Collation::Str => format!("str({name})"),
                Collation::Num => format!("num({name})"),
                Collation::Ip => format!("ip({name})"),
            };
            self.push(if k.descending { format!("-{body}") } else { body });
        }
    }
}

fn lookup_fields(fields: &[LookupField]) -> String {
    fields
        .iter()
        .map(|f| match &f.event {
            Some(e) => format!("{} AS {}", field(&f.lookup), field(e)),
            None => list_field(&f.lookup),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn subsearch(p: &Pipeline) -> String {
    let mut s = String::from("[");
    pipeline(&mut s, p, true);
    s.push(']');
    s
}

/// A field in command arguments: bare, or double-quoted.
fn field(f: &Field) -> String {
    if f.quoted { quote(&f.name, '"') } else { f.name.clone() }
}

/// Words that end a field list somewhere (`top x BY y`, `dedup x sortby y`, `sort x desc`,
/// `lookup t x OUTPUT y`).
const LIST_STOPS: &[&str] = &["by", "sortby", "desc", "d", "output", "outputnew"];

/// A field in a list. The parser reads a bare field named like a word that ends the list, or
/// like a count (`top 5`), only when a comma follows it (`top BY, x`), so such a name keeps its
/// comma.
fn list_field(f: &Field) -> String {
    let mut s = field(f);
    let stop = LIST_STOPS.iter().any(|k| f.name.eq_ignore_ascii_case(k));
    let count = f.name.bytes().all(|b| b.is_ascii_digit());
    if !f.quoted && (stop || count) {
        s.push(',');
    }
    s
}

/// The left side of an eval assignment.
fn eval_target(f: &Field) -> String {
    if f.quoted { quote(&f.name, '"') } else { f.name.clone() }
}

fn literal(l: &Literal) -> String {
    if l.quoted {
        quote(&l.value, '"')
    } else {
        l.value.clone()
    }
}

/// Quote `text` so the parser's unescaping gives it back: `"` and `\` before a special character
/// are escaped; other backslashes are kept as written, as Splunk keeps unknown escapes.
fn quote(text: &str, q: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(q);
    escape_into(&mut out, text, &[q]);
    out.push(q);
    out
}

/// Escape `\` where the parser would otherwise read it as the start of an escape, and every char
/// in `specials`.
fn escape_into(out: &mut String, text: &str, specials: &[char]) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let next = chars.peek().copied();
            if next.is_none_or(|n| n == '\\' || n == '|' || n == '"' || n == '\'' || specials.contains(&n)) {
                out.push_str("\\\\");
            } else {
                out.push('\\');
            }
        } else if specials.contains(&c) {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
}

fn search_value(v: &SearchValue) -> String {
    if v.quoted {
        quote(&v.text, '"')
    } else {
        let mut out = String::with_capacity(v.text.len());
        escape_into(&mut out, &v.text, &['"', '|']);
        out
    }
}

fn search_field(f: &Field) -> String {
    if f.quoted {
        quote(&f.name, '"')
    } else {
        // The name was read like a bare value, escapes expanded: `\|` must stay escaped.
        let mut out = String::with_capacity(f.name.len());
        escape_into(&mut out, &f.name, &['"', '|']);
        out
    }
}

fn search(out: &mut String, e: &SearchExpr) {
    match e {
        SearchExpr::And { items, .. } => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    // After a word, `IN (` starts an IN list; the term `IN` needs its `AND`.
                    let term_in = matches!(item, SearchExpr::Term(v) if !v.quoted && v.text == "IN");
                    out.push_str(if term_in { " AND " } else { " " });
                }
                search(out, item);
            }
        }
        SearchExpr::Or { items, .. } => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(" OR ");
                }
                // An AND inside an OR needs parentheses: OR binds tighter than AND in search.
                if matches!(item, SearchExpr::And { .. }) {
                    out.push('(');
                    search(out, item);
                    out.push(')');
                } else {
                    search(out, item);
                }
            }
        }
        SearchExpr::Not { expr, .. } => {
            out.push_str("NOT ");
            if matches!(**expr, SearchExpr::And { .. } | SearchExpr::Or { .. }) {
                out.push('(');
                search(out, expr);
                out.push(')');
            } else {
                search(out, expr);
            }
        }
        SearchExpr::Compare { field, op, value, .. } => {
            let (field, value) = (search_field(field), search_value(value));
            out.push_str(&field);
            // `x! =y` and `x< =y` must not print as `x!=y` and `x<=y`.
            if field.ends_with('!') && *op == CompareOp::Eq {
                out.push(' ');
            }
            out.push_str(op.as_str());
            if value.starts_with('=') && matches!(op, CompareOp::Lt | CompareOp::Gt) {
                out.push(' ');
            }
            out.push_str(&value);
        }
        SearchExpr::In { field, values, .. } => {
            out.push_str(&search_field(field));
            out.push_str(" IN (");
            let parts: Vec<String> = values.iter().map(search_value).collect();
            out.push_str(&parts.join(", "));
            out.push(')');
        }
        SearchExpr::Term(v) => out.push_str(&search_value(v)),
        SearchExpr::Directive { kind, value, .. } => {
            out.push_str(match kind {
                Directive::Case => "CASE(",
                Directive::Term => "TERM(",
            });
            out.push_str(&search_value(value));
            out.push(')');
        }
        SearchExpr::TimeModifier { name, value, .. } => {
            out.push_str(&name.name);
            out.push('=');
            out.push_str(&search_value(value));
        }
        SearchExpr::Subsearch { pipeline: p, .. } => out.push_str(&subsearch(p)),
        SearchExpr::Group { expr, .. } => {
            out.push('(');
            search(out, expr);
            out.push(')');
        }
    }
}

/// Print `e` between an operator of binding power `left` and one of power `right` (0: none, or
/// a bracket or comma), parenthesising exactly where the parser would otherwise group it
/// differently.
///
/// A binary operator needs parentheses when either neighbour binds tighter. A prefix `NOT`
/// takes everything to its right that binds at least as tightly as `NOT`, so it needs them only
/// when such an operator follows. `IN` is a postfix operator at comparison level: the parser
/// attaches it to everything on its left unless a tighter operator precedes.
fn expr(out: &mut String, e: &Expr, left: u8, right: u8) {
    match e {
        Expr::Str { value, .. } => out.push_str(&quote(value, '"')),
        Expr::Number { text, .. } => out.push_str(text),
        Expr::Field(f) => {
            if f.quoted {
                out.push_str(&quote(&f.name, '\''));
            } else {
                out.push_str(&f.name);
            }
        }
        Expr::Unary { op, expr: inner, .. } => {
            let (text, power) = match op {
                UnaryOp::Not => ("NOT ", 4),
                UnaryOp::Neg => ("-", 8),
                UnaryOp::Plus => ("+", 8),
            };
            let paren = power <= right;
            if paren {
                out.push('(');
            }
            out.push_str(text);
            expr(out, inner, power, if paren { 0 } else { right });
            if paren {
                out.push(')');
            }
        }
        Expr::Binary { op, lhs, rhs, .. } => {
            let power = op.precedence();
            let paren = power < left || power < right;
            let (left, right) = if paren { (0, 0) } else { (left, right) };
            if paren {
                out.push('(');
            }
            expr(out, lhs, left, power);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            expr(out, rhs, power + 1, right);
            if paren {
                out.push(')');
            }
        }
        Expr::In { expr: inner, list, .. } => {
            let paren = left > 5;
            let left = if paren { 0 } else { left };
            if paren {
                out.push('(');
            }
            expr(out, inner, left, 5);
            out.push_str(" IN (");
            for (i, a) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                expr(out, a, 0, 0);
            }
            out.push(')');
            if paren {
                out.push(')');
            }
        }
        Expr::Call { name, args, .. } => {
            out.push_str(&name.name);
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                expr(out, a, 0, 0);
            }
            out.push(')');
        }
        Expr::Group { expr: inner, .. } => {
            out.push('(');
            expr(out, inner, 0, 0);
            out.push(')');
        }
    }
}

impl BinaryOp {
    /// Whether the operator is a comparison (`=`, `!=`, `<`, `<=`, `>`, `>=`, `LIKE`).
    #[must_use]
    pub fn is_comparison(self) -> bool {
        self.precedence() == 5
    }
}

//! Argument grammars of the commands Tripline parses, one function per command.
//!
//! Each follows the syntax block of the command's page in Splunk's Search Reference. Options
//! (`name=value`) are checked against the command's documented option names so a typo is an
//! error rather than a silently ignored argument.

use super::search::SearchStop;
use super::{GENERATING, PResult, Parser, describe, suggest};
use crate::ast::{
    Aggregation, AggregationArg, AppendCommand, Assignment, BinCommand, Collation, CommandKind, Conversion,
    ConvertCommand, DedupCommand, Field, FieldsCommand, FillnullCommand, ForeachCommand, HeadCommand, Ident,
    InputlookupCommand, IplocationCommand, JoinCommand, Literal, LookupCommand, LookupField, LookupOutput,
    MetricStatsCommand, MvexpandCommand, OptionArg, RenamePair, RexCommand, SortCommand, SortKey, SpathCommand,
    StatsCommand, TailCommand, TopCommand,
};
use crate::{Code, Diagnostic, Span, functions};

/// Every command name the parser understands.
pub(crate) const KNOWN: &[&str] = &[
    "append",
    "bin",
    "bucket",
    "convert",
    "dedup",
    "eval",
    "eventstats",
    "fields",
    "fillnull",
    "foreach",
    "head",
    "inputlookup",
    "iplocation",
    "join",
    "lookup",
    "makeresults",
    "mstats",
    "mvexpand",
    "rare",
    "rename",
    "rex",
    "search",
    "sort",
    "spath",
    "stats",
    "streamstats",
    "table",
    "tail",
    "top",
    "tstats",
    "where",
];

/// Real Splunk commands that Tripline does not run, so they get a precise message rather than
/// "unknown command".
const UNSUPPORTED: &[&str] = &[
    "accum",
    "addcoltotals",
    "addinfo",
    "addtotals",
    "analyzefields",
    "anomalies",
    "anomalousvalue",
    "appendcols",
    "appendpipe",
    "arules",
    "associate",
    "autoregress",
    "bucketdir",
    "chart",
    "cluster",
    "cofilter",
    "collect",
    "concurrency",
    "contingency",
    "correlate",
    "datamodel",
    "dbinspect",
    "delete",
    "delta",
    "diff",
    "erex",
    "eventcount",
    "extract",
    "fieldformat",
    "fieldsummary",
    "filldown",
    "findtypes",
    "folderize",
    "format",
    "from",
    "gauge",
    "gentimes",
    "geom",
    "geostats",
    "highlight",
    "history",
    "iconify",
    "inputcsv",
    "kmeans",
    "kv",
    "kvform",
    "loadjob",
    "localize",
    "localop",
    "makecontinuous",
    "makemv",
    "map",
    "metadata",
    "metasearch",
    "mcollect",
    "multikv",
    "multisearch",
    "mvcombine",
    "nomv",
    "outlier",
    "outputcsv",
    "outputlookup",
    "outputtext",
    "overlap",
    "predict",
    "rangemap",
    "regex",
    "relevancy",
    "reltime",
    "replace",
    "require",
    "rest",
    "return",
    "reverse",
    "rtorder",
    "savedsearch",
    "script",
    "scrub",
    "searchtxn",
    "selfjoin",
    "sendemail",
    "set",
    "setfields",
    "sichart",
    "sirare",
    "sistats",
    "sitimechart",
    "sitop",
    "strcat",
    "tags",
    "timechart",
    "timewrap",
    "tojson",
    "transaction",
    "transpose",
    "trendline",
    "tscollect",
    "typeahead",
    "typelearner",
    "typer",
    "union",
    "uniq",
    "untable",
    "walklex",
    "x11",
    "xmlkv",
    "xmlunescape",
    "xpath",
    "xyseries",
];

/// Whether `lname` (lowercase) is a command the parser understands.
pub(crate) fn is_known(lname: &str) -> bool {
    KNOWN.contains(&lname)
}

/// The keywords that end an aggregation list.
const BY: &[&str] = &["by"];

impl Parser<'_> {
    /// Parse the arguments of the command `name`.
    pub(super) fn command_args(&mut self, name: &Ident, first: bool) -> PResult<CommandKind> {
        let lname = name.name.to_ascii_lowercase();
        if GENERATING.contains(&lname.as_str()) && !first {
            let generating_append = lname != "makeresults" && self.rest().contains("append=t");
            if !generating_append {
                self.diags.push(
                    Diagnostic::error(
                        Code::MisplacedGeneratingCommand,
                        name.span,
                        format!("`{lname}` generates results and must be the first command"),
                    )
                    .with_primary_label("not at the start of the search")
                    .with_help(format!(
                        "start the search with `| {lname} ...`, or use it in a subsearch: append [| {lname} ...]"
                    )),
                );
            }
        }
        if name.name != lname && is_known(&lname) {
            // Splunk command names are case-insensitive in practice, but the corpus writes them
            // in lowercase; accept any case silently.
        }
        match lname.as_str() {
            "search" => {
                self.skip_ws();
                self.search_command()
            }
            "where" => {
                self.skip_ws();
                if self.at_command_end() {
                    return Err(self.missing(name, "a condition", "where count > 5"));
                }
                let e = self.expr()?;
                self.check_where_wildcards(&e);
                Ok(CommandKind::Where(e))
            }
            "eval" => self.eval_args(name).map(CommandKind::Eval),
            "stats" => self.stats_args(name, STATS_OPTIONS, false).map(CommandKind::Stats),
            "eventstats" => self
                .stats_args(name, EVENTSTATS_OPTIONS, false)
                .map(CommandKind::Eventstats),
            "streamstats" => self
                .stats_args(name, STREAMSTATS_OPTIONS, false)
                .map(CommandKind::Streamstats),
            "rename" => self.rename_args(name).map(CommandKind::Rename),
            "fillnull" => self.fillnull_args(name).map(CommandKind::Fillnull),
            "table" => {
                let fields = self.field_list(&[])?;
                if fields.is_empty() {
                    return Err(self.missing(name, "at least one field", "table src_ip user"));
                }
                Ok(CommandKind::Table(fields))
            }
            "fields" => self.fields_args(name).map(CommandKind::Fields),
            "dedup" => self.dedup_args(name).map(CommandKind::Dedup),
            "sort" => self.sort_args(name).map(CommandKind::Sort),
            "head" => self.head_args(name).map(CommandKind::Head),
            "tail" => {
                self.skip_ws();
                let count = self.optional_count()?;
                Ok(CommandKind::Tail(TailCommand { count }))
            }
            "top" => self.top_args(name).map(CommandKind::Top),
            "rare" => self.top_args(name).map(CommandKind::Rare),
            "spath" => self.spath_args(name).map(CommandKind::Spath),
            "rex" => self.rex_args(name).map(CommandKind::Rex),
            "lookup" => self.lookup_args(name).map(CommandKind::Lookup),
            "inputlookup" => self.inputlookup_args(name).map(CommandKind::Inputlookup),
            "iplocation" => self.iplocation_args(name).map(CommandKind::Iplocation),
            "convert" => self.convert_args(name).map(CommandKind::Convert),
            "bin" | "bucket" => self.bin_args(name).map(CommandKind::Bin),
            "mvexpand" => self.mvexpand_args(name).map(CommandKind::Mvexpand),
            "makeresults" => {
                let options = self.options_only(name, MAKERESULTS_OPTIONS)?;
                Ok(CommandKind::Makeresults(options))
            }
            "append" => {
                let options = self.leading_options(name, APPEND_OPTIONS)?;
                self.skip_ws();
                let subsearch = self.subsearch()?;
                Ok(CommandKind::Append(AppendCommand { options, subsearch }))
            }
            "join" => self.join_args(name).map(CommandKind::Join),
            "foreach" => self.foreach_args(name).map(CommandKind::Foreach),
            "mstats" => self
                .metric_stats_args(name, MSTATS_OPTIONS, false)
                .map(CommandKind::Mstats),
            "tstats" => self
                .metric_stats_args(name, TSTATS_OPTIONS, true)
                .map(CommandKind::Tstats),
            _ => Err(self.unknown_command(name, &lname)),
        }
    }

    fn unknown_command(&self, name: &Ident, lname: &str) -> Box<Diagnostic> {
        if UNSUPPORTED.contains(&lname) {
            return Box::new(
                Diagnostic::error(
                    Code::UnsupportedCommand,
                    name.span,
                    format!("`{lname}` is a Splunk command that Tripline does not support"),
                )
                .with_primary_label("not supported")
                .with_help("see docs/spl.md for the supported commands"),
            );
        }
        let mut d = Diagnostic::error(
            Code::UnknownCommand,
            name.span,
            format!("unknown command `{}`", name.name),
        )
        .with_primary_label("not an SPL command");
        if let Some(s) = suggest(lname, KNOWN.iter().copied()) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        Box::new(d)
    }

    fn missing(&self, name: &Ident, what: &str, example: &str) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error(
                Code::MissingArgument,
                name.span,
                format!("`{}` needs {what}", name.name),
            )
            .with_help(format!("for example: {example}")),
        )
    }

    /// Options are valid only from the command's documented list.
    fn checked_option(&mut self, cmd: &Ident, allowed: &[&str]) -> PResult<OptionArg> {
        let opt = self.option()?;
        let lname = opt.name.name.to_ascii_lowercase();
        if !allowed.contains(&lname.as_str()) {
            let mut d = Diagnostic::error(
                Code::UnknownOption,
                opt.name.span,
                format!("`{}` has no option `{}`", cmd.name, opt.name.name),
            )
            .with_primary_label("unknown option");
            d = match suggest(&lname, allowed.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None if allowed.is_empty() => d.with_help(format!("`{}` takes no options", cmd.name)),
                None => d.with_help(format!("valid options: {}", allowed.join(", "))),
            };
            return Err(Box::new(d));
        }
        self.check_option_value(&opt)?;
        Ok(opt)
    }

    /// Type-check option values whose type is known.
    fn check_option_value(&self, opt: &OptionArg) -> PResult<()> {
        let name = opt.name.name.to_ascii_lowercase();
        let v = &opt.value.value;
        let kind = option_type(&name);
        let ok = match kind {
            OptType::Int => v.parse::<u64>().is_ok(),
            OptType::Bool => parse_bool(v).is_some(),
            OptType::Any => true,
        };
        if ok {
            return Ok(());
        }
        let expected = match kind {
            OptType::Int => "a non-negative whole number",
            OptType::Bool => "true or false",
            OptType::Any => "a value",
        };
        Err(Box::new(
            Diagnostic::error(
                Code::InvalidOptionValue,
                opt.value.span,
                format!("`{}` must be {expected}, not `{v}`", opt.name.name),
            )
            .with_label(opt.name.span, "for this option"),
        ))
    }

    /// Options at the cursor, up to the first non-option.
    fn leading_options(&mut self, cmd: &Ident, allowed: &[&str]) -> PResult<Vec<OptionArg>> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if !self.at_option() {
                return Ok(out);
            }
            out.push(self.checked_option(cmd, allowed)?);
        }
    }

    /// A command whose only arguments are options.
    fn options_only(&mut self, cmd: &Ident, allowed: &[&str]) -> PResult<Vec<OptionArg>> {
        let out = self.leading_options(cmd, allowed)?;
        self.skip_ws();
        if !self.at_command_end() {
            return Err(self.error_here(
                Code::UnexpectedToken,
                format!("`{}` takes only name=value options, found {}", cmd.name, self.found()),
            ));
        }
        Ok(out)
    }

    /// An optional leading count (`head 5`, `top 3 x`, `dedup 2 x`).
    fn optional_count(&mut self) -> PResult<Option<Literal>> {
        let start = self.pos;
        let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Ok(None);
        }
        let after = self.rest()[digits..].chars().next();
        if after.is_some_and(|c| !(c.is_whitespace() || c == '|' || (c == ']' && self.bracket_depth > 0))) {
            // `404s` or `2x`: a field name that starts with digits, not a count.
            return Ok(None);
        }
        self.pos += digits;
        let value = self.src[start..self.pos].to_string();
        if value.parse::<u64>().is_err() {
            return Err(Box::new(Diagnostic::error(
                Code::InvalidNumber,
                Span::new(start, self.pos),
                "count is too large",
            )));
        }
        Ok(Some(Literal {
            value,
            quoted: false,
            span: Span::new(start, self.pos),
        }))
    }

    // -----------------------------------------------------------------------------------------

    fn eval_args(&mut self, cmd: &Ident) -> PResult<Vec<Assignment>> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.at_command_end() {
                break;
            }
            let start = self.pos;
            let field = self.eval_target()?;
            self.skip_ws();
            if self.rest().starts_with("==") {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::UnexpectedToken,
                        Span::new(self.pos, self.pos + 2),
                        format!("`==` compares values; eval assigns `{}` with a single `=`", field.name),
                    )
                    .with_primary_label("comparison, not assignment")
                    .with_label(field.span, "the field being assigned")
                    .with_help(format!(
                        "write `eval {0}=<value>` to assign; to keep only results where {0} equals a value, use `where {0}==<value>`",
                        field.name
                    )),
                ));
            }
            if !self.eat('=') {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::UnexpectedToken,
                        self.token_span(),
                        format!("expected `=` after `{}` in eval, found {}", field.name, self.found()),
                    )
                    .with_help("eval assigns with a single `=`: eval name=expression"),
                ));
            }
            self.skip_ws();
            if self.at_command_end() || self.peek() == Some(',') {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::ExpectedExpression,
                        Span::empty(self.pos),
                        format!("nothing is assigned to `{}`", field.name),
                    )
                    .with_label(field.span, "this field")
                    .with_help("to remove a field write name=null()"),
                ));
            }
            let expr = self.expr()?;
            let span = Span::new(start, expr.span().end);
            out.push(Assignment { field, expr, span });
            self.skip_ws();
            if !self.eat(',') {
                break;
            }
        }
        if out.is_empty() {
            return Err(self.missing(cmd, "an assignment", "eval severity=\"high\""));
        }
        Ok(out)
    }

    /// The left side of an eval assignment: a quoted name, or a bare name that may contain `:`,
    /// `.`, `{}` and other punctuation (`cpu:mem`, `<<FIELD>>` stand-ins).
    fn eval_target(&mut self) -> PResult<Field> {
        if matches!(self.peek(), Some('\'' | '"')) {
            return self.field();
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, '=' | ',' | '|' | '(' | ')' | '[' | ']' | '"' | '\'') {
                break;
            }
            self.bump();
        }
        if self.pos == start {
            return Err(Box::new(
                Diagnostic::error(
                    Code::ExpectedField,
                    self.token_span(),
                    format!(
                        "expected the name of the field to assign, found {}",
                        describe(self.peek())
                    ),
                )
                .with_help("eval assigns with name=expression"),
            ));
        }
        Ok(Field {
            name: self.src[start..self.pos].to_string(),
            quoted: false,
            span: Span::new(start, self.pos),
        })
    }

    fn check_where_wildcards(&mut self, e: &crate::ast::Expr) {
        use crate::ast::{BinaryOp, Expr};
        match e {
            Expr::Binary { op, lhs, rhs, .. } => {
                if matches!(op, BinaryOp::Eq | BinaryOp::Ne)
                    && let Expr::Str { value, span } = rhs.as_ref()
                    && value.contains('*')
                {
                    self.diags.push(
                        Diagnostic::warning(
                            Code::LiteralWildcard,
                            *span,
                            "`*` is a literal character in where/eval comparisons",
                        )
                        .with_help("use like(field, \"pattern%\") or the search command for wildcard matching"),
                    );
                }
                self.check_where_wildcards(lhs);
                self.check_where_wildcards(rhs);
            }
            Expr::Unary { expr, .. } | Expr::Group { expr, .. } => self.check_where_wildcards(expr),
            _ => {}
        }
    }

    /// `stats [options] agg [AS name] ... [BY fields] [options]`.
    fn stats_args(&mut self, cmd: &Ident, allowed: &[&str], metric: bool) -> PResult<StatsCommand> {
        let mut options = self.leading_options(cmd, allowed)?;
        let aggregations = self.aggregations(cmd, &["by", "where", "from"], metric)?;
        if aggregations.is_empty() {
            return Err(self.missing(cmd, "at least one aggregation", "stats count BY src_ip"));
        }
        let mut by = Vec::new();
        self.skip_ws();
        if let Some(by_span) = self.eat_keyword("by", true) {
            by = self.field_list(&[])?;
            if by.is_empty() {
                return Err(Box::new(
                    Diagnostic::error(Code::ExpectedField, by_span, "`BY` needs at least one field")
                        .with_primary_label("no field after this `BY`")
                        .with_help(format!(
                            "name the fields to group by, e.g. {} count BY src_ip, or remove `BY`",
                            cmd.name
                        )),
                ));
            }
        }
        options.extend(self.leading_options(cmd, allowed)?);
        Ok(StatsCommand {
            options,
            aggregations,
            by,
        })
    }

    /// Aggregation terms until a stop keyword or the end of the command.
    fn aggregations(&mut self, cmd: &Ident, stops: &[&str], metric: bool) -> PResult<Vec<Aggregation>> {
        let mut out: Vec<Aggregation> = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(',') {
                continue;
            }
            if self.at_command_end() || stops.iter().any(|k| self.at_keyword(k, true)) || self.at_option() {
                break;
            }
            let start = self.pos;
            let Some(mut function) = self.ident() else {
                return Err(self.error_here(
                    Code::UnexpectedToken,
                    format!(
                        "expected an aggregation such as count or values(field), found {}",
                        self.found()
                    ),
                ));
            };
            // A fractional percentile such as `exactperc99.5`.
            if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                }
                function = Ident {
                    name: self.src[start..self.pos].to_string(),
                    span: Span::new(start, self.pos),
                };
            }
            if !functions::is_stats_function(&function.name) {
                let lname = function.name.to_ascii_lowercase();
                let mut d = Diagnostic::error(
                    Code::UnknownStatsFunction,
                    function.span,
                    format!("unknown {} function `{}`", cmd.name, function.name),
                )
                .with_primary_label("not a stats function");
                if let Some(s) = suggest(&lname, functions::STATS_FUNCTIONS.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                return Err(Box::new(d));
            }
            let arg = if self.peek() == Some('(') {
                Some(self.aggregation_arg(&function)?)
            } else {
                None
            };
            let save = self.pos;
            self.skip_ws();
            let alias = if self.eat_keyword("as", true).is_some() {
                self.skip_ws();
                Some(self.field()?)
            } else {
                self.pos = save;
                None
            };
            if arg.is_none() && !matches!(function.name.to_ascii_lowercase().as_str(), "count" | "c") && !metric {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::MissingArgument,
                        function.span,
                        format!("`{}` needs a field: {}(field)", function.name, function.name),
                    )
                    .with_primary_label("no field given"),
                ));
            }
            if let Some(a) = &alias
                && let Some(prev) = out
                    .iter()
                    .find(|p| p.alias.as_ref().is_some_and(|pa| pa.name == a.name))
            {
                self.diags.push(
                    Diagnostic::warning(
                        Code::DuplicateName,
                        a.span,
                        format!("`{}` is the name of two aggregations", a.name),
                    )
                    .with_label(prev.span, "first used here")
                    .with_help("give each aggregation its own AS name; the later one wins"),
                );
            }
            out.push(Aggregation {
                function,
                arg,
                alias,
                span: Span::new(start, self.pos),
            });
        }
        Ok(out)
    }

    /// `(field)` or `(eval(expr))` after an aggregation function name.
    fn aggregation_arg(&mut self, function: &Ident) -> PResult<AggregationArg> {
        let open = self.pos;
        self.bump();
        self.skip_ws();
        let arg = if self.rest().get(..5).is_some_and(|h| h.eq_ignore_ascii_case("eval(")) {
            self.pos += 4;
            let call_open = self.pos;
            self.bump();
            let e = self.expr()?;
            self.skip_ws();
            if !self.eat(')') {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::UnbalancedParen,
                        Span::new(call_open, call_open + 1),
                        "`eval(` is never closed",
                    )
                    .with_primary_label("opened here"),
                ));
            }
            AggregationArg::Eval(e)
        } else {
            let start = self.pos;
            let mut nest = 0usize;
            // A field inside the parentheses may itself contain parentheses only when quoted;
            // read up to the matching `)`.
            if matches!(self.peek(), Some('"' | '\'')) {
                AggregationArg::Field(self.field()?)
            } else {
                while let Some(c) = self.peek() {
                    match c {
                        '(' => nest += 1,
                        ')' if nest == 0 => break,
                        ')' => nest -= 1,
                        '|' => break,
                        _ => {}
                    }
                    self.bump();
                }
                let name = self.src[start..self.pos].trim().to_string();
                if name.is_empty() && self.peek() == Some(')') {
                    return Err(Box::new(
                        Diagnostic::error(
                            Code::ExpectedField,
                            Span::new(open, (self.pos + 1).min(self.src.len())),
                            format!("`{}()` needs a field", function.name),
                        )
                        .with_help(format!("write {}(field)", function.name)),
                    ));
                }
                AggregationArg::Field(Field {
                    name,
                    quoted: false,
                    span: Span::new(start, trim_end_pos(self.src, start, self.pos)),
                })
            }
        };
        self.skip_ws();
        if !self.eat(')') {
            return Err(Box::new(
                Diagnostic::error(
                    Code::UnbalancedParen,
                    Span::new(open, open + 1),
                    format!("`{}(` is never closed", function.name),
                )
                .with_primary_label("opened here")
                .with_help("add the closing `)`"),
            ));
        }
        Ok(arg)
    }

    fn rename_args(&mut self, cmd: &Ident) -> PResult<Vec<RenamePair>> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(',') {
                continue;
            }
            if self.at_command_end() {
                break;
            }
            let from = self.field()?;
            self.skip_ws();
            let Some(as_span) = self.eat_keyword("as", true) else {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::UnexpectedToken,
                        self.token_span(),
                        format!("expected `AS` after `{}`, found {}", from.name, self.found()),
                    )
                    .with_help("rename old AS new [, old2 AS new2 ...]"),
                ));
            };
            self.skip_ws();
            if self.at_command_end() {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::ExpectedField,
                        as_span,
                        format!("`{} AS` needs a new name", from.name),
                    )
                    .with_primary_label("a new name is expected after this")
                    .with_label(from.span, "renaming this"),
                ));
            }
            let to = self.field()?;
            let (a, b) = (from.name.matches('*').count(), to.name.matches('*').count());
            if a != b {
                self.diags.push(
                    Diagnostic::error(
                        Code::WildcardMismatch,
                        from.span.to(to.span),
                        format!("`{}` has {a} wildcard(s) but `{}` has {b}", from.name, to.name),
                    )
                    .with_help("both sides of a wildcard rename need the same number of `*`"),
                );
            }
            out.push(RenamePair { from, to });
        }
        if out.is_empty() {
            return Err(self.missing(cmd, "at least one `old AS new` pair", "rename sourceIPs{} AS src_ip"));
        }
        Ok(out)
    }

    fn fillnull_args(&mut self, cmd: &Ident) -> PResult<FillnullCommand> {
        let mut value = None;
        let mut fields = Vec::new();
        loop {
            self.skip_ws();
            if self.at_command_end() {
                break;
            }
            if self.at_option() {
                let opt = self.checked_option(cmd, &["value"])?;
                value = Some(opt.value);
                continue;
            }
            let more = self.field_list(&[])?;
            if more.is_empty() {
                return Err(self.error_here(
                    Code::UnexpectedToken,
                    format!("unexpected {} in fillnull", describe(self.peek())),
                ));
            }
            fields.extend(more);
        }
        Ok(FillnullCommand { value, fields })
    }

    fn fields_args(&mut self, cmd: &Ident) -> PResult<FieldsCommand> {
        self.skip_ws();
        let remove = if self.peek() == Some('-') && self.peek_at(1).is_none_or(char::is_whitespace) {
            self.bump();
            true
        } else {
            if self.peek() == Some('+') && self.peek_at(1).is_none_or(char::is_whitespace) {
                self.bump();
            }
            false
        };
        let fields = self.field_list(&[])?;
        if fields.is_empty() {
            return Err(self.missing(cmd, "at least one field", "fields - _raw"));
        }
        Ok(FieldsCommand { remove, fields })
    }

    fn dedup_args(&mut self, cmd: &Ident) -> PResult<DedupCommand> {
        self.skip_ws();
        let count = self.optional_count()?;
        let mut fields = Vec::new();
        let mut options = Vec::new();
        let mut sort_by = Vec::new();
        loop {
            self.skip_ws();
            if self.at_command_end() {
                break;
            }
            if self.at_option() {
                options.push(self.checked_option(cmd, &["keepevents", "keepempty", "consecutive"])?);
                continue;
            }
            if self.eat_keyword("sortby", true).is_some() {
                sort_by = self.sort_keys()?;
                continue;
            }
            let more = self.field_list(&["sortby"])?;
            if more.is_empty() {
                return Err(self.error_here(
                    Code::UnexpectedToken,
                    format!("unexpected {} in dedup", describe(self.peek())),
                ));
            }
            fields.extend(more);
        }
        if fields.is_empty() {
            return Err(self.missing(cmd, "at least one field", "dedup user"));
        }
        Ok(DedupCommand {
            count,
            fields,
            options,
            sort_by,
        })
    }

    fn sort_args(&mut self, cmd: &Ident) -> PResult<SortCommand> {
        self.skip_ws();
        let mut limit = self.optional_count()?;
        self.skip_ws();
        if self.at_option() {
            let opt = self.checked_option(cmd, &["limit"])?;
            limit = Some(opt.value);
        }
        let keys = self.sort_keys()?;
        if keys.is_empty() {
            return Err(self.missing(cmd, "at least one field", "sort - count"));
        }
        self.skip_ws();
        let reverse = self.eat_keyword("desc", true).is_some() || self.eat_keyword("d", false).is_some();
        Ok(SortCommand { limit, keys, reverse })
    }

    /// `[+|-] field | [+|-] auto(field) | str(field) | num(field) | ip(field)`, comma or space separated.
    fn sort_keys(&mut self) -> PResult<Vec<SortKey>> {
        let mut keys = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(',') {
                continue;
            }
            if self.at_command_end() || self.at_keyword("desc", true) || self.at_keyword("d", false) || self.at_option()
            {
                return Ok(keys);
            }
            let start = self.pos;
            let descending = if self.eat('-') {
                true
            } else {
                self.eat('+');
                false
            };
            let signed = self.pos > start;
            self.skip_ws();
            if signed && (self.at_command_end() || self.at_keyword("desc", true)) {
                let sign = &self.src[start..=start];
                return Err(Box::new(
                    Diagnostic::error(
                        Code::ExpectedField,
                        Span::new(start, start + 1),
                        format!("`{sign}` needs a field to sort by"),
                    )
                    .with_primary_label("no field after this sign")
                    .with_help("name the field: sort - count sorts by count, largest first"),
                ));
            }
            let mut collation = Collation::Auto;
            for (name, c) in [
                ("auto(", Collation::Auto),
                ("str(", Collation::Str),
                ("num(", Collation::Num),
                ("ip(", Collation::Ip),
            ] {
                if self
                    .rest()
                    .get(..name.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(name))
                {
                    self.pos += name.len();
                    collation = c;
                    let field = self.field()?;
                    self.skip_ws();
                    if !self.eat(')') {
                        return Err(
                            self.error_here(Code::UnbalancedParen, format!("expected `)` after `{}`", field.name))
                        );
                    }
                    keys.push(SortKey {
                        descending,
                        collation,
                        field,
                        span: Span::new(start, self.pos),
                    });
                    break;
                }
            }
            if keys.last().is_some_and(|k| k.span.start == start) {
                continue;
            }
            let field = self.field()?;
            keys.push(SortKey {
                descending,
                collation,
                field,
                span: Span::new(start, self.pos),
            });
        }
    }

    fn head_args(&mut self, cmd: &Ident) -> PResult<HeadCommand> {
        self.skip_ws();
        let mut count = self.optional_count()?;
        let mut condition = None;
        let mut options = Vec::new();
        loop {
            self.skip_ws();
            if self.at_command_end() {
                break;
            }
            if self.peek() == Some('(') && condition.is_none() && count.is_none() {
                condition = Some(self.expr()?);
                continue;
            }
            if self.at_option() {
                let opt = self.checked_option(cmd, &["limit", "null", "keeplast"])?;
                if opt.name.name.eq_ignore_ascii_case("limit") {
                    count = Some(opt.value.clone());
                }
                options.push(opt);
                continue;
            }
            return Err(Box::new(
                Diagnostic::error(
                    Code::UnexpectedToken,
                    self.token_span(),
                    format!("`head` takes a count, a (condition) or options, found {}", self.found()),
                )
                .with_help("a condition must be in parentheses: head (count > 10); a count is a plain number: head 20"),
            ));
        }
        Ok(HeadCommand {
            count,
            condition,
            options,
        })
    }

    fn top_args(&mut self, cmd: &Ident) -> PResult<TopCommand> {
        self.skip_ws();
        let limit = self.optional_count()?;
        let mut options = self.leading_options(cmd, TOP_OPTIONS)?;
        let fields = self.field_list(BY)?;
        if fields.is_empty() {
            return Err(self.missing(cmd, "at least one field", "top limit=5 src_ip"));
        }
        let mut by = Vec::new();
        self.skip_ws();
        if self.eat_keyword("by", true).is_some() {
            by = self.field_list(&[])?;
        }
        options.extend(self.leading_options(cmd, TOP_OPTIONS)?);
        Ok(TopCommand {
            limit,
            options,
            fields,
            by,
        })
    }

    fn spath_args(&mut self, cmd: &Ident) -> PResult<SpathCommand> {
        let mut out = SpathCommand {
            input: None,
            output: None,
            path: None,
        };
        loop {
            self.skip_ws();
            if self.at_command_end() {
                break;
            }
            if self.at_option() {
                let opt = self.checked_option(cmd, &["input", "output", "path"])?;
                let as_field = |o: &OptionArg| Field {
                    name: o.value.value.clone(),
                    quoted: o.value.quoted,
                    span: o.value.span,
                };
                match opt.name.name.to_ascii_lowercase().as_str() {
                    "input" => out.input = Some(as_field(&opt)),
                    "output" => out.output = Some(as_field(&opt)),
                    _ => out.path = Some(opt.value),
                }
                continue;
            }
            if out.path.is_some() {
                let first = out.path.as_ref().map_or(Span::empty(self.pos), |p| p.span);
                return Err(Box::new(
                    Diagnostic::error(Code::UnexpectedToken, self.token_span(), "`spath` takes one path")
                        .with_primary_label("second path")
                        .with_label(first, "first path")
                        .with_help("extract each path with its own command: | spath a.b | spath c.d"),
                ));
            }
            let f = self.field()?;
            out.path = Some(Literal {
                value: f.name,
                quoted: f.quoted,
                span: f.span,
            });
        }
        Ok(out)
    }

    fn rex_args(&mut self, cmd: &Ident) -> PResult<RexCommand> {
        let mut field = None;
        let mut regex = None;
        let mut options = Vec::new();
        loop {
            self.skip_ws();
            if self.at_command_end() {
                break;
            }
            if self.at_option() {
                let opt = self.checked_option(cmd, &["field", "max_match", "offset_field", "mode"])?;
                if opt.name.name.eq_ignore_ascii_case("field") {
                    field = Some(Field {
                        name: opt.value.value,
                        quoted: opt.value.quoted,
                        span: opt.value.span,
                    });
                } else {
                    options.push(opt);
                }
                continue;
            }
            if self.peek() == Some('"') && regex.is_none() {
                let (value, span) = self.quoted()?;
                regex = Some(Literal {
                    value,
                    quoted: true,
                    span,
                });
                continue;
            }
            if let (Some(first), Some('"')) = (&regex, self.peek()) {
                let at = self.pos;
                let end = self.quoted().map_or(self.src.len(), |(_, s)| s.end);
                return Err(Box::new(
                    Diagnostic::error(
                        Code::UnexpectedToken,
                        Span::new(at, end),
                        "`rex` takes one regular expression",
                    )
                    .with_primary_label("second regular expression")
                    .with_label(first.span, "first regular expression")
                    .with_help("combine the patterns into one, or use a second `| rex` command"),
                ));
            }
            return Err(self.error_here(
                Code::UnexpectedToken,
                format!("`rex` expects a quoted regular expression, found {}", self.found()),
            ));
        }
        let Some(regex) = regex else {
            return Err(self.missing(
                cmd,
                "a quoted regular expression",
                "rex field=request \"^(?<method>\\S+)\"",
            ));
        };
        let sed = options
            .iter()
            .any(|o| o.name.name.eq_ignore_ascii_case("mode") && o.value.value.eq_ignore_ascii_case("sed"));
        if !sed {
            functions::check_regex(&regex.value, regex.span)?;
            if !regex.value.contains("(?<") && !regex.value.contains("(?P<") {
                self.diags.push(
                    Diagnostic::warning(
                        Code::Ambiguous,
                        regex.span,
                        "this `rex` has no named group, so it extracts no field",
                    )
                    .with_help("name the groups to extract: (?<field>...)"),
                );
            }
        }
        Ok(RexCommand { field, regex, options })
    }

    fn lookup_args(&mut self, cmd: &Ident) -> PResult<LookupCommand> {
        let options = self.leading_options(cmd, &["local", "update", "event_time_field"])?;
        self.skip_ws();
        if self.at_command_end() {
            return Err(self.missing(cmd, "a lookup name", "lookup my_lookup src_ip OUTPUT country"));
        }
        let table = self.literal_value()?;
        let inputs = self.lookup_fields(&["output", "outputnew"])?;
        if inputs.is_empty() {
            return Err(self.missing(
                cmd,
                "at least one field to match",
                "lookup my_lookup src_ip OUTPUT country",
            ));
        }
        self.skip_ws();
        let output = if let Some(new_only) = if self.eat_keyword("OUTPUTNEW", true).is_some() {
            Some(true)
        } else if self.eat_keyword("OUTPUT", true).is_some() {
            Some(false)
        } else {
            None
        } {
            let fields = self.lookup_fields(&[])?;
            Some(LookupOutput { new_only, fields })
        } else {
            None
        };
        Ok(LookupCommand {
            options,
            table,
            inputs,
            output,
        })
    }

    fn lookup_fields(&mut self, stops: &[&str]) -> PResult<Vec<LookupField>> {
        let mut out = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(',') {
                continue;
            }
            if self.at_command_end() || stops.iter().any(|k| self.at_keyword(k, true)) {
                return Ok(out);
            }
            let lookup = self.field()?;
            let save = self.pos;
            self.skip_ws();
            let event = if self.eat_keyword("as", true).is_some() {
                self.skip_ws();
                Some(self.field()?)
            } else {
                self.pos = save;
                None
            };
            out.push(LookupField { lookup, event });
        }
    }

    fn inputlookup_args(&mut self, cmd: &Ident) -> PResult<InputlookupCommand> {
        let options = self.leading_options(cmd, &["append", "strict", "start", "max"])?;
        self.skip_ws();
        if self.at_command_end() {
            return Err(self.missing(cmd, "a lookup name", "inputlookup my_lookup"));
        }
        let table = self.literal_value()?;
        self.skip_ws();
        let condition = if self.eat_keyword("where", true).is_some() {
            self.skip_ws();
            self.search_expr(SearchStop::default())?
        } else {
            None
        };
        Ok(InputlookupCommand {
            options,
            table,
            condition,
        })
    }

    fn iplocation_args(&mut self, cmd: &Ident) -> PResult<IplocationCommand> {
        let mut options = self.leading_options(cmd, &["prefix", "allfields", "lang"])?;
        self.skip_ws();
        if self.at_command_end() {
            return Err(self.missing(cmd, "the field holding the IP address", "iplocation sourceIPs{}"));
        }
        let field = self.field()?;
        options.extend(self.leading_options(cmd, &["prefix", "allfields", "lang"])?);
        Ok(IplocationCommand { options, field })
    }

    fn convert_args(&mut self, cmd: &Ident) -> PResult<ConvertCommand> {
        const FUNCTIONS: &[&str] = &[
            "auto", "ctime", "dur2sec", "memk", "mktime", "mstime", "none", "num", "rmcomma", "rmunit",
        ];
        let options = self.leading_options(cmd, &["timeformat"])?;
        let mut conversions = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(',') {
                continue;
            }
            if self.at_command_end() {
                break;
            }
            let start = self.pos;
            let Some(function) = self.ident() else {
                return Err(self.error_here(
                    Code::UnexpectedToken,
                    format!("expected a conversion such as ctime(field), found {}", self.found()),
                ));
            };
            let lname = function.name.to_ascii_lowercase();
            if !FUNCTIONS.contains(&lname.as_str()) {
                let mut d = Diagnostic::error(
                    Code::UnknownFunction,
                    function.span,
                    format!("unknown convert function `{}`", function.name),
                );
                d = match suggest(&lname, FUNCTIONS.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!("convert functions: {}", FUNCTIONS.join(", "))),
                };
                return Err(Box::new(d));
            }
            if !self.eat('(') {
                return Err(self.error_here(Code::UnexpectedToken, format!("expected `(` after `{}`", function.name)));
            }
            let field = self.field()?;
            self.skip_ws();
            if !self.eat(')') {
                return Err(self.error_here(Code::UnbalancedParen, format!("expected `)` after `{}`", field.name)));
            }
            let save = self.pos;
            self.skip_ws();
            let alias = if self.eat_keyword("as", true).is_some() {
                self.skip_ws();
                Some(self.field()?)
            } else {
                self.pos = save;
                None
            };
            conversions.push(Conversion {
                function,
                field,
                alias,
                span: Span::new(start, self.pos),
            });
        }
        if conversions.is_empty() {
            return Err(self.missing(cmd, "a conversion", "convert timeformat=\"%Y-%m-%d\" ctime(firstTime)"));
        }
        Ok(ConvertCommand { options, conversions })
    }

    fn bin_args(&mut self, cmd: &Ident) -> PResult<BinCommand> {
        const OPTIONS: &[&str] = &["bins", "minspan", "span", "start", "end", "aligntime"];
        let mut options = self.leading_options(cmd, OPTIONS)?;
        self.skip_ws();
        if self.at_command_end() {
            return Err(self.missing(cmd, "a field", "bin _time span=1h"));
        }
        let field = self.field()?;
        let save = self.pos;
        self.skip_ws();
        let alias = if self.eat_keyword("as", true).is_some() {
            self.skip_ws();
            Some(self.field()?)
        } else {
            self.pos = save;
            None
        };
        options.extend(self.leading_options(cmd, OPTIONS)?);
        for o in &options {
            if o.name.name.eq_ignore_ascii_case("span") && !valid_span(&o.value.value) {
                return Err(Box::new(
                    Diagnostic::error(
                        Code::InvalidOptionValue,
                        o.value.span,
                        format!("`{}` is not a valid span", o.value.value),
                    )
                    .with_help("write a number and a unit: span=10m, span=1h, span=1d"),
                ));
            }
        }
        Ok(BinCommand { options, field, alias })
    }

    fn mvexpand_args(&mut self, cmd: &Ident) -> PResult<MvexpandCommand> {
        let mut options = self.leading_options(cmd, &["limit"])?;
        self.skip_ws();
        if self.at_command_end() {
            return Err(self.missing(cmd, "a field", "mvexpand user.groups{}"));
        }
        let field = self.field()?;
        options.extend(self.leading_options(cmd, &["limit"])?);
        Ok(MvexpandCommand { field, options })
    }

    fn join_args(&mut self, cmd: &Ident) -> PResult<JoinCommand> {
        let mut options = Vec::new();
        let mut fields = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(',') {
                continue;
            }
            if self.peek() == Some('[') || self.at_command_end() {
                break;
            }
            if self.at_option() {
                options.push(self.checked_option(cmd, JOIN_OPTIONS)?);
                continue;
            }
            fields.push(self.field()?);
        }
        let subsearch = self.subsearch()?;
        Ok(JoinCommand {
            options,
            fields,
            subsearch,
        })
    }

    fn foreach_args(&mut self, cmd: &Ident) -> PResult<ForeachCommand> {
        const OPTIONS: &[&str] = &[
            "mode",
            "fieldstr",
            "matchstr",
            "matchseg1",
            "matchseg2",
            "matchseg3",
            "itemstr",
        ];
        let mut options = Vec::new();
        let mut fields = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some('[') || self.at_command_end() {
                break;
            }
            if self.at_option() {
                options.push(self.checked_option(cmd, OPTIONS)?);
                continue;
            }
            let field = self.field()?;
            if !fields.is_empty() && !field.quoted && is_known(&field.name.to_ascii_lowercase()) {
                // `foreach x* eval ...`: the template lost its brackets.
                return Err(Box::new(
                    Diagnostic::error(
                        Code::MissingArgument,
                        field.span,
                        format!(
                            "the `foreach` template must be in brackets, but `{}` follows the field list",
                            field.name
                        ),
                    )
                    .with_primary_label("this command is not in a [ template ]")
                    .with_help("foreach stdev_* [ eval <<FIELD>> = round('<<FIELD>>', 2) ]"),
                ));
            }
            fields.push(field);
        }
        if self.peek() != Some('[') {
            return Err(self.missing(
                cmd,
                "a [ template ]",
                "foreach stdev_* [ eval <<FIELD>> = round('<<FIELD>>', 2) ]",
            ));
        }
        let open = self.pos;
        // Find the matching `]`, honouring quotes, to take the template verbatim.
        let mut i = open + 1;
        let bytes = self.src.as_bytes();
        let mut depth = 1usize;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) => {
                    if b == b'\\' {
                        i += 1;
                    } else if b == q {
                        quote = None;
                    }
                }
                None => match b {
                    b'"' | b'\'' => quote = Some(b),
                    b'[' => depth += 1,
                    b']' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        if i >= bytes.len() {
            return Err(Box::new(
                Diagnostic::error(
                    Code::UnbalancedBracket,
                    Span::new(open, open + 1),
                    "foreach template `[` is never closed",
                )
                .with_primary_label("opened here"),
            ));
        }
        let template = self.src[open + 1..i].to_string();
        // Check the template as a pipeline with each `<<...>>` placeholder replaced by a name of
        // the same length, parsed in place so every span still points into the user's text.
        // The stand-in text ends where the template does: the template's parser must stop there
        // even where it reads the brackets differently (`\]`), or every nested `foreach` would
        // parse the rest of the search again and the work would double with each one.
        let mut stand_in = self.src[..i].to_string();
        stand_in.replace_range(open + 1..i, &substitute_placeholders(&template));
        // A template nests like a subsearch, and counts towards the same limit: templates inside
        // templates would otherwise recurse until the stack overflows.
        self.enter()?;
        let mut sub = Parser::new(&stand_in);
        sub.pos = open + 1;
        sub.bracket_depth = 1;
        sub.depth = self.depth;
        let pipeline = sub.pipeline_with(true, false);
        self.leave();
        self.diags.append(&mut sub.diags);
        self.pos = i + 1;
        Ok(ForeachCommand {
            options,
            fields,
            template,
            template_pipeline: pipeline,
            template_span: Span::new(open, self.pos),
        })
    }

    /// `mstats`/`tstats`: `[options] aggs [FROM datamodel=x] [WHERE search] [BY fields] [options]`.
    fn metric_stats_args(&mut self, cmd: &Ident, allowed: &[&str], has_from: bool) -> PResult<MetricStatsCommand> {
        let mut options = self.leading_options(cmd, allowed)?;
        let aggregations = self.aggregations(cmd, &["by", "where", "from"], true)?;
        if aggregations.is_empty() {
            return Err(self.missing(
                cmd,
                "at least one aggregation",
                "mstats avg(cpu) WHERE index=metrics BY host",
            ));
        }
        let mut from = None;
        let mut condition = None;
        let mut by = Vec::new();
        loop {
            self.skip_ws();
            if self.at_command_end() {
                break;
            }
            if has_from && self.eat_keyword("from", true).is_some() {
                self.skip_ws();
                from = Some(self.literal_value()?);
                continue;
            }
            if self.eat_keyword("where", true).is_some() {
                self.skip_ws();
                condition = self.search_expr(SearchStop { at_by: true })?;
                continue;
            }
            if self.eat_keyword("by", true).is_some() {
                by = self.field_list(&[])?;
                continue;
            }
            if self.at_option() {
                options.push(self.checked_option(cmd, allowed)?);
                continue;
            }
            return Err(self.error_here(
                Code::UnexpectedToken,
                format!("unexpected {} in `{}`", self.found(), cmd.name),
            ));
        }
        Ok(MetricStatsCommand {
            options,
            aggregations,
            from,
            condition,
            by,
        })
    }
}

const STATS_OPTIONS: &[&str] = &["allnum", "delim", "partitions", "dedup_splitvals"];
const EVENTSTATS_OPTIONS: &[&str] = &["allnum"];
const STREAMSTATS_OPTIONS: &[&str] = &[
    "allnum",
    "current",
    "global",
    "reset_after",
    "reset_before",
    "reset_on_change",
    "time_window",
    "window",
];
const TOP_OPTIONS: &[&str] = &[
    "countfield",
    "limit",
    "otherstr",
    "percentfield",
    "showcount",
    "showperc",
    "useother",
];
const MAKERESULTS_OPTIONS: &[&str] = &[
    "count",
    "annotate",
    "splunk_server",
    "splunk_server_group",
    "format",
    "data",
];
const APPEND_OPTIONS: &[&str] = &["extendtimerange", "maxtime", "maxout", "timeout"];
const JOIN_OPTIONS: &[&str] = &[
    "type",
    "usetime",
    "earlier",
    "overwrite",
    "max",
    "left",
    "right",
    "where",
];
const MSTATS_OPTIONS: &[&str] = &[
    "prestats",
    "append",
    "backfill",
    "update_period",
    "fillnull_value",
    "chart",
    "chart.limit",
    "chart.agg",
    "chart.usenull",
    "chart.useother",
    "span",
    "every",
    "timewrap",
];
const TSTATS_OPTIONS: &[&str] = &[
    "prestats",
    "local",
    "append",
    "summariesonly",
    "include_reduced_buckets",
    "allow_old_summaries",
    "chunk_size",
    "fillnull_value",
    "span",
];

enum OptType {
    Int,
    Bool,
    Any,
}

fn option_type(lname: &str) -> OptType {
    match lname {
        "max_match" | "count" | "limit" | "max" | "maxout" | "maxtime" | "timeout" | "window" | "bins" | "start"
        | "partitions" | "chunk_size" => OptType::Int,
        "allnum"
        | "keepevents"
        | "keepempty"
        | "consecutive"
        | "allfields"
        | "local"
        | "update"
        | "append"
        | "strict"
        | "annotate"
        | "usetime"
        | "overwrite"
        | "current"
        | "global"
        | "showcount"
        | "showperc"
        | "useother"
        | "null"
        | "keeplast"
        | "prestats"
        | "summariesonly"
        | "allow_old_summaries"
        | "dedup_splitvals"
        | "include_reduced_buckets"
        | "extendtimerange" => OptType::Bool,
        _ => OptType::Any,
    }
}

/// Splunk's boolean spellings.
pub(crate) fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "y" => Some(true),
        "false" | "f" | "0" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// `10s`, `1h`, `5m`, `1d`, `1mon`, or a bare number of seconds.
fn valid_span(v: &str) -> bool {
    let digits = v.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
    if digits == 0 {
        return false;
    }
    let unit = &v[digits..];
    unit.is_empty()
        || matches!(
            unit,
            "s" | "sec"
                | "secs"
                | "second"
                | "seconds"
                | "m"
                | "min"
                | "mins"
                | "minute"
                | "minutes"
                | "h"
                | "hr"
                | "hrs"
                | "hour"
                | "hours"
                | "d"
                | "day"
                | "days"
                | "w"
                | "week"
                | "weeks"
                | "mon"
                | "month"
                | "months"
                | "q"
                | "qtr"
                | "qtrs"
                | "quarter"
                | "quarters"
                | "y"
                | "yr"
                | "yrs"
                | "year"
                | "years"
                | "ms"
                | "us"
                | "cs"
                | "ds"
        )
}

/// Replace `<<NAME>>` placeholders with `__NAME__` (same length) so the template parses.
fn substitute_placeholders(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find("<<") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find(">>") {
            Some(j) if after[..j].chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                out.push_str("__");
                out.push_str(&after[..j]);
                out.push_str("__");
                rest = &after[j + 2..];
            }
            _ => {
                out.push_str("<<");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn trim_end_pos(src: &str, start: usize, end: usize) -> usize {
    start + src[start..end].trim_end().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_keep_length() {
        let t = "eval x = '<<MATCHSTR>>' + '<<FIELD>>'";
        let s = substitute_placeholders(t);
        assert_eq!(s.len(), t.len());
        assert!(s.contains("'__MATCHSTR__'"));
    }

    #[test]
    fn spans() {
        assert!(valid_span("10s"));
        assert!(valid_span("1h"));
        assert!(!valid_span("h"));
        assert!(!valid_span("10x"));
    }
}

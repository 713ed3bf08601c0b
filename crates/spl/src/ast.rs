//! The SPL abstract syntax tree.
//!
//! Every node carries the [`Span`] of the text it came from (in the text handed to the parser,
//! i.e. after macro expansion). Spans are ignored when comparing trees for the printer round trip:
//! see [`Query::without_spans`].
//!
//! The tree keeps what the author wrote where Splunk's semantics depend on it (quoted or bare
//! values, `by` versus `BY` does not matter and is normalised), and nothing else.

use serde::Serialize;

use crate::Span;

/// A whole search: a pipeline of commands.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Query {
    /// The pipeline.
    pub pipeline: Pipeline,
}

/// Commands separated by `|`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pipeline {
    /// Whether the text began with `|` (then the first command must be a generating command).
    pub leading_pipe: bool,
    /// The commands, in order. The implicit first `search` is an ordinary [`CommandKind::Search`].
    pub commands: Vec<Command>,
    /// The whole pipeline.
    pub span: Span,
}

/// A name as written, with its span (command names, option names, function names).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ident {
    /// The text.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A field name (possibly with `*` wildcards where the command allows them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The name, unquoted and unescaped: `user.groups{}`, `responseStatus.code`, `object.*`.
    pub name: String,
    /// Whether the author wrote it in quotes (`"user.groups{}"` in search, `'a.b'` in eval).
    pub quoted: bool,
    /// Where it was written.
    pub span: Span,
}

impl Field {
    /// Whether the name contains a `*` wildcard.
    #[must_use]
    pub fn is_wildcard(&self) -> bool {
        self.name.contains('*')
    }
}

/// A literal value in command arguments (`value=0`, `timeformat="%Y"`, a lookup name).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Literal {
    /// The text, with quotes removed and escapes expanded.
    pub value: String,
    /// Whether it was quoted.
    pub quoted: bool,
    /// Where it was written.
    pub span: Span,
}

/// A `name=value` option of a command (`max_match=2`, `type=left`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OptionArg {
    /// The option name.
    pub name: Ident,
    /// The option value.
    pub value: Literal,
}

/// One command of a pipeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Command {
    /// The command name as written (`search`, `stats`, ...); for the implicit first search, an
    /// empty span at the start.
    pub name: Ident,
    /// The command and its arguments.
    pub kind: CommandKind,
    /// The command including its name and arguments.
    pub span: Span,
}

/// The commands Tripline parses, each with its own argument grammar.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "command", content = "args", rename_all = "lowercase")]
#[non_exhaustive]
pub enum CommandKind {
    /// `search <expr>`; `None` for an empty search (`search` alone), which keeps everything.
    Search(Option<SearchExpr>),
    /// `where <eval-expr>`.
    Where(Expr),
    /// `eval a=<expr>, b=<expr>`.
    Eval(Vec<Assignment>),
    /// `stats`.
    Stats(StatsCommand),
    /// `eventstats`.
    Eventstats(StatsCommand),
    /// `streamstats`.
    Streamstats(StatsCommand),
    /// `rename a AS b, c AS d`.
    Rename(Vec<RenamePair>),
    /// `fillnull [value=v] [fields]`.
    Fillnull(FillnullCommand),
    /// `table fields`.
    Table(Vec<Field>),
    /// `fields [+|-] fields`.
    Fields(FieldsCommand),
    /// `dedup [N] fields [options] [sortby ...]`.
    Dedup(DedupCommand),
    /// `sort [N] [+|-]field ...`.
    Sort(SortCommand),
    /// `head [N | (expr)] [options]`.
    Head(HeadCommand),
    /// `tail [N]`.
    Tail(TailCommand),
    /// `top [N] [options] fields [BY fields]`.
    Top(TopCommand),
    /// `rare [N] [options] fields [BY fields]`.
    Rare(TopCommand),
    /// `spath [input=f] [output=f] [path=p | p]`.
    Spath(SpathCommand),
    /// `rex [field=f] "regex" [max_match=N] [offset_field=f]` or `rex mode=sed`.
    Rex(RexCommand),
    /// `lookup table field [AS f] ... [OUTPUT|OUTPUTNEW ...]`.
    Lookup(LookupCommand),
    /// `inputlookup [options] table [WHERE search]`.
    Inputlookup(InputlookupCommand),
    /// `iplocation [prefix=p] [allfields=b] [lang=l] field`.
    Iplocation(IplocationCommand),
    /// `convert [timeformat=f] fn(field) [AS f] ...`.
    Convert(ConvertCommand),
    /// `bin`/`bucket [options] field [AS f]`.
    Bin(BinCommand),
    /// `mvexpand field [limit=N]`.
    Mvexpand(MvexpandCommand),
    /// `makeresults [count=N] [annotate=b] ...`.
    Makeresults(Vec<OptionArg>),
    /// `append [options] [ subsearch ]`.
    Append(AppendCommand),
    /// `join [options] [fields] [ subsearch ]`.
    Join(JoinCommand),
    /// `foreach [options] fields [ template ]`.
    Foreach(ForeachCommand),
    /// `mstats ... WHERE ... BY ...`.
    Mstats(MetricStatsCommand),
    /// `tstats ... FROM ... WHERE ... BY ...`.
    Tstats(MetricStatsCommand),
    /// A command the parser could not make sense of (reported as a diagnostic); its raw text is
    /// kept so the rest of the pipeline still has a shape.
    Invalid(String),
}

// ---------------------------------------------------------------------------------------------
// search

/// The `search` command's expression language.
///
/// Note the precedence, which differs from eval: `NOT` binds tightest, then `OR`, then `AND`
/// (implicit or explicit). `a b OR c` is `a AND (b OR c)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum SearchExpr {
    /// All must match (implicit AND between terms, or explicit `AND`).
    And {
        /// The operands (at least two).
        items: Vec<SearchExpr>,
        /// The whole conjunction.
        span: Span,
    },
    /// Any must match.
    Or {
        /// The operands (at least two).
        items: Vec<SearchExpr>,
        /// The whole disjunction.
        span: Span,
    },
    /// The operand must not match (fields that are absent count as not matching).
    Not {
        /// The negated expression.
        expr: Box<SearchExpr>,
        /// From `NOT` to the end of the operand.
        span: Span,
    },
    /// `field <op> value`.
    Compare {
        /// The field.
        field: Field,
        /// The operator.
        op: CompareOp,
        /// The value (may contain wildcards).
        value: SearchValue,
        /// The whole comparison.
        span: Span,
    },
    /// `field IN (v1, v2, ...)`.
    In {
        /// The field.
        field: Field,
        /// The values (may contain wildcards).
        values: Vec<SearchValue>,
        /// The whole expression.
        span: Span,
    },
    /// A bare term or quoted phrase, matched against `_raw`.
    Term(SearchValue),
    /// `CASE(term)` / `TERM(term)` directives.
    Directive {
        /// Which directive.
        kind: Directive,
        /// The term inside.
        value: SearchValue,
        /// The whole directive.
        span: Span,
    },
    /// A time modifier such as `earliest=-1h@h`.
    TimeModifier {
        /// The modifier name (`earliest`, `latest`, `_index_earliest`, ...).
        name: Ident,
        /// The value as written.
        value: SearchValue,
        /// The whole modifier.
        span: Span,
    },
    /// `[ subsearch ]` inside a search expression.
    Subsearch {
        /// The nested pipeline.
        pipeline: Box<Pipeline>,
        /// Including the brackets.
        span: Span,
    },
    /// A parenthesised group, kept so the printer reproduces the author's grouping.
    Group {
        /// The inner expression.
        expr: Box<SearchExpr>,
        /// Including the parentheses.
        span: Span,
    },
}

impl SearchExpr {
    /// The span of the whole expression.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            SearchExpr::And { span, .. }
            | SearchExpr::Or { span, .. }
            | SearchExpr::Not { span, .. }
            | SearchExpr::Compare { span, .. }
            | SearchExpr::In { span, .. }
            | SearchExpr::Directive { span, .. }
            | SearchExpr::TimeModifier { span, .. }
            | SearchExpr::Subsearch { span, .. }
            | SearchExpr::Group { span, .. } => *span,
            SearchExpr::Term(v) => v.span,
        }
    }
}

/// `CASE()` or `TERM()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Directive {
    /// `CASE(x)`: case-sensitive match.
    Case,
    /// `TERM(x)`: match the whole string as one indexed term.
    Term,
}

/// A comparison operator in `search`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CompareOp {
    /// `=`
    #[serde(rename = "=")]
    Eq,
    /// `!=`
    #[serde(rename = "!=")]
    Ne,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
}

impl CompareOp {
    /// The operator as written.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// A value or term in `search`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchValue {
    /// The value with quotes removed and `\"`, `\\`, `\|` escapes expanded. `*` is a wildcard
    /// (Splunk offers no way to escape it).
    pub text: String,
    /// Whether it was a quoted phrase (`"Pulling image*"`) rather than a bare token.
    pub quoted: bool,
    /// Where it was written.
    pub span: Span,
}

impl SearchValue {
    /// Whether the value contains a `*` wildcard.
    #[must_use]
    pub fn has_wildcard(&self) -> bool {
        self.text.contains('*')
    }
}

// ---------------------------------------------------------------------------------------------
// eval

/// An eval/where expression.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Expr {
    /// A double-quoted string literal.
    Str {
        /// The unescaped value.
        value: String,
        /// Where it was written.
        span: Span,
    },
    /// A number literal, kept as written (Splunk numbers are doubles; `1.0` and `1` print
    /// differently).
    Number {
        /// The literal text.
        text: String,
        /// Where it was written.
        span: Span,
    },
    /// A field reference: a bare name or a single-quoted `'name'`.
    Field(Field),
    /// `NOT x`, `-x`, `!x`.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `a <op> b`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `x IN (a, b)` (no wildcards, unlike search).
    In {
        /// The tested expression.
        expr: Box<Expr>,
        /// The list.
        list: Vec<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `name(args...)`.
    Call {
        /// The function name as written (functions are case-insensitive).
        name: Ident,
        /// The arguments.
        args: Vec<Expr>,
        /// The whole call.
        span: Span,
    },
    /// A parenthesised expression, kept so the printer reproduces grouping.
    Group {
        /// The inner expression.
        expr: Box<Expr>,
        /// Including the parentheses.
        span: Span,
    },
}

impl Expr {
    /// The span of the whole expression.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            Expr::Str { span, .. }
            | Expr::Number { span, .. }
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::In { span, .. }
            | Expr::Call { span, .. }
            | Expr::Group { span, .. } => *span,
            Expr::Field(f) => f.span,
        }
    }
}

/// Unary operators in eval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UnaryOp {
    /// `NOT x` (also `!x`).
    Not,
    /// `-x`.
    Neg,
    /// `+x`.
    Plus,
}

/// Binary operators in eval, loosest first: `XOR`, `OR`, `AND`, comparisons and `LIKE`,
/// `+ - .`, `* / %`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    /// `XOR`
    #[serde(rename = "XOR")]
    Xor,
    /// `OR` (also `||`)
    #[serde(rename = "OR")]
    Or,
    /// `AND` (also `&&`)
    #[serde(rename = "AND")]
    And,
    /// `=` or `==` (synonyms in eval)
    #[serde(rename = "=")]
    Eq,
    /// `!=` (also `<>`)
    #[serde(rename = "!=")]
    Ne,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `LIKE` with `%` and `_` patterns
    #[serde(rename = "LIKE")]
    Like,
    /// `+`: addition of numbers, concatenation of strings
    #[serde(rename = "+")]
    Add,
    /// `-`
    #[serde(rename = "-")]
    Sub,
    /// `.`: string concatenation
    #[serde(rename = ".")]
    Concat,
    /// `*`
    #[serde(rename = "*")]
    Mul,
    /// `/`
    #[serde(rename = "/")]
    Div,
    /// `%`
    #[serde(rename = "%")]
    Mod,
}

impl BinaryOp {
    /// The operator in canonical spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Xor => "XOR",
            BinaryOp::Or => "OR",
            BinaryOp::And => "AND",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Like => "LIKE",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Concat => ".",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
        }
    }

    /// Binding power: higher binds tighter.
    #[must_use]
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Xor => 1,
            BinaryOp::Or => 2,
            BinaryOp::And => 3,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Like => 5,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Concat => 6,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 7,
        }
    }
}

/// `field = expr` in `eval`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Assignment {
    /// The destination field.
    pub field: Field,
    /// The value.
    pub expr: Expr,
    /// The whole assignment.
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// stats family

/// `stats`, `eventstats`, `streamstats`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StatsCommand {
    /// `name=value` options, wherever they were written.
    pub options: Vec<OptionArg>,
    /// The aggregations.
    pub aggregations: Vec<Aggregation>,
    /// The `BY` fields.
    pub by: Vec<Field>,
}

/// One aggregation term: `count`, `values(x) AS y`, `avg(eval(...))`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Aggregation {
    /// The function name as written (`count`, `c`, `dc`, `values`, `perc95`, ...).
    pub function: Ident,
    /// The argument, if any.
    pub arg: Option<AggregationArg>,
    /// The `AS` name, if any.
    pub alias: Option<Field>,
    /// The whole term.
    pub span: Span,
}

/// What an aggregation function reads.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AggregationArg {
    /// A field (may be a wildcard such as `tcp.*` in mstats).
    Field(Field),
    /// `eval(expr)`: the function reads the expression's value per event.
    Eval(Expr),
}

// ---------------------------------------------------------------------------------------------
// other commands

/// `a AS b` in `rename`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RenamePair {
    /// The source name (may contain `*`).
    pub from: Field,
    /// The destination name (same number of `*` as `from`).
    pub to: Field,
}

/// `fillnull`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FillnullCommand {
    /// `value=...` (default `0`).
    pub value: Option<Literal>,
    /// The fields to fill; empty means every field present somewhere in the result set.
    pub fields: Vec<Field>,
}

/// `fields`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldsCommand {
    /// `fields - a b` removes; otherwise keeps only the listed fields.
    pub remove: bool,
    /// The fields (wildcards allowed).
    pub fields: Vec<Field>,
}

/// `dedup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DedupCommand {
    /// Keep this many events per combination (default 1).
    pub count: Option<Literal>,
    /// The fields.
    pub fields: Vec<Field>,
    /// `keepevents=`, `keepempty=`, `consecutive=`.
    pub options: Vec<OptionArg>,
    /// `sortby` keys.
    pub sort_by: Vec<SortKey>,
}

/// `sort`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SortCommand {
    /// The maximum number of results (`sort 100 x`, or `limit=100`).
    pub limit: Option<Literal>,
    /// The sort keys.
    pub keys: Vec<SortKey>,
    /// A trailing `desc` reverses the whole order.
    pub reverse: bool,
}

/// One sort key: `-count`, `+num(x)`, `str(name)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SortKey {
    /// Descending (`-`).
    pub descending: bool,
    /// How values are compared.
    pub collation: Collation,
    /// The field.
    pub field: Field,
    /// The whole key.
    pub span: Span,
}

/// How `sort` compares a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Collation {
    /// Numbers numerically, others lexicographically (the default, also `auto(x)`).
    Auto,
    /// `str(x)`: lexicographic.
    Str,
    /// `num(x)`: numeric.
    Num,
    /// `ip(x)`: IP address order.
    Ip,
}

/// `head`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeadCommand {
    /// `head 5`.
    pub count: Option<Literal>,
    /// `head (x > 5)`: stop at the first result where the expression is not true.
    pub condition: Option<Expr>,
    /// `limit=`, `null=`, `keeplast=`.
    pub options: Vec<OptionArg>,
}

/// `tail`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TailCommand {
    /// `tail 5` (default 10).
    pub count: Option<Literal>,
}

/// `top` and `rare`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopCommand {
    /// `top 5 x` (default 10).
    pub limit: Option<Literal>,
    /// `countfield=`, `percentfield=`, `showcount=`, `showperc=`, `useother=`, `otherstr=`, `limit=`.
    pub options: Vec<OptionArg>,
    /// The fields counted together.
    pub fields: Vec<Field>,
    /// `BY` fields.
    pub by: Vec<Field>,
}

/// `spath`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpathCommand {
    /// `input=` (default `_raw`).
    pub input: Option<Field>,
    /// `output=`.
    pub output: Option<Field>,
    /// `path=` or the positional path; `None` means auto-extract everything.
    pub path: Option<Literal>,
}

/// `rex`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RexCommand {
    /// `field=` (default `_raw`).
    pub field: Option<Field>,
    /// The regular expression (or sed expression with `mode=sed`).
    pub regex: Literal,
    /// `max_match=`, `offset_field=`, `mode=`.
    pub options: Vec<OptionArg>,
}

/// `lookup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LookupCommand {
    /// `local=`, `update=`, `event_time_field=`.
    pub options: Vec<OptionArg>,
    /// The lookup definition or file name.
    pub table: Literal,
    /// Match fields: lookup field, then the event field if `AS` was given.
    pub inputs: Vec<LookupField>,
    /// `OUTPUT` or `OUTPUTNEW`, if given.
    pub output: Option<LookupOutput>,
}

/// `lookup_field [AS event_field]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LookupField {
    /// The field in the lookup table.
    pub lookup: Field,
    /// The field in the event, when named differently.
    pub event: Option<Field>,
}

/// The output clause of `lookup`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LookupOutput {
    /// `OUTPUTNEW` (only write fields the event does not have) rather than `OUTPUT`.
    pub new_only: bool,
    /// The output fields; empty means every non-match column.
    pub fields: Vec<LookupField>,
}

/// `inputlookup`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InputlookupCommand {
    /// `append=`, `start=`, `max=`, `strict=`.
    pub options: Vec<OptionArg>,
    /// The lookup definition or file name.
    pub table: Literal,
    /// `WHERE <search>`.
    pub condition: Option<SearchExpr>,
}

/// `iplocation`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IplocationCommand {
    /// `prefix=`, `allfields=`, `lang=`.
    pub options: Vec<OptionArg>,
    /// The field holding the IP address.
    pub field: Field,
}

/// `convert`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConvertCommand {
    /// `timeformat=`.
    pub options: Vec<OptionArg>,
    /// The conversions.
    pub conversions: Vec<Conversion>,
}

/// `ctime(field) [AS name]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Conversion {
    /// `auto`, `ctime`, `dur2sec`, `memk`, `mktime`, `mstime`, `none`, `num`, `rmcomma`, `rmunit`.
    pub function: Ident,
    /// The field (wildcards allowed).
    pub field: Field,
    /// `AS` name.
    pub alias: Option<Field>,
    /// The whole conversion.
    pub span: Span,
}

/// `bin` / `bucket`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BinCommand {
    /// `span=`, `bins=`, `minspan=`, `start=`, `end=`, `aligntime=`.
    pub options: Vec<OptionArg>,
    /// The field (usually `_time`).
    pub field: Field,
    /// `AS` name.
    pub alias: Option<Field>,
}

/// `mvexpand`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MvexpandCommand {
    /// The multivalue field.
    pub field: Field,
    /// `limit=`.
    pub options: Vec<OptionArg>,
}

/// `append`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AppendCommand {
    /// `extendtimerange=`, `maxtime=`, `maxout=`, `timeout=`.
    pub options: Vec<OptionArg>,
    /// The subsearch.
    pub subsearch: Subsearch,
}

/// `join`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JoinCommand {
    /// `type=`, `usetime=`, `earlier=`, `overwrite=`, `max=`.
    pub options: Vec<OptionArg>,
    /// The join fields.
    pub fields: Vec<Field>,
    /// The subsearch.
    pub subsearch: Subsearch,
}

/// `[ pipeline ]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Subsearch {
    /// The nested pipeline.
    pub pipeline: Pipeline,
    /// Including the brackets.
    pub span: Span,
}

/// `foreach`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ForeachCommand {
    /// `mode=`, `fieldstr=`, `matchstr=`, `matchseg1=`, ...
    pub options: Vec<OptionArg>,
    /// The wildcard field list.
    pub fields: Vec<Field>,
    /// The template text between the brackets, verbatim: it contains `<<FIELD>>`/`<<MATCHSTR>>`
    /// placeholders, so it is only a pipeline once they are substituted.
    pub template: String,
    /// The template checked as a pipeline, with placeholders standing in as field names.
    pub template_pipeline: Pipeline,
    /// Including the brackets.
    pub template_span: Span,
}

/// `mstats` and `tstats` (generating commands over metrics or accelerated data).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricStatsCommand {
    /// Options such as `prestats=`, `summariesonly=`, `span=`, wherever written.
    pub options: Vec<OptionArg>,
    /// The aggregations.
    pub aggregations: Vec<Aggregation>,
    /// `FROM datamodel=...` (tstats).
    pub from: Option<Literal>,
    /// `WHERE <search>`.
    pub condition: Option<SearchExpr>,
    /// `BY` fields.
    pub by: Vec<Field>,
}

impl Query {
    /// A JSON rendering of the tree with every span removed, for comparing trees that came from
    /// different texts (the printer round trip) and for snapshot tests.
    #[must_use]
    pub fn without_spans(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        strip_spans(&mut v);
        v
    }
}

fn strip_spans(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| k != "span" && !k.ends_with("_span"));
            for (_, child) in map.iter_mut() {
                strip_spans(child);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_spans),
        _ => {}
    }
}

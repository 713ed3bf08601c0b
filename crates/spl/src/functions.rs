//! The names and argument counts of SPL's eval and stats functions, used to validate searches.
//!
//! The parser checks every call against these tables so a typo is caught by `tripline lint`
//! rather than at run time. Whether the engine implements a function is a separate question,
//! answered by the engine's own registry.

use crate::{Code, Diagnostic, Span};

/// Signature of one eval function.
#[derive(Clone, Copy, Debug)]
pub struct EvalFunction {
    /// Lowercase name.
    pub name: &'static str,
    /// Fewest arguments.
    pub min_args: usize,
    /// Most arguments (`None`: unbounded).
    pub max_args: Option<usize>,
    /// Index of an argument that is a regular expression, checked when it is a literal.
    pub regex_arg: Option<usize>,
    /// How to call it, for help texts.
    pub usage: &'static str,
}

const fn f(name: &'static str, min: usize, max: usize, usage: &'static str) -> EvalFunction {
    EvalFunction {
        name,
        min_args: min,
        max_args: Some(max),
        regex_arg: None,
        usage,
    }
}

const fn variadic(name: &'static str, min: usize, usage: &'static str) -> EvalFunction {
    EvalFunction {
        name,
        min_args: min,
        max_args: None,
        regex_arg: None,
        usage,
    }
}

const fn re(name: &'static str, min: usize, max: usize, at: usize, usage: &'static str) -> EvalFunction {
    EvalFunction {
        name,
        min_args: min,
        max_args: Some(max),
        regex_arg: Some(at),
        usage,
    }
}

/// Every eval function Splunk documents (Search Reference, "Evaluation functions"), sorted.
pub const EVAL_FUNCTIONS: &[EvalFunction] = &[
    f("abs", 1, 1, "abs(num)"),
    f("acos", 1, 1, "acos(x)"),
    f("acosh", 1, 1, "acosh(x)"),
    f("asin", 1, 1, "asin(x)"),
    f("asinh", 1, 1, "asinh(x)"),
    f("atan", 1, 1, "atan(x)"),
    f("atan2", 2, 2, "atan2(y, x)"),
    f("atanh", 1, 1, "atanh(x)"),
    variadic("case", 2, "case(cond1, value1, cond2, value2, ...)"),
    f("ceil", 1, 1, "ceil(num)"),
    f("ceiling", 1, 1, "ceiling(num)"),
    f("cidrmatch", 2, 2, "cidrmatch(\"10.0.0.0/8\", ip)"),
    variadic("coalesce", 1, "coalesce(x, y, ...)"),
    f("commands", 1, 1, "commands(search_string)"),
    f("cos", 1, 1, "cos(x)"),
    f("cosh", 1, 1, "cosh(x)"),
    f("exact", 1, 1, "exact(expr)"),
    f("exp", 1, 1, "exp(num)"),
    f("false", 0, 0, "false()"),
    f("floor", 1, 1, "floor(num)"),
    f("hypot", 2, 2, "hypot(x, y)"),
    f("if", 3, 3, "if(condition, then, else)"),
    variadic("in", 2, "in(field, \"a\", \"b\", ...)"),
    f("ipmask", 2, 2, "ipmask(mask, ip)"),
    f("isbool", 1, 1, "isbool(x)"),
    f("isint", 1, 1, "isint(x)"),
    f("isnotnull", 1, 1, "isnotnull(x)"),
    f("isnull", 1, 1, "isnull(x)"),
    f("isnum", 1, 1, "isnum(x)"),
    f("isstr", 1, 1, "isstr(x)"),
    variadic("json_array", 0, "json_array(v, ...)"),
    f("json_array_to_mv", 1, 2, "json_array_to_mv(json, trim)"),
    variadic("json_extract", 1, "json_extract(json, path, ...)"),
    variadic("json_extract_exact", 1, "json_extract_exact(json, key, ...)"),
    f("json_keys", 1, 1, "json_keys(json)"),
    variadic("json_object", 0, "json_object(key, value, ...)"),
    variadic("json_set", 3, "json_set(json, path, value, ...)"),
    f("json_valid", 1, 1, "json_valid(json)"),
    f("len", 1, 1, "len(str)"),
    f("like", 2, 2, "like(str, \"pattern%\")"),
    f("ln", 1, 1, "ln(num)"),
    f("log", 1, 2, "log(num, base)"),
    f("lower", 1, 1, "lower(str)"),
    f("ltrim", 1, 2, "ltrim(str, chars)"),
    re("match", 2, 2, 1, "match(str, \"regex\")"),
    variadic("max", 1, "max(x, y, ...)"),
    f("md5", 1, 1, "md5(str)"),
    variadic("min", 1, "min(x, y, ...)"),
    f("mv_to_json_array", 1, 2, "mv_to_json_array(mv, infer_types)"),
    variadic("mvappend", 1, "mvappend(x, y, ...)"),
    f("mvcount", 1, 1, "mvcount(mv)"),
    f("mvdedup", 1, 1, "mvdedup(mv)"),
    f("mvfilter", 1, 1, "mvfilter(condition)"),
    re("mvfind", 2, 2, 1, "mvfind(mv, \"regex\")"),
    f("mvindex", 2, 3, "mvindex(mv, start, end)"),
    f("mvjoin", 2, 2, "mvjoin(mv, \",\")"),
    f("mvmap", 2, 2, "mvmap(mv, expr)"),
    f("mvrange", 2, 3, "mvrange(start, end, step)"),
    f("mvsort", 1, 1, "mvsort(mv)"),
    f("mvzip", 2, 3, "mvzip(mv1, mv2, \",\")"),
    f("now", 0, 0, "now()"),
    f("null", 0, 0, "null()"),
    f("nullif", 2, 2, "nullif(x, y)"),
    f("pi", 0, 0, "pi()"),
    f("pow", 2, 2, "pow(x, y)"),
    variadic("printf", 1, "printf(\"%s\", x, ...)"),
    f("random", 0, 0, "random()"),
    f("relative_time", 2, 2, "relative_time(time, \"-1d@d\")"),
    re("replace", 3, 3, 1, "replace(str, \"regex\", \"replacement\")"),
    f("round", 1, 2, "round(num, digits)"),
    f("rtrim", 1, 2, "rtrim(str, chars)"),
    f("searchmatch", 1, 1, "searchmatch(\"search string\")"),
    f("sha1", 1, 1, "sha1(str)"),
    f("sha256", 1, 1, "sha256(str)"),
    f("sha512", 1, 1, "sha512(str)"),
    f("sigfig", 1, 1, "sigfig(num)"),
    f("sin", 1, 1, "sin(x)"),
    f("sinh", 1, 1, "sinh(x)"),
    f("spath", 2, 2, "spath(json, \"path\")"),
    f("split", 2, 2, "split(str, \",\")"),
    f("sqrt", 1, 1, "sqrt(num)"),
    f("strftime", 2, 2, "strftime(time, \"%Y-%m-%d\")"),
    f("strptime", 2, 2, "strptime(str, \"%Y-%m-%d\")"),
    f("substr", 2, 3, "substr(str, start, length)"),
    f("tan", 1, 1, "tan(x)"),
    f("tanh", 1, 1, "tanh(x)"),
    f("time", 0, 0, "time()"),
    f("tonumber", 1, 2, "tonumber(str, base)"),
    f("tostring", 1, 2, "tostring(value, \"hex\"|\"commas\"|\"duration\")"),
    f("trim", 1, 2, "trim(str, chars)"),
    f("true", 0, 0, "true()"),
    f("typeof", 1, 1, "typeof(x)"),
    f("upper", 1, 1, "upper(str)"),
    f("urldecode", 1, 1, "urldecode(str)"),
    variadic("validate", 2, "validate(condition, message, ...)"),
];

/// The signature of the eval function `name` (lowercase), if it exists.
#[must_use]
pub fn lookup(name: &str) -> Option<&'static EvalFunction> {
    EVAL_FUNCTIONS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .map(|i| &EVAL_FUNCTIONS[i])
}

/// Stats functions that take no argument or one field (Search Reference, "Statistical and
/// charting functions").
pub const STATS_FUNCTIONS: &[&str] = &[
    "avg",
    "c",
    "count",
    "dc",
    "distinct_count",
    "earliest",
    "earliest_time",
    "estdc",
    "estdc_error",
    "first",
    "last",
    "latest",
    "latest_time",
    "list",
    "max",
    "mean",
    "median",
    "min",
    "mode",
    "per_day",
    "per_hour",
    "per_minute",
    "per_second",
    "range",
    "rate",
    "stdev",
    "stdevp",
    "sum",
    "sumsq",
    "values",
    "var",
    "varp",
];

/// Whether `name` (any case) is a stats function, including the percentile forms `perc95`,
/// `p99`, `exactperc99.5`, `upperperc90`.
#[must_use]
pub fn is_stats_function(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if STATS_FUNCTIONS.contains(&lower.as_str()) {
        return true;
    }
    percentile(&lower).is_some()
}

/// The percentile of a `perc<N>`/`p<N>`/`exactperc<N>`/`upperperc<N>` function name.
#[must_use]
pub fn percentile(lower: &str) -> Option<f64> {
    let digits = ["exactperc", "upperperc", "perc", "p"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))?;
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let n: f64 = digits.parse().ok()?;
    (0.0..=100.0).contains(&n).then_some(n)
}

/// Check that a literal regular expression is valid and linear-time (no look-around, no
/// back-references): Tripline runs regexes on attacker-written text, so it only accepts what
/// Rust's `regex` crate can run in guaranteed linear time.
///
/// The check is [`crate::pcre::compile`], the very compilation the engine does, so a pattern that
/// passes here runs (including the engine's size limit) and one the engine would refuse fails here.
///
/// `span` is the span of the quoted literal; the error points into it where it can.
///
/// # Errors
/// A diagnostic explaining what is wrong with the pattern.
pub fn check_regex(pattern: &str, span: Span) -> Result<(), Box<Diagnostic>> {
    use crate::pcre::RegexError;
    use regex_syntax::ast::ErrorKind;
    let Err(e) = crate::pcre::compile(pattern) else {
        return Ok(());
    };
    let help = match &e {
        RegexError::Syntax {
            kind: ErrorKind::UnsupportedLookAround,
            ..
        } => {
            "look-around is not supported: Tripline only runs regexes that match in linear time on attacker-written logs; rewrite without (?=, (?!, (?<= or (?<!"
        }
        RegexError::Syntax {
            kind: ErrorKind::UnsupportedBackreference,
            ..
        } => {
            "back-references are not supported: Tripline only runs regexes that match in linear time on attacker-written logs"
        }
        RegexError::TooBig { .. } => {
            "counted repetitions copy what they repeat (`.{0,500}` is 500 copies of `.`): lower the counts or use `*`/`+`"
        }
        _ => "check the pattern against Splunk's PCRE syntax",
    };
    Err(Box::new(
        Diagnostic::error(Code::InvalidRegex, span, format!("invalid regular expression: {e}"))
            .with_primary_label("in this pattern")
            .with_help(help),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eval_table_is_sorted_and_unique() {
        for w in EVAL_FUNCTIONS.windows(2) {
            assert!(w[0].name < w[1].name, "{} >= {}", w[0].name, w[1].name);
        }
    }

    #[test]
    fn percentiles() {
        assert_eq!(percentile("perc95"), Some(95.0));
        assert_eq!(percentile("p99"), Some(99.0));
        assert_eq!(percentile("exactperc99.5"), Some(99.5));
        assert_eq!(percentile("perc"), None);
        assert_eq!(percentile("p101"), None);
        assert!(is_stats_function("Values"));
        assert!(!is_stats_function("valuez"));
    }

    #[test]
    fn regex_checks() {
        assert!(check_regex(r"^(?<m>\S+)\s", Span::default()).is_ok());
        let e = check_regex(r"a(?=b)", Span::default()).unwrap_err();
        assert!(e.help.unwrap().contains("look-around"));
        assert!(check_regex(r"(a", Span::default()).is_err());
    }

    #[test]
    fn regex_checks_agree_with_the_engine_size_limit() {
        // Once too large because `\w` was Unicode; PCRE's ASCII `\w` is small.
        assert!(check_regex(r"^(?::\w{0,127})?$", Span::default()).is_ok());
        assert!(check_regex(r"-\w{5}$$|-[abcdef0-9]{8,10}-\w{5}$$", Span::default()).is_ok());
        let e = check_regex(r"\pL{0,1000}", Span::new(3, 20)).unwrap_err();
        assert_eq!(e.code, Code::InvalidRegex);
        assert_eq!(e.span, Span::new(3, 20));
        assert!(e.message.contains("larger than"), "{}", e.message);
        assert!(e.help.unwrap().contains("counted repetitions"));
        let e = check_regex(r"\p{Nope}", Span::default()).unwrap_err();
        assert!(e.message.contains("Unicode property"), "{}", e.message);
    }
}

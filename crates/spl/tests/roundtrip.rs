//! The printer round trip and the parser's robustness, as properties.
//!
//! The strategies below write random but valid SPL *text* (not trees): search expressions with
//! fields, wildcards, quoted phrases, escapes, `IN`, `NOT`/`OR`/`AND`, parentheses, subsearches,
//! directives and time modifiers; eval expressions with every operator and every function of
//! [`EVAL_FUNCTIONS`] at a valid arity; and pipelines of the commands the parser supports. For
//! each text `T` that parses without errors: `A = parse(T)`, `P = print(A)`, `B = parse(P)` has no
//! errors, `A` and `B` are the same tree (spans aside), and `print(B) == P`.
//!
//! The regression tests at the end are inputs the fuzzer (`fuzz/`) or these properties found.

use proptest::prelude::*;
use proptest::sample::select;
use tripline_spl::functions::{EVAL_FUNCTIONS, EvalFunction};
use tripline_spl::{Diagnostic, ParseOutput, Span, parse, print};

// ---------------------------------------------------------------------------------------------
// checks

/// Assert the round trip for `text`, which must parse without errors.
fn assert_round_trip(text: &str) {
    let a = parse(text);
    assert!(!a.has_errors(), "the input has errors: {text:?}\n{:#?}", a.diagnostics);
    round_trip_holds(text, &a).unwrap_or_else(|e| panic!("{e}"));
}

/// The round trip for a text whose parse (`a`) had no errors.
fn round_trip_holds(text: &str, a: &ParseOutput) -> Result<(), String> {
    let printed = print(&a.query);
    let b = parse(&printed);
    if b.has_errors() {
        return Err(format!(
            "the printed text has errors\n input: {text:?}\nprinted: {printed:?}\n{:#?}",
            b.diagnostics
        ));
    }
    let (ta, tb) = (a.query.without_spans(), b.query.without_spans());
    if ta != tb {
        return Err(format!(
            "the tree changed\n input: {text:?}\nprinted: {printed:?}\n before: {ta}\n  after: {tb}"
        ));
    }
    let again = print(&b.query);
    if again != printed {
        return Err(format!(
            "printing is not idempotent\n input: {text:?}\n  first: {printed:?}\n second: {again:?}"
        ));
    }
    Ok(())
}

fn span_ok(text: &str, span: Span) -> bool {
    span.start <= span.end
        && span.end <= text.len()
        && text.is_char_boundary(span.start)
        && text.is_char_boundary(span.end)
}

/// Every span of every diagnostic lies within `text` and on char boundaries.
fn check_spans(text: &str, diagnostics: &[Diagnostic]) -> Result<(), String> {
    for d in diagnostics {
        let spans = std::iter::once(d.span).chain(d.labels.iter().map(|l| l.span));
        for span in spans {
            if !span_ok(text, span) {
                return Err(format!(
                    "diagnostic {} has span {span:?} outside {} bytes or off a char boundary\n input: {text:?}\n message: {}",
                    d.code.as_str(),
                    text.len(),
                    d.message
                ));
            }
        }
    }
    Ok(())
}

/// Parse anything: no panic, spans in range, and when there are no errors the round trip holds.
fn check_any(text: &str) -> Result<(), String> {
    let a = parse(text);
    check_spans(text, &a.diagnostics)?;
    let printed = print(&a.query);
    let b = parse(&printed);
    check_spans(&printed, &b.diagnostics)?;
    if !a.has_errors() {
        round_trip_holds(text, &a)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// lexical pieces

/// Words that change the parse where a name is expected, in any case.
const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "xor",
    "like",
    "in",
    "by",
    "as",
    "sortby",
    "desc",
    "d",
    "output",
    "outputnew",
    "where",
    "from",
    "search",
    "eval",
    "case",
    "term",
];

fn not_reserved(s: &str) -> bool {
    !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s))
}

/// An identifier such as `src_ip` or `Café`.
fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z_][a-zA-Z0-9_]{0,7}",
        1 => "[a-z]{1,3}[éßøæ日本][a-z0-9]{0,3}",
    ]
    .prop_filter("reserved word", |s| not_reserved(s))
}

/// A bare field name in command arguments: `user.groups{}`, `object.*`, `k8s.io/reason`, `cpu:mem`.
fn bare_field() -> impl Strategy<Value = String> {
    (
        ident(),
        prop::collection::vec((select(&[".", ".", ":", "/", "-"][..]), "[a-zA-Z0-9_]{1,6}"), 0..3),
        select(&["", "", "", "{}", "*", ".*", "{}.id"][..]),
    )
        .prop_map(|(head, parts, tail)| {
            let mut s = head;
            for (sep, p) in parts {
                s.push_str(sep);
                s.push_str(&p);
            }
            s.push_str(tail);
            s
        })
}

/// Plain characters allowed inside quotes (besides escapes).
const QUOTED_CHARS: &[char] = &[
    'a', 'b', 'z', 'A', 'Q', '0', '9', ' ', ' ', '_', '.', '*', '%', '|', '[', ']', '(', ')', '=', '<', '>', '!', ',',
    '`', ':', '/', '{', '}', '@', '-', '+', '#', '$', '\t', 'é', '日', '🦀', '\u{a0}',
];

/// The inside of a quoted string delimited by `quote`, with escapes: `\"`, `\\`, `\|`, and
/// unknown escapes such as `\d` that are kept as written.
fn quoted_body(quote: char, min: usize) -> impl Strategy<Value = String> {
    let other = if quote == '"' { '\'' } else { '"' };
    let atom = prop_oneof![
        12 => select(QUOTED_CHARS).prop_map(String::from),
        1 => Just(format!("\\{quote}")),
        1 => Just("\\\\".to_string()),
        1 => Just("\\|".to_string()),
        1 => Just("\\d".to_string()),
        1 => Just(other.to_string()),
    ];
    prop::collection::vec(atom, min..8).prop_map(|atoms| atoms.concat())
}

fn dq_string() -> impl Strategy<Value = String> {
    quoted_body('"', 0).prop_map(|b| format!("\"{b}\""))
}

/// A field name in command arguments: bare, `"double quoted"` or `'single quoted'`.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => bare_field(),
        1 => quoted_body('"', 1).prop_map(|b| format!("\"{b}\"")),
        1 => quoted_body('\'', 1).prop_map(|b| format!("'{b}'")),
    ]
}

/// One or more fields separated by spaces and/or commas.
/// Names that end a field list, or read as a count, unless a comma follows them.
const COMMA_NAMES: &[&str] = &[
    "BY,",
    "by,",
    "sortby,",
    "d,",
    "desc,",
    "OUTPUT,",
    "outputnew,",
    "0,",
    "12,",
];

fn field_list() -> impl Strategy<Value = String> {
    let item = prop_oneof![
        16 => field(),
        1 => select(COMMA_NAMES).prop_map(String::from),
    ];
    prop::collection::vec((item, select(&[" ", ", ", ",", " , ", "  "][..])), 1..4).prop_map(|items| {
        let n = items.len();
        let mut s = String::new();
        for (i, (f, sep)) in items.into_iter().enumerate() {
            s.push_str(&f);
            if i + 1 < n {
                s.push_str(sep);
            }
        }
        s
    })
}

/// Pieces of a bare search word: plain characters and the escapes `\"`, `\\`, `\|`, `\x`.
fn search_word_body(first_chars: &'static str) -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        12 => "[a-zA-Z0-9_.*:/@{}#%+'!,-]",
        1 => "[éß日🦀]",
        1 => select(&["\\\"", "\\\\", "\\|", "\\d", "\\*"][..]).prop_map(String::from),
    ];
    (first_chars, prop::collection::vec(atom, 0..6))
        .prop_map(|(first, rest)| format!("{first}{}", rest.concat()))
        // `x!` before `=` would read as `!=`.
        .prop_filter("ends with !", |s| !s.ends_with('!'))
        .prop_filter("operator keyword", |s| {
            !matches!(s.as_str(), "AND" | "OR" | "NOT" | "IN")
        })
}

/// A bare search term.
fn search_word() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => search_word_body("[a-zA-Z0-9_*.:/@#%-]"),
        // Words that mean something elsewhere but are plain terms here.
        1 => select(&[
            "search", "makeresults", "and", "or", "not", "by", "AS", "OUTPUT", "*", "x*y", "10.0.0.*",
        ][..])
        .prop_map(String::from),
    ]
}

/// A value after a comparison operator: `=`, `<` and `>` may appear inside it.
fn search_value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => search_word_body("[a-zA-Z0-9_*.:/@#%-]"),
        1 => (search_word_body("[a-z]"), select(&["=", "<", ">", "==", "=>"][..]), "[a-z0-9]{0,3}")
            .prop_map(|(a, op, b)| format!("{a}{op}{b}")),
        2 => dq_string(),
    ]
}

fn search_field() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => bare_field(),
        1 => quoted_body('"', 1).prop_map(|b| format!("\"{b}\"")),
    ]
}

fn time_modifier() -> impl Strategy<Value = String> {
    (
        select(&["earliest", "latest", "_index_earliest", "_index_latest"][..]),
        select(
            &[
                "-24h",
                "-7d@d",
                "@w0",
                "now",
                "0",
                "-1h@h",
                "+1d",
                "-15m",
                "@d+8h",
                "-1mon@mon",
                "1700000000",
                "rt-5m",
                "\"-1d@d\"",
            ][..],
        ),
    )
        .prop_map(|(name, value)| format!("{name}={value}"))
}

/// A leaf of a search expression.
fn search_leaf() -> impl Strategy<Value = String> {
    let cmp = select(&["=", "!=", "<", "<=", ">", ">="][..]);
    let ws = select(&["", "", "", " "][..]);
    prop_oneof![
        4 => search_word(),
        2 => dq_string(),
        6 => (search_field(), ws.clone(), cmp, ws, search_value())
            .prop_map(|(f, w1, op, w2, v)| format!("{f}{w1}{op}{w2}{v}")),
        2 => (
            search_field(),
            prop::collection::vec(prop_oneof![search_word_body("[a-z0-9*]"), dq_string()], 1..4),
            select(&[", ", ",", " , "][..]),
        )
            .prop_map(|(f, vals, sep)| format!("{f} IN ({})", vals.join(sep))),
        1 => time_modifier(),
        1 => (select(&["CASE", "TERM"][..]), prop_oneof![search_word_body("[a-z0-9]"), dq_string()])
            .prop_map(|(d, v)| format!("{d}({v})")),
    ]
}

/// A search expression; `depth` bounds nested subsearches.
fn search_expr(depth: u32) -> BoxedStrategy<String> {
    let leaf = if depth == 0 {
        search_leaf().boxed()
    } else {
        prop_oneof![
            8 => search_leaf(),
            1 => pipeline(depth - 1, true).prop_map(|p| format!("[{p}]")),
        ]
        .boxed()
    };
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            2 => prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" ")),
            1 => prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" AND ")),
            2 => prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" OR ")),
            1 => inner.clone().prop_map(|e| format!("NOT {e}")),
            2 => (inner, select(&["", " "][..])).prop_map(|(e, w)| format!("({w}{e}{w})")),
        ]
    })
    .boxed()
}

// ---------------------------------------------------------------------------------------------
// eval expressions

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,4}",
        "[0-9]{1,3}\\.[0-9]{1,3}",
        "\\.[0-9]{1,2}",
        "[0-9]{1,2}[eE][+-]?[0-9]{1,2}",
    ]
}

/// A bare field reference in eval (no dots, not a keyword).
fn eval_field() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => ident(),
        1 => quoted_body('\'', 1).prop_map(|b| format!("'{b}'")),
        1 => bare_field().prop_map(|f| format!("'{f}'")),
    ]
}

/// Valid regular expressions (with Splunk's escaping inside a double-quoted string).
const REGEXES: &[&str] = &[
    "\"^(?<method>\\S+)\\s\"",
    "\"[a-z]+\"",
    "\"\\\\d{3}\"",
    "\"(?i)admin|root\"",
    "\"^$\"",
    "\"a\\.b\"",
    "\"(?P<user>[^@]+)@\"",
    "\"\\\"quoted\\\"\"",
];

fn eval_leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => number(),
        3 => dq_string(),
        4 => eval_field(),
        1 => select(&["now()", "null()", "true()", "false()", "pi()", "random()", "time()"][..]).prop_map(String::from),
    ]
}

/// A call to `f` with a valid number of arguments drawn from `arg`.
fn call(f: EvalFunction, arg: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let max = f.max_args.unwrap_or(f.min_args + 2).min(f.min_args + 2);
    let name = prop_oneof![
        6 => Just(f.name.to_string()),
        1 => Just(f.name.to_ascii_uppercase()),
    ];
    (
        name,
        prop::collection::vec(arg, f.min_args..=max),
        select(&[", ", ",", " , "][..]),
        select(REGEXES),
    )
        .prop_map(move |(name, mut args, sep, regex)| {
            if let Some(i) = f.regex_arg
                && let Some(a) = args.get_mut(i)
                && a.starts_with('"')
            {
                regex.clone_into(a);
            }
            format!("{name}({})", args.join(sep))
        })
        .boxed()
}

const BINARY_OPS: &[&str] = &[
    "XOR", "xor", "OR", "or", "AND", "and", "=", "==", "!=", "<>", "<", "<=", ">", ">=", "LIKE", "like", "+", "-", ".",
    "*", "/", "%",
];

fn expr() -> BoxedStrategy<String> {
    eval_leaf()
        .prop_recursive(4, 24, 4, |inner| {
            let calls = select(EVAL_FUNCTIONS).prop_flat_map({
                let inner = inner.clone();
                move |f| call(f, inner.clone())
            });
            prop_oneof![
                4 => (inner.clone(), select(BINARY_OPS), inner.clone(), any::<bool>()).prop_map(|(a, op, b, tight)| {
                    // Symbols may be written without spaces; words never.
                    if tight && !op.chars().any(char::is_alphabetic) && op != "." {
                        format!("{a}{op}{b}")
                    } else {
                        format!("{a} {op} {b}")
                    }
                }),
                1 => (select(&["NOT ", "not ", "!", "-", "+", "- "][..]), inner.clone())
                    .prop_map(|(op, e)| format!("{op}{e}")),
                1 => inner.clone().prop_map(|e| format!("({e})")),
                3 => calls,
                1 => (inner.clone(), select(&["IN", "in"][..]), prop::collection::vec(inner, 1..3))
                    .prop_map(|(e, kw, list)| format!("{e} {kw} ({})", list.join(", "))),
            ]
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// commands

fn bool_value() -> impl Strategy<Value = String> {
    select(
        &[
            "true", "false", "t", "f", "1", "0", "yes", "no", "T", "False", "\"true\"",
        ][..],
    )
    .prop_map(String::from)
}

fn int_value() -> impl Strategy<Value = String> {
    prop_oneof![4 => "[0-9]{1,4}", 1 => "\"[0-9]{1,3}\""]
}

/// A literal option value: bare (`%Y`, `x.y`) or quoted.
fn any_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9_.%:/*@-][a-zA-Z0-9_.%:/*@=-]{0,6}",
        1 => dq_string(),
    ]
}

/// `name=value` with a value of the option's type.
fn option(names: &'static [(&'static str, char)]) -> BoxedStrategy<String> {
    select(names)
        .prop_flat_map(|(name, kind)| {
            let value = match kind {
                'i' => int_value().boxed(),
                'b' => bool_value().boxed(),
                _ => any_value().boxed(),
            };
            value.prop_map(move |v| format!("{name}={v}"))
        })
        .boxed()
}

fn options(names: &'static [(&'static str, char)], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(option(names), 0..=max).prop_map(|v| v.join(" "))
}

/// Join non-empty words with single spaces.
fn words(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn kw(word: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![Just(word.to_ascii_uppercase()), Just(word.to_ascii_lowercase()),]
}

fn alias() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(String::new()),
        1 => (kw("as"), field()).prop_map(|(a, f)| format!("{a} {f}")),
    ]
}

const STATS_FNS: &[&str] = &[
    "avg",
    "c",
    "count",
    "dc",
    "distinct_count",
    "earliest",
    "first",
    "last",
    "latest",
    "list",
    "max",
    "mean",
    "median",
    "min",
    "mode",
    "range",
    "stdev",
    "sum",
    "values",
    "var",
    "perc95",
    "p50",
    "exactperc99.5",
    "Values",
];

fn aggregation() -> impl Strategy<Value = String> {
    let arg = prop_oneof![
        4 => (select(&["", " "][..]), field()).prop_map(|(w, f)| format!("({w}{f}{w})")),
        1 => expr().prop_map(|e| format!("(eval({e}))")),
    ];
    prop_oneof![
        1 => (select(&["count", "c", "COUNT"][..]), alias()).prop_map(|(f, a)| words(&[f, &a])),
        4 => (select(STATS_FNS), arg, alias()).prop_map(|(f, arg, a)| words(&[&format!("{f}{arg}"), &a])),
    ]
}

fn stats(name: &'static str, opts: &'static [(&'static str, char)]) -> impl Strategy<Value = String> {
    (
        options(opts, 1),
        prop::collection::vec(aggregation(), 1..4),
        select(&[" ", ", "][..]),
        prop::option::of((kw("by"), field_list())),
        options(opts, 1),
    )
        .prop_map(move |(o1, aggs, sep, by, o2)| {
            let by = by.map(|(k, f)| format!("{k} {f}")).unwrap_or_default();
            words(&[name, &o1, &aggs.join(sep), &by, &o2])
        })
}

/// A field with `n` wildcards, for both sides of a `rename`.
fn rename_pair() -> impl Strategy<Value = String> {
    (0..3usize, ident(), ident(), kw("as")).prop_map(|(n, a, b, k)| {
        let star = ".*".repeat(n);
        format!("{a}{star} {k} {b}{star}")
    })
}

fn sort_key() -> impl Strategy<Value = String> {
    (
        select(&["", "", "-", "+", "- "][..]),
        select(&["", "", "str", "num", "ip", "auto", "STR"][..]),
        field(),
    )
        .prop_map(|(sign, coll, f)| {
            if coll.is_empty() {
                format!("{sign}{f}")
            } else {
                format!("{sign}{coll}({f})")
            }
        })
}

fn sort_keys() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        16 => sort_key(),
        1 => select(COMMA_NAMES).prop_map(String::from),
    ];
    (prop::collection::vec(key, 1..4), select(&[" ", ", "][..])).prop_map(|(k, sep)| k.join(sep))
}

fn lookup_fields() -> impl Strategy<Value = String> {
    prop::collection::vec((field(), alias()), 1..3)
        .prop_map(|v| v.iter().map(|(f, a)| words(&[f, a])).collect::<Vec<_>>().join(", "))
}

const STATS_OPTS: &[(&str, char)] = &[
    ("allnum", 'b'),
    ("delim", 'a'),
    ("partitions", 'i'),
    ("dedup_splitvals", 'b'),
];
const EVENTSTATS_OPTS: &[(&str, char)] = &[("allnum", 'b')];
const STREAMSTATS_OPTS: &[(&str, char)] = &[
    ("allnum", 'b'),
    ("current", 'b'),
    ("global", 'b'),
    ("window", 'i'),
    ("time_window", 'a'),
    ("reset_on_change", 'a'),
];
const TOP_OPTS: &[(&str, char)] = &[
    ("countfield", 'a'),
    ("limit", 'i'),
    ("otherstr", 'a'),
    ("percentfield", 'a'),
    ("showcount", 'b'),
    ("showperc", 'b'),
    ("useother", 'b'),
];
const MAKERESULTS_OPTS: &[(&str, char)] = &[("count", 'i'), ("annotate", 'b'), ("format", 'a'), ("data", 'a')];
const APPEND_OPTS: &[(&str, char)] = &[
    ("extendtimerange", 'b'),
    ("maxtime", 'i'),
    ("maxout", 'i'),
    ("timeout", 'i'),
];
const JOIN_OPTS: &[(&str, char)] = &[
    ("type", 'a'),
    ("usetime", 'b'),
    ("earlier", 'a'),
    ("overwrite", 'b'),
    ("max", 'i'),
];

/// One command after the first, for a pipeline whose subsearches nest at most `depth` deep.
#[allow(clippy::too_many_lines)]
fn command(depth: u32) -> BoxedStrategy<String> {
    let mut choices: Vec<(u32, BoxedStrategy<String>)> = vec![
        (2, search_expr(depth).prop_map(|e| format!("search {e}")).boxed()),
        (3, expr().prop_map(|e| format!("where {e}")).boxed()),
        (
            4,
            (
                prop::collection::vec(
                    (
                        prop_oneof![
                            4 => bare_field(),
                            1 => quoted_body('"', 1).prop_map(|b| format!("\"{b}\"")),
                            1 => quoted_body('\'', 1).prop_map(|b| format!("'{b}'")),
                        ],
                        select(&["=", " = ", "= "][..]),
                        expr(),
                    ),
                    1..3,
                ),
                select(&[", ", ",", " , "][..]),
            )
                .prop_map(|(v, sep)| {
                    let a: Vec<String> = v.into_iter().map(|(t, eq, e)| format!("{t}{eq}{e}")).collect();
                    format!("eval {}", a.join(sep))
                })
                .boxed(),
        ),
        (3, stats("stats", STATS_OPTS).boxed()),
        (1, stats("eventstats", EVENTSTATS_OPTS).boxed()),
        (1, stats("streamstats", STREAMSTATS_OPTS).boxed()),
        (
            2,
            (
                prop::collection::vec(rename_pair(), 1..3),
                select(&[", ", " ", ","][..]),
            )
                .prop_map(|(v, sep)| format!("rename {}", v.join(sep)))
                .boxed(),
        ),
        (
            1,
            (prop::option::of(any_value()), prop::option::of(field_list()))
                .prop_map(|(v, f)| {
                    let v = v.map(|v| format!("value={v}")).unwrap_or_default();
                    words(&["fillnull", &v, &f.unwrap_or_default()])
                })
                .boxed(),
        ),
        (2, field_list().prop_map(|f| format!("table {f}")).boxed()),
        (
            1,
            (select(&["", "- ", "+ ", "-\t"][..]), field_list())
                .prop_map(|(s, f)| format!("fields {s}{f}"))
                .boxed(),
        ),
        (
            1,
            (
                prop::option::of("[1-9][0-9]?"),
                field_list(),
                options(&[("keepevents", 'b'), ("keepempty", 'b'), ("consecutive", 'b')], 2),
                prop::option::of(sort_keys()),
            )
                .prop_map(|(n, f, o, s)| {
                    let s = s.map(|s| format!("sortby {s}")).unwrap_or_default();
                    words(&["dedup", &n.unwrap_or_default(), &f, &o, &s])
                })
                .boxed(),
        ),
        (
            2,
            (
                prop_oneof![
                    Just(String::new()),
                    "[0-9]{1,3}",
                    int_value().prop_map(|v| format!("limit={v}")),
                ],
                sort_keys(),
                select(&["", "", "desc", "d", "DESC"][..]),
            )
                .prop_map(|(l, k, d)| words(&["sort", &l, &k, d]))
                .boxed(),
        ),
        (
            1,
            prop_oneof![
                prop::option::of("[0-9]{1,3}").prop_map(|n| words(&["head", &n.unwrap_or_default()])),
                (expr(), options(&[("null", 'b'), ("keeplast", 'b')], 2)).prop_map(|(e, o)| words(&[
                    "head",
                    &format!("({e})"),
                    &o
                ])),
                options(&[("limit", 'i'), ("null", 'b'), ("keeplast", 'b')], 3).prop_map(|o| words(&["head", &o])),
            ]
            .boxed(),
        ),
        (
            1,
            prop::option::of("[0-9]{1,3}")
                .prop_map(|n| words(&["tail", &n.unwrap_or_default()]))
                .boxed(),
        ),
        (
            2,
            (
                select(&["top", "rare"][..]),
                prop::option::of("[0-9]{1,2}"),
                options(TOP_OPTS, 2),
                field_list(),
                prop::option::of((kw("by"), field_list())),
                options(TOP_OPTS, 1),
            )
                .prop_map(|(c, n, o1, f, by, o2)| {
                    let by = by.map(|(k, f)| format!("{k} {f}")).unwrap_or_default();
                    words(&[c, &n.unwrap_or_default(), &o1, &f, &by, &o2])
                })
                .boxed(),
        ),
        (
            1,
            (
                prop::option::of(field()),
                prop::option::of(field()),
                prop_oneof![
                    Just(String::new()),
                    field(),
                    any_value().prop_map(|v| format!("path={v}")),
                ],
            )
                .prop_map(|(i, o, p)| {
                    let i = i.map(|f| format!("input={f}")).unwrap_or_default();
                    let o = o.map(|f| format!("output={f}")).unwrap_or_default();
                    words(&["spath", &i, &o, &p])
                })
                .boxed(),
        ),
        (
            1,
            prop_oneof![
                (
                    prop::option::of(field()),
                    select(REGEXES),
                    options(&[("max_match", 'i'), ("offset_field", 'a')], 2),
                )
                    .prop_map(|(f, r, o)| {
                        let f = f.map(|f| format!("field={f}")).unwrap_or_default();
                        words(&["rex", &f, r, &o])
                    }),
                (
                    prop::option::of(field()),
                    select(&["\"s/a/b/g\"", "\"y/abc/xyz/\"", "\"s/(\\d+)/<\\1>/\""][..])
                )
                    .prop_map(|(f, s)| {
                        let f = f.map(|f| format!("field={f}")).unwrap_or_default();
                        words(&["rex", "mode=sed", &f, s])
                    }),
            ]
            .boxed(),
        ),
        (
            1,
            (
                options(&[("local", 'b'), ("update", 'b'), ("event_time_field", 'a')], 1),
                prop_oneof![ident(), dq_string().prop_filter("empty", |s| s.len() > 2)],
                lookup_fields(),
                prop::option::of((
                    select(&["OUTPUT", "OUTPUTNEW", "output"][..]),
                    prop::option::of(lookup_fields()),
                )),
            )
                .prop_map(|(o, t, i, out)| {
                    let out = out
                        .map(|(k, f)| words(&[k, &f.unwrap_or_default()]))
                        .unwrap_or_default();
                    words(&["lookup", &o, &t, &i, &out])
                })
                .boxed(),
        ),
        (
            1,
            (
                options(&[("prefix", 'a'), ("allfields", 'b'), ("lang", 'a')], 2),
                field(),
                options(&[("lang", 'a')], 1),
            )
                .prop_map(|(o, f, o2)| words(&["iplocation", &o, &f, &o2]))
                .boxed(),
        ),
        (
            1,
            (
                options(&[("timeformat", 'a')], 1),
                prop::collection::vec(
                    (
                        select(
                            &[
                                "auto", "ctime", "dur2sec", "memk", "mktime", "mstime", "none", "num", "rmcomma",
                                "rmunit",
                            ][..],
                        ),
                        field(),
                        alias(),
                    ),
                    1..3,
                ),
            )
                .prop_map(|(o, convs)| {
                    let c: Vec<String> = convs
                        .iter()
                        .map(|(f, x, a)| words(&[&format!("{f}({x})"), a]))
                        .collect();
                    words(&["convert", &o, &c.join(" ")])
                })
                .boxed(),
        ),
        (
            1,
            (
                select(&["bin", "bucket"][..]),
                prop::option::of(select(
                    &[
                        "span=1h",
                        "span=10m",
                        "span=5",
                        "bins=10",
                        "minspan=1m",
                        "start=0",
                        "end=100",
                    ][..],
                )),
                field(),
                alias(),
                prop::option::of(select(&["span=1d", "aligntime=latest"][..])),
            )
                .prop_map(|(c, o, f, a, o2)| words(&[c, o.unwrap_or(""), &f, &a, o2.unwrap_or("")]))
                .boxed(),
        ),
        (
            1,
            (field(), options(&[("limit", 'i')], 1))
                .prop_map(|(f, o)| words(&["mvexpand", &f, &o]))
                .boxed(),
        ),
    ];
    if depth > 0 {
        choices.push((
            1,
            (options(APPEND_OPTS, 2), pipeline(depth - 1, true))
                .prop_map(|(o, p)| words(&["append", &o, &format!("[{p}]")]))
                .boxed(),
        ));
        choices.push((
            1,
            (
                options(JOIN_OPTS, 2),
                prop::option::of(field_list()),
                pipeline(depth - 1, true),
            )
                .prop_map(|(o, f, p)| words(&["join", &o, &f.unwrap_or_default(), &format!("[ {p} ]")]))
                .boxed(),
        ));
    }
    proptest::strategy::Union::new_weighted(choices).boxed()
}

/// A whole pipeline: an implicit or explicit first search (or `| makeresults`), then commands.
fn pipeline(depth: u32, in_subsearch: bool) -> BoxedStrategy<String> {
    let first = prop_oneof![
        6 => search_expr(depth),
        2 => search_expr(depth).prop_map(|e| format!("search {e}")),
        1 => Just("search".to_string()),
        2 => options(MAKERESULTS_OPTS, 2).prop_map(|o| words(&["| makeresults", &o])),
    ];
    let pipe = select(&[" | ", "|", " |", "| ", "\n| ", " ```note``` | ", "\t|\t"][..]);
    let max = if in_subsearch { 3 } else { 6 };
    (first, prop::collection::vec((pipe, command(depth)), 0..max))
        .prop_map(|(first, rest)| {
            let mut s = first;
            for (p, c) in rest {
                s.push_str(p);
                s.push_str(&c);
            }
            s
        })
        .boxed()
}

// ---------------------------------------------------------------------------------------------
// arbitrary input

/// Strings heavy in SPL's special characters, control characters and non-ASCII.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ a-zA-Z0-9|\\[\\]()\"'`\\\\=<>!*,.{}:@%+-]{0,40}",
        "[\\x00-\\x1f\\x7f\\u{80}-\\u{10ffff}a |\"'`\\[\\]()]{0,24}",
        prop::collection::vec(
            select(
                &[
                    "search ",
                    "| ",
                    "[",
                    "]",
                    "(",
                    ")",
                    "\"",
                    "'",
                    "`",
                    "```",
                    "\\",
                    "NOT ",
                    "OR ",
                    "AND ",
                    "IN (",
                    "x=",
                    "eval ",
                    "where ",
                    "stats ",
                    "count ",
                    "by ",
                    "as ",
                    "rex ",
                    "join ",
                    "append ",
                    "foreach ",
                    "<<FIELD>>",
                    "makeresults ",
                    "| tstats ",
                    "mstats ",
                    "FROM ",
                    "WHERE ",
                    "inputlookup ",
                    "é",
                    "\u{0}",
                    "\u{2028}",
                    ",",
                    "=",
                    "!=",
                    "<=",
                    "-",
                    ".",
                    "e5",
                    "1",
                    "'a'",
                    "\"b\"",
                    "CASE(",
                    "TERM(",
                    "earliest=",
                    "sortby ",
                ][..]
            ),
            0..24,
        )
        .prop_map(|v| v.concat()),
    ]
}

/// A valid search with one character inserted and/or the text cut short.
fn mutated() -> impl Strategy<Value = String> {
    (
        pipeline(1, false),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        select(
            &[
                '|', '[', ']', '(', ')', '"', '\'', '`', '\\', '=', ',', ' ', '\n', '\u{0}', 'é', '*', '!',
            ][..],
        ),
        any::<bool>(),
    )
        .prop_map(|(text, at, cut, c, truncate)| {
            let mut bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            bounds.push(text.len());
            let mut s = text.clone();
            s.insert(bounds[at.index(bounds.len())], c);
            if truncate {
                let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
                if !bounds.is_empty() {
                    s.truncate(bounds[cut.index(bounds.len())]);
                }
            }
            s
        })
}

// ---------------------------------------------------------------------------------------------
// properties

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        max_global_rejects: 4096,
        // Failures become named regression tests below rather than a seed file.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// parse → print → parse gives the same tree, and printing is idempotent.
    #[test]
    fn printer_round_trip(text in pipeline(2, false)) {
        let a = parse(&text);
        // The strategies aim at valid SPL; the rare invalid draw is discarded, and too many of
        // them fail the test (so the strategies cannot silently drift into testing nothing).
        prop_assume!(!a.has_errors());
        round_trip_holds(&text, &a).map_err(TestCaseError::fail)?;
    }

    /// Eval expressions on their own (through `where`), deeper than in pipelines.
    #[test]
    fn eval_round_trip(e in expr()) {
        let text = format!("| makeresults | where {e}");
        let a = parse(&text);
        prop_assume!(!a.has_errors());
        round_trip_holds(&text, &a).map_err(TestCaseError::fail)?;
    }

    /// Search expressions on their own.
    #[test]
    fn search_round_trip(e in search_expr(1)) {
        let a = parse(&e);
        prop_assume!(!a.has_errors());
        round_trip_holds(&e, &a).map_err(TestCaseError::fail)?;
    }

    /// Anything at all: no panic, every span inside the text, and the round trip when valid.
    #[test]
    fn parse_never_panics(text in hostile()) {
        check_any(&text).map_err(TestCaseError::fail)?;
    }

    /// Valid searches with a character inserted or the end cut off.
    #[test]
    fn near_miss_inputs(text in mutated()) {
        check_any(&text).map_err(TestCaseError::fail)?;
    }
}

/// The strategies produce valid SPL almost always (so the round trip is really exercised).
#[test]
fn strategies_mostly_valid() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = pipeline(2, false);
    let mut errors = Vec::new();
    let n = 300;
    for _ in 0..n {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        let out = parse(&text);
        if out.has_errors() {
            errors.push((text, out.diagnostics[0].message.clone()));
        }
    }
    assert!(
        errors.len() * 20 < n,
        "{} of {n} generated searches have errors, e.g. {:#?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
}

// ---------------------------------------------------------------------------------------------
// fixed cases

#[test]
fn corpus_shapes_round_trip() {
    for text in [
        r#"index=k8s "user.username"="system:anonymous" userAgent!="AWS Security Scanner" | rename sourceIPs{} as src_ip | stats count min(_time) as firstTime values(verb) by src_ip user.groups{}"#,
        r#"verb=create OR verb=update NOT user.username IN ("system:*", admin) earliest=-24h@h | where like(requestURI, "%/exec%") AND mvcount('user.groups{}') > 1"#,
        r#"| makeresults count=3 | eval x=if(random() % 2 = 0, "even", "odd"), y=-x * 2 | sort - x, +num(y) desc | head 5"#,
        r#"search a [search b | fields c] | join type=left c [| makeresults | eval c=1] | append [search d]"#,
        r#"* | rex field=_raw "^(?<method>\S+)\s" max_match=2 | spath input=body output=o path=a.b{}.c | iplocation src | convert timeformat="%Y" ctime(t) AS tt | bin _time span=1h | mvexpand v limit=3 | lookup users uid AS user OUTPUTNEW name, dept AS department | top 5 user BY host | rare limit=2 x | dedup 2 a b keepempty=true sortby -c | fillnull value=NULL a b | fields - _raw | table a, "b c" | tail 3"#,
    ] {
        assert_round_trip(text);
    }
}

// ---------------------------------------------------------------------------------------------
// regressions: each input broke the round trip or the parser before its fix

/// `IN` is postfix at comparison level: `0 = 0 IN (0)` is `(0 = 0) IN (0)` without a group, and
/// the printer must not add one.
#[test]
fn eval_in_after_comparison() {
    assert_round_trip("| makeresults | where 0 = 0 IN (0)");
    assert_round_trip("| makeresults | where x IN (1) * 2 > 1");
    assert_round_trip("| makeresults | where NOT x IN (1, 2)");
    assert_round_trip("| makeresults | where -(x IN (1))");
}

/// `NOT` takes everything after it, so on the right of an operator it needs no parentheses.
#[test]
fn eval_not_on_the_right() {
    assert_round_trip("| makeresults | where 0 = NOT 0");
    assert_round_trip("| makeresults | where a + NOT b * c");
    assert_round_trip("| makeresults | where a AND NOT b OR c");
    assert_round_trip("| makeresults | where (NOT a) + b");
}

/// Slicing a fixed number of bytes off the cursor panicked inside a multi-byte character.
#[test]
fn multibyte_after_aggregation_and_sort_key() {
    assert_round_trip("| makeresults | stats values(abc日) BY x");
    assert_round_trip("| makeresults | sort abc日");
    check_any("| stats max(eval(pi() in (nt)<'fvkø')) ab日").unwrap();
}

/// An unclosed aggregation at the end of the text reported a span one byte past it.
#[test]
fn unclosed_aggregation_span() {
    check_any("x | eventstats avg(").unwrap();
}

/// Bare search fields are read with escapes expanded, so printing must escape them again.
#[test]
fn escaped_pipe_in_search_field() {
    assert_round_trip(r"\|<A");
    assert_round_trip(r#"a\"b=1"#);
}

/// `x! =1` (the field `x!`) and `x< ==1` (the value `=1`) must not print as `!=` and `<=`.
#[test]
fn comparison_operator_glued_to_neighbours() {
    assert_round_trip("_{}! =0a");
    assert_round_trip("x< =1");
    assert_round_trip("x> ==1");
}

/// A quoted `limit=` of `sort` is not a positional count.
#[test]
fn sort_quoted_limit() {
    assert_round_trip(r#"* | sort limit="0" a"#);
}

/// A first field named `-` or `+` is not the mode of `fields`.
#[test]
fn fields_named_like_the_mode() {
    assert_round_trip("* | fields, - a");
    assert_round_trip("* | fields +, a");
    assert_round_trip("* | fields - - a");
}

/// Fields named like a keyword that ends their list, or like a count, are only fields when a
/// comma follows them.
#[test]
fn fields_named_like_keywords_or_counts() {
    assert_round_trip("* | top x BY, y");
    assert_round_trip("* | top, 0");
    assert_round_trip("* | dedup sortby, x");
    assert_round_trip("* | dedup, 1 a sortby -b");
    assert_round_trip("* | sort d, x");
    assert_round_trip("* | sort, 000 x desc");
    assert_round_trip("* | lookup t OUTPUT, x OUTPUT y");
}

/// After a word, `IN (` starts an IN list, so the term `IN` keeps its explicit `AND`.
#[test]
fn search_term_in_before_group() {
    assert_round_trip("eval AND IN (eval )");
    assert_round_trip(r#""a" AND IN (b)"#);
}

/// Templates inside `foreach` templates recursed without counting towards the nesting limit, so
/// deep enough nesting overflowed the stack and aborted the process.
#[test]
fn deeply_nested_foreach_templates() {
    let depth = 5000;
    let text = format!("x | {}eval a=1{}", "foreach a [".repeat(depth), "]".repeat(depth));
    let out = parse(&text);
    assert!(out.diagnostics.iter().any(|d| d.message.contains("nesting deeper")));
    check_spans(&text, &out.diagnostics).unwrap();
}

/// A nesting overflow leaked one level of depth, so after enough of them shallow nesting was
/// reported too deep as well.
#[test]
fn nesting_overflow_does_not_leak_depth() {
    let deep = format!("| where {}a{} ", "(".repeat(70), ")".repeat(70));
    let text = format!("x {}| where (a)", deep.repeat(70));
    let out = parse(&text);
    let last = out.query.pipeline.commands.last().unwrap();
    assert!(
        !matches!(last.kind, tripline_spl::ast::CommandKind::Invalid(_)),
        "{:?}",
        last.kind
    );
    assert_eq!(
        out.diagnostics.iter().filter(|d| d.is_error()).count(),
        70,
        "one error per overflowing `where`"
    );
}

/// Found by the fuzzer: `NOT-x` read as the field `NOT` minus `x`, which printed as `NOT - x`,
/// where `NOT` is the operator. Eval keywords now end at any character that cannot continue a
/// name.
#[test]
fn eval_keyword_before_operator_character() {
    assert_round_trip("| makeresults | where NOT-x");
    assert_round_trip(r#"| makeresults | where NOT--- x LIKE "a%" XOR y >= 1.75"#);
    assert_round_trip("| makeresults | where a AND-b OR-c");
    let out = parse("| makeresults | where NOT-x");
    let tree = out.query.without_spans().to_string();
    assert!(tree.contains(r#""op":"not""#), "{tree}");
}

/// Found by the fuzzer: the "nesting too deep" error covered one byte, which can be inside a
/// multi-byte character.
#[test]
fn nesting_error_span_on_multibyte_character() {
    // Whichever depth the limit is reached at, the character there is multi-byte.
    for n in 50..80 {
        check_any(&format!("{}é", "(".repeat(n))).unwrap();
        check_any(&format!("| makeresults | where {}日", "(".repeat(n))).unwrap();
        check_any(&format!("{}é", "[".repeat(n))).unwrap();
    }
}

/// Found among the fuzzer's slowest inputs: a `foreach` template's parser read brackets
/// differently from the scan that found the template's end (`\]`), ran on past it, and parsed
/// every later `foreach` again, so the work (and the diagnostics) doubled with each `foreach`:
/// 336 bytes took seconds. The template's parser now stops at the template's end.
#[test]
fn foreach_template_parse_stays_inside_the_template() {
    let k = 24;
    let text = format!("x | {}eval a=1", r"foreach a [x \] | ".repeat(k));
    let out = parse(&text);
    // One error per template (`x` is not a command), not 2^k - 1.
    assert!(out.diagnostics.len() <= 2 * k, "{} diagnostics", out.diagnostics.len());
    check_spans(&text, &out.diagnostics).unwrap();
}

//! Macro expansion, the source map and `macros.conf` parsing, through the public API.

use proptest::prelude::*;
use tripline_spl::macros::{ExpandOptions, expand};
use tripline_spl::{Code, Diagnostic, MacroDef, MacroTable, Severity, Span};

fn table(defs: &[(&str, &[&str], &str)]) -> MacroTable {
    defs.iter()
        .map(|(name, args, def)| MacroDef::new(*name, args.iter().copied(), *def))
        .collect()
}

/// The macros of the Kubernetes detections (spl-semantics §2.5) that these tests use.
fn corpus_table() -> MacroTable {
    table(&[
        ("kube_audit", &[], r#"source="kubernetes""#),
        ("kube_allowed_user_names", &[], "user.username=admin"),
        (
            "security_content_ctime",
            &["field"],
            r#"convert timeformat="%Y-%m-%dT%H:%M:%S" ctime($field$)"#,
        ),
    ])
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<Code> {
    diagnostics.iter().map(|d| d.code).collect()
}

fn opts() -> ExpandOptions {
    ExpandOptions::default()
}

// --- MacroTable ------------------------------------------------------------------------------

#[test]
fn table_insert_get_and_override() {
    let mut t = MacroTable::new();
    assert!(t.is_empty());
    assert_eq!(t.insert(MacroDef::new("m", Vec::<String>::new(), "a")), None);
    assert_eq!(t.insert(MacroDef::new("m", ["x"], "b $x$")), None);
    let replaced = t.insert(MacroDef::new("m", Vec::<String>::new(), "c"));
    assert_eq!(replaced.map(|d| d.definition), Some("a".to_owned()));
    assert_eq!(t.len(), 2);
    assert_eq!(t.get("m", 0).map(|d| d.definition.as_str()), Some("c"));
    assert_eq!(t.get("m", 1).map(|d| d.definition.as_str()), Some("b $x$"));
    assert_eq!(t.get("m", 2), None);
    assert_eq!(t.arities("m"), vec![0, 1]);
    assert_eq!(t.arities("nope"), Vec::<usize>::new());
    // Case-sensitive, and names sharing a prefix do not leak into each other's arities.
    assert_eq!(t.get("M", 0), None);
    t.insert(MacroDef::new("m_2", ["a", "b"], "$a$$b$"));
    assert_eq!(t.arities("m"), vec![0, 1]);
    let names: Vec<(String, usize)> = t.iter().map(|d| (d.name.clone(), d.arity())).collect();
    assert_eq!(
        names,
        vec![("m".to_owned(), 0), ("m".to_owned(), 1), ("m_2".to_owned(), 2)]
    );
}

#[test]
fn later_definitions_win_on_extend() {
    let mut t = corpus_table();
    t.extend([MacroDef::new("kube_audit", Vec::<String>::new(), "index=k8s")]);
    let e = expand("`kube_audit` verb=create", &t, &opts());
    assert_eq!(e.text, "index=k8s verb=create");
}

// --- Expansion -------------------------------------------------------------------------------

#[test]
fn simple_macro() {
    let e = expand("`kube_audit` verb=create | stats count", &corpus_table(), &opts());
    assert_eq!(e.text, r#"source="kubernetes" verb=create | stats count"#);
    assert!(e.diagnostics.is_empty());
}

#[test]
fn corpus_ctime_macro_with_argument() {
    let src = "`kube_audit` | stats min(_time) as firstTime by user | `security_content_ctime(firstTime)`";
    let e = expand(src, &corpus_table(), &opts());
    assert_eq!(
        e.text,
        r#"source="kubernetes" | stats min(_time) as firstTime by user | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime)"#
    );
    assert!(e.diagnostics.is_empty());
}

#[test]
fn arguments_are_substituted_and_stray_dollars_kept() {
    let t = table(&[(
        "pair",
        &["a", "b"],
        r#"$a$=$b$ | rex "x$" | eval y="$a$$" | eval c=$c$"#,
    )]);
    let e = expand("`pair(  user ,  \"bob smith\" )`", &t, &opts());
    assert_eq!(e.text, r#"user="bob smith" | rex "x$" | eval y="user$" | eval c=$c$"#);
    assert!(e.diagnostics.is_empty());
}

#[test]
fn quoted_and_parenthesised_commas_do_not_split_arguments() {
    let t = table(&[("two", &["a", "b"], "[$a$] [$b$]")]);
    let e = expand(r#"`two("x, y", f(1, 2))`"#, &t, &opts());
    assert_eq!(e.text, r#"["x, y"] [f(1, 2)]"#);
    assert!(e.diagnostics.is_empty());

    // An escaped quote does not end the quoted argument.
    let e = expand(r#"`two("x\", y", z)`"#, &t, &opts());
    assert_eq!(e.text, r#"["x\", y"] [z]"#);
}

#[test]
fn nested_macros_expand_recursively() {
    let t = table(&[
        ("outer", &["f"], "`inner($f$)` | `base`"),
        ("inner", &["g"], "where isnotnull($g$)"),
        ("base", &[], "`kube_audit`"),
        ("kube_audit", &[], r#"source="kubernetes""#),
    ]);
    let e = expand("search `outer(verb)`", &t, &opts());
    assert_eq!(e.text, r#"search where isnotnull(verb) | source="kubernetes""#);
    assert!(e.diagnostics.is_empty());
}

#[test]
fn no_parentheses_are_added_around_expansions() {
    let t = table(&[("kube_allowed_user_names", &[], "user.username=a OR user.username=b")]);
    let e = expand("search NOT `kube_allowed_user_names`", &t, &opts());
    assert_eq!(e.text, "search NOT user.username=a OR user.username=b");
}

#[test]
fn macros_inside_quotes_are_not_expanded() {
    let e = expand(
        r#"search x="audit`kube_audit`local" `kube_audit`"#,
        &corpus_table(),
        &opts(),
    );
    assert_eq!(e.text, r#"search x="audit`kube_audit`local" source="kubernetes""#);
    assert!(e.diagnostics.is_empty());
}

#[test]
fn literal_backtick_in_a_quoted_definition_is_kept() {
    // From security_content's `potentially_malicious_code_on_cmdline_tokenize_score`.
    let t = table(&[("strip", &[], r#"eval p=replace(lower(p), "`", "")"#)]);
    let e = expand("`strip` | table p", &t, &opts());
    assert_eq!(e.text, r#"eval p=replace(lower(p), "`", "") | table p"#);
    assert!(e.diagnostics.is_empty());
}

#[test]
fn comments_are_copied_through() {
    let src = "```uses `kube_audit` and `nope` ``` `kube_audit` ```x```";
    let e = expand(src, &corpus_table(), &opts());
    assert_eq!(
        e.text,
        r#"```uses `kube_audit` and `nope` ``` source="kubernetes" ```x```"#
    );
    assert!(e.diagnostics.is_empty());

    // An unterminated comment is left for the parser to report.
    let src = "`kube_audit` ```never closed `kube_audit`";
    let e = expand(src, &corpus_table(), &opts());
    assert_eq!(e.text, r#"source="kubernetes" ```never closed `kube_audit`"#);
    assert!(e.diagnostics.is_empty());
}

#[test]
fn comments_inside_definitions_are_copied_through() {
    let t = table(&[("m", &[], "a ```call `m` here``` b")]);
    let e = expand("`m`", &t, &opts());
    assert_eq!(e.text, "a ```call `m` here``` b");
    assert!(e.diagnostics.is_empty());
}

#[test]
fn self_recursion_is_reported_and_left_in_place() {
    let t = table(&[("a", &[], "x `a` y")]);
    let e = expand("search `a` z", &t, &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::RecursiveMacro]);
    assert!(e.diagnostics[0].message.contains("a -> a"), "{:?}", e.diagnostics[0]);
    assert_eq!(e.diagnostics[0].span, Span::new(7, 10));
    assert_eq!(e.text, "search x `a` y z");
}

#[test]
fn mutual_recursion_reports_the_chain() {
    let t = table(&[("a", &[], "1 `b`"), ("b", &[], "2 `a`")]);
    let e = expand("`a`", &t, &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::RecursiveMacro]);
    assert!(
        e.diagnostics[0].message.contains("a -> b -> a"),
        "{}",
        e.diagnostics[0].message
    );
    assert_eq!(e.diagnostics[0].span, Span::new(0, 3));
    assert_eq!(e.text, "1 2 `a`");
}

#[test]
fn same_name_different_arity_is_not_recursion() {
    let t = table(&[("m", &["x"], "`m` $x$"), ("m", &[], "base")]);
    let e = expand("`m(1)`", &t, &opts());
    assert_eq!(e.text, "base 1");
    assert!(e.diagnostics.is_empty());
}

#[test]
fn wrong_arity_names_the_defined_arities() {
    let e = expand(
        "`security_content_ctime(a, b)` | `security_content_ctime`",
        &corpus_table(),
        &opts(),
    );
    assert_eq!(codes(&e.diagnostics), vec![Code::MacroArity, Code::MacroArity]);
    let first = &e.diagnostics[0];
    assert_eq!(first.span, Span::new(0, 30));
    assert!(
        first.message.contains("takes 1 argument but 2 were given"),
        "{}",
        first.message
    );
    assert!(
        first
            .help
            .as_deref()
            .is_some_and(|h| h.contains("`security_content_ctime(field)`")),
        "{first:?}"
    );
    assert!(e.diagnostics[1].message.contains("but none were given"));
    // Both calls stay as written.
    assert_eq!(e.text, "`security_content_ctime(a, b)` | `security_content_ctime`");

    let t = table(&[("m", &[], "a"), ("m", &["x", "y"], "b")]);
    let e = expand("`m(1)`", &t, &opts());
    assert!(
        e.diagnostics[0].message.contains("0 or 2 arguments"),
        "{}",
        e.diagnostics[0].message
    );
}

#[test]
fn undefined_macro_is_reported_and_left_in_place() {
    let src = "`kube_audit` | `no_such_macro` | stats count";
    let e = expand(src, &corpus_table(), &opts());
    assert_eq!(e.text, r#"source="kubernetes" | `no_such_macro` | stats count"#);
    assert_eq!(codes(&e.diagnostics), vec![Code::UndefinedMacro]);
    let d = &e.diagnostics[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.span, Span::new(15, 30));
    assert_eq!(d.span.slice(src), "`no_such_macro`");
    let help = d.help.as_deref().unwrap_or_default();
    assert!(help.contains("macros/") && help.contains("--macros FILE"), "{help}");
}

#[test]
fn undefined_macro_suggests_a_case_variant() {
    let e = expand("`Kube_Audit`", &corpus_table(), &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::UndefinedMacro]);
    assert!(
        e.diagnostics[0].notes.iter().any(|n| n.contains("`kube_audit`")),
        "{:?}",
        e.diagnostics[0]
    );
}

#[test]
fn errors_inside_definitions_point_at_the_call_in_the_original() {
    let t = table(&[("outer", &[], "a `inner`"), ("inner", &[], "b `missing`")]);
    let src = "x | `outer` | y";
    let e = expand(src, &t, &opts());
    assert_eq!(e.text, "x | a b `missing` | y");
    assert_eq!(codes(&e.diagnostics), vec![Code::UndefinedMacro]);
    let d = &e.diagnostics[0];
    assert_eq!(d.span.slice(src), "`outer`");
    assert!(d.message.contains("`missing`"));
    assert!(d.notes.iter().any(|n| n.contains("outer -> inner -> missing")), "{d:?}");
}

#[test]
fn filter_macros_are_synthesized() {
    let src = "`kube_audit` | `kubernetes_anomalous_inbound_to_outbound_network_io_filter`";
    let e = expand(src, &corpus_table(), &opts());
    assert_eq!(e.text, r#"source="kubernetes" | search *"#);
    assert!(e.diagnostics.is_empty());
    assert_eq!(
        e.map.macro_at(e.text.len() - 1).map(|(name, _)| name),
        Some("kubernetes_anomalous_inbound_to_outbound_network_io_filter")
    );

    // Empty parentheses are still "no arguments".
    let e = expand("`x_filter()`", &corpus_table(), &opts());
    assert_eq!(e.text, "search *");

    // A real definition wins.
    let t = table(&[("x_filter", &[], "search user!=admin")]);
    assert_eq!(expand("`x_filter`", &t, &opts()).text, "search user!=admin");

    // With arguments, or switched off, it is an ordinary undefined macro.
    let e = expand("`x_filter(1)`", &corpus_table(), &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::UndefinedMacro]);
    let off = ExpandOptions {
        synthesize_filter_macros: false,
        ..ExpandOptions::default()
    };
    let e = expand("`x_filter`", &corpus_table(), &off);
    assert_eq!(codes(&e.diagnostics), vec![Code::UndefinedMacro]);
    assert_eq!(e.text, "`x_filter`");

    // Defined at another arity only: an arity error, not a synthesis.
    let t = table(&[("x_filter", &["a"], "search $a$")]);
    let e = expand("`x_filter`", &t, &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::MacroArity]);
}

#[test]
fn unterminated_call_is_reported_and_copied() {
    let src = "`kube_audit` | eval x=1 | `oops";
    let e = expand(src, &corpus_table(), &opts());
    assert_eq!(e.text, r#"source="kubernetes" | eval x=1 | `oops"#);
    assert_eq!(codes(&e.diagnostics), vec![Code::UnterminatedMacro]);
    assert_eq!(e.diagnostics[0].span, Span::new(26, 27));

    let t = table(&[("bad", &[], "a `b")]);
    let e = expand("`bad` c", &t, &opts());
    assert_eq!(e.text, "a `b c");
    assert_eq!(codes(&e.diagnostics), vec![Code::UnterminatedMacro]);
    assert_eq!(e.diagnostics[0].span, Span::new(0, 5));
}

#[test]
fn empty_and_malformed_calls_are_undefined() {
    let e = expand("a `` b", &corpus_table(), &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::UndefinedMacro]);
    assert_eq!(e.text, "a `` b");

    let e = expand("a `foo bar` b", &corpus_table(), &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::UndefinedMacro]);
    assert!(
        e.diagnostics[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("whitespace"))
    );
}

#[test]
fn no_backticks_is_the_identity() {
    let src = "search verb=create | stats count by user";
    let e = expand(src, &MacroTable::new(), &opts());
    assert_eq!(e.text, src);
    assert!(e.map.is_identity());
    assert!(e.diagnostics.is_empty());
}

#[test]
fn duplicate_errors_are_reported_once() {
    // `twice` reaches the missing macro along 2^10 paths.
    let mut defs = vec![MacroDef::new("m0", Vec::<String>::new(), "`missing`")];
    for i in 1..=10 {
        defs.push(MacroDef::new(
            format!("m{i}"),
            Vec::<String>::new(),
            format!("`m{0}` `m{0}`", i - 1),
        ));
    }
    let t: MacroTable = defs.into_iter().collect();
    let e = expand("`m10`", &t, &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::UndefinedMacro]);
    assert_eq!(e.text.matches("`missing`").count(), 1024);
}

// --- Limits ----------------------------------------------------------------------------------

/// `d0 = x`, `dN = `d(N-1)` `d(N-1)``: the expansion of `dN` is 2^N copies of `x`.
fn doubling(levels: usize, leaf: &str) -> MacroTable {
    let mut defs = vec![MacroDef::new("d0", Vec::<String>::new(), leaf)];
    for i in 1..=levels {
        defs.push(MacroDef::new(
            format!("d{i}"),
            Vec::<String>::new(),
            format!("`d{0}` `d{0}`", i - 1),
        ));
    }
    defs.into_iter().collect()
}

#[test]
fn doubling_forty_times_hits_the_depth_limit() {
    let src = "search `d40` | stats count";
    let e = expand(src, &doubling(40, "x"), &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::MacroLimit]);
    assert_eq!(e.diagnostics[0].span, Span::new(7, 12));
    assert!(e.diagnostics[0].message.contains("32 levels"));
    // The call that hit the limit, and everything after it, stay as written.
    assert_eq!(e.text, src);
    assert!(e.map.is_identity());
}

#[test]
fn doubling_within_the_depth_limit_hits_the_size_limit() {
    // 2^25 copies of a 64-byte leaf would be 2 GiB.
    let e = expand("`d25`", &doubling(25, &"y".repeat(64)), &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::MacroLimit]);
    assert!(e.text.len() <= opts().max_len);
    assert_eq!(e.text, "`d25`");
}

#[test]
fn doubling_empty_macros_hits_the_work_limit() {
    // The output stays empty, but 2^30 calls would never finish.
    let e = expand("`d30`", &doubling(30, ""), &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::MacroLimit]);
    assert!(
        e.diagnostics[0].message.contains("work"),
        "{}",
        e.diagnostics[0].message
    );
}

#[test]
fn doubling_arguments_hits_a_limit() {
    // Each level passes its argument twice to the next: 2^30 bytes after 30 levels.
    let mut defs = vec![MacroDef::new("g0", ["x"], "$x$")];
    for i in 1..=30 {
        defs.push(MacroDef::new(format!("g{i}"), ["x"], format!("`g{}($x$$x$)`", i - 1)));
    }
    let t: MacroTable = defs.into_iter().collect();
    let e = expand("`g30(ab)`", &t, &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::MacroLimit]);
    assert_eq!(e.text, "`g30(ab)`");

    // One definition repeating a big argument many times is caught before it is built.
    let t = table(&[("rep", &["x"], &"$x$".repeat(1000))]);
    let src = format!("`rep({})`", "z".repeat(10_000));
    let e = expand(&src, &t, &opts());
    assert_eq!(codes(&e.diagnostics), vec![Code::MacroLimit]);
}

#[test]
fn limits_are_configurable() {
    let t = table(&[("a", &[], "`b`"), ("b", &[], "`c`"), ("c", &[], "ok")]);
    let shallow = ExpandOptions {
        max_depth: 2,
        ..ExpandOptions::default()
    };
    let e = expand("`a`", &t, &shallow);
    assert_eq!(codes(&e.diagnostics), vec![Code::MacroLimit]);
    assert!(e.diagnostics[0].notes.iter().any(|n| n.contains("a -> b -> c")));
    let e = expand(
        "`a`",
        &t,
        &ExpandOptions {
            max_depth: 3,
            ..shallow
        },
    );
    assert_eq!(e.text, "ok");

    let small = ExpandOptions {
        max_len: 10,
        ..ExpandOptions::default()
    };
    let t = table(&[("m", &[], "0123456789ABC")]);
    let e = expand("`m`", &t, &small);
    assert_eq!(codes(&e.diagnostics), vec![Code::MacroLimit]);
}

#[test]
fn calls_before_a_limit_stay_expanded() {
    let mut t = doubling(40, "x");
    t.insert(MacroDef::new("ok", Vec::<String>::new(), "fine"));
    let e = expand("`ok` `d40` `ok`", &t, &opts());
    assert_eq!(e.text, "fine `d40` `ok`");
    assert_eq!(codes(&e.diagnostics), vec![Code::MacroLimit]);
    assert_eq!(e.map.to_original(Span::new(5, 10)), Span::new(5, 10));
    assert_eq!(e.map.to_original(Span::new(0, 4)), Span::new(0, 4));
}

// --- Source map ------------------------------------------------------------------------------

#[test]
fn source_map_before_inside_and_after() {
    let src = "index=x `kube_audit` verb=create";
    //         0       8           20
    let e = expand(src, &corpus_table(), &opts());
    let text = &e.text;
    assert_eq!(text, r#"index=x source="kubernetes" verb=create"#);
    let map = &e.map;
    let call = Span::new(8, 20);
    assert_eq!(call.slice(src), "`kube_audit`");

    // Before: unchanged.
    assert_eq!(map.to_original(Span::new(0, 7)), Span::new(0, 7));
    // Inside: the whole call, whatever part of the expansion.
    let source_at = text.find("source").unwrap_or_default();
    assert_eq!(map.to_original(Span::new(source_at, source_at + 6)), call);
    assert_eq!(map.to_original(Span::new(source_at + 8, source_at + 9)), call);
    assert_eq!(map.to_original(Span::empty(source_at + 3)), call);
    // After: shifted back by the growth.
    let verb_at = text.find("verb").unwrap_or_default();
    assert_eq!(map.to_original(Span::new(verb_at, verb_at + 4)), Span::new(21, 25));
    assert_eq!(Span::new(21, 25).slice(src), "verb");
    // Straddling: the union.
    assert_eq!(map.to_original(Span::new(2, verb_at + 4)), Span::new(2, 25));
    assert_eq!(map.to_original(Span::new(source_at + 2, verb_at + 2)), Span::new(8, 23));
    // The very end, and beyond it.
    assert_eq!(map.to_original(Span::empty(text.len())), Span::empty(src.len()));
    assert_eq!(
        map.to_original(Span::new(text.len() - 2, text.len() + 99)),
        Span::new(src.len() - 2, src.len())
    );

    assert_eq!(map.macro_at(source_at), Some(("kube_audit", call)));
    assert_eq!(map.macro_at(0), None);
    assert_eq!(map.macro_at(verb_at), None);
    assert_eq!(map.macro_at(text.len()), None);
}

#[test]
fn source_map_with_nested_macros_maps_to_the_outermost_call() {
    let t = table(&[
        ("outer", &["f"], "`inner($f$)` | table $f$"),
        ("inner", &["g"], "where isnull($g$)"),
    ]);
    let src = "search a | `outer(user)` | b";
    let e = expand(src, &t, &opts());
    assert_eq!(e.text, "search a | where isnull(user) | table user | b");
    let call = Span::new(11, 24);
    assert_eq!(call.slice(src), "`outer(user)`");
    let isnull_at = e.text.find("isnull").unwrap_or_default();
    let table_at = e.text.find("table").unwrap_or_default();
    assert_eq!(e.map.to_original(Span::new(isnull_at, isnull_at + 6)), call);
    assert_eq!(e.map.to_original(Span::new(table_at, table_at + 5)), call);
    assert_eq!(e.map.macro_at(isnull_at), Some(("outer", call)));
    let b_at = e.text.len() - 1;
    assert_eq!(e.map.to_original(Span::new(b_at, b_at + 1)), Span::new(27, 28));

    // A parser error inside the inner expansion gets a note per level.
    let d = Diagnostic::error(
        Code::UnknownFunction,
        Span::new(isnull_at, isnull_at + 6),
        "unknown eval function",
    )
    .with_label(Span::new(0, 6), "in this search");
    let mapped = e.map.map_diagnostic(d, &e.text);
    assert_eq!(mapped.span, call);
    assert_eq!(mapped.labels[0].span, Span::new(0, 6));
    assert_eq!(
        mapped.notes,
        vec![
            "in the expansion of macro `outer`: `where isnull(user) | table user`".to_owned(),
            "in the expansion of macro `inner`: `where isnull(user)`".to_owned(),
        ]
    );

    // Outside the inner expansion, only the outer note.
    let d = Diagnostic::error(Code::UnknownCommand, Span::new(table_at, table_at + 5), "x");
    let mapped = e.map_diagnostic(d);
    assert_eq!(mapped.span, call);
    assert_eq!(mapped.notes.len(), 1, "{mapped:?}");
}

#[test]
fn map_diagnostic_outside_macros_adds_no_note() {
    let src = "`kube_audit` | sttas count";
    let e = expand(src, &corpus_table(), &opts());
    let at = e.text.find("sttas").unwrap_or_default();
    let d = Diagnostic::error(Code::UnknownCommand, Span::new(at, at + 5), "unknown command");
    let mapped = e.map_diagnostic(d);
    assert_eq!(mapped.span.slice(src), "sttas");
    assert!(mapped.notes.is_empty());
}

#[test]
fn map_diagnostic_truncates_long_expansions() {
    let long = format!("search {}", "field=value ".repeat(30));
    let t = table(&[("long", &[], long.as_str())]);
    let e = expand("`long`", &t, &opts());
    let d = Diagnostic::error(Code::UnexpectedToken, Span::new(10, 12), "x");
    let mapped = e.map_diagnostic(d);
    assert_eq!(mapped.span, Span::new(0, 6));
    let note = &mapped.notes[0];
    assert!(note.ends_with("…`"), "{note}");
    assert!(note.chars().count() < 140, "{note}");
}

#[test]
fn consecutive_and_empty_expansions() {
    let t = table(&[("a", &[], "AAAA"), ("e", &[], ""), ("b", &[], "B")]);
    let src = "`a``b` `e`x";
    let e = expand(src, &t, &opts());
    assert_eq!(e.text, "AAAAB x");
    assert_eq!(e.map.to_original(Span::new(0, 4)), Span::new(0, 3));
    assert_eq!(e.map.to_original(Span::new(4, 5)), Span::new(3, 6));
    assert_eq!(e.map.to_original(Span::new(2, 5)), Span::new(0, 6));
    assert_eq!(e.map.to_original(Span::new(5, 6)), Span::new(6, 7));
    // `x` follows the empty expansion of `e`.
    assert_eq!(e.map.to_original(Span::new(6, 7)), Span::new(10, 11));
    assert_eq!(e.map.macro_at(6), None);

    // A search that expands to nothing maps to the end of what was written.
    let e = expand("`e`", &t, &opts());
    assert_eq!(e.text, "");
    assert_eq!(e.map.to_original(Span::empty(0)), Span::empty(3));
}

// --- Non-ASCII -------------------------------------------------------------------------------

#[test]
fn non_ascii_text_maps_on_char_boundaries() {
    let t = table(&[("ville", &["x"], "City=\"Zürich\" note=$x$"), ("emoji", &[], "🙂")]);
    let src = "search 名前=値 `ville(ü€)` | eval s=\"`emoji`\" `emoji`é `nö`";
    let e = expand(src, &t, &opts());
    assert_eq!(
        e.text,
        "search 名前=値 City=\"Zürich\" note=ü€ | eval s=\"`emoji`\" 🙂é `nö`"
    );
    assert_eq!(codes(&e.diagnostics), vec![Code::UndefinedMacro]);
    assert_eq!(e.diagnostics[0].span.slice(src), "`nö`");

    // Every char-aligned span of the expansion maps to a char-aligned span of the original.
    let bounds: Vec<usize> = e.text.char_indices().map(|(i, _)| i).chain([e.text.len()]).collect();
    for &a in &bounds {
        for &b in bounds.iter().filter(|&&b| b >= a) {
            let m = e.map.to_original(Span::new(a, b));
            assert!(src.get(m.start..m.end).is_some(), "{a}..{b} -> {m:?}");
        }
    }
    let e_acute = e.text.find('é').unwrap_or_default();
    let mapped = e.map.to_original(Span::new(e_acute, e_acute + 'é'.len_utf8()));
    assert_eq!(mapped.slice(src), "é");
}

#[test]
fn non_ascii_notes_are_cut_on_char_boundaries() {
    let t = table(&[("wide", &[], "ß".repeat(500).as_str())]);
    let e = expand("`wide`", &t, &opts());
    let d = Diagnostic::error(Code::UnexpectedToken, Span::new(2, 4), "x");
    let mapped = e.map_diagnostic(d);
    assert!(mapped.notes[0].contains('…'));
}

// --- macros.conf -----------------------------------------------------------------------------

const CONF: &str = r#"# Generated macros
[kube_audit]
definition = source="kubernetes"
description = Kubernetes audit logs

[security_content_ctime(1)]
args = field
definition = convert timeformat="%Y-%m-%dT%H:%M:%S" ctime($field$)
iseval = 0
validation = isstr(field)
errormsg = field must be a string

[long_one]
definition = search a=1 \
    | stats count \
    by b
some_unknown_key = whatever
"#;

#[test]
fn conf_parses_stanzas_args_and_continuations() {
    let (defs, diagnostics) = MacroTable::parse_conf(CONF, Some("macros.conf"));
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(defs.len(), 3);
    assert_eq!(defs[0].name, "kube_audit");
    assert_eq!(defs[0].definition, r#"source="kubernetes""#);
    assert_eq!(defs[0].origin.as_deref(), Some("macros.conf"));
    assert_eq!(defs[1].name, "security_content_ctime");
    assert_eq!(defs[1].args, vec!["field".to_owned()]);
    assert_eq!(defs[2].definition, "search a=1 \n    | stats count \n    by b");

    let t: MacroTable = defs.into_iter().collect();
    let e = expand(
        "`kube_audit` | `security_content_ctime(firstTime)` | `long_one`",
        &t,
        &opts(),
    );
    assert!(e.diagnostics.is_empty());
    assert!(e.text.contains("ctime(firstTime)"));
}

#[test]
fn conf_arity_mismatch_is_reported_with_spans_into_the_conf() {
    let conf = "[two(2)]\nargs = a\ndefinition = $a$\n\n[noarity]\nargs = x, y\ndefinition = $x$ $y$\n\n[ok(2)]\nargs = a, b\ndefinition = $a$ $b$\n";
    let (defs, diagnostics) = MacroTable::parse_conf(conf, None);
    assert_eq!(defs.len(), 1);
    assert_eq!(defs[0].name, "ok");
    assert_eq!(
        codes(&diagnostics),
        vec![Code::InvalidMacroDefinition, Code::InvalidMacroDefinition]
    );
    assert_eq!(diagnostics[0].span.slice(conf), "[two(2)]");
    assert!(
        diagnostics[0].message.contains("2 arguments"),
        "{}",
        diagnostics[0].message
    );
    assert_eq!(diagnostics[0].labels[0].span.slice(conf), "args = a");
    assert_eq!(diagnostics[1].span.slice(conf), "[noarity]");
    assert!(
        diagnostics[1]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("[noarity(2)]")),
        "{:?}",
        diagnostics[1]
    );
}

#[test]
fn conf_rejects_eval_macros_and_missing_definitions() {
    let conf = "[evil]\ndefinition = \"search \" . \"x\"\niseval = 1\n[empty]\ndescription = nothing\n[fine]\ndefinition = ok\n";
    let (defs, diagnostics) = MacroTable::parse_conf(conf, None);
    assert_eq!(defs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), vec!["fine"]);
    assert_eq!(
        codes(&diagnostics),
        vec![Code::InvalidMacroDefinition, Code::InvalidMacroDefinition]
    );
    assert_eq!(
        diagnostics[0].message,
        "eval-based macros (iseval = 1) are not supported"
    );
    assert_eq!(diagnostics[0].span.slice(conf), "iseval = 1");
    assert!(diagnostics[1].message.contains("no `definition`"));
}

#[test]
fn conf_odd_input() {
    // CRLF line ends, merged duplicate stanzas, indented comments, settings before any stanza,
    // a `[default]` stanza, a garbage line, a broken header, empty args and a final backslash.
    let conf = "orphan = 1\r\n[default]\r\ndefinition = no\r\n  # indented comment\r\n[m]\r\ndefinition = first\r\n[m]\r\ndefinition = second\r\nthis is not a setting\r\n[broken\r\ndefinition = skipped\r\n[e]\r\nargs =\r\ndefinition = tail \\";
    let (defs, diagnostics) = MacroTable::parse_conf(conf, None);
    let got: Vec<(&str, &str)> = defs.iter().map(|d| (d.name.as_str(), d.definition.as_str())).collect();
    assert_eq!(got, vec![("m", "second"), ("e", "tail")]);
    assert_eq!(
        diagnostics
            .iter()
            .map(|d| (d.code, d.severity, d.span.slice(conf)))
            .collect::<Vec<_>>(),
        vec![
            (Code::InvalidMacroDefinition, Severity::Warning, "this is not a setting"),
            (Code::InvalidMacroDefinition, Severity::Error, "[broken"),
        ]
    );
}

#[test]
fn conf_bad_arity_and_argument_names() {
    let conf = "[a(x)]\ndefinition = 1\n[b(1)]\nargs = two words\ndefinition = 2\n[c(2)]\nargs = x, x\ndefinition = $x$\n[d(2)]\nargs = x,\ndefinition = $x$\n";
    let (defs, diagnostics) = MacroTable::parse_conf(conf, None);
    assert!(defs.is_empty(), "{defs:?}");
    assert_eq!(diagnostics.len(), 4, "{diagnostics:?}");
    assert!(diagnostics.iter().all(|d| d.code == Code::InvalidMacroDefinition));
}

#[test]
fn conf_warns_about_argument_mismatches() {
    let conf = "[m(2)]\nargs = used, unused\ndefinition = x=$used$ y=$typo$ z=\"^a$|^b$\"\n";
    let (defs, diagnostics) = MacroTable::parse_conf(conf, None);
    assert_eq!(defs.len(), 1);
    assert_eq!(
        diagnostics.iter().map(|d| (d.code, d.severity)).collect::<Vec<_>>(),
        vec![
            (Code::MacroArgumentMismatch, Severity::Warning),
            (Code::MacroArgumentMismatch, Severity::Warning),
        ]
    );
    assert!(diagnostics[0].message.contains("`unused`"));
    assert!(diagnostics[1].message.contains("`$typo$`"));
    assert!(diagnostics[0].span.slice(conf).starts_with("definition = "));
}

#[test]
fn conf_with_non_ascii() {
    let conf = "[städte]\ndefinition = City=\"Zürich\" \\\n  OR City=\"東京\"\n[ärger(1)]\nargs = ä\n";
    let (defs, diagnostics) = MacroTable::parse_conf(conf, None);
    assert_eq!(defs.len(), 1);
    assert_eq!(defs[0].definition, "City=\"Zürich\" \n  OR City=\"東京\"");
    assert_eq!(codes(&diagnostics), vec![Code::InvalidMacroDefinition]);
    assert_eq!(diagnostics[0].span.slice(conf), "[ärger(1)]");
}

// --- Properties ------------------------------------------------------------------------------

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("`".to_owned()),
        Just("```".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("$".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just(",".to_owned()),
        Just(" ".to_owned()),
        Just("`a`".to_owned()),
        Just("`b(1, \"2,3\")`".to_owned()),
        Just("`c`".to_owned()),
        Just("`x_filter`".to_owned()),
        Just("é".to_owned()),
        Just("🙂".to_owned()),
        "[a-z=|]{1,4}",
    ]
}

fn search_text() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..24).prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn expansion_never_panics_and_maps_into_the_original(src in search_text()) {
        let t = table(&[
            ("a", &[], "A `c` é"),
            ("b", &["x", "y"], "$x$ `a` $y$ $z$"),
            ("c", &[], "`a`"),
        ]);
        let small = ExpandOptions { max_len: 4096, ..ExpandOptions::default() };
        let e = expand(&src, &t, &small);
        for d in &e.diagnostics {
            prop_assert!(src.get(d.span.start..d.span.end).is_some(), "{:?}", d);
        }
        let bounds: Vec<usize> =
            e.text.char_indices().map(|(i, _)| i).chain([e.text.len()]).collect();
        for &a in bounds.iter().step_by(3) {
            for &b in bounds.iter().filter(|&&b| b >= a).step_by(5) {
                let m = e.map.to_original(Span::new(a, b));
                prop_assert!(src.get(m.start..m.end).is_some(), "{}..{} -> {:?}", a, b, m);
            }
            let _ = e.map.macro_at(a);
        }
        // Text outside macro expansions is the original text, byte for byte.
        for a in 0..e.text.len() {
            if e.map.macro_at(a).is_none() {
                let m = e.map.to_original(Span::new(a, a + 1));
                prop_assert_eq!(e.text.as_bytes()[a], src.as_bytes()[m.start]);
            }
        }
    }
}

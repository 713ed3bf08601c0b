//! The eval function table in `docs/spl.md` is generated from the function registry (names,
//! usage, summaries and the examples that also run as tests). Regenerate with
//! `TRIPLINE_BLESS=1 cargo test -p tripline-engine --test docs`.

use tripline_engine::functions::FUNCTIONS;

const BEGIN: &str =
    "<!-- functions:begin (generated: TRIPLINE_BLESS=1 cargo test -p tripline-engine --test docs) -->\n";
const END: &str = "<!-- functions:end -->";

fn table() -> String {
    let mut out = String::from("| function | what it returns | example | result |\n|---|---|---|---|\n");
    for f in FUNCTIONS {
        let ex = &f.examples[0];
        let fields: Vec<String> = ex.fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let example = if fields.is_empty() {
            format!("`{}`", ex.expr)
        } else {
            format!("`{}` with {}", ex.expr, fields.join(", "))
        };
        let result = ex.result.map_or("null".to_string(), |r| format!("`{r}`"));
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&format!("`{}`", f.usage)),
            cell(f.summary),
            cell(&example),
            cell(&result)
        ));
    }
    out
}

/// A table cell: one line, `|` escaped.
fn cell(s: &str) -> String {
    s.replace('\n', " ").replace('|', "\\|")
}

#[path = "../../spl/tests/support/generated.rs"]
mod support;

#[test]
fn function_table_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/spl.md");
    support::check_block(
        path,
        BEGIN,
        END,
        &table(),
        "TRIPLINE_BLESS=1 cargo test -p tripline-engine --test docs",
    );
}

//! The whole front end in one call: expand macros, parse, and map every diagnostic back to the
//! text the user wrote.

use crate::macros::{ExpandOptions, Expansion, MacroTable, expand};
use crate::{Code, Diagnostic, ParseOutput, parse};

/// What [`analyze`] returns.
#[derive(Clone, Debug)]
pub struct Analysis {
    /// The macro expansion (its text is what was parsed).
    pub expansion: Expansion,
    /// The parse of the expanded text; its spans point into `expansion.text`.
    pub parse: ParseOutput,
    /// Every diagnostic of both stages, with spans in the ORIGINAL text, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Whether any diagnostic is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        crate::diagnostic::has_errors(&self.diagnostics)
    }
}

/// Expand `text` with `macros`, parse the result, and collect all diagnostics in terms of `text`.
///
/// A macro the expander could not expand is reported once, by the expander; the parser's
/// "unexpanded macro" complaint about the same call is dropped.
#[must_use]
pub fn analyze(text: &str, macros: &MacroTable, opts: &ExpandOptions) -> Analysis {
    let expansion = expand(text, macros, opts);
    let parse = parse(&expansion.text);
    let mut diagnostics = expansion.diagnostics.clone();
    for d in &parse.diagnostics {
        let mapped = expansion.map_diagnostic(d.clone());
        let duplicate = mapped.code == Code::UnexpandedMacro
            && expansion.diagnostics.iter().any(|e| {
                e.span.start < mapped.span.end.max(mapped.span.start + 1)
                    && mapped.span.start < e.span.end.max(e.span.start + 1)
            });
        if !duplicate {
            diagnostics.push(mapped);
        }
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Analysis {
        expansion,
        parse,
        diagnostics,
    }
}

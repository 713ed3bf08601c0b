//! Diagnostics with stable codes, a primary span, secondary labels and help.
//!
//! Every problem the front end finds is a [`Diagnostic`]. Codes never change meaning once
//! released, so users can grep for them and tooling can filter on them; `docs/diagnostics.md`
//! lists them all.

use serde::Serialize;

use crate::Span;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The search cannot run as written (Splunk would reject it, or Tripline cannot run it).
    Error,
    /// The search runs, but probably not the way its author meant.
    Warning,
}

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $name:ident = $num:literal, $summary:literal;)*) => {
        /// A stable diagnostic code such as `SPL0001`.
        ///
        /// `SPL00xx` are syntax errors, `SPL01xx` macro expansion problems, `SPL02xx` warnings about
        /// searches that parse but probably do not mean what they say.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[doc = $doc])* $name,)*
        }

        impl Code {
            /// Every code, in numeric order (for documentation and tests).
            pub const ALL: &'static [Code] = &[$(Code::$name,)*];

            /// The code as users see it, e.g. `"SPL0001"`.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$name => $num,)* }
            }

            /// A one-line summary of what the code means.
            #[must_use]
            pub fn summary(self) -> &'static str {
                match self { $(Code::$name => $summary,)* }
            }
        }
    };
}

codes! {
    /// A character or token that cannot start or continue what the parser expected.
    UnexpectedToken = "SPL0001", "unexpected token";
    /// A `"` string that reaches the end of the search without a closing quote.
    UnterminatedString = "SPL0002", "unterminated quoted string";
    /// A `(` without its `)`, or a stray `)`.
    UnbalancedParen = "SPL0003", "unbalanced parenthesis";
    /// A `[` subsearch without its `]`, or a stray `]`.
    UnbalancedBracket = "SPL0004", "unbalanced subsearch bracket";
    /// A command name that is not an SPL command.
    UnknownCommand = "SPL0005", "unknown command";
    /// A real Splunk command that Tripline does not implement.
    UnsupportedCommand = "SPL0006", "unsupported command";
    /// A pipe with no command after it (`| |`, or a trailing `|`).
    EmptyCommand = "SPL0007", "empty command";
    /// A field name was required here.
    ExpectedField = "SPL0008", "expected a field name";
    /// A comparison operator with nothing after it.
    ExpectedValue = "SPL0009", "expected a value";
    /// An eval expression was required here.
    ExpectedExpression = "SPL0010", "expected an expression";
    /// A number that does not parse, or is out of range.
    InvalidNumber = "SPL0011", "invalid number";
    /// A `name=value` option the command does not have.
    UnknownOption = "SPL0012", "unknown option";
    /// An option whose value has the wrong type (e.g. `max_match=abc`).
    InvalidOptionValue = "SPL0013", "invalid option value";
    /// A required argument of a command is missing.
    MissingArgument = "SPL0014", "missing argument";
    /// A generating command (`makeresults`, `inputlookup`, `mstats`, `tstats`) after the first position.
    MisplacedGeneratingCommand = "SPL0015", "generating command must come first";
    /// A search that starts with `|` but not with a generating command.
    ExpectedGeneratingCommand = "SPL0016", "search starting with `|` needs a generating command";
    /// An eval function name that does not exist.
    UnknownFunction = "SPL0017", "unknown eval function";
    /// An eval function called with the wrong number of arguments.
    WrongArity = "SPL0018", "wrong number of arguments";
    /// A stats function name that does not exist.
    UnknownStatsFunction = "SPL0019", "unknown stats function";
    /// A regular expression that does not compile or uses unsupported syntax.
    InvalidRegex = "SPL0020", "invalid regular expression";
    /// A time modifier value such as `earliest=-1x` that is not valid.
    InvalidTimeModifier = "SPL0021", "invalid time modifier";
    /// A wildcard rename whose two sides have a different number of `*`.
    WildcardMismatch = "SPL0022", "wildcard count mismatch";
    /// A ```` ``` ```` comment that is never closed.
    UnterminatedComment = "SPL0023", "unterminated comment";
    /// Input left over after a command's arguments.
    TrailingInput = "SPL0024", "unexpected input after command arguments";
    /// A `[ ]` subsearch with no search in it.
    EmptySubsearch = "SPL0025", "empty subsearch";
    /// A keyword (`AS`, `BY`, `OUTPUT`, ...) where it is not allowed.
    MisplacedKeyword = "SPL0026", "misplaced keyword";
    /// A backtick macro call that was never expanded (no macro definitions were available).
    UnexpandedMacro = "SPL0027", "unexpanded macro";
    /// A search with no text at all.
    EmptySearch = "SPL0028", "empty search";
    /// A macro that is called but not defined.
    UndefinedMacro = "SPL0101", "undefined macro";
    /// A macro called with a number of arguments no definition has.
    MacroArity = "SPL0102", "macro called with the wrong number of arguments";
    /// A macro whose expansion refers back to itself.
    RecursiveMacro = "SPL0103", "recursive macro";
    /// A backtick that opens a macro call with no closing backtick.
    UnterminatedMacro = "SPL0104", "unterminated macro call";
    /// Expansion that nests too deeply or grows too large (a guard against runaway definitions).
    MacroLimit = "SPL0105", "macro expansion limit exceeded";
    /// A malformed macro definition (bad `macros.conf` stanza or YAML entry).
    InvalidMacroDefinition = "SPL0106", "invalid macro definition";
    /// A macro definition that uses an argument it does not declare, or declares one it never uses.
    MacroArgumentMismatch = "SPL0107", "macro argument mismatch";
    /// Lowercase `and`/`or`/`not` in a search are literal terms, not operators.
    LowercaseOperator = "SPL0201", "lowercase boolean keyword is a search term";
    /// `field!=*` never matches any event.
    NeverMatches = "SPL0202", "condition can never match";
    /// A field compared with itself or another construct Splunk reads differently than it looks.
    Ambiguous = "SPL0203", "construct Splunk reads differently than it looks";
    /// A wildcard in a place where Splunk treats `*` literally (eval/where `IN`, `like`).
    LiteralWildcard = "SPL0204", "wildcard is literal here";
    /// The same output name given twice (e.g. two `AS x` in one `stats`).
    DuplicateName = "SPL0205", "duplicate output name";
}

impl Code {
    /// The severity diagnostics with this code are reported at.
    #[must_use]
    pub fn default_severity(self) -> Severity {
        match self {
            Code::LowercaseOperator
            | Code::NeverMatches
            | Code::Ambiguous
            | Code::LiteralWildcard
            | Code::DuplicateName
            | Code::MacroArgumentMismatch => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A secondary span with a message, drawn under the source next to the primary span.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where the label points.
    pub span: Span,
    /// What it says.
    pub message: String,
}

/// One problem found in a search, with everything needed to render it rustc-style.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Diagnostic {
    /// Stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// The headline, written as a sentence fragment without a trailing period.
    pub message: String,
    /// The primary location.
    pub span: Span,
    /// Text drawn under the primary span (may be empty).
    pub primary_label: String,
    /// Secondary locations.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// Extra context, e.g. the text a macro expanded to.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A new error.
    #[must_use]
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, span, message)
    }

    /// A new warning.
    #[must_use]
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, span, message)
    }

    fn new(severity: Severity, code: Code, span: Span, message: impl Into<String>) -> Self {
        Self {
            code,
            severity,
            message: message.into(),
            span,
            primary_label: String::new(),
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// Set the text drawn under the primary span.
    #[must_use]
    pub fn with_primary_label(mut self, text: impl Into<String>) -> Self {
        self.primary_label = text.into();
        self
    }

    /// Add a secondary label.
    #[must_use]
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Set the help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Add a note.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error (as opposed to a warning).
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Whether any diagnostic in the list is an error.
#[must_use]
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

//! The three matcher parsing modes of Alertmanager (its `matcher/compat` layer), chosen with
//! `--enable-feature`.
//!
//! Upstream logs its fallback warnings itself; here they come back in [`Parsed::warning`], so
//! the caller logs them with its own context (the input and where it came from: config, API,
//! CLI).

use std::fmt;

use crate::labels::ValidationScheme;

use super::{
    ClassicParseError, Matcher, Matchers, Utf8ParseError, parse_matcher_classic,
    parse_matcher_utf8, parse_matchers_classic, parse_matchers_utf8,
};

/// How Alertmanager matcher strings are parsed, and which label names are valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MatcherParseMode {
    /// The default: the UTF-8 parser first; if it rejects the input and the classic parser
    /// accepts it, the classic result (with [`ParseWarning::Incompatible`]); if both accept it
    /// but disagree, the classic result (with [`ParseWarning::Disagreement`]). Label names may
    /// be any non-empty UTF-8.
    #[default]
    Fallback,
    /// `--enable-feature=utf8-strict-mode`: the UTF-8 parser only; names may be any non-empty
    /// UTF-8.
    Utf8Strict,
    /// `--enable-feature=classic-mode`: the classic parser only; names must be
    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    Classic,
}

/// Both `classic-mode` and `utf8-strict-mode` were enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot have both classic and UTF-8 modes enabled")]
pub struct ModeConflictError;

/// A matcher string that the mode's parser(s) rejected. `Display` is Alertmanager's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherParseError {
    /// From the UTF-8 parser (UTF-8 strict mode).
    #[error(transparent)]
    Utf8(Utf8ParseError),
    /// From the classic parser (classic mode; and fallback mode when both parsers reject the
    /// input, as upstream reports the classic parser's error then).
    #[error(transparent)]
    Classic(ClassicParseError),
    /// A single matcher must not start with `{` or end with `}` (UTF-8 and fallback modes).
    #[error("unexpected open or close brace: {0}")]
    Brace(String),
}

/// A fallback-mode parse that succeeded with a caveat worth a warning log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseWarning {
    /// The UTF-8 parser rejected the input (`error`) and the classic parser's result was used.
    /// `suggestion` is that result in the form the UTF-8 parser reads.
    Incompatible {
        /// Why the UTF-8 parser rejected the input.
        error: Utf8ParseError,
        /// The classic result, printed so that it can be pasted back as compatible input.
        suggestion: String,
    },
    /// Both parsers accepted the input with different results; the classic one was used.
    Disagreement,
}

/// Upstream's log message for an input that only the classic parser accepts.
const INCOMPATIBLE_MESSAGE: &str = "Alertmanager is moving to a new parser for labels and \
    matchers, and this input is incompatible. Alertmanager has instead parsed the input using \
    the classic matchers parser as a fallback. To make this input compatible with the UTF-8 \
    matchers parser please make sure all regular expressions and values are double-quoted and \
    backslashes are escaped. If you are still seeing this message please open an issue.";

/// The log message, as upstream words it (log the input, its origin and, for `Incompatible`,
/// the error and the suggestion as fields beside it).
impl fmt::Display for ParseWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseWarning::Incompatible { .. } => f.write_str(INCOMPATIBLE_MESSAGE),
            ParseWarning::Disagreement => f.write_str("Matchers input has disagreement"),
        }
    }
}

/// A parse result and the warning the fallback mode attached to it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    /// What was parsed.
    pub value: T,
    /// Set only in [`MatcherParseMode::Fallback`].
    pub warning: Option<ParseWarning>,
}

impl<T> Parsed<T> {
    fn clean(value: T) -> Self {
        Parsed { value, warning: None }
    }
}

impl MatcherParseMode {
    /// The mode for the `classic-mode` and `utf8-strict-mode` feature flags.
    pub fn from_features(classic: bool, utf8_strict: bool) -> Result<Self, ModeConflictError> {
        match (classic, utf8_strict) {
            (true, true) => Err(ModeConflictError),
            (true, false) => Ok(MatcherParseMode::Classic),
            (false, true) => Ok(MatcherParseMode::Utf8Strict),
            (false, false) => Ok(MatcherParseMode::Fallback),
        }
    }

    /// Parses zero or more matchers (config `matchers:` entries, `amtool` queries):
    /// upstream's `compat.Matchers`.
    pub fn parse_matchers(self, input: &str) -> Result<Parsed<Matchers>, MatcherParseError> {
        match self {
            MatcherParseMode::Classic => {
                parse_matchers_classic(input).map(Parsed::clean).map_err(MatcherParseError::Classic)
            }
            MatcherParseMode::Utf8Strict => {
                parse_matchers_utf8(input).map(Parsed::clean).map_err(MatcherParseError::Utf8)
            }
            MatcherParseMode::Fallback => {
                fallback(parse_matchers_utf8(input), parse_matchers_classic(input), |ms| {
                    ms.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
                })
            }
        }
    }

    /// Parses exactly one matcher (API `filter` parameters, `amtool` arguments): upstream's
    /// `compat.Matcher`. Except in classic mode, input starting with `{` or ending with `}` is
    /// rejected.
    pub fn parse_matcher(self, input: &str) -> Result<Parsed<Matcher>, MatcherParseError> {
        if self != MatcherParseMode::Classic && (input.starts_with('{') || input.ends_with('}')) {
            return Err(MatcherParseError::Brace(input.to_owned()));
        }
        match self {
            MatcherParseMode::Classic => {
                parse_matcher_classic(input).map(Parsed::clean).map_err(MatcherParseError::Classic)
            }
            MatcherParseMode::Utf8Strict => {
                parse_matcher_utf8(input).map(Parsed::clean).map_err(MatcherParseError::Utf8)
            }
            MatcherParseMode::Fallback => {
                fallback(parse_matcher_utf8(input), parse_matcher_classic(input), |m| m.to_string())
            }
        }
    }

    /// Which label names are valid in this mode (alerts, silences, `group_by`, `equal`):
    /// legacy `[a-zA-Z_][a-zA-Z0-9_]*` in classic mode, any non-empty string otherwise. (The
    /// deprecated `match`/`match_re` config maps require legacy names in every mode.)
    pub fn label_name_scheme(self) -> ValidationScheme {
        match self {
            MatcherParseMode::Classic => ValidationScheme::Legacy,
            MatcherParseMode::Utf8Strict | MatcherParseMode::Fallback => ValidationScheme::Utf8,
        }
    }

    /// Whether `name` is a valid label name in this mode (see
    /// [`MatcherParseMode::label_name_scheme`]).
    pub fn is_valid_label_name(self, name: &str) -> bool {
        self.label_name_scheme().is_valid_label_name(name)
    }
}

/// Upstream's fallback decision, given both parsers' results.
fn fallback<T: PartialEq>(
    utf8: Result<T, Utf8ParseError>,
    classic: Result<T, ClassicParseError>,
    suggest: impl FnOnce(&T) -> String,
) -> Result<Parsed<T>, MatcherParseError> {
    match (utf8, classic) {
        (Err(_), Err(classic_err)) => Err(MatcherParseError::Classic(classic_err)),
        (Err(error), Ok(value)) => {
            let suggestion = suggest(&value);
            Ok(Parsed { value, warning: Some(ParseWarning::Incompatible { error, suggestion }) })
        }
        // Upstream also warns when both results are empty (its two parsers return an empty list
        // in two different shapes); equal results are not a disagreement here.
        (Ok(utf8), Ok(value)) if utf8 != value => {
            Ok(Parsed { value, warning: Some(ParseWarning::Disagreement) })
        }
        (Ok(value), _) => Ok(Parsed::clean(value)),
    }
}

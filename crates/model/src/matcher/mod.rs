//! Label matchers (`name="value"`, `name!="value"`, `name=~"re"`, `name!~"re"`) in both
//! dialects klaxon speaks, and the three ways Alertmanager parses them.
//!
//! A [`Matcher`] tests one label value. It belongs to a [`Dialect`], which fixes how its regex is
//! anchored and how it prints:
//!
//! * [`Dialect::Prometheus`] (PromQL selectors, relabelling): regexes are anchored as
//!   `^(?s:…)$`, so `.` also matches a newline; printed like Prometheus' `labels.Matcher`.
//! * [`Dialect::Alertmanager`] (routes, inhibition rules, silences, API filters): regexes are
//!   anchored as `^(?:…)$`; printed in Alertmanager's canonical form, which is part of the
//!   external contract (route keys, and from them group keys and PagerDuty/OpsGenie dedup keys).
//!
//! [`Matchers`] is a list of matchers that must all match (a route's, a silence's).
//!
//! Alertmanager reads matcher strings with one of two parsers, chosen by [`MatcherParseMode`]:
//! the UTF-8 parser ([`parse_matchers_utf8`]), the classic one ([`parse_matchers_classic`]), or
//! by default both, preferring the classic result when they disagree. The modes, parsers and
//! their error texts follow Alertmanager exactly, because users see them (config validation,
//! `amtool`, API `filter` errors).
//!
//! ```
//! use model::matcher::{MatcherParseMode, MatchOp};
//!
//! let parsed = MatcherParseMode::default().parse_matchers(r#"{severity=~"crit.*",team="db"}"#)?;
//! assert!(parsed.warning.is_none());
//! let ms = parsed.value;
//! assert_eq!(ms[0].op(), MatchOp::Regex);
//! // A label that is absent compares as "": `team="db"` does not match here.
//! assert!(!ms.matches(|name| (name == "severity").then_some("critical")));
//! assert_eq!(ms.to_string(), r#"{severity=~"crit.*",team="db"}"#);
//! # Ok::<(), model::matcher::MatcherParseError>(())
//! ```

mod lexer;
mod mode;
mod parse_classic;
mod parse_utf8;
mod set;

#[cfg(test)]
mod lexer_tests;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::gostr;
use crate::regex::{Anchoring, GoRegex, RegexError};

pub use mode::{MatcherParseError, MatcherParseMode, ModeConflictError, ParseWarning, Parsed};
pub use parse_classic::{ClassicParseError, parse_matcher_classic, parse_matchers_classic};
pub use parse_utf8::{Utf8ParseError, parse_matcher_utf8, parse_matchers_utf8};
pub use set::Matchers;

/// The comparison a [`Matcher`] makes.
///
/// The order of the variants is upstream's (`MatchEqual` = 0 … `MatchNotRegexp` = 3); sorting
/// matchers uses it as the last key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchOp {
    /// `=`: the value equals.
    Equal,
    /// `!=`: the value differs.
    NotEqual,
    /// `=~`: the value matches the (fully anchored) regex.
    Regex,
    /// `!~`: the value does not match the (fully anchored) regex.
    NotRegex,
}

impl MatchOp {
    /// The operator as written: `=`, `!=`, `=~` or `!~`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }

    /// Whether the operator takes a regex (`=~`, `!~`).
    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Regex | MatchOp::NotRegex)
    }

    /// Whether the operator is a positive one (`=`, `=~`): the API's `isEqual` flag.
    pub fn is_equal(self) -> bool {
        matches!(self, MatchOp::Equal | MatchOp::Regex)
    }

    /// The operator from the API's `isRegex` and `isEqual` flags (`isEqual` defaults to true
    /// when absent; that default is the API layer's business).
    pub fn from_flags(is_regex: bool, is_equal: bool) -> MatchOp {
        match (is_regex, is_equal) {
            (false, true) => MatchOp::Equal,
            (false, false) => MatchOp::NotEqual,
            (true, true) => MatchOp::Regex,
            (true, false) => MatchOp::NotRegex,
        }
    }

    /// The operator that matches exactly the values this one does not.
    pub fn inverse(self) -> MatchOp {
        match self {
            MatchOp::Equal => MatchOp::NotEqual,
            MatchOp::NotEqual => MatchOp::Equal,
            MatchOp::Regex => MatchOp::NotRegex,
            MatchOp::NotRegex => MatchOp::Regex,
        }
    }
}

impl fmt::Display for MatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which upstream a [`Matcher`] follows: it decides regex anchoring and the printed form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    /// PromQL and relabelling: regex anchored `^(?s:…)$`; printed as Prometheus prints.
    Prometheus,
    /// Routes, inhibition, silences, API filters: regex anchored `^(?:…)$`; printed in
    /// Alertmanager's canonical form.
    Alertmanager,
}

impl Dialect {
    fn anchoring(self) -> Anchoring {
        match self {
            Dialect::Prometheus => Anchoring::Prometheus,
            Dialect::Alertmanager => Anchoring::Alertmanager,
        }
    }
}

/// One label matcher: a label name, an operator and a value (a regex for `=~` and `!~`).
///
/// Cloning is one reference-count increment. Equality, hashing and ordering look at the name,
/// operator, value and dialect (not at the compiled regex, which the other four determine).
/// Ordering is upstream's sort order for a route's matchers: by name, then value, then
/// operator.
#[derive(Clone)]
pub struct Matcher {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    op: MatchOp,
    value: String,
    dialect: Dialect,
    /// Compiled for `=~` and `!~` only.
    regex: Option<GoRegex>,
}

impl Matcher {
    /// A matcher of the given dialect. Fails only when `op` takes a regex and `value` is not a
    /// valid one; the error is the regex compiler's, as upstream returns it. The name is not
    /// checked: which names are valid depends on the caller (see
    /// [`MatcherParseMode::is_valid_label_name`]).
    pub fn new(
        dialect: Dialect,
        op: MatchOp,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Matcher, RegexError> {
        let value = value.into();
        let regex =
            if op.is_regex() { Some(GoRegex::new(&value, dialect.anchoring())?) } else { None };
        Ok(Matcher { inner: Arc::new(Inner { name: name.into(), op, value, dialect, regex }) })
    }

    /// An Alertmanager matcher (regex anchored `^(?:…)$`).
    pub fn alertmanager(
        op: MatchOp,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Matcher, RegexError> {
        Matcher::new(Dialect::Alertmanager, op, name, value)
    }

    /// A Prometheus (PromQL) matcher (regex anchored `^(?s:…)$`).
    pub fn prometheus(
        op: MatchOp,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Matcher, RegexError> {
        Matcher::new(Dialect::Prometheus, op, name, value)
    }

    /// The label name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The operator.
    pub fn op(&self) -> MatchOp {
        self.inner.op
    }

    /// The value: the string compared with, or the regex as written (without anchors).
    pub fn value(&self) -> &str {
        &self.inner.value
    }

    /// The dialect the matcher was built for.
    pub fn dialect(&self) -> Dialect {
        self.inner.dialect
    }

    /// The compiled regex, for `=~` and `!~` matchers.
    pub fn regex(&self) -> Option<&GoRegex> {
        self.inner.regex.as_ref()
    }

    /// Whether the label value `value` satisfies the matcher.
    ///
    /// A label that is absent must be passed as `""`, as both upstreams do; this method cannot
    /// tell the two apart, and does not need to.
    pub fn matches(&self, value: &str) -> bool {
        let inner = &*self.inner;
        match (inner.op, &inner.regex) {
            (MatchOp::Equal, _) => value == inner.value,
            (MatchOp::NotEqual, _) => value != inner.value,
            (MatchOp::Regex, Some(re)) => re.is_match(value),
            (MatchOp::NotRegex, Some(re)) => !re.is_match(value),
            // `new` compiles a regex for both regex operators.
            (MatchOp::Regex | MatchOp::NotRegex, None) => false,
        }
    }

    /// Whether the matcher "matches the empty string" in the sense of Alertmanager's silence
    /// validation (a silence whose matchers all do is rejected with `at least one matcher must
    /// not match the empty string`): an `=` with an empty value, or an `=~` whose regex matches
    /// `""`. Negative matchers never count, although `!="x"` does match `""`: upstream's rule,
    /// kept so that the same silences are accepted. For PromQL's "at least one non-empty
    /// matcher" rule, which does count them, use `matches("")`.
    pub fn matches_empty(&self) -> bool {
        match self.op() {
            MatchOp::Equal => self.value().is_empty(),
            MatchOp::Regex => self.matches(""),
            MatchOp::NotEqual | MatchOp::NotRegex => false,
        }
    }

    /// The matcher with the opposite operator (`=` ↔ `!=`, `=~` ↔ `!~`).
    pub fn inverse(&self) -> Matcher {
        let inner = &*self.inner;
        Matcher {
            inner: Arc::new(Inner {
                name: inner.name.clone(),
                op: inner.op.inverse(),
                value: inner.value.clone(),
                dialect: inner.dialect,
                regex: inner.regex.clone(),
            }),
        }
    }

    /// The matcher printed as `dialect` prints it, whatever its own dialect.
    pub fn display_as(&self, dialect: Dialect) -> impl fmt::Display + '_ {
        DisplayAs { matcher: self, dialect }
    }

    fn key(&self) -> (&str, &str, MatchOp, Dialect) {
        (self.name(), self.value(), self.op(), self.dialect())
    }
}

struct DisplayAs<'a> {
    matcher: &'a Matcher,
    dialect: Dialect,
}

impl fmt::Display for DisplayAs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.matcher;
        match self.dialect {
            Dialect::Alertmanager => {
                if m.name().chars().any(is_reserved) {
                    // Only the UTF-8 parser reads a quoted name, so both parts are Go-quoted;
                    // otherwise the value is escaped as OpenMetrics does, which both parsers
                    // read back.
                    write!(f, "{}{}{}", gostr::quote(m.name()), m.op(), gostr::quote(m.value()))
                } else {
                    write!(f, "{}{}\"", m.name(), m.op())?;
                    write_openmetrics_escaped(f, m.value())?;
                    f.write_str("\"")
                }
            }
            Dialect::Prometheus => {
                if prometheus_should_quote_name(m.name()) {
                    f.write_str(&gostr::quote(m.name()))?;
                } else {
                    f.write_str(m.name())?;
                }
                write!(f, "{}{}", m.op(), gostr::quote(m.value()))
            }
        }
    }
}

/// Prints the matcher in its own dialect's form: Alertmanager's `name="value"` with `\\`, `\n`
/// and `\"` escaped (both name and value Go-quoted when the name holds a reserved character),
/// or Prometheus' `name="value"` with the value Go-quoted (and the name too unless it is a
/// legacy name without colons).
impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.display_as(self.dialect()), f)
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Matcher")
            .field("name", &self.name())
            .field("op", &self.op())
            .field("value", &self.value())
            .field("dialect", &self.dialect())
            .finish()
    }
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner) || self.key() == other.key()
    }
}

impl Eq for Matcher {}

impl Hash for Matcher {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

impl PartialOrd for Matcher {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Matcher {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// Characters that make Alertmanager quote a label name when printing, and that end an
/// unquoted run in the UTF-8 parser: Unicode white space and ``{}!=~,\"'` ``.
pub(crate) fn is_reserved(c: char) -> bool {
    // Go's unicode.IsSpace is the Unicode White_Space property, as is char::is_whitespace.
    c.is_whitespace() || matches!(c, '{' | '}' | '!' | '=' | '~' | ',' | '\\' | '"' | '\'' | '`')
}

/// Prometheus quotes a name unless it is `[a-zA-Z_][a-zA-Z0-9_]*` (so colons are quoted too).
fn prometheus_should_quote_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        None => true,
        Some(c) if c == '_' || c.is_ascii_alphabetic() => {
            !chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        }
        Some(_) => true,
    }
}

/// OpenMetrics escaping, as Alertmanager prints matcher values: `\` → `\\`, newline → `\n`,
/// `"` → `\"`, everything else as is.
fn write_openmetrics_escaped(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    let mut rest = s;
    while let Some(i) = rest.find(['\\', '\n', '"']) {
        f.write_str(&rest[..i])?;
        f.write_str(match rest.as_bytes()[i] {
            b'\\' => "\\\\",
            b'\n' => "\\n",
            _ => "\\\"",
        })?;
        rest = &rest[i + 1..];
    }
    f.write_str(rest)
}

//! Go RE2-compatible regular expressions on top of the `regex` crate.
//!
//! PLACEHOLDER implementation: compiles the pattern with the `regex` crate as is. The Go-syntax
//! translation and the fast paths replace it.

use std::fmt;

/// How a pattern is anchored, as each upstream anchors it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Anchoring {
    /// Search anywhere in the input (template functions `match`, `reReplaceAll`).
    Unanchored,
    /// Prometheus 3: `^(?s:<re>)$`, so `.` also matches a newline (label matchers, relabelling,
    /// `label_replace`).
    Prometheus,
    /// Alertmanager: `^(?:<re>)$` (matchers, routes, silences, inhibition, API filters).
    Alertmanager,
}

/// A pattern that failed to compile, with Go's wording where Go rejects it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RegexError {
    /// The error text (Go's `regexp/syntax` wording where we can match it).
    pub message: String,
}

/// A compiled regular expression with Go RE2 semantics.
#[derive(Clone)]
pub struct GoRegex {
    source: String,
    anchoring: Anchoring,
    re: regex::Regex,
}

impl GoRegex {
    /// Compiles `pattern` (Go RE2 syntax) with the given anchoring.
    pub fn new(pattern: &str, anchoring: Anchoring) -> Result<Self, RegexError> {
        let wrapped = match anchoring {
            Anchoring::Unanchored => pattern.to_string(),
            Anchoring::Prometheus => format!("^(?s:{pattern})$"),
            Anchoring::Alertmanager => format!("^(?:{pattern})$"),
        };
        let re = regex::Regex::new(&wrapped).map_err(|e| RegexError { message: e.to_string() })?;
        Ok(GoRegex { source: pattern.to_string(), anchoring, re })
    }

    /// Whether the pattern matches `s` (the whole of it, unless unanchored).
    pub fn is_match(&self, s: &str) -> bool {
        self.re.is_match(s)
    }

    /// The pattern as written, without anchors.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// How this pattern is anchored.
    pub fn anchoring(&self) -> Anchoring {
        self.anchoring
    }

    /// The compiled `regex::Regex` (anchored as configured), for captures and replacement.
    pub fn regex(&self) -> &regex::Regex {
        &self.re
    }
}

impl fmt::Debug for GoRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GoRegex").field(&self.source).field(&self.anchoring).finish()
    }
}

impl PartialEq for GoRegex {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.anchoring == other.anchoring
    }
}

impl Eq for GoRegex {}

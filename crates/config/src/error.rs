//! [`ConfigError`]: what is wrong in `prometheus.yml` (or a file it includes), and where.

use serde_saphyr::{Location, Spanned};
use std::fmt;

/// A config file that failed to load. `Display` is `<file>:<line>:<col>: <text>`, or
/// `<file>: <text>` when no position applies (an unreadable file, a glob that matches a
/// broken file); the text is upstream's wording wherever upstream has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// The file, as given to the loader (or the included scrape config file).
    pub file: String,
    /// 1-based line and column of the offending YAML node, when known.
    pub position: Option<(u64, u64)>,
    /// What is wrong (never contains a secret's value).
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl ConfigError {
    /// The bare message, without file and position (upstream's `err.Error()` minus its
    /// `parsing YAML file` prefix).
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// An error found before the file name is attached: a message and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Positioned {
    pub(crate) position: Option<(u64, u64)>,
    pub(crate) message: String,
}

impl Positioned {
    pub(crate) fn at(loc: Location, message: impl Into<String>) -> Self {
        Positioned { position: position_of(loc), message: message.into() }
    }

    pub(crate) fn at_span<T>(s: &Spanned<T>, message: impl Into<String>) -> Self {
        Positioned::at(s.referenced, message)
    }

    pub(crate) fn nowhere(message: impl Into<String>) -> Self {
        Positioned { position: None, message: message.into() }
    }

    pub(crate) fn in_file(self, file: &str) -> ConfigError {
        ConfigError { file: file.to_owned(), position: self.position, message: self.message }
    }
}

/// A location as `(line, col)`, or `None` for serde-saphyr's "unknown" location.
pub(crate) fn position_of(loc: Location) -> Option<(u64, u64)> {
    (loc.line() != 0).then(|| (loc.line(), loc.column()))
}

pub(crate) type Result<T, E = Positioned> = std::result::Result<T, E>;

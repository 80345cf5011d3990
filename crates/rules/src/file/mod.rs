//! Rule files: the Prometheus rule file format (`groups:` of recording and alerting rules),
//! read strictly and validated the way upstream's `rulefmt` validates, with every error
//! collected (not fail-fast) and positioned at `file:line:col`.
//!
//! [`parse_str`] reads one file's text, [`load_files`] reads files from disk (what the rule
//! manager and `klaxon check rules` use). [`lint`] holds the checks that are warnings, not
//! errors (duplicate rules, `for` shorter than the interval, annotations naming labels the
//! expression cannot have).

mod error;
pub mod lint;
mod position;
mod raw;
mod validate;

use std::collections::BTreeMap;
use std::path::PathBuf;

use model::duration::Duration;
use model::labels::ValidationScheme;

use crate::seams::RuleQuery;

pub use error::{RuleFileError, RuleRef};

/// A 1-based line and column in a rule file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: u64,
    pub col: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One loaded rule file.
#[derive(Debug, Clone)]
pub struct RuleFile {
    /// The file as given (the first half of the group key `<file>;<name>`).
    pub file: String,
    pub groups: Vec<GroupSpec>,
    /// Things worth saying that do not stop the file loading (a second YAML document).
    pub warnings: Vec<String>,
}

impl RuleFile {
    /// How many rules the file holds (what `check rules` reports).
    pub fn rule_count(&self) -> usize {
        self.groups.iter().map(|g| g.rules.len()).sum()
    }
}

/// A rule group as written; unset options stay `None` so the manager can apply the global
/// defaults (`evaluation_interval`, `rule_query_offset`).
#[derive(Debug, Clone)]
pub struct GroupSpec {
    pub name: String,
    pub interval: Option<Duration>,
    /// Maximum alerts (alerting rule) or series (recording rule) per rule; 0 = unlimited.
    pub limit: usize,
    pub query_offset: Option<Duration>,
    /// Added to every rule of the group; the rule's own labels win on conflict.
    pub labels: BTreeMap<String, String>,
    pub rules: Vec<RuleSpec>,
    /// Where the group's mapping starts.
    pub position: Position,
}

/// One rule as written. Exactly one of `record` and `alert` is set.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub record: Option<String>,
    pub alert: Option<String>,
    pub expr: RuleQuery,
    pub for_: Duration,
    pub keep_firing_for: Duration,
    /// The rule's own labels (group labels are not merged in; see [`RuleSpec::merged_labels`]).
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// Where the rule's mapping starts.
    pub position: Position,
    /// Where the `expr` value starts.
    pub expr_position: Position,
}

impl RuleSpec {
    /// The alert name or the recorded metric name.
    pub fn name(&self) -> &str {
        self.alert.as_deref().or(self.record.as_deref()).unwrap_or("")
    }

    /// Whether this is an alerting rule.
    pub fn is_alerting(&self) -> bool {
        self.alert.is_some()
    }

    /// Group labels overlaid with the rule's labels (rule wins), as the rule evaluates with.
    pub fn merged_labels(&self, group: &GroupSpec) -> BTreeMap<String, String> {
        let mut m = group.labels.clone();
        m.extend(self.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        m
    }
}

/// How strictly to read a rule file.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// Accept unknown keys (promtool's `--ignore-unknown-fields`).
    pub ignore_unknown_fields: bool,
    /// Which metric and label names are valid (`utf8` by default, as Prometheus 3).
    pub scheme: ValidationScheme,
}

/// Parses and validates one rule file's text; `file` names it in errors. All errors found
/// are returned, each with upstream's wording.
pub fn parse_str(text: &str, file: &str) -> Result<RuleFile, Vec<RuleFileError>> {
    parse_str_with(text, file, ParseOptions::default())
}

/// [`parse_str`] with options.
pub fn parse_str_with(
    text: &str,
    file: &str,
    opts: ParseOptions,
) -> Result<RuleFile, Vec<RuleFileError>> {
    validate::parse(text, file, opts)
}

/// Reads and parses every file; the error lists every problem of every file.
pub fn load_files(paths: &[PathBuf]) -> Result<Vec<RuleFile>, Vec<RuleFileError>> {
    load_files_with(paths, ParseOptions::default())
}

/// [`load_files`] with options.
pub fn load_files_with(
    paths: &[PathBuf],
    opts: ParseOptions,
) -> Result<Vec<RuleFile>, Vec<RuleFileError>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match load_file_with(p, opts) {
            Ok(f) => files.push(f),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() { Ok(files) } else { Err(errors) }
}

/// Reads and parses one file.
pub fn load_file_with(
    path: &std::path::Path,
    opts: ParseOptions,
) -> Result<RuleFile, Vec<RuleFileError>> {
    let label = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => parse_str_with(&text, &label, opts),
            Err(_) => Err(vec![RuleFileError::file(&label, "invalid UTF-8 in rule file")]),
        },
        Err(e) => Err(vec![RuleFileError::file(&label, error::io_text(&label, &e))]),
    }
}

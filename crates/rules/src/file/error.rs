//! [`RuleFileError`]: one problem in a rule file, printed as upstream prints it.

use std::fmt;

use model::gostr::quote;

use super::Position;

/// The rule an error is about: group name, 1-based index in the group, rule name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub group: String,
    pub index: usize,
    pub name: String,
}

/// One problem in a rule file. `Display` is upstream's shape:
/// `<file>: <line>:<col>: group "<g>", rule <n>, "<name>": <message>` (a second position
/// follows the first when two YAML nodes are involved, as for `record` and `alert` both set;
/// no position when none applies, as for an unreadable file). An empty `file` (standard
/// input) prints no file prefix, as upstream's `Parse`.
///
/// klaxon positions errors upstream leaves unpositioned or puts at `0:0`: a label or
/// annotation error at its value, a group label error at its value, "one of 'record' or
/// 'alert' must be set" and a missing `expr` at the rule, an `expr` parse error at the
/// offending place inside the expression where it can be mapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFileError {
    pub file: String,
    pub position: Option<Position>,
    /// The second node, when the error is about two (`record` and `alert`).
    pub position_alt: Option<Position>,
    /// Set for errors about one rule.
    pub rule: Option<RuleRef>,
    /// The text alone, in upstream's words (`invalid recording rule name: a{b}`).
    pub message: String,
}

impl RuleFileError {
    /// An error about the file as a whole.
    pub(crate) fn file(file: &str, message: impl Into<String>) -> Self {
        RuleFileError {
            file: file.to_owned(),
            position: None,
            position_alt: None,
            rule: None,
            message: message.into(),
        }
    }

    /// `file:line:col` (or just `file`), for editors and CI annotations.
    pub fn location(&self) -> String {
        match self.position {
            Some(p) => format!("{}:{}:{}", self.file, p.line, p.col),
            None => self.file.clone(),
        }
    }
}

impl fmt::Display for RuleFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.file.is_empty() {
            write!(f, "{}: ", self.file)?;
        }
        if let Some(p) = self.position {
            write!(f, "{p}: ")?;
            if let Some(alt) = self.position_alt {
                write!(f, "{alt}: ")?;
            }
        }
        if let Some(r) = &self.rule {
            write!(f, "group {}, rule {}, {}: ", quote(&r.group), r.index, quote(&r.name))?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for RuleFileError {}

/// An I/O error worded as Go's `os.ReadFile` words it (`open x.yml: no such file or directory`).
pub(crate) fn io_text(path: &str, e: &std::io::Error) -> String {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::IsADirectory => return format!("read {path}: is a directory"),
        _ => e.to_string(),
    };
    format!("open {path}: {what}")
}

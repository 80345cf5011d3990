//! Relabelling: `relabel_configs`, `metric_relabel_configs`, `alert_relabel_configs` and
//! `write_relabel_configs` rules, with every upstream action.
//!
//! A rule reads the values of its `source_labels` joined by `separator`, and then, by action:
//!
//! | action | effect |
//! |---|---|
//! | `replace` | if `regex` matches, `target_label` (expanded) := `replacement` (expanded); empty deletes |
//! | `keep` / `drop` | drop the set unless / if `regex` matches |
//! | `keepequal` / `dropequal` | drop the set unless / if the value equals `target_label`'s |
//! | `hashmod` | `target_label` := MD5-derived hash of the value mod `modulus` |
//! | `labelmap` | copy each label whose name matches to the name `replacement` makes of it |
//! | `labeldrop` / `labelkeep` | delete labels whose names match / do not match |
//! | `lowercase` / `uppercase` | `target_label` := the value in lower / upper case |
//!
//! Rules deserialize with upstream's defaults and are validated as upstream validates them
//! (same error texts), so a rule that loads here loads in Prometheus and vice versa.
//!
//! ```
//! use model::labels::Labels;
//! use model::relabel::{RelabelConfig, relabel};
//!
//! let rules: Vec<RelabelConfig> = serde_json::from_str(r#"[
//!     {"source_labels": ["__address__"], "regex": "(.*):\\d+", "target_label": "host"},
//!     {"source_labels": ["env"], "regex": "dev", "action": "drop"}
//! ]"#).unwrap();
//! let out = relabel(&Labels::from_pairs([("__address__", "db1:9100")]), &rules).unwrap();
//! assert_eq!(out.get("host"), Some("db1"));
//! assert!(relabel(&Labels::from_pairs([("env", "dev")]), &rules).is_none());
//! ```

mod de;
mod process;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use crate::labels::ValidationScheme;
use crate::regex::{Anchoring, GoRegex};

pub use self::process::{relabel, relabel_builder};

/// The default `regex`: everything, captured as group 1.
pub const DEFAULT_REGEX: &str = "(.*)";
/// The default `separator`.
pub const DEFAULT_SEPARATOR: &str = ";";
/// The default `replacement`.
pub const DEFAULT_REPLACEMENT: &str = "$1";

/// What a rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    #[default]
    Replace,
    Keep,
    Drop,
    KeepEqual,
    DropEqual,
    HashMod,
    LabelMap,
    LabelDrop,
    LabelKeep,
    Lowercase,
    Uppercase,
}

impl Action {
    /// The configuration spelling (lowercase), as upstream prints it in errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Replace => "replace",
            Action::Keep => "keep",
            Action::Drop => "drop",
            Action::KeepEqual => "keepequal",
            Action::DropEqual => "dropequal",
            Action::HashMod => "hashmod",
            Action::LabelMap => "labelmap",
            Action::LabelDrop => "labeldrop",
            Action::LabelKeep => "labelkeep",
            Action::Lowercase => "lowercase",
            Action::Uppercase => "uppercase",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = RelabelError;

    /// Case-insensitive, as upstream (`Replace`, `LABELDROP` are accepted).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_lowercase().as_str() {
            "replace" => Action::Replace,
            "keep" => Action::Keep,
            "drop" => Action::Drop,
            "keepequal" => Action::KeepEqual,
            "dropequal" => Action::DropEqual,
            "hashmod" => Action::HashMod,
            "labelmap" => Action::LabelMap,
            "labeldrop" => Action::LabelDrop,
            "labelkeep" => Action::LabelKeep,
            "lowercase" => Action::Lowercase,
            "uppercase" => Action::Uppercase,
            _ => {
                return Err(RelabelError::new(format!(
                    "unknown relabel action {}",
                    crate::gostr::quote(s)
                )));
            }
        })
    }
}

/// A rule upstream would reject, with upstream's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RelabelError {
    pub message: String,
}

impl RelabelError {
    fn new(message: String) -> Self {
        RelabelError { message }
    }
}

/// One relabelling rule, validated.
#[derive(Debug, Clone)]
pub struct RelabelConfig {
    pub source_labels: Vec<String>,
    /// Default `;`.
    pub separator: String,
    pub target_label: String,
    /// Default `(.*)`, fully anchored.
    pub regex: GoRegex,
    pub modulus: u64,
    /// Default `$1`.
    pub replacement: String,
    pub action: Action,
    /// Which names `replace` may write and validation accepts: the config's
    /// `metric_name_validation_scheme` (default `utf8`). Set by [`RelabelConfig::validate`].
    pub name_validation_scheme: ValidationScheme,
}

impl Default for RelabelConfig {
    /// Upstream's defaults: `replace` everything into nothing (a `target_label` is needed).
    fn default() -> Self {
        RelabelConfig {
            source_labels: Vec::new(),
            separator: DEFAULT_SEPARATOR.to_string(),
            target_label: String::new(),
            regex: default_regex(),
            modulus: 0,
            replacement: DEFAULT_REPLACEMENT.to_string(),
            action: Action::Replace,
            name_validation_scheme: ValidationScheme::Utf8,
        }
    }
}

/// `(.*)` anchored the Prometheus way; compiled once per process.
pub(crate) fn default_regex() -> GoRegex {
    static DEFAULT: std::sync::LazyLock<GoRegex> = std::sync::LazyLock::new(|| {
        GoRegex::new(DEFAULT_REGEX, Anchoring::Prometheus).expect("`(.*)` is a valid pattern")
    });
    DEFAULT.clone()
}

/// Compiles a rule's `regex` as upstream does: anchored at both ends, `.` matching `\n`.
pub fn compile_regex(pattern: &str) -> Result<GoRegex, RelabelError> {
    GoRegex::new(pattern, Anchoring::Prometheus).map_err(|e| RelabelError::new(e.message))
}

impl RelabelConfig {
    /// Whether `regex` is the default `(.*)` (enables `replace`'s fast path).
    pub fn has_default_regex(&self) -> bool {
        self.regex.as_str() == DEFAULT_REGEX
    }

    /// Checks the rule as upstream's `Config.Validate` does, under `scheme` (the config's
    /// `metric_name_validation_scheme`), and remembers the scheme for `replace`'s run-time
    /// check of expanded target names. Deserialisation already validated under `utf8`, the
    /// looser scheme; a loader whose config says `legacy` calls this again.
    pub fn validate(&mut self, scheme: ValidationScheme) -> Result<(), RelabelError> {
        self.name_validation_scheme = scheme;
        let action = self.action;
        let err = |msg: String| Err(RelabelError::new(msg));
        let quote = crate::gostr::quote;
        if action == Action::HashMod && self.modulus == 0 {
            return err("relabel configuration for hashmod requires non-zero modulus".into());
        }
        let needs_target = matches!(
            action,
            Action::Replace
                | Action::HashMod
                | Action::Lowercase
                | Action::Uppercase
                | Action::KeepEqual
                | Action::DropEqual
        );
        if needs_target && self.target_label.is_empty() {
            return err(format!(
                "relabel configuration for {action} action requires 'target_label' value"
            ));
        }
        let invalid_target = || {
            err(format!(
                "{} is invalid 'target_label' for {action} action",
                quote(&self.target_label)
            ))
        };
        let has_var = |s: &str| s.contains('$');
        if action == Action::Replace {
            let ok = if has_var(&self.target_label) {
                valid_name_with_vars(scheme, &self.target_label)
            } else {
                scheme.is_valid_label_name(&self.target_label)
            };
            if !ok {
                return invalid_target();
            }
        }
        let plain_target = matches!(
            action,
            Action::Lowercase | Action::Uppercase | Action::KeepEqual | Action::DropEqual
        );
        if plain_target && !scheme.is_valid_label_name(&self.target_label) {
            return invalid_target();
        }
        if plain_target && self.replacement != DEFAULT_REPLACEMENT {
            return err(format!("'replacement' can not be set for {action} action"));
        }
        if action == Action::LabelMap && !valid_name_with_vars(scheme, &self.replacement) {
            return err(format!(
                "{} is invalid 'replacement' for {action} action",
                quote(&self.replacement)
            ));
        }
        if action == Action::HashMod && !scheme.is_valid_label_name(&self.target_label) {
            return invalid_target();
        }
        if matches!(action, Action::KeepEqual | Action::DropEqual)
            && (!self.has_default_regex()
                || self.modulus != 0
                || self.separator != DEFAULT_SEPARATOR
                || self.replacement != DEFAULT_REPLACEMENT)
        {
            return err(format!(
                "{action} action requires only 'source_labels' and `target_label`, and no other fields"
            ));
        }
        if matches!(action, Action::LabelDrop | Action::LabelKeep)
            && (!self.source_labels.is_empty()
                || !self.target_label.is_empty()
                || self.modulus != 0
                || self.separator != DEFAULT_SEPARATOR
                || self.replacement != DEFAULT_REPLACEMENT)
        {
            return err(format!("{action} action requires only 'regex', and no other fields"));
        }
        Ok(())
    }
}

/// A label name that may contain `$1` / `${name}` references: under `legacy`, letters, digits,
/// `_` and references, not starting with a digit; under `utf8`, anything non-empty.
fn valid_name_with_vars(scheme: ValidationScheme, s: &str) -> bool {
    match scheme {
        ValidationScheme::Utf8 => scheme.is_valid_label_name(s),
        ValidationScheme::Legacy => legacy_name_with_vars(s),
    }
}

/// Upstream's `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`, which amounts to: non-empty, the
/// first item a letter, `_` or a reference, every `$` starting a well-formed reference, and
/// otherwise only ASCII word characters.
fn legacy_name_with_vars(s: &str) -> bool {
    let b = s.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    let mut first = true;
    while i < b.len() {
        if b[i] == b'$' {
            i += 1;
            if b.get(i) == Some(&b'{') {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && word(b[j]) {
                    j += 1;
                }
                if j == start || b.get(j) != Some(&b'}') {
                    return false;
                }
                i = j + 1;
            } else {
                let start = i;
                while i < b.len() && word(b[i]) {
                    i += 1;
                }
                if i == start {
                    return false;
                }
            }
        } else if first && b[i].is_ascii_digit() {
            return false;
        } else if word(b[i]) {
            i += 1;
        } else {
            return false;
        }
        first = false;
    }
    !b.is_empty()
}

impl PartialEq for RelabelConfig {
    fn eq(&self, other: &Self) -> bool {
        self.source_labels == other.source_labels
            && self.separator == other.separator
            && self.target_label == other.target_label
            && self.regex.as_str() == other.regex.as_str()
            && self.modulus == other.modulus
            && self.replacement == other.replacement
            && self.action == other.action
            && self.name_validation_scheme == other.name_validation_scheme
    }
}

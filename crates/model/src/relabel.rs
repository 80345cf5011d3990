//! Relabelling: `relabel_configs`, `metric_relabel_configs`, `alert_relabel_configs` and
//! `write_relabel_configs` rules, with every upstream action.
//!
//! (Skeleton: the types are the contract; parsing, validation and [`relabel`] are being
//! written.)

use crate::regex::GoRegex;

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
    }
}

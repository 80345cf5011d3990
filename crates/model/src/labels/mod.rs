//! Label sets: the identity of every series, alert, silence target and notification group.
//!
//! Everything in the pipeline is keyed by a set of `name="value"` pairs: a series in the TSDB, a
//! sample in PromQL, an alert in the rules and in the Alertmanager. This module owns that set and
//! everything that must agree *bit for bit* with upstream about it:
//!
//! * [`Labels`]: an immutable set sorted by name with unique names, cloned in O(1). It prints
//!   (`Display`) and orders (`Ord`) as Prometheus' `labels.Labels` does.
//! * [`LabelsBuilder`]: set / delete / keep on top of a base set (relabelling, PromQL, rule
//!   labels), with Prometheus' `labels.Builder` semantics (an empty value deletes).
//! * Hashes with upstream's exact values, because they leave the process: [`Labels::hash`]
//!   (xxHash64 of `name 0xFF value 0xFF ...`: Prometheus' `StableHash`, Alertmanager's
//!   notification-log alert hash), [`Labels::hash_for_labels`] / [`Labels::hash_without_labels`]
//!   (PromQL grouping), [`Labels::hash_stringlabels`] (what official Prometheus 3 binaries return
//!   from `labels.Hash()`, which places rule group and scrape offsets), and
//!   [`Labels::fingerprint`] (FNV-1a, the Alertmanager alert and group [`Fingerprint`]).
//! * Name rules ([`ValidationScheme`], [`is_valid_legacy_label_name`], ...) and the name
//!   escaping schemes of the exposition formats and the HTTP API ([`escape_name`]).
//!
//! The hash values are checked against a table produced by a Go program
//! (`scripts/oracle/fingerprint/`), see `crates/model/tests/labels_fingerprints.rs`.
//!
//! ```
//! use model::labels::{Labels, LabelsBuilder};
//!
//! let up = Labels::from_pairs([("job", "prometheus"), ("__name__", "up"), ("instance", "localhost:9090")]);
//! assert_eq!(up.to_string(), r#"{__name__="up", instance="localhost:9090", job="prometheus"}"#);
//! assert_eq!(up.get("job"), Some("prometheus"));
//! assert_eq!(up.fingerprint().to_string().len(), 16);
//!
//! let mut b = LabelsBuilder::new(up.clone());
//! b.del("instance").set("env", "prod");
//! assert_eq!(b.labels().to_string(), r#"{__name__="up", env="prod", job="prometheus"}"#);
//! ```

mod builder;
mod hash;
mod names;
mod set;

pub use builder::LabelsBuilder;
pub use hash::{Fingerprint, ParseFingerprintError};
pub use names::{
    EscapingScheme, ParseSchemeError, ValidationScheme, escape_name, is_reserved_label_name,
    is_valid_label_value, is_valid_legacy_label_name, is_valid_legacy_metric_name, unescape_name,
};
pub use set::{Iter, Labels};

/// The label holding a series' metric name.
pub const METRIC_NAME: &str = "__name__";
/// The label holding an alert's name.
pub const ALERT_NAME: &str = "alertname";
/// The histogram bucket upper bound label ("less or equal").
pub const BUCKET_LABEL: &str = "le";
/// The summary quantile label.
pub const QUANTILE_LABEL: &str = "quantile";
/// The scrape job label.
pub const JOB_LABEL: &str = "job";
/// The scrape instance label.
pub const INSTANCE_LABEL: &str = "instance";
/// Names starting with this are reserved for Prometheus' own use (`__address__`, `__meta_*`, ...).
pub const RESERVED_PREFIX: &str = "__";
/// Discovery meta labels; dropped after target relabelling.
pub const META_PREFIX: &str = "__meta_";
/// Temporary labels for users' relabelling; dropped after relabelling.
pub const TMP_PREFIX: &str = "__tmp_";
/// Labels that become URL parameters of a scrape.
pub const PARAM_PREFIX: &str = "__param_";

/// One `name="value"` pair, borrowed from a [`Labels`] (or from the caller).
///
/// Ordered by name, then value, which is how [`Labels`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label<'a> {
    /// The label name.
    pub name: &'a str,
    /// The label value; may be empty (see [`Labels::without_empty`]).
    pub value: &'a str,
}

impl<'a> Label<'a> {
    /// A label from its parts.
    pub const fn new(name: &'a str, value: &'a str) -> Self {
        Label { name, value }
    }
}

/// Anything that reads as one `name="value"` pair: `(name, value)` tuples of string types,
/// [`Label`]s, and references to either. [`Labels::from_pairs`] and `collect()` take these.
pub trait LabelPair {
    /// The label name.
    fn name(&self) -> &str;
    /// The label value.
    fn value(&self) -> &str;
}

impl<N: AsRef<str>, V: AsRef<str>> LabelPair for (N, V) {
    fn name(&self) -> &str {
        self.0.as_ref()
    }
    fn value(&self) -> &str {
        self.1.as_ref()
    }
}

impl LabelPair for Label<'_> {
    fn name(&self) -> &str {
        self.name
    }
    fn value(&self) -> &str {
        self.value
    }
}

impl<T: LabelPair + ?Sized> LabelPair for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn value(&self) -> &str {
        (**self).value()
    }
}

impl<'a> From<(&'a str, &'a str)> for Label<'a> {
    fn from((name, value): (&'a str, &'a str)) -> Self {
        Label { name, value }
    }
}

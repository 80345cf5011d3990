//! A log job as the config crate hands it over (the YAML lives in `prometheus.yml` under
//! `klaxon.log_metrics`; `crates/config` reads and checks it with positions).

use std::collections::BTreeMap;

use model::relabel::RelabelConfig;

use crate::format::FormatSpec;

/// Prometheus' default histogram buckets (seconds), as the client libraries define them.
pub const DEFAULT_BUCKETS: [f64; 11] =
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// One `klaxon.log_metrics` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct JobConfig {
    /// The scrape job its series appear under; unique among all jobs.
    pub job_name: String,
    /// Globs, absolute (the loader resolves them against the config file's directory).
    pub files: Vec<String>,
    pub format: FormatSpec,
    /// Metric names start with it: `<prefix>_http_response_count_total`. Default `nginx`.
    pub metric_prefix: String,
    /// The `instance` label of the job's target. Default `localhost`.
    pub instance: String,
    /// Static target labels.
    pub labels: BTreeMap<String, String>,
    /// Fields that become labels, by name; default `method`, `status`.
    pub label_fields: Vec<String>,
    /// Applied to each distinct set of field labels; `drop` skips the line.
    pub relabel_configs: Vec<RelabelConfig>,
    /// Upper bounds (seconds) of the time histograms, increasing.
    pub buckets: Vec<f64>,
    pub read_from: ReadFrom,
}

/// Where reading starts in a file that exists at the job's very first start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReadFrom {
    /// Only lines written from now on (a big old log is not counted at once).
    #[default]
    End,
    Beginning,
}

impl JobConfig {
    /// A job with the defaults, for tests and callers that build jobs in code.
    pub fn new(job_name: &str, files: Vec<String>, format: FormatSpec) -> JobConfig {
        JobConfig {
            job_name: job_name.to_string(),
            files,
            format,
            metric_prefix: "nginx".to_string(),
            instance: "localhost".to_string(),
            labels: BTreeMap::new(),
            label_fields: vec!["method".to_string(), "status".to_string()],
            relabel_configs: Vec::new(),
            buckets: DEFAULT_BUCKETS.to_vec(),
            read_from: ReadFrom::End,
        }
    }

    /// What the saved counters depend on: when it changes, restored counters would not
    /// match the new series, so they start over (offsets are kept).
    pub(crate) fn counters_fingerprint(&self) -> String {
        format!(
            "{}|{}|{:?}|{:?}|{:?}",
            self.format, self.metric_prefix, self.label_fields, self.relabel_configs, self.buckets
        )
    }
}

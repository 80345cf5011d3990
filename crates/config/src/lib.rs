//! `prometheus.yml`: the types of every section klaxon acts on, loaded strictly with errors at
//! `file:line:col`, defaults and validation as Prometheus 3 applies them (2.x files load too).
//!
//! The scrape crate turns [`ScrapeConfig`]s into targets and loops, `remote` turns
//! [`RemoteWriteConfig`]s into queues, `rules` reads [`Config::rule_files`] and
//! [`AlertingConfig`]. Relabelling rules are `model::relabel::RelabelConfig`, shared with
//! `alert_relabel_configs` and `write_relabel_configs`.
//!
//! ```
//! let cfg = config::load_str(
//!     "scrape_configs:\n  - job_name: node\n    static_configs: [{targets: ['localhost:9100']}]\n",
//!     std::path::Path::new("/etc/prometheus"),
//!     "prometheus.yml",
//! )
//! .unwrap();
//! assert_eq!(cfg.scrape_config("node").unwrap().scrape_interval.to_string(), "1m");
//! ```

mod alerting;
mod de;
mod discovery;
mod error;
mod expand;
mod global;
mod load;
mod log_metrics;
mod masked;
mod raw;
mod relabel;
mod remote;
mod scrape;
mod sections;
mod types;

pub use error::ConfigError;
pub use log_metrics::{KlaxonConfig, LOG_METRICS_PLACEHOLDER, LogMetricsConfig};
pub use types::*;

use std::path::Path;

/// Reads and validates `path`. Relative paths in it (rule files, TLS and secret files, file
/// SD globs, scrape config files) are resolved against its directory.
pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
    let path = path.as_ref();
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: label.clone(),
        position: None,
        message: format!("open {label}: {e}"),
    })?;
    let base_dir = path.parent().unwrap_or(Path::new(""));
    load_str(&text, base_dir, &label)
}

/// Validates `text` as if read from a file named `file_label` in `base_dir` (errors name
/// `file_label`; relative paths resolve against `base_dir`). `external_labels` see the
/// process environment.
pub fn load_str(text: &str, base_dir: &Path, file_label: &str) -> Result<Config, ConfigError> {
    load_str_with_env(text, base_dir, file_label, &|name| std::env::var(name).unwrap_or_default())
}

/// [`load_str`] with the environment given by `env` (an unset variable is `""`), for tests
/// and for callers that expand from elsewhere.
pub fn load_str_with_env(
    text: &str,
    base_dir: &Path,
    file_label: &str,
    env: &dyn Fn(&str) -> String,
) -> Result<Config, ConfigError> {
    load::load(text, base_dir, file_label, env)
}

impl Config {
    /// The job called `job_name` (from the file or from `scrape_config_files`).
    pub fn scrape_config(&self, job_name: &str) -> Option<&ScrapeConfig> {
        self.scrape_configs.iter().find(|s| s.job_name == job_name)
    }
}

impl Default for Config {
    /// What an empty file loads as.
    fn default() -> Self {
        Config {
            global: GlobalConfig::default(),
            rule_files: Vec::new(),
            scrape_config_files: Vec::new(),
            scrape_configs: Vec::new(),
            alerting: AlertingConfig::default(),
            remote_write: Vec::new(),
            remote_read: Vec::new(),
            storage: StorageConfig::default(),
            tracing: None,
            otlp: serde_json::Value::Null,
            runtime: serde_json::Value::Null,
            klaxon: KlaxonConfig::default(),
            base_dir: std::path::PathBuf::new(),
            original: String::new(),
        }
    }
}

#[cfg(test)]
mod tests;

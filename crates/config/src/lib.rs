//! `prometheus.yml`: the types of every section klaxon acts on, loaded strictly with errors at
//! `file:line:col`, defaults and validation as Prometheus 3 applies them (2.x files load too).
//!
//! The scrape crate turns [`ScrapeConfig`]s into targets and loops, `remote` turns
//! [`RemoteWriteConfig`]s into queues, `rules` reads [`Config::rule_files`] and
//! [`AlertingConfig`]. Relabelling rules are `model::relabel::RelabelConfig`, shared with
//! `alert_relabel_configs` and `write_relabel_configs`.

mod types;

pub use types::*;

//! Outgoing HTTP as Prometheus' `prometheus/common` package defines it: the `http_config`
//! block that scrape configs, service discovery, remote write, the notifier and every
//! Alertmanager receiver share ([`config`]), and secrets that never print ([`secret`]).

pub mod config;
pub mod secret;

pub use config::HttpClientConfig;
pub use secret::Secret;

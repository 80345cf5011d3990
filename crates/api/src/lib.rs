//! The HTTP side of klaxon.
//!
//! - [`alertmanager`]: Alertmanager's API v2 (what `amtool`, Grafana and any Prometheus use),
//!   the removed API v1 (410), health, readiness, reload and `/metrics`, under the route prefix.
//! - [`web_config`]: `--web.config.file` (TLS, basic auth, headers, rate limit) and
//!   `--web.systemd-socket`, serving any router.
//!
//! - [`prometheus`]: Prometheus' HTTP query API v1 (`/api/v1/query`, `query_range`, `series`,
//!   labels, metadata, status pages), health and readiness.
//!
//! Still to come here: the rest of the Prometheus API (rules, alerts, targets) and the web UIs.

pub mod alertmanager;
pub mod prometheus;
pub mod web_config;

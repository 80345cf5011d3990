//! The HTTP side of klaxon.
//!
//! - [`alertmanager`]: Alertmanager's API v2 (what `amtool`, Grafana and any Prometheus use),
//!   the removed API v1 (410), health, readiness, reload and `/metrics`, under the route prefix.
//! - [`web_config`]: `--web.config.file` (TLS, basic auth, headers, rate limit) and
//!   `--web.systemd-socket`, serving any router.
//!
//! - [`prometheus`]: Prometheus' HTTP API v1 (queries, series, labels, metadata, targets,
//!   rules, alerts, Alertmanagers, status pages, the remote-write receiver), health, readiness,
//!   `/-/reload`, `/-/quit` and `/metrics`.
//!
//! Still to come here: the web UIs.

pub mod alertmanager;
pub mod prometheus;
pub mod web_config;

//! The HTTP side of klaxon.
//!
//! - [`alertmanager`]: Alertmanager's API v2 (what `amtool`, Grafana and any Prometheus use),
//!   the removed API v1 (410), health, readiness, reload and `/metrics`, under the route prefix.
//! - [`web_config`]: `--web.config.file` (TLS, basic auth, headers, rate limit) and
//!   `--web.systemd-socket`, serving any router.
//!
//! Still to come here: the Prometheus HTTP API v1 and the web UIs.

pub mod alertmanager;
pub mod web_config;

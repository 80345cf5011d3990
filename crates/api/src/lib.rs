//! The HTTP side of klaxon.
//!
//! - [`alertmanager`]: Alertmanager's API v2 (what `amtool`, Grafana and any Prometheus use),
//!   the removed API v1 (410), health, readiness, reload and `/metrics`, under the route prefix.
//!
//! Still to come here: the Prometheus HTTP API v1 and the web UIs.

pub mod alertmanager;

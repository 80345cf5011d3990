//! The HTTP side of klaxon.
//!
//! This crate will own the Prometheus HTTP API v1 (queries, series, labels, rules, alerts,
//! targets, status) that Grafana and `promtool` use, the Alertmanager API v2 that `amtool`,
//! Grafana and any Prometheus use, the health, readiness, reload and `/metrics` endpoints, and
//! the web UI.
//!
//! Not built yet: see the PromQL and Alertmanager issues.

//! Alerting and recording rules.
//!
//! This crate owns rule files (Prometheus 3 format, 2.x files load) and their validation at
//! `file:line:col`, rule group scheduling at Prometheus' slots, the alert state machine (pending,
//! firing, `for`, `keep_firing_for`) with `ALERTS`/`ALERTS_FOR_STATE` and restart restore,
//! annotation templating, and the notifier. It evaluates through the [`seams::QueryEngine`]
//! seam and hands alerts to an [`seams::AlertSink`], so it does not depend on the Alertmanager.
//!
//! - [`file`]: rule files, validation and lints; [`group`], [`alerting`], [`recording`],
//!   [`expand`] and [`restore`]: one group evaluation, the state machine, templates and `for`
//!   restore; [`manager`]: scheduling, reloads, `/api/v1/rules` ([`manager::view`]);
//!   [`notifier`]: sending to Alertmanagers; [`local`] and [`remote_engine`]: the engines;
//!   [`unittest`]: `promtool test rules` files; [`backtest`]: replaying rules over history.

pub mod alerting;
pub mod backtest;
pub mod expand;
pub mod file;
pub mod group;
pub mod local;
pub mod manager;
pub mod metrics;
pub mod notifier;
pub mod recording;
pub mod remote_engine;
pub mod restore;
pub mod seams;
pub mod unittest;

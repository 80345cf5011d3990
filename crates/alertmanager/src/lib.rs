//! A drop-in Alertmanager.
//!
//! The flow of an alert, module by module:
//!
//! - [`config`]: `alertmanager.yml` (global, route tree, inhibit rules, time intervals, receivers),
//!   loaded strictly with `file:line:col` errors.
//! - [`alert`]: the alert model and time helpers shared by everything below.
//! - [`store`]: the alert store: merge rules for re-posted alerts, `resolve_timeout`, GC,
//!   persistence (upstream keeps alerts only in memory), subscriptions.
//! - [`route`]: the runtime route tree: matching, group keys.
//! - [`dispatch`]: aggregation groups and their timers (`group_wait`, `group_interval`,
//!   `repeat_interval`); one timer wheel on the runtime, not a task per group.
//! - [`inhibit`], [`silence`], [`timeinterval`]: what mutes an alert.
//! - [`nflog`]: the notification log that makes dedup and `repeat_interval` work.
//! - [`notify`]: the pipeline per flush (inhibit → active/mute time → silence → per-integration
//!   dedup, retry, nflog update).
//! - [`integrations`]: one module per receiver type.
//! - [`persist`]: crash-safe files under `--storage.path`.
//! - [`runtime`]: the assembled Alertmanager (start, reload, queries the API serves).

pub mod alert;
pub mod config;
pub mod dispatch;
pub mod inhibit;
pub mod integrations;
pub mod marker;
pub mod metrics;
pub mod nflog;
pub mod notify;
pub mod persist;
pub mod replicate;
pub mod route;
pub mod runtime;
pub mod silence;
pub mod store;
pub mod template_data;
pub mod timeinterval;

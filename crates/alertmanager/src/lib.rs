//! A drop-in Alertmanager.
//!
//! This crate will own the `alertmanager.yml` config, the route tree, the dispatcher and its
//! aggregation groups (timers on the runtime, not a task per group), inhibition, silences, the
//! notification log, the notification pipeline in upstream stage order, and delivery through one
//! module per receiver type under `integrations/`.
//!
//! Not built yet: see the Alertmanager issue.

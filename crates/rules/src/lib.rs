//! Alerting and recording rules.
//!
//! This crate will own rule files (Prometheus 3 format, 2.x files load) and their validation at
//! `file:line:col`, rule group scheduling at Prometheus' slots, the alert state machine (pending,
//! firing, `for`, `keep_firing_for`) with `ALERTS`/`ALERTS_FOR_STATE` and restart restore,
//! annotation templating, and the notifier. It evaluates through a `QueryEngine` seam and hands
//! alerts to an `AlertSink`, so it depends on neither the engine nor the Alertmanager.
//!
//! Not built yet: see the rules issue.

//! The PromQL query engine.
//!
//! This crate will own parsing (the `promql-parser` crate, converted at once into our own AST and
//! checked by a validator for what Prometheus rejects), evaluation of all stable PromQL on float
//! samples with Prometheus 3 semantics (left-open ranges, 5m lookback, staleness), instant and
//! range queries with sample limits, timeouts and cancellation, and the `promqltest` script runner
//! used for conformance. It reads series only through the `Storage` seam in `model`.
//!
//! Not built yet: see the PromQL issue.

//! Scraping: from `scrape_configs` to samples in storage.
//!
//! This crate will own service discovery (one module per mechanism under `discovery/`: static,
//! file, HTTP, DNS), relabelling with every upstream action, per-target scrape loops with
//! upstream's offsets and timeouts, the synthetic series (`up`, `scrape_duration_seconds`, ...)
//! and staleness markers. It writes through the `Appender` seam in `model`.
//!
//! Built so far: [`exposition`], the text and OpenMetrics parsers (also used by
//! `klaxon tsdb import openmetrics`).

pub mod discovery;
pub mod exposition;
pub mod fetch;
pub mod manager;
pub mod scrape_loop;
pub mod status;
pub mod target;

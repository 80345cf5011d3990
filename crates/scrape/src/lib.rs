//! Scraping: from `scrape_configs` to samples in storage.
//!
//! This crate will own service discovery (one module per mechanism under `discovery/`: static,
//! file, HTTP, DNS), relabelling with every upstream action, the text and OpenMetrics exposition
//! parsers, per-target scrape loops with upstream's offsets and timeouts, the synthetic series
//! (`up`, `scrape_duration_seconds`, ...) and staleness markers. It writes through the `Appender`
//! seam in `model`.
//!
//! Not built yet: see the scrape/TSDB issue.

//! Metrics from log files.
//!
//! This crate will tail access logs (following rotation and truncation, resuming from a saved
//! offset so no line is read twice), parse named formats (nginx `combined`, `main`, custom
//! `log_format` strings, JSON lines) and turn them into counters and response-time histograms
//! that are scraped internally like any other target.
//!
//! Not built yet: see the tutorials issue.

//! The embedded time-series database.
//!
//! This crate will own the in-memory head (series index with postings for matcher lookups,
//! Gorilla/XOR-compressed chunks, out-of-order rejection, staleness markers), the write-ahead log
//! with checkpoints and torn-tail repair, immutable on-disk blocks cut every two hours and
//! compacted, and retention by time and size. It implements the `Storage` and `Appender` seams
//! declared in `model`, so scraping, log ingestion, PromQL and rules use it without knowing its
//! insides.

mod head;

pub use head::{Head, HeadOptions};

//! Scraping: from `scrape_configs` to samples in storage.
//!
//! - [`discovery`]: service discovery, one module per mechanism (static, file, HTTP, DNS) and a
//!   manager that keeps unchanged providers running across reloads and publishes full target
//!   sets.
//! - [`target`]: target labels as upstream's `PopulateLabels` builds them (defaults,
//!   `relabel_configs`, `instance`), and the scrape URL.
//! - [`manager`]: one scrape pool per job, one loop per target; reloads keep unchanged loops.
//! - [`scrape_loop`]: the loop itself (upstream's offsets and timestamps), ingestion through a
//!   per-target label cache (`honor_labels`, `exported_`, metric relabelling, limits), the
//!   synthetic series (`up`, `scrape_duration_seconds`, ...) and staleness markers.
//! - [`fetch`]: the HTTP request (`Accept` negotiation, gzip, body limit, timeout).
//! - [`exposition`]: the text and OpenMetrics parsers (also used by `klaxon tsdb import`).
//! - [`status`]: what `/api/v1/targets` shows ([`status::TargetsView`]).
//!
//! It writes through the `Appender` seam in `model`.

pub mod discovery;
pub mod exposition;
pub mod fetch;
pub mod manager;
pub mod scrape_loop;
pub mod status;
pub mod target;

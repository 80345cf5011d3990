//! Re-exported from the shared HTTP client crate: the same `http_config` as scraping uses.
pub use httpclient::config::*;

//! Outgoing HTTP as Prometheus' `prometheus/common` package defines it: the `http_config`
//! block that scrape configs, service discovery, remote write, the notifier and every
//! Alertmanager receiver share ([`config`]), secrets that never print ([`secret`]), and the
//! [`Client`] built from a config: TLS, proxy, redirects, HTTP/2, and authentication applied
//! to every request (basic auth, `authorization`, OAuth 2 client credentials with token
//! caching; `*_file` secrets read at request time).
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! let cfg: httpclient::HttpClientConfig = Default::default();
//! let client = httpclient::Client::new(&cfg, "klaxon/0.1")?;
//! let resp = client.request(reqwest::Method::GET, "http://localhost:9100/metrics").await?.send().await?;
//! # let _ = resp; Ok(()) }
//! ```

pub mod client;
pub mod config;
pub mod error;
mod oauth2;
pub mod secret;
mod server_name;
pub mod tls;

pub use client::Client;
pub use config::HttpClientConfig;
pub use error::{Error, ErrorKind};
pub use secret::Secret;

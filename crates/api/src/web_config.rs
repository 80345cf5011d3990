//! `--web.config.file`: the Prometheus exporter-toolkit web configuration (TLS, HTTP/2,
//! security headers, basic auth, rate limit) and `--web.systemd-socket` listeners, for any
//! klaxon HTTP server.
//!
//! - [`WebConfig`] is the parsed file ([`load_file`] / [`load_str`]: strict YAML, errors as
//!   `file:line:col: text`, relative paths resolved against the file's directory).
//! - [`Web`] is what a server holds: the file path and the last good load. It re-reads the
//!   file, and the certificate, key and client CA files, when any of them changes (upstream
//!   reads them on every request and handshake), so rotated certificates and edited users
//!   take effect without a restart. A file that no longer loads fails closed: requests get
//!   500 and handshakes fail until it is fixed, as upstream.
//! - [`Web::serve`] serves an axum router on a listener: plain HTTP, or TLS through
//!   tokio-rustls, with the basic-auth / header / rate-limit layer in front.
//! - [`systemd_listeners`] takes the sockets passed by systemd socket activation.
//!
//! ```no_run
//! # async fn demo(router: axum::Router) -> Result<(), Box<dyn std::error::Error>> {
//! let web = api::web_config::Web::from_file(std::path::Path::new("web.yml"))?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9093").await?;
//! web.serve(listener, router, std::future::pending()).await?;
//! # Ok(()) }
//! ```

mod auth;
mod config;
mod reload;
mod sans;
mod serve;
mod systemd;
mod tls;

pub use config::{
    ClientAuth, HttpServerConfig, Pem, RateLimit, TlsServerConfig, TlsVersion, WebConfig,
    WebConfigError, load_file, load_str,
};
pub use reload::Web;
pub use systemd::systemd_listeners;

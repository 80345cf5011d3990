//! Prometheus remote write 1.0, both ends.
//!
//! **Sending.** [`RemoteStorage`] runs one [`QueueManager`] per `remote_write` entry of
//! prometheus.yml and keeps unchanged ones across reloads ([`RemoteStorage::apply_config`]).
//! Samples reach it through [`RemoteFanout`], an [`Appendable`](model::storage::Appendable)
//! that wraps the local store: every committed batch is copied to the queues. A queue adds
//! the external labels, applies `write_relabel_configs`, shards by series, batches, and
//! sends snappy-compressed protobuf with retries and backoff ([`queue`] has the details,
//! including what happens when a remote is too slow: samples are dropped and counted,
//! scraping never waits). Metric metadata (`metadata_config`) is sent every `send_interval`
//! from a [`MetadataSource`] the caller plugs in ([`RemoteStorage::set_metadata_source`]).
//! Exemplars and native histograms are not sent (klaxon does not store them), whatever
//! `send_exemplars` and `send_native_histograms` say.
//!
//! **Receiving.** [`receive::receive`] decodes a body and appends it through an
//! `Appendable`; the `api` crate serves it at `POST /api/v1/write`.
//!
//! ```no_run
//! # async fn demo(head: std::sync::Arc<dyn model::storage::Appendable>, cfg: config::Config)
//! # -> Result<(), remote::QueueError> {
//! use std::sync::Arc;
//! use model::labels::Labels;
//!
//! let remote = Arc::new(remote::RemoteStorage::new());
//! let external = Labels::from_pairs(cfg.global.external_labels.iter());
//! remote.apply_config(&cfg.remote_write, &external).await?;
//! let appendable = Arc::new(remote::RemoteFanout::new(head, remote.clone()));
//! // ... scrape and rules append through `appendable` ...
//! remote.stop().await;
//! # Ok(()) }
//! ```

pub mod client;
pub mod codec;
pub mod fanout;
pub mod metrics;
pub mod proto;
pub mod queue;
pub mod receive;
mod relabel;
pub mod storage;

pub use fanout::RemoteFanout;
pub use queue::{MetadataSource, QueueError, QueueManager, RemoteSample};
pub use storage::RemoteStorage;

//! Service discovery: from the `*_sd_configs` of each job (or Alertmanager set) to the target
//! groups the scrape manager turns into targets.
//!
//! One module per mechanism ([`static_sd`], [`file`], [`http`], [`dns`]), each a [`Provider`]:
//! a task that sends [`TargetGroup`]s keyed by `source`. A group replaces the earlier group of
//! the same source; an empty group deletes it (a file that vanished, a shorter HTTP answer).
//! The [`DiscoveryManager`] runs one provider per distinct config (shared by every set that lists
//! it, kept running across reloads while its config is unchanged), merges their groups per set
//! and publishes the full state on a `watch` channel, coalesced to at most one update per
//! `update_interval` (5 s, as upstream).

pub mod dns;
pub mod file;
pub mod http;
mod manager;
mod metrics;
pub mod static_sd;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

pub use config::{SdConfig, TargetGroup};
pub use manager::{DiscoveryManager, TargetSets};
pub use metrics::SdMetrics;

/// A discovery mechanism at work: runs until its task is aborted.
///
/// Contract with the manager: send one update as soon as the first discovery attempt finished
/// (even if it found nothing or failed: the manager waits for every new provider's first
/// update before publishing after a reload, up to `update_interval`), then an update whenever
/// something changed. An update lists only the groups that changed; a group with no targets
/// deletes its source. On errors keep quiet: the last good groups stay in force.
pub trait Provider: Send + 'static {
    fn run(self: Box<Self>, out: GroupSender) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Where a provider sends its updates; tagged with the provider's id so that late updates of
/// a provider stopped by a reload are ignored.
#[derive(Debug, Clone)]
pub struct GroupSender {
    id: u64,
    tx: mpsc::UnboundedSender<(u64, Vec<TargetGroup>)>,
}

impl GroupSender {
    /// Sends changed groups; `false` once the manager is gone (the provider should return).
    pub fn send(&self, groups: Vec<TargetGroup>) -> bool {
        self.tx.send((self.id, groups)).is_ok()
    }
}

/// Settings of the manager and its providers that are not in `prometheus.yml`.
#[derive(Clone)]
pub struct DiscoveryOptions {
    /// Updates to the scrape side are coalesced to at most one per this interval (upstream: 5 s).
    pub update_interval: Duration,
    /// How often file SD checks its globs and files' modification times (see [`file`]).
    pub file_poll_interval: Duration,
    /// The DNS resolver of `dns_sd_configs`; the system's by default.
    pub resolver: Arc<dyn dns::Resolver>,
    /// Self-metrics (`prometheus_sd_*`), shared by every provider.
    pub metrics: SdMetrics,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        DiscoveryOptions {
            update_interval: Duration::from_secs(5),
            file_poll_interval: file::DEFAULT_POLL_INTERVAL,
            resolver: Arc::new(dns::SystemResolver::default()),
            metrics: SdMetrics::default(),
        }
    }
}

impl fmt::Debug for DiscoveryOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiscoveryOptions")
            .field("update_interval", &self.update_interval)
            .field("file_poll_interval", &self.file_poll_interval)
            .finish_non_exhaustive()
    }
}

/// The provider for one `SdConfig`.
pub fn provider_for(config: &SdConfig, options: &DiscoveryOptions) -> Box<dyn Provider> {
    match config {
        SdConfig::Static(groups) => Box::new(static_sd::StaticProvider::new(groups.clone())),
        SdConfig::File(c) => Box::new(file::FileProvider::new(
            c.clone(),
            options.file_poll_interval,
            options.metrics.clone(),
        )),
        SdConfig::Http(c) => Box::new(http::HttpProvider::new(c.clone(), options.metrics.clone())),
        SdConfig::Dns(c) => Box::new(dns::DnsProvider::new(
            c.clone(),
            options.resolver.clone(),
            options.metrics.clone(),
        )),
    }
}

/// A config duration as a timer period: never zero or negative (a zero refresh interval would
/// spin), at least one second.
pub(crate) fn refresh_period(d: model::duration::Duration) -> Duration {
    d.to_std().unwrap_or_default().max(Duration::from_secs(1))
}

/// Groups with no targets for sources `<prefix>:<from>` .. `<prefix>:<to - 1>`: what a
/// provider sends when a list it read got shorter.
pub(crate) fn vanished_groups(prefix: &str, from: usize, to: usize) -> Vec<TargetGroup> {
    (from..to)
        .map(|i| TargetGroup { source: format!("{prefix}:{i}"), ..TargetGroup::default() })
        .collect()
}

/// The discovery sets of the scrape side: one per job, named by `job_name`.
pub fn scrape_sets(configs: &[config::ScrapeConfig]) -> HashMap<String, Vec<SdConfig>> {
    configs.iter().map(|c| (c.job_name.clone(), c.service_discovery.clone())).collect()
}

/// The discovery sets of the notifier: one per `alerting.alertmanagers` entry, named
/// `config-<index>` as upstream names them.
pub fn alertmanager_sets(configs: &[config::AlertmanagerConfig]) -> HashMap<String, Vec<SdConfig>> {
    configs
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("config-{i}"), c.service_discovery.clone()))
        .collect()
}

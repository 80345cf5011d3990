//! The ingestion side of `klaxon run`: service discovery feeding the scrape manager, whose
//! samples go to the local TSDB and, through the fanout, to every `remote_write` queue.
//!
//! [`Pipeline::apply`] is both the first start and every reload: jobs, discovery mechanisms
//! and remote-write queues that did not change keep running (their loops, caches and
//! backlogs), so a reload never costs a scrape or a queued sample.
//!
//! `klaxon.log_metrics` jobs run here too: the logs crate serves their series on an internal
//! listener and each job is added as one more scrape config pointing there, so they are
//! scraped (and listed in `/api/v1/targets`) like any target.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Result, anyhow};
use config::Config;
use model::labels::Labels;
use model::storage::Appendable;
use prometheus_client::registry::Registry;
use remote::{RemoteFanout, RemoteStorage};
use scrape::discovery::{self, DiscoveryManager, DiscoveryOptions};
use scrape::manager::{ScrapeManager, ScrapeOptions};
use tokio::task::JoinHandle;

/// Discovery, scraping and remote write, running.
pub struct Pipeline {
    discovery: DiscoveryManager,
    scrape: Arc<ScrapeManager>,
    remote: Arc<RemoteStorage>,
    /// The local store and every remote-write queue: where rule results go too.
    appendable: Arc<dyn Appendable>,
    follower: JoinHandle<()>,
    /// The `log_metrics` jobs and their internal listener.
    logs: logs::LogMetrics,
}

fn external_labels(cfg: &Config) -> Labels {
    Labels::from_pairs(cfg.global.external_labels.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("discovery", &self.discovery)
            .field("scrape", &self.scrape)
            .field("remote", &self.remote)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// Builds the pipeline over `local` and applies `cfg`. Must run inside the runtime.
    pub async fn start(
        cfg: &Config,
        local: Arc<dyn Appendable>,
        hostname: &str,
        logs_state_dir: PathBuf,
        discovery_options: DiscoveryOptions,
        registry: &mut Registry,
    ) -> Result<Pipeline> {
        let remote = Arc::new(RemoteStorage::new());
        remote.register_metrics(registry);
        let appendable: Arc<dyn Appendable> = Arc::new(RemoteFanout::new(local, remote.clone()));
        let legacy = cfg.global.metric_name_validation_scheme == "legacy";
        let scrape = Arc::new(ScrapeManager::new(
            appendable.clone(),
            ScrapeOptions {
                offset_seed: scrape::manager::offset_seed(hostname, &external_labels(cfg)),
                extra_scrape_metrics: cfg.global.extra_scrape_metrics,
                escaping_scheme: if legacy { "underscores" } else { "allow-utf-8" }.to_string(),
                ..ScrapeOptions::default()
            },
        ));
        scrape.register_metrics(registry);
        let discovery = DiscoveryManager::new("scrape", discovery_options);
        discovery.register_metrics(registry);
        let follower = tokio::spawn({
            let scrape = scrape.clone();
            let sets = discovery.subscribe();
            async move { scrape.follow_discovery(sets).await }
        });
        {
            let targets = scrape.clone();
            remote.set_metadata_source(Arc::new(move || {
                use scrape::status::TargetsView;
                targets
                    .target_metadata()
                    .into_iter()
                    .map(|m| remote::proto::MetricMetadata {
                        r#type: remote::proto::MetricType::from_name(&m.kind) as i32,
                        metric_family_name: m.metric,
                        help: m.help,
                        unit: m.unit,
                    })
                    .collect()
            }));
        }
        let logs = logs::LogMetrics::start(Some(logs_state_dir))
            .await
            .map_err(|e| anyhow!("log_metrics listener: {e}"))?;
        let pipeline = Pipeline { discovery, scrape, remote, appendable, follower, logs };
        pipeline.apply(cfg).await?;
        Ok(pipeline)
    }

    /// Makes the running pipeline follow `cfg`. Remote write is checked first, so a config
    /// whose queues cannot start changes nothing; a scrape job whose HTTP client cannot be
    /// built is reported while the other jobs apply.
    pub async fn apply(&self, cfg: &Config) -> Result<()> {
        self.remote
            .apply_config(&cfg.remote_write, &external_labels(cfg))
            .await
            .map_err(|e| anyhow!("remote write: {e}"))?;
        let log_jobs: Vec<logs::JobConfig> =
            cfg.klaxon.log_metrics.iter().map(|l| l.job.clone()).collect();
        let logs_applied = self.logs.apply(&log_jobs).await;
        let mut scrape_configs = cfg.scrape_configs.clone();
        scrape_configs.extend(cfg.log_metrics_scrape_configs(&self.logs.address().to_string()));
        let applied = self.scrape.apply_config(&scrape_configs);
        self.discovery.apply(discovery::scrape_sets(&scrape_configs)).await;
        let mut errors: Vec<String> = match applied {
            Ok(()) => Vec::new(),
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
        };
        errors.extend(logs_applied.err());
        if errors.is_empty() { Ok(()) } else { Err(anyhow!(errors.join("; "))) }
    }

    /// The targets API's view.
    pub fn targets(&self) -> Arc<dyn scrape::status::TargetsView> {
        self.scrape.clone()
    }

    /// Where rule results are written: the local store and remote write, as scraped samples.
    pub fn appendable(&self) -> Arc<dyn Appendable> {
        self.appendable.clone()
    }

    /// The `remote_write` queues (other queues share their metrics through it).
    pub fn remote(&self) -> &Arc<RemoteStorage> {
        &self.remote
    }

    /// Stops scraping (no stale markers: a restart resumes). Discovery providers end with
    /// the process.
    pub async fn stop_scraping(&self) {
        self.scrape.stop().await;
        self.follower.abort();
        // After the last scrape: the saved counters are at least what was ingested.
        self.logs.stop().await;
    }

    /// Flushes remote write; after the rules stopped, so their last results are sent too.
    pub async fn stop_remote(&self) {
        self.remote.stop().await;
    }
}

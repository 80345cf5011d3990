//! The scrape manager: one scrape pool per job, one loop per target.
//!
//! [`ScrapeManager::apply_config`] follows the job set (an unchanged job keeps its loops, a
//! changed one restarts them, a removed one stops them), [`ScrapeManager::sync`] follows the
//! targets discovery reports (unchanged targets keep running, new ones start, vanished ones stop
//! and get stale markers two intervals later), [`ScrapeManager::stop`] ends everything without
//! stale markers. The manager is the [`TargetsView`] the API serves.

pub mod metrics;
pub mod targets;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use config::{ScrapeConfig, TargetGroup};
use model::storage::Appendable;
use model::time::{SharedClock, SystemClock};
use parking_lot::Mutex;
use prometheus_client::registry::Registry;

use crate::fetch::{Fetcher, InProcessTargets, Transport, accept_header, http_client};
use crate::scrape_loop::{LoopHandle, LoopSpec, SampleRules, ScrapeCache, TargetHealth};
use crate::status::{ActiveTarget, DroppedTarget, TargetMetadata, TargetsView};
use metrics::ScrapeMetrics;
use targets::{Built, Target, build_targets};

/// Server-wide scrape settings that are not part of a job.
#[derive(Debug, Clone)]
pub struct ScrapeOptions {
    /// Timestamps of samples and `lastScrape`; tests pass a `TokioClock`.
    pub clock: SharedClock,
    /// Mixed into every target's phase so HA replicas scrape at different times (upstream
    /// hashes the external labels and host name).
    pub offset_seed: u64,
    /// `global.extra_scrape_metrics`.
    pub extra_scrape_metrics: bool,
    /// The `escaping` parameter of the `Accept` header: `allow-utf-8` under the UTF-8 metric
    /// name validation scheme, `underscores` under `legacy`.
    pub escaping_scheme: String,
    /// Answer scrapes in-process instead of over HTTP (tests under paused time).
    pub in_process_targets: Option<Arc<dyn InProcessTargets>>,
}

impl Default for ScrapeOptions {
    fn default() -> Self {
        ScrapeOptions {
            clock: Arc::new(SystemClock),
            offset_seed: 0,
            extra_scrape_metrics: false,
            escaping_scheme: "allow-utf-8".to_string(),
            in_process_targets: None,
        }
    }
}

/// The server's scrape phase seed as upstream computes it: FNV-1a of the host name followed by
/// the external labels printed as `{a="b", c="d"}`, so HA replicas (whose external labels
/// differ) scrape a target at different moments.
pub fn offset_seed(hostname: &str, external_labels: &model::labels::Labels) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in hostname.bytes().chain(external_labels.to_string().into_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// A job's configuration could not be applied (its HTTP client could not be built); the
/// other jobs were.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("scrape job {job:?}: {message}")]
pub struct ApplyError {
    pub job: String,
    pub message: String,
}

/// See the module documentation.
pub struct ScrapeManager {
    appendable: Arc<dyn Appendable>,
    options: ScrapeOptions,
    metrics: ScrapeMetrics,
    state: Mutex<State>,
}

impl std::fmt::Debug for ScrapeManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScrapeManager")
            .field("options", &self.options)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct State {
    pools: BTreeMap<String, Pool>,
    /// The latest groups per job, so a job added later starts with its targets.
    groups: HashMap<String, Vec<TargetGroup>>,
    /// Stopped loops still waiting to write their stale markers.
    lingering: Vec<LoopHandle>,
    stopped: bool,
}

#[derive(Debug)]
struct Pool {
    config: Arc<ScrapeConfig>,
    client: httpclient::Client,
    active: HashMap<u64, ActiveLoop>,
    dropped: Vec<DroppedTarget>,
}

#[derive(Debug)]
struct ActiveLoop {
    target: Target,
    handle: LoopHandle,
}

impl ScrapeManager {
    pub fn new(appendable: Arc<dyn Appendable>, options: ScrapeOptions) -> Self {
        ScrapeManager {
            appendable,
            options,
            metrics: ScrapeMetrics::default(),
            state: Mutex::new(State::default()),
        }
    }

    /// Registers the `prometheus_target_*` self-metrics.
    pub fn register_metrics(&self, registry: &mut Registry) {
        self.metrics.register(registry);
    }

    /// Applies the jobs of a (re)loaded configuration. Must run inside a tokio runtime.
    pub fn apply_config(&self, configs: &[ScrapeConfig]) -> Result<(), Vec<ApplyError>> {
        let mut state = self.state.lock();
        if state.stopped {
            return Ok(());
        }
        let mut errors = Vec::new();
        let wanted: HashMap<&str, &ScrapeConfig> =
            configs.iter().map(|c| (c.job_name.as_str(), c)).collect();

        let removed: Vec<String> =
            state.pools.keys().filter(|j| !wanted.contains_key(j.as_str())).cloned().collect();
        for job in removed {
            if let Some(pool) = state.pools.remove(&job) {
                // Beyond upstream, which drops a removed job's series silently: they get stale
                // markers like any vanished target, so queries stop returning them at once.
                for (_, a) in pool.active {
                    a.handle.stop();
                    state.lingering.push(a.handle);
                }
                self.metrics.pool_targets.remove(&ScrapeMetrics::job_label(&job));
                self.metrics.sync_length.remove(&job);
            }
        }

        for cfg in configs {
            let job = cfg.job_name.clone();
            let same = state.pools.get(&job).is_some_and(|p| *p.config == *cfg);
            if same {
                continue;
            }
            let fresh = !state.pools.contains_key(&job);
            if fresh {
                self.metrics.pools_total.inc();
            }
            let client = match http_client(&cfg.http_client) {
                Ok(c) => c,
                Err(message) => {
                    if fresh {
                        self.metrics.pools_failed_total.inc();
                    }
                    errors.push(ApplyError { job, message });
                    continue;
                }
            };
            let config = Arc::new(cfg.clone());
            let state = &mut *state;
            let pool = state.pools.entry(job.clone()).or_insert_with(|| Pool {
                config: config.clone(),
                client: client.clone(),
                active: HashMap::new(),
                dropped: Vec::new(),
            });
            let reuse_cache = !fresh && cache_reusable(&pool.config, cfg);
            pool.config = config;
            pool.client = client;
            let groups = state.groups.get(&job).cloned().unwrap_or_default();
            let restart = if fresh { Restart::No } else { Restart::Yes { reuse_cache } };
            self.sync_pool(pool, &groups, restart, &mut state.lingering);
        }
        state.lingering.retain(|h| !h.is_finished());
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Takes the full target groups of the jobs in `groups` (jobs not named keep theirs).
    /// Must run inside a tokio runtime.
    pub fn sync(&self, groups: HashMap<String, Vec<TargetGroup>>) {
        let mut state = self.state.lock();
        if state.stopped {
            return;
        }
        let state = &mut *state;
        for (job, tgs) in groups {
            if let Some(pool) = state.pools.get_mut(&job) {
                let start = Instant::now();
                self.sync_pool(pool, &tgs, Restart::No, &mut state.lingering);
                self.metrics.sync_length.observe(&job, start.elapsed().as_secs_f64());
            }
            state.groups.insert(job, tgs);
        }
        state.lingering.retain(|h| !h.is_finished());
    }

    /// Syncs from published full target sets (the discovery manager's `subscribe()`) until
    /// the publisher goes away: spawn this once next to the manager.
    pub async fn follow_discovery(
        &self,
        mut sets: tokio::sync::watch::Receiver<Arc<HashMap<String, Vec<TargetGroup>>>>,
    ) {
        loop {
            let current = sets.borrow_and_update().clone();
            self.sync((*current).clone());
            if sets.changed().await.is_err() {
                return;
            }
        }
    }

    /// Stops every loop without stale markers (the server shuts down and will resume where
    /// it left off) and waits for them.
    pub async fn stop(&self) {
        let handles: Vec<LoopHandle> = {
            let mut state = self.state.lock();
            state.stopped = true;
            let mut all: Vec<LoopHandle> = std::mem::take(&mut state.lingering);
            for (_, pool) in std::mem::take(&mut state.pools) {
                all.extend(pool.active.into_values().map(|a| a.handle));
            }
            all
        };
        for h in &handles {
            h.shutdown();
        }
        for h in handles {
            h.join().await;
        }
    }

    fn sync_pool(
        &self,
        pool: &mut Pool,
        groups: &[TargetGroup],
        restart: Restart,
        lingering: &mut Vec<LoopHandle>,
    ) {
        let cfg = pool.config.clone();
        let keep_dropped = usize::try_from(cfg.limits.keep_dropped_targets).unwrap_or(usize::MAX);
        pool.dropped.clear();
        let mut wanted: Vec<Target> = Vec::new();
        for built in build_targets(groups, &cfg) {
            match built {
                Built::Active(t) => wanted.push(t),
                Built::Dropped(discovered) => {
                    if keep_dropped == 0 || pool.dropped.len() < keep_dropped {
                        pool.dropped.push(DroppedTarget {
                            discovered_labels: discovered,
                            scrape_pool: cfg.job_name.clone(),
                        });
                    }
                }
            }
        }

        let mut old = std::mem::take(&mut pool.active);
        let mut next: HashMap<u64, ActiveLoop> = HashMap::with_capacity(wanted.len());
        for t in wanted {
            if next.contains_key(&t.hash) {
                continue; // The same target discovered twice.
            }
            let a = match (old.remove(&t.hash), restart) {
                (Some(mut a), Restart::No) => {
                    // Keep the loop; show the latest discovered labels.
                    a.target.discovered = t.discovered;
                    a
                }
                (Some(a), Restart::Yes { reuse_cache }) => {
                    let cache = if reuse_cache {
                        a.handle.disable_end_of_run_staleness();
                        a.handle.cache.clone()
                    } else {
                        Arc::new(Mutex::new(ScrapeCache::new()))
                    };
                    let spec =
                        self.loop_spec(&cfg, &pool.client, &t, cache, a.handle.health.clone());
                    let handle = LoopHandle::spawn(spec, Some(&a.handle));
                    a.handle.stop();
                    lingering.push(a.handle);
                    ActiveLoop { target: t, handle }
                }
                (None, _) => {
                    let cache = Arc::new(Mutex::new(ScrapeCache::new()));
                    let health = Arc::new(Mutex::new(TargetHealth::default()));
                    let spec = self.loop_spec(&cfg, &pool.client, &t, cache, health);
                    ActiveLoop { handle: LoopHandle::spawn(spec, None), target: t }
                }
            };
            next.insert(a.target.hash, a);
        }
        for (_, gone) in old {
            gone.handle.stop();
            lingering.push(gone.handle);
        }

        let limit = cfg.limits.target_limit;
        let limit_err = (limit > 0 && next.len() as u64 > limit).then(|| {
            self.metrics.exceeded_target_limit.inc();
            format!("target_limit exceeded (number of targets: {}, limit: {limit})", next.len())
        });
        for a in next.values() {
            a.handle.set_forced_error(limit_err.clone());
        }
        self.metrics
            .pool_targets
            .get_or_create(&ScrapeMetrics::job_label(&cfg.job_name))
            .set(i64::try_from(next.len()).unwrap_or(i64::MAX));
        pool.active = next;
    }

    fn loop_spec(
        &self,
        cfg: &ScrapeConfig,
        client: &httpclient::Client,
        t: &Target,
        cache: Arc<Mutex<ScrapeCache>>,
        health: Arc<Mutex<TargetHealth>>,
    ) -> LoopSpec {
        let transport = match &self.options.in_process_targets {
            Some(t) => Transport::InProcess(t.clone()),
            None => Transport::Http(client.clone()),
        };
        let fetcher = Fetcher::new(
            transport,
            t.url.clone(),
            accept_header(&cfg.scrape_protocols, &self.options.escaping_scheme),
            cfg.enable_compression,
            t.timeout,
            cfg.limits.body_size_limit,
        );
        LoopSpec {
            appendable: self.appendable.clone(),
            fetcher,
            rules: SampleRules {
                target_labels: t.public.clone(),
                honor_labels: cfg.honor_labels,
                honor_timestamps: cfg.honor_timestamps,
                track_timestamps_staleness: cfg.track_timestamps_staleness,
                metric_relabel_configs: cfg.metric_relabel_configs.clone().into(),
                limits: cfg.limits,
            },
            fallback_protocol: cfg.fallback_scrape_protocol,
            interval: t.interval,
            timeout: t.timeout,
            hash: t.hash,
            offset_seed: self.options.offset_seed,
            clock: self.options.clock.clone(),
            extra_metrics: self.options.extra_scrape_metrics,
            metrics: self.metrics.clone(),
            cache,
            health,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Restart {
    No,
    /// The job's configuration changed: every loop restarts.
    Yes {
        reuse_cache: bool,
    },
}

/// Whether a changed job can keep its loops' caches: only settings that do not change the
/// series' label sets differ (upstream's `reusableCache`).
fn cache_reusable(old: &ScrapeConfig, new: &ScrapeConfig) -> bool {
    let strip = |c: &ScrapeConfig| {
        let mut c = c.clone();
        c.scrape_interval = model::duration::Duration::ZERO;
        c.scrape_timeout = model::duration::Duration::ZERO;
        c.limits = config::ScrapeLimits::default();
        c.service_discovery.clear();
        c
    };
    strip(old) == strip(new)
}

fn to_model(d: std::time::Duration) -> model::duration::Duration {
    model::duration::Duration::from_nanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

impl TargetsView for ScrapeManager {
    fn active_targets(&self) -> Vec<ActiveTarget> {
        let state = self.state.lock();
        let mut out = Vec::new();
        for (job, pool) in &state.pools {
            let mut targets: Vec<&ActiveLoop> = pool.active.values().collect();
            targets.sort_by(|a, b| a.target.public.cmp(&b.target.public));
            for a in targets {
                let h = a.handle.health.lock().clone();
                out.push(ActiveTarget {
                    discovered_labels: a.target.discovered.clone(),
                    labels: a.target.public.clone(),
                    scrape_pool: job.clone(),
                    scrape_url: a.target.url.clone(),
                    global_url: a.target.url.clone(),
                    last_error: h.last_error,
                    last_scrape: h.last_scrape,
                    last_scrape_duration: h.last_scrape_duration,
                    health: h.health,
                    scrape_interval: to_model(a.target.interval),
                    scrape_timeout: to_model(a.target.timeout),
                });
            }
        }
        out
    }

    fn dropped_targets(&self) -> Vec<DroppedTarget> {
        let state = self.state.lock();
        state.pools.values().flat_map(|p| p.dropped.iter().cloned()).collect()
    }

    fn target_metadata(&self) -> Vec<TargetMetadata> {
        let state = self.state.lock();
        let mut out = Vec::new();
        for pool in state.pools.values() {
            for a in pool.active.values() {
                let cache = a.handle.cache.lock();
                for (metric, m) in cache.metadata() {
                    out.push(TargetMetadata {
                        target: a.target.public.clone(),
                        metric: metric.to_string(),
                        kind: m.kind.as_str().to_string(),
                        help: m.help.clone(),
                        unit: m.unit.clone(),
                    });
                }
            }
        }
        out
    }
}

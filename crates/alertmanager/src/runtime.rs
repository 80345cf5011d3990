//! The assembled Alertmanager: persisted state, the running config, and what the API asks of
//! them.
//!
//! [`Alertmanager::start`] opens the state under `--storage.path` (alert store, silences,
//! notification log), loads the config and builds one [`Generation`] from it (templates,
//! integrations, route table, inhibitor, pipeline, dispatcher), then runs the maintenance
//! loops. [`Alertmanager::reload`] builds a new generation from the file and swaps it in; a
//! bad file is rejected and the old generation keeps running. The state outlives every
//! generation. [`Alertmanager::shutdown`] stops the dispatcher and writes final snapshots.
//!
//! ```no_run
//! # async fn run() -> Result<(), alertmanager::runtime::Error> {
//! use alertmanager::runtime::{Alertmanager, Options};
//! let am = Alertmanager::start(Options::new("alertmanager.yml")).await?;
//! if let Err(e) = am.reload().await {
//!     eprintln!("failed to reload config: {e}");
//! }
//! am.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod generation;
mod ha;
mod maintenance;
mod metrics;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use model::labels::Labels;
use model::matcher::MatcherParseMode;
use model::time::{SharedClock, SystemClock};
use parking_lot::{Mutex, RwLock};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::alert::{Alert, Time, from_system_time, is_zero};
use crate::config::{self, Config, ConfigError};
use crate::dispatch::{GroupSnapshot, Router};
use crate::marker::Marker;
use crate::metrics::{BuildInfo, Metrics, StatusLabels};
use crate::nflog::{Nflog, NflogError, NflogOptions};
use crate::silence::{PostableSilence, Silence, SilenceError, SilenceOptions, Silences};
use crate::store::{AlertStore, StoreError, StoreOptions, validate_and_normalise};

pub use cluster::PeerOptions;
pub use generation::Generation;
pub use ha::PeerNode;
use metrics::RuntimeMetrics;

/// How to run: the `alertmanager` flags that reach the runtime.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--config.file`.
    pub config_file: PathBuf,
    /// `--storage.path`; `None` keeps everything in memory (tests).
    pub storage_path: Option<PathBuf>,
    /// `--data.retention` (120h): expired silences and nflog entries are kept this long.
    pub retention: Duration,
    /// `--data.maintenance-interval` (15m): GC and snapshots of silences, nflog and alerts.
    pub maintenance_interval: Duration,
    /// `--alerts.gc-interval` (30m): resolved alerts are dropped from the store.
    pub alerts_gc_interval: Duration,
    /// `--alerts.per-alertname-limit` (0 = none).
    pub per_alertname_limit: usize,
    /// `--dispatch.start-delay` (0).
    pub dispatch_start_delay: Duration,
    /// `--dispatch.maintenance-interval` (30s).
    pub dispatch_maintenance_interval: Duration,
    /// `--silences.max-silences` (0 = none).
    pub max_silences: usize,
    /// `--silences.max-silence-size-bytes` (0 = none).
    pub max_silence_size_bytes: usize,
    /// `--web.external-url`, as given to templates (`.ExternalURL`), without a trailing `/`.
    pub external_url: String,
    /// `--web.route-prefix` (normalised `/x`).
    pub route_prefix: String,
    /// From `--enable-feature=classic-mode|utf8-strict-mode`: how matchers are parsed and
    /// which label names are valid (classic mode = legacy names).
    pub matcher_mode: MatcherParseMode,
    /// klaxon's own per-notification deadline; `None` = upstream's `max(group_interval, 10s)`.
    pub notify_timeout: Option<Duration>,
    /// Where "now" comes from.
    pub clock: SharedClock,
    /// Cluster identity as `/api/v2/status` reports it.
    pub cluster: ClusterOptions,
    /// Build information (`alertmanager_build_info`, `/api/v2/status`).
    pub build: BuildInfo,
    /// `User-Agent` of outgoing notifications.
    pub user_agent: String,
    /// `--log.silences`: log every silence change.
    pub log_silences: bool,
}

/// The cluster flags. With `peer` set (and a listen address in it) the node joins an HA
/// cluster; with only a listen address it reports itself as the one ready member, as a
/// single-node cluster does.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// Every `--cluster.*` flag, for the peer; `None` = no peer.
    pub peer: Option<cluster::PeerOptions>,
    /// `--cluster.listen-address`; empty disables clustering.
    pub listen_address: String,
    /// `--cluster.advertise-address` (reported instead of the listen address when set).
    pub advertise_address: String,
    /// `--cluster.peer-name`; empty = a generated ULID, as upstream.
    pub peer_name: String,
}

impl Options {
    /// Upstream's defaults for everything but the config file; state kept in memory.
    pub fn new(config_file: impl Into<PathBuf>) -> Options {
        Options {
            config_file: config_file.into(),
            storage_path: None,
            retention: Duration::from_secs(120 * 3600),
            maintenance_interval: Duration::from_secs(15 * 60),
            alerts_gc_interval: Duration::from_secs(30 * 60),
            per_alertname_limit: 0,
            dispatch_start_delay: Duration::ZERO,
            dispatch_maintenance_interval: Duration::from_secs(30),
            max_silences: 0,
            max_silence_size_bytes: 0,
            external_url: "http://localhost:9093".to_owned(),
            route_prefix: "/".to_owned(),
            matcher_mode: MatcherParseMode::default(),
            notify_timeout: None,
            clock: Arc::new(SystemClock),
            cluster: ClusterOptions::default(),
            build: BuildInfo {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                ..BuildInfo::default()
            },
            user_agent: format!("Alertmanager/{}", env!("CARGO_PKG_VERSION")),
            log_silences: false,
        }
    }
}

/// Why the Alertmanager could not start.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `--storage.path` could not be created.
    #[error("unable to create data directory: {0}")]
    DataDir(std::io::Error),
    /// The config file is invalid.
    #[error("error loading configuration file: {0}")]
    Config(ConfigError),
    /// The alert store could not be opened.
    #[error("error opening alert store: {0}")]
    Store(StoreError),
    /// The silences could not be opened.
    #[error("error creating silence: {0}")]
    Silences(SilenceError),
    /// The notification log could not be opened.
    #[error("error creating notification log: {0}")]
    Nflog(NflogError),
    /// The config loaded but could not be applied (templates, integrations).
    #[error("failed to apply initial configuration: {0}")]
    Apply(String),
    /// The cluster peer could not start.
    #[error("unable to initialize gossip mesh: {0}")]
    Cluster(cluster::ClusterError),
}

/// The cluster as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterStatus {
    /// Own peer name (empty when disabled).
    pub name: String,
    /// `settling`, `ready` or `disabled`.
    pub status: &'static str,
    /// (name, address) of the members, self included.
    pub peers: Vec<(String, String)>,
}

/// The outcome of [`Alertmanager::receive_alerts`] when not everything was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiveError {
    /// These alerts were invalid (upstream's texts); the valid ones were stored.
    Invalid(Vec<String>),
    /// The store failed.
    Store(String),
}

/// The running Alertmanager. Share it as `Arc<Alertmanager>`.
pub struct Alertmanager {
    opts: Options,
    clock: SharedClock,
    start_time: Time,
    /// Process start + `--dispatch.start-delay`; reused by every generation.
    dispatch_start: Instant,
    cluster: ClusterStatus,
    peer: Option<Arc<PeerNode>>,
    metrics: Arc<Metrics>,
    own_metrics: RuntimeMetrics,
    store: Arc<AlertStore>,
    silences: Arc<Silences>,
    nflog: Arc<Nflog>,
    marker: Arc<Marker>,
    current: RwLock<Arc<Generation>>,
    /// Serialises reloads (SIGHUP and `/-/reload` may race).
    reload_lock: tokio::sync::Mutex<()>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    stopped: AtomicBool,
}

impl std::fmt::Debug for Alertmanager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alertmanager")
            .field("config_file", &self.opts.config_file)
            .field("alerts", &self.store.len())
            .field("silences", &self.silences.len())
            .finish_non_exhaustive()
    }
}

impl Alertmanager {
    /// Opens the state, applies the config file and starts dispatching and maintenance.
    /// Needs a tokio runtime.
    pub async fn start(opts: Options) -> Result<Arc<Alertmanager>, Error> {
        let clock = opts.clock.clone();
        let now = from_system_time(clock.now_system());
        let dispatch_start = Instant::now() + opts.dispatch_start_delay;

        let load = config::LoadOptions { matcher_mode: opts.matcher_mode };
        let config = config::load_file_with(&opts.config_file, &load).map_err(Error::Config)?;

        let store_opts =
            StoreOptions { per_alertname_limit: opts.per_alertname_limit, sync_interval: None };
        let silence_opts = SilenceOptions {
            retention: opts.retention,
            max_silences: opts.max_silences,
            max_silence_size_bytes: opts.max_silence_size_bytes,
            mode: opts.matcher_mode,
            ..SilenceOptions::default()
        };
        let nflog_opts = NflogOptions { retention: opts.retention, ..NflogOptions::default() };
        let (store, silences, nflog) = match &opts.storage_path {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(Error::DataDir)?;
                let store = AlertStore::open(dir, store_opts).map_err(Error::Store)?;
                let silences = Silences::open(dir, silence_opts, now).map_err(Error::Silences)?;
                let nflog = Nflog::open(dir, nflog_opts, now).map_err(Error::Nflog)?;
                for p in store
                    .recovery_problems()
                    .iter()
                    .chain(silences.recovery_problems())
                    .chain(nflog.recovery_problems())
                {
                    tracing::warn!(problem = %p, "recovering persisted state");
                }
                (store, silences, nflog)
            }
            None => (
                AlertStore::in_memory(store_opts),
                Silences::in_memory(silence_opts),
                Nflog::in_memory(nflog_opts),
            ),
        };

        let metrics = Arc::new(Metrics::new(opts.build.clone()));
        let own_metrics = RuntimeMetrics::default();
        metrics.register(
            "alertmanager_alerts_limited",
            "Total number of alerts that were dropped due to per alert name limit",
            store.metrics().limited.clone(),
        );
        own_metrics.register(&metrics);
        metrics.cluster_enabled.set(i64::from(!opts.cluster.listen_address.is_empty()));

        let cluster = ha::cluster_status(&opts.cluster);
        let peer = ha::start_peer(&opts.cluster, &metrics, &silences, &nflog)
            .await
            .map_err(Error::Cluster)?;
        let marker = Arc::new(Marker::new());
        let deps = generation::Deps {
            opts: &opts,
            clock: clock.clone(),
            metrics: metrics.clone(),
            store: store.clone(),
            silences: silences.clone(),
            nflog: nflog.clone(),
            marker: marker.clone(),
            dispatch_start,
            peer: peer.clone(),
        };
        let config = Arc::new(config);
        let generation = Generation::build(&deps, config).map_err(Error::Apply)?;
        generation.record_metrics(&own_metrics);
        let generation = Arc::new(generation);
        generation.start_dispatcher(&deps);

        let am = Arc::new(Alertmanager {
            start_time: now,
            dispatch_start,
            cluster,
            peer,
            own_metrics,
            clock,
            metrics,
            store,
            silences,
            nflog,
            marker,
            current: RwLock::new(generation),
            reload_lock: tokio::sync::Mutex::new(()),
            tasks: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
            opts,
        });
        am.reload_succeeded();
        am.install_scrape_hooks();
        am.spawn_maintenance();
        Ok(am)
    }

    /// Re-reads the config file. On error the running config stays and the error (with the
    /// file position) is returned; routes, receivers, inhibitor and dispatcher are rebuilt
    /// otherwise (group timers restart), while alerts, silences and the nflog carry over.
    pub async fn reload(&self) -> Result<(), String> {
        let _guard = self.reload_lock.lock().await;
        let load = config::LoadOptions { matcher_mode: self.opts.matcher_mode };
        let result = match config::load_file_with(&self.opts.config_file, &load) {
            Err(e) => Err(e.to_string()),
            Ok(config) => {
                let deps = self.deps();
                match Generation::build(&deps, Arc::new(config)) {
                    Err(e) => Err(e),
                    Ok(next) => {
                        // As upstream: the old dispatcher stops before the new one starts, so
                        // no group is flushed twice across the swap.
                        self.current.read().stop();
                        next.record_metrics(&self.own_metrics);
                        let next = Arc::new(next);
                        next.start_dispatcher(&deps);
                        *self.current.write() = next;
                        Ok(())
                    }
                }
            }
        };
        match &result {
            Ok(()) => {
                self.reload_succeeded();
                tracing::info!(file = %self.opts.config_file.display(), "Completed loading of configuration file");
            }
            Err(e) => {
                self.metrics.config_last_reload_successful.set(0);
                tracing::error!(file = %self.opts.config_file.display(), err = %e, "Loading configuration file failed");
            }
        }
        result
    }

    /// Stops dispatching and maintenance and writes final snapshots. Idempotent.
    pub async fn shutdown(&self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        self.current.read().stop();
        for t in self.tasks.lock().drain(..) {
            t.abort();
        }
        if let Some(p) = &self.peer {
            p.leave().await;
        }
        let now = self.now();
        if let Err(e) = self.silences.maintenance(now) {
            tracing::error!(err = %e, "final silences snapshot");
        }
        if let Err(e) = self.nflog.maintenance(now) {
            tracing::error!(err = %e, "final notification log snapshot");
        }
        if let Err(e) = self.store.compact().and_then(|()| self.store.sync()) {
            tracing::error!(err = %e, "final alert store snapshot");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Queries and commands for the API.

    /// "Now" on the runtime's clock.
    pub fn now(&self) -> Time {
        from_system_time(self.clock.now_system())
    }

    /// The options it runs with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// The matcher parse mode (API filters, silences, label name validation).
    pub fn matcher_mode(&self) -> MatcherParseMode {
        self.opts.matcher_mode
    }

    /// When the process started (`uptime` of `/api/v2/status`).
    pub fn start_time(&self) -> Time {
        self.start_time
    }

    /// The running generation (config, routes, inhibitor, dispatcher).
    pub fn current(&self) -> Arc<Generation> {
        self.current.read().clone()
    }

    /// The running config.
    pub fn config(&self) -> Arc<Config> {
        self.current().config.clone()
    }

    /// The cluster as reported by the API.
    pub fn cluster_status(&self) -> ClusterStatus {
        match &self.peer {
            Some(p) => p.status(),
            None => self.cluster.clone(),
        }
    }

    /// The cluster peer, when clustering is on.
    pub fn peer(&self) -> Option<&Arc<PeerNode>> {
        self.peer.as_ref()
    }

    /// The shared metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The alert store.
    pub fn store(&self) -> &Arc<AlertStore> {
        &self.store
    }

    /// The silences.
    pub fn silences(&self) -> &Arc<Silences> {
        &self.silences
    }

    /// The notification log.
    pub fn nflog(&self) -> &Arc<Nflog> {
        &self.nflog
    }

    /// The marker (unprocessed alerts, muted groups).
    pub fn marker(&self) -> &Arc<Marker> {
        &self.marker
    }

    /// Ingests posted alerts as `POST /api/v2/alerts` does (§3.2): times defaulted, empty
    /// labels dropped, each validated; the valid ones are stored even when others are not.
    pub fn receive_alerts(&self, alerts: Vec<Alert>) -> Result<(), ReceiveError> {
        let now = self.now();
        let resolve_timeout = self
            .config()
            .global
            .resolve_timeout
            .and_then(|d| d.to_std())
            .unwrap_or(Duration::from_secs(300));
        let mut valid = Vec::with_capacity(alerts.len());
        let mut errors = Vec::new();
        let mut firing_count = 0u64;
        let posted = alerts.len() as u64;
        for alert in alerts {
            // Upstream counts every posted alert, valid or not, by its end after defaulting (an
            // open end becomes `now + resolve_timeout`, so it fires).
            if is_zero(alert.ends_at) || alert.ends_at > now {
                firing_count += 1;
            }
            match validate_and_normalise(alert, now, resolve_timeout, self.opts.matcher_mode) {
                Ok(a) => valid.push(a),
                Err(e) => {
                    self.metrics.alerts_invalid_total.inc();
                    errors.push(e);
                }
            }
        }
        // Counted once per request: the family lookup costs more than the increment.
        for (status, n) in [("firing", firing_count), ("resolved", posted - firing_count)] {
            if n > 0 {
                self.metrics
                    .alerts_received_total
                    .get_or_create(&StatusLabels { status: status.to_owned() })
                    .inc_by(n);
            }
        }
        if !valid.is_empty()
            && let Err(e) = self.store.put(valid)
        {
            tracing::error!(err = %e, "Failed to create alerts");
            return Err(ReceiveError::Store(e.to_string()));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            tracing::error!(err = %errors.join("\n"), "Failed to validate alerts");
            Err(ReceiveError::Invalid(errors))
        }
    }

    /// What mutes an alert with `labels` at `now`, computed live: (silence ids, the
    /// fingerprint of the inhibiting alert as 16 hex digits).
    pub fn mutes(&self, labels: &Labels, now: Time) -> (Vec<String>, Vec<String>) {
        let inhibited = self
            .current()
            .inhibitor
            .mutes(labels, now)
            .map(|fp| vec![fp.to_string()])
            .unwrap_or_default();
        (self.silences.mutes(labels, now), inhibited)
    }

    /// The receivers of the routes `labels` match, in tree order.
    pub fn receivers_for(&self, labels: &Labels) -> Vec<String> {
        self.current().routes.routes(labels).iter().map(|r| r.receiver.clone()).collect()
    }

    /// The aggregation groups of the running dispatcher.
    pub fn groups(&self) -> Vec<GroupSnapshot> {
        self.current().groups()
    }

    /// Every configured receiver (config order) with its labels (`name` included).
    pub fn receivers(&self) -> Vec<(String, BTreeMap<String, String>)> {
        self.config()
            .receivers
            .iter()
            .map(|r| {
                let mut labels = r.labels.clone();
                labels.entry("name".to_owned()).or_insert_with(|| r.name.clone());
                (r.name.clone(), labels)
            })
            .collect()
    }

    /// Creates or updates a silence (§5.2) at the runtime's "now".
    pub fn set_silence(&self, silence: PostableSilence) -> Result<String, SilenceError> {
        let id = self.silences.set(silence, self.now())?;
        if self.opts.log_silences {
            tracing::info!(id = %id, "Silence set");
        }
        Ok(id)
    }

    /// Expires a silence.
    pub fn expire_silence(&self, id: &str) -> Result<(), SilenceError> {
        self.silences.expire(id, self.now())?;
        if self.opts.log_silences {
            tracing::info!(id = %id, "Silence expired");
        }
        Ok(())
    }

    /// One silence.
    pub fn silence(&self, id: &str) -> Option<Arc<Silence>> {
        self.silences.get(id)
    }

    // -----------------------------------------------------------------------------------------
    // Internals.

    fn deps(&self) -> generation::Deps<'_> {
        generation::Deps {
            opts: &self.opts,
            clock: self.clock.clone(),
            metrics: self.metrics.clone(),
            store: self.store.clone(),
            silences: self.silences.clone(),
            nflog: self.nflog.clone(),
            marker: self.marker.clone(),
            dispatch_start: self.dispatch_start,
            peer: self.peer.clone(),
        }
    }
}

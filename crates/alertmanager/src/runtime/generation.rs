//! One applied config: what a reload replaces as a whole.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use model::time::SharedClock;
use template::alertmanager::Templates;
use tokio::time::Instant;

use super::Options;
use crate::config::Config;
use crate::dispatch::{DispatchOptions, Dispatcher, GroupSnapshot, RouteTable};
use crate::inhibit::Inhibitor;
use crate::integrations::{self, BuildEnv, Integration};
use crate::marker::Marker;
use crate::metrics::Metrics;
use crate::nflog::Nflog;
use crate::notify::{Pipeline, PipelineDeps};
use crate::route::Route;
use crate::silence::Silences;
use crate::store::AlertStore;

/// The long-lived parts a generation is built on.
pub(super) struct Deps<'a> {
    pub opts: &'a Options,
    pub clock: SharedClock,
    pub metrics: Arc<Metrics>,
    pub store: Arc<AlertStore>,
    pub silences: Arc<Silences>,
    pub nflog: Arc<Nflog>,
    pub marker: Arc<Marker>,
    pub dispatch_start: Instant,
    pub peer: Option<Arc<super::PeerNode>>,
}

/// The running config and everything built from it.
pub struct Generation {
    /// The config.
    pub config: Arc<Config>,
    /// The route tree, indexed for the dispatcher and the API.
    pub routes: Arc<RouteTable>,
    /// The inhibition rules, following the store.
    pub inhibitor: Arc<Inhibitor>,
    /// `config.to_yaml_masked()`, computed once.
    pub config_yaml: String,
    pipeline: Arc<Pipeline>,
    dispatcher: OnceLock<Dispatcher>,
    receiver_count: usize,
    integration_count: usize,
}

impl std::fmt::Debug for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generation")
            .field("receivers", &self.receiver_count)
            .field("integrations", &self.integration_count)
            .finish_non_exhaustive()
    }
}

impl Generation {
    /// Builds templates, integrations, routes, inhibitor and pipeline; the dispatcher starts
    /// separately ([`Generation::start_dispatcher`]) once the old one has stopped.
    pub(super) fn build(deps: &Deps<'_>, config: Arc<Config>) -> Result<Generation, String> {
        // `.ExternalURL` reaches templates through the notification context.
        let templates = Templates::from_globs(&config.templates)
            .map_err(|e| format!("failed to parse templates: {e}"))?;

        let root = Route::new(&config.route);
        let mut active: HashSet<String> = HashSet::new();
        root.walk(&mut |r: &Route| {
            active.insert(r.receiver.clone());
        });
        let env = BuildEnv { user_agent: deps.opts.user_agent.clone() };
        let mut receivers: HashMap<String, Vec<Integration>> = HashMap::new();
        let mut integration_count = 0;
        for rcv in &config.receivers {
            if !active.contains(&rcv.name) {
                tracing::info!(receiver = %rcv.name, "skipping creation of receiver not referenced by any route");
                continue;
            }
            let built = integrations::build(rcv, &env)?;
            integration_count += built.len();
            receivers.insert(rcv.name.clone(), built);
        }
        let receiver_count = active.len();

        let routes = Arc::new(RouteTable::new(root.clone()));
        let retention = deps.opts.retention;
        for warning in config.warnings(retention) {
            tracing::warn!("{warning}");
        }

        let inhibitor = Inhibitor::new(&config.inhibit_rules, &deps.store);
        let pipeline = Pipeline::new(
            receivers,
            PipelineDeps {
                inhibitor: inhibitor.clone(),
                silences: deps.silences.clone(),
                time_intervals: Arc::new(config.time_intervals.clone()),
                nflog: deps.nflog.clone(),
                marker: deps.marker.clone(),
                metrics: deps.metrics.clone(),
                templates: Arc::new(templates),
                external_url: deps.opts.external_url.trim_end_matches('/').to_owned(),
                user_agent: deps.opts.user_agent.clone(),
                cluster: deps
                    .peer
                    .clone()
                    .map(|p| p as Arc<dyn crate::notify::cluster::ClusterNode>),
                retention,
                clock: deps.clock.clone(),
            },
        );
        let config_yaml = config.to_yaml_masked();
        Ok(Generation {
            config,
            routes,
            inhibitor,
            config_yaml,
            pipeline: Arc::new(pipeline),
            dispatcher: OnceLock::new(),
            receiver_count,
            integration_count,
        })
    }

    /// Starts dispatching: the dispatcher first takes every stored alert, then follows the
    /// store.
    pub(super) fn start_dispatcher(&self, deps: &Deps<'_>) {
        let opts = DispatchOptions {
            maintenance_interval: deps.opts.dispatch_maintenance_interval,
            start_at: deps.dispatch_start,
            notify_timeout: deps.opts.notify_timeout,
            clock: deps.clock.clone(),
            metrics: deps.metrics.clone(),
        };
        let d = Dispatcher::start(
            self.routes.clone(),
            deps.store.subscribe(),
            self.pipeline.clone(),
            opts,
        );
        if self.dispatcher.set(d).is_err() {
            tracing::error!("dispatcher of a config generation started twice");
        }
    }

    /// Stops the dispatcher (idempotent).
    pub(super) fn stop(&self) {
        if let Some(d) = self.dispatcher.get() {
            d.stop();
        }
    }

    /// The dispatcher's groups (none before it started).
    pub fn groups(&self) -> Vec<GroupSnapshot> {
        self.dispatcher.get().map(Dispatcher::groups).unwrap_or_default()
    }

    /// The running dispatcher.
    pub fn dispatcher(&self) -> Option<&Dispatcher> {
        self.dispatcher.get()
    }

    pub(super) fn record_metrics(&self, own: &super::metrics::RuntimeMetrics) {
        own.receivers.set(i64::try_from(self.receiver_count).unwrap_or(i64::MAX));
        own.integrations.set(i64::try_from(self.integration_count).unwrap_or(i64::MAX));
        own.inhibition_rules
            .set(i64::try_from(self.config.inhibit_rules.len()).unwrap_or(i64::MAX));
    }
}

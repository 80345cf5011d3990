//! Configuration reloads (SIGHUP, `/-/reload`), `/-/quit`, and the self-metrics of
//! `klaxon run`: the [`ServerControl`] the Prometheus API asks.
//!
//! A reload is atomic across `prometheus.yml`, the rule files it names and the embedded
//! Alertmanager's `alertmanager.yml`. "Atomic" here means: every file is read, parsed and
//! validated before anything changes, and one file that does not load leaves all of them
//! running as they were (the old config keeps scraping, the old groups keep evaluating, the
//! old routes keep notifying), sets `prometheus_config_last_reload_successful` to 0 and
//! answers `/-/reload` with the error (`file:line:col: ...`). Only then are they applied, the
//! Alertmanager first: the one failure left after validation (a notification template that
//! does not build) then also changes nothing. Between the steps of the apply, a rule
//! evaluation may see the new targets with the old rules for a moment; no alert is dropped
//! (the rule manager carries alert state across, and both sinks stay up throughout).
//! Reloads never run concurrently.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use api::prometheus::lifecycle::{ReloadFuture, ServerControl};
use config::Config;
use parking_lot::{Mutex, RwLock};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::sync::Notify;

use super::alertmanager::Embedded;
use super::pipeline::Pipeline;
use super::rules::{self, Rules};

/// The running server's mutable state.
#[derive(Debug)]
pub struct Server {
    config_file: PathBuf,
    lifecycle: bool,
    config: RwLock<Arc<Config>>,
    reload_state: Mutex<(bool, SystemTime)>,
    pipeline: Pipeline,
    rules: Rules,
    embedded: Option<Arc<Embedded>>,
    reloading: tokio::sync::Mutex<()>,
    registry: Registry,
    last_reload_ok: Gauge,
    last_reload_time: Gauge<f64, AtomicU64>,
    quit: Arc<Notify>,
}

/// What a [`Server`] is made of, all started already.
#[derive(Debug)]
pub struct ServerParts {
    pub config_file: PathBuf,
    /// `--web.enable-lifecycle`.
    pub lifecycle: bool,
    pub config: Config,
    pub pipeline: Pipeline,
    pub rules: Rules,
    pub embedded: Option<Arc<Embedded>>,
    pub registry: Registry,
    pub metrics: ReloadMetrics,
}

/// Registers the reload metrics in `registry` before it is handed to [`Server::new`].
#[derive(Debug, Default, Clone)]
pub struct ReloadMetrics {
    ok: Gauge,
    time: Gauge<f64, AtomicU64>,
}

impl ReloadMetrics {
    pub fn register(registry: &mut Registry) -> ReloadMetrics {
        let m = ReloadMetrics::default();
        registry.register(
            "prometheus_config_last_reload_successful",
            "Whether the last configuration reload attempt was successful.",
            m.ok.clone(),
        );
        registry.register(
            "prometheus_config_last_reload_success_timestamp_seconds",
            "Timestamp of the last successful configuration reload.",
            m.time.clone(),
        );
        m
    }
}

fn unix_seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

impl Server {
    pub fn new(parts: ServerParts) -> Arc<Server> {
        let ServerParts {
            config_file,
            lifecycle,
            config,
            pipeline,
            rules,
            embedded,
            registry,
            metrics,
        } = parts;
        let now = SystemTime::now();
        metrics.ok.set(1);
        metrics.time.set(unix_seconds(now));
        Arc::new(Server {
            config_file,
            lifecycle,
            config: RwLock::new(Arc::new(config)),
            reload_state: Mutex::new((true, now)),
            pipeline,
            rules,
            embedded,
            reloading: tokio::sync::Mutex::new(()),
            registry,
            last_reload_ok: metrics.ok,
            last_reload_time: metrics.time,
            quit: Arc::new(Notify::new()),
        })
    }

    /// Resolves when `/-/quit` was called.
    pub fn quit_requested(&self) -> Arc<Notify> {
        self.quit.clone()
    }

    /// Reads the config file again and applies it; logs the outcome as upstream does.
    pub async fn reload(&self) -> Result<(), String> {
        let _one_at_a_time = self.reloading.lock().await;
        let start = Instant::now();
        tracing::info!(filename = %self.config_file.display(), "Loading configuration file");
        let outcome = self.reload_all().await;
        let now = SystemTime::now();
        match &outcome {
            Ok(()) => {
                *self.reload_state.lock() = (true, now);
                self.last_reload_ok.set(1);
                self.last_reload_time.set(unix_seconds(now));
                tracing::info!(
                    filename = %self.config_file.display(),
                    totalDuration = ?start.elapsed(),
                    "Completed loading of configuration file"
                );
            }
            Err(e) => {
                self.reload_state.lock().0 = false;
                self.last_reload_ok.set(0);
                tracing::error!(
                    filename = %self.config_file.display(),
                    err = %e,
                    "Error reloading config"
                );
            }
        }
        outcome
    }

    /// Validates every file, then applies them (see the module doc for what is atomic).
    async fn reload_all(&self) -> Result<(), String> {
        let cfg = config::load(&self.config_file).map_err(|e| e.to_string())?;
        let rule_files = rules::load(&cfg)?;
        if let Some(am) = &self.embedded {
            am.validate()?;
        }
        // Each of these two leaves its part unchanged when it fails, and they go first.
        self.rules.apply_alerting(&cfg).await?;
        if let Some(am) = &self.embedded {
            am.reload().await?;
            am.apply_prometheus_config(&cfg);
        }
        let applied = self.pipeline.apply(&cfg).await.map_err(|e| format!("{e:#}"));
        // The rules follow even when a scrape job could not start: they do not depend on it.
        self.rules.apply(&cfg, rule_files).await;
        applied?;
        *self.config.write() = Arc::new(cfg);
        Ok(())
    }

    /// Waits for an in-flight reload, then stops in dependency order: scraping, then the
    /// rules (their last alerts handed over, the notifier drained), then the embedded
    /// Alertmanager (state flushed). Storage is closed by the caller.
    pub async fn stop(&self) {
        let _no_reload = self.reloading.lock().await;
        tracing::info!("Stopping scrape manager...");
        self.pipeline.stop_scraping().await;
        tracing::info!("Scrape manager stopped");
        self.rules.stop().await;
        if let Some(am) = &self.embedded {
            am.shutdown().await;
        }
        self.pipeline.stop_remote().await;
    }
}

/// The API's handle on the server.
#[derive(Debug, Clone)]
pub struct Control(pub Arc<Server>);

impl ServerControl for Control {
    fn config_yaml(&self) -> String {
        self.0.config.read().masked_yaml()
    }

    fn reload_state(&self) -> (bool, SystemTime) {
        *self.0.reload_state.lock()
    }

    fn lifecycle_enabled(&self) -> bool {
        self.0.lifecycle
    }

    fn reload(&self) -> ReloadFuture {
        let server = self.0.clone();
        Box::pin(async move { server.reload().await })
    }

    fn quit(&self) {
        self.0.quit.notify_one();
    }

    fn metrics_text(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.0.registry) {
            tracing::warn!(err = %e, "encoding /metrics failed");
        }
        out
    }
}

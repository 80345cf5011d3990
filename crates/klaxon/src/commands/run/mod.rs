//! `klaxon run`: the whole pipeline in one process. It loads `prometheus.yml`, opens the
//! durable TSDB (WAL replayed, blocks loaded), starts service discovery, the scrape loops and
//! remote write, serves the Prometheus API (`/api/v1/*`, `/api/v1/targets`, `/metrics`,
//! `/-/reload`) on `--web.listen-address`, reloads on SIGHUP, and at SIGTERM/SIGINT stops
//! scraping, stops the rules (notifier drained), shuts the embedded Alertmanager down (state
//! flushed), flushes remote write and closes the store (WAL fsynced). With
//! `--alertmanager.config.file` an Alertmanager runs in the same process, serving its API v2
//! on `--alertmanager.web.listen-address` and receiving rule alerts in-process. Log lines are
//! upstream's, so tools that wait for "Server is ready to receive web requests." work
//! unchanged.

mod alertmanager;
mod control;
mod pipeline;
mod rules;
mod storage;

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result, anyhow};
use api::prometheus::{PromBackend, RuntimeInfo, router};
use promql::{Engine, EngineOptions, ParseOptions};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use super::alertmanager::flags::{external_url_and_prefix, hostname};
use super::alertmanager::server::bind;
use crate::cli::RunArgs;
use control::{Control, ReloadMetrics, Server, ServerParts};
use pipeline::Pipeline;

/// How long open HTTP requests may take to finish at shutdown.
const HTTP_DRAIN: Duration = Duration::from_secs(5);

/// The `--enable-feature` values this command knows.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Features {
    experimental_functions: bool,
    delayed_name_removal: bool,
}

fn parse_features(values: &[String]) -> Features {
    let mut f = Features::default();
    for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
        match v {
            "promql-experimental-functions" => {
                f.experimental_functions = true;
                tracing::info!("Experimental PromQL functions enabled.");
            }
            "promql-delayed-name-removal" => {
                f.delayed_name_removal = true;
                tracing::info!("Experimental PromQL delayed name removal enabled.");
            }
            other => tracing::warn!(option = other, "Unknown option for --enable-feature"),
        }
    }
    f
}

/// Runs until SIGTERM/SIGINT: exit 0 after a clean shutdown, 1 when it could not start.
pub fn run(args: &RunArgs) -> ExitCode {
    if let Err(e) = crate::logging::init(&args.log.level, &args.log.format) {
        eprintln!("klaxon run: {e:#}");
        return ExitCode::FAILURE;
    }
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(err = %e, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(err = format!("{e:#}"), "Error running klaxon");
            ExitCode::FAILURE
        }
    }
}

/// The flags as `/api/v1/status/flags` lists them.
fn flags_map(args: &RunArgs) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    put("config.file", args.config_file.display().to_string());
    put("web.listen-address", args.web_listen_address.clone());
    put("web.enable-lifecycle", args.web_enable_lifecycle.to_string());
    put("web.enable-remote-write-receiver", args.web_enable_remote_write_receiver.to_string());
    put("storage.tsdb.path", args.storage_tsdb_path.display().to_string());
    put("storage.tsdb.retention.time", retention_text(args));
    put("storage.tsdb.retention.size", args.storage_tsdb_retention_size.clone());
    put("storage.tsdb.min-block-duration", args.storage_tsdb_min_block_duration.to_string());
    put("query.lookback-delta", args.query_lookback_delta.to_string());
    put("query.timeout", args.query_timeout.to_string());
    put("query.max-concurrency", args.query_max_concurrency.to_string());
    put("query.max-samples", args.query_max_samples.to_string());
    put("enable-feature", args.enable_feature.join(","));
    put("log.level", args.log.level.clone());
    put("log.format", args.log.format.clone());
    put(
        "alertmanager.config.file",
        args.alertmanager_config_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
    );
    put("alertmanager.web.listen-address", args.alertmanager_web_listen_address.clone());
    put("alertmanager.web.external-url", args.alertmanager_web_external_url.clone());
    put(
        "alertmanager.storage.path",
        args.alertmanager_storage_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
    );
    put(
        "alertmanager.notification-queue-capacity",
        args.alertmanager_notification_queue_capacity.to_string(),
    );
    put("web.external-url", args.web_external_url.clone());
    put("rules.alert.for-outage-tolerance", args.rules_alert_for_outage_tolerance.to_string());
    put("rules.alert.for-grace-period", args.rules_alert_for_grace_period.to_string());
    put("rules.alert.resend-delay", args.rules_alert_resend_delay.to_string());
    put("rules.datasource.url", args.rules_datasource_url.clone().unwrap_or_default());
    put("rules.remote-write.url", args.rules_remote_write_url.clone().unwrap_or_default());
    m
}

/// The retention as `/api/v1/status/runtimeinfo` and the flags page show it.
fn retention_text(args: &RunArgs) -> String {
    match (&args.storage_tsdb_retention_time, args.storage_tsdb_retention_size.as_str()) {
        (Some(t), "0") => t.clone(),
        (Some(t), size) => format!("{t} or {size}"),
        (None, "0") => "15d".to_string(),
        (None, size) => size.to_string(),
    }
}

/// Loads `--config.file`; a config that does not load stops the start, as upstream.
fn load_config(args: &RunArgs) -> Result<config::Config> {
    let path = &args.config_file;
    let start = Instant::now();
    tracing::info!(filename = %path.display(), "Loading configuration file");
    let cfg = config::load(path)
        .map_err(|e| anyhow!("error loading config from {:?}: {e}", path.display().to_string()))?;
    tracing::info!(
        filename = %path.display(),
        totalDuration = ?start.elapsed(),
        jobs = cfg.scrape_configs.len(),
        remote_writes = cfg.remote_write.len(),
        "Completed loading of configuration file"
    );
    Ok(cfg)
}

/// Logs how many targets discovery found, once it found some (or after 10 s, however many):
/// discovery runs in the background, so the count is not known when the config applies.
async fn log_targets(targets: Arc<dyn scrape::status::TargetsView>, jobs: usize) {
    let give_up = Instant::now() + Duration::from_secs(10);
    loop {
        let n = targets.active_targets().len();
        if n > 0 || jobs == 0 || Instant::now() >= give_up {
            tracing::info!(jobs, targets = n, "Scrape targets discovered");
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn engine(args: &RunArgs, features: Features) -> Result<Engine> {
    let lookback = args.query_lookback_delta.as_millis();
    let timeout = args
        .query_timeout
        .to_std()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| anyhow!("--query.timeout must be positive"))?;
    if lookback <= 0 {
        return Err(anyhow!("--query.lookback-delta must be positive"));
    }
    Ok(Engine::new(EngineOptions {
        lookback_delta: lookback,
        max_samples: args.query_max_samples,
        timeout,
        delayed_name_removal: features.delayed_name_removal,
        ..EngineOptions::default()
    }))
}

async fn serve(args: &RunArgs) -> Result<()> {
    // First: SIGHUP's default action kills the process, and tools send one early.
    let mut hup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let started_at = SystemTime::now();
    tracing::info!(
        mode = "server",
        version = env!("CARGO_PKG_VERSION"),
        "Starting Prometheus Server"
    );
    let features = parse_features(&args.enable_feature);
    let engine = engine(args, features)?;
    let db_options = storage::options(args)?;
    let cfg = load_config(args)?;
    // Every file is valid before anything starts, as at a reload.
    let rule_files = rules::load(&cfg).map_err(|e| anyhow!("loading rule files: {e}"))?;

    let mut registry = prometheus_client::registry::Registry::default();
    let db = storage::open(args, db_options, &mut registry)?;
    let maintenance = storage::spawn_maintenance(db.clone());

    // Bound first: the external URL's default names the port.
    let listener = bind(&args.web_listen_address).await?;
    let address = listener.local_addr()?;
    let (external_url, _) =
        external_url_and_prefix(&args.web_external_url, "", &hostname(), address)?;

    let embedded = alertmanager::Embedded::start(args, &cfg).await?.map(Arc::new);
    // One set of `prometheus_sd_*` metrics for the scrape and notifier discovery managers.
    let discovery = scrape::discovery::DiscoveryOptions::default();
    let pipeline = Pipeline::start(
        &cfg,
        db.clone(),
        &hostname(),
        args.storage_tsdb_path.join("logs"),
        discovery.clone(),
        &mut registry,
    )
    .await?;
    let targets = pipeline.targets();
    tokio::spawn(log_targets(
        targets.clone(),
        cfg.scrape_configs.len() + cfg.klaxon.log_metrics.len(),
    ));
    let rules = rules::Rules::new(
        rules::RulesSetup {
            args,
            cfg: &cfg,
            engine: engine.clone(),
            storage: db.clone(),
            appendable: pipeline.appendable(),
            remote: pipeline.remote().clone(),
            external_url,
            embedded: embedded.clone(),
            loaded: &rule_files,
            discovery,
        },
        &mut registry,
    )
    .await?;
    rules.apply_alerting(&cfg).await.map_err(|e| anyhow!("{e}"))?;
    rules.apply(&cfg, rule_files).await;
    rules.log_first_evaluation();
    let rules_view = rules.view();
    let alertmanagers = rules.alertmanagers();
    let reload_metrics = ReloadMetrics::register(&mut registry);
    let server = Server::new(ServerParts {
        config_file: args.config_file.clone(),
        lifecycle: args.web_enable_lifecycle,
        config: cfg,
        pipeline,
        rules,
        embedded,
        registry,
        metrics: reload_metrics,
    });

    let mut backend = PromBackend::new(db.clone(), engine);
    backend.tsdb_stats = Some(db.clone());
    backend.parse_options =
        ParseOptions { experimental_functions: features.experimental_functions };
    backend.max_concurrency = args.query_max_concurrency.max(1);
    backend.flags = flags_map(args);
    backend.runtime_info = RuntimeInfo {
        start_time: started_at,
        storage_retention: retention_text(args),
        reload_config_success: true,
        last_config_time: SystemTime::now(),
    };
    backend.targets = Some(targets);
    backend.rules = Some(rules_view);
    backend.alertmanagers = Some(alertmanagers);
    backend.server = Some(Arc::new(Control(server.clone())));
    if args.web_enable_remote_write_receiver {
        backend.appendable = Some(db.clone());
    }
    let ready = backend.ready.clone();
    ready.store(false, Ordering::Relaxed);

    tracing::info!(address = %address, "Start listening for connections");
    let (stop_tx, mut stop_rx) = watch::channel(false);
    let app = router(backend);
    let http = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop_rx.wait_for(|stop| *stop).await;
        };
        if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!(err = %e, "HTTP server failed");
        }
    });
    ready.store(true, Ordering::Relaxed);
    tracing::info!("Server is ready to receive web requests.");

    let quit = server.quit_requested();
    loop {
        let reason = tokio::select! {
            _ = hup.recv() => {
                tracing::info!("Received SIGHUP, reloading configuration");
                // The outcome is logged by the reload.
                let _ = server.reload().await;
                continue;
            }
            _ = term.recv() => "terminated",
            _ = int.recv() => "interrupt",
            _ = quit.notified() => "quit requested over HTTP",
        };
        tracing::warn!(signal = reason, "Received an OS signal, exiting gracefully...");
        break;
    }
    ready.store(false, Ordering::Relaxed);
    server.stop().await;
    tracing::info!("Stopping web handler...");
    let _ = stop_tx.send(true);
    if tokio::time::timeout(HTTP_DRAIN, http).await.is_err() {
        tracing::warn!("HTTP requests still open after 5s; closing them");
    }
    tracing::info!("Web handler stopped");
    tracing::info!("Stopping storage...");
    maintenance.abort();
    if let Err(e) = db.close() {
        tracing::error!(err = %e, "Closing the TSDB failed");
    }
    tracing::info!("TSDB stopped");
    tracing::info!("See you next time!");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_recognised() {
        let f = parse_features(&["promql-experimental-functions".into(), "bogus".into()]);
        assert!(f.experimental_functions);
        assert!(!f.delayed_name_removal);
        let f = parse_features(&["promql-delayed-name-removal".into()]);
        assert!(f.delayed_name_removal);
    }
}

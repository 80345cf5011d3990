//! `klaxon alertmanager`: wires the flags into [`alertmanager::runtime::Alertmanager`] and the
//! API v2 router, serves every `--web.listen-address` (or the `--web.systemd-socket` sockets) with
//! the `--web.config.file` TLS / basic auth, and turns signals into reloads (SIGHUP)
//! and a graceful shutdown (SIGTERM, SIGINT: HTTP drained for up to 5 s, final snapshots
//! written, exit 0).

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use alertmanager::runtime::{Alertmanager, ClusterOptions, Options};
use anyhow::{Context, Result, anyhow, bail};
use model::duration::GoDuration;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use super::flags;
use crate::cli::AlertmanagerArgs;

/// How long open HTTP requests may take to finish at shutdown (upstream's drain time).
const HTTP_DRAIN: Duration = Duration::from_secs(5);

/// Runs the server until SIGTERM/SIGINT. Exit 0 after a graceful shutdown, 1 when it could not
/// start (bad flag, bad config, address in use), with the reason logged.
pub fn run(args: &AlertmanagerArgs) -> ExitCode {
    if let Err(e) = crate::logging::init(&args.log.level, &args.log.format) {
        eprintln!("klaxon alertmanager: {e:#}");
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
            tracing::error!(err = format!("{e:#}"), "alertmanager exited with error");
            ExitCode::FAILURE
        }
    }
}

/// A positive Go-duration flag as a std duration.
fn positive(name: &str, d: GoDuration) -> Result<Duration> {
    match d.to_std() {
        Some(s) if !s.is_zero() => Ok(s),
        _ => bail!("--{name} must be positive, got {d}"),
    }
}

/// A flag where zero or less means "none".
fn optional(d: GoDuration) -> Option<Duration> {
    d.to_std().filter(|s| !s.is_zero())
}

fn non_negative(v: i64) -> usize {
    usize::try_from(v).unwrap_or(0)
}

/// Builds the runtime options from the flags (no I/O).
fn options(args: &AlertmanagerArgs, f: &flags::Features) -> Result<Options> {
    let mut o = Options::new(&args.config_file);
    o.storage_path = Some(args.storage_path.clone());
    o.retention = positive("data.retention", args.data_retention)?;
    o.maintenance_interval = positive("data.maintenance-interval", args.data_maintenance_interval)?;
    o.alerts_gc_interval = positive("alerts.gc-interval", args.alerts_gc_interval)?;
    o.dispatch_maintenance_interval =
        positive("dispatch.maintenance-interval", args.dispatch_maintenance_interval)?;
    o.dispatch_start_delay = args.dispatch_start_delay.to_std().unwrap_or_default();
    o.notify_timeout = optional(args.dispatch_notify_timeout);
    o.per_alertname_limit = non_negative(args.alerts_per_alertname_limit);
    o.max_silences = non_negative(args.silences_max_silences);
    o.max_silence_size_bytes = non_negative(args.silences_max_silence_size_bytes);
    o.matcher_mode = f.matcher_mode;
    o.log_silences = args.log_silences;
    o.cluster = ClusterOptions {
        listen_address: args.cluster_listen_address.clone(),
        advertise_address: args.cluster_advertise_address.clone(),
        peer_name: args.cluster_peer_name.clone(),
        peer: peer_options(&ClusterFlags::of(args))?,
    };
    Ok(o)
}

/// The `--cluster.*` flags, as `klaxon alertmanager` and (prefixed `alertmanager.`)
/// `klaxon run` take them.
#[derive(Debug, Clone)]
pub(crate) struct ClusterFlags<'a> {
    pub listen_address: &'a str,
    pub advertise_address: &'a str,
    pub peer_name: &'a str,
    pub peers: &'a [String],
    pub peer_timeout: GoDuration,
    pub peers_resolve_timeout: GoDuration,
    pub gossip_interval: GoDuration,
    pub pushpull_interval: GoDuration,
    pub tcp_timeout: GoDuration,
    pub probe_timeout: GoDuration,
    pub probe_interval: GoDuration,
    pub settle_timeout: Option<GoDuration>,
    pub reconnect_interval: GoDuration,
    pub reconnect_timeout: GoDuration,
    pub tls_config: &'a str,
    pub allow_insecure_public_advertise: bool,
    pub label: &'a str,
}

impl<'a> ClusterFlags<'a> {
    fn of(a: &'a AlertmanagerArgs) -> ClusterFlags<'a> {
        ClusterFlags {
            listen_address: &a.cluster_listen_address,
            advertise_address: &a.cluster_advertise_address,
            peer_name: &a.cluster_peer_name,
            peers: &a.cluster_peer,
            peer_timeout: a.cluster_peer_timeout,
            peers_resolve_timeout: a.cluster_peers_resolve_timeout,
            gossip_interval: a.cluster_gossip_interval,
            pushpull_interval: a.cluster_pushpull_interval,
            tcp_timeout: a.cluster_tcp_timeout,
            probe_timeout: a.cluster_probe_timeout,
            probe_interval: a.cluster_probe_interval,
            settle_timeout: Some(a.cluster_settle_timeout),
            reconnect_interval: a.cluster_reconnect_interval,
            reconnect_timeout: a.cluster_reconnect_timeout,
            tls_config: &a.cluster_tls_config,
            allow_insecure_public_advertise: a
                .cluster_allow_insecure_public_advertise_address_discovery,
            label: &a.cluster_label,
        }
    }
}

/// The peer's settings from the flags; `None` when `--cluster.listen-address` is empty (HA
/// off, as upstream).
pub(crate) fn peer_options(
    f: &ClusterFlags<'_>,
) -> Result<Option<alertmanager::runtime::PeerOptions>> {
    if f.listen_address.trim().is_empty() {
        return Ok(None);
    }
    let any = |d: GoDuration| d.to_std().unwrap_or_default();
    let pushpull = positive("cluster.pushpull-interval", f.pushpull_interval)?;
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Ok(Some(alertmanager::runtime::PeerOptions {
        listen: f.listen_address.to_string(),
        advertise: non_empty(f.advertise_address),
        name: non_empty(f.peer_name),
        peers: f.peers.iter().filter(|p| !p.is_empty()).cloned().collect(),
        peer_timeout: any(f.peer_timeout),
        gossip_interval: positive("cluster.gossip-interval", f.gossip_interval)?,
        pushpull_interval: pushpull,
        tcp_timeout: positive("cluster.tcp-timeout", f.tcp_timeout)?,
        probe_timeout: positive("cluster.probe-timeout", f.probe_timeout)?,
        probe_interval: positive("cluster.probe-interval", f.probe_interval)?,
        reconnect_interval: any(f.reconnect_interval),
        reconnect_timeout: any(f.reconnect_timeout),
        peers_resolve_timeout: any(f.peers_resolve_timeout),
        // Upstream's default is the push-pull interval.
        settle_timeout: f.settle_timeout.map_or(pushpull, any),
        tls: non_empty(f.tls_config).map(std::path::PathBuf::from),
        label: f.label.to_string(),
        allow_insecure_public_advertise: f.allow_insecure_public_advertise,
    }))
}

/// Binds one listen address, trying each address it resolves to (also `klaxon run`'s).
pub(crate) async fn bind(addr: &str) -> Result<TcpListener> {
    let mut last = None;
    for candidate in flags::resolve_listen_address(addr).await? {
        match TcpListener::bind(candidate).await {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    let e = last.map_or_else(|| "no address".to_string(), |e| e.to_string());
    Err(anyhow!("listen tcp {addr}: {e}"))
}

async fn serve(args: &AlertmanagerArgs) -> Result<()> {
    // First of all: a SIGHUP's default action is to kill the process, and tools send one as
    // soon as the server answers.
    let signals = Signals::install()?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "Starting Alertmanager");
    let features = flags::parse_features(&args.enable_feature)
        .context("error parsing the feature flag list")?;
    if !features.enabled.is_empty() {
        tracing::info!(features = features.enabled.join(","), "Experimental features enabled");
    }
    if features.has("auto-gomemlimit")
        && !(args.auto_gomemlimit_ratio > 0.0 && args.auto_gomemlimit_ratio <= 1.0)
    {
        bail!("--auto-gomemlimit.ratio must be greater than 0 and less than or equal to 1.");
    }
    // Read before anything starts: a bad web config (or certificate) stops the start, as
    // upstream, rather than leaving the API unprotected.
    let web_config = if args.web_config_file.is_empty() {
        api::web_config::Web::disabled()
    } else {
        api::web_config::Web::from_file(Path::new(&args.web_config_file))
            .map_err(|e| anyhow!("{e}"))?
    };
    let mut opts = options(args, &features)?;
    std::fs::create_dir_all(&args.storage_path).with_context(|| {
        format!("unable to create data directory {}", args.storage_path.display())
    })?;

    let mut listeners = Vec::new();
    if args.web_systemd_socket {
        tracing::info!("Listening on systemd activated listeners instead of port listeners.");
        listeners = api::web_config::systemd_listeners().context("systemd socket activation")?;
    } else {
        for addr in &args.web_listen_address {
            listeners.push(bind(addr).await?);
        }
    }
    let first: SocketAddr =
        listeners.first().ok_or_else(|| anyhow!("no --web.listen-address given"))?.local_addr()?;
    let (external_url, prefix) = flags::external_url_and_prefix(
        &args.web_external_url,
        &args.web_route_prefix,
        &flags::hostname(),
        first,
    )?;
    tracing::debug!(external_url, route_prefix = prefix, "app setup");
    opts.external_url = external_url;
    opts.route_prefix = prefix.clone();

    let am = Alertmanager::start(opts).await.map_err(|e| anyhow!("{e}"))?;

    let web = api::alertmanager::WebOptions {
        route_prefix: prefix,
        get_concurrency: non_negative(args.web_get_concurrency),
        timeout: optional(args.web_timeout),
    };
    let router = api::alertmanager::router_with(am.clone(), &web);
    let (stop_tx, stop_rx) = watch::channel(false);
    let servers = serve_api(router, listeners, &web_config, &stop_rx)?;

    signals.wait(&am).await;

    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(HTTP_DRAIN, futures_all(servers)).await;
    if drained.is_err() {
        tracing::warn!("HTTP requests still open after 5s; closing them");
    }
    am.shutdown().await;
    tracing::info!("See you next time!");
    Ok(())
}

/// Serves the API v2 `router` on every listener until `stop` turns true. Shared by
/// `klaxon alertmanager` and the embedded Alertmanager of `klaxon run`, so both answer alike.
pub(crate) fn serve_api(
    router: axum::Router,
    listeners: Vec<TcpListener>,
    web_config: &api::web_config::Web,
    stop: &watch::Receiver<bool>,
) -> Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut servers = Vec::new();
    for listener in listeners {
        let address = listener.local_addr()?;
        tracing::info!(address = %address, "Listening on");
        if web_config.tls_enabled() {
            tracing::info!(http2 = web_config.http2(), address = %address, "TLS is enabled.");
        } else {
            tracing::info!(http2 = false, address = %address, "TLS is disabled.");
        }
        let mut rx = stop.clone();
        let shutdown = async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let router = router.clone();
        let web_config = web_config.clone();
        servers.push(tokio::spawn(async move {
            if let Err(e) = web_config.serve(listener, router, shutdown).await {
                tracing::error!(address = %address, err = %e, "HTTP server failed");
            }
        }));
    }
    Ok(servers)
}

pub(crate) async fn futures_all(handles: Vec<tokio::task::JoinHandle<()>>) {
    for h in handles {
        let _ = h.await;
    }
}

/// The signals the server acts on, installed before anything else happens.
struct Signals {
    hup: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Signals> {
        Ok(Signals {
            hup: signal(SignalKind::hangup()).context("installing the SIGHUP handler")?,
            term: signal(SignalKind::terminate()).context("installing the SIGTERM handler")?,
            int: signal(SignalKind::interrupt()).context("installing the SIGINT handler")?,
        })
    }

    /// Reloads on SIGHUP (a bad config is logged by the runtime and the old one keeps
    /// running); returns on SIGTERM or SIGINT.
    async fn wait(mut self, am: &Arc<Alertmanager>) {
        loop {
            tokio::select! {
                _ = self.hup.recv() => {
                    tracing::info!("Received SIGHUP, reloading configuration");
                    // The runtime logs the outcome.
                    let _ = am.reload().await;
                }
                _ = self.term.recv() => {
                    tracing::warn!("Received SIGTERM, exiting gracefully...");
                    return;
                }
                _ = self.int.recv() => {
                    tracing::warn!("Received SIGINT, exiting gracefully...");
                    return;
                }
            }
        }
    }
}

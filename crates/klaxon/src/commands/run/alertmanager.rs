//! The embedded Alertmanager of `klaxon run` (`--alertmanager.config.file`): the same runtime
//! and API v2 as `klaxon alertmanager`, served on `--alertmanager.web.listen-address`, and fed
//! rule alerts in-process through [`EmbeddedSink`] — no HTTP hop, no queue to lose.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alertmanager::alert::{Alert as AmAlert, ZERO_TIME};
use alertmanager::runtime::{Alertmanager, Options};
use anyhow::{Context, Result, anyhow};
use model::labels::{Labels, LabelsBuilder};
use model::relabel::RelabelConfig;
use parking_lot::RwLock;
use rules::seams::{Alert, AlertSink};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::super::alertmanager::flags::{external_url_and_prefix, hostname};
use super::super::alertmanager::server::{
    ClusterFlags, bind, futures_all, peer_options, serve_api,
};
use crate::cli::{RunArgs, RunClusterArgs};

/// How long open API requests may take to finish at shutdown.
const HTTP_DRAIN: Duration = Duration::from_secs(5);

/// The running embedded Alertmanager and its API servers.
#[derive(Debug)]
pub struct Embedded {
    am: Arc<Alertmanager>,
    sink: Arc<EmbeddedSink>,
    servers: parking_lot::Mutex<Vec<JoinHandle<()>>>,
    stop: watch::Sender<bool>,
}

/// Where the embedded Alertmanager keeps its state: the flag, else `<tsdb path>/alertmanager`.
fn storage_path(args: &RunArgs) -> PathBuf {
    args.alertmanager_storage_path
        .clone()
        .unwrap_or_else(|| args.storage_tsdb_path.join("alertmanager"))
}

impl Embedded {
    /// Starts the Alertmanager when `--alertmanager.config.file` is given. A config that does
    /// not load, or an address in use, stops the start (as `klaxon alertmanager` would).
    pub async fn start(args: &RunArgs, cfg: &config::Config) -> Result<Option<Embedded>> {
        let Some(file) = &args.alertmanager_config_file else { return Ok(None) };
        let storage = storage_path(args);
        std::fs::create_dir_all(&storage).with_context(|| {
            format!("unable to create the Alertmanager data directory {}", storage.display())
        })?;
        let listener = bind(&args.alertmanager_web_listen_address).await?;
        let (external_url, prefix) = external_url_and_prefix(
            &args.alertmanager_web_external_url,
            "",
            &hostname(),
            listener.local_addr()?,
        )?;
        let mut opts = Options::new(file);
        let c = &args.alertmanager_cluster;
        opts.cluster = alertmanager::runtime::ClusterOptions {
            listen_address: c.listen_address.clone(),
            advertise_address: c.advertise_address.clone(),
            peer_name: c.peer_name.clone(),
            peer: peer_options(&cluster_flags(c))?,
        };
        opts.storage_path = Some(storage);
        opts.external_url = external_url;
        opts.route_prefix = prefix.clone();
        tracing::info!(file = %file.display(), "Starting the embedded Alertmanager");
        let am = Alertmanager::start(opts).await.map_err(|e| anyhow!("alertmanager: {e}"))?;
        let web = api::alertmanager::WebOptions { route_prefix: prefix, ..Default::default() };
        let router = api::alertmanager::router_with(am.clone(), &web);
        let (stop, stop_rx) = watch::channel(false);
        let servers =
            serve_api(router, vec![listener], &api::web_config::Web::disabled(), &stop_rx)?;
        let sink =
            Arc::new(EmbeddedSink { am: am.clone(), shaping: RwLock::new(Shaping::of(cfg)) });
        Ok(Some(Embedded { am, sink, servers: parking_lot::Mutex::new(servers), stop }))
    }

    /// The sink rule groups hand alerts to.
    pub fn sink(&self) -> Arc<dyn AlertSink> {
        self.sink.clone()
    }

    /// Loads `alertmanager.yml` without applying it: the validation step of an atomic reload.
    pub fn validate(&self) -> Result<(), String> {
        let opts = self.am.options();
        let load = alertmanager::config::LoadOptions { matcher_mode: opts.matcher_mode };
        alertmanager::config::load_file_with(&opts.config_file, &load)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Applies `alertmanager.yml` again (routes, receivers, templates rebuilt; alerts,
    /// silences and the notification log carried over).
    pub async fn reload(&self) -> Result<(), String> {
        self.am.reload().await
    }

    /// Follows a new `prometheus.yml` (external labels, `alert_relabel_configs`).
    pub fn apply_prometheus_config(&self, cfg: &config::Config) {
        *self.sink.shaping.write() = Shaping::of(cfg);
    }

    /// Stops the API (open requests get [`HTTP_DRAIN`]), then the Alertmanager, which writes
    /// its final snapshots (silences, notification log, alerts).
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        let servers = std::mem::take(&mut *self.servers.lock());
        if tokio::time::timeout(HTTP_DRAIN, futures_all(servers)).await.is_err() {
            tracing::warn!("Alertmanager API requests still open after 5s; closing them");
        }
        self.am.shutdown().await;
        tracing::info!("Embedded Alertmanager stopped");
    }
}

/// `--alertmanager.cluster.*` as the shared flag set.
fn cluster_flags(c: &RunClusterArgs) -> ClusterFlags<'_> {
    ClusterFlags {
        listen_address: &c.listen_address,
        advertise_address: &c.advertise_address,
        peer_name: &c.peer_name,
        peers: &c.peer,
        peer_timeout: c.peer_timeout,
        peers_resolve_timeout: c.peers_resolve_timeout,
        gossip_interval: c.gossip_interval,
        pushpull_interval: c.pushpull_interval,
        tcp_timeout: c.tcp_timeout,
        probe_timeout: c.probe_timeout,
        probe_interval: c.probe_interval,
        settle_timeout: c.settle_timeout,
        reconnect_interval: c.reconnect_interval,
        reconnect_timeout: c.reconnect_timeout,
        tls_config: &c.tls_config,
        allow_insecure_public_advertise: c.allow_insecure_public_advertise_address_discovery,
        label: &c.label,
    }
}

/// What `prometheus.yml` does to every alert on its way to any Alertmanager: external labels
/// added (an alert's own label wins), then the global `alert_relabel_configs`.
#[derive(Debug, Default)]
struct Shaping {
    external_labels: Vec<(String, String)>,
    relabel: Vec<RelabelConfig>,
}

impl Shaping {
    fn of(cfg: &config::Config) -> Shaping {
        Shaping {
            external_labels: cfg
                .global
                .external_labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            relabel: cfg.alerting.alert_relabel_configs.clone(),
        }
    }

    /// The alert's labels as the Alertmanager gets them; `None` when relabelling drops it.
    fn labels(&self, labels: &Labels) -> Option<Labels> {
        let labels = if self.external_labels.is_empty() {
            labels.clone()
        } else {
            let mut b = LabelsBuilder::new(labels.clone());
            for (k, v) in &self.external_labels {
                if labels.get(k).is_none_or(str::is_empty) {
                    b.set(k, v);
                }
            }
            b.labels()
        };
        if self.relabel.is_empty() {
            Some(labels)
        } else {
            model::relabel::relabel(&labels, &self.relabel)
        }
    }
}

/// Hands rule alerts to the embedded Alertmanager's ingestion, the function its
/// `POST /api/v2/alerts` handler calls, so they are validated and stored alike.
#[derive(Debug)]
pub struct EmbeddedSink {
    am: Arc<Alertmanager>,
    shaping: RwLock<Shaping>,
}

fn time_of(ms: i64) -> alertmanager::alert::Time {
    jiff::Timestamp::from_millisecond(ms).unwrap_or(ZERO_TIME)
}

/// A rule alert as the Alertmanager's ingestion takes it (what the API's JSON decodes to).
fn convert(alert: Alert, labels: Labels) -> AmAlert {
    AmAlert {
        labels,
        annotations: alert.annotations,
        starts_at: time_of(alert.starts_at_ms),
        ends_at: time_of(alert.ends_at_ms),
        updated_at: ZERO_TIME,
        generator_url: alert.generator_url,
        timeout: false,
    }
}

impl AlertSink for EmbeddedSink {
    fn send(&self, alerts: Vec<Alert>) {
        let batch: Vec<AmAlert> = {
            let shaping = self.shaping.read();
            alerts
                .into_iter()
                .filter_map(|a| {
                    let labels = shaping.labels(&a.labels)?;
                    Some(convert(a, labels))
                })
                .collect()
        };
        if batch.is_empty() {
            return;
        }
        // Ingestion logs what it refused; valid alerts are stored even then.
        if let Err(e) = self.am.receive_alerts(batch) {
            tracing::warn!(err = ?e, "The embedded Alertmanager refused alerts");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_labels_do_not_override_and_relabel_applies() {
        let s = Shaping {
            external_labels: vec![("dc".into(), "eu".into()), ("env".into(), "prod".into())],
            relabel: Vec::new(),
        };
        let got = s.labels(&Labels::from_pairs([("alertname", "X"), ("env", "dev")]));
        assert_eq!(
            got,
            Some(Labels::from_pairs([("alertname", "X"), ("dc", "eu"), ("env", "dev")]))
        );
    }

    #[test]
    fn times_convert_from_milliseconds() {
        let a = Alert {
            labels: Labels::from_pairs([("alertname", "X")]),
            annotations: Labels::from_pairs([("summary", "s")]),
            starts_at_ms: 1_700_000_000_123,
            ends_at_ms: 1_700_000_060_000,
            generator_url: "http://p/graph".into(),
        };
        let labels = a.labels.clone();
        let am = convert(a, labels);
        assert_eq!(am.starts_at.as_millisecond(), 1_700_000_000_123);
        assert_eq!(am.ends_at.as_millisecond(), 1_700_000_060_000);
        assert_eq!(am.generator_url, "http://p/graph");
    }
}

//! The configuration types. Durations are Prometheus durations (`1m`, `1h30m`); every
//! `Option` that upstream defaults from `global` is filled by the loader, so users of a loaded
//! [`Config`] never look at `global` for scrape settings.

use std::collections::BTreeMap;
use std::path::PathBuf;

use httpclient::HttpClientConfig;
use model::duration::Duration;
use model::relabel::RelabelConfig;

/// A whole `prometheus.yml`, loaded and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub global: GlobalConfig,
    /// Globs as written, resolved against the config file's directory by the loader.
    pub rule_files: Vec<String>,
    pub scrape_config_files: Vec<String>,
    /// Jobs in file order, `scrape_config_files` merged in, defaults filled from `global`.
    pub scrape_configs: Vec<ScrapeConfig>,
    pub alerting: AlertingConfig,
    pub remote_write: Vec<RemoteWriteConfig>,
    /// Accepted and kept for `/api/v1/status/config`; klaxon does not act on these yet.
    pub remote_read: Vec<serde_json::Value>,
    /// The directory relative paths are resolved against.
    pub base_dir: PathBuf,
    /// The file's text, for `/api/v1/status/config`.
    pub original: String,
}

/// `global:`.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalConfig {
    /// Default 1m.
    pub scrape_interval: Duration,
    /// Default 10s; must not exceed `scrape_interval`.
    pub scrape_timeout: Duration,
    /// Default 1m.
    pub evaluation_interval: Duration,
    /// Default 0s.
    pub rule_query_offset: Duration,
    /// After `$VAR`/`${VAR}` expansion (`$$` is a literal `$`).
    pub external_labels: BTreeMap<String, String>,
    pub limits: ScrapeLimits,
    /// `metric_name_validation_scheme`: default `utf8`.
    pub metric_name_validation_scheme: String,
    pub scrape_protocols: Vec<ScrapeProtocol>,
    pub extra_scrape_metrics: bool,
    pub query_log_file: String,
    pub scrape_failure_log_file: String,
}

/// The per-scrape limits (0 = unlimited). Global values are the defaults of every job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScrapeLimits {
    /// Bytes; `body_size_limit` is written with units (`10MB`).
    pub body_size_limit: u64,
    pub sample_limit: u64,
    pub label_limit: u64,
    pub label_name_length_limit: u64,
    pub label_value_length_limit: u64,
    pub target_limit: u64,
    pub keep_dropped_targets: u64,
}

/// The exposition protocols a scrape may ask for, in the `Accept` header's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScrapeProtocol {
    PrometheusProto,
    OpenMetricsText0_0_1,
    OpenMetricsText1_0_0,
    PrometheusText0_0_4,
    PrometheusText1_0_0,
}

/// One entry of `scrape_configs`, defaults from `global` already applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeConfig {
    pub job_name: String,
    pub scrape_interval: Duration,
    pub scrape_timeout: Duration,
    /// Default `/metrics`.
    pub metrics_path: String,
    /// `http` or `https`; default `http` (or `https` when `tls_config` is set? no: always
    /// `http` unless written, as upstream).
    pub scheme: String,
    pub params: BTreeMap<String, Vec<String>>,
    pub honor_labels: bool,
    /// Default true.
    pub honor_timestamps: bool,
    pub track_timestamps_staleness: bool,
    /// Default true (ask for gzip).
    pub enable_compression: bool,
    pub scrape_protocols: Vec<ScrapeProtocol>,
    pub fallback_scrape_protocol: Option<ScrapeProtocol>,
    pub limits: ScrapeLimits,
    pub http_client: HttpClientConfig,
    pub service_discovery: Vec<SdConfig>,
    pub relabel_configs: Vec<RelabelConfig>,
    pub metric_relabel_configs: Vec<RelabelConfig>,
}

/// One service-discovery mechanism of a job (or of an Alertmanager set).
#[derive(Debug, Clone, PartialEq)]
pub enum SdConfig {
    /// All `static_configs` of the job, in order.
    Static(Vec<TargetGroup>),
    File(FileSdConfig),
    Http(HttpSdConfig),
    Dns(DnsSdConfig),
}

/// A target group: what `static_configs`, file SD files and HTTP SD answers contain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetGroup {
    /// Each becomes a target with `__address__` set to it.
    pub targets: Vec<String>,
    /// Common labels (the target's own labels win).
    pub labels: BTreeMap<String, String>,
    /// Where it came from, unique per provider (`<file>:<index>`, `<url>:<index>`, ...), so
    /// an update replaces the groups of the same source.
    pub source: String,
}

/// `file_sd_configs` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSdConfig {
    /// Globs (`*.json`, `*.yml`, `*.yaml`), resolved against the config's directory.
    pub files: Vec<String>,
    /// Default 5m; files are also watched, this is the fallback re-read.
    pub refresh_interval: Duration,
}

/// `http_sd_configs` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpSdConfig {
    pub url: String,
    /// Default 60s.
    pub refresh_interval: Duration,
    pub http_client: HttpClientConfig,
}

/// `dns_sd_configs` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsSdConfig {
    pub names: Vec<String>,
    /// Default 30s.
    pub refresh_interval: Duration,
    pub record_type: DnsRecordType,
    /// Required for A/AAAA/NS-style lookups, ignored for SRV.
    pub port: Option<u16>,
}

/// `type:` of a `dns_sd_configs` entry; default SRV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsRecordType {
    Srv,
    A,
    Aaaa,
    Mx,
    Ns,
}

/// `alerting:`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertingConfig {
    pub alert_relabel_configs: Vec<RelabelConfig>,
    pub alertmanagers: Vec<AlertmanagerConfig>,
}

/// One entry of `alerting.alertmanagers`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertmanagerConfig {
    /// Default 10s.
    pub timeout: Duration,
    /// Only `v2` is accepted.
    pub api_version: String,
    /// Default `/`.
    pub path_prefix: String,
    /// Default `http`.
    pub scheme: String,
    pub http_client: HttpClientConfig,
    pub service_discovery: Vec<SdConfig>,
    pub relabel_configs: Vec<RelabelConfig>,
    pub alert_relabel_configs: Vec<RelabelConfig>,
}

/// One entry of `remote_write`.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteWriteConfig {
    pub url: String,
    /// Default 30s.
    pub remote_timeout: Duration,
    pub headers: BTreeMap<String, String>,
    pub write_relabel_configs: Vec<RelabelConfig>,
    /// Unique among the remote writes; default: a hash of the entry, as upstream.
    pub name: String,
    pub send_exemplars: bool,
    pub send_native_histograms: bool,
    pub http_client: HttpClientConfig,
    pub queue_config: QueueConfig,
    pub metadata_config: MetadataConfig,
}

/// `queue_config` with upstream's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueConfig {
    /// Default 10000.
    pub capacity: usize,
    /// Default 50.
    pub max_shards: usize,
    /// Default 1.
    pub min_shards: usize,
    /// Default 2000.
    pub max_samples_per_send: usize,
    /// Default 5s.
    pub batch_send_deadline: Duration,
    /// Default 30ms.
    pub min_backoff: Duration,
    /// Default 5s.
    pub max_backoff: Duration,
    pub retry_on_http_429: bool,
    /// Default 0 (no limit).
    pub sample_age_limit: Duration,
}

/// `metadata_config`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataConfig {
    /// Default true.
    pub send: bool,
    /// Default 1m.
    pub send_interval: Duration,
    /// Default 500.
    pub max_samples_per_send: usize,
}

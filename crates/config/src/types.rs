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
    /// `storage:` (TSDB retention and out-of-order window, exemplars).
    pub storage: StorageConfig,
    /// `tracing:` when present (klaxon does not export traces yet; checked as upstream does).
    pub tracing: Option<TracingConfig>,
    /// `otlp:`, as written; `Null` when absent.
    pub otlp: serde_json::Value,
    /// `runtime:` (Go runtime tuning, meaningless here), as written; `Null` when absent.
    pub runtime: serde_json::Value,
    /// `klaxon:`: klaxon's own additions (`log_metrics`).
    pub klaxon: crate::log_metrics::KlaxonConfig,
    /// The directory relative paths are resolved against.
    pub base_dir: PathBuf,
    /// The file's text as read. It holds secrets: `/api/v1/status/config` serves
    /// [`Config::masked_yaml`] instead.
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
    /// Absolute (resolved against the config directory); empty when unset.
    pub query_log_file: String,
    /// Absolute (resolved against the config directory); empty when unset.
    pub scrape_failure_log_file: String,
    /// `metric_name_escaping_scheme`: empty when unset (then derived per job).
    pub metric_name_escaping_scheme: String,
    pub scrape_native_histograms: bool,
    pub convert_classic_histograms_to_nhcb: bool,
    pub always_scrape_classic_histograms: bool,
    /// Whether `scrape_protocols` was written in `global` (jobs then inherit it as is;
    /// otherwise each job picks the default for its native-histogram setting).
    pub scrape_protocols_set: bool,
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

impl ScrapeProtocol {
    /// Every protocol, sorted by name (the order upstream lists them in errors).
    pub const ALL: [ScrapeProtocol; 5] = [
        ScrapeProtocol::OpenMetricsText0_0_1,
        ScrapeProtocol::OpenMetricsText1_0_0,
        ScrapeProtocol::PrometheusProto,
        ScrapeProtocol::PrometheusText0_0_4,
        ScrapeProtocol::PrometheusText1_0_0,
    ];

    /// Upstream's default `scrape_protocols` (native histograms off).
    pub const DEFAULT: [ScrapeProtocol; 4] = [
        ScrapeProtocol::OpenMetricsText1_0_0,
        ScrapeProtocol::OpenMetricsText0_0_1,
        ScrapeProtocol::PrometheusText1_0_0,
        ScrapeProtocol::PrometheusText0_0_4,
    ];

    /// The default when the job scrapes native histograms: protobuf first.
    pub const DEFAULT_PROTO_FIRST: [ScrapeProtocol; 5] = [
        ScrapeProtocol::PrometheusProto,
        ScrapeProtocol::OpenMetricsText1_0_0,
        ScrapeProtocol::OpenMetricsText0_0_1,
        ScrapeProtocol::PrometheusText1_0_0,
        ScrapeProtocol::PrometheusText0_0_4,
    ];

    /// The config spelling (`OpenMetricsText1.0.0`).
    pub fn name(self) -> &'static str {
        match self {
            ScrapeProtocol::PrometheusProto => "PrometheusProto",
            ScrapeProtocol::OpenMetricsText0_0_1 => "OpenMetricsText0.0.1",
            ScrapeProtocol::OpenMetricsText1_0_0 => "OpenMetricsText1.0.0",
            ScrapeProtocol::PrometheusText0_0_4 => "PrometheusText0.0.4",
            ScrapeProtocol::PrometheusText1_0_0 => "PrometheusText1.0.0",
        }
    }

    /// The protocol of a config spelling (case-sensitive, as upstream).
    pub fn from_name(name: &str) -> Option<ScrapeProtocol> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The media type with parameters, as it goes into the `Accept` header.
    pub fn header(self) -> &'static str {
        match self {
            ScrapeProtocol::PrometheusProto => {
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
            }
            ScrapeProtocol::OpenMetricsText0_0_1 => "application/openmetrics-text;version=0.0.1",
            ScrapeProtocol::OpenMetricsText1_0_0 => "application/openmetrics-text;version=1.0.0",
            ScrapeProtocol::PrometheusText0_0_4 => "text/plain;version=0.0.4",
            ScrapeProtocol::PrometheusText1_0_0 => "text/plain;version=1.0.0",
        }
    }

    /// The bare media type (`text/plain`), for matching a response's `Content-Type`.
    pub fn media_type(self) -> &'static str {
        let h = self.header();
        h.split(';').next().unwrap_or(h)
    }
}

impl std::fmt::Display for ScrapeProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
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
    /// Default from global.
    pub scrape_native_histograms: bool,
    /// Default from global.
    pub always_scrape_classic_histograms: bool,
    /// Default from global.
    pub convert_classic_histograms_to_nhcb: bool,
    /// Default from global.
    pub extra_scrape_metrics: bool,
    /// Default from global; absolute.
    pub scrape_failure_log_file: String,
    /// `utf8` or `legacy`; default from global.
    pub metric_name_validation_scheme: String,
    /// `allow-utf-8`, `underscores`, `dots` or `values`; derived as upstream when unset.
    pub metric_name_escaping_scheme: String,
    /// 0 = no limit.
    pub native_histogram_bucket_limit: u64,
    pub native_histogram_min_bucket_factor: f64,
}

impl ScrapeConfig {
    /// Whether a reload must restart this job's scrape loops: any setting differs. (Service
    /// discovery differences alone only change the targets; see [`ScrapeConfig::same_scraping`].)
    pub fn changed(&self, other: &ScrapeConfig) -> bool {
        self != other
    }

    /// Whether everything but service discovery is equal: the scrape loops can stay, only
    /// the target set is re-derived.
    pub fn same_scraping(&self, other: &ScrapeConfig) -> bool {
        let mut a = self.clone();
        a.service_discovery.clone_from(&other.service_discovery);
        a == *other
    }
}

/// One service-discovery mechanism of a job (or of an Alertmanager set).
// Few of these exist (one per SD block of a config); boxing would only make matching clumsier.
#[allow(clippy::large_enum_variant)]
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
    pub round_robin_dns: bool,
    /// Log the failed requests of remote write 2.0 (debugging aid).
    pub failed_request_logging: bool,
    /// `prometheus.WriteRequest` (default, remote write 1.0) or `io.prometheus.write.v2.Request`.
    pub protobuf_message: String,
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
    /// Default 2000.
    pub max_samples_per_send: usize,
}

/// `storage:`.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageConfig {
    pub tsdb: TsdbConfig,
    /// `exemplars.max_exemplars`: default 100000; 0 or less disables exemplar storage.
    pub max_exemplars: i64,
}

/// `storage.tsdb`: the settings a reload may change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TsdbConfig {
    /// How far back an out-of-order sample is accepted; 0 (default) rejects them.
    pub out_of_order_time_window: Duration,
    /// 0.0..=1.0; 0 = off.
    pub stale_series_compaction_threshold: f64,
    /// `chunk_encoding.floats`: `""` (default), `xor` or `xor2`.
    pub chunk_encoding_floats: String,
    /// `retention.time`: overrides `--storage.tsdb.retention.time` when set.
    pub retention_time: Option<Duration>,
    /// `retention.size` in bytes; 0 = unset.
    pub retention_size: u64,
    /// `retention.percentage` of the disk; 0 = unset.
    pub retention_percentage: f64,
}

/// `tracing:`.
#[derive(Debug, Clone, PartialEq)]
pub struct TracingConfig {
    /// `grpc` (default) or `http`.
    pub client_type: String,
    pub endpoint: String,
    pub sampling_fraction: f64,
    pub insecure: bool,
    pub tls_config: httpclient::config::TlsConfig,
    pub headers: BTreeMap<String, String>,
    /// `""` or `gzip`.
    pub compression: String,
    pub timeout: Duration,
}

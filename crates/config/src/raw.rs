//! The file as written: strict serde structs (unknown keys are errors, at their position),
//! with `Spanned` where a later check needs to point at a node. The loader turns these into
//! the public types of [`crate::types`].

use crate::de::{ByteSize, Str, null_default, string_map};
use httpclient::config::{Authorization, BasicAuth, Header, OAuth2, TlsConfig};
use httpclient::{HttpClientConfig, Secret};
use model::duration::Duration;
use model::relabel::RelabelConfig;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::BTreeMap;

/// An optional node that may also be written as a YAML null.
pub(crate) type Nullable<T> = Option<Spanned<Option<T>>>;

/// A list entry that may be null (upstream then says `empty or null ...`).
pub(crate) type Entry<T> = Spanned<Option<T>>;

/// Declares a struct with the fields Prometheus inlines from `http_config` (the YAML has
/// them beside the struct's own keys) and a method that collects them.
///
/// `unsupported [..]` adds the service-discovery blocks upstream has and klaxon does not
/// (yet): they parse, so the loader can say so at their position instead of calling them
/// unknown fields.
macro_rules! with_http_config {
    ($(#[$m:meta])* struct $name:ident { $($body:tt)* } $(unsupported [$($sd:ident),* $(,)?])?) => {
        $(#[$m])*
        #[derive(Debug, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $name {
            $($body)*
            #[serde(default)]
            pub(crate) basic_auth: Option<BasicAuth>,
            #[serde(default)]
            pub(crate) authorization: Option<Authorization>,
            #[serde(default)]
            pub(crate) oauth2: Option<OAuth2>,
            #[serde(default)]
            pub(crate) bearer_token: Secret,
            #[serde(default, deserialize_with = "null_default")]
            pub(crate) bearer_token_file: String,
            #[serde(default, deserialize_with = "null_default")]
            pub(crate) tls_config: TlsConfig,
            #[serde(default)]
            pub(crate) follow_redirects: Option<bool>,
            #[serde(default)]
            pub(crate) enable_http2: Option<bool>,
            #[serde(default, deserialize_with = "null_default")]
            pub(crate) proxy_url: String,
            #[serde(default, deserialize_with = "null_default")]
            pub(crate) no_proxy: String,
            #[serde(default)]
            pub(crate) proxy_from_environment: bool,
            #[serde(default, deserialize_with = "null_default")]
            pub(crate) proxy_connect_header: BTreeMap<String, Vec<Secret>>,
            #[serde(default)]
            pub(crate) http_headers: Option<BTreeMap<String, Header>>,
            $($(
                #[serde(default)]
                pub(crate) $sd: Option<Spanned<serde_json::Value>>,
            )*)?
        }

        impl $name {
            /// The inlined `http_config` (not yet validated); `enable_http2` defaults to
            /// `http2_default` (remote write turns it off, as upstream).
            pub(crate) fn take_http_config(&mut self, http2_default: bool) -> HttpClientConfig {
                HttpClientConfig {
                    basic_auth: self.basic_auth.take(),
                    authorization: self.authorization.take(),
                    oauth2: self.oauth2.take(),
                    bearer_token: std::mem::take(&mut self.bearer_token),
                    bearer_token_file: std::mem::take(&mut self.bearer_token_file),
                    tls_config: std::mem::take(&mut self.tls_config),
                    follow_redirects: self.follow_redirects.unwrap_or(true),
                    enable_http2: self.enable_http2.unwrap_or(http2_default),
                    proxy_url: std::mem::take(&mut self.proxy_url),
                    no_proxy: std::mem::take(&mut self.no_proxy),
                    proxy_from_environment: self.proxy_from_environment,
                    proxy_connect_header: std::mem::take(&mut self.proxy_connect_header),
                    http_headers: self.http_headers.take(),
                }
            }

            $(
                /// The first service-discovery block klaxon does not support, if any.
                pub(crate) fn unsupported_sd(&self) -> Option<(&'static str, serde_saphyr::Location)> {
                    $(
                        if let Some(v) = &self.$sd {
                            return Some((stringify!($sd), v.referenced));
                        }
                    )*
                    None
                }
            )?
        }
    };
}

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub(crate) global: Nullable<RawGlobal>,
    #[serde(default)]
    pub(crate) runtime: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) alerting: Nullable<RawAlerting>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) rule_files: Vec<Spanned<Str>>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) scrape_config_files: Vec<Spanned<Str>>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) scrape_configs: Vec<Entry<RawScrape>>,
    #[serde(default)]
    pub(crate) storage: Nullable<RawStorage>,
    #[serde(default)]
    pub(crate) tracing: Nullable<RawTracing>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) remote_write: Vec<Entry<RawRemoteWrite>>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) remote_read: Vec<Entry<BTreeMap<String, serde_json::Value>>>,
    #[serde(default)]
    pub(crate) otlp: Option<serde_json::Value>,
    /// klaxon's own section (`log_metrics`); upstream rejects the key.
    #[serde(default)]
    pub(crate) klaxon: Nullable<crate::log_metrics::RawKlaxon>,
}

/// A file named by `scrape_config_files`: only `scrape_configs`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScrapeConfigFile {
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) scrape_configs: Vec<Entry<RawScrape>>,
}

/// `global:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawGlobal {
    #[serde(default)]
    pub(crate) scrape_interval: Option<Duration>,
    #[serde(default)]
    pub(crate) scrape_timeout: Option<Spanned<Duration>>,
    #[serde(default)]
    pub(crate) scrape_protocols: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub(crate) evaluation_interval: Option<Duration>,
    #[serde(default)]
    pub(crate) rule_query_offset: Option<Duration>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) query_log_file: String,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) scrape_failure_log_file: String,
    #[serde(default)]
    pub(crate) external_labels: Option<Spanned<BTreeMap<String, Option<String>>>>,
    #[serde(default)]
    pub(crate) body_size_limit: Option<ByteSize>,
    #[serde(default)]
    pub(crate) sample_limit: Option<u64>,
    #[serde(default)]
    pub(crate) target_limit: Option<u64>,
    #[serde(default)]
    pub(crate) label_limit: Option<u64>,
    #[serde(default)]
    pub(crate) label_name_length_limit: Option<u64>,
    #[serde(default)]
    pub(crate) label_value_length_limit: Option<u64>,
    #[serde(default)]
    pub(crate) keep_dropped_targets: Option<u64>,
    #[serde(default)]
    pub(crate) metric_name_validation_scheme: Option<Spanned<Str>>,
    #[serde(default)]
    pub(crate) metric_name_escaping_scheme: Option<Spanned<Str>>,
    #[serde(default)]
    pub(crate) scrape_native_histograms: Option<bool>,
    #[serde(default)]
    pub(crate) convert_classic_histograms_to_nhcb: Option<bool>,
    #[serde(default)]
    pub(crate) always_scrape_classic_histograms: Option<bool>,
    #[serde(default)]
    pub(crate) extra_scrape_metrics: Option<bool>,
}

with_http_config! {
    /// One `scrape_configs` entry.
    struct RawScrape {
        #[serde(default)]
        pub(crate) job_name: Option<Spanned<Str>>,
        #[serde(default)]
        pub(crate) honor_labels: Option<bool>,
        #[serde(default)]
        pub(crate) honor_timestamps: Option<bool>,
        #[serde(default)]
        pub(crate) track_timestamps_staleness: Option<bool>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) params: BTreeMap<String, Vec<String>>,
        #[serde(default)]
        pub(crate) scrape_interval: Option<Duration>,
        #[serde(default)]
        pub(crate) scrape_timeout: Option<Spanned<Duration>>,
        #[serde(default)]
        pub(crate) scrape_protocols: Option<Spanned<Vec<String>>>,
        #[serde(default)]
        pub(crate) fallback_scrape_protocol: Option<Spanned<Str>>,
        #[serde(default)]
        pub(crate) scrape_native_histograms: Option<bool>,
        /// Prometheus 2.x called it `scrape_classic_histograms`.
        #[serde(default, alias = "scrape_classic_histograms")]
        pub(crate) always_scrape_classic_histograms: Option<bool>,
        #[serde(default)]
        pub(crate) convert_classic_histograms_to_nhcb: Option<bool>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) scrape_failure_log_file: String,
        #[serde(default)]
        pub(crate) metrics_path: Option<Str>,
        #[serde(default)]
        pub(crate) scheme: Option<Spanned<Str>>,
        #[serde(default)]
        pub(crate) enable_compression: Option<bool>,
        #[serde(default)]
        pub(crate) body_size_limit: Option<ByteSize>,
        #[serde(default)]
        pub(crate) sample_limit: Option<u64>,
        #[serde(default)]
        pub(crate) target_limit: Option<u64>,
        #[serde(default)]
        pub(crate) label_limit: Option<u64>,
        #[serde(default)]
        pub(crate) label_name_length_limit: Option<u64>,
        #[serde(default)]
        pub(crate) label_value_length_limit: Option<u64>,
        #[serde(default)]
        pub(crate) native_histogram_bucket_limit: Option<u64>,
        #[serde(default)]
        pub(crate) native_histogram_min_bucket_factor: Option<f64>,
        #[serde(default)]
        pub(crate) keep_dropped_targets: Option<u64>,
        #[serde(default)]
        pub(crate) metric_name_validation_scheme: Option<Spanned<Str>>,
        #[serde(default)]
        pub(crate) metric_name_escaping_scheme: Option<Spanned<Str>>,
        #[serde(default)]
        pub(crate) extra_scrape_metrics: Option<bool>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) relabel_configs: Vec<Entry<RelabelConfig>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) metric_relabel_configs: Vec<Entry<RelabelConfig>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) static_configs: Vec<Entry<RawTargetGroup>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) file_sd_configs: Vec<Entry<RawFileSd>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) http_sd_configs: Vec<Entry<RawHttpSd>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) dns_sd_configs: Vec<Entry<RawDnsSd>>,
    }
    unsupported [
        aws_sd_configs, azure_sd_configs, consul_sd_configs, digitalocean_sd_configs,
        docker_sd_configs, dockerswarm_sd_configs, ec2_sd_configs, ecs_sd_configs,
        elasticache_sd_configs, eureka_sd_configs, gce_sd_configs, hetzner_sd_configs,
        ionos_sd_configs, kubernetes_sd_configs, kuma_sd_configs, lightsail_sd_configs,
        linode_sd_configs, marathon_sd_configs, msk_sd_configs, nerve_sd_configs,
        nomad_sd_configs, oci_sd_configs, openstack_sd_configs, outscale_sd_configs,
        ovhcloud_sd_configs, puppetdb_sd_configs, rds_sd_configs, scaleway_sd_configs,
        serverset_sd_configs, stackit_sd_configs, triton_sd_configs, uyuni_sd_configs,
        vultr_sd_configs,
    ]
}

/// A `static_configs` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTargetGroup {
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) targets: Vec<Spanned<Str>>,
    #[serde(default, deserialize_with = "string_map")]
    pub(crate) labels: BTreeMap<String, String>,
}

/// A `file_sd_configs` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFileSd {
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) files: Vec<Str>,
    #[serde(default)]
    pub(crate) refresh_interval: Option<Duration>,
}

with_http_config! {
    /// An `http_sd_configs` entry.
    struct RawHttpSd {
        #[serde(default)]
        pub(crate) url: Option<Str>,
        #[serde(default)]
        pub(crate) refresh_interval: Option<Duration>,
    }
}

/// A `dns_sd_configs` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDnsSd {
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) names: Vec<String>,
    #[serde(default)]
    pub(crate) refresh_interval: Option<Duration>,
    #[serde(rename = "type", default)]
    pub(crate) kind: Option<Str>,
    #[serde(default)]
    pub(crate) port: Option<i64>,
}

/// `alerting:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAlerting {
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) alert_relabel_configs: Vec<Entry<RelabelConfig>>,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) alertmanagers: Vec<Entry<RawAlertmanager>>,
}

with_http_config! {
    /// One `alerting.alertmanagers` entry.
    struct RawAlertmanager {
        #[serde(default)]
        pub(crate) sigv4: Option<Spanned<serde_json::Value>>,
        #[serde(default)]
        pub(crate) scheme: Option<Spanned<Str>>,
        #[serde(default)]
        pub(crate) path_prefix: Option<Str>,
        #[serde(default)]
        pub(crate) timeout: Option<Duration>,
        #[serde(default)]
        pub(crate) api_version: Option<Spanned<Str>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) relabel_configs: Vec<Entry<RelabelConfig>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) alert_relabel_configs: Vec<Entry<RelabelConfig>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) static_configs: Vec<Entry<RawTargetGroup>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) file_sd_configs: Vec<Entry<RawFileSd>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) http_sd_configs: Vec<Entry<RawHttpSd>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) dns_sd_configs: Vec<Entry<RawDnsSd>>,
    }
    unsupported [
        aws_sd_configs, azure_sd_configs, consul_sd_configs, digitalocean_sd_configs,
        docker_sd_configs, dockerswarm_sd_configs, ec2_sd_configs, ecs_sd_configs,
        elasticache_sd_configs, eureka_sd_configs, gce_sd_configs, hetzner_sd_configs,
        ionos_sd_configs, kubernetes_sd_configs, kuma_sd_configs, lightsail_sd_configs,
        linode_sd_configs, marathon_sd_configs, msk_sd_configs, nerve_sd_configs,
        nomad_sd_configs, oci_sd_configs, openstack_sd_configs, outscale_sd_configs,
        ovhcloud_sd_configs, puppetdb_sd_configs, rds_sd_configs, scaleway_sd_configs,
        serverset_sd_configs, stackit_sd_configs, triton_sd_configs, uyuni_sd_configs,
        vultr_sd_configs,
    ]
}

with_http_config! {
    /// One `remote_write` entry.
    struct RawRemoteWrite {
        #[serde(default)]
        pub(crate) url: Option<Spanned<Str>>,
        #[serde(default)]
        pub(crate) remote_timeout: Option<Duration>,
        #[serde(default)]
        pub(crate) headers: Option<Spanned<BTreeMap<String, String>>>,
        #[serde(default, deserialize_with = "null_default")]
        pub(crate) write_relabel_configs: Vec<Entry<RelabelConfig>>,
        #[serde(default)]
        pub(crate) name: Option<Spanned<Str>>,
        #[serde(default)]
        pub(crate) send_exemplars: bool,
        #[serde(default)]
        pub(crate) send_native_histograms: bool,
        #[serde(default)]
        pub(crate) round_robin_dns: bool,
        #[serde(default)]
        pub(crate) protobuf_message: Option<Spanned<Str>>,
        #[serde(default)]
        pub(crate) failed_request_logging: bool,
        #[serde(default)]
        pub(crate) queue_config: Option<Spanned<RawQueue>>,
        #[serde(default)]
        pub(crate) metadata_config: Option<RawMetadata>,
        #[serde(default)]
        pub(crate) sigv4: Option<Spanned<serde_json::Value>>,
        #[serde(default)]
        pub(crate) azuread: Option<Spanned<serde_json::Value>>,
        #[serde(default)]
        pub(crate) google_iam: Option<Spanned<serde_json::Value>>,
    }
}

/// `queue_config`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawQueue {
    #[serde(default)]
    pub(crate) capacity: Option<i64>,
    #[serde(default)]
    pub(crate) max_shards: Option<i64>,
    #[serde(default)]
    pub(crate) min_shards: Option<i64>,
    #[serde(default)]
    pub(crate) max_samples_per_send: Option<i64>,
    #[serde(default)]
    pub(crate) batch_send_deadline: Option<Duration>,
    #[serde(default)]
    pub(crate) min_backoff: Option<Duration>,
    #[serde(default)]
    pub(crate) max_backoff: Option<Duration>,
    #[serde(default)]
    pub(crate) retry_on_http_429: bool,
    #[serde(default)]
    pub(crate) sample_age_limit: Option<Duration>,
}

/// `metadata_config`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMetadata {
    #[serde(default)]
    pub(crate) send: Option<bool>,
    #[serde(default)]
    pub(crate) send_interval: Option<Duration>,
    #[serde(default)]
    pub(crate) max_samples_per_send: Option<i64>,
}

/// `storage:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStorage {
    #[serde(default)]
    pub(crate) tsdb: Nullable<RawTsdb>,
    #[serde(default)]
    pub(crate) exemplars: Option<RawExemplars>,
}

/// `storage.tsdb`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTsdb {
    #[serde(default)]
    pub(crate) out_of_order_time_window: Option<Duration>,
    #[serde(default)]
    pub(crate) stale_series_compaction_threshold: Option<f64>,
    #[serde(default)]
    pub(crate) chunk_encoding: Option<RawChunkEncoding>,
    #[serde(default)]
    pub(crate) retention: Nullable<RawRetention>,
}

/// `storage.tsdb.chunk_encoding`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChunkEncoding {
    #[serde(default)]
    pub(crate) floats: Option<Spanned<Str>>,
}

/// `storage.tsdb.retention`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRetention {
    #[serde(default)]
    pub(crate) time: Option<Duration>,
    #[serde(default)]
    pub(crate) size: Option<Spanned<ByteSize>>,
    #[serde(default)]
    pub(crate) percentage: Option<Spanned<f64>>,
}

/// `storage.exemplars`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExemplars {
    #[serde(default)]
    pub(crate) max_exemplars: Option<i64>,
}

/// `tracing:`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTracing {
    #[serde(default)]
    pub(crate) client_type: Option<Spanned<Str>>,
    #[serde(default)]
    pub(crate) endpoint: Option<Str>,
    #[serde(default)]
    pub(crate) sampling_fraction: Option<f64>,
    #[serde(default)]
    pub(crate) insecure: bool,
    #[serde(default, deserialize_with = "null_default")]
    pub(crate) tls_config: TlsConfig,
    #[serde(default)]
    pub(crate) headers: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    pub(crate) compression: Option<Spanned<Str>>,
    #[serde(default)]
    pub(crate) timeout: Option<Duration>,
}

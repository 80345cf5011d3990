//! The command tree. Flags keep upstream's names (`--config.file`, `--web.listen-address`, ...)
//! so that existing systemd units, Helm charts and scripts work unchanged; in `klaxon run`, which
//! hosts both servers, Alertmanager's flags take the prefix `alertmanager.`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use model::duration::GoDuration;

/// klaxon: scrape, store, evaluate rules and deliver alerts — Prometheus and Alertmanager in one
/// binary, reading their config files unchanged.
#[derive(Debug, Parser)]
#[command(name = "klaxon", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The whole pipeline in one process: scrape, store, rules, and the embedded Alertmanager.
    Run(Box<RunArgs>),
    /// Alertmanager alone: a drop-in for the `alertmanager` binary.
    Alertmanager(Box<AlertmanagerArgs>),
    /// Validate configuration, rule and template files (errors name file:line:col).
    #[command(subcommand)]
    Check(CheckCommand),
    /// Unit-test rules.
    #[command(subcommand)]
    Test(TestCommand),
    /// Query a Prometheus-compatible server (what `promtool query` does).
    #[command(subcommand)]
    Query(QueryCommand),
    /// Manage silences on an Alertmanager-compatible server (what `amtool silence` does).
    #[command(subcommand)]
    Silence(SilenceCommand),
    /// List or post alerts on an Alertmanager-compatible server (what `amtool alert` does).
    #[command(subcommand)]
    Alert(AlertCommand),
    /// Show the routing tree or test which receivers labels reach (what `amtool config routes` does).
    #[command(subcommand)]
    Routes(RoutesCommand),
    /// Render notification templates against sample data.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// TSDB tools: import history.
    #[command(subcommand)]
    Tsdb(TsdbCommand),
    /// Rule tools: replay rule files over stored history.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// The quickstart's stand-ins: a small site with traffic that fails for a while (written
    /// as an nginx access log) and a local Slack webhook that prints what Slack would show.
    Demo(DemoArgs),
}

impl Command {
    /// The command's name as typed, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Run(_) => "run",
            Command::Alertmanager(_) => "alertmanager",
            Command::Check(c) => match c {
                CheckCommand::Config { .. } => "check config",
                CheckCommand::Rules { .. } => "check rules",
                CheckCommand::Alertmanager { .. } => "check alertmanager",
                CheckCommand::Templates { .. } => "check templates",
            },
            Command::Test(TestCommand::Rules { .. }) => "test rules",
            Command::Test(TestCommand::Promql { .. }) => "test promql",
            Command::Query(c) => match c {
                QueryCommand::Instant { .. } => "query instant",
                QueryCommand::Range { .. } => "query range",
                QueryCommand::Series { .. } => "query series",
                QueryCommand::Labels { .. } => "query labels",
            },
            Command::Silence(c) => match c {
                SilenceCommand::Add { .. } => "silence add",
                SilenceCommand::Query { .. } => "silence query",
                SilenceCommand::Expire { .. } => "silence expire",
                SilenceCommand::Update { .. } => "silence update",
                SilenceCommand::Import { .. } => "silence import",
            },
            Command::Alert(c) => match c {
                AlertCommand::Query { .. } => "alert query",
                AlertCommand::Add { .. } => "alert add",
            },
            Command::Routes(c) => match c {
                RoutesCommand::Show { .. } => "routes show",
                RoutesCommand::Test { .. } => "routes test",
            },
            Command::Template(TemplateCommand::Render(_)) => "template render",
            Command::Tsdb(TsdbCommand::Import(ImportCommand::Openmetrics { .. })) => {
                "tsdb import openmetrics"
            }
            Command::Rules(RulesCommand::Backtest(_)) => "rules backtest",
            Command::Demo(_) => "demo",
        }
    }
}

/// Logging flags shared by the servers (Prometheus' and Alertmanager's names and defaults).
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only log messages with the given severity or above: debug, info, warn, error.
    #[arg(long = "log.level", default_value = "info")]
    pub level: String,
    /// Output format of log messages: logfmt or json.
    #[arg(long = "log.format", default_value = "logfmt")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Prometheus configuration file.
    #[arg(long = "config.file", default_value = "prometheus.yml")]
    pub config_file: PathBuf,
    /// Address to listen on for the Prometheus API and UI.
    #[arg(long = "web.listen-address", default_value = "0.0.0.0:9090")]
    pub web_listen_address: String,
    /// Base path for metrics storage.
    #[arg(long = "storage.tsdb.path", default_value = "data/")]
    pub storage_tsdb_path: PathBuf,
    /// How long to retain samples in storage (Prometheus duration). Default 15d, or no time
    /// limit when only `--storage.tsdb.retention.size` is set.
    #[arg(long = "storage.tsdb.retention.time")]
    pub storage_tsdb_retention_time: Option<String>,
    /// Maximum bytes of storage blocks (and WAL) to keep, e.g. `512MB`; oldest blocks go first.
    /// 0: no size limit.
    #[arg(long = "storage.tsdb.retention.size", default_value = "0")]
    pub storage_tsdb_retention_size: String,
    /// Time range of the blocks cut from the head (upstream's hidden flag; for tests and
    /// benchmarks).
    #[arg(long = "storage.tsdb.min-block-duration", default_value = "2h", hide = true)]
    pub storage_tsdb_min_block_duration: model::duration::Duration,
    /// Accepted for compatibility; compacted block ranges follow the retention (upstream's
    /// default rule: a tenth of it, at most 31d).
    #[arg(long = "storage.tsdb.max-block-duration", hide = true)]
    pub storage_tsdb_max_block_duration: Option<model::duration::Duration>,
    /// Enable shutdown and reload via HTTP request (`/-/quit`, `/-/reload`).
    #[arg(long = "web.enable-lifecycle")]
    pub web_enable_lifecycle: bool,
    /// Accept remote-write requests on `/api/v1/write`.
    #[arg(long = "web.enable-remote-write-receiver")]
    pub web_enable_remote_write_receiver: bool,
    /// Alertmanager configuration file for the embedded Alertmanager (none: rules' alerts go only
    /// to `alerting.alertmanagers`).
    #[arg(long = "alertmanager.config.file")]
    pub alertmanager_config_file: Option<PathBuf>,
    /// Address to listen on for the embedded Alertmanager's API and UI.
    #[arg(long = "alertmanager.web.listen-address", default_value = ":9093")]
    pub alertmanager_web_listen_address: String,
    /// Base path for the embedded Alertmanager's data (default: <storage.tsdb.path>/alertmanager).
    #[arg(long = "alertmanager.storage.path")]
    pub alertmanager_storage_path: Option<PathBuf>,
    /// The maximum lookback duration for retrieving metrics during expression evaluations.
    #[arg(long = "query.lookback-delta", default_value = "5m")]
    pub query_lookback_delta: model::duration::Duration,
    /// Maximum time a query may take before being aborted.
    #[arg(long = "query.timeout", default_value = "2m")]
    pub query_timeout: model::duration::Duration,
    /// Maximum number of queries executed concurrently.
    #[arg(long = "query.max-concurrency", default_value_t = 20)]
    pub query_max_concurrency: usize,
    /// Maximum number of samples a single query can load into memory.
    #[arg(long = "query.max-samples", default_value_t = 50_000_000)]
    pub query_max_samples: usize,
    /// Comma-separated feature names to enable: promql-experimental-functions,
    /// promql-delayed-name-removal.
    #[arg(long = "enable-feature", value_delimiter = ',')]
    pub enable_feature: Vec<String>,
    /// The URL under which Prometheus is reached from outside (alerts' generator URLs,
    /// `$externalURL` in templates). Default: http://<hostname>:<port of --web.listen-address>.
    #[arg(long = "web.external-url", default_value = "")]
    pub web_external_url: String,
    /// The URL under which the embedded Alertmanager is reached from outside (links in
    /// notifications). Default: http://<hostname>:<port of --alertmanager.web.listen-address>.
    #[arg(long = "alertmanager.web.external-url", default_value = "")]
    pub alertmanager_web_external_url: String,
    /// Max time to tolerate a Prometheus outage for restoring "for" state of alerts.
    #[arg(long = "rules.alert.for-outage-tolerance", default_value = "1h")]
    pub rules_alert_for_outage_tolerance: model::duration::Duration,
    /// Minimum duration between an alert and its restored "for" state (only for alerts with
    /// a `for` longer than this).
    #[arg(long = "rules.alert.for-grace-period", default_value = "10m")]
    pub rules_alert_for_grace_period: model::duration::Duration,
    /// Minimum amount of time to wait before resending an alert to Alertmanager.
    #[arg(long = "rules.alert.resend-delay", default_value = "1m")]
    pub rules_alert_resend_delay: model::duration::Duration,
    /// The capacity of the queue for pending Alertmanager notifications.
    #[arg(long = "alertmanager.notification-queue-capacity", default_value_t = 10_000)]
    pub alertmanager_notification_queue_capacity: usize,
    #[command(flatten)]
    pub alertmanager_cluster: RunClusterArgs,
    /// Evaluate the rules against this Prometheus-compatible query API (Prometheus, Mimir,
    /// Thanos, VictoriaMetrics; `/api/v1/query` is added) instead of the local store.
    #[arg(long = "rules.datasource.url")]
    pub rules_datasource_url: Option<String>,
    /// File with the bearer token for `--rules.datasource.url` (read at every request).
    #[arg(long = "rules.datasource.bearer-token-file")]
    pub rules_datasource_bearer_token_file: Option<PathBuf>,
    /// Basic-auth user name for `--rules.datasource.url`.
    #[arg(long = "rules.datasource.basic-auth.username")]
    pub rules_datasource_basic_auth_username: Option<String>,
    /// File with the basic-auth password for `--rules.datasource.url`.
    #[arg(long = "rules.datasource.basic-auth.password-file")]
    pub rules_datasource_basic_auth_password_file: Option<PathBuf>,
    /// Timeout of one datasource query (default 30s).
    #[arg(long = "rules.datasource.timeout")]
    pub rules_datasource_timeout: Option<model::duration::Duration>,
    /// With `--rules.datasource.url`: remote-write recording results and `ALERTS` here (with
    /// the datasource's credentials) instead of into the local store.
    #[arg(long = "rules.remote-write.url")]
    pub rules_remote_write_url: Option<String>,
    #[command(flatten)]
    pub log: LogArgs,
}

/// `klaxon run`'s `--alertmanager.cluster.*`: the embedded Alertmanager's HA flags, named and
/// defaulted as `klaxon alertmanager`'s `--cluster.*`, except that clustering is off unless
/// `--alertmanager.cluster.listen-address` is given.
#[derive(Debug, Args)]
pub struct RunClusterArgs {
    /// Listen address for the embedded Alertmanager's cluster (empty: no HA).
    #[arg(long = "alertmanager.cluster.listen-address", default_value = "")]
    pub listen_address: String,
    /// Explicit address to advertise in cluster.
    #[arg(long = "alertmanager.cluster.advertise-address", default_value = "")]
    pub advertise_address: String,
    /// Explicit name of the peer, rather than generating a random one.
    #[arg(long = "alertmanager.cluster.peer-name", default_value = "")]
    pub peer_name: String,
    /// Initial peers (repeat the flag for each additional peer).
    #[arg(long = "alertmanager.cluster.peer")]
    pub peer: Vec<String>,
    /// Time to wait between peers to send notifications.
    #[arg(long = "alertmanager.cluster.peer-timeout", default_value = "15s")]
    pub peer_timeout: GoDuration,
    /// Time to resolve peers.
    #[arg(long = "alertmanager.cluster.peers-resolve-timeout", default_value = "15s")]
    pub peers_resolve_timeout: GoDuration,
    /// Interval between sending gossip messages.
    #[arg(long = "alertmanager.cluster.gossip-interval", default_value = "200ms")]
    pub gossip_interval: GoDuration,
    /// Interval for gossip state syncs.
    #[arg(long = "alertmanager.cluster.pushpull-interval", default_value = "1m0s")]
    pub pushpull_interval: GoDuration,
    /// Timeout for establishing a stream connection with a remote node.
    #[arg(long = "alertmanager.cluster.tcp-timeout", default_value = "10s")]
    pub tcp_timeout: GoDuration,
    /// Timeout to wait for an ack from a probed node before assuming it is unhealthy.
    #[arg(long = "alertmanager.cluster.probe-timeout", default_value = "500ms")]
    pub probe_timeout: GoDuration,
    /// Interval between random node probes.
    #[arg(long = "alertmanager.cluster.probe-interval", default_value = "1s")]
    pub probe_interval: GoDuration,
    /// Maximum time to wait for cluster connections to settle before evaluating notifications
    /// (default: the push-pull interval).
    #[arg(long = "alertmanager.cluster.settle-timeout")]
    pub settle_timeout: Option<GoDuration>,
    /// Interval between attempting to reconnect to lost peers.
    #[arg(long = "alertmanager.cluster.reconnect-interval", default_value = "10s")]
    pub reconnect_interval: GoDuration,
    /// Length of time to attempt to reconnect to a lost peer.
    #[arg(long = "alertmanager.cluster.reconnect-timeout", default_value = "6h0m0s")]
    pub reconnect_timeout: GoDuration,
    /// Path to a config file enabling mutual TLS within the gossip protocol (experimental).
    #[arg(long = "alertmanager.cluster.tls-config", default_value = "")]
    pub tls_config: String,
    /// Allow discovering and listening on a public IP address (experimental).
    #[arg(long = "alertmanager.cluster.allow-insecure-public-advertise-address-discovery")]
    pub allow_insecure_public_advertise_address_discovery: bool,
    /// A label included on each cluster packet and stream, to keep clusters apart.
    #[arg(long = "alertmanager.cluster.label", default_value = "")]
    pub label: String,
}

/// `klaxon alertmanager`: every flag of the `alertmanager` binary, with its name and default.
/// Durations are Go durations (`120h`, `1m30s`), as upstream parses them.
#[derive(Debug, Args)]
pub struct AlertmanagerArgs {
    /// Alertmanager configuration file name.
    #[arg(long = "config.file", default_value = "alertmanager.yml")]
    pub config_file: PathBuf,
    /// Base path for data storage (silences, notification log, alerts); created if missing.
    #[arg(long = "storage.path", default_value = "data/")]
    pub storage_path: PathBuf,
    /// How long to keep data for.
    #[arg(long = "data.retention", default_value = "120h")]
    pub data_retention: GoDuration,
    /// Interval between garbage collection and snapshotting to disk of the silences and the
    /// notification logs.
    #[arg(long = "data.maintenance-interval", default_value = "15m")]
    pub data_maintenance_interval: GoDuration,
    /// Maximum number of silences, including expired silences (0 or less: no limit).
    #[arg(long = "silences.max-silences", default_value_t = 0, allow_hyphen_values = true)]
    pub silences_max_silences: i64,
    /// Maximum silence size in bytes (0 or less: no limit).
    #[arg(
        long = "silences.max-silence-size-bytes",
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    pub silences_max_silence_size_bytes: i64,
    /// Log every silence state change.
    #[arg(long = "log.silences")]
    pub log_silences: bool,
    /// Interval between alert GC.
    #[arg(long = "alerts.gc-interval", default_value = "30m")]
    pub alerts_gc_interval: GoDuration,
    /// Maximum number of alerts per alertname (0 or less: no limit).
    #[arg(long = "alerts.per-alertname-limit", default_value_t = 0, allow_hyphen_values = true)]
    pub alerts_per_alertname_limit: i64,
    /// Interval between maintenance of aggregation groups in the dispatcher.
    #[arg(long = "dispatch.maintenance-interval", default_value = "30s")]
    pub dispatch_maintenance_interval: GoDuration,
    /// Minimum time to wait before dispatching alerts (keep in step with Prometheus'
    /// `--rules.alert.resend-delay`).
    #[arg(long = "dispatch.start-delay", default_value = "0s")]
    pub dispatch_start_delay: GoDuration,
    /// How long one notification (all retries of one flush to one integration) may take. 0
    /// keeps upstream's deadline, max(group_interval, 10s), which cancels slow receivers on
    /// routes with short group intervals. klaxon only; Alertmanager has no such flag.
    #[arg(long = "dispatch.notify-timeout", default_value = "0s")]
    pub dispatch_notify_timeout: GoDuration,
    /// Addresses to listen on for the web interface and API (repeatable; `:9093` = all
    /// interfaces, port 0 = any free port).
    #[arg(long = "web.listen-address", default_value = ":9093")]
    pub web_listen_address: Vec<String>,
    /// Web configuration file (TLS, basic auth) in the exporter-toolkit format.
    #[arg(long = "web.config.file", default_value = "")]
    pub web_config_file: String,
    /// Use systemd socket activation listeners instead of port listeners (Linux only).
    #[arg(long = "web.systemd-socket")]
    pub web_systemd_socket: bool,
    /// The URL under which Alertmanager is externally reachable (e.g. behind a reverse proxy);
    /// its path prefixes every endpoint. Default: `http://<hostname>:<port>/`.
    #[arg(long = "web.external-url", default_value = "")]
    pub web_external_url: String,
    /// Prefix for the internal routes of web endpoints. Defaults to the path of
    /// --web.external-url.
    #[arg(long = "web.route-prefix", default_value = "")]
    pub web_route_prefix: String,
    /// Maximum number of GET requests processed concurrently (0 or less: max(cores, 8)).
    #[arg(long = "web.get-concurrency", default_value_t = 0, allow_hyphen_values = true)]
    pub web_get_concurrency: i64,
    /// Timeout for HTTP requests (0: none).
    #[arg(long = "web.timeout", default_value = "0s")]
    pub web_timeout: GoDuration,
    /// Reserved memory ratio for Go's auto-gomemlimit (accepted for compatibility).
    #[arg(long = "auto-gomemlimit.ratio", default_value_t = 0.9)]
    pub auto_gomemlimit_ratio: f64,
    /// Listen address for cluster (empty string disables HA mode).
    #[arg(long = "cluster.listen-address", default_value = "0.0.0.0:9094")]
    pub cluster_listen_address: String,
    /// Explicit address to advertise in cluster.
    #[arg(long = "cluster.advertise-address", default_value = "")]
    pub cluster_advertise_address: String,
    /// Explicit name of the peer, rather than generating a random one.
    #[arg(long = "cluster.peer-name", default_value = "")]
    pub cluster_peer_name: String,
    /// Initial peers (repeat the flag for each additional peer).
    #[arg(long = "cluster.peer")]
    pub cluster_peer: Vec<String>,
    /// Time to wait between peers to send notifications.
    #[arg(long = "cluster.peer-timeout", default_value = "15s")]
    pub cluster_peer_timeout: GoDuration,
    /// Time to resolve peers.
    #[arg(long = "cluster.peers-resolve-timeout", default_value = "15s")]
    pub cluster_peers_resolve_timeout: GoDuration,
    /// Interval between sending gossip messages.
    #[arg(long = "cluster.gossip-interval", default_value = "200ms")]
    pub cluster_gossip_interval: GoDuration,
    /// Interval for gossip state syncs.
    #[arg(long = "cluster.pushpull-interval", default_value = "1m0s")]
    pub cluster_pushpull_interval: GoDuration,
    /// Timeout for establishing a stream connection with a remote node.
    #[arg(long = "cluster.tcp-timeout", default_value = "10s")]
    pub cluster_tcp_timeout: GoDuration,
    /// Timeout to wait for an ack from a probed node before assuming it is unhealthy.
    #[arg(long = "cluster.probe-timeout", default_value = "500ms")]
    pub cluster_probe_timeout: GoDuration,
    /// Interval between random node probes.
    #[arg(long = "cluster.probe-interval", default_value = "1s")]
    pub cluster_probe_interval: GoDuration,
    /// Maximum time to wait for cluster connections to settle before evaluating notifications.
    #[arg(long = "cluster.settle-timeout", default_value = "1m0s")]
    pub cluster_settle_timeout: GoDuration,
    /// Interval between attempting to reconnect to lost peers.
    #[arg(long = "cluster.reconnect-interval", default_value = "10s")]
    pub cluster_reconnect_interval: GoDuration,
    /// Length of time to attempt to reconnect to a lost peer.
    #[arg(long = "cluster.reconnect-timeout", default_value = "6h0m0s")]
    pub cluster_reconnect_timeout: GoDuration,
    /// Path to a config file enabling mutual TLS within the gossip protocol (experimental).
    #[arg(long = "cluster.tls-config", default_value = "")]
    pub cluster_tls_config: String,
    /// Allow discovering and listening on a public IP address (experimental).
    #[arg(long = "cluster.allow-insecure-public-advertise-address-discovery")]
    pub cluster_allow_insecure_public_advertise_address_discovery: bool,
    /// A label included on each cluster packet and stream, to keep clusters apart.
    #[arg(long = "cluster.label", default_value = "")]
    pub cluster_label: String,
    /// Comma-separated experimental features to enable: alert-names-in-metrics,
    /// receiver-name-in-metrics, group-key-in-metrics, classic-mode, utf8-strict-mode,
    /// auto-gomemlimit, event-recorder.
    #[arg(long = "enable-feature", default_value = "")]
    pub enable_feature: Vec<String>,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Debug, Subcommand)]
pub enum CheckCommand {
    /// Check prometheus.yml files (and the rule files they name).
    Config {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only check the config file's syntax, not the rule files it names.
        #[arg(long = "syntax-only")]
        syntax_only: bool,
        #[command(flatten)]
        lint: RuleLintArgs,
        /// With the `too-long-scrape-interval` lint: the lookback delta scrape intervals must
        /// stay below.
        #[arg(long = "lint.lookback-delta", default_value = "5m")]
        lookback_delta: String,
    },
    /// Check rule files (standard input when none is given).
    Rules {
        files: Vec<PathBuf>,
        #[command(flatten)]
        lint: RuleLintArgs,
    },
    /// Check alertmanager.yml files (and the templates they name).
    Alertmanager {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check Alertmanager template files: parse them (on top of the default templates) and
    /// render every defined template against example data, reporting every failure.
    Templates {
        /// Template files or globs (`templates/*.tmpl`), as in `alertmanager.yml`'s `templates:`.
        #[arg(required = true)]
        globs: Vec<String>,
    },
}

/// promtool's rule lint flags, plus klaxon's `--url`.
#[derive(Debug, Clone, Args)]
pub struct RuleLintArgs {
    /// Comma-separated lints: all, duplicate-rules, too-long-scrape-interval (config only),
    /// none. klaxon's own warnings (`for` shorter than the interval, `$labels.X` the
    /// expression cannot produce) are shown unless `none`.
    #[arg(long, default_value = "duplicate-rules")]
    pub lint: String,
    /// Make lint findings fatal (exit code 3).
    #[arg(long = "lint-fatal")]
    pub lint_fatal: bool,
    /// Ignore unknown fields in rule files.
    #[arg(long = "ignore-unknown-fields")]
    pub ignore_unknown_fields: bool,
    /// A Prometheus-compatible server: every series selector of every rule is looked up
    /// there (`/api/v1/series`, last hour) and selectors that match nothing are reported.
    #[arg(long)]
    pub url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TestCommand {
    /// Run rule unit tests written in the `promtool test rules` format.
    Rules {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Only run test groups whose names match this regular expression (repeatable).
        #[arg(long = "run")]
        run: Vec<String>,
        /// Ignore unknown fields in the rule files under test.
        #[arg(long = "ignore-unknown-fields")]
        ignore_unknown_fields: bool,
    },
    /// Run PromQL test scripts in the upstream `promqltest` format.
    Promql {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// How `klaxon query` prints results (promtool's `-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryFormat {
    /// As promtool prints PromQL values (`up{job="x"} => 1 @[1700000000]`).
    Promql,
    /// The result as JSON, one document per line.
    Json,
}

/// Flags every `klaxon query` command takes.
#[derive(Debug, Args)]
pub struct QueryOutput {
    /// Output format of the query.
    #[arg(short = 'o', long = "format", value_enum, default_value = "promql")]
    pub format: QueryFormat,
}

#[derive(Debug, Subcommand)]
pub enum QueryCommand {
    /// Run an instant query.
    Instant {
        /// Prometheus-compatible server to query (`http://localhost:9090`).
        server: String,
        /// PromQL query expression.
        expr: String,
        /// Query evaluation time (RFC3339 or Unix timestamp); default now.
        #[arg(long)]
        time: Option<String>,
        /// Extra header to send to the server (`Name=Value`, repeatable).
        #[arg(long = "header")]
        headers: Vec<String>,
        #[command(flatten)]
        output: QueryOutput,
    },
    /// Run a range query.
    Range {
        /// Prometheus-compatible server to query.
        server: String,
        /// PromQL query expression.
        expr: String,
        /// Query range start time (RFC3339 or Unix timestamp); default end - 5m.
        #[arg(long)]
        start: Option<String>,
        /// Query range end time (RFC3339 or Unix timestamp); default now.
        #[arg(long)]
        end: Option<String>,
        /// Query step size (Go duration, `15s`); default about 250 points.
        #[arg(long)]
        step: Option<GoDuration>,
        /// Extra header to send to the server (`Name=Value`, repeatable).
        #[arg(long = "header")]
        headers: Vec<String>,
        #[command(flatten)]
        output: QueryOutput,
    },
    /// List series matching selectors.
    Series {
        /// Prometheus-compatible server to query.
        server: String,
        /// Series selector (repeatable).
        #[arg(long = "match", required = true)]
        matches: Vec<String>,
        /// Start time (RFC3339 or Unix timestamp).
        #[arg(long)]
        start: Option<String>,
        /// End time (RFC3339 or Unix timestamp).
        #[arg(long)]
        end: Option<String>,
        #[command(flatten)]
        output: QueryOutput,
    },
    /// List values of a label.
    Labels {
        /// Prometheus-compatible server to query.
        server: String,
        /// Label name to list the values of.
        name: String,
        /// Series selector (repeatable).
        #[arg(long = "match")]
        matches: Vec<String>,
        /// Start time (RFC3339 or Unix timestamp).
        #[arg(long)]
        start: Option<String>,
        /// End time (RFC3339 or Unix timestamp).
        #[arg(long)]
        end: Option<String>,
        #[command(flatten)]
        output: QueryOutput,
    },
}

#[derive(Debug, Subcommand)]
pub enum SilenceCommand {
    /// Add a silence.
    Add { matchers: Vec<String> },
    /// List silences.
    Query { matchers: Vec<String> },
    /// Expire silences by ID.
    Expire { ids: Vec<String> },
    /// Update silences by ID.
    Update { ids: Vec<String> },
    /// Import silences from JSON (`silence query -o json` output).
    Import { file: Option<PathBuf> },
}

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// List alerts.
    Query { matchers: Vec<String> },
    /// Post an alert.
    Add { labels: Vec<String> },
}

#[derive(Debug, Subcommand)]
pub enum RoutesCommand {
    /// Print the routing tree.
    Show {
        #[arg(long = "config.file", default_value = "alertmanager.yml")]
        config_file: PathBuf,
    },
    /// Print the receivers that the given labels reach.
    Test {
        #[arg(long = "config.file", default_value = "alertmanager.yml")]
        config_file: PathBuf,
        labels: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Render a template text against example or given data (what `amtool template render`
    /// does, plus Prometheus annotation templates).
    Render(RenderArgs),
}

/// How `template render` interprets the text and the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RenderMode {
    /// An Alertmanager notification field (Go text/template, Alertmanager functions).
    Text,
    /// An Alertmanager HTML field such as an email body (html/template escaping).
    Html,
    /// A Prometheus alerting-rule annotation (`$labels`, `$value`, Prometheus functions).
    Annotation,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Glob of template files to load (repeatable), on top of the default templates.
    #[arg(long = "template.glob")]
    pub template_glob: Vec<String>,
    /// The template text to render.
    #[arg(long = "template.text")]
    pub template_text: String,
    /// JSON data: Alertmanager notification data (text, html), or `{labels, value,
    /// externalLabels}` (annotation). Without it, the example data `amtool` uses.
    #[arg(long = "data", visible_alias = "template.data")]
    pub data: Option<PathBuf>,
    /// What kind of template the text is.
    #[arg(long = "mode", visible_alias = "template.type", value_enum, default_value = "text")]
    pub mode: RenderMode,
}

#[derive(Debug, Subcommand)]
pub enum TsdbCommand {
    /// Import samples into the TSDB.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import an OpenMetrics text file into blocks (what `promtool tsdb create-blocks-from
    /// openmetrics` does). Every sample needs a timestamp (float seconds); the file must end
    /// with `# EOF`.
    Openmetrics {
        /// The OpenMetrics text file.
        file: PathBuf,
        /// The TSDB directory to write into (`--storage.tsdb.path` of `klaxon run`).
        #[arg(default_value = "data/")]
        output_dir: PathBuf,
        /// Print nothing on success.
        #[arg(long)]
        quiet: bool,
        /// Longest block to create (Prometheus duration; default and minimum 2h).
        #[arg(long = "max-block-duration")]
        max_block_duration: Option<GoDuration>,
        /// A label to add to every imported series, `name=value`; repeatable.
        #[arg(long = "label", value_name = "NAME=VALUE")]
        labels: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Replay rule files over stored history and print when each alert would have gone
    /// pending, fired and resolved, with a summary per alert.
    Backtest(BacktestArgs),
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Start of the replay: RFC3339, Unix seconds, `now`, or relative to now (`-2h`).
    #[arg(long, allow_hyphen_values = true)]
    pub from: String,
    /// End of the replay (same forms as --from).
    #[arg(long, default_value = "now", allow_hyphen_values = true)]
    pub to: String,
    /// TSDB directory to read history from, read-only (safe beside a running server). Only
    /// its blocks are read: the newest samples, still in the server's WAL (up to ~3h), are
    /// seen through --url instead.
    #[arg(long = "storage.tsdb.path", conflicts_with = "url", required_unless_present = "url")]
    pub storage_tsdb_path: Option<PathBuf>,
    /// A Prometheus-compatible server (klaxon, Prometheus) to evaluate the expressions.
    #[arg(long)]
    pub url: Option<String>,
    /// Evaluate every group at this step instead of its own interval.
    #[arg(long)]
    pub step: Option<model::duration::Duration>,
    /// The interval of groups that set none (prometheus.yml's `global.evaluation_interval`).
    #[arg(long = "evaluation-interval", default_value = "1m")]
    pub evaluation_interval: model::duration::Duration,
    /// The query offset of groups that set none (`global.rule_query_offset`).
    #[arg(long = "rule-query-offset", default_value = "0s")]
    pub rule_query_offset: model::duration::Duration,
    /// Lookback of the local evaluation (--storage.tsdb.path).
    #[arg(long = "query.lookback-delta", default_value = "5m")]
    pub query_lookback_delta: model::duration::Duration,
    /// Rule files to replay.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// `klaxon demo`: everything the quickstart needs besides `klaxon run`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Address of the demo site (the "nginx" whose access log klaxon reads).
    #[arg(long = "web.listen-address", default_value = "127.0.0.1:8088")]
    pub web_listen_address: String,
    /// The access log the site writes, in nginx's `combined` format (appended to; the parent
    /// directory is created).
    #[arg(long = "access-log.file", default_value = "data/demo/access.log")]
    pub access_log_file: PathBuf,
    /// Address of the Slack-compatible webhook sink that prints each message ("" for none).
    #[arg(long = "slack.listen-address", default_value = "127.0.0.1:9095")]
    pub slack_listen_address: String,
    /// Requests the demo sends to its site each second.
    #[arg(long = "traffic.rate", default_value_t = 5.0)]
    pub traffic_rate: f64,
    /// How long the site fails 6 requests in 10 (404, 500, 502) before it recovers; 0 never
    /// fails.
    #[arg(long = "traffic.failing-for", default_value = "4m30s")]
    pub traffic_failing_for: model::duration::Duration,
    /// Colour the terminal output: auto (when stdout is a terminal), always, never.
    #[arg(long = "color", default_value = "auto")]
    pub color: String,
}

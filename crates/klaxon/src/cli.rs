//! The command tree. Flags keep upstream's names (`--config.file`, `--web.listen-address`, ...)
//! so that existing systemd units, Helm charts and scripts work unchanged; in `klaxon run`, which
//! hosts both servers, Alertmanager's flags take the prefix `alertmanager.`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    Run(RunArgs),
    /// Alertmanager alone: a drop-in for the `alertmanager` binary.
    Alertmanager(AlertmanagerArgs),
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
    /// How long to retain samples in storage (Prometheus duration).
    #[arg(long = "storage.tsdb.retention.time", default_value = "15d")]
    pub storage_tsdb_retention_time: String,
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
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Debug, Args)]
pub struct AlertmanagerArgs {
    /// Alertmanager configuration file.
    #[arg(long = "config.file", default_value = "alertmanager.yml")]
    pub config_file: PathBuf,
    /// Base path for data storage (silences, notification log).
    #[arg(long = "storage.path", default_value = "data/")]
    pub storage_path: PathBuf,
    /// How long to keep data for (Go duration).
    #[arg(long = "data.retention", default_value = "120h")]
    pub data_retention: String,
    /// Address to listen on for the web interface and API.
    #[arg(long = "web.listen-address", default_value = ":9093")]
    pub web_listen_address: String,
    /// The URL under which Alertmanager is externally reachable.
    #[arg(long = "web.external-url")]
    pub web_external_url: Option<String>,
    /// Listen address for cluster (empty string disables HA mode).
    #[arg(long = "cluster.listen-address", default_value = "0.0.0.0:9094")]
    pub cluster_listen_address: String,
    /// Initial peers (repeat the flag for each additional peer).
    #[arg(long = "cluster.peer")]
    pub cluster_peer: Vec<String>,
    /// Experimental features to enable (e.g. utf8-strict-mode, classic-mode).
    #[arg(long = "enable-feature", value_delimiter = ',')]
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
    },
    /// Check rule files.
    Rules {
        #[arg(required = true)]
        files: Vec<PathBuf>,
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

#[derive(Debug, Subcommand)]
pub enum TestCommand {
    /// Run rule unit tests written in the `promtool test rules` format.
    Rules {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum QueryCommand {
    /// Run an instant query.
    Instant { server: String, expr: String },
    /// Run a range query.
    Range { server: String, expr: String },
    /// List series matching selectors.
    Series { server: String },
    /// List values of a label.
    Labels { server: String, name: String },
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
    /// Import an OpenMetrics text file.
    Openmetrics { file: PathBuf, output_dir: Option<PathBuf> },
}

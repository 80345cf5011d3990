//! `receivers:` and the 18 `*_configs` types, one file each (the notifier that sends it lives in
//! `crate::integrations::<same name>`).

use super::global::GlobalConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub mod common;
pub mod discord;
pub mod email;
pub mod incidentio;
pub mod jira;
pub mod mattermost;
pub mod msteams;
pub mod msteamsv2;
pub mod opsgenie;
pub mod pagerduty;
pub mod pushover;
pub mod rocketchat;
pub mod slack;
pub mod sns;
pub mod telegram;
pub mod victorops;
pub mod webex;
pub mod webhook;
pub mod wechat;

pub use discord::DiscordConfig;
pub use email::EmailConfig;
pub use incidentio::IncidentIoConfig;
pub use jira::JiraConfig;
pub use mattermost::MattermostConfig;
pub use msteams::MsTeamsConfig;
pub use msteamsv2::MsTeamsV2Config;
pub use opsgenie::OpsGenieConfig;
pub use pagerduty::PagerDutyConfig;
pub use pushover::PushoverConfig;
pub use rocketchat::RocketChatConfig;
pub use slack::SlackConfig;
pub use sns::SnsConfig;
pub use telegram::TelegramConfig;
pub use victorops::VictorOpsConfig;
pub use webex::WebexConfig;
pub use webhook::WebhookConfig;
pub use wechat::WeChatConfig;

/// One `*_configs` list entry: `None` for a null entry (`- ` with nothing), which upstream
/// rejects as `missing <type> config`. The span says where the entry starts, for errors.
pub type Entry<T> = serde_saphyr::Spanned<Option<T>>;

/// One `receivers:` entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receiver {
    #[serde(default, deserialize_with = "super::de::null_default")]
    pub name: String,
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "super::de::string_map"
    )]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discord_configs: Vec<Entry<DiscordConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub email_configs: Vec<Entry<EmailConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub incidentio_configs: Vec<Entry<IncidentIoConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jira_configs: Vec<Entry<JiraConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mattermost_configs: Vec<Entry<MattermostConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msteams_configs: Vec<Entry<MsTeamsConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msteamsv2_configs: Vec<Entry<MsTeamsV2Config>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opsgenie_configs: Vec<Entry<OpsGenieConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pagerduty_configs: Vec<Entry<PagerDutyConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pushover_configs: Vec<Entry<PushoverConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rocketchat_configs: Vec<Entry<RocketChatConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slack_configs: Vec<Entry<SlackConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sns_configs: Vec<Entry<SnsConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telegram_configs: Vec<Entry<TelegramConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub victorops_configs: Vec<Entry<VictorOpsConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webex_configs: Vec<Entry<WebexConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhook_configs: Vec<Entry<WebhookConfig>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wechat_configs: Vec<Entry<WeChatConfig>>,
}

/// What validation of one integration config may consult.
#[derive(Debug, Clone, Copy)]
pub struct ValidateContext<'a> {
    /// The `global:` block, with its defaults already filled in.
    pub global: &'a GlobalConfig,
    /// The config file's directory: relative `*_file` paths are resolved against it.
    pub base_dir: &'a Path,
}

/// What every `*_configs` type provides.
pub trait IntegrationConfig {
    /// The integration's name: the YAML key without `_configs` (`webhook`, `email`, ...).
    const NAME: &'static str;

    /// Fills defaults (from `global` and upstream's per-type defaults), makes `*_file` paths
    /// absolute, and checks the config; the error is upstream's text (the loader adds the
    /// file:line:col).
    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String>;

    /// Whether resolved notifications are sent (after [`IntegrationConfig::validate`]).
    fn send_resolved(&self) -> bool;
}

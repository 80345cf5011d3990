//! `discord_configs`.

use super::common::{check_webhook, default_from_empty_mapping, default_tmpl};
use super::{IntegrationConfig, ValidateContext};
use crate::config::http::HttpClientConfig;
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};

default_tmpl! {
    d_title => "discord.default.title",
    d_message => "discord.default.message",
}

/// One `discord_configs` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default)]
    pub send_resolved: Option<bool>,
    #[serde(default)]
    pub http_config: Option<HttpClientConfig>,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub webhook_url: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub webhook_url_file: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub content: String,
    #[serde(default = "d_title", deserialize_with = "crate::config::de::null_default")]
    pub title: String,
    #[serde(default = "d_message", deserialize_with = "crate::config::de::null_default")]
    pub message: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub username: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub avatar_url: String,
}

default_from_empty_mapping!(DiscordConfig);

impl IntegrationConfig for DiscordConfig {
    const NAME: &'static str = "discord";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        check_webhook(&self.webhook_url, &mut self.webhook_url_file, &mut self.http_config, cx)
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

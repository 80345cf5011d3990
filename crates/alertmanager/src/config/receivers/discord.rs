//! `discord_configs`.

use super::{IntegrationConfig, ValidateContext};
use crate::config::http::{HttpClientConfig, check_webhook_url, inherit, join_dir};
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};

fn d_title() -> String {
    r#"{{ template "discord.default.title" . }}"#.into()
}
fn d_message() -> String {
    r#"{{ template "discord.default.message" . }}"#.into()
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

impl Default for DiscordConfig {
    fn default() -> Self {
        serde_json::from_str("{}").unwrap_or_else(|_| unreachable!("every field has a default"))
    }
}

impl IntegrationConfig for DiscordConfig {
    const NAME: &'static str = "discord";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        check_webhook_url(&self.webhook_url, &self.webhook_url_file)?;
        join_dir(cx.base_dir, &mut self.webhook_url_file);
        inherit(&mut self.http_config, cx.global.http_config.as_ref(), cx.base_dir)
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

//! `pushover_configs`.

use super::common::{inherit_optional, one_of};
use super::{IntegrationConfig, ValidateContext};
use crate::config::global::join_path;
use crate::config::http::{HttpClientConfig, at_most_one};
use crate::config::secret::Secret;
use model::duration::GoDuration;
use serde::{Deserialize, Serialize};

pub const DEFAULT_TITLE: &str = r#"{{ template "pushover.default.title" . }}"#;
pub const DEFAULT_MESSAGE: &str = r#"{{ template "pushover.default.message" . }}"#;
pub const DEFAULT_URL: &str = r#"{{ template "pushover.default.url" . }}"#;
/// Emergency while firing, normal once resolved.
pub const DEFAULT_PRIORITY: &str = r#"{{ if eq .Status "firing" }}2{{ else }}0{{ end }}"#;

/// One `pushover_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushoverConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub user_key: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub user_key_file: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub token: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub token_file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub url_title: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub device: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub sound: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Default 1m.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<GoDuration>,
    /// Default 1h.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<GoDuration>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub html: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub monospace: bool,
}

impl IntegrationConfig for PushoverConfig {
    const NAME: &'static str = "pushover";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        one_of(!self.user_key.is_empty(), &self.user_key_file, "user_key")?;
        at_most_one(!self.user_key.is_empty(), &self.user_key_file, "user_key")?;
        one_of(!self.token.is_empty(), &self.token_file, "token")?;
        at_most_one(!self.token.is_empty(), &self.token_file, "token")?;
        if self.html && self.monospace {
            return Err("at most one of monospace & html must be configured".into());
        }
        self.title.get_or_insert_with(|| DEFAULT_TITLE.into());
        self.message.get_or_insert_with(|| DEFAULT_MESSAGE.into());
        self.url.get_or_insert_with(|| DEFAULT_URL.into());
        self.priority.get_or_insert_with(|| DEFAULT_PRIORITY.into());
        self.retry.get_or_insert(GoDuration::from_secs(60));
        self.expire.get_or_insert(GoDuration::from_secs(3600));
        self.user_key_file = join_path(cx.base_dir, &self.user_key_file);
        self.token_file = join_path(cx.base_dir, &self.token_file);
        inherit_optional(&mut self.http_config, cx.global.http_config.as_ref(), cx.base_dir)?;
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

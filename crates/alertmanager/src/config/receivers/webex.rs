//! `webex_configs`: a Webex room message, authorised by `http_config.authorization`.

use super::{IntegrationConfig, ValidateContext};
use crate::config::global::check_url;
use crate::config::http::HttpClientConfig;
use serde::{Deserialize, Serialize};

pub const DEFAULT_MESSAGE: &str = r#"{{ template "webex.default.message" . }}"#;

/// One `webex_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebexConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// Falls back to `global.webex_api_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "crate::config::de::null_default")]
    pub room_id: String,
}

impl IntegrationConfig for WebexConfig {
    const NAME: &'static str = "webex";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        if self.room_id.is_empty() {
            return Err("missing room_id on webex_config".into());
        }
        if self.http_config.as_ref().is_none_or(|h| {
            h.authorization.is_none() && h.bearer_token.is_empty() && h.bearer_token_file.is_empty()
        }) {
            return Err("missing webex_configs.http_config.authorization".into());
        }
        if let Some(u) = &self.api_url {
            check_url(u, false)?;
        }
        self.message.get_or_insert_with(|| DEFAULT_MESSAGE.into());
        if let Some(h) = &mut self.http_config {
            h.validate(cx.base_dir)?;
        }
        if self.api_url.is_none() {
            self.api_url = cx.global.webex_api_url.clone();
        }
        if self.api_url.is_none() {
            return Err("no global Webex URL set".into());
        }
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

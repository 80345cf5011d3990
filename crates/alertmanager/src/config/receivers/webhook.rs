//! `webhook_configs`.

use super::{IntegrationConfig, ValidateContext};
use crate::config::http::{HttpClientConfig, check_template_url, inherit, join_dir};
use crate::config::secret::Secret;
use model::duration::GoDuration;
use serde::{Deserialize, Serialize};

/// One `webhook_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default)]
    pub send_resolved: Option<bool>,
    #[serde(default)]
    pub http_config: Option<HttpClientConfig>,
    /// The endpoint; may be a template.
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub url: Secret,
    /// A file holding the URL, read at every send.
    #[serde(default, deserialize_with = "crate::config::de::null_default")]
    pub url_file: String,
    /// At most this many alerts per message (0: all).
    #[serde(default)]
    pub max_alerts: u64,
    /// Bound on each POST (0: none).
    #[serde(default)]
    pub timeout: GoDuration,
    /// A custom body: every string in it is a template; results that parse as YAML
    /// structures are embedded as structures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<serde_json::Value>,
}

impl IntegrationConfig for WebhookConfig {
    const NAME: &'static str = "webhook";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        if self.url.is_empty() && self.url_file.is_empty() {
            return Err("one of url or url_file must be configured".into());
        }
        if !self.url.is_empty() && !self.url_file.is_empty() {
            return Err("at most one of url & url_file must be configured".into());
        }
        check_template_url(self.url.expose())?;
        join_dir(cx.base_dir, &mut self.url_file);
        inherit(&mut self.http_config, cx.global.http_config.as_ref(), cx.base_dir)
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

//! `msteams_configs` (Office 365 connector cards).

use super::common::{check_webhook, default_from_empty_mapping, default_tmpl};
use super::{IntegrationConfig, ValidateContext};
use crate::config::http::HttpClientConfig;
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};

default_tmpl! {
    d_title => "msteams.default.title",
    d_summary => "msteams.default.summary",
    d_text => "msteams.default.text",
}

/// One `msteams_configs` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MsTeamsConfig {
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
    #[serde(default = "d_title", deserialize_with = "crate::config::de::null_default")]
    pub title: String,
    #[serde(default = "d_summary", deserialize_with = "crate::config::de::null_default")]
    pub summary: String,
    #[serde(default = "d_text", deserialize_with = "crate::config::de::null_default")]
    pub text: String,
}

default_from_empty_mapping!(MsTeamsConfig);

impl IntegrationConfig for MsTeamsConfig {
    const NAME: &'static str = "msteams";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        check_webhook(&self.webhook_url, &mut self.webhook_url_file, &mut self.http_config, cx)
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

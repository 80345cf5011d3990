//! `incidentio_configs`: incident.io's Alertmanager alert source (a webhook-style payload).

use super::common::{inherit_optional, one_of};
use super::{IntegrationConfig, ValidateContext};
use crate::config::global::{check_url, join_path};
use crate::config::http::{HttpClientConfig, at_most_one};
use crate::config::secret::Secret;
use model::duration::GoDuration;
use serde::{Deserialize, Serialize};

/// One `incidentio_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentIoConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub url_file: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub alert_source_token: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub alert_source_token_file: String,
    /// 0: no limit.
    #[serde(default)]
    pub max_alerts: u64,
    /// Per request; 0: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<GoDuration>,
}

impl IntegrationConfig for IncidentIoConfig {
    const NAME: &'static str = "incidentio";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        one_of(self.url.is_some(), &self.url_file, "url")?;
        at_most_one(self.url.is_some(), &self.url_file, "url")?;
        at_most_one(
            !self.alert_source_token.is_empty(),
            &self.alert_source_token_file,
            "alert_source_token",
        )?;
        let has_token =
            !self.alert_source_token.is_empty() || !self.alert_source_token_file.is_empty();
        if let Some(h) = &self.http_config {
            let has_auth = h.authorization.is_some()
                || !h.bearer_token.is_empty()
                || !h.bearer_token_file.is_empty();
            if has_auth && has_token {
                return Err("cannot specify alert_source_token or alert_source_token_file when using http_config.authorization".into());
            }
            if !has_auth && !has_token {
                return Err("at least one of alert_source_token, alert_source_token_file or http_config.authorization must be configured".into());
            }
        }
        if let Some(u) = &self.url {
            check_url(u, false)?;
        }
        self.url_file = join_path(cx.base_dir, &self.url_file);
        self.alert_source_token_file = join_path(cx.base_dir, &self.alert_source_token_file);
        inherit_optional(&mut self.http_config, cx.global.http_config.as_ref(), cx.base_dir)?;
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

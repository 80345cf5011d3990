//! `victorops_configs` (Splunk On-Call's REST endpoint).

use super::common::inherit_optional;
use super::{IntegrationConfig, ValidateContext};
use crate::config::global::{check_url, join_path, with_trailing_slash};
use crate::config::http::{HttpClientConfig, at_most_one};
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const DEFAULT_MESSAGE_TYPE: &str = "CRITICAL";
pub const DEFAULT_STATE_MESSAGE: &str = r#"{{ template "victorops.default.state_message" . }}"#;
pub const DEFAULT_ENTITY_DISPLAY_NAME: &str =
    r#"{{ template "victorops.default.entity_display_name" . }}"#;
pub const DEFAULT_MONITORING_TOOL: &str = r#"{{ template "victorops.default.monitoring_tool" . }}"#;

/// Payload keys `custom_fields` may not override.
const RESERVED: [&str; 7] = [
    "routing_key",
    "message_type",
    "state_message",
    "entity_display_name",
    "monitoring_tool",
    "entity_id",
    "entity_state",
];

/// One `victorops_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VictorOpsConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub api_key: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_key_file: String,
    /// Falls back to `global.victorops_api_url`; always ends in `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, deserialize_with = "crate::config::de::null_default")]
    pub routing_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring_tool: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::string_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub custom_fields: BTreeMap<String, String>,
}

impl IntegrationConfig for VictorOpsConfig {
    const NAME: &'static str = "victorops";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        if self.routing_key.is_empty() {
            return Err("missing Routing key in VictorOps config".into());
        }
        at_most_one(!self.api_key.is_empty(), &self.api_key_file, "api_key")?;
        for f in RESERVED {
            if self.custom_fields.contains_key(f) {
                return Err(format!(
                    "victorOps config contains custom field {f} which cannot be used as it conflicts with the fixed/static fields"
                ));
            }
        }
        if let Some(u) = &self.api_url {
            check_url(u, false)?;
        }
        self.message_type.get_or_insert_with(|| DEFAULT_MESSAGE_TYPE.into());
        self.state_message.get_or_insert_with(|| DEFAULT_STATE_MESSAGE.into());
        self.entity_display_name.get_or_insert_with(|| DEFAULT_ENTITY_DISPLAY_NAME.into());
        self.monitoring_tool.get_or_insert_with(|| DEFAULT_MONITORING_TOOL.into());
        self.api_key_file = join_path(cx.base_dir, &self.api_key_file);

        let g = cx.global;
        inherit_optional(&mut self.http_config, g.http_config.as_ref(), cx.base_dir)?;
        if self.api_url.is_none() {
            self.api_url = g.victorops_api_url.clone();
        }
        let Some(u) = &self.api_url else {
            return Err("no global VictorOps URL set".into());
        };
        self.api_url = Some(with_trailing_slash(u));
        if self.api_key.is_empty() {
            self.api_key = g.victorops_api_key.clone().unwrap_or_default();
        }
        if self.api_key_file.is_empty() {
            self.api_key_file = g.victorops_api_key_file.clone().unwrap_or_default();
        }
        if self.api_key.is_empty() && self.api_key_file.is_empty() {
            return Err("no global VictorOps API Key set".into());
        }
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

//! `wechat_configs`: WeChat Work (企业微信) application messages.

use super::common::{inherit_optional, secret_or_global};
use super::{IntegrationConfig, ValidateContext};
use crate::config::global::{check_url, join_path, with_trailing_slash};
use crate::config::http::{HttpClientConfig, at_most_one};
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};

pub const DEFAULT_MESSAGE: &str = r#"{{ template "wechat.default.message" . }}"#;
pub const DEFAULT_TO_USER: &str = r#"{{ template "wechat.default.to_user" . }}"#;
pub const DEFAULT_TO_PARTY: &str = r#"{{ template "wechat.default.to_party" . }}"#;
pub const DEFAULT_TO_TAG: &str = r#"{{ template "wechat.default.to_tag" . }}"#;
pub const DEFAULT_AGENT_ID: &str = r#"{{ template "wechat.default.agent_id" . }}"#;

/// One `wechat_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeChatConfig {
    /// Whether resolved alerts are notified (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub api_secret: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_secret_file: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub corp_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Falls back to `global.wechat_api_url`; always ends in `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_party: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// `text` (default) or `markdown`.
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub message_type: String,
}

impl IntegrationConfig for WeChatConfig {
    const NAME: &'static str = "wechat";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        if self.message_type.is_empty() {
            self.message_type = "text".into();
        }
        if !matches!(self.message_type.as_str(), "text" | "markdown") {
            return Err(format!(
                "weChat message type {:?} does not match valid options ^(text|markdown)$",
                self.message_type
            ));
        }
        at_most_one(!self.api_secret.is_empty(), &self.api_secret_file, "api_secret")?;
        if let Some(u) = &self.api_url {
            check_url(u, false)?;
        }
        self.message.get_or_insert_with(|| DEFAULT_MESSAGE.into());
        self.to_user.get_or_insert_with(|| DEFAULT_TO_USER.into());
        self.to_party.get_or_insert_with(|| DEFAULT_TO_PARTY.into());
        self.to_tag.get_or_insert_with(|| DEFAULT_TO_TAG.into());
        self.agent_id.get_or_insert_with(|| DEFAULT_AGENT_ID.into());
        self.api_secret_file = join_path(cx.base_dir, &self.api_secret_file);

        let g = cx.global;
        inherit_optional(&mut self.http_config, g.http_config.as_ref(), cx.base_dir)?;
        if self.api_url.is_none() {
            self.api_url = g.wechat_api_url.clone();
        }
        let Some(u) = &self.api_url else {
            return Err("no global Wechat URL set".into());
        };
        let u = with_trailing_slash(u);
        self.api_url = Some(u);
        if !secret_or_global(
            &mut self.api_secret,
            &mut self.api_secret_file,
            g.wechat_api_secret.as_ref(),
            g.wechat_api_secret_file.as_ref(),
        ) {
            return Err("no global Wechat Api Secret set either inline or in a file".into());
        }
        if self.corp_id.is_empty() {
            self.corp_id = g.wechat_api_corp_id.clone().unwrap_or_default();
        }
        if self.corp_id.is_empty() {
            return Err("no global Wechat CorpID set".into());
        }
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(false)
    }
}

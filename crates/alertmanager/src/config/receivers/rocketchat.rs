//! `rocketchat_configs`: `chat.postMessage` of the Rocket.Chat REST API.

use super::common::inherit_optional;
use super::{IntegrationConfig, ValidateContext};
use crate::config::global::{check_url, join_path};
use crate::config::http::{HttpClientConfig, at_most_one};
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};

pub const DEFAULT_COLOR: &str = r#"{{ if eq .Status "firing" }}red{{ else }}green{{ end }}"#;
pub const DEFAULT_EMOJI: &str = r#"{{ template "rocketchat.default.emoji" . }}"#;
pub const DEFAULT_ICON_URL: &str = r#"{{ template "rocketchat.default.iconurl" . }}"#;
pub const DEFAULT_TEXT: &str = r#"{{ template "rocketchat.default.text" . }}"#;
pub const DEFAULT_TITLE: &str = r#"{{ template "rocketchat.default.title" . }}"#;
pub const DEFAULT_TITLE_LINK: &str = r#"{{ template "rocketchat.default.titlelink" . }}"#;

/// One `rocketchat_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RocketChatConfig {
    /// Whether resolved alerts are notified (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// Falls back to `global.rocketchat_api_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<Secret>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub token_id_file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub token_file: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub channel: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fields: Vec<RocketChatField>,
    #[serde(default)]
    pub short_fields: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub image_url: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub thumb_url: String,
    #[serde(default)]
    pub link_names: bool,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub actions: Vec<RocketChatAction>,
}

/// An attachment field (`short` falls back to `short_fields`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RocketChatField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short: Option<bool>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub value: String,
}

/// A button. The YAML keys are upstream's: its Go struct has no YAML tags, so they are the
/// lower-cased field names (`imageurl`, `msginchatwindow`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RocketChatAction {
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        rename = "type",
        skip_serializing_if = "String::is_empty"
    )]
    pub kind: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub text: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub url: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub imageurl: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub iswebview: bool,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub webviewheightratio: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub msg: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub msginchatwindow: bool,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub msgprocessingtype: String,
}

impl IntegrationConfig for RocketChatConfig {
    const NAME: &'static str = "rocketchat";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        at_most_one(self.token.is_some(), &self.token_file, "token")?;
        at_most_one(self.token_id.is_some(), &self.token_id_file, "token_id")?;
        if let Some(u) = &self.api_url {
            check_url(u, false)?;
        }
        self.color.get_or_insert_with(|| DEFAULT_COLOR.into());
        self.emoji.get_or_insert_with(|| DEFAULT_EMOJI.into());
        self.icon_url.get_or_insert_with(|| DEFAULT_ICON_URL.into());
        self.text.get_or_insert_with(|| DEFAULT_TEXT.into());
        self.title.get_or_insert_with(|| DEFAULT_TITLE.into());
        self.title_link.get_or_insert_with(|| DEFAULT_TITLE_LINK.into());
        self.token_file = join_path(cx.base_dir, &self.token_file);
        self.token_id_file = join_path(cx.base_dir, &self.token_id_file);

        let g = cx.global;
        inherit_optional(&mut self.http_config, g.http_config.as_ref(), cx.base_dir)?;
        if self.api_url.is_none() {
            self.api_url = g.rocketchat_api_url.clone();
        }
        if self.token_id.is_none() {
            self.token_id = g.rocketchat_token_id.clone();
        }
        if self.token_id_file.is_empty() {
            self.token_id_file = g.rocketchat_token_id_file.clone().unwrap_or_default();
        }
        if self.token_id.is_none() && self.token_id_file.is_empty() {
            return Err("no global Rocketchat TokenID set either inline or in a file".into());
        }
        if self.token.is_none() {
            self.token = g.rocketchat_token.clone();
        }
        if self.token_file.is_empty() {
            self.token_file = g.rocketchat_token_file.clone().unwrap_or_default();
        }
        if self.token.is_none() && self.token_file.is_empty() {
            return Err("no global Rocketchat Token set either inline or in a file".into());
        }
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(false)
    }
}

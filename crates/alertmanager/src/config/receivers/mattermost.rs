//! `mattermost_configs` (incoming webhooks).

use super::common::{
    AttachmentField, check_fields, default_from_empty_mapping, default_tmpl, secret_or_global,
};
use super::{IntegrationConfig, ValidateContext};
use crate::config::http::{HttpClientConfig, at_most_one, check_secret_url, inherit, join_dir};
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};

default_tmpl! {
    d_username => "mattermost.default.username",
    d_color => "mattermost.default.color",
    d_text => "mattermost.default.text",
    d_title => "mattermost.default.title",
    d_title_link => "mattermost.default.titlelink",
    d_fallback => "mattermost.default.fallback",
}

/// One `mattermost_configs` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MattermostConfig {
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
    pub channel: String,
    #[serde(default = "d_username", deserialize_with = "crate::config::de::null_default")]
    pub username: String,
    #[serde(default = "d_text", deserialize_with = "crate::config::de::null_default")]
    pub text: String,
    #[serde(default = "d_fallback", deserialize_with = "crate::config::de::null_default")]
    pub fallback: String,
    #[serde(default = "d_color", deserialize_with = "crate::config::de::null_default")]
    pub color: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub pretext: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub author_name: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub author_link: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub author_icon: String,
    #[serde(default = "d_title", deserialize_with = "crate::config::de::null_default")]
    pub title: String,
    #[serde(default = "d_title_link", deserialize_with = "crate::config::de::null_default")]
    pub title_link: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fields: Vec<MattermostField>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub thumb_url: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub footer: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub footer_icon: String,
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
    pub icon_url: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub icon_emoji: String,
    /// When set, replaces the single attachment built from the fields above.
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attachments: Vec<MattermostAttachment>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        rename = "type",
        skip_serializing_if = "String::is_empty"
    )]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub props: Option<MattermostProps>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<MattermostPriority>,
}

/// Message priority (Mattermost Professional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MattermostPriority {
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub priority: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub requested_ack: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub persistent_notifications: bool,
}

/// Message properties.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MattermostProps {
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub card: String,
}

/// An attachment field.
pub type MattermostField = AttachmentField;

/// An explicitly configured attachment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MattermostAttachment {
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub fallback: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub color: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub pretext: String,
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
    pub author_name: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub author_link: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub author_icon: String,
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
    pub title_link: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fields: Vec<MattermostField>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub thumb_url: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub footer: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub footer_icon: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub image_url: String,
}

default_from_empty_mapping!(MattermostConfig);

impl IntegrationConfig for MattermostConfig {
    const NAME: &'static str = "mattermost";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        check_fields(&self.fields, "Mattermost")?;
        for a in &self.attachments {
            check_fields(&a.fields, "Mattermost")?;
        }
        at_most_one(!self.webhook_url.is_empty(), &self.webhook_url_file, "webhook_url")?;
        check_secret_url(&self.webhook_url)?;
        let g = cx.global;
        if !secret_or_global(
            &mut self.webhook_url,
            &mut self.webhook_url_file,
            g.mattermost_webhook_url.as_ref(),
            g.mattermost_webhook_url_file.as_ref(),
        ) {
            return Err("missing webhook_url or webhook_url_file on mattermost_config".into());
        }
        join_dir(cx.base_dir, &mut self.webhook_url_file);
        inherit(&mut self.http_config, g.http_config.as_ref(), cx.base_dir)
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

//! `slack_configs`: incoming webhooks (`api_url`) or a bot token (`app_token`, sent to
//! `app_url`, by default `chat.postMessage`).

use super::common::{
    AttachmentField, check_fields, default_from_empty_mapping, default_tmpl, secret_or_global,
};
use super::{IntegrationConfig, ValidateContext};
use crate::config::http::{
    Authorization, HttpClientConfig, at_most_one, check_secret_url, check_url, join_dir,
};
use crate::config::secret::Secret;
use model::duration::GoDuration;
use serde::{Deserialize, Serialize};

/// Slack's `chat.postMessage`, the default `app_url`.
pub const DEFAULT_APP_URL: &str = "https://slack.com/api/chat.postMessage";

default_tmpl! {
    d_color => "slack.default.color",
    d_username => "slack.default.username",
    d_title => "slack.default.title",
    d_title_link => "slack.default.titlelink",
    d_icon_emoji => "slack.default.iconemoji",
    d_icon_url => "slack.default.iconurl",
    d_pretext => "slack.default.pretext",
    d_text => "slack.default.text",
    d_fallback => "slack.default.fallback",
    d_callback_id => "slack.default.callbackid",
    d_footer => "slack.default.footer",
}

/// One `slack_configs` entry. Template fields default to the `slack.default.*` templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// Whether resolved alerts are notified (default false).
    #[serde(default)]
    pub send_resolved: Option<bool>,
    #[serde(default)]
    pub http_config: Option<HttpClientConfig>,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub api_url: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_url_file: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub app_token: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub app_token_file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_url: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub channel: String,
    #[serde(default = "d_username", deserialize_with = "crate::config::de::null_default")]
    pub username: String,
    #[serde(default = "d_color", deserialize_with = "crate::config::de::null_default")]
    pub color: String,
    #[serde(default = "d_title", deserialize_with = "crate::config::de::null_default")]
    pub title: String,
    #[serde(default = "d_title_link", deserialize_with = "crate::config::de::null_default")]
    pub title_link: String,
    #[serde(default = "d_pretext", deserialize_with = "crate::config::de::null_default")]
    pub pretext: String,
    #[serde(default = "d_text", deserialize_with = "crate::config::de::null_default")]
    pub text: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub message_text: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub fields: Vec<SlackField>,
    #[serde(default)]
    pub short_fields: bool,
    #[serde(default = "d_footer", deserialize_with = "crate::config::de::null_default")]
    pub footer: String,
    #[serde(default = "d_fallback", deserialize_with = "crate::config::de::null_default")]
    pub fallback: String,
    #[serde(default = "d_callback_id", deserialize_with = "crate::config::de::null_default")]
    pub callback_id: String,
    #[serde(default = "d_icon_emoji", deserialize_with = "crate::config::de::null_default")]
    pub icon_emoji: String,
    #[serde(default = "d_icon_url", deserialize_with = "crate::config::de::null_default")]
    pub icon_url: String,
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
    pub mrkdwn_in: Vec<String>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub actions: Vec<SlackAction>,
    /// Edit the message sent for the group last time (`chat.update`) instead of posting anew.
    #[serde(default)]
    pub update_message: bool,
    #[serde(default)]
    pub timeout: GoDuration,
}

default_from_empty_mapping!(SlackConfig);

/// An attachment field (validation rejects an empty title or value, so skipping empty ones
/// when printing changes nothing).
pub type SlackField = AttachmentField;

/// An attachment action (button).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackAction {
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
    pub style: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub value: String,
    #[serde(default, rename = "confirm", skip_serializing_if = "Option::is_none")]
    pub confirm: Option<SlackConfirm>,
}

/// An action's confirmation dialog.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfirm {
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
    pub title: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub ok_text: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub dismiss_text: String,
}

impl SlackConfig {
    /// Whether this entry posts with a bot token (after validation).
    pub fn token_mode(&self) -> bool {
        !self.app_token.is_empty() || !self.app_token_file.is_empty()
    }
}

impl IntegrationConfig for SlackConfig {
    const NAME: &'static str = "slack";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        check_fields(&self.fields, "Slack")?;
        for a in &mut self.actions {
            if a.kind.is_empty() {
                return Err("missing type in Slack action configuration".into());
            }
            if a.text.is_empty() {
                return Err("missing text in Slack action configuration".into());
            }
            if !a.url.is_empty() {
                a.name.clear();
                a.value.clear();
                a.confirm = None;
            } else if a.name.is_empty() {
                return Err("missing name or url in Slack action configuration".into());
            }
            if a.confirm.as_ref().is_some_and(|c| c.text.is_empty()) {
                return Err("missing text in Slack confirmation configuration".into());
            }
        }
        at_most_one(!self.api_url.is_empty(), &self.api_url_file, "api_url")?;
        at_most_one(!self.app_token.is_empty(), &self.app_token_file, "app_token")?;
        let has_url = !self.api_url.is_empty() || !self.api_url_file.is_empty();
        if has_url && self.token_mode() {
            return Err(
                "at most one of api_url/api_url_file & app_token/app_token_file must be configured"
                    .into(),
            );
        }
        check_secret_url(&self.api_url)?;
        if let Some(u) = &self.app_url {
            check_url(u)?;
        }

        let g = cx.global;
        let app_url = self
            .app_url
            .clone()
            .or_else(|| g.slack_app_url.clone())
            .unwrap_or_else(|| DEFAULT_APP_URL.to_string());
        self.app_url = Some(app_url.clone());
        let local_auth = self.http_config.as_ref().is_some_and(|h| h.authorization.is_some());
        if !self.token_mode() && !local_auth && self.api_url.is_empty() {
            self.app_token = g.slack_app_token.clone().unwrap_or_default();
            self.app_token_file = g.slack_app_token_file.clone().unwrap_or_default();
        }
        let has_url = secret_or_global(
            &mut self.api_url,
            &mut self.api_url_file,
            g.slack_api_url.as_ref(),
            g.slack_api_url_file.as_ref(),
        );
        if !has_url && !self.token_mode() {
            return Err("no Slack API URL nor App token set either inline or in a file".into());
        }
        join_dir(cx.base_dir, &mut self.api_url_file);
        join_dir(cx.base_dir, &mut self.app_token_file);
        let token_mode = self.token_mode();
        let http =
            self.http_config.get_or_insert_with(|| g.http_config.clone().unwrap_or_default());
        if token_mode {
            if http.authorization.is_some() {
                return Err("http authorization can't be set when using Slack App tokens".into());
            }
            http.authorization = Some(Authorization {
                kind: "Bearer".into(),
                credentials: self.app_token.clone(),
                credentials_file: self.app_token_file.clone(),
            });
            self.api_url = Secret::new(app_url);
            self.api_url_file.clear();
        }
        http.validate(cx.base_dir)?;
        // Upstream only allows updates through chat.postMessage; any URL ending in it is
        // accepted here so that a local Slack stand-in can be used.
        if self.update_message && !self.api_url.expose().ends_with("/chat.postMessage") {
            return Err("update_message can only be used with bot tokens. api_url must be set to https://slack.com/api/chat.postMessage".into());
        }
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(false)
    }
}

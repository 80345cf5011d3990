//! `telegram_configs`: the Bot API's `sendMessage`.

use super::common::{inherit_optional, secret_or_global};
use super::{IntegrationConfig, ValidateContext};
use crate::config::global::{check_url, join_path};
use crate::config::http::{HttpClientConfig, at_most_one};
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};

/// The default `message`.
pub const DEFAULT_MESSAGE: &str = r#"{{ template "telegram.default.message" . }}"#;

/// One `telegram_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// Falls back to `global.telegram_api_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub bot_token: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub bot_token_file: String,
    /// `0`: unset.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub chat_id: i64,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub chat_id_file: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub message_thread_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_notifications: bool,
    /// `HTML` (default), `Markdown`, `MarkdownV2` or empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<String>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

impl IntegrationConfig for TelegramConfig {
    const NAME: &'static str = "telegram";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        at_most_one(!self.bot_token.is_empty(), &self.bot_token_file, "bot_token")?;
        if self.chat_id == 0 && self.chat_id_file.is_empty() {
            return Err("missing chat_id or chat_id_file on telegram_config".into());
        }
        if self.chat_id != 0 && !self.chat_id_file.is_empty() {
            return Err("at most one of chat_id & chat_id_file must be configured".into());
        }
        let mode = self.parse_mode.get_or_insert_with(|| "HTML".into());
        if !matches!(mode.as_str(), "" | "Markdown" | "MarkdownV2" | "HTML") {
            return Err(
                "unknown parse_mode on telegram_config, must be Markdown, MarkdownV2, HTML or empty string"
                    .into(),
            );
        }
        if let Some(u) = &self.api_url {
            check_url(u, false)?;
        }
        self.message.get_or_insert_with(|| DEFAULT_MESSAGE.into());
        self.bot_token_file = join_path(cx.base_dir, &self.bot_token_file);
        self.chat_id_file = join_path(cx.base_dir, &self.chat_id_file);

        let g = cx.global;
        inherit_optional(&mut self.http_config, g.http_config.as_ref(), cx.base_dir)?;
        if self.api_url.is_none() {
            self.api_url = g.telegram_api_url.clone();
        }
        if !secret_or_global(
            &mut self.bot_token,
            &mut self.bot_token_file,
            g.telegram_bot_token.as_ref(),
            g.telegram_bot_token_file.as_ref(),
        ) {
            return Err("missing bot_token or bot_token_file on telegram_config".into());
        }
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

//! The `telegram` notifier: `POST <api_url>/bot<token>/sendMessage` with the parameters as
//! JSON strings, as the Go bot library upstream uses sends them. Every failure is retryable
//! (upstream's rule); the failure reason follows Telegram's `error_code`.

use super::http::{Client, Renderer, encode_json, truncate_runes};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::TelegramConfig;
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Telegram's message limit, in characters.
const MAX_MESSAGE_RUNES: usize = 4096;

/// What is sent instead of an HTML message that is too long (cutting HTML would break it).
const TOO_LONG: &str = "Alertmanager notification could not be sent: message length exceeds Telegram limits.\n\t\t\tPlease check the template used for producing the message content.";

/// Builds the notifier for one validated `telegram_configs` entry.
pub fn build(cfg: &TelegramConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(Telegram { cfg: cfg.clone(), client }))
}

/// Sends notifications to a Telegram chat.
#[derive(Debug)]
pub struct Telegram {
    cfg: TelegramConfig,
    client: Client,
}

#[derive(serde::Deserialize)]
struct ApiResponse {
    #[serde(default)]
    ok: bool,
    #[serde(default)]
    error_code: u16,
    #[serde(default)]
    description: String,
}

fn retryable(reason: FailureReason, message: String) -> NotifyError {
    NotifyError::retryable(reason, message)
}

impl Telegram {
    fn message(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<String, NotifyError> {
        let r = Renderer::new(cx, alerts);
        let tmpl = self.cfg.message.as_deref().unwrap_or_default();
        if self.cfg.parse_mode.as_deref() == Some("HTML") {
            let m = r.html(tmpl)?;
            if m.chars().count() > MAX_MESSAGE_RUNES {
                return Ok(TOO_LONG.to_string());
            }
            return Ok(m);
        }
        Ok(truncate_runes(&r.text(tmpl)?, MAX_MESSAGE_RUNES).0)
    }

    fn bot_token(&self) -> Result<String, NotifyError> {
        if self.cfg.bot_token_file.is_empty() {
            return Ok(self.cfg.bot_token.expose().to_string());
        }
        std::fs::read_to_string(&self.cfg.bot_token_file).map(|s| s.trim().to_string()).map_err(
            |e| {
                retryable(
                    FailureReason::Other,
                    format!("could not read {}: {e}", self.cfg.bot_token_file),
                )
            },
        )
    }

    fn chat_id(&self) -> Result<i64, NotifyError> {
        if self.cfg.chat_id_file.is_empty() {
            return Ok(self.cfg.chat_id);
        }
        let f = &self.cfg.chat_id_file;
        let s = std::fs::read_to_string(f)
            .map_err(|e| retryable(FailureReason::Other, format!("could not read {f}: {e}")))?;
        s.trim().parse().map_err(|e| {
            retryable(
                FailureReason::Other,
                format!("could not parse chat_id from {f}: strconv.ParseInt: {e}"),
            )
        })
    }

    async fn send(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Sent, NotifyError> {
        let text = self.message(cx, alerts)?;
        let token = self.bot_token()?;
        let chat_id = self.chat_id()?;
        let mut params = BTreeMap::new();
        params.insert("chat_id", chat_id.to_string());
        params.insert("text", text);
        params.insert("disable_web_page_preview", "true".to_string());
        if self.cfg.disable_notifications {
            params.insert("disable_notification", "true".to_string());
        }
        if let Some(mode) = self.cfg.parse_mode.as_deref().filter(|m| !m.is_empty()) {
            params.insert("parse_mode", mode.to_string());
        }
        if self.cfg.message_thread_id != 0 {
            params.insert("message_thread_id", self.cfg.message_thread_id.to_string());
        }
        let api = self.cfg.api_url.as_deref().unwrap_or_default();
        // The token is part of the path: errors never show the URL.
        let url = format!("{api}/bot{token}/sendMessage");
        let resp = self.client.post_json(&url, encode_json(&params)?, None, &[]).await?;
        match serde_json::from_slice::<ApiResponse>(&resp.body) {
            Ok(r) if r.ok => Ok(Sent::default()),
            Ok(r) => {
                let reason = if r.error_code == 0 {
                    FailureReason::from_status(resp.status)
                } else {
                    FailureReason::from_status(r.error_code)
                };
                Err(retryable(reason, format!("telegram: {} ({})", r.description, r.error_code)))
            }
            Err(e) => Err(retryable(
                FailureReason::from_status(resp.status),
                format!("telebot: unexpected response (status {}): {e}", resp.status),
            )),
        }
    }
}

impl Notifier for Telegram {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(self.send(cx, alerts))
    }
}

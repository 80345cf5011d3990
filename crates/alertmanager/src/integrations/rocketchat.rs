//! The `rocketchat` notifier: `POST <api_url>/api/v1/chat.postMessage` with the user's token
//! in `X-Auth-Token`/`X-User-Id`. Rocket.Chat may fail with a 200 and `"success": false`:
//! that is a non-retryable client error; an unreadable answer is retryable.

use super::http::{Client, Renderer, classify, encode_json, truncate_runes};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::RocketChatConfig;
use crate::config::secret::Secret;
use futures::future::BoxFuture;
use serde::Serialize;
use std::sync::Arc;

const MAX_TITLE_RUNES: usize = 1024;

/// Builds the notifier for one validated `rocketchat_configs` entry; token files are read
/// now, as upstream does.
pub fn build(cfg: &RocketChatConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    let token = read(&cfg.token, &cfg.token_file)?;
    let token_id = read(&cfg.token_id, &cfg.token_id_file)?;
    let url = join_url(cfg.api_url.as_deref().unwrap_or_default(), "api/v1/chat.postMessage");
    Ok(Arc::new(RocketChat { cfg: cfg.clone(), client, token, token_id, url }))
}

fn read(inline: &Option<Secret>, file: &str) -> Result<Secret, String> {
    if file.is_empty() {
        return Ok(inline.clone().unwrap_or_default());
    }
    std::fs::read_to_string(file)
        .map(|s| Secret::new(s.trim()))
        .map_err(|e| format!("could not read {file}: {e}"))
}

/// Go's `URL.JoinPath` for a relative path.
fn join_url(base: &str, path: &str) -> String {
    match url::Url::parse(base) {
        Ok(mut u) => {
            let p = format!("{}/{path}", u.path().trim_end_matches('/'));
            u.set_path(&p);
            u.to_string()
        }
        Err(_) => format!("{}/{path}", base.trim_end_matches('/')),
    }
}

/// Posts to Rocket.Chat.
#[derive(Debug)]
pub struct RocketChat {
    cfg: RocketChatConfig,
    client: Client,
    token: Secret,
    token_id: Secret,
    url: String,
}

#[derive(Serialize)]
struct Field {
    short: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    value: String,
}

#[derive(Serialize)]
struct Action {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    url: String,
    is_webview: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    msg: String,
    msg_in_chat_window: bool,
}

#[derive(Serialize)]
struct Attachment {
    #[serde(skip_serializing_if = "String::is_empty")]
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    title_link: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    image_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    thumb_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    color: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<Field>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    actions: Vec<Action>,
}

#[derive(Serialize)]
struct PostMessage {
    #[serde(skip_serializing_if = "String::is_empty")]
    channel: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    emoji: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    avatar: String,
    attachments: Vec<Attachment>,
}

#[derive(serde::Deserialize)]
struct Answer {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    error: String,
}

impl RocketChat {
    fn message(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<PostMessage, NotifyError> {
        let r = Renderer::new(cx, alerts);
        let t = |s: &Option<String>| r.text(s.as_deref().unwrap_or_default());
        let title = truncate_runes(&t(&self.cfg.title)?, MAX_TITLE_RUNES).0;
        let mut fields = Vec::new();
        for f in &self.cfg.fields {
            fields.push(Field {
                short: f.short.unwrap_or(self.cfg.short_fields),
                title: r.text(&f.title)?,
                value: r.text(&f.value)?,
            });
        }
        let mut actions = Vec::new();
        for a in &self.cfg.actions {
            // Rocket.Chat only knows buttons.
            actions.push(Action {
                kind: "button",
                text: r.text(&a.text)?,
                url: r.text(&a.url)?,
                is_webview: false,
                msg: r.text(&a.msg)?,
                msg_in_chat_window: false,
            });
        }
        let att = Attachment {
            title,
            title_link: t(&self.cfg.title_link)?,
            text: t(&self.cfg.text)?,
            image_url: r.text(&self.cfg.image_url)?,
            thumb_url: r.text(&self.cfg.thumb_url)?,
            color: t(&self.cfg.color)?,
            fields,
            actions,
        };
        Ok(PostMessage {
            channel: r.text(&self.cfg.channel)?,
            emoji: t(&self.cfg.emoji)?,
            avatar: t(&self.cfg.icon_url)?,
            attachments: vec![att],
        })
    }

    async fn send(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Sent, NotifyError> {
        let msg = self.message(cx, alerts)?;
        let body = encode_json(&msg)?;
        let headers = [
            ("X-Auth-Token", self.token.expose().to_string()),
            ("X-User-Id", self.token_id.expose().to_string()),
        ];
        let resp = self.client.post_json(&self.url, body, None, &headers).await?;
        let channel = |e: NotifyError| NotifyError {
            message: format!("channel {:?}: {}", msg.channel, e.message),
            ..e
        };
        classify(resp.status, &resp.body, &[]).map_err(channel)?;
        match serde_json::from_slice::<Answer>(&resp.body) {
            Err(e) => Err(channel(NotifyError::retryable(
                FailureReason::ClientError,
                format!("could not unmarshal JSON response {:?}: {e}", resp.text()),
            ))),
            Ok(a) if !a.success => Err(channel(NotifyError::permanent(
                FailureReason::ClientError,
                format!("error response from Rocketchat: {}", a.error),
            ))),
            Ok(_) => Ok(Sent::default()),
        }
    }
}

impl Notifier for RocketChat {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(self.send(cx, alerts))
    }
}

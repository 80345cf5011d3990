//! The `slack` notifier: one message with one attachment, to an incoming webhook or through
//! `chat.postMessage` with a bot token; with `update_message`, later notifications of the
//! group edit the first message (`chat.update`), remembered in the notification log.
//!
//! Unlike other notifiers, a template error does not stop the send (upstream behaviour,
//! issue #5322): every field rendered after the first failure is left empty.

use super::http::{self, Client, Renderer};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::SlackConfig;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::sync::Arc;

/// Slack's limit on attachment titles.
const MAX_TITLE_RUNES: usize = 1024;

/// `receiver_data` keys upstream uses for `update_message`.
pub const THREAD_TS_KEY: &str = "threadTs";
pub const CHANNEL_ID_KEY: &str = "channelId";

/// Builds the notifier for one `slack_configs` entry.
pub fn build(cfg: &SlackConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(Slack { cfg: cfg.clone(), client }))
}

#[derive(Debug)]
struct Slack {
    cfg: SlackConfig,
    client: Client,
}

#[derive(Debug, Serialize)]
struct Request {
    #[serde(skip_serializing_if = "String::is_empty")]
    channel: String,
    #[serde(rename = "ts", skip_serializing_if = "String::is_empty")]
    timestamp: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    icon_emoji: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    icon_url: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    link_names: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    text: String,
    attachments: Vec<Attachment>,
}

#[derive(Debug, Serialize)]
struct Attachment {
    #[serde(skip_serializing_if = "String::is_empty")]
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    title_link: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pretext: String,
    text: String,
    fallback: String,
    callback_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<Field>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    actions: Vec<Action>,
    #[serde(skip_serializing_if = "String::is_empty")]
    image_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    thumb_url: String,
    footer: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    color: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mrkdwn_in: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Field {
    #[serde(skip_serializing_if = "String::is_empty")]
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    value: String,
    short: bool,
}

#[derive(Debug, Serialize)]
struct Action {
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    style: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    confirm: Option<Confirm>,
}

#[derive(Debug, Serialize)]
struct Confirm {
    #[serde(skip_serializing_if = "String::is_empty")]
    text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    ok_text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    dismiss_text: String,
}

#[derive(Debug, Deserialize)]
struct SlackResponse {
    #[serde(default)]
    ok: bool,
    #[serde(default)]
    error: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    ts: String,
}

/// Renders fields in order; after the first failure every field renders empty.
struct Lenient<'a> {
    r: Renderer<'a>,
    failed: Cell<bool>,
}

impl Lenient<'_> {
    fn t(&self, s: &str) -> String {
        if self.failed.get() {
            return String::new();
        }
        match self.r.text(s) {
            Ok(out) => out,
            Err(e) => {
                tracing::warn!(integration = "slack", err = %e, "template error; sending with empty fields");
                self.failed.set(true);
                String::new()
            }
        }
    }
}

impl Notifier for Slack {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(async move {
            let (req, channel) = self.request(cx, alerts)?;
            let resp = self
                .client
                .send(req)
                .await
                .map_err(|e| http::note_timeout(e, "slack", self.cfg.timeout))?;
            let with_channel = |e: NotifyError| NotifyError {
                message: format!("channel {channel:?}: {}", e.message),
                ..e
            };
            http::classify(resp.status, &resp.body, &[]).map_err(with_channel)?;
            let stored = check_response(&resp).map_err(with_channel)?;
            if !self.cfg.update_message {
                return Ok(Sent::default());
            }
            let mut data = cx.receiver_data.clone();
            if let Some((ts, ch)) = stored {
                data.insert(THREAD_TS_KEY.to_string(), ts);
                data.insert(CHANNEL_ID_KEY.to_string(), ch);
            }
            Ok(Sent { receiver_data: Some(data) })
        })
    }
}

impl Slack {
    /// The request, and the channel it names (for error texts).
    fn request(
        &self,
        cx: &NotifyContext,
        alerts: &[Alert],
    ) -> Result<(http::Request, String), NotifyError> {
        let c = &self.cfg;
        let l = Lenient { r: Renderer::new(cx, alerts), failed: Cell::new(false) };
        let t = |s: &str| l.t(s);
        let (title, truncated) = http::truncate_runes(&t(&c.title), MAX_TITLE_RUNES);
        if truncated {
            tracing::warn!(integration = "slack", max_runes = MAX_TITLE_RUNES, "truncated title");
        }
        let mut att = Attachment {
            title,
            title_link: t(&c.title_link),
            pretext: t(&c.pretext),
            text: t(&c.text),
            fallback: t(&c.fallback),
            callback_id: t(&c.callback_id),
            fields: Vec::new(),
            actions: Vec::new(),
            image_url: t(&c.image_url),
            thumb_url: t(&c.thumb_url),
            footer: t(&c.footer),
            color: t(&c.color),
            mrkdwn_in: if c.mrkdwn_in.is_empty() {
                vec!["fallback".into(), "pretext".into(), "text".into()]
            } else {
                c.mrkdwn_in.clone()
            },
        };
        att.fields = c
            .fields
            .iter()
            .map(|f| Field {
                title: t(&f.title),
                value: t(&f.value),
                short: f.short.unwrap_or(c.short_fields),
            })
            .collect();
        att.actions = c
            .actions
            .iter()
            .map(|a| Action {
                kind: t(&a.kind),
                text: t(&a.text),
                url: t(&a.url),
                style: t(&a.style),
                name: t(&a.name),
                value: t(&a.value),
                confirm: a.confirm.as_ref().map(|cf| Confirm {
                    title: t(&cf.title),
                    text: t(&cf.text),
                    ok_text: t(&cf.ok_text),
                    dismiss_text: t(&cf.dismiss_text),
                }),
            })
            .collect();

        let mut url = if c.api_url_file.is_empty() {
            c.api_url.expose().to_string()
        } else {
            std::fs::read_to_string(&c.api_url_file)
                .map_err(|e| {
                    NotifyError::permanent(
                        FailureReason::Other,
                        format!("open {}: {e}", c.api_url_file),
                    )
                })?
                .trim()
                .to_string()
        };
        let mut req = Request {
            channel: t(&c.channel),
            timestamp: String::new(),
            username: t(&c.username),
            icon_emoji: t(&c.icon_emoji),
            icon_url: t(&c.icon_url),
            link_names: c.link_names,
            text: t(&c.message_text),
            attachments: vec![att],
        };
        if c.update_message {
            let get = |k: &str| cx.receiver_data.get(k).filter(|v| !v.is_empty());
            if let (Some(ts), Some(ch)) = (get(THREAD_TS_KEY), get(CHANNEL_ID_KEY)) {
                url = update_url(&url);
                req.timestamp = ts.clone();
                req.channel = ch.clone();
            }
        }
        let body = http::encode_json(&req)?;
        let r = http::Request::post_json(url, body).timeout(http::timeout_of(Some(c.timeout)));
        Ok((r, req.channel))
    }
}

/// `chat.update` beside the configured `chat.postMessage`.
fn update_url(post_url: &str) -> String {
    match post_url.strip_suffix("chat.postMessage") {
        Some(base) => format!("{base}chat.update"),
        None => "https://slack.com/api/chat.update".to_string(),
    }
}

/// Slack answers 200 for most failures: a JSON body must say `ok`, a text body must be
/// exactly `ok`. Returns the message's `ts` and channel when Slack gave them.
fn check_response(resp: &http::Response) -> Result<Option<(String, String)>, NotifyError> {
    if !resp.content_type().starts_with("application/json") {
        if resp.body.as_ref() != b"ok" {
            return Err(NotifyError::permanent(
                FailureReason::ClientError,
                format!("received an error response from Slack: {}", resp.text()),
            ));
        }
        return Ok(None);
    }
    let data: SlackResponse = serde_json::from_slice(&resp.body).map_err(|e| {
        NotifyError::retryable(
            FailureReason::ClientError,
            format!("could not unmarshal JSON response {:?}: {e}", resp.text()),
        )
    })?;
    if !data.ok {
        return Err(NotifyError::permanent(
            FailureReason::ClientError,
            format!("error response from Slack: {}", data.error),
        ));
    }
    Ok((!data.ts.is_empty() && !data.channel.is_empty()).then_some((data.ts, data.channel)))
}

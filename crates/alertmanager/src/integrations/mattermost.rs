//! The `mattermost` notifier: an incoming-webhook post with one attachment built from the
//! config's fields, or the configured `attachments`.

use super::http::{self, Client, Renderer};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::MattermostConfig;
use crate::config::receivers::mattermost::{MattermostField, MattermostPriority, MattermostProps};
use futures::future::BoxFuture;
use serde::Serialize;
use std::sync::Arc;

const MAX_TEXT_RUNES: usize = 16383;

/// Builds the notifier for one `mattermost_configs` entry.
pub fn build(cfg: &MattermostConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(Mattermost { cfg: cfg.clone(), client }))
}

#[derive(Debug)]
struct Mattermost {
    cfg: MattermostConfig,
    client: Client,
}

#[derive(Debug, Serialize)]
struct Request {
    #[serde(skip_serializing_if = "String::is_empty")]
    text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    channel: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    icon_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    icon_emoji: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment>,
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    props: Option<MattermostProps>,
    #[serde(skip_serializing_if = "Option::is_none")]
    priority: Option<MattermostPriority>,
}

#[derive(Debug, Serialize, Default)]
struct Attachment {
    #[serde(skip_serializing_if = "String::is_empty")]
    fallback: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    color: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pretext: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    text: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    author_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    author_link: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    author_icon: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    title: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    title_link: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<MattermostField>,
    #[serde(skip_serializing_if = "String::is_empty")]
    thumb_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    footer: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    footer_icon: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    image_url: String,
}

impl Notifier for Mattermost {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(async move {
            let (req, channel) = self.request(cx, alerts)?;
            let resp = self.client.send(req).await?;
            http::classify(resp.status, &resp.body, &[]).map_err(|e| NotifyError {
                message: format!("channel {channel:?}: {}", e.message),
                ..e
            })?;
            Ok(Sent::default())
        })
    }
}

impl Mattermost {
    fn request(
        &self,
        cx: &NotifyContext,
        alerts: &[Alert],
    ) -> Result<(http::Request, String), NotifyError> {
        let c = &self.cfg;
        let url = http::url_or_file(&c.webhook_url, &c.webhook_url_file, "read webhook_url_file")?;
        if url.is_empty() {
            return Err(NotifyError::permanent(FailureReason::Other, "webhook url missing"));
        }
        let r = Renderer::new(cx, alerts);
        let t = |s: &str| r.text(s);
        let fields = |fs: &[MattermostField]| -> Result<Vec<MattermostField>, NotifyError> {
            fs.iter()
                .map(|f| {
                    Ok(MattermostField { title: t(&f.title)?, value: t(&f.value)?, short: f.short })
                })
                .collect()
        };
        let text = t(&c.text)?;
        let mut req = Request {
            text: String::new(),
            channel: t(&c.channel)?,
            username: t(&c.username)?,
            icon_url: t(&c.icon_url)?,
            icon_emoji: t(&c.icon_emoji)?,
            attachments: Vec::new(),
            kind: t(&c.kind)?,
            props: None,
            priority: None,
        };
        if let Some(p) = c.priority.as_ref().filter(|p| !p.priority.is_empty()) {
            req.priority = Some(MattermostPriority { priority: t(&p.priority)?, ..p.clone() });
        }
        if let Some(p) = c.props.as_ref().filter(|p| !p.card.is_empty()) {
            req.props = Some(MattermostProps { card: t(&p.card)? });
        }
        if c.attachments.is_empty() {
            req.attachments.push(Attachment {
                text,
                fallback: t(&c.fallback)?,
                color: t(&c.color)?,
                pretext: t(&c.pretext)?,
                author_name: t(&c.author_name)?,
                author_link: t(&c.author_link)?,
                author_icon: t(&c.author_icon)?,
                title: t(&c.title)?,
                title_link: t(&c.title_link)?,
                thumb_url: t(&c.thumb_url)?,
                footer: t(&c.footer)?,
                footer_icon: t(&c.footer_icon)?,
                image_url: t(&c.image_url)?,
                fields: fields(&c.fields)?,
            });
        } else {
            for a in &c.attachments {
                req.attachments.push(Attachment {
                    fallback: t(&a.fallback)?,
                    color: t(&a.color)?,
                    pretext: t(&a.pretext)?,
                    text: t(&a.text)?,
                    author_name: t(&a.author_name)?,
                    author_link: t(&a.author_link)?,
                    author_icon: t(&a.author_icon)?,
                    title: t(&a.title)?,
                    title_link: t(&a.title_link)?,
                    thumb_url: t(&a.thumb_url)?,
                    footer: t(&a.footer)?,
                    footer_icon: t(&a.footer_icon)?,
                    image_url: t(&a.image_url)?,
                    fields: fields(&a.fields)?,
                });
            }
            req.text = text;
        }
        sanitize(&mut req);
        let channel = req.channel.clone();
        Ok((http::Request::post_json(url, http::encode_json(&req)?), channel))
    }
}

/// Upstream's clean-up: text length, priority names and the flags each priority allows.
fn sanitize(r: &mut Request) {
    let (text, truncated) = http::truncate_runes(&r.text, MAX_TEXT_RUNES);
    if truncated {
        tracing::warn!(integration = "mattermost", max_runes = MAX_TEXT_RUNES, "truncated text");
        r.text = text;
    }
    let Some(p) = &mut r.priority else { return };
    let lower = p.priority.to_lowercase();
    p.priority = match lower.as_str() {
        "urgent" | "important" | "standard" => lower,
        _ => {
            tracing::warn!(integration = "mattermost", "invalid priority; using standard");
            "standard".to_string()
        }
    };
    if p.requested_ack && p.priority == "standard" {
        p.requested_ack = false;
    }
    if p.persistent_notifications && p.priority != "urgent" {
        p.persistent_notifications = false;
    }
}

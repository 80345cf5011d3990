//! The `discord` notifier: a webhook message with one embed, red while firing, green once
//! resolved.

use super::http::{self, Client, Renderer};
use super::{BuildEnv, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::DiscordConfig;
use futures::future::BoxFuture;
use serde::Serialize;
use std::sync::Arc;

const MAX_TITLE_RUNES: usize = 256;
const MAX_DESCRIPTION_RUNES: usize = 4096;
const MAX_CONTENT_RUNES: usize = 2000;
const COLOR_RED: u32 = 0x992D22;
const COLOR_GREEN: u32 = 0x2ECC71;
const COLOR_GREY: u32 = 0x95A5A6;

/// Builds the notifier for one `discord_configs` entry.
pub fn build(cfg: &DiscordConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(Discord { cfg: cfg.clone(), client }))
}

#[derive(Debug)]
struct Discord {
    cfg: DiscordConfig,
    client: Client,
}

#[derive(Serialize)]
struct Webhook {
    content: String,
    embeds: Vec<Embed>,
    #[serde(skip_serializing_if = "String::is_empty")]
    username: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    avatar_url: String,
}

#[derive(Serialize)]
struct Embed {
    title: String,
    description: String,
    color: u32,
}

impl Notifier for Discord {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(async move {
            let c = &self.cfg;
            let req = {
                let r = Renderer::new(cx, alerts);
                let (title, _) = http::truncate_runes(&r.text(&c.title)?, MAX_TITLE_RUNES);
                let (description, _) =
                    http::truncate_runes(&r.text(&c.message)?, MAX_DESCRIPTION_RUNES);
                let (content, _) = http::truncate_runes(&r.text(&c.content)?, MAX_CONTENT_RUNES);
                let color = if alerts.is_empty() {
                    COLOR_GREY
                } else if http::all_resolved(cx, alerts) {
                    COLOR_GREEN
                } else {
                    COLOR_RED
                };
                let url = http::url_or_file(
                    &c.webhook_url,
                    &c.webhook_url_file,
                    "read webhook_url_file",
                )?;
                let avatar_url = if url::Url::parse(&c.avatar_url).is_ok() {
                    c.avatar_url.clone()
                } else {
                    if !c.avatar_url.is_empty() {
                        tracing::warn!(integration = "discord", "bad avatar url");
                    }
                    String::new()
                };
                let w = Webhook {
                    content,
                    embeds: vec![Embed { title, description, color }],
                    username: c.username.clone(),
                    avatar_url,
                };
                http::Request::post_json(url, http::encode_json(&w)?)
            };
            let resp = self.client.send(req).await?;
            http::classify(resp.status, &resp.body, &[])?;
            Ok(Sent::default())
        })
    }
}

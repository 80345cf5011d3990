//! The `webex` notifier: `POST <api_url>` `{"markdown", "roomId"}`; the message is cut to
//! Webex's byte limit. Generic status rule (5xx retryable).

use super::http::{Client, Renderer, classify, encode_json, truncate_bytes};
use super::{BuildEnv, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::WebexConfig;
use futures::future::BoxFuture;
use serde::Serialize;
use std::sync::Arc;

/// Webex's message limit, in bytes.
const MAX_MESSAGE_BYTES: usize = 7439;

/// Builds the notifier for one validated `webex_configs` entry.
pub fn build(cfg: &WebexConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(Webex { cfg: cfg.clone(), client }))
}

/// Posts messages to a Webex room.
#[derive(Debug)]
pub struct Webex {
    cfg: WebexConfig,
    client: Client,
}

#[derive(Serialize)]
struct Message {
    markdown: String,
    #[serde(rename = "roomId", skip_serializing_if = "String::is_empty")]
    room_id: String,
}

impl Webex {
    fn body(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Vec<u8>, NotifyError> {
        let r = Renderer::new(cx, alerts);
        let message = r.text(self.cfg.message.as_deref().unwrap_or_default())?;
        let markdown = truncate_bytes(&message, MAX_MESSAGE_BYTES).0;
        encode_json(&Message { markdown, room_id: r.text(&self.cfg.room_id)? })
    }

    async fn send(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Sent, NotifyError> {
        let body = self.body(cx, alerts)?;
        let url = self.cfg.api_url.as_deref().unwrap_or_default();
        let resp = self.client.post_json(url, body, None, &[]).await?;
        classify(resp.status, &resp.body, &[])?;
        Ok(Sent::default())
    }
}

impl Notifier for Webex {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(self.send(cx, alerts))
    }
}

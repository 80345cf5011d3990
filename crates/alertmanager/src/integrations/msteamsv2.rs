//! The `msteamsv2` notifier: an adaptive card for a Power Automate "post to a channel when a
//! webhook request is received" workflow.

use super::http::{self, Client, Renderer};
use super::{BuildEnv, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::MsTeamsV2Config;
use futures::future::BoxFuture;
use serde_json::json;
use std::sync::Arc;

/// Builds the notifier for one `msteamsv2_configs` entry.
pub fn build(cfg: &MsTeamsV2Config, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(MsTeamsV2 { cfg: cfg.clone(), client }))
}

#[derive(Debug)]
struct MsTeamsV2 {
    cfg: MsTeamsV2Config,
    client: Client,
}

impl Notifier for MsTeamsV2 {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(async move {
            let c = &self.cfg;
            let req = {
                let r = Renderer::new(cx, alerts);
                let title = r.text(&c.title)?;
                let text = r.text(&c.text)?;
                let color = if alerts.is_empty() {
                    "Warning"
                } else if http::all_resolved(cx, alerts) {
                    "Good"
                } else {
                    "Attention"
                };
                let url = http::url_or_file(
                    &c.webhook_url,
                    &c.webhook_url_file,
                    "read webhook_url_file",
                )?;
                // serde_json sorts keys (as Go sorts map keys); receivers parse JSON, so the
                // order differing from upstream's struct order is immaterial.
                let msg = json!({
                    "type": "message",
                    "attachments": [{
                        "contentType": "application/vnd.microsoft.card.adaptive",
                        "contentUrl": null,
                        "content": {
                            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "type": "AdaptiveCard",
                            "version": "1.2",
                            "body": [
                                {"type": "TextBlock", "text": title, "weight": "Bolder",
                                 "size": "Medium", "wrap": true, "style": "heading", "color": color},
                                {"type": "TextBlock", "text": text, "wrap": true},
                            ],
                            "msteams": {"width": "full"},
                        },
                    }],
                });
                http::Request::post_json(url, http::encode_json(&msg)?)
            };
            let resp = self.client.send(req).await?;
            http::classify(resp.status, &resp.body, &[])?;
            Ok(Sent::default())
        })
    }
}

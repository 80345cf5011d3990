//! The `msteams` notifier: a legacy Office 365 connector `MessageCard`.

use super::http::{self, Client, Renderer};
use super::{BuildEnv, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::MsTeamsConfig;
use futures::future::BoxFuture;
use serde::Serialize;
use std::sync::Arc;

/// Builds the notifier for one `msteams_configs` entry.
pub fn build(cfg: &MsTeamsConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(MsTeams { cfg: cfg.clone(), client }))
}

#[derive(Debug)]
struct MsTeams {
    cfg: MsTeamsConfig,
    client: Client,
}

#[derive(Serialize)]
struct Message {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    summary: String,
    text: String,
    #[serde(rename = "themeColor")]
    theme_color: &'static str,
}

impl Notifier for MsTeams {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(async move {
            let c = &self.cfg;
            let req = {
                let r = Renderer::new(cx, alerts);
                let msg = Message {
                    context: "http://schema.org/extensions",
                    kind: "MessageCard",
                    title: r.text(&c.title)?,
                    text: r.text(&c.text)?,
                    summary: r.text(&c.summary)?,
                    theme_color: if alerts.is_empty() {
                        "808080"
                    } else if http::all_resolved(cx, alerts) {
                        "2DC72D"
                    } else {
                        "8C1A1A"
                    },
                };
                let url = http::url_or_file(
                    &c.webhook_url,
                    &c.webhook_url_file,
                    "read webhook_url_file",
                )?;
                http::Request::post_json(url, http::encode_json(&msg)?)
            };
            let resp = self.client.send(req).await?;
            http::classify(resp.status, &resp.body, &[])?;
            Ok(Sent::default())
        })
    }
}

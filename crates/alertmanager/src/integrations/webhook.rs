//! The `webhook` notifier: the notification data as JSON (version 4), or a templated custom
//! `payload`, POSTed to a URL that may itself be a template or come from a file.

use super::http::{self, Client, Renderer};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::WebhookConfig;
use futures::future::BoxFuture;
use serde::Serialize;
use std::sync::Arc;

/// Builds the notifier for one `webhook_configs` entry.
pub fn build(cfg: &WebhookConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(Webhook { cfg: cfg.clone(), client }))
}

#[derive(Debug)]
struct Webhook {
    cfg: WebhookConfig,
    client: Client,
}

#[derive(Serialize)]
struct Message<'a> {
    #[serde(flatten)]
    data: http::DataJson<'a>,
    version: &'static str,
    #[serde(rename = "groupKey")]
    group_key: &'a str,
    #[serde(rename = "truncatedAlerts")]
    truncated_alerts: u64,
}

impl Notifier for Webhook {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(async move {
            let (req, _) = self.request(cx, alerts)?;
            let resp = self
                .client
                .send(req)
                .await
                .map_err(|e| http::note_timeout(e, "webhook", self.cfg.timeout))?;
            http::classify(resp.status, &resp.body, &[])?;
            Ok(Sent::default())
        })
    }
}

impl Webhook {
    /// The request for `alerts`, and how many alerts `max_alerts` dropped.
    fn request(
        &self,
        cx: &NotifyContext,
        alerts: &[Alert],
    ) -> Result<(http::Request, u64), NotifyError> {
        let max = usize::try_from(self.cfg.max_alerts).unwrap_or(usize::MAX);
        let (alerts, truncated) = if max != 0 && alerts.len() > max {
            (&alerts[..max], (alerts.len() - max) as u64)
        } else {
            (alerts, 0)
        };
        let r = Renderer::new(cx, alerts);
        let body = match &self.cfg.payload {
            Some(p) => {
                let rendered = http::render_structured(&r, p).map_err(|e| {
                    NotifyError::permanent(
                        e.reason,
                        format!("failed to render custom payload: {}", e.message),
                    )
                })?;
                http::encode_json(&rendered)?
            }
            None => http::encode_json(&Message {
                data: http::data_json(r.data()),
                version: "4",
                group_key: &cx.group_key,
                truncated_alerts: truncated,
            })?,
        };
        let raw_url = if self.cfg.url_file.is_empty() {
            self.cfg.url.expose().to_string()
        } else {
            std::fs::read_to_string(&self.cfg.url_file)
                .map_err(|e| {
                    NotifyError::permanent(
                        FailureReason::Other,
                        format!("read url_file: open {}: {e}", self.cfg.url_file),
                    )
                })?
                .trim()
                .to_string()
        };
        let url = r.text(&raw_url).map_err(|e| {
            NotifyError::permanent(
                e.reason,
                format!("failed to template webhook URL: {}", e.message),
            )
        })?;
        if url.is_empty() {
            return Err(NotifyError::permanent(
                FailureReason::Other,
                "webhook URL is empty after templating",
            ));
        }
        let req =
            http::Request::post_json(url, body).timeout(http::timeout_of(Some(self.cfg.timeout)));
        Ok((req, truncated))
    }
}

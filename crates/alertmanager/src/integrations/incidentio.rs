//! The `incidentio` notifier: the webhook payload (version `1`) POSTed with the alert source
//! token as a bearer token. 429 and 5xx are retryable; error texts use incident.io's JSON
//! error fields. A payload over 512 KiB keeps only its first alert.

use super::http::{self, Client, Renderer, Request};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::http::Authorization;
use crate::config::receivers::IncidentIoConfig;
use crate::config::secret::Secret;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// incident.io's payload limit.
const MAX_PAYLOAD_BYTES: usize = 512 * 1024;

/// Builds the notifier for one validated `incidentio_configs` entry (the token file is read
/// now, as upstream does).
pub fn build(cfg: &IncidentIoConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let mut http_cfg = cfg.http_config.clone().unwrap_or_default();
    let mut token = cfg.alert_source_token.expose().to_string();
    if !cfg.alert_source_token_file.is_empty() {
        token = std::fs::read_to_string(&cfg.alert_source_token_file)
            .map_err(|e| format!("failed to read alert_source_token_file: {e}"))?
            .trim()
            .to_string();
    }
    if !token.is_empty() {
        http_cfg.authorization = Some(Authorization {
            kind: "Bearer".into(),
            credentials: Secret::new(token),
            credentials_file: String::new(),
        });
    }
    let client = Client::new(&http_cfg, &env.user_agent)?;
    Ok(Arc::new(IncidentIo { cfg: cfg.clone(), client }))
}

/// Sends alerts to an incident.io alert source.
#[derive(Debug)]
pub struct IncidentIo {
    cfg: IncidentIoConfig,
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

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    errors: Vec<String>,
    #[serde(default)]
    error: String,
}

/// incident.io's error details: `message: error: errors…`.
fn details(body: &[u8]) -> String {
    let Ok(e) = serde_json::from_slice::<ErrorBody>(body) else { return String::new() };
    let mut parts = Vec::new();
    if !e.message.is_empty() {
        parts.push(e.message);
    }
    if !e.error.is_empty() {
        parts.push(e.error);
    }
    if !e.errors.is_empty() {
        parts.push(e.errors.join(", "));
    }
    parts.join(": ")
}

impl IncidentIo {
    fn body(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Vec<u8>, NotifyError> {
        let max = usize::try_from(self.cfg.max_alerts).unwrap_or(usize::MAX);
        let (alerts, truncated) = if max != 0 && alerts.len() > max {
            (&alerts[..max], (alerts.len() - max) as u64)
        } else {
            (alerts, 0)
        };
        let r = Renderer::new(cx, alerts);
        let mut msg = Message {
            data: http::data_json(r.data()),
            version: "1",
            group_key: &cx.group_key,
            truncated_alerts: truncated,
        };
        let body = http::encode_json(&msg)?;
        if body.len() <= MAX_PAYLOAD_BYTES {
            return Ok(body);
        }
        // One alert usually makes one incident.io alert for the group: the rest is optional.
        msg.data.alerts.truncate(1);
        let smaller = http::encode_json(&msg)?;
        if smaller.len() > MAX_PAYLOAD_BYTES {
            tracing::error!(
                original_size = body.len(),
                final_size = smaller.len(),
                max_size = MAX_PAYLOAD_BYTES,
                "Truncated alert content due to incident.io payload size limit, but still exceeds limit"
            );
        }
        Ok(smaller)
    }

    async fn send(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Sent, NotifyError> {
        let body = self.body(cx, alerts)?;
        let url = match &self.cfg.url {
            Some(u) => u.clone(),
            None => {
                std::fs::read_to_string(&self.cfg.url_file).map(|s| s.trim().to_string()).map_err(
                    |e| NotifyError::permanent(FailureReason::Other, format!("read url_file: {e}")),
                )?
            }
        };
        let req = Request::post_json(url, body).timeout(http::timeout_of(self.cfg.timeout));
        let resp = self.client.send(req).await?;
        http::classify_details(resp.status, &details(&resp.body), &[429])?;
        Ok(Sent::default())
    }
}

impl Notifier for IncidentIo {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(self.send(cx, alerts))
    }
}

//! The `victorops` notifier: `POST <api_url><api_key>/<routing_key>` with a flat JSON object
//! of strings. As upstream: `message_type` is forced to `CRITICAL` when firing with an
//! unknown type and to `RECOVERY` when everything resolved; errors building the payload are
//! retryable, a bad routing-key template is not; statuses follow the generic rule.

use super::http::{Client, Renderer, classify, encode_json, group_key_hash, truncate_runes};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::VictorOpsConfig;
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;

/// VictorOps' limit for `state_message`, in characters.
const MAX_MESSAGE_RUNES: usize = 20480;

/// Builds the notifier for one validated `victorops_configs` entry.
pub fn build(cfg: &VictorOpsConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(VictorOps { cfg: cfg.clone(), client }))
}

/// Sends VictorOps events.
#[derive(Debug)]
pub struct VictorOps {
    cfg: VictorOpsConfig,
    client: Client,
}

impl VictorOps {
    fn request(
        &self,
        cx: &NotifyContext,
        alerts: &[Alert],
    ) -> Result<(String, Vec<u8>), NotifyError> {
        let api_key = if !self.cfg.api_key.is_empty() {
            self.cfg.api_key.expose().to_string()
        } else {
            std::fs::read_to_string(&self.cfg.api_key_file).map(|s| s.trim().to_string()).map_err(
                |e| {
                    NotifyError::permanent(
                        FailureReason::Other,
                        format!("failed to read API key from file: {e}"),
                    )
                },
            )?
        };
        let r = Renderer::new(cx, alerts);
        let routing_key = r.text(&self.cfg.routing_key).map_err(|e| {
            NotifyError::permanent(FailureReason::Other, format!("templating error: {}", e.message))
        })?;
        let base = self.cfg.api_url.as_deref().unwrap_or_default();
        let mut url = url::Url::parse(base).map_err(|e| {
            NotifyError::permanent(FailureReason::Other, format!("invalid VictorOps URL: {e}"))
        })?;
        let path = format!("{}{api_key}/{routing_key}", url.path());
        url.set_path(&path);

        let payload_error = |e: NotifyError| {
            NotifyError::retryable(FailureReason::Other, format!("templating error: {}", e.message))
        };
        let t =
            |s: &Option<String>| r.text(s.as_deref().unwrap_or_default()).map_err(payload_error);
        let mut message_type = t(&self.cfg.message_type)?;
        let state_message = t(&self.cfg.state_message)?;
        let firing = alerts.iter().any(|a| !a.resolved_at(cx.now));
        if firing && !matches!(message_type.as_str(), "INFO" | "WARNING" | "CRITICAL") {
            message_type = "CRITICAL".into();
        }
        if !firing {
            message_type = "RECOVERY".into();
        }
        let mut msg = BTreeMap::new();
        msg.insert("message_type".to_string(), message_type);
        msg.insert("entity_id".to_string(), group_key_hash(&cx.group_key));
        msg.insert("entity_display_name".to_string(), t(&self.cfg.entity_display_name)?);
        msg.insert(
            "state_message".to_string(),
            truncate_runes(&state_message, MAX_MESSAGE_RUNES).0,
        );
        msg.insert("monitoring_tool".to_string(), t(&self.cfg.monitoring_tool)?);
        for (k, v) in &self.cfg.custom_fields {
            msg.insert(k.clone(), r.text(v).map_err(payload_error)?);
        }
        Ok((url.to_string(), encode_json(&msg)?))
    }

    async fn send(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Sent, NotifyError> {
        let (url, body) = self.request(cx, alerts)?;
        // The URL holds the API key: the client never puts URLs into errors.
        let resp = self.client.post_json(&url, body, None, &[]).await?;
        classify(resp.status, &resp.body, &[])?;
        Ok(Sent::default())
    }
}

impl Notifier for VictorOps {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(self.send(cx, alerts))
    }
}

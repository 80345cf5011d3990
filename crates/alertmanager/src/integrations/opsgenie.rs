//! The `opsgenie` notifier: creates an alert whose alias is the SHA-256 of the group key
//! (optionally updating its message and description), and closes it once every alert of the
//! group is resolved.

use super::http::{self, Client, Renderer};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::OpsGenieConfig;
use futures::future::BoxFuture;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

const MAX_MESSAGE_RUNES: usize = 130;

/// Builds the notifier for one `opsgenie_configs` entry.
pub fn build(cfg: &OpsGenieConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(OpsGenie { cfg: cfg.clone(), client }))
}

#[derive(Debug)]
struct OpsGenie {
    cfg: OpsGenieConfig,
    client: Client,
}

#[derive(Debug, Serialize)]
struct CreateMessage {
    alias: String,
    message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    details: BTreeMap<String, String>,
    source: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    responders: Vec<Responder>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    note: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    priority: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    entity: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    actions: Vec<String>,
}

#[derive(Debug, Serialize, PartialEq, Default)]
struct Responder {
    #[serde(skip_serializing_if = "String::is_empty")]
    id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    username: String,
    #[serde(rename = "type")]
    kind: String,
}

impl Notifier for OpsGenie {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(async move {
            for req in self.requests(cx, alerts)? {
                let resp = self.client.send(req).await?;
                http::classify(resp.status, &resp.body, &[429])?;
            }
            Ok(Sent::default())
        })
    }
}

/// Splits on `sep` after trimming the whole string, dropping empty parts (upstream's
/// `safeSplit`: the parts themselves are not trimmed).
fn safe_split(s: &str, sep: char) -> Vec<String> {
    s.trim().split(sep).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

impl OpsGenie {
    fn requests(
        &self,
        cx: &NotifyContext,
        alerts: &[Alert],
    ) -> Result<Vec<http::Request>, NotifyError> {
        let c = &self.cfg;
        let r = Renderer::new(cx, alerts);
        let tmpl_err = |e: NotifyError| {
            NotifyError::permanent(e.reason, format!("templating error: {}", e.message))
        };
        let t = |s: &str| r.text(s).map_err(tmpl_err);
        let mut details: BTreeMap<String, String> =
            r.data().common_labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        for (k, v) in &c.details {
            details.insert(k.clone(), t(v)?);
        }
        let alias = http::group_key_hash(&cx.group_key);
        let base = c.api_url.clone().unwrap_or_default();
        let resolved = !alerts.is_empty() && alerts.iter().all(|a| a.resolved_at(cx.now));
        let mut out = Vec::new();
        if resolved {
            #[derive(Serialize)]
            struct Close {
                source: String,
            }
            let body = http::encode_json(&Close { source: t(&c.source)? })?;
            out.push(http::Request::post_json(
                format!("{base}v2/alerts/{alias}/close?identifierType=alias"),
                body,
            ));
        } else {
            let (message, _) = http::truncate_runes(&t(&c.message)?, MAX_MESSAGE_RUNES);
            let mut responders = Vec::new();
            for cr in &c.responders {
                let resp = Responder {
                    id: t(&cr.id)?,
                    name: t(&cr.name)?,
                    username: t(&cr.username)?,
                    kind: t(&cr.kind)?,
                };
                if resp == Responder::default() {
                    continue;
                }
                if resp.kind == "teams" {
                    for team in safe_split(&resp.name, ',') {
                        responders.push(Responder {
                            name: t(&team)?,
                            kind: "team".into(),
                            ..Responder::default()
                        });
                    }
                    continue;
                }
                responders.push(resp);
            }
            let msg = CreateMessage {
                alias: alias.clone(),
                message,
                description: t(&c.description)?,
                details,
                source: t(&c.source)?,
                responders,
                tags: safe_split(&t(&c.tags)?, ','),
                note: t(&c.note)?,
                priority: t(&c.priority)?,
                entity: t(&c.entity)?,
                actions: safe_split(&t(&c.actions)?, ','),
            };
            out.push(http::Request::post_json(
                format!("{base}v2/alerts"),
                http::encode_json(&msg)?,
            ));
            if c.update_alerts {
                #[derive(Serialize)]
                struct UpdateMessage<'a> {
                    #[serde(skip_serializing_if = "str::is_empty")]
                    message: &'a str,
                }
                #[derive(Serialize)]
                struct UpdateDescription<'a> {
                    #[serde(skip_serializing_if = "str::is_empty")]
                    description: &'a str,
                }
                let put = |path: &str, body: Vec<u8>| {
                    http::Request::new(
                        reqwest::Method::PUT,
                        format!("{base}v2/alerts/{alias}/{path}?identifierType=alias"),
                    )
                    .body(body, "application/json")
                };
                out.push(put(
                    "message",
                    http::encode_json(&UpdateMessage { message: &msg.message })?,
                ));
                out.push(put(
                    "description",
                    http::encode_json(&UpdateDescription { description: &msg.description })?,
                ));
            }
        }
        let key = if c.api_key_file.is_empty() {
            t(c.api_key.expose())?
        } else {
            let content = std::fs::read_to_string(&c.api_key_file).map_err(|e| {
                NotifyError::permanent(
                    FailureReason::Other,
                    format!("read key_file error: open {}: {e}", c.api_key_file),
                )
            })?;
            t(&content)?.trim().to_string()
        };
        Ok(out.into_iter().map(|r| r.header("Authorization", format!("GenieKey {key}"))).collect())
    }
}

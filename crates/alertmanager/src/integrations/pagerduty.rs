//! The `pagerduty` notifier: Events API v2 (`routing_key`) or the legacy v1 API
//! (`service_key`). The dedup/incident key is the SHA-256 of the group key, so PagerDuty
//! folds every notification of a group into one incident.

use super::http::{self, Client, Renderer};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::PagerDutyConfig;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// PagerDuty rejects bigger events.
const MAX_EVENT_SIZE: usize = 512_000;
const MAX_SUMMARY_RUNES: usize = 1024;

/// Builds the notifier for one `pagerduty_configs` entry.
pub fn build(cfg: &PagerDutyConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(PagerDuty { cfg: cfg.clone(), client }))
}

#[derive(Debug)]
struct PagerDuty {
    cfg: PagerDutyConfig,
    client: Client,
}

type Details = serde_json::Map<String, serde_json::Value>;

/// One message type for both API versions, as upstream: v1 leaves the v2 fields empty and
/// the other way round (so v1 bodies carry `"event_action":""` and `"payload":null`).
#[derive(Debug, Serialize)]
struct Message {
    #[serde(skip_serializing_if = "String::is_empty")]
    routing_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    service_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    dedup_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    incident_key: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    event_type: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    event_action: String,
    payload: Option<Payload>,
    #[serde(skip_serializing_if = "String::is_empty")]
    client: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    client_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Details>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    images: Vec<Image>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
}

#[derive(Debug, Serialize)]
struct Payload {
    summary: String,
    source: String,
    severity: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    class: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    component: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    group: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_details: Option<Details>,
}

#[derive(Debug, Serialize)]
struct Image {
    src: String,
    alt: String,
    href: String,
}

#[derive(Debug, Serialize)]
struct Link {
    href: String,
    text: String,
}

impl Notifier for PagerDuty {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(async move {
            let body = self.body(cx, alerts)?;
            let url = self.cfg.url.clone().unwrap_or_default();
            let req = http::Request::post_json(url, body)
                .timeout(http::timeout_of(Some(self.cfg.timeout)));
            let v1 = self.cfg.is_v1();
            let resp = self.client.send(req).await.map_err(|e| {
                let e = http::note_timeout(e, "pagerduty", self.cfg.timeout);
                NotifyError {
                    message: if v1 {
                        format!("failed to post message to PagerDuty v1: {}", e.message)
                    } else {
                        format!("failed to post message to PagerDuty: {}", e.message)
                    },
                    ..e
                }
            })?;
            let retry: &[u16] = if v1 { &[403] } else { &[429] };
            http::classify_details(resp.status, &error_details(resp.status, &resp.body), retry)?;
            Ok(Sent::default())
        })
    }
}

impl PagerDuty {
    fn body(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Vec<u8>, NotifyError> {
        let c = &self.cfg;
        let r = Renderer::new(cx, alerts);
        let resolved = !alerts.is_empty() && alerts.iter().all(|a| a.resolved_at(cx.now));
        let mut details = Details::new();
        for (k, v) in &c.details {
            let out = http::render_structured(&r, v).map_err(|e| {
                NotifyError::permanent(e.reason, format!("failed to render details: {}", e.message))
            })?;
            details.insert(k.clone(), out);
        }
        let key = http::group_key_hash(&cx.group_key);
        let version = if c.is_v1() { "v1" } else { "v2" };
        let tmpl_err = |e: NotifyError| {
            NotifyError::permanent(
                e.reason,
                format!("failed to template PagerDuty {version} message: {}", e.message),
            )
        };
        let t = |s: &str| r.text(s).map_err(tmpl_err);
        let (description, _) = http::truncate_runes(&t(&c.description)?, MAX_SUMMARY_RUNES);
        let mut msg = if c.is_v1() {
            let key_text = read_key(&c.service_key, &c.service_key_file, "service")?;
            let trigger = !resolved;
            let m = Message {
                service_key: t(&key_text)?,
                event_type: if trigger { "trigger" } else { "resolve" }.into(),
                incident_key: key,
                description,
                client: if trigger { t(&c.client)? } else { String::new() },
                client_url: if trigger { t(&c.client_url)? } else { String::new() },
                details: Some(details),
                ..empty_message()
            };
            if m.service_key.is_empty() {
                return Err(NotifyError::permanent(
                    FailureReason::Other,
                    "service key cannot be empty",
                ));
            }
            m
        } else {
            let key_text = read_key(&c.routing_key, &c.routing_key_file, "routing")?;
            let severity = if c.severity.is_empty() { "error" } else { c.severity.as_str() };
            let mut m = Message {
                client: t(&c.client)?,
                client_url: t(&c.client_url)?,
                routing_key: t(&key_text)?,
                event_action: if resolved { "resolve" } else { "trigger" }.into(),
                dedup_key: key,
                payload: Some(Payload {
                    summary: description,
                    source: t(&c.source)?,
                    severity: t(severity)?,
                    custom_details: Some(details),
                    class: t(&c.class)?,
                    component: t(&c.component)?,
                    group: t(&c.group)?,
                }),
                ..empty_message()
            };
            for i in &c.images {
                let img = Image { src: t(&i.src)?, alt: t(&i.alt)?, href: t(&i.href)? };
                if !img.src.is_empty() {
                    m.images.push(img);
                }
            }
            for l in &c.links {
                let link = Link { href: t(&l.href)?, text: t(&l.text)? };
                if !link.href.is_empty() {
                    m.links.push(link);
                }
            }
            if m.routing_key.is_empty() {
                return Err(NotifyError::permanent(
                    FailureReason::Other,
                    "routing key cannot be empty",
                ));
            }
            m
        };
        let body = http::encode_json(&msg)?;
        if body.len() <= MAX_EVENT_SIZE {
            return Ok(body);
        }
        tracing::warn!(
            integration = "pagerduty",
            size = body.len(),
            limit = MAX_EVENT_SIZE,
            "truncated details: message exceeds the size limit"
        );
        let removed = Details::from_iter([(
            "error".to_string(),
            serde_json::Value::String(
                "Custom details have been removed because the original event exceeds the maximum size of 512KB"
                    .into(),
            ),
        )]);
        match &mut msg.payload {
            Some(p) if !c.is_v1() => p.custom_details = Some(removed),
            _ => msg.details = Some(removed),
        }
        http::encode_json(&msg)
    }
}

fn empty_message() -> Message {
    Message {
        routing_key: String::new(),
        service_key: String::new(),
        dedup_key: String::new(),
        incident_key: String::new(),
        event_type: String::new(),
        description: String::new(),
        event_action: String::new(),
        payload: None,
        client: String::new(),
        client_url: String::new(),
        details: None,
        images: Vec::new(),
        links: Vec::new(),
    }
}

fn read_key(
    inline: &crate::config::secret::Secret,
    file: &str,
    what: &str,
) -> Result<String, NotifyError> {
    if !inline.is_empty() {
        return Ok(inline.expose().to_string());
    }
    std::fs::read_to_string(file).map(|s| s.trim().to_string()).map_err(|e| {
        NotifyError::permanent(
            FailureReason::Other,
            format!("failed to read {what} key from file: open {file}: {e}"),
        )
    })
}

/// PagerDuty explains a 400 in `{message, errors}`; upstream shows only that, and nothing
/// for other statuses.
fn error_details(status: u16, body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct PdError {
        #[serde(default)]
        message: String,
        #[serde(default)]
        errors: Vec<String>,
    }
    if status != 400 {
        return String::new();
    }
    match serde_json::from_slice::<PdError>(body) {
        Ok(e) => format!("{}: {}", e.message, e.errors.join(",")),
        Err(_) => String::new(),
    }
}

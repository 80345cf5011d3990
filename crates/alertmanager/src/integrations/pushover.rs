//! The `pushover` notifier: every field goes in the query string of an empty
//! `POST https://api.pushover.net/1/messages.json` (`text/plain`), as upstream sends it.

use super::http::{Client, Renderer, Request, classify, truncate_runes};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::PushoverConfig;
use futures::future::BoxFuture;
use std::sync::Arc;

/// Pushover's endpoint (upstream has no setting for it).
pub const API_URL: &str = "https://api.pushover.net/1/messages.json";
const MAX_TITLE_RUNES: usize = 250;
const MAX_MESSAGE_RUNES: usize = 1024;
const MAX_URL_RUNES: usize = 512;

/// Builds the notifier for one validated `pushover_configs` entry.
pub fn build(cfg: &PushoverConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    build_with_url(cfg, env, API_URL)
}

/// [`build`] sending to another endpoint (tests).
pub fn build_with_url(
    cfg: &PushoverConfig,
    env: &BuildEnv,
    api_url: &str,
) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(Pushover { cfg: cfg.clone(), client, api_url: api_url.to_string() }))
}

/// Sends Pushover notifications.
#[derive(Debug)]
pub struct Pushover {
    cfg: PushoverConfig,
    client: Client,
    api_url: String,
}

fn secret(inline: &str, file: &str, what: &str) -> Result<String, NotifyError> {
    if !inline.is_empty() {
        return Ok(inline.to_string());
    }
    // Upstream keeps the file's content untrimmed; a trailing newline is never part of a key.
    std::fs::read_to_string(file).map(|s| s.trim().to_string()).map_err(|e| {
        NotifyError::permanent(FailureReason::Other, format!("read {what}: open {file}: {e}"))
    })
}

fn seconds(d: Option<model::duration::GoDuration>) -> i64 {
    d.map(|d| d.as_nanos() / 1_000_000_000).unwrap_or_default()
}

impl Pushover {
    /// The query parameters, in upstream's (sorted) order.
    fn params(
        &self,
        cx: &NotifyContext,
        alerts: &[Alert],
    ) -> Result<Vec<(&'static str, String)>, NotifyError> {
        let token = secret(self.cfg.token.expose(), &self.cfg.token_file, "token_file")?;
        let user = secret(self.cfg.user_key.expose(), &self.cfg.user_key_file, "user_key_file")?;
        let r = Renderer::new(cx, alerts);
        let opt = |s: &Option<String>| s.clone().unwrap_or_default();
        let mut p = vec![("token", r.text(&token)?), ("user", r.text(&user)?)];
        p.push(("title", truncate_runes(&r.text(&opt(&self.cfg.title))?, MAX_TITLE_RUNES).0));
        let message = if self.cfg.html {
            p.push(("html", "1".into()));
            r.html(&opt(&self.cfg.message))?
        } else {
            r.text(&opt(&self.cfg.message))?
        };
        if self.cfg.monospace {
            p.push(("monospace", "1".into()));
        }
        let message = truncate_runes(&message, MAX_MESSAGE_RUNES).0;
        let message = message.trim();
        // Pushover rejects empty messages.
        p.push((
            "message",
            if message.is_empty() { "(no details)".into() } else { message.to_string() },
        ));
        p.push(("url", truncate_runes(&r.text(&opt(&self.cfg.url))?, MAX_URL_RUNES).0));
        p.push(("url_title", r.text(&self.cfg.url_title)?));
        p.push(("priority", r.text(&opt(&self.cfg.priority))?));
        p.push(("retry", seconds(self.cfg.retry).to_string()));
        p.push(("expire", seconds(self.cfg.expire).to_string()));
        p.push(("device", r.text(&self.cfg.device)?));
        p.push(("sound", r.text(&self.cfg.sound)?));
        let ttl = seconds(self.cfg.ttl);
        if ttl > 0 {
            p.push(("ttl", ttl.to_string()));
        }
        p.sort_by_key(|(k, _)| *k);
        Ok(p)
    }

    async fn send(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Sent, NotifyError> {
        let params = self.params(cx, alerts)?;
        let mut url = url::Url::parse(&self.api_url).map_err(|e| {
            NotifyError::permanent(FailureReason::Other, format!("invalid Pushover URL: {e}"))
        })?;
        url.query_pairs_mut().clear().extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
        // The URL carries the token: it never goes into an error.
        let req = Request::new(reqwest::Method::POST, url.as_str()).body(Vec::new(), "text/plain");
        let resp = self.client.send(req).await?;
        classify(resp.status, &resp.body, &[])?;
        Ok(Sent::default())
    }
}

impl Notifier for Pushover {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(self.send(cx, alerts))
    }
}

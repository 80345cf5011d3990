//! The `wechat` notifier: an access token from `gettoken` (cached for two hours, dropped when
//! WeChat says it expired), then `message/send`. As upstream: a non-200 status or an
//! unreadable answer is retryable, `errcode` 42001 (expired token) is retryable, any other
//! `errcode` is not.

use super::http::{Client, Renderer, Request, encode_json};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::WeChatConfig;
use futures::future::BoxFuture;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// How long a token is reused.
const TOKEN_TTL: Duration = Duration::from_secs(2 * 3600);

/// Builds the notifier for one validated `wechat_configs` entry.
pub fn build(cfg: &WeChatConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    Ok(Arc::new(WeChat { cfg: cfg.clone(), client, token: Mutex::new(None) }))
}

/// Sends WeChat Work messages.
#[derive(Debug)]
pub struct WeChat {
    cfg: WeChatConfig,
    client: Client,
    token: Mutex<Option<(String, Instant)>>,
}

#[derive(Serialize)]
struct Content {
    content: String,
}

#[derive(Serialize)]
struct Message {
    text: Content,
    #[serde(skip_serializing_if = "String::is_empty")]
    touser: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    toparty: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    totag: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    agentid: String,
    safe: &'static str,
    msgtype: String,
    markdown: Content,
}

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    access_token: String,
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

fn permanent(m: String) -> NotifyError {
    NotifyError::permanent(FailureReason::Other, m)
}

impl WeChat {
    /// The token request's URL (rendered secret and corp id) and the message body.
    fn prepare(
        &self,
        cx: &NotifyContext,
        alerts: &[Alert],
    ) -> Result<(String, Vec<u8>), NotifyError> {
        let r = Renderer::new(cx, alerts);
        let secret = if self.cfg.api_secret_file.is_empty() {
            self.cfg.api_secret.expose().to_string()
        } else {
            std::fs::read_to_string(&self.cfg.api_secret_file)
                .map(|s| s.trim().to_string())
                .map_err(|e| permanent(format!("open {}: {e}", self.cfg.api_secret_file)))?
        };
        let templ = |e: NotifyError| permanent(format!("templating error: {}", e.message));
        let mut token_url = url::Url::parse(&format!("{}gettoken", self.api_url()))
            .map_err(|e| permanent(format!("invalid WeChat URL: {e}")))?;
        token_url
            .query_pairs_mut()
            .append_pair("corpid", &r.text(&self.cfg.corp_id).map_err(templ)?)
            .append_pair("corpsecret", &r.text(&secret).map_err(templ)?);

        let t = |s: &Option<String>| r.text(s.as_deref().unwrap_or_default()).map_err(templ);
        let content = t(&self.cfg.message)?;
        let markdown = self.cfg.message_type == "markdown";
        let msg = Message {
            text: Content { content: if markdown { String::new() } else { content.clone() } },
            touser: t(&self.cfg.to_user)?,
            toparty: t(&self.cfg.to_party)?,
            totag: t(&self.cfg.to_tag)?,
            agentid: t(&self.cfg.agent_id)?,
            safe: "0",
            msgtype: self.cfg.message_type.clone(),
            markdown: Content { content: if markdown { content } else { String::new() } },
        };
        Ok((token_url.to_string(), encode_json(&msg)?))
    }

    fn api_url(&self) -> &str {
        self.cfg.api_url.as_deref().unwrap_or_default()
    }

    async fn access_token(&self, token_url: String) -> Result<String, NotifyError> {
        if let Some((t, at)) = &*self.token.lock()
            && at.elapsed() <= TOKEN_TTL
        {
            return Ok(t.clone());
        }
        // The URL carries the secret; the client keeps URLs out of errors.
        let resp = self.client.send(Request::new(reqwest::Method::GET, token_url)).await?;
        let token: Token =
            serde_json::from_slice(&resp.body).map_err(|e| permanent(e.to_string()))?;
        if token.access_token.is_empty() {
            return Err(permanent(format!("invalid APISecret for CorpID: {}", self.cfg.corp_id)));
        }
        *self.token.lock() = Some((token.access_token.clone(), Instant::now()));
        Ok(token.access_token)
    }

    async fn send(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Sent, NotifyError> {
        let (token_url, body) = self.prepare(cx, alerts)?;
        let token = self.access_token(token_url).await?;
        let mut url = url::Url::parse(&format!("{}message/send", self.api_url()))
            .map_err(|e| permanent(format!("invalid WeChat URL: {e}")))?;
        url.query_pairs_mut().append_pair("access_token", &token);
        let resp = self.client.post_json(url.as_str(), body, None, &[]).await?;
        if resp.status != 200 {
            return Err(NotifyError::retryable(
                FailureReason::from_status(resp.status),
                format!("unexpected status code {}", resp.status),
            ));
        }
        let answer: Answer = serde_json::from_slice(&resp.body)
            .map_err(|e| NotifyError::retryable(FailureReason::Other, e.to_string()))?;
        match answer.errcode {
            0 => Ok(Sent::default()),
            42001 => {
                *self.token.lock() = None;
                Err(NotifyError::retryable(FailureReason::Other, answer.errmsg))
            }
            _ => Err(permanent(answer.errmsg)),
        }
    }
}

impl Notifier for WeChat {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(self.send(cx, alerts))
    }
}

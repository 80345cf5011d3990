//! Sending one encoded batch: the request headers of remote write 1.0 and the classification
//! of the outcome into "retry" and "give up", as upstream's client does.
//!
//! The HTTP exchange is behind [`Transport`], so tests can answer requests in-process (under
//! tokio's paused clock, where real sockets would make timers fire early). [`HttpTransport`]
//! is the real one, on `httpclient::Client`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use httpclient::HttpClientConfig;
use reqwest::header::{HeaderName, HeaderValue};

use crate::codec;

/// `User-Agent` of remote write requests.
pub const USER_AGENT: &str = concat!("Prometheus/klaxon-", env!("CARGO_PKG_VERSION"));

/// Longest error body kept in messages (upstream's `maxErrMsgLen`).
const MAX_ERR_MSG_LEN: usize = 1024;

/// One POST to a remote write endpoint.
#[derive(Debug, Clone)]
pub struct OutgoingRequest {
    pub url: String,
    /// Name/value pairs, protocol headers first, then the configured ones.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The start of the body, for error messages.
    pub body: String,
}

/// The boxed future of [`Transport::post`].
pub type PostFuture<'a> = Pin<Box<dyn Future<Output = Result<Reply, String>> + Send + 'a>>;

/// Carries requests to the remote end. An `Err` is a transport failure (connection refused,
/// reset, TLS): always worth retrying.
pub trait Transport: Send + Sync + fmt::Debug {
    fn post(&self, req: OutgoingRequest) -> PostFuture<'_>;
}

/// Remote write over HTTP(S): an [`httpclient::Client`] for the entry's `http_config`
/// (TLS, proxy, auth, OAuth 2, `http_headers`).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: httpclient::Client,
}

impl HttpTransport {
    /// A transport for one `remote_write` entry.
    pub fn new(http: &HttpClientConfig) -> Result<Self, String> {
        Ok(HttpTransport { client: httpclient::Client::new(http, USER_AGENT)? })
    }
}

impl Transport for HttpTransport {
    fn post(&self, req: OutgoingRequest) -> PostFuture<'_> {
        Box::pin(async move {
            // Auth and `http_headers` first (secret files are read now), then the protocol
            // headers and the entry's `headers`, which replace any of the same name.
            let mut headers = self.client.headers().await.map_err(|e| e.message)?;
            for (name, value) in &req.headers {
                let name = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| format!("invalid header name {name:?}"))?;
                let value = HeaderValue::from_str(value)
                    .map_err(|_| format!("invalid value for header {name}"))?;
                headers.insert(name, value);
            }
            let resp = self
                .client
                .inner()
                .post(&req.url)
                .headers(headers)
                .body(req.body)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let retry_after =
                resp.headers().get("Retry-After").and_then(|v| v.to_str().ok()).map(str::to_owned);
            let body = if status / 100 == 2 {
                String::new()
            } else {
                let bytes = resp.bytes().await.unwrap_or_default();
                String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_ERR_MSG_LEN)]).into_owned()
            };
            Ok(Reply { status, retry_after, body })
        })
    }
}

/// The headers of a remote write 1.0 request; `attempt` > 0 adds `Retry-Attempt`.
pub(crate) fn request_headers(
    configured: &std::collections::BTreeMap<String, String>,
    attempt: u32,
) -> Vec<(String, String)> {
    let mut headers = vec![
        ("Content-Encoding".to_owned(), codec::CONTENT_ENCODING.to_owned()),
        ("Content-Type".to_owned(), codec::CONTENT_TYPE.to_owned()),
        (codec::VERSION_HEADER.to_owned(), codec::VERSION_1.to_owned()),
        ("User-Agent".to_owned(), USER_AGENT.to_owned()),
    ];
    if attempt > 0 {
        headers.push(("Retry-Attempt".to_owned(), attempt.to_string()));
    }
    // Configured headers are set on top, as upstream's header-injecting round tripper does;
    // config validation refuses the protocol's own names.
    for (name, value) in configured {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        headers.push((name.clone(), value.clone()));
    }
    headers
}

/// How a send ended, as the retry loop sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SendError {
    /// Network error, timeout, 5xx, or 429 when retrying those: try again after
    /// `retry_after` if the server said so, else after the current backoff.
    Recoverable { message: String, retry_after: Option<Duration> },
    /// Anything else (4xx): the batch is dropped.
    Fatal(String),
}

/// Classifies a reply as upstream does.
pub(crate) fn classify(reply: &Reply, retry_on_429: bool) -> Result<(), SendError> {
    if reply.status / 100 == 2 {
        return Ok(());
    }
    let message = format!("server returned HTTP status {}: {}", reply.status, reply.body.trim());
    if reply.status / 100 == 5 || (retry_on_429 && reply.status == 429) {
        let retry_after = reply.retry_after.as_deref().and_then(parse_retry_after);
        return Err(SendError::Recoverable { message, retry_after });
    }
    Err(SendError::Fatal(message))
}

/// `Retry-After` as whole seconds or an HTTP date. Unparsable values and dates in the past
/// give `None`: the sender falls back to its backoff, as upstream does.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return (secs > 0).then(|| Duration::from_secs(secs));
    }
    static HTTP_DATE: jiff::fmt::rfc2822::DateTimeParser =
        jiff::fmt::rfc2822::DateTimeParser::new();
    let at = std::time::SystemTime::from(HTTP_DATE.parse_timestamp(value).ok()?);
    at.duration_since(std::time::SystemTime::now()).ok().filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, retry_after: Option<&str>) -> Reply {
        Reply { status, retry_after: retry_after.map(str::to_owned), body: "x".into() }
    }

    #[test]
    fn classification() {
        assert_eq!(classify(&reply(204, None), false), Ok(()));
        assert!(matches!(
            classify(&reply(503, Some("7")), false),
            Err(SendError::Recoverable { retry_after: Some(d), .. }) if d == Duration::from_secs(7)
        ));
        assert!(matches!(classify(&reply(400, None), true), Err(SendError::Fatal(_))));
        assert!(matches!(classify(&reply(429, None), false), Err(SendError::Fatal(_))));
        assert!(matches!(
            classify(&reply(429, Some("garbage")), true),
            Err(SendError::Recoverable { retry_after: None, .. })
        ));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("0"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None, "in the past");
        assert_eq!(parse_retry_after("next tuesday"), None, "unparsable");
        let d = parse_retry_after("Tue, 01 Jan 2999 00:00:00 GMT").unwrap();
        assert!(d > Duration::from_secs(365 * 24 * 3600));
    }

    #[test]
    fn headers() {
        let mut configured = std::collections::BTreeMap::new();
        configured.insert("X-Scope-OrgID".to_owned(), "tenant".to_owned());
        let h = request_headers(&configured, 2);
        let get = |n: &str| h.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("Content-Encoding"), Some("snappy"));
        assert_eq!(get("Content-Type"), Some("application/x-protobuf"));
        assert_eq!(get("X-Prometheus-Remote-Write-Version"), Some("0.1.0"));
        assert_eq!(get("Retry-Attempt"), Some("2"));
        assert_eq!(get("X-Scope-OrgID"), Some("tenant"));
        assert!(request_headers(&configured, 0).iter().all(|(k, _)| k != "Retry-Attempt"));
    }
}

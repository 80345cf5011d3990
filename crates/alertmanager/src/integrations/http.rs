//! Outgoing HTTP for integrations: a client built from `http_config`, Go-compatible JSON
//! bodies, upstream's status classification, and the small helpers every notifier shares
//! (template rendering with a non-retryable error, rune truncation).
//!
//! Secrets in `*_file` fields (basic auth, `authorization`, OAuth 2 client secret, header
//! files) are read at send time, as upstream does, so rotating a file needs no reload. Error
//! texts never contain a URL (webhook URLs carry tokens) or a secret.

use super::{FailureReason, NotifyContext, NotifyError};
use crate::alert::Alert;
use crate::config::http::HttpClientConfig;
use crate::config::secret::Secret;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::Duration;
use template::Value;
use template::alertmanager::{Data, Templates};

mod data_json;

pub use data_json::{AlertJson, DataJson, alert_json, data_json, time_json};

/// Go's `…` truncation marker.
pub const TRUNCATION_MARKER: &str = "…";

/// An HTTP client for one integration, built once per config (re)load: the shared
/// `httpclient::Client` (TLS, proxy, auth) with the notifier's error classification.
#[derive(Debug, Clone)]
pub struct Client {
    inner: httpclient::Client,
}

/// One request. `body` is sent as is with `content_type` (when set).
#[derive(Debug, Clone)]
pub struct Request {
    pub method: reqwest::Method,
    pub url: String,
    pub body: Option<Vec<u8>>,
    pub content_type: Option<String>,
    /// Extra headers (set, replacing the client's for the same name).
    pub headers: Vec<(String, String)>,
    /// Bound on the whole exchange; `None` for none.
    pub timeout: Option<Duration>,
}

impl Request {
    /// A request without body.
    pub fn new(method: reqwest::Method, url: impl Into<String>) -> Request {
        Request {
            method,
            url: url.into(),
            body: None,
            content_type: None,
            headers: Vec::new(),
            timeout: None,
        }
    }

    /// A `POST` of a JSON body (already encoded, see [`encode_json`]).
    pub fn post_json(url: impl Into<String>, body: Vec<u8>) -> Request {
        Request::new(reqwest::Method::POST, url).body(body, "application/json")
    }

    /// Sets the body and its content type.
    pub fn body(mut self, body: Vec<u8>, content_type: &str) -> Request {
        self.body = Some(body);
        self.content_type = Some(content_type.to_string());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Request {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Sets the timeout (`None` or zero: none).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Request {
        self.timeout = timeout.filter(|d| !d.is_zero());
        self
    }
}

/// A response, read in full.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: bytes::Bytes,
}

impl Response {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `Content-Type` header, or empty.
    pub fn content_type(&self) -> &str {
        self.headers.get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

impl Client {
    /// Builds a client from a validated `http_config`. Errors name the setting (TLS files,
    /// proxy URL), never a secret.
    pub fn new(cfg: &HttpClientConfig, user_agent: &str) -> Result<Client, String> {
        Ok(Client { inner: httpclient::Client::new(cfg, user_agent)? })
    }

    /// `POST`s an encoded JSON body with `Content-Type: application/json`.
    pub async fn post_json(
        &self,
        url: &str,
        body: Vec<u8>,
        timeout: Option<Duration>,
        headers: &[(&str, String)],
    ) -> Result<Response, NotifyError> {
        let mut req = Request::post_json(url, body).timeout(timeout);
        for (n, v) in headers {
            req = req.header(n, v.clone());
        }
        self.send(req).await
    }

    /// Sends one request and reads the whole response. Transport failures (connect, TLS,
    /// timeout, unreadable secret file) are retryable errors; the status is not checked
    /// (see [`classify`]).
    pub async fn send(&self, req: Request) -> Result<Response, NotifyError> {
        let method = req.method.clone();
        let mut rb = self.inner.inner().request(req.method, &req.url);
        let mut headers = self.inner.headers().await.map_err(prepare_error)?;
        if let Some(ct) = &req.content_type {
            headers.insert(reqwest::header::CONTENT_TYPE, header_value(ct)?);
        }
        for (n, v) in &req.headers {
            let name = HeaderName::from_bytes(n.as_bytes()).map_err(|_| {
                NotifyError::permanent(FailureReason::Other, format!("invalid header name {n:?}"))
            })?;
            headers.insert(name, header_value(v)?);
        }
        rb = rb.headers(headers);
        if let Some(t) = req.timeout {
            rb = rb.timeout(t);
        }
        if let Some(body) = req.body {
            rb = rb.body(body);
        }
        let resp = rb.send().await.map_err(|e| transport_error(&method, e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(|e| transport_error(&method, e))?;
        Ok(Response { status, headers, body })
    }
}

/// A request that could not be prepared: a bad header fails for good, an unreadable secret
/// file or a failed token request may recover.
fn prepare_error(e: httpclient::Error) -> NotifyError {
    if e.is_retryable() {
        NotifyError::retryable(FailureReason::Other, e.message)
    } else {
        NotifyError::permanent(FailureReason::Other, e.message)
    }
}

/// `Authorization: Basic base64(user:pass)`.
pub fn basic_auth_header(user: &str, pass: &str) -> Result<HeaderValue, NotifyError> {
    httpclient::client::basic_auth_header(user, pass).map_err(prepare_error)
}

fn header_value(s: &str) -> Result<HeaderValue, NotifyError> {
    httpclient::client::header_value(s).map_err(prepare_error)
}

/// The inline secret, or the content of its file when the file is set.
pub fn secret_or_file(inline: &Secret, file: &str, what: &str) -> Result<Secret, NotifyError> {
    httpclient::client::secret_or_file(inline, file, what).map_err(prepare_error)
}

fn transport_error(method: &reqwest::Method, e: reqwest::Error) -> NotifyError {
    let reason =
        if e.is_timeout() { FailureReason::ContextDeadlineExceeded } else { FailureReason::Other };
    // The URL may carry a token: upstream redacts it too. The source chain holds the cause
    // (connection refused, TLS, ...).
    let e = e.without_url();
    let mut msg = format!("{} \"<redacted>\": {e}", capitalize_method(method));
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    NotifyError::retryable(reason, msg)
}

fn capitalize_method(m: &reqwest::Method) -> String {
    let s = m.as_str().to_ascii_lowercase();
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => s,
    }
}

/// Upstream's status check (`notify.Retrier.Check`): 2xx is success; 5xx and the codes in
/// `extra_retryable` are retryable; anything else fails for good. The message is
/// `unexpected status code N: <body>`.
pub fn classify(status: u16, body: &[u8], extra_retryable: &[u16]) -> Result<(), NotifyError> {
    classify_details(status, &String::from_utf8_lossy(body), extra_retryable)
}

/// [`classify`] with the detail text already extracted from the body (PagerDuty, ...).
pub fn classify_details(
    status: u16,
    details: &str,
    extra_retryable: &[u16],
) -> Result<(), NotifyError> {
    if status / 100 == 2 {
        return Ok(());
    }
    let retryable = status / 100 == 5 || extra_retryable.contains(&status);
    let mut msg = format!("unexpected status code {status}");
    if !details.is_empty() {
        msg.push_str(": ");
        msg.push_str(details);
    }
    Err(NotifyError { retryable, reason: FailureReason::from_status(status), message: msg })
}

/// Encodes like Go's `json.NewEncoder(..).Encode`: `<`, `>`, `&`, U+2028 and U+2029 escaped
/// inside strings, and a trailing newline.
pub fn encode_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<Vec<u8>, NotifyError> {
    let s = serde_json::to_string(v).map_err(|e| {
        NotifyError::permanent(FailureReason::Other, format!("failed to encode JSON: {e}"))
    })?;
    let mut out = String::with_capacity(s.len() + 16);
    // These characters can only occur inside JSON strings, so a plain scan is exact.
    for c in s.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    Ok(out.into_bytes())
}

/// Go's `notify.TruncateInRunes`: at most `n` characters, the last one `…` when cut.
pub fn truncate_runes(s: &str, n: usize) -> (String, bool) {
    let count = s.chars().count();
    if count <= n {
        return (s.to_string(), false);
    }
    if n <= 3 {
        return (s.chars().take(n).collect(), true);
    }
    let mut out: String = s.chars().take(n - 1).collect();
    out.push_str(TRUNCATION_MARKER);
    (out, true)
}

/// Go's `notify.TruncateInBytes`: at most `n` bytes, ending with `…` when cut, never
/// splitting a character.
pub fn truncate_bytes(s: &str, n: usize) -> (String, bool) {
    if s.len() <= n {
        return (s.to_string(), false);
    }
    if n <= 3 {
        let out = if n == 3 { TRUNCATION_MARKER.to_string() } else { ".".repeat(n) };
        return (out, true);
    }
    let mut end = n - 3;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (format!("{}{TRUNCATION_MARKER}", &s[..end]), true)
}

/// Renders one template string; a template error is a non-retryable error.
pub fn render(templates: &Templates, text: &str, data: &Data) -> Result<String, NotifyError> {
    templates.execute_text(text, data).map_err(template_error)
}

/// A template failure: retrying renders the same template, so it is permanent.
pub fn template_error(e: template::Error) -> NotifyError {
    NotifyError::permanent(FailureReason::Other, e.to_string())
}

/// Renders a notifier's template fields against one notification's data (converted once).
#[derive(Debug)]
pub struct Renderer<'a> {
    templates: &'a Templates,
    data: Data,
    value: Value,
}

impl<'a> Renderer<'a> {
    /// The data of `alerts` for this notification.
    pub fn new(cx: &'a NotifyContext, alerts: &[Alert]) -> Renderer<'a> {
        Renderer::from_data(&cx.templates, crate::template_data::build(cx, alerts))
    }

    /// From already built data.
    pub fn from_data(templates: &'a Templates, data: Data) -> Renderer<'a> {
        let value = data.to_value();
        Renderer { templates, data, value }
    }

    /// The template data.
    pub fn data(&self) -> &Data {
        &self.data
    }

    /// Renders a text template; a failure is a non-retryable error with the engine's message.
    pub fn text(&self, text: &str) -> Result<String, NotifyError> {
        if text.is_empty() {
            return Ok(String::new());
        }
        self.templates.execute_text_value(text, &self.value).map_err(template_error)
    }

    /// Renders an HTML template (`ExecuteHTMLString`).
    pub fn html(&self, text: &str) -> Result<String, NotifyError> {
        if text.is_empty() {
            return Ok(String::new());
        }
        self.templates.execute_html_value(text, &self.value).map_err(template_error)
    }
}

/// Upstream's `DeepCopyWithTemplate`: strings (and map keys) are rendered; a rendered string
/// that parses as YAML to something other than a string is embedded as that value (empty
/// and `null` become JSON null).
pub fn render_structured(
    r: &Renderer<'_>,
    v: &serde_json::Value,
) -> Result<serde_json::Value, NotifyError> {
    use serde_json::Value as J;
    Ok(match v {
        J::String(s) => {
            let out = r.text(s)?;
            match serde_saphyr::from_str::<J>(&out) {
                Ok(J::String(_)) | Err(_) => J::String(out),
                Ok(structured) => structured,
            }
        }
        J::Array(items) => {
            J::Array(items.iter().map(|i| render_structured(r, i)).collect::<Result<_, _>>()?)
        }
        J::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                out.insert(r.text(k)?, render_structured(r, v)?);
            }
            J::Object(out)
        }
        other => other.clone(),
    })
}

/// A URL from the config or, when `file` is set, from that file (read now, trimmed). A
/// missing file fails for good: `<what>: open <file>: <error>`.
pub fn url_or_file(inline: &Secret, file: &str, what: &str) -> Result<String, NotifyError> {
    if file.is_empty() {
        return Ok(inline.expose().to_string());
    }
    std::fs::read_to_string(file).map(|s| s.trim().to_string()).map_err(|e| {
        NotifyError::permanent(FailureReason::Other, format!("{what}: open {file}: {e}"))
    })
}

/// Upstream's `Alerts.Status() == resolved`: every alert is resolved at `cx.now`.
pub fn all_resolved(cx: &NotifyContext, alerts: &[Alert]) -> bool {
    !alerts.is_empty() && alerts.iter().all(|a| a.resolved_at(cx.now))
}

/// Upstream's note on a request that hit the integration's own `timeout`:
/// `<error>: configured <name> timeout reached (<timeout>)`.
pub fn note_timeout(
    e: NotifyError,
    name: &str,
    timeout: model::duration::GoDuration,
) -> NotifyError {
    if e.reason != FailureReason::ContextDeadlineExceeded
        || timeout.to_std().is_none_or(|d| d.is_zero())
    {
        return e;
    }
    NotifyError {
        message: format!("{}: configured {name} timeout reached ({timeout})", e.message),
        ..e
    }
}

/// Upstream's `Key.Hash`: the SHA-256 of the group key, in hex (PagerDuty dedup key,
/// OpsGenie alias).
pub fn group_key_hash(group_key: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(group_key.as_bytes()))
}

/// A config's `timeout` as a request bound (`0` or unset: none).
pub fn timeout_of(d: Option<model::duration::GoDuration>) -> Option<Duration> {
    d.and_then(|d| d.to_std()).filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_json_escapes_html_and_ends_with_newline() {
        let v = serde_json::json!({"a": "<b> & \u{2028}", "n": 1});
        let s = String::from_utf8(encode_json(&v).unwrap()).unwrap();
        assert_eq!(s, "{\"a\":\"\\u003cb\\u003e \\u0026 \\u2028\",\"n\":1}\n");
    }

    #[test]
    fn truncation_matches_upstream() {
        assert_eq!(truncate_runes("abcdef", 6), ("abcdef".into(), false));
        assert_eq!(truncate_runes("abcdef", 5), ("abcd…".into(), true));
        assert_eq!(truncate_runes("abcdef", 3), ("abc".into(), true));
        assert_eq!(truncate_runes("äöüßé", 4), ("äöü…".into(), true));
        assert_eq!(truncate_bytes("abcdef", 5), ("ab…".into(), true));
        // Two bytes left before the marker: not enough for "ä" plus "ö".
        assert_eq!(truncate_bytes("äöü", 5), ("ä…".into(), true));
        assert_eq!(truncate_bytes("äöü", 4), ("…".into(), true));
        assert_eq!(truncate_bytes("abcdef", 2), ("..".into(), true));
    }

    #[test]
    fn classification() {
        assert!(classify(204, b"", &[]).is_ok());
        let e = classify(500, b"boom", &[]).unwrap_err();
        assert!(e.retryable);
        assert_eq!(e.message, "unexpected status code 500: boom");
        assert_eq!(e.reason, FailureReason::ServerError);
        let e = classify(429, b"", &[]).unwrap_err();
        assert!(!e.retryable);
        assert_eq!(e.message, "unexpected status code 429");
        assert!(classify(429, b"", &[429]).unwrap_err().retryable);
        assert_eq!(classify(403, b"", &[]).unwrap_err().reason, FailureReason::AuthError);
    }

    #[test]
    fn group_key_hash_is_sha256_hex() {
        assert_eq!(
            group_key_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}

#[cfg(test)]
mod structured_tests {
    use super::*;

    fn render(s: &str) -> serde_json::Value {
        let t = Templates::with_defaults();
        let r = Renderer::from_data(&t, Data::default());
        render_structured(&r, &serde_json::Value::String(s.into())).unwrap()
    }

    #[test]
    fn rendered_strings_become_yaml_values() {
        use serde_json::json;
        assert_eq!(render("42"), json!(42));
        assert_eq!(render("true"), json!(true));
        assert_eq!(render("[1, a]"), json!([1, "a"]));
        assert_eq!(render("{a: b}"), json!({"a": "b"}));
        assert_eq!(render("plain text"), json!("plain text"));
        assert_eq!(render("{{ \"x: z\" }}"), json!({"x": "z"}));
        // YAML 1.1 booleans, as upstream's yaml.v2 reads them.
        assert_eq!(render("yes"), json!(true));
        assert_eq!(render("off"), json!(false));
        // yaml.Unmarshal of an empty document gives nil: JSON null.
        assert_eq!(render(""), json!(null));
        assert_eq!(render("null"), json!(null));
        // Not valid YAML: kept as the string.
        assert_eq!(render("a: b: c"), json!("a: b: c"));
    }
}

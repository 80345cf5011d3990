//! A local mock of an HTTP service for the integration tests: records every request and
//! answers with queued or per-path responses. Include it with
//! `#[path = "common/mock_http.rs"] mod mock_http;`.
//!
//! ```ignore
//! let mock = MockServer::start().await;
//! mock.enqueue(MockResponse::text(500, "down"));       // first request gets this
//! mock.on("POST", "/api/chat.update", MockResponse::json(200, json!({"ok": true})));
//! // ... send to mock.url("/hook") ...
//! let reqs = mock.requests();
//! assert_eq!(reqs[0].json(), json!({...}));
//! ```
//!
//! Also holds [`fixtures`]: alerts, a notify context with the default templates, a build env.

#![allow(dead_code, clippy::unwrap_used)]

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// One request the mock received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// The raw query string (without `?`), empty when none.
    pub query: String,
    /// Headers in arrival order, names lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Every value of a header.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The body parsed as JSON (panics when it is not: tests want to know).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.text()))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The query string's pairs, decoded.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_bytes()).into_owned().collect()
    }

    /// `path?query` as sent.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }
}

/// What the mock answers.
#[derive(Debug, Clone)]
pub struct MockResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (tokio time: instant under paused time).
    pub delay: Option<std::time::Duration>,
}

impl MockResponse {
    /// An empty body with `status`.
    pub fn status(status: u16) -> MockResponse {
        MockResponse { status, headers: Vec::new(), body: Vec::new(), delay: None }
    }

    /// A `text/plain` body.
    pub fn text(status: u16, body: &str) -> MockResponse {
        MockResponse::status(status)
            .with_header("content-type", "text/plain; charset=utf-8")
            .with_body(body)
    }

    /// An `application/json` body.
    pub fn json(status: u16, body: serde_json::Value) -> MockResponse {
        MockResponse::status(status)
            .with_header("content-type", "application/json; charset=utf-8")
            .with_body(&body.to_string())
    }

    pub fn with_header(mut self, name: &str, value: &str) -> MockResponse {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_body(mut self, body: &str) -> MockResponse {
        self.body = body.as_bytes().to_vec();
        self
    }

    pub fn with_delay(mut self, delay: std::time::Duration) -> MockResponse {
        self.delay = Some(delay);
        self
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Recorded>,
    queue: VecDeque<MockResponse>,
    routes: Vec<(String, String, MockResponse)>,
    default: Option<MockResponse>,
}

/// A server on `127.0.0.1:<random port>`, stopped when dropped.
pub struct MockServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    scheme: &'static str,
}

/// TLS settings of [`MockServer::start_tls`]: PEM texts.
pub struct MockTls {
    pub cert_chain: String,
    pub key: String,
    /// Require a client certificate signed by this CA.
    pub client_ca: Option<String>,
}

impl MockServer {
    /// Starts the server. Without configuration it answers `200` with an empty body.
    pub async fn start() -> MockServer {
        let state = Arc::new(Mutex::new(State::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let st = state.clone();
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let st = st.clone();
                async move {
                    let resp = record(&st, method, uri, headers, body);
                    if let Some(d) = resp.delay {
                        tokio::time::sleep(d).await;
                    }
                    respond(resp)
                }
            },
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        MockServer { addr, state, stop: Some(tx), scheme: "http" }
    }

    /// An HTTPS server (HTTP/1.1 only) on a plain thread, sharing the recording and answering
    /// logic of [`MockServer::start`] (response delays are not applied).
    pub fn start_tls(tls: MockTls) -> MockServer {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(tls.cert_chain.as_bytes()).map(Result::unwrap).collect();
        let key = PrivateKeyDer::from_pem_slice(tls.key.as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = match &tls.client_ca {
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                    roots.add(c.unwrap()).unwrap();
                }
                let v = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider,
                )
                .build()
                .unwrap();
                builder.with_client_cert_verifier(v)
            }
            None => builder.with_no_client_auth(),
        };
        let config = Arc::new(builder.with_single_cert(certs, key).unwrap());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (st, config) = (st.clone(), config.clone());
                std::thread::spawn(move || serve_tls(conn, config, &st));
            }
        });
        MockServer { addr, state, stop: None, scheme: "https" }
    }

    /// `http(s)://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}://{}{}", self.scheme, self.addr, path)
    }

    /// The URL with `host` instead of the IP address (same port).
    pub fn url_with_host(&self, host: &str, path: &str) -> String {
        format!("{}://{host}:{}{}", self.scheme, self.addr.port(), path)
    }

    /// Answers the next request with `resp` (queued responses go first, in order).
    pub fn enqueue(&self, resp: MockResponse) {
        self.state.lock().unwrap().queue.push_back(resp);
    }

    /// Answers every request to `method path` (when nothing is queued) with `resp`.
    pub fn on(&self, method: &str, path: &str, resp: MockResponse) {
        self.state.lock().unwrap().routes.push((method.to_string(), path.to_string(), resp));
    }

    /// The answer when nothing else applies (default `200`, empty).
    pub fn set_default(&self, resp: MockResponse) {
        self.state.lock().unwrap().default = Some(resp);
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    /// Waits (polling every 10 ms of tokio time) until at least `n` requests arrived, or
    /// panics after `limit`.
    pub async fn wait_for(&self, n: usize, limit: std::time::Duration) -> Vec<Recorded> {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let r = self.requests();
            if r.len() >= n {
                return r;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {n} requests arrived",
                r.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// The only request so far (panics unless there is exactly one).
    pub fn single(&self) -> Recorded {
        let r = self.requests();
        assert_eq!(r.len(), 1, "expected one request, got {}: {r:#?}", r.len());
        r.into_iter().next().unwrap()
    }

    /// Forgets recorded requests.
    pub fn clear(&self) {
        self.state.lock().unwrap().requests.clear();
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Records the request and picks the answer.
fn record(
    st: &Mutex<State>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> MockResponse {
    let mut st = st.lock().unwrap();
    let rec = Recorded {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().unwrap_or("").to_string(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())
            })
            .collect(),
        body: body.to_vec(),
    };
    let resp = st
        .queue
        .pop_front()
        .or_else(|| {
            st.routes
                .iter()
                .rev()
                .find(|(m, p, _)| *m == rec.method && *p == rec.path)
                .map(|(_, _, r)| r.clone())
        })
        .or_else(|| st.default.clone())
        .unwrap_or_else(|| MockResponse::status(200));
    st.requests.push(rec);
    resp
}

fn respond(resp: MockResponse) -> axum::response::Response {
    let mut b = axum::response::Response::builder()
        .status(StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    for (n, v) in &resp.headers {
        b = b.header(n, v);
    }
    b.body(axum::body::Body::from(resp.body)).unwrap()
}

/// Serves HTTP/1.1 requests on one TLS connection until it closes.
fn serve_tls(conn: std::net::TcpStream, config: Arc<rustls::ServerConfig>, st: &Mutex<State>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let Ok(server) = rustls::ServerConnection::new(config) else { return };
    let mut reader = BufReader::new(rustls::StreamOwned::new(server, conn));
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (Some(method), Some(target)) = (parts.next(), parts.next()) else { return };
        let (method, target) = (method.to_string(), target.to_string());
        let mut headers = HeaderMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((n, v)) = h.split_once(':')
                && let (Ok(n), Ok(v)) = (
                    axum::http::HeaderName::from_bytes(n.trim().as_bytes()),
                    axum::http::HeaderValue::from_str(v.trim()),
                )
            {
                headers.append(n, v);
            }
        }
        let len = headers
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let uri: Uri = target.parse().unwrap_or_default();
        let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
        let resp = record(st, method, uri, headers, Bytes::from(body));
        let mut out =
            format!("HTTP/1.1 {} X\r\ncontent-length: {}\r\n", resp.status, resp.body.len());
        for (n, v) in &resp.headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let stream = reader.get_mut();
        if stream.write_all(out.as_bytes()).is_err()
            || stream.write_all(&resp.body).is_err()
            || stream.flush().is_err()
        {
            return;
        }
    }
}

/// A URL nothing listens on (the port was bound, then released): requests fail to connect.
pub async fn closed_port_url(path: &str) -> String {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}{path}")
}

/// Test data: alerts, a notify context and a build env.
pub mod fixtures {
    use alertmanager::alert::{Alert, Time, ZERO_TIME, parse_time};
    use alertmanager::integrations::{BuildEnv, NotifyContext};
    use model::labels::Labels;
    use std::collections::BTreeMap;
    use std::sync::Arc;
    use template::alertmanager::Templates;

    /// The user agent the fixtures' [`env`] gives notifiers.
    pub const USER_AGENT: &str = "Alertmanager/0.34.0";

    /// `2026-01-01T00:00:00Z` plus `secs`.
    pub fn t(secs: i64) -> Time {
        parse_time("2026-01-01T00:00:00Z").unwrap() + jiff::SignedDuration::from_secs(secs)
    }

    /// A firing alert (zero `ends_at`) that started at `t(0)`.
    pub fn firing(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Alert {
        Alert {
            labels: Labels::from_pairs(labels.iter().copied()),
            annotations: Labels::from_pairs(annotations.iter().copied()),
            starts_at: t(0),
            ends_at: ZERO_TIME,
            updated_at: t(0),
            generator_url: "http://prom:9090/graph?g0.expr=up".to_string(),
            timeout: false,
        }
    }

    /// A resolved alert (ended at `t(60)`, before the context's `now` of `t(120)`).
    pub fn resolved(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> Alert {
        Alert { ends_at: t(60), ..firing(labels, annotations) }
    }

    /// A context at `t(120)` for receiver `receiver`, grouped by `alertname`, with the
    /// default templates and external URL `http://am.example:9093`.
    pub fn context(receiver: &str, group_labels: &[(&str, &str)]) -> NotifyContext {
        let gl = Labels::from_pairs(group_labels.iter().copied());
        let key = format!(
            "{{}}:{{{}}}",
            gl.iter().map(|l| format!("{}={:?}", l.name, l.value)).collect::<Vec<_>>().join(", ")
        );
        NotifyContext {
            group_key: key.into(),
            receiver: receiver.into(),
            group_labels: gl,
            route_labels: BTreeMap::new(),
            notification_reason: "first notification".into(),
            external_url: "http://am.example:9093".into(),
            templates: Arc::new(Templates::with_defaults()),
            now: t(120),
            receiver_data: BTreeMap::new(),
            user_agent: USER_AGENT.into(),
        }
    }

    /// A build env with [`USER_AGENT`].
    pub fn env() -> BuildEnv {
        BuildEnv { user_agent: USER_AGENT.to_string() }
    }
}

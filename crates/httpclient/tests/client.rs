//! The client against a local server: auth headers (with `*_file` secrets read per request),
//! OAuth 2 token caching, configured headers, redirects.

#![allow(clippy::unwrap_used)] // test helpers; a failure here is a test failure

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use httpclient::{Client, HttpClientConfig};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Serves `router` on a free local port; returns its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// Echoes the request's `Authorization`, `User-Agent` and `X-Team` headers.
async fn echo(headers: HeaderMap) -> String {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let teams: Vec<_> = headers.get_all("x-team").iter().filter_map(|v| v.to_str().ok()).collect();
    format!("{}|{}|{}", h("authorization"), h("user-agent"), teams.join(","))
}

fn config(yaml: &str, dir: &std::path::Path) -> HttpClientConfig {
    let mut c: HttpClientConfig = serde_saphyr::from_str(yaml).unwrap();
    c.validate(dir).unwrap();
    c
}

async fn get_text(client: &Client, url: &str) -> String {
    let resp = client.request(reqwest::Method::GET, url).await.unwrap().send().await.unwrap();
    resp.text().await.unwrap()
}

#[tokio::test]
async fn basic_auth_password_file_is_read_per_request() {
    let base = serve(Router::new().route("/", get(echo))).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pw"), "first\n").unwrap();
    let cfg = config("basic_auth: {username: alice, password_file: pw}", dir.path());
    let client = Client::new(&cfg, "klaxon-test/1").unwrap();
    // base64("alice:first")
    assert_eq!(get_text(&client, &base).await, "Basic YWxpY2U6Zmlyc3Q=|klaxon-test/1|");
    std::fs::write(dir.path().join("pw"), "second").unwrap();
    // base64("alice:second")
    assert_eq!(get_text(&client, &base).await, "Basic YWxpY2U6c2Vjb25k|klaxon-test/1|");
    // A missing file is a retryable error naming the setting, not the secret.
    std::fs::remove_file(dir.path().join("pw")).unwrap();
    let e = client.request(reqwest::Method::GET, &base).await.unwrap_err();
    assert!(e.is_retryable());
    assert!(e.message.starts_with("unable to read basic auth password: "), "{e}");
}

#[tokio::test]
async fn authorization_and_legacy_bearer_token() {
    let base = serve(Router::new().route("/", get(echo))).await;
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(&config("bearer_token: abc", dir.path()), "ua").unwrap();
    assert_eq!(get_text(&client, &base).await, "Bearer abc|ua|");
    std::fs::write(dir.path().join("tok"), "t1\n").unwrap();
    let cfg = config("authorization: {type: Token, credentials_file: tok}", dir.path());
    let client = Client::new(&cfg, "ua").unwrap();
    assert_eq!(get_text(&client, &base).await, "Token t1|ua|");
}

#[tokio::test]
async fn configured_headers_are_added() {
    let base = serve(Router::new().route("/", get(echo))).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("team"), "from-file\n").unwrap();
    let cfg = config(
        "http_headers: {X-Team: {values: [ops], secrets: [sre], files: [team]}}",
        dir.path(),
    );
    let client = Client::new(&cfg, "ua").unwrap();
    assert_eq!(get_text(&client, &base).await, "|ua|ops,sre,from-file");
    assert_eq!(client.user_agent(), "ua");
    assert_eq!(client.config(), &cfg);
}

#[derive(Clone)]
struct TokenServer {
    calls: Arc<AtomicUsize>,
}

async fn token(State(s): State<TokenServer>, headers: HeaderMap, body: String) -> String {
    let n = s.calls.fetch_add(1, Ordering::SeqCst) + 1;
    // The client authenticates with its id and secret; the grant is client credentials.
    assert_eq!(headers["authorization"], "Basic aWQ6c2VjcmV0", "base64(id:secret)");
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    assert!(body.contains("scope=read+write"), "{body}");
    format!(r#"{{"access_token":"tok{n}","token_type":"bearer","expires_in":3600}}"#)
}

#[tokio::test]
async fn oauth2_tokens_are_fetched_once_and_cached() {
    let calls = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route("/", get(echo))
        .route("/token", post(token))
        .with_state(TokenServer { calls: calls.clone() });
    let base = serve(router).await;
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "oauth2: {{client_id: id, client_secret: secret, token_url: '{base}/token', scopes: [read, write]}}"
    );
    let client = Client::new(&config(&yaml, dir.path()), "ua").unwrap();
    assert_eq!(get_text(&client, &base).await, "Bearer tok1|ua|");
    assert_eq!(get_text(&client, &base).await, "Bearer tok1|ua|");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn redirects_follow_the_config() {
    let router = Router::new()
        .route("/", get(echo))
        .route("/old", get(|| async { axum::response::Redirect::temporary("/") }));
    let base = serve(router).await;
    let dir = tempfile::tempdir().unwrap();
    let follow = Client::new(&config("{}", dir.path()), "ua").unwrap();
    let resp = follow.request(reqwest::Method::GET, &format!("{base}/old")).await.unwrap();
    assert_eq!(resp.send().await.unwrap().status(), 200);
    let stay = Client::new(&config("follow_redirects: false", dir.path()), "ua").unwrap();
    let resp = stay.request(reqwest::Method::GET, &format!("{base}/old")).await.unwrap();
    assert_eq!(resp.send().await.unwrap().status(), 307);
}

#[test]
fn build_errors_name_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let e =
        Client::new(&config("tls_config: {ca_file: missing.pem}", dir.path()), "ua").unwrap_err();
    assert!(e.starts_with("unable to read CA cert: unable to read file "), "{e}");
    let e = Client::new(&config("tls_config: {ca: 'not a cert'}", dir.path()), "ua").unwrap_err();
    assert_eq!(e, "unable to use specified CA cert");
}

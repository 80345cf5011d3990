//! The demo site: a tiny shop standing in for nginx. It answers every request and logs it
//! in the `combined` format. While `failing`, its checkout answers 502 and its orders API 500
//! (a broken backend); unknown paths are 404 as always.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, Version, header};
use axum::response::{IntoResponse, Response};

use super::access_log::{self, AccessLog, Entry};

/// The site's state: whether its backend is broken, and its log.
#[derive(Debug)]
pub struct Site {
    pub failing: AtomicBool,
    log: AccessLog,
}

impl Site {
    pub fn new(log: AccessLog) -> Arc<Site> {
        Arc::new(Site { failing: AtomicBool::new(false), log })
    }

    pub fn log_path(&self) -> &std::path::Path {
        self.log.path()
    }

    /// The status `path` is answered with now.
    #[cfg(test)]
    pub fn answer_status(&self, path: &str) -> u16 {
        self.answer(path).0.as_u16()
    }

    /// Status, content type and body for `path`.
    fn answer(&self, path: &str) -> (StatusCode, &'static str, String) {
        let failing = self.failing.load(Ordering::Relaxed);
        let html = "text/html; charset=utf-8";
        let json = "application/json";
        match path {
            "/" => (StatusCode::OK, html, HOME.to_string()),
            "/cart" => (StatusCode::OK, json, r#"{"items":[]}"#.to_string()),
            "/checkout" if failing => {
                (StatusCode::BAD_GATEWAY, html, "<h1>502 Bad Gateway</h1>\n".to_string())
            }
            "/checkout" => (StatusCode::OK, html, "<h1>Checkout</h1>\n".to_string()),
            "/api/orders" if failing => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json,
                r#"{"error":"orders database unavailable"}"#.to_string(),
            ),
            "/api/orders" => (StatusCode::OK, json, r#"{"orders":[]}"#.to_string()),
            p if p
                .strip_prefix("/products/")
                .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())) =>
            {
                (StatusCode::OK, json, format!(r#"{{"id":{},"name":"demo"}}"#, &p[10..]))
            }
            _ => (StatusCode::NOT_FOUND, html, "<h1>404 Not Found</h1>\n".to_string()),
        }
    }
}

const HOME: &str = "<!doctype html>\n<title>klaxon demo shop</title>\n\
<h1>klaxon demo shop</h1>\n\
<p>This site stands in for nginx: every request is written to an access log that klaxon reads.\n\
<ul><li><a href=\"/products/42\">a product</a><li><a href=\"/cart\">the cart</a>\
<li><a href=\"/checkout\">checkout</a></ul>\n";

/// The site's router (every path goes to one handler).
pub fn router(site: Arc<Site>) -> Router {
    Router::new().fallback(handle).with_state(site)
}

async fn handle(
    State(site): State<Arc<Site>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    version: Version,
    headers: HeaderMap,
) -> Response {
    let (status, content_type, body) = site.answer(uri.path());
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let request = format!("{method} {target} {version:?}");
    let get_header = |name: header::HeaderName| {
        headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    };
    let (referer, user_agent) = (get_header(header::REFERER), get_header(header::USER_AGENT));
    let time = access_log::time_local(&jiff::Zoned::now());
    site.log.write(&access_log::combined_line(&Entry {
        remote_addr: peer.ip(),
        request: &request,
        status: status.as_u16(),
        body_bytes_sent: body.len(),
        referer: referer.as_deref(),
        user_agent: user_agent.as_deref(),
        time_local: &time,
    }));
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (tempfile::TempDir, Arc<Site>) {
        let dir = tempfile::tempdir().unwrap();
        let log = AccessLog::open(&dir.path().join("access.log")).unwrap();
        (dir, Site::new(log))
    }

    #[test]
    fn answers_by_path_and_breaks_only_the_backend_paths() {
        let (_dir, s) = site();
        let code = |p: &str| s.answer(p).0.as_u16();
        assert_eq!([code("/"), code("/cart"), code("/checkout"), code("/api/orders")], [200; 4]);
        assert_eq!(code("/products/42"), 200);
        assert_eq!(code("/products/"), 404);
        assert_eq!(code("/products/x"), 404);
        assert_eq!(code("/spring-sale"), 404);
        s.failing.store(true, Ordering::Relaxed);
        assert_eq!([code("/checkout"), code("/api/orders"), code("/")], [502, 500, 200]);
    }

    #[tokio::test]
    async fn logs_each_request_as_a_combined_line() {
        let (dir, s) = site();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = router(s).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let client = reqwest::Client::builder().user_agent("test-agent").build().unwrap();
        let r = client.get(format!("http://{addr}/nope?x=\"1\"")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 404);
        let body_len = r.bytes().await.unwrap().len();
        let log = std::fs::read_to_string(dir.path().join("access.log")).unwrap();
        let expected_tail =
            format!("\"GET /nope?x=%221%22 HTTP/1.1\" 404 {body_len} \"-\" \"test-agent\"\n");
        assert!(log.starts_with("127.0.0.1 - - ["), "{log}");
        assert!(log.ends_with(&expected_tail), "{log}");
        assert_eq!(log.lines().count(), 1);
    }
}

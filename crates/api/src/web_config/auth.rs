//! The request layer of the web configuration: rate limit, security headers and basic auth,
//! in upstream's order, on every request.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::config::RateLimit;
use super::reload::Web;

/// How many verified (user, hash, password) outcomes are remembered: bcrypt costs tens of
/// milliseconds per check by design, far too much per request.
const CACHE_SIZE: usize = 100;

/// Verified login outcomes, keyed by a keyed 128-bit hash of (user, bcrypt hash, password) so
/// that no password is kept in memory and lookups do not compare secrets byte by byte.
#[derive(Debug)]
pub(super) struct AuthCache {
    keys: (RandomState, RandomState),
    outcomes: parking_lot::Mutex<HashMap<u128, bool>>,
    /// One bcrypt at a time, as upstream: it is CPU-bound and a burst of logins must not
    /// starve the server.
    bcrypt: tokio::sync::Mutex<()>,
}

impl Default for AuthCache {
    fn default() -> Self {
        AuthCache {
            keys: (RandomState::new(), RandomState::new()),
            outcomes: parking_lot::Mutex::default(),
            bcrypt: tokio::sync::Mutex::new(()),
        }
    }
}

impl AuthCache {
    fn key(&self, user: &str, hash: &str, pass: &str) -> u128 {
        let parts = (user, hash, pass);
        let hi = self.keys.0.hash_one(parts);
        let lo = self.keys.1.hash_one(parts);
        (u128::from(hi) << 64) | u128::from(lo)
    }

    fn get(&self, key: u128) -> Option<bool> {
        self.outcomes.lock().get(&key).copied()
    }

    fn set(&self, key: u128, ok: bool) {
        let mut m = self.outcomes.lock();
        if m.len() >= CACHE_SIZE {
            // Drop a tenth at once so that this is rare; the map's order is random already.
            let drop: Vec<u128> = m.keys().take(m.len() / 10 + 1).copied().collect();
            for k in drop {
                m.remove(&k);
            }
        }
        m.insert(key, ok);
    }

    /// Whether `user` may log in with `pass`: `hash` is the user's, or `None` for an unknown
    /// user, who is still put through a bcrypt of the same cost class (no user enumeration
    /// by timing). From the cache, or by bcrypt off the async threads.
    async fn verify(&self, user: &str, hash: Option<&str>, pass: &str) -> bool {
        let key = self.key(user, hash.unwrap_or(""), pass);
        if let Some(ok) = self.get(key) {
            return ok;
        }
        let _one = self.bcrypt.lock().await;
        let (h, p) = (hash.map(str::to_owned), pass.to_owned());
        let ok = tokio::task::spawn_blocking(move || match h {
            Some(h) => bcrypt::verify(p, &h).unwrap_or(false),
            None => {
                let _ = bcrypt::verify(p, decoy_hash());
                false
            }
        })
        .await
        .unwrap_or(false);
        self.set(key, ok);
        ok
    }
}

/// A bcrypt hash of a random secret, checked for unknown users. Cost 10: what htpasswd and
/// upstream's examples use.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let secret: [u8; 16] = rand::random();
        bcrypt::hash(secret, 10).unwrap_or_default()
    })
}

/// `rate_limit`: a token bucket, full at start.
#[derive(Debug)]
pub(super) struct Bucket {
    limit: RateLimit,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub(super) fn new(limit: RateLimit) -> Bucket {
        Bucket { limit, tokens: f64::from(limit.burst), last: Instant::now() }
    }

    fn allow(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last);
        self.last = now;
        let per = self.limit.interval.max(Duration::from_nanos(1)).as_secs_f64();
        self.tokens = (self.tokens + elapsed.as_secs_f64() / per).min(f64::from(self.limit.burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Go's `Request.BasicAuth`: the `Authorization: Basic base64(user:pass)` header, split.
fn basic_auth(req: &Request) -> Option<(String, String)> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, creds) = v.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("Basic ") {
        return None;
    }
    let raw = STANDARD.decode(creds).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (user, pass) = s.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

/// Go's `http.Error`: the status text as a plain-text body.
fn error(status: StatusCode) -> Response {
    let mut resp =
        Response::new(Body::from(format!("{}\n", status.canonical_reason().unwrap_or_default())));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp
}

/// The middleware: install with [`Web::layer`].
pub(super) async fn middleware(State(web): State<Web>, req: Request, next: Next) -> Response {
    let Ok(loaded) = web.current() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR);
    };
    if let Some(limiter) = &web.inner.limiter
        && !limiter.lock().allow(Instant::now())
    {
        return error(StatusCode::TOO_MANY_REQUESTS);
    }
    let cfg = &loaded.config;
    let mut resp = if cfg.users.is_empty() {
        next.run(req).await
    } else {
        let mut authorized = false;
        if let Some((user, pass)) = basic_auth(&req) {
            let hash = cfg.users.get(&user).map(String::as_str);
            authorized = web.inner.cache.verify(&user, hash, &pass).await;
        }
        if authorized {
            next.run(req).await
        } else {
            let mut resp = error(StatusCode::UNAUTHORIZED);
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
            resp
        }
    };
    for (name, value) in &cfg.http.headers {
        resp.headers_mut().insert(name.clone(), value.clone());
    }
    resp
}

impl Web {
    /// `router` behind this configuration's rate limit, headers and basic auth. A no-op for
    /// [`Web::disabled`].
    pub fn layer(&self, router: axum::Router) -> axum::Router {
        if self.inner.is_disabled() {
            return router;
        }
        router.layer(axum::middleware::from_fn_with_state(self.clone(), middleware))
    }
}

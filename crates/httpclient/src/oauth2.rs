//! OAuth 2 client credentials (`http_config.oauth2`): fetches a token from `token_url` and
//! reuses it until shortly before it expires, or until the client secret file changes.

use crate::client::{apply_proxy, apply_tls, basic_auth_header, secret_or_file};
use crate::config::OAuth2;
use crate::error::{Error, ErrorKind};
use crate::secret::Secret;
use serde::Deserialize;
use std::time::{Duration, Instant};

/// Refresh this long before the server's expiry, as Go's `oauth2` package does.
const EXPIRY_DELTA: Duration = Duration::from_secs(10);

/// A token to put in `Authorization`.
#[derive(Debug, Clone)]
pub struct Token {
    pub kind: String,
    pub access_token: Secret,
}

#[derive(Debug)]
struct Cached {
    token: Token,
    /// `None`: the server gave no lifetime; keep it until the secret changes.
    expires: Option<Instant>,
    secret: Secret,
}

/// Fetches and caches tokens for one `oauth2` block.
#[derive(Debug)]
pub struct TokenSource {
    cfg: OAuth2,
    client: reqwest::Client,
    user_agent: String,
    cache: tokio::sync::Mutex<Option<Cached>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    token_type: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

impl TokenSource {
    /// The token requests use the block's own `tls_config` and proxy settings.
    pub fn new(cfg: &OAuth2, user_agent: &str) -> Result<TokenSource, String> {
        let b = apply_tls(reqwest::Client::builder(), &cfg.tls_config, true)?;
        let b = apply_proxy(b, &cfg.proxy())?;
        let client = b.build().map_err(|e| format!("error creating OAuth2 client: {e}"))?;
        Ok(TokenSource {
            cfg: cfg.clone(),
            client,
            user_agent: user_agent.to_string(),
            cache: tokio::sync::Mutex::new(None),
        })
    }

    /// A valid token, fetching a new one when needed.
    pub async fn token(&self) -> Result<Token, Error> {
        let secret = secret_or_file(
            &self.cfg.client_secret,
            &self.cfg.client_secret_file,
            "oauth2 client secret",
        )?;
        let mut cache = self.cache.lock().await;
        if let Some(c) = cache.as_ref()
            && c.secret == secret
            && c.expires.is_none_or(|e| Instant::now() + EXPIRY_DELTA < e)
        {
            return Ok(c.token.clone());
        }
        let (token, expires) = self.fetch(&secret).await?;
        *cache = Some(Cached { token: token.clone(), expires, secret });
        Ok(token)
    }

    async fn fetch(&self, secret: &Secret) -> Result<(Token, Option<Instant>), Error> {
        let form = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("grant_type", "client_credentials");
            if !self.cfg.scopes.is_empty() {
                form.append_pair("scope", &self.cfg.scopes.join(" "));
            }
            for (k, v) in &self.cfg.endpoint_params {
                form.append_pair(k, v);
            }
            form.finish()
        };
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let auth = basic_auth_header(&enc(&self.cfg.client_id), &enc(secret.expose()))?;
        let started = Instant::now();
        let fail = |m: String| Error::new(ErrorKind::OAuth2, m);
        let resp = self
            .client
            .post(&self.cfg.token_url)
            .header(reqwest::header::AUTHORIZATION, auth)
            .header(reqwest::header::USER_AGENT, &self.user_agent)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| fail(format!("oauth2: cannot fetch token: {}", e.without_url())))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| fail(format!("oauth2: cannot fetch token: {}", e.without_url())))?;
        if !(200..300).contains(&status) {
            return Err(fail(format!(
                "oauth2: cannot fetch token: unexpected status code {status}: {}",
                String::from_utf8_lossy(&body)
            )));
        }
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| fail(format!("oauth2: cannot parse token response: {e}")))?;
        if parsed.access_token.is_empty() {
            return Err(fail("oauth2: server response missing access_token".into()));
        }
        let expires_in = match parsed.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            _ => None,
        };
        let kind = match parsed.token_type.as_str() {
            // Go normalises these spellings to "Bearer".
            "" | "bearer" | "Bearer" => "Bearer".to_string(),
            k if k.eq_ignore_ascii_case("bearer") => "Bearer".to_string(),
            k => k.to_string(),
        };
        let expires = expires_in.filter(|s| *s > 0).map(|s| started + Duration::from_secs(s));
        Ok((Token { kind, access_token: Secret::new(parsed.access_token) }, expires))
    }
}

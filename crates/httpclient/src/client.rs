//! [`Client`]: a `reqwest::Client` built from an [`HttpClientConfig`] (TLS, proxy,
//! redirects, HTTP/2), and the per-request headers it asks for (`User-Agent`,
//! `http_headers`, `Authorization` from basic auth, `authorization` or OAuth 2).
//!
//! Secrets in `*_file` fields (basic auth, `authorization`, the OAuth 2 client secret,
//! header files) are read when a request is prepared, as upstream does, so rotating a file
//! needs no reload.

use crate::config::{HttpClientConfig, ProxyConfig, TlsConfig, TlsVersion};
use crate::error::{Error, ErrorKind};
use crate::oauth2;
use crate::secret::{Secret, read_secret_file};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::path::Path;
use std::sync::Arc;

/// An HTTP client for one `http_config`, built once per config (re)load. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    inner: reqwest::Client,
    cfg: Arc<HttpClientConfig>,
    user_agent: String,
    oauth2: Option<Arc<oauth2::TokenSource>>,
}

impl Client {
    /// Builds a client from a validated `http_config`. Errors name the setting (TLS files,
    /// proxy URL), never a secret.
    pub fn new(cfg: &HttpClientConfig, user_agent: &str) -> Result<Client, String> {
        Client::with_builder(cfg, user_agent, reqwest::Client::builder())
    }

    /// Like [`Client::new`], starting from a builder the caller has already set up (timeouts,
    /// gzip, connection pool), which the config's settings are added to.
    pub fn with_builder(
        cfg: &HttpClientConfig,
        user_agent: &str,
        builder: reqwest::ClientBuilder,
    ) -> Result<Client, String> {
        let mut b = apply_tls(builder, &cfg.tls_config, cfg.enable_http2)?;
        b = apply_proxy(b, &cfg.proxy())?;
        b = b.redirect(if cfg.follow_redirects {
            reqwest::redirect::Policy::limited(10)
        } else {
            reqwest::redirect::Policy::none()
        });
        if !cfg.enable_http2 {
            b = b.http1_only();
        }
        let inner = b.build().map_err(|e| format!("error creating HTTP client: {e}"))?;
        let oauth2 = match &cfg.oauth2 {
            Some(o) => Some(Arc::new(oauth2::TokenSource::new(o, user_agent)?)),
            None => None,
        };
        Ok(Client { inner, cfg: Arc::new(cfg.clone()), user_agent: user_agent.to_string(), oauth2 })
    }

    /// The underlying reqwest client (no auth or configured headers are added by it).
    pub fn inner(&self) -> &reqwest::Client {
        &self.inner
    }

    /// The config this client was built from.
    pub fn config(&self) -> &HttpClientConfig {
        &self.cfg
    }

    /// The `User-Agent` sent.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// A request with `User-Agent`, the configured `http_headers` and `Authorization`
    /// already set. Headers the caller sets afterwards are added to these (use
    /// `RequestBuilder::header`, which appends, or build the map with [`Client::headers`]).
    pub async fn request(
        &self,
        method: reqwest::Method,
        url: &str,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let headers = self.headers().await?;
        Ok(self.inner.request(method, url).headers(headers))
    }

    /// The headers every request carries: `User-Agent`, `http_headers` (values, secrets, then
    /// file contents) and `Authorization` (`*_file` secrets and OAuth 2 tokens fetched now).
    pub async fn headers(&self) -> Result<HeaderMap, Error> {
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::USER_AGENT, header_value(&self.user_agent)?);
        self.add_config_headers(&mut headers)?;
        if let Some(auth) = self.authorization().await? {
            headers.insert(reqwest::header::AUTHORIZATION, auth);
        }
        Ok(headers)
    }

    fn add_config_headers(&self, out: &mut HeaderMap) -> Result<(), Error> {
        let Some(hs) = &self.cfg.http_headers else { return Ok(()) };
        for (name, h) in hs {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                Error::new(ErrorKind::InvalidHeader, format!("invalid header name {name:?}"))
            })?;
            for v in &h.values {
                out.append(name.clone(), header_value(v)?);
            }
            for s in &h.secrets {
                out.append(name.clone(), header_value(s.expose())?);
            }
            for f in &h.files {
                let s = read_secret_file(Path::new(f)).map_err(|e| {
                    Error::new(ErrorKind::ReadSecret, format!("unable to read headers file: {e}"))
                })?;
                out.append(name.clone(), header_value(s.expose())?);
            }
        }
        Ok(())
    }

    /// The `Authorization` header the config asks for, with `*_file` secrets read now.
    pub async fn authorization(&self) -> Result<Option<HeaderValue>, Error> {
        if let Some(a) = &self.cfg.authorization {
            let cred =
                secret_or_file(&a.credentials, &a.credentials_file, "authorization credentials")?;
            let mut v = header_value(&format!("{} {}", a.kind, cred.expose()))?;
            v.set_sensitive(true);
            return Ok(Some(v));
        }
        if let Some(b) = &self.cfg.basic_auth {
            let user = if b.username_file.is_empty() {
                b.username.clone()
            } else {
                read_file_secret(&b.username_file, "basic auth username")?.expose().to_string()
            };
            let pass = secret_or_file(&b.password, &b.password_file, "basic auth password")?;
            return Ok(Some(basic_auth_header(&user, pass.expose())?));
        }
        if let Some(src) = &self.oauth2 {
            let token = src.token().await?;
            let mut v = header_value(&format!("{} {}", token.kind, token.access_token.expose()))?;
            v.set_sensitive(true);
            return Ok(Some(v));
        }
        Ok(None)
    }
}

/// `Authorization: Basic base64(user:pass)`, marked sensitive.
pub fn basic_auth_header(user: &str, pass: &str) -> Result<HeaderValue, Error> {
    use base64::Engine;
    let enc = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    let mut v = header_value(&format!("Basic {enc}"))?;
    v.set_sensitive(true);
    Ok(v)
}

/// A header value, or an error that does not quote it (it may be a secret).
pub fn header_value(s: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(s).map_err(|_| {
        Error::new(ErrorKind::InvalidHeader, "header value contains invalid characters")
    })
}

fn read_file_secret(path: &str, what: &str) -> Result<Secret, Error> {
    read_secret_file(Path::new(path))
        .map_err(|e| Error::new(ErrorKind::ReadSecret, format!("unable to read {what}: {e}")))
}

/// The inline secret, or the content of its file when the file is set (read now).
pub fn secret_or_file(inline: &Secret, file: &str, what: &str) -> Result<Secret, Error> {
    if file.is_empty() { Ok(inline.clone()) } else { read_file_secret(file, what) }
}

/// Adds a `tls_config` to a builder: CA, client certificate, verification, versions, and
/// `server_name` (through a rustls config of our own that checks the certificate against
/// that name rather than the URL's host).
pub fn apply_tls(
    mut b: reqwest::ClientBuilder,
    tls: &TlsConfig,
    enable_http2: bool,
) -> Result<reqwest::ClientBuilder, String> {
    if let Some(cfg) = crate::server_name::server_name_config(tls, enable_http2)? {
        return Ok(b.tls_backend_preconfigured(cfg));
    }
    if let Some(pem) = crate::tls::ca_pem(tls)? {
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .ok()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| "unable to use specified CA cert".to_string())?;
        b = b.tls_certs_only(certs);
    }
    if let Some((mut pem, key)) = crate::tls::client_pem(tls)? {
        pem.push(b'\n');
        pem.extend_from_slice(&key);
        let id = reqwest::Identity::from_pem(&pem)
            .map_err(|_| "unable to use specified client cert & key".to_string())?;
        b = b.identity(id);
    }
    if tls.insecure_skip_verify {
        b = b.tls_danger_accept_invalid_certs(true);
    }
    if let Some(v) = tls.min_version.and_then(tls_version) {
        b = b.tls_version_min(v);
    }
    if let Some(v) = tls.max_version.and_then(tls_version) {
        b = b.tls_version_max(v);
    }
    Ok(b)
}

/// rustls speaks TLS 1.2 and 1.3 only; older minimums are already satisfied.
fn tls_version(v: TlsVersion) -> Option<reqwest::tls::Version> {
    match v {
        TlsVersion::Tls10 | TlsVersion::Tls11 => None,
        TlsVersion::Tls12 => Some(reqwest::tls::Version::TLS_1_2),
        TlsVersion::Tls13 => Some(reqwest::tls::Version::TLS_1_3),
    }
}

/// Adds the proxy settings to a builder. Like upstream, no proxy is used unless configured
/// (the environment is read only with `proxy_from_environment`).
pub fn apply_proxy(
    b: reqwest::ClientBuilder,
    p: &ProxyConfig,
) -> Result<reqwest::ClientBuilder, String> {
    let mut connect_headers = HeaderMap::new();
    for (name, values) in &p.proxy_connect_header {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid proxy_connect_header name {name:?}"))?;
        for v in values {
            let hv = HeaderValue::from_str(v.expose())
                .map_err(|_| format!("invalid proxy_connect_header value for {name:?}"))?;
            connect_headers.append(n.clone(), hv);
        }
    }
    if p.proxy_from_environment {
        let env = |names: &[&str]| {
            names.iter().find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
        };
        let mut b = b.no_proxy();
        let no_proxy = reqwest::NoProxy::from_env();
        if let Some(u) = env(&["HTTP_PROXY", "http_proxy"]) {
            let proxy = reqwest::Proxy::http(&u)
                .map_err(|e| format!("invalid HTTP_PROXY: {e}"))?
                .no_proxy(no_proxy.clone())
                .headers(connect_headers.clone());
            b = b.proxy(proxy);
        }
        if let Some(u) = env(&["HTTPS_PROXY", "https_proxy"]) {
            let proxy = reqwest::Proxy::https(&u)
                .map_err(|e| format!("invalid HTTPS_PROXY: {e}"))?
                .no_proxy(no_proxy)
                .headers(connect_headers);
            b = b.proxy(proxy);
        }
        return Ok(b);
    }
    let b = b.no_proxy();
    if p.proxy_url.is_empty() {
        return Ok(b);
    }
    let proxy = reqwest::Proxy::all(&p.proxy_url)
        .map_err(|e| format!("invalid proxy_url: {e}"))?
        .no_proxy(reqwest::NoProxy::from_string(&p.no_proxy))
        .headers(connect_headers);
    Ok(b.proxy(proxy))
}

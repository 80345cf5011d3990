//! Prometheus' common HTTP client config (`http_config`), shared by every HTTP integration:
//! authentication (basic, `authorization`, legacy `bearer_token`, OAuth 2 client credentials),
//! TLS, proxies, redirects, HTTP/2 and extra headers.
//!
//! Field names, defaults and validation texts are upstream's (`prometheus/common/config`).
//! `*_file` secrets are read when a request is sent, so a rotated token is picked up without a
//! reload (see the client in this crate).

use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `http_config`: auth, TLS, proxy and redirect settings of outgoing requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpClientConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic_auth: Option<BasicAuth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth2: Option<OAuth2>,
    /// Legacy; moved into `authorization` by [`HttpClientConfig::validate`].
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub bearer_token: Secret,
    /// Legacy; moved into `authorization` by [`HttpClientConfig::validate`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub bearer_token_file: String,
    #[serde(default)]
    pub tls_config: TlsConfig,
    #[serde(default = "yes")]
    pub follow_redirects: bool,
    #[serde(default = "yes")]
    pub enable_http2: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub proxy_url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub no_proxy: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub proxy_from_environment: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub proxy_connect_header: BTreeMap<String, Vec<Secret>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_headers: Option<BTreeMap<String, Header>>,
}

impl Default for HttpClientConfig {
    fn default() -> Self {
        HttpClientConfig {
            basic_auth: None,
            authorization: None,
            oauth2: None,
            bearer_token: Secret::default(),
            bearer_token_file: String::new(),
            tls_config: TlsConfig::default(),
            follow_redirects: true,
            enable_http2: true,
            proxy_url: String::new(),
            no_proxy: String::new(),
            proxy_from_environment: false,
            proxy_connect_header: BTreeMap::new(),
            http_headers: None,
        }
    }
}

/// `basic_auth`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username_file: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub password: Secret,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password_file: String,
}

/// `authorization`: `Authorization: <type> <credentials>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorization {
    /// `Bearer` when empty (filled by validation).
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub credentials: Secret,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub credentials_file: String,
}

/// `oauth2`: the client-credentials grant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2 {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub client_secret: Secret,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_secret_file: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token_url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoint_params: BTreeMap<String, String>,
    #[serde(default)]
    pub tls_config: TlsConfig,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub proxy_url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub no_proxy: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub proxy_from_environment: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub proxy_connect_header: BTreeMap<String, Vec<Secret>>,
}

/// `tls_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM text of the CA certificate(s).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ca: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cert: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub key: Secret,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ca_file: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cert_file: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key_file: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server_name: String,
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// `TLS10`..`TLS13`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_version: Option<TlsVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_version: Option<TlsVersion>,
}

/// A TLS protocol version as upstream spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TlsVersion {
    #[serde(rename = "TLS10")]
    Tls10,
    #[serde(rename = "TLS11")]
    Tls11,
    #[serde(rename = "TLS12")]
    Tls12,
    #[serde(rename = "TLS13")]
    Tls13,
}

/// The proxy settings (inlined in YAML into `http_config` and `oauth2`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProxyConfig {
    pub proxy_url: String,
    pub no_proxy: String,
    pub proxy_from_environment: bool,
    pub proxy_connect_header: BTreeMap<String, Vec<Secret>>,
}

macro_rules! proxy_of {
    ($s:expr) => {
        ProxyConfig {
            proxy_url: $s.proxy_url.clone(),
            no_proxy: $s.no_proxy.clone(),
            proxy_from_environment: $s.proxy_from_environment,
            proxy_connect_header: $s.proxy_connect_header.clone(),
        }
    };
}

impl OAuth2 {
    /// The proxy settings of the token request.
    pub fn proxy(&self) -> ProxyConfig {
        proxy_of!(self)
    }
}

/// One `http_headers` entry: every value, secret and file content is added.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<Secret>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// Headers `http_headers` may not set (upstream's list, canonical spelling).
const RESERVED_HEADERS: &[&str] = &[
    "Authorization",
    "Host",
    "Content-Encoding",
    "Content-Length",
    "Content-Type",
    "User-Agent",
    "Connection",
    "Keep-Alive",
    "Proxy-Authenticate",
    "Proxy-Authorization",
    "Www-Authenticate",
    "Accept-Encoding",
    "X-Prometheus-Remote-Write-Version",
    "X-Prometheus-Remote-Read-Version",
    "X-Prometheus-Scrape-Timeout-Seconds",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-Sha256",
];

/// Go's `http.CanonicalHeaderKey`: `content-type` → `Content-Type` (left alone when it holds
/// a character that is not a valid header token byte).
pub fn canonical_header_key(name: &str) -> String {
    let valid = name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid {
        return name.to_string();
    }
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() };
            upper = c == '-';
            out
        })
        .collect()
}

/// Joins a relative path onto the config directory (empty stays empty).
pub fn join_dir(base_dir: &Path, path: &mut String) {
    if path.is_empty() || Path::new(path.as_str()).is_absolute() {
        return;
    }
    *path = base_dir.join(path.as_str()).to_string_lossy().into_owned();
}

impl HttpClientConfig {
    /// The proxy settings.
    pub fn proxy(&self) -> ProxyConfig {
        proxy_of!(self)
    }

    /// Makes file paths absolute, checks the config (upstream's texts) and normalises it:
    /// `bearer_token(_file)` becomes `authorization`, an empty authorization type `Bearer`.
    pub fn validate(&mut self, base_dir: &Path) -> Result<(), String> {
        self.set_directory(base_dir);
        if !self.bearer_token.is_empty() && !self.bearer_token_file.is_empty() {
            return Err("at most one of bearer_token & bearer_token_file must be configured".into());
        }
        let has_bearer = !self.bearer_token.is_empty() || !self.bearer_token_file.is_empty();
        if (self.basic_auth.is_some() || self.oauth2.is_some()) && has_bearer {
            return Err("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured".into());
        }
        if let Some(b) = &self.basic_auth {
            if !b.username.is_empty() && !b.username_file.is_empty() {
                return Err(
                    "at most one of basic_auth username, username_file & username_ref must be configured".into(),
                );
            }
            if !b.password.is_empty() && !b.password_file.is_empty() {
                return Err(
                    "at most one of basic_auth password, password_file & password_ref must be configured".into(),
                );
            }
        }
        if let Some(a) = &mut self.authorization {
            if has_bearer {
                return Err(
                    "authorization is not compatible with bearer_token & bearer_token_file".into(),
                );
            }
            if !a.credentials.is_empty() && !a.credentials_file.is_empty() {
                return Err(
                    "at most one of authorization credentials & credentials_file must be configured".into(),
                );
            }
            a.kind = a.kind.trim().to_string();
            if a.kind.is_empty() {
                a.kind = "Bearer".into();
            }
            if a.kind.eq_ignore_ascii_case("basic") {
                return Err(
                    r#"authorization type cannot be set to "basic", use "basic_auth" instead"#
                        .into(),
                );
            }
            if self.basic_auth.is_some() || self.oauth2.is_some() {
                return Err(
                    "at most one of basic_auth, oauth2 & authorization must be configured".into()
                );
            }
        } else if !self.bearer_token.is_empty() {
            self.authorization = Some(Authorization {
                kind: "Bearer".into(),
                credentials: std::mem::take(&mut self.bearer_token),
                credentials_file: String::new(),
            });
        } else if !self.bearer_token_file.is_empty() {
            self.authorization = Some(Authorization {
                kind: "Bearer".into(),
                credentials: Secret::default(),
                credentials_file: std::mem::take(&mut self.bearer_token_file),
            });
        }
        if let Some(o) = &self.oauth2 {
            if self.basic_auth.is_some() {
                return Err(
                    "at most one of basic_auth, oauth2 & authorization must be configured".into()
                );
            }
            if o.client_id.is_empty() {
                return Err("oauth2 client_id must be configured".into());
            }
            if o.token_url.is_empty() {
                return Err("oauth2 token_url must be configured".into());
            }
            if !o.client_secret.is_empty() && !o.client_secret_file.is_empty() {
                return Err("at most one of oauth2 client_secret, client_secret_file & client_secret_ref must be configured using grant-type=client_credentials".into());
            }
            o.tls_config.validate()?;
            o.proxy().validate()?;
        }
        self.tls_config.validate()?;
        self.proxy().validate()?;
        if let Some(h) = &self.http_headers {
            for name in h.keys() {
                let canon = canonical_header_key(name);
                if RESERVED_HEADERS.contains(&canon.as_str()) {
                    return Err(format!("setting header {canon:?} is not allowed"));
                }
            }
        }
        Ok(())
    }

    fn set_directory(&mut self, dir: &Path) {
        self.tls_config.set_directory(dir);
        if let Some(b) = &mut self.basic_auth {
            join_dir(dir, &mut b.username_file);
            join_dir(dir, &mut b.password_file);
        }
        if let Some(a) = &mut self.authorization {
            join_dir(dir, &mut a.credentials_file);
        }
        if let Some(o) = &mut self.oauth2 {
            join_dir(dir, &mut o.client_secret_file);
            o.tls_config.set_directory(dir);
        }
        if let Some(h) = &mut self.http_headers {
            for header in h.values_mut() {
                for f in &mut header.files {
                    join_dir(dir, f);
                }
            }
        }
        join_dir(dir, &mut self.bearer_token_file);
    }
}

impl TlsConfig {
    /// Upstream's checks of `tls_config`.
    pub fn validate(&self) -> Result<(), String> {
        if !self.ca.is_empty() && !self.ca_file.is_empty() {
            return Err("at most one of ca, ca_file & ca_ref must be configured".into());
        }
        if !self.cert.is_empty() && !self.cert_file.is_empty() {
            return Err("at most one of cert, cert_file & cert_ref must be configured".into());
        }
        if !self.key.is_empty() && !self.key_file.is_empty() {
            return Err("at most one of key and key_file must be configured".into());
        }
        let has_cert = !self.cert.is_empty() || !self.cert_file.is_empty();
        let has_key = !self.key.is_empty() || !self.key_file.is_empty();
        if has_cert && !has_key {
            return Err(
                "exactly one of key or key_file must be configured when a client certificate is configured"
                    .into(),
            );
        }
        if has_key && !has_cert {
            return Err(
                "exactly one of cert or cert_file must be configured when a client key is configured"
                    .into(),
            );
        }
        if let (Some(min), Some(max)) = (self.min_version, self.max_version)
            && max < min
        {
            return Err("tls_config.max_version must be greater than or equal to tls_config.min_version if both are specified".into());
        }
        Ok(())
    }

    /// Makes the file paths absolute.
    pub fn set_directory(&mut self, dir: &Path) {
        join_dir(dir, &mut self.ca_file);
        join_dir(dir, &mut self.cert_file);
        join_dir(dir, &mut self.key_file);
    }
}

impl ProxyConfig {
    /// Upstream's checks of the proxy settings.
    pub fn validate(&self) -> Result<(), String> {
        if !self.proxy_connect_header.is_empty()
            && !self.proxy_from_environment
            && self.proxy_url.is_empty()
        {
            return Err("if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured".into());
        }
        if self.proxy_from_environment && !self.proxy_url.is_empty() {
            return Err(
                "if proxy_from_environment is configured, proxy_url must not be configured".into(),
            );
        }
        if self.proxy_from_environment && !self.no_proxy.is_empty() {
            return Err(
                "if proxy_from_environment is configured, no_proxy must not be configured".into()
            );
        }
        if self.proxy_url.is_empty() && !self.no_proxy.is_empty() {
            return Err("if no_proxy is configured, proxy_url must also be configured".into());
        }
        if !self.proxy_url.is_empty() {
            url::Url::parse(&self.proxy_url)
                .map_err(|e| format!("parse {:?}: {e}", self.proxy_url))?;
        }
        Ok(())
    }
}

/// A receiver's `http_config`: its own, else a copy of the global one, else the defaults;
/// then validated (relative paths against `base_dir`).
pub fn inherit(
    local: &mut Option<HttpClientConfig>,
    global: Option<&HttpClientConfig>,
    base_dir: &Path,
) -> Result<(), String> {
    let cfg = local.get_or_insert_with(|| global.cloned().unwrap_or_default());
    cfg.validate(base_dir)
}

/// Upstream's `ParseURL`: an absolute `http`/`https` URL with a host.
pub fn check_url(s: &str) -> Result<url::Url, String> {
    let u = url::Url::parse(s).map_err(|e| format!("parse {s:?}: {e}"))?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(format!("unsupported scheme {:?} for URL", u.scheme()));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err("missing host for URL".into());
    }
    Ok(u)
}

/// Upstream's check of a URL field that may be a template (`SecretTemplateURL`): templated
/// values are checked when rendered, others must be valid URLs.
pub fn check_template_url(s: &str) -> Result<(), String> {
    if s.is_empty() || s == crate::secret::SECRET_MASK || s.contains("{{") {
        return Ok(());
    }
    check_url(s).map(|_| ()).map_err(|e| format!("invalid URL: {e}"))
}

/// The `webhook_url` / `webhook_url_file` pair of Discord and Microsoft Teams: exactly one,
/// and a valid URL.
pub fn check_webhook_url(url: &Secret, file: &str) -> Result<(), String> {
    if url.is_empty() && file.is_empty() {
        return Err("one of webhook_url or webhook_url_file must be configured".into());
    }
    if !url.is_empty() && !file.is_empty() {
        return Err("at most one of webhook_url & webhook_url_file must be configured".into());
    }
    check_secret_url(url)
}

/// A URL kept as a secret: checked when set, unless it is the `<secret>` mask of a printed
/// config read back.
pub fn check_secret_url(url: &Secret) -> Result<(), String> {
    if !url.is_empty() && url.expose() != crate::secret::SECRET_MASK {
        check_url(url.expose())?;
    }
    Ok(())
}

/// `at most one of X & X_file must be configured` for an inline/file pair.
pub fn at_most_one(inline_set: bool, file: &str, name: &str) -> Result<(), String> {
    if inline_set && !file.is_empty() {
        return Err(format!("at most one of {name} & {name}_file must be configured"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> HttpClientConfig {
        serde_saphyr::from_str(yaml).unwrap()
    }

    fn check(yaml: &str) -> Result<HttpClientConfig, String> {
        let mut c = parse(yaml);
        c.validate(Path::new("/etc/am")).map(|_| c)
    }

    #[test]
    fn defaults_follow_redirects_and_http2() {
        let c = parse("{}");
        assert!(c.follow_redirects && c.enable_http2);
        assert_eq!(c, HttpClientConfig::default());
        let c = parse("follow_redirects: false\nenable_http2: false\n");
        assert!(!c.follow_redirects && !c.enable_http2);
    }

    #[test]
    fn bearer_token_becomes_authorization() {
        let c = check("bearer_token: abc").unwrap();
        let a = c.authorization.unwrap();
        assert_eq!((a.kind.as_str(), a.credentials.expose()), ("Bearer", "abc"));
        let c = check("bearer_token_file: tok").unwrap();
        assert_eq!(c.authorization.unwrap().credentials_file, "/etc/am/tok");
        let c = check("authorization: {credentials: x}").unwrap();
        assert_eq!(c.authorization.unwrap().kind, "Bearer");
    }

    #[test]
    fn upstream_validation_texts() {
        let cases = [
            (
                "bearer_token: a\nbearer_token_file: b",
                "at most one of bearer_token & bearer_token_file must be configured",
            ),
            (
                "bearer_token: a\nbasic_auth: {username: u}",
                "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured",
            ),
            (
                "basic_auth: {username: u, username_file: f}",
                "at most one of basic_auth username, username_file & username_ref must be configured",
            ),
            (
                "basic_auth: {password: u, password_file: f}",
                "at most one of basic_auth password, password_file & password_ref must be configured",
            ),
            (
                "authorization: {type: Basic}",
                r#"authorization type cannot be set to "basic", use "basic_auth" instead"#,
            ),
            (
                "authorization: {credentials: a, credentials_file: b}",
                "at most one of authorization credentials & credentials_file must be configured",
            ),
            (
                "authorization: {credentials: a}\nbasic_auth: {username: u}",
                "at most one of basic_auth, oauth2 & authorization must be configured",
            ),
            ("oauth2: {token_url: http://x}", "oauth2 client_id must be configured"),
            ("oauth2: {client_id: x}", "oauth2 token_url must be configured"),
            (
                "tls_config: {cert_file: a}",
                "exactly one of key or key_file must be configured when a client certificate is configured",
            ),
            (
                "tls_config: {key_file: a}",
                "exactly one of cert or cert_file must be configured when a client key is configured",
            ),
            (
                "tls_config: {min_version: TLS13, max_version: TLS12}",
                "tls_config.max_version must be greater than or equal to tls_config.min_version if both are specified",
            ),
            ("no_proxy: localhost", "if no_proxy is configured, proxy_url must also be configured"),
            (
                "proxy_from_environment: true\nproxy_url: http://p",
                "if proxy_from_environment is configured, proxy_url must not be configured",
            ),
            (
                "proxy_connect_header: {X: [a]}",
                "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured",
            ),
            (
                "http_headers: {user-agent: {values: [x]}}",
                r#"setting header "User-Agent" is not allowed"#,
            ),
        ];
        for (yaml, want) in cases {
            assert_eq!(check(yaml).unwrap_err(), want, "{yaml}");
        }
    }

    #[test]
    fn unknown_keys_and_tls_versions_are_rejected() {
        assert!(serde_saphyr::from_str::<HttpClientConfig>("bogus: 1").is_err());
        assert!(
            serde_saphyr::from_str::<HttpClientConfig>("tls_config: {min_version: TLS9}").is_err()
        );
    }

    #[test]
    fn secrets_are_masked_when_serialised() {
        let c = check("basic_auth: {username: u, password: hunter2}").unwrap();
        let s = serde_json::to_string(&c).unwrap();
        assert!(!s.contains("hunter2") && s.contains("<secret>"), "{s}");
    }
}

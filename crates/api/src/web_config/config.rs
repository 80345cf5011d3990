//! The web configuration file: strict YAML into [`WebConfig`], with upstream's checks and texts.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue};
use model::duration::GoDuration;
use serde::Deserialize;
use serde_saphyr::{Location, MessageFormatter, Spanned};

/// A web configuration file that failed to load. `Display` is `<file>:<line>:<col>: <text>`
/// (or `<file>: <text>` when no position applies). Never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct WebConfigError {
    /// The file, as given to the loader.
    pub file: String,
    /// 1-based line and column of the offending YAML node, when known.
    pub position: Option<(u64, u64)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for WebConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// An error before the file name is attached.
#[derive(Debug)]
pub(super) struct Positioned {
    position: Option<(u64, u64)>,
    message: String,
}

impl Positioned {
    pub(super) fn at(loc: Location, message: impl Into<String>) -> Self {
        let position = (loc.line() != 0).then(|| (loc.line(), loc.column()));
        Positioned { position, message: message.into() }
    }

    pub(super) fn nowhere(message: impl Into<String>) -> Self {
        Positioned { position: None, message: message.into() }
    }

    pub(super) fn in_file(self, file: &Path) -> WebConfigError {
        WebConfigError {
            file: file.display().to_string(),
            position: self.position,
            message: self.message,
        }
    }
}

/// The parsed web configuration.
#[derive(Clone, Default)]
pub struct WebConfig {
    /// `tls_server_config`, when it sets anything (otherwise the server speaks plain HTTP).
    pub tls: Option<TlsServerConfig>,
    /// `http_server_config`.
    pub http: HttpServerConfig,
    /// `basic_auth_users`: user name to bcrypt hash. Empty: no authentication.
    pub users: BTreeMap<String, String>,
    /// `rate_limit`, when its interval is not zero.
    pub rate_limit: Option<RateLimit>,
}

impl fmt::Debug for WebConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The hashes are secrets (`<secret>` upstream): only the user names are shown.
        f.debug_struct("WebConfig")
            .field("tls", &self.tls)
            .field("http", &self.http)
            .field("users", &self.users.keys().collect::<Vec<_>>())
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

/// Where a PEM document comes from: a file (re-read when it changes) or the YAML itself.
#[derive(Clone, PartialEq, Eq)]
pub enum Pem {
    /// A path, already resolved against the web config file's directory.
    File(PathBuf),
    /// Inline PEM text (`cert:`, `key:`, `client_ca:`).
    Inline(String),
}

impl fmt::Debug for Pem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pem::File(p) => write!(f, "File({})", p.display()),
            // A key may be inline: never print the text.
            Pem::Inline(_) => f.write_str("Inline(<secret>)"),
        }
    }
}

/// `tls_server_config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsServerConfig {
    /// `cert_file` or `cert`.
    pub cert: Pem,
    /// `key_file` or `key`.
    pub key: Pem,
    /// `client_ca_file` or `client_ca`.
    pub client_ca: Option<Pem>,
    /// `client_auth_type`.
    pub client_auth: ClientAuth,
    /// `min_version` (default TLS12).
    pub min_version: TlsVersion,
    /// `max_version` (default TLS13).
    pub max_version: TlsVersion,
    /// `cipher_suites` (Go names): restricts the TLS 1.2 suites to those rustls implements.
    pub cipher_suites: Vec<String>,
    /// `curve_preferences` (Go names): the key-exchange groups, in order.
    pub curve_preferences: Vec<String>,
    /// `prefer_server_cipher_suites` (default true).
    pub prefer_server_cipher_suites: bool,
    /// `client_allowed_sans`: when set, a client certificate must carry one of these SANs.
    pub client_allowed_sans: Option<Vec<String>>,
}

/// Go's `tls.ClientAuthType`, by its config name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `NoClientCert` (default).
    NoClientCert,
    /// `RequestClientCert`: asked for, not required, not verified.
    RequestClientCert,
    /// `RequireAnyClientCert` (or the old `RequireClientCert`): required, not verified.
    RequireAnyClientCert,
    /// `VerifyClientCertIfGiven`: optional, verified against the client CA when sent.
    VerifyClientCertIfGiven,
    /// `RequireAndVerifyClientCert`: required and verified against the client CA.
    RequireAndVerifyClientCert,
}

/// A TLS protocol version as named in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TlsVersion {
    /// `TLS10` (rustls has no TLS 1.0: as a minimum it means TLS 1.2).
    Tls10,
    /// `TLS11` (likewise).
    Tls11,
    /// `TLS12`.
    Tls12,
    /// `TLS13`.
    Tls13,
}

impl FromStr for TlsVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "TLS10" => TlsVersion::Tls10,
            "TLS11" => TlsVersion::Tls11,
            "TLS12" => TlsVersion::Tls12,
            "TLS13" => TlsVersion::Tls13,
            _ => return Err(format!("unknown TLS version: {s}")),
        })
    }
}

/// `http_server_config`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpServerConfig {
    /// `http2` (default true): offer HTTP/2 by ALPN on TLS connections. Read at start only.
    pub http2: bool,
    /// `headers`: added to every response.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Default for HttpServerConfig {
    fn default() -> Self {
        HttpServerConfig { http2: true, headers: Vec::new() }
    }
}

/// `rate_limit`: a token bucket over all requests; over the limit answers 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// One token per `interval`.
    pub interval: Duration,
    /// Bucket size.
    pub burst: u32,
}

/// The cipher suite names Go's `tls.CipherSuites()` lists (the only ones upstream accepts).
const GO_CIPHER_SUITES: &[&str] = &[
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// The curve names upstream accepts.
const GO_CURVES: &[&str] = &["CurveP256", "CurveP384", "CurveP521", "X25519"];

/// The headers that may be configured, with their allowed values (empty: any value).
const EXTRA_HEADERS: &[(&str, &[&str])] = &[
    ("Strict-Transport-Security", &[]),
    ("X-Content-Type-Options", &["nosniff"]),
    ("X-Frame-Options", &["deny", "sameorigin"]),
    ("X-XSS-Protection", &[]),
    ("Content-Security-Policy", &[]),
];

/// Reads and checks the web configuration file at `path`.
pub fn load_file(path: &Path) -> Result<WebConfig, WebConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Positioned::nowhere(e.to_string()).in_file(path))?;
    load_str(&text, path)
}

/// Parses `text` as if read from `path`: errors name `path`, relative file names are resolved
/// against its directory. Files named in it are not read here (see [`super::Web`]).
pub fn load_str(text: &str, path: &Path) -> Result<WebConfig, WebConfigError> {
    let dir = path.parent().unwrap_or(Path::new(""));
    parse(text, dir).map_err(|p| p.in_file(path))
}

type Node<T> = Option<Spanned<Option<T>>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    tls_server_config: Node<RawTls>,
    #[serde(default)]
    http_server_config: Node<RawHttp>,
    #[serde(default)]
    rate_limit: Node<RawRateLimit>,
    #[serde(default)]
    basic_auth_users: Node<BTreeMap<String, Spanned<Option<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTls {
    #[serde(default)]
    cert: Option<String>,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    client_ca: Option<String>,
    #[serde(default)]
    cert_file: Option<String>,
    #[serde(default)]
    key_file: Option<String>,
    #[serde(default)]
    client_auth_type: Option<Spanned<Option<String>>>,
    #[serde(default)]
    client_ca_file: Option<String>,
    #[serde(default)]
    cipher_suites: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    curve_preferences: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    min_version: Option<Spanned<String>>,
    #[serde(default)]
    max_version: Option<Spanned<String>>,
    #[serde(default)]
    prefer_server_cipher_suites: Option<bool>,
    #[serde(default)]
    client_allowed_sans: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    #[serde(default)]
    http2: Option<bool>,
    #[serde(default)]
    headers: Option<BTreeMap<String, Spanned<Option<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRateLimit {
    #[serde(default)]
    burst: Option<i64>,
    #[serde(default)]
    interval: Option<Spanned<String>>,
}

fn parse_yaml<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, Positioned> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let e = e.without_snippet();
        let message = serde_saphyr::UserMessageFormatter.format_message(e).to_string();
        match e.location() {
            Some(loc) => Positioned::at(loc, message),
            None => Positioned::nowhere(message),
        }
    })
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// A path from the file, relative ones taken from the file's directory.
fn join_dir(dir: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() { p.to_path_buf() } else { dir.join(p) }
}

fn parse(text: &str, dir: &Path) -> Result<WebConfig, Positioned> {
    // An empty file is an empty config (YAML null), as upstream.
    let raw: Option<RawConfig> = if text.trim().is_empty() { None } else { parse_yaml(text)? };
    let Some(raw) = raw else {
        return Ok(WebConfig::default());
    };
    let mut cfg = WebConfig::default();

    // Upstream's order: the decode (each field's own checks), then the headers, then the
    // users, then the TLS settings.
    let tls = match raw.tls_server_config {
        Some(Spanned { value: Some(t), referenced, .. }) => tls(t, referenced, dir)?,
        _ => None,
    };
    if let Some(Spanned { value: Some(rl), .. }) = raw.rate_limit {
        cfg.rate_limit = rate_limit(rl)?;
    }
    if let Some(Spanned { value: Some(h), .. }) = raw.http_server_config {
        cfg.http.http2 = h.http2.unwrap_or(true);
        cfg.http.headers = headers(h.headers.unwrap_or_default())?;
    }
    if let Some(Spanned { value: Some(users), .. }) = raw.basic_auth_users {
        for (name, hash) in users {
            let at = hash.referenced;
            let hash = hash.value.unwrap_or_default();
            // Checked here so that a typo fails the start rather than every login.
            if bcrypt::HashParts::from_str(&hash).is_err() {
                return Err(Positioned::at(
                    at,
                    format!("basic_auth_users: the password of user {name:?} is not a bcrypt hash"),
                ));
            }
            cfg.users.insert(name, hash);
        }
    }
    cfg.tls = tls;
    Ok(cfg)
}

fn rate_limit(rl: RawRateLimit) -> Result<Option<RateLimit>, Positioned> {
    let interval = match rl.interval {
        Some(s) => {
            let d = GoDuration::parse(&s.value)
                .map_err(|e| Positioned::at(s.referenced, e.to_string()))?;
            d.to_std().unwrap_or_default()
        }
        None => Duration::ZERO,
    };
    if interval.is_zero() {
        return Ok(None);
    }
    let burst = u32::try_from(rl.burst.unwrap_or(0).max(0)).unwrap_or(u32::MAX);
    Ok(Some(RateLimit { interval, burst }))
}

fn headers(
    raw: BTreeMap<String, Spanned<Option<String>>>,
) -> Result<Vec<(HeaderName, HeaderValue)>, Positioned> {
    let mut out = Vec::new();
    for (name, value) in raw {
        let at = value.referenced;
        let value = value.value.unwrap_or_default();
        let Some((_, allowed)) = EXTRA_HEADERS.iter().find(|(h, _)| *h == name) else {
            return Err(Positioned::at(at, format!("HTTP header {name:?} can not be configured")));
        };
        if !allowed.is_empty() && !allowed.contains(&value.as_str()) {
            let list: Vec<String> = allowed.iter().map(|v| format!("{v:?}")).collect();
            return Err(Positioned::at(
                at,
                format!(
                    "invalid value for {name}. Expected one of: [{}], but got: {value:?}",
                    list.join(" ")
                ),
            ));
        }
        // "Unset if blank."
        if value.is_empty() {
            continue;
        }
        let (Ok(n), Ok(v)) = (HeaderName::from_str(&name), HeaderValue::from_str(&value)) else {
            return Err(Positioned::at(at, format!("invalid value for {name}: {value:?}")));
        };
        out.push((n, v));
    }
    Ok(out)
}

fn version(s: Option<Spanned<String>>, default: TlsVersion) -> Result<TlsVersion, Positioned> {
    match s {
        None => Ok(default),
        Some(s) => s.value.parse().map_err(|e: String| Positioned::at(s.referenced, e)),
    }
}

fn tls(t: RawTls, at: Location, dir: &Path) -> Result<Option<TlsServerConfig>, Positioned> {
    let client_auth = match &t.client_auth_type {
        Some(Spanned { value: Some(s), referenced, .. }) => match s.as_str() {
            "" | "NoClientCert" => ClientAuth::NoClientCert,
            "RequestClientCert" => ClientAuth::RequestClientCert,
            "RequireAnyClientCert" | "RequireClientCert" => ClientAuth::RequireAnyClientCert,
            "VerifyClientCertIfGiven" => ClientAuth::VerifyClientCertIfGiven,
            "RequireAndVerifyClientCert" => ClientAuth::RequireAndVerifyClientCert,
            other => {
                return Err(Positioned::at(*referenced, format!("invalid ClientAuth: {other}")));
            }
        },
        _ => ClientAuth::NoClientCert,
    };
    let auth_set =
        matches!(&t.client_auth_type, Some(Spanned { value: Some(s), .. }) if !s.is_empty());
    let min_version = version(t.min_version, TlsVersion::Tls12)?;
    let max_version = version(t.max_version, TlsVersion::Tls13)?;
    let mut cipher_suites = Vec::new();
    for c in t.cipher_suites.unwrap_or_default() {
        if !GO_CIPHER_SUITES.contains(&c.value.as_str()) {
            return Err(Positioned::at(c.referenced, format!("unknown cipher: {}", c.value)));
        }
        cipher_suites.push(c.value);
    }
    let mut curve_preferences = Vec::new();
    for c in t.curve_preferences.unwrap_or_default() {
        if !GO_CURVES.contains(&c.value.as_str()) {
            return Err(Positioned::at(c.referenced, format!("unknown curve: {}", c.value)));
        }
        curve_preferences.push(c.value);
    }

    let cert_file = non_empty(t.cert_file);
    let key_file = non_empty(t.key_file);
    let ca_file = non_empty(t.client_ca_file);
    let (cert, key, ca) = (non_empty(t.cert), non_empty(t.key), non_empty(t.client_ca));
    let enabled = cert_file.is_some()
        || cert.is_some()
        || key_file.is_some()
        || key.is_some()
        || ca_file.is_some()
        || ca.is_some()
        || auth_set;
    if !enabled {
        return Ok(None);
    }
    let cert = match (cert_file, cert) {
        (Some(f), _) => Pem::File(join_dir(dir, &f)),
        (None, Some(text)) => Pem::Inline(text),
        (None, None) => return Err(Positioned::at(at, "missing one of cert or cert_file")),
    };
    let key = match (key_file, key) {
        (Some(f), _) => Pem::File(join_dir(dir, &f)),
        (None, Some(text)) => Pem::Inline(text),
        (None, None) => return Err(Positioned::at(at, "missing one of key or key_file")),
    };
    let client_ca = match (ca_file, ca) {
        (Some(f), _) => Some(Pem::File(join_dir(dir, &f))),
        (None, Some(text)) => Some(Pem::Inline(text)),
        (None, None) => None,
    };
    if client_ca.is_some() && client_auth == ClientAuth::NoClientCert {
        return Err(Positioned::at(
            at,
            "client CA's have been configured without a Client Auth Policy",
        ));
    }
    Ok(Some(TlsServerConfig {
        cert,
        key,
        client_ca,
        client_auth,
        min_version,
        max_version,
        cipher_suites,
        curve_preferences,
        prefer_server_cipher_suites: t.prefer_server_cipher_suites.unwrap_or(true),
        client_allowed_sans: t.client_allowed_sans,
    }))
}

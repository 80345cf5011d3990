//! The `global:` block and its defaults (which apply even when the block is absent).
//!
//! Field names are the YAML keys and are part of the contract the integrations code against:
//! after loading, every defaulted field is `Some` (URLs, `resolve_timeout`, `smtp_hello`,
//! `smtp_require_tls`, `http_config`), URLs have been checked as upstream checks them, and
//! relative `*_file` paths are absolute.

use super::http::HttpClientConfig;
use super::secret::{SECRET_MASK, Secret};
use model::duration::Duration;
use model::gostr::quote;
use serde::{Deserialize, Deserializer, Serialize};
use std::path::Path;

/// `global:`. After loading, defaults are filled in (URLs, `resolve_timeout`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolve_timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,

    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_hello: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "host_port")]
    pub smtp_smarthost: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_auth_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_auth_password: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_auth_password_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_auth_secret: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_auth_secret_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_auth_identity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_require_tls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_tls_config: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_force_implicit_tls: Option<bool>,

    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "secret_url")]
    pub slack_api_url: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack_api_url_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack_app_token: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slack_app_token_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "url")]
    pub slack_app_url: Option<String>,

    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "url")]
    pub pagerduty_url: Option<String>,

    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "url")]
    pub opsgenie_api_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opsgenie_api_key: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opsgenie_api_key_file: Option<String>,

    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "url")]
    pub wechat_api_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wechat_api_secret: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wechat_api_secret_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wechat_api_corp_id: Option<String>,

    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "url")]
    pub victorops_api_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub victorops_api_key: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub victorops_api_key_file: Option<String>,

    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "url")]
    pub telegram_api_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telegram_bot_token: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telegram_bot_token_file: Option<String>,

    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "url")]
    pub webex_api_url: Option<String>,

    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "url")]
    pub rocketchat_api_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rocketchat_token: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rocketchat_token_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rocketchat_token_id: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rocketchat_token_id_file: Option<String>,

    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "secret_url")]
    pub mattermost_webhook_url: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mattermost_webhook_url_file: Option<String>,

    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "url")]
    pub jira_api_url: Option<String>,
}

/// Upstream's default URLs.
pub const DEFAULT_PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";
pub const DEFAULT_OPSGENIE_API_URL: &str = "https://api.opsgenie.com/";
pub const DEFAULT_WECHAT_API_URL: &str = "https://qyapi.weixin.qq.com/cgi-bin/";
pub const DEFAULT_VICTOROPS_API_URL: &str =
    "https://alert.victorops.com/integrations/generic/20131114/alert/";
pub const DEFAULT_TELEGRAM_API_URL: &str = "https://api.telegram.org";
pub const DEFAULT_WEBEX_API_URL: &str = "https://webexapis.com/v1/messages";
pub const DEFAULT_ROCKETCHAT_API_URL: &str = "https://open.rocket.chat/";
pub const DEFAULT_SLACK_APP_URL: &str = "https://slack.com/api/chat.postMessage";

impl GlobalConfig {
    /// The block as it is when `global:` is absent or empty: every default filled in.
    pub fn defaults() -> GlobalConfig {
        let mut g = GlobalConfig::default();
        g.fill_defaults();
        g
    }

    /// Fills every unset defaulted key, and forces the trailing `/` upstream forces on the
    /// OpsGenie API URL.
    pub fn fill_defaults(&mut self) {
        fn set(v: &mut Option<String>, d: &str) {
            if v.is_none() {
                *v = Some(d.to_owned());
            }
        }
        if self.resolve_timeout.is_none() {
            self.resolve_timeout = Some(Duration::from_secs(5 * 60));
        }
        if self.http_config.is_none() {
            self.http_config = Some(HttpClientConfig::default());
        }
        set(&mut self.smtp_hello, "localhost");
        if self.smtp_require_tls.is_none() {
            self.smtp_require_tls = Some(true);
        }
        set(&mut self.pagerduty_url, DEFAULT_PAGERDUTY_URL);
        set(&mut self.opsgenie_api_url, DEFAULT_OPSGENIE_API_URL);
        set(&mut self.wechat_api_url, DEFAULT_WECHAT_API_URL);
        set(&mut self.victorops_api_url, DEFAULT_VICTOROPS_API_URL);
        set(&mut self.telegram_api_url, DEFAULT_TELEGRAM_API_URL);
        set(&mut self.webex_api_url, DEFAULT_WEBEX_API_URL);
        set(&mut self.rocketchat_api_url, DEFAULT_ROCKETCHAT_API_URL);
        set(&mut self.slack_app_url, DEFAULT_SLACK_APP_URL);
        if let Some(u) = &mut self.opsgenie_api_url {
            *u = with_trailing_slash(u);
        }
    }

    /// Makes relative `*_file` paths absolute against the config file's directory.
    pub fn resolve_paths(&mut self, base_dir: &Path) {
        for f in [
            &mut self.smtp_auth_password_file,
            &mut self.smtp_auth_secret_file,
            &mut self.slack_api_url_file,
            &mut self.slack_app_token_file,
            &mut self.opsgenie_api_key_file,
            &mut self.wechat_api_secret_file,
            &mut self.victorops_api_key_file,
            &mut self.telegram_bot_token_file,
            &mut self.rocketchat_token_file,
            &mut self.rocketchat_token_id_file,
            &mut self.mattermost_webhook_url_file,
        ]
        .into_iter()
        .flatten()
        {
            *f = join_path(base_dir, f);
        }
    }

    /// Upstream's `X` / `X_file` checks, in upstream's order, with its texts.
    pub fn check(&self) -> Result<(), GlobalError> {
        fn set_s(s: &Option<Secret>) -> bool {
            s.as_ref().is_some_and(|s| !s.is_empty())
        }
        fn set_f(s: &Option<String>) -> bool {
            s.as_ref().is_some_and(|s| !s.is_empty())
        }
        let both = |a: &str, b: &'static str| {
            Err(GlobalError {
                message: format!("at most one of {a} & {b} must be configured"),
                key: b,
            })
        };
        if set_s(&self.slack_app_token) && set_f(&self.slack_app_token_file) {
            return both("slack_app_token", "slack_app_token_file");
        }
        // Upstream distinguishes "unset" from "empty" for the URL-typed secrets.
        if self.slack_api_url.is_some() && set_f(&self.slack_api_url_file) {
            return both("slack_api_url", "slack_api_url_file");
        }
        let app = set_s(&self.slack_app_token) || set_f(&self.slack_app_token_file);
        let api = self.slack_api_url.is_some() || set_f(&self.slack_api_url_file);
        // A transition aid upstream keeps: `slack_api_url` equal to the app URL is allowed
        // together with an app token.
        if app
            && api
            && self.slack_api_url.as_ref().map(Secret::expose) != self.slack_app_url.as_deref()
        {
            let key =
                if self.slack_api_url.is_some() { "slack_api_url" } else { "slack_api_url_file" };
            return Err(GlobalError {
                message: "at most one of slack_app_token/slack_app_token_file & \
                          slack_api_url/slack_api_url_file must be configured"
                    .into(),
                key,
            });
        }
        if set_s(&self.opsgenie_api_key) && set_f(&self.opsgenie_api_key_file) {
            return both("opsgenie_api_key", "opsgenie_api_key_file");
        }
        if set_s(&self.victorops_api_key) && set_f(&self.victorops_api_key_file) {
            return both("victorops_api_key", "victorops_api_key_file");
        }
        if set_s(&self.telegram_bot_token) && set_f(&self.telegram_bot_token_file) {
            return both("telegram_bot_token", "telegram_bot_token_file");
        }
        if set_s(&self.smtp_auth_password) && set_f(&self.smtp_auth_password_file) {
            return both("smtp_auth_password", "smtp_auth_password_file");
        }
        if self.rocketchat_token.is_some() && set_f(&self.rocketchat_token_file) {
            return both("rocketchat_token", "rocketchat_token_file");
        }
        if self.rocketchat_token_id.is_some() && set_f(&self.rocketchat_token_id_file) {
            return both("rocketchat_token_id", "rocketchat_token_id_file");
        }
        if set_s(&self.smtp_auth_secret) && set_f(&self.smtp_auth_secret_file) {
            return both("smtp_auth_secret", "smtp_auth_secret_file");
        }
        if set_s(&self.wechat_api_secret) && set_f(&self.wechat_api_secret_file) {
            return both("wechat_api_secret", "wechat_api_secret_file");
        }
        if self.mattermost_webhook_url.is_some() && set_f(&self.mattermost_webhook_url_file) {
            return both("mattermost_webhook_url", "mattermost_webhook_url_file");
        }
        Ok(())
    }
}

/// A failed [`GlobalConfig::check`]: upstream's text, and the key it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct GlobalError {
    pub message: String,
    /// The YAML key to point at (the second of the two that conflict).
    pub key: &'static str,
}

/// `base_dir/p` unless `p` is empty or absolute (upstream's `join`).
pub fn join_path(base_dir: &Path, p: &str) -> String {
    if p.is_empty() || Path::new(p).is_absolute() {
        p.to_owned()
    } else {
        base_dir.join(p).to_string_lossy().into_owned()
    }
}

/// The URL with `/` appended to its path when missing (what upstream does to the OpsGenie,
/// VictorOps and WeChat API URLs).
pub fn with_trailing_slash(u: &str) -> String {
    match url::Url::parse(u) {
        Ok(mut parsed) if !parsed.path().ends_with('/') => {
            let p = format!("{}/", parsed.path());
            parsed.set_path(&p);
            parsed.to_string()
        }
        _ => u.to_owned(),
    }
}

/// Upstream's `ParseURL`: an `http` or `https` URL with a host. Errors are upstream's texts;
/// `redact` keeps a secret URL's value out of them.
pub fn check_url(s: &str, redact: bool) -> Result<(), String> {
    let scheme = match s.find(':') {
        Some(i)
            if s[..i].chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && s[..i].chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            s[..i].to_ascii_lowercase()
        }
        _ => String::new(),
    };
    if scheme != "http" && scheme != "https" {
        return Err(format!("unsupported scheme {} for URL", quote(&scheme)));
    }
    let shown = if redact { SECRET_MASK } else { s };
    match url::Url::parse(s) {
        Ok(u) if u.host_str().is_none_or(str::is_empty) => Err("missing host for URL".into()),
        Ok(_) => Ok(()),
        Err(url::ParseError::EmptyHost) => Err("missing host for URL".into()),
        Err(e) => Err(format!("parse {}: {e}", quote(shown))),
    }
}

fn url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    if let Some(s) = &s {
        check_url(s, false).map_err(serde::de::Error::custom)?;
    }
    Ok(s)
}

fn secret_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    match s {
        // The masked form `/api/v2/status` prints reads back as an (empty) set value.
        Some(s) if s == SECRET_MASK => Ok(Some(Secret::new(""))),
        Some(s) => {
            check_url(&s, true).map_err(serde::de::Error::custom)?;
            Ok(Some(Secret::new(s)))
        }
        None => Ok(None),
    }
}

fn host_port<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    if let Some(s) = &s
        && !s.is_empty()
    {
        let (_, port) = split_host_port(s).map_err(serde::de::Error::custom)?;
        if port.is_empty() {
            return Err(serde::de::Error::custom(format!(
                "address {}: port cannot be empty",
                quote(s)
            )));
        }
    }
    Ok(s)
}

/// Go's `net.SplitHostPort`, with its error texts.
pub fn split_host_port(hostport: &str) -> Result<(&str, &str), String> {
    let err = |why: &str| Err(format!("address {hostport}: {why}"));
    let Some(i) = hostport.rfind(':') else {
        return err("missing port in address");
    };
    let (host, j, k);
    if hostport.starts_with('[') {
        let Some(end) = hostport.find(']') else {
            return err("missing ']' in address");
        };
        if end + 1 == hostport.len() {
            return err("missing port in address");
        } else if end + 1 != i {
            if hostport.as_bytes()[end + 1] == b':' {
                return err("too many colons in address");
            }
            return err("missing port in address");
        }
        host = &hostport[1..end];
        (j, k) = (1, end + 1);
    } else {
        host = &hostport[..i];
        if host.contains(':') {
            return err("too many colons in address");
        }
        (j, k) = (0, 0);
    }
    if hostport[j..].contains('[') {
        return err("unexpected '[' in address");
    }
    if hostport[k..].contains(']') {
        return err("unexpected ']' in address");
    }
    Ok((host, &hostport[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_like_go() {
        assert_eq!(split_host_port("localhost:25"), Ok(("localhost", "25")));
        assert_eq!(split_host_port(":25"), Ok(("", "25")));
        assert_eq!(split_host_port("[fd12::1]:25"), Ok(("fd12::1", "25")));
        assert_eq!(split_host_port("localhost:"), Ok(("localhost", "")));
        assert_eq!(
            split_host_port("localhost").unwrap_err(),
            "address localhost: missing port in address"
        );
        assert_eq!(
            split_host_port("a:b:c").unwrap_err(),
            "address a:b:c: too many colons in address"
        );
    }

    #[test]
    fn urls_like_go() {
        assert!(check_url("https://example.com/x", false).is_ok());
        assert_eq!(check_url("ftp://x", false).unwrap_err(), "unsupported scheme \"ftp\" for URL");
        assert_eq!(check_url("example.com", false).unwrap_err(), "unsupported scheme \"\" for URL");
        assert_eq!(check_url("http://", false).unwrap_err(), "missing host for URL");
        assert!(!check_url("http://[::1", true).unwrap_err().contains("::1"));
    }

    #[test]
    fn defaults_fill_and_slash_is_forced() {
        let g = GlobalConfig::defaults();
        assert_eq!(g.resolve_timeout, Some(Duration::from_secs(300)));
        assert_eq!(g.smtp_hello.as_deref(), Some("localhost"));
        assert_eq!(g.smtp_require_tls, Some(true));
        assert_eq!(g.slack_app_url.as_deref(), Some(DEFAULT_SLACK_APP_URL));
        let mut g = GlobalConfig {
            opsgenie_api_url: Some("https://og.example.com/v2".into()),
            ..Default::default()
        };
        g.fill_defaults();
        assert_eq!(g.opsgenie_api_url.as_deref(), Some("https://og.example.com/v2/"));
    }
}

//! `email_configs`: SMTP delivery. Unset fields fall back to the `smtp_*` keys of `global:`.

use super::{IntegrationConfig, ValidateContext};
use crate::config::global::{join_path, split_host_port};
use crate::config::http::{TlsConfig, canonical_header_key};
use crate::config::secret::Secret;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// The default `html` body.
pub const DEFAULT_HTML: &str = r#"{{ template "email.default.html" . }}"#;
/// The default `Subject` header.
pub const DEFAULT_SUBJECT: &str = r#"{{ template "email.default.subject" . }}"#;

/// One `email_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// Whether resolved alerts are notified (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
    /// Recipients (a template; an address list after rendering).
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub to: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub from: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub hello: String,
    /// `host:port`.
    #[serde(default, skip_serializing_if = "String::is_empty", deserialize_with = "host_port")]
    pub smarthost: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub auth_username: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub auth_password: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub auth_password_file: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub auth_secret: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub auth_secret_file: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub auth_identity: String,
    /// Header templates; names canonicalised (`subject` → `Subject`) by validation.
    #[serde(
        default,
        deserialize_with = "crate::config::de::string_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub headers: BTreeMap<String, String>,
    /// HTML body template (`None`: the default; empty: no HTML part).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// Plain-text body template (empty: no text part).
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_tls: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
    /// `true`: TLS from the first byte; `false`: never; unset: only on port 465.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_implicit_tls: Option<bool>,
    #[serde(default, skip_serializing_if = "ThreadingConfig::is_default")]
    pub threading: ThreadingConfig,
}

/// `threading`: `References`/`In-Reply-To` headers that thread a group's mails together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreadingConfig {
    #[serde(default)]
    pub enabled: bool,
    /// `none` or `daily` (a new thread every day).
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub thread_by_date: String,
}

impl ThreadingConfig {
    fn is_default(&self) -> bool {
        *self == ThreadingConfig::default()
    }
}

fn host_port<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = Option::<String>::deserialize(d)?.unwrap_or_default();
    check_host_port(&s).map_err(serde::de::Error::custom)?;
    Ok(s)
}

fn check_host_port(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Ok(());
    }
    let (_, port) = split_host_port(s)?;
    if port.is_empty() {
        return Err(format!("address {s:?}: port cannot be empty"));
    }
    Ok(())
}

impl EmailConfig {
    /// The smarthost's host and port (after validation).
    pub fn host_port(&self) -> (&str, &str) {
        split_host_port(&self.smarthost).unwrap_or(("", ""))
    }

    /// Whether the connection is TLS from the start.
    pub fn implicit_tls(&self) -> bool {
        self.force_implicit_tls.unwrap_or_else(|| self.host_port().1 == "465")
    }
}

impl IntegrationConfig for EmailConfig {
    const NAME: &'static str = "email";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        let g = cx.global;
        // The entry's own checks first, as upstream's unmarshalling does.
        if self.to.is_empty() {
            return Err("missing to address in email config".into());
        }
        let mut headers = BTreeMap::new();
        for (name, value) in std::mem::take(&mut self.headers) {
            let canon = canonical_header_key(&name);
            if headers.contains_key(&canon) {
                return Err(format!("duplicate header {canon:?} in email config"));
            }
            headers.insert(canon, value);
        }
        self.headers = headers;
        if self.threading.enabled {
            if self.headers.contains_key("References") {
                return Err("conflicting configuration: threading.enabled conflicts with custom References header".into());
            }
            if self.headers.contains_key("In-Reply-To") {
                return Err("conflicting configuration: threading.enabled conflicts with custom In-Reply-To header".into());
            }
            if !matches!(self.threading.thread_by_date.as_str(), "none" | "daily") {
                return Err("threading.thread_by_date must be either 'none' or 'daily'".into());
            }
        }
        if self.html.is_none() {
            self.html = Some(DEFAULT_HTML.to_string());
        }

        // Then the global fallbacks.
        if self.tls_config.is_none() {
            self.tls_config = Some(match &g.smtp_tls_config {
                Some(v) => serde_json::from_value(v.clone())
                    .map_err(|e| format!("invalid smtp_tls_config: {e}"))?,
                None => TlsConfig::default(),
            });
        }
        if let Some(t) = &mut self.tls_config {
            t.set_directory(cx.base_dir);
            t.validate()?;
        }
        if self.smarthost.is_empty() {
            self.smarthost = g.smtp_smarthost.clone().unwrap_or_default();
            check_host_port(&self.smarthost)?;
        }
        if self.smarthost.is_empty() {
            return Err("no global SMTP smarthost set".into());
        }
        if self.from.is_empty() {
            self.from = g.smtp_from.clone().unwrap_or_default();
        }
        if self.from.is_empty() {
            return Err("no global SMTP from set".into());
        }
        if self.hello.is_empty() {
            self.hello = g.smtp_hello.clone().unwrap_or_default();
        }
        if self.auth_username.is_empty() {
            self.auth_username = g.smtp_auth_username.clone().unwrap_or_default();
        }
        if self.auth_password.is_empty() && self.auth_password_file.is_empty() {
            self.auth_password = g.smtp_auth_password.clone().unwrap_or_default();
            self.auth_password_file = g.smtp_auth_password_file.clone().unwrap_or_default();
        }
        if self.auth_secret.is_empty() && self.auth_secret_file.is_empty() {
            self.auth_secret = g.smtp_auth_secret.clone().unwrap_or_default();
            self.auth_secret_file = g.smtp_auth_secret_file.clone().unwrap_or_default();
        }
        self.auth_password_file = join_path(cx.base_dir, &self.auth_password_file);
        self.auth_secret_file = join_path(cx.base_dir, &self.auth_secret_file);
        if self.auth_identity.is_empty() {
            self.auth_identity = g.smtp_auth_identity.clone().unwrap_or_default();
        }
        if self.require_tls.is_none() {
            self.require_tls = Some(g.smtp_require_tls.unwrap_or(true));
        }
        if self.force_implicit_tls.is_none() {
            self.force_implicit_tls = g.smtp_force_implicit_tls;
        }
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::global::GlobalConfig;
    use std::path::Path;

    fn check(yaml: &str, global: &GlobalConfig) -> Result<EmailConfig, String> {
        let mut c: EmailConfig = serde_saphyr::from_str(yaml).map_err(|e| e.to_string())?;
        c.validate(&ValidateContext { global, base_dir: Path::new("/etc/am") }).map(|_| c)
    }

    #[test]
    fn upstream_errors() {
        let g = GlobalConfig::defaults();
        let cases = [
            ("from: a@b\nsmarthost: h:25", "missing to address in email config"),
            ("to: a@b\nfrom: a@b", "no global SMTP smarthost set"),
            ("to: a@b\nsmarthost: h:25", "no global SMTP from set"),
            (
                "to: a@b\nheaders: {subject: x, Subject: y}",
                r#"duplicate header "Subject" in email config"#,
            ),
            (
                "to: a@b\nthreading: {enabled: true}",
                "threading.thread_by_date must be either 'none' or 'daily'",
            ),
            (
                "to: a@b\nheaders: {references: x}\nthreading: {enabled: true, thread_by_date: none}",
                "conflicting configuration: threading.enabled conflicts with custom References header",
            ),
        ];
        for (yaml, want) in cases {
            assert_eq!(check(yaml, &g).unwrap_err(), want, "{yaml}");
        }
        let e = check("to: a@b\nsmarthost: 'host:'", &g).unwrap_err();
        assert!(e.contains(r#"address "host:": port cannot be empty"#), "{e}");
        let e = check("to: a@b\nsmarthost: host", &g).unwrap_err();
        assert!(e.contains("address host: missing port in address"), "{e}");
    }

    #[test]
    fn global_fallbacks_and_defaults() {
        let mut g = GlobalConfig::defaults();
        g.smtp_smarthost = Some("mail:587".into());
        g.smtp_from = Some("am@x".into());
        g.smtp_auth_username = Some("u".into());
        g.smtp_auth_password_file = Some("pw".into());
        g.smtp_require_tls = Some(false);
        let c = check("to: a@b\nheaders: {x-team: ops}", &g).unwrap();
        assert_eq!(
            (c.smarthost.as_str(), c.from.as_str(), c.hello.as_str()),
            ("mail:587", "am@x", "localhost")
        );
        assert_eq!(c.auth_password_file, "/etc/am/pw");
        assert_eq!(c.require_tls, Some(false));
        assert_eq!(c.html.as_deref(), Some(DEFAULT_HTML));
        assert!(c.headers.contains_key("X-Team"));
        assert!(!c.send_resolved());
        assert!(!c.implicit_tls());
        let c = check("to: a@b\nsmarthost: 'mail:465'\nhtml: ''\nauth_secret_file: s", &g).unwrap();
        assert!(c.implicit_tls());
        assert_eq!(c.html.as_deref(), Some(""));
        assert_eq!(c.auth_secret_file, "/etc/am/s");
        let c = check("to: a@b\nsmarthost: 'mail:465'\nforce_implicit_tls: false", &g).unwrap();
        assert!(!c.implicit_tls());
    }
}

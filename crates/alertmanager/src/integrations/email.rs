//! The `email` notifier: one SMTP session per notification, as upstream.
//!
//! Unlike upstream, every template is rendered before connecting, so a template or address
//! error never leaves a half-written message on the server (upstream may end the DATA of a
//! partial mail). Connection and SMTP command failures are retryable; template, address and
//! TLS-config errors are not.

mod message;
pub mod smtp;
mod tls;

use super::http::Renderer;
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::EmailConfig;
use crate::config::receivers::email::DEFAULT_SUBJECT;
use futures::future::BoxFuture;
use smtp::{Auth, Client};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Builds the notifier for one validated `email_configs` entry.
pub fn build(cfg: &EmailConfig, _env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let mut headers = cfg.headers.clone();
    headers.entry("Subject".into()).or_insert_with(|| DEFAULT_SUBJECT.to_string());
    headers.entry("To".into()).or_insert_with(|| cfg.to.clone());
    headers.entry("From".into()).or_insert_with(|| cfg.from.clone());
    Ok(Arc::new(Email { cfg: cfg.clone(), headers, hostname: message::hostname() }))
}

/// Sends notifications by mail.
#[derive(Debug)]
pub struct Email {
    cfg: EmailConfig,
    /// The header templates with upstream's defaults added.
    headers: BTreeMap<String, String>,
    /// For `Message-Id`.
    hostname: String,
}

/// What the rendering step produces.
struct Rendered {
    from: String,
    to: Vec<String>,
    message: Vec<u8>,
}

fn permanent(message: String) -> NotifyError {
    NotifyError::permanent(FailureReason::Other, message)
}

fn retryable(message: String) -> NotifyError {
    NotifyError::retryable(FailureReason::Other, message)
}

impl Email {
    fn render(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Rendered, NotifyError> {
        let r = Renderer::new(cx, alerts);
        let from = r
            .text(&self.cfg.from)
            .map_err(|e| permanent(format!("execute 'from' template: {e}")))?;
        let to =
            r.text(&self.cfg.to).map_err(|e| permanent(format!("execute 'to' template: {e}")))?;
        let from_addrs = message::parse_address_list(&from)
            .map_err(|e| permanent(format!("parse 'from' addresses: {e}")))?;
        if from_addrs.len() != 1 {
            return Err(permanent(format!(
                "must be exactly one 'from' address (got: {})",
                from_addrs.len()
            )));
        }
        let to_addrs = message::parse_address_list(&to)
            .map_err(|e| permanent(format!("parse 'to' addresses: {e}")))?;

        let mut head = String::new();
        for (name, tmpl) in &self.headers {
            let value = r
                .text(tmpl)
                .map_err(|e| permanent(format!("execute {name:?} header template: {e}")))?;
            head.push_str(&format!("{name}: {}\r\n", message::q_encode(&value)));
        }
        if !self.headers.contains_key("Message-Id") {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let salt: u64 = rand::random();
            head.push_str(&format!("Message-Id: <{nanos}.{salt}@{}>\r\n", self.hostname));
        }
        let local = cx.now.to_zoned(jiff::tz::TimeZone::system());
        if self.cfg.threading.enabled {
            let thread_by = if self.cfg.threading.thread_by_date == "none" {
                String::new()
            } else {
                local.strftime("%Y-%m-%d").to_string()
            };
            let hash = super::http::group_key_hash(&cx.group_key);
            let root = format!("<alert-{}-{thread_by}@alertmanager>", &hash[..16]);
            head.push_str(&format!("References: {root}\r\nIn-Reply-To: {root}\r\n"));
        }
        let boundary = message::random_boundary();
        head.push_str(&format!("Date: {}\r\n", local.strftime("%a, %d %b %Y %H:%M:%S %z")));
        head.push_str(&format!("Content-Type: multipart/alternative;  boundary={boundary}\r\n"));
        head.push_str("MIME-Version: 1.0\r\n\r\n");

        let mut parts = Vec::new();
        if !self.cfg.text.is_empty() {
            let body = r
                .text(&self.cfg.text)
                .map_err(|e| permanent(format!("execute text template: {e}")))?;
            parts.push(message::Part {
                content_type: "text/plain; charset=UTF-8",
                body: message::quoted_printable(body.as_bytes()),
            });
        }
        let html = self.cfg.html.as_deref().unwrap_or_default();
        if !html.is_empty() {
            // The preferred alternative goes last (RFC 2046 5.1.4).
            let body =
                r.html(html).map_err(|e| permanent(format!("execute html template: {e}")))?;
            parts.push(message::Part {
                content_type: "text/html; charset=UTF-8",
                body: message::quoted_printable(body.as_bytes()),
            });
        }
        let mut msg = head.into_bytes();
        msg.extend_from_slice(&message::multipart(&boundary, &parts));
        Ok(Rendered {
            from: from_addrs.into_iter().next().unwrap_or_default(),
            to: to_addrs,
            message: msg,
        })
    }

    fn tls_config(&self, host: &str) -> Result<(Arc<rustls::ClientConfig>, String), NotifyError> {
        let t = self.cfg.tls_config.clone().unwrap_or_default();
        let c = tls::client_config(&t)
            .map_err(|e| permanent(format!("parse TLS configuration: {e}")))?;
        let name = if t.server_name.is_empty() { host.to_string() } else { t.server_name.clone() };
        Ok((Arc::new(c), name))
    }

    /// Picks the first mechanism the server offers that we have credentials for (upstream's
    /// `auth`); `None` without a username.
    fn pick_auth(&self, mechs: &str, host: &str) -> Result<Option<Auth>, String> {
        let username = &self.cfg.auth_username;
        if username.is_empty() {
            return Ok(None);
        }
        let mut errs: Vec<String> = Vec::new();
        for mech in mechs.split(' ') {
            match mech {
                "CRAM-MD5" => match self.auth_secret() {
                    Err(e) => errs.push(e),
                    Ok(s) if s.is_empty() => {
                        errs.push("missing secret for CRAM-MD5 auth mechanism".into())
                    }
                    Ok(secret) => {
                        return Ok(Some(Auth::CramMd5 { username: username.clone(), secret }));
                    }
                },
                "PLAIN" => match self.password() {
                    Err(e) => errs.push(e),
                    Ok(p) if p.is_empty() => {
                        errs.push("missing password for PLAIN auth mechanism".into())
                    }
                    Ok(password) => {
                        return Ok(Some(Auth::Plain {
                            identity: self.cfg.auth_identity.clone(),
                            username: username.clone(),
                            password,
                            host: host.to_string(),
                        }));
                    }
                },
                "LOGIN" => match self.password() {
                    Err(e) => errs.push(e),
                    Ok(p) if p.is_empty() => {
                        errs.push("missing password for LOGIN auth mechanism".into())
                    }
                    Ok(password) => {
                        return Ok(Some(Auth::Login { username: username.clone(), password }));
                    }
                },
                other => errs.push(format!("unknown auth mechanism: {other}")),
            }
        }
        if errs.is_empty() { Ok(None) } else { Err(errs.join("\n")) }
    }

    fn password(&self) -> Result<String, String> {
        if self.cfg.auth_password_file.is_empty() {
            return Ok(self.cfg.auth_password.expose().to_string());
        }
        std::fs::read_to_string(&self.cfg.auth_password_file)
            .map(|s| s.trim().to_string())
            .map_err(|e| format!("could not read {}: {e}", self.cfg.auth_password_file))
    }

    /// Upstream does not trim the CRAM-MD5 secret file; neither do we.
    fn auth_secret(&self) -> Result<String, String> {
        if self.cfg.auth_secret_file.is_empty() {
            return Ok(self.cfg.auth_secret.expose().to_string());
        }
        std::fs::read_to_string(&self.cfg.auth_secret_file)
            .map_err(|e| format!("could not read {}: {e}", self.cfg.auth_secret_file))
    }

    async fn send(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Sent, NotifyError> {
        let rendered = self.render(cx, alerts)?;
        let (host, _) = self.cfg.host_port();
        let host = host.to_string();
        let implicit = self.cfg.implicit_tls();
        let tcp = tokio::net::TcpStream::connect(&self.cfg.smarthost).await;
        let mut c = if implicit {
            let (config, name) = self.tls_config(&host)?;
            let tcp =
                tcp.map_err(|e| retryable(format!("establish TLS connection to server: {e}")))?;
            let server_name = rustls::pki_types::ServerName::try_from(name)
                .map_err(|e| permanent(format!("parse TLS configuration: {e}")))?;
            let stream =
                tokio_rustls::TlsConnector::from(config)
                    .connect(server_name, tcp)
                    .await
                    .map_err(|e| retryable(format!("establish TLS connection to server: {e}")))?;
            Client::new(Box::new(stream), &host, true).await
        } else {
            let tcp = tcp.map_err(|e| retryable(format!("establish connection to server: {e}")))?;
            Client::new(Box::new(tcp), &host, false).await
        }
        .map_err(|e| retryable(format!("create SMTP client: {e}")))?;

        let result = self.session(&mut c, &host, implicit, &rendered).await;
        // Best effort, like upstream's deferred Quit.
        let _ = c.quit().await;
        result.map(|_| Sent::default())
    }

    async fn session(
        &self,
        c: &mut Client,
        host: &str,
        implicit: bool,
        r: &Rendered,
    ) -> Result<(), NotifyError> {
        if !self.cfg.hello.is_empty() {
            c.hello(&self.cfg.hello)
                .await
                .map_err(|e| retryable(format!("send EHLO command: {e}")))?;
        }
        if self.cfg.require_tls.unwrap_or(true) && !implicit {
            if c.extension("STARTTLS").is_none() {
                return Err(retryable(format!(
                    "'require_tls' is true (default) but {:?} does not advertise the STARTTLS extension",
                    self.cfg.smarthost
                )));
            }
            let (config, name) = self.tls_config(host)?;
            c.starttls(config, &name)
                .await
                .map_err(|e| retryable(format!("send STARTTLS command: {e}")))?;
        }
        if let Some(mechs) = c.extension("AUTH").map(str::to_string) {
            let auth = self
                .pick_auth(&mechs, host)
                .map_err(|e| retryable(format!("find auth mechanism: {e}")))?;
            if let Some(auth) = auth {
                c.auth(&auth)
                    .await
                    .map_err(|e| retryable(format!("{} auth: {e}", auth.type_name())))?;
            }
        }
        c.mail(&r.from).await.map_err(|e| retryable(format!("send MAIL command: {e}")))?;
        for to in &r.to {
            c.rcpt(to).await.map_err(|e| retryable(format!("send RCPT command: {e}")))?;
        }
        c.data().await.map_err(|e| retryable(format!("send DATA command: {e}")))?;
        c.send_message(&r.message).await.map_err(|e| retryable(format!("delivery failure: {e}")))
    }
}

impl Notifier for Email {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(self.send(cx, alerts))
    }
}

//! A fake SMTP server for the email tests: speaks enough ESMTP (EHLO, STARTTLS, AUTH PLAIN /
//! LOGIN / CRAM-MD5 with real credential checks, MAIL, RCPT, DATA, QUIT) and records every
//! session's commands and message. TLS uses the test CA in `tests/testdata/smtp`.
//! Include it with `#[path = "common/mock_smtp.rs"] mod mock_smtp;`.

#![allow(dead_code, clippy::unwrap_used)]

use base64::Engine;
use hmac::{KeyInit, Mac};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/testdata/smtp");

/// The CA that signed the mock's certificate (for the client's `tls_config.ca_file`).
pub fn ca_file() -> String {
    format!("{TESTDATA}/ca.pem")
}

/// How the mock behaves.
#[derive(Debug, Clone)]
pub struct SmtpOptions {
    /// TLS from the first byte (port-465 style).
    pub implicit_tls: bool,
    /// Advertise and accept STARTTLS.
    pub starttls: bool,
    /// The `AUTH` mechanisms advertised, in order (empty: no AUTH extension).
    pub auth: Vec<&'static str>,
    pub username: String,
    pub password: String,
    /// The CRAM-MD5 shared secret.
    pub secret: String,
    /// Answer RCPT with 550.
    pub reject_rcpt: bool,
}

impl Default for SmtpOptions {
    fn default() -> Self {
        SmtpOptions {
            implicit_tls: false,
            starttls: true,
            auth: Vec::new(),
            username: "user".into(),
            password: "pass".into(),
            secret: "s3cret".into(),
            reject_rcpt: false,
        }
    }
}

/// What one connection did.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// Client command lines, in order (auth exchange lines included, message data excluded).
    pub commands: Vec<String>,
    /// Whether the session was encrypted when the message was sent.
    pub tls: bool,
    /// The mechanism that authenticated successfully.
    pub authenticated: Option<String>,
    /// The DATA payload, dots un-stuffed, without the final `.`.
    pub message: Option<String>,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A running mock on `127.0.0.1:<random port>`.
pub struct SmtpMock {
    pub addr: SocketAddr,
    sessions: Arc<Mutex<Vec<Session>>>,
}

impl SmtpMock {
    pub async fn start(opts: SmtpOptions) -> SmtpMock {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let sessions = Arc::new(Mutex::new(Vec::new()));
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config()));
        let s = sessions.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let (s, opts, acceptor) = (s.clone(), opts.clone(), acceptor.clone());
                tokio::spawn(async move {
                    let idx = {
                        let mut v = s.lock().unwrap();
                        v.push(Session::default());
                        v.len() - 1
                    };
                    let io: Box<dyn Io> = if opts.implicit_tls {
                        match acceptor.accept(tcp).await {
                            Ok(t) => Box::new(t),
                            Err(_) => return,
                        }
                    } else {
                        Box::new(tcp)
                    };
                    let _ = serve(io, opts.implicit_tls, &opts, &acceptor, &s, idx).await;
                });
            }
        });
        SmtpMock { addr, sessions }
    }

    /// `127.0.0.1:<port>`.
    pub fn smarthost(&self) -> String {
        self.addr.to_string()
    }

    pub fn sessions(&self) -> Vec<Session> {
        self.sessions.lock().unwrap().clone()
    }
}

fn server_config() -> rustls::ServerConfig {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(format!("{TESTDATA}/server.pem"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let key = PrivateKeyDer::from_pem_file(format!("{TESTDATA}/server.key")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap()
}

async fn read_line(r: &mut BufReader<Box<dyn Io>>) -> Option<String> {
    let mut line = String::new();
    match r.read_line(&mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

async fn say(r: &mut BufReader<Box<dyn Io>>, text: &str) -> std::io::Result<()> {
    let w = r.get_mut();
    w.write_all(text.as_bytes()).await?;
    w.write_all(b"\r\n").await?;
    w.flush().await
}

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn unb64(s: &str) -> String {
    String::from_utf8(
        base64::engine::general_purpose::STANDARD.decode(s.trim()).unwrap_or_default(),
    )
    .unwrap_or_default()
}

async fn serve(
    io: Box<dyn Io>,
    mut tls: bool,
    opts: &SmtpOptions,
    acceptor: &tokio_rustls::TlsAcceptor,
    sessions: &Mutex<Vec<Session>>,
    idx: usize,
) -> std::io::Result<()> {
    let record = |f: &dyn Fn(&mut Session)| f(&mut sessions.lock().unwrap()[idx]);
    let mut r = BufReader::new(io);
    say(&mut r, "220 mock.example ESMTP ready").await?;
    while let Some(line) = read_line(&mut r).await {
        record(&|s| s.commands.push(line.clone()));
        let upper = line.to_ascii_uppercase();
        if upper.starts_with("EHLO ") {
            let mut ext =
                vec![format!("mock.example greets {}", &line[5..]), "PIPELINING".to_string()];
            if opts.starttls && !tls {
                ext.push("STARTTLS".into());
            }
            if !opts.auth.is_empty() {
                ext.push(format!("AUTH {}", opts.auth.join(" ")));
            }
            ext.push("SIZE 10240000".into());
            let n = ext.len();
            for (i, e) in ext.iter().enumerate() {
                let sep = if i + 1 == n { ' ' } else { '-' };
                say(&mut r, &format!("250{sep}{e}")).await?;
            }
        } else if upper.starts_with("HELO ") {
            say(&mut r, "250 mock.example").await?;
        } else if upper == "STARTTLS" && opts.starttls && !tls {
            say(&mut r, "220 2.0.0 Ready to start TLS").await?;
            let tcp = r.into_inner();
            let stream = acceptor.accept(tcp).await?;
            r = BufReader::new(Box::new(stream));
            tls = true;
        } else if let Some(rest) = upper.strip_prefix("AUTH ") {
            let mech = rest.split(' ').next().unwrap_or_default().to_string();
            let ok = match mech.as_str() {
                "PLAIN" => {
                    let initial = line.splitn(3, ' ').nth(2).unwrap_or_default().to_string();
                    let creds = unb64(&initial);
                    let parts: Vec<&str> = creds.split('\0').collect();
                    parts.len() == 3 && parts[1] == opts.username && parts[2] == opts.password
                }
                "LOGIN" => {
                    say(&mut r, &format!("334 {}", b64(b"Username:"))).await?;
                    let u = read_line(&mut r).await.unwrap_or_default();
                    say(&mut r, &format!("334 {}", b64(b"Password:"))).await?;
                    let p = read_line(&mut r).await.unwrap_or_default();
                    record(&|s| s.commands.extend([u.clone(), p.clone()]));
                    unb64(&u) == opts.username && unb64(&p) == opts.password
                }
                "CRAM-MD5" => {
                    let challenge = "<1896.697170952@mock.example>";
                    say(&mut r, &format!("334 {}", b64(challenge.as_bytes()))).await?;
                    let resp = read_line(&mut r).await.unwrap_or_default();
                    record(&|s| s.commands.push(resp.clone()));
                    let mut mac =
                        hmac::Hmac::<md5::Md5>::new_from_slice(opts.secret.as_bytes()).unwrap();
                    mac.update(challenge.as_bytes());
                    let want =
                        format!("{} {}", opts.username, hex::encode(mac.finalize().into_bytes()));
                    unb64(&resp) == want
                }
                _ => false,
            };
            if ok {
                record(&|s| s.authenticated = Some(mech.clone()));
                say(&mut r, "235 2.7.0 Authentication successful").await?;
            } else {
                say(&mut r, "535 5.7.8 Authentication credentials invalid").await?;
            }
        } else if upper.starts_with("MAIL FROM:") {
            say(&mut r, "250 2.1.0 Ok").await?;
        } else if upper.starts_with("RCPT TO:") {
            if opts.reject_rcpt {
                say(&mut r, "550 5.1.1 No such user").await?;
            } else {
                say(&mut r, "250 2.1.5 Ok").await?;
            }
        } else if upper == "DATA" {
            say(&mut r, "354 End data with <CR><LF>.<CR><LF>").await?;
            let mut msg = String::new();
            loop {
                let mut raw = String::new();
                if r.read_line(&mut raw).await? == 0 {
                    return Ok(());
                }
                if raw == ".\r\n" {
                    break;
                }
                let raw = raw.strip_prefix('.').map(str::to_string).unwrap_or(raw);
                msg.push_str(&raw);
            }
            record(&|s| {
                s.message = Some(msg.clone());
                s.tls = tls;
            });
            say(&mut r, "250 2.0.0 Ok: queued as 12345").await?;
        } else if upper == "QUIT" {
            say(&mut r, "221 2.0.0 Bye").await?;
            return Ok(());
        } else if upper == "*" {
            say(&mut r, "501 5.7.0 Authentication aborted").await?;
        } else {
            say(&mut r, "502 5.5.2 Command not recognized").await?;
        }
    }
    Ok(())
}

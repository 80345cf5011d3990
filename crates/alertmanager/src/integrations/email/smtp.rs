//! A small SMTP client (RFC 5321) doing what upstream's Go `net/smtp` client does for
//! Alertmanager: greeting, EHLO (HELO fallback), STARTTLS, AUTH (PLAIN, LOGIN, CRAM-MD5 — the
//! last is why this is not lettre), MAIL/RCPT/DATA and QUIT, with Go's reply-code checks.

use hmac::{KeyInit, Mac};
use rustls::pki_types::ServerName;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// Anything the client can talk over: a TCP stream, or TLS on top of one.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Longest reply line we accept; servers send far less, this only bounds memory.
const MAX_LINE: usize = 64 * 1024;
/// Most lines in one reply (EHLO lists a dozen extensions at most).
const MAX_LINES: usize = 1000;

/// What can go wrong talking to the server.
#[derive(Debug)]
pub enum SmtpError {
    /// The connection failed.
    Io(std::io::Error),
    /// The server answered with an unexpected code (Go's `textproto.Error`).
    Reply { code: u16, message: String },
    /// Anything else (a malformed reply, an auth mechanism refusing to go on).
    Protocol(String),
}

impl fmt::Display for SmtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmtpError::Io(e) => write!(f, "{e}"),
            SmtpError::Reply { code, message } => write!(f, "{code:03} {message}"),
            SmtpError::Protocol(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for SmtpError {}

impl From<std::io::Error> for SmtpError {
    fn from(e: std::io::Error) -> Self {
        SmtpError::Io(e)
    }
}

/// What an auth mechanism learns about the server before it sends credentials.
#[derive(Debug, Clone, Copy)]
pub struct ServerInfo<'a> {
    /// The smarthost's host name, as configured.
    pub name: &'a str,
    /// Whether the connection is encrypted.
    pub tls: bool,
}

/// An SMTP authentication mechanism, as Go's `smtp.Auth`.
#[derive(Clone)]
pub enum Auth {
    /// RFC 4616; refuses to send the password in clear except to localhost, like Go.
    Plain { identity: String, username: String, password: String, host: String },
    /// The de-facto `LOGIN` mechanism (`Username:` / `Password:` prompts).
    Login { username: String, password: String },
    /// RFC 2195: HMAC-MD5 of the server's challenge keyed with the shared secret.
    CramMd5 { username: String, secret: String },
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials never print.
        f.write_str(self.type_name())
    }
}

impl Auth {
    /// Go's `%T` of the equivalent upstream value, which upstream puts in its error texts.
    pub fn type_name(&self) -> &'static str {
        match self {
            Auth::Plain { .. } => "*smtp.plainAuth",
            Auth::Login { .. } => "*email.loginAuth",
            Auth::CramMd5 { .. } => "*smtp.cramMD5Auth",
        }
    }

    fn start(&self, server: ServerInfo<'_>) -> Result<(&'static str, Vec<u8>), String> {
        match self {
            Auth::Plain { identity, username, password, host } => {
                if !server.tls && !is_localhost(server.name) {
                    return Err("unencrypted connection".into());
                }
                if server.name != host {
                    return Err("wrong host name".into());
                }
                Ok(("PLAIN", format!("{identity}\0{username}\0{password}").into_bytes()))
            }
            Auth::Login { .. } => Ok(("LOGIN", Vec::new())),
            Auth::CramMd5 { .. } => Ok(("CRAM-MD5", Vec::new())),
        }
    }

    /// The answer to a server challenge; `None` when done.
    fn next(&self, challenge: &[u8], more: bool) -> Result<Option<Vec<u8>>, String> {
        if !more {
            return Ok(None);
        }
        match self {
            Auth::Plain { .. } => Err("unexpected server challenge".into()),
            Auth::Login { username, password } => {
                match String::from_utf8_lossy(challenge).to_ascii_lowercase().as_str() {
                    "username:" => Ok(Some(username.clone().into_bytes())),
                    "password:" => Ok(Some(password.clone().into_bytes())),
                    _ => Err("unexpected server challenge".into()),
                }
            }
            Auth::CramMd5 { username, secret } => {
                let mut mac = hmac::Hmac::<md5::Md5>::new_from_slice(secret.as_bytes())
                    .map_err(|e| e.to_string())?;
                mac.update(challenge);
                let digest = hex::encode(mac.finalize().into_bytes());
                Ok(Some(format!("{username} {digest}").into_bytes()))
            }
        }
    }
}

fn is_localhost(name: &str) -> bool {
    matches!(name, "localhost" | "127.0.0.1" | "::1")
}

/// One SMTP session.
pub struct Client {
    io: BufReader<Box<dyn Io>>,
    /// The server's host name (for PLAIN's check and TLS).
    server_name: String,
    /// Our EHLO name.
    local_name: String,
    tls: bool,
    /// EHLO extensions, upper-cased keyword → parameters.
    ext: HashMap<String, String>,
    did_hello: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("server_name", &self.server_name)
            .field("tls", &self.tls)
            .field("ext", &self.ext)
            .finish_non_exhaustive()
    }
}

type Reply = (u16, String);

impl Client {
    /// Reads the server's greeting (220).
    pub async fn new(io: Box<dyn Io>, server_name: &str, tls: bool) -> Result<Client, SmtpError> {
        let mut c = Client {
            io: BufReader::new(io),
            server_name: server_name.to_string(),
            local_name: "localhost".into(),
            tls,
            ext: HashMap::new(),
            did_hello: false,
        };
        let reply = c.read_reply().await?;
        expect(reply, 220)?;
        Ok(c)
    }

    /// Greets the server as `name` (EHLO, falling back to HELO).
    pub async fn hello(&mut self, name: &str) -> Result<(), SmtpError> {
        if name.contains(['\r', '\n']) {
            return Err(SmtpError::Protocol("smtp: A line must not contain CR or LF".into()));
        }
        self.local_name = name.to_string();
        self.did_hello = true;
        if let Err(e) = self.ehlo().await {
            if matches!(e, SmtpError::Io(_)) {
                return Err(e);
            }
            let reply = self.cmd(&format!("HELO {}", self.local_name)).await?;
            expect(reply, 250)?;
        }
        Ok(())
    }

    async fn ensure_hello(&mut self) -> Result<(), SmtpError> {
        if !self.did_hello {
            let name = self.local_name.clone();
            self.hello(&name).await?;
        }
        Ok(())
    }

    async fn ehlo(&mut self) -> Result<(), SmtpError> {
        let reply = self.cmd(&format!("EHLO {}", self.local_name)).await?;
        let message = expect(reply, 250)?;
        self.ext.clear();
        for line in message.split('\n').skip(1) {
            let (k, v) = line.split_once(' ').unwrap_or((line, ""));
            self.ext.insert(k.to_ascii_uppercase(), v.to_string());
        }
        Ok(())
    }

    /// The parameters of an EHLO extension the server advertised.
    pub fn extension(&self, name: &str) -> Option<&str> {
        self.ext.get(&name.to_ascii_uppercase()).map(String::as_str)
    }

    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Upgrades to TLS (STARTTLS, 220) and greets again.
    pub async fn starttls(
        &mut self,
        config: Arc<rustls::ClientConfig>,
        name: &str,
    ) -> Result<(), SmtpError> {
        self.ensure_hello().await?;
        let reply = self.cmd("STARTTLS").await?;
        expect(reply, 220)?;
        let server_name = ServerName::try_from(name.to_string())
            .map_err(|e| SmtpError::Protocol(format!("invalid TLS server name {name:?}: {e}")))?;
        // Nothing may be buffered past the 220: the server waits for our handshake.
        let io = std::mem::replace(&mut self.io, BufReader::new(Box::new(tokio::io::duplex(1).0)));
        let stream =
            tokio_rustls::TlsConnector::from(config).connect(server_name, io.into_inner()).await?;
        self.io = BufReader::new(Box::new(stream));
        self.tls = true;
        self.ehlo().await
    }

    /// Authenticates with `auth` (Go's `Client.Auth`).
    pub async fn auth(&mut self, auth: &Auth) -> Result<(), SmtpError> {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        self.ensure_hello().await?;
        let info = ServerInfo { name: &self.server_name, tls: self.tls };
        let (mech, initial) = match auth.start(info) {
            Ok(v) => v,
            Err(e) => {
                let _ = self.quit().await;
                return Err(SmtpError::Protocol(e));
            }
        };
        let line = format!("AUTH {mech} {}", b64.encode(&initial));
        let (mut code, mut msg) = self.cmd(line.trim()).await?;
        loop {
            let step = match code {
                334 => b64
                    .decode(msg.as_bytes())
                    .map_err(|e| SmtpError::Protocol(format!("illegal base64 data: {e}")))
                    .and_then(|c| auth.next(&c, true).map_err(SmtpError::Protocol)),
                235 => auth.next(msg.as_bytes(), false).map_err(SmtpError::Protocol),
                _ => Err(SmtpError::Reply { code, message: msg.clone() }),
            };
            match step {
                Err(e) => {
                    // Abort the exchange as Go does, then give up on the session.
                    let _ = self.cmd("*").await;
                    let _ = self.quit().await;
                    return Err(e);
                }
                Ok(None) => return Ok(()),
                Ok(Some(resp)) => {
                    (code, msg) = self.cmd(&b64.encode(resp)).await?;
                }
            }
        }
    }

    /// `MAIL FROM`, with `BODY=8BITMIME` / `SMTPUTF8` when the server offers them.
    pub async fn mail(&mut self, from: &str) -> Result<(), SmtpError> {
        validate_line(from)?;
        self.ensure_hello().await?;
        let mut line = format!("MAIL FROM:<{from}>");
        if self.ext.contains_key("8BITMIME") {
            line.push_str(" BODY=8BITMIME");
        }
        if self.ext.contains_key("SMTPUTF8") {
            line.push_str(" SMTPUTF8");
        }
        let reply = self.cmd(&line).await?;
        expect(reply, 250).map(drop)
    }

    /// `RCPT TO` (any 25x is fine).
    pub async fn rcpt(&mut self, to: &str) -> Result<(), SmtpError> {
        validate_line(to)?;
        let reply = self.cmd(&format!("RCPT TO:<{to}>")).await?;
        if reply.0 / 10 == 25 {
            return Ok(());
        }
        Err(SmtpError::Reply { code: reply.0, message: reply.1 })
    }

    /// `DATA` (354) only; the message follows with [`Client::send_message`].
    pub async fn data(&mut self) -> Result<(), SmtpError> {
        let reply = self.cmd("DATA").await?;
        expect(reply, 354).map(drop)
    }

    /// Writes the message (dot-stuffed, CRLF line ends), the final `.` and waits for 250.
    pub async fn send_message(&mut self, message: &[u8]) -> Result<(), SmtpError> {
        let body = dot_encode(message);
        let w = self.io.get_mut();
        w.write_all(&body).await?;
        w.flush().await?;
        let reply = self.read_reply().await?;
        expect(reply, 250).map(drop)
    }

    /// `QUIT` (221).
    pub async fn quit(&mut self) -> Result<(), SmtpError> {
        let reply = self.cmd("QUIT").await?;
        expect(reply, 221).map(drop)
    }

    async fn cmd(&mut self, line: &str) -> Result<Reply, SmtpError> {
        let w = self.io.get_mut();
        w.write_all(line.as_bytes()).await?;
        w.write_all(b"\r\n").await?;
        w.flush().await?;
        self.read_reply().await
    }

    /// Reads a (possibly multi-line) reply; the text of its lines joined by `\n`.
    async fn read_reply(&mut self) -> Result<Reply, SmtpError> {
        let mut code = 0u16;
        let mut lines: Vec<String> = Vec::new();
        loop {
            let mut buf = Vec::new();
            let n = (&mut self.io).take(MAX_LINE as u64).read_until(b'\n', &mut buf).await?;
            if n == 0 {
                return Err(SmtpError::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            let line = String::from_utf8_lossy(&buf);
            let line = line.trim_end_matches(['\r', '\n']);
            let bad = || SmtpError::Protocol(format!("short response: {line}"));
            let digits = line.get(..3).ok_or_else(bad)?;
            let this: u16 = digits.parse().map_err(|_| bad())?;
            if !(100..1000).contains(&this) || (code != 0 && this != code) {
                return Err(bad());
            }
            code = this;
            let (more, text) = match line.as_bytes().get(3) {
                Some(b'-') => (true, &line[4..]),
                Some(b' ') => (false, &line[4..]),
                None => (false, ""),
                Some(_) => return Err(bad()),
            };
            lines.push(text.to_string());
            if !more {
                break;
            }
            if lines.len() >= MAX_LINES {
                return Err(SmtpError::Protocol("reply has too many lines".into()));
            }
        }
        Ok((code, lines.join("\n")))
    }
}

fn expect((code, message): Reply, want: u16) -> Result<String, SmtpError> {
    if code == want { Ok(message) } else { Err(SmtpError::Reply { code, message }) }
}

fn validate_line(s: &str) -> Result<(), SmtpError> {
    if s.contains(['\r', '\n']) {
        return Err(SmtpError::Protocol("smtp: A line must not contain CR or LF".into()));
    }
    Ok(())
}

/// The DATA payload: line ends made CRLF, leading dots doubled, ended by `.` on its own line.
pub fn dot_encode(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 8);
    let mut at_line_start = true;
    let mut prev = 0u8;
    for &b in message {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        at_line_start = b == b'\n';
        prev = b;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffing_and_line_ends() {
        assert_eq!(dot_encode(b"a\n.b\r\n..c"), b"a\r\n..b\r\n...c\r\n.\r\n".to_vec());
        assert_eq!(dot_encode(b"x\r\n"), b"x\r\n.\r\n".to_vec());
    }

    #[test]
    fn cram_md5_matches_rfc_2195() {
        // The example exchange of RFC 2195 section 2.
        let a = Auth::CramMd5 { username: "tim".into(), secret: "tanstaaftanstaaf".into() };
        let resp = a.next(b"<1896.697170952@postoffice.reston.mci.net>", true).unwrap().unwrap();
        assert_eq!(resp, b"tim b913a602c7eda7a495b4e6e7334d3890".to_vec());
    }

    #[test]
    fn plain_refuses_cleartext_to_remote_hosts() {
        let a = Auth::Plain {
            identity: String::new(),
            username: "u".into(),
            password: "p".into(),
            host: "mail.example.com".into(),
        };
        let e = a.start(ServerInfo { name: "mail.example.com", tls: false }).unwrap_err();
        assert_eq!(e, "unencrypted connection");
        let (mech, resp) = a.start(ServerInfo { name: "mail.example.com", tls: true }).unwrap();
        assert_eq!((mech, resp), ("PLAIN", b"\0u\0p".to_vec()));
        let e = a.start(ServerInfo { name: "other", tls: true }).unwrap_err();
        assert_eq!(e, "wrong host name");
    }

    #[test]
    fn login_answers_prompts() {
        let a = Auth::Login { username: "u".into(), password: "p".into() };
        assert_eq!(a.next(b"Username:", true).unwrap(), Some(b"u".to_vec()));
        assert_eq!(a.next(b"password:", true).unwrap(), Some(b"p".to_vec()));
        assert!(a.next(b"what?", true).is_err());
        assert_eq!(a.next(b"", false).unwrap(), None);
    }
}

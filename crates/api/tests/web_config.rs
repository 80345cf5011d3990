//! `--web.config.file`: parsing (strict, positioned errors), TLS serving (server and client
//! certificates, SANs, HTTP/2), basic auth, headers, rate limit, and re-reading the files
//! when they change.
//!
//! `cargo test -p klaxon-api --test web_config`

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use api::web_config::{self, ClientAuth, Pem, TlsVersion, Web};
use axum::Router;
use axum::routing::get;
use reqwest::{Certificate, Identity, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../alertmanager/tests/testdata/tls").join(name)
}

/// A temp dir holding the test certificates and a `web.yml`.
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        let d = tempfile::tempdir().unwrap();
        for f in ["ca.crt", "server.crt", "server.key", "client.crt", "client.key"] {
            std::fs::copy(testdata(f), d.path().join(f)).unwrap();
        }
        Dir(d)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    /// Replaces a file the way editors and cert managers do (new inode, atomic).
    fn write(&self, name: &str, text: &str) {
        let tmp = self.path(&format!(".{name}.tmp"));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(tmp, self.path(name)).unwrap();
    }

    fn web(&self, yaml: &str) -> Web {
        self.write("web.yml", yaml);
        Web::from_file(&self.path("web.yml")).unwrap()
    }
}

/// A server answering `ok` on `/`; stops when dropped.
struct Server {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
}

async fn serve(web: Web) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new().route("/", get(|| async { "ok" }));
    let (stop, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        web.serve(listener, router, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Server { addr, _stop: stop }
}

/// An HTTPS client trusting only the test CA, reaching `localhost` (the server cert's name)
/// at `addr`, presenting `identity` (a `<name>.crt`/`<name>.key` pair) when given. A new
/// client per call: every request is a new connection and handshake.
fn https(addr: SocketAddr, identity: Option<&str>) -> reqwest::Client {
    let ca = Certificate::from_pem(&std::fs::read(testdata("ca.crt")).unwrap()).unwrap();
    let mut b = reqwest::Client::builder()
        .tls_certs_only([ca])
        .resolve("localhost", addr)
        .timeout(Duration::from_secs(10));
    if let Some(name) = identity {
        let mut pem = std::fs::read(testdata(&format!("{name}.crt"))).unwrap();
        pem.extend(std::fs::read(testdata(&format!("{name}.key"))).unwrap());
        b = b.identity(Identity::from_pem(&pem).unwrap());
    }
    b.build().unwrap()
}

fn url(s: &Server) -> String {
    format!("https://localhost:{}/", s.addr.port())
}

fn bcrypt(pass: &str) -> String {
    bcrypt::hash(pass, 4).unwrap()
}

const TLS: &str = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";

// ---------------------------------------------------------------------------------------------
// Parsing

#[test]
fn errors_name_file_line_and_column() {
    let cases: &[(&str, &str)] = &[
        ("nope: 1\n", "1:1: unknown field `nope`"),
        ("tls_server_config:\n  cert_file: a\n  keyfile: b\n", "3:3: unknown field `keyfile`"),
        (
            "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Maybe\n",
            "4:21: invalid ClientAuth: Maybe",
        ),
        ("tls_server_config:\n  min_version: TLS14\n", "2:16: unknown TLS version: TLS14"),
        ("tls_server_config:\n  cipher_suites: [TLS_FOO]\n", "2:19: unknown cipher: TLS_FOO"),
        ("tls_server_config:\n  curve_preferences:\n  - P999\n", "3:5: unknown curve: P999"),
        ("tls_server_config:\n  key_file: k\n", "2:3: missing one of cert or cert_file"),
        ("tls_server_config:\n  cert_file: c\n", "2:3: missing one of key or key_file"),
        (
            "tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n",
            "2:3: client CA's have been configured without a Client Auth Policy",
        ),
        (
            "http_server_config:\n  headers:\n    X-Powered-By: me\n",
            "3:19: HTTP header \"X-Powered-By\" can not be configured",
        ),
        (
            "http_server_config:\n  headers:\n    X-Frame-Options: always\n",
            "3:22: invalid value for X-Frame-Options. Expected one of: [\"deny\" \"sameorigin\"], but got: \"always\"",
        ),
        (
            "basic_auth_users:\n  alice: hunter2\n",
            "2:10: basic_auth_users: the password of user \"alice\" is not a bcrypt hash",
        ),
        ("rate_limit:\n  interval: soon\n", "2:13: "),
        ("http_server_config:\n  http2: maybe\n", "2:10: "),
    ];
    for (yaml, want) in cases {
        let err = web_config::load_str(yaml, Path::new("/etc/am/web.yml")).unwrap_err();
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("/etc/am/web.yml:{want}")),
            "for {yaml:?}\n got: {shown}\nwant: /etc/am/web.yml:{want}"
        );
        // No secret ever shows up in an error.
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}

#[test]
fn defaults_relative_paths_and_all_fields() {
    let yaml = format!(
        "\
tls_server_config:
  cert_file: tls/server.crt
  key_file: /abs/server.key
  client_ca_file: ca.crt
  client_auth_type: RequireClientCert
  min_version: TLS13
  max_version: TLS13
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
  curve_preferences: [X25519, CurveP521]
  prefer_server_cipher_suites: false
  client_allowed_sans: [a.example]
http_server_config:
  http2: false
  headers:
    X-Frame-Options: deny
    Strict-Transport-Security: max-age=31536000
    Content-Security-Policy: ''
basic_auth_users:
  alice: {}
rate_limit:
  interval: 1s
  burst: 5
",
        bcrypt("pw")
    );
    let c = web_config::load_str(&yaml, Path::new("/etc/am/web.yml")).unwrap();
    let t = c.tls.as_ref().unwrap();
    assert_eq!(t.cert, Pem::File(PathBuf::from("/etc/am/tls/server.crt")));
    assert_eq!(t.key, Pem::File(PathBuf::from("/abs/server.key")));
    assert_eq!(t.client_ca, Some(Pem::File(PathBuf::from("/etc/am/ca.crt"))));
    assert_eq!(t.client_auth, ClientAuth::RequireAnyClientCert);
    assert_eq!((t.min_version, t.max_version), (TlsVersion::Tls13, TlsVersion::Tls13));
    assert!(!t.prefer_server_cipher_suites);
    assert_eq!(t.client_allowed_sans.as_deref(), Some(&["a.example".to_string()][..]));
    assert!(!c.http.http2);
    // A blank header is "unset".
    let names: Vec<_> = c.http.headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["strict-transport-security", "x-frame-options"]);
    assert_eq!(c.users.len(), 1);
    let rl = c.rate_limit.unwrap();
    assert_eq!((rl.interval, rl.burst), (Duration::from_secs(1), 5));
    // The hash is a secret: Debug shows the user only.
    assert!(!format!("{c:?}").contains("$2y$"));

    // Defaults: no TLS, HTTP/2 on, no users, no limit; an empty file is an empty config.
    for empty in ["", "tls_server_config:\n", "{}\n"] {
        let c = web_config::load_str(empty, Path::new("w.yml")).unwrap();
        assert!(c.tls.is_none() && c.users.is_empty() && c.rate_limit.is_none());
        assert!(c.http.http2);
    }
    let c = web_config::load_str(TLS, Path::new("w.yml")).unwrap();
    let t = c.tls.unwrap();
    assert_eq!((t.min_version, t.max_version), (TlsVersion::Tls12, TlsVersion::Tls13));
    assert!(t.prefer_server_cipher_suites);
    assert_eq!(t.client_auth, ClientAuth::NoClientCert);
}

#[test]
fn unreadable_or_bad_certificates_fail_the_load() {
    let d = Dir::new();
    d.write("web.yml", "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n");
    let e = Web::from_file(&d.path("web.yml")).unwrap_err().to_string();
    assert!(e.contains("failed to read cert_file") && e.contains("missing.crt"), "{e}");
    // A key that does not belong to the certificate.
    d.write("web.yml", "tls_server_config:\n  cert_file: server.crt\n  key_file: client.key\n");
    let e = Web::from_file(&d.path("web.yml")).unwrap_err().to_string();
    assert!(e.contains("failed to load X509KeyPair"), "{e}");
    d.write(
        "web.yml",
        &format!(
            "{TLS}  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: server.key\n"
        ),
    );
    assert!(Web::from_file(&d.path("web.yml")).is_err());
    assert!(Web::from_file(&d.path("absent.yml")).is_err());
}

// ---------------------------------------------------------------------------------------------
// TLS

#[tokio::test]
async fn tls_serves_the_configured_certificate_with_http2() {
    let d = Dir::new();
    let web = d.web(TLS);
    assert!(web.tls_enabled() && web.http2());
    let s = serve(web).await;
    let r = https(s.addr, None).get(url(&s)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.version(), reqwest::Version::HTTP_2);
    assert_eq!(r.text().await.unwrap(), "ok");
    // Plain HTTP on the TLS port gets nowhere.
    let plain = reqwest::Client::new().get(format!("http://{}/", s.addr)).send().await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());

    let web = d.web(&format!("{TLS}http_server_config:\n  http2: false\n"));
    assert!(!web.http2());
    let s = serve(web).await;
    let r = https(s.addr, None).get(url(&s)).send().await.unwrap();
    assert_eq!(r.version(), reqwest::Version::HTTP_11);
}

#[tokio::test]
async fn client_certificates_by_policy() {
    let d = Dir::new();
    let verify =
        |policy: &str| format!("{TLS}  client_auth_type: {policy}\n  client_ca_file: ca.crt\n");
    // Required and verified: no certificate, no service; the CA's client cert passes.
    let s = serve(d.web(&verify("RequireAndVerifyClientCert"))).await;
    assert!(https(s.addr, None).get(url(&s)).send().await.is_err());
    let r = https(s.addr, Some("client")).get(url(&s)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Verified if given: optional.
    let s = serve(d.web(&verify("VerifyClientCertIfGiven"))).await;
    assert_eq!(https(s.addr, None).get(url(&s)).send().await.unwrap().status(), 200);
    assert_eq!(https(s.addr, Some("client")).get(url(&s)).send().await.unwrap().status(), 200);

    // Required, any certificate (not checked against a CA).
    let s = serve(d.web(&format!("{TLS}  client_auth_type: RequireAnyClientCert\n"))).await;
    assert!(https(s.addr, None).get(url(&s)).send().await.is_err());
    assert_eq!(https(s.addr, Some("server")).get(url(&s)).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn client_allowed_sans_must_match_a_san_of_the_client_cert() {
    let d = Dir::new();
    // server.crt names DNS:localhost and DNS:alt.example; used here as a client certificate.
    let policy = "  client_auth_type: RequireAnyClientCert\n";
    let s =
        serve(d.web(&format!("{TLS}{policy}  client_allowed_sans: [other, alt.example]\n"))).await;
    assert_eq!(https(s.addr, Some("server")).get(url(&s)).send().await.unwrap().status(), 200);
    // client.crt has no SAN at all.
    assert!(https(s.addr, Some("client")).get(url(&s)).send().await.is_err());

    let s = serve(d.web(&format!("{TLS}{policy}  client_allowed_sans: [example.org]\n"))).await;
    assert!(https(s.addr, Some("server")).get(url(&s)).send().await.is_err());
}

#[tokio::test]
async fn certificates_are_re_read_when_their_files_change() {
    let d = Dir::new();
    let s = serve(d.web(TLS)).await;
    assert_eq!(https(s.addr, None).get(url(&s)).send().await.unwrap().status(), 200);
    // Rotate to a certificate the client refuses (client.crt: not for `localhost`, not for
    // servers): new handshakes present it.
    let cert = std::fs::read_to_string(d.path("client.crt")).unwrap();
    let key = std::fs::read_to_string(d.path("client.key")).unwrap();
    d.write("server.crt", &cert);
    d.write("server.key", &key);
    let e = https(s.addr, None).get(url(&s)).send().await.unwrap_err();
    assert!(format!("{e:?}").contains("InvalidCertificate"), "{e:?}");
    // And back.
    std::fs::copy(testdata("server.crt"), d.path("server.crt")).unwrap();
    std::fs::copy(testdata("server.key"), d.path("server.key")).unwrap();
    assert_eq!(https(s.addr, None).get(url(&s)).send().await.unwrap().status(), 200);
}

// ---------------------------------------------------------------------------------------------
// Basic auth, headers, rate limit

#[tokio::test]
async fn basic_auth_over_tls() {
    let d = Dir::new();
    let yaml =
        format!("{TLS}basic_auth_users:\n  alice: {}\n  bob: {}\n", bcrypt("s3cret"), bcrypt("pw"));
    let s = serve(d.web(&yaml)).await;
    let c = https(s.addr, None);
    let r = c.get(url(&s)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Basic");
    for (user, pass) in [("alice", "wrong"), ("carol", "s3cret"), ("alice", ""), ("bob", "s3cret")]
    {
        let r = c.get(url(&s)).basic_auth(user, Some(pass)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{user}:{pass}");
    }
    // Twice each: the second answer comes from the cache and must agree.
    for _ in 0..2 {
        let r = c.get(url(&s)).basic_auth("alice", Some("s3cret")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = c.get(url(&s)).basic_auth("bob", Some("pw")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let r = c.get(url(&s)).basic_auth("alice", Some("pw")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn users_and_headers_follow_the_file_without_tls() {
    let d = Dir::new();
    let headers = "http_server_config:\n  headers:\n    X-Frame-Options: deny\n    X-Content-Type-Options: nosniff\n";
    let web = d.web(&format!("{headers}basic_auth_users:\n  alice: {}\n", bcrypt("one")));
    assert!(!web.tls_enabled());
    let s = serve(web).await;
    let c = reqwest::Client::new();
    let u = format!("http://{}/", s.addr);
    let r = c.get(&u).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["x-frame-options"], "deny");
    let r = c.get(&u).basic_auth("alice", Some("one")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-frame-options"], "deny");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");

    // A new password applies on the next request.
    d.write("web.yml", &format!("basic_auth_users:\n  alice: {}\n", bcrypt("two")));
    let r = c.get(&u).basic_auth("alice", Some("one")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get("x-frame-options").is_none());
    let r = c.get(&u).basic_auth("alice", Some("two")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A file that no longer loads fails closed.
    d.write("web.yml", "basic_auth_users: [\n");
    let r = c.get(&u).basic_auth("alice", Some("two")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // Fixed: served again.
    d.write("web.yml", "{}\n");
    assert_eq!(c.get(&u).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn rate_limit_answers_429_past_the_burst() {
    let d = Dir::new();
    let s = serve(d.web("rate_limit:\n  interval: 1h\n  burst: 2\n")).await;
    let c = reqwest::Client::new();
    let u = format!("http://{}/", s.addr);
    let got: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(c.get(&u).send().await.unwrap().status().as_u16());
        }
        v
    };
    assert_eq!(got, [200, 200, 429]);
}

#[tokio::test]
async fn disabled_is_plain_http() {
    let web = Web::disabled();
    assert!(!web.tls_enabled() && !web.http2());
    let s = serve(web).await;
    let r = reqwest::get(format!("http://{}/", s.addr)).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[test]
fn systemd_listeners_need_passed_sockets() {
    // This test process was not socket-activated.
    let e = web_config::systemd_listeners().unwrap_err();
    assert!(e.to_string().contains("no socket activation file descriptors found"), "{e}");
}

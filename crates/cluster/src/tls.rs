//! `--cluster.tls-config`: upstream's file with `tls_server_config` (how we serve) and
//! `tls_client_config` (how we dial). As upstream's TLS transport, all cluster traffic then
//! runs over TLS on TCP: SWIM packets included, so no UDP is used.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, aws_lc_rs};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};
use serde::Deserialize;

use crate::ClusterError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    tls_server_config: Option<ServerFile>,
    tls_client_config: Option<ClientFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ServerFile {
    cert_file: String,
    key_file: String,
    client_auth_type: String,
    client_ca_file: String,
    cipher_suites: Vec<String>,
    curve_preferences: Vec<String>,
    min_version: String,
    max_version: String,
    prefer_server_cipher_suites: bool,
    client_allowed_sans: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ClientFile {
    ca_file: String,
    cert_file: String,
    key_file: String,
    server_name: String,
    insecure_skip_verify: bool,
    min_version: String,
    max_version: String,
}

/// What the transport needs: how to accept and how to dial.
#[derive(Clone)]
pub(crate) struct Tls {
    pub(crate) acceptor: tokio_rustls::TlsAcceptor,
    pub(crate) connector: tokio_rustls::TlsConnector,
    /// `server_name` to verify peers against; `None` = the peer's IP address (as Go does).
    pub(crate) server_name: Option<ServerName<'static>>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("server_name", &self.server_name).finish_non_exhaustive()
    }
}

struct Ctx<'a> {
    path: &'a Path,
}

impl Ctx<'_> {
    fn err(&self, message: impl Into<String>) -> ClusterError {
        ClusterError::Tls { path: self.path.display().to_string(), message: message.into() }
    }

    /// File names are relative to the TLS config file's directory, as upstream.
    fn file(&self, name: &str) -> PathBuf {
        let p = Path::new(name);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.path.parent().unwrap_or(Path::new(".")).join(p)
        }
    }

    fn read(&self, field: &str, name: &str) -> Result<Vec<u8>, ClusterError> {
        let f = self.file(name);
        std::fs::read(&f).map_err(|e| self.err(format!("{field} {}: {e}", f.display())))
    }

    fn certs(&self, field: &str, name: &str) -> Result<Vec<CertificateDer<'static>>, ClusterError> {
        let pem = self.read(field, name)?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err(format!("{field}: {e}")))?;
        if certs.is_empty() {
            return Err(self.err(format!("{field}: no certificate found")));
        }
        Ok(certs)
    }

    fn key(&self, field: &str, name: &str) -> Result<PrivateKeyDer<'static>, ClusterError> {
        PrivateKeyDer::from_pem_slice(&self.read(field, name)?)
            .map_err(|e| self.err(format!("{field}: {e}")))
    }

    fn roots(&self, field: &str, name: &str) -> Result<RootCertStore, ClusterError> {
        let mut roots = RootCertStore::empty();
        for c in self.certs(field, name)? {
            roots.add(c).map_err(|e| self.err(format!("{field}: {e}")))?;
        }
        Ok(roots)
    }

    fn versions(
        &self,
        section: &str,
        min: &str,
        max: &str,
    ) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, ClusterError> {
        let rank = |v: &str, default: u8| match v {
            "" => Ok(default),
            "TLS10" | "TLS11" | "TLS12" => Ok(12),
            "TLS13" => Ok(13),
            other => Err(self.err(format!("{section}: unknown TLS version {other:?}"))),
        };
        let (lo, hi) = (rank(min, 12)?, rank(max, 13)?);
        let mut v = Vec::new();
        if lo <= 12 && hi >= 12 {
            v.push(&rustls::version::TLS12);
        }
        if hi >= 13 {
            v.push(&rustls::version::TLS13);
        }
        if v.is_empty() {
            return Err(self.err(format!("{section}: min_version is above max_version")));
        }
        Ok(v)
    }
}

fn parse(ctx: &Ctx<'_>, text: &str) -> Result<(ServerFile, ClientFile), ClusterError> {
    let f: TlsFile = serde_saphyr::from_str(text).map_err(|e| ctx.err(e.to_string()))?;
    let server = f.tls_server_config.ok_or_else(|| ctx.err("missing tls_server_config"))?;
    let client = f.tls_client_config.ok_or_else(|| ctx.err("missing tls_client_config"))?;
    if server.cert_file.is_empty() || server.key_file.is_empty() {
        return Err(ctx.err("tls_server_config: cert_file and key_file are required"));
    }
    if !server.cipher_suites.is_empty()
        || !server.curve_preferences.is_empty()
        || !server.client_allowed_sans.is_empty()
    {
        return Err(ctx.err(
            "tls_server_config: cipher_suites, curve_preferences and client_allowed_sans are not supported for cluster TLS yet",
        ));
    }
    Ok((server, client))
}

fn server_config(
    ctx: &Ctx<'_>,
    s: &ServerFile,
    provider: &Arc<CryptoProvider>,
) -> Result<ServerConfig, ClusterError> {
    let versions = ctx.versions("tls_server_config", &s.min_version, &s.max_version)?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| ctx.err(e.to_string()))?;
    let builder = match s.client_auth_type.as_str() {
        "" | "NoClientCert" => builder.with_no_client_auth(),
        kind @ ("VerifyClientCertIfGiven" | "RequireAndVerifyClientCert") => {
            if s.client_ca_file.is_empty() {
                return Err(ctx.err(format!(
                    "tls_server_config: client_auth_type {kind} needs client_ca_file"
                )));
            }
            let roots = ctx.roots("tls_server_config.client_ca_file", &s.client_ca_file)?;
            let b = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
            let b = if kind == "VerifyClientCertIfGiven" { b.allow_unauthenticated() } else { b };
            builder.with_client_cert_verifier(b.build().map_err(|e| ctx.err(e.to_string()))?)
        }
        other => {
            return Err(ctx.err(format!(
                "tls_server_config: client_auth_type {other:?} is not supported for cluster TLS \
                 (use NoClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)"
            )));
        }
    };
    let mut cfg = builder
        .with_single_cert(
            ctx.certs("tls_server_config.cert_file", &s.cert_file)?,
            ctx.key("tls_server_config.key_file", &s.key_file)?,
        )
        .map_err(|e| ctx.err(format!("tls_server_config: {e}")))?;
    cfg.ignore_client_order = s.prefer_server_cipher_suites;
    Ok(cfg)
}

fn client_config(
    ctx: &Ctx<'_>,
    c: &ClientFile,
    provider: &Arc<CryptoProvider>,
) -> Result<ClientConfig, ClusterError> {
    let versions = ctx.versions("tls_client_config", &c.min_version, &c.max_version)?;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| ctx.err(e.to_string()))?;
    let builder = if c.insecure_skip_verify {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(NoVerify(provider.clone())))
    } else if c.ca_file.is_empty() {
        return Err(
            ctx.err("tls_client_config: ca_file is required (or insecure_skip_verify: true)")
        );
    } else {
        builder.with_root_certificates(ctx.roots("tls_client_config.ca_file", &c.ca_file)?)
    };
    match (c.cert_file.is_empty(), c.key_file.is_empty()) {
        (true, true) => Ok(builder.with_no_client_auth()),
        (false, false) => builder
            .with_client_auth_cert(
                ctx.certs("tls_client_config.cert_file", &c.cert_file)?,
                ctx.key("tls_client_config.key_file", &c.key_file)?,
            )
            .map_err(|e| ctx.err(format!("tls_client_config: {e}"))),
        _ => Err(ctx.err("tls_client_config: cert_file and key_file go together")),
    }
}

/// Reads `--cluster.tls-config` and builds both sides. Errors name the file and the field.
pub(crate) fn load(path: &Path) -> Result<Tls, ClusterError> {
    let ctx = Ctx { path };
    let text = std::fs::read_to_string(path).map_err(|e| ctx.err(e.to_string()))?;
    let (server, client) = parse(&ctx, &text)?;
    let provider = Arc::new(aws_lc_rs::default_provider());
    let server_name = if client.server_name.is_empty() {
        None
    } else {
        Some(
            ServerName::try_from(client.server_name.clone())
                .map_err(|e| ctx.err(format!("tls_client_config.server_name: {e}")))?,
        )
    };
    Ok(Tls {
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(server_config(
            &ctx, &server, &provider,
        )?)),
        connector: tokio_rustls::TlsConnector::from(Arc::new(client_config(
            &ctx, &client, &provider,
        )?)),
        server_name,
    })
}

/// `insecure_skip_verify: true`: any certificate, but handshake signatures are still checked.
#[derive(Debug)]
struct NoVerify(Arc<CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/tls")
    }

    fn write(dir: &Path, text: &str) -> PathBuf {
        let p = dir.join("cluster-tls.yml");
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn upstream_file_loads_with_paths_relative_to_it() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["ca.crt", "server.crt", "server.key", "client.crt", "client.key"] {
            std::fs::copy(testdata().join(f), dir.path().join(f)).unwrap();
        }
        let p = write(
            dir.path(),
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\ntls_client_config:\n  ca_file: ca.crt\n  cert_file: client.crt\n  key_file: client.key\n  server_name: localhost\n",
        );
        assert!(load(&p).unwrap().server_name.is_some());
    }

    #[test]
    fn mistakes_are_errors_naming_file_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("tls_server_config:\n  cert_fil: a.crt\ntls_client_config: {}\n", "cert_fil"),
            ("tls_client_config: {}\n", "missing tls_server_config"),
            (
                "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\ntls_client_config:\n  insecure_skip_verify: true\n",
                "cert_file",
            ),
            (
                "tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAnyClientCert\ntls_client_config: {}\n",
                "RequireAnyClientCert",
            ),
            ("tls_server_config:\n  cert_file: a\n  key_file: b\n", "missing tls_client_config"),
        ];
        for (text, want) in cases {
            let p = write(dir.path(), text);
            let e = load(&p).unwrap_err().to_string();
            assert!(e.contains("cluster-tls.yml") && e.contains(want), "{want}: {e}");
        }
    }
}

//! `tls_config.server_name`: reqwest verifies the certificate against the URL's host, while
//! upstream verifies it against `server_name` when set. For that case the rustls config is
//! built here, with a verifier that checks the chain as usual but the name given in the
//! config.

use crate::config::TlsConfig;
use crate::tls::{alpn, ca_pem, client_identity, protocol_versions};
use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::sync::Arc;

/// Where Linux distributions keep the system CA bundle (Go reads the same files).
const SYSTEM_CA_FILES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/ssl/cert.pem",
];

/// The rustls config for a `tls_config` with `server_name` (and verification on); `None`
/// when reqwest's own TLS settings do the job.
pub fn server_name_config(
    tls: &TlsConfig,
    enable_http2: bool,
) -> Result<Option<rustls::ClientConfig>, String> {
    if tls.server_name.is_empty() || tls.insecure_skip_verify {
        return Ok(None);
    }
    let name = ServerName::try_from(tls.server_name.clone())
        .map_err(|_| format!("invalid tls_config.server_name {:?}", tls.server_name))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in ca_certs(tls)? {
        // Unparseable entries in a system bundle are skipped, as Go does.
        let _ = roots.add(cert);
    }
    if roots.is_empty() {
        return Err("unable to use specified CA cert".into());
    }
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| format!("unable to use specified CA cert: {e}"))?;
    let versions = protocol_versions(tls);
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|e| format!("invalid TLS versions: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(FixedName { inner, name }));
    let mut cfg = match client_identity(tls)? {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| format!("unable to use specified client cert & key: {e}"))?,
        None => builder.with_no_client_auth(),
    };
    cfg.alpn_protocols = alpn(enable_http2);
    Ok(Some(cfg))
}

fn ca_certs(tls: &TlsConfig) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = match ca_pem(tls)? {
        Some(pem) => pem,
        None => {
            let path = std::env::var("SSL_CERT_FILE")
                .ok()
                .into_iter()
                .chain(SYSTEM_CA_FILES.iter().map(|s| s.to_string()))
                .find(|p| std::path::Path::new(p).is_file())
                .ok_or_else(|| "no system CA certificates found".to_string())?;
            std::fs::read(&path).map_err(|e| format!("unable to read {path}: {e}"))?
        }
    };
    Ok(CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok).collect())
}

/// Verifies the chain as webpki does, for the configured name instead of the URL's host.
#[derive(Debug)]
struct FixedName {
    inner: Arc<WebPkiServerVerifier>,
    name: ServerName<'static>,
}

impl ServerCertVerifier for FixedName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(end_entity, intermediates, &self.name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

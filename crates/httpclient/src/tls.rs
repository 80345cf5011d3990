//! TLS pieces shared by the HTTP and SMTP clients and by the API's HTTPS server: reading the
//! PEM material of a `tls_config`, the protocol versions, ALPN, and the handshake signature
//! checks of verifiers that accept any certificate.

use crate::config::{TlsConfig, TlsVersion};
use rustls::DigitallySignedStruct;
use rustls::SignatureScheme;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

/// The ALPN protocols offered: HTTP/2 only when enabled.
pub fn alpn(http2: bool) -> Vec<Vec<u8>> {
    if http2 { vec![b"h2".to_vec(), b"http/1.1".to_vec()] } else { vec![b"http/1.1".to_vec()] }
}

/// The versions between `min_version` and `max_version`. rustls speaks 1.2 and 1.3, so a
/// minimum below 1.2 is already satisfied.
pub fn protocol_versions(tls: &TlsConfig) -> Vec<&'static rustls::SupportedProtocolVersion> {
    let allowed = |v: TlsVersion| {
        tls.min_version.is_none_or(|m| v >= m) && tls.max_version.is_none_or(|m| v <= m)
    };
    let mut out = Vec::new();
    if allowed(TlsVersion::Tls12) {
        out.push(&rustls::version::TLS12);
    }
    if allowed(TlsVersion::Tls13) {
        out.push(&rustls::version::TLS13);
    }
    out
}

/// The CA bundle given inline (`ca`) or in `ca_file`; `None` when neither is set.
pub fn ca_pem(tls: &TlsConfig) -> Result<Option<Vec<u8>>, String> {
    if !tls.ca.is_empty() {
        return Ok(Some(tls.ca.as_bytes().to_vec()));
    }
    if tls.ca_file.is_empty() {
        return Ok(None);
    }
    std::fs::read(&tls.ca_file)
        .map(Some)
        .map_err(|e| format!("unable to read CA cert: unable to read file {}: {e}", tls.ca_file))
}

/// A client certificate chain and its key.
pub type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// A client certificate's PEM text and its key's.
pub type ClientPem = (Vec<u8>, Vec<u8>);

/// The PEM text of the client certificate (`cert` or `cert_file`) and of its key (`key` or
/// `key_file`); `None` when no certificate is set. Errors never quote the key.
pub fn client_pem(tls: &TlsConfig) -> Result<Option<ClientPem>, String> {
    let cert = if !tls.cert.is_empty() {
        tls.cert.as_bytes().to_vec()
    } else if !tls.cert_file.is_empty() {
        std::fs::read(&tls.cert_file).map_err(|e| {
            format!(
                "unable to read specified client cert: unable to read file {}: {e}",
                tls.cert_file
            )
        })?
    } else {
        return Ok(None);
    };
    let key = if tls.key_file.is_empty() {
        tls.key.expose().as_bytes().to_vec()
    } else {
        std::fs::read(&tls.key_file).map_err(|e| {
            format!(
                "unable to read specified client key: unable to read file {}: {e}",
                tls.key_file
            )
        })?
    };
    Ok(Some((cert, key)))
}

/// The client certificate chain and key of [`client_pem`], parsed; errors are upstream's.
pub fn client_identity(tls: &TlsConfig) -> Result<Option<Identity>, String> {
    let Some((cert, key)) = client_pem(tls)? else {
        return Ok(None);
    };
    let unusable = |_| "unable to use specified client cert & key".to_string();
    let certs =
        CertificateDer::pem_slice_iter(&cert).collect::<Result<Vec<_>, _>>().map_err(unusable)?;
    let key = PrivateKeyDer::from_pem_slice(&key).map_err(unusable)?;
    Ok(Some((certs, key)))
}

/// The handshake signature checks for verifiers that accept any certificate: the peer still
/// has to prove it holds the certificate's key.
#[derive(Debug)]
pub struct SignatureCheck(pub Arc<CryptoProvider>);

impl SignatureCheck {
    pub fn tls12(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, algs)
    }

    pub fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.0.signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, algs)
    }

    pub fn schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

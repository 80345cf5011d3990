//! A rustls client config from `tls_config`, for SMTP (the HTTP integrations get theirs from
//! reqwest). Files are read when a mail is sent, as upstream does, so rotated certificates
//! need no reload.

use crate::config::http::TlsConfig;
use crate::integrations::tls::{SignatureCheck, ca_pem, client_identity, protocol_versions};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;

/// The client config; errors are upstream's texts where it has them.
pub fn client_config(tls: &TlsConfig) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let versions = protocol_versions(tls);
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| format!("unsupported TLS versions: {e}"))?;
    let builder = if tls.insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(SignatureCheck(provider))))
    } else {
        builder.with_root_certificates(roots(tls)?)
    };
    match client_identity(tls)? {
        None => Ok(builder.with_no_client_auth()),
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| format!("unable to use specified client cert & key: {e}")),
    }
}

fn roots(tls: &TlsConfig) -> Result<rustls::RootCertStore, String> {
    let mut store = rustls::RootCertStore::empty();
    match ca_pem(tls)? {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|_| "unable to use specified CA cert".to_string())?;
                store.add(cert).map_err(|_| "unable to use specified CA cert".to_string())?;
            }
            if store.is_empty() {
                return Err("unable to use specified CA cert".into());
            }
        }
        None => {
            // The system's roots, as Go's default; unreadable entries are skipped.
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = store.add(cert);
            }
        }
    }
    Ok(store)
}

/// `insecure_skip_verify: true`: any certificate is accepted (signatures are still checked,
/// so the handshake itself stays sound).
#[derive(Debug)]
struct NoVerify(SignatureCheck);

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
        self.0.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.schemes()
    }
}

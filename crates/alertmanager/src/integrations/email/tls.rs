//! A rustls client config from `tls_config`, for SMTP (the HTTP integrations get theirs from
//! reqwest). Files are read when a mail is sent, as upstream does, so rotated certificates
//! need no reload.

use crate::config::http::{TlsConfig, TlsVersion};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;

/// The client config; errors are upstream's texts where it has them.
pub fn client_config(tls: &TlsConfig) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let versions = versions(tls);
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| format!("unsupported TLS versions: {e}"))?;
    let builder = if tls.insecure_skip_verify {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
    } else {
        builder.with_root_certificates(roots(tls)?)
    };
    let cert_pem = if !tls.cert.is_empty() {
        Some(tls.cert.as_bytes().to_vec())
    } else if !tls.cert_file.is_empty() {
        Some(std::fs::read(&tls.cert_file).map_err(|e| {
            format!(
                "unable to read specified client cert: unable to read file {}: {e}",
                tls.cert_file
            )
        })?)
    } else {
        None
    };
    match cert_pem {
        None => Ok(builder.with_no_client_auth()),
        Some(pem) => {
            let key_pem = if tls.key_file.is_empty() {
                tls.key.expose().as_bytes().to_vec()
            } else {
                std::fs::read(&tls.key_file).map_err(|e| {
                    format!(
                        "unable to read specified client key: unable to read file {}: {e}",
                        tls.key_file
                    )
                })?
            };
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<_, _>>()
                .map_err(|_| "unable to use specified client cert & key".to_string())?;
            let key = PrivateKeyDer::from_pem_slice(&key_pem)
                .map_err(|_| "unable to use specified client cert & key".to_string())?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| format!("unable to use specified client cert & key: {e}"))
        }
    }
}

fn versions(tls: &TlsConfig) -> Vec<&'static rustls::SupportedProtocolVersion> {
    // rustls speaks 1.2 and 1.3; a minimum below 1.2 is already satisfied.
    let min = tls.min_version.unwrap_or(TlsVersion::Tls12);
    let max = tls.max_version.unwrap_or(TlsVersion::Tls13);
    let mut out = Vec::new();
    if min <= TlsVersion::Tls12 && max >= TlsVersion::Tls12 {
        out.push(&rustls::version::TLS12);
    }
    if max >= TlsVersion::Tls13 {
        out.push(&rustls::version::TLS13);
    }
    out
}

fn roots(tls: &TlsConfig) -> Result<rustls::RootCertStore, String> {
    let mut store = rustls::RootCertStore::empty();
    let ca = if !tls.ca.is_empty() {
        Some(tls.ca.as_bytes().to_vec())
    } else if !tls.ca_file.is_empty() {
        Some(std::fs::read(&tls.ca_file).map_err(|e| {
            format!("unable to read CA cert: unable to read file {}: {e}", tls.ca_file)
        })?)
    } else {
        None
    };
    match ca {
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

//! `tls_server_config` as a rustls server configuration.

use std::sync::Arc;

use tokio_rustls::rustls::client::danger::HandshakeSignatureValid;
use tokio_rustls::rustls::crypto::{CryptoProvider, aws_lc_rs};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use tokio_rustls::rustls::{
    self, CertificateError, DigitallySignedStruct, DistinguishedName, NamedGroup, RootCertStore,
    ServerConfig, SignatureScheme, SupportedProtocolVersion,
};

use super::config::{ClientAuth, Pem, TlsServerConfig, TlsVersion};
use super::sans;
use alertmanager::integrations::tls::{SignatureCheck, alpn};

/// Reads a PEM source (`what` names the field in errors).
fn read(pem: &Pem, what: &str) -> Result<Vec<u8>, String> {
    match pem {
        Pem::File(p) => std::fs::read(p)
            .map_err(|e| format!("failed to read {what}_file ({}): {e}", p.display())),
        Pem::Inline(s) => Ok(s.as_bytes().to_vec()),
    }
}

fn certs(data: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(data)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("failed to load X509KeyPair: {e}"))?;
    if certs.is_empty() {
        return Err("failed to load X509KeyPair: no certificate found in the cert PEM".into());
    }
    Ok(certs)
}

/// Builds the server configuration, reading the certificate, key and client CA.
pub(super) fn server_config(t: &TlsServerConfig, http2: bool) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(provider(t));
    let chain = certs(&read(&t.cert, "cert")?)?;
    // The key may be inline: its parse error never quotes it.
    let key = PrivateKeyDer::from_pem_slice(&read(&t.key, "key")?)
        .map_err(|e| format!("failed to load X509KeyPair: {e}"))?;

    let versions = versions(t.min_version, t.max_version)?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| format!("invalid TLS settings: {e}"))?;
    let verifier = client_verifier(t, &provider)?;
    let builder = match verifier {
        Some(v) => builder.with_client_cert_verifier(v),
        None => builder.with_no_client_auth(),
    };
    let mut cfg = builder
        .with_single_cert(chain, key)
        .map_err(|e| format!("failed to load X509KeyPair: {e}"))?;
    cfg.ignore_client_order = t.prefer_server_cipher_suites;
    cfg.alpn_protocols = alpn(http2);
    Ok(Arc::new(cfg))
}

/// aws-lc-rs, narrowed to the configured TLS 1.2 cipher suites and curves that it implements.
/// Names it does not implement are accepted and skipped (upstream's list is Go's); when that
/// leaves none, rustls' defaults stay.
fn provider(t: &TlsServerConfig) -> CryptoProvider {
    let mut p = aws_lc_rs::default_provider();
    if !t.cipher_suites.is_empty() {
        let mut chosen = Vec::new();
        for name in &t.cipher_suites {
            if let Some(s) = p.cipher_suites.iter().find(|s| s.suite().as_str() == Some(name)) {
                chosen.push(*s);
            }
        }
        // Go ignores the list for TLS 1.3: its suites are always on.
        let tls13 = p.cipher_suites.iter().filter(|s| s.tls13().is_some()).copied();
        let chosen12: Vec<_> = chosen.into_iter().filter(|s| s.tls13().is_none()).collect();
        if !chosen12.is_empty() {
            p.cipher_suites = tls13.chain(chosen12).collect();
        }
    }
    if !t.curve_preferences.is_empty() {
        let mut groups = Vec::new();
        for name in &t.curve_preferences {
            let want = match name.as_str() {
                "CurveP256" => NamedGroup::secp256r1,
                "CurveP384" => NamedGroup::secp384r1,
                "CurveP521" => NamedGroup::secp521r1,
                _ => NamedGroup::X25519,
            };
            if let Some(g) = p.kx_groups.iter().find(|g| g.name() == want) {
                groups.push(*g);
            }
        }
        if !groups.is_empty() {
            p.kx_groups = groups;
        }
    }
    p
}

fn versions(
    min: TlsVersion,
    max: TlsVersion,
) -> Result<Vec<&'static SupportedProtocolVersion>, String> {
    let mut v = Vec::new();
    // rustls has no TLS 1.0 or 1.1: a lower minimum still means TLS 1.2.
    if min <= TlsVersion::Tls12 && max >= TlsVersion::Tls12 {
        v.push(&rustls::version::TLS12);
    }
    if max >= TlsVersion::Tls13 {
        v.push(&rustls::version::TLS13);
    }
    if v.is_empty() {
        return Err(format!(
            "no TLS version between min_version {min:?} and max_version {max:?} is supported (klaxon speaks TLS 1.2 and 1.3)"
        ));
    }
    Ok(v)
}

fn client_verifier(
    t: &TlsServerConfig,
    provider: &Arc<CryptoProvider>,
) -> Result<Option<Arc<dyn ClientCertVerifier>>, String> {
    let inner: Arc<dyn ClientCertVerifier> = match t.client_auth {
        ClientAuth::NoClientCert => return Ok(None),
        ClientAuth::RequestClientCert | ClientAuth::RequireAnyClientCert => {
            Arc::new(AnyClientCert {
                mandatory: t.client_auth == ClientAuth::RequireAnyClientCert,
                signatures: SignatureCheck(provider.clone()),
            })
        }
        ClientAuth::VerifyClientCertIfGiven | ClientAuth::RequireAndVerifyClientCert => {
            let Some(ca) = &t.client_ca else {
                return Err(format!(
                    "client_auth_type {:?} needs client_ca_file or client_ca",
                    t.client_auth
                ));
            };
            let mut roots = RootCertStore::empty();
            let pem = read(ca, "client_ca")?;
            for c in CertificateDer::pem_slice_iter(&pem) {
                let c = c.map_err(|e| format!("invalid client CA: {e}"))?;
                roots.add(c).map_err(|e| format!("invalid client CA: {e}"))?;
            }
            let b = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
            let b = if t.client_auth == ClientAuth::VerifyClientCertIfGiven {
                b.allow_unauthenticated()
            } else {
                b
            };
            b.build().map_err(|e| format!("invalid client CA: {e}"))?
        }
    };
    Ok(Some(match &t.client_allowed_sans {
        Some(allowed) => Arc::new(AllowedSans { inner, allowed: allowed.clone() }),
        None => inner,
    }))
}

/// `RequestClientCert` / `RequireAnyClientCert`: the certificate is not checked against any
/// CA, but the handshake signature still proves the client holds its key.
#[derive(Debug)]
struct AnyClientCert {
    mandatory: bool,
    signatures: SignatureCheck,
}

impl ClientCertVerifier for AnyClientCert {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.tls12(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.signatures.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.signatures.schemes()
    }
}

/// `client_allowed_sans`: after the chosen policy accepted the certificate, one of its SANs
/// (DNS, e-mail, IP or URI) must equal one of the allowed values.
#[derive(Debug)]
struct AllowedSans {
    inner: Arc<dyn ClientCertVerifier>,
    allowed: Vec<String>,
}

impl ClientCertVerifier for AllowedSans {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let ok = self.inner.verify_client_cert(end_entity, intermediates, now)?;
        let found = sans::subject_alt_names(end_entity.as_ref())
            .ok_or(rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        if found.iter().any(|san| self.allowed.contains(san)) {
            Ok(ok)
        } else {
            tracing::debug!(
                allowed = ?self.allowed,
                "could not find allowed SANs in client cert"
            );
            Err(rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
        }
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

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

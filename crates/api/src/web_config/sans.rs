//! The subject alternative names of a DER certificate, as the strings Go compares
//! `client_allowed_sans` against: DNS names, e-mail addresses, IP addresses and URIs.
//!
//! A small DER walk (certificate → tbsCertificate → extensions → 2.5.29.17) rather than a
//! full X.509 parser: the certificate has already been checked by rustls when this runs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The OID 2.5.29.17 (subjectAltName), DER content bytes.
const SAN_OID: &[u8] = &[0x55, 0x1d, 0x11];

const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;
const BOOLEAN: u8 = 0x01;
const OCTET_STRING: u8 = 0x04;
const EXTENSIONS: u8 = 0xa3; // [3] EXPLICIT, constructed
const RFC822: u8 = 0x81; // [1] IMPLICIT IA5String
const DNS: u8 = 0x82; // [2]
const URI: u8 = 0x86; // [6]
const IP: u8 = 0x87; // [7] IMPLICIT OCTET STRING

/// One TLV off the front of `input`: (tag, content, rest). Only single-byte tags, which is
/// all a certificate uses on this path.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The SAN values of `cert` (empty when it has no SAN extension); `None` when the DER is
/// malformed.
pub(super) fn subject_alt_names(cert: &[u8]) -> Option<Vec<String>> {
    let (tag, cert, _) = tlv(cert)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, mut tbs, _) = tlv(cert)?;
    if tag != SEQUENCE {
        return None;
    }
    let mut out = Vec::new();
    while !tbs.is_empty() {
        let (tag, content, rest) = tlv(tbs)?;
        tbs = rest;
        if tag != EXTENSIONS {
            continue;
        }
        let (tag, mut exts, _) = tlv(content)?;
        if tag != SEQUENCE {
            return None;
        }
        while !exts.is_empty() {
            let (tag, ext, rest) = tlv(exts)?;
            exts = rest;
            if tag != SEQUENCE {
                return None;
            }
            let (tag, oid, mut ext) = tlv(ext)?;
            if tag != OID || oid != SAN_OID {
                continue;
            }
            let (mut tag, mut value, rest) = tlv(ext)?;
            if tag == BOOLEAN {
                ext = rest;
                (tag, value, _) = tlv(ext)?;
            }
            if tag != OCTET_STRING {
                return None;
            }
            names(value, &mut out)?;
        }
    }
    Some(out)
}

fn names(value: &[u8], out: &mut Vec<String>) -> Option<()> {
    let (tag, mut seq, _) = tlv(value)?;
    if tag != SEQUENCE {
        return None;
    }
    while !seq.is_empty() {
        let (tag, v, rest) = tlv(seq)?;
        seq = rest;
        match tag {
            RFC822 | DNS | URI => out.push(String::from_utf8_lossy(v).into_owned()),
            IP => {
                let ip = match v.len() {
                    4 => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(v).ok()?)),
                    16 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(v).ok()?)),
                    _ => continue,
                };
                out.push(ip.to_string());
            }
            _ => {}
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tokio_rustls::rustls::pki_types::CertificateDer;
    use tokio_rustls::rustls::pki_types::pem::PemObject;

    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(u8::try_from(len).unwrap());
        } else {
            let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
            out.push(0x80 | u8::try_from(bytes.len()).unwrap());
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    /// A certificate skeleton: only the parts the walk reads are real.
    fn cert_with(extensions: &[Vec<u8>]) -> Vec<u8> {
        let exts = der(EXTENSIONS, &der(SEQUENCE, &extensions.concat()));
        let serial = der(0x02, &[1]);
        let filler = der(SEQUENCE, &[0u8; 200]); // long-form length on the way
        let tbs = der(SEQUENCE, &[serial, filler, exts].concat());
        der(SEQUENCE, &[tbs, der(SEQUENCE, &[])].concat())
    }

    fn san(critical: bool, names: &[Vec<u8>]) -> Vec<u8> {
        let mut ext = der(OID, SAN_OID);
        if critical {
            ext.extend(der(BOOLEAN, &[0xff]));
        }
        ext.extend(der(OCTET_STRING, &der(SEQUENCE, &names.concat())));
        der(SEQUENCE, &ext)
    }

    #[test]
    fn every_kind_of_name_as_go_prints_it() {
        let other_ext =
            der(SEQUENCE, &[der(OID, &[0x55, 0x1d, 0x13]), der(OCTET_STRING, &[0x30, 0])].concat());
        let names = [
            der(DNS, b"a.example"),
            der(RFC822, b"ops@example.com"),
            der(URI, b"spiffe://cluster/ns/mon"),
            der(IP, &[10, 0, 0, 1]),
            der(IP, &[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
            der(0xa0, &[0x06, 0x01, 0x01]), // otherName: skipped
        ];
        let cert = cert_with(&[other_ext, san(true, &names)]);
        assert_eq!(
            subject_alt_names(&cert).unwrap(),
            ["a.example", "ops@example.com", "spiffe://cluster/ns/mon", "10.0.0.1", "2001:db8::1"]
        );
        assert_eq!(subject_alt_names(&cert_with(&[])).unwrap(), Vec::<String>::new());
        // Truncated anywhere: malformed, never a panic.
        for n in 0..cert.len() {
            let _ = subject_alt_names(&cert[..n]);
        }
        assert!(subject_alt_names(&cert[..cert.len() - 1]).is_none());
    }

    #[test]
    fn reads_a_real_certificate() {
        let path =
            concat!(env!("CARGO_MANIFEST_DIR"), "/../alertmanager/tests/testdata/tls/server.crt");
        let cert = CertificateDer::from_pem_file(path).unwrap();
        assert_eq!(subject_alt_names(cert.as_ref()).unwrap(), ["localhost", "alt.example"]);
    }
}

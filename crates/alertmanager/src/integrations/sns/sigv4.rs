//! AWS Signature Version 4 request signing and the credentials to sign with, for SNS (and
//! STS when a role is assumed). Written from AWS's published algorithm; checked against its
//! test vectors.

use crate::config::secret::Secret;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::fmt;

/// AWS credentials.
#[derive(Clone, PartialEq)]
pub struct Credentials {
    pub access_key: String,
    pub secret_key: Secret,
    /// Set for temporary credentials (STS, instance roles).
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &self.secret_key)
            .field("session_token", &self.session_token.as_ref().map(|_| "<secret>"))
            .finish()
    }
}

/// A request to sign. Header names are matched case-insensitively.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a url::Url,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The headers to add: `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials) and
/// `Authorization`. `Host` must be among the request's headers or is derived from the URL.
pub fn sign(
    req: &Request<'_>,
    creds: &Credentials,
    region: &str,
    service: &str,
    now: jiff::Timestamp,
) -> Vec<(String, String)> {
    let utc = now.to_zoned(jiff::tz::TimeZone::UTC);
    let amz_date = utc.strftime("%Y%m%dT%H%M%SZ").to_string();
    let date = utc.strftime("%Y%m%d").to_string();

    let mut extra = vec![("X-Amz-Date".to_string(), amz_date.clone())];
    if let Some(t) = &creds.session_token {
        extra.push(("X-Amz-Security-Token".to_string(), t.clone()));
    }
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .chain(extra.iter())
        .map(|(n, v)| (n.to_ascii_lowercase(), canonical_value(v)))
        .collect();
    if !headers.iter().any(|(n, _)| n == "host") {
        headers.push(("host".into(), host_of(req.url)));
    }
    headers.sort();
    // Repeated headers join their values with commas.
    let mut merged: Vec<(String, String)> = Vec::new();
    for (n, v) in headers {
        match merged.last_mut() {
            Some((ln, lv)) if *ln == n => {
                lv.push(',');
                lv.push_str(&v);
            }
            _ => merged.push((n, v)),
        }
    }
    let signed_headers = merged.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
    let canonical_headers: String = merged.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri(req.url),
        canonical_query(req.url),
        canonical_headers,
        signed_headers,
        hex::encode(Sha256::digest(req.body))
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let key = signing_key(creds.secret_key.expose(), &date, region, service);
    let signature = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    extra.push((
        "Authorization".to_string(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            creds.access_key
        ),
    ));
    extra
}

/// The derived signing key (`kSigning`).
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = match hmac::Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// `host[:port]` as the `Host` header carries it (default ports omitted).
pub fn host_of(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// Trimmed, with runs of spaces collapsed.
fn canonical_value(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The path, each segment URI-encoded once more (what AWS expects of every service but S3).
fn canonical_uri(url: &url::Url) -> String {
    let path = url.path();
    if path.is_empty() {
        return "/".into();
    }
    path.split('/').map(uri_encode).collect::<Vec<_>>().join("/")
}

fn canonical_query(url: &url::Url) -> String {
    let mut pairs: Vec<(String, String)> =
        url.query_pairs().map(|(k, v)| (uri_encode(&k), uri_encode(&v))).collect();
    pairs.sort();
    pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// RFC 3986 encoding with AWS's unreserved set.
pub fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_creds() -> Credentials {
        Credentials {
            access_key: "AKIDEXAMPLE".into(),
            secret_key: Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            session_token: None,
        }
    }

    fn at_example_time() -> jiff::Timestamp {
        "2015-08-30T12:36:00Z".parse().unwrap()
    }

    #[test]
    fn aws_test_suite_get_vanilla() {
        // `get-vanilla` from AWS's SigV4 test suite.
        let url = url::Url::parse("https://example.amazonaws.com/").unwrap();
        let headers = vec![("Host".to_string(), "example.amazonaws.com".to_string())];
        let req = Request { method: "GET", url: &url, headers: &headers, body: b"" };
        let out = sign(&req, &example_creds(), "us-east-1", "service", at_example_time());
        assert_eq!(out[0], ("X-Amz-Date".to_string(), "20150830T123600Z".to_string()));
        assert_eq!(
            out[1].1,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn aws_docs_iam_list_users_example() {
        // The worked example of AWS's "Signature Version 4 signing process" documentation.
        let key =
            signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam");
        assert_eq!(
            hex::encode(&key),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
        let url = url::Url::parse("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08")
            .unwrap();
        let headers = vec![(
            "Content-Type".to_string(),
            "application/x-www-form-urlencoded; charset=utf-8".to_string(),
        )];
        let req = Request { method: "GET", url: &url, headers: &headers, body: b"" };
        let out = sign(&req, &example_creds(), "us-east-1", "iam", at_example_time());
        assert!(
            out[1].1.ends_with(
                "SignedHeaders=content-type;host;x-amz-date, \
                 Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
            ),
            "{}",
            out[1].1
        );
    }

    #[test]
    fn session_token_is_sent_and_signed() {
        let mut c = example_creds();
        c.session_token = Some("T0KEN".into());
        let url = url::Url::parse("https://sns.eu-west-1.amazonaws.com/").unwrap();
        let req = Request { method: "POST", url: &url, headers: &[], body: b"Action=Publish" };
        let out = sign(&req, &c, "eu-west-1", "sns", at_example_time());
        assert_eq!(out[1], ("X-Amz-Security-Token".to_string(), "T0KEN".to_string()));
        assert!(out[2].1.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"));
        assert!(!format!("{c:?}").contains("T0KEN"));
    }

    #[test]
    fn encoding() {
        assert_eq!(uri_encode("a b/c~"), "a%20b%2Fc~");
        let url = url::Url::parse("https://h/a%20b?b=2&a=1&a=0").unwrap();
        assert_eq!(canonical_uri(&url), "/a%2520b");
        assert_eq!(canonical_query(&url), "a=0&a=1&b=2");
    }
}

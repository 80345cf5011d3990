//! `remote_write:` entries with upstream's defaults and checks, and the light checks of
//! `remote_read:` (kept as written).

use crate::error::{Positioned, Result};
use crate::raw::{Entry, RawMetadata, RawQueue, RawRemoteWrite};
use crate::relabel;
use crate::types::{MetadataConfig, QueueConfig, RemoteWriteConfig};
use model::duration::Duration;
use model::gostr::quote;
use model::labels::ValidationScheme;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Headers a remote write may not set (upstream's list, lower case); `authorization` is
/// refused with its own text.
pub(crate) const RESERVED_HEADERS: &[&str] = &[
    "host",
    "content-encoding",
    "content-length",
    "content-type",
    "user-agent",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "www-authenticate",
    "accept-encoding",
    "x-prometheus-remote-write-version",
    "x-prometheus-remote-read-version",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

const PROTOBUF_MESSAGES: [&str; 2] = ["prometheus.WriteRequest", "io.prometheus.write.v2.Request"];

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            capacity: 10_000,
            max_shards: 50,
            min_shards: 1,
            max_samples_per_send: 2000,
            batch_send_deadline: Duration::from_secs(5),
            min_backoff: Duration::from_millis(30),
            max_backoff: Duration::from_secs(5),
            retry_on_http_429: false,
            sample_age_limit: Duration::ZERO,
        }
    }
}

impl Default for MetadataConfig {
    fn default() -> Self {
        MetadataConfig {
            send: true,
            send_interval: Duration::from_secs(60),
            max_samples_per_send: 2000,
        }
    }
}

/// Checks `headers` of a remote write or read.
pub(crate) fn check_headers(headers: &BTreeMap<String, String>) -> std::result::Result<(), String> {
    for name in headers.keys() {
        let lower = name.to_lowercase();
        if lower == "authorization" {
            return Err("authorization header must be changed via the basic_auth, authorization, oauth2, sigv4, azuread or google_iam parameter".into());
        }
        if RESERVED_HEADERS.contains(&lower.as_str()) {
            return Err(format!("{name} is a reserved header. It must not be changed"));
        }
    }
    Ok(())
}

/// Every `remote_write` entry; names are unique (unnamed ones get a hash of the entry).
pub(crate) fn convert_all(
    list: Vec<Entry<RawRemoteWrite>>,
    scheme: ValidationScheme,
    base_dir: &Path,
) -> Result<Vec<RemoteWriteConfig>> {
    let mut names = HashSet::new();
    let mut out: Vec<RemoteWriteConfig> = Vec::with_capacity(list.len());
    for e in list {
        let at = e.referenced;
        let Some(raw) = e.value else {
            return Err(Positioned::at(at, "empty or null remote write config section"));
        };
        let explicit = raw
            .name
            .as_ref()
            .map(|n| (n.value.0.clone(), n.referenced))
            .filter(|(n, _)| !n.is_empty());
        let mut rw = convert(raw, at, scheme, base_dir)?;
        match explicit {
            Some((name, loc)) => {
                if !names.insert(name.clone()) {
                    return Err(Positioned::at(
                        loc,
                        format!(
                            "found multiple remote write configs with job name {}",
                            quote(&name)
                        ),
                    ));
                }
            }
            None => {
                rw.name = hash_name(&rw);
                if !names.insert(rw.name.clone()) {
                    return Err(Positioned::at(
                        at,
                        format!(
                            "duplicate remote write configs are not allowed, found duplicate for URL: {}",
                            rw.url
                        ),
                    ));
                }
            }
        }
        out.push(rw);
    }
    Ok(out)
}

/// Upstream names an unnamed queue by a short hash of its config; ours is FNV-1a over the
/// entry's settings (secrets masked), six hex digits as upstream shows.
fn hash_name(rw: &RemoteWriteConfig) -> String {
    let text = format!("{rw:?}");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")[..6].to_string()
}

fn convert(
    mut raw: RawRemoteWrite,
    at: serde_saphyr::Location,
    scheme: ValidationScheme,
    base_dir: &Path,
) -> Result<RemoteWriteConfig> {
    let err = |m: String| Positioned::at(at, m);
    let Some(url) = raw.url.as_ref().filter(|u| !u.value.0.is_empty()) else {
        return Err(err("url for remote_write is empty".into()));
    };
    let url_at = url.referenced;
    let url = url.value.0.clone();
    check_go_url(&url).map_err(|m| Positioned::at(url_at, m))?;
    let write_relabel_configs = relabel::convert_list(
        &raw.write_relabel_configs,
        scheme,
        "empty or null relabeling rule in remote write config",
    )?;
    let headers = raw.headers.take();
    if let Some(h) = &headers {
        check_headers(&h.value).map_err(|m| Positioned::at_span(h, m))?;
    }
    let protobuf_message = match &raw.protobuf_message {
        Some(p) if !p.value.0.is_empty() => {
            if !PROTOBUF_MESSAGES.contains(&p.value.0.as_str()) {
                return Err(Positioned::at_span(
                    p,
                    format!(
                        "invalid protobuf_message value: unknown type for remote write protobuf message {}, supported: {}",
                        p.value.0,
                        PROTOBUF_MESSAGES.join(", ")
                    ),
                ));
            }
            p.value.0.clone()
        }
        _ => PROTOBUF_MESSAGES[0].to_string(),
    };
    let mut http_client = raw.take_http_config(false);
    http_client.validate(base_dir).map_err(err)?;
    let queue_config = match &raw.queue_config {
        Some(q) => queue(&q.value).map_err(|m| Positioned::at_span(q, m))?,
        None => QueueConfig::default(),
    };
    let mut auth = Vec::new();
    if http_client.basic_auth.is_some() {
        auth.push("basic_auth");
    }
    if http_client.authorization.is_some() {
        auth.push("authorization");
    }
    if http_client.oauth2.is_some() {
        auth.push("oauth2");
    }
    for (name, v) in
        [("sigv4", &raw.sigv4), ("azuread", &raw.azuread), ("google_iam", &raw.google_iam)]
    {
        if v.is_some() {
            auth.push(name);
        }
    }
    if auth.len() > 1 {
        return Err(err(format!(
            "at most one of basic_auth, authorization, oauth2, sigv4, azuread or google_iam must be configured. Currently configured: [{}]",
            auth.join(" ")
        )));
    }
    for (name, v) in
        [("sigv4", &raw.sigv4), ("azuread", &raw.azuread), ("google_iam", &raw.google_iam)]
    {
        if let Some(v) = v {
            return Err(Positioned::at_span(v, format!("{name} is not supported by klaxon yet")));
        }
    }
    Ok(RemoteWriteConfig {
        url,
        remote_timeout: raw
            .remote_timeout
            .filter(|d| !d.is_zero())
            .unwrap_or(Duration::from_secs(30)),
        headers: headers.map(|h| h.value).unwrap_or_default(),
        write_relabel_configs,
        name: raw.name.map(|n| n.value.0).unwrap_or_default(),
        send_exemplars: raw.send_exemplars,
        send_native_histograms: raw.send_native_histograms,
        http_client,
        queue_config,
        metadata_config: metadata(raw.metadata_config.as_ref()),
        round_robin_dns: raw.round_robin_dns,
        failed_request_logging: raw.failed_request_logging,
        protobuf_message,
    })
}

/// What Go's `url.Parse` rejects (it accepts relative references, so a URL that only fails
/// when sent still loads, as upstream): control characters and bad `%` escapes.
fn check_go_url(u: &str) -> std::result::Result<(), String> {
    if u.chars().any(|c| c.is_ascii_control()) {
        return Err(format!("parse {}: net/url: invalid control character in URL", quote(u)));
    }
    let b = u.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok = b.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !ok {
                let end = (i + 3).min(b.len());
                let bad = String::from_utf8_lossy(&b[i..end]);
                return Err(format!("parse {}: invalid URL escape {}", quote(u), quote(&bad)));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

fn queue(q: &RawQueue) -> std::result::Result<QueueConfig, String> {
    let d = QueueConfig::default();
    let n = |v: Option<i64>, default: usize| v.map_or(default as i64, |v| v);
    let (capacity, max_shards, min_shards, max_samples) = (
        n(q.capacity, d.capacity),
        n(q.max_shards, d.max_shards),
        n(q.min_shards, d.min_shards),
        n(q.max_samples_per_send, d.max_samples_per_send),
    );
    let min_backoff = q.min_backoff.unwrap_or(d.min_backoff);
    let max_backoff = q.max_backoff.unwrap_or(d.max_backoff);
    if max_shards <= 0 {
        return Err("remote write queue max_shards must be positive".into());
    }
    if min_shards <= 0 {
        return Err("remote write queue min_shards must be positive".into());
    }
    if min_shards > max_shards {
        return Err("remote write queue min_shards must not be greater than max_shards".into());
    }
    if max_samples <= 0 {
        return Err("remote write queue max_samples_per_send must be positive".into());
    }
    if capacity <= 0 {
        return Err("remote write queue capacity must be positive".into());
    }
    if max_backoff < min_backoff {
        return Err("remote write queue max_backoff must not be less than min_backoff".into());
    }
    let size = |v: i64| usize::try_from(v).unwrap_or(usize::MAX);
    Ok(QueueConfig {
        capacity: size(capacity),
        max_shards: size(max_shards),
        min_shards: size(min_shards),
        max_samples_per_send: size(max_samples),
        batch_send_deadline: q
            .batch_send_deadline
            .filter(|d| !d.is_zero())
            .unwrap_or(d.batch_send_deadline),
        min_backoff,
        max_backoff,
        retry_on_http_429: q.retry_on_http_429,
        sample_age_limit: q.sample_age_limit.unwrap_or(Duration::ZERO),
    })
}

fn metadata(m: Option<&RawMetadata>) -> MetadataConfig {
    let d = MetadataConfig::default();
    let Some(m) = m else { return d };
    MetadataConfig {
        send: m.send.unwrap_or(d.send),
        send_interval: m.send_interval.unwrap_or(d.send_interval),
        max_samples_per_send: m
            .max_samples_per_send
            .filter(|v| *v > 0)
            .map_or(d.max_samples_per_send, |v| usize::try_from(v).unwrap_or(usize::MAX)),
    }
}

/// `remote_read:` entries: kept as written, after upstream's checks (url set, headers,
/// unique names).
pub(crate) fn check_remote_read(
    list: Vec<Entry<BTreeMap<String, serde_json::Value>>>,
) -> Result<Vec<serde_json::Value>> {
    let mut names = HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for e in list {
        let at = e.referenced;
        let Some(m) = e.value else {
            return Err(Positioned::at(at, "empty or null remote read config section"));
        };
        let err = |msg: String| Positioned::at(at, msg);
        match m.get("url") {
            Some(serde_json::Value::String(u)) if !u.is_empty() => {}
            _ => return Err(err("url for remote_read is empty".into())),
        }
        if let Some(h) = m.get("headers") {
            let h: BTreeMap<String, String> =
                serde_json::from_value(h.clone()).map_err(|e| err(format!("headers: {e}")))?;
            check_headers(&h).map_err(err)?;
        }
        if let Some(serde_json::Value::String(name)) = m.get("name")
            && !name.is_empty()
            && !names.insert(name.clone())
        {
            return Err(err(format!(
                "found multiple remote read configs with job name {}",
                quote(name)
            )));
        }
        out.push(serde_json::Value::Object(m.into_iter().collect()));
    }
    Ok(out)
}

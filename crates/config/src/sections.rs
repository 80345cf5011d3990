//! `storage:` and `tracing:`: checked as upstream checks them. klaxon's TSDB reads
//! `storage.tsdb` (retention, out-of-order window); tracing is accepted but not exported yet.

use crate::error::{Positioned, Result};
use crate::raw::{Nullable, RawStorage, RawTracing};
use crate::remote::RESERVED_HEADERS;
use crate::types::{StorageConfig, TracingConfig, TsdbConfig};
use model::duration::Duration;
use model::gostr::quote;
use serde_saphyr::Spanned;
use std::path::Path;

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig { tsdb: TsdbConfig::default(), max_exemplars: 100_000 }
    }
}

pub(crate) fn storage(raw: Nullable<RawStorage>) -> Result<StorageConfig> {
    let mut out = StorageConfig::default();
    let Some(Spanned { value: Some(raw), .. }) = raw else {
        return Ok(out);
    };
    if let Some(m) = raw.exemplars.and_then(|e| e.max_exemplars) {
        out.max_exemplars = m;
    }
    let Some(Spanned { value: Some(tsdb), .. }) = raw.tsdb else {
        return Ok(out);
    };
    let t = &mut out.tsdb;
    t.out_of_order_time_window = tsdb.out_of_order_time_window.unwrap_or(Duration::ZERO);
    t.stale_series_compaction_threshold = tsdb.stale_series_compaction_threshold.unwrap_or(0.0);
    if let Some(Some(f)) = tsdb.chunk_encoding.map(|c| c.floats) {
        let v = f.value.0.as_str();
        if !matches!(v, "" | "xor" | "xor2") {
            return Err(Positioned::at_span(
                &f,
                format!(
                    "'storage.tsdb.chunk_encoding.floats' must be 'xor' or 'xor2', or the field must be omitted entirely, got {}",
                    quote(v)
                ),
            ));
        }
        t.chunk_encoding_floats = v.to_string();
    }
    let Some(Spanned { value: Some(r), .. }) = tsdb.retention else {
        return Ok(out);
    };
    t.retention_time = r.time.filter(|d| !d.is_zero());
    if let Some(size) = &r.size {
        if size.value.0 < 0 {
            return Err(Positioned::at_span(
                size,
                format!(
                    "'storage.tsdb.retention.size' must be greater than or equal to 0, got {}",
                    size.value.0
                ),
            ));
        }
        t.retention_size = size.value.limit();
    }
    if let Some(p) = &r.percentage {
        if !(0.0..=100.0).contains(&p.value) {
            return Err(Positioned::at_span(
                p,
                format!(
                    "'storage.tsdb.retention.percentage' must be in the range [0, 100], got {}",
                    p.value
                ),
            ));
        }
        t.retention_percentage = p.value;
    }
    Ok(out)
}

pub(crate) fn tracing(raw: Nullable<RawTracing>, base_dir: &Path) -> Result<Option<TracingConfig>> {
    let Some(Spanned { value: Some(raw), referenced: at, .. }) = raw else {
        return Ok(None);
    };
    let client_type = match &raw.client_type {
        Some(c) if c.value.0 != "grpc" && c.value.0 != "http" => {
            return Err(Positioned::at_span(
                c,
                format!(
                    "expected tracing client type to be to be http or grpc, but got {}",
                    c.value.0
                ),
            ));
        }
        Some(c) => c.value.0.clone(),
        None => "grpc".to_string(),
    };
    let headers = raw.headers.map(|h| (h.referenced, h.value));
    if let Some((loc, h)) = &headers {
        for name in h.keys() {
            let lower = name.to_lowercase();
            if lower == "authorization" {
                return Err(Positioned::at(
                    *loc,
                    "custom authorization header configuration is not yet supported",
                ));
            }
            if RESERVED_HEADERS.contains(&lower.as_str()) {
                return Err(Positioned::at(
                    *loc,
                    format!("{name} is a reserved header. It must not be changed"),
                ));
            }
        }
    }
    let endpoint = raw.endpoint.map(|e| e.0).unwrap_or_default();
    if endpoint.is_empty() {
        return Err(Positioned::at(at, "tracing endpoint must be set"));
    }
    let compression = match &raw.compression {
        Some(c) if !c.value.0.is_empty() && c.value.0 != "gzip" => {
            return Err(Positioned::at_span(
                c,
                format!("invalid compression type {} provided, valid options: gzip", c.value.0),
            ));
        }
        Some(c) => c.value.0.clone(),
        None => String::new(),
    };
    let mut tls_config = raw.tls_config;
    tls_config.validate().map_err(|m| Positioned::at(at, m))?;
    tls_config.set_directory(base_dir);
    Ok(Some(TracingConfig {
        client_type,
        endpoint,
        sampling_fraction: raw.sampling_fraction.unwrap_or(0.0),
        insecure: raw.insecure,
        tls_config,
        headers: headers.map(|(_, h)| h).unwrap_or_default(),
        compression,
        timeout: raw.timeout.unwrap_or(Duration::ZERO),
    }))
}

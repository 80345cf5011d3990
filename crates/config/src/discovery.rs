//! The service-discovery blocks of a job or an Alertmanager set: `static_configs`,
//! `file_sd_configs`, `http_sd_configs`, `dns_sd_configs`, with upstream's checks.

use crate::error::{Positioned, Result};
use crate::raw::{Entry, RawDnsSd, RawFileSd, RawHttpSd, RawTargetGroup};
use crate::types::{DnsRecordType, DnsSdConfig, FileSdConfig, HttpSdConfig, SdConfig, TargetGroup};
use httpclient::config::join_dir;
use model::duration::Duration;
use model::gostr::quote;
use std::path::Path;

/// The SD lists as written in one job or Alertmanager set.
pub(crate) struct SdLists<'a> {
    pub(crate) static_configs: &'a [Entry<RawTargetGroup>],
    pub(crate) file_sd_configs: &'a [Entry<RawFileSd>],
    pub(crate) http_sd_configs: &'a mut [Entry<RawHttpSd>],
    pub(crate) dns_sd_configs: &'a [Entry<RawDnsSd>],
}

/// Upstream's `checkStaticTargets`, for sets without `relabel_configs` (a URL as a target is
/// then a mistake): no `/` in static targets.
pub(crate) fn check_static_addresses(groups: &[Entry<RawTargetGroup>]) -> Result<()> {
    for t in groups.iter().filter_map(|g| g.value.as_ref()).flat_map(|g| &g.targets) {
        if t.value.0.contains('/') {
            return Err(Positioned::at_span(
                t,
                format!("{} is not a valid hostname", quote(&t.value.0)),
            ));
        }
    }
    Ok(())
}

/// Converts every SD block, with the checks upstream makes while decoding them.
pub(crate) fn convert(lists: SdLists<'_>, base_dir: &Path) -> Result<Vec<SdConfig>> {
    let mut out = Vec::new();
    if !lists.static_configs.is_empty() {
        let mut groups = Vec::with_capacity(lists.static_configs.len());
        for (i, e) in lists.static_configs.iter().enumerate() {
            let Some(g) = &e.value else {
                return Err(Positioned::at_span(e, "empty or null section in static_configs"));
            };
            if let Some(name) = g.labels.keys().find(|n| n.is_empty()) {
                return Err(Positioned::at_span(
                    e,
                    format!("{} is not a valid label name", quote(name)),
                ));
            }
            let targets = g.targets.iter().map(|t| t.value.0.clone()).collect();
            groups.push(TargetGroup { targets, labels: g.labels.clone(), source: i.to_string() });
        }
        out.push(SdConfig::Static(groups));
    }
    for e in lists.file_sd_configs {
        let Some(f) = &e.value else {
            return Err(Positioned::at_span(e, "empty or null section in file_sd_configs"));
        };
        out.push(SdConfig::File(file_sd(f, base_dir).map_err(|m| Positioned::at_span(e, m))?));
    }
    for e in lists.http_sd_configs.iter_mut() {
        let at = e.referenced;
        let Some(h) = &mut e.value else {
            return Err(Positioned::at(at, "empty or null section in http_sd_configs"));
        };
        out.push(SdConfig::Http(http_sd(h, base_dir).map_err(|m| Positioned::at(at, m))?));
    }
    for e in lists.dns_sd_configs {
        let Some(d) = &e.value else {
            return Err(Positioned::at_span(e, "empty or null section in dns_sd_configs"));
        };
        out.push(SdConfig::Dns(dns_sd(d).map_err(|m| Positioned::at_span(e, m))?));
    }
    Ok(out)
}

/// What a service-discovery block klaxon does not implement gets instead of "unknown field".
pub(crate) fn unsupported_message(sd: &str) -> String {
    format!(
        "{sd} is not supported by klaxon yet (supported: static_configs, file_sd_configs, http_sd_configs, dns_sd_configs)"
    )
}

/// `^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$`: at most one `*`, in the last path
/// element, and a JSON or YAML extension.
fn valid_file_sd_name(name: &str) -> bool {
    let exts = [".json", ".yml", ".yaml", ".JSON", ".YML", ".YAML"];
    let Some(stem) = exts.iter().find_map(|e| name.strip_suffix(e)) else {
        return false;
    };
    valid_glob_path(stem)
}

/// `^[^*]*(\*[^/]*)?$` (rule files, scrape config files): a `*` only in the last element,
/// and at most one.
pub(crate) fn valid_glob_path(p: &str) -> bool {
    match p.find('*') {
        None => true,
        Some(i) => !p[i + 1..].contains('/'),
    }
}

fn file_sd(f: &RawFileSd, base_dir: &Path) -> std::result::Result<FileSdConfig, String> {
    if f.files.is_empty() {
        return Err("file service discovery config must contain at least one path name".into());
    }
    let mut files = Vec::with_capacity(f.files.len());
    for name in &f.files {
        if !valid_file_sd_name(&name.0) {
            return Err(format!("path name {} is not valid for file discovery", quote(&name.0)));
        }
        let mut p = name.0.clone();
        join_dir(base_dir, &mut p);
        files.push(p);
    }
    Ok(FileSdConfig {
        files,
        refresh_interval: f.refresh_interval.unwrap_or(Duration::from_secs(300)),
    })
}

fn http_sd(h: &mut RawHttpSd, base_dir: &Path) -> std::result::Result<HttpSdConfig, String> {
    let url = h.url.as_ref().map(|u| u.0.clone()).unwrap_or_default();
    if url.is_empty() {
        return Err("URL is missing".into());
    }
    // Checked in upstream's order: the scheme, then the host, then the rest of the URL.
    let scheme = url.split_once(':').map_or("", |(s, _)| s).to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err("URL scheme must be 'http' or 'https'".into());
    }
    match url::Url::parse(&url) {
        Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => {}
        Ok(_) | Err(url::ParseError::EmptyHost) => return Err("host is missing in URL".into()),
        Err(e) => return Err(format!("parse {}: {e}", quote(&url))),
    }
    let mut http_client = h.take_http_config(true);
    http_client.validate(base_dir)?;
    Ok(HttpSdConfig {
        url,
        refresh_interval: h.refresh_interval.unwrap_or(Duration::from_secs(60)),
        http_client,
    })
}

fn dns_sd(d: &RawDnsSd) -> std::result::Result<DnsSdConfig, String> {
    if d.names.is_empty() {
        return Err("DNS-SD config must contain at least one SRV record name".into());
    }
    let kind = d.kind.as_ref().map_or("SRV", |k| k.0.as_str());
    let port = d.port.unwrap_or(0);
    let record_type = match kind.to_uppercase().as_str() {
        "SRV" => DnsRecordType::Srv,
        k @ ("A" | "AAAA" | "MX" | "NS") => {
            if port == 0 {
                return Err(
                    "a port is required in DNS-SD configs for all record types except SRV".into()
                );
            }
            match k {
                "A" => DnsRecordType::A,
                "AAAA" => DnsRecordType::Aaaa,
                "MX" => DnsRecordType::Mx,
                _ => DnsRecordType::Ns,
            }
        }
        _ => return Err(format!("invalid DNS-SD records type {kind}")),
    };
    let port = if port == 0 {
        None
    } else {
        Some(u16::try_from(port).map_err(|_| format!("invalid port {port} in DNS-SD config"))?)
    };
    Ok(DnsSdConfig {
        names: d.names.clone(),
        refresh_interval: d.refresh_interval.unwrap_or(Duration::from_secs(30)),
        record_type,
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_paths() {
        assert!(valid_glob_path("rules/*.yml"));
        assert!(valid_glob_path("a.yml"));
        assert!(!valid_glob_path("*/a.yml"));
        assert!(valid_glob_path("a/*b*.yml"));
        assert!(valid_file_sd_name("targets/*.json"));
        assert!(!valid_file_sd_name("targets/*.txt"));
    }
}

//! `alerting:`: the global `alert_relabel_configs` and the Alertmanager sets.

use crate::discovery::{self, SdLists};
use crate::error::{Positioned, Result};
use crate::raw::{Nullable, RawAlerting, RawAlertmanager};
use crate::relabel;
use crate::types::{AlertingConfig, AlertmanagerConfig};
use model::duration::Duration;
use model::labels::ValidationScheme;
use serde_saphyr::Spanned;
use std::path::Path;

pub(crate) fn convert(
    raw: Nullable<RawAlerting>,
    scheme: ValidationScheme,
    base_dir: &Path,
) -> Result<AlertingConfig> {
    let Some(Spanned { value: Some(raw), .. }) = raw else {
        return Ok(AlertingConfig::default());
    };
    let alert_relabel_configs = relabel::convert_list(
        &raw.alert_relabel_configs,
        scheme,
        "empty or null alert relabeling rule",
    )?;
    let mut alertmanagers = Vec::with_capacity(raw.alertmanagers.len());
    for e in raw.alertmanagers {
        let at = e.referenced;
        let Some(am) = e.value else {
            return Err(Positioned::at(at, "empty or null section in alertmanagers"));
        };
        alertmanagers.push(alertmanager(am, at, scheme, base_dir)?);
    }
    Ok(AlertingConfig { alert_relabel_configs, alertmanagers })
}

fn alertmanager(
    mut raw: RawAlertmanager,
    at: serde_saphyr::Location,
    scheme: ValidationScheme,
    base_dir: &Path,
) -> Result<AlertmanagerConfig> {
    let api_version = raw.api_version.as_ref().map_or("v2", |v| v.value.0.as_str()).to_string();
    if api_version != "v2" {
        let loc = raw.api_version.as_ref().map_or(at, |v| v.referenced);
        return Err(Positioned::at(
            loc,
            format!("expected Alertmanager api version to be one of [v2] but got {api_version}"),
        ));
    }
    if let Some((sd, loc)) = raw.unsupported_sd() {
        return Err(Positioned::at(loc, crate::discovery::unsupported_message(sd)));
    }
    let service_discovery = discovery::convert(
        SdLists {
            static_configs: &raw.static_configs,
            file_sd_configs: &raw.file_sd_configs,
            http_sd_configs: &mut raw.http_sd_configs,
            dns_sd_configs: &raw.dns_sd_configs,
        },
        base_dir,
    )?;
    let mut http_client = raw.take_http_config(true);
    http_client.validate(base_dir).map_err(|m| Positioned::at(at, m))?;
    if let Some(s) = &raw.sigv4 {
        let auth = http_client.basic_auth.is_some()
            || http_client.authorization.is_some()
            || http_client.oauth2.is_some();
        if auth {
            return Err(Positioned::at_span(
                s,
                "at most one of basic_auth, authorization, oauth2, & sigv4 must be configured",
            ));
        }
        return Err(Positioned::at_span(s, "sigv4 is not supported by klaxon yet"));
    }
    if raw.relabel_configs.is_empty() {
        discovery::check_static_addresses(&raw.static_configs)?;
    }
    let relabel_configs = relabel::convert_list(
        &raw.relabel_configs,
        scheme,
        "empty or null Alertmanager target relabeling rule",
    )?;
    let alert_relabel_configs = relabel::convert_list(
        &raw.alert_relabel_configs,
        scheme,
        "empty or null Alertmanager alert relabeling rule",
    )?;
    let path_prefix =
        raw.path_prefix.map(|p| p.0).filter(|p| !p.is_empty()).unwrap_or_else(|| "/".into());
    let url_scheme =
        raw.scheme.map(|s| s.value.0).filter(|s| !s.is_empty()).unwrap_or_else(|| "http".into());
    Ok(AlertmanagerConfig {
        timeout: raw.timeout.filter(|t| !t.is_zero()).unwrap_or(Duration::from_secs(10)),
        api_version,
        path_prefix,
        scheme: url_scheme,
        http_client,
        service_discovery,
        relabel_configs,
        alert_relabel_configs,
    })
}

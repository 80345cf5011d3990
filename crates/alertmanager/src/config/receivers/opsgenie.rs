//! `opsgenie_configs`.

use super::common::{default_from_empty_mapping, default_tmpl, secret_or_global};
use super::{IntegrationConfig, ValidateContext};
use crate::config::http::{HttpClientConfig, at_most_one, check_url, inherit, join_dir};
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `global.opsgenie_api_url`'s default.
pub const DEFAULT_API_URL: &str = "https://api.opsgenie.com/";

default_tmpl! {
    d_message => "opsgenie.default.message",
    d_description => "opsgenie.default.description",
    d_source => "opsgenie.default.source",
}

/// One `opsgenie_configs` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsGenieConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default)]
    pub send_resolved: Option<bool>,
    #[serde(default)]
    pub http_config: Option<HttpClientConfig>,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub api_key: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_key_file: String,
    /// Ends with `/` after validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default = "d_message", deserialize_with = "crate::config::de::null_default")]
    pub message: String,
    #[serde(default = "d_description", deserialize_with = "crate::config::de::null_default")]
    pub description: String,
    #[serde(default = "d_source", deserialize_with = "crate::config::de::null_default")]
    pub source: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::string_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub details: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub entity: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub responders: Vec<OpsGenieResponder>,
    /// Comma-separated (after templating).
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub actions: String,
    /// Comma-separated (after templating).
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub tags: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub note: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub priority: String,
    /// Also update the message and description of an existing alert.
    #[serde(default)]
    pub update_alerts: bool,
}

/// A responder: one of `id`, `name`, `username`, and a type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsGenieResponder {
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub id: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub username: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        rename = "type",
        skip_serializing_if = "String::is_empty"
    )]
    pub kind: String,
}

default_from_empty_mapping!(OpsGenieConfig);

const VALID_TYPES: &str = "^(team|teams|user|escalation|schedule)$";

/// Go's `%v` of the responder struct, as upstream prints it in errors.
fn go_value(r: &OpsGenieResponder) -> String {
    format!("{{{} {} {} {}}}", r.id, r.name, r.username, r.kind)
}

impl IntegrationConfig for OpsGenieConfig {
    const NAME: &'static str = "opsgenie";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        at_most_one(!self.api_key.is_empty(), &self.api_key_file, "api_key")?;
        for r in &mut self.responders {
            if r.id.is_empty() && r.username.is_empty() && r.name.is_empty() {
                return Err(format!(
                    "opsGenieConfig responder {} has to have at least one of id, username or name specified",
                    go_value(r)
                ));
            }
            if !r.kind.contains("{{") {
                r.kind = r.kind.to_lowercase();
                if !matches!(r.kind.as_str(), "team" | "teams" | "user" | "escalation" | "schedule")
                {
                    return Err(format!(
                        "opsGenieConfig responder {} type does not match valid options {VALID_TYPES}",
                        go_value(r)
                    ));
                }
            }
        }
        if let Some(u) = &self.api_url {
            check_url(u)?;
        }
        let g = cx.global;
        let mut url = self
            .api_url
            .clone()
            .or_else(|| g.opsgenie_api_url.clone())
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        if let Ok(mut u) = url::Url::parse(&url)
            && !u.path().ends_with('/')
        {
            let p = format!("{}/", u.path());
            u.set_path(&p);
            url = u.to_string();
        }
        self.api_url = Some(url);
        if !secret_or_global(
            &mut self.api_key,
            &mut self.api_key_file,
            g.opsgenie_api_key.as_ref(),
            g.opsgenie_api_key_file.as_ref(),
        ) {
            return Err("no global OpsGenie API Key set either inline or in a file".into());
        }
        join_dir(cx.base_dir, &mut self.api_key_file);
        inherit(&mut self.http_config, g.http_config.as_ref(), cx.base_dir)
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

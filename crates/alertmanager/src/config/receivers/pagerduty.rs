//! `pagerduty_configs`: Events API v2 (`routing_key`) or the legacy v1 API (`service_key`).

use super::common::default_from_empty_mapping;
use super::{IntegrationConfig, ValidateContext};
use crate::config::http::{HttpClientConfig, at_most_one, check_url, inherit, join_dir};
use crate::config::secret::Secret;
use model::duration::GoDuration;
use serde::{Deserialize, Serialize};

/// The Events API v2 endpoint (`global.pagerduty_url`'s default).
pub const DEFAULT_URL: &str = "https://events.pagerduty.com/v2/enqueue";
/// The legacy v1 endpoint, used with `service_key`.
pub const V1_URL: &str = "https://events.pagerduty.com/generic/2010-04-15/create_event.json";

fn d_description() -> String {
    r#"{{ template "pagerduty.default.description" .}}"#.into()
}
fn d_client() -> String {
    r#"{{ template "pagerduty.default.client" . }}"#.into()
}
fn d_client_url() -> String {
    r#"{{ template "pagerduty.default.clientURL" . }}"#.into()
}

/// One `pagerduty_configs` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagerDutyConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default)]
    pub send_resolved: Option<bool>,
    #[serde(default)]
    pub http_config: Option<HttpClientConfig>,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub service_key: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub service_key_file: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub routing_key: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub routing_key_file: String,
    /// The endpoint. v2 defaults to `global.pagerduty_url`; v1 to [`V1_URL`] (upstream
    /// always uses [`V1_URL`] for v1; an explicit `url` is honoured here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default = "d_client", deserialize_with = "crate::config::de::null_default")]
    pub client: String,
    #[serde(default = "d_client_url", deserialize_with = "crate::config::de::null_default")]
    pub client_url: String,
    #[serde(default = "d_description", deserialize_with = "crate::config::de::null_default")]
    pub description: String,
    /// Template values; results that parse as YAML structures are sent as structures.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub details: serde_json::Map<String, serde_json::Value>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub images: Vec<PagerDutyImage>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub links: Vec<PagerDutyLink>,
    /// Defaults to `client`.
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub source: String,
    /// `error` when empty.
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub severity: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub class: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub component: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub group: String,
    #[serde(default)]
    pub timeout: GoDuration,
}

/// A link in the event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagerDutyLink {
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub href: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub text: String,
}

/// An image in the event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagerDutyImage {
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub src: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub alt: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub href: String,
}

default_from_empty_mapping!(PagerDutyConfig);

impl PagerDutyConfig {
    /// Whether this entry uses the legacy v1 API.
    pub fn is_v1(&self) -> bool {
        !self.service_key.is_empty() || !self.service_key_file.is_empty()
    }
}

/// Upstream's default `details`, added for keys the config does not set.
pub const DEFAULT_DETAILS: [(&str, &str); 4] = [
    ("firing", "{{ .Alerts.Firing | toJson }}"),
    ("resolved", "{{ .Alerts.Resolved | toJson }}"),
    ("num_firing", "{{ .Alerts.Firing | len }}"),
    ("num_resolved", "{{ .Alerts.Resolved | len }}"),
];

impl IntegrationConfig for PagerDutyConfig {
    const NAME: &'static str = "pagerduty";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        if self.routing_key.is_empty()
            && self.service_key.is_empty()
            && self.routing_key_file.is_empty()
            && self.service_key_file.is_empty()
        {
            return Err("missing service or routing key in PagerDuty config".into());
        }
        at_most_one(!self.routing_key.is_empty(), &self.routing_key_file, "routing_key")?;
        at_most_one(!self.service_key.is_empty(), &self.service_key_file, "service_key")?;
        if self.source.is_empty() {
            self.source = self.client.clone();
        }
        for (k, v) in DEFAULT_DETAILS {
            self.details.entry(k).or_insert_with(|| serde_json::Value::String(v.into()));
        }
        if let Some(u) = &self.url {
            check_url(u)?;
        }
        if self.url.is_none() {
            self.url = Some(if self.is_v1() {
                V1_URL.to_string()
            } else {
                cx.global.pagerduty_url.clone().unwrap_or_else(|| DEFAULT_URL.to_string())
            });
        }
        join_dir(cx.base_dir, &mut self.service_key_file);
        join_dir(cx.base_dir, &mut self.routing_key_file);
        inherit(&mut self.http_config, cx.global.http_config.as_ref(), cx.base_dir)
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

//! `jira_configs`: one Jira issue per alert group, created, updated, reopened and resolved.

use super::common::inherit_optional;
use super::{IntegrationConfig, ValidateContext};
use crate::config::global::check_url;
use crate::config::http::HttpClientConfig;
use model::duration::Duration;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

pub const DEFAULT_SUMMARY: &str = r#"{{ template "jira.default.summary" . }}"#;
pub const DEFAULT_DESCRIPTION: &str = r#"{{ template "jira.default.description" . }}"#;
pub const DEFAULT_PRIORITY: &str = r#"{{ template "jira.default.priority" . }}"#;

/// One `jira_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JiraConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// The REST API base (`https://x.atlassian.net/rest/api/2`); falls back to
    /// `global.jira_api_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// `auto` (default), `cloud` or `datacenter`: which search endpoint to use.
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_type: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub project: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<JiraFieldConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<JiraFieldConfig>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub labels: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub issue_type: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub reopen_transition: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub resolve_transition: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub wont_fix_resolution: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reopen_duration: Option<Duration>,
    /// Extra issue fields; string leaves are templates.
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// `summary` / `description`: a template string, or `{template, enable_update}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JiraFieldConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub template: String,
    /// Whether updates of an existing issue rewrite the field (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_update: Option<bool>,
}

impl<'de> Deserialize<'de> for JiraFieldConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            #[serde(default, deserialize_with = "crate::config::de::null_default")]
            template: String,
            #[serde(default)]
            enable_update: Option<bool>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Plain(String),
            Full(Full),
        }
        Ok(match Either::deserialize(d)? {
            Either::Plain(template) => JiraFieldConfig { template, enable_update: None },
            Either::Full(f) => {
                JiraFieldConfig { template: f.template, enable_update: f.enable_update }
            }
        })
    }
}

impl JiraFieldConfig {
    /// Whether updates rewrite the field.
    pub fn enable_update(&self) -> bool {
        self.enable_update.unwrap_or(true)
    }
}

impl IntegrationConfig for JiraConfig {
    const NAME: &'static str = "jira";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        if self.api_type.is_empty() {
            self.api_type = "auto".into();
        }
        self.summary.get_or_insert_with(|| JiraFieldConfig {
            template: DEFAULT_SUMMARY.into(),
            enable_update: None,
        });
        self.description.get_or_insert_with(|| JiraFieldConfig {
            template: DEFAULT_DESCRIPTION.into(),
            enable_update: None,
        });
        self.priority.get_or_insert_with(|| DEFAULT_PRIORITY.into());
        if self.project.is_empty() {
            return Err("missing project in jira_config".into());
        }
        if self.issue_type.is_empty() {
            return Err("missing issue_type in jira_config".into());
        }
        if !matches!(self.api_type.as_str(), "auto" | "cloud" | "datacenter") {
            return Err("unknown api_type on jira_config, must be auto, cloud or datacenter".into());
        }
        if let Some(u) = &self.api_url {
            check_url(u, false)?;
        }
        let g = cx.global;
        inherit_optional(&mut self.http_config, g.http_config.as_ref(), cx.base_dir)?;
        if self.api_url.is_none() {
            self.api_url = g.jira_api_url.clone();
        }
        if self.api_url.is_none() {
            return Err("no global Jira Cloud URL set".into());
        }
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

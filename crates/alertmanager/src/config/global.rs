//! The `global:` block and its defaults (which apply even when the block is absent).
//! (being built: the config helper owns this file; field names are the YAML keys and are
//! part of the contract the integrations code against)

use super::http::HttpClientConfig;
use super::secret::Secret;
use model::duration::Duration;
use serde::{Deserialize, Serialize};

/// `global:`. After [`super::load`], defaults are filled in (URLs, `resolve_timeout`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalConfig {
    pub resolve_timeout: Option<Duration>,
    pub http_config: Option<HttpClientConfig>,

    pub smtp_from: Option<String>,
    pub smtp_hello: Option<String>,
    pub smtp_smarthost: Option<String>,
    pub smtp_auth_username: Option<String>,
    pub smtp_auth_password: Option<Secret>,
    pub smtp_auth_password_file: Option<String>,
    pub smtp_auth_secret: Option<Secret>,
    pub smtp_auth_secret_file: Option<String>,
    pub smtp_auth_identity: Option<String>,
    pub smtp_require_tls: Option<bool>,
    pub smtp_tls_config: Option<serde_json::Value>,
    pub smtp_force_implicit_tls: Option<bool>,

    pub slack_api_url: Option<Secret>,
    pub slack_api_url_file: Option<String>,
    pub slack_app_token: Option<Secret>,
    pub slack_app_token_file: Option<String>,
    pub slack_app_url: Option<String>,

    pub pagerduty_url: Option<String>,

    pub opsgenie_api_url: Option<String>,
    pub opsgenie_api_key: Option<Secret>,
    pub opsgenie_api_key_file: Option<String>,

    pub wechat_api_url: Option<String>,
    pub wechat_api_secret: Option<Secret>,
    pub wechat_api_secret_file: Option<String>,
    pub wechat_api_corp_id: Option<String>,

    pub victorops_api_url: Option<String>,
    pub victorops_api_key: Option<Secret>,
    pub victorops_api_key_file: Option<String>,

    pub telegram_api_url: Option<String>,
    pub telegram_bot_token: Option<Secret>,
    pub telegram_bot_token_file: Option<String>,

    pub webex_api_url: Option<String>,

    pub rocketchat_api_url: Option<String>,
    pub rocketchat_token: Option<Secret>,
    pub rocketchat_token_file: Option<String>,
    pub rocketchat_token_id: Option<Secret>,
    pub rocketchat_token_id_file: Option<String>,

    pub mattermost_webhook_url: Option<Secret>,
    pub mattermost_webhook_url_file: Option<String>,

    pub jira_api_url: Option<String>,
}

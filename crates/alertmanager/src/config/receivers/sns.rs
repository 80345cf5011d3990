//! `sns_configs`: AWS SNS `Publish`, signed with SigV4.

use super::common::inherit_optional;
use super::{IntegrationConfig, ValidateContext};
use crate::config::http::HttpClientConfig;
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The default `subject`.
pub const DEFAULT_SUBJECT: &str = r#"{{ template "sns.default.subject" . }}"#;
/// The default `message`.
pub const DEFAULT_MESSAGE: &str = r#"{{ template "sns.default.message" . }}"#;

/// One `sns_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnsConfig {
    /// Whether resolved alerts are notified (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_resolved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_config: Option<HttpClientConfig>,
    /// The SNS endpoint (a template); empty: AWS's regional endpoint.
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_url: String,
    #[serde(default)]
    pub sigv4: SigV4Config,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub topic_arn: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub phone_number: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub target_arn: String,
    /// `None`: the default template; empty: no subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::config::de::string_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub attributes: BTreeMap<String, String>,
    /// Upstream picks the AWS SDK's own HTTP client with this; we have one client either way.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_aws_http_client: bool,
}

/// `sigv4`: which AWS credentials and region sign the request (empty values come from the
/// environment and the shared AWS config files).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigV4Config {
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub region: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub access_key: String,
    #[serde(default, skip_serializing_if = "Secret::is_empty")]
    pub secret_key: Secret,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub profile: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub role_arn: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub external_id: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_fips_sts_endpoint: bool,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub service_name: String,
}

impl SigV4Config {
    /// Upstream's checks (`prometheus/sigv4`).
    pub fn validate(&self) -> Result<(), String> {
        if self.access_key.is_empty() != self.secret_key.is_empty() {
            return Err("must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config".into());
        }
        if !self.external_id.is_empty() && self.role_arn.is_empty() {
            return Err("external_id can only be used with role_arn".into());
        }
        Ok(())
    }
}

impl IntegrationConfig for SnsConfig {
    const NAME: &'static str = "sns";

    fn validate(&mut self, cx: &ValidateContext<'_>) -> Result<(), String> {
        self.sigv4.validate()?;
        // Upstream's chained inequality: exactly one target, or (a quirk kept) all three.
        if (self.target_arn.is_empty() != self.topic_arn.is_empty()) != self.phone_number.is_empty()
        {
            return Err(
                "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config"
                    .into(),
            );
        }
        if self.subject.is_none() {
            self.subject = Some(DEFAULT_SUBJECT.into());
        }
        if self.message.is_none() {
            self.message = Some(DEFAULT_MESSAGE.into());
        }
        inherit_optional(&mut self.http_config, cx.global.http_config.as_ref(), cx.base_dir)?;
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::global::GlobalConfig;
    use std::path::Path;

    fn check(yaml: &str) -> Result<SnsConfig, String> {
        let g = GlobalConfig::defaults();
        let mut c: SnsConfig = serde_saphyr::from_str(yaml).map_err(|e| e.to_string())?;
        c.validate(&ValidateContext { global: &g, base_dir: Path::new("/etc/am") }).map(|_| c)
    }

    #[test]
    fn targets_like_upstream() {
        const TARGET: &str =
            "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config";
        assert!(check("target_arn: t").is_ok());
        assert!(check("topic_arn: t").is_ok());
        assert!(check("phone_number: p\nsigv4: {access_key: a, secret_key: s}").is_ok());
        assert_eq!(check("topic_arn: t\ntarget_arn: x").unwrap_err(), TARGET);
        assert_eq!(check("topic_arn: t\nphone_number: x").unwrap_err(), TARGET);
        assert_eq!(check("{}").unwrap_err(), TARGET);
        assert!(check("topic_arn: t\ntarget_arn: x\nphone_number: p").is_ok());
        assert_eq!(
            check("topic_arn: t\nsigv4: {access_key: a}").unwrap_err(),
            "must provide a AWS SigV4 Access key and Secret Key if credentials are specified in the SigV4 config"
        );
        assert_eq!(
            check("topic_arn: t\nsigv4: {external_id: e}").unwrap_err(),
            "external_id can only be used with role_arn"
        );
    }

    #[test]
    fn defaults() {
        let c = check("topic_arn: t").unwrap();
        assert_eq!(c.subject.as_deref(), Some(DEFAULT_SUBJECT));
        assert_eq!(c.message.as_deref(), Some(DEFAULT_MESSAGE));
        assert!(c.http_config.is_some());
        assert!(c.send_resolved());
        let c = check("topic_arn: t\nsubject: ''").unwrap();
        assert_eq!(c.subject.as_deref(), Some(""));
    }
}

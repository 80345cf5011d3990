//! Shapes and checks that several `*_configs` types share, so each rule is written once.

use super::ValidateContext;
use crate::config::http::{HttpClientConfig, check_webhook_url, inherit, join_dir};
use crate::config::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Defines `fn name() -> String` functions returning `{{ template "<template>" . }}`, the
/// serde defaults of text fields that render one of the default templates.
macro_rules! default_tmpl {
    ($($f:ident => $name:literal),* $(,)?) => {
        $(fn $f() -> String { concat!("{{ template \"", $name, "\" . }}").to_string() })*
    };
}

pub(super) use default_tmpl;

/// `impl Default` with the values an empty YAML mapping gets: every field has a serde default.
macro_rules! default_from_empty_mapping {
    ($t:ty) => {
        impl Default for $t {
            fn default() -> Self {
                serde_json::from_str("{}")
                    .unwrap_or_else(|_| unreachable!("every field has a default"))
            }
        }
    };
}

pub(super) use default_from_empty_mapping;

/// A message attachment field: Slack and Mattermost take the same keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentField {
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub title: String,
    #[serde(
        default,
        deserialize_with = "crate::config::de::null_default",
        skip_serializing_if = "String::is_empty"
    )]
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short: Option<bool>,
}

/// Every field needs a title and a value (`service` names the integration in the error, as
/// upstream does: `Slack`, `Mattermost`).
pub(super) fn check_fields(fields: &[AttachmentField], service: &str) -> Result<(), String> {
    for f in fields {
        if f.title.is_empty() {
            return Err(format!("missing title in {service} field configuration"));
        }
        if f.value.is_empty() {
            return Err(format!("missing value in {service} field configuration"));
        }
    }
    Ok(())
}

/// `one of X or X_file must be configured` for an inline/file pair that is required.
pub(super) fn one_of(inline_set: bool, file: &str, name: &str) -> Result<(), String> {
    if !inline_set && file.is_empty() {
        return Err(format!("one of {name} or {name}_file must be configured"));
    }
    Ok(())
}

/// A secret given inline or in a file: when the entry sets neither, both are taken from the
/// global section. Returns whether either is set afterwards.
pub(super) fn secret_or_global(
    inline: &mut Secret,
    file: &mut String,
    global_inline: Option<&Secret>,
    global_file: Option<&String>,
) -> bool {
    if inline.is_empty() && file.is_empty() {
        *inline = global_inline.cloned().unwrap_or_default();
        *file = global_file.cloned().unwrap_or_default();
    }
    !inline.is_empty() || !file.is_empty()
}

/// The `http_config` of the integrations whose upstream keeps it optional: the entry's own,
/// else a copy of the global one (possibly none); validated when present.
pub(super) fn inherit_optional(
    local: &mut Option<HttpClientConfig>,
    global: Option<&HttpClientConfig>,
    base_dir: &Path,
) -> Result<(), String> {
    if local.is_none() {
        *local = global.cloned();
    }
    match local {
        Some(h) => h.validate(base_dir),
        None => Ok(()),
    }
}

/// Discord's and Microsoft Teams' shared rules: exactly one of `webhook_url` and
/// `webhook_url_file` (a valid URL), the file relative to the config, and the `http_config`
/// inherited from the global one.
pub(super) fn check_webhook(
    url: &Secret,
    file: &mut String,
    http: &mut Option<HttpClientConfig>,
    cx: &ValidateContext<'_>,
) -> Result<(), String> {
    check_webhook_url(url, file)?;
    join_dir(cx.base_dir, file);
    inherit(http, cx.global.http_config.as_ref(), cx.base_dir)
}

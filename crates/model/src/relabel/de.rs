//! Reading a rule from YAML or JSON with upstream's defaults, then validating it.
//!
//! As Go's yaml.v2 does, a null (`regex:` with nothing after it) is the zero value: an empty
//! regex, separator or replacement, not the default.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use super::{
    Action, DEFAULT_REPLACEMENT, DEFAULT_SEPARATOR, RelabelConfig, compile_regex, default_regex,
};
use crate::labels::ValidationScheme;

/// The fields as written; `None` = absent, `Some(None)` = null.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    source_labels: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    separator: Option<Option<Scalar>>,
    #[serde(default)]
    target_label: Option<Scalar>,
    #[serde(default, deserialize_with = "nullable")]
    regex: Option<Option<Scalar>>,
    #[serde(default)]
    modulus: Option<u64>,
    #[serde(default, deserialize_with = "nullable")]
    replacement: Option<Option<Scalar>>,
    #[serde(default)]
    action: Option<String>,
}

/// Tells an explicit null from an absent field (serde maps both to `None` otherwise).
fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A string field that takes YAML plain scalars as written (`regex: 1.50`, `replacement:
/// yes`), as Go's yaml.v2 reads them into a string; numbers and booleans from formats that
/// type them (JSON) are printed.
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar(v))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_string(V)
    }
}

impl<'de> Deserialize<'de> for RelabelConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Raw::deserialize(d)?;
        let mut cfg = from_raw(raw).map_err(D::Error::custom)?;
        cfg.validate(ValidationScheme::Utf8).map_err(D::Error::custom)?;
        Ok(cfg)
    }
}

fn from_raw(raw: Raw) -> Result<RelabelConfig, String> {
    let text = |v: Option<Option<Scalar>>, default: &str| match v {
        None => default.to_string(),
        Some(v) => v.map(|s| s.0).unwrap_or_default(),
    };
    let source_labels = raw.source_labels.unwrap_or_default();
    if let Some(bad) = source_labels.iter().find(|n| n.is_empty()) {
        return Err(format!("{} is not a valid label name", crate::gostr::quote(bad)));
    }
    let regex = match raw.regex {
        None => default_regex(),
        Some(v) => compile_regex(&v.map(|s| s.0).unwrap_or_default()).map_err(|e| e.message)?,
    };
    let action = match raw.action {
        None => Action::Replace,
        Some(a) => a.parse::<Action>().map_err(|e| e.message)?,
    };
    Ok(RelabelConfig {
        source_labels,
        separator: text(raw.separator, DEFAULT_SEPARATOR),
        target_label: raw.target_label.map(|s| s.0).unwrap_or_default(),
        regex,
        modulus: raw.modulus.unwrap_or(0),
        replacement: text(raw.replacement, DEFAULT_REPLACEMENT),
        action,
        name_validation_scheme: ValidationScheme::Utf8,
    })
}

//! Deserialisation helpers that make serde-saphyr read what Go's yaml.v2 reads: a YAML null
//! (`key:` with nothing, `~`, `null`) is the zero value (`""`, empty list, empty map) where Go
//! gives one, instead of an error.
//!
//! Receiver config types may use these too: `#[serde(default, deserialize_with =
//! "crate::config::de::null_default")]` on a `String`, `Vec` or map field.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// Reads `T`, taking a YAML null as `T::default()` (Go's zero value).
pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// Reads a string map whose values may be null (`key:` is `""`, as in Go).
pub fn string_map<'de, D>(d: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: Deserializer<'de>,
{
    let m = Option::<BTreeMap<String, Option<String>>>::deserialize(d)?.unwrap_or_default();
    Ok(m.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect())
}

/// A string that reads a YAML null as `""` (for use inside `Spanned`, where a
/// `deserialize_with` cannot reach).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Str(pub String);

impl Str {
    /// The string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<String>::deserialize(d).map(|s| Str(s.unwrap_or_default()))
    }
}

impl Serialize for Str {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

//! Secrets in the config: printed and re-serialised as `<secret>`, never logged.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret config value (passwords, tokens, webhook URLs). `Debug`, `Display` and
/// serialisation show `<secret>`; [`Secret::expose`] gives the value to the code that sends it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

/// What a secret prints as, as upstream's `/api/v2/status` shows it.
pub const SECRET_MASK: &str = "<secret>";

impl Secret {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The value itself, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (unset).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SECRET_MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SECRET_MASK)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(SECRET_MASK)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<String>::deserialize(d).map(|s| Secret(s.unwrap_or_default()))
    }
}

/// Reads a `*_file` secret the way upstream does at send time: the whole file, surrounding
/// whitespace trimmed. The error names the file but never its content.
pub fn read_secret_file(path: &std::path::Path) -> Result<Secret, String> {
    std::fs::read_to_string(path)
        .map(|s| Secret(s.trim().to_string()))
        .map_err(|e| format!("unable to read file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "<secret> <secret>");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"<secret>\"");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn secret_files_are_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tok");
        std::fs::write(&p, "  abc\n").unwrap();
        assert_eq!(read_secret_file(&p).unwrap().expose(), "abc");
        assert!(read_secret_file(&dir.path().join("missing")).unwrap_err().contains("missing"));
    }
}

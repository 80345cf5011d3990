//! Deserialisation helpers that make serde-saphyr read what Go's yaml.v2 reads: a YAML null
//! (`key:` with nothing, `~`) is the zero value where Go gives one, and byte sizes with units.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;

/// Reads `T`, taking a YAML null as `T::default()` (Go's zero value).
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// Reads a string map whose values may be null (`key:` is `""`, as in Go).
pub(crate) fn string_map<'de, D>(d: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: Deserializer<'de>,
{
    let m = Option::<BTreeMap<String, Option<String>>>::deserialize(d)?.unwrap_or_default();
    Ok(m.into_iter().map(|(k, v)| (k, v.unwrap_or_default())).collect())
}

/// A string that reads a YAML null as `""` (for use inside `Spanned`).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Str(pub String);

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

/// A byte size as `alecthomas/units.Base2Bytes` reads it (`body_size_limit`): `10MB`,
/// `1GiB`, `512KB`, `1MB512KB`, a bare `0`, a sign; `KB` means 1024 bytes, as upstream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ByteSize(pub i64);

impl ByteSize {
    /// The size as a limit: negative is none, like zero.
    pub(crate) fn limit(self) -> u64 {
        u64::try_from(self.0).unwrap_or(0)
    }

    pub(crate) fn parse(s: &str) -> Result<ByteSize, String> {
        let orig = s;
        let invalid = || format!("units: invalid {orig}");
        let (negative, s) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if s == "0" {
            return Ok(ByteSize(0));
        }
        if s.is_empty() {
            return Err(invalid());
        }
        let mut rest = s;
        let mut total: f64 = 0.0;
        while !rest.is_empty() {
            let num_len = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
            if num_len == 0 {
                return Err(invalid());
            }
            let value: f64 = rest[..num_len].parse().map_err(|_| invalid())?;
            rest = &rest[num_len..];
            let unit_len = rest.bytes().take_while(|b| !b.is_ascii_digit() && *b != b'.').count();
            let unit = &rest[..unit_len];
            rest = &rest[unit_len..];
            let scale =
                unit_scale(unit).ok_or_else(|| format!("units: unknown unit {unit} in {orig}"))?;
            total += value * scale as f64;
        }
        if total > i64::MAX as f64 {
            return Err(invalid());
        }
        let total = total as i64;
        Ok(ByteSize(if negative { -total } else { total }))
    }
}

/// `B`, `KB`/`KiB`, ... `EB`/`EiB`, all powers of 1024.
fn unit_scale(unit: &str) -> Option<u64> {
    if unit == "B" {
        return Some(1);
    }
    let mut chars = unit.chars();
    let prefix = chars.next()?;
    if chars.as_str() != "B" && chars.as_str() != "iB" {
        return None;
    }
    let power = "KMGTPE".find(prefix)? as u32 + 1;
    Some(1024u64.pow(power))
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte size such as 10MB")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ByteSize, E> {
                ByteSize::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ByteSize, E> {
                ByteSize::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ByteSize, E> {
                ByteSize::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<ByteSize, E> {
                Ok(ByteSize(0))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes_are_base_two() {
        assert_eq!(ByteSize::parse("0"), Ok(ByteSize(0)));
        assert_eq!(ByteSize::parse("10MB"), Ok(ByteSize(10 << 20)));
        assert_eq!(ByteSize::parse("1GiB"), Ok(ByteSize(1 << 30)));
        assert_eq!(ByteSize::parse("1MB512KB"), Ok(ByteSize((1 << 20) + (512 << 10))));
        assert_eq!(ByteSize::parse("100B"), Ok(ByteSize(100)));
        assert_eq!(ByteSize::parse("1.5KB"), Ok(ByteSize(1536)));
        assert_eq!(ByteSize::parse("-1GB"), Ok(ByteSize(-(1 << 30))));
        assert_eq!(ByteSize::parse("10").unwrap_err(), "units: unknown unit  in 10");
        assert_eq!(ByteSize::parse("10XB").unwrap_err(), "units: unknown unit XB in 10XB");
        assert!(ByteSize::parse("MB").is_err());
        assert!(ByteSize::parse("1äB").is_err());
        assert!(ByteSize::parse("-").is_err());
    }
}

//! The alert as Alertmanager keeps it, and the time helpers every module shares.
//!
//! Times are [`jiff::Timestamp`] (nanosecond precision, as Go's `time.Time`); Go's zero time
//! (`0001-01-01T00:00:00Z`) stands for "unset", because that is what the API and the
//! notifications carry on the wire.

use model::labels::{Fingerprint, Labels};

/// A point in time with nanosecond precision.
pub type Time = jiff::Timestamp;

/// Go's zero `time.Time`, `0001-01-01T00:00:00Z`: "unset" on the wire.
pub const ZERO_TIME: Time = Time::constant(-62_135_596_800, 0);

/// Whether `t` is Go's zero time.
pub fn is_zero(t: Time) -> bool {
    t == ZERO_TIME
}

/// Formats as Go's `time.RFC3339Nano` in UTC (what Go's JSON encoder writes): fractional
/// seconds only when non-zero, trailing zeros trimmed, `Z` suffix.
pub fn format_time(t: Time) -> String {
    // jiff's Display already trims the fraction; it prints UTC with a `Z`.
    t.to_string()
}

/// Parses an RFC 3339 time with any offset, as Go's `time.Time` JSON decoder does.
pub fn parse_time(s: &str) -> Result<Time, String> {
    s.parse::<Time>().map_err(|e| format!("parsing time {s:?} as RFC 3339: {e}"))
}

/// Converts a clock reading.
pub fn from_system_time(t: std::time::SystemTime) -> Time {
    Time::try_from(t).unwrap_or(ZERO_TIME)
}

/// An alert in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Identifying labels (empty values already dropped).
    pub labels: Labels,
    /// Annotations, kept in a [`Labels`] for its compact, sorted, O(1)-clone storage.
    pub annotations: Labels,
    /// When the alert started firing.
    pub starts_at: Time,
    /// When it resolves or resolved; `now + resolve_timeout` for alerts posted without one.
    pub ends_at: Time,
    /// When the store last received it.
    pub updated_at: Time,
    /// Link to the rule that produced it.
    pub generator_url: String,
    /// Whether `ends_at` was derived from `resolve_timeout` rather than sent by the client.
    pub timeout: bool,
}

impl Alert {
    /// The label fingerprint (FNV-1a 64) that keys the store and the API.
    pub fn fingerprint(&self) -> Fingerprint {
        self.labels.fingerprint()
    }

    /// The identity used by the notification log (xxhash of the labels).
    pub fn hash(&self) -> u64 {
        self.labels.hash()
    }

    /// Resolved at `now`: `endsAt` is set and not after `now`.
    pub fn resolved_at(&self, now: Time) -> bool {
        !is_zero(self.ends_at) && self.ends_at <= now
    }

    /// `firing` or `resolved` at `now`.
    pub fn status_at(&self, now: Time) -> &'static str {
        if self.resolved_at(now) { "resolved" } else { "firing" }
    }
}

/// Hashes keys that are already well-mixed numbers (fingerprints, group ids) with one
/// multiply per word, instead of SipHash: the maps keyed by fingerprint are hit several times
/// per ingested alert. Not for keys an attacker picks to collide (strings).
#[derive(Debug, Default, Clone, Copy)]
pub struct NumHasher(u64);

impl std::hash::Hasher for NumHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, v: u64) {
        // FxHash's step; the final fold gives the table's low index bits the high bits' mix.
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

/// A `HashMap` keyed by fingerprints or ids (see [`NumHasher`]).
pub type NumMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<NumHasher>>;
/// A `HashSet` of fingerprints or ids (see [`NumHasher`]).
pub type NumSet<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<NumHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_time_prints_like_go() {
        assert_eq!(format_time(ZERO_TIME), "0001-01-01T00:00:00Z");
        assert!(is_zero(parse_time("0001-01-01T00:00:00.000Z").unwrap()));
    }

    #[test]
    fn fractions_are_trimmed_like_rfc3339nano() {
        let t = parse_time("2026-01-02T03:04:05.120+01:00").unwrap();
        assert_eq!(format_time(t), "2026-01-02T02:04:05.12Z");
        assert_eq!(
            format_time(parse_time("2026-01-02T03:04:05Z").unwrap()),
            "2026-01-02T03:04:05Z"
        );
    }

    #[test]
    fn resolution_needs_a_set_end_not_after_now() {
        let now = parse_time("2026-01-01T00:00:10Z").unwrap();
        let mut a = Alert {
            labels: Labels::from_pairs([("alertname", "x")]),
            annotations: Labels::default(),
            starts_at: parse_time("2026-01-01T00:00:00Z").unwrap(),
            ends_at: ZERO_TIME,
            updated_at: now,
            generator_url: String::new(),
            timeout: false,
        };
        assert!(!a.resolved_at(now));
        a.ends_at = now;
        assert!(a.resolved_at(now));
        assert_eq!(a.status_at(now), "resolved");
    }
}

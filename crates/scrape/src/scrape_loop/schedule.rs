//! When a target is scraped: a fixed offset within the interval derived from the target's
//! identity (so a server's targets spread out, and the same target keeps its phase across
//! restarts), and scrape timestamps aligned to the schedule.

use std::time::Duration;

/// The identity hash of a target, as upstream's `Target.hash`: FNV-1a over the decimal
/// label-set hash (zero-padded to 16 digits) followed by the scrape URL.
pub fn target_hash(labels_hash: u64, url: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    };
    feed(format!("{labels_hash:016}").as_bytes());
    feed(url.as_bytes());
    h
}

/// How long from `now_ns` (wall clock, ns since the epoch) to the target's first scrape: the
/// next wall time congruent to `(hash ^ seed) mod interval`, pinned to absolute time so every
/// call agrees, within `(0, interval]`.
pub fn initial_delay(now_ns: u128, interval: Duration, hash: u64, seed: u64) -> Duration {
    let interval_ns = interval.as_nanos();
    if interval_ns == 0 {
        return Duration::ZERO;
    }
    let base = interval_ns - now_ns % interval_ns;
    let offset = u128::from(hash ^ seed) % interval_ns;
    let mut next = base + offset;
    if next > interval_ns {
        next -= interval_ns;
    }
    Duration::from_nanos(u64::try_from(next).unwrap_or(u64::MAX))
}

/// The phase of a target's scrapes within the interval, in milliseconds: every scrape
/// timestamp is congruent to it modulo the interval (while the clock is steady).
pub fn phase_ms(interval: Duration, hash: u64, seed: u64) -> i64 {
    let interval_ns = interval.as_nanos().max(1);
    i64::try_from(u128::from(hash ^ seed) % interval_ns / 1_000_000).unwrap_or(0)
}

/// Keeps scrape timestamps on the schedule: timer jitter below a small tolerance (1% of the
/// interval, at most 2 ms, as upstream) is removed, so consecutive samples are exactly one
/// interval apart and compress well; larger deviations (a clock step) use the real time.
#[derive(Debug, Clone, Copy)]
pub struct Aligner {
    aligned_ms: i64,
    interval_ms: i64,
    tolerance_ms: i64,
}

impl Aligner {
    pub fn new(first_ms: i64, interval: Duration) -> Self {
        let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX).max(1);
        Aligner { aligned_ms: first_ms, interval_ms, tolerance_ms: (interval_ms / 100).min(2) }
    }

    /// The timestamp for a scrape starting at wall time `now_ms`.
    pub fn timestamp(&mut self, now_ms: i64) -> i64 {
        while now_ms - self.aligned_ms >= self.interval_ms {
            self.aligned_ms += self.interval_ms;
        }
        if now_ms - self.aligned_ms <= self.tolerance_ms { self.aligned_ms } else { now_ms }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_lands_on_the_phase() {
        let interval = Duration::from_secs(15);
        let (hash, seed) = (0xdead_beef_u64, 42);
        for now_ms in [0u128, 1, 7_499, 14_999, 1_700_000_000_123] {
            let now_ns = now_ms * 1_000_000;
            let d = initial_delay(now_ns, interval, hash, seed);
            assert!(d <= interval);
            let first = now_ns + d.as_nanos();
            assert_eq!(first % interval.as_nanos(), u128::from(hash ^ seed) % interval.as_nanos());
        }
    }

    #[test]
    fn aligner_removes_jitter_only() {
        let mut a = Aligner::new(10_000, Duration::from_secs(10));
        assert_eq!(a.timestamp(10_000), 10_000);
        assert_eq!(a.timestamp(20_001), 20_000);
        assert_eq!(a.timestamp(30_500), 30_500);
        assert_eq!(a.timestamp(40_000), 40_000);
    }

    #[test]
    fn hash_depends_on_labels_and_url() {
        assert_ne!(target_hash(1, "http://a/metrics"), target_hash(2, "http://a/metrics"));
        assert_ne!(target_hash(1, "http://a/metrics"), target_hash(1, "http://b/metrics"));
        assert_eq!(target_hash(1, "http://a/metrics"), target_hash(1, "http://a/metrics"));
    }
}

//! Timestamps and the clock seam.
//!
//! Prometheus stores time as milliseconds since the Unix epoch ([`Timestamp`]); Alertmanager keeps
//! nanosecond wall time (`SystemTime` here). Code that reads "now" takes it from a [`Clock`]
//! instead of the OS, so that dispatcher, silences, rule groups and the notifier can be tested on
//! tokio's paused clock: [`TokioClock`] moves exactly as far as `tokio::time::advance` says.
//! Timers themselves are tokio timers, which follow the paused clock already.

use std::fmt;
use std::ops::{Add, Sub};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, SystemTime, UNIX_EPOCH};

use crate::duration::Duration;

/// Milliseconds since the Unix epoch, as Prometheus stores sample times.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);
    /// The earliest time Prometheus' API works with (its `minTime`).
    pub const MIN: Timestamp = Timestamp((i64::MIN / 1000 + 62_135_596_801) * 1000);
    /// The latest time Prometheus' API works with (its `maxTime`).
    pub const MAX: Timestamp = Timestamp((i64::MAX / 1000 - 62_135_596_801) * 1000 + 999);

    /// A timestamp `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Seconds since the epoch as a float, as the Prometheus API prints times.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// From float seconds, rounded to the millisecond as the Prometheus API does; `None` for
    /// NaN or values out of range.
    pub fn from_secs_f64(secs: f64) -> Option<Self> {
        let ms = (secs * 1000.0).round();
        if ms.is_finite() && ms >= i64::MIN as f64 && ms <= i64::MAX as f64 {
            Some(Timestamp(ms as i64))
        } else {
            None
        }
    }

    /// From wall time, truncated to the millisecond (Go's `timestamp.FromTime`).
    pub fn from_system_time(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Timestamp(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            Err(e) => {
                // Before the epoch: round towards negative infinity, as Go's UnixMilli does.
                let d = e.duration();
                let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
                let rem = d.as_nanos() % 1_000_000;
                Timestamp(-ms - i64::from(rem != 0))
            }
        }
    }

    /// As wall time.
    pub fn to_system_time(self) -> SystemTime {
        if self.0 >= 0 {
            UNIX_EPOCH + StdDuration::from_millis(self.0.unsigned_abs())
        } else {
            UNIX_EPOCH - StdDuration::from_millis(self.0.unsigned_abs())
        }
    }

    /// `self + d`, saturating at the ends of the range.
    pub fn saturating_add(self, d: Duration) -> Self {
        Timestamp(self.0.saturating_add(d.as_millis()))
    }
}

impl Add<Duration> for Timestamp {
    type Output = Timestamp;
    fn add(self, d: Duration) -> Timestamp {
        self.saturating_add(d)
    }
}

impl Sub<Duration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, d: Duration) -> Timestamp {
        Timestamp(self.0.saturating_sub(d.as_millis()))
    }
}

impl Sub for Timestamp {
    type Output = Duration;
    fn sub(self, other: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(other.0))
    }
}

impl fmt::Display for Timestamp {
    /// Milliseconds, as they appear in Prometheus' own logs and the TSDB.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where code gets "now" from.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current wall time, at full precision.
    fn now_system(&self) -> SystemTime;

    /// The current time in Prometheus milliseconds.
    fn now(&self) -> Timestamp {
        Timestamp::from_system_time(self.now_system())
    }
}

/// A shareable clock handle.
pub type SharedClock = Arc<dyn Clock>;

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_system(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// Wall time that moves with tokio's clock: the wall time at creation plus however far tokio's
/// `Instant` has advanced since. Under `tokio::time::pause()` it stands still until the test
/// advances it, so timers and "now" agree exactly.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    wall_at_start: SystemTime,
    instant_at_start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock that reads the real wall time now and follows tokio's clock from here.
    pub fn new() -> Self {
        TokioClock::starting_at(SystemTime::now())
    }

    /// A clock that reads `wall` now and follows tokio's clock from here; tests use a fixed
    /// start so that their expectations are exact.
    pub fn starting_at(wall: SystemTime) -> Self {
        TokioClock { wall_at_start: wall, instant_at_start: tokio::time::Instant::now() }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        TokioClock::new()
    }
}

impl Clock for TokioClock {
    fn now_system(&self) -> SystemTime {
        self.wall_at_start + self.instant_at_start.elapsed()
    }
}

/// A clock that moves only when told to, for unit tests without a runtime.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<SystemTime>>,
}

impl ManualClock {
    /// A clock that reads `start` until moved.
    pub fn new(start: SystemTime) -> Self {
        ManualClock { now: Arc::new(Mutex::new(start)) }
    }

    /// A clock at `ms` milliseconds after the epoch.
    pub fn at_millis(ms: i64) -> Self {
        ManualClock::new(Timestamp::from_millis(ms).to_system_time())
    }

    /// Moves the clock to `t`.
    pub fn set(&self, t: SystemTime) {
        *self.lock() = t;
    }

    /// Moves the clock forward by `d`.
    pub fn advance(&self, d: StdDuration) {
        let mut now = self.lock();
        *now += d;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SystemTime> {
        // A panic while holding this lock leaves a valid SystemTime behind, so poisoning is moot.
        self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for ManualClock {
    fn now_system(&self) -> SystemTime {
        *self.lock()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_conversions() {
        let t = Timestamp::from_millis(1_700_000_000_123);
        assert_eq!(t.as_secs_f64(), 1_700_000_000.123);
        assert_eq!(Timestamp::from_secs_f64(1_700_000_000.123_4), Some(t));
        assert_eq!(Timestamp::from_secs_f64(1_700_000_000.122_6), Some(t));
        assert_eq!(Timestamp::from_secs_f64(f64::NAN), None);
        assert_eq!(Timestamp::from_secs_f64(f64::INFINITY), None);
        assert_eq!(Timestamp::from_system_time(t.to_system_time()), t);
        let before = Timestamp::from_millis(-1_500);
        assert_eq!(Timestamp::from_system_time(before.to_system_time()), before);
        let odd = UNIX_EPOCH - StdDuration::from_micros(1_500);
        assert_eq!(Timestamp::from_system_time(odd).as_millis(), -2);
        let after = UNIX_EPOCH + StdDuration::from_micros(1_500);
        assert_eq!(Timestamp::from_system_time(after).as_millis(), 1);
    }

    #[test]
    fn timestamp_arithmetic() {
        let t = Timestamp::from_millis(10_000);
        assert_eq!(t + Duration::from_secs(5), Timestamp::from_millis(15_000));
        assert_eq!(t - Duration::from_secs(5), Timestamp::from_millis(5_000));
        assert_eq!(Timestamp::from_millis(15_000) - t, Duration::from_secs(5));
        let top = Timestamp::from_millis(i64::MAX);
        assert_eq!(top + Duration::from_secs(1), top);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::at_millis(1_000);
        assert_eq!(clock.now(), Timestamp::from_millis(1_000));
        clock.advance(StdDuration::from_millis(250));
        assert_eq!(clock.now(), Timestamp::from_millis(1_250));
        clock.set(UNIX_EPOCH);
        assert_eq!(clock.now(), Timestamp::EPOCH);
    }

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_follows_paused_time() {
        let start = Timestamp::from_millis(1_700_000_000_000).to_system_time();
        let clock: SharedClock = Arc::new(TokioClock::starting_at(start));
        assert_eq!(clock.now_system(), start);
        tokio::time::advance(StdDuration::from_secs(300)).await;
        assert_eq!(clock.now(), Timestamp::from_millis(1_700_000_300_000));
        // A sleeping task wakes exactly when the clock says the time has come.
        let c = clock.clone();
        let woke = tokio::spawn(async move {
            tokio::time::sleep(StdDuration::from_secs(30)).await;
            c.now()
        });
        assert_eq!(woke.await.unwrap(), Timestamp::from_millis(1_700_000_330_000));
    }

    #[test]
    fn system_clock_is_near_the_os_clock() {
        let a = SystemTime::now();
        let b = SystemClock.now_system();
        let c = SystemTime::now();
        assert!(a <= b && b <= c);
    }
}

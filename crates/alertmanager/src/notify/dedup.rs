//! The dedup decision (spec §4.1): given what the notification log says was last sent to an
//! integration, does this flush notify it, and why.

use super::seams::LogEntry;
use crate::alert::Time;
use std::collections::HashSet;
use std::time::Duration;

/// Why a notification goes out (or not); the strings are upstream's `notification_reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Skip this integration.
    DoNotNotify,
    /// Nothing was notified yet (or the last notification had nothing firing).
    FirstNotification,
    /// A firing alert the last notification did not have.
    NewAlertsInGroup,
    /// With `send_resolved`, a resolved alert the last notification did not have.
    NewResolvedAlerts,
    /// Nothing fires any more but the last notification had firing alerts.
    AllAlertsResolved,
    /// Nothing changed, but `repeat_interval` has passed.
    RepeatIntervalElapsed,
}

impl Reason {
    /// Upstream's text (`none` for [`Reason::DoNotNotify`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::DoNotNotify => "none",
            Reason::FirstNotification => "first notification",
            Reason::NewAlertsInGroup => "new alerts added",
            Reason::NewResolvedAlerts => "some alerts resolved",
            Reason::AllAlertsResolved => "all alerts resolved",
            Reason::RepeatIntervalElapsed => "repeat interval elapsed",
        }
    }

    /// Whether the integration is notified.
    pub fn notifies(self) -> bool {
        self != Reason::DoNotNotify
    }
}

/// The decision for one integration. `firing`/`resolved` are the alert hashes of this flush,
/// `now` its tick time.
pub fn decide(
    last: Option<&LogEntry>,
    firing: &[u64],
    resolved: &[u64],
    send_resolved: bool,
    repeat_interval: Duration,
    now: Time,
) -> Reason {
    let Some(last) = last else {
        return if firing.is_empty() { Reason::DoNotNotify } else { Reason::FirstNotification };
    };
    if !is_subset(firing, &last.firing) {
        return if last.firing.is_empty() {
            Reason::FirstNotification
        } else {
            Reason::NewAlertsInGroup
        };
    }
    if firing.is_empty() {
        // Sent whatever send_resolved says, so that the log forgets the firing set.
        return if last.firing.is_empty() {
            Reason::DoNotNotify
        } else {
            Reason::AllAlertsResolved
        };
    }
    if send_resolved && !is_subset(resolved, &last.resolved) {
        return Reason::NewResolvedAlerts;
    }
    if last.timestamp < sub(now, repeat_interval) {
        return Reason::RepeatIntervalElapsed;
    }
    Reason::DoNotNotify
}

/// Whether every element of `set` is in `of`.
fn is_subset(set: &[u64], of: &[u64]) -> bool {
    if set.is_empty() {
        return true;
    }
    // Small groups (the usual case) are cheaper to scan than to index.
    if set.len().saturating_mul(of.len()) <= 256 {
        return set.iter().all(|h| of.contains(h));
    }
    let of: HashSet<u64> = of.iter().copied().collect();
    set.iter().all(|h| of.contains(h))
}

/// `t - d`, saturating at the earliest representable time.
pub(crate) fn sub(t: Time, d: Duration) -> Time {
    jiff::SignedDuration::try_from(d)
        .ok()
        .and_then(|d| t.checked_sub(d).ok())
        .unwrap_or(jiff::Timestamp::MIN)
}

/// `t + d`, saturating at the latest representable time.
pub(crate) fn add(t: Time, d: Duration) -> Time {
    jiff::SignedDuration::try_from(d)
        .ok()
        .and_then(|d| t.checked_add(d).ok())
        .unwrap_or(jiff::Timestamp::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Time {
        Time::from_second(1_700_000_000 + s).unwrap()
    }

    fn entry(firing: &[u64], resolved: &[u64], at: i64) -> LogEntry {
        LogEntry {
            timestamp: t(at),
            firing: firing.to_vec(),
            resolved: resolved.to_vec(),
            receiver_data: Default::default(),
        }
    }

    const REPEAT: Duration = Duration::from_secs(10);

    /// (last entry, firing, resolved, send_resolved, now, expected).
    type Case = (Option<LogEntry>, &'static [u64], &'static [u64], bool, i64, Reason);

    /// One row per rule of §4.1.
    #[test]
    fn decision_table() {
        use Reason::*;
        let cases: Vec<Case> = vec![
            // 1. no entry
            (None, &[1], &[], false, 0, FirstNotification),
            (None, &[], &[2], true, 0, DoNotNotify),
            (None, &[], &[], true, 0, DoNotNotify),
            // 2. a firing alert not notified before
            (Some(entry(&[], &[1], 0)), &[1], &[], true, 1, FirstNotification),
            (Some(entry(&[1], &[], 0)), &[1, 2], &[], false, 1, NewAlertsInGroup),
            // 3. nothing firing
            (Some(entry(&[1], &[], 0)), &[], &[1], false, 1, AllAlertsResolved),
            (Some(entry(&[1], &[], 0)), &[], &[1], true, 1, AllAlertsResolved),
            (Some(entry(&[], &[1], 0)), &[], &[1], true, 100, DoNotNotify),
            // 4. new resolved alerts, only with send_resolved
            (Some(entry(&[1, 2], &[], 0)), &[1], &[2], true, 1, NewResolvedAlerts),
            (Some(entry(&[1, 2], &[], 0)), &[1], &[2], false, 1, DoNotNotify),
            (Some(entry(&[1], &[2], 0)), &[1], &[2], true, 1, DoNotNotify),
            // 5. repeat interval: strictly older than now - repeat
            (Some(entry(&[1], &[], 0)), &[1], &[], false, 10, DoNotNotify),
            (Some(entry(&[1], &[], 0)), &[1], &[], false, 11, RepeatIntervalElapsed),
            // a shrinking firing set alone does not notify
            (Some(entry(&[1, 2], &[], 0)), &[1], &[], false, 5, DoNotNotify),
        ];
        for (i, (last, firing, resolved, send_resolved, now, want)) in cases.into_iter().enumerate()
        {
            let got = decide(last.as_ref(), firing, resolved, send_resolved, REPEAT, t(now));
            assert_eq!(got, want, "case {i}");
        }
    }

    #[test]
    fn subsets_small_and_large() {
        assert!(is_subset(&[], &[]));
        assert!(is_subset(&[2, 1], &[1, 2, 3]));
        assert!(!is_subset(&[4], &[1, 2, 3]));
        let big: Vec<u64> = (0..100).collect();
        assert!(is_subset(&big[10..50], &big));
        assert!(!is_subset(&[7, 1000], &big));
    }

    #[test]
    fn reason_strings_are_upstreams() {
        assert_eq!(Reason::FirstNotification.as_str(), "first notification");
        assert_eq!(Reason::NewAlertsInGroup.as_str(), "new alerts added");
        assert_eq!(Reason::NewResolvedAlerts.as_str(), "some alerts resolved");
        assert_eq!(Reason::AllAlertsResolved.as_str(), "all alerts resolved");
        assert_eq!(Reason::RepeatIntervalElapsed.as_str(), "repeat interval elapsed");
        assert!(!Reason::DoNotNotify.notifies());
    }

    #[test]
    fn time_arithmetic_saturates() {
        assert_eq!(sub(t(0), Duration::MAX), jiff::Timestamp::MIN);
        assert_eq!(add(t(0), Duration::MAX), jiff::Timestamp::MAX);
        assert_eq!(sub(t(10), Duration::from_secs(10)), t(0));
    }
}

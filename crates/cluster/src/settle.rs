//! Settle (upstream's `Peer.Settle`): before the notification pipeline runs, wait until the
//! member list stops changing, so a restarted replica does not notify before it has learnt its
//! position and the others' notification log.

use std::time::Duration;

use tokio::sync::watch;

/// Polls in a row with an unchanged member count after which the peer is ready.
pub(crate) const STABLE_POLLS: u32 = 3;

/// Counts consecutive polls with the same member count.
#[derive(Debug, Default)]
pub(crate) struct Settle {
    last: Option<usize>,
    okay: u32,
}

impl Settle {
    /// Feeds one poll; true once the count was the same for [`STABLE_POLLS`] polls after the first.
    pub(crate) fn poll(&mut self, members: usize) -> bool {
        if self.okay >= STABLE_POLLS {
            return true;
        }
        if self.last == Some(members) {
            self.okay += 1;
        } else {
            self.okay = 0;
        }
        self.last = Some(members);
        self.okay >= STABLE_POLLS
    }
}

/// Runs the settle loop: one poll every `interval` (upstream: 10 × gossip interval), ready when
/// stable or after `timeout` (zero = ready at once). Sets `ready` to true when done.
pub(crate) async fn run(
    interval: Duration,
    timeout: Duration,
    members: impl Fn() -> usize,
    ready: watch::Sender<bool>,
) {
    if timeout.is_zero() {
        ready.send_replace(true);
        return;
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let mut settle = Settle::default();
    let interval = interval.max(Duration::from_millis(1));
    loop {
        let next = tokio::time::Instant::now() + interval;
        if next >= deadline {
            tokio::time::sleep_until(deadline).await;
            tracing::info!("cluster: settle timeout reached, ready");
            break;
        }
        tokio::time::sleep_until(next).await;
        let n = members();
        if settle.poll(n) {
            tracing::info!(members = n, "cluster: gossip settled, ready");
            break;
        }
    }
    ready.send_replace(true);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn ready_after_three_unchanged_polls() {
        let mut s = Settle::default();
        assert!(!s.poll(1));
        assert!(!s.poll(2));
        assert!(!s.poll(3));
        assert!(!s.poll(3));
        assert!(!s.poll(3));
        assert!(s.poll(3));
        assert!(s.poll(1), "stays ready");
    }

    #[tokio::test(start_paused = true)]
    async fn settles_after_four_polls_of_a_stable_cluster() {
        let (tx, rx) = watch::channel(false);
        let start = tokio::time::Instant::now();
        run(Duration::from_secs(2), Duration::from_secs(60), || 3, tx).await;
        assert!(*rx.borrow());
        assert_eq!(start.elapsed(), Duration::from_secs(8));
    }

    #[tokio::test(start_paused = true)]
    async fn a_changing_cluster_settles_at_the_timeout() {
        let (tx, rx) = watch::channel(false);
        let n = Arc::new(AtomicUsize::new(0));
        let start = tokio::time::Instant::now();
        let n2 = n.clone();
        run(
            Duration::from_secs(2),
            Duration::from_secs(15),
            move || n2.fetch_add(1, Ordering::Relaxed),
            tx,
        )
        .await;
        assert!(*rx.borrow());
        assert_eq!(start.elapsed(), Duration::from_secs(15));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_timeout_is_ready_at_once() {
        let (tx, rx) = watch::channel(false);
        run(Duration::from_secs(2), Duration::ZERO, || 1, tx).await;
        assert!(*rx.borrow());
    }
}

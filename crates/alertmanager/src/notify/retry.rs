//! Send with retries (spec §4.2): first attempt at once, then capped exponential backoff with
//! jitter, until success, a non-retryable error or the flush deadline.
//!
//! The backoff is upstream's (initial 500 ms, ×1.5, ±50 % jitter, at most 60 s between attempts,
//! no new attempt once 15 minutes have passed). The cap keeps a failing receiver from being
//! hammered (upstream pain point: retry storms); the deadline ends the loop.

use crate::alert::Alert;
use crate::integrations::{FailureReason, Integration, NotifyContext, Sent};
use crate::metrics::Metrics;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use rand::Rng;
use std::time::Duration;
use tokio::time::Instant;

const INITIAL: Duration = Duration::from_millis(500);
const MULTIPLIER: f64 = 1.5;
const JITTER: f64 = 0.5;
const MAX_INTERVAL: Duration = Duration::from_secs(60);
const MAX_ELAPSED: Duration = Duration::from_secs(15 * 60);

/// The delays between attempts.
#[derive(Debug, Clone)]
pub struct Backoff {
    current: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { current: INITIAL }
    }
}

impl Backoff {
    /// The delay before the next attempt (counted from the start of the previous one), or
    /// `None` once `elapsed` (since the first attempt) plus that delay passes 15 minutes.
    pub fn next(&mut self, elapsed: Duration, rng: &mut impl Rng) -> Option<Duration> {
        let base = self.current.as_secs_f64();
        let delta = JITTER * base;
        let delay = Duration::from_secs_f64(base - delta + rng.random::<f64>() * 2.0 * delta);
        self.current = Duration::from_secs_f64((base * MULTIPLIER).min(MAX_INTERVAL.as_secs_f64()));
        if elapsed + delay > MAX_ELAPSED { None } else { Some(delay) }
    }
}

/// A send that did not succeed before the deadline or failed for good.
#[derive(Debug, Clone, PartialEq)]
pub struct SendFailure {
    /// For `alertmanager_notifications_failed_total`.
    pub reason: FailureReason,
    /// Upstream's text: `<receiver>/<integration>[<i>]: notify retry canceled ...`.
    pub message: String,
}

/// An integration's metric series and its name in logs and errors, resolved once per config
/// rather than once per send (each lookup would allocate its label set).
#[derive(Clone)]
pub struct Meters {
    /// `<receiver>/<integration>[<index>]`, upstream's name for the integration in texts.
    pub name: String,
    /// `alertmanager_notifications_total`.
    pub notifications: Counter,
    /// `alertmanager_notification_requests_total`.
    pub requests: Counter,
    /// `alertmanager_notification_requests_failed_total`.
    pub requests_failed: Counter,
    /// `alertmanager_notification_latency_seconds`.
    pub latency: Histogram,
}

impl Meters {
    /// The series of `integration` (a receiver named `receiver`) in `metrics`.
    pub fn new(metrics: &Metrics, receiver: &str, integration: &Integration) -> Meters {
        let labels = metrics.integration(integration.name);
        Meters {
            name: format!("{receiver}/{}[{}]", integration.name, integration.index),
            notifications: metrics.notifications_total.get_or_create(&labels).clone(),
            requests: metrics.notification_requests_total.get_or_create(&labels).clone(),
            requests_failed: metrics
                .notification_requests_failed_total
                .get_or_create(&labels)
                .clone(),
            latency: metrics.notification_latency_seconds.get_or_create(&labels).clone(),
        }
    }
}

impl std::fmt::Debug for Meters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Meters").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Sends `alerts` through `integration`, retrying until `deadline`; `meters` are its series.
pub async fn send(
    integration: &Integration,
    meters: &Meters,
    cx: &NotifyContext,
    alerts: &[Alert],
    deadline: Instant,
) -> Result<Sent, SendFailure> {
    let name = &meters.name;
    let start = Instant::now();
    let mut backoff = Backoff::default();
    let mut next_attempt = Some(start);
    let mut attempts = 0u64;
    let mut last_error: Option<(FailureReason, String)> = None;
    loop {
        let Some(at) = next_attempt else {
            // Backoff gave up: wait out the flush as upstream does, then report.
            tokio::time::sleep_until(deadline).await;
            break;
        };
        if Instant::now() >= deadline {
            break;
        }
        if at > deadline {
            tokio::time::sleep_until(deadline).await;
            break;
        }
        tokio::time::sleep_until(at).await;
        let attempt_start = Instant::now();
        // The next attempt is due a backoff after this one started, as upstream's ticker.
        next_attempt = backoff
            .next(attempt_start - start, &mut rand::rng())
            .map(|delay| attempt_start + delay);
        let result =
            tokio::time::timeout_at(deadline, integration.notifier.notify(cx, alerts)).await;
        attempts += 1;
        meters.latency.observe(attempt_start.elapsed().as_secs_f64());
        meters.requests.inc();
        match result {
            Ok(Ok(sent)) => {
                tracing::debug!(integration = %name, attempts, "Notify success");
                return Ok(sent);
            }
            Ok(Err(e)) => {
                meters.requests_failed.inc();
                if !e.retryable {
                    return Err(SendFailure {
                        reason: e.reason,
                        message: format!(
                            "{name}: notify retry canceled due to unrecoverable error after {attempts} attempts: {}",
                            e.message
                        ),
                    });
                }
                if Instant::now() < deadline {
                    if last_error.as_ref().is_none_or(|(_, m)| *m != e.message) {
                        tracing::warn!(integration = %name, attempts, err = %e.message,
                            "Notify attempt failed, will retry later");
                    }
                    last_error = Some((e.reason, e.message));
                }
            }
            Err(_) => {
                // The deadline cut the attempt short; the deadline is what gets reported.
                meters.requests_failed.inc();
            }
        }
    }
    let (reason, text) = last_error.unwrap_or((
        FailureReason::ContextDeadlineExceeded,
        "context deadline exceeded".to_string(),
    ));
    Err(SendFailure {
        reason,
        message: format!("{name}: notify retry canceled after {attempts} attempts: {text}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut b = Backoff::default();
        let mut base = 0.5f64;
        for _ in 0..20 {
            let d = b.next(Duration::ZERO, &mut rng).unwrap().as_secs_f64();
            assert!(d >= base * 0.5 - 1e-9 && d <= base * 1.5 + 1e-9, "{d} around {base}");
            base = (base * 1.5).min(60.0);
        }
        assert_eq!(base, 60.0);
        // Never more than 90 s (60 s + 50 %) between attempts.
        assert!(b.next(Duration::ZERO, &mut rng).unwrap() <= Duration::from_secs(90));
    }

    #[test]
    fn backoff_stops_after_fifteen_minutes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut b = Backoff::default();
        assert!(
            b.next(Duration::from_secs(899), &mut rng).is_none_or(|d| d <= Duration::from_secs(1))
        );
        assert!(b.next(Duration::from_secs(900), &mut rng).is_none());
    }
}

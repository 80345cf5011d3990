//! Per-query limits: the samples held in memory, the deadline and cancellation.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use super::QueryError;

/// Where limit errors say they happened (Prometheus' texts).
const EVAL_ENV: &str = "expression evaluation";
const EXEC_ENV: &str = "query execution";

/// How many cheap checks pass between looks at the clock.
const CHECK_EVERY: u32 = 64;

pub(crate) struct Limits {
    deadline: Instant,
    cancel: Option<Arc<AtomicBool>>,
    ticks: u32,
    max_samples: usize,
    /// Samples currently held by evaluated nodes.
    pub current: usize,
}

impl Limits {
    pub fn new(deadline: Instant, cancel: Option<Arc<AtomicBool>>, max_samples: usize) -> Self {
        Limits { deadline, cancel, ticks: 0, max_samples, current: 0 }
    }

    /// A cheap check to call in loops; looks at the clock every few calls.
    #[inline]
    pub fn tick(&mut self) -> Result<(), QueryError> {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks.is_multiple_of(CHECK_EVERY) { self.check_now() } else { Ok(()) }
    }

    pub fn check_now(&self) -> Result<(), QueryError> {
        if self.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(QueryError::Canceled(EVAL_ENV));
        }
        if Instant::now() >= self.deadline {
            return Err(QueryError::Timeout(EVAL_ENV));
        }
        Ok(())
    }

    /// Accounts for `n` more samples held in memory.
    #[inline]
    pub fn add(&mut self, n: usize) -> Result<(), QueryError> {
        self.current = self.current.saturating_add(n);
        if self.current > self.max_samples {
            return Err(QueryError::TooManySamples(EXEC_ENV));
        }
        Ok(())
    }

    /// Checks that `extra` samples held for a moment (a window) fit.
    #[inline]
    pub fn fits(&self, extra: usize) -> Result<(), QueryError> {
        if self.current.saturating_add(extra) > self.max_samples {
            return Err(QueryError::TooManySamples(EXEC_ENV));
        }
        Ok(())
    }
}

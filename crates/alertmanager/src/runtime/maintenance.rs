//! The periodic work: GC and snapshots of the state, GC of resolved alerts.

use std::sync::Arc;

use tokio::time::Instant;

use super::Alertmanager;
use crate::alert::Alert;

impl Alertmanager {
    pub(super) fn spawn_maintenance(self: &Arc<Self>) {
        let mut tasks = self.tasks.lock();
        let weak = Arc::downgrade(self);
        let every = self.opts.maintenance_interval;
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(Instant::now() + every, every);
            loop {
                tick.tick().await;
                let Some(am) = weak.upgrade() else { return };
                am.maintain_state().await;
            }
        }));
        let weak = Arc::downgrade(self);
        let every = self.opts.alerts_gc_interval;
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(Instant::now() + every, every);
            loop {
                tick.tick().await;
                let Some(am) = weak.upgrade() else { return };
                am.gc_alerts();
            }
        }));
    }

    /// GC and snapshots of silences, nflog and alerts (`--data.maintenance-interval`).
    async fn maintain_state(self: &Arc<Self>) {
        let am = self.clone();
        let now = self.now();
        // Snapshots write files: off the async workers.
        let done = tokio::task::spawn_blocking(move || {
            if let Err(e) = am.silences.maintenance(now) {
                tracing::error!(err = %e, "Running maintenance failed");
                am.metrics.silence.maintenance_errors_total.inc();
            }
            am.metrics.silence.maintenance_total.inc();
            if let Err(e) = am.nflog.maintenance(now) {
                tracing::error!(err = %e, "Running maintenance failed");
                am.metrics.nflog.maintenance_errors_total.inc();
            }
            am.metrics.nflog.maintenance_total.inc();
            if let Err(e) = am.store.compact() {
                tracing::error!(err = %e, "Alert store snapshot failed");
            }
        })
        .await;
        if let Err(e) = done {
            tracing::error!(err = %e, "maintenance task failed");
        }
    }

    /// Drops resolved alerts (`--alerts.gc-interval`).
    fn gc_alerts(&self) {
        let now = self.now();
        let removed = self.store.gc(now);
        self.marker.delete(removed.iter().map(Alert::fingerprint));
        self.current().inhibitor.gc(now);
    }
}

//! The local TSDB of `klaxon run`: opened from the `--storage.tsdb.*` flags, maintained every
//! minute (head cut into blocks, compaction, retention) on a blocking thread, closed (WAL
//! fsynced) at shutdown.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow};
use prometheus_client::registry::Registry;
use tokio::task::JoinHandle;

use crate::cli::RunArgs;

/// How often the head is checked for a block to cut, as upstream's compaction loop.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(60);

/// The store's options from the flags. Upstream's rule: with neither retention flag set, time
/// retention is 15 d; with only a size set, time retention is off.
pub fn options(args: &RunArgs) -> Result<tsdb::DbOptions> {
    let mut o = tsdb::DbOptions::default();
    let size = args.storage_tsdb_retention_size.trim();
    o.retention_bytes =
        tsdb::compact::retention::parse_size(if size.is_empty() { "0" } else { size })
            .map_err(|e| anyhow!("--storage.tsdb.retention.size: {e}"))?;
    o.retention_ms = match &args.storage_tsdb_retention_time {
        Some(t) => model::duration::Duration::parse(t)
            .map_err(|e| anyhow!("--storage.tsdb.retention.time: {e}"))?
            .as_millis(),
        None if o.retention_bytes > 0 => 0,
        None => tsdb::compact::DEFAULT_RETENTION_MS,
    };
    let block = args.storage_tsdb_min_block_duration.as_millis();
    if block <= 0 {
        return Err(anyhow!("--storage.tsdb.min-block-duration must be positive"));
    }
    o.block_duration_ms = block;
    Ok(o)
}

/// Opens the store, reporting what the WAL replay found and repaired.
pub fn open(
    args: &RunArgs,
    options: tsdb::DbOptions,
    registry: &mut Registry,
) -> Result<Arc<tsdb::Db>> {
    tracing::info!("Starting TSDB ...");
    let db = tsdb::Db::open(&args.storage_tsdb_path, options)
        .map_err(|e| anyhow!("opening storage failed: {e}"))?;
    for skipped in db.skipped_blocks() {
        tracing::warn!(err = %skipped, "Skipping a block that failed to load");
    }
    for repair in db.wal_repairs() {
        tracing::warn!(repair = %repair, "WAL repaired");
    }
    tracing::info!(blocks = db.blocks().len(), "TSDB started");
    let db = Arc::new(db);
    db.register_metrics(registry);
    if let Some(w) = db.wal() {
        w.register_metrics(registry);
    }
    Ok(db)
}

/// Runs [`tsdb::Db::maintain`] every minute until aborted.
pub fn spawn_maintenance(db: Arc<tsdb::Db>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(MAINTENANCE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let d = db.clone();
            match tokio::task::spawn_blocking(move || d.maintain()).await {
                Ok(Ok(report)) => tracing::debug!(?report, "TSDB maintenance done"),
                Ok(Err(e)) => tracing::warn!(err = %e, "TSDB maintenance failed"),
                Err(e) => tracing::error!(err = %e, "TSDB maintenance panicked"),
            }
        }
    })
}

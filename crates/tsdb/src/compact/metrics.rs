//! The database's self-metrics under upstream's names, read live at each scrape.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::db::Db;

impl Db {
    /// Registers `prometheus_tsdb_*` metrics (compactions, retention, head and block
    /// figures). They hold the database weakly: once it is dropped they report nothing.
    pub fn register_metrics(self: &Arc<Self>, registry: &mut Registry) {
        registry.register_collector(Box::new(DbCollector { db: Arc::downgrade(self) }));
    }
}

#[derive(Debug)]
struct DbCollector {
    db: Weak<Db>,
}

fn counter(enc: &mut DescriptorEncoder, name: &str, help: &str, v: u64) -> std::fmt::Result {
    let c = ConstCounter::new(v);
    c.encode(enc.encode_descriptor(name, help, None, c.metric_type())?)
}

fn gauge<N>(enc: &mut DescriptorEncoder, name: &str, help: &str, v: N) -> std::fmt::Result
where
    ConstGauge<N>: EncodeMetric,
{
    let g = ConstGauge::new(v);
    g.encode(enc.encode_descriptor(name, help, None, g.metric_type())?)
}

impl Collector for DbCollector {
    fn encode(&self, mut enc: DescriptorEncoder) -> std::fmt::Result {
        let Some(db) = self.db.upgrade() else { return Ok(()) };
        let c = &db.maint_state().counters;
        let load = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
        // Counter names without `_total`: the encoder adds it.
        counter(
            &mut enc,
            "prometheus_tsdb_compactions",
            "Total number of compactions that were executed for the partition.",
            load(&c.compactions),
        )?;
        counter(
            &mut enc,
            "prometheus_tsdb_compactions_failed",
            "Total number of compactions that failed for the partition.",
            load(&c.compactions_failed),
        )?;
        counter(
            &mut enc,
            "prometheus_tsdb_time_retentions",
            "The number of times that blocks were deleted because the maximum time limit was exceeded.",
            load(&c.time_retentions),
        )?;
        counter(
            &mut enc,
            "prometheus_tsdb_size_retentions",
            "The number of times that blocks were deleted because the maximum number of bytes was exceeded.",
            load(&c.size_retentions),
        )?;
        counter(
            &mut enc,
            "prometheus_tsdb_head_truncations",
            "Total number of head truncations attempted.",
            load(&c.head_truncations),
        )?;
        let head = db.head();
        {
            let v = ConstCounter::new(head.samples_appended_total());
            let mut m = enc.encode_descriptor(
                "prometheus_tsdb_head_samples_appended",
                "Total number of appended samples.",
                None,
                v.metric_type(),
            )?;
            v.encode(m.encode_family(&[("type", "float")])?)?;
        }
        gauge(
            &mut enc,
            "prometheus_tsdb_head_series",
            "Total number of series in the head block.",
            head.num_series() as i64,
        )?;
        gauge(
            &mut enc,
            "prometheus_tsdb_head_chunks",
            "Total number of chunks in the head block.",
            head.num_chunks() as i64,
        )?;
        let (head_min, head_max) = head.time_range().unwrap_or((i64::MAX, i64::MIN));
        gauge(
            &mut enc,
            "prometheus_tsdb_head_min_time",
            "Minimum time bound of the head block.",
            head_min,
        )?;
        gauge(
            &mut enc,
            "prometheus_tsdb_head_max_time",
            "Maximum timestamp of the head block.",
            head_max,
        )?;
        gauge(
            &mut enc,
            "prometheus_tsdb_head_min_time_seconds",
            "Minimum time bound of the head block.",
            head_min as f64 / 1000.0,
        )?;
        gauge(
            &mut enc,
            "prometheus_tsdb_head_max_time_seconds",
            "Maximum timestamp of the head block.",
            head_max as f64 / 1000.0,
        )?;
        let metas = db.blocks();
        gauge(
            &mut enc,
            "prometheus_tsdb_blocks_loaded",
            "Number of currently loaded data blocks.",
            metas.len() as i64,
        )?;
        gauge(
            &mut enc,
            "prometheus_tsdb_storage_blocks_bytes",
            "The number of bytes that are currently used for local storage by all blocks.",
            db.blocks_bytes() as i64,
        )?;
        let lowest = metas.iter().map(|m| m.min_time).min().unwrap_or(head_min).min(head_min);
        gauge(
            &mut enc,
            "prometheus_tsdb_lowest_timestamp",
            "Lowest timestamp value stored in the database. The unit is decided by the library consumer.",
            lowest,
        )?;
        gauge(
            &mut enc,
            "prometheus_tsdb_lowest_timestamp_seconds",
            "Lowest timestamp value stored in the database.",
            lowest as f64 / 1000.0,
        )?;
        let opts = db.options();
        gauge(
            &mut enc,
            "prometheus_tsdb_retention_limit_bytes",
            "Max number of bytes to be retained in the tsdb blocks, configured 0 means disabled",
            opts.retention_bytes as i64,
        )?;
        gauge(
            &mut enc,
            "prometheus_tsdb_retention_limit_seconds",
            "How long to retain samples in storage.",
            opts.retention_ms as f64 / 1000.0,
        )?;
        Ok(())
    }
}

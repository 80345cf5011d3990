//! Native histograms, as a data model only.
//!
//! klaxon stores and evaluates float samples; native histograms answer "not supported" for now.
//! The type is here so that the storage seam and the engine's values already carry them and
//! adding support changes no interface.

/// A span of consecutive buckets: `offset` empty buckets are skipped, then `length` follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub offset: i32,
    pub length: u32,
}

/// A float native histogram (Prometheus' `FloatHistogram`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FloatHistogram {
    /// Counter-reset hint: 0 unknown, 1 reset, 2 not reset, 3 gauge.
    pub counter_reset_hint: u8,
    pub schema: i32,
    pub zero_threshold: f64,
    pub zero_count: f64,
    pub count: f64,
    pub sum: f64,
    pub positive_spans: Vec<Span>,
    pub negative_spans: Vec<Span>,
    pub positive_buckets: Vec<f64>,
    pub negative_buckets: Vec<f64>,
    /// Bounds for custom-bucket histograms (schema -53).
    pub custom_values: Vec<f64>,
}

//! The storage seam: PromQL, rules and the API read series through [`Storage`]; scraping, log
//! ingestion, rules and imports write samples through an [`Appender`].
//!
//! Times are milliseconds since the Unix epoch, as Prometheus stores them. A stored series is
//! read lazily: [`Querier::select`] returns label sets and handles, and the engine decodes one
//! series' samples at a time into a buffer it reuses ([`StoredSeries::floats_into`]), so a query
//! over many series never holds all their samples at once.

use std::fmt;
use std::sync::Arc;

use crate::histogram::FloatHistogram;
use crate::labels::Labels;
use crate::matcher::Matcher;

/// The bit pattern Prometheus writes to mark a series stale: a NaN no computation produces.
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// The staleness marker as a float.
pub fn stale_nan() -> f64 {
    f64::from_bits(STALE_NAN_BITS)
}

/// Whether `v` is the staleness marker (and not any other NaN).
pub fn is_stale_nan(v: f64) -> bool {
    v.to_bits() == STALE_NAN_BITS
}

/// One float sample of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FPoint {
    /// Milliseconds since the epoch.
    pub t: i64,
    pub f: f64,
}

/// One native-histogram sample of a series. Stored and queried histograms are not supported
/// yet; the type exists so the seams and the engine's values need no change when they are.
#[derive(Debug, Clone, PartialEq)]
pub struct HPoint {
    pub t: i64,
    pub h: Arc<FloatHistogram>,
}

/// What the engine knows about a selection, so a store can skip work. Times inclusive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SelectHints {
    /// Earliest sample time the query may read.
    pub start: i64,
    /// Latest sample time the query may read.
    pub end: i64,
    /// Query step in ms (0 for instant queries).
    pub step: i64,
    /// Range of the enclosing range selector in ms (0 for instant selectors).
    pub range: i64,
    /// Name of the function the selection feeds, if any (`rate`, `series` for metadata-only
    /// calls such as `/api/v1/series`).
    pub func: Option<String>,
}

/// A store that can be read.
pub trait Storage: Send + Sync {
    /// A reader of the samples in `[mint, maxt]` (inclusive), consistent for its lifetime.
    fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier + '_>, StorageError>;
}

/// A store that can be written.
pub trait Appendable: Send + Sync {
    /// A batch of appends, visible to readers once committed.
    fn appender(&self) -> Box<dyn Appender + '_>;
}

/// A consistent reader over a time range.
pub trait Querier: Send + Sync {
    /// Series matching all `matchers`, sorted by labels. A matcher that matches the empty
    /// string also matches series that lack the label, as in PromQL.
    fn select(
        &self,
        hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<Arc<dyn StoredSeries>>, StorageError>;

    /// Label names of series matching `matchers` (all series when empty), sorted, deduplicated.
    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>, StorageError>;

    /// Values of label `name` on series matching `matchers` (all series when empty), sorted,
    /// deduplicated, without the empty string.
    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>, StorageError>;
}

/// One series of a selection.
pub trait StoredSeries: Send + Sync + fmt::Debug {
    fn labels(&self) -> &Labels;

    /// Appends the float samples with `mint <= t <= maxt` to `out` in time order, staleness
    /// markers included (the engine decides what they mean).
    fn floats_into(&self, mint: i64, maxt: i64, out: &mut Vec<FPoint>);

    /// Appends the histogram samples in `[mint, maxt]`; stores without histograms add nothing.
    fn histograms_into(&self, _mint: i64, _maxt: i64, _out: &mut Vec<HPoint>) {}
}

/// A store's handle on one of its series, opaque to everyone else (see
/// [`Appender::append_hinted`]).
pub type SeriesHint = Option<Arc<dyn std::any::Any + Send + Sync>>;

/// A batch of samples to add. Nothing is visible to readers until [`Appender::commit`].
pub trait Appender: Send {
    /// Adds a float sample. `labels` must be valid (non-empty, sorted, no empty values).
    fn append(&mut self, labels: &Labels, t: i64, f: f64) -> Result<(), AppendError>;

    /// [`Appender::append`] for callers that write the same series again and again (a
    /// scrape cache): `hint` is kept by the caller per series, and the store may fill it with
    /// its handle on the series so that the next append skips looking the labels up
    /// (upstream's series refs). A hint the store does not recognise is ignored.
    fn append_hinted(
        &mut self,
        hint: &mut SeriesHint,
        labels: &Labels,
        t: i64,
        f: f64,
    ) -> Result<(), AppendError> {
        let _ = hint;
        self.append(labels, t, f)
    }

    /// Makes the batch visible (and durable where the store is durable).
    fn commit(self: Box<Self>) -> Result<(), StorageError>;

    /// Drops the batch.
    fn rollback(self: Box<Self>);
}

/// Why one sample was not appended; the rest of the batch is unaffected. Texts are
/// Prometheus' (`storage.ErrOutOfOrderSample` and friends).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    #[error("out of order sample")]
    OutOfOrder,
    #[error("duplicate sample for timestamp")]
    DuplicateTimestamp,
    #[error("out of bounds")]
    OutOfBounds,
    #[error("too old sample")]
    TooOld,
    #[error("invalid labels: {0}")]
    InvalidLabels(String),
}

/// A failure of the store itself (I/O, corruption, shutdown).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StorageError(pub String);

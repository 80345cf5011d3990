//! The receiving end: a decoded [`WriteRequest`] appended to an [`Appendable`] in one batch,
//! with upstream's answers (the HTTP handler in `api` maps [`ReceiveError`] to statuses).
//!
//! - A sample the store refuses as out of order, duplicate, out of bounds or too old rolls
//!   the whole request back and is a 400, as upstream does, so the sender does not retry
//!   what can never succeed. Samples more than 10 minutes in the future count as out of
//!   bounds (upstream's `maxAheadTime`).
//! - A series with invalid labels (no `__name__`, empty or repeated names) is skipped; the
//!   rest is committed and the answer is a 400 naming the first bad series. (Upstream 1.0
//!   skips silently and answers 204; the 1.0 spec asks for the 400, and since senders do not
//!   retry 4xx the valid part is not sent twice.)
//! - Native histograms and exemplars are decoded and ignored (counted in [`ReceiveStats`]).
//! - A failing commit is a 500: the sender retries.

use model::storage::{AppendError, Appendable};

use crate::codec::{self, DecodeError};
use crate::proto::WriteRequest;

/// Upstream's `maxAheadTime`: how far in the future a sample may be.
pub const MAX_AHEAD_MS: i64 = 10 * 60 * 1000;

/// Default cap on a decompressed body (remote read's limit upstream; generous for writes,
/// whose batches are a few hundred kilobytes).
pub const DEFAULT_MAX_DECODED_BYTES: usize = 32 << 20;

/// What a successful request did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiveStats {
    pub series: usize,
    pub samples: usize,
    /// Native histogram samples, not stored by klaxon.
    pub histograms_ignored: usize,
    pub exemplars_ignored: usize,
}

/// Why a request failed, by the status it maps to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiveError {
    /// 400: the request can never succeed as sent; the sender must not retry.
    #[error("{0}")]
    BadRequest(String),
    /// 500: the store failed; the sender should retry.
    #[error("{0}")]
    Internal(String),
}

impl From<DecodeError> for ReceiveError {
    fn from(e: DecodeError) -> Self {
        ReceiveError::BadRequest(e.to_string())
    }
}

/// Decodes a snappy-compressed body and appends it; see [`write()`].
pub fn receive(
    appendable: &dyn Appendable,
    body: &[u8],
    max_decoded: usize,
    now_ms: i64,
) -> Result<ReceiveStats, ReceiveError> {
    let req = codec::decode(body, max_decoded)?;
    write(appendable, &req, now_ms)
}

/// Appends every float sample of `req` through one appender and commits.
pub fn write(
    appendable: &dyn Appendable,
    req: &WriteRequest,
    now_ms: i64,
) -> Result<ReceiveStats, ReceiveError> {
    let mut app = appendable.appender();
    let mut stats = ReceiveStats::default();
    let mut first_label_error: Option<String> = None;
    let mut invalid_series = 0usize;
    let max_t = now_ms.saturating_add(MAX_AHEAD_MS);
    for ts in &req.timeseries {
        let labels = match codec::series_labels(ts) {
            Ok(l) => l,
            Err(e) => {
                invalid_series += 1;
                first_label_error.get_or_insert_with(|| e.to_string());
                continue;
            }
        };
        for s in &ts.samples {
            let result = if s.timestamp > max_t {
                Err(AppendError::OutOfBounds)
            } else {
                app.append(&labels, s.timestamp, s.value)
            };
            if let Err(e) = result {
                app.rollback();
                let message = format!("{e} for series {labels} at timestamp {}", s.timestamp);
                return Err(match e {
                    AppendError::OutOfOrder
                    | AppendError::DuplicateTimestamp
                    | AppendError::OutOfBounds
                    | AppendError::TooOld
                    | AppendError::InvalidLabels(_) => ReceiveError::BadRequest(message),
                });
            }
        }
        stats.series += 1;
        stats.samples += ts.samples.len();
        stats.histograms_ignored += ts.histograms.len();
        stats.exemplars_ignored += ts.exemplars.len();
    }
    app.commit().map_err(|e| ReceiveError::Internal(format!("commit: {e}")))?;
    match first_label_error {
        Some(first) if invalid_series > 1 => Err(ReceiveError::BadRequest(format!(
            "invalid labels in {invalid_series} series, first: {first}"
        ))),
        Some(first) => Err(ReceiveError::BadRequest(format!("invalid labels: {first}"))),
        None => Ok(stats),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use model::labels::Labels;
    use model::storage::{Appender, StorageError};

    use super::*;
    use crate::proto::{Label, Sample, TimeSeries};

    /// Records commits; refuses samples at odd timestamps as out of order.
    #[derive(Default)]
    struct Store {
        committed: Mutex<Vec<(Labels, i64, f64)>>,
    }

    struct App<'a> {
        store: &'a Store,
        batch: Vec<(Labels, i64, f64)>,
    }

    impl Appendable for Store {
        fn appender(&self) -> Box<dyn Appender + '_> {
            Box::new(App { store: self, batch: Vec::new() })
        }
    }

    impl Appender for App<'_> {
        fn append(&mut self, labels: &Labels, t: i64, f: f64) -> Result<(), AppendError> {
            if t % 2 != 0 {
                return Err(AppendError::OutOfOrder);
            }
            self.batch.push((labels.clone(), t, f));
            Ok(())
        }
        fn commit(self: Box<Self>) -> Result<(), StorageError> {
            self.store.committed.lock().unwrap().extend(self.batch);
            Ok(())
        }
        fn rollback(self: Box<Self>) {}
    }

    fn ts(name: &str, t: &[i64]) -> TimeSeries {
        TimeSeries {
            labels: vec![Label { name: "__name__".into(), value: name.into() }],
            samples: t.iter().map(|&timestamp| Sample { value: 1.0, timestamp }).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn append_errors_roll_back_everything() {
        let store = Store::default();
        let req = WriteRequest {
            timeseries: vec![ts("a", &[0, 2]), ts("b", &[4, 5])],
            ..Default::default()
        };
        let err = write(&store, &req, 0).unwrap_err();
        assert_eq!(
            err,
            ReceiveError::BadRequest(
                r#"out of order sample for series {__name__="b"} at timestamp 5"#.into()
            )
        );
        assert!(store.committed.lock().unwrap().is_empty());

        let req = WriteRequest { timeseries: vec![ts("a", &[0, 2])], ..Default::default() };
        let stats = write(&store, &req, 0).unwrap();
        assert_eq!((stats.series, stats.samples), (1, 2));
    }

    /// Truncations and byte flips of a valid body never panic (the fuzz target does this at
    /// scale; this keeps a cheap version in every test run).
    #[test]
    fn mangled_bodies_never_panic() {
        let req = WriteRequest {
            timeseries: vec![ts("a", &[0, 2, 4]), ts("b", &[6])],
            ..Default::default()
        };
        let body = codec::encode(&req);
        for cut in 0..body.len() {
            let _ = receive(&Store::default(), &body[..cut], 1 << 20, 0);
        }
        for i in 0..body.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = body.clone();
                b[i] ^= flip;
                let _ = receive(&Store::default(), &b, 1 << 20, 0);
            }
        }
    }
}

//! The wire format of remote write 1.0: a protobuf [`WriteRequest`] compressed with snappy's
//! *block* format (not the framed format), and the label rules both ends agree on.

use model::labels::{Label as ModelLabel, Labels, METRIC_NAME};
use prost::Message;

use crate::proto::{Label, TimeSeries, WriteRequest};

/// `Content-Type` of a 1.0 body.
pub const CONTENT_TYPE: &str = "application/x-protobuf";
/// `Content-Encoding` of a 1.0 body.
pub const CONTENT_ENCODING: &str = "snappy";
/// The version header and its 1.0 value.
pub const VERSION_HEADER: &str = "X-Prometheus-Remote-Write-Version";
pub const VERSION_1: &str = "0.1.0";

/// Why a body could not be read. The texts start with the layer that failed (`snappy:`,
/// `proto:`), so a 400 response tells the sender where to look.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("snappy: {0}")]
    Snappy(String),
    #[error("snappy: decoded body of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("proto: {0}")]
    Proto(String),
}

/// Protobuf-encodes and snappy-compresses `req`.
pub fn encode(req: &WriteRequest) -> Vec<u8> {
    compress(&req.encode_to_vec())
}

/// Snappy block compression. It cannot fail for inputs below snappy's 4 GiB limit; a larger
/// request would be a bug in the batching, and compresses to nothing.
pub fn compress(raw: &[u8]) -> Vec<u8> {
    snap::raw::Encoder::new().compress_vec(raw).unwrap_or_default()
}

/// Decompresses and decodes a body. `max_decoded` caps the decompressed size, checked from
/// the snappy header before anything is allocated, so a tiny body cannot claim gigabytes.
pub fn decode(body: &[u8], max_decoded: usize) -> Result<WriteRequest, DecodeError> {
    let size = snap::raw::decompress_len(body).map_err(|e| DecodeError::Snappy(e.to_string()))?;
    if size > max_decoded {
        return Err(DecodeError::TooLarge { size, limit: max_decoded });
    }
    let raw = snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|e| DecodeError::Snappy(e.to_string()))?;
    WriteRequest::decode(raw.as_slice()).map_err(|e| DecodeError::Proto(e.to_string()))
}

/// The wire labels of a series.
pub fn to_proto_labels(labels: &Labels) -> Vec<Label> {
    labels.iter().map(|l| Label { name: l.name.to_owned(), value: l.value.to_owned() }).collect()
}

/// Why a received series' labels were refused. The text names the series.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error("series {series}: no metric name (__name__)")]
    NoMetricName { series: String },
    #[error("series {series}: empty label name")]
    EmptyName { series: String },
    #[error("series {series}: duplicate label name {name:?}")]
    Duplicate { series: String, name: String },
}

/// The label set of a received series, checked as upstream's receiver checks it: a metric
/// name, no empty names, no repeated names (UTF-8 is guaranteed by protobuf's string type).
/// Labels with empty values are dropped, since Prometheus treats them as absent. Unsorted
/// input is accepted and sorted.
pub fn series_labels(ts: &TimeSeries) -> Result<Labels, LabelError> {
    let mut pairs: Vec<ModelLabel<'_>> =
        ts.labels.iter().map(|l| ModelLabel::new(&l.name, &l.value)).collect();
    pairs.sort_by(|a, b| a.name.cmp(b.name));
    let describe = || describe(&pairs);
    for w in pairs.windows(2) {
        if w[0].name == w[1].name {
            return Err(LabelError::Duplicate { series: describe(), name: w[0].name.to_owned() });
        }
    }
    if pairs.iter().any(|l| l.name.is_empty()) {
        return Err(LabelError::EmptyName { series: describe() });
    }
    if !pairs.iter().any(|l| l.name == METRIC_NAME && !l.value.is_empty()) {
        return Err(LabelError::NoMetricName { series: describe() });
    }
    Ok(pairs.into_iter().filter(|l| !l.value.is_empty()).collect())
}

/// `{a="1", b="2"}` for error texts, keeping repeated names visible.
fn describe(pairs: &[ModelLabel<'_>]) -> String {
    let mut out = String::from("{");
    for (i, l) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(l.name);
        out.push('=');
        out.push_str(&format!("{:?}", l.value));
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Sample;

    fn series(pairs: &[(&str, &str)]) -> TimeSeries {
        TimeSeries {
            labels: pairs
                .iter()
                .map(|(n, v)| Label { name: (*n).into(), value: (*v).into() })
                .collect(),
            samples: vec![Sample { value: 1.5, timestamp: 1000 }],
            ..Default::default()
        }
    }

    #[test]
    fn round_trip() {
        let req = WriteRequest {
            timeseries: vec![
                series(&[("__name__", "up"), ("job", "a")]),
                TimeSeries {
                    samples: vec![
                        Sample { value: model::storage::stale_nan(), timestamp: 5 },
                        Sample { value: -0.0, timestamp: i64::MIN },
                    ],
                    ..series(&[("__name__", "x")])
                },
            ],
            metadata: vec![crate::proto::MetricMetadata {
                r#type: crate::proto::MetricType::Counter as i32,
                metric_family_name: "x".into(),
                help: "h".into(),
                unit: String::new(),
            }],
        };
        let body = encode(&req);
        let back = decode(&body, 1 << 20).unwrap();
        assert_eq!(back.timeseries.len(), 2);
        assert_eq!(back.metadata, req.metadata);
        assert!(model::storage::is_stale_nan(back.timeseries[1].samples[0].value));
        assert_eq!(back.timeseries[1].samples[1].timestamp, i64::MIN);
        assert_eq!(back.timeseries[0], req.timeseries[0]);
    }

    #[test]
    fn garbage_is_a_snappy_error() {
        let err = decode(b"\xff\xff\xff\xff\xff\xff", 1 << 20).unwrap_err();
        assert!(err.to_string().starts_with("snappy: "), "{err}");
    }

    #[test]
    fn valid_snappy_of_garbage_is_a_proto_error() {
        let body = snap::raw::Encoder::new().compress_vec(b"\x0a\xff\xff\xff").unwrap();
        let err = decode(&body, 1 << 20).unwrap_err();
        assert!(err.to_string().starts_with("proto: "), "{err}");
    }

    #[test]
    fn decoded_size_is_capped_before_allocating() {
        let body = encode(&WriteRequest {
            timeseries: vec![series(&[("__name__", "a")]); 100],
            ..Default::default()
        });
        assert!(matches!(decode(&body, 64), Err(DecodeError::TooLarge { limit: 64, .. })));
    }

    #[test]
    fn label_rules() {
        let ok =
            series_labels(&series(&[("job", "a"), ("__name__", "up"), ("empty", "")])).unwrap();
        assert_eq!(ok, Labels::from_pairs([("__name__", "up"), ("job", "a")]));
        let err = series_labels(&series(&[("job", "a")])).unwrap_err();
        assert_eq!(err.to_string(), r#"series {job="a"}: no metric name (__name__)"#);
        let err =
            series_labels(&series(&[("__name__", "up"), ("a", "1"), ("a", "2")])).unwrap_err();
        assert!(err.to_string().contains(r#"duplicate label name "a""#), "{err}");
        assert!(matches!(
            series_labels(&series(&[("__name__", "up"), ("", "1")])),
            Err(LabelError::EmptyName { .. })
        ));
    }
}

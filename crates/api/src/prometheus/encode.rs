//! Query results as Prometheus writes them: `{"resultType":..,"result":..}` with samples as
//! `[<time>, "<value>"]` and native histograms as `{"count","sum","buckets"}`.

use model::histogram::FloatHistogram;
use model::labels::Labels;
use promql::Value;
use promql::value::{FPoint, HPoint, Sample, Series};

use super::json::{go_format_f, write_go_float, write_sample_time, write_sample_value, write_str};
use super::response::Pieces;

/// Writes the `data` member of a query response, in pieces of bounded size (see
/// [`Pieces`]): a new piece may start after each sample or series.
pub fn write_query_data(pieces: &mut Pieces, value: &Value) {
    let out = &mut pieces.cur;
    out.push_str(r#"{"resultType":"#);
    write_str(out, value.value_type().as_str());
    out.push_str(r#","result":"#);
    match value {
        Value::Scalar { t, f } => {
            // `promql.Scalar` marshals through encoding/json: a plain float time and the
            // value in 'f' notation.
            out.push('[');
            write_go_float(out, *t as f64 / 1000.0);
            out.push(',');
            write_str(out, &go_format_f(*f));
            out.push(']');
        }
        Value::String { t, s } => {
            out.push('[');
            write_go_float(out, *t as f64 / 1000.0);
            out.push(',');
            write_str(out, s);
            out.push(']');
        }
        Value::Vector(v) => {
            out.push('[');
            for (i, s) in v.iter().enumerate() {
                if i > 0 {
                    pieces.cur.push(',');
                }
                write_sample(&mut pieces.cur, s);
                pieces.maybe_flush();
            }
            pieces.cur.push(']');
        }
        Value::Matrix(m) => {
            out.push('[');
            for (i, s) in m.iter().enumerate() {
                if i > 0 {
                    pieces.cur.push(',');
                }
                write_series(&mut pieces.cur, s);
                pieces.maybe_flush();
            }
            pieces.cur.push(']');
        }
    }
    pieces.cur.push('}');
}

/// A label set as a JSON object in label order.
pub fn write_labels(out: &mut String, labels: &Labels) {
    out.push('{');
    for (i, l) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(out, l.name);
        out.push(':');
        write_str(out, l.value);
    }
    out.push('}');
}

fn write_sample(out: &mut String, s: &Sample) {
    out.push_str(r#"{"metric":"#);
    write_labels(out, &s.metric);
    match &s.h {
        None => {
            out.push_str(r#","value":["#);
            write_sample_time(out, s.t);
            out.push(',');
            write_sample_value(out, s.f);
        }
        Some(h) => {
            out.push_str(r#","histogram":["#);
            write_sample_time(out, s.t);
            out.push(',');
            write_histogram(out, h);
        }
    }
    out.push_str("]}");
}

fn write_series(out: &mut String, s: &Series) {
    out.push_str(r#"{"metric":"#);
    write_labels(out, &s.metric);
    if !s.floats.is_empty() {
        out.push_str(r#","values":["#);
        for (i, p) in s.floats.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_fpoint(out, p);
        }
        out.push(']');
    }
    if !s.histograms.is_empty() {
        out.push_str(r#","histograms":["#);
        for (i, p) in s.histograms.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_hpoint(out, p);
        }
        out.push(']');
    }
    out.push('}');
}

fn write_fpoint(out: &mut String, p: &FPoint) {
    out.push('[');
    write_sample_time(out, p.t);
    out.push(',');
    write_sample_value(out, p.f);
    out.push(']');
}

fn write_hpoint(out: &mut String, p: &HPoint) {
    out.push('[');
    write_sample_time(out, p.t);
    out.push(',');
    write_histogram(out, &p.h);
    out.push(']');
}

/// One bucket of a histogram as the API shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bucket {
    lower: f64,
    upper: f64,
    lower_inclusive: bool,
    upper_inclusive: bool,
    count: f64,
}

/// Schema of histograms with custom bucket bounds (`custom_values`).
const CUSTOM_BUCKETS_SCHEMA: i32 = -53;

/// The upper bound of exponential bucket `idx` at `schema`.
fn exp_bound(idx: i32, schema: i32) -> f64 {
    if schema <= 0 {
        // Bounds are exact powers of two.
        let exp = i64::from(idx) << (-schema).min(62);
        2f64.powi(exp.clamp(-1100, 1100) as i32)
    } else {
        2f64.powf(f64::from(idx) / f64::from(1u32 << schema.min(30)))
    }
}

/// Indices and counts of the buckets described by spans.
fn span_buckets<'a>(
    spans: &'a [model::histogram::Span],
    counts: &'a [f64],
) -> impl Iterator<Item = (i32, f64)> + 'a {
    let mut idx = 0i32;
    let mut n = 0usize;
    spans.iter().enumerate().flat_map(move |(si, span)| {
        idx = if si == 0 { span.offset } else { idx.saturating_add(span.offset) };
        let start = idx;
        let first = n;
        idx = idx.saturating_add(span.length as i32);
        n += span.length as usize;
        (0..span.length as usize)
            .filter_map(move |k| counts.get(first + k).map(|c| (start + k as i32, *c)))
    })
}

/// Buckets in upstream's order: negative (most negative first), zero, positive.
fn buckets(h: &FloatHistogram) -> Vec<Bucket> {
    let mut out = Vec::new();
    if h.schema == CUSTOM_BUCKETS_SCHEMA {
        for (idx, count) in span_buckets(&h.positive_spans, &h.positive_buckets) {
            let i = usize::try_from(idx).unwrap_or(0);
            let upper = h.custom_values.get(i).copied().unwrap_or(f64::INFINITY);
            let lower = if i == 0 {
                f64::NEG_INFINITY
            } else {
                h.custom_values.get(i - 1).copied().unwrap_or(f64::INFINITY)
            };
            out.push(Bucket { lower, upper, lower_inclusive: false, upper_inclusive: true, count });
        }
        return out;
    }
    let negative: Vec<(i32, f64)> = span_buckets(&h.negative_spans, &h.negative_buckets).collect();
    for (idx, count) in negative.into_iter().rev() {
        out.push(Bucket {
            lower: -exp_bound(idx, h.schema),
            upper: -exp_bound(idx - 1, h.schema),
            lower_inclusive: true,
            upper_inclusive: false,
            count,
        });
    }
    if h.zero_threshold != 0.0 || h.zero_count != 0.0 {
        out.push(Bucket {
            lower: -h.zero_threshold,
            upper: h.zero_threshold,
            lower_inclusive: true,
            upper_inclusive: true,
            count: h.zero_count,
        });
    }
    for (idx, count) in span_buckets(&h.positive_spans, &h.positive_buckets) {
        out.push(Bucket {
            lower: exp_bound(idx - 1, h.schema),
            upper: exp_bound(idx, h.schema),
            lower_inclusive: false,
            upper_inclusive: true,
            count,
        });
    }
    out
}

/// `{"count":"..","sum":"..","buckets":[[rule,"lo","hi","count"],...]}`; empty buckets left out.
pub fn write_histogram(out: &mut String, h: &FloatHistogram) {
    out.push_str(r#"{"count":"#);
    write_sample_value(out, h.count);
    out.push_str(r#","sum":"#);
    write_sample_value(out, h.sum);
    let mut first = true;
    for b in buckets(h).into_iter().filter(|b| b.count != 0.0) {
        out.push_str(if first { r#","buckets":["# } else { "," });
        first = false;
        let rule = match (b.lower_inclusive, b.upper_inclusive) {
            (false, true) => 0,
            (true, false) => 1,
            (false, false) => 2,
            (true, true) => 3,
        };
        out.push('[');
        out.push_str(if rule == 0 {
            "0"
        } else if rule == 1 {
            "1"
        } else if rule == 2 {
            "2"
        } else {
            "3"
        });
        for v in [b.lower, b.upper, b.count] {
            out.push(',');
            write_sample_value(out, v);
        }
        out.push(']');
    }
    if !first {
        out.push(']');
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::histogram::Span;

    fn data(v: &Value) -> String {
        let mut p = Pieces::empty();
        write_query_data(&mut p, v);
        p.concat()
    }

    #[test]
    fn scalars_and_strings_use_go_json_floats() {
        assert_eq!(
            data(&Value::Scalar { t: 1100, f: 1e-7 }),
            r#"{"resultType":"scalar","result":[1.1,"0.0000001"]}"#
        );
        assert_eq!(
            data(&Value::String { t: 2000, s: "a<b".into() }),
            r#"{"resultType":"string","result":[2,"a\u003cb"]}"#
        );
    }

    #[test]
    fn vectors_and_matrices() {
        let metric = Labels::from_pairs([("__name__", "up"), ("job", "x")]);
        let v = Value::Vector(vec![Sample {
            metric: metric.clone(),
            t: 1500,
            f: 0.5,
            h: None,
            drop_name: false,
        }]);
        assert_eq!(
            data(&v),
            r#"{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"x"},"value":[1.500,"0.5"]}]}"#
        );
        let m = Value::Matrix(vec![Series {
            metric,
            floats: vec![FPoint { t: 0, f: f64::INFINITY }, FPoint { t: 15_000, f: 1e21 }],
            histograms: Vec::new(),
            drop_name: false,
        }]);
        assert_eq!(
            data(&m),
            r#"{"resultType":"matrix","result":[{"metric":{"__name__":"up","job":"x"},"values":[[0,"+Inf"],[15,"1e+21"]]}]}"#
        );
        assert_eq!(data(&Value::Vector(Vec::new())), r#"{"resultType":"vector","result":[]}"#);
    }

    #[test]
    fn histograms_list_non_empty_buckets() {
        // Schema 0: bucket i covers (2^(i-1), 2^i].
        let h = FloatHistogram {
            schema: 0,
            zero_threshold: 0.001,
            zero_count: 2.0,
            count: 7.0,
            sum: 12.5,
            positive_spans: vec![Span { offset: 1, length: 2 }],
            positive_buckets: vec![3.0, 0.0],
            negative_spans: vec![Span { offset: 0, length: 1 }],
            negative_buckets: vec![2.0],
            ..Default::default()
        };
        let mut s = String::new();
        write_histogram(&mut s, &h);
        assert_eq!(
            s,
            r#"{"count":"7","sum":"12.5","buckets":[[1,"-1","-0.5","2"],[3,"-0.001","0.001","2"],[0,"1","2","3"]]}"#
        );
    }
}

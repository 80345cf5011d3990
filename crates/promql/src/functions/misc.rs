//! Conversions (`scalar`, `vector`), constants (`pi`), sorting (`sort`, `sort_desc`,
//! `sort_by_label`, `sort_by_label_desc`), `absent`, the scalar helpers `min_of`/`max_of` and
//! `double_exponential_smoothing`.

use std::cmp::Ordering;

use model::labels::{Labels, LabelsBuilder, METRIC_NAME};
use model::matcher::MatchOp;

use super::util::{go_fmt_f, go_max, go_min, sample, scalar_arg, string_arg, vector_arg};
use super::{StepCall, StepOutput, Window};
use crate::ast::Expr;
use crate::engine::QueryError;
use crate::value::{Annotations, Sample};

type Out = Result<StepOutput, QueryError>;

/// `scalar(v)`: the value of the only float sample, NaN unless there is exactly one.
pub(super) fn scalar(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    let input = vector_arg(call, "scalar", 0)?;
    let mut floats = input.iter().filter(|s| s.h.is_none());
    let v = match (floats.next(), floats.next()) {
        (Some(s), None) => s.f,
        _ => f64::NAN,
    };
    Ok(StepOutput::Scalar(v))
}

/// `vector(s)`: one sample without labels.
pub(super) fn vector(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    let v = scalar_arg(call, "vector", 0)?;
    Ok(StepOutput::Vector(vec![sample(Labels::empty(), call.t, v, false)]))
}

pub(super) fn pi(_: &StepCall<'_>, _: &mut Annotations) -> Out {
    Ok(StepOutput::Scalar(std::f64::consts::PI))
}

pub(super) fn min_of(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    Ok(StepOutput::Scalar(go_min(scalar_arg(call, "min_of", 0)?, scalar_arg(call, "min_of", 1)?)))
}

pub(super) fn max_of(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    Ok(StepOutput::Scalar(go_max(scalar_arg(call, "max_of", 0)?, scalar_arg(call, "max_of", 1)?)))
}

/// Orders by value, NaN last whichever the direction.
fn by_value(a: f64, b: f64, descending: bool) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let o = a.partial_cmp(&b).unwrap_or(Ordering::Equal);
            if descending { o.reverse() } else { o }
        }
    }
}

fn sort_by_value(call: &StepCall<'_>, name: &str, descending: bool) -> Out {
    let input = vector_arg(call, name, 0)?;
    let mut out: Vec<Sample> = input.iter().filter(|s| s.h.is_none()).cloned().collect();
    out.sort_by(|a, b| by_value(a.f, b.f, descending));
    Ok(StepOutput::Vector(out))
}

/// `sort(v)`: ascending, NaN last; histograms are dropped.
pub(super) fn sort(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    sort_by_value(call, "sort", false)
}

/// `sort_desc(v)`: descending, NaN last; histograms are dropped.
pub(super) fn sort_desc(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    sort_by_value(call, "sort_desc", true)
}

fn sort_by_labels(call: &StepCall<'_>, name: &str, descending: bool) -> Out {
    let input = vector_arg(call, name, 0)?;
    let mut names = Vec::with_capacity(call.args.len().saturating_sub(1));
    for i in 1..call.args.len() {
        names.push(string_arg(call, name, i)?);
    }
    let mut out = input.to_vec();
    out.sort_by(|a, b| {
        let o = names
            .iter()
            .map(|l| natural_cmp(a.metric.get_or_empty(l), b.metric.get_or_empty(l)))
            .find(|o| o.is_ne())
            // Equal on every listed label: the whole label sets decide, for a stable order.
            .unwrap_or_else(|| a.metric.cmp(&b.metric));
        if descending { o.reverse() } else { o }
    });
    Ok(StepOutput::Vector(out))
}

/// `sort_by_label(v, label...)`: ascending natural order of the labels' values.
pub(super) fn sort_by_label(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    sort_by_labels(call, "sort_by_label", false)
}

/// `sort_by_label_desc(v, label...)`: descending natural order of the labels' values.
pub(super) fn sort_by_label_desc(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    sort_by_labels(call, "sort_by_label_desc", true)
}

/// Splits `s` into runs of ASCII digits and runs of anything else.
fn chunks(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.as_bytes().first()?;
        let digits = first.is_ascii_digit();
        let end = rest.bytes().position(|b| b.is_ascii_digit() != digits).unwrap_or(rest.len());
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        Some(chunk)
    })
}

/// Compares two runs of digits by their numeric value, however long.
fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Natural order as Prometheus' `sort_by_label` uses it (the `natsort` package): strings
/// compared run by run, digit runs by numeric value, other runs byte-wise, a string that
/// runs out first sorting first. Where that package has no answer (values such as `01` and
/// `1`, or an empty value) plain byte order decides, so the order is total.
pub(crate) fn natural_cmp(a: &str, b: &str) -> Ordering {
    let mut ca = chunks(a);
    let mut cb = chunks(b);
    loop {
        match (ca.next(), cb.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let both_digits =
                    x.as_bytes()[0].is_ascii_digit() && y.as_bytes()[0].is_ascii_digit();
                let o = if both_digits { cmp_digits(x, y) } else { x.cmp(y) };
                if o.is_ne() {
                    return o;
                }
            }
        }
    }
}

/// `absent(v)`: nothing when `v` has samples; otherwise one sample of value 1 whose labels
/// come from the equality matchers of a selector argument (a label matched more than once,
/// or also by another kind of matcher, is left out).
pub(super) fn absent(call: &StepCall<'_>, _: &mut Annotations) -> Out {
    let input = vector_arg(call, "absent", 0)?;
    if !input.is_empty() {
        return Ok(StepOutput::Vector(Vec::new()));
    }
    let metric = match call.exprs.first() {
        Some(Expr::VectorSelector(vs)) => absent_labels(&vs.matchers),
        Some(Expr::MatrixSelector(ms)) => absent_labels(&ms.selector.matchers),
        _ => Labels::empty(),
    };
    Ok(StepOutput::Vector(vec![sample(metric, call.t, 1.0, false)]))
}

fn absent_labels(matchers: &[model::matcher::Matcher]) -> Labels {
    let mut b = LabelsBuilder::new(Labels::empty());
    let mut seen: Vec<&str> = Vec::new();
    for m in matchers {
        if m.name() == METRIC_NAME {
            continue;
        }
        if m.op() == MatchOp::Equal && !seen.contains(&m.name()) {
            b.set(m.name(), m.value());
            seen.push(m.name());
        } else {
            b.del(m.name());
        }
    }
    b.labels()
}

/// `double_exponential_smoothing(m, sf, tf)` (Holt's linear method): the smoothed value at
/// the last sample. Both factors must lie strictly between 0 and 1; needs two samples.
pub(super) fn double_exponential_smoothing(
    w: &Window<'_>,
    _: &mut Annotations,
) -> Result<Option<f64>, QueryError> {
    let (Some(&sf), Some(&tf)) = (w.params.first(), w.params.get(1)) else {
        return Ok(None);
    };
    // Written as Prometheus checks them, so a NaN factor passes (and gives NaN).
    if sf <= 0.0 || sf >= 1.0 {
        return Err(QueryError::Execution(format!(
            "invalid smoothing factor. Expected: 0 < sf < 1, got: {}",
            go_fmt_f(sf)
        )));
    }
    if tf <= 0.0 || tf >= 1.0 {
        return Err(QueryError::Execution(format!(
            "invalid trend factor. Expected: 0 < tf < 1, got: {}",
            go_fmt_f(tf)
        )));
    }
    let fs = w.floats;
    if fs.len() < 2 {
        return Ok(None);
    }
    let (mut s0, mut s1) = (0.0, fs[0].f);
    let mut trend = fs[1].f - fs[0].f;
    for (i, p) in fs.iter().enumerate().skip(1) {
        let x = sf * p.f;
        // The first step keeps the initial trend; later ones blend in the last change.
        if i > 1 {
            trend = tf * (s1 - s0) + (1.0 - tf) * trend;
        }
        let y = (1.0 - sf) * (s1 + trend);
        (s0, s1) = (s1, x + y);
    }
    Ok(Some(s1))
}

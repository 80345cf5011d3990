//! Aggregations of each series over its window: `*_over_time`, and the experimental
//! `mad_over_time` and `ts_of_*_over_time`.

use super::Window;
use super::util::{annot, kahan_inc};
use crate::engine::QueryError;
use crate::stats::quantile as quantile_of;
use crate::value::{Anchor, Annotations, FPoint};

type Out = Result<Option<f64>, QueryError>;

/// The window's floats, or `None` (no output) when there are none.
fn floats<'a>(w: &Window<'a>) -> Option<&'a [FPoint]> {
    if w.floats.is_empty() { None } else { Some(w.floats) }
}

/// The mean with Kahan summation of the plain sum, switching to an incremental mean only
/// once the sum would overflow (direct summation is the more accurate of the two).
pub(super) fn avg(w: &Window<'_>, _: &mut Annotations) -> Out {
    let Some(fs) = floats(w) else { return Ok(None) };
    let mut sum = fs[0].f;
    let mut count = 1.0;
    let (mut mean, mut c) = (0.0, 0.0);
    let mut incremental = false;
    for (i, p) in fs[1..].iter().enumerate() {
        count = (i + 2) as f64;
        if !incremental {
            let (new_sum, new_c) = kahan_inc(p.f, sum, c);
            if !new_sum.is_infinite() {
                (sum, c) = (new_sum, new_c);
                continue;
            }
            incremental = true;
            mean = sum / (count - 1.0);
            c /= count - 1.0;
        }
        let q = (count - 1.0) / count;
        (mean, c) = kahan_inc(p.f / count, q * mean, q * c);
    }
    if incremental {
        return Ok(Some(mean + c));
    }
    Ok(Some(sum / count + c / count))
}

pub(super) fn sum(w: &Window<'_>, _: &mut Annotations) -> Out {
    let Some(fs) = floats(w) else { return Ok(None) };
    let (mut sum, mut c) = (0.0, 0.0);
    for p in fs {
        (sum, c) = kahan_inc(p.f, sum, c);
    }
    if sum.is_infinite() {
        return Ok(Some(sum));
    }
    Ok(Some(sum + c))
}

pub(super) fn count(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(floats(w).map(|fs| fs.len() as f64))
}

pub(super) fn min(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(floats(w).map(|fs| extreme(fs, |cur, best| cur < best).f))
}

pub(super) fn max(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(floats(w).map(|fs| extreme(fs, |cur, best| cur > best).f))
}

pub(super) fn ts_of_min(w: &Window<'_>, _: &mut Annotations) -> Out {
    // `<=`: the last of equal minimums.
    Ok(floats(w).map(|fs| extreme(fs, |cur, best| cur <= best).t as f64 / 1000.0))
}

pub(super) fn ts_of_max(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(floats(w).map(|fs| extreme(fs, |cur, best| cur >= best).t as f64 / 1000.0))
}

/// The sample `better` prefers, scanning in time order; a NaN is replaced by whatever
/// follows, so NaN only wins when every value is NaN.
fn extreme(fs: &[FPoint], better: impl Fn(f64, f64) -> bool) -> FPoint {
    let mut best = fs[0];
    for p in fs {
        if better(p.f, best.f) || best.f.is_nan() {
            best = *p;
        }
    }
    best
}

pub(super) fn quantile(w: &Window<'_>, annos: &mut Annotations) -> Out {
    let Some(&q) = w.params.first() else { return Ok(None) };
    let Some(fs) = floats(w) else { return Ok(None) };
    if q.is_nan() || !(0.0..=1.0).contains(&q) {
        annos.warn_at(annot::invalid_quantile(q), Anchor::Arg(0));
    }
    let mut values: Vec<f64> = fs.iter().map(|p| p.f).collect();
    Ok(Some(quantile_of(q, &mut values)))
}

pub(super) fn stddev(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(floats(w).map(|fs| variance(fs).sqrt()))
}

pub(super) fn stdvar(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(floats(w).map(variance))
}

/// Population variance by Welford's method with Kahan-compensated running sums.
fn variance(fs: &[FPoint]) -> f64 {
    let mut count = 0.0;
    let (mut mean, mut c_mean) = (0.0, 0.0);
    let (mut aux, mut c_aux) = (0.0, 0.0);
    for p in fs {
        count += 1.0;
        let delta = p.f - (mean + c_mean);
        (mean, c_mean) = kahan_inc(delta / count, mean, c_mean);
        (aux, c_aux) = kahan_inc(delta * (p.f - (mean + c_mean)), aux, c_aux);
    }
    (aux + c_aux) / count
}

pub(super) fn last(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(w.floats.last().map(|p| p.f))
}

pub(super) fn first(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(w.floats.first().map(|p| p.f))
}

pub(super) fn ts_of_last(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(w.floats.last().map(|p| p.t as f64 / 1000.0))
}

pub(super) fn ts_of_first(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(w.floats.first().map(|p| p.t as f64 / 1000.0))
}

pub(super) fn present(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(floats(w).map(|_| 1.0))
}

/// Median absolute deviation from the median; any NaN makes it NaN.
pub(super) fn mad(w: &Window<'_>, _: &mut Annotations) -> Out {
    let Some(fs) = floats(w) else { return Ok(None) };
    if fs.iter().any(|p| p.f.is_nan()) {
        return Ok(Some(f64::NAN));
    }
    let mut values: Vec<f64> = fs.iter().map(|p| p.f).collect();
    let median = quantile_of(0.5, &mut values);
    for v in &mut values {
        *v = (*v - median).abs();
    }
    Ok(Some(quantile_of(0.5, &mut values)))
}

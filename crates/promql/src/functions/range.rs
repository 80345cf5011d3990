//! Rates and counters over a range vector: `rate`, `increase`, `delta` (extrapolated to the
//! window's edges), `irate`, `idelta` (last two samples), `deriv`, `predict_linear` (least
//! squares), `changes` and `resets`.

use super::Window;
use super::util::kahan_inc;
use crate::engine::QueryError;
use crate::value::{Annotations, FPoint};

type Out = Result<Option<f64>, QueryError>;

/// `rate(m)`. The engine adds the "might not be a counter" info, which depends on whether a
/// series gave any output at all.
pub(super) fn rate(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(extrapolated_rate(w, true, true))
}

pub(super) fn increase(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(extrapolated_rate(w, true, false))
}

pub(super) fn delta(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(extrapolated_rate(w, false, false))
}

pub(super) fn irate(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(instant_value(w.floats, true))
}

pub(super) fn idelta(w: &Window<'_>, _: &mut Annotations) -> Out {
    Ok(instant_value(w.floats, false))
}

pub(super) fn deriv(w: &Window<'_>, _: &mut Annotations) -> Out {
    if w.floats.len() < 2 {
        return Ok(None);
    }
    // The intercept is taken at the first sample, which keeps the x values small.
    let (slope, _) = linear_regression(w.floats, w.floats[0].t);
    Ok(Some(slope))
}

pub(super) fn predict_linear(w: &Window<'_>, _: &mut Annotations) -> Out {
    let Some(&duration) = w.params.first() else {
        return Ok(None);
    };
    if w.floats.len() < 2 {
        return Ok(None);
    }
    let (slope, intercept) = linear_regression(w.floats, w.t);
    Ok(Some(slope * duration + intercept))
}

pub(super) fn changes(w: &Window<'_>, _: &mut Annotations) -> Out {
    if w.floats.is_empty() {
        return Ok(None);
    }
    let n = w
        .floats
        .windows(2)
        .filter(|p| p[1].f != p[0].f && !(p[1].f.is_nan() && p[0].f.is_nan()))
        .count();
    Ok(Some(n as f64))
}

pub(super) fn resets(w: &Window<'_>, _: &mut Annotations) -> Out {
    if w.floats.is_empty() {
        return Ok(None);
    }
    let n = w.floats.windows(2).filter(|p| p[1].f < p[0].f).count();
    Ok(Some(n as f64))
}

/// A duration in ms as Go's `time.Duration.Seconds()` computes it (whole seconds plus the
/// fraction, so the result is bit-for-bit Go's).
fn seconds(ms: i64) -> f64 {
    (ms / 1000) as f64 + ((ms % 1000) * 1_000_000) as f64 / 1e9
}

/// `rate`, `increase` and `delta`: the change over the samples, with counter resets added
/// back for counters, extrapolated towards the window's edges (at most half an average
/// sample interval past a sample when it stops short of an edge, and never below zero for
/// counters).
fn extrapolated_rate(w: &Window<'_>, is_counter: bool, is_rate: bool) -> Option<f64> {
    let floats = w.floats;
    if floats.len() < 2 {
        return None;
    }
    let first = floats[0];
    let last = floats[floats.len() - 1];
    let mut result = last.f - first.f;
    if is_counter {
        for p in floats.windows(2) {
            if p[1].f < p[0].f {
                result += p[0].f;
            }
        }
    }

    let mut to_start = (first.t - w.range_start) as f64 / 1000.0;
    let mut to_end = (w.range_end - last.t) as f64 / 1000.0;
    let sampled = (last.t - first.t) as f64 / 1000.0;
    let avg_step = sampled / (floats.len() - 1) as f64;
    let threshold = avg_step * 1.1;

    if to_start >= threshold {
        to_start = avg_step / 2.0;
    }
    if is_counter {
        // A counter cannot go below zero: stop extrapolating where the line through the
        // samples would reach it.
        let mut to_zero = to_start;
        if result > 0.0 && first.f >= 0.0 {
            to_zero = sampled * (first.f / result);
        }
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = avg_step / 2.0;
    }

    let mut factor = if sampled != 0.0 { (sampled + to_start + to_end) / sampled } else { 1.0 };
    if is_rate {
        factor /= seconds(w.range_end - w.range_start);
    }
    Some(result * factor)
}

/// `irate` and `idelta`: the difference of the last two samples (for `irate` the last value
/// alone after a counter reset), per second for `irate`.
fn instant_value(floats: &[FPoint], is_rate: bool) -> Option<f64> {
    if floats.len() < 2 {
        return None;
    }
    let prev = floats[floats.len() - 2];
    let last = floats[floats.len() - 1];
    let interval = last.t - prev.t;
    if interval == 0 {
        return None;
    }
    // After a counter reset `irate` takes the last value as the increase (a NaN is no reset).
    let reset = is_rate && last.f < prev.f;
    let mut result = if reset { last.f } else { last.f - prev.f };
    if is_rate {
        result /= interval as f64 / 1000.0;
    }
    Some(result)
}

/// Least-squares fit of the samples (x in seconds relative to `intercept_time`), with Kahan
/// summation. A constant series has slope 0, or NaN when the constant is infinite.
pub(crate) fn linear_regression(samples: &[FPoint], intercept_time: i64) -> (f64, f64) {
    let mut n = 0.0;
    let (mut sum_x, mut c_x) = (0.0, 0.0);
    let (mut sum_y, mut c_y) = (0.0, 0.0);
    let (mut sum_xy, mut c_xy) = (0.0, 0.0);
    let (mut sum_x2, mut c_x2) = (0.0, 0.0);
    let init_y = samples.first().map_or(0.0, |s| s.f);
    let mut const_y = true;
    for (i, s) in samples.iter().enumerate() {
        // NaN != NaN, so a NaN makes the series non-constant, as in Prometheus.
        if const_y && i > 0 && s.f != init_y {
            const_y = false;
        }
        n += 1.0;
        let x = (s.t - intercept_time) as f64 / 1e3;
        (sum_x, c_x) = kahan_inc(x, sum_x, c_x);
        (sum_y, c_y) = kahan_inc(s.f, sum_y, c_y);
        (sum_xy, c_xy) = kahan_inc(x * s.f, sum_xy, c_xy);
        (sum_x2, c_x2) = kahan_inc(x * x, sum_x2, c_x2);
    }
    if const_y {
        if init_y.is_infinite() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, init_y);
    }
    sum_x += c_x;
    sum_y += c_y;
    sum_xy += c_xy;
    sum_x2 += c_x2;

    let cov_xy = sum_xy - sum_x * sum_y / n;
    let var_x = sum_x2 - sum_x * sum_x / n;
    let slope = cov_xy / var_x;
    let intercept = sum_y / n - slope * sum_x / n;
    (slope, intercept)
}

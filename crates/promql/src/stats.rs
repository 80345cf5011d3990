//! Float statistics shared by aggregations and `*_over_time` functions, computed step for step
//! as Prometheus computes them so that results round the same way.

use std::cmp::Ordering;

use model::storage::is_stale_nan;

/// Linear interpolation between the two values around rank φ·(n−1) of the sorted values,
/// NaN sorting first. φ < 0 gives −Inf, φ > 1 +Inf, NaN φ or no values NaN. Reorders `values`.
pub(crate) fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    let n = values.len();
    let rank = q * (n - 1) as f64;
    let lower = rank.floor().max(0.0) as usize;
    let weight = rank - rank.floor();
    // Two order statistics, without sorting everything.
    let (_, &mut low, rest) = values.select_nth_unstable_by(lower, nan_first);
    let high =
        if lower + 1 < n { rest.iter().copied().min_by(nan_first).unwrap_or(low) } else { low };
    low * (1.0 - weight) + high * weight
}

/// Ascending, NaN before every number (Prometheus treats NaN as the smallest value here).
fn nan_first(a: &f64, b: &f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

/// Neumaier-compensated addition, as Prometheus' `kahansum.Inc`: adds `inc` to `sum` with compensation `c`; returns the new sum and compensation. The
/// compensation is reset once the sum overflows, so `Inf + c` stays `Inf`.
#[inline]
pub(crate) fn kahan_inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
    let t = sum + inc;
    let c = if t.is_infinite() {
        0.0
    } else if sum.abs() >= inc.abs() {
        c + ((sum - t) + inc)
    } else {
        c + ((inc - t) + sum)
    };
    (t, c)
}

/// The smallest positive normal `f64`.
const MIN_NORMAL: f64 = f64::MIN_POSITIVE;

/// Whether `a` and `b` are equal within relative error `epsilon`: both StaleNaN, both another
/// NaN, or `|a-b| / min(|a|+|b|, MaxFloat) < epsilon` (absolute `epsilon * MinNormal` near 0).
pub fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    if is_stale_nan(a) || is_stale_nan(b) {
        return is_stale_nan(a) && is_stale_nan(b);
    }
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < MIN_NORMAL {
        return diff < epsilon * MIN_NORMAL;
    }
    diff / abs_sum.min(f64::MAX) < epsilon
}

#[cfg(test)]
mod tests {
    use super::{kahan_inc, quantile};

    #[test]
    fn compensation_recovers_absorbed_terms() {
        // 1e100 absorbs 2 and 8 in plain addition; the compensation keeps them.
        let (mut s, mut c) = (2.0, 0.0);
        for x in [8.0, 1e100, -1e100] {
            (s, c) = kahan_inc(x, s, c);
        }
        assert_eq!(s + c, 10.0);
    }

    #[test]
    fn overflow_drops_compensation() {
        let (s, c) = kahan_inc(f64::MAX, f64::MAX, 1.0);
        assert_eq!((s, c), (f64::INFINITY, 0.0));
    }

    #[test]
    fn interpolates_between_order_statistics_of_unsorted_values() {
        // 0..=100 in a scrambled order: the value at rank r is r itself.
        let mut values: Vec<f64> = (0..=100).map(|i| f64::from((i * 37) % 101)).collect();
        for (q, want) in [(0.0, 0.0), (0.5, 50.0), (0.3663, 36.63), (0.999, 99.9), (1.0, 100.0)] {
            let got = quantile(q, &mut values);
            assert!((got - want).abs() < 1e-9, "{q}: {got}");
        }
    }

    #[test]
    fn edges() {
        assert!(quantile(0.5, &mut []).is_nan());
        assert!(quantile(f64::NAN, &mut [1.0]).is_nan());
        assert_eq!(quantile(-0.1, &mut [1.0]), f64::NEG_INFINITY);
        assert_eq!(quantile(1.1, &mut [1.0]), f64::INFINITY);
        assert_eq!(quantile(0.7, &mut [5.0]), 5.0);
        // NaN is the smallest: the upper half does not see it.
        assert_eq!(quantile(0.75, &mut [3.0, f64::NAN, 1.0]), 2.0);
        assert!(quantile(0.25, &mut [3.0, f64::NAN, 1.0]).is_nan());
    }
}

//! The φ-quantile of a set of floats, as Prometheus' `quantile` aggregation computes it.

use std::cmp::Ordering;

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

#[cfg(test)]
mod tests {
    use super::quantile;

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

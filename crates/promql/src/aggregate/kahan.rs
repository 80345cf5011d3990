//! Neumaier-compensated addition, step for step as Prometheus' `kahansum.Inc`, so that `sum`
//! and `avg` round the way Prometheus does.

/// Adds `inc` to `sum` with compensation `c`; returns the new sum and compensation. The
/// compensation is reset once the sum overflows, so `Inf + c` stays `Inf`.
#[inline]
pub(crate) fn inc(inc: f64, sum: f64, c: f64) -> (f64, f64) {
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

#[cfg(test)]
mod tests {
    use super::inc;

    #[test]
    fn compensation_recovers_absorbed_terms() {
        // 1e100 absorbs 2 and 8 in plain addition; the compensation keeps them.
        let (mut s, mut c) = (2.0, 0.0);
        for x in [8.0, 1e100, -1e100] {
            (s, c) = inc(x, s, c);
        }
        assert_eq!(s + c, 10.0);
    }

    #[test]
    fn overflow_drops_compensation() {
        let (s, c) = inc(f64::MAX, f64::MAX, 1.0);
        assert_eq!((s, c), (f64::INFINITY, 0.0));
    }
}

//! The evaluation timestamps of a node: `start, start + interval, … ≤ end`.

/// A grid of evaluation times (ms). An instant evaluation is one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Steps {
    pub start: i64,
    pub end: i64,
    /// > 0 always (instant evaluations use 1).
    pub interval: i64,
}

impl Steps {
    pub fn single(t: i64, interval: i64) -> Steps {
        Steps { start: t, end: t, interval: interval.max(1) }
    }

    pub fn len(&self) -> usize {
        if self.end < self.start {
            return 0;
        }
        // i128: the span of two extreme i64 times does not fit an i64.
        let n = (i128::from(self.end) - i128::from(self.start)) / i128::from(self.interval) + 1;
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    pub fn is_single(&self) -> bool {
        self.len() == 1
    }

    /// The timestamp of step `i`.
    pub fn at(&self, i: usize) -> i64 {
        // The true value lies in [start, end]; wrapping arithmetic gets it exactly even when
        // `i * interval` alone would overflow.
        self.start.wrapping_add((i as i64).wrapping_mul(self.interval))
    }

    /// The step index of timestamp `t`, which must be on the grid.
    pub fn index(&self, t: i64) -> usize {
        ((i128::from(t) - i128::from(self.start)) / i128::from(self.interval)) as usize
    }

    /// The last timestamp on the grid (≤ end).
    pub fn last(&self) -> i64 {
        self.at(self.len().saturating_sub(1))
    }

    pub fn iter(&self) -> impl Iterator<Item = (usize, i64)> + use<> {
        let s = *self;
        (0..s.len()).map(move |i| (i, s.at(i)))
    }

    /// How many steps lie before `t` (an exact i128 bound: `t` may be out of i64's range).
    pub fn count_before(&self, t: i128) -> usize {
        let start = i128::from(self.start);
        if t <= start {
            return 0;
        }
        let n = (t - start + i128::from(self.interval) - 1) / i128::from(self.interval);
        usize::try_from(n).unwrap_or(usize::MAX).min(self.len())
    }

    /// The steps whose time `ts` satisfies `first <= ts - shift` and `ts - shift - span < last`:
    /// those that can see a sample in `[first, last]` through a window of `span` ending `shift`
    /// before the step.
    pub fn reaching(&self, first: i64, last: i64, shift: i64, span: i64) -> std::ops::Range<usize> {
        let lo = self.count_before(i128::from(first) + i128::from(shift));
        let hi = self.count_before(i128::from(last) + i128::from(shift) + i128::from(span));
        lo..hi.max(lo)
    }

    /// The query step for storage hints: 0 for an instant evaluation.
    pub fn hint_step(&self) -> i64 {
        if self.is_single() { 0 } else { self.interval }
    }
}

#[cfg(test)]
mod tests {
    use super::Steps;

    #[test]
    fn grid_length_and_times() {
        let s = Steps { start: 0, end: 70, interval: 30 };
        assert_eq!(s.len(), 3);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(0, 0), (1, 30), (2, 60)]);
        assert_eq!(s.last(), 60);
        assert_eq!(s.index(60), 2);
        assert!(Steps::single(5, 0).is_single());
        assert_eq!(Steps { start: 10, end: 0, interval: 1 }.len(), 0);
    }

    #[test]
    fn extreme_grids_do_not_overflow() {
        let s = Steps { start: i64::MIN, end: i64::MAX, interval: i64::MAX };
        assert_eq!(s.len(), 3);
        assert_eq!(s.at(2), i64::MAX - 1);
        assert_eq!(s.index(i64::MAX - 1), 2);
    }

    #[test]
    fn steps_reaching_samples() {
        let s = Steps { start: 0, end: 100, interval: 10 };
        assert_eq!(s.count_before(-5), 0);
        assert_eq!(s.count_before(0), 0);
        assert_eq!(s.count_before(1), 1);
        assert_eq!(s.count_before(10), 1);
        assert_eq!(s.count_before(11), 2);
        assert_eq!(s.count_before(1_000), 11);
        // Samples at 25..=42 seen through a 15-wide window ending 5 before the step: steps
        // 30 (window (10, 25]) to 60 (window (40, 55]).
        assert_eq!(s.reaching(25, 42, 5, 15), 3..7);
        // Samples after the grid reach no step.
        assert_eq!(s.reaching(500, 600, 0, 10), 11..11);
    }
}

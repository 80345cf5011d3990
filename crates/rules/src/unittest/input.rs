//! Input series: parsed with promqltest's series notation and appended to the store lazily,
//! step by step, as promtool does — a rule evaluated at `t` sees only samples at or before `t`,
//! so `absent()` and staleness behave as they would live.

use model::labels::Labels;
use model::storage::Appendable;
use promql::promqltest::series::{SeqValue, parse_series_line};

use super::format::InputSeries;

/// The samples of every input series, consumed in time order.
#[derive(Debug, Default)]
pub struct LazySeries {
    series: Vec<PendingSeries>,
}

#[derive(Debug)]
struct PendingSeries {
    labels: Labels,
    /// `(t_ms, value)` in time order.
    samples: Vec<(i64, f64)>,
    /// How many samples are already in the store.
    next: usize,
}

impl LazySeries {
    /// Parses `input` with sample `i` at `start_ms + i × interval_ms`. Errors name the series.
    pub fn parse(input: &[InputSeries], start_ms: i64, interval_ms: i64) -> Result<Self, String> {
        let mut series = Vec::with_capacity(input.len());
        for s in input {
            let line = format!("{} {}", s.series, s.values);
            let (labels, values) = parse_series_line(&line)
                .map_err(|e| format!("input series {:?}: {e}", s.series))?;
            let mut samples = Vec::with_capacity(values.len());
            for (i, v) in values.iter().enumerate() {
                match v {
                    SeqValue::Omitted => {}
                    SeqValue::Float(f) => {
                        let t = start_ms.saturating_add(interval_ms.saturating_mul(i as i64));
                        samples.push((t, *f));
                    }
                    SeqValue::Histogram => {
                        return Err(format!(
                            "input series {:?}: native histogram samples are not supported",
                            s.series
                        ));
                    }
                }
            }
            series.push(PendingSeries { labels, samples, next: 0 });
        }
        Ok(LazySeries { series })
    }

    /// Appends every not yet appended sample with timestamp `<= t_ms` and commits.
    pub fn append_till(&mut self, store: &dyn Appendable, t_ms: i64) -> Result<(), String> {
        let mut app = store.appender();
        let mut first_error = None;
        for s in &mut self.series {
            while let Some(&(t, f)) = s.samples.get(s.next) {
                if t > t_ms {
                    break;
                }
                if let Err(e) = app.append(&s.labels, t, f)
                    && first_error.is_none()
                {
                    first_error = Some(format!("input series {} at t={t}ms: {e}", s.labels));
                }
                s.next += 1;
            }
        }
        app.commit().map_err(|e| e.to_string())?;
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsdb::{Head, HeadOptions};

    /// How many non-stale samples the head holds in the last hour before 10m.
    fn count(head: &Head) -> f64 {
        let expr = promql::parse(r#"sum(count_over_time({__name__=~"a|b"}[1h]))"#).unwrap();
        let engine = promql::Engine::default();
        let r = engine.instant_query(head, &expr, 10 * 60_000, &Default::default()).unwrap();
        match r.value {
            promql::Value::Vector(v) => v.first().map_or(0.0, |s| s.f),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn appends_samples_up_to_each_time() {
        let input = vec![
            InputSeries { series: "a{x=\"1\"}".into(), values: "0+10x3".into() },
            InputSeries { series: "b".into(), values: "1 _ 3 stale".into() },
        ];
        let mut lazy = LazySeries::parse(&input, 0, 60_000).unwrap();
        let head = Head::new(HeadOptions::default());
        lazy.append_till(&head, 0).unwrap();
        assert_eq!(count(&head), 2.0);
        lazy.append_till(&head, 90_000).unwrap();
        assert_eq!(count(&head), 3.0);
        lazy.append_till(&head, 10 * 60_000).unwrap();
        assert_eq!(count(&head), 6.0);
    }

    #[test]
    fn bad_notation_names_the_series() {
        let input = vec![InputSeries { series: "a".into(), values: "1 x".into() }];
        let e = LazySeries::parse(&input, 0, 60_000).unwrap_err();
        assert!(e.starts_with("input series \"a\""), "{e}");
    }
}

//! PromQL evaluation: any expression that parses evaluates (instant and range, at odd times
//! and steps) over a small store without panicking, within the sample and time limits.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use model::labels::Labels;
use model::storage::{Appendable, stale_nan};
use promql::{Engine, EngineOptions, ParseOptions, QueryOptions, parse_with};
use tsdb::{Head, HeadOptions};

/// Counters with a reset, gauges with NaN and ±Inf, a classic histogram, a stale series.
fn store() -> &'static Head {
    static STORE: OnceLock<Head> = OnceLock::new();
    STORE.get_or_init(|| {
        let head = Head::new(HeadOptions::default());
        let mut app = head.appender();
        for i in 0..40i64 {
            let t = i * 15_000;
            for (job, k) in [("api", 1.0), ("db", 3.0)] {
                let c = Labels::from_pairs([("__name__", "req_total"), ("job", job)]);
                let v = if i == 20 { 0.0 } else { (i % 20) as f64 * 10.0 * k };
                app.append(&c, t, v).ok();
                let g = Labels::from_pairs([("__name__", "temp"), ("job", job)]);
                let v = match i {
                    7 => f64::NAN,
                    9 => f64::INFINITY,
                    11 => f64::NEG_INFINITY,
                    _ => (i as f64 * 0.7 * k).sin() * 100.0,
                };
                app.append(&g, t, v).ok();
                for (le, share) in [("0.1", 0.3), ("1", 0.8), ("+Inf", 1.0)] {
                    let b = Labels::from_pairs([
                        ("__name__", "lat_bucket"),
                        ("job", job),
                        ("le", le),
                    ]);
                    app.append(&b, t, i as f64 * share * k).ok();
                }
            }
            let s = Labels::from_pairs([("__name__", "up"), ("instance", "a:1")]);
            let v = if i == 25 { stale_nan() } else { 1.0 };
            app.append(&s, t, v).ok();
        }
        app.commit().ok();
        head
    })
}

fuzz_target!(|data: &[u8]| {
    // Two bytes pick the times; the rest is the query.
    let [a, b, rest @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let Ok(expr) = parse_with(text, ParseOptions { experimental_functions: true }) else {
        return;
    };
    let engine = Engine::new(EngineOptions {
        max_samples: 50_000,
        timeout: Duration::from_secs(2),
        delayed_name_removal: *a & 1 == 1,
        ..EngineOptions::default()
    });
    let opts = QueryOptions::default();
    let t = i64::from(*a) * 3_001 - 60_000;
    let _ = engine.instant_query(store(), &expr, t, &opts);
    let step = 1 + i64::from(*b) * 977;
    let _ = engine.range_query(store(), &expr, t, t + 120 * step.min(5_000), step, &opts);
});

//! Silence matching at the scale of the benchmark: 10k silences, 100k alerts, the time
//! to compute `Silences::mutes` for every alert (what a flush of everything, or the API's
//! `GET /api/v2/alerts`, pays). Upstream rechecks every alert against every silence.
//!
//! `cargo bench -p klaxon-alertmanager --bench silences` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::sync::Arc;

use alertmanager::alert::Time;
use alertmanager::silence::{MatcherSpec, PostableSilence, SilenceOptions, Silences};
use criterion::{Criterion, criterion_group, criterion_main};
use model::labels::Labels;

const ALERTS: usize = 100_000;
const SILENCES: usize = 10_000;

fn now() -> Time {
    Time::from_second(1_800_000_000).expect("valid time")
}

fn m(name: &str, value: &str, is_regex: bool, is_equal: bool) -> MatcherSpec {
    MatcherSpec { name: name.into(), value: value.into(), is_regex, is_equal }
}

fn add(s: &Silences, matchers: Vec<MatcherSpec>) {
    let p = PostableSilence {
        matchers,
        starts_at: now(),
        ends_at: Time::from_second(1_800_086_400).expect("valid time"),
        created_by: "bench".into(),
        comment: "bench".into(),
        ..Default::default()
    };
    s.set(p, now()).expect("bench silence is valid");
}

/// 10k silences like a deploy tool creates them: one alert name and one instance each.
fn equality_silences() -> Arc<Silences> {
    let s = Silences::in_memory(SilenceOptions::default());
    for i in 0..SILENCES {
        add(
            &s,
            vec![
                m("alertname", &format!("Alert{}", i % 50), false, true),
                m("instance", &format!("host-{i}"), false, true),
            ],
        );
    }
    s
}

/// 9,800 as above, 100 regex alternations (`instance=~"host-1|host-2"`), and 100 that no
/// index can serve (`job=~"job-[0-9]+", severity!="info"` style), checked for every alert.
fn mixed_silences() -> Arc<Silences> {
    let s = Silences::in_memory(SilenceOptions::default());
    for i in 0..SILENCES - 200 {
        add(
            &s,
            vec![
                m("alertname", &format!("Alert{}", i % 50), false, true),
                m("instance", &format!("host-{i}"), false, true),
            ],
        );
    }
    for i in 0..100 {
        add(
            &s,
            vec![m("instance", &format!("host-{}|host-{}", 20_000 + i, 30_000 + i), true, true)],
        );
    }
    for i in 0..100 {
        add(
            &s,
            vec![
                m("job", &format!("job-{i}[0-9]+"), true, true),
                m("severity", "info", false, false),
            ],
        );
    }
    s
}

fn alerts() -> Vec<Labels> {
    (0..ALERTS)
        .map(|j| {
            Labels::from_pairs([
                ("alertname", format!("Alert{}", j % 50)),
                ("instance", format!("host-{}", j % 40_000)),
                ("job", format!("job-{}", j % 1000)),
                ("severity", if j % 3 == 0 { "critical".into() } else { "warning".into() }),
                ("region", format!("r{}", j % 7)),
            ])
        })
        .collect()
}

fn mutes_all(c: &mut Criterion) {
    let alerts = alerts();
    let mut g = c.benchmark_group("silences/mutes_100k_alerts");
    g.sample_size(10);
    for (name, s) in [("10k_equality", equality_silences()), ("10k_mixed", mixed_silences())] {
        let muted = alerts.iter().filter(|a| !s.mutes(a, now()).is_empty()).count();
        let ids: usize = alerts.iter().map(|a| s.mutes(a, now()).len()).sum();
        eprintln!(
            "{name}: {muted} of {ALERTS} alerts muted ({ids} ids); index {:?}",
            s.index_stats()
        );
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0usize;
                for a in &alerts {
                    n += s.mutes(black_box(a), now()).len();
                }
                n
            })
        });
    }
    g.finish();

    // The upstream way for comparison, on 1% of the alerts: every alert against every silence.
    let s = mixed_silences();
    let all = s.list();
    let mut g = c.benchmark_group("silences/scan_1k_alerts");
    g.sample_size(10);
    g.bench_function("10k_mixed", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for a in alerts.iter().take(ALERTS / 100) {
                n += all.iter().filter(|s| s.matches(black_box(a))).count();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, mutes_all);
criterion_main!(benches);

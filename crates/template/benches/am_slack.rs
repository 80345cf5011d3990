//! The default Slack message for a group of 100 alerts, rendered as Alertmanager's Slack
//! notifier renders it: every templated field of the default config, each executed as its own
//! template string against the notification's data. `scripts/oracle/amtemplate/bench.sh` runs
//! this beside Go's `testing.B` benchmark of the same templates and data.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use template::alertmanager::{Data, Templates};

/// The Slack notifier's templated fields with the default config (and a channel), in the
/// order it renders them; empty ones (image and thumb URLs, message text) cost nothing.
pub const SLACK_FIELDS: [&str; 12] = [
    r#"{{ template "slack.default.title" . }}"#,
    r#"{{ template "slack.default.titlelink" . }}"#,
    r#"{{ template "slack.default.pretext" . }}"#,
    r#"{{ template "slack.default.text" . }}"#,
    r#"{{ template "slack.default.fallback" . }}"#,
    r#"{{ template "slack.default.callbackid" . }}"#,
    r#"{{ template "slack.default.footer" . }}"#,
    r#"{{ template "slack.default.color" . }}"#,
    "#alerts",
    r#"{{ template "slack.default.username" . }}"#,
    r#"{{ template "slack.default.iconemoji" . }}"#,
    r#"{{ template "slack.default.iconurl" . }}"#,
];

fn data() -> Data {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/alertmanager/data/many-100.json");
    let text = std::fs::read_to_string(path).expect("many-100.json");
    Data::from_json(&serde_json::from_str(&text).expect("json")).expect("data")
}

fn render(t: &Templates, d: &Data) -> usize {
    // One notification: the data is converted once, then every field rendered.
    let v = d.to_value();
    let mut n = 0;
    for f in SLACK_FIELDS {
        n += t.execute_text_value(f, &v).map(|s| s.len()).unwrap_or(0);
    }
    n
}

fn bench(c: &mut Criterion) {
    let t = Templates::with_defaults();
    let d = data();
    assert!(render(&t, &d) > 0);
    c.bench_function("am_slack_default_100_alerts", |b| {
        b.iter(|| render(black_box(&t), black_box(&d)))
    });
    // The parts: converting the data, and rendering the fields from converted data.
    c.bench_function("am_slack_to_value", |b| b.iter(|| black_box(&d).to_value()));
    let v = d.to_value();
    c.bench_function("am_slack_fields_only", |b| {
        b.iter(|| {
            let each = SLACK_FIELDS.iter().map(|f| t.execute_text_value(f, black_box(&v)));
            each.map(|r| r.map_or(0, |s| s.len())).sum::<usize>()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

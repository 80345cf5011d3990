//! Scrape loops and the scrape manager under paused tokio time, with in-process targets and
//! `tsdb::Head` as the storage: what gets stored, when, and with which labels.

#![allow(clippy::unwrap_used)]

mod support;

use std::collections::HashMap;
use std::time::Duration;

use model::labels::Labels;
use scrape::fetch::InProcessResponse;
use scrape::status::{Health, TargetsView};
use support::*;

const URL: &str = "http://a:9100/metrics";

const ONE_JOB: &str = "
scrape_configs:
  - job_name: j
    scrape_interval: 10s
    scrape_timeout: 5s
    static_configs:
      - targets: ['a:9100']
";

#[tokio::test(start_paused = true)]
async fn up_and_samples_are_stored_on_the_schedule() {
    let s = setup();
    s.fake.text(URL, "# HELP m A gauge.\n# TYPE m gauge\nm{a=\"1\"} 5\n");
    let cfgs = configs(ONE_JOB);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(35).await;

    let up = only(&s.head, "up");
    assert!(up.len() >= 3, "{up:?}");
    assert!(up.iter().all(|p| p.f == 1.0));
    for w in up.windows(2) {
        assert_eq!(w[1].t - w[0].t, 10_000, "timestamps one interval apart");
    }
    let m = series(&s.head, "m");
    assert_eq!(m.len(), 1);
    assert_eq!(
        m[0].0,
        Labels::from_pairs([("__name__", "m"), ("a", "1"), ("instance", "a:9100"), ("job", "j")])
    );
    assert_eq!(
        m[0].1.iter().map(|p| p.t).collect::<Vec<_>>(),
        up.iter().map(|p| p.t).collect::<Vec<_>>()
    );
    assert_eq!(values(&only(&s.head, "scrape_samples_scraped"))[0], "1");
    let added = values(&only(&s.head, "scrape_series_added"));
    assert_eq!(added[0], "1");
    assert!(added[1..].iter().all(|v| v == "0"), "{added:?}");

    let targets = s.manager.active_targets();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].health, Health::Up);
    assert_eq!(targets[0].scrape_url, URL);
    assert_eq!(targets[0].last_error, "");
    let meta = s.manager.target_metadata();
    assert_eq!(meta.len(), 1);
    assert_eq!(
        (meta[0].metric.as_str(), meta[0].kind.as_str(), meta[0].help.as_str()),
        ("m", "gauge", "A gauge.")
    );
    s.manager.stop().await;
}

async fn failing_scrape(job_extra: &str, respond: impl FnOnce(&Fake)) -> (Setup, String) {
    let s = setup();
    respond(&s.fake);
    let yaml = format!("{ONE_JOB}    {job_extra}\n");
    let cfgs = configs(&yaml);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(15).await;
    let up = only(&s.head, "up");
    assert!(!up.is_empty());
    assert!(up.iter().all(|p| p.f == 0.0), "{up:?}");
    assert!(series(&s.head, "m").is_empty(), "nothing of a failed scrape is stored");
    let t = s.manager.active_targets().remove(0);
    assert_eq!(t.health, Health::Down);
    s.manager.stop().await;
    (s, t.last_error)
}

#[tokio::test(start_paused = true)]
async fn up_is_zero_on_http_500() {
    let (_, err) = failing_scrape("", |f| f.set(URL, 500, "text/plain", "m 1\n")).await;
    assert_eq!(err, "server returned HTTP status 500 Internal Server Error");
}

#[tokio::test(start_paused = true)]
async fn up_is_zero_on_timeout() {
    let (_, err) = failing_scrape("", |f| {
        f.set_response(
            URL,
            InProcessResponse {
                status: 200,
                content_type: "text/plain".into(),
                body: b"m 1\n".to_vec(),
                delay: Duration::from_secs(6),
            },
        )
    })
    .await;
    assert!(err.contains("context deadline exceeded"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn up_is_zero_on_parse_error() {
    let (_, err) = failing_scrape("", |f| f.text(URL, "m 1\nm{ 2\n")).await;
    assert!(err.starts_with("2:"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn up_is_zero_without_content_type() {
    let (_, err) = failing_scrape("", |f| f.set(URL, 200, "", "m 1\n")).await;
    assert!(err.contains("blank Content-Type"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn fallback_protocol_accepts_unknown_content_type() {
    let s = setup();
    s.fake.set(URL, 200, "application/json", "m 1\n");
    let cfgs = configs(&format!("{ONE_JOB}    fallback_scrape_protocol: PrometheusText0.0.4\n"));
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(15).await;
    assert_eq!(values(&only(&s.head, "up")), ["1"]);
    assert_eq!(series(&s.head, "m").len(), 1);
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn up_is_zero_over_the_sample_limit() {
    let (s, err) = failing_scrape("sample_limit: 2", |f| {
        f.text(URL, "m{a=\"1\"} 1\nm{a=\"2\"} 1\nm{a=\"3\"} 1\n")
    })
    .await;
    assert_eq!(err, "sample limit exceeded");
    // The whole exposition is still counted.
    assert_eq!(values(&only(&s.head, "scrape_samples_scraped"))[0], "3");
}

#[tokio::test(start_paused = true)]
async fn up_is_zero_over_a_label_limit() {
    let (_, err) =
        failing_scrape("label_limit: 3", |f| f.text(URL, "m{a=\"1\",b=\"2\"} 1\n")).await;
    assert!(
        err.starts_with("label_limit exceeded (metric: m, number of labels: 5, limit: 3)"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn vanished_series_get_a_stale_marker() {
    let s = setup();
    s.fake.text(URL, "m{a=\"1\"} 1\nm{a=\"2\"} 2\n");
    let cfgs = configs(ONE_JOB);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(11).await;
    s.fake.text(URL, "m{a=\"1\"} 1\n");
    sleep_secs(20).await;

    let up = only(&s.head, "up");
    let m = series(&s.head, "m");
    let gone = &m.iter().find(|(l, _)| l.get("a") == Some("2")).unwrap().1;
    let kept = &m.iter().find(|(l, _)| l.get("a") == Some("1")).unwrap().1;
    assert_eq!(values(gone), ["2", "stale"]);
    assert_eq!(gone[1].t, up[gone.len() - 1].t, "marked at the scrape that missed it");
    assert!(values(kept).iter().all(|v| v == "1"));
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_scrape_marks_every_series_stale() {
    let s = setup();
    s.fake.text(URL, "m{a=\"1\"} 1\nm{a=\"2\"} 2\n");
    let cfgs = configs(ONE_JOB);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(11).await;
    s.fake.set(URL, 503, "text/plain", "");
    sleep_secs(10).await;
    for (_, points) in series(&s.head, "m") {
        assert_eq!(values(&points)[1], "stale");
    }
    assert_eq!(values(&only(&s.head, "up"))[..2], ["1", "0"]);
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn explicit_timestamps_get_no_stale_markers_unless_tracked() {
    for (track, want) in [(false, vec!["1"]), (true, vec!["1", "stale"])] {
        let s = setup();
        let ts = START_MS + 1_000;
        s.fake.text(URL, &format!("m 1 {ts}\n"));
        let cfgs = configs(&format!("{ONE_JOB}    track_timestamps_staleness: {track}\n"));
        s.manager.apply_config(&cfgs).unwrap();
        s.manager.sync(groups(&cfgs));
        sleep_secs(11).await;
        s.fake.text(URL, "other 1\n");
        sleep_secs(10).await;
        let m = only(&s.head, "m");
        assert_eq!(values(&m), want, "track_timestamps_staleness: {track}");
        assert_eq!(m[0].t, ts);
        s.manager.stop().await;
    }
}

#[tokio::test(start_paused = true)]
async fn conflicting_labels_are_exported_unless_honored() {
    for (honor, want) in [
        (
            false,
            vec![
                ("exported_instance", "x"),
                ("exported_job", "other"),
                ("instance", "a:9100"),
                ("job", "j"),
            ],
        ),
        (true, vec![("instance", "x"), ("job", "other")]),
    ] {
        let s = setup();
        s.fake.text(URL, "m{job=\"other\",instance=\"x\"} 1\n");
        let cfgs = configs(&format!("{ONE_JOB}    honor_labels: {honor}\n"));
        s.manager.apply_config(&cfgs).unwrap();
        s.manager.sync(groups(&cfgs));
        sleep_secs(11).await;
        let m = series(&s.head, "m");
        let mut expected = want.clone();
        expected.push(("__name__", "m"));
        assert_eq!(m[0].0, Labels::from_pairs(expected), "honor_labels: {honor}");
        s.manager.stop().await;
    }
}

#[tokio::test(start_paused = true)]
async fn metric_relabelling_drops_series() {
    let s = setup();
    s.fake.text(URL, "keep_me 1\ndrop_me 2\n");
    let cfgs = configs(&format!(
        "{ONE_JOB}    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: drop_.*\n        action: drop\n"
    ));
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(25).await;
    assert!(series(&s.head, "drop_me").is_empty());
    assert_eq!(series(&s.head, "keep_me").len(), 1);
    assert!(values(&only(&s.head, "scrape_samples_scraped")).iter().all(|v| v == "2"));
    assert!(
        values(&only(&s.head, "scrape_samples_post_metric_relabeling")).iter().all(|v| v == "1")
    );
    s.manager.stop().await;
}

/// The phase of each target: its first scrape timestamp modulo the interval.
async fn phases(seed: u64) -> HashMap<String, i64> {
    let s = setup_with(|o| o.offset_seed = seed);
    let urls = ["http://a:9100/metrics", "http://b:9100/metrics", "http://c:9100/metrics"];
    for u in urls {
        s.fake.text(u, "m 1\n");
    }
    let cfgs = configs(
        "
scrape_configs:
  - job_name: j
    scrape_interval: 10s
    static_configs:
      - targets: ['a:9100', 'b:9100', 'c:9100']
",
    );
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(31).await;
    let mut out = HashMap::new();
    for (labels, points) in series(&s.head, "up") {
        for w in points.windows(2) {
            assert_eq!(w[1].t - w[0].t, 10_000);
        }
        out.insert(labels.get_or_empty("instance").to_string(), points[0].t.rem_euclid(10_000));
    }
    s.manager.stop().await;
    out
}

#[tokio::test(start_paused = true)]
async fn offsets_are_stable_per_target_and_spread() {
    let first = phases(0).await;
    let again = phases(0).await;
    assert_eq!(first, again);
    assert_eq!(first.len(), 3);
    let mut distinct: Vec<i64> = first.values().copied().collect();
    distinct.dedup();
    assert!(distinct.len() > 1, "{first:?}");
    assert_ne!(phases(0x9e37_79b9_7f4a_7c15).await, first, "the seed moves the phases");
}

#[tokio::test(start_paused = true)]
async fn unchanged_reload_and_sync_keep_the_loops() {
    let s = setup();
    s.fake.text(URL, "m 1\n");
    let cfgs = configs(ONE_JOB);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(10).await;
    let before = s.fake.hits(URL);
    for _ in 0..5 {
        s.manager.apply_config(&configs(ONE_JOB)).unwrap();
        s.manager.sync(groups(&cfgs));
        sleep_secs(10).await;
    }
    assert_eq!(s.fake.hits(URL) - before, 5, "one scrape per interval, no restarts");
    let up = only(&s.head, "up");
    for w in up.windows(2) {
        assert_eq!(w[1].t - w[0].t, 10_000);
    }
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_changed_job_restarts_its_loops_on_the_same_phase() {
    let s = setup();
    s.fake.text(URL, "m 1\n");
    let cfgs = configs(ONE_JOB);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(15).await;
    let changed = configs(&format!("{ONE_JOB}    sample_limit: 100\n"));
    s.manager.apply_config(&changed).unwrap();
    sleep_secs(30).await;
    let up = only(&s.head, "up");
    assert!(up.len() >= 4);
    assert!(up.iter().all(|p| p.f == 1.0), "no stale markers: the cache was handed over");
    for w in up.windows(2) {
        assert_eq!(w[1].t - w[0].t, 10_000, "{up:?}");
    }
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_vanished_target_is_marked_stale_at_its_next_missed_scrape() {
    let s = setup();
    s.fake.text(URL, "m 1\n");
    let cfgs = configs(ONE_JOB);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(15).await;
    let last_t = only(&s.head, "up").last().unwrap().t;
    s.manager.sync(HashMap::from([("j".to_string(), Vec::new())]));
    assert!(s.manager.active_targets().is_empty());
    sleep_secs(11).await;
    assert_eq!(values(&only(&s.head, "m")), ["1"], "not before two intervals have passed");
    sleep_secs(20).await;
    for name in ["m", "up", "scrape_duration_seconds", "scrape_series_added"] {
        let points = only(&s.head, name);
        let last = points.last().unwrap();
        assert_eq!(values(&[*last]), ["stale"], "{name}");
        assert_eq!(last.t, last_t + 10_000, "{name} marked at the first missed scrape");
    }
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stop_writes_no_stale_markers() {
    let s = setup();
    s.fake.text(URL, "m 1\n");
    let cfgs = configs(ONE_JOB);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(15).await;
    s.manager.stop().await;
    sleep_secs(60).await;
    assert!(values(&only(&s.head, "m")).iter().all(|v| v == "1"));
    assert!(values(&only(&s.head, "up")).iter().all(|v| v == "1"));
}

#[tokio::test(start_paused = true)]
async fn target_limit_fails_every_target_of_the_job() {
    let s = setup();
    for u in ["http://a:9100/metrics", "http://b:9100/metrics"] {
        s.fake.text(u, "m 1\n");
    }
    let cfgs = configs(
        "
scrape_configs:
  - job_name: j
    scrape_interval: 10s
    target_limit: 1
    static_configs:
      - targets: ['a:9100', 'b:9100']
",
    );
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(15).await;
    assert_eq!(s.fake.hits("http://a:9100/metrics"), 0, "not even fetched");
    let targets = s.manager.active_targets();
    assert_eq!(targets.len(), 2);
    for t in targets {
        assert_eq!(t.last_error, "target_limit exceeded (number of targets: 2, limit: 1)");
    }
    for (_, points) in series(&s.head, "up") {
        assert!(values(&points).iter().all(|v| v == "0"));
    }
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn dropped_targets_are_listed_up_to_keep_dropped_targets() {
    let s = setup();
    let cfgs = configs(
        "
scrape_configs:
  - job_name: j
    keep_dropped_targets: 1
    relabel_configs:
      - source_labels: [__address__]
        regex: 'drop.*'
        action: drop
    static_configs:
      - targets: ['a:9100', 'drop1:9100', 'drop2:9100']
",
    );
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    assert_eq!(s.manager.active_targets().len(), 1);
    let dropped = s.manager.dropped_targets();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0].discovered_labels.get("__address__"), Some("drop1:9100"));
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn extra_scrape_metrics_are_reported() {
    let s = setup_with(|o| o.extra_scrape_metrics = true);
    s.fake.text(URL, "m 1\n");
    let cfgs = configs(&format!("{ONE_JOB}    sample_limit: 7\n"));
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(11).await;
    assert_eq!(values(&only(&s.head, "scrape_timeout_seconds")), ["5"]);
    assert_eq!(values(&only(&s.head, "scrape_sample_limit")), ["7"]);
    assert_eq!(values(&only(&s.head, "scrape_body_size_bytes")), ["4"]);
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_repeated_series_is_a_counted_duplicate_not_a_failure() {
    let s = setup();
    s.fake.text(URL, "m 1\nm 2\n");
    let cfgs = configs(ONE_JOB);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(11).await;
    assert_eq!(values(&only(&s.head, "up")), ["1"]);
    assert_eq!(values(&only(&s.head, "m")), ["1"]);
    assert_eq!(values(&only(&s.head, "scrape_samples_post_metric_relabeling")), ["2"]);
    let mut registry = prometheus_client::registry::Registry::default();
    s.manager.register_metrics(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    assert!(
        text.contains("prometheus_target_scrapes_sample_duplicate_timestamp_total 1"),
        "{text}"
    );
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn self_metrics_count_pools_targets_intervals_and_limits() {
    let s = setup();
    s.fake.text(URL, "m{a=\"1\"} 1\nm{a=\"2\"} 1\n");
    let cfgs = configs(&format!("{ONE_JOB}    sample_limit: 1\n"));
    let mut registry = prometheus_client::registry::Registry::default();
    s.manager.register_metrics(&mut registry);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(35).await;
    let scrapes = only(&s.head, "up").len();
    assert!(scrapes >= 3);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    for want in [
        "prometheus_target_scrape_pools_total 1".to_string(),
        "prometheus_target_scrape_pool_targets{scrape_job=\"j\"} 1".to_string(),
        format!("prometheus_target_scrapes_exceeded_sample_limit_total {scrapes}"),
        "prometheus_target_interval_length_seconds{interval=\"10s\",quantile=\"0.5\"} 10"
            .to_string(),
        format!(
            "prometheus_target_interval_length_seconds_count{{interval=\"10s\"}} {}",
            scrapes - 1
        ),
        "prometheus_target_sync_length_seconds_count{scrape_job=\"j\"} 1".to_string(),
    ] {
        assert!(text.contains(&want), "{want} in\n{text}");
    }
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn openmetrics_metadata_is_kept_per_target() {
    let s = setup();
    s.fake.set(
        URL,
        200,
        "application/openmetrics-text; version=1.0.0",
        "# TYPE req_seconds counter\n# UNIT req_seconds seconds\n# HELP req_seconds Time spent.\nreq_seconds_total 3\n# EOF\n",
    );
    let cfgs = configs(ONE_JOB);
    s.manager.apply_config(&cfgs).unwrap();
    s.manager.sync(groups(&cfgs));
    sleep_secs(11).await;
    assert_eq!(values(&only(&s.head, "req_seconds_total")), ["3"]);
    let meta = s.manager.target_metadata();
    assert_eq!(meta.len(), 1);
    let m = &meta[0];
    assert_eq!(
        (m.metric.as_str(), m.kind.as_str(), m.unit.as_str(), m.help.as_str()),
        ("req_seconds", "counter", "seconds", "Time spent.")
    );
    assert_eq!(m.target.get("instance"), Some("a:9100"));
    s.manager.stop().await;
}

#[tokio::test(start_paused = true)]
async fn follows_published_target_sets() {
    let s = std::sync::Arc::new(setup());
    s.fake.text(URL, "m 1\n");
    s.fake.text("http://b:9100/metrics", "m 1\n");
    let cfgs = configs(ONE_JOB);
    s.manager.apply_config(&cfgs).unwrap();
    let (tx, rx) = tokio::sync::watch::channel(std::sync::Arc::new(groups(&cfgs)));
    let follower = tokio::spawn({
        let s = s.clone();
        async move { s.manager.follow_discovery(rx).await }
    });
    tokio::task::yield_now().await;
    assert_eq!(s.manager.active_targets().len(), 1);
    let mut more = groups(&cfgs);
    more.get_mut("j").unwrap()[0].targets.push("b:9100".to_string());
    tx.send(std::sync::Arc::new(more)).unwrap();
    tokio::task::yield_now().await;
    assert_eq!(s.manager.active_targets().len(), 2);
    drop(tx);
    follower.await.unwrap();
    s.manager.stop().await;
}

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use config::{DnsRecordType, DnsSdConfig, FileSdConfig};

use super::super::SdMetrics;
use super::super::dns::{DnsRecord, LookupFuture, Resolver};
use super::*;

fn group(targets: &[&str]) -> TargetGroup {
    TargetGroup {
        targets: targets.iter().map(|t| t.to_string()).collect(),
        ..TargetGroup::default()
    }
}

/// A resolver whose answers the test sets, which counts lookups per name and can be slow.
#[derive(Default)]
struct FakeResolver {
    answers: Mutex<HashMap<String, Vec<DnsRecord>>>,
    lookups: Mutex<HashMap<String, usize>>,
    delay: Mutex<Duration>,
}

impl FakeResolver {
    fn set(&self, name: &str, ips: &[&str]) {
        let records = ips.iter().map(|ip| DnsRecord::A(ip.parse().unwrap())).collect();
        self.answers.lock().unwrap().insert(name.into(), records);
    }
    fn lookups(&self, name: &str) -> usize {
        self.lookups.lock().unwrap().get(name).copied().unwrap_or(0)
    }
}

impl Resolver for FakeResolver {
    fn lookup<'a>(&'a self, name: &'a str, _: DnsRecordType) -> LookupFuture<'a> {
        *self.lookups.lock().unwrap().entry(name.into()).or_default() += 1;
        let answer = self.answers.lock().unwrap().get(name).cloned().unwrap_or_default();
        let delay = *self.delay.lock().unwrap();
        Box::pin(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            Ok(answer)
        })
    }
}

fn dns(name: &str, refresh_secs: i64) -> SdConfig {
    SdConfig::Dns(DnsSdConfig {
        names: vec![name.into()],
        refresh_interval: model::duration::Duration::from_secs(refresh_secs),
        record_type: DnsRecordType::A,
        port: Some(9100),
    })
}

fn manager(fake: &Arc<FakeResolver>, update_interval: Duration) -> DiscoveryManager {
    let options =
        DiscoveryOptions { update_interval, resolver: fake.clone(), ..DiscoveryOptions::default() };
    DiscoveryManager::new("scrape", options)
}

fn targets(sets: &TargetSets, set: &str) -> Vec<String> {
    let mut t: Vec<String> = sets[set].iter().flat_map(|g| g.targets.clone()).collect();
    t.sort();
    t
}

fn sets(entries: Vec<(&str, Vec<SdConfig>)>) -> HashMap<String, Vec<SdConfig>> {
    entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[tokio::test(start_paused = true)]
async fn static_groups_publish_at_once_with_index_sources() {
    let fake = Arc::new(FakeResolver::default());
    let m = manager(&fake, Duration::from_secs(5));
    let mut rx = m.subscribe();
    let start = Instant::now();
    m.apply(sets(vec![
        ("node", vec![SdConfig::Static(vec![group(&["a:1"]), group(&["b:1", "c:1"])])]),
        ("empty", vec![]),
    ]))
    .await;
    rx.changed().await.unwrap();
    assert_eq!(start.elapsed(), Duration::ZERO, "the first update is not held back");
    let published = rx.borrow_and_update().clone();
    let sources: Vec<&str> = published["node"].iter().map(|g| g.source.as_str()).collect();
    assert_eq!(sources, ["0", "1"]);
    assert_eq!(targets(&published, "node"), ["a:1", "b:1", "c:1"]);
    assert!(published["empty"].is_empty(), "configured sets are always present");
}

#[tokio::test(start_paused = true)]
async fn updates_are_throttled_and_coalesced() {
    let fake = Arc::new(FakeResolver::default());
    fake.set("h", &["10.0.0.1"]);
    let m = manager(&fake, Duration::from_secs(5));
    let mut rx = m.subscribe();
    let start = Instant::now();
    // Records when each update arrives and what it says.
    let log = Arc::new(Mutex::new(Vec::new()));
    let observer = {
        let log = log.clone();
        tokio::spawn(async move {
            while rx.changed().await.is_ok() {
                let t = targets(&rx.borrow_and_update(), "job");
                log.lock().unwrap().push((start.elapsed(), t));
            }
        })
    };
    m.apply(sets(vec![("job", vec![dns("h", 1)])])).await;

    // The provider finds something new every second for 11 s, then nothing more changes.
    for i in 2..=12 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        fake.set("h", &[&format!("10.0.0.{i}")]);
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    observer.abort();

    let log = log.lock().unwrap().clone();
    let times: Vec<u64> = log.iter().map(|(t, _)| t.as_secs()).collect();
    // The first update at once, then at most one per 5 s.
    assert_eq!(times, [0, 5, 10, 15], "{log:?}");
    assert_eq!(log[0].1, ["10.0.0.1:9100"]);
    // Each update carries the latest state; the last one the final state.
    assert_eq!(log.last().unwrap().1, ["10.0.0.12:9100"]);
    assert!(fake.lookups("h") >= 40);
}

#[tokio::test(start_paused = true)]
async fn reload_keeps_unchanged_providers_and_stops_removed_ones() {
    let fake = Arc::new(FakeResolver::default());
    fake.set("a", &["10.0.0.1"]);
    fake.set("b", &["10.0.0.2"]);
    let m = manager(&fake, Duration::from_secs(5));
    let mut rx = m.subscribe();
    m.apply(sets(vec![("job1", vec![dns("a", 60)]), ("job2", vec![dns("b", 60)])])).await;
    rx.changed().await.unwrap();
    assert_eq!(fake.lookups("a"), 1);

    // Reload: `a`'s config is unchanged and now also used by job3; `b` is gone.
    tokio::time::sleep(Duration::from_secs(10)).await;
    m.apply(sets(vec![("job1", vec![dns("a", 60)]), ("job3", vec![dns("a", 60)])])).await;
    rx.changed().await.unwrap();
    let published = rx.borrow_and_update().clone();
    assert_eq!(fake.lookups("a"), 1, "an unchanged provider is not restarted");
    assert_eq!(targets(&published, "job1"), ["10.0.0.1:9100"]);
    assert_eq!(
        targets(&published, "job3"),
        ["10.0.0.1:9100"],
        "a new set sees the running provider's groups"
    );
    assert!(!published.contains_key("job2"));

    // The removed provider does no more lookups; the kept one goes on with its own schedule.
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(fake.lookups("b"), 1);
    assert_eq!(fake.lookups("a"), 3);

    // A changed config (other refresh interval) is a new provider: looked up at once.
    m.apply(sets(vec![("job1", vec![dns("a", 30)])])).await;
    tokio::task::yield_now().await;
    assert_eq!(fake.lookups("a"), 4);
}

#[tokio::test(start_paused = true)]
async fn publish_after_reload_waits_for_new_providers() {
    let fake = Arc::new(FakeResolver::default());
    fake.set("old", &["10.0.0.1"]);
    fake.set("new", &["10.0.0.2"]);
    let m = manager(&fake, Duration::from_secs(5));
    let mut rx = m.subscribe();
    m.apply(sets(vec![("job", vec![dns("old", 60)])])).await;
    rx.changed().await.unwrap();
    rx.borrow_and_update();

    // The new provider answers after 2 s: the set is not published without it meanwhile.
    *fake.delay.lock().unwrap() = Duration::from_secs(2);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let applied = Instant::now();
    m.apply(sets(vec![("job", vec![dns("new", 60)])])).await;
    rx.changed().await.unwrap();
    assert_eq!(applied.elapsed(), Duration::from_secs(2));
    assert_eq!(targets(&rx.borrow_and_update(), "job"), ["10.0.0.2:9100"]);

    // A provider that never answers holds the publish back for one update interval at most.
    *fake.delay.lock().unwrap() = Duration::from_secs(3600);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let applied = Instant::now();
    m.apply(sets(vec![("job", vec![dns("slow", 60)])])).await;
    rx.changed().await.unwrap();
    assert_eq!(applied.elapsed(), Duration::from_secs(5));
    assert!(rx.borrow_and_update()["job"].is_empty());
}

#[tokio::test(start_paused = true)]
async fn dropping_the_manager_stops_providers() {
    let fake = Arc::new(FakeResolver::default());
    let m = manager(&fake, Duration::from_secs(5));
    m.apply(sets(vec![("job", vec![dns("a", 10)])])).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(fake.lookups("a"), 1);
    drop(m);
    tokio::time::sleep(Duration::from_secs(100)).await;
    assert_eq!(fake.lookups("a"), 1);
}

#[tokio::test(start_paused = true)]
async fn metrics_count_targets_per_set() {
    let fake = Arc::new(FakeResolver::default());
    let m = manager(&fake, Duration::from_secs(5));
    let mut rx = m.subscribe();
    m.apply(sets(vec![("node", vec![SdConfig::Static(vec![group(&["a:1", "b:1"])])])])).await;
    rx.changed().await.unwrap();
    let mut registry = prometheus_client::registry::Registry::default();
    m.register_metrics(&mut registry);
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    assert!(
        text.contains(r#"prometheus_sd_discovered_targets{name="scrape",config="node"} 2"#),
        "{text}"
    );
    assert!(text.contains(r#"prometheus_sd_updates_total{name="scrape"} 1"#), "{text}");
}

/// File SD end to end through the manager, on real time (the files are real): short poll and
/// update intervals; waits are bounded, nothing is timed.
#[tokio::test]
async fn file_sd_through_the_manager() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("targets.yml");
    write_atomic(&path, "- targets: ['a:1']\n  labels: {env: prod}\n");
    let metrics = SdMetrics::default();
    let options = DiscoveryOptions {
        update_interval: Duration::from_millis(20),
        file_poll_interval: Duration::from_millis(20),
        metrics: metrics.clone(),
        ..DiscoveryOptions::default()
    };
    let m = DiscoveryManager::new("scrape", options);
    let mut rx = m.subscribe();
    let config = SdConfig::File(FileSdConfig {
        files: vec![dir.path().join("*.yml").display().to_string()],
        refresh_interval: model::duration::Duration::from_secs(300),
    });
    m.apply(sets(vec![("files", vec![config])])).await;

    let wait_for = |rx: &mut watch::Receiver<Arc<TargetSets>>, want: Vec<&'static str>| {
        let mut rx = rx.clone();
        async move {
            tokio::time::timeout(Duration::from_secs(20), async {
                loop {
                    if rx.borrow_and_update().contains_key("files")
                        && targets(&rx.borrow(), "files") == want
                    {
                        return rx.borrow().clone();
                    }
                    rx.changed().await.unwrap();
                }
            })
            .await
            .expect("the expected targets")
        }
    };
    let published = wait_for(&mut rx, vec!["a:1"]).await;
    let g = &published["files"][0];
    assert_eq!(g.labels["env"], "prod");
    assert_eq!(g.labels["__meta_filepath"], path.display().to_string());

    // A change is seen by polling (different size, so even a coarse mtime cannot hide it).
    write_atomic(&path, "- targets: ['a:1', 'b:2']\n");
    wait_for(&mut rx, vec!["a:1", "b:2"]).await;

    // A broken file keeps the targets; a second file adds its own.
    write_atomic(&path, "- targets: ['a:1'\n");
    write_atomic(dir.path().join("more.yml"), "- targets: ['c:3']\n");
    wait_for(&mut rx, vec!["a:1", "b:2", "c:3"]).await;
    tokio::time::timeout(Duration::from_secs(20), async {
        while metrics.file_read_errors.get() == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the broken file is read");
    assert_eq!(targets(&rx.borrow(), "files"), ["a:1", "b:2", "c:3"]);

    // Deleting a file removes its targets.
    std::fs::remove_file(&path).unwrap();
    wait_for(&mut rx, vec!["c:3"]).await;
}

/// Writes through a rename, so a poll never sees a half-written file.
fn write_atomic(path: impl AsRef<std::path::Path>, text: &str) {
    let path = path.as_ref();
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

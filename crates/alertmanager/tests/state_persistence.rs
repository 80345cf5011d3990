//! Alerts, silences and the notification log survive a restart and a kill -9 (simulated by
//! leaking the open instance: no final sync, no snapshot, no destructor).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use alertmanager::alert::{Alert, Time, ZERO_TIME};
use alertmanager::nflog::{Nflog, NflogOptions, ReceiverKey};
use alertmanager::silence::{MatcherSpec, PostableSilence, SilenceOptions, Silences};
use alertmanager::store::{AlertStore, StoreOptions};
use model::labels::Labels;

fn t(s: i64) -> Time {
    Time::from_second(1_800_000_000 + s).unwrap()
}

fn alert(name: &str, end: Time) -> Alert {
    Alert {
        labels: Labels::from_pairs([("alertname", name), ("job", "j")]),
        annotations: Labels::from_pairs([("summary", "s")]),
        starts_at: t(0),
        ends_at: end,
        updated_at: t(0),
        generator_url: "http://g".into(),
        timeout: false,
    }
}

/// Simulates kill -9: the instance is never dropped, so nothing is flushed or snapshotted
/// on the way out.
fn kill<T>(x: Arc<T>) {
    std::mem::forget(x);
}

fn names(store: &AlertStore) -> Vec<String> {
    let mut v: Vec<String> =
        store.snapshot().iter().map(|a| a.labels.get_or_empty("alertname").to_string()).collect();
    v.sort();
    v
}

#[test]
fn alerts_survive_kill_after_the_group_fsync() {
    let dir = tempfile::tempdir().unwrap();
    let opts =
        StoreOptions { sync_interval: Some(Duration::from_millis(20)), ..Default::default() };
    let store = AlertStore::open(dir.path(), opts.clone()).unwrap();
    store.put(vec![alert("a", ZERO_TIME), alert("b", t(100))]).unwrap();
    // The background syncer writes within its interval; wait well past it.
    std::thread::sleep(Duration::from_millis(500));
    kill(store);
    let store = AlertStore::open(dir.path(), opts).unwrap();
    assert_eq!(names(&store), vec!["a", "b"]);
    let b = store.snapshot().into_iter().find(|a| a.labels.get("alertname") == Some("b")).unwrap();
    assert_eq!(b, alert("b", t(100)));
    assert!(store.recovery_problems().is_empty());
}

#[test]
fn gc_deleted_alerts_do_not_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    store.put(vec![alert("resolved", t(10)), alert("firing", ZERO_TIME)]).unwrap();
    store.compact().unwrap();
    assert_eq!(store.gc(t(20)).len(), 1);
    store.sync().unwrap();
    kill(store);
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(names(&store), vec!["firing"]);
    // And after a compaction the deletion stays.
    store.compact().unwrap();
    drop(store);
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(names(&store), vec!["firing"]);
}

#[test]
fn merged_state_is_what_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    let mut first = alert("a", t(100));
    first.updated_at = t(1);
    store.put(vec![first]).unwrap();
    store.compact().unwrap();
    let mut second = alert("a", t(50));
    second.starts_at = t(5);
    second.updated_at = t(2);
    second.annotations = Labels::from_pairs([("summary", "new")]);
    store.put(vec![second]).unwrap();
    store.sync().unwrap();
    kill(store);
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    let a = store.snapshot().pop().unwrap();
    assert_eq!(a.starts_at, t(0));
    assert_eq!(a.ends_at, t(100));
    assert_eq!(a.annotations.get("summary"), Some("new"));
}

fn newest_file(dir: &Path, prefix: &str) -> std::path::PathBuf {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with(prefix))
        .filter(|p| fs::metadata(p).unwrap().len() > 0)
        .collect();
    files.sort();
    files.pop().unwrap()
}

#[test]
fn torn_tail_is_tolerated_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    store.put(vec![alert("kept", ZERO_TIME)]).unwrap();
    store.sync().unwrap();
    kill(store);
    // A record cut off mid-write: a plausible header, half the payload.
    let seg = newest_file(dir.path(), "alerts.log.");
    let mut f = fs::OpenOptions::new().append(true).open(&seg).unwrap();
    f.write_all(&[200, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9]).unwrap();
    drop(f);
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(names(&store), vec!["kept"]);
    let problems = store.recovery_problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("torn last record"), "{}", problems[0]);
    assert!(problems[0].contains("alerts.log."), "{}", problems[0]);
    // Later writes go to a fresh segment and are read back after the torn one.
    store.put(vec![alert("later", ZERO_TIME)]).unwrap();
    store.sync().unwrap();
    kill(store);
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(names(&store), vec!["kept", "later"]);
}

#[test]
fn garbage_snapshot_does_not_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("alerts.snap"), b"not a snapshot at all").unwrap();
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    assert!(store.is_empty());
    assert!(!store.recovery_problems().is_empty());
}

fn silence(value: &str, end: Time) -> PostableSilence {
    PostableSilence {
        matchers: vec![MatcherSpec {
            name: "alertname".into(),
            value: value.into(),
            is_regex: false,
            is_equal: true,
        }],
        starts_at: t(0),
        ends_at: end,
        created_by: "me".into(),
        comment: "deploy".into(),
        annotations: BTreeMap::from([("k".to_string(), "v".to_string())]),
        ..Default::default()
    }
}

#[test]
fn silences_are_durable_when_set_returns() {
    let dir = tempfile::tempdir().unwrap();
    let s = Silences::open(dir.path(), SilenceOptions::default(), t(0)).unwrap();
    let a = s.set(silence("a", t(100)), t(0)).unwrap();
    let b = s.set(silence("b", t(100)), t(0)).unwrap();
    s.expire(&b, t(10)).unwrap();
    let before = s.get(&a).unwrap();
    kill(s);
    let s = Silences::open(dir.path(), SilenceOptions::default(), t(20)).unwrap();
    assert_eq!(*s.get(&a).unwrap(), *before);
    assert_eq!(s.get(&b).unwrap().ends_at, t(10));
    assert_eq!(s.mutes(&Labels::from_pairs([("alertname", "a")]), t(20)), vec![a.clone()]);
    assert!(s.mutes(&Labels::from_pairs([("alertname", "b")]), t(20)).is_empty());
    // After a snapshot, too; and GC'd silences stay gone.
    s.maintenance(t(20)).unwrap();
    drop(s);
    let opts = SilenceOptions { retention: Duration::from_secs(60), ..Default::default() };
    let s = Silences::open(dir.path(), opts.clone(), t(100)).unwrap();
    assert!(s.get(&b).is_none(), "expired at 10, retention 60s, gone at 100");
    assert!(s.get(&a).is_some());
    kill(s);
    let s = Silences::open(dir.path(), opts, t(100)).unwrap();
    assert!(s.get(&b).is_none());
    assert_eq!(s.len(), 1);
}

#[test]
fn nflog_survives_kill_after_sync_and_drops_expired() {
    let dir = tempfile::tempdir().unwrap();
    let rk = ReceiverKey { group_name: "r".into(), integration: "webhook".into(), index: 0 };
    let l = Nflog::open(dir.path(), NflogOptions::default(), t(0)).unwrap();
    l.log(&rk, "g1", vec![1, 2], vec![], BTreeMap::new(), Duration::from_secs(3600), t(0)).unwrap();
    l.log(&rk, "g2", vec![3], vec![4], BTreeMap::new(), Duration::from_secs(10), t(0)).unwrap();
    l.maintenance(t(1)).unwrap();
    let data = BTreeMap::from([("threadTs".to_string(), "9".to_string())]);
    l.log(&rk, "g1", vec![1], vec![2], data.clone(), Duration::from_secs(3600), t(5)).unwrap();
    l.sync().unwrap();
    kill(l);
    let l = Nflog::open(dir.path(), NflogOptions::default(), t(20)).unwrap();
    let e = l.query("g1", &rk).unwrap();
    assert_eq!(
        (e.timestamp, e.firing, e.resolved, e.receiver_data),
        (t(5), vec![1], vec![2], data)
    );
    assert!(l.query("g2", &rk).is_none(), "expired at 10");
}

#[test]
fn concurrent_puts_and_compactions_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    std::thread::scope(|scope| {
        for w in 0..4 {
            let store = &store;
            scope.spawn(move || {
                for round in 0..3i64 {
                    let batch = (0..500)
                        .map(|i| {
                            let mut a = alert(&format!("w{w}-{i}"), ZERO_TIME);
                            a.ends_at = t(1000 + round);
                            a.updated_at = t(round);
                            a
                        })
                        .collect();
                    store.put(batch).unwrap();
                }
            });
        }
        let store = &store;
        scope.spawn(move || {
            for _ in 0..5 {
                store.compact().unwrap();
            }
        });
    });
    store.sync().unwrap();
    let mut before = store.snapshot();
    kill(store);
    let store = AlertStore::open(dir.path(), StoreOptions::default()).unwrap();
    let mut after = store.snapshot();
    let key = |a: &Alert| a.labels.clone();
    before.sort_by_key(key);
    after.sort_by_key(key);
    assert_eq!(before.len(), 2000);
    assert!(before.iter().all(|a| a.ends_at == t(1002)));
    assert_eq!(after, before);
}

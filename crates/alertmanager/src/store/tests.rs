use super::*;
use crate::alert::ZERO_TIME;

const RT: Duration = Duration::from_secs(300);

fn t(ms: i64) -> Time {
    Time::from_millisecond(1_800_000_000_000 + ms).unwrap()
}

fn posted(start: Time, end: Time, ann: &str) -> Alert {
    Alert {
        labels: Labels::from_pairs([("alertname", "test")]),
        annotations: if ann.is_empty() {
            Labels::default()
        } else {
            Labels::from_pairs([("ann", ann)])
        },
        starts_at: start,
        ends_at: end,
        updated_at: ZERO_TIME,
        generator_url: String::new(),
        timeout: false,
    }
}

/// Posts as the API does: normalise at `now`, then put.
fn post(store: &AlertStore, now: Time, a: Alert) {
    let a = validate_and_normalise(a, now, RT, MatcherParseMode::default()).unwrap();
    store.put(vec![a]).unwrap();
}

fn only(store: &AlertStore) -> Alert {
    let all = store.snapshot();
    assert_eq!(all.len(), 1);
    all.into_iter().next().unwrap()
}

// The TestMergeAlerts scenario of the acceptance suite, step by step.
#[test]
fn earliest_start_wins() {
    let s = AlertStore::in_memory(StoreOptions::default());
    post(&s, t(1000), posted(t(1100), ZERO_TIME, ""));
    post(&s, t(1200), posted(t(1000), ZERO_TIME, ""));
    let a = only(&s);
    assert_eq!(a.starts_at, t(1000));
    assert!(a.timeout);
    assert_eq!(a.ends_at, t(1200) + RT);
}

#[test]
fn newest_annotations_win_and_start_is_kept() {
    let s = AlertStore::in_memory(StoreOptions::default());
    post(&s, t(1000), posted(t(1000), ZERO_TIME, ""));
    post(&s, t(2100), posted(t(2100), ZERO_TIME, "v1"));
    assert_eq!(only(&s).annotations.get("ann"), Some("v1"));
    assert_eq!(only(&s).starts_at, t(1000));
    post(&s, t(3600), posted(t(3600), ZERO_TIME, "v2"));
    assert_eq!(only(&s).annotations.get("ann"), Some("v2"));
    assert_eq!(only(&s).starts_at, t(1000));
}

#[test]
fn latest_resolve_wins_then_refire_replaces() {
    let s = AlertStore::in_memory(StoreOptions::default());
    post(&s, t(1000), posted(t(1000), ZERO_TIME, "v2"));
    post(&s, t(4900), posted(t(1000), t(4500), "v3"));
    post(&s, t(4910), posted(t(1000), t(4800), "v3"));
    post(&s, t(4920), posted(t(1000), t(4100), "v3"));
    let a = only(&s);
    assert_eq!(a.ends_at, t(4800));
    assert_eq!(a.annotations.get("ann"), Some("v3"));
    assert!(!a.timeout);
    // Re-fire after resolution: no overlap, the new alert replaces the old one.
    post(&s, t(5300), posted(t(5000), ZERO_TIME, ""));
    let a = only(&s);
    assert_eq!(a.starts_at, t(5000));
    assert!(a.timeout);
    assert!(a.annotations.is_empty());
}

#[test]
fn explicit_later_end_of_older_version_is_kept_but_timeout_end_is_not() {
    let old = Alert { updated_at: t(0), ..posted(t(0), t(100_000), "") };
    let new = Alert { updated_at: t(10), timeout: true, ..posted(t(0), t(50_000), "") };
    assert!(overlaps(&old, &new));
    assert_eq!(merge(&old, new.clone()).ends_at, t(100_000));
    let old_timeout = Alert { timeout: true, ..old };
    assert_eq!(merge(&old_timeout, new).ends_at, t(50_000));
}

#[test]
fn merge_uses_the_newer_version_whatever_the_argument_order() {
    let newer = Alert { updated_at: t(20), ..posted(t(5), t(100), "new") };
    let older = Alert { updated_at: t(10), ..posted(t(0), t(90), "old") };
    let m = merge(&newer, older);
    assert_eq!(m.annotations.get("ann"), Some("new"));
    assert_eq!(m.starts_at, t(0));
}

#[test]
fn no_overlap_when_new_interval_is_outside() {
    let old = posted(t(0), t(100), "");
    assert!(!overlaps(&old, &posted(t(200), t(300), "")));
    // Touching ends are not inside.
    assert!(!overlaps(&old, &posted(t(100), t(300), "")));
    assert!(overlaps(&old, &posted(t(50), t(300), "")));
    assert!(overlaps(&old, &posted(t(-50), t(50), "")));
}

#[test]
fn normalisation_fills_times_and_drops_empty_labels() {
    let mut a = posted(ZERO_TIME, ZERO_TIME, "");
    a.labels = Labels::from_pairs([("alertname", "x"), ("empty", "")]);
    let a = validate_and_normalise(a, t(0), RT, MatcherParseMode::default()).unwrap();
    assert_eq!(a.starts_at, t(0));
    assert_eq!(a.ends_at, t(0) + RT);
    assert_eq!(a.updated_at, t(0));
    assert!(a.timeout);
    assert_eq!(a.labels.len(), 1);
    let b = validate_and_normalise(posted(ZERO_TIME, t(50), ""), t(0), RT, Default::default());
    let b = b.unwrap();
    assert_eq!((b.starts_at, b.ends_at, b.timeout), (t(50), t(50), false));
}

#[test]
fn validation_errors_are_upstreams() {
    let m = MatcherParseMode::default();
    let e = validate_and_normalise(posted(t(10), t(5), ""), t(0), RT, m).unwrap_err();
    assert_eq!(e, "start time must be before end time");
    let mut a = posted(t(0), ZERO_TIME, "");
    a.labels = Labels::from_pairs([("x", "")]);
    let e = validate_and_normalise(a, t(0), RT, m).unwrap_err();
    assert_eq!(e, "at least one label pair required");
    let mut a = posted(t(0), ZERO_TIME, "");
    a.labels = Labels::from_pairs([("alertname", "x"), ("Σ", "y")]);
    assert!(validate_and_normalise(a.clone(), t(0), RT, m).is_ok());
    let e = validate_and_normalise(a, t(0), RT, MatcherParseMode::Classic).unwrap_err();
    assert_eq!(e, r#"invalid label set: invalid name "Σ""#);
    let mut a = posted(t(0), ZERO_TIME, "");
    a.annotations = Labels::from_pairs([("bad-name", "y")]);
    let e = validate_and_normalise(a, t(0), RT, MatcherParseMode::Classic).unwrap_err();
    assert_eq!(e, r#"invalid annotations: invalid name "bad-name""#);
}

#[test]
fn gc_removes_only_resolved() {
    let s = AlertStore::in_memory(StoreOptions::default());
    post(&s, t(0), posted(t(0), t(1000), ""));
    let mut b = posted(t(0), ZERO_TIME, "");
    b.labels = Labels::from_pairs([("alertname", "other")]);
    post(&s, t(0), b);
    assert_eq!(s.gc(t(500)).len(), 0);
    let gone = s.gc(t(1000));
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].labels.get("alertname"), Some("test"));
    assert_eq!(s.len(), 1);
}

fn named(name: &str, instance: &str, end: Time) -> Alert {
    Alert {
        labels: Labels::from_pairs([("alertname", name), ("instance", instance)]),
        ..posted(t(0), end, "")
    }
}

#[test]
fn per_alertname_limit_rejects_until_the_oldest_expired() {
    let s = AlertStore::in_memory(StoreOptions { per_alertname_limit: 2, ..Default::default() });
    post(&s, t(0), named("a", "1", t(1000)));
    post(&s, t(0), named("a", "2", t(5000)));
    post(&s, t(0), named("a", "3", t(5000)));
    post(&s, t(0), named("b", "1", t(5000)));
    assert_eq!(s.len(), 3);
    assert_eq!(s.metrics().limited.get(), 1);
    // Updating a known fingerprint is always fine.
    post(&s, t(10), named("a", "2", t(6000)));
    assert_eq!(s.metrics().limited.get(), 1);
    // Once "a/1" has ended, a new fingerprint takes its slot.
    post(&s, t(2000), named("a", "3", t(5000)));
    assert_eq!(s.len(), 4);
    assert_eq!(s.metrics().limited.get(), 1);
}

#[tokio::test]
async fn subscription_sees_existing_then_changes() {
    let s = AlertStore::in_memory(StoreOptions::default());
    post(&s, t(0), named("a", "1", ZERO_TIME));
    let mut rx = s.subscribe();
    post(&s, t(1), named("a", "2", ZERO_TIME));
    let first = rx.recv().await.unwrap();
    let second = rx.recv().await.unwrap();
    assert_eq!(first.labels.get("instance"), Some("1"));
    assert_eq!(second.labels.get("instance"), Some("2"));
    drop(rx);
    post(&s, t(2), named("a", "3", ZERO_TIME));
    assert_eq!(s.subscribers.read().len(), 0, "closed subscriber pruned");
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl AlertListener for Recorder {
    fn on_put(&self, a: &Alert) {
        self.0.lock().push(format!("put {}", a.labels.get_or_empty("instance")));
    }
    fn on_remove(&self, alerts: &[Alert]) {
        for a in alerts {
            self.0.lock().push(format!("remove {}", a.labels.get_or_empty("instance")));
        }
    }
}

#[test]
fn listener_is_told_synchronously_and_dropped_weakly() {
    let s = AlertStore::in_memory(StoreOptions::default());
    post(&s, t(0), named("a", "1", t(100)));
    let r = Arc::new(Recorder::default());
    let as_dyn: Arc<dyn AlertListener> = r.clone();
    s.add_listener(Arc::downgrade(&as_dyn));
    post(&s, t(1), named("a", "2", ZERO_TIME));
    s.gc(t(200));
    assert_eq!(*r.0.lock(), vec!["put 1", "put 2", "remove 1"]);
    drop(as_dyn);
    drop(r);
    post(&s, t(2), named("a", "3", ZERO_TIME));
    assert_eq!(s.subscribers.read().len(), 0);
}

// TestMergeAlertsWithEndsAt: the same pushes with explicit ends (start + 3s).
#[test]
fn explicit_ends_merge_to_the_later_unexpired_end() {
    let s = AlertStore::in_memory(StoreOptions::default());
    post(&s, t(1000), posted(t(1100), t(4100), ""));
    post(&s, t(1200), posted(t(1000), t(4000), ""));
    let a = only(&s);
    assert_eq!((a.starts_at, a.ends_at, a.timeout), (t(1000), t(4100), false));
    // A resolve whose end lies past the stored end does not overlap: it replaces.
    post(&s, t(4200), posted(t(1000), t(4150), "v3"));
    let a = only(&s);
    assert_eq!(a.ends_at, t(4150));
    assert_eq!(a.annotations.get("ann"), Some("v3"));
}

#[test]
fn for_each_and_get_see_the_stored_version() {
    let s = AlertStore::in_memory(StoreOptions::default());
    post(&s, t(0), named("a", "1", ZERO_TIME));
    post(&s, t(0), named("a", "2", ZERO_TIME));
    let mut n = 0;
    s.for_each(|a| {
        assert_eq!(s_get_name(a), "a");
        n += 1;
    });
    assert_eq!(n, 2);
    let fp = named("a", "1", ZERO_TIME).fingerprint();
    assert_eq!(s.get(&fp).unwrap().labels.get("instance"), Some("1"));
    assert!(s.get(&model::labels::Fingerprint(1)).is_none());
}

fn s_get_name(a: &Alert) -> &str {
    a.labels.get_or_empty("alertname")
}

//! Inhibition (§5.3): while a source alert fires, target alerts with the same `equal` labels
//! are muted.
//!
//! Each rule keeps the stored alerts that match its source side, indexed by the values of
//! their `equal` labels, so [`Inhibitor::mutes`] looks at the sources that share the target's
//! values only. The caches follow the store synchronously ([`AlertListener`]): a source
//! inhibits from the moment the API stored it, and a GC'd one is forgotten. Rebuild the
//! inhibitor on config reload; dropping it unsubscribes it.
//!
//! Unlike upstream, which keeps one source per `equal` value set, every source is kept, so the
//! two-sided exception ("a source that also matches the target side does not inhibit a target
//! that also matches the source side") cannot hide another source that would inhibit.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, Weak};

use model::labels::{Fingerprint, Labels};
use model::matcher::Matchers;
use parking_lot::RwLock;

use crate::alert::{Alert, NumMap, Time, is_zero};
use crate::config::InhibitRule;
use crate::store::{AlertListener, AlertStore};

/// The inhibition rules of one config, kept current from the store.
#[derive(Debug)]
pub struct Inhibitor {
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    source: Matchers,
    target: Matchers,
    equal: Vec<String>,
    cache: RwLock<SourceCache>,
}

#[derive(Debug, Default)]
struct SourceCache {
    sources: NumMap<Fingerprint, Source>,
    by_equal: NumMap<u64, Vec<Fingerprint>>,
}

#[derive(Debug)]
struct Source {
    labels: Labels,
    ends_at: Time,
    equal_key: u64,
    /// Whether the source also matches the rule's target side (the two-sided exception).
    matches_target: bool,
}

impl Rule {
    fn equal_key(&self, labels: &Labels) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for name in &self.equal {
            labels.get_or_empty(name).hash(&mut h);
        }
        h.finish()
    }

    fn equal_values(&self, a: &Labels, b: &Labels) -> bool {
        self.equal.iter().all(|n| a.get_or_empty(n) == b.get_or_empty(n))
    }

    fn put(&self, a: &Alert) {
        if !self.source.matches_labels(&a.labels) {
            return;
        }
        let fp = a.fingerprint();
        let mut c = self.cache.write();
        if let Some(s) = c.sources.get_mut(&fp) {
            s.ends_at = a.ends_at;
            return;
        }
        let equal_key = self.equal_key(&a.labels);
        let matches_target = self.target.matches_labels(&a.labels);
        c.by_equal.entry(equal_key).or_default().push(fp);
        let src =
            Source { labels: a.labels.clone(), ends_at: a.ends_at, equal_key, matches_target };
        c.sources.insert(fp, src);
    }

    fn remove(&self, c: &mut SourceCache, fp: Fingerprint) {
        let Some(s) = c.sources.remove(&fp) else { return };
        if let Some(v) = c.by_equal.get_mut(&s.equal_key) {
            v.retain(|f| *f != fp);
            if v.is_empty() {
                c.by_equal.remove(&s.equal_key);
            }
        }
    }

    fn inhibiting_source(&self, labels: &Labels, now: Time) -> Option<Fingerprint> {
        let target_is_source = self.source.matches_labels(labels);
        let c = self.cache.read();
        let fps = c.by_equal.get(&self.equal_key(labels))?;
        fps.iter().copied().find(|fp| {
            c.sources.get(fp).is_some_and(|s| {
                let resolved = !is_zero(s.ends_at) && s.ends_at <= now;
                // The two-sided exception: a source that is also a target does not inhibit
                // a target that is also a source.
                let excluded = target_is_source && s.matches_target;
                !resolved && !excluded && self.equal_values(labels, &s.labels)
            })
        })
    }
}

impl Inhibitor {
    /// Builds the rules and loads their caches from `store`, then follows it.
    pub fn new(rules: &[InhibitRule], store: &AlertStore) -> Arc<Inhibitor> {
        let rules = rules
            .iter()
            .map(|r| Rule {
                source: r.source_matchers.clone(),
                target: r.target_matchers.clone(),
                equal: r.equal.clone(),
                cache: RwLock::new(SourceCache::default()),
            })
            .collect();
        let ih = Arc::new(Inhibitor { rules });
        let as_listener: Arc<dyn AlertListener> = ih.clone();
        let weak: Weak<dyn AlertListener> = Arc::downgrade(&as_listener);
        store.add_listener(weak);
        ih
    }

    /// The fingerprint of the source alert that inhibits an alert with `labels` at `now`,
    /// from the first rule that inhibits it.
    pub fn mutes(&self, labels: &Labels, now: Time) -> Option<Fingerprint> {
        self.rules
            .iter()
            .filter(|r| r.target.matches_labels(labels))
            .find_map(|r| r.inhibiting_source(labels, now))
    }

    /// Forgets sources resolved at `now` (the store's GC also removes them).
    pub fn gc(&self, now: Time) {
        for r in &self.rules {
            let mut c = r.cache.write();
            let done: Vec<Fingerprint> = c
                .sources
                .iter()
                .filter(|(_, s)| !is_zero(s.ends_at) && s.ends_at <= now)
                .map(|(fp, _)| *fp)
                .collect();
            for fp in done {
                r.remove(&mut c, fp);
            }
        }
    }

    /// How many source alerts the rules hold (for tests and metrics).
    pub fn cached_sources(&self) -> usize {
        self.rules.iter().map(|r| r.cache.read().sources.len()).sum()
    }
}

impl AlertListener for Inhibitor {
    fn on_put(&self, alert: &Alert) {
        for r in &self.rules {
            r.put(alert);
        }
    }

    fn on_remove(&self, alerts: &[Alert]) {
        for r in &self.rules {
            let mut c = r.cache.write();
            for a in alerts {
                r.remove(&mut c, a.fingerprint());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::ZERO_TIME;
    use crate::store::StoreOptions;
    use model::matcher::{MatchOp, Matcher};

    fn t(s: i64) -> Time {
        Time::from_second(1_800_000_000 + s).unwrap()
    }

    fn ms(pairs: &[(&str, &str)]) -> Matchers {
        Matchers::from(
            pairs
                .iter()
                .map(|(n, v)| Matcher::alertmanager(MatchOp::Equal, *n, *v).unwrap())
                .collect::<Vec<_>>(),
        )
    }

    fn rule(src: &[(&str, &str)], tgt: &[(&str, &str)], equal: &[&str]) -> InhibitRule {
        InhibitRule {
            name: None,
            source_matchers: ms(src),
            target_matchers: ms(tgt),
            equal: equal.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn alert(pairs: &[(&str, &str)], end: Time) -> Alert {
        Alert {
            labels: Labels::from_pairs(pairs.iter().copied()),
            annotations: Labels::default(),
            starts_at: t(0),
            ends_at: end,
            updated_at: t(0),
            generator_url: String::new(),
            timeout: false,
        }
    }

    fn ls(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn acceptance_inhibiting_scenario() {
        let store = AlertStore::in_memory(StoreOptions::default());
        let ih = Inhibitor::new(
            &[rule(
                &[("alertname", "JobDown")],
                &[("alertname", "InstanceDown")],
                &["job", "zone"],
            )],
            &store,
        );
        let aa = ls(&[("alertname", "InstanceDown"), ("job", "x"), ("zone", "aa")]);
        let ab = ls(&[("alertname", "InstanceDown"), ("job", "x"), ("zone", "ab")]);
        let test1 = ls(&[("alertname", "test1"), ("job", "x"), ("zone", "aa")]);
        assert_eq!(ih.mutes(&aa, t(1)), None);
        let src = alert(&[("alertname", "JobDown"), ("job", "x"), ("zone", "aa")], t(100));
        store.put(vec![src.clone()]).unwrap();
        assert_eq!(ih.mutes(&aa, t(2)), Some(src.fingerprint()));
        assert_eq!(ih.mutes(&ab, t(2)), None);
        assert_eq!(ih.mutes(&test1, t(2)), None);
        // Resolved at 3.6: stops inhibiting at that instant.
        store.put(vec![Alert { ends_at: t(36), updated_at: t(36), ..src }]).unwrap();
        assert!(ih.mutes(&aa, t(35)).is_some());
        assert_eq!(ih.mutes(&aa, t(36)), None);
    }

    #[test]
    fn equal_labels_missing_on_both_sides_count_as_equal() {
        let store = AlertStore::in_memory(StoreOptions::default());
        let ih = Inhibitor::new(&[rule(&[("s", "1")], &[("t", "1")], &["cluster"])], &store);
        store.put(vec![alert(&[("s", "1")], ZERO_TIME)]).unwrap();
        assert!(ih.mutes(&ls(&[("t", "1")]), t(1)).is_some());
        assert!(ih.mutes(&ls(&[("t", "1"), ("cluster", "a")]), t(1)).is_none());
        store.put(vec![alert(&[("s", "1"), ("cluster", "b")], ZERO_TIME)]).unwrap();
        assert!(ih.mutes(&ls(&[("t", "1"), ("cluster", "a")]), t(1)).is_none());
        assert!(ih.mutes(&ls(&[("t", "1"), ("cluster", "b")]), t(1)).is_some());
    }

    #[test]
    fn two_sided_exception() {
        // Sources: severity=critical; targets: anything with team=db. A critical db alert
        // matches both sides: other critical db alerts must not inhibit it, but a critical
        // source that is not a target (no team) still does.
        let store = AlertStore::in_memory(StoreOptions::default());
        let r = rule(&[("severity", "critical")], &[("team", "db")], &["cluster"]);
        let ih = Inhibitor::new(&[r], &store);
        let both = alert(&[("severity", "critical"), ("team", "db"), ("n", "1")], ZERO_TIME);
        store.put(vec![both.clone()]).unwrap();
        let other_both = ls(&[("severity", "critical"), ("team", "db"), ("n", "2")]);
        assert_eq!(ih.mutes(&other_both, t(1)), None);
        assert_eq!(ih.mutes(&both.labels, t(1)), None, "never inhibits itself");
        // A plain target is inhibited by the two-sided source.
        let plain = ls(&[("severity", "warning"), ("team", "db")]);
        assert_eq!(ih.mutes(&plain, t(1)), Some(both.fingerprint()));
        // A source that is not a target inhibits the two-sided alert.
        let pure = alert(&[("severity", "critical"), ("n", "3")], ZERO_TIME);
        store.put(vec![pure.clone()]).unwrap();
        assert_eq!(ih.mutes(&other_both, t(1)), Some(pure.fingerprint()));
    }

    #[test]
    fn first_inhibiting_rule_wins() {
        let store = AlertStore::in_memory(StoreOptions::default());
        let ih = Inhibitor::new(
            &[
                rule(&[("a", "none")], &[("t", "1")], &[]),
                rule(&[("a", "first")], &[("t", "1")], &[]),
                rule(&[("a", "second")], &[("t", "1")], &[]),
            ],
            &store,
        );
        let second = alert(&[("a", "second")], ZERO_TIME);
        let first = alert(&[("a", "first")], ZERO_TIME);
        store.put(vec![second.clone(), first.clone()]).unwrap();
        assert_eq!(ih.mutes(&ls(&[("t", "1")]), t(1)), Some(first.fingerprint()));
    }

    #[test]
    fn existing_alerts_are_loaded_and_gc_forgets() {
        let store = AlertStore::in_memory(StoreOptions::default());
        store.put(vec![alert(&[("s", "1")], t(10))]).unwrap();
        let ih = Inhibitor::new(&[rule(&[("s", "1")], &[("t", "1")], &[])], &store);
        assert_eq!(ih.cached_sources(), 1);
        assert!(ih.mutes(&ls(&[("t", "1")]), t(5)).is_some());
        store.gc(t(10));
        assert_eq!(ih.cached_sources(), 0);
        store.put(vec![alert(&[("s", "1"), ("x", "y")], t(20))]).unwrap();
        ih.gc(t(20));
        assert_eq!(ih.cached_sources(), 0);
    }

    #[test]
    fn null_rule_inhibits_nothing() {
        let store = AlertStore::in_memory(StoreOptions::default());
        let ih = Inhibitor::new(&[InhibitRule::default()], &store);
        store.put(vec![alert(&[("a", "1")], ZERO_TIME), alert(&[("a", "2")], ZERO_TIME)]).unwrap();
        assert_eq!(ih.mutes(&ls(&[("a", "1")]), t(1)), None);
        assert_eq!(ih.mutes(&ls(&[("b", "1")]), t(1)), None);
    }

    #[test]
    fn dropped_inhibitor_unsubscribes() {
        let store = AlertStore::in_memory(StoreOptions::default());
        let ih = Inhibitor::new(&[rule(&[("s", "1")], &[("t", "1")], &[])], &store);
        drop(ih);
        store.put(vec![alert(&[("s", "1")], ZERO_TIME)]).unwrap();
        assert_eq!(store.len(), 1);
    }
}

use super::*;
use crate::alert::ZERO_TIME;

fn t(s: i64) -> Time {
    Time::from_second(1_800_000_000 + s).unwrap()
}

fn eq(name: &str, value: &str) -> MatcherSpec {
    MatcherSpec { name: name.into(), value: value.into(), is_regex: false, is_equal: true }
}

fn re(name: &str, value: &str) -> MatcherSpec {
    MatcherSpec { name: name.into(), value: value.into(), is_regex: true, is_equal: true }
}

fn ne(name: &str, value: &str) -> MatcherSpec {
    MatcherSpec { name: name.into(), value: value.into(), is_regex: false, is_equal: false }
}

fn post(ms: Vec<MatcherSpec>, start: Time, end: Time) -> PostableSilence {
    PostableSilence {
        matchers: ms,
        starts_at: start,
        ends_at: end,
        created_by: "me".into(),
        comment: "c".into(),
        ..Default::default()
    }
}

fn with_id(id: &str, p: PostableSilence) -> PostableSilence {
    PostableSilence { id: Some(id.to_string()), ..p }
}

fn silences() -> Arc<Silences> {
    Silences::in_memory(SilenceOptions::default())
}

fn ls(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

#[test]
fn create_assigns_uuid_and_moves_past_start_to_now() {
    let s = silences();
    let id = s.set(post(vec![eq("a", "b")], t(-100), t(100)), t(0)).unwrap();
    let u = uuid::Uuid::parse_str(&id).unwrap();
    assert_eq!(u.get_version_num(), 4);
    let sil = s.get(&id).unwrap();
    assert_eq!(sil.starts_at, t(0));
    assert_eq!(sil.updated_at, t(0));
    assert_eq!(sil.state(t(0)), SilenceState::Active);
    // A zero start means now.
    let id2 = s.set(post(vec![eq("a", "b")], ZERO_TIME, t(100)), t(5)).unwrap();
    assert_eq!(s.get(&id2).unwrap().starts_at, t(5));
}

#[test]
fn active_silence_end_change_updates_in_place() {
    let s = silences();
    let id = s.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    let same = s.set(with_id(&id, post(vec![eq("a", "b")], t(0), t(200))), t(10)).unwrap();
    assert_eq!(same, id);
    assert_eq!(s.get(&id).unwrap().ends_at, t(200));
    assert_eq!(s.get(&id).unwrap().updated_at, t(10));
    assert_eq!(s.len(), 1);
}

#[test]
fn active_silence_start_change_makes_new_id_and_expires_old() {
    let s = silences();
    let id = s.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    let new = s.set(with_id(&id, post(vec![eq("a", "b")], t(5), t(100))), t(10)).unwrap();
    assert_ne!(new, id);
    assert_eq!(s.get(&id).unwrap().ends_at, t(10));
    assert_eq!(s.get(&id).unwrap().state(t(10)), SilenceState::Expired);
    // The new one's start was in the past: moved to now.
    assert_eq!(s.get(&new).unwrap().starts_at, t(10));
}

#[test]
fn active_silence_end_in_past_is_not_an_update() {
    let s = silences();
    let id = s.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    // End before now (end >= start still valid for the silence itself).
    let new = s.set(with_id(&id, post(vec![eq("a", "b")], t(0), t(5))), t(10)).unwrap();
    assert_ne!(new, id);
}

#[test]
fn changed_matchers_make_new_id() {
    let s = silences();
    let id = s.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    let new = s.set(with_id(&id, post(vec![eq("a", "c")], t(0), t(100))), t(1)).unwrap();
    assert_ne!(new, id);
    assert_eq!(s.get(&id).unwrap().state(t(1)), SilenceState::Expired);
    // Same matchers in another order are different too.
    let two = s.set(post(vec![eq("a", "b"), eq("c", "d")], t(1), t(100)), t(1)).unwrap();
    let swapped = s.set(with_id(&two, post(vec![eq("c", "d"), eq("a", "b")], t(1), t(100))), t(2));
    assert_ne!(swapped.unwrap(), two);
}

#[test]
fn pending_silence_rules() {
    let s = silences();
    let id = s.set(post(vec![eq("a", "b")], t(50), t(100)), t(0)).unwrap();
    assert_eq!(s.get(&id).unwrap().state(t(0)), SilenceState::Pending);
    // Start moved but still in the future: in place.
    let same = s.set(with_id(&id, post(vec![eq("a", "b")], t(60), t(100))), t(1)).unwrap();
    assert_eq!(same, id);
    assert_eq!(s.get(&id).unwrap().starts_at, t(60));
    // Start moved into the past: new id; the pending one is expired (start = end = now).
    let new = s.set(with_id(&id, post(vec![eq("a", "b")], t(0), t(100))), t(2)).unwrap();
    assert_ne!(new, id);
    let old = s.get(&id).unwrap();
    assert_eq!((old.starts_at, old.ends_at), (t(2), t(2)));
    assert_eq!(s.get(&new).unwrap().starts_at, t(2));
}

#[test]
fn expired_silence_is_never_updated_and_stays_as_it_was() {
    let s = silences();
    let id = s.set(post(vec![eq("a", "b")], t(0), t(10)), t(0)).unwrap();
    let new = s.set(with_id(&id, post(vec![eq("a", "b")], t(0), t(100))), t(20)).unwrap();
    assert_ne!(new, id);
    let old = s.get(&id).unwrap();
    assert_eq!(old.ends_at, t(10));
    assert_eq!(old.updated_at, t(0));
}

#[test]
fn unknown_id_is_not_found() {
    let s = silences();
    let e = s.set(with_id("nope", post(vec![eq("a", "b")], t(0), t(10))), t(0)).unwrap_err();
    assert!(matches!(e, SilenceError::NotFound));
    assert_eq!(e.to_string(), "silence not found");
    assert!(matches!(s.expire("nope", t(0)), Err(SilenceError::NotFound)));
}

#[test]
fn expire_by_state() {
    let s = silences();
    let active = s.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    let pending = s.set(post(vec![eq("a", "b")], t(50), t(100)), t(0)).unwrap();
    let done = s.set(post(vec![eq("a", "b")], t(0), t(5)), t(0)).unwrap();
    s.expire(&active, t(10)).unwrap();
    s.expire(&pending, t(10)).unwrap();
    let v = s.version();
    s.expire(&done, t(10)).unwrap();
    assert_eq!(s.version(), v, "expiring an expired silence changes nothing");
    assert_eq!(s.get(&active).unwrap().ends_at, t(10));
    let p = s.get(&pending).unwrap();
    assert_eq!((p.starts_at, p.ends_at), (t(10), t(10)));
    assert_eq!(s.get(&done).unwrap().ends_at, t(5));
    assert!(s.mutes(&ls(&[("a", "b")]), t(10)).is_empty());
}

fn err(s: &Silences, p: PostableSilence) -> String {
    s.set(p, t(0)).unwrap_err().to_string()
}

#[test]
fn validation_texts() {
    let s = silences();
    assert_eq!(
        err(&s, post(vec![], t(0), t(1))),
        "invalid silence: at least one matcher set required"
    );
    assert_eq!(
        err(&s, post(vec![eq("a", ""), re("b", ".*")], t(0), t(1))),
        "invalid silence: matcher set 0: at least one matcher must not match the empty string"
    );
    let e = err(&s, post(vec![eq("a", "b"), re("b", "(")], t(0), t(1)));
    assert!(
        e.starts_with(
            r#"invalid silence: invalid label matcher 1 in set 0: invalid regular expression "(": "#
        ),
        "{e}"
    );
    assert!(e.contains("missing closing )"), "{e}");
    assert_eq!(
        err(&s, post(vec![eq("a", "b")], t(0), ZERO_TIME)),
        "invalid silence: invalid zero end timestamp"
    );
    assert_eq!(
        err(&s, post(vec![eq("a", "b")], t(10), t(5))),
        "invalid silence: end time must not be before start time"
    );
    let classic = Silences::in_memory(SilenceOptions {
        mode: MatcherParseMode::Classic,
        ..Default::default()
    });
    assert_eq!(
        err(&classic, post(vec![eq("fooΣ", "bar🙂")], t(0), t(1))),
        r#"invalid silence: invalid label matcher 0 in set 0: invalid label name "fooΣ""#
    );
    assert!(s.set(post(vec![eq("fooΣ", "bar🙂")], t(0), t(1)), t(0)).is_ok());
    assert!(s.is_empty() || s.len() == 1);
}

#[test]
fn api_time_checks() {
    assert_eq!(
        check_api_times(t(1), t(1), t(0)).unwrap_err(),
        "start time must be before end time"
    );
    assert_eq!(check_api_times(t(1), t(2), t(3)).unwrap_err(), "end time can't be in the past");
    assert!(check_api_times(t(1), t(2), t(0)).is_ok());
}

#[test]
fn count_and_size_limits() {
    let s = Silences::in_memory(SilenceOptions { max_silences: 1, ..Default::default() });
    let id = s.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    assert_eq!(
        err(&s, post(vec![eq("a", "c")], t(0), t(100))),
        "exceeded maximum number of silences: 1 (limit: 1)"
    );
    // Updating in place needs no new slot.
    s.set(with_id(&id, post(vec![eq("a", "b")], t(0), t(200))), t(1)).unwrap();

    let s =
        Silences::in_memory(SilenceOptions { max_silence_size_bytes: 200, ..Default::default() });
    s.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    let mut big = post(vec![eq("a", "b")], t(0), t(100));
    big.comment = "x".repeat(300);
    let e = err(&s, big);
    assert!(e.starts_with("silence exceeded maximum size: "), "{e}");
    assert!(e.ends_with("bytes (limit: 200 bytes)"), "{e}");
}

#[test]
fn regex_budget_is_shared_and_capped() {
    let s =
        Silences::in_memory(SilenceOptions { max_regex_bytes: 600 << 10, ..Default::default() });
    s.set(post(vec![re("a", "x.*")], t(0), t(100)), t(0)).unwrap();
    let one = s.regex_bytes();
    assert!(one > 0);
    // The same pattern again is shared: no new charge.
    s.set(post(vec![re("a", "x.*")], t(0), t(100)), t(0)).unwrap();
    assert_eq!(s.regex_bytes(), one);
    s.set(post(vec![re("a", "y.*")], t(0), t(100)), t(0)).unwrap();
    let e = err(&s, post(vec![re("a", "z.*")], t(0), t(100)));
    assert!(e.starts_with("exceeded silence regex memory"), "{e}");
    // A pattern that needs more than 16 MiB compiled is refused outright.
    let e = err(&s, post(vec![re("a", r"\pL{1000}")], t(0), t(100)));
    assert!(e.contains("needs more than 16 MiB"), "{e}");
}

#[test]
fn mutes_uses_equality_literal_sets_and_prefixes() {
    let s = silences();
    let by_eq =
        s.set(post(vec![eq("alertname", "A"), ne("env", "dev")], t(0), t(100)), t(0)).unwrap();
    let by_set = s.set(post(vec![re("instance", "web-1|web-2")], t(0), t(100)), t(0)).unwrap();
    let by_prefix = s.set(post(vec![re("job", "api.*")], t(0), t(100)), t(0)).unwrap();
    let pending = s.set(post(vec![eq("alertname", "A")], t(50), t(100)), t(0)).unwrap();
    assert_eq!(s.index_stats(), (4, 0));
    let mut want = vec![by_eq.clone(), by_set.clone()];
    want.sort();
    assert_eq!(s.mutes(&ls(&[("alertname", "A"), ("instance", "web-2")]), t(1)), want);
    assert_eq!(s.mutes(&ls(&[("alertname", "A"), ("env", "dev")]), t(1)), Vec::<String>::new());
    assert_eq!(
        s.mutes(&ls(&[("alertname", "B"), ("job", "api-x")]), t(1)),
        vec![by_prefix.clone()]
    );
    assert!(s.mutes(&ls(&[("alertname", "B"), ("job", "ap")]), t(1)).is_empty());
    let mut at60 = vec![by_eq, pending];
    at60.sort();
    assert_eq!(s.mutes(&ls(&[("alertname", "A")]), t(60)), at60);
    assert!(s.mutes(&ls(&[("alertname", "A")]), t(100)).is_empty(), "ended at 100");
}

#[test]
fn absent_label_compares_as_empty() {
    let s = silences();
    let id = s.set(post(vec![eq("a", "b"), re("zone", "|eu")], t(0), t(100)), t(0)).unwrap();
    assert_eq!(s.mutes(&ls(&[("a", "b")]), t(1)), vec![id.clone()]);
    assert_eq!(s.mutes(&ls(&[("a", "b"), ("zone", "eu")]), t(1)), vec![id]);
    assert!(s.mutes(&ls(&[("a", "b"), ("zone", "us")]), t(1)).is_empty());
}

#[test]
fn query_filters_verbatim_and_sorts() {
    let s = silences();
    let a2 = s.set(post(vec![eq("a", "b")], t(0), t(200)), t(0)).unwrap();
    let a1 = s.set(post(vec![eq("a", "b"), eq("c", "d")], t(0), t(100)), t(0)).unwrap();
    let p2 = s.set(post(vec![eq("a", "b")], t(80), t(300)), t(0)).unwrap();
    let p1 = s.set(post(vec![eq("a", "b")], t(70), t(300)), t(0)).unwrap();
    let e1 = s.set(post(vec![eq("a", "b")], t(0), t(5)), t(0)).unwrap();
    let e2 = s.set(post(vec![re("a", "b")], t(0), t(8)), t(0)).unwrap();
    let ids = |q: &SilenceQuery| -> Vec<String> {
        s.query(q, t(10)).into_iter().map(|(s, _)| s.id.clone()).collect()
    };
    assert_eq!(
        ids(&SilenceQuery::default()),
        vec![a1.clone(), a2.clone(), p1.clone(), p2.clone(), e2.clone(), e1.clone()]
    );
    let f = Matcher::alertmanager(MatchOp::Equal, "a", "b").unwrap();
    let q = SilenceQuery { filter: vec![f], ..Default::default() };
    assert_eq!(ids(&q), vec![a1.clone(), a2.clone(), p1.clone(), p2, e1.clone()]);
    let f = Matcher::alertmanager(MatchOp::Equal, "c", "d").unwrap();
    assert_eq!(ids(&SilenceQuery { filter: vec![f], ..Default::default() }), vec![a1.clone()]);
    let q = SilenceQuery { active: false, pending: false, ..Default::default() };
    assert_eq!(ids(&q), vec![e2, e1]);
    let q = SilenceQuery { expired: false, pending: false, ..Default::default() };
    assert_eq!(ids(&q), vec![a1, a2]);
    let (_, state) = &s.query(&SilenceQuery::default(), t(10))[2];
    assert_eq!(*state, SilenceState::Pending);
}

#[test]
fn gc_respects_retention() {
    let s = Silences::in_memory(SilenceOptions {
        retention: Duration::from_secs(100),
        ..Default::default()
    });
    let id = s.set(post(vec![eq("a", "b")], t(0), t(10)), t(0)).unwrap();
    s.set(post(vec![eq("a", "b")], t(0), t(1000)), t(0)).unwrap();
    assert_eq!(s.gc(t(110)).unwrap(), 0);
    assert_eq!(s.gc(t(111)).unwrap(), 1);
    assert!(s.get(&id).is_none());
    assert_eq!(s.len(), 1);
}

#[test]
fn maintenance_drops_ended_silences_from_the_index() {
    let s = silences();
    s.set(post(vec![eq("a", "b")], t(0), t(10)), t(0)).unwrap();
    s.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    assert_eq!(s.index_stats().0, 2);
    s.maintenance(t(20)).unwrap();
    assert_eq!(s.index_stats().0, 1);
    assert_eq!(s.len(), 2);
}

#[test]
fn negative_matchers_count_as_not_matching_empty() {
    // Upstream's rule: `!=` never "matches the empty string", so this silence is valid.
    let s = silences();
    assert!(s.set(post(vec![eq("a", ""), ne("c", "x")], t(0), t(1)), t(0)).is_ok());
}

#[test]
fn presence_and_fallback_silences() {
    let s = silences();
    let present =
        s.set(post(vec![re("team", ".+"), ne("env", "dev")], t(0), t(100)), t(0)).unwrap();
    let not_empty = s.set(post(vec![ne("owner", ""), eq("x", "")], t(0), t(100)), t(0)).unwrap();
    let anywhere =
        s.set(post(vec![ne("env", "dev"), re("zone", ".*")], t(0), t(100)), t(0)).unwrap();
    assert_eq!(s.index_stats(), (3, 1));
    let mut want = vec![present.clone(), anywhere.clone()];
    want.sort();
    assert_eq!(s.mutes(&ls(&[("team", "db")]), t(1)), want);
    assert_eq!(s.mutes(&ls(&[("team", "db"), ("env", "dev")]), t(1)), Vec::<String>::new());
    let mut want = vec![not_empty, anywhere.clone()];
    want.sort();
    assert_eq!(s.mutes(&ls(&[("owner", "me")]), t(1)), want);
    assert_eq!(s.mutes(&ls(&[("a", "b")]), t(1)), vec![anywhere.clone()]);
    // Removal from each kind of bucket.
    s.expire(&present, t(2)).unwrap();
    s.expire(&anywhere, t(2)).unwrap();
    assert_eq!(s.index_stats(), (1, 0));
    assert!(s.mutes(&ls(&[("team", "db")]), t(3)).is_empty());
}

#[test]
fn prefix_buckets_of_several_lengths() {
    let s = silences();
    let short = s.set(post(vec![re("job", "ap.*")], t(0), t(100)), t(0)).unwrap();
    let long = s.set(post(vec![re("job", "api-[0-9]+")], t(0), t(100)), t(0)).unwrap();
    let mut both = vec![short.clone(), long.clone()];
    both.sort();
    assert_eq!(s.mutes(&ls(&[("job", "api-1")]), t(1)), both);
    assert_eq!(s.mutes(&ls(&[("job", "apx")]), t(1)), vec![short.clone()]);
    assert!(s.mutes(&ls(&[("job", "a")]), t(1)).is_empty());
    s.expire(&short, t(2)).unwrap();
    assert_eq!(s.mutes(&ls(&[("job", "api-1")]), t(3)), vec![long]);
}

// ---------------------------------------------------------------------------------------------
// Replication between cluster peers.

/// What a node broadcast.
type Sent = Arc<parking_lot::Mutex<Vec<Vec<u8>>>>;

/// Silences wired to record what they broadcast.
fn recording() -> (Arc<Silences>, Sent) {
    let s = silences();
    let sent = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let out = sent.clone();
    s.set_broadcast(Box::new(move |m| out.lock().push(m)));
    (s, sent)
}

fn snapshot(s: &Silences) -> Vec<Silence> {
    let mut all: Vec<Silence> = s.list().iter().map(|s| (**s).clone()).collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all
}

#[test]
fn local_changes_are_broadcast_and_a_peer_converges() {
    let (a, sent) = recording();
    let b = silences();
    let id = a.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    a.expire(&id, t(10)).unwrap();
    assert_eq!(sent.lock().len(), 2, "set and expire each broadcast once");
    for m in sent.lock().iter() {
        assert_eq!(b.merge_bytes(m, t(10)).unwrap(), 1);
    }
    assert_eq!(snapshot(&a), snapshot(&b));
    assert!(b.mutes(&ls(&[("a", "b")]), t(11)).is_empty());
    // Merged changes are not broadcast again.
    let (c, c_sent) = recording();
    c.merge_bytes(&a.full_state(), t(10)).unwrap();
    assert!(c_sent.lock().is_empty());
    assert_eq!(snapshot(&a), snapshot(&c));
}

#[test]
fn older_updates_never_replace_newer_ones_whatever_the_order() {
    let (a, sent) = recording();
    let id = a.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    a.set(with_id(&id, post(vec![eq("a", "b")], t(0), t(200))), t(5)).unwrap();
    a.expire(&id, t(7)).unwrap();
    let msgs = sent.lock().clone();
    assert_eq!(msgs.len(), 3);
    let want = snapshot(&a);
    // Every order of delivery, with repeats, ends in the same state.
    for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]] {
        let b = silences();
        for i in order.iter().chain(order.iter()) {
            b.merge_bytes(&msgs[*i], t(8)).unwrap();
        }
        assert_eq!(snapshot(&b), want, "order {order:?}");
        assert_eq!(b.merge_bytes(&a.full_state(), t(8)).unwrap(), 0, "idempotent");
    }
}

#[test]
fn equal_update_times_are_broken_by_content_on_every_peer() {
    let a = silences();
    let b = silences();
    let mut x = Silence {
        id: "same".into(),
        matchers: validate::build_matchers(&[eq("a", "b")], MatcherParseMode::default()).unwrap(),
        starts_at: t(0),
        ends_at: t(100),
        updated_at: t(1),
        comment: "x".into(),
        ..Silence::default()
    };
    let mut y = x.clone();
    y.comment = "y".into();
    let mx = replicate::encode(Kind::Delta, [encode_silence(&x)]);
    let my = replicate::encode(Kind::Delta, [encode_silence(&y)]);
    a.merge_bytes(&mx, t(2)).unwrap();
    a.merge_bytes(&my, t(2)).unwrap();
    b.merge_bytes(&my, t(2)).unwrap();
    b.merge_bytes(&mx, t(2)).unwrap();
    assert_eq!(snapshot(&a), snapshot(&b));
    x.comment = "y".into();
    assert_eq!(snapshot(&a)[0].comment, x.comment);
}

#[test]
fn silences_past_retention_and_bad_bytes_are_refused() {
    let (a, _) = recording();
    a.set(post(vec![eq("a", "b")], t(0), t(10)), t(0)).unwrap();
    let b = Silences::in_memory(SilenceOptions {
        retention: Duration::from_secs(60),
        ..SilenceOptions::default()
    });
    assert_eq!(b.merge_bytes(&a.full_state(), t(71)).unwrap(), 0);
    assert_eq!(b.merge_bytes(&a.full_state(), t(69)).unwrap(), 1);
    assert!(b.merge_bytes(b"nonsense", t(0)).is_err());
    let mut m = a.full_state();
    m.truncate(m.len() - 3);
    assert!(b.merge_bytes(&m, t(0)).is_err());
}

#[test]
fn merged_silences_are_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = recording();
    let id = a.set(post(vec![eq("a", "b")], t(0), t(100)), t(0)).unwrap();
    {
        let b = Silences::open(dir.path(), SilenceOptions::default(), t(1)).unwrap();
        b.merge_bytes(&a.full_state(), t(1)).unwrap();
        b.maintenance(t(1)).unwrap();
    }
    let b = Silences::open(dir.path(), SilenceOptions::default(), t(2)).unwrap();
    assert_eq!(b.get(&id).map(|s| s.updated_at), Some(t(0)));
}

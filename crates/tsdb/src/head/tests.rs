use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{
    AppendError, Appendable, FPoint, SelectHints, Storage, StoredSeries, is_stale_nan, stale_nan,
};

use super::{Head, HeadOptions, Index, MemSeries};

fn ls(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

fn eq(name: &str, value: &str) -> Matcher {
    Matcher::prometheus(MatchOp::Equal, name, value).unwrap()
}

fn select(s: &dyn Storage, mint: i64, maxt: i64, ms: &[Matcher]) -> Vec<Arc<dyn StoredSeries>> {
    s.querier(mint, maxt).unwrap().select(&SelectHints::default(), ms).unwrap()
}

fn points(s: &dyn StoredSeries, mint: i64, maxt: i64) -> Vec<(i64, f64)> {
    let mut out = Vec::new();
    s.floats_into(mint, maxt, &mut out);
    out.iter().map(|p| (p.t, p.f)).collect()
}

#[test]
fn appends_become_visible_at_commit() {
    let head = Head::new(HeadOptions::default());
    let up = ls(&[("__name__", "up"), ("job", "a")]);
    let mut app = head.appender();
    app.append(&up, 1000, 1.0).unwrap();
    assert!(select(&head, 0, 10_000, &[eq("__name__", "up")]).is_empty());
    app.commit().unwrap();
    let got = select(&head, 0, 10_000, &[eq("__name__", "up")]);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].labels(), &up);
    assert_eq!(points(&*got[0], 0, 10_000), vec![(1000, 1.0)]);
}

#[test]
fn rollback_leaves_nothing_behind() {
    let head = Head::default();
    let mut app = head.appender();
    app.append(&ls(&[("__name__", "x")]), 1, 1.0).unwrap();
    app.rollback();
    assert_eq!(head.num_series(), 0);
    assert!(head.querier(0, 10).unwrap().label_names(&[]).unwrap().is_empty());
}

#[test]
fn ordering_rules_against_committed_and_pending_samples() {
    let head = Head::default();
    let s = ls(&[("__name__", "m")]);
    let mut app = head.appender();
    app.append(&s, 100, 1.0).unwrap();
    app.commit().unwrap();

    let mut app = head.appender();
    assert_eq!(app.append(&s, 99, 1.0), Err(AppendError::OutOfOrder));
    assert_eq!(app.append(&s, 100, 2.0), Err(AppendError::DuplicateTimestamp));
    // Same timestamp, same value: accepted, and stored once.
    assert_eq!(app.append(&s, 100, 1.0), Ok(()));
    app.append(&s, 200, 2.0).unwrap();
    // Checked against this batch's own last sample too.
    assert_eq!(app.append(&s, 150, 5.0), Err(AppendError::OutOfOrder));
    assert_eq!(app.append(&s, 200, 3.0), Err(AppendError::DuplicateTimestamp));
    app.append(&s, 200, 2.0).unwrap();
    // Stale markers compare by bit pattern: a plain NaN is a different value.
    app.append(&s, 300, stale_nan()).unwrap();
    app.append(&s, 300, stale_nan()).unwrap();
    assert_eq!(app.append(&s, 300, f64::NAN), Err(AppendError::DuplicateTimestamp));
    app.commit().unwrap();

    let got = select(&head, 0, 1000, &[eq("__name__", "m")]);
    let pts = points(&*got[0], 0, 1000);
    assert_eq!(pts.len(), 3);
    assert_eq!(&pts[..2], &[(100, 1.0), (200, 2.0)]);
    assert_eq!(pts[2].0, 300);
    assert!(is_stale_nan(pts[2].1));
    assert_eq!(
        head.appender().append(&Labels::empty(), 1, 1.0),
        Err(AppendError::InvalidLabels("empty labelset".into()))
    );
    assert_eq!(
        head.appender().append(&ls(&[("a", "")]), 1, 1.0),
        Err(AppendError::InvalidLabels("empty labelset".into()))
    );
    // `{__name__="m", x=""}` is the series `{__name__="m"}`.
    let mut app = head.appender();
    assert_eq!(
        app.append(&ls(&[("__name__", "m"), ("x", "")]), 300, 1.0),
        Err(AppendError::DuplicateTimestamp)
    );
    app.append(&ls(&[("__name__", "m"), ("x", "")]), 400, 4.0).unwrap();
    app.commit().unwrap();
    assert_eq!(head.num_series(), 1);
}

#[test]
fn concurrent_appenders_to_one_series_drop_late_samples_at_commit() {
    let head = Head::default();
    let s = ls(&[("__name__", "m")]);
    let mut a = head.appender();
    let mut b = head.appender();
    a.append(&s, 10, 1.0).unwrap();
    b.append(&s, 5, 1.0).unwrap();
    a.commit().unwrap();
    // b's sample was fine when appended but is out of order now: dropped.
    b.commit().unwrap();
    let got = select(&head, 0, 100, &[]);
    assert_eq!(points(&*got[0], 0, 100), vec![(10, 1.0)]);
}

#[test]
fn chunks_of_120_and_ranges_across_them() {
    let head = Head::default();
    let s = ls(&[("__name__", "c")]);
    let mut app = head.appender();
    for i in 0..250i64 {
        app.append(&s, i * 10, i as f64).unwrap();
    }
    app.commit().unwrap();
    let stats = head.stats();
    assert_eq!(stats.chunk_count, 3);
    assert_eq!(stats.num_samples, 250);
    let got = select(&head, i64::MIN, i64::MAX, &[]);
    let all = points(&*got[0], i64::MIN, i64::MAX);
    assert_eq!(all.len(), 250);
    // [1185, 2405]: samples 119 (t=1190) .. 240 (t=2400), spanning all three chunks.
    let part = points(&*got[0], 1185, 2405);
    let want: Vec<(i64, f64)> = (119..=240).map(|i| (i * 10, i as f64)).collect();
    assert_eq!(part, want);
    assert!(points(&*got[0], 2491, 5000).is_empty());
    assert_eq!(points(&*got[0], 2490, 2490), vec![(2490, 249.0)]);
}

#[test]
fn querier_range_bounds_series_and_samples() {
    let head = Head::default();
    let mut app = head.appender();
    app.append(&ls(&[("__name__", "early")]), 100, 1.0).unwrap();
    app.append(&ls(&[("__name__", "late")]), 900, 2.0).unwrap();
    app.append(&ls(&[("__name__", "late")]), 1000, 3.0).unwrap();
    app.commit().unwrap();
    let got = select(&head, 500, 950, &[]);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].labels().metric_name(), Some("late"));
    // The series clamps reads to the querier's range.
    assert_eq!(points(&*got[0], 0, 2000), vec![(900, 2.0)]);
    assert!(select(&head, 2000, 3000, &[]).is_empty());
}

#[test]
fn querier_keeps_its_view_while_commits_go_on() {
    let head = Head::default();
    let a = ls(&[("__name__", "a")]);
    let mut app = head.appender();
    app.append(&a, 1, 1.0).unwrap();
    app.commit().unwrap();
    let q = head.querier(0, 1000).unwrap();
    let mut app = head.appender();
    app.append(&a, 2, 2.0).unwrap();
    app.append(&ls(&[("__name__", "b")]), 2, 2.0).unwrap();
    app.commit().unwrap();
    // More commits to `a`: the querier still needs the history from before all of them.
    for t in 3..6 {
        let mut app = head.appender();
        app.append(&a, t, t as f64).unwrap();
        app.commit().unwrap();
    }
    let got = q.select(&SelectHints::default(), &[]).unwrap();
    // Series b (created later) is not there; a shows only its first sample.
    assert_eq!(got.len(), 1);
    assert_eq!(points(&*got[0], 0, 1000), vec![(1, 1.0)]);
    assert_eq!(select(&head, 0, 1000, &[]).len(), 2);
    // Handles keep the view after the querier is gone.
    drop(q);
    let mut app = head.appender();
    app.append(&a, 7, 7.0).unwrap();
    app.commit().unwrap();
    assert_eq!(points(&*got[0], 0, 1000), vec![(1, 1.0)]);
    // Without open readers the history is dropped again.
    drop(got);
    let mut app = head.appender();
    app.append(&a, 8, 8.0).unwrap();
    app.commit().unwrap();
    let s = head.lookup(&a).unwrap();
    assert!(s.data.read().older.is_none());
    assert_eq!(head.oldest_reader(), u64::MAX);
}

#[test]
fn select_sorted_by_labels_with_every_matcher_kind() {
    let head = Head::default();
    let mut app = head.appender();
    for (job, inst) in [("b", "2"), ("a", "9"), ("c", "1"), ("a", "1")] {
        app.append(&ls(&[("__name__", "up"), ("job", job), ("instance", inst)]), 10, 1.0).unwrap();
    }
    app.append(&ls(&[("__name__", "up"), ("job", "a")]), 10, 1.0).unwrap();
    app.commit().unwrap();
    let names = |ms: &[Matcher]| -> Vec<String> {
        select(&head, 0, 100, ms).iter().map(|s| s.labels().to_string()).collect()
    };
    assert_eq!(
        names(&[eq("__name__", "up")]),
        vec![
            r#"{__name__="up", instance="1", job="a"}"#,
            r#"{__name__="up", instance="1", job="c"}"#,
            r#"{__name__="up", instance="2", job="b"}"#,
            r#"{__name__="up", instance="9", job="a"}"#,
            r#"{__name__="up", job="a"}"#,
        ]
    );
    let m = |op, n: &str, v: &str| Matcher::prometheus(op, n, v).unwrap();
    assert_eq!(names(&[m(MatchOp::Equal, "instance", "")]), vec![r#"{__name__="up", job="a"}"#]);
    assert_eq!(names(&[m(MatchOp::NotEqual, "job", "a")]).len(), 2);
    assert_eq!(
        names(&[m(MatchOp::Regex, "job", "a|c"), m(MatchOp::Regex, "instance", "1|")]).len(),
        3
    );
    assert_eq!(names(&[m(MatchOp::NotRegex, "instance", "[12]")]).len(), 2);
}

#[test]
fn label_names_and_values() {
    let head = Head::default();
    let mut app = head.appender();
    app.append(&ls(&[("__name__", "up"), ("job", "a"), ("zone", "z1")]), 10, 1.0).unwrap();
    app.append(&ls(&[("__name__", "up"), ("job", "b")]), 10, 1.0).unwrap();
    app.append(&ls(&[("__name__", "go_info"), ("job", "a"), ("version", "1.2")]), 10, 1.0).unwrap();
    app.commit().unwrap();
    let q = head.querier(0, 100).unwrap();
    assert_eq!(q.label_names(&[]).unwrap(), vec!["__name__", "job", "version", "zone"]);
    assert_eq!(q.label_names(&[eq("__name__", "up")]).unwrap(), vec!["__name__", "job", "zone"]);
    assert_eq!(q.label_values("job", &[]).unwrap(), vec!["a", "b"]);
    assert_eq!(q.label_values("__name__", &[eq("job", "a")]).unwrap(), vec!["go_info", "up"]);
    assert!(q.label_values("nope", &[]).unwrap().is_empty());
}

#[test]
fn hash_collisions_keep_series_apart() {
    let mut ix = Index::default();
    let a = ls(&[("__name__", "a")]);
    let b = ls(&[("__name__", "b")]);
    let c = ls(&[("__name__", "c")]);
    ix.insert(Arc::new(MemSeries::new(a.clone())), 42);
    ix.insert(Arc::new(MemSeries::new(b.clone())), 42);
    assert_eq!(ix.get(&a, 42).map(|s| s.labels.clone()), Some(a));
    assert_eq!(ix.get(&b, 42).map(|s| s.labels.clone()), Some(b));
    assert!(ix.get(&c, 42).is_none());
    assert_eq!(ix.series.len(), 2);
}

#[test]
fn stats_report_cardinality() {
    let head = Head::default();
    let mut app = head.appender();
    for i in 0..3 {
        app.append(&ls(&[("__name__", "a"), ("i", &i.to_string())]), 1000 + i, 1.0).unwrap();
    }
    app.append(&ls(&[("__name__", "b")]), 500, 1.0).unwrap();
    app.commit().unwrap();
    let st = head.stats();
    assert_eq!(st.num_series, 4);
    assert_eq!(st.min_time, Some(500));
    assert_eq!(st.max_time, Some(1002));
    assert_eq!(st.num_label_pairs, 5); // __name__ a, b; i 0, 1, 2
    assert_eq!(st.series_count_by_metric_name[0].name, "a");
    assert_eq!(st.series_count_by_metric_name[0].value, 3);
    assert_eq!(st.label_value_count_by_label_name[0].name, "i");
    // __name__: ("__name__" + "a") * 3 + ("__name__" + "b") = 27 + 9.
    let name_mem = st.memory_in_bytes_by_label_name.iter().find(|s| s.name == "__name__").unwrap();
    assert_eq!(name_mem.value, 36);
    assert!(st.chunk_bytes > 0);
}

#[test]
fn concurrent_append_and_query_see_whole_commits() {
    // One writer adds sample k to all 50 series in commit k; readers must always see the
    // same number of samples in every series, strictly increasing in time.
    let head = Arc::new(Head::default());
    let series: Vec<Labels> =
        (0..50).map(|i| ls(&[("__name__", "g"), ("i", &format!("{i:02}"))])).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let head = head.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut checks = 0;
                while !stop.load(Ordering::Relaxed) || checks == 0 {
                    let got = select(&*head, i64::MIN, i64::MAX, &[eq("__name__", "g")]);
                    let mut counts = Vec::new();
                    for s in &got {
                        let mut pts: Vec<FPoint> = Vec::new();
                        s.floats_into(i64::MIN, i64::MAX, &mut pts);
                        assert!(pts.windows(2).all(|w| w[0].t < w[1].t));
                        counts.push(pts.len());
                    }
                    if let Some(&first) = counts.first() {
                        assert_eq!(got.len(), 50);
                        assert!(counts.iter().all(|&c| c == first), "{counts:?}");
                    }
                    checks += 1;
                }
            })
        })
        .collect();
    for k in 0..300i64 {
        let mut app = head.appender();
        for s in &series {
            app.append(s, k * 1000, k as f64).unwrap();
        }
        app.commit().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(head.stats().num_samples, 300 * 50);
}

#[test]
fn parallel_appenders_on_separate_series() {
    let head = Arc::new(Head::default());
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let head = head.clone();
            std::thread::spawn(move || {
                let l = ls(&[("__name__", "w"), ("writer", &w.to_string())]);
                for k in 0..500i64 {
                    let mut app = head.appender();
                    app.append(&l, k, k as f64).unwrap();
                    app.commit().unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let got = select(&*head, 0, 1000, &[eq("__name__", "w")]);
    assert_eq!(got.len(), 4);
    for s in got {
        assert_eq!(points(&*s, 0, 1000).len(), 500);
    }
}

#[test]
fn selections_stay_label_sorted_as_series_arrive() {
    // Series arrive in a scrambled label order, in three waves: the first is ranked on the
    // first select, the second (small) is merged in by label, the third forces a re-rank.
    let head = Head::default();
    let label = |i: u64| {
        let scrambled = (i * 7919) % 2003;
        ls(&[("__name__", "s"), ("k", &format!("{scrambled:05}"))])
    };
    let check = |n: usize| {
        let got = select(&head, 0, 10, &[eq("__name__", "s")]);
        assert_eq!(got.len(), n);
        assert!(got.windows(2).all(|w| w[0].labels() < w[1].labels()));
    };
    let mut next = 0u64;
    for wave in [1000u64, 10, 400] {
        let mut app = head.appender();
        for i in next..next + wave {
            app.append(&label(i), 1, 1.0).unwrap();
        }
        app.commit().unwrap();
        next += wave;
        check(next as usize);
    }
}

#[test]
fn a_series_fits_its_allocator_size_class() {
    // One `Arc<MemSeries>` per series: 16 bytes of counts plus the series must stay within
    // 152 bytes, glibc's 160-byte chunk (it was 208 before the last sample's time and value,
    // the open chunk's first time and spare chunk-list capacity stopped being stored twice).
    assert!(std::mem::size_of::<MemSeries>() + 16 <= 152, "{}", std::mem::size_of::<MemSeries>());
}

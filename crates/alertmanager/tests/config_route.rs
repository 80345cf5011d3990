//! The runtime route tree: matching, inheritance, keys and ids, walking. The first tree is
//! the one upstream's own route tests use, expressed as a full config.

use alertmanager::config::load_str;
use alertmanager::route::{GroupBy, Route};
use model::labels::Labels;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn tree(route_yaml: &str, receivers: &[&str]) -> Arc<Route> {
    let mut text = format!("route:\n{route_yaml}\nreceivers:\n");
    for r in receivers {
        text.push_str(&format!("- name: '{r}'\n"));
    }
    match load_str(&text, Path::new("am.yml")) {
        Ok(cfg) => Route::new(&cfg.route),
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn hits(root: &Arc<Route>, pairs: &[(&str, &str)]) -> Vec<Arc<Route>> {
    root.match_labels(&Labels::from_pairs(pairs.iter().copied()))
}

fn keys(root: &Arc<Route>, pairs: &[(&str, &str)]) -> Vec<String> {
    hits(root, pairs).iter().map(|r| r.key().to_owned()).collect()
}

const UPSTREAM_TREE: &str = r#"
  receiver: 'notify-def'
  routes:
  - match:
      owner: 'team-A'
    receiver: 'notify-A'
    routes:
    - match:
        env: 'testing'
      receiver: 'notify-testing'
      group_by: [...]
    - match:
        env: "production"
      receiver: 'notify-productionA'
      group_wait: 1m
      continue: true
    - match_re:
        env: "produ.*"
        job: ".*"
      receiver: 'notify-productionB'
      group_wait: 30s
      group_interval: 5m
      repeat_interval: 1h
      group_by: ['job']
  - match_re:
      owner: 'team-(B|C)'
    group_by: ['foo', 'bar']
    group_wait: 2m
    receiver: 'notify-BC'
  - match:
      group_by: 'role'
    group_by: ['role']
    routes:
    - match:
        env: 'testing'
      receiver: 'notify-testing'
      routes:
      - match:
          wait: 'long'
        group_wait: 2m
"#;

const UPSTREAM_RECEIVERS: [&str; 6] = [
    "notify-def",
    "notify-A",
    "notify-testing",
    "notify-productionA",
    "notify-productionB",
    "notify-BC",
];

fn labels(names: &[&str]) -> GroupBy {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    GroupBy::Labels(v)
}

#[test]
fn upstream_tree_matches() {
    let root = tree(UPSTREAM_TREE, &UPSTREAM_RECEIVERS);
    let def_wait = Duration::from_secs(30);

    // A child matches when none of its own children does.
    for input in [&[("owner", "team-A")][..], &[("owner", "team-A"), ("env", "unset")]] {
        let h = hits(&root, input);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].receiver, "notify-A");
        assert_eq!(h[0].group_by, labels(&[]));
        assert_eq!(h[0].group_wait, def_wait);
        assert_eq!(h[0].key(), r#"{}/{owner="team-A"}"#);
    }

    let h = hits(&root, &[("owner", "team-C")]);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].receiver, "notify-BC");
    assert_eq!(h[0].group_by, labels(&["foo", "bar"]));
    assert_eq!(h[0].group_wait, Duration::from_secs(120));
    assert_eq!(h[0].key(), r#"{}/{owner=~"^(?:team-(B|C))$"}"#);

    let h = hits(&root, &[("owner", "team-A"), ("env", "testing")]);
    assert_eq!(h[0].receiver, "notify-testing");
    assert_eq!(h[0].group_by, GroupBy::All);
    assert_eq!(h[0].key(), r#"{}/{owner="team-A"}/{env="testing"}"#);

    // `continue: true` on the first match lets the next sibling match too.
    let h = hits(&root, &[("owner", "team-A"), ("env", "production")]);
    assert_eq!(h.len(), 2);
    assert_eq!(h[0].receiver, "notify-productionA");
    assert_eq!(h[0].group_wait, Duration::from_secs(60));
    assert_eq!(h[1].receiver, "notify-productionB");
    assert_eq!(h[1].group_by, labels(&["job"]));
    assert_eq!(h[1].group_wait, Duration::from_secs(30));
    assert_eq!(h[1].group_interval, Duration::from_secs(300));
    assert_eq!(h[1].repeat_interval, Duration::from_secs(3600));
    assert_eq!(
        keys(&root, &[("owner", "team-A"), ("env", "production")]),
        [
            r#"{}/{owner="team-A"}/{env="production"}"#,
            r#"{}/{owner="team-A"}/{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}"#,
        ]
    );

    // A route without a receiver inherits it; `group_by` is a label name like any other.
    let h = hits(&root, &[("group_by", "role")]);
    assert_eq!(h[0].receiver, "notify-def");
    assert_eq!(h[0].group_by, labels(&["role"]));
    assert_eq!(h[0].key(), r#"{}/{group_by="role"}"#);

    let h = hits(&root, &[("env", "testing"), ("group_by", "role")]);
    assert_eq!(h[0].receiver, "notify-testing");
    assert_eq!(h[0].group_by, labels(&["role"]));
    assert_eq!(h[0].key(), r#"{}/{group_by="role"}/{env="testing"}"#);

    let h = hits(&root, &[("env", "testing"), ("group_by", "role"), ("wait", "long")]);
    assert_eq!(h[0].receiver, "notify-testing");
    assert_eq!(h[0].group_wait, Duration::from_secs(120));
    assert_eq!(h[0].key(), r#"{}/{group_by="role"}/{env="testing"}/{wait="long"}"#);

    // Nothing below matches: the root itself.
    let h = hits(&root, &[("owner", "team-Z")]);
    assert_eq!(h.len(), 1);
    assert!(Arc::ptr_eq(&h[0], &root));
    assert_eq!(h[0].key(), "{}");
}

#[test]
fn upstream_tree_walks_depth_first() {
    let root = tree(UPSTREAM_TREE, &UPSTREAM_RECEIVERS);
    let mut got = Vec::new();
    root.walk(&mut |r| got.push(r.receiver.clone()));
    assert_eq!(
        got,
        [
            "notify-def",
            "notify-A",
            "notify-testing",
            "notify-productionA",
            "notify-productionB",
            "notify-BC",
            "notify-def",
            "notify-testing",
            "notify-testing",
        ]
    );
}

#[test]
fn ids_add_the_sibling_index() {
    let root = tree(UPSTREAM_TREE, &UPSTREAM_RECEIVERS);
    let mut ids = Vec::new();
    root.walk(&mut |r| ids.push(r.id().to_owned()));
    assert_eq!(ids[0], "{}");
    assert_eq!(ids[1], r#"{}/{owner="team-A"}/0"#);
    assert_eq!(ids[2], r#"{}/{owner="team-A"}/0/{env="testing"}/0"#);
    assert_eq!(ids[4], r#"{}/{owner="team-A"}/0/{env=~"^(?:produ.*)$",job=~"^(?:.*)$"}/2"#);
    assert_eq!(ids[8], r#"{}/{group_by="role"}/2/{env="testing"}/0/{wait="long"}/0"#);
    // Ids are unique even where keys are not.
    let twins = tree("  receiver: a\n  routes:\n  - matchers: [x=1]\n  - matchers: [x=1]", &["a"]);
    assert_eq!(twins.routes[0].key(), twins.routes[1].key());
    assert_ne!(twins.routes[0].id(), twins.routes[1].id());
}

#[test]
fn group_by_all_is_inherited_until_overridden() {
    let root = tree(
        "  receiver: a\n  routes:\n  - matchers: [env=parent]\n    group_by: ['...']\n    routes:\n    - matchers: [env=child1]\n    - matchers: [env=child2]\n      group_by: [foo]",
        &["a"],
    );
    let parent = &root.routes[0];
    assert_eq!(parent.group_by, GroupBy::All);
    assert_eq!(parent.routes[0].group_by, GroupBy::All);
    assert_eq!(parent.routes[1].group_by, labels(&["foo"]));
}

#[test]
fn continue_only_matters_on_the_matching_child() {
    let root = tree(
        "  receiver: a\n  routes:\n  - matchers: [x=1]\n    receiver: b\n  - matchers: [y=1]\n    receiver: c\n    continue: true\n  - matchers: [z=1]\n    receiver: d\n  - receiver: e",
        &["a", "b", "c", "d", "e"],
    );
    let rcv = |pairs: &[(&str, &str)]| -> Vec<String> {
        hits(&root, pairs).iter().map(|r| r.receiver.clone()).collect()
    };
    // b matches and has no `continue`: the search stops, even though c would match.
    assert_eq!(rcv(&[("x", "1"), ("y", "1")]), ["b"]);
    // c continues: d is tried (and matches, and stops).
    assert_eq!(rcv(&[("y", "1"), ("z", "1")]), ["c", "d"]);
    // c continues, d does not match, the catch-all e does.
    assert_eq!(rcv(&[("y", "1")]), ["c", "e"]);
    assert_eq!(rcv(&[]), ["e"]);
}

#[test]
fn matchers_sort_by_name_value_then_operator_in_keys() {
    let root = tree(
        "  receiver: a\n  routes:\n  - matchers: ['b=\"2\"', 'a!~\"1\"', 'a=~\"1\"', 'a=\"1\"', 'a=\"0\"']",
        &["a"],
    );
    assert_eq!(root.routes[0].key(), r#"{}/{a="0",a="1",a=~"1",a!~"1",b="2"}"#);
    // Names with reserved characters are quoted, values escaped.
    let root = tree("  receiver: a\n  routes:\n  - matchers: ['\"foo bar\"=\"x\\\"y\"']", &["a"]);
    assert_eq!(root.routes[0].key(), r#"{}/{"foo bar"="x\"y"}"#);
}

#[test]
fn labels_merge_and_intervals_do_not_inherit() {
    let text = "route:\n  receiver: a\n  labels: {team: core, tier: '1'}\n  routes:\n  - matchers: [x=1]\n    labels: {tier: '2'}\n    mute_time_intervals: [t]\n    routes:\n    - matchers: [y=1]\ntime_intervals:\n- name: t\nreceivers: [{name: a}]\n";
    let cfg = load_str(text, Path::new("am.yml")).unwrap();
    let root = Route::new(&cfg.route);
    let child = &root.routes[0];
    assert_eq!(child.labels.get("team").map(String::as_str), Some("core"));
    assert_eq!(child.labels.get("tier").map(String::as_str), Some("2"));
    assert_eq!(child.mute_time_intervals, ["t"]);
    let grandchild = &child.routes[0];
    assert_eq!(grandchild.labels.get("tier").map(String::as_str), Some("2"));
    assert!(grandchild.mute_time_intervals.is_empty());
    assert_eq!(root.labels.get("tier").map(String::as_str), Some("1"));
}

#[test]
fn missing_labels_compare_as_empty() {
    let root = tree(
        "  receiver: a\n  routes:\n  - matchers: ['team=\"\"']\n    receiver: b\n  - matchers: ['team!=\"\"']\n    receiver: c",
        &["a", "b", "c"],
    );
    assert_eq!(hits(&root, &[("x", "1")])[0].receiver, "b");
    assert_eq!(hits(&root, &[("team", "db")])[0].receiver, "c");
}

use super::*;
use crate::labels::{Labels, LabelsBuilder};

fn ls(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs)
}

fn rules(json: &str) -> Vec<RelabelConfig> {
    serde_json::from_str(json).unwrap()
}

fn rule_err(json: &str) -> String {
    serde_json::from_str::<RelabelConfig>(json).unwrap_err().to_string()
}

type Pairs<'a> = &'a [(&'a str, &'a str)];

/// Runs each `(input, expected)` case (`None` = dropped) through `rules`.
fn check(rules: &[RelabelConfig], cases: &[(Pairs<'_>, Option<Pairs<'_>>)]) {
    for (input, want) in cases {
        let got = relabel(&ls(input), rules);
        assert_eq!(got, want.map(ls), "input {input:?}");
        // The builder variant agrees.
        let mut b = LabelsBuilder::new(ls(input));
        let kept = relabel_builder(&mut b, rules);
        assert_eq!(kept, want.is_some(), "builder, input {input:?}");
        if kept {
            assert_eq!(Some(b.labels()), want.map(ls));
        }
    }
}

#[test]
fn defaults() {
    let r: RelabelConfig = serde_json::from_str(r#"{"target_label": "x"}"#).unwrap();
    assert_eq!(r.separator, ";");
    assert_eq!(r.regex.as_str(), "(.*)");
    assert_eq!(r.replacement, "$1");
    assert_eq!(r.action, Action::Replace);
    assert_eq!(r.modulus, 0);
    assert!(r.source_labels.is_empty());
    assert_eq!(r, RelabelConfig { target_label: "x".into(), ..RelabelConfig::default() });
}

#[test]
fn action_names_are_case_insensitive() {
    for (text, want) in [
        ("replace", Action::Replace),
        ("Keep", Action::Keep),
        ("DROP", Action::Drop),
        ("KeepEqual", Action::KeepEqual),
        ("dropequal", Action::DropEqual),
        ("HashMod", Action::HashMod),
        ("labelmap", Action::LabelMap),
        ("LabelDrop", Action::LabelDrop),
        ("labelkeep", Action::LabelKeep),
        ("Lowercase", Action::Lowercase),
        ("uppercase", Action::Uppercase),
    ] {
        assert_eq!(text.parse::<Action>().unwrap(), want);
        assert_eq!(want.as_str().parse::<Action>().unwrap(), want);
    }
    assert_eq!(rule_err(r#"{"action": "rename"}"#), r#"unknown relabel action "rename""#);
}

#[test]
fn replace() {
    let r = rules(
        r#"[{"source_labels": ["a"], "regex": "f(.*)", "target_label": "d", "replacement": "ch${1}-ch${1}"}]"#,
    );
    check(
        &r,
        &[
            (&[("a", "foo")], Some(&[("a", "foo"), ("d", "choo-choo")])),
            // No match: nothing happens.
            (&[("a", "boo")], Some(&[("a", "boo")])),
            // The regex is anchored: `xfoo` does not match `f(.*)`.
            (&[("a", "xfoo")], Some(&[("a", "xfoo")])),
        ],
    );
}

#[test]
fn replace_joins_sources_and_missing_are_empty() {
    let r = rules(
        r#"[{"source_labels": ["a", "b", "c"], "separator": "|", "regex": "(.*)\\|(.*)\\|(.*)", "target_label": "j", "replacement": "$3-$2-$1"}]"#,
    );
    check(&r, &[(&[("a", "1"), ("c", "3")], Some(&[("a", "1"), ("c", "3"), ("j", "3--1")]))]);
}

#[test]
fn replace_dot_matches_newline() {
    let r = rules(
        r#"[{"source_labels": ["a"], "regex": "a.b", "target_label": "m", "replacement": "yes"}]"#,
    );
    check(&r, &[(&[("a", "a\nb")], Some(&[("a", "a\nb"), ("m", "yes")]))]);
}

#[test]
fn replace_named_groups_and_variable_targets() {
    let r = rules(
        r#"[{"source_labels": ["__meta_kv"], "regex": "(?P<key>[a-z]+)=(?P<val>.*)", "target_label": "${key}_label", "replacement": "$val"}]"#,
    );
    check(
        &r,
        &[(
            &[("__meta_kv", "env=prod")],
            Some(&[("__meta_kv", "env=prod"), ("env_label", "prod")]),
        )],
    );
    // `$1x` is the (missing) group named `1x`, so the expansion is empty: label deleted.
    let r = rules(
        r#"[{"source_labels": ["a"], "regex": "(.*)", "target_label": "a", "replacement": "$1x"}]"#,
    );
    check(&r, &[(&[("a", "v")], Some(&[]))]);
    // `$$` is a literal dollar.
    let r = rules(r#"[{"source_labels": ["a"], "target_label": "b", "replacement": "$$1"}]"#);
    check(&r, &[(&[("a", "v")], Some(&[("a", "v"), ("b", "$1")]))]);
}

#[test]
fn replace_to_empty_target_is_a_no_op() {
    // The expanded target name is empty (group 2 did not take part), so nothing is written.
    let r = rules(
        r#"[{"source_labels": ["a"], "regex": "(x)|(y)", "target_label": "$2", "replacement": "v"}]"#,
    );
    check(&r, &[(&[("a", "x")], Some(&[("a", "x")]))]);
}

#[test]
fn replace_empty_result_deletes() {
    let r = rules(
        r#"[{"source_labels": ["a"], "regex": "(.*)", "target_label": "b", "replacement": "$1"}]"#,
    );
    check(&r, &[(&[("b", "old")], Some(&[]))]);
    check(&r, &[(&[("a", "new"), ("b", "old")], Some(&[("a", "new"), ("b", "new")]))]);
}

#[test]
fn replace_fast_path_sets_constant() {
    let r = rules(r#"[{"target_label": "env", "replacement": "prod"}]"#);
    assert!(r[0].has_default_regex());
    check(&r, &[(&[("a", "1")], Some(&[("a", "1"), ("env", "prod")]))]);
    // With sources that have a value the regex runs, with the same result for a constant.
    let r = rules(r#"[{"source_labels": ["a"], "target_label": "env", "replacement": "prod"}]"#);
    check(&r, &[(&[("a", "1")], Some(&[("a", "1"), ("env", "prod")]))]);
}

#[test]
fn replace_legacy_scheme_rejects_invalid_expanded_target() {
    let mut r = rules(
        r#"[{"source_labels": ["a"], "regex": "(.*)", "target_label": "${1}", "replacement": "v"}]"#,
    );
    // utf8 (default): any non-empty name.
    check(&r, &[(&[("a", "x-y")], Some(&[("a", "x-y"), ("x-y", "v")]))]);
    r[0].validate(ValidationScheme::Legacy).unwrap();
    check(&r, &[(&[("a", "x-y")], Some(&[("a", "x-y")]))]);
    check(&r, &[(&[("a", "x_y")], Some(&[("a", "x_y"), ("x_y", "v")]))]);
}

#[test]
fn keep_and_drop() {
    let keep = rules(r#"[{"source_labels": ["a"], "regex": "f.*", "action": "keep"}]"#);
    check(
        &keep,
        &[
            (&[("a", "foo")], Some(&[("a", "foo")])),
            (&[("a", "bar")], None),
            (&[("b", "foo")], None),
        ],
    );
    let drop = rules(r#"[{"source_labels": ["a"], "regex": "f.*", "action": "drop"}]"#);
    check(
        &drop,
        &[(&[("a", "foo")], None), (&[("a", "bar")], Some(&[("a", "bar")])), (&[], Some(&[]))],
    );
    // An empty regex matches only the empty value (a missing label).
    let keep_empty = rules(r#"[{"source_labels": ["a"], "regex": "", "action": "keep"}]"#);
    check(&keep_empty, &[(&[("a", "x")], None), (&[("b", "x")], Some(&[("b", "x")]))]);
}

#[test]
fn keepequal_and_dropequal() {
    let keep = rules(r#"[{"source_labels": ["a"], "target_label": "b", "action": "keepequal"}]"#);
    check(
        &keep,
        &[
            (&[("a", "1"), ("b", "1")], Some(&[("a", "1"), ("b", "1")])),
            (&[("a", "1"), ("b", "2")], None),
            // Both missing: equal ("" = "").
            (&[("c", "1")], Some(&[("c", "1")])),
        ],
    );
    let drop = rules(r#"[{"source_labels": ["a"], "target_label": "b", "action": "dropequal"}]"#);
    check(
        &drop,
        &[
            (&[("a", "1"), ("b", "1")], None),
            (&[("a", "1"), ("b", "2")], Some(&[("a", "1"), ("b", "2")])),
        ],
    );
}

#[test]
fn hashmod() {
    // Reference values: last 8 bytes of MD5, big-endian, mod 1000 (computed independently:
    // md5("foo") = acbd18db4cc2f85cedef654fccc4a4d8, 0xedef654fccc4a4d8 % 1000 = 8).
    assert_eq!(process::hash_mod("foo", 1000), Some(0xedef_654f_ccc4_a4d8 % 1000));
    assert_eq!(process::hash_mod("", 10), Some(0xe980_0998_ecf8_427e % 10));
    assert_eq!(process::hash_mod("x", 0), None);
    let r = rules(
        r#"[{"source_labels": ["a"], "target_label": "shard", "modulus": 1000, "action": "hashmod"}]"#,
    );
    let want = (0xedef_654f_ccc4_a4d8_u64 % 1000).to_string();
    check(&r, &[(&[("a", "foo")], Some(&[("a", "foo"), ("shard", want.as_str())]))]);
}

#[test]
fn labelmap() {
    let r = rules(r#"[{"regex": "__meta_kubernetes_pod_label_(.+)", "action": "labelmap"}]"#);
    check(
        &r,
        &[(
            &[
                ("__meta_kubernetes_pod_label_app", "web"),
                ("__meta_kubernetes_pod_label_tier", "fe"),
                ("x", "1"),
            ],
            Some(&[
                ("__meta_kubernetes_pod_label_app", "web"),
                ("__meta_kubernetes_pod_label_tier", "fe"),
                ("app", "web"),
                ("tier", "fe"),
                ("x", "1"),
            ]),
        )],
    );
    // A custom replacement; existing labels are overwritten by the mapped ones.
    let r = rules(r#"[{"regex": "(a|b)", "replacement": "${1}_copy", "action": "labelmap"}]"#);
    check(
        &r,
        &[(
            &[("a", "1"), ("b", "2"), ("a_copy", "old")],
            Some(&[("a", "1"), ("a_copy", "1"), ("b", "2"), ("b_copy", "2")]),
        )],
    );
}

#[test]
fn labeldrop_and_labelkeep() {
    let drop = rules(r#"[{"regex": "tmp_.*|debug", "action": "labeldrop"}]"#);
    check(
        &drop,
        &[(&[("tmp_a", "1"), ("tmp_b", "2"), ("debug", "x"), ("job", "j")], Some(&[("job", "j")]))],
    );
    let keep = rules(r#"[{"regex": "job|instance", "action": "labelkeep"}]"#);
    check(
        &keep,
        &[(
            &[("instance", "i"), ("job", "j"), ("other", "o")],
            Some(&[("instance", "i"), ("job", "j")]),
        )],
    );
    // Names are matched whole.
    check(&keep, &[(&[("jobs", "j")], Some(&[]))]);
}

#[test]
fn lowercase_and_uppercase() {
    let lower =
        rules(r#"[{"source_labels": ["a", "b"], "target_label": "l", "action": "lowercase"}]"#);
    check(
        &lower,
        &[(&[("a", "FoO"), ("b", "ÄÖ")], Some(&[("a", "FoO"), ("b", "ÄÖ"), ("l", "foo;äö")]))],
    );
    let upper = rules(r#"[{"source_labels": ["a"], "target_label": "u", "action": "uppercase"}]"#);
    // Go maps one character to one: `ß` has no single-character upper case and stays.
    check(&upper, &[(&[("a", "straße")], Some(&[("a", "straße"), ("u", "STRAßE")]))]);
    // Casing an empty value deletes the target.
    check(&upper, &[(&[("u", "x")], Some(&[]))]);
    // Go lowers `İ` to a plain `i` (Rust's full mapping adds a combining dot).
    check(&upper, &[(&[("a", "i")], Some(&[("a", "i"), ("u", "I")]))]);
    let lower1 = rules(r#"[{"source_labels": ["a"], "target_label": "l", "action": "lowercase"}]"#);
    check(&lower1, &[(&[("a", "İX")], Some(&[("a", "İX"), ("l", "ix")]))]);
}

#[test]
fn rules_apply_in_order_and_stop_at_drop() {
    let r = rules(
        r#"[
            {"source_labels": ["a"], "target_label": "b"},
            {"source_labels": ["b"], "regex": "drop-me", "action": "drop"},
            {"target_label": "never", "replacement": "set"}
        ]"#,
    );
    check(&r, &[(&[("a", "drop-me")], None)]);
    check(&r, &[(&[("a", "ok")], Some(&[("a", "ok"), ("b", "ok"), ("never", "set")]))]);
    // No rules: the set itself.
    let l = ls(&[("a", "1")]);
    assert_eq!(relabel(&l, &[]).unwrap(), l);
}

#[test]
fn null_fields_are_go_zero_values() {
    let r: RelabelConfig = serde_json::from_str(
        r#"{"source_labels": ["a"], "regex": null, "separator": null, "target_label": "t", "replacement": "x"}"#,
    )
    .unwrap();
    assert_eq!(r.regex.as_str(), "");
    assert_eq!(r.separator, "");
}

#[test]
fn validation_errors() {
    let cases = [
        (
            r#"{"action": "hashmod", "target_label": "t"}"#,
            "relabel configuration for hashmod requires non-zero modulus",
        ),
        (
            r#"{"action": "replace"}"#,
            "relabel configuration for replace action requires 'target_label' value",
        ),
        (
            r#"{"action": "hashmod", "modulus": 2}"#,
            "relabel configuration for hashmod action requires 'target_label' value",
        ),
        (
            r#"{"action": "lowercase"}"#,
            "relabel configuration for lowercase action requires 'target_label' value",
        ),
        (
            r#"{"action": "uppercase"}"#,
            "relabel configuration for uppercase action requires 'target_label' value",
        ),
        (
            r#"{"action": "keepequal"}"#,
            "relabel configuration for keepequal action requires 'target_label' value",
        ),
        (
            r#"{"action": "dropequal"}"#,
            "relabel configuration for dropequal action requires 'target_label' value",
        ),
        (
            r#"{"action": "lowercase", "target_label": "t", "replacement": "x"}"#,
            "'replacement' can not be set for lowercase action",
        ),
        (
            r#"{"action": "keepequal", "target_label": "t", "regex": "a"}"#,
            "keepequal action requires only 'source_labels' and `target_label`, and no other fields",
        ),
        (
            r#"{"action": "dropequal", "target_label": "t", "separator": ","}"#,
            "dropequal action requires only 'source_labels' and `target_label`, and no other fields",
        ),
        (
            r#"{"action": "labeldrop", "regex": "a", "source_labels": ["x"]}"#,
            "labeldrop action requires only 'regex', and no other fields",
        ),
        (
            r#"{"action": "labelkeep", "regex": "a", "target_label": "x"}"#,
            "labelkeep action requires only 'regex', and no other fields",
        ),
        (
            r#"{"action": "labelkeep", "regex": "a", "replacement": "x"}"#,
            "labelkeep action requires only 'regex', and no other fields",
        ),
        (
            r#"{"regex": "(abc", "target_label": "t"}"#,
            "error parsing regexp: missing closing ): `(abc`",
        ),
        (r#"{"source_labels": [""], "target_label": "t"}"#, r#""" is not a valid label name"#),
    ];
    for (json, want) in cases {
        let got = rule_err(json);
        assert!(got.starts_with(want), "{json}: got {got:?}, want {want:?}");
    }
    assert!(rule_err(r#"{"target_label": "t", "bogus": 1}"#).contains("bogus"));
}

#[test]
fn validation_legacy_names() {
    let load = |json: &str| -> Result<(), String> {
        let mut r: RelabelConfig = serde_json::from_str(json).map_err(|e| e.to_string())?;
        r.validate(ValidationScheme::Legacy).map_err(|e| e.message)
    };
    assert_eq!(
        load(r#"{"target_label": "a-b"}"#).unwrap_err(),
        r#""a-b" is invalid 'target_label' for replace action"#
    );
    assert!(load(r#"{"target_label": "a-b"}"#.replace("a-b", "ok_name").as_str()).is_ok());
    assert!(load(r#"{"target_label": "${1}_x"}"#).is_ok());
    assert!(load(r#"{"target_label": "x_$1"}"#).is_ok());
    assert_eq!(
        load(r#"{"target_label": "1_$x"}"#).unwrap_err(),
        r#""1_$x" is invalid 'target_label' for replace action"#
    );
    assert_eq!(
        load(r#"{"target_label": "${1"}"#).unwrap_err(),
        r#""${1" is invalid 'target_label' for replace action"#
    );
    assert_eq!(
        load(r#"{"action": "hashmod", "modulus": 3, "target_label": "a.b"}"#).unwrap_err(),
        r#""a.b" is invalid 'target_label' for hashmod action"#
    );
    assert_eq!(
        load(r#"{"action": "lowercase", "target_label": "a b"}"#).unwrap_err(),
        r#""a b" is invalid 'target_label' for lowercase action"#
    );
    assert_eq!(
        load(r#"{"action": "labelmap", "regex": "(.*)", "replacement": "a-$1"}"#).unwrap_err(),
        r#""a-$1" is invalid 'replacement' for labelmap action"#
    );
    // Under utf8 all of these are fine.
    for json in [r#"{"target_label": "a-b"}"#, r#"{"action": "labelmap", "replacement": "a-$1"}"#] {
        serde_json::from_str::<RelabelConfig>(json).unwrap();
    }
}

#[test]
fn legacy_name_with_vars_matches_upstream_pattern() {
    for ok in ["a", "_", "a1", "$1", "${1}", "${name}_x", "$a$b", "x${1}y", "$1abc"] {
        assert!(legacy_name_with_vars(ok), "{ok}");
    }
    for bad in ["", "1a", "$", "${}", "${1", "a-b", "a.$1", "${a-b}", "é"] {
        assert!(!legacy_name_with_vars(bad), "{bad}");
    }
}

#[test]
fn yaml_as_in_prometheus_yml() {
    let yaml = r#"
- source_labels: [__meta_kubernetes_namespace, __meta_kubernetes_pod_name]
  separator: /
  target_label: pod
- regex: 1
  source_labels: [a]
  action: Keep
- action: hashmod
  source_labels: [__address__]
  target_label: __tmp_hash
  modulus: 8
- action: labelmap
  regex: __meta_kubernetes_pod_label_(.+)
- source_labels: [x]
  regex:
  target_label: y
"#;
    let r: Vec<RelabelConfig> = serde_saphyr::from_str(yaml).unwrap();
    assert_eq!(r.len(), 5);
    assert_eq!(r[0].separator, "/");
    assert_eq!(r[1].regex.as_str(), "1");
    assert_eq!(r[1].action, Action::Keep);
    assert_eq!(r[2].modulus, 8);
    assert_eq!(r[3].replacement, "$1");
    assert_eq!(r[4].regex.as_str(), "");

    let err =
        serde_saphyr::from_str::<Vec<RelabelConfig>>("- action: hashmod\n  target_label: t\n")
            .unwrap_err()
            .to_string();
    assert!(err.contains("relabel configuration for hashmod requires non-zero modulus"), "{err}");
}

#[test]
fn yaml_plain_scalars_keep_their_text() {
    let yaml = "- source_labels: [a]\n  regex: 1.50\n  target_label: t\n  replacement: yes\n";
    let r: Vec<RelabelConfig> = serde_saphyr::from_str(yaml).unwrap();
    assert_eq!(r[0].regex.as_str(), "1.50");
    assert_eq!(r[0].replacement, "yes");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    const ACTIONS: [Action; 11] = [
        Action::Replace,
        Action::Keep,
        Action::Drop,
        Action::KeepEqual,
        Action::DropEqual,
        Action::HashMod,
        Action::LabelMap,
        Action::LabelDrop,
        Action::LabelKeep,
        Action::Lowercase,
        Action::Uppercase,
    ];

    fn name() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["a", "b", "__meta_x", "job", "instance", "é"])
            .prop_map(String::from)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Any valid rule runs on any set; `relabel` and `relabel_builder` agree; labeldrop and
        /// labelkeep with the same regex split a set in two.
        #[test]
        fn valid_rules_run_and_agree(
            action in 0..ACTIONS.len(),
            regex in prop::sample::select(vec!["(.*)", "a|b", "(.)(.*)", "", "x.*", "(?P<n>[a-z])"]),
            target in prop::sample::select(vec!["t", "a", "$1", "${n}_x", "", "job"]),
            replacement in prop::sample::select(vec!["$1", "v", "", "${2}-$n", "$$"]),
            sources in prop::collection::vec(name(), 0..3),
            pairs in prop::collection::vec((name(), "[a-zA-Z0-9 ]{0,4}"), 0..5),
            modulus in 0u64..5,
        ) {
            let mut rule = RelabelConfig {
                source_labels: sources,
                target_label: target.into(),
                regex: compile_regex(regex).unwrap(),
                modulus,
                replacement: replacement.into(),
                action: ACTIONS[action],
                ..RelabelConfig::default()
            };
            prop_assume!(rule.validate(ValidationScheme::Utf8).is_ok());
            let labels = Labels::from_pairs(pairs);
            let rules = [rule];
            let out = relabel(&labels, &rules);
            let mut b = LabelsBuilder::new(labels.clone());
            prop_assert_eq!(relabel_builder(&mut b, &rules), out.is_some());
            if let Some(out) = &out {
                prop_assert_eq!(out, &b.labels());
            }
            let split = |a: Action| {
                let r = RelabelConfig { regex: compile_regex(regex).unwrap(), action: a, ..RelabelConfig::default() };
                relabel(&labels, &[r]).unwrap()
            };
            let (dropped, kept) = (split(Action::LabelDrop), split(Action::LabelKeep));
            prop_assert_eq!(dropped.len() + kept.len(), labels.without_empty().len());
        }
    }
}

#[test]
fn go_named_group_syntaxes_and_multiline_values() {
    // `(?P<n>)` and Go 1.22's `(?<n>)`, referenced as `$n` and `${n}`.
    let r = rules(
        r#"[{"source_labels": ["a"], "regex": "(line1).*(?<second>line2)", "target_label": "b", "replacement": "${1}_${second}_$second"}]"#,
    );
    check(
        &r,
        &[(
            &[("a", "line1\nx\nline2")],
            Some(&[("a", "line1\nx\nline2"), ("b", "line1_line2_line2")]),
        )],
    );
}

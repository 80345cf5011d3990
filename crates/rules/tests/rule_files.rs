//! Rule files: good files load with every field, bad files fail with upstream's texts at
//! the right `file:line:col`, all errors collected.

use std::path::PathBuf;

use model::duration::Duration;
use model::labels::ValidationScheme;
use rules::file::{self, ParseOptions, Position, RuleFile, RuleFileError, lint};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/testdata/rulefiles").join(name)
}

fn text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture readable")
}

fn parse(name: &str) -> Result<RuleFile, Vec<RuleFileError>> {
    file::parse_str(&text(name), name)
}

fn errors(name: &str) -> Vec<String> {
    parse(name).expect_err("file is invalid").iter().map(ToString::to_string).collect()
}

fn dur(s: &str) -> Duration {
    Duration::parse(s).expect("duration")
}

#[test]
fn good_file_loads_every_field() {
    let f = parse("good.yml").expect("valid");
    assert!(f.warnings.is_empty());
    assert_eq!(f.rule_count(), 3);
    let [g1, g2] = &f.groups[..] else { panic!("two groups") };
    assert_eq!(g1.name, "example");
    assert_eq!(g1.interval, Some(dur("30s")));
    assert_eq!(g1.query_offset, None);
    assert_eq!(g1.limit, 0);
    assert_eq!(g1.labels.get("team").map(String::as_str), Some("infra"));
    assert_eq!(g1.position, Position { line: 3, col: 5 });

    let rec = &g1.rules[0];
    assert_eq!(rec.record.as_deref(), Some("job:up:sum"));
    assert_eq!(rec.alert, None);
    assert_eq!(rec.expr.text, "sum by (job) (up)");
    assert_eq!(rec.position, Position { line: 8, col: 9 });
    assert_eq!(rec.expr_position, Position { line: 9, col: 15 });
    assert_eq!(rec.merged_labels(g1).len(), 2);

    let alert = &g1.rules[1];
    assert_eq!(alert.name(), "InstanceDown");
    assert!(alert.is_alerting());
    assert_eq!(alert.for_, dur("5m"));
    assert_eq!(alert.keep_firing_for, dur("1m"));
    assert_eq!(alert.labels.get("empty").map(String::as_str), Some(""));
    assert_eq!(
        alert.annotations.get("description").map(String::as_str),
        Some("{{ $labels.job }} has been down; value {{ $value | humanize }}.\n")
    );

    assert_eq!(g2.interval, None);
    assert_eq!(g2.query_offset, Some(dur("1m")));
    assert_eq!(g2.limit, 10);
    assert_eq!(g2.rules[0].expr.text, "vector(1)\n");
    assert_eq!(g2.rules[0].for_, Duration::ZERO);
}

#[test]
fn rule_errors_are_all_reported_in_upstream_words() {
    assert_eq!(
        errors("bad_rules.yml"),
        [
            r#"bad_rules.yml: 4:17: 5:16: group "bad", rule 1, "Both": only one of 'record' and 'alert' must be set"#,
            r#"bad_rules.yml: 7:9: group "bad", rule 2, "": one of 'record' or 'alert' must be set"#,
            r#"bad_rules.yml: 8:9: group "bad", rule 3, "NoExpr": field 'expr' must be set in rule"#,
            r#"bad_rules.yml: 9:17: group "bad", rule 4, "rec": invalid field 'annotations' in recording rule"#,
            r#"bad_rules.yml: 9:17: group "bad", rule 4, "rec": invalid field 'for' in recording rule"#,
            r#"bad_rules.yml: 9:17: group "bad", rule 4, "rec": invalid field 'keep_firing_for' in recording rule"#,
            r#"bad_rules.yml: 15:17: group "bad", rule 5, "bad{name}": braces present in the recording rule name; should it be in expr?: bad{name}"#,
            r#"bad_rules.yml: 21:15: group "bad", rule 6, "Labels": invalid label name: "#,
            r#"bad_rules.yml: 20:21: group "bad", rule 6, "Labels": invalid label name: __name__"#,
            r#"bad_rules.yml: 23:15: group "bad", rule 6, "Labels": invalid annotation name: "#,
            r#"bad_rules.yml: 27:21: group "bad", rule 7, "Templates": label "severity": template: __alert_Templates:1: undefined variable "$label""#,
            r#"bad_rules.yml: 29:20: group "bad", rule 7, "Templates": annotation "summary": template: __alert_Templates:1: function "nosuchfunc" not defined"#,
        ]
    );
}

#[test]
fn error_fields_give_file_line_col() {
    let errs = parse("bad_rules.yml").expect_err("invalid");
    assert_eq!(errs[0].location(), "bad_rules.yml:4:17");
    assert_eq!(errs[0].position_alt, Some(Position { line: 5, col: 16 }));
    let r = errs[0].rule.as_ref().expect("about a rule");
    assert_eq!((r.group.as_str(), r.index, r.name.as_str()), ("bad", 1, "Both"));
    assert_eq!(errs[0].message, "only one of 'record' and 'alert' must be set");
}

#[test]
fn group_errors() {
    assert_eq!(
        errors("bad_groups.yml"),
        [
            r#"bad_groups.yml: 4:5: groupname: "dup" is repeated in the same file"#,
            "bad_groups.yml: 6:5: Groupname must not be empty",
            "bad_groups.yml: 8:17: invalid label name: __name__",
        ]
    );
}

#[test]
fn expression_errors_point_inside_the_expression() {
    let errs = errors("bad_expr.yml");
    // `sum(rate(x[5m]) by (job)` at 5:15: the parser's 1:25 is file column 15 + 24.
    assert_eq!(
        errs[0],
        r#"bad_expr.yml: 5:39: group "exprs", rule 1, "plain": could not parse expression: 1:25: parse error: unclosed left parenthesis"#
    );
    assert!(
        errs[1].starts_with(
            r#"bad_expr.yml: 7:15: group "exprs", rule 2, "quoted": could not parse expression: "#
        ),
        "{}",
        errs[1]
    );
    // A literal block: the parser's line 4 (after the last newline) is the end of the
    // block's last line.
    assert_eq!(
        errs[2],
        r#"bad_expr.yml: 12:12: group "exprs", rule 3, "Literal": could not parse expression: 4:1: parse error: unclosed left parenthesis"#
    );
    // A folded block is not mapped: the scalar's own position.
    assert!(
        errs[3].starts_with(
            r#"bad_expr.yml: 15:11: group "exprs", rule 4, "Folded": could not parse expression: "#
        ),
        "{}",
        errs[3]
    );
    assert_eq!(errs.len(), 4);
}

#[test]
fn unknown_fields_are_errors_unless_ignored() {
    assert_eq!(errors("unknown_field.yml"), ["unknown_field.yml: 6:9: unknown field `summary`"]);
    let opts = ParseOptions { ignore_unknown_fields: true, ..ParseOptions::default() };
    let f = file::parse_str_with(&text("unknown_field.yml"), "u.yml", opts).expect("lenient");
    assert_eq!(f.rule_count(), 1);
}

#[test]
fn yaml_value_errors_are_positioned() {
    assert_eq!(
        errors("bad_yaml.yml"),
        [r#"bad_yaml.yml: 3:15: unknown unit "x" in duration "5x""#]
    );
}

#[test]
fn second_document_only_warns() {
    let f = parse("multi_doc.yml").expect("valid");
    assert_eq!(f.groups.len(), 1);
    assert_eq!(
        f.warnings,
        [
            "Multiple document yaml rules files are not supported, only the first document is processed"
        ]
    );
}

#[test]
fn empty_file_has_no_groups() {
    let f = parse("empty.yml").expect("valid");
    assert!(f.groups.is_empty());
    let f = file::parse_str("# only a comment\n", "c.yml").expect("valid");
    assert!(f.groups.is_empty());
    let f = file::parse_str("groups:\n", "n.yml").expect("valid");
    assert!(f.groups.is_empty());
}

#[test]
fn legacy_scheme_checks_names() {
    let text =
        "groups:\n- name: g\n  rules:\n  - record: a.b\n    expr: up\n    labels:\n      x.y: z\n";
    file::parse_str(text, "f.yml").expect("utf8 names are fine by default");
    let opts = ParseOptions { scheme: ValidationScheme::Legacy, ..ParseOptions::default() };
    let errs: Vec<String> = file::parse_str_with(text, "f.yml", opts)
        .expect_err("legacy rejects")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errs,
        [
            r#"f.yml: 4:13: group "g", rule 1, "a.b": invalid recording rule name: a.b"#,
            r#"f.yml: 7:12: group "g", rule 1, "a.b": invalid label name: x.y"#,
        ]
    );
}

#[test]
fn load_files_collects_errors_of_every_file() {
    let missing = fixture("no_such.yml");
    let errs = file::load_files(&[fixture("good.yml"), missing.clone(), fixture("bad_groups.yml")])
        .expect_err("two bad files");
    assert_eq!(errs.len(), 4);
    let m = missing.display().to_string();
    assert_eq!(errs[0].to_string(), format!("{m}: open {m}: no such file or directory"));
    let files = file::load_files(&[fixture("good.yml"), fixture("empty.yml")]).expect("valid");
    assert_eq!(files.len(), 2);
    assert_eq!(files[0].file, fixture("good.yml").display().to_string());
}

#[test]
fn duplicate_rules_lint() {
    let f = parse("duplicates.yml").expect("valid");
    let d = lint::duplicates(&f);
    assert_eq!(
        lint::duplicates_report(&d),
        "2 duplicate rule(s) found.\nMetric: Down\nLabel(s):\nMetric: job:up:sum\nLabel(s):\n\tteam: x\nMight cause inconsistency while recording expressions"
    );
    assert!(lint::duplicates(&parse("good.yml").expect("valid")).is_empty());
}

#[test]
fn klaxon_lints() {
    let f = parse("lint.yml").expect("valid");
    let short: Vec<String> =
        lint::short_for(&f, dur("1m")).iter().map(ToString::to_string).collect();
    assert_eq!(
        short,
        [
            r#"5:9: group "lint", rule 1, "ShortFor": 'for' (30s) is shorter than the group's evaluation interval (2m); the alert fires after 2m at the earliest"#
        ]
    );
    let labels: Vec<String> =
        lint::unknown_template_labels(&f).iter().map(ToString::to_string).collect();
    assert_eq!(
        labels,
        [
            r#"8:9: group "lint", rule 2, "MissingLabel": annotation "summary" uses $labels.instance, but the expression's result only has the labels {job}"#
        ]
    );
    // The column inside the template is the template engine's business: not pinned here.
    let rendered: Vec<String> = lint::template_errors(&f).iter().map(ToString::to_string).collect();
    let [only] = &rendered[..] else { panic!("one finding: {rendered:?}") };
    assert!(
        only.starts_with(r#"16:9: group "lint", rule 4, "BadTemplate": annotation "summary" fails when rendered with example data: error executing template __alert_BadTemplate: template: __alert_BadTemplate:1:"#),
        "{only}"
    );
    assert!(
        only.ends_with(r#"at <$value.Foo>: can't evaluate field Foo in type float64"#),
        "{only}"
    );
}

#[test]
fn never_panics_on_odd_input() {
    for t in [
        "",
        "---",
        "groups: 1",
        "groups: [1]",
        "groups:\n- rules: {}",
        "\u{0}",
        "groups:\n- name: [a]\n",
        "groups:\n- name: g\n  rules:\n  - alert: a\n    expr: '('\n",
        "groups:\n- name: g\n  limit: -1\n",
        "a: &x [*x]",
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: |\n",
    ] {
        let _ = file::parse_str(t, "x.yml");
    }
}

#[test]
fn scalars_of_any_type_read_as_strings() {
    let text = "groups:\n- name: 1\n  rules:\n  - alert: 2\n    expr: 1\n    labels:\n      priority: 1\n      page: true\n      ratio: 0.5\n";
    let f = file::parse_str(text, "s.yml").expect("Go reads scalars into strings");
    let g = &f.groups[0];
    assert_eq!(g.name, "1");
    let r = &g.rules[0];
    assert_eq!((r.name(), r.expr.text.as_str()), ("2", "1"));
    let labels: Vec<(&str, &str)> =
        r.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(labels, [("page", "true"), ("priority", "1"), ("ratio", "0.5")]);
}

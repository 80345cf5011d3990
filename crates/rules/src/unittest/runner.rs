//! One test group run as promtool runs it: a fresh in-memory head, the rule groups loaded with
//! the test's interval as their default, every group evaluated at each evaluation step from the
//! start (0, or `start_timestamp`) to the largest `eval_time` (in `group_eval_order`), alert
//! expectations checked right after the step they fall in, then the PromQL expectations as
//! instant queries over everything loaded and recorded. The engine has upstream's test
//! settings (5m lookback, 100s timeout, subquery step = evaluation interval) except the sample
//! limit, left at the server's default so that klaxon's accounting cannot fail a test.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use model::duration::{Duration, GoDuration};
use model::gostr::quote;
use model::labels::Labels;
use promql::promqltest::series::parse_metric;
use promql::{Engine, EngineOptions, QueryOptions, Value};
use tsdb::{Head, HeadOptions};

use super::compare::{
    AlertEntry, SampleEntry, alerts_lines, alerts_string, indent_lines, line_diff, samples_lines,
    samples_match, samples_string,
};
use super::format::{AlertTestCase, TestGroup};
use super::input::LazySeries;
use crate::alerting::AlertState;
use crate::file::RuleFile;
use crate::group::{EvalContext, Group, GroupOptions};
use crate::local::LocalEngine;

/// What every test group of a file shares.
#[derive(Debug, Clone)]
pub struct FileSettings {
    pub evaluation_interval: Duration,
    /// Group name → position in `group_eval_order`.
    pub group_order: HashMap<String, usize>,
    pub rule_files: Vec<RuleFile>,
}

/// Runs one test group; returns its failures in promtool's wording (empty: passed).
pub async fn run_group(tg: &TestGroup, settings: &FileSettings) -> Vec<String> {
    let eval_ms = settings.evaluation_interval.as_millis().max(1);
    let interval =
        tg.interval.filter(|d| d.as_millis() > 0).unwrap_or(settings.evaluation_interval);

    let start = tg.start_timestamp.map_or(0, |t| t.0);
    let mut input = match LazySeries::parse(&tg.input_series, start, interval.as_millis()) {
        Ok(s) => s,
        Err(e) => return vec![e],
    };
    for a in &tg.alert_rule_test {
        if a.alertname.is_empty() {
            let in_group = if tg.name.is_empty() {
                String::new()
            } else {
                format!(" (in TestGroup {})", tg.name)
            };
            return vec![format!(
                "an item under alert_rule_test misses required attribute alertname at eval_time {}{in_group}",
                a.eval_time
            )];
        }
    }

    let head = Arc::new(Head::new(HeadOptions::default()));
    let engine = Engine::new(EngineOptions {
        default_subquery_step: eval_ms,
        timeout: std::time::Duration::from_secs(100),
        ..EngineOptions::default()
    });
    let ctx =
        EvalContext::new(Arc::new(LocalEngine::new(engine.clone(), head.clone())), head.clone());
    let groups = build_groups(tg, interval, settings);

    let max_eval_ms = tg
        .alert_rule_test
        .iter()
        .map(|a| a.eval_time)
        .chain(tg.promql_expr_test.iter().map(|p| p.eval_time))
        .max()
        .unwrap_or_default()
        .as_millis();

    // Alert tests by eval time, in time order; each is checked after the step it falls in.
    let mut by_time: BTreeMap<i64, Vec<&AlertTestCase>> = BTreeMap::new();
    for a in &tg.alert_rule_test {
        by_time.entry(a.eval_time.as_millis()).or_default().push(a);
    }
    let mut pending_times = by_time.into_iter().peekable();

    let mut errs = Vec::new();
    let mut ts = start;
    while ts - start <= max_eval_ms {
        if let Err(e) = input.append_till(head.as_ref(), ts) {
            errs.push(e);
        }
        let mut eval_errs = Vec::new();
        for g in &groups {
            g.eval(ts, &ctx).await;
            for r in g.rules() {
                if let Some(e) = r.status().last_error {
                    eval_errs.push(format!(
                        "    rule: {}, time: {}, err: {e}",
                        r.name(),
                        GoDuration::from(Duration::from_millis(ts))
                    ));
                }
            }
        }
        if !eval_errs.is_empty() {
            errs.extend(eval_errs);
            return errs;
        }
        while let Some((t, _)) = pending_times.peek() {
            let since_start = ts - start;
            if !(since_start <= *t && *t < since_start + eval_ms) {
                break;
            }
            let Some((_, cases)) = pending_times.next() else { break };
            for case in cases {
                if let Some(e) = check_alerts(tg, case, &groups) {
                    errs.push(e);
                }
            }
        }
        ts += eval_ms;
    }

    for case in &tg.promql_expr_test {
        if let Some(e) = check_promql(case, start, &engine, head.as_ref()) {
            errs.push(e);
        }
    }
    errs
}

/// The groups of every rule file, default interval the test's, query offsets dropped (the test
/// loop decides the times), alerting rules restored so `ALERTS` is written from the first step,
/// ordered by `group_eval_order` (unlisted groups first, in file order).
fn build_groups(tg: &TestGroup, interval: Duration, settings: &FileSettings) -> Vec<Group> {
    let external_labels: Labels =
        Labels::from_pairs(tg.external_labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut groups = Vec::new();
    for file in &settings.rule_files {
        let opts = GroupOptions {
            default_interval: interval.to_std().unwrap_or_default(),
            default_query_offset: std::time::Duration::ZERO,
            external_labels: external_labels.clone(),
            external_url: tg.external_url.clone(),
            file: file.file.clone(),
        };
        for spec in &file.groups {
            let mut spec = spec.clone();
            spec.query_offset = None;
            let group = Group::new(&spec, &opts);
            for r in group.alerting_rules() {
                r.set_restored(true);
            }
            groups.push(group);
        }
    }
    groups.sort_by_key(|g| settings.group_order.get(g.name()).copied().unwrap_or(0));
    groups
}

/// Compares the firing alerts of every rule named `case.alertname` with the expected ones.
fn check_alerts(tg: &TestGroup, case: &AlertTestCase, groups: &[Group]) -> Option<String> {
    let mut got: Vec<AlertEntry> = groups
        .iter()
        .flat_map(|g| g.alerting_rules())
        .filter(|r| r.name() == case.alertname)
        .flat_map(|r| r.active_alerts())
        .filter(|a| a.state == AlertState::Firing)
        .map(|a| AlertEntry { labels: a.labels, annotations: a.annotations })
        .collect();
    let mut exp: Vec<AlertEntry> = case
        .exp_alerts
        .iter()
        .map(|a| {
            let mut labels = a.exp_labels.clone();
            labels.insert("alertname".into(), case.alertname.clone());
            AlertEntry {
                labels: Labels::from_pairs(labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))),
                annotations: Labels::from_pairs(
                    a.exp_annotations.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                ),
            }
        })
        .collect();
    got.sort();
    exp.sort();
    if got == exp {
        return None;
    }
    let name = test_name_line(tg);
    let indent = "            ";
    Some(format!(
        "{name}    alertname: {}, time: {}, \n        exp:{}, \n        got:{}\n        diff (-exp +got):\n{}",
        case.alertname,
        case.eval_time,
        indent_lines(&alerts_string(&exp), indent),
        indent_lines(&alerts_string(&got), indent),
        line_diff(&alerts_lines(&exp), &alerts_lines(&got), "          "),
    ))
}

fn test_name_line(tg: &TestGroup) -> String {
    if tg.name.is_empty() { String::new() } else { format!("    name: {},\n", tg.name) }
}

/// Runs one PromQL expectation at its eval time.
fn check_promql(
    case: &super::format::PromqlTestCase,
    start: i64,
    engine: &Engine,
    head: &Head,
) -> Option<String> {
    let expr_q = quote(&case.expr);
    let time = case.eval_time;
    let fail = |e: String| Some(format!("    expr: {expr_q}, time: {time}, err: {e}"));
    let expr = match promql::parse(&case.expr) {
        Ok(e) => e,
        Err(e) => return fail(e.to_string()),
    };
    let t = start + time.as_millis();
    let res = match engine.instant_query(head, &expr, t, &QueryOptions::default()) {
        Ok(r) => r,
        Err(e) => return fail(e.to_string()),
    };
    let mut got: Vec<SampleEntry> = match res.value {
        Value::Vector(v) => v
            .into_iter()
            .map(|s| SampleEntry {
                labels: if s.drop_name { s.metric.drop_metric_name() } else { s.metric },
                value: s.f,
            })
            .collect(),
        Value::Scalar { f, .. } => vec![SampleEntry { labels: Labels::default(), value: f }],
        _ => return fail("rule result is not a vector or scalar".into()),
    };
    let mut exp = Vec::with_capacity(case.exp_samples.len());
    for s in &case.exp_samples {
        match parse_metric(s.labels.trim()) {
            Ok((labels, rest)) if rest.trim().is_empty() => {
                exp.push(SampleEntry { labels, value: s.value })
            }
            Ok((_, rest)) => {
                return fail(format!("labels {}: unexpected {:?}", quote(&s.labels), rest.trim()));
            }
            Err(e) => return fail(format!("labels {}: {e}", quote(&s.labels))),
        }
    }
    exp.sort_by(|a, b| a.labels.cmp(&b.labels));
    got.sort_by(|a, b| a.labels.cmp(&b.labels));
    if samples_match(&exp, &got) {
        return None;
    }
    Some(format!(
        "    expr: {expr_q}, time: {time},\n        exp: {}\n        got: {}\n        diff (-exp +got):\n{}",
        samples_string(&exp),
        samples_string(&got),
        line_diff(&samples_lines(&exp), &samples_lines(&got), "          "),
    ))
}

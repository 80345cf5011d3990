//! Shared helpers of the evaluation tests: an in-memory head, the local engine over it, groups
//! from rule-file text, and readers for what the group wrote.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use model::labels::Labels;
use model::matcher::{MatchOp, Matcher};
use model::storage::{Appendable, FPoint, SelectHints, Storage};
use promql::Engine;
use rules::group::{EvalContext, Group, GroupOptions};
use rules::local::LocalEngine;
use rules::seams::{QueryEngine, RuleQuery, Sample};
use tsdb::Head;

pub const MIN: i64 = 60_000;
/// A round start time (2023-11-14T22:13:20Z is 1_700_000_000_000; take whole minutes).
pub const T0: i64 = 28_333_333 * MIN;

pub struct Env {
    pub head: Arc<Head>,
    pub engine: Arc<LocalEngine>,
    pub ctx: EvalContext,
}

impl Env {
    pub fn new() -> Self {
        let head = Arc::new(Head::default());
        let engine = Arc::new(LocalEngine::new(Engine::default(), head.clone()));
        let ctx = EvalContext::new(engine.clone(), head.clone());
        Env { head, engine, ctx }
    }

    /// Appends `value` at `t` to the series written as `name{a="b",...}` pairs.
    pub fn add(&self, labels: &[(&str, &str)], t: i64, value: f64) {
        let l = Labels::from_pairs(labels.iter().copied());
        let mut app = self.head.appender();
        app.append(&l, t, value).expect("append");
        app.commit().expect("commit");
    }

    /// An instant query's result, sorted by labels.
    pub fn query(&self, q: &str, t: i64) -> Vec<Sample> {
        let rq = RuleQuery { text: q.into(), expr: Arc::new(promql::parse(q).expect("parse")) };
        let mut v = self.engine.instant_sync(&rq, t).expect("query");
        v.sort_by(|a, b| a.labels.cmp(&b.labels));
        v
    }

    /// Raw samples (stale markers included) of every series named `name`.
    pub fn raw(&self, name: &str) -> Vec<(Labels, Vec<FPoint>)> {
        let q = self.head.querier(i64::MIN / 2, i64::MAX / 2).expect("querier");
        let m = Matcher::prometheus(MatchOp::Equal, "__name__", name).expect("matcher");
        let hints = SelectHints { start: i64::MIN / 2, end: i64::MAX / 2, ..Default::default() };
        let mut out = Vec::new();
        for s in q.select(&hints, &[m]).expect("select") {
            let mut pts = Vec::new();
            s.floats_into(i64::MIN / 2, i64::MAX / 2, &mut pts);
            out.push((s.labels().clone(), pts));
        }
        out
    }

    pub fn engine(&self) -> Arc<dyn QueryEngine> {
        self.engine.clone()
    }
}

pub fn opts() -> GroupOptions {
    GroupOptions {
        default_interval: Duration::from_secs(60),
        default_query_offset: Duration::ZERO,
        external_labels: Labels::from_pairs([("cluster", "eu1")]),
        external_url: "http://prom.example:9090".into(),
        file: "rules.yml".into(),
    }
}

/// The first group of a rule file's text.
pub fn group(yaml: &str) -> Group {
    let f = match rules::file::parse_str(yaml, "rules.yml") {
        Ok(f) => f,
        Err(e) => panic!("rule file: {e:?}"),
    };
    Group::new(&f.groups[0], &opts())
}

pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

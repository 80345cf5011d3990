//! Recording rules (upstream's `RecordingRule`): the expression's vector renamed to the
//! `record` name with the rule's labels applied, written back by the group.

use std::collections::HashSet;

use model::labels::Labels;
use parking_lot::Mutex;

use crate::seams::{QueryEngine, RuleQuery};

/// A rule's health as `/api/v1/rules` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleHealth {
    /// Not evaluated yet.
    #[default]
    Unknown,
    Ok,
    Err,
}

impl RuleHealth {
    /// `unknown`, `ok`, `err`, as the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleHealth::Unknown => "unknown",
            RuleHealth::Ok => "ok",
            RuleHealth::Err => "err",
        }
    }
}

/// What the API shows of a rule's last evaluation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleStatus {
    pub health: RuleHealth,
    pub last_error: Option<String>,
    /// The group timestamp of the last evaluation (ms), `None` before the first.
    pub last_evaluation_ms: Option<i64>,
    /// How long the last evaluation took, seconds.
    pub evaluation_seconds: f64,
}

impl RuleStatus {
    pub(crate) fn set_result(&mut self, ts_ms: i64, seconds: f64, err: Option<String>) {
        self.last_evaluation_ms = Some(ts_ms);
        self.evaluation_seconds = seconds;
        self.set_error(err);
    }

    pub(crate) fn set_error(&mut self, err: Option<String>) {
        self.health = if err.is_some() { RuleHealth::Err } else { RuleHealth::Ok };
        self.last_error = err;
    }
}

/// A recording rule.
#[derive(Debug)]
pub struct RecordingRule {
    name: String,
    query: RuleQuery,
    /// Group labels overlaid with the rule's own, as written (empty values delete).
    labels: Vec<(String, String)>,
    status: Mutex<RuleStatus>,
}

impl RecordingRule {
    /// A rule recording `query` as `name`, with `labels` (group labels already merged in).
    pub fn new(name: impl Into<String>, query: RuleQuery, labels: Vec<(String, String)>) -> Self {
        RecordingRule { name: name.into(), query, labels, status: Mutex::default() }
    }

    /// The recorded metric name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn query(&self) -> &RuleQuery {
        &self.query
    }

    /// The rule labels (group labels merged in).
    pub fn labels(&self) -> Labels {
        Labels::from_pairs(self.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .without_empty()
    }

    pub fn status(&self) -> RuleStatus {
        self.status.lock().clone()
    }

    pub(crate) fn status_mut(&self) -> parking_lot::MutexGuard<'_, RuleStatus> {
        self.status.lock()
    }

    /// Evaluates at `t_ms` (the group's `ts − query_offset`): the samples to write, or
    /// upstream's error text. `limit` 0 = unlimited.
    pub async fn eval(
        &self,
        engine: &dyn QueryEngine,
        t_ms: i64,
        limit: usize,
    ) -> Result<Vec<(Labels, f64)>, String> {
        let res = engine.instant(&self.query, t_ms).await.map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(res.len());
        let mut seen = HashSet::with_capacity(res.len());
        for s in res {
            let mut b = s.labels.builder();
            b.set("__name__", &self.name);
            for (k, v) in &self.labels {
                b.set(k, v);
            }
            let l = b.labels();
            if !seen.insert(l.clone()) {
                return Err(
                    "vector contains metrics with the same labelset after applying rule labels"
                        .into(),
                );
            }
            out.push((l, s.f));
        }
        if limit > 0 && out.len() > limit {
            return Err(format!("exceeded limit of {limit} with {} series", out.len()));
        }
        Ok(out)
    }
}

//! A rule group and one evaluation of it (upstream's `Group.Eval`): every rule in file order
//! at the same timestamp, each rule's samples appended and committed before the next rule
//! runs (so later rules see earlier results), stale markers for series a rule wrote last time
//! but not now, and the alerts due for sending.
//!
//! A [`Group`] is shared (`&self` everywhere): each rule keeps its state behind its own lock,
//! taken only between awaits, so the API can read rule states while the group evaluates.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use model::labels::Labels;
use model::storage::{AppendError, Appendable, stale_nan};
use parking_lot::Mutex;

use crate::alerting::{ActiveAlert, AlertState, AlertingRule, millis};
use crate::expand::TemplateEnv;
use crate::file::GroupSpec;
use crate::recording::{RecordingRule, RuleStatus};
use crate::seams::{Alert, QueryEngine};

/// What a group takes from the configuration besides its own spec.
#[derive(Debug, Clone, Default)]
pub struct GroupOptions {
    /// `global.evaluation_interval`: the interval of groups that set none.
    pub default_interval: Duration,
    /// `global.rule_query_offset`: the offset of groups that set none.
    pub default_query_offset: Duration,
    /// `global.external_labels` (templates' `$externalLabels`; not added to alerts here).
    pub external_labels: Labels,
    /// `--web.external-url`, no trailing slash (templates, generator URLs).
    pub external_url: String,
    /// The rule file the group comes from (the group key is `<file>;<name>`).
    pub file: String,
}

/// Where one evaluation reads and writes.
#[derive(Clone)]
pub struct EvalContext {
    pub engine: Arc<dyn QueryEngine>,
    pub appendable: Arc<dyn Appendable>,
}

impl std::fmt::Debug for EvalContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvalContext").field("engine", &self.engine).finish_non_exhaustive()
    }
}

impl EvalContext {
    pub fn new(engine: Arc<dyn QueryEngine>, appendable: Arc<dyn Appendable>) -> Self {
        EvalContext { engine, appendable }
    }
}

/// One rule of a group.
#[derive(Debug)]
pub enum Rule {
    Recording(RecordingRule),
    Alerting(AlertingRule),
}

impl Rule {
    /// The alert name or recorded metric name.
    pub fn name(&self) -> &str {
        match self {
            Rule::Recording(r) => r.name(),
            Rule::Alerting(r) => r.name(),
        }
    }

    /// The rule labels (group labels merged in, raw).
    pub fn labels(&self) -> Labels {
        match self {
            Rule::Recording(r) => r.labels(),
            Rule::Alerting(r) => r.labels(),
        }
    }

    pub fn query(&self) -> &crate::seams::RuleQuery {
        match self {
            Rule::Recording(r) => r.query(),
            Rule::Alerting(r) => r.query(),
        }
    }

    pub fn status(&self) -> RuleStatus {
        match self {
            Rule::Recording(r) => r.status(),
            Rule::Alerting(r) => r.status(),
        }
    }

    fn set_result(&self, ts_ms: i64, seconds: f64, err: Option<String>) {
        match self {
            Rule::Recording(r) => r.status_mut().set_result(ts_ms, seconds, err),
            Rule::Alerting(r) => r.state.lock().status.set_result(ts_ms, seconds, err),
        }
    }

    fn set_error(&self, err: String) {
        match self {
            Rule::Recording(r) => r.status_mut().set_error(Some(err)),
            Rule::Alerting(r) => r.state.lock().status.set_error(Some(err)),
        }
    }

    /// Upstream's reload key: name and labels.
    fn name_and_labels(&self) -> String {
        format!("{}{}", self.name(), self.labels())
    }
}

/// What one evaluation did, for the manager's metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalSummary {
    /// Rules evaluated (`prometheus_rule_evaluations_total`).
    pub rules: usize,
    /// Rules that failed (`prometheus_rule_evaluation_failures_total`).
    pub failures: usize,
    /// Samples the rules produced, stale markers excluded, rejected appends included
    /// (upstream's `..._last_evaluation_samples`).
    pub samples: usize,
    /// Sum of the rules' evaluation times, seconds.
    pub rule_seconds: f64,
    /// Wall time of the whole evaluation, seconds.
    pub seconds: f64,
}

/// What writing one rule's samples came to.
struct Written {
    /// The last append or commit error (marks the rule unhealthy).
    error: Option<String>,
    commit_failed: bool,
}

/// A rule group ready to evaluate.
#[derive(Debug)]
pub struct Group {
    name: String,
    file: String,
    interval: Duration,
    limit: usize,
    query_offset: Duration,
    rules: Vec<Rule>,
    env: Arc<TemplateEnv>,
    external_url: String,
    /// Per rule: the series it wrote in its last successful evaluation.
    series_in_previous_eval: Mutex<Vec<HashSet<Labels>>>,
    /// Series of rules gone by a reload, marked stale at the next evaluation.
    stale_series: Mutex<Vec<Labels>>,
    last: Mutex<Option<(i64, EvalSummary)>>,
}

impl Group {
    /// A group from its spec; unset interval and offset take the options' defaults.
    pub fn new(spec: &GroupSpec, opts: &GroupOptions) -> Self {
        let rules = spec
            .rules
            .iter()
            .map(|r| {
                let labels: Vec<(String, String)> = r.merged_labels(spec).into_iter().collect();
                match &r.alert {
                    Some(name) => Rule::Alerting(AlertingRule::new(
                        name.clone(),
                        r.expr.clone(),
                        r.for_.to_std().unwrap_or_default(),
                        r.keep_firing_for.to_std().unwrap_or_default(),
                        labels,
                        r.annotations.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                    )),
                    None => Rule::Recording(RecordingRule::new(
                        r.record.clone().unwrap_or_default(),
                        r.expr.clone(),
                        labels,
                    )),
                }
            })
            .collect();
        Group::from_rules(
            spec.name.clone(),
            rules,
            spec.interval.and_then(|d| d.to_std()).unwrap_or(opts.default_interval),
            spec.limit,
            spec.query_offset.and_then(|d| d.to_std()).unwrap_or(opts.default_query_offset),
            opts,
        )
    }

    /// A group from already-built rules (tests, tools); `opts.file` names it.
    pub fn from_rules(
        name: String,
        rules: Vec<Rule>,
        interval: Duration,
        limit: usize,
        query_offset: Duration,
        opts: &GroupOptions,
    ) -> Self {
        let n = rules.len();
        Group {
            name,
            file: opts.file.clone(),
            interval,
            limit,
            query_offset,
            rules,
            env: Arc::new(TemplateEnv::new(&opts.external_labels, &opts.external_url)),
            external_url: opts.external_url.clone(),
            series_in_previous_eval: Mutex::new(vec![HashSet::new(); n]),
            stale_series: Mutex::default(),
            last: Mutex::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// `<file>;<name>`, the `rule_group` label of the self-metrics.
    pub fn key(&self) -> String {
        format!("{};{}", self.file, self.name)
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    pub fn query_offset(&self) -> Duration {
        self.query_offset
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn alerting_rules(&self) -> impl Iterator<Item = &AlertingRule> {
        self.rules.iter().filter_map(|r| match r {
            Rule::Alerting(a) => Some(a),
            Rule::Recording(_) => None,
        })
    }

    /// The group timestamp and summary of the last evaluation.
    pub fn last_evaluation(&self) -> Option<(i64, EvalSummary)> {
        self.last.lock().clone()
    }

    /// Pending and firing alerts of every alerting rule, with the rule's name.
    pub fn active_alerts(&self) -> Vec<(String, ActiveAlert)> {
        self.alerting_rules()
            .flat_map(|r| r.active_alerts().into_iter().map(|a| (r.name().to_string(), a)))
            .collect()
    }

    /// Makes every alerting rule wait for [`Group::restore_for_state`] before writing
    /// `ALERTS*` (groups loaded at start-up, as upstream).
    pub fn set_needs_restore(&self) {
        for r in self.alerting_rules() {
            r.set_restored(false);
        }
    }

    /// One evaluation at group time `ts_ms` (a slot; queries run at `ts − query_offset`).
    pub async fn eval(&self, ts_ms: i64, ctx: &EvalContext) -> EvalSummary {
        let started = Instant::now();
        let offset = millis(self.query_offset);
        let out_ts = ts_ms - offset;
        let mut summary = EvalSummary { rules: self.rules.len(), ..EvalSummary::default() };
        for (i, rule) in self.rules.iter().enumerate() {
            let rule_started = Instant::now();
            let result = match rule {
                Rule::Recording(r) => r.eval(ctx.engine.as_ref(), out_ts, self.limit).await,
                Rule::Alerting(r) => {
                    r.eval(&ctx.engine, &self.env, ts_ms, offset, self.limit).await
                }
            };
            let samples = match result {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(group = %self.name, rule = rule.name(), err = %e, "Evaluating rule failed");
                    rule.set_result(ts_ms, rule_started.elapsed().as_secs_f64(), Some(e));
                    summary.failures += 1;
                    summary.rule_seconds += rule_started.elapsed().as_secs_f64();
                    continue;
                }
            };
            summary.samples += samples.len();
            let secs = rule_started.elapsed().as_secs_f64();
            summary.rule_seconds += secs;
            rule.set_result(ts_ms, secs, None);
            let written = self.write(i, out_ts, samples, ctx.appendable.as_ref());
            // As upstream: rejected samples make the rule unhealthy; only a failed commit
            // counts as an evaluation failure.
            if let Some(e) = written.error {
                rule.set_error(e);
            }
            if written.commit_failed {
                summary.failures += 1;
            }
        }
        self.cleanup_stale_series(out_ts, ctx.appendable.as_ref());
        summary.seconds = started.elapsed().as_secs_f64();
        *self.last.lock() = Some((ts_ms, summary.clone()));
        summary
    }

    /// Appends one rule's samples and the stale markers of its vanished series, commits.
    fn write(
        &self,
        i: usize,
        out_ts: i64,
        samples: Vec<(Labels, f64)>,
        appendable: &dyn Appendable,
    ) -> Written {
        let mut app = appendable.appender();
        let mut returned = HashSet::with_capacity(samples.len());
        let mut err = None;
        let mut rejected = HashMap::<String, usize>::new();
        for (l, f) in samples {
            match app.append(&l, out_ts, f) {
                Ok(()) => {
                    returned.insert(l);
                }
                Err(e) => {
                    *rejected.entry(e.to_string()).or_default() += 1;
                    err = Some(e.to_string());
                }
            }
        }
        for (e, n) in rejected {
            tracing::warn!(group = %self.name, err = %e, num_dropped = n, "Rule evaluation result discarded");
        }
        let previous = self.series_in_previous_eval.lock().get(i).cloned().unwrap_or_default();
        for l in previous.iter().filter(|l| !returned.contains(*l)) {
            match app.append(l, out_ts, stale_nan()) {
                Ok(())
                | Err(AppendError::OutOfOrder)
                | Err(AppendError::TooOld)
                | Err(AppendError::DuplicateTimestamp) => {}
                Err(e) => tracing::warn!(series = %l, err = %e, "Adding stale sample failed"),
            }
        }
        if let Err(e) = app.commit() {
            tracing::warn!(group = %self.name, err = %e, "Rule sample appending failed");
            return Written { error: Some(e.to_string()), commit_failed: true };
        }
        if let Some(slot) = self.series_in_previous_eval.lock().get_mut(i) {
            *slot = returned;
        }
        Written { error: err, commit_failed: false }
    }

    fn cleanup_stale_series(&self, out_ts: i64, appendable: &dyn Appendable) {
        let series = std::mem::take(&mut *self.stale_series.lock());
        if series.is_empty() {
            return;
        }
        let mut app = appendable.appender();
        for l in &series {
            if let Err(e) = app.append(l, out_ts, stale_nan()) {
                tracing::debug!(series = %l, err = %e, "Adding stale sample for previous configuration failed");
            }
        }
        if let Err(e) = app.commit() {
            tracing::warn!(err = %e, "Stale sample appending for previous configuration failed");
            *self.stale_series.lock() = series;
        }
    }

    /// Stale markers at `ts − query_offset` for everything the group wrote in its last
    /// evaluation (a group removed by a reload, upstream's `markStale`).
    pub fn mark_all_stale(&self, ts_ms: i64, appendable: &dyn Appendable) {
        let out_ts = ts_ms - millis(self.query_offset);
        let mut all: Vec<Labels> =
            self.series_in_previous_eval.lock().iter().flatten().cloned().collect();
        all.extend(std::mem::take(&mut *self.stale_series.lock()));
        if all.is_empty() {
            return;
        }
        let mut app = appendable.appender();
        for l in &all {
            if let Err(e) = app.append(l, out_ts, stale_nan()) {
                tracing::debug!(series = %l, err = %e, "Adding stale sample failed");
            }
        }
        if let Err(e) = app.commit() {
            tracing::warn!(err = %e, "Stale sample appending failed");
        }
    }

    /// The alerts due after the evaluation at `ts_ms` (each alerting rule's `sendAlerts`),
    /// marked sent. Rules whose evaluation at `ts_ms` failed send nothing.
    pub fn alerts_to_send(&self, ts_ms: i64, resend_delay: Duration) -> Vec<Alert> {
        let resend = millis(resend_delay);
        let interval = millis(self.interval);
        self.alerting_rules()
            .flat_map(|r| r.alerts_to_send(ts_ms, resend, interval, &self.external_url))
            .collect()
    }

    /// Carries state over from the group this one replaces on reload (upstream's
    /// `CopyState`): each rule takes the first unused old rule with the same name and
    /// labels — its written series (for stale markers) and, for alerting rules, its alerts.
    /// Series of old rules left unmatched are marked stale at the next evaluation.
    pub fn copy_state_from(&self, old: &Group) {
        *self.last.lock() = old.last.lock().clone();
        let old_prev = old.series_in_previous_eval.lock().clone();
        let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in old.rules.iter().enumerate() {
            by_key.entry(r.name_and_labels()).or_default().push(i);
        }
        {
            let mut prev = self.series_in_previous_eval.lock();
            for (i, r) in self.rules.iter().enumerate() {
                let Some(list) = by_key.get_mut(&r.name_and_labels()) else { continue };
                if list.is_empty() {
                    continue;
                }
                let fi = list.remove(0);
                if let (Some(slot), Some(s)) = (prev.get_mut(i), old_prev.get(fi)) {
                    *slot = s.clone();
                }
                if let (Rule::Alerting(new), Some(Rule::Alerting(from))) = (r, old.rules.get(fi)) {
                    new.copy_alerts_from(from);
                }
            }
        }
        let mut stale = old.stale_series.lock().clone();
        for list in by_key.values() {
            for &fi in list {
                if let Some(s) = old_prev.get(fi) {
                    stale.extend(s.iter().cloned());
                }
            }
        }
        *self.stale_series.lock() = stale;
    }

    /// The group's state: the highest of its alerting rules'.
    pub fn state(&self) -> AlertState {
        self.alerting_rules().map(|r| r.state()).max().unwrap_or(AlertState::Unknown)
    }
}

//! `klaxon rules backtest`: replays rule files over stored history and tells when each
//! alert would have gone pending, fired and resolved — the question "would this rule have
//! paged us last night, and how often?" answered before the rule is deployed.
//!
//! Every group is evaluated at each of its interval steps from `from` to `to` (the groups'
//! steps interleaved in time order, ties in file order), with the same [`Group`] code the
//! server runs, so `for`, `keep_firing_for`, `limit` and `query_offset` behave as they
//! would live. Recording results and `ALERTS` go to a scratch store the caller provides;
//! reading through a [`ShadowStorage`] makes them visible to later rules (chains work) while
//! hiding what the server itself recorded under the same names.
//!
//! The state changes are collected into a [`Report`]: a timeline and a summary per alert.

pub mod shadow;
pub mod time;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use model::labels::Labels;

use crate::alerting::AlertState;
use crate::file::RuleFile;
use crate::group::{EvalContext, Group, GroupOptions};

pub use shadow::ShadowStorage;
pub use time::{format_span, format_time, parse_time};

/// More group evaluations than this is almost surely a mistyped range or step.
pub const MAX_EVALUATIONS: usize = 2_000_000;

/// What to replay.
#[derive(Debug, Clone)]
pub struct BacktestOptions {
    pub from_ms: i64,
    pub to_ms: i64,
    /// Replaces every group's interval when set (`--step`).
    pub step: Option<std::time::Duration>,
    /// Defaults and templates' context; `file` is set per rule file.
    pub group: GroupOptions,
}

/// The groups of `files` as the server would build them (the global defaults in `opts`).
pub fn groups_from_files(files: &[RuleFile], opts: &GroupOptions) -> Vec<Group> {
    files
        .iter()
        .flat_map(|f| {
            let opts = GroupOptions { file: f.file.clone(), ..opts.clone() };
            f.groups.iter().map(move |g| Group::new(g, &opts)).collect::<Vec<_>>()
        })
        .collect()
}

/// The metric names the rules of `files` write, which history must not supply
/// ([`ShadowStorage`]): recorded names, and `ALERTS`/`ALERTS_FOR_STATE` when any alerting
/// rule exists.
pub fn written_names(files: &[RuleFile]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for rule in files.iter().flat_map(|f| &f.groups).flat_map(|g| &g.rules) {
        match (&rule.record, &rule.alert) {
            (Some(r), _) => names.push(r.clone()),
            (None, Some(_)) => {
                names.push("ALERTS".into());
                names.push("ALERTS_FOR_STATE".into());
            }
            (None, None) => {}
        }
    }
    names.sort();
    names.dedup();
    names
}

/// A change of an alert, or a rule starting to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Pending,
    Firing,
    /// Was firing, no longer is.
    Resolved,
    /// Was pending, went away without firing.
    Inactive,
    /// The rule's evaluation failed (printed when the error text changes).
    Error,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Pending => "PENDING",
            EventKind::Firing => "FIRING",
            EventKind::Resolved => "RESOLVED",
            EventKind::Inactive => "INACTIVE",
            EventKind::Error => "ERROR",
        }
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The group evaluation time.
    pub t_ms: i64,
    pub kind: EventKind,
    /// The alert name (for errors: the rule name).
    pub name: String,
    /// The alert's labels without `alertname` (for errors: none).
    pub labels: Labels,
    /// The alert's value at that evaluation (the last one while active, for `RESOLVED`).
    pub value: f64,
    /// The error text, for [`EventKind::Error`]; the group otherwise.
    pub detail: String,
}

/// What one alert (name and labels) did over the range.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSummary {
    pub name: String,
    pub labels: Labels,
    /// How many times it became pending.
    pub pending: usize,
    /// How many times it fired.
    pub fired: usize,
    /// Total time spent firing, ms (until `to` when still firing at the end).
    pub firing_ms: i64,
    pub firing_at_end: bool,
}

/// The outcome of a replay.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub from_ms: i64,
    pub to_ms: i64,
    pub groups: usize,
    /// Group evaluations run.
    pub evaluations: usize,
    /// Rule evaluations that failed.
    pub failures: usize,
    pub events: Vec<Event>,
    /// By alert name, then labels.
    pub alerts: Vec<AlertSummary>,
    /// Alerting rules none of whose alerts ever went pending or firing.
    pub never_active: Vec<String>,
}

/// Replays `groups` over `[from, to]`: reads and writes through `ctx` (the caller's engine
/// over history plus the scratch store, and the scratch store).
pub async fn run(
    groups: &[Group],
    ctx: &EvalContext,
    opts: &BacktestOptions,
) -> Result<Report, String> {
    if opts.to_ms < opts.from_ms {
        return Err(format!(
            "--to ({}) is before --from ({})",
            format_time(opts.to_ms),
            format_time(opts.from_ms)
        ));
    }
    let mut steps = Vec::with_capacity(groups.len());
    let mut total: usize = 0;
    for g in groups {
        let step = opts.step.unwrap_or(g.interval());
        let step_ms = i64::try_from(step.as_millis()).unwrap_or(i64::MAX);
        if step_ms <= 0 {
            return Err(format!("group {:?} in {}: interval must be positive", g.name(), g.file()));
        }
        let n = usize::try_from((opts.to_ms - opts.from_ms) / step_ms + 1).unwrap_or(usize::MAX);
        total = total.saturating_add(n);
        steps.push(step_ms);
    }
    if total > MAX_EVALUATIONS {
        return Err(format!(
            "{total} group evaluations needed (more than {MAX_EVALUATIONS}): shorten the range or pass a larger --step"
        ));
    }

    let mut tracker = Tracker::default();
    let mut next: Vec<i64> = vec![opts.from_ms; groups.len()];
    let mut report = Report {
        from_ms: opts.from_ms,
        to_ms: opts.to_ms,
        groups: groups.len(),
        ..Report::default()
    };
    // The earliest pending step next; ties go to the group listed first.
    let earliest = |next: &[i64]| {
        next.iter()
            .copied()
            .enumerate()
            .filter(|(_, t)| *t <= opts.to_ms)
            .min_by_key(|(i, t)| (*t, *i))
    };
    while let Some((gi, t)) = earliest(&next) {
        let group = &groups[gi];
        let summary = group.eval(t, ctx).await;
        report.evaluations += 1;
        report.failures += summary.failures;
        tracker.observe(gi, group, t, &mut report.events);
        next[gi] = t.saturating_add(steps[gi]);
    }
    tracker.finish(groups, opts.to_ms, &mut report);
    Ok(report)
}

/// The last seen state of every alert and rule error, to turn evaluations into events.
#[derive(Default)]
struct Tracker {
    /// (group, rule index) → alert labels → (state, value).
    alerts: HashMap<(usize, usize), HashMap<Labels, (AlertState, f64)>>,
    errors: HashMap<(usize, usize), String>,
    summaries: BTreeMap<(String, Labels), AlertSummary>,
    /// When each currently firing alert started firing.
    firing_since: HashMap<(String, Labels), i64>,
}

impl Tracker {
    fn observe(&mut self, gi: usize, group: &Group, t: i64, events: &mut Vec<Event>) {
        for (ri, rule) in group.rules().iter().enumerate() {
            let status = rule.status();
            let prev_err = self.errors.remove(&(gi, ri));
            if let Some(err) = status.last_error {
                if prev_err.as_deref() != Some(err.as_str()) {
                    events.push(Event {
                        t_ms: t,
                        kind: EventKind::Error,
                        name: rule.name().to_string(),
                        labels: Labels::default(),
                        value: f64::NAN,
                        detail: err.clone(),
                    });
                }
                self.errors.insert((gi, ri), err);
            }
            let crate::group::Rule::Alerting(ar) = rule else { continue };
            let now: HashMap<Labels, (AlertState, f64)> = ar
                .all_alerts()
                .into_iter()
                .filter(|a| a.resolved_at_ms.is_none())
                .map(|a| (a.labels, (a.state, a.value)))
                .collect();
            let before = self.alerts.remove(&(gi, ri)).unwrap_or_default();
            let mut changes: Vec<Event> = Vec::new();
            for (labels, &(state, value)) in &now {
                let was = before.get(labels).map(|p| p.0);
                let kind = match (was, state) {
                    (Some(AlertState::Firing), _)
                    | (Some(AlertState::Pending), AlertState::Pending) => {
                        continue;
                    }
                    (_, AlertState::Pending) => EventKind::Pending,
                    (_, AlertState::Firing) => EventKind::Firing,
                    _ => continue,
                };
                changes.push(self.event(t, kind, ar.name(), labels, value, group.name()));
            }
            for (labels, &(state, value)) in &before {
                if now.contains_key(labels) {
                    continue;
                }
                let kind = match state {
                    AlertState::Firing => EventKind::Resolved,
                    AlertState::Pending => EventKind::Inactive,
                    _ => continue,
                };
                changes.push(self.event(t, kind, ar.name(), labels, value, group.name()));
            }
            // Deterministic order within one evaluation: by alert labels.
            changes
                .sort_by(|a, b| a.labels.cmp(&b.labels).then(a.kind.as_str().cmp(b.kind.as_str())));
            events.extend(changes);
            self.alerts.insert((gi, ri), now);
        }
    }

    /// Records `kind` in the summaries and returns its event.
    fn event(
        &mut self,
        t: i64,
        kind: EventKind,
        name: &str,
        labels: &Labels,
        value: f64,
        group: &str,
    ) -> Event {
        let shown = labels.without(&["alertname"]);
        let key = (name.to_string(), shown.clone());
        let s = self.summaries.entry(key.clone()).or_insert_with(|| AlertSummary {
            name: name.to_string(),
            labels: shown.clone(),
            pending: 0,
            fired: 0,
            firing_ms: 0,
            firing_at_end: false,
        });
        match kind {
            EventKind::Pending => s.pending += 1,
            EventKind::Firing => {
                s.fired += 1;
                self.firing_since.insert(key, t);
            }
            EventKind::Resolved => {
                if let Some(since) = self.firing_since.remove(&key) {
                    s.firing_ms += t - since;
                }
            }
            EventKind::Inactive | EventKind::Error => {}
        }
        Event {
            t_ms: t,
            kind,
            name: name.to_string(),
            labels: shown,
            value,
            detail: group.to_string(),
        }
    }

    fn finish(mut self, groups: &[Group], to_ms: i64, report: &mut Report) {
        for (key, since) in self.firing_since.drain() {
            if let Some(s) = self.summaries.get_mut(&key) {
                s.firing_ms += to_ms - since;
                s.firing_at_end = true;
            }
        }
        let mut active_names: Vec<&str> = self.summaries.keys().map(|(n, _)| n.as_str()).collect();
        active_names.sort_unstable();
        let mut never: Vec<String> = groups
            .iter()
            .flat_map(|g| g.alerting_rules())
            .map(|r| r.name().to_string())
            .filter(|n| active_names.binary_search(&n.as_str()).is_err())
            .collect();
        never.sort();
        never.dedup();
        report.never_active = never;
        report.alerts = self.summaries.into_values().collect();
    }
}

/// A sample value as Prometheus prints it (`+Inf`, `NaN`, shortest round-trip digits).
fn format_value(v: f64) -> String {
    if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        v.to_string()
    }
}

/// `name{labels}`, or `name` alone without labels.
fn series_name(name: &str, labels: &Labels) -> String {
    if labels.is_empty() { name.to_string() } else { format!("{name}{labels}") }
}

impl Report {
    /// The timeline, one event a line, then the summary; what the command prints.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            let t = format_time(e.t_ms);
            let kind = e.kind.as_str();
            let _ = match e.kind {
                EventKind::Error => {
                    writeln!(out, "{t}  {kind:<9} {}: {}", e.name, e.detail)
                }
                _ => writeln!(
                    out,
                    "{t}  {kind:<9} {}  value={}",
                    series_name(&e.name, &e.labels),
                    format_value(e.value)
                ),
            };
        }
        if !self.events.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "Summary: {} .. {}, {} group(s), {} evaluation(s), {} failed rule evaluation(s)",
            format_time(self.from_ms),
            format_time(self.to_ms),
            self.groups,
            self.evaluations,
            self.failures
        );
        for a in &self.alerts {
            let firing = if a.fired == 0 {
                "never fired".to_string()
            } else {
                format!(
                    "fired {} time(s), firing {}{}",
                    a.fired,
                    format_span(a.firing_ms),
                    if a.firing_at_end { " (still firing at the end)" } else { "" }
                )
            };
            let _ = writeln!(
                out,
                "  {}  pending {} time(s), {firing}",
                series_name(&a.name, &a.labels),
                a.pending
            );
        }
        for n in &self.never_active {
            let _ = writeln!(out, "  {n}  never active");
        }
        out
    }
}

//! `/api/v1/rules` and `/api/v1/alerts`: the rule manager's groups, rules and active alerts
//! in upstream's JSON shape (Grafana's alert list and Prometheus' own rules page read these).

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use model::labels::Labels;
use model::matcher::Matcher;
use promql::ParseOptions;
use rules::manager::{AlertStatus, GroupStatus, RuleKind, RuleStatus, RulesView};
use sha2::{Digest, Sha256};

use super::encode::write_labels;
use super::json::{go_format_e, write_go_float, write_str};
use super::params::{Form, parse_matchers};
use super::response::{ApiError, ApiResult, Success};

/// Go's zero `time.Time`, which upstream shows for a rule or group never evaluated.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// The query's filters.
struct Filter<'a> {
    names: Vec<&'a str>,
    groups: Vec<&'a str>,
    files: Vec<&'a str>,
    matchers: Vec<Vec<Matcher>>,
    alerting: bool,
    recording: bool,
    exclude_alerts: bool,
}

impl Filter<'_> {
    fn keeps(&self, rule: &RuleStatus) -> bool {
        if !self.names.is_empty() && !self.names.contains(&rule.name.as_str()) {
            return false;
        }
        if !self.matchers.is_empty()
            && !self
                .matchers
                .iter()
                .any(|set| set.iter().all(|m| m.matches(rule.labels.get_or_empty(m.name()))))
        {
            return false;
        }
        if rule.is_alerting() { self.alerting } else { self.recording }
    }
}

/// `GET /api/v1/rules?type=alert|record&rule_name[]=&rule_group[]=&file[]=&match[]=
/// &exclude_alerts=&group_limit=&group_next_token=`.
///
/// Groups come sorted by (file, name); a group whose rules are all filtered out is left out;
/// `group_limit` pages with upstream's token (sha256 of `<file>;<name>` in hex).
pub fn rules(form: &Form, view: Option<&dyn RulesView>, parse_options: ParseOptions) -> ApiResult {
    let matchers =
        parse_matchers(&form.all("match[]"), parse_options).map_err(ApiError::bad_data)?;
    let typ = form.get("type").to_lowercase();
    if !matches!(typ.as_str(), "" | "alert" | "record") {
        return Err(ApiError::invalid_param("type", format!("not supported value {typ:?}")));
    }
    let exclude_alerts = match form.get("exclude_alerts").to_lowercase().as_str() {
        "" => false,
        v => go_parse_bool(v).ok_or_else(|| {
            ApiError::invalid_param(
                "exclude_alerts",
                format!(
                    "error converting exclude_alerts: strconv.ParseBool: parsing {v:?}: invalid syntax"
                ),
            )
        })?,
    };
    let (page_size, next_token) = pagination(form)?;
    let filter = Filter {
        names: form.all("rule_name[]"),
        groups: form.all("rule_group[]"),
        files: form.all("file[]"),
        matchers,
        alerting: typ != "record",
        recording: typ != "alert",
        exclude_alerts,
    };

    let groups = view.map(|v| v.rule_groups()).unwrap_or_default();
    let mut out = String::from(r#"{"groups":["#);
    let mut written = 0usize;
    let mut found_token = next_token.is_none();
    let mut group_next_token = None;
    for g in &groups {
        if !found_token {
            if Some(token(&g.file, &g.name)) != next_token {
                continue;
            }
            found_token = true;
        }
        if !filter.groups.is_empty() && !filter.groups.contains(&g.name.as_str()) {
            continue;
        }
        if !filter.files.is_empty() && !filter.files.contains(&g.file.as_str()) {
            continue;
        }
        let rules: Vec<&RuleStatus> = g.rules.iter().filter(|r| filter.keeps(r)).collect();
        if rules.is_empty() {
            continue;
        }
        if page_size.is_some_and(|n| written == n) {
            group_next_token = Some(token(&g.file, &g.name));
            break;
        }
        if written > 0 {
            out.push(',');
        }
        write_group(&mut out, g, &rules, filter.exclude_alerts);
        written += 1;
    }
    if !found_token {
        return Err(ApiError::invalid_param(
            "group_next_token",
            format!(
                "invalid group_next_token '{}'. were rule groups changed?",
                next_token.unwrap_or_default()
            ),
        ));
    }
    out.push(']');
    if let Some(t) = group_next_token {
        out.push_str(r#","groupNextToken":"#);
        write_str(&mut out, &t);
    }
    out.push('}');
    Ok(Success::raw(out))
}

/// `GET /api/v1/alerts`: every pending and firing alert of every alerting rule.
pub fn alerts(view: Option<&dyn RulesView>) -> ApiResult {
    let groups = view.map(|v| v.rule_groups()).unwrap_or_default();
    let mut out = String::from(r#"{"alerts":["#);
    let mut first = true;
    for r in groups.iter().flat_map(|g| &g.rules) {
        if let RuleKind::Alerting(a) = &r.kind {
            for alert in &a.alerts {
                if !first {
                    out.push(',');
                }
                first = false;
                write_alert(&mut out, alert);
            }
        }
    }
    out.push_str("]}");
    Ok(Success::raw(out))
}

/// `group_limit` and `group_next_token`, checked as upstream checks them.
fn pagination(form: &Form) -> Result<(Option<usize>, Option<String>), ApiError> {
    let limit = form.get("group_limit");
    let token = form.get("group_next_token");
    if !token.is_empty() && limit.is_empty() {
        return Err(ApiError::invalid_param(
            "group_next_token",
            "group_limit needs to be present in order to paginate over the groups",
        ));
    }
    if limit.is_empty() {
        return Ok((None, None));
    }
    let n: i32 = limit.parse().map_err(|_| {
        ApiError::invalid_param(
            "group_limit",
            format!(
                "group_limit needs to be a valid number: strconv.ParseInt: parsing {limit:?}: invalid syntax"
            ),
        )
    })?;
    if n <= 0 {
        return Err(ApiError::invalid_param(
            "group_limit",
            "group_limit needs to be greater than 0",
        ));
    }
    let token = (!token.is_empty()).then(|| token.to_string());
    Ok((Some(usize::try_from(n).unwrap_or(usize::MAX)), token))
}

/// Upstream's page token: sha256 of `<file>;<name>`, lowercase hex.
fn token(file: &str, name: &str) -> String {
    let digest = Sha256::digest(format!("{file};{name}").as_bytes());
    let mut s = String::with_capacity(64);
    for b in digest.iter() {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Go's `strconv.ParseBool` (input already lowercased).
fn go_parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "true" => Some(true),
        "0" | "f" | "false" => Some(false),
        _ => None,
    }
}

fn write_group(out: &mut String, g: &GroupStatus, rules: &[&RuleStatus], exclude_alerts: bool) {
    out.push_str(r#"{"name":"#);
    write_str(out, &g.name);
    out.push_str(r#","file":"#);
    write_str(out, &g.file);
    out.push_str(r#","rules":["#);
    for (i, r) in rules.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_rule(out, r, exclude_alerts);
    }
    out.push_str(r#"],"interval":"#);
    write_go_float(out, g.interval.as_secs_f64());
    let _ = write!(out, r#","limit":{}"#, g.limit);
    out.push_str(r#","evaluationTime":"#);
    write_go_float(out, g.evaluation_time.as_secs_f64());
    out.push_str(r#","lastEvaluation":"#);
    write_time(out, g.last_evaluation);
    out.push('}');
}

fn write_rule(out: &mut String, r: &RuleStatus, exclude_alerts: bool) {
    out.push('{');
    if let RuleKind::Alerting(a) = &r.kind {
        out.push_str(r#""state":"#);
        write_str(out, a.state.as_str());
        out.push(',');
    }
    out.push_str(r#""name":"#);
    write_str(out, &r.name);
    out.push_str(r#","query":"#);
    write_str(out, &r.query);
    if let RuleKind::Alerting(a) = &r.kind {
        out.push_str(r#","duration":"#);
        write_go_float(out, a.for_.as_secs_f64());
        out.push_str(r#","keepFiringFor":"#);
        write_go_float(out, a.keep_firing_for.as_secs_f64());
    }
    out.push_str(r#","labels":"#);
    write_labels(out, &r.labels);
    if let RuleKind::Alerting(a) = &r.kind {
        out.push_str(r#","annotations":"#);
        let annotations =
            Labels::from_pairs(a.annotations.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        write_labels(out, &annotations);
        out.push_str(r#","alerts":"#);
        if exclude_alerts {
            out.push_str("null");
        } else {
            out.push('[');
            for (i, alert) in a.alerts.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_alert(out, alert);
            }
            out.push(']');
        }
    }
    out.push_str(r#","health":"#);
    write_str(out, r.health.as_str());
    if let Some(e) = r.last_error.as_deref().filter(|e| !e.is_empty()) {
        out.push_str(r#","lastError":"#);
        write_str(out, e);
    }
    out.push_str(r#","evaluationTime":"#);
    write_go_float(out, r.evaluation_time.as_secs_f64());
    out.push_str(r#","lastEvaluation":"#);
    write_time(out, r.last_evaluation);
    out.push_str(r#","type":"#);
    write_str(out, if r.is_alerting() { "alerting" } else { "recording" });
    out.push('}');
}

fn write_alert(out: &mut String, a: &AlertStatus) {
    out.push_str(r#"{"labels":"#);
    write_labels(out, &a.labels);
    out.push_str(r#","annotations":"#);
    write_labels(out, &a.annotations);
    out.push_str(r#","state":"#);
    write_str(out, a.state.as_str());
    out.push_str(r#","activeAt":"#);
    write_time(out, Some(ms_time(a.active_at_ms)));
    if let Some(t) = a.keep_firing_since_ms {
        out.push_str(r#","keepFiringSince":"#);
        write_time(out, Some(ms_time(t)));
    }
    out.push_str(r#","value":"#);
    write_str(out, &go_format_e(a.value));
    out.push('}');
}

/// Go's `time.Time` JSON (RFC 3339 with nanoseconds, trailing zeros cut), in UTC; the zero
/// time when unset.
fn write_time(out: &mut String, t: Option<SystemTime>) {
    let text = t
        .and_then(|t| jiff::Timestamp::try_from(t).ok())
        .map_or_else(|| ZERO_TIME.to_string(), |ts| ts.to_string());
    write_str(out, &text);
}

fn ms_time(ms: i64) -> SystemTime {
    if ms >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

//! `/api/v1/targets`, `/api/v1/targets/metadata`, `/api/v1/targets/relabel_steps` and
//! `/api/v1/scrape_pools`: the scrape manager's targets as upstream's API shows them
//! (Grafana's and Prometheus' own targets pages read these).

use std::fmt::Write as _;
use std::time::SystemTime;

use model::labels::{Labels, RESERVED_PREFIX};
use model::matcher::Matcher;
use model::relabel::{RelabelConfig, relabel_builder};
use promql::ParseOptions;
use promql::ast::Expr;
use scrape::status::{ActiveTarget, DroppedTarget, TargetMetadata, TargetsView};

use super::encode::write_labels;
use super::json::{Json, write_go_float, write_str};
use super::params::{Form, go_atoi};
use super::response::{ApiError, ApiResult, Success};

/// Go's zero `time.Time`, which upstream shows for a target never scraped.
const ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// `GET /api/v1/targets?state=active|dropped|any&scrapePool=<job>`.
///
/// Pools are listed in name order; `droppedTargetCounts` covers every pool whatever
/// `scrapePool` says, and is `null` when dropped targets are not asked for, as upstream.
pub fn targets(form: &Form, view: Option<&dyn TargetsView>) -> ApiResult {
    let pool = form.get("scrapePool");
    let state = form.get("state").to_lowercase();
    let show_active = matches!(state.as_str(), "" | "any" | "active");
    let show_dropped = matches!(state.as_str(), "" | "any" | "dropped");
    let in_pool = |p: &str| pool.is_empty() || p == pool;

    let mut out = String::from(r#"{"activeTargets":["#);
    if show_active {
        let mut active = view.map(|v| v.active_targets()).unwrap_or_default();
        active.retain(|t| in_pool(&t.scrape_pool));
        // Stable: each pool keeps the manager's order.
        active.sort_by(|a, b| a.scrape_pool.cmp(&b.scrape_pool));
        for (i, t) in active.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_active(&mut out, t);
        }
    }
    out.push_str(r#"],"droppedTargets":["#);
    if show_dropped {
        let mut dropped = view.map(|v| v.dropped_targets()).unwrap_or_default();
        dropped.retain(|t| in_pool(&t.scrape_pool));
        dropped.sort_by(|a, b| a.scrape_pool.cmp(&b.scrape_pool));
        for (i, t) in dropped.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_dropped(&mut out, t);
        }
    }
    out.push_str(r#"],"droppedTargetCounts":"#);
    if show_dropped {
        let counts = view.map(|v| v.dropped_target_counts()).unwrap_or_default();
        out.push('{');
        for (i, (pool, n)) in counts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(&mut out, pool);
            let _ = write!(out, ":{n}");
        }
        out.push('}');
    } else {
        out.push_str("null");
    }
    out.push('}');
    Ok(Success::raw(out))
}

fn write_active(out: &mut String, t: &ActiveTarget) {
    out.push_str(r#"{"discoveredLabels":"#);
    write_labels(out, &t.discovered_labels);
    out.push_str(r#","labels":"#);
    write_labels(out, &public(&t.labels));
    for (key, value) in [
        ("scrapePool", &t.scrape_pool),
        ("scrapeUrl", &t.scrape_url),
        ("globalUrl", &t.global_url),
        ("lastError", &t.last_error),
    ] {
        let _ = write!(out, r#","{key}":"#);
        write_str(out, value);
    }
    out.push_str(r#","lastScrape":"#);
    write_str(out, &t.last_scrape.map_or_else(|| ZERO_TIME.to_string(), rfc3339_nano));
    out.push_str(r#","lastScrapeDuration":"#);
    write_go_float(out, t.last_scrape_duration.as_secs_f64());
    out.push_str(r#","health":"#);
    write_str(out, t.health.as_str());
    out.push_str(r#","scrapeInterval":"#);
    write_str(out, &t.scrape_interval.to_string());
    out.push_str(r#","scrapeTimeout":"#);
    write_str(out, &t.scrape_timeout.to_string());
    out.push('}');
}

fn write_dropped(out: &mut String, t: &DroppedTarget) {
    out.push_str(r#"{"discoveredLabels":"#);
    write_labels(out, &t.discovered_labels);
    out.push_str(r#","scrapePool":"#);
    write_str(out, &t.scrape_pool);
    out.push('}');
}

/// The labels the API shows for a target: those not starting with `__`.
fn public(labels: &Labels) -> Labels {
    labels.filter(|l| !l.name.starts_with(RESERVED_PREFIX))
}

/// Go's `time.Time` JSON form (RFC 3339, nanoseconds with trailing zeros cut), in UTC.
fn rfc3339_nano(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t).map_or_else(|_| ZERO_TIME.to_string(), |ts| ts.to_string())
}

/// `GET /api/v1/targets/metadata?match_target=<selector>&metric=<name>&limit=<n>`.
///
/// As upstream, `limit` is checked before each target, so the last target counted may add
/// several entries; with `metric`, the `metric` field is left out of each entry.
pub fn metadata(form: &Form, view: Option<&dyn TargetsView>, opts: ParseOptions) -> ApiResult {
    let limit = match form.get("limit") {
        "" => -1,
        s => go_atoi(s).map_err(|_| ApiError::bad_data("limit must be a number"))?,
    };
    let match_target = form.get("match_target");
    let matchers = if match_target.is_empty() {
        Vec::new()
    } else {
        metric_selector(match_target, opts)
            .map_err(|e| ApiError::invalid_param("match_target", e))?
    };
    let metric = form.get("metric");
    let all = view.map(|v| v.target_metadata()).unwrap_or_default();

    let mut out = String::from("[");
    let mut entries = 0i64;
    let mut i = 0;
    while i < all.len() {
        // One target's entries are consecutive.
        let target = &all[i].target;
        let end = all[i..].iter().position(|m| m.target != *target).map_or(all.len(), |n| i + n);
        let group = &all[i..end];
        i = end;
        if limit >= 0 && entries >= limit {
            break;
        }
        let labels = public(target);
        if !matchers.iter().all(|m| m.matches(labels.get_or_empty(m.name()))) {
            continue;
        }
        for m in group.iter().filter(|m| metric.is_empty() || m.metric == metric) {
            if entries > 0 {
                out.push(',');
            }
            entries += 1;
            write_metadata(&mut out, &labels, m, metric.is_empty());
        }
    }
    out.push(']');
    Ok(Success::raw(out))
}

fn write_metadata(out: &mut String, target: &Labels, m: &TargetMetadata, with_metric: bool) {
    out.push_str(r#"{"target":"#);
    write_labels(out, target);
    if with_metric && !m.metric.is_empty() {
        out.push_str(r#","metric":"#);
        write_str(out, &m.metric);
    }
    for (key, value) in [("type", &m.kind), ("help", &m.help), ("unit", &m.unit)] {
        let _ = write!(out, r#","{key}":"#);
        write_str(out, value);
    }
    out.push('}');
}

/// Upstream's `ParseMetricSelector`: a bare vector selector, no offset or `@`.
fn metric_selector(s: &str, opts: ParseOptions) -> Result<Vec<Matcher>, String> {
    match promql::parse_with(s, opts).map_err(|e| e.to_string())? {
        Expr::VectorSelector(vs) if vs.offset == 0 && vs.at.is_none() => Ok(vs.matchers),
        _ => Err(format!(
            "parse error: {} is not a series selector such as up{{job=\"x\"}}",
            model::gostr::quote(s)
        )),
    }
}

/// `GET /api/v1/scrape_pools`: `{"scrapePools":[...]}`, sorted.
pub fn scrape_pools(view: Option<&dyn TargetsView>) -> ApiResult {
    let mut pools = view.map(|v| v.scrape_pools()).unwrap_or_default();
    pools.sort();
    Ok(Success::json(&Json::obj([("scrapePools", Json::strings(pools))])))
}

/// `GET /api/v1/targets/relabel_steps?scrapePool=<job>&labels=<JSON object>`: the labels
/// after each of the pool's `relabel_configs`, for debugging relabelling. Once a rule drops
/// the set, later steps show `{}` and `keep: false`.
pub fn relabel_steps(form: &Form, view: Option<&dyn TargetsView>) -> ApiResult {
    let pool = form.get("scrapePool");
    if pool.is_empty() {
        return Err(ApiError::bad_data("no scrapePool parameter provided"));
    }
    let labels_json = form.get("labels");
    if labels_json.is_empty() {
        return Err(ApiError::bad_data("no labels parameter provided"));
    }
    let pairs: std::collections::BTreeMap<String, String> = serde_json::from_str(labels_json)
        .map_err(|e| ApiError::bad_data(format!("error parsing labels: {e}")))?;
    let rules = view.and_then(|v| v.relabel_configs(pool)).ok_or_else(|| {
        ApiError::bad_data(format!(
            "error retrieving scrape config: scrape pool {} not found",
            model::gostr::quote(pool)
        ))
    })?;
    let mut lb = Labels::from_pairs(pairs).builder();
    let mut keep = true;
    let mut out = String::from(r#"{"steps":["#);
    for (i, rule) in rules.iter().enumerate() {
        if keep {
            keep = relabel_builder(&mut lb, std::slice::from_ref(rule));
        }
        if i > 0 {
            out.push(',');
        }
        out.push_str(r#"{"rule":"#);
        write_rule(&mut out, rule);
        out.push_str(r#","output":"#);
        write_labels(&mut out, &if keep { lb.labels() } else { Labels::empty() });
        out.push_str(if keep { r#","keep":true}"# } else { r#","keep":false}"# });
    }
    out.push_str("]}");
    Ok(Success::raw(out))
}

/// A rule as upstream's JSON encoding of `relabel.Config` writes it (its field order; empty
/// `source_labels`, `modulus`, `target_label` left out).
fn write_rule(out: &mut String, rule: &RelabelConfig) {
    out.push('{');
    if !rule.source_labels.is_empty() {
        out.push_str(r#""source_labels":"#);
        Json::strings(&rule.source_labels).write(out);
        out.push(',');
    }
    out.push_str(r#""separator":"#);
    write_str(out, &rule.separator);
    out.push_str(r#","regex":"#);
    write_str(out, rule.regex.as_str());
    if rule.modulus != 0 {
        let _ = write!(out, r#","modulus":{}"#, rule.modulus);
    }
    if !rule.target_label.is_empty() {
        out.push_str(r#","target_label":"#);
        write_str(out, &rule.target_label);
    }
    out.push_str(r#","replacement":"#);
    write_str(out, &rule.replacement);
    out.push_str(r#","action":"#);
    write_str(out, rule.action.as_str());
    out.push('}');
}

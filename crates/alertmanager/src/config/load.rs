//! Reading `alertmanager.yml`: strict YAML, then upstream's checks in upstream's order, every
//! error positioned at the YAML node it is about.

use super::de::{Str, null_default};
use super::error::{Positioned, Result, position_of};
use super::global::{GlobalConfig, join_path};
use super::inhibit::{self, RawInhibitRule};
use super::receivers::{Entry, IntegrationConfig, Receiver, ValidateContext};
use super::route::{self, RawRoute};
use super::{Config, ConfigError, LoadOptions};
use crate::timeinterval::{TimeInterval, TimeSpec};
use model::gostr::quote;
use serde::Deserialize;
use serde_saphyr::{Location, MessageFormatter, Spanned};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

type Nullable<T> = Option<Spanned<Option<T>>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    global: Nullable<GlobalConfig>,
    #[serde(default)]
    route: Nullable<RawRoute>,
    #[serde(default, deserialize_with = "null_default")]
    inhibit_rules: Vec<Spanned<Option<RawInhibitRule>>>,
    #[serde(default, deserialize_with = "null_default")]
    receivers: Vec<Spanned<Option<Receiver>>>,
    #[serde(default, deserialize_with = "null_default")]
    templates: Vec<Str>,
    #[serde(default, deserialize_with = "null_default")]
    mute_time_intervals: Vec<Spanned<Option<RawNamedInterval>>>,
    #[serde(default, deserialize_with = "null_default")]
    time_intervals: Vec<Spanned<Option<RawNamedInterval>>>,
    #[serde(default)]
    tracing: Option<Option<TracingConfig>>,
    #[serde(default)]
    event_recorder: Option<Option<EventRecorderConfig>>,
}

impl RawConfig {
    /// Whether the document had no content at all (upstream's decoder then never calls the
    /// config's own checks, so the error differs).
    fn is_empty(&self) -> bool {
        self.global.is_none()
            && self.route.is_none()
            && self.inhibit_rules.is_empty()
            && self.receivers.is_empty()
            && self.templates.is_empty()
            && self.mute_time_intervals.is_empty()
            && self.time_intervals.is_empty()
            && self.tracing.is_none()
            && self.event_recorder.is_none()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNamedInterval {
    #[serde(default)]
    name: Option<Spanned<Str>>,
    #[serde(default, deserialize_with = "null_default")]
    time_intervals: Vec<Option<TimeSpec>>,
}

/// `tracing:`: accepted and checked for shape only (klaxon does not export traces yet).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness only
struct TracingConfig {
    #[serde(default)]
    client_type: Option<String>,
    #[serde(default)]
    endpoint: Option<String>,
    #[serde(default)]
    sampling_fraction: Option<f64>,
    #[serde(default)]
    insecure: Option<bool>,
    #[serde(default)]
    tls_config: Option<serde_json::Value>,
    #[serde(default)]
    headers: Option<serde_json::Value>,
    #[serde(default)]
    compression: Option<String>,
    #[serde(default)]
    timeout: Option<model::duration::Duration>,
}

/// `event_recorder:`: accepted and checked for shape only (experimental upstream).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // parsed for strictness only
struct EventRecorderConfig {
    #[serde(default)]
    file_outputs: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    webhook_outputs: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    kafka_outputs: Option<Vec<serde_json::Value>>,
    #[serde(default)]
    stdout_outputs: Option<Vec<serde_json::Value>>,
}

/// Loads `text` as if read from `path` (errors name `path`; relative paths are resolved against
/// its directory).
pub(super) fn load(text: &str, path: &Path, opts: &LoadOptions) -> Result<Config, ConfigError> {
    let base_dir = path.parent().unwrap_or(Path::new(""));
    load_inner(text, base_dir, opts).map_err(|p| p.in_file(&path.display().to_string()))
}

fn parse_yaml<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T> {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let e = e.without_snippet();
        Positioned {
            position: e.location().and_then(position_of),
            message: plain_words(&serde_saphyr::UserMessageFormatter.format_message(e)),
        }
    })
}

/// serde-saphyr's wording for the commonest shape mistakes, said the way a config's author
/// thinks of them.
fn plain_words(msg: &str) -> String {
    match msg {
        "expected sequence start" => "expected a list".into(),
        "expected mapping start" => "expected a mapping (key: value pairs)".into(),
        "expected string scalar" => "expected a string".into(),
        _ => msg.to_owned(),
    }
}

fn load_inner(text: &str, base_dir: &Path, opts: &LoadOptions) -> Result<Config> {
    let mode = opts.matcher_mode;
    let raw: RawConfig = parse_yaml(text)?;
    if raw.is_empty() {
        return Err(Positioned::nowhere("no route provided in config"));
    }

    // What upstream checks while decoding (each type's own UnmarshalYAML).
    let route_cfg = match &raw.route {
        Some(Spanned { value: Some(r), .. }) => Some(route::convert(r, mode)?),
        _ => None,
    };
    let mut inhibit_rules = Vec::with_capacity(raw.inhibit_rules.len());
    for r in &raw.inhibit_rules {
        inhibit_rules.push(inhibit::convert(r.value.as_ref(), mode)?);
    }
    let mut receivers = Vec::with_capacity(raw.receivers.len());
    for r in raw.receivers {
        let at = r.referenced;
        let Some(mut rcv) = r.value else {
            return Err(Positioned::at(at, "missing name in receiver"));
        };
        if rcv.name.is_empty() {
            return Err(Positioned::at(at, "missing name in receiver"));
        }
        if let Some(v) = rcv.labels.get("name")
            && *v != rcv.name
        {
            return Err(Positioned::at(
                at,
                format!(
                    "receiver label \"name\" must match receiver name {}, got {}",
                    quote(&rcv.name),
                    quote(v)
                ),
            ));
        }
        rcv.labels.insert("name".into(), rcv.name.clone());
        receivers.push((at, rcv));
    }
    let mute_intervals =
        named_intervals(&raw.mute_time_intervals, "missing name in mute time interval")?;
    let intervals = named_intervals(&raw.time_intervals, "missing name in time interval")?;

    // Then the config-wide checks, in upstream's order.
    let (global_at, global) = match raw.global {
        Some(Spanned { value, referenced, .. }) => (referenced, value.unwrap_or_default()),
        None => (Location::UNKNOWN, GlobalConfig::default()),
    };
    let mut global = global;
    global.fill_defaults();
    // Upstream checks `global.http_config` while decoding it, so before the checks of `global`
    // as a whole; the error points at the `http_config` node itself.
    if let Some(http) = global.http_config.as_mut() {
        http.validate(base_dir).map_err(|m| {
            Positioned::at(key_location(text, "http_config").unwrap_or(global_at), m)
        })?;
    }
    if let Err(e) = global.check() {
        return Err(Positioned::at(key_location(text, e.key).unwrap_or(global_at), e.message));
    }
    global.resolve_paths(base_dir);

    let cx = ValidateContext { global: &global, base_dir };
    let mut names = HashSet::new();
    for (at, rcv) in &mut receivers {
        if names.contains(&rcv.name) {
            return Err(Positioned::at(
                *at,
                format!("notification config name {} is not unique", quote(&rcv.name)),
            ));
        }
        validate_integrations(rcv, &cx)?;
        names.insert(rcv.name.clone());
    }

    let (Some(route_raw), Some(route_cfg)) =
        (raw.route.as_ref().and_then(|r| r.value.as_ref().map(|v| (r, v))), route_cfg)
    else {
        return Err(Positioned::nowhere("no routes provided"));
    };
    let (route_span, route_raw) = route_raw;
    if route_cfg.receiver.is_none() {
        return Err(Positioned::at_span(route_span, "root route must specify a default receiver"));
    }
    if route_raw.has_matchers() {
        return Err(Positioned::at_span(route_span, "root route must not have any matchers"));
    }
    if let Some(m) = route_raw.mute_time_intervals.first() {
        return Err(Positioned::at_span(m, "root route must not have any mute time intervals"));
    }
    if let Some(m) = route_raw.active_time_intervals.first() {
        return Err(Positioned::at_span(m, "root route must not have any active time intervals"));
    }
    check_receivers(route_raw, &names)?;

    let mut time_intervals = BTreeMap::new();
    for (kind, list) in [("mute time interval", mute_intervals), ("time interval", intervals)] {
        for (name_at, ti) in list {
            if time_intervals.contains_key(&ti.name) {
                return Err(Positioned::at(
                    name_at,
                    format!("{kind} {} is not unique", quote(&ti.name)),
                ));
            }
            time_intervals.insert(ti.name.clone(), ti);
        }
    }
    check_time_intervals(route_raw, &time_intervals)?;
    if let Some(c) = route_raw.continues() {
        return Err(Positioned::at_span(c, "cannot have continue in root route"));
    }

    let templates =
        raw.templates.iter().map(|t| join_path(base_dir, t.as_str())).collect::<Vec<_>>();
    Ok(Config {
        global,
        route: route_cfg,
        inhibit_rules,
        receivers: receivers.into_iter().map(|(_, r)| r).collect(),
        templates,
        time_intervals,
        original: text.to_owned(),
    })
}

/// Where the value of `global.<key>` is, read with a second, lenient pass (only needed for an
/// error).
fn key_location(text: &str, key: &str) -> Option<Location> {
    #[derive(Deserialize)]
    struct Keys {
        #[serde(default)]
        global: Option<BTreeMap<String, Spanned<serde::de::IgnoredAny>>>,
    }
    let keys: Keys = serde_saphyr::from_str(text).ok()?;
    keys.global?.get(key).map(|v| v.referenced)
}

fn named_intervals(
    list: &[Spanned<Option<RawNamedInterval>>],
    missing: &str,
) -> Result<Vec<(Location, TimeInterval)>> {
    let mut out = Vec::with_capacity(list.len());
    for entry in list {
        let name = entry.value.as_ref().and_then(|v| v.name.as_ref());
        let Some(name) = name.filter(|n| !n.value.as_str().is_empty()) else {
            return Err(Positioned::at_span(entry, missing));
        };
        let specs = entry
            .value
            .iter()
            .flat_map(|v| v.time_intervals.iter())
            // A null spec is Go's zero value: no constraint, so it always matches.
            .map(|s| s.clone().unwrap_or_default())
            .collect();
        out.push((name.referenced, TimeInterval { name: name.value.0.clone(), specs }));
    }
    Ok(out)
}

/// Upstream's `checkReceiver`: children first, then the node.
fn check_receivers(r: &RawRoute, names: &HashSet<String>) -> Result<()> {
    for child in r.routes.iter().filter_map(|c| c.value.as_ref()) {
        check_receivers(child, names)?;
    }
    if let Some(rcv) = &r.receiver
        && !rcv.value.as_str().is_empty()
        && !names.contains(rcv.value.as_str())
    {
        return Err(Positioned::at_span(
            rcv,
            format!("undefined receiver {} used in route", quote(rcv.value.as_str())),
        ));
    }
    Ok(())
}

/// Upstream's `checkTimeInterval`: children first; active before mute.
fn check_time_intervals(r: &RawRoute, known: &BTreeMap<String, TimeInterval>) -> Result<()> {
    for child in r.routes.iter().filter_map(|c| c.value.as_ref()) {
        check_time_intervals(child, known)?;
    }
    for name in r.active_time_intervals.iter().chain(&r.mute_time_intervals) {
        if !known.contains_key(name.value.as_str()) {
            return Err(Positioned::at_span(
                name,
                format!("undefined time interval {} used in route", quote(name.value.as_str())),
            ));
        }
    }
    Ok(())
}

/// Validates each entry of one `*_configs` list: a null entry is `missing <type> config`,
/// otherwise the type's own `validate` (which fills defaults from `global`).
fn validate_list<T: IntegrationConfig>(
    entries: &mut [Entry<T>],
    cx: &ValidateContext<'_>,
) -> Result<()> {
    for e in entries {
        let at = e.referenced;
        match &mut e.value {
            None => return Err(Positioned::at(at, format!("missing {} config", T::NAME))),
            Some(c) => c.validate(cx).map_err(|m| Positioned::at(at, m))?,
        }
    }
    Ok(())
}

/// Every integration list of a receiver, in the order upstream checks them.
fn validate_integrations(r: &mut Receiver, cx: &ValidateContext<'_>) -> Result<()> {
    validate_list(&mut r.webhook_configs, cx)?;
    validate_list(&mut r.email_configs, cx)?;
    validate_list(&mut r.slack_configs, cx)?;
    validate_list(&mut r.pushover_configs, cx)?;
    validate_list(&mut r.pagerduty_configs, cx)?;
    validate_list(&mut r.incidentio_configs, cx)?;
    validate_list(&mut r.opsgenie_configs, cx)?;
    validate_list(&mut r.wechat_configs, cx)?;
    validate_list(&mut r.victorops_configs, cx)?;
    validate_list(&mut r.sns_configs, cx)?;
    validate_list(&mut r.telegram_configs, cx)?;
    validate_list(&mut r.discord_configs, cx)?;
    validate_list(&mut r.webex_configs, cx)?;
    validate_list(&mut r.msteams_configs, cx)?;
    validate_list(&mut r.msteamsv2_configs, cx)?;
    validate_list(&mut r.jira_configs, cx)?;
    validate_list(&mut r.rocketchat_configs, cx)?;
    validate_list(&mut r.mattermost_configs, cx)?;
    Ok(())
}

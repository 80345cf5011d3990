//! `alertmanager.yml`, loaded strictly as Alertmanager 0.34 loads it.
//!
//! [`load_file`] / [`load_str`] parse the YAML (unknown keys are errors), then run upstream's
//! checks with upstream's texts, each error positioned as `file:line:col` at the YAML node it
//! is about ([`ConfigError`]). The result, [`Config`], has the `global` defaults filled in,
//! every receiver entry validated by its type (which takes its defaults from `global`),
//! matchers parsed in the configured [`MatcherParseMode`], time intervals parsed, and
//! relative paths (template globs, `*_file` fields) resolved against the file's directory.
//!
//! - [`global`]: `global:` and its defaults.
//! - [`route`]: `route:` as configured ([`RouteConfig`]); `crate::route` builds the runtime tree.
//! - [`inhibit`]: `inhibit_rules:` ([`InhibitRule`]).
//! - `crate::timeinterval`: `time_intervals:` and their evaluation.
//! - [`receivers`]: `receivers:` and the 18 `*_configs` types.
//! - [`de`]: helpers that read YAML nulls as Go's zero values.
//!
//! ```
//! let cfg = alertmanager::config::load_str(
//!     "route:\n  receiver: team\nreceivers:\n- name: team\n",
//!     std::path::Path::new("/etc/alertmanager/alertmanager.yml"),
//! )?;
//! assert_eq!(cfg.route.receiver.as_deref(), Some("team"));
//!
//! let err = alertmanager::config::load_str(
//!     "route:\n  receiver: nobody\nreceivers:\n- name: team\n",
//!     std::path::Path::new("am.yml"),
//! )
//! .unwrap_err();
//! assert_eq!(err.to_string(), r#"am.yml:2:13: undefined receiver "nobody" used in route"#);
//! # Ok::<(), alertmanager::config::ConfigError>(())
//! ```

pub mod de;
mod error;
pub mod global;
pub mod http;
pub mod inhibit;
mod load;
pub mod receivers;
pub mod route;
pub mod secret;

pub use error::ConfigError;
pub use global::GlobalConfig;
pub use inhibit::InhibitRule;
pub use receivers::Receiver;
pub use route::RouteConfig;

use crate::timeinterval::TimeInterval;
use model::matcher::MatcherParseMode;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// A loaded, validated `alertmanager.yml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// `global:` with every default filled in.
    pub global: GlobalConfig,
    /// The root of `route:`.
    pub route: RouteConfig,
    pub inhibit_rules: Vec<InhibitRule>,
    /// Receivers, each with its `name` label set and its integrations validated.
    pub receivers: Vec<Receiver>,
    /// Template globs, absolute when the file was given by an absolute path.
    pub templates: Vec<String>,
    /// `time_intervals:` and the deprecated `mute_time_intervals:`, by name.
    pub time_intervals: BTreeMap<String, TimeInterval>,
    /// The file's text, as read.
    pub original: String,
}

/// How to load: the matcher parser mode (`--enable-feature=classic-mode` /
/// `utf8-strict-mode`; fallback by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    pub matcher_mode: MatcherParseMode,
}

/// Reads and loads `path` (relative paths in it are resolved against its directory).
pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    load_file_with(path, &LoadOptions::default())
}

/// [`load_file`] with options.
pub fn load_file_with(path: &Path, opts: &LoadOptions) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.display().to_string(),
        position: None,
        message: e.to_string(),
    })?;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    load::load(&text, &abs, opts).map_err(|mut e| {
        e.file = path.display().to_string();
        e
    })
}

/// Loads `text` as the content of `path_for_errors` (named in errors; relative paths in the
/// config are resolved against its directory).
pub fn load_str(text: &str, path_for_errors: &Path) -> Result<Config, ConfigError> {
    load_str_with(text, path_for_errors, &LoadOptions::default())
}

/// [`load_str`] with options.
pub fn load_str_with(
    text: &str,
    path_for_errors: &Path,
    opts: &LoadOptions,
) -> Result<Config, ConfigError> {
    load::load(text, path_for_errors, opts)
}

impl Config {
    /// The config as `/api/v2/status` shows it: re-serialised YAML, defaults included,
    /// secrets as `<secret>`.
    pub fn to_yaml_masked(&self) -> String {
        #[derive(Serialize)]
        struct View<'a> {
            global: &'a GlobalConfig,
            route: &'a RouteConfig,
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            inhibit_rules: &'a [InhibitRule],
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            receivers: &'a [Receiver],
            templates: &'a [String],
            #[serde(skip_serializing_if = "Vec::is_empty")]
            time_intervals: Vec<&'a TimeInterval>,
        }
        let view = View {
            global: &self.global,
            route: &self.route,
            inhibit_rules: &self.inhibit_rules,
            receivers: &self.receivers,
            templates: &self.templates,
            time_intervals: self.time_intervals.values().collect(),
        };
        serde_saphyr::to_string(&view)
            .unwrap_or_else(|e| format!("<error creating config string: {e}>"))
    }

    /// What upstream warns about when it applies the config, one line per finding, in route
    /// tree order: a `repeat_interval` longer than `retention` (`--data.retention`: the
    /// notification log forgets sooner, so notifications repeat sooner), and a
    /// `repeat_interval` shorter than `group_interval` (it cannot take effect). Each line is
    /// upstream's message followed by its fields in logfmt (durations as Go prints them).
    pub fn warnings(&self, retention: std::time::Duration) -> Vec<String> {
        let mut out = Vec::new();
        crate::route::Route::new(&self.route).walk(&mut |r| {
            let repeat = go_duration(r.repeat_interval);
            let key = logfmt_value(r.key());
            if r.repeat_interval > retention {
                out.push(format!(
                    "repeat_interval is greater than the data retention period. It can lead to \
                     notifications being repeated more often than expected. repeat_interval={repeat} \
                     retention={} route={key}",
                    go_duration(retention)
                ));
            }
            if r.repeat_interval < r.group_interval {
                out.push(format!(
                    "repeat_interval is less than group_interval. Notifications will not repeat \
                     until the next group_interval. repeat_interval={repeat} group_interval={} \
                     route={key}",
                    go_duration(r.group_interval)
                ));
            }
        });
        out
    }
}

/// Go's `Duration.String()` of `d` (saturating at Go's largest duration).
fn go_duration(d: std::time::Duration) -> model::duration::GoDuration {
    model::duration::GoDuration::from_nanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// A logfmt value: quoted (Go syntax) when it is empty or holds a space, `=`, `"` or a control
/// character, as slog's text handler does.
fn logfmt_value(s: &str) -> String {
    if s.is_empty() || s.chars().any(|c| c == ' ' || c == '=' || c == '"' || c.is_control()) {
        model::gostr::quote(s)
    } else {
        s.to_string()
    }
}

//! A receiver's config entry loaded and validated as the config loader does, and the notifier
//! built from it as the runtime does. Include it next to `mock_http` (it uses its fixtures):
//! `#[path = "common/receivers.rs"] mod receivers;`.

#![allow(dead_code, clippy::unwrap_used)]

use crate::mock_http::fixtures::env;
use alertmanager::config::global::GlobalConfig;
use alertmanager::config::receivers::{IntegrationConfig, ValidateContext};
use alertmanager::integrations::{BuildEnv, Notifier};
use serde::de::DeserializeOwned;
use std::path::Path;
use std::sync::Arc;

/// An integration's `build` function.
pub type Build<C> = fn(&C, &BuildEnv) -> Result<Arc<dyn Notifier>, String>;

/// Parses a YAML config entry and validates it against `global` (relative paths against
/// `/etc/am`).
pub fn load<C: IntegrationConfig + DeserializeOwned>(
    yaml: &str,
    global: &GlobalConfig,
) -> Result<C, String> {
    let mut c: C = serde_saphyr::from_str(yaml).map_err(|e| e.to_string())?;
    c.validate(&ValidateContext { global, base_dir: Path::new("/etc/am") })?;
    Ok(c)
}

/// The notifier for a valid YAML config entry.
pub fn notifier<C: IntegrationConfig + DeserializeOwned>(
    yaml: &str,
    global: &GlobalConfig,
    build: Build<C>,
) -> Arc<dyn Notifier> {
    build(&load(yaml, global).unwrap(), &env()).unwrap()
}

//! `opsgenie_configs`. (being built)

use super::{IntegrationConfig, ValidateContext};
use serde::{Deserialize, Serialize};

/// One `opsgenie_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsGenieConfig {
    /// Whether resolved alerts are notified (default true).
    pub send_resolved: Option<bool>,
}

impl IntegrationConfig for OpsGenieConfig {
    const NAME: &'static str = "opsgenie";

    fn validate(&mut self, _cx: &ValidateContext<'_>) -> Result<(), String> {
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

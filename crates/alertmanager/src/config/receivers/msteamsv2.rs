//! `msteamsv2_configs`. (being built)

use super::{IntegrationConfig, ValidateContext};
use serde::{Deserialize, Serialize};

/// One `msteamsv2_configs` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MsTeamsV2Config {
    /// Whether resolved alerts are notified (default true).
    pub send_resolved: Option<bool>,
}

impl IntegrationConfig for MsTeamsV2Config {
    const NAME: &'static str = "msteamsv2";

    fn validate(&mut self, _cx: &ValidateContext<'_>) -> Result<(), String> {
        Ok(())
    }

    fn send_resolved(&self) -> bool {
        self.send_resolved.unwrap_or(true)
    }
}

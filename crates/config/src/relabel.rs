//! Relabelling rule lists: `model::relabel::RelabelConfig` deserializes itself (upstream's
//! defaults, validated under `utf8`); here null entries get upstream's texts and each rule is
//! validated again under the config's `metric_name_validation_scheme`.

use crate::error::{Positioned, Result};
use crate::raw::Entry;
use model::labels::ValidationScheme;
use model::relabel::RelabelConfig;

/// Checks one list of rules; a null entry is `empty_msg`.
pub(crate) fn convert_list(
    list: &[Entry<RelabelConfig>],
    scheme: ValidationScheme,
    empty_msg: &str,
) -> Result<Vec<RelabelConfig>> {
    let mut out = Vec::with_capacity(list.len());
    for e in list {
        let Some(rule) = &e.value else {
            return Err(Positioned::at_span(e, empty_msg));
        };
        let mut rule = rule.clone();
        rule.validate(scheme).map_err(|err| Positioned::at_span(e, err.message))?;
        out.push(rule);
    }
    Ok(out)
}

//! From discovered target groups to Alertmanager URLs, as upstream derives them: each target
//! starts with `__address__`, `__scheme__` (the set's `scheme`) and `__alerts_path__`
//! (`path_prefix` joined with `/api/v2/alerts`), group labels fill in what the target lacks,
//! the set's `relabel_configs` run, and the URL is `scheme://address` + alerts path.

use config::{AlertmanagerConfig, TargetGroup};
use model::labels::{Labels, LabelsBuilder};
use model::relabel::relabel_builder;

const ADDRESS: &str = "__address__";
const SCHEME: &str = "__scheme__";
const ALERTS_PATH: &str = "__alerts_path__";

/// The active and dropped Alertmanager URLs of one group.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct GroupTargets {
    pub active: Vec<String>,
    pub dropped: Vec<String>,
}

/// The URLs of `group`'s targets, or why the group is unusable (a relabelled address with a
/// `/`, which upstream rejects for the whole group).
pub(crate) fn alertmanagers_from_group(
    group: &TargetGroup,
    cfg: &AlertmanagerConfig,
) -> Result<GroupTargets, String> {
    let mut out = GroupTargets::default();
    let path = post_path(&cfg.path_prefix, &cfg.api_version);
    for address in &group.targets {
        let mut lb = LabelsBuilder::new(Labels::default());
        lb.set(ADDRESS, address);
        lb.set(SCHEME, &cfg.scheme);
        lb.set(ALERTS_PATH, &path);
        for (name, value) in &group.labels {
            if name != ADDRESS {
                lb.set(name, value);
            }
        }
        let before = lb.labels();
        if !relabel_builder(&mut lb, &cfg.relabel_configs) {
            out.dropped.push(url_of(&before));
            continue;
        }
        let labels = lb.labels();
        let addr = labels.get_or_empty(ADDRESS);
        if addr.contains('/') {
            return Err(format!("{addr:?} is not a valid hostname"));
        }
        out.active.push(url_of(&labels));
    }
    Ok(out)
}

fn url_of(labels: &Labels) -> String {
    format!(
        "{}://{}{}",
        labels.get_or_empty(SCHEME),
        labels.get_or_empty(ADDRESS),
        labels.get_or_empty(ALERTS_PATH)
    )
}

/// `path.Join("/", prefix, "/api/<version>/alerts")` as Go computes it (cleaned: no empty,
/// `.` or `..` elements).
pub(crate) fn post_path(prefix: &str, api_version: &str) -> String {
    let version = if api_version.is_empty() { "v2" } else { api_version };
    let joined = format!("/{prefix}/api/{version}/alerts");
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_path_is_joined_and_cleaned() {
        assert_eq!(post_path("/", "v2"), "/api/v2/alerts");
        assert_eq!(post_path("", "v2"), "/api/v2/alerts");
        assert_eq!(post_path("/am/", "v2"), "/am/api/v2/alerts");
        assert_eq!(post_path("am//x/..", "v2"), "/am/api/v2/alerts");
    }
}

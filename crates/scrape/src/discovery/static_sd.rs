//! `static_configs`: the groups as written, sent once. Sources are the entries' indices
//! (`"0"`, `"1"`, ...), as upstream numbers them.

use std::future::Future;
use std::pin::Pin;

use super::{GroupSender, Provider, TargetGroup};

#[derive(Debug, Clone)]
pub struct StaticProvider {
    groups: Vec<TargetGroup>,
}

impl StaticProvider {
    pub fn new(groups: Vec<TargetGroup>) -> Self {
        StaticProvider { groups: static_groups(groups) }
    }
}

/// The groups of a job's `static_configs` with their sources set.
pub fn static_groups(groups: Vec<TargetGroup>) -> Vec<TargetGroup> {
    groups
        .into_iter()
        .enumerate()
        .map(|(i, g)| TargetGroup { source: i.to_string(), ..g })
        .collect()
}

impl Provider for StaticProvider {
    fn run(self: Box<Self>, out: GroupSender) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            if out.send(self.groups) {
                // Nothing will change until a reload replaces this provider.
                std::future::pending::<()>().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_entry_indices() {
        let g = |t: &str| TargetGroup { targets: vec![t.into()], ..TargetGroup::default() };
        let out = static_groups(vec![g("a:1"), g("b:2")]);
        assert_eq!(out.iter().map(|g| g.source.as_str()).collect::<Vec<_>>(), ["0", "1"]);
        assert_eq!(out[1].targets, ["b:2"]);
    }
}

//! The config's route tree as a [`Router`]: each node's settings copied once into a
//! [`RouteInfo`], found again after matching by the node's address.

use super::{RouteInfo, Router};
use crate::route::{GroupBy, Route};
use model::labels::Labels;
use std::collections::HashMap;
use std::sync::Arc;

/// The routes of one config.
#[derive(Debug)]
pub struct RouteTable {
    root: Arc<Route>,
    /// Node address → its info (the tree is kept alive by `root`, so addresses are stable).
    by_node: HashMap<usize, Arc<RouteInfo>>,
}

impl RouteTable {
    /// Indexes every node of the tree.
    pub fn new(root: Arc<Route>) -> RouteTable {
        let mut by_node = HashMap::new();
        let mut index = 0;
        root.walk(&mut |r: &Route| {
            let (group_by_all, group_by) = match &r.group_by {
                GroupBy::All => (true, Vec::new()),
                GroupBy::Labels(names) => (false, names.clone()),
            };
            let info = RouteInfo {
                index,
                id: r.id().to_string(),
                key: r.key().to_string(),
                receiver: r.receiver.clone(),
                group_by_all,
                group_by,
                group_wait: r.group_wait,
                group_interval: r.group_interval,
                repeat_interval: r.repeat_interval,
                mute_time_intervals: r.mute_time_intervals.clone(),
                active_time_intervals: r.active_time_intervals.clone(),
                labels: r.labels.clone(),
            };
            index += 1;
            by_node.insert(r as *const Route as usize, Arc::new(info));
        });
        RouteTable { root, by_node }
    }

    /// The tree.
    pub fn root(&self) -> &Arc<Route> {
        &self.root
    }

    /// Every route's info, in tree order.
    pub fn all(&self) -> Vec<Arc<RouteInfo>> {
        let mut v: Vec<_> = self.by_node.values().cloned().collect();
        v.sort_by_key(|r| r.index);
        v
    }
}

impl Router for RouteTable {
    fn routes(&self, labels: &Labels) -> Vec<Arc<RouteInfo>> {
        self.root
            .match_labels(labels)
            .iter()
            .filter_map(|r| self.by_node.get(&(Arc::as_ptr(r) as usize)).cloned())
            .collect()
    }
}

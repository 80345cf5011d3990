//! The runtime route tree: which routes an alert belongs to, and the keys that identify them.
//!
//! Built once per config from [`RouteConfig`] with the inherited settings resolved: a child
//! takes its parent's receiver, grouping, timers and labels unless it sets its own (time
//! intervals are not inherited). [`Route::match_labels`] is upstream's depth-first matching:
//! children are tried in order, and the first that matches ends the search unless it has
//! `continue: true`; a node none of whose children matches is itself the result.
//!
//! [`Route::key`] (`{}/{severity="critical"}`) is part of the external contract: group keys,
//! and from them PagerDuty/OpsGenie dedup keys and the notification log, are built from it.
//!
//! ```
//! use alertmanager::config;
//! use alertmanager::route::Route;
//! use model::labels::Labels;
//!
//! let cfg = config::load_str(
//!     "route: {receiver: default, routes: [{matchers: ['severity=\"critical\"'], receiver: pager}]}\n\
//!      receivers: [{name: default}, {name: pager}]",
//!     std::path::Path::new("alertmanager.yml"),
//! )?;
//! let root = Route::new(&cfg.route);
//! let hit = root.match_labels(&Labels::from_pairs([("severity", "critical")]));
//! assert_eq!(hit[0].receiver, "pager");
//! assert_eq!(hit[0].key(), r#"{}/{severity="critical"}"#);
//! # Ok::<(), config::ConfigError>(())
//! ```

use crate::config::RouteConfig;
use model::labels::Labels;
use model::matcher::Matchers;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// How a route groups its alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// `group_by: ['...']`: every distinct label set is its own group.
    All,
    /// By these label names (sorted, unique); empty = one group for the whole route.
    Labels(Vec<String>),
}

/// Root defaults when the config sets none.
pub const DEFAULT_GROUP_WAIT: Duration = Duration::from_secs(30);
pub const DEFAULT_GROUP_INTERVAL: Duration = Duration::from_secs(5 * 60);
pub const DEFAULT_REPEAT_INTERVAL: Duration = Duration::from_secs(4 * 3600);

/// One node of the tree, with inherited settings resolved.
#[derive(Debug)]
pub struct Route {
    pub receiver: String,
    pub group_by: GroupBy,
    pub group_wait: Duration,
    pub group_interval: Duration,
    pub repeat_interval: Duration,
    /// `continue`: siblings after this one are tried even when this one matched.
    pub continue_matching: bool,
    /// This node's own matchers (`match`, `match_re` and `matchers`), sorted.
    pub matchers: Matchers,
    /// This node's own (not inherited) intervals.
    pub mute_time_intervals: Vec<String>,
    pub active_time_intervals: Vec<String>,
    /// Route labels merged down the tree (child overrides); values may be templates.
    pub labels: BTreeMap<String, String>,
    pub routes: Vec<Arc<Route>>,
    key: String,
    id: String,
}

/// What a node passes down to its children.
struct Inherited<'a> {
    receiver: &'a str,
    group_by: &'a GroupBy,
    group_wait: Duration,
    group_interval: Duration,
    repeat_interval: Duration,
    labels: &'a BTreeMap<String, String>,
    key: &'a str,
    id: &'a str,
}

impl Route {
    /// Builds the runtime tree of a loaded (validated) route config.
    pub fn new(cfg: &RouteConfig) -> Arc<Route> {
        let root = Inherited {
            receiver: "",
            group_by: &GroupBy::Labels(Vec::new()),
            group_wait: DEFAULT_GROUP_WAIT,
            group_interval: DEFAULT_GROUP_INTERVAL,
            repeat_interval: DEFAULT_REPEAT_INTERVAL,
            labels: &BTreeMap::new(),
            key: "",
            id: "",
        };
        Route::build(cfg, &root, None)
    }

    fn build(cfg: &RouteConfig, parent: &Inherited<'_>, index: Option<usize>) -> Arc<Route> {
        let std_or = |d: Option<model::duration::Duration>, inherited: Duration| {
            d.map_or(inherited, |d| d.to_std().unwrap_or_default())
        };
        let group_by = match &cfg.group_by {
            Some(names) if !names.is_empty() && names.iter().all(|n| n == "...") => GroupBy::All,
            Some(names) => {
                let mut names = names.clone();
                names.sort();
                names.dedup();
                GroupBy::Labels(names)
            }
            None => parent.group_by.clone(),
        };
        let mut labels = parent.labels.clone();
        labels.extend(cfg.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        let matchers = cfg.all_matchers();
        let (key, id) = match index {
            None => (matchers.to_string(), matchers.to_string()),
            Some(i) => {
                (format!("{}/{matchers}", parent.key), format!("{}/{matchers}/{i}", parent.id))
            }
        };
        let receiver = match cfg.receiver.as_deref() {
            Some(r) if !r.is_empty() => r.to_owned(),
            _ => parent.receiver.to_owned(),
        };
        let mut node = Route {
            receiver,
            group_by,
            group_wait: std_or(cfg.group_wait, parent.group_wait),
            group_interval: std_or(cfg.group_interval, parent.group_interval),
            repeat_interval: std_or(cfg.repeat_interval, parent.repeat_interval),
            continue_matching: cfg.continue_matching,
            matchers,
            mute_time_intervals: cfg.mute_time_intervals.clone(),
            active_time_intervals: cfg.active_time_intervals.clone(),
            labels,
            routes: Vec::new(),
            key,
            id,
        };
        let inherited = Inherited {
            receiver: &node.receiver,
            group_by: &node.group_by,
            group_wait: node.group_wait,
            group_interval: node.group_interval,
            repeat_interval: node.repeat_interval,
            labels: &node.labels,
            key: &node.key,
            id: &node.id,
        };
        let children: Vec<Arc<Route>> = cfg
            .routes
            .iter()
            .enumerate()
            .map(|(i, c)| Route::build(c, &inherited, Some(i)))
            .collect();
        node.routes = children;
        Arc::new(node)
    }

    /// The routes an alert with `labels` belongs to (leaf-most matching nodes, in tree order);
    /// empty when this node's own matchers do not match.
    pub fn match_labels(self: &Arc<Self>, labels: &Labels) -> Vec<Arc<Route>> {
        let mut out = Vec::new();
        self.collect(labels, &mut out);
        out
    }

    /// Appends this subtree's matches; returns whether this node's matchers matched.
    fn collect(self: &Arc<Self>, labels: &Labels, out: &mut Vec<Arc<Route>>) -> bool {
        if !self.matchers.matches_labels(labels) {
            return false;
        }
        let before = out.len();
        for child in &self.routes {
            if child.collect(labels, out) && !child.continue_matching {
                break;
            }
        }
        if out.len() == before {
            out.push(Arc::clone(self));
        }
        true
    }

    /// Upstream's `Key()`: the matcher lists from the root down, joined by `/` (`{}` for a
    /// node without matchers). Not unique: siblings with equal matchers share it.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Upstream's `ID()`: like the key, with each non-root node's index among its siblings
    /// appended (`{}/{a="1"}/0`). Unique within a tree.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Visits this node and then its subtree, depth first, in order.
    pub fn walk(&self, f: &mut dyn FnMut(&Route)) {
        f(self);
        for r in &self.routes {
            r.walk(f);
        }
    }
}

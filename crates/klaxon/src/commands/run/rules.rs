//! Rules in `klaxon run`: the rule files `prometheus.yml` names, evaluated by the rule manager
//! over the local TSDB, results written through the same fanout as scraped samples (local
//! store and remote write), alerts handed to the notifier (`alerting.alertmanagers`) and the
//! embedded Alertmanager.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use model::labels::Labels;
use model::storage::{Appendable, Storage};
use model::time::SystemClock;
use prometheus_client::registry::Registry;
use remote::RemoteStorage;
use rules::file::RuleFile;
use rules::local::LocalEngine;
use rules::manager::{ManagerOptions, RuleManager, RulesView};
use rules::notifier::{Notifier, NotifierOptions};
use rules::remote_engine::{DatasourceFlags, RemoteEngine, remote_only, remote_write_config};
use rules::seams::{Alert, AlertSink, QueryEngine};

use super::alertmanager::Embedded;
use crate::cli::RunArgs;

/// Rule files read and validated, ready to apply.
#[derive(Debug, Clone, Default)]
pub struct LoadedRules {
    pub files: Vec<RuleFile>,
}

impl LoadedRules {
    /// How many groups the files define.
    pub fn group_count(&self) -> usize {
        self.files.iter().map(|f| f.groups.len()).sum()
    }
}

/// The files `rule_files` matches, in upstream's order: each pattern's matches sorted (Go's
/// `filepath.Glob`), patterns in the order written; a file matched twice is read once.
fn expand(patterns: &[String]) -> Result<Vec<PathBuf>, String> {
    let mut out: Vec<PathBuf> = Vec::new();
    for pattern in patterns {
        let matches = glob::glob(pattern).map_err(|e| format!("rule_files {pattern:?}: {e}"))?;
        let mut found: Vec<PathBuf> = matches.filter_map(Result::ok).collect();
        found.sort();
        for p in found {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// Reads and validates every rule file of `cfg`. Every problem of every file is reported
/// (`file:line:col: ...`), one per line.
pub fn load(cfg: &config::Config) -> Result<LoadedRules, String> {
    let patterns: Vec<String> = cfg.rule_files.clone();
    let paths = expand(&patterns)?;
    match rules::file::load_files(&paths) {
        Ok(files) => {
            for f in &files {
                for w in &f.warnings {
                    tracing::warn!(file = %f.file, warning = %w, "Rule file warning");
                }
            }
            Ok(LoadedRules { files })
        }
        Err(errors) => Err(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")),
    }
}

/// What the rules are built from.
pub struct RulesSetup<'a> {
    pub args: &'a RunArgs,
    pub cfg: &'a config::Config,
    /// The query engine with the `--query.*` settings.
    pub engine: promql::Engine,
    pub storage: Arc<dyn Storage>,
    /// The local store and remote write (scraped samples go the same way).
    pub appendable: Arc<dyn Appendable>,
    /// The `remote_write` queues: a `--rules.remote-write.url` queue reports in their
    /// `prometheus_remote_storage_*` families.
    pub remote: Arc<RemoteStorage>,
    /// `--web.external-url`, resolved.
    pub external_url: String,
    pub embedded: Option<Arc<Embedded>>,
    /// The rule files about to be applied (their alert names scope the `for`-state restore
    /// from a datasource).
    pub loaded: &'a LoadedRules,
    /// Shared with scraping, so the `prometheus_sd_*` metrics cover the notifier's discovery.
    pub discovery: scrape::discovery::DiscoveryOptions,
}

/// The running rules: the manager, the notifier, and where alerts go.
#[derive(Debug)]
pub struct Rules {
    manager: RuleManager,
    notifier: Notifier,
    /// The `--rules.remote-write.url` queue, when rule results go there.
    remote_write: Option<RulesRemoteWrite>,
}

/// The `--rules.remote-write.url` queue and its entry, re-applied on reload so the queue
/// follows `global.external_labels`.
#[derive(Debug)]
struct RulesRemoteWrite {
    storage: Arc<RemoteStorage>,
    config: config::RemoteWriteConfig,
}

/// Where rules read and write.
struct Sources {
    engine: Arc<dyn QueryEngine>,
    appendable: Arc<dyn Appendable>,
    /// Where `for` state is restored from (the local store only).
    storage: Option<Arc<dyn Storage>>,
    remote_write: Option<RulesRemoteWrite>,
}

/// The local store, or with `--rules.datasource.url` the remote query API: results then go
/// to `--rules.remote-write.url` when given, else into the local store like scraped samples,
/// and `for` state is restored from the datasource's `ALERTS_FOR_STATE` (fetched once here).
async fn sources(setup: &RulesSetup<'_>) -> Result<Sources> {
    let args = setup.args;
    let Some(url) = &args.rules_datasource_url else {
        return Ok(Sources {
            engine: Arc::new(LocalEngine::new(setup.engine.clone(), setup.storage.clone())),
            appendable: setup.appendable.clone(),
            storage: Some(setup.storage.clone()),
            remote_write: None,
        });
    };
    let flags = DatasourceFlags {
        url: url.clone(),
        bearer_token_file: args.rules_datasource_bearer_token_file.clone(),
        basic_auth_username: args.rules_datasource_basic_auth_username.clone(),
        basic_auth_password_file: args.rules_datasource_basic_auth_password_file.clone(),
        timeout: args.rules_datasource_timeout.and_then(|d| d.to_std()),
    };
    let base = std::env::current_dir().context("reading the working directory")?;
    let engine = flags.engine(&base).map_err(|e| anyhow!(e))?;
    tracing::info!(url = %url, "Evaluating rules against a remote datasource");
    let storage = for_state_snapshot(&engine, setup).await;
    let Some(rw_url) = &args.rules_remote_write_url else {
        return Ok(Sources {
            engine: Arc::new(engine),
            appendable: setup.appendable.clone(),
            storage,
            remote_write: None,
        });
    };
    let http = flags.http_config(&base).map_err(|e| anyhow!(e))?;
    let rw = remote_write_config(rw_url, &http).map_err(|e| anyhow!(e))?;
    // Its metrics go in the `remote_write` queues' families (registered once, with those).
    let remote = Arc::new(setup.remote.sharing_metrics());
    remote
        .apply_config(std::slice::from_ref(&rw), &external_labels(setup.cfg))
        .await
        .map_err(|e| anyhow!("--rules.remote-write.url: {e}"))?;
    Ok(Sources {
        engine: Arc::new(engine),
        appendable: remote_only(remote.clone()),
        storage,
        remote_write: Some(RulesRemoteWrite { storage: remote, config: rw }),
    })
}

/// The datasource's `ALERTS_FOR_STATE` over the outage tolerance, for the restore. A
/// datasource that does not answer costs the restore (alerts start pending anew), not the
/// start: logged.
async fn for_state_snapshot(
    engine: &RemoteEngine,
    setup: &RulesSetup<'_>,
) -> Option<Arc<dyn Storage>> {
    let names: Vec<&str> = setup
        .loaded
        .files
        .iter()
        .flat_map(|f| &f.groups)
        .flat_map(|g| &g.rules)
        .filter_map(|r| r.alert.as_deref())
        .collect();
    let tolerance = setup.args.rules_alert_for_outage_tolerance.to_std().unwrap_or_default();
    let now_ms = jiff::Timestamp::now().as_millisecond();
    match engine.for_state_snapshot(now_ms, tolerance, &names).await {
        Ok(snapshot) => Some(Arc::new(snapshot)),
        Err(e) => {
            tracing::warn!(err = %e, "Reading ALERTS_FOR_STATE from the datasource failed; alerts will not be restored");
            None
        }
    }
}

/// Hands every alert batch to each sink (the notifier, the embedded Alertmanager).
#[derive(Debug)]
struct FanoutSink(Vec<Arc<dyn AlertSink>>);

impl AlertSink for FanoutSink {
    fn send(&self, alerts: Vec<Alert>) {
        if let Some((last, rest)) = self.0.split_last() {
            for sink in rest {
                sink.send(alerts.clone());
            }
            last.send(alerts);
        }
    }
}

fn positive(name: &str, d: model::duration::Duration) -> Result<Duration> {
    d.to_std().filter(|d| !d.is_zero()).ok_or_else(|| anyhow!("--{name} must be positive"))
}

fn external_labels(cfg: &config::Config) -> Labels {
    Labels::from_pairs(cfg.global.external_labels.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

impl Rules {
    /// Builds the notifier and the manager (no groups yet: [`Rules::apply`] loads them).
    pub async fn new(setup: RulesSetup<'_>, registry: &mut Registry) -> Result<Rules> {
        if setup.args.rules_remote_write_url.is_some() && setup.args.rules_datasource_url.is_none()
        {
            return Err(anyhow!("--rules.remote-write.url needs --rules.datasource.url"));
        }
        let sources = sources(&setup).await?;
        let args = setup.args;
        let notifier = Notifier::new(NotifierOptions {
            queue_capacity: args.alertmanager_notification_queue_capacity,
            discovery: setup.discovery.clone(),
            ..NotifierOptions::default()
        });
        notifier.register_metrics(registry);
        let mut sinks: Vec<Arc<dyn AlertSink>> = vec![Arc::new(notifier.clone())];
        if let Some(am) = &setup.embedded {
            sinks.push(am.sink());
        }
        let options = ManagerOptions {
            engine: sources.engine,
            appendable: sources.appendable,
            storage: sources.storage,
            sink: Arc::new(FanoutSink(sinks)),
            clock: Arc::new(SystemClock),
            external_labels: external_labels(setup.cfg),
            external_url: setup.external_url,
            resend_delay: positive("rules.alert.resend-delay", args.rules_alert_resend_delay)?,
            outage_tolerance: positive(
                "rules.alert.for-outage-tolerance",
                args.rules_alert_for_outage_tolerance,
            )?,
            grace_period: positive(
                "rules.alert.for-grace-period",
                args.rules_alert_for_grace_period,
            )?,
        };
        let manager = RuleManager::new(options);
        manager.register_metrics(registry);
        Ok(Rules { manager, notifier, remote_write: sources.remote_write })
    }

    /// Points the notifier at `alerting.alertmanagers` of `cfg`. Nothing changes when a set's
    /// HTTP client cannot be built.
    pub async fn apply_alerting(&self, cfg: &config::Config) -> Result<(), String> {
        self.notifier.apply_config(&cfg.alerting, &external_labels(cfg)).await
    }

    /// Makes the groups follow `loaded` (validated already): unchanged groups keep running,
    /// changed ones carry their alert state over; `$externalLabels` and the
    /// `--rules.remote-write.url` queue follow `global.external_labels`.
    pub async fn apply(&self, cfg: &config::Config, loaded: LoadedRules) {
        let (files, groups) = (loaded.files.len(), loaded.group_count());
        let rules: usize = loaded.files.iter().map(RuleFile::rule_count).sum();
        let external = external_labels(cfg);
        if let Some(rw) = &self.remote_write {
            // An unchanged queue keeps running; a failure keeps the old one (it cannot fail
            // for a config that started once).
            if let Err(e) =
                rw.storage.apply_config(std::slice::from_ref(&rw.config), &external).await
            {
                tracing::error!(err = %e, "--rules.remote-write.url: applying external labels failed");
            }
        }
        self.manager
            .update_with_labels(
                cfg.global.evaluation_interval,
                cfg.global.rule_query_offset,
                external,
                loaded.files,
            )
            .await;
        tracing::info!(files, groups, rules, "Rule files loaded");
    }

    /// Logs "First rule evaluation done" once every loaded group has evaluated (polled: the
    /// manager publishes each group's status after its evaluations).
    pub fn log_first_evaluation(&self) {
        let view = self.manager.clone();
        tokio::spawn(async move {
            loop {
                let groups = view.rule_groups();
                if groups.is_empty() {
                    // Nothing to evaluate (a reload may add groups; it logs them).
                    return;
                }
                if groups.iter().all(|g| g.last_evaluation.is_some()) {
                    let failed: usize = groups
                        .iter()
                        .flat_map(|g| &g.rules)
                        .filter(|r| r.last_error.is_some())
                        .count();
                    tracing::info!(
                        groups = groups.len(),
                        failed_rules = failed,
                        "First rule evaluation done"
                    );
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    }

    /// What `/api/v1/rules` and `/api/v1/alerts` read.
    pub fn view(&self) -> Arc<dyn RulesView> {
        Arc::new(self.manager.clone())
    }

    /// `/api/v1/alertmanagers`: the notifier's discovered and dropped Alertmanagers.
    pub fn alertmanagers(&self) -> Arc<dyn rules::notifier::AlertmanagersView> {
        Arc::new(self.notifier.clone())
    }

    /// Stops the groups (evaluations in progress finish and hand their alerts over), then
    /// the notifier, which sends what it still queues.
    pub async fn stop(&self) {
        tracing::info!("Stopping rule manager...");
        self.manager.stop().await;
        tracing::info!("Rule manager stopped");
        tracing::info!("Stopping notification manager...");
        self.notifier.stop().await;
        tracing::info!("Notification manager stopped");
        if let Some(remote) = &self.remote_write {
            remote.storage.stop().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_expand_sorted_and_deduplicated() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["b.yml", "a.yml", "c.txt"] {
            std::fs::write(dir.path().join(name), "groups: []\n").expect("write");
        }
        let all = format!("{}/*.yml", dir.path().display());
        let a = format!("{}/a.yml", dir.path().display());
        let got = expand(&[a.clone(), all]).expect("expand");
        let names: Vec<_> = got.iter().filter_map(|p| p.file_name()?.to_str()).collect();
        assert_eq!(names, ["a.yml", "b.yml"]);
        assert!(expand(&["[".into()]).is_err());
    }
}

//! Expanding an alerting rule's label and annotation templates for the samples of one
//! evaluation, as upstream does: template `__alert_<name>`, the `$labels`/`$externalLabels`/
//! `$externalURL`/`$value` prelude, `missingkey=zero`, and an expansion error stored as the
//! text `<error expanding template: ...>` (see [`template::prometheus::Expander`]).
//!
//! The template `query` function is synchronous (the template engine calls it in the middle
//! of execution) while [`QueryEngine`] is async. A rule whose texts mention `query` is
//! therefore expanded on a blocking thread (`spawn_blocking`), where each `query` call waits
//! for the engine with `Handle::block_on`; every other rule is expanded inline, without
//! leaving the task. Template queries run at the evaluation time `ts`, not `ts − offset`, as
//! upstream's do.

use std::collections::BTreeMap;
use std::sync::Arc;

use model::labels::Labels;
use template::prometheus::{AnnotationData, Expander, FuncContext, QuerySample};

use crate::seams::{QueryEngine, RuleQuery, Sample};

/// What every template of a group sees besides the sample: `$externalLabels`, `$externalURL`.
#[derive(Debug, Clone, Default)]
pub struct TemplateEnv {
    pub external_labels: BTreeMap<String, String>,
    pub external_url: String,
}

impl TemplateEnv {
    pub fn new(external_labels: &Labels, external_url: &str) -> Self {
        TemplateEnv {
            external_labels: labels_map(external_labels),
            external_url: external_url.to_string(),
        }
    }
}

/// A label set as the map templates see (`.Labels`).
pub fn labels_map(l: &Labels) -> BTreeMap<String, String> {
    l.iter().map(|l| (l.name.to_string(), l.value.to_string())).collect()
}

/// One rule's templates, expanded for each of `samples`: `out[i][j]` is text `j` for sample
/// `i`, or the `<error expanding template: ...>` text.
pub(crate) async fn expand_for_samples(
    alert_name: &str,
    texts: &[String],
    samples: &[Sample],
    ts_ms: i64,
    env: &Arc<TemplateEnv>,
    engine: &Arc<dyn QueryEngine>,
) -> Vec<Vec<String>> {
    if texts.is_empty() || samples.is_empty() {
        return vec![Vec::new(); samples.len()];
    }
    let uses_query = texts.iter().any(|t| t.contains("query"));
    let handle = tokio::runtime::Handle::try_current().ok();
    match (uses_query, handle) {
        (true, Some(handle)) => {
            let name = alert_name.to_string();
            let texts_owned = texts.to_vec();
            let samples_owned = samples.to_vec();
            let env = Arc::clone(env);
            let ctx = func_context(ts_ms, &env, Some((Arc::clone(engine), handle)));
            let job = tokio::task::spawn_blocking(move || {
                expand_all(&name, &texts_owned, &samples_owned, &env, &ctx)
            });
            match job.await {
                Ok(out) => out,
                Err(e) => {
                    let text = format!("<error expanding template: {e}>");
                    vec![vec![text; texts.len()]; samples.len()]
                }
            }
        }
        _ => expand_all(alert_name, texts, samples, env, &func_context(ts_ms, env, None)),
    }
}

fn expand_all(
    alert_name: &str,
    texts: &[String],
    samples: &[Sample],
    env: &TemplateEnv,
    ctx: &FuncContext,
) -> Vec<Vec<String>> {
    samples
        .iter()
        .map(|s| {
            let data = AnnotationData {
                labels: labels_map(&s.labels),
                external_labels: env.external_labels.clone(),
                external_url: env.external_url.clone(),
                value: s.f,
            };
            texts.iter().map(|t| expand_one(alert_name, t, &data, ctx)).collect()
        })
        .collect()
}

fn expand_one(alert_name: &str, text: &str, data: &AnnotationData, ctx: &FuncContext) -> String {
    // Texts without actions are the common case; they expand to themselves.
    if !text.contains("{{") {
        return text.to_string();
    }
    let out = Expander::alert(alert_name, text, data, ctx).expand_or_error_text();
    if out.starts_with("<error expanding template: ") {
        tracing::warn!(alert = alert_name, text, err = %out, "Expanding alert template failed");
    }
    out
}

/// The functions' context: the query hook (on a blocking thread only), `now` = `ts`, the
/// external URL.
fn func_context(
    ts_ms: i64,
    env: &TemplateEnv,
    query: Option<(Arc<dyn QueryEngine>, tokio::runtime::Handle)>,
) -> FuncContext {
    let ctx =
        FuncContext { query: None, timestamp_ms: ts_ms, external_url: env.external_url.clone() };
    match query {
        None => ctx,
        Some((engine, handle)) => ctx.with_query(move |q| {
            let expr = promql::parse(q).map_err(|e| e.to_string())?;
            let query = RuleQuery { text: q.to_string(), expr: Arc::new(expr) };
            let samples =
                handle.block_on(engine.instant(&query, ts_ms)).map_err(|e| e.to_string())?;
            Ok(samples
                .iter()
                .map(|s| QuerySample { labels: labels_map(&s.labels), value: s.f })
                .collect())
        }),
    }
}

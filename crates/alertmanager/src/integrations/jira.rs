//! The `jira` notifier: finds the group's issue by its `ALERT{<group key hash>}` label, then
//! creates it (firing only), updates it, and moves it through the configured reopen/resolve
//! transitions, as upstream 0.34.
//!
//! Classification as upstream: 429 and 5xx are retryable, other statuses and transport
//! errors are not; template errors are not.

use super::http::{
    Client, Renderer, Request, classify, encode_json, group_key_hash, render_structured,
    truncate_runes,
};
use super::{BuildEnv, FailureReason, Notifier, NotifyContext, NotifyError, Sent};
use crate::alert::Alert;
use crate::config::receivers::JiraConfig;
use futures::future::BoxFuture;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

const MAX_SUMMARY_RUNES: usize = 255;
const MAX_DESCRIPTION_RUNES: usize = 32767;

/// Builds the notifier for one validated `jira_configs` entry.
pub fn build(cfg: &JiraConfig, env: &BuildEnv) -> Result<Arc<dyn Notifier>, String> {
    let client = Client::new(&cfg.http_config.clone().unwrap_or_default(), &env.user_agent)?;
    let base = url::Url::parse(cfg.api_url.as_deref().unwrap_or_default())
        .map_err(|e| format!("invalid Jira API URL: {e}"))?;
    Ok(Arc::new(Jira { cfg: cfg.clone(), client, base }))
}

/// Files alerts as Jira issues.
#[derive(Debug)]
pub struct Jira {
    cfg: JiraConfig,
    client: Client,
    base: url::Url,
}

#[derive(Debug, Deserialize)]
struct SearchResult {
    #[serde(default)]
    issues: Vec<Issue>,
}

#[derive(Debug, Deserialize)]
struct Issue {
    #[serde(default)]
    key: String,
    #[serde(default)]
    fields: Option<IssueFields>,
}

#[derive(Debug, Deserialize)]
struct IssueFields {
    #[serde(default)]
    status: Option<Status>,
}

#[derive(Debug, Deserialize)]
struct Status {
    #[serde(default, rename = "statusCategory")]
    category: Category,
}

#[derive(Debug, Default, Deserialize)]
struct Category {
    #[serde(default)]
    key: String,
}

#[derive(Debug, Deserialize)]
struct Transitions {
    #[serde(default)]
    transitions: Vec<Transition>,
}

#[derive(Debug, Deserialize)]
struct Transition {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
}

/// Everything rendered from the templates.
struct Rendered {
    project: String,
    /// The `fields` of a create request.
    fields: Map<String, Value>,
}

fn permanent(message: String) -> NotifyError {
    NotifyError::permanent(FailureReason::Other, message)
}

fn wrap(prefix: &str, e: NotifyError) -> NotifyError {
    NotifyError { message: format!("{prefix}: {}", e.message), ..e }
}

/// Go's `URL.JoinPath` for simple paths.
fn join(base: &url::Url, path: &str) -> String {
    let mut u = base.clone();
    let p = format!("{}/{}", base.path().trim_end_matches('/'), path.trim_start_matches('/'));
    u.set_path(&p);
    u.to_string()
}

impl Jira {
    fn render(
        &self,
        cx: &NotifyContext,
        alerts: &[Alert],
        group_id: &str,
    ) -> Result<Rendered, NotifyError> {
        let r = Renderer::new(cx, alerts);
        let project = r.text(&self.cfg.project).map_err(|e| {
            wrap("failed to look up existing issues: invalid project template or value", e)
        })?;
        let summary_t = self.cfg.summary.as_ref().map(|f| f.template.as_str()).unwrap_or_default();
        let summary = r.text(summary_t).map_err(|e| wrap("summary template", e))?;
        let issue_type =
            r.text(&self.cfg.issue_type).map_err(|e| wrap("issue_type template", e))?;
        let mut custom = Map::new();
        for (k, v) in &self.cfg.fields {
            custom.insert(
                k.clone(),
                render_structured(&r, v).map_err(|e| wrap("fields template", e))?,
            );
        }
        let summary = truncate_runes(&summary, MAX_SUMMARY_RUNES).0;
        let desc_t = self.cfg.description.as_ref().map(|f| f.template.as_str()).unwrap_or_default();
        let description = r.text(desc_t).map_err(|e| wrap("description template", e))?;
        let description = truncate_runes(&description, MAX_DESCRIPTION_RUNES).0;
        let description = if self.base.path().trim_end_matches('/').ends_with("/3") {
            // API v3 takes the Atlassian Document Format: the template must render JSON.
            let d = description.trim();
            if d.is_empty() {
                None
            } else {
                Some(serde_json::from_str::<Value>(d).map_err(|_| {
                    permanent("description template: invalid JSON for API v3".into())
                })?)
            }
        } else if description.is_empty() {
            None
        } else {
            Some(Value::String(description))
        };
        let mut labels = Vec::with_capacity(self.cfg.labels.len() + 1);
        for (i, l) in self.cfg.labels.iter().enumerate() {
            labels.push(r.text(l).map_err(|e| wrap(&format!("labels[{i}] template"), e))?);
        }
        labels.push(format!("ALERT{{{group_id}}}"));
        labels.sort();
        let priority = r
            .text(self.cfg.priority.as_deref().unwrap_or_default())
            .map_err(|e| wrap("priority template", e))?;

        let mut fields = Map::new();
        fields.insert("summary".into(), Value::String(summary));
        if let Some(d) = description {
            fields.insert("description".into(), d);
        }
        fields.insert("issuetype".into(), json!({ "name": issue_type }));
        fields.insert("labels".into(), json!(labels));
        if !priority.is_empty() {
            fields.insert("priority".into(), json!({ "name": priority }));
        }
        fields.insert("project".into(), json!({ "key": project }));
        // Custom fields win over the built-in ones, as upstream merges them last.
        fields.extend(custom);
        Ok(Rendered { project, fields })
    }

    /// One API call; the response body on success.
    async fn call(
        &self,
        method: Method,
        url: String,
        body: Option<&Value>,
    ) -> Result<bytes::Bytes, NotifyError> {
        let mut req = Request::new(method, url).header("Accept-Language", "en");
        req = match body {
            Some(b) => req.body(encode_json(b)?, "application/json"),
            None => req.header("Content-Type", "application/json"),
        };
        // Upstream does not retry transport errors for Jira.
        let resp =
            self.client.send(req).await.map_err(|e| NotifyError { retryable: false, ..e })?;
        classify(resp.status, &resp.body, &[429])?;
        Ok(resp.body)
    }

    fn search_url(&self) -> String {
        let host = self.base.host_str().unwrap_or_default();
        match self.cfg.api_type.as_str() {
            "datacenter" => join(&self.base, "/search"),
            t if t == "cloud" || (t == "auto" && host.ends_with("atlassian.net")) => {
                join(&self.base, "/search/jql").replacen("/rest/api/2/", "/rest/api/3/", 1)
            }
            _ => join(&self.base, "/search"),
        }
    }

    fn jql(&self, project: &str, group_id: &str, firing: bool) -> String {
        let mut jql = String::new();
        if !self.cfg.wont_fix_resolution.is_empty() {
            // `resolution != X` alone would drop unresolved issues (EMPTY).
            jql.push_str(&format!(
                "(resolution is EMPTY or resolution != {}) and ",
                model::gostr::quote(&self.cfg.wont_fix_resolution)
            ));
        }
        let reopen_minutes =
            self.cfg.reopen_duration.map(|d| (d.as_secs_f64() / 60.0) as i64).unwrap_or(0);
        if firing && !self.cfg.reopen_transition.is_empty() && reopen_minutes > 0 {
            jql.push_str(&format!(
                "(resolutiondate is EMPTY OR resolutiondate >= -{reopen_minutes}m) and "
            ));
        } else {
            jql.push_str("statusCategory != Done and ");
        }
        jql.push_str(&format!(
            "project={} and labels={} order by status ASC,resolutiondate DESC",
            model::gostr::quote(project),
            model::gostr::quote(&format!("ALERT{{{group_id}}}"))
        ));
        jql
    }

    async fn search(
        &self,
        project: &str,
        group_id: &str,
        firing: bool,
    ) -> Result<Option<Issue>, NotifyError> {
        let body = json!({ "fields": ["status"], "jql": self.jql(project, group_id, firing), "maxResults": 2 });
        let resp = self
            .call(Method::POST, self.search_url(), Some(&body))
            .await
            .map_err(|e| wrap("failed to look up existing issues: HTTP request to JIRA API", e))?;
        let result: SearchResult = serde_json::from_slice(&resp)
            .map_err(|e| permanent(format!("failed to look up existing issues: {e}")))?;
        Ok(result.issues.into_iter().next())
    }

    async fn transition(&self, issue: &Issue, firing: bool) -> Result<(), NotifyError> {
        let Some(status) = issue.fields.as_ref().and_then(|f| f.status.as_ref()) else {
            return Ok(());
        };
        if issue.key.is_empty() {
            return Ok(());
        }
        let done = status.category.key == "done";
        let name = match (firing, done) {
            (true, true) => &self.cfg.reopen_transition,
            (false, false) => &self.cfg.resolve_transition,
            _ => return Ok(()),
        };
        if name.is_empty() {
            return Ok(());
        }
        let path = format!("issue/{}/transitions", issue.key);
        let resp = self.call(Method::GET, join(&self.base, &path), None).await?;
        let list: Transitions =
            serde_json::from_slice(&resp).map_err(|e| permanent(e.to_string()))?;
        let Some(t) = list.transitions.iter().find(|t| t.name == *name) else {
            return Err(permanent(format!("can't find transition {name} for issue {}", issue.key)));
        };
        let body = json!({ "transition": { "id": t.id } });
        self.call(Method::POST, join(&self.base, &path), Some(&body)).await.map(drop)
    }

    async fn send(&self, cx: &NotifyContext, alerts: &[Alert]) -> Result<Sent, NotifyError> {
        let group_id = group_key_hash(&cx.group_key);
        let firing = alerts.iter().any(|a| !a.resolved_at(cx.now));
        let rendered = self.render(cx, alerts, &group_id)?;
        let existing = self.search(&rendered.project, &group_id, firing).await?;
        let mut fields = rendered.fields;
        let (method, path) = match &existing {
            // Resolved alerts never open an issue.
            None if !firing => return Ok(Sent::default()),
            None => (Method::POST, "issue".to_string()),
            Some(issue) => {
                if !self.cfg.description.as_ref().is_none_or(|f| f.enable_update()) {
                    fields.remove("description");
                }
                if !self.cfg.summary.as_ref().is_none_or(|f| f.enable_update()) {
                    fields.remove("summary");
                }
                (Method::PUT, format!("issue/{}", issue.key))
            }
        };
        let body = json!({ "fields": fields });
        self.call(method.clone(), join(&self.base, &path), Some(&body))
            .await
            .map_err(|e| wrap(&format!("failed to {method} request to {path:?}"), e))?;
        if let Some(issue) = &existing {
            self.transition(issue, firing).await?;
        }
        Ok(Sent::default())
    }
}

impl Notifier for Jira {
    fn notify<'a>(
        &'a self,
        cx: &'a NotifyContext,
        alerts: &'a [Alert],
    ) -> BoxFuture<'a, Result<Sent, NotifyError>> {
        Box::pin(self.send(cx, alerts))
    }
}

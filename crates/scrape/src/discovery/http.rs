//! `http_sd_configs`: target groups fetched with a GET every `refresh_interval`.
//!
//! The answer must be `200` with `Content-Type: application/json` (optionally
//! `; charset=utf-8`) and a JSON list of `{targets, labels}`. Each group gets `__meta_url` and
//! the source `<url>:<index>`; when the list gets shorter, the dropped indices are sent empty.
//! A failed refresh (network, status, content type, body) is logged, counted in
//! `prometheus_sd_http_failures_total`, and leaves the last good groups in force. The request
//! carries `X-Prometheus-Refresh-Interval-Seconds` as upstream's does, and goes through the
//! shared [`httpclient::Client`] (auth, TLS, proxy, OAuth 2 of the entry's `http_config`) with
//! a timeout of one refresh interval.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use config::HttpSdConfig;
use tokio::time::MissedTickBehavior;

use super::file::{build_group, parse_json};
use super::{GroupSender, Provider, SdMetrics, TargetGroup, refresh_period, vanished_groups};

/// The label that names the URL a target came from.
pub const URL_LABEL: &str = "__meta_url";

const USER_AGENT: &str = concat!("klaxon/", env!("CARGO_PKG_VERSION"));

#[derive(Debug)]
pub struct HttpProvider {
    config: HttpSdConfig,
    metrics: SdMetrics,
}

impl HttpProvider {
    pub fn new(config: HttpSdConfig, metrics: SdMetrics) -> Self {
        HttpProvider { config, metrics }
    }
}

impl Provider for HttpProvider {
    fn run(self: Box<Self>, out: GroupSender) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let period = refresh_period(self.config.refresh_interval);
            // A hanging server must not stall discovery past the next refresh.
            let builder = reqwest::Client::builder().timeout(period);
            let client = match httpclient::Client::with_builder(
                &self.config.http_client,
                USER_AGENT,
                builder,
            ) {
                Ok(c) => c,
                Err(err) => {
                    self.metrics.http_failures.inc();
                    tracing::error!(url = %redacted(&self.config.url), err = %err, "Cannot build the HTTP SD client");
                    out.send(Vec::new());
                    return;
                }
            };
            let mut state = HttpState::new(self.config.url.clone());
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            let mut first = true;
            loop {
                tick.tick().await;
                let update = match fetch(&client, &self.config, period).await {
                    Ok(body) => state.apply(&body),
                    Err(err) => Err(err),
                };
                let groups = match update {
                    Ok(groups) => groups,
                    Err(err) => {
                        self.metrics.http_failures.inc();
                        tracing::error!(url = %redacted(&self.config.url), err = %err, "Unable to refresh HTTP SD targets; keeping the last good ones");
                        Vec::new()
                    }
                };
                // The first update goes out even when empty: the manager waits for it.
                if (first || !groups.is_empty()) && !out.send(groups) {
                    return;
                }
                first = false;
            }
        })
    }
}

/// One GET: the body of a `200` JSON answer, or why not.
async fn fetch(
    client: &httpclient::Client,
    config: &HttpSdConfig,
    period: Duration,
) -> Result<String, String> {
    let response = client
        .request(reqwest::Method::GET, &config.url)
        .await
        .map_err(|e| e.to_string())?
        .header(reqwest::header::ACCEPT, "application/json")
        .header("X-Prometheus-Refresh-Interval-Seconds", period.as_secs_f64().to_string())
        .send()
        .await
        .map_err(|e| format!("GET failed: {}", e.without_url()))?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        return Err(format!("server returned HTTP status {status}"));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !is_json_content_type(&content_type) {
        return Err(format!("unsupported content type {content_type:?}"));
    }
    response.text().await.map_err(|e| format!("reading the body: {}", e.without_url()))
}

/// The URL for logs: a password in it shown as `xxxxx`, as Go's `URL.Redacted` does.
pub fn redacted(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            // Only fails for URLs that cannot have credentials, which this one has.
            let _ = u.set_password(Some("xxxxx"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Upstream's check: `application/json`, optionally with `charset=utf-8`, case-insensitive.
pub fn is_json_content_type(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    let Some(rest) = v.strip_prefix("application/json") else { return false };
    if rest.is_empty() {
        return true;
    }
    let Some(params) = rest.strip_prefix(';') else { return false };
    matches!(params.trim_start(), "charset=utf-8" | "charset=\"utf-8\"")
}

/// The groups of the last good answer, to send only what changed and to empty the sources
/// of a shorter list.
#[derive(Debug)]
pub struct HttpState {
    url: String,
    last: Vec<TargetGroup>,
}

impl HttpState {
    pub fn new(url: String) -> Self {
        HttpState { url, last: Vec::new() }
    }

    /// Applies an answer's body: the changed groups (empty if nothing changed), or the error
    /// that leaves the last good groups in force.
    pub fn apply(&mut self, body: &str) -> Result<Vec<TargetGroup>, String> {
        let raw = parse_json(body).map_err(|e| format!("decoding the answer: {e}"))?;
        let groups = raw
            .into_iter()
            .enumerate()
            .map(|(i, g)| build_group(g, i, &self.url, URL_LABEL, &self.url))
            .collect::<Result<Vec<_>, _>>()?;
        if groups == self.last {
            return Ok(Vec::new());
        }
        let mut out = vanished_groups(&self.url, groups.len(), self.last.len());
        out.extend(groups.iter().cloned());
        self.last = groups;
        Ok(out)
    }
}

#[cfg(test)]
mod tests;

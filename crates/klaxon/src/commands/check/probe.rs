//! `--url`: asks a live Prometheus-compatible server whether each rule's selectors match any
//! series, so a typo in a metric or label name shows before the rule silently never fires.

use std::collections::HashMap;
use std::time::Duration;

use rules::file::RuleFile;
use rules::file::lint::{Warning, selectors};

/// How far back a selector may have matched (series the server knows of in the last hour).
const WINDOW_MS: i64 = 3_600_000;
const TIMEOUT: Duration = Duration::from_secs(30);

/// One warning per rule selector that matches no series on `url`; a server that cannot be
/// asked is one warning, and the rest of the file is not probed.
pub(super) fn empty_selectors(url: &str, rf: &RuleFile) -> Vec<String> {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return vec![format!("cannot start the async runtime: {e}")],
    };
    rt.block_on(probe_all(url, rf))
}

async fn probe_all(url: &str, rf: &RuleFile) -> Vec<String> {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(c) => c,
        Err(e) => return vec![format!("cannot build an HTTP client: {e}")],
    };
    let base = if url.contains("://") { url.to_owned() } else { format!("http://{url}") };
    let endpoint = format!("{}/api/v1/series", base.trim_end_matches('/'));
    let end = jiff::Timestamp::now().as_millisecond();
    let mut known: HashMap<String, bool> = HashMap::new();
    let mut out = Vec::new();
    for g in &rf.groups {
        for (i, r) in g.rules.iter().enumerate() {
            for sel in selectors(&r.expr.expr) {
                let matches = match known.get(&sel) {
                    Some(m) => *m,
                    None => match any_series(&client, &endpoint, &sel, end).await {
                        Ok(m) => {
                            known.insert(sel.clone(), m);
                            m
                        }
                        Err(e) => {
                            out.push(format!("0:0: asking {endpoint} about {sel}: {e}"));
                            return out;
                        }
                    },
                };
                if !matches {
                    let w = Warning {
                        group: g.name.clone(),
                        index: i + 1,
                        rule: r.name().to_owned(),
                        position: r.expr_position,
                        message: format!(
                            "selector {sel} matches no series on {base} in the last hour"
                        ),
                    };
                    out.push(w.to_string());
                }
            }
        }
    }
    out
}

/// Whether the server knows any series for `selector` in the hour before `end_ms`.
async fn any_series(
    client: &reqwest::Client,
    endpoint: &str,
    selector: &str,
    end_ms: i64,
) -> Result<bool, String> {
    let secs = |ms: i64| format!("{}", ms as f64 / 1000.0);
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("match[]", selector)
        .append_pair("start", &secs(end_ms - WINDOW_MS))
        .append_pair("end", &secs(end_ms))
        .append_pair("limit", "1")
        .finish();
    let resp = client
        .post(endpoint)
        .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let json: serde_json::Value = resp.json().await.map_err(|e| format!("{status}: {e}"))?;
    if json.get("status").and_then(|s| s.as_str()) != Some("success") {
        let err = json.get("error").and_then(|e| e.as_str()).unwrap_or("request failed");
        return Err(format!("{status}: {err}"));
    }
    Ok(json.get("data").and_then(|d| d.as_array()).is_some_and(|a| !a.is_empty()))
}

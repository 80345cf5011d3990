//! Rules over a remote store, as vmalert runs them: expressions are sent to any
//! Prometheus-compatible query API (`--rules.datasource.url`: Prometheus, klaxon, Thanos,
//! Mimir, VictoriaMetrics) and recording results and `ALERTS` go out by remote write
//! (`--rules.remote-write.url`), nothing being stored locally.
//!
//! [`RemoteEngine`] is the [`QueryEngine`]: `POST <url>/api/v1/query` with `query` and `time`
//! (seconds, millisecond precision) as a form, authentication and TLS from an
//! [`HttpClientConfig`]. The rule group has already applied `query_offset` to the time it
//! asks for, so the engine sends exactly that time.
//!
//! Restoring `for` state needs the raw `ALERTS_FOR_STATE` samples, which the restore code
//! reads from a `Storage`: [`RemoteEngine::for_state_snapshot`] fetches them once at
//! start-up (`ALERTS_FOR_STATE{alertname=~..}[tolerance]`, a matrix) into a
//! [`SnapshotStorage`] to hand to the rule manager as its restore store.
//!
//! [`RemoteRules::start`] puts it together from the flags (`--rules.datasource.url`,
//! `--rules.datasource.bearer-token-file`, `--rules.datasource.basic-auth.username`,
//! `--rules.datasource.basic-auth.password-file`, `--rules.remote-write.url`).
//!
//! The writing side is [`remote_only`]: an `Appendable` that keeps nothing and hands each
//! committed batch to the remote write queues (the same [`RemoteFanout`] `klaxon run` uses,
//! over a [`DiscardAppendable`]). Because the written samples only come back once the
//! remote store has them, a rule reading another rule's recording in the same group sees
//! the previous evaluation's value, as with vmalert.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use config::{MetadataConfig, QueueConfig, RemoteWriteConfig};
use httpclient::HttpClientConfig;
use httpclient::config::{Authorization, BasicAuth};
use model::labels::Labels;
use model::matcher::Matcher;
use model::storage::{
    AppendError, Appendable, Appender, FPoint, Querier, SelectHints, Storage, StorageError,
    StoredSeries,
};
use remote::{RemoteFanout, RemoteStorage};
use serde::Deserialize;

use crate::seams::{BoxFuture, QueryEngine, QueryError, RuleQuery, Sample};

/// Upstream's `User-Agent` shape for the rule datasource client.
const USER_AGENT: &str = concat!("klaxon-rules/", env!("CARGO_PKG_VERSION"));

/// vmalert's `-datasource.queryTimeout` default.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(30);

/// What the command-line flags say about the datasource (`--rules.datasource.*`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatasourceFlags {
    /// `--rules.datasource.url`: the server's base URL (`http://prometheus:9090`, a path
    /// prefix allowed); `/api/v1/query` is added.
    pub url: String,
    /// `--rules.datasource.bearer-token-file`: `Authorization: Bearer <file content>`,
    /// read at every request so a rotated token needs no restart.
    pub bearer_token_file: Option<PathBuf>,
    /// `--rules.datasource.basic-auth.username`.
    pub basic_auth_username: Option<String>,
    /// `--rules.datasource.basic-auth.password-file`.
    pub basic_auth_password_file: Option<PathBuf>,
    /// `--rules.datasource.timeout`; [`DEFAULT_QUERY_TIMEOUT`] when `None`.
    pub timeout: Option<Duration>,
}

impl DatasourceFlags {
    /// The `http_config` these flags amount to, validated (relative files resolved against
    /// `base_dir`, upstream's texts for conflicting settings).
    pub fn http_config(&self, base_dir: &Path) -> Result<HttpClientConfig, String> {
        let mut cfg = HttpClientConfig::default();
        if let Some(f) = &self.bearer_token_file {
            cfg.authorization = Some(Authorization {
                kind: "Bearer".into(),
                credentials: Default::default(),
                credentials_file: f.to_string_lossy().into_owned(),
            });
        }
        if self.basic_auth_username.is_some() || self.basic_auth_password_file.is_some() {
            cfg.basic_auth = Some(BasicAuth {
                username: self.basic_auth_username.clone().unwrap_or_default(),
                password_file: self
                    .basic_auth_password_file
                    .as_ref()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                ..Default::default()
            });
        }
        cfg.validate(base_dir).map_err(|e| format!("--rules.datasource: {e}"))?;
        Ok(cfg)
    }

    /// The engine these flags describe.
    pub fn engine(&self, base_dir: &Path) -> Result<RemoteEngine, String> {
        let http = self.http_config(base_dir)?;
        RemoteEngine::new(&self.url, &http, self.timeout.unwrap_or(DEFAULT_QUERY_TIMEOUT))
    }
}

/// A [`QueryEngine`] asking a Prometheus-compatible HTTP API.
#[derive(Clone)]
pub struct RemoteEngine {
    client: httpclient::Client,
    query_url: String,
    timeout: Duration,
}

impl fmt::Debug for RemoteEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry credentials (`http://user:pass@host`): not printed.
        f.debug_struct("RemoteEngine").field("timeout", &self.timeout).finish_non_exhaustive()
    }
}

impl RemoteEngine {
    /// An engine for the server at `base_url` (`http://host:9090` or with a path prefix).
    /// Errors name what is wrong with the URL or the HTTP settings.
    pub fn new(base_url: &str, http: &HttpClientConfig, timeout: Duration) -> Result<Self, String> {
        let parsed = url::Url::parse(base_url)
            .map_err(|e| format!("invalid datasource URL {base_url:?}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!(
                "invalid datasource URL {base_url:?}: scheme must be http or https"
            ));
        }
        let client = httpclient::Client::new(http, USER_AGENT)?;
        let query_url = format!("{}/api/v1/query", base_url.trim_end_matches('/'));
        Ok(RemoteEngine { client, query_url, timeout })
    }

    /// POSTs `text` at `t_ms`; the answer's status and body.
    async fn post(&self, text: &str, t_ms: i64) -> Result<(u16, Vec<u8>), QueryError> {
        let req = self
            .client
            .request(reqwest::Method::POST, &self.query_url)
            .await
            .map_err(|e| QueryError(format!("datasource request: {e}")))?;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("query", text)
            .append_pair("time", &seconds(t_ms))
            .finish();
        let req = req
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .timeout(self.timeout);
        let timed_out =
            || QueryError(format!("datasource query timed out after {:?}", self.timeout));
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                timed_out()
            } else {
                QueryError(format!("datasource request failed: {}", without_url(&e)))
            }
        })?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| {
            if e.is_timeout() {
                timed_out()
            } else {
                QueryError(format!("datasource response: {}", without_url(&e)))
            }
        })?;
        Ok((status, body.to_vec()))
    }

    async fn query(&self, text: &str, t_ms: i64) -> Result<Vec<Sample>, QueryError> {
        let (status, body) = self.post(text, t_ms).await?;
        decode(status, &body)
    }

    /// The raw samples of `selector` in `(t_ms − range, t_ms]` (a range selector asked as an
    /// instant query: the server answers a matrix of stored samples).
    pub async fn select_range(
        &self,
        selector: &str,
        t_ms: i64,
        range: Duration,
    ) -> Result<Vec<(Labels, Vec<FPoint>)>, QueryError> {
        let range_ms = range.as_millis().max(1);
        let (status, body) = self.post(&format!("{selector}[{range_ms}ms]"), t_ms).await?;
        decode_matrix(status, &body)
    }

    /// `ALERTS_FOR_STATE` of the alerts named `alertnames` over the `tolerance` before
    /// `now_ms`, as a store [`crate::group::Group::restore_for_state`] can read: what
    /// `ManagerOptions::storage` is set to when rules run against a datasource (fetched
    /// once at start-up; the groups write no `ALERTS_FOR_STATE` until restored).
    pub async fn for_state_snapshot(
        &self,
        now_ms: i64,
        tolerance: Duration,
        alertnames: &[&str],
    ) -> Result<SnapshotStorage, QueryError> {
        if alertnames.is_empty() {
            return Ok(SnapshotStorage::default());
        }
        let mut names: Vec<String> = alertnames.iter().map(|n| regex_escape(n)).collect();
        names.sort();
        names.dedup();
        let selector = format!(
            "{{__name__=\"ALERTS_FOR_STATE\",alertname=~{}}}",
            promql_string(&names.join("|"))
        );
        Ok(SnapshotStorage::new(self.select_range(&selector, now_ms, tolerance).await?))
    }
}

impl QueryEngine for RemoteEngine {
    fn instant<'a>(
        &'a self,
        query: &'a RuleQuery,
        t_ms: i64,
    ) -> BoxFuture<'a, Result<Vec<Sample>, QueryError>> {
        Box::pin(self.query(&query.text, t_ms))
    }
}

/// reqwest's error text without the URL, which may hold credentials.
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(&format!(" ({u})"), "").replace(u.as_str(), "<datasource>");
    }
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// `t_ms` as the API's `time`: seconds with three decimals, exact (no float rounding).
pub fn seconds(t_ms: i64) -> String {
    let secs = t_ms.div_euclid(1000);
    let ms = t_ms.rem_euclid(1000);
    if ms == 0 { secs.to_string() } else { format!("{secs}.{ms:03}") }
}

/// The API envelope (`status`, `data` or `errorType`/`error`).
#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct VectorElem {
    metric: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    value: Option<(serde_json::Value, String)>,
    #[serde(default)]
    histogram: Option<serde_json::Value>,
}

/// The `data` of a successful answer, or the error it carries.
fn envelope(status: u16, body: &[u8]) -> Result<Data, QueryError> {
    let env: Envelope = match serde_json::from_slice(body) {
        Ok(env) => env,
        Err(e) => {
            let text = String::from_utf8_lossy(body);
            let snippet: String = text.chars().take(200).collect();
            return Err(QueryError(if (200..300).contains(&status) {
                format!("datasource answered malformed JSON: {e}")
            } else {
                format!("datasource answered HTTP {status}: {}", snippet.trim())
            }));
        }
    };
    if env.status != "success" {
        return Err(QueryError(format!(
            "datasource error (HTTP {status}): {}: {}",
            env.error_type.as_deref().unwrap_or("unknown"),
            env.error.as_deref().unwrap_or("")
        )));
    }
    env.data.ok_or_else(|| QueryError("datasource answer has no data".into()))
}

#[derive(Deserialize)]
struct MatrixElem {
    metric: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<(f64, String)>,
}

/// A matrix answer's series and their float samples (histogram samples are left out).
pub fn decode_matrix(status: u16, body: &[u8]) -> Result<Vec<(Labels, Vec<FPoint>)>, QueryError> {
    let data = envelope(status, body)?;
    if data.result_type != "matrix" {
        return Err(QueryError(format!(
            "datasource answered a {} where a matrix was expected",
            data.result_type
        )));
    }
    let elems: Vec<MatrixElem> = serde_json::from_value(data.result)
        .map_err(|e| QueryError(format!("datasource answered a malformed matrix: {e}")))?;
    elems
        .into_iter()
        .map(|el| {
            let points = el
                .values
                .iter()
                .map(|(t, v)| Ok(FPoint { t: (t * 1000.0).round() as i64, f: parse_value(v)? }))
                .collect::<Result<Vec<_>, QueryError>>()?;
            Ok((Labels::from_pairs(el.metric.iter()), points))
        })
        .collect()
}

/// `s` with RE2's metacharacters escaped, to match literally inside a `=~` matcher.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `s` as a PromQL double-quoted string.
fn promql_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Series fetched once and served as a store (the `for`-state snapshot of a datasource).
#[derive(Debug, Clone, Default)]
pub struct SnapshotStorage {
    series: Arc<Vec<Arc<SnapshotSeries>>>,
}

#[derive(Debug)]
struct SnapshotSeries {
    labels: Labels,
    points: Vec<FPoint>,
}

impl StoredSeries for SnapshotSeries {
    fn labels(&self) -> &Labels {
        &self.labels
    }

    fn floats_into(&self, mint: i64, maxt: i64, out: &mut Vec<FPoint>) {
        out.extend(self.points.iter().filter(|p| p.t >= mint && p.t <= maxt).copied());
    }
}

impl SnapshotStorage {
    /// A store of `series` (sorted here; points must be in time order, as answers are).
    pub fn new(series: Vec<(Labels, Vec<FPoint>)>) -> Self {
        let mut series: Vec<Arc<SnapshotSeries>> = series
            .into_iter()
            .map(|(labels, points)| Arc::new(SnapshotSeries { labels, points }))
            .collect();
        series.sort_by(|a, b| a.labels.cmp(&b.labels));
        SnapshotStorage { series: Arc::new(series) }
    }

    /// How many series it holds.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }
}

impl Storage for SnapshotStorage {
    fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier + '_>, StorageError> {
        Ok(Box::new(SnapshotQuerier { series: &self.series, mint, maxt }))
    }
}

struct SnapshotQuerier<'a> {
    series: &'a [Arc<SnapshotSeries>],
    mint: i64,
    maxt: i64,
}

impl SnapshotQuerier<'_> {
    fn matching<'s>(
        &'s self,
        matchers: &'s [Matcher],
    ) -> impl Iterator<Item = &'s Arc<SnapshotSeries>> {
        self.series.iter().filter(move |s| {
            matchers.iter().all(|m| m.matches(s.labels.get(m.name()).unwrap_or("")))
                && s.points.iter().any(|p| p.t >= self.mint && p.t <= self.maxt)
        })
    }
}

impl Querier for SnapshotQuerier<'_> {
    fn select(
        &self,
        _hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<Arc<dyn StoredSeries>>, StorageError> {
        Ok(self.matching(matchers).map(|s| s.clone() as Arc<dyn StoredSeries>).collect())
    }

    fn label_names(&self, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        let mut names: Vec<String> = self
            .matching(matchers)
            .flat_map(|s| s.labels.names().map(str::to_string).collect::<Vec<_>>())
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn label_values(&self, name: &str, matchers: &[Matcher]) -> Result<Vec<String>, StorageError> {
        let mut values: Vec<String> = self
            .matching(matchers)
            .filter_map(|s| s.labels.get(name).filter(|v| !v.is_empty()).map(str::to_string))
            .collect();
        values.sort();
        values.dedup();
        Ok(values)
    }
}

/// Turns an answer of `/api/v1/query` into samples: a vector's elements, a scalar as one
/// sample without labels; anything else, or an error answer, is a [`QueryError`] carrying
/// the server's `errorType` and `error` (or its status and the start of a non-API body,
/// such as a proxy's error page).
pub fn decode(status: u16, body: &[u8]) -> Result<Vec<Sample>, QueryError> {
    let data = envelope(status, body)?;
    match data.result_type.as_str() {
        "vector" => {
            let elems: Vec<VectorElem> = serde_json::from_value(data.result)
                .map_err(|e| QueryError(format!("datasource answered a malformed vector: {e}")))?;
            elems
                .into_iter()
                .map(|el| {
                    let Some((_, v)) = el.value else {
                        return Err(QueryError(if el.histogram.is_some() {
                            "native histogram results are not supported in rules".into()
                        } else {
                            "datasource vector element without a value".into()
                        }));
                    };
                    Ok(Sample { labels: Labels::from_pairs(el.metric.iter()), f: parse_value(&v)? })
                })
                .collect()
        }
        "scalar" => {
            let (_, v): (serde_json::Value, String) = serde_json::from_value(data.result)
                .map_err(|e| QueryError(format!("datasource answered a malformed scalar: {e}")))?;
            Ok(vec![Sample { labels: Labels::default(), f: parse_value(&v)? }])
        }
        other => Err(QueryError(format!(
            "rule result is not a vector or scalar (datasource answered a {other})"
        ))),
    }
}

/// A sample value as the API writes it (Go's `strconv.FormatFloat`, `NaN`, `+Inf`, `-Inf`).
fn parse_value(v: &str) -> Result<f64, QueryError> {
    match v {
        "NaN" => Ok(f64::NAN),
        "+Inf" | "Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => v.parse().map_err(|_| QueryError(format!("datasource answered a bad value {v:?}"))),
    }
}

/// An `Appendable` that keeps nothing: accepts every sample, commits nothing anywhere.
/// The local side of [`remote_only`].
#[derive(Debug, Clone, Copy, Default)]
pub struct DiscardAppendable;

impl Appendable for DiscardAppendable {
    fn appender(&self) -> Box<dyn Appender + '_> {
        Box::new(DiscardAppendable)
    }
}

impl Appender for DiscardAppendable {
    fn append(&mut self, _labels: &Labels, _t: i64, _f: f64) -> Result<(), AppendError> {
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<(), StorageError> {
        Ok(())
    }

    fn rollback(self: Box<Self>) {}
}

/// Where rule results go when there is no local store: committed batches (staleness markers
/// included) to `remote`'s queues, nothing kept. Rolled-back batches are not sent.
pub fn remote_only(remote: Arc<RemoteStorage>) -> Arc<dyn Appendable> {
    Arc::new(RemoteFanout::new(Arc::new(DiscardAppendable), remote))
}

/// The `remote_write` entry `--rules.remote-write.url` stands for: upstream's queue
/// defaults, named `rules`, with the given HTTP settings (usually the datasource's).
pub fn remote_write_config(
    url: &str,
    http: &HttpClientConfig,
) -> Result<RemoteWriteConfig, String> {
    let parsed = url::Url::parse(url)
        .map_err(|e| format!("invalid --rules.remote-write.url {url:?}: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!(
            "invalid --rules.remote-write.url {url:?}: scheme must be http or https"
        ));
    }
    Ok(RemoteWriteConfig {
        url: url.to_string(),
        remote_timeout: model::duration::Duration::from_secs(30),
        headers: Default::default(),
        write_relabel_configs: Vec::new(),
        name: "rules".into(),
        send_exemplars: false,
        send_native_histograms: false,
        http_client: http.clone(),
        queue_config: QueueConfig::default(),
        metadata_config: MetadataConfig { send: false, ..MetadataConfig::default() },
        round_robin_dns: false,
        failed_request_logging: false,
        protobuf_message: "prometheus.WriteRequest".into(),
    })
}

/// What rules need to run against a datasource: the engine, where results go, and the
/// remote write queues to stop at shutdown.
#[derive(Clone)]
pub struct RemoteRules {
    pub engine: Arc<RemoteEngine>,
    /// `--rules.remote-write.url`'s queue (`None` without the flag).
    pub remote: Option<Arc<RemoteStorage>>,
    /// Results and `ALERTS` to the remote write queue, or nowhere without one.
    pub appendable: Arc<dyn Appendable>,
}

impl fmt::Debug for RemoteRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteRules")
            .field("engine", &self.engine)
            .field("remote", &self.remote)
            .finish_non_exhaustive()
    }
}

impl RemoteRules {
    /// Builds the engine from `flags` and, with `remote_write_url`, one remote write queue
    /// (the datasource's HTTP settings, `external_labels` added as Prometheus adds them).
    /// Must run inside a tokio runtime.
    pub async fn start(
        flags: &DatasourceFlags,
        remote_write_url: Option<&str>,
        external_labels: &Labels,
        base_dir: &Path,
    ) -> Result<RemoteRules, String> {
        let http = flags.http_config(base_dir)?;
        let engine = Arc::new(RemoteEngine::new(
            &flags.url,
            &http,
            flags.timeout.unwrap_or(DEFAULT_QUERY_TIMEOUT),
        )?);
        let Some(url) = remote_write_url else {
            return Ok(RemoteRules {
                engine,
                remote: None,
                appendable: Arc::new(DiscardAppendable),
            });
        };
        let cfg = remote_write_config(url, &http)?;
        let remote = Arc::new(RemoteStorage::new());
        remote.apply_config(&[cfg], external_labels).await.map_err(|e| e.to_string())?;
        let appendable = remote_only(remote.clone());
        Ok(RemoteRules { engine, remote: Some(remote), appendable })
    }

    /// Flushes and stops the remote write queue.
    pub async fn stop(&self) {
        if let Some(r) = &self.remote {
            r.stop().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_exact() {
        assert_eq!(seconds(1_700_000_000_000), "1700000000");
        assert_eq!(seconds(1_700_000_000_123), "1700000000.123");
        assert_eq!(seconds(5), "0.005");
        assert_eq!(seconds(-1), "-1.999");
    }

    #[test]
    fn values() {
        assert!(parse_value("NaN").is_ok_and(f64::is_nan));
        assert_eq!(parse_value("+Inf"), Ok(f64::INFINITY));
        assert_eq!(parse_value("-Inf"), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_value("1e-7"), Ok(1e-7));
        assert!(parse_value("x").is_err());
    }

    #[test]
    fn escaping() {
        assert_eq!(regex_escape("a.b|c(d)"), r"a\.b\|c\(d\)");
        assert_eq!(promql_string(r#"x"y\z"#), r#""x\"y\\z""#);
    }

    #[test]
    fn non_api_bodies() {
        let e = decode(502, b"<html>Bad Gateway</html>").unwrap_err();
        assert!(e.0.contains("HTTP 502") && e.0.contains("Bad Gateway"), "{e}");
        let e = decode(200, b"{").unwrap_err();
        assert!(e.0.contains("malformed JSON"), "{e}");
        let e = decode(200, br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)
            .unwrap_err();
        assert!(e.0.contains("not a vector or scalar"), "{e}");
        let e = decode(
            200,
            br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{}]}]}}"#,
        )
        .unwrap_err();
        assert!(e.0.contains("histogram"), "{e}");
    }
}

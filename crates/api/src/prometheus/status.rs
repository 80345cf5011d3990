//! `/api/v1/status/*`, `/api/v1/metadata`, and what feeds them: build and runtime info, the
//! providers of metric metadata and TSDB statistics.

use std::collections::BTreeMap;
use std::time::SystemTime;

use model::matcher::{MatchOp, Matcher};
use model::storage::{SelectHints, Storage};

use super::json::Json;
use super::params::{Form, MAX_TIME, MIN_TIME, go_atoi};
use super::response::{ApiError, ApiResult, ErrorType, Success};

/// `/api/v1/status/buildinfo`. Grafana reads `version` to pick the features it uses, so klaxon
/// reports the Prometheus version whose API it implements; `revision` names klaxon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    pub version: String,
    pub revision: String,
    pub branch: String,
    pub build_user: String,
    pub build_date: String,
    pub go_version: String,
}

impl Default for BuildInfo {
    fn default() -> Self {
        BuildInfo {
            version: "3.14.0".into(),
            revision: format!("klaxon-{}", env!("CARGO_PKG_VERSION")),
            branch: "HEAD".into(),
            build_user: "klaxon".into(),
            build_date: String::new(),
            go_version: String::new(),
        }
    }
}

impl BuildInfo {
    fn to_json(&self) -> Json {
        Json::obj([
            ("version", Json::str(&self.version)),
            ("revision", Json::str(&self.revision)),
            ("branch", Json::str(&self.branch)),
            ("buildUser", Json::str(&self.build_user)),
            ("buildDate", Json::str(&self.build_date)),
            ("goVersion", Json::str(&self.go_version)),
        ])
    }
}

/// One metadata entry of a metric family (`/api/v1/metadata`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricMetadata {
    /// `counter`, `gauge`, `histogram`, `summary`, `unknown`, ...
    pub kind: String,
    pub help: String,
    pub unit: String,
}

/// Where `/api/v1/metadata` reads from (the scrape targets, once scraping exists).
pub trait MetadataSource: Send + Sync {
    /// Every metric family with its distinct metadata entries.
    fn metadata(&self) -> BTreeMap<String, Vec<MetricMetadata>>;
}

/// One cardinality statistic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub name: String,
    pub value: u64,
}

/// `/api/v1/status/tsdb`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TsdbStatus {
    pub num_series: u64,
    pub num_label_pairs: u64,
    pub chunk_count: i64,
    pub min_time: i64,
    pub max_time: i64,
    pub series_count_by_metric_name: Vec<Stat>,
    pub label_value_count_by_label_name: Vec<Stat>,
    pub memory_in_bytes_by_label_name: Vec<Stat>,
    pub series_count_by_label_value_pair: Vec<Stat>,
}

/// Where `/api/v1/status/tsdb` reads from (the TSDB head).
pub trait TsdbStatsSource: Send + Sync {
    /// Statistics with at most `limit` entries per list, largest first.
    fn tsdb_status(&self, limit: usize) -> Result<TsdbStatus, String>;
}

/// What `/api/v1/status/runtimeinfo` shows besides live values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeInfo {
    pub start_time: SystemTime,
    /// `--storage.tsdb.retention.time` as shown (`15d`).
    pub storage_retention: String,
    pub reload_config_success: bool,
    pub last_config_time: SystemTime,
}

impl Default for RuntimeInfo {
    fn default() -> Self {
        let now = SystemTime::now();
        RuntimeInfo {
            start_time: now,
            storage_retention: "15d".into(),
            reload_config_success: true,
            last_config_time: now,
        }
    }
}

fn rfc3339(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t).map(|t| t.to_string()).unwrap_or_default()
}

pub fn buildinfo(info: &BuildInfo) -> ApiResult {
    Ok(Success::json(&info.to_json()))
}

pub fn config(yaml: &str) -> ApiResult {
    Ok(Success::json(&Json::obj([("yaml", Json::str(yaml))])))
}

pub fn flags(flags: &BTreeMap<String, String>) -> ApiResult {
    Ok(Success::json(&Json::obj(flags.iter().map(|(k, v)| (k.clone(), Json::str(v))))))
}

pub fn runtimeinfo(info: &RuntimeInfo) -> ApiResult {
    let cwd = std::env::current_dir().map(|p| p.display().to_string()).unwrap_or_default();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(Success::json(&Json::obj([
        ("startTime", Json::str(rfc3339(info.start_time))),
        ("CWD", Json::str(cwd)),
        ("hostname", Json::str(hostname)),
        ("serverTime", Json::str(rfc3339(SystemTime::now()))),
        ("reloadConfigSuccess", Json::Bool(info.reload_config_success)),
        ("lastConfigTime", Json::str(rfc3339(info.last_config_time))),
        ("corruptionCount", Json::int(0)),
        ("goroutineCount", Json::int(0)),
        ("GOMAXPROCS", Json::int(threads as u64)),
        ("GOMEMLIMIT", Json::int(i64::MAX)),
        ("GOGC", Json::str("")),
        ("GODEBUG", Json::str("")),
        ("storageRetention", Json::str(&info.storage_retention)),
    ])))
}

/// `/api/v1/status/tsdb?limit=` (default 10, at most 10000).
pub fn tsdb(form: &Form, source: &dyn TsdbStatsSource) -> ApiResult {
    const MAX_LIMIT: i64 = 10_000;
    let mut limit = 10;
    let s = form.get("limit");
    if !s.is_empty() {
        match go_atoi(s) {
            Ok(n) if n >= 1 => limit = n,
            _ => return Err(ApiError::bad_data("limit must be a positive number")),
        }
        if limit > MAX_LIMIT {
            return Err(ApiError::bad_data(format!("limit must not exceed {MAX_LIMIT}")));
        }
    }
    let st =
        source.tsdb_status(limit as usize).map_err(|e| ApiError::new(ErrorType::Internal, e))?;
    let stats = |list: &[Stat]| {
        Json::Array(
            list.iter()
                .map(|s| Json::obj([("name", Json::str(&s.name)), ("value", Json::int(s.value))]))
                .collect(),
        )
    };
    Ok(Success::json(&Json::obj([
        (
            "headStats",
            Json::obj([
                ("numSeries", Json::int(st.num_series)),
                ("numLabelPairs", Json::int(st.num_label_pairs)),
                ("chunkCount", Json::int(st.chunk_count)),
                ("minTime", Json::int(st.min_time)),
                ("maxTime", Json::int(st.max_time)),
            ]),
        ),
        ("seriesCountByMetricName", stats(&st.series_count_by_metric_name)),
        ("labelValueCountByLabelName", stats(&st.label_value_count_by_label_name)),
        ("memoryInBytesByLabelName", stats(&st.memory_in_bytes_by_label_name)),
        ("seriesCountByLabelValuePair", stats(&st.series_count_by_label_value_pair)),
    ])))
}

/// `/api/v1/metadata?limit=&limit_per_metric=&metric=`.
pub fn metadata(form: &Form, source: Option<&dyn MetadataSource>) -> ApiResult {
    let number = |name: &str| -> Result<i64, ApiError> {
        let s = form.get(name);
        if s.is_empty() {
            return Ok(-1);
        }
        go_atoi(s).map_err(|_| ApiError::bad_data(format!("{name} must be a number")))
    };
    let limit = number("limit")?;
    let limit_per_metric = number("limit_per_metric")?;
    let metric = form.get("metric");
    let all = source.map(|s| s.metadata()).unwrap_or_default();
    let mut fields = Vec::new();
    for (name, mut entries) in all {
        if !metric.is_empty() && name != metric {
            continue;
        }
        if limit >= 0 && fields.len() as i64 >= limit {
            break;
        }
        entries.sort();
        entries.dedup();
        if limit_per_metric > 0 {
            entries.truncate(limit_per_metric as usize);
        }
        let list = entries
            .iter()
            .map(|m| {
                Json::obj([
                    ("type", Json::str(&m.kind)),
                    ("help", Json::str(&m.help)),
                    ("unit", Json::str(&m.unit)),
                ])
            })
            .collect();
        fields.push((name, Json::Array(list)));
    }
    Ok(Success::json(&Json::Object(fields)))
}

/// Statistics computed from any [`Storage`] through its label index, for stores that keep none
/// of their own. Sample times are not read: the head's time range shows as empty.
#[derive(Clone)]
pub struct StorageStats(pub std::sync::Arc<dyn Storage>);

impl std::fmt::Debug for StorageStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StorageStats")
    }
}

impl TsdbStatsSource for StorageStats {
    fn tsdb_status(&self, limit: usize) -> Result<TsdbStatus, String> {
        index_stats(self.0.as_ref(), limit)
    }
}

/// Cardinality statistics read through the label index of any store.
fn index_stats(storage: &dyn Storage, limit: usize) -> Result<TsdbStatus, String> {
    let q = storage.querier(MIN_TIME, MAX_TIME).map_err(|e| e.to_string())?;
    let any = Matcher::prometheus(MatchOp::Regex, "__name__", ".+").map_err(|e| e.to_string())?;
    let hints = SelectHints {
        start: MIN_TIME,
        end: MAX_TIME,
        func: Some("series".into()),
        ..SelectHints::default()
    };
    let series = q.select(&hints, &[any]).map_err(|e| e.to_string())?;
    // name -> value -> series count
    let mut postings: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for s in &series {
        for l in s.labels().iter() {
            *postings
                .entry(l.name.to_string())
                .or_default()
                .entry(l.value.to_string())
                .or_default() += 1;
        }
    }
    Ok(status_from_postings(series.len() as u64, &postings, limit))
}

/// How many entries [`tsdb::Head::stats`] keeps per list.
const HEAD_STATS_TOP: usize = 10;

/// The head's own statistics; lists longer than it keeps are read from the index.
impl TsdbStatsSource for tsdb::Head {
    fn tsdb_status(&self, limit: usize) -> Result<TsdbStatus, String> {
        let st = self.stats();
        let convert = |list: Vec<tsdb::Stat>| -> Vec<Stat> {
            list.into_iter().take(limit).map(|s| Stat { name: s.name, value: s.value }).collect()
        };
        let mut out = TsdbStatus {
            num_series: st.num_series,
            num_label_pairs: st.num_label_pairs,
            chunk_count: i64::try_from(st.chunk_count).unwrap_or(i64::MAX),
            // Upstream's empty head reports MaxInt64 / MinInt64.
            min_time: st.min_time.unwrap_or(i64::MAX),
            max_time: st.max_time.unwrap_or(i64::MIN),
            series_count_by_metric_name: convert(st.series_count_by_metric_name),
            label_value_count_by_label_name: convert(st.label_value_count_by_label_name),
            memory_in_bytes_by_label_name: convert(st.memory_in_bytes_by_label_name),
            series_count_by_label_value_pair: convert(st.series_count_by_label_value_pair),
        };
        if limit > HEAD_STATS_TOP {
            let full = index_stats(self, limit)?;
            out.series_count_by_metric_name = full.series_count_by_metric_name;
            out.label_value_count_by_label_name = full.label_value_count_by_label_name;
            out.memory_in_bytes_by_label_name = full.memory_in_bytes_by_label_name;
            out.series_count_by_label_value_pair = full.series_count_by_label_value_pair;
        }
        Ok(out)
    }
}

/// A database reports its head, as upstream's `/api/v1/status/tsdb` does.
impl TsdbStatsSource for tsdb::Db {
    fn tsdb_status(&self, limit: usize) -> Result<TsdbStatus, String> {
        self.head().tsdb_status(limit)
    }
}

/// Upstream's cardinality lists from a name → value → series-count index.
pub fn status_from_postings(
    num_series: u64,
    postings: &BTreeMap<String, BTreeMap<String, u64>>,
    limit: usize,
) -> TsdbStatus {
    let mut metrics = Vec::new();
    let mut label_values = Vec::new();
    let mut memory = Vec::new();
    let mut pairs = Vec::new();
    let mut num_label_pairs = 0u64;
    for (name, values) in postings {
        label_values.push(Stat { name: name.clone(), value: values.len() as u64 });
        num_label_pairs += values.len() as u64;
        let mut size = 0u64;
        for (value, n) in values {
            if name == "__name__" {
                metrics.push(Stat { name: value.clone(), value: *n });
            }
            pairs.push(Stat { name: format!("{name}={value}"), value: *n });
            size += (name.len() + value.len()) as u64 * n;
        }
        memory.push(Stat { name: name.clone(), value: size });
    }
    let top = |mut v: Vec<Stat>| {
        v.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.name.cmp(&b.name)));
        v.truncate(limit);
        v
    };
    TsdbStatus {
        num_series,
        num_label_pairs,
        chunk_count: 0,
        min_time: i64::MAX,
        max_time: i64::MIN,
        series_count_by_metric_name: top(metrics),
        label_value_count_by_label_name: top(label_values),
        memory_in_bytes_by_label_name: top(memory),
        series_count_by_label_value_pair: top(pairs),
    }
}

//! `/api/v1/series`, `/api/v1/labels`, `/api/v1/label/<name>/values`: the label index, read on
//! the blocking pool (a store may walk many series).

use std::collections::BTreeSet;
use std::sync::Arc;

use model::labels::{EscapingScheme, Labels, ValidationScheme, unescape_name};
use model::matcher::Matcher;
use model::storage::{SelectHints, Storage};

use super::Shared;
use super::encode::write_labels;
use super::json::Json;
use super::params::{Form, MAX_TIME, MIN_TIME, limit_param, parse_matchers, time_param};
use super::response::{ApiError, ApiResult, ErrorType, Success};

const TRUNCATED: &str = "results truncated due to limit";

fn storage_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(ErrorType::Internal, e.to_string())
}

/// Runs index work on the blocking pool.
async fn blocking<T: Send + 'static>(
    shared: &Arc<Shared>,
    job: impl FnOnce(&dyn Storage) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let storage = shared.backend.storage.clone();
    tokio::task::spawn_blocking(move || job(storage.as_ref()))
        .await
        .map_err(|e| ApiError::new(ErrorType::Internal, e.to_string()))?
}

/// `GET|POST /api/v1/series`.
pub async fn series(shared: Arc<Shared>, form: Form) -> ApiResult {
    let raw = form.all("match[]");
    if raw.is_empty() {
        return Err(ApiError::bad_data("no match[] parameter provided"));
    }
    let limit = limit_param(&form)?;
    let start = time_param(&form, "start", MIN_TIME)?;
    let end = time_param(&form, "end", MAX_TIME)?;
    let sets = parse_matchers(&raw, shared.backend.parse_options)
        .map_err(|e| ApiError::invalid_param("match[]", e))?;
    let (found, truncated) = blocking(&shared, move |storage| {
        let q = storage.querier(start, end).map_err(storage_error)?;
        let hints =
            SelectHints { start, end, func: Some("series".into()), ..SelectHints::default() };
        let mut all: BTreeSet<Labels> = BTreeSet::new();
        for set in &sets {
            for s in q.select(&hints, set).map_err(storage_error)? {
                all.insert(s.labels().clone());
            }
        }
        let truncated = limit > 0 && all.len() > limit;
        Ok((
            all.into_iter().take(if limit > 0 { limit } else { usize::MAX }).collect::<Vec<_>>(),
            truncated,
        ))
    })
    .await?;
    let mut data = String::from("[");
    for (i, l) in found.iter().enumerate() {
        if i > 0 {
            data.push(',');
        }
        write_labels(&mut data, l);
    }
    data.push(']');
    let mut out = Success::raw(data);
    if truncated {
        out.warnings.push(TRUNCATED.into());
    }
    Ok(out)
}

/// Names or values over every matcher set (all series when there is none), sorted and
/// deduplicated.
fn collect(
    storage: &dyn Storage,
    start: i64,
    end: i64,
    sets: &[Vec<Matcher>],
    read: impl Fn(
        &dyn model::storage::Querier,
        &[Matcher],
    ) -> Result<Vec<String>, model::storage::StorageError>,
) -> Result<Vec<String>, ApiError> {
    let q = storage.querier(start, end).map_err(storage_error)?;
    let exec = |e: model::storage::StorageError| ApiError::new(ErrorType::Execution, e.to_string());
    if sets.is_empty() {
        return read(q.as_ref(), &[]).map_err(exec);
    }
    let mut all = BTreeSet::new();
    for set in sets {
        all.extend(read(q.as_ref(), set).map_err(exec)?);
    }
    Ok(all.into_iter().collect())
}

fn list_response(mut items: Vec<String>, limit: usize) -> Success {
    let truncated = limit > 0 && items.len() > limit;
    if truncated {
        items.truncate(limit);
    }
    let mut out = Success::json(&Json::strings(&items));
    if truncated {
        out.warnings.push(TRUNCATED.into());
    }
    out
}

/// `GET|POST /api/v1/labels`.
pub async fn label_names(shared: Arc<Shared>, form: Form) -> ApiResult {
    let limit = limit_param(&form)?;
    let start = time_param(&form, "start", MIN_TIME)?;
    let end = time_param(&form, "end", MAX_TIME)?;
    let sets = parse_matchers(&form.all("match[]"), shared.backend.parse_options)
        .map_err(ApiError::bad_data)?;
    let names = blocking(&shared, move |storage| {
        collect(storage, start, end, &sets, |q, m| q.label_names(m))
    })
    .await?;
    Ok(list_response(names, limit))
}

/// `GET /api/v1/label/<name>/values`; names outside the legacy character set come
/// `U__`-escaped (`U__http_2e_status`).
pub async fn label_values(shared: Arc<Shared>, name: String, form: Form) -> ApiResult {
    let name = if name.starts_with("U__") {
        unescape_name(&name, EscapingScheme::Values).into_owned()
    } else {
        name
    };
    if !ValidationScheme::Utf8.is_valid_label_name(&name) {
        return Err(ApiError::bad_data(format!(
            "invalid label name: {}",
            model::gostr::quote(&name)
        )));
    }
    let limit = limit_param(&form)?;
    let start = time_param(&form, "start", MIN_TIME)?;
    let end = time_param(&form, "end", MAX_TIME)?;
    let sets = parse_matchers(&form.all("match[]"), shared.backend.parse_options)
        .map_err(ApiError::bad_data)?;
    let values = blocking(&shared, move |storage| {
        collect(storage, start, end, &sets, |q, m| q.label_values(&name, m))
    })
    .await?;
    Ok(list_response(values, limit))
}

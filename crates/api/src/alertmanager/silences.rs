//! `GET/POST /api/v2/silences`, `GET/DELETE /api/v2/silence/{silenceID}`.

use std::cmp::Ordering;

use alertmanager::alert::Time;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use model::matcher::MatchOp;

use super::Api;
use super::backend::{ExpireSilenceError, SetSilenceError, SilenceView};
use super::filters::{parse_filter, silence_matches_filter};
use super::json::{
    GettableSilence, MatcherJson, PostSilenceOk, Query, SilenceStatus, SwaggerError, api_time,
    empty, json_response, parse_postable_silence, string_error,
};

/// A silence's state at `now` (upstream's `CurrentState`: active while `now < endsAt`).
pub fn silence_state(starts_at: Time, ends_at: Time, now: Time) -> &'static str {
    if now < starts_at {
        "pending"
    } else if now < ends_at {
        "active"
    } else {
        "expired"
    }
}

fn rank(state: &str) -> u8 {
    match state {
        "active" => 1,
        "pending" => 2,
        _ => 3,
    }
}

/// Upstream's `SortSilences`: active (next to end first), pending (next to start first),
/// expired (most recently ended first).
fn cmp_silences(a: &(SilenceView, &'static str), b: &(SilenceView, &'static str)) -> Ordering {
    let (sa, ra) = (&a.0, a.1);
    let (sb, rb) = (&b.0, b.1);
    rank(ra).cmp(&rank(rb)).then_with(|| match ra {
        "active" => sa.ends_at.cmp(&sb.ends_at),
        "pending" => sa.starts_at.cmp(&sb.starts_at),
        _ => sb.ends_at.cmp(&sa.ends_at),
    })
}

/// The API view; fails for silences with several matcher sets, which API v2 cannot show.
fn gettable(s: &SilenceView, state: &'static str) -> Result<GettableSilence, String> {
    if s.extra_matcher_sets {
        return Err(format!(
            "silence '{}' has multiple matcher sets which is not supported by this API version",
            s.id
        ));
    }
    Ok(GettableSilence {
        id: s.id.clone(),
        status: SilenceStatus { state },
        updated_at: api_time(s.updated_at),
        annotations: s.annotations.clone(),
        comment: s.comment.clone(),
        created_by: s.created_by.clone(),
        ends_at: api_time(s.ends_at),
        matchers: s
            .matchers
            .iter()
            .map(|m| MatcherJson {
                is_equal: matches!(m.op(), MatchOp::Equal | MatchOp::Regex),
                is_regex: m.op().is_regex(),
                name: m.name().to_owned(),
                value: m.value().to_owned(),
            })
            .collect(),
        starts_at: api_time(s.starts_at),
    })
}

pub(crate) async fn get_silences(State(api): State<Api>, RawQuery(raw): RawQuery) -> Response {
    let backend = &api.backend;
    let q = Query::parse(raw.as_deref());
    let mut want = [("active", true), ("pending", true), ("expired", true)];
    for (name, flag) in &mut want {
        match q.bool_or(name, true) {
            Ok(v) => *flag = v,
            Err(e) => return e.into_response(),
        }
    }
    let filter = match parse_filter(backend.matcher_mode(), &q.all("filter")) {
        Ok(f) => f,
        Err(e) => return string_error(StatusCode::BAD_REQUEST, &e),
    };
    let now = backend.now();
    let mut kept: Vec<(SilenceView, &'static str)> = backend
        .silences()
        .into_iter()
        .map(|s| {
            let state = silence_state(s.starts_at, s.ends_at, now);
            (s, state)
        })
        .filter(|(s, state)| {
            want.iter().any(|(name, on)| *on && name == state)
                && silence_matches_filter(&s.matchers, &filter)
        })
        .collect();
    kept.sort_by(cmp_silences);
    let mut out = Vec::with_capacity(kept.len());
    for (s, state) in &kept {
        match gettable(s, state) {
            Ok(g) => out.push(g),
            Err(e) => return string_error(StatusCode::INTERNAL_SERVER_ERROR, &e),
        }
    }
    json_response(StatusCode::OK, &out)
}

/// Checks the `silenceID` path parameter as go-swagger's `uuid` format does.
fn check_id(id: &str) -> Result<(), SwaggerError> {
    uuid::Uuid::parse_str(id)
        .map(|_| ())
        .map_err(|_| SwaggerError::invalid_type("silenceID", "path", "uuid", id))
}

pub(crate) async fn get_silence(State(api): State<Api>, Path(id): Path<String>) -> Response {
    if let Err(e) = check_id(&id) {
        return e.into_response();
    }
    let Some(s) = api.backend.silence(&id) else { return empty(StatusCode::NOT_FOUND) };
    let state = silence_state(s.starts_at, s.ends_at, api.backend.now());
    match gettable(&s, state) {
        Ok(g) => json_response(StatusCode::OK, &g),
        Err(e) => string_error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

pub(crate) async fn delete_silence(State(api): State<Api>, Path(id): Path<String>) -> Response {
    if let Err(e) = check_id(&id) {
        return e.into_response();
    }
    match api.backend.expire_silence(&id) {
        Ok(()) => empty(StatusCode::OK),
        Err(ExpireSilenceError::NotFound) => empty(StatusCode::NOT_FOUND),
        Err(ExpireSilenceError::Other(e)) => string_error(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

pub(crate) async fn post_silences(State(api): State<Api>, body: Bytes) -> Response {
    let silence = match parse_postable_silence(&body) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    if silence.starts_at >= silence.ends_at {
        return string_error(
            StatusCode::BAD_REQUEST,
            "Failed to create silence: start time must be before end time",
        );
    }
    if silence.ends_at < api.backend.now() {
        return string_error(
            StatusCode::BAD_REQUEST,
            "Failed to create silence: end time can't be in the past",
        );
    }
    match api.backend.set_silence(silence) {
        Ok(id) => json_response(StatusCode::OK, &PostSilenceOk { silence_id: id }),
        Err(SetSilenceError::NotFound(e)) => string_error(StatusCode::NOT_FOUND, &e),
        Err(SetSilenceError::Invalid(e)) => string_error(StatusCode::BAD_REQUEST, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alertmanager::alert::parse_time;

    #[test]
    fn states_at_the_boundaries() {
        let t = |s: &str| parse_time(s).unwrap();
        let (start, end) = (t("2026-01-01T00:00:00Z"), t("2026-01-01T01:00:00Z"));
        assert_eq!(silence_state(start, end, t("2025-12-31T23:59:59Z")), "pending");
        assert_eq!(silence_state(start, end, start), "active");
        assert_eq!(silence_state(start, end, end), "expired");
    }
}

//! `GET /api/v2/status` and `GET /api/v2/receivers`.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::Api;
use super::filters::{match_map, parse_filter};
use super::json::{
    ClusterStatusJson, ConfigJson, PeerJson, Query, ReceiverJson, StatusJson, VersionInfoJson,
    api_time, json_response, string_error,
};

pub(crate) async fn get_status(State(api): State<Api>) -> Response {
    let b = &api.backend;
    let cluster = b.cluster();
    let mut peers: Vec<PeerJson> =
        cluster.peers.into_iter().map(|(name, address)| PeerJson { name, address }).collect();
    peers.sort();
    let v = b.version();
    let status = StatusJson {
        cluster: ClusterStatusJson { name: cluster.name, status: cluster.status, peers },
        config: ConfigJson { original: b.config_yaml() },
        uptime: api_time(b.start_time()),
        version_info: VersionInfoJson {
            branch: v.branch,
            build_date: v.build_date,
            build_user: v.build_user,
            go_version: v.toolchain,
            revision: v.revision,
            version: v.version,
        },
    };
    json_response(StatusCode::OK, &status)
}

pub(crate) async fn get_receivers(State(api): State<Api>, RawQuery(raw): RawQuery) -> Response {
    let q = Query::parse(raw.as_deref());
    let matchers = match parse_filter(api.backend.matcher_mode(), &q.all("receiver_matchers")) {
        Ok(m) => m,
        Err(e) => {
            return string_error(
                StatusCode::BAD_REQUEST,
                &format!("failed to parse receiver_matchers param: {e}"),
            );
        }
    };
    let out: Vec<ReceiverJson> = api
        .backend
        .receivers()
        .into_iter()
        .filter(|r| matchers.is_empty() || match_map(&matchers, &r.labels))
        .map(|r| ReceiverJson { labels: r.labels, name: r.name })
        .collect();
    json_response(StatusCode::OK, &out)
}

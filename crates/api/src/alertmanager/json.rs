//! The JSON of Alertmanager's API v2, as its OpenAPI spec defines it, and the error bodies of
//! the go-swagger layer that upstream puts in front of its handlers.
//!
//! Output types serialize with upstream's field names; arrays are never `null`. Input types are
//! read from a [`serde_json::Value`] by hand so that a missing required field gives go-swagger's
//! `422 {"code":602,"message":"… in body is required"}` and a wrong type its `400` parse error.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use alertmanager::alert::{Alert, Time, ZERO_TIME, parse_time};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::labels::{Fingerprint, Labels};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

/// go-swagger's error codes (go-openapi/errors): anything from 600 up is served as 422.
pub const INVALID_TYPE_CODE: u16 = 601;
/// A required field or parameter is missing.
pub const REQUIRED_FAIL_CODE: u16 = 602;
/// An array has fewer items than `minItems`.
pub const MIN_ITEMS_FAIL_CODE: u16 = 612;

/// Formats a time as the API does (go-openapi's `strfmt.DateTime`: RFC 3339 with exactly three
/// fractional digits, `2026-01-02T03:04:05.123Z`), in UTC.
pub fn api_time(t: Time) -> String {
    ApiTime(t).to_string()
}

/// A time that displays and serializes as [`api_time`] formats it, without an intermediate
/// string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiTime(pub Time);

impl fmt::Display for ApiTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dt = self.0.to_zoned(jiff::tz::TimeZone::UTC).datetime();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.subsec_nanosecond() / 1_000_000
        )
    }
}

impl Serialize for ApiTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A label set serialized as a JSON object (keys sorted, as Go's encoder sorts map keys).
#[derive(Debug, Clone)]
pub struct LabelSet(pub Labels);

impl Serialize for LabelSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        LabelsRef(&self.0).serialize(s)
    }
}

/// `receiver` reference: `{"name": "..."}`.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiverRef {
    /// The receiver's name.
    pub name: String,
}

/// `alertStatus`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertStatus {
    /// `active`, `suppressed` or `unprocessed`.
    pub state: &'static str,
    /// Ids of the silences muting the alert now.
    pub silenced_by: Vec<String>,
    /// Fingerprints of the alerts inhibiting it now.
    pub inhibited_by: Vec<String>,
    /// Time intervals that muted its group at the group's last flush.
    pub muted_by: Vec<String>,
}

impl AlertStatus {
    /// The status for what mutes an alert: `suppressed` if anything does.
    pub fn new(silenced_by: Vec<String>, inhibited_by: Vec<String>, muted_by: Vec<String>) -> Self {
        let suppressed =
            !silenced_by.is_empty() || !inhibited_by.is_empty() || !muted_by.is_empty();
        AlertStatus {
            state: if suppressed { "suppressed" } else { "active" },
            silenced_by,
            inhibited_by,
            muted_by,
        }
    }
}

/// `gettableAlert`: a stored alert with its receivers and live status. Serialized straight
/// from the alert, fields in the order go-swagger writes them.
#[derive(Debug, Clone)]
pub struct GettableAlert {
    /// The stored alert (`endsAt` as stored: `now + resolve_timeout` for open-ended ones),
    /// shared with the store or the group it was read from.
    pub alert: Arc<Alert>,
    /// Its fingerprint (the listing's sort key).
    pub fingerprint: Fingerprint,
    /// Every receiver the alert routes to.
    pub receivers: Vec<String>,
    /// Status computed at request time.
    pub status: AlertStatus,
}

impl GettableAlert {
    /// The API view of a stored alert.
    pub fn new(alert: impl Into<Arc<Alert>>, status: AlertStatus, receivers: Vec<String>) -> Self {
        let alert = alert.into();
        GettableAlert { fingerprint: alert.fingerprint(), alert, receivers, status }
    }
}

struct Receivers<'a>(&'a [String]);

impl Serialize for Receivers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|name| ReceiverRef { name: name.clone() }))
    }
}

struct LabelsRef<'a>(&'a Labels);

impl Serialize for LabelsRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for l in self.0.iter() {
            map.serialize_entry(l.name, l.value)?;
        }
        map.end()
    }
}

impl Serialize for GettableAlert {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = &self.alert;
        let with_url = !a.generator_url.is_empty();
        let mut map = s.serialize_map(Some(if with_url { 9 } else { 8 }))?;
        map.serialize_entry("annotations", &LabelsRef(&a.annotations))?;
        map.serialize_entry("endsAt", &ApiTime(a.ends_at))?;
        map.serialize_entry("fingerprint", &format_args!("{}", self.fingerprint))?;
        map.serialize_entry("receivers", &Receivers(&self.receivers))?;
        map.serialize_entry("startsAt", &ApiTime(a.starts_at))?;
        map.serialize_entry("status", &self.status)?;
        map.serialize_entry("updatedAt", &ApiTime(a.updated_at))?;
        // `omitempty`, as upstream.
        if with_url {
            map.serialize_entry("generatorURL", &a.generator_url)?;
        }
        map.serialize_entry("labels", &LabelsRef(&a.labels))?;
        map.end()
    }
}

/// `alertGroup`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertGroup {
    /// The group's alerts after filtering.
    pub alerts: Vec<GettableAlert>,
    /// The group labels.
    pub labels: LabelSet,
    /// The receiver of the group's route.
    pub receiver: ReceiverRef,
    /// The route's `labels:`.
    pub route_labels: BTreeMap<String, String>,
}

/// `matcher`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MatcherJson {
    /// Whether the matcher is `=`/`=~` (true) or `!=`/`!~` (false).
    pub is_equal: bool,
    /// Whether the value is a regex.
    pub is_regex: bool,
    /// The label name.
    pub name: String,
    /// The value or regex.
    pub value: String,
}

/// `silenceStatus`.
#[derive(Debug, Clone, Serialize)]
pub struct SilenceStatus {
    /// `active`, `pending` or `expired`.
    pub state: &'static str,
}

/// `gettableSilence`, fields in the order go-swagger writes them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GettableSilence {
    /// The silence id (UUID).
    pub id: String,
    /// Its state now.
    pub status: SilenceStatus,
    /// Last change.
    pub updated_at: String,
    /// Omitted when empty (`omitempty`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Why.
    pub comment: String,
    /// Who.
    pub created_by: String,
    /// End.
    pub ends_at: String,
    /// What it mutes.
    pub matchers: Vec<MatcherJson>,
    /// Start.
    pub starts_at: String,
}

/// `postableSilence`, read from a request body.
#[derive(Debug, Clone, PartialEq)]
pub struct PostableSilence {
    /// Set to update an existing silence.
    pub id: Option<String>,
    /// At least one.
    pub matchers: Vec<PostedMatcher>,
    /// Start.
    pub starts_at: Time,
    /// End.
    pub ends_at: Time,
    /// Who.
    pub created_by: String,
    /// Why.
    pub comment: String,
    /// Free-form annotations (0.32+).
    pub annotations: BTreeMap<String, String>,
}

/// A matcher of a posted silence (`isEqual` defaults to true).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedMatcher {
    /// Label name.
    pub name: String,
    /// Value or regex.
    pub value: String,
    /// `=~`/`!~`.
    pub is_regex: bool,
    /// `=`/`=~`.
    pub is_equal: bool,
}

/// A posted alert before the ingestion rules (§3.2) fill in its times; zero times are unset.
#[derive(Debug, Clone, PartialEq)]
pub struct PostableAlert {
    /// Labels (empty values dropped later).
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
    /// Start, or [`ZERO_TIME`].
    pub starts_at: Time,
    /// End, or [`ZERO_TIME`].
    pub ends_at: Time,
    /// Link to the source.
    pub generator_url: String,
}

impl PostableAlert {
    /// The alert as the store takes it (times still unset where the client left them).
    pub fn into_alert(self) -> Alert {
        Alert {
            labels: Labels::from_pairs(self.labels.iter()),
            annotations: Labels::from_pairs(self.annotations.iter()),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            updated_at: ZERO_TIME,
            generator_url: self.generator_url,
            timeout: false,
        }
    }
}

/// `{"silenceID": "..."}`.
#[derive(Debug, Clone, Serialize)]
pub struct PostSilenceOk {
    /// The id of the created or updated silence.
    #[serde(rename = "silenceID")]
    pub silence_id: String,
}

/// `alertmanagerStatus`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusJson {
    /// Cluster state.
    pub cluster: ClusterStatusJson,
    /// The running config, secrets masked.
    pub config: ConfigJson,
    /// Process start time.
    pub uptime: String,
    /// Build information.
    pub version_info: VersionInfoJson,
}

/// `clusterStatus`.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterStatusJson {
    /// This peer's name; omitted when clustering is disabled.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `ready`, `settling` or `disabled`.
    pub status: String,
    /// Members, sorted by name.
    pub peers: Vec<PeerJson>,
}

/// `peerStatus`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct PeerJson {
    /// Peer name.
    pub name: String,
    /// `host:port`.
    pub address: String,
}

/// `alertmanagerConfig`.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigJson {
    /// The config as YAML, secrets as `<secret>`.
    pub original: String,
}

/// `versionInfo`.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfoJson {
    /// Branch.
    pub branch: String,
    /// Build date.
    pub build_date: String,
    /// Build user.
    pub build_user: String,
    /// Upstream calls it `goVersion`; ours carries the Rust version.
    pub go_version: String,
    /// Revision.
    pub revision: String,
    /// Version.
    pub version: String,
}

/// `receiver`: name and the receiver's labels (omitted when empty).
#[derive(Debug, Clone, Serialize)]
pub struct ReceiverJson {
    /// Labels of the receiver (0.34: `labels:` on a receiver).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Name.
    pub name: String,
}

// ---------------------------------------------------------------------------------------------
// Responses.

/// A JSON response with upstream's API headers.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    json_response_sized(status, body, 128)
}

/// [`json_response`] with the buffer sized up front (`capacity` bytes): large listings then
/// grow it once or never instead of doubling through copies.
pub fn json_response_sized<T: Serialize>(
    status: StatusCode,
    body: &T,
    capacity: usize,
) -> Response {
    let mut bytes = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => {
            let mut resp = (status, bytes).into_response();
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp
        }
        Err(e) => string_error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// A handler error: the message as a JSON string body, as go-swagger responders write it.
pub fn string_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::to_vec(message).unwrap_or_default();
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// An empty response with a status (upstream's responders without payload).
pub fn empty(status: StatusCode) -> Response {
    status.into_response()
}

/// An error of the go-swagger validation layer, `{"code":N,"message":"..."}`. Codes from 600
/// up are served with status 422.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwaggerError {
    /// go-openapi's code: an HTTP status or a 6xx validation code.
    pub code: u16,
    /// The message.
    pub message: String,
}

impl SwaggerError {
    /// A body that is not valid JSON for its type (400).
    pub fn parse(param: &str, reason: impl std::fmt::Display) -> Self {
        SwaggerError {
            code: 400,
            message: format!("parsing {param} body from \"\" failed, because {reason}"),
        }
    }

    /// A missing required field: `<path> in body is required` (422).
    pub fn required(path: &str, location: &str) -> Self {
        SwaggerError {
            code: REQUIRED_FAIL_CODE,
            message: format!("{path} in {location} is required"),
        }
    }

    /// A parameter of the wrong type: `<name> in <location> must be of type <ty>: "<value>"`.
    pub fn invalid_type(name: &str, location: &str, ty: &str, value: &str) -> Self {
        SwaggerError {
            code: INVALID_TYPE_CODE,
            message: format!("{name} in {location} must be of type {ty}: {value:?}"),
        }
    }
}

impl IntoResponse for SwaggerError {
    fn into_response(self) -> Response {
        let status = if self.code >= 600 {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::from_u16(self.code).unwrap_or(StatusCode::BAD_REQUEST)
        };
        json_response(status, &serde_json::json!({"code": self.code, "message": self.message}))
    }
}

/// A request the handler refuses: go-swagger's validation error, or a handler error (a JSON
/// string body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// From the validation layer.
    Swagger(SwaggerError),
    /// From the handler.
    Handler(StatusCode, String),
}

impl ApiError {
    /// A 400 with a JSON string body.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::Handler(StatusCode::BAD_REQUEST, message.into())
    }
}

impl From<SwaggerError> for ApiError {
    fn from(e: SwaggerError) -> Self {
        ApiError::Swagger(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Swagger(e) => e.into_response(),
            ApiError::Handler(status, message) => string_error(status, &message),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request bodies.

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go's decoder error for a value of the wrong JSON type.
fn wrong_type(param: &str, field: &str, want: &str, got: &Value) -> SwaggerError {
    SwaggerError::parse(
        param,
        format!(
            "json: cannot unmarshal {} into Go struct field {field} of type {want}",
            type_name(got)
        ),
    )
}

fn string_map(
    param: &str,
    field: &str,
    v: Option<&Value>,
) -> Result<Option<BTreeMap<String, String>>, SwaggerError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(obj)) => {
            let mut out = BTreeMap::new();
            for (k, v) in obj {
                match v {
                    Value::String(s) => {
                        out.insert(k.clone(), s.clone());
                    }
                    // Go decodes a null map value as the zero string.
                    Value::Null => {
                        out.insert(k.clone(), String::new());
                    }
                    other => {
                        return Err(wrong_type(param, &format!("{field}.{k}"), "string", other));
                    }
                }
            }
            Ok(Some(out))
        }
        Some(other) => Err(wrong_type(param, field, "models.LabelSet", other)),
    }
}

fn string_field(
    param: &str,
    field: &str,
    v: Option<&Value>,
) -> Result<Option<String>, SwaggerError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(param, field, "string", other)),
    }
}

fn bool_field(param: &str, field: &str, v: Option<&Value>) -> Result<Option<bool>, SwaggerError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(wrong_type(param, field, "bool", other)),
    }
}

/// A `date-time` field: absent, null and `""` are the zero time, as strfmt reads them.
fn time_field(param: &str, field: &str, v: Option<&Value>) -> Result<Option<Time>, SwaggerError> {
    match string_field(param, field, v)? {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(Some(ZERO_TIME)),
        Some(s) => parse_time(&s).map(Some).map_err(|e| SwaggerError::parse(param, e)),
    }
}

fn parse_json(param: &str, body: &[u8]) -> Result<Value, SwaggerError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(SwaggerError::required(param, "body"));
    }
    serde_json::from_slice(body).map_err(|e| SwaggerError::parse(param, e))
}

/// Reads the body of `POST /api/v2/alerts`: an array of `postableAlert`.
pub fn parse_postable_alerts(body: &[u8]) -> Result<Vec<PostableAlert>, SwaggerError> {
    const PARAM: &str = "alerts";
    let value = parse_json(PARAM, body)?;
    let Value::Array(items) = value else {
        return Err(wrong_type(PARAM, "alerts", "models.PostableAlerts", &value));
    };
    let mut out = Vec::with_capacity(items.len());
    // Go decodes the whole array before validating, so a type error anywhere wins over a
    // missing field earlier in the array.
    let mut missing: Option<SwaggerError> = None;
    for (i, item) in items.iter().enumerate() {
        let obj = match item {
            Value::Object(obj) => obj,
            // A null element decodes to a nil pointer, which go-swagger skips.
            Value::Null => continue,
            other => return Err(wrong_type(PARAM, "alerts", "models.PostableAlert", other)),
        };
        let labels = string_map(PARAM, "PostableAlert.labels", obj.get("labels"))?;
        let annotations = string_map(PARAM, "PostableAlert.annotations", obj.get("annotations"))?;
        let starts_at = time_field(PARAM, "PostableAlert.startsAt", obj.get("startsAt"))?;
        let ends_at = time_field(PARAM, "PostableAlert.endsAt", obj.get("endsAt"))?;
        let generator_url =
            string_field(PARAM, "PostableAlert.generatorURL", obj.get("generatorURL"))?;
        let Some(labels) = labels else {
            missing.get_or_insert_with(|| SwaggerError::required(&format!("{i}.labels"), "body"));
            continue;
        };
        out.push(PostableAlert {
            labels,
            annotations: annotations.unwrap_or_default(),
            starts_at: starts_at.unwrap_or(ZERO_TIME),
            ends_at: ends_at.unwrap_or(ZERO_TIME),
            generator_url: generator_url.unwrap_or_default(),
        });
    }
    match missing {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Reads the body of `POST /api/v2/silences`: a `postableSilence`.
pub fn parse_postable_silence(body: &[u8]) -> Result<PostableSilence, SwaggerError> {
    const PARAM: &str = "silence";
    let value = parse_json(PARAM, body)?;
    let Value::Object(obj) = &value else {
        return Err(wrong_type(PARAM, "silence", "models.PostableSilence", &value));
    };
    // Decode everything first (type errors are 400), then check required fields in the order
    // go-swagger validates them (alphabetical), reporting the first.
    let id = string_field(PARAM, "PostableSilence.id", obj.get("id"))?;
    let annotations = string_map(PARAM, "PostableSilence.annotations", obj.get("annotations"))?;
    let comment = string_field(PARAM, "PostableSilence.comment", obj.get("comment"))?;
    let created_by = string_field(PARAM, "PostableSilence.createdBy", obj.get("createdBy"))?;
    let ends_at = time_field(PARAM, "PostableSilence.endsAt", obj.get("endsAt"))?;
    let starts_at = time_field(PARAM, "PostableSilence.startsAt", obj.get("startsAt"))?;
    let matchers = match obj.get("matchers") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut ms = Vec::with_capacity(items.len());
            for item in items {
                let Value::Object(m) = item else {
                    return Err(wrong_type(
                        PARAM,
                        "PostableSilence.matchers",
                        "models.Matcher",
                        item,
                    ));
                };
                ms.push((
                    string_field(PARAM, "PostableSilence.matchers.name", m.get("name"))?,
                    string_field(PARAM, "PostableSilence.matchers.value", m.get("value"))?,
                    bool_field(PARAM, "PostableSilence.matchers.isRegex", m.get("isRegex"))?,
                    bool_field(PARAM, "PostableSilence.matchers.isEqual", m.get("isEqual"))?,
                ));
            }
            Some(ms)
        }
        Some(other) => {
            return Err(wrong_type(PARAM, "PostableSilence.matchers", "models.Matchers", other));
        }
    };

    let Some(comment) = comment else { return Err(SwaggerError::required("comment", "body")) };
    let Some(created_by) = created_by else {
        return Err(SwaggerError::required("createdBy", "body"));
    };
    let Some(ends_at) = ends_at else { return Err(SwaggerError::required("endsAt", "body")) };
    let Some(raw_matchers) = matchers else {
        return Err(SwaggerError::required("matchers", "body"));
    };
    if raw_matchers.is_empty() {
        return Err(SwaggerError {
            code: MIN_ITEMS_FAIL_CODE,
            message: "matchers in body should have at least 1 items".to_owned(),
        });
    }
    let mut matchers = Vec::with_capacity(raw_matchers.len());
    for (i, (name, value, is_regex, is_equal)) in raw_matchers.into_iter().enumerate() {
        let Some(is_regex) = is_regex else {
            return Err(SwaggerError::required(&format!("matchers.{i}.isRegex"), "body"));
        };
        let Some(name) = name else {
            return Err(SwaggerError::required(&format!("matchers.{i}.name"), "body"));
        };
        let Some(value) = value else {
            return Err(SwaggerError::required(&format!("matchers.{i}.value"), "body"));
        };
        matchers.push(PostedMatcher { name, value, is_regex, is_equal: is_equal.unwrap_or(true) });
    }
    let Some(starts_at) = starts_at else { return Err(SwaggerError::required("startsAt", "body")) };
    Ok(PostableSilence {
        id: id.filter(|s| !s.is_empty()),
        matchers,
        starts_at,
        ends_at,
        created_by,
        comment,
        annotations: annotations.unwrap_or_default(),
    })
}

// ---------------------------------------------------------------------------------------------
// Query parameters.

/// The query string as (name, value) pairs in order, repeated names kept.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Parses `a=1&b=2&a=3`.
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Query(pairs)
    }

    /// Every value of `name`, in order. go-swagger's `collectionFormat: multi`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// The first value of `name` (Go's `url.Values.Get`).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A boolean parameter with a default, parsed as go-openapi's `swag.ConvertBool` does;
    /// an empty value keeps the default.
    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool, SwaggerError> {
        match self.first(name) {
            None | Some("") => Ok(default),
            Some(raw) => match raw.to_ascii_lowercase().trim() {
                "true" | "1" | "yes" | "ok" | "y" | "on" | "selected" | "checked" | "t"
                | "enabled" => Ok(true),
                "false" | "0" | "no" | "n" | "off" | "f" | "disabled" => Ok(false),
                _ => Err(SwaggerError::invalid_type(name, "query", "bool", raw)),
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Fast path for `POST /api/v2/alerts`

/// Reads a well-formed `POST /api/v2/alerts` body straight into alerts, borrowing strings from
/// the body where they need no unescaping: no [`Value`] tree, no per-field `String`s.
///
/// `None` for anything it does not accept as is (bad JSON, a wrong type, a missing `labels`,
/// an unparsable time, a repeated field): the caller then runs [`parse_postable_alerts`], which
/// produces go-swagger's exact error. Where both accept a body they give the same alerts.
pub fn parse_alerts_fast(body: &[u8]) -> Option<Vec<Alert>> {
    let items: Vec<Option<fast::Posted<'_>>> = serde_json::from_slice(body).ok()?;
    let mut out: Vec<Alert> = Vec::with_capacity(items.len());
    for item in items.into_iter().flatten() {
        let alert = item.into_alert(out.last().map(|a| &a.annotations))?;
        out.push(alert);
    }
    Some(out)
}

mod fast {
    use std::borrow::Cow;
    use std::fmt;

    use alertmanager::alert::{Alert, Time, ZERO_TIME, parse_time};
    use model::labels::Labels;
    use serde::Deserialize;
    use serde::de::{self, Deserializer, MapAccess, Visitor};

    /// A `postableAlert` with borrowed strings.
    #[derive(Deserialize)]
    pub(super) struct Posted<'a> {
        #[serde(borrow, default)]
        labels: Option<Pairs<'a>>,
        #[serde(borrow, default)]
        annotations: Option<Pairs<'a>>,
        #[serde(borrow, default, rename = "startsAt")]
        starts_at: Option<Str<'a>>,
        #[serde(borrow, default, rename = "endsAt")]
        ends_at: Option<Str<'a>>,
        #[serde(borrow, default, rename = "generatorURL")]
        generator_url: Option<Str<'a>>,
    }

    impl Posted<'_> {
        /// `prev`: the previous alert's annotations, shared when these are the same (alerts
        /// of one rule often carry identical annotations).
        pub(super) fn into_alert(self, prev: Option<&Labels>) -> Option<Alert> {
            let labels = self.labels?;
            let annotations = match (self.annotations, prev) {
                (Some(p), Some(prev)) if p.same_as(prev) => prev.clone(),
                (Some(p), _) => p.labels(),
                (None, _) => Labels::default(),
            };
            Some(Alert {
                labels: labels.labels(),
                annotations,
                starts_at: time(self.starts_at)?,
                ends_at: time(self.ends_at)?,
                updated_at: ZERO_TIME,
                generator_url: self.generator_url.map(|s| s.0.into_owned()).unwrap_or_default(),
                timeout: false,
            })
        }
    }

    /// As the slow path's `time_field`: absent, null and `""` are the zero time.
    fn time(s: Option<Str<'_>>) -> Option<Time> {
        match s {
            None => Some(ZERO_TIME),
            Some(s) if s.0.is_empty() => Some(ZERO_TIME),
            Some(s) => parse_time(&s.0).ok(),
        }
    }

    /// A JSON string, borrowed when it has no escapes.
    pub(super) struct Str<'a>(Cow<'a, str>);

    impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Str<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                    Ok(Str(Cow::Borrowed(v)))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                    Ok(Str(Cow::Owned(v.to_owned())))
                }
                fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
                    Ok(Str(Cow::Owned(v)))
                }
            }
            d.deserialize_str(V)
        }
    }

    /// A JSON object of strings (a null value is the empty string, as Go decodes it).
    pub(super) struct Pairs<'a>(Vec<(Str<'a>, Option<Str<'a>>)>);

    impl Pairs<'_> {
        /// Whether these pairs, in strictly increasing name order (so without repeats), are
        /// exactly `ls`.
        fn same_as(&self, ls: &Labels) -> bool {
            self.0.len() == ls.len()
                && self.0.windows(2).all(|w| w[0].0.0 < w[1].0.0)
                && self.0.iter().zip(ls.iter()).all(|((k, v), l)| {
                    k.0 == l.name && v.as_ref().map_or("", |v| v.0.as_ref()) == l.value
                })
        }

        fn labels(&self) -> Labels {
            // `from_pairs` sorts stably and keeps the last of repeated names, as a JSON object
            // decoded into a map does.
            Labels::from_pairs(
                self.0.iter().map(|(k, v)| (k.0.as_ref(), v.as_ref().map_or("", |v| v.0.as_ref()))),
            )
        }
    }

    impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Pairs<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object of strings")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Pairs<'de>, A::Error> {
                    let mut out = Vec::with_capacity(m.size_hint().unwrap_or(4));
                    while let Some(e) = m.next_entry::<Str<'de>, Option<Str<'de>>>()? {
                        out.push(e);
                    }
                    Ok(Pairs(out))
                }
            }
            d.deserialize_map(V)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_time_has_three_fraction_digits() {
        let t = parse_time("2026-01-02T03:04:05.123456789+01:00").unwrap();
        assert_eq!(api_time(t), "2026-01-02T02:04:05.123Z");
        assert_eq!(api_time(ZERO_TIME), "0001-01-01T00:00:00.000Z");
    }

    #[test]
    fn alerts_body_errors_are_go_swagger_shaped() {
        let e = parse_postable_alerts(b"[{").unwrap_err();
        assert_eq!(e.code, 400);
        assert!(
            e.message.starts_with("parsing alerts body from \"\" failed, because"),
            "{}",
            e.message
        );
        let e = parse_postable_alerts(br#"[{"labels":{"a":"b"}},{"annotations":{}}]"#).unwrap_err();
        assert_eq!(e, SwaggerError::required("1.labels", "body"));
        let e = parse_postable_alerts(br#"[{"labels":{"a":1}}]"#).unwrap_err();
        assert_eq!(e.code, 400);
        let e =
            parse_postable_alerts(br#"[{"labels":{"a":"b"},"startsAt":"yesterday"}]"#).unwrap_err();
        assert_eq!(e.code, 400);
        assert_eq!(parse_postable_alerts(b"").unwrap_err().code, REQUIRED_FAIL_CODE);
    }

    #[test]
    fn alerts_body_zero_and_missing_times_are_unset() {
        let a = parse_postable_alerts(
            br#"[{"labels":{"a":"b"},"startsAt":"0001-01-01T00:00:00.000Z","endsAt":""}]"#,
        )
        .unwrap();
        assert_eq!(a[0].starts_at, ZERO_TIME);
        assert_eq!(a[0].ends_at, ZERO_TIME);
        assert_eq!(a[0].labels.get("a").map(String::as_str), Some("b"));
    }

    #[test]
    fn silence_body_required_fields() {
        let ok = br#"{"matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-02T00:00:00Z","createdBy":"me","comment":"c"}"#;
        let s = parse_postable_silence(ok).unwrap();
        assert!(s.matchers[0].is_equal);
        assert_eq!(s.id, None);

        let no_comment = br#"{"matchers":[],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-02T00:00:00Z","createdBy":"me"}"#;
        assert_eq!(
            parse_postable_silence(no_comment).unwrap_err(),
            SwaggerError::required("comment", "body")
        );
        let empty_matchers = br#"{"matchers":[],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-02T00:00:00Z","createdBy":"me","comment":""}"#;
        assert_eq!(parse_postable_silence(empty_matchers).unwrap_err().code, MIN_ITEMS_FAIL_CODE);
        let no_is_regex = br#"{"matchers":[{"name":"a","value":"b"}],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-02T00:00:00Z","createdBy":"me","comment":""}"#;
        assert_eq!(
            parse_postable_silence(no_is_regex).unwrap_err(),
            SwaggerError::required("matchers.0.isRegex", "body")
        );
    }

    #[test]
    fn bools_parse_like_swag() {
        let q = Query::parse(Some("a=false&b=1&c=&d=maybe&f=x&f=y"));
        assert!(!q.bool_or("a", true).unwrap());
        assert!(q.bool_or("b", false).unwrap());
        assert!(q.bool_or("c", true).unwrap());
        assert!(q.bool_or("missing", true).unwrap());
        assert_eq!(q.bool_or("d", true).unwrap_err().code, INVALID_TYPE_CODE);
        assert_eq!(q.all("f"), vec!["x", "y"]);
    }

    #[test]
    fn fast_alert_parsing_agrees_with_the_general_parser() {
        let accepted = [
            r#"[{"labels":{"alertname":"a","job":"x"},"annotations":{"s":"v"},"generatorURL":"http://g"}]"#,
            r#"[{"labels":{"b":"2","a":"1","b":"3"},"startsAt":"2026-01-02T03:04:05.5+01:00","endsAt":""}]"#,
            r#"[null,{"labels":{"a":"caf\u00e9 \"q\"","e":null},"annotations":null,"extra":{"x":[1,2]}}]"#,
            r#"[]"#,
        ];
        for body in accepted {
            let slow: Vec<Alert> = parse_postable_alerts(body.as_bytes())
                .unwrap()
                .into_iter()
                .map(PostableAlert::into_alert)
                .collect();
            assert_eq!(parse_alerts_fast(body.as_bytes()), Some(slow), "{body}");
        }
        let refused = [
            "",
            "  ",
            "{}",
            r#"[{"annotations":{}}]"#,
            r#"[{"labels":null}]"#,
            r#"[{"labels":{"a":1}}]"#,
            r#"[{"labels":{"a":"1"},"startsAt":"yesterday"}]"#,
            r#"[{"labels":{"a":"1"},"generatorURL":5}]"#,
            r#"[{"labels":{"a":"1"}}"#,
            r#"[{"labels":{"a":"1"},"labels":{"b":"2"}}]"#,
        ];
        for body in refused {
            assert_eq!(parse_alerts_fast(body.as_bytes()), None, "{body}");
        }
        // Equal annotations are shared, different ones are not mixed up.
        let body = r#"[{"labels":{"a":"1"},"annotations":{"s":"x","t":"y"}},
            {"labels":{"a":"2"},"annotations":{"s":"x","t":"y"}},
            {"labels":{"a":"3"},"annotations":{"s":"x","s":"z"}},
            {"labels":{"a":"4"},"annotations":{"t":"y","s":"x"}}]"#;
        let alerts = parse_alerts_fast(body.as_bytes()).unwrap();
        let ann: Vec<String> = alerts.iter().map(|a| a.annotations.to_string()).collect();
        assert_eq!(
            ann,
            ["{s=\"x\", t=\"y\"}", "{s=\"x\", t=\"y\"}", "{s=\"z\"}", "{s=\"x\", t=\"y\"}",]
        );
    }
}

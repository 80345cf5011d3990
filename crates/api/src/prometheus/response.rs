//! The response envelope: `{"status","data","errorType","error","warnings","infos"}`, error
//! types and their HTTP codes, CORS headers.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::json::{Json, write_str};

/// Prometheus' error types (`errorType` in the envelope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    Timeout,
    Canceled,
    Execution,
    BadData,
    Internal,
    Unavailable,
    NotFound,
    NotAcceptable,
}

impl ErrorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Timeout => "timeout",
            ErrorType::Canceled => "canceled",
            ErrorType::Execution => "execution",
            ErrorType::BadData => "bad_data",
            ErrorType::Internal => "internal",
            ErrorType::Unavailable => "unavailable",
            ErrorType::NotFound => "not_found",
            ErrorType::NotAcceptable => "not_acceptable",
        }
    }

    /// The HTTP status upstream answers with (499 is nginx's "client closed request").
    pub fn status(self) -> StatusCode {
        match self {
            ErrorType::BadData => StatusCode::BAD_REQUEST,
            ErrorType::Execution => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorType::Canceled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
            ErrorType::Timeout | ErrorType::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorType::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorType::NotFound => StatusCode::NOT_FOUND,
            ErrorType::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
        }
    }
}

/// A failed API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorType,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorType, message: impl Into<String>) -> Self {
        ApiError { kind, message: message.into() }
    }

    pub fn bad_data(message: impl Into<String>) -> Self {
        ApiError::new(ErrorType::BadData, message)
    }

    /// `invalid parameter "<name>": <err>`, upstream's wording for a bad parameter.
    pub fn invalid_param(name: &str, err: impl std::fmt::Display) -> Self {
        ApiError::bad_data(format!("invalid parameter \"{name}\": {err}"))
    }
}

/// What a handler produced: data (already JSON) plus annotations, or an error.
#[derive(Debug)]
pub struct Success {
    /// The `data` member, written as JSON (its last piece when `pieces` is not empty).
    pub data: String,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
    /// For large results: the body's earlier pieces, from the envelope's opening on, and
    /// `data` the last one ([`Pieces`]).
    pieces: Option<Vec<String>>,
}

/// The start of every successful response body, up to the `data` member's value.
const OPENING: &str = r#"{"status":"success","data":"#;

/// A body written in pieces of at most about [`Pieces::PIECE`] bytes, sent one after the
/// other.
///
/// A result of many megabytes written into one `String` is one allocation of that size,
/// which glibc serves with `mmap`; freeing it raises glibc's mmap threshold (and trim
/// threshold) to its size, after which such buffers come from, and stay in, the heap of the
/// thread that made them: the process's RSS then keeps several results' worth. Pieces below
/// the threshold never move it.
#[derive(Debug)]
pub struct Pieces {
    done: Vec<String>,
    /// The piece being written.
    pub cur: String,
}

impl Pieces {
    /// Below glibc's initial mmap threshold (128 KiB) with room for one more element.
    const PIECE: usize = 64 * 1024;
    const FLUSH: usize = 32 * 1024;

    /// Pieces of a success body: the first starts with the envelope's opening, then the
    /// `data` member is written into [`Pieces::cur`].
    pub fn new() -> Self {
        let mut p = Pieces::empty();
        p.cur.push_str(OPENING);
        p
    }

    /// Pieces of anything.
    pub fn empty() -> Self {
        Pieces { done: Vec::new(), cur: String::with_capacity(Self::PIECE) }
    }

    /// Everything written, as one string.
    pub fn concat(mut self) -> String {
        self.done.push(self.cur);
        self.done.concat()
    }

    /// Starts a new piece when the current one is full enough; call between elements.
    pub fn maybe_flush(&mut self) {
        if self.cur.len() >= Self::FLUSH {
            let full = std::mem::replace(&mut self.cur, String::with_capacity(Self::PIECE));
            self.done.push(full);
        }
    }

    /// The `data` member written, with the annotations.
    pub fn into_success(self, warnings: Vec<String>, infos: Vec<String>) -> Success {
        Success { data: self.cur, warnings, infos, pieces: Some(self.done) }
    }
}

impl Default for Pieces {
    fn default() -> Self {
        Pieces::new()
    }
}

impl Success {
    pub fn json(data: &Json) -> Self {
        Success::raw(data.to_json_string())
    }

    pub fn raw(data: String) -> Self {
        Success { data, warnings: Vec::new(), infos: Vec::new(), pieces: None }
    }
}

pub type ApiResult = Result<Success, ApiError>;

/// Upstream shows at most this many warnings and infos each, then a count of the rest.
const MAX_ANNOTATIONS: usize = 10;

fn capped(mut items: Vec<String>, what: &str) -> Vec<String> {
    if items.len() > MAX_ANNOTATIONS {
        let skipped = items.len() - MAX_ANNOTATIONS;
        items.truncate(MAX_ANNOTATIONS);
        items.push(format!("{skipped} more {what} annotations omitted"));
    }
    items
}

/// The response body of a call, in the pieces it was written in (one for most calls).
pub fn body_pieces(result: ApiResult) -> Vec<String> {
    let (mut pieces, mut out) = match result {
        Ok(s) => {
            let (pieces, mut out) = match s.pieces {
                Some(done) => (done, s.data),
                None => {
                    let mut out = String::with_capacity(OPENING.len() + s.data.len() + 64);
                    out.push_str(OPENING);
                    out.push_str(&s.data);
                    (Vec::new(), out)
                }
            };
            for (key, items, what) in
                [("warnings", s.warnings, "warning"), ("infos", s.infos, "info")]
            {
                if !items.is_empty() {
                    out.push_str(",\"");
                    out.push_str(key);
                    out.push_str("\":");
                    Json::strings(capped(items, what)).write(&mut out);
                }
            }
            (pieces, out)
        }
        Err(e) => {
            let mut out = String::with_capacity(64 + e.message.len());
            out.push_str(r#"{"status":"error","errorType":"#);
            write_str(&mut out, e.kind.as_str());
            out.push_str(r#","error":"#);
            write_str(&mut out, &e.message);
            (Vec::new(), out)
        }
    };
    out.push('}');
    pieces.push(out);
    pieces
}

/// The whole response body of a call as one string.
pub fn body(result: ApiResult) -> String {
    body_pieces(result).concat()
}

/// Turns a call's result into the HTTP response, with CORS headers for `origin`.
pub fn respond(result: ApiResult, request_headers: &HeaderMap) -> Response {
    let status = match &result {
        Ok(_) => StatusCode::OK,
        Err(e) => e.kind.status(),
    };
    let mut pieces = body_pieces(result);
    let body = if pieces.len() == 1 {
        axum::body::Body::from(pieces.pop().unwrap_or_default())
    } else {
        let stream = futures::stream::iter(
            pieces.into_iter().map(|p| Ok::<_, std::convert::Infallible>(p.into_bytes())),
        );
        axum::body::Body::from_stream(stream)
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    set_cors(headers, request_headers);
    response
}

/// Upstream's CORS headers with the default origin pattern `.*`.
pub fn set_cors(headers: &mut HeaderMap, request_headers: &HeaderMap) {
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if request_headers.get(header::ORIGIN).is_none() {
        return;
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Accept, Authorization, Content-Type, Origin"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("Date"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes() {
        let mut ok = Success::raw("[]".into());
        ok.warnings.push("w".into());
        assert_eq!(body(Ok(ok)), r#"{"status":"success","data":[],"warnings":["w"]}"#);
        // Written in pieces: the same body.
        let mut p = Pieces::new();
        p.cur.push('[');
        for i in 0..20_000 {
            if i > 0 {
                p.cur.push(',');
            }
            p.cur.push_str(&i.to_string());
            p.maybe_flush();
        }
        p.cur.push(']');
        let pieces = body_pieces(Ok(p.into_success(vec!["w".into()], vec!["i".into()])));
        assert!(pieces.len() > 2);
        assert!(pieces.iter().all(|p| p.capacity() <= Pieces::PIECE));
        let whole = pieces.concat();
        let v: serde_json::Value = serde_json::from_str(&whole).unwrap();
        assert_eq!(v["data"].as_array().unwrap().len(), 20_000);
        assert_eq!(v["warnings"][0], "w");
        assert_eq!(v["infos"][0], "i");
        let err = Err(ApiError::invalid_param("query", "parse error"));
        assert_eq!(
            body(err),
            r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": parse error"}"#
        );
    }

    #[test]
    fn too_many_warnings_are_counted() {
        let warnings: Vec<String> = (0..13).map(|i| format!("w{i}")).collect();
        let mut ok = Success::raw("1".into());
        ok.warnings = warnings;
        let v: serde_json::Value = serde_json::from_str(&body(Ok(ok))).unwrap();
        let w = v["warnings"].as_array().unwrap();
        assert_eq!(w.len(), 11);
        assert_eq!(w[10], "3 more warning annotations omitted");
    }

    #[test]
    fn error_codes() {
        assert_eq!(ErrorType::BadData.status().as_u16(), 400);
        assert_eq!(ErrorType::Execution.status().as_u16(), 422);
        assert_eq!(ErrorType::Canceled.status().as_u16(), 499);
        assert_eq!(ErrorType::Timeout.status().as_u16(), 503);
        assert_eq!(ErrorType::Internal.status().as_u16(), 500);
        assert_eq!(ErrorType::NotFound.status().as_u16(), 404);
        assert_eq!(ErrorType::NotAcceptable.status().as_u16(), 406);
        assert_eq!(ErrorType::Unavailable.status().as_u16(), 503);
    }
}

//! One scrape's HTTP exchange: the request headers Prometheus sends, the body read under
//! `body_size_limit` (inflated on the fly when gzipped), and the `Content-Type` → parser choice.
//!
//! The client is an `httpclient::Client` built from the job's `http_config` (TLS, proxy,
//! redirects, auth and configured headers on every request).

use std::io::Write;
use std::time::Duration;

use config::ScrapeProtocol;
use httpclient::HttpClientConfig;

use crate::exposition::Format;

/// The `User-Agent` of scrapes. Exporters do not look at it, but proxies and access logs
/// sometimes match on `Prometheus/`, so that product token comes first and ours follows.
pub const USER_AGENT: &str = concat!("Prometheus/3.14.0 klaxon/", env!("CARGO_PKG_VERSION"));

/// Builds the HTTP client of a scrape pool from the job's `http_config`.
pub fn http_client(cfg: &HttpClientConfig) -> Result<httpclient::Client, String> {
    httpclient::Client::new(cfg, USER_AGENT)
}

/// The media type and parameters Prometheus writes for each protocol.
fn protocol_header(p: ScrapeProtocol) -> &'static str {
    match p {
        ScrapeProtocol::PrometheusProto => {
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
        }
        ScrapeProtocol::PrometheusText0_0_4 => "text/plain;version=0.0.4",
        ScrapeProtocol::PrometheusText1_0_0 => "text/plain;version=1.0.0",
        ScrapeProtocol::OpenMetricsText0_0_1 => "application/openmetrics-text;version=0.0.1",
        ScrapeProtocol::OpenMetricsText1_0_0 => "application/openmetrics-text;version=1.0.0",
    }
}

/// The protocols asked for when a job names none (native histograms off).
pub const DEFAULT_SCRAPE_PROTOCOLS: [ScrapeProtocol; 4] = [
    ScrapeProtocol::OpenMetricsText1_0_0,
    ScrapeProtocol::OpenMetricsText0_0_1,
    ScrapeProtocol::PrometheusText1_0_0,
    ScrapeProtocol::PrometheusText0_0_4,
];

/// The `Accept` header as upstream builds it: protocols in the configured order with falling
/// q-values starting at `0.<n+1>` for n known protocols, the escaping scheme on the versions that
/// understand it, and `*/*` last. `escaping` is `allow-utf-8` under the UTF-8 validation scheme.
pub fn accept_header(protocols: &[ScrapeProtocol], escaping: &str) -> String {
    let protocols = if protocols.is_empty() { &DEFAULT_SCRAPE_PROTOCOLS[..] } else { protocols };
    // Upstream's weight starts at the number of known protocols plus one.
    let mut weight = 5 + 1;
    let mut out = String::with_capacity(256);
    for &p in protocols {
        out.push_str(protocol_header(p));
        if matches!(p, ScrapeProtocol::PrometheusText1_0_0 | ScrapeProtocol::OpenMetricsText1_0_0) {
            out.push_str(";escaping=");
            out.push_str(escaping);
        }
        out.push_str(&format!(";q=0.{weight},"));
        weight = (weight - 1).max(0);
    }
    out.push_str(&format!("*/*;q=0.{weight}"));
    out
}

/// Picks the parser for a response's `Content-Type`. As Prometheus 3, a missing or unknown type
/// fails the scrape unless the job sets `fallback_scrape_protocol`.
pub fn format_for(
    content_type: &str,
    fallback: Option<ScrapeProtocol>,
) -> Result<Format, ScrapeError> {
    let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match media.as_str() {
        "application/openmetrics-text" => return Ok(Format::OpenMetrics),
        "text/plain" => return Ok(Format::PrometheusText),
        _ => {}
    }
    let Some(fallback) = fallback else {
        return Err(ScrapeError::ContentType(if media.is_empty() {
            "non-compliant scrape target sending blank Content-Type and no \
             fallback_scrape_protocol specified for target"
                .to_string()
        } else {
            format!(
                "received unsupported Content-Type {content_type:?} and no \
                 fallback_scrape_protocol specified for target"
            )
        }));
    };
    match fallback {
        ScrapeProtocol::OpenMetricsText0_0_1 | ScrapeProtocol::OpenMetricsText1_0_0 => {
            Ok(Format::OpenMetrics)
        }
        ScrapeProtocol::PrometheusText0_0_4 | ScrapeProtocol::PrometheusText1_0_0 => {
            Ok(Format::PrometheusText)
        }
        ScrapeProtocol::PrometheusProto => Err(ScrapeError::ContentType(
            "the protobuf exposition format is not supported".to_string(),
        )),
    }
}

/// Why a scrape failed; the text is what `/api/v1/targets` shows as `lastError`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScrapeError {
    #[error("Get {url:?}: context deadline exceeded")]
    Timeout { url: String },
    #[error("Get {url:?}: {message}")]
    Http { url: String, message: String },
    #[error("server returned HTTP status {0}")]
    Status(String),
    #[error("body size limit exceeded")]
    BodySizeLimit,
    #[error("{0}")]
    ContentType(String),
    #[error("{0}")]
    Parse(String),
    #[error("sample limit exceeded")]
    SampleLimit,
    #[error("{0}")]
    LabelLimit(String),
    /// `target_limit` exceeded, an invalid interval, ...: the loop reports it without scraping.
    #[error("{0}")]
    Forced(String),
}

/// An in-process stand-in for targets, for tests that run under paused tokio time (where real
/// sockets race the timers): it answers each scrape of `url` without any I/O.
pub trait InProcessTargets: Send + Sync + std::fmt::Debug {
    fn respond(&self, url: &str) -> InProcessResponse;
}

/// One answer of an [`InProcessTargets`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InProcessResponse {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// How long the answer takes (a value beyond the timeout makes the scrape time out).
    pub delay: Duration,
}

/// How scrapes reach targets.
#[derive(Debug, Clone)]
pub enum Transport {
    Http(httpclient::Client),
    InProcess(std::sync::Arc<dyn InProcessTargets>),
}

/// What one target's scrapes send and how the body is read.
#[derive(Debug, Clone)]
pub struct Fetcher {
    transport: Transport,
    url: String,
    accept: String,
    compression: bool,
    timeout: Duration,
    /// 0 = unlimited.
    body_size_limit: u64,
}

impl Fetcher {
    pub fn new(
        transport: Transport,
        url: String,
        accept: String,
        compression: bool,
        timeout: Duration,
        body_size_limit: u64,
    ) -> Self {
        Fetcher { transport, url, accept, compression, timeout, body_size_limit }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// GETs the target into `body` (cleared first) and returns the `Content-Type`. The whole
    /// exchange, body included, is bounded by the scrape timeout.
    pub async fn fetch(&self, body: &mut Vec<u8>) -> Result<String, ScrapeError> {
        body.clear();
        match tokio::time::timeout(self.timeout, self.exchange(body)).await {
            Ok(r) => r,
            Err(_) => Err(ScrapeError::Timeout { url: self.url.clone() }),
        }
    }

    async fn exchange(&self, body: &mut Vec<u8>) -> Result<String, ScrapeError> {
        let client = match &self.transport {
            Transport::Http(client) => client,
            Transport::InProcess(targets) => return self.in_process(targets.as_ref(), body).await,
        };
        let http_err = |e: reqwest::Error| ScrapeError::Http {
            url: self.url.clone(),
            message: error_chain(&e),
        };
        let request = client
            .request(reqwest::Method::GET, &self.url)
            .await
            .map_err(|e| ScrapeError::Http { url: self.url.clone(), message: e.to_string() })?;
        let mut resp = request
            .header(reqwest::header::ACCEPT, &self.accept)
            .header(
                reqwest::header::ACCEPT_ENCODING,
                if self.compression { "gzip" } else { "identity" },
            )
            .header("X-Prometheus-Scrape-Timeout-Seconds", seconds_text(self.timeout))
            .send()
            .await
            .map_err(http_err)?;
        check_status(resp.status())?;
        let header =
            |name| resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let gzipped = header(reqwest::header::CONTENT_ENCODING).eq_ignore_ascii_case("gzip");
        let limit = if self.body_size_limit == 0 { u64::MAX } else { self.body_size_limit };
        let sink = LimitedSink { out: body, limit };
        if gzipped {
            let mut inflater = flate2::write::GzDecoder::new(sink);
            while let Some(chunk) = resp.chunk().await.map_err(http_err)? {
                inflater.write_all(&chunk).map_err(|e| body_error(&self.url, e))?;
            }
            inflater.try_finish().map_err(|e| body_error(&self.url, e))?;
        } else {
            let mut sink = sink;
            while let Some(chunk) = resp.chunk().await.map_err(http_err)? {
                sink.write_all(&chunk).map_err(|e| body_error(&self.url, e))?;
            }
        }
        Ok(content_type)
    }
}

fn check_status(status: reqwest::StatusCode) -> Result<(), ScrapeError> {
    if status == reqwest::StatusCode::OK {
        return Ok(());
    }
    Err(ScrapeError::Status(match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }))
}

impl Fetcher {
    async fn in_process(
        &self,
        targets: &dyn InProcessTargets,
        body: &mut Vec<u8>,
    ) -> Result<String, ScrapeError> {
        let r = targets.respond(&self.url);
        if !r.delay.is_zero() {
            tokio::time::sleep(r.delay).await;
        }
        let status = reqwest::StatusCode::from_u16(r.status)
            .map_err(|e| ScrapeError::Http { url: self.url.clone(), message: e.to_string() })?;
        check_status(status)?;
        let limit = if self.body_size_limit == 0 { u64::MAX } else { self.body_size_limit };
        LimitedSink { out: body, limit }
            .write_all(&r.body)
            .map_err(|e| body_error(&self.url, e))?;
        Ok(r.content_type)
    }
}

/// Seconds as Go's `strconv.FormatFloat(s, 'f', -1, 64)` prints them (`10`, `0.5`).
fn seconds_text(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{}", s as u64) } else { format!("{s}") }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn body_error(url: &str, e: std::io::Error) -> ScrapeError {
    if e.kind() == std::io::ErrorKind::FileTooLarge {
        ScrapeError::BodySizeLimit
    } else {
        ScrapeError::Http { url: url.to_string(), message: e.to_string() }
    }
}

/// A writer into the body buffer that fails once the body reaches the limit (upstream fails at
/// `n >= limit`, so a body of exactly the limit fails too).
struct LimitedSink<'a> {
    out: &'a mut Vec<u8>,
    limit: u64,
}

impl Write for LimitedSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() as u64 + buf.len() as u64 >= self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "body size limit exceeded",
            ));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_accept_header_matches_upstream() {
        assert_eq!(
            accept_header(&[], "allow-utf-8"),
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
             application/openmetrics-text;version=0.0.1;q=0.5,\
             text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
             text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
        );
        assert_eq!(
            accept_header(&[ScrapeProtocol::PrometheusText0_0_4], "underscores"),
            "text/plain;version=0.0.4;q=0.6,*/*;q=0.5"
        );
    }

    #[test]
    fn content_type_negotiation() {
        assert_eq!(
            format_for("application/openmetrics-text; version=1.0.0; charset=utf-8", None),
            Ok(Format::OpenMetrics)
        );
        assert_eq!(format_for("text/plain; version=0.0.4", None), Ok(Format::PrometheusText));
        assert!(format_for("", None).is_err());
        assert!(format_for("application/json", None).is_err());
        assert_eq!(
            format_for("application/json", Some(ScrapeProtocol::PrometheusText0_0_4)),
            Ok(Format::PrometheusText)
        );
    }

    #[test]
    fn timeout_header_prints_like_go() {
        assert_eq!(seconds_text(Duration::from_secs(10)), "10");
        assert_eq!(seconds_text(Duration::from_millis(500)), "0.5");
    }
}

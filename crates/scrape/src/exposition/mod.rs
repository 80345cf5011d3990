//! Exposition parsing: the Prometheus text format (0.0.4) and OpenMetrics 1.0 text.
//!
//! [`Parser`] is a pull parser over a byte buffer: each call to [`Parser::next_entry`] reads one
//! line and returns an [`Entry`] that borrows from the input (and from a label buffer the parser
//! reuses), so parsing allocates only for values with escapes. Errors carry `line:col` and end
//! the parse; the parser never panics on any input.

mod cursor;
mod float;
mod openmetrics;
mod series;
mod text;

use std::borrow::Cow;
use std::fmt;

use model::labels::Labels;

pub use float::format_openmetrics_float;

/// Prometheus' canonical NaN (`value.NormalNaN`): every NaN read from an exposition becomes
/// this, so a scraped NaN can never be mistaken for a staleness marker.
pub const NORMAL_NAN_BITS: u64 = 0x7ff8_0000_0000_0001;

/// Which grammar to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4`: timestamps in integer milliseconds, free whitespace,
    /// `#` comments, no `# EOF`.
    PrometheusText,
    /// `application/openmetrics-text; version=1.0.0`: timestamps in float seconds, single
    /// spaces, `# UNIT`, exemplars, and a mandatory final `# EOF`.
    OpenMetrics,
}

/// A metric family's declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
    GaugeHistogram,
    Summary,
    Info,
    Stateset,
    /// `untyped` in the text format, `unknown` in OpenMetrics.
    Unknown,
}

impl MetricType {
    /// The name Prometheus uses in its metadata API (`unknown` for `untyped`).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
            MetricType::GaugeHistogram => "gaugehistogram",
            MetricType::Summary => "summary",
            MetricType::Info => "info",
            MetricType::Stateset => "stateset",
            MetricType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A label as read: name and value, unescaped (borrowed unless the text had escapes).
pub type Label<'a> = (Cow<'a, str>, Cow<'a, str>);

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series<'p> {
    /// The metric name, unescaped.
    pub name: Cow<'p, str>,
    /// The other labels in input order, `__name__` excluded, empty values included.
    pub labels: &'p [Label<'p>],
    /// The value; any NaN is Prometheus' normal NaN ([`NORMAL_NAN_BITS`]).
    pub value: f64,
    /// Milliseconds since the epoch, if the line had a timestamp (OpenMetrics seconds are
    /// multiplied by 1000 and truncated, as Prometheus does).
    pub timestamp: Option<i64>,
    /// The series part of the line as written (name and braces), a cheap cache key.
    pub raw: &'p [u8],
    /// The type declared by the last `# TYPE` line before this one (whatever its name, as
    /// Prometheus' parsers keep it).
    pub kind: Option<MetricType>,
    /// Set when the parser deferred the labels ([`Parser::defer_labels`]): `name` is then the
    /// legacy name before the braces (empty for `{"name",...}`) and `labels` is empty;
    /// [`Series::label_set`] parses them.
    deferred: Option<Deferred<'p>>,
}

/// Where a deferred series' labels are, to parse them on demand.
#[derive(Debug, Clone, PartialEq)]
struct Deferred<'p> {
    line: &'p [u8],
    at: usize,
    line_no: usize,
    format: Format,
}

impl Series<'_> {
    /// The label set to store: `__name__` plus the labels, sorted, labels with empty values
    /// dropped (an empty value is the same as an absent label).
    ///
    /// As Prometheus 3 does, `le` of a histogram and `quantile` of a summary are rewritten in
    /// OpenMetrics float form (`1` → `1.0`, `+inf` → `+Inf`) so that one bucket has one name
    /// whichever way a target prints it.
    ///
    /// A series whose labels were deferred gets them parsed here (see [`Series::label_set`]; an
    /// invalid label set gives the empty set).
    pub fn to_labels(&self) -> Labels {
        if self.deferred.is_some() {
            return self.label_set().unwrap_or_else(|_| Labels::empty());
        }
        build_labels(&self.name, self.labels, self.kind)
    }

    /// [`Series::to_labels`], with the labels parsed now when the parser deferred them: a
    /// syntax error in them is the error the full parse would have given for the line.
    pub fn label_set(&self) -> Result<Labels, ParseError> {
        let Some(d) = &self.deferred else {
            return Ok(self.to_labels());
        };
        let mut labels = Vec::new();
        let name = series::parse_deferred(d.line, d.at, d.format, &mut labels)
            .map_err(|e| ParseError { line: d.line_no, col: e.offset + 1, message: e.message })?;
        Ok(build_labels(&name, &labels, self.kind))
    }
}

/// See [`Series::to_labels`].
fn build_labels(name: &str, labels: &[Label<'_>], kind: Option<MetricType>) -> Labels {
    let normalise = match kind {
        Some(MetricType::Histogram) => Some("le"),
        Some(MetricType::Summary) => Some("quantile"),
        _ => None,
    }
    .filter(|l| labels.iter().any(|(n, _)| n == l));
    let Some(normalise) = normalise else {
        let pairs = std::iter::once(("__name__", name))
            .chain(labels.iter().map(|(n, v)| (n.as_ref(), v.as_ref())))
            .filter(|(_, v)| !v.is_empty());
        return Labels::from_pairs(pairs);
    };
    let normalise = Some(normalise);
    let pairs = std::iter::once(("__name__", Cow::Borrowed(name)))
        .chain(labels.iter().map(|(n, v)| {
            let v = match normalise {
                Some(l) if l == n => float::normalise_label_value(v),
                _ => Cow::Borrowed(v.as_ref()),
            };
            (n.as_ref(), v)
        }))
        .filter(|(_, v)| !v.is_empty());
    Labels::from_pairs(pairs.collect::<Vec<_>>().iter().map(|(n, v)| (*n, v.as_ref())))
}

/// One line of an exposition.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry<'p> {
    Series(Series<'p>),
    /// `# HELP name text`, text unescaped.
    Help {
        name: Cow<'p, str>,
        help: Cow<'p, str>,
    },
    /// `# TYPE name type`.
    Type {
        name: Cow<'p, str>,
        kind: MetricType,
    },
    /// `# UNIT name unit` (OpenMetrics only).
    Unit {
        name: Cow<'p, str>,
        unit: Cow<'p, str>,
    },
    /// Any other `#` line (text format only), as written.
    Comment(Cow<'p, str>),
    /// `# EOF` (OpenMetrics only); nothing follows it.
    Eof,
}

/// A syntax error at a position of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in bytes.
    pub col: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl std::error::Error for ParseError {}

/// The pull parser. See the module documentation.
#[derive(Debug)]
pub struct Parser<'a> {
    input: &'a [u8],
    format: Format,
    /// Start of the next line.
    pos: usize,
    /// 1-based number of the next line.
    line: usize,
    /// Set after `# EOF`, the end of text-format input or an error.
    done: bool,
    labels: Vec<Label<'a>>,
    /// The last declared type.
    kind: Option<MetricType>,
    /// More input follows this part (see [`Parser::resume`]).
    more: bool,
    saw_eof: bool,
    /// See [`Parser::defer_labels`].
    defer: bool,
}

/// Where a parse stopped, to continue it over the next part of an input read piecewise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resume {
    /// Number of the next part's first line.
    pub line: usize,
    /// The last declared type so far.
    pub kind: Option<MetricType>,
    /// `# EOF` was read: nothing may follow.
    pub eof: bool,
}

impl Default for Resume {
    fn default() -> Self {
        Resume { line: 1, kind: None, eof: false }
    }
}

impl<'a> Parser<'a> {
    pub fn new(input: &'a [u8], format: Format) -> Self {
        Parser::resume(input, format, Resume::default(), false)
    }

    /// A parser for one part of a larger input read piecewise (a file too big to hold at
    /// once). Each part but the last must end with a newline and be marked `more`; reaching the
    /// end of such a part without `# EOF` is then not an error.
    pub fn resume(input: &'a [u8], format: Format, from: Resume, more: bool) -> Self {
        Parser {
            input,
            format,
            pos: 0,
            line: from.line.max(1),
            done: false,
            labels: Vec::with_capacity(16),
            kind: from.kind,
            more,
            saw_eof: from.eof,
            defer: false,
        }
    }

    /// Sample lines are only delimited, not parsed, up to their value: the caller calls
    /// [`Series::label_set`] for the series it does not know yet (a scrape cache keyed by
    /// [`Series::raw`]), which is most of the parse saved on a steady scrape. Errors are the
    /// same as without, though one in a label set is reported by [`Series::label_set`].
    pub fn defer_labels(mut self) -> Self {
        self.defer = true;
        self
    }

    /// What [`Parser::resume`] needs to continue after this part.
    pub fn resume_point(&self) -> Resume {
        Resume { line: self.line, kind: self.kind, eof: self.saw_eof }
    }

    /// Whether `# EOF` was read.
    pub fn saw_eof(&self) -> bool {
        self.saw_eof
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The 1-based line of the entry returned last, for errors found after parsing.
    pub fn line(&self) -> usize {
        self.line.saturating_sub(1).max(1)
    }

    /// The next entry; `None` at the end (after `# EOF` in OpenMetrics) or after an error.
    #[allow(clippy::should_implement_trait)]
    pub fn next_entry(&mut self) -> Option<Result<Entry<'_>, ParseError>> {
        loop {
            if self.done {
                return None;
            }
            if self.saw_eof {
                // Resumed after `# EOF`: only the end of the input may follow.
                self.done = true;
                if self.pos < self.input.len() {
                    let message = "unexpected data after # EOF".to_string();
                    return Some(Err(self.error_at(self.line, 1, message)));
                }
                return None;
            }
            if self.pos >= self.input.len() {
                self.done = true;
                return match self.format {
                    Format::PrometheusText => None,
                    Format::OpenMetrics if self.more => None,
                    Format::OpenMetrics => Some(Err(self.error_at(
                        self.line,
                        1,
                        "data does not end with # EOF".to_string(),
                    ))),
                };
            }
            let start = self.pos;
            let rest = &self.input[start..];
            let (line_len, has_newline) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (i, true),
                None => (rest.len(), false),
            };
            let line: &'a [u8] = &rest[..line_len];
            let line_no = self.line;
            self.pos = start + line_len + usize::from(has_newline);
            self.line += 1;

            let parsed = match self.format {
                Format::PrometheusText => text::parse_line(line, &mut self.labels, self.defer),
                Format::OpenMetrics => {
                    let r =
                        openmetrics::parse_line(line, has_newline, &mut self.labels, self.defer);
                    if let Ok(Some(Parsed::Eof)) = r {
                        // Only `# EOF` itself may follow: no further bytes at all.
                        self.done = true;
                        self.saw_eof = true;
                        if self.pos < self.input.len() {
                            return Some(Err(self.error_at(
                                self.line,
                                1,
                                "unexpected data after # EOF".to_string(),
                            )));
                        }
                    }
                    r
                }
            };
            match parsed {
                Ok(None) => continue,
                Ok(Some(p)) => {
                    if let Parsed::Type { kind, .. } = &p {
                        self.kind = Some(*kind);
                    }
                    let entry = p.into_entry(&self.labels, self.kind, line_no, self.format);
                    return Some(Ok(entry));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(self.error_at(line_no, e.offset + 1, e.message)));
                }
            }
        }
    }

    fn error_at(&self, line: usize, col: usize, message: String) -> ParseError {
        ParseError { line, col, message }
    }
}

/// A parsed line before it is tied to the parser's label buffer.
#[derive(Debug)]
pub(crate) enum Parsed<'a> {
    Series {
        name: Cow<'a, str>,
        value: f64,
        timestamp: Option<i64>,
        raw: &'a [u8],
        /// The whole line and where `raw` starts in it, when the labels were not parsed.
        deferred: Option<(&'a [u8], usize)>,
    },
    Help {
        name: Cow<'a, str>,
        help: Cow<'a, str>,
    },
    Type {
        name: Cow<'a, str>,
        kind: MetricType,
    },
    Unit {
        name: Cow<'a, str>,
        unit: Cow<'a, str>,
    },
    Comment(Cow<'a, str>),
    Eof,
}

impl<'a> Parsed<'a> {
    fn into_entry<'p>(
        self,
        labels: &'p [Label<'a>],
        kind: Option<MetricType>,
        line_no: usize,
        format: Format,
    ) -> Entry<'p>
    where
        'a: 'p,
    {
        match self {
            Parsed::Series { name, value, timestamp, raw, deferred } => {
                let deferred = deferred.map(|(line, at)| Deferred { line, at, line_no, format });
                Entry::Series(Series { name, labels, value, timestamp, raw, kind, deferred })
            }
            Parsed::Help { name, help } => Entry::Help { name, help },
            Parsed::Type { name, kind } => Entry::Type { name, kind },
            Parsed::Unit { name, unit } => Entry::Unit { name, unit },
            Parsed::Comment(c) => Entry::Comment(c),
            Parsed::Eof => Entry::Eof,
        }
    }
}

/// An error inside one line: byte offset from the line start and message.
#[derive(Debug)]
pub(crate) struct LineError {
    pub offset: usize,
    pub message: String,
}

pub(crate) type LineResult<'a> = Result<Option<Parsed<'a>>, LineError>;

#[cfg(test)]
mod tests;

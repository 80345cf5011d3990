//! The shared vocabulary of klaxon: what every stage of the pipeline talks in.
//!
//! Scraping, the TSDB, PromQL, rules and the Alertmanager all key their data by label sets,
//! select it with matchers, read durations from config files and ask a clock what time it is.
//! Those types live here, once, and each agrees with upstream Prometheus and Alertmanager bit for
//! bit where the result is visible outside the process (hashes, printed forms, error texts):
//!
//! - [`labels`]: [`Labels`](labels::Labels), an immutable sorted label set cloned in O(1), its
//!   builder, upstream's hashes and the Alertmanager [`Fingerprint`](labels::Fingerprint), and
//!   label-name rules.
//! - [`matcher`]: [`Matcher`](matcher::Matcher) and [`Matchers`](matcher::Matchers) in the
//!   PromQL and Alertmanager dialects, and Alertmanager's three matcher parsing modes.
//! - [`regex`]: [`GoRegex`](regex::GoRegex), Go RE2 syntax and semantics on the `regex` crate,
//!   anchored as each upstream anchors, with fast paths for the common shapes.
//! - [`duration`]: Prometheus durations (`1h30m`, `2w`) and Go `time.Duration` strings.
//! - [`time`]: millisecond [`Timestamp`](time::Timestamp)s and the [`Clock`](time::Clock) seam
//!   that lets timing code run on tokio's paused clock in tests.
//! - [`gostr`]: Go string literals, quoted and unquoted exactly as `strconv` does.
//! - [`storage`]: the seams between stores and their readers and writers ([`Storage`](storage::Storage),
//!   [`Appender`](storage::Appender)); [`histogram`]: the native-histogram data model.
//!
//! Where Go decides the right answer, a small Go program under `scripts/oracle/` produced the
//! expected values that the tests check (`crates/model/tests/data/`).
//!
//! ```
//! use model::labels::Labels;
//! use model::matcher::MatcherParseMode;
//!
//! let alert = Labels::from_pairs([("alertname", "HighErrorRate"), ("severity", "critical")]);
//! let route = MatcherParseMode::default().parse_matchers(r#"severity=~"critical|page""#)?.value;
//! assert!(route.matches_labels(&alert));
//! # Ok::<(), model::matcher::MatcherParseError>(())
//! ```

pub mod duration;
pub mod gostr;
pub mod histogram;
pub mod labels;
pub mod matcher;
pub mod regex;
pub mod relabel;
pub mod storage;
pub mod time;

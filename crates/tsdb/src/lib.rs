//! The embedded time-series database.
//!
//! - [`Head`]: the in-memory store new samples go to. Series are found by label set (hash,
//!   with collisions handled) and by matchers through a postings index (label name → value →
//!   sorted series ids); samples live in XOR-compressed chunks of 120 ([`chunkenc`], byte for
//!   byte Prometheus' layout). Appends follow Prometheus' rules (older than the last sample:
//!   out of order; same time, other value: duplicate; exact repeat: accepted, no-op) and become
//!   visible at commit; a querier sees whole commits only, and nothing committed after it was
//!   made. [`Head::stats`] gives the figures of `/api/v1/status/tsdb`.
//! - [`Db`]: a head plus immutable [`block`]s in a directory (imported history). Queries span
//!   both, merging series with equal labels in time order; appends go to the head.
//!   [`Db::import`] and [`Db::importer`] cut imported samples into aligned two-hour blocks, as
//!   `promtool tsdb create-blocks-from` does; [`Db::write_block`] writes one block.
//! - [`compact`]: [`Db::maintain`] cuts the head into two-hour blocks, merges blocks into
//!   larger ranges and deletes blocks beyond the retention time or size.
//! - [`wal`]: the write-ahead log that makes [`Db`] durable: each commit is logged before it
//!   becomes visible, replayed at open (a torn tail is repaired and reported), and
//!   checkpointed when the head is cut.
//!
//! Both implement the `Storage` and `Appendable` seams of `model`, so scraping, PromQL, rules
//! and the API use them without knowing their insides.
//!
//! ```
//! use model::labels::Labels;
//! use model::matcher::{MatchOp, Matcher};
//! use model::storage::{Appendable, SelectHints, Storage};
//! use tsdb::{Head, HeadOptions};
//!
//! let head = Head::new(HeadOptions::default());
//! let up = Labels::from_pairs([("__name__", "up"), ("job", "api")]);
//! let mut app = head.appender();
//! app.append(&up, 1_000, 1.0)?;
//! app.append(&up, 16_000, 0.0)?;
//! app.commit()?;
//!
//! let q = head.querier(0, 20_000)?;
//! let sel = q.select(&SelectHints::default(), &[Matcher::prometheus(MatchOp::Regex, "job", "api|web")?])?;
//! let mut points = Vec::new();
//! sel[0].floats_into(0, 20_000, &mut points);
//! assert_eq!(points.len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod block;
pub mod chunkenc;
pub mod compact;
mod crc;
mod db;
mod error;
mod head;
mod index;
mod merge;
pub mod wal;

pub use crc::crc32c;
pub use db::{DEFAULT_BLOCK_DURATION_MS, Db, DbOptions, Importer};
pub use error::TsdbError;
pub use head::{Head, HeadOptions, HeadStats, Stat, TruncateStats};
pub use merge::MergeQuerier;

//! Immutable on-disk blocks: history imported or cut from the head.
//!
//! # Format (version 1)
//!
//! A block is a directory named by its id (a ULID: 26 Crockford base32 characters, 48 bits of
//! creation time in ms then 80 random bits) holding three files. Integers are big-endian;
//! varints are Go's (`uvarint`: 7 bits a byte, low first; `varint`: zig-zag then `uvarint`).
//!
//! `meta.json`:
//! ```json
//! {"ulid": "01…", "minTime": 0, "maxTime": 7200000, "version": 1,
//!  "stats": {"numSamples": 0, "numSeries": 0, "numChunks": 0}}
//! ```
//! `minTime` is the first sample's time, `maxTime` one past the last (exclusive), as
//! Prometheus.
//!
//! `chunks`: the magic `KLXCHNK1`, then one record per chunk: `uvarint` data length, one
//! encoding byte (1 = XOR), the chunk (Prometheus' XOR layout, see [`crate::chunkenc`]), and
//! a `u32` CRC32-C of the encoding byte and the data. A chunk reference is the record's
//! offset in the file.
//!
//! `index`: the magic `KLXINDX1`, then two sections, each a `u64` payload length, the payload
//! and a `u32` CRC32-C of the payload:
//! - symbols: `uvarint` count, then each string as `uvarint` length + UTF-8 bytes, sorted,
//!   unique; every label name and value of the block;
//! - series, sorted by labels: `uvarint` count, then per series `uvarint` label count, a
//!   `uvarint` symbol index for each name and value, `uvarint` chunk count, and per chunk its
//!   first time (`varint`, relative to the previous chunk's last time, absolute for the first),
//!   `uvarint` last − first time, and its reference (`uvarint`, relative to the previous
//!   chunk's, absolute for the first).
//!
//! and a 28-byte footer: `u64` offsets of the two sections, a `u32` CRC32-C of those 16
//! bytes, and the magic `KLXINDXE`.
//!
//! Writing is crash-safe: the files go to `<id>.tmp/`, are fsynced, the directory is renamed
//! to `<id>` and the parent directory fsynced, so a block directory is complete or absent.
//! Opening reads the index whole and streams through the chunks file, checking every checksum
//! and reference; a block that fails is reported with the file and byte offset and left out.
//! Only the index's contents stay in memory; queries read chunks from the file as they need
//! them, checking each chunk's CRC again on its first read (`reader`).

mod format;
mod querier;
mod reader;
mod stream;
mod writer;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use querier::BlockQuerier;
pub use reader::Block;
pub use stream::{BlockWriter, RawChunk};
pub use writer::{BlockSpec, new_block_id, write_block, write_block_with};

pub(crate) const CHUNKS_MAGIC: &[u8; 8] = b"KLXCHNK1";
pub(crate) const INDEX_MAGIC: &[u8; 8] = b"KLXINDX1";
pub(crate) const INDEX_END_MAGIC: &[u8; 8] = b"KLXINDXE";
pub(crate) const FOOTER_LEN: usize = 28;
pub(crate) const META_FILE: &str = "meta.json";
pub(crate) const INDEX_FILE: &str = "index";
pub(crate) const CHUNKS_FILE: &str = "chunks";
/// The format version this code writes and reads.
pub const BLOCK_VERSION: u32 = 1;

/// What `meta.json` says about a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockMeta {
    pub ulid: String,
    /// First sample time (ms).
    pub min_time: i64,
    /// One past the last sample time (ms), exclusive.
    pub max_time: i64,
    pub stats: BlockStats,
    pub version: u32,
    /// How the block was made (cut from the head or merged); absent for imported blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compaction: Option<BlockCompaction>,
}

/// Upstream's `compaction` section of `meta.json`: level 1 for a block cut from the head,
/// one more than its highest parent for a merge; `sources` are the level-1 blocks whose data
/// it holds, `parents` the blocks merged into it. A block listed as a parent of a loaded block
/// is obsolete (a crash came between writing the merge and deleting its parents).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockCompaction {
    pub level: u32,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<BlockDesc>,
}

/// A parent block as `meta.json` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockDesc {
    pub ulid: String,
    pub min_time: i64,
    pub max_time: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockStats {
    pub num_samples: u64,
    pub num_series: u64,
    pub num_chunks: u64,
}

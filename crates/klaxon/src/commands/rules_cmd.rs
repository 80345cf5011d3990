//! `klaxon rules backtest`: replays rule files over stored history (`rules::backtest` does
//! the work; this reads the flags, opens the history and prints).
//!
//! History comes from a TSDB directory or a server. The directory is read strictly
//! read-only — block directories are opened, nothing is created, repaired or deleted — so
//! it is safe beside a running `klaxon run` that owns it; the price is that samples still
//! only in that server's WAL (the newest two to three hours) are not seen. `--url` sees
//! everything the server has, but recording results then stay invisible to other rules.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use model::storage::{Querier, Storage, StorageError};
use rules::backtest::{self, BacktestOptions, ShadowStorage};
use rules::group::{EvalContext, GroupOptions};
use rules::local::LocalEngine;
use rules::remote_engine::RemoteEngine;
use rules::seams::QueryEngine;
use tsdb::block::{Block, BlockQuerier};

use crate::cli::BacktestArgs;

/// How long one query against `--url` may take.
const URL_QUERY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

pub fn backtest(args: &BacktestArgs) -> ExitCode {
    let rt =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("klaxon rules backtest: starting the runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
    match rt.block_on(execute(args)) {
        Ok((report, notes)) => {
            for n in notes {
                eprintln!("note: {n}");
            }
            print!("{}", report.render());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("klaxon rules backtest: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(args: &BacktestArgs) -> Result<(backtest::Report, Vec<String>), String> {
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_millis(),
    )
    .map_err(|e| e.to_string())?;
    let from_ms = backtest::parse_time(&args.from, now_ms).map_err(|e| format!("--from: {e}"))?;
    let to_ms = backtest::parse_time(&args.to, now_ms).map_err(|e| format!("--to: {e}"))?;
    let files = rules::file::load_files(&args.files)
        .map_err(|errs| errs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))?;
    let positive = |d: model::duration::Duration, flag: &str| {
        d.to_std().filter(|d| !d.is_zero()).ok_or_else(|| format!("{flag} must be positive"))
    };
    let group = GroupOptions {
        default_interval: positive(args.evaluation_interval, "--evaluation-interval")?,
        default_query_offset: args.rule_query_offset.to_std().unwrap_or_default(),
        ..GroupOptions::default()
    };
    let step = args.step.map(|s| positive(s, "--step")).transpose()?;
    let groups = backtest::groups_from_files(&files, &group);

    let mut notes = Vec::new();
    let results = Arc::new(tsdb::Head::new(tsdb::HeadOptions::default()));
    let engine: Arc<dyn QueryEngine> = match (&args.url, &args.storage_tsdb_path) {
        (Some(url), _) => {
            if files
                .iter()
                .flat_map(|f| &f.groups)
                .flat_map(|g| &g.rules)
                .any(|r| r.record.is_some())
            {
                notes.push(
                    "with --url, recording rules are evaluated but other rules read the server's own series of that name, not the replayed results".into(),
                );
            }
            Arc::new(RemoteEngine::new(url, &Default::default(), URL_QUERY_TIMEOUT)?)
        }
        (None, Some(dir)) => {
            let (blocks, skipped) = ReadOnlyBlocks::open(dir)?;
            notes.extend(skipped);
            match blocks.max_time() {
                None => notes.push(format!(
                    "{} has no blocks yet: nothing to replay against (use --url to read a running server)",
                    dir.display()
                )),
                Some(end) if end <= to_ms => notes.push(format!(
                    "the blocks in {} end at {}; later samples are only in the server's WAL (use --url to include them)",
                    dir.display(),
                    backtest::format_time(end - 1)
                )),
                Some(_) => {}
            }
            let storage: Arc<dyn Storage> = Arc::new(ShadowStorage::new(
                Arc::new(blocks),
                results.clone(),
                backtest::written_names(&files),
            ));
            let lookback = args.query_lookback_delta.as_millis();
            if lookback <= 0 {
                return Err("--query.lookback-delta must be positive".into());
            }
            let engine = promql::Engine::new(promql::EngineOptions {
                lookback_delta: lookback,
                ..promql::EngineOptions::default()
            });
            Arc::new(LocalEngine::new(engine, storage))
        }
        (None, None) => return Err("one of --storage.tsdb.path and --url is required".into()),
    };
    let ctx = EvalContext::new(engine, results);
    let opts = BacktestOptions { from_ms, to_ms, step, group };
    let report = backtest::run(&groups, &ctx, &opts).await?;
    Ok((report, notes))
}

/// The blocks of a TSDB directory, opened read-only: no lock, no clean-up, no WAL.
/// Blocks that a newer merged block lists as parents are left out (their data is in it).
struct ReadOnlyBlocks {
    blocks: Vec<Block>,
}

impl ReadOnlyBlocks {
    /// The blocks and a note for each block that could not be read.
    fn open(dir: &Path) -> Result<(Self, Vec<String>), String> {
        if !dir.is_dir() {
            return Err(format!("{}: not a directory", dir.display()));
        }
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut paths: Vec<std::path::PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.is_dir() && p.file_name().and_then(|n| n.to_str()).is_some_and(is_block_id)
            })
            .collect();
        paths.sort();
        let mut blocks = Vec::new();
        let mut notes = Vec::new();
        for p in paths {
            match Block::open(&p) {
                Ok(b) => blocks.push(b),
                // Being deleted by the server's compaction or retention, or damaged.
                Err(e) => notes.push(format!("skipping block {}: {e}", p.display())),
            }
        }
        let parents: std::collections::HashSet<String> = blocks
            .iter()
            .filter_map(|b| b.meta().compaction.as_ref())
            .flat_map(|c| c.parents.iter().map(|p| p.ulid.clone()))
            .collect();
        blocks.retain(|b| !parents.contains(&b.meta().ulid));
        blocks.sort_by_key(|b| (b.meta().min_time, b.meta().ulid.clone()));
        Ok((ReadOnlyBlocks { blocks }, notes))
    }

    /// One past the newest sample time of any block.
    fn max_time(&self) -> Option<i64> {
        self.blocks.iter().map(|b| b.meta().max_time).max()
    }
}

/// A block directory's name: 26 Crockford base32 characters (a ULID).
fn is_block_id(name: &str) -> bool {
    name.len() == 26 && name.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

impl Storage for ReadOnlyBlocks {
    fn querier(&self, mint: i64, maxt: i64) -> Result<Box<dyn Querier + '_>, StorageError> {
        let parts: Vec<Box<dyn Querier + '_>> = self
            .blocks
            .iter()
            .filter(|b| b.overlaps(mint, maxt))
            .map(|b| Box::new(BlockQuerier::new(b, mint, maxt)) as Box<dyn Querier>)
            .collect();
        Ok(Box::new(tsdb::MergeQuerier::new(parts)))
    }
}

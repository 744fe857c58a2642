//! `clean-news index stats|prune`: look after a run's index.

use std::io::Write;

use anyhow::bail;
use clean_news::dedup::Deduper;
use clean_news::index::Index;

use super::Status;
use super::args::{IndexCommand, IndexPathArgs, IndexPruneArgs};

/// Runs an `index` subcommand.
pub(crate) fn run(command: &IndexCommand) -> anyhow::Result<Status> {
    match command {
        IndexCommand::Stats(args) => stats(args),
        IndexCommand::Prune(args) => prune(args),
    }
}

fn open(path: &std::path::Path) -> anyhow::Result<Index> {
    if !path.is_file() {
        bail!("no index at {}", path.display());
    }
    // The index is only meaningful with the deduplicator that wrote it: the default one.
    Ok(Index::open(path, Deduper::builder().build()?.fingerprint())?)
}

fn stats(args: &IndexPathArgs) -> anyhow::Result<Status> {
    let stats = open(&args.index)?.stats()?;
    writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&stats)?)?;
    Ok(Status::Success)
}

fn prune(args: &IndexPruneArgs) -> anyhow::Result<Status> {
    let mut index = open(&args.index)?;
    let before = index.stats()?;
    let removed = match before.published_range {
        Some((_, newest)) => {
            index.prune(newest.saturating_sub(i64::from(args.older_than_hours) * 3600))?
        }
        None => 0,
    };
    // Pruning frees pages inside the file; compaction gives them back to the file system.
    if removed > 0 {
        index.compact()?;
    }
    let file_bytes = index.stats()?.file_bytes;
    writeln!(
        std::io::stdout().lock(),
        "{{\"removed\": {removed}, \"file_bytes_before\": {}, \"file_bytes\": {file_bytes}}}",
        before.file_bytes
    )?;
    Ok(Status::Success)
}

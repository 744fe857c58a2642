//! `clean-news index stats|check|prune`: look after a run's index.
//!
//! `stats` and `check` only read (the index may be read-only, or a copy whose checksum is
//! kept); `prune` writes. A damaged index is a one-line error naming the file and the way
//! out; `check` lists everything that is wrong and exits 2.

use std::io::Write;
use std::path::Path;

use anyhow::bail;
use clean_news::dedup::Deduper;
use clean_news::index::Index;

use super::Status;
use super::args::{IndexCommand, IndexPathArgs, IndexPruneArgs};

/// Runs an `index` subcommand.
pub(crate) fn run(command: &IndexCommand) -> anyhow::Result<Status> {
    match command {
        IndexCommand::Stats(args) => stats(args),
        IndexCommand::Check(args) => check(args),
        IndexCommand::Prune(args) => prune(args),
    }
}

/// The fingerprint of the deduplicator that writes indexes: the index is only meaningful
/// with it (the default one).
fn fingerprint(path: &Path) -> anyhow::Result<u64> {
    if !path.is_file() {
        bail!("no index at {}", path.display());
    }
    Ok(Deduper::builder().build()?.fingerprint())
}

fn stats(args: &IndexPathArgs) -> anyhow::Result<Status> {
    let stats = Index::open_read_only(&args.index, fingerprint(&args.index)?)?.stats()?;
    writeln!(std::io::stdout().lock(), "{}", serde_json::to_string_pretty(&stats)?)?;
    Ok(Status::Success)
}

fn check(args: &IndexPathArgs) -> anyhow::Result<Status> {
    let path = &args.index;
    let check = Index::check(path, fingerprint(path)?)?;
    let mut out = std::io::stdout().lock();
    if check.is_whole() {
        let counts = check.stats.map_or_else(String::new, |s| {
            format!(
                " ({} documents, {} clusters, {} band postings)",
                s.documents, s.clusters, s.band_postings
            )
        });
        writeln!(out, "{}: whole{counts}", path.display())?;
        return Ok(Status::Success);
    }
    writeln!(out, "{}: damaged", path.display())?;
    for problem in &check.problems {
        writeln!(out, "- {problem}")?;
    }
    writeln!(
        out,
        "To rebuild it, delete {} and rerun: the next run starts a new index and remembers \
         from then on.",
        path.display()
    )?;
    Ok(Status::Failed)
}

fn prune(args: &IndexPruneArgs) -> anyhow::Result<Status> {
    let mut index = Index::open(&args.index, fingerprint(&args.index)?)?;
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

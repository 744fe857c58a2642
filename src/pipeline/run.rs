//! The main job, `clean-news run`: clean, learn site templates, find reposts, remember, write.
//!
//! The batch steps are the [`Job`]'s; the run feeds it the batch in three
//! passes, in input order, keeping the texts on disk between them (spill files in the output
//! folder, see `spill`) so that what it holds is bounded by a budget, not by the input:
//!
//! - **pass 1** (steps 1–4): the [`BatchCleaner`] reads and cleans in parallel; each chunk's
//!   documents get their site, their text hash (what [`ids`](super::ids) compared) and are
//!   counted for site templates ([`SiteLearner`](crate::SiteLearner), bounded memory), then
//!   are spilled as cleaned;
//! - the site profiles are decided: those the index remembers, under those of
//!   `--site-profiles`, under what this batch learned;
//! - **pass 2** (steps 4–7): the spill is read back in chunks; each document loses its
//!   templates, is signed, and with an index is looked up (the same id seen before; earlier
//!   documents that share an LSH key with it, which join the clustering as *priors*, their
//!   clusters staying theirs); a document its template changed goes to a second spill as it
//!   will be written (the others are written as pass 1 spilled them: templates change 40%
//!   of the scale corpus, and with this and a faster escape in the JSON writer this pass
//!   took 43.5 s instead of 55.5 at a million documents), and only its compact state stays
//!   in memory (id, site, time, signature, text hash);
//! - step 8: the deduplicator clusters the batch and the priors; with
//!   [`RunConfig::stories`], the clusters are then grouped into stories from each document's
//!   story evidence, taken in pass 2 from the text as written (see `stories`);
//! - **pass 3** (step 9): `documents.jsonl` (every document of the input with its cluster,
//!   in input order: each document's last spilled record with the placement spliced on) is
//!   written,
//!   then `clusters.jsonl` (the clusters of two documents or more that this run touched),
//!   with stories `stories.jsonl` (the stories of two clusters or more, with what joined
//!   them) and each record's `story`, and `summary.json`; `errors.jsonl` was written during pass 1 and `site-profiles.json` after
//!   it, all under temporary names. Meanwhile a second thread fills the index's write
//!   transaction, a chunk of documents at a time ([`Index::begin_add`]); it commits once the
//!   files are staged and their switch planned, then the files are switched into place
//!   together, and last the index file gives back the free space the run left in it, when
//!   that is much ([`Index::compact_if_sparse`]). Asked ([`RunConfig::parquet`]), the run also
//!   writes `documents.parquet`: the same records as `documents.jsonl`, as a table
//!   (`output::parquet`, feature `parquet`).
//!
//! A document id already in the index with the same text is recognised, not added again
//! (another text is a new version under a derived id, see [`ids`](super::ids)).
//!
//! # A run is seen whole
//!
//! A reader expects the folder's files to describe one run, and the index to remember what
//! they say. So a run changes nothing visible until every file is written (a full disk
//! fails it with the old run intact), and the files switch through a journal that names the
//! index commit they belong to (`output::file_set`). The index commit is the commit point
//! of the whole run: before it the folder and the index are the last run's, after it both
//! are this run's. Killed at each [`RunStep`], the next run (which settles the folder before
//! anything else) finds:
//!
//! | killed after | folder | index |
//! |---|---|---|
//! | [`Settled`](RunStep::Settled), [`Spilled`](RunStep::Spilled), [`Signed`](RunStep::Signed), [`Clustered`](RunStep::Clustered), [`Grouped`](RunStep::Grouped), [`Staged`](RunStep::Staged) | last run (temporary files, spills included, removed) | last run |
//! | [`Planned`](RunStep::Planned) | last run (switch undone) | last run |
//! | [`Remembered`](RunStep::Remembered), [`Switched`](RunStep::Switched), [`Compacted`](RunStep::Compacted) | this run (switch finished) | this run |
//!
//! Between a kill after `Remembered` and the next run, a reader of the folder sees the last
//! run's files (or, killed amid the renames, some of each beside the journal
//! `.clean-news-switch.json`) while the index already holds this run. Without an index the
//! journal itself is the commit point. An interrupted run (Ctrl-C) switches nothing: the
//! folder and the index stay the last run's. A run without templates removes an earlier
//! run's `site-profiles.json` in its switch, since that file would describe the other run;
//! so does a run without stories with `stories.jsonl`, and one without `--parquet` with
//! `documents.parquet`.
//! The temporary files of runs that died are removed when the next run starts.
//!
//! The output is byte-identical for any thread count: records are written in input order,
//! clusters in the deduplicator's deterministic order, and nothing time-dependent goes into
//! the files (timings go to the caller).
//!
//! # Memory
//!
//! [`RunConfig::memory`] (`--memory`, by default a quarter of the machine's memory) bounds
//! what the run holds:
//!
//! - **what does not grow with the input**: a chunk of documents being cleaned (at most
//!   [`CHUNK_DOCS`](super::CHUNK_DOCS) documents or [`CHUNK_BYTES`] of text) or signed (at
//!   most four times as many documents, or a sixteenth of the budget; the next chunk is
//!   read meanwhile), the site learner
//!   (bounded by its own caps, see [`crate::clean::site`]) and I/O buffers, counted as half
//!   the budget up to 256 MiB (the smallest budget is 32 MiB);
//! - **what grows with it**: per document, its compact state — the signature, as large as
//!   its encoding (about 650 bytes, see `dedup::signature`), its id — and its share of the
//!   clustering and of the id table, counted as 600 bytes; with stories, its story evidence
//!   as held (about 530 bytes) and its share of the grouping, counted as 640 bytes.
//!
//! With an index, the batch's records are encoded and handed to the index a chunk at a time
//! ([`REMEMBER_CHUNK`](super::job::REMEMBER_CHUNK) documents), band keys computed again
//! from the signatures rather than kept; the index's buffers (redb's page cache, and the
//! postings held before they are written as a segment, see `index::Adding`) take a quarter
//! of the budget, 256 MiB at most, counted with the fixed part. Measured at 1,003,680
//! documents (`clean-news run --timings`, the binary's allocator being mimalloc): peak RSS
//! 1,132 MiB once signed, 1,743 MiB once clustered, 1,853 MiB at the end, where handing
//! the whole batch to `Index::add` at once peaked at 5.4 GB. With 256 MiB instead of 384
//! for the index, the end's peak was 1,718 MiB against 1,846 side by side, and the run
//! 3% slower (105.4 s against 102.3, within the machine's noise).
//!
//! The run adds these up as pass 2 signs; when the sum passes the budget it stops with a
//! `Config` error that says what it would need, before anything is switched (the folder and
//! the index stay the last run's). The texts are never held beyond a chunk: they wait in the
//! spills, which take about twice the size of `documents.jsonl` on the output folder's disk
//! at the peak (the first spill is removed once the second is written).
//!
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use rayon::prelude::*;
use serde::Serialize;

use super::job::{Job, JobConfig, Placed, Placement};
use super::spill::Spill;
use super::stories::{self, Stories};
use super::{BatchCleaner, CHUNK_BYTES, Summary};
use crate::clean::site::{self, SiteConfig, SiteProfiles};
use crate::dedup::Deduper;
use crate::index::Index;
use crate::input::Source;
#[cfg(feature = "parquet")]
use crate::output::parquet::{ParquetWriter, Placement as ParquetPlacement};
use crate::output::{
    AtomicFile, ErrorRecord, FileSet, JsonLinesWriter, Sink, StagedFile, file_set,
};
use crate::story::StoryConfig;
use crate::{Cleaned, Error};

// The files of a run's folder, in the order a run switches them into place: the summary
// comes last.
const ERRORS: &str = "errors.jsonl";
const SITE_PROFILES: &str = "site-profiles.json";
const DOCUMENTS: &str = "documents.jsonl";
const DOCUMENTS_PARQUET: &str = "documents.parquet";
const CLUSTERS: &str = "clusters.jsonl";
const STORIES: &str = "stories.jsonl";
const SUMMARY: &str = "summary.json";
/// The index a run keeps in its folder unless told another (created whole: `Index::open`).
const DEFAULT_INDEX: &str = "index.redb";
/// The spill of pass 1: records as cleaned, before site templates (only ever a temporary
/// name, see `spill`).
const SPILL_CLEANED: &str = "run-cleaned.jsonl";
/// The spill of pass 2: records as written, templates removed.
const SPILL_PLACED: &str = "run-placed.jsonl";

/// What a run does besides cleaning: where it writes, what it remembers, what it learns.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The folder that receives `documents.jsonl`, `clusters.jsonl`, `errors.jsonl`,
    /// `summary.json` and `site-profiles.json`; created if missing.
    pub out_dir: PathBuf,
    /// The index to read and update; `None` for a run that remembers nothing.
    pub index: Option<PathBuf>,
    /// Site profiles saved by an earlier run, merged with what this batch teaches.
    pub site_profiles: Option<PathBuf>,
    /// Whether to learn and remove site templates (step 4). Default on.
    pub learn_templates: bool,
    /// How templates are learned.
    pub site: SiteConfig,
    /// Called at each [`RunStep`], on the thread that called [`run`]: to follow a run's
    /// progress, or to stop the process at a chosen point and check what it leaves behind.
    pub on_step: Option<StepHook>,
    /// Also write `documents.parquet` (needs the `parquet` feature). Default off. A run
    /// without it removes an earlier run's `documents.parquet`, which would describe that
    /// run.
    pub parquet: bool,
    /// The memory budget in bytes (`None`: [`default_memory_budget`], a quarter of the
    /// machine's memory). See the [module docs](self) for what it bounds.
    pub memory: Option<u64>,
    /// Group the batch's repost clusters into stories ([`crate::story`]) as this says:
    /// every record gets a `story`, and the run writes `stories.jsonl`. Default off (`None`):
    /// a run without it removes an earlier run's `stories.jsonl`, which would describe that
    /// run.
    pub stories: Option<StoryConfig>,
}

/// The points of a run after which its folder or its index has changed, in order; see the
/// [module docs](self) for what a kill after each leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunStep {
    /// What a killed run left is settled (its switch finished or undone, temporary files of
    /// dead runs removed); nothing of this run exists yet.
    Settled,
    /// Pass 1 is done: every document is cleaned and spilled (hidden temporary files only).
    Spilled,
    /// Pass 2 is done: every document is signed, its final record spilled.
    Signed,
    /// The batch is clustered (nothing is written by this step).
    Clustered,
    /// The batch's clusters are grouped into stories (only with [`RunConfig::stories`];
    /// nothing is written by this step).
    Grouped,
    /// Every output file is written under its temporary name (not reached when the run
    /// was interrupted).
    Staged,
    /// The switch journal is written.
    Planned,
    /// The index transaction committed: this run is the truth (runs without an index
    /// skip this step).
    Remembered,
    /// The `n`th change of the switch (from 0) is done: a file renamed into place, or an
    /// earlier run's file removed.
    Switched(usize),
    /// The index file gave back the space a run left free in it, when that was much
    /// ([`Index::compact_if_sparse`]); runs without an index skip this step.
    Compacted,
    /// The journal is gone: the folder is wholly this run's.
    Finished,
}

/// A function called at each [`RunStep`] of a run ([`RunConfig::on_step`]).
///
/// # Example
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use clean_news::pipeline::run::{RunConfig, RunStep, StepHook};
///
/// let dir = tempfile::tempdir()?;
/// let input = dir.path().join("in");
/// std::fs::create_dir(&input)?;
/// std::fs::write(input.join("a.txt"), "A title\n\nA paragraph of text, long enough.")?;
/// let steps = Arc::new(Mutex::new(Vec::new()));
/// let seen = Arc::clone(&steps);
/// let mut config = RunConfig::new(dir.path().join("out"));
/// config.index = None;
/// config.on_step = Some(StepHook::new(move |step| seen.lock().unwrap().push(step)));
/// let batch = clean_news::pipeline::BatchCleaner::builder().build()?;
/// let deduper = clean_news::Deduper::builder().build()?;
/// let sources = vec![clean_news::input::Source::Path(input)];
/// clean_news::pipeline::run::run(&batch, &deduper, sources, &config, None)?;
/// let steps = steps.lock().unwrap();
/// assert_eq!(steps.first(), Some(&RunStep::Settled));
/// assert_eq!(steps.last(), Some(&RunStep::Finished));
/// assert!(!steps.contains(&RunStep::Remembered)); // no index
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct StepHook(std::sync::Arc<dyn Fn(RunStep) + Send + Sync>);

impl StepHook {
    /// Wraps `f`.
    pub fn new(f: impl Fn(RunStep) + Send + Sync + 'static) -> StepHook {
        StepHook(std::sync::Arc::new(f))
    }

    fn call(hook: Option<&StepHook>, step: RunStep) {
        if let Some(hook) = hook {
            (hook.0)(step);
        }
    }
}

impl std::fmt::Debug for StepHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StepHook")
    }
}

impl RunConfig {
    /// A run writing to `out_dir`, with the index at `out_dir/index.redb` and templates on.
    pub fn new(out_dir: impl Into<PathBuf>) -> RunConfig {
        let out_dir = out_dir.into();
        RunConfig {
            index: Some(out_dir.join(DEFAULT_INDEX)),
            out_dir,
            site_profiles: None,
            learn_templates: true,
            site: SiteConfig::default(),
            on_step: None,
            parquet: false,
            memory: None,
            stories: None,
        }
    }
}

/// What a run did; also written as `summary.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct RunSummary {
    /// Items read: documents and failures (`read == cleaned + failed + repeated`).
    pub read: u64,
    /// Documents cleaned and written.
    pub cleaned: u64,
    /// Error records written.
    pub failed: u64,
    /// Documents read again (the same id and text as an earlier one of this input): kept
    /// once, not written again.
    pub repeated: u64,
    /// Files and records passed over as not being documents.
    pub skipped: u64,
    /// Documents of this input that the index already held.
    pub seen_before: u64,
    /// Clusters the documents of this input belong to (singletons included).
    pub clusters: u64,
    /// Of those, clusters of two documents or more.
    pub multi_clusters: u64,
    /// Documents of this input that are not their cluster's canonical member.
    pub duplicates: u64,
    /// Lines removed as site template.
    pub template_lines_removed: u64,
    /// Removals by class, over all documents.
    pub removals_by_class: BTreeMap<String, u64>,
    /// Stories the documents of this input belong to (stories of one cluster included);
    /// `None` when the run grouped no stories ([`RunConfig::stories`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stories: Option<u64>,
    /// Of those, stories of two clusters or more (the lines of `stories.jsonl`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multi_stories: Option<u64>,
    /// Whether the run stopped early on Ctrl-C (nothing was clustered, remembered or written
    /// then: the folder and the index stay as the last run left them).
    pub interrupted: bool,
}

/// One line of `documents.jsonl`: the cleaned document and where it landed. The run writes
/// the cleaned part as spilled and splices the rest on ([`placed_line`]); this is the record
/// that splice must equal (the tests compare them).
#[cfg(test)]
#[derive(Serialize)]
struct DocumentRecord<'a> {
    #[serde(flatten)]
    cleaned: &'a Cleaned,
    cluster: &'a str,
    canonical: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    seen_before: bool,
}

/// What `documents.jsonl` adds to a cleaned record.
#[derive(Serialize)]
struct PlacementFields<'a> {
    cluster: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    story: Option<&'a str>,
    canonical: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    seen_before: bool,
}

/// Pass 1's sink: the cleaned documents of each chunk go to the job's first stage, then to
/// the spill; error records are written as they come.
struct Learn<'j, 'a, W: Write> {
    batch: &'j BatchCleaner,
    job: &'j mut Job<'a>,
    chunk: Vec<Cleaned>,
    spill: &'j mut Spill,
    errors: JsonLinesWriter<W>,
}

impl<W: Write> Sink for Learn<'_, '_, W> {
    fn cleaned(&mut self, cleaned: &Cleaned) -> Result<(), Error> {
        self.chunk.push(cleaned.clone());
        Ok(())
    }

    fn take_cleaned(&mut self, cleaned: Cleaned) -> Result<(), Error> {
        self.chunk.push(cleaned);
        Ok(())
    }

    fn failed(&mut self, record: &ErrorRecord) -> Result<(), Error> {
        self.errors.write_error(record)
    }

    /// Called by the batch cleaner after every chunk.
    fn flush(&mut self) -> Result<(), Error> {
        if !self.chunk.is_empty() {
            let mut chunk = std::mem::take(&mut self.chunk);
            let job = &mut *self.job;
            let lines = self.batch.install(|| {
                job.learn(&mut chunk);
                chunk.par_iter().map(spill_line).collect::<Result<Vec<_>, Error>>()
            })?;
            for line in &lines {
                self.spill.write_line(line)?;
            }
        }
        self.errors.flush()
    }
}

/// A record as spilled: its JSON line, as `documents.jsonl` writes records.
fn spill_line(doc: &Cleaned) -> Result<Vec<u8>, Error> {
    let mut out = JsonLinesWriter::new(Vec::with_capacity(doc.text.len() + 256));
    out.write_record(doc)?;
    Ok(out.into_inner())
}

/// A spilled record read back.
fn unspill(line: &[u8]) -> Result<Cleaned, Error> {
    serde_json::from_slice(line).map_err(|e| Error::parse("run spill", e.to_string()))
}

/// The line of `documents.jsonl` for a spilled record (`{…}\n`) placed as `placement` says:
/// the record's fields, then the placement's (and the story's, when the run groups them), in
/// one object.
fn placed_line(
    spilled: &[u8],
    placement: &Placement<'_>,
    story: Option<&str>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let fields = PlacementFields {
        cluster: placement.cluster,
        story,
        canonical: placement.canonical,
        seen_before: placement.seen_before,
    };
    let mut tail = JsonLinesWriter::new(Vec::with_capacity(64));
    tail.write_record(&fields)?;
    let tail = tail.into_inner();
    let body = spilled.strip_suffix(b"}\n").filter(|b| b.len() > 1);
    let (Some(body), Some(tail)) = (body, tail.strip_prefix(b"{")) else {
        return Err(Error::parse("run spill", "a spilled record is not a JSON object line"));
    };
    out.clear();
    out.extend_from_slice(body);
    out.push(b',');
    out.extend_from_slice(tail);
    Ok(())
}

/// The memory budget of a run when none is given: a quarter of the machine's memory (read
/// from `/proc/meminfo`), or 4 GiB where that cannot be read.
pub fn default_memory_budget() -> u64 {
    const FALLBACK: u64 = 4 << 30;
    let Ok(info) = std::fs::read_to_string("/proc/meminfo") else { return FALLBACK };
    info.lines()
        .find_map(|line| {
            let kib = line.strip_prefix("MemTotal:")?.trim().strip_suffix("kB")?.trim();
            kib.parse::<u64>().ok()
        })
        .map_or(FALLBACK, |kib| kib.saturating_mul(1024) / 4)
}

/// The smallest budget a run takes.
const MIN_BUDGET: u64 = 32 << 20;

/// The share of the budget a run sets aside for what does not grow with the batch (the
/// chunks in flight, the site learner, buffers): half of it, at most 256 MiB.
fn fixed_bytes(budget: u64) -> u64 {
    (budget / 2).min(256 << 20)
}

/// The share of the budget the index's buffers take while a run writes it: a quarter, at most
/// 256 MiB; half for redb's page cache, half for the postings held before they are written
/// as a segment (see `index::Adding`).
fn index_bytes(budget: u64) -> u64 {
    (budget / 4).min(256 << 20)
}

/// What the index holds of a posting waiting to be written: its key and document number.
const POSTING_BYTES: u64 = 16;

/// Per document, besides its compact state: the deduplicator's clustering (cluster and member
/// records, items, candidate lists), the id table of `ids` and the text hashes. An estimate
/// from the sizes of those records (a member record about 100 bytes, an item 72, an id-table
/// entry 32), with a margin for the deduplicator's buckets.
const CLUSTERING_BYTES_PER_DOC: u64 = 600;

/// Runs the main job over `sources`.
///
/// # Errors
///
/// The output folder, the index or a profiles file cannot be used, writing failed, or the
/// batch needs more memory than [`RunConfig::memory`]. Documents that cannot be read or
/// cleaned are error records, not errors.
pub fn run(
    batch: &BatchCleaner,
    deduper: &Deduper,
    sources: Vec<Source>,
    config: &RunConfig,
    cancel: Option<&AtomicBool>,
) -> Result<RunSummary, Error> {
    let started = SystemTime::now();
    if config.parquet && !cfg!(feature = "parquet") {
        return Err(Error::config(
            "documents.parquet asked for, but this build writes no Parquet (build with the \
             `parquet` feature)",
        ));
    }
    let budget = config.memory.unwrap_or_else(default_memory_budget);
    if budget < MIN_BUDGET {
        return Err(Error::config(format!(
            "a memory budget of {} KiB is too small: a run needs at least {} MiB",
            budget >> 10,
            MIN_BUDGET >> 20
        )));
    }
    std::fs::create_dir_all(&config.out_dir)
        .map_err(|e| Error::io(Some(config.out_dir.clone()), "cannot create output folder", e))?;
    // Open the index first: a second run on the same index fails before doing any work.
    let mut index = match &config.index {
        Some(path) => Some(Index::open_with_cache(
            path,
            deduper.fingerprint(),
            usize::try_from(index_bytes(budget) / 2).unwrap_or(usize::MAX),
        )?),
        None => None,
    };

    settle_folder(&config.out_dir, index.as_ref(), started)?;
    let hook = config.on_step.as_ref();
    StepHook::call(hook, RunStep::Settled);

    let saved_profiles = match (&config.site_profiles, config.learn_templates) {
        (Some(path), true) => Some(SiteProfiles::load(path)?),
        _ => None,
    };
    let job_config = JobConfig {
        learn_templates: config.learn_templates,
        site: config.site.clone(),
        saved_profiles,
    };
    let mut job = Job::new(deduper, index.as_ref(), job_config)?;

    // Pass 1: read, clean, learn templates; the cleaned records go to a spill.
    let mut files = FileSet::new(&config.out_dir);
    let errors_file = AtomicFile::create(config.out_dir.join(ERRORS))?;
    let mut cleaned_spill = Spill::create(&config.out_dir, SPILL_CLEANED)?;
    let mut learn = Learn {
        batch,
        job: &mut job,
        chunk: Vec::new(),
        spill: &mut cleaned_spill,
        errors: JsonLinesWriter::new(errors_file),
    };
    let mut clean_run = batch.run(sources);
    if let Some(flag) = cancel {
        clean_run = clean_run.cancel_flag(flag);
    }
    if let Some(index) = &index {
        clean_run = clean_run.remembering(index);
    }
    let cleaned_summary: Summary = clean_run.write_to(&mut learn)?;
    let errors = learn.errors.into_inner().stage()?;

    let mut summary = RunSummary {
        read: cleaned_summary.read,
        cleaned: cleaned_summary.cleaned,
        failed: cleaned_summary.failed,
        repeated: cleaned_summary.repeated,
        skipped: cleaned_summary.skipped,
        interrupted: cleaned_summary.interrupted,
        ..RunSummary::default()
    };
    if summary.interrupted {
        // Nothing is switched: the folder and the index stay the last run's, and the
        // staged errors are dropped with their temporary file.
        return Ok(summary);
    }
    files.add(errors);
    StepHook::call(hook, RunStep::Spilled);

    // Pass 2: templates removed, documents signed; records templates changed go to a second
    // spill.
    let mut signing = batch.install(|| job.templates())?;
    if let Some(profiles) = signing.profiles() {
        let path = config.out_dir.join(SITE_PROFILES);
        files.add(stage_text(&path, &profiles.to_json())?);
    } else {
        // A file of an earlier run that this one does not write would describe that run.
        files.remove(SITE_PROFILES);
    }
    let mut placed_spill = Spill::create(&config.out_dir, SPILL_PLACED)?;
    // Per document in input order: whether its final record is in `placed_spill` (its
    // template changed it) rather than in `cleaned_spill`.
    let mut respilled: Vec<bool> = Vec::new();
    let mut story_evidence = config.stories.clone().map(stories::Evidence::new);
    {
        let mut reader = cleaned_spill.read()?;
        let chunk_bytes = usize::try_from(budget / 16).unwrap_or(usize::MAX).min(CHUNK_BYTES);
        let sign_chunk_docs = batch.chunk_docs().saturating_mul(4);
        let mut read_chunk = || -> Result<Vec<Vec<u8>>, Error> {
            let mut lines = Vec::new();
            let mut bytes = 0;
            let mut line = Vec::new();
            while lines.len() < sign_chunk_docs && bytes < chunk_bytes {
                if !reader.next_line(&mut line)? {
                    break;
                }
                bytes += line.len();
                lines.push(std::mem::take(&mut line));
            }
            Ok(lines)
        };
        let mut lines = read_chunk()?;
        while !lines.is_empty() {
            if cancel.is_some_and(|flag| flag.load(Ordering::Relaxed)) {
                // As when cleaning was interrupted: nothing is switched.
                summary.interrupted = true;
                return Ok(summary);
            }
            // The next chunk is read while this one is signed, as pass 1 reads while it
            // cleans: reading is one thread's work.
            let (out, next) = batch.install(|| {
                rayon::join(
                    || -> Result<Vec<Option<Vec<u8>>>, Error> {
                        let mut docs: Vec<Cleaned> =
                            lines.par_iter().map(|l| unspill(l)).collect::<Result<_, _>>()?;
                        let removals: Vec<usize> =
                            docs.iter().map(|doc| doc.removed.len()).collect();
                        signing.sign(&mut docs)?;
                        if let Some(evidence) = &mut story_evidence {
                            evidence.take(&docs);
                        }
                        docs.par_iter()
                            .zip(removals)
                            .map(|(doc, before)| match doc.removed.len() == before {
                                true => Ok(None),
                                false => spill_line(doc).map(Some),
                            })
                            .collect()
                    },
                    &mut read_chunk,
                )
            });
            let out = out?;
            lines = next?;
            for one in &out {
                respilled.push(one.is_some());
                if let Some(line) = one {
                    placed_spill.write_line(line)?;
                }
            }
            let needs = fixed_bytes(budget)
                + if index.is_some() { index_bytes(budget) } else { 0 }
                + signing.compact_bytes()
                + CLUSTERING_BYTES_PER_DOC * signing.len() as u64
                + story_evidence.as_ref().map_or(0, stories::Evidence::heap_bytes);
            if needs > budget {
                return Err(Error::config(format!(
                    "the run needs more memory than its budget of {} MiB: {} documents in, \
                     their signatures and clustering take about {} MiB; give a larger \
                     budget (--memory) or split the input into smaller runs",
                    budget >> 20,
                    signing.len(),
                    needs >> 20
                )));
            }
        }
    }
    StepHook::call(hook, RunStep::Signed);

    // Steps 6–8: cluster with what the index remembers.
    let placed = batch.install(|| signing.cluster());
    StepHook::call(hook, RunStep::Clustered);
    let stories = match story_evidence {
        Some(evidence) => Some(batch.install(|| evidence.group(&placed, index.as_ref()))?),
        None => None,
    };
    if let Some(stories) = &stories {
        let tally = stories.tally();
        (summary.stories, summary.multi_stories) = (Some(tally.stories), Some(tally.multi_stories));
        StepHook::call(hook, RunStep::Grouped);
    }
    let tally = placed.tally();
    summary.seen_before = tally.seen_before;
    summary.clusters = tally.clusters;
    summary.multi_clusters = tally.multi_clusters;
    summary.duplicates = tally.duplicates;
    summary.template_lines_removed = tally.template_lines_removed;
    summary.removals_by_class = tally.removals_by_class.clone();

    let spills = Spills { cleaned: cleaned_spill, placed: placed_spill, respilled };
    let Some(open_index) = &index else {
        write_outputs(config, &placed, spills, stories.as_ref(), &summary, &mut files)?;
        StepHook::call(hook, RunStep::Staged);
        drop(placed);
        let planned = files.plan(None)?;
        StepHook::call(hook, RunStep::Planned);
        planned.switch(|n| StepHook::call(hook, RunStep::Switched(n)))?;
        StepHook::call(hook, RunStep::Finished);
        return Ok(summary);
    };
    // Remember (new documents, and remembered ones whose cluster or canonical flag moved)
    // on a thread of its own while this one writes the outputs: the write transaction is
    // filled meanwhile and commits only once the outputs are staged and the switch planned.
    std::thread::scope(|scope| -> Result<(), Error> {
        let (commit, decided) = std::sync::mpsc::channel::<()>();
        let placed = &placed;
        let stories = stories.as_ref();
        let remembering = scope.spawn(move || {
            batch.install(move || -> Result<bool, Error> {
                let mut adding = open_index.begin_add()?;
                adding.hold_postings(
                    usize::try_from(index_bytes(budget) / 2 / POSTING_BYTES).unwrap_or(usize::MAX),
                );
                placed.remember(deduper, &mut adding)?;
                if let Some(stories) = stories {
                    stories.remember(placed, &mut adding)?;
                }
                // A closed channel: the outputs failed, and the write is dropped unmade.
                match decided.recv() {
                    Ok(()) => adding.commit(placed.site_records()).map(|()| true),
                    Err(_) => Ok(false),
                }
            })
        });
        let written = write_outputs(config, placed, spills, stories, &summary, &mut files);
        // The journal names the index commit that makes this run the truth; the files
        // switch after it (see `output::file_set`).
        let planned = written.and_then(|()| {
            StepHook::call(hook, RunStep::Staged);
            files.plan(Some(open_index.commits()?.saturating_add(1)))
        });
        let planned = match planned {
            Ok(planned) => {
                StepHook::call(hook, RunStep::Planned);
                let _ = commit.send(());
                planned
            }
            Err(err) => {
                drop(commit);
                let _ = remembering.join();
                return Err(err);
            }
        };
        let remembered = remembering.join().unwrap_or_else(|_| {
            Err(Error::index("the index write of this run stopped unexpectedly".to_owned()))
        });
        if let Err(err) = remembered {
            drop(planned);
            // Settled now as the next run would: undone, unless the commit landed after all.
            // Whatever this cannot do, the next run does.
            let _ = file_set::settle(&config.out_dir, open_index.commits().ok());
            return Err(err);
        }
        StepHook::call(hook, RunStep::Remembered);
        planned.switch(|n| StepHook::call(hook, RunStep::Switched(n)))
    })?;
    drop(placed);
    // The run is done and switched; what is left is the index file's free space.
    if let Some(index) = index.as_mut() {
        index.compact_if_sparse()?;
        StepHook::call(hook, RunStep::Compacted);
    }
    StepHook::call(hook, RunStep::Finished);
    Ok(summary)
}

/// The records of a run as pass 3 reads them back: every document as cleaned, and those
/// whose site template changed them as changed.
struct Spills {
    cleaned: Spill,
    placed: Spill,
    /// Per document, in input order: whether its final record is the next of `placed`
    /// (its line in `cleaned` is then passed over).
    respilled: Vec<bool>,
}

/// Pass 3 and the files after it: `documents.jsonl` (and `documents.parquet` when asked),
/// the documents of the input in input order with their clusters, read back from the spills;
/// `clusters.jsonl`, the clusters of two or more that gained members (or were made) in this
/// run; `summary.json`. Each is staged into `files`.
fn write_outputs(
    config: &RunConfig,
    placed: &Placed,
    mut spills: Spills,
    stories: Option<&Stories>,
    summary: &RunSummary,
    files: &mut FileSet,
) -> Result<(), Error> {
    let documents_file = AtomicFile::create(config.out_dir.join(DOCUMENTS))?;
    let mut documents = std::io::BufWriter::with_capacity(1 << 20, documents_file);
    let write_error = |e| Error::io(Some(config.out_dir.join(DOCUMENTS)), "cannot write", e);
    #[cfg(feature = "parquet")]
    let mut table = match config.parquet {
        true => Some(ParquetWriter::placed(
            AtomicFile::create(config.out_dir.join(DOCUMENTS_PARQUET))?,
            stories.is_some(),
        )?),
        false => None,
    };
    let mut spelling = stories.map(Stories::spelling);
    {
        let mut cleaned = spills.cleaned.read()?;
        let mut changed = spills.placed.read()?;
        let mut line = Vec::new();
        let mut out = Vec::new();
        for (position, &respilled) in spills.respilled.iter().enumerate() {
            let found = match respilled {
                true => cleaned.next_line(&mut line)? && changed.next_line(&mut line)?,
                false => cleaned.next_line(&mut line)?,
            };
            if !found {
                return Err(Error::parse("run spill", "a spill ended before its documents"));
            }
            let Some(placement) = placed.placement(position) else { continue };
            let story = stories.and_then(|s| s.story(position));
            placed_line(&line, &placement, story, &mut out)?;
            documents.write_all(&out).map_err(write_error)?;
            // The record is parsed only when the table or a join's spelling needs it, and
            // then once for both.
            let spells = spelling.as_ref().is_some_and(|s| s.wants(position));
            #[cfg(feature = "parquet")]
            let tabled = table.is_some();
            #[cfg(not(feature = "parquet"))]
            let tabled = false;
            if !(spells || tabled) {
                continue;
            }
            let doc = unspill(&line)?;
            #[cfg(feature = "parquet")]
            if let Some(table) = &mut table {
                let Placement { cluster, canonical, seen_before } = placement;
                let row = ParquetPlacement { cluster, canonical, seen_before, story };
                table.write_placed(&doc, row)?;
            }
            if let Some(spelling) = spelling.as_mut().filter(|_| spells) {
                spelling.spell(position, &doc);
            }
        }
    }
    drop(spills);
    let documents_file = documents.into_inner().map_err(|e| write_error(e.into_error()))?;
    files.add(documents_file.stage()?);
    #[cfg(feature = "parquet")]
    if let Some(table) = table {
        files.add(table.finish()?.stage()?);
    }
    if !config.parquet {
        files.remove(DOCUMENTS_PARQUET);
    }

    let clusters_file = AtomicFile::create(config.out_dir.join(CLUSTERS))?;
    let mut cluster_lines = JsonLinesWriter::new(clusters_file);
    for cluster in placed.touched() {
        cluster_lines.write_record(cluster)?;
    }
    cluster_lines.flush()?;
    files.add(cluster_lines.into_inner().stage()?);
    match stories.zip(spelling.as_ref()) {
        Some((stories, spelling)) => {
            files.add(stories.write(spelling, &config.out_dir.join(STORIES))?);
        }
        // A file of an earlier run that this one does not write would describe that run.
        None => files.remove(STORIES),
    }
    let summary_json =
        serde_json::to_string_pretty(summary).map_err(|e| Error::parse(SUMMARY, e.to_string()))?;
    files.add(stage_text(&config.out_dir.join(SUMMARY), &(summary_json + "\n"))?);
    Ok(())
}

/// Gives a document without a site the one its URL or its input subfolder names
/// (`pages/kt.kz/a.txt` → `kt.kz`): templates are learned per site, and a folder per site is
/// how scrapers save pages. A run does this to every cleaned document before learning
/// templates; the Python bindings and the Spark job do the same.
pub fn fill_site(doc: &mut Cleaned) {
    if doc.meta.site.is_some() {
        return;
    }
    if let Some(url) = doc.meta.canonical_url.as_deref() {
        if let Some(site) = site::site_of(url) {
            doc.meta.site = Some(site);
            return;
        }
    }
    let mut parts = doc.id.split('/');
    if let (Some(folder), Some(_)) = (parts.next(), parts.next()) {
        if folder.contains('.') && !folder.starts_with('.') {
            doc.meta.site = Some(folder.to_ascii_lowercase());
        }
    }
}

/// Finishes or undoes a switch a killed run left in `dir`, then removes the temporary files
/// of dead runs (see `output::file_set`).
fn settle_folder(dir: &Path, index: Option<&Index>, started: SystemTime) -> Result<(), Error> {
    let commits = index.map(Index::commits).transpose()?;
    file_set::settle(dir, commits)?;
    let names = [
        ERRORS,
        SITE_PROFILES,
        DOCUMENTS,
        DOCUMENTS_PARQUET,
        CLUSTERS,
        STORIES,
        SUMMARY,
        file_set::JOURNAL,
        DEFAULT_INDEX,
        SPILL_CLEANED,
        SPILL_PLACED,
    ];
    file_set::remove_stale_temporaries(dir, &names, started)?;
    Ok(())
}

/// Writes `text` to a file staged under its temporary name.
fn stage_text(path: &Path, text: &str) -> Result<StagedFile, Error> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(text.as_bytes())
        .map_err(|e| Error::io(Some(path.to_path_buf()), "cannot write", e))?;
    file.stage()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cleaner, Document};

    /// The spliced line must be the record `documents.jsonl` always held: the cleaned fields
    /// and the placement in one object, as the flattened record serialises.
    #[test]
    fn a_placed_line_is_the_flattened_record() {
        let cleaner = Cleaner::builder().build().unwrap();
        let mut doc = cleaner.clean(&Document::text(
            "x/1",
            "A headline\n\nBy Jane Doe\n\nThe text of the story, \u{2028}with \"quotes\" and \u{1b}.",
        ));
        doc.meta.site = Some("x.example".into());
        for (cluster, canonical, seen_before) in
            [("c-1", true, false), ("c\"2", false, true), ("", false, false)]
        {
            let mut expected = JsonLinesWriter::new(Vec::new());
            expected
                .write_record(&DocumentRecord { cleaned: &doc, cluster, canonical, seen_before })
                .unwrap();
            let spilled = spill_line(&doc).unwrap();
            let mut line = Vec::new();
            let placement = Placement { cluster, canonical, seen_before };
            placed_line(&spilled, &placement, None, &mut line).unwrap();
            assert_eq!(
                String::from_utf8(line).unwrap(),
                String::from_utf8(expected.into_inner()).unwrap()
            );
            assert_eq!(unspill(&spilled).unwrap(), doc);
        }
    }

    #[test]
    fn a_line_that_is_no_object_is_an_error() {
        let placement = Placement { cluster: "c", canonical: true, seen_before: false };
        let mut out = Vec::new();
        assert!(placed_line(b"[1]\n", &placement, None, &mut out).is_err());
        assert!(placed_line(b"{}", &placement, None, &mut out).is_err());
    }

    #[test]
    fn the_default_budget_is_a_share_of_the_machine() {
        let budget = default_memory_budget();
        assert!(budget >= 64 << 20, "{budget}");
    }
}

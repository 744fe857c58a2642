//! The main job, `clean-news run`: clean, learn site templates, find reposts, remember, write.
//!
//! Steps 1–3 stream through the [`BatchCleaner`] (read and clean in parallel,
//! in input order); the batch then stays in memory for the steps that need all of it:
//!
//! - step 4: site templates are learned from the batch (merged with profiles saved by
//!   earlier runs, when given) and removed from every document;
//! - step 5: every document is signed;
//! - steps 6–8: with an index, the documents it remembers that share an LSH key with the
//!   batch join the clustering as *priors* (their clusters stay theirs); a document id
//!   already in the index with the same text is recognised, not added again (another text
//!   is a new version under a derived id, see [`ids`](super::ids)); then the deduplicator
//!   clusters;
//! - step 9: `errors.jsonl`, `site-profiles.json`, `documents.jsonl` (every document of the
//!   input with its cluster), `clusters.jsonl` (the clusters of two documents or more that
//!   this run touched) and `summary.json` are written under temporary names, then the index
//!   is updated in one transaction, then the files are switched into place together. Asked
//!   ([`RunConfig::parquet`]), the run also writes `documents.parquet`: the same records as
//!   `documents.jsonl`, as a table (`output::parquet`, feature `parquet`).
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
//! | [`Settled`](RunStep::Settled), [`Staged`](RunStep::Staged) | last run (temporary files removed) | last run |
//! | [`Planned`](RunStep::Planned) | last run (switch undone) | last run |
//! | [`Remembered`](RunStep::Remembered), [`Switched`](RunStep::Switched) | this run (switch finished) | this run |
//!
//! Between a kill after `Remembered` and the next run, a reader of the folder sees the last
//! run's files (or, killed amid the renames, some of each beside the journal
//! `.clean-news-switch.json`) while the index already holds this run. Without an index the
//! journal itself is the commit point. An interrupted run (Ctrl-C) switches nothing: the
//! folder and the index stay the last run's. A run without templates removes an earlier
//! run's `site-profiles.json` in its switch, since that file would describe the other run.
//! The temporary files of runs that died are removed when the next run starts.
//!
//! The output is byte-identical for any thread count: records are written in input order,
//! clusters in the deduplicator's deterministic order, and nothing time-dependent goes into
//! the files (timings go to the caller).
//!
//! # Memory
//!
//! The batch's cleaned texts and signatures are held together: about the size of the cleaned
//! text plus 4 bytes per shingle and a fixed ~1.5 KiB of sketches per document (a million
//! news-size documents: a few GiB). A later version can spill cleaned texts to disk between
//! learning and writing; the design does not depend on holding them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::SystemTime;

use rayon::prelude::*;
use serde::Serialize;

use super::ids::text_hash;
use super::{BatchCleaner, Summary};
use crate::clean::site::{self, SiteConfig, SiteProfiles};
use crate::dedup::{Deduper, Item, Prior, Signature, published_seconds};
use crate::index::{Index, IndexedDoc, NewDoc};
use crate::input::Source;
#[cfg(feature = "parquet")]
use crate::output::parquet::{ParquetWriter, Placement};
use crate::output::{
    AtomicFile, ErrorRecord, FileSet, JsonLinesWriter, Sink, StagedFile, file_set,
};
use crate::{Cleaned, Error};

// The files of a run's folder, in the order a run switches them into place: the summary
// comes last.
const ERRORS: &str = "errors.jsonl";
const SITE_PROFILES: &str = "site-profiles.json";
const DOCUMENTS: &str = "documents.jsonl";
const DOCUMENTS_PARQUET: &str = "documents.parquet";
const CLUSTERS: &str = "clusters.jsonl";
const SUMMARY: &str = "summary.json";
/// The index a run keeps in its folder unless told another (created whole: `Index::open`).
const DEFAULT_INDEX: &str = "index.redb";

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
}

/// The points of a run after which its folder or its index has changed, in order; see the
/// [module docs](self) for what a kill after each leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunStep {
    /// What a killed run left is settled (its switch finished or undone, temporary files of
    /// dead runs removed); nothing of this run exists yet.
    Settled,
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
    /// Whether the run stopped early on Ctrl-C (nothing was clustered, remembered or written
    /// then: the folder and the index stay as the last run left them).
    pub interrupted: bool,
}

/// One line of `documents.jsonl`: the cleaned document and where it landed.
#[derive(Serialize)]
struct DocumentRecord<'a> {
    #[serde(flatten)]
    cleaned: &'a Cleaned,
    cluster: &'a str,
    canonical: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    seen_before: bool,
}

/// Collects the cleaned batch, writes error records as they come.
struct Collect<W: Write> {
    docs: Vec<Cleaned>,
    errors: JsonLinesWriter<W>,
}

impl<W: Write> Sink for Collect<W> {
    fn cleaned(&mut self, cleaned: &Cleaned) -> Result<(), Error> {
        self.docs.push(cleaned.clone());
        Ok(())
    }

    fn failed(&mut self, record: &ErrorRecord) -> Result<(), Error> {
        self.errors.write_error(record)
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.errors.flush()
    }
}

/// Runs the main job over `sources`.
///
/// # Errors
///
/// The output folder, the index or a profiles file cannot be used, or writing failed.
/// Documents that cannot be read or cleaned are error records, not errors.
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
    std::fs::create_dir_all(&config.out_dir)
        .map_err(|e| Error::io(Some(config.out_dir.clone()), "cannot create output folder", e))?;
    // Open the index first: a second run on the same index fails before doing any work.
    let index = match &config.index {
        Some(path) => Some(Index::open(path, deduper.fingerprint())?),
        None => None,
    };

    settle_folder(&config.out_dir, index.as_ref(), started)?;
    let hook = config.on_step.as_ref();
    StepHook::call(hook, RunStep::Settled);

    let mut files = FileSet::new(&config.out_dir);
    let errors_file = AtomicFile::create(config.out_dir.join(ERRORS))?;
    let mut collect = Collect { docs: Vec::new(), errors: JsonLinesWriter::new(errors_file) };
    let mut clean_run = batch.run(sources);
    if let Some(flag) = cancel {
        clean_run = clean_run.cancel_flag(flag);
    }
    if let Some(index) = &index {
        clean_run = clean_run.remembering(index);
    }
    let cleaned_summary: Summary = clean_run.write_to(&mut collect)?;
    let Collect { mut docs, errors } = collect;
    let errors = errors.into_inner().stage()?;

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

    // Taken before site templates change the texts: what `ids` compared.
    let text_hashes: Vec<u64> = docs.iter().map(text_hash).collect();
    batch.install(|| {
        docs.par_iter_mut().for_each(fill_site);
    });
    // Profiles of the sites this batch saw, to remember in the index with its documents.
    let mut site_records: Vec<(String, Vec<u8>)> = Vec::new();
    if config.learn_templates {
        let remembered = match &index {
            Some(index) => remembered_profiles(index)?,
            None => SiteProfiles::empty(),
        };
        let learned = SiteProfiles::learn(&docs, &config.site)?;
        let batch_sites: BTreeSet<String> = learned.sites().map(|p| p.site.clone()).collect();
        let mut profiles = remembered;
        if let Some(path) = &config.site_profiles {
            profiles = profiles.merged_with(SiteProfiles::load(path)?);
        }
        let profiles = profiles.merged_with(learned);
        let removed: u64 =
            batch.install(|| docs.par_iter_mut().map(|d| profiles.apply(d).len() as u64).sum());
        summary.template_lines_removed = removed;
        let path = config.out_dir.join(SITE_PROFILES);
        files.add(stage_text(&path, &profiles.to_json())?);
        site_records = profiles
            .split_by_site()
            .filter_map(|one| {
                let site = one.sites().next()?.site.clone();
                batch_sites.contains(&site).then(|| (site, one.to_json().into_bytes()))
            })
            .collect();
    } else {
        // A file of an earlier run that this one does not write would describe that run.
        files.remove(SITE_PROFILES);
    }

    let signatures: Vec<Signature> =
        batch.install(|| docs.par_iter().map(|d| deduper.sign(signed_text(d))).collect());
    // Band keys are what the index stores and looks up; without one they are not needed.
    let band_keys: Vec<Vec<u64>> = match &index {
        Some(_) => batch.install(|| signatures.par_iter().map(|s| deduper.band_keys(s)).collect()),
        None => Vec::new(),
    };

    // What the index remembers: documents of this input seen before, and earlier documents
    // that share a key with this input.
    let mut remembered: HashMap<String, IndexedDoc> = HashMap::new();
    if let Some(index) = &index {
        for doc in &docs {
            if let Some(seen) = index.get(&doc.id)? {
                remembered.insert(doc.id.clone(), seen);
            }
        }
        let keys: BTreeSet<u64> = band_keys.iter().flatten().copied().collect();
        let keys: Vec<u64> = keys.into_iter().collect();
        for prior in index.candidates(&keys)? {
            remembered.entry(prior.id.clone()).or_insert(prior);
        }
    }
    let batch_ids: BTreeSet<&str> = docs.iter().map(|d| d.id.as_str()).collect();
    let mut prior_docs: Vec<(&IndexedDoc, Signature)> = Vec::new();
    let mut prior_ids: Vec<&String> = remembered.keys().collect();
    prior_ids.sort();
    for id in prior_ids {
        if batch_ids.contains(id.as_str()) {
            continue;
        }
        let doc = &remembered[id];
        if let Ok(signature) = deduper.decode(&doc.signature) {
            prior_docs.push((doc, signature));
        }
    }

    let mut items: Vec<Item<'_>> = docs
        .iter()
        .zip(&signatures)
        .map(|(d, s)| Item {
            prior: remembered
                .get(&d.id)
                .map(|r| Prior { cluster: r.cluster.as_str(), canonical: r.canonical }),
            ..Item::of_cleaned(d, s)
        })
        .collect();
    items.extend(prior_docs.iter().map(|(doc, signature)| Item {
        id: &doc.id,
        published: doc.published,
        site: doc.site.as_deref(),
        signature,
        prior: Some(Prior { cluster: &doc.cluster, canonical: doc.canonical }),
    }));
    let clusters = batch.install(|| deduper.cluster_items(&items));

    // Write the documents of this input, in input order, with their clusters.
    let mut touched: BTreeSet<usize> = BTreeSet::new();
    let mut cluster_positions: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, c) in clusters.clusters().iter().enumerate() {
        cluster_positions.insert(c.id.as_str(), i);
    }
    let documents_file = AtomicFile::create(config.out_dir.join(DOCUMENTS))?;
    let mut documents = JsonLinesWriter::new(documents_file);
    #[cfg(feature = "parquet")]
    let mut table = match config.parquet {
        true => Some(ParquetWriter::with_clusters(AtomicFile::create(
            config.out_dir.join(DOCUMENTS_PARQUET),
        )?)?),
        false => None,
    };
    let mut seen_clusters: BTreeSet<&str> = BTreeSet::new();
    for (i, doc) in docs.iter().enumerate() {
        let Some(cluster) = clusters.cluster_of(i) else { continue };
        let seen_before = remembered.contains_key(&doc.id);
        summary.seen_before += u64::from(seen_before);
        let canonical = cluster.canonical == doc.id;
        summary.duplicates += u64::from(!canonical);
        if seen_clusters.insert(cluster.id.as_str()) {
            summary.clusters += 1;
            summary.multi_clusters += u64::from(cluster.members.len() > 1);
        }
        if !seen_before || remembered.get(&doc.id).is_some_and(|r| r.cluster != cluster.id) {
            if let Some(&position) = cluster_positions.get(cluster.id.as_str()) {
                touched.insert(position);
            }
        }
        for removal in &doc.removed {
            *summary.removals_by_class.entry(removal.class.as_str().to_owned()).or_default() += 1;
        }
        documents.write_record(&DocumentRecord {
            cleaned: doc,
            cluster: &cluster.id,
            canonical,
            seen_before,
        })?;
        #[cfg(feature = "parquet")]
        if let Some(table) = &mut table {
            table.write_placed(doc, Placement { cluster: &cluster.id, canonical, seen_before })?;
        }
    }
    documents.flush()?;
    files.add(documents.into_inner().stage()?);
    #[cfg(feature = "parquet")]
    if let Some(table) = table {
        files.add(table.finish()?.stage()?);
    }
    if !config.parquet {
        files.remove(DOCUMENTS_PARQUET);
    }

    // Clusters of two or more that gained members (or were made) in this run.
    let clusters_file = AtomicFile::create(config.out_dir.join(CLUSTERS))?;
    let mut cluster_lines = JsonLinesWriter::new(clusters_file);
    for &position in &touched {
        let cluster = &clusters.clusters()[position];
        if cluster.members.len() > 1 {
            cluster_lines.write_record(cluster)?;
        }
    }
    cluster_lines.flush()?;
    files.add(cluster_lines.into_inner().stage()?);
    let summary_json =
        serde_json::to_string_pretty(&summary).map_err(|e| Error::parse(SUMMARY, e.to_string()))?;
    files.add(stage_text(&config.out_dir.join(SUMMARY), &(summary_json + "\n"))?);
    StepHook::call(hook, RunStep::Staged);

    // Remember: new documents, and remembered ones whose cluster or canonical flag moved.
    if let Some(index) = &index {
        let mut updates = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            let Some(cluster) = clusters.cluster_of(i) else { continue };
            let canonical = cluster.canonical == doc.id;
            let unchanged = remembered
                .get(&doc.id)
                .is_some_and(|r| r.cluster == cluster.id && r.canonical == canonical);
            if unchanged {
                continue;
            }
            updates.push(NewDoc {
                doc: IndexedDoc {
                    id: doc.id.clone(),
                    site: doc.meta.site.clone(),
                    published: doc.meta.published.as_deref().and_then(published_seconds),
                    cluster: cluster.id.clone(),
                    canonical,
                    signature: signatures[i].to_bytes(),
                    text_hash: Some(text_hashes[i]),
                },
                bands: band_keys[i].clone(),
            });
        }
        for (offset, (prior, signature)) in prior_docs.iter().enumerate() {
            let Some(cluster) = clusters.cluster_of(docs.len() + offset) else { continue };
            let canonical = cluster.canonical == prior.id;
            if cluster.id != prior.cluster || canonical != prior.canonical {
                updates.push(NewDoc {
                    doc: IndexedDoc { cluster: cluster.id.clone(), canonical, ..(*prior).clone() },
                    bands: deduper.band_keys(signature),
                });
            }
        }
        // The journal names the index commit that makes this run the truth; the files
        // switch after it (see `output::file_set`).
        let planned = files.plan(Some(index.commits()?.saturating_add(1)))?;
        StepHook::call(hook, RunStep::Planned);
        if let Err(err) = index.add(&updates, &site_records) {
            drop(planned);
            // Settled now as the next run would: undone, unless the commit landed after all.
            // Whatever this cannot do, the next run does.
            let _ = file_set::settle(&config.out_dir, index.commits().ok());
            return Err(err);
        }
        StepHook::call(hook, RunStep::Remembered);
        planned.switch(|n| StepHook::call(hook, RunStep::Switched(n)))?;
    } else {
        let planned = files.plan(None)?;
        StepHook::call(hook, RunStep::Planned);
        planned.switch(|n| StepHook::call(hook, RunStep::Switched(n)))?;
    }
    StepHook::call(hook, RunStep::Finished);
    Ok(summary)
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

/// The site profiles earlier runs left in the index. A record this build cannot read (an
/// older profiles format) is passed over: the site learns again and its record is rewritten.
fn remembered_profiles(index: &Index) -> Result<SiteProfiles, Error> {
    let mut profiles = SiteProfiles::empty();
    for (_, bytes) in index.site_profiles()? {
        let json = String::from_utf8_lossy(&bytes);
        if let Ok(one) = SiteProfiles::from_json(&json) {
            profiles = profiles.merged_with(one);
        }
    }
    Ok(profiles)
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
        SUMMARY,
        file_set::JOURNAL,
        DEFAULT_INDEX,
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

/// The text a document is signed by: none for a page that is no article (a cookie wall, a
/// paywall), which must never join a cluster.
fn signed_text(doc: &Cleaned) -> &str {
    if doc.meta.non_article.is_some() { "" } else { &doc.text }
}

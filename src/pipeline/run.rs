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
//! - step 9: `documents.jsonl` (every document of the input with its cluster), `clusters.jsonl` (the
//!   clusters of two documents or more that this run touched), `errors.jsonl` and
//!   `summary.json` are written atomically, then the index is updated in one transaction.
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

use rayon::prelude::*;
use serde::Serialize;

use super::ids::text_hash;
use super::{BatchCleaner, Summary};
use crate::clean::site::{self, SiteConfig, SiteProfiles};
use crate::dedup::{Deduper, Item, Prior, Signature, published_seconds};
use crate::index::{Index, IndexedDoc, NewDoc};
use crate::input::Source;
use crate::output::{AtomicFile, ErrorRecord, JsonLinesWriter, Sink};
use crate::{Cleaned, Error};

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
}

impl RunConfig {
    /// A run writing to `out_dir`, with the index at `out_dir/index.redb` and templates on.
    pub fn new(out_dir: impl Into<PathBuf>) -> RunConfig {
        let out_dir = out_dir.into();
        RunConfig {
            index: Some(out_dir.join("index.redb")),
            out_dir,
            site_profiles: None,
            learn_templates: true,
            site: SiteConfig::default(),
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
    /// Whether the run stopped early on Ctrl-C (nothing was clustered or remembered then).
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
    std::fs::create_dir_all(&config.out_dir)
        .map_err(|e| Error::io(Some(config.out_dir.clone()), "cannot create output folder", e))?;
    // Open the index first: a second run on the same index fails before doing any work.
    let index = match &config.index {
        Some(path) => Some(Index::open(path, deduper.fingerprint())?),
        None => None,
    };

    let errors_file = AtomicFile::create(config.out_dir.join("errors.jsonl"))?;
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
    errors.into_inner().commit()?;

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
        write_json(&config.out_dir.join("summary.json"), &summary)?;
        return Ok(summary);
    }

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
        profiles.save(config.out_dir.join("site-profiles.json"))?;
        site_records = profiles
            .split_by_site()
            .filter_map(|one| {
                let site = one.sites().next()?.site.clone();
                batch_sites.contains(&site).then(|| (site, one.to_json().into_bytes()))
            })
            .collect();
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
    let documents_file = AtomicFile::create(config.out_dir.join("documents.jsonl"))?;
    let mut documents = JsonLinesWriter::new(documents_file);
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
    }
    documents.flush()?;

    // Clusters of two or more that gained members (or were made) in this run.
    let clusters_file = AtomicFile::create(config.out_dir.join("clusters.jsonl"))?;
    let mut cluster_lines = JsonLinesWriter::new(clusters_file);
    for &position in &touched {
        let cluster = &clusters.clusters()[position];
        if cluster.members.len() > 1 {
            cluster_lines.write_record(cluster)?;
        }
    }
    cluster_lines.flush()?;

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
        // Files first, index last: a run killed in between leaves files that say more than
        // the index remembers, and the rerun (same input) recognises nothing and redoes all.
        documents.into_inner().commit()?;
        cluster_lines.into_inner().commit()?;
        index.add(&updates, &site_records)?;
    } else {
        documents.into_inner().commit()?;
        cluster_lines.into_inner().commit()?;
    }
    write_json(&config.out_dir.join("summary.json"), &summary)?;
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

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), Error> {
    let mut file = AtomicFile::create(path)?;
    let json = serde_json::to_string_pretty(value)
        .map_err(|e| Error::parse(path.display().to_string(), e.to_string()))?;
    file.write_all(json.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .map_err(|e| Error::io(Some(path.to_path_buf()), "cannot write", e))?;
    file.commit()
}

/// The text a document is signed by: none for a page that is no article (a cookie wall, a
/// paywall), which must never join a cluster.
fn signed_text(doc: &Cleaned) -> &str {
    if doc.meta.non_article.is_some() { "" } else { &doc.text }
}

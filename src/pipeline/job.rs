//! The batch steps of the main job (steps 4–8) as one library type, for every front end:
//! `clean-news run`, the Python binding and the Spark job call the same core instead of each
//! wiring templates, signing, the index and clustering themselves.
//!
//! A [`Job`] goes through three stages, each fed the batch's cleaned documents **in input
//! order**, in chunks of any size (the whole batch at once is one chunk):
//!
//! 1. [`Job::learn`]: gives each document its site ([`fill_site`]), takes the hash of its
//!    text as cleaned ([`text_hash`]: what the index remembers), and counts its lines for
//!    site templates ([`SiteLearner`], bounded memory). [`Job::templates`] then decides the
//!    profiles: those the index remembers, under those saved by an earlier run, under those
//!    this batch learned.
//! 2. [`Signing::sign`]: removes the templates from each document (the caller keeps the
//!    changed document: it is what the run writes), signs it, and keeps only its compact
//!    state — id, site, time, signature, text hash — and, with an index, the
//!    remembered documents that are the same id or share a band key.
//! 3. [`Signing::cluster`]: clusters the batch with those remembered documents as priors and
//!    gives a [`Placed`]: each document's cluster ([`Placed::placement`], by input position),
//!    the clusters this batch touched, the run's counts, and the index records to write.
//!
//! So a caller that streams (the run spills cleaned documents to disk between the stages)
//! holds the compact state of the batch and one chunk of text, and a caller that holds the
//! batch (the Python binding) passes it whole; both get the same clusters. Parallel work
//! (learning, templates, signing) runs on the rayon pool the caller installs, and the result
//! does not depend on its size nor on how the batch is cut into chunks.
//!
//! # Example
//!
//! ```
//! use clean_news::pipeline::job::{Job, JobConfig};
//! use clean_news::{Cleaner, Deduper, Document};
//!
//! let cleaner = Cleaner::builder().build()?;
//! let deduper = Deduper::builder().build()?;
//! let story = "Ministers agreed the plan on Monday after a long night of talks in the capital.";
//! let mut docs: Vec<_> = ["a", "b", "c"]
//!     .iter()
//!     .map(|id| {
//!         let text = if *id == "c" { "Another story entirely, about the weather." } else { story };
//!         cleaner.clean(&Document::text(*id, text))
//!     })
//!     .collect();
//! let mut job = Job::new(&deduper, None, JobConfig::default())?;
//! job.learn(&mut docs);
//! let mut signing = job.templates()?;
//! signing.sign(&mut docs)?;
//! let placed = signing.cluster();
//! let a = placed.placement(0).unwrap();
//! assert_eq!(a.cluster, placed.placement(1).unwrap().cluster);
//! assert_ne!(a.cluster, placed.placement(2).unwrap().cluster);
//! # Ok::<(), clean_news::Error>(())
//! ```
//!
//! # Memory
//!
//! Per document of the batch: its id, a site number, its time, its text hash, its signature
//! ([`Signing::compact_bytes`] counts the encoded size of each); per site, its name; plus
//! the remembered documents the batch brings in. Band keys (71 a document by default, 8
//! bytes each) are computed for the index lookups of a chunk and again when the index is
//! told ([`Placed::remember`]), never kept. The texts are never held beyond the chunk being
//! passed.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use super::ids::text_hash;
use super::run::fill_site;
use crate::clean::site::{SiteConfig, SiteLearner, SiteProfiles};
use crate::dedup::{Cluster, Clusters, Deduper, Item, Prior, Signature, published_seconds};
use crate::index::{Adding, Index, IndexedDoc, NewDoc};
use crate::{Cleaned, Error};

/// How a [`Job`] treats site templates.
#[derive(Debug, Clone)]
pub struct JobConfig {
    /// Learn site templates from the batch and remove them (step 4). Default on.
    pub learn_templates: bool,
    /// How templates are learned.
    pub site: SiteConfig,
    /// Profiles saved by an earlier run (`--site-profiles`): sites this batch learns anew
    /// take their new profile, the others keep these.
    pub saved_profiles: Option<SiteProfiles>,
}

impl Default for JobConfig {
    fn default() -> JobConfig {
        JobConfig { learn_templates: true, site: SiteConfig::default(), saved_profiles: None }
    }
}

/// Stage 1 of the batch steps: learning site templates (see the [module docs](self)).
#[derive(Debug)]
pub struct Job<'a> {
    deduper: &'a Deduper,
    index: Option<&'a Index>,
    learner: Option<SiteLearner>,
    saved: Option<SiteProfiles>,
    text_hashes: Vec<u64>,
}

impl<'a> Job<'a> {
    /// A job that clusters with `deduper` and, given an index, continues what it remembers
    /// (its documents join as priors, its site profiles under this batch's).
    ///
    /// # Errors
    ///
    /// A `Config` error when `config.site` is out of range.
    pub fn new(
        deduper: &'a Deduper,
        index: Option<&'a Index>,
        config: JobConfig,
    ) -> Result<Job<'a>, Error> {
        let learner = match config.learn_templates {
            true => Some(SiteLearner::new(&config.site)?),
            false => None,
        };
        Ok(Job { deduper, index, learner, saved: config.saved_profiles, text_hashes: Vec::new() })
    }

    /// Takes the next documents of the batch, in input order: fills their sites, hashes their
    /// texts and counts their lines. The documents are changed only by [`fill_site`].
    pub fn learn(&mut self, docs: &mut [Cleaned]) {
        docs.par_iter_mut().for_each(fill_site);
        self.text_hashes.par_extend(docs.par_iter().map(text_hash));
        if let Some(learner) = &mut self.learner {
            learner.add_batch(docs);
        }
    }

    /// How many documents [`learn`](Job::learn) has taken.
    pub fn len(&self) -> usize {
        self.text_hashes.len()
    }

    /// Whether no document was taken yet.
    pub fn is_empty(&self) -> bool {
        self.text_hashes.is_empty()
    }

    /// Decides the site profiles (when templates are learned) and goes on to signing.
    ///
    /// # Errors
    ///
    /// The index's site profiles cannot be read.
    pub fn templates(self) -> Result<Signing<'a>, Error> {
        let mut profiles = None;
        let mut site_records = Vec::new();
        if let Some(learner) = self.learner {
            let learned = learner.finish();
            let batch_sites: BTreeSet<String> = learned.sites().map(|p| p.site.clone()).collect();
            let mut merged = match self.index {
                Some(index) => remembered_profiles(index)?,
                None => SiteProfiles::empty(),
            };
            if let Some(saved) = self.saved {
                merged = merged.merged_with(saved);
            }
            let merged = merged.merged_with(learned);
            site_records = merged
                .split_by_site()
                .filter_map(|one| {
                    let site = one.sites().next()?.site.clone();
                    batch_sites.contains(&site).then(|| (site, one.to_json().into_bytes()))
                })
                .collect();
            profiles = Some(merged);
        }
        let expected = self.text_hashes.len();
        Ok(Signing {
            deduper: self.deduper,
            index: self.index,
            profiles,
            site_records,
            text_hashes: self.text_hashes,
            docs: Compact::with_capacity(expected),
            remembered: HashMap::new(),
            template_lines_removed: 0,
            removals_by_class: BTreeMap::new(),
            compact_bytes: 0,
        })
    }
}

/// Stage 2 of the batch steps: templates removed, documents signed (see the
/// [module docs](self)).
#[derive(Debug)]
pub struct Signing<'a> {
    deduper: &'a Deduper,
    index: Option<&'a Index>,
    profiles: Option<SiteProfiles>,
    site_records: Vec<(String, Vec<u8>)>,
    text_hashes: Vec<u64>,
    docs: Compact,
    /// What the index remembers: documents of the batch seen before, and earlier documents
    /// that share a band key with the batch.
    remembered: HashMap<String, IndexedDoc>,
    template_lines_removed: u64,
    removals_by_class: BTreeMap<String, u64>,
    compact_bytes: u64,
}

/// The compact state of the batch's documents, by input position.
#[derive(Debug, Default)]
struct Compact {
    ids: Vec<Box<str>>,
    /// An index into `site_names`, or `u32::MAX` for none.
    sites: Vec<u32>,
    site_names: Vec<Box<str>>,
    site_numbers: HashMap<Box<str>, u32>,
    published: Vec<Option<i64>>,
    signatures: Vec<Signature>,
}

impl Compact {
    fn with_capacity(n: usize) -> Compact {
        Compact {
            ids: Vec::with_capacity(n),
            sites: Vec::with_capacity(n),
            published: Vec::with_capacity(n),
            signatures: Vec::with_capacity(n),
            ..Compact::default()
        }
    }

    fn site(&self, i: usize) -> Option<&str> {
        self.site_names.get(*self.sites.get(i)? as usize).map(|s| &**s)
    }

    fn site_number(&mut self, site: Option<&str>) -> u32 {
        let Some(site) = site else { return u32::MAX };
        if let Some(&n) = self.site_numbers.get(site) {
            return n;
        }
        let n = u32::try_from(self.site_names.len()).unwrap_or(u32::MAX);
        self.site_names.push(site.into());
        self.site_numbers.insert(site.into(), n);
        n
    }
}

impl<'a> Signing<'a> {
    /// The site profiles in force (none when templates are off): what the run saves as
    /// `site-profiles.json`. [`cluster`](Signing::cluster) drops them.
    pub fn profiles(&self) -> Option<&SiteProfiles> {
        self.profiles.as_ref()
    }

    /// Takes the next documents of the batch, in the order [`Job::learn`] took them: removes
    /// their templates (changing them), signs them and looks them up in the index.
    ///
    /// # Errors
    ///
    /// A `Config` error when more documents come than were learned; the index cannot be read.
    pub fn sign(&mut self, docs: &mut [Cleaned]) -> Result<(), Error> {
        let start = self.docs.ids.len();
        if start + docs.len() > self.text_hashes.len() {
            return Err(Error::config(format!(
                "{} documents signed but {} learned: every document goes through both stages",
                start + docs.len(),
                self.text_hashes.len()
            )));
        }
        let profiles = self.profiles.as_ref();
        let deduper = self.deduper;
        let with_bands = self.index.is_some();
        let signed: Vec<(u64, Signature, Box<[u64]>, u64)> = docs
            .par_iter_mut()
            .map(|doc| {
                // The site is the one `Job::learn` gave the document.
                let removed = profiles.map_or(0, |p| p.apply(doc).len() as u64);
                let signature = deduper.sign(signed_text(doc));
                let bands: Box<[u64]> = match with_bands {
                    true => deduper.band_keys(&signature).into(),
                    false => Box::default(),
                };
                // Band keys are looked up for this chunk and dropped: computed again from
                // the signature when the index is told (71 keys a document, 8 bytes each,
                // would be half the compact state again).
                let bytes = (std::mem::size_of::<Signature>()
                    + signature.encoded_len()
                    + doc.id.len()) as u64;
                (removed, signature, bands, bytes)
            })
            .collect();
        let mut keys: Vec<u64> = Vec::new();
        for (doc, (removed, signature, bands, bytes)) in docs.iter().zip(signed) {
            self.template_lines_removed += removed;
            self.compact_bytes += bytes;
            for removal in &doc.removed {
                let class = removal.class.as_str();
                match self.removals_by_class.get_mut(class) {
                    Some(count) => *count += 1,
                    None => {
                        self.removals_by_class.insert(class.to_owned(), 1);
                    }
                }
            }
            let site = self.docs.site_number(doc.meta.site.as_deref());
            self.docs.sites.push(site);
            self.docs.ids.push(doc.id.as_str().into());
            self.docs.published.push(doc.meta.published.as_deref().and_then(published_seconds));
            self.docs.signatures.push(signature);
            keys.extend(bands.iter().copied());
        }
        if let Some(index) = self.index {
            let ids: Vec<&str> = docs.iter().map(|doc| doc.id.as_str()).collect();
            for seen in index.get_many(&ids)?.into_iter().flatten() {
                self.remembered.insert(seen.id.clone(), seen);
            }
            keys.par_sort_unstable();
            keys.dedup();
            for prior in index.candidates(&keys)? {
                self.remembered.entry(prior.id.clone()).or_insert(prior);
            }
        }
        Ok(())
    }

    /// An estimate of the bytes the compact state of the documents signed so far holds (ids,
    /// signatures as encoded): what grows with the batch.
    pub fn compact_bytes(&self) -> u64 {
        self.compact_bytes
    }

    /// How many documents were signed.
    pub fn len(&self) -> usize {
        self.docs.ids.len()
    }

    /// Whether no document was signed yet.
    pub fn is_empty(&self) -> bool {
        self.docs.ids.is_empty()
    }

    /// Clusters the batch with the remembered documents as priors.
    pub fn cluster(self) -> Placed {
        // The profiles are done with (every document is signed): dropped here, not carried.
        let Signing {
            deduper,
            site_records,
            text_hashes,
            docs,
            remembered,
            template_lines_removed,
            removals_by_class,
            ..
        } = self;
        // The batch's own remembered records say what it has seen before; the others are
        // priors: earlier documents that share a band key with the batch.
        let (own, others): (HashMap<String, IndexedDoc>, HashMap<String, IndexedDoc>) = {
            let batch_ids: HashSet<&str> = docs.ids.iter().map(|id| &**id).collect();
            remembered.into_iter().partition(|(id, _)| batch_ids.contains(id.as_str()))
        };
        let mut others: Vec<IndexedDoc> = others.into_values().collect();
        others.sort_by(|a, b| a.id.cmp(&b.id));
        let priors: Vec<(IndexedDoc, Signature)> = others
            .into_iter()
            .filter_map(|doc| {
                let signature = deduper.decode(&doc.signature).ok()?;
                Some((doc, signature))
            })
            .collect();
        let clusters = {
            let mut items: Vec<Item<'_>> = Vec::with_capacity(docs.ids.len() + priors.len());
            for (i, id) in docs.ids.iter().enumerate() {
                items.push(Item {
                    id,
                    published: docs.published[i],
                    site: docs.site(i),
                    signature: &docs.signatures[i],
                    prior: own
                        .get(&**id)
                        .map(|r| Prior { cluster: r.cluster.as_str(), canonical: r.canonical }),
                });
            }
            items.extend(priors.iter().map(|(doc, signature)| Item {
                id: &doc.id,
                published: doc.published,
                site: doc.site.as_deref(),
                signature,
                prior: Some(Prior { cluster: &doc.cluster, canonical: doc.canonical }),
            }));
            deduper.cluster_items(&items)
        };
        Placed::new(
            docs,
            text_hashes,
            own,
            priors,
            clusters,
            site_records,
            template_lines_removed,
            removals_by_class,
        )
    }
}

/// One document of the batch as [`Signing::sign`] left it: what a front end that cuts the batch
/// into parts carries between them. The Spark job signs each site's documents apart (one
/// [`Job`] per site learns that site's templates), then clusters each connected component of
/// LSH candidates apart ([`Signing::of_signed`]); every LSH bucket lies inside one component,
/// so the parts give the clusters of the whole batch.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The document id.
    pub id: String,
    /// Its site, as [`Job::learn`] filled it.
    pub site: Option<String>,
    /// Its publication time, seconds since 1970 ([`published_seconds`] of `meta.published`).
    pub published: Option<i64>,
    /// The hash of its text as cleaned ([`text_hash`]): what the index remembers.
    pub text_hash: u64,
    /// Its signature (templates removed; empty for a page that is no article).
    pub signature: Signature,
}

impl<'a> Signing<'a> {
    /// The document at input position `i`, once [`sign`](Signing::sign) took it.
    pub fn signed(&self, i: usize) -> Option<Signed> {
        Some(Signed {
            id: self.docs.ids.get(i)?.to_string(),
            site: self.docs.site(i).map(str::to_owned),
            published: *self.docs.published.get(i)?,
            text_hash: *self.text_hashes.get(i)?,
            signature: self.docs.signatures.get(i)?.clone(),
        })
    }

    /// Stage 2 over documents signed elsewhere ([`Signing::signed`]), in input order: no
    /// index, no templates (they were removed before signing). [`cluster`](Signing::cluster)
    /// then places them as if they had been signed here.
    pub fn of_signed(deduper: &'a Deduper, docs: impl IntoIterator<Item = Signed>) -> Signing<'a> {
        let mut compact = Compact::default();
        let mut text_hashes = Vec::new();
        let mut compact_bytes = 0u64;
        for doc in docs {
            let site = compact.site_number(doc.site.as_deref());
            compact.sites.push(site);
            compact_bytes += (std::mem::size_of::<Signature>()
                + doc.signature.encoded_len()
                + doc.id.len()) as u64;
            compact.ids.push(doc.id.into_boxed_str());
            compact.published.push(doc.published);
            compact.signatures.push(doc.signature);
            text_hashes.push(doc.text_hash);
        }
        Signing {
            deduper,
            index: None,
            profiles: None,
            site_records: Vec::new(),
            text_hashes,
            docs: compact,
            remembered: HashMap::new(),
            template_lines_removed: 0,
            removals_by_class: BTreeMap::new(),
            compact_bytes,
        }
    }
}

/// Where one document of the batch landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement<'p> {
    /// Its cluster's id.
    pub cluster: &'p str,
    /// Whether it is its cluster's canonical member.
    pub canonical: bool,
    /// Whether the index already held it (the same id and text).
    pub seen_before: bool,
}

/// What the run reports of a placed batch (`summary.json` takes these).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tally {
    /// Documents of the batch that the index already held.
    pub seen_before: u64,
    /// Clusters the documents of the batch belong to (singletons included).
    pub clusters: u64,
    /// Of those, clusters of two documents or more.
    pub multi_clusters: u64,
    /// Documents of the batch that are not their cluster's canonical member.
    pub duplicates: u64,
    /// Lines removed as site template.
    pub template_lines_removed: u64,
    /// Removals by class, over all documents.
    pub removals_by_class: BTreeMap<String, u64>,
}

/// Stage 3 of the batch steps: the batch clustered (see the [module docs](self)).
#[derive(Debug)]
pub struct Placed {
    docs: Compact,
    text_hashes: Vec<u64>,
    /// The batch's documents the index already held, by id.
    remembered: HashMap<String, IndexedDoc>,
    /// Earlier documents that joined the clustering, after the batch's, in id order.
    priors: Vec<(IndexedDoc, Signature)>,
    clusters: Clusters,
    touched: Vec<usize>,
    site_records: Vec<(String, Vec<u8>)>,
    tally: Tally,
}

impl Placed {
    #[allow(clippy::too_many_arguments)]
    fn new(
        docs: Compact,
        text_hashes: Vec<u64>,
        remembered: HashMap<String, IndexedDoc>,
        priors: Vec<(IndexedDoc, Signature)>,
        clusters: Clusters,
        site_records: Vec<(String, Vec<u8>)>,
        template_lines_removed: u64,
        removals_by_class: BTreeMap<String, u64>,
    ) -> Placed {
        let mut tally = Tally { template_lines_removed, removals_by_class, ..Tally::default() };
        let positions: HashMap<&str, usize> =
            clusters.clusters().iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
        let mut touched: BTreeSet<usize> = BTreeSet::new();
        let mut seen_clusters: HashSet<&str> = HashSet::new();
        for (i, id) in docs.ids.iter().enumerate() {
            let Some(cluster) = clusters.cluster_of(i) else { continue };
            let remembered = remembered.get(&**id);
            let seen_before = remembered.is_some();
            tally.seen_before += u64::from(seen_before);
            tally.duplicates += u64::from(cluster.canonical != **id);
            if seen_clusters.insert(cluster.id.as_str()) {
                tally.clusters += 1;
                tally.multi_clusters += u64::from(cluster.members.len() > 1);
            }
            if remembered.is_none_or(|r| r.cluster != cluster.id) {
                if let Some(&position) = positions.get(cluster.id.as_str()) {
                    touched.insert(position);
                }
            }
        }
        let touched: Vec<usize> = touched.into_iter().collect();
        drop(positions);
        drop(seen_clusters);
        Placed { docs, text_hashes, remembered, priors, clusters, touched, site_records, tally }
    }

    /// How many documents the batch has.
    pub fn len(&self) -> usize {
        self.docs.ids.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.docs.ids.is_empty()
    }

    /// The id of the document at input position `i` of the batch.
    pub fn id(&self, i: usize) -> Option<&str> {
        self.docs.ids.get(i).map(|id| &**id)
    }

    /// Where the document at input position `i` of the batch landed.
    pub fn placement(&self, i: usize) -> Option<Placement<'_>> {
        let cluster = self.clusters.cluster_of(i)?;
        let id = self.docs.ids.get(i)?;
        Some(Placement {
            cluster: &cluster.id,
            canonical: cluster.canonical == **id,
            seen_before: self.remembered.contains_key(&**id),
        })
    }

    /// Every cluster, the remembered documents' included (positions past the batch are the
    /// priors').
    pub fn clusters(&self) -> &Clusters {
        &self.clusters
    }

    /// The clusters of two documents or more that this batch made or joined, in the
    /// deduplicator's order: what `clusters.jsonl` lists.
    pub fn touched(&self) -> impl Iterator<Item = &Cluster> {
        self.touched.iter().map(|&p| &self.clusters.clusters()[p]).filter(|c| c.members.len() > 1)
    }

    /// The counts of the batch.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// The profiles of the sites this batch saw, by site, as the index stores them.
    pub fn site_records(&self) -> &[(String, Vec<u8>)] {
        &self.site_records
    }

    /// Hands `adding` what the index must remember of this batch: new documents, and
    /// remembered ones whose cluster or canonical flag moved, [`REMEMBER_CHUNK`] at a time
    /// (signatures encoded and band keys computed for one chunk, in parallel, then dropped).
    /// Site profiles go with [`Adding::commit`] ([`site_records`](Self::site_records)).
    ///
    /// # Errors
    ///
    /// The index cannot be written.
    pub fn remember(&self, deduper: &Deduper, adding: &mut Adding<'_>) -> Result<(), Error> {
        let docs = &self.docs;
        let batch = docs.ids.len();
        let positions: Vec<usize> =
            (0..batch + self.priors.len()).filter(|&i| self.moved(i)).collect();
        let build = |chunk: &[usize]| -> Vec<NewDoc> {
            chunk
                .par_iter()
                .filter_map(|&i| {
                    let cluster = self.clusters.cluster_of(i)?;
                    let new = if let Some(id) = docs.ids.get(i) {
                        let signature = &docs.signatures[i];
                        NewDoc {
                            doc: IndexedDoc {
                                id: id.to_string(),
                                site: docs.site(i).map(str::to_owned),
                                published: docs.published[i],
                                cluster: cluster.id.clone(),
                                canonical: cluster.canonical == **id,
                                signature: signature.to_bytes(),
                                text_hash: Some(self.text_hashes[i]),
                            },
                            bands: deduper.band_keys(signature),
                        }
                    } else {
                        let (prior, signature) = &self.priors[i - batch];
                        NewDoc {
                            bands: deduper.band_keys(signature),
                            doc: IndexedDoc {
                                cluster: cluster.id.clone(),
                                canonical: cluster.canonical == prior.id,
                                ..prior.clone()
                            },
                        }
                    };
                    Some(new)
                })
                .collect()
        };
        // The next chunk's records and band keys are made while this one is inserted: the
        // index has one writer, and its thread is what the write waits for.
        let mut chunks = positions.chunks(REMEMBER_CHUNK);
        let mut ready = chunks.next().map(build);
        while let Some(updates) = ready {
            let mut next = None;
            let added = rayon::in_place_scope(|scope| {
                scope.spawn(|_| next = chunks.next().map(build));
                adding.add(&updates)
            });
            added?;
            ready = next;
        }
        Ok(())
    }

    /// Whether the index must be told of position `i` (the batch's documents, then the
    /// priors'): a document it does not hold, or one whose cluster or canonical flag moved.
    fn moved(&self, i: usize) -> bool {
        let Some(cluster) = self.clusters.cluster_of(i) else { return false };
        let batch = self.docs.ids.len();
        let (id, held) = match self.docs.ids.get(i) {
            Some(id) => (&**id, self.remembered.get(&**id)),
            None => match self.priors.get(i - batch) {
                Some((prior, _)) => (prior.id.as_str(), Some(prior)),
                None => return false,
            },
        };
        held.is_none_or(|r| r.cluster != cluster.id || r.canonical != (cluster.canonical == id))
    }
}

/// Documents [`Placed::remember`] hands the index at a time.
pub const REMEMBER_CHUNK: usize = 16 * 1024;

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

/// The text a document is signed by: none for a page that is no article (a cookie wall, a
/// paywall), which must never join a cluster.
fn signed_text(doc: &Cleaned) -> &str {
    if doc.meta.non_article.is_some() { "" } else { &doc.text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cleaner, Document};

    fn docs() -> Vec<Cleaned> {
        let cleaner = Cleaner::builder().build().unwrap();
        let config = clean_news_synth::SynthConfig { docs: 240, sites: 4, ..Default::default() };
        clean_news_synth::Corpus::generate(&config)
            .map(|(doc, _)| {
                // The synthetic crate's `Document` is this crate's as another build sees it.
                let json = serde_json::to_value(&doc).unwrap();
                let mut doc: Document = serde_json::from_value(json).unwrap();
                // A line of each site's own that no pack knows: only templates remove it.
                if let (crate::Body::Text(text), Some(site)) = (&mut doc.body, &doc.site) {
                    let words: String = site.chars().filter(char::is_ascii_alphabetic).collect();
                    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
                    let line = format!("Support the {words} night desk and its reporters today.");
                    lines.insert(lines.len() / 2, line);
                    *text = lines.join("\n");
                }
                cleaner.clean(&doc)
            })
            .collect()
    }

    /// (cluster, canonical) per document, the touched clusters, the tally and the documents.
    type Outcome = (Vec<(String, bool)>, Vec<String>, Tally, Vec<Cleaned>);

    fn placed_in_chunks(deduper: &Deduper, mut docs: Vec<Cleaned>, chunk: usize) -> Outcome {
        let mut job = Job::new(deduper, None, JobConfig::default()).unwrap();
        for part in docs.chunks_mut(chunk) {
            job.learn(part);
        }
        let mut signing = job.templates().unwrap();
        for part in docs.chunks_mut(chunk) {
            signing.sign(part).unwrap();
        }
        let placed = signing.cluster();
        let placements = (0..placed.len())
            .map(|i| {
                let p = placed.placement(i).unwrap();
                (p.cluster.to_owned(), p.canonical)
            })
            .collect();
        let touched = placed.touched().map(|c| c.id.clone()).collect();
        (placements, touched, placed.tally().clone(), docs)
    }

    #[test]
    fn chunks_of_any_size_give_the_placement_of_the_whole_batch() {
        let deduper = Deduper::builder().build().unwrap();
        let docs = docs();
        let whole = placed_in_chunks(&deduper, docs.clone(), docs.len());
        assert!(whole.1.len() > 5, "the batch has reposts");
        assert!(whole.2.template_lines_removed > 0, "{:?}", whole.2);
        for chunk in [1, 7, 100] {
            assert!(placed_in_chunks(&deduper, docs.clone(), chunk) == whole, "chunks of {chunk}");
        }
    }

    /// The Spark job's cut: templates learned and documents signed site by site, then each
    /// connected component of shared LSH keys clustered on its own.
    #[test]
    fn signing_by_site_and_clustering_by_component_gives_the_whole_batch() {
        let deduper = Deduper::builder().build().unwrap();
        let docs = docs();
        let whole = placed_in_chunks(&deduper, docs.clone(), docs.len());

        let mut by_site: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
        for (i, doc) in docs.iter().enumerate() {
            by_site.entry(doc.meta.site.clone()).or_default().push(i);
        }
        assert!(by_site.len() > 1);
        let mut signed: Vec<Option<Signed>> = vec![None; docs.len()];
        let mut texts: Vec<String> = vec![String::new(); docs.len()];
        for positions in by_site.values() {
            let mut part: Vec<Cleaned> = positions.iter().map(|&i| docs[i].clone()).collect();
            let mut job = Job::new(&deduper, None, JobConfig::default()).unwrap();
            job.learn(&mut part);
            let mut signing = job.templates().unwrap();
            signing.sign(&mut part).unwrap();
            for (k, &i) in positions.iter().enumerate() {
                signed[i] = signing.signed(k);
                texts[i] = part[k].text.clone();
            }
        }
        let signed: Vec<Signed> = signed.into_iter().map(Option::unwrap).collect();
        assert_eq!(texts, whole.3.iter().map(|d| d.text.clone()).collect::<Vec<_>>());

        // Components of shared band keys (union-find on the smallest position).
        let mut parent: Vec<usize> = (0..signed.len()).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        let mut first: HashMap<u64, usize> = HashMap::new();
        for (i, doc) in signed.iter().enumerate() {
            for key in deduper.band_keys(&doc.signature) {
                let head = *first.entry(key).or_insert(i);
                let (a, b) = (root(&mut parent, head), root(&mut parent, i));
                parent[a.max(b)] = a.min(b);
            }
        }
        let mut components: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..signed.len() {
            let r = root(&mut parent, i);
            components.entry(r).or_default().push(i);
        }
        assert!(components.len() > 1 && components.len() < signed.len());
        let mut got: Vec<Option<(String, bool)>> = vec![None; signed.len()];
        for members in components.values() {
            let part = members.iter().map(|&i| signed[i].clone());
            let placed = Signing::of_signed(&deduper, part).cluster();
            for (k, &i) in members.iter().enumerate() {
                let p = placed.placement(k).unwrap();
                got[i] = Some((p.cluster.to_owned(), p.canonical));
            }
        }
        let got: Vec<(String, bool)> = got.into_iter().map(Option::unwrap).collect();
        assert_eq!(got, whole.0);
    }

    #[test]
    fn more_documents_signed_than_learned_is_an_error() {
        let deduper = Deduper::builder().build().unwrap();
        let cleaner = Cleaner::builder().build().unwrap();
        let mut docs = vec![cleaner.clean(&Document::text("a", "One line of text, enough."))];
        let mut job = Job::new(&deduper, None, JobConfig::default()).unwrap();
        job.learn(&mut docs);
        let mut signing = job.templates().unwrap();
        signing.sign(&mut docs).unwrap();
        let err = signing.sign(&mut docs).unwrap_err();
        assert!(matches!(err.kind(), crate::ErrorKind::Config { .. }));
    }

    #[test]
    fn without_templates_nothing_is_learned_or_removed() {
        let deduper = Deduper::builder().build().unwrap();
        let mut docs = docs();
        let before: Vec<String> = docs.iter().map(|d| d.text.clone()).collect();
        let config = JobConfig { learn_templates: false, ..JobConfig::default() };
        let mut job = Job::new(&deduper, None, config).unwrap();
        job.learn(&mut docs);
        let mut signing = job.templates().unwrap();
        assert!(signing.profiles().is_none());
        signing.sign(&mut docs).unwrap();
        let after: Vec<String> = docs.iter().map(|d| d.text.clone()).collect();
        assert_eq!(before, after);
        let placed = signing.cluster();
        assert_eq!(placed.tally().template_lines_removed, 0);
        assert!(placed.site_records().is_empty());
    }
}

//! Stories in the run (#20): the glue between [`run`](super::run) and [`crate::story`].
//!
//! With [`RunConfig::stories`](super::run::RunConfig::stories) set, the run does three more
//! things, one in each of its passes, so that no pass reads the texts again:
//!
//! - **pass 2** ([`Evidence::take`]): each document's [`StoryEvidence`] is taken from its text
//!   as it will be written — templates removed, the text it is signed by — in parallel, a
//!   chunk at a time, and only the evidence (about 530 bytes) stays in memory beside the
//!   compact state. A page that is no article (`meta.non_article`) gets empty evidence: it
//!   joins no story by itself, as it joins no cluster.
//! - **after clustering** ([`Evidence::group`]): the batch's documents, each with its repost
//!   cluster, are grouped by [`group_stories`]; a story is a union of clusters, named by its
//!   smallest cluster id, so a document alone (a cluster of one) is a story of its own whose
//!   id is its cluster's, as `cluster` is written for singletons.
//! - **pass 3** ([`Stories`]): each record of `documents.jsonl` gets its `story`; the records
//!   of the few documents whose words explain a join are read as they pass by, to spell the
//!   shared word keys as the text wrote them ([`surface_words`]); then `stories.jsonl` lists
//!   every story of two clusters or more, with its clusters and its joins.
//!
//! - **with an index** ([`Stories::remember`]): each document's story, evidence and lookup
//!   keys (its rarest words in the batch, names and lead words first) are remembered in the
//!   run's one index write (`index::stories`), so that a later run looks its own documents'
//!   lookup keys up, groups the earlier documents found with its batch, and a story that
//!   holds one keeps the earlier story's id. The index holds this only for runs with
//!   stories: about 530 bytes of evidence and 16 lookup postings a document.
//!
//! Why it is off by default: on `rewrites-dev` the grouping reaches recall 0.17 at precision
//! 0.95, far from the 0.6, and a run that does not want stories should not pay for
//! them.
//!
//! # Memory
//!
//! Per document, its evidence as held ([`std::mem::size_of::<StoryEvidence>`] and its arrays)
//! and its share of the grouping ([`GROUPING_BYTES_PER_DOC`]); the run adds both to what it
//! counts against its budget. The spelling keeps, per join, the few documents and keys it
//! needs.
//!
//! # Determinism
//!
//! The grouping depends on the set of documents, not on their order or on the thread count
//! (see [`crate::story`]); the evidence is taken in input order; stories are written in id
//! order and joins in the order they joined (strongest first). So `stories.jsonl` is the same
//! bytes for any thread count.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

use super::job::{Placed, REMEMBER_CHUNK};
use crate::index::{Adding, Index, RememberedStory, StoryRecord};
use crate::output::{AtomicFile, JsonLinesWriter, StagedFile};
use crate::story::{
    KeyWeights, PairScore, StoryConfig, StoryDocument, StoryEvidence, StoryGrouping, group_stories,
    surface_words,
};
use crate::{Cleaned, Error};

/// Per document, besides its evidence: its share of the grouping — a prepared weight per key
/// (4 bytes, about 100 keys), its rarest keys in the candidate lists (8 keys, 8 bytes each),
/// the key frequencies, its cluster's slot in the union-find — rounded up.
pub(crate) const GROUPING_BYTES_PER_DOC: u64 = 640;

/// The story evidence of a batch, taken in pass 2, in input order.
#[derive(Debug)]
pub(crate) struct Evidence {
    config: StoryConfig,
    evidence: Vec<StoryEvidence>,
    bytes: u64,
}

impl Evidence {
    pub(crate) fn new(config: StoryConfig) -> Evidence {
        Evidence { config, evidence: Vec::new(), bytes: 0 }
    }

    /// Takes the evidence of the next documents of the batch, as they will be written.
    pub(crate) fn take(&mut self, docs: &[Cleaned]) {
        let start = self.evidence.len();
        self.evidence.par_extend(docs.par_iter().map(evidence_of));
        self.bytes += self.evidence[start..]
            .iter()
            .map(|e| (std::mem::size_of::<StoryEvidence>() + e.heap_bytes()) as u64)
            .sum::<u64>();
    }

    /// What the evidence and the grouping to come hold, in bytes.
    pub(crate) fn heap_bytes(&self) -> u64 {
        self.bytes + GROUPING_BYTES_PER_DOC * self.evidence.len() as u64
    }

    /// Groups the batch's clusters into stories. With an index, earlier documents that share
    /// a lookup key with the batch join the grouping, and a story that holds one keeps the
    /// story id it was given (the smallest, when it holds several).
    ///
    /// # Errors
    ///
    /// The index cannot be read.
    pub(crate) fn group(self, placed: &Placed, index: Option<&Index>) -> Result<Stories, Error> {
        let count = placed.len().min(self.evidence.len());
        let ids: Vec<&str> = (0..count).map(|i| placed.id(i).unwrap_or("")).collect();
        let weights = KeyWeights::from_evidence(self.evidence.iter());
        let rare_keys = lookup_count(&self.config);
        let lookup: Vec<Box<[u32]>> =
            self.evidence.par_iter().map(|e| lookup_keys(e, &weights, rare_keys)).collect();
        drop(weights);
        let remembered: Vec<RememberedStory> = match index {
            Some(index) => {
                let keys: Vec<u32> = lookup.iter().flat_map(|k| k.iter().copied()).collect();
                let max = usize::try_from(self.config.max_postings).unwrap_or(usize::MAX);
                let batch: HashSet<&str> = ids.iter().copied().collect();
                let mut found = index.story_candidates(&keys, max)?;
                found.retain(|r| !batch.contains(r.id.as_str()));
                found
            }
            None => Vec::new(),
        };
        let earlier: Vec<StoryEvidence> = remembered
            .iter()
            .map(|r| StoryEvidence::from_bytes(&r.record.evidence).unwrap_or_default())
            .collect();
        let mut docs: Vec<StoryDocument<'_>> = (0..count)
            .map(|i| StoryDocument {
                id: ids[i],
                // Every placed document has a cluster; one without would be alone.
                cluster: placed.placement(i).map_or(ids[i], |p| p.cluster),
                evidence: &self.evidence[i],
                is_non_article: false,
            })
            .collect();
        docs.extend(remembered.iter().zip(&earlier).map(|(r, evidence)| StoryDocument {
            id: &r.id,
            cluster: &r.cluster,
            evidence,
            is_non_article: false,
        }));
        let grouping = group_stories(&docs, &self.config);
        drop(docs);

        // Names: an earlier story's id is kept.
        let mut names: Vec<String> = grouping.stories.iter().map(|s| s.id.clone()).collect();
        let mut kept: Vec<Option<&str>> = vec![None; names.len()];
        for (k, r) in remembered.iter().enumerate() {
            if let Some(&s) = grouping.story_of.get(count + k) {
                let name = r.record.story.as_str();
                if kept[s].is_none_or(|old| name < old) {
                    kept[s] = Some(name);
                }
            }
        }
        for (name, kept) in names.iter_mut().zip(&kept) {
            if let Some(kept) = kept {
                (*kept).clone_into(name);
            }
        }
        // Earlier documents whose story took another's name are told so.
        let renamed: Vec<StoryRecord> = remembered
            .iter()
            .enumerate()
            .filter_map(|(k, r)| {
                let name = &names[*grouping.story_of.get(count + k)?];
                (*name != r.record.story)
                    .then(|| StoryRecord { story: name.clone(), ..r.record.clone() })
            })
            .collect();

        // Who spells each join: its first document, or its second when only that one is of
        // this batch (a join may reach an earlier document).
        let named: HashSet<&str> = grouping
            .stories
            .iter()
            .flat_map(|s| &s.joins)
            .flat_map(|j| j.documents.iter().map(String::as_str))
            .collect();
        let positions: HashMap<String, usize> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| named.contains(**id))
            .map(|(i, id)| ((*id).to_owned(), i))
            .collect();
        let mut to_spell: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
        for join in grouping.stories.iter().flat_map(|s| &s.joins) {
            let Some(&at) = join.documents.iter().find_map(|d| positions.get(d.as_str())) else {
                continue;
            };
            let keys = to_spell.entry(at).or_default();
            keys.extend(join.shared.names.iter().chain(&join.shared.words));
        }
        for keys in to_spell.values_mut() {
            keys.sort_unstable();
            keys.dedup();
        }
        let mut in_batch = vec![false; grouping.stories.len()];
        for &s in grouping.story_of.iter().take(count) {
            if let Some(slot) = in_batch.get_mut(s) {
                *slot = true;
            }
        }
        // What the index is told; nothing to keep without one.
        let (evidence, lookup) = match index {
            Some(_) => (self.evidence, lookup),
            None => (Vec::new(), Vec::new()),
        };
        Ok(Stories { grouping, names, in_batch, positions, to_spell, evidence, lookup, renamed })
    }
}

/// The keys a document is looked up and remembered under: its `n` rarest in the batch
/// (fewest documents), the words a rewrite of the same event shares; among keys as rare,
/// names before other words, and words of the lead before the rest, then by key. The ties
/// matter in a small batch, where most keys are held by one document: an earlier document
/// and its rewrite must pick the same few words, and the event's names in the lead are
/// what both keep.
fn lookup_keys(evidence: &StoryEvidence, weights: &KeyWeights, n: usize) -> Box<[u32]> {
    let mut keys: Vec<(u32, bool, bool, u32)> = (0..evidence.word_count())
        .map(|i| {
            let e = evidence.entry(i);
            (weights.document_frequency(e.key), !e.is_entity, e.lead_count == 0, e.key)
        })
        .collect();
    keys.sort_unstable();
    keys.into_iter().take(n).map(|(.., k)| k).collect()
}

/// Lookup keys a document keeps in the index and asks it about: twice the in-batch
/// candidate keys, since a batch's rarity and an earlier batch's do not rank words alike.
fn lookup_count(config: &StoryConfig) -> usize {
    config.rare_keys.saturating_mul(2)
}

/// The evidence of one document: none for a page that is no article.
fn evidence_of(doc: &Cleaned) -> StoryEvidence {
    match doc.meta.non_article {
        Some(_) => StoryEvidence::default(),
        None => StoryEvidence::from_cleaned(doc),
    }
}

/// A batch grouped into stories, waiting for pass 3 to write them and the index to remember
/// them.
#[derive(Debug)]
pub(crate) struct Stories {
    grouping: StoryGrouping,
    /// Per story, its name: its id, or the earlier story's it joined.
    names: Vec<String>,
    /// Per story: whether a document of this batch is in it.
    in_batch: Vec<bool>,
    /// The batch position of each document a join names.
    positions: HashMap<String, usize>,
    /// Positions whose record spells shared keys, with those keys (ascending).
    to_spell: BTreeMap<usize, Vec<u32>>,
    /// With an index: the batch's evidence and lookup keys, by position.
    evidence: Vec<StoryEvidence>,
    lookup: Vec<Box<[u32]>>,
    /// With an index: earlier documents whose story now has another name.
    renamed: Vec<StoryRecord>,
}

/// The shared keys of the joins, spelled as pass 3 reads the records that explain them.
#[derive(Debug)]
pub(crate) struct Spelling {
    /// Positions still to read, with the keys they spell (ascending).
    to_spell: BTreeMap<usize, Vec<u32>>,
    /// The spellings found, by position and key.
    spelled: HashMap<usize, HashMap<u32, String>>,
}

impl Spelling {
    /// Whether pass 3 must hand over the record at position `i` ([`Spelling::spell`]).
    pub(crate) fn wants(&self, i: usize) -> bool {
        self.to_spell.contains_key(&i)
    }

    /// Spells the shared keys the record at position `i` explains, as its text wrote them.
    pub(crate) fn spell(&mut self, i: usize, doc: &Cleaned) {
        let Some(keys) = self.to_spell.remove(&i) else { return };
        let words = surface_words(doc.title.as_deref(), &doc.text, &keys);
        self.spelled.insert(i, words.into_iter().collect());
    }
}

/// What `summary.json` counts of stories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoryTally {
    /// Stories the documents of the batch belong to (stories of one cluster included).
    pub(crate) stories: u64,
    /// Of those, stories of two clusters or more.
    pub(crate) multi_stories: u64,
}

impl Stories {
    /// The story of the document at input position `i`.
    pub(crate) fn story(&self, i: usize) -> Option<&str> {
        self.names.get(*self.grouping.story_of.get(i)?).map(String::as_str)
    }

    /// What pass 3 reads to spell the joins' evidence.
    pub(crate) fn spelling(&self) -> Spelling {
        Spelling { to_spell: self.to_spell.clone(), spelled: HashMap::new() }
    }

    /// Tells the index each document's story, evidence and lookup keys (documents without
    /// evidence, pages that are no article, are not told), [`REMEMBER_CHUNK`] at a time,
    /// and the new story of earlier documents whose story joined another.
    ///
    /// # Errors
    ///
    /// The index cannot be written.
    pub(crate) fn remember(&self, placed: &Placed, adding: &mut Adding<'_>) -> Result<(), Error> {
        let positions: Vec<usize> =
            (0..self.evidence.len()).filter(|&i| !self.evidence[i].is_empty()).collect();
        for chunk in positions.chunks(REMEMBER_CHUNK) {
            let records: Vec<StoryRecord> = chunk
                .par_iter()
                .filter_map(|&i| {
                    Some(StoryRecord {
                        id: placed.id(i)?.to_owned(),
                        story: self.story(i)?.to_owned(),
                        keys: self.lookup.get(i)?.to_vec(),
                        evidence: self.evidence[i].to_bytes(),
                    })
                })
                .collect();
            adding.add_stories(&records)?;
        }
        adding.add_stories(&self.renamed)
    }

    pub(crate) fn tally(&self) -> StoryTally {
        let mut tally = StoryTally { stories: 0, multi_stories: 0 };
        for (story, _) in self.grouping.stories.iter().zip(&self.in_batch).filter(|(_, b)| **b) {
            tally.stories += 1;
            tally.multi_stories += u64::from(story.clusters.len() > 1);
        }
        tally
    }

    /// Writes `stories.jsonl` under its temporary name: every story of two clusters or more
    /// that has a document of this batch, in id order.
    pub(crate) fn write(
        &self,
        spelling: &Spelling,
        path: &std::path::Path,
    ) -> Result<StagedFile, Error> {
        let mut out = JsonLinesWriter::new(std::io::BufWriter::new(AtomicFile::create(path)?));
        let none = HashMap::new();
        let stories = self.grouping.stories.iter().zip(&self.names).zip(&self.in_batch);
        for ((story, name), _) in stories.filter(|(_, b)| **b) {
            if story.clusters.len() < 2 {
                continue;
            }
            let joins = story
                .joins
                .iter()
                .map(|join| {
                    let speller = join.documents.iter().find_map(|d| self.positions.get(d));
                    let words = speller.and_then(|p| spelling.spelled.get(p)).unwrap_or(&none);
                    let spell = |keys: &[u32]| -> Vec<&str> {
                        keys.iter().filter_map(|k| words.get(k).map(String::as_str)).collect()
                    };
                    JoinLine {
                        clusters: &join.clusters,
                        documents: &join.documents,
                        score: &join.score,
                        names: spell(&join.shared.names),
                        words: spell(&join.shared.words),
                        numbers: &join.shared.numbers,
                    }
                })
                .collect();
            out.write_record(&StoryLine { story: name, clusters: &story.clusters, joins })?;
        }
        out.flush()?;
        let file = out
            .into_inner()
            .into_inner()
            .map_err(|e| Error::io(Some(path.to_path_buf()), "cannot write", e.into_error()))?;
        file.stage()
    }
}

/// One line of `stories.jsonl`.
#[derive(Serialize)]
struct StoryLine<'a> {
    /// The story's id: its smallest cluster id.
    story: &'a str,
    /// Its clusters, ascending.
    clusters: &'a [String],
    /// What joined them, strongest first.
    joins: Vec<JoinLine<'a>>,
}

/// One join of `stories.jsonl`: two clusters, the documents compared, the verifier's score
/// and its parts, and the evidence shared, spelled.
#[derive(Serialize)]
struct JoinLine<'a> {
    clusters: &'a [String; 2],
    documents: &'a [String; 2],
    #[serde(flatten)]
    score: &'a PairScore,
    /// Shared words written as names, as the text wrote them.
    names: Vec<&'a str>,
    /// Other shared words, heaviest first.
    words: Vec<&'a str>,
    /// Shared numbers.
    numbers: &'a [u64],
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::job::{Job, JobConfig};
    use crate::{Cleaner, Deduper, Document};

    const WIRE: (&str, &str) = (
        "Ferry runs aground off Hvar, 37 passengers rescued",
        "A passenger ferry ran aground off the island of Hvar on Sunday evening. The coast \
         guard rescued all 37 passengers; the captain blamed a steering failure.",
    );
    const REWRITE: (&str, &str) = (
        "Steering failure: ferry aground near Hvar",
        "All 37 passengers of a ferry that ran aground near Hvar on Sunday evening were \
         rescued by the coast guard. The captain said the steering failed.",
    );
    const OTHER: (&str, &str) = (
        "Hvar tourist season opens with record bookings",
        "Hotels on the island of Hvar report record bookings, the tourist board said.",
    );

    /// The documents, placed as a run places them, and their stories.
    fn grouped(texts: &[(&str, &str)]) -> (Vec<Cleaned>, Stories) {
        let cleaner = Cleaner::builder().build().unwrap();
        let deduper = Deduper::builder().build().unwrap();
        let mut docs: Vec<Cleaned> = texts
            .iter()
            .enumerate()
            .map(|(i, (title, text))| {
                let mut doc = Document::text(format!("d{i}"), *text);
                doc.title = Some((*title).to_owned());
                cleaner.clean(&doc)
            })
            .collect();
        let mut job = Job::new(&deduper, None, JobConfig::default()).unwrap();
        job.learn(&mut docs);
        let mut signing = job.templates().unwrap();
        signing.sign(&mut docs).unwrap();
        let mut evidence = Evidence::new(StoryConfig::default());
        evidence.take(&docs);
        assert!(evidence.heap_bytes() > GROUPING_BYTES_PER_DOC * docs.len() as u64);
        let placed = signing.cluster();
        (docs, evidence.group(&placed, None).unwrap())
    }

    #[test]
    fn a_rewrite_joins_and_its_shared_words_are_spelled_by_its_record() {
        let (docs, stories) = grouped(&[WIRE, REWRITE, OTHER]);
        let mut spelling = stories.spelling();
        assert_eq!(stories.story(0), stories.story(1));
        assert_ne!(stories.story(0), stories.story(2));
        assert_eq!(stories.tally(), StoryTally { stories: 2, multi_stories: 1 });
        let wanted: Vec<usize> = (0..docs.len()).filter(|&i| spelling.wants(i)).collect();
        assert_eq!(wanted.len(), 1, "one record spells the one join");
        spelling.spell(wanted[0], &docs[wanted[0]]);
        let dir = tempfile::tempdir().unwrap();
        let staged = stories.write(&spelling, &dir.path().join("stories.jsonl")).unwrap();
        let text = std::fs::read_to_string(staged.temp_path()).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["joins"][0]["numbers"], serde_json::json!([37]));
        let names = line["joins"][0]["names"].as_array().unwrap();
        assert!(names.contains(&serde_json::json!("Hvar")), "{line}");
    }

    #[test]
    fn a_page_that_is_no_article_gives_no_evidence() {
        let mut doc = Cleaned { id: "wall".into(), text: WIRE.1.into(), ..Cleaned::default() };
        assert!(!evidence_of(&doc).is_empty());
        doc.meta.non_article = Some("cookie_wall".into());
        assert!(evidence_of(&doc).is_empty());
    }
}

//! Stories remembered between runs (#20): a later run's rewrite joins an earlier story.
//!
//! Two tables, written only by runs that group stories (`run --stories`), so an index of
//! runs without stories holds none of it:
//!
//! - `stories` (`document number → record`): the document's story id, its lookup keys and
//!   its [`StoryEvidence`] as bytes ([`StoryEvidence::to_bytes`], about 530 bytes);
//! - `story_lookup` (rows `word key << 64 | document number`, no value): each document under
//!   its lookup keys — the few rarest word keys of its text in the batch that brought it
//!   (`pipeline::stories` picks them), the words a rewrite of the same event shares.
//!
//! A later run looks its documents' own rarest keys up ([`Index::story_candidates`]); keys
//! held by more than a cap of earlier documents are passed over, as the in-batch candidate
//! lists pass over common keys, so a lookup reads at most the cap per key. The earlier
//! documents found join the run's grouping with their evidence, their cluster as the index
//! now says, and the story id they were given, which the story keeps.
//!
//! Why document numbers and not ids in the lists: eight postings of a number (8 bytes) cost
//! less than of an id (20–60 bytes), and a candidate's record (`docs`) is read anyway for its
//! cluster. The document's record and its story record share the number, so
//! [`Index::prune`] forgets both.
//!
//! Record layout (little-endian): version byte, story id length (`u16`) and bytes, key count
//! (`u8`) and keys (`u32` each), then the evidence bytes to the end.
//!
//! [`StoryEvidence`]: crate::story::StoryEvidence
//! [`StoryEvidence::to_bytes`]: crate::story::StoryEvidence::to_bytes

use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

use super::{Adding, DOCS, IDS, Index, contained, index_error, record};
use crate::Error;

/// `document number → story record`.
const STORIES: TableDefinition<u64, &[u8]> = TableDefinition::new("stories");
/// The lookup lists: a row per word key and document number ([`lookup_row`]), so a key's
/// documents are one range. A plain table, not a multimap: at 100k documents (1.6 million
/// rows), from the outputs staged to the commit 2.8 s instead of 5.7, against 1.9 for a run
/// without stories (`run --stories --timings`, side by side), same outputs.
const STORY_LOOKUP: TableDefinition<u128, ()> = TableDefinition::new("story_lookup");

/// The row of document `number` under word `key` in [`STORY_LOOKUP`].
fn lookup_row(key: u32, number: u64) -> u128 {
    (u128::from(key) << 64) | u128::from(number)
}

/// The version of a story record.
const STORY_RECORD_VERSION: u8 = 1;
/// Lookup keys a record keeps at most (its key count is a byte).
const MAX_LOOKUP_KEYS: usize = 32;

/// One document's story, to remember ([`Adding::add_stories`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryRecord {
    /// The document id (the index must hold the document: add it first).
    pub id: String,
    /// Its story id.
    pub story: String,
    /// The word keys it can be found under by a later run (at most 32 are kept).
    pub keys: Vec<u32>,
    /// Its evidence, as [`StoryEvidence::to_bytes`](crate::story::StoryEvidence::to_bytes)
    /// wrote it.
    pub evidence: Vec<u8>,
}

/// An earlier document found by [`Index::story_candidates`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedStory {
    /// The document id.
    pub id: String,
    /// Its repost cluster, as the index now says.
    pub cluster: String,
    /// Its story record.
    pub record: StoryRecord,
}

fn encode(record: &StoryRecord) -> Vec<u8> {
    let story = record.story.as_bytes();
    let story = &story[..story.len().min(usize::from(u16::MAX))];
    let keys = &record.keys[..record.keys.len().min(MAX_LOOKUP_KEYS)];
    let mut out = Vec::with_capacity(4 + story.len() + 4 * keys.len() + record.evidence.len());
    out.push(STORY_RECORD_VERSION);
    out.extend_from_slice(&u16::try_from(story.len()).unwrap_or(u16::MAX).to_le_bytes());
    out.extend_from_slice(story);
    out.push(u8::try_from(keys.len()).unwrap_or(u8::MAX));
    for key in keys {
        out.extend_from_slice(&key.to_le_bytes());
    }
    out.extend_from_slice(&record.evidence);
    out
}

/// Reads a record [`encode`] wrote (its id is the caller's to fill); `None` for bytes of
/// another version or cut short.
fn decode(bytes: &[u8]) -> Option<StoryRecord> {
    let (&version, rest) = bytes.split_first()?;
    if version != STORY_RECORD_VERSION {
        return None;
    }
    let (len, rest) = rest.split_at_checked(2)?;
    let len = usize::from(u16::from_le_bytes([len[0], len[1]]));
    let (story, rest) = rest.split_at_checked(len)?;
    let story = std::str::from_utf8(story).ok()?.to_owned();
    let (&count, rest) = rest.split_first()?;
    let (keys, evidence) = rest.split_at_checked(4 * usize::from(count))?;
    let keys = keys.chunks_exact(4).map(|k| u32::from_le_bytes([k[0], k[1], k[2], k[3]])).collect();
    Some(StoryRecord { id: String::new(), story, keys, evidence: evidence.to_vec() })
}

impl Adding<'_> {
    /// Remembers the stories of documents this write added or holds: each replaces what the
    /// index said of the document's story before (its old lookup keys go).
    ///
    /// # Errors
    ///
    /// The index cannot be written, or does not hold one of the documents.
    pub fn add_stories(&mut self, records: &[StoryRecord]) -> Result<(), Error> {
        let (tx, path) = self.transaction();
        contained(path, || write(tx, path, records))
    }
}

fn write(
    tx: &WriteTransaction,
    path: &std::path::Path,
    records: &[StoryRecord],
) -> Result<(), Error> {
    let err = |e: &dyn std::fmt::Display| index_error(path, "cannot write", e);
    let ids = tx.open_table(IDS).map_err(|e| err(&e))?;
    let mut stories = tx.open_table(STORIES).map_err(|e| err(&e))?;
    let mut lists = tx.open_table(STORY_LOOKUP).map_err(|e| err(&e))?;
    // Postings go in and out in key order, a chunk at a time: keys are hashes, and one
    // document's at a time touched a random leaf of the tree for each (at 100k documents,
    // the write of 1.6 million postings in input order took 5.8 s of a 17.7 s run).
    let mut gone: Vec<(u32, u64)> = Vec::new();
    let mut added: Vec<(u32, u64)> = Vec::new();
    for one in records {
        let Some(number) = ids.get(one.id.as_str()).map_err(|e| err(&e))?.map(|v| v.value()) else {
            return Err(Error::index(format!(
                "{}: a story for {}, a document the index does not hold",
                path.display(),
                one.id
            )));
        };
        let old = stories.get(number).map_err(|e| err(&e))?.and_then(|v| decode(v.value()));
        if let Some(old) = old {
            gone.extend(old.keys.into_iter().map(|key| (key, number)));
        }
        stories.insert(number, encode(one).as_slice()).map_err(|e| err(&e))?;
        added.extend(one.keys.iter().take(MAX_LOOKUP_KEYS).map(|&key| (key, number)));
    }
    gone.sort_unstable();
    for (key, number) in gone {
        lists.remove(lookup_row(key, number)).map_err(|e| err(&e))?;
    }
    added.sort_unstable();
    for (key, number) in added {
        lists.insert(lookup_row(key, number), ()).map_err(|e| err(&e))?;
    }
    Ok(())
}

/// Forgets the stories of the documents numbered `gone` ([`Index::prune`]).
pub(super) fn forget(
    tx: &WriteTransaction,
    path: &std::path::Path,
    gone: &[u64],
) -> Result<(), Error> {
    let err = |e: &dyn std::fmt::Display| index_error(path, "cannot prune", e);
    let mut stories = tx.open_table(STORIES).map_err(|e| err(&e))?;
    let mut lists = tx.open_table(STORY_LOOKUP).map_err(|e| err(&e))?;
    for &number in gone {
        let old = stories.remove(number).map_err(|e| err(&e))?.and_then(|v| decode(v.value()));
        for key in old.map(|r| r.keys).unwrap_or_default() {
            lists.remove(lookup_row(key, number)).map_err(|e| err(&e))?;
        }
    }
    Ok(())
}

impl Index {
    /// Earlier documents with a story that hold one of `keys` among their lookup keys, in id
    /// order; a key more than `max_per_key` documents hold is passed over (a common word).
    ///
    /// # Example
    ///
    /// ```
    /// use clean_news::index::{Index, IndexedDoc, NewDoc, StoryRecord};
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let index = Index::open(dir.path().join("index.redb"), 42)?;
    /// let doc = IndexedDoc {
    ///     id: "a".into(), site: None, published: None, cluster: "c1".into(),
    ///     canonical: true, signature: vec![1], text_hash: None,
    /// };
    /// let mut adding = index.begin_add()?;
    /// adding.add(&[NewDoc { doc, bands: vec![7] }])?;
    /// let story = StoryRecord { id: "a".into(), story: "c1".into(), keys: vec![11, 12], evidence: vec![] };
    /// adding.add_stories(&[story.clone()])?;
    /// adding.commit(&[])?;
    /// let found = index.story_candidates(&[12, 99], 32)?;
    /// assert_eq!(found.len(), 1);
    /// assert_eq!((found[0].cluster.as_str(), &found[0].record), ("c1", &story));
    /// # Ok::<(), clean_news::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// The index cannot be read.
    pub fn story_candidates(
        &self,
        keys: &[u32],
        max_per_key: usize,
    ) -> Result<Vec<RememberedStory>, Error> {
        let path = &self.path;
        contained(path, || {
            let err = |e: &dyn std::fmt::Display| index_error(path, "cannot read", e);
            let tx = self.db.begin_read().map_err(|e| err(&e))?;
            let lists = match tx.open_table(STORY_LOOKUP) {
                Ok(lists) => lists,
                // No run with stories wrote this index.
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(err(&e)),
            };
            let mut keys = keys.to_vec();
            keys.sort_unstable();
            keys.dedup();
            let mut numbers = Vec::new();
            for key in keys {
                let mut list = Vec::new();
                for row in lists
                    .range(lookup_row(key, 0)..=lookup_row(key, u64::MAX))
                    .map_err(|e| err(&e))?
                    .take(max_per_key.saturating_add(1))
                {
                    // The low half of the row is the document number.
                    list.push(row.map_err(|e| err(&e))?.0.value() as u64);
                }
                if list.len() > max_per_key {
                    continue;
                }
                numbers.extend(list);
            }
            numbers.sort_unstable();
            numbers.dedup();
            let docs = tx.open_table(DOCS).map_err(|e| err(&e))?;
            let stories = tx.open_table(STORIES).map_err(|e| err(&e))?;
            let mut found = Vec::with_capacity(numbers.len());
            for number in numbers {
                let doc =
                    docs.get(number).map_err(|e| err(&e))?.and_then(|v| record::decode(v.value()));
                let story =
                    stories.get(number).map_err(|e| err(&e))?.and_then(|v| decode(v.value()));
                if let (Some(doc), Some(mut story)) = (doc, story) {
                    story.id.clone_from(&doc.id);
                    found.push(RememberedStory { id: doc.id, cluster: doc.cluster, record: story });
                }
            }
            found.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(found)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{IndexedDoc, NewDoc};

    fn doc(id: &str, cluster: &str, published: Option<i64>) -> NewDoc {
        NewDoc {
            doc: IndexedDoc {
                id: id.into(),
                site: None,
                published,
                cluster: cluster.into(),
                canonical: true,
                signature: vec![1, 2],
                text_hash: Some(3),
            },
            bands: vec![5],
        }
    }

    fn story(id: &str, story: &str, keys: &[u32]) -> StoryRecord {
        StoryRecord {
            id: id.into(),
            story: story.into(),
            keys: keys.to_vec(),
            evidence: vec![9; 7],
        }
    }

    #[test]
    fn a_record_reads_back_and_damaged_bytes_are_none() {
        let one = story("", "story-1", &[1, u32::MAX]);
        assert_eq!(decode(&encode(&one)), Some(one.clone()));
        let bytes = encode(&one);
        assert_eq!(decode(&bytes[..5]), None);
        assert_eq!(decode(&[]), None);
        let mut other = bytes.clone();
        other[0] = 0;
        assert_eq!(decode(&other), None);
    }

    #[test]
    fn a_new_story_replaces_the_old_keys_and_common_keys_are_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(dir.path().join("i.redb"), 1).unwrap();
        assert!(index.story_candidates(&[1], 8).unwrap().is_empty(), "no table yet");
        let mut adding = index.begin_add().unwrap();
        adding.add(&[doc("a", "c1", None), doc("b", "c2", None), doc("c", "c3", None)]).unwrap();
        adding
            .add_stories(&[
                story("a", "s1", &[1, 2]),
                story("b", "s1", &[2, 3]),
                story("c", "c3", &[2]),
            ])
            .unwrap();
        adding.commit(&[]).unwrap();
        let ids = |found: Vec<RememberedStory>| -> Vec<String> {
            found.into_iter().map(|f| f.id).collect()
        };
        assert_eq!(ids(index.story_candidates(&[2], 8).unwrap()), ["a", "b", "c"]);
        assert_eq!(ids(index.story_candidates(&[2], 2).unwrap()), Vec::<String>::new());
        assert_eq!(ids(index.story_candidates(&[3, 1], 2).unwrap()), ["a", "b"]);

        let mut adding = index.begin_add().unwrap();
        adding.add_stories(&[story("a", "s0", &[4])]).unwrap();
        adding.commit(&[]).unwrap();
        assert_eq!(ids(index.story_candidates(&[1], 8).unwrap()), Vec::<String>::new());
        let found = index.story_candidates(&[4], 8).unwrap();
        assert_eq!((found[0].id.as_str(), found[0].record.story.as_str()), ("a", "s0"));

        let mut adding = index.begin_add().unwrap();
        assert!(adding.add_stories(&[story("zz", "s", &[1])]).is_err(), "an unknown document");
    }

    #[test]
    fn prune_forgets_the_stories_of_the_documents_it_removes() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(dir.path().join("i.redb"), 1).unwrap();
        let mut adding = index.begin_add().unwrap();
        adding.add(&[doc("old", "c1", Some(10)), doc("new", "c2", Some(1_000))]).unwrap();
        adding.add_stories(&[story("old", "s", &[7]), story("new", "s", &[7])]).unwrap();
        adding.commit(&[]).unwrap();
        assert_eq!(index.prune(500).unwrap(), 1);
        let found = index.story_candidates(&[7], 8).unwrap();
        assert_eq!(found.iter().map(|f| f.id.as_str()).collect::<Vec<_>>(), ["new"]);
    }
}

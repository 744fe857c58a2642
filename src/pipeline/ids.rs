//! One id, one text: what happens when an input uses an id twice.
//!
//! Real crawls scrape one URL twice, and a WARC record's id is its URL. Everything after
//! cleaning keys documents by id (clusters name their members and canonical member by id, the
//! index finds a document by id, `--text-dir` names a file by id), so two documents under one
//! id would make one of them vanish. The rule, applied in input order by [`DocIds`]:
//!
//! - **The same id with the same text** (title and text after cleaning, before site templates)
//!   is one document seen again: it is kept once, the first time, and counted as
//!   [`Summary::repeated`](super::Summary::repeated).
//! - **The same id with another text** is a new version: it is kept under a derived id, the
//!   id followed by `#2`, `#3`, … (the first one free), with a note in `meta.notes` naming the
//!   id it came under. Nothing is dropped.
//! - **Against the index** (`run`), an id the index remembers counts as taken by the text it
//!   was stored with: the same text is that document seen again (`seen_before`), another text
//!   walks on to the derived ids, which may themselves be remembered versions. So a rerun of
//!   the same input gives the same ids, and a later run with a changed page adds a version
//!   instead of overwriting the first one. A document the index stored without its text's
//!   hash (an index written before this rule) counts as the same text, as it did then.
//!
//! The rule depends on input order alone, never on threads: [`DocIds`] is used on the one
//! thread that writes records in input order.

use std::collections::HashMap;

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::index::Index;
use crate::{Cleaned, Error};

/// Seed of [`text_hash`]. Part of the index format: changing it makes every remembered
/// document look changed.
const TEXT_SEED: u64 = 0x6f6e_6520_7465_7874; // "one text"

/// The identity of a cleaned document's content: its title and text, as the cleaner made
/// them (before site templates, which depend on the rest of the batch).
pub fn text_hash(doc: &Cleaned) -> u64 {
    let title = doc.title.as_deref().unwrap_or("");
    let mut bytes = Vec::with_capacity(title.len() + 1 + doc.text.len());
    bytes.extend_from_slice(title.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(doc.text.as_bytes());
    xxh3_64_with_seed(&bytes, TEXT_SEED)
}

/// Seed of [`id_hash`].
const ID_SEED: u64 = 0x6f6e_6520_6964_2121; // "one id!!"

/// An id as [`DocIds`] keeps it: 64 bits instead of the string, so that a stream of millions
/// of documents holds a few bytes per document. Two ids of one input share a hash with a
/// chance of about n²/2⁶⁵ (3·10⁻⁶ for ten million ids); the cost would be a needless `#2`.
fn id_hash(id: &str) -> u64 {
    xxh3_64_with_seed(id.as_bytes(), ID_SEED)
}

/// What [`DocIds::claim`] decided for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Keep it under this id: its own, or a derived one when its own names another text.
    Keep(String),
    /// The same id and text as a document earlier in this input, kept under this id: drop it.
    Repeat(String),
}

/// The ids of one input so far, and the index's, to give every text one id.
///
/// Memory: one entry of two 64-bit hashes per document of the input (an id is kept as its
/// hash, not its string), plus the derived ids of ids read with more than one text.
pub struct DocIds<'a> {
    index: Option<&'a Index>,
    /// Ids taken in this input, by [`id_hash`], with the text they name.
    taken: HashMap<u64, u64>,
    /// For an id read with more than one text: the id each (id as read, text) got, so that a
    /// repeat of a version is known at once.
    versions: HashMap<(u64, u64), String>,
    /// Ids the index holds with another text than the one that asked, with that text; a
    /// walk for the next version passes them without asking again.
    remembered_other: HashMap<u64, u64>,
    /// Per id as read, the suffix below which every derived id is taken in this input, so
    /// that many versions of one id cost one step each, not one per earlier version.
    next_suffix: HashMap<u64, u64>,
}

impl std::fmt::Debug for DocIds<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocIds").field("taken", &self.taken.len()).finish_non_exhaustive()
    }
}

impl<'a> DocIds<'a> {
    /// Ids of an input with nothing remembered before it.
    pub fn new() -> DocIds<'a> {
        DocIds {
            index: None,
            taken: HashMap::new(),
            versions: HashMap::new(),
            remembered_other: HashMap::new(),
            next_suffix: HashMap::new(),
        }
    }

    /// Ids of an input that continues what `index` remembers.
    pub fn remembering(index: &'a Index) -> DocIds<'a> {
        DocIds { index: Some(index), ..DocIds::new() }
    }

    /// Decides the id of the next document of the input, read under `id` with content
    /// `text` (see [`text_hash`]).
    ///
    /// # Errors
    ///
    /// The index cannot be read.
    pub fn claim(&mut self, id: &str, text: u64) -> Result<Claim, Error> {
        let key = id_hash(id);
        if self.taken.get(&key) == Some(&text) {
            return Ok(Claim::Repeat(id.to_owned()));
        }
        if let Some(version) = self.versions.get(&(key, text)) {
            return Ok(Claim::Repeat(version.clone()));
        }
        let mut suffix = self.next_suffix.get(&key).copied().unwrap_or(1);
        let mut all_taken_here = true;
        let claim = loop {
            let candidate = derived(id, suffix);
            let candidate_key = id_hash(&candidate);
            if let Some(&here) = self.taken.get(&candidate_key) {
                if here == text {
                    break Claim::Repeat(candidate);
                }
            } else {
                all_taken_here = false;
                if !self.remembered_with_other_text(&candidate, candidate_key, text)? {
                    break Claim::Keep(candidate);
                }
            }
            suffix += 1;
            if all_taken_here {
                self.next_suffix.insert(key, suffix);
            }
        };
        let (Claim::Keep(given) | Claim::Repeat(given)) = &claim;
        self.taken.insert(id_hash(given), text);
        if given != id {
            self.versions.insert((key, text), given.clone());
        }
        // An id read as `a#2` is a version of `a` too: a later `a` with its text repeats it
        // (the walk from `next_suffix` would not look at `a#2` again).
        if let Some(base) = base_of(given) {
            self.versions.entry((id_hash(base), text)).or_insert_with(|| given.clone());
        }
        Ok(claim)
    }

    /// Whether the index holds `id` with a text other than `text`. A document it stored
    /// without a text hash counts as the same text.
    fn remembered_with_other_text(&mut self, id: &str, key: u64, text: u64) -> Result<bool, Error> {
        let Some(index) = self.index else { return Ok(false) };
        if let Some(&stored) = self.remembered_other.get(&key) {
            return Ok(stored != text);
        }
        match index.get(id)?.and_then(|doc| doc.text_hash) {
            Some(stored) if stored != text => {
                self.remembered_other.insert(key, stored);
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

impl Default for DocIds<'_> {
    fn default() -> Self {
        DocIds::new()
    }
}

/// The `n`th id under `id`: itself, then `id#2`, `id#3`, …
fn derived(id: &str, n: u64) -> String {
    if n <= 1 { id.to_owned() } else { format!("{id}#{n}") }
}

/// The id a derived id was derived from: `a` for `a#2`; `None` for any other id.
fn base_of(id: &str) -> Option<&str> {
    let (base, suffix) = id.rsplit_once('#')?;
    let n: u64 = suffix.parse().ok()?;
    (n >= 2 && suffix == n.to_string()).then_some(base)
}

/// The note a document kept under a derived id carries.
pub fn version_note(id: &str) -> String {
    format!(
        "id `{id}` already names another text in this input or the index: kept as a new version"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(docs: &[(&str, u64)]) -> Vec<Claim> {
        let mut ids = DocIds::new();
        docs.iter().map(|&(id, text)| ids.claim(id, text).unwrap()).collect()
    }

    fn keep(id: &str) -> Claim {
        Claim::Keep(id.to_owned())
    }

    fn repeat(id: &str) -> Claim {
        Claim::Repeat(id.to_owned())
    }

    #[test]
    fn the_same_text_is_a_repeat_and_another_text_a_version() {
        let got = claims(&[("a", 1), ("a", 1), ("a", 2), ("b", 1), ("a", 3), ("a", 2)]);
        assert_eq!(
            got,
            [keep("a"), repeat("a"), keep("a#2"), keep("b"), keep("a#3"), repeat("a#2")]
        );
    }

    #[test]
    fn a_derived_id_never_takes_an_id_the_input_already_uses() {
        // A literal `a#2` in the input is taken; the next version of `a` goes to `a#3`, and a
        // later version with the literal's text is a repeat of it.
        let got = claims(&[("a#2", 7), ("a", 1), ("a", 2), ("a", 7)]);
        assert_eq!(got, [keep("a#2"), keep("a"), keep("a#3"), repeat("a#2")]);
        // A literal id equal to an earlier derived one with another text is a version of it.
        let got = claims(&[("a", 1), ("a", 2), ("a#2", 3)]);
        assert_eq!(got, [keep("a"), keep("a#2"), keep("a#2#2")]);
    }

    #[test]
    fn the_index_holds_ids_with_their_texts() {
        use crate::index::{IndexedDoc, NewDoc};
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(dir.path().join("i.redb"), 1).unwrap();
        let stored = |id: &str, text_hash: Option<u64>| NewDoc {
            doc: IndexedDoc {
                id: id.into(),
                site: None,
                published: None,
                cluster: id.into(),
                canonical: true,
                signature: Vec::new(),
                text_hash,
            },
            bands: Vec::new(),
        };
        index
            .add(&[stored("a", Some(1)), stored("a#2", Some(2)), stored("old", None)], &[])
            .unwrap();
        let mut ids = DocIds::remembering(&index);
        let got: Vec<Claim> = [("a", 2), ("a", 3), ("a", 1), ("a", 2), ("old", 9), ("b", 1)]
            .into_iter()
            .map(|(id, text)| ids.claim(id, text).unwrap())
            .collect();
        assert_eq!(
            got,
            [keep("a#2"), keep("a#3"), keep("a"), repeat("a#2"), keep("old"), keep("b")]
        );
    }

    #[test]
    fn only_a_number_from_two_up_makes_a_derived_id() {
        assert_eq!(base_of("a#2"), Some("a"));
        assert_eq!(base_of("https://x.kz/a#top#12"), Some("https://x.kz/a#top"));
        for id in ["a", "a#1", "a#02", "a#", "a#x", "a#-3"] {
            assert_eq!(base_of(id), None, "{id}");
        }
    }

    #[test]
    fn many_versions_of_one_id_each_get_the_next_suffix() {
        let docs: Vec<(&str, u64)> = (0..2_000).map(|i| ("same", i)).collect();
        let got = claims(&docs);
        assert_eq!(got[0], keep("same"));
        assert_eq!(got[1_999], keep("same#2000"));
    }

    #[test]
    fn text_hash_tells_title_from_text() {
        let doc = |title: Option<&str>, text: &str| Cleaned {
            title: title.map(str::to_owned),
            text: text.to_owned(),
            ..Cleaned::default()
        };
        assert_eq!(text_hash(&doc(Some("T"), "x")), text_hash(&doc(Some("T"), "x")));
        assert_ne!(text_hash(&doc(Some("T"), "x")), text_hash(&doc(Some("Tx"), "")));
        assert_ne!(text_hash(&doc(None, "x")), text_hash(&doc(Some("T"), "x")));
    }
}

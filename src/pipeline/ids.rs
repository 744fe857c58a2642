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

/// What [`DocIds::claim`] decided for one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Keep it under this id: its own, or a derived one when its own names another text.
    Keep(String),
    /// The same id and text as a document earlier in this input, kept under this id: drop it.
    Repeat(String),
}

/// The ids of one input so far, and the index's, to give every text one id.
pub struct DocIds<'a> {
    index: Option<&'a Index>,
    /// Ids taken in this input, with the text they name.
    taken: HashMap<String, u64>,
    /// The id each (id as read, text) got, to know a repeat at once.
    given: HashMap<(String, u64), String>,
    /// The index's answer per id: `None` not remembered, `Some(None)` remembered without a
    /// text hash, `Some(Some(hash))`.
    remembered: HashMap<String, Option<Option<u64>>>,
    /// Per id as read, the suffix below which every derived id is taken in this input, so
    /// that many versions of one id cost one step each, not one per earlier version.
    next_suffix: HashMap<String, u64>,
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
            given: HashMap::new(),
            remembered: HashMap::new(),
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
        let key = (id.to_owned(), text);
        if let Some(given) = self.given.get(&key) {
            return Ok(Claim::Repeat(given.clone()));
        }
        let start = self.next_suffix.get(id).copied().unwrap_or(1);
        let mut suffix = start;
        let mut all_taken_here = true;
        let claim = loop {
            let candidate = derived(id, suffix);
            if let Some(&here) = self.taken.get(&candidate) {
                if here == text {
                    break Claim::Repeat(candidate);
                }
            } else {
                all_taken_here = false;
                match self.remembered(&candidate)? {
                    Some(Some(stored)) if stored != text => {}
                    _ => break Claim::Keep(candidate),
                }
            }
            suffix += 1;
            if all_taken_here {
                self.next_suffix.insert(id.to_owned(), suffix);
            }
        };
        let (Claim::Keep(given) | Claim::Repeat(given)) = &claim;
        self.taken.insert(given.clone(), text);
        // An id read as `a#2` is a version of `a` too: a later `a` with its text repeats it
        // (the walk from `next_suffix` would not look at `a#2` again).
        if let Some(base) = base_of(given) {
            self.given.entry((base.to_owned(), text)).or_insert_with(|| given.clone());
        }
        self.given.insert(key, given.clone());
        Ok(claim)
    }

    fn remembered(&mut self, id: &str) -> Result<Option<Option<u64>>, Error> {
        let Some(index) = self.index else { return Ok(None) };
        if let Some(&known) = self.remembered.get(id) {
            return Ok(known);
        }
        let known = index.get(id)?.map(|doc| doc.text_hash);
        self.remembered.insert(id.to_owned(), known);
        Ok(known)
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

//! Step 3c, beside the rules: what they said of the short lines already seen.
//!
//! Boilerplate repeats by definition: a site prints the same header, menu, share prompts and
//! footer on every page, and the same wire notice stands under every story of the day. In a
//! batch of generated news pages 88 % of the lines of at most 60 characters repeat one seen
//! before, and those short lines are where matching costs most per byte: most of them match
//! some rule, so every pattern set runs to its end and every candidate's own pattern runs too.
//!
//! A [`LineMemo`] keeps, for a short line (trimmed, as it stood), its matching form and the
//! rules that matched it as a whole line. Both depend on the line and the compiled rules
//! only (the site filter is applied afterwards, by the caller), so a line recalled gives what
//! matching it again would: the memo changes the speed of the cleaner, never its output.
//!
//! The memo is bounded: [`SHARDS`] maps of at most `capacity / SHARDS` lines, each emptied
//! when full. It is shared by the clones of a [`super::Cleaner`], behind one lock per shard,
//! so that rayon workers learn from each other's pages.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Mutex, PoisonError};

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Lines longer than this (in characters) are not remembered: they are rarely repeated, and
/// a long line may need its windows matched too.
const MAX_LINE_CHARS: usize = 160;
/// Nor are lines longer than this in bytes, which bounds the memory of a full memo: under
/// 2 KB a line (the line, its form and the map's own), some 30 MB for the default 16,384
/// lines, and a tenth of that for the lines news pages repeat.
const MAX_LINE_BYTES: usize = 320;

/// Whether a line of `chars` characters is short enough to be remembered.
pub(crate) fn remembers(line: &str, chars: usize) -> bool {
    chars <= MAX_LINE_CHARS && line.len() <= MAX_LINE_BYTES
}

/// Whether `line` may have been remembered, before its characters are counted: the memo
/// tells the count of the lines it recalls.
pub(crate) fn may_remember(line: &str) -> bool {
    line.len() <= MAX_LINE_BYTES
}

/// How many locks the memo is split under.
const SHARDS: usize = 16;

/// What the rules said of one line.
#[derive(Debug)]
pub(crate) struct Recalled {
    /// The line (trimmed, as it stood) and then its matching form, in one allocation: a
    /// batch's first pages remember most of their lines, one entry each.
    pub(crate) texts: Box<str>,
    /// Where the line ends in `texts`.
    pub(crate) line_len: usize,
    /// The line's length in characters.
    pub(crate) chars: usize,
    /// The length of the form in characters.
    pub(crate) form_chars: usize,
    /// The rules that match it as a whole line, in order, for every site.
    pub(crate) rules: Box<[u32]>,
    /// Its shape of page chrome, if any (`clean::shape`): a function of the line alone.
    pub(crate) shape: Option<super::shape::Shape>,
    /// Whether it reads as prose (`zones::is_prose`, or an interview turn), and whether as a
    /// photo caption: functions of the line alone too.
    pub(crate) prose: bool,
    pub(crate) caption: bool,
    /// Its words, counted up to what `zones::is_prose` needs.
    pub(crate) words: u8,
}

impl Recalled {
    /// The line and its matching form, held as [`Recalled::line`] and [`Recalled::form`].
    pub(crate) fn texts(line: &str, form: &str) -> (Box<str>, usize) {
        let mut texts = String::with_capacity(line.len() + form.len());
        texts.push_str(line);
        texts.push_str(form);
        (texts.into_boxed_str(), line.len())
    }

    /// The line, trimmed, as it stood.
    pub(crate) fn line(&self) -> &str {
        self.texts.get(..self.line_len).unwrap_or_default()
    }

    /// The matching form of the line.
    pub(crate) fn form(&self) -> &str {
        self.texts.get(self.line_len..).unwrap_or_default()
    }
}

/// The short lines seen so far, and what the rules said of them.
///
/// A line is hashed once, with a seed drawn when the memo is made (so that crafted lines
/// cannot be made to collide); the hash picks the shard and is the key in it. Two lines
/// with the same hash are told apart by the line kept in the entry: the second one is not
/// recalled, and replaces the first when remembered.
pub(crate) struct LineMemo {
    shards: Vec<Mutex<Shard>>,
    /// Lines per shard.
    shard_capacity: usize,
    seed: u64,
}

impl std::fmt::Debug for LineMemo {
    /// Its size, not its lines: a cleaner's `Debug` should not print a few thousand of them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lines: usize = self
            .shards
            .iter()
            .map(|shard| shard.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum();
        f.debug_struct("LineMemo")
            .field("lines", &lines)
            .field("capacity", &(self.shard_capacity * self.shards.len()))
            .finish()
    }
}

/// One shard: entries by the hash of their line.
type Shard = HashMap<u64, Recalled, BuildHasherDefault<HashIsKey>>;

/// A hasher for `u64` keys that are hashes already (the seeded hashes of a [`Shard`], the
/// prefix hashes of teasers): they are their own hash.
#[derive(Debug, Default)]
pub(crate) struct HashIsKey(u64);

impl Hasher for HashIsKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (by `u64` keys); any other input is folded in.
        self.0 = xxh3_64_with_seed(bytes, self.0);
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }
}

impl LineMemo {
    /// A memo of at most about `capacity` lines; 0 remembers nothing.
    pub(crate) fn new(capacity: usize) -> LineMemo {
        let shard_capacity = capacity.div_ceil(SHARDS);
        let shards = if capacity == 0 {
            Vec::new()
        } else {
            // Sized up front: a batch's first pages fill the memo without growing a map (and
            // moving every entry) at each doubling.
            let shard = || Shard::with_capacity_and_hasher(shard_capacity, Default::default());
            (0..SHARDS).map(|_| Mutex::new(shard())).collect()
        };
        LineMemo { shards, shard_capacity, seed: RandomState::new().hash_one(SHARDS) }
    }

    /// The hash of `line`, and its shard.
    fn shard(&self, line: &str) -> Option<(u64, &Mutex<Shard>)> {
        if self.shards.is_empty() {
            return None;
        }
        let hash = xxh3_64_with_seed(line.as_bytes(), self.seed);
        let shard = self.shards.get(hash as usize % self.shards.len())?;
        Some((hash, shard))
    }

    /// Calls `use_it` with what was remembered of `line`, if anything; returns whether it did.
    pub(crate) fn recall(&self, line: &str, use_it: impl FnOnce(&Recalled)) -> bool {
        let Some((hash, shard)) = self.shard(line) else { return false };
        let map = shard.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(&hash) {
            Some(recalled) if recalled.line() == line => {
                use_it(recalled);
                true
            }
            _ => false,
        }
    }

    /// Remembers what the rules said of a line ([`Recalled::line`]).
    pub(crate) fn remember(&self, recalled: Recalled) {
        let Some((hash, shard)) = self.shard(recalled.line()) else { return };
        let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= self.shard_capacity {
            map.clear();
        }
        map.insert(hash, recalled);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recalled(line: &str, form: &str, rules: &[u32]) -> Recalled {
        let form_chars = form.chars().count();
        let (texts, line_len) = Recalled::texts(line, form);
        Recalled {
            texts,
            line_len,
            chars: line.chars().count(),
            form_chars,
            rules: rules.into(),
            shape: None,
            prose: false,
            caption: false,
            words: 0,
        }
    }

    #[test]
    fn recalls_what_it_was_told() {
        let memo = LineMemo::new(64);
        assert!(!memo.recall("Share this story", |_| {}));
        memo.remember(recalled("Share this story", "share this story", &[3, 7]));
        let mut got = None;
        assert!(
            memo.recall("Share this story", |r| got = Some((r.form().to_owned(), r.rules.clone())))
        );
        assert_eq!(got, Some(("share this story".to_owned(), vec![3, 7].into())));
        assert!(!memo.recall("Share this story!", |_| {}));
    }

    #[test]
    fn stays_within_its_capacity() {
        let memo = LineMemo::new(SHARDS * 4);
        for i in 0..1000 {
            let line = format!("line {i}");
            memo.remember(recalled(&line, &line, &[]));
        }
        for shard in &memo.shards {
            assert!(shard.lock().unwrap().len() <= 4);
        }
    }

    #[test]
    fn a_line_with_the_hash_of_another_is_not_recalled_as_it() {
        let memo = LineMemo::new(64);
        // Plant an entry under the hash of one line, for another line.
        let (hash, shard) = memo.shard("Subscribe").unwrap();
        shard.lock().unwrap().insert(hash, recalled("Advertisement", "advertisement", &[1]));
        assert!(!memo.recall("Subscribe", |_| {}));
    }

    #[test]
    fn debug_shows_the_size_not_the_lines() {
        let memo = LineMemo::new(64);
        memo.remember(recalled("Share this story", "share this story", &[3]));
        assert_eq!(format!("{memo:?}"), "LineMemo { lines: 1, capacity: 64 }");
    }

    #[test]
    fn a_memo_of_nothing_remembers_nothing() {
        let memo = LineMemo::new(0);
        memo.remember(recalled("a", "a", &[1]));
        assert!(!memo.recall("a", |_| {}));
    }
}

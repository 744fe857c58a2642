//! Step 3b: what the rules said of the short lines already seen.
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
use std::sync::{Mutex, PoisonError};

use xxhash_rust::xxh3::xxh3_64;

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

/// How many locks the memo is split under.
const SHARDS: usize = 16;

/// What the rules said of one line.
#[derive(Debug)]
pub(crate) struct Recalled {
    /// The matching form of the line.
    pub(crate) form: Box<str>,
    /// Its length in characters.
    pub(crate) form_chars: usize,
    /// The rules that match it as a whole line, in order, for every site.
    pub(crate) rules: Box<[u32]>,
}

/// The short lines seen so far, and what the rules said of them.
#[derive(Debug)]
pub(crate) struct LineMemo {
    shards: Vec<Mutex<HashMap<Box<str>, Recalled>>>,
    /// Lines per shard.
    shard_capacity: usize,
}

impl LineMemo {
    /// A memo of at most about `capacity` lines; 0 remembers nothing.
    pub(crate) fn new(capacity: usize) -> LineMemo {
        let shard_capacity = capacity.div_ceil(SHARDS);
        let shards = if capacity == 0 {
            Vec::new()
        } else {
            (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect()
        };
        LineMemo { shards, shard_capacity }
    }

    /// The shard of `line`. The shard is picked with a fixed hash; inside a shard, the map
    /// hashes with a random key, so crafted lines cannot make its probes long.
    fn shard(&self, line: &str) -> Option<&Mutex<HashMap<Box<str>, Recalled>>> {
        if self.shards.is_empty() {
            return None;
        }
        self.shards.get(xxh3_64(line.as_bytes()) as usize % self.shards.len())
    }

    /// Calls `use_it` with what was remembered of `line`, if anything; returns whether it did.
    pub(crate) fn recall(&self, line: &str, use_it: impl FnOnce(&Recalled)) -> bool {
        let Some(shard) = self.shard(line) else { return false };
        let map = shard.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(line) {
            Some(recalled) => {
                use_it(recalled);
                true
            }
            None => false,
        }
    }

    /// Remembers what the rules said of `line`.
    pub(crate) fn remember(&self, line: &str, recalled: Recalled) {
        let Some(shard) = self.shard(line) else { return };
        let mut map = shard.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= self.shard_capacity {
            map.clear();
        }
        map.insert(line.into(), recalled);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recalled(form: &str, rules: &[u32]) -> Recalled {
        Recalled { form: form.into(), form_chars: form.chars().count(), rules: rules.into() }
    }

    #[test]
    fn recalls_what_it_was_told() {
        let memo = LineMemo::new(64);
        assert!(!memo.recall("Share this story", |_| {}));
        memo.remember("Share this story", recalled("share this story", &[3, 7]));
        let mut got = None;
        assert!(memo.recall("Share this story", |r| got = Some((r.form.clone(), r.rules.clone()))));
        assert_eq!(got, Some(("share this story".into(), vec![3, 7].into())));
        assert!(!memo.recall("Share this story!", |_| {}));
    }

    #[test]
    fn stays_within_its_capacity() {
        let memo = LineMemo::new(SHARDS * 4);
        for i in 0..1000 {
            let line = format!("line {i}");
            memo.remember(&line, recalled(&line, &[]));
        }
        for shard in &memo.shards {
            assert!(shard.lock().unwrap().len() <= 4);
        }
    }

    #[test]
    fn a_memo_of_nothing_remembers_nothing() {
        let memo = LineMemo::new(0);
        memo.remember("a", recalled("a", &[1]));
        assert!(!memo.recall("a", |_| {}));
    }
}

//! Candidate pairs for the verifier: documents that share one of their rarest words.
//!
//! Each document looks up the inverted lists of its `rare_keys` rarest word keys (lowest
//! document frequency, ties by key) among the keys that at least two and at most
//! `max_postings` documents hold. A key held by more documents has no list at all, so a list
//! never holds more than `max_postings` documents and one document meets at most
//! `rare_keys × max_postings` others: linear in the batch, whatever the vocabulary.
//!
//! Why the rarest words: two accounts of one event share its specific words (the village,
//! the defendant, the ship's name), and those are the rarest in a batch. On `rewrites-dev`,
//! 8 rarest keys with lists of at most 64 found 300 of the 327 same-story pairs among article
//! pages (16 keys: 314) while proposing 22,576 of the 2.2 million pairs (1 %); the pairs
//! missed score low in the verifier anyway.
//!
//! Each pair is verified once, by one side, with no set of pairs kept: document `i` takes a
//! pair `(i, j)` it found when `i < j`, or when `j` cannot find it (no rare key of `j` is a key
//! of `i`). So the work splits by document across threads with no shared state.

use rayon::prelude::*;

use super::evidence::StoryEvidence;
use super::weights::KeyWeights;

/// Inverted lists of the keys held by 2 to `max_postings` documents, and each document's
/// rarest keys.
#[derive(Debug)]
pub(crate) struct Candidates {
    /// Keys that have a list, ascending.
    keys: Vec<u32>,
    /// `offsets[i]..offsets[i + 1]` is the list of `keys[i]` in `members`.
    offsets: Vec<u32>,
    /// Document indices, ascending within a list.
    members: Vec<u32>,
    /// Each document's rarest keys with a list, `rare_keys` a document at most.
    rare: Vec<Vec<u32>>,
}

impl Candidates {
    /// Builds the lists over `docs`, counted in `weights`.
    pub(crate) fn build(
        docs: &[&StoryEvidence],
        weights: &KeyWeights,
        rare_keys: usize,
        max_postings: u32,
    ) -> Self {
        let listed = |key: u32| {
            let df = weights.document_frequency(key);
            (2..=max_postings.max(2)).contains(&df).then_some(df)
        };
        let mut pairs: Vec<(u32, u32)> = docs
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, e)| {
                let doc = u32::try_from(i).unwrap_or(u32::MAX);
                e.keys()
                    .iter()
                    .copied()
                    .filter(move |&k| listed(k).is_some())
                    .map(move |k| (k, doc))
            })
            .collect();
        pairs.par_sort_unstable();
        let mut keys = Vec::new();
        let mut offsets = vec![0u32];
        let mut members = Vec::with_capacity(pairs.len());
        for (key, doc) in pairs {
            if keys.last() != Some(&key) {
                if !keys.is_empty() {
                    offsets.push(u32::try_from(members.len()).unwrap_or(u32::MAX));
                }
                keys.push(key);
            }
            members.push(doc);
        }
        offsets.push(u32::try_from(members.len()).unwrap_or(u32::MAX));
        if keys.is_empty() {
            offsets = vec![0];
        }
        let rare = docs
            .par_iter()
            .map(|e| {
                let mut ks: Vec<(u32, u32)> =
                    e.keys().iter().filter_map(|&k| listed(k).map(|df| (df, k))).collect();
                ks.sort_unstable();
                ks.into_iter().take(rare_keys).map(|(_, k)| k).collect()
            })
            .collect();
        Self { keys, offsets, members, rare }
    }

    fn list(&self, key: u32) -> &[u32] {
        let Ok(i) = self.keys.binary_search(&key) else { return &[] };
        let (start, end) = (self.offsets.get(i), self.offsets.get(i + 1));
        match (start, end) {
            (Some(&s), Some(&e)) => self.members.get(s as usize..e as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The documents `i` verifies against: its candidates it owns, ascending.
    pub(crate) fn owned_by(&self, i: usize, docs: &[&StoryEvidence]) -> Vec<usize> {
        let Some(rare) = self.rare.get(i) else { return Vec::new() };
        let Some(me) = docs.get(i) else { return Vec::new() };
        let mut found: Vec<u32> = rare.iter().flat_map(|&k| self.list(k).iter().copied()).collect();
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .map(|j| j as usize)
            .filter(|&j| {
                j > i
                    || (j < i
                        && !self.rare.get(j).is_some_and(|rj| rj.iter().any(|&k| me.has_key(k))))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(text: &str) -> StoryEvidence {
        StoryEvidence::from_text(None, text, None)
    }

    /// Every pair found by either side is verified exactly once.
    #[test]
    fn each_found_pair_is_owned_once() {
        let docs: Vec<StoryEvidence> = [
            "harbour crane collapse injures dockers",
            "dockers injured as crane collapses at harbour",
            "harbour festival draws crowds",
            "crane maker recalls models",
            "festival crowds and dockers",
        ]
        .iter()
        .map(|t| ev(t))
        .collect();
        let refs: Vec<&StoryEvidence> = docs.iter().collect();
        let w = KeyWeights::from_evidence(refs.iter().copied());
        for rare_keys in 1..4 {
            let c = Candidates::build(&refs, &w, rare_keys, 3);
            let mut owned: Vec<(usize, usize)> = Vec::new();
            for i in 0..refs.len() {
                owned.extend(c.owned_by(i, &refs).into_iter().map(|j| (i.min(j), i.max(j))));
            }
            let n = owned.len();
            owned.sort_unstable();
            owned.dedup();
            assert_eq!(n, owned.len(), "a pair verified twice");
            // The slow oracle: pairs sharing a key that is rare for one of the two.
            for i in 0..refs.len() {
                for j in i + 1..refs.len() {
                    let found = c.rare[i].iter().any(|&k| refs[j].has_key(k))
                        || c.rare[j].iter().any(|&k| refs[i].has_key(k));
                    assert_eq!(found, owned.contains(&(i, j)), "pair {i} {j}");
                }
            }
        }
    }

    #[test]
    fn common_keys_have_no_list() {
        let docs: Vec<StoryEvidence> = (0..10).map(|i| ev(&format!("common word{i}x"))).collect();
        let refs: Vec<&StoryEvidence> = docs.iter().collect();
        let w = KeyWeights::from_evidence(refs.iter().copied());
        let c = Candidates::build(&refs, &w, 8, 4);
        assert!(c.owned_by(0, &refs).is_empty());
        assert!(c.owned_by(99, &refs).is_empty());
    }
}

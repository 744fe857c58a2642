//! Step 5b: MinHash sketches of a shingle set, by one-permutation hashing.
//!
//! Classic MinHash applies `k` independent hash functions to every shingle and keeps each
//! minimum: `k` multiply-adds per shingle, which at `k = 128` costs more than shingling itself
//! (`ANCHORS.md` §3: 25,000 docs/s against 67,000 for the shingles). **One-permutation
//! hashing** (Li, Owen and Zhang, 2012) uses the one hash every shingle already has: its high
//! bits choose one of `k` bins and each bin keeps its smallest shingle hash. That is one
//! multiply-high and one compare per shingle, whatever `k` is.
//!
//! A short text leaves bins empty. Empty bins are filled by **optimal densification**
//! (Shrivastava, ICML 2017): empty bin `i` probes bins `p(i, 1), p(i, 2), …` with a fixed hash
//! `p` and copies the first non-empty one. Two texts probe in the same order, so bin `i` of
//! both holds the same value exactly when the first probed bin that is non-empty in the union
//! holds the same shingle in both, which happens with probability J: the estimate stays
//! unbiased, only its variance grows as bins empty out (a 40-shingle text has about 40
//! distinct values in its 128 bins).
//!
//! Bins hold the low 32 bits of the winning shingle hash: two different shingles agree there
//! with probability 2^-32, far below anything LSH or the estimate can see, and the sketch is
//! half the size.
//!
//! # Format
//!
//! The bin of a shingle is `(hash * k) >> 64`; [`PROBE_SEED`] drives densification. Both are
//! part of the stored format.

use super::shingle::mix64;

/// Seed of the probe sequence of densification. Part of the format.
pub(crate) const PROBE_SEED: u64 = 0x6d69_6e68_6173_6821; // "minhash!"

/// The default number of bins (MinHash values) of the document sketch.
pub(crate) const DEFAULT_BINS: usize = 128;

/// Probes by hash before densification falls back to the next non-empty bin in cyclic order
/// (only texts with a handful of shingles get that far: with half the bins empty, 64 probes
/// all miss with probability 2^-64).
const MAX_PROBES: u64 = 64;

/// A bin no shingle has reached yet.
const EMPTY: u64 = u64::MAX;

/// Builds a one-permutation MinHash sketch one shingle at a time.
#[derive(Debug, Clone)]
pub(crate) struct Sketcher {
    bins: Vec<u64>,
    /// The first [`CACHED_PROBES`] probes of every bin, computed once per sketcher.
    probes: Vec<u32>,
}

/// Probes per bin kept in a table (each costs a hash otherwise): with a third of the bins
/// empty, eight probes all miss one time in 6,500.
const CACHED_PROBES: u64 = 8;

impl Sketcher {
    /// A sketcher with `bins` bins (at least 1).
    pub(crate) fn new(bins: usize) -> Sketcher {
        let k = bins.max(1);
        let probes = (0..k)
            .flat_map(|i| (1..=CACHED_PROBES).map(move |attempt| probe_bin(i, attempt, k)))
            .map(|j| u32::try_from(j).unwrap_or(0))
            .collect();
        Sketcher { bins: vec![EMPTY; k], probes }
    }

    /// Adds one shingle hash.
    #[inline]
    pub(crate) fn add(&mut self, shingle: u64) {
        let k = self.bins.len() as u64;
        let bin = ((u128::from(shingle) * u128::from(k)) >> 64) as usize;
        if let Some(slot) = self.bins.get_mut(bin) {
            *slot = (*slot).min(shingle);
        }
    }

    /// The number of bins.
    pub(crate) fn bins(&self) -> usize {
        self.bins.len()
    }

    /// Whether no shingle was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.bins.iter().all(|&b| b == EMPTY)
    }

    /// The densified sketch: one value per bin. An empty sketcher gives all zeros.
    pub(crate) fn finish(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.bins.len());
        self.finish_into(&mut out);
        out
    }

    /// Appends the densified sketch to `out`.
    pub(crate) fn finish_into(&self, out: &mut Vec<u32>) {
        let k = self.bins.len();
        if self.is_empty() {
            out.extend(std::iter::repeat_n(0, k));
            return;
        }
        for i in 0..k {
            let value = match self.bins[i] {
                EMPTY => self.bins[self.probe(i)],
                v => v,
            };
            // Truncation to the low 32 bits is the documented sketch value.
            out.push(value as u32);
        }
    }

    /// The non-empty bin whose value empty bin `i` copies.
    fn probe(&self, i: usize) -> usize {
        let k = self.bins.len();
        let per_bin = CACHED_PROBES as usize;
        let cached = self.probes.get(i * per_bin..(i + 1) * per_bin).unwrap_or_default();
        let computed = (CACHED_PROBES + 1..=MAX_PROBES).map(|attempt| probe_bin(i, attempt, k));
        for j in cached.iter().map(|&j| j as usize).chain(computed) {
            if self.bins.get(j).is_some_and(|&b| b != EMPTY) {
                return j;
            }
        }
        (1..k).map(|d| (i + d) % k).find(|&j| self.bins[j] != EMPTY).unwrap_or(i)
    }

    /// Empties every bin, keeping the allocation.
    pub(crate) fn clear(&mut self) {
        self.bins.fill(EMPTY);
    }
}

/// Bin number `attempt` of the probe sequence of empty bin `i` among `k` bins.
fn probe_bin(i: usize, attempt: u64, k: usize) -> usize {
    let h = mix64(PROBE_SEED ^ ((i as u64) << 32) ^ attempt);
    ((u128::from(h) * k as u128) >> 64) as usize
}

/// The share of bins where two sketches agree: an estimate of the Jaccard similarity of the
/// two shingle sets. Sketches of different lengths compare over the shorter one.
#[cfg(test)]
pub(crate) fn jaccard_estimate(a: &[u32], b: &[u32]) -> f64 {
    let k = a.len().min(b.len());
    if k == 0 {
        return 0.0;
    }
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / k as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The example of `Sketcher`, a unit test now that the module is internal.
    #[test]
    fn example_of_sketcher() {
        use crate::dedup::minhash::{Sketcher, jaccard_estimate};
        use crate::dedup::shingle::shingles;

        let sketch = |text: &str| {
            let mut s = Sketcher::new(128);
            shingles(text, 3).into_iter().for_each(|h| s.add(h));
            s.finish()
        };
        let a = sketch("the cat sat on the mat while the dog slept by the door all day long");
        let b = sketch("the cat sat on the mat while the dog slept by the gate all day long");
        let est = jaccard_estimate(&a, &b);
        assert!(est > 0.4 && est < 0.95, "{est}");
    }

    fn sketch(set: &[u64], k: usize) -> Vec<u32> {
        let mut s = Sketcher::new(k);
        set.iter().for_each(|&h| s.add(super::super::shingle::mix64(h)));
        s.finish()
    }

    #[test]
    fn identical_sets_give_identical_sketches() {
        let set: Vec<u64> = (0..50).collect();
        assert_eq!(sketch(&set, 128), sketch(&set, 128));
        assert_eq!(jaccard_estimate(&sketch(&set, 128), &sketch(&set, 128)), 1.0);
    }

    #[test]
    fn disjoint_sets_rarely_agree() {
        let a: Vec<u64> = (0..300).collect();
        let b: Vec<u64> = (1000..1300).collect();
        assert!(jaccard_estimate(&sketch(&a, 128), &sketch(&b, 128)) < 0.05);
    }

    #[test]
    fn a_single_shingle_fills_every_bin() {
        let s = sketch(&[7], 128);
        assert!(s.iter().all(|&v| v == s[0]));
    }

    #[test]
    fn an_empty_set_gives_zeros() {
        assert_eq!(sketch(&[], 4), vec![0; 4]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The estimate stays within a few standard errors of the exact Jaccard similarity
        /// (the standard error of 128 bins is at most 0.044; densified short sets a bit more).
        #[test]
        fn estimate_is_near_exact_jaccard(common in 20u64..400, only_a in 0u64..300,
                                          only_b in 0u64..300, seed in any::<u64>()) {
            let base = seed.wrapping_mul(1_000_003);
            let shared: Vec<u64> = (0..common).map(|i| base.wrapping_add(i)).collect();
            let mut a = shared.clone();
            a.extend((0..only_a).map(|i| base.wrapping_add(10_000 + i)));
            let mut b = shared;
            b.extend((0..only_b).map(|i| base.wrapping_add(20_000 + i)));
            let exact = common as f64 / (common + only_a + only_b) as f64;
            let est = jaccard_estimate(&sketch(&a, 128), &sketch(&b, 128));
            prop_assert!((est - exact).abs() < 0.2, "estimate {est}, exact {exact}");
        }
    }
}

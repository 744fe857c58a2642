//! Step 5c: a 64-bit SimHash.
//!
//! SimHash (Charikar, 2002) adds, for every feature, +1 or −1 to 64 counters according to the
//! bits of the feature's hash and keeps the sign of each counter: texts with mostly the same
//! features get hashes a few bits apart. It serves as the near-verbatim pre-pass of
//! [`crate::dedup::lsh`] (tables on 16-bit blocks, Hamming distance ≤ 3): `ANCHORS.md` §2
//! measured that at k ≤ 3 it finds almost nothing once pages differ by dates and teasers, so it
//! never decides a link alone.
//!
//! # Features: shingles, not words
//!
//! [`of_text`] hashes words, like the `simhash` crate, and is what the benchmark compares. The
//! signature ([`crate::dedup::Signature::simhash`]) feeds [`of_features`] the **shingle set**
//! instead. Over words, the few most frequent words of a language decide many bits for every
//! text, so the 16-bit blocks the LSH tables key on take a handful of values: on the dev set
//! (4,182 pages) single SimHash buckets held 150–260 pages, work that grows with the square of
//! the batch. Shingle hashes are uniform and mostly unique to their text, so blocks are too;
//! the buckets shrank below 20 and the clusters did not change (SimHash found no true pair
//! that another table missed, with either feature).
//!
//! # Why not the `simhash` crate
//!
//! `simhash::simhash` hashes every whitespace token with SipHash and updates 64 `i32`
//! counters with a branch per bit. Here each feature hash is cut into its 8 bytes, a 256-entry
//! table turns each byte into 8 one-byte counters packed in a `u64`, and 8 additions update all
//! 64 counters at once; every 255 features the packed counters are flushed into wide ones.
//! Measured in `benches/dedup.rs` (one core, release, the 3,008 generated 2.4 KB documents of
//! that bench, three runs in a row on a shared 2-core machine): from text, normalisation
//! included, [`of_text`] is **9.2×** as fast as `simhash::simhash` (32.5 ms against 300 ms
//! for the batch, 92,000 against 10,000 docs/s; the crate does not normalise at all; single
//! runs ranged from 6× to 12× with the machine's load); from hashes already computed, as the
//! signature uses it, [`of_features`] is **85×** as fast (3.55 ms, 850,000 docs/s).
//!
//! The two do not give the same bits (different tokens, hash and tie rule); a tie (counter
//! zero) gives 0 here too.

use super::shingle::Words;

/// Byte `b` spread into eight one-byte counters: byte `i` of the result is bit `i` of `b`.
const SPREAD: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut bit = 0;
        let mut v = 0u64;
        while bit < 8 {
            v |= (((b >> bit) & 1) as u64) << (8 * bit);
            bit += 1;
        }
        table[b] = v;
        b += 1;
    }
    table
};

/// Words a packed one-byte counter can take before it may overflow.
const FLUSH_EVERY: usize = 255;

/// The SimHash of a sequence of feature hashes (word or shingle hashes), each counted once
/// per occurrence.
pub fn of_features(hashes: &[u64]) -> u64 {
    // counts[i] = how many features have bit i set.
    let mut counts = [0u32; 64];
    for chunk in hashes.chunks(FLUSH_EVERY) {
        let mut packed = [0u64; 8];
        for &h in chunk {
            let bytes = h.to_le_bytes();
            for (acc, &byte) in packed.iter_mut().zip(&bytes) {
                *acc += SPREAD[usize::from(byte)];
            }
        }
        for (byte_index, acc) in packed.iter().enumerate() {
            for (bit, count) in acc.to_le_bytes().iter().enumerate() {
                counts[byte_index * 8 + bit] += u32::from(*count);
            }
        }
    }
    let total = hashes.len() as u64;
    counts
        .iter()
        .enumerate()
        .filter(|&(_, &set)| 2 * u64::from(set) > total)
        .fold(0u64, |acc, (bit, _)| acc | (1 << bit))
}

/// The SimHash of a text: its words in the matching form, as [`of_features`] sees them.
pub fn of_text(text: &str) -> u64 {
    of_features(Words::of(text).hashes())
}

/// The number of bits in which two SimHashes differ.
#[cfg(test)]
pub(crate) fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The example of `of_features`, a unit test now that the module is internal.
    #[test]
    fn example_of_of_features() {
        use crate::dedup::shingle::Words;
        use crate::dedup::simhash::{hamming, of_features};

        let a = of_features(
            Words::of("The quick brown fox jumps over the lazy dog near the river bank").hashes(),
        );
        let b = of_features(
            Words::of("The quick brown fox jumped over the lazy dog near the river bank").hashes(),
        );
        let c = of_features(
            Words::of("Shares in the bank fell sharply after the profit warning").hashes(),
        );
        assert!(hamming(a, b) < hamming(a, c));
    }

    /// The example of `of_text`, a unit test now that the module is internal.
    #[test]
    fn example_of_of_text() {
        use crate::dedup::simhash::of_text;

        assert_eq!(
            of_text("Ministers “agreed” the plan"),
            of_text("ministers \"agreed\" the plan")
        );
    }

    /// The textbook loop: +1/−1 per bit per feature.
    fn slow(hashes: &[u64]) -> u64 {
        let mut v = [0i64; 64];
        for &h in hashes {
            for (i, w) in v.iter_mut().enumerate() {
                *w += if (h >> i) & 1 == 1 { 1 } else { -1 };
            }
        }
        v.iter().enumerate().filter(|&(_, &w)| w > 0).fold(0, |acc, (i, _)| acc | (1 << i))
    }

    #[test]
    fn no_words_give_zero() {
        assert_eq!(of_features(&[]), 0);
    }

    #[test]
    fn one_word_gives_its_own_hash() {
        assert_eq!(of_features(&[0xdead_beef_0123_4567]), 0xdead_beef_0123_4567);
    }

    proptest! {
        #[test]
        fn packed_counters_equal_the_textbook_loop(
            hashes in proptest::collection::vec(any::<u64>(), 0..700)
        ) {
            prop_assert_eq!(of_features(&hashes), slow(&hashes));
        }

        #[test]
        fn many_repeats_do_not_overflow(h in any::<u64>(), n in 250usize..1200) {
            prop_assert_eq!(of_features(&vec![h; n]), h);
        }
    }
}

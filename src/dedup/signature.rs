//! Step 5: everything later steps need to know about one text, computed in one pass.
//!
//! A [`Signature`] holds, for one cleaned text:
//!
//! - an **exact hash** of its word sequence (identical texts after normalisation);
//! - a 64-bit **SimHash** of its shingle set ([`super::simhash`] says why not of its words);
//! - a one-permutation **MinHash** sketch of its shingles ([`super::minhash`], 128 bins by
//!   default) for Jaccard-similar copies;
//! - a **lead** sketch of the shingles of its first words (40 by default), because truncated
//!   reposts and teasers keep the lead and little else;
//! - **passage** hashes of its long paragraphs: a paragraph printed word for word in two
//!   documents is strong evidence, whatever else surrounds it (an editor's intro, a cut);
//! - its sorted, deduplicated **shingle set**, for exact verification ([`super::verify`]);
//! - its **ending**: the last [`super::verify::ENDING_SHINGLES`] shingles in text order, so that
//!   verification can tell whether a text ends inside the other one (a repost, a truncation, a
//!   teaser) or each ends with text of its own (two stories under one shared template).
//!
//! All but the shingle set, the passages and the ending (at most 80 bytes) have a size fixed
//! by the configuration (792 bytes by default). The shingle set keeps the **high 32 bits** of
//! each 64-bit shingle hash, 4 bytes a shingle: on the dev set a cleaned page has 298 shingles on average and its encoded
//! signature takes about 2,000 bytes. The error this costs is bounded and tiny: two different
//! shingles of a pair of texts with `n` and `m` shingles collide with probability about
//! `n·m / 2^32` (2 × 10^-5 for two 300-shingle pages, one spurious shared shingle in 50,000
//! pairs, against the hundreds a real repost shares), and shingles of one text merge with
//! probability `n² / 2^33`. Jaccard and containment move by at most one shingle in such a
//! case; no decision near a threshold depends on it. The sketches and the SimHash are built
//! from the full 64-bit hashes.
//!
//! The words are computed once; shingles, sketches and SimHash are all fed from the same word
//! hashes in one sweep, so the cost is that of normalising and hashing the words plus one sort.
//!
//! # Encoding
//!
//! [`Signature::to_bytes`] writes a little-endian record that starts with
//! [`super::FORMAT_VERSION`]; [`super::Deduper::decode`] reads it back and checks it has the
//! shape the deduper's configuration gives.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::minhash::Sketcher;
use super::shingle::{self, Words, mix64};
use super::verify::ENDING_SHINGLES;
use super::{FORMAT_VERSION, simhash};
use crate::Error;

/// Seed of the exact hash (xxh3 over the little-endian word hashes). Part of the format.
pub(crate) const EXACT_SEED: u64 = 0x6578_6163_7421_2121; // "exact!!!"

/// Seed mixed into passage hashes. Part of the format.
pub(crate) const PASSAGE_SEED: u64 = 0x7061_7373_6167_6521; // "passage!"

/// What shapes a signature: the part of [`super::DedupConfig`] that [`sign`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) shingle_words: usize,
    pub(crate) minhash_bins: usize,
    pub(crate) lead_words: usize,
    pub(crate) lead_bins: usize,
    pub(crate) passage_min_words: usize,
}

/// The signature of one text (see the module docs).
///
/// # Example
///
/// ```
/// use clean_news::dedup::Deduper;
///
/// let deduper = Deduper::builder().build()?;
/// let a = deduper.sign("Ministers agreed the plan on Monday after a long night of talks.");
/// let b = deduper.sign("MINISTERS AGREED THE PLAN ON MONDAY, after a long night of talks!");
/// assert_eq!(a.exact(), b.exact());
/// assert_eq!(a.shingles().len(), 8);
/// assert_eq!(a.minhash().len(), 128);
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signature {
    pub(crate) words: u32,
    pub(crate) exact: u64,
    pub(crate) simhash: u64,
    pub(crate) minhash: Vec<u32>,
    pub(crate) lead: Vec<u32>,
    pub(crate) passages: Vec<u64>,
    pub(crate) shingles: Vec<u32>,
    pub(crate) ending: Vec<u32>,
}

impl Signature {
    /// The number of words of the text.
    pub fn words(&self) -> u32 {
        self.words
    }

    /// The exact hash of the word sequence (0 for a text without words).
    pub fn exact(&self) -> u64 {
        self.exact
    }

    /// The SimHash of the shingle set.
    pub fn simhash(&self) -> u64 {
        self.simhash
    }

    /// The MinHash sketch of the shingle set.
    pub fn minhash(&self) -> &[u32] {
        &self.minhash
    }

    /// The MinHash sketch of the lead's shingles.
    pub fn lead(&self) -> &[u32] {
        &self.lead
    }

    /// Hashes of the paragraphs long enough to identify a story, in text order.
    pub fn passages(&self) -> &[u64] {
        &self.passages
    }

    /// The sorted, deduplicated shingle set: the high 32 bits of each shingle hash (see the
    /// module docs for the error this costs).
    pub fn shingles(&self) -> &[u32] {
        &self.shingles
    }

    /// The last shingles of the text, in text order (high 32 bits, as in
    /// [`Signature::shingles`]): at most 20 (about the last 24 words), fewer when the text
    /// has fewer. The pair check reads them to refuse two texts that share a block but each
    /// end with a body of their own.
    pub fn ending(&self) -> &[u32] {
        &self.ending
    }

    /// The little-endian encoding of the signature (for the index).
    ///
    /// # Example
    ///
    /// ```
    /// use clean_news::dedup::Deduper;
    ///
    /// let deduper = Deduper::builder().build()?;
    /// let sig = deduper.sign("One story, told once, in a few words.");
    /// assert_eq!(deduper.decode(&sig.to_bytes())?, sig);
    /// # Ok::<(), clean_news::Error>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            44 + 4
                * (self.minhash.len() + self.lead.len() + self.shingles.len() + self.ending.len())
                + 8 * self.passages.len(),
        );
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&self.words.to_le_bytes());
        out.extend_from_slice(&self.exact.to_le_bytes());
        out.extend_from_slice(&self.simhash.to_le_bytes());
        let lens = [
            self.minhash.len(),
            self.lead.len(),
            self.passages.len(),
            self.shingles.len(),
            self.ending.len(),
        ];
        for len in lens {
            out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
        }
        for v in self.minhash.iter().chain(&self.lead) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in &self.passages {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in self.shingles.iter().chain(&self.ending) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Reads [`Signature::to_bytes`] back, checking the version and the sketch sizes.
    pub(crate) fn from_bytes(bytes: &[u8], shape: &Shape) -> Result<Signature, Error> {
        let bad = |what: &str| Error::parse("signature", what.to_owned());
        let mut r = Reader { bytes };
        let version = r.u32().ok_or_else(|| bad("truncated header"))?;
        if version != FORMAT_VERSION {
            return Err(bad(&format!(
                "format version {version}, this build reads {FORMAT_VERSION}: rebuild the index"
            )));
        }
        let words = r.u32().ok_or_else(|| bad("truncated header"))?;
        let exact = r.u64().ok_or_else(|| bad("truncated header"))?;
        let simhash = r.u64().ok_or_else(|| bad("truncated header"))?;
        let mut lens = [0usize; 5];
        for len in &mut lens {
            *len = r.u32().ok_or_else(|| bad("truncated header"))? as usize;
        }
        let [minhash_len, lead_len, passages_len, shingles_len, ending_len] = lens;
        if ending_len > ENDING_SHINGLES {
            return Err(bad("ending longer than a signature keeps"));
        }
        if minhash_len != shape.minhash_bins || lead_len != shape.lead_bins {
            return Err(bad("sketch sizes differ from this configuration: rebuild the index"));
        }
        let need = (4 * (minhash_len + lead_len))
            .saturating_add(passages_len.saturating_mul(8))
            .saturating_add(shingles_len.saturating_mul(4))
            .saturating_add(ending_len * 4);
        if r.bytes.len() != need {
            return Err(bad("length does not match its header"));
        }
        let minhash = (0..minhash_len).filter_map(|_| r.u32()).collect();
        let lead = (0..lead_len).filter_map(|_| r.u32()).collect();
        let passages = (0..passages_len).filter_map(|_| r.u64()).collect();
        let shingles: Vec<u32> = (0..shingles_len).filter_map(|_| r.u32()).collect();
        let ending = (0..ending_len).filter_map(|_| r.u32()).collect();
        if !shingles.windows(2).all(|w| w[0] < w[1]) {
            return Err(bad("shingle set is not sorted"));
        }
        Ok(Signature { words, exact, simhash, minhash, lead, passages, shingles, ending })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.bytes.split_first_chunk::<N>()?;
        self.bytes = rest;
        Some(*head)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
}

/// Reused buffers of [`sign`].
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    words: Words,
    folded: String,
    lower: Vec<u8>,
    bytes: Vec<u8>,
    sorted: Vec<u64>,
    full: Option<Sketcher>,
    lead: Option<Sketcher>,
}

/// The reused sketcher of `slot`, emptied, with `bins` bins.
fn sketcher(slot: &mut Option<Sketcher>, bins: usize) -> &mut Sketcher {
    if slot.as_ref().is_some_and(|s| s.bins() != bins.max(1)) {
        *slot = None;
    }
    let sketcher = slot.get_or_insert_with(|| Sketcher::new(bins));
    sketcher.clear();
    sketcher
}

/// Computes the signature of `text`.
pub(crate) fn sign(text: &str, shape: &Shape, scratch: &mut Scratch) -> Signature {
    let Scratch { words, folded, lower, bytes, sorted, full, lead } = scratch;
    words.fill(text, folded, lower);
    let hashes = words.hashes();

    bytes.clear();
    bytes.extend(hashes.iter().flat_map(|h| h.to_le_bytes()));
    let exact = if hashes.is_empty() { 0 } else { xxh3_64_with_seed(bytes, EXACT_SEED) };

    let full = sketcher(full, shape.minhash_bins);
    let lead = sketcher(lead, shape.lead_bins);
    let n = shape.shingle_words.clamp(1, shingle::MAX_SHINGLE_WORDS);
    // The lead: shingles that end within the first `lead_words` words (at least the first
    // shingle, however long the first paragraph).
    let lead_end = shape.lead_words.max(n);
    let mut hashed = Vec::with_capacity(hashes.len());
    words.shingles(n, |end, h| {
        if end <= lead_end || hashed.is_empty() {
            lead.add(h);
        }
        full.add(h);
        hashed.push(h);
    });
    // The ending, in text order, before the sort.
    let from = hashed.len().saturating_sub(ENDING_SHINGLES);
    let ending = hashed[from..].iter().map(|&h| (h >> 32) as u32).collect();
    shingle::sort_dedup(&mut hashed, sorted);
    // The high halves of a sorted set are sorted: only equal neighbours need merging.
    let mut shingles: Vec<u32> = hashed.iter().map(|&h| (h >> 32) as u32).collect();
    shingles.dedup();

    let passages = if shape.passage_min_words == 0 {
        Vec::new()
    } else {
        words
            .paragraphs()
            .filter(|r| r.len() >= shape.passage_min_words)
            .map(|r| {
                let h = hashes[r.clone()]
                    .iter()
                    .fold(PASSAGE_SEED, |h, &w| h.wrapping_mul(shingle::ROLL_BASE).wrapping_add(w));
                mix64(h ^ r.len() as u64)
            })
            .collect()
    };

    Signature {
        words: u32::try_from(hashes.len()).unwrap_or(u32::MAX),
        exact,
        simhash: simhash::of_features(&hashed),
        minhash: full.finish(),
        lead: lead.finish(),
        passages,
        shingles,
        ending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> Shape {
        Shape {
            shingle_words: 5,
            minhash_bins: 128,
            lead_words: 80,
            lead_bins: 64,
            passage_min_words: 8,
        }
    }

    #[test]
    fn the_lead_of_a_short_text_is_the_whole_text() {
        let text = "one two three four five six seven eight nine ten";
        let sig = sign(text, &Shape { lead_bins: 128, ..shape() }, &mut Scratch::default());
        assert_eq!(sig.lead, sig.minhash);
    }

    #[test]
    fn a_truncated_copy_keeps_the_lead() {
        let long: String = (0..300).map(|i| format!("w{i} ")).collect();
        let short: String = (0..120).map(|i| format!("w{i} ")).collect();
        let (a, b) = (
            sign(&long, &shape(), &mut Scratch::default()),
            sign(&short, &shape(), &mut Scratch::default()),
        );
        assert_eq!(a.lead, b.lead);
        assert_ne!(a.minhash, b.minhash);
    }

    #[test]
    fn passages_need_enough_words() {
        let text = "short line here\nthis paragraph is long enough to be a passage key\n";
        assert_eq!(sign(text, &shape(), &mut Scratch::default()).passages.len(), 1);
    }

    #[test]
    fn scratch_reuse_gives_the_same_signature() {
        let mut scratch = Scratch::default();
        let first = sign("alpha beta gamma delta epsilon zeta", &shape(), &mut scratch);
        let _ = sign("something else entirely, longer than before it was", &shape(), &mut scratch);
        assert_eq!(sign("alpha beta gamma delta epsilon zeta", &shape(), &mut scratch), first);
    }

    #[test]
    fn the_ending_is_the_last_shingles_in_text_order() {
        let text: String = (0..40).map(|i| format!("w{i} ")).collect();
        let sig = sign(&text, &shape(), &mut Scratch::default());
        assert_eq!(sig.ending.len(), ENDING_SHINGLES);
        let last = sign("w35 w36 w37 w38 w39", &shape(), &mut Scratch::default());
        assert_eq!(sig.ending.last(), last.shingles.first());
        // A text that repeats itself keeps its ending whole, and it reads back.
        let refrain = "la la la la la la la la la la la la la la la la la la la la la la la la la";
        let sig = sign(refrain, &shape(), &mut Scratch::default());
        assert_eq!((sig.shingles.len(), sig.ending.len()), (1, ENDING_SHINGLES));
        assert_eq!(Signature::from_bytes(&sig.to_bytes(), &shape()).unwrap(), sig);
    }

    #[test]
    fn bytes_round_trip_and_garbage_is_an_error() {
        let sig =
            sign("a b c d e f g h i j k\nl m n o p q r s t", &shape(), &mut Scratch::default());
        let bytes = sig.to_bytes();
        assert_eq!(Signature::from_bytes(&bytes, &shape()).unwrap(), sig);
        for cut in [0, 3, 20, bytes.len() - 1] {
            assert!(Signature::from_bytes(&bytes[..cut], &shape()).is_err());
        }
        let other = Shape { minhash_bins: 64, ..shape() };
        assert!(Signature::from_bytes(&bytes, &other).is_err());
    }
}

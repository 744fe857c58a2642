//! Step 5: everything later steps need to know about one text, computed in one pass, in a
//! size bounded by the configuration rather than by the text.
//!
//! A [`Signature`] holds, for one cleaned text:
//!
//! - an **exact hash** of its word sequence (identical texts after normalisation);
//! - a 64-bit **SimHash** of its shingle set ([`super::simhash`] says why not of its words);
//! - the **band hashes** of a one-permutation **MinHash** sketch of its shingles
//!   ([`super::minhash`], 128 bins, 42 bands of 3 by default): one 32-bit hash per band, all the
//!   MinHash LSH tables key on, for Jaccard-similar copies;
//! - its **lead**: every shingle that ends within its first `lead_words` words (40 by
//!   default), because truncated reposts and teasers keep the lead and little else. The lead
//!   LSH tables sketch it when they need it ([`super::lsh`]);
//! - hashes of its **first passages** (at most [`MAX_PASSAGES`] paragraphs of
//!   `passage_min_words` words or more): a paragraph printed word for word in two documents
//!   is strong evidence, whatever surrounds it, and truncated copies, teasers and copies with
//!   an editor's intro all print the first paragraphs;
//! - a **sample** of its other shingles: the `sample_shingles` smallest by hash (64 by
//!   default), a bottom-k sketch. Verification ([`super::verify`]) compares leads exactly and
//!   estimates the rest from the samples;
//! - its **ending**: the last [`super::verify::ENDING_SHINGLES`] shingles in text order, so that
//!   verification can tell whether a text ends inside the other one (a repost, a truncation, a
//!   teaser) or each ends with text of its own (two stories under one shared template).
//!
//! Shingles are kept as the **high 32 bits** of their 64-bit hash. Two different shingles of
//! a pair of texts collide there with probability about `n·m / 2^32` (2 × 10^-5 for two
//! 300-shingle pages); no decision near a threshold depends on one shingle.
//!
//! # Size
//!
//! Until issue 19 a signature kept every shingle (4 bytes each: about the size of the text
//! again, 2,118 bytes encoded on the dev set, 2,231 in memory), which put a million documents
//! at gigabytes. Now every part is bounded: 42 band hashes, at most 4 passages, 20 ending
//! shingles, about `lead_words` lead shingles and `sample_shingles` sampled ones, 4 bytes each,
//! in **one allocation** beside a 48-byte struct. Measured with `examples/dedup_scale.rs` on
//! 24 word-permuted copies of the dev set (100,368 documents, default configuration): **637
//! bytes** encoded on average ([`Signature::to_bytes`], 32 of them header), **649 bytes** in
//! memory (48 inline, 601 on the heap); at most about 900 for the longest texts. At 240
//! copies (1,003,680 documents, the example's own peak RSS as `/proc` reports it) the process
//! held 838 MB once every document was signed (texts dropped, ids kept) and peaked at 1.42 GB
//! while clustering them, where 100,368 documents of the old signatures already took 439 MB. A text of
//! fewer than `lead_words + sample_shingles` shingles or so keeps every shingle, and pairs of
//! such texts are verified exactly.
//!
//! The words are computed once; shingles, sketches and SimHash are all fed from the same word
//! hashes in one sweep, so the cost is that of normalising and hashing the words plus one sort.
//!
//! # Encoding
//!
//! [`Signature::to_bytes`] writes a little-endian record that starts with
//! [`super::FORMAT_VERSION`] (4 since the sketches replaced the shingle set: indexes written
//! with version 3 signatures are refused and must be rebuilt); [`super::Deduper::decode`] reads
//! it back and checks it has the shape the deduper's configuration gives.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::minhash::Sketcher;
use super::shingle::{self, Words, mix64};
use super::verify::ENDING_SHINGLES;
use super::{FORMAT_VERSION, lsh, simhash};
use crate::Error;

/// Seed of the exact hash (xxh3 over the little-endian word hashes). Part of the format.
pub(crate) const EXACT_SEED: u64 = 0x6578_6163_7421_2121; // "exact!!!"

/// Seed mixed into passage hashes. Part of the format.
pub(crate) const PASSAGE_SEED: u64 = 0x7061_7373_6167_6521; // "passage!"

/// Passages (paragraphs of at least `passage_min_words` words) a signature keeps: the first
/// ones in text order, which truncated copies, teasers and copies with an intro all print.
pub(crate) const MAX_PASSAGES: usize = 4;

/// What shapes a signature: the part of [`super::DedupConfig`] that [`sign`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    pub(crate) shingle_words: usize,
    pub(crate) minhash_bins: usize,
    pub(crate) bands: usize,
    pub(crate) rows: usize,
    pub(crate) lead_words: usize,
    pub(crate) passage_min_words: usize,
    pub(crate) sample: usize,
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
/// assert_eq!(a.shingle_count(), 8);
/// assert_eq!(a.bands().len(), 42);
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signature {
    pub(crate) words: u32,
    /// Distinct shingles of the text (high 32 bits).
    pub(crate) shingle_count: u32,
    pub(crate) exact: u64,
    pub(crate) simhash: u64,
    /// `bands | passages | ending | lead | sample`, lengths in `lens` (one allocation).
    pub(crate) data: Box<[u32]>,
    pub(crate) lens: [u16; 4],
}

/// Where each part of [`Signature::data`] starts and ends.
const BANDS: usize = 0;
const PASSAGES: usize = 1;
const ENDING: usize = 2;
const LEAD: usize = 3;

impl Signature {
    /// Builds a signature from its parts (the lead and sample sorted and deduplicated).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        words: u32,
        shingle_count: u32,
        exact: u64,
        simhash: u64,
        bands: &[u32],
        passages: &[u32],
        ending: &[u32],
        lead: &[u32],
        sample: &[u32],
    ) -> Signature {
        let len16 = |s: &[u32]| u16::try_from(s.len()).unwrap_or(u16::MAX);
        let parts = [bands, passages, ending, lead];
        let mut data =
            Vec::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + sample.len());
        let mut lens = [0u16; 4];
        for (len, part) in lens.iter_mut().zip(parts) {
            let part = &part[..part.len().min(usize::from(u16::MAX))];
            *len = len16(part);
            data.extend_from_slice(part);
        }
        data.extend_from_slice(sample);
        Signature { words, shingle_count, exact, simhash, data: data.into_boxed_slice(), lens }
    }

    fn part(&self, which: usize) -> &[u32] {
        let start: usize = self.lens[..which].iter().map(|&l| usize::from(l)).sum();
        let end = start + usize::from(self.lens[which]);
        self.data.get(start..end).unwrap_or_default()
    }

    /// The number of words of the text.
    pub fn words(&self) -> u32 {
        self.words
    }

    /// The number of distinct shingles of the text (see the module docs).
    pub fn shingle_count(&self) -> u32 {
        self.shingle_count
    }

    /// The exact hash of the word sequence (0 for a text without words).
    pub fn exact(&self) -> u64 {
        self.exact
    }

    /// The SimHash of the shingle set.
    pub fn simhash(&self) -> u64 {
        self.simhash
    }

    /// The band hashes of the MinHash sketch of the shingle set: one 32-bit hash of each band
    /// of `rows` sketch values, the values the MinHash LSH tables key on.
    pub fn bands(&self) -> &[u32] {
        self.part(BANDS)
    }

    /// Hashes (32 bits) of the first paragraphs long enough to identify a story, in text order.
    pub fn passages(&self) -> &[u32] {
        self.part(PASSAGES)
    }

    /// The last shingles of the text, in text order (high 32 bits of each shingle hash): at
    /// most 20 (about the last 24 words), fewer when the text has fewer. The pair check reads
    /// them to refuse two texts that share a block but each end with a body of their own.
    pub fn ending(&self) -> &[u32] {
        self.part(ENDING)
    }

    /// The lead: every distinct shingle (high 32 bits) that ends within the first
    /// `lead_words` words, sorted.
    pub fn lead(&self) -> &[u32] {
        self.part(LEAD)
    }

    /// The sample of the other shingles: the smallest `sample_shingles` of the shingles not in
    /// the lead (all of them when there are no more), sorted.
    pub fn sample(&self) -> &[u32] {
        let start: usize = self.lens.iter().map(|&l| usize::from(l)).sum();
        self.data.get(start..).unwrap_or_default()
    }

    /// Whether [`Signature::sample`] holds every shingle outside the lead.
    pub(crate) fn rest_complete(&self) -> bool {
        self.rest_count() <= self.sample().len()
    }

    /// The number of distinct shingles outside the lead.
    pub(crate) fn rest_count(&self) -> usize {
        (self.shingle_count as usize).saturating_sub(self.lead().len())
    }

    /// Bytes the signature holds on the heap, beside its `size_of::<Signature>()` inline bytes:
    /// what a batch of signatures costs in memory.
    pub fn heap_bytes(&self) -> usize {
        4 * self.data.len()
    }

    /// The length of [`Signature::to_bytes`], without encoding it.
    pub fn encoded_len(&self) -> usize {
        HEADER + 4 * self.data.len()
    }

    /// The little-endian encoding of the signature (for the index): a 36-byte header (format
    /// version, words, shingles, the four part lengths, exact hash, SimHash), then the parts.
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
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&self.words.to_le_bytes());
        out.extend_from_slice(&self.shingle_count.to_le_bytes());
        for len in self.lens {
            out.extend_from_slice(&len.to_le_bytes());
        }
        out.extend_from_slice(&self.exact.to_le_bytes());
        out.extend_from_slice(&self.simhash.to_le_bytes());
        for v in self.data.iter() {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// Reads [`Signature::to_bytes`] back, checking the version and the shape.
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
        let shingle_count = r.u32().ok_or_else(|| bad("truncated header"))?;
        let mut lens = [0u16; 4];
        for len in &mut lens {
            *len = r.take().map(u16::from_le_bytes).ok_or_else(|| bad("truncated header"))?;
        }
        let exact = r.u64().ok_or_else(|| bad("truncated header"))?;
        let simhash = r.u64().ok_or_else(|| bad("truncated header"))?;
        if usize::from(lens[BANDS]) != shape.bands {
            return Err(bad("band count differs from this configuration: rebuild the index"));
        }
        if usize::from(lens[ENDING]) > ENDING_SHINGLES || usize::from(lens[PASSAGES]) > MAX_PASSAGES
        {
            return Err(bad("more ending shingles or passages than a signature keeps"));
        }
        if r.bytes.len() % 4 != 0 {
            return Err(bad("length does not match its header"));
        }
        let data: Box<[u32]> =
            r.bytes.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let fixed: usize = lens.iter().map(|&l| usize::from(l)).sum();
        let Some(sample_len) = data.len().checked_sub(fixed) else {
            return Err(bad("length does not match its header"));
        };
        let sig = Signature { words, shingle_count, exact, simhash, data, lens };
        let sorted = |s: &[u32]| s.windows(2).all(|w| w[0] < w[1]);
        if sample_len > shape.sample || !sorted(sig.lead()) || !sorted(sig.sample()) {
            return Err(bad("lead or sample is not a sorted set of this configuration's size"));
        }
        let kept = sig.lead().len() + sig.sample().len();
        if kept > shingle_count as usize
            || (sample_len < shape.sample && kept != shingle_count as usize)
        {
            return Err(bad("shingles kept do not match the text's count"));
        }
        Ok(sig)
    }
}

/// Bytes of the header of [`Signature::to_bytes`].
const HEADER: usize = 4 + 4 + 4 + 2 * 4 + 8 + 8;

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
    hashed: Vec<u64>,
    lead: Vec<u32>,
    full: Option<Sketcher>,
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
    let Scratch { words, folded, lower, bytes, sorted, hashed, lead, full } = scratch;
    words.fill(text, folded, lower);
    let hashes = words.hashes();

    bytes.clear();
    bytes.extend(hashes.iter().flat_map(|h| h.to_le_bytes()));
    let exact = if hashes.is_empty() { 0 } else { xxh3_64_with_seed(bytes, EXACT_SEED) };

    let full = sketcher(full, shape.minhash_bins);
    let n = shape.shingle_words.clamp(1, shingle::MAX_SHINGLE_WORDS);
    // The lead: shingles that end within the first `lead_words` words (at least the first
    // shingle, however long the first paragraph).
    let lead_end = shape.lead_words.max(n);
    hashed.clear();
    lead.clear();
    words.shingles(n, |end, h| {
        if end <= lead_end || hashed.is_empty() {
            lead.push((h >> 32) as u32);
        }
        full.add(h);
        hashed.push(h);
    });
    // The ending, in text order, before the sort.
    let from = hashed.len().saturating_sub(ENDING_SHINGLES);
    let ending: Vec<u32> = hashed[from..].iter().map(|&h| (h >> 32) as u32).collect();
    shingle::sort_dedup(hashed, sorted);
    let simhash = simhash::of_features(hashed);
    // The high halves of a sorted set are sorted: only equal neighbours need merging.
    let mut set: Vec<u32> = hashed.iter().map(|&h| (h >> 32) as u32).collect();
    set.dedup();
    lead.sort_unstable();
    lead.dedup();
    // The sample: the smallest shingles outside the lead.
    let sample: Vec<u32> =
        set.iter().copied().filter(|s| lead.binary_search(s).is_err()).take(shape.sample).collect();

    let passages: Vec<u32> = if shape.passage_min_words == 0 {
        Vec::new()
    } else {
        words
            .paragraphs()
            .filter(|r| r.len() >= shape.passage_min_words)
            .take(MAX_PASSAGES)
            .map(|r| {
                let h = hashes[r.clone()]
                    .iter()
                    .fold(PASSAGE_SEED, |h, &w| h.wrapping_mul(shingle::ROLL_BASE).wrapping_add(w));
                (mix64(h ^ r.len() as u64) >> 32) as u32
            })
            .collect()
    };
    let bands = lsh::band_hashes(&full.finish(), shape.bands, shape.rows, lsh::MINHASH_KIND);

    Signature::from_parts(
        u32::try_from(hashes.len()).unwrap_or(u32::MAX),
        u32::try_from(set.len()).unwrap_or(u32::MAX),
        exact,
        simhash,
        &bands,
        &passages,
        &ending,
        lead,
        &sample,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> Shape {
        Shape {
            shingle_words: 5,
            minhash_bins: 128,
            bands: 42,
            rows: 3,
            lead_words: 40,
            passage_min_words: 8,
            sample: 64,
        }
    }

    fn words(from: usize, to: usize) -> String {
        (from..to).map(|i| format!("w{i} ")).collect()
    }

    #[test]
    fn a_short_text_keeps_every_shingle() {
        let sig = sign(&words(0, 60), &shape(), &mut Scratch::default());
        assert_eq!(sig.shingle_count(), 56);
        assert_eq!(sig.lead().len() + sig.sample().len(), 56);
        assert!(sig.rest_complete());
        assert_eq!(sig.bands().len(), 42);
    }

    #[test]
    fn a_long_text_keeps_its_lead_and_a_bounded_sample() {
        let sig = sign(&words(0, 2000), &shape(), &mut Scratch::default());
        assert_eq!(sig.shingle_count(), 1996);
        // Shingles ending within the first 40 words: those ending at words 5 to 40.
        assert_eq!(sig.lead().len(), 36);
        assert_eq!(sig.sample().len(), 64);
        assert!(!sig.rest_complete());
        assert!(sig.sample().iter().all(|s| sig.lead().binary_search(s).is_err()));
        // The sample is the smallest of the rest: a truncated copy's sample below the
        // original's largest sampled value is the original's.
        assert!(sig.to_bytes().len() <= 32 + 4 * (42 + 4 + 20 + 36 + 64));
        assert_eq!(sig.encoded_len(), sig.to_bytes().len());
    }

    #[test]
    fn a_truncated_copy_keeps_the_lead() {
        let (a, b) = (
            sign(&words(0, 300), &shape(), &mut Scratch::default()),
            sign(&words(0, 120), &shape(), &mut Scratch::default()),
        );
        assert_eq!(a.lead(), b.lead());
        assert_ne!(a.bands(), b.bands());
    }

    #[test]
    fn passages_need_enough_words_and_only_the_first_are_kept() {
        let text = "short line here\nthis paragraph is long enough to be a passage key\n";
        assert_eq!(sign(text, &shape(), &mut Scratch::default()).passages().len(), 1);
        let many: String = (0..10).map(|p| format!("{}\n", words(10 * p, 10 * p + 9))).collect();
        assert_eq!(sign(&many, &shape(), &mut Scratch::default()).passages().len(), MAX_PASSAGES);
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
        let sig = sign(&words(0, 40), &shape(), &mut Scratch::default());
        assert_eq!(sig.ending().len(), ENDING_SHINGLES);
        let last = sign("w35 w36 w37 w38 w39", &shape(), &mut Scratch::default());
        assert_eq!(sig.ending().last(), last.lead().first());
        // A text that repeats itself keeps its ending whole, and it reads back.
        let refrain = "la la la la la la la la la la la la la la la la la la la la la la la la la";
        let sig = sign(refrain, &shape(), &mut Scratch::default());
        assert_eq!((sig.shingle_count(), sig.ending().len()), (1, ENDING_SHINGLES));
        assert_eq!(Signature::from_bytes(&sig.to_bytes(), &shape()).unwrap(), sig);
    }

    #[test]
    fn bytes_round_trip_and_garbage_is_an_error() {
        let sig = sign(&words(0, 500), &shape(), &mut Scratch::default());
        let bytes = sig.to_bytes();
        assert_eq!(Signature::from_bytes(&bytes, &shape()).unwrap(), sig);
        for cut in [0, 3, 20, 31, bytes.len() - 1, bytes.len() - 4] {
            assert!(Signature::from_bytes(&bytes[..cut], &shape()).is_err(), "cut at {cut}");
        }
        let other = Shape { bands: 40, ..shape() };
        assert!(Signature::from_bytes(&bytes, &other).is_err());
        let smaller = Shape { sample: 32, ..shape() };
        assert!(Signature::from_bytes(&bytes, &smaller).is_err());
        let mut unsorted = bytes.clone();
        let n = unsorted.len();
        unsorted.copy_within(n - 8..n - 4, n - 4);
        assert!(Signature::from_bytes(&unsorted, &shape()).is_err());
    }
}

//! Step 6: candidate pairs, by locality-sensitive hashing.
//!
//! Comparing every pair of documents is quadratic. Instead every signature posts a few **keys**
//! in a few **tables**, and two documents become a candidate pair when they post the same key
//! in the same table. Every candidate is then checked exactly ([`super::verify`]), so a table
//! may be generous; what it must not do is miss a true repost. The tables:
//!
//! | table | key | finds |
//! |---|---|---|
//! | `exact` | the exact hash | identical texts |
//! | `simhash` | one of `k + 1` blocks of the SimHash, pairs with Hamming distance ≤ `k` kept | near-verbatim copies (the pre-pass) |
//! | `minhash` | the hash of `rows` consecutive bins of the MinHash sketch (kept in the signature), one table per band | Jaccard-similar copies: light edits, OCR noise, updated versions |
//! | `lead` | `lead_rows` bins of the lead sketch, one table per band; the sketch (`lead_bins` bins) is built from the signature's lead shingles when the keys are needed | truncated copies and lead-only teasers |
//! | `passage` | the hash of a paragraph of at least `passage_min_words` words | a short repost inside a long original, an editor's intro before the first paragraphs |
//!
//! # Why these tables: containment, not only Jaccard
//!
//! Jaccard LSH alone misses the reposts that matter most in news: a teaser of 40 words inside
//! a 600-word original has Jaccard 0.07 however exact the copy (`ANCHORS.md` §2: datasketch
//! at threshold 0.3 reaches ARI 0.882 where the exact all-pairs check reaches 0.990, losing
//! 79 % of the lead teasers). The lead and passage tables find **containment**: a truncated
//! copy or a teaser has the same lead as its original, and a copy with an editor's intro still
//! prints the original's paragraphs word for word.
//!
//! Measured on the dev set (`../shared/data/neardup/bbc-repost-dev`, site templates removed by
//! the frequency stand-in of `examples/dedup_dev.rs`, default configuration): of the 7,201
//! same-story pairs that pass the accept rule, the share each table proposes, and how many
//! only it proposes:
//!
//! | | minhash 42×3 | lead 21×3 | passage ≥ 8 words | simhash k ≤ 3 | any |
//! |---|---|---|---|---|---|
//! | proposed | 0.768 | 0.770 | 0.815 | 0.085 | 0.985 |
//! | only by it | 326 | 188 | 313 | 0 | |
//!
//! Turning a source off (ARI of the clusters, lead-teaser / intro-truncate recall): all on
//! 0.9955 (0.994 / 0.991); no passages 0.920 (0.36 / 0.90) with the old 80-word lead, 0.964
//! lead-teaser recall with the 40-word one; no lead 0.9955 (passages cover it here, the lead
//! is there for teasers whose lead paragraph was retouched); no minhash 0.986 (light edits and
//! OCR noise lost); minhash alone 0.867. The 110 pairs no table proposes are all between two
//! reposts rather than a repost and its original; an exact all-pairs check finds 120 accepted
//! pairs LSH did not propose, and the only 5 that touch a cluster centre join different
//! stories (containment 0.50–0.56): missing them helps.
//!
//! # Bands and rows: the recall curve
//!
//! A band of `r` bins collides with probability `J^r` for a pair of Jaccard similarity `J`;
//! with `b` bands the pair is found with probability `1 − (1 − J^r)^b`. The default document
//! sketch uses `b = 42`, `r = 3` (126 of the 128 bins), the lead sketch `21 × 3` (63 of 64):
//!
//! | J | 0.05 | 0.1 | 0.2 | 0.3 | 0.4 | 0.5 | 0.6 | 0.7 |
//! |---|---|---|---|---|---|---|---|---|
//! | found, minhash 42×3 | 0.005 | 0.041 | 0.29 | 0.68 | 0.94 | 0.996 | 1.000 | 1.000 |
//! | found, lead 21×3 | 0.003 | 0.021 | 0.16 | 0.44 | 0.75 | 0.94 | 0.994 | 1.000 |
//!
//! The minhash curve crosses one half at `J ≈ (1/42)^(1/3) ≈ 0.29`, so pairs near Jaccard
//! 0.3–0.4 are mostly found while unrelated pairs (J below 0.05, two stories sharing stock
//! phrases) collide with probability 0.5 %. Two bins per band (64×2) would find more at
//! J = 0.2, but pairs at J = 0.05 would collide 15 % of the time: on a million documents that
//! is thousands of candidates per document (measured on the dev set: 64×2 also merged a second
//! related-story pair; 32×4 lost ARI 0.9940 against 0.9955).
//!
//! The lead is the first **40** words, not the 80 first planned: a lead teaser is a headline
//! and a lead paragraph, 20–45 words, and its Jaccard similarity with an 80-word lead window
//! is about 0.2, which no strict band finds (lead-teaser recall from the lead tables alone:
//! 0.36 with 80 words and 16×4, 0.96 with 40 words and 21×3). Three rows, not two, keep the
//! chance collision of two unrelated leads (J ≈ 0.01) at one in 50,000 per pair.
//!
//! # Huge buckets
//!
//! A key shared by more than `max_bucket` documents (default 200) is either a template line that
//! survived template removal or a story reposted hundreds of times (or, with SimHash over
//! words, most of a language: see [`super::simhash`]). Pairing all of them is
//! quadratic, so a bucket over the cap pairs each document only with the bucket's **first**
//! `max_bucket` documents in clustering order: the earliest published, which are the ones a
//! later copy can join ([`super::cluster`] links members to centres, and centres come first).
//! The work of a bucket is then linear in its size.
//!
//! # Time window
//!
//! With `window_hours` set, documents further apart in publication time than the window are
//! never paired (documents without a time pair with every document). Off by default: a story
//! can be reprinted weeks later.
//!
//! # Memory
//!
//! The lead sketches of a batch are built once, in parallel, into one flat array of
//! `lead_bands` hashes per document (84 bytes a document with the defaults, freed when the
//! candidates are found); each table then collects 12-byte postings. The signatures stay the
//! largest share (see [`super::signature`]).
//!
//! # Parallelism and determinism
//!
//! Each table is one rayon task: it collects `(key, document)` postings, sorts them and emits
//! the pairs of each run of equal keys. The pairs of all tables are then sorted and merged, so
//! the result (and the record of which tables found each pair) does not depend on the number
//! of threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::minhash::Sketcher;
use super::shingle::{ROLL_BASE, mix64};
use super::signature::Signature;

/// Seed of every LSH key. Part of the format.
pub(crate) const KEY_SEED: u64 = 0x6c73_685f_6b65_7973; // "lsh_keys"

/// Which tables found a candidate pair (a set of flags).
///
/// Serialised as a list of names: `["minhash", "lead"]`.
///
/// # Example
///
/// ```
/// use clean_news::dedup::FoundBy;
///
/// let both = FoundBy::MINHASH | FoundBy::LEAD;
/// assert!(both.contains(FoundBy::LEAD));
/// assert_eq!(serde_json::to_string(&both).unwrap(), r#"["minhash","lead"]"#);
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FoundBy(u8);

impl FoundBy {
    /// No table (the centre itself, or a document remembered from an earlier run).
    pub const NONE: FoundBy = FoundBy(0);
    /// Same exact hash.
    pub const EXACT: FoundBy = FoundBy(1);
    /// SimHash tables (near-verbatim).
    pub const SIMHASH: FoundBy = FoundBy(2);
    /// MinHash bands of the whole text.
    pub const MINHASH: FoundBy = FoundBy(4);
    /// MinHash bands of the lead.
    pub const LEAD: FoundBy = FoundBy(8);
    /// A shared paragraph.
    pub const PASSAGE: FoundBy = FoundBy(16);

    const NAMES: [(FoundBy, &'static str); 5] = [
        (FoundBy::EXACT, "exact"),
        (FoundBy::SIMHASH, "simhash"),
        (FoundBy::MINHASH, "minhash"),
        (FoundBy::LEAD, "lead"),
        (FoundBy::PASSAGE, "passage"),
    ];

    /// Whether every flag of `other` is set in `self`.
    pub fn contains(self, other: FoundBy) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the flags that are set, in a fixed order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        FoundBy::NAMES.into_iter().filter(move |&(f, _)| self.contains(f)).map(|(_, n)| n)
    }
}

impl std::ops::BitOr for FoundBy {
    type Output = FoundBy;
    fn bitor(self, rhs: FoundBy) -> FoundBy {
        FoundBy(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for FoundBy {
    fn bitor_assign(&mut self, rhs: FoundBy) {
        self.0 |= rhs.0;
    }
}

impl Serialize for FoundBy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

impl<'de> Deserialize<'de> for FoundBy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<FoundBy, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        let mut out = FoundBy::NONE;
        for name in names {
            let flag = FoundBy::NAMES
                .iter()
                .find(|(_, n)| *n == name)
                .map(|&(f, _)| f)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown table `{name}`")))?;
            out |= flag;
        }
        Ok(out)
    }
}

/// The tables and their shapes (from [`super::DedupConfig`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) bands: usize,
    pub(crate) rows: usize,
    pub(crate) lead_bins: usize,
    pub(crate) lead_bands: usize,
    pub(crate) lead_rows: usize,
    pub(crate) passages: bool,
    /// Maximum Hamming distance of the SimHash pre-pass; `None` turns it off.
    pub(crate) simhash_distance: Option<u32>,
}

/// One table: what it is keyed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Exact,
    SimHash { block: u32, blocks: u32 },
    MinHash { band: usize },
    Lead { band: usize },
    Passage,
}

impl Table {
    fn found_by(self) -> FoundBy {
        match self {
            Table::Exact => FoundBy::EXACT,
            Table::SimHash { .. } => FoundBy::SIMHASH,
            Table::MinHash { .. } => FoundBy::MINHASH,
            Table::Lead { .. } => FoundBy::LEAD,
            Table::Passage => FoundBy::PASSAGE,
        }
    }

    /// A seed unique to the table, so equal values in two tables give different keys.
    fn seed(self) -> u64 {
        let (kind, index) = match self {
            Table::Exact => (1u64, 0u64),
            Table::SimHash { block, .. } => (2, u64::from(block)),
            Table::MinHash { band } => (3, band as u64),
            Table::Lead { band } => (4, band as u64),
            Table::Passage => (5, 0),
        };
        mix64(KEY_SEED ^ (kind << 32) ^ index)
    }
}

impl Layout {
    fn tables(&self) -> Vec<Table> {
        let mut tables = vec![Table::Exact];
        if let Some(k) = self.simhash_distance {
            let blocks = k + 1;
            tables.extend((0..blocks).map(|block| Table::SimHash { block, blocks }));
        }
        tables.extend((0..self.bands).map(|band| Table::MinHash { band }));
        tables.extend((0..self.lead_bands).map(|band| Table::Lead { band }));
        if self.passages {
            tables.push(Table::Passage);
        }
        tables
    }

    /// Calls `each` with every key `sig` posts in `table`; `lead` is [`Layout::lead_bands`]
    /// of `sig`.
    fn keys(&self, table: Table, sig: &Signature, lead: &[u32], mut each: impl FnMut(u64)) {
        let seed = table.seed();
        match table {
            Table::Exact => each(mix64(seed ^ sig.exact)),
            Table::SimHash { block, blocks } => {
                let (lo, hi) = block_bits(block, blocks);
                let bits = (sig.simhash >> lo) & mask(hi - lo);
                each(mix64(seed ^ bits));
            }
            Table::MinHash { band } => {
                if let Some(&h) = sig.bands().get(band) {
                    each(mix64(seed ^ u64::from(h)));
                }
            }
            Table::Lead { band } => {
                if let Some(&h) = lead.get(band) {
                    each(mix64(seed ^ u64::from(h)));
                }
            }
            Table::Passage => sig.passages().iter().for_each(|&p| each(mix64(seed ^ u64::from(p)))),
        }
    }

    /// The band hashes of the lead sketch of `sig`: a one-permutation MinHash of its lead
    /// shingles, `lead_bins` bins, cut into `lead_bands` bands of `lead_rows` values.
    pub(crate) fn lead_bands(&self, sig: &Signature, sketcher: &mut Option<Sketcher>) -> Vec<u32> {
        if self.lead_bands == 0 || sig.lead().is_empty() {
            return Vec::new();
        }
        let bins = self.lead_bins.max(1);
        if sketcher.as_ref().is_some_and(|s| s.bins() != bins) {
            *sketcher = None;
        }
        let s = sketcher.get_or_insert_with(|| Sketcher::new(bins));
        s.clear();
        for &v in sig.lead() {
            s.add(mix64(LEAD_SKETCH_SEED ^ u64::from(v)));
        }
        band_hashes(&s.finish(), self.lead_bands, self.lead_rows, LEAD_KIND)
    }

    /// Every key of `sig` in every table (what the index stores as postings).
    pub(crate) fn all_keys(&self, sig: &Signature) -> Vec<u64> {
        thread_local! {
            // A run asks for the keys of every document it remembers: one sketcher a
            // thread, not one a call (its probe table is what costs).
            static LEAD_SKETCHER: std::cell::RefCell<Option<Sketcher>> =
                const { std::cell::RefCell::new(None) };
        }
        let mut out = Vec::new();
        let lead = LEAD_SKETCHER.with_borrow_mut(|sketcher| self.lead_bands(sig, sketcher));
        for table in self.tables() {
            self.keys(table, sig, &lead, |k| out.push(k));
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Seed that turns a lead shingle (32 bits) into the hash its sketch is built from. Part of
/// the format.
const LEAD_SKETCH_SEED: u64 = 0x6c65_6164_5f73_6b21; // "lead_sk!"

/// Table kinds whose band hashes [`band_hashes`] computes.
pub(crate) const MINHASH_KIND: u64 = 3;
const LEAD_KIND: u64 = 4;

/// One 32-bit hash of each of `bands` bands of `rows` consecutive sketch values (fewer when
/// the sketch is shorter), seeded per band and per kind of table. Part of the format.
pub(crate) fn band_hashes(sketch: &[u32], bands: usize, rows: usize, kind: u64) -> Vec<u32> {
    let rows = rows.max(1);
    sketch
        .chunks_exact(rows)
        .take(bands)
        .enumerate()
        .map(|(band, values)| {
            let seed = mix64(KEY_SEED ^ (kind << 40) ^ band as u64);
            let h = values
                .iter()
                .fold(seed, |h, &v| h.wrapping_mul(ROLL_BASE).wrapping_add(u64::from(v)));
            (mix64(h) >> 32) as u32
        })
        .collect()
}

/// Bits `lo..hi` of a 64-bit SimHash that block `block` of `blocks` covers.
fn block_bits(block: u32, blocks: u32) -> (u32, u32) {
    let blocks = blocks.clamp(1, 64);
    let lo = 64 * block / blocks;
    let hi = 64 * (block + 1) / blocks;
    (lo, hi)
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 }
}

/// A candidate pair: positions `a < b` in clustering order, and the tables that found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Candidate {
    pub(crate) a: u32,
    pub(crate) b: u32,
    pub(crate) found_by: FoundBy,
}

/// What candidate generation needs to know about each document, in clustering order.
pub(crate) struct Posting<'a> {
    pub(crate) signature: &'a Signature,
    pub(crate) published: Option<i64>,
    /// Documents that cannot pass verification (too few shingles) post nothing.
    pub(crate) eligible: bool,
}

/// Every candidate pair among `docs` (which are in clustering order: bucket caps keep the
/// first documents), sorted, each once with the union of the tables that found it.
pub(crate) fn candidates(
    layout: &Layout,
    docs: &[Posting<'_>],
    window_seconds: Option<i64>,
    max_bucket: usize,
) -> Vec<Candidate> {
    let max_bucket = max_bucket.max(1);
    // The lead band hashes of every document, computed once for all lead tables, side by
    // side (`lead_bands` per document; a document without a lead posts no lead key).
    let per_doc = layout.lead_bands;
    let mut lead = vec![0u32; docs.len() * per_doc];
    let mut has_lead = vec![false; docs.len()];
    if per_doc > 0 {
        lead.par_chunks_mut(per_doc)
            .zip(has_lead.par_iter_mut())
            .zip(docs.par_iter())
            .for_each_init(
                || None,
                |sketcher, ((slot, has), doc)| {
                    if doc.eligible {
                        let bands = layout.lead_bands(doc.signature, sketcher);
                        *has = bands.len() == slot.len();
                        if *has {
                            slot.copy_from_slice(&bands);
                        }
                    }
                },
            );
    }
    let lead_of =
        |i: usize| if has_lead[i] { &lead[i * per_doc..(i + 1) * per_doc] } else { &[][..] };
    // Each table's pairs sorted and deduplicated, then merged two by two: a pair most tables
    // find (a verbatim copy is in every band) is held once per merge, not once per table.
    let merged: Vec<(u64, FoundBy)> = layout
        .tables()
        .into_par_iter()
        .map(|table| {
            let mut posts: Vec<(u64, u32)> = Vec::with_capacity(docs.len());
            for (i, doc) in docs.iter().enumerate() {
                if doc.eligible {
                    let i = u32::try_from(i).unwrap_or(u32::MAX);
                    layout.keys(table, doc.signature, lead_of(i as usize), |k| {
                        posts.push((k, i));
                    });
                }
            }
            posts.sort_unstable();
            posts.dedup();
            let found_by = table.found_by();
            let mut pairs = Vec::new();
            let keep = |a: u32, b: u32| {
                let (da, db) = (&docs[a as usize], &docs[b as usize]);
                if let (Some(w), Some(ta), Some(tb)) = (window_seconds, da.published, db.published)
                    && ta.abs_diff(tb) > w.unsigned_abs()
                {
                    return false;
                }
                match (table, layout.simhash_distance) {
                    (Table::SimHash { .. }, Some(k)) => {
                        (da.signature.simhash ^ db.signature.simhash).count_ones() <= k
                    }
                    _ => true,
                }
            };
            for run in posts.chunk_by(|x, y| x.0 == y.0) {
                for (j, &(_, b)) in run.iter().enumerate().skip(1) {
                    for &(_, a) in &run[..j.min(max_bucket)] {
                        if keep(a, b) {
                            pairs.push(((u64::from(a) << 32) | u64::from(b), found_by));
                        }
                    }
                }
            }
            pairs.sort_unstable();
            pairs.dedup();
            pairs
        })
        .reduce(Vec::new, merge_pairs);
    merged
        .into_iter()
        .map(|(pair, found_by)| Candidate { a: (pair >> 32) as u32, b: pair as u32, found_by })
        .collect()
}

/// The union of two sorted lists of distinct pairs, the tables of a pair in both joined.
/// Associative and commutative, so the result does not depend on how rayon splits the work.
fn merge_pairs(x: Vec<(u64, FoundBy)>, y: Vec<(u64, FoundBy)>) -> Vec<(u64, FoundBy)> {
    if x.is_empty() {
        return y;
    }
    if y.is_empty() {
        return x;
    }
    let mut out = Vec::with_capacity(x.len().max(y.len()));
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        let (p, q) = (x[i], y[j]);
        match p.0.cmp(&q.0) {
            std::cmp::Ordering::Less => {
                out.push(p);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(q);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push((p.0, p.1 | q.1));
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&x[i..]);
    out.extend_from_slice(&y[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            bands: 4,
            rows: 2,
            lead_bins: 4,
            lead_bands: 2,
            lead_rows: 2,
            passages: true,
            simhash_distance: Some(3),
        }
    }

    /// A signature with these hashes; `minhash` gives both the MinHash bands and the lead.
    fn sig(exact: u64, simhash: u64, minhash: Vec<u32>, passages: Vec<u32>) -> Signature {
        let bands = band_hashes(&minhash, 4, 2, MINHASH_KIND);
        let mut lead = minhash;
        lead.sort_unstable();
        lead.dedup();
        Signature::from_parts(100, 100, exact, simhash, &bands, &passages, &[], &lead, &[])
    }

    fn run(sigs: &[Signature], max_bucket: usize) -> Vec<(u32, u32, Vec<&'static str>)> {
        let docs: Vec<Posting<'_>> = sigs
            .iter()
            .map(|s| Posting { signature: s, published: None, eligible: true })
            .collect();
        candidates(&layout(), &docs, None, max_bucket)
            .into_iter()
            .map(|c| (c.a, c.b, c.found_by.names().collect()))
            .collect()
    }

    #[test]
    fn merging_pair_lists_joins_their_tables_in_any_order() {
        let (m, l, p) = (FoundBy::MINHASH, FoundBy::LEAD, FoundBy::PASSAGE);
        let x = vec![(1, m), (5, m), (9, m)];
        let y = vec![(2, l), (5, l)];
        let z = vec![(9, p)];
        let want = vec![(1, m), (2, l), (5, m | l), (9, m | p)];
        assert_eq!(merge_pairs(merge_pairs(x.clone(), y.clone()), z.clone()), want);
        assert_eq!(merge_pairs(z, merge_pairs(y, x)), want);
    }

    #[test]
    fn simhash_blocks_cover_all_bits() {
        for blocks in 1..=4 {
            let covered: u32 = (0..blocks).map(|b| block_bits(b, blocks)).map(|(l, h)| h - l).sum();
            assert_eq!(covered, 64);
        }
    }

    #[test]
    fn a_shared_band_makes_a_candidate_and_names_its_tables() {
        let a = sig(1, 0, vec![1, 2, 3, 4, 5, 6, 7, 8], vec![]);
        let b = sig(2, u64::MAX, vec![1, 2, 9, 9, 9, 9, 9, 9], vec![]);
        // The same lead shingles in another order: the lead tables find it, not the bands.
        let c = sig(3, 0xffff_0000_ffff_0000, vec![8, 7, 6, 5, 4, 3, 2, 1], vec![]);
        let pairs = run(&[a, b, c], 10);
        assert!(
            pairs.iter().any(|p| p.0 == 0 && p.1 == 1 && p.2.contains(&"minhash")),
            "{pairs:?}"
        );
        assert!(pairs.contains(&(0, 2, vec!["lead"])), "{pairs:?}");
    }

    #[test]
    fn simhash_pairs_beyond_the_distance_are_dropped() {
        // Same low 16 bits (one block), but 20 bits apart elsewhere.
        let a = sig(1, 0x0000_0000_0000_abcd, vec![1; 8], vec![]);
        let b = sig(2, 0x000f_ffff_0000_abcd, vec![2; 8], vec![]);
        assert!(run(&[a, b], 10).is_empty());
    }

    #[test]
    fn a_shared_passage_makes_a_candidate() {
        let a = sig(1, 0, vec![1; 8], vec![42, 7]);
        let b = sig(2, u64::MAX, vec![2; 8], vec![7]);
        assert_eq!(run(&[a, b], 10), [(0, 1, vec!["passage"])]);
    }

    #[test]
    fn a_huge_bucket_pairs_only_with_its_first_documents() {
        let sigs: Vec<Signature> = (0..6)
            .map(|i| sig(i, i.wrapping_mul(0x1234_5678_9abc), vec![i as u32; 8], vec![99]))
            .collect();
        let pairs = run(&sigs, 2);
        assert!(pairs.iter().all(|&(a, _, _)| a < 2), "{pairs:?}");
        assert_eq!(pairs.len(), 1 + 2 * 4);
    }

    #[test]
    fn the_time_window_keeps_far_apart_documents_apart() {
        let sigs = [sig(1, 0, vec![1; 8], vec![]), sig(1, 0, vec![1; 8], vec![])];
        let docs = [
            Posting { signature: &sigs[0], published: Some(0), eligible: true },
            Posting { signature: &sigs[1], published: Some(10 * 3600), eligible: true },
        ];
        assert!(candidates(&layout(), &docs, Some(3600), 10).is_empty());
        assert_eq!(candidates(&layout(), &docs, Some(36_000), 10).len(), 1);
    }
}

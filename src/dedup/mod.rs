//! Steps 5–8: find the reposts of a story.
//!
//! A repost is the same story on another site or page: verbatim, truncated, with an editor's
//! intro, lightly edited, reduced to a teaser, or noisy. Two different stories from one site
//! share template lines and teasers, and two stories about one event share names and numbers;
//! the deduplicator must keep both apart. It works on cleaned text (site templates already
//! removed, step 4) in four steps, one module each:
//!
//! | step | module | in → out |
//! |---|---|---|
//! | 5 signatures | `shingle`, `minhash`, `simhash`, `signature` | text → [`Signature`] |
//! | 6 candidates | `lsh` | signatures → candidate pairs (exact, SimHash, MinHash, lead and passage tables) |
//! | 7 verification | `verify` | pairs → [`Edge`]s with Jaccard and containment (exact between leads, estimated from bounded samples beyond), accepted or not |
//! | 8 clustering | `cluster` | accepted edges → [`Clusters`] (centre clustering: no chaining) |
//!
//! [`Deduper`] runs them: [`Deduper::sign`] per text (no batch needed, any thread), then
//! [`Deduper::cluster`] over a batch of [`Cleaned`] documents, or
//! [`Deduper::cluster_items`] over signatures you already have (for instance from the index,
//! with the clusters they belonged to).
//!
//! Why this design and not a single MinHash LSH: containment decides nearly every true link
//! between a repost and its original, and Jaccard-only candidates miss truncations and teasers
//! (`ANCHORS.md` §2). See `lsh` for the tables that find containment, `verify` for the
//! accept rule, `cluster` for why there is no chaining.
//!
//! # Example: a truncated repost and a different story
//!
//! ```
//! use clean_news::Cleaned;
//! use clean_news::dedup::{DedupConfig, Deduper};
//!
//! let original = "The Labour Party will hold its 2006 autumn conference in Manchester and \
//!     not Blackpool, it has been confirmed.\n\nThe much trailed decision was ratified by \
//!     Labour's ruling National Executive Committee in a break with the traditional choice \
//!     of a seaside venue.\n\nBlackpool will get the much smaller February spring conference \
//!     instead in what will be seen as a placatory move.";
//! let repost = "Editor's note: this report first appeared elsewhere.\n\nThe Labour Party will \
//!     hold its 2006 autumn conference in Manchester and not Blackpool, it has been confirmed.";
//! let other = "Shares in the airline fell sharply on Monday after it warned that fuel costs \
//!     would wipe out its profits for the year, sending the whole sector lower.";
//! let doc = |id: &str, text: &str, published: &str| {
//!     let mut c = Cleaned { id: id.into(), text: text.into(), ..Cleaned::default() };
//!     c.meta.published = Some(published.into());
//!     c
//! };
//! let docs = [
//!     doc("repost", repost, "2005-03-04T09:00Z"),
//!     doc("original", original, "2005-03-04T04:30Z"),
//!     doc("other", other, "2005-03-04T05:00Z"),
//! ];
//!
//! let deduper = Deduper::builder().config(DedupConfig::default()).build()?;
//! let clusters = deduper.cluster(&docs);
//! let story = clusters.cluster_of(0).unwrap();
//! assert_eq!(story.canonical, "original");
//! assert_eq!(story.members.len(), 2);
//! assert!(story.members[1].containment > 0.5);
//! assert_eq!(clusters.cluster_of(2).unwrap().members.len(), 1);
//! # Ok::<(), clean_news::Error>(())
//! ```

mod cluster;
mod lsh;
mod minhash;
mod shingle;
mod signature;
mod simhash;
mod verify;

use std::cell::RefCell;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

pub use cluster::{Cluster, Clusters, Member};
pub use lsh::FoundBy;
pub use signature::Signature;
use verify::AcceptRule;
pub use verify::Edge;

use crate::{Cleaned, Error};
use lsh::{Layout, Posting};
use signature::{Scratch, Shape};

/// Not API: the internal functions `benches/dedup.rs` times on their own (shingling, and our
/// SimHash against the `simhash` crate it replaced). Hidden from the docs, may change any time.
#[doc(hidden)]
pub mod bench_internals {
    pub use super::shingle::shingles;
    pub use super::simhash::{of_features, of_text};
}

/// The version of everything the deduplicator stores: signature encoding, hashes, seeds and
/// key layout. Bump it when any of them changes.
pub(crate) const FORMAT_VERSION: u32 = 4;

/// What [`Deduper::verify`] says of a pair.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Verification {
    /// Shared shingles over all shingles of the pair (estimated, see `verify`).
    pub jaccard: f64,
    /// Shared shingles over the shingles of the smaller text (estimated, see `verify`).
    pub containment: f64,
    /// Share of either text's lead shingles found in the other, the larger (see `verify`).
    pub lead_containment: f64,
    /// Whether the pair is the same story under the acceptance rule.
    pub accepted: bool,
}

/// What the deduplicator does, as users write it down (a `[dedup]` table of the config file).
///
/// Every field has a default (`DedupConfig::default()`), chosen as the field docs explain;
/// unknown fields are an error.
///
/// # Example
///
/// ```
/// use clean_news::dedup::DedupConfig;
///
/// let config: DedupConfig = toml::from_str("min_containment = 0.6\nwindow_hours = 168")?;
/// assert_eq!(config.min_containment, 0.6);
/// assert_eq!(config.shingle_words, 5);
/// assert!(toml::from_str::<DedupConfig>("min_contanment = 0.6").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DedupConfig {
    /// Words per shingle. Default 5 (see `shingle`); 1 to 16.
    pub shingle_words: usize,
    /// MinHash values of the whole-text sketch. Default 128 (see `minhash`); 1 to 1024.
    pub minhash_bins: usize,
    /// LSH bands over the whole-text sketch. Default 42 (see `lsh` for the recall curve).
    pub bands: usize,
    /// Sketch values per band. Default 3. `bands × rows` must not exceed `minhash_bins`.
    pub rows: usize,
    /// Words of the lead, the start of the text that truncated reposts and teasers keep.
    /// Default 40 (see `lsh` for why not 80).
    pub lead_words: usize,
    /// MinHash values of the lead sketch. Default 64; 1 to 1024.
    pub lead_bins: usize,
    /// LSH bands over the lead sketch. Default 21; 0 turns the lead tables off.
    pub lead_bands: usize,
    /// Lead sketch values per band. Default 3. `lead_bands × lead_rows ≤ lead_bins`.
    pub lead_rows: usize,
    /// Shingles outside the lead a signature keeps for verification: the smallest by hash
    /// (see `signature`). Default 64; 1 to 4096.
    pub sample_shingles: usize,
    /// Fewest words of a paragraph that posts a passage key. Default 8; 0 turns passage
    /// keys off.
    pub passage_min_words: usize,
    /// Whether SimHash tables propose near-verbatim pairs. Default true.
    pub simhash: bool,
    /// Largest SimHash Hamming distance (bits) of a SimHash candidate. Default 3; 0 to 3.
    pub simhash_max_distance: u32,
    /// Only pair documents published at most this many hours apart. Default 0: no window.
    pub window_hours: u32,
    /// Documents of one LSH bucket paired in full; a larger bucket pairs each document only
    /// with the first `max_bucket` (see `lsh`). Default 200.
    pub max_bucket: usize,
    /// Fewest shingles the smaller document of an accepted pair must have. Default 10 (see
    /// `verify`).
    pub min_shingles: usize,
    /// Containment (share of the smaller document's shingles in the larger) at or above which
    /// a pair is accepted. Default 0.5.
    pub min_containment: f64,
    /// Jaccard similarity at or above which a pair is accepted. Default 0.5.
    pub min_jaccard: f64,
    /// Share of one text's lead (its first `lead_words` words) the other text must hold for
    /// a pair accepted on containment alone, with Jaccard below `min_jaccard`. Default 0.1
    /// (see `verify`, "The lead guard"); 0 turns the guard off.
    pub min_shared_lead: f64,
}

impl Default for DedupConfig {
    fn default() -> DedupConfig {
        let rule = AcceptRule::default();
        DedupConfig {
            shingle_words: shingle::DEFAULT_SHINGLE_WORDS,
            minhash_bins: minhash::DEFAULT_BINS,
            bands: 42,
            rows: 3,
            lead_words: 40,
            lead_bins: 64,
            lead_bands: 21,
            lead_rows: 3,
            sample_shingles: 64,
            passage_min_words: 8,
            simhash: true,
            simhash_max_distance: 3,
            window_hours: 0,
            max_bucket: 200,
            min_shingles: rule.min_shingles,
            min_containment: rule.min_containment,
            min_jaccard: rule.min_jaccard,
            min_shared_lead: rule.min_shared_lead,
        }
    }
}

/// Finds reposts: signs texts and clusters them (see the module docs).
///
/// Cheap to clone, `Send + Sync`: share one across threads.
///
/// # Example
///
/// ```
/// use clean_news::dedup::Deduper;
///
/// let deduper = Deduper::builder().build()?;
/// let sig = deduper.sign("Some cleaned article text.");
/// assert_eq!(sig.words(), 4);
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Deduper {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: DedupConfig,
    shape: Shape,
    layout: Layout,
    rule: AcceptRule,
    fingerprint: u64,
}

/// Builds a [`Deduper`].
#[derive(Debug, Clone, Default)]
pub struct DeduperBuilder {
    config: DedupConfig,
}

/// One document to cluster: its id, publication time, site and signature.
///
/// # Example
///
/// ```
/// use clean_news::dedup::{Deduper, Item};
///
/// let deduper = Deduper::builder().build()?;
/// let sig = deduper.sign("A remembered story, long enough to be recognised again later on.");
/// let mut item = Item::new("old-1", &sig);
/// item.published = Some(1_109_910_600);
/// let clusters = deduper.cluster_items(&[item]);
/// assert_eq!(clusters.clusters().len(), 1);
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// The document id.
    pub id: &'a str,
    /// Publication time, seconds since 1970 (see [`published_seconds`]).
    pub published: Option<i64>,
    /// The site the document belongs to (carried for callers; not used to decide links).
    pub site: Option<&'a str>,
    /// Its signature.
    pub signature: &'a Signature,
    /// The cluster it was placed in by an earlier run, if any.
    pub prior: Option<Prior<'a>>,
}

/// Where an earlier run placed a document (see `cluster`, "Remembered documents").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prior<'a> {
    /// The cluster id it was given.
    pub cluster: &'a str,
    /// Whether it was that cluster's canonical member.
    pub canonical: bool,
}

impl<'a> Item<'a> {
    /// An item with no time, no site and no earlier cluster.
    pub fn new(id: &'a str, signature: &'a Signature) -> Item<'a> {
        Item { id, published: None, site: None, signature, prior: None }
    }

    /// The item of a cleaned document: its id, `meta.published` (read by
    /// [`published_seconds`]) and `meta.site`, with no earlier cluster.
    pub fn of_cleaned(doc: &'a Cleaned, signature: &'a Signature) -> Item<'a> {
        Item {
            id: &doc.id,
            published: doc.meta.published.as_deref().and_then(published_seconds),
            site: doc.meta.site.as_deref(),
            signature,
            prior: None,
        }
    }
}

impl Deduper {
    /// A builder with the default configuration.
    pub fn builder() -> DeduperBuilder {
        DeduperBuilder::default()
    }

    /// The configuration this deduper was built with.
    pub fn config(&self) -> &DedupConfig {
        &self.inner.config
    }

    /// A fingerprint of everything that shapes stored signatures and LSH keys (format version,
    /// shingle size, sketch sizes, bands, passage and SimHash settings). An index built with
    /// another fingerprint cannot be mixed with this deduper's signatures. The accept rule,
    /// time window and bucket cap are not part of it: they can change between runs.
    pub fn fingerprint(&self) -> u64 {
        self.inner.fingerprint
    }

    /// The signature of a cleaned text. Never fails; an empty text has an empty signature.
    pub fn sign(&self, text: &str) -> Signature {
        thread_local! {
            static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
        }
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => signature::sign(text, &self.inner.shape, &mut scratch),
            Err(_) => signature::sign(text, &self.inner.shape, &mut Scratch::default()),
        })
    }

    /// Reads a signature written by [`Signature::to_bytes`].
    ///
    /// # Errors
    ///
    /// [`crate::ErrorKind::Parse`] when the bytes are not a signature of this format version
    /// and this configuration's sketch sizes.
    pub fn decode(&self, bytes: &[u8]) -> Result<Signature, Error> {
        Signature::from_bytes(bytes, &self.inner.shape)
    }

    /// Every LSH key of a signature, sorted: the postings an index stores so that later
    /// documents find this one (`lsh`). A signature too short to be accepted
    /// (`min_shingles`) has none.
    ///
    /// # Example: linking tomorrow's repost to today's cluster
    ///
    /// ```
    /// use clean_news::dedup::{Deduper, Item, Prior};
    ///
    /// let deduper = Deduper::builder().build()?;
    /// let story = "Blackpool will get the much smaller February spring conference instead, \
    ///              in what will be seen as a placatory move by the party leadership.";
    /// // Yesterday: signed, clustered, stored with its keys (an index keeps these).
    /// let old = deduper.sign(story);
    /// let stored = (old.to_bytes(), deduper.band_keys(&old), "c-42", true);
    /// // Today: a repost shares keys with it; decode what the index returns and cluster.
    /// let new = deduper.sign(&format!("Editor's note: from our partners.\n\n{story}"));
    /// assert!(deduper.band_keys(&new).iter().any(|k| stored.1.binary_search(k).is_ok()));
    /// let old = deduper.decode(&stored.0)?;
    /// let mut remembered = Item::new("old", &old);
    /// remembered.prior = Some(Prior { cluster: stored.2, canonical: stored.3 });
    /// let clusters = deduper.cluster_items(&[remembered, Item::new("new", &new)]);
    /// assert_eq!(clusters.id_of(1), Some("c-42"));
    /// # Ok::<(), clean_news::Error>(())
    /// ```
    pub fn band_keys(&self, signature: &Signature) -> Vec<u64> {
        if (signature.shingle_count as usize) < self.inner.rule.min_shingles {
            return Vec::new();
        }
        self.inner.layout.all_keys(signature)
    }

    /// Verifies one pair as clustering does: the Jaccard similarity and containment of their
    /// shingle sets as the signatures estimate them, the share of a lead the other holds, and
    /// whether the pair is accepted as the same story.
    ///
    /// # Example
    ///
    /// ```
    /// use clean_news::dedup::Deduper;
    ///
    /// let deduper = Deduper::builder().build()?;
    /// let story = "The city council approved the new metro line on Monday after a long debate \
    ///              about its cost, its route and the years of building work it will take.";
    /// let teaser = "The city council approved the new metro line on Monday after a long debate.";
    /// let v = deduper.verify(&deduper.sign(teaser), &deduper.sign(story));
    /// assert!(v.containment > 0.9 && v.accepted);
    /// # Ok::<(), clean_news::Error>(())
    /// ```
    pub fn verify(&self, a: &Signature, b: &Signature) -> Verification {
        let (jaccard, containment, accepted) = verify::verify_signatures(a, b, &self.inner.rule);
        let lead_containment = verify::shared_lead(a, b);
        Verification { jaccard, containment, lead_containment, accepted }
    }

    /// Clusters a batch of cleaned documents: signs each `text` (in parallel), reads
    /// `meta.published` ([`published_seconds`]) and `meta.site`, and calls
    /// [`Deduper::cluster_items`].
    pub fn cluster(&self, docs: &[Cleaned]) -> Clusters {
        let signatures: Vec<Signature> = docs.par_iter().map(|d| self.sign(&d.text)).collect();
        let items: Vec<Item<'_>> =
            docs.iter().zip(&signatures).map(|(d, s)| Item::of_cleaned(d, s)).collect();
        self.cluster_items(&items)
    }

    /// Clusters signed items: candidates, verification, centre clustering. The result is the
    /// same for any input order (up to the order of the output) and any number of threads.
    pub fn cluster_items(&self, items: &[Item<'_>]) -> Clusters {
        let order = cluster::order(items);
        let edges = self.edges_in_order(items, &order);
        cluster::build(items, &order, &edges)
    }

    /// Every verified candidate pair of `items`, accepted or not, sorted by input positions:
    /// what [`Deduper::cluster_items`] decides on, for explaining a result.
    pub fn edges(&self, items: &[Item<'_>]) -> Vec<Edge> {
        let order = cluster::order(items);
        let mut edges = self.edges_in_order(items, &order);
        edges.sort_by_key(|e| (e.a, e.b));
        edges
    }

    fn edges_in_order(&self, items: &[Item<'_>], order: &[u32]) -> Vec<Edge> {
        let inner = &*self.inner;
        let postings: Vec<Posting<'_>> = order
            .iter()
            .map(|&i| {
                let item = &items[i as usize];
                Posting {
                    signature: item.signature,
                    published: item.published,
                    eligible: item.signature.shingle_count as usize >= inner.rule.min_shingles,
                }
            })
            .collect();
        let window =
            (inner.config.window_hours > 0).then(|| i64::from(inner.config.window_hours) * 3600);
        let candidates = lsh::candidates(&inner.layout, &postings, window, inner.config.max_bucket);
        candidates
            .par_iter()
            .map(|c| {
                let (a, b) = (order[c.a as usize] as usize, order[c.b as usize] as usize);
                let (jaccard, containment, accepted) =
                    verify::verify_signatures(items[a].signature, items[b].signature, &inner.rule);
                Edge {
                    a: a.min(b),
                    b: a.max(b),
                    found_by: c.found_by,
                    jaccard,
                    containment,
                    accepted,
                }
            })
            .collect()
    }
}

impl DeduperBuilder {
    /// Use this configuration (replacing the default).
    pub fn config(&mut self, config: DedupConfig) -> &mut DeduperBuilder {
        self.config = config;
        self
    }

    /// Checks the configuration and builds the deduper.
    ///
    /// # Errors
    ///
    /// [`crate::ErrorKind::Config`] naming the field when a value is out of range or the
    /// bands do not fit in their sketch.
    ///
    /// # Example
    ///
    /// ```
    /// use clean_news::dedup::{DedupConfig, Deduper};
    ///
    /// let config = DedupConfig { bands: 50, rows: 3, ..DedupConfig::default() };
    /// let err = Deduper::builder().config(config).build().unwrap_err();
    /// assert!(err.to_string().contains("bands"));
    /// # Ok::<(), clean_news::Error>(())
    /// ```
    pub fn build(&self) -> Result<Deduper, Error> {
        let c = &self.config;
        let check = |ok: bool, message: &str| if ok { Ok(()) } else { Err(Error::config(message)) };
        check(
            (1..=shingle::MAX_SHINGLE_WORDS).contains(&c.shingle_words),
            "dedup.shingle_words must be 1 to 16",
        )?;
        check((1..=1024).contains(&c.minhash_bins), "dedup.minhash_bins must be 1 to 1024")?;
        check((1..=1024).contains(&c.lead_bins), "dedup.lead_bins must be 1 to 1024")?;
        check(
            c.rows >= 1 && c.lead_rows >= 1,
            "dedup.rows and dedup.lead_rows must be at least 1",
        )?;
        check(
            c.bands.saturating_mul(c.rows) <= c.minhash_bins,
            "dedup.bands × dedup.rows must not exceed dedup.minhash_bins",
        )?;
        check(
            c.lead_bands.saturating_mul(c.lead_rows) <= c.lead_bins,
            "dedup.lead_bands × dedup.lead_rows must not exceed dedup.lead_bins",
        )?;
        check((1..=4096).contains(&c.sample_shingles), "dedup.sample_shingles must be 1 to 4096")?;
        check(c.simhash_max_distance <= 3, "dedup.simhash_max_distance must be 0 to 3")?;
        check(c.max_bucket >= 2, "dedup.max_bucket must be at least 2")?;
        check(
            [c.min_containment, c.min_jaccard, c.min_shared_lead]
                .iter()
                .all(|v| (0.0..=1.0).contains(v)),
            "dedup.min_containment, dedup.min_jaccard and dedup.min_shared_lead must be between 0 and 1",
        )?;
        let shape = Shape {
            shingle_words: c.shingle_words,
            minhash_bins: c.minhash_bins,
            bands: c.bands,
            rows: c.rows,
            lead_words: c.lead_words,
            passage_min_words: c.passage_min_words,
            sample: c.sample_shingles,
        };
        let layout = Layout {
            bands: c.bands,
            rows: c.rows,
            lead_bins: c.lead_bins,
            lead_bands: c.lead_bands,
            lead_rows: c.lead_rows,
            passages: c.passage_min_words > 0,
            simhash_distance: c.simhash.then_some(c.simhash_max_distance),
        };
        let rule = AcceptRule {
            min_shingles: c.min_shingles,
            min_containment: c.min_containment,
            min_jaccard: c.min_jaccard,
            min_shared_lead: c.min_shared_lead,
        };
        let described = format!("{FORMAT_VERSION} {shape:?} {layout:?}");
        let fingerprint = xxh3_64_with_seed(described.as_bytes(), lsh::KEY_SEED);
        Ok(Deduper {
            inner: Arc::new(Inner { config: c.clone(), shape, layout, rule, fingerprint }),
        })
    }
}

/// Seconds since 1970-01-01T00:00 of an ISO 8601 time (`YYYY-MM-DD`, optionally `T` or a space
/// and `HH:MM[:SS]`, fractions and any offset or `Z` ignored: times compare as printed, as
/// everywhere in the crate). `None` when the string does not start with a valid date.
///
/// # Example
///
/// ```
/// use clean_news::dedup::published_seconds;
///
/// assert_eq!(published_seconds("1970-01-02T00:00:01Z"), Some(86_401));
/// assert_eq!(published_seconds("2005-03-04 04:30"), published_seconds("2005-03-04T04:30:00+02:00"));
/// assert_eq!(published_seconds("yesterday"), None);
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn published_seconds(iso: &str) -> Option<i64> {
    let iso = iso.trim();
    let b = iso.as_bytes();
    let field = |from: usize, len: usize| -> Option<i64> {
        let s = iso.get(from..from + len)?;
        if s.bytes().all(|c| c.is_ascii_digit()) { s.parse().ok() } else { None }
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (year, month, day) = (field(0, 4)?, field(5, 2)?, field(8, 2)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&day) {
        return None;
    }
    let (mut hour, mut minute, mut second) = (0, 0, 0);
    if matches!(b.get(10), Some(b'T' | b't' | b' ')) && b.get(13) == Some(&b':') {
        hour = field(11, 2).filter(|h| *h < 24).unwrap_or(0);
        minute = field(14, 2).filter(|m| *m < 60).unwrap_or(0);
        if b.get(16) == Some(&b':') {
            second = field(17, 2).filter(|s| *s < 61).unwrap_or(0);
        }
    }
    Some(
        crate::calendar::days_from_civil(year, month, day) * 86_400
            + hour * 3600
            + minute * 60
            + second,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deduper_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Deduper>();
    }

    #[test]
    fn default_config_builds_and_round_trips_through_toml() {
        let config = DedupConfig::default();
        let text = toml::to_string(&config).unwrap();
        assert_eq!(toml::from_str::<DedupConfig>(&text).unwrap(), config);
        assert!(Deduper::builder().config(config).build().is_ok());
    }

    #[test]
    fn bad_values_are_config_errors_naming_the_field() {
        for (config, field) in [
            (DedupConfig { shingle_words: 0, ..DedupConfig::default() }, "shingle_words"),
            (DedupConfig { lead_bands: 22, ..DedupConfig::default() }, "lead_bands"),
            (DedupConfig { simhash_max_distance: 4, ..DedupConfig::default() }, "simhash"),
            (DedupConfig { min_containment: 1.5, ..DedupConfig::default() }, "min_containment"),
            (DedupConfig { min_shared_lead: -0.1, ..DedupConfig::default() }, "min_shared_lead"),
            (DedupConfig { sample_shingles: 0, ..DedupConfig::default() }, "sample_shingles"),
        ] {
            let err = Deduper::builder().config(config).build().unwrap_err();
            assert!(matches!(err.kind(), crate::ErrorKind::Config { .. }));
            assert!(err.to_string().contains(field), "{err}");
        }
    }

    #[test]
    fn fingerprint_follows_the_signature_shape_not_the_accept_rule() {
        let base = Deduper::builder().build().unwrap().fingerprint();
        let rule =
            DedupConfig { min_containment: 0.7, min_shared_lead: 0.2, ..DedupConfig::default() };
        let shape = DedupConfig { lead_words: 60, ..DedupConfig::default() };
        let sample = DedupConfig { sample_shingles: 32, ..DedupConfig::default() };
        assert_eq!(Deduper::builder().config(rule).build().unwrap().fingerprint(), base);
        assert_ne!(Deduper::builder().config(shape).build().unwrap().fingerprint(), base);
        assert_ne!(Deduper::builder().config(sample).build().unwrap().fingerprint(), base);
    }

    #[test]
    fn published_times_are_tolerant() {
        assert_eq!(published_seconds("1970-01-01"), Some(0));
        assert_eq!(published_seconds(" 2000-03-01T00:00 "), Some(951_868_800));
        assert_eq!(published_seconds("2005-02-29"), None);
        assert_eq!(published_seconds("2004-02-29T25:99"), published_seconds("2004-02-29"));
        assert_eq!(published_seconds("2005-0"), None);
        assert_eq!(published_seconds("２００５-01-01"), None);
    }
}

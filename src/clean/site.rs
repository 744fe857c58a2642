//! Step 4: site templates, learned from the batch.
//!
//! A line that repeats across many documents **of one site** is that site's template: the
//! edition line, masthead, menu, bylines, share prompts, "Advertisement" lines, the
//! related-stories header, subscribe prompts, legal links, copyright. Across sites, repetition
//! is the story itself (a repost). Packs (step 3) know the generic phrases; this step learns
//! what no pack can list: each site's own lines, from the pages of that site.
//!
//! # What is counted
//!
//! Every non-empty line of [`Cleaned::text`] is taken in its matching form
//! ([`crate::normalize::for_matching`]) and hashed with xxh3; strings are never kept, except
//! a bounded few as examples for display. Per site the learner counts, for each line hash,
//! the documents that contain it and **where** it stood in them:
//!
//! - *head*: before the first anchor, *tail*: after the last anchor, *middle*: between.
//!   An anchor is a long line (at least [`SiteConfig::long_line_words`] words) that this
//!   site had not printed before: the story's own paragraphs. A page with no anchor is split
//!   in two halves (head, tail).
//! - the line's *class*: a `fragment` (short, not ending a sentence: menus, share lines,
//!   teaser titles, date lines), a `sentence` (short, ending with `.` or `!`, not with an
//!   ellipsis), or
//!   `long`.
//! - its *shape*: for fragments with digits, the line with digit runs replaced by `0` and
//!   month and weekday names (English, Russian) by `#`, so `Published 2005-03-04 04:30`,
//!   `Tuesday 22 February 2005` and `Comments (172)` repeat as shapes although every page
//!   prints another value. Shapes are counted like lines.
//! - for lines in the tail, whether the short lines after them (up to three) vary from page
//!   to page: what makes a line (`Related stories`, `More from …`) the header of a teaser
//!   block.
//!
//! A document that repeats most of its long lines from earlier pages of the same site is a
//! *copy* (a story updated or reprinted on its own site) and teaches nothing: otherwise a
//! story updated five times would look like five pages agreeing on its paragraphs.
//!
//! # The decision rule
//!
//! With `n` the documents of the site that are not copies, a line is template in zone `z`
//! when it occurs in zone `z` of at least `max(min_docs, ⌈share × n⌉)` of them, where
//! `share` is
//!
//! | line | head or tail | middle |
//! |---|---|---|
//! | fragment | [`SiteConfig::min_share_fragment`] (0.5 %) | [`SiteConfig::min_share_text`] (25 %) |
//! | sentence, long line, shape | [`SiteConfig::min_share_text`] (25 %) | [`SiteConfig::min_share_text`] (25 %) |
//!
//! Why: a masthead is on every page; a teaser title is on a handful, but only in the tail,
//! where it is harmless to drop; a sentence or a paragraph in the middle of a page is story
//! text unless a quarter of the site prints it (an "Advertisement" line is on about half).
//! A shape stands for many lines, so it needs as much evidence as a sentence: a site's date
//! line is on every page, but `1500 GMT` and `Sunday, 27 February` at the top of a few
//! match previews are the story's.
//! Sites with fewer than [`SiteConfig::min_site_docs`] documents learn nothing: a share of
//! three pages is no evidence.
//!
//! **Never across sites.** A sentence or long line that occurs on two or more sites is
//! story text (a repost) and is never template, whatever its counts. Short fragments are
//! exempt: `Share this story` is on many sites and is template on each.
//!
//! **Applying** ([`SiteProfiles::apply`]) recomputes the zones of the page with the learned
//! profile (an anchor is a long line that is not template) and removes a line when it is
//! template in the zone where it stands: a teaser title learned in tails is kept as the
//! headline of its own page. Three rules, recorded as [`Removal`]s of class `site_template`:
//!
//! - `site_template.line`: the line's hash is template in this zone;
//! - `site_template.shape`: the line's shape is template in this zone;
//! - `site_template.block`: in the tail, after a template line that heads blocks (the lines
//!   after it vary on most pages: `Related stories`, `More from …`), the fragments up to
//!   the next sentence or long line, or the end of the page, are teasers however rarely
//!   each repeats. Template lines among them (evergreen teasers, the subscribe prompt)
//!   are removed by their own rule and do not end the block. A block of more than
//!   [`SiteConfig::block_max_lines`] such fragments is no teaser list and is kept.
//!
//! # Memory
//!
//! Counting is exact only for lines seen at least twice on a site: the first sighting of a
//! (site, line) pair goes into a Bloom filter, and a line enters its site's table when the
//! filter says it was seen before (its count is then credited with that first sighting).
//! Most lines of news are printed once per site, so tables hold templates, teasers and
//! shapes. Cross-site evidence is two more filters over long lines and sentences (seen on
//! any site; seen on two). The filters grow by levels (×4) at 24 bits per item; their false
//! positives (under 0.1 %) only ever make learning more conservative: a line counted
//! once too often still needs `min_docs`, a line wrongly taken as cross-site is kept.
//!
//! Bound: about 3 bytes per distinct (site, line) pair and 6 per distinct long line or
//! sentence (up to four times that while the newest filter level fills), plus per site at most
//! [`SiteConfig::max_lines_per_site`] table entries of about 100 bytes (beyond the cap the
//! least-seen half is dropped and the profile records the count below which lines may be
//! missing), and 256 example strings of at most 200 bytes. The tables hold the lines a site
//! repeats: its template, its teaser titles, its repeated date and count lines.
//!
//! Measured: learning 1,000,000 synthetic documents ([`crate::synth`], 200 sites, about
//! 3.4 kB each, streamed in batches of 10,000) peaks at **259 MiB** resident for the whole
//! process (264,700 kB), of which the learner reports 221 MB, mostly the 200 sites' tables
//! of repeated lines; 74 s on 2 shared cores (13,600 documents/s, generation excluded):
//!
//! ```text
//! cargo build --release --example site_templates_synth
//! /usr/bin/time -v target/release/examples/site_templates_synth --docs 1000000 --sites 200
//! ```
//!
//! On the dev set (`examples/site_templates_dev.rs`, 4,182 pages of 20 sites, no cleaner
//! before it), every header and footer template line is gone from 100 % of the 4,167 pages
//! of the 17 sites that learn; the 3 sites of 3 to 7 pages learn nothing; no paragraph
//! printed on two sites is removed.
//!
//! # Determinism
//!
//! Lines are analysed per document in parallel (rayon); the filters are updated in input
//! order; each site's table is updated by one thread in input order. Profiles are sorted
//! (sites by name, lines by count then hash), so the same batches give byte-identical JSON
//! for any thread count. The result does depend on input order, as any first-seen rule
//! does (which of two copies is the copy).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::normalize::{for_matching, words};
use crate::{Cleaned, Error, Removal, RemovalClass};

/// The version of the profiles file format; a file of another version is refused on load.
pub const FORMAT_VERSION: u32 = 1;

/// What a profiles file says it is.
const FORMAT_NAME: &str = "clean-news site profiles";

/// Seed of shape hashes, so a shape never collides with the line it came from.
const SHAPE_SEED: u64 = 0x5348_4150_455f_7631;

/// Example strings kept per site while learning (the profile shows the top
/// [`SiteConfig::max_examples_per_site`] of them).
const EXAMPLE_CANDIDATES: usize = 256;

/// Longer lines are not kept as examples: a template line this long is rare, and the
/// example is only for display.
const EXAMPLE_MAX_BYTES: usize = 200;

/// The learning parameters, saved with the profiles.
///
/// # Example
///
/// ```
/// use clean_news::clean::site::SiteConfig;
///
/// let config: SiteConfig = toml::from_str("min_docs = 5\nmin_site_docs = 50")?;
/// assert_eq!(config.min_docs, 5);
/// assert_eq!(config.long_line_words, SiteConfig::default().long_line_words);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// A line is template only if at least this many documents of the site (copies not
    /// counted) print it in the same zone. At least 2. Default `3`.
    pub min_docs: u32,
    /// Sites with fewer documents (copies not counted) learn nothing. Default `10`.
    pub min_site_docs: u32,
    /// Share of the site's documents needed for a fragment or shape in the head or tail,
    /// 0 to 1. Default `0.005`.
    pub min_share_fragment: f64,
    /// Share needed for sentences, long lines, and any line in the middle, 0 to 1.
    /// Default `0.25`.
    pub min_share_text: f64,
    /// Lines with at least this many words are long: anchors of the story, and protected
    /// when they occur on two sites. Default `12`.
    pub long_line_words: u32,
    /// Teaser lines in a block have at most this many words. Default `16`.
    pub block_max_words: u32,
    /// A block of more lines than this is not a teaser block and is kept. Default `12`.
    pub block_max_lines: u32,
    /// Most line hashes counted per site; beyond, the least-seen half is dropped. At least
    /// 1024. Default `50_000`.
    pub max_lines_per_site: u32,
    /// Share of documents used for counting, chosen by the hash of their id (0 < x ≤ 1).
    /// Long lines of every document still feed the cross-site check. Default `1.0`.
    pub sample_share: f64,
    /// Example strings saved per site for display. Default `32`.
    pub max_examples_per_site: u32,
}

impl Default for SiteConfig {
    fn default() -> SiteConfig {
        SiteConfig {
            min_docs: 3,
            min_site_docs: 10,
            min_share_fragment: 0.005,
            min_share_text: 0.25,
            long_line_words: 12,
            block_max_words: 16,
            block_max_lines: 12,
            max_lines_per_site: 50_000,
            sample_share: 1.0,
            max_examples_per_site: 32,
        }
    }
}

impl SiteConfig {
    /// Checks every value is in range.
    ///
    /// # Errors
    ///
    /// A `Config` error naming the first field out of range.
    pub fn validate(&self) -> Result<(), Error> {
        let share = |name: &str, x: f64, zero_ok: bool| {
            if x.is_finite() && x <= 1.0 && (x > 0.0 || (zero_ok && x == 0.0)) {
                Ok(())
            } else {
                Err(Error::config(format!("site templates: {name} must be in 0..=1, not {x}")))
            }
        };
        share("min_share_fragment", self.min_share_fragment, true)?;
        share("min_share_text", self.min_share_text, true)?;
        share("sample_share", self.sample_share, false)?;
        if self.min_docs < 2 {
            return Err(Error::config("site templates: min_docs must be at least 2"));
        }
        if self.long_line_words < 2 {
            return Err(Error::config("site templates: long_line_words must be at least 2"));
        }
        if self.max_lines_per_site < 1024 {
            return Err(Error::config("site templates: max_lines_per_site must be at least 1024"));
        }
        Ok(())
    }

    /// Documents needed for a line or shape of `class` in `zone`, on a site of `stories`
    /// documents.
    fn needed(&self, kind: TemplateKind, class: LineClass, zone: Zone, stories: u64) -> u64 {
        let share = match (kind, class, zone) {
            (TemplateKind::Line, LineClass::Fragment, Zone::Head | Zone::Tail) => {
                self.min_share_fragment
            }
            _ => self.min_share_text,
        };
        let by_share = (share * stories as f64).ceil();
        let by_share = if by_share.is_finite() { by_share as u64 } else { u64::MAX };
        by_share.max(u64::from(self.min_docs))
    }
}

/// The site a cleaned document belongs to: `meta.site` (lower case, without `www.`), else
/// the registrable domain of `meta.canonical_url` (see [`site_of`]), else none (the document
/// neither teaches nor loses anything).
///
/// # Example
///
/// ```
/// use clean_news::Cleaned;
/// use clean_news::clean::site::site_key;
///
/// let mut doc = Cleaned::default();
/// doc.meta.canonical_url = Some("https://news.example.co.uk/a/1".into());
/// assert_eq!(site_key(&doc).as_deref(), Some("example.co.uk"));
/// doc.meta.site = Some("WWW.Example.com".into());
/// assert_eq!(site_key(&doc).as_deref(), Some("example.com"));
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn site_key(doc: &Cleaned) -> Option<String> {
    if let Some(site) = doc.meta.site.as_deref() {
        let site = site.trim().trim_end_matches('.').to_lowercase();
        let site = site.strip_prefix("www.").map(str::to_owned).unwrap_or(site);
        if !site.is_empty() {
            return Some(site);
        }
    }
    doc.meta.canonical_url.as_deref().and_then(site_of)
}

/// Second-level labels under which a two-letter country domain sells names (`co.uk`,
/// `com.au`, `gov.kz`, `org.ru`). A heuristic, not the public-suffix list: it is right for
/// the news sites of most countries and wrong for a few (`city.kawasaki.jp`), where two
/// sites may share a key; that only pools their counts.
const SECOND_LEVEL_LABELS: [&str; 20] = [
    "ac", "biz", "co", "com", "edu", "gob", "go", "gouv", "gov", "info", "int", "ltd", "me", "mil",
    "ne", "net", "nic", "nom", "or", "org",
];

/// The registrable domain of a URL's host: the last two labels, or three when the last two
/// are a country's second level (`www.bbc.co.uk` → `bbc.co.uk`, `news.example.com` →
/// `example.com`, `astana.gov.kz` → `astana.gov.kz`). IP addresses and one-label hosts are
/// returned as they are; `None` when there is no host.
///
/// # Example
///
/// ```
/// use clean_news::clean::site::site_of;
///
/// assert_eq!(site_of("https://www.bbc.co.uk/news/1").as_deref(), Some("bbc.co.uk"));
/// assert_eq!(site_of("http://user@News.Example.com:8080/x?y").as_deref(), Some("example.com"));
/// assert_eq!(site_of("https://lenta.org.ru/").as_deref(), Some("lenta.org.ru"));
/// assert_eq!(site_of("kazinform.kz/page").as_deref(), Some("kazinform.kz"));
/// assert_eq!(site_of(""), None);
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn site_of(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url.strip_prefix("//").unwrap_or(url),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    if host_port.starts_with('[') {
        // An IPv6 literal: the address is the site.
        let end = host_port.find(']')?;
        return Some(host_port[..=end].to_lowercase());
    }
    let host = host_port.split(':').next().unwrap_or("").trim_end_matches('.').to_lowercase();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    if labels.iter().all(|l| l.bytes().all(|b| b.is_ascii_digit())) || labels.len() <= 2 {
        return Some(host);
    }
    let n = labels.len();
    let take = if labels[n - 1].len() == 2 && SECOND_LEVEL_LABELS.contains(&labels[n - 2]) {
        3
    } else {
        2
    };
    Some(labels[n - take..].join("."))
}

/// Where on a page a line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    /// Before the story's first paragraph.
    Head,
    /// Between the story's first and last paragraphs.
    Middle,
    /// After the story's last paragraph.
    Tail,
}

impl Zone {
    const ALL: [Zone; 3] = [Zone::Head, Zone::Middle, Zone::Tail];

    fn index(self) -> usize {
        match self {
            Zone::Head => 0,
            Zone::Middle => 1,
            Zone::Tail => 2,
        }
    }

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Zone::Head => "head",
            Zone::Middle => "middle",
            Zone::Tail => "tail",
        }
    }
}

/// How much evidence a line needs (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineClass {
    /// Short, not ending a sentence.
    Fragment,
    /// Short, ending with `.` or `!` (an ellipsis is no end).
    Sentence,
    /// At least `long_line_words` words.
    Long,
}

/// Whether a learned entry is a line or a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TemplateKind {
    /// The exact line (in matching form).
    Line,
    /// The line with digits and month and weekday names masked.
    Shape,
}

/// One learned template line or shape of a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateLine {
    /// xxh3 of the matching form (for shapes: of the shape, with the shape seed), as 16 hex
    /// digits in the file.
    #[serde(with = "hex_u64")]
    pub hash: u64,
    /// Line or shape.
    pub kind: TemplateKind,
    /// The evidence class of the line.
    pub class: LineClass,
    /// The zones where it is template.
    pub zones: Vec<Zone>,
    /// Documents of the site (copies not counted) that print it.
    pub docs: u32,
    /// Of those, how many print it in the head, middle and tail.
    pub zone_docs: [u32; 3],
    /// Whether it heads a teaser block.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub opens_block: bool,
    /// A sentence or long line that met the rule but is printed on other sites too: story
    /// text, never removed (listed so pages are zoned as they were when learning).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cross_site: bool,
    /// An example of the line as printed, for display.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl TemplateLine {
    fn is_template_in(&self, zone: Zone) -> bool {
        self.zones.contains(&zone)
    }
}

/// What was learned about one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteProfile {
    /// The site key (see [`site_key`]).
    pub site: String,
    /// Documents of the site that were counted.
    pub docs: u64,
    /// Of those, how many were copies of earlier pages of the site (not counted further).
    pub copies: u64,
    /// Whether the site had enough documents to learn from.
    pub learned: bool,
    /// When the table overflowed: lines seen on fewer documents than this may be missing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pruned_below: u32,
    /// Sentences and long lines that met the rule but occur on other sites too (listed with
    /// `cross_site`, never removed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused_cross_site: u32,
    /// Learned lines and shapes, most frequent first.
    pub lines: Vec<TemplateLine>,
    #[serde(skip)]
    index: HashMap<(TemplateKind, u64), usize>,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

impl SiteProfile {
    fn build_index(&mut self) {
        self.index = self.lines.iter().enumerate().map(|(i, l)| ((l.kind, l.hash), i)).collect();
    }

    fn lookup(&self, kind: TemplateKind, hash: u64) -> Option<&TemplateLine> {
        self.index.get(&(kind, hash)).and_then(|&i| self.lines.get(i))
    }

    /// Documents counted for the decision (not copies).
    pub fn stories(&self) -> u64 {
        self.docs.saturating_sub(self.copies)
    }
}

/// Learned templates of every site, ready to apply, save and load.
///
/// # Example
///
/// ```
/// use clean_news::Cleaned;
/// use clean_news::clean::site::{SiteConfig, SiteProfiles};
///
/// let page = |i: usize| {
///     let mut doc = Cleaned::default();
///     doc.id = format!("p{i}");
///     doc.meta.site = Some("example.com".into());
///     doc.text = format!(
///         "Example News | Sign in\n\nStory number {i} opened with a long first paragraph \
///          about the events of day {i} in the city.\n\nShare this story"
///     );
///     doc
/// };
/// let batch: Vec<Cleaned> = (0..20).map(page).collect();
/// let profiles = SiteProfiles::learn(&batch, &SiteConfig::default())?;
/// let mut doc = page(99);
/// profiles.apply(&mut doc);
/// assert!(doc.text.starts_with("Story number 99"));
/// assert_eq!(doc.removed.len(), 2);
/// assert_eq!(doc.removed[0].rule, "site_template.line");
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "ProfilesFile", try_from = "ProfilesFile")]
pub struct SiteProfiles {
    config: SiteConfig,
    documents: u64,
    sites: BTreeMap<String, SiteProfile>,
}

/// The file form of [`SiteProfiles`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilesFile {
    format: String,
    version: u32,
    config: SiteConfig,
    documents: u64,
    sites: Vec<SiteProfile>,
}

impl From<SiteProfiles> for ProfilesFile {
    fn from(p: SiteProfiles) -> ProfilesFile {
        ProfilesFile {
            format: FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
            config: p.config,
            documents: p.documents,
            sites: p.sites.into_values().collect(),
        }
    }
}

impl TryFrom<ProfilesFile> for SiteProfiles {
    type Error = String;

    fn try_from(file: ProfilesFile) -> Result<SiteProfiles, String> {
        if file.format != FORMAT_NAME {
            return Err(format!("not a site profiles file (format {:?})", file.format));
        }
        if file.version != FORMAT_VERSION {
            return Err(format!(
                "site profiles format version {}, this build reads {FORMAT_VERSION}: learn the \
                 profiles again",
                file.version
            ));
        }
        let mut sites = BTreeMap::new();
        for mut site in file.sites {
            site.build_index();
            sites.insert(site.site.clone(), site);
        }
        Ok(SiteProfiles { config: file.config, documents: file.documents, sites })
    }
}

/// Why one line was removed: the evidence behind a `site_template` [`Removal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The 0-based line of the text before [`SiteProfiles::apply`].
    pub line: usize,
    /// The rule id (`site_template.line`, `.shape` or `.block`).
    pub rule: &'static str,
    /// The site whose profile removed it.
    pub site: String,
    /// The zone where the line stood.
    pub zone: Zone,
    /// Documents of the site that print the line (for a block: that print its header).
    pub docs: u32,
    /// Documents the site's profile was learned from (copies not counted).
    pub site_docs: u64,
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} site={} zone={} docs={}/{}",
            self.rule,
            self.site,
            self.zone.as_str(),
            self.docs,
            self.site_docs
        )
    }
}

impl SiteProfiles {
    /// Learns the profiles of every site in one batch (see [`SiteLearner`] to learn from a
    /// stream of batches).
    ///
    /// # Errors
    ///
    /// A `Config` error when `config` is out of range.
    pub fn learn(docs: &[Cleaned], config: &SiteConfig) -> Result<SiteProfiles, Error> {
        let mut learner = SiteLearner::new(config)?;
        learner.add_batch(docs);
        Ok(learner.finish())
    }

    /// These profiles with `newer` laid over them: a site that learned something in `newer`
    /// takes its new profile, every other site keeps the one it had. This is how a run
    /// started with `--site-profiles` keeps what earlier batches taught about sites that are
    /// absent, or too few, in its own batch.
    #[must_use]
    pub fn merged_with(mut self, newer: SiteProfiles) -> SiteProfiles {
        for (site, profile) in newer.sites {
            let keep_old = !profile.learned && self.sites.get(&site).is_some_and(|p| p.learned);
            if !keep_old {
                self.sites.insert(site, profile);
            }
        }
        self.documents = self.documents.saturating_add(newer.documents);
        self.config = newer.config;
        self
    }

    /// The profile of each site as profiles of its own (holding that site alone, with the
    /// site's documents as its count), in site order: how the index stores them, one record
    /// a site, so that a run rewrites only the sites it saw. [`merged_with`](Self::merged_with)
    /// joins them back.
    pub fn split_by_site(&self) -> impl Iterator<Item = SiteProfiles> + '_ {
        self.sites.values().map(|profile| SiteProfiles {
            config: self.config.clone(),
            documents: profile.docs,
            sites: BTreeMap::from([(profile.site.clone(), profile.clone())]),
        })
    }

    /// No profiles: [`apply`](Self::apply) removes nothing.
    pub fn empty() -> SiteProfiles {
        SiteProfiles { config: SiteConfig::default(), documents: 0, sites: BTreeMap::new() }
    }

    /// The configuration the profiles were learned with.
    pub fn config(&self) -> &SiteConfig {
        &self.config
    }

    /// Documents seen while learning (with a site).
    pub fn documents(&self) -> u64 {
        self.documents
    }

    /// The profile of one site.
    pub fn site(&self, site: &str) -> Option<&SiteProfile> {
        self.sites.get(site)
    }

    /// Every profile, by site name.
    pub fn sites(&self) -> impl Iterator<Item = &SiteProfile> {
        self.sites.values()
    }

    /// Removes the template lines of the document's site from its text, appends a
    /// [`Removal`] of class `site_template` per line (with `line` counted in the text as it
    /// was before), and returns the evidence for each, in line order.
    ///
    /// Kept lines keep their characters; where lines were removed, runs of blank lines are
    /// collapsed to one, blank lines at either end dropped and `\r\n` becomes `\n`. A document without a site, or
    /// of a site that learned nothing, is left as it is. Applying twice removes nothing more.
    pub fn apply(&self, doc: &mut Cleaned) -> Vec<Evidence> {
        let Some(site) = site_key(doc) else { return Vec::new() };
        let Some(profile) = self.sites.get(&site) else { return Vec::new() };
        if !profile.learned || profile.lines.is_empty() {
            return Vec::new();
        }
        let lines = analyse(&doc.text, &self.config);
        if lines.is_empty() {
            return Vec::new();
        }
        let hits: Vec<Option<&TemplateLine>> =
            lines.iter().map(|l| profile.lookup(TemplateKind::Line, l.hash)).collect();
        // Anchors as in learning: long lines the site does not repeat (a cross-site line
        // the profile knows is kept, but it is no anchor either).
        let anchors: Vec<bool> = lines
            .iter()
            .zip(&hits)
            .map(|(l, hit)| l.class == LineClass::Long && hit.is_none())
            .collect();
        let zones = zones_of(&anchors);
        // Without anchors the halves are a guess that would move as lines go: such a page
        // loses what is template at either edge, and that does not move.
        let edge_only = !anchors.contains(&true);
        let fits = |t: &TemplateLine, zone: Zone| {
            if edge_only {
                t.is_template_in(Zone::Head) || t.is_template_in(Zone::Tail)
            } else {
                t.is_template_in(zone)
            }
        };

        // Decide per line: (rule, docs behind it).
        let mut decided: Vec<Option<(&'static str, u32)>> = vec![None; lines.len()];
        let mut block: Vec<usize> = Vec::new();
        let mut block_header: Option<u32> = None;
        let block_max = self.config.block_max_lines as usize;
        let close_block = |block: &mut Vec<usize>,
                           header: Option<u32>,
                           decided: &mut [Option<(&'static str, u32)>]| {
            if let Some(docs) = header {
                if block.len() <= block_max {
                    for &j in block.iter() {
                        decided[j] = Some(("site_template.block", docs));
                    }
                }
            }
            block.clear();
        };
        for (i, line) in lines.iter().enumerate() {
            let zone = zones[i];
            let mut template: Option<&TemplateLine> = None;
            if let Some(t) = hits[i].filter(|t| fits(t, zone)) {
                decided[i] = Some(("site_template.line", t.docs));
                template = Some(t);
            } else if let Some(shape) = line.shape {
                if let Some(t) =
                    profile.lookup(TemplateKind::Shape, shape).filter(|t| fits(t, zone))
                {
                    decided[i] = Some(("site_template.shape", t.docs));
                    template = Some(t);
                }
            }
            if zone != Zone::Tail && !edge_only {
                continue;
            }
            match template {
                // Template lines never end a block: evergreen teasers, the subscribe prompt
                // and the legal links sit among and after the teasers.
                Some(t) => {
                    if block_header.is_none() && t.opens_block {
                        block_header = Some(t.docs);
                    }
                }
                None if block_header.is_some()
                    && line.class == LineClass::Fragment
                    && line.words <= self.config.block_max_words =>
                {
                    block.push(i);
                }
                // A sentence or a long line ends the run: what comes after it is no block.
                None => {
                    close_block(&mut block, block_header, &mut decided);
                    block_header = None;
                }
            }
        }
        close_block(&mut block, block_header, &mut decided);

        if decided.iter().all(Option::is_none) {
            return Vec::new();
        }
        let mut evidence = Vec::new();
        let mut removed_lines = vec![false; doc.text.split('\n').count()];
        for ((line, decision), zone) in lines.iter().zip(&decided).zip(&zones) {
            let Some((rule, docs)) = *decision else { continue };
            if let Some(slot) = removed_lines.get_mut(line.index) {
                *slot = true;
            }
            let why = Evidence {
                line: line.index,
                rule,
                site: site.clone(),
                zone: *zone,
                docs,
                site_docs: profile.stories(),
            };
            doc.removed.push(Removal {
                class: RemovalClass::SiteTemplate,
                rule: rule.to_owned(),
                text: line.raw.to_owned(),
                line: line.index,
                note: Some(why.to_string()),
            });
            evidence.push(why);
        }
        let mut text = String::with_capacity(doc.text.len());
        let mut pending_blank = false;
        for (i, raw) in doc.text.split('\n').enumerate() {
            if removed_lines.get(i).copied().unwrap_or(false) {
                continue;
            }
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if raw.trim().is_empty() {
                pending_blank = !text.is_empty();
                continue;
            }
            if !text.is_empty() {
                text.push('\n');
                if pending_blank {
                    text.push('\n');
                }
            }
            pending_blank = false;
            text.push_str(raw);
        }
        doc.text = text;
        evidence
    }

    /// The profiles as JSON (pretty-printed; one file per run, loadable with
    /// [`from_json`](Self::from_json)).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads profiles from JSON.
    ///
    /// # Errors
    ///
    /// A `Parse` error when the text is not a profiles file of this format version.
    pub fn from_json(json: &str) -> Result<SiteProfiles, Error> {
        serde_json::from_str(json).map_err(|e| Error::parse("site profiles", e.to_string()))
    }

    /// Writes the profiles to a JSON file.
    ///
    /// # Errors
    ///
    /// An `Io` error when the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let path = path.as_ref();
        std::fs::write(path, self.to_json())
            .map_err(|e| Error::io(Some(path.to_owned()), "cannot write site profiles", e))
    }

    /// Reads profiles from a JSON file.
    ///
    /// # Errors
    ///
    /// An `Io` error when the file cannot be read, a `Parse` error when it is not a profiles
    /// file of this format version.
    pub fn load(path: impl AsRef<Path>) -> Result<SiteProfiles, Error> {
        let path = path.as_ref();
        let json = std::fs::read_to_string(path)
            .map_err(|e| Error::io(Some(path.to_owned()), "cannot read site profiles", e))?;
        serde_json::from_str(&json)
            .map_err(|e| Error::parse(path.display().to_string(), e.to_string()))
    }
}

impl fmt::Display for SiteProfiles {
    /// A human summary: one line per site, then its learned lines with their examples.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} sites, {} documents (site profiles format {FORMAT_VERSION})",
            self.sites.len(),
            self.documents
        )?;
        for p in self.sites.values() {
            let shapes = p.lines.iter().filter(|l| l.kind == TemplateKind::Shape).count();
            let cross = p.lines.iter().filter(|l| l.cross_site).count();
            let blocks = p.lines.iter().filter(|l| l.opens_block).count();
            writeln!(
                f,
                "\n{}: {} docs ({} copies), {}",
                p.site,
                p.docs,
                p.copies,
                if p.learned {
                    format!(
                        "{} lines, {shapes} shapes, {blocks} block headers, {cross} cross-site \
                         lines kept",
                        p.lines.len() - shapes - cross
                    )
                } else {
                    "too few documents to learn".to_owned()
                }
            )?;
            for l in p.lines.iter().filter(|l| l.text.is_some() && !l.cross_site) {
                let zones: Vec<&str> = l.zones.iter().map(|z| z.as_str()).collect();
                writeln!(
                    f,
                    "  {:>6} {:<5} {:<11} {}{}",
                    l.docs,
                    if l.kind == TemplateKind::Shape { "shape" } else { "line" },
                    zones.join(","),
                    l.text.as_deref().unwrap_or(""),
                    if l.opens_block { "  [block]" } else { "" }
                )?;
            }
        }
        Ok(())
    }
}

/// Learns site profiles from a stream of batches, in bounded memory (see the module docs).
///
/// # Example
///
/// ```
/// use clean_news::clean::site::{SiteConfig, SiteLearner};
///
/// let mut learner = SiteLearner::new(&SiteConfig::default())?;
/// for batch in [Vec::new(), Vec::new()] {
///     learner.add_batch(&batch);
/// }
/// let profiles = learner.finish();
/// assert_eq!(profiles.documents(), 0);
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug)]
pub struct SiteLearner {
    config: SiteConfig,
    site_index: HashMap<String, usize>,
    sites: Vec<SiteState>,
    /// (site, line) pairs seen: the first sighting of every line.
    pair_seen: Bloom,
    /// Long lines and sentences seen on any site.
    text_seen: Bloom,
    /// Long lines and sentences seen on two or more sites.
    multi_site: Bloom,
    documents: u64,
}

impl SiteLearner {
    /// A learner with this configuration.
    ///
    /// # Errors
    ///
    /// A `Config` error when `config` is out of range.
    pub fn new(config: &SiteConfig) -> Result<SiteLearner, Error> {
        config.validate()?;
        Ok(SiteLearner {
            config: config.clone(),
            site_index: HashMap::new(),
            sites: Vec::new(),
            pair_seen: Bloom::new(),
            text_seen: Bloom::new(),
            multi_site: Bloom::new(),
            documents: 0,
        })
    }

    /// Counts one batch. Batches are counted in the order they are added; splitting a
    /// stream into batches differently gives the same profiles.
    pub fn add_batch(&mut self, docs: &[Cleaned]) {
        let config = &self.config;
        let observed: Vec<Option<Observed<'_>>> =
            docs.par_iter().map(|d| Observed::new(d, config)).collect();

        // Input order: the filters, and which site each document belongs to.
        let mut groups: Vec<Vec<(usize, Vec<Seen>)>> = vec![Vec::new(); self.sites.len()];
        for (i, obs) in observed.iter().enumerate() {
            let Some(obs) = obs else { continue };
            self.documents += 1;
            let site = match self.site_index.get(&obs.site) {
                Some(&s) => s,
                None => {
                    let s = self.sites.len();
                    self.site_index.insert(obs.site.clone(), s);
                    self.sites.push(SiteState::new(obs.site.clone()));
                    groups.push(Vec::new());
                    s
                }
            };
            let seen = self.see(obs);
            if obs.sampled {
                groups[site].push((i, seen));
            }
        }

        // Per site, in input order: the tables.
        let config = &self.config;
        self.sites.par_iter_mut().zip(groups.par_iter()).for_each(|(state, group)| {
            for (i, seen) in group {
                if let Some(obs) = &observed[*i] {
                    state.observe(obs, seen, config);
                }
            }
        });
    }

    /// Updates the filters with one document and says, per line, whether its site had
    /// printed it (and its shape) before.
    fn see(&mut self, obs: &Observed<'_>) -> Vec<Seen> {
        let seen: Vec<Seen> = obs
            .lines
            .iter()
            .map(|l| Seen {
                line: self.pair_seen.contains(mix(obs.site_hash, l.hash)),
                shape: l.shape.is_some_and(|s| self.pair_seen.contains(mix(obs.site_hash, s))),
            })
            .collect();
        for (l, s) in obs.lines.iter().zip(&seen) {
            let text_like = l.class != LineClass::Fragment;
            if text_like && !s.line {
                // First time on this site: if another site printed it, it is a repost.
                if !self.text_seen.insert(l.hash) {
                    self.multi_site.insert(l.hash);
                }
            }
            if obs.sampled || text_like {
                self.pair_seen.insert(mix(obs.site_hash, l.hash));
            }
            if let (true, Some(shape)) = (obs.sampled, l.shape) {
                self.pair_seen.insert(mix(obs.site_hash, shape));
            }
        }
        seen
    }

    /// An estimate of the bytes the learner holds (filters, tables, examples).
    pub fn memory_bytes(&self) -> usize {
        let filters = self.pair_seen.bytes() + self.text_seen.bytes() + self.multi_site.bytes();
        let tables: usize = self.sites.iter().map(SiteState::bytes).sum();
        filters + tables
    }

    /// Applies the decision rule and returns the profiles.
    pub fn finish(self) -> SiteProfiles {
        let config = self.config;
        let multi = &self.multi_site;
        let sites: BTreeMap<String, SiteProfile> = self
            .sites
            .into_par_iter()
            .map(|state| {
                let profile = state.decide(&config, multi);
                (profile.site.clone(), profile)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        SiteProfiles { config, documents: self.documents, sites }
    }
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    line: bool,
    shape: bool,
}

/// One line of a page, analysed.
#[derive(Debug)]
struct LineInfo<'a> {
    /// The line's index in the text (split on `\n`).
    index: usize,
    /// The line as printed (without a trailing `\r`).
    raw: &'a str,
    hash: u64,
    class: LineClass,
    words: u32,
    /// The shape hash, for fragments with digits.
    shape: Option<u64>,
    /// The hash of the masked form of a short line: what block headers are followed by.
    follower_key: u64,
}

/// The non-empty lines of a text, analysed.
fn analyse<'a>(text: &'a str, config: &SiteConfig) -> Vec<LineInfo<'a>> {
    let mut out = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.trim().is_empty() {
            continue;
        }
        let matching = for_matching(raw);
        if matching.is_empty() {
            continue;
        }
        let n_words = u32::try_from(words(&matching).count()).unwrap_or(u32::MAX);
        let class = if n_words >= config.long_line_words {
            LineClass::Long
        } else if ends_sentence(&matching) {
            LineClass::Sentence
        } else {
            LineClass::Fragment
        };
        let hash = xxh3_64(matching.as_bytes());
        let (shape, follower_key) = if class == LineClass::Long {
            (None, 0)
        } else {
            let (masked, has_digit) = mask(&matching);
            let key = xxh3_64_with_seed(masked.as_bytes(), SHAPE_SEED);
            ((has_digit && class == LineClass::Fragment).then_some(key), key)
        };
        out.push(LineInfo { index, raw, hash, class, words: n_words, shape, follower_key });
    }
    out
}

/// Whether a line ends a sentence: `.` or `!`, maybe inside quotes or brackets. An
/// ellipsis (`...`, `…`) marks a cut title, not a sentence.
fn ends_sentence(matching: &str) -> bool {
    let trimmed = matching.trim_end_matches(['"', '\'', ')', ']', ' ']);
    trimmed.ends_with(['.', '!']) && !trimmed.ends_with("..")
}

/// The masked form of a matching-form line: digit runs → `0`, month and weekday names → `#`.
fn mask(matching: &str) -> (String, bool) {
    let mut out = String::with_capacity(matching.len());
    let mut has_digit = false;
    let mut rest = matching;
    while let Some(c) = rest.chars().next() {
        if c.is_numeric() {
            has_digit = true;
            out.push('0');
            rest = rest.trim_start_matches(char::is_numeric);
        } else if c.is_alphabetic() {
            let end = rest.find(|c: char| !c.is_alphabetic()).unwrap_or(rest.len());
            let word = &rest[..end];
            out.push_str(if is_calendar_word(word) { "#" } else { word });
            rest = &rest[end..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    (out, has_digit)
}

/// Month and weekday names (English and Russian, in matching form), full and abbreviated.
fn is_calendar_word(word: &str) -> bool {
    matches!(
        word,
        "january"
            | "february"
            | "march"
            | "april"
            | "may"
            | "june"
            | "july"
            | "august"
            | "september"
            | "october"
            | "november"
            | "december"
            | "jan"
            | "feb"
            | "mar"
            | "apr"
            | "jun"
            | "jul"
            | "aug"
            | "sep"
            | "sept"
            | "oct"
            | "nov"
            | "dec"
            | "monday"
            | "tuesday"
            | "wednesday"
            | "thursday"
            | "friday"
            | "saturday"
            | "sunday"
            | "mon"
            | "tue"
            | "tues"
            | "wed"
            | "thu"
            | "thur"
            | "thurs"
            | "fri"
            | "sat"
            | "sun"
            | "январь"
            | "января"
            | "февраль"
            | "февраля"
            | "март"
            | "марта"
            | "апрель"
            | "апреля"
            | "мая"
            | "июнь"
            | "июня"
            | "июль"
            | "июля"
            | "август"
            | "августа"
            | "сентябрь"
            | "сентября"
            | "октябрь"
            | "октября"
            | "ноябрь"
            | "ноября"
            | "декабрь"
            | "декабря"
            | "понедельник"
            | "вторник"
            | "среда"
            | "четверг"
            | "пятница"
            | "суббота"
            | "воскресенье"
    )
}

/// The zone of every line, from which lines are anchors.
fn zones_of(anchors: &[bool]) -> Vec<Zone> {
    let first = anchors.iter().position(|&a| a);
    let last = anchors.iter().rposition(|&a| a);
    let n = anchors.len();
    (0..n)
        .map(|i| match (first, last) {
            (Some(f), Some(_)) if i < f => Zone::Head,
            (Some(_), Some(l)) if i > l => Zone::Tail,
            (Some(_), Some(_)) => Zone::Middle,
            _ if 2 * i < n => Zone::Head,
            _ => Zone::Tail,
        })
        .collect()
}

/// A document ready for counting.
#[derive(Debug)]
struct Observed<'a> {
    site: String,
    site_hash: u64,
    sampled: bool,
    lines: Vec<LineInfo<'a>>,
}

impl<'a> Observed<'a> {
    fn new(doc: &'a Cleaned, config: &SiteConfig) -> Option<Observed<'a>> {
        let site = site_key(doc)?;
        let sampled = config.sample_share >= 1.0
            || (xxh3_64(doc.id.as_bytes()) as f64) < config.sample_share * u64::MAX as f64;
        Some(Observed {
            site_hash: xxh3_64(site.as_bytes()),
            site,
            sampled,
            lines: analyse(&doc.text, config),
        })
    }
}

/// Counts of one line hash (or shape) on one site.
#[derive(Debug, Clone)]
struct Tally {
    docs: u32,
    zone_docs: [u32; 3],
    kind: TemplateKind,
    class: LineClass,
    /// The first short line seen after it in a tail, and on how many pages another followed.
    first_follower: u64,
    varied_followers: u32,
}

/// What the learner holds per site.
#[derive(Debug, Clone)]
struct SiteState {
    site: String,
    docs: u64,
    copies: u64,
    table: HashMap<u64, Tally>,
    examples: HashMap<u64, Box<str>>,
    pruned_below: u32,
}

/// How many lines after a tail line make up its follower: a block header followed by up to
/// two fixed teasers still sees the varying ones.
const BLOCK_LOOKAHEAD: usize = 3;

/// Bytes per table entry, with the hash map's overhead (key, value, control byte, load).
const TABLE_ENTRY_BYTES: usize = 80;

impl SiteState {
    fn new(site: String) -> SiteState {
        SiteState {
            site,
            docs: 0,
            copies: 0,
            table: HashMap::new(),
            examples: HashMap::new(),
            pruned_below: 0,
        }
    }

    fn bytes(&self) -> usize {
        self.table.capacity() * TABLE_ENTRY_BYTES
            + self.examples.values().map(|e| e.len() + 48).sum::<usize>()
    }

    fn observe(&mut self, obs: &Observed<'_>, seen: &[Seen], config: &SiteConfig) {
        self.docs += 1;
        let long: Vec<bool> = obs.lines.iter().map(|l| l.class == LineClass::Long).collect();
        let n_long = long.iter().filter(|&&l| l).count();
        let n_seen_long = long.iter().zip(seen).filter(|(l, s)| **l && s.line).count();
        if n_long > 0 && 2 * n_seen_long > n_long {
            self.copies += 1;
            return;
        }
        let anchors: Vec<bool> = long.iter().zip(seen).map(|(l, s)| *l && !s.line).collect();
        let zones = zones_of(&anchors);

        // Per distinct key: the zones it stands in, whether seen before, the class, an
        // example, and the follower of its tail occurrence.
        struct Sighting<'b> {
            key: u64,
            kind: TemplateKind,
            class: LineClass,
            zones: [bool; 3],
            seen: bool,
            raw: &'b str,
            follower: Option<u64>,
        }
        let mut sightings: Vec<Sighting<'_>> = Vec::with_capacity(obs.lines.len() + 4);
        let mut position: HashMap<(TemplateKind, u64), usize> =
            HashMap::with_capacity(obs.lines.len() + 4);
        for (i, (line, s)) in obs.lines.iter().zip(seen).enumerate() {
            let zone = zones[i];
            // What follows: the next few short lines together, so that a header followed by
            // two fixed "evergreen" teasers still sees the varying ones.
            let follower = if zone == Zone::Tail {
                obs.lines
                    .get(i + 1..)
                    .unwrap_or_default()
                    .iter()
                    .take(BLOCK_LOOKAHEAD)
                    .take_while(|next| {
                        next.class != LineClass::Long && next.words <= config.block_max_words
                    })
                    .map(|next| next.follower_key)
                    .reduce(mix)
            } else {
                None
            };
            let mut push = |key, kind, seen| {
                if let Some(existing) =
                    position.get(&(kind, key)).and_then(|&at| sightings.get_mut(at))
                {
                    existing.zones[zone.index()] = true;
                    if existing.follower.is_none() {
                        existing.follower = follower;
                    }
                } else {
                    let mut zones = [false; 3];
                    zones[zone.index()] = true;
                    position.insert((kind, key), sightings.len());
                    sightings.push(Sighting {
                        key,
                        kind,
                        class: line.class,
                        zones,
                        seen,
                        raw: line.raw,
                        follower,
                    });
                }
            };
            push(line.hash, TemplateKind::Line, s.line);
            if let Some(shape) = line.shape {
                push(shape, TemplateKind::Shape, s.shape);
            }
        }

        for s in sightings {
            let (tally, credit) = match self.table.get_mut(&s.key) {
                Some(t) => {
                    t.docs = t.docs.saturating_add(1);
                    (t, 1)
                }
                None if s.seen => {
                    // Second sighting: credit the first, which only the filter remembers, to
                    // the same zones.
                    let t = self.table.entry(s.key).or_insert(Tally {
                        docs: 2,
                        zone_docs: [0; 3],
                        kind: s.kind,
                        class: s.class,
                        first_follower: 0,
                        varied_followers: 0,
                    });
                    (t, 2)
                }
                None => continue,
            };
            for z in 0..3 {
                if s.zones[z] {
                    tally.zone_docs[z] = tally.zone_docs[z].saturating_add(credit);
                }
            }
            if let Some(f) = s.follower {
                if tally.first_follower == 0 {
                    tally.first_follower = f;
                } else if tally.first_follower != f {
                    tally.varied_followers = tally.varied_followers.saturating_add(1);
                }
            }
            if tally.docs >= config.min_docs
                && self.examples.len() < EXAMPLE_CANDIDATES
                && s.raw.len() <= EXAMPLE_MAX_BYTES
                && !self.examples.contains_key(&s.key)
            {
                self.examples.insert(s.key, s.raw.into());
            }
        }
        if self.table.len() > config.max_lines_per_site as usize {
            self.prune(config.max_lines_per_site as usize / 2);
        }
    }

    /// Drops the least-seen entries until at most `target` remain.
    fn prune(&mut self, target: usize) {
        let mut by_docs: Vec<(u32, u64)> = self.table.iter().map(|(k, t)| (t.docs, *k)).collect();
        by_docs.sort_unstable();
        let drop = by_docs.len().saturating_sub(target);
        if drop == 0 {
            return;
        }
        let floor = by_docs[drop - 1].0;
        self.pruned_below = self.pruned_below.max(floor.saturating_add(1));
        for (_, key) in &by_docs[..drop] {
            self.table.remove(key);
            self.examples.remove(key);
        }
    }

    fn decide(self, config: &SiteConfig, multi_site: &Bloom) -> SiteProfile {
        let stories = self.docs.saturating_sub(self.copies);
        let learned = stories >= u64::from(config.min_site_docs);
        let mut lines = Vec::new();
        let mut refused = 0u32;
        if learned {
            let mut entries: Vec<(u64, Tally)> = self.table.into_iter().collect();
            entries.sort_unstable_by_key(|(k, t)| (std::cmp::Reverse(t.docs), *k));
            for (hash, t) in entries {
                let zones: Vec<Zone> = Zone::ALL
                    .into_iter()
                    .filter(|z| {
                        u64::from(t.zone_docs[z.index()])
                            >= config.needed(t.kind, t.class, *z, stories)
                    })
                    .collect();
                if zones.is_empty() {
                    continue;
                }
                let cross_site = t.kind == TemplateKind::Line
                    && t.class != LineClass::Fragment
                    && multi_site.contains(hash);
                if cross_site {
                    // Kept in the profile with no zone: never removed, and no anchor either.
                    refused += 1;
                    lines.push(TemplateLine {
                        hash,
                        kind: t.kind,
                        class: t.class,
                        zones: Vec::new(),
                        docs: t.docs,
                        zone_docs: t.zone_docs,
                        opens_block: false,
                        cross_site: true,
                        text: None,
                    });
                    continue;
                }
                let tail = t.zone_docs[Zone::Tail.index()];
                let opens_block = zones.contains(&Zone::Tail)
                    && t.varied_followers >= config.min_docs.max(tail.div_ceil(2));
                lines.push(TemplateLine {
                    hash,
                    kind: t.kind,
                    class: t.class,
                    zones,
                    docs: t.docs,
                    zone_docs: t.zone_docs,
                    opens_block,
                    cross_site: false,
                    text: None,
                });
            }
            let mut shown = 0;
            for line in &mut lines {
                if shown >= config.max_examples_per_site {
                    break;
                }
                if let Some(text) = self.examples.get(&line.hash) {
                    line.text = Some(text.to_string());
                    shown += 1;
                }
            }
        }
        let mut profile = SiteProfile {
            site: self.site,
            docs: self.docs,
            copies: self.copies,
            learned,
            pruned_below: self.pruned_below,
            refused_cross_site: refused,
            lines,
            index: HashMap::new(),
        };
        profile.build_index();
        profile
    }
}

/// Combines a site hash and a line hash into one well-mixed key (SplitMix64 finaliser).
fn mix(site: u64, line: u64) -> u64 {
    let mut z = site.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ line;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A growing Bloom filter of 64-bit hashes: levels of blocked filters (each probe touches
/// one 64-byte block), every level four times the capacity of the one before.
#[derive(Debug)]
struct Bloom {
    levels: Vec<BloomLevel>,
}

/// Items the first level holds; later levels hold [`BLOOM_GROWTH`] times more.
const BLOOM_FIRST_CAPACITY: u64 = 1 << 14;
const BLOOM_GROWTH: u64 = 4;
/// 16 bits per item and 8 probes in a 512-bit block: about 0.1 % false positives per level.
/// 24 bits per item and 12 probes in a 512-bit block: under 0.01 % false positives over
/// three levels (measured in the tests), so well under 0.1 % over the six or seven levels
/// of a million documents.
const BLOOM_BITS_PER_ITEM: u64 = 24;
const BLOOM_PROBES: u64 = 12;

#[derive(Debug)]
struct BloomLevel {
    blocks: Vec<[u64; 8]>,
    capacity: u64,
    len: u64,
}

impl BloomLevel {
    fn new(capacity: u64) -> BloomLevel {
        let n_blocks = (capacity * BLOOM_BITS_PER_ITEM).div_ceil(512).max(1);
        BloomLevel { blocks: vec![[0; 8]; n_blocks as usize], capacity, len: 0 }
    }

    /// The block and the bits of `hash`.
    fn probe(&self, hash: u64) -> (usize, [u16; BLOOM_PROBES as usize]) {
        let block = ((hash >> 32) * self.blocks.len() as u64) >> 32;
        // Independent 9-bit chunks of two more hashes: an arithmetic progression of bits
        // (double hashing) correlates keys too much in a 512-bit block.
        let chunks = [mix(hash, 0x426c_6f6f_6d21), mix(hash, 0x426c_6f6f_6d22)];
        let mut bits = [0u16; BLOOM_PROBES as usize];
        for (i, bit) in bits.iter_mut().enumerate() {
            let word = chunks[i / 7];
            *bit = ((word >> (9 * (i % 7))) & 511) as u16;
        }
        (block as usize, bits)
    }

    fn contains(&self, hash: u64) -> bool {
        let (block, bits) = self.probe(hash);
        let words = &self.blocks[block];
        bits.iter().all(|&b| words[usize::from(b / 64)] & (1 << (b % 64)) != 0)
    }

    fn insert(&mut self, hash: u64) {
        let (block, bits) = self.probe(hash);
        let words = &mut self.blocks[block];
        for b in bits {
            words[usize::from(b / 64)] |= 1 << (b % 64);
        }
        self.len += 1;
    }
}

impl Bloom {
    fn new() -> Bloom {
        Bloom { levels: Vec::new() }
    }

    fn contains(&self, hash: u64) -> bool {
        self.levels.iter().any(|l| l.contains(hash))
    }

    /// Adds `hash`; returns whether it was new (not already reported present).
    fn insert(&mut self, hash: u64) -> bool {
        if self.contains(hash) {
            return false;
        }
        let full = self.levels.last().is_none_or(|l| l.len >= l.capacity);
        if full {
            let capacity = self
                .levels
                .last()
                .map_or(BLOOM_FIRST_CAPACITY, |l| l.capacity.saturating_mul(BLOOM_GROWTH));
            self.levels.push(BloomLevel::new(capacity));
        }
        if let Some(level) = self.levels.last_mut() {
            level.insert(hash);
        }
        true
    }

    fn bytes(&self) -> usize {
        self.levels.iter().map(|l| l.blocks.len() * 64).sum()
    }
}

/// Hashes as 16 hex digits: JSON numbers above 2^53 lose precision in many readers.
mod hex_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(x: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{x:016x}"))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        u64::from_str_radix(&s, 16).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HEAD: [&str; 3] = ["Edition: UK | Sign in", "THE DAILY EXAMPLE", "News | Sport | Money"];
    const TAIL: [&str; 4] = [
        "Share this story",
        "Related stories",
        "Subscribe to our newsletter",
        "© 2024 Example Media. All rights reserved.",
    ];

    fn paragraph(story: usize, k: usize) -> String {
        format!(
            "Story {story} paragraph {k} tells what the council decided about the {story} new \
             bridges and why residents of district {k} were asked to wait."
        )
    }

    /// A number written in letters, so headlines and teasers have no digits (and no shape).
    fn letters(n: usize) -> String {
        n.to_string().bytes().map(|b| char::from(b'a' + (b - b'0'))).collect()
    }

    /// A page of `site` for `story`, with dated header and a teaser block of other stories.
    fn page(site: &str, id: usize, story: usize, paragraphs: usize) -> Cleaned {
        let mut lines: Vec<String> = HEAD.iter().map(|s| s.to_string()).collect();
        lines.push(format!("Headline of story {}", letters(story)));
        lines.push(format!("Published 2024-03-{:02} 10:{:02}", 1 + id % 28, id % 60));
        for k in 0..paragraphs {
            lines.push(paragraph(story, k));
            if k == 0 && paragraphs > 2 {
                lines.push("Advertisement".into());
            }
        }
        lines.push(TAIL[0].into());
        lines.push(format!("Comments ({})", id * 7 % 300));
        lines.push(TAIL[1].into());
        for t in 1..=2 {
            lines.push(format!("Teaser about story {}", letters((id + t * 7) % 12)));
        }
        for t in 1..=2 {
            lines.push(format!("Teaser about story {}", letters(1000 + story * 31 + t * 17)));
        }
        lines.push(TAIL[2].into());
        lines.push(TAIL[3].into());
        let mut doc =
            Cleaned { id: format!("{site}-{id}"), text: lines.join("\n"), ..Default::default() };
        doc.meta.site = Some(site.into());
        doc
    }

    fn kept_lines(doc: &Cleaned) -> Vec<&str> {
        doc.text.lines().collect()
    }

    #[test]
    fn removes_header_footer_shapes_and_teaser_blocks() {
        let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        let mut doc = page("example.com", 77, 77, 4);
        let evidence = profiles.apply(&mut doc);
        assert_eq!(
            kept_lines(&doc),
            [
                "Headline of story hh",
                paragraph(77, 0).as_str(),
                paragraph(77, 1).as_str(),
                paragraph(77, 2).as_str(),
                paragraph(77, 3).as_str(),
            ]
        );
        let rules: std::collections::BTreeSet<&str> =
            doc.removed.iter().map(|r| r.rule.as_str()).collect();
        assert_eq!(
            rules.into_iter().collect::<Vec<_>>(),
            ["site_template.block", "site_template.line", "site_template.shape"]
        );
        assert!(doc.removed.iter().all(|r| r.class == RemovalClass::SiteTemplate));
        assert_eq!(evidence.len(), doc.removed.len());
        assert!(evidence.iter().all(|e| e.site == "example.com" && e.site_docs == 30));
        assert_eq!(
            evidence[0].to_string(),
            "site_template.line site=example.com zone=head docs=30/30"
        );
    }

    #[test]
    fn applying_twice_removes_nothing_more() {
        let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        let mut doc = page("example.com", 5, 5, 4);
        profiles.apply(&mut doc);
        let once = doc.clone();
        assert!(profiles.apply(&mut doc).is_empty());
        assert_eq!(doc, once);
    }

    #[test]
    fn a_huge_page_is_counted_in_linear_time() {
        let mut doc = page("example.com", 1, 1, 4);
        let lines: Vec<String> = (0..200_000).map(|i| format!("line {}", letters(i))).collect();
        doc.text = lines.join("\n");
        let start = std::time::Instant::now();
        let profiles = SiteProfiles::learn(&[doc], &SiteConfig::default()).unwrap();
        assert!(start.elapsed().as_secs() < 20);
        assert_eq!(profiles.documents(), 1);
    }

    #[test]
    fn crlf_text_is_cleaned_like_lf_text() {
        let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        let mut lf = page("example.com", 40, 40, 4);
        let mut crlf = lf.clone();
        crlf.text = crlf.text.replace('\n', "\r\n");
        profiles.apply(&mut lf);
        profiles.apply(&mut crlf);
        assert_eq!(lf.text, crlf.text);
        assert_eq!(lf.removed, crlf.removed);
    }

    #[test]
    fn a_site_with_too_few_documents_learns_nothing() {
        let batch: Vec<Cleaned> = (0..9).map(|i| page("tiny.org", i, i, 3)).collect();
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        let profile = profiles.site("tiny.org").unwrap();
        assert!(!profile.learned && profile.lines.is_empty());
        let mut doc = page("tiny.org", 1, 1, 3);
        let before = doc.clone();
        assert!(profiles.apply(&mut doc).is_empty());
        assert_eq!(doc, before);
    }

    #[test]
    fn a_story_updated_on_its_own_site_keeps_its_paragraphs() {
        let mut batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
        // Story 500 printed six times: the same paragraphs, some with a new last one.
        for u in 0..6 {
            let mut doc = page("example.com", 100 + u, 500, 4 + u % 2);
            doc.id = format!("update-{u}");
            batch.push(doc);
        }
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        assert!(profiles.site("example.com").unwrap().copies >= 4);
        let mut doc = page("example.com", 200, 500, 5);
        profiles.apply(&mut doc);
        for k in 0..5 {
            assert!(doc.text.contains(&paragraph(500, k)), "paragraph {k} kept");
        }
    }

    #[test]
    fn paragraphs_printed_on_two_sites_are_never_template() {
        // One paragraph in every page of two sites: frequent on each, but cross-site.
        let shared = "The agency said the figures, published on Monday, were the best in a \
                      decade for the region.";
        let mut batch = Vec::new();
        for site in ["a.com", "b.com"] {
            for i in 0..20 {
                let mut doc = page(site, i, i, 3);
                doc.text.push('\n');
                doc.text.push_str(shared);
                batch.push(doc);
            }
        }
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        assert!(profiles.site("a.com").unwrap().refused_cross_site >= 1);
        let mut doc = batch[3].clone();
        profiles.apply(&mut doc);
        assert!(doc.text.contains(shared));
        assert!(!doc.text.contains("Share this story"));
    }

    #[test]
    fn a_teaser_title_is_kept_as_its_own_headline() {
        // "Teaser about story N" lines repeat in tails; a page whose headline equals one of
        // them keeps it, because it stands in the head.
        let batch: Vec<Cleaned> = (0..40).map(|i| page("example.com", i, i % 10, 3)).collect();
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        let mut doc = page("example.com", 3, 3, 3);
        let headline = "Teaser about story f";
        doc.text = doc.text.replace("Headline of story d", headline);
        profiles.apply(&mut doc);
        assert!(doc.text.starts_with(headline), "{}", doc.text);
    }

    #[test]
    fn blocks_stop_at_sentences_and_are_short() {
        let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        let body = |tail: &str| {
            let mut doc = page("example.com", 3, 3, 4);
            let cut = doc.text.find("Related stories").unwrap();
            doc.text.truncate(cut);
            doc.text.push_str(tail);
            doc
        };
        let mut doc =
            body("Related stories\nFirst teaser\nThe mayor said it ends in May.\nLast words");
        profiles.apply(&mut doc);
        assert!(!doc.text.contains("First teaser"));
        assert!(doc.text.ends_with("The mayor said it ends in May.\nLast words"), "{}", doc.text);

        let many: Vec<String> = (0..13).map(|i| format!("Item {}", letters(i))).collect();
        let mut doc = body(&format!("Related stories\n{}", many.join("\n")));
        profiles.apply(&mut doc);
        assert!(many.iter().all(|m| doc.text.contains(m.as_str())), "too long for a block");
    }

    #[test]
    fn profiles_round_trip_through_json_and_refuse_other_versions() {
        let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        let json = profiles.to_json();
        assert!(json.contains("\"format\": \"clean-news site profiles\""));
        let back = SiteProfiles::from_json(&json).unwrap();
        assert_eq!(back, profiles);
        let mut a = page("example.com", 3, 3, 4);
        let mut b = a.clone();
        assert_eq!(profiles.apply(&mut a), back.apply(&mut b));
        let old = json.replace("\"version\": 1", "\"version\": 0");
        let err = SiteProfiles::from_json(&old).unwrap_err();
        assert!(err.to_string().contains("learn the profiles again"), "{err}");
    }

    #[test]
    fn profiles_split_by_site_merge_back_to_the_whole() {
        let batch: Vec<Cleaned> =
            (0..60).map(|i| page(["a.com", "b.org"][i % 2], i, i, 4)).collect();
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        let parts: Vec<SiteProfiles> = profiles.split_by_site().collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.sites().count() == 1));
        let joined = parts.into_iter().fold(SiteProfiles::empty(), SiteProfiles::merged_with);
        assert_eq!(joined, profiles);
    }

    #[test]
    fn learning_is_the_same_in_one_batch_or_many_and_on_any_thread_count() {
        let batch: Vec<Cleaned> =
            (0..60).map(|i| page(["a.com", "b.org"][i % 2], i, i, 4)).collect();
        let one = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        let mut learner = SiteLearner::new(&SiteConfig::default()).unwrap();
        for chunk in batch.chunks(7) {
            learner.add_batch(chunk);
        }
        assert_eq!(learner.finish().to_json(), one.to_json());
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let single = pool.install(|| SiteProfiles::learn(&batch, &SiteConfig::default())).unwrap();
        assert_eq!(single.to_json(), one.to_json());
    }

    #[test]
    fn sampling_counts_a_deterministic_share() {
        let config = SiteConfig { sample_share: 0.5, ..SiteConfig::default() };
        let batch: Vec<Cleaned> = (0..200).map(|i| page("example.com", i, i, 3)).collect();
        let a = SiteProfiles::learn(&batch, &config).unwrap();
        let docs = a.site("example.com").unwrap().docs;
        assert!((60..140).contains(&docs), "{docs}");
        assert_eq!(SiteProfiles::learn(&batch, &config).unwrap(), a);
    }

    #[test]
    fn pruning_keeps_the_frequent_lines() {
        let config = SiteConfig { max_lines_per_site: 1024, ..SiteConfig::default() };
        let mut state = SiteState::new("x".into());
        for k in 0..3000u64 {
            state.table.insert(
                k,
                Tally {
                    docs: if k < 10 { 500 } else { 2 },
                    zone_docs: [0; 3],
                    kind: TemplateKind::Line,
                    class: LineClass::Fragment,
                    first_follower: 0,
                    varied_followers: 0,
                },
            );
        }
        state.prune(config.max_lines_per_site as usize / 2);
        assert_eq!(state.table.len(), 512);
        assert!((0..10).all(|k| state.table.contains_key(&k)));
        assert_eq!(state.pruned_below, 3);
    }

    #[test]
    fn rejects_out_of_range_config() {
        for bad in [
            SiteConfig { min_docs: 1, ..SiteConfig::default() },
            SiteConfig { min_share_text: 1.5, ..SiteConfig::default() },
            SiteConfig { sample_share: 0.0, ..SiteConfig::default() },
            SiteConfig { min_share_fragment: f64::NAN, ..SiteConfig::default() },
        ] {
            let err = SiteLearner::new(&bad).unwrap_err();
            assert!(matches!(err.kind(), crate::ErrorKind::Config { .. }), "{err}");
        }
    }

    #[test]
    fn registrable_domains() {
        for (url, site) in [
            ("https://www.bbc.co.uk/news", Some("bbc.co.uk")),
            ("https://abc.net.au/x", Some("abc.net.au")),
            ("https://sport.example.com.au", Some("example.com.au")),
            ("http://astana.gov.kz/ru", Some("astana.gov.kz")),
            ("https://tengrinews.kz/", Some("tengrinews.kz")),
            ("https://m.lenta.ru/news", Some("lenta.ru")),
            ("https://192.168.0.1:8080/", Some("192.168.0.1")),
            ("https://[::1]:80/", Some("[::1]")),
            ("https://localhost/", Some("localhost")),
            ("https:///nohost", None),
            ("https://bad..host/", None),
        ] {
            assert_eq!(site_of(url).as_deref(), site, "{url}");
        }
    }

    #[test]
    fn shapes_mask_digits_and_calendar_words() {
        let shape = |s: &str| mask(&for_matching(s)).0;
        assert_eq!(shape("Tuesday 22 February 2005"), shape("Sunday 01 May 2024"));
        assert_eq!(shape("Comments (172)"), "comments (0)");
        assert_eq!(shape("Опубликовано 12 марта 2024, 10:15"), "опубликовано 0 # 0, 0:0");
        assert_ne!(shape("Published 2005-03-04 04:30"), shape("Updated 2005-03-04 04:30"));
    }

    #[test]
    fn bloom_filter_has_no_false_negatives_and_few_false_positives() {
        let mut bloom = Bloom::new();
        let mut collisions = 0;
        for i in 0..200_000u64 {
            collisions += usize::from(!bloom.insert(mix(i, 1)));
        }
        assert!((0..200_000u64).all(|i| bloom.contains(mix(i, 1))));
        let false_positives = (0..100_000u64).filter(|&i| bloom.contains(mix(i, 2))).count();
        eprintln!("{collisions} collisions while filling, {false_positives} in 100,000");
        assert!(collisions < 40, "{collisions}");
        assert!(false_positives < 20, "{false_positives}");
    }

    proptest! {
        #[test]
        fn apply_never_panics_and_keeps_only_input_lines(
            lines in proptest::collection::vec("[a-zA-Z0-9 .,|»\u{a0}é-]{0,40}", 0..30)
        ) {
            let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
            let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
            let mut doc = Cleaned::default();
            doc.meta.site = Some("example.com".into());
            doc.text = lines.join("\n") + "\nShare this story\nRelated stories\nx";
            let original = doc.text.clone();
            profiles.apply(&mut doc);
            for kept in doc.text.lines().filter(|l| !l.trim().is_empty()) {
                prop_assert!(original.lines().any(|l| l.trim_end_matches('\r') == kept));
            }
            for r in &doc.removed {
                prop_assert_eq!(original.split('\n').nth(r.line).map(|l| l.trim_end_matches('\r')), Some(r.text.as_str()));
            }
            let once = doc.clone();
            profiles.apply(&mut doc);
            prop_assert_eq!(doc, once);
        }
    }
}

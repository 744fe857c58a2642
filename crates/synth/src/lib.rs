//! A deterministic synthetic news corpus: made-up stories on made-up sites, reposted the way
//! real news is, with gold labels.
//!
//! Why generate: the labelled dev set (`../shared/data/neardup/bbc-repost-dev`) has 4,182
//! pages, which is enough to tune rules but not to measure memory and speed at a million
//! documents, and its texts belong to the BBC, so nothing of it may go into the repository.
//! This crate writes its own text: a Zipfian vocabulary of invented words built from
//! syllables, proper names from the same syllables, sentences of news length, and sites whose
//! pages wrap every story in that site's template (edition line, masthead, menu, date line in
//! the site's own format, bylines, share lines, advertisement lines, a related-stories block
//! with teasers of other stories of the same site, subscribe prompt, legal links, copyright).
//!
//! Stories are printed on several sites with the transforms of the dev set (`verbatim`,
//! `truncated`, `intro_truncate`, `light_edit`, `lead_teaser`, `ocr_noise`, and `singleton`
//! for a story printed once), so `docs.jsonl` and `gold.jsonl` written from it (see
//! `examples/generate_corpus.rs`) can be scored with `score_clusters.py` like the dev set.
//! Optionally a story is also updated on its own site (a light edit published hours later,
//! labelled `light_edit`): the case that must not teach site-template learning its own
//! paragraphs.
//!
//! # Invariants
//!
//! - The same [`SynthConfig`] gives the same documents, byte for byte, on every machine: the
//!   only randomness is a SplitMix64 generator seeded from `seed` (no `rand`, no hashing of
//!   pointers, no clock).
//! - It streams: [`Corpus`] is an iterator that keeps one window of pages (`shuffle_window`,
//!   shuffled so that ids carry no cluster information) plus a few dozen recent headlines per
//!   site, so a million documents never sit in memory.
//! - Exactly `docs` documents come out; the last story may have fewer copies than planned.
//!
//! # Cost
//!
//! A story is written once and its copies are cut from it; words are drawn with an alias
//! table in constant time. About 3.4 kB of text per page. `generate_corpus --docs 200000`
//! writes 63,700 pages/s as JSON Lines in release on one core (`benches/site.rs`,
//! `synth/generate`, times generation alone).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use clean_news::calendar::civil_from_days;
use clean_news::{Body, Document};

/// What to generate. Every field has a default; out-of-range values are clamped (documented
/// per field), so generation itself cannot fail.
///
/// # Example
///
/// ```
/// use clean_news_synth::{Corpus, SynthConfig};
///
/// let config = SynthConfig { docs: 50, sites: 5, ..SynthConfig::default() };
/// let pages: Vec<_> = Corpus::generate(&config).collect();
/// assert_eq!(pages.len(), 50);
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SynthConfig {
    /// Seed of the generator. Default `20050214`.
    pub seed: u64,
    /// Number of documents to emit. Default `10_000`.
    pub docs: u64,
    /// Number of sites (at least 1). Site sizes follow a Zipf law with exponent 0.8, so a few
    /// sites are small. Default `20`.
    pub sites: u32,
    /// Size of the common vocabulary (at least 100). Default `20_000`.
    pub vocabulary: u32,
    /// Exponent of the Zipf law of word frequencies. Default `1.07`.
    pub zipf_exponent: f64,
    /// Publication time of the first story, Unix seconds (UTC). Default 2024-01-01T00:00Z.
    pub start_unix: i64,
    /// Days over which first copies are spread. Default `30`.
    pub days: u32,
    /// Share of stories printed once (`singleton`), 0 to 1. Default `0.4`.
    pub singleton_share: f64,
    /// Most pages of one story, across sites (2 to 16). Default `8`.
    pub max_copies: u32,
    /// Share of multi-page stories also updated on their own site (a `light_edit` copy on
    /// the origin site, published 1–12 hours later), 0 to 1. Default `0.05`.
    pub same_site_update_share: f64,
    /// Relative weights of the repost transforms.
    pub transforms: TransformMix,
    /// Pages are emitted shuffled within windows of this many pages (at least 1), so ids
    /// carry no cluster information. Default `1024`.
    pub shuffle_window: u32,
}

impl Default for SynthConfig {
    fn default() -> SynthConfig {
        SynthConfig {
            seed: 20_050_214,
            docs: 10_000,
            sites: 20,
            vocabulary: 20_000,
            zipf_exponent: 1.07,
            start_unix: 1_704_067_200,
            days: 30,
            singleton_share: 0.4,
            max_copies: 8,
            same_site_update_share: 0.05,
            transforms: TransformMix::default(),
            shuffle_window: 1024,
        }
    }
}

/// Relative weights of the transforms of reposted copies (the first copy of a story is always
/// `verbatim`). Defaults follow the dev set's proportions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransformMix {
    /// The full story, unchanged. Default `0.18`.
    pub verbatim: f64,
    /// The first 35–75 % of the paragraphs (at least 2). Default `0.16`.
    pub truncated: f64,
    /// An editor's intro, then the first paragraphs. Default `0.13`.
    pub intro_truncate: f64,
    /// Word substitutions, dropped and swapped sentences. Default `0.23`.
    pub light_edit: f64,
    /// Headline and lead only, plus a source line. Default `0.15`.
    pub lead_teaser: f64,
    /// OCR-like noise on 3–8 % of the words. Default `0.15`.
    pub ocr_noise: f64,
}

impl Default for TransformMix {
    fn default() -> TransformMix {
        TransformMix {
            verbatim: 0.18,
            truncated: 0.16,
            intro_truncate: 0.13,
            light_edit: 0.23,
            lead_teaser: 0.15,
            ocr_noise: 0.15,
        }
    }
}

/// How a page's article text was derived from its story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// The full story, unchanged (every first copy of a multi-page story).
    Verbatim,
    /// The first k paragraphs.
    Truncated,
    /// An editor's intro paragraph, then the first k paragraphs.
    IntroTruncate,
    /// Word substitutions, dropped or swapped sentences, maybe an `UPDATE:` headline.
    LightEdit,
    /// Headline and lead paragraph, plus a `Source:` line.
    LeadTeaser,
    /// OCR-like character noise on some words.
    OcrNoise,
    /// A story printed once.
    Singleton,
}

impl Transform {
    /// The snake-case name used in `gold.jsonl`.
    pub fn as_str(self) -> &'static str {
        match self {
            Transform::Verbatim => "verbatim",
            Transform::Truncated => "truncated",
            Transform::IntroTruncate => "intro_truncate",
            Transform::LightEdit => "light_edit",
            Transform::LeadTeaser => "lead_teaser",
            Transform::OcrNoise => "ocr_noise",
            Transform::Singleton => "singleton",
        }
    }
}

/// The gold label of one generated page, as a line of `gold.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gold {
    /// The document id (`d0000001`, …).
    pub id: String,
    /// The gold cluster: every page of one story (`c0000001`, …).
    pub cluster: String,
    /// The story (`syn:<category>/<n>`).
    pub story: String,
    /// How the page text was derived.
    pub transform: Transform,
}

/// The generator: an iterator over `(Document, Gold)` pairs.
///
/// Documents have `id`, `url`, `site` (the domain), `published` (ISO 8601, UTC), `title`
/// (some sites append their name) and a text body: the page as a scraper saves it, one block
/// per line, template included.
///
/// # Example
///
/// ```
/// use clean_news_synth::{Corpus, SynthConfig, Transform};
///
/// let config = SynthConfig { docs: 200, seed: 7, ..SynthConfig::default() };
/// let first: Vec<_> = Corpus::generate(&config).take(3).collect();
/// let again: Vec<_> = Corpus::generate(&config).take(3).collect();
/// assert_eq!(first, again);
/// let (doc, gold) = &first[0];
/// assert_eq!(doc.id, gold.id);
/// assert!(doc.site.is_some() && doc.body.as_text().is_some());
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug)]
pub struct Corpus {
    config: SynthConfig,
    rng: Rng,
    lexicon: Lexicon,
    sites: Vec<Site>,
    site_pick: Alias,
    recent: Vec<VecDeque<String>>,
    window: Vec<(Document, Gold)>,
    generated: u64,
    emitted: u64,
    clusters: u64,
    id_width: usize,
}

impl Corpus {
    /// Starts generating the corpus described by `config` (values clamped as documented).
    pub fn generate(config: &SynthConfig) -> Corpus {
        let mut config = config.clone();
        config.sites = config.sites.max(1);
        config.vocabulary = config.vocabulary.clamp(100, 1_000_000);
        config.max_copies = config.max_copies.clamp(2, 16);
        config.shuffle_window = config.shuffle_window.max(1);
        config.singleton_share = clamp_share(config.singleton_share);
        config.same_site_update_share = clamp_share(config.same_site_update_share);
        if !(config.zipf_exponent.is_finite() && config.zipf_exponent > 0.0) {
            config.zipf_exponent = 1.07;
        }
        let mut rng = Rng(config.seed ^ 0x6a09_e667_f3bc_c908);
        let lexicon = Lexicon::new(&mut rng, config.vocabulary, config.zipf_exponent);
        let mut used = std::collections::BTreeSet::new();
        let sites: Vec<Site> =
            (0..config.sites).map(|i| Site::new(&mut rng, &lexicon, i, &mut used)).collect();
        let weights: Vec<f64> =
            (0..sites.len()).map(|i| 1.0 / ((i + 1) as f64).powf(0.8)).collect();
        let site_pick = Alias::new(&weights);
        let recent = vec![VecDeque::new(); sites.len()];
        let id_width = config.docs.max(1).to_string().len().max(5);
        Corpus {
            config,
            rng,
            lexicon,
            sites,
            site_pick,
            recent,
            window: Vec::new(),
            generated: 0,
            emitted: 0,
            clusters: 0,
            id_width,
        }
    }

    /// The domains of the generated sites, in site order.
    pub fn site_domains(&self) -> impl Iterator<Item = &str> {
        self.sites.iter().map(|s| s.domain.as_str())
    }

    fn fill_window(&mut self) {
        let window = u64::from(self.config.shuffle_window);
        while (self.window.len() as u64) < window && self.generated < self.config.docs {
            self.story();
        }
        // Fisher–Yates, drawn from the one generator: deterministic.
        for i in (1..self.window.len()).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            self.window.swap(i, j);
        }
        // Pop from the end: reverse once so the shuffled order reads front to back.
        self.window.reverse();
    }

    /// Writes one story and all its pages into the window.
    fn story(&mut self) {
        self.clusters += 1;
        let cluster = format!("c{:0w$}", self.clusters, w = self.id_width);
        let category = CATEGORIES[self.rng.below(CATEGORIES.len() as u64) as usize];
        let story_id = format!("syn:{category}/{}", self.clusters);
        let story = Story::new(&mut self.rng, &self.lexicon);
        let remaining = self.config.docs - self.generated;
        let singleton = self.rng.chance(self.config.singleton_share);
        let mut copies =
            if singleton { 1 } else { 2 + self.rng.below(u64::from(self.config.max_copies) - 1) };
        copies = copies.min(u64::from(self.config.sites)).min(remaining).max(1);
        let span = i64::from(self.config.days) * 86_400;
        let progress = self.generated as f64 / self.config.docs.max(1) as f64;
        let t0 =
            self.config.start_unix + (progress * span as f64) as i64 + self.rng.below(3_600) as i64;
        let origin = self.site_pick.sample(&mut self.rng);
        let mut on_sites = vec![origin];
        while (on_sites.len() as u64) < copies {
            let s = self.site_pick.sample(&mut self.rng);
            if !on_sites.contains(&s) {
                on_sites.push(s);
            }
        }
        for (k, &site) in on_sites.iter().enumerate() {
            let (transform, published) = if k == 0 {
                let t = if copies == 1 { Transform::Singleton } else { Transform::Verbatim };
                (t, t0)
            } else {
                // 20 minutes to 4 days later, most within the first day.
                let u = self.rng.unit();
                let delay = 1_200 + (u * u * 344_400.0) as i64;
                (self.pick_transform(), t0 + delay)
            };
            let origin_name = self.sites[origin].name.clone();
            self.page(site, &story, transform, published, &origin_name, &cluster, &story_id);
        }
        if copies > 1
            && self.generated < self.config.docs
            && self.rng.chance(self.config.same_site_update_share)
        {
            let later = t0 + 3_600 + self.rng.below(11 * 3_600) as i64;
            let origin_name = self.sites[origin].name.clone();
            self.page(
                origin,
                &story,
                Transform::LightEdit,
                later,
                &origin_name,
                &cluster,
                &story_id,
            );
        }
    }

    fn pick_transform(&mut self) -> Transform {
        let m = &self.config.transforms;
        let weights = [
            (Transform::Verbatim, m.verbatim),
            (Transform::Truncated, m.truncated),
            (Transform::IntroTruncate, m.intro_truncate),
            (Transform::LightEdit, m.light_edit),
            (Transform::LeadTeaser, m.lead_teaser),
            (Transform::OcrNoise, m.ocr_noise),
        ];
        let total: f64 = weights.iter().map(|(_, w)| w.max(0.0)).filter(|w| w.is_finite()).sum();
        if total <= 0.0 {
            return Transform::Verbatim;
        }
        let mut x = self.rng.unit() * total;
        for (t, w) in weights {
            let w = if w.is_finite() { w.max(0.0) } else { 0.0 };
            if x < w {
                return t;
            }
            x -= w;
        }
        Transform::Verbatim
    }

    #[allow(clippy::too_many_arguments)]
    fn page(
        &mut self,
        site_index: usize,
        story: &Story,
        transform: Transform,
        published: i64,
        origin_name: &str,
        cluster: &str,
        story_id: &str,
    ) {
        let rng = &mut self.rng;
        let site = &self.sites[site_index];
        let mut headline = story.headline.clone();
        let mut paragraphs: Vec<String> = Vec::new();
        let mut after_body: Option<String> = None;
        match transform {
            Transform::Verbatim | Transform::Singleton => {
                paragraphs.clone_from(&story.joined);
            }
            Transform::Truncated | Transform::IntroTruncate => {
                let n = story.paragraphs.len();
                let share = 0.35 + 0.4 * rng.unit();
                let k = ((n as f64 * share).round() as usize).clamp(2, n);
                if transform == Transform::IntroTruncate {
                    paragraphs.push(editor_intro(rng, &self.lexicon, origin_name));
                } else if rng.chance(0.5) {
                    after_body = Some(pick(rng, &READ_MORE).replace("{origin}", origin_name));
                }
                paragraphs.extend_from_slice(&story.joined[..k]);
            }
            Transform::LightEdit => {
                paragraphs = light_edit(rng, &self.lexicon, &story.paragraphs);
                if rng.chance(0.3) {
                    headline = format!("UPDATE: {headline}");
                }
            }
            Transform::LeadTeaser => {
                let lead = story.joined[0].clone();
                let short = lead.split(' ').count() < 18;
                paragraphs.push(lead);
                if short && story.paragraphs.len() > 1 {
                    paragraphs.push(story.joined[1].clone());
                }
                after_body = Some(pick(rng, &SOURCE_LINES).replace("{origin}", origin_name));
            }
            Transform::OcrNoise => {
                paragraphs = story.joined.iter().map(|p| ocr_noise(rng, p)).collect();
            }
        }

        let date = Civil::from_unix(published);
        let mut text = String::with_capacity(4_096);
        push_line(&mut text, &site.edition);
        push_line(&mut text, &site.masthead);
        push_line(&mut text, &site.menu);
        if rng.chance(0.6) {
            push_line(&mut text, pick_str(rng, &site.sections));
        }
        push_line(&mut text, &headline);
        push_line(&mut text, &site.date_format.render(&date));
        if rng.chance(0.75) {
            push_line(&mut text, pick_str(rng, &site.bylines));
        }
        if site.share_top {
            push_line(&mut text, &site.share);
        }
        let ad_at = if paragraphs.len() >= 4 && rng.chance(site.ad_share) {
            Some(1 + rng.below(paragraphs.len() as u64 - 2) as usize)
        } else {
            None
        };
        for (i, p) in paragraphs.iter().enumerate() {
            if Some(i) == ad_at {
                push_line(&mut text, &site.ad);
            }
            push_line(&mut text, p);
        }
        if let Some(extra) = &after_body {
            push_line(&mut text, extra);
        }
        push_line(&mut text, &site.share);
        if site.comments {
            push_line(&mut text, &format!("Comments ({})", rng.below(300)));
        }
        push_line(&mut text, &site.related);
        let recent = &self.recent[site_index];
        let want = 3 + rng.below(4) as usize;
        let mut chosen: Vec<usize> = Vec::with_capacity(want);
        let mut tries = 0;
        while chosen.len() < want.min(recent.len()) && tries < 32 {
            tries += 1;
            let i = rng.below(recent.len() as u64) as usize;
            if !chosen.contains(&i) && recent[i] != headline {
                chosen.push(i);
            }
        }
        for teaser in chosen.iter().map(|&i| &recent[i]).chain(&site.evergreen) {
            text.push('\n');
            text.push_str(site.teaser_prefix);
            text.push_str(teaser);
        }
        push_line(&mut text, &site.subscribe);
        push_line(&mut text, &site.legal);
        push_line(&mut text, &site.copyright.replace("{year}", &date.year.to_string()));

        let recent = &mut self.recent[site_index];
        if !recent.contains(&headline) {
            recent.push_back(headline.clone());
            if recent.len() > RECENT_HEADLINES {
                recent.pop_front();
            }
        }

        let title = match site.title_suffix {
            0 => headline.clone(),
            1 => format!("{headline} | {}", site.name),
            _ => format!("{headline} - {}", site.name),
        };
        let slug = slug(&headline);
        let url = match site.url_style {
            0 => format!(
                "https://www.{}/news/{:04}/{:02}/{:02}/{slug}",
                site.domain, date.year, date.month, date.day
            ),
            1 => {
                format!("https://{}/article/{}/{slug}.html", site.domain, 100_000 + self.generated)
            }
            _ => format!(
                "https://www.{}/{category}/{slug}-{}",
                site.domain,
                100_000 + self.generated,
                category = story_id
                    .strip_prefix("syn:")
                    .and_then(|s| s.split('/').next())
                    .unwrap_or("news")
            ),
        };
        let doc = Document {
            id: String::new(),
            url: Some(url),
            site: Some(site.domain.clone()),
            published: Some(date.iso()),
            title: Some(title),
            body: Body::Text(text),
        };
        let gold = Gold {
            id: String::new(),
            cluster: cluster.to_owned(),
            story: story_id.to_owned(),
            transform,
        };
        self.window.push((doc, gold));
        self.generated += 1;
    }
}

impl Iterator for Corpus {
    type Item = (Document, Gold);

    fn next(&mut self) -> Option<(Document, Gold)> {
        if self.window.is_empty() {
            if self.generated >= self.config.docs {
                return None;
            }
            self.fill_window();
        }
        let (mut doc, mut gold) = self.window.pop()?;
        self.emitted += 1;
        let id = format!("d{:0w$}", self.emitted, w = self.id_width);
        doc.id.clone_from(&id);
        gold.id = id;
        Some((doc, gold))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.config.docs - self.emitted).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

/// How many recent headlines of a site its teaser blocks draw from: "published around the
/// same time", as on the dev set's sites.
const RECENT_HEADLINES: usize = 40;

const CATEGORIES: [&str; 8] =
    ["business", "politics", "sport", "tech", "entertainment", "world", "science", "health"];

fn clamp_share(x: f64) -> f64 {
    if x.is_finite() { x.clamp(0.0, 1.0) } else { 0.0 }
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for text generation.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by Lemire's multiply-shift.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }

    /// A number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below((hi - lo + 1) as u64) as usize
    }
}

/// Vose's alias table: a draw from a fixed discrete distribution in constant time.
#[derive(Debug)]
struct Alias {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl Alias {
    fn new(weights: &[f64]) -> Alias {
        let n = weights.len().max(1);
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = if total > 0.0 {
            weights.iter().map(|w| w * n as f64 / total).collect()
        } else {
            vec![1.0; n]
        };
        let mut prob = vec![1.0; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias { prob, alias }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let i = rng.below(self.prob.len() as u64) as usize;
        if rng.unit() < self.prob[i] { i } else { self.alias[i] as usize }
    }
}

/// Invented words: common words with Zipfian frequencies, and capitalised names.
#[derive(Debug)]
struct Lexicon {
    words: Vec<String>,
    names: Vec<String>,
    zipf: Alias,
}

/// Consonant–vowel syllables: words made of them decode uniquely, so every index gives a
/// different word.
const CONSONANTS: &[u8] = b"bdfgklmnprstvzhjc";
const VOWELS: &[u8] = b"aeiou";
const WORD_ENDINGS: [&str; 4] = ["", "n", "r", "s"];
const NAMES: usize = 3_000;

impl Lexicon {
    fn new(rng: &mut Rng, vocabulary: u32, exponent: f64) -> Lexicon {
        let mut syllables: Vec<[u8; 2]> = Vec::new();
        for &c in CONSONANTS {
            for &v in VOWELS {
                syllables.push([c, v]);
            }
        }
        for i in (1..syllables.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            syllables.swap(i, j);
        }
        let n = syllables.len();
        let word = |mut i: usize| {
            let ending = WORD_ENDINGS[i % WORD_ENDINGS.len()];
            i += n;
            let mut w = String::new();
            while i > 0 {
                let s = syllables[i % n];
                w.push(s[0] as char);
                w.push(s[1] as char);
                i /= n;
            }
            w.push_str(ending);
            w
        };
        let v = vocabulary as usize;
        let words: Vec<String> = (0..v).map(word).collect();
        let names = (v..v + NAMES).map(|i| capitalize(&word(i * 7 + 3))).collect();
        let weights: Vec<f64> = (0..v).map(|r| 1.0 / ((r + 1) as f64).powf(exponent)).collect();
        Lexicon { words, names, zipf: Alias::new(&weights) }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        &self.words[self.zipf.sample(rng)]
    }

    fn name(&self, rng: &mut Rng) -> &str {
        // Names are Zipfian too: a few people are in the news a lot.
        let r = self.zipf.sample(rng) % self.names.len();
        &self.names[r]
    }

    /// A sentence of `n` words, capitalised, with a full stop; sometimes a quotation.
    fn sentence(&self, rng: &mut Rng, n: usize) -> String {
        let mut s = String::with_capacity(n * 7 + 24);
        let quote = rng.chance(0.15);
        if quote {
            s.push('"');
        }
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            let r = rng.unit();
            if r < 0.06 {
                s.push_str(self.name(rng));
            } else if r < 0.08 {
                number(rng, &mut s);
            } else if i == 0 {
                push_capitalized(&mut s, self.word(rng));
            } else {
                s.push_str(self.word(rng));
            }
            if i + 1 < n && rng.chance(0.05) {
                s.push(',');
            }
        }
        if quote {
            s.push_str(",\" said ");
            s.push_str(self.name(rng));
            s.push(' ');
            s.push_str(self.name(rng));
            s.push('.');
        } else {
            s.push('.');
        }
        s
    }

    fn headline(&self, rng: &mut Rng) -> String {
        let n = rng.range(3, 7);
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            if rng.chance(0.2) {
                s.push_str(self.name(rng));
            } else if i == 0 {
                s.push_str(&capitalize(self.word(rng)));
            } else {
                s.push_str(self.word(rng));
            }
        }
        s
    }
}

fn number(rng: &mut Rng, out: &mut String) {
    use std::fmt::Write;
    let _ = match rng.below(5) {
        0 => write!(out, "{}", 2 + rng.below(98)),
        1 => write!(out, "{}.{}%", rng.below(60), rng.below(10)),
        2 => write!(out, "£{}m", 1 + rng.below(900)),
        3 => write!(out, "{}", 1_990 + rng.below(35)),
        _ => write!(out, "{},{:03}", 1 + rng.below(99), rng.below(1000)),
    };
}

fn push_line(text: &mut String, line: &str) {
    if !text.is_empty() {
        text.push('\n');
    }
    text.push_str(line);
}

fn push_capitalized(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One story: a headline and paragraphs of sentences (kept apart so edits can work on them),
/// and the paragraphs as printed.
#[derive(Debug)]
struct Story {
    headline: String,
    paragraphs: Vec<Vec<String>>,
    joined: Vec<String>,
}

impl Story {
    fn new(rng: &mut Rng, lexicon: &Lexicon) -> Story {
        let headline = lexicon.headline(rng);
        let n_paragraphs = rng.range(6, 15);
        let target_words = rng.range(300, 600);
        let per_paragraph = (target_words / n_paragraphs).max(12);
        let mut paragraphs = Vec::with_capacity(n_paragraphs);
        // A news lead: one sentence of 14-30 words.
        let lead_words = rng.range(14, 30);
        paragraphs.push(vec![lexicon.sentence(rng, lead_words)]);
        for _ in 1..n_paragraphs {
            let mut budget = per_paragraph as isize + rng.range(0, 16) as isize - 8;
            let mut sentences = Vec::new();
            while budget > 0 {
                let n = rng.range(12, 28);
                sentences.push(lexicon.sentence(rng, n));
                budget -= n as isize;
            }
            paragraphs.push(sentences);
        }
        let joined = paragraphs.iter().map(|p| p.join(" ")).collect();
        Story { headline, paragraphs, joined }
    }
}

fn editor_intro(rng: &mut Rng, lexicon: &Lexicon, origin: &str) -> String {
    let mut intro = pick(rng, &EDITOR_INTROS).replace("{origin}", origin);
    intro.push(' ');
    let n = rng.range(10, 20);
    intro.push_str(&lexicon.sentence(rng, n));
    intro
}

fn light_edit(rng: &mut Rng, lexicon: &Lexicon, paragraphs: &[Vec<String>]) -> Vec<String> {
    let mut edited: Vec<Vec<String>> = paragraphs.to_vec();
    // Word substitutions: about 3% of the words of the body.
    for sentence in edited.iter_mut().flatten() {
        if rng.chance(0.35) {
            let words: Vec<&str> = sentence.split(' ').collect();
            let at = rng.below(words.len() as u64) as usize;
            let mut out = String::with_capacity(sentence.len() + 8);
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                if i == at && i > 0 && w.chars().all(|c| c.is_ascii_lowercase()) {
                    out.push_str(lexicon.word(rng));
                } else {
                    out.push_str(w);
                }
            }
            *sentence = out;
        }
    }
    // Drop one or two sentences from paragraphs that have more than one.
    for _ in 0..rng.range(1, 2) {
        let i = rng.below(edited.len() as u64) as usize;
        if edited[i].len() > 1 {
            let j = rng.below(edited[i].len() as u64) as usize;
            edited[i].remove(j);
        }
    }
    // Swap two adjacent sentences.
    let i = rng.below(edited.len() as u64) as usize;
    if edited[i].len() > 1 {
        let j = rng.below(edited[i].len() as u64 - 1) as usize;
        edited[i].swap(j, j + 1);
    }
    // Sometimes two body paragraphs change places (never the lead).
    if edited.len() > 3 && rng.chance(0.3) {
        let a = 1 + rng.below(edited.len() as u64 - 2) as usize;
        edited.swap(a, a + 1);
    }
    edited.into_iter().map(|p| p.join(" ")).collect()
}

/// OCR-like noise on 3–8 % of the words.
fn ocr_noise(rng: &mut Rng, paragraph: &str) -> String {
    let rate = 0.03 + 0.05 * rng.unit();
    let mut out = String::with_capacity(paragraph.len() + 16);
    let words: Vec<&str> = paragraph.split(' ').collect();
    let mut i = 0;
    while i < words.len() {
        if i > 0 {
            out.push(' ');
        }
        let w = words[i];
        if !rng.chance(rate) || w.len() < 3 {
            out.push_str(w);
            i += 1;
            continue;
        }
        match rng.below(5) {
            0 => {
                let confused = CONFUSABLES
                    .iter()
                    .find(|(from, _)| w.contains(from))
                    .map(|(from, to)| w.replacen(from, to, 1));
                out.push_str(confused.as_deref().unwrap_or(w));
            }
            1 => {
                // Drop a letter (ASCII words only; names and numbers pass through).
                let at = rng.below(w.len() as u64) as usize;
                if w.is_char_boundary(at) && w.is_char_boundary(at + 1) && w.is_ascii() {
                    out.push_str(&w[..at]);
                    out.push_str(&w[at + 1..]);
                } else {
                    out.push_str(w);
                }
            }
            2 => {
                let at = rng.below(w.len() as u64) as usize;
                if w.is_ascii() {
                    out.push_str(&w[..=at]);
                    out.push_str(&w[at..]);
                } else {
                    out.push_str(w);
                }
            }
            3 if i + 1 < words.len() => {
                // Two words run together.
                out.push_str(w);
                out.push_str(words[i + 1]);
                i += 1;
            }
            _ => {
                let at = 1 + rng.below(w.len() as u64 - 1) as usize;
                if w.is_ascii() {
                    out.push_str(&w[..at]);
                    out.push(' ');
                    out.push_str(&w[at..]);
                } else {
                    out.push_str(w);
                }
            }
        }
        i += 1;
    }
    out
}

const CONFUSABLES: [(&str, &str); 8] = [
    ("rn", "m"),
    ("m", "rn"),
    ("l", "1"),
    ("O", "0"),
    ("e", "c"),
    ("i", "l"),
    ("s", "5"),
    ("o", "0"),
];

const READ_MORE: [&str; 3] = [
    "Read the full story at {origin}",
    "Continue reading on {origin}",
    "This is an extract. The full report is on {origin}.",
];

const SOURCE_LINES: [&str; 3] =
    ["Source: {origin}", "Source: {origin} (full story)", "Via {origin}"];

const EDITOR_INTROS: [&str; 3] = [
    "Editor's note: This report first appeared on {origin}.",
    "This story was first published by {origin} and is republished with permission.",
    "Our partners at {origin} report the following.",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

fn pick_str<'a>(rng: &mut Rng, items: &'a [String]) -> &'a str {
    match items.len() {
        0 => "",
        n => &items[rng.below(n as u64) as usize],
    }
}

fn slug(headline: &str) -> String {
    let mut s = String::with_capacity(headline.len());
    for c in headline.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_owned()
}

/// One site's template: what its pages wrap every story in.
#[derive(Debug)]
struct Site {
    name: String,
    domain: String,
    edition: String,
    masthead: String,
    menu: String,
    sections: Vec<String>,
    date_format: DateFormat,
    bylines: Vec<String>,
    share_top: bool,
    share: String,
    ad: String,
    ad_share: f64,
    comments: bool,
    related: String,
    teaser_prefix: &'static str,
    evergreen: Vec<String>,
    subscribe: String,
    legal: String,
    copyright: String,
    title_suffix: u8,
    url_style: u8,
}

const PAPER_NOUNS: [&str; 16] = [
    "Times",
    "Courier",
    "Herald",
    "Post",
    "Gazette",
    "Chronicle",
    "Dispatch",
    "Ledger",
    "Observer",
    "Journal",
    "Wire",
    "Review",
    "Bulletin",
    "Mercury",
    "Tribune",
    "Sentinel",
];
const TLDS: [&str; 10] =
    ["com", "co.uk", "org", "news", "net", "com.au", "kz", "org.ru", "ie", "info"];
const EDITIONS: [&str; 5] = [
    "Edition: International | Sign in | Register",
    "Edition: UK | Sign in | Subscribe",
    "Choose edition: UK / US / Europe | Log in",
    "Sign in | Register | Newsletters",
    "Edition: Ireland | My account | Log out",
];
const MENU_ITEMS: [&str; 14] = [
    "News", "Business", "Sport", "Tech", "Culture", "Opinion", "World", "Money", "Weather",
    "Video", "Latest", "Politics", "Travel", "Science",
];
const MENU_SEPARATORS: [&str; 5] = [" | ", " / ", " · ", "  ", " "];
const SECTIONS: [&str; 10] = [
    "Markets",
    "Government",
    "Football",
    "Westminster",
    "Economy",
    "Digital",
    "Arts",
    "Showbiz",
    "Sports",
    "Tech",
];
const SHARES: [&str; 4] = [
    "Share this story",
    "Share on Facebook | Share on Twitter | Print this page",
    "Share: Facebook Twitter LinkedIn WhatsApp",
    "Email this story | Printable version",
];
const ADS: [&str; 4] =
    ["Advertisement", "ADVERTISEMENT", "Sponsored content", "Story continues below advertisement"];
const RELATED: [&str; 8] = [
    "Related stories:",
    "More from {name}",
    "Read next",
    "Also on {name}:",
    "You may also like",
    "Most read",
    "Top stories",
    "Related coverage",
];
const TEASER_PREFIXES: [&str; 5] = ["» ", "- ", "* ", "", "> "];
const SUBSCRIBES: [&str; 5] = [
    "Subscribe to our daily newsletter",
    "Get the morning briefing in your inbox - sign up now",
    "Sign up for breaking news alerts",
    "Follow {name} on Twitter and Facebook",
    "Subscribe to {name} for unlimited access",
];
const LEGAL: [&str; 4] = [
    "About us | Advertise | Terms of use | Privacy policy",
    "Help | Feedback | Accessibility | Jobs",
    "Terms | Privacy | Cookies | Contact us",
    "Contact | Corrections | Complaints | Site map",
];
const COPYRIGHTS: [&str; 5] = [
    "© {year} {company}. All rights reserved.",
    "Copyright {company} {year}",
    "(c) {year} {company}. Reproduction prohibited.",
    "© {company} 2001-{year}",
    "All content © {year} {company}",
];
const COMPANY_SUFFIXES: [&str; 5] = [" Ltd", " Media", " Publishing", " Inc.", " Group"];

impl Site {
    fn new(
        rng: &mut Rng,
        lexicon: &Lexicon,
        index: u32,
        used: &mut std::collections::BTreeSet<String>,
    ) -> Site {
        let (name, domain) = loop {
            let first = lexicon.name(rng).to_owned();
            let noun = pick(rng, &PAPER_NOUNS);
            let name = format!("{first} {noun}");
            let tld = TLDS[(index as usize + rng.below(3) as usize) % TLDS.len()];
            let domain = format!("{}{}.{tld}", first.to_lowercase(), noun.to_lowercase());
            if used.insert(domain.clone()) {
                break (name, domain);
            }
        };
        let masthead = match rng.below(5) {
            0 => name.clone(),
            1 => name.to_uppercase(),
            2 => format!("{name} Online"),
            3 => format!("{name} - {domain}"),
            _ => format!("The {name}"),
        };
        let mut items: Vec<&str> = MENU_ITEMS.to_vec();
        for i in (1..items.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
        items.truncate(rng.range(5, 8));
        let menu = items.join(pick(rng, &MENU_SEPARATORS));
        let sections = (0..5).map(|_| pick(rng, &SECTIONS).to_owned()).collect();
        let staff = [
            "By a staff reporter".to_owned(),
            format!("By {name} staff"),
            format!("{name} newsroom"),
            format!("Reporting by {name} wires"),
            "By news desk".to_owned(),
            "From our correspondent".to_owned(),
            format!("By {} {}", lexicon.name(rng), lexicon.name(rng)),
        ];
        let mut bylines = Vec::new();
        while bylines.len() < 3 {
            let b = staff[rng.below(staff.len() as u64) as usize].clone();
            if !bylines.contains(&b) {
                bylines.push(b);
            }
        }
        let company = format!("{name}{}", pick(rng, &COMPANY_SUFFIXES));
        let evergreen = if rng.chance(0.3) {
            vec![lexicon.headline(rng), lexicon.headline(rng)]
        } else {
            vec![]
        };
        Site {
            edition: pick(rng, &EDITIONS).to_owned(),
            masthead,
            menu,
            sections,
            date_format: DateFormat::ALL[rng.below(DateFormat::ALL.len() as u64) as usize],
            bylines,
            share_top: rng.chance(0.3),
            share: pick(rng, &SHARES).to_owned(),
            ad: pick(rng, &ADS).to_owned(),
            ad_share: 0.3 + 0.4 * rng.unit(),
            comments: rng.chance(0.3),
            related: pick(rng, &RELATED).replace("{name}", &name),
            teaser_prefix: pick(rng, &TEASER_PREFIXES),
            evergreen,
            subscribe: pick(rng, &SUBSCRIBES).replace("{name}", &name),
            legal: pick(rng, &LEGAL).to_owned(),
            copyright: pick(rng, &COPYRIGHTS).replace("{company}", &company),
            title_suffix: rng.below(3) as u8,
            url_style: rng.below(3) as u8,
            name,
            domain,
        }
    }
}

/// A civil date and time in UTC.
#[derive(Debug, Clone, Copy)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    weekday: u32,
}

impl Civil {
    /// From Unix seconds.
    fn from_unix(t: i64) -> Civil {
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (secs / 3_600) as u32,
            minute: ((secs % 3_600) / 60) as u32,
            // 1970-01-01 was a Thursday; 0 = Monday.
            weekday: (days + 3).rem_euclid(7) as u32,
        }
    }

    fn iso(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:00Z",
            self.year, self.month, self.day, self.hour, self.minute
        )
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// The date line formats of the sites.
#[derive(Debug, Clone, Copy)]
enum DateFormat {
    Published,
    LastUpdated,
    WeekdayLong,
    DayMonthTime,
    UsShort,
    Dotted,
}

impl DateFormat {
    const ALL: [DateFormat; 6] = [
        DateFormat::Published,
        DateFormat::LastUpdated,
        DateFormat::WeekdayLong,
        DateFormat::DayMonthTime,
        DateFormat::UsShort,
        DateFormat::Dotted,
    ];

    fn render(self, d: &Civil) -> String {
        let month = MONTHS[(d.month as usize).saturating_sub(1) % 12];
        match self {
            DateFormat::Published => format!(
                "Published {:04}-{:02}-{:02} {:02}:{:02}",
                d.year, d.month, d.day, d.hour, d.minute
            ),
            DateFormat::LastUpdated => format!(
                "Last updated: {:02}/{:02}/{:04} {:02}:{:02} GMT",
                d.day, d.month, d.year, d.hour, d.minute
            ),
            DateFormat::WeekdayLong => {
                format!("{} {:02} {month} {}", WEEKDAYS[d.weekday as usize % 7], d.day, d.year)
            }
            DateFormat::DayMonthTime => {
                format!("{:02} {month} {}, {:02}:{:02}", d.day, d.year, d.hour, d.minute)
            }
            DateFormat::UsShort => {
                let (h12, ampm) = match d.hour {
                    0 => (12, "AM"),
                    h @ 1..=11 => (h, "AM"),
                    12 => (12, "PM"),
                    h => (h - 12, "PM"),
                };
                format!(
                    "{} {:02}, {} {:02}:{:02} {ampm}",
                    &month[..3],
                    d.day,
                    d.year,
                    h12,
                    d.minute
                )
            }
            DateFormat::Dotted => {
                format!("{:02}.{:02}.{:04}, {:02}:{:02}", d.day, d.month, d.year, d.hour, d.minute)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(docs: u64) -> SynthConfig {
        SynthConfig { docs, sites: 6, shuffle_window: 64, ..SynthConfig::default() }
    }

    fn text(doc: &Document) -> &str {
        doc.body.as_text().unwrap()
    }

    #[test]
    fn same_seed_gives_the_same_corpus() {
        let a: Vec<_> = Corpus::generate(&small(300)).collect();
        let b: Vec<_> = Corpus::generate(&small(300)).collect();
        assert_eq!(a, b);
        let c: Vec<_> = Corpus::generate(&SynthConfig { seed: 1, ..small(300) }).collect();
        assert_ne!(a[0].0.body, c[0].0.body);
    }

    #[test]
    fn emits_exactly_the_requested_number_with_unique_ids() {
        for n in [0, 1, 7, 500] {
            let docs: Vec<_> = Corpus::generate(&small(n)).collect();
            assert_eq!(docs.len() as u64, n);
            let ids: std::collections::BTreeSet<_> = docs.iter().map(|(d, _)| &d.id).collect();
            assert_eq!(ids.len() as u64, n);
            assert!(docs.iter().all(|(d, g)| d.id == g.id));
        }
    }

    #[test]
    fn a_story_is_printed_once_per_site_except_updates() {
        let docs: Vec<_> = Corpus::generate(&small(2_000)).collect();
        let mut seen = std::collections::BTreeMap::new();
        for (d, g) in &docs {
            *seen.entry((g.cluster.clone(), d.site.clone())).or_insert(0) += 1;
        }
        assert!(seen.values().all(|&n| n <= 2));
        let updates = seen.values().filter(|&&n| n == 2).count();
        assert!(updates > 0, "same-site updates are generated");
    }

    #[test]
    fn pages_are_news_sized_and_wrapped_in_their_site_template() {
        for (doc, gold) in Corpus::generate(&small(200)) {
            let text = text(&doc);
            let lines: Vec<&str> = text.lines().collect();
            assert!(lines.len() >= 12, "{}", doc.id);
            if gold.transform == Transform::Verbatim || gold.transform == Transform::Singleton {
                let words = text.split_whitespace().count();
                assert!((300..900).contains(&words), "{} has {words} words", doc.id);
            }
            let title = doc.title.as_deref().unwrap();
            let headline = lines.iter().position(|l| title.starts_with(l)).unwrap();
            assert!((3..=4).contains(&headline), "headline after edition, masthead, menu");
        }
    }

    /// Article paragraphs: long lines ending a sentence (a long menu is neither).
    fn is_paragraph(line: &str) -> bool {
        line.split(' ').count() >= 12 && line.ends_with('.')
    }

    /// Every copy's article lines, found by comparing to the cluster's first copy.
    fn copies() -> Vec<(Transform, Vec<String>, Vec<String>)> {
        let docs: Vec<_> =
            Corpus::generate(&SynthConfig { shuffle_window: 1, ..small(600) }).collect();
        let long = |d: &Document| -> Vec<String> {
            text(d).lines().filter(|l| is_paragraph(l)).map(str::to_owned).collect()
        };
        let mut out = Vec::new();
        let mut first: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (d, g) in &docs {
            if g.transform == Transform::Verbatim {
                first.insert(g.cluster.clone(), long(d));
            }
        }
        for (d, g) in &docs {
            if let Some(orig) = first.get(&g.cluster) {
                out.push((g.transform, orig.clone(), long(d)));
            }
        }
        out
    }

    #[test]
    fn truncated_copies_keep_a_prefix_of_the_story() {
        let mut n = 0;
        for (t, orig, copy) in copies() {
            if t == Transform::Truncated {
                n += 1;
                assert!(copy.len() >= 2 && copy.len() < orig.len());
                assert_eq!(&orig[..copy.len()], &copy[..]);
            }
            if t == Transform::IntroTruncate {
                assert!(!orig.contains(&copy[0]), "an editor's intro comes first");
                assert_eq!(&orig[..copy.len() - 1], &copy[1..]);
            }
        }
        assert!(n > 0);
    }

    #[test]
    fn lead_teasers_keep_the_lead_and_name_a_source() {
        let docs: Vec<_> = Corpus::generate(&small(600)).collect();
        let teasers: Vec<_> =
            docs.iter().filter(|(_, g)| g.transform == Transform::LeadTeaser).collect();
        assert!(!teasers.is_empty());
        for (d, _) in teasers {
            let long = text(d).lines().filter(|l| is_paragraph(l)).count();
            assert!((1..=2).contains(&long), "{}", text(d));
            assert!(
                text(d).lines().any(|l| l.starts_with("Source: ") || l.starts_with("Via ")),
                "{}",
                text(d)
            );
        }
    }

    #[test]
    fn ocr_noise_changes_a_few_words_only() {
        let mut n = 0;
        for (t, orig, copy) in copies() {
            if t != Transform::OcrNoise {
                continue;
            }
            n += 1;
            let a: Vec<&str> = orig.iter().flat_map(|p| p.split(' ')).collect();
            let b: Vec<&str> = copy.iter().flat_map(|p| p.split(' ')).collect();
            let same = a.iter().filter(|w| b.contains(w)).count();
            let share = same as f64 / a.len() as f64;
            assert!(share > 0.8 && share < 1.0, "{share}");
        }
        assert!(n > 0);
    }

    #[test]
    fn light_edits_change_the_text_but_keep_most_words() {
        for (t, orig, copy) in copies() {
            if t == Transform::LightEdit {
                assert_ne!(orig, copy);
                let a: std::collections::BTreeSet<&str> =
                    orig.iter().flat_map(|p| p.split(' ')).collect();
                let b: std::collections::BTreeSet<&str> =
                    copy.iter().flat_map(|p| p.split(' ')).collect();
                assert!(a.intersection(&b).count() as f64 > 0.8 * a.len() as f64);
            }
        }
    }

    #[test]
    fn dates_are_civil_dates() {
        let d = Civil::from_unix(1_109_651_700); // 2005-03-01T04:35Z, a Tuesday
        assert_eq!((d.year, d.month, d.day, d.hour, d.minute, d.weekday), (2005, 3, 1, 4, 35, 1));
        assert_eq!(DateFormat::UsShort.render(&d), "Mar 01, 2005 04:35 AM");
        assert_eq!(DateFormat::WeekdayLong.render(&d), "Tuesday 01 March 2005");
    }

    #[test]
    fn words_are_unique_and_zipfian() {
        let mut rng = Rng(1);
        let lex = Lexicon::new(&mut rng, 5_000, 1.07);
        let set: std::collections::BTreeSet<_> = lex.words.iter().collect();
        assert_eq!(set.len(), 5_000);
        let mut counts = vec![0u32; 5_000];
        for _ in 0..100_000 {
            counts[lex.zipf.sample(&mut rng)] += 1;
        }
        assert!(counts[0] > 5 * counts[50].max(1));
    }

    #[test]
    fn out_of_range_config_is_clamped() {
        let config = SynthConfig {
            docs: 20,
            sites: 0,
            vocabulary: 0,
            zipf_exponent: f64::NAN,
            singleton_share: 7.0,
            shuffle_window: 0,
            ..SynthConfig::default()
        };
        let docs: Vec<_> = Corpus::generate(&config).collect();
        assert_eq!(docs.len(), 20);
        assert!(docs.iter().all(|(_, g)| g.transform == Transform::Singleton));
    }
}

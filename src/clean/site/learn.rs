//! Learning: count, per site, the documents that print each line and where; keep first
//! sightings in Bloom filters, cap the tables, and decide what is template (see the module
//! docs of [`crate::clean::site`]).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use super::bloom::{Bloom, mix};
use super::config::SiteConfig;
use super::lines::{LineInfo, analyse, parts_of};
use super::profile::{LineClass, PagePart, SiteProfile, SiteProfiles, TemplateKind, TemplateLine};
use super::site_key;
use crate::{Cleaned, Error};

/// Example strings kept per site while learning (the profile shows the top
/// [`SiteConfig::max_examples_per_site`] of them).
const EXAMPLE_CANDIDATES: usize = 256;

/// Longer lines are not kept as examples: a template line this long is rare, and the
/// example is only for display.
const EXAMPLE_MAX_BYTES: usize = 200;

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
        let zones = parts_of(&anchors);

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
            let follower = if zone == PagePart::Tail {
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
                let zones: Vec<PagePart> = PagePart::ALL
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
                let tail = t.zone_docs[PagePart::Tail.index()];
                let opens_block = zones.contains(&PagePart::Tail)
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

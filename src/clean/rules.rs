//! Step 3c: the compiled rules — which rules match a line.
//!
//! A [`RuleSet`] is built once from the packs and then only read, so it is shared by every
//! worker. The built-in packs' automata and patterns are compiled when a line first needs
//! them ([`LazyMatcher`], [`LazyPattern`]): a run of one page used to spend 0.35 s compiling
//! all of them before reading a byte. Matching a line costs one walk of an `aho-corasick`
//! automaton for every literal phrase of every rule, one hash lookup for the `whole_line`
//! phrases, and one anchored set search per kind of anchoring for the rules that have only a
//! pattern (two for those anchored at the start, see [Start-up](#start-up)); a rule's
//! own regex runs only when its phrases already matched. That keeps the cost per line nearly
//! flat in the number of rules. The lines of a page are matched together
//! ([`RuleSet::matches_many`]), so that their automaton walks overlap.
//!
//! The rule set does not know about zones: it reports every rule that matches, in pack order,
//! and the cleaner (`clean::zones`) decides which one applies where the line stands.
//!
//! # Start-up
//!
//! `clean-news clean` of a one-line file should feel instant (issue #19: a median of 11 runs
//! at or under 50 ms). After the lazy matchers landed, such a run still spent 78 % of its
//! 0.47 G instructions compiling one `RegexSet` of the pattern-only rules of the shortest
//! lines' tier: 115 of its 118 patterns are anchored at the start of the line, and their
//! Unicode classes (`\p{L}`, `\d`, `.` under bounded repeats) make large automata, in both
//! directions. Two changes, decided by measurement:
//!
//! - **Sets by first byte** ([`StartBuckets`]): a line can only match a start-anchored
//!   pattern whose matches can begin with the line's first byte, read off the parsed pattern
//!   ([`first_bytes`]). A line compiles and runs only the sets of its first byte, one of the
//!   narrow patterns (a word, a digit) and one of the broad ones (a letter class, any
//!   character), kept apart so that a long run does not compile a broad pattern once per
//!   letter. A line of English text compiles 26 of the 115 (a test holds it under a
//!   third), a Russian one 37, a date line 53.
//! - **No reverse automaton** ([`StartSet`]): a `RegexSet` also compiles a reverse NFA, which
//!   an anchored search never runs (it only finds where a match starts). The start sets are
//!   a forward NFA under `regex`'s own lazy DFA and NFA simulation (`regex-automata`, already
//!   under `regex`), configured as `regex` configures a set; half the compiling.
//!
//! Figures (`valgrind --tool=callgrind target/release/clean-news clean one.txt -o out.jsonl`:
//! instructions of the whole process, with the batch cleaner no longer freed at exit, see
//! `cli::clean`; wall time by `benches/startup.py`, median of 11 runs of each binary,
//! interleaved, on a 2-core machine shared with other builds, load average 4.5: on a
//! quieter turn, load 2.6, the English sentence took 79 ms before and 28 ms with the first
//! two changes):
//!
//! | one-line file                      | before          | after           |
//! |------------------------------------|-----------------|-----------------|
//! | English sentence, 51 chars         | 472 M, 110 ms   | 167 M, 40 ms    |
//! | date line `12.03.2024, 14:05`      | 436 M, 110 ms   | 170 M, 52 ms    |
//! | Russian sentence, 84 chars         | 234 M, 66 ms    | 114 M, 34 ms    |
//! | English paragraph, 279 chars       |  84 M, 28 ms    |  63 M, 23 ms    |
//!
//! Peak RSS went from 35 to 18 MiB. What is left of the English run: the start sets of its
//! first byte, 76 M (the broad one most); parsing the patterns of the tier and of the lead
//! zone, 18 M; the packs' TOML, 20 M; the phrase automata, 11 M.
//!
//! A batch compiles more sets than one (a pattern is in a few of them), once, and it is no
//! slower to start: `clean-news clean docs.jsonl --threads 1` over the 4,182 documents of
//! the dev set is 2.735 G instructions before, 2.648 G after, with the same output (the
//! start sets: 507 M, where the `RegexSet`s of every group were 565 M). Matching costs the
//! same: one pass of `examples/throughput --news-pages` is 702.6 M instructions before and
//! 702.8 M after, with the same output digest. A test checks that the buckets find, on
//! every example and keep line of the packs, what one set of all the patterns finds.
//!
//! Not taken:
//!
//! - Dense DFAs serialised at build time (a `build.rs` running `regex-automata`'s
//!   determiniser): the packs' Unicode classes under bounded repeats blow the DFAs up. The
//!   first 10 start patterns of the shortest tier determinise in 0.8 s to 59 MB (3.1 MB as
//!   a sparse DFA), the first 30 in 14 s to 749 MB (103 MB sparse); all 115 did not finish.
//!   The binary and the build would grow by that much, and user packs would still compile
//!   at run time.
//! - Splitting the broad sets further by the line's last byte (most broad patterns are also
//!   anchored at the end): a sentence ending in a full stop would skip some costly ones, but
//!   a batch would compile each broad pattern in many more sets.
//! - `unicode(false)` or ASCII classes: nearly every pattern reads letters or digits of
//!   several scripts, and the output must not change.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::nfa::contiguous;
use aho_corasick::{Anchored, MatchKind, StartKind, dfa::DFA};
use regex::{Regex, RegexSet, RegexSetBuilder};
use regex_automata::nfa::thompson::{self, WhichCaptures, pikevm::PikeVM};
use regex_automata::util::pool::Pool;
use regex_automata::{
    Anchored as SearchAnchored, Input, MatchKind as SearchKind, PatternSet, hybrid,
};
use regex_syntax::hir::{Class, Hir, HirKind, Look};
use xxhash_rust::xxh3::Xxh3DefaultBuilder;

use super::packs::{Action, Pack, Scope, Zone, compile_pattern};
use crate::normalize::for_matching;
use crate::{Error, RemovalClass};

/// One rule, compiled.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) id: String,
    pub(crate) class: RemovalClass,
    pub(crate) action: Action,
    pub(crate) zone: Zone,
    pub(crate) scope: Scope,
    pub(crate) max_line_chars: usize,
    /// The rule's pattern, compiled when first needed ([`LazyPattern`]).
    pub(crate) pattern: Option<LazyPattern>,
    has_phrases: bool,
    /// Sites of the rule's pack; empty for every site.
    sites: Vec<String>,
}

impl Rule {
    /// Whether the rule applies to documents of `site`.
    pub(crate) fn applies_to(&self, site: Option<&str>) -> bool {
        self.sites.is_empty()
            || site.is_some_and(|site| {
                self.sites.iter().any(|s| {
                    site.eq_ignore_ascii_case(s)
                        || (site.len() > s.len()
                            && site.is_char_boundary(site.len() - s.len() - 1)
                            && site[site.len() - s.len()..].eq_ignore_ascii_case(s)
                            && site.as_bytes()[site.len() - s.len() - 1] == b'.')
                })
            })
    }
}

/// A rule's pattern, compiled the first time a line needs it. A run of one page needs a
/// handful of the packs' hundreds of patterns, and compiling them all (their Unicode classes
/// make large automata) was most of a short run's start-up. Built-in patterns are known to
/// compile (a test compiles them all); those of a user's pack were compiled once when the
/// pack was loaded, so its errors are reported then.
#[derive(Debug)]
pub(crate) struct LazyPattern {
    source: String,
    compiled: OnceLock<Option<(Regex, MetaGroups)>>,
}

impl LazyPattern {
    fn new(source: &str) -> LazyPattern {
        LazyPattern { source: source.to_owned(), compiled: OnceLock::new() }
    }

    fn compiled(&self) -> Option<&(Regex, MetaGroups)> {
        self.compiled
            .get_or_init(|| {
                let regex = compile_pattern(&self.source).ok()?;
                let groups = MetaGroups::of(&regex);
                Some((regex, groups))
            })
            .as_ref()
    }

    /// The compiled pattern (`None` only if it does not compile, which the packs' checks
    /// rule out: such a pattern then matches nothing).
    pub(crate) fn regex(&self) -> Option<&Regex> {
        self.compiled().map(|(regex, _)| regex)
    }

    /// Where the metadata groups of the pattern are.
    pub(crate) fn groups(&self) -> MetaGroups {
        self.compiled().map(|&(_, groups)| groups).unwrap_or_default()
    }
}

/// The capture-group indices of the named groups a pattern stores as metadata.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct MetaGroups {
    pub(crate) published: Option<usize>,
    pub(crate) views: Option<usize>,
    pub(crate) source: Option<usize>,
    pub(crate) author: Option<usize>,
    pub(crate) dateline: Option<usize>,
}

impl MetaGroups {
    fn of(regex: &Regex) -> MetaGroups {
        let index = |name: &str| regex.capture_names().position(|n| n == Some(name));
        MetaGroups {
            published: index("published"),
            views: index("views"),
            source: index("source"),
            author: index("author"),
            dateline: index("dateline"),
        }
    }
}

/// Every rule of the loaded packs, compiled for matching.
///
/// Matching structures are built per *tier* of line length: a line of `n` characters can only
/// be matched by rules whose `max_line_chars` is at least `n`, so a 300-character paragraph
/// runs through the automata of the few rules that look at lines that long (copyright notices,
/// disclaimers) instead of all of them. The windows of long lines have their own matcher, of
/// the `start`/`end` rules only.
#[derive(Debug)]
pub(crate) struct RuleSet {
    rules: Vec<Rule>,
    /// `(longest line of the tier, its matcher)`, shortest first; the matcher of a tier holds
    /// every rule with `max_line_chars` above the previous tier's bound.
    tiers: Vec<(usize, LazyMatcher)>,
    /// The `start`/`end` rules, for windows of long lines.
    windows: LazyMatcher,
    /// The rules of the `lead` zone, matched on the lead line alone once the layout is known
    /// ([`RuleSet::matches_lead`]): a rule of that zone never changes the layout (see
    /// `zones::LineFacts`), and the tiers need not carry its patterns (agency datelines that
    /// run a letter class through every paragraph) for every other line.
    lead: LazyMatcher,
    /// The rules as written, for the matchers built when first needed.
    specs: Vec<super::packs::RuleSpec>,
    /// The longest line (in chars) that some rule outside the `lead` zone looks at whole:
    /// every line up to it is folded and matched whole. (A lead rule that reads long lead
    /// paragraphs whole, `max_line_chars = 2000`, once made every paragraph of every page be
    /// folded and walked whole.)
    max_line_chars: usize,
    /// The longest lead line that some rule of the `lead` zone looks at whole.
    max_lead_chars: usize,
    /// The longest window of the `start`/`end` rules.
    max_window_chars: usize,
    /// For `start` and `end`: the shortest line a rule of that scope sees through a window
    /// (one character more than the smallest `max_line_chars` among them). Shorter lines
    /// are matched whole by those rules, so their windows need no second look.
    shortest_windowed: [usize; 2],
}

/// Names the phrase walk of whole lines also counts, for the line shapes: the social
/// networks (`shape::NETWORKS`), so that no line is read a second time for them.
const TALLIED: &[&str] = super::shape::NETWORKS;
const _: () = assert!(TALLIED.len() <= 32, "a tally is a u32 of bits");

/// Upper bounds (in characters) of the length tiers; the last tier is unbounded.
const TIER_BOUNDS: [usize; 3] = [60, 160, 260];

/// The automata for one subset of the rules.
#[derive(Debug)]
struct Matcher {
    /// Phrases of `contains` rules; pattern `i` belongs to the rules in `phrase_rules[i]`.
    /// An Aho-Corasick automaton ([`PhraseAutomaton`]) walked byte by byte by
    /// [`walk_phrases`]: every line is read to its end for every phrase in it, which the
    /// crate's overlapping iterator does at several times the cost of that plain loop.
    phrases: Option<PhraseAutomaton>,
    phrase_rules: Vec<Vec<usize>>,
    /// Patterns from this index on are the tallied names ([`TALLIED`]), not rules' phrases:
    /// pattern `tally_base + i` sets bit `i` of the probe's tally.
    tally_base: usize,
    /// Whether the automaton holds the tallied names.
    tallies: bool,
    /// Phrases of `whole_line` rules, by their trimmed matching form. Every line is looked
    /// up: a fast fixed-seed hash (the keys are our phrases, not input).
    whole_lines: HashMap<String, Vec<usize>, Xxh3DefaultBuilder>,
    /// The longest key of `whole_lines`, in bytes: longer lines are not looked up.
    longest_whole_line: usize,
    /// Rules that have a pattern and no phrases, not anchored at the start of the line,
    /// matched together, in groups by where the pattern is anchored ([`Anchoring`]).
    pattern_only: Vec<PatternGroup>,
    /// Rules that have a pattern and no phrases, anchored at the start of the line: nearly
    /// all of them, in sets by the first byte they can match ([`StartBuckets`]).
    pattern_only_start: Option<StartBuckets>,
    /// Pattern-only rules whose pattern a DFA cannot run on non-ASCII text (Unicode word
    /// boundaries): run one by one, so that they do not push the whole set onto the slow
    /// NFA simulation.
    pattern_only_slow: Vec<usize>,
}

/// The matcher of some of the rules, built the first time a line needs it: a page of short
/// lines never needs the windows' automata, and a short run pays for the tiers it uses.
#[derive(Debug)]
struct LazyMatcher {
    /// The rules of the matcher (indices into the rule set's rules and specs).
    members: Vec<usize>,
    /// Whether the phrase automaton also counts the names of [`TALLIED`].
    tally: bool,
    built: OnceLock<Matcher>,
}

impl LazyMatcher {
    fn new(members: Vec<usize>, tally: bool) -> LazyMatcher {
        LazyMatcher { members, tally, built: OnceLock::new() }
    }

    /// Builds the matcher now, so that a user's pack reports its errors when loaded.
    fn build_now(&self, specs: &[super::packs::RuleSpec]) -> Result<(), Error> {
        let matcher = Matcher::build(specs, &self.members, self.tally)?;
        if let Some(phrases) = &matcher.phrases {
            phrases.build_dfa_now()?;
        }
        if let Some(start) = &matcher.pattern_only_start {
            start.check()?;
        }
        let _ = self.built.set(matcher);
        Ok(())
    }

    /// The matcher. The built-in packs always build (a test builds them); should a
    /// matcher fail all the same, it matches nothing rather than failing a document.
    fn get(&self, specs: &[super::packs::RuleSpec]) -> &Matcher {
        self.built.get_or_init(|| {
            Matcher::build(specs, &self.members, self.tally).unwrap_or_else(|_| Matcher::empty())
        })
    }
}

/// Pattern-only rules searched as one set.
#[derive(Debug)]
struct PatternGroup {
    set: RegexSet,
    /// The rule of each pattern of `set`.
    rules: Vec<usize>,
}

/// The pattern-only rules anchored at the start of the line, in sets by the first byte of
/// the line: a line can only match a pattern whose matches can begin with its first byte, so
/// a line needs only the set of that byte, compiled the first time a line needs it.
///
/// Compiling one set of all these patterns was most of a short run's start-up (their
/// Unicode classes make large automata, see the module docs for the figures). Patterns that
/// can begin with most bytes (a letter class, any character: the costly ones) are kept apart
/// from the narrow ones (a literal word, a digit), in two layers, each split by first byte:
/// otherwise every letter's set would hold them and a long run would compile them once per
/// letter. Sets of bytes whose patterns nearly agree are merged ([`StartBuckets::new`]), so
/// that a run compiles each pattern a few times at most. A line runs at most two sets.
#[derive(Debug)]
struct StartBuckets {
    /// The parsed patterns, compiled into sets when first needed.
    hirs: Vec<Hir>,
    /// The rule of each pattern of `hirs`.
    rules: Vec<usize>,
    /// For each first byte, and at index 256 for the empty line: the sets to run, indices
    /// into `sets`, broad layer then narrow ([`NO_SET`] for none).
    by_key: Box<[[u16; 2]; 257]>,
    sets: Vec<LazyStartSet>,
}

/// No set for this key in this layer.
const NO_SET: u16 = u16::MAX;

/// A pattern whose first bytes number at least this many belongs to the broad layer of
/// [`StartBuckets`]. A letter class (`\p{L}`) can begin with about a hundred bytes, a
/// digit (`\d`) with a dozen and a half, a word with one or two.
const BROAD_FIRST_BYTES: u32 = 64;

/// Two keys share a set when adding either's patterns to the other grows it by at most a
/// quarter: their patterns are compiled once instead of twice, at the cost of running a few
/// patterns that cannot match.
const MERGE_GROWTH: (usize, usize) = (5, 4);

/// Some patterns of a [`StartBuckets`], compiled into one set when first needed.
#[derive(Debug)]
struct LazyStartSet {
    /// Indices into the buckets' patterns, ascending.
    members: Vec<usize>,
    compiled: OnceLock<Option<StartSet>>,
}

impl StartBuckets {
    fn new(hirs: Vec<Hir>, rules: Vec<usize>) -> StartBuckets {
        let shapes: Vec<(ByteSet, bool)> = hirs.iter().map(first_bytes).collect();
        let broad: Vec<bool> = (shapes.iter())
            .map(|(bytes, nullable)| *nullable || bytes.len() >= BROAD_FIRST_BYTES)
            .collect();
        let mut by_key = Box::new([[NO_SET; 2]; 257]);
        let mut sets: Vec<Vec<usize>> = Vec::new();
        for (layer, is_broad) in [true, false].into_iter().enumerate() {
            let first_set = sets.len();
            for key in 0..257usize {
                let members: Vec<usize> = (0..hirs.len())
                    .filter(|&p| broad[p] == is_broad)
                    .filter(|&p| shapes[p].1 || u8::try_from(key).is_ok_and(|b| shapes[p].0.has(b)))
                    .collect();
                if members.is_empty() {
                    continue;
                }
                let close = |set: &Vec<usize>| {
                    let union = union_len(set, &members);
                    union * MERGE_GROWTH.1 <= members.len() * MERGE_GROWTH.0
                        && union * MERGE_GROWTH.1 <= set.len() * MERGE_GROWTH.0
                };
                let slot = match (first_set..sets.len()).find(|&i| close(&sets[i])) {
                    Some(i) => {
                        let merged = union(&sets[i], &members);
                        sets[i] = merged;
                        i
                    }
                    None => {
                        sets.push(members);
                        sets.len() - 1
                    }
                };
                by_key[key][layer] = u16::try_from(slot).unwrap_or(NO_SET);
            }
        }
        let sets = (sets.into_iter())
            .map(|members| LazyStartSet { members, compiled: OnceLock::new() })
            .collect();
        StartBuckets { hirs, rules, by_key, sets }
    }

    /// Calls `found(rule)` for the rule of every pattern that matches `line`.
    fn candidates(&self, line: &str, found: &mut impl FnMut(usize)) {
        let key = line.as_bytes().first().map_or(256, |&b| usize::from(b));
        for &slot in &self.by_key[key] {
            let Some(lazy) = self.sets.get(usize::from(slot)) else { continue };
            let Some(set) = self.set(lazy) else { continue };
            set.matches(line, |pattern| {
                if let Some(&member) = lazy.members.get(pattern) {
                    found(self.rules[member]);
                }
            });
        }
    }

    /// How many patterns the sets that `line` runs hold (a pattern in both counts twice).
    #[cfg(test)]
    fn patterns_for(&self, line: &str) -> usize {
        let key = line.as_bytes().first().map_or(256, |&b| usize::from(b));
        let sets = self.by_key[key].iter().filter_map(|&slot| self.sets.get(usize::from(slot)));
        sets.map(|lazy| lazy.members.len()).sum()
    }

    /// The compiled set of `lazy`. The built-in packs always compile (a test compiles every
    /// set); a set that failed all the same matches nothing rather than failing a document.
    fn set<'a>(&self, lazy: &'a LazyStartSet) -> Option<&'a StartSet> {
        (lazy.compiled)
            .get_or_init(|| {
                let hirs: Vec<&Hir> = lazy.members.iter().map(|&p| &self.hirs[p]).collect();
                StartSet::build(&hirs).ok()
            })
            .as_ref()
    }

    /// Compiles one set of every pattern, to report its errors now (a user's pack, when it
    /// is loaded). Each set of the buckets holds some of these patterns, so it compiles too
    /// when first needed: its automaton is smaller than this one, which kept to the limits.
    fn check(&self) -> Result<(), Error> {
        let hirs: Vec<&Hir> = self.hirs.iter().collect();
        StartSet::build(&hirs).map(|_| ())
    }
}

fn union_len(a: &[usize], b: &[usize]) -> usize {
    let common = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
    a.len() + b.len() - common
}

fn union(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut out: Vec<usize> = a.iter().chain(b).copied().collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// A set of bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert_range(&mut self, from: u8, to: u8) {
        for byte in from..=to {
            self.0[usize::from(byte >> 6)] |= 1 << (byte & 63);
        }
    }

    fn union(&mut self, other: ByteSet) {
        for (word, other) in self.0.iter_mut().zip(other.0) {
            *word |= other;
        }
    }

    fn has(&self, byte: u8) -> bool {
        self.0[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0
    }

    fn len(&self) -> u32 {
        self.0.iter().map(|word| word.count_ones()).sum()
    }
}

/// The bytes a match of `hir` can begin with, and whether it can match the empty string (a
/// nullable pattern can match a line that begins with any byte). An over-estimate is safe:
/// it only puts a pattern in more sets than it needs.
fn first_bytes(hir: &Hir) -> (ByteSet, bool) {
    let mut bytes = ByteSet::default();
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => (bytes, true),
        HirKind::Literal(literal) => match literal.0.first() {
            Some(&byte) => {
                bytes.insert_range(byte, byte);
                (bytes, false)
            }
            None => (bytes, true),
        },
        HirKind::Class(Class::Bytes(class)) => {
            class.ranges().iter().for_each(|r| bytes.insert_range(r.start(), r.end()));
            (bytes, false)
        }
        HirKind::Class(Class::Unicode(class)) => {
            for range in class.ranges() {
                // The leading byte of a UTF-8 sequence grows with the code point among the
                // code points of one encoded length: each length's part of the range gives
                // one run of leading bytes.
                let lengths: [(u32, u32); 4] =
                    [(0, 0x7F), (0x80, 0x7FF), (0x800, 0xFFFF), (0x1_0000, 0x10_FFFF)];
                for (low, high) in lengths {
                    let (from, to) =
                        (u32::from(range.start()).max(low), u32::from(range.end()).min(high));
                    if from <= to {
                        bytes.insert_range(leading_byte(from), leading_byte(to));
                    }
                }
            }
            (bytes, false)
        }
        HirKind::Repetition(repetition) => {
            let (sub, nullable) = first_bytes(&repetition.sub);
            (sub, nullable || repetition.min == 0)
        }
        HirKind::Capture(capture) => first_bytes(&capture.sub),
        HirKind::Concat(subs) => {
            for sub in subs {
                let (sub, nullable) = first_bytes(sub);
                bytes.union(sub);
                if !nullable {
                    return (bytes, false);
                }
            }
            (bytes, true)
        }
        HirKind::Alternation(subs) => {
            let mut any_nullable = false;
            for sub in subs {
                let (sub, nullable) = first_bytes(sub);
                bytes.union(sub);
                any_nullable |= nullable;
            }
            (bytes, any_nullable)
        }
    }
}

/// The first byte of the UTF-8 form of the code point `c` (surrogates, which no `char` is,
/// get the leading byte of their neighbours: 0xED).
fn leading_byte(c: u32) -> u8 {
    match c {
        0..=0x7F => c as u8,
        0x80..=0x7FF => 0xC0 | (c >> 6) as u8,
        0x800..=0xFFFF => 0xE0 | (c >> 12) as u8,
        _ => 0xF0 | (c >> 18).min(7) as u8,
    }
}

/// Caches of one search of a [`StartSet`]: its lazy DFA's states, the fallback's scratch.
#[derive(Debug)]
struct StartCaches {
    dfa: Option<hybrid::dfa::Cache>,
    pikevm: regex_automata::nfa::thompson::pikevm::Cache,
}

type MakeCaches =
    Box<dyn Fn() -> StartCaches + Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>;

/// Patterns anchored at the start of the line, searched together: a forward NFA, run by a
/// lazy DFA with the NFA simulation as fallback, as `regex`'s sets do. Unlike a `RegexSet`,
/// no reverse NFA is compiled: an anchored set search never runs one (it only finds where a
/// match starts, which is the start here), and it cost as much to compile as the forward one.
struct StartSet {
    dfa: Option<hybrid::dfa::DFA>,
    pikevm: PikeVM,
    patterns: usize,
    caches: Pool<StartCaches, MakeCaches>,
}

impl std::fmt::Debug for StartSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartSet").field("patterns", &self.patterns).finish_non_exhaustive()
    }
}

/// The size limits of a set: those the `RegexSet`s are built with.
const SET_SIZE_LIMIT: usize = 64 << 20;

impl StartSet {
    fn build(hirs: &[&Hir]) -> Result<StartSet, Error> {
        let fail =
            |e: &dyn std::fmt::Display| Error::config(format!("cannot build the pattern set: {e}"));
        // The configuration of a `regex` set: UTF-8 matches, no capture groups, its size
        // limits, all matches reported.
        let nfa = thompson::Compiler::new()
            .configure(
                thompson::Config::new()
                    .utf8(true)
                    .which_captures(WhichCaptures::None)
                    .nfa_size_limit(Some(SET_SIZE_LIMIT))
                    .shrink(false),
            )
            .build_many_from_hir(hirs)
            .map_err(|e| fail(&e))?;
        let pikevm = PikeVM::builder()
            .configure(PikeVM::config().match_kind(SearchKind::All))
            .build_from_nfa(nfa.clone())
            .map_err(|e| fail(&e))?;
        // As `regex` configures its lazy DFA; should it not build (a cache too small for
        // the automaton), the NFA simulation answers alone.
        let dfa = hybrid::dfa::Builder::new()
            .configure(
                hybrid::dfa::Config::new()
                    .match_kind(SearchKind::All)
                    .unicode_word_boundary(true)
                    .cache_capacity(SET_SIZE_LIMIT)
                    .skip_cache_capacity_check(false)
                    .minimum_cache_clear_count(Some(3))
                    .minimum_bytes_per_state(Some(10)),
            )
            .build_from_nfa(nfa)
            .ok();
        let (for_dfa, for_pikevm) = (dfa.clone(), pikevm.clone());
        let make: MakeCaches = Box::new(move || StartCaches {
            dfa: for_dfa.as_ref().map(hybrid::dfa::DFA::create_cache),
            pikevm: for_pikevm.create_cache(),
        });
        Ok(StartSet { dfa, pikevm, patterns: hirs.len(), caches: Pool::new(make) })
    }

    /// Calls `found(pattern)` for every pattern that matches `line` (at its start: every
    /// pattern is anchored there). Most lines match none: a search that stops at the first
    /// match rules that out before the search for every pattern that matches.
    fn matches(&self, line: &str, mut found: impl FnMut(usize)) {
        let input = Input::new(line).anchored(SearchAnchored::Yes);
        let mut caches = self.caches.get();
        let caches = &mut *caches;
        let any = match (&self.dfa, caches.dfa.as_mut()) {
            (Some(dfa), Some(cache)) => {
                dfa.try_search_fwd(cache, &input.clone().earliest(true)).map(|m| m.is_some()).ok()
            }
            _ => None,
        };
        let any = any.unwrap_or_else(|| self.pikevm.is_match(&mut caches.pikevm, input.clone()));
        if !any {
            return;
        }
        let mut matched = PatternSet::new(self.patterns);
        let by_dfa = match (&self.dfa, caches.dfa.as_mut()) {
            (Some(dfa), Some(cache)) => {
                dfa.try_which_overlapping_matches(cache, &input, &mut matched).is_ok()
            }
            _ => false,
        };
        if !by_dfa {
            matched.clear();
            self.pikevm.which_overlapping_matches(&mut caches.pikevm, &input, &mut matched);
        }
        matched.iter().for_each(|pattern| found(pattern.as_usize()));
    }
}

/// Where every match of a pattern must stand. Nearly every pattern of the packs is anchored
/// at the start or at the end of the line. A set of patterns that all are is searched
/// anchored (forwards from the start, or backwards from the end: `regex` sees it), and stops
/// at the first character that cannot continue a match; one set of them all would be
/// searched unanchored, through the whole line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchoring {
    Start,
    End,
    Neither,
}

impl Anchoring {
    /// Where the matches of `hir` stand.
    fn of(hir: &Hir) -> Anchoring {
        let properties = hir.properties();
        if properties.look_set_prefix().contains(Look::Start) {
            Anchoring::Start
        } else if properties.look_set_suffix().contains(Look::End) {
            Anchoring::End
        } else {
            Anchoring::Neither
        }
    }
}

impl Matcher {
    /// Builds the automata of the rules `members` (indices into `specs`).
    /// With `tally`, the phrase automaton also counts the names of [`TALLIED`].
    fn build(
        specs: &[super::packs::RuleSpec],
        members: &[usize],
        tally: bool,
    ) -> Result<Matcher, Error> {
        let mut phrase_index: HashMap<String, usize> = HashMap::new();
        let mut phrase_list: Vec<String> = Vec::new();
        let mut phrase_rules: Vec<Vec<usize>> = Vec::new();
        let mut whole_lines: HashMap<String, Vec<usize>, Xxh3DefaultBuilder> = HashMap::default();
        let mut pattern_only_sources: [(Vec<String>, Vec<usize>); 3] = Default::default();
        let mut start_hirs = Vec::new();
        let mut start_rules = Vec::new();
        let mut pattern_only_slow = Vec::new();
        for &index in members {
            let spec = &specs[index];
            for phrase in &spec.phrases {
                let folded = for_matching(phrase);
                if spec.whole_line {
                    let owners =
                        whole_lines.entry(trim_decoration(&folded).to_owned()).or_default();
                    if !owners.contains(&index) {
                        owners.push(index);
                    }
                } else {
                    let slot = *phrase_index.entry(folded.clone()).or_insert_with(|| {
                        phrase_list.push(folded);
                        phrase_rules.push(Vec::new());
                        phrase_rules.len() - 1
                    });
                    if !phrase_rules[slot].contains(&index) {
                        phrase_rules[slot].push(index);
                    }
                }
            }
            if let (true, Some(p)) = (spec.phrases.is_empty(), &spec.pattern) {
                if p.contains("\\b") || p.contains("\\B") {
                    pattern_only_slow.push(index);
                } else {
                    // Parsed once: the anchoring and the first bytes are read off the same
                    // tree that the start buckets compile. (A pattern that does not parse
                    // goes to a `regex` set, which reports the error.)
                    let hir = regex_syntax::parse(p).ok();
                    let anchoring = hir.as_ref().map_or(Anchoring::Neither, Anchoring::of);
                    match (anchoring, hir) {
                        (Anchoring::Start, Some(hir)) => {
                            start_hirs.push(hir);
                            start_rules.push(index);
                        }
                        _ => {
                            let (sources, rules) = &mut pattern_only_sources[anchoring as usize];
                            sources.push(p.clone());
                            rules.push(index);
                        }
                    }
                }
            }
        }
        let tally_base = phrase_list.len();
        if tally {
            phrase_list.extend(TALLIED.iter().map(|name| (*name).to_owned()));
        }
        let phrases = match phrase_list.is_empty() {
            true => None,
            false => Some(PhraseAutomaton::build(phrase_list)?),
        };
        let mut pattern_only = Vec::new();
        for (sources, rules) in pattern_only_sources {
            if sources.is_empty() {
                continue;
            }
            let set = RegexSetBuilder::new(&sources)
                .size_limit(64 << 20)
                .dfa_size_limit(64 << 20)
                .build()
                .map_err(|e| Error::config(format!("cannot build the pattern set: {e}")))?;
            pattern_only.push(PatternGroup { set, rules });
        }
        let pattern_only_start = match start_hirs.is_empty() {
            true => None,
            false => Some(StartBuckets::new(start_hirs, start_rules)),
        };
        let longest_whole_line = whole_lines.keys().map(String::len).max().unwrap_or(0);
        Ok(Matcher {
            phrases,
            phrase_rules,
            tally_base,
            tallies: tally,
            whole_lines,
            longest_whole_line,
            pattern_only,
            pattern_only_start,
            pattern_only_slow,
        })
    }

    /// A matcher of no rules.
    fn empty() -> Matcher {
        Matcher {
            phrases: None,
            phrase_rules: Vec::new(),
            tally_base: 0,
            tallies: false,
            whole_lines: HashMap::default(),
            longest_whole_line: 0,
            pattern_only: Vec::new(),
            pattern_only_start: None,
            pattern_only_slow: Vec::new(),
        }
    }

    /// The candidates of `line` that do not come from the phrase automaton: `whole_line`
    /// phrases and pattern-only rules. `matched` is scratch space for which patterns of a
    /// set matched, kept by the caller from line to line (a `SetMatches` would allocate one
    /// per line and set).
    fn other_candidates(
        &self,
        rules: &[Rule],
        line: &str,
        matched: &mut Vec<bool>,
        mut found: impl FnMut(usize),
    ) {
        let trimmed = trim_decoration(line);
        if trimmed.len() <= self.longest_whole_line
            && let Some(owners) = self.whole_lines.get(trimmed)
        {
            owners.iter().for_each(|&rule| found(rule));
        }
        // Most lines match no pattern: a plain (leftmost, stop-early) search rules that out
        // before the slower search for every pattern that matches. (That overlapping search
        // alone, even anchored, is slower on both bench batches: 107 -> 85 MB/s.)
        for group in &self.pattern_only {
            if group.set.is_match(line) {
                matched.clear();
                matched.resize(group.rules.len(), false);
                group.set.matches_read_at(matched, line, 0);
                let hits = matched.iter().zip(&group.rules).filter(|(hit, _)| **hit);
                hits.for_each(|(_, &rule)| found(rule));
            }
        }
        if let Some(start) = &self.pattern_only_start {
            start.candidates(line, &mut found);
        }
        for &index in &self.pattern_only_slow {
            if rules[index]
                .pattern
                .as_ref()
                .and_then(LazyPattern::regex)
                .is_some_and(|re| re.is_match(line))
            {
                found(index);
            }
        }
    }
}

/// The phrase automaton of a matcher, in two forms that report the same phrases at the same
/// bytes: a contiguous NFA, built in a fraction of the time, walks the first
/// [`PhraseAutomaton::WALKED_BEFORE_DFA`] bytes; then the full DFA, which walks each byte with
/// one table load, is built and walks the rest. A one-page run never pays for the DFA (it was
/// a quarter of such a run's start-up); a batch pays for it once. Which form walked a line
/// changes nothing in the output.
#[derive(Debug)]
struct PhraseAutomaton {
    /// The phrases, to build the DFA from.
    phrases: Vec<String>,
    nfa: contiguous::NFA,
    dfa: OnceLock<Option<DFA>>,
    /// Bytes walked with the NFA so far (over all threads).
    walked: AtomicUsize,
}

/// The form of a [`PhraseAutomaton`] that walks a probe.
enum PhraseWalker<'a> {
    Nfa(&'a contiguous::NFA),
    Dfa(&'a DFA),
}

impl PhraseAutomaton {
    /// Bytes walked with the NFA before the DFA is built: a few dozen pages. (The NFA walks
    /// a byte at about half the DFA's speed; the DFA of the shortest lines' tier takes as
    /// long to build as the NFA takes to walk a few megabytes.)
    const WALKED_BEFORE_DFA: usize = 64 * 1024;

    fn build(phrases: Vec<String>) -> Result<PhraseAutomaton, Error> {
        let nfa = contiguous::NFA::builder()
            .match_kind(MatchKind::Standard)
            .build(&phrases)
            .map_err(|e| Error::config(format!("cannot build the phrase automaton: {e}")))?;
        Ok(PhraseAutomaton { phrases, nfa, dfa: OnceLock::new(), walked: AtomicUsize::new(0) })
    }

    fn build_dfa(&self) -> Result<DFA, Error> {
        DFA::builder()
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .prefilter(false)
            .build(&self.phrases)
            .map_err(|e| Error::config(format!("cannot build the phrase automaton: {e}")))
    }

    /// Builds the DFA now (a user's pack: its errors are reported when it is loaded).
    fn build_dfa_now(&self) -> Result<(), Error> {
        let dfa = self.build_dfa()?;
        let _ = self.dfa.set(Some(dfa));
        Ok(())
    }

    /// The form to walk `bytes` more bytes with.
    fn walker(&self, bytes: usize) -> PhraseWalker<'_> {
        if let Some(Some(dfa)) = self.dfa.get() {
            return PhraseWalker::Dfa(dfa);
        }
        let walked = self.walked.fetch_add(bytes, Ordering::Relaxed).saturating_add(bytes);
        if walked >= Self::WALKED_BEFORE_DFA
            && let Some(dfa) = self.dfa.get_or_init(|| self.build_dfa().ok())
        {
            return PhraseWalker::Dfa(dfa);
        }
        PhraseWalker::Nfa(&self.nfa)
    }
}

/// One probe's walk through the phrase automaton of its matcher.
///
/// Standard (not leftmost) semantics: the match states on the way name every phrase that ends
/// at that byte, overlaps included, and the walk never dies. (An unanchored start state always
/// exists: the DFA is built with one.)
///
/// A walk is a chain of dependent table loads, one per byte, so its speed is the latency of
/// that load; [`walk_phrases`] walks [`LANES`] probes side by side so that their loads overlap.
struct Lane<'a, A> {
    matcher: &'a Matcher,
    automaton: &'a A,
    bytes: &'a [u8],
    state: StateID,
    /// The next byte to read.
    at: usize,
    /// The probe walked (an index into the caller's list).
    probe: usize,
    /// Which names of [`TALLIED`] the walk met: bit `i` for name `i`.
    tally: u32,
}

impl<'a, A: Automaton> Lane<'a, A> {
    fn new(matcher: &'a Matcher, automaton: &'a A, bytes: &'a [u8], probe: usize) -> Self {
        // Both forms are built with an unanchored start state; without one, the dead state
        // (which matches nothing) is the honest answer.
        let state = automaton.start_state(Anchored::No).unwrap_or(StateID::ZERO);
        Lane { matcher, automaton, bytes, state, at: 0, probe, tally: 0 }
    }

    /// The state after `byte` from `state`; reports the rules of the phrases ending there.
    #[inline(always)]
    fn next(&mut self, state: StateID, byte: u8, found: &mut impl FnMut(usize, usize)) -> StateID {
        let state = self.automaton.next_state(Anchored::No, state, byte);
        if self.automaton.is_special(state) && self.automaton.is_match(state) {
            self.report(state, found);
        }
        state
    }

    /// Reports the rules of every phrase that ends in the match state `state`. Kept out of
    /// line: most bytes end no phrase, and the walk's loop stays small.
    #[inline(never)]
    fn report(&mut self, state: StateID, found: &mut impl FnMut(usize, usize)) {
        for i in 0..self.automaton.match_len(state) {
            let pattern = self.automaton.match_pattern(state, i).as_usize();
            if let Some(name) = pattern.checked_sub(self.matcher.tally_base) {
                self.tally |= 1 << name;
                continue;
            }
            for &rule in self.matcher.phrase_rules.get(pattern).into_iter().flatten() {
                found(self.probe, rule);
            }
        }
    }

    /// Reads the rest of the bytes.
    fn finish(&mut self, mut found: impl FnMut(usize, usize)) {
        // The state stays in a register: stored back once, not once per byte.
        let mut state = self.state;
        for &byte in self.bytes.get(self.at..).unwrap_or_default() {
            state = self.next(state, byte, &mut found);
        }
        self.state = state;
        self.at = self.bytes.len();
    }
}

/// How many probes [`walk_phrases`] walks side by side. Measured on generated news pages:
/// two lanes walk 1.7 times as fast as one, four 1.9 times.
const LANES: usize = 4;

/// Walks every lane to its end, [`LANES`] at a time, longest first so that the lanes walked
/// together are about as long. `found(probe, rule)` is called for every phrase match.
fn walk_phrases<A: Automaton>(lanes: &mut [Lane<'_, A>], mut found: impl FnMut(usize, usize)) {
    lanes.sort_by_key(|lane| std::cmp::Reverse(lane.bytes.len()));
    for group in lanes.chunks_mut(LANES) {
        if let Ok(group) = <&mut [Lane<'_, A>; LANES]>::try_from(&mut *group) {
            // Together up to the end of the shortest (the last: sorted), then each alone;
            // the states are locals, so that they stay in registers.
            let together = group[LANES - 1].bytes.len();
            let mut states = group.each_ref().map(|lane| lane.state);
            let [b0, b1, b2, b3] =
                group.each_ref().map(|lane| lane.bytes.get(..together).unwrap_or_default());
            // Zipped, the four byte slices are read with no bounds check per byte.
            for (((&x0, &x1), &x2), &x3) in b0.iter().zip(b1).zip(b2).zip(b3) {
                for (lane, byte) in [x0, x1, x2, x3].into_iter().enumerate() {
                    states[lane] = group[lane].next(states[lane], byte, &mut found);
                }
            }
            for (lane, state) in group.iter_mut().zip(states) {
                lane.state = state;
                lane.at = together;
            }
        }
        for lane in group {
            lane.finish(&mut found);
        }
    }
}

/// One line, or one window of a line, to match with [`RuleSet::matches_many`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe<'a> {
    /// The matching form of the line or window.
    pub(crate) form: &'a str,
    /// The length of the line in characters (of the whole line, for a window).
    pub(crate) chars: usize,
    /// `None` for the whole line; the scope of the window otherwise.
    pub(crate) window: Option<Scope>,
}

/// The most a `start`/`end` rule sees of a long line. Datelines and attribution clauses are
/// far shorter; every character of the window is normalised for every long paragraph, so the
/// window is what long text costs.
pub(crate) const MAX_WINDOW_CHARS: usize = 160;

/// Characters trimmed from both ends of a line before a `whole_line` comparison.
pub(crate) fn trim_decoration(line: &str) -> &str {
    line.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                ':' | '.'
                    | '!'
                    | '?'
                    | '›'
                    | '»'
                    | '→'
                    | '•'
                    | '*'
                    | '#'
                    | '|'
                    | '-'
                    | '…'
                    | '>'
                    | '<'
                    | '·'
                    | '"'
            )
    })
}

impl RuleSet {
    /// Compiles the rules of `packs`, in order.
    pub(crate) fn build(packs: &[Pack]) -> Result<RuleSet, Error> {
        let mut rules = Vec::new();
        let mut specs = Vec::new();
        let mut seen_ids = std::collections::BTreeMap::new();
        for pack in packs {
            for spec in &pack.rules {
                if let Some(other) = seen_ids.insert(spec.id.clone(), pack.name.clone()) {
                    return Err(Error::pack(
                        &pack.name,
                        Some(&spec.id),
                        format!("rule id is also used by pack {other}"),
                    ));
                }
                rules.push(Rule {
                    id: spec.id.clone(),
                    class: spec.class,
                    action: spec.action,
                    zone: spec.zone,
                    scope: spec.scope,
                    max_line_chars: spec.max_line_chars,
                    pattern: spec.pattern.as_deref().map(LazyPattern::new),
                    has_phrases: !spec.phrases.is_empty(),
                    sites: pack.sites.clone(),
                });
                specs.push(spec.clone());
            }
        }
        let mut tiers = Vec::new();
        let mut lower = 0;
        for bound in TIER_BOUNDS.into_iter().chain([usize::MAX]) {
            let members: Vec<usize> = (0..rules.len())
                .filter(|&i| rules[i].max_line_chars > lower && rules[i].zone != Zone::Lead)
                .collect();
            tiers.push((bound, LazyMatcher::new(members, true)));
            lower = bound;
        }
        let window_members: Vec<usize> =
            (0..rules.len()).filter(|&i| rules[i].scope != Scope::Line).collect();
        let windows = LazyMatcher::new(window_members, false);
        let lead_members: Vec<usize> =
            (0..rules.len()).filter(|&i| rules[i].zone == Zone::Lead).collect();
        let lead = LazyMatcher::new(lead_members, false);
        // A user's pack is checked whole now: its errors are the caller's to see.
        if packs.iter().any(|pack| !pack.builtin) {
            let matchers = tiers.iter().map(|(_, m)| m).chain([&windows, &lead]);
            for matcher in matchers {
                matcher.build_now(&specs)?;
            }
        }
        let longest = |lead: bool| {
            let of_zone = rules.iter().filter(|r| (r.zone == Zone::Lead) == lead);
            of_zone.map(|r| r.max_line_chars).max().unwrap_or(0)
        };
        let (max_line_chars, max_lead_chars) = (longest(false), longest(true));
        let max_window_chars = rules
            .iter()
            .filter(|r| r.scope != Scope::Line)
            .map(|r| r.max_line_chars)
            .max()
            .unwrap_or(0)
            .min(MAX_WINDOW_CHARS);
        let shortest_windowed = [Scope::Start, Scope::End].map(|scope| {
            rules
                .iter()
                .filter(|r| r.scope == scope)
                .map(|r| r.max_line_chars.saturating_add(1))
                .min()
                .unwrap_or(usize::MAX)
        });
        Ok(RuleSet {
            rules,
            tiers,
            windows,
            lead,
            specs,
            max_line_chars,
            max_lead_chars,
            max_window_chars,
            shortest_windowed,
        })
    }

    /// The rule at `index`.
    pub(crate) fn rule(&self, index: usize) -> &Rule {
        &self.rules[index]
    }

    /// How many rules there are.
    pub(crate) fn len(&self) -> usize {
        self.rules.len()
    }

    /// Lines with more characters than this are only seen through windows.
    pub(crate) fn max_line_chars(&self) -> usize {
        self.max_line_chars
    }

    /// [`RuleSet::max_line_chars`] of the rules of the `lead` zone.
    pub(crate) fn max_lead_chars(&self) -> usize {
        self.max_lead_chars
    }

    /// The window, in characters, that `start`/`end` rules see of a long line.
    pub(crate) fn max_window_chars(&self) -> usize {
        self.max_window_chars
    }

    /// Whether some rule of `scope` (`start` or `end`) looks at a window of a line of `chars`
    /// characters.
    pub(crate) fn has_window_rules(&self, scope: Scope, chars: usize) -> bool {
        let shortest = match scope {
            Scope::Start => self.shortest_windowed[0],
            Scope::End => self.shortest_windowed[1],
            Scope::Line => return false,
        };
        chars >= shortest
    }

    /// The matcher for a line of `chars` characters, or for a window of one.
    fn matcher(&self, chars: usize, window: Option<Scope>) -> Option<&Matcher> {
        match window {
            Some(_) => Some(self.windows.get(&self.specs)),
            None => {
                let tier = self.tiers.iter().find(|(bound, _)| chars <= *bound);
                tier.or(self.tiers.last()).map(|(_, matcher)| matcher.get(&self.specs))
            }
        }
    }

    /// Appends to `out`, in rule order, every rule outside the `lead` zone that matches the
    /// matching form `line`.
    ///
    /// `chars` is the length of the line in characters (of the whole line, when `window` is
    /// `Some`). With `window`, `line` is the first or last part of a long line, and only the
    /// rules with that scope are considered.
    #[cfg(test)]
    pub(crate) fn matches(
        &self,
        line: &str,
        chars: usize,
        window: Option<Scope>,
        site: Option<&str>,
        out: &mut Vec<usize>,
    ) {
        let mut pairs = Vec::new();
        self.matches_many(&[Probe { form: line, chars, window }], &mut pairs, &mut Vec::new());
        let for_site = pairs.into_iter().filter(|&(_, rule)| self.rules[rule].applies_to(site));
        out.extend(for_site.map(|(_, rule)| rule));
    }

    /// [`RuleSet::matches`] for many probes at once (the lines of a document), and for every
    /// site: appends `(probe, rule)` to `out` for every match, in order of probe, then of
    /// rule; the caller keeps the rules that apply to its site ([`Rule::applies_to`]). The
    /// phrase automata are walked side by side ([`walk_phrases`]).
    ///
    /// `tallies` gets, for each probe, which names of [`TALLIED`] the whole line holds (bit
    /// `i` for name `i`), or `None` where the walk did not count them (windows, and lines
    /// whose tier has no phrase automaton).
    pub(crate) fn matches_many(
        &self,
        probes: &[Probe<'_>],
        out: &mut Vec<(usize, usize)>,
        tallies: &mut Vec<Option<u32>>,
    ) {
        let matcher_of = |probe: &Probe<'_>| self.matcher(probe.chars, probe.window);
        self.collect(probes, matcher_of, out, tallies);
    }

    /// [`RuleSet::matches_many`] for the rules of the `lead` zone, on the whole lead line.
    pub(crate) fn matches_lead(&self, line: &str, chars: usize, out: &mut Vec<(usize, usize)>) {
        let probe = Probe { form: line, chars, window: None };
        self.collect(&[probe], |_| Some(self.lead.get(&self.specs)), out, &mut Vec::new());
    }

    /// Appends `(probe, rule)` for every rule of `matcher_of(probe)` that matches a probe,
    /// in order of probe, then of rule.
    fn collect<'m>(
        &'m self,
        probes: &[Probe<'_>],
        matcher_of: impl Fn(&Probe<'_>) -> Option<&'m Matcher>,
        out: &mut Vec<(usize, usize)>,
        tallies: &mut Vec<Option<u32>>,
    ) {
        let mut dfa_lanes: Vec<Lane<'_, DFA>> = Vec::with_capacity(probes.len());
        let mut nfa_lanes: Vec<Lane<'_, contiguous::NFA>> = Vec::new();
        for (probe, p) in probes.iter().enumerate() {
            let Some(matcher) = matcher_of(p) else { continue };
            let Some(automaton) = matcher.phrases.as_ref() else { continue };
            let bytes = p.form.as_bytes();
            match automaton.walker(bytes.len()) {
                PhraseWalker::Dfa(dfa) => dfa_lanes.push(Lane::new(matcher, dfa, bytes, probe)),
                PhraseWalker::Nfa(nfa) => nfa_lanes.push(Lane::new(matcher, nfa, bytes, probe)),
            }
        }
        let mut candidates = Vec::new();
        walk_phrases(&mut dfa_lanes, |probe, rule| candidates.push((probe, rule)));
        walk_phrases(&mut nfa_lanes, |probe, rule| candidates.push((probe, rule)));
        tallies.clear();
        tallies.resize(probes.len(), None);
        let dfa_tallies = dfa_lanes.iter().map(|lane| (lane.matcher, lane.probe, lane.tally));
        let nfa_tallies = nfa_lanes.iter().map(|lane| (lane.matcher, lane.probe, lane.tally));
        for (matcher, probe, tally) in dfa_tallies.chain(nfa_tallies) {
            if matcher.tallies {
                tallies[probe] = Some(tally);
            }
        }
        let mut matched = Vec::new();
        for (index, probe) in probes.iter().enumerate() {
            if let Some(matcher) = matcher_of(probe) {
                let found = |rule| candidates.push((index, rule));
                matcher.other_candidates(&self.rules, probe.form, &mut matched, found);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        out.extend(candidates.into_iter().filter(|&(index, rule)| {
            let probe = &probes[index];
            self.confirms(rule, probe.form, probe.chars, probe.window)
        }));
    }

    /// Whether the candidate `rule` holds for the probe: eligible by length and scope, and
    /// (a rule with phrases) its pattern matches too; pattern-only rules matched already.
    fn confirms(&self, rule: usize, line: &str, chars: usize, window: Option<Scope>) -> bool {
        let rule = &self.rules[rule];
        let eligible = match window {
            None => chars <= rule.max_line_chars,
            Some(scope) => rule.scope == scope && chars > rule.max_line_chars,
        };
        let pattern = || rule.pattern.as_ref().and_then(LazyPattern::regex);
        eligible && !(rule.has_phrases && pattern().is_some_and(|re| !re.is_match(line)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::packs::{self, builtin_names, load_builtin};
    use super::*;

    fn set(toml: &str) -> RuleSet {
        RuleSet::build(&[packs::parse("t", toml).unwrap()]).unwrap()
    }

    fn matched(set: &RuleSet, line: &str) -> Vec<String> {
        let m = for_matching(line);
        let mut out = Vec::new();
        set.matches(&m, m.chars().count(), None, None, &mut out);
        out.into_iter().map(|i| set.rule(i).id.clone()).collect()
    }

    #[test]
    fn phrases_patterns_and_whole_lines() {
        let set = set(r#"
            [pack]
            name = "t"
            [[rule]]
            id = "t.error_prompt.ctrl"
            class = "error_prompt"
            phrases = ["ctrl+enter", "ctrl + enter"]
            pattern = 'ошибк|error'
            [[rule]]
            id = "t.related_tail.read_also"
            class = "related_tail"
            action = "cut_tail"
            whole_line = true
            phrases = ["читайте также"]
            [[rule]]
            id = "t.header.date"
            class = "header"
            pattern = '^\d{2}\.\d{2}\.\d{4}$'
            max_line_chars = 12
        "#);
        assert_eq!(matched(&set, "Нашли ошибку? Нажмите Ctrl + Enter"), ["t.error_prompt.ctrl"]);
        assert!(matched(&set, "Press Ctrl+Enter to send").is_empty());
        assert_eq!(matched(&set, "ЧИТАЙТЕ ТАКЖЕ:"), ["t.related_tail.read_also"]);
        assert!(matched(&set, "Читайте также интервью с министром в следующем номере.").is_empty());
        assert_eq!(matched(&set, "25.06.2024"), ["t.header.date"]);
    }

    #[test]
    fn site_packs_apply_to_their_sites_only() {
        let set = set(
            "[pack]\nname = \"t\"\nsites = [\"kt.kz\"]\n[[rule]]\nid = \"t.ad.x\"\nclass = \"ad\"\nphrases = [\"promo\"]\n",
        );
        let mut out = Vec::new();
        for (site, expected) in
            [(Some("kt.kz"), 1), (Some("www.kt.kz"), 1), (Some("notkt.kz"), 0), (None, 0)]
        {
            out.clear();
            set.matches("promo", 5, None, site, &mut out);
            assert_eq!(out.len(), expected, "{site:?}");
        }
    }

    /// The built-in packs' matchers are built when first needed, and one that failed would
    /// match nothing: here every one of them must build.
    #[test]
    fn every_builtin_matcher_builds() {
        let packs: Vec<_> = builtin_names().map(|n| load_builtin(n).unwrap()).collect();
        let set = RuleSet::build(&packs).unwrap();
        let matchers = set.tiers.iter().map(|(_, m)| m).chain([&set.windows, &set.lead]);
        for matcher in matchers {
            matcher.build_now(&set.specs).unwrap();
            assert!(matcher.built.get().is_some());
        }
    }

    /// The sets of the start buckets find, for every line, what one set of all the start
    /// patterns finds: checked on every example and keep line of the built-in packs (and a
    /// few edge lines), with every matcher; and every set of the buckets compiles.
    #[test]
    fn start_buckets_find_what_one_set_finds() {
        let packs: Vec<_> = builtin_names().map(|n| load_builtin(n).unwrap()).collect();
        let set = RuleSet::build(&packs).unwrap();
        let mut lines: Vec<String> = (packs.iter())
            .flat_map(|p| &p.rules)
            .flat_map(|r| r.examples.iter().chain(&r.keep))
            .map(|line| for_matching(line))
            .collect();
        lines.extend(["", "1", "a", "#", "0", "12.03.2024", "ы", "٣ پىكىر"].map(String::from));
        let matchers = set.tiers.iter().map(|(_, m)| m).chain([&set.windows, &set.lead]);
        let mut compared = 0;
        for lazy in matchers {
            let matcher = lazy.get(&set.specs);
            let Some(start) = &matcher.pattern_only_start else { continue };
            for bucket in &start.sets {
                assert!(start.set(bucket).is_some(), "a set of {} patterns", bucket.members.len());
            }
            let whole = RegexSet::new(start.hirs.iter().map(ToString::to_string)).unwrap();
            for line in &lines {
                let mut by_buckets = Vec::new();
                start.candidates(line, &mut |rule| by_buckets.push(rule));
                by_buckets.sort_unstable();
                let by_whole: Vec<usize> =
                    whole.matches(line).iter().map(|p| start.rules[p]).collect();
                assert_eq!(by_buckets, by_whole, "{line:?}");
                compared += usize::from(!by_whole.is_empty());
            }
        }
        assert!(compared > 100, "{compared} lines matched");
    }

    /// What makes a short run fast: a line compiles the sets of its first byte only, a
    /// fraction of the start patterns of its tier. (The module docs have the figures.)
    #[test]
    fn a_line_compiles_a_fraction_of_the_start_patterns() {
        let packs: Vec<_> = builtin_names().map(|n| load_builtin(n).unwrap()).collect();
        let set = RuleSet::build(&packs).unwrap();
        let matcher = set.tiers[0].1.get(&set.specs);
        let start = matcher.pattern_only_start.as_ref().unwrap();
        let total = start.hirs.len();
        for (line, most) in [
            ("the minister said the bridge would open next year.", total / 3),
            ("12.03.2024, 14:05", total / 2),
            ("министр заявил, что мост откроют", total / 3),
        ] {
            let compiled = start.patterns_for(line);
            assert!(compiled <= most, "{line:?}: {compiled} of {total}");
        }
    }

    /// The first bytes of a pattern, and whether it matches the empty string.
    #[test]
    fn first_bytes_of_patterns() {
        let of = |pattern: &str| first_bytes(&regex_syntax::parse(pattern).unwrap());
        let bytes = |set: ByteSet| (0..=255u8).filter(|&b| set.has(b)).collect::<Vec<u8>>();
        let (set, nullable) = of("^(?:#|•)? ?(?P<d>\\d{1,2}|x)$");
        assert!(!nullable);
        for byte in [b'#', 0xE2, b' ', b'0', b'9', b'x', 0xD9, 0xDB] {
            assert!(set.has(byte), "{byte:x}");
        }
        assert!(!set.has(b'a') && !set.has(0xD0));
        assert_eq!(bytes(of("^(?:ab|[а-я])").0), [b'a', 0xD0, 0xD1]);
        assert!(of("^(?:x)?$").1 && of("^.*").1 && !of("^.+").1);
        assert!(of("^\\p{L}+").0.len() >= BROAD_FIRST_BYTES);
        assert!(of("^\\d+").0.len() < BROAD_FIRST_BYTES);
        assert_eq!(bytes(of("^\\x{10000}|^\\x{10FFFF}").0), [0xF0, 0xF4]);
    }

    /// A user's pack is built whole when loaded, so that its errors are reported then and
    /// not turned into rules that match nothing.
    #[test]
    fn a_user_pack_is_built_when_loaded() {
        let toml = "[pack]\nname = \"mine\"\n[[rule]]\nid = \"mine.ad.x\"\nclass = \"ad\"\nphrases = [\"buy now\"]\n";
        let set = set(toml);
        assert!(set.tiers.iter().all(|(_, m)| m.built.get().is_some()));
        assert!(set.lead.built.get().is_some() && set.windows.built.get().is_some());
    }

    /// The two forms of a phrase automaton report the same phrases: which one walked a line
    /// changes nothing. Checked on every example and keep line of the built-in packs, with
    /// every matcher.
    #[test]
    fn the_nfa_and_the_dfa_of_a_matcher_find_the_same_phrases() {
        type Walked = (Vec<(usize, usize)>, Vec<(usize, u32)>);
        fn walk<A: Automaton>(lanes: &mut [Lane<'_, A>]) -> Walked {
            let mut found = Vec::new();
            walk_phrases(lanes, |probe, rule| found.push((probe, rule)));
            found.sort_unstable();
            let mut tallies: Vec<_> = lanes.iter().map(|l| (l.probe, l.tally)).collect();
            tallies.sort_unstable();
            (found, tallies)
        }
        let packs: Vec<_> = builtin_names().map(|n| load_builtin(n).unwrap()).collect();
        let set = RuleSet::build(&packs).unwrap();
        let forms: Vec<String> = packs
            .iter()
            .flat_map(|p| &p.rules)
            .flat_map(|r| r.examples.iter().chain(&r.keep))
            .map(|line| for_matching(line))
            .collect();
        let matchers = set.tiers.iter().map(|(_, m)| m).chain([&set.windows, &set.lead]);
        let mut compared = 0;
        for lazy in matchers {
            let matcher = lazy.get(&set.specs);
            let Some(automaton) = &matcher.phrases else { continue };
            let dfa = automaton.build_dfa().unwrap();
            let mut nfa_lanes: Vec<_> = (forms.iter().enumerate())
                .map(|(i, f)| Lane::new(matcher, &automaton.nfa, f.as_bytes(), i))
                .collect();
            let mut dfa_lanes: Vec<_> = (forms.iter().enumerate())
                .map(|(i, f)| Lane::new(matcher, &dfa, f.as_bytes(), i))
                .collect();
            let (by_nfa, by_dfa) = (walk(&mut nfa_lanes), walk(&mut dfa_lanes));
            assert!(!by_nfa.0.is_empty());
            assert_eq!(by_nfa, by_dfa);
            compared += 1;
        }
        assert!(compared >= 4, "{compared} matchers compared");
    }

    /// Every built-in rule matches its own examples and none of its keeps.
    #[test]
    fn builtin_rules_match_their_examples_and_keeps() {
        let packs: Vec<_> = builtin_names().map(|n| load_builtin(n).unwrap()).collect();
        let set = RuleSet::build(&packs).unwrap();
        let mut failures = Vec::new();
        let mut index = 0;
        for pack in &packs {
            for spec in &pack.rules {
                let site = pack.sites.first().map(String::as_str);
                for (line, want) in spec
                    .examples
                    .iter()
                    .map(|l| (l, true))
                    .chain(spec.keep.iter().map(|l| (l, false)))
                {
                    let m = for_matching(line);
                    let chars = m.chars().count();
                    let mut out = Vec::new();
                    set.matches(&m, chars, None, site, &mut out);
                    let mut lead = Vec::new();
                    set.matches_lead(&m, chars, &mut lead);
                    out.extend(lead.into_iter().map(|(_, rule)| rule));
                    if chars > spec.max_line_chars && spec.scope != Scope::Line {
                        let window = window_of(&m, spec.scope, set.max_window_chars());
                        set.matches(window, chars, Some(spec.scope), site, &mut out);
                    }
                    let got = out.contains(&index);
                    if got != want {
                        let verb =
                            if want { "does not match example" } else { "matches keep line" };
                        failures.push(format!("{}: {verb} {line:?}", spec.id));
                    }
                }
                if spec.examples.is_empty() {
                    failures.push(format!("{}: no examples", spec.id));
                }
                index += 1;
            }
        }
        assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    }

    fn window_of(m: &str, scope: Scope, chars: usize) -> &str {
        match scope {
            Scope::Start => {
                let end = m.char_indices().nth(chars).map_or(m.len(), |(i, _)| i);
                &m[..end]
            }
            _ => {
                let total = m.chars().count();
                let start = m.char_indices().nth(total.saturating_sub(chars)).map_or(0, |(i, _)| i);
                &m[start..]
            }
        }
    }
}

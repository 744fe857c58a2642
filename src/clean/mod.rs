//! Step 3: the text cleaner.
//!
//! [`Cleaner::clean`] turns one scraped page into a [`Cleaned`] article:
//!
//! 1. split the page into lines and take the *matching form* of each short line
//!    ([`crate::normalize`]); long lines (body paragraphs) are only looked at through their
//!    first and last few hundred characters, where datelines and attributions stand;
//! 2. ask the compiled packs (`rules`) which rules match each line, all the lines of the
//!    page at once; a short line seen before (a site's menu, its footer) is recalled from
//!    the cleaner's memo (`memo`) instead, with the same answer;
//! 3. lay out the zones (`zones`): head, lead, body, tail, and the cut;
//! 4. apply, line by line, the first rule whose zone fits: drop (metadata from its named
//!    groups), keep with metadata, strip a glued fragment, or cut the rest;
//! 5. pick the title from the head, drop adjacent duplicate short lines, detect the language.
//!
//! Every removal is recorded with its class, the id of the rule and the text, so the output
//! explains itself and tests can assert on rule ids.
//!
//! # Invariants
//!
//! - Kept lines keep their original characters (trimmed); paragraphs are joined by a blank
//!   line.
//! - Every non-blank input line is either kept (maybe shortened by a `strip`) or inside the
//!   text of a [`Removal`](crate::Removal) that names its line.
//! - Cleaning a cleaned record again (with its title) changes nothing.
//! - Nothing derived from input can panic; a page the cleaner does not understand comes back
//!   with its text kept.

mod assemble;
mod dates;
pub mod html;
pub(crate) mod language;
mod memo;
pub(crate) mod packs;
mod page_kind;
pub(crate) mod rules;
mod shape;
pub(crate) mod zones;

pub use packs::builtin_names;

pub mod site;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::BuildHasherDefault;
use std::path::PathBuf;
use std::sync::Arc;

use smallvec::SmallVec;

use assemble::{Kept, Output};
use memo::{LineMemo, Recalled};
use packs::{Action, Pack, Scope};
use rules::{Probe, RuleSet};
use shape::Shape;
use zones::{Layout, LineFacts, LineZone};

use crate::normalize::{fold_into, for_matching};
use crate::{Body, Cleaned, Document, Error, RemovalClass};

/// Cleans documents: removes boilerplate, moves headers, bylines and sources to metadata.
///
/// Built once with [`Cleaner::builder`]; cheap to clone (the compiled packs sit behind an
/// `Arc`) and safe to share between threads.
///
/// # Example
///
/// ```
/// use clean_news::{Cleaner, Document, RemovalClass};
///
/// let cleaner = Cleaner::builder().packs(["common", "ru"]).build()?;
/// let page = "МОСКВА, 2 сентября. /ТАСС/. Правительство утвердило план развития отрасли на пять лет.\n\
///             Нашли ошибку в тексте? Выделите ее и нажмите Ctrl + Enter\n\
///             Читайте также\n\
///             Другая новость с другим текстом.";
/// let cleaned = cleaner.clean(&Document::text("tass-1", page));
/// assert!(cleaned.text.starts_with("МОСКВА, 2 сентября. /ТАСС/."));
/// assert!(!cleaned.text.contains("Другая новость"));
/// assert!(cleaned.removed.iter().any(|r| r.class == RemovalClass::ErrorPrompt));
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Cleaner {
    rules: Arc<RuleSet>,
    /// What the rules said of the short lines seen so far (`memo`), shared by the clones.
    memo: Arc<LineMemo>,
    memo_capacity: usize,
}

/// Builds a [`Cleaner`]: which packs to load.
///
/// # Example
///
/// ```
/// use clean_news::Cleaner;
///
/// let all = Cleaner::builder().build()?;
/// let some = Cleaner::builder().packs(["common", "en"]).build()?;
/// assert!(all.rule_count() > some.rule_count());
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct CleanerBuilder {
    packs: Option<Vec<String>>,
    pack_files: Vec<PathBuf>,
    pack_texts: Vec<(String, String)>,
    memo_capacity: usize,
}

impl Default for CleanerBuilder {
    fn default() -> CleanerBuilder {
        CleanerBuilder {
            packs: None,
            pack_files: Vec::new(),
            pack_texts: Vec::new(),
            memo_capacity: DEFAULT_MEMO_LINES,
        }
    }
}

/// How many short lines a cleaner remembers by default (see `memo::MAX_LINE_BYTES`).
const DEFAULT_MEMO_LINES: usize = 16 * 1024;

impl Cleaner {
    /// A builder with the default configuration: every built-in pack.
    pub fn builder() -> CleanerBuilder {
        CleanerBuilder::default()
    }

    /// How many rules the cleaner holds.
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// A cleaner with the same rules that has seen no line yet.
    ///
    /// A cleaner remembers what its rules said of the short lines it has seen (a site's
    /// header, menu and footer stand on every page of it), and its clones share that memory;
    /// the output is the same with or without it (see [`CleanerBuilder::memo_lines`]). A
    /// cleaner from here starts with an empty memory, as a new one would, without compiling
    /// the rules again: benchmarks use it to time a batch as seen for the first time.
    pub fn with_empty_memo(&self) -> Cleaner {
        Cleaner {
            rules: Arc::clone(&self.rules),
            memo: Arc::new(LineMemo::new(self.memo_capacity)),
            memo_capacity: self.memo_capacity,
        }
    }

    /// Cleans one document. Never fails and never panics.
    ///
    /// An HTML body goes through [`html::extract`] first: its article text is cleaned, and
    /// the page's metadata is merged in ([`html::PageMeta::merge_into`]). A page over the
    /// extractor's budget gives an empty text with the reason in `meta.notes`;
    /// [`Cleaner::try_clean`] gives the reason as an error instead.
    pub fn clean(&self, doc: &Document) -> Cleaned {
        match &doc.body {
            Body::Text(text) => self.clean_text(doc, text, Origin::Page),
            Body::Html(page) => self.clean_page(doc, html::extract(page)),
        }
    }

    /// Cleans one document, or says why its HTML page cannot be: markup that would cost the
    /// parser more than the page's budget ([`html::OverBudget`]). Never panics.
    ///
    /// # Errors
    ///
    /// [`html::OverBudget`] for an HTML body over its budget; a text body never fails.
    pub fn try_clean(&self, doc: &Document) -> Result<Cleaned, html::OverBudget> {
        match &doc.body {
            Body::Text(text) => Ok(self.clean_text(doc, text, Origin::Page)),
            Body::Html(page) => Ok(self.clean_page(doc, html::try_extract(page)?)),
        }
    }

    /// Cleans the article text extracted from a page, and merges the page's metadata in.
    fn clean_page(&self, doc: &Document, page: html::Extracted) -> Cleaned {
        // The page's title lets the cleaner drop the heading that repeats it.
        let titled = Document {
            id: doc.id.clone(),
            url: doc.url.clone(),
            site: doc.site.clone(),
            published: doc.published.clone(),
            title: doc.title.clone().or_else(|| page.meta.title.clone()),
            body: Body::Text(String::new()),
        };
        let mut cleaned = self.clean_text(&titled, &page.text, Origin::Extracted);
        page.meta.merge_into(&mut cleaned);
        cleaned.meta.notes.extend(page.notes);
        cleaned.removed.extend(page.removed);
        cleaned
    }

    fn clean_text(&self, doc: &Document, text: &str, origin: Origin) -> Cleaned {
        let site = doc.site.as_deref();
        let rules = &*self.rules;
        // The matching forms of the lines and windows, one after the other: one buffer per
        // document rather than one string per line.
        let mut forms = String::with_capacity(text.len());
        let memo = &*self.memo;
        // Sized up front: a line's state is large, and growing the vector moves them all.
        let mut lines = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
        lines.extend(
            split_lines(text)
                .enumerate()
                .map(|(index, raw)| LineState::new(index, raw, rules, memo, site, &mut forms)),
        );
        match_lines(&mut lines, rules, memo, site, &forms);
        mark_restated_headline(&mut lines);
        mark_calendar_rows(&mut lines, &forms);
        mark_contact_prompt(&mut lines, &forms);
        let mut facts: Vec<LineFacts> = lines.iter().map(|l| l.facts(rules)).collect();
        mark_teasers(&lines, &mut facts);
        mark_repeats(&lines, &mut facts);
        // Datelines: where a story starts, looked for on the prose lines that start like one,
        // and on the short lines above a paragraph (`Azərbaycan, Bakı, 4 mart /Trend/` stands
        // on a line of its own).
        // Walked backwards, so that whether a paragraph comes next is known.
        let mut prose_next = false;
        for (line, facts) in lines.iter_mut().zip(facts.iter_mut()).rev() {
            if line.blank {
                continue;
            }
            let own_line = prose_next && line.shape.is_none() && facts.words >= 3;
            if line.prose || own_line {
                facts.dateline = line.opens_with_dateline(rules, site, &mut forms);
            }
            prose_next = line.prose;
        }
        let layout = Layout::of(&facts, origin == Origin::Page);
        if let Some(lead) = layout.lead {
            lines[lead].match_lead_rules(rules, site, &mut forms);
        }
        let forms = forms.as_str();

        let mut out = Output::new(doc, lines.iter().filter(|line| !line.blank).count());
        let title_form = doc.title.as_deref().map(for_matching).filter(|t| !t.is_empty());
        for line in &lines {
            let zone = layout.zone(line.index);
            if zone == LineZone::Cut {
                out.cut(&lines[line.index..], rules, layout.cut_by);
                break;
            }
            if line.blank {
                continue;
            }
            if layout.inline_related.iter().any(|r| r.contains(&line.index)) {
                out.remove_inline_related(line, rules);
                continue;
            }
            line.apply(zone, origin, rules, site, title_form.as_deref(), forms, &mut out);
        }
        out.finish(doc, &layout, origin)
    }
}

impl CleanerBuilder {
    /// Use only these built-in packs (by name: `common`, `en`, `ru`, `kk`, `kk-latn`,
    /// `kk-arab`, `uz-latn`, `uz-cyrl`, `ky`, `az`, `intl`). The default is all of them.
    pub fn packs<I, S>(&mut self, names: I) -> &mut CleanerBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.packs = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Also load a site or user pack from a TOML file (format: `src/clean/packs/README.md`).
    pub fn pack_file(&mut self, path: impl Into<PathBuf>) -> &mut CleanerBuilder {
        self.pack_files.push(path.into());
        self
    }

    /// Also load a site or user pack from TOML text; `origin` names it in errors.
    pub fn pack_toml(
        &mut self,
        origin: impl Into<String>,
        toml: impl Into<String>,
    ) -> &mut CleanerBuilder {
        self.pack_texts.push((origin.into(), toml.into()));
        self
    }

    /// How many short lines the cleaner remembers, with what its rules said of them (default
    /// 16,384; 0 remembers none). Boilerplate lines repeat from page to page, and a line
    /// remembered is not matched again: this changes the speed, never the output.
    pub fn memo_lines(&mut self, lines: usize) -> &mut CleanerBuilder {
        self.memo_capacity = lines;
        self
    }

    /// Loads, validates and compiles the packs.
    ///
    /// # Errors
    ///
    /// A pack that cannot be found, read, parsed or validated; the error names the pack and,
    /// where one rule is at fault, the rule.
    pub fn build(&self) -> Result<Cleaner, Error> {
        let mut packs: Vec<Pack> = match &self.packs {
            Some(names) => {
                names.iter().map(|n| packs::load_builtin(n)).collect::<Result<_, _>>()?
            }
            None => builtin_names().map(packs::load_builtin).collect::<Result<_, _>>()?,
        };
        for path in &self.pack_files {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::io(Some(path.clone()), "cannot read pack", e))?;
            packs.push(packs::parse(&path.display().to_string(), &text)?);
        }
        for (origin, text) in &self.pack_texts {
            packs.push(packs::parse(origin, text)?);
        }
        Ok(Cleaner {
            rules: Arc::new(RuleSet::build(&packs)?),
            memo: Arc::new(LineMemo::new(self.memo_capacity)),
            memo_capacity: self.memo_capacity,
        })
    }
}

/// Where the text being cleaned comes from: the layout trusts an HTML extractor's choice of
/// the article's blocks, and judges a scraped page's lines itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// The text of a page as a scraper saved it: menus, headers and tails included.
    Page,
    /// The article text [`html::extract`] chose from a page's markup.
    Extracted,
}

/// A rule that matched a line, and on which part of it.
#[derive(Debug, Clone, Copy)]
struct Hit {
    rule: usize,
    /// `None`: the whole line; `Some(scope)`: the first or last window of a long line.
    window: Option<Scope>,
}

/// One input line and what the rules said of it.
struct LineState<'a> {
    index: usize,
    /// The line as it stood (without the line break).
    raw: &'a str,
    /// The line, trimmed: what is kept.
    text: &'a str,
    /// The line, trimmed, with the HTML tags at its ends that `text` goes without.
    whole: &'a str,
    /// Length of `text` in characters.
    chars: usize,
    /// Where the matching form of `text` is in the document's buffer of forms, for lines short enough
    /// for line rules.
    form: Option<std::ops::Range<usize>>,
    /// Length of the matching form in characters.
    form_chars: usize,
    /// Where the matching form of the end window is in the document's buffer of forms, for lines long
    /// enough for `end` rules to see them through it.
    end_window: Option<std::ops::Range<usize>>,
    blank: bool,
    prose: bool,
    /// Words in the line, counted up to what `zones::is_prose` needs.
    words: u8,
    /// The rules that matched, in the order they are tried: the whole-line hits first (the
    /// first `line_hits`, by rule), then those on windows. Most lines have none or a few,
    /// held inline: a vector of its own per line was a tenth of the cleaner's allocations.
    hits: SmallVec<[Hit; 2]>,
    line_hits: usize,
    /// Whether the form and the whole-line hits came from the memo (which leaves the
    /// windows to match, if any).
    recalled: bool,
    /// The shape of page chrome the line has, if any (`shape`).
    shape: Option<Shape>,
    /// Whether the line reads as a photo caption.
    caption: bool,
    /// Whether the rules of the `lead` zone were matched on this line already.
    lead_matched: bool,
}

/// The lines of `text`, as `str::split('\n')` gives them (found with `memchr`'s vector search).
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain(std::iter::once(text.len()));
    let mut start = 0;
    ends.map(move |end| {
        let line = text.get(start..end).unwrap_or_default();
        start = end + 1;
        line
    })
}

/// Whether a line starts as agency datelines do: a capitalised word of letters (a city),
/// then a comma or a full stop (`БИШКЕК, 15 фев`, `Astana. July 4.`, `Tashkent, Uzbekistan`).
fn starts_like_a_dateline(text: &str) -> bool {
    let mut chars = text.char_indices();
    if !chars.next().is_some_and(|(_, c)| c.is_uppercase()) {
        return false;
    }
    let Some(end) = chars
        .take_while(|&(at, c)| {
            at <= 40 && (c.is_alphabetic() || c == '-' || c == ' ' || c == ',' || c == '.')
        })
        .find(|&(_, c)| c == ',' || c == '.')
        .map(|(at, _)| at)
    else {
        return false;
    };
    // Then a date, a number, an agency in brackets or slashes, or a city in capitals
    // (`BISHKEK.`): a sentence that opens `However, the…` has none of these.
    let city = &text[..end];
    // A city is a name or two, each capitalised (`Tashkent`, `SILVER SPRING`): a sentence that
    // opens `Officials said on Monday,` is none.
    let mut words = city.split([' ', '-']).filter(|w| !w.is_empty());
    let named = words.clone().count() <= 3
        && words.all(|w| w.chars().next().is_some_and(char::is_uppercase));
    if !named {
        return false;
    }
    let capitals = city.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase);
    let head = &text.as_bytes()[..text.len().min(end + 60)];
    capitals || head.iter().any(|b| b.is_ascii_digit() || matches!(b, b'(' | b'/'))
}

/// Reads the first line of a page as a headline, not a paragraph, when it is one short
/// sentence that the paragraph under it restates (`zones::is_restated_headline`): sites
/// print titles with a full stop. Only the first line with no shape is looked at, so a page
/// with a headline above keeps its short first paragraph.
fn mark_restated_headline(lines: &mut [LineState<'_>]) {
    let Some(first) = lines.iter().position(|l| !l.blank && l.shape.is_none()) else { return };
    if !lines[first].prose || lines[first].chars >= 120 {
        return;
    }
    let Some(next) = lines[first + 1..].iter().find(|l| !l.blank) else { return };
    // A restated headline opens as the paragraph does (the same first word, or its stem): a
    // look at the first two characters passes the other pages over.
    let text = lines[first].text;
    let opening = text.char_indices().nth(2).map(|(at, _)| &text[..at]);
    let same_start = opening.is_some_and(|s| next.text.starts_with(s));
    if same_start
        && next.prose
        && next.shape.is_none()
        && zones::is_restated_headline(lines[first].text, next.text)
    {
        lines[first].prose = false;
        lines[first].caption = false;
    }
}

/// Gives the social shape to the sentence above a page's closing run of handle lines when it
/// asks the reader to write or follow on a network (`…, Telegram орқали ёзинг.`): the first
/// line of the follow-us block, though it names one network only. Looked at after the memo
/// has remembered the lines, since the shape comes from where the line stands.
fn mark_contact_prompt(lines: &mut [LineState<'_>], forms: &str) {
    let mut handles = 0;
    for line in lines.iter_mut().rev() {
        if line.blank {
            continue;
        }
        if matches!(line.shape, Some(Shape::Social | Shape::Url)) {
            handles += 1;
            continue;
        }
        let form = line.form.clone().and_then(|range| forms.get(range));
        if handles > 0 && line.prose && form.is_some_and(shape::is_contact_prompt) {
            line.shape = Some(Shape::Social);
            line.prose = false;
        }
        return;
    }
}

/// Gives the calendar shape to the rows of day numbers under a month calendar's weekday row
/// (`shape::is_weekday_row`): a lone `1` or `3031` there is a day, not a view count. Looked
/// at after the memo has remembered the lines, since the shape comes from where they stand.
fn mark_calendar_rows(lines: &mut [LineState<'_>], forms: &str) {
    /// Rows of a month, at most.
    const WEEKS: usize = 6;
    let mut at = 0;
    while at < lines.len() {
        // Only a line followed by a row of day numbers can be a weekday row: the cheap test
        // of the next line spares every other line the word test.
        let row = at;
        at += 1;
        let Some(next) = lines[at..].iter().position(|l| !l.blank).map(|n| at + n) else { break };
        if !shape::is_day_number_row(lines[next].text) {
            continue;
        }
        let form = lines[row].form.clone().and_then(|range| forms.get(range));
        if !form.is_some_and(shape::is_weekday_row) {
            continue;
        }
        let mut rows = 0;
        while at < lines.len() && rows < WEEKS {
            let line = &mut lines[at];
            if !line.blank {
                if !shape::is_day_number_row(line.text) {
                    break;
                }
                line.shape = Some(Shape::Calendar);
                line.prose = false;
                rows += 1;
            }
            at += 1;
        }
    }
}

/// Marks the prose lines printed again further down the page: a teaser of the paragraph it
/// repeats, above the title or beside a photo.
fn mark_teasers(lines: &[LineState<'_>], facts: &mut [LineFacts]) {
    // By a hash of the prefix, compared in full when two hashes meet: the std hasher cost a
    // thirtieth of the cleaning time here.
    let prose = lines.iter().filter(|line| line.prose && !line.blank).count();
    let mut seen: HashMap<u64, &str, BuildHasherDefault<memo::HashIsKey>> =
        HashMap::with_capacity_and_hasher(prose, BuildHasherDefault::default());
    for line in lines.iter().rev() {
        if line.prose && !line.blank {
            // A teaser may be cut short: lines compare by their first characters.
            let key = crate::normalize::prefix_within(line.text, TEASER_PREFIX_BYTES);
            match seen.entry(xxhash_rust::xxh3::xxh3_64(key.as_bytes())) {
                Entry::Occupied(first) => facts[line.index].teaser = *first.get() == key,
                Entry::Vacant(slot) => {
                    slot.insert(key);
                }
            }
        }
    }
}

/// Marks the short lines that repeat the line above them (blank lines aside), which
/// `assemble` drops as adjacent duplicates.
fn mark_repeats(lines: &[LineState<'_>], facts: &mut [LineFacts]) {
    let mut above: Option<&str> = None;
    for line in lines.iter().filter(|l| !l.blank) {
        let short = line.chars <= assemble::DUPLICATE_MAX_CHARS;
        facts[line.index].repeat = short && above == Some(line.text);
        above = Some(line.text);
    }
}

/// Bytes of a prose line compared to find its teaser.
const TEASER_PREFIX_BYTES: usize = 100;

/// Characters trimmed from kept lines: white space and the invisible marks scrapers leave.
fn is_trimmed(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}')
}

/// Matches every line and end window of a document against the rules, in one
/// [`RuleSet::matches_many`] call, records the hits (for `site`) on the lines, and remembers
/// the short lines in `memo`. Lines recalled from the memo have their hits already.
fn match_lines(
    lines: &mut [LineState<'_>],
    rules: &RuleSet,
    memo: &LineMemo,
    site: Option<&str>,
    forms: &str,
) {
    let mut probes = Vec::with_capacity(lines.len() * 2);
    let mut owners = Vec::with_capacity(lines.len() * 2);
    for line in lines.iter() {
        if let Some(form) = line.form.clone().and_then(|range| forms.get(range))
            && !line.recalled
        {
            probes.push(Probe { form, chars: line.form_chars, window: None });
            owners.push(line.index);
        }
        if let Some(form) = line.end_window.clone().and_then(|range| forms.get(range)) {
            probes.push(Probe { form, chars: line.chars, window: Some(Scope::End) });
            owners.push(line.index);
        }
    }
    let mut matched = Vec::new();
    let mut networks = Vec::new();
    rules.matches_many(&probes, &mut matched, &mut networks);
    // In probe order: a line's whole-line hits (by rule), then those on its window.
    let mut next = 0;
    for (probe, (owner, &Probe { form, chars, window })) in owners.iter().zip(&probes).enumerate() {
        let end = next + matched[next..].iter().take_while(|(p, _)| *p == probe).count();
        let line = &mut lines[*owner];
        let for_site = matched[next..end].iter().filter(|&&(_, r)| rules.rule(r).applies_to(site));
        line.hits.extend(for_site.map(|&(_, rule)| Hit { rule, window }));
        if window.is_none() {
            line.settle_shape(Some(form), networks[probe]);
            line.line_hits = line.hits.len();
            if memo::remembers(line.text, line.chars) {
                let rules = matched[next..end].iter().map(|&(_, r)| r as u32).collect();
                let (texts, line_len) = Recalled::texts(line.text, form);
                memo.remember(Recalled {
                    texts,
                    line_len,
                    chars: line.chars,
                    form_chars: chars,
                    rules,
                    shape: line.shape.clone(),
                    prose: line.prose,
                    words: line.words,
                    caption: line.caption,
                });
            }
        }
        next = end;
    }
}

impl<'a> LineState<'a> {
    /// The line at `index`, with its matching form (and that of its end window) appended to
    /// `forms`; matched later, with the others ([`match_lines`]), unless `memo`
    /// remembers it.
    fn new(
        index: usize,
        raw: &'a str,
        rules: &RuleSet,
        memo: &LineMemo,
        site: Option<&str>,
        forms: &mut String,
    ) -> LineState<'a> {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let whole = raw.trim_matches(is_trimmed);
        // A text input may keep the HTML tags around its paragraphs (`<p>…</p>`): the line is
        // judged and kept without them (a substring still), and they are recorded as removed.
        let text = shape::without_edge_tags(whole);
        let mut line = LineState {
            index,
            raw,
            whole,
            text,
            chars: 0,
            form: None,
            form_chars: 0,
            end_window: None,
            blank: text.is_empty(),
            prose: false,
            words: 0,
            hits: SmallVec::new(),
            line_hits: 0,
            recalled: false,
            shape: None,
            caption: false,
            lead_matched: false,
        };
        if line.blank {
            return line;
        }
        // A line the memo recalls was short enough to be matched as a whole when it was
        // remembered: the memo tells its length too.
        let mut recalled_chars = None;
        if memo::may_remember(text) {
            line.recalled = memo.recall(text, |recalled| {
                recalled_chars = Some(recalled.chars);
                let start = forms.len();
                forms.push_str(recalled.form());
                line.form = Some(start..forms.len());
                line.form_chars = recalled.form_chars;
                line.shape.clone_from(&recalled.shape);
                line.prose = recalled.prose;
                line.words = recalled.words;
                line.caption = recalled.caption;
                let for_site = recalled.rules.iter().map(|&r| r as usize);
                let for_site = for_site.filter(|&r| rules.rule(r).applies_to(site));
                line.hits.extend(for_site.map(|rule| Hit { rule, window: None }));
                line.line_hits = line.hits.len();
            });
        }
        let chars = recalled_chars.unwrap_or_else(|| text.chars().count());
        if !line.recalled && chars <= rules.max_line_chars() && !line.fold_form(forms) {
            line.blank = true;
            return line;
        }
        line.chars = chars;
        line.end_window = line.window_form(Scope::End, rules, forms);
        if line.recalled {
            return line;
        }
        let words = zones::prose_words(text);
        line.words = u8::try_from(words).unwrap_or(u8::MAX);
        line.prose = (zones::is_prose_counted(text, chars, words)
            || zones::is_interview_turn(text))
            && !zones::opens_with_shouted_headline(text);
        // A line with a form is matched with the others, and has its shape then, from what
        // the match counted ([`match_lines`]).
        if line.form.is_none() {
            line.settle_shape(None, None);
        }
        line
    }

    /// Gives the line its shape, from its matching form `form` if it has one; `networks` as
    /// [`shape::shape_of`] takes it.
    fn settle_shape(&mut self, form: Option<&str>, networks: Option<u32>) {
        if let Some(form) = form {
            self.shape = shape::shape_of(form, self.text, self.chars, self.prose, networks);
            self.caption = self.prose && shape::is_caption(form);
        }
        // A line that is a tag cloud from its first byte is chrome, however long: it never
        // opens the body. A cloud closing a longer line is trimmed when the line is applied.
        if matches!(self.shape, None | Some(Shape::TagCloud))
            && shape::tag_cloud_start(self.text) == Some(0)
        {
            self.shape = Some(Shape::TagCloud);
            self.prose = false;
        }
    }

    /// Appends the matching form of the line to `forms` and notes where it is, unless it is
    /// empty (a line of marks alone folds to nothing): returns whether it is not.
    fn fold_form(&mut self, forms: &mut String) -> bool {
        let start = forms.len();
        fold_into(self.text, forms, None);
        let form = &forms[start..];
        if form.is_empty() {
            return false;
        }
        self.form_chars = form.chars().count();
        self.form = Some(start..forms.len());
        true
    }

    /// Whether the line opens with an agency dateline: the rules of the `lead` zone are
    /// matched on it (once), and one of them matches. Only lines that start like one (a
    /// capitalised word, then a comma or a full stop) are matched.
    fn opens_with_dateline(
        &mut self,
        rules: &RuleSet,
        site: Option<&str>,
        forms: &mut String,
    ) -> bool {
        if !self.lead_matched && !starts_like_a_dateline(self.text) {
            return false;
        }
        self.match_lead_rules(rules, site, forms);
        self.hits.iter().any(|h| rules.rule(h.rule).zone == packs::Zone::Lead)
    }

    /// Matches the rules of the `lead` zone on this line, on the whole line and on its start
    /// window, once.
    fn match_lead_rules(&mut self, rules: &RuleSet, site: Option<&str>, forms: &mut String) {
        if self.lead_matched {
            return;
        }
        self.lead_matched = true;
        self.match_lead(rules, site, forms);
        self.match_start_window(rules, site, forms);
    }

    /// Adds the whole-line hits of the rules of the `lead` zone, for the lead line, in rule
    /// order among the other whole-line hits. A lead line longer than the other rules read
    /// whole is folded here, for them.
    fn match_lead(&mut self, rules: &RuleSet, site: Option<&str>, forms: &mut String) {
        if self.form.is_none() && !self.blank && self.chars <= rules.max_lead_chars() {
            self.fold_form(forms);
        }
        let Some(form) = self.form.clone().and_then(|range| forms.get(range)) else { return };
        let mut matched = Vec::new();
        rules.matches_lead(form, self.form_chars, &mut matched);
        matched.retain(|&(_, rule)| rules.rule(rule).applies_to(site));
        if matched.is_empty() {
            return;
        }
        let lead = matched.into_iter().map(|(_, rule)| Hit { rule, window: None });
        let mut line: Vec<Hit> = self.hits.drain(..self.line_hits).chain(lead).collect();
        line.sort_by_key(|hit| hit.rule);
        self.line_hits = line.len();
        self.hits.insert_many(0, line);
    }

    /// Where the matching form of the `start` or `end` window of this line is in
    /// `forms`, if some rule of that scope sees the line through it. The end window
    /// is read for every line (attributions, glued fragments); the start window only for the
    /// lead, once the layout is known, since datelines open the first paragraph only.
    fn window_form(
        &self,
        scope: Scope,
        rules: &RuleSet,
        forms: &mut String,
    ) -> Option<std::ops::Range<usize>> {
        let window_chars = rules.max_window_chars();
        if window_chars == 0
            || self.chars <= window_chars
            || !rules.has_window_rules(scope, self.chars)
        {
            return None;
        }
        // A line short enough for the line rules has its matching form already: its window
        // is the end (or start) of that form, not a second normalisation.
        if let Some(range) = self.form.clone()
            && let Some(full) = forms.get(range.clone())
        {
            let part = window(full, scope, window_chars);
            let offset = part.as_ptr() as usize - full.as_ptr() as usize;
            return Some(range.start + offset..range.start + offset + part.len());
        }
        let start = forms.len();
        fold_into(window(self.text, scope, window_chars), forms, None);
        Some(start..forms.len())
    }

    /// Adds the hits of the `start` rules on the start window of the lead line.
    fn match_start_window(&mut self, rules: &RuleSet, site: Option<&str>, forms: &mut String) {
        let Some(range) = self.window_form(Scope::Start, rules, forms) else { return };
        let form = forms.get(range).unwrap_or_default();
        let probe = Probe { form, chars: self.chars, window: Some(Scope::Start) };
        let mut matched = Vec::new();
        rules.matches_many(&[probe], &mut matched, &mut Vec::new());
        let for_site = matched.into_iter().filter(|&(_, rule)| rules.rule(rule).applies_to(site));
        self.hits.extend(for_site.map(|(_, rule)| Hit { rule, window: Some(Scope::Start) }));
    }

    fn facts(&self, rules: &RuleSet) -> LineFacts {
        let mut facts = LineFacts {
            blank: self.blank,
            prose: self.prose,
            chrome: self.shape.is_some(),
            stamp: matches!(self.shape, Some(Shape::Stamp(_) | Shape::ScraperDate(..))),
            caption: self.caption,
            cut_short: self.text.ends_with("...") || self.text.ends_with('…'),
            colon: self.text.ends_with(':'),
            sentence: zones::sentence_end(self.text).ends_with(['.', '!', '?', '…']),
            // Only short lines are told apart by their words; a paragraph has plenty.
            words: if self.prose {
                u8::MAX
            } else {
                self.words.min(zones::SHORT_LINE_WORDS as u8 + 1)
            },
            ..LineFacts::default()
        };
        for hit in &self.hits {
            let rule = rules.rule(hit.rule);
            facts.dropped_in_head |= zones::removes_in_head(rule.action, rule.zone);
            let after_head = zones::removes_after_head(rule.action, rule.zone);
            facts.dropped_after_head |= after_head;
            if after_head && facts.drop_rule.is_none() {
                facts.drop_rule = u32::try_from(hit.rule).ok();
            }
            facts.dropped_in_body |= rule.action == Action::Drop
                && matches!(rule.zone, packs::Zone::Body | packs::Zone::Any);
            facts.cuts |= rule.action == Action::CutTail && rule.zone != packs::Zone::Head;
        }
        facts
    }

    /// Applies the rules that fit `zone` to this (non-blank) line.
    #[allow(clippy::too_many_arguments)]
    fn apply<'s>(
        &'s self,
        zone: LineZone,
        origin: Origin,
        rules: &RuleSet,
        site: Option<&str>,
        title_form: Option<&str>,
        forms: &'s str,
        out: &mut Output<'s>,
    ) {
        if self.whole.len() != self.text.len() {
            // The tags around the line go whatever becomes of the line.
            let start = self.text.as_ptr() as usize - self.whole.as_ptr() as usize;
            let end = start + self.text.len();
            for tags in [&self.whole[..start], &self.whole[end..]] {
                let tags = tags.trim_matches(is_trimmed);
                if !tags.is_empty() {
                    out.remove(RemovalClass::HtmlBoilerplate, MARKUP_TAGS_RULE, tags, self.index);
                }
            }
        }
        let own_form = self.form.clone().and_then(|range| forms.get(range));
        let _ = site;
        let fitting =
            || self.hits.iter().filter(move |h| zones::applies(rules.rule(h.rule).zone, zone));
        if let Some(hit) = fitting().find(|h| rules.rule(h.rule).action == Action::Drop) {
            let rule = rules.rule(hit.rule);
            self.capture(hit, rules, zone, own_form, out);
            if let Some(shape) = &self.shape {
                out.note_shape(shape);
            }
            out.remove(rule.class, &rule.id, self.text, self.index);
            return;
        }
        if let Some(shape @ Shape::ScraperDate(_, headline_at)) = &self.shape
            && *headline_at > 0
            && let Some(headline) = self.text.get(*headline_at..)
        {
            // The prefix goes; the headline after it stays a line of the head.
            let prefix = self.text[..*headline_at].trim_matches(is_trimmed);
            out.remove_shape(shape, prefix, self.index);
            out.keep(Kept { text: headline, line: self.index, zone, prose: false, form: None });
            return;
        }
        if let Some(shape) = &self.shape {
            let anywhere = shape.anywhere() && origin == Origin::Page;
            if anywhere || matches!(zone, LineZone::Head | LineZone::Tail) {
                out.remove_shape(shape, self.text, self.index);
                return;
            }
        }
        if zone == LineZone::Tail {
            // After the last paragraph, what no rule names is other stories' headlines,
            // labels and names (see `zones::Layout::of`).
            out.remove(RemovalClass::RelatedTail, AFTER_BODY_RULE, self.text, self.index);
            return;
        }
        if matches!(zone, LineZone::Head | LineZone::Lead) {
            if let (Some(title), Some(form)) = (title_form, own_form) {
                if is_title_line(form, title) {
                    out.remove(RemovalClass::Title, TITLE_RULE, self.text, self.index);
                    return;
                }
            }
        }
        for hit in fitting().filter(|h| rules.rule(h.rule).action == Action::KeepMeta) {
            // An attribution rule can match every paragraph of a long article; the first few
            // name its sources, and capturing costs a second pass over the line.
            if out.note_keep_meta(hit.rule) <= MAX_KEEP_META_PER_RULE {
                self.capture(hit, rules, zone, own_form, out);
            }
        }
        let mut kept = self.text;
        let mut form = own_form;
        if let Some(hit) = fitting().find(|h| rules.rule(h.rule).action == Action::Strip) {
            let rule = rules.rule(hit.rule);
            if let Some(span) = self.span_of(hit, rules) {
                self.capture(hit, rules, zone, own_form, out);
                let removed = &self.text[span.clone()];
                out.remove(rule.class, &rule.id, removed.trim_matches(is_trimmed), self.index);
                // A fragment glued to either end: keep what is left of the line.
                kept =
                    if span.start == 0 { &self.text[span.end..] } else { &self.text[..span.start] };
                kept = kept.trim_matches(is_trimmed);
                form = None;
                if kept.is_empty() {
                    return;
                }
            }
        }
        if let Some(at) = shape::tag_cloud_start(kept) {
            // A category widget glued to the end of the line (see `shape::tag_cloud_start`).
            let cloud = &kept[at..];
            out.remove_shape(&Shape::TagCloud, cloud.trim_matches(is_trimmed), self.index);
            kept = kept[..at].trim_matches(is_trimmed);
            form = None;
            if kept.is_empty() {
                return;
            }
        }
        out.keep(Kept { text: kept, line: self.index, zone, prose: self.prose, form });
    }

    /// The matching form of the part of the line `hit` saw, with offsets into `self.text`.
    fn form_with_offsets(&self, hit: &Hit, rules: &RuleSet) -> (String, Vec<usize>) {
        let (part, base) = match hit.window {
            None => (self.text, 0),
            Some(scope) => {
                let part = window(self.text, scope, rules.max_window_chars());
                let base = part.as_ptr() as usize - self.text.as_ptr() as usize;
                (part, base)
            }
        };
        let mut form = String::with_capacity(part.len());
        let mut offsets = Vec::with_capacity(part.len());
        fold_into(part, &mut form, Some(&mut offsets));
        for o in &mut offsets {
            *o += base;
        }
        (form, offsets)
    }

    /// The byte range of `self.text` that the rule's pattern matches.
    fn span_of(&self, hit: &Hit, rules: &RuleSet) -> Option<std::ops::Range<usize>> {
        let regex = rules.rule(hit.rule).pattern.as_ref()?.regex()?;
        let (form, offsets) = self.form_with_offsets(hit, rules);
        let m = regex.find(&form)?;
        original_span(self.text, &offsets, m.start(), m.end())
    }

    /// Stores the named groups of the rule's pattern as metadata. `own_form` is the line's
    /// matching form, when it has one.
    fn capture(
        &self,
        hit: &Hit,
        rules: &RuleSet,
        zone: LineZone,
        own_form: Option<&str>,
        out: &mut Output,
    ) {
        let rule = rules.rule(hit.rule);
        let Some(pattern) = rule.pattern.as_ref() else { return };
        // Only the groups that could still be stored: a date line in the tail, or a second
        // one in the head, costs no capture (a second fold of the line with offsets and a
        // slower search than the match that found it).
        let head = zone == LineZone::Head;
        let groups = pattern.groups();
        let wanted = |group: Option<usize>, storable: bool| group.filter(|_| storable);
        let published = wanted(
            groups.published,
            matches!(zone, LineZone::Head | LineZone::Lead) && out.meta.published.is_none(),
        );
        let calendar = self.shape == Some(Shape::Calendar);
        let views = wanted(groups.views, head && out.meta.views.is_none() && !calendar);
        let dateline = wanted(groups.dateline, out.meta.dateline.is_none());
        if published.is_none()
            && views.is_none()
            && dateline.is_none()
            && groups.source.is_none()
            && groups.author.is_none()
        {
            return;
        }
        // The matching form the pattern runs on, and how its bytes map back to the line. A
        // date or a count reads the same in the form, so only the other groups need the
        // original text; and a line whose form is itself in lower case maps byte for byte.
        let needs_original =
            groups.source.is_some() || groups.author.is_some() || dateline.is_some();
        let folded;
        let (form, offsets) = match (hit.window, own_form) {
            (None, Some(form))
                if !needs_original
                    || form.as_bytes().eq_ignore_ascii_case(self.text.as_bytes()) =>
            {
                (form, None)
            }
            _ => {
                folded = self.form_with_offsets(hit, rules);
                (folded.0.as_str(), Some(&folded.1))
            }
        };
        let Some(caps) = pattern.regex().and_then(|regex| regex.captures(form)) else { return };
        let in_form = |group: Option<usize>| Some(caps.get(group?)?.as_str());
        if let Some(text) = in_form(published) {
            out.meta.published = dates::published_in_form(text);
        }
        if let Some(text) = in_form(views) {
            out.meta.views = views_of(text);
        }
        let original = |group: Option<usize>| -> Option<&str> {
            let m = caps.get(group?)?;
            let span = match offsets {
                Some(offsets) => original_span(self.text, offsets, m.start(), m.end())?,
                None => m.range(),
            };
            let text = self.text.get(span)?;
            Some(text.trim_matches(|c: char| is_trimmed(c) || ",;:.-–—/|".contains(c)))
        };
        if let Some(source) = original(groups.source).filter(|s| !s.is_empty()) {
            push_unique(&mut out.meta.sources, source);
        }
        if let Some(author) = original(groups.author).filter(|s| !s.is_empty()) {
            push_unique(&mut out.meta.authors, author);
        }
        if let Some(text) = original(dateline).filter(|s| !s.is_empty()) {
            out.meta.dateline = Some(text.to_owned());
        }
    }
}

/// How many times one `keep_meta` rule records metadata in one document.
const MAX_KEEP_META_PER_RULE: usize = 2;
/// The rule id recorded when a line repeats the document's title.
const TITLE_RULE: &str = "title.document";
/// The rule id recorded for the HTML tags at the ends of a line of a text input.
const MARKUP_TAGS_RULE: &str = "shape.markup_tags";
/// The rule id recorded for a line after the last paragraph that no rule names.
const AFTER_BODY_RULE: &str = "layout.after_body";

/// The view count a counter's digits say (`1 204`, `1,204`: 1204).
fn views_of(text: &str) -> Option<u64> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether a head line (matching form) is the document title, maybe without the site suffix
/// the page `<title>` carries (`Labour chooses Manchester | WireFeed`).
fn is_title_line(line: &str, title: &str) -> bool {
    if line == title {
        return true;
    }
    let Some(rest) = title.strip_prefix(line) else { return false };
    let rest = rest.trim_start();
    line.chars().count() >= 8 && rest.starts_with(['|', '-', ':', '·', '/', '('])
}

/// The first or last `chars` characters of `text`.
fn window(text: &str, scope: Scope, chars: usize) -> &str {
    // When the bytes at that end are ASCII, they are the characters: no decoding.
    if text.len() <= chars {
        return text;
    }
    let bytes = text.as_bytes();
    match scope {
        Scope::Start if bytes[..chars].is_ascii() => return &text[..chars],
        Scope::End | Scope::Line if bytes[bytes.len() - chars..].is_ascii() => {
            return &text[text.len() - chars..];
        }
        _ => {}
    }
    match scope {
        Scope::Start => {
            let end = text.char_indices().nth(chars).map_or(text.len(), |(i, _)| i);
            &text[..end]
        }
        Scope::End | Scope::Line => {
            let start =
                text.char_indices().rev().nth(chars.saturating_sub(1)).map_or(0, |(i, _)| i);
            &text[start..]
        }
    }
}

/// Maps a byte range of a matching form back to the original text, widened to whole chars.
fn original_span(
    text: &str,
    offsets: &[usize],
    start: usize,
    end: usize,
) -> Option<std::ops::Range<usize>> {
    if start >= end {
        return None;
    }
    let first = *offsets.get(start)?;
    let last = *offsets.get(end - 1)?;
    let last_len = text.get(last..)?.chars().next()?.len_utf8();
    Some(first..last + last_len)
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaner() -> Cleaner {
        Cleaner::builder().build().unwrap()
    }

    fn clean(text: &str) -> Cleaned {
        cleaner().clean(&Document::text("t", text))
    }

    const SEED: &str = "25.06.2024, 14:25 61571\n\nExperts from Central Asia, S. Korea talk rare minerals\n\n\
        Experts from Kazakhstan, Kyrgyzstan, Uzbekistan, Tajikistan, Turkmenistan and South Korea discussed the region's mineral resources at the 2024 Korea-Central Asia Next-Generation Dialogue on Monday, press service of the Ministry of Industry and Construction\u{a0}reports.\n\n\
        The forum is seen as a step forward in South Korea's strategy to build stronger supply chain partnerships with Central Asia to connect Asia and Europe through enhanced cooperation in the key mineral sector.\n \n\u{a0}\n\n\
        This information may not be reproduced without reference to Kazakhstan Today. Copyright of materials of News Agency Kazakhstan Today.\n\n\n\
        Found an error in the text?\n\nSelect the error and press Ctrl + Enter at the same time.\n\n\
        relevant news\n01.08.2024, 16:23 11996\nAnother story\n\nAnother body that must go.";

    #[test]
    fn seed_page_shape() {
        let c = clean(SEED);
        assert_eq!(
            c.title.as_deref(),
            Some("Experts from Central Asia, S. Korea talk rare minerals")
        );
        assert_eq!(c.meta.published.as_deref(), Some("2024-06-25T14:25"));
        assert_eq!(c.meta.views, Some(61571));
        assert!(c.text.starts_with("Experts from Kazakhstan"), "{}", c.text);
        assert!(c.text.ends_with("in the key mineral sector."), "{}", c.text);
        let classes: Vec<_> = c.removed.iter().map(|r| r.class).collect();
        for class in [
            RemovalClass::Header,
            RemovalClass::Title,
            RemovalClass::Copyright,
            RemovalClass::ErrorPrompt,
            RemovalClass::RelatedTail,
        ] {
            assert!(classes.contains(&class), "{class} missing from {:#?}", c.removed);
        }
    }

    #[test]
    fn keeps_a_page_without_boilerplate_as_it_is() {
        let text = "First paragraph of a story that has enough words to be prose.\n\nSecond paragraph of the same story, also long enough to count.";
        let c = clean(text);
        assert_eq!(c.text, text);
        assert!(c.removed.is_empty(), "{:#?}", c.removed);
    }

    #[test]
    fn keeps_read_also_inside_a_sentence() {
        let text = "The committee met on Monday to discuss the budget for next year.\n\nRead also the full report, which the committee published on its website last week, before you vote.";
        assert_eq!(clean(text).text, text);
    }

    #[test]
    fn a_document_title_is_dropped_from_the_head() {
        let doc = Document {
            title: Some("Labour chooses Manchester | WireFeed".into()),
            ..Document::text(
                "d",
                "Labour chooses Manchester\nThe Labour Party will hold its 2006 autumn conference in Manchester.",
            )
        };
        let c = cleaner().clean(&doc);
        assert_eq!(c.text, "The Labour Party will hold its 2006 autumn conference in Manchester.");
        assert_eq!(c.removed[0].class, RemovalClass::Title);
    }

    #[test]
    fn drops_adjacent_duplicate_short_lines() {
        let c = clean(
            "The body paragraph comes first and it is long enough to be prose.\nA caption\nA caption\nAnd the body goes on after the caption with another sentence.",
        );
        assert_eq!(c.removed.iter().filter(|r| r.class == RemovalClass::Duplicate).count(), 1);
    }

    #[test]
    fn a_tag_cloud_glued_to_a_line_is_trimmed_and_recorded() {
        let post =
            "The club met on Tuesday and agreed to buy new nets for both courts this spring.";
        let c = clean(&format!("{post}  Fixtures (40) Junior Coaching (12) Committee Minutes (8)"));
        assert_eq!(c.text, post);
        let removal = c.removed.iter().find(|r| r.rule == "shape.tag_cloud").expect("recorded");
        assert_eq!(removal.class, RemovalClass::Navigation);
        assert_eq!(removal.text, "Fixtures (40) Junior Coaching (12) Committee Minutes (8)");
    }

    #[test]
    fn empty_and_blank_inputs() {
        assert_eq!(clean("").text, "");
        assert_eq!(clean("\n\u{a0}\n\u{feff}\n").text, "");
    }

    #[test]
    fn html_bodies_are_reduced_to_text() {
        let doc = Document::html(
            "h",
            "<html><head><title>x</title><script>var a;</script></head><body><p>First paragraph of the story with enough words to count.</p><p>Second one.</p></body></html>",
        );
        let c = cleaner().clean(&doc);
        assert!(c.text.contains("First paragraph"));
        assert!(!c.text.contains("var a"));
    }

    #[test]
    fn cleaner_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Cleaner>();
    }
}

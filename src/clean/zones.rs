//! Step 3b: zones — where a line stands decides what its words mean.
//!
//! The same words mean different things in different places of a page. A date line before
//! the title is the page header (metadata); in the middle of the body it is text; right after
//! the last paragraph it is the header of the *next* story of a related tail, and so a cut.
//! `Read also` opening the tail cuts it; inside a body sentence it stays. A bare `0` after the
//! last paragraph is a comment counter; nowhere else is it safe to drop.
//!
//! So the cleaner first finds, for every line, which rules match it (`clean::rules`), and only
//! then lays out the zones:
//!
//! - **head**: the lines before the first body paragraph (the *lead*): a line that no head
//!   rule removes and that reads as prose (see [`is_prose`]);
//! - **lead**: the first body paragraph, where agency datelines stand;
//! - **body**: from the lead up to the first truncation marker (`cut_tail`) after it;
//! - **tail**: the trailing run of lines after the last body paragraph of which every line is
//!   blank or removed by some rule — computed backwards from the cut, so a tail-only rule (a
//!   bare counter, `Комментарии`) only fires when nothing but boilerplate follows it.
//!
//! A page with no line that reads as prose has no body: every line is head, nothing is cut.
//!
//! Places also tell what a line is when its words do not: a dateline on a line of its own
//! right above a paragraph opens the story; a headline right above the stamp that starts the
//! next story belongs to that story; a sentence between two lines of one removed notice is
//! a sentence of it; a sentence ending in a colon followed by short items is a list that
//! closes the article, not a tail of labels.

use super::packs::{Action, Zone};

/// What the layout needs to know about one line.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineFacts {
    /// Blank once normalised (white space, zero-width characters, BOMs only).
    pub(crate) blank: bool,
    /// Reads as a body paragraph (see [`is_prose`]).
    pub(crate) prose: bool,
    /// Some rule allowed in the head removes it.
    pub(crate) dropped_in_head: bool,
    /// Some rule allowed after the head removes it.
    pub(crate) dropped_after_head: bool,
    /// The first rule allowed after the head that removes it, if any: lines of one notice
    /// are removed by one rule.
    pub(crate) drop_rule: Option<u32>,
    /// Some rule allowed in the body (not only in the tail) removes it.
    pub(crate) dropped_in_body: bool,
    /// Ends in a colon: a label, or the sentence that introduces a list.
    pub(crate) colon: bool,
    /// Some `cut_tail` rule matches it.
    pub(crate) cuts: bool,
    /// Has the shape of page chrome (`clean::shape`).
    pub(crate) chrome: bool,
    /// Is a date stamp (`clean::shape::Shape::Stamp`).
    pub(crate) stamp: bool,
    /// Reads as a photo caption (`clean::shape::is_caption`).
    pub(crate) caption: bool,
    /// A prose line printed again further down: a teaser of the paragraph below.
    pub(crate) teaser: bool,
    /// A short line that repeats the line above it (blank lines aside): it goes as an
    /// adjacent duplicate, so the layout reads past it.
    pub(crate) repeat: bool,
    /// Opens with an agency dateline (`БИШКЕК, 15 фев — Sputnik.`): where a story starts.
    pub(crate) dateline: bool,
    /// Ends in an ellipsis: a teaser of another story, cut short, when it stands after the
    /// article.
    pub(crate) cut_short: bool,
    /// Ends as a sentence does (`.`, `!`, `?`, `…`, maybe inside quotes): a short closing
    /// sentence (`Работы начнутся весной.`) is the article's, a label is not.
    pub(crate) sentence: bool,
    /// Words in the line, counted up to [`SHORT_LINE_WORDS`] + 1.
    pub(crate) words: u8,
}

/// Most words of a lone trailing line that goes with the tail (a label, a name, a credit);
/// a longer one may be the article's last line.
pub(crate) const SHORT_LINE_WORDS: usize = 4;

/// How many non-blank lines after the first prose line a dateline is looked for: a page
/// prints a caption, a deck or a teaser above the paragraph that opens with the dateline.
const DATELINE_LOOKAHEAD: usize = 6;

/// Why the rest of a document is cut, when it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CutBy {
    /// A `cut_tail` rule (a related-news marker).
    Rule,
    /// A second agency dateline: the next story of a feed.
    NextDateline,
    /// A date stamp after the body, followed by no paragraph: a footer or the next story's
    /// header.
    StampAfterBody,
    /// The next story's headline, printed above its date stamp and its first paragraph.
    HeadlineAboveStamp,
}

impl CutBy {
    /// The id recorded for a cut made by the layout rather than by a rule.
    pub(crate) fn id(self) -> Option<&'static str> {
        match self {
            CutBy::Rule => None,
            CutBy::NextDateline => Some("layout.next_story_dateline"),
            CutBy::StampAfterBody => Some("layout.stamp_after_body"),
            CutBy::HeadlineAboveStamp => Some("layout.next_story_headline"),
        }
    }
}

/// Where the zones of a document begin and end, as line indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Layout {
    /// The first body paragraph; `None` when the page has no body.
    pub(crate) lead: Option<usize>,
    /// The first line of the trailing boilerplate run (== `cut` when there is none).
    pub(crate) tail: usize,
    /// The line where a truncation marker cuts the rest (== number of lines when none).
    pub(crate) cut: usize,
    /// What made the cut, when there is one.
    pub(crate) cut_by: Option<CutBy>,
    /// Related-news markers inside the body, each with the headlines it links: `Read also`
    /// and a headline, after which the article goes on. Removed; the body is not cut.
    pub(crate) inline_related: Vec<std::ops::Range<usize>>,
}

/// The zone of a line, once the layout is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineZone {
    Head,
    Lead,
    Body,
    Tail,
    /// At or after the cut: removed with the tail.
    Cut,
}

impl Layout {
    /// Lays out the zones of a document from the facts of its lines.
    ///
    /// - The lead is the first prose line that is no chrome, caption or teaser, and that no
    ///   head rule removes; but when a paragraph opening with an agency dateline follows
    ///   within a few lines, the story starts there.
    /// - The cut is the first truncation marker after the lead, or a second dateline (the next
    ///   story of a feed), or a date stamp followed by no paragraph.
    /// - The tail is the trailing run of lines that some rule removes, widened back over the
    ///   run of lines after the last paragraph that read as no prose (headlines of other
    ///   stories, labels, names), when that run is longer than one line or its one line is
    ///   short or chrome.
    ///
    /// `whole_page` is false for text an HTML extractor chose already: its blocks are the
    /// article's (a date stamp between them is a subheading, a list of short lines is a
    /// table), so the layout neither cuts at stamps or datelines nor widens the tail over
    /// trailing headlines.
    pub(crate) fn of(lines: &[LineFacts], whole_page: bool) -> Layout {
        let n = lines.len();
        let opens_body = |l: &LineFacts| {
            !l.blank && l.prose && !l.dropped_in_head && !l.cuts && !l.chrome && !l.stamp
        };
        let first =
            lines.iter().position(|l| opens_body(l) && !l.caption && !l.teaser).or_else(|| {
                lines.iter().position(|l| !l.blank && l.prose && !l.dropped_in_head && !l.cuts)
            });
        let Some(first) = first else {
            return Layout {
                lead: None,
                tail: n,
                cut: n,
                cut_by: None,
                inline_related: Vec::new(),
            };
        };
        // A dateline below one prose line (a caption, a deck, a teaser) opens the story; below
        // two paragraphs, it opens the next one.
        // A dateline on a line of its own (no prose: `Azərbaycan, Bakı, 4 mart /Trend/`) opens
        // the story when a paragraph follows it.
        let opens_story = |i: usize| {
            lines[i].dateline && (lines[i].prose || next_is_prose(lines, i)) && !lines[i].cuts
        };
        let above = (0..first).rev().find(|&i| !lines[i].blank).filter(|&i| opens_story(i));
        let lead = if lines[first].dateline {
            first
        } else if let Some(above) = above {
            above
        } else {
            (first + 1..n)
                .filter(|&i| !lines[i].blank)
                .take(DATELINE_LOOKAHEAD)
                .take_while(|&i| !(lines[i].prose && !lines[i].dateline && opens_body(&lines[i])))
                .find(|&i| opens_story(i))
                .unwrap_or(first)
        };
        let mut cut_by = None;
        let mut inline_related = Vec::new();
        let cut = (lead + 1..n)
            .find(|&i| {
                let line = &lines[i];
                if whole_page
                    && line.cuts
                    && !line.stamp
                    && inline_related.last().is_none_or(|r: &std::ops::Range<usize>| r.end <= i)
                {
                    if let Some(resumes) = body_resumes_after(lines, i) {
                        inline_related.push(i..resumes);
                        return false;
                    }
                }
                cut_by = if line.cuts {
                    Some(CutBy::Rule)
                } else if whole_page && line.dateline && line.prose {
                    Some(CutBy::NextDateline)
                } else if whole_page && line.stamp && !next_is_prose(lines, i) {
                    Some(CutBy::StampAfterBody)
                } else {
                    None
                };
                cut_by.is_some()
            })
            .unwrap_or(n);
        // The next story may print its headline above its stamp and its first paragraph: the
        // cut starts at the headline.
        let mut cut = cut;
        if cut < n && lines[cut].stamp && next_is_prose(lines, cut) {
            let above = (lead + 1..cut).rev().find(|&i| !lines[i].blank);
            if let Some(above) =
                above.filter(|&i| is_other_headline(&lines[i], NEXT_HEADLINE_MIN_WORDS))
            {
                cut = above;
                cut_by = Some(CutBy::HeadlineAboveStamp);
            }
        }
        let removed = |l: &LineFacts| l.blank || l.dropped_after_head;
        let mut tail = cut;
        while tail > lead + 1
            && (removed(&lines[tail - 1]) || inside_notice(lines, tail - 1, lead, cut))
        {
            tail -= 1;
        }
        let mut tail = widen_over_trailing_lines(lines, lead, tail, cut, whole_page);
        // Other stories' headlines with a paragraph each: the tail starts at the first, and
        // the lines above it are looked at as they would be were the pairs gone already (so
        // that cleaning the output again removes nothing more).
        if whole_page && let Some(pairs) = snippet_pairs_start(lines, lead, tail) {
            tail = widen_over_trailing_lines(lines, lead, pairs, pairs, whole_page);
        }
        let cut_by = (cut < n).then_some(cut_by).flatten();
        Layout { lead: Some(lead), tail, cut, cut_by, inline_related }
    }

    /// The zone of line `i`.
    pub(crate) fn zone(&self, i: usize) -> LineZone {
        match self.lead {
            None => LineZone::Head,
            Some(lead) if i < lead => LineZone::Head,
            Some(lead) if i == lead => LineZone::Lead,
            Some(_) if i >= self.cut => LineZone::Cut,
            Some(_) if i >= self.tail => LineZone::Tail,
            Some(_) => LineZone::Body,
        }
    }
}

/// The tail that starts at `tail`, widened back over the run of lines after the last
/// paragraph that read as no prose (headlines of other stories, labels, names), when that
/// run is longer than one line or its one line is short or chrome. The lines up to `end`
/// (those some rule removes, a marker, a prompt) count in the run.
fn widen_over_trailing_lines(
    lines: &[LineFacts],
    lead: usize,
    tail: usize,
    end: usize,
    whole_page: bool,
) -> usize {
    let removed = |l: &LineFacts| l.blank || l.dropped_after_head;
    let headline_like = |l: &LineFacts| !l.prose || l.cut_short;
    let mut tail = tail;
    let mut start = tail;
    while start > lead + 1 && (removed(&lines[start - 1]) || headline_like(&lines[start - 1])) {
        start -= 1;
    }
    // A list closes the article: the sentence that introduces it ends in a colon, its
    // items are short (`Самыми популярными именами стали:`, then names). The tail starts
    // after the list, if at all.
    if let Some(list_end) = closing_list_end(lines, start, end) {
        tail = tail.max(list_end);
        start = start.max(list_end);
    }
    // Two lines or more, counting those some rule removes (a marker, a prompt), are other
    // stories or page chrome; one line alone goes only if it is short or chrome.
    let mut trailing = lines[start..end].iter().filter(|l| !l.blank);
    let first_left = trailing.next();
    let one_short = first_left
        .is_some_and(|l| l.chrome || (usize::from(l.words) <= SHORT_LINE_WORDS && !l.sentence));
    if whole_page && start < tail && (trailing.next().is_some() || one_short) {
        tail = start;
    }
    tail
}

/// Most headline lines a `Read also` marker inside the body links to.
const INLINE_RELATED_MAX_LINES: usize = 2;

/// Where the article goes on after a related-news marker at `marker`, if it does: past at
/// most [`INLINE_RELATED_MAX_LINES`] headline lines, two paragraphs in a row (blank or
/// removed lines between them only). A tail of other stories alternates headlines and
/// snippets, or lists headlines only.
fn body_resumes_after(lines: &[LineFacts], marker: usize) -> Option<usize> {
    let mut at = marker + 1;
    let mut headlines = 0;
    while at < lines.len() {
        let line = &lines[at];
        if line.blank || line.dropped_after_head {
            at += 1;
            continue;
        }
        if line.prose && !line.chrome && !line.cuts {
            break;
        }
        headlines += 1;
        if headlines > INLINE_RELATED_MAX_LINES || line.cuts {
            return None;
        }
        at += 1;
    }
    let resumes = at;
    let mut paragraphs = 0;
    for line in &lines[resumes..] {
        if line.blank || line.dropped_after_head {
            continue;
        }
        if !line.prose || line.chrome || line.cuts {
            break;
        }
        paragraphs += 1;
        if paragraphs == 2 {
            return Some(resumes);
        }
    }
    None
}

/// Fewest headline and snippet pairs that make a related tail with no marker.
const SNIPPET_PAIRS_MIN: usize = 2;
/// Fewest words of another story's headline in a headline and snippet pair: a subheading of
/// the article's own sections is shorter.
const SNIPPET_HEADLINE_MIN_WORDS: u8 = 4;

/// Where a run of other stories' headline and snippet pairs starts, when the body ends with
/// one: [`SNIPPET_PAIRS_MIN`] or more pairs of a headline (no sentence, four words or more)
/// and one paragraph, up to `tail`, after at least two paragraphs of the article. An
/// article's sections have shorter subheadings, or more than one paragraph each.
fn snippet_pairs_start(lines: &[LineFacts], lead: usize, tail: usize) -> Option<usize> {
    let headline = |l: &LineFacts| is_other_headline(l, SNIPPET_HEADLINE_MIN_WORDS);
    let snippet = |l: &LineFacts| l.prose && !l.chrome && !l.dateline && !l.cuts;
    // Read as the output will be: without the lines that go anyway (so that cleaning the
    // output again finds the same pairs).
    let goes = |l: &LineFacts| l.blank || l.repeat || l.dropped_after_head;
    let mut kept = (lead + 1..tail).rev().filter(|&i| !goes(&lines[i]));
    let mut pairs = 0;
    let mut start = tail;
    while let Some(p) = kept.next() {
        if !snippet(&lines[p]) {
            break;
        }
        let Some(h) = kept.next() else { break };
        if !headline(&lines[h]) {
            break;
        }
        pairs += 1;
        start = h;
    }
    let paragraphs = (lead..start).filter(|&i| lines[i].prose && !lines[i].blank).count();
    (pairs >= SNIPPET_PAIRS_MIN && paragraphs >= 2).then_some(start)
}

/// Whether line `i` stands inside a notice after the body: the lines right above and right
/// below it (blank lines aside) are removed by one rule, as the sentences of a footer the pack
/// knows are, and this one is a sentence of it in other words.
fn inside_notice(lines: &[LineFacts], i: usize, lead: usize, cut: usize) -> bool {
    let rule_of = |at: Option<usize>| at.and_then(|at| lines[at].drop_rule);
    let above = (lead + 1..i).rev().find(|&at| !lines[at].blank);
    let below = (i + 1..cut).find(|&at| !lines[at].blank);
    let rule = rule_of(above);
    !lines[i].cuts && rule.is_some() && rule == rule_of(below)
}

/// Fewest words of a sentence introducing a list (`Самыми популярными именами стали:`); a
/// label ending in a colon (`Теги:`, `Read also:`) has fewer.
const LIST_INTRO_MIN_WORDS: u8 = 4;

/// Where a list that closes the article ends, when one does: in `start..cut`, a line ending in
/// a colon that no rule removes, with [`LIST_INTRO_MIN_WORDS`] words or more, followed by
/// short items (no prose, no chrome, no line a body rule removes).
fn closing_list_end(lines: &[LineFacts], start: usize, cut: usize) -> Option<usize> {
    let intro = (start..cut).find(|&i| {
        let l = &lines[i];
        l.colon
            && !l.prose
            && !l.chrome
            && !l.cuts
            && !l.dropped_after_head
            && l.words >= LIST_INTRO_MIN_WORDS
    })?;
    let item = |l: &LineFacts| {
        !l.prose
            && !l.chrome
            && !l.cuts
            && !l.dropped_in_body
            && !l.colon
            && usize::from(l.words) <= SHORT_LINE_WORDS
    };
    let mut end = intro + 1;
    let mut items = 0;
    for (i, line) in lines.iter().enumerate().take(cut).skip(intro + 1) {
        if line.blank {
            continue;
        }
        if !item(line) {
            break;
        }
        items += 1;
        end = i + 1;
    }
    (items >= 2).then_some(end)
}

/// Whether a line reads as another story's headline: `min_words` words or more, no sentence,
/// no label, no chrome, nothing a rule removes.
fn is_other_headline(line: &LineFacts, min_words: u8) -> bool {
    !line.prose
        && !line.chrome
        && !line.sentence
        && !line.colon
        && !line.dropped_after_head
        && !line.cuts
        && line.words >= min_words
}

/// Fewest words of the next story's headline above its date stamp.
const NEXT_HEADLINE_MIN_WORDS: u8 = 3;

/// Whether the first non-blank line after `i` reads as prose.
fn next_is_prose(lines: &[LineFacts], i: usize) -> bool {
    lines.iter().skip(i + 1).find(|l| !l.blank).is_some_and(|l| l.prose && !l.chrome)
}

/// Whether a rule declared for `rule_zone` applies to a line in `line_zone`.
pub(crate) fn applies(rule_zone: Zone, line_zone: LineZone) -> bool {
    match (rule_zone, line_zone) {
        (_, LineZone::Cut) => false,
        (Zone::Any, _) => true,
        (Zone::Head, LineZone::Head) => true,
        (Zone::Lead, LineZone::Lead) => true,
        (Zone::Body, LineZone::Lead | LineZone::Body | LineZone::Tail) => true,
        (Zone::Tail, LineZone::Tail) => true,
        _ => false,
    }
}

/// Whether a rule with `action` and `zone` removes a line in the head, or after it; used to
/// build [`LineFacts`].
pub(crate) fn removes_in_head(action: Action, zone: Zone) -> bool {
    action == Action::Drop && matches!(zone, Zone::Head | Zone::Any)
}

/// See [`removes_in_head`].
pub(crate) fn removes_after_head(action: Action, zone: Zone) -> bool {
    action == Action::Drop && matches!(zone, Zone::Body | Zone::Tail | Zone::Any)
}

/// Fewest words of a line that reads as a paragraph by length alone. Headlines run up to
/// about 15 words; past that a line is prose whatever its punctuation.
const PROSE_MIN_WORDS: usize = 16;
/// Fewest characters of a line that reads as a paragraph by length alone (headlines rarely
/// pass 120).
const PROSE_MIN_CHARS: usize = 120;
/// Fewest words of a statement (a line ending in `.` or `…`) that reads as a paragraph.
const SENTENCE_MIN_WORDS: usize = 4;
/// Fewest words of a question or exclamation that reads as a paragraph: headlines end in `?`
/// and `!` too, so these need more words than a statement.
const QUESTION_MIN_WORDS: usize = 12;

/// Whether a line reads as a body paragraph rather than a title, menu item or label: a long
/// line, or a sentence. Headlines (short, no final full stop) are not prose.
pub(crate) fn is_prose(text: &str, chars: usize) -> bool {
    is_prose_counted(text, chars, prose_words(text))
}

/// The words of `text` that [`is_prose`] needs: counted up to [`PROSE_MIN_WORDS`].
pub(crate) fn prose_words(text: &str) -> usize {
    count_words(text, PROSE_MIN_WORDS)
}

/// [`is_prose`] for a line whose [`prose_words`] are counted already.
pub(crate) fn is_prose_counted(text: &str, chars: usize, words: usize) -> bool {
    if words >= PROSE_MIN_WORDS || (chars >= PROSE_MIN_CHARS && words >= 2) {
        return true;
    }
    let end = sentence_end(text);
    if end.ends_with(['.', '…', '。']) && !end.ends_with("..") {
        return words >= SENTENCE_MIN_WORDS;
    }
    end.ends_with(['.', '!', '?', '…']) && words >= QUESTION_MIN_WORDS
}

/// `text` without the closing quotes and brackets after its last word: where a sentence's
/// final stop stands (`… сказал он.»`).
pub(crate) fn sentence_end(text: &str) -> &str {
    text.trim_end_matches(['"', '»', '”', '\'', ')', '’'])
}

/// Whether a line is a turn of an interview: a speaker's initials or name and a colon
/// (`Қ.Ә: Рухани айналым қандай?`, `Q: When?`). A question that short is still the body.
pub(crate) fn is_interview_turn(text: &str) -> bool {
    let Some((speaker, said)) = text.split_once(':') else { return false };
    let initials = speaker.chars().count() <= 8
        && speaker.chars().all(|c| c.is_uppercase() || c == '.' || c == ' ')
        && speaker.chars().any(char::is_uppercase);
    initials
        && said.trim_end().ends_with(['?', '.', '!', '…'])
        && said.split_whitespace().count() >= 3
}

/// Characters of a word that stand for it when lines are compared by their words: enough to
/// tell words apart, few enough that `mehmonxona` and `mehmonxonalar` are one.
const STEM_CHARS: usize = 5;

/// The stems of the words of a matching form: the first [`STEM_CHARS`] characters of each
/// word of three letters or more.
pub(crate) fn stems(form: &str) -> Vec<&str> {
    form.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| w.chars().count() >= 3)
        .map(|w| w.char_indices().nth(STEM_CHARS).map_or(w, |(at, _)| &w[..at]))
        .collect()
}

/// The share of `words` found in `among`.
pub(crate) fn share(words: &[&str], among: &[&str]) -> f32 {
    if words.is_empty() {
        return 0.0;
    }
    let found = words.iter().filter(|w| among.contains(w)).count();
    found as f32 / words.len() as f32
}

/// Fewest words of a headline in capitals at the start of a line.
const SHOUTED_MIN_WORDS: usize = 4;

/// Whether a line opens with a headline in capitals: its first sentence, of
/// [`SHOUTED_MIN_WORDS`] words or more, has no lower-case letter and no digit (`МИГРАЦИОННЫЙ
/// ПОТОК РОССИЯН В КАЗАХСТАН УМЕНЬШИЛСЯ. И все же …`). Such a line is a title with its
/// subtitle, however long; an agency dateline in capitals has a date in it.
pub(crate) fn opens_with_shouted_headline(text: &str) -> bool {
    let mut chars = text.chars();
    if !(chars.next().is_some_and(char::is_uppercase)
        && chars.next().is_some_and(char::is_uppercase))
    {
        return false;
    }
    let first = text.split_once(". ").map_or(text, |(first, _)| first);
    first.split_whitespace().count() >= SHOUTED_MIN_WORDS
        && !first.chars().any(|c| c.is_lowercase() || c.is_ascii_digit())
}

/// Share of the words of a one-sentence first line found at the start of the paragraph under
/// it for the line to be that paragraph's headline.
const RESTATED_SHARE: f32 = 0.7;
/// Fewest word stems of a restated headline.
const RESTATED_MIN_WORDS: usize = 4;
/// Characters of the paragraph read for the restated headline.
const RESTATED_WINDOW_BYTES: usize = 400;

/// Whether a short one-sentence line (`Самарқанд вилоятида янги эркин иқтисодий зона ташкил
/// этилади.`) is the headline of the paragraph under it: most of its words open that
/// paragraph again. A title ending in a full stop reads as a sentence; the paragraph that
/// restates it shows it was none.
pub(crate) fn is_restated_headline(line: &str, next: &str) -> bool {
    // The paragraph says more than the line: a copy of the line is a teaser, not this.
    if line.len() >= PROSE_MIN_CHARS * 4
        || next.len() < line.len() * 3 / 2
        || line.chars().count() >= PROSE_MIN_CHARS
        || line.trim_end_matches('.').contains(". ")
    {
        return false;
    }
    let line = crate::normalize::for_matching(line);
    let next = crate::normalize::for_matching(crate::normalize::prefix_within(
        next,
        RESTATED_WINDOW_BYTES,
    ));
    let words = stems(&line);
    words.len() >= RESTATED_MIN_WORDS && share(&words, &stems(&next)) >= RESTATED_SHARE
}

/// `text.split_whitespace().take(most).count()`.
///
/// Lines without white space beyond ASCII (the near totality) are counted by a loop over byte
/// pairs that the compiler vectorises: a word starts at every byte that is not ASCII white
/// space and follows one that is (continuation bytes follow their lead byte, never a space).
/// Other lines go through [`count_words_by_char`].
///
/// Only `most` words are wanted, and lines run to thousands of bytes: the words of a prefix
/// that should hold them are counted first, and the whole line only when it does not.
pub(crate) fn count_words(text: &str, most: usize) -> usize {
    let head = crate::normalize::prefix_within(text, most.saturating_mul(WORD_BYTES) + 1);
    if head.len() < text.len() && count_words_in(head, most) >= most {
        // Words that start in the prefix start in the line.
        return most;
    }
    count_words_in(text, most)
}

/// Bytes that a word and the space after it take, at most, in most text (Cyrillic letters
/// are two bytes): the prefix [`count_words`] reads first.
const WORD_BYTES: usize = 16;

/// [`count_words`] over the whole of `text`.
fn count_words_in(text: &str, most: usize) -> usize {
    let bytes = text.as_bytes();
    if has_unicode_space(bytes) {
        return count_words_by_char(bytes, most);
    }
    let space = |b: u8| (b == b' ') | (b.wrapping_sub(b'\t') < 5);
    let first = bytes.first().map_or(0, |&b| usize::from(!space(b)));
    let pairs = bytes.get(..bytes.len().saturating_sub(1)).unwrap_or_default();
    let mut starts = 0;
    // Counted in u8 lanes, 255 pairs at a time.
    for (before, at) in pairs.chunks(255).zip(bytes.get(1..).unwrap_or_default().chunks(255)) {
        let n: u8 = before
            .iter()
            .zip(at)
            .map(|(&before, &at)| u8::from(space(before) & !space(at)))
            .fold(0, u8::wrapping_add);
        starts += usize::from(n);
    }
    (first + starts).min(most)
}

/// Whether `bytes` holds white space other than ASCII: U+0085, U+00A0, U+1680, U+2000..U+200A,
/// U+2028, U+2029, U+202F, U+205F, U+3000.
fn has_unicode_space(bytes: &[u8]) -> bool {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let space_at = |i: usize| match (at(i), at(i + 1), at(i + 2)) {
        (0xc2, 0x85 | 0xa0, _) | (0xe1, 0x9a, 0x80) | (0xe2, 0x81, 0x9f) | (0xe3, 0x80, 0x80) => {
            true
        }
        (0xe2, 0x80, c) => matches!(c, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf),
        _ => false,
    };
    memchr::memchr3_iter(0xc2, 0xe2, 0xe1, bytes).any(space_at)
        || memchr::memchr_iter(0xe3, bytes).any(space_at)
}

/// [`count_words`] for any text: the lead byte of a character tells whether it can be white
/// space, and only those few are decoded.
fn count_words_by_char(bytes: &[u8], most: usize) -> usize {
    let mut words = 0;
    // Whether the character before `at` was white space (or `at` is the start).
    let mut after_space = true;
    let mut at = 0;
    while at < bytes.len() && words < most {
        let b = bytes[at];
        at += 1;
        let space = match b {
            b' ' | b'\t'..=b'\r' => true,
            // ASCII, continuation bytes (part of the character before) and lead bytes that
            // start no white space.
            0..0x80 => false,
            0x80..0xc0 => continue,
            0xc2 => matches!(bytes.get(at), Some(0x85 | 0xa0)),
            0xe1..=0xe3 => match (b, bytes.get(at), bytes.get(at + 1)) {
                // U+1680, U+3000
                (0xe1, Some(0x9a), Some(0x80)) | (0xe3, Some(0x80), Some(0x80)) => true,
                // U+2000..U+200A, U+2028, U+2029, U+202F
                (0xe2, Some(0x80), Some(&c)) => matches!(c, 0x80..=0x8a | 0xa8 | 0xa9 | 0xaf),
                // U+205F
                (0xe2, Some(0x81), Some(0x9f)) => true,
                _ => false,
            },
            _ => false,
        };
        words += usize::from(after_space & !space);
        after_space = space;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn word_count_agrees_with_split_whitespace(
            text in "[a-zя \t\n\r\x0b\x0c\u{85}\u{a0}\u{1680}\u{2000}-\u{200c}\u{2028}-\u{2030}\u{205f}\u{3000}\u{2060}\u{1f600}]{0,40}",
            most in 1usize..20,
            ascii in "[a-z \t\n]{0,40}",
        ) {
            let text = format!("{ascii}{text}{ascii}");
            prop_assert_eq!(count_words(&text, most), text.split_whitespace().take(most).count());
        }

        #[test]
        fn word_count_agrees_without_unicode_spaces(
            text in "[a-zя«»“” \t\n\r\x0b\x0c\u{2010}\u{2060}\u{1f600}]{0,60}",
            most in 1usize..20,
        ) {
            prop_assert_eq!(count_words(&text, most), text.split_whitespace().take(most).count());
        }

        #[test]
        fn word_count_agrees_on_any_string(text in any::<String>()) {
            prop_assert_eq!(count_words(&text, 16), text.split_whitespace().take(16).count());
        }
    }

    fn facts(spec: &str) -> Vec<LineFacts> {
        // One char per line: b blank, p prose, h dropped in head, t dropped after head,
        // c cut marker, s unmatched headline, w unmatched one-word label, d prose opening
        // with a dateline, m date stamp, k caption.
        spec.chars()
            .map(|c| LineFacts {
                blank: c == 'b',
                prose: matches!(c, 'p' | 'd' | 'k'),
                dropped_in_head: c == 'h',
                dropped_after_head: c == 't',
                cuts: c == 'c',
                stamp: c == 'm',
                dateline: c == 'd',
                caption: c == 'k',
                words: if c == 'w' { 1 } else { 8 },
                ..LineFacts::default()
            })
            .collect()
    }

    #[test]
    fn lead_is_the_first_prose_line_not_removed() {
        let layout = Layout::of(&facts("hbsbppp"), true);
        assert_eq!(layout.lead, Some(4));
        assert_eq!(layout.zone(2), LineZone::Head);
        assert_eq!(layout.zone(4), LineZone::Lead);
        assert_eq!(layout.zone(5), LineZone::Body);
    }

    #[test]
    fn cut_is_honoured_only_after_the_lead() {
        let layout = Layout::of(&facts("csppcss"), true);
        assert_eq!(layout.lead, Some(2));
        assert_eq!(layout.cut, 4);
        assert_eq!(layout.zone(0), LineZone::Head);
        assert_eq!(layout.zone(5), LineZone::Cut);
    }

    #[test]
    fn a_marker_inside_the_body_removes_its_headline_and_cuts_nothing() {
        // Marker, one linked headline, then two paragraphs: the article goes on.
        let layout = Layout::of(&facts("ppcsbpp"), true);
        assert_eq!(layout.cut, 7);
        assert_eq!(layout.inline_related, vec![2..5]);
        // Headline and snippet pairs after a marker are a tail.
        let layout = Layout::of(&facts("ppcspsp"), true);
        assert_eq!(layout.cut, 2);
        assert!(layout.inline_related.is_empty());
    }

    #[test]
    fn the_next_story_starts_at_a_dateline_or_a_stamp_after_the_body() {
        let layout = Layout::of(&facts("sppdpp"), true);
        assert_eq!(
            (layout.lead, layout.cut, layout.cut_by),
            (Some(1), 3, Some(CutBy::NextDateline))
        );
        let layout = Layout::of(&facts("sppmsms"), true);
        assert_eq!((layout.cut, layout.cut_by), (3, Some(CutBy::StampAfterBody)));
        // A stamp followed by a paragraph is a subheading of a timeline.
        let layout = Layout::of(&facts("sppmpmp"), true);
        assert_eq!(layout.cut, 7);
        // Text an extractor chose is not cut by the layout.
        let layout = Layout::of(&facts("sppmsms"), false);
        assert_eq!(layout.cut, 7);
    }

    #[test]
    fn the_next_story_headline_above_its_stamp_goes_with_it() {
        // A next-story header rule cuts at the stamp; the headline above it goes too.
        let mut lines = facts("sppsmp");
        lines[4].cuts = true;
        let layout = Layout::of(&lines, true);
        assert_eq!((layout.cut, layout.cut_by), (3, Some(CutBy::HeadlineAboveStamp)));
        // A headline above a footer stamp, with no paragraph after, is left to the tail.
        let layout = Layout::of(&facts("sppsm"), true);
        assert_eq!((layout.cut, layout.cut_by), (4, Some(CutBy::StampAfterBody)));
        // A stamp with a paragraph after it and no rule cutting is a timeline's subheading.
        let layout = Layout::of(&facts("sppsmp"), true);
        assert_eq!(layout.cut, 6);
    }

    #[test]
    fn a_sentence_between_two_lines_of_one_notice_goes_with_it() {
        let mut lines = facts("spptpt");
        lines[3].drop_rule = Some(7);
        lines[5].drop_rule = Some(7);
        let layout = Layout::of(&lines, true);
        assert_eq!(layout.tail, 3);
        // Lines removed by two different rules hold no notice between them.
        lines[5].drop_rule = Some(8);
        let layout = Layout::of(&lines, true);
        assert_eq!(layout.tail, 5);
    }

    #[test]
    fn headline_and_snippet_pairs_after_the_body_are_a_tail() {
        let layout = Layout::of(&facts("spppspsp"), true);
        assert_eq!(layout.tail, 4);
        // One pair may be the article's last section.
        let layout = Layout::of(&facts("spppsp"), true);
        assert_eq!(layout.tail, 6);
        // Sections of two paragraphs each are the article's.
        let layout = Layout::of(&facts("sppsppspp"), true);
        assert_eq!(layout.tail, 9);
        // Short subheadings are the article's.
        let mut lines = facts("spppspsp");
        lines[4].words = 2;
        lines[6].words = 2;
        assert_eq!(Layout::of(&lines, true).tail, 8);
    }

    #[test]
    fn a_list_introduced_by_a_colon_closes_the_body() {
        let mut lines = facts("sppswww");
        lines[3].colon = true;
        let layout = Layout::of(&lines, true);
        assert_eq!(layout.tail, 7);
        // Without the colon the short lines are a tail.
        let layout = Layout::of(&facts("sppswww"), true);
        assert_eq!(layout.tail, 3);
    }

    #[test]
    fn a_dateline_on_its_own_line_above_the_paragraph_is_the_lead() {
        let mut lines = facts("ssbspp");
        lines[3].dateline = true;
        let layout = Layout::of(&lines, true);
        assert_eq!(layout.lead, Some(3));
    }

    #[test]
    fn the_lead_skips_captions_and_moves_to_a_nearby_dateline() {
        let layout = Layout::of(&facts("skbpd"), true);
        assert_eq!(layout.lead, Some(4));
        let layout = Layout::of(&facts("skbpp"), true);
        assert_eq!(layout.lead, Some(3));
    }

    #[test]
    fn tail_is_the_trailing_run_of_removed_lines() {
        let layout = Layout::of(&facts("pptbtbt"), true);
        assert_eq!(layout.tail, 2);
        assert_eq!(layout.zone(1), LineZone::Body);
        assert_eq!(layout.zone(6), LineZone::Tail);
        // A headline after boilerplate goes with it: other stories follow the marker.
        let layout = Layout::of(&facts("pptsb"), true);
        assert_eq!(layout.tail, 2);
        // A headline alone after the last paragraph may be the article's last line.
        let layout = Layout::of(&facts("ppsb"), true);
        assert_eq!(layout.tail, 3);
        // A one-word label alone goes.
        let layout = Layout::of(&facts("ppwb"), true);
        assert_eq!(layout.tail, 2);
    }

    #[test]
    fn no_prose_means_no_body() {
        let layout = Layout::of(&facts("shscs"), true);
        assert_eq!(layout.lead, None);
        assert!((0..5).all(|i| layout.zone(i) == LineZone::Head));
    }

    #[test]
    fn stems_compare_words_by_their_first_letters() {
        let deck = stems("buxoro viloyatida yigirmaga yaqin mehmonxona");
        let lead = stems("buxoro viloyatida 20 ta yangi mehmonxonalar");
        assert_eq!(deck, ["buxor", "viloy", "yigir", "yaqin", "mehmo"]);
        assert!((share(&deck, &lead) - 0.6).abs() < 1e-6);
        assert_eq!(share(&[], &lead), 0.0);
    }

    #[test]
    fn headlines_in_capitals_open_a_line() {
        assert!(opens_with_shouted_headline(
            "ЦЕНЫ НА ХЛЕБ В РЕГИОНЕ ВЫРОСЛИ. Пекари объясняют это подорожанием муки и газа."
        ));
        assert!(!opens_with_shouted_headline(
            "МОСКВА, 2 сентября. /ТАСС/. Правительство утвердило план."
        ));
        assert!(!opens_with_shouted_headline("NATO и ЕС обсудили новые меры поддержки."));
    }

    #[test]
    fn a_one_sentence_line_restated_by_the_paragraph_is_its_headline() {
        assert!(is_restated_headline(
            "Навоийда янги кон очилади.",
            "Навоий вилоятида янги олтин кони очилади, деб хабар берди вазирлик. Кон 2026 йилда ишга тушади."
        ));
        assert!(!is_restated_headline(
            "Работы начнутся весной.",
            "Подрядчик уже выбран, смета утверждена, сообщили в акимате."
        ));
    }

    #[test]
    fn prose_needs_length_or_a_sentence() {
        assert!(is_prose("Experts from five countries discussed the region's resources.", 62));
        assert!(is_prose("Он сказал это вчера.", 20));
        assert!(!is_prose("Experts talk rare minerals", 26));
        assert!(!is_prose("Experts from Central Asia, S. Korea talk rare minerals", 54));
        assert!(!is_prose("Who will pay for the new bridge over the river?", 47));
        assert!(!is_prose("Read also:", 10));
        assert!(!is_prose("Здравствуйте.", 13));
    }
}

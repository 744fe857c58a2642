//! Step 3f: assembling the article from the cleaner's line verdicts.
//!
//! [`Output`] gathers, line by line, what the cleaner keeps and what it removes (with the
//! class and id of each removal), then, once every line is judged, decides what only the whole
//! page can tell: the title (by evidence: a line printed twice, a headline near the body),
//! the head lines left above the first paragraph, adjacent duplicates, the date a stamp gives,
//! the language, and whether the page is an article at all (`page_kind`).

use super::zones::{self, CutBy, Layout, LineZone, share, stems};
use super::{
    Action, LineState, Origin, RuleSet, Shape, TITLE_RULE, dates, is_title_line, is_trimmed,
    language, page_kind,
};
use crate::normalize::for_matching;
use crate::{Cleaned, Document, Meta, Removal, RemovalClass};

/// The rule id recorded when the title is taken from the head of the text.
const TITLE_FROM_TEXT_RULE: &str = "title.head_line";
/// The rule id recorded for a headline that a related-news marker inside the body links.
const INLINE_RELATED_RULE: &str = "layout.inline_related";
/// The rule id recorded for a line between the title and the first paragraph that no rule
/// names: a deck, a caption, a byline, a teaser.
const BEFORE_BODY_RULE: &str = "layout.before_body";
/// The rule id recorded for page chrome above the title.
const ABOVE_TITLE_RULE: &str = "navigation.above_title";
/// The rule id recorded for a short line repeating the kept line before it.
const DUPLICATE_RULE: &str = "duplicate.adjacent";
/// Lines longer than this are never dropped as adjacent duplicates: repeated paragraphs can be
/// content (a refrain, a quoted statement).
pub(super) const DUPLICATE_MAX_CHARS: usize = 200;
/// How many headline-like lines above the first paragraph compete for the title.
const TITLE_NEAR_BODY: usize = 3;
/// Shortest title (in characters) recognised by being printed twice: short labels repeat
/// for other reasons.
const TITLE_REPEAT_MIN_CHARS: usize = 15;
/// Words counted when titles compete by length.
const TITLE_WORDS_COUNTED: usize = 15;
/// The longest head line taken for a title.
const TITLE_MAX_CHARS: usize = 250;
/// Fewest words of a deck: the summary under a title, longer than it.
const DECK_MIN_WORDS: usize = 8;
/// Share of a deck's word stems found in the first paragraph (a deck restates the lead).
const DECK_LEAD_SHARE: f32 = 0.6;
/// Share of a title's word stems found in the deck and the first paragraph below it (the
/// title names the story; a menu item does not).
const TITLE_STORY_SHARE: f32 = 0.5;
/// The rule id recorded for the headline of another story right under its photo's alt text.
const PHOTO_CARD_RULE: &str = "layout.photo_card_headline";

/// What the cleaner has decided so far for one document.
/// A kept line, borrowed from the document and its [`LineState`].
pub(super) struct Kept<'a> {
    pub(super) text: &'a str,
    pub(super) line: usize,
    pub(super) zone: LineZone,
    /// Whether the line reads as a paragraph.
    pub(super) prose: bool,
    /// Its matching form, when the line was short enough to have one computed.
    pub(super) form: Option<&'a str>,
}

impl Kept<'_> {
    /// The matching form, computed now if the line did not have one.
    pub(super) fn form(&self) -> std::borrow::Cow<'_, str> {
        match self.form {
            Some(form) => std::borrow::Cow::Borrowed(form),
            None => std::borrow::Cow::Owned(for_matching(self.text)),
        }
    }
}

pub(super) struct Output<'a> {
    pub(super) kept: Vec<Kept<'a>>,
    pub(super) removed: Vec<Removal>,
    pub(super) meta: Meta,
    /// How often each `keep_meta` rule has matched so far: `(rule, count)`.
    pub(super) keep_meta_counts: Vec<(usize, usize)>,
}

impl<'a> Output<'a> {
    /// The output of a document of `lines` non-blank lines: the kept lines are sized for
    /// them (they are joined, then dropped; the removals live on in the result, unsized).
    pub(super) fn new(doc: &Document, lines: usize) -> Output<'a> {
        Output {
            kept: Vec::with_capacity(lines),
            removed: Vec::new(),
            meta: Meta { site: doc.site.clone(), ..Meta::default() },
            keep_meta_counts: Vec::new(),
        }
    }

    /// Counts one more match of the `keep_meta` rule `rule`; returns the new count.
    pub(super) fn note_keep_meta(&mut self, rule: usize) -> usize {
        match self.keep_meta_counts.iter_mut().find(|(r, _)| *r == rule) {
            Some((_, count)) => {
                *count += 1;
                *count
            }
            None => {
                self.keep_meta_counts.push((rule, 1));
                1
            }
        }
    }

    pub(super) fn remove(&mut self, class: RemovalClass, rule: &str, text: &str, line: usize) {
        self.removed.push(Removal {
            class,
            rule: rule.to_owned(),
            text: text.to_owned(),
            line,
            note: None,
        });
    }

    pub(super) fn keep(&mut self, kept: Kept<'a>) {
        self.kept.push(kept);
    }

    /// The kept head line that is the title, by evidence: a line printed twice in the head
    /// (heading and alt text, breadcrumb and heading) wins; else, of the last few headline-like
    /// lines above the first paragraph (the title stands near it, menus and labels above),
    /// the one with most words. Never a label ending in a colon, a caption, or a line too
    /// long for a title; chrome (dates, tickers, URLs) was removed by its shape already.
    pub(super) fn pick_title(&self) -> Option<usize> {
        let candidates: Vec<usize> = (0..self.kept.len())
            .filter(|&i| self.kept[i].zone == LineZone::Head)
            .filter(|&i| {
                let t = self.kept[i].text;
                t.chars().count() <= TITLE_MAX_CHARS && !t.ends_with(':')
            })
            .collect();
        let words = |i: usize| zones::count_words(self.kept[i].text, TITLE_WORDS_COUNTED);
        // A headline is no paragraph: captions, teasers and decks do not compete.
        let headlines: Vec<usize> =
            candidates.iter().copied().filter(|&i| words(i) >= 2 && !self.kept[i].prose).collect();
        // A menu of capitalised words and a notice printed twice in a row above another
        // headline compete only when nothing else does.
        let plain: Vec<usize> = headlines
            .iter()
            .copied()
            .filter(|&i| !is_menu_line(self.kept[i].text) && !self.notice_twice(i, &headlines))
            .collect();
        let headlines = if plain.is_empty() { headlines } else { plain };
        // The head lines rules removed: a breadcrumb may end with the title.
        let first_body = self.kept.iter().find(|k| k.zone != LineZone::Head).map(|k| k.line);
        let removed_head: Vec<&Removal> = self
            .removed
            .iter()
            .filter(|r| first_body.is_none_or(|body| r.line < body))
            .filter(|r| r.class != RemovalClass::RelatedTail)
            .collect();
        let printed_twice = headlines.iter().copied().find(|&i| {
            let form = self.kept[i].form();
            if form.chars().count() < TITLE_REPEAT_MIN_CHARS {
                return false;
            }
            // Printed again as whole words: `Täze howa menzili` under `… täze howa
            // menziliniň gurluşygy …` is a caption, not the title twice.
            let again = |other: &Kept<'_>| {
                other.line != self.kept[i].line
                    && other.zone == LineZone::Head
                    && contains_words(&other.form(), &form)
            };
            let text = self.kept[i].text;
            let removed_again = removed_head
                .iter()
                .any(|r| r.line != self.kept[i].line && contains_words(&r.text, text));
            self.kept.iter().any(again) || removed_again
        });
        let near_body = headlines.len().saturating_sub(TITLE_NEAR_BODY);
        let nearest = headlines[near_body..].iter().copied().rev().max_by_key(|&i| words(i));
        let nearest = nearest.map(|i| self.title_above_deck(i, &headlines).unwrap_or(i));
        // Without a headline, a short line may serve; a paragraph never does (a teaser of the
        // lead is no title, and taking it would take the lead with it), nor a site's name.
        let short_line = || {
            candidates
                .iter()
                .copied()
                .find(|&i| !self.kept[i].prose && !looks_like_site_name(self.kept[i].text))
        };
        printed_twice.or(nearest).or_else(short_line)
    }

    /// Whether the headline `i` is printed twice on two lines in a row with another headline
    /// below the pair: a site notice above the title. (A title printed twice has its heading
    /// and alt text apart, a blank line or a photo between them.)
    fn notice_twice(&self, i: usize, headlines: &[usize]) -> bool {
        let form = self.kept[i].form();
        let line = self.kept[i].line;
        let same = |j: usize| {
            self.kept.get(j).is_some_and(|k| {
                k.zone == LineZone::Head && k.line.abs_diff(line) == 1 && k.form() == form
            })
        };
        let pair_end = if same(i + 1) {
            i + 1
        } else if i > 0 && same(i - 1) {
            i
        } else {
            return false;
        };
        let words = |j: usize| zones::count_words(self.kept[j].text, 3);
        headlines.iter().any(|&j| j > pair_end && self.kept[j].form() != form && words(j) >= 3)
    }

    /// When the headline `deck` is a deck (a long summary restating the first paragraph),
    /// the headline above it that names the same story: the title.
    fn title_above_deck(&self, deck: usize, headlines: &[usize]) -> Option<usize> {
        if zones::count_words(self.kept[deck].text, DECK_MIN_WORDS) < DECK_MIN_WORDS {
            return None;
        }
        let lead = self.kept.iter().find(|k| k.zone == LineZone::Lead)?;
        let lead_form = lead.form();
        let lead_stems = stems(&lead_form);
        let deck_form = self.kept[deck].form();
        let deck_stems = stems(&deck_form);
        if share(&deck_stems, &lead_stems) < DECK_LEAD_SHARE {
            return None;
        }
        let story: Vec<&str> = lead_stems.iter().chain(&deck_stems).copied().collect();
        let above = headlines.iter().copied().rev().find(|&i| i < deck)?;
        let form = self.kept[above].form();
        let title = stems(&form);
        (title.len() >= 3 && share(&title, &story) >= TITLE_STORY_SHARE).then_some(above)
    }

    /// Drops the headline printed right under the alt text of an agency photo inside the
    /// body: together they are the card of another story, linked from the article.
    pub(super) fn drop_photo_card_headlines(&mut self) {
        let alts: Vec<usize> = self
            .removed
            .iter()
            .filter(|r| r.class == RemovalClass::PhotoCredit && r.rule.ends_with("photo_alt"))
            .map(|r| r.line + 1)
            .collect();
        if alts.is_empty() {
            return;
        }
        let mut cards = Vec::new();
        self.kept.retain(|k| {
            let card = k.zone == LineZone::Body
                && !k.prose
                && alts.contains(&k.line)
                && !k.text.ends_with(':')
                && zones::count_words(k.text, 3) >= 3;
            if card {
                cards.push((k.text, k.line));
            }
            !card
        });
        for (text, line) in cards {
            self.remove(RemovalClass::RelatedTail, PHOTO_CARD_RULE, text, line);
        }
    }

    /// Drops every line left in the head once the title is taken: the article starts at its
    /// first paragraph, and what stands above it (menus, decks, captions, bylines, teasers)
    /// is header matter. Lines above the title are recorded as navigation.
    pub(super) fn drop_head_lines(&mut self) {
        let title_line =
            self.removed.iter().filter(|r| r.class == RemovalClass::Title).map(|r| r.line).min();
        let mut head = Vec::new();
        self.kept.retain(|k| {
            let in_head = k.zone == LineZone::Head;
            if in_head {
                head.push((k.text, k.line));
            }
            !in_head
        });
        for (text, line) in head {
            if title_line.is_some_and(|t| line < t) {
                self.remove(RemovalClass::Navigation, ABOVE_TITLE_RULE, text, line);
            } else {
                self.remove(RemovalClass::Header, BEFORE_BODY_RULE, text, line);
            }
        }
    }

    /// Drops the short head lines printed above the title: a page's masthead, menu, section
    /// label and language switcher stand there, the article never does. Lines that read as
    /// prose are kept, wherever they stand.
    pub(super) fn drop_chrome_above_title(&mut self) {
        let Some(title_line) =
            self.removed.iter().filter(|r| r.class == RemovalClass::Title).map(|r| r.line).min()
        else {
            return;
        };
        let mut chrome = Vec::new();
        self.kept.retain(|k| {
            let above = k.zone == LineZone::Head && k.line < title_line && !k.prose;
            if above {
                chrome.push((k.text, k.line));
            }
            !above
        });
        for (text, line) in chrome {
            self.remove(RemovalClass::Navigation, ABOVE_TITLE_RULE, text, line);
        }
    }

    /// Drops short lines that repeat the kept line before them. Judged on the final kept
    /// sequence (after the title left it), so that cleaning the output again finds nothing
    /// new to drop.
    pub(super) fn drop_adjacent_duplicates(&mut self) {
        let mut previous: Option<std::borrow::Cow<'a, str>> = None;
        let mut duplicates = Vec::new();
        self.kept.retain(|kept| {
            // Long lines are never duplicates; they also end a run of short ones.
            if kept.text.len() > DUPLICATE_MAX_CHARS * 4
                || kept.text.chars().count() > DUPLICATE_MAX_CHARS
            {
                previous = None;
                return true;
            }
            let form = match kept.form {
                Some(form) => std::borrow::Cow::Borrowed(form),
                None => std::borrow::Cow::Owned(for_matching(kept.text)),
            };
            let repeat = previous.as_deref() == Some(&*form);
            if repeat {
                duplicates.push((kept.text, kept.line));
            } else {
                previous = Some(form);
            }
            !repeat
        });
        for (text, line) in duplicates {
            self.remove(RemovalClass::Duplicate, DUPLICATE_RULE, text, line);
        }
    }

    /// Removes the lines from the cut on as one related tail. A date stamp that made the cut
    /// gives the page its date when nothing before it did (sites print it at the foot).
    pub(super) fn cut(&mut self, lines: &[LineState<'_>], rules: &RuleSet, by: Option<CutBy>) {
        let Some(first) = lines.first() else { return };
        let rule = first
            .hits
            .iter()
            .map(|h| rules.rule(h.rule))
            .find(|r| r.action == Action::CutTail)
            .map(|r| r.id.as_str())
            .or_else(|| by.and_then(CutBy::id))
            .unwrap_or("cut");
        // The page's own date stands at its foot above labels and chrome (`Комментарии`, a
        // follow prompt); above other stories' headlines it is the next story's.
        let next = lines.iter().skip(1).find(|l| !l.blank);
        let above_labels =
            next.is_none_or(|l| l.shape.is_some() || zones::count_words(l.text, 4) <= 3);
        if let Some(Shape::Stamp(stamp)) = &first.shape
            && above_labels
        {
            self.note_stamp(stamp);
        }
        let text: Vec<&str> = lines.iter().map(|l| l.raw).collect();
        let text = text.join("\n");
        let text = text.trim_end_matches(is_trimmed);
        self.removed.push(Removal {
            class: RemovalClass::RelatedTail,
            rule: rule.to_owned(),
            text: text.trim_start_matches(is_trimmed).to_owned(),
            line: first.index,
            note: None,
        });
    }

    /// Removes a line of a related-news marker inside the body, or a headline it links.
    pub(super) fn remove_inline_related(&mut self, line: &LineState<'_>, rules: &RuleSet) {
        let rule = line
            .hits
            .iter()
            .map(|h| rules.rule(h.rule))
            .find(|r| r.action == Action::CutTail || r.action == Action::Drop);
        let id = rule.map_or(INLINE_RELATED_RULE, |r| r.id.as_str());
        let class = rule.map_or(RemovalClass::RelatedTail, |r| r.class);
        self.remove(class, id, line.text, line.index);
    }

    /// Takes the date and view count of a removed stamp, where no rule gave them.
    pub(super) fn note_stamp(&mut self, stamp: &dates::DateLine) {
        // A stamp with its time beats a bare date: sites print today's date in the masthead
        // and the article's own date and time by its title.
        let has_time = |p: &Option<String>| p.as_deref().is_some_and(|p| p.len() > 10);
        if self.meta.published.is_none()
            || (has_time(&stamp.published) && !has_time(&self.meta.published))
        {
            self.meta.published.clone_from(&stamp.published);
        }
        if let (Some(date), None, Some(time)) =
            (&self.meta.published, &stamp.published, &stamp.time)
            && date.len() == 10
        {
            self.meta.published = Some(format!("{date}T{time}"));
        }
        if self.meta.views.is_none() {
            self.meta.views = stamp.views;
        }
    }

    /// Records a removal by a line's shape, with what a stamp or counter says.
    pub(super) fn remove_shape(&mut self, shape: &Shape, text: &str, line: usize) {
        self.note_shape(shape);
        self.remove(shape.class(), shape.id(), text, line);
    }

    /// Takes what a removed line's shape says of the page: the date and views of a stamp, the
    /// count of a view counter, where no rule gave them.
    pub(super) fn note_shape(&mut self, shape: &Shape) {
        match shape {
            Shape::Stamp(stamp) | Shape::ScraperDate(stamp, _) => self.note_stamp(stamp),
            Shape::Counter(Some(views)) if self.meta.views.is_none() => {
                self.meta.views = Some(*views);
            }
            _ => {}
        }
    }

    pub(super) fn finish(mut self, doc: &Document, layout: &Layout, origin: Origin) -> Cleaned {
        let mut title = doc.title.clone();
        if title.is_none() {
            if let Some(i) = self.pick_title() {
                let picked = self.kept.remove(i);
                // Pages print the title twice (heading and alt text, §9.19): the other copies
                // go too, as they would when this record is cleaned again with its title.
                let form = picked.form().into_owned();
                let (copies, kept): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut self.kept).into_iter().partition(|k| {
                        // The same matching form is the title again, however long its
                        // text (invisible characters fold away).
                        matches!(k.zone, LineZone::Head | LineZone::Lead)
                            && (k.text.len() <= picked.text.len() * 2 || k.form() == form)
                            && is_title_line(&k.form(), &form)
                    });
                self.kept = kept;
                for copy in copies {
                    self.remove(RemovalClass::Title, TITLE_RULE, copy.text, copy.line);
                }
                self.remove(RemovalClass::Title, TITLE_FROM_TEXT_RULE, picked.text, picked.line);
                title = Some(picked.text.to_owned());
            }
        }
        if layout.lead.is_some() && origin == Origin::Page {
            self.drop_head_lines();
        }
        self.drop_chrome_above_title();
        self.drop_photo_card_headlines();
        self.drop_adjacent_duplicates();
        self.removed.sort_by_key(|r| r.line);
        let text = self.kept.iter().map(|k| k.text).collect::<Vec<_>>().join("\n\n");
        // A page that prints only its date says less than a feed's timestamp of that day: the
        // time orders reposts (the earliest copy is the canonical one), so the timestamp wins.
        // An agency dateline that prints a whole date dates the story (`Бишкек, 01.01.24.
        // /Кабар/.`).
        if self.meta.published.is_none() {
            self.meta.published = self.meta.dateline.as_deref().and_then(dates::parse_published);
        }
        let page_has_time = self.meta.published.as_deref().is_some_and(|p| p.len() > 10);
        if !page_has_time && doc.published.is_some() {
            self.meta.published = doc.published.clone();
        }
        self.meta.language = language::detect(&text).map(str::to_owned);
        // Whether the page is a wall rather than a story, judged on what it showed: its title,
        // its text, and the consent banner a rule removed from it.
        let mut shown = vec![title.as_deref().unwrap_or_default(), text.as_str()];
        let banners = self.removed.iter().filter(|r| r.class == RemovalClass::Cookie);
        shown.extend(banners.map(|r| r.text.as_str()));
        self.meta.non_article = page_kind::non_article(&shown).map(|k| k.as_str().to_owned());
        self.meta.canonical_url = doc.url.clone();
        Cleaned { id: doc.id.clone(), title, text, meta: self.meta, removed: self.removed }
    }
}

/// Whether `needle` occurs in `hay` as whole words (no letter or digit glued to either end).
fn contains_words(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    hay.match_indices(needle).any(|(at, _)| {
        let before = hay[..at].chars().next_back();
        let after = hay[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Fewest words of a menu line.
const MENU_MIN_WORDS: usize = 4;

/// Whether a line is a menu of capitalised words (`Новости Политика Экономика Общество`): four
/// words or more, each capitalised, no punctuation. English titles capitalise every word, so
/// only lines with letters beyond ASCII are read so.
fn is_menu_line(text: &str) -> bool {
    if text.is_ascii() || text.contains([',', '.', ':', '!', '?', '«', '"']) {
        return false;
    }
    let mut words = text.split_whitespace().peekable();
    let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
    words.peek().is_some()
        && text.split_whitespace().count() >= MENU_MIN_WORDS
        && words.all(|w| capitalised(w) || !w.chars().any(char::is_alphabetic))
}

/// Whether a one-word line is a site's name rather than a title: a capital inside the word
/// (`XəbərAz`) or a domain at its end (`XeberAz.Az`, `news.kz`).
fn looks_like_site_name(text: &str) -> bool {
    if text.contains(char::is_whitespace) {
        return false;
    }
    let inner_capital =
        text.chars().zip(text.chars().skip(1)).any(|(a, b)| a.is_lowercase() && b.is_uppercase());
    let domain = text.rsplit_once('.').is_some_and(|(name, end)| {
        !name.is_empty()
            && (2..=4).contains(&end.chars().count())
            && end.chars().all(char::is_alphabetic)
    });
    inner_capital || domain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_whole() {
        assert!(contains_words("täze howa menzili açyldy", "täze howa menzili"));
        assert!(!contains_words("täze howa menziliniň gurluşygy", "täze howa menzili"));
        assert!(!contains_words("abc", ""));
    }

    #[test]
    fn menus_are_capitalised_words_beyond_ascii() {
        assert!(is_menu_line("Новости Политика Экономика Общество Спорт"));
        assert!(!is_menu_line("В Таразе открыли новый мост"));
        assert!(!is_menu_line("Kyrgyz Parliament Approves New Media Law"));
        assert!(!is_menu_line("Путин и Токаев"));
    }

    #[test]
    fn site_names_are_one_word_with_an_inner_capital_or_a_domain() {
        assert!(looks_like_site_name("XəbərAz"));
        assert!(looks_like_site_name("XeberAz.Az"));
        assert!(looks_like_site_name("steppe-news.kz"));
        assert!(!looks_like_site_name("Итоги"));
        assert!(!looks_like_site_name("Итоги года"));
    }
}

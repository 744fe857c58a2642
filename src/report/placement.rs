//! Where each removed line goes when a document is shown with its removals struck through.
//!
//! A run keeps the cleaned text and, for every removal, the input line it started on; it does
//! not keep the input, nor where each kept paragraph came from. The report puts every removal
//! back *before a line of the cleaned text* (or after the last), from what is known:
//!
//! - a `site_template` removal's line is a line of the cleaned text before the templates were
//!   taken out (see `clean::site`, which then collapses the blank lines around it): with the
//!   cleaner's paragraphs one blank line apart, line `L` had `(L + 1) / 2` paragraphs before
//!   it;
//! - a rule removal's line is an input line. Between two removals there is a gap of input
//!   lines, holding kept paragraphs and blank lines. Scraped pages come either one paragraph a
//!   line or with a blank line between paragraphs, so a gap of `g` lines holds `g` or `g / 2`
//!   paragraphs. Both readings are tried and the one whose count is nearer the number of
//!   kept paragraphs wins (a tie goes to blank-separated, the more common shape); gaps are
//!   then filled in order and the paragraphs left over go after the last removal.
//!
//! On the shapes of `BOILERPLATE.md` (header and title on top, prompts and tails at the end,
//! share rows and ads between paragraphs) this puts every removal where it stood; when a page
//! wraps a paragraph over several input lines, a removal in the middle of the body may show a
//! paragraph early or late. The page says the positions are reconstructed.

use crate::{Removal, RemovalClass};

/// A removal and the cleaned-text line it is shown before (`lines` = after the last line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Placed {
    /// The index of the removal in the document's `removed`.
    pub(crate) removal: usize,
    /// The line of the cleaned text (split on `\n`) it goes before.
    pub(crate) before_line: usize,
}

/// Entries of the text as it stood before the site templates were removed.
#[derive(Debug, Clone, Copy)]
enum Entry {
    /// Line `i` of the cleaned text.
    Kept(usize),
    /// A site-template removal.
    Template(usize),
}

/// Every removal of a document with its place, in the order the page shows them.
pub(crate) fn place(text: &str, removed: &[Removal]) -> Vec<Placed> {
    let lines: Vec<&str> = text.split('\n').collect();

    // 1. The text before templates were removed: cleaned lines with template lines put back.
    let mut templates: Vec<usize> =
        (0..removed.len()).filter(|&r| removed[r].class == RemovalClass::SiteTemplate).collect();
    templates.sort_by_key(|&r| (removed[r].line, r));
    let non_blank = lines.iter().filter(|l| !l.trim().is_empty()).count();
    let blank_separated_text = non_blank <= 1 || lines.len() - non_blank + 1 >= non_blank;
    // For each template line, how many kept non-blank lines stood before it.
    let mut template_after: Vec<(usize, usize)> = Vec::with_capacity(templates.len());
    let mut least = 0;
    for (j, &r) in templates.iter().enumerate() {
        let line = removed[r].line;
        let non_blank_before = if blank_separated_text { line.saturating_add(1) / 2 } else { line };
        least = non_blank_before.saturating_sub(j).min(non_blank).max(least);
        template_after.push((least, r));
    }
    let mut entries: Vec<Entry> = Vec::with_capacity(lines.len() + templates.len());
    let mut next_template = template_after.iter().copied().peekable();
    let mut non_blank_seen = 0;
    for (i, line) in lines.iter().enumerate() {
        let is_blank = line.trim().is_empty();
        if !is_blank {
            while let Some((_, r)) = next_template.next_if(|&(k, _)| k <= non_blank_seen) {
                entries.push(Entry::Template(r));
            }
            non_blank_seen += 1;
        }
        entries.push(Entry::Kept(i));
    }
    entries.extend(next_template.map(|(_, r)| Entry::Template(r)));
    // Paragraphs the rule cleaner kept: non-blank lines, template lines included.
    let units: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| match e {
            Entry::Kept(i) => lines.get(*i).is_some_and(|l| !l.trim().is_empty()),
            Entry::Template(_) => true,
        })
        .map(|(at, _)| at)
        .collect();

    // 2. Rule removals: how many paragraphs stand before each.
    let mut rules: Vec<usize> =
        (0..removed.len()).filter(|&r| removed[r].class != RemovalClass::SiteTemplate).collect();
    // What HTML extraction left out stood before an input line, on none of them: it goes
    // before a rule removal of the same line and takes up no line. Its presence says the
    // input was extracted text, one block a line.
    let from_html = |r: usize| removed[r].class == RemovalClass::HtmlBoilerplate;
    rules.sort_by_key(|&r| (removed[r].line, !from_html(r), r));
    let mut gaps = Vec::with_capacity(rules.len());
    let mut end_of_previous = 0usize;
    for &r in &rules {
        gaps.push(removed[r].line.saturating_sub(end_of_previous));
        if !from_html(r) {
            let span = removed[r].text.split('\n').count();
            end_of_previous = end_of_previous.max(removed[r].line.saturating_add(span));
        }
    }
    let extracted = rules.iter().any(|&r| from_html(r));
    let halve = !extracted && is_blank_separated(&gaps, units.len());

    // 3. Every removal's sort key: (entry it precedes, rule before template, order).
    let mut keyed: Vec<((usize, u8, usize), usize)> = Vec::with_capacity(removed.len());
    let mut paragraphs_before = 0usize;
    for (order, (&r, gap)) in rules.iter().zip(&gaps).enumerate() {
        let capacity = if halve { gap / 2 } else { *gap };
        let before = paragraphs_before.saturating_add(capacity).min(units.len());
        if !from_html(r) {
            paragraphs_before = before;
        }
        let entry = units.get(before).copied().unwrap_or(entries.len());
        keyed.push(((entry, 0, order), r));
    }
    for (at, entry) in entries.iter().enumerate() {
        if let Entry::Template(r) = entry {
            keyed.push(((at, 1, 0), *r));
        }
    }
    keyed.sort_unstable();

    // 4. Entries are mapped to cleaned lines: the number of kept lines before the entry.
    let mut kept_before = Vec::with_capacity(entries.len() + 1);
    let mut count = 0usize;
    for entry in &entries {
        kept_before.push(count);
        count += usize::from(matches!(entry, Entry::Kept(_)));
    }
    kept_before.push(count);
    keyed
        .into_iter()
        .map(|((entry, _, _), removal)| Placed {
            removal,
            before_line: kept_before.get(entry).copied().unwrap_or(count),
        })
        .collect()
}

/// Whether the gaps of input lines between removals read as blank-separated paragraphs.
///
/// A reading that finds more paragraphs than were kept is out. Then parity decides: between
/// two removals, a blank-separated page has an odd gap (`blank, P, blank, …, P, blank`),
/// so an even gap of two or more means one paragraph a line, and an odd one means blanks.
/// Without evidence, the reading whose count is nearer the kept paragraphs wins.
fn is_blank_separated(gaps: &[usize], paragraphs: usize) -> bool {
    let one_a_line: usize = gaps.iter().fold(0usize, |sum, g| sum.saturating_add(*g));
    let blank_separated: usize = gaps.iter().map(|g| g / 2).sum();
    let interior = gaps.get(1..).unwrap_or_default();
    let even = interior.iter().any(|&g| g >= 2 && g % 2 == 0);
    let odd = interior.iter().any(|&g| g % 2 == 1);
    if even && one_a_line <= paragraphs {
        false
    } else if odd && blank_separated <= paragraphs {
        true
    } else {
        blank_separated.abs_diff(paragraphs) <= one_a_line.abs_diff(paragraphs)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn removal(class: RemovalClass, text: &str, line: usize) -> Removal {
        Removal { class, rule: "r".into(), text: text.into(), line, note: None }
    }

    /// The page's rendering: kept lines, and `[text]` for removals.
    fn render(text: &str, removed: &[Removal]) -> Vec<String> {
        let lines: Vec<&str> = text.split('\n').collect();
        let placed = place(text, removed);
        let mut out = Vec::new();
        let mut p = placed.iter().peekable();
        for i in 0..=lines.len() {
            while let Some(x) = p.next_if(|x| x.before_line == i) {
                out.push(format!("[{}]", removed[x.removal].text));
            }
            if let Some(line) = lines.get(i).filter(|l| !l.is_empty()) {
                out.push((*line).to_owned());
            }
        }
        out
    }

    #[test]
    fn blank_separated_page_puts_header_on_top_and_prompts_at_the_end() {
        // Input: 0 header, 2 title, 4..12 five paragraphs, 14 copyright, 16 prompt, 18 tail.
        let text = "P1\n\nP2\n\nP3\n\nP4\n\nP5";
        let removed = vec![
            removal(RemovalClass::Header, "12.03.2025", 0),
            removal(RemovalClass::Title, "Title", 2),
            removal(RemovalClass::Copyright, "(c)", 14),
            removal(RemovalClass::ErrorPrompt, "Found an error?", 16),
            removal(RemovalClass::RelatedTail, "relevant news\nOther story", 18),
        ];
        assert_eq!(
            render(text, &removed),
            [
                "[12.03.2025]",
                "[Title]",
                "P1",
                "P2",
                "P3",
                "P4",
                "P5",
                "[(c)]",
                "[Found an error?]",
                "[relevant news\nOther story]"
            ]
        );
    }

    #[test]
    fn one_paragraph_a_line_puts_an_ad_between_paragraphs() {
        // Input: 0..2 navigation, 3 P1, 4 P2, 5 ad, 6 P3, 7 P4, 8 share.
        let text = "P1\n\nP2\n\nP3\n\nP4";
        let removed = vec![
            removal(RemovalClass::Navigation, "Menu\nNews\nSport", 0),
            removal(RemovalClass::Ad, "Sponsored", 5),
            removal(RemovalClass::Share, "Share", 8),
        ];
        assert_eq!(
            render(text, &removed),
            ["[Menu\nNews\nSport]", "P1", "P2", "[Sponsored]", "P3", "P4", "[Share]"]
        );
    }

    #[test]
    fn paragraphs_after_the_last_removal_stay_after_it() {
        let text = "P1\n\nP2\n\nP3";
        // Blank-separated: 0 h, 2 P1, 4 s, 6 P2, 8 P3.
        let removed =
            vec![removal(RemovalClass::Header, "h", 0), removal(RemovalClass::Share, "s", 4)];
        assert_eq!(render(text, &removed), ["[h]", "P1", "[s]", "P2", "P3"]);
        // One a line: 0 h, 1 P1, 2 P2, 3 s, 4 P3.
        let removed =
            vec![removal(RemovalClass::Header, "h", 0), removal(RemovalClass::Share, "s", 3)];
        assert_eq!(render(text, &removed), ["[h]", "P1", "P2", "[s]", "P3"]);
    }

    #[test]
    fn site_template_lines_go_back_where_they_stood() {
        // Before templates: "P1", "", "Subscribe!", "", "P2"; the template line was line 2.
        let text = "P1\n\nP2";
        let removed = vec![
            removal(RemovalClass::Header, "h", 0),
            removal(RemovalClass::SiteTemplate, "Subscribe!", 2),
        ];
        assert_eq!(render(text, &removed), ["[h]", "P1", "[Subscribe!]", "P2"]);
    }

    #[test]
    fn what_html_extraction_left_out_goes_before_the_line_it_preceded() {
        // Extracted text, one block a line: 0 title, 1 P1, 2 P2, 3 P3; a menu stood before
        // line 0, a related box before line 2, a footer after the last line.
        let text = "P1\n\nP2\n\nP3";
        let removed = vec![
            removal(RemovalClass::Title, "T", 0),
            removal(RemovalClass::HtmlBoilerplate, "Menu", 0),
            removal(RemovalClass::HtmlBoilerplate, "Related", 2),
            removal(RemovalClass::HtmlBoilerplate, "Footer", 4),
        ];
        assert_eq!(
            render(text, &removed),
            ["[Menu]", "[T]", "P1", "[Related]", "P2", "P3", "[Footer]"]
        );
    }

    #[test]
    fn a_document_without_text_shows_its_removals() {
        let removed =
            vec![removal(RemovalClass::Title, "t", 0), removal(RemovalClass::Share, "s", 1)];
        assert_eq!(render("", &removed), ["[t]", "[s]"]);
    }

    proptest! {
        #[test]
        fn every_removal_is_placed_once_within_the_text(
            text in "[ab\n]{0,40}",
            removed in proptest::collection::vec((0usize..4, "[xy\n]{0,6}", 0usize..60), 0..8),
        ) {
            let removed: Vec<Removal> = removed
                .into_iter()
                .map(|(c, t, line)| {
                    let class = [RemovalClass::Header, RemovalClass::Share, RemovalClass::SiteTemplate, RemovalClass::Ad][c];
                    removal(class, &t, line)
                })
                .collect();
            let placed = place(&text, &removed);
            let lines = text.split('\n').count();
            let mut seen: Vec<usize> = placed.iter().map(|p| p.removal).collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..removed.len()).collect::<Vec<_>>());
            prop_assert!(placed.iter().all(|p| p.before_line <= lines));
            prop_assert!(placed.windows(2).all(|w| w[0].before_line <= w[1].before_line));
        }
    }
}

//! What extraction left out, recorded as [`Removal`]s of class `html_boilerplate` like the
//! text rules' removals, so the output and the report can say what each page lost and why.
//!
//! Two sources: elements the walk never enters (`nav`, `footer`, hidden elements...), whose
//! text is read here only to be recorded, and text blocks the choice of the article left
//! out (outside the chosen container, under a negative class, link lists, teasers, loose
//! short lines, a box title, the tail after the last paragraph). Each removal's detector id
//! (`html.nav`, `html.outside_article`...) names the reason.
//!
//! Bounded: at most [`MAX_RECORDED`] removals a page, each cut to [`MAX_RECORDED_CHARS`]
//! characters, and text without a letter (separators, counters, icons) is not recorded.
//! The `line` of a removal is the line of the extracted text (one block a line: the text
//! cleaner's input) it stood before, as a rule removal's line is the input line it
//! started on.

use ego_tree::NodeRef;
use ego_tree::iter::Edge;
use scraper::Node;

use crate::{Removal, RemovalClass};

/// The most removals recorded for one page.
const MAX_RECORDED: usize = 100;
/// The most characters of one removal's text recorded.
const MAX_RECORDED_CHARS: usize = 300;

/// The detector id of an element the walk skips whole, when its text is worth recording:
/// navigation, footers, dialogs, captions and hidden elements; not scripts, forms or media.
pub(super) fn skipped_element_detector(tag: &str, hidden: bool) -> Option<&'static str> {
    Some(match tag {
        "nav" | "menu" => "html.nav",
        "footer" => "html.footer",
        "dialog" => "html.dialog",
        "figcaption" => "html.figcaption",
        "script" | "style" | "template" | "iframe" | "svg" | "math" | "canvas" | "object"
        | "embed" | "video" | "audio" | "button" | "select" | "input" | "textarea" | "option"
        | "map" | "title" => return None,
        _ if hidden => "html.hidden",
        _ => return None,
    })
}

/// An element the walk skipped, with the text it held.
#[derive(Debug)]
pub(super) struct SkippedElement {
    /// How many text blocks the walk had collected when it met the element.
    pub(super) before_block: usize,
    pub(super) detector: &'static str,
    pub(super) text: String,
}

/// The text of a skipped element, spaces collapsed, read only as far as it is recorded;
/// `None` when there is no more room or it holds no letter.
pub(super) fn skipped_element(
    node: NodeRef<'_, Node>,
    detector: &'static str,
    before_block: usize,
    recorded: usize,
) -> Option<SkippedElement> {
    if recorded >= MAX_RECORDED {
        return None;
    }
    let mut text = String::new();
    // Enough bytes for the recorded characters in any script, then no more reading.
    let room = MAX_RECORDED_CHARS.saturating_mul(4);
    // Inside how many elements that are never rendered (scripts, styles, templates).
    let mut unrendered = 0usize;
    for edge in node.traverse() {
        if text.len() > room {
            break;
        }
        match edge {
            Edge::Open(n) if is_unrendered(n) => unrendered += 1,
            Edge::Close(n) if is_unrendered(n) => unrendered = unrendered.saturating_sub(1),
            Edge::Open(n) if unrendered == 0 => {
                if let Node::Text(t) = n.value() {
                    for word in t.split_whitespace() {
                        if !text.is_empty() {
                            text.push(' ');
                        }
                        text.push_str(word);
                    }
                }
            }
            _ => {}
        }
    }
    has_letter(&text).then(|| SkippedElement { before_block, detector, text: cut(text) })
}

/// Whether a node's text is never shown: scripts, styles, and a template's contents.
fn is_unrendered(node: NodeRef<'_, Node>) -> bool {
    match node.value() {
        Node::Element(e) => matches!(e.name(), "script" | "style"),
        Node::Fragment => true,
        _ => false,
    }
}

/// A text block left out of the article, with the reason.
#[derive(Debug, Clone, Copy)]
pub(super) struct LeftOut {
    pub(super) block: usize,
    pub(super) detector: &'static str,
}

/// The removals of a page, in page order: skipped elements and left-out blocks, each with
/// the line of the extracted text it stood before (`kept` holds the indices of the blocks
/// the text is made of, ascending).
pub(super) fn removals(
    skipped: Vec<SkippedElement>,
    left_out: &[LeftOut],
    mut block_text: impl FnMut(usize) -> Option<String>,
    kept: &[usize],
) -> Vec<Removal> {
    // Page order: an element met before block `b` stands before it.
    let mut found: Vec<(usize, &'static str, String)> = skipped
        .into_iter()
        .map(|e| (e.before_block.saturating_mul(2), e.detector, e.text))
        .collect();
    for l in left_out {
        if found.len() >= MAX_RECORDED.saturating_mul(2) {
            break;
        }
        if let Some(text) = block_text(l.block).filter(|t| has_letter(t)) {
            found.push((l.block.saturating_mul(2).saturating_add(1), l.detector, cut(text)));
        }
    }
    found.sort_by_key(|(at, _, _)| *at);
    found.truncate(MAX_RECORDED);
    found
        .into_iter()
        .map(|(at, detector, text)| Removal {
            class: RemovalClass::HtmlBoilerplate,
            rule: detector.to_owned(),
            text,
            line: kept.partition_point(|&k| k.saturating_mul(2).saturating_add(1) < at),
            note: None,
        })
        .collect()
}

fn has_letter(text: &str) -> bool {
    text.chars().any(char::is_alphabetic)
}

/// A text cut to the recorded length, with `…` when cut.
fn cut(text: String) -> String {
    match text.char_indices().nth(MAX_RECORDED_CHARS) {
        Some((at, _)) => {
            let mut short = text.get(..at).unwrap_or_default().to_owned();
            short.push('…');
            short
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_elements_with_visible_text_are_recorded() {
        assert_eq!(skipped_element_detector("nav", false), Some("html.nav"));
        assert_eq!(skipped_element_detector("div", true), Some("html.hidden"));
        assert_eq!(skipped_element_detector("script", true), None);
        assert_eq!(skipped_element_detector("div", false), None);
    }

    #[test]
    fn long_texts_are_cut_and_lines_count_the_kept_blocks_before() {
        let long = "word ".repeat(200);
        assert_eq!(cut(long).chars().count(), MAX_RECORDED_CHARS + 1);
        let skipped =
            vec![SkippedElement { before_block: 2, detector: "html.nav", text: "Menu".into() }];
        let left_out = [LeftOut { block: 0, detector: "html.outside_article" }];
        let removed = removals(skipped, &left_out, |i| Some(format!("block {i}")), &[1, 2, 3]);
        let got: Vec<_> = removed.iter().map(|r| (r.rule.as_str(), r.line)).collect();
        assert_eq!(got, [("html.outside_article", 0), ("html.nav", 1)]);
    }
}

//! The walk over the parsed tree: one iterative pass that skips what is never content,
//! collects the text blocks (with their link text, class words and nesting) and the raw
//! metadata, and scores the containers above each block. [`choose`] then picks the article.

use ego_tree::NodeRef;
use scraper::Node;

use super::class_words::ClassCache;
use super::element::ElementFacts;
use super::meta::{RawMeta, note_meta_tag};

mod choose;
mod dropped;

use dropped::SkippedElement;

/// Elements never holding article text.
fn is_dropped_tag(tag: &str) -> bool {
    matches!(
        tag,
        "script"
            | "style"
            | "template"
            | "nav"
            | "footer"
            | "iframe"
            | "svg"
            | "math"
            | "canvas"
            | "object"
            | "embed"
            | "video"
            | "audio"
            | "button"
            | "select"
            | "input"
            | "textarea"
            | "option"
            | "map"
            | "dialog"
            | "menu"
            | "title"
            | "figcaption"
    )
}

/// Elements that start a new text block.
fn is_block_tag(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "dd"
            | "dt"
            | "dl"
            | "ul"
            | "ol"
            | "blockquote"
            | "pre"
            | "td"
            | "th"
            | "tr"
            | "table"
            | "tbody"
            | "thead"
            | "tfoot"
            | "caption"
            | "article"
            | "section"
            | "main"
            | "header"
            | "body"
            | "html"
            | "center"
            | "address"
            | "figure"
            | "figcaption"
            | "details"
            | "summary"
            | "fieldset"
            | "legend"
            | "noscript"
            | "hr"
            | "form"
            | "hgroup"
    )
}

/// Block elements made for text: a short line in one of them is the author's, a short
/// line loose in a `div` is more often a widget's.
fn is_text_tag(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "li"
            | "dd"
            | "dt"
            | "blockquote"
            | "pre"
            | "td"
            | "th"
            | "caption"
    )
}

/// Elements whose text blocks count towards their score: where an article's paragraphs
/// live.
fn is_container_tag(tag: &str) -> bool {
    matches!(tag, "div" | "article" | "section" | "main" | "td" | "body" | "center" | "form")
}

/// One text block.
#[derive(Debug)]
struct Block {
    text: String,
    chars: usize,
    link_chars: usize,
    /// How many elements with a negative class or id enclose it.
    negative_depth: u32,
    /// Whether it has sentence or clause punctuation (a short line without is a label).
    has_punctuation: bool,
    /// Whether it stands in a list of teasers for other pages.
    teaser: bool,
    /// Whether its innermost block element is a generic wrapper (`div`, `section`, `span`
    /// text…) rather than a paragraph, heading, list item, quote or cell.
    loose: bool,
    /// Whether it is one of many short lines in a row (a list, a recipe's ingredients,
    /// a table): content as often as not, so it costs the container less than a stray line.
    in_list: bool,
}

impl Block {
    /// Whether most of its text is link text (a headline, a menu line).
    fn is_link_line(&self) -> bool {
        link_density(self.link_chars, self.chars) > MAX_LINK_DENSITY
    }

    /// Whether it belongs to a box of links: a link line, or a teaser.
    fn is_link_box_line(&self) -> bool {
        self.teaser || self.is_link_line()
    }
}

/// An open element during the walk.
#[derive(Debug)]
struct Frame<'a> {
    tag: &'a str,
    /// The index of the first block inside this element.
    first_block: usize,
    /// The score its text blocks gave it (containers only).
    score: f32,
    /// Class and id weight: > 1 for `article-body`, < 1 for `teaser`.
    weight: f32,
    is_container: bool,
    /// Whether its subtree is skipped.
    dropped: bool,
    /// Whether its class or id is negative (its blocks are boilerplate unless the article
    /// turns out to be inside it).
    negative: bool,
    /// How many negative elements enclose it, itself included.
    negative_depth: u32,
    /// What the markup calls it (see [`Candidate::named`]).
    named: u8,
    /// How many of its children are teaser cards, and their characters.
    cards: u32,
    card_chars: usize,
}

/// A container that received a score, once closed.
#[derive(Debug)]
struct Candidate {
    score: f32,
    blocks: std::ops::Range<usize>,
    weight: f32,
    negative_depth: u32,
    /// What the markup calls it: 3 for an article-body class name, 2 for `<article>`,
    /// 1 for `<main>` or `role=main`, else 0.
    named: u8,
}

/// Blocks this long count as prose even without punctuation.
const PROSE_CHARS: usize = 80;
/// The shortest block (in chars) that gives its containers a score.
const MIN_SCORED_CHARS: usize = 25;
/// How many containers above a block share its score (weights 1, 1/2, 1/3).
const SCORED_LEVELS: usize = 3;
/// How far down the open-element stack a block looks for its containers: bounds the work
/// per block on pathological nesting (100,000 `span`s).
const MAX_FRAME_LOOKBACK: usize = 64;
/// The most blocks a teaser card holds (headline, summary, date, rubric...).
const MAX_CARD_BLOCKS: usize = 6;
/// The most characters a teaser card holds.
const MAX_CARD_CHARS: usize = 600;
/// The most blocks of a box whose title goes with its links.
const MAX_BOX_BLOCKS: usize = 40;
/// The longest box title.
const MAX_BOX_TITLE_CHARS: usize = 60;
/// How many short lines may stand between a teaser's summary and the next headline.
const MAX_TEASER_GAP: usize = 3;
/// How many cards make a list of teasers.
const MIN_CARDS: u32 = 3;
/// A block whose text is more than this share of anchor text is a link list.
const MAX_LINK_DENSITY: f32 = 0.5;
/// How much a character of non-article text inside a container costs against a character
/// of prose: at 1, a wrapper that adds as much boilerplate as prose is no better. Measured:
/// 0.7 against 1.0 gives trafilatura-eval F1 0.889 against 0.886, DAnIEL en 0.931 against
/// 0.922, ru 0.858 against 0.864 (a trade-off, not a free gain).
const BAD_TEXT_COST: f32 = 0.7;
/// What a character of text that the output filters out anyway (link lists, elements with
/// a negative class or id inside the container) costs against a character of prose.
const FILTERED_TEXT_COST: f32 = 0.2;
/// How much the objective weighs against readability's score when choosing.
const OBJECTIVE_POWER: f32 = 0.5;
/// What a character of a list line costs against a character of prose.
const LIST_TEXT_COST: f32 = 0.2;
/// The longest loose short line left out of the output.
const MAX_LOOSE_LINE_CHARS: usize = 40;
/// How many short lines in a row make a list.
const MIN_LIST_LINES: usize = 5;
/// Below this objective the best container is no article, and the one the markup names
/// is taken instead.
const MIN_PROSE_OBJECTIVE: f32 = 100.0;
/// The least text a named container must hold to be taken.
const MIN_NAMED_CHARS: usize = 50;
/// The enclosing container replaces the chosen one when its objective is this much larger.
const CLIMB_GAIN: f32 = 1.2;
/// How many prose blocks before the chosen container are taken for its lead.
const MAX_LEAD_BLOCKS: usize = 6;
/// How many short lines or filtered blocks may stand between the container and a lead
/// or tail paragraph.
const MAX_LEAD_GAP: usize = 4;
/// How many blocks under negative elements (share buttons, an author box) may stand
/// between the container and a lead paragraph.
const MAX_LEAD_FILTERED: usize = 12;
/// The longest line of such a gap (a byline, a date, a photo credit, a subheading).
const MAX_GAP_LINE_CHARS: usize = 100;
/// A wrapper that adds at most this many characters of kept text to the chosen container
/// is looked past when climbing (a section heading, a date line).
const MAX_LOOK_PAST_CHARS: usize = 200;
/// How many containers up the chosen one may grow.
const MAX_CLIMB_LEVELS: usize = 8;
/// The weight of a container inside an element with a negative class or id (per such
/// element): it can still win when nothing outside competes (`<div class=l-outer--nav>`
/// around a whole page), not against an article outside a comment-rules modal.
const NEGATIVE_WEIGHT: f32 = 0.3;
/// The class weight of containers named `article`, `content`, `story`...
const POSITIVE_WEIGHT: f32 = 1.1;
/// The class weight of containers that name the article's body (`entry-content`,
/// `article-body`, `itemprop=articleBody`): what content management systems call it.
const ARTICLE_BODY_WEIGHT: f32 = 2.0;
/// Container scoring visits at most this many blocks (summed over containers): bounds the
/// work on pathological nesting, where every block sits in thousands of containers.
const MAX_SCORED_BLOCKS: usize = 4_000_000;
/// JSON-LD `articleBody` replaces the extracted text when the text has less than this share
/// of its characters.
const ARTICLE_BODY_SHARE: f32 = 0.5;

#[derive(Debug, Default)]
pub(super) struct Walk<'a> {
    blocks: Vec<Block>,
    frames: Vec<Frame<'a>>,
    candidates: Vec<Candidate>,
    /// The block being filled.
    pending: String,
    pending_link_chars: usize,
    pending_space: bool,
    /// The least negative depth of the text in the block being filled: a block all of
    /// whose text sits in a negative inline element (`<p><em class=copyright>`) is as
    /// negative as that element.
    pending_negative_depth: Option<u32>,
    link_depth: usize,
    pre_depth: usize,
    /// Inside `<noscript>`, only paragraphs count: the short lines there ask readers to
    /// turn on JavaScript.
    noscript_depth: usize,
    /// The block element being closed while its last block is flushed.
    closing: Option<&'a str>,
    negative_depth: u32,
    raw: RawMeta,
    /// What each class or id value says (negative, positive, article body): pages repeat
    /// the same few hundred values thousands of times.
    class_cache: ClassCache<'a>,
    /// Elements skipped whole whose text is recorded as removed.
    skipped: Vec<SkippedElement>,
}

impl<'a> Walk<'a> {
    pub(super) fn run(&mut self, root: NodeRef<'a, Node>) {
        let mut node = root;
        loop {
            let descend = self.open(node);
            if descend {
                if let Some(child) = node.first_child() {
                    node = child;
                    continue;
                }
            }
            // Leave `node`, then its ancestors until one has a next sibling.
            loop {
                self.close(node);
                if node.id() == root.id() {
                    return;
                }
                if let Some(next) = node.next_sibling() {
                    node = next;
                    break;
                }
                match node.parent() {
                    Some(parent) => node = parent,
                    None => return,
                }
            }
        }
    }

    /// Handles entering a node; returns whether to walk its children.
    fn open(&mut self, node: NodeRef<'a, Node>) -> bool {
        match node.value() {
            Node::Text(text) => {
                self.push_text(text);
                false
            }
            Node::Element(element) => {
                let tag = element.name();
                let facts = ElementFacts::of(element, &mut self.class_cache);
                self.note_meta(node, tag, &facts);
                let dropped = is_dropped_tag(tag) || facts.hidden;
                if let Some(detector) =
                    dropped.then(|| dropped::skipped_element_detector(tag, facts.hidden)).flatten()
                {
                    let before = self.blocks.len();
                    let recorded = self.skipped.len();
                    self.skipped.extend(dropped::skipped_element(node, detector, before, recorded));
                }
                // `<noindex>` is how Russian sites tell Yandex "not content". A form is a
                // comment box or a search field, unless (ASP.NET, shops) it wraps the page:
                // negative, so that it only wins when nothing outside competes.
                let negative = (facts.negative || matches!(tag, "noindex" | "form" | "aside"))
                    && !dropped
                    && !matches!(tag, "html" | "body" | "main");
                if is_block_tag(tag) || tag == "br" {
                    self.flush();
                }
                if dropped {
                    // Its subtree is skipped, and so is its close.
                } else if tag == "a" {
                    self.link_depth += 1;
                } else if tag == "pre" {
                    self.pre_depth += 1;
                } else if tag == "noscript" {
                    self.noscript_depth += 1;
                } else if tag == "img" {
                    self.pending_space = true;
                }
                if negative {
                    self.negative_depth = self.negative_depth.saturating_add(1);
                }
                let weight = if facts.article_body {
                    ARTICLE_BODY_WEIGHT
                } else if facts.positive || tag == "article" {
                    POSITIVE_WEIGHT
                } else {
                    1.0
                };
                self.frames.push(Frame {
                    tag,
                    first_block: self.blocks.len(),
                    score: 0.0,
                    weight,
                    is_container: is_container_tag(tag),
                    dropped,
                    negative,
                    negative_depth: self.negative_depth,
                    named: if facts.article_body {
                        3
                    } else if tag == "article" {
                        2
                    } else if tag == "main" || facts.main_role {
                        1
                    } else {
                        0
                    },
                    cards: 0,
                    card_chars: 0,
                });
                !dropped
            }
            Node::Document | Node::Fragment => true,
            _ => false,
        }
    }

    fn close(&mut self, node: NodeRef<'a, Node>) {
        let Node::Element(_) = node.value() else { return };
        let Some(frame) = self.frames.pop() else { return };
        if frame.dropped {
            return;
        }
        match frame.tag {
            "a" => self.link_depth = self.link_depth.saturating_sub(1),
            "pre" => self.pre_depth = self.pre_depth.saturating_sub(1),
            _ => {}
        }
        if is_block_tag(frame.tag) {
            // The block ends with its element, which is no longer on the stack.
            self.closing = Some(frame.tag);
            self.flush();
            self.closing = None;
        }
        if frame.tag == "noscript" {
            self.noscript_depth = self.noscript_depth.saturating_sub(1);
        }
        if frame.negative {
            self.negative_depth = self.negative_depth.saturating_sub(1);
        }
        self.note_cards(&frame);
        if frame.is_container && frame.first_block < self.blocks.len() {
            self.candidates.push(Candidate {
                score: frame.score * frame.weight * negative_factor(frame.negative_depth),
                blocks: frame.first_block..self.blocks.len(),
                weight: frame.weight,
                negative_depth: frame.negative_depth,
                named: frame.named,
            });
        }
    }

    /// Teaser lists: an element is a card when it holds a headline link and a little
    /// other text (a summary, a date); an element whose text is mostly three or more cards
    /// is a list of teasers for other pages, whatever its class says. Its blocks are
    /// marked, so that they neither count as article nor reach the output.
    fn note_cards(&mut self, frame: &Frame<'a>) {
        let blocks = self.blocks.get(frame.first_block..).unwrap_or_default();
        // A paragraph with a link line and a <br> is the author's, not a card.
        let paragraph = matches!(
            frame.tag,
            "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote" | "pre" | "caption"
        );
        if !paragraph && (2..=MAX_CARD_BLOCKS).contains(&blocks.len()) {
            let chars: usize = blocks.iter().map(|b| b.chars).sum();
            let headline = blocks.iter().any(Block::is_link_line);
            let other = blocks.iter().any(|b| !b.is_link_line());
            let prose = blocks.iter().filter(|b| !b.is_link_line() && self.is_prose(b)).count();
            if headline && other && prose <= 1 && chars <= MAX_CARD_CHARS {
                if let Some(parent) = self.frames.last_mut() {
                    parent.cards += 1;
                    parent.card_chars += chars;
                }
            }
        }
        if frame.cards >= MIN_CARDS {
            let blocks = self.blocks.get_mut(frame.first_block..).unwrap_or_default();
            let chars: usize = blocks.iter().map(|b| b.chars).sum();
            if frame.card_chars * 2 >= chars {
                for b in blocks {
                    b.teaser = true;
                }
            }
        }
        // A box whose blocks are all links or teasers but a short first line: that line
        // is the box's title ("Related stories", "Share this page"), and goes with it.
        let blocks = self.blocks.get(frame.first_block..).unwrap_or_default();
        if (2..=MAX_BOX_BLOCKS).contains(&blocks.len()) {
            let kept =
                |b: &Block| !(b.is_link_box_line() || b.negative_depth > frame.negative_depth);
            let title = blocks
                .first()
                .is_some_and(|b| kept(b) && b.chars <= MAX_BOX_TITLE_CHARS && !self.is_prose(b));
            if title && blocks.iter().skip(1).all(|b| !kept(b)) {
                if let Some(b) = self.blocks.get_mut(frame.first_block) {
                    b.teaser = true;
                }
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.frames.iter().rev().take(1).any(|f| f.dropped) {
            return;
        }
        let before = self.pending.len();
        if self.pre_depth > 0 {
            for line in text.split_inclusive('\n') {
                let body = line.trim_end_matches(['\n', '\r']);
                self.pending.push_str(body);
                if body.len() != line.len() {
                    self.flush();
                }
            }
        } else {
            for (i, word) in text.split(|c: char| c.is_ascii_whitespace()).enumerate() {
                if i > 0 {
                    self.pending_space = true;
                }
                if word.is_empty() {
                    continue;
                }
                if self.pending_space && !self.pending.is_empty() {
                    self.pending.push(' ');
                }
                self.pending_space = false;
                self.pending.push_str(word);
            }
            if text.ends_with(|c: char| c.is_ascii_whitespace()) {
                self.pending_space = true;
            }
        }
        if self.pending.len() > before {
            let depth = self.negative_depth;
            self.pending_negative_depth =
                Some(self.pending_negative_depth.map_or(depth, |d| d.min(depth)));
        }
        if self.link_depth > 0 {
            let added = self.pending.get(before..).map_or(0, |s| s.chars().count());
            self.pending_link_chars = self.pending_link_chars.saturating_add(added);
        }
    }

    /// Ends the block being filled.
    fn flush(&mut self) {
        self.pending_space = false;
        let text = std::mem::take(&mut self.pending);
        let link_chars = std::mem::take(&mut self.pending_link_chars);
        let text_negative_depth = self.pending_negative_depth.take();
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return;
        }
        let text = if trimmed.len() == text.len() { text } else { trimmed.to_owned() };
        let chars = text.chars().count();
        if self.noscript_depth > 0 && chars < PROSE_CHARS {
            return;
        }
        let link_chars = link_chars.min(chars);
        // The nearest containers above the block share its score.
        let mut levels = 0;
        let score = block_score(&text, chars, link_chars);
        if score > 0.0 {
            for frame in self.frames.iter_mut().rev().take(MAX_FRAME_LOOKBACK) {
                if frame.is_container {
                    #[allow(clippy::cast_precision_loss)] // levels < 3
                    let share = 1.0 / (levels as f32 + 1.0);
                    frame.score += score * share;
                    levels += 1;
                    if levels >= SCORED_LEVELS {
                        break;
                    }
                }
            }
        }
        let negative_depth =
            text_negative_depth.map_or(self.negative_depth, |d| d.max(self.negative_depth));
        let has_punctuation = has_sentence_punctuation(&text);
        let innermost = self
            .closing
            .or_else(|| self.frames.iter().rev().map(|f| f.tag).find(|t| is_block_tag(t)));
        let loose = innermost.is_none_or(|t| !is_text_tag(t));
        self.blocks.push(Block {
            text,
            chars,
            link_chars,
            negative_depth,
            has_punctuation,
            teaser: false,
            in_list: false,
            loose,
        });
    }

    fn note_meta(&mut self, node: NodeRef<'a, Node>, tag: &str, facts: &ElementFacts<'a>) {
        let raw = &mut self.raw;
        match tag {
            "html" if raw.language.is_none() => raw.language = facts.lang.map(str::to_owned),
            "title" if raw.title_tag.is_none() => raw.title_tag = Some(own_text(node)),
            "h1" => {
                let text = own_text(node);
                if !text.is_empty() && raw.h1.len() < 8 {
                    raw.h1.push(text);
                }
            }
            "meta" => note_meta_tag(raw, facts),
            "link"
                if facts.rel.is_some_and(|r| r.eq_ignore_ascii_case("canonical"))
                    && raw.canonical.is_none() =>
            {
                raw.canonical = facts.href.map(|h| h.trim().to_owned());
            }
            "script"
                if facts.kind.is_some_and(|t| t.eq_ignore_ascii_case("application/ld+json")) =>
            {
                raw.json_ld.push(own_text(node));
            }
            "time" => {
                if let Some(datetime) = facts.datetime {
                    let says =
                        facts.itemprop.is_some_and(|p| p.eq_ignore_ascii_case("datePublished"))
                            || facts.pubdate;
                    raw.times.push((self.blocks.len(), says, datetime.to_owned()));
                }
            }
            _ => {}
        }
        if tag != "meta" {
            if let Some(prop) = facts.itemprop {
                if prop.eq_ignore_ascii_case("datePublished") {
                    if let Some(value) = facts.content.or(facts.datetime) {
                        raw.published.push((1, value.to_owned()));
                    }
                }
            }
        }
    }
}

/// Whether a text has sentence or clause punctuation: a full stop, comma, question mark
/// or the like followed by a space or the end (so not the dots of `04.01.2012` or
/// `drunov.ru`), or a CJK, Arabic or Devanagari mark anywhere.
fn has_sentence_punctuation(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '。' | '，' | '、' | '！' | '？' | '،' | '؛' | '।' => return true,
            '.' | ',' | '!' | '?' | ';' | '…' if chars.peek().is_none_or(|n| n.is_whitespace()) =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// What a container loses for each element with a negative class or id around it.
fn negative_factor(depth: u32) -> f32 {
    (0..depth.min(4)).fold(1.0, |f, _| f * NEGATIVE_WEIGHT)
}

fn link_density(link_chars: usize, chars: usize) -> f32 {
    if chars == 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let d = link_chars as f32 / chars as f32;
    d
}

/// What a text block gives its containers: something for being there, a point per comma
/// (sentences with clauses are prose in every script), up to three for length; less the
/// share that is anchor text.
fn block_score(text: &str, chars: usize, link_chars: usize) -> f32 {
    if chars < MIN_SCORED_CHARS {
        return 0.0;
    }
    let commas = text.chars().filter(|c| matches!(c, ',' | '，' | '、' | '،' | '。')).count();
    #[allow(clippy::cast_precision_loss)]
    let score = 1.0 + commas.min(20) as f32 + (chars as f32 / 100.0).min(3.0);
    score * (1.0 - link_density(link_chars, chars))
}

/// The text directly inside an element (its text children), trimmed, spaces collapsed.
pub(super) fn own_text(node: NodeRef<'_, Node>) -> String {
    let mut out = String::new();
    let mut stack: Vec<NodeRef<'_, Node>> = node.children().collect();
    stack.reverse();
    let mut budget = 10_000usize;
    while let Some(n) = stack.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        match n.value() {
            Node::Text(t) => {
                out.push_str(t);
            }
            Node::Element(e) if !matches!(e.name(), "script" | "style") => {
                out.push(' ');
                let mut kids: Vec<_> = n.children().collect();
                kids.reverse();
                stack.extend(kids);
            }
            _ => {}
        }
    }
    collapse_spaces(&out)
}

pub(super) fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

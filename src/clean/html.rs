//! Step 2: HTML in, article text and page metadata out.
//!
//! [`extract`] parses a page with `scraper` (html5ever, the browsers' parsing algorithm, so
//! broken markup ends up as the tree a browser would build) and returns the article as text,
//! **one block per line** (paragraph, heading, list item, quote, table cell), ready for the
//! text cleaner, which treats each line as a paragraph. [`extract_bytes`] does the same for
//! raw bytes in whatever charset the page declares.
//!
//! # Why a container score, then a block filter
//!
//! Block-by-block classifiers (jusText, boilerpipe) need per-language stop lists to tell a
//! short content paragraph from a short navigation line; container scoring (readability)
//! works for any script because it rewards what articles have in every language: long runs
//! of text, commas, several paragraphs in one parent, few links. So:
//!
//! 1. one walk over the tree drops what is never content: `script`, `style`, `nav`,
//!    `aside`, `footer`, forms, hidden elements, and elements whose class or id names a
//!    comment thread, share bar, related list, cookie banner and the like
//!    ([`NEGATIVE_WORDS`]); it collects the text blocks and the page metadata;
//! 2. each text block gives a score (length, commas, minus links) to the containers above
//!    it; the best container, and its siblings that score well, hold the article;
//! 3. inside it, link lists (blocks that are mostly anchor text) go;
//! 4. JSON-LD `articleBody` is the fallback when the page text is much shorter than it.
//!
//! Boilerplate that stands as ordinary text (copyright lines, `Ctrl+Enter` prompts, "read
//! also" tails) is left to the text cleaner, which knows it per language.
//!
//! # Invariants
//!
//! - The walk is iterative: 100,000 nested `div`s cost heap, not stack.
//! - Nothing derived from the input panics; a page with no recognisable article gives its
//!   visible text blocks, an empty page an empty text.
//! - Output is a pure function of the input (no clock, no hash order).

use std::borrow::Cow;

use ego_tree::NodeRef;
use scraper::{Html, Node};

use crate::charset::{self, Content};
use crate::{Cleaned, Meta};

/// What the extractor found in a page: the article text and the page metadata.
///
/// # Example
///
/// ```
/// use clean_news::clean::html;
///
/// let page = html::extract(
///     "<html lang=en><head><title>Rain returns | Daily Wire</title></head><body>\
///      <nav><a href=/>Home</a></nav>\
///      <article><h1>Rain returns</h1>\
///      <p>After a dry month, rain returned to the valley on Monday, filling the reservoirs.</p>\
///      <p>Farmers said the rain came just in time, though more is needed, they added.</p>\
///      </article><footer>© Daily Wire</footer></body></html>",
/// );
/// assert_eq!(page.meta.title.as_deref(), Some("Rain returns"));
/// assert_eq!(page.meta.language.as_deref(), Some("en"));
/// assert!(page.text.contains("After a dry month"));
/// assert!(!page.text.contains("Home"));
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// The article text, one block per line.
    pub text: String,
    /// What the page says about itself.
    pub meta: PageMeta,
    /// Notes about the input, such as a lossy decoding.
    pub notes: Vec<String>,
}

/// Metadata a page declares in its markup (meta tags, JSON-LD, `<time>`, `<html lang>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageMeta {
    /// The article title: `og:title`, JSON-LD `headline`, the `h1` the `<title>` repeats, or
    /// the `<title>` without the site name.
    pub title: Option<String>,
    /// Publication time, `YYYY-MM-DDTHH:MM` or `YYYY-MM-DD`, as the page writes it (local
    /// time, the offset dropped).
    pub published: Option<String>,
    /// Authors, in page order, without duplicates.
    pub authors: Vec<String>,
    /// The site's name (`og:site_name`, JSON-LD `publisher`).
    pub site_name: Option<String>,
    /// The canonical URL (`<link rel=canonical>`, `og:url`).
    pub canonical_url: Option<String>,
    /// The primary language subtag the page declares (`<html lang>`, `content-language`).
    pub language: Option<String>,
    /// The page's own summary (`description`, `og:description`).
    pub description: Option<String>,
}

impl PageMeta {
    /// Merges what the page declares into a cleaned record: the page's publication time,
    /// authors, site name, canonical URL and description win over what the text cleaner
    /// guessed from the lines; the title and language fill only gaps.
    pub fn merge_into(&self, cleaned: &mut Cleaned) {
        if cleaned.title.is_none() {
            cleaned.title.clone_from(&self.title);
        }
        merge_meta(self, &mut cleaned.meta);
    }
}

fn merge_meta(page: &PageMeta, meta: &mut Meta) {
    if page.published.is_some() {
        meta.published.clone_from(&page.published);
    }
    for author in &page.authors {
        if !meta.authors.iter().any(|a| a == author) {
            meta.authors.push(author.clone());
        }
    }
    if meta.site_name.is_none() {
        meta.site_name.clone_from(&page.site_name);
    }
    if page.canonical_url.is_some() {
        meta.canonical_url.clone_from(&page.canonical_url);
    }
    if meta.language.is_none() {
        meta.language.clone_from(&page.language);
    }
    if meta.description.is_none() {
        meta.description.clone_from(&page.description);
    }
}

/// Extracts the article and metadata of an HTML page. Never fails and never panics.
pub fn extract(html: &str) -> Extracted {
    let html = prepare(html, MAX_TAG_DEPTH);
    let doc = parse(&html);
    let mut walk = Walk::default();
    walk.run(doc.tree.root());
    walk.finish()
}

/// Parses a page as a browser with scripting off would: the content of `<noscript>`
/// becomes elements, where sites that build the page with script (blogs on Blogger, lazy
/// galleries) put the article for crawlers.
fn parse(html: &str) -> Html {
    use html5ever::tendril::TendrilSink;
    let opts = html5ever::driver::ParseOpts {
        tree_builder: html5ever::tree_builder::TreeBuilderOpts {
            scripting_enabled: false,
            ..Default::default()
        },
        ..Default::default()
    };
    html5ever::driver::parse_document(scraper::HtmlTreeSink::new(Html::new_document()), opts)
        .one(html)
}

/// Decodes raw page bytes, then [`extract`]s them.
///
/// The charset is chosen as the reader chooses it for an `.html` file (the crate's
/// `charset` module): a byte-order mark; UTF-8 when the bytes are valid UTF-8 (pages that
/// declare `gb2312` but are UTF-8 are common); the `<meta charset>`, `http-equiv` or XML
/// declaration in the first bytes; else windows-1252, as browsers do.
///
/// # Example
///
/// ```
/// use clean_news::clean::html;
///
/// let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(
///     "<meta charset=windows-1251><p>Правительство утвердило план развития отрасли.</p>",
/// );
/// let page = html::extract_bytes(&bytes);
/// assert!(page.text.contains("Правительство утвердило"));
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn extract_bytes(bytes: &[u8]) -> Extracted {
    let (text, notes) = charset::decode(bytes, None, Content::Html);
    let mut out = extract(&text);
    out.notes.extend(notes);
    out
}

/// The deepest element nesting handed to the parser. html5ever looks through the stack of
/// open elements for every start tag, so 100,000 nested `div`s cost 5·10⁹ steps; real pages
/// nest a few dozen levels.
const MAX_TAG_DEPTH: usize = 512;

/// Tags that never take a closing tag, so never deepen the nesting.
fn is_void_tag(name: &[u8]) -> bool {
    matches!(
        name,
        b"area"
            | b"base"
            | b"br"
            | b"col"
            | b"embed"
            | b"hr"
            | b"img"
            | b"input"
            | b"link"
            | b"meta"
            | b"param"
            | b"source"
            | b"track"
            | b"wbr"
            | b"p"
            | b"li"
            | b"option"
    )
}

/// The page as the parser should see it, from one byte-level pass: comments and the
/// bodies of `<style>` and `<script>` elements left out (they hold no article text, and
/// are 40% of the bytes of news pages: the parser would read them character by
/// character), JSON-LD kept (it holds metadata); and the start and end tags deeper than
/// `max_depth` left out, their text kept. The page itself, borrowed, when there is
/// nothing to leave out.
fn prepare(html: &str, max_depth: usize) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    // Spans to leave out, with what replaces each, found in one pass.
    let mut drop: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
    let mut depth = 0usize;
    let mut at = 0usize;
    while let Some(pos) = memchr::memchr(b'<', bytes.get(at..).unwrap_or_default()) {
        let start = at + pos;
        let rest = bytes.get(start + 1..).unwrap_or_default();
        if rest.starts_with(b"!--") {
            // A comment may hold `>` and tags: skip to its end.
            let end = memchr::memmem::find(bytes.get(start + 4..).unwrap_or_default(), b"-->")
                .map_or(bytes.len(), |e| start + 4 + e + 3);
            drop.push((start..end, ""));
            at = end;
            continue;
        }
        let Some(end) = memchr::memchr(b'>', rest).map(|e| start + 1 + e + 1) else { break };
        at = end;
        let closing = rest.first() == Some(&b'/');
        let name_start = usize::from(closing);
        // Tag names that matter here are short: longer ones are cut, which only makes them
        // match nothing.
        let mut name_buf = [0u8; 16];
        let mut name_len = 0;
        for b in rest.iter().skip(name_start).take_while(|b| b.is_ascii_alphanumeric()) {
            if let Some(slot) = name_buf.get_mut(name_len) {
                *slot = b.to_ascii_lowercase();
            }
            name_len += 1;
        }
        let name = name_buf.get(..name_len.min(name_buf.len())).unwrap_or_default();
        if name.is_empty() {
            continue;
        }
        if matches!(name, b"script" | b"style" | b"textarea" | b"title") && !closing {
            let body_end = find_end_tag(bytes, end, name);
            let tag = bytes.get(start..end).unwrap_or_default();
            let json_ld =
                name == b"script" && tag.windows(7).any(|w| w.eq_ignore_ascii_case(b"ld+json"));
            if matches!(name, b"script" | b"style") && !json_ld && body_end > end {
                drop.push((end..body_end, ""));
            }
            // Past the end tag, which closes what was never counted as open.
            at = memchr::memchr(b'>', bytes.get(body_end..).unwrap_or_default())
                .map_or(bytes.len(), |e| body_end + e + 1);
            continue;
        }
        let self_closing = bytes.get(end.saturating_sub(2)) == Some(&b'/');
        if is_void_tag(name) || self_closing {
            continue;
        }
        if closing {
            if depth > max_depth {
                drop.push((start..end, " "));
            }
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            if depth > max_depth {
                drop.push((start..end, " "));
            }
        }
    }
    if drop.is_empty() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut from = 0;
    for (span, with) in drop {
        // Spans start at `<` or after `>` and end at `<` or after `>`: ASCII, so on char
        // boundaries.
        out.push_str(html.get(from..span.start).unwrap_or_default());
        out.push_str(with);
        from = span.end;
    }
    out.push_str(html.get(from..).unwrap_or_default());
    Cow::Owned(out)
}

/// Where the end tag `</name` (any case) starts at or after `from`, else the end: the
/// raw text of a `<script>` or `<style>` is skipped without copying it.
fn find_end_tag(bytes: &[u8], from: usize, name: &[u8]) -> usize {
    let mut at = from;
    while let Some(pos) = memchr::memmem::find(bytes.get(at..).unwrap_or_default(), b"</") {
        let start = at + pos;
        let after = start + 2;
        let named =
            bytes.get(after..after + name.len()).is_some_and(|n| n.eq_ignore_ascii_case(name));
        // `</scripts` does not end a script; `</script>`, `</script >`, `</script/>` do.
        let ended = bytes
            .get(after + name.len())
            .is_none_or(|b| matches!(b, b'>' | b'/') || b.is_ascii_whitespace());
        if named && ended {
            return start;
        }
        at = after;
    }
    bytes.len()
}

/// Words in a class or id that mark an element as never content, whatever it holds.
/// Matched against the words of the attribute (split at `-`, `_`, spaces and case changes)
/// as prefixes: `comments`, `commentList`, `share-bar`, `relatedPosts`.
pub const NEGATIVE_WORDS: &[&str] = &[
    "comment",
    "disqus",
    "share",
    "sharing",
    "social",
    "related",
    "newsletter",
    "subscri",
    "cookie",
    "consent",
    "gdpr",
    "promo",
    "advert",
    "adsense",
    "adslot",
    "breadcrumb",
    "pagination",
    "paywall",
    "sidebar",
    "popular",
    "trending",
    "mostread",
    "outbrain",
    "taboola",
    "sponsor",
    "modal",
    "popup",
    "navbar",
    "navigation",
    "footer",
    "masthead",
    "toolbar",
    "signup",
    "login",
    "recommend",
    "caption",
    "credit",
    "copyright",
    "disclaimer",
    "affiliate",
    "author",
    "byline",
    "embed",
];

/// Words that must be the whole word to count (as prefixes they would catch `address`,
/// `menuitem` in an article id, `tagline`, `navy`).
pub const NEGATIVE_EXACT_WORDS: &[&str] = &[
    "ad", "ads", "menu", "tags", "nav", "banner", "rating", "print", "skip", "button", "btn",
    "pager",
];

/// First words of a class name that make it a state of the page or element rather than
/// what the element is (`has-sidebar`, `no-comments`, `with-share-bar`, `show-footer`).
const STATE_WORDS: &[&str] = &[
    "has", "no", "with", "without", "show", "showing", "enable", "enabled", "disable", "disabled",
];

/// Negative words that a positive word in the same class name overrides:
/// `content-with-sidebar` wraps the whole page, `article-footer` may hold the last lines.
const WEAK_NEGATIVE_WORDS: &[&str] = &[
    "sidebar",
    "paywall",
    "author",
    "menu",
    "tags",
    "promo",
    "modal",
    "footer",
    "banner",
    "popular",
    "nav",
    "navigation",
];

/// Words in a class or id that mark the article itself. A class name made of them (and no
/// negative word) keeps its element even when another class name is negative
/// (`entry themeform share`).
const POSITIVE_WORDS: &[&str] =
    &["article", "content", "main", "body", "story", "post", "entry", "text", "news", "blog"];

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
struct Walk<'a> {
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
}

type ClassCache<'a> =
    std::collections::HashMap<&'a str, ClassJudgment, xxhash_rust::xxh3::Xxh3DefaultBuilder>;

/// What a class or id value says about its element.
#[derive(Debug, Clone, Copy)]
struct ClassJudgment {
    negative: bool,
    positive: bool,
    article_body: bool,
}

impl ClassJudgment {
    fn of(value: &str) -> ClassJudgment {
        let (negative, positive) = class_words(value);
        ClassJudgment { negative, positive, article_body: names_article_body(value) }
    }
}

/// Metadata as found, before choosing.
#[derive(Debug, Default)]
struct RawMeta {
    title_tag: Option<String>,
    h1: Vec<String>,
    og_title: Option<String>,
    published: Vec<(u8, String)>,
    authors: Vec<String>,
    site_name: Option<String>,
    canonical: Option<String>,
    og_url: Option<String>,
    language: Option<String>,
    description: Option<String>,
    json_ld: Vec<String>,
    /// `<time datetime>` values, with the block index where they stood and whether they
    /// say they are the publication time.
    times: Vec<(usize, bool, String)>,
}

impl<'a> Walk<'a> {
    fn run(&mut self, root: NodeRef<'a, Node>) {
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

    fn finish(mut self) -> Extracted {
        self.flush();
        let ld = JsonLd::parse(&self.raw.json_ld);
        self.mark_teaser_runs();
        self.mark_list_runs();
        let (chosen, negative_depth) = self.choose();
        // The last prose block of the chosen range: a box title before it is mid-article.
        let last_prose_index = chosen
            .clone()
            .rev()
            .find(|&i| {
                self.blocks
                    .get(i)
                    .is_some_and(|b| !self.is_filtered(b, negative_depth) && self.is_prose(b))
            })
            .unwrap_or(chosen.start);
        let kept: Vec<&Block> = chosen
            .clone()
            .filter_map(|i| self.blocks.get(i).map(|b| (i, b)))
            .filter(|(_, b)| !self.is_filtered(b, negative_depth))
            .filter(|(_, b)| {
                !b.loose || b.in_list || b.chars > MAX_LOOSE_LINE_CHARS || self.is_prose(b)
            })
            .filter(|&(i, b)| {
                !(i < last_prose_index
                    && self.is_box_title(i, b)
                    && !self.teasers_follow(i, last_prose_index))
            })
            .map(|(_, b)| b)
            .collect();
        // After the last paragraph come share prompts, tags and "more on this" lines.
        let last_prose =
            kept.iter().rposition(|b| self.is_prose(b) || b.in_list).map_or(kept.len(), |i| i + 1);
        let kept = kept.get(..last_prose).unwrap_or_default();
        let mut lines: Vec<&str> = Vec::new();
        let mut text_chars = 0usize;
        for block in kept {
            text_chars += block.chars;
            lines.push(&block.text);
        }
        let mut text = lines.join("\n");
        if let Some(body) = ld.article_body.as_deref() {
            let body_chars = body.chars().count();
            #[allow(clippy::cast_precision_loss)]
            let short = (text_chars as f32) < ARTICLE_BODY_SHARE * body_chars as f32;
            if short && body_chars >= 200 {
                // Paywalled pages show the lead and hide the body: the lead paragraphs the
                // page shows and the body does not hold go first.
                let flat_body = collapse_spaces(body);
                let mut lines: Vec<&str> = kept
                    .iter()
                    .filter(|b| self.is_prose(b) && !flat_body.contains(&collapse_spaces(&b.text)))
                    .map(|b| b.text.as_str())
                    .collect();
                lines.extend(body.lines().map(str::trim).filter(|l| !l.is_empty()));
                text = lines.join("\n");
            }
        }
        let meta = self.raw.into_meta(ld, chosen);
        Extracted { text, meta, notes: Vec::new() }
    }

    /// The block range of the best container, and the negative depth of the
    /// container that holds it (blocks under a deeper negative element are not article).
    fn choose(&self) -> (std::ops::Range<usize>, u32) {
        let mut best: Option<(usize, f32)> = None;
        let mut budget = MAX_SCORED_BLOCKS;
        for (i, c) in self.candidates.iter().enumerate() {
            budget = budget.saturating_sub(c.blocks.len());
            if budget == 0 {
                break;
            }
            // Readability's score (commas, length, paragraphs near the container) says how
            // article-like its text is; the objective says how much of it is article and
            // how little else. Either alone picks comment threads or rating tables.
            let s = c.score * self.objective(c).max(0.0).powf(OBJECTIVE_POWER);
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((i, s));
            }
        }
        let Some((mut best, _)) = best else { return (0..self.blocks.len(), 0) };
        // A page with little prose (a table of results, a product sheet, a short post):
        // the element the markup calls the article holds it, whatever it scores.
        if self.candidates.get(best).is_none_or(|c| self.objective(c) < MIN_PROSE_OBJECTIVE) {
            if let Some(named) = self.named_container() {
                best = named;
            }
        }
        // Climb to the enclosing container while what it adds is more prose than other
        // text: an article split into sections, a lead outside the body's wrapper. A
        // wrapper that adds only a few short lines (a section heading) is looked past: the
        // container above it may hold the rest of the article.
        let mut climbs = 0;
        let mut outer: Option<std::ops::Range<usize>> = None;
        let mut at = best;
        while climbs < MAX_CLIMB_LEVELS {
            let Some(current) = self.candidates.get(at) else { break };
            let enclosing = self.candidates.iter().enumerate().skip(at + 1).find(|(_, c)| {
                c.blocks.start <= current.blocks.start && c.blocks.end >= current.blocks.end
            });
            let Some((index, parent)) = enclosing else { break };
            if parent.negative_depth != current.negative_depth {
                // The article in a negative wrapper (a paywall, an "ad-free" box): its
                // lead may stand outside it.
                if outer.is_none() {
                    outer = Some(parent.blocks.clone());
                }
                break;
            }
            at = index;
            // A wrapper around the same blocks stands for them.
            if parent.blocks == current.blocks {
                if best + 1 == index
                    || self.candidates.get(best).is_some_and(|c| c.blocks == parent.blocks)
                {
                    best = index;
                }
                continue;
            }
            climbs += 1;
            let Some(chosen) = self.candidates.get(best) else { break };
            if self.objective(parent) > CLIMB_GAIN * self.objective(chosen) {
                best = index;
                outer = None;
                continue;
            }
            outer = Some(parent.blocks.clone());
            let added = self
                .kept_chars(&parent.blocks, parent.negative_depth)
                .saturating_sub(self.kept_chars(&chosen.blocks, chosen.negative_depth));
            if added > MAX_LOOK_PAST_CHARS {
                break;
            }
        }
        let Some(top) = self.candidates.get(best) else { return (0..self.blocks.len(), 0) };
        // The lead often stands in its own wrapper just before the body's, after a byline,
        // a date or a photo credit: take the prose blocks before the container, inside the
        // one that encloses it. After the article come author boxes, subscription pitches
        // and related lists, prose as often as not: nothing is taken after it.
        // The lead is looked for inside the nearest enclosing element that holds anything
        // before the body (the parent may only add comments after it).
        let mut floor = outer.as_ref().map_or(top.blocks.start, |o| o.start);
        if floor == top.blocks.start {
            if let Some(enclosing) = self.candidates.iter().skip(best + 1).find(|c| {
                c.blocks.start < top.blocks.start
                    && c.blocks.end >= top.blocks.end
                    && c.negative_depth <= top.negative_depth
            }) {
                floor = enclosing.blocks.start;
            }
        }
        let start = self.lead_start(top.blocks.start, floor, top.negative_depth);
        (start..top.blocks.end, top.negative_depth)
    }

    /// Where the chosen blocks start once the lead before them is taken: up to
    /// [`MAX_LEAD_BLOCKS`] prose blocks back from `start`, not before `floor`. Between two
    /// of them may stand up to [`MAX_LEAD_FILTERED`] blocks under negative elements (share
    /// buttons, a photo caption, an author box) and [`MAX_LEAD_GAP`] short lines or link
    /// lines (a byline, a date); a longer line, or the title of a box of links
    /// ("Related"), ends the search.
    fn lead_start(&self, start: usize, floor: usize, negative_depth: u32) -> usize {
        let mut start = start;
        let mut at = start;
        let mut prose = 0;
        let mut gap = 0;
        let mut filtered = 0;
        while prose < MAX_LEAD_BLOCKS && at > floor {
            at -= 1;
            let Some(b) = self.blocks.get(at) else { break };
            if b.negative_depth > negative_depth {
                // A caption, a share bar, an author box between the lead and the body:
                // passed, as the output leaves them out anyway.
                filtered += 1;
                if filtered > MAX_LEAD_FILTERED {
                    break;
                }
                continue;
            }
            if self.is_prose(b) && !b.teaser {
                prose += 1;
                gap = 0;
                filtered = 0;
                start = at;
                continue;
            }
            // Link lines and teasers count: a list of them is another box. A short line
            // over such a list is that box's title ("Related"): the lead is not past it.
            gap += 1;
            let filtered_here = self.is_filtered(b, negative_depth);
            let box_title = !filtered_here && self.titles_link_box(at, b);
            if gap > MAX_LEAD_GAP || box_title || (b.chars > MAX_GAP_LINE_CHARS && !filtered_here) {
                break;
            }
        }
        start
    }

    /// Teaser lists without a wrapper per item: three or more headline links in a row,
    /// each followed at once by a paragraph (its summary), with at most a few short lines
    /// (dates, rubrics) before the next headline. An article does not alternate link
    /// lines and paragraphs three times.
    fn mark_teaser_runs(&mut self) {
        let is_link = Block::is_link_line;
        let mut i = 0;
        while i < self.blocks.len() {
            // Collect a run of pairs starting at i.
            let mut pairs = 0;
            let mut at = i;
            let mut end = i;
            while let (Some(link), Some(summary)) = (self.blocks.get(at), self.blocks.get(at + 1)) {
                // A headline is a phrase (or a line of Chinese), not a bare address
                // (`example.org/2015/08/goods`) or a lone word (`Video`).
                let text = link.text.trim();
                let phrase = text.contains(char::is_whitespace)
                    || (!text.contains(['.', '/']) && text.chars().any(|c| u32::from(c) >= 0x2E80));
                let headline = is_link(link) && phrase;
                if !headline || is_link(summary) || !self.is_prose(summary) {
                    break;
                }
                pairs += 1;
                end = at + 2;
                // Short lines up to the next headline.
                let mut next = end;
                while next - end < MAX_TEASER_GAP
                    && self
                        .blocks
                        .get(next)
                        .is_some_and(|b| !is_link(b) && b.chars <= MAX_BOX_TITLE_CHARS)
                {
                    next += 1;
                }
                at = next;
            }
            if pairs >= MIN_CARDS as usize {
                for b in self.blocks.get_mut(i..end).unwrap_or_default() {
                    b.teaser = true;
                }
                i = end;
            } else {
                i += 1;
            }
        }
    }

    /// Runs of [`MIN_LIST_LINES`] or more short lines in a row, neither links nor prose.
    fn mark_list_runs(&mut self) {
        let short = |b: &Block| {
            !b.is_link_box_line()
                && b.chars <= MAX_GAP_LINE_CHARS
                && !(b.chars >= MIN_SCORED_CHARS && b.has_punctuation)
        };
        let mut i = 0;
        while i < self.blocks.len() {
            let mut end = i;
            while self.blocks.get(end).is_some_and(|b| {
                short(b) && self.blocks.get(i).is_some_and(|f| f.negative_depth == b.negative_depth)
            }) {
                end += 1;
            }
            if end - i >= MIN_LIST_LINES {
                for b in self.blocks.get_mut(i..end).unwrap_or_default() {
                    b.in_list = true;
                }
            }
            i = end.max(i + 1);
        }
    }

    /// The candidate the markup calls the article (see [`Candidate::named`]), outside any
    /// negative element and with text to keep: the most specific name first, then the
    /// most text.
    fn named_container(&self) -> Option<usize> {
        self.candidates
            .iter()
            .enumerate()
            .filter(|(_, c)| c.named > 0 && c.negative_depth == 0)
            .map(|(i, c)| (i, c.named, self.kept_chars(&c.blocks, 0)))
            .filter(|(_, _, kept)| *kept >= MIN_NAMED_CHARS)
            .max_by_key(|(i, named, kept)| (*named, *kept, std::cmp::Reverse(*i)))
            .map(|(i, _, _)| i)
    }

    /// Whether a short line stands over a list of links or teasers ("Related", "Auch
    /// interessant"): inside the article it is that box's title, and left in the text it
    /// would end the article for the text cleaner.
    fn is_box_title(&self, index: usize, b: &Block) -> bool {
        b.chars <= MAX_BOX_TITLE_CHARS
            && !self.is_prose(b)
            && !b.in_list
            && self.titles_link_box(index, b)
    }

    /// Whether the block at `index` stands right over a link or teaser line and has no
    /// digit (a date or a byline with a number over a photo credit is no box title).
    fn titles_link_box(&self, index: usize, b: &Block) -> bool {
        !b.text.contains(|c: char| c.is_ascii_digit())
            && self.blocks.get(index + 1).is_some_and(Block::is_link_box_line)
    }

    /// Whether, after the box that starts at `title`, links and paragraphs alternate
    /// again before `end`: teasers with summaries of several paragraphs, which the title
    /// ("See also") introduces and the text cleaner cuts.
    fn teasers_follow(&self, title: usize, end: usize) -> bool {
        let is_link = Block::is_link_box_line;
        // Past the box itself.
        let mut at = title + 1;
        while self.blocks.get(at).is_some_and(is_link) {
            at += 1;
        }
        let mut pairs = 0;
        while at + 1 < end {
            if let (Some(link), Some(next)) = (self.blocks.get(at), self.blocks.get(at + 1)) {
                if is_link(link) && !is_link(next) && self.is_prose(next) {
                    pairs += 1;
                }
            }
            at += 1;
        }
        pairs >= 2
    }

    /// The characters of the blocks in `range` that the output would keep.
    fn kept_chars(&self, range: &std::ops::Range<usize>, negative_depth: u32) -> usize {
        let blocks = self.blocks.get(range.clone()).unwrap_or_default();
        blocks.iter().filter(|b| !self.is_filtered(b, negative_depth)).map(|b| b.chars).sum()
    }

    /// Whether the output leaves a block out when the chosen container has this negative
    /// depth: link lists, teasers, elements more negative than the container.
    fn is_filtered(&self, b: &Block, negative_depth: u32) -> bool {
        b.is_link_box_line() || b.negative_depth > negative_depth
    }

    fn is_prose(&self, b: &Block) -> bool {
        b.chars >= MIN_SCORED_CHARS
            && !b.is_link_line()
            && (b.chars >= PROSE_CHARS || b.has_punctuation)
    }

    /// How much article a container holds: its prose characters (blocks long enough, not
    /// link lists, not under a negative element inside it) less the characters of
    /// everything else it holds, times its class weight.
    fn objective(&self, c: &Candidate) -> f32 {
        let mut good = 0usize;
        let mut bad = 0usize;
        let mut filtered = 0usize;
        let mut listed = 0usize;
        for b in self.blocks.get(c.blocks.clone()).unwrap_or_default() {
            if b.negative_depth > c.negative_depth || b.is_link_box_line() {
                filtered += b.chars;
                continue;
            }
            if b.in_list {
                listed += b.chars;
                continue;
            }
            let g = if self.is_prose(b) { b.chars - b.link_chars } else { 0 };
            good += g;
            bad += b.chars - g;
        }
        #[allow(clippy::cast_precision_loss)]
        let score = good as f32
            - BAD_TEXT_COST * bad as f32
            - FILTERED_TEXT_COST * filtered as f32
            - LIST_TEXT_COST * listed as f32;
        if score <= 0.0 {
            return score;
        }
        score * c.weight * negative_factor(c.negative_depth)
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
fn own_text(node: NodeRef<'_, Node>) -> String {
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

fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The attributes of an element the extractor looks at, read in one pass.
#[derive(Debug, Default)]
struct ElementFacts<'a> {
    hidden: bool,
    /// Whether its class, id or itemprop names the article's body.
    article_body: bool,
    /// Whether its ARIA role is `main`.
    main_role: bool,
    negative: bool,
    positive: bool,
    lang: Option<&'a str>,
    name: Option<&'a str>,
    property: Option<&'a str>,
    http_equiv: Option<&'a str>,
    content: Option<&'a str>,
    itemprop: Option<&'a str>,
    rel: Option<&'a str>,
    href: Option<&'a str>,
    kind: Option<&'a str>,
    datetime: Option<&'a str>,
    pubdate: bool,
}

impl<'a> ElementFacts<'a> {
    fn of(element: &'a scraper::node::Element, cache: &mut ClassCache<'a>) -> ElementFacts<'a> {
        let mut facts = ElementFacts::default();
        let mut negative = false;
        for (name, value) in element.attrs() {
            match name {
                "class" | "id" => {
                    let judged = *cache.entry(value).or_insert_with(|| ClassJudgment::of(value));
                    negative |= judged.negative;
                    facts.positive |= judged.positive;
                    facts.article_body |= judged.article_body;
                }
                "hidden" => facts.hidden = true,
                "aria-hidden" => facts.hidden |= value.trim().eq_ignore_ascii_case("true"),
                "style" => facts.hidden |= style_hides(value),
                "lang" | "xml:lang" => facts.lang = facts.lang.or(Some(value)),
                "name" => facts.name = Some(value),
                "property" => facts.property = Some(value),
                "http-equiv" => facts.http_equiv = Some(value),
                "content" => facts.content = Some(value),
                "itemprop" => {
                    facts.itemprop = Some(value);
                    facts.article_body |= value.trim().eq_ignore_ascii_case("articleBody");
                }
                "rel" => facts.rel = Some(value),
                "href" => facts.href = Some(value),
                "type" => facts.kind = Some(value),
                "datetime" => facts.datetime = Some(value),
                "pubdate" => facts.pubdate = true,
                // ARIA landmarks that are never the article.
                "role" => {
                    facts.main_role |= value.trim() == "main";
                    negative |= matches!(
                        value.trim(),
                        "navigation"
                            | "complementary"
                            | "banner"
                            | "contentinfo"
                            | "dialog"
                            | "alert"
                            | "menu"
                            | "menubar"
                            | "search"
                    );
                }
                _ => {}
            }
        }
        facts.negative = negative && !facts.positive;
        facts
    }
}

/// The names content management systems give the element that holds an article's body,
/// without separators: `entry-content` (WordPress), `article__body`, `postContent`.
const ARTICLE_BODY_NAMES: &[&str] = &[
    "articlebody",
    "articletext",
    "articlecontent",
    "postbody",
    "posttext",
    "postcontent",
    "entrycontent",
    "entrybody",
    "entrytext",
    "storybody",
    "storytext",
    "storycontent",
    "newstext",
    "newsbody",
    "newscontent",
    "bodytext",
];

/// Whether one of the names in a class or id value is an article-body name (separators
/// and case ignored).
fn names_article_body(value: &str) -> bool {
    value.split_ascii_whitespace().any(|name| {
        let mut buf = [0u8; 64];
        let mut len = 0;
        for b in name.bytes().filter(u8::is_ascii_alphanumeric) {
            if let Some(slot) = buf.get_mut(len) {
                *slot = b.to_ascii_lowercase();
                len += 1;
            }
        }
        let squashed = buf.get(..len).unwrap_or_default();
        let has = |w: &[u8]| memchr::memmem::find(squashed, w).is_some();
        // Every such name ends in body, text or content: most names are out at once.
        (has(b"body") || has(b"text") || has(b"content"))
            && ARTICLE_BODY_NAMES.iter().any(|n| has(n.as_bytes()))
    })
}

fn style_hides(style: &str) -> bool {
    let compact: String = style
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    compact.contains("display:none") || compact.contains("visibility:hidden")
}

/// Judges a class or id value: whether one of its names is negative, and whether one is
/// positive. A name is split into lower-case words (at non-alphanumerics and at
/// lower-to-upper case changes); it is negative when a word is a strong negative, or a weak
/// negative without a positive word beside it; positive when a word is positive and none
/// negative.
fn class_words(value: &str) -> (bool, bool) {
    let mut negative = false;
    let mut positive = false;
    let mut word = String::new();
    for name in value.split_ascii_whitespace() {
        let (mut strong, mut weak, mut pos) = (false, false, false);
        let mut first = true;
        let mut state = false;
        let mut judge = |word: &str, modifier: bool| {
            if word.is_empty() {
                return;
            }
            // `has-sidebar`, `no-comments`, `show-pagination`: a state of the page, not
            // what the element is.
            if std::mem::take(&mut first) {
                state = STATE_WORDS.contains(&word);
            }
            if state {
                return;
            }
            // In a BEM modifier (`report__section--ads`) a short word says what the
            // element also holds, not what it is.
            let hit = NEGATIVE_WORDS
                .iter()
                .find(|w| word.starts_with(*w))
                .or_else(|| NEGATIVE_EXACT_WORDS.iter().find(|w| !modifier && word == **w));
            if let Some(w) = hit {
                if WEAK_NEGATIVE_WORDS.contains(w) {
                    weak = true;
                } else {
                    strong = true;
                }
            }
            pos |= POSITIVE_WORDS.iter().any(|w| word.starts_with(w));
        };
        word.clear();
        let mut prev_lower = false;
        let mut modifier = false;
        let mut prev_dash = false;
        for c in name.chars() {
            if !c.is_alphanumeric() {
                judge(&word, modifier);
                word.clear();
                prev_lower = false;
                modifier |= prev_dash && c == '-';
                prev_dash = c == '-';
                continue;
            }
            prev_dash = false;
            if c.is_uppercase() && prev_lower {
                judge(&word, modifier);
                word.clear();
            }
            prev_lower = c.is_lowercase();
            if c.is_ascii() {
                word.push(c.to_ascii_lowercase());
            } else {
                word.extend(c.to_lowercase());
            }
        }
        judge(&word, modifier);
        // Meta lines and dates: only as the last word, which names what the element is
        // (`entry-meta`, `post-date`); `date-outer` wraps a blog's posts.
        strong |= !state && matches!(word.as_str(), "meta" | "date");
        // A name that says the element is hidden (`hidden`, `is-hidden`), not that a part
        // of it is (`field--label-hidden`), nor that it hides on some screens
        // (`hidden-xs`, `mobile-hidden`) or clips (`overflow-hidden`).
        strong |= matches!(
            name.to_ascii_lowercase().as_str(),
            "hidden" | "is-hidden" | "u-hidden" | "js-hidden" | "visually-hidden" | "sr-only"
        );
        let name_negative = strong || (weak && !pos);
        negative |= name_negative;
        positive |= pos && !name_negative;
    }
    (negative, positive)
}

/// Meta tags naming the publication time, with their priority (lower wins).
fn published_priority(key: &str) -> Option<u8> {
    Some(match key {
        "article:published_time" | "og:article:published_time" => 0,
        "datepublished" => 1,
        "pubdate"
        | "publishdate"
        | "publish-date"
        | "publish_date"
        | "published_time"
        | "og:published_time"
        | "parsely-pub-date"
        | "sailthru.date"
        | "article.published"
        | "dc.date.issued"
        | "dcterms.issued"
        | "cxenseparse:recs:publishtime" => 3,
        "date" | "dc.date" | "dcterms.date" | "dc.date.created" | "dcterms.created" => 4,
        _ => return None,
    })
}

fn note_meta_tag(raw: &mut RawMeta, facts: &ElementFacts<'_>) {
    let Some(content) = facts.content.map(str::trim).filter(|c| !c.is_empty()) else { return };
    if let Some(equiv) = facts.http_equiv {
        if equiv.eq_ignore_ascii_case("content-language") && raw.language.is_none() {
            raw.language = Some(content.to_owned());
        }
        return;
    }
    let key = facts.property.or(facts.name).or(facts.itemprop).unwrap_or_default();
    let key = key.trim().to_ascii_lowercase();
    if let Some(priority) = published_priority(&key) {
        raw.published.push((priority, content.to_owned()));
        return;
    }
    let set = |slot: &mut Option<String>| {
        if slot.is_none() {
            *slot = Some(collapse_spaces(content));
        }
    };
    match key.as_str() {
        "og:title" | "twitter:title" => set(&mut raw.og_title),
        "og:site_name" | "application-name" => set(&mut raw.site_name),
        "og:url" => set(&mut raw.og_url),
        "description" | "og:description" | "twitter:description" => set(&mut raw.description),
        "og:locale" | "language" | "dc.language" if raw.language.is_none() => {
            raw.language = Some(content.to_owned());
        }
        "author" | "article:author" | "dc.creator" | "byl" | "parsely-author"
        | "sailthru.author"
            // A profile URL is not a name.
            if !content.starts_with("http") && content.chars().count() <= 100 =>
        {
            let name = content.strip_prefix("By ").unwrap_or(content);
            push_unique(&mut raw.authors, &collapse_spaces(name));
        }
        _ => {}
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

impl RawMeta {
    fn into_meta(self, ld: JsonLd, article: std::ops::Range<usize>) -> PageMeta {
        let site_name = self.site_name.or(ld.publisher);
        let title_tag = self.title_tag.filter(|t| !t.is_empty());
        // The h1 that the <title> repeats is the article's; an h1 the <title> does not know
        // is often the site's logo.
        let h1 = self.h1.into_iter().find(|h| {
            title_tag.as_deref().is_none_or(|t| t.contains(h.as_str())) && h.chars().count() >= 4
        });
        let title = self
            .og_title
            .map(|t| strip_site_name(&t, site_name.as_deref()))
            .or(ld.headline)
            .or(h1)
            .or_else(|| title_tag.map(|t| title_without_site(&t, site_name.as_deref())))
            .filter(|t| !t.is_empty());
        let mut published: Vec<(u8, String)> = self.published;
        published.extend(ld.published.map(|p| (1, p)));
        // A <time datetime> inside the article, or one that says it is the publication
        // time; a clock in the page header has no date or stands outside.
        for (block, says, value) in self.times {
            if says {
                published.push((2, value));
            } else if article.contains(&block) || block == article.end {
                published.push((5, value));
            }
        }
        published.sort_by_key(|(p, _)| *p);
        let published = published.iter().find_map(|(_, v)| iso_published(v));
        let mut authors = self.authors;
        for a in ld.authors {
            push_unique(&mut authors, &a);
        }
        PageMeta {
            title,
            published,
            authors,
            site_name,
            canonical_url: self.canonical.or(self.og_url).filter(|u| !u.is_empty()),
            language: self.language.as_deref().and_then(primary_language).or(ld.language),
            description: self.description.or(ld.description),
        }
    }
}

/// Separators between an article title and the site name in `<title>`.
const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " « ", " » ", " · "];

/// `<title>` without the site's name: the part that is not the site name, else the longest
/// part.
fn title_without_site(title: &str, site: Option<&str>) -> String {
    let parts = split_title(title);
    if parts.len() < 2 {
        return title.trim().to_owned();
    }
    let stripped = strip_site_name(title, site);
    if stripped != title.trim() {
        return stripped;
    }
    parts.iter().max_by_key(|p| p.chars().count()).map_or_else(String::new, |p| (*p).to_owned())
}

fn split_title(title: &str) -> Vec<&str> {
    let mut parts = vec![title.trim()];
    for sep in TITLE_SEPARATORS {
        parts = parts.iter().flat_map(|p| p.split(sep)).map(str::trim).collect();
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// Removes a leading or trailing part equal to the site name.
fn strip_site_name(title: &str, site: Option<&str>) -> String {
    let title = title.trim();
    let Some(site) = site.map(str::trim).filter(|s| !s.is_empty()) else {
        return title.to_owned();
    };
    for sep in TITLE_SEPARATORS {
        if let Some((head, tail)) = title.rsplit_once(sep) {
            if tail.trim().eq_ignore_ascii_case(site) {
                return head.trim().to_owned();
            }
        }
        if let Some((head, tail)) = title.split_once(sep) {
            if head.trim().eq_ignore_ascii_case(site) {
                return tail.trim().to_owned();
            }
        }
    }
    title.to_owned()
}

/// `en` from `en-US`, `en_GB`, `EN`; `None` for what is not a language tag.
fn primary_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split([',', ';']).next()?.trim().split(['-', '_']).next()?;
    let ok = (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic());
    ok.then(|| primary.to_ascii_lowercase())
}

/// `YYYY-MM-DDTHH:MM` or `YYYY-MM-DD` from an ISO 8601 date-time (seconds, fractions and
/// offset dropped; `/` and `.` accepted between the date parts).
fn iso_published(value: &str) -> Option<String> {
    let v = value.trim().as_bytes();
    let digits =
        |r: std::ops::Range<usize>| v.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let sep = |i: usize| v.get(i).is_some_and(|b| matches!(b, b'-' | b'/' | b'.'));
    if !(digits(0..4) && sep(4) && digits(5..7) && sep(7) && digits(8..10)) {
        return None;
    }
    let field = |r: std::ops::Range<usize>| -> u32 {
        v.get(r).map_or(0, |s| s.iter().fold(0u32, |a, b| a * 10 + u32::from(b - b'0')))
    };
    let (month, day) = (field(5..7), field(8..10));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || field(0..4) < 1990 {
        return None;
    }
    let date = format!("{:04}-{month:02}-{day:02}", field(0..4));
    let has_time = v.get(10).is_some_and(|b| matches!(b, b'T' | b' '))
        && digits(11..13)
        && v.get(13) == Some(&b':')
        && digits(14..16);
    if has_time && field(11..13) < 24 && field(14..16) < 60 {
        Some(format!("{date}T{:02}:{:02}", field(11..13), field(14..16)))
    } else {
        Some(date)
    }
}

/// What JSON-LD blocks say about the article.
#[derive(Debug, Default)]
struct JsonLd {
    headline: Option<String>,
    published: Option<String>,
    authors: Vec<String>,
    publisher: Option<String>,
    article_body: Option<String>,
    language: Option<String>,
    description: Option<String>,
}

/// How many JSON values a JSON-LD walk visits at most.
const MAX_JSON_LD_VALUES: usize = 10_000;

impl JsonLd {
    fn parse(scripts: &[String]) -> JsonLd {
        let mut ld = JsonLd::default();
        for script in scripts {
            let Ok(value) = serde_json::from_str::<serde_json::Value>(script.trim()) else {
                continue;
            };
            let mut stack = vec![&value];
            let mut budget = MAX_JSON_LD_VALUES;
            while let Some(v) = stack.pop() {
                budget = budget.saturating_sub(1);
                if budget == 0 {
                    break;
                }
                match v {
                    serde_json::Value::Array(items) => stack.extend(items.iter().rev()),
                    serde_json::Value::Object(map) => {
                        if is_article_type(map.get("@type")) {
                            ld.take_article(map);
                        }
                        if let Some(graph) = map.get("@graph") {
                            stack.push(graph);
                        }
                    }
                    _ => {}
                }
            }
        }
        ld
    }

    fn take_article(&mut self, map: &serde_json::Map<String, serde_json::Value>) {
        let text = |key: &str| -> Option<String> {
            map.get(key)
                .and_then(serde_json::Value::as_str)
                .map(collapse_spaces)
                .filter(|s| !s.is_empty())
        };
        if self.headline.is_none() {
            self.headline = text("headline");
        }
        if self.published.is_none() {
            self.published = text("datePublished");
        }
        if self.description.is_none() {
            self.description = text("description");
        }
        if self.language.is_none() {
            self.language = text("inLanguage").as_deref().and_then(primary_language);
        }
        if self.article_body.is_none() {
            self.article_body = map
                .get("articleBody")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
                .filter(|s| !s.trim().is_empty());
        }
        if self.publisher.is_none() {
            self.publisher = map.get("publisher").and_then(name_of);
        }
        if let Some(author) = map.get("author") {
            match author {
                serde_json::Value::Array(items) => {
                    for a in items.iter().filter_map(name_of) {
                        push_unique(&mut self.authors, &a);
                    }
                }
                other => {
                    if let Some(a) = name_of(other) {
                        push_unique(&mut self.authors, &a);
                    }
                }
            }
        }
    }
}

fn name_of(value: &serde_json::Value) -> Option<String> {
    let name = match value {
        serde_json::Value::String(s) => s.as_str(),
        serde_json::Value::Object(map) => map.get("name")?.as_str()?,
        _ => return None,
    };
    let name = collapse_spaces(name);
    (!name.is_empty() && !name.starts_with("http")).then_some(name)
}

fn is_article_type(value: Option<&serde_json::Value>) -> bool {
    let is = |t: &str| {
        matches!(
            t,
            "Article"
                | "NewsArticle"
                | "BlogPosting"
                | "ReportageNewsArticle"
                | "AnalysisNewsArticle"
                | "OpinionNewsArticle"
                | "ReviewNewsArticle"
                | "BackgroundNewsArticle"
                | "ScholarlyArticle"
                | "TechArticle"
                | "LiveBlogPosting"
                | "Report"
                | "SocialMediaPosting"
        )
    };
    match value {
        Some(serde_json::Value::String(t)) => is(t),
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|v| v.as_str()).any(is),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_article_and_drops_navigation() {
        let page = extract(
            "<body><nav><a href=/>Home</a> <a href=/w>World</a></nav><div class=story>\
             <p>The council voted on Tuesday to keep the library open, after months of debate.</p>\
             <p>Residents, who had petitioned for a year, welcomed the decision, the mayor said.</p>\
             </div><div class=comments><p>Great news, thanks, really, wonderful, yes.</p></div></body>",
        );
        assert_eq!(
            page.text,
            "The council voted on Tuesday to keep the library open, after months of debate.\n\
             Residents, who had petitioned for a year, welcomed the decision, the mayor said."
        );
    }

    #[test]
    fn a_block_all_in_a_negative_inline_element_is_negative() {
        let page = extract(
            "<body><div class=story>\
             <p>The council voted on Tuesday to keep the library open, after months of debate.</p>\
             <p><em class=copyright>Photo: Town Hall | J. Doe</em></p>\
             <p>Residents, who had petitioned <span class=byline>for a year</span>, welcomed it.</p>\
             </div></body>",
        );
        assert_eq!(
            page.text,
            "The council voted on Tuesday to keep the library open, after months of debate.\n\
             Residents, who had petitioned for a year, welcomed it."
        );
    }

    #[test]
    fn splits_blocks_at_line_breaks() {
        let page = extract(
            "<div>First line of the story, long enough.<br>Second line, also long enough.</div>",
        );
        assert_eq!(
            page.text,
            "First line of the story, long enough.\nSecond line, also long enough."
        );
    }

    #[test]
    fn sentence_punctuation_needs_a_space_after() {
        assert!(has_sentence_punctuation("It rained. Then it stopped"));
        assert!(has_sentence_punctuation("Yes, it did"));
        assert!(has_sentence_punctuation("It rained."));
        assert!(has_sentence_punctuation("下雨了，然后停了"));
        assert!(!has_sentence_punctuation("04.01.2012tiulkin1288458"));
        assert!(!has_sentence_punctuation("Source: drunov.ru"));
    }

    #[test]
    fn class_words_split_at_case_and_punctuation() {
        assert_eq!(class_words("relatedPosts"), (true, false));
        assert_eq!(class_words("content-with-sidebar"), (false, true));
        assert_eq!(class_words("entry themeform share"), (true, true));
        assert_eq!(class_words("address"), (false, false));
        assert_eq!(class_words("ad"), (true, false));
    }

    #[test]
    fn a_short_word_in_a_bem_modifier_is_not_negative() {
        assert_eq!(class_words("report__section--ads"), (false, false));
        assert_eq!(class_words("report__ads"), (true, false));
        assert_eq!(class_words("callout--type--asset-embed"), (true, false));
    }

    #[test]
    fn only_hidden_elements_are_hidden() {
        assert_eq!(class_words("hidden"), (true, false));
        assert_eq!(class_words("is-hidden"), (true, false));
        assert_eq!(class_words("field field--label-hidden"), (false, false));
        assert_eq!(class_words("hidden-xs"), (false, false));
        assert_eq!(class_words("overflow-hidden"), (false, false));
    }

    #[test]
    fn state_names_are_not_what_the_element_is() {
        assert_eq!(class_words("has-sidebar"), (false, false));
        assert_eq!(class_words("no-comments showing-comments"), (false, false));
        assert_eq!(class_words("sidebar"), (true, false));
        assert_eq!(class_words("content-behind-paywall"), (false, true));
    }

    #[test]
    fn meta_and_date_count_as_the_last_word() {
        assert_eq!(class_words("entry-meta"), (true, false));
        assert_eq!(class_words("post-date"), (true, false));
        assert_eq!(class_words("date-outer"), (false, false));
        assert_eq!(class_words("metadata"), (false, false));
    }

    #[test]
    fn prepare_leaves_out_scripts_styles_and_comments() {
        let page = "<head><style>p{color:red}</style><script type=\"application/ld+json\">{\"a\":1}</script>\
                    <script>var s = '</scripts>'; if (a<b) x();</script></head>\
                    <body><!-- a <p>comment</p> --><p>kept</p></body>";
        let prepared = prepare(page, 512);
        assert!(!prepared.contains("color:red"));
        assert!(!prepared.contains("if (a<b)"));
        assert!(!prepared.contains("comment"));
        assert!(prepared.contains("{\"a\":1}"));
        assert!(prepared.contains("<p>kept</p>"));
    }

    #[test]
    fn deep_nesting_is_flattened_below_the_cap() {
        let page = format!("{}<p>deep text</p>{}", "<div>".repeat(20), "</div>".repeat(20));
        assert!(matches!(prepare(&page, 30), Cow::Borrowed(_)));
        let flat = prepare(&page, 5);
        assert_eq!(flat.matches("<div>").count(), 5);
        assert!(flat.contains("deep text"));
    }

    #[test]
    fn iso_published_keeps_local_time() {
        assert_eq!(iso_published("2019-10-17T06:00:00+02:00").as_deref(), Some("2019-10-17T06:00"));
        assert_eq!(iso_published("2019-10-17").as_deref(), Some("2019-10-17"));
        assert_eq!(iso_published("17:05"), None);
        assert_eq!(iso_published("2019-13-17"), None);
    }

    #[test]
    fn title_without_site_name() {
        assert_eq!(
            title_without_site("Labour chooses Manchester | WireFeed", None),
            "Labour chooses Manchester"
        );
        assert_eq!(
            title_without_site("Site - A longer article title", Some("Site")),
            "A longer article title"
        );
    }

    #[test]
    fn valid_utf8_wins_over_a_gb2312_declaration() {
        let page =
            "<meta charset=gb2312><p>中国经济增长速度放缓，专家表示这是正常现象，需要耐心。</p>";
        assert!(extract_bytes(page.as_bytes()).text.contains("中国经济"));
    }

    #[test]
    fn a_wrong_utf8_declaration_gives_way_to_the_next() {
        let (bytes, _, _) = encoding_rs::GBK.encode(
            "<meta charset=\"utf-8\"><meta content=\"text/html; charset=gb2312\"><p>一个约定，信守十五年。</p>",
        );
        assert!(extract_bytes(&bytes).text.contains("一个约定"));
    }

    #[test]
    fn a_stray_byte_leaves_a_utf8_page_utf8() {
        let mut bytes = "<meta charset=utf-8><p>Kolejne organizacje sprzeciwiają się atakom na fundację, która działa od lat.</p>".repeat(6).into_bytes();
        bytes.push(0xE9);
        let page = extract_bytes(&bytes);
        assert!(page.text.contains("sprzeciwiają się"));
        assert_eq!(page.notes, ["invalid utf-8 decoded lossily"]);
    }

    #[test]
    fn koi8_r_is_decoded() {
        let (bytes, _, _) = encoding_rs::KOI8_R.encode(
            "<meta charset=koi8-r><p>Ученые нашли способ борьбы с последствиями радиации.</p>",
        );
        assert!(extract_bytes(&bytes).text.contains("Ученые нашли"));
    }

    #[test]
    fn json_ld_gives_metadata() {
        let page = extract(
            r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle","headline":"Hello","datePublished":"2024-06-25T14:25:00+05:00","author":[{"@type":"Person","name":"A. Writer"}],"publisher":{"name":"Wire"}}]}</script><p>x</p>"#,
        );
        assert_eq!(page.meta.title.as_deref(), Some("Hello"));
        assert_eq!(page.meta.published.as_deref(), Some("2024-06-25T14:25"));
        assert_eq!(page.meta.authors, ["A. Writer"]);
        assert_eq!(page.meta.site_name.as_deref(), Some("Wire"));
    }
}

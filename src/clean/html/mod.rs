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
//!    (the class words); it collects the text blocks and the page metadata;
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
//! - What a page may cost the parser is bounded (the `budget` module): a page over its
//!   budget is [`OverBudget`], not a process out of memory.
//! - Nothing derived from the input panics; a page with no recognisable article gives its
//!   visible text blocks, an empty page an empty text.
//! - Output is a pure function of the input (no clock, no hash order).

use crate::charset::{self, Content};
use crate::{Cleaned, Meta, Removal};

mod budget;
mod class_words;
mod element;
mod formatting;
mod meta;
mod parse;
mod strip;
mod tag;
mod walk;

pub use budget::OverBudget;
use budget::{MAX_ATTRIBUTES_LEFT_OUT, MAX_TAG_DEPTH, node_budget};
use strip::prepare;
use walk::Walk;

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
    /// What was left out that held text, in page order, as `html_boilerplate` removals
    /// whose rule is the reason (`html.nav`, `html.negative_class`, `html.outside_article`,
    /// ...). At most 100 a page, each cut to 300 characters; `line` is the line of
    /// [`Extracted::text`] it stood before.
    pub removed: Vec<Removal>,
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

/// Extracts the article and metadata of an HTML page. Never fails and never panics: a page
/// over its budget ([`try_extract`]) gives no text, and the reason as its only note.
pub fn extract(html: &str) -> Extracted {
    try_extract(html)
        .unwrap_or_else(|over| Extracted { notes: vec![over.to_string()], ..Extracted::default() })
}

/// Extracts the article and metadata of an HTML page, or says that the page would cost the
/// parser more than its budget (see [`OverBudget`]). Never panics.
///
/// # Errors
///
/// [`OverBudget`] when the parsed tree would hold more nodes than the page's budget: markup
/// that makes the parser re-create elements again and again.
pub fn try_extract(html: &str) -> Result<Extracted, OverBudget> {
    let prepared = prepare(html, MAX_TAG_DEPTH);
    let max_nodes = node_budget(prepared.html.len());
    let over = |attributes| OverBudget { max_nodes, bytes: html.len(), attributes };
    if prepared.attributes_dropped > MAX_ATTRIBUTES_LEFT_OUT {
        return Err(over(prepared.attributes_dropped));
    }
    let doc = parse::parse(&prepared.html, max_nodes).ok_or(over(0))?;
    let mut walk = Walk::default();
    walk.run(doc.tree.root());
    let mut out = walk.finish();
    out.notes.extend(prepared.notes());
    Ok(out)
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

//! What one page may cost the parser: a budget per document, so that a hostile or broken page
//! becomes one error record (or a page with a little markup left out) instead of a process
//! that runs for minutes or dies on a failed allocation with the whole batch.
//!
//! # What html5ever does with hostile markup
//!
//! html5ever builds the tree a browser builds, and some of the browsers' error recovery is
//! not linear in the page:
//!
//! - every start tag looks through the stack of open elements: 100,000 nested `div`s cost
//!   5·10⁹ steps ([`MAX_TAG_DEPTH`]);
//! - every attribute is compared with the tag's earlier ones: one tag of 1,000,000 attributes
//!   (7.9 MB) runs for minutes ([`MAX_ATTRIBUTES`]), and each repeated `<html>` or `<body>`
//!   tag adds its attributes to the first one's the same way;
//! - a formatting element (`b`, `font`, ...) left open when its block closes is re-created
//!   in every later block: `<b class=cN><p>x` 80,000 times (2.2 MB) asks for billions of
//!   nodes ([`MAX_OPEN_FORMATTING`], see the `formatting` module).
//!
//! # The budget
//!
//! The first three are bounded *before* parsing, by the pre-parse pass (`strip`), which
//! leaves out what would cost the square: tags nested deeper than [`MAX_TAG_DEPTH`] (their
//! text kept), attributes past [`MAX_ATTRIBUTES`] on one tag (the extractor reads a dozen:
//! `class`, `id`, `style`, `hidden`, `itemprop`, ...), the attributes of a repeated `<html>`
//! or `<body>`, and formatting start tags while [`MAX_OPEN_FORMATTING`] are open (their text
//! kept: the extractor reads no formatting). A page the pass trimmed says so in its notes.
//! None of this touches a real page: the limits are far above what the evaluation pages use
//! (see each constant).
//!
//! What the parse costs in the end is bounded *while* parsing: the tree may hold at most
//! [`node_budget`] nodes, a multiple of the page's length no real page comes near. A page
//! over it is not extracted; the cleaner reports it as [`OverBudget`], which the batch writes
//! as the document's error record. A time limit would say the same thing less exactly and
//! would make the output depend on the machine's load, so there is none: the node count is
//! the clock.
//!
//! # Why html5ever stays
//!
//! The extractor scores containers, so it needs the tree browsers build from broken markup
//! (an unclosed `<p>` or `<td>`, a `<div>` inside a `<p>`): that tree is what readers saw and
//! what the scoring was tuned on. html5ever implements the standard's tree construction;
//! `tl` builds its own, looser tree, and `lol_html` streams tags without building one, so
//! either would change the extraction on every malformed page to fix a cost that a budget
//! around html5ever fixes as well. No alternative was benchmarked for that reason.

use std::fmt;

/// The deepest element nesting handed to the parser. html5ever looks through the stack of
/// open elements for every start tag, so 100,000 nested `div`s cost 5·10⁹ steps; real pages
/// nest a few dozen levels.
pub(super) const MAX_TAG_DEPTH: usize = 512;

/// The most attributes one tag keeps: html5ever compares each attribute with the tag's
/// earlier ones, so `n` cost `n²/2` steps. The 2,679 pages of the evaluation sets
/// (trafilatura-eval, DAnIEL) have at most 46 on one tag.
pub(super) const MAX_ATTRIBUTES: usize = 256;

/// The most attributes past [`MAX_ATTRIBUTES`] a page may hold before it is no page but a
/// flood (one `div` of 1,000,000 attributes): over it, the page is not extracted, as any other
/// page over budget. Below it, the excess is left out with a note and the page is cleaned.
pub(super) const MAX_ATTRIBUTES_LEFT_OUT: usize = 10_000;

/// The most formatting elements (`b`, `i`, `font`, ... but `a`) the pre-parse pass lets be
/// open at once, by its estimate (the `formatting` module): each block may re-create that
/// many. The pages of the evaluation sets reach 41 (an old site's unclosed `<font>`s).
pub(super) const MAX_OPEN_FORMATTING: usize = 100;

/// The fewest nodes any page may build: small pages may be made only of tags.
const MIN_NODE_BUDGET: usize = 100_000;

/// How many nodes a page may build per byte of its markup (as handed to the parser), beyond
/// [`MIN_NODE_BUDGET`]. The pages of the evaluation sets over 2 KB build at most 0.081 a
/// byte; a dense table of one-digit cells builds 0.4.
const NODES_PER_BYTE: usize = 1;

/// How many nodes (elements, text, comments) the parsed tree of a page of `bytes` bytes
/// (as handed to the parser) may hold.
pub(super) fn node_budget(bytes: usize) -> usize {
    MIN_NODE_BUDGET.max(bytes.saturating_mul(NODES_PER_BYTE))
}

/// A page whose markup would cost the parser more than its budget: not extracted.
///
/// # Example
///
/// ```
/// use clean_news::clean::html;
///
/// // A bold element left open before every paragraph is re-created inside each later one.
/// let page: String = (0..20_000).map(|i| format!("<b class=c{i}><p>x{i} ")).collect();
/// let err = html::try_extract(&page).unwrap_err();
/// assert!(err.to_string().contains("over budget"));
/// // `extract` never fails: it gives no text and says why in its notes.
/// let extracted = html::extract(&page);
/// assert!(extracted.text.is_empty());
/// assert_eq!(extracted.notes, [err.to_string()]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverBudget {
    /// How many nodes the page could build: its budget.
    pub max_nodes: usize,
    /// The page's length in bytes.
    pub bytes: usize,
    /// The attributes past the budget of each tag the page holds, when they are over
    /// 10,000; 0 when the page went over its nodes.
    pub attributes: usize,
}

impl fmt::Display for OverBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.attributes > 0 {
            return write!(
                f,
                "html over budget: the page ({} bytes) holds {} attributes past {MAX_ATTRIBUTES} \
                 on its tags (more than {MAX_ATTRIBUTES_LEFT_OUT}); not extracted",
                self.bytes, self.attributes
            );
        }
        write!(
            f,
            "html over budget: the page ({} bytes) builds more than {} nodes (misnested or \
             repeated markup); not extracted",
            self.bytes, self.max_nodes
        )
    }
}

impl std::error::Error for OverBudget {}

//! Step 4: site templates, learned from the batch.
//!
//! A line that repeats across many documents **of one site** is that site's template: the
//! edition line, masthead, menu, bylines, share prompts, "Advertisement" lines, the
//! related-stories header, subscribe prompts, legal links, copyright. Across sites, repetition
//! is the story itself (a repost). Packs (step 3) know the generic phrases; this step learns
//! what no pack can list: each site's own lines, from the pages of that site.
//!
//! # What is counted
//!
//! Every non-empty line of [`Cleaned::text`](crate::Cleaned::text) is taken in its matching
//! form ([`crate::normalize::for_matching`]) and hashed with xxh3; strings are never kept,
//! except a bounded few as examples for display. Per site the learner counts, for each line
//! hash, the documents that contain it and **where** it stood in them:
//!
//! - *head*: before the first anchor, *tail*: after the last anchor, *middle*: between.
//!   An anchor is a long line (at least [`SiteConfig::long_line_words`] words) that this
//!   site had not printed before: the story's own paragraphs. A page with no anchor is split
//!   in two halves (head, tail).
//! - the line's *class*: a `fragment` (short, not ending a sentence: menus, share lines,
//!   teaser titles, date lines), a `sentence` (short, ending with `.` or `!`, not with an
//!   ellipsis), or
//!   `long`.
//! - its *shape*: for fragments with digits, the line with digit runs replaced by `0` and
//!   month and weekday names (English, Russian) by `#`, so `Published 2005-03-04 04:30`,
//!   `Tuesday 22 February 2005` and `Comments (172)` repeat as shapes although every page
//!   prints another value. Shapes are counted like lines.
//! - for lines in the tail, whether the short lines after them (up to three) vary from page
//!   to page: what makes a line (`Related stories`, `More from …`) the header of a teaser
//!   block.
//!
//! A document that repeats most of its long lines from earlier pages of the same site is a
//! *copy* (a story updated or reprinted on its own site) and teaches nothing: otherwise a
//! story updated five times would look like five pages agreeing on its paragraphs.
//!
//! # The decision rule
//!
//! With `n` the documents of the site that are not copies, a line is template in zone `z`
//! when it occurs in zone `z` of at least `max(min_docs, ⌈share × n⌉)` of them, where
//! `share` is
//!
//! | line | head or tail | middle |
//! |---|---|---|
//! | fragment | [`SiteConfig::min_share_fragment`] (0.5 %) | [`SiteConfig::min_share_text`] (25 %) |
//! | sentence, long line, shape | [`SiteConfig::min_share_text`] (25 %) | [`SiteConfig::min_share_text`] (25 %) |
//!
//! Why: a masthead is on every page; a teaser title is on a handful, but only in the tail,
//! where it is harmless to drop; a sentence or a paragraph in the middle of a page is story
//! text unless a quarter of the site prints it (an "Advertisement" line is on about half).
//! A shape stands for many lines, so it needs as much evidence as a sentence: a site's date
//! line is on every page, but `1500 GMT` and `Sunday, 27 February` at the top of a few
//! match previews are the story's.
//! Sites with fewer than [`SiteConfig::min_site_docs`] documents learn nothing: a share of
//! three pages is no evidence.
//!
//! **Never across sites.** A sentence or long line that occurs on two or more sites is
//! story text (a repost) and is never template, whatever its counts. Short fragments are
//! exempt: `Share this story` is on many sites and is template on each.
//!
//! **Applying** ([`SiteProfiles::apply`]) recomputes the zones of the page with the learned
//! profile (an anchor is a long line that is not template) and removes a line when it is
//! template in the zone where it stands: a teaser title learned in tails is kept as the
//! headline of its own page. Three rules, recorded as [`Removal`](crate::Removal)s of class
//! `site_template`:
//!
//! - `site_template.line`: the line's hash is template in this zone;
//! - `site_template.shape`: the line's shape is template in this zone;
//! - `site_template.block`: in the tail, after a template line that heads blocks (the lines
//!   after it vary on most pages: `Related stories`, `More from …`), the fragments up to
//!   the next sentence or long line, or the end of the page, are teasers however rarely
//!   each repeats. Template lines among them (evergreen teasers, the subscribe prompt)
//!   are removed by their own rule and do not end the block. A block of more than
//!   [`SiteConfig::block_max_lines`] such fragments is no teaser list and is kept.
//!
//! # Memory
//!
//! Counting is exact only for lines seen at least twice on a site: the first sighting of a
//! (site, line) pair goes into a Bloom filter, and a line enters its site's table when the
//! filter says it was seen before (its count is then credited with that first sighting).
//! Most lines of news are printed once per site, so tables hold templates, teasers and
//! shapes. Cross-site evidence is two more filters over long lines and sentences (seen on
//! any site; seen on two). The filters grow by levels (×4) at 24 bits per item; their false
//! positives (under 0.1 %) only ever make learning more conservative: a line counted
//! once too often still needs `min_docs`, a line wrongly taken as cross-site is kept.
//!
//! Bound: about 3 bytes per distinct (site, line) pair and 6 per distinct long line or
//! sentence (up to four times that while the newest filter level fills), plus per site at most
//! [`SiteConfig::max_lines_per_site`] table entries of about 100 bytes (beyond the cap the
//! least-seen half is dropped and the profile records the count below which lines may be
//! missing), and 256 example strings of at most 200 bytes. The tables hold the lines a site
//! repeats: its template, its teaser titles, its repeated date and count lines.
//!
//! Measured: learning 1,000,000 synthetic documents (the `clean-news-synth` crate, 200 sites, about
//! 3.4 kB each, streamed in batches of 10,000) peaks at **259 MiB** resident for the whole
//! process (264,700 kB), of which the learner reports 221 MB, mostly the 200 sites' tables
//! of repeated lines; 74 s on 2 shared cores (13,600 documents/s, generation excluded):
//!
//! ```text
//! cargo build --release --example site_templates_synth
//! /usr/bin/time -v target/release/examples/site_templates_synth --docs 1000000 --sites 200
//! ```
//!
//! On the dev set (`examples/site_templates_dev.rs`, 4,182 pages of 20 sites, no cleaner
//! before it), every header and footer template line is gone from 100 % of the 4,167 pages
//! of the 17 sites that learn; the 3 sites of 3 to 7 pages learn nothing; no paragraph
//! printed on two sites is removed.
//!
//! # Determinism
//!
//! Lines are analysed per document in parallel (rayon); the filters are updated in input
//! order; each site's table is updated by one thread in input order. Profiles are sorted
//! (sites by name, lines by count then hash), so the same batches give byte-identical JSON
//! for any thread count. The result does depend on input order, as any first-seen rule
//! does (which of two copies is the copy).
mod apply;
mod bloom;
mod config;
mod key;
mod learn;
mod lines;
mod profile;

pub use apply::Evidence;
pub use config::SiteConfig;
pub use key::{site_key, site_of};
pub use learn::SiteLearner;
pub use profile::{
    FORMAT_VERSION, LineClass, PagePart, SiteProfile, SiteProfiles, TemplateKind, TemplateLine,
};

#[cfg(test)]
mod tests;

//! The data that flows through the pipeline: what comes in ([`Document`]), what the cleaner
//! makes of it ([`Cleaned`], [`Meta`], [`Removal`]).
//!
//! Every type here is plain data with `serde` support, so the same records travel through the
//! library, the JSON Lines the CLI writes, and the Python bindings. Field names are part of the
//! output format: renaming one is a breaking change and gets a CHANGELOG entry.

use serde::{Deserialize, Serialize};

/// One scraped page as it arrives from any input format.
///
/// # Example
///
/// ```
/// use clean_news::Document;
///
/// let doc = Document::text("kt-1", "25.06.2024, 14:25 61571\n\nTitle\n\nBody paragraph.");
/// assert_eq!(doc.id, "kt-1");
/// assert!(doc.body.as_text().is_some());
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Document {
    /// Stable identifier: a path relative to the input folder, or a record's `id` field.
    pub id: String,
    /// Where the page was fetched from, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The site (usually a domain) the page belongs to, if the scraper recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Publication time as the scraper recorded it (ISO 8601 preferred).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The page title, if the scraper recorded it separately from the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The page itself.
    pub body: Body,
}

impl Document {
    /// A document whose body is plain text, with every optional field empty.
    pub fn text(id: impl Into<String>, text: impl Into<String>) -> Document {
        Document { id: id.into(), body: Body::Text(text.into()), ..Document::default() }
    }

    /// A document whose body is HTML, with every optional field empty.
    pub fn html(id: impl Into<String>, html: impl Into<String>) -> Document {
        Document { id: id.into(), body: Body::Html(html.into()), ..Document::default() }
    }
}

/// The content of a [`Document`]: scraped text, or the raw HTML of the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    /// Text as a scraper saved it: one block per line, boilerplate included.
    Text(String),
    /// The HTML of the page.
    Html(String),
}

impl Default for Body {
    fn default() -> Body {
        Body::Text(String::new())
    }
}

impl Body {
    /// The text, when the body is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Body::Text(text) => Some(text),
            Body::Html(_) => None,
        }
    }

    /// The length of the body in bytes, whatever its kind.
    pub fn len(&self) -> usize {
        match self {
            Body::Text(s) | Body::Html(s) => s.len(),
        }
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A cleaned document: the article text, what was learned about it, and what was removed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Cleaned {
    /// The id of the [`Document`] this came from.
    pub id: String,
    /// The article title: the document's own, or the title line found in the page.
    #[serde(default)]
    pub title: Option<String>,
    /// The article text: kept paragraphs in their original characters, separated by a blank
    /// line.
    pub text: String,
    /// Metadata taken from headers, bylines, sources and datelines.
    #[serde(default)]
    pub meta: Meta,
    /// Every removal, in input order.
    #[serde(default)]
    pub removed: Vec<Removal>,
}

/// What the cleaner learned about a document.
///
/// Values come from the page itself (header lines, bylines, source lines, datelines) or, where
/// the page says nothing, from the [`Document`] fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Meta {
    /// Publication time, `YYYY-MM-DDTHH:MM` (or `YYYY-MM-DD`) as printed on the page, in the
    /// site's local time; else the document's `published` field, which also wins over a page
    /// that prints a date without a time. Never a clock widget's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The view counter printed in the page header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub views: Option<u64>,
    /// Authors named in bylines, in page order, without duplicates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Sources: `Source: …` lines and attributions inside sentences (`…, передает BAQ.KZ.`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// The agency dateline that opens the first paragraph (`ASTANA. KAZINFORM –`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dateline: Option<String>,
    /// The language of the kept text (`en`, `ru`, `kk`, `uz-Latn`, …), by script and letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The canonical URL of the page, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_url: Option<String>,
    /// The site the document belongs to, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The site's name as the page gives it (`og:site_name`), for HTML input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_name: Option<String>,
    /// The page's own summary (`<meta name=description>`), for HTML input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Set when the page is no article but a wall a scraper saved in its place:
    /// `cookie_consent`, `paywall` or `blocked` (anti-bot, rate limit). Such a document is
    /// never clustered: its text is the site's, not a story's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_article: Option<String>,
    /// Notes about the input itself, such as `invalid utf-8 decoded lossily`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One piece of text the cleaner removed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    /// What kind of boilerplate it was.
    pub class: RemovalClass,
    /// The id of the rule that removed it (`ru.error_prompt.ctrl_enter`).
    pub rule: String,
    /// The removed text, as it stood in the input (lines joined with `\n`).
    pub text: String,
    /// The 0-based index of the input line where the removed text starts. (For a
    /// `site_template` removal: the line of the cleaned text the template was learned on.
    /// For an `html_boilerplate` removal: the line of the extracted text, the text
    /// cleaner's input, that it stood before in the page; it spans no line of it.)
    pub line: usize,
    /// The evidence behind the decision, where a rule id alone does not say it: for a site
    /// template, `site_template.line site=kt.kz zone=tail docs=212/230`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The kinds of boilerplate, as named in `BOILERPLATE.md` and in the packs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RemovalClass {
    /// Date, time and view-counter lines at the top (moved to [`Meta`]).
    Header,
    /// The title line, moved to [`Cleaned::title`].
    Title,
    /// Tickers, weather, clocks, language switchers, menus, breadcrumbs.
    Navigation,
    /// Bylines and author lines (moved to [`Meta::authors`]).
    Byline,
    /// `Source: …` lines (moved to [`Meta::sources`]).
    Source,
    /// Copyright and reproduction notices.
    Copyright,
    /// "Found an error? Press Ctrl+Enter" prompts.
    ErrorPrompt,
    /// A truncation marker and everything after it (other stories, teasers).
    RelatedTail,
    /// Share, subscribe and follow prompts.
    Share,
    /// Photo and video credits and captions.
    PhotoCredit,
    /// Advertisements, sponsored and partner blocks.
    Ad,
    /// Cookie banners, consent, paywalls and donation prompts.
    Cookie,
    /// Comment counters, polls, ratings, print and listen widgets.
    Widget,
    /// A short line repeating the kept line just before it.
    Duplicate,
    /// Lines that repeat across many documents of one site.
    SiteTemplate,
    /// Markup that is never content: what HTML extraction left out (navigation, footers,
    /// hidden elements, blocks under a negative class or outside the article; the rule,
    /// `html.*`, says which), and markup leftovers the text rules catch (PHP warnings,
    /// punctuation-only lines).
    HtmlBoilerplate,
}

impl RemovalClass {
    /// Every class, in declaration order.
    pub const ALL: [RemovalClass; 16] = [
        RemovalClass::Header,
        RemovalClass::Title,
        RemovalClass::Navigation,
        RemovalClass::Byline,
        RemovalClass::Source,
        RemovalClass::Copyright,
        RemovalClass::ErrorPrompt,
        RemovalClass::RelatedTail,
        RemovalClass::Share,
        RemovalClass::PhotoCredit,
        RemovalClass::Ad,
        RemovalClass::Cookie,
        RemovalClass::Widget,
        RemovalClass::Duplicate,
        RemovalClass::SiteTemplate,
        RemovalClass::HtmlBoilerplate,
    ];

    /// The snake-case name used in packs and in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalClass::Header => "header",
            RemovalClass::Title => "title",
            RemovalClass::Navigation => "navigation",
            RemovalClass::Byline => "byline",
            RemovalClass::Source => "source",
            RemovalClass::Copyright => "copyright",
            RemovalClass::ErrorPrompt => "error_prompt",
            RemovalClass::RelatedTail => "related_tail",
            RemovalClass::Share => "share",
            RemovalClass::PhotoCredit => "photo_credit",
            RemovalClass::Ad => "ad",
            RemovalClass::Cookie => "cookie",
            RemovalClass::Widget => "widget",
            RemovalClass::Duplicate => "duplicate",
            RemovalClass::SiteTemplate => "site_template",
            RemovalClass::HtmlBoilerplate => "html_boilerplate",
        }
    }
}

impl std::fmt::Display for RemovalClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_round_trip_through_serde() {
        for class in RemovalClass::ALL {
            let json = serde_json::to_string(&class).unwrap();
            assert_eq!(json, format!("\"{}\"", class.as_str()));
            let back: RemovalClass = serde_json::from_str(&json).unwrap();
            assert_eq!(back, class);
        }
    }

    #[test]
    fn document_reads_minimal_json() {
        let doc: Document = serde_json::from_str(r#"{"id":"a","body":{"text":"x"}}"#).unwrap();
        assert_eq!(doc.body.as_text(), Some("x"));
        assert_eq!(doc.url, None);
    }
}

//! The attributes of an element the walk and the metadata look at, read in one pass over
//! its attributes: whether it is hidden, what its class words say, and its metadata
//! attributes.

use super::class_words::{ClassCache, ClassJudgment};

/// The attributes of an element the extractor looks at, read in one pass.
#[derive(Debug, Default)]
pub(super) struct ElementFacts<'a> {
    pub(super) hidden: bool,
    /// Whether its class, id or itemprop names the article's body.
    pub(super) article_body: bool,
    /// Whether its ARIA role is `main`.
    pub(super) main_role: bool,
    pub(super) negative: bool,
    pub(super) positive: bool,
    pub(super) lang: Option<&'a str>,
    pub(super) name: Option<&'a str>,
    pub(super) property: Option<&'a str>,
    pub(super) http_equiv: Option<&'a str>,
    pub(super) content: Option<&'a str>,
    pub(super) itemprop: Option<&'a str>,
    pub(super) rel: Option<&'a str>,
    pub(super) href: Option<&'a str>,
    pub(super) kind: Option<&'a str>,
    pub(super) datetime: Option<&'a str>,
    pub(super) pubdate: bool,
}

impl<'a> ElementFacts<'a> {
    pub(super) fn of(
        element: &'a scraper::node::Element,
        cache: &mut ClassCache<'a>,
    ) -> ElementFacts<'a> {
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

fn style_hides(style: &str) -> bool {
    let compact: String = style
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    compact.contains("display:none") || compact.contains("visibility:hidden")
}

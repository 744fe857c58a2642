//! Page metadata: what a page says about itself in meta tags, JSON-LD, `<time>` and
//! `<html lang>`, gathered during the walk and chosen among once it ends.

use super::PageMeta;
use super::element::ElementFacts;
use super::walk::collapse_spaces;

/// Metadata as found, before choosing.
#[derive(Debug, Default)]
pub(super) struct RawMeta {
    pub(super) title_tag: Option<String>,
    pub(super) h1: Vec<String>,
    pub(super) og_title: Option<String>,
    pub(super) published: Vec<(u8, String)>,
    pub(super) authors: Vec<String>,
    pub(super) site_name: Option<String>,
    pub(super) canonical: Option<String>,
    pub(super) og_url: Option<String>,
    pub(super) language: Option<String>,
    pub(super) description: Option<String>,
    pub(super) json_ld: Vec<String>,
    /// `<time datetime>` values, with the block index where they stood and whether they
    /// say they are the publication time.
    pub(super) times: Vec<(usize, bool, String)>,
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

pub(super) fn note_meta_tag(raw: &mut RawMeta, facts: &ElementFacts<'_>) {
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
    pub(super) fn into_meta(self, ld: JsonLd, article: std::ops::Range<usize>) -> PageMeta {
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
pub(super) struct JsonLd {
    pub(super) headline: Option<String>,
    pub(super) published: Option<String>,
    pub(super) authors: Vec<String>,
    pub(super) publisher: Option<String>,
    pub(super) article_body: Option<String>,
    pub(super) language: Option<String>,
    pub(super) description: Option<String>,
}

/// How many JSON values a JSON-LD walk visits at most.
const MAX_JSON_LD_VALUES: usize = 10_000;

impl JsonLd {
    pub(super) fn parse(scripts: &[String]) -> JsonLd {
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
}

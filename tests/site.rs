//! Site-template learning on a corpus written for it (`corpora/site/*/corpus.toml`): every
//! page is built from its site's template and its story, profiles are learned from all pages
//! and applied, and each page must come out as exactly its headline and paragraphs (or, on a
//! site with too few pages, unchanged). All failures are collected and reported together.

// Test and bench helpers may fail loudly: the input is ours.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

use clean_news::clean::site::{SiteConfig, SiteProfiles};
use clean_news::{Cleaned, RemovalClass};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    name: String,
    why: String,
    site: Vec<Site>,
    story: Vec<Story>,
    page: Vec<Page>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Site {
    domain: String,
    head: Vec<String>,
    date: String,
    bylines: Vec<String>,
    ad: String,
    share: String,
    #[serde(default)]
    comments: Option<String>,
    related: String,
    #[serde(default)]
    teaser_prefix: String,
    footer: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Story {
    id: String,
    headline: String,
    paragraphs: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    site: String,
    story: String,
    date: String,
    #[serde(default)]
    byline: Option<usize>,
    #[serde(default)]
    comments: Option<u32>,
    #[serde(default)]
    update: Option<String>,
    #[serde(default)]
    paragraphs: Option<Vec<usize>>,
    teasers: Vec<String>,
}

/// A built page: the document, and the lines that must survive (headline, paragraphs).
struct Built {
    doc: Cleaned,
    content: Vec<String>,
}

fn build(corpus: &Corpus) -> Vec<Built> {
    let story = |id: &str| {
        corpus.story.iter().find(|s| s.id == id).unwrap_or_else(|| panic!("no story {id}"))
    };
    let mut out = Vec::new();
    for (n, page) in corpus.page.iter().enumerate() {
        let site = corpus.site.iter().find(|s| s.domain == page.site).expect("site");
        let s = story(&page.story);
        let mut paragraphs: Vec<String> = page.update.iter().cloned().collect();
        match &page.paragraphs {
            Some(keep) => paragraphs.extend(keep.iter().map(|&k| s.paragraphs[k].clone())),
            None => paragraphs.extend(s.paragraphs.iter().cloned()),
        }
        let mut lines: Vec<String> = site.head.clone();
        lines.push(s.headline.clone());
        lines.push(site.date.replace("{date}", &page.date));
        if let Some(b) = page.byline {
            lines.push(site.bylines[b].clone());
        }
        for (k, p) in paragraphs.iter().enumerate() {
            lines.push(p.clone());
            if k == 0 && paragraphs.len() > 1 {
                lines.push(site.ad.clone());
            }
        }
        lines.push(site.share.clone());
        if let (Some(format), Some(n)) = (&site.comments, page.comments) {
            lines.push(format.replace("{n}", &n.to_string()));
        }
        lines.push(site.related.clone());
        for t in &page.teasers {
            lines.push(format!("{}{}", site.teaser_prefix, story(t).headline));
        }
        lines.extend(site.footer.iter().cloned());
        let mut doc = Cleaned {
            id: format!("{}-{n:02}-{}", corpus.name, page.story),
            text: lines.join("\n"),
            ..Cleaned::default()
        };
        doc.meta.site = Some(site.domain.clone());
        let mut content = vec![s.headline.clone()];
        content.extend(paragraphs);
        out.push(Built { doc, content });
    }
    out
}

fn corpora() -> Vec<Corpus> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/site");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("corpora/site")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("corpus.toml").is_file())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|d| {
            let text = std::fs::read_to_string(d.join("corpus.toml")).expect("read corpus");
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", d.display()))
        })
        .collect()
}

#[test]
fn every_corpus_page_keeps_its_story_and_loses_its_template() {
    let corpora = corpora();
    assert!(!corpora.is_empty());
    let mut failures = Vec::new();
    for corpus in &corpora {
        assert!(!corpus.why.trim().is_empty(), "{}: say why", corpus.name);
        let built = build(corpus);
        let docs: Vec<Cleaned> = built.iter().map(|b| b.doc.clone()).collect();
        let profiles = SiteProfiles::learn(&docs, &SiteConfig::default()).expect("learn");
        let mut rules = BTreeSet::new();
        for b in &built {
            let mut doc = b.doc.clone();
            let evidence = profiles.apply(&mut doc);
            let site = doc.meta.site.clone().unwrap_or_default();
            let learned = profiles.site(&site).is_some_and(|p| p.learned);
            if !learned {
                if doc != b.doc {
                    failures
                        .push(format!("{}: {site} learned nothing but the page changed", doc.id));
                }
                continue;
            }
            let expected = b.content.join("\n");
            if doc.text != expected {
                failures.push(format!("{}: expected\n{expected}\n--- got\n{}\n", doc.id, doc.text));
            }
            if evidence.len() != doc.removed.len()
                || doc.removed.iter().any(|r| r.class != RemovalClass::SiteTemplate)
            {
                failures.push(format!("{}: removals and evidence disagree", doc.id));
            }
            rules.extend(doc.removed.iter().map(|r| r.rule.clone()));
        }
        for rule in ["site_template.line", "site_template.shape", "site_template.block"] {
            if !rules.contains(rule) {
                failures.push(format!("{}: rule {rule} never fired", corpus.name));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_updated_story_counts_once_and_the_small_site_learns_nothing() {
    for corpus in corpora().iter().filter(|c| c.name == "multi-site") {
        let docs: Vec<Cleaned> = build(corpus).into_iter().map(|b| b.doc).collect();
        let profiles = SiteProfiles::learn(&docs, &SiteConfig::default()).expect("learn");
        let courier = profiles.site("lakesidecourier.com").expect("courier");
        assert_eq!((courier.docs, courier.copies), (16, 3));
        let herald = profiles.site("hillcrestherald.org").expect("herald");
        assert!(!herald.learned && herald.lines.is_empty());
        assert!(profiles.site("valleypost.co.uk").is_some_and(|p| p.learned));
    }
}

#[test]
fn saved_profiles_clean_like_fresh_ones() {
    let corpus = corpora().into_iter().next().expect("a corpus");
    let docs: Vec<Cleaned> = build(&corpus).into_iter().map(|b| b.doc).collect();
    let profiles = SiteProfiles::learn(&docs, &SiteConfig::default()).expect("learn");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("profiles.json");
    profiles.save(&path).expect("save");
    let loaded = SiteProfiles::load(&path).expect("load");
    for doc in &docs {
        let (mut a, mut b) = (doc.clone(), doc.clone());
        assert_eq!(profiles.apply(&mut a), loaded.apply(&mut b));
        assert_eq!(a, b);
    }
    assert!(loaded.to_string().contains("lakesidecourier.com: 16 docs (3 copies)"));
}

//! HTML extraction through the public API: the corpus cases in `corpora/html/` and the
//! hostile pages (deep nesting, a huge page, broken markup, no body).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failure is a test failure

use clean_news::{Cleaner, Document, RemovalClass};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Corpus {
    case: Vec<Case>,
}

/// One labelled page: the cleaned text (title on the first line) must contain every `with`
/// segment and none of the `without` ones, or equal `exact`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    why: String,
    html: String,
    #[serde(default)]
    with: Vec<String>,
    #[serde(default)]
    without: Vec<String>,
    exact: Option<String>,
    title: Option<String>,
    published: Option<String>,
}

fn cleaner() -> Cleaner {
    Cleaner::builder().build().unwrap()
}

#[test]
fn corpus_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/html");
    let filter = std::env::var("CLEAN_NEWS_CASES").ok();
    let cleaner = cleaner();
    let mut failures = Vec::new();
    let mut count = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for file in files {
        let corpus: Corpus = toml::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in corpus.case {
            if filter.as_deref().is_some_and(|f| !case.name.contains(f)) {
                continue;
            }
            count += 1;
            assert!(!case.why.is_empty(), "{}: say why", case.name);
            let cleaned = cleaner.clean(&Document::html(case.name.clone(), case.html.clone()));
            let mut problems = Vec::new();
            for w in &case.with {
                if !cleaned.text.contains(w.as_str()) {
                    problems.push(format!("missing {w:?}"));
                }
            }
            for w in &case.without {
                if cleaned.text.contains(w.as_str()) {
                    problems.push(format!("leaked {w:?}"));
                }
            }
            if let Some(exact) = &case.exact {
                if &cleaned.text != exact {
                    problems.push(format!("expected {exact:?}"));
                }
            }
            if case.title.is_some() && cleaned.title != case.title {
                problems.push(format!("title {:?}, expected {:?}", cleaned.title, case.title));
            }
            if case.published.is_some() && cleaned.meta.published != case.published {
                problems.push(format!(
                    "published {:?}, expected {:?}",
                    cleaned.meta.published, case.published
                ));
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{} ({}):\n  {}\n  got: {:?}",
                    case.name,
                    file.file_name().unwrap().to_string_lossy(),
                    problems.join("\n  "),
                    cleaned.text
                ));
            }
        }
    }
    assert!(count > 0 || filter.is_some(), "no cases found");
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

const PARAGRAPH: &str = "<p>The committee met on Tuesday, and after a long debate, it agreed to keep the library open.</p>";

#[test]
fn a_hundred_thousand_nested_divs() {
    let depth = 100_000;
    let mut page = String::with_capacity(depth * 11 + 200);
    page.push_str("<html><body>");
    for _ in 0..depth {
        page.push_str("<div>");
    }
    page.push_str(PARAGRAPH);
    for _ in 0..depth {
        page.push_str("</div>");
    }
    let page = clean_news::clean::html::extract(&page);
    assert!(page.text.contains("The committee met"), "{:?}", page.text);
}

#[test]
fn a_fifty_megabyte_page() {
    let mut page = String::from("<html><body><article>");
    while page.len() < 50_000_000 {
        page.push_str(PARAGRAPH);
    }
    page.push_str("</article></body></html>");
    let page = clean_news::clean::html::extract(&page);
    assert!(page.text.starts_with("The committee met"));
}

#[test]
fn broken_markup_gives_a_result() {
    let pages = [
        "<p>unclosed <b>bold <i>italic",
        "</div></div><p>stray closers, and the text after them, which is long enough",
        "<<<>>><p attr=\"unterminated>text",
        "<table><p>misnested paragraph in a table, with commas, and more words</table>",
        "\u{0}\u{feff}<html><body>\u{0}</body>",
        "",
    ];
    for page in pages {
        let cleaned = cleaner().clean(&Document::html("b", page));
        let _ = cleaned.text;
    }
    // A one-line page: the cleaner takes its only line for the title.
    let cleaned = cleaner().clean(&Document::html("b", pages[1]));
    let all = format!("{:?} {}", cleaned.title, cleaned.text);
    assert!(all.contains("stray closers"), "{all}");
}

#[test]
fn a_page_without_body_gives_its_text() {
    let cleaned = cleaner().clean(&Document::html(
        "nb",
        "<title>Only a head</title><p>A paragraph straight after the head, long enough to be prose.</p>",
    ));
    assert!(cleaned.text.contains("A paragraph straight after the head"), "{:?}", cleaned.text);
    assert_eq!(cleaned.title.as_deref(), Some("Only a head"));
}

#[test]
fn what_extraction_leaves_out_is_recorded_with_its_reason() {
    let page = format!(
        "<html><body><nav><a href=/>Home</a> <a href=/world>World news</a></nav>\
         <article><h1>Library stays open</h1>{PARAGRAPH}{PARAGRAPH}</article>\
         <aside><p>Most read: the council budget, explained</p></aside>\
         <footer><p>\u{a9} 2024</p></footer></body></html>"
    );
    let cleaned = Cleaner::builder().build().unwrap().clean(&Document::html("p", page));
    assert!(cleaned.text.contains("The committee met"));
    let html: Vec<_> =
        cleaned.removed.iter().filter(|r| r.class == RemovalClass::HtmlBoilerplate).collect();
    let nav = html.iter().find(|r| r.rule == "html.nav").expect("the nav is recorded");
    assert_eq!(nav.text, "Home World news");
    assert_eq!(nav.line, 0);
    let aside = html.iter().find(|r| r.text.contains("Most read")).expect("the aside is recorded");
    assert_eq!(aside.rule, "html.negative_class");
    // A footer with no letters in it is not worth a record.
    assert!(html.iter().all(|r| r.rule != "html.footer"), "{html:?}");
}

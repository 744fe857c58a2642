//! Properties of the cleaner that hold for every input: it never panics, cleaning a cleaned
//! record again changes nothing, every input line is accounted for, and kept text comes only
//! from the input.

#![allow(clippy::unwrap_used)] // a test harness: a failure here should stop it loudly

use std::sync::LazyLock;

use clean_news::normalize::for_matching;
use clean_news::{Cleaned, Cleaner, Document};
use proptest::prelude::*;

static CLEANER: LazyLock<Cleaner> = LazyLock::new(|| Cleaner::builder().build().unwrap());

/// A site pack that removes a line only on one site, to check that what the memo of short
/// lines remembers on one site does not leak to another.
const SITE_PACK: &str = "[pack]\nname = \"site-test\"\nsites = [\"kt.kz\"]\n\
    [[rule]]\nid = \"site-test.ad.caption\"\nclass = \"ad\"\nphrases = [\"a short caption\"]\n\
    examples = [\"A short caption\"]\n";

fn with_site_pack(memo_lines: usize) -> Cleaner {
    Cleaner::builder().pack_toml("site-test", SITE_PACK).memo_lines(memo_lines).build().unwrap()
}

static REMEMBERING: LazyLock<Cleaner> = LazyLock::new(|| with_site_pack(64));
static FORGETFUL: LazyLock<Cleaner> = LazyLock::new(|| with_site_pack(0));

/// Lines in the shapes of the catalogue, so that generated pages exercise the rules.
const LINES: &[&str] = &[
    "25.06.2024, 14:25 61571",
    "01.08.2024, 16:23 11996",
    "22:03 / 24.04.2024",
    "Experts from Central Asia, S. Korea talk rare minerals",
    "Experts from Kazakhstan and South Korea discussed the region's mineral resources on Monday, press service of the Ministry reports.",
    "The forum is seen as a step forward in the strategy to build stronger supply chains.",
    "This information may not be reproduced without reference to Kazakhstan Today.",
    "Found an error in the text?",
    "Select the error and press Ctrl + Enter at the same time.",
    "relevant news",
    "Read also:",
    "Читайте также",
    "Нашли ошибку в тексте? Выделите ее и нажмите Ctrl+Enter",
    "МОСКВА, 2 сентября. /ТАСС/. Правительство утвердило план развития отрасли, передает корреспондент агентства.",
    "Источник: Nur.kz",
    "Source : Akipress",
    "Фото: Акорда",
    "Реклама",
    "Поделиться:",
    "0",
    "Комментарии",
    "© 2024 Орталық Еуразиялық төрелік соты. Барлық құқықтар қорғалған.",
    "Eslatib o‘tamiz, kuni kecha prezident kanalga obuna bo‘ldi.",
    "Эгерде ката тапсаңыз, текстти белгилеп Ctrl+Enter басыңыз",
    "Copyright 2025 The Associated Press. All rights reserved.",
    "SEATTLE (AP) — The city council voted on Tuesday to expand the program to every district.",
    "…tenge.Source : https://www.gov.kz/memleket/entities/moa/press/news/details/965218",
    "Напомним, экзамен для кандидатов состоит из двух этапов: письменный и устный.",
    "\u{a0}",
    "\u{feff}",
    "",
    "Здравствуйте.",
    "A short caption",
    "A short caption",
];

fn page() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        4 => proptest::sample::select(LINES).prop_map(str::to_owned),
        1 => "\\PC{0,120}",
        1 => "[a-zA-Zа-яА-Я ,.:!?0-9-]{0,200}",
    ];
    proptest::collection::vec(line, 0..30).prop_map(|lines| lines.join("\n"))
}

fn clean(text: &str, title: Option<String>) -> Cleaned {
    CLEANER.clean(&Document { title, ..Document::text("p", text) })
}

fn is_blank(line: &str) -> bool {
    for_matching(line).is_empty()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn cleaning_is_idempotent(text in page()) {
        let once = clean(&text, None);
        let twice = clean(&once.text, once.title.clone());
        prop_assert_eq!(&twice.text, &once.text, "removed the second time: {:#?}", twice.removed);
    }

    /// The memo changes the speed, never the output: pages cleaned by a cleaner that
    /// remembers their short lines (a small memo, so that it also fills and empties) and by
    /// one that remembers nothing come out the same, on whatever site.
    #[test]
    fn the_memo_of_short_lines_never_changes_the_output(
        pages in proptest::collection::vec((page(), proptest::sample::select(&[None, Some("kt.kz"), Some("www.kt.kz"), Some("other.kz")][..])), 1..8)
    ) {
        let memo = REMEMBERING.with_empty_memo();
        for round in 0..2 {
            for (text, site) in &pages {
                let doc = Document { site: site.map(str::to_owned), ..Document::text("p", text.as_str()) };
                let remembered = serde_json::to_string(&memo.clean(&doc)).unwrap();
                let matched = serde_json::to_string(&FORGETFUL.clean(&doc)).unwrap();
                prop_assert_eq!(remembered, matched, "round {}, site {:?}", round, site);
            }
        }
    }

    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = clean(&text, None);
        let _ = CLEANER.clean(&Document::html("h", text.into_owned()));
    }

    #[test]
    fn kept_text_comes_only_from_the_input(text in page()) {
        let cleaned = clean(&text, None);
        for paragraph in cleaned.text.split("\n\n").filter(|p| !p.is_empty()) {
            prop_assert!(text.lines().any(|l| l.contains(paragraph)), "{paragraph:?} is not in the input");
        }
    }

    #[test]
    fn every_line_is_kept_or_removed(text in page()) {
        let cleaned = clean(&text, None);
        let lines: Vec<&str> = text.split('\n').collect();
        // Non-space characters removed from each line; a line is covered when all of its
        // non-space characters went (in one removal, or a stripped fragment plus the rest).
        let mut removed_chars = vec![0usize; lines.len()];
        let non_space = |t: &str| t.chars().filter(|c| !c.is_whitespace() && !matches!(c, '\u{feff}' | '\u{200b}')).count();
        for removal in &cleaned.removed {
            prop_assert!(removal.line < lines.len(), "removal out of bounds: {removal:?}");
            for (offset, removed_line) in removal.text.split('\n').enumerate() {
                let i = removal.line + offset;
                prop_assert!(i < lines.len());
                prop_assert!(lines[i].contains(removed_line.trim()), "{removal:?} is not line {i}");
                removed_chars[i] += non_space(removed_line);
            }
        }
        let covered: Vec<bool> =
            lines.iter().zip(&removed_chars).map(|(l, n)| *n >= non_space(l)).collect();
        let paragraphs = cleaned.text.split("\n\n").filter(|p| !p.is_empty()).count();
        let non_blank = lines.iter().filter(|l| !is_blank(l)).count();
        let covered_non_blank = lines.iter().zip(&covered).filter(|(l, c)| **c && !is_blank(l)).count();
        prop_assert_eq!(paragraphs + covered_non_blank, non_blank, "removed: {:#?}", cleaned.removed);
    }
}

/// Inputs the `clean_text` fuzz target found (`fuzz/fuzz_targets/clean_text.rs`), replayed:
/// each is cleaned, then its output cleaned again with its title, and nothing more may go.
/// The first, `04 04 39 5d 0a 0a 39 00 00 00 5d 0a 2d` as fuzz bytes (no site, no title),
/// once gave `9\0\0\0]`, which a second cleaning removed. In the second the title is
/// printed again with NULs after it: a copy of the title, however long its text, since its
/// matching form is the title's.
#[test]
fn fuzz_found_inputs_clean_idempotently() {
    let found: &[(Option<&str>, Option<&str>, &str)] = &[
        (None, None, "9]\n\n9\0\0\0]\n-"),
        (None, None, "O~~!~\nO~~\n\nO~~!~\0\0\0\0\0\0\0\0\0\0\0\0\0"),
    ];
    for &(site, title, text) in found {
        let doc = Document {
            site: site.map(str::to_owned),
            title: title.map(str::to_owned),
            ..Document::text("f", text)
        };
        let once = CLEANER.clean(&doc);
        let again = clean(&once.text, once.title.clone());
        assert_eq!(
            again.text, once.text,
            "{text:?}: removed the second time: {:#?}",
            again.removed
        );
    }
}

//! Learning and applying together, on pages built here: what is removed, what is kept,
//! and that the JSON file round-trips.

use super::*;
use crate::{Cleaned, RemovalClass};
use proptest::prelude::*;

const HEAD: [&str; 3] = ["Edition: UK | Sign in", "THE DAILY EXAMPLE", "News | Sport | Money"];
const TAIL: [&str; 4] = [
    "Share this story",
    "Related stories",
    "Subscribe to our newsletter",
    "© 2024 Example Media. All rights reserved.",
];

fn paragraph(story: usize, k: usize) -> String {
    format!(
        "Story {story} paragraph {k} tells what the council decided about the {story} new \
         bridges and why residents of district {k} were asked to wait."
    )
}

/// A number written in letters, so headlines and teasers have no digits (and no shape).
fn letters(n: usize) -> String {
    n.to_string().bytes().map(|b| char::from(b'a' + (b - b'0'))).collect()
}

/// A page of `site` for `story`, with dated header and a teaser block of other stories.
fn page(site: &str, id: usize, story: usize, paragraphs: usize) -> Cleaned {
    let mut lines: Vec<String> = HEAD.iter().map(|s| s.to_string()).collect();
    lines.push(format!("Headline of story {}", letters(story)));
    lines.push(format!("Published 2024-03-{:02} 10:{:02}", 1 + id % 28, id % 60));
    for k in 0..paragraphs {
        lines.push(paragraph(story, k));
        if k == 0 && paragraphs > 2 {
            lines.push("Advertisement".into());
        }
    }
    lines.push(TAIL[0].into());
    lines.push(format!("Comments ({})", id * 7 % 300));
    lines.push(TAIL[1].into());
    for t in 1..=2 {
        lines.push(format!("Teaser about story {}", letters((id + t * 7) % 12)));
    }
    for t in 1..=2 {
        lines.push(format!("Teaser about story {}", letters(1000 + story * 31 + t * 17)));
    }
    lines.push(TAIL[2].into());
    lines.push(TAIL[3].into());
    let mut doc =
        Cleaned { id: format!("{site}-{id}"), text: lines.join("\n"), ..Default::default() };
    doc.meta.site = Some(site.into());
    doc
}

fn kept_lines(doc: &Cleaned) -> Vec<&str> {
    doc.text.lines().collect()
}

#[test]
fn removes_header_footer_shapes_and_teaser_blocks() {
    let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
    let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    let mut doc = page("example.com", 77, 77, 4);
    let evidence = profiles.apply(&mut doc);
    assert_eq!(
        kept_lines(&doc),
        [
            "Headline of story hh",
            paragraph(77, 0).as_str(),
            paragraph(77, 1).as_str(),
            paragraph(77, 2).as_str(),
            paragraph(77, 3).as_str(),
        ]
    );
    let rules: std::collections::BTreeSet<&str> =
        doc.removed.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        ["site_template.block", "site_template.line", "site_template.shape"]
    );
    assert!(doc.removed.iter().all(|r| r.class == RemovalClass::SiteTemplate));
    assert_eq!(evidence.len(), doc.removed.len());
    assert!(evidence.iter().all(|e| e.site == "example.com" && e.site_docs == 30));
    assert_eq!(evidence[0].to_string(), "site_template.line site=example.com zone=head docs=30/30");
}

#[test]
fn applying_twice_removes_nothing_more() {
    let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
    let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    let mut doc = page("example.com", 5, 5, 4);
    profiles.apply(&mut doc);
    let once = doc.clone();
    assert!(profiles.apply(&mut doc).is_empty());
    assert_eq!(doc, once);
}

#[test]
fn a_huge_page_is_counted_in_linear_time() {
    let mut doc = page("example.com", 1, 1, 4);
    let lines: Vec<String> = (0..200_000).map(|i| format!("line {}", letters(i))).collect();
    doc.text = lines.join("\n");
    let start = std::time::Instant::now();
    let profiles = SiteProfiles::learn(&[doc], &SiteConfig::default()).unwrap();
    assert!(start.elapsed().as_secs() < 20);
    assert_eq!(profiles.documents(), 1);
}

#[test]
fn crlf_text_is_cleaned_like_lf_text() {
    let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
    let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    let mut lf = page("example.com", 40, 40, 4);
    let mut crlf = lf.clone();
    crlf.text = crlf.text.replace('\n', "\r\n");
    profiles.apply(&mut lf);
    profiles.apply(&mut crlf);
    assert_eq!(lf.text, crlf.text);
    assert_eq!(lf.removed, crlf.removed);
}

#[test]
fn a_site_with_too_few_documents_learns_nothing() {
    let batch: Vec<Cleaned> = (0..9).map(|i| page("tiny.org", i, i, 3)).collect();
    let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    let profile = profiles.site("tiny.org").unwrap();
    assert!(!profile.learned && profile.lines.is_empty());
    let mut doc = page("tiny.org", 1, 1, 3);
    let before = doc.clone();
    assert!(profiles.apply(&mut doc).is_empty());
    assert_eq!(doc, before);
}

#[test]
fn a_story_updated_on_its_own_site_keeps_its_paragraphs() {
    let mut batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
    // Story 500 printed six times: the same paragraphs, some with a new last one.
    for u in 0..6 {
        let mut doc = page("example.com", 100 + u, 500, 4 + u % 2);
        doc.id = format!("update-{u}");
        batch.push(doc);
    }
    let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    assert!(profiles.site("example.com").unwrap().copies >= 4);
    let mut doc = page("example.com", 200, 500, 5);
    profiles.apply(&mut doc);
    for k in 0..5 {
        assert!(doc.text.contains(&paragraph(500, k)), "paragraph {k} kept");
    }
}

#[test]
fn paragraphs_printed_on_two_sites_are_never_template() {
    // One paragraph in every page of two sites: frequent on each, but cross-site.
    let shared = "The agency said the figures, published on Monday, were the best in a \
                  decade for the region.";
    let mut batch = Vec::new();
    for site in ["a.com", "b.com"] {
        for i in 0..20 {
            let mut doc = page(site, i, i, 3);
            doc.text.push('\n');
            doc.text.push_str(shared);
            batch.push(doc);
        }
    }
    let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    assert!(profiles.site("a.com").unwrap().refused_cross_site >= 1);
    let mut doc = batch[3].clone();
    profiles.apply(&mut doc);
    assert!(doc.text.contains(shared));
    assert!(!doc.text.contains("Share this story"));
}

#[test]
fn a_teaser_title_is_kept_as_its_own_headline() {
    // "Teaser about story N" lines repeat in tails; a page whose headline equals one of
    // them keeps it, because it stands in the head.
    let batch: Vec<Cleaned> = (0..40).map(|i| page("example.com", i, i % 10, 3)).collect();
    let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    let mut doc = page("example.com", 3, 3, 3);
    let headline = "Teaser about story f";
    doc.text = doc.text.replace("Headline of story d", headline);
    profiles.apply(&mut doc);
    assert!(doc.text.starts_with(headline), "{}", doc.text);
}

#[test]
fn blocks_stop_at_sentences_and_are_short() {
    let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
    let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    let body = |tail: &str| {
        let mut doc = page("example.com", 3, 3, 4);
        let cut = doc.text.find("Related stories").unwrap();
        doc.text.truncate(cut);
        doc.text.push_str(tail);
        doc
    };
    let mut doc = body("Related stories\nFirst teaser\nThe mayor said it ends in May.\nLast words");
    profiles.apply(&mut doc);
    assert!(!doc.text.contains("First teaser"));
    assert!(doc.text.ends_with("The mayor said it ends in May.\nLast words"), "{}", doc.text);

    let many: Vec<String> = (0..13).map(|i| format!("Item {}", letters(i))).collect();
    let mut doc = body(&format!("Related stories\n{}", many.join("\n")));
    profiles.apply(&mut doc);
    assert!(many.iter().all(|m| doc.text.contains(m.as_str())), "too long for a block");
}

#[test]
fn profiles_round_trip_through_json_and_refuse_other_versions() {
    let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
    let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    let json = profiles.to_json();
    assert!(json.contains("\"format\": \"clean-news site profiles\""));
    let back = SiteProfiles::from_json(&json).unwrap();
    assert_eq!(back, profiles);
    let mut a = page("example.com", 3, 3, 4);
    let mut b = a.clone();
    assert_eq!(profiles.apply(&mut a), back.apply(&mut b));
    let old = json.replace("\"version\": 1", "\"version\": 0");
    let err = SiteProfiles::from_json(&old).unwrap_err();
    assert!(err.to_string().contains("learn the profiles again"), "{err}");
}

#[test]
fn profiles_split_by_site_merge_back_to_the_whole() {
    let batch: Vec<Cleaned> = (0..60).map(|i| page(["a.com", "b.org"][i % 2], i, i, 4)).collect();
    let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    let parts: Vec<SiteProfiles> = profiles.split_by_site().collect();
    assert_eq!(parts.len(), 2);
    assert!(parts.iter().all(|p| p.sites().count() == 1));
    let joined = parts.into_iter().fold(SiteProfiles::empty(), SiteProfiles::merged_with);
    assert_eq!(joined, profiles);
}

#[test]
fn learning_is_the_same_in_one_batch_or_many_and_on_any_thread_count() {
    let batch: Vec<Cleaned> = (0..60).map(|i| page(["a.com", "b.org"][i % 2], i, i, 4)).collect();
    let one = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
    let mut learner = SiteLearner::new(&SiteConfig::default()).unwrap();
    for chunk in batch.chunks(7) {
        learner.add_batch(chunk);
    }
    assert_eq!(learner.finish().to_json(), one.to_json());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let single = pool.install(|| SiteProfiles::learn(&batch, &SiteConfig::default())).unwrap();
    assert_eq!(single.to_json(), one.to_json());
}

#[test]
fn sampling_counts_a_deterministic_share() {
    let config = SiteConfig { sample_share: 0.5, ..SiteConfig::default() };
    let batch: Vec<Cleaned> = (0..200).map(|i| page("example.com", i, i, 3)).collect();
    let a = SiteProfiles::learn(&batch, &config).unwrap();
    let docs = a.site("example.com").unwrap().docs;
    assert!((60..140).contains(&docs), "{docs}");
    assert_eq!(SiteProfiles::learn(&batch, &config).unwrap(), a);
}

#[test]
fn rejects_out_of_range_config() {
    for bad in [
        SiteConfig { min_docs: 1, ..SiteConfig::default() },
        SiteConfig { min_share_text: 1.5, ..SiteConfig::default() },
        SiteConfig { sample_share: 0.0, ..SiteConfig::default() },
        SiteConfig { min_share_fragment: f64::NAN, ..SiteConfig::default() },
    ] {
        let err = SiteLearner::new(&bad).unwrap_err();
        assert!(matches!(err.kind(), crate::ErrorKind::Config { .. }), "{err}");
    }
}

proptest! {
    #[test]
    fn apply_never_panics_and_keeps_only_input_lines(
        lines in proptest::collection::vec("[a-zA-Z0-9 .,|»\u{a0}é-]{0,40}", 0..30)
    ) {
        let batch: Vec<Cleaned> = (0..30).map(|i| page("example.com", i, i, 4)).collect();
        let profiles = SiteProfiles::learn(&batch, &SiteConfig::default()).unwrap();
        let mut doc = Cleaned::default();
        doc.meta.site = Some("example.com".into());
        doc.text = lines.join("\n") + "\nShare this story\nRelated stories\nx";
        let original = doc.text.clone();
        profiles.apply(&mut doc);
        for kept in doc.text.lines().filter(|l| !l.trim().is_empty()) {
            prop_assert!(original.lines().any(|l| l.trim_end_matches('\r') == kept));
        }
        for r in &doc.removed {
            prop_assert_eq!(original.split('\n').nth(r.line).map(|l| l.trim_end_matches('\r')), Some(r.text.as_str()));
        }
        let once = doc.clone();
        profiles.apply(&mut doc);
        prop_assert_eq!(doc, once);
    }
}

//! Stories of rewritten news: the labelled cases of `corpora/stories/` (format in its
//! README), and the properties grouping keeps whatever the input:
//!
//! - every case groups into the stories it expects (all failures listed, then one fail;
//!   `CLEAN_NEWS_CASES=de,-followup` filters cases by name);
//! - the stories do not depend on the order of the documents or on the thread count;
//! - a repost cluster is never split across stories;
//! - no text, however odd, makes evidence extraction or grouping panic.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test harness: fail loudly

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use clean_news::story::{
    KeyWeights, StoryConfig, StoryDocument, StoryEvidence, StoryGrouping, StoryVerifier,
    group_stories,
};
use proptest::prelude::*;
use serde::Deserialize;

const CORPUS_DIR: &str = "corpora/stories";
const FILTER_VAR: &str = "CLEAN_NEWS_CASES";
/// The corpus may not shrink below this many cases, nor below this many languages.
const MIN_CASES: usize = 10;
const MIN_LANGUAGES: usize = 8;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default, rename = "case")]
    cases: Vec<Case>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    why: String,
    groups: Vec<Vec<String>>,
    #[serde(rename = "doc")]
    docs: Vec<Doc>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    id: String,
    cluster: Option<String>,
    title: Option<String>,
    text: String,
    published: Option<String>,
    #[serde(default)]
    non_article: bool,
}

impl Doc {
    fn cluster(&self) -> &str {
        self.cluster.as_deref().unwrap_or(&self.id)
    }
    fn evidence(&self) -> StoryEvidence {
        StoryEvidence::from_text(self.title.as_deref(), &self.text, self.published.as_deref())
    }
}

fn load_cases() -> Vec<(String, Case)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS_DIR);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let file: CaseFile =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        cases.extend(file.cases.into_iter().map(|c| (name.clone(), c)));
    }
    cases
}

fn selected(name: &str) -> bool {
    let Ok(filter) = std::env::var(FILTER_VAR) else { return true };
    let mut any_positive = false;
    let mut hit = false;
    for part in filter.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(neg) = part.strip_prefix('-') {
            if name.contains(neg) {
                return false;
            }
        } else {
            any_positive = true;
            hit |= name.contains(part);
        }
    }
    !any_positive || hit
}

/// Groups docs; returns the grouping.
fn group(docs: &[Doc], evidence: &[StoryEvidence]) -> StoryGrouping {
    let inputs: Vec<StoryDocument<'_>> = docs
        .iter()
        .zip(evidence)
        .map(|(d, e)| StoryDocument {
            id: &d.id,
            cluster: d.cluster(),
            evidence: e,
            is_non_article: d.non_article,
        })
        .collect();
    group_stories(&inputs, &StoryConfig::default())
}

/// The stories as sorted lists of document ids, sorted.
fn partition(docs: &[Doc], grouping: &StoryGrouping) -> Vec<Vec<String>> {
    let mut by_story: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (d, &s) in docs.iter().zip(&grouping.story_of) {
        by_story.entry(s).or_default().push(d.id.clone());
    }
    let mut groups: Vec<Vec<String>> = by_story
        .into_values()
        .map(|mut g| {
            g.sort();
            g
        })
        .collect();
    groups.sort();
    groups
}

#[test]
fn every_case_groups_as_labelled() {
    let cases = load_cases();
    assert!(cases.len() >= MIN_CASES, "only {} cases in {CORPUS_DIR}", cases.len());
    let languages: std::collections::BTreeSet<&str> =
        cases.iter().map(|(f, _)| f.trim_end_matches(".toml")).collect();
    assert!(languages.len() >= MIN_LANGUAGES, "only languages {languages:?}");
    let mut names = std::collections::BTreeSet::new();
    let mut failures = String::new();
    let mut ran = 0;
    for (file, case) in &cases {
        assert!(names.insert(case.name.clone()), "case name {} twice", case.name);
        assert!(!case.why.trim().is_empty(), "{}: no why", case.name);
        if !selected(&case.name) {
            continue;
        }
        ran += 1;
        let evidence: Vec<StoryEvidence> = case.docs.iter().map(Doc::evidence).collect();
        let grouping = group(&case.docs, &evidence);
        let got = partition(&case.docs, &grouping);
        let mut want: Vec<Vec<String>> = case
            .groups
            .iter()
            .map(|g| {
                let mut g = g.clone();
                g.sort();
                g
            })
            .collect();
        want.sort();
        let listed: usize = want.iter().map(Vec::len).sum();
        assert_eq!(listed, case.docs.len(), "{}: groups must list every document once", case.name);
        if got != want {
            let weights = KeyWeights::from_evidence(
                case.docs.iter().zip(&evidence).filter(|(d, _)| !d.non_article).map(|(_, e)| e),
            );
            let verifier = StoryVerifier::new(&weights);
            writeln!(
                failures,
                "{} ({file}): {}\n  want {want:?}\n  got  {got:?}",
                case.name, case.why
            )
            .unwrap();
            for i in 0..case.docs.len() {
                for j in i + 1..case.docs.len() {
                    let s = verifier.score(&evidence[i], &evidence[j]);
                    writeln!(
                        failures,
                        "    {} ~ {}: score {:.3} (text {:.3}, lead {:.3}, head {:.3}, numbers missing {:.3})",
                        case.docs[i].id,
                        case.docs[j].id,
                        s.score,
                        s.text_cosine,
                        s.lead_cosine,
                        s.head_containment,
                        s.number_mismatch
                    )
                    .unwrap();
                }
            }
        }
    }
    assert!(failures.is_empty(), "{ran} cases run, failures:\n{failures}");
}

/// All documents of the corpus in one batch: the cases must keep their stories apart from
/// each other's, too (a batch of 37 documents in 8 languages, with IDF that means something).
#[test]
fn the_whole_corpus_as_one_batch_keeps_each_case_apart() {
    let cases = load_cases();
    let mut docs = Vec::new();
    for (_, case) in &cases {
        for d in &case.docs {
            let mut d = d.clone();
            d.id = format!("{}/{}", case.name, d.id);
            d.cluster = Some(format!("{}/{}", case.name, d.cluster()));
            docs.push(d);
        }
    }
    let evidence: Vec<StoryEvidence> = docs.iter().map(Doc::evidence).collect();
    let grouping = group(&docs, &evidence);
    for story in partition(&docs, &grouping) {
        let case_of = |id: &str| id.split_once('/').map(|(c, _)| c.to_owned()).unwrap();
        let first = case_of(&story[0]);
        assert!(story.iter().all(|id| case_of(id) == first), "a story spans cases: {story:?}");
    }
}

/// The corpus documents, flattened, for the properties below.
fn corpus_docs() -> Vec<Doc> {
    load_cases()
        .into_iter()
        .flat_map(|(_, case)| {
            case.docs.into_iter().map(move |mut d| {
                d.id = format!("{}/{}", case.name, d.id);
                d.cluster = Some(format!("{}/{}", case.name, d.cluster()));
                d
            })
        })
        .collect()
}

fn grouping_json(docs: &[Doc], evidence: &[StoryEvidence]) -> (Vec<Vec<String>>, String) {
    let g = group(docs, evidence);
    (partition(docs, &g), serde_json::to_string(&g.stories).unwrap())
}

#[test]
fn stories_are_the_same_for_any_thread_count() {
    let docs = corpus_docs();
    let evidence: Vec<StoryEvidence> = docs.iter().map(Doc::evidence).collect();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| grouping_json(&docs, &evidence))
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(4));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Shuffled input, same stories: same partition, same story records (ids, clusters,
    /// joins and their evidence).
    #[test]
    fn stories_do_not_depend_on_input_order(seed in any::<u64>()) {
        let docs = corpus_docs();
        let evidence: Vec<StoryEvidence> = docs.iter().map(Doc::evidence).collect();
        let mut order: Vec<usize> = (0..docs.len()).collect();
        let mut s = seed | 1;
        for i in (1..order.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            order.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let shuffled: Vec<Doc> = order.iter().map(|&i| docs[i].clone()).collect();
        let shuffled_evidence: Vec<StoryEvidence> = order.iter().map(|&i| evidence[i].clone()).collect();
        prop_assert_eq!(grouping_json(&docs, &evidence), grouping_json(&shuffled, &shuffled_evidence));
    }

    /// Whatever the repost clusters, all documents of one cluster share a story, and a
    /// story's clusters are exactly its documents' clusters.
    #[test]
    fn stories_never_split_a_cluster(assign in proptest::collection::vec(0u8..12, 37)) {
        let mut docs = corpus_docs();
        for (d, c) in docs.iter_mut().zip(assign.iter().cycle()) {
            d.cluster = Some(format!("c{c}"));
        }
        let evidence: Vec<StoryEvidence> = docs.iter().map(Doc::evidence).collect();
        let g = group(&docs, &evidence);
        let mut story_of_cluster: BTreeMap<&str, usize> = BTreeMap::new();
        for (d, &s) in docs.iter().zip(&g.story_of) {
            let first = *story_of_cluster.entry(d.cluster()).or_insert(s);
            prop_assert_eq!(first, s, "cluster {} split", d.cluster());
        }
        for (c, s) in story_of_cluster {
            prop_assert!(g.stories[s].clusters.iter().any(|x| x == c));
            prop_assert_eq!(g.stories[s].joins.len() + 1, g.stories[s].clusters.len());
        }
    }

    /// Any text: no panic, bounded evidence, finite scores in range.
    #[test]
    fn odd_text_never_panics(title in "\\PC{0,40}", text in "\\PC{0,400}", date in "[0-9-]{0,12}") {
        let a = StoryEvidence::from_text(Some(&title), &text, Some(&date));
        let b = StoryEvidence::from_text(None, &format!("{text} {title}"), None);
        prop_assert!(a.word_count() <= clean_news::story::MAX_WORDS);
        let weights = KeyWeights::from_evidence([&a, &b]);
        let s = StoryVerifier::new(&weights).score(&a, &b);
        prop_assert!(s.score.is_finite() && s.score >= -0.3 && s.score <= 4.0 + 1e-4, "{s:?}");
        let docs = [
            StoryDocument { id: "a", cluster: "1", evidence: &a, is_non_article: false },
            StoryDocument { id: "b", cluster: "2", evidence: &b, is_non_article: false },
        ];
        let g = group_stories(&docs, &StoryConfig::default());
        prop_assert_eq!(g.story_of.len(), 2);
    }
}

/// From raw pages through the cleaner: evidence is taken from the cleaned text and title, so
/// the boilerplate two sites share (an error prompt, a share line) joins nothing, while the
/// rewrite of one event joins its source.
#[test]
fn cleaned_pages_group_by_their_story_not_their_boilerplate() {
    use clean_news::{Cleaner, Document};
    let cleaner = Cleaner::builder().build().unwrap();
    let tail = "\n\nFound an error in the text?\n\nSelect the error and press Ctrl + Enter.";
    let pages = [
        (
            "wire",
            "Wildfire forces evacuation of 2,400 residents near Limassol\n\nA wildfire that broke \
             out on Wednesday afternoon in the hills north of Limassol has forced the evacuation of \
             2,400 residents from four villages, the fire service said. Two firefighting aircraft \
             from Greece joined the effort on Thursday morning.",
        ),
        (
            "rewrite",
            "Limassol hills ablaze: four villages evacuated\n\nAbout 2,400 people were evacuated \
             from four villages north of Limassol after a wildfire broke out on Wednesday \
             afternoon, according to the fire service. Greece sent two firefighting aircraft, \
             which joined the effort on Thursday morning.",
        ),
        (
            "other",
            "Limassol marina hosts regatta with 60 yachts\n\nSixty yachts from eleven countries \
             sailed out of Limassol marina on Saturday for the annual autumn regatta, the \
             organisers said.",
        ),
    ];
    let cleaned: Vec<_> = pages
        .iter()
        .map(|(id, text)| cleaner.clean(&Document::text(*id, format!("{text}{tail}"))))
        .collect();
    assert!(cleaned.iter().all(|c| !c.text.contains("Ctrl")), "the cleaner removes the prompt");
    let evidence: Vec<StoryEvidence> = cleaned.iter().map(StoryEvidence::from_cleaned).collect();
    let docs: Vec<StoryDocument<'_>> = cleaned
        .iter()
        .zip(&evidence)
        .map(|(c, e)| StoryDocument {
            id: &c.id,
            cluster: &c.id,
            evidence: e,
            is_non_article: c.meta.non_article.is_some(),
        })
        .collect();
    let g = group_stories(&docs, &StoryConfig::default());
    assert_eq!(g.story_of[0], g.story_of[1], "{:?}", g.stories);
    assert_ne!(g.story_of[0], g.story_of[2]);
    let join = &g.story(0).unwrap().joins[0];
    assert!(join.shared.numbers.contains(&2400), "{join:?}");
}

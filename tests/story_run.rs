//! Stories in `clean-news run` (#20), end to end through the binary and the library's `run`:
//!
//! - every labelled case of `corpora/stories/` (all languages, in one batch) groups into the
//!   stories it expects, by the `story` field of `documents.jsonl`;
//! - `stories.jsonl` lists each story of two clusters or more with the joins that made it,
//!   their evidence spelled as the texts wrote it;
//! - without `--stories` no record has a `story` and an earlier run's `stories.jsonl` goes;
//! - the output is the same bytes on one thread and on two;
//! - `documents.parquet` carries the same stories.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test harness: fail loudly

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::{Value, json};

const CORPUS_DIR: &str = "corpora/stories";

#[derive(Debug, Deserialize)]
struct CaseFile {
    #[serde(default, rename = "case")]
    cases: Vec<Case>,
}

/// A case of `corpora/stories/` (the fields a run reads; see its README).
#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    groups: Vec<Vec<String>>,
    #[serde(rename = "doc")]
    docs: Vec<Doc>,
}

#[derive(Debug, Deserialize)]
struct Doc {
    id: String,
    title: Option<String>,
    text: String,
    published: Option<String>,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS_DIR);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    for path in paths {
        let file: CaseFile = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        cases.extend(file.cases);
    }
    assert!(cases.len() >= 10, "the story corpus shrank to {} cases", cases.len());
    cases
}

/// The id a case's document has in the run's input.
fn doc_id(case: &Case, doc: &Doc) -> String {
    format!("{}/{}", case.name, doc.id)
}

/// Every document of every case as one JSON Lines input (the cases share one batch, as a
/// day's crawl would hold them).
fn write_input(path: &Path, cases: &[Case]) {
    write_docs(path, cases.iter().flat_map(|case| case.docs.iter().map(move |doc| (case, doc))));
}

/// These documents as a JSON Lines input, in this order.
fn write_docs<'a>(path: &Path, docs: impl IntoIterator<Item = (&'a Case, &'a Doc)>) {
    let mut out = String::new();
    for (case, doc) in docs {
        let mut record = json!({"id": doc_id(case, doc), "text": doc.text});
        if let Some(title) = &doc.title {
            record["title"] = json!(title);
        }
        if let Some(published) = &doc.published {
            record["published"] = json!(published);
        }
        writeln!(out, "{record}").unwrap();
    }
    std::fs::write(path, out).unwrap();
}

fn clean_news() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clean-news"))
}

fn run_cli(input: &Path, out: &Path, extra: &[&str], env: &[(&str, &str)]) {
    let output = clean_news()
        .arg("run")
        .arg(input)
        .arg("-o")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A run's `documents.jsonl`, by document id.
fn records_by_id(out: &Path) -> BTreeMap<String, Value> {
    lines(&out.join("documents.jsonl"))
        .into_iter()
        .map(|r| (r["id"].as_str().unwrap().to_owned(), r))
        .collect()
}

fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// A temporary folder holding the corpus as `docs.jsonl`.
fn corpus_input() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("docs.jsonl");
    write_input(&input, &cases());
    (dir, input)
}

#[test]
fn every_case_of_the_story_corpus_groups_through_the_run() {
    let (dir, input) = corpus_input();
    let out = dir.path().join("out");
    run_cli(&input, &out, &["--stories", "--no-index"], &[]);
    let story: BTreeMap<String, String> = records_by_id(&out)
        .into_iter()
        .map(|(id, r)| (id, r["story"].as_str().unwrap().to_owned()))
        .collect();
    let mut failures = String::new();
    for case in cases() {
        let mut got: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for doc in &case.docs {
            got.entry(&story[&doc_id(&case, doc)]).or_default().insert(&doc.id);
        }
        let got: BTreeSet<BTreeSet<&str>> = got.into_values().collect();
        let expected: BTreeSet<BTreeSet<&str>> =
            case.groups.iter().map(|g| g.iter().map(String::as_str).collect()).collect();
        if got != expected {
            writeln!(failures, "{}: expected {expected:?}, got {got:?}", case.name).unwrap();
        }
    }
    assert!(failures.is_empty(), "cases grouped otherwise through the run:\n{failures}");
}

#[test]
fn a_rewrite_shares_the_story_not_the_cluster_and_a_single_is_its_own_story() {
    let (dir, input) = corpus_input();
    let out = dir.path().join("out");
    run_cli(&input, &out, &["--stories", "--no-index"], &[]);
    let records = records_by_id(&out);
    let wire = &records["en.quake.rewrite_and_another_quake/wire"];
    let rewrite = &records["en.quake.rewrite_and_another_quake/rewrite"];
    let other = &records["en.quake.rewrite_and_another_quake/other"];
    assert_ne!(wire["cluster"], rewrite["cluster"], "a rewrite is no repost");
    assert_eq!(wire["story"], rewrite["story"]);
    assert_ne!(wire["story"], other["story"]);
    // A story is named by its smallest cluster; a document alone by its own cluster.
    let smaller = wire["cluster"].as_str().min(rewrite["cluster"].as_str());
    assert_eq!(wire["story"].as_str(), smaller);
    assert_eq!(other["story"], other["cluster"]);
    // Reposts of one text always share a story.
    for r in records.values() {
        for s in records.values().filter(|s| s["cluster"] == r["cluster"]) {
            assert_eq!(r["story"], s["story"], "{} and {}", r["id"], s["id"]);
        }
    }
}

#[test]
fn stories_jsonl_lists_each_joined_story_with_its_spelled_evidence() {
    let (dir, input) = corpus_input();
    let out = dir.path().join("out");
    run_cli(&input, &out, &["--stories", "--no-index"], &[]);
    let records = lines(&out.join("documents.jsonl"));
    let stories = lines(&out.join("stories.jsonl"));
    let summary = summary(&out);
    assert_eq!(summary["multi_stories"].as_u64(), Some(stories.len() as u64));
    let distinct: BTreeSet<&str> = records.iter().map(|r| r["story"].as_str().unwrap()).collect();
    assert_eq!(summary["stories"].as_u64(), Some(distinct.len() as u64));
    let text_of = |id: &str| -> String {
        let r = records.iter().find(|r| r["id"] == id).unwrap();
        format!("{} {}", r["title"].as_str().unwrap_or(""), r["text"].as_str().unwrap())
    };
    let ids: Vec<&str> = stories.iter().map(|s| s["story"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "stories are written in id order");
    for story in &stories {
        let id = story["story"].as_str().unwrap();
        let clusters: Vec<&str> =
            story["clusters"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        assert!(clusters.len() >= 2, "{story}");
        assert_eq!(clusters[0], id, "a story is named by its smallest cluster");
        // Every member of the story's clusters carries the story.
        for r in records.iter().filter(|r| clusters.contains(&r["cluster"].as_str().unwrap())) {
            assert_eq!(r["story"], id);
        }
        let joins = story["joins"].as_array().unwrap();
        assert_eq!(joins.len(), clusters.len() - 1, "{story}");
        for join in joins {
            assert!(join["score"].as_f64().unwrap() >= 1.6, "{join}");
            for part in ["text_cosine", "lead_cosine", "head_containment", "number_mismatch"] {
                assert!(join[part].is_number(), "{part} missing: {join}");
            }
            let documents: Vec<&str> =
                join["documents"].as_array().unwrap().iter().map(|d| d.as_str().unwrap()).collect();
            let texts: Vec<String> = documents.iter().map(|d| text_of(d)).collect();
            let spelled: Vec<&str> = ["names", "words"]
                .iter()
                .flat_map(|k| join[*k].as_array().unwrap())
                .map(|w| w.as_str().unwrap())
                .collect();
            assert!(spelled.len() >= 4, "a join is explained by shared words: {join}");
            for word in spelled {
                assert!(
                    texts[0].contains(word),
                    "{word} is not spelled as {} wrote it",
                    documents[0]
                );
            }
        }
    }
    let quake = stories
        .iter()
        .flat_map(|s| s["joins"].as_array().unwrap())
        .find(|j| {
            j["documents"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d == "en.quake.rewrite_and_another_quake/wire")
        })
        .expect("the quake rewrite is joined");
    assert!(quake["names"].as_array().unwrap().contains(&json!("Kastoria")), "{quake}");
    assert!(quake["numbers"].as_array().unwrap().contains(&json!(71)), "{quake}");
}

#[test]
fn without_stories_there_is_no_story_and_an_earlier_stories_file_goes() {
    let (dir, input) = corpus_input();
    let out = dir.path().join("out");
    // With an index: the removal rides the same journal as the index commit.
    run_cli(&input, &out, &["--stories"], &[]);
    assert!(out.join("stories.jsonl").exists());
    assert!(lines(&out.join("documents.jsonl")).iter().all(|r| r["story"].is_string()));
    run_cli(&input, &out, &[], &[]);
    assert!(!out.join("stories.jsonl").exists(), "an earlier run's stories.jsonl was kept");
    assert!(lines(&out.join("documents.jsonl")).iter().all(|r| r.get("story").is_none()));
    let summary = summary(&out);
    assert!(summary.get("stories").is_none() && summary.get("multi_stories").is_none());

    // Without an index, the same.
    let plain = dir.path().join("plain");
    run_cli(&input, &plain, &["--stories", "--no-index"], &[]);
    run_cli(&input, &plain, &["--no-index"], &[]);
    assert!(!plain.join("stories.jsonl").exists());
}

#[test]
fn output_with_stories_is_the_same_bytes_on_one_thread_and_on_two() {
    let (dir, input) = corpus_input();
    let outs: Vec<PathBuf> = ["env1", "env2", "flag1", "flag2"].map(|n| dir.path().join(n)).into();
    run_cli(&input, &outs[0], &["--stories", "--no-index"], &[("RAYON_NUM_THREADS", "1")]);
    run_cli(&input, &outs[1], &["--stories", "--no-index"], &[("RAYON_NUM_THREADS", "2")]);
    run_cli(&input, &outs[2], &["--stories", "--no-index", "--threads", "1"], &[]);
    run_cli(&input, &outs[3], &["--stories", "--no-index", "--threads", "2"], &[]);
    for file in ["documents.jsonl", "stories.jsonl", "clusters.jsonl", "summary.json"] {
        let first = std::fs::read(outs[0].join(file)).unwrap();
        for other in &outs[1..] {
            let bytes = std::fs::read(other.join(file)).unwrap();
            assert!(bytes == first, "{file} differs between {outs:?}");
        }
    }
}

#[test]
fn story_min_score_needs_stories_and_a_score_in_range() {
    let (dir, input) = corpus_input();
    let out = dir.path().join("out");
    for args in [&["--story-min-score", "1.0"][..], &["--stories", "--story-min-score", "9"]] {
        let status =
            clean_news().arg("run").arg(&input).arg("-o").arg(&out).args(args).output().unwrap();
        assert_eq!(status.status.code(), Some(2), "{args:?}");
    }
    assert!(!out.exists(), "a refused run creates nothing");
}

/// The library's `run` with a story configuration: a threshold above any score joins no two
/// clusters, so every story is a cluster and `stories.jsonl` is empty.
#[test]
fn the_library_run_takes_a_story_configuration() {
    use clean_news::pipeline::BatchCleaner;
    use clean_news::pipeline::run::{RunConfig, run};
    use clean_news::story::StoryConfig;

    let (dir, input) = corpus_input();
    let batch = BatchCleaner::builder().build().unwrap();
    let deduper = clean_news::Deduper::builder().build().unwrap();
    let source = || vec![clean_news::input::Source::Path(input.clone())];

    let out = dir.path().join("strict");
    let mut config = RunConfig::new(&out);
    config.index = None;
    config.stories = Some(StoryConfig { min_score: 4.0, ..StoryConfig::default() });
    let summary = run(&batch, &deduper, source(), &config, None).unwrap();
    assert_eq!(summary.multi_stories, Some(0));
    assert_eq!(summary.stories, Some(summary.clusters));
    assert_eq!(std::fs::read(out.join("stories.jsonl")).unwrap(), b"");
    assert!(lines(&out.join("documents.jsonl")).iter().all(|r| r["story"] == r["cluster"]));

    let out = dir.path().join("default");
    let mut config = RunConfig::new(&out);
    config.index = None;
    config.stories = Some(StoryConfig::default());
    let summary = run(&batch, &deduper, source(), &config, None).unwrap();
    assert!(summary.multi_stories.unwrap() >= 10, "{summary:?}");
    assert!(summary.stories.unwrap() < summary.clusters);
}

#[cfg(feature = "parquet")]
#[test]
fn documents_parquet_carries_the_stories() {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let (dir, input) = corpus_input();
    let out = dir.path().join("out");
    run_cli(&input, &out, &["--stories", "--no-index", "--parquet"], &[]);
    let expected: Vec<String> = lines(&out.join("documents.jsonl"))
        .iter()
        .map(|r| r["story"].as_str().unwrap().to_owned())
        .collect();
    let file = std::fs::File::open(out.join("documents.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
    let mut got = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let column = batch.column_by_name("story").expect("a story column").as_string::<i32>();
        got.extend((0..column.len()).map(|i| column.value(i).to_owned()));
    }
    assert_eq!(got, expected);
}

#[test]
fn the_report_of_a_run_with_stories_lists_them() {
    let (dir, input) = corpus_input();
    let out = dir.path().join("out");
    run_cli(&input, &out, &["--stories", "--no-index"], &[]);
    let page = dir.path().join("report.html");
    let status = clean_news().arg("report").arg(&out).arg("-o").arg(&page).arg("--quiet").status();
    assert!(status.unwrap().success());
    let page = std::fs::read_to_string(page).unwrap();
    let at = page.find(r#"<h2 id="stories">"#).expect("a stories section");
    let section = &page[at..];
    // Both titles of the quake story, and what joined them.
    assert!(section.contains("Magnitude 5.8 earthquake shakes Kastoria in northern Greece"));
    assert!(section.contains("Kastoria: old houses collapse after 5.8 quake"));
    assert!(section.contains("names: Kastoria"), "{}", &section[..section.len().min(3000)]);
}

/// Day 1 holds every case but one rewrite of each joined group; day 2 holds those rewrites
/// alone. Through the index, each rewrite joins the story its group got on day 1, by id.
#[test]
fn a_later_runs_rewrite_joins_an_earlier_story_through_the_index() {
    let cases = cases();
    let dir = tempfile::tempdir().unwrap();
    let mut later: BTreeMap<String, String> = BTreeMap::new(); // day-2 id → a day-1 partner
    let mut day1 = Vec::new();
    let mut day2 = Vec::new();
    for case in &cases {
        let group = case.groups.iter().find(|g| g.len() >= 2);
        let moved = group.and_then(|g| g.last());
        let mut kept = Vec::new();
        let mut gone = Vec::new();
        for doc in &case.docs {
            match Some(&doc.id) == moved {
                true => gone.push(doc),
                false => kept.push(doc),
            }
        }
        if let (Some(group), Some(moved)) = (group, moved) {
            later.insert(format!("{}/{moved}", case.name), format!("{}/{}", case.name, group[0]));
        }
        day1.push((case, kept));
        day2.push((case, gone));
    }
    let write = |path: &Path, part: &[(&Case, Vec<&Doc>)]| {
        write_docs(
            path,
            part.iter().flat_map(|(case, docs)| docs.iter().map(move |doc| (*case, *doc))),
        );
    };
    let (one, two) = (dir.path().join("day1.jsonl"), dir.path().join("day2.jsonl"));
    write(&one, &day1);
    write(&two, &day2);
    let index = dir.path().join("index.redb");
    let index_arg = index.to_str().unwrap();
    let (out1, out2) = (dir.path().join("out1"), dir.path().join("out2"));
    run_cli(&one, &out1, &["--stories", "--index", index_arg], &[]);
    run_cli(&two, &out2, &["--stories", "--index", index_arg], &[]);
    let story_of = |out: &Path| -> BTreeMap<String, String> {
        lines(&out.join("documents.jsonl"))
            .iter()
            .map(|r| {
                (r["id"].as_str().unwrap().to_owned(), r["story"].as_str().unwrap().to_owned())
            })
            .collect()
    };
    let (first, second) = (story_of(&out1), story_of(&out2));
    assert!(later.len() >= 10, "{later:?}");
    let mut failures = String::new();
    for (id, partner) in &later {
        if second[id] != first[partner] {
            writeln!(failures, "{id}: story {}, {partner}'s {}", second[id], first[partner])
                .unwrap();
        }
    }
    assert!(failures.is_empty(), "rewrites that did not join their earlier story:\n{failures}");
    // Day 2's stories.jsonl shows each join, with the earlier cluster in the story.
    let stories = lines(&out2.join("stories.jsonl"));
    assert_eq!(stories.len(), later.len());
    for story in &stories {
        assert_eq!(story["clusters"].as_array().unwrap().len(), 2, "{story}");
        let join = &story["joins"][0];
        assert!(
            !join["names"].as_array().unwrap().is_empty()
                || !join["words"].as_array().unwrap().is_empty(),
            "{join}"
        );
    }
}

//! `clean-news run` end to end on `corpora/run`: the gold clustering is found, the output does
//! not depend on the thread count, and a second run remembers the first through the index.

#![allow(clippy::unwrap_used)] // a test harness: a failure here should stop it loudly

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn pages() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/run/pages")
}

fn clean_news() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clean-news"))
}

fn run(inputs: &[&Path], out: &Path, extra: &[&str]) -> std::process::Output {
    let output = clean_news()
        .arg("run")
        .args(inputs)
        .arg("-o")
        .arg(out)
        .args(["--quiet"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    output
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The partition of document ids a `documents.jsonl` describes.
fn partition(records: &[Value], key: &str) -> BTreeSet<BTreeSet<String>> {
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in records {
        groups
            .entry(r[key].as_str().unwrap().to_owned())
            .or_default()
            .insert(r["id"].as_str().unwrap().to_owned());
    }
    groups.into_values().collect()
}

#[test]
fn finds_the_gold_clusters_of_the_demo_corpus() {
    let dir = tempfile::tempdir().unwrap();
    run(&[&pages()], dir.path(), &["--no-index"]);
    let documents = lines(&dir.path().join("documents.jsonl"));
    let gold = lines(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/run/expected.jsonl"));
    assert_eq!(partition(&documents, "cluster"), partition(&gold, "cluster"));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["read"], 13);
    assert_eq!(summary["multi_clusters"], 3);
    assert_eq!(lines(&dir.path().join("clusters.jsonl")).len(), 3);
}

#[test]
fn output_is_byte_identical_for_any_thread_count() {
    let one = tempfile::tempdir().unwrap();
    let four = tempfile::tempdir().unwrap();
    run(&[&pages()], one.path(), &["--no-index", "--threads", "1"]);
    run(&[&pages()], four.path(), &["--no-index", "--threads", "4"]);
    for file in ["documents.jsonl", "clusters.jsonl", "summary.json", "site-profiles.json"] {
        let a = std::fs::read(one.path().join(file)).unwrap();
        let b = std::fs::read(four.path().join(file)).unwrap();
        assert!(a == b, "{file} differs between --threads 1 and --threads 4");
    }
}

#[test]
fn a_later_run_joins_the_clusters_of_an_earlier_one() {
    // Day one: the metro story and the wheat story; day two: their reposts.
    let dir = tempfile::tempdir().unwrap();
    let day = |name: &str, files: &[&str]| {
        let root = dir.path().join(name);
        for file in files {
            let to = root.join(file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(pages().join(file), to).unwrap();
        }
        root
    };
    let day1 =
        day("day1", &["astana-daily.kz/metro-line-two.txt", "astana-daily.kz/wheat-exports.txt"]);
    let day2 = day(
        "day2",
        &[
            "steppe-news.kz/almaty-metro.txt",
            "silkroad-times.uz/almaty-metro-second-line.txt",
            "steppe-news.kz/wheat-exports-record.txt",
            "qazaq-habar.kz/saiabaq.txt",
        ],
    );
    let index = dir.path().join("index.redb");
    let index_arg = index.to_str().unwrap();
    run(&[&day1], &dir.path().join("out1"), &["--index", index_arg]);
    run(&[&day2], &dir.path().join("out2"), &["--index", index_arg]);
    let first = lines(&dir.path().join("out1/documents.jsonl"));
    let second = lines(&dir.path().join("out2/documents.jsonl"));
    let cluster_of = |records: &[Value], id: &str| {
        records.iter().find(|r| r["id"] == id).map(|r| r["cluster"].as_str().unwrap().to_owned())
    };
    let metro = cluster_of(&first, "astana-daily.kz/metro-line-two.txt").unwrap();
    let wheat = cluster_of(&first, "astana-daily.kz/wheat-exports.txt").unwrap();
    assert_eq!(cluster_of(&second, "steppe-news.kz/almaty-metro.txt"), Some(metro.clone()));
    assert_eq!(cluster_of(&second, "silkroad-times.uz/almaty-metro-second-line.txt"), Some(metro));
    assert_eq!(cluster_of(&second, "steppe-news.kz/wheat-exports-record.txt"), Some(wheat));
    // clusters.jsonl of day two lists the clusters that grew, with their remembered members.
    let grown = lines(&dir.path().join("out2/clusters.jsonl"));
    assert_eq!(grown.len(), 2);
    assert!(grown.iter().all(|c| c["members"].as_array().unwrap().len() >= 2));

    // The same input again is recognised, not added twice.
    run(&[&day2], &dir.path().join("out3"), &["--index", index_arg]);
    let third = lines(&dir.path().join("out3/documents.jsonl"));
    assert!(third.iter().all(|r| r["seen_before"] == true));
    assert_eq!(partition(&third, "cluster"), partition(&second, "cluster"));
    let stats = clean_news().args(["index", "stats", index_arg]).output().unwrap();
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(stats["documents"], 6);
    // Each site the runs saw left its template profile in the index.
    assert_eq!(stats["site_profiles"], 4);
}

/// Issue 5: a generated corpus fed to `run` one day at a time through the index ends with
/// every document in the cluster, under the same id, that one run over all of it gives.
#[test]
fn day_by_day_runs_end_with_the_clusters_of_one_run() {
    use clean_news_synth::{Corpus, SynthConfig};
    use std::io::Write;

    let dir = tempfile::tempdir().unwrap();
    let config = SynthConfig { docs: 800, sites: 5, days: 6, ..SynthConfig::default() };
    let mut days: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (doc, _) in Corpus::generate(&config) {
        let record = serde_json::json!({
            "id": doc.id, "site": doc.site, "published": doc.published,
            "title": doc.title, "text": doc.body.as_text().unwrap_or(""),
        });
        let day = doc.published.as_deref().unwrap_or("")[..10].to_owned();
        days.entry(day).or_default().push(record.to_string());
    }
    assert!(days.len() >= 6, "{} days", days.len());
    let write = |path: &Path, records: &mut dyn Iterator<Item = &String>| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        for record in records {
            writeln!(out, "{record}").unwrap();
        }
    };
    let all = dir.path().join("all.jsonl");
    write(&all, &mut days.values().flatten());
    run(&[&all], &dir.path().join("one"), &[]);
    let one = lines(&dir.path().join("one/documents.jsonl"));

    let index = dir.path().join("days.redb");
    for (day, records) in &days {
        let input = dir.path().join(format!("{day}.jsonl"));
        write(&input, &mut records.iter());
        run(&[&input], &dir.path().join(day), &["--index", index.to_str().unwrap()]);
    }
    let deduper = clean_news::dedup::Deduper::builder().build().unwrap();
    let index = clean_news::index::Index::open(&index, deduper.fingerprint()).unwrap();
    let mut differ = Vec::new();
    for record in &one {
        let id = record["id"].as_str().unwrap();
        let remembered = index.get(id).unwrap().unwrap();
        if remembered.cluster != record["cluster"].as_str().unwrap() {
            differ.push(id.to_owned());
        }
    }
    assert!(differ.is_empty(), "{} of {} documents differ: {differ:?}", differ.len(), one.len());
}

#[test]
fn prune_forgets_old_documents_and_gives_the_space_back() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("out/index.redb");
    let index_arg = index.to_str().unwrap();
    run(&[&pages()], &dir.path().join("out"), &[]);
    let stats = |args: &[&str]| -> Value {
        let output = clean_news().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let before = stats(&["index", "stats", index_arg]);
    let documents = before["documents"].as_u64().unwrap();
    assert_eq!(documents, 13);
    assert_eq!(before["tables"]["docs"]["entries"], 13);
    assert_eq!(before["tables"]["bands"]["entries"], before["band_postings"]);

    let pruned = stats(&["index", "prune", index_arg, "--older-than", "1h"]);
    let removed = pruned["removed"].as_u64().unwrap();
    assert!(removed > 0 && removed < documents, "{pruned}");
    assert!(pruned["file_bytes"].as_u64() <= pruned["file_bytes_before"].as_u64(), "{pruned}");
    let after = stats(&["index", "stats", index_arg]);
    assert_eq!(after["documents"].as_u64().unwrap(), documents - removed);
    assert!(after["band_postings"].as_u64() < before["band_postings"].as_u64());
    // What is left still links a rerun of the same pages to its clusters.
    run(&[&pages()], &dir.path().join("again"), &["--index", index_arg]);
    let again = lines(&dir.path().join("again/documents.jsonl"));
    let first = lines(&dir.path().join("out/documents.jsonl"));
    assert_eq!(partition(&again, "cluster"), partition(&first, "cluster"));
}

#[test]
fn a_second_writer_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("index.redb");
    let _held = clean_news::index::Index::open(&path, {
        clean_news::dedup::Deduper::builder().build().unwrap().fingerprint()
    })
    .unwrap();
    let output = clean_news()
        .args(["run"])
        .arg(pages())
        .arg("-o")
        .arg(dir.path().join("out"))
        .arg("--index")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("in use by another run"));
}

/// Issue 5: a run killed with SIGKILL at any moment leaves an index that opens, whose stats
/// are consistent, and after which a rerun completes with the clusters of an undisturbed run.
#[test]
fn an_index_survives_sigkill_at_any_moment() {
    use clean_news_synth::{Corpus, SynthConfig};
    use std::io::Write;

    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("docs.jsonl");
    {
        let config = SynthConfig { docs: 600, sites: 6, ..SynthConfig::default() };
        let mut out = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
        for (doc, _) in Corpus::generate(&config) {
            let record = serde_json::json!({
                "id": doc.id, "site": doc.site, "published": doc.published,
                "title": doc.title, "text": doc.body.as_text().unwrap_or(""),
            });
            writeln!(out, "{record}").unwrap();
        }
    }
    let reference = dir.path().join("reference");
    run(&[&input], &reference, &["--no-index"]);
    let want = partition(&lines(&reference.join("documents.jsonl")), "cluster");

    // Kill times spread over a run's life (a run here takes well under a few seconds).
    let kills: u32 =
        std::env::var("CLEAN_NEWS_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let mut seed: u64 = 0x5eed;
    for round in 0..kills {
        let index = dir.path().join(format!("index-{round}.redb"));
        let out = dir.path().join(format!("out-{round}"));
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let delay = std::time::Duration::from_millis(5 + (seed >> 33) % 1500);
        let mut child = clean_news()
            .args(["run", "-q"])
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .arg("--index")
            .arg(&index)
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        if index.exists() {
            let stats = clean_news().args(["index", "stats"]).arg(&index).output().unwrap();
            assert_eq!(stats.status.code(), Some(0), "round {round}: index stats failed");
            let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
            let documents = stats["documents"].as_u64().unwrap();
            assert!(documents == 0 || documents == 600, "round {round}: {documents} documents");
        }
        run(&[&input], &out, &["--index", index.to_str().unwrap()]);
        let got = partition(&lines(&out.join("documents.jsonl")), "cluster");
        assert_eq!(got, want, "round {round}: clusters after a kill at {delay:?} differ");
    }
}

#[test]
fn walls_saved_in_place_of_stories_are_flagged_and_never_clustered() {
    let dir = tempfile::tempdir().unwrap();
    let wall = "We use cookies and similar technologies to give you the best experience on our site. \
        By continuing to use this site you agree to our use of cookies. You can change your cookie \
        settings at any time in our privacy policy, where you will also find the list of our partners.";
    let input = dir.path().join("walls.jsonl");
    let docs: Vec<String> = ["Bridge reopens after repairs", "Council votes on the budget"]
        .iter()
        .enumerate()
        .map(|(i, title)| {
            serde_json::json!({"id": format!("wall-{i}"), "text": format!("{title}\n\n{wall}")})
                .to_string()
        })
        .collect();
    std::fs::write(&input, docs.join("\n")).unwrap();
    let out = dir.path().join("out");
    run(&[&input], &out, &["--no-index"]);
    let records = lines(&out.join("documents.jsonl"));
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(record["meta"]["non_article"], "cookie_consent", "{record}");
    }
    assert_ne!(records[0]["cluster"], records[1]["cluster"], "two walls were clustered");
}

//! Duplicate ids (#18, case 3): an id read twice never makes a document vanish. The same id
//! with the same text is one document seen again (kept once, counted as `repeated`); the same
//! id with another text is a new version under `id#2`, `id#3`, … with a note. `run`, `clean`
//! and the index agree, reruns are idempotent, and the result does not depend on threads.

#![allow(clippy::unwrap_used)] // a test harness: a failure here should stop it loudly

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use clean_news_synth::{Corpus, SynthConfig};
use serde_json::Value;

fn clean_news() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clean-news"))
}

/// `n` different generated stories (no two in one cluster's worth of text), as JSON records.
fn stories(n: usize) -> Vec<Value> {
    let config = SynthConfig { docs: 400, sites: 4, days: 2, ..SynthConfig::default() };
    let mut seen_texts = BTreeSet::new();
    let mut out = Vec::new();
    for (doc, _) in Corpus::generate(&config) {
        let text = doc.body.as_text().unwrap_or("").to_owned();
        if !seen_texts.insert(text.clone()) {
            continue;
        }
        out.push(serde_json::json!({
            "id": doc.id, "site": doc.site, "published": doc.published,
            "title": doc.title, "text": text,
        }));
        if out.len() == n {
            break;
        }
    }
    assert_eq!(out.len(), n);
    out
}

fn with_id(record: &Value, id: &str) -> Value {
    let mut record = record.clone();
    record["id"] = Value::from(id);
    record
}

fn write_jsonl(path: &Path, records: &[Value]) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for record in records {
        writeln!(out, "{record}").unwrap();
    }
}

fn run(input: &Path, out: &Path, extra: &[&str]) -> Value {
    let output = clean_news()
        .arg("run")
        .arg(input)
        .arg("-o")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

fn documents(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("documents.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn ids(docs: &[Value]) -> Vec<String> {
    docs.iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect()
}

fn index_documents(index: &Path) -> u64 {
    let output = clean_news().args(["index", "stats"]).arg(index).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let stats: Value = serde_json::from_slice(&output.stdout).unwrap();
    stats["documents"].as_u64().unwrap()
}

fn output(output: &Output) -> Vec<Value> {
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn fifty_stories_under_one_id_are_fifty_documents() {
    let dir = tempfile::tempdir().unwrap();
    let same: Vec<Value> = stories(50).iter().map(|r| with_id(r, "SAME")).collect();
    let input = dir.path().join("same.jsonl");
    write_jsonl(&input, &same);
    let out = dir.path().join("out");
    let summary = run(&input, &out, &[]);
    assert_eq!((summary["read"].as_u64(), summary["cleaned"].as_u64()), (Some(50), Some(50)));
    assert_eq!(summary["repeated"], 0);

    let docs = documents(&out);
    let mut expected = vec!["SAME".to_owned()];
    expected.extend((2..=50).map(|n| format!("SAME#{n}")));
    assert_eq!(ids(&docs), expected, "derived ids in input order");
    assert!(docs[0]["meta"]["notes"].is_null(), "{}", docs[0]["meta"]);
    for doc in &docs[1..] {
        let notes = doc["meta"]["notes"].to_string();
        assert!(notes.contains("id `SAME` already names another text"), "{notes}");
    }
    // Every story is its own document: one canonical member per cluster, not fifty.
    let canonical = docs.iter().filter(|d| d["canonical"] == true).count() as u64;
    assert_eq!(canonical, summary["clusters"].as_u64().unwrap());
    assert!(summary["clusters"].as_u64().unwrap() > 1, "{summary}");
    assert_eq!(index_documents(&out.join("index.redb")), 50);
}

#[test]
fn the_same_page_read_twice_is_one_document_and_a_rerun_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let once = stories(30);
    let twice: Vec<Value> = once.iter().chain(&once).cloned().collect();
    let input = dir.path().join("twice.jsonl");
    write_jsonl(&input, &twice);
    let out = dir.path().join("out");

    let summary = run(&input, &out, &[]);
    assert_eq!(summary["read"], 60);
    assert_eq!(summary["cleaned"], 30);
    assert_eq!(summary["repeated"], 30);
    assert_eq!(summary["failed"], 0);
    let first = documents(&out);
    assert_eq!(ids(&first), ids(&once));
    let index = out.join("index.redb");
    assert_eq!(index_documents(&index), 30);

    let summary = run(&input, &out, &[]);
    assert_eq!((summary["cleaned"].as_u64(), summary["repeated"].as_u64()), (Some(30), Some(30)));
    assert_eq!(summary["seen_before"], 30);
    let again = documents(&out);
    assert_eq!(ids(&again), ids(&first));
    for (a, b) in first.iter().zip(&again) {
        assert_eq!(a["cluster"], b["cluster"]);
    }
    assert_eq!(index_documents(&index), 30);
}

#[test]
fn a_page_changed_since_an_earlier_run_is_a_new_version_and_reruns_agree() {
    let dir = tempfile::tempdir().unwrap();
    let pool = stories(12);
    let index = dir.path().join("index.redb");
    let index_arg = ["--index", index.to_str().unwrap()];
    let (old_page, new_page) = (with_id(&pool[0], "page"), with_id(&pool[1], "page"));

    let day1 = dir.path().join("day1.jsonl");
    let mut records = vec![old_page.clone()];
    records.extend(pool[2..7].iter().cloned());
    write_jsonl(&day1, &records);
    run(&day1, &dir.path().join("out1"), &index_arg);
    assert_eq!(index_documents(&index), 6);

    // The page changed: a new version, not a document "seen before" that replaces the first.
    let day2 = dir.path().join("day2.jsonl");
    let mut records = vec![new_page.clone()];
    records.extend(pool[7..12].iter().cloned());
    write_jsonl(&day2, &records);
    let summary = run(&day2, &dir.path().join("out2"), &index_arg);
    assert_eq!(summary["seen_before"], 0);
    let docs = documents(&dir.path().join("out2"));
    assert_eq!(docs[0]["id"], "page#2");
    assert!(docs[0]["meta"]["notes"].to_string().contains("id `page` already names"));
    assert_eq!(index_documents(&index), 12);

    // Both versions again, in either order: each is itself, seen before; nothing is added.
    for (i, pair) in [[&old_page, &new_page], [&new_page, &old_page]].into_iter().enumerate() {
        let input = dir.path().join(format!("both-{i}.jsonl"));
        write_jsonl(&input, &[pair[0].clone(), pair[1].clone()]);
        let out = dir.path().join(format!("both-{i}"));
        let summary = run(&input, &out, &index_arg);
        assert_eq!(summary["seen_before"], 2, "{summary}");
        let docs = documents(&out);
        let by_text: Vec<(&str, &str)> = docs
            .iter()
            .map(|d| (d["id"].as_str().unwrap(), d["title"].as_str().unwrap_or("")))
            .collect();
        let old_title = documents(&dir.path().join("out1"))[0]["title"].clone();
        let old_id = by_text.iter().find(|(_, t)| *t == old_title.as_str().unwrap()).unwrap().0;
        assert_eq!(old_id, "page", "{by_text:?}");
        assert_eq!(index_documents(&index), 12);
    }
}

#[test]
fn ids_do_not_depend_on_threads_and_clean_follows_the_same_rule() {
    let dir = tempfile::tempdir().unwrap();
    let pool = stories(40);
    // Ten ids, each used by four stories, one of them read twice.
    let mut records = Vec::new();
    for (i, story) in pool.iter().enumerate() {
        records.push(with_id(story, &format!("url-{}", i % 10)));
        if i % 4 == 0 {
            records.push(with_id(story, &format!("url-{}", i % 10)));
        }
    }
    let input = dir.path().join("in.jsonl");
    write_jsonl(&input, &records);
    let mut outputs = Vec::new();
    for threads in ["1", "3"] {
        let out = dir.path().join(format!("out-{threads}"));
        run(&input, &out, &["--threads", threads, "--no-index"]);
        let bytes = ["documents.jsonl", "clusters.jsonl", "summary.json"]
            .map(|name| std::fs::read(out.join(name)).unwrap());
        outputs.push(bytes);
    }
    assert_eq!(outputs[0], outputs[1]);

    let docs = documents(&dir.path().join("out-1"));
    assert_eq!(docs.len(), 40);
    let unique: BTreeSet<String> = ids(&docs).into_iter().collect();
    assert_eq!(unique.len(), 40);
    for base in 0..10 {
        for version in ["", "#2", "#3", "#4"] {
            assert!(unique.contains(&format!("url-{base}{version}")), "url-{base}{version}");
        }
    }

    let cleaned = clean_news().arg("clean").arg(&input).args(["--threads", "3"]).output();
    let cleaned = output(&cleaned.unwrap());
    assert_eq!(ids(&cleaned), ids(&docs), "clean and run give the same ids");
}

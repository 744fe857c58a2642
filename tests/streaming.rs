//! The streaming main job: `run` spills cleaned records between its passes and keeps only
//! compact state in memory. Its files do not depend on threads or chunk sizes, its clusters
//! are those of the whole batch held in memory and passed to the job at once, a budget too
//! small for the batch stops it with the folder untouched, and no spill outlives a run.

#![allow(clippy::unwrap_used)] // a test harness: a failure here should stop it loudly

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clean_news::input::Source;
use clean_news::output::{JsonLinesWriter, Record};
use clean_news::pipeline::BatchCleaner;
use clean_news::pipeline::job::{Job, JobConfig};
use clean_news::pipeline::run::{self, RunConfig, RunSummary};
use clean_news::{Cleaned, Deduper, ErrorKind};
use clean_news_synth::{Corpus, SynthConfig};
use serde_json::Value;

/// `docs` synthetic news pages of 6 sites (templates, reposts, teasers) as one JSON Lines file.
fn corpus(dir: &Path, docs: u64) -> PathBuf {
    let config = SynthConfig { docs, sites: 6, seed: 19, ..SynthConfig::default() };
    let path = dir.join("docs.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for (doc, _) in Corpus::generate(&config) {
        let record = serde_json::json!({
            "id": doc.id,
            "url": doc.url,
            "site": doc.site,
            "published": doc.published,
            "title": doc.title,
            "text": doc.body.as_text().unwrap_or(""),
        });
        writeln!(out, "{record}").unwrap();
    }
    out.flush().unwrap();
    path
}

struct Setup {
    threads: usize,
    chunk_docs: usize,
    memory: Option<u64>,
    index: bool,
}

fn run_on(input: &Path, out: &Path, setup: &Setup) -> Result<RunSummary, clean_news::Error> {
    let batch = BatchCleaner::builder()
        .threads(setup.threads)
        .chunk_docs(setup.chunk_docs)
        .build()
        .unwrap();
    let deduper = Deduper::builder().build().unwrap();
    let mut config = RunConfig::new(out);
    if !setup.index {
        config.index = None;
    }
    config.memory = setup.memory;
    run::run(&batch, &deduper, vec![Source::Path(input.to_owned())], &config, None)
}

/// The files of a run's folder, by name (the index left out: its bytes are its own).
fn files(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(out).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name != "index.redb" {
            files.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
    files
}

#[test]
fn files_do_not_depend_on_threads_or_chunk_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(dir.path(), 700);
    let mut seen: Option<BTreeMap<String, Vec<u8>>> = None;
    for (n, (threads, chunk_docs)) in [(1, 1), (3, 7), (2, 256)].into_iter().enumerate() {
        let out = dir.path().join(format!("out-{n}"));
        let setup = Setup { threads, chunk_docs, memory: None, index: true };
        let summary = run_on(&input, &out, &setup).unwrap();
        assert_eq!(summary.cleaned, 700);
        assert!(summary.multi_clusters > 10, "{summary:?}");
        let now = files(&out);
        let names: Vec<&str> = now.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "clusters.jsonl",
                "documents.jsonl",
                "errors.jsonl",
                "site-profiles.json",
                "summary.json"
            ],
            "no spill or temporary file is left"
        );
        if let Some(seen) = &seen {
            for (name, bytes) in &now {
                assert!(
                    seen[name] == *bytes,
                    "{name} differs for {threads} threads, chunks of {chunk_docs}"
                );
            }
        }
        seen = Some(now);
    }
}

#[test]
fn the_run_gives_the_clusters_of_the_whole_batch_held_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(dir.path(), 500);
    let out = dir.path().join("out");
    let setup = Setup { threads: 2, chunk_docs: 16, memory: None, index: false };
    run_on(&input, &out, &setup).unwrap();

    // The same batch, cleaned whole and passed to the job at once.
    let batch = BatchCleaner::builder().threads(2).build().unwrap();
    let mut records: Vec<Record> = Vec::new();
    batch.run([Source::Path(input.clone())]).write_to(&mut records).unwrap();
    let mut docs: Vec<Cleaned> = records
        .into_iter()
        .filter_map(|r| match r {
            Record::Cleaned(c) => Some(c),
            Record::Error(_) => None,
        })
        .collect();
    let deduper = Deduper::builder().build().unwrap();
    let placed = batch.install(|| {
        let mut job = Job::new(&deduper, None, JobConfig::default()).unwrap();
        job.learn(&mut docs);
        let mut signing = job.templates().unwrap();
        signing.sign(&mut docs).unwrap();
        signing.cluster()
    });

    let written: Vec<Value> = std::fs::read_to_string(out.join("documents.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(written.len(), docs.len());
    for (i, (line, doc)) in written.iter().zip(&docs).enumerate() {
        let placement = placed.placement(i).unwrap();
        assert_eq!(line["id"], doc.id.as_str());
        assert_eq!(line["text"], doc.text.as_str(), "templates removed alike");
        assert_eq!(line["cluster"], placement.cluster);
        assert_eq!(line["canonical"], placement.canonical);
    }
    // Byte for byte: parsing the file back would round its scores.
    let mut expected = JsonLinesWriter::new(Vec::new());
    for cluster in placed.touched() {
        expected.write_record(cluster).unwrap();
    }
    let expected = expected.into_inner();
    assert!(!expected.is_empty());
    assert!(
        std::fs::read(out.join("clusters.jsonl")).unwrap() == expected,
        "clusters.jsonl differs from the in-memory job's"
    );
}

#[test]
fn a_budget_too_small_for_the_batch_stops_it_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(dir.path(), 10_000);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("documents.jsonl"), b"{\"id\":\"earlier run\"}\n").unwrap();
    let setup = Setup { threads: 2, chunk_docs: 256, memory: Some(32 << 20), index: true };
    let err = run_on(&input, &out, &setup).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }), "{err}");
    assert!(err.to_string().contains("budget"), "{err}");
    let left = files(&out);
    let names: Vec<&str> = left.keys().map(String::as_str).collect();
    assert_eq!(names, ["documents.jsonl"], "the earlier run's file alone, no spill");
    assert_eq!(left["documents.jsonl"], b"{\"id\":\"earlier run\"}\n");

    // Given enough, the same batch runs.
    let setup = Setup { memory: Some(1 << 30), ..setup };
    let summary = run_on(&input, &out, &setup).unwrap();
    assert_eq!(summary.cleaned, 10_000);
}

#[test]
fn a_budget_below_the_floor_is_refused_before_anything_is_done() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(dir.path(), 5);
    let out = dir.path().join("out");
    let setup = Setup { threads: 1, chunk_docs: 256, memory: Some(1 << 20), index: true };
    let err = run_on(&input, &out, &setup).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config { .. }), "{err}");
    assert!(!out.exists());
}

#[test]
fn a_spill_left_by_a_killed_run_is_removed_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let input = corpus(dir.path(), 20);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // No process has these ids (Linux keeps them below 2^22): their writers are dead.
    let stale = [".run-cleaned.jsonl.4194304000.0.tmp", ".run-placed.jsonl.4194304001.3.tmp"];
    for name in stale {
        std::fs::write(out.join(name), b"{\"id\":\"half\"").unwrap();
    }
    let setup = Setup { threads: 1, chunk_docs: 4, memory: None, index: false };
    run_on(&input, &out, &setup).unwrap();
    for name in stale {
        assert!(!out.join(name).exists(), "{name} is left");
    }
}

#[test]
fn a_run_interrupted_after_cleaning_switches_nothing() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use clean_news::pipeline::run::{RunStep, StepHook};

    let dir = tempfile::tempdir().unwrap();
    let input = corpus(dir.path(), 40);
    let out = dir.path().join("out");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let batch = BatchCleaner::builder().threads(2).build().unwrap();
    let deduper = Deduper::builder().build().unwrap();
    let mut config = RunConfig::new(&out);
    // Ctrl-C once every document is cleaned: the signing pass stops.
    config.on_step = Some(StepHook::new(move |step| {
        if step == RunStep::Spilled {
            flag.store(true, Ordering::Relaxed);
        }
    }));
    let summary =
        run::run(&batch, &deduper, vec![Source::Path(input)], &config, Some(&*stop)).unwrap();
    assert!(summary.interrupted);
    assert_eq!(summary.cleaned, 40);
    let left = files(&out);
    assert!(left.is_empty(), "nothing switched, no spill left: {:?}", left.keys());
}

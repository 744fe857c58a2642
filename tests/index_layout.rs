//! The postings layout of the index (segments merged in tiers): adding in several runs
//! gives the index one run gives, whatever the merges did on the way; a run killed at any
//! moment leaves the index as before or after it.

#![allow(clippy::unwrap_used)] // a test harness: a failure here should stop it loudly

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use clean_news::index::{Index, IndexedDoc, NewDoc};
use clean_news_synth::{Corpus, SynthConfig};

/// `n` documents with 60 keys each, a third of them shared with an earlier document (as a
/// repost shares bands), from a fixed seed.
fn documents(n: u64) -> Vec<NewDoc> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out: Vec<NewDoc> = Vec::new();
    for i in 0..n {
        let mut bands: Vec<u64> = (0..40).map(|_| next()).collect();
        if i > 0 {
            let earlier = &out[(next() % i) as usize];
            bands.extend(earlier.bands.iter().take(20));
        }
        bands.sort_unstable();
        bands.dedup();
        out.push(NewDoc {
            doc: IndexedDoc {
                id: format!("doc-{i:06}"),
                site: Some(format!("site{}.kz", i % 7)),
                published: (i % 5 != 0).then_some(1_700_000_000 + i as i64 * 60),
                cluster: format!("c-{}", i / 3),
                canonical: i % 3 == 0,
                signature: next().to_le_bytes().repeat(1 + (i % 4) as usize),
                text_hash: Some(next()),
            },
            bands,
        });
    }
    out
}

/// Everything the index answers about `docs`: each one by id, the candidates of the keys of
/// every third (each a call; a debug build makes them slow), and the counts.
fn contents(index: &Index, docs: &[NewDoc]) -> (Vec<IndexedDoc>, Vec<Vec<String>>, [u64; 3]) {
    let by_id = docs.iter().map(|d| index.get(&d.doc.id).unwrap().unwrap()).collect();
    let candidates = docs
        .iter()
        .step_by(3)
        .map(|d| index.candidates(&d.bands).unwrap().into_iter().map(|c| c.id).collect())
        .collect();
    let stats = index.stats().unwrap();
    (by_id, candidates, [stats.documents, stats.clusters, stats.band_postings])
}

#[test]
fn adding_in_many_runs_gives_the_index_of_one_run() {
    let docs = documents(800);
    let dir = tempfile::tempdir().unwrap();
    let once = Index::open(dir.path().join("once.redb"), 7).unwrap();
    once.add(&docs, &[]).unwrap();
    let expected = contents(&once, &docs);

    // Uneven runs, so that merges meet segments of every size; the last run also updates
    // documents of the first (a new cluster), as a run does when an earlier member arrives.
    let path = dir.path().join("runs.redb");
    let runs = Index::open(&path, 7).unwrap();
    let mut start = 0;
    for (i, size) in [1, 2, 90, 7, 7, 7, 200, 13, 60].into_iter().cycle().enumerate() {
        if start >= docs.len() {
            break;
        }
        let end = (start + size * (1 + i % 3)).min(docs.len());
        runs.add(&docs[start..end], &[]).unwrap();
        start = end;
    }
    assert_eq!(contents(&runs, &docs), expected);
    let moved: Vec<NewDoc> = docs[..50]
        .iter()
        .map(|d| NewDoc {
            doc: IndexedDoc { cluster: "c-moved".into(), ..d.doc.clone() },
            bands: d.bands.clone(),
        })
        .collect();
    once.add(&moved, &[]).unwrap();
    runs.add(&moved, &[]).unwrap();
    assert_eq!(contents(&runs, &docs), contents(&once, &docs));
    drop(runs);
    let check = Index::check(&path, 7).unwrap();
    assert!(check.is_whole(), "{:?}", check.problems);
    // Segments within a factor of two of each other merge, so runs of very different sizes
    // (one document, hundreds) leave at most about log2(postings) of them.
    let segments = check.stats.unwrap().tables["segments"].entries;
    assert!((1..=16).contains(&segments), "{segments} segments");
}

#[test]
fn pruning_forgets_the_postings_of_old_documents_in_every_segment() {
    let docs = documents(500);
    let dir = tempfile::tempdir().unwrap();
    let index = Index::open(dir.path().join("i.redb"), 7).unwrap();
    for chunk in docs.chunks(90) {
        index.add(chunk, &[]).unwrap();
    }
    let cutoff = 1_700_000_000 + 250 * 60;
    let removed = index.prune(cutoff).unwrap();
    let old = |d: &NewDoc| d.doc.published.is_some_and(|p| p < cutoff);
    assert_eq!(removed, docs.iter().filter(|d| old(d)).count() as u64);
    let kept: Vec<NewDoc> = docs.iter().filter(|d| !old(d)).cloned().collect();
    // The same as an index that never held the old documents.
    let fresh = Index::open(dir.path().join("fresh.redb"), 7).unwrap();
    fresh.add(&kept, &[]).unwrap();
    let (by_id, candidates, counts) = contents(&index, &kept);
    let (_, fresh_candidates, fresh_counts) = contents(&fresh, &kept);
    assert_eq!(candidates, fresh_candidates);
    assert_eq!(counts, fresh_counts);
    // Numbers differ (the fresh index numbered from 0), records do not.
    let records: BTreeMap<_, _> = by_id.into_iter().map(|d| (d.id.clone(), d)).collect();
    assert!(kept.iter().all(|d| records[&d.doc.id] == d.doc));
    assert!(docs.iter().filter(|d| old(d)).all(|d| index.get(&d.doc.id).unwrap().is_none()));
}

fn clean_news() -> Command {
    Command::new(env!("CARGO_BIN_EXE_clean-news"))
}

/// A JSON Lines input of `docs` generated stories from `seed`.
fn input(path: &Path, docs: u64, seed: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let config = SynthConfig { docs, sites: 4, days: 2, seed, ..SynthConfig::default() };
    for (doc, _) in Corpus::generate(&config) {
        let record = serde_json::json!({
            "id": format!("s{seed}-{}", doc.id), "site": doc.site, "published": doc.published,
            "title": doc.title, "text": doc.body.as_text().unwrap_or(""),
        });
        writeln!(out, "{record}").unwrap();
    }
}

fn documents_in(index: &Path) -> u64 {
    let output = clean_news().args(["index", "stats"]).arg(index).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stats: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    stats["documents"].as_u64().unwrap()
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_index_before_or_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first.jsonl"), dir.path().join("second.jsonl"));
    input(&first, 300, 1);
    input(&second, 600, 2);
    let run = |input: &Path, index: &Path, out: &str| {
        clean_news()
            .arg("run")
            .arg(input)
            .arg("-o")
            .arg(dir.path().join(out))
            .arg("--index")
            .arg(index)
            .arg("--quiet")
            .spawn()
            .unwrap()
    };
    // The index of the first run, and of both.
    let base = dir.path().join("base.redb");
    assert!(run(&first, &base, "out-base").wait().unwrap().success());
    let before = documents_in(&base);
    let both = dir.path().join("both.redb");
    std::fs::copy(&base, &both).unwrap();
    assert!(run(&second, &both, "out-both").wait().unwrap().success());
    let after = documents_in(&both);
    assert!(after > before);

    for (i, after_ms) in [5u64, 40, 120, 250, 400, 700, 1100].into_iter().enumerate() {
        let index = dir.path().join(format!("killed-{i}.redb"));
        std::fs::copy(&base, &index).unwrap();
        let mut child = run(&second, &index, &format!("out-{i}"));
        std::thread::sleep(std::time::Duration::from_millis(after_ms));
        child.kill().unwrap();
        child.wait().unwrap();
        let check = clean_news().args(["index", "check"]).arg(&index).output().unwrap();
        assert!(check.status.success(), "killed after {after_ms} ms: {check:?}");
        let found = documents_in(&index);
        assert!(found == before || found == after, "killed after {after_ms} ms: {found}");
        // And the next run completes it.
        assert!(run(&second, &index, &format!("out-{i}-again")).wait().unwrap().success());
        assert_eq!(documents_in(&index), after);
    }
}

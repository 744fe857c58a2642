//! The text cleaner's throughput, in MB/s, over at least 10 MB of pages built from our own
//! corpora (`corpora/clean/**/*.toml`): every case page, repeated with its numbers varied
//! until the batch passes [`TARGET_BYTES`]. One thread (`clean/1_thread`) and the rayon pool
//! (`clean/all_threads`).
//!
//! ```text
//! cargo bench --bench clean
//! cargo bench --bench clean -- --save-baseline before   # then --baseline before
//! ```

#![allow(clippy::unwrap_used)] // a test harness: a failure here should stop it loudly

use std::path::Path;

use clean_news::{Cleaner, Document};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;

/// At least this many bytes of pages per iteration.
const TARGET_BYTES: usize = 10 * 1024 * 1024;

#[derive(serde::Deserialize)]
struct CaseFile {
    #[serde(default)]
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    text: String,
}

fn case_texts(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            case_texts(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if let Ok(file) = toml::from_str::<CaseFile>(&text) {
                out.extend(file.case.into_iter().map(|c| c.text));
            }
        }
    }
}

/// The pages of the batch: the corpus pages, repeated with every digit shifted per round so
/// that no two copies are the same text.
fn batch() -> Vec<Document> {
    let mut texts = Vec::new();
    case_texts(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/clean"), &mut texts);
    assert!(!texts.is_empty(), "no corpus cases found under corpora/clean");
    let mut docs = Vec::new();
    let mut bytes = 0;
    let mut round = 0u32;
    while bytes < TARGET_BYTES {
        for text in &texts {
            let varied: String = text
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => char::from_digit((d + round) % 10, 10).unwrap_or(c),
                    None => c,
                })
                .collect();
            bytes += varied.len();
            docs.push(Document::text(format!("{round}-{}", docs.len()), varied));
        }
        round += 1;
    }
    docs
}

fn bench_clean(c: &mut Criterion) {
    let cleaner = Cleaner::builder().build().unwrap();
    let docs = batch();
    let bytes: usize = docs.iter().map(|d| d.body.len()).sum();
    let mut group = c.benchmark_group("clean");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("1_thread", |b| {
        b.iter(|| docs.iter().map(|d| cleaner.clean(d).text.len()).sum::<usize>());
    });
    group.bench_function("all_threads", |b| {
        b.iter(|| docs.par_iter().map(|d| cleaner.clean(d).text.len()).sum::<usize>());
    });
    group.finish();
}

criterion_group!(benches, bench_clean);
criterion_main!(benches);

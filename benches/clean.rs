//! The text cleaner's throughput, in MB/s, over at least 10 MB of pages built from our own
//! corpora (see `clean_batch.rs`), on one thread and on the rayon pool.
//!
//! - `clean_news_pages`: generated news pages (`clean_news_synth`: site templates around
//!   stories of news length, the shape of the dev set), the load a scraper puts on the
//!   cleaner. Every iteration starts with an empty memo of short lines
//!   ([`Cleaner::with_empty_memo`]), so it times the batch as seen for the first time;
//!   `1_thread_no_memo` times it with no memo at all.
//! - `clean_corpus_pages`: the worst case, the case pages of `corpora/clean` repeated with
//!   their digits shifted: 600-byte pages in which nearly every line is boilerplate. The
//!   batch repeats 62 pages, which a memo would serve from the second round on, so it runs
//!   with none: every line is matched.
//!
//! ```text
//! cargo bench --bench clean
//! cargo bench --bench clean -- --save-baseline before   # then --baseline before
//! ```

#![allow(clippy::unwrap_used)] // a test harness: a failure here should stop it loudly

mod clean_batch;

use clean_news::{Cleaner, Document};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;

fn one_thread(cleaner: &Cleaner, docs: &[Document]) -> usize {
    docs.iter().map(|d| cleaner.clean(d).text.len()).sum()
}

fn all_threads(cleaner: &Cleaner, docs: &[Document]) -> usize {
    docs.par_iter().map(|d| cleaner.clean(d).text.len()).sum()
}

fn bench_news_pages(c: &mut Criterion) {
    let cleaner = Cleaner::builder().build().unwrap();
    let no_memo = Cleaner::builder().memo_lines(0).build().unwrap();
    let docs = clean_batch::news_pages();
    let bytes: usize = docs.iter().map(|d| d.body.len()).sum();
    let mut group = c.benchmark_group("clean_news_pages");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    let fresh = || cleaner.with_empty_memo();
    // The cleaner is returned, so that its memo is dropped outside the timing.
    group.bench_function("1_thread", |b| {
        b.iter_batched(fresh, |c| (one_thread(&c, &docs), c), BatchSize::PerIteration);
    });
    group.bench_function("1_thread_no_memo", |b| b.iter(|| one_thread(&no_memo, &docs)));
    group.bench_function("all_threads", |b| {
        b.iter_batched(fresh, |c| (all_threads(&c, &docs), c), BatchSize::PerIteration);
    });
    group.finish();
}

fn bench_corpus_pages(c: &mut Criterion) {
    let cleaner = Cleaner::builder().memo_lines(0).build().unwrap();
    let docs = clean_batch::batch();
    assert!(!docs.is_empty(), "no corpus cases found under corpora/clean");
    let bytes: usize = docs.iter().map(|d| d.body.len()).sum();
    let mut group = c.benchmark_group("clean_corpus_pages");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("1_thread", |b| b.iter(|| one_thread(&cleaner, &docs)));
    group.bench_function("all_threads", |b| b.iter(|| all_threads(&cleaner, &docs)));
    group.finish();
}

criterion_group!(benches, bench_news_pages, bench_corpus_pages);
criterion_main!(benches);

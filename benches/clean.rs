//! The text cleaner's throughput, in MB/s, over at least 10 MB of pages built from our own
//! corpora (`corpora/clean/**/*.toml`, see `clean_batch.rs`). One thread (`clean/1_thread`)
//! and the rayon pool (`clean/all_threads`).
//!
//! The corpus pages are the worst case: 600-byte pages in which nearly every line is a case
//! of boilerplate. `clean_news_pages/1_thread` runs the same cleaner over at least 10 MB of
//! generated news pages (`clean_news::synth`: site templates around stories of news length,
//! the shape of the dev set), the load a scraper puts on it.
//!
//! ```text
//! cargo bench --bench clean
//! cargo bench --bench clean -- --save-baseline before   # then --baseline before
//! ```

#![allow(clippy::unwrap_used)] // a test harness: a failure here should stop it loudly

mod clean_batch;

use clean_news::Cleaner;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;

fn bench_clean(c: &mut Criterion) {
    let cleaner = Cleaner::builder().build().unwrap();
    let docs = clean_batch::batch();
    assert!(!docs.is_empty(), "no corpus cases found under corpora/clean");
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

fn bench_news_pages(c: &mut Criterion) {
    let cleaner = Cleaner::builder().build().unwrap();
    let docs = clean_batch::news_pages();
    let bytes: usize = docs.iter().map(|d| d.body.len()).sum();
    let mut group = c.benchmark_group("clean_news_pages");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.sample_size(10);
    group.bench_function("1_thread", |b| {
        b.iter(|| docs.iter().map(|d| cleaner.clean(d).text.len()).sum::<usize>());
    });
    group.finish();
}

criterion_group!(benches, bench_clean, bench_news_pages);
criterion_main!(benches);

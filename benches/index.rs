//! Benchmarks of the redb index: adding a day's documents in one transaction, and the two
//! lookups a run makes (the candidates of a document's band keys, a document by id), on an
//! index that already holds 20,000 synthetic documents.
//!
//! ```text
//! cargo bench --bench index
//! ```
//!
//! Sizes per million documents and throughput at that scale come from
//! `examples/index_scale.rs` (a million documents do not fit a criterion loop).

// Bench helpers may fail loudly: the input is ours.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::cell::Cell;

use clean_news::Cleaner;
use clean_news::dedup::{Deduper, published_seconds};
use clean_news::index::{Index, IndexedDoc, NewDoc};
use clean_news::synth::{Corpus, SynthConfig};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// Documents in the index before measuring.
const PREFILL: usize = 20_000;
/// Documents added per measured transaction.
const BATCH: usize = 1_000;

/// Cleaned (a raw page's lead is its site header) and signed synthetic documents.
fn signed_docs(deduper: &Deduper, docs: usize) -> Vec<NewDoc> {
    let cleaner = Cleaner::builder().build().unwrap();
    Corpus::generate(&SynthConfig { docs: docs as u64, ..SynthConfig::default() })
        .map(|(doc, gold)| {
            let signature = deduper.sign(&cleaner.clean(&doc).text);
            NewDoc {
                bands: deduper.band_keys(&signature),
                doc: IndexedDoc {
                    id: doc.id,
                    site: doc.site,
                    published: doc.published.as_deref().and_then(published_seconds),
                    cluster: gold.cluster,
                    canonical: false,
                    signature: signature.to_bytes(),
                },
            }
        })
        .collect()
}

fn index(c: &mut Criterion) {
    let deduper = Deduper::builder().build().unwrap();
    let docs = signed_docs(&deduper, PREFILL + BATCH);
    let (prefill, fresh) = docs.split_at(PREFILL);
    let dir = tempfile::tempdir().unwrap();
    let index = Index::open(dir.path().join("bench.redb"), deduper.fingerprint()).unwrap();
    for chunk in prefill.chunks(5_000) {
        index.add(chunk, &[]).unwrap();
    }

    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    // Every round adds the same documents under new ids, so the index grows by BATCH a
    // round: the measured cost is that of a growing index, as in daily runs.
    let round = Cell::new(0u32);
    group.bench_function("add_1000_docs", |b| {
        b.iter_batched(
            || {
                round.set(round.get() + 1);
                fresh
                    .iter()
                    .map(|d| NewDoc {
                        doc: IndexedDoc {
                            id: format!("{}-r{}", d.doc.id, round.get()),
                            ..d.doc.clone()
                        },
                        bands: d.bands.clone(),
                    })
                    .collect::<Vec<_>>()
            },
            |batch| index.add(&batch, &[]).unwrap(),
            BatchSize::LargeInput,
        );
    });
    group.bench_function("candidates_of_1000_docs", |b| {
        b.iter(|| fresh.iter().map(|d| index.candidates(&d.bands).unwrap().len()).sum::<usize>());
    });
    group.bench_function("get_1000_ids", |b| {
        b.iter(|| {
            prefill[..BATCH].iter().filter(|d| index.get(&d.doc.id).unwrap().is_some()).count()
        });
    });
    group.finish();
}

criterion_group!(benches, index);
criterion_main!(benches);

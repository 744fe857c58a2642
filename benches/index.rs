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
use clean_news::pipeline::ids::text_hash;
use clean_news_synth::{Corpus, SynthConfig};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// Documents in the index before measuring.
const PREFILL: usize = 20_000;
/// Documents added per measured transaction.
const BATCH: usize = 1_000;
/// Distinct batches to add: each round adds new documents, as a day's run does (adding the
/// same documents again would pile postings on the same keys and measure that instead).
const ROUNDS: usize = 40;

/// Cleaned (a raw page's lead is its site header) and signed synthetic documents.
fn signed_docs(deduper: &Deduper, docs: usize) -> Vec<NewDoc> {
    let cleaner = Cleaner::builder().build().unwrap();
    Corpus::generate(&SynthConfig { docs: docs as u64, ..SynthConfig::default() })
        .map(|(doc, gold)| {
            let cleaned = cleaner.clean(&doc);
            let signature = deduper.sign(&cleaned.text);
            NewDoc {
                bands: deduper.band_keys(&signature),
                doc: IndexedDoc {
                    id: doc.id,
                    site: doc.site,
                    published: doc.published.as_deref().and_then(published_seconds),
                    cluster: gold.cluster,
                    canonical: false,
                    signature: signature.to_bytes(),
                    text_hash: Some(text_hash(&cleaned)),
                },
            }
        })
        .collect()
}

fn index(c: &mut Criterion) {
    let deduper = Deduper::builder().build().unwrap();
    let docs = signed_docs(&deduper, PREFILL + ROUNDS * BATCH);
    let (prefill, fresh) = docs.split_at(PREFILL);
    let dir = tempfile::tempdir().unwrap();
    let index = Index::open(dir.path().join("bench.redb"), deduper.fingerprint()).unwrap();
    for chunk in prefill.chunks(5_000) {
        index.add(chunk, &[]).unwrap();
    }

    let mut group = c.benchmark_group("index");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    // Lookups first, on the prefilled index, for documents it does not hold yet (a run asks
    // for the candidates of its new documents).
    group.bench_function("candidates_of_1000_docs", |b| {
        b.iter(|| {
            fresh[..BATCH].iter().map(|d| index.candidates(&d.bands).unwrap().len()).sum::<usize>()
        });
    });
    group.bench_function("get_1000_ids", |b| {
        b.iter(|| {
            prefill[..BATCH].iter().filter(|d| index.get(&d.doc.id).unwrap().is_some()).count()
        });
    });
    // Each round adds the next batch of new documents (after ROUNDS rounds the batches come
    // round again under new ids): the index grows as it does day by day.
    let round = Cell::new(0usize);
    group.bench_function("add_1000_docs", |b| {
        b.iter_batched(
            || {
                let r = round.get();
                round.set(r + 1);
                fresh[(r % ROUNDS) * BATCH..][..BATCH]
                    .iter()
                    .map(|d| NewDoc {
                        doc: IndexedDoc { id: format!("{}-r{r}", d.doc.id), ..d.doc.clone() },
                        bands: d.bands.clone(),
                    })
                    .collect::<Vec<_>>()
            },
            |batch| index.add(&batch, &[]).unwrap(),
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group!(benches, index);
criterion_main!(benches);

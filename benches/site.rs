//! Benchmarks of site-template learning and of the synthetic corpus behind it, on fixed
//! synthetic input (`clean_news_synth`, seed fixed by the default config).
//!
//! ```text
//! cargo bench --bench site -- --save-baseline before
//! cargo bench --bench site -- --baseline before
//! ```

// Test and bench helpers may fail loudly: the input is ours.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use clean_news::Cleaned;
use clean_news::clean::site::{SiteConfig, SiteProfiles};
use clean_news_synth::{Corpus, SynthConfig};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

/// Pages per run: enough for every site of the default corpus to learn.
const DOCS: u64 = 5_000;

fn config() -> SynthConfig {
    SynthConfig { docs: DOCS, sites: 20, ..SynthConfig::default() }
}

fn pages() -> Vec<Cleaned> {
    Corpus::generate(&config())
        .map(|(doc, _)| {
            let mut c = Cleaned {
                id: doc.id,
                text: doc.body.as_text().unwrap_or_default().to_owned(),
                ..Cleaned::default()
            };
            c.meta.site = doc.site;
            c
        })
        .collect()
}

fn synth(c: &mut Criterion) {
    let mut group = c.benchmark_group("synth");
    group.throughput(Throughput::Elements(DOCS));
    group.sample_size(10);
    group.bench_function("generate", |b| b.iter(|| Corpus::generate(&config()).count()));
    group.finish();
}

fn site(c: &mut Criterion) {
    let docs = pages();
    let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
    let profiles = SiteProfiles::learn(&docs, &SiteConfig::default()).expect("learn");
    let mut group = c.benchmark_group("site");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("learn", |b| {
        b.iter(|| SiteProfiles::learn(&docs, &SiteConfig::default()).expect("learn"))
    });
    group.bench_function("apply", |b| {
        b.iter_batched(
            || docs.clone(),
            |mut docs| {
                for d in &mut docs {
                    profiles.apply(d);
                }
                docs
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, synth, site);
criterion_main!(benches);

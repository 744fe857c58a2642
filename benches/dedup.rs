//! The deduplicator's throughput in documents per second, one thread, on a fixed generated
//! batch: [`STORIES`] stories of 6–12 paragraphs from a Zipf-distributed synthetic vocabulary,
//! each reposted 0–4 times (verbatim, truncated, lead teaser, editor's intro, light edit,
//! character noise), about 2.4 KB per document, as cleaned news looks.
//!
//! | bench | what |
//! |---|---|
//! | `dedup/shingles` | `dedup::bench_internals::shingles(text, 5)`: words, rolling 5-grams, sort, dedup |
//! | `dedup/sign` | `Deduper::sign`: shingles, MinHash, lead MinHash, SimHash, passages, exact hash |
//! | `dedup/simhash_crate` | `simhash::simhash(text)`, the crate we replaced |
//! | `dedup/simhash_text` | `dedup::bench_internals::of_text` (the module `dedup::simhash`): normalised words, hashed, SimHash |
//! | `dedup/simhash_features` | `dedup::bench_internals::of_features` on shingle sets already computed, as `sign` uses it |
//! | `dedup/cluster_items` | LSH candidates + exact verification + centre clustering, signed input |
//! | `dedup/end_to_end` | `sign` every text, then `cluster_items`: the per-core figure |
//!
//! ```text
//! cargo bench --bench dedup
//! cargo bench --bench dedup -- --save-baseline before   # then --baseline before
//! DEDUP_BENCH_CORPUS=target/dedup-corpus.jsonl cargo bench --bench dedup -- end_to_end
//! python3 benches/peers/datasketch_bench.py target/dedup-corpus.jsonl
//! ```
//!
//! With `DEDUP_BENCH_CORPUS` set, the batch is also written there as JSON Lines
//! (`{"id","published","text"}`) so that peers run on the very same texts.
//!
//! One run (release, one thread, a 2-core machine shared with other builds, load average
//! 3.7, so absolute figures are low and only ratios within the run count):
//!
//! | bench | docs/s |
//! |---|---|
//! | shingles | 97,300 |
//! | sign | 57,300 |
//! | simhash_crate | 10,000 (14,000 in one outlier run) |
//! | simhash_text | 92,000 |
//! | simhash_features | 850,000 |
//! | cluster_items | 76,000 |
//! | end_to_end | 38,000 |
//!
//! Same session, `datasketch_bench.py --ours … --repeat 3`: datasketch 0.3/128 with the exact
//! check runs the dev set at 843 docs/s (signatures alone 1,184) and this batch at 1,092; the
//! `dedup_dev` example, one thread, cold start included, at 36,196 and 29,770 docs/s: 43× and
//! 27×.

#![allow(clippy::unwrap_used, clippy::print_stderr)] // a harness: fail loudly, report on stderr

use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

use clean_news::dedup::bench_internals::{of_features, of_text, shingles};
use clean_news::dedup::{Deduper, Item, Signature};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Stories in the batch (each with 0–4 reposts).
const STORIES: usize = 1000;
/// Distinct words of the synthetic vocabulary.
const VOCABULARY: usize = 20_000;

/// xorshift64*: a fixed, dependency-free generator so the batch is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// An index in `0..n`, small values much more likely (roughly Zipf), like words in text.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) as usize).saturating_sub(1).min(n - 1)
    }
}

struct Doc {
    id: String,
    published: i64,
    text: String,
}

fn vocabulary(rng: &mut Rng) -> Vec<String> {
    (0..VOCABULARY)
        .map(|i| {
            let len = 2 + rng.below(9) + usize::from(i > 200) * 2;
            (0..len).map(|_| char::from(b'a' + rng.below(26) as u8)).collect()
        })
        .collect()
}

fn paragraph(rng: &mut Rng, vocab: &[String]) -> String {
    let words = 20 + rng.below(45);
    let mut out = String::new();
    for w in 0..words {
        if w > 0 {
            out.push(' ');
        }
        let word = &vocab[rng.zipf(vocab.len())];
        if w == 0 {
            let mut chars = word.chars();
            out.extend(chars.next().map(|c| c.to_ascii_uppercase()));
            out.extend(chars);
        } else {
            out.push_str(word);
        }
        if rng.below(12) == 0 || w + 1 == words {
            out.push('.');
        }
    }
    out
}

/// The fixed batch of the bench.
fn batch() -> Vec<Doc> {
    let mut rng = Rng(0x5eed_2005_0214_0001);
    let vocab = vocabulary(&mut rng);
    let mut docs = Vec::new();
    for story in 0..STORIES {
        let paragraphs: Vec<String> =
            (0..6 + rng.below(7)).map(|_| paragraph(&mut rng, &vocab)).collect();
        let published = 1_100_000_000 + story as i64 * 600;
        docs.push(Doc { id: format!("s{story}"), published, text: paragraphs.join("\n\n") });
        for copy in 0..rng.below(5) {
            let keep = 2 + rng.below(paragraphs.len() - 1);
            let text = match rng.below(6) {
                0 => paragraphs.join("\n\n"),
                1 => paragraphs[..keep].join("\n\n"),
                2 => paragraphs[0].clone(),
                3 => format!(
                    "{}\n\n{}",
                    paragraph(&mut rng, &vocab),
                    paragraphs[..keep].join("\n\n")
                ),
                4 => paragraphs
                    .join("\n\n")
                    .split(' ')
                    .map(|w| {
                        if rng.below(25) == 0 { vocab[rng.below(vocab.len())].as_str() } else { w }
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => paragraphs
                    .join("\n\n")
                    .chars()
                    .map(|c| if c.is_ascii_lowercase() && rng.below(30) == 0 { 'x' } else { c })
                    .collect(),
            };
            let later = published + 1200 * (copy as i64 + 1);
            docs.push(Doc { id: format!("s{story}-r{copy}"), published: later, text });
        }
    }
    docs
}

fn items<'a>(docs: &'a [Doc], sigs: &'a [Signature]) -> Vec<Item<'a>> {
    docs.iter()
        .zip(sigs)
        .map(|(d, s)| {
            let mut item = Item::new(&d.id, s);
            item.published = Some(d.published);
            item
        })
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since 1970 (Howard Hinnant's `civil_from_days`).
fn iso(seconds: i64) -> String {
    let (days, secs) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

fn write_corpus(docs: &[Doc]) {
    let Some(path) = std::env::var_os("DEDUP_BENCH_CORPUS") else { return };
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for d in docs {
        let row = serde_json::json!({"id": d.id, "published": iso(d.published), "text": d.text});
        writeln!(out, "{row}").unwrap();
    }
}

fn bench(c: &mut Criterion) {
    let docs = batch();
    write_corpus(&docs);
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
    eprintln!(
        "dedup bench: {} documents, {:.0} bytes each on average",
        docs.len(),
        bytes as f64 / docs.len() as f64
    );
    let deduper = Deduper::builder().build().unwrap();
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let signatures: Vec<Signature> = docs.iter().map(|d| deduper.sign(&d.text)).collect();

    let mut group = c.benchmark_group("dedup");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(docs.len() as u64));
    group.bench_function("shingles", |b| {
        b.iter(|| docs.iter().map(|d| shingles(black_box(&d.text), 5).len()).sum::<usize>())
    });
    group.bench_function("sign", |b| {
        b.iter(|| docs.iter().map(|d| deduper.sign(black_box(&d.text)).words()).sum::<u32>())
    });
    group.bench_function("simhash_crate", |b| {
        b.iter(|| docs.iter().fold(0, |acc, d| acc ^ simhash::simhash(black_box(&d.text))))
    });
    group.bench_function("simhash_text", |b| {
        b.iter(|| docs.iter().fold(0, |acc, d| acc ^ of_text(black_box(&d.text))))
    });
    group.bench_function("simhash_features", |b| {
        let sets: Vec<Vec<u64>> = docs.iter().map(|d| shingles(&d.text, 5)).collect();
        b.iter(|| sets.iter().fold(0, |acc, set| acc ^ of_features(black_box(set))))
    });
    group.bench_function("cluster_items", |b| {
        let items = items(&docs, &signatures);
        b.iter(|| one_thread.install(|| deduper.cluster_items(black_box(&items)).clusters().len()))
    });
    group.bench_function("end_to_end", |b| {
        b.iter(|| {
            one_thread.install(|| {
                let sigs: Vec<Signature> = docs.iter().map(|d| deduper.sign(&d.text)).collect();
                deduper.cluster_items(&items(&docs, &sigs)).clusters().len()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

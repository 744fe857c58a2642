//! Cleans pages on one thread and prints MB/s: a quick check outside criterion, and the
//! program to profile. One pass warms the caches first; the passes that count run in
//! `measured`, so that callgrind can count them alone:
//!
//! ```text
//! cargo run --release --example throughput -- docs.jsonl      # {"id","site","title","text"} lines
//! cargo run --release --example throughput -- --corpora       # the batch of benches/clean.rs
//! cargo run --release --example throughput -- --news-pages    # the generated pages of the same
//! valgrind --tool=callgrind --toggle-collect='throughput::measured' \
//!     target/release/examples/throughput --corpora 1           # one counted pass
//! ```
//!
//! It also prints a digest of every cleaned record (xxh3 of their JSON), to check that a
//! faster cleaner gives the same output.
use std::io::{BufRead, Write};
use std::time::Instant;

use clean_news::{Cleaner, Document};

#[path = "../benches/clean_batch.rs"]
mod clean_batch;

#[derive(serde::Deserialize)]
struct Record {
    id: String,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    title: Option<String>,
    text: String,
}

/// One pass over `docs`: the bytes of text kept.
#[inline(never)]
fn measured(cleaner: &Cleaner, docs: &[Document]) -> usize {
    docs.iter().map(|d| cleaner.clean(d).text.len()).sum()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: throughput (FILE.jsonl | --corpora | --news-pages) [PASSES] [--no-memo]";
    let source = std::env::args().nth(1).ok_or(usage)?;
    let passes: usize =
        std::env::args().nth(2).filter(|p| !p.starts_with("--")).map_or(Ok(3), |p| p.parse())?;
    let docs = if source == "--corpora" {
        clean_batch::batch()
    } else if source == "--news-pages" {
        clean_batch::news_pages()
    } else {
        let file = std::io::BufReader::new(std::fs::File::open(source)?);
        let mut docs = Vec::new();
        for line in file.lines() {
            let r: Record = serde_json::from_str(&line?)?;
            let mut doc = Document::text(r.id, r.text);
            doc.site = r.site;
            doc.title = r.title;
            docs.push(doc);
        }
        docs
    };
    let bytes: usize = docs.iter().map(|d| d.body.len()).sum();
    let memo_lines = if std::env::args().any(|a| a == "--no-memo") { 0 } else { 16 * 1024 };
    let cleaner = Cleaner::builder().memo_lines(memo_lines).build()?;
    // The warm-up pass, which also checks the output. Its memo starts empty too, so that it
    // walks what a measured pass walks (the rule automata finish building on the way).
    let mut digest = xxhash_rust::xxh3::Xxh3::new();
    let warm = cleaner.with_empty_memo();
    for doc in &docs {
        digest.update(serde_json::to_string(&warm.clean(doc))?.as_bytes());
    }
    let mut best = f64::MAX;
    for _ in 0..passes.max(1) {
        // Every pass sees the batch for the first time: the memo of short lines starts empty.
        let cleaner = cleaner.with_empty_memo();
        let start = Instant::now();
        std::hint::black_box(measured(&cleaner, &docs));
        best = best.min(start.elapsed().as_secs_f64());
    }
    writeln!(
        std::io::stdout(),
        "{} docs, {:.1} MB, best of {}: {:.3} s, {:.1} MB/s, {:.0} docs/s (1 thread, {} rules), output digest {:016x}",
        docs.len(),
        bytes as f64 / 1e6,
        passes.max(1),
        best,
        bytes as f64 / 1e6 / best,
        docs.len() as f64 / best,
        cleaner.rule_count(),
        digest.digest()
    )?;
    Ok(())
}

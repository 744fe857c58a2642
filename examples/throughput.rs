//! Cleans a JSON Lines file of `{"id","text"}` records on one thread and prints MB/s: a quick
//! check outside criterion. `cargo run --release --example throughput -- docs.jsonl`
use std::io::{BufRead, Write};
use std::time::Instant;

#[derive(serde::Deserialize)]
struct Record {
    id: String,
    text: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: throughput FILE.jsonl")?;
    let file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut docs = Vec::new();
    for line in file.lines() {
        let r: Record = serde_json::from_str(&line?)?;
        docs.push(clean_news::Document::text(r.id, r.text));
    }
    let bytes: usize = docs.iter().map(|d| d.body.len()).sum();
    let cleaner = clean_news::Cleaner::builder().build()?;
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let kept: usize = docs.iter().map(|d| cleaner.clean(d).text.len()).sum();
        best = best.min(start.elapsed().as_secs_f64());
        std::hint::black_box(kept);
    }
    writeln!(
        std::io::stdout(),
        "{} docs, {:.1} MB, best of 3: {:.3} s, {:.1} MB/s, {:.0} docs/s (1 thread, {} rules)",
        docs.len(),
        bytes as f64 / 1e6,
        best,
        bytes as f64 / 1e6 / best,
        docs.len() as f64 / best,
        cleaner.rule_count()
    )?;
    Ok(())
}

//! Fills an index the way daily `clean-news run`s do, and reports what a million documents
//! cost: bytes per document (table by table), insert and query throughput.
//!
//! ```text
//! cargo run --release --example index_scale -- --docs 1000000 --batch 30000 --out target/scale.redb
//! ```
//!
//! Documents come from the synthetic corpus (`clean_news_synth`), cleaned with the default
//! packs (a raw page's lead is its site header: signed raw, every page of a site would be a
//! candidate of every other) and signed; each batch is one day's run: look up the candidates
//! of every new document, then add the batch in one transaction. Cluster ids are the gold
//! clusters, so the cluster table has its real size.
//! Options: `--docs N` (default 200000), `--batch N` (default 30000), `--out PATH`
//! (required; replaced), `--compact` (compact at the end and report the size again).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clean_news::dedup::{Deduper, published_seconds};
use clean_news::index::{Index, IndexedDoc, NewDoc};
use clean_news::pipeline::ids::text_hash;
use clean_news::{Cleaned, Cleaner};
use clean_news_synth::{Corpus, SynthConfig};
use rayon::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut docs: u64 = 200_000;
    let mut batch: usize = 30_000;
    let mut out: Option<PathBuf> = None;
    let mut compact = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--compact" => compact = true,
            "--docs" => docs = args.next().ok_or("--docs needs a value")?.parse()?,
            "--batch" => batch = args.next().ok_or("--batch needs a value")?.parse()?,
            "--out" => out = Some(args.next().ok_or("--out needs a value")?.into()),
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    let out = out.ok_or("--out PATH is required")?;
    let batch = batch.max(1);
    let _ = std::fs::remove_file(&out);

    let cleaner = Cleaner::builder().build()?;
    let deduper = Deduper::builder().build()?;
    let mut index = Index::open(&out, deduper.fingerprint())?;
    let mut corpus = Corpus::generate(&SynthConfig { docs, ..SynthConfig::default() });
    let (mut signing, mut querying, mut inserting) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    // Cleaning is measured by its own bench; here it only prepares the texts.
    let (mut added, mut candidates_found) = (0u64, 0u64);
    loop {
        let day: Vec<_> = corpus.by_ref().take(batch).collect();
        if day.is_empty() {
            break;
        }
        let cleaned: Vec<Cleaned> = day.par_iter().map(|(doc, _)| cleaner.clean(doc)).collect();
        let start = Instant::now();
        let signed: Vec<NewDoc> = day
            .par_iter()
            .zip(&cleaned)
            .map(|((doc, gold), cleaned)| {
                let signature = deduper.sign(&cleaned.text);
                NewDoc {
                    bands: deduper.band_keys(&signature),
                    doc: IndexedDoc {
                        id: doc.id.clone(),
                        site: doc.site.clone(),
                        published: doc.published.as_deref().and_then(published_seconds),
                        cluster: gold.cluster.clone(),
                        canonical: false,
                        signature: signature.to_bytes(),
                        text_hash: Some(text_hash(cleaned)),
                    },
                }
            })
            .collect();
        signing += start.elapsed();

        // A run looks up the candidates of its documents (one read transaction a document
        // here, which is the worst case: `run` asks once for the whole batch).
        let start = Instant::now();
        for new in &signed {
            candidates_found += index.candidates(&new.bands)?.len() as u64;
        }
        querying += start.elapsed();

        let start = Instant::now();
        index.add(&signed, &[])?;
        inserting += start.elapsed();
        added += signed.len() as u64;
        eprintln!("{added} documents, file {} MB", index.stats()?.file_bytes / 1_000_000);
    }

    let stats = index.stats()?;
    let per_doc = |bytes: u64| bytes as f64 / added.max(1) as f64;
    println!("documents            {added}");
    println!("batches              {}", added.div_ceil(batch as u64));
    println!(
        "file                 {} bytes, {:.0} bytes/doc, {:.2} GB per million documents",
        stats.file_bytes,
        per_doc(stats.file_bytes),
        per_doc(stats.file_bytes) / 1_000.0
    );
    for (name, t) in &stats.tables {
        println!(
            "  {name:<9} {:>10} entries  stored {:>6.0} B/doc  tree {:>5.0} B/doc  fragmented {:>5.0} B/doc",
            t.entries,
            per_doc(t.stored),
            per_doc(t.metadata),
            per_doc(t.fragmented)
        );
    }
    let rate = |n: u64, d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    println!("sign                 {:.0} docs/s (all threads)", rate(added, signing));
    println!(
        "query (candidates)   {:.0} docs/s, {:.1} candidates/doc (one thread)",
        rate(added, querying),
        candidates_found as f64 / added.max(1) as f64
    );
    println!(
        "insert               {:.0} docs/s (one thread, one transaction a batch)",
        rate(added, inserting)
    );
    if compact {
        let start = Instant::now();
        index.compact()?;
        let after = index.stats()?.file_bytes;
        println!(
            "compacted            {after} bytes, {:.2} GB per million documents, in {:.1} s",
            per_doc(after) / 1_000.0,
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

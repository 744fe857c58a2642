//! Fills an index the way daily `clean-news run`s do, and reports what a million documents
//! cost: bytes per document (table by table, and the signature apart), add and candidate
//! lookup throughput.
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
//!
//! Options: `--docs N` (default 200000), `--batch N` (default 30000), `--out PATH`
//! (required; replaced), `--compact` (compact at the end and report the size again),
//! `--save-docs PATH` (write the signed documents to a file, to measure the index again on
//! the same input without cleaning and signing it again), `--load-docs PATH` (read them back
//! instead of generating; `--docs` then caps how many are read), `--per-doc-queries N` (also
//! time the candidates of N documents asked one document at a time: the worst case; default
//! 2000 a batch). Threads: `RAYON_NUM_THREADS`.
//!
//! Lookups are timed as `run` makes them (all keys of the batch in one call) and one document
//! at a time; adds are timed as one call a batch.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clean_news::dedup::{Deduper, published_seconds};
use clean_news::index::{Index, IndexedDoc, NewDoc};
use clean_news::pipeline::ids::text_hash;
use clean_news::{Cleaned, Cleaner};
use clean_news_synth::{Corpus, SynthConfig};
use rayon::prelude::*;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Where the documents come from: generated and signed, or read from `--load-docs`.
enum Source {
    Generated { corpus: Box<Corpus>, cleaner: Cleaner, deduper: Deduper },
    Loaded { file: BufReader<std::fs::File>, left: u64 },
}

impl Source {
    fn next_batch(&mut self, batch: usize) -> Result<Vec<NewDoc>> {
        match self {
            Source::Generated { corpus, cleaner, deduper } => {
                let day: Vec<_> = corpus.by_ref().take(batch).collect();
                let cleaned: Vec<Cleaned> =
                    day.par_iter().map(|(doc, _)| cleaner.clean(doc)).collect();
                Ok(day
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
                    .collect())
            }
            Source::Loaded { file, left } => {
                let mut out = Vec::new();
                while out.len() < batch && *left > 0 {
                    match read_doc(file)? {
                        Some(doc) => out.push(doc),
                        None => break,
                    }
                    *left -= 1;
                }
                Ok(out)
            }
        }
    }
}

fn main() -> Result<()> {
    let mut docs: u64 = 200_000;
    let mut batch: usize = 30_000;
    let mut out: Option<PathBuf> = None;
    let mut save: Option<PathBuf> = None;
    let mut load: Option<PathBuf> = None;
    let mut per_doc_queries: usize = 2_000;
    let mut compact = false;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--compact" => compact = true,
            "--docs" => docs = args.next().ok_or("--docs needs a value")?.parse()?,
            "--batch" => batch = args.next().ok_or("--batch needs a value")?.parse()?,
            "--out" => out = Some(args.next().ok_or("--out needs a value")?.into()),
            "--save-docs" => save = Some(args.next().ok_or("--save-docs needs a value")?.into()),
            "--load-docs" => load = Some(args.next().ok_or("--load-docs needs a value")?.into()),
            "--per-doc-queries" => {
                per_doc_queries = args.next().ok_or("--per-doc-queries needs a value")?.parse()?;
            }
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    let out = out.ok_or("--out PATH is required")?;
    let batch = batch.max(1);
    let _ = std::fs::remove_file(&out);

    let deduper = Deduper::builder().build()?;
    let fingerprint = deduper.fingerprint();
    let mut source = match &load {
        Some(path) => {
            Source::Loaded { file: BufReader::new(std::fs::File::open(path)?), left: docs }
        }
        None => Source::Generated {
            corpus: Box::new(Corpus::generate(&SynthConfig { docs, ..SynthConfig::default() })),
            cleaner: Cleaner::builder().build()?,
            deduper,
        },
    };
    let mut saved = match &save {
        Some(path) => Some(BufWriter::new(std::fs::File::create(path)?)),
        None => None,
    };
    let mut index = Index::open(&out, fingerprint)?;
    let (mut querying, mut per_doc, mut inserting) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut added, mut candidates_found, mut per_doc_asked, mut per_doc_found) =
        (0u64, 0u64, 0u64, 0u64);
    let (mut signature_bytes, mut postings) = (0u64, 0u64);
    let mut last = (0u64, 0u64);
    loop {
        let signed = source.next_batch(batch)?;
        if signed.is_empty() {
            break;
        }
        if let Some(saved) = &mut saved {
            for doc in &signed {
                write_doc(saved, doc)?;
            }
        }
        signature_bytes += signed.iter().map(|d| d.doc.signature.len() as u64).sum::<u64>();
        postings += signed.iter().map(|d| d.bands.len() as u64).sum::<u64>();

        // As `run` asks: every key of the batch in one call.
        let start = Instant::now();
        let mut keys: Vec<u64> = signed.iter().flat_map(|d| d.bands.iter().copied()).collect();
        keys.sort_unstable();
        keys.dedup();
        candidates_found += index.candidates(&keys)?.len() as u64;
        querying += start.elapsed();
        // The worst case: one call a document.
        let start = Instant::now();
        for new in signed.iter().take(per_doc_queries) {
            per_doc_found += index.candidates(&new.bands)?.len() as u64;
            per_doc_asked += 1;
        }
        per_doc += start.elapsed();

        let start = Instant::now();
        index.add(&signed, &[])?;
        let took = start.elapsed();
        inserting += took;
        added += signed.len() as u64;
        let file = index.stats()?.file_bytes;
        last = (signed.len() as u64, took.as_micros() as u64);
        eprintln!(
            "{added} documents, file {} MB, add {:.2} s, lookups so far {:.0} docs/s",
            file / 1_000_000,
            took.as_secs_f64(),
            added as f64 / querying.as_secs_f64().max(1e-9)
        );
    }
    if let Some(saved) = &mut saved {
        saved.flush()?;
    }

    let stats = index.stats()?;
    let per_doc_bytes = |bytes: u64| bytes as f64 / added.max(1) as f64;
    println!("documents            {added}");
    println!("batches              {}", added.div_ceil(batch as u64));
    println!("threads              {} (rayon; RAYON_NUM_THREADS)", rayon::current_num_threads());
    println!(
        "file                 {} bytes, {:.0} bytes/doc, {:.2} GB per million documents",
        stats.file_bytes,
        per_doc_bytes(stats.file_bytes),
        per_doc_bytes(stats.file_bytes) / 1_000.0
    );
    println!(
        "signature            {:.0} bytes/doc as given to the index (Signature::to_bytes)",
        per_doc_bytes(signature_bytes)
    );
    println!(
        "file - signatures    {:.0} bytes/doc",
        per_doc_bytes(stats.file_bytes.saturating_sub(signature_bytes))
    );
    println!("postings             {:.1} keys/doc", per_doc_bytes(postings));
    for (name, t) in &stats.tables {
        println!(
            "  {name:<9} {:>10} entries  stored {:>6.0} B/doc  tree {:>5.0} B/doc  fragmented {:>5.0} B/doc",
            t.entries,
            per_doc_bytes(t.stored),
            per_doc_bytes(t.metadata),
            per_doc_bytes(t.fragmented)
        );
    }
    let rate = |n: u64, d: Duration| n as f64 / d.as_secs_f64().max(1e-9);
    println!(
        "candidates (batch)   {:.0} docs/s, {:.2} candidates/doc (one call a batch)",
        rate(added, querying),
        candidates_found as f64 / added.max(1) as f64
    );
    println!(
        "candidates (per doc) {:.0} docs/s, {:.2} candidates/doc (one call a document, {per_doc_asked} documents)",
        rate(per_doc_asked, per_doc),
        per_doc_found as f64 / per_doc_asked.max(1) as f64
    );
    println!("add                  {:.0} docs/s (one call a batch)", rate(added, inserting));
    println!("add, last batch      {:.0} docs/s", rate(last.0, Duration::from_micros(last.1)));
    if compact {
        let start = Instant::now();
        index.compact()?;
        let after = index.stats()?.file_bytes;
        println!(
            "compacted            {after} bytes, {:.0} bytes/doc, in {:.1} s",
            per_doc_bytes(after),
            start.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn write_bytes(out: &mut impl Write, bytes: &[u8]) -> Result<()> {
    out.write_all(&u32::try_from(bytes.len())?.to_le_bytes())?;
    out.write_all(bytes)?;
    Ok(())
}

fn write_doc(out: &mut impl Write, new: &NewDoc) -> Result<()> {
    let doc = &new.doc;
    write_bytes(out, doc.id.as_bytes())?;
    write_bytes(out, doc.site.as_deref().unwrap_or("").as_bytes())?;
    write_bytes(out, doc.cluster.as_bytes())?;
    write_bytes(out, &doc.signature)?;
    out.write_all(&doc.published.unwrap_or(i64::MIN).to_le_bytes())?;
    out.write_all(&doc.text_hash.unwrap_or(0).to_le_bytes())?;
    out.write_all(&[u8::from(doc.canonical), u8::from(doc.text_hash.is_some())])?;
    out.write_all(&u32::try_from(new.bands.len())?.to_le_bytes())?;
    for key in &new.bands {
        out.write_all(&key.to_le_bytes())?;
    }
    Ok(())
}

fn read_array<const N: usize>(input: &mut impl Read) -> Result<[u8; N]> {
    let mut buf = [0; N];
    input.read_exact(&mut buf)?;
    Ok(buf)
}

fn read_bytes(input: &mut impl Read) -> Result<Vec<u8>> {
    let len = u32::from_le_bytes(read_array(input)?);
    let mut buf = vec![0; len as usize];
    input.read_exact(&mut buf)?;
    Ok(buf)
}

/// The next document of a `--save-docs` file, `None` at its end.
fn read_doc(input: &mut impl Read) -> Result<Option<NewDoc>> {
    let id = match read_bytes(input) {
        Ok(id) => String::from_utf8(id)?,
        Err(err) => match err.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            _ => return Err(err),
        },
    };
    let site = String::from_utf8(read_bytes(input)?)?;
    let cluster = String::from_utf8(read_bytes(input)?)?;
    let signature = read_bytes(input)?;
    let published = i64::from_le_bytes(read_array(input)?);
    let text_hash = u64::from_le_bytes(read_array(input)?);
    let [canonical, has_text] = read_array(input)?;
    let bands = u32::from_le_bytes(read_array(input)?);
    let bands = (0..bands)
        .map(|_| Ok(u64::from_le_bytes(read_array(input)?)))
        .collect::<Result<Vec<u64>>>()?;
    Ok(Some(NewDoc {
        doc: IndexedDoc {
            id,
            site: (!site.is_empty()).then_some(site),
            published: (published != i64::MIN).then_some(published),
            cluster,
            canonical: canonical != 0,
            signature,
            text_hash: (has_text != 0).then_some(text_hash),
        },
        bands,
    }))
}

//! Clusters word-permuted copies of a labelled near-duplicate set in process: does quality
//! drift with the size of the batch, and what do the signatures cost in memory?
//!
//! ```text
//! cargo run --release --example dedup_scale -- SET_DIR COPIES [OUT_DIR] [TOML]
//! ```
//!
//! `SET_DIR` holds `docs.jsonl`, `gold.jsonl` and `hard_negatives.jsonl` in the layout of
//! `bbc-repost-dev`. Site templates are removed once, from the set itself, with the stand-in
//! of `examples/dedup_dev.rs` (lines on 3 or more pages of a site); a copy of a cleaned page
//! is the cleaned copy of the page, since a bijection keeps every line's page count.
//!
//! Copy 0 is the set itself; copy `k ≥ 1` maps every word (a run of letters and digits,
//! lower-cased) through a bijection of the set's vocabulary drawn from seed `k`, and keeps
//! everything else. Copies are therefore different stories with the structure of the
//! original: the same cluster sizes, transforms, lengths, word frequencies and hard negatives,
//! and a word shared by two stories of one copy is shared by the same two stories of every
//! copy. Gold clusters and hard-negative pairs are the set's, per copy (ids get `~k`).
//!
//! Documents of all copies keep their publication time, so copies interleave in clustering
//! order. Texts are generated, signed and dropped one copy at a time: only the signatures
//! stay, so at 240 copies (a million documents) the peak RSS is that of the signatures and
//! of the clustering. With `OUT_DIR` the gold files and `clusters.jsonl` are written there
//! and scored with `clean_news::eval`; without it nothing is scored (for memory figures).
//! `TOML` overrides `DedupConfig` fields.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use clean_news::dedup::{DedupConfig, Deduper, Item, Signature, published_seconds};
use clean_news::eval::{ClusterGold, ClusterPrediction, score_clusters};
use rayon::prelude::*;

/// Lines on at least this many pages of one site are template (the baselines' rule).
const TEMPLATE_MIN_PAGES: usize = 3;

/// One page of the set after template removal.
struct Page {
    id: String,
    published: Option<i64>,
    text: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, copies, rest @ ..] = args.as_slice() else {
        return Err("usage: dedup_scale SET_DIR COPIES [OUT_DIR] [TOML]".into());
    };
    let dir = Path::new(dir);
    let copies: usize = copies.parse()?;
    let out_dir = rest.first().filter(|p| !p.is_empty()).map(Path::new);
    let config: DedupConfig = match rest.get(1) {
        Some(toml_text) => toml::from_str(toml_text)?,
        None => DedupConfig::default(),
    };
    let deduper = Deduper::builder().config(config).build()?;

    let pages = read_pages(&dir.join("docs.jsonl"))?;
    let vocabulary = vocabulary(&pages);
    eprintln!("{} pages, {} distinct words", pages.len(), vocabulary.len());
    eprintln!("start: peak RSS {}", peak_rss());

    let started = Instant::now();
    let mut ids: Vec<String> = Vec::with_capacity(pages.len() * copies);
    let mut published: Vec<Option<i64>> = Vec::with_capacity(pages.len() * copies);
    let mut signatures: Vec<Signature> = Vec::with_capacity(pages.len() * copies);
    for k in 0..copies {
        let map = permutation(&vocabulary, k as u64);
        let signed: Vec<Signature> =
            pages
                .par_iter()
                .map(|p| {
                    if k == 0 {
                        deduper.sign(&p.text)
                    } else {
                        deduper.sign(&permute(&p.text, &map))
                    }
                })
                .collect();
        signatures.extend(signed);
        ids.extend(pages.iter().map(|p| format!("{}~{k}", p.id)));
        published.extend(pages.iter().map(|p| p.published));
    }
    let signing = started.elapsed().as_secs_f64();
    let n = signatures.len();
    let encoded: usize = signatures.iter().map(|s| s.encoded_len()).sum();
    let heap: usize = signatures.iter().map(Signature::heap_bytes).sum();
    eprintln!(
        "{n} documents signed in {signing:.1} s; signature {:.0} bytes encoded, {:.0} bytes in memory \
         ({} inline + {:.0} heap); peak RSS {}",
        encoded as f64 / n as f64,
        (heap + n * std::mem::size_of::<Signature>()) as f64 / n as f64,
        std::mem::size_of::<Signature>(),
        heap as f64 / n as f64,
        peak_rss()
    );

    let items: Vec<Item<'_>> = (0..n)
        .map(|i| {
            let mut item = Item::new(&ids[i], &signatures[i]);
            item.published = published[i];
            item
        })
        .collect();
    let started = Instant::now();
    let clusters = deduper.cluster_items(&items);
    let took = started.elapsed().as_secs_f64();
    eprintln!(
        "clustered in {took:.2} s ({:.0} docs/s): {} clusters, {} of 2+; peak RSS {}",
        n as f64 / took,
        clusters.clusters().len(),
        clusters.multi().count(),
        peak_rss()
    );

    let Some(out_dir) = out_dir else { return Ok(()) };
    std::fs::create_dir_all(out_dir)?;
    write_gold(dir, out_dir, copies)?;
    let pred_path = out_dir.join("clusters.jsonl");
    let mut out = BufWriter::new(std::fs::File::create(&pred_path)?);
    for cluster in clusters.multi() {
        serde_json::to_writer(&mut out, cluster)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    drop(out);
    let gold = ClusterGold::read(out_dir)?;
    let report = score_clusters(&gold, &ClusterPrediction::read(&pred_path, &gold)?);
    println!("{}", report.summary());
    for (kind, score) in &report.hard_negatives.0 {
        println!("{kind}: {} of {} merged", score.merged, score.pairs);
    }
    for (transform, recall) in &report.recall_per_transform {
        println!("recall {transform}: {}", serde_json::to_string(recall)?);
    }
    Ok(())
}

/// The pages of `docs.jsonl`, site templates removed by the stand-in.
fn read_pages(path: &Path) -> Result<Vec<Page>, Box<dyn std::error::Error>> {
    let mut raw = Vec::new();
    for line in BufReader::new(std::fs::File::open(path)?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_owned();
        raw.push((field("id"), field("site"), field("published"), field("text")));
    }
    let mut count: HashMap<(&str, &str), usize> = HashMap::new();
    for (_, site, _, text) in &raw {
        let mut seen: Vec<&str> = text.lines().map(str::trim).collect();
        seen.sort_unstable();
        seen.dedup();
        for line in seen {
            *count.entry((site.as_str(), line)).or_default() += 1;
        }
    }
    Ok(raw
        .iter()
        .map(|(id, site, published, text)| {
            let kept: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty()
                        && (site.is_empty() || count[&(site.as_str(), *l)] < TEMPLATE_MIN_PAGES)
                })
                .collect();
            Page {
                id: id.clone(),
                published: published_seconds(published),
                text: kept.join("\n\n"),
            }
        })
        .collect())
}

/// The words of a text: runs of letters and digits, lower-cased.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// Every distinct word of the pages, sorted (so that the bijections do not depend on order).
fn vocabulary(pages: &[Page]) -> Vec<String> {
    let mut all: Vec<String> = pages.iter().flat_map(|p| words(&p.text)).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// A bijection of the vocabulary drawn from `seed` (Fisher–Yates with xorshift64*).
fn permutation(vocabulary: &[String], seed: u64) -> HashMap<String, String> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let mut image: Vec<&String> = vocabulary.iter().collect();
    for i in (1..image.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        image.swap(i, j);
    }
    vocabulary.iter().cloned().zip(image.into_iter().cloned()).collect()
}

/// `text` with every word replaced by its image under `map`; everything else kept.
fn permute(text: &str, map: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut word_start: Option<usize> = None;
    let flush = |out: &mut String, word: &str| {
        let lower = word.to_lowercase();
        out.push_str(map.get(&lower).map_or(word, String::as_str));
    };
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), word_start) {
            (true, None) => word_start = Some(i),
            (true, Some(_)) => {}
            (false, Some(s)) => {
                flush(&mut out, &text[s..i]);
                word_start = None;
                out.push(c);
            }
            (false, None) => out.push(c),
        }
    }
    if let Some(s) = word_start {
        flush(&mut out, &text[s..]);
    }
    out
}

/// Writes the gold files of `copies` copies of the set in `dir` to `out_dir`.
fn write_gold(dir: &Path, out_dir: &Path, copies: usize) -> Result<(), Box<dyn std::error::Error>> {
    let read = |name: &str| -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
        let mut rows = Vec::new();
        for line in BufReader::new(std::fs::File::open(dir.join(name))?).lines() {
            rows.push(serde_json::from_str(&line?)?);
        }
        Ok(rows)
    };
    let suffix =
        |v: &serde_json::Value, k: usize| format!("{}~{k}", v.as_str().unwrap_or_default());
    let mut gold = BufWriter::new(std::fs::File::create(out_dir.join("gold.jsonl"))?);
    let mut hard = BufWriter::new(std::fs::File::create(out_dir.join("hard_negatives.jsonl"))?);
    let (gold_rows, hard_rows) = (read("gold.jsonl")?, read("hard_negatives.jsonl")?);
    for k in 0..copies {
        for row in &gold_rows {
            let line = serde_json::json!({
                "id": suffix(&row["id"], k),
                "cluster": suffix(&row["cluster"], k),
                "transform": row["transform"],
            });
            writeln!(gold, "{line}")?;
        }
        for row in &hard_rows {
            let line = serde_json::json!({
                "a": suffix(&row["a"], k),
                "b": suffix(&row["b"], k),
                "kind": row["kind"],
            });
            writeln!(hard, "{line}")?;
        }
    }
    gold.flush()?;
    hard.flush()?;
    Ok(())
}

/// The peak resident set size so far, as the kernel reports it (Linux), else "unknown".
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l[6..].trim().to_owned()))
        .unwrap_or_else(|| "unknown".to_owned())
}

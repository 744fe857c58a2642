//! Writes a synthetic news corpus (see `clean_news_synth`) as `docs.jsonl` and `gold.jsonl`,
//! in the format of the `bbc-repost-dev` set, so `score_clusters.py` can score it.
//!
//! ```text
//! cargo run --release --example generate_corpus -- --docs 100000 --out target/synth-100k
//! ```
//!
//! Options: `--docs N` (default 10000), `--out DIR` (required), `--seed S`, `--sites N`,
//! `--days N`, `--config FILE` (a TOML `SynthConfig`; flags override it).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use clean_news_synth::{Corpus, SynthConfig};

#[derive(serde::Serialize)]
struct DocRecord<'a> {
    id: &'a str,
    url: Option<&'a str>,
    site: Option<&'a str>,
    published: Option<&'a str>,
    title: Option<&'a str>,
    text: &'a str,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = SynthConfig::default();
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    let mut overrides: Vec<(String, String)> = Vec::new();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--out" => out = Some(PathBuf::from(value)),
            "--config" => config = toml::from_str(&std::fs::read_to_string(&value)?)?,
            "--docs" | "--seed" | "--sites" | "--days" => overrides.push((flag, value)),
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }
    for (flag, value) in overrides {
        match flag.as_str() {
            "--docs" => config.docs = value.parse()?,
            "--seed" => config.seed = value.parse()?,
            "--sites" => config.sites = value.parse()?,
            _ => config.days = value.parse()?,
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    std::fs::create_dir_all(&out)?;
    let mut docs =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(out.join("docs.jsonl"))?);
    let mut gold =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(out.join("gold.jsonl"))?);
    let start = Instant::now();
    let mut n = 0u64;
    for (doc, label) in Corpus::generate(&config) {
        let record = DocRecord {
            id: &doc.id,
            url: doc.url.as_deref(),
            site: doc.site.as_deref(),
            published: doc.published.as_deref(),
            title: doc.title.as_deref(),
            text: doc.body.as_text().unwrap_or(""),
        };
        serde_json::to_writer(&mut docs, &record)?;
        docs.write_all(b"\n")?;
        serde_json::to_writer(&mut gold, &label)?;
        gold.write_all(b"\n")?;
        n += 1;
    }
    docs.flush()?;
    gold.flush()?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "wrote {n} documents to {} in {secs:.2} s ({:.0} docs/s)",
        out.display(),
        n as f64 / secs.max(1e-9)
    );
    Ok(())
}

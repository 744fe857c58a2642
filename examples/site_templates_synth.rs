//! Learns site templates from a stream of synthetic documents (`clean_news_synth`), in
//! batches, and reports time and memory: the figure documented in `clean::site`.
//!
//! ```text
//! cargo build --release --example site_templates_synth
//! /usr/bin/time -v target/release/examples/site_templates_synth --docs 1000000 --sites 200
//! ```
//!
//! Options: `--docs N` (default 100000), `--sites N` (default 200), `--batch N` (default
//! 10000), `--seed S`, `--sample X` (`SiteConfig::sample_share`), `--profiles FILE` to save
//! the profiles. Documents are generated, turned into `Cleaned` (text as it is, the site in
//! `meta.site`) and dropped batch by batch, so resident memory is the learner's plus one
//! batch. After learning, the first batch is generated again and the profiles applied to it,
//! to show what they remove.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

use clean_news::clean::site::{SiteConfig, SiteLearner};
use clean_news::{Cleaned, Document};
use clean_news_synth::{Corpus, SynthConfig};

fn cleaned(doc: Document) -> Cleaned {
    let mut c = Cleaned {
        id: doc.id,
        text: match doc.body {
            clean_news::Body::Text(t) => t,
            clean_news::Body::Html(_) => String::new(),
        },
        ..Cleaned::default()
    };
    c.meta.site = doc.site;
    c
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut synth = SynthConfig { docs: 100_000, sites: 200, ..SynthConfig::default() };
    let mut site = SiteConfig::default();
    let mut batch_size = 10_000usize;
    let mut profiles_out = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--docs" => synth.docs = value.parse()?,
            "--sites" => synth.sites = value.parse()?,
            "--seed" => synth.seed = value.parse()?,
            "--batch" => batch_size = value.parse::<usize>()?.max(1),
            "--sample" => site.sample_share = value.parse()?,
            "--profiles" => profiles_out = Some(value),
            _ => return Err(format!("unknown option {flag}").into()),
        }
    }

    let start = Instant::now();
    let mut learner = SiteLearner::new(&site)?;
    let mut corpus = Corpus::generate(&synth);
    let mut batch = Vec::with_capacity(batch_size);
    let mut generate_secs = 0.0;
    let mut peak_learner = 0usize;
    loop {
        let t = Instant::now();
        batch.clear();
        batch.extend(corpus.by_ref().take(batch_size).map(|(doc, _)| cleaned(doc)));
        generate_secs += t.elapsed().as_secs_f64();
        if batch.is_empty() {
            break;
        }
        learner.add_batch(&batch);
        peak_learner = peak_learner.max(learner.memory_bytes());
    }
    drop(batch);
    let profiles = learner.finish();
    let total_secs = start.elapsed().as_secs_f64();
    let learned = profiles.sites().filter(|p| p.learned).count();
    let lines: usize = profiles.sites().map(|p| p.lines.len()).sum();
    println!(
        "{} documents, {} sites ({learned} learned, {lines} template lines and shapes)",
        profiles.documents(),
        profiles.sites().count()
    );
    println!(
        "total {total_secs:.1} s (generating {generate_secs:.1} s, learning {:.1} s, {:.0} docs/s)",
        total_secs - generate_secs,
        profiles.documents() as f64 / (total_secs - generate_secs).max(1e-9)
    );
    println!("learner memory estimate at its peak: {:.1} MB", peak_learner as f64 / 1e6);

    let sample: Vec<Cleaned> =
        Corpus::generate(&synth).take(batch_size.min(2_000)).map(|(d, _)| cleaned(d)).collect();
    let (mut lines_in, mut removed) = (0usize, 0usize);
    for mut doc in sample {
        lines_in += doc.text.lines().count();
        profiles.apply(&mut doc);
        removed += doc.removed.len();
    }
    println!(
        "applied to the first {} documents: {removed} of {lines_in} lines removed ({:.1} %)",
        batch_size.min(2_000),
        100.0 * removed as f64 / lines_in.max(1) as f64
    );
    if let Some(out) = profiles_out {
        profiles.save(out)?;
    }
    Ok(())
}

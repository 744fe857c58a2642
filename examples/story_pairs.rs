//! Groups a run's cleaned records into stories and writes them back with a `story` field, to
//! score with `score_pairs.py` or `clean-news eval pairs`; with `--scores PAIRS`, also prints
//! the verifier's score of every labelled pair (for choosing a threshold on one half of the
//! pairs and checking it on the other).
//!
//! ```text
//! cargo run --release --example story_pairs -- out/documents.jsonl stories/documents.jsonl \
//!     [--min-score 1.0] [--scores pairs.jsonl > scores.jsonl]
//! ```
//!
//! Records keep `id`, `cluster` and `meta.language`; documents with `meta.non_article` set
//! join no story by themselves. Timings go to stderr (evidence is extracted on all threads, as
//! a run would, in its cleaning pass; `RAYON_NUM_THREADS=1` for one).
use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};
use std::time::Instant;

use clean_news::story::{
    KeyWeights, StoryConfig, StoryDocument, StoryEvidence, StoryVerifier, group_stories,
    surface_words,
};
use rayon::prelude::*;
use serde_json::{Value, json};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage =
        "usage: story_pairs DOCUMENTS.jsonl OUT.jsonl [--min-score X] [--scores PAIRS.jsonl]";
    let input = args.next().ok_or(usage)?;
    let output = args.next().ok_or(usage)?;
    let mut config = StoryConfig::default();
    let mut pairs_path = None;
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--min-score" => config.min_score = args.next().ok_or(usage)?.parse()?,
            "--scores" => pairs_path = Some(args.next().ok_or(usage)?),
            _ => return Err(usage.into()),
        }
    }

    let mut records: Vec<Value> = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(&input)?).lines() {
        let line = line?;
        if !line.trim().is_empty() {
            records.push(serde_json::from_str(&line)?);
        }
    }
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let ids: Vec<String> = records.iter().map(|r| str_of(r, "id")).collect();
    let clusters: Vec<String> = records
        .iter()
        .map(|r| match r.get("cluster").and_then(Value::as_str) {
            Some(c) => c.to_string(),
            None => format!("doc:{}", str_of(r, "id")),
        })
        .collect();

    let start = Instant::now();
    let evidence: Vec<StoryEvidence> = records
        .par_iter()
        .map(|r| {
            let title = r.get("title").and_then(Value::as_str);
            let published = r.pointer("/meta/published").and_then(Value::as_str);
            let text = r.get("text").and_then(Value::as_str).unwrap_or("");
            StoryEvidence::from_text(title, text, published)
        })
        .collect();
    let extract = start.elapsed();
    let docs: Vec<StoryDocument<'_>> = records
        .iter()
        .enumerate()
        .map(|(i, r)| StoryDocument {
            id: &ids[i],
            cluster: &clusters[i],
            evidence: &evidence[i],
            is_non_article: r.pointer("/meta/non_article").is_some_and(|v| !v.is_null()),
        })
        .collect();
    let start = Instant::now();
    let grouping = group_stories(&docs, &config);
    let group = start.elapsed();
    let bytes: usize = evidence.iter().map(StoryEvidence::heap_bytes).sum();
    let joined = grouping.stories.iter().filter(|s| s.clusters.len() > 1).count();
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "{} documents, {} stories ({} of several clusters); evidence {:.1} ms ({} B a document), grouping {:.1} ms",
        records.len(),
        grouping.stories.len(),
        joined,
        extract.as_secs_f64() * 1e3,
        bytes / records.len().max(1),
        group.as_secs_f64() * 1e3
    )?;
    // A look at the strongest joins, spelled out.
    let index_of: HashMap<&str, usize> =
        ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    for story in grouping.stories.iter().filter(|s| !s.joins.is_empty()).take(3) {
        let join = &story.joins[0];
        if let Some(&a) = index_of.get(join.documents[0].as_str()) {
            let title = records[a].get("title").and_then(Value::as_str);
            let names = surface_words(title, &str_of(&records[a], "text"), &join.shared.names);
            let names: Vec<&str> = names.iter().map(|(_, w)| w.as_str()).collect();
            writeln!(
                err,
                "  {} + {}: score {:.2}, names {:?}, numbers {:?}",
                join.documents[0], join.documents[1], join.score.score, names, join.shared.numbers
            )?;
        }
    }

    let mut out = BufWriter::new(std::fs::File::create(&output)?);
    for (i, r) in records.iter().enumerate() {
        let story = grouping.story(i).map(|s| s.id.clone());
        let rec = json!({"id": ids[i], "cluster": clusters[i], "story": story, "meta": {"language": r.pointer("/meta/language")}});
        writeln!(out, "{rec}")?;
    }
    out.flush()?;

    if let Some(path) = pairs_path {
        // Pair scores under the weights group_stories used: one document per cluster. The
        // cleaned dev records are singletons but for verbatim copies, so all article records
        // are counted here, which is the same batch.
        let articles: Vec<&StoryEvidence> =
            docs.iter().filter(|d| !d.is_non_article).map(|d| d.evidence).collect();
        let weights = KeyWeights::from_evidence(articles);
        let verifier = StoryVerifier::new(&weights);
        let mut stdout = std::io::stdout().lock();
        for line in std::io::BufReader::new(std::fs::File::open(&path)?).lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let pair: Value = serde_json::from_str(&line)?;
            let (Some(&a), Some(&b)) = (
                index_of.get(str_of(&pair, "a").as_str()),
                index_of.get(str_of(&pair, "b").as_str()),
            ) else {
                continue;
            };
            let non_article = docs[a].is_non_article || docs[b].is_non_article;
            let score = verifier.score(&evidence[a], &evidence[b]);
            writeln!(
                stdout,
                "{}",
                json!({"a": ids[a], "b": ids[b], "same": pair.get("same"), "lang": pair.get("lang"),
                       "non_article": non_article, "score": score})
            )?;
        }
    }
    Ok(())
}

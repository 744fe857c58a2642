//! The pages the text-cleaner bench runs on, shared by `benches/clean.rs` and
//! `examples/throughput.rs` (`--corpora`): every case page of `corpora/clean/**/*.toml`,
//! repeated with its digits shifted per round until the batch passes [`TARGET_BYTES`].

use std::path::Path;

use clean_news::Document;

/// At least this many bytes of pages per batch.
pub(crate) const TARGET_BYTES: usize = 10 * 1024 * 1024;

#[derive(serde::Deserialize)]
struct CaseFile {
    #[serde(default)]
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    text: String,
}

fn case_texts(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            case_texts(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if let Ok(file) = toml::from_str::<CaseFile>(&text) {
                out.extend(file.case.into_iter().map(|c| c.text));
            }
        }
    }
}

/// The pages of the batch: the corpus pages, repeated with every digit shifted per round so
/// that no two copies are the same text. Empty when the corpus is missing.
pub(crate) fn batch() -> Vec<Document> {
    let mut texts = Vec::new();
    case_texts(&Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/clean"), &mut texts);
    if texts.is_empty() {
        return Vec::new();
    }
    let mut docs = Vec::new();
    let mut bytes = 0;
    let mut round = 0u32;
    while bytes < TARGET_BYTES {
        for text in &texts {
            let varied: String = text
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => char::from_digit((d + round) % 10, 10).unwrap_or(c),
                    None => c,
                })
                .collect();
            bytes += varied.len();
            docs.push(Document::text(format!("{round}-{}", docs.len()), varied));
        }
        round += 1;
    }
    docs
}

/// At least [`TARGET_BYTES`] of generated news pages (`clean_news_synth`: site templates
/// around stories of news length, the shape of the dev set), the load a scraper puts on the
/// cleaner.
#[allow(dead_code)] // not every includer runs both batches
pub(crate) fn news_pages() -> Vec<Document> {
    use clean_news_synth::{Corpus, SynthConfig};
    let mut docs = Vec::new();
    let mut bytes = 0;
    for (doc, _) in Corpus::generate(&SynthConfig { docs: 100_000, ..SynthConfig::default() }) {
        bytes += doc.body.len();
        docs.push(doc);
        if bytes >= TARGET_BYTES {
            break;
        }
    }
    docs
}

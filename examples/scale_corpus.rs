//! Writes a scale corpus: `N` word-permuted copies of a labelled set in the format of
//! `bbc-repost-dev` (`docs.jsonl`, `gold.jsonl`, `hard_negatives.jsonl`), for measuring the
//! main job at 100,000 documents (24 copies of the dev set) or a million (240).
//!
//! ```text
//! cargo run --release --example scale_corpus -- --from DEV_SET_DIR --copies 24 --out target/scale-100k
//! ```
//!
//! Copy `k` maps every word of a page (url, site, title, text) through a bijection of the
//! set's vocabulary drawn from `--seed` and `k`, so the copies are different stories with the
//! same structure: the same clusters, the same transforms, the same site templates (on
//! other sites: the site names are words too), the same related-story pairs. What a copy keeps:
//!
//! - **case shape**: a word is mapped in lower case and printed as the original was (all
//!   upper case, capitalised, or lower case);
//! - **lengths**: a word maps to a word of the same length in characters, so line lengths,
//!   word counts and page sizes are the original's;
//! - **everything that is not a letter**: digits, punctuation, spaces and line breaks, and
//!   the `published` times.
//!
//! Copy 0 is the original set, unchanged. Copy `k > 0` gives ids and gold clusters a `~k`
//! suffix (`d00001~3`, `c00937~3`), and its hard-negative pairs name its own documents.
//! Copies are written one after another, each in the set's order. The output depends on
//! the input, `--copies` and `--seed` alone.
//!
//! Options: `--from DIR` (required), `--out DIR` (required; created), `--copies N`
//! (default 24), `--seed S` (default 19).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Map, Value};

/// The fields of a page that are mapped word by word; the others are copied.
const MAPPED_FIELDS: [&str; 4] = ["url", "site", "title", "text"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut from: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut copies: u32 = 24;
    let mut seed: u64 = 19;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--from" => from = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--copies" => copies = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "-h" | "--help" => {
                println!(
                    "scale_corpus --from DIR --out DIR [--copies N] [--seed S]\n\
                     Writes N word-permuted copies of a bbc-repost-dev style set."
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let (Some(from), Some(out)) = (from, out) else {
        return Err("--from DIR and --out DIR are required".into());
    };
    if copies == 0 {
        return Err("--copies must be at least 1".into());
    }
    let started = Instant::now();
    let docs = read_jsonl(&from.join("docs.jsonl"))?;
    let gold = read_jsonl(&from.join("gold.jsonl"))?;
    let negatives = read_jsonl(&from.join("hard_negatives.jsonl"))?;
    let vocabulary = Vocabulary::of(&docs);
    std::fs::create_dir_all(&out)?;
    let mut docs_out = BufWriter::with_capacity(1 << 20, File::create(out.join("docs.jsonl"))?);
    let mut gold_out = BufWriter::new(File::create(out.join("gold.jsonl"))?);
    let mut negatives_out = BufWriter::new(File::create(out.join("hard_negatives.jsonl"))?);
    for k in 0..copies {
        let mapping = (k > 0).then(|| vocabulary.bijection(seed, k));
        for doc in &docs {
            let mut doc = doc.clone();
            if let Some(mapping) = &mapping {
                for field in MAPPED_FIELDS {
                    if let Some(Value::String(s)) = doc.get_mut(field) {
                        *s = map_words(s, mapping);
                    }
                }
                suffix(&mut doc, "id", k);
            }
            writeln!(docs_out, "{}", Value::Object(doc))?;
        }
        for line in &gold {
            let mut line = line.clone();
            if k > 0 {
                suffix(&mut line, "id", k);
                suffix(&mut line, "cluster", k);
            }
            writeln!(gold_out, "{}", Value::Object(line))?;
        }
        for pair in &negatives {
            let mut pair = pair.clone();
            if k > 0 {
                suffix(&mut pair, "a", k);
                suffix(&mut pair, "b", k);
            }
            writeln!(negatives_out, "{}", Value::Object(pair))?;
        }
    }
    docs_out.flush()?;
    gold_out.flush()?;
    negatives_out.flush()?;
    eprintln!(
        "{} documents ({} copies of {}, vocabulary {} words) in {:.1} s",
        docs.len() as u64 * u64::from(copies),
        copies,
        docs.len(),
        vocabulary.words,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn read_jsonl(path: &Path) -> Result<Vec<Map<String, Value>>, Box<dyn std::error::Error>> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut records = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line)? {
            Value::Object(map) => records.push(map),
            _ => return Err(format!("{}: a line is not an object", path.display()).into()),
        }
    }
    Ok(records)
}

/// Appends `~k` to a string field.
fn suffix(record: &mut Map<String, Value>, field: &str, k: u32) {
    if let Some(Value::String(s)) = record.get_mut(field) {
        s.push('~');
        s.push_str(&k.to_string());
    }
}

/// The set's words in lower case, grouped by length in characters (a bijection maps a word
/// to one of its own length) and sorted, so that a seed always draws the same mapping.
struct Vocabulary {
    by_length: BTreeMap<usize, Vec<String>>,
    words: usize,
}

impl Vocabulary {
    fn of(docs: &[Map<String, Value>]) -> Vocabulary {
        let mut set: BTreeSet<String> = BTreeSet::new();
        for doc in docs {
            for field in MAPPED_FIELDS {
                if let Some(Value::String(s)) = doc.get(field) {
                    for word in words(s) {
                        set.insert(word.to_lowercase());
                    }
                }
            }
        }
        let words = set.len();
        let mut by_length: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        for word in set {
            by_length.entry(word.chars().count()).or_default().push(word);
        }
        Vocabulary { by_length, words }
    }

    /// The mapping of copy `k`: within each length, a shuffle drawn from `seed` and `k`.
    fn bijection(&self, seed: u64, k: u32) -> HashMap<String, String> {
        let mut rng = SplitMix64(seed ^ u64::from(k).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut mapping = HashMap::with_capacity(self.words);
        for group in self.by_length.values() {
            let mut image = group.clone();
            // Fisher–Yates.
            for i in (1..image.len()).rev() {
                let j = (rng.next() % (i as u64 + 1)) as usize;
                image.swap(i, j);
            }
            mapping.extend(group.iter().cloned().zip(image));
        }
        mapping
    }
}

/// The words of `s`: maximal runs of letters.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty())
}

/// `s` with every word mapped, printed in the original's case shape.
fn map_words(s: &str, mapping: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let lower = word.to_lowercase();
        let image = mapping.get(&lower).map_or(lower.as_str(), String::as_str);
        let mut chars = word.chars();
        let first_upper = chars.next().is_some_and(char::is_uppercase);
        let all_upper = first_upper && word.chars().count() > 1 && chars.all(char::is_uppercase);
        if all_upper {
            out.push_str(&image.to_uppercase());
        } else if first_upper {
            let mut image_chars = image.chars();
            if let Some(c) = image_chars.next() {
                out.extend(c.to_uppercase());
                out.push_str(image_chars.as_str());
            }
        } else {
            out.push_str(image);
        }
        word.clear();
    };
    for c in s.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// A small deterministic generator (no dependency for a shuffle).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_shape_digits_and_punctuation_survive() {
        let mapping: HashMap<String, String> = [("bbc", "xyz"), ("news", "soup"), ("said", "told")]
            .into_iter()
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect();
        assert_eq!(map_words("BBC News, 2005: said.", &mapping), "XYZ Soup, 2005: told.");
    }

    #[test]
    fn a_bijection_keeps_lengths_and_is_one_to_one() {
        let doc: Map<String, Value> =
            serde_json::from_str(r#"{"text":"alpha beta gamma delta at on in we"}"#).unwrap();
        let vocabulary = Vocabulary::of(&[doc]);
        let mapping = vocabulary.bijection(7, 1);
        let images: BTreeSet<&String> = mapping.values().collect();
        assert_eq!(images.len(), mapping.len());
        assert!(mapping.iter().all(|(a, b)| a.chars().count() == b.chars().count()));
        assert_eq!(mapping, vocabulary.bijection(7, 1));
    }
}

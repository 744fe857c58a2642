//! Scores HTML extraction on a labelled set and times it (one thread), until
//! `clean-news eval extraction` is wired:
//!
//! ```text
//! cargo run --release --example eval_extraction -- trafilatura-eval target/eval-data --out pred.jsonl
//! cargo run --release --example eval_extraction -- daniel target/eval-data --lang ru
//! ```
//!
//! `--out` writes the predictions as JSON Lines (`{"id", "text"}`), which the shared
//! reference scorer reads too. `--per-page` lists the pages that missed or leaked.
//! `--extract-only` scores the HTML extractor without the text cleaner after it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use clean_news::Cleaner;
use clean_news::eval::extraction::{
    LabelledSet, Scores, SetKind, run, run_with, write_predictions,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().nth(1).as_deref() == Some("page") {
        let bytes =
            std::fs::read(std::env::args().nth(2).ok_or("usage: eval_extraction page FILE")?)?;
        let page = clean_news::clean::html::extract_bytes(&bytes);
        println!("{:#?}\n{}", page.meta, page.text);
        return Ok(());
    }
    let usage = "usage: eval_extraction <trafilatura-eval|daniel> DATA_DIR [--out PRED.jsonl] [--lang LANG] [--per-page] [--extract-only]";
    let mut args = std::env::args().skip(1);
    let kind: SetKind = args.next().ok_or(usage)?.parse()?;
    let dir = std::path::PathBuf::from(args.next().ok_or(usage)?);
    let (mut out, mut lang, mut per_page, mut extract_only) = (None, None, false, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = Some(args.next().ok_or(usage)?),
            "--lang" => lang = Some(args.next().ok_or(usage)?),
            "--per-page" => per_page = true,
            "--extract-only" => extract_only = true,
            _ => return Err(usage.into()),
        }
    }
    let set = LabelledSet::load(kind, &dir, lang.as_deref())?;
    let cleaner = Cleaner::builder().build()?;
    let outcome = if extract_only {
        run_with(&set, |_, bytes| {
            let page = clean_news::clean::html::extract_bytes(bytes);
            match page.meta.title {
                Some(title) => format!("{title}\n{}", page.text),
                None => page.text,
            }
        })?
    } else {
        run(&cleaner, &set)?
    };
    if let Some(path) = out {
        std::fs::write(path, write_predictions(&outcome.predictions))?;
    }
    let scores = set.score(&outcome.predictions);
    if per_page {
        if let Scores::Snippets(s) = &scores {
            for p in s.pages.iter().filter(|p| !p.missed.is_empty() || !p.leaked.is_empty()) {
                println!("{}", p.id);
                for m in &p.missed {
                    println!("  missed:  {}", m.chars().take(100).collect::<String>());
                }
                for l in &p.leaked {
                    println!("  leaked:  {}", l.chars().take(100).collect::<String>());
                }
            }
        }
        if let Scores::Tokens(t) = &scores {
            for p in &t.pages {
                let (pr, r, f1) = p.prf();
                println!("{}\t{}\tP={pr:.3} R={r:.3} F1={f1:.3}", p.id, p.language);
            }
        }
    }
    println!("{scores}");
    println!("{}", outcome.summary_line(kind, &scores));
    Ok(())
}

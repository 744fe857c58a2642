//! `clean-news eval clusters`, `clean-news eval extraction` and `clean-news eval pairs`: load,
//! score, print.

#![allow(clippy::print_stdout)] // the scores are this command's output

use std::io::Write;

use anyhow::Context;
use clean_news::Cleaner;
use clean_news::eval;
use clean_news::eval::extraction::{LabelledSet, SetKind};
use clean_news::eval::{
    ClusterGold, ClusterPrediction, ClusterThresholds, PairGold, PairPrediction, score_clusters,
    score_pairs,
};

use super::Status;
use super::args::{EvalClustersArgs, EvalExtractionArgs, EvalPairsArgs};

/// Scores a clustering.
pub(crate) fn clusters(args: &EvalClustersArgs) -> anyhow::Result<Status> {
    let gold = ClusterGold::read(&args.gold)?;
    let prediction = ClusterPrediction::read(&args.prediction, &gold)?;
    let report = score_clusters(&gold, &prediction);
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        write!(out, "{}", report.to_text())?;
    }
    writeln!(out, "{}", report.summary())?;
    Ok(if args.check && !report.passes(&ClusterThresholds::default()) {
        Status::Failed
    } else {
        Status::Success
    })
}

/// Extracts, cleans and scores a labelled HTML set.
pub(crate) fn extraction(args: &EvalExtractionArgs) -> anyhow::Result<Status> {
    let kind: SetKind = args.set.parse()?;
    let set = LabelledSet::load(kind, &args.dir, args.lang.as_deref())?;
    let cleaner = Cleaner::builder().build().context("cannot build the cleaner")?;
    let outcome = eval::extraction::run(&cleaner, &set)?;
    if let Some(path) = &args.out {
        std::fs::write(path, eval::extraction::write_predictions(&outcome.predictions))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let scores = set.score(&outcome.predictions);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{scores}")?;
    writeln!(out, "{}", outcome.summary_line(kind, &scores))?;
    Ok(Status::Success)
}

/// Scores a grouping on labelled same-story pairs, printing what score_pairs.py prints.
pub(crate) fn pairs(args: &EvalPairsArgs) -> anyhow::Result<Status> {
    let mut gold = PairGold::read(&args.gold)?;
    if let Some(lang) = &args.lang {
        gold = gold.only_lang(lang);
    }
    let prediction = PairPrediction::read(&args.prediction, args.field.as_deref())?;
    let report = score_pairs(&gold, &prediction);
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", report.to_json())?;
    }
    write!(out, "{}", report.to_text())?;
    Ok(Status::Success)
}

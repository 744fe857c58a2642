//! Scores against labelled sets: the library half of `clean-news eval`.
//!
//! Each score is computed exactly as the reference scorer of the shared data computes it, and
//! a test runs both on the same input: a number printed by `clean-news eval` and a number
//! printed by the scorer are the same number, so our figures can be set beside a peer's.
//!
//! - `clusters`: a clustering against a near-duplicate gold set (`score_clusters.py`):
//!   pairwise precision and recall, ARI, B-cubed, hard negatives merged, recall per
//!   transform.
//! - [`extraction`]: HTML extraction against the trafilatura-eval and DAnIEL sets
//!   (`score_extraction.py`): snippet precision and recall, bag-of-tokens F per language.
//! - `pairs`: a grouping (`story`, else `cluster`) against labelled same-story pairs
//!   (`score_pairs.py`): recall, false merges, precision, F1.

use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use crate::Error;

mod clusters;
pub mod extraction;
mod pairs;

pub use clusters::{
    ClusterGold, ClusterPrediction, ClusterReport, ClusterThresholds, HardNegativeScore,
    HardNegatives, TransformRecall, score_clusters,
};
pub use pairs::{PairGold, PairPrediction, PairReport, score_pairs};

/// Calls `each(line number, row)` for every non-blank line of a JSON Lines file, a line at a
/// time: a run's `documents.jsonl` of a million documents (4 GB) is scored without holding it.
fn for_each_row(
    path: &Path,
    mut each: impl FnMut(usize, Value) -> Result<(), Error>,
) -> Result<(), Error> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(Some(path.to_path_buf()), "cannot read", e))?;
    let mut reader = std::io::BufReader::new(file);
    let mut line = String::new();
    for n in 1usize.. {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .map_err(|e| Error::io(Some(path.to_path_buf()), "cannot read", e))?;
        if read == 0 {
            break;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let row: Value = serde_json::from_str(trimmed).map_err(|e| {
            Error::parse(format!("{}:{n}", path.display()), format!("not JSON: {e}"))
        })?;
        each(n, row)?;
    }
    Ok(())
}

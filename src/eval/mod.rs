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

mod clusters;
pub mod extraction;
mod pairs;

pub use clusters::{
    ClusterGold, ClusterPrediction, ClusterReport, ClusterThresholds, HardNegativeScore,
    HardNegatives, TransformRecall, score_clusters,
};
pub use pairs::{PairGold, PairPrediction, PairReport, score_pairs};

//! Grouping repost clusters into stories.
//!
//! The unit is the repost cluster, not the document: every cluster gets one representative
//! (its article member with the most word keys, ties to the smallest id), and stories are
//! unions of clusters. So documents of one cluster always share a story, and fifty copies of
//! one wire text count once, both in the word frequencies (their words do not look common) and
//! in the candidate lists (they do not fill a list by themselves).
//!
//! Steps: frequencies over the representatives ([`KeyWeights`]); candidate pairs
//! ([`super::candidates`]); the verifier on each pair, in parallel, one document's pairs a
//! task; then the accepted pairs, strongest first (ties by the documents' ids), join their
//! clusters in a union-find, and each join that merged two stories is kept as evidence.
//!
//! Union is transitive: A joined to B and B to C put A and C in one story. On `rewrites-dev`,
//! grouping all 2,113 documents (not only the labelled pairs) costs nothing measurable: at
//! `min_score` 1.0 the labelled pairs scoring above it directly are 135 same-story and 17
//! different-story pairs, the stories group 137 and 16; at 0.6, 221 and 41 against 221 and
//! 39; at 1.6, 56 and 3 against 57 and 3. Of the 152 pairs scoring 1.0 or more directly,
//! 2 (both scoring under 1.04) end in different stories: missed by the candidates or just
//! under the threshold with one document a cluster in the frequencies.
//!
//! Determinism: the result depends on the set of `(id, cluster, evidence)`, not on its order
//! or on the thread count. Frequencies are counted by sorting, candidates are sets, each score
//! is summed in key order, edges are sorted with ids breaking ties, and a story is named by
//! its smallest cluster id.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::candidates::Candidates;
use super::evidence::StoryEvidence;
use super::verify::{PairScore, Prepared, SharedEvidence, score_prepared, shared_prepared};
use super::weights::KeyWeights;

/// How stories are grouped. Written down by users (config files), so every field has a
/// default and unknown fields are errors.
///
/// # Example
///
/// ```
/// use clean_news::story::StoryConfig;
///
/// let more_recall = StoryConfig { min_score: 1.0, ..StoryConfig::default() };
/// assert_eq!(more_recall.window_days, 3);
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoryConfig {
    /// The verifier's score two documents need to be one story (default 1.6; the score runs
    /// from 0 to 4). The default is the threshold that cross-validation on `rewrites-dev`
    /// chose for precision 0.95 (1.59 and 1.63 on the two halves): a false merge is worse
    /// than a missed one. Grouped by `story` there: 1.6 gives precision 0.950 at recall 0.173;
    /// 1.0 gives 0.895 at 0.416; 0.6 gives 0.850 at 0.672.
    pub min_score: f32,
    /// Documents published more than this many days apart are never one story, when both
    /// have a date (default 3: a story lives days, not months).
    pub window_days: u32,
    /// Rarest word keys a document looks up for candidates (default 8).
    pub rare_keys: usize,
    /// Keys held by more documents than this have no candidate list (default 32): a
    /// document meets at most `rare_keys × max_postings` others.
    pub max_postings: u32,
}

impl Default for StoryConfig {
    fn default() -> Self {
        Self { min_score: 1.6, window_days: 3, rare_keys: 8, max_postings: 32 }
    }
}

/// One document to group: its id, its repost cluster, its evidence, and whether it is an
/// article at all.
#[derive(Debug, Clone, Copy)]
pub struct StoryDocument<'a> {
    /// The document's id (breaks ties, names the documents of a join).
    pub id: &'a str,
    /// Its repost cluster: documents of one cluster always share a story.
    pub cluster: &'a str,
    /// Its evidence.
    pub evidence: &'a StoryEvidence,
    /// A cookie wall, paywall or block page (`meta.non_article`): it gives no evidence and
    /// joins nothing by itself.
    pub is_non_article: bool,
}

/// One story: its clusters and what joined them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    /// The story's id: its smallest cluster id (so a story of one cluster has its id).
    pub id: String,
    /// Its clusters, ascending.
    pub clusters: Vec<String>,
    /// The pairs that joined its clusters, in the order they were joined (strongest first):
    /// one fewer than its clusters.
    pub joins: Vec<StoryJoin>,
}

/// Two clusters joined into one story, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryJoin {
    /// The two clusters joined (in id order).
    pub clusters: [String; 2],
    /// The documents compared, one of each cluster (in the order of `clusters`).
    pub documents: [String; 2],
    /// How they compared.
    pub score: PairScore,
    /// The evidence they share (keys: see [`super::surface_words`] to spell them).
    pub shared: SharedEvidence,
}

/// Stories of a batch: one per document, and each story's clusters and joins.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryGrouping {
    /// Per input document, in input order, the index of its story in `stories`.
    pub story_of: Vec<usize>,
    /// The stories, ascending by id.
    pub stories: Vec<Story>,
}

impl StoryGrouping {
    /// The story of input document `i`.
    pub fn story(&self, i: usize) -> Option<&Story> {
        self.stories.get(*self.story_of.get(i)?)
    }
}

/// Groups a batch of documents into stories.
///
/// # Example: a rewrite joins, a different event stays apart
///
/// ```
/// use clean_news::story::{StoryDocument, StoryEvidence, StoryConfig, group_stories};
///
/// let texts = [
///     ("a", "c1", "Ferry runs aground off Hvar, 37 passengers rescued",
///      "A passenger ferry ran aground off the island of Hvar on Sunday evening. The coast guard \
///       rescued all 37 passengers; the captain blamed a steering failure."),
///     ("b", "c2", "Steering failure: ferry aground near Hvar",
///      "All 37 passengers of a ferry that ran aground near Hvar on Sunday evening were rescued \
///       by the coast guard. The captain said the steering failed."),
///     ("c", "c3", "Hvar tourist season opens with record bookings",
///      "Hotels on the island of Hvar report record bookings, the tourist board said on Sunday."),
/// ];
/// let evidence: Vec<StoryEvidence> =
///     texts.iter().map(|(_, _, t, x)| StoryEvidence::from_text(Some(t), x, None)).collect();
/// let docs: Vec<StoryDocument> = texts
///     .iter()
///     .zip(&evidence)
///     .map(|((id, c, _, _), e)| StoryDocument { id, cluster: c, evidence: e, is_non_article: false })
///     .collect();
/// let stories = group_stories(&docs, &StoryConfig::default());
/// assert_eq!(stories.story_of[0], stories.story_of[1]);
/// assert_ne!(stories.story_of[0], stories.story_of[2]);
/// let story = stories.story(0).unwrap();
/// assert_eq!(story.clusters, ["c1", "c2"]);
/// assert_eq!(story.joins[0].shared.numbers, [37]);
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn group_stories(docs: &[StoryDocument<'_>], config: &StoryConfig) -> StoryGrouping {
    // Clusters, by id.
    let mut cluster_names: Vec<&str> = docs.iter().map(|d| d.cluster).collect();
    cluster_names.sort_unstable();
    cluster_names.dedup();
    let cluster_index = |name: &str| cluster_names.binary_search(&name).unwrap_or(0);
    let doc_cluster: Vec<usize> = docs.iter().map(|d| cluster_index(d.cluster)).collect();

    // One representative per cluster: the article member with the most keys, then smallest id.
    let mut representative: Vec<Option<usize>> = vec![None; cluster_names.len()];
    for (i, d) in docs.iter().enumerate() {
        if d.is_non_article || d.evidence.is_empty() {
            continue;
        }
        let slot = &mut representative[doc_cluster[i]];
        let better = match *slot {
            None => true,
            Some(r) => {
                let (cur, new) = (docs[r].evidence.word_count(), d.evidence.word_count());
                new > cur || (new == cur && d.id < docs[r].id)
            }
        };
        if better {
            *slot = Some(i);
        }
    }
    let reps: Vec<usize> = representative.iter().flatten().copied().collect();
    let rep_evidence: Vec<&StoryEvidence> = reps.iter().map(|&i| docs[i].evidence).collect();

    let weights = KeyWeights::from_evidence(rep_evidence.iter().copied());
    let candidates =
        Candidates::build(&rep_evidence, &weights, config.rare_keys, config.max_postings);
    let prepared: Vec<Prepared<'_>> =
        rep_evidence.par_iter().map(|e| Prepared::new(e, &weights)).collect();

    // Verify every candidate pair; keep the accepted ones.
    let within_window =
        |a: &StoryEvidence, b: &StoryEvidence| match (a.published_day(), b.published_day()) {
            (Some(x), Some(y)) => x.abs_diff(y) <= config.window_days,
            _ => true,
        };
    let mut edges: Vec<(PairScore, usize, usize)> = (0..reps.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            let (prepared, candidates, rep_evidence) = (&prepared, &candidates, &rep_evidence);
            candidates.owned_by(i, rep_evidence).into_iter().filter_map(move |j| {
                let (a, b) = (prepared.get(i)?, prepared.get(j)?);
                if !within_window(a.evidence, b.evidence) {
                    return None;
                }
                let score = score_prepared(a, b);
                (score.score >= config.min_score).then_some((score, i, j))
            })
        })
        .collect();
    // Strongest first; equal scores by the ids of the two documents, smaller pair first.
    let ids = |i: usize, j: usize| {
        let (a, b) = (docs[reps[i]].id, docs[reps[j]].id);
        if a <= b { (a, b) } else { (b, a) }
    };
    edges.sort_by(|x, y| {
        y.0.score.total_cmp(&x.0.score).then_with(|| ids(x.1, x.2).cmp(&ids(y.1, y.2)))
    });

    // Union of clusters, strongest evidence first.
    let mut parent: Vec<usize> = (0..cluster_names.len()).collect();
    let mut joins: Vec<(usize, StoryJoin)> = Vec::new();
    for (score, i, j) in edges {
        let (ci, cj) = (doc_cluster[reps[i]], doc_cluster[reps[j]]);
        let (ri, rj) = (find(&mut parent, ci), find(&mut parent, cj));
        if ri == rj {
            continue;
        }
        // The smaller cluster index (= smaller id) becomes the root: the story's name.
        let (root, child) = if ri < rj { (ri, rj) } else { (rj, ri) };
        parent[child] = root;
        let (first, second) = if ci <= cj { (i, j) } else { (j, i) };
        let shared = shared_prepared(&prepared[first], &prepared[second]);
        let join = StoryJoin {
            clusters: [
                cluster_names[doc_cluster[reps[first]]].to_string(),
                cluster_names[doc_cluster[reps[second]]].to_string(),
            ],
            documents: [docs[reps[first]].id.to_string(), docs[reps[second]].id.to_string()],
            score,
            shared,
        };
        joins.push((cluster_names.len(), join));
    }
    // Each join belongs to the story of its clusters (known once all unions are done).
    for (story, join) in &mut joins {
        *story = find(&mut parent, cluster_index(&join.clusters[0]));
    }

    // Stories: one per root, in root order (= smallest cluster id order).
    let roots: Vec<usize> = (0..cluster_names.len()).map(|c| find(&mut parent, c)).collect();
    let mut story_at: Vec<usize> = vec![usize::MAX; cluster_names.len()];
    let mut stories: Vec<Story> = Vec::new();
    for (c, &root) in roots.iter().enumerate() {
        if story_at[root] == usize::MAX {
            story_at[root] = stories.len();
            stories.push(Story {
                id: cluster_names[root].to_string(),
                clusters: Vec::new(),
                joins: Vec::new(),
            });
        }
        stories[story_at[root]].clusters.push(cluster_names[c].to_string());
    }
    for (root, join) in joins {
        if let Some(story) = story_at.get(root).and_then(|&s| stories.get_mut(s)) {
            story.joins.push(join);
        }
    }
    let story_of = doc_cluster.iter().map(|&c| story_at[roots[c]]).collect();
    StoryGrouping { story_of, stories }
}

/// The root of `x`, halving the path on the way.
fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(items: &[(&str, &str, &str, bool)]) -> StoryGrouping {
        let evidence: Vec<StoryEvidence> =
            items.iter().map(|(_, _, t, _)| StoryEvidence::from_text(None, t, None)).collect();
        let docs: Vec<StoryDocument<'_>> = items
            .iter()
            .zip(&evidence)
            .map(|((id, c, _, non), e)| StoryDocument {
                id,
                cluster: c,
                evidence: e,
                is_non_article: *non,
            })
            .collect();
        group_stories(&docs, &StoryConfig::default())
    }

    const QUAKE_A: &str = "Earthquake of magnitude 6.1 shakes Crete. The quake struck off Heraklion at \
        dawn; no injuries were reported, the fire service said.";
    const QUAKE_B: &str = "A magnitude 6.1 earthquake shook Crete at dawn. The fire service said no one \
        was injured when the quake struck off Heraklion.";

    #[test]
    fn empty_batch_gives_no_story() {
        let g = group_stories(&[], &StoryConfig::default());
        assert!(g.story_of.is_empty() && g.stories.is_empty());
    }

    #[test]
    fn rewrites_join_and_the_story_is_named_by_its_smallest_cluster() {
        let g = group(&[("a", "k2", QUAKE_A, false), ("b", "k1", QUAKE_B, false)]);
        assert_eq!(g.stories.len(), 1);
        assert_eq!(g.stories[0].id, "k1");
        assert_eq!(g.stories[0].clusters, ["k1", "k2"]);
        assert_eq!(g.stories[0].joins.len(), 1);
        assert_eq!(g.stories[0].joins[0].documents, ["b", "a"]);
    }

    #[test]
    fn non_articles_join_nothing_by_themselves() {
        let g = group(&[("a", "k1", QUAKE_A, true), ("b", "k2", QUAKE_B, false)]);
        assert_eq!(g.stories.len(), 2);
    }

    #[test]
    fn a_cluster_is_never_split() {
        let g = group(&[
            ("a", "k1", QUAKE_A, false),
            ("b", "k1", "Totally unrelated words about gardening tomatoes", false),
            ("c", "k2", QUAKE_B, false),
            ("d", "k1", "cookie consent banner", true),
        ]);
        let s = g.story_of[0];
        assert!(g.story_of.iter().all(|&x| x == s));
    }

    #[test]
    fn dates_far_apart_keep_stories_apart() {
        let a = StoryEvidence::from_text(None, QUAKE_A, Some("2026-01-01"));
        let b = StoryEvidence::from_text(None, QUAKE_B, Some("2026-02-01"));
        let c = StoryEvidence::from_text(None, QUAKE_B, Some("2026-01-03"));
        let mk = |id, cluster, e| StoryDocument { id, cluster, evidence: e, is_non_article: false };
        let g = group_stories(&[mk("a", "1", &a), mk("b", "2", &b)], &StoryConfig::default());
        assert_eq!(g.stories.len(), 2);
        let g = group_stories(&[mk("a", "1", &a), mk("c", "3", &c)], &StoryConfig::default());
        assert_eq!(g.stories.len(), 1);
    }
}

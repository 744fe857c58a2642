//! Scores a clustering against a near-duplicate gold set.
//!
//! [`score_clusters`] scores a clustering against a near-duplicate gold set such as
//! `../shared/data/neardup/bbc-repost-dev`, computing **exactly** what the reference scorer
//! `../shared/tools/score_clusters.py` computes (a test runs both and compares): pairwise
//! precision, recall and F1 over same-cluster document pairs, the adjusted Rand index,
//! B-cubed precision, recall and F1, hard-negative pairs merged per kind, and recall per
//! transform with the scorer's tie rules. [`ClusterReport::to_text`] prints the scorer's
//! text report line for line, [`ClusterReport::summary`] its `SUMMARY` line, and the report
//! serialises to the scorer's `--json` object.
//!
//! Inputs, as the scorer reads them:
//!
//! - the gold folder holds `gold.jsonl` (`{"id","cluster","transform",…}` per document) and,
//!   optionally, `hard_negatives.jsonl` (`{"a","b","kind"}`);
//! - the prediction is a `documents.jsonl` (`{"id","cluster"}`; a missing or null cluster is a
//!   singleton), a `clusters.jsonl` (`{"cluster","canonical","members":[{"id"}|"id"]}`), or a
//!   folder holding one of them (`documents.jsonl` first). Gold documents it does not list
//!   are singletons; ids the gold set does not know, and ids listed twice, are ignored and
//!   counted.
//!
//! Identifiers that are JSON numbers or other non-strings are compared by the text Python's
//! `str()` gives them, as the scorer does.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value;

use crate::Error;

/// A labelled near-duplicate set: the gold cluster and transform of every document, and the
/// pairs that must stay apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterGold {
    /// `(id, cluster, transform)` per document, in file order.
    documents: Vec<(String, String, String)>,
    /// `(a, b, kind)` per hard-negative pair, in file order.
    hard_negatives: Vec<(String, String, String)>,
}

/// A predicted clustering, as read against a gold set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterPrediction {
    /// Predicted cluster of every gold document.
    cluster_of: HashMap<String, String>,
    /// Listed ids the gold set does not know.
    unknown_ids: u64,
    /// Ids listed more than once (the first listing counts).
    repeated_ids: u64,
}

/// Everything [`score_clusters`] measures; serialises like `score_clusters.py --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterReport {
    /// Gold documents.
    pub documents: u64,
    /// Gold clusters.
    pub gold_clusters: u64,
    /// Predicted clusters among the gold documents.
    pub pred_clusters: u64,
    /// Share of predicted same-cluster pairs that are gold pairs.
    pub pair_precision: f64,
    /// Share of gold same-cluster pairs that are predicted.
    pub pair_recall: f64,
    /// Harmonic mean of the two.
    pub pair_f1: f64,
    /// Same-cluster pairs in the gold set.
    pub gold_pairs: u64,
    /// Same-cluster pairs in the prediction.
    pub pred_pairs: u64,
    /// Pairs in both.
    pub true_pairs: u64,
    /// Adjusted Rand index.
    pub ari: f64,
    /// B-cubed precision.
    pub bcubed_precision: f64,
    /// B-cubed recall.
    pub bcubed_recall: f64,
    /// B-cubed F1.
    pub bcubed_f1: f64,
    /// Hard negatives per kind, kinds in order of first appearance.
    pub hard_negatives: HardNegatives,
    /// Recall per transform, by transform name.
    pub recall_per_transform: BTreeMap<String, TransformRecall>,
    /// Listed ids the gold set does not know.
    pub pred_unknown_ids: u64,
    /// Ids listed more than once.
    pub pred_repeated_ids: u64,
}

/// Hard-negative figures per kind, in order of first appearance (a JSON object in that order).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HardNegatives(pub Vec<(String, HardNegativeScore)>);

impl Serialize for HardNegatives {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (kind, score) in &self.0 {
            map.serialize_entry(kind, score)?;
        }
        map.end()
    }
}

/// How many pairs of one hard-negative kind were merged.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HardNegativeScore {
    /// Pairs whose two documents are both in the gold set.
    pub pairs: u64,
    /// Pairs placed in one predicted cluster.
    pub merged: u64,
    /// Up to five merged pairs.
    pub examples: Vec<[String; 2]>,
    /// `merged / pairs` (0 without pairs).
    pub share: f64,
}

/// Recall of one transform: the share of its documents placed in their story's cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TransformRecall {
    /// Documents placed with their story (for `singleton`: left alone).
    pub recalled: u64,
    /// Documents of the transform.
    pub docs: u64,
    /// `recalled / docs`.
    pub recall: f64,
}

/// The limits `score_clusters.py --check` applies (its defaults are the issue's floor).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterThresholds {
    /// Lowest acceptable ARI. Default 0.97.
    pub min_ari: f64,
    /// Lowest acceptable pair precision. Default 0.995.
    pub min_precision: f64,
    /// Most `same_site_teaser` pairs merged. Default 10.
    pub max_teaser: u64,
    /// Most `related_story` pairs merged. Default 1.
    pub max_related: u64,
}

impl Default for ClusterThresholds {
    fn default() -> ClusterThresholds {
        ClusterThresholds { min_ari: 0.97, min_precision: 0.995, max_teaser: 10, max_related: 1 }
    }
}

/// The rows of a JSON Lines file, each cut down to the fields `keys`. The file is read a
/// line at a time: a run's `documents.jsonl` of a million documents (texts and removals, 4 GB)
/// is scored without holding it.
fn read_jsonl(path: &Path, keys: &[&str]) -> Result<Vec<Value>, Error> {
    let mut rows = Vec::new();
    super::for_each_row(path, |_, row| {
        rows.push(match row {
            Value::Object(mut fields) => {
                fields.retain(|key, _| keys.contains(&key.as_str()));
                Value::Object(fields)
            }
            other => other,
        });
        Ok(())
    })?;
    Ok(rows)
}

/// The text Python's `str()` gives a JSON value, as the reference scorer compares ids.
fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        other => other.to_string(),
    }
}

fn field(row: &Value, key: &str, path: &Path, n: usize) -> Result<String, Error> {
    row.get(key).map(py_str).ok_or_else(|| {
        Error::parse(format!("{}:{}", path.display(), n + 1), format!("no `{key}` field"))
    })
}

impl ClusterGold {
    /// Reads `gold.jsonl` and, if present, `hard_negatives.jsonl` from `dir`.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, a line that is not JSON, a row without `id` or `cluster`
    /// (gold) or `a` or `b` (hard negatives).
    pub fn read(dir: impl AsRef<Path>) -> Result<ClusterGold, Error> {
        let dir = dir.as_ref();
        let gold_path = dir.join("gold.jsonl");
        let mut documents = Vec::new();
        for (n, row) in read_jsonl(&gold_path, &["id", "cluster", "transform"])?.iter().enumerate()
        {
            let transform = row.get("transform").map_or_else(|| "unknown".to_owned(), py_str);
            documents.push((
                field(row, "id", &gold_path, n)?,
                field(row, "cluster", &gold_path, n)?,
                transform,
            ));
        }
        let hard_path = dir.join("hard_negatives.jsonl");
        let mut hard_negatives = Vec::new();
        if hard_path.exists() {
            for (n, row) in read_jsonl(&hard_path, &["a", "b", "kind"])?.iter().enumerate() {
                let kind = row.get("kind").map_or_else(|| "unknown".to_owned(), py_str);
                hard_negatives.push((
                    field(row, "a", &hard_path, n)?,
                    field(row, "b", &hard_path, n)?,
                    kind,
                ));
            }
        }
        Ok(ClusterGold { documents, hard_negatives })
    }

    /// The gold documents' ids, deduplicated (a later row of an id wins, as in the scorer).
    fn by_id(&self) -> HashMap<&str, (&str, &str)> {
        self.documents.iter().map(|(id, c, t)| (id.as_str(), (c.as_str(), t.as_str()))).collect()
    }
}

impl ClusterPrediction {
    /// Reads a prediction (see the module docs) against `gold`.
    ///
    /// # Errors
    ///
    /// A folder without `documents.jsonl` or `clusters.jsonl`, a file that cannot be read, a
    /// line that is not JSON or has neither `members` nor `id`.
    pub fn read(path: impl AsRef<Path>, gold: &ClusterGold) -> Result<ClusterPrediction, Error> {
        let mut path: PathBuf = path.as_ref().to_path_buf();
        if path.is_dir() {
            let found = ["documents.jsonl", "clusters.jsonl"]
                .iter()
                .map(|name| path.join(name))
                .find(|p| p.exists());
            path = found.ok_or_else(|| {
                Error::parse(
                    path.display().to_string(),
                    "holds neither documents.jsonl nor clusters.jsonl",
                )
            })?;
        }
        let known = gold.by_id();
        let mut pred = ClusterPrediction::default();
        let assign = |pred: &mut ClusterPrediction, id: String, cluster: String| {
            if !known.contains_key(id.as_str()) {
                pred.unknown_ids += 1;
                return;
            }
            match pred.cluster_of.entry(id) {
                std::collections::hash_map::Entry::Occupied(_) => pred.repeated_ids += 1,
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(format!("p:{cluster}"));
                }
            }
        };
        for (n, row) in
            read_jsonl(&path, &["members", "cluster", "canonical", "id"])?.iter().enumerate()
        {
            if let Some(members) = row.get("members") {
                let cluster = match row.get("cluster").or_else(|| row.get("canonical")) {
                    Some(v) => py_str(v),
                    None => (pred.cluster_of.len()).to_string(),
                };
                for member in members.as_array().into_iter().flatten() {
                    let id = match member {
                        Value::Object(m) => m.get("id").map(py_str).ok_or_else(|| {
                            Error::parse(
                                format!("{}:{}", path.display(), n + 1),
                                "a member has no `id`",
                            )
                        })?,
                        other => py_str(other),
                    };
                    assign(&mut pred, id, cluster.clone());
                }
            } else if let Some(id) = row.get("id") {
                let id = py_str(id);
                let cluster = match row.get("cluster") {
                    None | Some(Value::Null) => format!("single:{id}"),
                    Some(v) => py_str(v),
                };
                assign(&mut pred, id, cluster);
            } else {
                return Err(Error::parse(
                    path.display().to_string(),
                    "a line has neither 'members' nor 'id'",
                ));
            }
        }
        // Every gold document gets a cluster; the order of insertion does not matter.
        let mut unlisted: Vec<&str> = gold
            .documents
            .iter()
            .map(|(id, _, _)| id.as_str())
            .filter(|id| !pred.cluster_of.contains_key(*id))
            .collect();
        unlisted.dedup();
        for id in unlisted {
            pred.cluster_of.entry(id.to_owned()).or_insert_with(|| format!("single:{id}"));
        }
        Ok(pred)
    }
}

fn c2(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// Scores `pred` against `gold` (see the module docs).
///
/// # Example
///
/// ```
/// use clean_news::eval::{ClusterGold, ClusterPrediction, score_clusters};
///
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("gold.jsonl"),
///     "{\"id\":\"a\",\"cluster\":\"1\",\"transform\":\"verbatim\"}\n\
///      {\"id\":\"b\",\"cluster\":\"1\",\"transform\":\"truncated\"}\n\
///      {\"id\":\"c\",\"cluster\":\"2\",\"transform\":\"singleton\"}\n").unwrap();
/// let pred = dir.path().join("clusters.jsonl");
/// std::fs::write(&pred, "{\"cluster\":\"x\",\"canonical\":\"a\",\"members\":[{\"id\":\"a\"},{\"id\":\"b\"}]}\n").unwrap();
/// let gold = ClusterGold::read(dir.path())?;
/// let report = score_clusters(&gold, &ClusterPrediction::read(&pred, &gold)?);
/// assert_eq!(report.ari, 1.0);
/// assert!(report.summary().starts_with("SUMMARY ari=1.0000"));
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn score_clusters(gold: &ClusterGold, pred: &ClusterPrediction) -> ClusterReport {
    let by_id = gold.by_id();
    let mut ids: Vec<&str> = by_id.keys().copied().collect();
    ids.sort_unstable();
    let p_of = |id: &str| pred.cluster_of.get(id).map_or("", String::as_str);

    let mut cont: HashMap<(&str, &str), u64> = HashMap::new();
    let mut g_size: HashMap<&str, u64> = HashMap::new();
    let mut p_size: HashMap<&str, u64> = HashMap::new();
    for &id in &ids {
        let g = by_id[id].0;
        *cont.entry((g, p_of(id))).or_default() += 1;
        *g_size.entry(g).or_default() += 1;
        *p_size.entry(p_of(id)).or_default() += 1;
    }
    let n = ids.len() as u64;
    let (tp, gp, pp) = (
        cont.values().map(|&v| c2(v)).sum::<u64>(),
        g_size.values().map(|&v| c2(v)).sum::<u64>(),
        p_size.values().map(|&v| c2(v)).sum::<u64>(),
    );
    let prec = if pp > 0 { tp as f64 / pp as f64 } else { 1.0 };
    let rec = if gp > 0 { tp as f64 / gp as f64 } else { 1.0 };
    let f1 = if prec + rec > 0.0 { 2.0 * prec * rec / (prec + rec) } else { 0.0 };
    let total = c2(n);
    let expected = if total > 0 { gp as f64 * pp as f64 / total as f64 } else { 0.0 };
    let max = (gp + pp) as f64 / 2.0;
    #[allow(clippy::float_cmp)] // the scorer's own test: equal means the index is undefined
    let ari = if max != expected { (tp as f64 - expected) / (max - expected) } else { 1.0 };

    // B-cubed, summed in the gold file's id order like the scorer (dict order: first listing).
    let (mut bp, mut br) = (0.0, 0.0);
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for (id, _, _) in &gold.documents {
        if seen.insert(id.as_str(), ()).is_some() {
            continue;
        }
        let g = by_id[id.as_str()].0;
        let inter = cont[&(g, p_of(id))] as f64;
        bp += inter / p_size[p_of(id)] as f64;
        br += inter / g_size[g] as f64;
    }
    let (bp, br) = (ratio(bp, n as f64), ratio(br, n as f64));
    let bf = if bp + br > 0.0 { 2.0 * bp * br / (bp + br) } else { 0.0 };

    let mut hard: Vec<(String, HardNegativeScore)> = Vec::new();
    for (a, b, kind) in &gold.hard_negatives {
        let at = match hard.iter().position(|(k, _)| k == kind) {
            Some(at) => at,
            None => {
                hard.push((kind.clone(), HardNegativeScore::default()));
                hard.len() - 1
            }
        };
        let entry = &mut hard[at].1;
        if !by_id.contains_key(a.as_str()) || !by_id.contains_key(b.as_str()) {
            continue;
        }
        entry.pairs += 1;
        if p_of(a) == p_of(b) {
            entry.merged += 1;
            if entry.examples.len() < 5 {
                entry.examples.push([a.clone(), b.clone()]);
            }
        }
    }
    for (_, e) in &mut hard {
        e.share = ratio(e.merged as f64, e.pairs as f64);
    }

    // The story's cluster: the predicted cluster holding most of the gold cluster (ties: the
    // one holding the smallest id), if it holds at least two of them.
    let mut members: HashMap<&str, Vec<&str>> = HashMap::new();
    for &id in &ids {
        members.entry(by_id[id].0).or_default().push(id);
    }
    let mut main_cluster: HashMap<&str, Option<&str>> = HashMap::new();
    let mut gold_ids: Vec<&str> = members.keys().copied().collect();
    gold_ids.sort_unstable();
    for g in gold_ids {
        let mut count: HashMap<&str, (u64, &str)> = HashMap::new();
        for &id in &members[g] {
            count.entry(p_of(id)).or_insert((0, id)).0 += 1;
        }
        let mut options: Vec<(u64, &str, &str)> =
            count.iter().map(|(&p, &(c, first))| (c, first, p)).collect();
        options.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(y.1)));
        let best = options.first().filter(|o| o.0 >= 2).map(|o| o.2);
        main_cluster.insert(g, best);
    }
    let mut per_t: BTreeMap<String, TransformRecall> = BTreeMap::new();
    for &id in &ids {
        let (g, t) = by_id[id];
        let ok = if g_size[g] == 1 {
            p_size[p_of(id)] == 1
        } else {
            main_cluster.get(g).copied().flatten() == Some(p_of(id))
        };
        let e = per_t.entry(t.to_owned()).or_default();
        e.docs += 1;
        e.recalled += u64::from(ok);
    }
    for e in per_t.values_mut() {
        e.recall = ratio(e.recalled as f64, e.docs as f64);
    }

    ClusterReport {
        documents: n,
        gold_clusters: g_size.len() as u64,
        pred_clusters: p_size.len() as u64,
        pair_precision: prec,
        pair_recall: rec,
        pair_f1: f1,
        gold_pairs: gp,
        pred_pairs: pp,
        true_pairs: tp,
        ari,
        bcubed_precision: bp,
        bcubed_recall: br,
        bcubed_f1: bf,
        hard_negatives: HardNegatives(hard),
        recall_per_transform: per_t,
        pred_unknown_ids: pred.unknown_ids,
        pred_repeated_ids: pred.repeated_ids,
    }
}

impl ClusterReport {
    /// The one-line summary the scorer ends with (`SUMMARY ari=… pair_p=… …`).
    pub fn summary(&self) -> String {
        let mut out = format!(
            "SUMMARY ari={:.4} pair_p={:.4} pair_r={:.4} pair_f1={:.4} bcubed_f1={:.4}",
            self.ari, self.pair_precision, self.pair_recall, self.pair_f1, self.bcubed_f1
        );
        for (kind, e) in &self.hard_negatives.0 {
            out.push_str(&format!(" {kind}_merged={}/{}", e.merged, e.pairs));
        }
        out
    }

    /// The scorer's text report, summary line included, each line ending in `\n`.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "documents        {}  (gold clusters {}, predicted clusters {})\n",
            self.documents, self.gold_clusters, self.pred_clusters
        );
        if self.pred_unknown_ids > 0 || self.pred_repeated_ids > 0 {
            out.push_str(&format!(
                "warning          {} unknown ids ignored, {} repeated ids ignored\n",
                self.pred_unknown_ids, self.pred_repeated_ids
            ));
        }
        out.push_str(&format!(
            "pairwise         P {:.4}  R {:.4}  F1 {:.4}  (pred pairs {}, gold pairs {}, true {})\n",
            self.pair_precision,
            self.pair_recall,
            self.pair_f1,
            self.pred_pairs,
            self.gold_pairs,
            self.true_pairs
        ));
        out.push_str(&format!("ARI              {:.4}\n", self.ari));
        out.push_str(&format!(
            "B-cubed          P {:.4}  R {:.4}  F1 {:.4}\n",
            self.bcubed_precision, self.bcubed_recall, self.bcubed_f1
        ));
        for (kind, e) in &self.hard_negatives.0 {
            let examples = if e.examples.is_empty() {
                String::new()
            } else {
                let shown: Vec<String> =
                    e.examples.iter().take(3).map(|[a, b]| format!("{a}+{b}")).collect();
                format!("  e.g. {}", shown.join(" "))
            };
            out.push_str(&format!(
                "hard negatives   {kind:<18} merged {:>5} / {:>5}  ({:.2}%){examples}\n",
                e.merged,
                e.pairs,
                e.share * 100.0
            ));
        }
        out.push_str("recall per transform (singleton: share left alone)\n");
        for (t, e) in &self.recall_per_transform {
            out.push_str(&format!("  {t:<16} {:.4}  ({}/{})\n", e.recall, e.recalled, e.docs));
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// Whether the report meets `limits` (the scorer's `--check`).
    pub fn passes(&self, limits: &ClusterThresholds) -> bool {
        let merged = |kind: &str| {
            self.hard_negatives.0.iter().find(|(k, _)| k == kind).map_or(0, |(_, e)| e.merged)
        };
        self.ari >= limits.min_ari
            && self.pair_precision >= limits.min_precision
            && merged("same_site_teaser") <= limits.max_teaser
            && merged("related_story") <= limits.max_related
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_only_the_fields_scored_and_errors_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let text = "x".repeat(10_000);
        let record = format!(r#"{{"id": "a", "cluster": "c1", "text": "{text}", "removed": []}}"#);
        let path = write(dir.path(), "docs.jsonl", &[&record, "", r#"{"id": 7}"#]);
        let rows = read_jsonl(&path, &["id", "cluster"]).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], serde_json::json!({"id": "a", "cluster": "c1"}));
        assert_eq!(rows[1], serde_json::json!({"id": 7}));
        let bad = write(dir.path(), "bad.jsonl", &[r#"{"id": "a"}"#, "", "{not json"]);
        let err = read_jsonl(&bad, &["id"]).unwrap_err().to_string();
        assert!(err.contains("bad.jsonl:3"), "{err}");
    }

    fn write(dir: &Path, name: &str, lines: &[&str]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, lines.join("\n")).unwrap();
        path
    }

    #[test]
    fn a_perfect_prediction_scores_one() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "gold.jsonl",
            &[
                r#"{"id":"a","cluster":"g1","transform":"verbatim"}"#,
                r#"{"id":"b","cluster":"g1","transform":"truncated"}"#,
                r#"{"id":"c","cluster":"g2","transform":"singleton"}"#,
            ],
        );
        let pred = write(
            dir.path(),
            "documents.jsonl",
            &[
                r#"{"id":"a","cluster":"x"}"#,
                r#"{"id":"b","cluster":"x"}"#,
                r#"{"id":"c","cluster":null}"#,
            ],
        );
        let gold = ClusterGold::read(dir.path()).unwrap();
        let report = score_clusters(&gold, &ClusterPrediction::read(&pred, &gold).unwrap());
        assert_eq!((report.ari, report.pair_precision, report.bcubed_f1), (1.0, 1.0, 1.0));
        assert!(report.passes(&ClusterThresholds::default()));
        assert_eq!(report.recall_per_transform["singleton"].recall, 1.0);
    }

    #[test]
    fn a_folder_without_a_prediction_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "gold.jsonl", &[r#"{"id":"a","cluster":"g1"}"#]);
        let gold = ClusterGold::read(dir.path()).unwrap();
        let err = ClusterPrediction::read(dir.path(), &gold).unwrap_err();
        assert!(err.to_string().contains("neither"), "{err}");
    }

    #[test]
    fn bad_json_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "gold.jsonl", &[r#"{"id":"a","cluster":"g1"}"#, "{oops"]);
        let err = ClusterGold::read(dir.path()).unwrap_err();
        assert!(err.to_string().contains("gold.jsonl:2"), "{err}");
    }
}

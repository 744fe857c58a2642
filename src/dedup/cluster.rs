//! Step 8: clusters of reposts, without chaining.
//!
//! The obvious clustering, connected components of accepted edges (union-find, as text-dedup
//! and datatrove do), **chains**: a teaser shares a lead with story A, A's follow-up shares
//! half its text with A, the follow-up's teaser… and one cluster swallows a week of news. Here
//! a document joins a cluster only by an accepted edge **to the cluster's centre**:
//!
//! 1. Documents are taken in a fixed order: earliest published first (documents without a
//!    time after all dated ones), then the one with more shingles, then by id, then by input
//!    position.
//! 2. Each document looks at its accepted edges to documents that are already centres and
//!    joins the best one: highest containment, then highest Jaccard, then the earliest centre.
//! 3. A document with no such edge starts a cluster and becomes its centre.
//!
//! The centre is therefore the first document of its cluster in that order: the **canonical**
//! member is the earliest published, else the longest. Every member's scores are its scores
//! against the centre, so every member passed the accept rule against the canonical text
//! itself; two members may be further apart than that (a teaser and a light edit of one
//! story), but never by more than two accepted steps through the centre.
//!
//! # Stable ids
//!
//! A new cluster's id is 16 hex digits of the xxh3 hash of its canonical member's id (seed
//! [`CLUSTER_SEED`]): the same documents give the same ids in every run, on every machine,
//! whatever the input order or thread count. A cluster remembered from an earlier run (see
//! [`super::Prior`]) keeps the id it had.
//!
//! # Remembered documents
//!
//! Items may carry a [`super::Prior`] cluster from an earlier run (the index). A remembered
//! canonical member is a centre of its old cluster whatever its edges say, so new reposts can
//! join it; a remembered non-canonical member stays where it was and is never a centre. New
//! documents never move old ones: a new document published before an old centre joins that
//! centre's cluster instead of taking it over.
//!
//! # Cost
//!
//! Sequential, linear in documents plus accepted edges after one sort; it is a small share of a
//! run (the parallel steps before it do the work).

use std::cmp::{Ordering, Reverse};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::lsh::FoundBy;
use super::verify::{Edge, estimate_common, scores};
use super::{Item, Prior};

/// Seed of the hash that turns a canonical document id into a cluster id. Part of the format.
pub(crate) const CLUSTER_SEED: u64 = 0x636c_7573_7465_7221; // "cluster!"

/// The id of a cluster whose canonical member has id `canonical`.
pub(crate) fn cluster_id(canonical: &str) -> String {
    format!("{:016x}", xxh3_64_with_seed(canonical.as_bytes(), CLUSTER_SEED))
}

/// Every document's cluster, and every cluster with its canonical member and members.
///
/// Serialises as `{"clusters": [...]}`, clusters in input order of their canonical member;
/// singletons included.
///
/// # Example
///
/// ```
/// use clean_news::Cleaned;
/// use clean_news::dedup::Deduper;
///
/// let story = "Two high-speed lifts at the world's tallest building have been officially \
///              recognised as the planet's fastest, taking passengers up in 30 seconds.";
/// let docs: Vec<Cleaned> = ["a", "b", "c"]
///     .iter()
///     .map(|id| Cleaned { id: id.to_string(), text: story.into(), ..Cleaned::default() })
///     .chain([Cleaned { id: "d".into(), text: "Something else entirely.".into(), ..Cleaned::default() }])
///     .collect();
/// let clusters = Deduper::builder().build()?.cluster(&docs);
/// assert_eq!(clusters.id_of(0), clusters.id_of(2));
/// assert_ne!(clusters.id_of(0), clusters.id_of(3));
/// // One line per cluster of two or more, as the CLI writes clusters.jsonl.
/// for cluster in clusters.multi() {
///     let line = serde_json::to_string(cluster).unwrap();
///     assert!(line.starts_with(r#"{"cluster":""#));
/// }
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clusters {
    clusters: Vec<Cluster>,
    #[serde(skip)]
    of_doc: Vec<u32>,
}

/// One cluster: serialises as `{"cluster","canonical","members":[…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// The stable cluster id.
    #[serde(rename = "cluster")]
    pub id: String,
    /// The id of the canonical member (the centre).
    pub canonical: String,
    /// Every member, the canonical one first (scores 1.0), then in input order.
    pub members: Vec<Member>,
}

/// A member of a cluster, scored against the cluster's canonical member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// The document id.
    pub id: String,
    /// Jaccard similarity of its shingles to the canonical member's.
    pub jaccard: f64,
    /// Containment between its shingles and the canonical member's.
    pub containment: f64,
    /// The tables that proposed its pair with the canonical member (empty for the canonical
    /// member itself and for members remembered from an earlier run).
    pub found_by: FoundBy,
}

impl Clusters {
    /// Every cluster, singletons included, in input order of their canonical member.
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// The clusters of two documents or more.
    pub fn multi(&self) -> impl Iterator<Item = &Cluster> {
        self.clusters.iter().filter(|c| c.members.len() > 1)
    }

    /// The cluster of the document at input position `doc`.
    pub fn cluster_of(&self, doc: usize) -> Option<&Cluster> {
        self.clusters.get(*self.of_doc.get(doc)? as usize)
    }

    /// The cluster id of the document at input position `doc` (what `documents.jsonl` holds).
    pub fn id_of(&self, doc: usize) -> Option<&str> {
        self.cluster_of(doc).map(|c| c.id.as_str())
    }

    /// The number of documents clustered.
    pub fn documents(&self) -> usize {
        self.of_doc.len()
    }
}

/// The clustering order of `items`: positions in the input, earliest published first, then
/// most shingles, then id, then input position.
pub(crate) fn order(items: &[Item<'_>]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..u32::try_from(items.len()).unwrap_or(u32::MAX)).collect();
    order.sort_by(|&x, &y| {
        let (a, b) = (&items[x as usize], &items[y as usize]);
        let key =
            |i: &Item<'_>| (i.published.is_none(), i.published, Reverse(i.signature.shingle_count));
        key(a).cmp(&key(b)).then_with(|| a.id.cmp(b.id)).then(x.cmp(&y))
    });
    order
}

/// Builds the clusters from the accepted edges. `rank` is [`order`]; `edges` are in input
/// positions.
pub(crate) fn build(items: &[Item<'_>], rank_order: &[u32], edges: &[Edge]) -> Clusters {
    let n = items.len();
    let mut rank = vec![0u32; n];
    for (r, &i) in rank_order.iter().enumerate() {
        rank[i as usize] = u32::try_from(r).unwrap_or(u32::MAX);
    }
    // Accepted edges from each document's side: (its rank, the other's rank, edge index).
    let mut links: Vec<(u32, u32, usize)> = Vec::new();
    for (k, e) in edges.iter().enumerate().filter(|(_, e)| e.accepted) {
        let (ra, rb) = (rank[e.a], rank[e.b]);
        links.push((ra, rb, k));
        links.push((rb, ra, k));
    }
    links.sort_unstable();

    // The centre (an input position) of every document, and the edge that links it there.
    // Remembered canonical members are centres from the start, so a new document can join one
    // whatever their order; a new document becomes a centre when its turn comes.
    let mut centre: Vec<usize> = (0..n).collect();
    let mut via: Vec<Option<usize>> = vec![None; n];
    let mut is_centre: Vec<bool> =
        items.iter().map(|i| matches!(i.prior, Some(Prior { canonical: true, .. }))).collect();
    // Centres of remembered clusters, by cluster id.
    let mut prior_centre: HashMap<&str, usize> = HashMap::new();
    for &i in rank_order {
        if let Some(Prior { cluster, canonical: true }) = items[i as usize].prior {
            prior_centre.entry(cluster).or_insert(i as usize);
        }
    }

    let mut next = 0;
    for (r, &i) in rank_order.iter().enumerate() {
        let i = i as usize;
        let r = u32::try_from(r).unwrap_or(u32::MAX);
        let start = next;
        while next < links.len() && links[next].0 == r {
            next += 1;
        }
        match items[i].prior {
            Some(Prior { canonical: true, .. }) => {}
            Some(Prior { cluster, canonical: false }) => {
                if let Some(&c) = prior_centre.get(cluster) {
                    centre[i] = c;
                }
            }
            None => {
                let best = links[start..next]
                    .iter()
                    .filter(|&&(_, other, _)| is_centre[rank_order[other as usize] as usize])
                    .max_by(|x, y| better(&edges[x.2], &edges[y.2]).then(y.1.cmp(&x.1)));
                match best {
                    Some(&(_, other, k)) => {
                        centre[i] = rank_order[other as usize] as usize;
                        via[i] = Some(k);
                    }
                    None => is_centre[i] = true,
                }
            }
        }
    }

    assemble(items, &centre, &via, edges)
}

/// Orders two edges by how strongly they link: containment, then Jaccard.
fn better(x: &Edge, y: &Edge) -> Ordering {
    x.containment.total_cmp(&y.containment).then(x.jaccard.total_cmp(&y.jaccard))
}

fn assemble(
    items: &[Item<'_>],
    centre: &[usize],
    via: &[Option<usize>],
    edges: &[Edge],
) -> Clusters {
    let n = items.len();
    // Group members by their centre; a remembered member whose centre is not among the items
    // forms a group keyed by its remembered cluster id.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of_centre: HashMap<usize, usize> = HashMap::new();
    let mut group_of_prior: HashMap<&str, usize> = HashMap::new();
    let mut of_doc = vec![0u32; n];
    for i in 0..n {
        let c = centre[i];
        let orphan =
            c == i && !matches!(items[i].prior, Some(Prior { canonical: true, .. }) | None);
        let group = match (orphan, items[i].prior) {
            (true, Some(Prior { cluster, .. })) => {
                *group_of_prior.entry(cluster).or_insert_with(|| {
                    groups.push(Vec::new());
                    groups.len() - 1
                })
            }
            _ => *group_of_centre.entry(c).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            }),
        };
        groups[group].push(i);
        of_doc[i] = u32::try_from(group).unwrap_or(u32::MAX);
    }
    // Groups are created in input order of their first member; order them by their canonical
    // member's position instead (the centre, or the first member of an orphan group).
    let mut clusters: Vec<(usize, Cluster)> = groups
        .iter()
        .map(|members| {
            let first = members[0];
            let head = centre[first];
            let head_is_centre = centre[head] == head && members.contains(&head);
            let canonical = if head_is_centre { head } else { first };
            let id = match items[canonical].prior {
                Some(Prior { cluster, .. }) => cluster.to_owned(),
                None => cluster_id(items[canonical].id),
            };
            let mut list = Vec::with_capacity(members.len());
            list.push(Member {
                id: items[canonical].id.to_owned(),
                jaccard: 1.0,
                containment: 1.0,
                found_by: FoundBy::NONE,
            });
            for &m in members.iter().filter(|&&m| m != canonical) {
                let (jaccard, containment, found_by) = match via[m] {
                    Some(k) => (edges[k].jaccard, edges[k].containment, edges[k].found_by),
                    None => {
                        let (a, b) = (items[m].signature, items[canonical].signature);
                        let (j, c) = scores(
                            estimate_common(a, b),
                            a.shingle_count as usize,
                            b.shingle_count as usize,
                        );
                        (j, c, FoundBy::NONE)
                    }
                };
                list.push(Member { id: items[m].id.to_owned(), jaccard, containment, found_by });
            }
            (canonical, Cluster { id, canonical: items[canonical].id.to_owned(), members: list })
        })
        .collect();
    let mut position: Vec<usize> = (0..clusters.len()).collect();
    position.sort_by_key(|&g| clusters[g].0);
    let mut new_index = vec![0u32; clusters.len()];
    for (new, &old) in position.iter().enumerate() {
        new_index[old] = u32::try_from(new).unwrap_or(u32::MAX);
    }
    for g in &mut of_doc {
        *g = new_index[*g as usize];
    }
    let mut slots: Vec<Option<Cluster>> = clusters.drain(..).map(|(_, c)| Some(c)).collect();
    let clusters = position.iter().filter_map(|&old| slots[old].take()).collect();
    Clusters { clusters, of_doc }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::Signature;

    /// The example of `cluster_id`, a unit test now that the module is internal.
    #[test]
    fn example_of_cluster_id() {
        use crate::dedup::cluster::cluster_id;

        assert_eq!(cluster_id("d00001").len(), 16);
        assert_eq!(cluster_id("d00001"), cluster_id("d00001"));
    }

    fn sig(shingles: usize) -> Signature {
        let set: Vec<u32> = (0..shingles as u32).collect();
        Signature::from_parts(0, shingles as u32, 0, 0, &[], &[], &[], &[], &set)
    }

    fn edge(a: usize, b: usize, containment: f64) -> Edge {
        Edge {
            a,
            b,
            found_by: FoundBy::MINHASH,
            jaccard: containment / 2.0,
            containment,
            accepted: containment >= 0.5,
        }
    }

    fn item<'a>(id: &'a str, published: Option<i64>, s: &'a Signature) -> Item<'a> {
        Item { published, ..Item::new(id, s) }
    }

    fn members(clusters: &Clusters) -> Vec<Vec<&str>> {
        clusters
            .clusters()
            .iter()
            .map(|c| c.members.iter().map(|m| m.id.as_str()).collect())
            .collect()
    }

    #[test]
    fn the_canonical_member_is_the_earliest_then_the_longest() {
        let (long, short) = (sig(100), sig(30));
        let items = [
            item("late", Some(50), &long),
            item("early", Some(10), &short),
            item("undated", None, &long),
        ];
        let order = order(&items);
        assert_eq!(order, [1, 0, 2]);
        let clusters = build(&items, &order, &[edge(0, 1, 1.0), edge(1, 2, 0.9)]);
        assert_eq!(clusters.clusters().len(), 1);
        assert_eq!(clusters.clusters()[0].canonical, "early");
        assert_eq!(clusters.clusters()[0].id, cluster_id("early"));
        let undated = [item("b", None, &short), item("a", None, &long)];
        assert_eq!(
            build(&undated, &super::order(&undated), &[edge(0, 1, 1.0)]).clusters()[0].canonical,
            "a"
        );
    }

    #[test]
    fn a_document_joins_the_centre_it_shares_most_with() {
        let s = sig(50);
        let items = [item("x", Some(1), &s), item("y", Some(2), &s), item("new", Some(3), &s)];
        let clusters = build(&items, &order(&items), &[edge(0, 2, 0.6), edge(1, 2, 0.9)]);
        assert_eq!(members(&clusters), [vec!["x"], vec!["y", "new"]]);
        assert_eq!(clusters.clusters()[1].members[1].containment, 0.9);
    }

    #[test]
    fn no_chaining_through_a_member() {
        // b joins a; c is close to b only, so it starts its own cluster.
        let s = sig(50);
        let items = [item("a", Some(1), &s), item("b", Some(2), &s), item("c", Some(3), &s)];
        let clusters =
            build(&items, &order(&items), &[edge(0, 1, 0.8), edge(1, 2, 0.8), edge(0, 2, 0.3)]);
        assert_eq!(members(&clusters), [vec!["a", "b"], vec!["c"]]);
    }

    #[test]
    fn remembered_clusters_keep_their_ids_and_take_new_members() {
        let s = sig(50);
        let mut old = item("old", Some(5), &s);
        old.prior = Some(Prior { cluster: "c-old", canonical: true });
        let mut old_member = item("old-copy", Some(6), &s);
        old_member.prior = Some(Prior { cluster: "c-old", canonical: false });
        // Published before the old centre, but new documents never take a cluster over.
        let new = item("new", Some(1), &s);
        let items = [new, old, old_member];
        let clusters = build(&items, &order(&items), &[edge(0, 1, 0.9)]);
        assert_eq!(clusters.clusters().len(), 1);
        let c = &clusters.clusters()[0];
        assert_eq!((c.id.as_str(), c.canonical.as_str()), ("c-old", "old"));
        assert_eq!(c.members.len(), 3);
        assert!(c.members.iter().any(|m| m.id == "old-copy" && m.found_by.is_empty()));
    }

    #[test]
    fn a_remembered_member_without_its_centre_keeps_its_cluster() {
        let s = sig(50);
        let mut a = item("a", Some(5), &s);
        a.prior = Some(Prior { cluster: "c9", canonical: false });
        let clusters = build(&[a], &[0], &[]);
        assert_eq!(clusters.clusters()[0].id, "c9");
    }
}

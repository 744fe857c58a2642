//! `clean-news index check`: is this index whole, and if not, what is wrong with it?
//!
//! redb's integrity check (run by every open, see the parent module) proves that each page is
//! the page redb wrote. It cannot prove that the tables agree with each other, and a run
//! relies on that: a band posting must lead to a stored document, a document must be found
//! under its id, and a cluster's count must be its members. A file patched by hand, or
//! written by a build with a bug, can break that and still pass redb's check. So the check
//! reads every table once and lists every disagreement, a few examples of each kind with the
//! count of the rest, so that a broken index of millions of documents gives a short report.
//!
//! The check only reads: it opens the index with [`Index::open_read_only`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use redb::{ReadableDatabase, ReadableTable};

use super::postings::{self, POSTINGS, SEGMENTS};
use super::{
    CLUSTERS, DOCS, IDS, Index, IndexStats, KEY_NEXT_DOC, META, ReadOpenError, contained,
    index_error, le_u64, record, way_out,
};
use crate::Error;

/// Examples listed per kind of problem; the rest are counted.
const EXAMPLES: usize = 5;

/// What [`Index::check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexCheck {
    /// Each problem in one sentence; empty when the index is whole.
    pub problems: Vec<String>,
    /// The index's counts, when it could be opened.
    pub stats: Option<IndexStats>,
}

impl IndexCheck {
    /// Whether nothing is wrong.
    pub fn is_whole(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Problems of one kind: the first few in full, then a count.
struct Findings {
    what: &'static str,
    examples: Vec<String>,
    more: u64,
}

impl Findings {
    fn new(what: &'static str) -> Findings {
        Findings { what, examples: Vec::new(), more: 0 }
    }

    fn add(&mut self, example: impl FnOnce() -> String) {
        if self.examples.len() < EXAMPLES {
            self.examples.push(example());
        } else {
            self.more += 1;
        }
    }

    fn report(self, problems: &mut Vec<String>) {
        if self.examples.is_empty() {
            return;
        }
        let mut line = format!("{}: {}", self.what, self.examples.join("; "));
        if self.more > 0 {
            line.push_str(&format!("; and {} more", self.more));
        }
        problems.push(line);
    }
}

impl Index {
    /// Checks the index at `path` without changing it: redb's page checksums, the format
    /// version and configuration fingerprint, and that the tables agree with each other
    /// (every id leads to its document and back, every postings block decodes, in key order,
    /// and leads to stored documents, every segment holds the postings its entry counts,
    /// every cluster count matches its members, document numbers are below the next one to
    /// give).
    ///
    /// Damage is a list of problems in the result, not an error.
    ///
    /// # Errors
    ///
    /// The file is missing or unreadable, or a run has it open.
    ///
    /// # Example
    ///
    /// ```
    /// use clean_news::index::Index;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("index.redb");
    /// drop(Index::open(&path, 42)?);
    /// assert!(Index::check(&path, 42)?.is_whole());
    /// std::fs::write(&path, b"not an index")?;
    /// let check = Index::check(&path, 42)?;
    /// assert!(check.problems[0].contains("damaged"), "{:?}", check.problems);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(path: impl AsRef<Path>, fingerprint: u64) -> Result<IndexCheck, Error> {
        let path = path.as_ref();
        let index = match Index::open_for_reading(path, fingerprint) {
            Ok(index) => index,
            Err(ReadOpenError::Content(err)) => {
                return Ok(IndexCheck { problems: vec![finding(path, &err)], stats: None });
            }
            Err(ReadOpenError::Access(err)) => return Err(err),
        };
        let mut problems =
            contained(path, || index.table_problems()).unwrap_or_else(|err| vec![err.to_string()]);
        let stats = match index.stats() {
            Ok(stats) => Some(stats),
            Err(err) => {
                problems.push(err.to_string());
                None
            }
        };
        Ok(IndexCheck { problems, stats })
    }

    /// Every disagreement between the tables, read in one snapshot.
    fn table_problems(&self) -> Result<Vec<String>, Error> {
        let path = &self.path;
        let err = |e: &dyn std::fmt::Display| index_error(path, "cannot read", e);
        let tx = self.db.begin_read().map_err(|e| err(&e))?;
        let meta = tx.open_table(META).map_err(|e| err(&e))?;
        let next_doc = meta.get(KEY_NEXT_DOC).map_err(|e| err(&e))?.map(|v| le_u64(v.value()));
        let docs = tx.open_table(DOCS).map_err(|e| err(&e))?;
        let ids = tx.open_table(IDS).map_err(|e| err(&e))?;
        let table = tx.open_table(POSTINGS).map_err(|e| err(&e))?;
        let segments = tx.open_table(SEGMENTS).map_err(|e| err(&e))?;
        let clusters = tx.open_table(CLUSTERS).map_err(|e| err(&e))?;

        let mut problems = Vec::new();
        if let Some(None) = next_doc {
            problems.push("meta: the next document number cannot be read".to_owned());
        }
        let next_doc = next_doc.flatten().unwrap_or(0);

        let mut undecodable = Findings::new("docs records that cannot be decoded");
        let mut beyond = Findings::new("docs records numbered at or past the next number");
        let mut unlisted = Findings::new("docs records not found under their id in ids");
        let mut numbers = BTreeSet::new();
        let mut members: BTreeMap<String, u64> = BTreeMap::new();
        for entry in docs.iter().map_err(|e| err(&e))? {
            let (number, bytes) = entry.map_err(|e| err(&e))?;
            let number = number.value();
            numbers.insert(number);
            if number >= next_doc {
                beyond.add(|| format!("record {number} (next is {next_doc})"));
            }
            let Some(doc) = record::decode(bytes.value()) else {
                undecodable.add(|| format!("record {number}"));
                continue;
            };
            let listed = ids.get(doc.id.as_str()).map_err(|e| err(&e))?.map(|v| v.value());
            if listed != Some(number) {
                unlisted.add(|| match listed {
                    Some(other) => format!("record {number} (id {:?} points to {other})", doc.id),
                    None => format!("record {number} (id {:?} missing)", doc.id),
                });
            }
            *members.entry(doc.cluster).or_default() += 1;
        }

        let mut dangling_ids = Findings::new("ids entries that lead to no document");
        for entry in ids.iter().map_err(|e| err(&e))? {
            let (id, number) = entry.map_err(|e| err(&e))?;
            let number = number.value();
            if !numbers.contains(&number) {
                dangling_ids.add(|| format!("{:?} -> record {number}", id.value()));
            }
        }

        let mut dangling_postings = Findings::new("band postings that lead to no document");
        let mut bad_blocks = Findings::new("postings blocks that cannot be decoded");
        let mut disordered = Findings::new("postings blocks out of key order");
        let mut miscounted = Findings::new("postings segments that differ from their entry");
        let mut listed = BTreeMap::new();
        for (segment, info) in postings::segments(&segments).map_err(|e| err(&e))? {
            match info {
                Some(info) => {
                    listed.insert(segment, (info, postings::SegmentInfo::empty(info.key_shift)));
                }
                None => miscounted.add(|| format!("segment {segment}: its entry cannot be read")),
            }
        }
        let mut unlisted_blocks = Findings::new("postings blocks of no listed segment");
        // The last key of the block before, in the same segment.
        let mut previous: Option<(u64, u64)> = None;
        for entry in table.iter().map_err(|e| err(&e))? {
            let (row, block) = entry.map_err(|e| err(&e))?;
            let (segment, first) = postings::split_row(row.value());
            let Some((said, found)) = listed.get_mut(&segment) else {
                unlisted_blocks.add(|| format!("segment {segment} key {first:016x}"));
                continue;
            };
            let Some(decoded) = postings::decode_block(first, block.value(), said.key_shift) else {
                bad_blocks.add(|| format!("segment {segment} key {first:016x}"));
                previous = None;
                continue;
            };
            if let Some((prev_segment, prev_last)) = previous {
                if prev_segment == segment && prev_last >= first {
                    disordered.add(|| format!("segment {segment} key {first:016x}"));
                }
            }
            previous = decoded.last().map(|last| (segment, last.0));
            found.postings += decoded.len() as u64;
            found.blocks += 1;
            for (key, number) in decoded {
                if !numbers.contains(&number) {
                    dangling_postings.add(|| format!("key {key:016x} -> record {number}"));
                }
            }
        }
        for (segment, (said, found)) in &listed {
            if said != found {
                miscounted.add(|| {
                    format!(
                        "segment {segment} lists {} postings in {} blocks, holds {} in {}",
                        said.postings, said.blocks, found.postings, found.blocks
                    )
                });
            }
        }

        let mut counts = Findings::new("cluster counts that differ from their members");
        let mut stored: BTreeMap<String, u64> = BTreeMap::new();
        for entry in clusters.iter().map_err(|e| err(&e))? {
            let (cluster, count) = entry.map_err(|e| err(&e))?;
            stored.insert(cluster.value().to_owned(), count.value());
        }
        let names: BTreeSet<&String> = stored.keys().chain(members.keys()).collect();
        for name in names {
            let (kept, found) =
                (stored.get(name).copied().unwrap_or(0), members.get(name).copied().unwrap_or(0));
            if kept != found {
                counts.add(|| format!("{name} counts {kept}, has {found}"));
            }
        }

        for findings in [
            undecodable,
            beyond,
            unlisted,
            dangling_ids,
            dangling_postings,
            bad_blocks,
            disordered,
            unlisted_blocks,
            miscounted,
            counts,
        ] {
            findings.report(&mut problems);
        }
        Ok(problems)
    }
}

/// An error of opening `path` as a finding: its message without the advice to run this
/// check, which the caller is running.
fn finding(path: &Path, err: &Error) -> String {
    let message = match err.kind() {
        crate::ErrorKind::Index { message } => message.clone(),
        _ => err.to_string(),
    };
    let advice = format!("; {}", way_out(path));
    message.strip_suffix(&advice).map_or_else(|| message.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::super::{IndexedDoc, NewDoc};
    use super::*;

    fn doc(id: &str, cluster: &str) -> NewDoc {
        NewDoc {
            doc: IndexedDoc {
                id: id.into(),
                site: None,
                published: Some(1),
                cluster: cluster.into(),
                canonical: true,
                signature: vec![1],
                text_hash: Some(4),
            },
            bands: vec![3],
        }
    }

    #[test]
    fn a_whole_index_has_no_problems_and_its_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.redb");
        Index::open(&path, 1).unwrap().add(&[doc("a", "c"), doc("b", "c")], &[]).unwrap();
        let check = Index::check(&path, 1).unwrap();
        assert!(check.is_whole(), "{:?}", check.problems);
        assert_eq!(check.stats.unwrap().documents, 2);
    }

    #[test]
    fn tables_that_disagree_are_each_listed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.redb");
        let index = Index::open(&path, 1).unwrap();
        index.add(&[doc("a", "c"), doc("b", "c")], &[]).unwrap();
        // What a buggy writer could leave: an id without its record, a posting to nowhere,
        // a cluster that counts a member too many.
        let tx = index.db.begin_write().unwrap();
        {
            tx.open_table(DOCS).unwrap().remove(1).unwrap();
            let block = postings::encode_block(&[(9, 77)], 0);
            tx.open_table(POSTINGS)
                .unwrap()
                .insert(postings::row(99, 9), block.as_slice())
                .unwrap();
            let info = postings::SegmentInfo { postings: 1, blocks: 1, key_shift: 0 };
            tx.open_table(SEGMENTS).unwrap().insert(99, info.encode().as_slice()).unwrap();
            tx.open_table(CLUSTERS).unwrap().insert("c", 5).unwrap();
        }
        tx.commit().unwrap();
        drop(index);
        let problems = Index::check(&path, 1).unwrap().problems;
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("ids entries that lead to no document: \"b\""));
        assert!(problems[1].contains("-> record 77"));
        assert_eq!(problems[2], "cluster counts that differ from their members: c counts 5, has 1");
    }

    #[test]
    fn many_problems_of_one_kind_are_counted_past_the_examples() {
        let mut problems = Vec::new();
        let mut findings = Findings::new("things");
        for i in 0..8 {
            findings.add(|| format!("t{i}"));
        }
        findings.report(&mut problems);
        assert_eq!(problems, ["things: t0; t1; t2; t3; t4; and 3 more"]);
    }

    #[test]
    fn a_missing_file_is_an_error_not_a_finding() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Index::check(dir.path().join("none.redb"), 1).is_err());
    }
}

//! One run's write to the index, fed a chunk at a time: [`Index::begin_add`] opens the write
//! transaction, [`Adding::add`] takes documents as the caller produces them, and
//! [`Adding::commit`] lands all of it at once. Dropping an `Adding` without committing
//! leaves the index as it was.
//!
//! Why chunks: a run of a million documents handed [`Index::add`] one slice of a million
//! records, each with its signature and band keys (about 1 KB a document), the encoded
//! records beside them, and every posting of the run in one vector (71 a document, 16 bytes
//! each): 5.4 GB peak for the whole run. Fed a chunk at a time, the records live one chunk
//! long, and postings wait in memory only up to [`SEGMENT_POSTINGS`]: past it they are
//! sorted into a run outside the index file (`runs`). At commit the runs and what is still
//! held merge, k ways, into the write's one segment, which then merges with older segments
//! as the tiers ask (see `postings`).
//!
//! Until the runs, postings past the limit were segments of their own inside the
//! transaction, merged into one at commit and removed: a million documents' write took 30 s
//! (records and band keys 8.5, inserting records and ids 8.7 on redb's one writer thread,
//! segments 4.3, the merge 6.5, cluster counts and commit 2.6), and the removed segments'
//! pages were holes the run then compacted for 15 s. With runs, at the same size and side
//! by side (`clean-news run --timings`, 1,003,680 documents, 2 threads): from the outputs
//! staged to the commit 14.6 s instead of 26.2, compaction 3.3 s instead of 15.4 (it only
//! cuts the free end of the file), and the same index, 1,317,539,840 bytes.
//!
//! The transaction stays one: a reader sees the index before the run or after it, never a
//! part of it, and a kill at any moment leaves the index as before (see the parent module).

use std::collections::BTreeMap;

use rayon::prelude::*;
use redb::{ReadableTable, WriteTransaction};

use super::postings::{self, KEY_SHIFT, POSTINGS, Posting, SEGMENTS, SegmentInfo};
use super::runs::Runs;
use super::{
    CLUSTERS, DOCS, IDS, Index, IndexedDoc, KEY_COMMITS, KEY_NEXT_DOC, KEY_NEXT_SEGMENT, META,
    NewDoc, SITES, change_count, contained, index_error, merge_segments, meta_counter, record,
};
use crate::Error;

/// Postings an [`Adding`] holds before it writes them as a segment, unless told another
/// ([`Adding::hold_postings`]): 16 bytes each, so 128 MiB at most. The segments of one write
/// merge into one at its commit.
pub const SEGMENT_POSTINGS: usize = 8 << 20;

/// A write to the index in progress, opened by [`Index::begin_add`]: documents go in a chunk
/// at a time, [`commit`](Adding::commit) lands all of them in one transaction, and dropping
/// it unmade leaves the index as it was.
pub struct Adding<'i> {
    index: &'i Index,
    tx: WriteTransaction,
    /// The number the next new document gets.
    next_doc: u64,
    /// The number the next postings segment gets.
    next_segment: u64,
    /// Postings of new documents not yet written as a segment.
    postings: Vec<Posting>,
    /// Cluster sizes change by these amounts; applied once each, in name order, at commit.
    deltas: BTreeMap<String, i64>,
    /// Postings held before they are written as a segment ([`SEGMENT_POSTINGS`]).
    segment_postings: usize,
    /// Postings past [`segment_postings`](Self::segment_postings), sorted into runs outside
    /// the index file: merged into this write's one segment at commit.
    runs: Runs,
}

impl std::fmt::Debug for Adding<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adding")
            .field("index", &self.index.path)
            .field("next_doc", &self.next_doc)
            .field("pending_postings", &self.postings.len())
            .finish_non_exhaustive()
    }
}

impl Index {
    /// Opens a write of documents in chunks, committed as one transaction by
    /// [`Adding::commit`]. One write at a time: a second waits for the first to end.
    ///
    /// # Errors
    ///
    /// The index was opened read-only or cannot be written.
    pub fn begin_add(&self) -> Result<Adding<'_>, Error> {
        self.writable()?;
        contained(&self.path, || {
            let path = &self.path;
            let err = |e: &dyn std::fmt::Display| index_error(path, "cannot write", e);
            let tx = self.db.begin_write().map_err(|e| err(&e))?;
            let (next_doc, next_segment) = {
                let meta = tx.open_table(META).map_err(|e| err(&e))?;
                (
                    meta_counter(&meta, KEY_NEXT_DOC, path)?,
                    meta_counter(&meta, KEY_NEXT_SEGMENT, path)?,
                )
            };
            Ok(Adding {
                index: self,
                tx,
                next_doc,
                next_segment,
                postings: Vec::new(),
                deltas: BTreeMap::new(),
                segment_postings: SEGMENT_POSTINGS,
                runs: Runs::default(),
            })
        })
    }
}

impl Adding<'_> {
    /// Holds up to `postings` postings (16 bytes each) before writing them as a segment,
    /// instead of [`SEGMENT_POSTINGS`]: a run sizes it from its memory budget. Fewer make
    /// more segments to merge (at least one posting is held). Past half of it, what is held
    /// is written as a run in the background while the other half gathers (see `runs`).
    pub fn hold_postings(&mut self, postings: usize) {
        self.segment_postings = postings.max(1);
    }

    /// Adds documents and their band postings, as [`Index::add`] describes, to this write.
    ///
    /// # Errors
    ///
    /// The index cannot be written. The write is then best dropped: what it holds is not
    /// known to be whole.
    pub fn add(&mut self, docs: &[NewDoc]) -> Result<(), Error> {
        let path = self.index.path.clone();
        contained(&path, || {
            let err = |e: &dyn std::fmt::Display| index_error(&path, "cannot write", e);
            let records: Vec<Vec<u8>> = docs.par_iter().map(|d| record::encode(&d.doc)).collect();
            {
                let mut ids = self.tx.open_table(IDS).map_err(|e| err(&e))?;
                let mut table = self.tx.open_table(DOCS).map_err(|e| err(&e))?;
                for (new, record) in docs.iter().zip(&records) {
                    let existing =
                        ids.get(new.doc.id.as_str()).map_err(|e| err(&e))?.map(|v| v.value());
                    let number = match existing {
                        Some(number) => {
                            let old = table.get(number).map_err(|e| err(&e))?;
                            if let Some(old) = old.and_then(|old| record::decode(old.value())) {
                                *self.deltas.entry(old.cluster).or_default() -= 1;
                                if new.doc.text_hash.is_none() && old.text_hash.is_some() {
                                    let kept =
                                        IndexedDoc { text_hash: old.text_hash, ..new.doc.clone() };
                                    table
                                        .insert(number, record::encode(&kept).as_slice())
                                        .map_err(|e| err(&e))?;
                                    *self.deltas.entry(new.doc.cluster.clone()).or_default() += 1;
                                    continue;
                                }
                            }
                            number
                        }
                        None => {
                            let number = self.next_doc;
                            self.next_doc += 1;
                            ids.insert(new.doc.id.as_str(), number).map_err(|e| err(&e))?;
                            self.postings.extend(new.bands.iter().map(|&key| (key, number)));
                            number
                        }
                    };
                    table.insert(number, record.as_slice()).map_err(|e| err(&e))?;
                    *self.deltas.entry(new.doc.cluster.clone()).or_default() += 1;
                }
            }
            // A run is written in the background while the next batch gathers: half the
            // hold each, so that both together stay within it.
            if self.postings.len() >= self.segment_postings.div_ceil(2) {
                let postings = std::mem::take(&mut self.postings);
                let dir = self.runs_folder().to_path_buf();
                self.runs.push_unsorted(&dir, postings).map_err(|e| {
                    index_error(&self.index.path, "cannot write a postings run beside", e)
                })?;
            }
            Ok(())
        })
    }

    /// The postings held, sorted, without repeats, their keys as a segment keeps them.
    fn take_postings(&mut self) -> Vec<Posting> {
        let mut postings = std::mem::take(&mut self.postings);
        postings.par_iter_mut().for_each(|p| p.0 = postings::kept_key(p.0, KEY_SHIFT));
        postings.par_sort_unstable();
        postings.dedup();
        postings
    }

    /// The folder of the index file, where runs wait (see `runs`).
    fn runs_folder(&self) -> &std::path::Path {
        match self.index.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => std::path::Path::new("."),
        }
    }

    /// This write's transaction and the index file's path, for the tables of other modules
    /// of the index (`stories`).
    pub(super) fn transaction(&self) -> (&WriteTransaction, &std::path::Path) {
        (&self.tx, &self.index.path)
    }

    /// Writes the postings held as a run, in a temporary file beside the index.
    fn spill_run(&mut self) -> Result<(), Error> {
        let postings = self.take_postings();
        if postings.is_empty() {
            return Ok(());
        }
        let dir = self.runs_folder().to_path_buf();
        self.runs
            .push(&dir, &postings)
            .map_err(|e| index_error(&self.index.path, "cannot write a postings run beside", e))
    }

    /// Writes this write's postings as one new segment: those held, or, once runs were
    /// written, the runs merged (what is held becoming the last run).
    fn write_segment(&mut self) -> Result<(), Error> {
        let runs = match self.runs.is_empty() {
            true => None,
            false => {
                self.spill_run()?;
                Some(std::mem::take(&mut self.runs))
            }
        };
        let held = self.take_postings();
        if held.is_empty() && runs.is_none() {
            return Ok(());
        }
        let path = &self.index.path;
        let err = |e: &dyn std::fmt::Display| index_error(path, "cannot write", e);
        let segment = self.next_segment;
        let mut postings_table = self.tx.open_table(POSTINGS).map_err(|e| err(&e))?;
        let mut segments = self.tx.open_table(SEGMENTS).map_err(|e| err(&e))?;
        let info = match runs {
            None => postings::write_blocks(&mut postings_table, segment, &held, KEY_SHIFT)
                .map_err(|e| err(&e))?,
            Some(runs) => {
                let mut info = SegmentInfo::empty(KEY_SHIFT);
                runs.merge(|batch| {
                    let written =
                        postings::write_blocks(&mut postings_table, segment, batch, KEY_SHIFT)
                            .map_err(std::io::Error::other)?;
                    info.postings += written.postings;
                    info.blocks += written.blocks;
                    Ok(())
                })
                .map_err(|e| err(&e))?;
                info
            }
        };
        segments.insert(segment, info.encode().as_slice()).map_err(|e| err(&e))?;
        self.next_segment += 1;
        Ok(())
    }

    /// Writes this write's segment, then merges segments as the tiers ask (see `postings`).
    fn finish_segments(&mut self) -> Result<(), Error> {
        self.write_segment()?;
        let path = &self.index.path;
        let err = |e: &dyn std::fmt::Display| index_error(path, "cannot write", e);
        let mut postings_table = self.tx.open_table(POSTINGS).map_err(|e| err(&e))?;
        let mut segments = self.tx.open_table(SEGMENTS).map_err(|e| err(&e))?;
        self.next_segment = merge_segments(
            path,
            &mut postings_table,
            &mut segments,
            self.next_segment,
            &|_| true,
            false,
        )?;
        Ok(())
    }

    /// Saves site profiles (`(site, bytes encoded by clean::site)`; each replaces the one
    /// saved before) and commits the write: all of it lands, or none of it does.
    ///
    /// # Errors
    ///
    /// The index cannot be written.
    pub fn commit(mut self, site_profiles: &[(String, Vec<u8>)]) -> Result<(), Error> {
        let path = self.index.path.clone();
        contained(&path, || {
            let err = |e: &dyn std::fmt::Display| index_error(&path, "cannot write", e);
            self.finish_segments()?;
            {
                let mut clusters = self.tx.open_table(CLUSTERS).map_err(|e| err(&e))?;
                for (cluster, delta) in &self.deltas {
                    change_count(&mut clusters, cluster, *delta).map_err(|e| err(&e))?;
                }
                let mut meta = self.tx.open_table(META).map_err(|e| err(&e))?;
                let commits = meta_counter(&meta, KEY_COMMITS, &path)?.saturating_add(1);
                meta.insert(KEY_NEXT_DOC, self.next_doc.to_le_bytes().as_slice())
                    .map_err(|e| err(&e))?;
                meta.insert(KEY_NEXT_SEGMENT, self.next_segment.to_le_bytes().as_slice())
                    .map_err(|e| err(&e))?;
                meta.insert(KEY_COMMITS, commits.to_le_bytes().as_slice()).map_err(|e| err(&e))?;
                let mut sites = self.tx.open_table(SITES).map_err(|e| err(&e))?;
                for (site, profile) in site_profiles {
                    sites.insert(site.as_str(), profile.as_slice()).map_err(|e| err(&e))?;
                }
            }
            self.tx.commit().map_err(|e| index_error(&path, "cannot commit", e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::ReadableDatabase;

    fn doc(id: &str, cluster: &str, bands: &[u64]) -> NewDoc {
        NewDoc {
            doc: IndexedDoc {
                id: id.into(),
                site: Some("example.com".into()),
                published: Some(1_700_000_000),
                cluster: cluster.into(),
                canonical: id == cluster,
                signature: vec![1, 2, 3],
                text_hash: Some(7),
            },
            bands: bands.to_vec(),
        }
    }

    fn docs(n: u64) -> Vec<NewDoc> {
        (0..n)
            .map(|i| {
                let bands: Vec<u64> = (0..5).map(|b| (i % 7) * 1_000 + b * 0x9e37_79b9).collect();
                doc(&format!("d{i}"), &format!("d{}", i % 7), &bands)
            })
            .collect()
    }

    fn ids(found: Vec<IndexedDoc>) -> Vec<String> {
        let mut ids: Vec<String> = found.into_iter().map(|d| d.id).collect();
        ids.sort();
        ids
    }

    #[test]
    fn chunks_with_small_segments_remember_what_one_add_does() {
        let dir = tempfile::tempdir().unwrap();
        let once = Index::open(dir.path().join("once.redb"), 1).unwrap();
        let chunked = Index::open(dir.path().join("chunked.redb"), 1).unwrap();
        let all = docs(200);
        once.add(&all, &[]).unwrap();
        let mut adding = chunked.begin_add().unwrap();
        // Every chunk's postings go to runs outside the file, merged at commit.
        adding.hold_postings(40);
        for chunk in all.chunks(17) {
            adding.add(chunk).unwrap();
        }
        adding.commit(&[("example.com".into(), b"profile".to_vec())]).unwrap();
        // The runs were anonymous files: the folder holds the two indexes only.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        // One segment: the write's, however many runs it had.
        let tx = chunked.db.begin_read().unwrap();
        let segments = postings::segments(&tx.open_table(SEGMENTS).unwrap()).unwrap();
        assert_eq!(segments.len(), 1, "{segments:?}");
        for key in [0, 1_000, 6_000, 2 * 0x9e37_79b9 + 3_000] {
            assert_eq!(
                ids(once.candidates(&[key]).unwrap()),
                ids(chunked.candidates(&[key]).unwrap())
            );
        }
        assert!(!chunked.candidates(&[6_000]).unwrap().is_empty());
        let (a, b) = (once.stats().unwrap(), chunked.stats().unwrap());
        assert_eq!(
            (a.documents, a.clusters, a.band_postings),
            (b.documents, b.clusters, b.band_postings)
        );
        assert_eq!(chunked.commits().unwrap(), 1);
        assert_eq!(chunked.site_profiles().unwrap().len(), 1);
    }

    #[test]
    fn a_write_dropped_unmade_leaves_the_index_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(dir.path().join("i.redb"), 1).unwrap();
        index.add(&docs(10), &[]).unwrap();
        let before = index.stats().unwrap();
        {
            let mut adding = index.begin_add().unwrap();
            adding.hold_postings(1);
            adding.add(&docs(50)[10..]).unwrap();
        }
        let after = index.stats().unwrap();
        assert_eq!(
            (before.documents, before.band_postings, index.commits().unwrap()),
            (after.documents, after.band_postings, 1)
        );
        assert_eq!(index.get("d20").unwrap(), None);
    }
}

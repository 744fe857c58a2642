//! The postings of one large write, held outside the index file until its commit.
//!
//! A write ([`Adding`](super::Adding)) holds the postings of its new documents in memory up to
//! its share of the run's budget. Past it they used to be written as a segment of their own
//! inside the transaction, and at commit every such segment was read back, merged into one
//! and removed. The removed segments left holes in the file as large as the merged one, and
//! with the file doubling as it grew, a run of a million documents left an index file 2.28 GB
//! large of which 1.32 GB were used, that the run then compacted (15 s, redb moving page by
//! page).
//!
//! So each batch of held postings is now sorted and written as a **run**: a temporary file
//! (anonymous: a killed process leaves nothing behind) in the index's folder, in the blocks
//! of the segment encoding (`postings`), so a run takes what its segment would. At commit the
//! runs are merged in one pass, k ways, and written as the write's one segment: each posting
//! enters the index file once, in key order, and nothing in it is freed again. Runs hold
//! documents in the order they were added, so the documents of one key come out in order
//! without a sort.
//!
//! A run file is a sequence of blocks, each `u64` first key, `u32` length (little-endian),
//! then the block as `postings::encode_block` writes it.
//!
//! A run is sorted and written on a thread of its own ([`Runs::push_unsorted`]) while the
//! write goes on inserting records: redb has one writer, so the write's thread is the run's
//! bottleneck, and sorting and encoding each run there (a fifth of that thread's time at a
//! million documents) left the other core idle.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::thread::JoinHandle;

use rayon::prelude::*;

use super::postings::{KEY_SHIFT, Posting, block_bounds, decode_block, encode_block, kept_key};

/// Postings the merge gathers before it hands them to be written (at a key's end): about
/// 16 MiB.
const MERGE_BATCH: usize = 1 << 20;

/// The runs of one write.
#[derive(Debug, Default)]
pub(super) struct Runs {
    files: Vec<File>,
    /// The run being sorted and written in the background, if one is.
    writing: Option<JoinHandle<io::Result<File>>>,
}

impl Runs {
    /// Whether no run was written or is being written.
    pub(super) fn is_empty(&self) -> bool {
        self.files.is_empty() && self.writing.is_none()
    }

    /// Writes `postings` (in the order they were added, keys as the band keys are: they are
    /// cut here, sorted and rid of repeats) as a new run, on a thread of its own; the run
    /// written before waits for its thread to end first, so runs stay in order and at most
    /// two batches of postings are held.
    pub(super) fn push_unsorted(&mut self, dir: &Path, postings: Vec<Posting>) -> io::Result<()> {
        self.finish_writing()?;
        let dir = dir.to_path_buf();
        let writing =
            std::thread::Builder::new().name("clean-news-run".to_owned()).spawn(move || {
                let mut postings = postings;
                for posting in &mut postings {
                    posting.0 = kept_key(posting.0, KEY_SHIFT);
                }
                postings.sort_unstable();
                postings.dedup();
                write_run(&dir, &postings, |range| {
                    range
                        .iter()
                        .map(|r| {
                            (postings[r.start].0, encode_block(&postings[r.clone()], KEY_SHIFT))
                        })
                        .collect()
                })
            })?;
        self.writing = Some(writing);
        Ok(())
    }

    /// Waits for the run being written in the background, and keeps it.
    fn finish_writing(&mut self) -> io::Result<()> {
        if let Some(writing) = self.writing.take() {
            let file = writing.join().map_err(|_| {
                io::Error::other("the thread writing a postings run stopped unexpectedly")
            })??;
            self.files.push(file);
        }
        Ok(())
    }

    /// Writes `postings` (sorted, without repeats, keys as the segment keeps them, documents
    /// above every earlier run's) as a new run in a temporary file in `dir`.
    /// Its blocks are encoded in parallel, on the calling thread's pool.
    pub(super) fn push(&mut self, dir: &Path, postings: &[Posting]) -> io::Result<()> {
        self.finish_writing()?;
        let file = write_run(dir, postings, |bounds| {
            bounds
                .par_iter()
                .map(|r| (postings[r.start].0, encode_block(&postings[r.clone()], KEY_SHIFT)))
                .collect()
        })?;
        self.files.push(file);
        Ok(())
    }

    /// Merges every run, in key then document order, handing `write` the postings a batch at
    /// a time; a batch never ends inside the postings of one key. The temporary files go
    /// with `self`.
    pub(super) fn merge(
        mut self,
        mut write: impl FnMut(&[Posting]) -> io::Result<()>,
    ) -> io::Result<()> {
        self.finish_writing()?;
        let mut readers: Vec<RunReader> = self.files.into_iter().map(RunReader::new).collect();
        let mut heads: Vec<Option<Posting>> = Vec::with_capacity(readers.len());
        for reader in &mut readers {
            heads.push(reader.next()?);
        }
        let mut batch: Vec<Posting> = Vec::with_capacity(MERGE_BATCH + BLOCK_SLACK);
        loop {
            // The smallest head; runs are few (a run is a share of the budget), so a scan.
            let mut best: Option<(usize, Posting)> = None;
            for (i, head) in heads.iter().enumerate() {
                if let Some(p) = *head {
                    if best.is_none_or(|(_, b)| p < b) {
                        best = Some((i, p));
                    }
                }
            }
            let Some((i, posting)) = best else { break };
            heads[i] = readers[i].next()?;
            match batch.last() {
                Some(&last) if last == posting => continue,
                Some(&(key, _)) if batch.len() >= MERGE_BATCH && key != posting.0 => {
                    write(&batch)?;
                    batch.clear();
                }
                _ => {}
            }
            batch.push(posting);
        }
        if !batch.is_empty() {
            write(&batch)?;
        }
        Ok(())
    }
}

/// Writes sorted `postings` as a run in a temporary file in `dir`, their blocks encoded by
/// `encode` (given where the blocks start and end), and rewinds it for the merge.
fn write_run(
    dir: &Path,
    postings: &[Posting],
    encode: impl FnOnce(&[std::ops::Range<usize>]) -> Vec<(u64, Vec<u8>)>,
) -> io::Result<File> {
    let blocks = encode(&block_bounds(postings));
    let mut out = BufWriter::with_capacity(1 << 20, tempfile::tempfile_in(dir)?);
    for (first, block) in &blocks {
        let len = u32::try_from(block.len()).map_err(io::Error::other)?;
        out.write_all(&first.to_le_bytes())?;
        out.write_all(&len.to_le_bytes())?;
        out.write_all(block)?;
    }
    let mut file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// Room for the postings of the key a batch is finishing when it reaches [`MERGE_BATCH`].
const BLOCK_SLACK: usize = 1024;

/// Reads one run back, a block at a time.
struct RunReader {
    input: BufReader<File>,
    block: Vec<Posting>,
    at: usize,
    bytes: Vec<u8>,
}

impl RunReader {
    fn new(file: File) -> RunReader {
        RunReader {
            input: BufReader::with_capacity(1 << 16, file),
            block: Vec::new(),
            at: 0,
            bytes: Vec::new(),
        }
    }

    /// The next posting, `None` at the run's end.
    fn next(&mut self) -> io::Result<Option<Posting>> {
        while self.at == self.block.len() {
            let mut head = [0u8; 12];
            match self.input.read_exact(&mut head) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                Err(e) => return Err(e),
            }
            let (first, len) = head.split_at(8);
            let first = u64::from_le_bytes(first.try_into().map_err(io::Error::other)?);
            let len = u32::from_le_bytes(len.try_into().map_err(io::Error::other)?);
            self.bytes.resize(len as usize, 0);
            self.input.read_exact(&mut self.bytes)?;
            self.block = decode_block(first, &self.bytes, KEY_SHIFT).ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, "a postings run does not decode")
            })?;
            self.at = 0;
        }
        let posting = self.block[self.at];
        self.at += 1;
        Ok(Some(posting))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted postings of `docs` documents from `first_doc`, keys as a segment keeps them,
    /// several documents to some keys.
    fn run(first_doc: u64, docs: u64, seed: u64) -> Vec<Posting> {
        let mut out: Vec<Posting> = (first_doc..first_doc + docs)
            .flat_map(|d| {
                (0..5u64).map(move |b| {
                    let key = ((d.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (b * seed)) % 4_000) << 40;
                    (kept_key(key, KEY_SHIFT), d)
                })
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn runs_merge_into_the_sorted_union_cut_only_between_keys() {
        let dir = tempfile::tempdir().unwrap();
        let parts = [run(0, 900, 3), run(900, 50, 5), run(950, 3_000, 7)];
        let mut runs = Runs::default();
        for part in &parts {
            runs.push(dir.path(), part).unwrap();
        }
        let mut expected: Vec<Posting> = parts.concat();
        expected.sort_unstable();
        let mut merged: Vec<Posting> = Vec::new();
        let mut batches = Vec::new();
        runs.merge(|batch| {
            batches.push(batch.len());
            merged.extend_from_slice(batch);
            Ok(())
        })
        .unwrap();
        assert_eq!(merged, expected);
        // A batch never splits a key between two writes.
        let mut at = 0;
        for len in batches {
            at += len;
            if at < merged.len() {
                assert_ne!(merged[at - 1].0, merged[at].0);
            }
        }
        // The temporary files were anonymous: nothing is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_damaged_run_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mut runs = Runs::default();
        runs.push(dir.path(), &run(0, 100, 3)).unwrap();
        // Cut the run inside its first block.
        runs.files[0].set_len(14).unwrap();
        let result = runs.merge(|_| Ok(()));
        assert!(result.is_err());
    }
}

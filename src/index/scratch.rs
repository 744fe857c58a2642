//! A storage backend that reads an index file and keeps every write in memory, so that redb's
//! integrity check can run on a file without changing one byte of it.
//!
//! Why: redb verifies page checksums only in `check_integrity` (or when a database is opened
//! with the check on), and that check may repair and always commits, so it needs a writable
//! database. A plain read of a damaged page is trusted and can panic deep inside redb.
//! `clean-news index stats` and `index check` must leave the file as it was (it may be
//! read-only, or a copy whose checksum someone keeps), yet must never trust a damaged page.
//! Giving redb this backend lets it check, repair in memory and commit in memory, while the
//! file is only ever read.
//!
//! Writes are kept in blocks of [`BLOCK`] bytes, copied from the file on first write; a
//! check writes little (headers and the rebuilt allocator state), so memory stays small.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::{Mutex, MutexGuard};

/// The unit of copy-on-write, a common page size.
const BLOCK: u64 = 4096;

/// The file, read only, with the blocks written since it was opened.
#[derive(Debug)]
pub(super) struct ScratchBackend {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    file: File,
    /// Bytes of the file that still show through: its length, or less once redb shrank it.
    file_visible: u64,
    /// The length redb sees.
    len: u64,
    /// Blocks written, by block number.
    written: BTreeMap<u64, Vec<u8>>,
}

impl ScratchBackend {
    /// Opens `file` (read access is enough) as the backing bytes.
    pub(super) fn new(file: File) -> io::Result<ScratchBackend> {
        let len = file.metadata()?.len();
        Ok(ScratchBackend {
            state: Mutex::new(State { file, file_visible: len, len, written: BTreeMap::new() }),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held left at worst a half-copied block: the bytes are
        // scratch, so the state is still usable.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl State {
    /// Fills `out` with the file's bytes from `offset`, zeros past what shows through.
    fn read_file(&mut self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        read_file(&mut self.file, self.file_visible, offset, out)
    }

    /// The written copy of a block, made from the file on first use.
    fn block(&mut self, number: u64) -> io::Result<&mut Vec<u8>> {
        match self.written.entry(number) {
            Entry::Occupied(block) => Ok(block.into_mut()),
            Entry::Vacant(slot) => {
                let mut bytes = vec![0; BLOCK as usize];
                read_file(&mut self.file, self.file_visible, number * BLOCK, &mut bytes)?;
                Ok(slot.insert(bytes))
            }
        }
    }
}

/// Fills `out` with `file`'s bytes from `offset`, zeros at and past `visible`.
fn read_file(file: &mut File, visible: u64, offset: u64, out: &mut [u8]) -> io::Result<()> {
    out.fill(0);
    if offset >= visible {
        return Ok(());
    }
    let available = usize::try_from(visible - offset).unwrap_or(usize::MAX);
    let wanted = out.len().min(available);
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut out[..wanted])
}

/// Splits `offset..offset + len` into (block number, start inside the block, length) pieces.
fn pieces(offset: u64, len: usize) -> impl Iterator<Item = (u64, usize, usize)> {
    let end = offset + len as u64;
    let mut at = offset;
    std::iter::from_fn(move || {
        if at >= end {
            return None;
        }
        let number = at / BLOCK;
        let start = (at % BLOCK) as usize;
        let take = (BLOCK as usize - start).min((end - at) as usize);
        at += take as u64;
        Some((number, start, take))
    })
}

impl redb::StorageBackend for ScratchBackend {
    fn len(&self) -> Result<u64, io::Error> {
        Ok(self.state().len)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), io::Error> {
        let mut state = self.state();
        let mut filled = 0;
        for (number, start, take) in pieces(offset, out.len()) {
            let piece = &mut out[filled..filled + take];
            match state.written.get(&number) {
                Some(block) => piece.copy_from_slice(&block[start..start + take]),
                None => state.read_file(number * BLOCK + start as u64, piece)?,
            }
            filled += take;
        }
        Ok(())
    }

    fn set_len(&self, len: u64) -> Result<(), io::Error> {
        let mut state = self.state();
        if len < state.len {
            state.file_visible = state.file_visible.min(len);
            let first_gone = len.div_ceil(BLOCK);
            state.written.split_off(&first_gone);
            if let Some(last) = len.checked_sub(1).map(|l| l / BLOCK) {
                if let Some(block) = state.written.get_mut(&last) {
                    let keep = (len - last * BLOCK) as usize;
                    block[keep..].fill(0);
                }
            }
        }
        state.len = len;
        Ok(())
    }

    fn sync_data(&self) -> Result<(), io::Error> {
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), io::Error> {
        let mut state = self.state();
        let mut used = 0;
        for (number, start, take) in pieces(offset, data.len()) {
            state.block(number)?[start..start + take].copy_from_slice(&data[used..used + take]);
            used += take;
        }
        state.len = state.len.max(offset + data.len() as u64);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use redb::StorageBackend;

    use super::*;

    fn backend(bytes: &[u8]) -> (tempfile::TempDir, ScratchBackend) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, bytes).unwrap();
        let backend = ScratchBackend::new(File::open(&path).unwrap()).unwrap();
        (dir, backend)
    }

    #[test]
    fn writes_are_seen_by_reads_and_never_reach_the_file() {
        let original: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let (dir, backend) = backend(&original);
        backend.write(4090, &[7; 20]).unwrap();
        let mut out = vec![0; 30];
        backend.read(4085, &mut out).unwrap();
        assert_eq!(&out[..5], &original[4085..4090]);
        assert_eq!(&out[5..25], &[7; 20]);
        assert_eq!(&out[25..], &original[4110..4115]);
        assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), original);
    }

    #[test]
    fn shrinking_then_growing_shows_zeros_not_the_old_bytes() {
        let (_dir, backend) = backend(&[9; 9000]);
        backend.set_len(5000).unwrap();
        backend.set_len(9000).unwrap();
        assert_eq!(backend.len().unwrap(), 9000);
        let mut out = vec![1; 10];
        backend.read(4995, &mut out).unwrap();
        assert_eq!(out, [9, 9, 9, 9, 9, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn a_write_past_the_end_grows_the_length() {
        let (_dir, backend) = backend(b"abc");
        backend.write(10, b"xy").unwrap();
        assert_eq!(backend.len().unwrap(), 12);
        let mut out = vec![0; 12];
        backend.read(0, &mut out).unwrap();
        assert_eq!(&out, b"abc\0\0\0\0\0\0\0xy");
    }
}

//! Spill files: the cleaned records of a run, kept on disk between its passes instead of
//! in memory.
//!
//! A spill is a hidden file in the output folder under the temporary-name scheme of
//! [`AtomicFile`](crate::output::AtomicFile) (`.NAME.PID.N.tmp`), so that the temporary
//! files of a run that was killed are removed by the next run like its other temporaries
//! (`settle_folder` lists the spill names). It is written once, front to back, one record
//! per line, then read once, front to back; dropping it removes the file. It never gets a
//! final name: nothing a reader of the folder looks at is ever half-written.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::Error;
use crate::output::temp_name;

/// Attempts at a free temporary name (as `AtomicFile` does).
const NAME_ATTEMPTS: u32 = 100;

/// A spill file being written, then read (see the [module docs](self)).
#[derive(Debug)]
pub(crate) struct Spill {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    lines: u64,
}

impl Spill {
    /// Creates the spill `name` in `dir`, under a fresh temporary name.
    pub(crate) fn create(dir: &Path, name: &str) -> Result<Spill, Error> {
        let pid = std::process::id();
        let mut last = io::Error::other("no temporary name was free");
        for attempt in 0..NAME_ATTEMPTS {
            let path = dir.join(temp_name(OsStr::new(name), pid, attempt));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    let out = Some(BufWriter::with_capacity(1 << 20, file));
                    return Ok(Spill { path, out, lines: 0 });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last = err,
                Err(err) => return Err(Error::io(Some(path), "cannot create", err)),
            }
        }
        Err(Error::io(Some(dir.join(name)), "cannot create", last))
    }

    /// Appends one record; `line` ends with its newline.
    pub(crate) fn write_line(&mut self, line: &[u8]) -> Result<(), Error> {
        let written = match self.out.as_mut() {
            Some(out) => out.write_all(line),
            None => Err(io::Error::other("spill closed")),
        };
        written.map_err(|err| self.fail(err))?;
        self.lines += 1;
        Ok(())
    }

    /// Ends writing and reads the records back from the start, in the order written.
    pub(crate) fn read(&mut self) -> Result<SpillReader, Error> {
        if let Some(out) = self.out.take() {
            out.into_inner().map_err(|err| self.fail(err.into_error()))?;
        }
        let file = File::open(&self.path).map_err(|err| self.fail(err))?;
        Ok(SpillReader {
            input: BufReader::with_capacity(1 << 20, file),
            path: self.path.clone(),
            left: self.lines,
        })
    }

    fn fail(&self, err: io::Error) -> Error {
        Error::io(Some(self.path.clone()), "cannot spill to", err)
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        drop(self.out.take());
        // Best effort: a file left behind is hidden, and the next run removes it.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads a [`Spill`] back, record by record.
#[derive(Debug)]
pub(crate) struct SpillReader {
    input: BufReader<File>,
    path: PathBuf,
    left: u64,
}

impl SpillReader {
    /// Reads the next record into `line` (cleared first, newline kept); `false` at the end.
    pub(crate) fn next_line(&mut self, line: &mut Vec<u8>) -> Result<bool, Error> {
        line.clear();
        if self.left == 0 {
            return Ok(false);
        }
        let read = self
            .input
            .read_until(b'\n', line)
            .map_err(|err| Error::io(Some(self.path.clone()), "cannot read spill", err))?;
        if read == 0 || line.last() != Some(&b'\n') {
            let err = io::Error::new(io::ErrorKind::UnexpectedEof, "spill file cut short");
            return Err(Error::io(Some(self.path.clone()), "cannot read spill", err));
        }
        self.left -= 1;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spill_reads_back_what_was_written_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut spill = Spill::create(dir.path(), "spill.jsonl").unwrap();
        spill.write_line(b"{\"id\":\"a\"}\n").unwrap();
        spill.write_line(b"{\"id\":\"b\"}\n").unwrap();
        let name = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().file_name();
        let name = name.to_str().unwrap().to_owned();
        assert!(name.starts_with(".spill.jsonl.") && name.ends_with(".tmp"), "{name}");
        let mut reader = spill.read().unwrap();
        let mut line = Vec::new();
        let mut lines = Vec::new();
        while reader.next_line(&mut line).unwrap() {
            lines.push(String::from_utf8(line.clone()).unwrap());
        }
        assert_eq!(lines, ["{\"id\":\"a\"}\n", "{\"id\":\"b\"}\n"]);
        drop(reader);
        drop(spill);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_cut_spill_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut spill = Spill::create(dir.path(), "spill.jsonl").unwrap();
        spill.write_line(b"{}\n").unwrap();
        let mut reader = spill.read().unwrap();
        std::fs::write(&spill.path, b"{").unwrap();
        let mut line = Vec::new();
        assert!(reader.next_line(&mut line).is_err());
    }
}

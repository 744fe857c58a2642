//! Sources checked before a run creates anything: a path named on the command line that
//! cannot be opened is a mistake of the person typing, not a bad document.
//!
//! The reader turns whatever it cannot read into a [`Failure`](super::Failure) record, and
//! that is right for the millionth file of a crawl. For `clean-news run typo/ -o out` it is
//! not: the run would create `out/`, an index and empty outputs, and bury the reason in
//! `errors.jsonl`. So a front end asks [`unopenable`] first, says each path at once (as
//! ripgrep and the coreutils do) and stops before creating an output. Inside a source
//! that can be opened nothing changes: a bad file in a folder stays a failure record.
//!
//! A path is opened here as the reader will open it: a folder must be listable, a file
//! readable. Pipes, sockets and devices are only looked up (opening a pipe would wait for a
//! writer, and reading would take bytes the run needs). A path that disappears between this
//! check and the read is still a failure record, as before.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::Source;

/// A source that cannot be opened, with the reason.
#[derive(Debug)]
pub struct Unopenable {
    /// The path as it was given.
    pub path: PathBuf,
    /// Why it cannot be opened.
    pub error: io::Error,
}

/// The sources that cannot be opened, in the order given. Standard input is never one.
///
/// # Example
///
/// ```
/// use clean_news::input::{Source, unopenable};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("a.txt"), "Title\n\nBody.")?;
/// let sources = [Source::Stdin, Source::Path(dir.path().join("a.txt")),
///                Source::Path(dir.path().join("typo"))];
/// let bad = unopenable(&sources);
/// assert_eq!(bad.len(), 1);
/// assert_eq!(bad[0].path, dir.path().join("typo"));
/// assert_eq!(bad[0].error.kind(), std::io::ErrorKind::NotFound);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn unopenable(sources: &[Source]) -> Vec<Unopenable> {
    sources
        .iter()
        .filter_map(|source| match source {
            Source::Stdin => None,
            Source::Path(path) => {
                open_check(path).err().map(|error| Unopenable { path: path.clone(), error })
            }
        })
        .collect()
}

/// Opens `path` as the reader would, and closes it again.
fn open_check(path: &Path) -> io::Result<()> {
    // Followed when a symbolic link, as the reader follows a path given directly.
    let metadata = fs::metadata(path)?;
    if metadata.is_dir() {
        fs::read_dir(path).map(drop)
    } else if metadata.is_file() {
        File::open(path).map(drop)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_folders_that_open_pass() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "x").unwrap();
        let sources = [
            Source::Path(dir.path().into()),
            Source::Path(dir.path().join("a.txt")),
            Source::Stdin,
        ];
        assert!(unopenable(&sources).is_empty());
    }

    #[test]
    fn missing_paths_and_paths_through_a_file_are_named_in_order() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.txt"), "x").unwrap();
        let through_file = dir.path().join("a.txt").join("b.txt");
        let missing = dir.path().join("missing");
        let sources = [Source::Path(through_file.clone()), Source::Path(missing.clone())];
        let bad = unopenable(&sources);
        let paths: Vec<&PathBuf> = bad.iter().map(|u| &u.path).collect();
        assert_eq!(paths, [&through_file, &missing]);
        assert_eq!(bad[0].error.kind(), io::ErrorKind::NotADirectory);
        assert_eq!(bad[1].error.kind(), io::ErrorKind::NotFound);
    }

    #[cfg(unix)]
    #[test]
    fn a_dangling_symbolic_link_cannot_be_opened() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(dir.path().join("gone.txt"), &link).unwrap();
        let bad = unopenable(&[Source::Path(link)]);
        assert_eq!(bad[0].error.kind(), io::ErrorKind::NotFound);
    }
}

//! Files that become visible together: a run's outputs replace the previous run's so that a
//! failure or a kill leaves one run or the other, never a mix; and the leftovers of dead runs
//! are cleared away.
//!
//! One file appears whole through [`AtomicFile`] (a temporary name, then a rename). A run
//! writes five, and five renames are five steps: killed between two, or failing on the third
//! (a full disk), the folder would hold some files of the new run beside the others of the
//! old one. Readers expect `documents.jsonl`, `clusters.jsonl` and `summary.json` to describe
//! the same run, at their usual names, so the files are not moved into a new folder (nor
//! behind a symlink); instead a [`FileSet`] switches them with a journal:
//!
//! 1. **Stage.** Every file is written whole and `fsync`ed under its temporary name
//!    ([`AtomicFile::stage`]). Nothing visible has changed; a failure here (a full disk)
//!    removes the temporary files and leaves the old run whole.
//! 2. **Plan.** [`FileSet::plan`] writes the journal `.clean-news-switch.json` (itself
//!    atomically): which temporary file becomes which name, which old file goes, and which
//!    index commit, if any, the switch belongs to.
//! 3. **Commit.** The caller commits the other half, the index transaction (which counts its
//!    commits). From here the new run is the truth.
//! 4. **Switch.** [`PlannedSwitch::switch`] renames the files in order and removes the
//!    journal.
//!
//! [`settle`] finishes or undoes a switch that a kill interrupted; a run calls it before
//! anything else. With an index, the switch is finished when the index holds the commit the
//! journal names (step 3 happened), and undone otherwise; without one, the journal itself is
//! the commit. So, killed at each point, a run leaves (as the next run sees it):
//!
//! | killed during | files | index |
//! |---|---|---|
//! | staging, planning | old run | old run |
//! | the index commit | as the commit landed: old (undone) or new (finished) | old or new |
//! | the switch | new run (switch finished) | new run |
//!
//! Before the next run settles it, a folder killed during step 4 (a few renames) can show
//! both runs' files; the journal beside them says so. A reader that finds
//! `.clean-news-switch.json` is looking at an unfinished switch.
//!
//! The journal names a commit *count*, so an index shared by several folders (`--index`)
//! that takes another folder's run between the kill and the next run here cannot tell: the
//! switch is then undone, leaving this folder's files one run behind the index.
//!
//! # Leftovers
//!
//! A killed writer leaves its temporary files (`.documents.jsonl.PID.N.tmp`, as big as the
//! output). [`remove_stale_temporaries`] removes those of the run's file names whose writer is
//! dead: its process id names no live process (read from `/proc` on Linux; where that cannot
//! be told the file is kept), or is this process's own id on a file older than the run
//! (containers reuse small process ids). A live run's temporary file is never touched, nor
//! the journal of a live run; a journal whose writer's liveness cannot be told is settled.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::{AtomicFile, StagedFile, parse_temp_name, sync_dir};
use crate::Error;

/// The journal of a planned switch, in the folder it switches.
pub const JOURNAL: &str = ".clean-news-switch.json";

/// Output files staged together, to become visible together.
///
/// # Example
///
/// ```
/// use std::io::Write;
/// use clean_news::output::{AtomicFile, FileSet};
///
/// let dir = tempfile::tempdir()?;
/// let mut files = FileSet::new(dir.path());
/// for name in ["a.jsonl", "b.json"] {
///     let mut file = AtomicFile::create(dir.path().join(name))?;
///     file.write_all(b"{}\n")?;
///     files.add(file.stage()?);
/// }
/// assert!(!dir.path().join("a.jsonl").exists()); // staged, not visible
/// let planned = files.plan(None)?;               // the journal is the commit point
/// planned.switch(|_| {})?;
/// assert!(dir.path().join("a.jsonl").exists() && dir.path().join("b.json").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct FileSet {
    dir: PathBuf,
    staged: Vec<StagedFile>,
    removed: Vec<String>,
}

impl FileSet {
    /// A set of files in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> FileSet {
        FileSet { dir: dir.into(), staged: Vec::new(), removed: Vec::new() }
    }

    /// Adds a staged file; files are switched in the order they were added.
    pub fn add(&mut self, file: StagedFile) {
        self.staged.push(file);
    }

    /// Has the switch remove `name` from the folder (a file an earlier run wrote that this
    /// one does not).
    pub fn remove(&mut self, name: &str) {
        self.removed.push(name.to_owned());
    }

    /// Writes the journal. `index_commit` is the index commit that completes this switch (the
    /// index's commit count once the caller's transaction lands), or `None` when the journal
    /// itself is the commit.
    ///
    /// # Errors
    ///
    /// A file is not in the folder, or the journal cannot be written; the staged files are
    /// then removed.
    pub fn plan(self, index_commit: Option<u64>) -> Result<PlannedSwitch, Error> {
        let mut moves = Vec::new();
        for file in &self.staged {
            if file.is_direct() {
                continue;
            }
            let (Some(temp), Some(name)) = (plain_name(file.temp_path()), plain_name(file.path()))
            else {
                let err = io::Error::other("not a file name");
                return Err(Error::io(Some(file.path().to_owned()), "cannot switch", err));
            };
            if file.path().parent() != Some(self.dir.as_path()) {
                let err = io::Error::other(format!("not in {}", self.dir.display()));
                return Err(Error::io(Some(file.path().to_owned()), "cannot switch", err));
            }
            moves.push(Move { temp: Some(temp.to_owned()), name: name.to_owned() });
        }
        moves.extend(self.removed.iter().map(|name| Move { temp: None, name: name.clone() }));
        let journal = Journal { owner: std::process::id(), index_commit, files: moves.clone() };
        let path = self.dir.join(JOURNAL);
        let json = serde_json::to_vec(&journal)
            .map_err(|e| Error::io(Some(path.clone()), "cannot write", io::Error::other(e)))?;
        let mut file = AtomicFile::create(&path)?;
        file.write_all(&json).map_err(|e| Error::io(Some(path.clone()), "cannot write", e))?;
        file.commit()?;
        // The journal answers for the temporary files now: they outlive this value.
        for file in self.staged {
            file.keep();
        }
        Ok(PlannedSwitch { dir: self.dir, moves })
    }
}

/// A switch whose journal is written; see the [module docs](self).
///
/// Dropped without [`switch`](Self::switch) or [`undo`](Self::undo), it stays planned: the
/// next [`settle`] finishes or undoes it.
#[derive(Debug)]
#[must_use = "a planned switch is finished by `switch` or `undo`, or by the next `settle`"]
pub struct PlannedSwitch {
    dir: PathBuf,
    moves: Vec<Move>,
}

impl PlannedSwitch {
    /// Renames every file into place in order (calling `on_each` with its position after
    /// each), removes the files to remove, then the journal.
    ///
    /// # Errors
    ///
    /// A rename fails; the journal stays, so the next [`settle`] finishes the switch.
    pub fn switch(self, mut on_each: impl FnMut(usize)) -> Result<(), Error> {
        for (position, one) in self.moves.iter().enumerate() {
            one.finish(&self.dir)?;
            on_each(position);
        }
        sync_dir(&self.dir);
        remove_journal(&self.dir)
    }

    /// Undoes the switch (the index transaction failed): removes the temporary files, then
    /// the journal. The folder is the old run's.
    ///
    /// # Errors
    ///
    /// A file or the journal cannot be removed; the next [`settle`] retries.
    pub fn undo(self) -> Result<(), Error> {
        for one in &self.moves {
            one.undo(&self.dir)?;
        }
        remove_journal(&self.dir)
    }
}

/// What [`settle`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Settled {
    /// No interrupted switch.
    Nothing,
    /// A switch whose commit had landed was finished: the folder is the newer run's.
    Finished,
    /// A switch whose commit had not landed was undone: the folder is the older run's.
    Undone,
    /// The journal's owner is still running; its switch was left alone.
    InProgress,
}

/// Finishes or undoes a switch interrupted in `dir` (see the [module docs](self)).
/// `index_commits` is the commit count of the index the run uses (`None` without an index).
///
/// # Errors
///
/// The journal cannot be read, or a file cannot be renamed or removed.
pub fn settle(dir: &Path, index_commits: Option<u64>) -> Result<Settled, Error> {
    let path = dir.join(JOURNAL);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Settled::Nothing),
        Err(err) => return Err(Error::io(Some(path), "cannot read", err)),
    };
    // The journal is written atomically, so an unreadable one was not written by a run: it
    // is removed, and the temporary files it might have named go as leftovers.
    let Ok(journal) = serde_json::from_slice::<Journal>(&bytes) else {
        remove_journal(dir)?;
        return Ok(Settled::Undone);
    };
    // Where liveness cannot be told the switch is settled: two runs writing one folder at
    // once are not supported anyway (with an index, the second one is refused).
    if journal.owner != std::process::id() && is_alive(journal.owner) == Some(true) {
        return Ok(Settled::InProgress);
    }
    let landed = match journal.index_commit {
        None => true,
        Some(commit) => index_commits == Some(commit),
    };
    for one in &journal.files {
        if landed { one.finish(dir)? } else { one.undo(dir)? }
    }
    sync_dir(dir);
    remove_journal(dir)?;
    Ok(if landed { Settled::Finished } else { Settled::Undone })
}

/// Removes temporary files of `names` in `dir` whose writer is dead (see the
/// [module docs](self)); `started` is when this run started. Returns what was removed.
///
/// # Errors
///
/// The folder cannot be listed or a stale file cannot be removed.
pub fn remove_stale_temporaries(
    dir: &Path,
    names: &[&str],
    started: SystemTime,
) -> Result<Vec<PathBuf>, Error> {
    let listing_error = |err| Error::io(Some(dir.to_owned()), "cannot list", err);
    let me = std::process::id();
    let mut removed = Vec::new();
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)
        .map_err(listing_error)?
        .collect::<Result<_, _>>()
        .map_err(listing_error)?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let file_name = entry.file_name();
        let Some((name, pid)) = file_name.to_str().and_then(parse_temp_name) else { continue };
        if !names.contains(&name) {
            continue;
        }
        let stale = if pid == me {
            let modified = entry.metadata().and_then(|m| m.modified());
            modified.is_ok_and(|modified| modified < started)
        } else {
            is_alive(pid) == Some(false)
        };
        if stale {
            let path = entry.path();
            match fs::remove_file(&path) {
                Ok(()) => removed.push(path),
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(Error::io(Some(path), "cannot remove", err)),
            }
        }
    }
    Ok(removed)
}

/// The journal: who wrote it, the commit that completes it, the files it moves.
#[derive(Debug, Serialize, Deserialize)]
struct Journal {
    owner: u32,
    index_commit: Option<u64>,
    files: Vec<Move>,
}

/// One file of a switch: a temporary file that becomes `name`, or (no `temp`) an old file
/// that goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Move {
    temp: Option<String>,
    name: String,
}

impl Move {
    fn finish(&self, dir: &Path) -> Result<(), Error> {
        let Some(name) = is_plain(&self.name) else { return Ok(()) };
        let target = dir.join(name);
        let done = match self.temp.as_deref().and_then(is_plain) {
            // Already renamed before a kill, when the temporary file is gone.
            Some(temp) => fs::rename(dir.join(temp), &target),
            None if self.temp.is_none() => fs::remove_file(&target),
            None => Ok(()),
        };
        match done {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(Error::io(Some(target), "cannot switch", err)),
        }
    }

    fn undo(&self, dir: &Path) -> Result<(), Error> {
        let Some(temp) = self.temp.as_deref().and_then(is_plain) else { return Ok(()) };
        let path = dir.join(temp);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(Error::io(Some(path), "cannot remove", err)),
        }
    }
}

/// `name` when it names a file right inside the folder: a journal is read back from disk and
/// must never move anything elsewhere.
fn is_plain(name: &str) -> Option<&str> {
    let plain = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\', '\0'])
        && name != JOURNAL;
    plain.then_some(name)
}

fn plain_name(path: &Path) -> Option<&str> {
    path.file_name()?.to_str().and_then(is_plain)
}

fn remove_journal(dir: &Path) -> Result<(), Error> {
    let path = dir.join(JOURNAL);
    match fs::remove_file(&path) {
        Ok(()) => {
            sync_dir(dir);
            Ok(())
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(Error::io(Some(path), "cannot remove", err)),
    }
}

/// Whether a process runs under `pid`: `None` when it cannot be told. On Linux `/proc` says;
/// a zombie (killed, not yet reaped) counts as dead.
fn is_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    match fs::read_to_string(proc.join(pid.to_string()).join("stat")) {
        // `PID (COMMAND) STATE …`; the command may hold spaces and parentheses.
        Ok(stat) => {
            let state =
                stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next());
            Some(!matches!(state, Some('Z' | 'X')))
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => Some(false),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged(dir: &Path, name: &str, text: &str) -> StagedFile {
        let mut file = AtomicFile::create(dir.join(name)).unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file.stage().unwrap()
    }

    fn visible(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Two files of an old run, and a planned switch to a new run that writes `a` and drops
    /// `b`; the test then plays the interruption.
    fn planned(dir: &Path, index_commit: Option<u64>) -> PlannedSwitch {
        fs::write(dir.join("a"), "old a").unwrap();
        fs::write(dir.join("b"), "old b").unwrap();
        let mut files = FileSet::new(dir);
        files.add(staged(dir, "a", "new a"));
        files.remove("b");
        files.plan(index_commit).unwrap()
    }

    #[test]
    fn a_switch_replaces_and_removes_then_drops_its_journal() {
        let dir = tempfile::tempdir().unwrap();
        let mut seen = Vec::new();
        planned(dir.path(), None).switch(|n| seen.push(n)).unwrap();
        assert_eq!(seen, [0, 1]);
        assert_eq!(visible(dir.path()), ["a"]);
        assert_eq!(fs::read_to_string(dir.path().join("a")).unwrap(), "new a");
    }

    #[test]
    fn an_unplanned_set_leaves_the_old_files_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a"), "old a").unwrap();
        let mut files = FileSet::new(dir.path());
        files.add(staged(dir.path(), "a", "new a"));
        drop(files);
        assert_eq!(visible(dir.path()), ["a"]);
        assert_eq!(fs::read_to_string(dir.path().join("a")).unwrap(), "old a");
    }

    #[test]
    fn settle_finishes_a_switch_whose_index_commit_landed() {
        let dir = tempfile::tempdir().unwrap();
        drop(planned(dir.path(), Some(4)));
        assert_eq!(settle(dir.path(), Some(4)).unwrap(), Settled::Finished);
        assert_eq!(visible(dir.path()), ["a"]);
        assert_eq!(fs::read_to_string(dir.path().join("a")).unwrap(), "new a");
    }

    #[test]
    fn settle_undoes_a_switch_whose_index_commit_did_not_land() {
        let dir = tempfile::tempdir().unwrap();
        drop(planned(dir.path(), Some(4)));
        assert_eq!(settle(dir.path(), Some(3)).unwrap(), Settled::Undone);
        assert_eq!(visible(dir.path()), ["a", "b"]);
        assert_eq!(fs::read_to_string(dir.path().join("a")).unwrap(), "old a");
    }

    #[test]
    fn settle_finishes_a_half_done_switch_without_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let switch = planned(dir.path(), None);
        switch.moves[0].finish(dir.path()).unwrap(); // killed after the first rename
        drop(switch);
        assert_eq!(settle(dir.path(), None).unwrap(), Settled::Finished);
        assert_eq!(visible(dir.path()), ["a"]);
        assert_eq!(settle(dir.path(), None).unwrap(), Settled::Nothing);
    }

    #[test]
    fn a_journal_never_moves_files_out_of_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("run");
        fs::create_dir(&inner).unwrap();
        fs::write(dir.path().join("outside"), "keep").unwrap();
        let hostile = format!(
            r#"{{"owner":{},"index_commit":null,"files":[{{"temp":null,"name":"../outside"}},{{"temp":"../outside","name":"x"}}]}}"#,
            std::process::id()
        );
        fs::write(inner.join(JOURNAL), hostile).unwrap();
        assert_eq!(settle(&inner, None).unwrap(), Settled::Finished);
        assert_eq!(fs::read_to_string(dir.path().join("outside")).unwrap(), "keep");
        assert!(visible(&inner).is_empty());
    }

    #[test]
    fn stale_temporaries_go_but_a_live_writers_stay() {
        let dir = tempfile::tempdir().unwrap();
        let me = std::process::id();
        let live = format!(".a.{me}.0.tmp");
        let other = ".other.1.0.tmp".to_owned(); // not a name of this run: never touched
        fs::write(dir.path().join(&live), "").unwrap();
        fs::write(dir.path().join(&other), "").unwrap();
        let started = SystemTime::UNIX_EPOCH; // every file is younger: this run wrote them
        let removed = remove_stale_temporaries(dir.path(), &["a"], started).unwrap();
        assert!(removed.is_empty());
        let later = SystemTime::now() + std::time::Duration::from_secs(60);
        let removed = remove_stale_temporaries(dir.path(), &["a"], later).unwrap();
        assert_eq!(removed, [dir.path().join(&live)]);
        assert_eq!(visible(dir.path()), [other]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_switch_of_a_live_run_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        drop(planned(dir.path(), None));
        let journal = fs::read_to_string(dir.path().join(JOURNAL)).unwrap();
        let mut other = std::process::Command::new("sleep").arg("30").spawn().unwrap();
        let theirs = journal.replacen(
            &format!(r#""owner":{}"#, std::process::id()),
            &format!(r#""owner":{}"#, other.id()),
            1,
        );
        assert_ne!(theirs, journal);
        fs::write(dir.path().join(JOURNAL), theirs).unwrap();
        let settled = settle(dir.path(), None);
        other.kill().unwrap();
        other.wait().unwrap();
        assert_eq!(settled.unwrap(), Settled::InProgress);
        assert_eq!(fs::read_to_string(dir.path().join("a")).unwrap(), "old a");
        assert_eq!(settle(dir.path(), None).unwrap(), Settled::Finished);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_process_that_ended_is_dead_and_this_one_is_alive() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert_eq!(is_alive(std::process::id()), Some(true));
        assert_eq!(is_alive(pid), Some(false));
    }
}

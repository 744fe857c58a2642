//! Step 9, write: cleaned documents and error records as JSON Lines, text files in a folder,
//! and files that appear whole or not at all.
//!
//! - **One record per line.** [`JsonLinesWriter`] writes each [`Cleaned`] as
//!   `{"id","title","text","meta","removed"}` and each failure as an [`ErrorRecord`]
//!   `{"type":"error","path","id","error"}`. A line is serialised in memory and written with
//!   one `write_all`, so a reader never sees half a record unless the disk fails.
//! - **Safe to print.** JSON already escapes control characters below U+0020; the writer
//!   also escapes DEL, the C1 controls (U+0080–U+009F, which some terminals obey) and the
//!   bidirectional overrides (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+2028/9) as `\uXXXX`,
//!   so `cat`ting scraped output cannot drive a terminal or hide text. The JSON value is the
//!   same; only its spelling changes.
//! - **Atomic files.** [`AtomicFile`] writes to a hidden temporary file in the same folder
//!   (`.NAME.PID.N.tmp`), then flushes, `fsync`s, renames it over the final name and
//!   `fsync`s the folder. A run killed mid-way leaves at most a temporary file, never a
//!   truncated file under the final name; dropping an uncommitted file removes its
//!   temporary. The file it replaces keeps its mode: the temporary file takes the old file's
//!   permissions (a `600` file stays private); owner and group are not carried over. Text
//!   folders skip the two `fsync`s per file by default (they cost ~9 ms per document on a
//!   test machine): their files are still never seen half-written by any process, only not
//!   guaranteed to survive a power loss right after the run.
//! - **Files seen together.** A run's several files switch from the old run's to the new
//!   run's as one step, and the temporary files of dead writers are removed by the next run:
//!   see [`file_set`].
//! - **Text folders.** [`TextDir`] writes each document as a `.txt` file at a path made from
//!   its id with `safe_relative_path`, so hostile ids (`../x`, `/etc/x`, `C:\x`) stay
//!   inside the folder. File names always end in `.txt` and folder names never do (a folder
//!   that would is renamed `NAME.txt_`), so an id can never need a file and a folder of the
//!   same name; ids that map to the same file (also case-insensitively) get `~2`, `~3`, … in
//!   the order written.
//! - **No symbolic links inside a text folder.** A link already in the folder
//!   (`txt/link -> ../elsewhere`) would carry an id's file out of it. The folders below the
//!   root are created one by one and a component that is a link (or not a folder) refuses
//!   the document, as does a link (or anything but a file) at the file's own name; temporary
//!   files are opened with `O_NOFOLLOW` and `O_EXCL`. A refused document is
//!   [`TextFile::Refused`], which the caller makes an error record; the rest goes on. The
//!   root itself is the user's choice and may be a link. What is not covered: a link put in
//!   place *while* the run writes (between the check and the rename); that needs
//!   `openat`-style calls, which the standard library does not offer.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::input::{Failure, safe_relative_path};
use crate::{Cleaned, Error};

pub mod file_set;
#[cfg(feature = "parquet")]
pub mod parquet;

pub use file_set::{FileSet, PlannedSwitch};

/// How many times [`AtomicFile::create`] tries another temporary name before giving up.
const TEMP_NAME_ATTEMPTS: u32 = 1000;

/// A document that could not be read or cleaned, as it appears in the output:
/// `{"type":"error","path":…,"id":…,"error":…}`.
///
/// # Example
///
/// ```
/// use clean_news::output::ErrorRecord;
///
/// let record = ErrorRecord { path: "in/a.txt".into(), id: Some("a.txt".into()), error: "binary file".into() };
/// assert_eq!(
///     serde_json::to_string(&record)?,
///     r#"{"type":"error","path":"in/a.txt","id":"a.txt","error":"binary file"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "error")]
pub struct ErrorRecord {
    /// The file (`-` for stdin).
    pub path: String,
    /// The document's id, when known (`null` otherwise).
    pub id: Option<String>,
    /// What went wrong.
    pub error: String,
}

impl From<Failure> for ErrorRecord {
    fn from(failure: Failure) -> ErrorRecord {
        ErrorRecord { path: failure.path, id: failure.id, error: failure.error }
    }
}

/// One output record: a cleaned document or an error record.
// Nearly every record is `Cleaned`: boxing it would cost an allocation each and save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A document that was read and cleaned.
    Cleaned(Cleaned),
    /// A document that could not be read or cleaned.
    Error(ErrorRecord),
}

/// Where a run's records go, in input order. The pipeline calls it from one thread.
///
/// A `Vec<Record>` is a sink that keeps everything in memory.
///
/// # Errors
///
/// Each method fails only when writing fails (a full disk, a closed pipe); the run stops.
pub trait Sink {
    /// Takes a cleaned document.
    ///
    /// # Errors
    ///
    /// Writing failed.
    fn cleaned(&mut self, cleaned: &Cleaned) -> Result<(), Error>;

    /// Takes a cleaned document by value: a sink that keeps documents keeps this one without
    /// a copy. By default, [`cleaned`](Sink::cleaned).
    ///
    /// # Errors
    ///
    /// Writing failed.
    fn take_cleaned(&mut self, cleaned: Cleaned) -> Result<(), Error> {
        self.cleaned(&cleaned)
    }

    /// Takes an error record.
    ///
    /// # Errors
    ///
    /// Writing failed.
    fn failed(&mut self, record: &ErrorRecord) -> Result<(), Error>;

    /// Pushes buffered records out; called after every batch of documents.
    ///
    /// # Errors
    ///
    /// Writing failed.
    fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

impl Sink for Vec<Record> {
    fn cleaned(&mut self, cleaned: &Cleaned) -> Result<(), Error> {
        self.push(Record::Cleaned(cleaned.clone()));
        Ok(())
    }

    fn take_cleaned(&mut self, cleaned: Cleaned) -> Result<(), Error> {
        self.push(Record::Cleaned(cleaned));
        Ok(())
    }

    fn failed(&mut self, record: &ErrorRecord) -> Result<(), Error> {
        self.push(Record::Error(record.clone()));
        Ok(())
    }
}

/// Writes records as JSON Lines, escaping what a terminal could obey.
///
/// # Example
///
/// ```
/// use clean_news::Cleaned;
/// use clean_news::output::JsonLinesWriter;
///
/// let mut out = JsonLinesWriter::new(Vec::new());
/// out.write_cleaned(&Cleaned { id: "a".into(), text: "Hi \u{202e}there".into(), ..Cleaned::default() })?;
/// let line = String::from_utf8(out.into_inner()).unwrap();
/// assert_eq!(line, "{\"id\":\"a\",\"title\":null,\"text\":\"Hi \\u202ethere\",\"meta\":{},\"removed\":[]}\n");
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug)]
pub struct JsonLinesWriter<W: Write> {
    out: W,
    line: Vec<u8>,
}

impl<W: Write> JsonLinesWriter<W> {
    /// Writes to `out`. Wrap files and stdout in a `BufWriter`: every record is one
    /// `write_all`.
    pub fn new(out: W) -> JsonLinesWriter<W> {
        JsonLinesWriter { out, line: Vec::new() }
    }

    /// Writes one cleaned document.
    ///
    /// # Errors
    ///
    /// An `Io` error when writing fails.
    pub fn write_cleaned(&mut self, cleaned: &Cleaned) -> Result<(), Error> {
        self.write_record(cleaned)
    }

    /// Writes one error record.
    ///
    /// # Errors
    ///
    /// An `Io` error when writing fails.
    pub fn write_error(&mut self, record: &ErrorRecord) -> Result<(), Error> {
        self.write_record(record)
    }

    /// Writes any serialisable record as one line (clusters, summaries, …).
    ///
    /// # Errors
    ///
    /// An `Io` error when writing fails or the record cannot be serialised (a map with
    /// non-string keys).
    pub fn write_record<T: Serialize + ?Sized>(&mut self, record: &T) -> Result<(), Error> {
        self.line.clear();
        let mut serializer = serde_json::Serializer::with_formatter(&mut self.line, TerminalSafe);
        record
            .serialize(&mut serializer)
            .map_err(|err| Error::io(None, "cannot serialise a record", io::Error::other(err)))?;
        self.line.push(b'\n');
        self.out.write_all(&self.line).map_err(|err| Error::io(None, "cannot write output", err))
    }

    /// Flushes the underlying writer.
    ///
    /// # Errors
    ///
    /// An `Io` error when flushing fails.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.out.flush().map_err(|err| Error::io(None, "cannot write output", err))
    }

    /// The underlying writer.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Returns the underlying writer (not flushed).
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Sink for JsonLinesWriter<W> {
    fn cleaned(&mut self, cleaned: &Cleaned) -> Result<(), Error> {
        self.write_cleaned(cleaned)
    }

    fn failed(&mut self, record: &ErrorRecord) -> Result<(), Error> {
        self.write_error(record)
    }

    fn flush(&mut self) -> Result<(), Error> {
        JsonLinesWriter::flush(self)
    }
}

/// serde_json's compact format, plus `\uXXXX` for characters a terminal could act on.
struct TerminalSafe;

/// Whether a character is escaped in the output although JSON does not require it.
fn is_terminal_unsafe(c: char) -> bool {
    matches!(c,
        '\u{7f}'..='\u{9f}'
        | '\u{200e}' | '\u{200f}'
        | '\u{2028}' | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}')
}

impl serde_json::ser::Formatter for TerminalSafe {
    /// Every character [`is_terminal_unsafe`] names starts with byte 0x7f, 0xc2 or 0xe2 in
    /// UTF-8, so the fragment is searched for those bytes rather than decoded char by char
    /// (this was a tenth of a run's serialising time).
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for at in memchr::memchr3_iter(0x7f, 0xc2, 0xe2, fragment.as_bytes()) {
            let Some(c) = fragment.get(at..).and_then(|rest| rest.chars().next()) else {
                continue;
            };
            if is_terminal_unsafe(c) {
                writer.write_all(fragment.get(start..at).unwrap_or_default().as_bytes())?;
                write!(writer, "\\u{:04x}", u32::from(c))?;
                start = at + c.len_utf8();
            }
        }
        writer.write_all(fragment.get(start..).unwrap_or_default().as_bytes())
    }
}

/// A file written under a temporary name and renamed into place by [`commit`](Self::commit).
///
/// # Example
///
/// ```
/// use std::io::Write;
/// use clean_news::output::AtomicFile;
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("out.jsonl");
/// let mut file = AtomicFile::create(&path)?;
/// file.write_all(b"{}\n")?;
/// assert!(!path.exists());          // still under its temporary name
/// file.commit()?;
/// assert_eq!(std::fs::read(&path)?, b"{}\n");
///
/// let mut abandoned = AtomicFile::create(dir.path().join("other.jsonl"))?;
/// abandoned.write_all(b"half")?;
/// drop(abandoned);                  // the temporary file is removed, nothing appears
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    temp: PathBuf,
    out: Option<BufWriter<File>>,
    committed: bool,
    sync: bool,
    /// `path` is a device, pipe or socket (`-o /dev/null`, a named pipe): written in place,
    /// since renaming a file over it would replace the device with a file.
    direct: bool,
}

impl AtomicFile {
    /// Creates a temporary file beside `path` (which need not exist). When `path` is a
    /// device, a named pipe or a socket, it is opened and written in place instead.
    ///
    /// # Errors
    ///
    /// An `Io` error when the folder does not exist or is not writable, or `path` has no file
    /// name.
    pub fn create(path: impl Into<PathBuf>) -> Result<AtomicFile, Error> {
        let path = path.into();
        let Some(name) = path.file_name() else {
            let err = io::Error::new(io::ErrorKind::InvalidInput, "not a file name");
            return Err(Error::io(Some(path), "cannot create", err));
        };
        let existing = fs::metadata(&path).ok();
        if existing.as_ref().is_some_and(|m| !m.is_file() && !m.is_dir()) {
            let file = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|err| Error::io(Some(path.clone()), "cannot open", err))?;
            let out = Some(BufWriter::with_capacity(64 * 1024, file));
            let temp = path.clone();
            return Ok(AtomicFile { path, temp, out, committed: false, sync: false, direct: true });
        }
        let dir = parent_dir(&path);
        let pid = std::process::id();
        let mut last = io::Error::other("no temporary name was free");
        for attempt in 0..TEMP_NAME_ATTEMPTS {
            let temp = dir.join(temp_name(name, pid, attempt));
            match open_new_file(&temp) {
                Ok(file) => {
                    // The file it replaces keeps its mode (a 600 file stays private).
                    if let Some(permissions) = existing.filter(fs::Metadata::is_file) {
                        let kept = file.set_permissions(permissions.permissions());
                        if let Err(err) = kept {
                            let _ = fs::remove_file(&temp);
                            return Err(Error::io(Some(path), "cannot keep the mode of", err));
                        }
                    }
                    let out = Some(BufWriter::with_capacity(64 * 1024, file));
                    return Ok(AtomicFile {
                        path,
                        temp,
                        out,
                        committed: false,
                        sync: true,
                        direct: false,
                    });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last = err,
                Err(err) => return Err(Error::io(Some(path), "cannot create", err)),
            }
        }
        Err(Error::io(Some(path), "cannot create", last))
    }

    /// Whether [`commit`](Self::commit) `fsync`s the file and its folder (default: yes).
    ///
    /// Without it the rename still happens only after every byte was written, so no process
    /// (nor a `kill -9`) ever sees the final name half-written; only a power loss or kernel
    /// crash right after the commit could.
    pub fn sync_on_commit(&mut self, yes: bool) -> &mut AtomicFile {
        self.sync = yes && !self.direct;
        self
    }

    /// The final name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary name the data is written under until [`commit`](Self::commit) (the
    /// final name itself for a device or pipe).
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Flushes, syncs and renames the file to its final name, replacing any file there.
    ///
    /// # Errors
    ///
    /// An `Io` error when any step fails; the temporary file is then removed.
    pub fn commit(self) -> Result<(), Error> {
        self.stage()?.publish()
    }

    /// Flushes and syncs the file but leaves it under its temporary name, for a
    /// [`FileSet`] to rename together with the other files of a run.
    ///
    /// # Errors
    ///
    /// An `Io` error when any step fails; the temporary file is then removed.
    pub fn stage(mut self) -> Result<StagedFile, Error> {
        let fail = |err: io::Error| Error::io(Some(self.path.clone()), "cannot write", err);
        let out = self.out.take().ok_or_else(|| fail(io::Error::other("already committed")))?;
        let file = out.into_inner().map_err(|err| fail(err.into_error()))?;
        if self.sync {
            file.sync_all().map_err(fail)?;
        }
        drop(file);
        // From here the staged file owns the temporary name.
        self.committed = true;
        Ok(StagedFile {
            path: std::mem::take(&mut self.path),
            temp: std::mem::take(&mut self.temp),
            sync: self.sync,
            direct: self.direct,
            published: false,
        })
    }
}

/// A file written whole under its temporary name, waiting to be renamed into place; made by
/// [`AtomicFile::stage`]. Dropped unpublished, its temporary file is removed.
#[derive(Debug)]
pub struct StagedFile {
    path: PathBuf,
    temp: PathBuf,
    sync: bool,
    direct: bool,
    published: bool,
}

impl StagedFile {
    /// The final name.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary name (the final name itself for a device or pipe).
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Whether the file was written in place (a device or a pipe): nothing to rename.
    pub(crate) fn is_direct(&self) -> bool {
        self.direct
    }

    /// Renames the file to its final name and, when syncing, `fsync`s the folder.
    ///
    /// # Errors
    ///
    /// An `Io` error when the rename fails; the temporary file is then removed.
    pub fn publish(mut self) -> Result<(), Error> {
        if !self.direct {
            fs::rename(&self.temp, &self.path)
                .map_err(|err| Error::io(Some(self.path.clone()), "cannot write", err))?;
            if self.sync {
                sync_dir(parent_dir(&self.path));
            }
        }
        self.published = true;
        Ok(())
    }

    /// Gives up ownership of the temporary file: it stays, under its temporary name, and
    /// someone else (a switch journal) answers for it.
    pub(crate) fn keep(mut self) -> (PathBuf, PathBuf) {
        self.published = true;
        (std::mem::take(&mut self.path), std::mem::take(&mut self.temp))
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.published && !self.direct {
            // Best effort: a temporary file left behind is hidden, and the next run removes it.
            let _ = fs::remove_file(&self.temp);
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.out {
            Some(out) => out.write(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.write_all(buf),
            None => Err(io::Error::other("file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed && !self.direct {
            drop(self.out.take());
            // Best effort: a temporary file left behind is harmless and hidden.
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// The hidden temporary name of a file being written: `.NAME.PID.ATTEMPT.tmp`. The process id
/// tells a later run whether the writer is still alive ([`file_set::remove_stale_temporaries`]).
pub(crate) fn temp_name(name: &OsStr, pid: u32, attempt: u32) -> OsString {
    let mut temp = OsString::from(".");
    temp.push(name);
    temp.push(format!(".{pid}.{attempt}.tmp"));
    temp
}

/// The final name and the writer's process id of a temporary name made by [`temp_name`].
fn parse_temp_name(temp: &str) -> Option<(&str, u32)> {
    let rest = temp.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (rest, attempt) = rest.rsplit_once('.')?;
    let (name, pid) = rest.rsplit_once('.')?;
    attempt.parse::<u32>().ok()?;
    Some((name, pid.parse().ok()?))
}

/// Creates a file that must not exist yet; on Unix a symlink in its place is refused too
/// (`O_NOFOLLOW`, on top of the refusal `O_EXCL` already gives).
fn open_new_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Makes a rename durable. Only possible (and needed) on Unix; failure only weakens
/// durability, not correctness, so it is ignored.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// What [`TextDir::write`] did with one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextFile {
    /// Written, at this path relative to the folder.
    Written(PathBuf),
    /// Not written: the path (relative to the folder) passes through a symbolic link or
    /// meets something of the wrong kind.
    Refused {
        /// The path the document would have had.
        path: PathBuf,
        /// Why it was refused.
        reason: String,
    },
}

/// What a path inside a text folder should be, if it exists.
#[derive(Clone, Copy)]
enum Expect {
    Folder,
    File,
}

/// What stands at a path inside a text folder.
enum Found {
    Nothing,
    Expected,
    /// Something that must not be used: why.
    Refused(String),
}

/// Looks at `path` without following a symbolic link.
fn look(path: &Path, expect: Expect) -> Found {
    let Ok(meta) = fs::symlink_metadata(path) else { return Found::Nothing };
    let kind = meta.file_type();
    let problem = if kind.is_symlink() {
        "is a symbolic link; text files are never written through one"
    } else {
        match expect {
            Expect::Folder if kind.is_dir() => return Found::Expected,
            Expect::File if kind.is_file() => return Found::Expected,
            Expect::Folder => "is not a folder",
            Expect::File => "is not a regular file",
        }
    };
    Found::Refused(format!("{} {problem}", path.display()))
}

/// Writes each cleaned document as a `.txt` file in a folder tree mirroring the ids.
///
/// A file holds the title (when there is one), a blank line and the text, ending in a
/// newline; an empty document gives an empty file.
///
/// # Example
///
/// ```
/// use clean_news::Cleaned;
/// use clean_news::output::{TextDir, TextFile};
///
/// let dir = tempfile::tempdir()?;
/// let mut texts = TextDir::create(dir.path())?;
/// let doc = Cleaned { id: "../../news/a.html".into(), title: Some("T".into()), text: "Body.".into(), ..Cleaned::default() };
/// let written = texts.write(&doc)?;
/// assert_eq!(written, TextFile::Written("news/a.html.txt".into()));
/// let text = std::fs::read_to_string(dir.path().join("news/a.html.txt"))?;
/// assert_eq!(text, "T\n\nBody.\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TextDir {
    root: PathBuf,
    /// Relative paths handed out, lower-cased: case-insensitive file systems merge them.
    used: HashSet<String>,
    sync_each_file: bool,
}

impl TextDir {
    /// Uses `root` (created if missing).
    ///
    /// # Errors
    ///
    /// An `Io` error when the folder cannot be created.
    pub fn create(root: impl Into<PathBuf>) -> Result<TextDir, Error> {
        let root = root.into();
        fs::create_dir_all(&root)
            .map_err(|err| Error::io(Some(root.clone()), "cannot create folder", err))?;
        Ok(TextDir { root, used: HashSet::new(), sync_each_file: false })
    }

    /// Whether each file is `fsync`ed before its rename (default: no; see
    /// [`AtomicFile::sync_on_commit`]). Syncing costs two `fsync`s per document: on a
    /// test machine's disk, 93 s instead of 7.6 s for 10,000 files (debug build).
    pub fn sync_each_file(&mut self, yes: bool) -> &mut TextDir {
        self.sync_each_file = yes;
        self
    }

    /// The folder written to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes one document atomically. A path that would pass through a symbolic link, or
    /// meets a file where a folder goes (or the reverse), is refused: that document is not
    /// written, and the caller makes it an error record.
    ///
    /// # Errors
    ///
    /// An `Io` error when a folder or the file cannot be written (a full disk, no
    /// permission): the run cannot go on.
    pub fn write(&mut self, cleaned: &Cleaned) -> Result<TextFile, Error> {
        let relative = self.reserve(&cleaned.id);
        if let Err(reason) = self.make_folders(&relative)? {
            return Ok(TextFile::Refused { path: relative, reason });
        }
        let path = self.root.join(&relative);
        if let Found::Refused(reason) = look(&path, Expect::File) {
            return Ok(TextFile::Refused { path: relative, reason });
        }
        let mut file = AtomicFile::create(&path)?;
        file.sync_on_commit(self.sync_each_file);
        let write = |file: &mut AtomicFile| -> io::Result<()> {
            if let Some(title) = cleaned.title.as_deref().filter(|t| !t.is_empty()) {
                file.write_all(title.as_bytes())?;
                file.write_all(b"\n\n")?;
            }
            file.write_all(cleaned.text.as_bytes())?;
            if !cleaned.text.is_empty() && !cleaned.text.ends_with('\n') {
                file.write_all(b"\n")?;
            }
            Ok(())
        };
        write(&mut file).map_err(|err| Error::io(Some(path.clone()), "cannot write", err))?;
        file.commit()?;
        Ok(TextFile::Written(relative))
    }

    /// Creates the folders of `relative` one by one under the root, never following a
    /// symbolic link: `Ok(Err(reason))` refuses the document.
    fn make_folders(&self, relative: &Path) -> Result<Result<(), String>, Error> {
        let mut at = self.root.clone();
        for component in relative.parent().into_iter().flat_map(Path::components) {
            at.push(component);
            match look(&at, Expect::Folder) {
                Found::Expected => continue,
                Found::Refused(reason) => return Ok(Err(reason)),
                Found::Nothing => {}
            }
            match fs::create_dir(&at) {
                Ok(()) => {}
                // Made meanwhile (by another writer): looked at again, since it may be a link.
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    if let Found::Refused(reason) = look(&at, Expect::Folder) {
                        return Ok(Err(reason));
                    }
                }
                Err(err) => return Err(Error::io(Some(at), "cannot create folder", err)),
            }
        }
        Ok(Ok(()))
    }

    /// The relative path for an id, unique among the paths handed out so far.
    fn reserve(&mut self, id: &str) -> PathBuf {
        let safe = safe_relative_path(id);
        let mut parts: Vec<String> =
            safe.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let Some(last) = parts.pop() else { return PathBuf::from("_.txt") };
        for dir in &mut parts {
            if dir.to_ascii_lowercase().ends_with(".txt") {
                dir.push('_');
            }
        }
        let stem = if last.to_ascii_lowercase().ends_with(".txt") {
            last.get(..last.len() - ".txt".len()).unwrap_or(&last).to_owned()
        } else {
            last
        };
        let mut n = 1u64;
        loop {
            let name = if n == 1 { format!("{stem}.txt") } else { format!("{stem}~{n}.txt") };
            let mut path: PathBuf = parts.iter().collect();
            path.push(name);
            if self.used.insert(path.to_string_lossy().to_lowercase()) {
                return path;
            }
            n = n.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(cleaned: &Cleaned) -> String {
        let mut out = JsonLinesWriter::new(Vec::new());
        out.write_cleaned(cleaned).unwrap();
        String::from_utf8(out.into_inner()).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_written_in_place_and_stays_a_pipe() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("out.fifo");
        // `-o /dev/null` is the everyday case; a named pipe tests the same path safely.
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here: nothing to test
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        let mut file = AtomicFile::create(&fifo).unwrap();
        file.write_all(b"{}\n").unwrap();
        file.commit().unwrap();
        // Checked before joining: had the pipe been replaced, its reader would wait forever.
        assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo(), "the pipe was replaced");
        assert_eq!(reader.join().unwrap(), b"{}\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "a temporary file was left");
    }

    #[test]
    fn escapes_c1_controls_and_bidi_overrides_but_keeps_the_value() {
        let text = "a\u{9b}31m b\u{202e}c d\u{7f} e\u{1b}[0m ü 中";
        let cleaned = Cleaned { id: "x".into(), text: text.into(), ..Cleaned::default() };
        let written = line(&cleaned);
        assert!(written.contains(r"a\u009b31m b\u202ec d\u007f e\u001b[0m ü 中"), "{written}");
        assert!(!written.chars().any(|c| c.is_control() && c != '\n'));
        let back: Cleaned = serde_json::from_str(&written).unwrap();
        assert_eq!(back.text, text);
    }

    /// Every character from U+0000 to U+2FFF (all the escaped ones among them) and a few
    /// beyond, escaped by the byte search as by decoding each character.
    #[test]
    fn byte_search_escapes_what_decoding_each_character_escapes() {
        let mut text: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        text.push_str("«ё» — “x” \u{a0}\u{2069}中\u{1f600}\u{e2}");
        let mut expected = String::new();
        for c in text.chars() {
            if is_terminal_unsafe(c) {
                expected.push_str(&format!("\\u{:04x}", u32::from(c)));
            } else {
                expected.push(c);
            }
        }
        let mut written = Vec::new();
        serde_json::ser::Formatter::write_string_fragment(&mut TerminalSafe, &mut written, &text)
            .unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), expected);
    }

    #[test]
    fn error_records_carry_a_type_tag_and_a_null_id() {
        let mut out = JsonLinesWriter::new(Vec::new());
        out.write_error(&ErrorRecord { path: "-".into(), id: None, error: "x".into() }).unwrap();
        assert_eq!(
            String::from_utf8(out.into_inner()).unwrap(),
            "{\"type\":\"error\",\"path\":\"-\",\"id\":null,\"error\":\"x\"}\n"
        );
    }

    #[test]
    fn uncommitted_atomic_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        fs::write(&path, "old\n").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new\n").unwrap();
        file.flush().unwrap();
        assert!(file.temp_path().exists());
        drop(file);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn committed_atomic_file_replaces_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        fs::write(&path, "old\n").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new\n").unwrap();
        file.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn commit_without_sync_still_renames_into_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        let mut file = AtomicFile::create(&path).unwrap();
        file.sync_on_commit(false).write_all(b"x").unwrap();
        file.commit().unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "x");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn atomic_files_in_one_folder_get_distinct_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let a = AtomicFile::create(dir.path().join("x")).unwrap();
        let b = AtomicFile::create(dir.path().join("x")).unwrap();
        assert_ne!(a.temp_path(), b.temp_path());
        assert!(a.temp_path().file_name().unwrap().to_string_lossy().starts_with(".x."));
    }

    #[test]
    fn atomic_file_in_a_missing_folder_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = AtomicFile::create(dir.path().join("no/such/x")).unwrap_err();
        assert!(matches!(err.kind(), crate::ErrorKind::Io { .. }));
    }

    #[test]
    fn text_dir_names_end_in_txt_and_folders_never_do() {
        let dir = tempfile::tempdir().unwrap();
        let mut texts = TextDir::create(dir.path()).unwrap();
        assert_eq!(texts.reserve("a"), Path::new("a.txt"));
        assert_eq!(texts.reserve("a.txt/b"), Path::new("a.txt_/b.txt"));
        assert_eq!(texts.reserve("b.TXT"), Path::new("b.txt"));
        assert_eq!(texts.reserve("c.html"), Path::new("c.html.txt"));
    }

    #[test]
    fn text_dir_keeps_colliding_ids_apart_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut texts = TextDir::create(dir.path()).unwrap();
        assert_eq!(texts.reserve("../a"), Path::new("a.txt"));
        assert_eq!(texts.reserve("/a"), Path::new("a~2.txt"));
        assert_eq!(texts.reserve("A.txt"), Path::new("A~3.txt"));
    }

    #[test]
    fn text_dir_writes_title_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let mut texts = TextDir::create(dir.path().join("t")).unwrap();
        let doc = Cleaned { id: "x/y".into(), text: "Body.\n".into(), ..Cleaned::default() };
        assert_eq!(texts.write(&doc).unwrap(), TextFile::Written("x/y.txt".into()));
        assert_eq!(fs::read_to_string(texts.root().join("x/y.txt")).unwrap(), "Body.\n");
        let empty = Cleaned { id: "e".into(), ..Cleaned::default() };
        assert_eq!(texts.write(&empty).unwrap(), TextFile::Written("e.txt".into()));
        assert_eq!(fs::read_to_string(texts.root().join("e.txt")).unwrap(), "");
    }

    #[cfg(unix)]
    #[test]
    fn text_dir_refuses_links_and_wrong_kinds_but_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::create_dir(&outside).unwrap();
        let root = dir.path().join("t");
        let mut texts = TextDir::create(&root).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("link")).unwrap();
        std::os::unix::fs::symlink(outside.join("f.txt"), root.join("f.txt")).unwrap();
        fs::write(root.join("file"), "").unwrap();
        let doc = |id: &str| Cleaned { id: id.into(), text: "x".into(), ..Cleaned::default() };
        for (id, path, problem) in [
            ("link/a", "link", "is a symbolic link"),
            ("link/deeper/a", "link", "is a symbolic link"),
            ("f", "f.txt", "is a symbolic link"),
            ("file/a", "file", "is not a folder"),
        ] {
            let TextFile::Refused { reason, .. } = texts.write(&doc(id)).unwrap() else {
                panic!("{id} was written");
            };
            let expected = format!("{} {problem}", root.join(path).display());
            assert!(reason.starts_with(&expected), "{id}: {reason}");
        }
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        assert_eq!(texts.write(&doc("ok/a")).unwrap(), TextFile::Written("ok/a.txt".into()));
    }

    #[cfg(unix)]
    #[test]
    fn replacing_a_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        fs::write(&path, "old\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new\n").unwrap();
        file.commit().unwrap();
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn temporary_names_say_the_name_and_the_writer() {
        let temp = temp_name(OsStr::new("documents.jsonl"), 4242, 7);
        assert_eq!(temp, ".documents.jsonl.4242.7.tmp");
        assert_eq!(parse_temp_name(".documents.jsonl.4242.7.tmp"), Some(("documents.jsonl", 4242)));
        assert_eq!(parse_temp_name(".a.b.tmp"), None);
        assert_eq!(parse_temp_name("documents.jsonl.1.0.tmp"), None);
    }
}

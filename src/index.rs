//! Step 9: remember what was seen, so that tomorrow's repost joins today's cluster.
//!
//! The store is embedded: one [`redb`] file (`OUTDIR/index.redb` by default), nothing to
//! install or start. redb is ACID with copy-on-write pages: a run writes everything it learned
//! in **one** write transaction, so a run killed at any moment leaves the index as it was before
//! the run or as it is after it, never in between, and rerunning the same input is idempotent
//! (a document already present, same id and same text, is recognised, not added again).
//!
//! What is kept per document is what steps 6–8 need to link new documents to it: its id, site,
//! publication time, cluster and canonical flag, the hash of its title and text (it tells a
//! document seen again from a new version under the same id,
//! [`pipeline::ids`](crate::pipeline::ids)), and its signature as opaque bytes (the
//! deduplicator owns that encoding and its version): one record in `docs` (see `record`).
//! LSH band keys are kept as postings `band key → document number` in sorted, compressed,
//! immutable segments (see `postings`), so finding the candidates of a new document is one
//! block lookup per band and segment, and those of a whole batch one walk of each segment.
//!
//! # Stored format
//!
//! Tables: `meta` (format version, configuration fingerprint, next document and segment
//! numbers, commits), `docs` (`number → record`), `ids` (`id → number`), `clusters`
//! (`cluster → members`), `sites` (`site → template profile`), `postings`
//! (`segment << 64 | first key → block`) and `segments` (`segment → postings, blocks`);
//! runs that group stories add `stories` and `story_lookup` (see `stories`).
//! Every integer is little-endian; the format version and a fingerprint of the configuration
//! that shaped the signatures (shingle size, hash seeds, bands) are checked on open. A
//! mismatch is an [`ErrorKind::Index`](crate::ErrorKind::Index) error that says how to rebuild;
//! an index written by a newer version is refused, never "upgraded" in place. An index of
//! format 3 (postings one row each in a multimap, text hashes in a table of their own) is
//! migrated by the first writer that opens it, in its opening transaction; a reader says
//! so and leaves it as it is.
//!
//! # Why this layout (measured)
//!
//! Format 3 kept one B-tree row per posting (`bands`, a redb multimap, about 77 keys a
//! document). `examples/index_scale.rs`, one million synthetic documents added in batches of
//! 30,000 (release build, 2 threads; `--load-docs` so that both formats get the same signed
//! documents):
//!
//! | per document                   | format 3, 100k | format 4, 100k | format 3, 1M | format 4, 1M |
//! |--------------------------------|---------------:|---------------:|-------------:|-------------:|
//! | file as written                | 11,409 B       | 5,704 B        | 8,590 B      | 6,466 B      |
//! | postings (stored+tree+frag.)   | 1,825 B        | 621 B          | 2,012 B      | 621 B        |
//! | `docs` (stored+tree+frag.)     | 3,705 B        | 3,696 B        | 3,709 B      | 3,700 B      |
//! | of which the signature         | 2,525 B        | 2,525 B        | 2,525 B      | 2,525 B      |
//! | `ids` (+ format 3's `texts`)   | 40 B           | 20 B           | 40 B         | 20 B         |
//! | add, docs/s (whole run)        | 3,047          | 10,775         | 1,247        | 5,467        |
//! | add, docs/s (last batch)       | 2,483          | 26,021         | 352          | 9,374        |
//! | candidates, docs/s (a batch)   | 19,631         | 45,404         | 2,991        | 2,904        |
//! | candidates, docs/s (a doc)     | 4,316          | 2,591          | 280          | 153          |
//!
//! (Wall-clock rates on a shared, loaded 2-core machine: ratios, not absolutes. Both formats
//! return the same candidates: 1.07 and 12.74 a document in a batch at 100k and 1M.) The
//! file as written is the tables plus what redb's growth (it doubles the file up to a
//! region) and a merge's old pages leave free; `clean-news index prune` compacts.
//!
//! The multimap's keys are random, so every batch touched nearly every leaf of a tree of
//! 77 million rows: a commit rewrote most of the tree (copy-on-write), the file kept the
//! old pages as free space, and adds slowed with size. Sorted segments are written in key
//! order, once, and merged as a binary counter (each posting rewritten about `log2(batches)`
//! times); Rice-coded gaps take a posting to about 8 bytes with its full 64-bit key, so a
//! candidate is never a false match. An LSM store (`fjall`) or segment files beside the redb
//! file (tantivy's way) would give the same shape with more moving parts (a second crash
//! story, a second lock, a second damage story); redb with this layout keeps one file, one
//! transaction a run, and redb's checksums, which is why it was kept.
//!
//! Format 5 (issue 19) keeps a key's high 40 bits only: the keys are hashes already, and
//! the low 24 bits cost 3 bytes a posting while telling apart keys that a million documents'
//! 71 million postings almost never share (a false candidate, about one in 200 documents,
//! is verified away like any other). Signatures shrank to about 640 bytes (`dedup::signature`).
//! A run of 1,003,680 documents (`benches/scale_run.py --size 1m`): 1,313 bytes a document
//! on disk, of which `docs` 819 (726 stored), postings 384 (328 stored), ids 36, site
//! profiles 64.
//! Below one redb region (4 GiB) a file doubles as it grows, so that run's file reached
//! 2.28 GB for 1.32 GB of pages; [`Index::compact_if_sparse`] gives the rest back after the
//! run. A run's postings enter the file once, in key order (`runs`), so the free space is
//! at the file's end and compacting it is a cut (3.3 s at that size; 15 s when a run's
//! merged segments left holes to fill).
//!
//! # Damage
//!
//! A file changed behind redb's back (a bad disk, a copy cut short, a stray write) must give
//! an error that names the file and the way out, never a panic and never silently wrong
//! clusters. redb trusts the pages it reads and may panic on a damaged one; it verifies page
//! checksums only in its integrity check. So every open runs that check first: a writer
//! ([`Index::open`]) on the file itself (redb repairs what it can, such as its allocator
//! state after a crash, and refuses the rest); a reader ([`Index::open_read_only`], used by
//! `clean-news index stats` and `index check`) on a scratch copy in memory, so the file is
//! only ever read (see `scratch`). The check reads the whole file once per open: on a 140 MB
//! index (20,910 documents), 0.18 s against 0.02 s for an open without it (release build,
//! file in the page cache).
//!
//! As a last resort, every call into redb is made inside `std::panic::catch_unwind`: damage
//! the checksums cannot see (a page that is valid but says something impossible) turns into
//! the same "damaged" error instead of ending the process. [`check`](Index::check) goes
//! further and compares the tables with each other (`clean-news index check`).

mod adding;
mod check;
mod postings;
mod record;
mod runs;
mod scratch;
mod stories;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use redb::{
    Database, DatabaseError, MultimapTableDefinition, ReadOnlyDatabase, ReadableDatabase,
    ReadableMultimapTable, ReadableTable, ReadableTableMetadata, TableDefinition,
};

use postings::{POSTINGS, PostingsError, SEGMENTS, SegmentInfo};

pub use adding::{Adding, SEGMENT_POSTINGS};
pub use check::IndexCheck;
pub use stories::{RememberedStory, StoryRecord};

use crate::Error;

/// The version of the stored format. Bump it when an encoding, a hash or a seed changes.
pub(crate) const FORMAT_VERSION: u32 = 5;
/// The format before band keys were shortened in postings segments: read as it is (its
/// segments say they keep whole keys), stamped with the current version by the first writer
/// that opens it; its segments are rewritten shortened when they are next merged.
const READS_AS_IS: u32 = 4;
/// The last format that kept postings in a multimap table and text hashes apart: a writer
/// migrates it ([`Index::open`]).
const MIGRATES_FROM: u32 = 3;

/// redb's page cache of a writer unless told another (redb's default is 1 GiB). Adds write in key order and a run
/// reads what its batch looks up once, so a larger cache bought little but resident memory:
/// at a million documents the default cache was a gigabyte of a run's peak.
const CACHE_BYTES: usize = 256 << 20;

/// Free bytes below which [`Index::compact_if_sparse`] leaves a file as it is.
pub const SPARSE_BYTES: u64 = 64 << 20;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const DOCS: TableDefinition<u64, &[u8]> = TableDefinition::new("docs");
const IDS: TableDefinition<&str, u64> = TableDefinition::new("ids");
/// Format 3's postings, one row a posting; migrated into `postings`.
const BANDS: MultimapTableDefinition<u64, u64> = MultimapTableDefinition::new("bands");
const CLUSTERS: TableDefinition<&str, u64> = TableDefinition::new("clusters");
const SITES: TableDefinition<&str, &[u8]> = TableDefinition::new("sites");
/// Format 3's `id → hash of its title and text`; the hash is in the record since format 4.
const TEXTS: TableDefinition<&str, u64> = TableDefinition::new("texts");

const KEY_VERSION: &str = "format_version";
const KEY_FINGERPRINT: &str = "config_fingerprint";
const KEY_NEXT_DOC: &str = "next_doc";
/// The number the next postings segment gets.
const KEY_NEXT_SEGMENT: &str = "next_segment";
/// How many times [`Index::add`] committed: a run's output switch names the commit that
/// completes it (`output::file_set`).
const KEY_COMMITS: &str = "commits";

/// One document as the index remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedDoc {
    /// The document id.
    pub id: String,
    /// Its site, if known.
    pub site: Option<String>,
    /// Publication time in seconds since 1970 (as printed; see `dedup::published_seconds`).
    pub published: Option<i64>,
    /// The cluster it belongs to.
    pub cluster: String,
    /// Whether it is its cluster's canonical member.
    pub canonical: bool,
    /// The deduplicator's signature, encoded by the deduplicator.
    pub signature: Vec<u8>,
    /// The hash of its title and text as cleaned
    /// ([`pipeline::ids::text_hash`](crate::pipeline::ids::text_hash)), when known.
    pub text_hash: Option<u64>,
}

/// A document to add, with the LSH band keys under which it can be found.
#[derive(Debug, Clone)]
pub struct NewDoc {
    /// The document.
    pub doc: IndexedDoc,
    /// Its band keys.
    pub bands: Vec<u64>,
}

/// Counts that describe an index; `clean-news index stats` prints them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IndexStats {
    /// The stored format version.
    pub format_version: u32,
    /// Documents remembered.
    pub documents: u64,
    /// Clusters they belong to (singletons included).
    pub clusters: u64,
    /// Band postings (band key, document) pairs.
    pub band_postings: u64,
    /// Sites with a saved template profile.
    pub site_profiles: u64,
    /// Earliest and latest publication times (seconds since 1970), if any is known.
    pub published_range: Option<(i64, i64)>,
    /// Size of the file in bytes.
    pub file_bytes: u64,
    /// Where the bytes go, table by table.
    pub tables: BTreeMap<&'static str, TableBytes>,
}

/// The storage one table takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct TableBytes {
    /// Entries (for `bands`: postings).
    pub entries: u64,
    /// Bytes of keys and values.
    pub stored: u64,
    /// Bytes of the tree around them: branch pages and other metadata.
    pub metadata: u64,
    /// Bytes lost to fragmentation inside pages.
    pub fragmented: u64,
}

impl TableBytes {
    fn of(entries: u64, stats: &redb::TableStats) -> TableBytes {
        TableBytes {
            entries,
            stored: stats.stored_bytes(),
            metadata: stats.metadata_bytes(),
            fragmented: stats.fragmented_bytes(),
        }
    }
}

/// An open index.
///
/// # Example
///
/// ```
/// use clean_news::index::{Index, IndexedDoc, NewDoc};
///
/// let dir = tempfile::tempdir().unwrap();
/// let index = Index::open(dir.path().join("index.redb"), 42)?;
/// let doc = IndexedDoc {
///     id: "a".into(), site: None, published: Some(0), cluster: "c1".into(),
///     canonical: true, signature: vec![1, 2, 3], text_hash: Some(5),
/// };
/// index.add(&[NewDoc { doc: doc.clone(), bands: vec![7, 9] }], &[])?;
/// assert_eq!(index.get("a")?, Some(doc));
/// assert_eq!(index.candidates(&[9])?.len(), 1);
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug)]
pub struct Index {
    db: Database,
    path: PathBuf,
    access: Access,
}

/// How an [`Index`] was opened.
enum Access {
    /// On the file: reads and writes.
    Write,
    /// On a scratch copy in memory: reads only. The read-only handle, when redb gave one,
    /// holds the file's reader lock, so that no run writes to it meanwhile.
    Read { _lock: Option<ReadOnlyDatabase> },
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Access::Write => "Write",
            Access::Read { .. } => "Read",
        })
    }
}

/// Why [`Index::open_read_only`] failed: what the file holds, or getting at it.
enum ReadOpenError {
    /// The file is damaged, not an index, or of another format or configuration.
    Content(Error),
    /// The file cannot be opened, or a run is writing it.
    Access(Error),
}

impl ReadOpenError {
    fn into_error(self) -> Error {
        match self {
            ReadOpenError::Content(err) | ReadOpenError::Access(err) => err,
        }
    }
}

fn index_error(path: &Path, what: &str, err: impl std::fmt::Display) -> Error {
    Error::index(format!("{what} {}: {err}", path.display()))
}

/// The way out of a damaged index, said the same way everywhere.
fn way_out(path: &Path) -> String {
    format!(
        "`clean-news index check {0}` lists what is wrong; to rebuild, delete {0} and rerun \
         (the run starts a new index and remembers from then on)",
        path.display()
    )
}

/// The error for a file redb cannot use: damaged, cut short, or no index at all.
fn damaged(path: &Path, detail: impl std::fmt::Display) -> Error {
    Error::index(format!(
        "{} is damaged or is not an index ({detail}); {}",
        path.display(),
        way_out(path)
    ))
}

/// Runs `work`, which calls into redb, turning a panic inside redb into a "damaged" error.
///
/// redb panics (`unreachable!`, a failed assertion, a slice out of range) when a page that
/// passed or skipped its checksum holds impossible values. The panic cannot leave the
/// index's own state half-changed: redb's transactions are the only state, and one that
/// panicked is dropped without commit.
fn contained<T>(path: &Path, work: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Err(damaged(path, format!("redb stopped on it: {message}")))
    })
}

/// Maps an error of opening a file with redb.
fn open_error(path: &Path, err: DatabaseError) -> Error {
    match err {
        DatabaseError::DatabaseAlreadyOpen => Error::index(format!(
            "{} is in use by another run (one writer at a time; wait for it or use --index \
             elsewhere)",
            path.display()
        )),
        DatabaseError::Storage(redb::StorageError::Io(io))
            if matches!(
                io.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied
            ) =>
        {
            index_error(path, "cannot open", io)
        }
        other => damaged(path, other),
    }
}

impl Index {
    /// Opens the index at `path`, creating it if it does not exist.
    ///
    /// `fingerprint` identifies the configuration that shaped the stored signatures; an index
    /// made with another one is refused. The whole file is checked first (see "Damage" in
    /// the module docs).
    ///
    /// # Errors
    ///
    /// The file cannot be opened or created; another run has it open ("in use"); it was
    /// written by another format version or configuration; it is damaged or not an index
    /// (the message names the file and how to rebuild it).
    pub fn open(path: impl AsRef<Path>, fingerprint: u64) -> Result<Index, Error> {
        Index::open_with_cache(path, fingerprint, CACHE_BYTES)
    }

    /// [`open`](Self::open) with a page cache of `cache_bytes` instead of the default 256 MiB
    /// (a run sizes it from its memory budget).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_with_cache(
        path: impl AsRef<Path>,
        fingerprint: u64,
        cache_bytes: usize,
    ) -> Result<Index, Error> {
        let path = path.as_ref().to_path_buf();
        if !path.exists() {
            Index::create_whole(&path, fingerprint)?;
        }
        let db = contained(&path, || {
            Database::builder()
                .set_check_integrity_on_open(true)
                .set_cache_size(cache_bytes)
                .create(&path)
                .map_err(|e| open_error(&path, e))
        })?;
        let index = Index { db, path, access: Access::Write };
        contained(&index.path, || index.check_or_init(fingerprint))?;
        Ok(index)
    }

    /// Creates a new index at `path` whole or not at all: it is made and initialised under a
    /// temporary name beside it (`.NAME.PID.0.tmp`, the name `output` gives its temporary
    /// files), then renamed into place. A run killed while creating its index so leaves no
    /// half-made file that every later open would refuse as damaged.
    fn create_whole(path: &Path, fingerprint: u64) -> Result<(), Error> {
        let name = path.file_name().ok_or_else(|| damaged(path, "the path names no file"))?;
        let temp = path.with_file_name(crate::output::temp_name(name, std::process::id(), 0));
        let created = contained(&temp, || {
            let db = Database::builder().create(&temp).map_err(|e| open_error(&temp, e))?;
            let index = Index { db, path: temp.clone(), access: Access::Write };
            index.check_or_init(fingerprint)
        });
        let renamed = created.and_then(|()| {
            std::fs::rename(&temp, path).map_err(|e| index_error(path, "cannot create", e))
        });
        if renamed.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        renamed
    }

    /// Opens an existing index for reading only: the file is never written, so this works on
    /// a read-only file and leaves its bytes as they were. The whole file is checked first,
    /// on a scratch copy in memory (see "Damage" in the module docs).
    ///
    /// # Errors
    ///
    /// As [`Index::open`], and: there is no file at `path`. The write methods
    /// ([`Index::add`], [`Index::prune`], [`Index::compact`]) of an index opened this way
    /// return an error.
    pub fn open_read_only(path: impl AsRef<Path>, fingerprint: u64) -> Result<Index, Error> {
        Index::open_for_reading(path.as_ref(), fingerprint).map_err(ReadOpenError::into_error)
    }

    /// [`Index::open_read_only`], telling a file that cannot be used because of what it
    /// holds from one that cannot be reached or is in use.
    fn open_for_reading(path: &Path, fingerprint: u64) -> Result<Index, ReadOpenError> {
        let path = path.to_path_buf();
        std::fs::File::open(&path)
            .map_err(|e| ReadOpenError::Access(index_error(&path, "cannot open", e)))?;
        // Checked first: redb's own read-only open trusts the pages it loads.
        let db = contained(&path, || Index::open_scratch(&path)).map_err(ReadOpenError::Content)?;
        // Then the reader's lock, so that no run writes while this one reads (a run that
        // wrote during the check above is caught here, as "in use"; a check it disturbed
        // may have reported damage that is not there: run `index check` again once it ends).
        let lock = contained(&path, || match ReadOnlyDatabase::open(&path) {
            Ok(lock) => Ok(Some(lock)),
            Err(DatabaseError::DatabaseAlreadyOpen) => {
                Err(open_error(&path, DatabaseError::DatabaseAlreadyOpen))
            }
            // A file redb will not open read-only (one left by a killed run needs recovery,
            // done on the scratch copy above) is read without the lock.
            Err(_) => Ok(None),
        })
        .map_err(ReadOpenError::Access)?;
        let index = Index { db, path, access: Access::Read { _lock: lock } };
        contained(&index.path, || index.check_format(fingerprint))
            .map_err(ReadOpenError::Content)?;
        Ok(index)
    }

    fn open_scratch(path: &Path) -> Result<Database, Error> {
        let file = std::fs::File::open(path).map_err(|e| index_error(path, "cannot open", e))?;
        let len = file.metadata().map_err(|e| index_error(path, "cannot open", e))?.len();
        if len == 0 {
            // redb would start a new database in an empty file.
            return Err(damaged(path, "the file is empty"));
        }
        let backend =
            scratch::ScratchBackend::new(file).map_err(|e| index_error(path, "cannot open", e))?;
        Database::builder()
            .set_check_integrity_on_open(true)
            .create_with_backend(backend)
            .map_err(|e| open_error(path, e))
    }

    /// Whether the index was opened for writing; the error to return if not.
    fn writable(&self) -> Result<(), Error> {
        match self.access {
            Access::Write => Ok(()),
            Access::Read { .. } => Err(Error::index(format!(
                "{} was opened read-only; open it with Index::open to change it",
                self.path.display()
            ))),
        }
    }

    /// The stored format version, if the index has one (`Some(None)`: unreadable).
    fn stored_version(
        &self,
        meta: &impl ReadableTable<&'static str, &'static [u8]>,
    ) -> Result<Option<Option<u32>>, Error> {
        Ok(meta
            .get(KEY_VERSION)
            .map_err(|e| index_error(&self.path, "cannot read", e))?
            .map(|v| le_u32(v.value())))
    }

    /// Refuses a stored version or fingerprint this build cannot use.
    fn refuse_format(
        &self,
        meta: &impl ReadableTable<&'static str, &'static [u8]>,
        version: Option<u32>,
        fingerprint: u64,
    ) -> Result<(), Error> {
        let path = &self.path;
        match version {
            Some(FORMAT_VERSION | READS_AS_IS) => self.check_fingerprint(meta, fingerprint),
            Some(v) if v > FORMAT_VERSION => Err(Error::index(format!(
                "{} has format version {v}, newer than this clean-news ({FORMAT_VERSION}); \
                 upgrade clean-news to read it",
                path.display()
            ))),
            Some(MIGRATES_FROM) => Err(Error::index(format!(
                "{} has format version {MIGRATES_FROM}, older than this clean-news \
                 ({FORMAT_VERSION}); the next run with it (`clean-news run --index {0}`) \
                 migrates it, or rebuild it (delete the file and rerun)",
                path.display()
            ))),
            v => Err(Error::index(format!(
                "{} has format version {}, older than this clean-news \
                 ({FORMAT_VERSION}); rebuild it (delete the file and rerun)",
                path.display(),
                v.map_or_else(|| "unknown".to_owned(), |v| v.to_string())
            ))),
        }
    }

    /// Refuses an index built with another deduplication configuration.
    fn check_fingerprint(
        &self,
        meta: &impl ReadableTable<&'static str, &'static [u8]>,
        fingerprint: u64,
    ) -> Result<(), Error> {
        let stored = meta
            .get(KEY_FINGERPRINT)
            .map_err(|e| index_error(&self.path, "cannot read", e))?
            .and_then(|v| le_u64(v.value()));
        if stored != Some(fingerprint) {
            return Err(Error::index(format!(
                "{} was built with another deduplication configuration; rebuild it \
                 (delete the file and rerun) or run with the configuration it was \
                 built with",
                self.path.display()
            )));
        }
        Ok(())
    }

    /// For a reader: the index must have been written by this format and configuration.
    fn check_format(&self, fingerprint: u64) -> Result<(), Error> {
        let path = &self.path;
        let tx = self.db.begin_read().map_err(|e| index_error(path, "cannot read", e))?;
        let meta = match tx.open_table(META) {
            Ok(meta) => meta,
            Err(redb::TableError::TableDoesNotExist(_)) => {
                return Err(damaged(
                    path,
                    "no run finished writing it: a redb file without the index's tables",
                ));
            }
            Err(e) => return Err(index_error(path, "cannot read", e)),
        };
        match self.stored_version(&meta)? {
            None => Err(damaged(path, "a redb file without a format version")),
            Some(version) => self.refuse_format(&meta, version, fingerprint),
        }
    }

    fn check_or_init(&self, fingerprint: u64) -> Result<(), Error> {
        let path = &self.path;
        let tx = self.db.begin_write().map_err(|e| index_error(path, "cannot write", e))?;
        {
            let mut meta = tx.open_table(META).map_err(|e| index_error(path, "cannot read", e))?;
            match self.stored_version(&meta)? {
                None => {
                    meta.insert(KEY_VERSION, FORMAT_VERSION.to_le_bytes().as_slice())
                        .map_err(|e| index_error(path, "cannot write", e))?;
                    meta.insert(KEY_FINGERPRINT, fingerprint.to_le_bytes().as_slice())
                        .map_err(|e| index_error(path, "cannot write", e))?;
                }
                Some(Some(MIGRATES_FROM)) => {
                    self.check_fingerprint(&meta, fingerprint)?;
                    drop(meta);
                    self.migrate(&tx)?;
                }
                Some(Some(READS_AS_IS)) => {
                    self.check_fingerprint(&meta, fingerprint)?;
                    meta.insert(KEY_VERSION, FORMAT_VERSION.to_le_bytes().as_slice())
                        .map_err(|e| index_error(path, "cannot write", e))?;
                }
                Some(version) => self.refuse_format(&meta, version, fingerprint)?,
            }
        }
        {
            // Create every table so that readers never meet a missing one.
            let write = |e: &dyn std::fmt::Display| index_error(path, "cannot write", e);
            tx.open_table(DOCS).map_err(|e| write(&e))?;
            tx.open_table(IDS).map_err(|e| write(&e))?;
            tx.open_table(CLUSTERS).map_err(|e| write(&e))?;
            tx.open_table(SITES).map_err(|e| write(&e))?;
            tx.open_table(POSTINGS).map_err(|e| write(&e))?;
            tx.open_table(SEGMENTS).map_err(|e| write(&e))?;
        }
        tx.commit().map_err(|e| index_error(path, "cannot commit", e))
    }

    /// Rewrites a format-3 index as format 4 inside the opening transaction (so all of it or
    /// none of it): records take their text hash in and the new encoding, the postings of
    /// the `bands` multimap (read in key order) become segment 0.
    fn migrate(&self, tx: &redb::WriteTransaction) -> Result<(), Error> {
        let path = &self.path;
        let err = |e: &dyn std::fmt::Display| index_error(path, "cannot migrate", e);
        let corrupt = |number: u64| {
            damaged(path, format!("record {number} cannot be read to migrate the index"))
        };
        let mut docs = tx.open_table(DOCS).map_err(|e| err(&e))?;
        let texts = match tx.open_table(TEXTS) {
            Ok(texts) => Some(texts),
            Err(e) => return Err(err(&e)),
        };
        // Records in slices, so that memory does not grow with the index.
        let mut from = 0u64;
        loop {
            let mut slice = Vec::new();
            for entry in docs.range(from..).map_err(|e| err(&e))?.take(10_000) {
                let (number, bytes) = entry.map_err(|e| err(&e))?;
                slice.push((number.value(), bytes.value().to_vec()));
            }
            let Some(&(last, _)) = slice.last() else { break };
            for (number, bytes) in slice {
                if bytes.first() == Some(&record::RECORD_VERSION) {
                    continue;
                }
                let mut doc = record::decode_v1(&bytes).ok_or_else(|| corrupt(number))?;
                if let Some(texts) = &texts {
                    doc.text_hash =
                        texts.get(doc.id.as_str()).map_err(|e| err(&e))?.map(|v| v.value());
                }
                docs.insert(number, record::encode(&doc).as_slice()).map_err(|e| err(&e))?;
            }
            match last.checked_add(1) {
                Some(next) => from = next,
                None => break,
            }
        }
        drop(texts);
        let mut table = tx.open_table(POSTINGS).map_err(|e| err(&e))?;
        let mut info = SegmentInfo::empty(0);
        {
            let bands = tx.open_multimap_table(BANDS).map_err(|e| err(&e))?;
            let mut pending: Vec<postings::Posting> = Vec::new();
            for entry in bands.iter().map_err(|e| err(&e))? {
                let (key, values) = entry.map_err(|e| err(&e))?;
                // Flushed between keys only: a block never splits a key.
                if pending.len() >= 1 << 20 {
                    let wrote =
                        postings::write_blocks(&mut table, 0, &pending, 0).map_err(|e| err(&e))?;
                    info.postings += wrote.postings;
                    info.blocks += wrote.blocks;
                    pending.clear();
                }
                for value in values {
                    pending.push((key.value(), value.map_err(|e| err(&e))?.value()));
                }
            }
            let wrote = postings::write_blocks(&mut table, 0, &pending, 0).map_err(|e| err(&e))?;
            info.postings += wrote.postings;
            info.blocks += wrote.blocks;
        }
        let mut segments = tx.open_table(SEGMENTS).map_err(|e| err(&e))?;
        if info.postings > 0 {
            segments.insert(0, info.encode().as_slice()).map_err(|e| err(&e))?;
        }
        let mut meta = tx.open_table(META).map_err(|e| err(&e))?;
        meta.insert(KEY_NEXT_SEGMENT, 1u64.to_le_bytes().as_slice()).map_err(|e| err(&e))?;
        meta.insert(KEY_VERSION, FORMAT_VERSION.to_le_bytes().as_slice()).map_err(|e| err(&e))?;
        drop((table, segments, meta, docs));
        tx.delete_multimap_table(BANDS).map_err(|e| err(&e))?;
        tx.delete_table(TEXTS).map_err(|e| err(&e))?;
        Ok(())
    }

    /// The document with this id, if the index has seen it.
    ///
    /// # Errors
    ///
    /// The index cannot be read or holds a corrupt record.
    pub fn get(&self, id: &str) -> Result<Option<IndexedDoc>, Error> {
        Ok(self.get_many(&[id])?.pop().flatten())
    }

    /// [`get`](Self::get) of each of `ids`, in one read transaction: what a batch looks up.
    ///
    /// # Errors
    ///
    /// The index cannot be read or holds a corrupt record.
    pub fn get_many(&self, ids: &[&str]) -> Result<Vec<Option<IndexedDoc>>, Error> {
        contained(&self.path, || {
            let path = &self.path;
            let read = |e: &dyn std::fmt::Display| index_error(path, "cannot read", e);
            let tx = self.db.begin_read().map_err(|e| read(&e))?;
            let numbers = tx.open_table(IDS).map_err(|e| read(&e))?;
            let docs = tx.open_table(DOCS).map_err(|e| read(&e))?;
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                let Some(number) = numbers.get(*id).map_err(|e| read(&e))? else {
                    out.push(None);
                    continue;
                };
                let number = number.value();
                let found = match docs.get(number).map_err(|e| read(&e))? {
                    Some(bytes) => Some(record::decode(bytes.value()).ok_or_else(|| {
                        Error::index(format!("{}: corrupt record {number}", path.display()))
                    })?),
                    None => None,
                };
                out.push(found);
            }
            Ok(out)
        })
    }

    /// Every remembered document posted under one of `band_keys`, each once, in the order
    /// they were added. Keys in increasing order are looked up without a copy; a whole
    /// batch's keys in one call walk each postings segment once.
    ///
    /// # Errors
    ///
    /// The index cannot be read or holds a corrupt record.
    pub fn candidates(&self, band_keys: &[u64]) -> Result<Vec<IndexedDoc>, Error> {
        contained(&self.path, || {
            let path = &self.path;
            let err = |e: &dyn std::fmt::Display| index_error(path, "cannot read", e);
            let sorted;
            let keys = if band_keys.windows(2).all(|w| w[0] < w[1]) {
                band_keys
            } else {
                let mut copy = band_keys.to_vec();
                copy.sort_unstable();
                copy.dedup();
                sorted = copy;
                &sorted
            };
            let tx = self.db.begin_read().map_err(|e| err(&e))?;
            let segments = tx.open_table(SEGMENTS).map_err(|e| err(&e))?;
            let table = tx.open_table(POSTINGS).map_err(|e| err(&e))?;
            let mut numbers = Vec::new();
            for (segment, info) in postings::segments(&segments).map_err(|e| err(&e))? {
                let info = info.ok_or_else(|| {
                    Error::index(format!("{}: corrupt segment {segment}", path.display()))
                })?;
                postings::lookup(&table, segment, info, keys, &mut numbers)
                    .map_err(|e| postings_error(path, e))?;
            }
            numbers.sort_unstable();
            numbers.dedup();
            let docs = tx.open_table(DOCS).map_err(|e| err(&e))?;
            // Decoded as read: a batch's candidates at a million documents are hundreds of
            // thousands of records, not to be held twice.
            let mut out = Vec::with_capacity(numbers.len());
            for number in numbers {
                if let Some(bytes) = docs.get(number).map_err(|e| err(&e))? {
                    out.push(record::decode(bytes.value()).ok_or_else(|| {
                        Error::index(format!("{}: corrupt record {number}", path.display()))
                    })?);
                }
            }
            Ok(out)
        })
    }

    /// Adds documents and their band postings, records cluster changes of documents already
    /// remembered, and saves site profiles (`(site, bytes encoded by clean::site)`), in one
    /// transaction: all of it lands or none of it does.
    ///
    /// A document whose id is already present is updated in place (its cluster and canonical
    /// flag may change when a new, earlier member arrives; a text hash it is given replaces
    /// the one kept); its postings are not duplicated. A site's profile replaces the one saved
    /// before. The new postings become one sorted segment, merged with older ones when they
    /// grow alike (see `postings`); records and blocks are encoded on every rayon thread.
    /// A caller with many documents feeds them a chunk at a time through
    /// [`begin_add`](Self::begin_add) instead, in the same one transaction.
    ///
    /// # Errors
    ///
    /// The index cannot be written.
    pub fn add(&self, docs: &[NewDoc], site_profiles: &[(String, Vec<u8>)]) -> Result<(), Error> {
        let mut adding = self.begin_add()?;
        adding.add(docs)?;
        adding.commit(site_profiles)
    }

    /// How many times [`add`](Self::add) has committed (0 for a new index). A run names the
    /// next count in its output journal, so that after a kill the next run can tell whether
    /// the index took the run in.
    ///
    /// # Errors
    ///
    /// The index cannot be read.
    pub fn commits(&self) -> Result<u64, Error> {
        let path = &self.path;
        let tx = self.db.begin_read().map_err(|e| index_error(path, "cannot read", e))?;
        let meta = tx.open_table(META).map_err(|e| index_error(path, "cannot read", e))?;
        meta_counter(&meta, KEY_COMMITS, path)
    }

    /// Every saved site profile, by site, in site order.
    ///
    /// # Errors
    ///
    /// The index cannot be read.
    pub fn site_profiles(&self) -> Result<Vec<(String, Vec<u8>)>, Error> {
        contained(&self.path, || {
            let path = &self.path;
            let tx = self.db.begin_read().map_err(|e| index_error(path, "cannot read", e))?;
            let sites = tx.open_table(SITES).map_err(|e| index_error(path, "cannot read", e))?;
            let mut out = Vec::new();
            for entry in sites.iter().map_err(|e| index_error(path, "cannot read", e))? {
                let (site, profile) = entry.map_err(|e| index_error(path, "cannot read", e))?;
                out.push((site.value().to_owned(), profile.value().to_vec()));
            }
            Ok(out)
        })
    }

    /// Forgets documents published before `cutoff` (seconds since 1970), with their postings.
    /// Documents without a publication time are kept. Returns how many were removed. When
    /// any is, every postings segment is rewritten into one without theirs.
    ///
    /// # Errors
    ///
    /// The index cannot be read or written.
    pub fn prune(&self, cutoff: i64) -> Result<u64, Error> {
        self.writable()?;
        contained(&self.path, || {
            let path = &self.path;
            let err = |e: &dyn std::fmt::Display| index_error(path, "cannot prune", e);
            let tx = self.db.begin_write().map_err(|e| err(&e))?;
            let mut removed = 0;
            {
                let mut table = tx.open_table(DOCS).map_err(|e| err(&e))?;
                let mut ids = tx.open_table(IDS).map_err(|e| err(&e))?;
                let mut clusters = tx.open_table(CLUSTERS).map_err(|e| err(&e))?;
                let mut old = Vec::new();
                for entry in table.iter().map_err(|e| err(&e))? {
                    let (number, bytes) = entry.map_err(|e| err(&e))?;
                    if let Some(doc) = record::decode(bytes.value()) {
                        if doc.published.is_some_and(|p| p < cutoff) {
                            old.push((number.value(), doc.id, doc.cluster));
                        }
                    }
                }
                let gone: Vec<u64> = old.iter().map(|(n, _, _)| *n).collect();
                stories::forget(&tx, path, &gone)?;
                for (number, id, cluster) in old {
                    table.remove(number).map_err(|e| err(&e))?;
                    ids.remove(id.as_str()).map_err(|e| err(&e))?;
                    change_count(&mut clusters, &cluster, -1).map_err(|e| err(&e))?;
                    removed += 1;
                }
                if !gone.is_empty() {
                    let mut meta = tx.open_table(META).map_err(|e| err(&e))?;
                    let next_segment = meta_counter(&meta, KEY_NEXT_SEGMENT, path)?;
                    let mut postings_table = tx.open_table(POSTINGS).map_err(|e| err(&e))?;
                    let mut segments = tx.open_table(SEGMENTS).map_err(|e| err(&e))?;
                    // `gone` is in number order: the docs table was read in key order.
                    let keep = |number: u64| gone.binary_search(&number).is_err();
                    let next_segment = merge_segments(
                        path,
                        &mut postings_table,
                        &mut segments,
                        next_segment,
                        &keep,
                        true,
                    )?;
                    meta.insert(KEY_NEXT_SEGMENT, next_segment.to_le_bytes().as_slice())
                        .map_err(|e| err(&e))?;
                }
            }
            tx.commit().map_err(|e| index_error(path, "cannot commit", e))?;
            Ok(removed)
        })
    }

    /// Counts that describe the index, read in one consistent snapshot.
    ///
    /// # Errors
    ///
    /// The index cannot be read.
    pub fn stats(&self) -> Result<IndexStats, Error> {
        contained(&self.path, || {
            let path = &self.path;
            let err = |e: &dyn std::fmt::Display| index_error(path, "cannot read", e);
            let tx = self.db.begin_read().map_err(|e| err(&e))?;
            let docs = tx.open_table(DOCS).map_err(|e| err(&e))?;
            let mut range: Option<(i64, i64)> = None;
            for entry in docs.iter().map_err(|e| err(&e))? {
                let (_, bytes) = entry.map_err(|e| err(&e))?;
                if let Some(p) = record::decode(bytes.value()).and_then(|d| d.published) {
                    range = Some(range.map_or((p, p), |(lo, hi)| (lo.min(p), hi.max(p))));
                }
            }
            let ids = tx.open_table(IDS).map_err(|e| err(&e))?;
            let postings_table = tx.open_table(POSTINGS).map_err(|e| err(&e))?;
            let segments = tx.open_table(SEGMENTS).map_err(|e| err(&e))?;
            let clusters = tx.open_table(CLUSTERS).map_err(|e| err(&e))?;
            let sites = tx.open_table(SITES).map_err(|e| err(&e))?;
            let documents = docs.len().map_err(|e| err(&e))?;
            let band_postings = postings::segments(&segments)
                .map_err(|e| err(&e))?
                .iter()
                .filter_map(|(_, info)| info.map(|i| i.postings))
                .sum();
            let cluster_count = clusters.len().map_err(|e| err(&e))?;
            let site_profiles = sites.len().map_err(|e| err(&e))?;
            let of = |entries: u64, stats: Result<redb::TableStats, redb::StorageError>| {
                stats.map(|s| TableBytes::of(entries, &s)).map_err(|e| err(&e))
            };
            let tables = BTreeMap::from([
                ("docs", of(documents, docs.stats())?),
                ("ids", of(ids.len().map_err(|e| err(&e))?, ids.stats())?),
                // Under format 3's name, so that readers of the stats keep their key.
                ("bands", of(band_postings, postings_table.stats())?),
                ("segments", of(segments.len().map_err(|e| err(&e))?, segments.stats())?),
                ("clusters", of(cluster_count, clusters.stats())?),
                ("sites", of(site_profiles, sites.stats())?),
            ]);
            Ok(IndexStats {
                format_version: FORMAT_VERSION,
                documents,
                clusters: cluster_count,
                band_postings,
                site_profiles,
                published_range: range,
                file_bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
                tables,
            })
        })
    }

    /// Rewrites the file without the space that deleted and rewritten records left free
    /// (redb reuses free pages but does not give them back to the file system). Returns
    /// whether the file shrank. `clean-news index prune` runs it after pruning.
    ///
    /// # Errors
    ///
    /// The index cannot be written.
    pub fn compact(&mut self) -> Result<bool, Error> {
        self.writable()?;
        let path = self.path.clone();
        contained(&path, || {
            let mut compacted = false;
            // Each call moves pages once; a few rounds reach the fixed point.
            for _ in 0..8 {
                if !self.db.compact().map_err(|e| index_error(&path, "cannot compact", e))? {
                    break;
                }
                compacted = true;
            }
            Ok(compacted)
        })
    }

    /// Compacts ([`compact`](Self::compact)) when pages in use fill less than three quarters
    /// of the file and at least [`SPARSE_BYTES`] are free (a few free megabytes are not worth
    /// the rewrite). Below one redb region (4 GiB) the file doubles as it grows, so a run that
    /// took an index past a power of two leaves up to half of it free: 2.28 GB for 1.32 GB of
    /// pages at a million documents. Returns whether the file shrank.
    ///
    /// # Errors
    ///
    /// The index cannot be read or written.
    pub fn compact_if_sparse(&mut self) -> Result<bool, Error> {
        self.writable()?;
        let path = self.path.clone();
        let used = contained(&path, || {
            let err = |e: &dyn std::fmt::Display| index_error(&path, "cannot read", e);
            let tx = self.db.begin_write().map_err(|e| err(&e))?;
            let stats = tx.stats().map_err(|e| err(&e))?;
            let used = stats.allocated_pages().saturating_mul(stats.page_size() as u64);
            tx.abort().map_err(|e| err(&e))?;
            Ok(used)
        })?;
        let file = std::fs::metadata(&path)
            .map_err(|e| Error::io(Some(path.clone()), "cannot read", e))?
            .len();
        let free = file.saturating_sub(used);
        if used.saturating_mul(4) >= file.saturating_mul(3) || free < SPARSE_BYTES {
            return Ok(false);
        }
        self.compact()
    }
}

/// A counter of the `meta` table (next document, next segment, commits): 0 when absent.
fn meta_counter(
    meta: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    path: &Path,
) -> Result<u64, Error> {
    let stored = meta.get(key).map_err(|e| index_error(path, "cannot read", e))?;
    Ok(stored.and_then(|v| le_u64(v.value())).unwrap_or(0))
}

/// Changes the member count of `cluster` by `delta`, forgetting a cluster left with none.
fn change_count(
    clusters: &mut redb::Table<'_, &'static str, u64>,
    cluster: &str,
    delta: i64,
) -> Result<(), redb::StorageError> {
    if delta == 0 {
        return Ok(());
    }
    let count = clusters.get(cluster)?.map_or(0, |v| v.value());
    match count.checked_add_signed(delta) {
        Some(count) if count > 0 => {
            clusters.insert(cluster, count)?;
        }
        _ => {
            clusters.remove(cluster)?;
        }
    }
    Ok(())
}

/// Merges postings segments inside a write transaction and returns the next segment
/// number: with `all`, every segment into one, keeping the postings whose document `keep`
/// accepts (pruning); otherwise as the tiers ask (`postings::next_merge`).
fn merge_segments(
    path: &Path,
    table: &mut redb::Table<'_, u128, &'static [u8]>,
    segments: &mut redb::Table<'_, u64, &'static [u8]>,
    mut next_segment: u64,
    keep: &(dyn Fn(u64) -> bool + Sync),
    all: bool,
) -> Result<u64, Error> {
    let err = |e: &dyn std::fmt::Display| index_error(path, "cannot write", e);
    loop {
        let mut listed = Vec::new();
        for (segment, info) in postings::segments(segments).map_err(|e| err(&e))? {
            let info = info.ok_or_else(|| {
                damaged(path, format!("the entry of postings segment {segment} cannot be read"))
            })?;
            listed.push((segment, info));
        }
        let sources: Vec<(u64, SegmentInfo)> = if all {
            listed
        } else {
            let sizes: Vec<(u64, u64)> = listed.iter().map(|(s, i)| (*s, i.postings)).collect();
            match postings::next_merge(&sizes) {
                Some(pair) => pair
                    .iter()
                    .filter_map(|(s, _)| listed.iter().find(|(l, _)| l == s).copied())
                    .collect(),
                None => return Ok(next_segment),
            }
        };
        if sources.is_empty() {
            return Ok(next_segment);
        }
        let target = next_segment;
        next_segment += 1;
        let info =
            postings::merge(table, &sources, target, keep).map_err(|e| postings_error(path, e))?;
        for (segment, _) in &sources {
            segments.remove(*segment).map_err(|e| err(&e))?;
        }
        if info.postings > 0 {
            segments.insert(target, info.encode().as_slice()).map_err(|e| err(&e))?;
        }
        if all {
            return Ok(next_segment);
        }
    }
}

/// The error for a postings read or merge that failed.
fn postings_error(path: &Path, err: PostingsError) -> Error {
    match err {
        PostingsError::Storage(e) => index_error(path, "cannot read", e),
        PostingsError::Corrupt(segment, key) => damaged(
            path,
            format!("the postings block of segment {segment} at key {key:016x} cannot be decoded"),
        ),
    }
}

fn le_u32(bytes: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

fn le_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, cluster: &str, published: Option<i64>) -> IndexedDoc {
        IndexedDoc {
            id: id.into(),
            site: Some("kt.kz".into()),
            published,
            cluster: cluster.into(),
            canonical: false,
            signature: id.as_bytes().to_vec(),
            text_hash: None,
        }
    }

    #[test]
    fn a_format_4_index_is_read_as_it_is_and_its_whole_keys_merge_into_short_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.redb");
        let whole: Vec<u64> = (0..40u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).collect();
        {
            // What format 4 wrote: one segment of whole keys, its entry 16 bytes.
            let index = Index::open(&path, 1).unwrap();
            let tx = index.db.begin_write().unwrap();
            {
                let mut docs = tx.open_table(DOCS).unwrap();
                let mut ids = tx.open_table(IDS).unwrap();
                let mut postings: Vec<postings::Posting> = Vec::new();
                for (number, &key) in whole.iter().enumerate() {
                    let number = number as u64;
                    let id = format!("old{number}");
                    docs.insert(number, record::encode(&doc(&id, "c", None)).as_slice()).unwrap();
                    ids.insert(id.as_str(), number).unwrap();
                    postings.push((key, number));
                }
                postings.sort_unstable();
                let mut table = tx.open_table(POSTINGS).unwrap();
                let info = postings::write_blocks(&mut table, 0, &postings, 0).unwrap();
                assert_eq!(info.encode().len(), 16);
                tx.open_table(SEGMENTS).unwrap().insert(0, info.encode().as_slice()).unwrap();
                let mut meta = tx.open_table(META).unwrap();
                meta.insert(KEY_NEXT_DOC, 40u64.to_le_bytes().as_slice()).unwrap();
                meta.insert(KEY_NEXT_SEGMENT, 1u64.to_le_bytes().as_slice()).unwrap();
                meta.insert(KEY_VERSION, READS_AS_IS.to_le_bytes().as_slice()).unwrap();
            }
            tx.commit().unwrap();
        }
        let found = |index: &Index, key: u64| -> Vec<String> {
            index.candidates(&[key]).unwrap().into_iter().map(|d| d.id).collect()
        };
        // A reader takes it as it is.
        let reader = Index::open_read_only(&path, 1).unwrap();
        assert_eq!(found(&reader, whole[7]), ["old7"]);
        drop(reader);
        // A writer stamps the current version; a batch of alike size merges the old segment
        // with its own, and every key is still found.
        let index = Index::open(&path, 1).unwrap();
        let batch: Vec<NewDoc> = (0..40u64)
            .map(|i| NewDoc {
                doc: doc(&format!("new{i}"), "n", None),
                bands: vec![whole[i as usize] ^ (1 << 63)],
            })
            .collect();
        index.add(&batch, &[]).unwrap();
        let tx = index.db.begin_read().unwrap();
        let segments = postings::segments(&tx.open_table(SEGMENTS).unwrap()).unwrap();
        assert_eq!(segments.len(), 1, "{segments:?}");
        assert_eq!(segments[0].1.map(|info| info.key_shift), Some(postings::KEY_SHIFT));
        for i in [0, 7, 39] {
            assert_eq!(found(&index, whole[i]), [format!("old{i}")]);
            assert_eq!(found(&index, whole[i] ^ (1 << 63)), [format!("new{i}")]);
        }
        drop(tx);
        drop(index);
        let stored = Index::open_read_only(&path, 1).unwrap();
        let tx = stored.db.begin_read().unwrap();
        let meta = tx.open_table(META).unwrap();
        assert_eq!(stored.stored_version(&meta).unwrap(), Some(Some(FORMAT_VERSION)));
    }

    #[test]
    fn refuses_another_configuration_and_newer_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.redb");
        drop(Index::open(&path, 1).unwrap());
        let err = Index::open(&path, 2).unwrap_err().to_string();
        assert!(err.contains("another deduplication configuration"), "{err}");
        {
            let db = Database::create(&path).unwrap();
            let tx = db.begin_write().unwrap();
            tx.open_table(META)
                .unwrap()
                .insert(KEY_VERSION, (FORMAT_VERSION + 1).to_le_bytes().as_slice())
                .unwrap();
            tx.commit().unwrap();
        }
        let err = Index::open(&path, 1).unwrap_err().to_string();
        assert!(err.contains("newer than this clean-news"), "{err}");
    }

    #[test]
    fn a_second_writer_is_told_the_index_is_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.redb");
        let _first = Index::open(&path, 1).unwrap();
        let err = Index::open(&path, 1).unwrap_err().to_string();
        assert!(err.contains("in use by another run"), "{err}");
    }

    #[test]
    fn adding_again_updates_instead_of_duplicating() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(dir.path().join("i.redb"), 1).unwrap();
        // Band keys far apart: postings keep a key's high 40 bits only (`postings`).
        index
            .add(&[NewDoc { doc: doc("a", "c1", Some(5)), bands: vec![1 << 40, 2 << 40] }], &[])
            .unwrap();
        index
            .add(&[NewDoc { doc: doc("a", "c2", Some(5)), bands: vec![1 << 40, 2 << 40] }], &[])
            .unwrap();
        let stats = index.stats().unwrap();
        assert_eq!((stats.documents, stats.clusters, stats.band_postings), (1, 1, 2));
        assert_eq!(index.get("a").unwrap().unwrap().cluster, "c2");
        // An update without a text hash keeps the one remembered.
        let hashed = IndexedDoc { text_hash: Some(9), ..doc("b", "c1", None) };
        index.add(&[NewDoc { doc: hashed, bands: vec![3 << 40] }], &[]).unwrap();
        index.add(&[NewDoc { doc: doc("b", "c3", None), bands: vec![3 << 40] }], &[]).unwrap();
        let b = index.get("b").unwrap().unwrap();
        assert_eq!((b.cluster.as_str(), b.text_hash), ("c3", Some(9)));
        let stats = index.stats().unwrap();
        assert_eq!((stats.documents, stats.clusters, stats.band_postings), (2, 2, 3));
    }

    #[test]
    fn prune_forgets_old_documents_and_their_postings() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(dir.path().join("i.redb"), 1).unwrap();
        index
            .add(
                &[
                    NewDoc { doc: doc("old", "c1", Some(10)), bands: vec![1] },
                    NewDoc { doc: doc("new", "c1", Some(100)), bands: vec![1] },
                    NewDoc { doc: doc("undated", "c2", None), bands: vec![2] },
                ],
                &[],
            )
            .unwrap();
        assert_eq!(index.prune(50).unwrap(), 1);
        assert_eq!(index.get("old").unwrap(), None);
        let ids: Vec<_> = index.candidates(&[1, 2]).unwrap().into_iter().map(|d| d.id).collect();
        assert_eq!(ids, ["new", "undated"]);
        assert_eq!(index.stats().unwrap().published_range, Some((100, 100)));
    }

    #[test]
    fn compaction_gives_freed_space_back_and_keeps_every_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.redb");
        let mut index = Index::open(&path, 1).unwrap();
        let docs: Vec<NewDoc> = (0..2_000)
            .map(|i| NewDoc {
                doc: IndexedDoc {
                    signature: vec![7; 2_000],
                    ..doc(&format!("d{i}"), "c", Some(i))
                },
                bands: vec![i as u64 % 97],
            })
            .collect();
        index.add(&docs, &[]).unwrap();
        assert_eq!(index.prune(1_900).unwrap(), 1_900);
        let before = index.stats().unwrap();
        index.compact().unwrap();
        let after = index.stats().unwrap();
        assert!(after.file_bytes < before.file_bytes / 2, "{before:?} -> {after:?}");
        assert_eq!((after.documents, after.band_postings), (100, 100));
        assert_eq!(index.get("d1999").unwrap().unwrap().published, Some(1_999));
        assert_eq!(after.tables["docs"].entries, 100);
        assert!(after.tables["docs"].stored >= 100 * 2_000);
    }

    #[test]
    fn site_profiles_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::open(dir.path().join("i.redb"), 1).unwrap();
        index
            .add(&[], &[("b.kz".into(), b"{}".to_vec()), ("a.kz".into(), b"[]".to_vec())])
            .unwrap();
        index.add(&[], &[("b.kz".into(), b"{1}".to_vec())]).unwrap();
        let sites: Vec<_> = index.site_profiles().unwrap().into_iter().map(|(s, _)| s).collect();
        assert_eq!(sites, ["a.kz", "b.kz"]);
        assert_eq!(index.site_profiles().unwrap()[1].1, b"{1}");
        assert_eq!(index.stats().unwrap().site_profiles, 2);
    }

    #[test]
    fn a_file_that_is_not_an_index_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.redb");
        std::fs::write(&path, b"this is not a redb file at all, just some text").unwrap();
        assert!(matches!(
            Index::open(&path, 1).unwrap_err().kind(),
            crate::ErrorKind::Index { .. }
        ));
    }

    #[test]
    fn a_format_3_index_is_migrated_by_a_writer_and_refused_by_a_reader() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.redb");
        {
            let db = Database::create(&path).unwrap();
            let tx = db.begin_write().unwrap();
            {
                let mut meta = tx.open_table(META).unwrap();
                meta.insert(KEY_VERSION, 3u32.to_le_bytes().as_slice()).unwrap();
                meta.insert(KEY_FINGERPRINT, 1u64.to_le_bytes().as_slice()).unwrap();
                meta.insert(KEY_NEXT_DOC, 2u64.to_le_bytes().as_slice()).unwrap();
                let mut docs = tx.open_table(DOCS).unwrap();
                let mut ids = tx.open_table(IDS).unwrap();
                let mut bands = tx.open_multimap_table(BANDS).unwrap();
                let mut texts = tx.open_table(TEXTS).unwrap();
                for (number, id) in [(0u64, "a"), (1, "b")] {
                    docs.insert(number, record::encode_v1(&doc(id, "c1", Some(5))).as_slice())
                        .unwrap();
                    ids.insert(id, number).unwrap();
                    bands.insert(7, number).unwrap();
                    bands.insert(100 + number, number).unwrap();
                }
                texts.insert("a", 42).unwrap();
                tx.open_table(CLUSTERS).unwrap().insert("c1", 2).unwrap();
                tx.open_table(SITES).unwrap();
            }
            tx.commit().unwrap();
        }
        let err = Index::open_read_only(&path, 1).unwrap_err().to_string();
        assert!(err.contains("migrates it"), "{err}");
        let index = Index::open(&path, 1).unwrap();
        assert_eq!(index.get("a").unwrap().unwrap().text_hash, Some(42));
        assert_eq!(index.get("b").unwrap().unwrap(), doc("b", "c1", Some(5)));
        let ids: Vec<_> = index.candidates(&[7]).unwrap().into_iter().map(|d| d.id).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(index.candidates(&[101]).unwrap()[0].id, "b");
        let stats = index.stats().unwrap();
        assert_eq!((stats.documents, stats.clusters, stats.band_postings), (2, 1, 4));
        // New documents go on from the old numbers.
        index.add(&[NewDoc { doc: doc("c", "c1", Some(6)), bands: vec![7] }], &[]).unwrap();
        assert_eq!(index.candidates(&[7]).unwrap().len(), 3);
        drop(index);
        let check = Index::check(&path, 1).unwrap();
        assert!(check.is_whole(), "{:?}", check.problems);
    }

    #[test]
    fn each_add_counts_one_commit_and_a_reopened_index_keeps_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.redb");
        let index = Index::open(&path, 1).unwrap();
        assert_eq!(index.commits().unwrap(), 0);
        index.add(&[NewDoc { doc: doc("a", "c1", None), bands: vec![1] }], &[]).unwrap();
        index.add(&[], &[]).unwrap();
        drop(index);
        assert_eq!(Index::open(&path, 1).unwrap().commits().unwrap(), 2);
    }
}

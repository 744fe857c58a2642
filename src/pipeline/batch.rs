//! Steps 1–3 as a stream, [`BatchCleaner`]: read (step 1), clean (steps 2–3) in parallel,
//! write (step 9) in input order. `clean-news clean` is this alone; `run` adds the batch steps
//! (site templates, reposts) between cleaning and writing.
//!
//! Documents are read on one thread and cleaned in chunks (at most [`CHUNK_DOCS`]
//! documents or [`CHUNK_BYTES`] of text, whichever comes first) on a rayon pool that belongs
//! to the [`BatchCleaner`], so a library user's global pool is never touched. While the pool
//! cleans one chunk, the next is read: reading and decompression overlap with cleaning.
//! Results are collected in input order before anything is written, so the output is
//! byte-identical for any thread count, and a chunk bounds the memory held at once.
//!
//! A cancellation flag (set by the binary's Ctrl-C handler) is checked between chunks and
//! between documents read: a run stops at a chunk boundary with everything before it
//! written and flushed, and says so in [`Summary::interrupted`].
//!
//! Every item read becomes exactly one record — a [`Cleaned`] document or an [`ErrorRecord`] —
//! except a document read again: the same id with the same text as an earlier one is kept
//! once and counted in [`Summary::repeated`], and the same id with another text is kept under
//! a derived id (`id#2`); see [`ids`](super::ids). So `read == cleaned + failed + repeated`.
//! The cleaner never fails; should it panic all the same (a bug), the panic is caught and the
//! document becomes an error record, so one bad page cannot end a day's batch.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use super::ids::{Claim, DocIds, text_hash, version_note};
use crate::index::Index;
use crate::input::{Documents, Failure, ReadDoc, Reader, Source};
use crate::output::{ErrorRecord, Sink};
use crate::{Cleaned, Cleaner, Error};

/// The most documents cleaned as one chunk: enough to keep every thread busy, few enough
/// that progress and Ctrl-C are prompt.
pub const CHUNK_DOCS: usize = 256;

/// The most text (bytes of document bodies) read ahead as one chunk, so that a run of
/// 16 MiB documents cannot hold gigabytes at once.
pub const CHUNK_BYTES: usize = 64 * 1024 * 1024;

/// Reads, cleans and writes documents. Cheap to clone; `Send` and `Sync`.
///
/// # Example
///
/// ```
/// use clean_news::input::Source;
/// use clean_news::output::Record;
/// use clean_news::pipeline::BatchCleaner;
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("a.txt"), "Title\n\nBody.")?;
/// std::fs::write(dir.path().join("b.txt"), "bin\0ary")?;
///
/// let batch = BatchCleaner::builder().threads(2).build()?;
/// let mut records: Vec<Record> = Vec::new();
/// let summary = batch.run([Source::Path(dir.path().into())]).write_to(&mut records)?;
/// assert_eq!((summary.read, summary.cleaned, summary.failed), (2, 1, 1));
/// assert!(matches!(&records[1], Record::Error(e) if e.error.contains("binary")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct BatchCleaner {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cleaner: Cleaner,
    reader: Reader,
    pool: rayon::ThreadPool,
    chunk_docs: usize,
}

/// Builds a [`BatchCleaner`].
#[derive(Debug, Clone, Default)]
pub struct BatchCleanerBuilder {
    cleaner: Option<Cleaner>,
    reader: Option<Reader>,
    threads: usize,
    chunk_docs: Option<usize>,
}

impl BatchCleaner {
    /// A builder: default cleaner and reader, one thread per CPU.
    pub fn builder() -> BatchCleanerBuilder {
        BatchCleanerBuilder::default()
    }

    /// The number of threads cleaning.
    pub fn threads(&self) -> usize {
        self.inner.pool.current_num_threads()
    }

    /// The most documents cleaned as one chunk.
    pub fn chunk_docs(&self) -> usize {
        self.inner.chunk_docs
    }

    /// Runs `work` on the batch cleaner's own thread pool, so that the batch steps of
    /// [`run::run`](super::run::run) use the same threads as cleaning (and never the
    /// caller's global pool).
    pub fn install<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        self.inner.pool.install(work)
    }

    /// Prepares a run over `sources`; [`CleanRun::write_to`] does it.
    pub fn run<I: IntoIterator<Item = Source>>(&self, sources: I) -> CleanRun<'_> {
        CleanRun {
            batch: self,
            sources: sources.into_iter().collect(),
            cancel: None,
            progress: None,
            index: None,
        }
    }
}

impl BatchCleanerBuilder {
    /// The cleaner to use (default: `Cleaner::builder().build()`).
    pub fn cleaner(&mut self, cleaner: Cleaner) -> &mut BatchCleanerBuilder {
        self.cleaner = Some(cleaner);
        self
    }

    /// The reader to use (default: `Reader::builder().build()`).
    pub fn reader(&mut self, reader: Reader) -> &mut BatchCleanerBuilder {
        self.reader = Some(reader);
        self
    }

    /// How many threads clean; 0 (the default) means one per CPU.
    pub fn threads(&mut self, threads: usize) -> &mut BatchCleanerBuilder {
        self.threads = threads;
        self
    }

    /// The most documents per chunk (default [`CHUNK_DOCS`]). Output does not depend on it.
    pub fn chunk_docs(&mut self, docs: usize) -> &mut BatchCleanerBuilder {
        self.chunk_docs = Some(docs);
        self
    }

    /// Builds the default cleaner and reader if none were given, and the thread pool.
    ///
    /// # Errors
    ///
    /// A `Pack` error from building the default cleaner, a `Config` error when `chunk_docs`
    /// is 0 or the thread pool cannot be started.
    pub fn build(&self) -> Result<BatchCleaner, Error> {
        let cleaner = match &self.cleaner {
            Some(cleaner) => cleaner.clone(),
            None => Cleaner::builder().build()?,
        };
        let reader = match &self.reader {
            Some(reader) => reader.clone(),
            None => Reader::builder().build()?,
        };
        let chunk_docs = self.chunk_docs.unwrap_or(CHUNK_DOCS);
        if chunk_docs == 0 {
            return Err(Error::config("chunk_docs must be at least 1"));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .thread_name(|i| format!("clean-news-{i}"))
            .build()
            .map_err(|err| {
                Error::config(format!("cannot start {} threads: {err}", self.threads))
            })?;
        Ok(BatchCleaner { inner: Arc::new(Inner { cleaner, reader, pool, chunk_docs }) })
    }
}

/// What a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Items read: documents and failures (`read == cleaned + failed + repeated`).
    pub read: u64,
    /// Documents cleaned and written.
    pub cleaned: u64,
    /// Error records written.
    pub failed: u64,
    /// Documents read again: an id and a text (after cleaning) both already written in this
    /// input. Kept once, so not written again.
    pub repeated: u64,
    /// Files and records passed over as not being documents (see [`Documents::skipped`]).
    pub skipped: u64,
    /// Bytes of document text (or HTML) read, for rates.
    pub bytes: u64,
    /// Whether the run stopped early because the cancellation flag was set.
    pub interrupted: bool,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "read {}, cleaned {}, failed {}", self.read, self.cleaned, self.failed)?;
        if self.repeated > 0 {
            write!(f, ", repeated {}", self.repeated)?;
        }
        if self.skipped > 0 {
            write!(f, ", skipped {}", self.skipped)?;
        }
        Ok(())
    }
}

/// One run of a [`BatchCleaner`] over some sources, set up by [`BatchCleaner::run`].
pub struct CleanRun<'a> {
    batch: &'a BatchCleaner,
    sources: Vec<Source>,
    cancel: Option<&'a AtomicBool>,
    progress: Option<ProgressFn<'a>>,
    index: Option<&'a Index>,
}

/// The callback [`CleanRun::on_progress`] takes.
type ProgressFn<'a> = Box<dyn FnMut(&Summary) + 'a>;

impl std::fmt::Debug for CleanRun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CleanRun").field("sources", &self.sources).finish_non_exhaustive()
    }
}

impl<'a> CleanRun<'a> {
    /// Stops the run at the next chunk boundary once `flag` is set.
    pub fn cancel_flag(mut self, flag: &'a AtomicBool) -> CleanRun<'a> {
        self.cancel = Some(flag);
        self
    }

    /// Continues what `index` remembers: an id it holds names the text stored with it, so
    /// the same text is that document again and another text gets a derived id (see
    /// [`ids`](super::ids)). `run` sets it; without it, only this input's ids count.
    pub fn remembering(mut self, index: &'a Index) -> CleanRun<'a> {
        self.index = Some(index);
        self
    }

    /// Calls `report` with the counts so far after every chunk, on the calling thread.
    pub fn on_progress(mut self, report: impl FnMut(&Summary) + 'a) -> CleanRun<'a> {
        self.progress = Some(Box::new(report));
        self
    }

    /// Reads, cleans and writes every document to `sink`, in input order.
    ///
    /// # Example: stopping early
    ///
    /// ```
    /// use std::sync::atomic::AtomicBool;
    /// use clean_news::input::Source;
    /// use clean_news::output::Record;
    /// use clean_news::pipeline::BatchCleaner;
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("a.txt"), "Body.")?;
    /// let stop = AtomicBool::new(true);
    /// let mut records: Vec<Record> = Vec::new();
    /// let summary = BatchCleaner::builder().build()?
    ///     .run([Source::Path(dir.path().into())])
    ///     .cancel_flag(&stop)
    ///     .write_to(&mut records)?;
    /// assert!(summary.interrupted);
    /// assert!(records.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// What the sink returns (a write failed), or the index of
    /// [`remembering`](CleanRun::remembering) cannot be read; document failures are records.
    pub fn write_to<S: Sink + ?Sized>(mut self, sink: &mut S) -> Result<Summary, Error> {
        let inner = &*self.batch.inner;
        let cancel = self.cancel;
        let is_cancelled = || cancel.is_some_and(|flag| flag.load(Ordering::Relaxed));
        let mut docs = inner.reader.read(std::mem::take(&mut self.sources));
        let mut summary = Summary::default();
        let mut ids = self.index.map_or_else(DocIds::new, DocIds::remembering);
        let mut chunk = read_chunk(&mut docs, inner.chunk_docs, cancel);
        while !chunk.items.is_empty() {
            if is_cancelled() {
                break;
            }
            let cleaner = &inner.cleaner;
            summary.bytes = summary.bytes.saturating_add(chunk.bytes as u64);
            let items = std::mem::take(&mut chunk.items);
            let (records, next) = inner.pool.join(
                || items.into_par_iter().map(|item| clean_one(cleaner, item)).collect::<Vec<_>>(),
                || read_chunk(&mut docs, inner.chunk_docs, cancel),
            );
            for record in records {
                summary.read = summary.read.saturating_add(1);
                match record {
                    Ok(mut cleaned) => match ids.claim(&cleaned.id, text_hash(&cleaned))? {
                        Claim::Repeat(_) => summary.repeated = summary.repeated.saturating_add(1),
                        Claim::Keep(id) => {
                            if id != cleaned.id {
                                cleaned.meta.notes.push(version_note(&cleaned.id));
                                cleaned.id = id;
                            }
                            sink.take_cleaned(cleaned)?;
                            summary.cleaned = summary.cleaned.saturating_add(1);
                        }
                    },
                    Err(error) => {
                        sink.failed(&error)?;
                        summary.failed = summary.failed.saturating_add(1);
                    }
                }
            }
            sink.flush()?;
            summary.skipped = docs.skipped();
            if let Some(report) = &mut self.progress {
                report(&summary);
            }
            chunk = next;
        }
        // Interrupted unless everything read was written and the input was at its end (a flag
        // set during the last chunk changes nothing then).
        summary.interrupted = !(chunk.items.is_empty() && chunk.exhausted);
        summary.skipped = docs.skipped();
        sink.flush()?;
        Ok(summary)
    }
}

/// Items read as one chunk, and whether the input ended while reading them.
struct Chunk {
    items: Vec<Result<ReadDoc, Failure>>,
    /// Bytes of the bodies of the documents in `items`.
    bytes: usize,
    exhausted: bool,
}

/// Reads up to `max_docs` items or [`CHUNK_BYTES`] of text, stopping early when cancelled.
fn read_chunk(docs: &mut Documents, max_docs: usize, cancel: Option<&AtomicBool>) -> Chunk {
    let mut chunk = Chunk { items: Vec::new(), bytes: 0, exhausted: false };
    while chunk.items.len() < max_docs && chunk.bytes < CHUNK_BYTES {
        if cancel.is_some_and(|flag| flag.load(Ordering::Relaxed)) {
            break;
        }
        let Some(item) = docs.next() else {
            chunk.exhausted = true;
            break;
        };
        if let Ok(read) = &item {
            chunk.bytes = chunk.bytes.saturating_add(read.doc.body.len());
        }
        chunk.items.push(item);
    }
    chunk
}

/// Cleans one item: the input's notes come first in `meta.notes`, then the cleaner's. An HTML
/// page over the extractor's budget ([`crate::clean::html::OverBudget`]) is an error record.
fn clean_one(cleaner: &Cleaner, item: Result<ReadDoc, Failure>) -> Result<Cleaned, ErrorRecord> {
    let read = item.map_err(ErrorRecord::from)?;
    match catch_unwind(AssertUnwindSafe(|| cleaner.try_clean(&read.doc))) {
        Ok(Err(over)) => {
            Err(ErrorRecord { path: read.path, id: Some(read.doc.id), error: over.to_string() })
        }
        Ok(Ok(mut cleaned)) => {
            if !read.notes.is_empty() {
                let mut notes = read.notes;
                notes.append(&mut cleaned.meta.notes);
                cleaned.meta.notes = notes;
            }
            Ok(cleaned)
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(ErrorRecord {
                path: read.path,
                id: Some(read.doc.id),
                error: format!(
                    "internal error: the cleaner panicked ({message}); please report this"
                ),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::output::{JsonLinesWriter, Record};

    fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }
        dir
    }

    fn run_jsonl(dir: &Path, threads: usize, chunk_docs: usize) -> (Summary, Vec<u8>) {
        let batch =
            BatchCleaner::builder().threads(threads).chunk_docs(chunk_docs).build().unwrap();
        let mut out = JsonLinesWriter::new(Vec::new());
        let summary = batch.run([Source::Path(dir.to_owned())]).write_to(&mut out).unwrap();
        (summary, out.into_inner())
    }

    use std::path::Path;

    #[test]
    fn output_is_identical_for_any_thread_count_and_chunk_size() {
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for i in 0..300 {
            let body = if i % 17 == 0 {
                b"bad\0file".to_vec()
            } else {
                format!("Doc {i}\n\nText {i}.").into_bytes()
            };
            files.push((format!("d{}/f{i:03}.txt", i % 7), body));
        }
        let refs: Vec<(&str, &[u8])> =
            files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
        let dir = folder(&refs);
        let (one, bytes_one) = run_jsonl(dir.path(), 1, 256);
        let (four, bytes_four) = run_jsonl(dir.path(), 4, 7);
        assert_eq!(one, four);
        assert_eq!(bytes_one, bytes_four);
        assert_eq!(one.read, 300);
        assert_eq!(one.failed, 18);
    }

    #[test]
    fn input_notes_reach_meta_notes() {
        let dir = folder(&[("a.txt", b"caf\xe9")]);
        let mut records: Vec<Record> = Vec::new();
        BatchCleaner::builder()
            .build()
            .unwrap()
            .run([Source::Path(dir.path().into())])
            .write_to(&mut records)
            .unwrap();
        let [Record::Cleaned(cleaned)] = records.as_slice() else { panic!("{records:?}") };
        assert_eq!(cleaned.meta.notes, vec!["invalid utf-8 decoded lossily"]);
    }

    #[test]
    fn an_id_read_twice_is_a_repeat_or_a_version_for_any_chunk_size() {
        let input = [
            r#"{"id":"a","text":"First story."}"#,
            r#"{"id":"a","text":"First story."}"#,
            r#"{"id":"a","text":"Second story."}"#,
            r#"{"id":"b","text":"First story."}"#,
        ]
        .join("\n");
        let dir = folder(&[("in.jsonl", input.as_bytes())]);
        for chunk_docs in [1, 256] {
            let batch = BatchCleaner::builder().chunk_docs(chunk_docs).build().unwrap();
            let mut records: Vec<Record> = Vec::new();
            let summary =
                batch.run([Source::Path(dir.path().into())]).write_to(&mut records).unwrap();
            assert_eq!((summary.read, summary.cleaned, summary.repeated), (4, 3, 1));
            let ids: Vec<&str> = records
                .iter()
                .map(|r| match r {
                    Record::Cleaned(c) => c.id.as_str(),
                    Record::Error(e) => panic!("{e:?}"),
                })
                .collect();
            assert_eq!(ids, ["a", "a#2", "b"]);
        }
    }

    #[test]
    fn progress_is_reported_after_each_chunk() {
        let dir = folder(&[("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c")]);
        let mut seen = Vec::new();
        let batch = BatchCleaner::builder().chunk_docs(2).build().unwrap();
        let mut records: Vec<Record> = Vec::new();
        batch
            .run([Source::Path(dir.path().into())])
            .on_progress(|s| seen.push(s.read))
            .write_to(&mut records)
            .unwrap();
        assert_eq!(seen, vec![2, 3]);
    }

    #[test]
    fn a_flag_set_mid_run_stops_at_a_chunk_boundary() {
        let files: Vec<(String, Vec<u8>)> =
            (0..10).map(|i| (format!("{i}.txt"), b"x".to_vec())).collect();
        let refs: Vec<(&str, &[u8])> =
            files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
        let dir = folder(&refs);
        let stop = AtomicBool::new(false);
        let batch = BatchCleaner::builder().chunk_docs(3).threads(1).build().unwrap();
        let mut records: Vec<Record> = Vec::new();
        let summary = batch
            .run([Source::Path(dir.path().into())])
            .cancel_flag(&stop)
            .on_progress(|_| stop.store(true, Ordering::Relaxed))
            .write_to(&mut records)
            .unwrap();
        assert!(summary.interrupted);
        assert_eq!(summary.read, 3);
        assert_eq!(records.len(), 3);
    }

    #[test]
    fn a_flag_set_after_the_last_chunk_is_not_an_interruption() {
        let dir = folder(&[("a.txt", b"a"), ("b.txt", b"b")]);
        let stop = AtomicBool::new(false);
        let batch = BatchCleaner::builder().chunk_docs(5).build().unwrap();
        let mut records: Vec<Record> = Vec::new();
        let summary = batch
            .run([Source::Path(dir.path().into())])
            .cancel_flag(&stop)
            .on_progress(|_| stop.store(true, Ordering::Relaxed))
            .write_to(&mut records)
            .unwrap();
        assert!(!summary.interrupted);
        assert_eq!(summary.read, 2);
    }

    #[test]
    fn summary_reads_like_the_cli_prints_it() {
        let summary =
            Summary { read: 3, cleaned: 2, failed: 1, skipped: 0, bytes: 0, ..Summary::default() };
        assert_eq!(summary.to_string(), "read 3, cleaned 2, failed 1");
        let summary = Summary { skipped: 4, ..summary };
        assert_eq!(summary.to_string(), "read 3, cleaned 2, failed 1, skipped 4");
        let summary = Summary { read: 5, repeated: 2, ..summary };
        assert_eq!(summary.to_string(), "read 5, cleaned 2, failed 1, repeated 2, skipped 4");
    }

    #[test]
    fn batch_cleaner_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<BatchCleaner>();
    }

    #[test]
    fn zero_chunk_docs_is_a_config_error() {
        let err = BatchCleaner::builder().chunk_docs(0).build().unwrap_err();
        assert!(matches!(err.kind(), crate::ErrorKind::Config { .. }));
    }
}

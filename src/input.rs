//! Step 1, read: paths and stdin become a stream of [`Document`]s, or of failures naming
//! the file or record that could not be read.
//!
//! A crawl is messy: folders of `.txt` next to `.html`, JSON Lines dumps, WARC archives,
//! compressed or not, with the odd binary file, truncated archive or page in a legacy
//! charset. The reader's job is to turn all of it into [`Document`]s without ever stopping
//! the batch and without trusting sizes it is given. So:
//!
//! - **Streaming.** [`Reader::read`] returns an iterator ([`Documents`]). JSON Lines are read
//!   line by line and WARC record by record, so a dump of any size needs memory for one
//!   document at a time, never the whole file.
//! - **Failures are data.** Whatever cannot be read becomes a [`Failure`] in the stream, in
//!   input order, naming the path and, when known, the record; the next item is read as if
//!   nothing happened. Only what cannot be resynchronised (a broken WARC header, a corrupt
//!   gzip stream) ends the rest of *that file*, with one failure saying so.
//! - **Limits.** A document larger than [`Config::max_doc_bytes`] is a failure, found before
//!   it is held in memory (a JSON Lines line is capped while it is read). A compressed file
//!   may expand to at most `max(max_expansion_ratio × its size, max_doc_bytes)` bytes: a
//!   gzip or zstd bomb gives a failure once it passes that bound, after bounded work. The
//!   `max_doc_bytes` floor means a single document within the limit is never refused for
//!   compressing well.
//! - **Determinism.** Folders are walked depth first in byte order of the entry names, so the
//!   same tree gives the same stream on every machine and file system.
//!
//! # Which files are read
//!
//! | name ends with | read as | id |
//! |---|---|---|
//! | `.txt` | one text document | path relative to the folder given (a file given directly: its name) |
//! | `.html`, `.htm` | one HTML document | same |
//! | `.jsonl`, `.ndjson` | one document per line: `{"id","url","site","published","title","text"\|"html"}` | the `id` field, else `<file>:<line>` |
//! | `.warc` | WARC 1.0/1.1 `response` and `resource` records | `WARC-Target-URI`, else `WARC-Record-ID` |
//!
//! Each may end in `.gz` (multi-member gzip, as WARC writers produce) or `.zst`. `-` is JSON
//! Lines on stdin; its ids default to `-:<line>`.
//!
//! Walking a folder, the reader skips (and counts in [`Documents::skipped`]) files of other
//! types, and skips without counting: names starting with `.` (hidden files and folders,
//! unless [`Config::hidden`]), symbolic links to folders (never followed, so no loops),
//! sockets, pipes and devices. Symbolic links to files are followed. A path given directly is
//! always read, hidden or not, and a file of an unknown type given directly is a failure.
//!
//! In WARC files only `response` and `resource` records of HTML or plain text become
//! documents; responses with an HTTP status outside 200–299 and records of other media types
//! (images, scripts, PDFs) are skipped and counted.
//!
//! # Decoding
//!
//! Text is decoded to UTF-8 by [`crate::charset`], the module HTML extraction and the eval
//! use too: a byte order mark wins, then the bytes themselves (valid UTF-8, or UTF-8 with a
//! few stray bytes, is UTF-8), then the charset the HTTP or WARC `Content-Type` declares,
//! then (for HTML) a `<meta charset>` in the first 8 KiB, else windows-1252 for HTML and
//! UTF-8 for text. Bytes invalid in that encoding are replaced with U+FFFD and the
//! document gets the note `invalid utf-8 decoded lossily` (or the encoding's name), so
//! nothing is dropped silently. A `.txt` or `.html` with a NUL byte in its first 8 KiB (and no
//! UTF-16 byte order mark) is a binary file and a failure. An empty file is a document with
//! empty text and the note `empty document`; an empty JSON Lines file has no records.
//!
//! # Not supported (each gives a failure, never a crash)
//!
//! - `.warc.zst` files compressed with an embedded dictionary (the IIPC `warc.zst` profile);
//!   plain zstd frames are fine. zstd frames needing a window over 128 MiB (`--long=31`) are
//!   refused, as they would need that much memory.
//! - HTTP bodies with `Content-Encoding: br`.
//! - Charsets `encoding_rs` does not know (ignored, with a note).

use std::borrow::Cow;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use encoding_rs::{Encoding, UTF_8};
use serde::{Deserialize, Serialize};

use crate::charset::{self, Content};
use crate::{Body, Document, Error};

/// The default for [`Config::max_doc_bytes`]: 16 MiB, well above any real article page.
pub const DEFAULT_MAX_DOC_BYTES: u64 = 16 * 1024 * 1024;

/// The default for [`Config::max_expansion_ratio`]. Text and HTML compress 3–15× with gzip
/// and rarely beyond 50× with zstd; bombs run to 1000× (gzip) and far more (zstd).
pub const DEFAULT_MAX_EXPANSION_RATIO: u64 = 100;

/// How far into a `.txt` or `.html` file a NUL byte marks it as binary (as `git` and `grep`
/// decide it).
const BINARY_SNIFF_BYTES: usize = 8 * 1024;

/// The largest WARC or HTTP header block accepted. Real ones are under 4 KiB; a bigger one is
/// a sign the file is not what it claims to be.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// Buffer size for reading files: large enough that syscalls don't dominate.
const READ_BUFFER_BYTES: usize = 64 * 1024;

/// The longest piece of input quoted in a failure message.
const MAX_QUOTED_CHARS: usize = 40;

/// What the reader accepts. Written down in a config file or set with [`ReaderBuilder`].
///
/// # Example
///
/// ```
/// use clean_news::input::Config;
///
/// let config: Config = toml::from_str("max_doc_bytes = 1_000_000")?;
/// assert_eq!(config.max_doc_bytes, 1_000_000);
/// assert!(!config.hidden);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The largest document, in bytes (before decoding; for JSON Lines, the whole line).
    /// Larger ones become failures. Default: 16 MiB ([`DEFAULT_MAX_DOC_BYTES`]).
    pub max_doc_bytes: u64,
    /// How many times its own size a compressed file may expand to (but always at least
    /// `max_doc_bytes`) before it is taken for a decompression bomb. Default: 100
    /// ([`DEFAULT_MAX_EXPANSION_RATIO`]).
    pub max_expansion_ratio: u64,
    /// Also read files and folders whose names start with `.` inside the folders walked.
    /// Default: `false`.
    pub hidden: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_doc_bytes: DEFAULT_MAX_DOC_BYTES,
            max_expansion_ratio: DEFAULT_MAX_EXPANSION_RATIO,
            hidden: false,
        }
    }
}

/// Where documents come from: a file or folder, or JSON Lines on stdin.
///
/// # Example
///
/// ```
/// use clean_news::input::Source;
///
/// assert_eq!(Source::from_arg("-"), Source::Stdin);
/// assert_eq!(Source::from_arg("crawl/"), Source::Path("crawl/".into()));
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// JSON Lines on standard input.
    Stdin,
    /// A file (read by its extension) or a folder (walked).
    Path(PathBuf),
}

impl Source {
    /// A source from a command-line argument: `-` is stdin, anything else a path.
    pub fn from_arg(arg: impl Into<PathBuf>) -> Source {
        let path = arg.into();
        if path.as_os_str() == "-" { Source::Stdin } else { Source::Path(path) }
    }
}

/// One document as read, with notes on how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadDoc {
    /// The document.
    pub doc: Document,
    /// The file it came from (`-` for stdin), for messages.
    pub path: String,
    /// Notes about the input, such as `invalid utf-8 decoded lossily`. The pipeline copies
    /// them into [`Meta::notes`](crate::Meta::notes).
    pub notes: Vec<String>,
}

/// A file or record that could not be read. It takes the place of a document in the stream.
///
/// # Example
///
/// ```
/// use clean_news::input::Failure;
///
/// let failure = Failure { path: "dump.jsonl".into(), id: Some("dump.jsonl:7".into()),
///                         error: "line 7: not valid JSON: expected value at column 1".into() };
/// assert_eq!(failure.to_string(), "dump.jsonl: dump.jsonl:7: line 7: not valid JSON: expected value at column 1");
/// # Ok::<(), clean_news::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The file (`-` for stdin, the folder for a folder that cannot be listed).
    pub path: String,
    /// The document's id, when it is known.
    pub id: Option<String>,
    /// What is wrong, in lower case.
    pub error: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{}: {}: {}", self.path, id, self.error),
            None => write!(f, "{}: {}", self.path, self.error),
        }
    }
}

/// Reads documents from files, folders and stdin. Cheap to clone.
///
/// # Example
///
/// ```
/// use clean_news::input::{Reader, Source};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("a.txt"), "Title\n\nBody.")?;
/// std::fs::write(dir.path().join("b.jsonl"), "{\"id\":\"x\",\"text\":\"Hi.\"}\nnot json\n")?;
///
/// let reader = Reader::builder().build()?;
/// let items: Vec<_> = reader.read([Source::Path(dir.path().into())]).collect();
/// assert_eq!(items.len(), 3);
/// assert_eq!(items[0].as_ref().unwrap().doc.id, "a.txt");
/// assert_eq!(items[1].as_ref().unwrap().doc.id, "x");
/// assert_eq!(items[2].as_ref().unwrap_err().id.as_deref(), Some("b.jsonl:2"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Reader {
    config: Config,
}

/// Builds a [`Reader`].
#[derive(Debug, Clone, Default)]
pub struct ReaderBuilder {
    config: Config,
}

impl Reader {
    /// A builder with the default [`Config`].
    pub fn builder() -> ReaderBuilder {
        ReaderBuilder::default()
    }

    /// The configuration in use.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Reads the sources in order, lazily: nothing is opened until the iterator asks.
    pub fn read<I: IntoIterator<Item = Source>>(&self, sources: I) -> Documents {
        Documents {
            limits: Limits::new(&self.config),
            hidden: self.config.hidden,
            sources: sources.into_iter().collect::<Vec<_>>().into_iter(),
            walk: None,
            stream: None,
            skipped: 0,
        }
    }
}

impl ReaderBuilder {
    /// Replaces the whole configuration.
    pub fn config(&mut self, config: Config) -> &mut ReaderBuilder {
        self.config = config;
        self
    }

    /// Sets [`Config::max_doc_bytes`].
    pub fn max_doc_bytes(&mut self, bytes: u64) -> &mut ReaderBuilder {
        self.config.max_doc_bytes = bytes;
        self
    }

    /// Sets [`Config::max_expansion_ratio`].
    pub fn max_expansion_ratio(&mut self, ratio: u64) -> &mut ReaderBuilder {
        self.config.max_expansion_ratio = ratio;
        self
    }

    /// Sets [`Config::hidden`].
    pub fn hidden(&mut self, yes: bool) -> &mut ReaderBuilder {
        self.config.hidden = yes;
        self
    }

    /// Checks the configuration.
    ///
    /// # Errors
    ///
    /// A `Config` error when `max_doc_bytes` or `max_expansion_ratio` is 0.
    pub fn build(&self) -> Result<Reader, Error> {
        if self.config.max_doc_bytes == 0 {
            return Err(Error::config("max_doc_bytes must be at least 1"));
        }
        if self.config.max_expansion_ratio == 0 {
            return Err(Error::config("max_expansion_ratio must be at least 1"));
        }
        Ok(Reader { config: self.config.clone() })
    }
}

/// The limits every reader applies, in the units the code needs.
#[derive(Debug, Clone, Copy)]
struct Limits {
    max_doc_bytes: usize,
    max_expansion_ratio: u64,
}

impl Limits {
    fn new(config: &Config) -> Limits {
        Limits {
            max_doc_bytes: usize::try_from(config.max_doc_bytes).unwrap_or(usize::MAX),
            max_expansion_ratio: config.max_expansion_ratio,
        }
    }

    /// How many bytes a compressed file of `compressed_bytes` may expand to.
    fn max_decompressed_bytes(&self, compressed_bytes: u64) -> u64 {
        let doc = u64::try_from(self.max_doc_bytes).unwrap_or(u64::MAX);
        self.max_expansion_ratio.saturating_mul(compressed_bytes).max(doc)
    }

    fn too_large(&self) -> String {
        format!("document is larger than max_doc_bytes ({} bytes)", self.max_doc_bytes)
    }
}

/// The documents of some sources, in order: each item a document or a failure.
///
/// Created by [`Reader::read`].
#[derive(Debug)]
pub struct Documents {
    limits: Limits,
    hidden: bool,
    sources: std::vec::IntoIter<Source>,
    walk: Option<Walk>,
    stream: Option<Stream>,
    skipped: u64,
}

impl Documents {
    /// How many files and records were passed over as not being documents so far: files of
    /// unknown types met in a folder, WARC records of other media types or HTTP statuses.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Opens one file and either returns its only item or makes it the current stream.
    fn open(&mut self, path: &Path, name: String, explicit: bool) -> Option<Item> {
        let shown = path.display().to_string();
        let Some((format, compression)) = detect_format(&name) else {
            if explicit {
                return Some(Err(Failure {
                    path: shown,
                    id: Some(name),
                    error: "unsupported file type (expected .txt, .html, .htm, .jsonl, \
                            .ndjson or .warc, optionally with .gz or .zst)"
                        .into(),
                }));
            }
            self.skipped = self.skipped.saturating_add(1);
            return None;
        };
        let fail = |error: String, id: &str| Failure {
            path: shown.clone(),
            id: Some(id.to_owned()),
            error,
        };
        let (reader, file_bytes) = match open_decompressed(path, compression, self.limits) {
            Ok(opened) => opened,
            Err(err) => return Some(Err(fail(format!("cannot open: {err}"), &name))),
        };
        let compressed = compression != Compression::None;
        match format {
            Format::Text | Format::Html => {
                // Known too large before reading a byte.
                if !compressed && file_bytes > self.limits.max_doc_bytes as u64 {
                    return Some(Err(fail(self.limits.too_large(), &name)));
                }
                Some(read_single(reader, compressed, format, self.limits).map_or_else(
                    |error| Err(fail(error, &name)),
                    |(doc_body, notes)| {
                        let doc =
                            Document { id: name.clone(), body: doc_body, ..Document::default() };
                        Ok(ReadDoc { doc, path: shown.clone(), notes })
                    },
                ))
            }
            Format::JsonLines => {
                let reader = BufReader::with_capacity(READ_BUFFER_BYTES, reader);
                self.stream = Some(Stream::Lines(JsonLines::new(Box::new(reader), shown, name)));
                None
            }
            Format::Warc => {
                let reader = BufReader::with_capacity(READ_BUFFER_BYTES, reader);
                self.stream = Some(Stream::Warc(WarcRecords::new(Box::new(reader), shown)));
                None
            }
        }
    }

    fn start_source(&mut self, source: Source) -> Option<Item> {
        let path = match source {
            Source::Stdin => {
                let reader = BufReader::with_capacity(READ_BUFFER_BYTES, io::stdin());
                self.stream =
                    Some(Stream::Lines(JsonLines::new(Box::new(reader), "-".into(), "-".into())));
                return None;
            }
            Source::Path(path) => path,
        };
        // A path given directly is followed even when it is a symbolic link.
        let metadata = match fs::metadata(&path) {
            Ok(metadata) => metadata,
            Err(err) => {
                return Some(Err(Failure {
                    path: path.display().to_string(),
                    id: None,
                    error: format!("cannot open: {err}"),
                }));
            }
        };
        if metadata.is_dir() {
            match list_sorted(&path) {
                Ok(entries) => {
                    self.walk = Some(Walk { root: path, stack: vec![entries.into_iter()] })
                }
                Err(err) => {
                    return Some(Err(Failure {
                        path: path.display().to_string(),
                        id: None,
                        error: format!("cannot list folder: {err}"),
                    }));
                }
            }
            return None;
        }
        let name = path
            .file_name()
            .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
        self.open(&path, name, true)
    }
}

type Item = Result<ReadDoc, Failure>;

impl Iterator for Documents {
    type Item = Result<ReadDoc, Failure>;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(stream) = &mut self.stream {
                match stream.next_item(self.limits, &mut self.skipped) {
                    Some(item) => return Some(item),
                    None => self.stream = None,
                }
            }
            if let Some(walk) = &mut self.walk {
                match walk.next_file(self.hidden) {
                    Some(Ok((path, name))) => {
                        if let Some(item) = self.open(&path, name, false) {
                            return Some(item);
                        }
                    }
                    Some(Err(failure)) => return Some(Err(failure)),
                    None => self.walk = None,
                }
                continue;
            }
            let source = self.sources.next()?;
            if let Some(item) = self.start_source(source) {
                return Some(item);
            }
        }
    }
}

/// A depth-first walk of one folder given as a source, in byte order of names.
#[derive(Debug)]
struct Walk {
    root: PathBuf,
    stack: Vec<std::vec::IntoIter<(PathBuf, fs::FileType)>>,
}

impl Walk {
    /// The next file to open (its path and its id), or a failure listing a folder.
    fn next_file(&mut self, hidden: bool) -> Option<Result<(PathBuf, String), Failure>> {
        loop {
            let top = self.stack.last_mut()?;
            let Some((path, file_type)) = top.next() else {
                self.stack.pop();
                continue;
            };
            let is_hidden =
                path.file_name().is_some_and(|n| n.as_encoded_bytes().starts_with(b"."));
            if is_hidden && !hidden {
                continue;
            }
            if file_type.is_dir() {
                match list_sorted(&path) {
                    Ok(entries) => self.stack.push(entries.into_iter()),
                    Err(err) => {
                        return Some(Err(Failure {
                            path: path.display().to_string(),
                            id: None,
                            error: format!("cannot list folder: {err}"),
                        }));
                    }
                }
                continue;
            }
            let id = relative_id(&self.root, &path);
            if file_type.is_symlink() {
                match fs::metadata(&path) {
                    Ok(target) if target.is_file() => return Some(Ok((path, id))),
                    // Links to folders are not followed: that is how loops are avoided.
                    Ok(_) => continue,
                    Err(err) => {
                        return Some(Err(Failure {
                            path: path.display().to_string(),
                            id: Some(id),
                            error: format!("broken symbolic link: {err}"),
                        }));
                    }
                }
            }
            if file_type.is_file() {
                return Some(Ok((path, id)));
            }
            // Sockets, pipes and devices: opening a pipe could block the run forever.
        }
    }
}

/// A folder's entries sorted by name bytes, with their types (not following links).
fn list_sorted(dir: &Path) -> io::Result<Vec<(PathBuf, fs::FileType)>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        entries.push((entry.path(), entry.file_type()?));
    }
    entries.sort_by(|a, b| a.0.file_name().cmp(&b.0.file_name()));
    Ok(entries)
}

/// The id of a file found under `root`: its relative path with `/` between components.
fn relative_id(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<Cow<'_, str>> =
        relative.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    parts.join("/")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Html,
    JsonLines,
    Warc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zstd,
}

/// The format and compression a file name announces, if it is one the reader knows.
fn detect_format(name: &str) -> Option<(Format, Compression)> {
    let lower = name.to_ascii_lowercase();
    let (stem, compression) = if let Some(stem) = lower.strip_suffix(".gz") {
        (stem, Compression::Gzip)
    } else if let Some(stem) = lower.strip_suffix(".zst") {
        (stem, Compression::Zstd)
    } else {
        (lower.as_str(), Compression::None)
    };
    let (_, extension) = stem.rsplit_once('.')?;
    let format = match extension {
        "txt" => Format::Text,
        "html" | "htm" => Format::Html,
        "jsonl" | "ndjson" => Format::JsonLines,
        "warc" => Format::Warc,
        _ => return None,
    };
    Some((format, compression))
}

/// Opens a file behind its decompressor and the expansion limit. Returns the reader and the
/// size of the file on disk.
fn open_decompressed(
    path: &Path,
    compression: Compression,
    limits: Limits,
) -> io::Result<(Box<dyn Read + Send>, u64)> {
    let file = File::open(path)?;
    let file_bytes = file.metadata()?.len();
    let limit = limits.max_decompressed_bytes(file_bytes);
    let reader: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => {
            let file = BufReader::with_capacity(READ_BUFFER_BYTES, file);
            let decoder = flate2::read::MultiGzDecoder::new(file);
            Box::new(ExpansionLimit::new(decoder, limit, limits.max_expansion_ratio))
        }
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::new(file)?;
            Box::new(ExpansionLimit::new(decoder, limit, limits.max_expansion_ratio))
        }
    };
    Ok((reader, file_bytes))
}

/// Stops a decompressor once its output passes the limit.
struct ExpansionLimit<R> {
    inner: R,
    produced: u64,
    limit: u64,
    ratio: u64,
}

impl<R> ExpansionLimit<R> {
    fn new(inner: R, limit: u64, ratio: u64) -> ExpansionLimit<R> {
        ExpansionLimit { inner, produced: 0, limit, ratio }
    }
}

impl<R: Read> Read for ExpansionLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.produced > self.limit {
            return Err(self.exceeded());
        }
        let n = self.inner.read(buf)?;
        self.produced = self.produced.saturating_add(n as u64);
        if self.produced > self.limit {
            return Err(self.exceeded());
        }
        Ok(n)
    }
}

impl<R> ExpansionLimit<R> {
    fn exceeded(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "decompressed data exceeds {} bytes ({}× the compressed size): possible \
                 decompression bomb",
                self.limit, self.ratio
            ),
        )
    }
}

impl<R> fmt::Debug for ExpansionLimit<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpansionLimit")
            .field("produced", &self.produced)
            .field("limit", &self.limit)
            .finish()
    }
}

/// Reads a one-document file (`.txt`, `.html`) into a body, within the size limit.
fn read_single(
    reader: Box<dyn Read + Send>,
    decompressed: bool,
    format: Format,
    limits: Limits,
) -> Result<(Body, Vec<String>), String> {
    let cap = limits.max_doc_bytes;
    let mut bytes = Vec::new();
    let mut limited = reader.take(u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1));
    if let Err(err) = limited.read_to_end(&mut bytes) {
        let what = if decompressed { "cannot decompress" } else { "cannot read" };
        return Err(format!("{what}: {err}"));
    }
    if bytes.len() > cap {
        return Err(limits.too_large());
    }
    decode_page(bytes, format == Format::Html, None)
}

/// Turns the bytes of one page into a body: binary check, charset, lossy decoding.
fn decode_page(
    bytes: Vec<u8>,
    is_html: bool,
    declared: Option<&str>,
) -> Result<(Body, Vec<String>), String> {
    let make = |text: String| if is_html { Body::Html(text) } else { Body::Text(text) };
    if bytes.is_empty() {
        return Ok((make(String::new()), vec!["empty document".to_owned()]));
    }
    let utf16_bom = matches!(Encoding::for_bom(&bytes), Some((enc, _)) if enc != UTF_8);
    let head = bytes.get(..BINARY_SNIFF_BYTES).unwrap_or(&bytes);
    if !utf16_bom && memchr::memchr(0, head).is_some() {
        return Err("binary file (NUL byte in the first 8 KiB)".to_owned());
    }
    let content = if is_html { Content::Html } else { Content::Text };
    let (text, notes) = charset::decode_owned(bytes, declared, content);
    Ok((make(text), notes))
}

fn trim_ascii_start(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// Input quoted in a message: at most a few dozen characters.
fn quote(text: &str) -> String {
    let mut quoted: String = text.chars().take(MAX_QUOTED_CHARS).collect();
    if quoted.len() < text.len() {
        quoted.push('…');
    }
    quoted
}

/// A file being read record by record.
enum Stream {
    Lines(JsonLines),
    Warc(WarcRecords),
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stream::Lines(lines) => write!(f, "JsonLines({})", lines.path),
            Stream::Warc(warc) => write!(f, "Warc({})", warc.path),
        }
    }
}

impl Stream {
    fn next_item(&mut self, limits: Limits, skipped: &mut u64) -> Option<Item> {
        match self {
            Stream::Lines(lines) => lines.next_item(limits),
            Stream::Warc(warc) => warc.next_item(limits, skipped),
        }
    }
}

/// How a capped line read ended.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// The input is exhausted and no bytes were read.
    Eof,
    /// A complete line (without its `\n` or `\r\n`) is in the buffer.
    Complete,
    /// The line was longer than the cap; it was consumed and the buffer is empty.
    TooLong,
}

/// Reads one line into `buf` (cleared first), holding at most `cap` bytes of it in memory.
/// Adds the bytes taken from `reader` (line ending included) to `consumed`.
fn read_line_capped(
    reader: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
    consumed: &mut u64,
) -> io::Result<Line> {
    buf.clear();
    let mut any = false;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if available.is_empty() {
            break;
        }
        any = true;
        let (used, found) = match memchr::memchr(b'\n', available) {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        if !too_long {
            // Room for the line ending on top of `cap` bytes of content.
            if buf.len().saturating_add(used) > cap.saturating_add(2) {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(available.get(..used).unwrap_or_default());
            }
        }
        reader.consume(used);
        *consumed = consumed.saturating_add(used as u64);
        if found {
            break;
        }
    }
    if !any {
        return Ok(Line::Eof);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    if too_long || buf.len() > cap {
        buf.clear();
        return Ok(Line::TooLong);
    }
    Ok(Line::Complete)
}

/// One JSON Lines record as scrapers write it. Unknown fields are ignored: dumps carry more
/// than a `Document` holds.
#[derive(Deserialize)]
#[serde(expecting = "a JSON object")]
struct Record {
    #[serde(default)]
    id: Option<serde_json::Value>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    html: Option<String>,
}

/// A JSON Lines file (or stdin), read line by line.
struct JsonLines {
    reader: Box<dyn BufRead + Send>,
    path: String,
    /// The name default ids are made of: `<name>:<line>`.
    name: String,
    line: u64,
    buf: Vec<u8>,
    done: bool,
}

impl JsonLines {
    fn new(reader: Box<dyn BufRead + Send>, path: String, name: String) -> JsonLines {
        JsonLines { reader, path, name, line: 0, buf: Vec::new(), done: false }
    }

    fn next_item(&mut self, limits: Limits) -> Option<Item> {
        loop {
            if self.done {
                return None;
            }
            let mut consumed = 0;
            let read = read_line_capped(
                &mut *self.reader,
                &mut self.buf,
                limits.max_doc_bytes,
                &mut consumed,
            );
            let line = self.line.saturating_add(1);
            let default_id = format!("{}:{line}", self.name);
            let fail = |error: String| Failure {
                path: self.path.clone(),
                id: Some(default_id.clone()),
                error,
            };
            match read {
                Err(err) => {
                    self.done = true;
                    return Some(Err(fail(format!("line {line}: cannot read: {err}"))));
                }
                Ok(Line::Eof) => {
                    self.done = true;
                    return None;
                }
                Ok(Line::TooLong) => {
                    self.line = line;
                    return Some(Err(fail(format!(
                        "line {line} is longer than max_doc_bytes ({} bytes)",
                        limits.max_doc_bytes
                    ))));
                }
                Ok(Line::Complete) => self.line = line,
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(self.parse(line, default_id));
        }
    }

    fn parse(&self, line: u64, default_id: String) -> Item {
        let mut notes = Vec::new();
        let text = match std::str::from_utf8(&self.buf) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => {
                notes.push("invalid utf-8 decoded lossily".to_owned());
                String::from_utf8_lossy(&self.buf)
            }
        };
        let fail = |error: String| Failure {
            path: self.path.clone(),
            id: Some(default_id.clone()),
            error,
        };
        // serde's derive would take `[1, 2]` as the fields in order; a record is an object.
        let is_object = text.trim_start().starts_with('{');
        if !is_object && serde_json::from_str::<serde_json::Value>(&text).is_ok() {
            return Err(fail(format!("line {line}: bad record: expected a JSON object")));
        }
        let record: Record = match serde_json::from_str(&text) {
            Ok(record) => record,
            Err(err) => {
                let what = match err.classify() {
                    serde_json::error::Category::Data => "bad record",
                    _ => "not valid JSON",
                };
                return Err(fail(format!("line {line}: {what}: {}", json_message(&err))));
            }
        };
        let id = match record.id {
            None | Some(serde_json::Value::Null) => default_id.clone(),
            Some(serde_json::Value::String(id)) if id.is_empty() => default_id.clone(),
            Some(serde_json::Value::String(id)) => id,
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(_) => return Err(fail(format!("line {line}: `id` must be a string or a number"))),
        };
        let body = match (record.text, record.html) {
            (Some(text), None) => Body::Text(text),
            (None, Some(html)) => Body::Html(html),
            (Some(text), Some(_)) => {
                notes.push("record has both `text` and `html`; used `text`".to_owned());
                Body::Text(text)
            }
            (None, None) => {
                return Err(Failure {
                    path: self.path.clone(),
                    id: Some(id),
                    error: format!("line {line}: record has neither `text` nor `html`"),
                });
            }
        };
        if body.is_empty() {
            notes.push("empty document".to_owned());
        }
        let doc = Document {
            id,
            url: record.url,
            site: record.site,
            published: record.published,
            title: record.title,
            body,
        };
        Ok(ReadDoc { doc, path: self.path.clone(), notes })
    }
}

/// serde_json's message without its position on line 1 (the record is one line).
fn json_message(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.rfind(" at line ") {
        Some(at) => format!("{} at column {}", message.get(..at).unwrap_or(&message), err.column()),
        None => message,
    }
}

/// A WARC file, read record by record.
struct WarcRecords {
    reader: Box<dyn BufRead + Send>,
    path: String,
    /// Bytes consumed so far (of the decompressed stream): where the next record starts.
    offset: u64,
    buf: Vec<u8>,
    done: bool,
}

/// The WARC headers the reader uses.
#[derive(Debug, Default)]
struct WarcHeaders {
    warc_type: String,
    target_uri: Option<String>,
    record_id: Option<String>,
    content_type: Option<String>,
    content_length: Option<u64>,
    truncated: Option<String>,
}

impl WarcRecords {
    fn new(reader: Box<dyn BufRead + Send>, path: String) -> WarcRecords {
        WarcRecords { reader, path, offset: 0, buf: Vec::new(), done: false }
    }

    fn fail(&mut self, id: Option<String>, error: String, fatal: bool) -> Option<Item> {
        if fatal {
            self.done = true;
        }
        Some(Err(Failure { path: self.path.clone(), id, error }))
    }

    fn read_line(&mut self) -> io::Result<Line> {
        read_line_capped(&mut *self.reader, &mut self.buf, MAX_HEADER_BYTES, &mut self.offset)
    }

    fn next_item(&mut self, limits: Limits, skipped: &mut u64) -> Option<Item> {
        loop {
            if self.done {
                return None;
            }
            let start = self.offset;
            // Records are separated by blank lines; skip them to the next version line.
            match self.read_line() {
                Err(err) => {
                    return self.fail(None, format!("byte {start}: cannot read: {err}"), true);
                }
                Ok(Line::Eof) => {
                    self.done = true;
                    return None;
                }
                Ok(Line::TooLong) => {
                    return self.fail(
                        None,
                        format!("byte {start}: expected a WARC record header"),
                        true,
                    );
                }
                Ok(Line::Complete) => {}
            }
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if !self.buf.starts_with(b"WARC/") {
                let found = quote(&String::from_utf8_lossy(&self.buf));
                return self.fail(
                    None,
                    format!(
                        "byte {start}: expected a WARC record header (`WARC/1.1`), found `{found}`"
                    ),
                    true,
                );
            }
            let headers = match self.read_headers() {
                Ok(headers) => headers,
                Err(error) => {
                    return self.fail(None, format!("record at byte {start}: {error}"), true);
                }
            };
            let id = headers.target_uri.clone().or_else(|| headers.record_id.clone());
            let Some(length) = headers.content_length else {
                return self.fail(id, format!("record at byte {start}: no Content-Length"), true);
            };
            let wanted = matches!(headers.warc_type.as_str(), "response" | "resource");
            let max_block = limits.max_doc_bytes.saturating_add(MAX_HEADER_BYTES);
            let fits = usize::try_from(length).is_ok_and(|length| length <= max_block);
            if !wanted || !fits {
                if let Err(error) = self.skip_block(length) {
                    return self.fail(id, format!("record at byte {start}: {error}"), true);
                }
                if !wanted {
                    continue;
                }
                return self.fail(id, limits.too_large(), false);
            }
            let block = match self.read_block(length) {
                Ok(block) => block,
                Err(error) => {
                    return self.fail(id, format!("record at byte {start}: {error}"), true);
                }
            };
            let Some(id) = id else {
                return self.fail(
                    None,
                    format!("record at byte {start}: no WARC-Target-URI or WARC-Record-ID"),
                    false,
                );
            };
            match warc_document(&headers, block, limits) {
                Ok(None) => *skipped = skipped.saturating_add(1),
                Ok(Some((body, mut notes))) => {
                    if let Some(truncated) = &headers.truncated {
                        notes.push(format!("warc record truncated ({})", quote(truncated)));
                    }
                    let doc = Document { id, url: headers.target_uri, body, ..Document::default() };
                    return Some(Ok(ReadDoc { doc, path: self.path.clone(), notes }));
                }
                Err(error) => return self.fail(Some(id), error, false),
            }
        }
    }

    fn read_headers(&mut self) -> Result<WarcHeaders, String> {
        let mut headers = WarcHeaders::default();
        let mut total = 0usize;
        loop {
            match self.read_line() {
                Err(err) => return Err(format!("cannot read: {err}")),
                Ok(Line::Eof) => return Err("file ends inside the record header".into()),
                Ok(Line::TooLong) => return Err("header line too long".into()),
                Ok(Line::Complete) => {}
            }
            if self.buf.is_empty() {
                return Ok(headers);
            }
            total = total.saturating_add(self.buf.len());
            if total > MAX_HEADER_BYTES {
                return Err("record header too long".into());
            }
            let line = String::from_utf8_lossy(&self.buf);
            let Some((name, value)) = line.split_once(':') else {
                // Folded continuation lines carry nothing the reader uses.
                continue;
            };
            let value = value.trim().to_owned();
            match name.trim().to_ascii_lowercase().as_str() {
                "warc-type" => headers.warc_type = value.to_ascii_lowercase(),
                "warc-target-uri" => {
                    // WARC 1.0 wrote the URI in angle brackets; 1.1 does not.
                    let uri = value.trim_start_matches('<').trim_end_matches('>');
                    headers.target_uri = Some(uri.to_owned()).filter(|u| !u.is_empty());
                }
                "warc-record-id" => headers.record_id = Some(value).filter(|v| !v.is_empty()),
                "content-type" => headers.content_type = Some(value),
                "content-length" => match value.parse::<u64>() {
                    Ok(length) => headers.content_length = Some(length),
                    Err(_) => return Err(format!("bad Content-Length `{}`", quote(&value))),
                },
                "warc-truncated" => headers.truncated = Some(value),
                _ => {}
            }
        }
    }

    fn skip_block(&mut self, length: u64) -> Result<(), String> {
        let copied = io::copy(&mut (&mut self.reader).take(length), &mut io::sink())
            .map_err(|err| format!("cannot read: {err}"))?;
        self.offset = self.offset.saturating_add(copied);
        if copied < length {
            return Err(format!("truncated: file ends {copied} bytes into a {length}-byte block"));
        }
        Ok(())
    }

    fn read_block(&mut self, length: u64) -> Result<Vec<u8>, String> {
        let mut block = Vec::new();
        let copied = (&mut self.reader)
            .take(length)
            .read_to_end(&mut block)
            .map_err(|err| format!("cannot read: {err}"))?;
        self.offset = self.offset.saturating_add(copied as u64);
        if (copied as u64) < length {
            return Err(format!("truncated: file ends {copied} bytes into a {length}-byte block"));
        }
        Ok(block)
    }
}

/// What kind of page a media type is, if it is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageKind {
    Html,
    Text,
}

/// The page kind and charset of a `Content-Type` value; `None` kind for other media types.
fn media_type(content_type: &str) -> (Option<PageKind>, Option<String>) {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let kind = match mime.as_str() {
        "text/html" | "application/xhtml+xml" => Some(PageKind::Html),
        "text/plain" => Some(PageKind::Text),
        _ => None,
    };
    (kind, charset::content_type_charset(content_type))
}

/// Whether a payload without a media type looks like HTML.
fn sniff_html(payload: &[u8]) -> bool {
    let head = payload.get(..512).unwrap_or(payload).to_ascii_lowercase();
    let head = trim_ascii_start(&head);
    head.starts_with(b"<!doctype html")
        || head.starts_with(b"<html")
        || memchr::memmem::find(head, b"<html").is_some()
}

/// The body of a `response` or `resource` record, `Ok(None)` when it is not a page.
fn warc_document(
    headers: &WarcHeaders,
    block: Vec<u8>,
    limits: Limits,
) -> Result<Option<(Body, Vec<String>)>, String> {
    let (content_type, payload) = if headers.warc_type == "response" && block.starts_with(b"HTTP/")
    {
        let http = parse_http(&block)?;
        if !(200..300).contains(&http.status) {
            return Ok(None);
        }
        let mut payload = block.get(http.body_start..).unwrap_or_default().to_vec();
        if http.chunked {
            payload = dechunk(&payload, limits)?;
        }
        if let Some(encoding) = &http.content_encoding {
            payload = decode_content(encoding, &payload, limits)?;
        }
        (http.content_type, payload)
    } else {
        (headers.content_type.clone(), block)
    };
    if payload.len() > limits.max_doc_bytes {
        return Err(limits.too_large());
    }
    let (kind, charset) = match &content_type {
        Some(content_type) => media_type(content_type),
        None if sniff_html(&payload) => (Some(PageKind::Html), None),
        None => (Some(PageKind::Text), None),
    };
    let Some(kind) = kind else { return Ok(None) };
    decode_page(payload, kind == PageKind::Html, charset.as_deref()).map(Some)
}

/// The parts of an HTTP response header the reader uses.
#[derive(Debug, PartialEq, Eq)]
struct HttpHead {
    status: u16,
    content_type: Option<String>,
    content_encoding: Option<String>,
    chunked: bool,
    body_start: usize,
}

fn parse_http(block: &[u8]) -> Result<HttpHead, String> {
    let window = block.get(..MAX_HEADER_BYTES).unwrap_or(block);
    let (head_end, body_start) = match memchr::memmem::find(window, b"\r\n\r\n") {
        Some(at) => (at, at + 4),
        None => match memchr::memmem::find(window, b"\n\n") {
            Some(at) => (at, at + 2),
            None if block.len() <= MAX_HEADER_BYTES => (block.len(), block.len()),
            None => return Err("http header too long or not terminated".into()),
        },
    };
    let head = String::from_utf8_lossy(block.get(..head_end).unwrap_or_default());
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .ok_or_else(|| format!("bad http status line `{}`", quote(status_line)))?;
    let mut parsed =
        HttpHead { status, content_type: None, content_encoding: None, chunked: false, body_start };
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => parsed.content_type = Some(value.to_owned()),
            "content-encoding" => {
                let encoding = value.to_ascii_lowercase();
                if !encoding.is_empty() && encoding != "identity" {
                    parsed.content_encoding = Some(encoding);
                }
            }
            "transfer-encoding" => parsed.chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    Ok(parsed)
}

/// Undoes HTTP chunked transfer encoding, within the document size limit.
fn dechunk(mut data: &[u8], limits: Limits) -> Result<Vec<u8>, String> {
    let malformed = || "malformed chunked transfer encoding".to_owned();
    let mut out = Vec::new();
    loop {
        let line_end = memchr::memchr(b'\n', data).ok_or_else(malformed)?;
        let line = String::from_utf8_lossy(data.get(..line_end).unwrap_or_default());
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| malformed())?;
        data = data.get(line_end + 1..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        if out.len().saturating_add(size) > limits.max_doc_bytes {
            return Err(limits.too_large());
        }
        let chunk = data.get(..size).ok_or_else(malformed)?;
        out.extend_from_slice(chunk);
        data = data.get(size..).unwrap_or_default();
        data = data.strip_prefix(b"\r\n").or_else(|| data.strip_prefix(b"\n")).unwrap_or(data);
        if data.is_empty() {
            // Some writers drop the final zero-size chunk.
            return Ok(out);
        }
    }
}

/// Undoes HTTP content encoding (gzip, deflate, zstd), within the document size limit.
fn decode_content(encoding: &str, payload: &[u8], limits: Limits) -> Result<Vec<u8>, String> {
    let cap = u64::try_from(limits.max_doc_bytes).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    let result = match encoding {
        "gzip" | "x-gzip" => {
            flate2::read::MultiGzDecoder::new(payload).take(cap).read_to_end(&mut out)
        }
        "deflate" => {
            // Servers send either zlib-wrapped (as the standard says) or raw deflate.
            let zlib = flate2::read::ZlibDecoder::new(payload).take(cap).read_to_end(&mut out);
            if zlib.is_err() {
                out.clear();
                flate2::read::DeflateDecoder::new(payload).take(cap).read_to_end(&mut out)
            } else {
                zlib
            }
        }
        "zstd" => zstd::stream::read::Decoder::new(payload)
            .and_then(|d| d.take(cap).read_to_end(&mut out)),
        other => return Err(format!("unsupported content-encoding `{}`", quote(other))),
    };
    result.map_err(|err| format!("cannot decode content-encoding {encoding}: {err}"))?;
    if out.len() > limits.max_doc_bytes {
        return Err(limits.too_large());
    }
    Ok(out)
}

/// A relative path made from a document id, safe to join under an output folder.
///
/// Ids come from the input (file paths, JSON fields, URLs) and may hold anything. The path
/// keeps the id's `/`- or `\`-separated structure but never escapes the folder it is joined
/// to and is valid on Linux, macOS and Windows:
///
/// - empty, `.` and `..` components are dropped, so it is never absolute and never climbs;
/// - NUL, control characters and `<>:"|?*` become `_` (so `C:` is no drive, `https:` no
///   scheme);
/// - trailing dots and spaces become `_`, Windows device names (`CON`, `nul.txt`, …) get a
///   leading `_`;
/// - a component over 200 bytes is cut and given a hash of the original, to stay unique;
/// - an id with nothing left becomes `_`.
///
/// # Example
///
/// ```
/// use std::path::Path;
/// use clean_news::input::safe_relative_path;
///
/// assert_eq!(safe_relative_path("news/2024/a.txt"), Path::new("news/2024/a.txt"));
/// assert_eq!(safe_relative_path("../../etc/passwd"), Path::new("etc/passwd"));
/// assert_eq!(safe_relative_path("/abs/path"), Path::new("abs/path"));
/// assert_eq!(safe_relative_path("C:\\Windows\\x"), Path::new("C_/Windows/x"));
/// assert_eq!(safe_relative_path("https://example.com/a?b=1"), Path::new("https_/example.com/a_b=1"));
/// # Ok::<(), clean_news::Error>(())
/// ```
pub fn safe_relative_path(id: &str) -> PathBuf {
    let mut path = PathBuf::new();
    for component in id.split(['/', '\\']) {
        if component.is_empty() || component == "." || component == ".." {
            continue;
        }
        path.push(safe_component(component));
    }
    if path.as_os_str().is_empty() {
        path.push("_");
    }
    path
}

/// The longest path component kept whole (most file systems allow 255 bytes).
const MAX_COMPONENT_BYTES: usize = 200;

fn safe_component(raw: &str) -> String {
    let mut component: String = raw
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    // Windows drops trailing dots and spaces, which would merge `a.` with `a`.
    let kept = component.trim_end_matches(['.', ' ']).len();
    let trailing = component.len() - kept;
    if trailing > 0 {
        component.truncate(kept);
        component.extend(std::iter::repeat_n('_', trailing));
    }
    let stem = component.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes().get(3).is_some_and(u8::is_ascii_digit));
    if reserved {
        component.insert(0, '_');
    }
    if component.len() > MAX_COMPONENT_BYTES {
        let mut cut = MAX_COMPONENT_BYTES - 17;
        while !component.is_char_boundary(cut) {
            cut -= 1;
        }
        component.truncate(cut);
        component.push_str(&format!("~{:016x}", xxhash_rust::xxh3::xxh3_64(raw.as_bytes())));
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_doc_bytes: usize) -> Limits {
        Limits { max_doc_bytes, max_expansion_ratio: 100 }
    }

    fn lines(input: &str, cap: usize) -> Vec<(Line, String)> {
        let mut reader = io::Cursor::new(input.as_bytes().to_vec());
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let line = read_line_capped(&mut reader, &mut buf, cap, &mut 0).unwrap();
            if line == Line::Eof {
                return out;
            }
            out.push((line, String::from_utf8(buf.clone()).unwrap()));
        }
    }

    #[test]
    fn capped_lines_strip_endings_and_flag_long_lines() {
        let got = lines("ab\r\ncdefgh\n\nxy", 4);
        assert_eq!(
            got,
            vec![
                (Line::Complete, "ab".into()),
                (Line::TooLong, String::new()),
                (Line::Complete, String::new()),
                (Line::Complete, "xy".into()),
            ]
        );
    }

    #[test]
    fn capped_lines_accept_a_line_of_exactly_the_cap() {
        assert_eq!(lines("abcd\r\nabcde\n", 4)[0], (Line::Complete, "abcd".into()));
        assert_eq!(lines("abcd\r\nabcde\n", 4)[1].0, Line::TooLong);
    }

    #[test]
    fn capped_lines_hold_at_most_the_cap_across_small_buffers() {
        let long = "x".repeat(10_000);
        let mut reader = BufReader::with_capacity(7, io::Cursor::new(format!("{long}\nok\n")));
        let mut buf = Vec::new();
        let mut consumed = 0;
        assert_eq!(
            read_line_capped(&mut reader, &mut buf, 100, &mut consumed).unwrap(),
            Line::TooLong
        );
        assert!(buf.capacity() < 1000);
        assert_eq!(
            read_line_capped(&mut reader, &mut buf, 100, &mut consumed).unwrap(),
            Line::Complete
        );
        assert_eq!(buf, b"ok");
        assert_eq!(consumed, 10_004);
    }

    #[test]
    fn warc_failures_give_the_exact_byte_offset() {
        let record = b"WARC/1.1\r\nWARC-Type: resource\r\nWARC-Target-URI: u\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi\r\n\r\n";
        let input = [&record[..], b"junk\r\n"].concat();
        let mut warc = WarcRecords::new(Box::new(io::Cursor::new(input)), "w.warc".into());
        let mut skipped = 0;
        assert!(warc.next_item(limits(100), &mut skipped).unwrap().is_ok());
        let failure = warc.next_item(limits(100), &mut skipped).unwrap().unwrap_err();
        assert!(
            failure.error.starts_with(&format!("byte {}: expected", record.len())),
            "{failure}"
        );
        assert!(warc.next_item(limits(100), &mut skipped).is_none());
    }

    #[test]
    fn detects_formats_and_compression_by_name() {
        assert_eq!(detect_format("a.TXT"), Some((Format::Text, Compression::None)));
        assert_eq!(detect_format("a.htm.gz"), Some((Format::Html, Compression::Gzip)));
        assert_eq!(detect_format("a.ndjson.zst"), Some((Format::JsonLines, Compression::Zstd)));
        assert_eq!(detect_format("crawl.warc.gz"), Some((Format::Warc, Compression::Gzip)));
        assert_eq!(detect_format("a.json"), None);
        assert_eq!(detect_format("txt"), None);
        assert_eq!(detect_format("a.gz"), None);
    }

    #[test]
    fn nul_bytes_mark_binary_files_unless_utf16() {
        assert!(decode_page(b"ab\0cd".to_vec(), false, None).unwrap_err().contains("binary file"));
        let mut late = vec![b'a'; BINARY_SNIFF_BYTES];
        late.push(0);
        assert!(decode_page(late, false, None).is_ok());
        let utf16 = vec![0xFF, 0xFE, b'h', 0, b'i', 0];
        let (body, _) = decode_page(utf16, false, None).unwrap();
        assert_eq!(body.as_text(), Some("hi"));
    }

    #[test]
    fn http_head_gives_status_type_and_encodings() {
        let block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=koi8-r\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\nbody";
        let head = parse_http(block).unwrap();
        assert_eq!(head.status, 200);
        assert_eq!(head.content_type.as_deref(), Some("text/html; charset=koi8-r"));
        assert_eq!(head.content_encoding.as_deref(), Some("gzip"));
        assert!(head.chunked);
        assert_eq!(block.get(head.body_start..), Some(&b"body"[..]));
        assert!(parse_http(b"HTTP/1.1 abc\r\n\r\n").is_err());
    }

    #[test]
    fn dechunks_and_rejects_malformed_chunks() {
        assert_eq!(
            dechunk(b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n", limits(100)).unwrap(),
            b"Wikipedia"
        );
        assert!(dechunk(b"zz\r\nWiki\r\n", limits(100)).is_err());
        assert!(dechunk(b"10\r\nWiki\r\n0\r\n\r\n", limits(100)).is_err());
        assert!(
            dechunk(b"4\r\nWiki\r\n0\r\n\r\n", limits(3)).unwrap_err().contains("max_doc_bytes")
        );
    }

    #[test]
    fn content_encoding_is_capped() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[b'a'; 10_000]).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decode_content("gzip", &gz, limits(10_000)).unwrap().len(), 10_000);
        assert!(decode_content("gzip", &gz, limits(9_999)).unwrap_err().contains("max_doc_bytes"));
        assert!(decode_content("br", &gz, limits(10)).unwrap_err().contains("unsupported"));
    }

    #[test]
    fn expansion_limit_stops_a_bomb() {
        let mut limited = ExpansionLimit::new(io::repeat(0), 1000, 10);
        let err = io::copy(&mut limited, &mut io::sink()).unwrap_err();
        assert!(err.to_string().contains("decompression bomb"));
    }

    #[test]
    fn decompression_limit_is_ratio_times_size_but_at_least_one_document() {
        let limits = Limits { max_doc_bytes: 1000, max_expansion_ratio: 10 };
        assert_eq!(limits.max_decompressed_bytes(50), 1000);
        assert_eq!(limits.max_decompressed_bytes(500), 5000);
        assert_eq!(limits.max_decompressed_bytes(u64::MAX), u64::MAX);
    }

    #[test]
    fn safe_paths_never_climb_or_start_at_a_root() {
        assert_eq!(safe_relative_path("a/../../b"), Path::new("a/b"));
        assert_eq!(safe_relative_path(".."), Path::new("_"));
        assert_eq!(safe_relative_path(""), Path::new("_"));
        assert_eq!(safe_relative_path("///"), Path::new("_"));
        assert_eq!(safe_relative_path("/etc/passwd"), Path::new("etc/passwd"));
        assert_eq!(safe_relative_path("\\\\server\\share\\x"), Path::new("server/share/x"));
        assert_eq!(safe_relative_path("\\\\?\\C:\\x"), Path::new("_/C_/x"));
        assert_eq!(safe_relative_path("./a/./b"), Path::new("a/b"));
    }

    #[test]
    fn safe_paths_replace_nul_controls_and_reserved_characters() {
        assert_eq!(safe_relative_path("a\0b"), Path::new("a_b"));
        assert_eq!(safe_relative_path("a\nb\u{1b}[31m"), Path::new("a_b_[31m"));
        assert_eq!(safe_relative_path("q?x=<1>|\"*"), Path::new("q_x=_1____"));
        assert_eq!(safe_relative_path("D:"), Path::new("D_"));
    }

    #[test]
    fn safe_paths_avoid_windows_traps() {
        assert_eq!(safe_relative_path("dir./name "), Path::new("dir_/name_"));
        assert_eq!(safe_relative_path("..."), Path::new("___"));
        assert_eq!(safe_relative_path("con"), Path::new("_con"));
        assert_eq!(safe_relative_path("a/NUL.txt"), Path::new("a/_NUL.txt"));
        assert_eq!(safe_relative_path("com1.html"), Path::new("_com1.html"));
        assert_eq!(safe_relative_path("console"), Path::new("console"));
    }

    #[test]
    fn safe_paths_cut_long_components_but_keep_them_apart() {
        let a = format!("{}a", "я".repeat(150));
        let b = format!("{}b", "я".repeat(150));
        let (pa, pb) = (safe_relative_path(&a), safe_relative_path(&b));
        assert!(pa.as_os_str().len() <= MAX_COMPONENT_BYTES);
        assert_ne!(pa, pb);
    }

    proptest::proptest! {
        #[test]
        fn safe_paths_are_always_plain_relative_components(id in ".{0,80}") {
            let path = safe_relative_path(&id);
            proptest::prop_assert!(path.is_relative());
            for component in path.components() {
                let std::path::Component::Normal(part) = component else {
                    return Err(proptest::test_runner::TestCaseError::fail(format!("{component:?}")));
                };
                let part = part.to_str().unwrap();
                proptest::prop_assert!(!part.is_empty() && part != "." && part != "..");
                proptest::prop_assert!(!part.contains(['\0', '/', '\\', ':']));
                proptest::prop_assert!(part.len() <= MAX_COMPONENT_BYTES);
            }
        }
    }
}
